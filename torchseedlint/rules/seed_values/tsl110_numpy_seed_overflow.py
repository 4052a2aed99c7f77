"""TSL110 numpy-seed-overflow."""

from __future__ import annotations

import re
from typing import Iterator, List, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.edits.apply import insertion
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.seed_values._shared import _chain, _label
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Expr

# 64-bit seeds that NumPy's legacy seeding rejects once they reach 2**32.
_TORCH_64BIT_SEEDS = frozenset(
    {"torch.initial_seed", "torch.random.initial_seed", "torch.seed", "torch.random.seed"}
)

_WORKER_SEED = re.compile(r"\.seed\b(?!\s*\()")

_REDUCERS = ("%", "&", ">>")


class NumpySeedOverflow(Rule):
    """
    ## What it does
    Flags `np.random.seed(x)` and `np.random.RandomState(x)` where `x` comes
    from a 64-bit seed — `torch.initial_seed()`, `get_worker_info().seed`,
    `torch.seed()` — directly or through variables, with no `% 2**32` or
    32-bit mask (`& 0xFFFFFFFF`, `>> 32`) on the way.

    ## Why is this bad?
    NumPy's legacy seeding requires `0 <= x < 2**32`. Inside a DataLoader worker
    (and in any process that did not call `torch.manual_seed` with a small
    value) the torch seed is a random 64-bit integer, so the call raises
    `ValueError: Seed must be between 0 and 2**32 - 1` in every worker. After
    `torch.manual_seed(0)` it "works" in the main process, which hides the bug.

    ## Example
    ```python
    import numpy as np
    import torch

    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed())
    ```

    Use instead:
    ```python
    import numpy as np
    import torch

    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed() % 2**32)
    ```

    ## Fix safety
    Safe: `% 2**32` keeps every seed that was accepted unchanged and maps the
    others into range.

    ## Known limitations
    Any `%`, `&` or `>>` on the way counts as a reduction, whatever its operand.
    """

    code = "TSL110"
    name = "numpy-seed-overflow"
    fix_hint = "reduce the seed with `% 2**32`"
    fix_safety = Applicability.SAFE
    triggers = K.leaves({"numpy.random.seed", "numpy.random.RandomState"})
    VALID = [
        """
        import numpy as np
        import torch
        np.random.seed(torch.initial_seed() % 2**32)
        """,
        """
        import numpy as np
        import torch

        def seed_worker(worker_id):
            worker_seed = torch.initial_seed() % 2**32
            np.random.seed(worker_seed)
        """,
        """
        import numpy as np
        from torch.utils.data import get_worker_info

        def init(i):
            np.random.seed(get_worker_info().seed & 0xFFFFFFFF)
        """,
        """
        import numpy as np
        import torch
        rng = np.random.default_rng(torch.initial_seed())
        """,
        """
        import numpy as np
        np.random.seed(1234)
        """,
    ]
    INVALID = [
        Example(
            """
            import numpy as np
            import torch

            def seed_worker(worker_id):
                np.random.seed(torch.initial_seed())
            """,
            fixed="""
            import numpy as np
            import torch

            def seed_worker(worker_id):
                np.random.seed(torch.initial_seed() % 2**32)
            """,
        ),
        """
        import numpy as np
        import torch

        def seed_worker(worker_id):
            s = torch.initial_seed()
            np.random.seed(s)
        """,
        """
        import numpy as onp
        import torch.utils.data as tud

        def init(i):
            info = tud.get_worker_info()
            onp.random.seed(info.seed)
        """,
        """
        import numpy as np
        import torch
        state = np.random.RandomState(torch.seed())
        """,
        """
        from numpy.random import seed
        from torch.utils.data import get_worker_info

        def init(i):
            seed(get_worker_info().seed + i)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.facts.calls:
            if call.qualname not in ("numpy.random.seed", "numpy.random.RandomState"):
                continue
            seed = first_arg(call)
            if seed is None:
                continue
            chain = [value for _, value in _chain(ctx, seed, call.scope)]
            if not self._is_64bit(chain) or any(r in v.text for v in chain for r in _REDUCERS):
                continue
            yield self.at_call(
                ctx,
                call,
                f"{_label(call)} is given a 64-bit torch seed: ValueError when it is >= 2**32",
                self._fix(seed),
            )

    @staticmethod
    def _is_64bit(chain: List[Expr]) -> bool:
        calls = {name for value in chain for name in value.calls}
        if calls & _TORCH_64BIT_SEEDS:
            return True
        worker_info = any(
            name.startswith("torch.") and name.endswith(".get_worker_info") for name in calls
        )
        return worker_info and any(_WORKER_SEED.search(value.text) for value in chain)

    @staticmethod
    def _fix(seed: Expr) -> Optional[Fix]:
        if seed.start is None or seed.end is None:
            return None
        message = "Append `% 2**32`"
        if seed.kind in ("name", "attribute", "call"):
            return Fix(
                Applicability.SAFE, message, (insertion(seed.end.row, seed.end.column, " % 2**32"),)
            )
        return Fix(
            Applicability.SAFE,
            message,
            (
                insertion(seed.start.row, seed.start.column, "("),
                insertion(seed.end.row, seed.end.column, ") % 2**32"),
            ),
        )
