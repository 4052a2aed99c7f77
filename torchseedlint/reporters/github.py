"""GitHub Actions workflow commands: one ``::error`` annotation per diagnostic.

GitHub shows at most 10 annotations of each level per step and drops the rest
silently, so past that a final notice points at the SARIF output.
"""

from __future__ import annotations

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.reporters.report import Report, cell_prefix, relative_posix

ANNOTATION_CAP = 10
_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_annotation(d: Diagnostic, root: str) -> str:
    properties = {
        "title": f"torchseedlint ({d.code})",
        "file": relative_posix(d.path, root),
        "line": d.location.row,
        "col": d.location.column,
        "endLine": d.end_location.row,
        "endColumn": d.end_location.column,
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    level = _LEVELS.get(d.severity, "error")
    return f"::{level} {joined}::{escape_data(f'{cell_prefix(d)}{d.name}: {d.message}')}"


def render(report: Report) -> str:
    lines = [format_annotation(d, report.root) for d in report.diagnostics]
    if len(lines) > ANNOTATION_CAP:
        lines.append(
            f"::notice::torchseedlint found {len(lines)} diagnostics; GitHub shows at most "
            f"{ANNOTATION_CAP} annotations per level in a step. Upload the SARIF output "
            "(--output-format sarif) to code scanning for the complete list."
        )
    return "".join(line + "\n" for line in lines)
