"""The plain-data results of a lint run: diagnostics and the fixes they carry.

Everything here is immutable and picklable so results can be cached on disk and
sent between worker processes unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Optional, Tuple


class Applicability(str, Enum):
    """Whether a fix may be applied without review (ruff's model): ``--fix`` applies
    the safe ones, ``--unsafe-fixes`` the others too.

    A ``str`` enum, so JSON and SARIF output hold the plain value ("safe").
    """

    SAFE = "safe"
    UNSAFE = "unsafe"

    def __str__(self) -> str:
        # The value in f-strings and ``format()`` on every Python version.
        return self.value


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based line and 1-based column, as ruff and every editor show them."""

    # Facts hold hundreds of thousands of locations: no ``__dict__`` for each.
    __slots__ = ("row", "column")

    row: int
    column: int

    def __reduce__(self) -> Tuple[type, Tuple[int, int]]:
        # A frozen class with slots cannot be unpickled through ``setattr``.
        return (Location, (self.row, self.column))


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``location`` and ``end_location`` with ``content``.

    An insertion has ``location == end_location``.
    """

    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: Tuple[Edit, ...]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    location: Location
    end_location: Location
    severity: str = "error"
    fix: Optional[Fix] = None
    # Lines on which a noqa comment suppresses this diagnostic: the first
    # line of the span and the last line of the statement that holds it.
    noqa_rows: Tuple[int, ...] = field(default=(), compare=False)
    # In a notebook: the 1-based cell number, and rows are counted inside that cell.
    cell: Optional[int] = None

    def sort_key(self) -> Tuple[str, int, int, int, str]:
        return (self.path, self.cell or 0, self.location.row, self.location.column, self.code)
