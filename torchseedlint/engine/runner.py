"""The lint pipeline: read → parse once → facts → rules → suppressions → results.

No printing and no writing here: the CLI and other front ends (flake8, tests,
editors) call :func:`lint_source` / :func:`lint_paths` and render the results.
"""

from __future__ import annotations

import os
import re
import traceback
import warnings
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
    cast,
)

from torchseedlint import rules
from torchseedlint.core.diagnostics import Diagnostic, Location
from torchseedlint.engine.cache import Cache, cache_directory, content_hash, file_hashes
from torchseedlint.engine.discovery import Discovered, as_resolver, discover, excluded
from torchseedlint.engine.notebook import NotebookError, parse_notebook
from torchseedlint.engine.parse_guard import PYTHON_MAX_NESTING, on_big_stack, too_deep
from torchseedlint.engine.results import FileResult, RunResult
from torchseedlint.engine.screen import compiles, may_report
from torchseedlint.engine.sources import SourceError, cpython_syntax_error, decode_source
from torchseedlint.rules import expand, selected_codes, triggers
from torchseedlint.semantic.facts import ModuleFacts
from torchseedlint.settings.config import Config, ConfigError, ConfigResolver
from torchseedlint.settings.project_root import find_project_root
from torchseedlint.settings.versions import parse_version, with_inferred_versions

# The analysis, the rules and libcst are imported where a file is parsed: a run
# whose files the screen rules out (a clean file in an editor or a hook) needs
# none of them, and importing them costs more than such a run.
if TYPE_CHECKING:
    from torchseedlint.engine.workers import Workers
    from torchseedlint.semantic.analysis import ModuleAnalysis
    from torchseedlint.semantic.project import ProjectIndex
    from torchseedlint.semantic.roles import ModuleRole
    from torchseedlint.semantic.summary import DrawGraph, ModuleSummary

    # A file's facts from the run's first phase, with its draw graph (both from
    # the text about to be linted).
    Known = Tuple[ModuleFacts, DrawGraph]

if TYPE_CHECKING:
    import libcst as cst


class InternalError(Exception):
    """A rule crashed: a bug in torchseedlint, not in the linted code."""


# The two rules the engine reports itself, named by code (the registry holds them):
# a file it cannot read or parse, and suppressions that silenced nothing, which is
# known only after every other rule ran.
PARSE_ERROR = "TSL000"
UNUSED_SUPPRESSION = "TSL001"


def parse_error(path: str, message: str, row: int = 1, column: int = 1) -> Diagnostic:
    location = Location(max(row, 1), max(column, 1))
    rule = rules.RULES_BY_CODE[PARSE_ERROR]
    return Diagnostic(
        code=rule.code,
        name=rule.name,
        message=message,
        path=path,
        location=location,
        end_location=location,
        severity=rule.severity,
        noqa_rows=(),
    )


def parse(text: str, path: str) -> Union[cst.Module, Diagnostic]:
    """Parse with libcst, or return the TSL000 diagnostic saying why it failed."""
    import libcst as cst

    depth = too_deep(text)
    if depth is not None:
        return parse_error(
            path, f"brackets nested {depth} deep; Python allows at most {PYTHON_MAX_NESTING}"
        )
    try:
        return on_big_stack(lambda: cst.parse_module(text))
    except cst.ParserSyntaxError as exc:
        return _syntax_error(text, path, exc)
    except RecursionError:
        return parse_error(path, "expression nested too deeply to parse")
    except Exception as exc:  # noqa: BLE001 - libcst's native parser raises plain errors
        return parse_error(path, f"cannot parse: {exc}")


def _syntax_error(text: str, path: str, exc: cst.ParserSyntaxError) -> Diagnostic:
    """Report where CPython's own parser fails: libcst's positions are often off."""
    error = cpython_syntax_error(text, path)
    if isinstance(error, SyntaxError):
        return parse_error(path, f"syntax error: {error.msg}", error.lineno or 1, error.offset or 1)
    reason = str(exc).splitlines()[0] if str(exc) else "invalid syntax"
    return parse_error(
        path, f"syntax libcst cannot parse: {reason}", exc.raw_line, exc.raw_column + 1
    )


_OUR_PREFIX = re.compile("tsl", re.IGNORECASE)


