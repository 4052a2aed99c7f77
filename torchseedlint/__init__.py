"""torchseedlint: find and fix nondeterministic PyTorch training code."""

from __future__ import annotations

__version__ = "0.1.0"

from torchseedlint.config import Config  # noqa: E402
from torchseedlint.diagnostics import Diagnostic, Edit, Fix, Location  # noqa: E402
from torchseedlint.engine import lint_paths, lint_source  # noqa: E402

__all__ = ["Config", "Diagnostic", "Edit", "Fix", "Location", "lint_paths", "lint_source", "__version__"]
