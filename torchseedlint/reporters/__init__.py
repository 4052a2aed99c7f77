"""Output formats: each module renders a finished run; none of them lints or reads files."""

from __future__ import annotations

from typing import Callable, Dict

from torchseedlint.reporters import concise, full, github, gitlab, json_format, pylint_format, sarif
from torchseedlint.reporters.report import Report

Renderer = Callable[[Report], str]

RENDERERS: Dict[str, Renderer] = {
    "concise": concise.render,
    "full": full.render,
    "json": json_format.render,
    "json-lines": json_format.render_lines,
    "github": github.render,
    "sarif": sarif.render,
    "gitlab": gitlab.render,
    "pylint": pylint_format.render,
}

__all__ = ["RENDERERS", "Renderer", "Report"]
