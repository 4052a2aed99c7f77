"""TSL101 missing-torch-seed."""

from __future__ import annotations

from typing import List

from torchseedlint.rules.base import Example
from torchseedlint.rules.seeding._shared import _ENTRY_POINT_WORDS, _MissingSeed
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call


class MissingTorchSeed(_MissingSeed):
    """
    ## What it does
    Flags an entry point that uses the torch RNG (weight init, `torch.rand*`,
    dropout, `DataLoader(shuffle=True)`, training) but never calls
    `torch.manual_seed` or a helper that does.

    ## Why is this bad?
    torch's global generator is seeded from OS entropy at process start: the
    initial weights, the shuffling order and the workers' seeds differ on every
    run, so two runs of the same script print different losses.

    ## Example
    ```python
    import torch
    model = torch.nn.Linear(4, 2)
    ```

    Use instead:
    ```python
    import torch
    SEED = 0
    torch.manual_seed(SEED)
    model = torch.nn.Linear(4, 2)
    ```

    ## Fix safety
    The fix seeds from the program's own seed where it is available (right after
    `parse_args()`, next to an existing seeding call, inside the entry function),
    never at import time of an importable module; `seed + rank` where the code
    runs per rank. It is safe: it only pins values that were random. A seed option
    that defaults to `None` gets `default=0` only with `--unsafe-fixes`.

    ## Known limitations
    Only entry points are checked (`--show-roles` says which modules are): a
    library module's caller seeds, and tests are not training runs. Only real
    draws count (`backward()` or `optimizer.step()` draw nothing), followed
    function by function through the project's modules. A seed derived from
    entropy or `None` counts as seeding here; TSL105/TSL106 report those instead.
    """

    code = "TSL101"
    name = "missing-torch-seed"
    triggers = _ENTRY_POINT_WORDS
    rng = K.TORCH
    seeder = "torch.manual_seed"
    VALID = [
        "import torch\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(4, 2)\n",
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n",
        "import torch\nfrom lightning import seed_everything\nseed_everything(42)\n"
        "x = torch.randn(3)\n",
        "import torch\nfrom transformers import set_seed\nset_seed(1)\nx = torch.rand(2)\n",
        "import torch as T\n\ndef set_all(s):\n    T.manual_seed(s)\n\ndef setup():\n"
        "    set_all(3)\n\nif __name__ == '__main__':\n    setup()\n    T.randn(2)\n",
        "import torch\nfrom myproject.utils import init_seeds\ninit_seeds(0)\n"
        "net = torch.nn.Conv2d(1, 1, 3)\n",
        Example(
            "import torch\nfrom helpers import setup\nsetup()\nx = torch.rand(1)\n",
            {"seed-functions": ["helpers.setup"]},
        ),
    ]
    INVALID = [
        Example(
            "import torch\nmodel = torch.nn.Linear(4, 2)\n",
            fixed="""\
import torch

SEED = 0
torch.manual_seed(SEED)

model = torch.nn.Linear(4, 2)
""",
        ),
        "import torch as T\n\nif __name__ == '__main__':\n    x = T.randn(3)\n",
        "import torch\nimport random\nrandom.seed(0)\nnet = torch.nn.Conv2d(1, 1, 3)\n",
        "import torch\ntorch.cuda.manual_seed_all(0)\nx = torch.rand(2)\n",
        # Neither an attribute named like the helper nor an unused class's method runs it.
        "import torch\n\ndef seed_all():\n    torch.manual_seed(0)\n\ncfg.seed_all = 1\n"
        "x = torch.randn(2)\n",
        "import torch\n\nclass Unused:\n    def seed_all(self):\n        torch.manual_seed(0)\n\n"
        "x = torch.randn(2)\n",
        Example(
            "import torch.nn as nn\nlayer = None\n\ndef build():\n    return nn.Linear(1, 1)\n",
            {"entry-points": ["train.py"]},
        ),
    ]

    def consumers(self, ctx: Context) -> List[Call]:
        return ctx.analysis.torch_consumers()
