"""``--fix``, ``--diff`` and ``--show-fixes``: the part of the command that edits files.

The fix loop itself is pure (:mod:`torchseedlint.fixing`); here the fixed text is
diffed or written back, byte for byte in the file's own encoding, BOM and line
endings, through a temporary file and an atomic rename.

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
import signal
import stat
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, List

from torchseedlint.config import Config
from torchseedlint.engine import RunResult
from torchseedlint.fixing import FixOutcome, fix_filter, fix_text
from torchseedlint.sources import DecodedSource


@dataclass
class FileFix:
    path: str
    original: DecodedSource
    outcome: FixOutcome

    @property
    def changed(self) -> bool:
        return self.outcome.text != self.original.text


def fix_run(
    run: RunResult, config: Config, unsafe: bool, skipped_links: List[str]
) -> List[FileFix]:
    """Fix every file of the run in memory; its results then hold what remains.

    Notebooks are not fixed (their diagnostics stay as reported), nor symbolic
    links (their paths are added to ``skipped_links``).
    """
    config = run.config or config
    applicable = fix_filter(config, unsafe)
    fixes = []
    for result in run.files:
        source = result.source
        if source is None or result.notebook is not None:
            continue
        if not any(applicable(d) for d in result.diagnostics):
            continue
        if os.path.islink(result.path):
            skipped_links.append(result.path)
            continue
        outcome = fix_text(source.text, result.path, config, unsafe, result.diagnostics,
                           run.project)
        result.diagnostics = outcome.remaining
        result.source = replace(source, text=outcome.text)
        fixes.append(FileFix(result.path, source, outcome))
    return fixes


class NotWritten(Exception):
    """A fixed file could not be written back safely; it was left as it was."""


def write_back(fixes: List[FileFix]) -> List[str]:
    """Write the changed files; return an error for each one left untouched.

    The fixes of the files not written are removed from ``fixes``.
    """
    errors = []
    for fix in list(fixes):
        if not fix.changed:
            continue
        expected = fix.original.encode(fix.original.text)
        try:
            with _signals_deferred():
                write_atomic(fix.path, fix.original.encode(fix.outcome.text), expected)
        except (NotWritten, OSError, UnicodeEncodeError) as exc:
            errors.append(f"{fix.path}: not fixed: {exc}")
            fixes.remove(fix)
    return errors


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace the file's content in one rename, keeping its permission bits.

    Raises NotWritten if the file no longer holds ``expected`` (it was edited
    while we worked) or is a symbolic link.
    """
    if os.path.islink(path):
        raise NotWritten("it is a symbolic link")
    target = Path(path)
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        # Checked as late as possible: the window for a lost edit is this one read.
        if target.read_bytes() != expected:
            raise NotWritten("it changed on disk while torchseedlint was fixing it")
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, so no temporary file is left behind."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: a rename is still atomic
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def link_warnings(paths: List[str]) -> List[str]:
    return [
        f"{path}: not fixed: it is a symbolic link (to {os.path.realpath(path)}); "
        "fix the file it points to"
        for path in paths
    ]


def unified_diff(fix: FileFix) -> str:
    lines = difflib.unified_diff(
        fix.original.text.splitlines(keepends=True),
        fix.outcome.text.splitlines(keepends=True),
        fromfile=fix.path,
        tofile=fix.path,
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


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
