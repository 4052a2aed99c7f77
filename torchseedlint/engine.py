"""The lint pipeline: read → parse once → facts → rules → suppressions → results.

No printing and no writing here: the CLI and other front ends (flake8, tests,
editors) call :func:`lint_source` / :func:`lint_paths` and render the results.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence, Tuple, Union

import libcst as cst

from torchseedlint.analysis import ImportedSeeds, ModuleAnalysis, parse_version
from torchseedlint.config import Config
from torchseedlint.diagnostics import Diagnostic, Location
from torchseedlint.discovery import discover
from torchseedlint.facts import ModuleFacts, collect_facts
from torchseedlint.rules import RULES_BY_CODE, Context, matching, selected_codes
from torchseedlint.rules.tool import ParseError
from torchseedlint.sources import DecodedSource, SourceError, decode_source
from torchseedlint.suppression import Suppressions, parse_suppressions


class InternalError(Exception):
    """A rule crashed: a bug in torchseedlint, not in the linted code."""


@dataclass
class FileResult:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    # Diagnostics silenced by a suppression comment (kept for TSL001 and --add-noqa).
    suppressed: List[Diagnostic] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    suppressions: Optional[Suppressions] = None
    source: Optional[DecodedSource] = None
    facts: Optional[ModuleFacts] = None


@dataclass
class RunResult:
    files: List[FileResult]
    missing_paths: List[str] = field(default_factory=list)

    @property
    def diagnostics(self) -> List[Diagnostic]:
        found = [d for result in self.files for d in result.diagnostics]
        return sorted(found, key=Diagnostic.sort_key)

    @property
    def internal_errors(self) -> List[str]:
        return [error for result in self.files for error in result.internal_errors]


def parse_error(path: str, message: str, row: int = 1, column: int = 1) -> Diagnostic:
    location = Location(max(row, 1), max(column, 1))
    return Diagnostic(
        code=ParseError.code,
        name=ParseError.name,
        message=message,
        path=path,
        location=location,
        end_location=location,
        severity=ParseError.severity,
        noqa_rows=(),
    )


def parse(text: str, path: str) -> Union[cst.Module, Diagnostic]:
    """Parse with libcst, or return the TSL000 diagnostic saying why it failed."""
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "invalid syntax"
        return parse_error(path, f"syntax error: {reason}", exc.raw_line, exc.raw_column + 1)
    except RecursionError:
        return parse_error(path, "expression nested too deeply to parse")
    except Exception as exc:  # noqa: BLE001 - libcst's native parser raises plain errors
        return parse_error(path, f"cannot parse: {exc}")


def lint_file_text(
    text: str,
    path: str,
    config: Config,
    imported_seeds: Optional[ImportedSeeds] = None,
) -> FileResult:
    """Lint decoded source text; never raises for anything in the text."""
    result = FileResult(path)
    report_errors = ParseError.code in selected_codes(config) and (
        ParseError.code not in _expand(config.ignored_for(path))
    )
    module = parse(text, path)
    if isinstance(module, Diagnostic):
        if report_errors:
            result.diagnostics.append(module)
        return result
    try:
        facts = collect_facts(module, path)
    except RecursionError:
        if report_errors:
            result.diagnostics.append(parse_error(path, "expression nested too deeply to analyse"))
        return result
    result.facts = facts
    run_rules(text, facts, config, result, imported_seeds)
    return result


def run_rules(
    text: str,
    facts: ModuleFacts,
    config: Config,
    result: FileResult,
    imported_seeds: Optional[ImportedSeeds] = None,
) -> None:
    path = result.path
    analysis = ModuleAnalysis(facts, config.seed_functions, imported_seeds)
    ctx = Context(
        path=path,
        source=text,
        facts=facts,
        analysis=analysis,
        config=config,
        is_entry_point=analysis.is_entry_point(forced=config.is_entry_point(path)),
        torch_version=parse_version(config.torch_version),
        torchvision_version=parse_version(config.torchvision_version),
    )
    ignored = _expand(config.ignored_for(path))
    found: List[Diagnostic] = []
    for code in selected_codes(config):
        if code in ignored:
            continue
        rule = RULES_BY_CODE[code]()
        try:
            found.extend(rule.check(ctx))
        except Exception:  # noqa: BLE001 - one broken rule must not stop the run
            result.internal_errors.append(
                f"{path}: internal error in {rule.code} ({rule.name}); please report it at "
                f"https://github.com/torchseedlint/torchseedlint/issues with this trace:\n"
                + traceback.format_exc()
            )
    suppressions = parse_suppressions(text)
    for diagnostic in sorted(found, key=Diagnostic.sort_key):
        if suppressions.match(diagnostic) is None:
            result.diagnostics.append(diagnostic)
        else:
            result.suppressed.append(diagnostic)
    result.suppressions = suppressions


def _expand(selectors: Sequence[str]) -> Tuple[str, ...]:
    codes = []
    for selector in selectors:
        codes.extend(rule.code for rule in matching(selector))
    return tuple(codes)


def lint_source(
    source: Union[str, bytes], path: str = "<string>", config: Optional[Config] = None
) -> List[Diagnostic]:
    """Lint one module given as text (or bytes, decoded like Python does)."""
    config = config or Config()
    if isinstance(source, bytes):
        try:
            source = decode_source(source).text
        except SourceError as exc:
            return [parse_error(path, str(exc))]
    result = lint_file_text(source, path, config)
    if result.internal_errors:
        raise InternalError("\n".join(result.internal_errors))
    return result.diagnostics


def lint_path(path: str, config: Config) -> FileResult:
    """Read, decode and lint one file; every I/O problem becomes a TSL000."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        result = FileResult(path)
        result.diagnostics.append(parse_error(path, f"cannot read file: {exc.strerror or exc}"))
        return result
    try:
        decoded = decode_source(data)
    except SourceError as exc:
        result = FileResult(path)
        result.diagnostics.append(parse_error(path, str(exc)))
        return result
    result = lint_file_text(decoded.text, path, config)
    result.source = decoded
    return result


def lint_paths(
    paths: Iterable[str],
    config: Optional[Config] = None,
    force_exclude: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
) -> RunResult:
    """Lint every discovered file; ``progress(done, total)`` is called after each one."""
    config = config or Config()
    discovered = discover(list(paths), config, force_exclude=force_exclude)
    files = []
    for path in discovered.files:
        files.append(lint_path(path, config))
        if progress is not None:
            progress(len(files), len(discovered.files))
    return RunResult(files, missing_paths=discovered.missing)
