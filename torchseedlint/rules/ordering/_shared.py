"""Helpers shared by several rules of this family."""

from __future__ import annotations

from torchseedlint.core.diagnostics import Applicability, Fix, Location
from torchseedlint.edits.apply import insertion
from torchseedlint.semantic.facts import Loop, ModuleFacts

# Wrappers that keep the order of what they are given.
_ORDER_KEEPING = frozenset({"list", "tuple", "enumerate", "iter"})


def _wrap_sorted(applicability: Applicability, start: Location, end: Location) -> Fix:
    return Fix(
        applicability,
        "Wrap in `sorted(...)`",
        (insertion(start.row, start.column, "sorted("), insertion(end.row, end.column, ")")),
    )


_APPENDING_METHODS = frozenset({"append", "extend", "insert", "write", "writelines"})


def _builds_sequence(facts: ModuleFacts, loop: Loop) -> bool:
    """The loop body appends or writes, or numbers items (``index[k] = len(index)``)."""
    return any(
        loop.id in call.loops
        and (
            call.method in _APPENDING_METHODS
            or (call.qualname == "len" and call.args and call.args[0].text == call.assigned_to)
        )
        for call in facts.calls
    )
