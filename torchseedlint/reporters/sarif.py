"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

Choices, with reasons (see docs/background/linter-conventions.md §3):

- every enabled rule is listed in ``tool.driver.rules``, so code scanning can
  close alerts of a rule that stopped firing and show the docs of all of them;
- URIs are relative POSIX paths against ``%SRCROOT%`` (the run's root, given in
  ``originalUriBaseIds``), which GitHub resolves against the repository root;
- ``columnKind`` is ``unicodeCodePoints``: libcst columns count code points;
- ``partialFingerprints`` carries our own key, ``torchseedlint/v1``, and not
  ``primaryLocationLineHash``, which the upload action computes itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Sequence, Type
from urllib.parse import quote

from torchseedlint import __version__
from torchseedlint.core.diagnostics import Diagnostic, Edit, Fix, Location
from torchseedlint.reporters.json_format import rule_url
from torchseedlint.reporters.report import (
    Report,
    cell_prefix,
    fingerprints,
    relative_posix,
)

if TYPE_CHECKING:
    from torchseedlint.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/torchseedlint/torchseedlint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "torchseedlint/v1"
# GitHub truncates longer descriptions.
DESCRIPTION_LIMIT = 1024


def _clip(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 3] + "..."


def _short_description(what: str) -> str:
    """The first sentence of the docs' first paragraph, without a colon leading into a list."""
    paragraph = " ".join(what.split("\n\n")[0].split())
    sentence = re.split(r"(?<=\.)\s", paragraph, maxsplit=1)[0]
    return sentence.rstrip(":")


def _descriptor(rule: Type[Rule]) -> Dict[str, Any]:
    doc = rule.doc()
    what = rule.section("What it does") or rule.summary()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(_short_description(what))},
        "fullDescription": {"text": _clip(" ".join(what.split()))},
        "help": {"text": doc or rule.summary(), "markdown": doc or rule.summary()},
        "helpUri": rule_url(rule.code, rule.name),
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["reproducibility"]},
    }


def _artifact(path: str, root: str) -> Dict[str, str]:
    uri = relative_posix(path, root)
    if uri.startswith("/"):  # outside the root: an absolute file URI, no base
        return {"uri": Path(uri).as_uri()}
    return {"uri": quote(uri), "uriBaseId": SRCROOT}


def _region(start: Location, end: Location) -> Dict[str, int]:
    return {
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    }


def _replacement(edit: Edit) -> Dict[str, Any]:
    return {
        "deletedRegion": _region(edit.location, edit.end_location),
        "insertedContent": {"text": edit.content},
    }


def _fix(fix: Fix, artifact: Dict[str, str]) -> Dict[str, Any]:
    return {
        "description": {"text": fix.message},
        "artifactChanges": [
            {
                "artifactLocation": artifact,
                "replacements": [_replacement(edit) for edit in fix.edits],
            }
        ],
    }


def _result(d: Diagnostic, index: int, fingerprint: str, root: str) -> Dict[str, Any]:
    artifact = _artifact(d.path, root)
    result: Dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": d.severity,
        "message": {"text": f"{cell_prefix(d)}{d.name}: {d.message}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": _region(d.location, d.end_location),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if d.cell is not None:
        # Rows count inside this notebook cell, not in the .ipynb file; a fix's edits
        # would be misplaced in the JSON, so none is offered.
        result["properties"] = {"cell": d.cell}
    elif d.fix is not None:
        result["fixes"] = [_fix(d.fix, artifact)]
    return result


def _rules(report: Report) -> List[Type[Rule]]:
    """The enabled rules, plus any rule that reported without being listed (TSL000)."""
    listed = {rule.code for rule in report.rules}
    extra = {d.code for d in report.diagnostics if d.code not in listed}
    return sorted([*report.rules, *(report.rule(code) for code in extra)], key=lambda r: r.code)


def to_log(report: Report) -> Dict[str, Any]:
    rules: Sequence[Type[Rule]] = _rules(report)
    index = {rule.code: position for position, rule in enumerate(rules)}
    results = [
        _result(d, index[d.code], fingerprint, report.root)
        for d, fingerprint in zip(report.diagnostics, fingerprints(report))
    ]
    root_uri = Path(report.root).resolve().as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "torchseedlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(report: Report) -> str:
    return json.dumps(to_log(report), indent=2) + "\n"
