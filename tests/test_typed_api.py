"""The public API is typed (PEP 561): ``mypy --strict`` checks code that calls it.

mypy cannot follow setuptools' editable-install import hook, so the test gives
it what an installed wheel gives: a site-packages directory (of a throwaway
virtualenv) whose ``.pth`` entry holds the package. Installed packages are only
analysed when they ship ``py.typed``.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
from typing import List

from torchseedlint import Config, Diagnostic, lint_paths, lint_source

found: List[Diagnostic] = lint_source("import torch\\nx = torch.rand(3)\\n", "t.py", Config())
codes: List[str] = [d.code for d in found]
rows: List[int] = [d.location.row for d in lint_paths(["."]).diagnostics]
fixable: List[bool] = [d.fix is not None for d in found]
"""

# Misuses that mypy reports only if the API's types are real (not Any).
BAD = """\
from torchseedlint import lint_source

row: str = lint_source("x = 1\\n")[0].location.row
lint_source(b"x = 1\\n", path=3)
"""


def test_mypy_strict_checks_calls_into_the_api(tmp_path: Path) -> None:
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    purelib = sysconfig.get_paths(vars={"base": str(env), "platbase": str(env)})["purelib"]
    (Path(purelib) / "torchseedlint-under-test.pth").write_text(f"{ROOT}\n")
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-executable",
            str(python),
            "good.py",
            "bad.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[:2] for line in errors] == [["bad.py", "3"], ["bad.py", "4"]], (
        proc.stdout + proc.stderr
    )
    assert "import-untyped" not in proc.stdout