def use_fast_path() -> bool:
    """Whether facts come from ``ast`` where it parses the file (the default);
    ``TORCHSEEDLINT_PARSER=libcst`` takes every file's facts from libcst."""
    return os.environ.get("TORCHSEEDLINT_PARSER", "ast") != "libcst"


def analyse(text: str, path: str, fast: bool) -> Union[ModuleFacts, Diagnostic]:
    """The facts of ``text``, or the TSL000 diagnostic saying why there are none.

    ``fast``: from ``ast``, ten times faster than libcst and equal facts
    (``tests/semantic/test_ast_facts.py``); a text ``ast`` cannot parse goes to libcst,
    which reports why as it always has.
    """
    if fast:
        try:
            from torchseedlint.semantic.ast_facts import collect_facts_ast

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # about the user's code: not ours to print
                return collect_facts_ast(text, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    module = parse(text, path)
    if isinstance(module, Diagnostic):
        return module
    # Imported here, like libcst itself: a run whose files need no libcst loads neither.
    from torchseedlint.semantic.cst_facts import collect_facts

    try:
        return collect_facts(module, path, text)
    except RecursionError:
        return parse_error(path, "expression nested too deeply to analyse")


def lint_file_text(
    text: str,
    path: str,
    config: Config,
    project: Optional[ProjectIndex] = None,
    fresh: bool = False,
    known: Optional[Known] = None,
) -> FileResult:
    """Lint decoded source text; never raises for anything in the text.

    ``known``: the facts the run's first phase analysed from this very text (so
    it is not parsed again). ``fresh``: parse it with libcst, whatever is known
    (--fix edited it).

    Facts come from ``ast`` first; a file with anything to say (a diagnostic,
    reported or suppressed, or an internal error) is linted again from libcst's
    facts, so what is reported is what libcst gives, by construction.
    """
    if fresh:
        return _lint_text(text, path, config, project, None, False)
    fast = use_fast_path()
    # Fixes are built by the libcst lint only: the fast one just finds out whether
    # there is anything to report (and so to lint again).
    result = _lint_text(text, path, config, project, known, fast, build_fixes=not fast)
    if (
        fast
        and result.facts is not None
        and (result.diagnostics or result.suppressed or result.internal_errors)
    ):
        graph = known[1] if known is not None else None  # libcst's facts are equal
        result = _lint_text(text, path, config, project, None, False, graph=graph)
    return result


def _lint_text(
    text: str,
    path: str,
    config: Config,
    project: Optional[ProjectIndex],
    known: Optional[Known],
    fast: bool,
    build_fixes: bool = True,
    graph: Optional[DrawGraph] = None,
) -> FileResult:
    result = FileResult(path)
    if known is not None:  # analysed in the run's first phase: parse once
        result.facts = known[0]
        run_rules(text, known[0], config, result, project, build_fixes, known[1])
        return result
    codes = reported_codes(config, path)
    report_errors = PARSE_ERROR in codes
    if not needs_parse(text, path, config, codes):
        return result
    facts = analyse(text, path, fast)
    if isinstance(facts, Diagnostic):
        if report_errors:
            result.diagnostics.append(facts)
        return result
    result.facts = facts
    run_rules(text, facts, config, result, project, build_fixes, graph)
    return result


def reported_codes(config: Config, path: str) -> Tuple[str, ...]:
    """The selected codes less those ignored for ``path``."""
    ignored = expand(config.ignored_for(path))
    return tuple(code for code in selected_codes(config) if code not in ignored)


def passes_screen(text: str, path: str, config: Config, codes: Tuple[str, ...]) -> bool:
    """Whether a rule of ``codes`` may report anything in ``text`` (see ``screen``)."""
    return config.is_entry_point(path) or may_report(text, triggers(codes))


def needs_parse(text: str, path: str, config: Config, codes: Tuple[str, ...]) -> bool:
    """False when the screen rules the file out and, if TSL000 is reported, CPython
    compiles it."""
    if passes_screen(text, path, config, codes):
        return True
    return PARSE_ERROR in codes and not compiles(text, path)


def run_rules(
    text: str,
    facts: ModuleFacts,
    config: Config,
    result: FileResult,
    project: Optional[ProjectIndex] = None,
    build_fixes: bool = True,
    graph: Optional[DrawGraph] = None,
) -> None:
    """Run the selected rules on one module's facts into ``result``, suppressions
    applied; ``build_fixes=False`` leaves the diagnostics without their fixes.
    ``graph``: the module's draw graph, if the run built it already."""
    from torchseedlint.semantic.context import Context
    from torchseedlint.semantic.roles import Role
    from torchseedlint.suppression.noqa import Suppressions, parse_suppressions
    from torchseedlint.suppression.unused import unused_suppressions

    by_code = rules.RULES_BY_CODE
    path = result.path
    analysis = module_analysis(facts, config, project, graph)
    role = module_role(path, analysis, config, project)
    ignored = expand(config.ignored_for(path))
    # A test is not a training run: only the tool's own rules look at it.
    codes = [
        code
        for code in selected_codes(config)
        if code not in ignored and (role.role is not Role.TEST or code.startswith("TSL0"))
    ]
    ctx = Context(
        path=path,
        source=text,
        facts=facts,
        analysis=analysis,
        config=config,
        is_entry_point=role.is_entry_point,
        role=role,
        codes=frozenset(codes),
        torch_version=parse_version(config.torch_version),
        torchvision_version=parse_version(config.torchvision_version),
        build_fixes=build_fixes,
    )
    found: List[Diagnostic] = []
    for code in codes:
        rule = by_code[code]()
        try:
            found.extend(rule.check(ctx))
        except Exception:  # noqa: BLE001 - one broken rule must not stop the run
            result.internal_errors.append(
                f"{path}: internal error in {rule.code} ({rule.name}); please report it at "
                f"https://github.com/torchseedlint/torchseedlint/issues with this trace:\n"
                + traceback.format_exc()
            )
    # Without a finding, only a comment naming one of our codes can matter (as
    # unused): files with only other tools' suppression comments are spared the tokenizer.
    suppressions = parse_suppressions(text) if found or _OUR_PREFIX.search(text) else Suppressions()
    for diagnostic in sorted(found, key=Diagnostic.sort_key):
        if suppressions.match(diagnostic) is None:
            result.diagnostics.append(diagnostic)
        else:
            result.suppressed.append(diagnostic)
    result.suppressions = suppressions
    if not result.internal_errors:  # a crashed rule would make its suppressions look unused
        result.diagnostics.extend(
            unused_suppressions(
                text, path, suppressions, codes, list(by_code), by_code[UNUSED_SUPPRESSION]
            )
        )
        result.diagnostics.sort(key=Diagnostic.sort_key)


def module_analysis(
    facts: ModuleFacts,
    config: Config,
    project: Optional[ProjectIndex] = None,
    graph: Optional[DrawGraph] = None,
) -> ModuleAnalysis:
    """The module's analysis, seeing into the project's other modules when there is an index."""
    from torchseedlint.semantic.analysis import ModuleAnalysis

    path = Path(facts.path)
    # What runs a configured entry point is not in the code (a launcher, a
    # framework): every function may run.
    entry_functions: Tuple[str, ...] = (
        tuple(facts.functions) if config.is_entry_point(facts.path) else ()
    )
    if project is None:
        return ModuleAnalysis(
            facts, config.seed_functions, entry_functions=entry_functions, graph=graph
        )
    return ModuleAnalysis(
        facts,
        config.seed_functions,
        project.seeds_lookup(path),
        project.draws_lookup(path),
        entry_functions or project.entry_functions(path),
        project.methods_lookup(path),
        graph,
    )


def module_role(
    path: str, analysis: ModuleAnalysis, config: Config, project: Optional[ProjectIndex] = None
) -> ModuleRole:
    """Entry point, library module or test (see ``torchseedlint.semantic.roles``)."""
    from torchseedlint.semantic.roles import decide_role

    entry, test = config.is_entry_point(path), config.is_test_path(path)
    if project is not None:
        return project.role(Path(path), analysis, entry, test)
    return decide_role(
        config.relative(path),
        analysis.facts,
        configured_entry=entry,
        configured_test=test,
        program_reason=analysis.entry_point_reason(),
    )


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


def lint_path(
    path: str,
    config: Config,
    project: Optional[ProjectIndex] = None,
    known: Optional[Known] = None,
) -> FileResult:
    """Read, decode and lint one file; every I/O problem becomes a TSL000."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        result = FileResult(path)
        result.diagnostics.append(parse_error(path, f"cannot read file: {exc.strerror or exc}"))
        return result
    return lint_bytes(data, path, config, project, known)


def lint_bytes(
    data: bytes,
    path: str,
    config: Config,
    project: Optional[ProjectIndex] = None,
    known: Optional[Known] = None,
) -> FileResult:
    """Decode and lint a file's content (``path`` names it: a .ipynb is a notebook)."""
    if path.endswith(".ipynb"):
        return _lint_notebook(data, path, config, project)
    try:
        decoded = decode_source(data)
    except SourceError as exc:
        result = FileResult(path)
        result.diagnostics.append(parse_error(path, str(exc)))
        return result
    result = lint_file_text(decoded.text, path, config, project, known=known)
    result.source = decoded
    return result


def lint_stdin(
    data: bytes,
    filename: str,
    config: Union[Config, ConfigResolver],
    force_exclude: bool = False,
) -> RunResult:
    """Lint ``data`` (read from stdin by the front end) as if it were the file ``filename``."""
    config = as_resolver(config).config_for(filename)
    if force_exclude and excluded(filename, config):
        return RunResult([])
    config = with_inferred_versions(config, project_root(config.outermost(), [filename]))
    return RunResult([lint_bytes(data, filename, config)])


def _lint_notebook(
    data: bytes, path: str, config: Config, project: Optional[ProjectIndex] = None
) -> FileResult:
    try:
        notebook = parse_notebook(data.decode("utf-8"))
    except (UnicodeDecodeError, NotebookError) as exc:
        result = FileResult(path)
        result.diagnostics.append(parse_error(path, f"cannot read notebook: {exc}"))
        return result
    result = lint_file_text(notebook.source, path, config, project)
    result.notebook = notebook
    return result


def lint_paths(
    paths: Iterable[str],
    config: Union[Config, ConfigResolver, None] = None,
    force_exclude: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
    jobs: int = 1,
    use_cache: bool = False,
    cache_dir: Optional[str] = None,
) -> RunResult:
    """Lint every discovered file; ``progress(done, total)`` is called after each one.

    Phase 1 analyses every file, and the project modules they import, into the
    project index; phase 2 runs the rules with it. ``jobs`` > 1 runs both phases
    in that many processes (same results, same order). ``use_cache`` reads and
    writes the cache (``torchseedlint.engine.cache``) in ``cache_dir`` or its default place.
    ``config``: one Config for every file, or each file's own (a ConfigResolver);
    the first path's settings are the run's (its project root, its report).
    """
    paths = list(paths)
    discovered, root, configs = _prepare_run(paths, config, force_exclude)
    files = discovered.files
    config = configs.config_for(paths[0] if paths else ".")
    state = _RunState(
        configs, configs.config_for(str(root)).seed_functions, keep_bytes=keep_facts_bytes()
    )
    run_key = ""
    if use_cache:
        used = dict.fromkeys(configs.config_for(path) for path in files)
        state.cache = Cache(cache_directory(root, cache_dir), config, *used)
        run_key = state.cache.key("run", (f"{p}\0{h}" for p, h in file_hashes(files)))
        cached = _cached_run(state.cache, run_key, len(files))
        if cached is not None:
            if progress is not None:
                progress(len(files), len(files))
            return RunResult(
                cached, missing_paths=discovered.missing, config=config, configs=configs
            )
    project: Optional[ProjectIndex] = None
    results: List[FileResult] = []
    read: Set[Path] = set()
    with _Workers(jobs, len(files), state) as workers:
        for path, summary in zip(files, workers.map(_analyse, files)):
            if summary is not None:
                if project is None:  # no index (nor its imports) if the screen passes nothing
                    project = new_project_index(root, configs, state.cache)
                project.add(Path(path), summary)
        # The modules those import (left out by the text screen, or not linted),
        # read here in parallel rather than one by one by ``build``.
        pending = project.unread_imports() if project is not None else []
        while project is not None and pending:
            modules = workers.map(_read_module, [str(module) for module in pending])
            for module, loaded in zip(pending, modules):
                project.preload(module, loaded)
            pending = project.unread_imports()
        if project is not None:
            workers.prepare_linting()
            project.build()
            workers.share(project)
            read = project.files_read()
        for result, newly_read in workers.map(_second_pass, files, pinned=True):
            results.append(result)
            read.update(newly_read)
            if progress is not None:
                progress(len(results), len(files))
    if state.cache is not None and not any(result.internal_errors for result in results):
        _store_run(state.cache, run_key, files, read, results)
    return RunResult(
        results, missing_paths=discovered.missing, config=config, project=project, configs=configs
    )


def _prepare_run(
    paths: List[str], config: Union[Config, ConfigResolver, None], force_exclude: bool = False
) -> Tuple[Discovered, Path, ConfigResolver]:
    """The files to lint, the project root (the first path's), and each file's settings
    with the torch version inferred from that project."""
    configs = as_resolver(config or Config())
    discovered = discover(paths, configs, force_exclude=force_exclude)
    first = paths[0] if paths else "."
    root = project_root(configs.config_for(first).outermost(), discovered.files)
    return discovered, root, configs.then(partial(with_inferred_versions, root=root))


# --- processes and cache ----------------------------------------------------------

# Facts take about 12 times the memory of their source. A process keeps those of
# the files it analysed in phase 1 up to this much source and analyses the rest
# again in phase 2: its memory stops growing with the tree (at about 400 MB of
# facts), at the cost of a second analysis beyond that. The default keeps a
# repository the size of diffusers whole; the environment variable sets it.
KEEP_FACTS_BYTES = 32_000_000
KEEP_FACTS_VARIABLE = "TORCHSEEDLINT_KEEP_FACTS"

# Below this many files per process a pool costs more than it saves.
_MIN_FILES_PER_PROCESS = 4

T = TypeVar("T")


@dataclass
class _RunState:
    """What both phases need, in this process or in a worker."""

    configs: ConfigResolver
    seed_functions: Tuple[str, ...] = ()  # the project index's
    cache: Optional[Cache] = None
    project: Optional[ProjectIndex] = None
    # Files the project index had read before this process linted anything.
    reported: Set[Path] = field(default_factory=set)
    # Facts of the files phase 1 analysed, until phase 2 lints them, and the size
    # of their sources (see ``KEEP_FACTS_BYTES``).
    known: Dict[str, Known] = field(default_factory=dict)
    keep_bytes: int = KEEP_FACTS_BYTES
    kept_bytes: int = 0


class _Workers:
    """``map(function, paths)`` as ``function(state, path)``, in order: in ``jobs``
    processes that keep their state (``engine.workers``), or in this process for
    one job or a run too small to pay for processes."""

    def __init__(self, jobs: int, files: int, state: _RunState) -> None:
        self.state = state
        self.jobs = min(jobs, files // _MIN_FILES_PER_PROCESS)
        self.pool: Optional[Workers[_RunState]] = None

    def __enter__(self) -> "_Workers":
        if self.jobs > 1:
            from torchseedlint.engine.workers import Workers

            self.pool = Workers(self.jobs, self.state)
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if self.pool is not None:
            self.pool.close(stop=kind is not None)

    def map(
        self, function: Callable[[_RunState, str], T], paths: List[str], pinned: bool = False
    ) -> Iterator[T]:
        """``pinned``: each path to the process that took it before (its facts are there)."""
        if self.pool is None:
            return map(partial(function, self.state), paths)
        return self.pool.map(function, paths, pinned)

    def prepare_linting(self) -> None:
        """Let the processes import what linting a file with findings needs (libcst)
        while this one builds the project index."""
        if self.pool is not None:
            self.pool.post(_import_libcst, None)

    def share(self, project: ProjectIndex) -> None:
        """Give every process the built project index."""
        if self.pool is None:
            _take_project(self.state, project)
        else:
            self.pool.broadcast(_take_project, project)


def _import_libcst(_state: _RunState, _value: None) -> None:
    # Half a second per process, and nearly every run has a file with findings.
    import libcst  # noqa: F401

    from torchseedlint.semantic import cst_facts  # noqa: F401


def _take_project(state: _RunState, project: ProjectIndex) -> None:
    state.project = project
    state.reported = project.files_read()
    if project.loader is None:  # sent from the parent, without its file readers
        project.loader = partial(_load_module, state.cache, state.seed_functions)
        project.list_files = partial(_project_files, str(project.root), state.configs)


def _analyse(state: _RunState, path: str) -> Optional[ModuleSummary]:
    """Phase 1 for one file: keep its facts here, for phase 2, and give the project
    index its summary (None when the screen rules the file out or it cannot be analysed)."""
    analysed = _first_pass(state, path)
    if analysed is None:
        return None
    facts, graph, summary = analysed
    size = _size(path)
    if state.kept_bytes + size <= state.keep_bytes:
        state.kept_bytes += size
        state.known[path] = (facts, graph)
    return summary


def keep_facts_bytes() -> int:
    """How much source a process keeps the facts of between the phases."""
    value = os.environ.get(KEEP_FACTS_VARIABLE, str(KEEP_FACTS_BYTES))
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{KEEP_FACTS_VARIABLE}={value!r} is not a number of bytes") from None


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _first_pass(
    state: _RunState, path: str
) -> Optional[Tuple[ModuleFacts, DrawGraph, ModuleSummary]]:
    """A file's facts, its draw graph and what the project index keeps of them;
    None when the screen rules it out or it cannot be analysed."""
    config = state.configs.config_for(path)

    def compute() -> Optional[Tuple[ModuleFacts, DrawGraph, ModuleSummary]]:
        facts = screened_facts(Path(path), config)
        if facts is None:
            return None
        from torchseedlint.semantic.analysis import ModuleAnalysis

        graph = ModuleAnalysis(facts).draw_graph()
        return facts, graph, summarize(facts, state.seed_functions, graph)

    if state.cache is None:
        return compute()
    return _cached(state.cache, "facts", Path(path), compute, _is_analysed)


def _is_analysed(value: object) -> bool:
    from torchseedlint.semantic.summary import DrawGraph

    return (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], ModuleFacts)
        and isinstance(value[1], DrawGraph)
        and _is_summary(value[2])
    )


