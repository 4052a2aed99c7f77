"""Jupyter notebooks: code cells joined into one module, and fixes written back.

The code cells are joined in order, each behind a marker comment line, into one
Python text that the engine lints like a ``.py`` file. IPython syntax (``%magic``,
``%%cell_magic``, ``!shell``, ``x = !cmd``) is masked: each such line becomes a
placeholder comment (``pass`` plus the comment when indented) on the same row, so
rows keep their meaning and the shell line is never parsed as Python.

:func:`write_back` turns a changed joined text into the new notebook JSON: only
the ``"source"`` values of cells whose text changed are rewritten, in the layout
the file already uses; every other byte (metadata, outputs, indentation, key
order) is kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

from torchseedlint.core.diagnostics import Diagnostic, Edit, Fix, Location

CELL_MARKER = "# %% torchseedlint cell {number}"
_CELL_MARKER_RE = re.compile(r"^# %% torchseedlint cell (\d+)\n?", re.MULTILINE)
_MAGIC_PLACEHOLDER = "# torchseedlint magic {index}"
_MAGIC_PLACEHOLDER_RE = re.compile(r"^[ \t]*(?:pass  )?# torchseedlint magic (\d+)$")
# ``%time f()``, ``!pip install x``, ``files = !ls``, ``t = %timeit -o f()``, and
# IPython's help syntax (``np.random?``, ``??torch.seed``): no Python line starts
# with ``%``/``!``/``?`` or ends with ``?``.
_MAGIC_LINE_RE = re.compile(
    r"^[ \t]*(?:[%!?]|[A-Za-z_][\w.]*[ \t]*=[ \t]*[%!]|[A-Za-z_][\w.]*\?\??[ \t]*$)"
)
_NOT_WHITESPACE = re.compile(r"[^ \t\n\r]")  # JSON's whitespace
_DECODER = json.JSONDecoder()


class NotebookError(Exception):
    """The file is not a notebook we can read (reported as TSL000)."""


@dataclass(frozen=True)
class CodeCell:
    number: int  # 1-based position among all of the notebook's cells, as ruff counts
    text: str  # the cell's source as stored in the notebook
    first_row: int  # the joined row of the cell's first line (the marker is the row above)
    row_count: int  # rows the cell occupies in the joined text
    span: Tuple[int, int]  # offsets of the ``"source"`` value in the JSON text


@dataclass(frozen=True)
class Notebook:
    json_text: str  # the notebook file as read: what ``write_back`` edits
    source: str  # the joined, masked Python text the engine lints
    cells: Tuple[CodeCell, ...]
    magics: Tuple[str, ...]  # original text of each masked line, by placeholder index

    def cell_at(self, row: int) -> Optional[CodeCell]:
        for cell in self.cells:
            if cell.first_row - 1 <= row < cell.first_row + cell.row_count:
                return cell
        return None

    def to_cell_location(self, location: Location) -> Tuple[Optional[int], Location]:
        """(cell number, location inside the cell) for a location in the joined text."""
        cell = self.cell_at(location.row)
        if cell is None:
            return None, location
        row = max(location.row - cell.first_row + 1, 1)
        return cell.number, Location(row, location.column)

    def locate(self, diagnostic: Diagnostic) -> Diagnostic:
        """``diagnostic`` as users see it: its cell number and rows counted in that cell."""
        cell, location = self.to_cell_location(diagnostic.location)
        if cell is None:
            return diagnostic

        def inside(loc: Location) -> Location:
            return self.to_cell_location(loc)[1]

        fix = diagnostic.fix
        if fix is not None:
            edits = tuple(
                Edit(e.content, inside(e.location), inside(e.end_location)) for e in fix.edits
            )
            fix = Fix(fix.applicability, fix.message, edits)
        return replace(
            diagnostic,
            cell=cell,
            location=location,
            end_location=inside(diagnostic.end_location),
            fix=fix,
            noqa_rows=tuple(inside(Location(r, 1)).row for r in diagnostic.noqa_rows),
        )


def _lines(text: str) -> List[str]:
    """Lines with their ``\\n`` kept, as nbformat stores a cell's source."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


def _mask(text: str, magics: List[str]) -> str:
    """Replace IPython-only lines of one cell with placeholders of the same rows."""
    lines = _lines(text)
    whole_cell = bool(lines) and lines[0].lstrip().startswith("%%")
    masked: List[str] = []
    continued = False
    for line in lines:
        body = line.rstrip("\n")
        starts = not whole_cell and not continued and _MAGIC_LINE_RE.match(body)
        if whole_cell or continued or starts:
            indent = body[: len(body) - len(body.lstrip(" \t"))]
            placeholder = _MAGIC_PLACEHOLDER.format(index=len(magics))
            magics.append(body)
            # The first line of an indented magic stands for a statement (an
            # ``if`` body may hold nothing else); continuation lines and the
            # lines of a cell magic are comments, whose indentation is free.
            masked.append(
                f"{indent}pass  {placeholder}" if indent and starts else indent + placeholder
            )
            masked.append(line[len(body) :])
            # A magic line ending in a backslash continues on the next line.
            continued = not whole_cell and body.endswith("\\")
        else:
            masked.append(line)
    return "".join(masked)


def _decode_value(text: str, index: int) -> Tuple[object, int]:
    """The JSON value starting at ``index``, and the offset after it."""
    try:
        value, end = _DECODER.raw_decode(text, index)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"invalid JSON: {exc}") from exc
    return value, end


def _skip_value(text: str, index: int) -> int:
    return _decode_value(text, index)[1]


def _skip_space(text: str, index: int) -> int:
    found = _NOT_WHITESPACE.search(text, index)
    return found.start() if found is not None else len(text)


