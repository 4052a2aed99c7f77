"""Traps seen on real code (issue 11): each pattern both ways, through the rules.

Module aliases, seeding helpers known by what they seed, and transforms whose
parameters make them deterministic.
"""

from __future__ import annotations

from typing import List

import libcst as cst
import pytest

from torchseedlint import lint_source
from torchseedlint.semantic.cst_facts import collect_facts
from torchseedlint.semantic.rng_api import transform_is_random
from torchseedlint.settings.config import config_from_mapping


def _codes(source: str, codes: List[str]) -> List[str]:
    found = lint_source(source, "train.py", config_from_mapping({"select": codes}))
    return [d.code for d in found]


# --- module aliases -------------------------------------------------------------------

ALIASED = [
    # (aliased source, the same written without the alias, code)
    (
        "import time\nimport numpy as np\nnpr = np.random\nnpr.seed(int(time.time()))\n",
        "import time\nimport numpy as np\nnp.random.seed(int(time.time()))\n",
        "TSL105",
    ),
    (
        "import numpy as np\nnpr = np.random\nx = npr.rand(3)\n",
        "import numpy as np\nx = np.random.rand(3)\n",
        "TSL103",
    ),
    ("import random\nrng = random\nrng.seed()\n", "import random\nrandom.seed()\n", "TSL106"),
    (
        "import torch\nimport torch.backends.cudnn\ncudnn = torch.backends.cudnn\n"
        "cudnn.benchmark = True\n",
        "import torch\ntorch.backends.cudnn.benchmark = True\n",
        "TSL301",
    ),
]


@pytest.mark.parametrize("aliased, plain, code", ALIASED)
def test_a_module_alias_is_the_module(aliased: str, plain: str, code: str) -> None:
    assert _codes(plain, [code]) == [code]
    assert _codes(aliased, [code]) == [code]


def test_an_aliased_draw_is_seeded_by_the_aliased_seeder() -> None:
    assert (
        _codes(
            "import numpy as np\nnpr = np.random\nnpr.seed(0)\nx = npr.rand(3)\n",
            ["TSL103", "TSL105"],
        )
        == []
    )


@pytest.mark.parametrize(
    "source",
    [
        # Assigned twice: the name is a variable, not an alias.
        "import time\nimport random\nrng = random\nrng = object()\nrng.seed(int(time.time()))\n",
        # Assigned in a function only.
        "import time\nimport random\n\ndef f():\n    rng = random.Random(0)\n"
        "    rng.seed(int(time.time()) % 7 * 0)\n",
        # An attribute of a project object, not of an imported module.
        "import time\nconfig = object()\nnpr = config.random\nnpr.seed(int(time.time()))\n",
    ],
)
def test_a_variable_is_not_an_alias(source: str) -> None:
    assert _codes(source, ["TSL105"]) == []


# --- seeding helpers --------------------------------------------------------------------

DRAW = "x = torch.rand(2)\n"

SEEDED_BY_A_HELPER = [
    # Fabric's seed_everything, on an object built from Fabric or on the class.
    "import torch\nimport lightning as L\nfabric = L.Fabric(accelerator='cpu')\n"
    "fabric.seed_everything(42)\n" + DRAW,
    "import torch\nfrom lightning.fabric import Fabric\n\nclass Runner:\n"
    "    def __init__(self):\n        self.fabric = Fabric()\n        self.fabric.seed_everything(1)\n"
    "        self.x = torch.rand(2)\n\nRunner()\n",
    "import torch\nimport lightning as L\nL.Fabric.seed_everything(3)\n" + DRAW,
    "import torch\n\ndef main(fabric):\n    fabric.seed_everything(7)\n    return torch.rand(2)\n\n"
    "main(None)\n",
    # LightningCLI seeds by default (a random seed, recorded in the saved config).
    "import torch\nfrom lightning.pytorch.cli import LightningCLI\ncli = LightningCLI(run=False)\n"
    + DRAW,
    "import torch\nfrom pytorch_lightning.cli import LightningCLI\n\nclass CLI(LightningCLI):\n"
    "    pass\n\ncli = CLI(seed_everything_default=1234)\n" + DRAW,
    # detectron2's default_setup seeds from cfg.SEED.
    "import torch\nfrom detectron2.engine import default_setup\ncfg = object()\n"
    "default_setup(cfg, None)\n" + DRAW,
    # fairseq's set_torch_seed seeds torch when called as a function.
    "import torch\nfrom fairseq import utils\nutils.set_torch_seed(1)\n" + DRAW,
]

NOT_SEEDED = [
    # seed_everything of something that is not a Fabric.
    "import torch\nfrom my_lib import Runner\nrunner = Runner()\nrunner.seed_everything(42)\n"
    + DRAW,
    # LightningCLI with seeding turned off.
    "import torch\nfrom lightning.pytorch.cli import LightningCLI\n"
    "cli = LightningCLI(seed_everything_default=False)\n" + DRAW,
    # detectron2's other engine helpers do not seed.
    "import torch\nfrom detectron2.engine import default_argument_parser\n"
    "args = default_argument_parser().parse_args()\n" + DRAW,
    # set_torch_seed as a context manager restores the state on exit.
    "import torch\nfrom fairseq import utils\nwith utils.set_torch_seed(1):\n    pass\n" + DRAW,
]


@pytest.mark.parametrize("source", SEEDED_BY_A_HELPER)
def test_a_seeding_helper_seeds_torch(source: str) -> None:
    assert _codes(source, ["TSL101"]) == []