def _is_summary(value: object) -> bool:
    from torchseedlint.semantic.summary import ModuleSummary

    return isinstance(value, ModuleSummary)


def _second_pass(state: _RunState, path: str) -> Tuple[FileResult, Set[Path]]:
    """Lint one file, with the facts phase 1 left in this process; also say which
    project modules this process read for the first time."""
    known = state.known.pop(path, None)
    result = lint_path(path, state.configs.config_for(path), state.project, known)
    # A run keeps no facts, and the source only of a file with something to report
    # (for --fix, --diff and the full format): what it holds grows with its
    # findings, not with the tree.
    quiet = not (result.diagnostics or result.suppressed or result.internal_errors)
    result = replace(result, facts=None, source=None if quiet else result.source)
    loaded = state.project.files_read() - state.reported if state.project is not None else set()
    state.reported |= loaded
    return result, loaded


def _read_module(state: _RunState, path: str) -> Optional[ModuleSummary]:
    return _load_module(state.cache, state.seed_functions, Path(path))


def _load_module(
    cache: Optional[Cache], seed_functions: Tuple[str, ...], path: Path
) -> Optional[ModuleSummary]:
    """The project index's loader: the summary of :func:`load_facts`, through the cache."""

    def compute() -> Optional[ModuleSummary]:
        facts = load_facts(path)
        return None if facts is None else summarize(facts, seed_functions)

    if cache is None:
        return compute()
    return _cached(cache, "module", path, compute, _is_summary)


