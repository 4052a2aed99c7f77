"""``# noqa`` comments and file-level ignores.

Comments are found with the tokenizer, so a ``# noqa`` inside a string literal
does not count; the tokenizer only runs when the text mentions a suppression.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from torchseedlint.core.diagnostics import Diagnostic

_CODE = r"[A-Za-z]+[0-9]+"
NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODE}(?:[\s,]+{_CODE})*))?", re.IGNORECASE)
TOOL_IGNORE = re.compile(
    r"#\s*torchseedlint:\s*(?P<kind>ignore|file-ignore)\[(?P<codes>[^\]]*)\]", re.IGNORECASE
)
MARKERS = ("noqa", "torchseedlint:")


@dataclass
class Suppression:
    row: int
    column: int  # 1-based column of the comment's ``#``
    codes: Optional[Tuple[str, ...]]  # None: every code (a noqa comment without codes)
    text: str  # the comment as written
    used: Set[str] = field(default_factory=set)


@dataclass
class Suppressions:
    by_row: Dict[int, List[Suppression]] = field(default_factory=dict)
    file_level: List[Suppression] = field(default_factory=list)

    def match(self, diagnostic: Diagnostic) -> Optional[Suppression]:
        """The suppression that silences ``diagnostic``, marking it used, or None."""
        for suppression in self.file_level:
            if _covers(suppression, diagnostic.code):
                suppression.used.add(diagnostic.code)
                return suppression
        rows = diagnostic.noqa_rows or (diagnostic.location.row,)
        for row in rows:
            for suppression in self.by_row.get(row, ()):
                if _covers(suppression, diagnostic.code):
                    suppression.used.add(diagnostic.code)
                    return suppression
        return None

    def all(self) -> List[Suppression]:
        found = list(self.file_level)
        for row in sorted(self.by_row):
            found.extend(self.by_row[row])
        return found


def _covers(suppression: Suppression, code: str) -> bool:
    return suppression.codes is None or code in suppression.codes


def _split_codes(text: str) -> Tuple[str, ...]:
    return tuple(code.upper() for code in re.split(r"[\s,]+", text.strip()) if code)


def _comments(source: str) -> List[Tuple[int, int, str, bool]]:
    """(row, 1-based column, text, own_line) for every comment in ``source``."""
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return _comments_by_regex(source)
    previous_row = 0
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row, col = token.start
            own_line = previous_row != row
            found.append((row, col + 1, token.string, own_line))
        if token.type not in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
        ):
            previous_row = token.end[0]
    return found


def _comments_by_regex(source: str) -> List[Tuple[int, int, str, bool]]:
    found = []
    for row, line in enumerate(source.splitlines(), start=1):
        index = line.find("#")
        if index >= 0:
            found.append((row, index + 1, line[index:], not line[:index].strip()))
    return found


def parse_suppressions(source: str) -> Suppressions:
    result = Suppressions()
    lowered = source.lower()
    if not any(marker in lowered for marker in MARKERS):
        return result
    for row, column, text, own_line in _comments(source):
        tool = TOOL_IGNORE.search(text)
        if tool is not None:
            codes = _split_codes(tool.group("codes"))
            suppression = Suppression(row, column, codes, text)
            if tool.group("kind").lower() == "file-ignore":
                if own_line:
                    result.file_level.append(suppression)
            else:
                result.by_row.setdefault(row, []).append(suppression)
            continue
        noqa = NOQA.search(text)
        if noqa is not None:
            codes_text = noqa.group("codes")
            listed = _split_codes(codes_text) if codes_text else None
            result.by_row.setdefault(row, []).append(Suppression(row, column, listed, text))
    return result
