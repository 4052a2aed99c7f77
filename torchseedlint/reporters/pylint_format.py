"""pylint's parseable format: ``path:line: [CODE(name), ] message``."""

from __future__ import annotations

from torchseedlint.reporters.report import Report, one_line


def render(report: Report) -> str:
    return "".join(
        f"{d.path}:{d.location.row}: [{d.code}({d.name}), ] {one_line(d.message)}\n"
        for d in report.diagnostics
    )
