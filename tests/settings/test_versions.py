"""torch/torchvision version inference, and TSL201's version-dependent behaviour."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

from tests.conftest import run_cli
from torchseedlint import lint_source
from torchseedlint.engine.runner import lint_paths
from torchseedlint.settings.config import Config, config_from_mapping
from torchseedlint.settings.versions import (
    installed_version,
    parse_version,
    requirement_lower_bound,
    with_inferred_versions,
)

TORCH = ("torch", "pytorch")
PROJECTS = Path(__file__).parents[1] / "fixtures" / "projects"


@pytest.fixture
def torch_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("torchseedlint.settings.versions.installed_version", lambda name: None)


@pytest.mark.parametrize(
    "requirement,bound",
    [
        ("torch>=1.8,<2", "1.8"),
        ("torch (>=1.8)", "1.8"),
        ("torch (>=2.1, <3)", "2.1"),
        ("torch==2.3.*", "2.3"),
        ("torch==1.8.*", "1.8"),
        ("torch", None),
        ("torch<2", None),
        ("torch<=2.0,!=1.9.0", None),
        ("torch~=2.1", "2.1"),
        ("torch~=2.1.0", "2.1.0"),
        ("torch>1.7", "1.7"),
        ("torch===2.2.0", "2.2.0"),
        ("torch!=2.0.0,>=1.13", "1.13"),
        ("torch>=1.8,==1.9.*", "1.9"),  # both hold: the tighter bound
        ("Torch>=1.9", "1.9"),
        ("torch[extra] >= 1.10 ; python_version > '3.8'", "1.10"),
        ("torch>=2.0; sys_platform == 'linux'", "2.0"),
        ("torch[opt-einsum]==2.0.1", "2.0.1"),
        ("pytorch=1.7.1=py3.8_cuda", "1.7.1"),
        ("torch^2.0", "2.0"),
        (
            "torch @ https://download.pytorch.org/whl/cu118/torch-2.1.0%2Bcu118-cp310-cp310-"
            "linux_x86_64.whl",
            "2.1.0+cu118",
        ),
        (
            "torch @ file:///wheels/torch-1.13.1-cp39-cp39-manylinux1_x86_64.whl ; "
            "python_version == '3.9'",
            "1.13.1",
        ),
        ("torch @ https://download.pytorch.org/torch.whl", None),
        ("torch @ git+https://github.com/pytorch/pytorch@v2.1.0", None),
    ],
)
def test_requirement_lower_bound(requirement: str, bound: Optional[str]) -> None:
    assert requirement_lower_bound(requirement, TORCH) == (True, bound)


def test_other_packages_are_not_torch() -> None:
    assert requirement_lower_bound("torchvision>=0.9", TORCH) is None
    assert requirement_lower_bound("torchmetrics>=1", TORCH) is None
    assert requirement_lower_bound("torch-geometric>=2.3", TORCH) is None
    assert requirement_lower_bound("Framework :: PyTorch", TORCH) is None


SETUP_PY = """\
from setuptools import setup
open("EXECUTED", "w").close()
REQUIRES = ["numpy", "torch>=1.7"]
setup(name="p", install_requires=REQUIRES, extras_require={"vision": ["torchvision>=0.8.1"]})
"""


@pytest.mark.usefixtures("torch_not_installed")
@pytest.mark.parametrize(
    "files,torch,vision,source",
    [
        (
            {"pyproject.toml": '[project]\nname = "p"\ndependencies = ["torch>=1.8,<2"]\n'},
            "1.8",
            None,
            "pyproject.toml",
        ),
        (
            {
                "pyproject.toml": '[project]\nname = "p"\n[project.optional-dependencies]\n'
                'train = ["torch==2.3.*", "torchvision>=0.18"]\n'
            },
            "2.3",
            "0.18",
            "pyproject.toml",
        ),
        (
            {"requirements.txt": "# deps\nnumpy\ntorch==2.1.0  # pinned\n-r extra.txt\n"},
            "2.1.0",
            None,
            "requirements.txt",
        ),
        (
            {"requirements-dev.txt": "torchvision>=0.15\ntorch>=2.0\n"},
            "2.0",
            "0.15",
            "requirements-dev.txt",
        ),
        (
            {"setup.cfg": "[options]\ninstall_requires =\n    numpy\n    torch>=1.6\n"},
            "1.6",
            None,
            "setup.cfg",
        ),
        ({"setup.py": SETUP_PY}, "1.7", "0.8.1", "setup.py"),
        (
            {
                "setup.py": "import setuptools\nsetuptools.setup(install_requires=['torch==2.2.*'])\n"
            },
            "2.2",
            None,
            "setup.py",
        ),
        (
            {
                "setup.py": "from setuptools import setup\nREQS = ['numpy']\nREQS += ['torch>=1.12']\n"
                "REQS.append('torchvision>=0.13')\nsetup(install_requires=REQS)\n"
            },
            "1.12",
            "0.13",
            "setup.py",
        ),
        (
            {
                "pyproject.toml": '[project]\nname = "p"\n[dependency-groups]\n'
                'gpu = ["torch>=2.4"]\n'
            },
            "2.4",
            None,
            "pyproject.toml",
        ),
        (
            {
                "environment.yml": "name: p\ndependencies:\n  - python=3.9\n  - pytorch=1.8.1\n"
                "  - pip:\n    - torchvision==0.9.1\n"
            },
            "1.8.1",
            "0.9.1",
            "environment.yml",
        ),
        ({"requirements.txt": "torch\n"}, None, None, None),
        (
            {
                "pyproject.toml": '[project]\nname = "p"\ndependencies = ["torch>=2.1"]\n',
                "requirements.txt": "torch>=1.9\n",
            },
            "1.9",
            None,
            "requirements.txt",
        ),
    ],
)
def test_inference_from_each_file_kind(
    tmp_path: Path,
    files: Dict[str, str],
    torch: Optional[str],
    vision: Optional[str],
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


@pytest.mark.usefixtures("torch_not_installed")
def test_nothing_declared_nor_installed_stays_unknown(tmp_path: Path) -> None:
    config = with_inferred_versions(Config(), tmp_path)
    assert config.torch_version is None
    assert dict(config.provenance)["torch-version"] == (
        "no declared requirement found, torch not installed"
    )


def test_setup_py_strings_setup_does_not_use_are_not_requirements(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nBANNER = ['torch>=1.0']\n"
        "setup(name='p', keywords=['torch>=1.1'], install_requires=['numpy'])\n"
    )
    config = with_inferred_versions(Config(), tmp_path)
    assert "setup.py" not in dict(config.provenance)["torch-version"]


@pytest.mark.usefixtures("torch_not_installed")
@pytest.mark.parametrize(
    "project,torch,vision,source,requirement",
    [
        ("versions_dependency_groups", "2.1", None, "pyproject.toml", "torch (>=2.1, <3)"),
        ("versions_setup_variables", "2.6", None, "setup.py", "torch>=2.6"),
    ],
)
def test_inference_from_fixture_projects(
    project: str, torch: str, vision: Optional[str], source: str, requirement: str
) -> None:
    config = with_inferred_versions(Config(), PROJECTS / project)
    assert (config.torch_version, config.torchvision_version) == (torch, vision)
    provenance = dict(config.provenance)
    assert provenance["torch-version"] == (
        f"inferred from {PROJECTS / project / source} (`{requirement}`)"
    )
    if project == "versions_setup_variables":  # `torchvision`, unbounded, in the pins list
        assert provenance["torchvision-version"] == (
            f"{PROJECTS / project / source} declares `torchvision` without a lower bound, "
            "torchvision not installed"
        )


def test_installed_distribution_when_nothing_declares_a_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "torchseedlint.settings.versions.installed_version", {"torch": "2.5.1+cu124"}.get
    )
    (tmp_path / "requirements.txt").write_text("torch\ntorchvision>=0.20\n")
    config = with_inferred_versions(Config(), tmp_path)
    assert (config.torch_version, config.torchvision_version) == ("2.5.1+cu124", "0.20")
    assert dict(config.provenance)["torch-version"] == (
        f"installed torch distribution; {tmp_path / 'requirements.txt'} declares `torch` "
        "without a lower bound"
    )
    bounded = tmp_path / "other"
    bounded.mkdir()
    (bounded / "requirements.txt").write_text("torch>=1.8\n")
    assert with_inferred_versions(Config(), bounded).torch_version == "1.8"  # declared wins


def test_installed_version_reads_metadata_without_importing_torch() -> None:
    # The test environment has the CPU wheel of torch 2.x installed.
    script = (
        "import sys; from torchseedlint.settings.versions import installed_version; "
        "print(installed_version('torch'), installed_version('no-such-dist-xyz'), "
        "'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    version, missing, imported = out
    assert (parse_version(version) or (0,)) >= (2,)
    assert (missing, imported) == ("None", "False")


@pytest.mark.parametrize(
    "distribution", ["torch", "libcst", "click", "Click", "pytest_lsp", "pytest-lsp", "no-such-x"]
)
def test_installed_version_agrees_with_importlib_metadata(distribution: str) -> None:
    import importlib.metadata

    try:
        expected: Optional[str] = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        expected = None
    assert installed_version(distribution) == expected


def test_installed_version_leaves_eggs_and_zips_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    egg = tmp_path / "eggs"
    (egg / "oldpkg.egg-info").mkdir(parents=True)
    (egg / "oldpkg.egg-info" / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: oldpkg\nVersion: 0.7\n"
    )
    wheel = tmp_path / "wheels"
    (wheel / "oldpkg-9.9.dist-info").mkdir(parents=True)  # later on the path: not the one used
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(egg), str(wheel)])
    assert installed_version("oldpkg") == "0.7"
    monkeypatch.setattr(sys, "path", [str(wheel), str(egg)])
    assert installed_version("oldpkg") == "9.9"


def test_lint_source_on_a_string_does_not_read_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No project, no files: the API's version is what the Config says.
    def fail(name: str) -> None:
        raise AssertionError(f"lint_source looked up the installed {name}")

    monkeypatch.setattr("torchseedlint.settings.versions.installed_version", fail)
    assert lint_source("import torch\ntorch.rand(1)\n", "train.py") != []


# A dataset drawing from NumPy in its workers: TSL201 reports it before torch 1.9
# (tests/rules/test_dataloader.py has the per-version cases).
LOADER = (
    "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader, Dataset\n\n"
    "class Noisy(Dataset):\n    def __getitem__(self, i):\n        return np.random.rand()\n\n"
    "{seed}loader = DataLoader(Noisy(), num_workers=2)\n"
)


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


def test_show_settings_says_which_source_won(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()

    def torch_line(*args: str) -> str:
        result = run_cli("--no-cache", "--show-settings", *args, cwd=tmp_path)
        assert result.exit_code == 0, result.output
        (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("torch-version:")]
        return line

    installed = installed_version("torch")
    assert torch_line() == (
        f"torch-version: {installed} (installed torch distribution; no declared requirement found)"
    )
    (tmp_path / "requirements.txt").write_text("torch (>=1.8)\n")
    assert torch_line() == (
        f"torch-version: 1.8 (inferred from {tmp_path / 'requirements.txt'} (`torch (>=1.8)`))"
    )
    (tmp_path / "torchseedlint.toml").write_text('torch-version = "2.3"\n')
    assert torch_line() == f"torch-version: 2.3 (set in {tmp_path / 'torchseedlint.toml'})"
    assert torch_line("--torch-version", "2.1") == "torch-version: 2.1 (set by --torch-version)"
