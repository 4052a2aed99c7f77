"""Seeding through project helpers in other modules, and draws in imported project code."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Dict, List

import pytest

from torchseedlint.engine import runner as engine
from torchseedlint.engine.runner import lint_paths
from torchseedlint.settings.config import Config

FIXTURE = Path(__file__).parents[1] / "fixtures" / "projects" / "seeded"
MISSING_SEED = ("TSL101", "TSL102", "TSL103", "TSL104")


def _write(root: Path, files: Dict[str, str]) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _codes(*paths: Path) -> List[str]:
    return [d.code for d in lint_paths([str(p) for p in paths], Config()).diagnostics]


def _unseeded_copy(tmp_path: Path) -> Path:
    project = tmp_path / "seeded"
    shutil.copytree(FIXTURE, project)
    (project / "proj" / "utils" / "seed.py").write_text(
        "def seed_all(seed):\n    print('seeding disabled', seed)\n"
    )
    return project


def test_whole_tree_seeded_through_helper_two_modules_away() -> None:
    assert _codes(FIXTURE) == []


def test_only_the_entry_point_given_reads_its_imports() -> None:
    assert _codes(FIXTURE / "proj" / "train.py") == []


@pytest.mark.parametrize("only_train", [False, True])
def test_removing_the_helpers_seeding_brings_the_diagnostics_back(
    tmp_path: Path, only_train: bool
) -> None:
    project = _unseeded_copy(tmp_path)
    target = project / "proj" / "train.py" if only_train else project
    found = lint_paths([str(target)], Config()).diagnostics
    # The dataset draws from random/NumPy in the loader's two workers, which torch
    # seeds from the loader's base seed: the unseeded torch RNG is the one root cause.
    assert [(d.code, d.location.row) for d in found] == [("TSL101", 10)]


@pytest.mark.parametrize("only_train", [False, True])
def test_a_dataset_loaded_in_the_main_process_draws_there(tmp_path: Path, only_train: bool) -> None:
    project = _unseeded_copy(tmp_path)
    train = project / "proj" / "train.py"
    train.write_text(train.read_text().replace("num_workers=2", "num_workers=0"))
    found = lint_paths([str(train if only_train else project)], Config()).diagnostics
    assert {d.code for d in found} == {"TSL101", "TSL102", "TSL103"}
    assert all(d.path.endswith("train.py") for d in found)
    by_code = {d.code: d for d in found}
    # Python random / NumPy are drawn in the dataset module, reported where train.py uses it.
    for code, call in (
        ("TSL102", "via `random.random` in `proj.data.dataset` (line 13)"),
        ("TSL103", "via `np.random.rand` in `proj.data.dataset` (line 12)"),
    ):
        diagnostic = by_code[code]
        assert diagnostic.location.row == 11
        assert diagnostic.message.startswith("`NoisyDataset(...)` draws from the")
        assert call in diagnostic.message


def test_each_file_is_parsed_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # Facts are collected once per file (from ``ast``); libcst parses again only
    # files with something to report, and this project has nothing to report.
    parsed: List[str] = []
    real_analyse = engine.analyse

    def counting_analyse(text: str, path: str, fast: bool):  # type: ignore[no-untyped-def]
        parsed.append(str(Path(path).resolve()))
        return real_analyse(text, path, fast)

    monkeypatch.setattr(engine, "analyse", counting_analyse)
    monkeypatch.setattr(engine, "parse", None)  # a libcst parse would fail the test
    lint_paths([str(FIXTURE)], Config())
    # Never twice; files without a trigger word (torchseedlint.engine.screen) not at all,
    # unless another file imports them.
    assert len(parsed) == len(set(parsed))
    assert set(parsed) <= {str(p.resolve()) for p in FIXTURE.rglob("*.py")}
    parsed.clear()
    lint_paths([str(FIXTURE / "proj" / "train.py")], Config())
    assert len(parsed) == len(set(parsed))
    assert str((FIXTURE / "proj" / "data" / "dataset.py").resolve()) in parsed


def test_facts_are_picklable() -> None:
    facts = engine.load_facts(FIXTURE / "proj" / "utils" / "setup.py")
    assert facts is not None
    assert pickle.loads(pickle.dumps(facts)) == facts


def test_cycles_and_recursion_terminate(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "a.py": "from b import walk\n\ndef start(s):\n    walk(s)\n    start(s)\n",
            "b.py": "import torch\nfrom a import start\n\ndef walk(s):\n    start(s)\n"
            "    torch.manual_seed(s)\n",
            "train.py": "import torch\nfrom a import start\nstart(0)\nx = torch.rand(2)\n",
        },
    )
    assert _codes(project / "train.py") == []
    (project / "b.py").write_text("from a import start\n\ndef walk(s):\n    start(s)\n")
    (project / "a.py").write_text(
        "from b import walk\n\ndef start(s):\n    walk(s)\n    start(s)\n"
    )
    assert _codes(project / "train.py") == ["TSL101"]


def test_import_as_and_attribute_call(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "utils/__init__.py": "",
            "utils/misc.py": "import torch\n\ndef prepare(s):\n    torch.manual_seed(s)\n",
            "train.py": "import torch\nimport utils.misc as misc\nmisc.prepare(0)\nx = torch.rand(2)\n",
        },
    )
    assert _codes(project / "train.py") == []
    # A project helper named like a seeder that seeds nothing gets no benefit of the doubt.
    (project / "utils" / "misc.py").write_text("def fix_seeds(s):\n    pass\n")
    (project / "train.py").write_text(
        "import torch\nimport utils.misc as misc\nmisc.fix_seeds(0)\nx = torch.rand(2)\n"
    )
    assert _codes(project / "train.py") == ["TSL101"]


@pytest.mark.parametrize(
    "entry",
    [
        "from pkg.reproducibility import *\n",
        "from pkg import *\n",
    ],
)
def test_star_imports(tmp_path: Path, entry: str) -> None:
    project = _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .reproducibility import *\n",
            "pkg/reproducibility.py": "import random\n\ndef setup_run(s):\n    random.seed(s)\n",
            "train.py": entry + "import random\nsetup_run(0)\nx = random.random()\n",
        },
    )
    assert _codes(project / "train.py") == []
    (project / "pkg" / "reproducibility.py").write_text("def setup_run(s):\n    pass\n")
    assert _codes(project / "train.py") == ["TSL102"]


def test_relative_import_and_reexport(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/common/__init__.py": "from .reproducibility import configure\n",
            "pkg/common/reproducibility.py": "import numpy as np\n\ndef configure(s):\n"
            "    np.random.seed(s)\n",
            "pkg/train.py": "import numpy as np\nfrom .common import configure\n\n"
            "if __name__ == '__main__':\n    configure(1)\n    np.random.rand(3)\n",
        },
    )
    assert _codes(project / "pkg" / "train.py") == []
    (project / "pkg" / "common" / "reproducibility.py").write_text("def configure(s):\n    pass\n")
    assert _codes(project / "pkg" / "train.py") == ["TSL103"]


def test_library_module_using_random_is_not_an_entry_point(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "aug.py": "import random\n\ndef jitter(x):\n    return x + random.random()\n",
            "model.py": "from aug import jitter\n\ndef forward(x):\n    return jitter(x)\n",
        },
    )
    assert _codes(project) == []


def test_from_dot_import_submodule(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/helpers.py": "import torch\n\ndef go(s):\n    torch.manual_seed(s)\n",
            "pkg/train.py": "import torch\nfrom . import helpers\nhelpers.go(0)\nx = torch.rand(2)\n",
        },
    )
    assert _codes(project / "pkg" / "train.py") == []
    (project / "pkg" / "helpers.py").write_text("def go(s):\n    pass\n")
    assert _codes(project / "pkg" / "train.py") == ["TSL101"]


def test_star_import_from_outside_the_project_gets_the_benefit_of_the_doubt(
    tmp_path: Path,
) -> None:
    project = _write(
        tmp_path,
        {
            "train.py": "import torch\nfrom lab_tools.seeding import *\nset_seed(0)\n"
            "x = torch.rand(2)\n",
        },
    )
    assert _codes(project / "train.py") == []
    (project / "train.py").write_text(
        "import torch\nfrom torch import *\nset_seed(0)\nx = torch.rand(2)\n"
    )
    assert _codes(project / "train.py") == ["TSL101"]


@pytest.mark.parametrize("version, reported", [("1.8", True), ("2.3", False)])
def test_worker_side_draws_of_a_dataset_in_another_module(
    tmp_path: Path, version: str, reported: bool
) -> None:
    # NoisyDataset.__getitem__ (proj/data/dataset.py) draws from NumPy's global RNG:
    # before torch 1.9 the workers do not reseed it.
    project = Path(shutil.copytree(FIXTURE, tmp_path / "seeded"))
    found = lint_paths([str(project)], Config(torch_version=version)).diagnostics
    tsl201 = [d for d in found if d.code == "TSL201"]
    if reported:
        assert len(tsl201) == 1 and tsl201[0].location.row == 11
        assert "`np.random.rand` in `proj.data.dataset` (line 12)" in tsl201[0].message
    else:
        assert tsl201 == []
