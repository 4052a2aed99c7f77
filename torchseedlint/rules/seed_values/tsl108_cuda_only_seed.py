"""TSL108 cuda-only-seed."""

from __future__ import annotations

from typing import Iterator, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.edits.apply import insertion
from torchseedlint.edits.source_text import SourceText
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.seed_values._shared import _label
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call


def _torch_name(ctx: Context, call: Call) -> Optional[str]:
    """How ``call`` names ``torch`` (``torch.cuda.x``), else how the module does, if at all."""
    raw = call.raw or ""
    head = raw.split(".cuda.")[0] if ".cuda." in raw else None
    if head and ctx.facts.resolve(head) == "torch":
        return head
    return ctx.facts.name_of_module("torch")


class CudaOnlySeed(Rule):
    """
    ## What it does
    Flags `torch.cuda.manual_seed(...)` / `torch.cuda.manual_seed_all(...)`
    when torch's CPU generator is not seeded: no `torch.manual_seed` (or
    seeding helper) in the same function, and none anywhere the module runs.

    ## Why is this bad?
    The CUDA seeders seed only the GPU generators. Weight initialisation,
    `random_split`, samplers and the DataLoader's worker base seed draw from
    the CPU generator, which stays seeded from OS entropy: two runs differ.
    On a machine without a GPU the call does nothing at all.

    ## Example
    ```python
    import torch
    torch.cuda.manual_seed_all(0)
    model = torch.nn.Linear(4, 2)
    ```

    Use instead:
    ```python
    import torch
    torch.manual_seed(0)  # seeds the CPU and every CUDA device
    model = torch.nn.Linear(4, 2)
    ```

    ## Fix safety
    Safe: the fix inserts `torch.manual_seed(<same argument>)` on the line
    before, which pins values that were random. It is offered when the CUDA
    call is a statement on its own line and its argument calls nothing (it is
    evaluated twice).

    ## Known limitations
    A `torch.manual_seed` in another function that runs first is not seen
    unless the module reaches it from module level. The runnable proof shows
    the CPU generator left unseeded on a CPU-only machine; that the CUDA
    generators themselves do get seeded could not be shown on CPU.
    """

    code = "TSL108"
    name = "cuda-only-seed"
    fix_hint = "call `torch.manual_seed`, which seeds the CPU generator and every device"
    fix_safety = Applicability.SAFE
    triggers = K.leaves(K.CUDA_ONLY_SEEDERS)
    VALID = [
        """
        import torch
        torch.manual_seed(0)
        torch.cuda.manual_seed_all(0)
        """,
        """
        import torch

        def set_seed(s):
            torch.cuda.manual_seed(s)
            torch.manual_seed(s)
        """,
        """
        import torch
        from lightning import seed_everything
        seed_everything(0)
        torch.cuda.manual_seed(0)
        """,
    ]
    INVALID = [
        Example(
            """
            import torch
            torch.cuda.manual_seed_all(0)
            x = torch.rand(2)
            """,
            fixed="""
            import torch
            torch.manual_seed(0)
            torch.cuda.manual_seed_all(0)
            x = torch.rand(2)
            """,
        ),
        """
        import random
        import numpy as np
        import torch

        def set_seed(s):
            random.seed(s)
            np.random.seed(s)
            torch.cuda.manual_seed_all(s)
        """,
        """
        from torch import cuda
        cuda.manual_seed(1)
        """,
        """
        import torch as T

        if __name__ == '__main__':
            T.cuda.manual_seed(7)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if ctx.analysis.seeded(K.TORCH):
            return
        seeding_scopes = {c.scope for c in ctx.facts.calls if K.TORCH in ctx.analysis.call_seeds(c)}
        src = SourceText(ctx.source)
        for call in ctx.facts.calls:
            if call.qualname in K.CUDA_ONLY_SEEDERS and call.scope not in seeding_scopes:
                yield self.at_call(
                    ctx,
                    call,
                    f"{_label(call)} seeds only the CUDA generators; the CPU generator stays "
                    f"unseeded",
                    self._fix(ctx, src, call),
                )

    @staticmethod
    def _fix(ctx: Context, src: SourceText, call: Call) -> Optional[Fix]:
        seed = first_arg(call)
        torch_name = _torch_name(ctx, call)
        if seed is None or seed.calls or torch_name is None or not src.standalone_call(call):
            return None
        if seed.start is None or seed.end is None:
            return None
        argument = src.span(seed.start, seed.end)
        if "\n" in argument:
            return None
        row = call.start.row
        content = f"{src.indentation(row)}{torch_name}.manual_seed({argument})\n"
        return Fix(
            Applicability.SAFE,
            f"Add `{torch_name}.manual_seed({argument})`",
            (insertion(row, 1, content),),
        )
