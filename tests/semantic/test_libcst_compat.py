"""What torchseedlint assumes of libcst, pinned to libcst's public API.

``semantic/libcst_compat.py`` computes positions with libcst internals, and
``semantic/cst_facts.py`` walks child fields in a precomputed order. Both must
agree with the public ``PositionProvider``, ``WhitespaceInclusivePositionProvider``
and ``CSTNode.children`` on every libcst version ``pyproject.toml`` allows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Set

import libcst as cst
import pytest
from libcst.metadata import CodeRange, PositionProvider, WhitespaceInclusivePositionProvider

from torchseedlint.core.text import line_offsets
from torchseedlint.semantic.cst_facts import _FIELD_ORDER, _child_kind, _children
from torchseedlint.semantic.libcst_compat import Span, node_positions

FIXTURES = Path(__file__).parent / "fixtures"

# Syntax the fixtures may not hold, so that the checks see most node classes.
SYNTAX = '''\
"""Docstring."""
from __future__ import annotations
import os.path as osp, sys
from .pkg import (a as b, c)
from . import *  # noqa
x: int = 1; y = z = (2 + -3) * 4 ** 5 // 6 % 7 @ m
x += 1; x <<= 2
del y, z[0], w.attr
assert x, "message"
global_names = [*a, *b]; s = {1, 2}; d = {**e, "k": v, f: g}
t = (1,), [i async for i in aiter() if i if not i]
comp = {k: v for k, v in items}, {e for e in es}, (g for g in gs)
sl = a[1:2:3, ::2, ...][lambda q, /, r=1, *s, t, **u: q]
ok = a if b else c and d or not e; cmp = 1 < x <= 2 != y is not None in z not in w
f"{x!r:>{width}} {y=}" "concat"; bs = b"bytes"; n = 1j + 1.5e3 + 0x1F
(walrus := 10)


@decorator(arg)
@other.decorator
class Klass(Base, metaclass=Meta):
    attr: "str"

    async def method(self, a: int = 1, *args: str, kw: bool, **kwargs) -> None:
        global g
        nonlocal_value = None
        async with open(a) as fh, other():
            async for line in fh:
                await line
        for i in range(3):
            if i:
                continue
            elif i > 1:
                break
            else:
                pass
        else:
            return
        while x: x -= 1
        else: pass
        try:
            raise ValueError("x") from None
        except (TypeError, ValueError) as exc:
            yield exc
        except Exception:
            yield from gen()
        else:
            pass
        finally:
            pass


def outer(a, *, b):
    value = 0
    def inner():
        nonlocal value
        value += 1
    return inner


try:
    pass
except* ValueError as group:
    pass

match command.split():
    case [action]:
        pass
    case [action, obj, *rest] | (action, obj):
        pass
    case {"key": value, **others}:
        pass
    case Point(x=0, y=_) if value:
        pass
    case -1 | 1.5 | "s" | None | True as literal:
        pass
    case _:
        pass
'''
# Syntax of newer Pythons, which older libcst versions in the range cannot parse.
NEWER_SYNTAX = [
    "def f[T: int, *Ts, **P](x: T) -> T: pass\n",
    "type Alias[T] = list[T]\n",
    "class Box[T = int]: pass\n",
    't"hi {x!r:>3}"\n',
    "lazy import os\nlazy from os import path\n",
    "{**x for x in y}\n",
]


def _corpus() -> List[Path]:
    return sorted(FIXTURES.glob("*.py"))


def _modules() -> Iterator[cst.Module]:
    yield cst.parse_module(SYNTAX)
    for snippet in NEWER_SYNTAX:
        try:
            yield cst.parse_module(snippet)
        except cst.ParserSyntaxError:
            pass  # the coverage check below tells whether this libcst should parse it
    for path in _corpus():
        yield cst.parse_module(path.read_text(encoding="utf-8"))


def _span(rng: CodeRange) -> Span:
    return rng.start.line, rng.start.column, rng.end.line, rng.end.column


def _all_nodes(module: cst.Module) -> Iterator[cst.CSTNode]:
    stack: List[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


@pytest.mark.parametrize("source", ["syntax", *(p.name for p in _corpus())])
def test_positions_are_the_public_providers(source: str) -> None:
    """Every node but the module gets ``PositionProvider``'s range and
    ``WhitespaceInclusivePositionProvider``'s, and the latter, sliced out of the
    source, is an expression's code."""
    text = SYNTAX if source == "syntax" else (FIXTURES / source).read_text(encoding="utf-8")
    module = cst.parse_module(text)
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    syntactic = wrapper.resolve(PositionProvider)
    inclusive = wrapper.resolve(WhitespaceInclusivePositionProvider)
    positions = node_positions(module)
    starts = line_offsets(text)
    assert len(positions.inclusive) == len(inclusive)
    for node, rng in syntactic.items():
        if isinstance(node, cst.Module):
            continue  # its end (after the last newline) is not used
        name = type(node).__name__
        assert positions.span(node) == _span(rng), name
        line, column, end_line, end_column = positions.inclusive[id(node)]
        assert (line, column, end_line, end_column) == _span(inclusive[node]), name
        if isinstance(node, cst.BaseExpression):
            # Compared without whitespace: inside a block, the source's continuation
            # lines also hold the block's indent, which code_for_node leaves out.
            code = text[starts[line - 1] + column : starts[end_line - 1] + end_column]
            assert code.split() == module.code_for_node(node).split(), name


def test_field_order_table_is_the_order_of_children() -> None:
    """The collector's precomputed child fields give the nodes ``CSTNode.children``
    gives, in its order, less whitespace and punctuation; the syntax above
    exercises every entry of the table this libcst has a node class for."""
    seen: Set[str] = set()
    for module in _modules():
        for node in _all_nodes(module):
            name = type(node).__name__
            expected = [child for child in node.children if _child_kind(type(child)) == 1]
            assert _children(node) == expected, name
            seen.add(name)
    assert sorted(name for name in _FIELD_ORDER if hasattr(cst, name) and name not in seen) == []
