"""What the rules know of a module: :class:`ModuleFacts`, from one traversal of its tree.

Two collectors build them: ``cst_facts`` from libcst's tree (the reference) and
``ast_facts`` from CPython's ``ast`` (the fast path, proven equal). Neither is
imported here, so reading facts costs no parser import. Facts are plain
picklable data: no tree nodes, positions already resolved. Rules never walk the
tree again; the project index is built from the facts of many files; the cache
stores them.

Names are recorded as written (``np.random.rand``) and resolved through the
module's import table once the whole file has been seen (imports may come after
a use inside a function), so ``qualname`` is ``numpy.random.rand`` whatever the
alias. A name that no import binds keeps ``qualname=None`` and its raw text.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple, Union

from torchseedlint.core.diagnostics import Location

# Facts are most of a run's memory (hundreds of thousands of objects): no
# ``__dict__`` per object where dataclasses can say so (Python 3.10+; explicit
# ``__slots__`` would forbid the field defaults on 3.9).
_SLOTS: Dict[str, bool] = {"slots": True} if sys.version_info >= (3, 10) else {}

_BUILTINS_OF_INTEREST = frozenset(
    {
        "hash",
        "sorted",
        "list",
        "set",
        "frozenset",
        "enumerate",
        "dict",
        "zip",
        "tuple",
        "iter",
        "sum",
        "int",
        "len",
        "abs",
    }
)

# The value of a literal the collectors evaluate without running code (``b"..."`` too).
LiteralValue = Union[int, float, str, bytes, bool, None]


@dataclass(**_SLOTS)
class Expr:
    """A summary of an expression: what it is, what it calls, which names it reads."""

    kind: str  # literal | none | name | attribute | call | lambda | set | other
    text: str
    value: LiteralValue = None
    names: Tuple[str, ...] = ()
    calls: Tuple[str, ...] = ()  # dotted callee names, resolved after the pass
    # Where the expression is written, so fixes can replace it.
    start: Optional[Location] = None
    end: Optional[Location] = None


@dataclass(**_SLOTS)
class Call:
    index: int
    raw: Optional[str]  # dotted callee as written, None for e.g. ``f()()``
    qualname: Optional[str]  # resolved through imports; None for locals
    method: Optional[str]  # last attribute of the callee (``uniform_`` in ``w.uniform_()``)
    receiver: Optional[str]  # dotted text before the method, if a dotted name
    args: List[Expr]
    kwargs: Dict[str, Expr]
    start: Location
    end: Location
    stmt_end_row: int
    scope: str  # qualified name of the enclosing function; "" for module level
    class_name: Optional[str]
    in_main_guard: bool
    loops: Tuple[int, ...]  # ids of the enclosing for/while loops, outermost first
    parent: Optional[str]  # raw callee of the call this one is a direct argument of
    assigned_to: Optional[str]  # ``x`` / ``self.x`` in ``x = <this call>``
    # The iterable of a ``for`` loop or a comprehension: ``for f in <this call>``.
    iterated: bool = False
    # A context manager of a ``with`` statement: ``with <this call>:``.
    with_item: bool = False

    def kwarg(self, name: str) -> Optional[Expr]:
        return self.kwargs.get(name)

    def call_text(self, limit: int = 80) -> str:
        """A short rendering for messages, e.g. ``DataLoader(num_workers=4)``."""
        shown = [f"{k}={v.text}" for k, v in self.kwargs.items() if k in ("num_workers", "shuffle")]
        text = f"{self.raw or '<call>'}({', '.join(shown)})"
        return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(**_SLOTS)
class Function:
    name: str
    qualname: str
    class_name: Optional[str]
    start: Location
    is_nested: bool
    params: Tuple[str, ...]
    calls: List[int] = field(default_factory=list)  # indices into ModuleFacts.calls
    references: Set[str] = field(default_factory=set)
    attributes: Set[str] = field(default_factory=set)  # ``x`` in ``obj.x`` in the body


@dataclass(**_SLOTS)
class Assign:
    target: str  # ``x``, ``self.x``, ``cudnn.benchmark`` as written
    qualname: Optional[str]  # target resolved through imports (attributes only)
    value: Expr
    start: Location
    end: Location
    scope: str
    in_main_guard: bool
    key: Optional[str] = None  # for ``os.environ["KEY"] = ...``


@dataclass(**_SLOTS)
class Loop:
    id: int
    iter: Optional[Expr]  # None for while loops
    target: str
    start: Location
    scope: str
    parents: Tuple[int, ...] = ()  # ids of the enclosing loops, outermost first
    # First statement of an indented body (None for ``for x in y: stmt``), where
    # fixes insert a statement at the top of the loop.
    body_start: Optional[Location] = None


@dataclass(**_SLOTS)
class Import:
    module: str  # as written, without the leading dots
    level: int  # number of leading dots of a relative import
    names: Tuple[str, ...]  # imported names; ("*",) for a star import
    row: int = 0  # line of the import statement


@dataclass(**_SLOTS)
class TopStatement:
    kind: str  # docstring | future | import | main_guard | def | class | other
    start_row: int
    end_row: int


@dataclass(**_SLOTS)
class ModuleFacts:
    path: str
    aliases: Dict[str, str] = field(default_factory=dict)  # names bound by imports
    # Module-level names assigned an imported dotted name (``npr = np.random``):
    # resolved like aliases, but not import bindings a fix may write before them.
    assigned_aliases: Dict[str, str] = field(default_factory=dict)
    imports: List[Import] = field(default_factory=list)
    calls: List[Call] = field(default_factory=list)
    functions: Dict[str, Function] = field(default_factory=dict)
    classes: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # name -> base qualnames
    assigns: List[Assign] = field(default_factory=list)
    loops: List[Loop] = field(default_factory=list)
    top_statements: List[TopStatement] = field(default_factory=list)
    module_references: Set[str] = field(default_factory=set)
    cuda_uses: List[Location] = field(default_factory=list)
    has_main_guard: bool = False

    def resolve(self, dotted: Optional[str]) -> Optional[str]:
        """Resolve a dotted name as written to its qualified name, or None."""
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head) or self.assigned_aliases.get(head)
        if target is None:
            return dotted if head in _BUILTINS_OF_INTEREST and not rest else None
        return f"{target}.{rest}" if rest else target

    def names_bound_to(self, module: str) -> List[str]:
        """The names ``import module [as name]`` binds, sorted (``T`` before ``torch``)."""
        return sorted(name for name, target in self.aliases.items() if target == module)

    def name_of_module(self, module: str) -> Optional[str]:
        """How to write ``module`` here: its own name when imported plainly, else the first
        alias; None when the module is not imported."""
        names = self.names_bound_to(module)
        return module if module in names else (names[0] if names else None)


def _last_row(end: Location) -> int:
    # A node that ends at column 1 ends with a newline: its last line is the one before.
    return end.row - 1 if end.column == 1 and end.row > 1 else end.row


def _add_assigned_aliases(facts: ModuleFacts) -> None:
    """``npr = np.random``, ``rng = random``: a module-level name assigned once, to an
    imported dotted name, is one more alias of it (``npr.seed`` is ``numpy.random.seed``)."""
    counts: Dict[str, int] = {}
    for assign in facts.assigns:
        counts[assign.target] = counts.get(assign.target, 0) + 1
    for assign in facts.assigns:
        name = assign.target
        if (
            assign.scope != ""
            or counts[name] != 1
            or "." in name
            or name in facts.aliases
            or name in facts.functions
            or name in facts.classes
            or assign.value.kind not in ("name", "attribute")
        ):
            continue
        target = facts.resolve(assign.value.text)
        if target is not None:
            facts.assigned_aliases[name] = target


def _resolve_all(facts: ModuleFacts) -> None:
    _add_assigned_aliases(facts)
    for call in facts.calls:
        call.qualname = facts.resolve(call.raw)
        for expr in [*call.args, *call.kwargs.values()]:
            _resolve_expr(facts, expr)
    for assign in facts.assigns:
        assign.qualname = facts.resolve(assign.target)
        _resolve_expr(facts, assign.value)
    for loop in facts.loops:
        if loop.iter is not None:
            _resolve_expr(facts, loop.iter)
    facts.classes = {
        name: tuple(facts.resolve(base) or base for base in bases)
        for name, bases in facts.classes.items()
    }


def _resolve_expr(facts: ModuleFacts, expr: Expr) -> None:
    expr.calls = tuple(facts.resolve(name) or name for name in expr.calls)
