"""``path:line:col: CODE [*] name: message``, one diagnostic per line (ruff's concise);
``[*]`` marks a fix ``--fix`` would apply."""

from __future__ import annotations

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.reporters.report import Report, one_line, position
from torchseedlint.reporters.style import paint


def format_line(report: Report, d: Diagnostic) -> str:
    color = report.color
    marker = paint(" [*]", color, fg="cyan") if report.applicable(d) else ""
    return (
        f"{paint(d.path, color, bold=True)}:{position(d)}: "
        f"{paint(d.code, color, fg='red', bold=True)}{marker} {d.name}: {one_line(d.message)}"
    )


def render(report: Report) -> str:
    return "".join(format_line(report, d) + "\n" for d in report.diagnostics)
