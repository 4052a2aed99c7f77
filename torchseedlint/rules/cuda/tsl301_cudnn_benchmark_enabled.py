"""TSL301 cudnn-benchmark-enabled."""

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
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context


class CudnnBenchmarkEnabled(Rule):
    """
    ## What it does
    Flags `torch.backends.cudnn.benchmark = True` (through any import alias),
    `torch.backends.cudnn.flags(benchmark=True)` and Lightning
    `Trainer(benchmark=True)`.

    ## Why is this bad?
    With benchmarking on, cuDNN times several convolution algorithms for each
    new input shape and keeps the fastest. PyTorch's reproducibility notes say
    that "due to benchmarking noise and different hardware, the benchmark may
    select different algorithms on subsequent runs", so two runs of the same
    script can compute slightly different results, which then grow during
    training. See https://pytorch.org/docs/stable/notes/randomness.html.
    No GPU was available when this rule was written: the claim comes from
    PyTorch's documentation and source and could not be shown on CPU.

    ## Example
    ```python
    import torch
    torch.backends.cudnn.benchmark = True
    ```

    Use instead:
    ```python
    import torch
    torch.backends.cudnn.benchmark = False
    ```

    ## Fix safety
    Unsafe: the fix changes `True` to `False`, which makes convolutions slower
    (that is the price of reproducibility).

    ## Known limitations
    Only a literal `True` is reported: `cudnn.benchmark = args.benchmark` is
    not, since the value is decided at run time. In a module that also sets
    `cudnn.deterministic = True` the statement is reported as TSL306 (the more
    specific finding), not here.

    ## Why off by default
    On six real projects (`benchmarks/EVAL.md`) all 12 findings were choices the
    authors made knowingly: speed benchmarks, and training scripts that trade
    run-to-run identity for speed. TSL306 (benchmarking in a module that asks
    for deterministic cuDNN) stays on; select TSL301 to hold a project to the
    full recipe.
    """

    code = "TSL301"
    name = "cudnn-benchmark-enabled"
    default_enabled = False
    fix_safety = Applicability.UNSAFE
    severity = "warning"
    triggers = _BENCHMARK
    VALID = [
        """
        import torch
        torch.backends.cudnn.benchmark = False
        """,
        """
        import torch.backends.cudnn as cudnn
        cudnn.benchmark = args.benchmark
        """,
        """
        from torch.backends import cudnn
        with cudnn.flags(enabled=True, benchmark=False):
            pass
        """,
        """
        import lightning as L
        trainer = L.Trainer(benchmark=False)
        """,
        "benchmark = True\n",
    ]
    INVALID = [
        Example(
            """
            import torch
            torch.backends.cudnn.benchmark = True
            """,
            fixed="""
            import torch
            torch.backends.cudnn.benchmark = False
            """,
        ),
        """
        import torch.backends.cudnn as cudnn
        cudnn.benchmark = True
        """,
        """
        from torch.backends import cudnn
        cudnn.benchmark = True
        """,
        """
        import torch as T
        T.backends.cudnn.benchmark = True
        """,
        """
        from torch.backends import cudnn
        with cudnn.flags(enabled=True, benchmark=True):
            pass
        """,
        """
        import pytorch_lightning as pl
        trainer = pl.Trainer(max_epochs=3, benchmark=True)
        """,
        """
        from lightning.pytorch import Trainer

        def main():
            Trainer(benchmark=True)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if _deterministic_flags(ctx.facts):
            return  # TSL306 reports these statements
        for flag in _benchmark_on(ctx.facts):
            yield self.diagnostic(
                ctx,
                f"`{flag.label}` makes cuDNN pick convolution algorithms by timing them, "
                "which can differ between runs; set `benchmark` to `False` for reproducible "
                f"runs. See {K.REPRODUCIBILITY_URL}#cuda-convolution-benchmarking",
                *flag.span,
                flag.stmt_end_row,
                _benchmark_off_fix(flag, Applicability.UNSAFE),
            )
