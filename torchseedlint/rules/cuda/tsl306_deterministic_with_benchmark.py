"""TSL306 deterministic-with-benchmark."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.cuda._shared import (
    _BENCHMARK,
    _benchmark_off_fix,
    _benchmark_on,
    _deterministic_flags,
)
from torchseedlint.semantic.context import Context


class DeterministicWithBenchmark(Rule):
    """
    ## What it does
    Flags `torch.backends.cudnn.benchmark = True` (or `cudnn.flags(benchmark=True)`,
    Lightning `Trainer(benchmark=True)`) in a module that also sets
    `torch.backends.cudnn.deterministic = True` (or `deterministic=True` in
    those calls).

    ## Why is this bad?
    With both flags on, cuDNN still benchmarks: in PyTorch's cuDNN v7 path
    (`aten/src/ATen/native/cudnn/Conv_v7.cpp`) the default algorithm is used
    only when `deterministic && !benchmark`; otherwise it returns "the best
    deterministic algo" by timing. Each kernel is deterministic, but which one
    is chosen can change between runs, so results still differ. Lightning warns
    about the same combination.
    No GPU was available when this rule was written: the claim comes from
    PyTorch's source and could not be shown on CPU.

    ## Example
    ```python
    import torch
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = True
    ```

    Use instead:
    ```python
    import torch
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    ```

    ## Fix safety
    Unsafe: the fix sets `benchmark` to `False`, which can make convolutions
    slower.

    ## Known limitations
    The two flags are matched anywhere in the module, not along one code path.
    Only literal values are recognised.
    """

    code = "TSL306"
    name = "deterministic-with-benchmark"
    fix_safety = Applicability.UNSAFE
    triggers = _BENCHMARK
    VALID = [
        """
        import torch
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        """,
        """
        import torch.backends.cudnn as cudnn
        cudnn.deterministic = False
        cudnn.benchmark = True
        """,
        """
        from lightning import Trainer
        Trainer(deterministic=True)
        """,
        """
        from torch.backends import cudnn
        with cudnn.flags(deterministic=True, benchmark=False):
            pass
        """,
    ]
    INVALID = [
        Example(
            """
            import torch
            torch.backends.cudnn.deterministic = True
            torch.backends.cudnn.benchmark = True
            """,
            fixed="""
            import torch
            torch.backends.cudnn.deterministic = True
            torch.backends.cudnn.benchmark = False
            """,
        ),
        """
        import torch.backends.cudnn as cudnn
        cudnn.benchmark = True
        cudnn.deterministic = True
        """,
        """
        from torch.backends import cudnn
        with cudnn.flags(enabled=True, deterministic=True, benchmark=True):
            pass
        """,
        """
        import torch as T
        T.backends.cudnn.deterministic = True
        T.backends.cudnn.benchmark = True
        """,
        """
        import lightning.pytorch as pl
        trainer = pl.Trainer(deterministic=True, benchmark=True)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        deterministic = _deterministic_flags(ctx.facts)
        if not deterministic:
            return
        for flag in _benchmark_on(ctx.facts):
            yield self.diagnostic(
                ctx,
                f"`{flag.label}` together with `{deterministic[0].label}`: cuDNN still "
                "benchmarks deterministic algorithms and may pick a different one each run; "
                "set `benchmark` to `False`",
                *flag.span,
                flag.stmt_end_row,
                _benchmark_off_fix(flag, Applicability.UNSAFE),
            )
