"""Runnable proof for TSL112: the parent's seed does not reach ``torch.multiprocessing.spawn``
workers, and a seed inside the worker does.

Each fixture in ``fixtures/runnable_spawn`` starts two CPU workers that print their
rank, an ``nn.Linear`` weight and ``torch.rand(3)``; each fixture runs twice, in
fresh interpreters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

from tests.e2e.scriptruns import run_scripts
from torchseedlint.engine.runner import lint_path
from torchseedlint.settings.config import config_from_mapping

FIXTURES = Path(__file__).parents[1] / "fixtures" / "runnable_spawn"
PARENT_ONLY = FIXTURES / "seeded_in_parent.py"
IN_WORKER = FIXTURES / "seeded_in_worker.py"


def _by_rank(stdout: str) -> Dict[str, str]:
    """rank -> the values it printed (the workers' lines come in any order)."""
    lines = [line.split(": ", 1) for line in stdout.splitlines() if line.startswith("rank ")]
    return {rank: values for rank, values in lines}


@pytest.fixture(scope="module")
def outputs() -> Dict[Path, List[Dict[str, str]]]:
    scripts = [PARENT_ONLY, PARENT_ONLY, IN_WORKER, IN_WORKER]
    found: Dict[Path, List[Dict[str, str]]] = {PARENT_ONLY: [], IN_WORKER: []}
    for script, run in zip(scripts, run_scripts(scripts)):
        assert run.returncode == 0, run.stderr
        printed = _by_rank(run.stdout)
        assert sorted(printed) == ["rank 0", "rank 1"], run.stdout
        found[script].append(printed)
    return found


@pytest.mark.slow
def test_workers_seeded_only_in_the_parent_differ_between_runs(
    outputs: Dict[Path, List[Dict[str, str]]],
) -> None:
    first, second = outputs[PARENT_ONLY]
    for rank in first:
        assert first[rank] != second[rank], rank


@pytest.mark.slow
def test_workers_seeded_from_seed_plus_rank_repeat_and_differ_by_rank(
    outputs: Dict[Path, List[Dict[str, str]]],
) -> None:
    first, second = outputs[IN_WORKER]
    assert first == second
    assert first["rank 0"] != first["rank 1"]


def test_torchseedlint_reports_only_the_script_seeded_in_the_parent() -> None:
    # Declared entry points: a file under tests/ is otherwise linted as a test.
    config = config_from_mapping({"entry-points": ["**/runnable_spawn/*.py"]})
    assert [d.code for d in lint_path(str(PARENT_ONLY), config).diagnostics] == ["TSL112"]
    # TSL101 stays quiet: torch is seeded, only not where the draws run.
    assert [d.code for d in lint_path(str(IN_WORKER), config).diagnostics] == []
