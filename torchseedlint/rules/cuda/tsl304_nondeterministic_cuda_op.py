"""TSL304 nondeterministic-cuda-op."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.rules.base import Rule
from torchseedlint.rules.cuda._shared import _CUDA
from torchseedlint.semantic.analysis import is_true
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call

# Ops that PyTorch documents as nondeterministic on CUDA unless deterministic
# algorithms are enabled (``torch.use_deterministic_algorithms`` docstring).
_NONDETERMINISTIC_METHODS = frozenset(
    {
        "index_add_",
        "index_add",
        "scatter_add_",
        "scatter_add",
        "scatter_reduce",
        "scatter_reduce_",
        "bincount",
        "histc",
        "put_",
    }
)

_ACCUMULATE_METHODS = frozenset({"index_put_", "index_put"})

_NONDETERMINISTIC_FUNCTIONS = frozenset(
    {
        "torch.index_add",
        "torch.scatter_add",
        "torch.scatter_reduce",
        "torch.bincount",
        "torch.histc",
        "torch.cumsum",
        "torch.nn.functional.grid_sample",
        "torch.nn.functional.ctc_loss",
    }
)

_NONDETERMINISTIC_MODULES = frozenset(
    {
        "CTCLoss",
        "AdaptiveAvgPool2d",
        "AdaptiveAvgPool3d",
        "AdaptiveMaxPool2d",
        "AvgPool3d",
        "FractionalMaxPool2d",
        "FractionalMaxPool3d",
        "ReflectionPad1d",
        "ReflectionPad2d",
        "ReflectionPad3d",
        "ReplicationPad1d",
        "ReplicationPad2d",
        "ReplicationPad3d",
        "MaxUnpool1d",
        "MaxUnpool2d",
        "MaxUnpool3d",
    }
)

_INTERPOLATING_MODES = frozenset({"linear", "bilinear", "bicubic", "trilinear"})


def _nondeterministic_op(call: Call) -> bool:
    qualname = call.qualname
    if qualname is None or qualname.startswith("torch."):
        if call.method in _NONDETERMINISTIC_METHODS:
            return True
        if call.method in _ACCUMULATE_METHODS:
            return is_true(call.kwargs.get("accumulate"))
    if qualname is None:
        return False
    if qualname in _NONDETERMINISTIC_FUNCTIONS:
        return True
    leaf = qualname.rsplit(".", 1)[-1]
    if qualname.startswith("torch.nn.") and leaf in _NONDETERMINISTIC_MODULES:
        return True
    mode = call.kwargs.get("mode")
    literal_mode = mode.value if mode is not None and mode.kind == "literal" else None
    if qualname in ("torch.nn.functional.interpolate", "torch.nn.Upsample"):
        return literal_mode in _INTERPOLATING_MODES
    if qualname in ("torch.nn.EmbeddingBag", "torch.nn.functional.embedding_bag"):
        return literal_mode == "max"
    return False


class NondeterministicCudaOp(Rule):
    """
    ## What it does
    In a module that uses CUDA and never enables deterministic algorithms,
    flags ops that PyTorch documents as nondeterministic on CUDA:
    `index_add_`, `scatter_add_`, `scatter_reduce`, `index_put_(accumulate=True)`,
    `put_`, `bincount`, `histc`, `torch.cumsum`, `grid_sample`, `ctc_loss`/`CTCLoss`,
    bilinear/bicubic/linear/trilinear `interpolate`/`Upsample`,
    `EmbeddingBag(mode="max")`, adaptive and 3-D average pooling, fractional
    max pooling, max unpooling, reflection and replication padding.

    ## Why is this bad?
    These kernels (or their backward passes) accumulate with atomic adds on the
    GPU, so the order of floating-point additions, and with it the result,
    changes from run to run. The list is the one in the
    `torch.use_deterministic_algorithms` docstring. No GPU was available when
    this rule was written: the claim comes from PyTorch's documentation and
    source and could not be shown on CPU.

    ## Example
    ```python
    import torch
    out = torch.zeros(10, device="cuda").index_add_(0, idx, src)
    ```

    Use instead:
    ```python
    import torch
    torch.use_deterministic_algorithms(True)
    out = torch.zeros(10, device="cuda").index_add_(0, idx, src)
    ```

    ## Known limitations
    Off by default. The tensor's device is not known statically: any op in a
    module that mentions CUDA is reported. `.cumsum()` called as a method is
    not reported (NumPy arrays and pandas objects share the name); only
    `torch.cumsum` is.
    """

    code = "TSL304"
    name = "nondeterministic-cuda-op"
    default_enabled = False
    severity = "warning"
    triggers = _CUDA
    VALID = [
        """
        import torch
        torch.use_deterministic_algorithms(True)
        out = torch.zeros(3, device='cuda').index_add_(0, idx, src)
        """,
        # No CUDA in the module.
        """
        import torch
        out = torch.zeros(3).index_add_(0, idx, src)
        """,
        """
        import torch
        import numpy as np
        x = torch.ones(2).cuda()
        counts = np.bincount(labels)
        """,
        """
        import torch.nn.functional as F
        import torch
        x = torch.rand(1, 1, 4, 4).cuda()
        y = F.interpolate(x, scale_factor=2, mode='nearest')
        """,
        """
        import torch
        x = torch.ones(2).cuda()
        x.index_put_((i,), v)
        """,
    ]
    INVALID = [
        """
        import torch
        out = torch.zeros(3, device='cuda').index_add_(0, idx, src)
        """,
        """
        import torch as T
        x = T.ones(4).cuda()
        h = T.histc(x)
        """,
        """
        import torch.nn.functional as F
        import torch
        x = torch.rand(1, 1, 4, 4).cuda()
        y = F.interpolate(x, scale_factor=2, mode='bilinear')
        """,
        """
        from torch import nn
        bag = nn.EmbeddingBag(10, 3, mode='max').cuda()
        """,
        """
        import torch
        x = torch.ones(2).cuda()
        x.index_put_((i,), v, accumulate=True)
        """,
        """
        import torch.nn as nn
        pool = nn.AdaptiveAvgPool2d(1).to('cuda')
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if not ctx.facts.cuda_uses or ctx.analysis.deterministic_algorithms_enabled():
            return
        for call in ctx.facts.calls:
            if _nondeterministic_op(call):
                label = call.raw or f".{call.method}"
                yield self.at_call(
                    ctx,
                    call,
                    f"`{label}(...)` is nondeterministic on CUDA (atomic adds) and this module "
                    "uses CUDA without deterministic algorithms; call "
                    "`torch.use_deterministic_algorithms(True)` (it then picks a deterministic "
                    "kernel or raises)",
                )
