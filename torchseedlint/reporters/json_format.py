"""JSON with ruff's field names: a list (``json``) or one object a line (``json-lines``)."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from torchseedlint.core.diagnostics import Diagnostic, Fix, Location
from torchseedlint.reporters.report import Report

DOCS_URL = "https://github.com/torchseedlint/torchseedlint/blob/main/docs/rules.md#"


def _location(location: Location) -> Dict[str, int]:
    return {"row": location.row, "column": location.column}


def _fix(fix: Optional[Fix]) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {
                "content": edit.content,
                "location": _location(edit.location),
                "end_location": _location(edit.end_location),
            }
            for edit in fix.edits
        ],
    }


def rule_url(code: str, name: str) -> str:
    return f"{DOCS_URL}{code.lower()}-{name}"


def to_dict(d: Diagnostic) -> Dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "filename": d.path,
        "location": _location(d.location),
        "end_location": _location(d.end_location),
        "fix": _fix(d.fix),
        "noqa_row": d.noqa_rows[0] if d.noqa_rows else None,
        "cell": d.cell,
        "severity": d.severity,
        "url": rule_url(d.code, d.name),
    }


def render(report: Report) -> str:
    return json.dumps([to_dict(d) for d in report.diagnostics], indent=2) + "\n"


def render_lines(report: Report) -> str:
    return "".join(json.dumps(to_dict(d)) + "\n" for d in report.diagnostics)
