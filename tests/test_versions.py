"""torch/torchvision version inference, and TSL201's version-dependent behaviour."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import pytest

from torchseedlint import lint_source
from torchseedlint.config import Config, config_from_mapping
from torchseedlint.engine import lint_paths
from torchseedlint.versions import requirement_lower_bound, with_inferred_versions

TORCH = ("torch", "pytorch")


@pytest.mark.parametrize("requirement,bound", [
    ("torch>=1.8,<2", "1.8"),
    ("torch==2.3.*", "2.3"),
    ("torch", None),
    ("torch<2", None),
    ("torch~=2.1", "2.1"),
    ("torch[extra] >= 1.10 ; python_version > '3.8'", "1.10"),
    ("pytorch=1.7.1=py3.8_cuda", "1.7.1"),
    ("torch @ https://download.pytorch.org/torch.whl", None),
])
def test_requirement_lower_bound(requirement: str, bound: Optional[str]) -> None:
    assert requirement_lower_bound(requirement, TORCH) == (True, bound)


def test_other_packages_are_not_torch() -> None:
    assert requirement_lower_bound("torchvision>=0.9", TORCH) is None
    assert requirement_lower_bound("torchmetrics>=1", TORCH) is None


SETUP_PY = """\
from setuptools import setup
open("EXECUTED", "w").close()
REQUIRES = ["numpy", "torch>=1.7"]
setup(name="p", install_requires=REQUIRES, extras_require={"vision": ["torchvision>=0.8.1"]})
"""


@pytest.mark.parametrize("files,torch,vision,source", [
    ({"pyproject.toml": '[project]\nname = "p"\ndependencies = ["torch>=1.8,<2"]\n'},
     "1.8", None, "pyproject.toml"),
    ({"pyproject.toml": '[project]\nname = "p"\n[project.optional-dependencies]\n'
                        'train = ["torch==2.3.*", "torchvision>=0.18"]\n'},
     "2.3", "0.18", "pyproject.toml"),
    ({"requirements.txt": "# deps\nnumpy\ntorch==2.1.0  # pinned\n-r extra.txt\n"},
     "2.1.0", None, "requirements.txt"),
    ({"requirements-dev.txt": "torchvision>=0.15\ntorch>=2.0\n"}, "2.0", "0.15",
     "requirements-dev.txt"),
    ({"setup.cfg": "[options]\ninstall_requires =\n    numpy\n    torch>=1.6\n"},
     "1.6", None, "setup.cfg"),
    ({"setup.py": SETUP_PY}, "1.7", "0.8.1", "setup.py"),
    ({"environment.yml": "name: p\ndependencies:\n  - python=3.9\n  - pytorch=1.8.1\n"
                         "  - pip:\n    - torchvision==0.9.1\n"},
     "1.8.1", "0.9.1", "environment.yml"),
    ({"requirements.txt": "torch\n"}, None, None, None),
    ({"pyproject.toml": '[project]\nname = "p"\ndependencies = ["torch>=2.1"]\n',
      "requirements.txt": "torch>=1.9\n"}, "1.9", None, "requirements.txt"),
])
def test_inference_from_each_file_kind(
    tmp_path: Path, files: Dict[str, str], torch: Optional[str], vision: Optional[str],
    source: Optional[str],
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    config = with_inferred_versions(Config(), tmp_path)
    assert (config.torch_version, config.torchvision_version) == (torch, vision)
    provenance = dict(config.provenance)["torch-version"]
    if source is None:
        assert "without a lower bound" in provenance
    else:
        assert provenance.startswith(f"inferred from {tmp_path / source} (")
    assert not (tmp_path / "EXECUTED").exists()  # setup.py is parsed, never run


def test_config_setting_wins_over_declarations(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch>=1.8\n")
    config = with_inferred_versions(Config(torch_version="2.3", source="cfg.toml"), tmp_path)
    assert config.torch_version == "2.3"
    assert dict(config.provenance)["torch-version"] == "set in cfg.toml"


def test_nothing_declared_stays_unknown(tmp_path: Path) -> None:
    config = with_inferred_versions(Config(), tmp_path)
    assert config.torch_version is None
    assert dict(config.provenance)["torch-version"] == "no declared requirement found"


LOADER = (
    "import torch\nfrom torch.utils.data import DataLoader\n{seed}"
    "model = torch.nn.Linear(2, 2)\nloader = DataLoader(ds, num_workers=2)\n"
)


def _tsl201(version: Optional[str], seeded: bool) -> List[str]:
    settings = {"select": ["TSL201"]}
    if version is not None:
        settings["torch-version"] = version
    source = LOADER.format(seed="torch.manual_seed(0)\n" if seeded else "")
    return [d.message for d in lint_source(source, "train.py", config_from_mapping(settings))]


def test_tsl201_torch_1_8_reports_even_when_seeded() -> None:
    (message,) = _tsl201("1.8", seeded=True)
    assert "with torch < 1.9 workers do not seed `random` or NumPy" in message
    assert "https://pytorch.org/docs/stable/notes/randomness.html" in message


def test_tsl201_torch_2_3_reports_only_an_unseeded_base_seed() -> None:
    assert _tsl201("2.3", seeded=True) == []
    (message,) = _tsl201("2.3", seeded=False)
    assert "torch >= 1.9 seeds each worker from the loader's base seed" in message
    assert "torch is never seeded" in message


def test_tsl201_unknown_version_is_conservative() -> None:
    (message,) = _tsl201(None, seeded=True)
    assert "the project's torch version is unknown (set `torch-version`)" in message


@pytest.mark.parametrize("declared,reported", [("torch==1.8.*", True), ("torch>=2.3", False)])
def test_tsl201_uses_the_declared_requirement(
    tmp_path: Path, declared: str, reported: bool
) -> None:
    (tmp_path / "requirements.txt").write_text(declared + "\n")
    (tmp_path / "train.py").write_text(LOADER.format(seed="torch.manual_seed(0)\n"))
    config = config_from_mapping({"select": ["TSL201"]})
    found = lint_paths([str(tmp_path / "train.py")], config).diagnostics
    assert [d.code for d in found] == (["TSL201"] if reported else [])
    if reported:
        assert "torch < 1.9" in found[0].message
