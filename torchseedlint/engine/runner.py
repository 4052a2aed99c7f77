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
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
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
from torchseedlint.settings.config import Config, ConfigResolver
from torchseedlint.settings.project_root import find_project_root
from torchseedlint.settings.versions import parse_version, with_inferred_versions

# The analysis, the rules and libcst are imported where a file is parsed: a run
# whose files the screen rules out (a clean file in an editor or a hook) needs
# none of them, and importing them costs more than such a run.
if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from torchseedlint.semantic.analysis import ModuleAnalysis
    from torchseedlint.semantic.project import ProjectIndex
    from torchseedlint.semantic.roles import ModuleRole

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
) -> FileResult:
    """Lint decoded source text; never raises for anything in the text.

    ``fresh``: the text is not what the project index analysed for ``path`` (--fix
    edited it), so parse it again, with libcst.

    Facts come from ``ast`` first; a file with anything to say (a diagnostic,
    reported or suppressed, or an internal error) is linted again from libcst's
    facts, so what is reported is what libcst gives, by construction.
    """
    fast = use_fast_path() and not fresh
    # Fixes are built by the libcst lint only: the fast one just finds out whether
    # there is anything to report (and so to lint again).
    result = _lint_text(text, path, config, project, fresh, fast, build_fixes=not fast)
    if (
        fast
        and result.facts is not None
        and (result.diagnostics or result.suppressed or result.internal_errors)
    ):
        result = _lint_text(text, path, config, project, True, False)
    return result


