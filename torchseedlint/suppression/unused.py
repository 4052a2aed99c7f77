"""Suppression comments that suppressed nothing (reported as TSL001, fixed by removal).

Known only after every other rule ran on the module, so the engine calls
:func:`unused_suppressions` last, with the rule to report as.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Protocol, Sequence

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.suppression.noqa import NOQA, TOOL_IGNORE, Suppression, Suppressions

_PREFIX = "TSL"


class ReportingRule(Protocol):
    """What is read of the rule the diagnostics are reported as."""

    code: str
    name: str
    severity: str


def unused_suppressions(
    text: str,
    path: str,
    suppressions: Suppressions,
    enabled: Sequence[str],
    known: Sequence[str],
    rule: ReportingRule,
) -> List[Diagnostic]:
    """``rule``'s (TSL001's) diagnostics for the suppressions that silenced nothing."""
    if rule.code not in enabled:
        return []
    lines = text.splitlines(keepends=True)
    found = []
    for suppression in suppressions.all():
        stale = _stale_codes(suppression, enabled, known, rule.code)
        if not stale:
            continue
        row, column = suppression.row, suppression.column
        details = "; ".join(f"{kind}: {', '.join(codes)}" for kind, codes in stale.items())
        location = Location(row, column)
        found.append(
            Diagnostic(
                code=rule.code,
                name=rule.name,
                message=f"unused suppression comment ({details})",
                path=path,
                location=location,
                end_location=Location(row, column + len(suppression.text)),
                severity=rule.severity,
                fix=_removal_fix(suppression, lines, [c for cs in stale.values() for c in cs]),
                noqa_rows=(row,),
            )
        )
    return [d for d in found if suppressions.match(d) is None]


def _stale_codes(
    suppression: Suppression, enabled: Sequence[str], known: Sequence[str], own_code: str
) -> Dict[str, List[str]]:
    stale: Dict[str, List[str]] = {}
    for code in suppression.codes or ():
        if not code.startswith(_PREFIX) or code in suppression.used:
            continue
        if code == own_code:
            continue  # it silences this rule's own reports
        kind = "unused" if code in enabled else "non-enabled" if code in known else "unknown"
        stale.setdefault(kind, []).append(code)
    return stale


def _removal_fix(suppression: Suppression, lines: List[str], stale: List[str]) -> Optional[Fix]:
    text = suppression.text
    match = TOOL_IGNORE.search(text) or NOQA.search(text)
    if match is None or match.group("codes") is None or suppression.row > len(lines):
        return None
    row, column = suppression.row, suppression.column
    start, end = Location(row, column), Location(row, column + len(text))
    written = [c for c in re.split(r"[\s,]+", match.group("codes").strip()) if c]
    remaining = [c for c in written if c.upper() not in stale]
    label = ", ".join(stale)
    if remaining:
        codes_start, codes_end = match.span("codes")
        new = text[:codes_start] + ", ".join(remaining) + text[codes_end:]
        return Fix(Applicability.SAFE, f"Remove unused {label}", (Edit(new, start, end),))
    before = text[: match.start()].rstrip()
    after = text[match.end() :].strip()
    line = lines[row - 1]
    code_part = line[: column - 1]
    if before.strip("# \t") or after.strip("# \t"):
        if before:
            new = f"{before}  {after}" if after else before
        else:
            new = after if after.startswith("#") else f"# {after}"
        return Fix(Applicability.SAFE, f"Remove unused {label}", (Edit(new, start, end),))
    if not code_part.strip():  # the comment is alone on its line: drop the line
        return Fix(
            Applicability.SAFE,
            "Remove the unused suppression comment",
            (Edit("", Location(row, 1), Location(row + 1, 1)),),
        )
    code_end = Location(row, len(code_part.rstrip()) + 1)
    return Fix(
        Applicability.SAFE, "Remove the unused suppression comment", (Edit("", code_end, end),)
    )
