"""The fix loop: lint, apply the fixes that do not overlap, lint again, until stable.

Pure: text in, text out. The CLI reads and writes the files. A pass applies
every applicable fix that does not overlap one accepted before it (in
diagnostic order, so the result is deterministic); the fixes it had to defer
are recomputed from the new text on the next pass. A fix whose result does not
compile is dropped and reported, never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, List, Optional, Set, Tuple

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.edits.apply import apply_fixes
from torchseedlint.engine.runner import lint_file_text, parse
from torchseedlint.engine.sources import cpython_syntax_error
from torchseedlint.rules import expand
from torchseedlint.settings.config import Config

if TYPE_CHECKING:  # the index is built where files are parsed
    from torchseedlint.semantic.project import ProjectIndex

MAX_PASSES = 10


@dataclass
class FixOutcome:
    text: str
    fixed: List[Diagnostic] = field(default_factory=list)
    remaining: List[Diagnostic] = field(default_factory=list)
    # Diagnostics whose fix would have broken the file: reported, not applied.
    dropped: List[Diagnostic] = field(default_factory=list)
    passes: int = 0


def fix_filter(config: Config, unsafe: bool) -> Callable[[Diagnostic], bool]:
    """Whether a diagnostic's fix may be applied: its safety and ``fixable``/``unfixable``."""
    allowed = fix_allowed(config, unsafe)
    return lambda d: d.fix is not None and allowed(d.code, d.fix.applicability)


def fix_allowed(config: Config, unsafe: bool) -> Callable[[str, Applicability], bool]:
    """Whether a fix of this safety for this code may be applied (``fixable``/``unfixable``)."""
    fixable = None if config.fixable is None else set(expand(config.fixable))
    unfixable = set(expand(config.unfixable))

    def allowed(code: str, applicability: Applicability) -> bool:
        return (
            (unsafe or applicability == Applicability.SAFE)
            and (fixable is None or code in fixable)
            and code not in unfixable
        )

    return allowed


def parses_and_compiles(text: str, path: str) -> bool:
    """libcst parses it and CPython compiles it (which also rejects repeated keywords)."""
    if isinstance(parse(text, path), Diagnostic):
        return False
    return cpython_syntax_error(text, path) is None


def _key(diagnostic: Diagnostic) -> Tuple[str, str]:
    # Positions move as fixes land; the code and message identify a finding across passes.
    return diagnostic.code, diagnostic.message


def fix_text(
    text: str,
    path: str,
    config: Config,
    unsafe: bool = False,
    diagnostics: Optional[List[Diagnostic]] = None,
    project: Optional[ProjectIndex] = None,
) -> FixOutcome:
    """Apply fixes to ``text`` until nothing more applies (at most MAX_PASSES passes).

    ``diagnostics``: the result of linting ``text`` already, if the caller has it;
    ``project``: the index the run used, so seeds found in imported modules count.
    """
    applicable = fix_filter(config, unsafe)
    original_compiles = parses_and_compiles(text, path)
    outcome = FixOutcome(text)
    dropped: Set[Tuple[str, str]] = set()
    if diagnostics is None:
        diagnostics = lint_file_text(text, path, config, project, fresh=True).diagnostics
    while outcome.passes < MAX_PASSES:
        candidates = [d for d in diagnostics if applicable(d) and _key(d) not in dropped]
        if not candidates:
            break
        new_text, applied = _apply_checked(
            outcome.text, candidates, path, original_compiles, outcome, dropped
        )
        if not applied or new_text == outcome.text:
            break
        outcome.passes += 1
        outcome.text = new_text
        outcome.fixed.extend(applied)
        diagnostics = lint_file_text(new_text, path, config, project, fresh=True).diagnostics
    outcome.remaining = diagnostics
    return outcome


def _apply_checked(
    text: str,
    candidates: List[Diagnostic],
    path: str,
    must_compile: bool,
    outcome: FixOutcome,
    dropped: Set[Tuple[str, str]],
) -> Tuple[str, List[Diagnostic]]:
    """One pass; if the combined result breaks the file, find and drop the culprits."""
    new_text, applied = _apply(text, candidates)
    if not must_compile or parses_and_compiles(new_text, path):
        return new_text, applied
    kept: List[Diagnostic] = []
    for diagnostic in applied:
        trial, _ = _apply(text, kept + [diagnostic])
        if parses_and_compiles(trial, path):
            kept.append(diagnostic)
        else:
            dropped.add(_key(diagnostic))
            outcome.dropped.append(diagnostic)
    return _apply(text, kept)


def _apply(text: str, diagnostics: List[Diagnostic]) -> Tuple[str, List[Diagnostic]]:
    fixes: List[Fix] = [d.fix for d in diagnostics if d.fix is not None]
    new_text, applied, _ = apply_fixes(text, fixes)
    applied_ids = {id(fix) for fix in applied}
    return new_text, [d for d in diagnostics if id(d.fix) in applied_ids]


def fixable_counts(
    diagnostics: Iterable[Diagnostic], config: Config, unsafe: bool
) -> Tuple[int, int]:
    """(fixes applicable now, unsafe fixes that ``--unsafe-fixes`` would add)."""
    now = fix_filter(config, unsafe)
    with_unsafe = fix_filter(config, True)
    applicable = hidden = 0
    for diagnostic in diagnostics:
        if now(diagnostic):
            applicable += 1
        elif with_unsafe(diagnostic):
            hidden += 1
    return applicable, hidden
