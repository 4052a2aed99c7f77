"""TSL102 missing-random-seed."""

from __future__ import annotations

from typing import List

from torchseedlint.rules.base import Example
from torchseedlint.rules.seeding._shared import _ENTRY_POINT_WORDS, _MissingSeed
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call


class MissingRandomSeed(_MissingSeed):
    """
    ## What it does
    Flags an entry point that draws from Python's `random` module
    (`random.random`, `randint`, `choice`, `shuffle`, torchvision v1
    `RandomOrder`/`RandomChoice`, ...) but never calls `random.seed`.

    ## Why is this bad?
    `torch.manual_seed` does not seed Python's `random`. Augmentations and data
    sampling written with `random` differ on every run; with `num_workers=0`
    nothing else seeds it either.

    ## Example
    ```python
    import random
    angle = random.uniform(-10, 10)
    ```

    Use instead:
    ```python
    import random
    SEED = 0
    random.seed(SEED)
    angle = random.uniform(-10, 10)
    ```

    ## Fix safety
    Safe: the fix adds `random.seed(SEED)` to the seeding block.
    """

    code = "TSL102"
    name = "missing-random-seed"
    triggers = _ENTRY_POINT_WORDS
    rng = K.PYRANDOM
    seeder = "random.seed"
    VALID = [
        "import random\nrandom.seed(0)\nx = random.random()\n",
        "import random as rnd\nimport pytorch_lightning as pl\npl.seed_everything(1)\n"
        "rnd.shuffle([1, 2])\n",
        "import random\n\ndef augment(x):\n    return x + random.random()\n",
    ]
    INVALID = [
        Example(
            "import random\nx = random.random()\n",
            fixed="""\
import random

SEED = 0
random.seed(SEED)

x = random.random()
""",
        ),
        "import random as rnd\n\nif __name__ == '__main__':\n    rnd.shuffle([1, 2, 3])\n",
        "from random import choice\nimport torch\ntorch.manual_seed(0)\nprint(choice([1, 2]))\n",
        # A worker_init_fn seeds the workers, not the main process that draws here.
        "import random, torch\nfrom torch.utils.data import DataLoader\n\ndef seed_worker(i):\n"
        "    random.seed(torch.initial_seed() % 2**32)\n\ntorch.manual_seed(0)\n"
        "x = random.random()\nloader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
    ]

    def consumers(self, ctx: Context) -> List[Call]:
        return ctx.analysis.pyrandom_consumers()
