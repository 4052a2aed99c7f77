"""TSL303 deterministic-warn-only."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.rules.base import Rule
from torchseedlint.rules.cuda._shared import _DETERMINISM, _flags_of_call
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg, is_true
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call


class DeterministicWarnOnly(Rule):
    """
    ## What it does
    Flags deterministic mode in its warn-only form:
    `torch.use_deterministic_algorithms(True, warn_only=True)`,
    `torch.set_deterministic_debug_mode("warn")` (or `1`) and Lightning
    `Trainer(deterministic="warn")`.

    ## Why is this bad?
    In warn-only mode an op without a deterministic implementation only warns
    and then runs its nondeterministic kernel (shown on CPU with `put_`), and
    per PyTorch's notes the fused scaled-dot-product-attention backends stay
    nondeterministic. The run looks "deterministic" but is not. Use it to find
    the offending ops, then switch to the raising mode.
    No GPU was available when this rule was written: the CUDA part of the claim
    comes from PyTorch's documentation and could not be shown on CPU.

    ## Example
    ```python
    import torch
    torch.use_deterministic_algorithms(True, warn_only=True)
    ```

    Use instead:
    ```python
    import torch
    torch.use_deterministic_algorithms(True)
    ```

    ## Known limitations
    Off by default: warn-only mode is a legitimate step while porting code.
    Only literal arguments are recognised.
    """

    code = "TSL303"
    name = "deterministic-warn-only"
    default_enabled = False
    severity = "warning"
    triggers = _DETERMINISM
    VALID = [
        """
        import torch
        torch.use_deterministic_algorithms(True)
        """,
        """
        import torch
        torch.use_deterministic_algorithms(True, warn_only=False)
        """,
        """
        import torch as T
        T.set_deterministic_debug_mode('error')
        """,
        """
        from lightning import Trainer
        Trainer(deterministic=True)
        """,
    ]
    INVALID = [
        """
        import torch
        torch.use_deterministic_algorithms(True, warn_only=True)
        """,
        """
        import torch as T
        T.set_deterministic_debug_mode('warn')
        """,
        """
        from torch import set_deterministic_debug_mode
        set_deterministic_debug_mode(1)
        """,
        """
        import pytorch_lightning as pl
        trainer = pl.Trainer(deterministic='warn')
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.facts.calls:
            if self._warn_only(call):
                yield self.at_call(
                    ctx,
                    call,
                    f"`{call.raw}(...)` enables deterministic mode in warn-only form: ops "
                    "without a deterministic kernel only warn and still run "
                    "nondeterministically; use the raising mode once the warnings are gone",
                )

    @staticmethod
    def _warn_only(call: Call) -> bool:
        if call.qualname == "torch.use_deterministic_algorithms":
            return is_true(first_arg(call, "mode")) and is_true(call.kwargs.get("warn_only"))
        if call.qualname == "torch.set_deterministic_debug_mode":
            mode = first_arg(call, "debug_mode")
            return mode is not None and mode.kind == "literal" and mode.value in ("warn", 1)
        return K.is_lightning_trainer(call.qualname) and any(
            flag.value.value == "warn" for flag in _flags_of_call(call, "deterministic")
        )
