"""The libcst fact collector: one walk over a module's CST (the reference collector).

:mod:`torchseedlint.semantic.ast_facts` builds the same facts from ``ast`` for speed; every
file with something to report, every fix and every fix check goes through this one.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, Union

import libcst as cst

from torchseedlint.core.diagnostics import Location
from torchseedlint.core.text import line_offsets
from torchseedlint.semantic.facts import (
    Assign,
    Expr,
    Function,
    Import,
    LiteralValue,
    Loop,
    ModuleFacts,
    TopStatement,
    _last_row,
    _resolve_all,
)
from torchseedlint.semantic.libcst_compat import node_positions
from torchseedlint.semantic.walk import WalkState


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _module_name(node: Union[cst.Attribute, cst.Name, None]) -> str:
    return dotted_name(node) or "" if node is not None else ""


def _literal(node: cst.BaseExpression) -> Tuple[str, LiteralValue]:
    """Return (kind, value) for literals we can evaluate without running code."""
    if isinstance(node, cst.Integer):
        return "literal", node.evaluated_value
    if isinstance(node, cst.Float):
        return "literal", node.evaluated_value
    if isinstance(node, cst.SimpleString):
        return "literal", node.evaluated_value
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return "literal", node.value == "True"
    if isinstance(node, cst.Name) and node.value == "None":
        return "none", None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        kind, value = _literal(node.expression)
        if kind == "literal" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return "literal", -value
    return "", None


# --- traversal ---------------------------------------------------------------------
#
# libcst's ``visit`` rebuilds every node it passes (its visitors may replace
# children). The collector only reads, so it walks the fields itself, in source
# order: the order of ``CSTNode.children`` (``tests/semantic/test_libcst_compat.py`` checks
# this table against it), less the fields that only ever hold whitespace or
# punctuation.

_PUNCTUATION = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.Asynchronous,
    cst.ImportStar,
)
_FIELD_ORDER: Dict[str, Tuple[str, ...]] = {
    "AnnAssign": ("target", "annotation", "equal", "value"),
    "Annotation": ("annotation",),
    "Arg": ("keyword", "equal", "value"),
    "AsName": ("name",),
    "Assert": ("test", "msg"),
    "Assign": ("targets", "value"),
    "AssignTarget": ("target",),
    "Attribute": ("value", "dot", "attr"),
    "AugAssign": ("target", "operator", "value"),
    "Await": ("expression",),
    "BinaryOperation": ("left", "operator", "right"),
    "BooleanOperation": ("left", "operator", "right"),
    "Break": (),
    "Call": ("func", "args"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    "Comment": (),
    "CompFor": ("asynchronous", "target", "iter", "ifs", "inner_for_in"),
    "CompIf": ("test",),
    "Comparison": ("left", "comparisons"),
    "ComparisonTarget": ("operator", "comparator"),
    "ConcatenatedString": ("left", "right"),
    "Continue": (),
    "Decorator": ("decorator", "trailing_whitespace"),
    "Del": ("target",),
    "Dict": ("lbrace", "elements", "rbrace"),
    "DictComp": ("lbrace", "key", "value", "for_in", "rbrace"),
    "DictElement": ("key", "value"),
    "Element": ("value",),
    "Ellipsis": (),
    "Else": ("body",),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "Expr": ("value",),
    "Finally": ("body",),
    "Float": (),
    "For": ("asynchronous", "target", "iter", "body", "orelse"),
    "FormattedString": ("parts",),
    "FormattedStringExpression": ("expression", "equal", "format_spec"),
    "FormattedStringText": (),
    "From": ("item",),
    "FunctionDef": (
        "decorators",
        "asynchronous",
        "name",
        "type_parameters",
        "params",
        "returns",
        "body",
    ),
    "GeneratorExp": ("elt", "for_in"),
    "Global": ("names",),
    "If": ("test", "body", "orelse"),
    "IfExp": ("body", "test", "orelse"),
    "Imaginary": (),
    "Import": ("names",),
    "ImportAlias": ("name", "asname"),
    "ImportFrom": ("relative", "module", "names"),
    "IndentedBlock": ("header", "body", "footer"),
    "Index": ("value",),
    "Integer": (),
    "Lambda": ("params", "colon", "body"),
    "LazyImport": ("names",),
    "LazyImportFrom": ("relative", "module", "names"),
    "List": ("lbracket", "elements", "rbracket"),
    "ListComp": ("lbracket", "elt", "for_in", "rbracket"),
    "Match": ("subject", "cases", "footer"),
    "MatchAs": ("pattern", "name"),
    "MatchCase": ("pattern", "guard", "body"),
    "MatchClass": ("cls", "patterns", "kwds"),
    "MatchKeywordElement": ("key", "pattern"),
    "MatchList": ("lbracket", "patterns", "rbracket"),
    "MatchMapping": ("lbrace", "elements", "rest", "trailing_comma", "rbrace"),
    "MatchMappingElement": ("key", "pattern"),
    "MatchOr": ("patterns",),
    "MatchOrElement": ("pattern", "separator"),
    "MatchSequenceElement": ("value",),
    "MatchSingleton": ("value",),
    "MatchStar": ("name",),
    "MatchTuple": ("patterns",),
    "MatchValue": ("value",),
    "Module": ("header", "body", "footer"),
    "Name": (),
    "NameItem": ("name",),
    "NamedExpr": ("target", "value"),
    "Nonlocal": ("names",),
    "Param": ("name", "annotation", "equal", "default"),
    "ParamSlash": (),
    "ParamSpec": ("name",),
    "ParamStar": (),
    "Parameters": (
        "posonly_params",
        "posonly_ind",
        "params",
        "star_arg",
        "kwonly_params",
        "star_kwarg",
    ),
    "Pass": (),
    "Raise": ("exc", "cause"),
    "Return": ("value",),
    "Set": ("lbrace", "elements", "rbrace"),
    "SetComp": ("lbrace", "elt", "for_in", "rbrace"),
    "SimpleStatementLine": ("body", "trailing_whitespace"),
    "SimpleStatementSuite": ("leading_whitespace", "body", "trailing_whitespace"),
    "SimpleString": (),
    "Slice": ("lower", "first_colon", "upper", "second_colon", "step"),
    "StarredDictComp": ("lbrace", "value", "for_in", "rbrace"),
    "StarredDictElement": ("value",),
    "StarredElement": ("value",),
    "Subscript": ("value", "lbracket", "slice", "rbracket"),
    "SubscriptElement": ("slice",),
    "TemplatedString": ("parts",),
    "TemplatedStringExpression": ("expression", "equal", "format_spec"),
    "TemplatedStringText": (),
    "Try": ("body", "handlers", "orelse", "finalbody"),
    "TryStar": ("body", "handlers", "orelse", "finalbody"),
    "Tuple": ("elements",),
    "TypeAlias": ("name", "type_parameters", "value"),
    "TypeParam": ("param", "equal", "default"),
    "TypeParameters": ("lbracket", "params", "rbracket"),
    "TypeVar": ("name", "colon", "bound"),
    "TypeVarTuple": ("name",),
    "UnaryOperation": ("operator", "expression"),
    "While": ("test", "body", "orelse"),
    "With": ("asynchronous", "items", "body"),
    "WithItem": ("item", "asname"),
    "Yield": ("value",),
}
# Per class: 1 a node to walk, 2 punctuation, 0 not a node (libcst's node classes
# are ABCs: isinstance on them is slow enough to matter here).
_CHILD_KIND: Dict[type, int] = {}


def _child_kind(cls: type) -> int:
    kind = _CHILD_KIND.get(cls)
    if kind is None:
        kind = 2 if issubclass(cls, _PUNCTUATION) else 1 if issubclass(cls, cst.CSTNode) else 0
        _CHILD_KIND[cls] = kind
    return kind


# Per class: the fields of its table entry that this libcst has (older versions
# lack some, e.g. ``TypeParam.default``), None for a class newer than the table.
_ORDER: Dict[type, Optional[Tuple[str, ...]]] = {}


def _field_order(cls: type) -> Optional[Tuple[str, ...]]:
    order = _FIELD_ORDER.get(cls.__name__)
    if order is None:
        return None
    fields = {f.name for f in dataclasses.fields(cls)}
    return tuple(name for name in order if name in fields)


def _children(node: cst.CSTNode) -> List[cst.CSTNode]:
    cls = type(node)
    try:
        order = _ORDER[cls]
    except KeyError:
        order = _ORDER[cls] = _field_order(cls)
    if order is None:
        return [child for child in node.children if _child_kind(type(child)) == 1]
    found: List[cst.CSTNode] = []
    for name in order:
        value = getattr(node, name)
        kind = _child_kind(type(value))
        if kind == 1:
            found.append(value)
        elif kind == 0 and isinstance(value, (list, tuple)):
            found.extend(v for v in value if _child_kind(type(v)) == 1)
    return found


class _Scan:
    """The names read and the callees inside one expression, gathered as the walk
    passes through it."""

    __slots__ = ("expr", "node", "names", "calls")

    def __init__(self, expr: Expr, node: cst.CSTNode) -> None:
        self.expr = expr
        self.node = node
        self.names: List[str] = []
        self.calls: List[str] = []

    def add(self, node: cst.CSTNode) -> None:
        if type(node) is cst.Name:
            self.names.append(node.value)
        elif type(node) is cst.Call:
            name = dotted_name(node.func)
            if name:
                self.calls.append(name)

    def add_tree(self, node: cst.CSTNode) -> None:
        self.add(node)
        for child in _children(node):
            self.add_tree(child)

    def finish(self) -> None:
        self.expr.names = tuple(self.names)
        self.expr.calls = tuple(self.calls)


# Node class -> (visit, leave) functions of ``_Collector``, unbound: bound methods
# held by the collector would make it, and the tree it holds, a reference cycle
# that only a full garbage collection frees.
_HANDLERS: Dict[type, Tuple[Optional[Callable[..., Any]], Optional[Callable[..., Any]]]] = {}


class _Collector(cst.CSTVisitor, WalkState):
    def __init__(self, module: cst.Module, facts: ModuleFacts, source: str) -> None:
        cst.CSTVisitor.__init__(self)
        WalkState.__init__(self, facts)
        self.module = module
        self.source = source
        self.positions = node_positions(module)
        self.line_starts = line_offsets(source)
        # Expressions whose names and callees are gathered when the walk reaches
        # them (id(node) -> scans), and those the walk is inside of.
        self.pending_scans: Dict[int, List[_Scan]] = {}
        self.active_scans: List[_Scan] = []
        # Names that are not reads of a variable (``x.attr``, ``f(keyword=...)``, the
        # name in ``def name``): they must not make a same-named function reachable.
        self.not_references: Set[int] = set()

    # --- helpers ---------------------------------------------------------------

    def _start_end(self, node: cst.CSTNode) -> Tuple[Location, Location]:
        line, column, end_line, end_column = self.positions.span(node)
        return Location(line, column + 1), Location(end_line, end_column + 1)

    def walk(self, node: cst.CSTNode) -> None:
        """Visit ``node`` and its subtree, as libcst's ``visit`` would, without rebuilding it."""
        scans = self.pending_scans.pop(id(node), None)
        if scans:
            self.active_scans.extend(scans)
        for scan in self.active_scans:
            scan.add(node)
        handlers = _HANDLERS.get(type(node))
        if handlers is None:
            name = type(node).__name__
            handlers = (
                getattr(_Collector, f"visit_{name}", None),
                getattr(_Collector, f"leave_{name}", None),
            )
            _HANDLERS[type(node)] = handlers
        visit, leave = handlers
        if visit is None or visit(self, node) is not False:
            for child in _children(node):
                self.walk(child)
        if leave is not None:
            leave(self, node)
        if scans:
            del self.active_scans[-len(scans) :]
            for scan in scans:
                scan.finish()

    def finish_scans(self) -> None:
        """Expressions the walk did not pass through after they were summarised."""
        for scans in self.pending_scans.values():
            for scan in scans:
                scan.add_tree(scan.node)
                scan.finish()
        self.pending_scans.clear()

    def _text(self, node: cst.CSTNode, limit: int = 200) -> str:
        line, column, end_line, end_column = self.positions.inclusive[id(node)]
        code = self.source[
            self.line_starts[line - 1] + column : self.line_starts[end_line - 1] + end_column
        ]
        text = " ".join(code.split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def _expr(self, node: cst.BaseExpression) -> Expr:
        kind, value = _literal(node)
        if not kind:
            if isinstance(node, cst.Name):
                kind = "name"
            elif isinstance(node, cst.Attribute):
                kind = "attribute"
            elif isinstance(node, cst.Call):
                kind = "call"
            elif isinstance(node, cst.Lambda):
                kind = "lambda"
            elif isinstance(node, (cst.Set, cst.SetComp)):
                kind = "set"
            else:
                kind = "other"
        start, end = self._start_end(node)
        expr = Expr(kind, self._text(node), value, (), (), start, end)
        self.pending_scans.setdefault(id(node), []).append(_Scan(expr, node))
        return expr

    # --- statements ------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        for index, stmt in enumerate(node.body):
            start, end = self._start_end(stmt)
            self.facts.top_statements.append(
                TopStatement(_top_kind(stmt, index), start.row, _last_row(end))
            )

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.stmt_end_rows.append(_last_row(self._start_end(node)[1]))

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self.stmt_end_rows.pop()

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.facts.aliases[alias.asname.name.value] = full
            else:
                head = full.split(".")[0]
                self.facts.aliases.setdefault(head, head)
            self.facts.imports.append(Import(full, 0, (), self._start_end(node)[0].row))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _module_name(node.module)
        level = len(node.relative)
        prefix = "." * level + module
        if isinstance(node.names, cst.ImportStar):
            self.facts.imports.append(Import(module, level, ("*",), self._start_end(node)[0].row))
            return
        names = []
        for alias in node.names:
            name = _module_name(alias.name)
            names.append(name)
            bound = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound = alias.asname.name.value
            sep = "" if prefix.endswith(".") else "."
            self.facts.aliases[bound] = f"{prefix}{sep}{name}"
        self.facts.imports.append(Import(module, level, tuple(names), self._start_end(node)[0].row))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.not_references.add(id(node.name))
        name = node.name.value
        outer = self.functions[-1].qualname if self.functions else ""
        owner = self.classes[-1] if self.classes and not self.functions else None
        if outer:
            qualname = f"{outer}.{name}"
        elif owner:
            qualname = f"{owner}.{name}"
        else:
            qualname = name
        params = tuple(p.name.value for p in node.params.params)
        function = Function(
            name, qualname, owner, self._start_end(node.name)[0], bool(self.functions), params
        )
        self.facts.functions[qualname] = function
        self.functions.append(function)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.not_references.add(id(node.name))
        bases = tuple(filter(None, (dotted_name(arg.value) for arg in node.bases)))
        self.facts.classes[node.name.value] = bases
        self.classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_If(self, node: cst.If) -> None:
        if not self.functions and not self.classes and _is_main_guard(node.test):
            self.facts.has_main_guard = True
            self.main_guard_depth += 1

    def leave_If(self, original_node: cst.If) -> None:
        if not self.functions and not self.classes and _is_main_guard(original_node.test):
            self.main_guard_depth -= 1

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.iterated_calls.add(id(node.iter))

    def visit_With(self, node: cst.With) -> None:
        self.with_items.update(id(item.item) for item in node.items)

    def visit_For(self, node: cst.For) -> None:
        self.iterated_calls.add(id(node.iter))
        self._loop(node, self._expr(node.iter), self._text(node.target))

    def leave_For(self, original_node: cst.For) -> None:
        self.loop_stack.pop()

    def visit_While(self, node: cst.While) -> None:
        self._loop(node, None, "")

    def leave_While(self, original_node: cst.While) -> None:
        self.loop_stack.pop()

    def _loop(
        self, node: Union[cst.For, cst.While], iter_expr: Optional[Expr], target: str
    ) -> None:
        loop_id = len(self.facts.loops)
        start, _ = self._start_end(node)
        body_start = None
        if isinstance(node.body, cst.IndentedBlock) and node.body.body:
            body_start = self._start_end(node.body.body[0])[0]
        self.facts.loops.append(
            Loop(loop_id, iter_expr, target, start, self.scope, tuple(self.loop_stack), body_start)
        )
        self.loop_stack.append(loop_id)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        key = None
        if isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                evaluated = index.value.evaluated_value
                key = evaluated if isinstance(evaluated, str) else None
            written = dotted_name(target.value)
        else:
            written = dotted_name(target)
        if written is None:
            return
        if isinstance(value, cst.Call):
            self.pending_assign_target[id(value)] = written
        start, end = self._start_end(target)
        self.facts.assigns.append(
            Assign(
                written,
                None,
                self._expr(value),
                start,
                end,
                self.scope,
                self.main_guard_depth > 0,
                key,
            )
        )

    # --- expressions -----------------------------------------------------------

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_references.add(id(node.attr))
        if self.functions:
            self.functions[-1].attributes.add(node.attr.value)

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self.not_references:
            return
        if self.functions:
            self.functions[-1].references.add(node.value)
        else:
            self.facts.module_references.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if isinstance(value, str) and (value == "cuda" or value.startswith("cuda:")):
            self.facts.cuda_uses.append(self._start_end(node)[0])

    def visit_Call(self, node: cst.Call) -> None:
        raw = dotted_name(node.func)
        method = receiver = None
        if isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            receiver = dotted_name(node.func.value)
        elif isinstance(node.func, cst.Name):
            method = None
        args: List[Expr] = []
        kwargs: Dict[str, Expr] = {}
        for arg in node.args:
            if arg.keyword is not None:
                kwargs[arg.keyword.value] = self._expr(arg.value)
            elif not arg.star:
                args.append(self._expr(arg.value))
        start, end = self._start_end(node)
        self.record_call(id(node), raw, method, receiver, args, kwargs, start, end)

    def leave_Call(self, original_node: cst.Call) -> None:
        self.call_stack.pop()

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_references.add(id(node.keyword))
        # Only direct arguments have the enclosing call as parent; anything nested
        # deeper (``sorted(x for x in os.listdir())``) is marked as such.
        if not isinstance(node.value, cst.Call):
            self.call_stack.append("<nested>")

    def leave_Arg(self, original_node: cst.Arg) -> None:
        if not isinstance(original_node.value, cst.Call):
            self.call_stack.pop()


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    has_name = any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides)
    has_main = any(
        isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__" for s in sides
    )
    return has_name and has_main


def _top_kind(stmt: cst.CSTNode, index: int) -> str:
    if isinstance(stmt, cst.SimpleStatementLine):
        first = stmt.body[0] if stmt.body else None
        if index == 0 and isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString):
            return "docstring"
        if isinstance(first, cst.ImportFrom) and _module_name(first.module) == "__future__":
            return "future"
        if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            return "import"
        return "other"
    if isinstance(stmt, cst.If) and _is_main_guard(stmt.test):
        return "main_guard"
    if isinstance(stmt, cst.FunctionDef):
        return "def"
    if isinstance(stmt, cst.ClassDef):
        return "class"
    return "other"


def collect_facts(module: cst.Module, path: str, source: Optional[str] = None) -> ModuleFacts:
    """Run the single traversal over ``module`` and return its facts.

    ``source``: the text ``module`` was parsed from (``module.code`` if not given).
    """
    facts = ModuleFacts(path=path)
    collector = _Collector(module, facts, module.code if source is None else source)
    collector.walk(module)
    collector.finish_scans()
    _resolve_all(facts)
    return facts
