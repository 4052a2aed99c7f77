"""The package's layering (docs/architecture.md), as import-linter checks it.

The contracts live in pyproject.toml (``[tool.importlinter]``): each pipeline
stage imports only the stages below it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Set

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "torchseedlint"


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _layered_packages() -> Set[str]:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = settings["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    return {name.strip() for layer in layers for name in layer.split("|")}


def test_every_package_has_a_layer() -> None:
    """A new stage package must be placed in the layers, or nothing checks its imports."""
    packages = {f"torchseedlint.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    assert packages == _layered_packages()


def test_no_flat_modules_beside_the_stages() -> None:
    """The top level holds only the public API and ``python -m torchseedlint``."""
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]
