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
        """
        import random
        random.seed(0)
        x = random.random()
        """,
        """
        import random as rnd
        import pytorch_lightning as pl
        pl.seed_everything(1)
        rnd.shuffle([1, 2])
        """,
        """
        import random

        def augment(x):
            return x + random.random()
        """,
    ]
    INVALID = [
        Example(
            """
            import random
            x = random.random()
            """,
            fixed="""
            import random

            SEED = 0
            random.seed(SEED)

            x = random.random()
            """,
        ),
        """
        import random as rnd

        if __name__ == '__main__':
            rnd.shuffle([1, 2, 3])
        """,
        """
        from random import choice
        import torch
        torch.manual_seed(0)
        print(choice([1, 2]))
        """,
        # A worker_init_fn seeds the workers, not the main process that draws here.
        """
        import random, torch
        from torch.utils.data import DataLoader

        def seed_worker(i):
            random.seed(torch.initial_seed() % 2**32)

        torch.manual_seed(0)
        x = random.random()
        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
        """,
    ]

    def consumers(self, ctx: Context) -> List[Call]:
        return ctx.analysis.pyrandom_consumers()
