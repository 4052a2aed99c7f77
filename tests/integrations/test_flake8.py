"""The flake8 plugin, exercised through the real ``flake8`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List

from tests.conftest import run_cli
from torchseedlint.engine.runner import lint_source
from torchseedlint.integrations.flake8 import Plugin
from torchseedlint.rules import ALL_RULES, RULES_BY_CODE
from torchseedlint.settings.config import Config

FLAKE8 = [sys.executable, "-m", "flake8"]

TRAIN = (
    "import numpy as np\n"
    "import torch\n"
    "from torch.utils.data import DataLoader, Dataset\n"
    "\n"
    "\n"
    "class Noisy(Dataset):\n"
    "    def __getitem__(self, i):\n"
    "        return np.random.rand()\n"
    "\n"
    "\n"
    "x = torch.rand(3)\n"
    "loader = DataLoader(Noisy(), num_workers=4)\n"
)


# The worker-seeding finding (TSL201) needs torch < 1.9: without a declaration the
# installed torch counts, as in the CLI.
TORCH_18 = '[tool.torchseedlint]\ntorch-version = "1.8"\n'


def flake8(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*FLAKE8, "--isolated", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_findings_have_the_engines_positions_and_messages(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(TORCH_18)
    (tmp_path / "train.py").write_text(TRAIN)
    proc = flake8(tmp_path, "--select", "TSL", "train.py")
    assert proc.returncode == 1, proc.stderr
    found = lint_source(TRAIN, "train.py", Config(torch_version="1.8"))
    expected = [
        f"train.py:{d.location.row}:{d.location.column}: {d.code} {d.name}: {d.message}"
        for d in found
    ]
    assert [d.code for d in found] == ["TSL103", "TSL101", "TSL201"]
    assert proc.stdout.splitlines() == expected
    # The DataLoader call starts in column 10 (1-based), as the CLI and editors say.
    assert "train.py:12:10: TSL201 dataloader-worker-seeding: " in proc.stdout


def test_flake8_noqa_and_ignore_apply(tmp_path: Path) -> None:
    source = TRAIN.replace("num_workers=4)", "num_workers=4)  # noqa: TSL201")
    (tmp_path / "pyproject.toml").write_text(TORCH_18)
    (tmp_path / "train.py").write_text(source)
    proc = flake8(tmp_path, "--select", "TSL", "train.py")
    assert "TSL201" not in proc.stdout
    assert "TSL101" in proc.stdout
    proc = flake8(tmp_path, "--select", "TSL", "--extend-ignore", "TSL101,TSL103", "train.py")
    assert proc.returncode == 0, proc.stdout


def test_clean_file_passes_with_other_plugins_on(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("import torch\n\ntorch.manual_seed(0)\nx = torch.rand(3)\n")
    proc = flake8(tmp_path, "ok.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_default_off_rules_stay_off_unless_selected(tmp_path: Path) -> None:
    (tmp_path / "shuffle.py").write_text(
        "import torch\n"
        "from torch.utils.data import DataLoader\n"
        "\n"
        "torch.manual_seed(0)\n"
        "loader = DataLoader([1, 2], shuffle=True)\n"
    )
    assert not RULES_BY_CODE["TSL202"].default_enabled
    proc = flake8(tmp_path, "shuffle.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = flake8(tmp_path, "--extend-select", "TSL202", "shuffle.py")
    assert proc.returncode == 1
    assert proc.stdout.startswith("shuffle.py:5:10: TSL202 dataloader-without-generator: ")


class _OptionManager:
    def __init__(self) -> None:
        self.default_ignore: List[str] = []

    def extend_default_ignore(self, codes: List[str]) -> None:
        self.default_ignore.extend(codes)


def test_default_off_rules_join_flake8s_default_ignore() -> None:
    manager = _OptionManager()
    Plugin.add_options(manager)
    assert manager.default_ignore == [r.code for r in ALL_RULES if not r.default_enabled]
    assert "TSL101" not in manager.default_ignore


UTILS = (
    "import random\n"
    "\n"
    "import numpy as np\n"
    "import torch\n"
    "\n"
    "\n"
    "def set_seed(seed):\n"
    "    random.seed(seed)\n"
    "    np.random.seed(seed)\n"
    "    torch.manual_seed(seed)\n"
)

SEEDED_BY_HELPER = "import torch\n\nfrom utils import set_seed\n\nset_seed(0)\nx = torch.rand(3)\n"


def test_findings_equal_the_clis_on_a_project_with_a_seeding_helper(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n\n' + TORCH_18)
    (tmp_path / "utils.py").write_text(UTILS)
    (tmp_path / "train.py").write_text(SEEDED_BY_HELPER)
    (tmp_path / "noisy.py").write_text(TRAIN)
    cli = run_cli("--no-cache", "--select", "ALL", "--output-format", "json", ".", cwd=tmp_path)
    expected = sorted(
        f"{Path(d['filename']).as_posix()}:{d['location']['row']}:{d['location']['column']}: "
        f"{d['code']} {d['name']}: {d['message']}"
        for d in json.loads(cli.stdout)
    )
    # Two processes, as flake8 runs on several cores: each builds the project's run.
    proc = flake8(tmp_path, "--select", "TSL", "--jobs", "2", "train.py", "noisy.py", "utils.py")
    found = sorted(proc.stdout.splitlines())
    assert found == expected, proc.stderr
    assert not any(line.startswith("train.py:") for line in found)  # set_seed is credited
    assert any(line.startswith("noisy.py:") and " TSL201 " in line for line in found)
