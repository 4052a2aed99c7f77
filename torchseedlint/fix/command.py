"""``--fix``, ``--diff`` and ``--show-fixes``: the part of the command that edits files.

The fix loop itself is pure (:mod:`torchseedlint.fix.loop`); here the fixed text is
diffed or written back, byte for byte in the file's own encoding, BOM and line
endings, by :func:`torchseedlint.fix.atomic_write.write_atomic` (a temporary file and
an atomic rename).

A notebook is fixed through its joined code cells (the text the engine linted),
and the cells that changed are written back into its JSON (:func:`notebook.write_back`),
which is then written like any file; ``--diff`` shows one diff per changed cell.

Write safety: every file is fixed in memory before the first one is written, and
each write is one rename, so a run killed at any point leaves each file either as
it was or fully fixed (SIGINT and SIGTERM wait while a file is written, so no
temporary file is left behind either). A file whose bytes changed on disk since it was
read is not overwritten. A symbolic link is never fixed: its target may lie
outside the project, and when the target is in the run it is fixed under its own
path; the link's diagnostics stay reported with a warning.
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, List, Optional, Tuple

from torchseedlint.core.text import with_newline
from torchseedlint.engine.notebook import CELL_MARKER, Notebook, parse_notebook
from torchseedlint.engine.notebook import write_back as notebook_write_back
from torchseedlint.engine.results import FileResult, RunResult
from torchseedlint.engine.runner import lint_file_text
from torchseedlint.engine.sources import DecodedSource
from torchseedlint.fix.atomic_write import WRITE_ERRORS, write_atomic
from torchseedlint.fix.loop import FixOutcome, fix_filter, fix_text
from torchseedlint.settings.config import Config

if TYPE_CHECKING:  # the index is built where files are parsed
    from torchseedlint.semantic.project import ProjectIndex


@dataclass
class FileFix:
    path: str
    original: DecodedSource  # the file as read (a notebook: its JSON text)
    outcome: FixOutcome  # ``outcome.text``: the file's new text (a notebook: its new JSON)
    # A notebook before and after: ``--diff`` compares their cells.
    notebooks: Optional[Tuple[Notebook, Notebook]] = None

    @property
    def changed(self) -> bool:
        return self.outcome.text != self.original.text


def fix_run(
    run: RunResult, config: Config, unsafe: bool, skipped_links: Optional[List[str]]
) -> List[FileFix]:
    """Fix every file of the run in memory; its results then hold what remains.

    Symbolic links are not fixed: their paths are added to ``skipped_links``
    (None: nothing will be written to the paths, e.g. stdin, so links do not matter).
    """
    fixes = []
    for result in run.files:
        source, notebook = result.source, result.notebook
        if source is None and notebook is None:
            continue
        # Each file's own settings (hierarchical configuration), as it was linted with.
        file_config = run.config_for(result.path) or config
        if not any(fix_filter(file_config, unsafe)(d) for d in result.diagnostics):
            continue
        if skipped_links is not None and os.path.islink(result.path):
            skipped_links.append(result.path)
            continue
        if notebook is not None:
            fixes.append(_fix_notebook(result, notebook, file_config, unsafe, run.project))
        elif source is not None:
            outcome = fix_text(
                source.text, result.path, file_config, unsafe, result.diagnostics, run.project
            )
            result.diagnostics = outcome.remaining
            result.source = replace(source, text=outcome.text)
            fixes.append(FileFix(result.path, source, outcome))
    return fixes


def _fix_notebook(
    result: FileResult,
    notebook: Notebook,
    config: Config,
    unsafe: bool,
    project: Optional[ProjectIndex],
) -> FileFix:
    """Fix the joined code cells, then put the changed cells back into the JSON.

    Fixes edit the joined text, never cell-located diagnostics (an edit has no cell).
    """
    original = DecodedSource(notebook.json_text, "utf-8", bom=False)
    outcome = fix_text(notebook.source, result.path, config, unsafe, result.diagnostics, project)
    if outcome.text == notebook.source:
        result.diagnostics = outcome.remaining
        return FileFix(result.path, original, replace(outcome, text=notebook.json_text))
    new_json = notebook_write_back(notebook.json_text, outcome.text)
    fixed = parse_notebook(new_json)
    if _code_lines(fixed.source) != _code_lines(outcome.text):
        # The cells read back differently from what was fixed: e.g. code inserted
        # above a `%%cell_magic` line, which would no longer mask its cell.
        unchanged = FixOutcome(
            notebook.json_text, dropped=outcome.fixed, remaining=result.diagnostics
        )
        return FileFix(result.path, original, unchanged)
    remaining = outcome.remaining
    if fixed.source != outcome.text:
        # Rows moved (text fixed in above the first cell's marker, blank lines at
        # a cell's end): locate what remains in the notebook as it will be written.
        remaining = lint_file_text(
            fixed.source, result.path, config, project, fresh=True
        ).diagnostics
    result.diagnostics = remaining
    result.notebook = fixed
    outcome = replace(outcome, text=new_json, remaining=remaining)
    return FileFix(result.path, original, outcome, (notebook, fixed))


_MARKER_PREFIX = CELL_MARKER.format(number="")


def _code_lines(joined: str) -> List[str]:
    """The lines that make a joined notebook text's meaning (no cell markers or blanks)."""
    return [
        line for line in joined.splitlines() if line.strip() and not line.startswith(_MARKER_PREFIX)
    ]


