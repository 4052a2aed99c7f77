"""TSL3xx: GPU determinism — cuDNN and deterministic-algorithm flags.

No GPU was available where these rules were written: every claim about CUDA
behaviour below comes from PyTorch's documentation and source (cited in each
rule) and could not be shown on CPU here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import enables_deterministic_mode, first_arg, is_true
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix
from torchseedlint.semantic.facts import Call, Expr, ModuleFacts
from torchseedlint.core.text import line_ending
from torchseedlint.edits.apply import insertion
from torchseedlint.rules.base import Example, Rule
from torchseedlint.semantic.context import Context
from torchseedlint.settings.versions import version_at_least

_CUDNN = "torch.backends.cudnn"
_CUBLAS_KEY = "CUBLAS_WORKSPACE_CONFIG"
_CUBLAS_VALUES = frozenset({":4096:8", ":16:8"})
_NO_GPU_NOTE = (
    "No GPU was available when this rule was written: the claim comes from PyTorch's "
    "documentation and source and could not be shown on CPU."
)


@dataclass(frozen=True)
class _Flag:
    """One place that sets a cuDNN flag to a literal: an assignment or a keyword."""

    label: str  # as the message shows it
    value: Expr
    stmt_end_row: int


def _flags(facts: ModuleFacts, name: str) -> List[_Flag]:
    """``cudnn.<name> = <literal>``, ``cudnn.flags(<name>=...)``, Lightning ``Trainer(<name>=...)``."""
    found = [
        _Flag(f"{assign.target} = {assign.value.text}", assign.value, assign.value.end.row)
        for assign in facts.assigns
        if assign.qualname == f"{_CUDNN}.{name}" and assign.value.kind == "literal"
        and assign.value.end is not None
    ]
    for call in facts.calls:
        if call.qualname == f"{_CUDNN}.flags" or K.is_lightning_trainer(call.qualname):
            found.extend(_flags_of_call(call, name))
    return found


def _flags_of_call(call: Call, name: str) -> List[_Flag]:
    value = call.kwargs.get(name)
    if value is None or value.kind != "literal" or value.end is None:
        return []
    return [_Flag(f"{call.raw}({name}={value.text})", value, call.stmt_end_row)]


def _benchmark_on(facts: ModuleFacts) -> List[_Flag]:
    return [flag for flag in _flags(facts, "benchmark") if flag.value.value is True]


def _benchmark_off_fix(flag: _Flag, applicability: Applicability) -> Fix:
    assert flag.value.start is not None and flag.value.end is not None
    return Fix(applicability, "Set `benchmark` to `False`",
               (Edit("False", flag.value.start, flag.value.end),))


def _top_statement_end(facts: ModuleFacts, row: int, kinds: Tuple[str, ...]) -> Optional[int]:
    """The last row of the top-level statement of one of ``kinds`` starting at ``row``."""
    for stmt in facts.top_statements:
        if stmt.start_row == row and stmt.kind in kinds:
            return stmt.end_row
    return None


def _first_import_row(facts: ModuleFacts, module: str, binding: bool = False) -> Optional[int]:
    """The row of the first import of ``module`` (or a submodule), if it is a top-level statement.

    With ``binding``, only ``import module [as x]``, which binds the module itself, counts.
    """
    rows = [
        imp.row for imp in facts.imports
        if imp.level == 0 and (
            (imp.module == module and not imp.names)
            or (not binding and (imp.module == module or imp.module.startswith(module + ".")))
        )
    ]
    if not rows or _top_statement_end(facts, min(rows), ("import",)) is None:
        return None
    return min(rows)


def _insert_after(ctx: Context, row: int, content: str) -> Edit:
    """An insertion at the start of the line after ``row``."""
    lines = ctx.lines
    if row >= len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
        content = "\n" + content
    return insertion(row + 1, 1, content)


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
    VALID = [
        "import torch\ntorch.backends.cudnn.benchmark = False\n",
        "import torch.backends.cudnn as cudnn\ncudnn.benchmark = args.benchmark\n",
        "from torch.backends import cudnn\nwith cudnn.flags(enabled=True, benchmark=False):\n"
        "    pass\n",
        "import lightning as L\ntrainer = L.Trainer(benchmark=False)\n",
        "benchmark = True\n",
    ]
    INVALID = [
        "import torch\ntorch.backends.cudnn.benchmark = True\n",
        "import torch.backends.cudnn as cudnn\ncudnn.benchmark = True\n",
        "from torch.backends import cudnn\ncudnn.benchmark = True\n",
        "import torch as T\nT.backends.cudnn.benchmark = True\n",
        "from torch.backends import cudnn\nwith cudnn.flags(enabled=True, benchmark=True):\n"
        "    pass\n",
        "import pytorch_lightning as pl\ntrainer = pl.Trainer(max_epochs=3, benchmark=True)\n",
        "from lightning.pytorch import Trainer\n\ndef main():\n    Trainer(benchmark=True)\n",
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
                flag.value.start,
                flag.value.end,
                flag.stmt_end_row,
                _benchmark_off_fix(flag, Applicability.UNSAFE),
            )


# --- TSL302: CUDA training in a seeded entry point ---------------------------------

_CUDA_DEVICE = re.compile(r"cuda(?::\d+)?")
_CUDA_STRING = re.compile(r"""["']cuda(?::\d+)?["']""")
# ``"cuda" if torch.cuda.is_available() else "cpu"``: CUDA whenever there is a GPU.
_CUDA_CONDITIONAL = re.compile(r"""^\(?\s*["']cuda(?::\d+)?["']\s+if\s""")
_LIGHTNING_GPU_ACCELERATORS = frozenset({"gpu", "cuda"})


def _names_cuda(ctx: Context, expr: Optional[Expr], scope: str, depth: int = 0) -> bool:
    """A device expression that is CUDA: ``"cuda"``/``"cuda:N"``, ``torch.device("cuda" ...)``,
    ``"cuda" if ... else "cpu"``, or a local name assigned one of these.

    An attribute (``args.device``, ``self.device``) is not followed: its value
    comes from a command line or a caller (an argparse default, a parameter
    default), which says nothing about how the script runs.
    """
    if expr is None or depth > 3:
        return False
    if expr.kind == "literal":
        return isinstance(expr.value, str) and bool(_CUDA_DEVICE.fullmatch(expr.value))
    if expr.kind == "call":
        return bool(expr.calls) and expr.calls[0] == "torch.device" and bool(
            _CUDA_STRING.search(expr.text))
    if expr.kind == "other":
        return bool(_CUDA_CONDITIONAL.match(expr.text))
    if expr.kind == "name":
        value = ctx.analysis.assigned_value(expr.text, scope)
        return value is not expr and _names_cuda(ctx, value, scope, depth + 1)
    return False


def _moves_to_cuda(ctx: Context, call: Call) -> bool:
    """``.cuda()``, ``.to(<cuda>)``, ``torch.<f>(..., device=<cuda>)``,
    ``torch.cuda.set_device``, a Lightning ``Trainer`` on GPU."""
    if call.method == "cuda" and call.qualname is None:
        return True
    device = call.kwargs.get("device")
    if call.method == "to":
        return _names_cuda(ctx, call.args[0] if call.args else device, call.scope)
    if (call.qualname or "").startswith("torch.") and device is not None:
        return _names_cuda(ctx, device, call.scope)
    if call.qualname == "torch.cuda.set_device":
        return True
    if K.is_lightning_trainer(call.qualname):
        accelerator = call.kwargs.get("accelerator")
        gpus = call.kwargs.get("gpus")
        return (accelerator is not None and accelerator.value in _LIGHTNING_GPU_ACCELERATORS) or (
            gpus is not None and gpus.kind == "literal" and bool(gpus.value))
    return False


def _training_step(call: Call) -> bool:
    """``loss.backward()``/``accelerator.backward(loss)``, ``optimizer.step()``,
    ``trainer.fit(...)``, a Hugging Face ``trainer.train()``."""
    receiver = (call.receiver or "").lower()
    if call.method == "backward":
        return True
    if call.method == "step":
        return "opt" in receiver or "scaler" in receiver
    return call.method in ("fit", "train") and "trainer" in receiver


def _statement_indent(ctx: Context, call: Call) -> Optional[str]:
    """The indentation of the line when ``call`` is a whole one-line statement."""
    line = ctx.lines[call.start.row - 1]
    before, after = line[: call.start.column - 1], line[call.end.column - 1:]
    if before.strip() or call.end.row != call.start.row or call.stmt_end_row != call.start.row:
        return None
    return before if not after.strip() or after.strip().startswith("#") else None


class MissingDeterministicAlgorithms(Rule):
    """
    ## What it does
    Flags an entry point that seeds torch and trains on CUDA but never enables
    deterministic algorithms. The finding sits on the seeding call.

    Training on CUDA means both a reachable training step (`loss.backward()`,
    `accelerator.backward(loss)`, `optimizer.step()`, `trainer.fit(...)`) and a
    reachable move to CUDA: `.cuda()`, `.to("cuda")`, `.to(device)` where
    `device` is assigned `torch.device("cuda" ...)` or
    `"cuda" if torch.cuda.is_available() else "cpu"`, `device="cuda"` given to a
    `torch` function, `torch.cuda.set_device`, a Lightning
    `Trainer(accelerator="gpu"|"cuda")` or `Trainer(gpus=N)`. Deterministic
    algorithms are enabled by `torch.use_deterministic_algorithms(True)`,
    `torch.set_deterministic_debug_mode(...)`,
    `torch.backends.cudnn.deterministic = True`, Lightning
    `Trainer(deterministic=True)`, `transformers.enable_full_determinism` or a
    seeding helper called with `deterministic=True`. For a Lightning script the
    message suggests `Trainer(deterministic=True)`.

    ## Why is this bad?
    Seeding is a request for reproducibility, and on a GPU seeding alone does
    not give it: several CUDA kernels (`index_add_`, `scatter_add_`, the
    backward of `interpolate`, `grid_sample`, pooling, ...) accumulate with
    atomic adds, whose order varies, and cuDNN may choose nondeterministic
    convolution algorithms, so two seeded runs give different losses.
    `torch.use_deterministic_algorithms(True)` switches to deterministic
    kernels, and raises on the ops that have none. See
    https://pytorch.org/docs/stable/notes/randomness.html.
    No GPU was available when this rule was written: the claim comes from
    PyTorch's documentation and source and could not be shown on CPU.

    Why on by default: it reports only where reproducibility is the author's
    stated intent (torch is seeded) and the GPU can break it (the script
    trains on CUDA). A device string alone (a tuple of accelerator names, an
    argparse `default="cuda"`, a parameter default) is not CUDA use, and a
    script that never trains (checkpoint conversion, inference) is not
    reported.

    ## Example
    ```python
    import torch
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2).cuda()
    model(x).sum().backward()
    ```

    Use instead:
    ```python
    import os
    import torch
    torch.manual_seed(0)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True)
    model = torch.nn.Linear(4, 2).cuda()
    model(x).sum().backward()
    ```

    ## Fix safety
    Unsafe: right after the seeding call, the fix inserts
    `os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")` (needed up to
    about torch 2.9 for cuBLAS; `setdefault` keeps a launcher's value) and
    `torch.use_deterministic_algorithms(True)` (with the module's alias for
    `torch`), adding `import os` before the first top-level import when the
    module lacks it. Ops without a deterministic CUDA kernel then raise
    `RuntimeError`, and deterministic kernels can be slower. Offered only when
    the seeding call is a one-line statement of the entry point, the module
    binds `torch` at top level, and no CUDA use in the same function comes
    before it. No fix for Lightning scripts (pass `deterministic=True`).

    ## Known limitations
    Library modules are not checked: the entry point decides. A device coming
    from a config or the command line (`args.device`) is not seen, nor is a
    training loop in another module. Determinism enabled by a project helper in
    another module counts when the project index resolves it.
    """

    code = "TSL302"
    name = "missing-deterministic-algorithms"
    fix_safety = Applicability.UNSAFE
    severity = "warning"
    _TRAIN = "loss = model(torch.ones(4)).sum()\nloss.backward()\n"
    VALID = [
        "import torch\ntorch.manual_seed(0)\ntorch.use_deterministic_algorithms(True)\n"
        "model = torch.nn.Linear(4, 2).cuda()\n" + _TRAIN,
        "import torch.backends.cudnn as cudnn\nimport torch\ncudnn.deterministic = True\n"
        "torch.manual_seed(0)\nmodel = torch.nn.Linear(4, 2).to('cuda')\n" + _TRAIN,
        # Not seeded: reproducibility is not asked for (TSL101 reports the seed).
        "import torch\nmodel = torch.nn.Linear(4, 2).cuda()\n" + _TRAIN,
        # Never trains: a checkpoint conversion on the GPU.
        "import torch\ntorch.manual_seed(0)\nmodel = torch.load('a.pt').cuda()\n"
        "torch.save(model.half(), 'b.pt')\n",
        # Device names as data, an argparse default, a parameter default.
        "import argparse\nimport torch\nACCELERATORS = ('cpu', 'gpu', 'cuda')\n"
        "parser = argparse.ArgumentParser()\nparser.add_argument('--device', default='cuda')\n"
        "args = parser.parse_args()\ntorch.manual_seed(0)\n\n"
        "class Runner:\n    def __init__(self, device='cuda'):\n        self.device = device\n\n"
        "model = torch.nn.Linear(4, 2).to(args.device)\n" + _TRAIN,
        # Lightning on the CPU only.
        "import lightning as L\nL.seed_everything(0)\n"
        "L.Trainer(accelerator='cpu').fit(model)\n",
        "import lightning as L\nimport torch\n\nif __name__ == '__main__':\n"
        "    L.seed_everything(0)\n    trainer = L.Trainer(deterministic=True, accelerator='cuda')\n"
        "    trainer.fit(model)\n",
        # A library module: its caller decides.
        "import torch\n\ndef step(model, x, opt):\n    torch.manual_seed(0)\n"
        "    model.cuda()(x).sum().backward()\n    opt.step()\n",
    ]
    INVALID = [
        "import torch\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(4, 2).cuda()\n" + _TRAIN,
        "import torch as T\n\ndef main():\n    T.manual_seed(1)\n"
        "    device = T.device('cuda' if T.cuda.is_available() else 'cpu')\n"
        "    model = T.nn.Linear(2, 2).to(device)\n    opt = T.optim.SGD(model.parameters(), 0.1)\n"
        "    opt.step()\n\nif __name__ == '__main__':\n    main()\n",
        "from torch.backends import cudnn\nimport torch\ncudnn.deterministic = False\n"
        "torch.manual_seed(0)\nx = torch.rand(2, device='cuda:0', requires_grad=True)\n"
        "x.sum().backward()\n",
        "import lightning as L\n\nif __name__ == '__main__':\n    L.seed_everything(0)\n"
        "    trainer = L.Trainer(deterministic=False, accelerator='gpu')\n    trainer.fit(model)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        analysis = ctx.analysis
        if not ctx.is_entry_point or analysis.determinism_enabled():
            return
        running = [call for call in ctx.facts.calls if analysis.runs(call)]
        cuda = [call for call in running if _moves_to_cuda(ctx, call)]
        seeds = [event.call for event in analysis.seed_events() if K.TORCH in event.rngs]
        if not cuda or not seeds or not any(_training_step(call) for call in running):
            return
        seed = min(seeds, key=lambda call: (call.start.row, call.start.column))
        first = min(cuda, key=lambda call: (call.start.row, call.start.column))
        lightning = any(K.is_lightning_trainer(call.qualname) for call in ctx.facts.calls)
        advice = ("pass `deterministic=True` to `Trainer`" if lightning
                  else "call `torch.use_deterministic_algorithms(True)`")
        yield self.at_call(
            ctx,
            seed,
            f"torch is seeded here, but CUDA kernels (line {first.start.row}) stay "
            f"nondeterministic: {advice}",
            None if lightning else self._fix(ctx, seed, cuda),
        )

    @staticmethod
    def _fix(ctx: Context, seed: Call, cuda: List[Call]) -> Optional[Fix]:
        facts = ctx.facts
        alias = facts.name_of_module("torch")
        torch_row = _first_import_row(facts, "torch", binding=True)
        indent = _statement_indent(ctx, seed)
        if alias is None or torch_row is None or indent is None or torch_row > seed.start.row:
            return None
        if seed.loops or any(c.scope == seed.scope and c.start.row < seed.start.row for c in cuda):
            return None
        edits = []
        os_alias = facts.name_of_module("os")
        if os_alias is None or _first_import_row(facts, "os", binding=True) is None:
            first_import = min((s.start_row for s in facts.top_statements if s.kind == "import"),
                               default=None)
            if first_import is None:
                return None
            os_alias = "os"
            edits.append(insertion(first_import, 1, "import os\n"))
        nl = line_ending(ctx.lines[seed.start.row - 1])
        content = (f'{indent}{os_alias}.environ.setdefault("{_CUBLAS_KEY}", ":4096:8"){nl}'
                   f"{indent}{alias}.use_deterministic_algorithms(True){nl}")
        edits.append(_insert_after(ctx, seed.stmt_end_row, content))
        return Fix(Applicability.UNSAFE, f"Insert `{alias}.use_deterministic_algorithms(True)` and set "
                   f"`{_CUBLAS_KEY}`", tuple(edits))


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
    VALID = [
        "import torch\ntorch.use_deterministic_algorithms(True)\n",
        "import torch\ntorch.use_deterministic_algorithms(True, warn_only=False)\n",
        "import torch as T\nT.set_deterministic_debug_mode('error')\n",
        "from lightning import Trainer\nTrainer(deterministic=True)\n",
    ]
    INVALID = [
        "import torch\ntorch.use_deterministic_algorithms(True, warn_only=True)\n",
        "import torch as T\nT.set_deterministic_debug_mode('warn')\n",
        "from torch import set_deterministic_debug_mode\nset_deterministic_debug_mode(1)\n",
        "import pytorch_lightning as pl\ntrainer = pl.Trainer(deterministic='warn')\n",
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


# Ops that PyTorch documents as nondeterministic on CUDA unless deterministic
# algorithms are enabled (``torch.use_deterministic_algorithms`` docstring).
_NONDETERMINISTIC_METHODS = frozenset(
    {"index_add_", "index_add", "scatter_add_", "scatter_add", "scatter_reduce",
     "scatter_reduce_", "bincount", "histc", "put_"}
)
_ACCUMULATE_METHODS = frozenset({"index_put_", "index_put"})
_NONDETERMINISTIC_FUNCTIONS = frozenset(
    {"torch.index_add", "torch.scatter_add", "torch.scatter_reduce", "torch.bincount",
     "torch.histc", "torch.cumsum", "torch.nn.functional.grid_sample",
     "torch.nn.functional.ctc_loss"}
)
_NONDETERMINISTIC_MODULES = frozenset(
    {"CTCLoss", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool2d", "AvgPool3d",
     "FractionalMaxPool2d", "FractionalMaxPool3d", "ReflectionPad1d", "ReflectionPad2d",
     "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
     "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"}
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
    VALID = [
        "import torch\ntorch.use_deterministic_algorithms(True)\n"
        "out = torch.zeros(3, device='cuda').index_add_(0, idx, src)\n",
        # No CUDA in the module.
        "import torch\nout = torch.zeros(3).index_add_(0, idx, src)\n",
        "import torch\nimport numpy as np\nx = torch.ones(2).cuda()\ncounts = np.bincount(labels)\n",
        "import torch.nn.functional as F\nimport torch\nx = torch.rand(1, 1, 4, 4).cuda()\n"
        "y = F.interpolate(x, scale_factor=2, mode='nearest')\n",
        "import torch\nx = torch.ones(2).cuda()\nx.index_put_((i,), v)\n",
    ]
    INVALID = [
        "import torch\nout = torch.zeros(3, device='cuda').index_add_(0, idx, src)\n",
        "import torch as T\nx = T.ones(4).cuda()\nh = T.histc(x)\n",
        "import torch.nn.functional as F\nimport torch\nx = torch.rand(1, 1, 4, 4).cuda()\n"
        "y = F.interpolate(x, scale_factor=2, mode='bilinear')\n",
        "from torch import nn\nbag = nn.EmbeddingBag(10, 3, mode='max').cuda()\n",
        "import torch\nx = torch.ones(2).cuda()\nx.index_put_((i,), v, accumulate=True)\n",
        "import torch.nn as nn\npool = nn.AdaptiveAvgPool2d(1).to('cuda')\n",
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


def _cublas_settings(facts: ModuleFacts) -> List[Optional[Expr]]:
    """Values given to CUBLAS_WORKSPACE_CONFIG in this module (None: not a literal we can read)."""
    values: List[Optional[Expr]] = [
        assign.value for assign in facts.assigns if assign.key == _CUBLAS_KEY
    ]
    for call in facts.calls:
        if call.method not in ("setdefault", "putenv", "update"):
            continue
        if call.args and call.args[0].value == _CUBLAS_KEY:
            values.append(call.args[1] if len(call.args) > 1 else None)
        elif _CUBLAS_KEY in call.kwargs:
            values.append(call.kwargs[_CUBLAS_KEY])
        elif any(_CUBLAS_KEY in expr.text for expr in call.args):
            values.append(None)
    return values


class CublasWorkspaceConfig(Rule):
    """
    ## What it does
    Flags `torch.use_deterministic_algorithms(True)` (or
    `torch.set_deterministic_debug_mode("warn"|"error")`) in a module that does
    not set the environment variable `CUBLAS_WORKSPACE_CONFIG` to `:4096:8` or
    `:16:8`, when the project's torch is at most 2.9 or unknown.

    The torch version is `torch-version`, or the one inferred from the project
    (declared requirement, installed distribution). PyTorch removed the check
    in PR pytorch/pytorch#161749 (torch 2.13 has no trace of it), so from 2.10
    on the rule stays silent. An unknown version is treated like an old one,
    as TSL201 treats it: the fix is harmless on newer versions.

    ## Why is this bad?
    Up to roughly torch 2.9, with CUDA >= 10.2, deterministic mode makes
    `torch.mm`, `torch.mv` and `torch.bmm` on CUDA raise `RuntimeError` unless
    `CUBLAS_WORKSPACE_CONFIG` is `:4096:8` or `:16:8` (the
    `use_deterministic_algorithms` docstring of those versions). The variable
    must be set before the first cuBLAS handle is created, so the safest place
    is before `import torch`.
    No GPU was available when this rule was written: the claim comes from
    PyTorch's documentation and source and could not be shown on CPU.

    ## Example
    ```python
    import torch
    torch.use_deterministic_algorithms(True)
    ```

    Use instead:
    ```python
    import os
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import torch
    torch.use_deterministic_algorithms(True)
    ```

    ## Fix safety
    Safe: the fix inserts `os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")`
    before the first top-level `import torch` (adding `import os` when `os` is
    not imported before it); `setdefault` keeps a value set by the launcher.

    ## Known limitations
    A variable exported by the shell or the job script is not visible: suppress
    the diagnostic there. A call in a function of a library module (a helper
    such as `set_seed(deterministic=True)`) is not reported: its callers set
    their environment. Only direct calls are checked (Lightning
    `Trainer(deterministic=True)` and `transformers.enable_full_determinism` set
    the variable themselves). Whether the variable is set before CUDA starts is
    not checked, only that the module sets it.
    """

    code = "TSL305"
    name = "cublas-workspace-config"
    fix_safety = Applicability.SAFE
    severity = "warning"
    VALID = [
        Example("import os\nos.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\nimport torch\n"
                "torch.use_deterministic_algorithms(True)\n", {"torch-version": "2.3"}),
        Example("import os\nos.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':16:8')\n"
                "import torch as T\nT.use_deterministic_algorithms(True)\n", {"torch-version": "1.12"}),
        Example("import torch\ntorch.use_deterministic_algorithms(True)\n", {"torch-version": "2.13"}),
        Example("import torch\ntorch.use_deterministic_algorithms(False)\n", {"torch-version": "2.3"}),
        # Deterministic mode with warn_only=True warns about cuBLAS, it does not raise.
        Example("import torch\ntorch.use_deterministic_algorithms(True, warn_only=True)\n",
                {"torch-version": "2.3"}),
        # A library helper: its callers' launchers set the environment.
        Example("import torch\n\ndef set_seed(seed, deterministic=False):\n"
                "    torch.manual_seed(seed)\n    if deterministic:\n"
                "        torch.use_deterministic_algorithms(True)\n", {"torch-version": "2.3"}),
    ]
    INVALID = [
        Example("import torch\ntorch.use_deterministic_algorithms(True)\n", {"torch-version": "2.3"}),
        # The torch version is unknown: treated like an old one.
        "import torch\ntorch.use_deterministic_algorithms(True)\n",
        Example("import torch as T\nT.set_deterministic_debug_mode('error')\n",
                {"torch-version": "2.9"}),
        Example("import os\nos.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:2'\nimport torch\n"
                "torch.use_deterministic_algorithms(True)\n", {"torch-version": "1.10"}),
        Example("from torch import use_deterministic_algorithms\n\nif __name__ == '__main__':\n"
                "    use_deterministic_algorithms(True)\n", {"torch-version": "2.0"}),
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        modern = version_at_least(ctx.torch_version, "2.10")
        if modern:
            return
        when = "torch <= 2.9" if modern is False else "torch <= 2.9 (version unknown)"
        settings = _cublas_settings(ctx.facts)
        wrong = [
            value.text for value in settings
            if value is not None and value.kind == "literal" and value.value not in _CUBLAS_VALUES
        ]
        if settings and not wrong:
            return
        problem = (f"sets it to {wrong[0]}" if wrong else "does not set it")
        fix = None if wrong else self._fix(ctx)
        for call in ctx.facts.calls:
            # With ``warn_only=True`` the cuBLAS check warns instead of raising; a
            # library's function (``set_seed(deterministic=True)``) cannot set its
            # callers' environment: they do.
            library_function = call.scope != "" and not ctx.role.is_entry_point
            if call.qualname in K.DETERMINISM_CALLS and enables_deterministic_mode(call) and (
                not is_true(call.kwargs.get("warn_only")) and not library_function
            ):
                yield self.at_call(
                    ctx,
                    call,
                    f"`{call.raw}(...)` makes CUDA `mm`/`mv`/`bmm` raise with {when} unless "
                    f"`{_CUBLAS_KEY}` is `:4096:8` or `:16:8`; this module {problem}",
                    fix,
                )

    @staticmethod
    def _fix(ctx: Context) -> Optional[Fix]:
        facts = ctx.facts
        row = _first_import_row(facts, "torch")
        if row is None:
            return None
        os_alias = facts.name_of_module("os")
        os_row = _first_import_row(facts, "os", binding=True)
        content = ""
        if os_alias is None or os_row is None or os_row >= row:
            os_alias = "os"
            content = "import os\n"
        content += f'{os_alias}.environ.setdefault("{_CUBLAS_KEY}", ":4096:8")\n'
        return Fix(Applicability.SAFE, f"Set `{_CUBLAS_KEY}` before `import torch`", (insertion(row, 1, content),))


def _deterministic_flags(facts: ModuleFacts) -> List[_Flag]:
    return [
        flag for flag in _flags(facts, "deterministic") if flag.value.value in (True, "warn")
    ]


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
    VALID = [
        "import torch\ntorch.backends.cudnn.deterministic = True\n"
        "torch.backends.cudnn.benchmark = False\n",
        "import torch.backends.cudnn as cudnn\ncudnn.deterministic = False\ncudnn.benchmark = True\n",
        "from lightning import Trainer\nTrainer(deterministic=True)\n",
        "from torch.backends import cudnn\nwith cudnn.flags(deterministic=True, benchmark=False):\n"
        "    pass\n",
    ]
    INVALID = [
        "import torch\ntorch.backends.cudnn.deterministic = True\n"
        "torch.backends.cudnn.benchmark = True\n",
        "import torch.backends.cudnn as cudnn\ncudnn.benchmark = True\ncudnn.deterministic = True\n",
        "from torch.backends import cudnn\nwith cudnn.flags(enabled=True, deterministic=True, "
        "benchmark=True):\n    pass\n",
        "import torch as T\nT.backends.cudnn.deterministic = True\nT.backends.cudnn.benchmark = True\n",
        "import lightning.pytorch as pl\ntrainer = pl.Trainer(deterministic=True, benchmark=True)\n",
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
                flag.value.start,
                flag.value.end,
                flag.stmt_end_row,
                _benchmark_off_fix(flag, Applicability.UNSAFE),
            )


# Words for the text screen (``torchseedlint.engine.screen``): a CUDA use is a ``"cuda"``
# string, ``.cuda()``, ``torch.cuda.set_device`` or a Lightning ``Trainer`` with
# ``accelerator="gpu"``/``gpus=N``; the flags are ``benchmark`` and ``deterministic``
# (Lightning's ``Trainer(deterministic="warn")``); the rest are call names.
_CUDA = frozenset({"cuda"})
_BENCHMARK = frozenset({"benchmark"})
_DETERMINISM = K.leaves(K.DETERMINISM_CALLS) | {"deterministic"}
TRIGGERS = {
    "TSL301": _BENCHMARK,
    "TSL302": _CUDA | {"gpu", "gpus"},
    "TSL303": _DETERMINISM,
    "TSL304": _CUDA,
    "TSL305": _DETERMINISM,
    "TSL306": _BENCHMARK,
}
