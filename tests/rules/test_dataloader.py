"""TSL201 by torch version and by what the workers draw (background §2.4).

A loader is reported only when its worker-side code (the dataset's
``__getitem__``/``__iter__``, the transforms it holds, ``collate_fn``) draws from
an RNG the workers leave unseeded: NumPy's legacy global RNG before torch 1.9
(or with an unknown version), or a library RNG PyTorch never reseeds.
``dataloader-worker-seeding = "always"`` reports every loader with workers.
"""

from __future__ import annotations

from typing import Dict, List, Optional

import pytest

from torchseedlint import lint_source
from torchseedlint.settings.config import ConfigError, config_from_mapping

HEADER = "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader, Dataset\n\n"
NUMPY_DATASET = (
    HEADER + "class Jitter(Dataset):\n"
    "    def __len__(self):\n        return 8\n\n"
    "    def __getitem__(self, i):\n        return i + self._noise()\n\n"
    "    def _noise(self):\n        return np.random.rand()\n\n"
    "torch.manual_seed(0)\n"
    "ds = Jitter()\n"
    "loader = DataLoader(ds, batch_size=2, shuffle=True, num_workers=4)\n"
)
CV2_DATASET = (
    "import cv2\nimport numpy as np\n" + HEADER + "class Speckle(Dataset):\n"
    "    def __getitem__(self, i):\n"
    "        noise = np.zeros((4, 4))\n        cv2.randn(noise, 0, 1)\n        return noise\n\n"
    "torch.manual_seed(0)\n"
    "loader = DataLoader(Speckle(), num_workers=2)\n"
)
EVAL_LOADER = (
    "import torch\nimport torchvision.transforms as T\nfrom torchvision import datasets\n"
    "from torch.utils.data import DataLoader\n\n"
    "torch.manual_seed(0)\n"
    "eval_tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])\n"
    "val = datasets.ImageFolder('val', transform=eval_tf)\n"
    "loader = DataLoader(val, batch_size=64, shuffle=False, num_workers=8)\n"
)


def _messages(source: str, settings: Optional[Dict[str, object]] = None) -> List[str]:
    config = config_from_mapping({"select": ["TSL201"], **(settings or {})})
    return [d.message for d in lint_source(source, "train.py", config)]


@pytest.mark.parametrize("version,case", [("1.8", "torch < 1.9"), (None, "torch < 1.9 or unknown")])
def test_numpy_drawing_dataset_is_reported_before_torch_1_9(
    version: Optional[str], case: str
) -> None:
    settings = {"torch-version": version} if version else {}
    (message,) = _messages(NUMPY_DATASET, settings)
    assert message == (
        f"`DataLoader(shuffle=True, num_workers=4)` workers share NumPy's RNG state ({case}): "
        "`np.random.rand` in `Jitter._noise` (line 13)"
    )


def test_numpy_drawing_dataset_is_not_reported_from_torch_1_9() -> None:
    assert _messages(NUMPY_DATASET, {"torch-version": "2.3"}) == []
    assert _messages(NUMPY_DATASET, {"torch-version": "1.9"}) == []


@pytest.mark.parametrize("version", ["1.8", "2.3", "2.13", None])
def test_opencv_drawing_dataset_is_reported_at_any_version(version: Optional[str]) -> None:
    settings = {"torch-version": version} if version else {}
    (message,) = _messages(CV2_DATASET, settings)
    assert (
        "OpenCV's RNG state (PyTorch never reseeds it): `cv2.randn` in `Speckle.__getitem__`"
        in (message)
    )


@pytest.mark.parametrize("mode", ["auto", "always"])
@pytest.mark.parametrize("version", ["1.8", None])
def test_eval_loader_is_never_reported(mode: str, version: Optional[str]) -> None:
    settings: Dict[str, object] = {"dataloader-worker-seeding": mode}
    if version:
        settings["torch-version"] = version
    assert _messages(EVAL_LOADER, settings) == []


