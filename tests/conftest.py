"""Shared test configuration: the one way to run the command line, where hypothesis
keeps its files, and the paths the tests share.

Tests mirror the package: ``tests/<package>/`` holds the tests of
``torchseedlint/<package>/``; ``tests/e2e/`` holds whole-pipeline proofs (real torch
runs, the real corpus, pre-commit, fuzzing); ``tests/scripts/`` the tests of
``scripts/``. Markers (pyproject.toml): ``slow`` (minutes of CPU) and ``network``
(downloads); ``python -m pytest -q`` runs everything.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Dict, Mapping, Optional, Sequence

import pytest
from click.testing import CliRunner
from hypothesis import configuration as hypothesis_configuration
from hypothesis import settings as hypothesis_settings

from torchseedlint.cli.main import main

# A suite started in the background by a non-interactive shell (``bash .ci/run &``)
# ignores SIGINT, and so would every process it starts: the tests that interrupt a
# run need ^C delivered, as it is from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# The console script pip installed next to this interpreter.
CONSOLE_SCRIPT = Path(sys.executable).parent / "torchseedlint"

# Fixture projects hold files named like tests (``tests/test_model.py``) that are
# linted, never run.
collect_ignore = ["fixtures"]


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/torchseedlint`` (default ``~/.cache/torchseedlint``): outside the
    repository, so no test leaves files in the tree."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "torchseedlint"


# Hypothesis writes its example database and caches under ``.hypothesis/`` in the
# current directory unless told otherwise. In CI (``CI`` set) there is no database:
# every run starts from the same derandomized examples.
hypothesis_configuration.set_hypothesis_home_dir(user_cache_dir() / "hypothesis")
hypothesis_settings.register_profile("ci", database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


# --- running the command line ---------------------------------------------------------

# The user's settings that would change what a run prints.
_USER_VARIABLES = ("NO_COLOR", "FORCE_COLOR")


def _without_user_settings(environ: Mapping[str, str]) -> Dict[str, Optional[str]]:
    """The variables to unset (None) so that a run sees no TORCHSEEDLINT_* or colour setting."""
    return {
        name: None
        for name in environ
        if name.startswith("TORCHSEEDLINT_") or name in _USER_VARIABLES
    }


@dataclass(frozen=True)
class CliResult:
    """What a run of the command gave: its exit code and its two output streams."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(
    *args: str,
    cwd: Optional[Path] = None,
    stdin: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
) -> CliResult:
    """``torchseedlint ARGS`` run in this process (click's runner) from ``cwd``.

    The run sees none of the user's TORCHSEEDLINT_* or colour variables, only ``env``.
    An exception the command does not handle fails the test with its traceback.
    """
    variables = {**_without_user_settings(os.environ), **(env or {})}
    with pytest.MonkeyPatch.context() as patch:
        if cwd is not None:
            patch.chdir(cwd)
        result = CliRunner().invoke(
            main, list(args), input=stdin, env=variables, catch_exceptions=False
        )
    return CliResult(result.exit_code, result.stdout, result.stderr)


def run_cli_process(
    *args: str,
    cwd: Optional[Path] = None,
    stdin: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    command: Sequence[str] = (sys.executable, "-m", "torchseedlint"),
    timeout: float = 300,
) -> CliResult:
    """``torchseedlint ARGS`` in a child process: only where a real process is the point
    (the console script, start-up imports, signals, a fresh interpreter).

    ``command`` starts the tool (``python -m torchseedlint`` by default). The child
    imports this checkout's package, and sees no TORCHSEEDLINT_* or colour variable
    but those of ``env``.
    """
    variables = {
        name: value
        for name, value in os.environ.items()
        if name not in _without_user_settings(os.environ)
    }
    variables.update(env or {})
    variables["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), variables.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [*command, *args],
        cwd=cwd,
        input=stdin,
        env=variables,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


# --- the repository's scripts ---------------------------------------------------------


def load_script(relative: str) -> ModuleType:
    """A script of the repository (``scripts/eval_real.py``), imported by path, once."""
    path = ROOT / relative
    name = path.stem
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
