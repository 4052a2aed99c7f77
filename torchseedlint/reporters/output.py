"""From a report to the text the command prints: format, statistics, summary."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.reporters import RENDERERS, statistics
from torchseedlint.reporters.report import Report

# Formats read by people: they get the summary line and may be coloured.
TEXT_FORMATS = ("concise", "full")


def summary(
    diagnostics: Sequence[Diagnostic], fixed: int = 0, fixable: Optional[Tuple[int, int]] = None
) -> str:
    """``fixed``: errors ``--fix`` fixed (``diagnostics`` are those remaining);
    ``fixable``: (fixes the options given would apply, unsafe ones ``--unsafe-fixes`` adds)."""
    if not diagnostics and not fixed:
        return "All checks passed!\n"
    total = len(diagnostics) + fixed
    noun = "error" if total == 1 else "errors"
    if fixed:
        text = f"Found {total} {noun} ({fixed} fixed, {len(diagnostics)} remaining).\n"
    else:
        text = f"Found {total} {noun}.\n"
    if fixable is None:
        fixes = [d.fix for d in diagnostics if d.fix is not None]
        fixable = (
            sum(f.applicability == Applicability.SAFE for f in fixes),
            sum(f.applicability != Applicability.SAFE for f in fixes),
        )
    now, hidden = fixable
    hint = (
        f"{hidden} hidden {'fix' if hidden == 1 else 'fixes'} can be enabled with the "
        "`--unsafe-fixes` option"
    )
    if now:
        text += f"[*] {now} fixable with the `--fix` option" + (f" ({hint})" if hidden else "")
        text += ".\n"
    elif hidden:
        text += f"No fixes available ({hint}).\n"
    return text


def render_output(
    report: Report,
    output_format: str,
    show_statistics: bool,
    quiet: bool,
    fixed: int = 0,
    fixable: Optional[Tuple[int, int]] = None,
) -> str:
    """Everything printed on stdout for a run (``-s`` prints nothing and skips this).

    ``fixed``/``fixable``: for the summary line, see :func:`summary`; the text of
    ``--statistics`` ends with it too, as the total."""
    if show_statistics:
        if output_format == "json":
            return statistics.render_json(report)
        text = statistics.render_text(report)
        return text if quiet else text + summary(report.diagnostics, fixed, fixable)
    text = RENDERERS[output_format](report)
    if output_format in TEXT_FORMATS and not quiet:
        text += ("\n" if output_format == "full" and report.diagnostics else "") + summary(
            report.diagnostics, fixed, fixable
        )
    return text
