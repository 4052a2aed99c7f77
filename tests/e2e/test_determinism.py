"""The seed article's tables 1 and 2, reproduced with real torch on the CPU.

tests/fixtures/runnable/train_unseeded.py is a small training script that
torchseedlint flags (TSL101, TSL102). Run twice, in separate processes, it
prints different losses. train_seeded.py is the same script plus the seeding
block the diagnostics ask for (`random.seed(SEED)`, `torch.manual_seed(SEED)`);
run twice, it prints identical losses, and torchseedlint finds nothing in it.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import run_cli
from tests.e2e.scriptruns import run_scripts
from torchseedlint import Config, lint_paths

RUNNABLE = Path(__file__).parents[1] / "fixtures" / "runnable"
UNSEEDED = RUNNABLE / "train_unseeded.py"
SEEDED = RUNNABLE / "train_seeded.py"
LOSS_LINE = re.compile(r"^batch (\d+): loss (\d+\.\d{6})$")


@pytest.fixture(scope="module")
def losses(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, List[List[str]]]:
    """Each script run twice, all four processes at once; the printed losses per run."""
    cwd = tmp_path_factory.mktemp("runs")
    runs = [
        (name, script)
        for name, script in (("unseeded", UNSEEDED), ("seeded", SEEDED))
        for _ in range(2)
    ]
    done = run_scripts([script for _, script in runs], cwd=cwd, at_once=4)
    found: Dict[str, List[List[str]]] = {"unseeded": [], "seeded": []}
    for (name, _), proc in zip(runs, done):
        assert proc.returncode == 0, f"{name} run failed:\n{proc.stderr}"
        lines = proc.stdout.splitlines()
        assert len(lines) == 4 and all(LOSS_LINE.match(line) for line in lines), proc.stdout
        found[name].append(lines)
    return found


def _codes(path: Path) -> List[str]:
    run = lint_paths([str(path)], Config(root=str(RUNNABLE)))
    assert not run.internal_errors
    return [d.code for d in run.diagnostics]


def test_linter_flags_the_unseeded_script_and_asks_for_the_seeds() -> None:
    run = lint_paths([str(UNSEEDED)], Config(root=str(RUNNABLE)))
    by_code = {d.code: d for d in run.diagnostics}
    assert sorted(by_code) == ["TSL101", "TSL102"]
    assert by_code["TSL101"].message.startswith("`torch.rand(...)` draws from the torch RNG")
    # The fix the findings carry asks for both seeds.
    for code, seeder in (("TSL101", "torch.manual_seed("), ("TSL102", "random.seed(")):
        fix = by_code[code].fix
        assert fix is not None and any(seeder in edit.content for edit in fix.edits)


def test_linter_finds_nothing_in_the_seeded_script() -> None:
    assert _codes(SEEDED) == []


def test_seeded_script_is_the_unseeded_one_plus_the_seeding_block() -> None:
    before = UNSEEDED.read_text(encoding="utf-8").splitlines()
    after = SEEDED.read_text(encoding="utf-8").splitlines()
    diff = [line for line in difflib.ndiff(before, after) if line[:1] in "+-"]
    # Only added lines: the constant after the imports, the seeding at the top of
    # main() (the module has a __main__ block: it is never seeded at import time).
    assert sorted(diff) == [
        "+ ",
        "+     random.seed(SEED)",
        "+     torch.manual_seed(SEED)",
        "+ SEED = 0",
    ]


def test_fix_turns_the_unseeded_script_into_the_seeded_one(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    shutil.copy(UNSEEDED, target)
    result = run_cli("--fix", "--isolated", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == SEEDED.read_text(encoding="utf-8")


@pytest.mark.slow
def test_unseeded_runs_differ(losses: Dict[str, List[List[str]]]) -> None:
    first, second = losses["unseeded"]
    # Table 1 of the article: the runs print different losses.
    assert first != second, first


@pytest.mark.slow
def test_seeded_runs_are_identical(losses: Dict[str, List[List[str]]]) -> None:
    first, second = losses["seeded"]
    # Table 2 of the article: identical to the last printed digit.
    assert first == second
