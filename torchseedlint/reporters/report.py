"""What every reporter receives: the run's diagnostics and what is needed to show them.

Reporters never read files or lint: the front end passes in the source texts it
already decoded, the rules that were enabled, and the directory that paths in
machine formats are made relative to.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Callable, Dict, List, Sequence, Tuple, Type

from torchseedlint import rules as registry
from torchseedlint.core.diagnostics import Applicability, Diagnostic

if TYPE_CHECKING:
    from torchseedlint.rules.base import Rule


def has_safe_fix(diagnostic: Diagnostic) -> bool:
    return diagnostic.fix is not None and diagnostic.fix.applicability == Applicability.SAFE


@dataclass(frozen=True)
class Report:
    diagnostics: Sequence[Diagnostic]
    # Decoded text of each linted file, by the path diagnostics carry.
    sources: Dict[str, str] = field(default_factory=dict)
    # A notebook's code cells, by (path, cell number): its diagnostics count rows per cell.
    cell_sources: Dict[Tuple[str, int], str] = field(default_factory=dict)
    # The rules enabled for the run, in code order (SARIF lists every one): given as
    # classes, or as codes whose classes are imported on first use (a clean run
    # reports none, and importing every rule costs more than linting a clean file).
    codes: Sequence[str] = ()
    given_rules: Sequence[Type[Rule]] = ()
    # Paths in SARIF, GitLab and GitHub output are made relative to this directory.
    root: str = "."
    color: bool = False
    # Whether `--fix` with the run's options would apply a diagnostic's fix: what
    # `[*]` marks (as in ruff: safe fixes, unsafe ones too with --unsafe-fixes).
    applicable: Callable[[Diagnostic], bool] = has_safe_fix

    @property
    def rules(self) -> List[Type[Rule]]:
        """The enabled rules."""
        return [*self.given_rules, *(registry.RULES_BY_CODE[code] for code in self.codes)]

    def rule(self, code: str) -> Type[Rule]:
        """The rule behind a code: an enabled one, else the registry's (TSL000)."""
        for rule in self.given_rules:
            if rule.code == code:
                return rule
        return registry.RULES_BY_CODE[code]

    def text_of(self, diagnostic: Diagnostic) -> str:
        """The text the diagnostic's rows count in (a notebook cell's), "" when unknown."""
        if diagnostic.cell is not None:
            return self.cell_sources.get((diagnostic.path, diagnostic.cell), "")
        return self.sources.get(diagnostic.path, "")

    def line_text(self, diagnostic: Diagnostic) -> str:
        """The source line a diagnostic starts on, or "" when the text is unknown."""
        lines = self.text_of(diagnostic).splitlines()
        row = diagnostic.location.row
        return lines[row - 1] if 0 < row <= len(lines) else ""


def position(d: Diagnostic) -> str:
    """``row:col``, after ``cell N:`` in a notebook, as ruff shows notebook locations."""
    cell = f"cell {d.cell}:" if d.cell is not None else ""
    return f"{cell}{d.location.row}:{d.location.column}"


def cell_prefix(d: Diagnostic) -> str:
    """``cell N: `` for a notebook finding, "" otherwise: formats that locate a finding
    by file and row alone need it in the message, as the row counts inside that cell."""
    return f"cell {d.cell}: " if d.cell is not None else ""


def one_line(text: str) -> str:
    """A message fit for a line-oriented format: a line break would start a bogus record."""
    return " ".join(text.splitlines())


def relative_posix(path: str, root: str) -> str:
    """``path`` relative to ``root`` with forward slashes; absolute when outside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return PurePath(absolute).as_posix()


def fingerprints(report: Report) -> List[str]:
    """A stable identity for each diagnostic, in the order of ``report.diagnostics``.

    It hashes the rule, the relative path and the whitespace-normalised text of
    the line, not the line number, so inserting lines above a finding keeps its
    identity. Identical findings on identical lines get an occurrence counter so
    every fingerprint in a report is unique (GitLab requires it).
    """
    seen: Dict[str, int] = {}
    result = []
    for diagnostic in report.diagnostics:
        line = " ".join(report.line_text(diagnostic).split())
        key = "\0".join((diagnostic.code, relative_posix(diagnostic.path, report.root), line))
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        occurrence = seen.get(digest, 0)
        seen[digest] = occurrence + 1
        result.append(f"{digest[:32]}:{occurrence}")
    return result
