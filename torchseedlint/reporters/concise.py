"""``path:line:col: CODE name: message``, one diagnostic per line (ruff's concise)."""

from __future__ import annotations

from typing import List

from torchseedlint.diagnostics import Diagnostic


def format_line(d: Diagnostic) -> str:
    marker = " [*]" if d.fix is not None else ""
    return (
        f"{d.path}:{d.location.row}:{d.location.column}: "
        f"{d.code}{marker} {d.name}: {d.message}"
    )


def render(diagnostics: List[Diagnostic]) -> str:
    return "".join(format_line(d) + "\n" for d in diagnostics)
