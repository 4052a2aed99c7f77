"""TSL302 missing-deterministic-algorithms."""

from __future__ import annotations

import re
from typing import Iterator, List, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.core.text import line_ending
from torchseedlint.edits.apply import insertion, insertion_after_line
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.cuda._shared import _CUBLAS_KEY, _CUDA, _first_import_row
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr

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
        return (
            bool(expr.calls)
            and expr.calls[0] == "torch.device"
            and bool(_CUDA_STRING.search(expr.text))
        )
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
            gpus is not None and gpus.kind == "literal" and bool(gpus.value)
        )
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
    before, after = line[: call.start.column - 1], line[call.end.column - 1 :]
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
    triggers = _CUDA | {"gpu", "gpus"}
    _TRAIN = "loss = model(torch.ones(4)).sum()\nloss.backward()\n"
    VALID = [
        "import torch\ntorch.manual_seed(0)\ntorch.use_deterministic_algorithms(True)\n"
        "model = torch.nn.Linear(4, 2).cuda()\n" + _TRAIN,
        "import torch.backends.cudnn as cudnn\nimport torch\ncudnn.deterministic = True\n"
        "torch.manual_seed(0)\nmodel = torch.nn.Linear(4, 2).to('cuda')\n" + _TRAIN,
        # Not seeded: reproducibility is not asked for (TSL101 reports the seed).
        "import torch\nmodel = torch.nn.Linear(4, 2).cuda()\n" + _TRAIN,
        # Never trains: a checkpoint conversion on the GPU.
        """
        import torch
        torch.manual_seed(0)
        model = torch.load('a.pt').cuda()
        torch.save(model.half(), 'b.pt')
        """,
        # Device names as data, an argparse default, a parameter default.
        "import argparse\nimport torch\nACCELERATORS = ('cpu', 'gpu', 'cuda')\n"
        "parser = argparse.ArgumentParser()\nparser.add_argument('--device', default='cuda')\n"
        "args = parser.parse_args()\ntorch.manual_seed(0)\n\n"
        "class Runner:\n    def __init__(self, device='cuda'):\n        self.device = device\n\n"
        "model = torch.nn.Linear(4, 2).to(args.device)\n" + _TRAIN,
        # Lightning on the CPU only.
        """
        import lightning as L
        L.seed_everything(0)
        L.Trainer(accelerator='cpu').fit(model)
        """,
        """
        import lightning as L
        import torch

        if __name__ == '__main__':
            L.seed_everything(0)
            trainer = L.Trainer(deterministic=True, accelerator='cuda')
            trainer.fit(model)
        """,
        # A library module: its caller decides.
        """
        import torch

        def step(model, x, opt):
            torch.manual_seed(0)
            model.cuda()(x).sum().backward()
            opt.step()
        """,
    ]
    INVALID = [
        Example(
            "import torch\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(4, 2).cuda()\n" + _TRAIN,
            fixed="""
            import os
            import torch
            torch.manual_seed(0)
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True)
            model = torch.nn.Linear(4, 2).cuda()
            loss = model(torch.ones(4)).sum()
            loss.backward()
            """,
        ),
        """
        import torch as T

        def main():
            T.manual_seed(1)
            device = T.device('cuda' if T.cuda.is_available() else 'cpu')
            model = T.nn.Linear(2, 2).to(device)
            opt = T.optim.SGD(model.parameters(), 0.1)
            opt.step()

        if __name__ == '__main__':
            main()
        """,
        """
        from torch.backends import cudnn
        import torch
        cudnn.deterministic = False
        torch.manual_seed(0)
        x = torch.rand(2, device='cuda:0', requires_grad=True)
        x.sum().backward()
        """,
        """
        import lightning as L

        if __name__ == '__main__':
            L.seed_everything(0)
            trainer = L.Trainer(deterministic=False, accelerator='gpu')
            trainer.fit(model)
        """,
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
        advice = (
            "pass `deterministic=True` to `Trainer`"
            if lightning
            else "call `torch.use_deterministic_algorithms(True)`"
        )
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
            first_import = min(
                (s.start_row for s in facts.top_statements if s.kind == "import"), default=None
            )
            if first_import is None:
                return None
            os_alias = "os"
            edits.append(insertion(first_import, 1, "import os\n"))
        nl = line_ending(ctx.lines[seed.start.row - 1])
        content = (
            f'{indent}{os_alias}.environ.setdefault("{_CUBLAS_KEY}", ":4096:8"){nl}'
            f"{indent}{alias}.use_deterministic_algorithms(True){nl}"
        )
        edits.append(insertion_after_line(ctx.source, seed.stmt_end_row, content))
        return Fix(
            Applicability.UNSAFE,
            f"Insert `{alias}.use_deterministic_algorithms(True)` and set `{_CUBLAS_KEY}`",
            tuple(edits),
        )
