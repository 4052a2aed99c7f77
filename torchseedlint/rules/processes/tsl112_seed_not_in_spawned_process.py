"""TSL112 seed-not-in-spawned-process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.rules.base import Example, Rule
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr, ModuleFacts
from torchseedlint.semantic.summary import Draw

# ``torch.multiprocessing`` re-exports the standard library's names.
_MP_MODULES = ("multiprocessing", "torch.multiprocessing")

# Always a fresh interpreter: ``spawn`` accepts no other start method (it warns and
# uses "spawn"), ``start_processes`` defaults to it.
_SPAWN_CALLS = frozenset(
    {
        "torch.multiprocessing.spawn",
        "torch.multiprocessing.start_processes",
        "torch.multiprocessing.spawn.spawn",
        "torch.multiprocessing.spawn.start_processes",
    }
)

_PROCESS_CLASSES = frozenset(f"{module}.Process" for module in _MP_MODULES)

_SET_START_METHOD = frozenset(f"{module}.set_start_method" for module in _MP_MODULES)

_GET_CONTEXT = frozenset(f"{module}.get_context" for module in _MP_MODULES)

# Start methods whose children import the main module afresh instead of copying
# the parent's memory (and with it its RNG states), as ``fork`` does.
_FRESH_METHODS = frozenset({"spawn", "forkserver"})

_PARTIAL = frozenset({"functools.partial"})

_RNG_ORDER = (K.TORCH, K.PYRANDOM, K.NUMPY)


@dataclass(frozen=True)
class _Start:
    call: Call  # the call that starts the processes
    target: Expr  # its target argument as written
    function: str  # the module-level function the processes run


def _literal(expr: Optional[Expr]) -> object:
    return expr.value if expr is not None and expr.kind == "literal" else None


def _method_argument(call: Call, keyword: str, position: int = 0) -> Optional[Expr]:
    if keyword in call.kwargs:
        return call.kwargs[keyword]
    return call.args[position] if len(call.args) > position else None


def _fresh_contexts(facts: ModuleFacts) -> Set[str]:
    """The variables ``get_context("spawn")`` (or ``"forkserver"``) is assigned to."""
    return {
        call.assigned_to
        for call in facts.calls
        if call.qualname in _GET_CONTEXT
        and call.assigned_to
        and _literal(_method_argument(call, "method")) in _FRESH_METHODS
    }


def _inline_fresh_context(facts: ModuleFacts, call: Call) -> bool:
    """``mp.get_context("spawn").Process(...)``: the receiver call starts where ``call`` does."""
    return any(
        other.qualname in _GET_CONTEXT
        and other.start == call.start
        and other.index != call.index
        and _literal(_method_argument(other, "method")) in _FRESH_METHODS
        for other in facts.calls
    )


def _global_fresh_method(facts: ModuleFacts) -> bool:
    return any(
        call.qualname in _SET_START_METHOD
        and _literal(_method_argument(call, "method")) in _FRESH_METHODS
        for call in facts.calls
    )


def _starts_fresh(
    facts: ModuleFacts, call: Call, contexts: Set[str], global_fresh: bool
) -> Optional[Expr]:
    """The target expression if ``call`` starts processes in a fresh interpreter."""
    if call.qualname in _SPAWN_CALLS:
        if _literal(call.kwargs.get("start_method")) == "fork":
            return None
        return _method_argument(call, "fn")
    if call.method != "Process":
        return None
    fresh = (
        (call.qualname in _PROCESS_CLASSES and global_fresh)
        or (call.qualname is None and call.receiver in contexts)
        or (call.raw is None and _inline_fresh_context(facts, call))
    )
    return call.kwargs.get("target") if fresh else None


def _target_function(ctx: Context, spawn: Call, target: Optional[Expr]) -> Optional[str]:
    """The module-level function ``target`` names, directly or through ``functools.partial``
    (written in place or assigned to a variable first)."""
    if target is None:
        return None
    partial_call: Optional[Call] = None
    if target.kind == "name":
        if _is_module_function(ctx.facts, target):
            return target.text
        partial_call = next(
            (
                c
                for c in ctx.facts.calls
                if c.qualname in _PARTIAL
                and c.assigned_to == target.text
                and c.scope in (spawn.scope, "")
            ),
            None,
        )
    elif target.kind == "call":
        partial_call = next(
            (
                c
                for c in ctx.facts.calls
                if c.qualname in _PARTIAL and target.start is not None and c.start == target.start
            ),
            None,
        )
    if partial_call is None or not partial_call.args:
        return None
    wrapped = partial_call.args[0]
    return wrapped.text if _is_module_function(ctx.facts, wrapped) else None


def _is_module_function(facts: ModuleFacts, expr: Expr) -> bool:
    function = facts.functions.get(expr.text) if expr.kind == "name" else None
    return function is not None and not function.is_nested


def _run_by(ctx: Context, target: str) -> Set[str]:
    """The target and the module's functions it runs, at any depth."""
    local = ctx.analysis.draw_graph().local
    found: Set[str] = set()
    pending = [target]
    while pending:
        node = pending.pop()
        if node not in found:
            found.add(node)
            pending += local.get(node, [])
    return found


