"""Applying fixes to source text: pure functions, no I/O.

A fix is a set of text edits at 1-based (row, column) locations. Fixes from one
lint pass are applied together when they do not overlap; identical edits (several
diagnostics sharing one seeding block) are applied once. A fix whose edits
overlap an already accepted fix is skipped for this pass and retried on the next.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

from torchseedlint.core.diagnostics import Edit, Fix, Location
from torchseedlint.core.text import ends_with_newline, line_offsets, newline_of, to_offset


def apply_fixes(text: str, fixes: Sequence[Fix]) -> Tuple[str, List[Fix], List[Fix]]:
    """Apply non-overlapping fixes; return (new text, applied fixes, deferred fixes)."""
    offsets = line_offsets(text)
    accepted: List[Tuple[int, int, str]] = []
    applied: List[Fix] = []
    deferred: List[Fix] = []
    for fix in fixes:
        spans = []
        for edit in fix.edits:
            start = to_offset(offsets, edit.location, len(text))
            end = to_offset(offsets, edit.end_location, len(text))
            spans.append((start, end, edit.content))
        new = [span for span in spans if span not in accepted]
        if any(_overlaps(span, other) for span in new for other in accepted):
            deferred.append(fix)
            continue
        accepted.extend(new)
        applied.append(fix)
    for start, end, content in sorted(accepted, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied, deferred


def _overlaps(a: Tuple[int, int, str], b: Tuple[int, int, str]) -> bool:
    if a[0] == a[1] == b[0] == b[1]:
        # Two different insertions at one point: their order would be arbitrary.
        return True
    return a[0] < b[1] and b[0] < a[1]


def insertion(row: int, column: int, content: str) -> Edit:
    location = Location(row, column)
    return Edit(content, location, location)


def insertion_after_line(text: str, row: int, content: str) -> Edit:
    """An insertion at the start of the line after ``row``; past the end of a text
    whose last line has no line ending, the text's line ending goes first."""
    lines = text.splitlines(keepends=True)
    if row >= len(lines) and lines and not ends_with_newline(lines[-1]):
        content = newline_of(text) + content
    return insertion(row + 1, 1, content)
