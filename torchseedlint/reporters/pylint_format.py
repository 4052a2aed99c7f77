"""pylint's parseable format: ``path:line: [CODE(name), ] message``."""

from __future__ import annotations

from torchseedlint.reporters.report import Report, cell_prefix, one_line


def render(report: Report) -> str:
    return "".join(
        f"{d.path}:{d.location.row}: [{d.code}({d.name}), ] {cell_prefix(d)}{one_line(d.message)}\n"
        for d in report.diagnostics
    )
