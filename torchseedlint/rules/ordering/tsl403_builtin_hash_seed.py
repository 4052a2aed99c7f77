"""TSL403 builtin-hash-seed."""

from __future__ import annotations

from typing import Iterator, Optional

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.rules.base import Rule
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr, ModuleFacts

_RNG_CONSTRUCTORS = K.NUMPY_RNG_OBJECTS | {"random.Random"}


class BuiltinHashSeed(Rule):
    """
    ## What it does
    Flags `hash(...)` used as a seed (passed to a seeder, `Generator.manual_seed`,
    `default_rng`, `random.Random`, or stored in a name containing `seed`) or
    for bucketing (`hash(x) % n`, `abs(hash(x)) % n`), unless its argument is
    a number literal.

    ## Why is this bad?
    `str` and `bytes` hashes are salted per process: `hash("abc") % 10`
    changes from run to run unless `PYTHONHASHSEED` is fixed in the
    environment (setting it inside the script has no effect). A split or seed
    derived from it is different in every run. Verified: `hash("abc") % 1000`
    differs between two processes with different `PYTHONHASHSEED`.

    ## Example
    ```python
    is_val = hash(filename) % 10 == 0
    ```

    Use instead:
    ```python
    import zlib
    is_val = zlib.crc32(filename.encode()) % 10 == 0
    ```

    ## Known limitations
    Off by default, and no fix: the argument's type is not known (hashes of
    ints and tuples of ints are deterministic), and `zlib.crc32` needs bytes.
    """

    code = "TSL403"
    name = "builtin-hash-seed"
    default_enabled = False
    severity = "warning"
    triggers = frozenset({"hash"})
    VALID = [
        """
        import zlib
        bucket = zlib.crc32(name.encode()) % 10
        """,
        """
        key = hash(name)
        cache[key] = value
        """,
        "bucket = hash(12345) % 7\n",
        """
        import torch
        torch.manual_seed(42)
        """,
    ]
    INVALID = [
        "is_val = hash(filename) % 10 == 0\n",
        """
        import torch
        torch.manual_seed(hash(args.name))
        """,
        "shard = abs(hash(path)) % num_shards\n",
        """
        import numpy as np
        rng = np.random.default_rng(hash(f'{run}-{epoch}'))
        """,
        "seed = hash(experiment_name)\n",
        """
        import torch
        g = torch.Generator()
        g.manual_seed(hash(name))
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.facts.calls:
            if call.qualname != "hash" or not call.args or self._numeric(call.args[0]):
                continue
            use = self._use(ctx, call)
            if use is not None:
                yield self.at_call(
                    ctx,
                    call,
                    f"`{call.raw}(...)` {use}, but string hashes change with every process "
                    "(hash randomization); use `zlib.crc32(s.encode())` or `hashlib`",
                )

    @staticmethod
    def _numeric(expr: Expr) -> bool:
        return expr.kind in ("literal", "none") and not isinstance(expr.value, str)

    def _use(self, ctx: Context, call: Call) -> Optional[str]:
        parent = self._enclosing(ctx.facts, call)
        if parent is not None and self._is_seeder(ctx, parent):
            return f"seeds `{parent.raw or parent.method}`"
        if call.assigned_to and "seed" in call.assigned_to.lower():
            return f"is stored as the seed `{call.assigned_to}`"
        outer = parent if parent is not None and parent.qualname in ("abs", "int") else call
        rest = (
            ctx.lines[outer.end.row - 1][outer.end.column - 1 :]
            if outer.end.row <= len(ctx.lines)
            else ""
        )
        if rest.lstrip().startswith("%"):
            return "is used for bucketing"
        return None

    @staticmethod
    def _enclosing(facts: ModuleFacts, call: Call) -> Optional[Call]:
        """The call that ``call`` is a direct argument of."""
        found = None
        for other in facts.calls:
            if (
                call.parent is not None
                and other.raw == call.parent
                and other.index != call.index
                and other.start <= call.start
                and call.end <= other.end
            ):
                if found is None or other.start > found.start:
                    found = other
        return found

    @staticmethod
    def _is_seeder(ctx: Context, call: Call) -> bool:
        if ctx.analysis.direct_seeds(call) or call.qualname in K.CUDA_ONLY_SEEDERS:
            return True
        if call.qualname in _RNG_CONSTRUCTORS:
            return True
        return call.qualname is None and call.method in ("manual_seed", "seed")
