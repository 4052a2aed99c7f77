"""The language server: ``torchseedlint-server`` (or ``python -m torchseedlint.integrations.server``),
speaking LSP over stdio, built on pygls (``pip install 'torchseedlint[server]'``).

An open file is linted as its buffer reads, as a file of its project: with the
settings that apply to it on disk and a project index of the project's files, in
which open buffers replace what is on disk. So an unsaved ``utils.set_seed`` edit
changes what ``train.py`` is credited with, and an open file gets the findings
``torchseedlint <project root>`` would report for it once saved.

The index stays warm: each file's facts are kept with what they were computed
from (an open buffer's text, or the file's size and mtime on disk), and a change
recomputes only the facts of what changed. An edit of a module that no module
of the index imports, and whose imports stay the same (a training script, as
one types in it), keeps the index: nothing it solved depends on that module, so
only the edited file is analysed again. Any other change rebuilds the index from
the kept facts, which costs name resolution, not parsing, and relints the
project's other open files.

Diagnostics are published from the ``ast`` facts (equal to libcst's:
``tests/test_ast_facts.py``), without the engine's libcst relint of files with
findings; that relint runs when the editor first asks for a code action of a
buffer, so fixes come from libcst as ``--fix`` writes them.

It is not a ``torchseedlint server`` subcommand: the command takes paths, and a
directory named ``server`` must stay lintable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, TypeVar

from torchseedlint import __version__, rules
from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.core.text import line_offsets, location_at, split_lines
from torchseedlint.edits.apply import apply_fixes
from torchseedlint.engine.collector import keep_out_of_collections, tune_collector
from torchseedlint.engine.discovery import discover
from torchseedlint.engine.results import FileResult
from torchseedlint.engine.runner import (
    lint_bytes,
    lint_file_text,
    load_facts,
    project_root,
    run_rules,
    screened_facts,
    text_facts,
)
from torchseedlint.fix.add_noqa import add_noqa
from torchseedlint.fix.loop import (
    FixOutcome,
    fix_allowed,
    fix_text,
    parses_and_compiles,
)
from torchseedlint.reporters.json_format import rule_url
from torchseedlint.rules.docs import find_rule, rule_page
from torchseedlint.semantic.facts import Import, ModuleFacts
from torchseedlint.semantic.project import ProjectIndex, summarize
from torchseedlint.semantic.summary import ModuleSummary
from torchseedlint.settings.config import Config, ConfigError, ConfigResolver
from torchseedlint.settings.versions import with_inferred_versions

try:
    from lsprotocol import types as lsp
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path
    from pygls.workspace.position_codec import PositionCodec, ServerTextPosition
except ImportError:  # pragma: no cover - the message is the behaviour
    sys.exit("torchseedlint-server needs pygls: pip install 'torchseedlint[server]'")

FIX_ALL_KIND = f"{lsp.CodeActionKind.SourceFixAll.value}.torchseedlint"
# Files whose change changes the settings: every project is reloaded.
CONFIG_FILES = ("pyproject.toml", "torchseedlint.toml", ".torchseedlint.toml")
# Files whose change changes which files a project has (discovery honours them).
IGNORE_FILES = (".gitignore", ".ignore")
# What the server asks a client that can watch files to report.
WATCHED_GLOBS = (*(f"**/{name}" for name in (*CONFIG_FILES, *IGNORE_FILES)), "**/.git/info/exclude")

_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "note": lsp.DiagnosticSeverity.Information,
}

T = TypeVar("T")
# What a fact was computed from: an open buffer's text, or (mtime, size) on disk.
Stamp = Tuple[Any, ...]


def _disk_stamp(path: Path) -> Stamp:
    try:
        stat = path.stat()
    except OSError:
        return ("missing",)
    return ("disk", stat.st_mtime_ns, stat.st_size)


def _imports(imports: Iterable[Import]) -> List[Tuple[str, int, Tuple[str, ...]]]:
    """What the project index resolves through a module's imports (rows left out)."""
    return [(imp.module, imp.level, imp.names) for imp in imports]