@pytest.mark.parametrize("source", NOT_SEEDED)
def test_not_a_seeding_helper(source: str) -> None:
    assert _codes(source, ["TSL101"]) == ["TSL101"]


def test_set_torch_seed_seeds_torch_only() -> None:
    source = (
        "import random\nimport torch\nfrom fairseq import utils\nutils.set_torch_seed(1)\n"
        "x = torch.rand(2)\ny = random.random()\n"
    )
    assert _codes(source, ["TSL101", "TSL102"]) == ["TSL102"]


def test_a_scoped_seed_is_not_seeding_after_a_draw() -> None:
    scoped = (
        "import torch\nfrom fairseq import utils\nx = torch.rand(2)\n"
        "with utils.set_torch_seed(1):\n    y = torch.rand(2)\n"
    )
    assert _codes(scoped, ["TSL107"]) == []
    plain = scoped.replace("with utils.set_torch_seed(1):\n    y", "utils.set_torch_seed(1)\ny")
    assert _codes(plain, ["TSL107"]) == ["TSL107"]


@pytest.mark.parametrize(
    "call, randomizing",
    [
        ("set_determinism()", False),  # MONAI's default seed is fixed
        ("set_determinism(seed=None)", True),
        ("set_determinism(0)", False),
    ],
)
def test_monai_set_determinism_is_random_only_with_none(call: str, randomizing: bool) -> None:
    source = f"from monai.utils import set_determinism\n{call}\n"
    assert _codes(source, ["TSL106"]) == (["TSL106"] if randomizing else [])


# --- transforms whose arguments make them deterministic ---------------------------------

TRANSFORMS = [
    # (call as written after `import torchvision.transforms as T`, random?)
    ("T.GaussianBlur(5)", True),  # sigma drawn from (0.1, 2.0)
    ("T.GaussianBlur(5, sigma=(0.1, 2.0))", True),
    ("T.GaussianBlur(5, sigma=(18, 18))", False),
    ("T.GaussianBlur(5, (3, 3))", False),
    ("T.GaussianBlur(5, sigma=2.0)", False),  # a single number is the sigma itself
    ("T.GaussianBlur(5, sigma=cfg.sigma)", True),
    ("T.RandomHorizontalFlip()", True),
    ("T.RandomHorizontalFlip(p=0)", False),
    ("T.RandomHorizontalFlip(0.0)", False),
    ("T.RandomHorizontalFlip(p=1.0)", False),  # always flips
    ("T.RandomHorizontalFlip(p=0.5)", True),
    ("T.RandomVerticalFlip(p=args.flip)", True),
    ("T.RandomGrayscale(p=0)", False),
    ("T.RandomSolarize(128, 0)", False),
    ("T.RandomSolarize(0)", True),  # the threshold, not p
    ("T.RandomErasing(p=0)", False),
    ("T.RandomErasing(p=1.0)", True),  # the erased box is still random
    ("T.RandomPerspective(0.5, 0)", False),
    ("T.RandomApply([T.ColorJitter(0.4)], p=0.0)", False),
    ("T.ColorJitter()", False),
    ("T.ColorJitter(0, 0, 0, 0)", False),
    ("T.ColorJitter(brightness=0.4)", True),
    ("T.ColorJitter(hue=(0.1, 0.1))", False),  # one fixed adjustment
    ("T.ColorJitter(brightness=(1.2, 1.2), contrast=(0.8, 0.8))", True),  # random order
    ("T.ColorJitter(brightness=(1, 1), contrast=(1, 1))", False),  # both change nothing
    ("T.ColorJitter(0.4, 0.4, 0.4, 0.1)", True),
    ("T.RandomRotation(0)", False),
    ("T.RandomRotation((30, 30))", False),
    ("T.RandomRotation(10)", True),
    ("T.RandomAffine(0)", False),
    ("T.RandomAffine(0, translate=(0.1, 0.1))", True),
    ("T.RandomAffine(degrees=0, scale=None)", False),
    ("T.RandomResizedCrop(224)", True),
    ("T.RandomResizedCrop(224, scale=(1.0, 1.0), ratio=(1.0, 1.0))", True),
    ("T.RandomCrop(32, padding=4)", True),
    ("T.ElasticTransform(alpha=0.0)", False),
    ("T.ElasticTransform()", True),
    ("T.AutoAugment()", True),
    ("T.Resize(256)", False),  # not a random augmentation at all
    ("T.CenterCrop(224)", False),
    ("v2.RandomHorizontalFlip(p=0)", False),
    ("v2.ColorJitter()", False),  # v2's defaults are None
    ("v2.GaussianBlur(3, sigma=1.5)", False),
    ("K.RandomHorizontalFlip(p=0.0)", False),
    ("K.ColorJitter(0.1, 0.1, 0.1, 0.1, p=1.0)", True),
]


@pytest.mark.parametrize("text, random", TRANSFORMS)
def test_transform_is_random(text: str, random: bool) -> None:
    source = (
        "import torchvision.transforms as T\nfrom torchvision.transforms import v2\n"
        f"import kornia.augmentation as K\nt = {text}\n"
    )
    facts = collect_facts(cst.parse_module(source), "train.py")
    call = next(c for c in facts.calls if c.assigned_to == "t")
    assert transform_is_random(call.qualname or "", call.args, call.kwargs) is random
