"""Node positions from one libcst codegen pass: the only use of libcst internals.

libcst's public ``PositionProvider`` and ``WhitespaceInclusivePositionProvider``
each run a full codegen that stores every token and builds two objects per node.
On ``torch/nn/modules/module.py`` (3,053 lines, libcst 1.9) the pass here takes
0.11 s of CPU, ``PositionProvider`` 0.56 s and both providers 1.0 s, five times
the whole fact collection (0.19 s, this pass included; see
``benchmarks/libcst_positions.py``). So positions come from one codegen pass that
stores no tokens, only (start line, start column, end line, end column) tuples
per node.

The internals this needs, and nothing else: ``libcst._nodes.internal.CodegenState``
(subclassed, overriding the hooks its codegen calls: ``add_token``,
``add_indent_tokens``, ``pop_trailing_newline``, ``before_codegen``,
``after_codegen``, ``record_syntactic_position``) and ``Module._codegen``.
``tests/semantic/test_libcst_compat.py`` pins the result to the public providers'; the
libcst versions it passes on are the range ``pyproject.toml`` declares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from torchseedlint.core.text import NEWLINE

Span = Tuple[int, int, int, int]  # 1-based lines, 0-based columns, as libcst counts


class NodePositions:
    """Two ranges per node, by ``id(node)``: the syntactic one (``PositionProvider``'s)
    and the whitespace-inclusive one (``WhitespaceInclusivePositionProvider``'s:
    exactly the node's own code, so its text is a slice of the source)."""

    __slots__ = ("syntactic", "inclusive")

    def __init__(self) -> None:
        # Only nodes whose syntactic range differs from their whole code have one.
        self.syntactic: Dict[int, Span] = {}
        self.inclusive: Dict[int, Span] = {}

    def span(self, node: cst.CSTNode) -> Span:
        """``node``'s syntactic range."""
        found = self.syntactic.get(id(node))
        return found if found is not None else self.inclusive[id(node)]


def node_positions(module: cst.Module) -> NodePositions:
    """The positions of every node of ``module`` (its own end excepted: a module
    without a final newline ends one line early here)."""
    state = _PositionState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    module._codegen(state)
    return state.positions


@dataclass
class _PositionState(CodegenState):
    line: int = 1
    column: int = 0
    positions: NodePositions = field(default_factory=NodePositions)
    starts: List[Tuple[int, int]] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = NEWLINE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def pop_trailing_newline(self) -> None:
        pass  # no tokens are kept

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column = self.starts.pop()
        self.positions.inclusive[id(node)] = (line, column, self.line, self.column)

    def record_syntactic_position(  # type: ignore[override]  # a class, not a generator
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> _Recording:
        return _Recording(self, node, start_node, end_node)


class _Recording:
    """The context manager of ``record_syntactic_position`` (a class: cheaper than a
    generator-based one, and it runs for nearly every node)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(
        self,
        state: _PositionState,
        node: cst.CSTNode,
        start_node: Optional[cst.CSTNode],
        end_node: Optional[cst.CSTNode],
    ) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node
        self.start = (state.line, state.column)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        state = self.state
        positions = state.positions
        start = positions.span(self.start_node)[:2] if self.start_node is not None else self.start
        end = (
            positions.span(self.end_node)[2:]
            if self.end_node is not None
            else (state.line, state.column)
        )
        positions.syntactic[id(self.node)] = (*start, *end)