class Project:
    """One project (files under one root): buffers, kept facts, the index built from them."""

    def __init__(self, root: Path, configs: ConfigResolver) -> None:
        self.root = root
        self.configs = configs
        self.buffers: Dict[Path, str] = {}
        self._files: Optional[List[str]] = None  # discovered; None: walk again
        self._stamps: Dict[Path, Stamp] = {}  # disk stamps, until the next rescan
        # (screened?, path) -> (stamp, facts): screened facts are those of files linted
        # in a run (None when the text screen rules the file out), the others those
        # of modules they import (see ``engine.screened_facts``).
        self._facts: Dict[Tuple[bool, Path], Tuple[Stamp, Optional[ModuleFacts]]] = {}
        # The same keys -> (stamp, what the project index keeps of those facts).
        self._summaries: Dict[Tuple[bool, Path], Tuple[Stamp, Optional[ModuleSummary]]] = {}
        self._index: Optional[ProjectIndex] = None
        # The index's imported modules, and how many modules it had then (resolving
        # names may load more).
        self._imported: Tuple[int, Set[Path]] = (-1, set())
        self._behind: Set[Path] = set()  # buffers newer than their facts in the index

    def config_for(self, path: Path) -> Config:
        return self.configs.config_for(str(path))

    def rescan(self) -> None:
        """Files on disk may have changed (saved, created, deleted): look again."""
        self._files = None
        self._stamps.clear()
        self._index = None

    def set_buffer(self, path: Path, text: Optional[str]) -> bool:
        """An open file's text (None: closed, the file on disk counts again).

        True when other files' findings may change (the index is updated with the
        new text); False when the index stays valid (see :meth:`_keeps_index`).
        """
        if text is None:
            self.buffers.pop(path, None)
            self._stamps.pop(path, None)
        elif self.buffers.get(path) == text:
            return False
        else:
            self.buffers[path] = text
            if self._keeps_index(path):
                self._behind.add(path)
                return False
        if self._index is not None:
            # Other modules' summaries stand: change this one, solve again.
            self._index.update(path, self._summary_of(path, True))
            self._imported = (-1, set())
            self._behind.discard(path)
        return True

    def _keeps_index(self, path: Path) -> bool:
        """Whether the built index stays valid with ``path``'s new buffer: no module
        of the index imports it, so nothing solved there depends on its facts, and
        it imports what it did, so its names resolve as they did. The index keeps
        the older facts of ``path``; :meth:`lint` reads the new ones."""
        if self._index is None:
            return False
        indexed = self._index.summary(str(path))
        facts = self._facts_of(path, True)
        if indexed is None or facts is None or _imports(facts.imports) != _imports(indexed.imports):
            return False
        count, imported = self._imported
        if count != len(self._index.modules):
            imported = self._index.imported_modules()
            self._imported = (len(self._index.modules), imported)
        return path not in imported

    def _stamp(self, path: Path) -> Stamp:
        if path in self.buffers:
            return ("buffer", self.buffers[path])
        if path not in self._stamps:
            self._stamps[path] = _disk_stamp(path)
        return self._stamps[path]

    def _kept(
        self,
        store: Dict[Tuple[bool, Path], Tuple[Stamp, T]],
        path: Path,
        screened: bool,
        compute: Callable[[], T],
    ) -> T:
        """``compute()`` for ``path`` as it reads now, kept until its stamp changes."""
        key, stamp = (screened, path), self._stamp(path)
        kept = store.get(key)
        if kept is None or kept[0] != stamp:
            kept = store[key] = (stamp, compute())
        return kept[1]

    def _facts_of(self, path: Path, screened: bool) -> Optional[ModuleFacts]:
        return self._kept(self._facts, path, screened, lambda: self._read_facts(path, screened))

    def _read_facts(self, path: Path, screened: bool) -> Optional[ModuleFacts]:
        config = self.config_for(path) if screened else None
        if path in self.buffers:
            if path.suffix != ".py":
                return None
            return text_facts(self.buffers[path], str(path), config)
        return screened_facts(path, config) if screened else load_facts(path)

    def _summary_of(self, path: Path, screened: bool) -> Optional[ModuleSummary]:
        def summary() -> Optional[ModuleSummary]:
            facts = self._facts_of(path, screened)
            seed_functions = self.config_for(self.root).seed_functions
            return None if facts is None else summarize(facts, seed_functions)

        return self._kept(self._summaries, path, screened, summary)

    def index(self, exact: bool = False) -> ProjectIndex:
        """The project index, as ``lint_paths`` on the root builds it (buffers win).

        ``exact``: with every buffer's newest facts, also those of the modules whose
        edits kept the index; a notebook is not in the index and may import them.
        """
        if self._index is not None and not (exact and self._behind):
            return self._index
        if self._files is None:
            self._files = discover([str(self.root)], self.configs).files
        files = [Path(path).resolve() for path in self._files]
        seed_functions = self.config_for(self.root).seed_functions
        index = ProjectIndex(
            self.root, lambda path: self._summary_of(path.resolve(), False), seed_functions
        )
        for path in dict.fromkeys([*files, *self.buffers]):
            summary = self._summary_of(path, True)
            if summary is not None:
                index.add(path, summary)
        index.build()
        keep_out_of_collections()
        self._index = index
        self._imported = (-1, set())
        self._behind.clear()
        return index

    def lint(self, path: Path) -> FileResult:
        """Lint an open file's buffer from its ``ast`` facts (no libcst relint)."""
        text = self.buffers[path.resolve()]
        index = self.index()
        config = self.config_for(path)
        facts = self._facts_of(path.resolve(), True)
        if facts is None:  # nothing to report, or a parse error the engine reports
            return lint_file_text(text, str(path), config, index)
        result = FileResult(str(path))
        result.facts = facts
        run_rules(text, facts, config, result, index, build_fixes=False)
        return result

    def lint_with_libcst(self, path: Path, text: str) -> FileResult:
        """Lint ``text`` from libcst's facts, as the command line reports (and fixes)
        a file with findings."""
        return lint_file_text(text, str(path), self.config_for(path), self.index(), fresh=True)


