"""``--fix``, ``--diff`` and ``--show-fixes``: the part of the command that edits files.

The fix loop itself is pure (:mod:`torchseedlint.fixing`); here the fixed text is
diffed or written back, byte for byte in the file's own encoding, BOM and line
endings, through a temporary file and an atomic rename.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import List

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


def fix_run(run: RunResult, config: Config, unsafe: bool) -> List[FileFix]:
    """Fix every file of the run in memory; its results then hold what remains.

    Notebooks are not fixed (their diagnostics stay as reported).
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
        outcome = fix_text(source.text, result.path, config, unsafe, result.diagnostics,
                           run.project)
        result.diagnostics = outcome.remaining
        result.source = replace(source, text=outcome.text)
        fixes.append(FileFix(result.path, source, outcome))
    return fixes


def write_back(fixes: List[FileFix]) -> None:
    for fix in fixes:
        if fix.changed:
            write_atomic(fix.path, fix.original.encode(fix.outcome.text))


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file's content in one rename, keeping its permission bits."""
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


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
