"""torchseedlint: find and fix nondeterministic PyTorch training code."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # type checkers see the API's own types (``py.typed``); see __getattr__
    from torchseedlint.core.diagnostics import Diagnostic, Edit, Fix, Location
    from torchseedlint.engine.runner import lint_paths, lint_source
    from torchseedlint.settings.config import Config

# The public API, imported on first use: ``torchseedlint --version`` and the
# modules a worker process needs load nothing more than they use.
_EXPORTS = {
    "Config": "torchseedlint.settings.config",
    "Diagnostic": "torchseedlint.core.diagnostics",
    "Edit": "torchseedlint.core.diagnostics",
    "Fix": "torchseedlint.core.diagnostics",
    "Location": "torchseedlint.core.diagnostics",
    "lint_paths": "torchseedlint.engine.runner",
    "lint_source": "torchseedlint.engine.runner",
}

__all__ = [
    "Config",
    "Diagnostic",
    "Edit",
    "Fix",
    "Location",
    "lint_paths",
    "lint_source",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'torchseedlint' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
