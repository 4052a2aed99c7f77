"""The pre-commit hook, run by the real ``pre-commit`` in throwaway git repositories.

pre-commit installs a hook repository with ``pip install .`` into a fresh
virtualenv, keyed by (repository, revision). So the project's current files
(``.pre-commit-hooks.yaml``, ``pyproject.toml``, the package) are committed once
into a snapshot repository; ``try-repo`` and a ``.pre-commit-config.yaml`` pinning
the snapshot's revision then share one installed environment. The install needs
only the package index (setuptools, libcst, click), as on CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What `pip install .` of the project needs, and the hook definition.
# pre-commit builds each hook environment with pip, from the package index.
pytestmark = [pytest.mark.slow, pytest.mark.network]

PROJECT_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "torchseedlint")
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

FLAGGED = "import torch\n\nx = torch.rand(3)\n"
CLEAN = "import torch\n\ntorch.manual_seed(0)\nx = torch.rand(3)\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def hook_repo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Tuple[Path, str, Dict[str, str]]]:
    """(snapshot repository, its revision, environment with a private PRE_COMMIT_HOME)."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, snapshot / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(source, snapshot / name)
    git(snapshot, "init", "-q")
    git(snapshot, "add", ".")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    rev = git(snapshot, "rev-parse", "HEAD").strip()
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env["PRE_COMMIT_COLOR"] = "never"
    env.pop("VIRTUAL_ENV", None)
    yield snapshot, rev, env


def user_repo(path: Path) -> Path:
    git(path, "init", "-q")
    (path / "bad.py").write_text(FLAGGED)
    (path / "good.py").write_text(CLEAN)
    git(path, "add", ".")
    return path


def pre_commit(cwd: Path, env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PRE_COMMIT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def use_hook(repo: Path, snapshot: Path, rev: str, args: str = "[]") -> None:
    """A .pre-commit-config.yaml pinning the snapshot, as users pin a released ``rev``."""
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {snapshot}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: torchseedlint\n"
        f"        args: {args}\n"
    )
    git(repo, "add", ".pre-commit-config.yaml")


def test_try_repo_reports_the_finding(hook_repo, tmp_path: Path) -> None:
    # try-repo installs into a temporary store of its own on every call, so it
    # runs once; the other tests share the module's PRE_COMMIT_HOME.
    snapshot, _rev, env = hook_repo
    repo = user_repo(tmp_path)
    proc = pre_commit(repo, env, "try-repo", str(snapshot), "torchseedlint", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "bad.py:3:5: TSL101" in proc.stdout
    assert "good.py" not in proc.stdout


def test_hook_fails_on_a_finding_then_passes_once_fixed(hook_repo, tmp_path: Path) -> None:
    snapshot, rev, env = hook_repo
    repo = user_repo(tmp_path)
    use_hook(repo, snapshot, rev)
    proc = pre_commit(repo, env, "run", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.py:3:5: TSL101" in proc.stdout

    (repo / "bad.py").write_text(CLEAN)
    git(repo, "add", "bad.py")
    proc = pre_commit(repo, env, "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def notebook(code: str) -> str:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": code.splitlines(keepends=True),
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_hook_lints_notebooks_and_stubs(hook_repo, tmp_path: Path) -> None:
    snapshot, rev, env = hook_repo
    repo = user_repo(tmp_path)
    (repo / "explore.ipynb").write_text(notebook(FLAGGED))
    (repo / "ok.ipynb").write_text(notebook(CLEAN))
    (repo / "api.pyi").write_text("import torch\n\ndef f() -> torch.Tensor: ...\n")
    git(repo, "add", ".")
    use_hook(repo, snapshot, rev)
    proc = pre_commit(repo, env, "run", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "explore.ipynb:cell 1:3:5: TSL101" in proc.stdout
    assert "bad.py:3:5: TSL101" in proc.stdout
    assert "ok.ipynb" not in proc.stdout and "api.pyi" not in proc.stdout

    # Only the notebook staged: the hook runs on it (not "(no files to check)Skipped").
    (repo / "bad.py").write_text(CLEAN)
    git(repo, "add", "bad.py")
    proc = pre_commit(repo, env, "run", "--files", "explore.ipynb")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "explore.ipynb:cell 1:3:5: TSL101" in proc.stdout


def test_commit_of_non_python_files_is_skipped(hook_repo, tmp_path: Path) -> None:
    snapshot, rev, env = hook_repo
    repo = user_repo(tmp_path)
    use_hook(repo, snapshot, rev)
    git(repo, "commit", "-q", "--no-verify", "-m", "start")
    proc = pre_commit(repo, env, "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (repo / "notes.txt").write_text("torch.rand(3)\n")
    git(repo, "add", "notes.txt")
    commit = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-m", "notes"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert commit.returncode == 0, commit.stdout + commit.stderr
    output = commit.stdout + commit.stderr
    assert "torchseedlint" in output and "(no files to check)Skipped" in output


def test_hook_with_fix_rewrites_the_file_and_fails(hook_repo, tmp_path: Path) -> None:
    snapshot, rev, env = hook_repo
    repo = user_repo(tmp_path)
    use_hook(repo, snapshot, rev, args="[--fix]")
    proc = pre_commit(repo, env, "run", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "files were modified by this hook" in proc.stdout
    fixed = (repo / "bad.py").read_text()
    assert fixed != FLAGGED and "torch.manual_seed(" in fixed
    assert (repo / "good.py").read_text() == CLEAN
    # The retried commit runs the hook again: now it passes.
    git(repo, "add", "bad.py")
    proc = pre_commit(repo, env, "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
