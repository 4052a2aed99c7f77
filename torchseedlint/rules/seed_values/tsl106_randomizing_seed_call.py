"""TSL106 randomizing-seed-call."""

from __future__ import annotations

from typing import Iterator, Optional, Tuple

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix
from torchseedlint.edits.seeding_block import reseed_value
from torchseedlint.edits.source_text import SourceText
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.seed_values._shared import (
    _label,
    _logged_names,
    _logged_values,
    _seed_argument_fix,
    _within,
)
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call

_RNG_OBJECT_KINDS = {
    "torch.Generator": "torch",
    "random.Random": "seed",
    "numpy.random.RandomState": "seed",
}


def _rng_object_kind(ctx: Context, receiver: Optional[str], scope: str) -> Optional[str]:
    """ "torch" or "seed" when ``receiver`` holds a ``torch.Generator``/``Random``/``RandomState``."""
    if not receiver:
        return None
    values = [
        a.value
        for a in ctx.facts.assigns
        if a.target == receiver and (a.scope in (scope, "") or receiver.startswith("self."))
    ]
    for value in reversed(values):
        for name in value.calls:
            if name in _RNG_OBJECT_KINDS:
                return _RNG_OBJECT_KINDS[name]
        return None
    return None


def _result_logged(ctx: Context, call: Call) -> bool:
    """The value ``call`` returns is printed, logged or recorded: directly
    (``print(torch.seed())``) or through the name it is assigned to
    (``seed = torch.seed() % 2**32`` then ``log.info(seed)``)."""
    callee = call.qualname or call.raw
    if any(callee in value.calls for value in _logged_values(ctx, call.scope)):
        return True
    holders = {
        assign.target
        for assign in ctx.facts.assigns
        if assign.scope == call.scope and _within(call, assign.value)
    }
    return bool(holders & _logged_names(ctx, call.scope))