@dataclass
class Linted:
    """What a document was last linted as: its text, version and result; then, once
    code actions asked for them, the libcst lint its fixes come from, each finding's
    actions (by ``_key``) and "Fix all": editors ask again as the cursor moves."""

    text: str
    version: Optional[int]
    result: FileResult
    fixes: Optional[FileResult] = None
    actions: Dict[Tuple[Any, ...], List[lsp.CodeAction]] = field(default_factory=dict)
    fix_all: Optional[FixOutcome] = None


class Workspace:
    """The projects of the open files, by root; not thread-safe (the server runs
    every call on one worker thread)."""

    def __init__(self) -> None:
        self.projects: Dict[Path, Project] = {}
        self._configs = ConfigResolver()  # reads each configuration file once
        # Stamps of the files the settings came from (see ``ConfigResolver.watched_files``).
        self._settings_stamps: Dict[Path, Stamp] = {}

    def project_of(self, path: Path) -> Project:
        root = project_root(self._configs.config_for(str(path)), [str(path)]).resolve()
        if root not in self.projects:
            prepared = self._configs.then(partial(with_inferred_versions, root=root))
            self.projects[root] = Project(root, prepared)
        return self.projects[root]

    def rescan(self) -> None:
        for project in self.projects.values():
            project.rescan()

    def forget_settings(self) -> None:
        """A configuration file changed: read settings and files again."""
        self.projects.clear()
        self._configs = ConfigResolver()
        self._settings_stamps.clear()

    def note_settings(self, always: bool) -> None:
        """Stamp the files the settings came from (``always``: else only if none is)."""
        if always or not self._settings_stamps:
            self._settings_stamps = self._stamps_of_settings()

    def settings_changed_on_disk(self) -> bool:
        """Whether a file the settings came from changed since :meth:`note_settings`:
        for clients that report no file changes (a file first read since then counts
        as unchanged)."""
        return any(
            self._settings_stamps.get(path, stamp) != stamp
            for path, stamp in self._stamps_of_settings().items()
        )

    def _stamps_of_settings(self) -> Dict[Path, Stamp]:
        return {path: _disk_stamp(path) for path in self._configs.watched_files()}


# --- positions, edits --------------------------------------------------------------