def summarize(
    facts: ModuleFacts, seed_functions: Tuple[str, ...], graph: Optional[DrawGraph] = None
) -> ModuleSummary:
    from torchseedlint.semantic.project import summarize

    return summarize(facts, seed_functions, graph)


def _cached(
    cache: Cache,
    kind: str,
    path: Path,
    compute: Callable[[], Optional[T]],
    valid: Callable[[object], bool],
) -> Optional[T]:
    """``compute()`` for the file's content, from the cache if stored; ``valid``
    checks what an entry holds (None, or a value ``compute`` could return)."""
    try:
        digest = content_hash(path.read_bytes())
    except OSError:
        return compute()
    key = cache.key(kind, (str(path), digest))
    stored = cache.get(kind, key)
    if isinstance(stored, tuple) and len(stored) == 1 and (stored[0] is None or valid(stored[0])):
        return cast(Optional[T], stored[0])
    value = compute()
    cache.put(kind, key, (value,))
    return value


def _cached_run(cache: Cache, key: str, count: int) -> Optional[List[FileResult]]:
    """The results stored for these files, if the other modules they read are unchanged."""
    stored = cache.get("run", key)
    if not isinstance(stored, tuple) or len(stored) != 2:
        return None
    others, results = stored
    if len(results) != count or list(others) != file_hashes(path for path, _ in others):
        return None
    return [_with_source(result) for result in results]


