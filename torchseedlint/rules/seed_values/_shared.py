"""Helpers shared by several rules of this family."""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

from torchseedlint.core.diagnostics import Applicability, Edit, Fix, Location
from torchseedlint.edits.seeding_block import reseed_value
from torchseedlint.edits.source_text import SourceText
from torchseedlint.semantic.analysis import first_arg
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr

_BIT_GENERATORS = frozenset(
    f"numpy.random.{name}" for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
)

# Constructors of RNG objects that take a seed (None or absent: OS entropy).
_RNG_CONSTRUCTORS = (
    frozenset(
        {
            "numpy.random.default_rng",
            "numpy.random.RandomState",
            "random.Random",
            "numpy.random.SeedSequence",
        }
    )
    | _BIT_GENERATORS
)

_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "critical", "exception", "log"}
)

_RECORD_METHODS = frozenset(
    {
        "log_param",
        "log_params",
        "log_hyperparams",
        "add_hparams",
        "add_text",
        "log_text",
        "log_dict",
        "write",
        "echo",
        "set_postfix",
    }
)

_TRACKERS = ("wandb.", "mlflow.", "comet_ml.", "neptune.", "clearml.", "aim.", "logging.")


def _label(call: Call) -> str:
    return f"`{call.raw}(...)`" if call.raw else f"`.{call.method}(...)`"


def _chain(
    ctx: Context, expr: Expr, scope: str, depth: int = 3
) -> List[Tuple[Optional[str], Expr]]:
    """``expr`` and, transitively, the values last assigned to the names it reads
    (or to the attribute it is: ``opt.manualSeed = random.randint(...)``).

    Each entry is (name the value was assigned to, value); the first is (None, expr).
    Function parameters stop the search: their value comes from the caller, unless
    the function assigns them again (``seed = seed or random.randint(...)``).
    """
    function = ctx.facts.functions.get(scope)
    params = set(function.params) if function is not None else set()
    params -= {a.target for a in ctx.facts.assigns if a.scope == scope}
    found: List[Tuple[Optional[str], Expr]] = [(None, expr)]
    seen: Set[str] = set()
    frontier = [expr]
    for _ in range(depth):
        following = []
        for current in frontier:
            for name in _read_names(current):
                if name in seen or name in params:
                    continue
                seen.add(name)
                value = ctx.analysis.assigned_value(name, scope)
                if value is not None:
                    found.append((name, value))
                    following.append(value)
        frontier = following
    return found


def _read_names(expr: Expr) -> Tuple[str, ...]:
    """The names an expression reads, and the expression itself when it is an attribute."""
    return (expr.text, *expr.names) if expr.kind == "attribute" else expr.names


def _seed_argument_fix(
    ctx: Context, src: SourceText, call: Call, message: str, applicability: Applicability
) -> Optional[Fix]:
    """Write the seed value into a call that has none (``f()``) or passes ``None``."""
    value = reseed_value(ctx, call)
    seed = first_arg(call)
    if seed is not None and seed.kind == "none" and seed.start is not None and seed.end is not None:
        return Fix(applicability, message, (Edit(value, seed.start, seed.end),))
    if call.args or call.kwargs:
        return None
    text = src.span(call.start, call.end)
    opening = text.rfind("(")
    if opening < 0 or not text.endswith(")") or text[opening + 1 : -1].strip():
        return None
    start = src.location(src.offset(call.start) + opening + 1)
    end = Location(call.end.row, call.end.column - 1)
    return Fix(applicability, message, (Edit(value, start, end),))


def _is_logging(call: Call) -> bool:
    if call.raw == "print":
        return True
    if (call.qualname or "").startswith(_TRACKERS) or call.method in _RECORD_METHODS:
        return True
    receiver = (call.receiver or "").lower()
    if call.method in _LOG_METHODS and "log" in receiver:
        return True
    return call.method == "update" and receiver.endswith("config")


def _logged_values(ctx: Context, scope: str) -> List[Expr]:
    """Values passed to print/logging/experiment trackers, or stored in a config
    (``wandb.config.seed = seed``), in ``scope`` or at module level."""
    values: List[Expr] = []
    for call in ctx.facts.calls:
        if call.scope in (scope, "") and _is_logging(call):
            values += [*call.args, *call.kwargs.values()]
    for assign in ctx.facts.assigns:
        parts = assign.target.split(".")
        if assign.scope in (scope, "") and "config" in parts[1:]:
            values.append(assign.value)
    return values


def _logged_names(ctx: Context, scope: str) -> Set[str]:
    """Names whose value is printed, logged or recorded (see ``_logged_values``)."""
    return {name for value in _logged_values(ctx, scope) for name in _read_names(value)}


def _within(call: Call, expr: Expr) -> bool:
    if expr.start is None or expr.end is None:
        return False
    return (expr.start.row, expr.start.column) <= (call.start.row, call.start.column) and (
        (call.end.row, call.end.column) <= (expr.end.row, expr.end.column)
    )
