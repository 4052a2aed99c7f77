"""From a finished run to the text the command prints: format, statistics, summary."""

from __future__ import annotations

from typing import Sequence

from torchseedlint.config import Config
from torchseedlint.diagnostics import Diagnostic
from torchseedlint.engine import RunResult
from torchseedlint.reporters import RENDERERS, statistics
from torchseedlint.reporters.report import Report
from torchseedlint.rules import RULES_BY_CODE, selected_codes

# Formats read by people: they get the summary line and may be coloured.
TEXT_FORMATS = ("concise", "full")


def build_report(run: RunResult, config: Config, root: str = ".", color: bool = False) -> Report:
    """The run as reporters see it, with the source text the engine already decoded."""
    sources = {result.path: result.source.text for result in run.files if result.source is not None}
    cell_sources = {
        (result.path, cell.number): cell.text
        for result in run.files
        if result.notebook is not None
        for cell in result.notebook.cells
    }
    rules = [RULES_BY_CODE[code] for code in selected_codes(config)]
    return Report(run.diagnostics, sources=sources, cell_sources=cell_sources, rules=rules,
                  root=root, color=color)


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    if not diagnostics:
        return "All checks passed!\n"
    noun = "error" if len(diagnostics) == 1 else "errors"
    text = f"Found {len(diagnostics)} {noun}.\n"
    fixable = sum(1 for d in diagnostics if d.fix is not None)
    if fixable:
        text += f"[*] {fixable} fixable with the `--fix` option.\n"
    return text


def render_output(report: Report, output_format: str, show_statistics: bool, quiet: bool) -> str:
    """Everything printed on stdout for a run (``-s`` prints nothing and skips this)."""
    if show_statistics:
        if output_format == "json":
            return statistics.render_json(report)
        return statistics.render_text(report)
    text = RENDERERS[output_format](report)
    if output_format in TEXT_FORMATS and not quiet:
        text += ("\n" if output_format == "full" and report.diagnostics else "") + summary(
            report.diagnostics
        )
    return text