def _with_source(result: FileResult) -> FileResult:
    """A cached result with its source read again (the run key holds its hash: the
    cache does not keep a copy of every file with findings)."""
    if result.notebook is not None or not (result.diagnostics or result.suppressed):
        return result
    try:
        return replace(result, source=decode_source(Path(result.path).read_bytes()))
    except (OSError, SourceError):
        return result


def _store_run(
    cache: Cache, key: str, files: List[str], read: Set[Path], results: List[FileResult]
) -> None:
    linted = {Path(path).resolve() for path in files}
    others = file_hashes(sorted(str(path) for path in read if path not in linted))
    stored = [replace(result, facts=None, source=None) for result in results]
    cache.put("run", key, (others, stored))


def new_project_index(
    root: Path, configs: ConfigResolver, cache: Optional[Cache] = None
) -> ProjectIndex:
    from torchseedlint.semantic.project import ProjectIndex

    seed_functions = configs.config_for(str(root)).seed_functions
    project = ProjectIndex(root, partial(_load_module, cache, seed_functions), seed_functions)
    project.list_files = partial(_project_files, str(root), configs)
    return project


def _project_files(root: str, configs: ConfigResolver) -> List[str]:
    return discover([root], configs).files


def module_roles(
    paths: Iterable[str], config: Union[Config, ConfigResolver, None] = None
) -> List[Tuple[str, ModuleRole]]:
    """Each discovered file and its role, as the rules see it (``--show-roles``).

    Files that cannot be parsed are left out (linting them reports why).
    """
    from torchseedlint.semantic.roles import decide_role

    discovered, root, configs = _prepare_run(list(paths), config)
    project = new_project_index(root, configs)
    analysed: Dict[str, ModuleFacts] = {}
    for path in discovered.files:
        facts = None if path.endswith(".ipynb") else load_facts(Path(path))
        if facts is not None:
            analysed[path] = facts
            project.add(Path(path), summarize(facts, project.seed_functions))
    project.build()
    roles = []
    for path in discovered.files:
        facts = analysed.get(path)
        if path.endswith(".ipynb"):
            roles.append((path, decide_role(path, ModuleFacts(path))))
        elif facts is not None:
            file_config = configs.config_for(path)
            analysis = module_analysis(facts, file_config, project)
            roles.append((path, module_role(path, analysis, file_config, project)))
    return roles


def project_root(config: Config, files: Sequence[str]) -> Path:
    """The config's directory, or the nearest project marker above the first file."""
    if config.root:
        return Path(config.root)
    return find_project_root(Path(files[0]) if files else Path.cwd())


def load_facts(path: Path) -> Optional[ModuleFacts]:
    """Facts of a Python file for the project index; None when it cannot be analysed
    (linting that file, if it was asked for, reports why)."""
    return screened_facts(path)


def screened_facts(path: Path, config: Optional[Config] = None) -> Optional[ModuleFacts]:
    """:func:`load_facts`, but with ``config``: None also when the text screen shows
    that no rule can report anything in the file (the project index loads it later
    if another file imports it)."""
    if path.suffix != ".py":
        return None
    try:
        text = decode_source(path.read_bytes()).text
    except (OSError, SourceError):
        return None
    return text_facts(text, str(path), config)


def text_facts(text: str, path: str, config: Optional[Config] = None) -> Optional[ModuleFacts]:
    """:func:`screened_facts` of text held in memory (an editor's unsaved buffer)."""
    if config is not None:
        if not passes_screen(text, path, config, reported_codes(config, path)):
            return None
    facts = analyse(text, path, use_fast_path())
    return None if isinstance(facts, Diagnostic) else facts