def _object_members(text: str, index: int) -> List[Tuple[str, int, int]]:
    """(key, value start, value end) of the JSON object starting at ``index``."""
    index = _skip_space(text, index)
    if not text.startswith("{", index):
        raise NotebookError("expected a JSON object")
    members = []
    index = _skip_space(text, index + 1)
    while not text.startswith("}", index):
        if not text.startswith('"', index):
            raise NotebookError(f"expected a key at offset {index}")
        key, index = _decode_value(text, index)
        index = _skip_space(text, index)
        if not text.startswith(":", index):
            raise NotebookError(f"expected ':' at offset {index}")
        start = _skip_space(text, index + 1)
        end = _skip_value(text, start)
        members.append((str(key), start, end))
        index = _skip_space(text, end)
        if text.startswith(",", index):
            index = _skip_space(text, index + 1)
    return members


def _array_items(text: str, start: int) -> List[int]:
    """Start offsets of the items of the JSON array at ``start``."""
    if not text.startswith("[", start):
        raise NotebookError("expected a JSON array")
    items = []
    index = _skip_space(text, start + 1)
    while not text.startswith("]", index):
        items.append(index)
        index = _skip_space(text, _skip_value(text, index))
        if text.startswith(",", index):
            index = _skip_space(text, index + 1)
    return items


def parse_notebook(json_text: str) -> Notebook:
    """Join a notebook's code cells into one masked Python text."""
    try:
        data = json.loads(json_text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"invalid notebook JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError('not a Jupyter notebook: no "cells" list (nbformat 4 is required)')
    members = {key: (start, end) for key, start, end in _object_members(json_text, 0)}
    item_starts = _array_items(json_text, members["cells"][0])
    parts: List[str] = []
    cells: List[CodeCell] = []
    magics: List[str] = []
    row = 1
    for position, (cell, item_start) in enumerate(zip(data["cells"], item_starts), start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            text = "".join(source)
        elif isinstance(source, str):
            text = source
        else:
            raise NotebookError(f'cell {position}: "source" must be a string or a list of strings')
        spans = {key: (start, end) for key, start, end in _object_members(json_text, item_start)}
        if "source" not in spans:
            raise NotebookError(f'cell {position} has no "source"')
        body = _mask(text, magics)
        if body and not body.endswith("\n"):
            body += "\n"
        parts.append(CELL_MARKER.format(number=position) + "\n" + body)
        row_count = body.count("\n")
        cells.append(CodeCell(position, text, row + 1, row_count, spans["source"]))
        row += 1 + row_count
    return Notebook(json_text, "".join(parts), tuple(cells), tuple(magics))


def _split_cells(joined: str) -> Dict[int, str]:
    """Cell number → that cell's text in a joined source (text before the first marker
    belongs to the first cell: a fix may insert at the very top)."""
    markers = list(_CELL_MARKER_RE.finditer(joined))
    if not markers:
        raise NotebookError("the cell markers were removed from the joined notebook source")
    texts = {}
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(joined)
        texts[int(marker.group(1))] = joined[marker.end() : end]
    first = int(markers[0].group(1))
    texts[first] = joined[: markers[0].start()] + texts[first]
    return texts


def _unmask(text: str, magics: Tuple[str, ...]) -> str:
    lines = []
    for line in _lines(text):
        body = line.rstrip("\n")
        placeholder = _MAGIC_PLACEHOLDER_RE.match(body)
        if placeholder is not None and int(placeholder.group(1)) < len(magics):
            body = magics[int(placeholder.group(1))]
        lines.append(body + line[len(line.rstrip("\n")) :])
    return "".join(lines)


def _source_json(original: str, text: str, key_indent: str, ensure_ascii: bool) -> str:
    """``text`` as a ``"source"`` value in the style of the ``original`` value."""
    if original.startswith('"'):
        return json.dumps(text, ensure_ascii=ensure_ascii)
    lines = _lines(text)
    if not lines:
        return "[]"
    inner = original[1:-1]
    stripped = inner.strip(" \t\r\n")
    if stripped:
        opening = inner[: len(inner) - len(inner.lstrip(" \t\r\n"))]
        closing = inner[len(inner.rstrip(" \t\r\n")) :]
    else:  # an empty list: use nbformat's layout (indent 1)
        opening, closing = "\n" + key_indent + " ", "\n" + key_indent
    items = [json.dumps(line, ensure_ascii=ensure_ascii) for line in lines]
    return "[" + opening + ("," + opening).join(items) + closing + "]"


def write_back(original_json_text: str, new_joined_source: str) -> str:
    """The notebook JSON with each code cell's source replaced from ``new_joined_source``.

    Cells whose text did not change keep their bytes; so does everything outside
    the ``"source"`` values of changed cells.
    """
    notebook = parse_notebook(original_json_text)
    new_texts = _split_cells(new_joined_source)
    ensure_ascii = original_json_text.isascii()
    out = original_json_text
    # Replace from the end so earlier spans stay valid.
    for cell in sorted(notebook.cells, key=lambda c: c.span[0], reverse=True):
        if cell.number not in new_texts:
            continue
        text = _unmask(new_texts[cell.number], notebook.magics)
        if not cell.text.endswith("\n"):
            # The newline joining added, and the blank lines a fix leaves after
            # inserted code: a cell that ended without a newline still does.
            text = text.rstrip("\n")
        if text == cell.text:
            continue
        start, end = cell.span
        line = out[out.rfind("\n", 0, start) + 1 : start]
        key_indent = line[: len(line) - len(line.lstrip())]
        value = _source_json(out[start:end], text, key_indent, ensure_ascii)
        out = out[:start] + value + out[end:]
    return out
