"""Reading a module's source text to build fixes: spans, lines, logical statements.

Rules decide *what* to report from the facts; a fix also needs to know *where*
text can be changed safely (is this call a statement on a line of its own?).
These helpers answer that from the text and the tokenizer, never the CST.
"""

from __future__ import annotations

import io
import tokenize
from functools import lru_cache
from types import MappingProxyType
from typing import Dict, List, Mapping, Optional

from torchseedlint.core.diagnostics import Location
from torchseedlint.core.text import line_offsets, location_at, to_offset, with_newline
from torchseedlint.semantic.facts import Call


class SourceText:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self._offsets = line_offsets(text)
        self._logical: Optional[Mapping[int, int]] = None

    def offset(self, location: Location) -> int:
        return to_offset(self._offsets, location, len(self.text))

    def location(self, offset: int) -> Location:
        return location_at(self._offsets, offset)

    def span(self, start: Location, end: Location) -> str:
        return self.text[self.offset(start) : self.offset(end)]

    def line(self, row: int) -> str:
        return self.lines[row - 1] if 0 < row <= len(self.lines) else ""

    def indentation(self, row: int) -> str:
        line = self.line(row)
        return line[: len(line) - len(line.lstrip(" \t"))]

    def logical_lines(self) -> Mapping[int, int]:
        """First row -> last row of every logical line (statement line) of the module."""
        if self._logical is None:
            self._logical = _logical_lines(self.text)
        return self._logical

    def statement_start(self, row: int) -> Optional[int]:
        """The first row of the logical line that contains ``row``."""
        starts = [s for s, e in self.logical_lines().items() if s <= row <= e]
        return max(starts) if starts else None

    def standalone_call(self, call: Call) -> bool:
        """Whether ``call`` is a whole statement alone on one line (a trailing comment allowed)."""
        row = call.start.row
        if call.end.row != row or self.logical_lines().get(row) != row or call.parent is not None:
            return False
        line = self.line(row).rstrip("\r\n")
        before = line[: call.start.column - 1]
        after = line[call.end.column - 1 :].strip()
        return not before.strip() and (not after or after.startswith("#"))


# Several rules and fix builders of one module ask; tokenizing is the costly part.
@lru_cache(maxsize=4)
def _logical_lines(text: str) -> Mapping[int, int]:
    lines: Dict[int, int] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return MappingProxyType(lines)
    skip = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    start: Optional[int] = None
    for token in tokens:
        if token.type in skip or token.type == tokenize.ENDMARKER:
            continue
        if start is None:
            start = token.start[0]
        if token.type == tokenize.NEWLINE:
            lines[start] = token.start[0]
            start = None
    return MappingProxyType(lines)


def replacement_rows(lines: List[str], row: int) -> str:
    """The text of ``row`` with a line ending, for moving a whole line elsewhere."""
    return with_newline(lines[row - 1])
