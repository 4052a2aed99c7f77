"""A configuration that cannot be used exits 2 with an error naming the file and the
problem, through the real command (click's runner, in this process); it is never
silently replaced by the defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import run_cli

UNSEEDED = "import torch\n\nif __name__ == '__main__':\n    print(torch.rand(2))\n"


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"train.py": UNSEEDED})
    return tmp_path


@pytest.mark.parametrize(
    "name,text,problem",
    [
        ("pyproject.toml", "[tool.torchseedlint\nselect = []\n", "not valid TOML"),
        (
            "pyproject.toml",
            '[tool.torchseedlint]\ntorch-version = "two"\n',
            "torch-version = 'two' is not a version",
        ),
        (
            "pyproject.toml",
            "[tool.torchseedlint]\ntorchvision-version = 0.15\n",
            "torchvision-version = 0.15 is not a version",
        ),
        (
            "pyproject.toml",
            '[tool.torchseedlint]\nrespect-gitignore = "no"\n',
            "respect-gitignore must be true or false",
        ),
        ("pyproject.toml", "[tool]\ntorchseedlint = 3\n", "[tool.torchseedlint] must be a table"),
        ("torchseedlint.toml", 'select = ["TSL1"\n', "not valid TOML"),
        ("torchseedlint.toml", '[tool.torchseedlint]\nselect = ["TSL1"]\n', "unknown key 'tool'"),
        (
            "torchseedlint.toml",
            'extend = "missing.toml"\n',
            "extend = 'missing.toml': no such file",
        ),
        ("torchseedlint.toml", 'ignore = ["TSL9X"]\n', "TSL9X"),
    ],
)
def test_a_broken_config_file_exits_2_naming_it(
    project: Path, name: str, text: str, problem: str
) -> None:
    write(project, {name: text})
    result = run_cli("--no-cache", cwd=project)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {project / name}: ")
    assert problem in result.stderr


def test_a_broken_pyproject_without_our_table_is_still_an_error(project: Path) -> None:
    # It might hold [tool.torchseedlint]: using the defaults would hide that.
    write(project, {"pyproject.toml": "[project\nname = 'p'\n"})
    result = run_cli("--no-cache", cwd=project)
    assert result.exit_code == 2
    assert "pyproject.toml: not valid TOML" in result.stderr


def test_a_broken_nested_config_is_reported_when_a_file_under_it_is_linted(
    project: Path,
) -> None:
    write(project, {"sub/torchseedlint.toml": 'torch-version = "latest"\n', "sub/t.py": UNSEEDED})
    result = run_cli("--no-cache", cwd=project)
    assert result.exit_code == 2
    assert f"error: {project / 'sub' / 'torchseedlint.toml'}: torch-version" in result.stderr


@pytest.mark.parametrize("text", ['[project]\nname = "p"\n', "[tool.ruff]\nselect = []\n"])
def test_config_option_pointing_at_a_file_without_the_table_exits_2(
    project: Path, text: str
) -> None:
    write(project, {"settings/pyproject.toml": text})
    result = run_cli("--no-cache", "--config", "settings/pyproject.toml", ".", cwd=project)
    assert result.exit_code == 2
    assert result.stderr == "error: settings/pyproject.toml: no [tool.torchseedlint] table\n"


@pytest.mark.parametrize("args", [["--config", "nowhere.toml"], ["--config", "."]])
def test_config_option_that_cannot_be_read_exits_2(project: Path, args: List[str]) -> None:
    result = run_cli("--no-cache", *args, cwd=project)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_extend_cycle_exits_2_showing_the_cycle(project: Path) -> None:
    write(
        project,
        {
            "a/torchseedlint.toml": 'extend = "../b/torchseedlint.toml"\n',
            "b/torchseedlint.toml": 'extend = "../a/torchseedlint.toml"\n',
            "a/t.py": UNSEEDED,
        },
    )
    result = run_cli("--no-cache", "a", cwd=project)
    assert result.exit_code == 2
    assert "`extend` makes a cycle" in result.stderr
    assert "a/torchseedlint.toml -> " in result.stderr


def test_a_valid_config_still_lints(project: Path) -> None:
    write(
        project,
        {
            "pyproject.toml": '[tool.torchseedlint]\ntorch-version = "2.3.0+cu121"\n'
            'select = ["TSL101"]\n'
        },
    )
    result = run_cli("--no-cache", cwd=project)
    assert result.exit_code == 1, result.output
    assert "train.py:4:11: TSL101" in result.stdout
