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
        """
        import torch
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 2)
        """,
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
        """,
        """
        import torch
        from lightning import seed_everything
        seed_everything(42)
        x = torch.randn(3)
        """,
        """
        import torch
        from transformers import set_seed
        set_seed(1)
        x = torch.rand(2)
        """,
        """
        import torch as T

        def set_all(s):
            T.manual_seed(s)

        def setup():
            set_all(3)

        if __name__ == '__main__':
            setup()
            T.randn(2)
        """,
        """
        import torch
        from myproject.utils import init_seeds
        init_seeds(0)
        net = torch.nn.Conv2d(1, 1, 3)
        """,
        Example(
            """
            import torch
            from helpers import setup
            setup()
            x = torch.rand(1)
            """,
            {"seed-functions": ["helpers.setup"]},
        ),
    ]
    INVALID = [
        Example(
            """
            import torch
            model = torch.nn.Linear(4, 2)
            """,
            fixed="""
            import torch

            SEED = 0
            torch.manual_seed(SEED)

            model = torch.nn.Linear(4, 2)
            """,
        ),
        """
        import torch as T

        if __name__ == '__main__':
            x = T.randn(3)
        """,
        """
        import torch
        import random
        random.seed(0)
        net = torch.nn.Conv2d(1, 1, 3)
        """,
        """
        import torch
        torch.cuda.manual_seed_all(0)
        x = torch.rand(2)
        """,
        # Neither an attribute named like the helper nor an unused class's method runs it.
        """
        import torch

        def seed_all():
            torch.manual_seed(0)

        cfg.seed_all = 1
        x = torch.randn(2)
        """,
        """
        import torch

        class Unused:
            def seed_all(self):
                torch.manual_seed(0)

        x = torch.randn(2)
        """,
        Example(
            """
            import torch.nn as nn
            layer = None

            def build():
                return nn.Linear(1, 1)
            """,
            {"entry-points": ["train.py"]},
        ),
    ]

    def consumers(self, ctx: Context) -> List[Call]:
        return ctx.analysis.torch_consumers()