def _position(codec: PositionCodec, lines: Sequence[str], row: int, column: int) -> lsp.Position:
    """A 1-based row and code-point column as an LSP position in the client's units."""
    if row - 1 >= len(lines):
        return lsp.Position(line=len(lines), character=0)
    return codec.position_to_client_units(lines, ServerTextPosition(row - 1, column - 1))


def _range(codec: PositionCodec, lines: Sequence[str], start: Any, end: Any) -> lsp.Range:
    return lsp.Range(
        start=_position(codec, lines, start.row, start.column),
        end=_position(codec, lines, end.row, end.column),
    )


def _replacement(codec: PositionCodec, old: str, new: str) -> List[lsp.TextEdit]:
    """One edit turning ``old`` into ``new``: the span between their common ends."""
    if old == new:
        return []
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    lines = split_lines(old)

    offsets = line_offsets(old)

    def at(offset: int) -> lsp.Position:
        location = location_at(offsets, offset)
        return _position(codec, lines, location.row, location.column)

    return [
        lsp.TextEdit(
            range=lsp.Range(start=at(prefix), end=at(len(old) - suffix)),
            new_text=new[prefix : len(new) - suffix],
        )
    ]


def _key(d: Diagnostic) -> List[Any]:
    """A finding's code and span (1-based rows, code-point columns): published as
    the diagnostic's ``data``, it finds the finding again when a client sends the
    diagnostic back with a code-action request."""
    return [d.code, d.location.row, d.location.column, d.end_location.row, d.end_location.column]


def to_lsp(codec: PositionCodec, lines: Sequence[str], d: Diagnostic) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=_range(codec, lines, d.location, d.end_location),
        message=d.message,
        severity=_SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Error),
        code=d.code,
        code_description=lsp.CodeDescription(href=rule_url(d.code, d.name)),
        source="torchseedlint",
        data=_key(d),
    )


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> Tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _asked_about(d: Diagnostic, diagnostic: lsp.Diagnostic, params: lsp.CodeActionParams) -> bool:
    """Whether a code-action request is about finding ``d`` (published as
    ``diagnostic``): the client sent the diagnostic back (editors send those of the
    cursor's line), found by its ``data`` or by code and range; or the request's
    range touches the flagged code."""
    return _overlaps(diagnostic.range, params.range) or any(
        sent.source in (None, diagnostic.source)
        and str(sent.code) == d.code
        and (sent.data == diagnostic.data or sent.range == diagnostic.range)
        for sent in params.context.diagnostics
    )


# --- the server --------------------------------------------------------------------


class TorchSeedLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "torchseedlint",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            notebook_document_sync=lsp.NotebookDocumentSyncOptions(
                notebook_selector=[
                    lsp.NotebookDocumentFilterWithCells(
                        notebook="jupyter-notebook",
                        cells=[lsp.NotebookCellLanguage(language="python")],
                    )
                ],
                save=True,
            ),
        )
        self.state = Workspace()
        self.linted: Dict[str, Linted] = {}  # by document URI (a notebook's: by cell)
        self.notebooks: Set[str] = set()  # URIs of the open notebooks
        # Edits arrive a keystroke at a time. A document is linted at once, with no
        # pause to wait out; edits made while its lint runs are linted together
        # when it ends (a result made stale by them is not published).
        self._linting: Dict[str, "asyncio.Task[None]"] = {}
        self._edited: Set[str] = set()  # URIs edited since their lint started
        # One thread does all linting: the kept facts and indexes are not shared
        # between threads, and the event loop stays free to take the next edit.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torchseedlint")

    @property
    def codec(self) -> PositionCodec:
        return self.workspace.position_codec

    async def run(self, function: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._worker, function)

    def show_error(self, message: str) -> None:
        """Settings that cannot be read: say so where the user looks, lint nothing."""
        self.window_show_message(
            lsp.ShowMessageParams(type=lsp.MessageType.Error, message=f"torchseedlint: {message}")
        )

    # --- documents -------------------------------------------------------------------

    def _text(self, uri: str) -> Optional[Tuple[Path, str, Optional[int]]]:
        path = to_fs_path(uri)
        document = self.workspace.text_documents.get(uri)
        if path is None or document is None or not path.endswith((".py", ".pyi")):
            return None
        return Path(path), document.source, document.version

    def open_files(self) -> List[str]:
        """URIs of the open Python files (notebook cells are not among them)."""
        return [uri for uri in self.workspace.text_documents if self._text(uri) is not None]

    def schedule(self, uri: str) -> None:
        """Lint ``uri`` now or, while a lint of it runs, once more when that one ends."""
        self._edited.add(uri)
        if uri not in self._linting:
            self._linting[uri] = asyncio.ensure_future(self._lint_while_edited(uri))

    async def _lint_while_edited(self, uri: str) -> None:
        try:
            while uri in self._edited:
                self._edited.discard(uri)
                if uri in self.notebooks:
                    await self.lint_notebook(uri)
                else:
                    await self.lint_and_publish(uri)
        finally:
            self._linting.pop(uri, None)

    def _forget_lint(self, uri: str) -> None:
        self._edited.discard(uri)
        running = self._linting.pop(uri, None)
        if running is not None:
            running.cancel()

    async def lint_and_publish(self, uri: str, rescan: bool = False) -> None:
        """Lint ``uri``, then the other open files of its project whose findings moved."""
        opened = self._text(uri)
        if opened is None:
            return
        others = {other: self._text(other) for other in self.open_files() if other != uri}
        try:
            outcome = await self.run(partial(self._lint_all, uri, opened, rescan, others))
        except ConfigError as exc:
            self.show_error(str(exc))
            return
        for linted_uri, (linted_text, linted_version, result) in outcome.items():
            current = self._text(linted_uri)
            if current is None or current[2] != linted_version:
                continue  # edited meanwhile: a newer run is scheduled
            previous = self.linted.get(linted_uri)
            self.linted[linted_uri] = Linted(linted_text, linted_version, result)
            if (
                linted_uri != uri
                and previous is not None
                and previous.result.diagnostics == result.diagnostics
            ):
                continue
            self.publish(linted_uri, linted_text, linted_version, result.diagnostics)
        for notebook in self.notebooks:  # they import the project's modules too
            self.schedule(notebook)

    async def lint_notebook(self, uri: str) -> None:
        """Lint an open notebook as its cells read now; publish by cell."""
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        path = to_fs_path(uri)
        if notebook is None or path is None:
            return
        cells = []
        for cell in notebook.cells:
            document = self.workspace.text_documents.get(cell.document)
            if document is None:
                return
            code = cell.kind == lsp.NotebookCellKind.Code
            cells.append((cell.document, code, document.source, document.version))
        try:
            result = await self.run(partial(self._lint_notebook, Path(path), cells))
        except ConfigError as exc:
            self.show_error(str(exc))
            return
        located = result.located()
        for number, (cell_uri, code, text, version) in enumerate(cells, start=1):
            document = self.workspace.text_documents.get(cell_uri)
            if not code or document is None or document.version != version:
                continue  # not code, or edited meanwhile: a newer run is scheduled
            found = [d for d in located if d.cell == number]
            self.linted[cell_uri] = Linted(text, version, FileResult(str(path), found))
            self.publish(cell_uri, text, version, found)

    def _lint_notebook(
        self, path: Path, cells: Sequence[Tuple[str, bool, str, Optional[int]]]
    ) -> FileResult:
        """Lint the cells as the notebook file holding them (numbered as it numbers them)."""
        notebook = {
            "cells": [
                {
                    "cell_type": "code" if code else "markdown",
                    "metadata": {},
                    "source": text,
                    **({"outputs": [], "execution_count": None} if code else {}),
                }
                for _uri, code, text, _version in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        project = self.state.project_of(path)
        return lint_bytes(
            json.dumps(notebook).encode("utf-8"),
            str(path),
            project.config_for(path),
            project.index(exact=True),
        )

    def closed_notebook(self, params: lsp.DidCloseNotebookDocumentParams) -> None:
        self.notebooks.discard(params.notebook_document.uri)
        self._forget_lint(params.notebook_document.uri)
        for cell in params.cell_text_documents:
            self.linted.pop(cell.uri, None)
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=cell.uri, diagnostics=[])
            )

    def _lint_all(
        self,
        uri: str,
        opened: Tuple[Path, str, Optional[int]],
        rescan: bool,
        others: Dict[str, Optional[Tuple[Path, str, Optional[int]]]],
    ) -> Dict[str, Tuple[str, Optional[int], FileResult]]:
        path, text, version = opened
        project = self.state.project_of(path)
        if rescan:
            project.rescan()
        stale = project.set_buffer(path.resolve(), text) or rescan
        mine = {
            other_uri: other
            for other_uri, other in others.items()
            if other is not None and self.state.project_of(other[0]) is project
        }
        for other_path, other_text, _ in mine.values():
            stale = project.set_buffer(other_path.resolve(), other_text) or stale
        results = {uri: (text, version, project.lint(path))}
        # A file's findings depend on the modules it imports (what they seed and
        # draw) and on those importing it (its role): when the index changed,
        # relint the project's other open files; only those whose findings changed
        # are published again.
        if stale:
            for other_uri, (other_path, other_text, other_version) in mine.items():
                results[other_uri] = (other_text, other_version, project.lint(other_path))
        self.state.note_settings(always=rescan)
        return results

    def publish(
        self, uri: str, text: str, version: Optional[int], found: Sequence[Diagnostic]
    ) -> None:
        lines = split_lines(text)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=[to_lsp(self.codec, lines, d) for d in found]
            )
        )

    def closed(self, uri: str) -> None:
        self._forget_lint(uri)
        self.linted.pop(uri, None)
        path = to_fs_path(uri)
        if path is not None:
            self._worker.submit(self._drop_buffer, Path(path))
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def _drop_buffer(self, path: Path) -> None:
        self.state.project_of(path).set_buffer(path.resolve(), None)

    def settings_changed(self) -> None:
        self._worker.submit(self.state.forget_settings)

    async def watch_settings(self) -> None:
        """Ask the client to report changes to the files the settings and the file
        lists come from, if it can watch files (editors send nothing otherwise)."""
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        try:
            await self.client_register_capability_async(
                lsp.RegistrationParams(
                    registrations=[
                        lsp.Registration(
                            id="torchseedlint-settings",
                            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[
                                    lsp.FileSystemWatcher(glob_pattern=glob)
                                    for glob in WATCHED_GLOBS
                                ]
                            ),
                        )
                    ]
                )
            )
        except Exception as exc:  # noqa: BLE001 - the client said no: saves still reload
            self.window_log_message(
                lsp.LogMessageParams(
                    type=lsp.MessageType.Warning,
                    message=f"torchseedlint: cannot watch the configuration files: {exc}",
                )
            )

    def files_changed(self) -> None:
        self._worker.submit(self.state.rescan)

    def relint_all(self) -> None:
        """Lint every open file and notebook again (settings or files on disk changed)."""
        for uri in [*self.open_files(), *self.notebooks]:
            self.schedule(uri)

    # --- code actions and hover ---------------------------------------------------------

    def current(self, uri: str) -> Optional[Linted]:
        """The last lint of ``uri``, if it is of the text the editor has now."""
        linted = self.linted.get(uri)
        document = self.workspace.text_documents.get(uri)
        if linted is None or document is None or document.source != linted.text:
            return None
        return linted

    def code_actions(self, params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
        uri = params.text_document.uri
        linted = self.current(uri)
        if linted is None:
            return []
        only = params.context.only
        opened = self._text(uri)  # a file, not a notebook cell
        lines = split_lines(linted.text)
        actions: List[lsp.CodeAction] = []
        wants_quickfix = only is None or any(
            lsp.CodeActionKind.QuickFix.value.startswith(kind) for kind in only
        )
        for d in linted.result.diagnostics if wants_quickfix else ():
            diagnostic = to_lsp(self.codec, lines, d)
            if not _asked_about(d, diagnostic, params):
                continue
            key = tuple(_key(d))
            if key not in linted.actions:
                # A notebook fix may edit other cells too (the seeding block goes
                # after the imports): `torchseedlint --fix` applies it to the file.
                # Published findings carry no fix (built from libcst on demand):
                # only a rule that has fixes sends us to libcst.
                fix = (
                    self._fix_action(uri, opened[0], linted, d, diagnostic)
                    if opened is not None and _rule_fix_safety(d) is not None
                    else None
                )
                noqa = self._noqa_action(uri, linted.text, d, diagnostic)
                linted.actions[key] = [action for action in (fix, noqa) if action is not None]
            actions.extend(linted.actions[key])
        if opened is not None and (
            only is None or any(FIX_ALL_KIND.startswith(kind) for kind in only)
        ):
            # Asked for every kind (a menu, a light bulb), "Fix all" is offered
            # without its edit to a client that resolves edits: the ``--fix`` loop
            # runs only if the user picks it.
            fix_all = self._fix_all_action(
                uri, opened[0], linted, later=only is None and self._resolves_edits()
            )
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    def _fixes(self, path: Path, linted: Linted) -> FileResult:
        """The buffer linted from libcst's facts, once per text: its fixes are those
        ``--fix`` applies (the published findings come from ``ast``)."""
        if linted.fixes is None:
            linted.fixes = self.state.project_of(path).lint_with_libcst(path, linted.text)
        return linted.fixes

    def _fix_action(
        self, uri: str, path: Path, linted: Linted, d: Diagnostic, diagnostic: lsp.Diagnostic
    ) -> Optional[lsp.CodeAction]:
        same = next(
            (found for found in self._fixes(path, linted).diagnostics if _key(found) == _key(d)),
            None,
        )
        if same is None or same.fix is None:
            return None
        fix = same.fix
        fixed, applied, _ = apply_fixes(linted.text, [fix])
        if not applied or not parses_and_compiles(fixed, d.path):
            return None
        safe = fix.applicability == Applicability.SAFE
        lines = split_lines(linted.text)
        edits = [
            lsp.TextEdit(
                range=_range(self.codec, lines, edit.location, edit.end_location),
                new_text=edit.content,
            )
            for edit in fix.edits
        ]
        return lsp.CodeAction(
            title=f"torchseedlint ({d.code}): {fix.message}" + ("" if safe else " (unsafe)"),
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            is_preferred=safe,
            edit=lsp.WorkspaceEdit(changes={uri: edits}),
        )

    def _noqa_action(
        self, uri: str, text: str, d: Diagnostic, diagnostic: lsp.Diagnostic
    ) -> Optional[lsp.CodeAction]:
        new_text, changed = add_noqa(text, [d])
        if not changed:
            return None
        return lsp.CodeAction(
            title=f"Disable {d.code} for this line",
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=lsp.WorkspaceEdit(changes={uri: _replacement(self.codec, text, new_text)}),
        )

    def _resolves_edits(self) -> bool:
        """Whether the client asks ``codeAction/resolve`` for an action's edit."""
        text_document = self.client_capabilities.text_document
        code_action = text_document.code_action if text_document is not None else None
        support = code_action.resolve_support if code_action is not None else None
        return support is not None and "edit" in support.properties

    def _fix_all_action(
        self, uri: str, path: Path, linted: Linted, later: bool = False
    ) -> Optional[lsp.CodeAction]:
        """``--fix`` on the buffer: the safe fixes, applied until nothing more applies.

        ``later``: the action without its edit, for ``codeAction/resolve`` to add
        (:meth:`resolve`), unless it is known already.
        """
        project = self.state.project_of(path)
        config = project.config_for(path)
        if not any(_rule_fix_applies(config, d) for d in linted.result.diagnostics):
            return None
        if later and linted.fix_all is None:
            return lsp.CodeAction(
                title="Fix all torchseedlint issues", kind=FIX_ALL_KIND, data={"uri": uri}
            )
        if linted.fix_all is None:
            linted.fix_all = fix_text(
                linted.text,
                str(path),
                config,
                False,
                self._fixes(path, linted).diagnostics,
                project.index(),
            )
        outcome = linted.fix_all
        if outcome.text == linted.text:
            return None
        return lsp.CodeAction(
            title="Fix all torchseedlint issues",
            kind=FIX_ALL_KIND,
            edit=lsp.WorkspaceEdit(
                changes={uri: _replacement(self.codec, linted.text, outcome.text)}
            ),
        )

    def resolve(self, action: lsp.CodeAction) -> lsp.CodeAction:
        """Add its edit to a "Fix all" offered without one, for the buffer as it reads
        now (no edit if it has not been linted since it changed)."""
        uri = action.data.get("uri") if isinstance(action.data, dict) else None
        if not isinstance(uri, str) or action.kind != FIX_ALL_KIND:
            return action
        linted = self.current(uri)
        opened = self._text(uri)
        if linted is None or opened is None:
            return action
        resolved = self._fix_all_action(uri, opened[0], linted)
        action.edit = resolved.edit if resolved is not None else lsp.WorkspaceEdit(changes={})
        return action

    def hover(self, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        linted = self.current(params.text_document.uri)
        if linted is None:
            return None
        lines = split_lines(linted.text)
        point = lsp.Range(start=params.position, end=params.position)
        pages = []
        for d in linted.result.diagnostics:
            rule = find_rule(d.code)
            page = rule_page(rule) if rule is not None else ""
            if page and page not in pages and _overlaps(to_lsp(self.codec, lines, d).range, point):
                pages.append(page)
        if not pages:
            return None
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n---\n\n".join(pages))
        )


def make_server() -> TorchSeedLintServer:
    server = TorchSeedLintServer()

    @server.feature(lsp.INITIALIZED)
    async def initialized(params: lsp.InitializedParams) -> None:
        await server.watch_settings()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        await server.lint_and_publish(params.text_document.uri, rescan=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        server.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
        # A client that watches no files says nothing when a configuration file
        # is saved: look at their stamps whenever a Python file is saved.
        if Path(
            to_fs_path(params.text_document.uri) or ""
        ).name in CONFIG_FILES or await server.run(server.state.settings_changed_on_disk):
            server.settings_changed()
            server.relint_all()
            return
        await server.lint_and_publish(params.text_document.uri, rescan=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        server.closed(params.text_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    async def did_open_notebook(params: lsp.DidOpenNotebookDocumentParams) -> None:
        server.notebooks.add(params.notebook_document.uri)
        await server.lint_notebook(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change_notebook(params: lsp.DidChangeNotebookDocumentParams) -> None:
        server.schedule(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save_notebook(params: lsp.DidSaveNotebookDocumentParams) -> None:
        server.files_changed()
        server.schedule(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close_notebook(params: lsp.DidCloseNotebookDocumentParams) -> None:
        server.closed_notebook(params)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(params: lsp.DidChangeWatchedFilesParams) -> None:
        if any(
            Path(to_fs_path(change.uri) or "").name in CONFIG_FILES for change in params.changes
        ):
            server.settings_changed()
        else:
            server.files_changed()
        server.relint_all()

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(
            code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=True
        ),
    )
    async def code_action(params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
        return await server.run(partial(server.code_actions, params))

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    async def code_action_resolve(action: lsp.CodeAction) -> lsp.CodeAction:
        return await server.run(partial(server.resolve, action))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(params: lsp.HoverParams) -> Optional[lsp.Hover]:
        return await server.run(partial(server.hover, params))

    return server


def _rule_fix_safety(diagnostic: Diagnostic) -> Optional[Applicability]:
    """The safety of the fix the diagnostic's rule offers (None: it has none).
    Published findings carry no fix: it is built from libcst when asked for."""
    return rules.RULES_BY_CODE[diagnostic.code].fix_safety


def _rule_fix_applies(config: Config, diagnostic: Diagnostic) -> bool:
    """Whether ``--fix`` would apply the fix of the diagnostic's rule (safe, fixable)."""
    safety = _rule_fix_safety(diagnostic)
    return safety is not None and fix_allowed(config, False)(diagnostic.code, safety)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="torchseedlint-server",
        description="The torchseedlint language server (LSP over stdio).",
    )
    # Editors' generic LSP clients often pass --stdio; stdio is the only transport.
    parser.add_argument("--stdio", action="store_true", help="Talk LSP over stdio (the default).")
    parser.add_argument(
        "--version", action="version", version=f"torchseedlint-server {__version__}"
    )
    parser.parse_args(argv)
    tune_collector()
    make_server().start_io()


if __name__ == "__main__":
    main()