class RandomizingSeedCall(Rule):
    """
    ## What it does
    Flags calls that reseed an RNG from OS entropy: `torch.seed()`,
    `torch.random.seed()`, `torch.cuda.seed()`, `torch.cuda.seed_all()`,
    `<torch.Generator>.seed()`, `random.seed()`/`random.seed(None)`,
    `np.random.seed()`/`np.random.seed(None)`, and helpers for which `None`
    means a random seed (detectron2 `seed_all_rng`, mmengine
    `set_random_seed`, with no seed or `None`; MONAI `set_determinism` with
    `seed=None`: without a seed it uses a fixed default).

    ## Why is this bad?
    The name says "seed", but the call picks a fresh random seed: it undoes any
    earlier `manual_seed` and makes everything after it differ between runs.

    ## Example
    ```python
    import torch
    torch.manual_seed(0)
    torch.seed()
    ```

    Use instead:
    ```python
    import torch
    torch.manual_seed(0)
    ```

    ## Fix safety
    Unsafe: the fix writes an explicit seed, and so picks a value: the program's
    seed where it is in scope (`args.seed`), else the module's `SEED` constant if
    it defines one, else `0`; inside a loop, plus the loop variable
    (`np.random.seed(args.seed + epoch)`), so that a per-epoch reseed still
    differs every epoch. `torch.seed()` returns the new
    seed while `torch.manual_seed` returns a generator, so calls whose result is
    used are not fixed.

    ## Known limitations
    `<obj>.seed()` is recognised only when `obj` was assigned a
    `torch.Generator(...)`, `random.Random(...)` or `np.random.RandomState(...)`
    in the same function, at module level, or as `self.<attr>`. Lightning's
    `seed_everything(None)` is not flagged: since Lightning 2.2 it uses seed 0.
    A call whose returned seed is printed, logged or recorded (`seed =
    torch.seed()` then `print(seed)`, `logger.info(...)`, `wandb.config`, ...) in
    the same function or at module level is the "random but recorded" pattern,
    as for TSL105, and is not reported; the order of the two is not checked.
    """

    code = "TSL106"
    name = "randomizing-seed-call"
    fix_hint = "pass an explicit seed, or print or log the seed `torch.seed()` returns"
    fix_safety = Applicability.UNSAFE
    triggers = K.SEEDER_WORDS
    VALID = [
        """
        import torch
        torch.manual_seed(0)
        """,
        """
        import random
        random.seed(42)
        """,
        """
        import numpy as np

        def f(seed):
            np.random.seed(seed)
        """,
        """
        import torch
        g = torch.Generator()
        g.manual_seed(3)
        """,
        """
        import gym
        env = gym.make('CartPole-v1')
        env.seed()
        """,
        """
        from lightning import seed_everything
        seed_everything()
        """,
        """
        from monai.utils import set_determinism
        set_determinism()
        """,
        """
        import torch
        seed = torch.seed()
        print(f'seed: {seed}')
        """,
        """
        import logging
        import torch
        log = logging.getLogger(__name__)

        def main():
            seed = torch.seed() % 2**32
            log.info('seed %d', seed)
        """,
        """
        import torch
        import wandb
        g = torch.Generator()
        wandb.config.seed = g.seed()
        """,
    ]
    INVALID = [
        Example(
            """
            import torch
            torch.manual_seed(0)
            torch.seed()
            """,
            fixed="""
            import torch
            torch.manual_seed(0)
            torch.manual_seed(0)
            """,
        ),
        """
        import torch
        seed = torch.seed()
        print('seeded')
        """,
        """
        import torch as T
        T.random.seed()
        """,
        """
        import torch
        torch.cuda.seed_all()
        """,
        """
        import random
        random.seed()
        """,
        """
        import numpy as np
        np.random.seed(None)
        """,
        """
        from numpy import random as npr
        npr.seed()
        """,
        """
        import torch
        g = torch.Generator()
        g.seed()
        """,
        """
        from detectron2.utils.env import seed_all_rng
        seed_all_rng(None)
        """,
        """
        from monai.utils import set_determinism
        set_determinism(seed=None)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call, fix in self._randomizing_calls(ctx, SourceText(ctx.source)):
            # ``seed = torch.seed()`` then ``print(seed)``: random but recorded.
            if not _result_logged(ctx, call):
                yield self._report(ctx, call, fix)

    def _randomizing_calls(
        self, ctx: Context, src: SourceText
    ) -> Iterator[Tuple[Call, Optional[Fix]]]:
        for call in ctx.facts.calls:
            qualname = call.qualname or ""
            if qualname in K.RANDOMIZING_CALLS or (
                qualname.startswith("torch.") and qualname.endswith("default_generator.seed")
            ):
                yield call, self._manual_seed_fix(ctx, src, call, call.raw)
            elif qualname in K.RANDOM_WITHOUT_SEED or qualname in K.HELPERS_RANDOM_ON_NONE:
                if K.seeds_randomly(qualname, first_arg(call)):
                    yield call, self._fill_fix(ctx, src, call)
            elif call.method == "seed" and not call.args and not call.kwargs:
                kind = _rng_object_kind(ctx, call.receiver, call.scope)
                if kind == "torch":
                    yield call, self._manual_seed_fix(ctx, src, call, call.raw)
                elif kind == "seed":
                    yield call, self._fill_fix(ctx, src, call)

    def _report(self, ctx: Context, call: Call, fix: Optional[Fix]) -> Diagnostic:
        return self.at_call(
            ctx,
            call,
            f"{_label(call)} reseeds from OS entropy: every later draw differs between runs",
            fix,
        )

    def _fill_fix(self, ctx: Context, src: SourceText, call: Call) -> Optional[Fix]:
        return _seed_argument_fix(ctx, src, call, "Pass an explicit seed", Applicability.UNSAFE)

    @staticmethod
    def _manual_seed_fix(
        ctx: Context, src: SourceText, call: Call, raw: Optional[str]
    ) -> Optional[Fix]:
        # ``torch.seed()`` -> ``torch.manual_seed(SEED)``: only for a bare statement,
        # since the two return different things.
        if not raw or "." not in raw or not src.standalone_call(call):
            return None
        head, _, leaf = raw.rpartition(".")
        if leaf not in ("seed", "seed_all"):
            return None
        content = f"{head}.manual_{leaf}({reseed_value(ctx, call)})"
        return Fix(
            Applicability.UNSAFE,
            f"Replace with `{content}`",
            (Edit(content, call.start, call.end),),
        )
