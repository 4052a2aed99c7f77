"""pylint's parseable format: ``path:line: [CODE(name), ] message``."""

from __future__ import annotations

from torchseedlint.reporters.report import Report


def render(report: Report) -> str:
    return "".join(
        f"{d.path}:{d.location.row}: [{d.code}({d.name}), ] {d.message}\n"
        for d in report.diagnostics
    )
