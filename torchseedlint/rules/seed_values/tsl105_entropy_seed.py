"""TSL105 entropy-seed."""

from __future__ import annotations

from typing import Iterator, Optional, Set, Tuple

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.rules.base import Rule
from torchseedlint.rules.seed_values._shared import _RNG_CONSTRUCTORS, _chain, _label, _logged_names
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr

# What a seed is drawn from, besides the entropy calls of ``knowledge``.
_ENTROPY = "entropy"


def _draw_rng(qualname: str) -> Optional[str]:
    """The RNG a call draws from, ``_ENTROPY`` for OS/time entropy, None for neither."""
    rng = K.global_rng(qualname)
    if rng is not None:
        return rng
    return _ENTROPY if K.is_entropy_call(qualname) else None


class EntropySeed(Rule):
    """
    ## What it does
    Flags a seed derived from the clock, the process or the OS — `time.*`,
    `datetime.now()`, `os.urandom`, `uuid*`, `secrets.*`, `os.getpid()`,
    `hash(...)`, `torch.seed()` — or, in an entry point, from a draw of an RNG
    that is not seeded, when it is passed to a seeder (`torch.manual_seed`,
    `random.seed`, `np.random.seed`, seeding helpers), `Generator.manual_seed`
    or an RNG constructor (`np.random.default_rng(...)`, `random.Random(...)`).

    ## Why is this bad?
    Every run uses a different seed, so nothing is reproducible, and since the
    value is not recorded the one run you want to repeat cannot be.

    ## Example
    ```python
    import time
    import torch
    torch.manual_seed(int(time.time()))
    ```

    Use instead:
    ```python
    import torch
    SEED = 0  # or a command-line option
    torch.manual_seed(SEED)
    ```

    ## Known limitations
    A seed drawn from entropy into a variable that is then printed, logged
    (`logger.info`, `logging.*`) or recorded (`wandb.config`, `mlflow.log_param`,
    `add_hparams`, ...) in the same function or at module level is a logged
    sweep seed: the rule skips it (it is not downgraded). The order of the
    logging call and the seeding is not checked. `torch.initial_seed()` and
    `get_worker_info().seed` are not treated as entropy: inside a
    `worker_init_fn` they are the recommended recipe, and outside one they are
    reproducible once torch is seeded. In library modules only clock/OS entropy
    counts, not draws from an RNG (the caller may have seeded it). Values are
    followed through up to three assignments, by name, without control flow.
    """

    code = "TSL105"
    name = "entropy-seed"
    fix_hint = "use a fixed or configured seed, and log it"
    severity = "warning"
    triggers = K.ENTROPY_WORDS  # the seed's source
    VALID = [
        """
        import torch
        SEED = 0
        torch.manual_seed(SEED)
        """,
        """
        import time
        import torch
        seed = int(time.time())
        print(f'seed={seed}')
        torch.manual_seed(seed)
        """,
        """
        import logging
        import os
        import random
        log = logging.getLogger(__name__)
        seed = int.from_bytes(os.urandom(4), 'little')
        log.info('seed %d', seed)
        random.seed(seed)
        """,
        """
        import time
        import wandb
        import numpy as np

        def main():
            seed = time.time_ns() % 2**32
            wandb.config.seed = seed
            np.random.seed(seed)
        """,
        """
        import random
        import numpy as np
        import torch

        def seed_worker(worker_id):
            worker_seed = torch.initial_seed() % 2**32
            np.random.seed(worker_seed)
            random.seed(worker_seed)
        """,
        """
        import random
        import torch
        random.seed(0)
        torch.manual_seed(random.randint(0, 2**31))
        """,
        """
        import torch

        def set_seed(seed):
            torch.manual_seed(seed)
        """,
    ]
    INVALID = [
        """
        import time
        import torch
        torch.manual_seed(int(time.time()))
        """,
        """
        import time as t
        import random
        seed = int(t.time())
        random.seed(seed)
        """,
        """
        from datetime import datetime
        import numpy as np
        rng = np.random.default_rng(int(datetime.now().timestamp()))
        """,
        """
        import os
        import torch
        g = torch.Generator()
        g.manual_seed(os.getpid())
        """,
        """
        import random
        import torch
        seed = random.randint(0, 2**31)
        torch.manual_seed(seed)
        """,
        """
        import uuid
        from lightning import seed_everything
        seed_everything(uuid.uuid4().int % 1000)
        """,
        """
        import secrets
        import numpy as np

        def setup():
            np.random.seed(secrets.randbits(32))
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.facts.calls:
            seed = first_arg(call)
            if seed is None or not self._is_seeding(ctx, call):
                continue
            found = self._entropy(ctx, call, seed)
            if found is None:
                continue
            source, via_names = found
            if via_names and via_names & _logged_names(ctx, call.scope):
                continue
            yield self.at_call(
                ctx,
                call,
                f"seed of {_label(call)} comes from `{source}`: a different, unrecorded seed each run",
            )

    @staticmethod
    def _is_seeding(ctx: Context, call: Call) -> bool:
        qualname = call.qualname or ""
        if qualname in K.CUDA_ONLY_SEEDERS or qualname in _RNG_CONSTRUCTORS:
            return True
        if call.method == "manual_seed":
            return True
        return bool(ctx.analysis.call_seeds(call) - {K.DETERMINISM})

    def _entropy(self, ctx: Context, call: Call, seed: Expr) -> Optional[Tuple[str, Set[str]]]:
        """(the entropy source, the names it flows through) or None."""
        for name, value in _chain(ctx, seed, call.scope):
            for callee in value.calls:
                rng = _draw_rng(callee)
                if rng == _ENTROPY or (
                    rng is not None
                    and ctx.is_entry_point
                    and not self._seeded_elsewhere(ctx, rng, call)
                ):
                    chain_names = {n for n, _ in _chain(ctx, seed, call.scope) if n}
                    return callee, (chain_names if name is not None else set())
        return None

    @staticmethod
    def _seeded_elsewhere(ctx: Context, rng: str, call: Call) -> bool:
        return any(
            rng in event.rngs
            and event.call.index != call.index
            and not event.randomizing
            and not event.entropic
            for event in ctx.analysis.seed_events()
        )
