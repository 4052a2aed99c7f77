"""TSL206 distributed-sampler-without-set-epoch."""

from __future__ import annotations

from typing import Iterator, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.edits.apply import insertion
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.dataloader._shared import _line_ending
from torchseedlint.rules.worker_draws import kwarg_or_arg, literal_is
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr, Loop


def _is_range_loop(loop: Loop) -> bool:
    return (
        loop.iter is not None
        and loop.iter.kind == "call"
        and loop.iter.text.startswith("range(")
        and loop.target.isidentifier()
    )


class DistributedSamplerWithoutSetEpoch(Rule):
    """
    ## What it does
    Flags a shuffling `DistributedSampler` bound to a name and used for loading
    (passed as a `DataLoader`'s `sampler=`, or iterated in a loop) when the
    module never calls `.set_epoch(...)` on it (or on a loader or sampler that
    could be it).

    ## Why is this bad?
    `DistributedSampler` shuffles with its own generator seeded from
    `seed + epoch`, ignoring the global seed. Without `sampler.set_epoch(epoch)`
    the epoch stays 0: every epoch visits the data in exactly the same order.

    ## Example
    ```python
    from torch.utils.data import DataLoader, DistributedSampler

    sampler = DistributedSampler(dataset)
    loader = DataLoader(dataset, sampler=sampler)
    for epoch in range(10):
        for batch in loader:
            ...
    ```

    Use instead:
    ```python
    from torch.utils.data import DataLoader, DistributedSampler

    sampler = DistributedSampler(dataset)
    loader = DataLoader(dataset, sampler=sampler)
    for epoch in range(10):
        sampler.set_epoch(epoch)
        for batch in loader:
            ...
    ```

    ## Fix safety
    Safe, and offered only when the epoch loop is evident: a
    `for <name> in range(...)` loop, in the sampler's scope, enclosing a loop over
    the loader that uses the sampler. `sampler.set_epoch(<name>)` becomes the
    loop's first statement. Otherwise there is no fix.

    ## Known limitations
    Any `.set_epoch(...)` call in the module whose receiver is not another
    sampler counts (`loader.sampler.set_epoch(epoch)`, accelerate's
    `loader.set_epoch`); a call in another module is not seen. Samplers stored on
    attributes or passed inline are not checked, nor modules using Lightning,
    which calls `set_epoch` itself.
    """

    code = "TSL206"
    name = "distributed-sampler-without-set-epoch"
    fix_safety = Applicability.SAFE
    triggers = frozenset({"DistributedSampler"})
    VALID = [
        """
        from torch.utils.data.distributed import DistributedSampler
        sampler = DistributedSampler(ds)
        for epoch in range(3):
            sampler.set_epoch(epoch)
            for batch in loader:
                pass
        """,
        """
        from torch.utils.data.distributed import DistributedSampler
        sampler = DistributedSampler(ds, shuffle=False)
        """,
        """
        import torch
        sampler = torch.utils.data.DistributedSampler(ds)
        loader = torch.utils.data.DataLoader(ds, sampler=sampler)
        for epoch in range(3):
            loader.sampler.set_epoch(epoch)
        """,
        """
        from torch.utils.data.distributed import DistributedSampler
        sampler = DistributedSampler(ds, 2, 0, False)
        """,
        """
        import lightning as L
        from torch.utils.data.distributed import DistributedSampler
        sampler = DistributedSampler(ds)
        loader = L.LightningDataModule(sampler=sampler)
        """,
        """
        from torch.utils.data.distributed import DistributedSampler
        sampler = DistributedSampler(ds, drop_last=True)
        assert sampler.num_samples == 4
        """,
    ]
    INVALID = [
        Example(
            """
            import torch.utils.data as tud
            from torch.utils.data.distributed import DistributedSampler
            sampler = DistributedSampler(ds, num_replicas=2, rank=0)
            loader = tud.DataLoader(ds, sampler=sampler)
            for epoch in range(3):
                for batch in loader:
                    pass
            """,
            fixed="""
            import torch.utils.data as tud
            from torch.utils.data.distributed import DistributedSampler
            sampler = DistributedSampler(ds, num_replicas=2, rank=0)
            loader = tud.DataLoader(ds, sampler=sampler)
            for epoch in range(3):
                sampler.set_epoch(epoch)
                for batch in loader:
                    pass
            """,
        ),
        """
        import torch

        def train(ds):
            s = torch.utils.data.distributed.DistributedSampler(ds, shuffle=True)
            return torch.utils.data.DataLoader(ds, sampler=s)
        """,
        """
        from torch.utils.data import DataLoader, DistributedSampler
        a = DistributedSampler(ds)
        b = DistributedSampler(ds)
        loader = DataLoader(ds, sampler=a)
        for e in range(2):
            b.set_epoch(e)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if any(
            target.split(".")[0] in ("lightning", "pytorch_lightning")
            for target in ctx.facts.aliases.values()
        ):
            return
        samplers = {
            call.assigned_to: call
            for call in ctx.facts.calls
            if K.data_name(call.qualname) == "DistributedSampler"
            and call.assigned_to is not None
            and "." not in call.assigned_to
            and self._shuffles(call)
        }
        others = {
            call.assigned_to
            for call in ctx.facts.calls
            if K.data_name(call.qualname) == "DistributedSampler"
        }
        receivers = {call.receiver for call in ctx.facts.calls if call.method == "set_epoch"}
        used = {
            loader.kwargs["sampler"].text
            for loader in ctx.analysis.dataloaders()
            if "sampler" in loader.kwargs
        }
        used |= {
            name for loop in ctx.facts.loops if loop.iter is not None for name in loop.iter.names
        }
        for name, call in samplers.items():
            if name not in used or name in receivers or any(r not in others for r in receivers):
                continue
            yield self.at_call(
                ctx,
                call,
                f"`{name}` is a shuffling DistributedSampler, but `{name}.set_epoch(...)` is "
                "never called, so every epoch has the same order; call "
                f"`{name}.set_epoch(epoch)` at the start of each epoch",
                self._fix(ctx, name, call),
            )

    @staticmethod
    def _shuffles(call: Call) -> bool:
        shuffle = kwarg_or_arg(call, "shuffle", 3)
        return shuffle is None or literal_is(shuffle, True)

    @staticmethod
    def _fix(ctx: Context, name: str, sampler: Call) -> Optional[Fix]:
        loaders = {
            loader.assigned_to
            for loader in ctx.analysis.dataloaders()
            if loader.assigned_to and (loader.kwargs.get("sampler") or Expr("", "")).text == name
        }
        for loop in ctx.facts.loops:
            if loop.iter is None or not loaders & set(loop.iter.names):
                continue
            for parent_id in reversed(loop.parents):
                epoch_loop = ctx.facts.loops[parent_id]
                if not _is_range_loop(epoch_loop) or epoch_loop.body_start is None:
                    continue
                if sampler.scope not in ("", epoch_loop.scope):
                    return None
                start = epoch_loop.body_start
                indent = ctx.lines[start.row - 1][: start.column - 1]
                content = (
                    f"{indent}{name}.set_epoch({epoch_loop.target}){_line_ending(ctx, start.row)}"
                )
                return Fix(
                    Applicability.SAFE,
                    f"Call `{name}.set_epoch({epoch_loop.target})` in the epoch loop",
                    (insertion(start.row, 1, content),),
                )
        return None