def test_draws_in_the_main_process_are_not_worker_side() -> None:
    # The dataset draws in __init__ (main process) and is built with a drawn
    # argument: the workers draw nothing.
    source = (
        HEADER + "class Fixed(Dataset):\n"
        "    def __init__(self, offsets):\n        self.noise = np.random.rand(8) + offsets\n\n"
        "    def __getitem__(self, i):\n        return self.noise[i]\n\n"
        "loader = DataLoader(Fixed(np.random.rand(8)), num_workers=2)\n"
    )
    assert _messages(source, {"torch-version": "1.8"}) == []


def test_transform_and_collate_fn_are_worker_side() -> None:
    transform = (
        HEADER
        + "class AddNoise:\n    def __call__(self, x):\n        return x + np.random.randn()\n\n"
        "class Images(Dataset):\n    def __init__(self, transform):\n        self.transform = transform\n\n"
        "    def __getitem__(self, i):\n        return self.transform(i)\n\n"
        "loader = DataLoader(Images(transform=AddNoise()), num_workers=2)\n"
    )
    (message,) = _messages(transform, {"torch-version": "1.8"})
    assert message.endswith("`np.random.randn` in `AddNoise.__call__` (line 7)")
    collate = (
        HEADER + "class Plain(Dataset):\n    def __getitem__(self, i):\n        return i\n\n"
        "def mix(batch):\n    return [b * np.random.beta(1, 1) for b in batch]\n\n"
        "loader = DataLoader(Plain(), num_workers=2, collate_fn=mix)\n"
    )
    (message,) = _messages(collate, {"torch-version": "1.8"})
    assert message.endswith("`np.random.beta` in `mix` (line 10)")


def test_dataset_method_inherited_from_a_local_base_class() -> None:
    source = (
        HEADER
        + "class Base(Dataset):\n    def __getitem__(self, i):\n        return np.random.rand()\n\n"
        "class Child(Base):\n    pass\n\n"
        "loader = DataLoader(Child(), num_workers=2)\n"
    )
    (message,) = _messages(source)
    assert "`np.random.rand` in `Base.__getitem__` (line 7)" in message


def test_unresolved_dataset_is_reported_only_when_always() -> None:
    source = (
        "import torch\nfrom torch.utils.data import DataLoader\nfrom mydata import Folder\n\n"
        "def make(ds, workers):\n    return DataLoader(ds, shuffle=True, num_workers=workers)\n\n"
        "torch.manual_seed(0)\nloader = DataLoader(Folder('x'), shuffle=True, num_workers=2)\n"
    )
    assert _messages(source) == []
    assert _messages(source, {"dataloader-worker-seeding": "always"}) == [
        "`DataLoader(shuffle=True, num_workers=workers)` has no `worker_init_fn` "
        '(`dataloader-worker-seeding = "always"`)',
        "`DataLoader(shuffle=True, num_workers=2)` has no `worker_init_fn` "
        '(`dataloader-worker-seeding = "always"`)',
    ]


def test_unseeded_base_seed_is_left_to_tsl101() -> None:
    # torch never seeded, torch >= 1.9: the workers' base seed changes every run.
    # That is TSL101's finding; a worker_init_fn would not fix it.
    source = NUMPY_DATASET.replace("torch.manual_seed(0)\n", "")
    config = config_from_mapping({"select": ["TSL101", "TSL201"], "torch-version": "2.3"})
    assert [d.code for d in lint_source(source, "train.py", config)] == ["TSL101"]


def test_numpy_finding_carries_the_seed_worker_fix_and_opencv_none() -> None:
    config = config_from_mapping({"select": ["TSL201"], "torch-version": "1.8"})
    (numpy_finding,) = lint_source(NUMPY_DATASET, "train.py", config)
    assert numpy_finding.fix is not None
    edits = "".join(edit.content for edit in numpy_finding.fix.edits)
    assert "def seed_worker(worker_id):" in edits and "worker_init_fn=seed_worker" in edits
    (cv2_finding,) = lint_source(CV2_DATASET, "train.py", config)
    assert cv2_finding.fix is None  # seed_worker does not seed OpenCV


def test_setting_rejects_unknown_modes() -> None:
    with pytest.raises(ConfigError, match="dataloader-worker-seeding"):
        config_from_mapping({"dataloader-worker-seeding": "sometimes"})
