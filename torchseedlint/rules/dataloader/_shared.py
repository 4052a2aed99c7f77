"""Helpers shared by several rules of this family."""

from __future__ import annotations

from typing import ClassVar, Iterator, Optional, Set

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix
from torchseedlint.core.text import line_ending
from torchseedlint.rules.base import Rule
from torchseedlint.rules.worker_draws import MAX_DEPTH, worker_loaders
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr, Function


def _line_ending(ctx: Context, row: int) -> str:
    lines = ctx.lines
    return line_ending(lines[row - 1] if 0 < row <= len(lines) else "")


def _worker_init_function(ctx: Context, loader: Call) -> Optional[Function]:
    """The function a loader's ``worker_init_fn=<name>`` refers to, if defined here."""
    expr = loader.kwargs.get("worker_init_fn")
    if expr is None or expr.kind != "name":
        return None
    if loader.scope:
        nested = ctx.facts.functions.get(f"{loader.scope}.{expr.text}")
        if nested is not None:
            return nested
    return ctx.facts.functions.get(expr.text)


def _unseeded_draws(ctx: Context) -> Set[int]:
    """Calls TSL101 reports as drawing from torch's never-seeded global RNG (an entry
    point that never seeds torch): their missing ``generator=`` is the same root
    cause, reported once, by TSL101."""
    if not ctx.is_entry_point or ctx.analysis.seeded(K.TORCH):
        return set()
    return {call.index for call in ctx.analysis.torch_consumers()}


_SEED_BUILTINS = frozenset({"int", "abs"})


def _seed_kind(ctx: Context, expr: Expr, fn: Function, depth: int = 0) -> Optional[str]:
    """``"constant"``, ``"worker"`` (worker_id and constants only) or None (anything else).

    None is the precise default: a call, an attribute or an unknown name may
    carry a per-run seed.
    """
    if expr.kind == "literal":
        return (
            "constant" if isinstance(expr.value, int) and not isinstance(expr.value, bool) else None
        )
    if expr.kind not in ("name", "call", "other") or depth > MAX_DEPTH:
        return None
    if any(name not in _SEED_BUILTINS for name in expr.calls):
        return None
    worker_param = fn.params[0] if fn.params else None
    kind = "constant"
    for name in expr.names:
        if name in _SEED_BUILTINS and name in expr.calls:
            continue
        if name == worker_param:
            kind = "worker"
            continue
        value = ctx.analysis.assigned_value(name, fn.qualname)
        inner = _seed_kind(ctx, value, fn, depth + 1) if value is not None else None
        if inner is None:
            return None
        if inner == "worker":
            kind = "worker"
    return kind


class _WorkerInitSeed(Rule):
    """Shared logic: seeding calls in a loader's worker_init_fn, by kind of seed."""

    seed_kind: ClassVar[str]
    fix_safety = Applicability.SAFE

    def applies_to(self, loader: Call) -> bool:
        return True

    def message(self, call: Call, fn: Function) -> str:
        raise NotImplementedError

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        reported: Set[int] = set()
        for loader in worker_loaders(ctx):
            fn = _worker_init_function(ctx, loader)
            if fn is None or not self.applies_to(loader):
                continue
            for index in fn.calls:
                call = ctx.facts.calls[index]
                seed = first_arg(call)
                if index in reported or seed is None:
                    continue
                if not ctx.analysis.call_seeds(call) - {K.DETERMINISM}:
                    continue
                if _seed_kind(ctx, seed, fn) == self.seed_kind:
                    reported.add(index)
                    yield self.at_call(ctx, call, self.message(call, fn), self._fix(ctx, seed))

    @staticmethod
    def _fix(ctx: Context, seed: Expr) -> Optional[Fix]:
        torch_name = next(iter(ctx.facts.names_bound_to("torch")), None)
        if torch_name is None or seed.start is None or seed.end is None:
            return None
        content = f"{torch_name}.initial_seed() % 2**32"
        return Fix(
            Applicability.SAFE, f"Seed from `{content}`", (Edit(content, seed.start, seed.end),)
        )


# Words for the text screen (``torchseedlint.engine.screen``): the loader or sampler reported.
_LOADER = frozenset({"DataLoader"})
