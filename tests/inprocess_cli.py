"""The command run in this process (click's runner) from a given directory: the
configuration and discovery tests need many runs, and a subprocess each costs a
second of startup."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from torchseedlint.cli.main import main


def tsl(cwd: Path, *args: str, stdin: str = "") -> Result:
    """``torchseedlint --no-cache ARGS`` run from ``cwd``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return CliRunner().invoke(main, ["--no-cache", *args], input=stdin)