def _lint_text(
    text: str,
    path: str,
    config: Config,
    project: Optional[ProjectIndex],
    fresh: bool,
    fast: bool,
    build_fixes: bool = True,
) -> FileResult:
    result = FileResult(path)
    known = project.facts_for(path) if project is not None and not fresh else None
    if known is not None:  # analysed when the project index was built: parse once
        result.facts = known
        run_rules(text, known, config, result, project, build_fixes)
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
    run_rules(text, facts, config, result, project, build_fixes)
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
) -> None:
    """Run the selected rules on one module's facts into ``result``, suppressions
    applied; ``build_fixes=False`` leaves the diagnostics without their fixes."""
    from torchseedlint.semantic.context import Context
    from torchseedlint.semantic.roles import Role
    from torchseedlint.suppression.noqa import Suppressions, parse_suppressions
    from torchseedlint.suppression.unused import unused_suppressions

    by_code = rules.RULES_BY_CODE
    path = result.path
    analysis = module_analysis(facts, config, project)
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
    facts: ModuleFacts, config: Config, project: Optional[ProjectIndex] = None
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
        return ModuleAnalysis(facts, config.seed_functions, entry_functions=entry_functions)
    return ModuleAnalysis(
        facts,
        config.seed_functions,
        project.seeds_lookup(path),
        project.draws_lookup(path),
        entry_functions or project.entry_functions(path),
        project.methods_lookup(path),
        project.graph_for(facts),
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


def lint_path(path: str, config: Config, project: Optional[ProjectIndex] = None) -> FileResult:
    """Read, decode and lint one file; every I/O problem becomes a TSL000."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        result = FileResult(path)
        result.diagnostics.append(parse_error(path, f"cannot read file: {exc.strerror or exc}"))
        return result
    return lint_bytes(data, path, config, project)


def lint_bytes(
    data: bytes, path: str, config: Config, project: Optional[ProjectIndex] = None
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
    result = lint_file_text(decoded.text, path, config, project)
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
    state = _RunState(configs)
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
    with _Workers(jobs, len(files), state) as workers:
        for path, facts in zip(files, workers.map(_first_pass, files)):
            if facts is not None:
                if project is None:  # no index (nor its imports) if the screen passes nothing
                    project = new_project_index(root, configs, state.cache)
                project.add(Path(path), facts)
        # The modules those import (left out by the text screen, or not linted),
        # read here in parallel rather than one by one by ``build``.
        pending = project.unread_imports() if project is not None else []
        while project is not None and pending:
            modules = workers.map(_read_module, [str(module) for module in pending])
            for module, facts in zip(pending, modules):
                project.preload(module, facts)
            pending = project.unread_imports()
    if project is not None:
        project.build()
        state.project = project
        state.reported = project.files_read()
    results: List[FileResult] = []
    read = set(state.reported)
    with _Workers(jobs, len(files), state) as workers:
        for result, analysed, loaded in workers.map(_second_pass, files):
            if analysed and project is not None:
                result.facts = project.facts_for(result.path)
            results.append(result)
            read.update(loaded)
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

# Below this many files per process a pool costs more than it saves.
_MIN_FILES_PER_PROCESS = 4

T = TypeVar("T")


@dataclass
class _RunState:
    """What both phases need, in this process or in a worker."""

    configs: ConfigResolver
    cache: Optional[Cache] = None
    project: Optional[ProjectIndex] = None
    # Files the project index had read before this process linted anything.
    reported: Set[Path] = field(default_factory=set)


_WORKER_STATE: Optional[_RunState] = None


def _set_worker_state(state: _RunState) -> None:
    global _WORKER_STATE
    _WORKER_STATE = state


def _in_worker(function: Callable[[_RunState, str], T], path: str) -> T:
    assert _WORKER_STATE is not None
    return function(_WORKER_STATE, path)


class _Workers:
    """``map(function, paths)`` as ``function(state, path)`` in order, over ``jobs``
    processes (forked: they inherit ``state``, project index included), or in this
    process for one job or a run too small to pay for a pool."""

    def __init__(self, jobs: int, files: int, state: _RunState) -> None:
        self.state = state
        self.jobs = min(jobs, files // _MIN_FILES_PER_PROCESS)
        self.pool: Optional[ProcessPoolExecutor] = None

    def __enter__(self) -> "_Workers":
        if self.jobs > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self.pool = ProcessPoolExecutor(
                self.jobs, mp_context=context, initializer=_set_worker_state, initargs=(self.state,)
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def map(self, function: Callable[[_RunState, str], T], paths: List[str]) -> Iterator[T]:
        if self.pool is None:
            return map(partial(function, self.state), paths)
        chunk = max(1, len(paths) // (self.jobs * 8))
        return self.pool.map(partial(_in_worker, function), paths, chunksize=chunk)


def _first_pass(state: _RunState, path: str) -> Optional[ModuleFacts]:
    config = state.configs.config_for(path)
    if state.cache is None:
        return screened_facts(Path(path), config)
    return _cached_facts(
        state.cache, "facts", Path(path), lambda: screened_facts(Path(path), config)
    )


def _second_pass(state: _RunState, path: str) -> Tuple[FileResult, bool, Set[Path]]:
    """Lint one file; also say whether its facts are worth keeping, and which project
    modules this process read for the first time.

    The facts are left out (the caller has them) so that a worker does not send them back.
    """
    result = lint_path(path, state.configs.config_for(path), state.project)
    # A file with nothing to report keeps neither its source nor its facts: what a
    # run holds grows with its findings, not with the tree.
    quiet = not (result.diagnostics or result.suppressed or result.internal_errors)
    analysed = result.facts is not None and not quiet
    loaded = state.project.files_read() - state.reported if state.project is not None else set()
    state.reported |= loaded
    return replace(result, facts=None, source=None if quiet else result.source), analysed, loaded


def _read_module(state: _RunState, path: str) -> Optional[ModuleFacts]:
    return _load_module(state.cache, Path(path))


def _load_module(cache: Optional[Cache], path: Path) -> Optional[ModuleFacts]:
    """The project index's loader: :func:`load_facts`, through the cache."""
    if cache is None:
        return load_facts(path)
    return _cached_facts(cache, "module", path, lambda: load_facts(path))


def _cached_facts(
    cache: Cache, kind: str, path: Path, compute: Callable[[], Optional[ModuleFacts]]
) -> Optional[ModuleFacts]:
    try:
        digest = content_hash(path.read_bytes())
    except OSError:
        return compute()
    key = cache.key(kind, (str(path), digest))
    stored = cache.get(kind, key)
    if (
        isinstance(stored, tuple)
        and len(stored) == 1
        and (stored[0] is None or isinstance(stored[0], ModuleFacts))
    ):
        return stored[0]
    facts = compute()
    cache.put(kind, key, (facts,))
    return facts


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
    project = ProjectIndex(root, partial(_load_module, cache), seed_functions)
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
    for path in discovered.files:
        facts = None if path.endswith(".ipynb") else load_facts(Path(path))
        if facts is not None:
            project.add(Path(path), facts)
    project.build()
    roles = []
    for path in discovered.files:
        facts = project.facts_for(path)
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
