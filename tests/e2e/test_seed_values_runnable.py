"""Runnable proof for TSL105-TSL110: each fixture really is nondeterministic (or crashes).

Every fixture runs twice, in two separate processes with real CPU torch, and
prints its values to 6 decimals; the test checks the behaviour the rule claims
and that torchseedlint reports the rule on that fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest

from tests.e2e.scriptruns import run_scripts
from torchseedlint.engine.runner import lint_path
from torchseedlint.settings.config import config_from_mapping

FIXTURES = Path(__file__).parents[1] / "fixtures" / "runnable_rules"
OVERFLOW = "ValueError: Seed must be between 0 and 2**32 - 1"

# (rule, fixture, what two runs show)
CASES = [
    ("TSL105", "tsl105_entropy_seed.py", "differ"),
    ("TSL106", "tsl106_randomizing_seed.py", "differ"),
    ("TSL107", "tsl107_seed_after_use.py", "differ"),
    ("TSL108", "tsl108_cuda_only_seed.py", "differ"),
    ("TSL109", "tsl109_unseeded_rng_object.py", "differ"),
    ("TSL110", "tsl110_numpy_seed_overflow.py", "worker-valueerror"),
]


def _run_twice(script: Path) -> List[Tuple[int, str, str]]:
    """Run ``script`` in two fresh interpreters at once; (returncode, stdout, stderr) each."""
    return [(run.returncode, run.stdout, run.stderr) for run in run_scripts([script, script])]


@pytest.mark.slow
@pytest.mark.parametrize("code,fixture,expected", CASES, ids=[case[0] for case in CASES])
def test_fixture_behaves_as_the_rule_claims(code: str, fixture: str, expected: str) -> None:
    script = FIXTURES / fixture
    (rc1, out1, err1), (rc2, out2, err2) = _run_twice(script)
    if expected == "differ":
        assert rc1 == 0 and rc2 == 0, err1 + err2
        assert out1.strip() and out2.strip()
        assert out1 != out2, f"{fixture} printed the same values twice:\n{out1}"
    else:
        # The worker's ValueError is re-raised in the main process, in both runs.
        for rc, err in ((rc1, err1), (rc2, err2)):
            assert rc != 0
            assert OVERFLOW in err and "DataLoader worker" in err, err


@pytest.mark.parametrize("code,fixture,expected", CASES, ids=[case[0] for case in CASES])
def test_torchseedlint_reports_the_rule_on_the_fixture(
    code: str, fixture: str, expected: str
) -> None:
    # The fixtures are scripts, though they live under ``tests/`` (a test module's role).
    config = config_from_mapping({"select": [code], "entry-points": [fixture]})
    result = lint_path(str(FIXTURES / fixture), config)
    assert [d.code for d in result.diagnostics] == [code]
