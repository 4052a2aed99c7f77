"""Helpers shared by several rules of this family."""

from __future__ import annotations

from typing import ClassVar, FrozenSet, Iterator, List, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.edits.seeding_block import loader_fixable, seeding_fix
from torchseedlint.rules.base import Rule
from torchseedlint.rules.worker_draws import WORKER_SEEDING, seed_worker_loaders, worker_rngs
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call

_MAX_LISTED = 3


def _others(calls: List[Call]) -> str:
    if not calls:
        return ""
    shown = ", ".join(f"`{c.raw or c.method}` (line {c.start.row})" for c in calls[:_MAX_LISTED])
    more = len(calls) - _MAX_LISTED
    return f"; also {shown}" + (f" and {more} more" if more > 0 else "")


def _label(call: Call) -> str:
    if call.raw:
        return f"`{call.raw}(...)`"
    return f"`.{call.method}(...)`"


def _block_fix(ctx: Context) -> Optional[Fix]:
    """The seeding block; with ``seed_worker`` when TSL201 reports a loader of this module,
    so that TSL101-TSL104 and TSL201 carry one identical edit."""
    if not ctx.build_fixes:
        return None
    return seeding_fix(ctx, worker_rngs=_reported_worker_rngs(ctx))


def _reported_worker_rngs(ctx: Context) -> Optional[FrozenSet[str]]:
    """What the workers of the loaders TSL201 reports draw from; None when it reports
    none whose call its fix can rewrite."""
    if WORKER_SEEDING not in ctx.codes:
        return None
    loaders = seed_worker_loaders(ctx)
    if not any(loader_fixable(ctx.source, call) for call in loaders):
        return None
    return worker_rngs(ctx, loaders)


class _MissingSeed(Rule):
    """Shared logic: one diagnostic per entry point, at the first consumer."""

    rng: ClassVar[str]
    seeder: ClassVar[str]
    fix_safety = Applicability.SAFE

    def consumers(self, ctx: Context) -> List[Call]:
        raise NotImplementedError

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if not ctx.is_entry_point or ctx.analysis.seeded(self.rng):
            return
        consumers = sorted(self.consumers(ctx), key=lambda c: (c.start.row, c.start.column))
        if not consumers:
            return
        first, rest = consumers[0], consumers[1:]
        rng = K.RNG_LABELS[self.rng]
        imported = ctx.analysis.imported_draw(first)
        via = ""
        if imported is not None:  # project code this entry point calls draws, not the call itself
            via = f" via {imported.draws[self.rng].describe()}"
        yield self.at_call(
            ctx,
            first,
            f"{_label(first)} draws from the {rng} RNG{via}, but this entry point never "
            f"seeds it{_others(rest)}",
            _block_fix(ctx),
        )


# Words for the text screen (``torchseedlint.engine.screen``). Every rule here needs an
# entry point, so a ``__main__`` guard or a consumer at module level; imported
# project code that draws can stand for the consumer, but only in an entry point.
_ENTRY_POINT_WORDS = K.CONSUMER_WORDS | {"__main__"}
