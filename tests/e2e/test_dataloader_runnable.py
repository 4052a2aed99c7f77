"""TSL202-TSL209 in practice: real torch runs of the defects, and their fixes.

Each runnable fixture in ``fixtures/runnable_dataloader`` is run twice, in two
fresh processes (CPU torch, two workers, two epochs), to show the defect the
rule describes: identical worker streams (TSL203, TSL205), epochs that repeat
(TSL204) and an order that does not change across epochs (TSL206). The fixed
versions produced by ``--fix`` are run too and no longer show it. A lambda
worker_init_fn (TSL208) fails under the spawn start method; its fix runs.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from tests.e2e.scriptruns import run_scripts
from torchseedlint import lint_source
from torchseedlint.edits.apply import apply_fixes
from torchseedlint.settings.config import config_from_mapping

FIXTURES = Path(__file__).parents[1] / "fixtures" / "runnable_dataloader"
CASES = {
    "TSL203": "tsl203_constant_seed.py",
    "TSL204": "tsl204_epoch_invariant_seed.py",
    "TSL205": "tsl205_rng_object.py",
    "TSL206": "tsl206_distributed_sampler.py",
}
FIXABLE = ("TSL203", "TSL204", "TSL206")

# (epoch, worker, index, value) per printed line; worker is -1 when not printed.
Record = Tuple[int, int, int, str]


def _codes(source: str, code: str) -> List[str]:
    config = config_from_mapping({"select": [code]})
    return [d.code for d in lint_source(source, "train.py", config)]


def _fix(source: str, code: str) -> str:
    config = config_from_mapping({"select": [code]})
    fixes = [d.fix for d in lint_source(source, "train.py", config) if d.code == code and d.fix]
    return apply_fixes(source, fixes)[0]


def _parse(output: str) -> List[Record]:
    records = []
    for line in output.splitlines():
        fields = dict(part.split("=", 1) for part in line.split())
        records.append(
            (
                int(fields["epoch"]),
                int(fields.get("worker", -1)),
                int(fields["index"]),
                fields["value"],
            )
        )
    return records


def _run_all(scripts: Dict[str, Path]) -> Dict[str, str]:
    """Run every script in its own fresh process, two at a time (one per CI core)."""
    outputs = {}
    for key, done in zip(scripts, run_scripts(list(scripts.values()))):
        assert done.returncode == 0, f"{scripts[key]}: {done.stderr}"
        outputs[key] = done.stdout
    return outputs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, List[Record]]:
    fixed_dir = tmp_path_factory.mktemp("fixed")
    scripts = {f"{code}-run{n}": FIXTURES / name for code, name in CASES.items() for n in (1, 2)}
    for code in FIXABLE:
        fixed = fixed_dir / CASES[code]
        fixed.write_text(_fix((FIXTURES / CASES[code]).read_text(), code))
        scripts[f"{code}-fixed"] = fixed
    return {key: _parse(output) for key, output in _run_all(scripts).items()}


def _by_worker(records: List[Record], epoch: int) -> Dict[int, List[str]]:
    streams: Dict[int, List[str]] = defaultdict(list)
    for rec_epoch, worker, _, value in records:
        if rec_epoch == epoch:
            streams[worker].append(value)
    return streams


def _epoch(records: List[Record], epoch: int) -> List[Tuple[int, str]]:
    return [(index, value) for rec_epoch, _, index, value in records if rec_epoch == epoch]


@pytest.mark.slow
@pytest.mark.parametrize("code", sorted(CASES))
def test_two_processes_agree(runs: Dict[str, List[Record]], code: str) -> None:
    # The defects are deterministic: both runs print the same 16 values.
    assert len(runs[f"{code}-run1"]) == 16
    assert runs[f"{code}-run1"] == runs[f"{code}-run2"]


@pytest.mark.slow
@pytest.mark.parametrize("code", ["TSL203", "TSL205"])
def test_every_worker_produces_the_same_stream(runs: Dict[str, List[Record]], code: str) -> None:
    for epoch in (0, 1):
        streams = _by_worker(runs[f"{code}-run1"], epoch)
        assert sorted(streams) == [0, 1]
        assert streams[0] == streams[1]
        assert len(set(streams[0])) == 4  # the values do vary within a worker


@pytest.mark.slow
@pytest.mark.parametrize("code", ["TSL203", "TSL204", "TSL205"])
def test_epochs_repeat(runs: Dict[str, List[Record]], code: str) -> None:
    records = runs[f"{code}-run1"]
    assert _epoch(records, 0) == _epoch(records, 1)


@pytest.mark.slow
def test_epoch_invariant_seed_workers_differ(runs: Dict[str, List[Record]]) -> None:
    streams = _by_worker(runs["TSL204-run1"], 0)
    assert streams[0] != streams[1]


@pytest.mark.slow
def test_distributed_sampler_repeats_a_shuffled_order(runs: Dict[str, List[Record]]) -> None:
    records = runs["TSL206-run1"]
    order = [index for index, _ in _epoch(records, 0)]
    assert sorted(order) == list(range(8)) and order != list(range(8))
    assert order == [index for index, _ in _epoch(records, 1)]


@pytest.mark.slow
@pytest.mark.parametrize("code", FIXABLE)
def test_fixed_script_changes_across_epochs(runs: Dict[str, List[Record]], code: str) -> None:
    records = runs[f"{code}-fixed"]
    assert len(records) == 16
    assert _epoch(records, 0) != _epoch(records, 1)
    if code != "TSL206":
        streams = _by_worker(records, 0)
        assert streams[0] != streams[1]


@pytest.mark.slow
def test_lambda_worker_init_fails_under_spawn_and_the_fix_runs(tmp_path: Path) -> None:
    source = (FIXTURES / "tsl208_lambda_worker_init.py").read_text()
    assert "TSL208" in _codes(source, "TSL208")
    fixed = tmp_path / "tsl208_fixed.py"
    fixed.write_text(_fix(source, "TSL208"))
    broken, repaired = run_scripts([FIXTURES / "tsl208_lambda_worker_init.py", fixed])
    assert broken.returncode != 0 and "Can't pickle" in broken.stderr
    assert repaired.returncode == 0, repaired.stderr
    assert len(_parse(repaired.stdout)) == 8


@pytest.mark.parametrize("code", sorted(CASES))
def test_fixture_is_reported(code: str) -> None:
    assert code in _codes((FIXTURES / CASES[code]).read_text(), code)


@pytest.mark.parametrize("code", FIXABLE)
def test_fix_parses_clears_and_is_idempotent(code: str) -> None:
    source = (FIXTURES / CASES[code]).read_text()
    fixed = _fix(source, code)
    assert fixed != source
    ast.parse(fixed)
    assert code not in _codes(fixed, code)
    assert _fix(fixed, code) == fixed


# --- fixes on snippets -----------------------------------------------------------

SNIPPET_FIXES = [
    (
        "TSL208",
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=lambda i: np.random.seed(i % 7))\n",
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n\n"
        "def _worker_init_fn(i):\n    return np.random.seed(i % 7)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=_worker_init_fn)\n",
    ),
    (
        "TSL208",
        "import random\nimport torch\n_worker_init_fn = None\n\n@torch.no_grad()\ndef main(ds):\n"
        "    return torch.utils.data.DataLoader(\n        ds, num_workers=2,\n"
        "        worker_init_fn=lambda w: random.seed(torch.initial_seed() % 2**32))\n",
        "import random\nimport torch\n_worker_init_fn = None\n\n\n"
        "def _worker_init_fn_7(w):\n    return random.seed(torch.initial_seed() % 2**32)\n\n"
        "@torch.no_grad()\ndef main(ds):\n"
        "    return torch.utils.data.DataLoader(\n        ds, num_workers=2,\n"
        "        worker_init_fn=_worker_init_fn_7)\n",
    ),
    (
        "TSL202",
        "import torch\nfrom torch.utils.data import DataLoader\ntorch.manual_seed(0)\n"
        "loader = DataLoader(\n    ds,\n    shuffle=True,  # keep\n)\n",
        "import torch\nfrom torch.utils.data import DataLoader\ntorch.manual_seed(0)\n"
        "loader = DataLoader(\n    ds,\n    shuffle=True,\n    generator=torch.Generator().manual_seed(0),"
        "  # keep\n)\n",
    ),
    (
        "TSL207",
        "import torch as T\nfrom torch.utils.data import random_split\nSEED = 3\nT.manual_seed(SEED)\n"
        "a, b = random_split(ds, [8, 2])\n",
        "import torch as T\nfrom torch.utils.data import random_split\nSEED = 3\nT.manual_seed(SEED)\n"
        "a, b = random_split(ds, [8, 2], generator=T.Generator().manual_seed(SEED))\n",
    ),
    (
        "TSL204",
        "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader\n\n"
        "def init(worker_id):\n    np.random.seed(seed=10 + worker_id)  # per worker\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=init)\n",
        "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader\n\n"
        "def init(worker_id):\n    np.random.seed(seed=torch.initial_seed() % 2**32)  # per worker\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=init)\n",
    ),
    (
        "TSL206",
        "from torch.utils.data import DataLoader\nfrom torch.utils.data.distributed import "
        "DistributedSampler\n\ndef main(ds):\n\tsampler = DistributedSampler(ds)\n"
        "\tloader = DataLoader(ds, sampler=sampler)\n\tfor ep in range(3):\n\t\t# train\n"
        "\t\tfor step, batch in enumerate(loader):\n\t\t\tpass\n",
        "from torch.utils.data import DataLoader\nfrom torch.utils.data.distributed import "
        "DistributedSampler\n\ndef main(ds):\n\tsampler = DistributedSampler(ds)\n"
        "\tloader = DataLoader(ds, sampler=sampler)\n\tfor ep in range(3):\n\t\t# train\n"
        "\t\tsampler.set_epoch(ep)\n\t\tfor step, batch in enumerate(loader):\n\t\t\tpass\n",
    ),
]


@pytest.mark.parametrize(
    "code,source,expected", SNIPPET_FIXES, ids=[c for c, _, _ in SNIPPET_FIXES]
)
def test_snippet_fix(code: str, source: str, expected: str) -> None:
    fixed = _fix(source, code)
    assert fixed == expected
    ast.parse(fixed)
    assert code not in _codes(fixed, code)
    assert _fix(fixed, code) == fixed


NO_FIX = [
    # The lambda closes over a local of its function: moving it would break it.
    (
        "TSL208",
        "import random\nfrom torch.utils.data import DataLoader\n\ndef main(ds, seed):\n"
        "    return DataLoader(ds, num_workers=2, worker_init_fn=lambda w: random.seed(seed + w))\n",
    ),
    (
        "TSL208",
        "import torch\n\ndef make(ds):\n    def init(worker_id):\n        pass\n"
        "    return torch.utils.data.DataLoader(ds, num_workers=4, worker_init_fn=init)\n",
    ),
    # torch is not imported: the replacement seed would not resolve.
    (
        "TSL203",
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n"
        "def init(worker_id):\n    np.random.seed(42)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=init)\n",
    ),
    (
        "TSL202",
        "from torch.utils.data import DataLoader\n\ndef make(ds):\n"
        "    return DataLoader(ds, shuffle=True)\n",
    ),
    # No evident epoch loop: the loader is iterated in another function.
    (
        "TSL206",
        "from torch.utils.data import DataLoader, DistributedSampler\n"
        "sampler = DistributedSampler(ds)\nloader = DataLoader(ds, sampler=sampler)\n"
        "for epoch in range(3):\n    train_one_epoch(loader)\n",
    ),
    # The epoch loop is a while loop.
    (
        "TSL206",
        "from torch.utils.data import DataLoader, DistributedSampler\n"
        "sampler = DistributedSampler(ds)\nloader = DataLoader(ds, sampler=sampler)\n"
        "while True:\n    for batch in loader:\n        pass\n",
    ),
]


@pytest.mark.parametrize("code,source", NO_FIX, ids=[c for c, _ in NO_FIX])
def test_reported_without_fix(code: str, source: str) -> None:
    config = config_from_mapping({"select": [code]})
    found = [d for d in lint_source(source, "train.py", config) if d.code == code]
    assert found and all(d.fix is None for d in found)


IN_ORDER_FIXES = [
    ("DataLoader(ds, num_workers=2, in_order=False)\n", "DataLoader(ds, num_workers=2)\n"),
    ("DataLoader(ds, in_order = False, num_workers=2)\n", "DataLoader(ds, num_workers=2)\n"),
    (
        "DataLoader(\n    ds,\n    in_order=False,  # fast\n    num_workers=2,\n)\n",
        "DataLoader(\n    ds,\n    # fast\n    num_workers=2,\n)\n",
    ),
    ("DataLoader(\r\n    ds,\r\n    in_order=False\r\n)\r\n", "DataLoader(\r\n    ds\r\n)\r\n"),
]


@pytest.mark.parametrize("call,expected", IN_ORDER_FIXES)
def test_in_order_fix(call: str, expected: str) -> None:
    header = "from torch.utils.data import DataLoader\n"
    fixed = _fix(header + "loader = " + call, "TSL209")
    assert fixed == header + "loader = " + expected
    ast.parse(fixed)
    assert "TSL209" not in _codes(fixed, "TSL209")


# --- TSL201: seeded NumPy draws in workers on a modern torch ------------------------


@pytest.mark.slow
def test_numpy_in_workers_is_reproducible_on_modern_torch_and_reported_only_before_1_9() -> None:
    """The case TSL201 no longer reports from torch 1.9: ``torch.manual_seed`` only, a
    dataset drawing from legacy ``np.random``, two workers. Since torch 1.9 each
    worker reseeds NumPy from the loader's base seed: two processes print the same
    values, the workers differ and the epochs differ."""
    script = FIXTURES / "tsl201_numpy_workers.py"
    import torch

    assert torch.__version__.split("+")[0].split(".")[:2] == ["2", "13"]
    first, second = [_parse(done.stdout) for done in run_scripts([script, script])]
    assert len(first) == 16 and first == second
    assert len({value for *_, value in first}) == 16
    streams = _by_worker(first, 0)
    assert sorted(streams) == [0, 1] and streams[0] != streams[1]
    assert _epoch(first, 0) != _epoch(first, 1)
    source = script.read_text()
    for version, codes in (("2.13", []), ("1.9", []), ("1.8", ["TSL201"])):
        config = config_from_mapping({"select": ["TSL201"], "torch-version": version})
        assert [d.code for d in lint_source(source, "train.py", config)] == codes
