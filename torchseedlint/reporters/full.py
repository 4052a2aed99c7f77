"""ruff's ``full`` format: a header, the location, a source frame, help, the fix as a diff.

::

    TSL201 [*] dataloader-worker-seeding: `DataLoader(...)` has no worker_init_fn; ...
     --> train.py:3:10
      |
    3 | loader = DataLoader(ds, num_workers=4)
      |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
      |
    help: add `worker_init_fn=seed_worker` ...
"""

from __future__ import annotations

import difflib
from typing import List, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.edits.apply import apply_fixes
from torchseedlint.reporters.json_format import rule_url
from torchseedlint.reporters.report import Report, one_line, position
from torchseedlint.reporters.style import paint

# Spans longer than this are cut in the frame; the location line says where they start.
MAX_FRAME_LINES = 6


def _underline(line: str, start: int, end: int) -> str:
    """Carets under ``line[start:end]`` (0-based), keeping tabs so they line up."""
    padding = "".join("\t" if char == "\t" else " " for char in line[:start])
    return padding + "^" * max(end - start, 1)


def _frame(d: Diagnostic, text: str, color: bool) -> List[str]:
    lines = text.splitlines()
    first, last = d.location.row, d.end_location.row
    if d.end_location.column == 1 and last > first:
        last -= 1  # a span ending at the start of a line does not cover that line
    last = min(last, len(lines))
    if first > len(lines):
        return []
    shown = list(range(first, min(last, first + MAX_FRAME_LINES - 1) + 1))
    width = len(str(shown[-1]))
    bar = paint(" " * width + " |", color, fg="blue")
    out = [bar]
    for row in shown:
        line = lines[row - 1]
        start = d.location.column - 1 if row == first else len(line) - len(line.lstrip())
        end = d.end_location.column - 1 if row == d.end_location.row else len(line)
        gutter = paint(f"{row:>{width}} |", color, fg="blue")
        out.append(f"{gutter} {line}".rstrip())
        out.append(f"{bar} {paint(_underline(line, start, max(end, start)), color, fg='red')}")
    if last > shown[-1]:
        out.append(paint(" " * width + " ...", color, fg="blue"))
    out.append(bar)
    return out


def _help(report: Report, d: Diagnostic) -> str:
    if d.fix is not None:
        return d.fix.message
    hint: Optional[str] = getattr(report.rule(d.code), "fix_hint", None)
    return hint or f"see {rule_url(d.code, d.name)}"


def _diff(d: Diagnostic, text: str, color: bool) -> List[str]:
    # A notebook fix may edit other cells (the seeding block goes after the imports),
    # and its edits carry no cell: a diff of this one cell would be wrong.
    if d.fix is None or not text or d.cell is not None:
        return []
    fixed, applied, _deferred = apply_fixes(text, [d.fix])
    if not applied or fixed == text:
        return []
    diff = difflib.unified_diff(
        text.splitlines(), fixed.splitlines(), f"a/{d.path}", f"b/{d.path}", lineterm=""
    )
    styles = {"+": "green", "-": "red", "@": "cyan"}
    out = []
    for line in diff:
        colour = None if line.startswith(("+++", "---")) else styles.get(line[:1])
        out.append(paint(line, color and colour is not None, fg=colour))
    return out


def format_diagnostic(report: Report, d: Diagnostic) -> str:
    color = report.color
    text = report.text_of(d)
    marker = " [*]" if report.applicable(d) else ""
    out = [
        f"{paint(d.code + marker, color, fg='red', bold=True)} "
        f"{paint(d.name, color, bold=True)}: {one_line(d.message)}",
        f"{paint(' -->', color, fg='blue')} {d.path}:{position(d)}",
    ]
    out.extend(_frame(d, text, color) if text else [])
    out.append(f"{paint('help', color, fg='green', bold=True)}: {_help(report, d)}")
    if d.fix is not None and d.fix.applicability == Applicability.UNSAFE:
        out.append("note: This is an unsafe fix and may change runtime behavior")
    out.extend(_diff(d, text, color))
    return "\n".join(out) + "\n"


def render(report: Report) -> str:
    return "\n".join(format_diagnostic(report, d) for d in report.diagnostics)
