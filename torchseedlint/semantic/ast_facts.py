"""The facts of :mod:`torchseedlint.semantic.facts`, collected from CPython's ``ast`` instead of libcst.

``ast.parse`` is a C parser, about ten times faster than libcst's, so most files of
a run are analysed from it. The result must be *equal* to what
``cst_facts.collect_facts`` builds from the libcst tree (``tests/semantic/test_ast_facts.py``
checks it on every fixture and on a real corpus), so this walker reproduces
libcst's conventions rather than the ``ast``'s:

* columns count characters (``ast`` counts UTF-8 bytes: converted on non-ASCII lines);
* a node's range leaves out its parentheses, and a parenthesised tuple or a
  generator expression ends at its elements (``ast`` includes one pair); an
  expression's text is its code with its own parentheses, not a call's;
* ``True``/``False``/``None``, parameters, imported and ``global`` names are names;
* implicit concatenation is one string of several parts, none of which is the
  whole value; the text parts of an f-string are not strings;
* children are visited in source order (call arguments, decorators, ``a if b else c``);
* simple statements on one line (``a; b``) are one statement unless they are a
  compound statement's one-line suite.

When ``ast.parse`` fails the caller uses the libcst path (syntax errors, grammar
newer than the running interpreter, nesting too deep).

A new fact is added to a dataclass in ``facts.py``, set by ``cst_facts._Collector``
and set here in the handler of the same construct, at the same point of the walk
(before or after the children, as libcst's ``visit_``/``leave_`` does);
``tests/semantic/test_ast_facts.py`` names the first field where the two differ.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, Dict, List, Optional, Tuple, Union

from torchseedlint.core.diagnostics import Location
from torchseedlint.core.text import line_offsets, location_at
from torchseedlint.semantic.facts import (
    Assign,
    Expr,
    Function,
    Import,
    Loop,
    ModuleFacts,
    TopStatement,
    _last_row,
    _resolve_all,
)
from torchseedlint.semantic.walk import WalkState

_Literal = Union[int, float, str, bool, None]
# Between two parts of a concatenated string, or an expression and its parentheses.
_GAP = re.compile(r"(?:[ \t\f\r\n]|\\\r?\n|#[^\r\n]*)*")
_DEF_NAME = re.compile(r"(?:async(?:[ \t\f]|\\\r?\n)+)?def(?:[ \t\f]|\\\r?\n)+")
_STRING_PREFIX = re.compile(r"[rRbBuUfF]*")
# The code of a line before its comment, if any (strings on one line, quotes escaped).
_CODE = re.compile(r"""[^#'"\n]*(?:(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")[^#'"\n]*)*""")


def _dotted(node: ast.expr) -> Optional[str]:
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class _Scan:
    """The names read and callees inside one expression (see ``facts._Scan``)."""

    __slots__ = ("expr", "names", "calls")

    def __init__(self, expr: Expr) -> None:
        self.expr = expr
        self.names: List[str] = []
        self.calls: List[str] = []

    def finish(self) -> None:
        self.expr.names = tuple(self.names)
        self.expr.calls = tuple(self.calls)


class _Collector(WalkState):
    def __init__(self, text: str, facts: ModuleFacts) -> None:
        super().__init__(facts)
        self.text = text
        self.line_starts = line_offsets(text)
        self.ascii = text.isascii()
        self.encoded_lines: Dict[int, Optional[bytes]] = {}  # row -> UTF-8, None if ASCII
        self.pending_scans: Dict[int, List[_Scan]] = {}
        self.active_scans: List[_Scan] = []

    # --- positions -------------------------------------------------------------

    def column(self, row: int, byte_column: int) -> int:
        """The character column of a UTF-8 byte column (``ast``'s) on ``row``."""
        if self.ascii:
            return byte_column
        encoded = self.encoded_lines.get(row, b"")
        if encoded == b"":
            start = self.line_starts[row - 1]
            end = self.line_starts[row] if row < len(self.line_starts) else len(self.text)
            line = self.text[start:end]
            encoded = None if line.isascii() else line.encode("utf-8")
            self.encoded_lines[row] = encoded
        if encoded is None:
            return byte_column
        return len(encoded[:byte_column].decode("utf-8"))

    def offset(self, row: int, byte_column: int) -> int:
        if self.ascii:
            return self.line_starts[row - 1] + byte_column
        return self.line_starts[row - 1] + self.column(row, byte_column)

    def location(self, offset: int) -> Location:
        return location_at(self.line_starts, offset)

    def span(self, node: ast.AST) -> Tuple[int, int]:
        """libcst's syntactic range of ``node`` as text offsets: without parentheses."""
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        if type(node) is ast.GeneratorExp or (
            isinstance(node, ast.Tuple) and self._parenthesized(node, start)
        ):
            # ``ast`` includes one pair of parentheses (a call's, for a lone generator).
            start = _GAP.match(self.text, start + 1).end()  # type: ignore[union-attr]
            end = max(start, self.gap_before(end - 1))
        return start, end

    def _parenthesized(self, node: ast.Tuple, start: int) -> bool:
        if not node.elts:
            return True
        if self.text[start] != "(":
            return False
        # ``(a), b`` starts with its first element's parenthesis, ``((a), b)`` does not.
        first = self.span(node.elts[0])
        return self._own_parens(*first)[0] != start

    def _own_parens(self, start: int, end: int, call_open: int = -1) -> Tuple[int, int]:
        """The range of ``start:end`` with every pair of parentheses around it, up to
        the one that opens at ``call_open`` (a call's, around its only argument)."""
        text = self.text
        while True:
            before = self.gap_before(start) - 1
            if before < 0 or text[before] != "(" or before == call_open:
                return start, end
            after = _GAP.match(text, end).end()  # type: ignore[union-attr]
            if after >= len(text) or text[after] != ")":
                return start, end
            start, end = before, after + 1

    def gap_before(self, end: int) -> int:
        """Where the whitespace and comments that end at ``end`` start."""
        text = self.text
        while end > 0:
            char = text[end - 1]
            if char in " \t\f\\":
                end -= 1
            elif char in "\r\n":
                end -= 1
                if char == "\n" and text[end - 1 : end] == "\r":
                    end -= 1
                line_start = self.line_starts[location_at(self.line_starts, end).row - 1]
                code = _CODE.match(text, line_start, end).end()  # type: ignore[union-attr]
                if code < end and text[code] == "#":
                    end = code
            else:
                break
        return end

    def locations(self, node: ast.AST) -> Tuple[Location, Location]:
        kind = type(node)
        if kind is ast.Tuple or kind is ast.GeneratorExp:
            start, end = self.span(node)
            return self.location(start), self.location(end)
        row, end_row = node.lineno, node.end_lineno  # type: ignore[attr-defined]
        column: int = node.col_offset  # type: ignore[attr-defined]
        end_column: int = node.end_col_offset  # type: ignore[attr-defined]
        if not self.ascii:  # most files are ASCII: byte columns are character columns
            column, end_column = self.column(row, column), self.column(end_row, end_column)
        return Location(row, column + 1), Location(end_row, end_column + 1)

    def text_of(self, node: ast.AST, call_open: int = -1, limit: int = 200) -> str:
        """The code of ``node`` with its own parentheses, whitespace-normalised
        (``call_open``: where the parentheses of the call it is the argument of start)."""
        start, end = self._own_parens(*self.span(node), call_open)
        text = " ".join(self.text[start:end].split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    # --- strings ---------------------------------------------------------------

    def string_parts(self, node: ast.AST) -> List[Tuple[int, str]]:
        """(offset, code) of each literal of a string expression, in order."""
        start, end = self.span(node)
        text = self.text
        parts = []
        while start < end:
            body = _STRING_PREFIX.match(text, start).end()  # type: ignore[union-attr]
            quote = text[body : body + 3]
            if quote not in ('"""', "'''"):
                quote = text[body]
            close = body + len(quote)
            while True:
                close = text.index(quote, close)
                backslashes = 0
                while text[close - 1 - backslashes] == "\\":
                    backslashes += 1
                if backslashes % 2 == 0:
                    break
                close += 1
            close += len(quote)
            parts.append((start, text[start:close]))
            start = _GAP.match(text, close).end()  # type: ignore[union-attr]
        return parts

    def is_single_string(self, node: ast.AST) -> bool:
        return len(self.string_parts(node)) == 1

    # --- facts -----------------------------------------------------------------

    def name(self, value: str, reference: bool = True) -> None:
        for scan in self.active_scans:
            scan.names.append(value)
        if reference:
            if self.functions:
                self.functions[-1].references.add(value)
            else:
                self.facts.module_references.add(value)

    def literal(self, node: ast.expr) -> Tuple[str, _Literal]:
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None:
                return "none", None
            if isinstance(value, (bool, int, float)):
                return "literal", value
            if isinstance(value, (str, bytes)) and self.is_single_string(node):
                return "literal", value  # type: ignore[return-value]
        elif isinstance(node, ast.UnaryOp) and type(node.op) is ast.USub:
            inner_kind, inner = self.literal(node.operand)
            if (
                inner_kind == "literal"
                and isinstance(inner, (int, float))
                and not isinstance(inner, bool)
            ):
                return "literal", -inner
        return "", None

    def expr(self, node: ast.expr, call_open: int = -1) -> Expr:
        kind, value = self.literal(node)
        if not kind:
            kind = _EXPR_KINDS.get(type(node), "other")
        start, end = self.locations(node)
        expr = Expr(kind, self.text_of(node, call_open), value, (), (), start, end)
        self.pending_scans.setdefault(id(node), []).append(_Scan(expr))
        return expr

    def is_main_guard(self, test: ast.expr) -> bool:
        if type(test) is not ast.Compare or len(test.ops) != 1 or type(test.ops[0]) is not ast.Eq:
            return False
        sides = (test.left, test.comparators[0])
        has_name = any(type(s) is ast.Name and s.id == "__name__" for s in sides)
        has_main = any(
            type(s) is ast.Constant and s.value == "__main__" and self.is_single_string(s)
            for s in sides
        )
        return has_name and has_main

    # --- traversal -------------------------------------------------------------

    def walk(self, node: ast.AST) -> None:
        scans = self.pending_scans.pop(id(node), None)
        if scans:
            self.active_scans.extend(scans)
        kind = type(node)
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, node)
        else:
            fields = _CHILD_FIELDS.get(kind)
            for name in fields if fields is not None else _child_fields(kind):
                value = getattr(node, name)
                if type(value) is list:
                    for item in value:
                        if item is not None:
                            self.walk(item)
                elif value is not None:
                    self.walk(value)
        if scans:
            del self.active_scans[-len(scans) :]
            for scan in scans:
                scan.finish()

    def walk_all(self, nodes: List[ast.AST]) -> None:
        for node in nodes:
            self.walk(node)

    def walk_optional(self, node: Optional[ast.AST]) -> None:
        if node is not None:
            self.walk(node)

    def block(self, body: List[ast.stmt]) -> None:
        """A statement list: libcst's simple statement lines, or a one-line suite."""
        if not body:
            return
        first = body[0]
        row_start = self.line_starts[first.lineno - 1]
        if self.text[row_start : self.offset(first.lineno, first.col_offset)].strip():
            for stmt in body:  # ``if x: a; b``: a suite, no statement line
                self.walk(stmt)
            return
        for group in _statement_groups(body):
            if isinstance(group, list):
                self.stmt_end_rows.append(group[-1].end_lineno or group[-1].lineno)
                for stmt in group:
                    self.walk(stmt)
                self.stmt_end_rows.pop()
            else:
                self.walk(group)

    def module(self, node: ast.Module) -> None:
        for index, group in enumerate(_statement_groups(node.body)):
            if isinstance(group, list):
                kind = self.top_simple_kind(group, index)
                first, last = group[0], group[-1]
            else:
                kind = self.top_compound_kind(group)
                first = last = group
            end = self.location(self.span(last)[1])
            self.facts.top_statements.append(TopStatement(kind, first.lineno, _last_row(end)))
        self.block(node.body)

    def top_simple_kind(self, group: List[ast.stmt], index: int) -> str:
        first = group[0]
        if (
            index == 0
            and type(first) is ast.Expr
            and type(first.value) is ast.Constant
            and isinstance(first.value.value, (str, bytes))
            and self.is_single_string(first.value)
        ):
            return "docstring"
        if type(first) is ast.ImportFrom and first.module == "__future__":
            return "future"
        if all(type(s) in (ast.Import, ast.ImportFrom) for s in group):
            return "import"
        return "other"

    def top_compound_kind(self, stmt: ast.stmt) -> str:
        if type(stmt) is ast.If and self.is_main_guard(stmt.test):
            return "main_guard"
        if type(stmt) in (ast.FunctionDef, ast.AsyncFunctionDef):
            return "def"
        if type(stmt) is ast.ClassDef:
            return "class"
        return "other"

    # statements

    def visit_function(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        name = node.name
        outer = self.functions[-1].qualname if self.functions else ""
        owner = self.classes[-1] if self.classes and not self.functions else None
        qualname = f"{outer}.{name}" if outer else f"{owner}.{name}" if owner else name
        start = self.offset(node.lineno, node.col_offset)
        name_start = _DEF_NAME.match(self.text, start).end()  # type: ignore[union-attr]
        function = Function(
            name,
            qualname,
            owner,
            self.location(name_start),
            bool(self.functions),
            tuple(a.arg for a in node.args.args),
        )
        self.facts.functions[qualname] = function
        self.functions.append(function)
        self.walk_all(node.decorator_list)  # type: ignore[arg-type]
        self.name(name, reference=False)
        self.arguments(node.args)
        self.walk_optional(node.returns)
        self.block(node.body)
        self.functions.pop()

    def arguments(self, node: ast.arguments) -> None:
        positional = [*node.posonlyargs, *node.args]
        defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(node.defaults))
        defaults += node.defaults
        for arg, default in zip(positional, defaults):
            self.parameter(arg, default)
        if node.vararg is not None:
            self.parameter(node.vararg, None)
        for arg, default in zip(node.kwonlyargs, node.kw_defaults):
            self.parameter(arg, default)
        if node.kwarg is not None:
            self.parameter(node.kwarg, None)

    def parameter(self, arg: ast.arg, default: Optional[ast.expr]) -> None:
        self.name(arg.arg)
        self.walk_optional(arg.annotation)
        self.walk_optional(default)

    def visit_class(self, node: ast.ClassDef) -> None:
        bases = []
        for base in node.bases:
            written = _dotted(base.value if type(base) is ast.Starred else base)
            if written:
                bases.append(written)
        self.facts.classes[node.name] = tuple(bases)
        self.classes.append(node.name)
        self.walk_all(node.decorator_list)  # type: ignore[arg-type]
        self.name(node.name, reference=False)
        for base in node.bases:
            self.argument(base.value if type(base) is ast.Starred else base, None)
        for keyword in node.keywords:
            self.argument(keyword.value, keyword.arg)
        self.block(node.body)
        self.classes.pop()

    def argument(self, value: ast.expr, keyword: Optional[str]) -> None:
        """libcst's ``Arg``: a value that is not a call is nested in the call."""
        nested = type(value) is not ast.Call
        if nested:
            self.call_stack.append("<nested>")
        if keyword is not None:
            self.name(keyword, reference=False)
        self.walk(value)
        if nested:
            self.call_stack.pop()

    def visit_if(self, node: ast.If) -> None:
        guard = not self.functions and not self.classes and self.is_main_guard(node.test)
        if guard:
            self.facts.has_main_guard = True
            self.main_guard_depth += 1
        self.walk(node.test)
        self.block(node.body)
        self.block(node.orelse)
        if guard:
            self.main_guard_depth -= 1

    def visit_for(self, node: Union[ast.For, ast.AsyncFor]) -> None:
        self.iterated_calls.add(id(node.iter))
        self.loop(node, self.expr(node.iter), self.text_of(node.target))
        self.walk(node.target)
        self.walk(node.iter)
        self.block(node.body)
        self.block(node.orelse)
        self.loop_stack.pop()

    def visit_while(self, node: ast.While) -> None:
        self.loop(node, None, "")
        self.walk(node.test)
        self.block(node.body)
        self.block(node.orelse)
        self.loop_stack.pop()

    def loop(
        self, node: Union[ast.For, ast.AsyncFor, ast.While], iter_expr: Optional[Expr], target: str
    ) -> None:
        loop_id = len(self.facts.loops)
        body_start = None
        first = node.body[0]
        row_start = self.line_starts[first.lineno - 1]
        first_start = self.offset(first.lineno, first.col_offset)
        if not self.text[row_start:first_start].strip():  # an indented block
            body_start = self.location(first_start)
        self.facts.loops.append(
            Loop(
                loop_id,
                iter_expr,
                target,
                self.locations(node)[0],
                self.scope,
                tuple(self.loop_stack),
                body_start,
            )
        )
        self.loop_stack.append(loop_id)

    def visit_assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.assign(target, node.value)
        self.walk_all(node.targets)  # type: ignore[arg-type]
        self.walk(node.value)

    def visit_ann_assign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, node.value)
        self.walk(node.target)
        self.walk(node.annotation)
        self.walk_optional(node.value)

    def assign(self, target: ast.expr, value: ast.expr) -> None:
        key = None
        if type(target) is ast.Subscript:
            index: Optional[ast.expr] = target.slice
            if type(index) is ast.Tuple and not self._parenthesized(
                index, self.offset(index.lineno, index.col_offset)
            ):
                index = index.elts[0] if len(index.elts) == 1 else None
            if index is None:
                return
            if (
                type(index) is ast.Constant
                and type(index.value) is str
                and self.is_single_string(index)
            ):
                key = index.value
            written = _dotted(target.value)
        else:
            written = _dotted(target)
        if written is None:
            return
        if type(value) is ast.Call:
            self.pending_assign_target[id(value)] = written
        start, end = self.locations(target)
        self.facts.assigns.append(
            Assign(
                written,
                None,
                self.expr(value),
                start,
                end,
                self.scope,
                self.main_guard_depth > 0,
                key,
            )
        )

    def visit_import(self, node: ast.Import) -> None:
        for alias in node.names:
            full = alias.name
            if alias.asname is not None:
                self.facts.aliases[alias.asname] = full
            else:
                head = full.split(".")[0]
                self.facts.aliases.setdefault(head, head)
            self.facts.imports.append(Import(full, 0, (), node.lineno))
        for alias in node.names:
            self.dotted_names(alias.name)
            if alias.asname is not None:
                self.name(alias.asname)

    def visit_import_from(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        level = node.level
        if len(node.names) == 1 and node.names[0].name == "*":
            self.facts.imports.append(Import(module, level, ("*",), node.lineno))
            self.dotted_names(module)
            return
        prefix = "." * level + module
        sep = "" if prefix.endswith(".") else "."
        for alias in node.names:
            self.facts.aliases[alias.asname or alias.name] = f"{prefix}{sep}{alias.name}"
        self.facts.imports.append(
            Import(module, level, tuple(alias.name for alias in node.names), node.lineno)
        )
        self.dotted_names(module)
        for alias in node.names:
            self.name(alias.name)
            if alias.asname is not None:
                self.name(alias.asname)

    def dotted_names(self, dotted: str) -> None:
        """``a.b.c`` written in an import: the name ``a``, then the attributes."""
        if not dotted:
            return
        head, *attributes = dotted.split(".")
        if self.functions:
            self.functions[-1].attributes.update(attributes)
        self.name(head)
        for attribute in attributes:
            self.name(attribute, reference=False)

    def visit_names(self, node: Union[ast.Global, ast.Nonlocal]) -> None:
        for name in node.names:
            self.name(name)

    def visit_try(self, node: ast.Try) -> None:
        self.block(node.body)
        for handler in node.handlers:
            self.walk_optional(handler.type)
            if handler.name is not None:
                self.name(handler.name)
            self.block(handler.body)
        self.block(node.orelse)
        self.block(node.finalbody)

    def visit_with(self, node: Union[ast.With, ast.AsyncWith]) -> None:
        self.with_items.update(id(item.context_expr) for item in node.items)
        for item in node.items:
            self.walk(item.context_expr)
            self.walk_optional(item.optional_vars)
        self.block(node.body)

    def visit_match(self, node: ast.AST) -> None:
        self.walk(node.subject)  # type: ignore[attr-defined]
        for case in node.cases:  # type: ignore[attr-defined]
            self.walk(case.pattern)
            self.walk_optional(case.guard)
            self.block(case.body)

    def visit_match_as(self, node: ast.AST) -> None:
        self.walk_optional(node.pattern)  # type: ignore[attr-defined]
        if node.name is not None:  # type: ignore[attr-defined]
            self.name(node.name)  # type: ignore[attr-defined]

    def visit_match_star(self, node: ast.AST) -> None:
        if node.name is not None:  # type: ignore[attr-defined]
            self.name(node.name)  # type: ignore[attr-defined]

    def visit_match_mapping(self, node: ast.AST) -> None:
        for key, pattern in zip(node.keys, node.patterns):  # type: ignore[attr-defined]
            self.walk(key)
            self.walk(pattern)
        if node.rest is not None:  # type: ignore[attr-defined]
            self.name(node.rest)  # type: ignore[attr-defined]

    def visit_match_class(self, node: ast.AST) -> None:
        self.walk(node.cls)  # type: ignore[attr-defined]
        self.walk_all(node.patterns)  # type: ignore[attr-defined]
        for attr, pattern in zip(node.kwd_attrs, node.kwd_patterns):  # type: ignore[attr-defined]
            self.name(attr)
            self.walk(pattern)

    def visit_match_singleton(self, node: ast.AST) -> None:
        self.name(repr(node.value))  # type: ignore[attr-defined]

    # expressions

    def visit_name(self, node: ast.Name) -> None:
        self.name(node.id)

    def visit_constant(self, node: ast.Constant) -> None:
        value = node.value
        if value is None or value is True or value is False:
            self.name(repr(value))
        elif type(value) is str and "cuda" in value:
            self.cuda_strings(node)

    def cuda_strings(self, node: ast.AST) -> None:
        for start, code in self.string_parts(node):
            if "f" in _STRING_PREFIX.match(code).group().lower():  # type: ignore[union-attr]
                continue  # an f-string's text is not a string literal
            value = ast.literal_eval(code)
            if isinstance(value, str) and (value == "cuda" or value.startswith("cuda:")):
                self.facts.cuda_uses.append(self.location(start))

    def visit_joined_str(self, node: ast.JoinedStr) -> None:
        if "cuda" in self.text[slice(*self.span(node))]:
            self.cuda_strings(node)
        self.formatted_values(node)

    def formatted_values(self, node: ast.JoinedStr) -> None:
        for value in node.values:
            if type(value) is ast.FormattedValue:
                self.walk(value.value)
                if value.format_spec is not None:
                    self.formatted_values(value.format_spec)  # type: ignore[arg-type]

    def visit_attribute(self, node: ast.Attribute) -> None:
        if self.functions:
            self.functions[-1].attributes.add(node.attr)
        self.walk(node.value)
        self.name(node.attr, reference=False)

    def visit_call(self, node: ast.Call) -> None:
        for scan in self.active_scans:
            name = _dotted(node.func)
            if name:
                scan.calls.append(name)
        func = node.func
        raw = _dotted(func)
        method = receiver = None
        if type(func) is ast.Attribute:
            method = func.attr
            receiver = _dotted(func.value)
        ordered = _source_order(node)
        call_open = -1
        if len(ordered) == 1:
            call_open = _GAP.match(self.text, self.span(func)[1]).end()  # type: ignore
            while self.text[call_open] == ")":
                call_open = _GAP.match(self.text, call_open + 1).end()  # type: ignore
        args: List[Expr] = []
        kwargs: Dict[str, Expr] = {}
        for value, keyword, star in ordered:
            if keyword is not None:
                kwargs[keyword] = self.expr(value, call_open)
            elif not star:
                args.append(self.expr(value, call_open))
        start, end = self.locations(node)
        self.record_call(id(node), raw, method, receiver, args, kwargs, start, end)
        self.walk(func)
        for value, keyword, _ in ordered:
            self.argument(value, keyword)
        self.call_stack.pop()

    def visit_lambda(self, node: ast.Lambda) -> None:
        self.arguments(node.args)
        self.walk(node.body)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.iterated_calls.add(id(node.iter))
        self.walk(node.target)
        self.walk(node.iter)
        self.walk_all(node.ifs)  # type: ignore[arg-type]

    def visit_if_exp(self, node: ast.IfExp) -> None:
        self.walk(node.body)
        self.walk(node.test)
        self.walk(node.orelse)

    def visit_dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            self.walk_optional(key)
            self.walk(value)


def _source_order(node: ast.Call) -> List[Tuple[ast.expr, Optional[str], bool]]:
    """(value, keyword, starred) of each argument of a call, in source order."""
    ordered: List[Tuple[ast.expr, Optional[str], bool]] = []
    for arg in node.args:
        if type(arg) is ast.Starred:
            ordered.append((arg.value, None, True))
        else:
            ordered.append((arg, None, False))
    keywords = [(k.value, k.arg, k.arg is None) for k in node.keywords]
    if (
        keywords
        and node.args
        and (node.keywords[0].lineno, node.keywords[0].col_offset)
        < (node.args[-1].lineno, node.args[-1].col_offset)
    ):
        position: Dict[int, Tuple[int, int]] = {}
        for arg in node.args:
            value = arg.value if type(arg) is ast.Starred else arg
            position[id(value)] = (arg.lineno, arg.col_offset)
        for keyword in node.keywords:
            position[id(keyword.value)] = (keyword.lineno, keyword.col_offset)
        return sorted(ordered + keywords, key=lambda item: position[id(item[0])])
    return ordered + keywords


_SIMPLE = (
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Return,
    ast.Delete,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Raise,
    ast.Assert,
    ast.Import,
    ast.ImportFrom,
    ast.Global,
    ast.Nonlocal,
)


def _statement_groups(body: List[ast.stmt]) -> List[Union[ast.stmt, List[ast.stmt]]]:
    """Compound statements alone, simple ones by line (``a; b`` is one libcst line)."""
    groups: List[Union[ast.stmt, List[ast.stmt]]] = []
    line: List[ast.stmt] = []
    for stmt in body:
        if not isinstance(stmt, _SIMPLE):
            if line:
                groups.append(line)
                line = []
            groups.append(stmt)
            continue
        if line and stmt.lineno != line[-1].end_lineno:
            groups.append(line)
            line = []
        line.append(stmt)
    if line:
        groups.append(line)
    return groups


# Per node class, the fields that may hold nodes the walk visits: not contexts
# (``Load``), operators or plain values (identifiers, constants, flags).
_NOT_CHILDREN = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "type_comment",
        "kind",
        "conversion",
        "is_async",
        "level",
        "id",
        "arg",
        "attr",
        "name",
        "names",
        "module",
        "value",
    }
)
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _child_fields(cls: type) -> Tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = tuple(
            name
            for name in cls._fields  # type: ignore[attr-defined]
            if name not in _NOT_CHILDREN or (name == "value" and cls is not ast.Constant)
        )
        _CHILD_FIELDS[cls] = fields
    return fields