def write_back(fixes: List[FileFix]) -> List[str]:
    """Write the changed files; return an error for each one left untouched.

    The fixes of the files not written are removed from ``fixes``.
    """
    errors = []
    for fix in list(fixes):
        if not fix.changed:
            continue
        try:
            write_atomic(
                fix.path,
                fix.original.encode(fix.outcome.text),
                fix.original.encode(fix.original.text),
            )
        except WRITE_ERRORS as exc:
            errors.append(f"{fix.path}: not fixed: {exc}")
            fixes.remove(fix)
    return errors


def link_warnings(paths: List[str]) -> List[str]:
    return [
        f"{path}: not fixed: it is a symbolic link (to {os.path.realpath(path)}); "
        "fix the file it points to"
        for path in paths
    ]


def unified_diff(fix: FileFix) -> str:
    """The change as a unified diff; for a notebook, one per changed code cell
    (named ``path:cell N``, rows counted in the cell, as ruff shows them)."""
    if fix.notebooks is None:
        return _diff(fix.original.text, fix.outcome.text, fix.path)
    before, after = fix.notebooks
    return "".join(
        _diff(_ended(old.text), _ended(new.text), f"{fix.path}:cell {old.number}")
        for old, new in zip(before.cells, after.cells)
    )


def _ended(cell_text: str) -> str:
    # Cells usually end without a newline, and write_back keeps that: not a change to show.
    return with_newline(cell_text) if cell_text else cell_text


def _diff(old: str, new: str, name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=name, tofile=name
    )
    return "".join(with_newline(line) for line in lines)


def fixed_count(fixes: List[FileFix]) -> int:
    return sum(len(fix.outcome.fixed) for fix in fixes if fix.changed)


def _errors(count: int) -> str:
    return f"{count} error" if count == 1 else f"{count} errors"


def show_fixes(fixes: List[FileFix]) -> str:
    """ruff's ``--show-fixes`` listing: per file, how many of each rule were fixed."""
    changed = [fix for fix in fixes if fix.changed]
    if not changed:
        return "No errors fixed\n"
    text = f"Fixed {_errors(fixed_count(changed))}:\n"
    for fix in sorted(changed, key=lambda f: f.path):
        text += f"- {fix.path}:\n"
        counts = Counter((d.code, d.name) for d in fix.outcome.fixed)
        for (code, name), count in sorted(counts.items()):
            text += f"    {count} \u00d7 {code} ({name})\n"
    return text


def dropped_warnings(fixes: List[FileFix]) -> List[str]:
    return [
        f"{fix.path}:{d.location.row}:{d.location.column}: the fix for {d.code} ({d.name}) "
        "would leave code that does not compile; it was not applied, please report it"
        for fix in fixes
        for d in fix.outcome.dropped
    ]


def would_fix(fixes: List[FileFix]) -> str:
    count = fixed_count(fixes)
    return f"Would fix {_errors(count)}." if count else "No errors would be fixed."
