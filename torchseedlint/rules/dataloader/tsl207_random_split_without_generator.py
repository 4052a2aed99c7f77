"""TSL207 random-split-without-generator."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.edits.seeding_block import generator_fix
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.dataloader._shared import _unseeded_draws
from torchseedlint.rules.worker_draws import kwarg_or_arg
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context

# Where each call takes ``generator`` positionally (0-based).
_GENERATOR_POSITION = {"random_split": 2, "SubsetRandomSampler": 1, "WeightedRandomSampler": 3}


class RandomSplitWithoutGenerator(Rule):
    """
    ## What it does
    Flags `random_split(...)`, `SubsetRandomSampler(...)` and
    `WeightedRandomSampler(...)` without `generator=`.

    ## Why is this bad?
    They draw from the global torch generator directly. The split (which
    samples end up in the validation set) or the sampling order then depends on
    everything that drew from the global RNG before: a new layer changes the
    validation set, and comparing two models' metrics becomes meaningless.

    ## Example
    ```python
    import torch
    from torch.utils.data import random_split

    torch.manual_seed(SEED)
    train, val = random_split(dataset, [0.9, 0.1])
    ```

    Use instead:
    ```python
    import torch
    from torch.utils.data import random_split

    torch.manual_seed(SEED)
    train, val = random_split(dataset, [0.9, 0.1],
                              generator=torch.Generator().manual_seed(SEED))
    ```

    ## Fix safety
    Unsafe: the fix picks a seed (the module's `SEED` if it defines one, else
    `0`), which changes the split. It is offered only when the module imports
    `torch`.

    ## Known limitations
    A `generator` passed through `**kwargs` is not seen. Off by default: a seeded
    global RNG is reproducible as long as the program does not change. A
    `random_split` in an entry point that never seeds torch is not reported: the
    split then changes every run, which is TSL101's finding.
    """

    code = "TSL207"
    name = "random-split-without-generator"
    default_enabled = False
    severity = "warning"
    fix_safety = Applicability.UNSAFE
    triggers = frozenset(_GENERATOR_POSITION)
    VALID = [
        """
        import torch
        from torch.utils.data import random_split
        a, b = random_split(ds, [8, 2], generator=torch.Generator().manual_seed(0))
        """,
        """
        import torch
        from torch.utils.data import random_split
        a, b = random_split(ds, [8, 2], torch.Generator().manual_seed(0))
        """,
        """
        from torch.utils.data import SequentialSampler
        sampler = SequentialSampler(ds)
        """,
        """
        from sklearn.model_selection import train_test_split
        a, b = train_test_split(x)
        """,
        # An entry point that never seeds torch: TSL101's finding.
        """
        import torch
        from torch.utils.data import random_split
        a, b = random_split(ds, [8, 2])
        """,
    ]
    INVALID = [
        """
        from torch.utils.data import random_split

        def split(ds):
            return random_split(ds, [0.9, 0.1])
        """,
        Example(
            """
            import torch
            from torch.utils.data import random_split
            torch.manual_seed(0)
            a, b = random_split(ds, [8, 2])
            """,
            fixed="""
            import torch
            from torch.utils.data import random_split
            torch.manual_seed(0)
            a, b = random_split(ds, [8, 2], generator=torch.Generator().manual_seed(0))
            """,
        ),
        """
        import torch.utils.data as tud
        sampler = tud.SubsetRandomSampler(indices)
        """,
        """
        from torch.utils.data.sampler import WeightedRandomSampler
        sampler = WeightedRandomSampler(weights, num_samples=10)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        unseeded = _unseeded_draws(ctx)
        for call in ctx.facts.calls:
            position = _GENERATOR_POSITION.get(K.data_name(call.qualname) or "")
            if position is None or kwarg_or_arg(call, "generator", position) is not None:
                continue
            if call.index in unseeded:
                continue
            yield self.at_call(
                ctx,
                call,
                f"`{call.raw}(...)` draws from the global torch RNG, so its result depends "
                "on every earlier draw; pass `generator=torch.Generator().manual_seed(SEED)`",
                generator_fix(ctx, call),
            )