def _reseeded_on_import(ctx: Context, rng: str) -> bool:
    """A seed at module level outside the ``__main__`` guard: a fresh child imports the
    main module again (as ``__mp_main__``) and so runs it too."""
    return any(
        rng in event.rngs and event.call.scope == "" and not event.call.in_main_guard
        for event in ctx.analysis.seed_events()
    )


_MAX_SHOWN = 40


def _shown(start: _Start) -> str:
    """The start call with its target as written, e.g. ``mp.spawn(main_worker)``."""
    callee = start.call.raw or f"(...).{start.call.method}"
    keyword = "target=" if start.call.kwargs.get("target") is start.target else ""
    text = start.target.text if len(start.target.text) <= _MAX_SHOWN else "..."
    return f"{callee}({keyword}{text})"


def _describe(draw: Draw) -> str:
    where = f" in `{draw.module}`" if draw.module else ""
    return f"`{draw.callee}`{where} at line {draw.row}"


class SeedNotInSpawnedProcess(Rule):
    """
    ## What it does
    Flags an entry point that seeds, then starts processes that begin with a
    fresh interpreter: `torch.multiprocessing.spawn(fn, ...)`,
    `torch.multiprocessing.start_processes(fn, ...)` (unless
    `start_method="fork"`), and `multiprocessing.Process(target=fn)` after
    `set_start_method("spawn")`/`"forkserver"` or from
    `get_context("spawn")`/`"forkserver"`, when `fn` (a function of this
    module, also through `functools.partial`) draws from an RNG, at any depth
    through this module's functions, that it does not seed itself.

    ## Why is this bad?
    A spawned process starts a new Python interpreter whose RNGs are seeded from
    OS entropy. The parent's `torch.manual_seed` sets the parent's generator
    only: the children initialise their models, shuffle and drop out differently
    on every run, although the script looks seeded (the usual DDP
    `main()`/`mp.spawn(main_worker, ...)` layout). With the `fork` start method
    the children copy the parent's RNG state instead, so that case is not
    reported.

    ## Example
    ```python
    import torch
    import torch.multiprocessing as mp

    def main_worker(rank, world_size):
        model = torch.nn.Linear(4, 2)

    if __name__ == "__main__":
        torch.manual_seed(0)
        mp.spawn(main_worker, args=(2,), nprocs=2)
    ```

    Use instead:
    ```python
    import torch
    import torch.multiprocessing as mp

    SEED = 0

    def main_worker(rank, world_size):
        torch.manual_seed(SEED + rank)
        model = torch.nn.Linear(4, 2)

    if __name__ == "__main__":
        mp.spawn(main_worker, args=(2,), nprocs=2)
    ```

    ## Fix safety
    No fix is offered. The seed belongs at the start of the target and should
    differ per process (`seed + rank`), but the user's seed is often a
    command-line argument of the parent that must first be passed through
    `args=`, and which parameter holds the rank depends on how the processes
    are started: choosing both for the user is not a mechanical edit.

    ## Known limitations
    Only an explicit start method is known: `multiprocessing.Process` under the
    platform's default (`spawn` on macOS and Windows, `forkserver` on Linux from
    Python 3.14) is not reported. A target defined in another module is not
    followed. A seed at module level outside the `__main__` guard is not
    reported: the children import the main module again and run it too.
    """

    code = "TSL112"
    name = "seed-not-in-spawned-process"
    triggers = frozenset({"spawn", "Process", "start_processes"})  # what starts processes
    VALID = [
        # Seeded inside the worker, from the user's seed and the rank.
        """
        import torch
        import torch.multiprocessing as mp

        def worker(rank, seed):
            torch.manual_seed(seed + rank)
            model = torch.nn.Linear(2, 2)

        if __name__ == '__main__':
            torch.manual_seed(0)
            mp.spawn(worker, args=(0,), nprocs=2)
        """,
        # A seeding helper called inside the worker counts.
        """
        import random
        import torch.multiprocessing as mp

        def set_seed(s):
            random.seed(s)

        def worker(rank):
            set_seed(rank)
            print(random.random())

        if __name__ == '__main__':
            random.seed(0)
            mp.spawn(worker, nprocs=2)
        """,
        # The default start method on Linux (fork) copies the parent's RNG state.
        """
        import multiprocessing as mp
        import torch

        def worker():
            print(torch.rand(1))

        if __name__ == '__main__':
            torch.manual_seed(0)
            mp.Process(target=worker).start()
        """,
        """
        import torch
        import torch.multiprocessing as mp

        def worker(rank):
            print(torch.rand(1))

        if __name__ == '__main__':
            torch.manual_seed(0)
            mp.start_processes(worker, nprocs=2, start_method='fork')
        """,
        # Seeded at module level: each child runs it again when it imports the script.
        """
        import torch
        import torch.multiprocessing as mp
        torch.manual_seed(0)

        def worker(rank):
            print(torch.rand(1))

        if __name__ == '__main__':
            mp.spawn(worker, nprocs=2)
        """,
        # A worker that draws nothing.
        """
        import torch
        import torch.multiprocessing as mp

        def worker(rank):
            print(rank)

        if __name__ == '__main__':
            torch.manual_seed(0)
            mp.spawn(worker, nprocs=2)
        """,
    ]
    INVALID = [
        """
        import torch
        import torch.multiprocessing as mp

        def main_worker(rank, world):
            model = torch.nn.Linear(2, 2)

        def main():
            torch.manual_seed(0)
            mp.spawn(main_worker, args=(2,), nprocs=2)

        if __name__ == '__main__':
            main()
        """,
        # Through functools.partial, and a helper that draws.
        """
        import functools
        import numpy as np
        import torch.multiprocessing as mp

        def noise():
            return np.random.rand(3)

        def worker(rank, scale):
            print(noise() * scale)

        if __name__ == '__main__':
            np.random.seed(0)
            mp.spawn(functools.partial(worker, scale=2.0), nprocs=2)
        """,
        """
        import multiprocessing as mp
        import random

        def worker():
            print(random.random())

        if __name__ == '__main__':
            mp.set_start_method('spawn')
            random.seed(0)
            mp.Process(target=worker).start()
        """,
        """
        import multiprocessing
        import torch

        def worker():
            print(torch.randn(2))

        if __name__ == '__main__':
            torch.manual_seed(0)
            ctx = multiprocessing.get_context('forkserver')
            ctx.Process(target=worker).start()
        """,
        Example(
            """
            from functools import partial
            import torch
            from torch.multiprocessing import start_processes

            def run(rank, cfg):
                torch.nn.Dropout(0.1)(torch.ones(2))

            if __name__ == '__main__':
                torch.manual_seed(0)
                job = partial(run, cfg={})
                start_processes(job, nprocs=2)
            """
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if not ctx.is_entry_point:
            return
        for start in self._starts(ctx):
            draws = self._unseeded_draws(ctx, start.function)
            if not draws:
                continue
            listed = " and ".join(
                f"the {K.RNG_LABELS[rng]} RNG ({_describe(draw)})" for rng, draw in draws.items()
            )
            yield self.at_call(
                ctx,
                start.call,
                f"`{_shown(start)}` starts fresh processes: the parent's seeding does not reach "
                f"`{start.function}`, which draws from {listed}",
            )

    def _starts(self, ctx: Context) -> List[_Start]:
        facts = ctx.facts
        contexts = _fresh_contexts(facts)
        global_fresh = _global_fresh_method(facts)
        found = []
        for call in facts.calls:
            target = _starts_fresh(facts, call, contexts, global_fresh)
            function = _target_function(ctx, call, target)
            if target is not None and function is not None:
                found.append(_Start(call, target, function))
        return found

    def _unseeded_draws(self, ctx: Context, target: str) -> Dict[str, Draw]:
        """RNG -> the first draw of what ``target`` runs (at any depth, project code
        included), for each RNG the parent seeds and the children neither seed nor
        inherit a seed for."""
        analysis = ctx.analysis
        scopes = _run_by(ctx, target)
        parent_seeds: Set[str] = set()
        child_seeds: Set[str] = set()
        for event in analysis.seed_events():
            (child_seeds if event.call.scope in scopes else parent_seeds).update(event.rngs)
        draws = analysis.node_draws().get(target, {})
        return {
            rng: draws[rng]
            for rng in _RNG_ORDER
            if rng in draws
            and rng in parent_seeds
            and rng not in child_seeds
            and not _reseeded_on_import(ctx, rng)
        }
