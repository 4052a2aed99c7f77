"""Hierarchical configuration as in ruff: each file uses the closest configuration
file (``.torchseedlint.toml`` > ``torchseedlint.toml`` > ``pyproject.toml`` with
``[tool.torchseedlint]`` in one directory), ``extend`` inherits, ``--config``
overrides, ``--show-settings FILE`` says which applied. On the ``nested_configs``
fixture tree, copied into a git checkout of its own."""

from __future__ import annotations

import pickle
import shutil
from functools import partial
from pathlib import Path
from typing import List

import pytest

from tests.conftest import CliResult, run_cli
from torchseedlint.cli.main import resolve_configs
from torchseedlint.engine.runner import lint_paths
from torchseedlint.settings.config import ConfigResolver
from torchseedlint.settings.versions import with_inferred_versions

PROJECTS = Path(__file__).parents[1] / "fixtures" / "projects"

# Every train.py draws from torch at 5:13 (TSL101) and from `random` at 6:12 (TSL102).
BY_CLOSEST_CONFIG = [
    # .torchseedlint.toml (TSL102 only) wins over torchseedlint.toml (TSL101 only)
    "experiments/train.py:6:12: TSL102",
    # extends the project's settings and ignores TSL102; legacy/old_train.py is the
    # project's `legacy/old_*.py` per-file-ignore, matched from the project's directory
    "legacy/train.py:5:13: TSL101",
    # tools/pyproject.toml has no [tool.torchseedlint]: the project's settings apply
    "tools/train.py:5:13: TSL101",
    "tools/train.py:6:12: TSL102",
    "train.py:5:13: TSL101",
    "train.py:6:12: TSL102",
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(PROJECTS / "nested_configs", root)
    (root / ".git").mkdir()
    return root


def findings(result: CliResult) -> List[str]:
    return [
        line.split(" ")[0] + " " + line.split(" ")[1]
        for line in result.stdout.splitlines()
        if ": TSL" in line
    ]


def test_each_file_uses_the_closest_config(tree: Path) -> None:
    result = run_cli("--no-cache", cwd=tree)
    assert findings(result) == BY_CLOSEST_CONFIG, result.output


def test_a_subdirectory_run_uses_the_same_configs(tree: Path) -> None:
    assert findings(run_cli("--no-cache", ".", cwd=tree / "legacy")) == ["train.py:5:13: TSL101"]
    assert findings(run_cli("--no-cache", "experiments/train.py", cwd=tree)) == [
        "experiments/train.py:6:12: TSL102"
    ]


def test_the_command_line_applies_on_top_of_every_config(tree: Path) -> None:
    result = run_cli("--no-cache", "--ignore", "TSL101", cwd=tree)
    assert findings(result) == [f for f in BY_CLOSEST_CONFIG if "TSL101" not in f]


def test_config_option_overrides_every_file(tree: Path) -> None:
    result = run_cli("--no-cache", "--config", "experiments/torchseedlint.toml", cwd=tree)
    assert findings(result) == [
        "experiments/train.py:5:13: TSL101",
        "legacy/old_train.py:5:13: TSL101",
        "legacy/train.py:5:13: TSL101",
        "tools/train.py:5:13: TSL101",
        "train.py:5:13: TSL101",
    ]


def test_isolated_ignores_them_all(tree: Path) -> None:
    (tree / "legacy" / "torchseedlint.toml").write_text("not toml [")
    assert run_cli("--no-cache", "--isolated", "--select", "TSL102", cwd=tree).exit_code == 1


def test_show_settings_for_a_file_names_its_config_and_what_it_extends(tree: Path) -> None:
    result = run_cli("--no-cache", "--show-settings", "legacy/old_train.py", cwd=tree)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "settings for: legacy/old_train.py",
        f"config file: {tree / 'legacy' / 'torchseedlint.toml'}",
        f"extends: {tree / 'pyproject.toml'}",
        f"project root: {tree}",
    ]
    assert "select: TSL101, TSL102" in lines
    assert "ignore: TSL102" in lines
    assert (
        f"per-file-ignores: legacy/old_*.py = TSL101 (from {tree / 'pyproject.toml'}, "
        f"relative to {tree})"
    ) in lines
    assert "enabled rules: TSL101" in lines


@pytest.mark.parametrize(
    "path,source",
    [
        ("experiments/train.py", "experiments/.torchseedlint.toml"),
        ("tools/train.py", "pyproject.toml"),
        ("train.py", "pyproject.toml"),
    ],
)
def test_show_settings_names_the_config_that_applies(tree: Path, path: str, source: str) -> None:
    result = run_cli("--no-cache", "--show-settings", path, cwd=tree)
    assert f"config file: {tree / source}\n" in result.stdout


def test_extend_inherits_what_is_not_set_and_adds_extend_select(tree: Path) -> None:
    (tree / "legacy" / "torchseedlint.toml").write_text(
        'extend = "../pyproject.toml"\nextend-select = ["TSL105"]\n'
    )
    (tree / "pyproject.toml").write_text(
        '[tool.torchseedlint]\nselect = ["TSL102"]\nextend-select = ["TSL104"]\n'
        'torch-version = "1.8"\n'
    )
    result = run_cli("--no-cache", "--show-settings", "legacy/train.py", cwd=tree)
    lines = result.stdout.splitlines()
    assert "select: TSL102" in lines
    assert "extend-select: TSL104, TSL105" in lines
    assert f"torch-version: 1.8 (set in {tree / 'pyproject.toml'})" in lines


def test_the_api_takes_a_resolver(tree: Path) -> None:
    run = lint_paths([str(tree)], ConfigResolver())
    assert sorted(
        f"{Path(d.path).relative_to(tree).as_posix()}:{d.code}" for d in run.diagnostics
    ) == [
        "experiments/train.py:TSL102",
        "legacy/train.py:TSL101",
        "tools/train.py:TSL101",
        "tools/train.py:TSL102",
        "train.py:TSL101",
        "train.py:TSL102",
    ]


def test_the_cache_notices_a_nested_config_change(tree: Path, tmp_path: Path) -> None:
    def cached_run() -> List[str]:
        return findings(run_cli("--cache-dir", str(tmp_path / "cache"), "legacy", cwd=tree))

    assert cached_run() == ["legacy/train.py:5:13: TSL101"]
    (tree / "legacy" / "torchseedlint.toml").write_text('extend = "../pyproject.toml"\n')
    assert cached_run() == [
        "legacy/old_train.py:6:12: TSL102",
        "legacy/train.py:5:13: TSL101",
        "legacy/train.py:6:12: TSL102",
    ]


def test_a_resolver_with_command_line_overrides_pickles(tree: Path) -> None:
    # Worker processes started by spawn (no fork: Windows) receive it pickled.
    configs = resolve_configs(
        {
            "select": ("TSL1",),
            "extend_select": (),
            "ignore": ("TSL105",),
            "exclude": (),
            "extend_exclude": (),
            "respect_gitignore": False,
            "torch_version": "1.8",
            "isolated": False,
            "config_path": None,
        }
    ).then(partial(with_inferred_versions, root=tree))
    config = configs.config_for(str(tree / "legacy" / "train.py"))
    assert (config.select, config.ignore, config.torch_version) == (
        ("TSL1",),
        ("TSL102", "TSL105"),
        "1.8",
    )  # legacy's own ignore, then the option's
    assert (
        pickle.loads(pickle.dumps(configs)).config_for(str(tree / "legacy" / "train.py")) == config
    )
