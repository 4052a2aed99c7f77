"""TSL202 dataloader-without-generator."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.edits.seeding_block import generator_fix
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.dataloader._shared import _LOADER, _unseeded_draws
from torchseedlint.rules.worker_draws import kwarg_or_arg, literal_is
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context


class DataLoaderWithoutGenerator(Rule):
    """
    ## What it does
    Flags `DataLoader(shuffle=True)` and `RandomSampler(...)` without `generator=`.

    ## Why is this bad?
    Without its own generator, the shuffling order is drawn from the global
    torch RNG, so it depends on every earlier draw: adding a layer, a dropout or
    a random augmentation in the main process changes the data order even with
    the same seed. A dedicated `generator=` isolates the order (and the workers'
    base seed) from the rest of the program.

    ## Example
    ```python
    import torch
    from torch.utils.data import DataLoader

    torch.manual_seed(SEED)
    loader = DataLoader(dataset, batch_size=32, shuffle=True)
    ```

    Use instead:
    ```python
    import torch
    from torch.utils.data import DataLoader

    torch.manual_seed(SEED)
    loader = DataLoader(dataset, batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(SEED))
    ```

    ## Fix safety
    Unsafe: the fix picks a seed (the module's `SEED` if it defines one, else
    `0`), which changes the data order. It is offered only when the module
    imports `torch`.

    ## Known limitations
    A `generator` passed through `**kwargs` or positionally to `DataLoader` is
    not seen. Off by default: a seeded global RNG is reproducible as long as the
    program does not change. Not reported in an entry point that never seeds
    torch: the order then changes every run, which is TSL101's finding (one
    finding per root cause).
    """

    code = "TSL202"
    name = "dataloader-without-generator"
    default_enabled = False
    severity = "warning"
    fix_safety = Applicability.UNSAFE
    triggers = _LOADER | {"RandomSampler"}
    VALID = [
        """
        import torch
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, shuffle=True, generator=torch.Generator().manual_seed(0))
        """,
        """
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, shuffle=False)
        """,
        """
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, batch_size=4)
        """,
        """
        import torch
        from torch.utils.data import RandomSampler
        sampler = RandomSampler(ds, False, None, torch.Generator())
        """,
        # An entry point that never seeds torch: TSL101's finding.
        """
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, shuffle=True)
        """,
    ]
    INVALID = [
        Example(
            """
            import torch
            from torch.utils.data import DataLoader
            torch.manual_seed(0)
            loader = DataLoader(ds, shuffle=True)
            """,
            fixed="""
            import torch
            from torch.utils.data import DataLoader
            torch.manual_seed(0)
            loader = DataLoader(ds, shuffle=True, generator=torch.Generator().manual_seed(0))
            """,
        ),
        """
        import torch
        import torch.utils.data as tud
        torch.manual_seed(0)
        loader = tud.DataLoader(ds, batch_size=8, shuffle=args.shuffle)
        """,
        """
        import torch
        torch.manual_seed(0)
        sampler = torch.utils.data.RandomSampler(ds, replacement=True)
        """,
        # A library function: its caller seeds, the order still depends on earlier draws.
        """
        from torch.utils.data import DataLoader

        def make(ds):
            return DataLoader(ds, shuffle=True)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        unseeded = _unseeded_draws(ctx)
        for call in ctx.facts.calls:
            if call.index in unseeded:
                continue
            kind = K.data_name(call.qualname)
            if kind == "DataLoader":
                shuffle = call.kwargs.get("shuffle")
                flagged = (
                    shuffle is not None
                    and shuffle.kind != "none"
                    and not literal_is(shuffle, False)
                )
            else:
                flagged = kind == "RandomSampler" and kwarg_or_arg(call, "generator", 3) is None
            if flagged and "generator" not in call.kwargs:
                yield self.at_call(
                    ctx,
                    call,
                    f"`{call.call_text()}` shuffles with the global torch RNG, so the order "
                    "depends on every earlier draw; pass "
                    "`generator=torch.Generator().manual_seed(SEED)`",
                    generator_fix(ctx, call),
                )
