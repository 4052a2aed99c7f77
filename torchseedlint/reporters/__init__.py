"""Output formats: each module renders a finished run; none of them lints."""

from __future__ import annotations

from typing import Callable, Dict, List

from torchseedlint.diagnostics import Diagnostic
from torchseedlint.reporters import concise, json_format

Renderer = Callable[[List[Diagnostic]], str]

RENDERERS: Dict[str, Renderer] = {
    "concise": concise.render,
    "json": json_format.render,
}
