"""Helpers shared by several rules of this family."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from torchseedlint.core.diagnostics import Applicability, Edit, Fix, Location
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.facts import Call, Expr, ModuleFacts

_CUDNN = "torch.backends.cudnn"

_CUBLAS_KEY = "CUBLAS_WORKSPACE_CONFIG"


@dataclass(frozen=True)
class _Flag:
    """One place that sets a cuDNN flag to a literal: an assignment or a keyword."""

    label: str  # as the message shows it
    value: Expr
    stmt_end_row: int

    @property
    def span(self) -> Tuple[Location, Location]:
        """Where the literal is (``_flags`` keeps only literals with a position)."""
        assert self.value.start is not None and self.value.end is not None
        return self.value.start, self.value.end


def _flags(facts: ModuleFacts, name: str) -> List[_Flag]:
    """``cudnn.<name> = <literal>``, ``cudnn.flags(<name>=...)``, Lightning ``Trainer(<name>=...)``."""
    found = [
        _Flag(f"{assign.target} = {assign.value.text}", assign.value, assign.value.end.row)
        for assign in facts.assigns
        if assign.qualname == f"{_CUDNN}.{name}"
        and assign.value.kind == "literal"
        and assign.value.end is not None
    ]
    for call in facts.calls:
        if call.qualname == f"{_CUDNN}.flags" or K.is_lightning_trainer(call.qualname):
            found.extend(_flags_of_call(call, name))
    return found


def _flags_of_call(call: Call, name: str) -> List[_Flag]:
    value = call.kwargs.get(name)
    if value is None or value.kind != "literal" or value.end is None:
        return []
    return [_Flag(f"{call.raw}({name}={value.text})", value, call.stmt_end_row)]


def _benchmark_on(facts: ModuleFacts) -> List[_Flag]:
    return [flag for flag in _flags(facts, "benchmark") if flag.value.value is True]


def _benchmark_off_fix(flag: _Flag, applicability: Applicability) -> Fix:
    return Fix(applicability, "Set `benchmark` to `False`", (Edit("False", *flag.span),))


def _top_statement_end(facts: ModuleFacts, row: int, kinds: Tuple[str, ...]) -> Optional[int]:
    """The last row of the top-level statement of one of ``kinds`` starting at ``row``."""
    for stmt in facts.top_statements:
        if stmt.start_row == row and stmt.kind in kinds:
            return stmt.end_row
    return None


def _first_import_row(facts: ModuleFacts, module: str, binding: bool = False) -> Optional[int]:
    """The row of the first import of ``module`` (or a submodule), if it is a top-level statement.

    With ``binding``, only ``import module [as x]``, which binds the module itself, counts.
    """
    rows = [
        imp.row
        for imp in facts.imports
        if imp.level == 0
        and (
            (imp.module == module and not imp.names)
            or (not binding and (imp.module == module or imp.module.startswith(module + ".")))
        )
    ]
    if not rows or _top_statement_end(facts, min(rows), ("import",)) is None:
        return None
    return min(rows)


def _deterministic_flags(facts: ModuleFacts) -> List[_Flag]:
    return [flag for flag in _flags(facts, "deterministic") if flag.value.value in (True, "warn")]


# Words for the text screen (``torchseedlint.engine.screen``): a CUDA use is a ``"cuda"``
# string, ``.cuda()``, ``torch.cuda.set_device`` or a Lightning ``Trainer`` with
# ``accelerator="gpu"``/``gpus=N``; the flags are ``benchmark`` and ``deterministic``
# (Lightning's ``Trainer(deterministic="warn")``); the rest are call names.
_CUDA = frozenset({"cuda"})

_BENCHMARK = frozenset({"benchmark"})

_DETERMINISM = K.leaves(K.DETERMINISM_CALLS) | {"deterministic"}