_EXPR_KINDS = {
    ast.Name: "name",
    ast.Attribute: "attribute",
    ast.Call: "call",
    ast.Lambda: "lambda",
    ast.Set: "set",
    ast.SetComp: "set",
}

_HANDLERS: Dict[type, Callable[[_Collector, ast.AST], None]] = {
    ast.Module: _Collector.module,  # type: ignore[dict-item]
    ast.FunctionDef: _Collector.visit_function,  # type: ignore[dict-item]
    ast.AsyncFunctionDef: _Collector.visit_function,  # type: ignore[dict-item]
    ast.ClassDef: _Collector.visit_class,  # type: ignore[dict-item]
    ast.If: _Collector.visit_if,  # type: ignore[dict-item]
    ast.For: _Collector.visit_for,  # type: ignore[dict-item]
    ast.AsyncFor: _Collector.visit_for,  # type: ignore[dict-item]
    ast.While: _Collector.visit_while,  # type: ignore[dict-item]
    ast.Assign: _Collector.visit_assign,  # type: ignore[dict-item]
    ast.AnnAssign: _Collector.visit_ann_assign,  # type: ignore[dict-item]
    ast.Import: _Collector.visit_import,  # type: ignore[dict-item]
    ast.ImportFrom: _Collector.visit_import_from,  # type: ignore[dict-item]
    ast.Global: _Collector.visit_names,  # type: ignore[dict-item]
    ast.Nonlocal: _Collector.visit_names,  # type: ignore[dict-item]
    ast.Try: _Collector.visit_try,  # type: ignore[dict-item]
    ast.With: _Collector.visit_with,  # type: ignore[dict-item]
    ast.AsyncWith: _Collector.visit_with,  # type: ignore[dict-item]
    ast.Name: _Collector.visit_name,  # type: ignore[dict-item]
    ast.Constant: _Collector.visit_constant,  # type: ignore[dict-item]
    ast.JoinedStr: _Collector.visit_joined_str,  # type: ignore[dict-item]
    ast.Attribute: _Collector.visit_attribute,  # type: ignore[dict-item]
    ast.Call: _Collector.visit_call,  # type: ignore[dict-item]
    ast.Lambda: _Collector.visit_lambda,  # type: ignore[dict-item]
    ast.comprehension: _Collector.visit_comprehension,  # type: ignore[dict-item]
    ast.IfExp: _Collector.visit_if_exp,  # type: ignore[dict-item]
    ast.Dict: _Collector.visit_dict,  # type: ignore[dict-item]
}
for _name in ("TryStar",):
    if hasattr(ast, _name):
        _HANDLERS[getattr(ast, _name)] = _Collector.visit_try  # type: ignore[assignment]
if hasattr(ast, "Match"):  # Python 3.10+
    _HANDLERS.update(
        {
            ast.Match: _Collector.visit_match,
            ast.MatchAs: _Collector.visit_match_as,
            ast.MatchStar: _Collector.visit_match_star,
            ast.MatchMapping: _Collector.visit_match_mapping,
            ast.MatchClass: _Collector.visit_match_class,
            ast.MatchSingleton: _Collector.visit_match_singleton,
        }
    )


def collect_facts_ast(text: str, path: str) -> ModuleFacts:
    """The facts ``cst_facts.collect_facts`` gives for ``text``, from ``ast.parse``.

    Raises ``SyntaxError``, ``ValueError`` or ``RecursionError`` where ``ast`` cannot
    parse the text: the caller then uses libcst.
    """
    tree = ast.parse(text, path)
    facts = ModuleFacts(path=path)
    collector = _Collector(text, facts)
    collector.walk(tree)
    _resolve_all(facts)
    return facts
