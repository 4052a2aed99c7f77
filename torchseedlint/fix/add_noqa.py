"""``--add-noqa``: write ``# noqa: TSLxxx`` comments so a legacy codebase lints clean.

Each diagnostic gets its code on the first of its ``noqa_rows`` where a comment
can go (not a line that ends inside a multi-line string or with a backslash),
merged into an existing ``# noqa: ...`` list when the line has one. Pure text in,
text out: the CLI reads and writes the files.
"""

from __future__ import annotations

import io
import tokenize
from typing import Dict, List, Optional, Sequence, Set, Tuple

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.core.text import split_lines
from torchseedlint.rules.tool.tsl000_parse_error import ParseError
from torchseedlint.suppression.noqa import NOQA  # the pattern that decides what is honoured


def _has_codes(line: str) -> bool:
    existing = NOQA.search(line)
    return existing is not None and bool(existing.group("codes"))


def _commentable_rows(text: str) -> Optional[Set[int]]:
    """Rows whose end is outside any token, so a trailing comment may be added."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    return {
        token.start[0]
        for token in tokens
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT)
    }


def _with_codes(line: str, codes: Sequence[str], reason: str) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    existing = NOQA.search(body)
    if existing is not None and existing.group("codes"):
        present = {c.upper() for c in existing.group("codes").replace(",", " ").split()}
        new = [code for code in codes if code not in present]
        end = existing.end("codes")
        body = body[:end] + "".join(f", {code}" for code in new) + body[end:]
    else:
        comment = "# noqa: " + ", ".join(codes) + (f" {reason}" if reason else "")
        body = body.rstrip() + "  " + comment
    return body + ending


def add_noqa(text: str, diagnostics: Sequence[Diagnostic], reason: str = "") -> Tuple[str, int]:
    """``text`` with a noqa comment for each diagnostic; and how many lines changed."""
    rows = _commentable_rows(text)
    if rows is None:
        return text, 0
    lines = split_lines(text)
    codes_by_row: Dict[int, List[str]] = {}
    for d in diagnostics:
        if d.code == ParseError.code:
            continue
        candidates = [r for r in d.noqa_rows or (d.location.row,) if r in rows]
        # Prefer a row whose noqa comment already lists codes, to merge into the list.
        listed = [r for r in candidates if r <= len(lines) and _has_codes(lines[r - 1])]
        preferred = listed or candidates
        if preferred and d.code not in codes_by_row.setdefault(preferred[0], []):
            codes_by_row[preferred[0]].append(d.code)
    changed = 0
    for row, codes in codes_by_row.items():
        if codes and row <= len(lines):
            new_line = _with_codes(lines[row - 1], sorted(codes), reason)
            if new_line != lines[row - 1]:
                lines[row - 1] = new_line
                changed += 1
    return "".join(lines), changed
