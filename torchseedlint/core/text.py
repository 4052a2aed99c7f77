"""Text positions and line endings, shared by the collectors, the fixes and the tools.

Rows and columns are 1-based, as in :class:`~torchseedlint.core.diagnostics.Location`;
a line ends at ``\\r\\n``, ``\\r`` or ``\\n``, as Python's tokenizer reads it.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import List, Sequence, Tuple

from torchseedlint.core.diagnostics import Location

NEWLINE = re.compile(r"\r\n?|\n")
# One line with its ending; the last line may have none.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


# The rules, the fixes and the collector each ask for the same text's lines.
@lru_cache(maxsize=8)
def line_offsets(text: str) -> Tuple[int, ...]:
    """Offsets of the first character of each line (index 0 is row 1)."""
    return tuple([0] + [newline.end() for newline in NEWLINE.finditer(text)])


def to_offset(offsets: Sequence[int], location: Location, text_length: int) -> int:
    """The text offset of ``location``, clamped to the text."""
    if location.row - 1 >= len(offsets):
        return text_length
    return min(offsets[location.row - 1] + location.column - 1, text_length)


def location_at(offsets: Sequence[int], offset: int) -> Location:
    """The location of a text offset (``offsets`` from :func:`line_offsets`)."""
    row = bisect.bisect_right(offsets, offset)
    return Location(row, offset - offsets[row - 1] + 1)


def split_lines(text: str) -> List[str]:
    """The lines of ``text`` with their endings; ``\\r`` alone ends a line too."""
    return _LINE.findall(text)


def newline_of(text: str) -> str:
    """The text's first line ending, ``\\n`` when it has none: what inserted lines use."""
    match = NEWLINE.search(text)
    return match.group(0) if match else "\n"


def ends_with_newline(text: str) -> bool:
    """Whether ``text`` ends with a line ending (``\\r`` alone counts)."""
    return text.endswith(("\n", "\r"))


def with_newline(line: str) -> str:
    """``line`` with a line ending: ``\\n`` added when it has none."""
    return line if ends_with_newline(line) else line + "\n"


def line_ending(line: str) -> str:
    """``\\r\\n`` for a line that ends so, else ``\\n``: what a line inserted after it uses."""
    return "\r\n" if line.endswith("\r\n") else "\n"
