"""TSL109 unseeded-rng-object."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.edits.source_text import SourceText
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.seed_values._shared import (
    _RNG_CONSTRUCTORS,
    _label,
    _seed_argument_fix,
    _within,
)
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call

# Methods that give an RNG object a new state (``rng.seed(s)``, ``rng.setstate(...)``).
_RESEEDING_METHODS = frozenset({"seed", "manual_seed", "setstate", "set_state", "__setstate__"})


def _top_statement_rows(ctx: Context, row: int) -> range:
    """The rows of the top-level statement (function, class, ...) holding ``row``."""
    for statement in ctx.facts.top_statements:
        if statement.start_row <= row <= statement.end_row:
            return range(statement.start_row, statement.end_row + 1)
    return range(1, len(ctx.lines) + 1)


class UnseededRngObject(Rule):
    """
    ## What it does
    Flags RNG objects created without a seed (or with `None`):
    `np.random.default_rng()`, `np.random.RandomState()`, `random.Random()`,
    `np.random.SeedSequence()`, and bit generators such as
    `np.random.PCG64()` (so `np.random.Generator(PCG64())` too).

    ## Why is this bad?
    They are seeded from OS entropy, independently of `torch.manual_seed`,
    `random.seed` and `np.random.seed`: everything drawn from them differs
    between runs however well the script seeds the global RNGs.

    ## Example
    ```python
    import numpy as np
    rng = np.random.default_rng()
    ```

    Use instead:
    ```python
    import numpy as np
    SEED = 0
    rng = np.random.default_rng(SEED)
    ```

    ## Fix safety
    Unsafe: the fix passes a seed, and so picks a value: the program's seed where
    it is in scope (`args.seed`), else the module's `SEED` constant if it defines
    one, else `0`; inside a loop, plus the loop variable.

    ## Known limitations
    A `torch.Generator()` is not flagged: its default seed is fixed
    (67280421310721), so it is reproducible, if shared by every unseeded
    generator. A seed held in a variable that may be `None` at run time
    (`default_rng(args.seed)`) is not flagged, nor is an object assigned to a
    name that is given a state elsewhere in the module (`self.rng = Random()`
    with `self.rng.seed(s)` or `.setstate(...)` in another method), that is
    never read (uses are found in the text of the function, or of the module
    for `self.<attr>` and an entry point's globals), or that is assigned again
    before it is read (`self.rng = default_rng()` then `self.rng =
    default_rng(seed)`). Branches are not told apart, and methods are taken in
    the order they are written.
    """

    code = "TSL109"
    name = "unseeded-rng-object"
    fix_hint = "pass a seed derived from the run's seed"
    severity = "warning"
    fix_safety = Applicability.UNSAFE
    triggers = K.leaves(_RNG_CONSTRUCTORS)
    VALID = [
        """
        import numpy as np
        rng = np.random.default_rng(0)
        """,
        """
        import random
        SEED = 3
        r = random.Random(SEED)
        """,
        """
        import torch
        g = torch.Generator()
        """,
        """
        import numpy as np

        def make(seed=None):
            return np.random.default_rng(seed)
        """,
        """
        from numpy.random import Generator, PCG64
        g = Generator(PCG64(12345))
        """,
        """
        import random

        class Shuffler:
            def __init__(self):
                self.rng = random.Random()

            def reset(self, seed):
                self.rng.seed(seed)
        """,
        """
        import numpy as np

        def main():
            rng = np.random.default_rng()
            return 1
        """,
        """
        import numpy as np

        class Env:
            def __init__(self, seed):
                self.rng = np.random.default_rng()
                self.rng = np.random.default_rng(seed)

            def step(self):
                return self.rng.random()
        """,
    ]
    INVALID = [
        Example(
            """
            import numpy as np
            rng = np.random.default_rng()
            x = rng.normal()
            """,
            fixed="""
            import numpy as np
            rng = np.random.default_rng(0)
            x = rng.normal()
            """,
        ),
        """
        import numpy
        state = numpy.random.RandomState(None)
        state.shuffle([1, 2])
        """,
        """
        import random

        def pick(items):
            r = random.Random()
            return r.choice(items)
        """,
        """
        from numpy.random import Generator, PCG64
        g = Generator(PCG64())
        print(g.random())
        """,
        """
        from numpy.random import default_rng as mk

        class DS:
            def __init__(self):
                self.rng = mk(seed=None)

            def __getitem__(self, i):
                return self.rng.random()
        """,
        """
        import numpy as np

        def noise():
            rng = np.random.default_rng()
            x = rng.random()
            rng = np.random.default_rng(0)
            return x
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        src = SourceText(ctx.source)
        for call in ctx.facts.calls:
            if call.qualname not in _RNG_CONSTRUCTORS:
                continue
            keyword = "entropy" if call.qualname == "numpy.random.SeedSequence" else "seed"
            seed = call.args[0] if call.args else call.kwargs.get(keyword, call.kwargs.get("x"))
            if (seed is not None and seed.kind != "none") or self._seeded_later(ctx, call):
                continue
            if not self._drawn_from(ctx, call):
                continue
            yield self.at_call(
                ctx,
                call,
                f"{_label(call)} without a seed is seeded from OS entropy, not the global seeds",
                _seed_argument_fix(ctx, src, call, "Pass a seed", Applicability.UNSAFE),
            )

    @staticmethod
    def _drawn_from(ctx: Context, call: Call) -> bool:
        """Whether the object may be drawn from: False when the name it is assigned
        to is never read, or is assigned again before any read (``self.rng =
        default_rng()`` then ``self.rng = default_rng(seed)``). Reads are found in
        the text (comments and strings count: when in doubt, it is used)."""
        holder = next(
            (a for a in ctx.facts.assigns if a.value.kind == "call" and _within(call, a.value)),
            None,
        )
        if holder is None:
            return True  # passed, returned or used in place
        name = holder.target
        rows: Optional[range] = None  # where reads may be; None: the whole module
        if name.startswith("self.") and name.count(".") == 1:
            # ``<anything>.rng``: another object's ``rng`` may be this one.
            pattern, target_offset = rf"\.{re.escape(name[5:])}(?!\w)", len("self")
        elif "." not in name and (holder.scope or ctx.is_entry_point):
            pattern, target_offset = rf"(?<![\w.]){re.escape(name)}(?!\w)", 0
            if holder.scope:
                rows = _top_statement_rows(ctx, holder.start.row)
        else:
            return True  # a module attribute other modules may import, or ``obj.attr``
        this = (holder.start.row, holder.start.column)
        replacements = {
            (a.start.row, a.start.column)
            for a in ctx.facts.assigns
            if a.target == name and not re.search(pattern, " " + a.value.text)
        }
        for row in rows or range(1, len(ctx.lines) + 1):
            for found in re.finditer(pattern, ctx.lines[row - 1]):
                where = (row, found.start() + 1 - target_offset)
                if where == this or (where in replacements and where < this):
                    continue
                # Replaced before any read after it: the object is never drawn from.
                return where not in replacements
        return False

    @staticmethod
    def _seeded_later(ctx: Context, call: Call) -> bool:
        """``self.rng = Random()`` as a placeholder: ``self.rng.seed(s)``/``setstate`` elsewhere."""
        target = call.assigned_to
        return target is not None and any(
            other.receiver == target and other.method in _RESEEDING_METHODS and other.args
            for other in ctx.facts.calls
        )
