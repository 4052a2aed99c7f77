"""The project index: what the project's own functions seed, across modules.

Built from per-module summaries (:mod:`torchseedlint.semantic.summary`), made
from each module's facts where they were analysed. A call such as
``set_seed(0)`` in ``train.py`` is resolved to the file that defines ``set_seed``
(through ``import a.b as c``, ``from a import f``, relative imports, star imports
and re-exports in ``__init__.py``); what that function seeds, at any call depth
and across modules, is a fixpoint over the whole project, so cycles terminate.

Modules the linted files import but that were not given on the command line
(pre-commit passes only changed files) are found on disk from the importing
file's directory and the project root, and analysed once per run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, TypeVar

from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import (
    AT_IMPORT,
    IMPLICIT_METHODS,
    ImportedDraw,
    ModuleAnalysis,
)
from torchseedlint.semantic.facts import ModuleFacts
from torchseedlint.semantic.imports import STDLIB_MODULES
from torchseedlint.semantic.packaging_scripts import console_scripts
from torchseedlint.semantic.roles import ModuleRole, decide_role, test_code_reason, test_file_reason
from torchseedlint.semantic.summary import (
    Draw,
    DrawGraph,
    Draws,
    ModuleSummary,
    SeedCall,
    add_draws,
)

# Reads and analyses one file: its summary, or None when it cannot be parsed.
SummaryLoader = Callable[[Path], Optional[ModuleSummary]]

# Re-exports can chain (``pkg/__init__`` -> ``pkg/sub/__init__`` -> ...); a chain
# longer than this is an alias cycle.
_MAX_ALIAS_HOPS = 16

T = TypeVar("T")


# ``import a.b`` / ``from .a import (b,\n c)``: one import statement, continuation included.
_IMPORT_STATEMENT = re.compile(
    r"^[ \t]*(?:from[ \t]+\S+[ \t]+)?import[ \t]+(?:\([^)]*\)|[^\n]*)", re.MULTILINE
)
_WORD = re.compile(r"\w+")


def _module_file(base: Path, parts: Tuple[str, ...]) -> Optional[Path]:
    """``base/a/b.py`` or ``base/a/b/__init__.py`` for parts ``[a, b]``."""
    target = base.joinpath(*parts)
    if parts:
        candidate = target.with_name(target.name + ".py")
        if candidate.is_file():
            return candidate
    package = target / "__init__.py"
    return package if package.is_file() else None


@dataclass(frozen=True)
class Symbol:
    """A name resolved into a project module: ``attribute`` may be empty (the module)."""

    module: Path
    attribute: Tuple[str, ...]


def summarize(
    facts: ModuleFacts, seed_functions: Tuple[str, ...], graph: Optional[DrawGraph] = None
) -> ModuleSummary:
    """What the project index keeps of a module (``seed_functions``: the index's;
    ``graph``: the module's draw graph, if built already)."""
    asked: Dict[int, str] = {}  # call index -> the name the analysis asked about
    calling = -1

    def ask(name: str) -> Optional[FrozenSet[str]]:
        asked[calling] = name
        return None  # what the call seeds if ``name`` is no project function

    analysis = ModuleAnalysis(facts, seed_functions, ask)
    every: Dict[str, List[SeedCall]] = {}
    for name, function in facts.functions.items():
        calls = every[name] = []
        for index in function.calls:
            call = facts.calls[index]
            calling = index
            seeds = analysis.direct_seeds(call)
            names = tuple(n for n in (call.qualname, call.raw) if n is not None)
            calls.append(SeedCall(seeds, asked.get(index), names, analysis.local_callee(call)))
    # A call matters to the fixpoint if it seeds, asks about a name, runs a local
    # function, or is named like a call that asks (see ``ProjectIndex._solve_seeds``).
    asking = set(asked.values())
    seed_calls: Dict[str, Tuple[SeedCall, ...]] = {}
    for name, calls in every.items():
        kept = [c for c in calls if c.seeds or c.asks or c.local or asking.intersection(c.names)]
        if kept:
            seed_calls[name] = tuple(kept)
    if graph is None:
        graph = ModuleAnalysis(facts).draw_graph()
    # The other nodes get no draws from anywhere and give none.
    nodes = [
        node
        for node, draws in graph.direct.items()
        if draws or graph.local[node] or graph.imported[node]
    ]
    return ModuleSummary(
        imports=tuple(facts.imports),
        aliases=dict(facts.aliases),
        functions=frozenset(facts.functions),
        classes=frozenset(facts.classes),
        graph=DrawGraph(
            {node: graph.direct[node] for node in nodes},
            {node: graph.local[node] for node in nodes},
            {node: graph.imported[node] for node in nodes},
        ),
        seed_calls=seed_calls,
        test_code=test_code_reason(facts) is not None,
    )


def _memoized(function: Callable[[str], T]) -> Callable[[str], T]:
    cache: Dict[str, T] = {}

    def lookup(name: str) -> T:
        if name not in cache:
            cache[name] = function(name)
        return cache[name]

    return lookup


class ProjectIndex:
    def __init__(
        self,
        root: Path,
        loader: SummaryLoader,
        seed_functions: Tuple[str, ...] = (),
    ) -> None:
        self.root = root.resolve()
        self.loader: Optional[SummaryLoader] = loader
        self.seed_functions = seed_functions
        self.modules: Dict[Path, ModuleSummary] = {}
        self._failed: Set[Path] = set()
        self._function_seeds: Dict[Tuple[Path, str], FrozenSet[str]] = {}
        # Name resolution does not depend on what functions seed: computed once.
        self._resolved: Dict[Tuple[Path, str], Optional[Symbol]] = {}
        # The modules the fixpoints covered: a module loaded after them (reached
        # by a name, or by the importer search) is solved when first asked about.
        self._solved: Set[Path] = set()
        self._solving = False
        self._scanned: Set[Path] = set()  # modules whose imports unread_imports listed
        # What each function (or module-level code) draws at any depth, across
        # modules: (module, node) -> RNG -> first draw. Solved with the seeds.
        self._node_draws: Dict[Tuple[Path, str], Draws] = {}
        # Lists every Python file of the project, for "who imports this module?"
        # (asked rarely, so listed only then); without it only the modules read so
        # far are searched.
        self.list_files: Optional[Callable[[], Sequence[str]]] = None
        self._project_files: Optional[List[Path]] = None
        self._import_words: Optional[Dict[str, List[Path]]] = None
        self._importers: Dict[Path, List[Path]] = {}
        self._scripts: Optional[Dict[Path, Tuple[str, str]]] = None
        self._own_packages: Dict[str, bool] = {}
        # The same lookups repeat for every importer of a directory: one filesystem
        # check each per index (an editor's index is rebuilt when files change).
        self._module_files: Dict[Tuple[Path, Tuple[str, ...]], Optional[Path]] = {}
        self._project_modules: Dict[Tuple[Path, Tuple[str, ...]], Optional[Path]] = {}
        self._splits: Dict[Tuple[str, str], Optional[Symbol]] = {}
        self._imports: Dict[Path, List[Path]] = {}

    def __getstate__(self) -> Dict[str, Any]:
        # Sent to worker processes: the loaders read files through this process's
        # cache and settings, and the receiving process attaches its own.
        state = dict(self.__dict__)
        state["loader"] = state["list_files"] = None
        return state

    # --- building ----------------------------------------------------------------

    def add(self, path: Path, summary: ModuleSummary) -> None:
        path = path.resolve()
        self.modules[path] = summary
        self._imports.pop(path, None)  # derived from an older text of this module

    def update(self, path: Path, summary: Optional[ModuleSummary]) -> None:
        """A module's text changed (an editor's buffer): keep what the filesystem
        gave, and solve again when next asked. None: the text screen rules the
        module out, so the loader reads it again if another module imports it."""
        path = path.resolve()
        self._failed.discard(path)
        self._scanned.discard(path)
        if summary is None:
            self.modules.pop(path, None)
            self._imports.pop(path, None)
        else:
            self.add(path, summary)
        # Answers that read the module's names or imports, and what was solved.
        self._resolved.clear()
        self._importers.clear()
        self._solved = set()

    def unread_imports(self) -> List[Path]:
        """Project files the known modules import that are not read yet: a caller
        with several processes reads them in parallel (``preload``) before ``build``."""
        wanted: List[Path] = []
        for path in list(self.modules):
            if path in self._scanned:
                continue
            self._scanned.add(path)
            for imported in self._imported_files(path):
                if imported not in self.modules and imported not in self._failed:
                    wanted.append(imported)
        return list(dict.fromkeys(wanted))

    def preload(self, path: Path, summary: Optional[ModuleSummary]) -> None:
        """Record what the loader gave for ``path`` (None: it cannot be analysed)."""
        if summary is None:
            self._failed.add(path)
        else:
            self.modules[path] = summary

    def files_read(self) -> Set[Path]:
        """Every file the index has read, whether it could be analysed or not."""
        return set(self.modules) | self._failed

    def imported_modules(self) -> Set[Path]:
        """The project files that some module of the index imports: what the index
        solved does not depend on the facts of a module outside this set."""
        return {imported for path in list(self.modules) for imported in self._imported_files(path)}

    def summary(self, path: str) -> Optional[ModuleSummary]:
        """What the index knows of ``path``, if it read it."""
        return self.modules.get(Path(path).resolve())

    def build(self) -> None:
        """Load every project module the known ones import, then solve the fixpoint."""
        pending = list(self.modules)
        seen = set(pending)
        while pending:
            path = pending.pop()
            for imported in self._imported_files(path):
                if imported not in seen:
                    seen.add(imported)
                    if self._summary(imported) is not None:
                        pending.append(imported)
        self._solve()

    def _summary(self, path: Path) -> Optional[ModuleSummary]:
        if path in self.modules:
            return self.modules[path]
        if path in self._failed or self.loader is None:
            return None
        summary = self.loader(path)
        if summary is None:
            self._failed.add(path)
        else:
            self.modules[path] = summary
        return summary

    def _imported_files(self, path: Path) -> List[Path]:
        """Project files ``path`` imports: the modules, and ``from m import sub`` submodules."""
        if path not in self._imports:
            self._imports[path] = self._find_imported_files(path)
        return self._imports[path]

    def _find_imported_files(self, path: Path) -> List[Path]:
        found = []
        for imp in self.modules[path].imports:
            module = "." * imp.level + imp.module
            separator = "." if imp.module else ""
            targets = [module] + [f"{module}{separator}{name}" for name in imp.names if name != "*"]
            for target in targets:
                resolved = self._module_of(path, target)
                if resolved is not None:
                    found.append(resolved)
        return found

    def _solve(self) -> None:
        self._solving = True
        try:
            # Resolving names while solving may load modules: solve again until none is new.
            while set(self.modules) != self._solved:
                self._solved = set(self.modules)
                self._solve_seeds()
                self._solve_draws()
        finally:
            self._solving = False

    def _ensure_solved(self, module: Path) -> None:
        if module not in self._solved and not self._solving:
            self._solve()

    def _solve_draws(self) -> None:
        """What every function draws at any depth: a fixpoint over the project's
        call graph (functions, classes' implicit methods, code run at import)."""
        draws: Dict[Tuple[Path, str], Draws] = {}
        edges: Dict[Tuple[Path, str], List[Tuple[Path, str]]] = {}
        for path, summary in list(self.modules.items()):
            graph = summary.graph
            module = self.display_name(path)
            for node, direct in graph.direct.items():
                key = (path, node)
                draws[key] = {rng: Draw(d.callee, module, d.row) for rng, d in direct.items()}
                edges[key] = [(path, callee) for callee in graph.local[node]]
                for name in dict.fromkeys(graph.imported[node]):
                    edges[key] += self._nodes_of(path, name)
        changed = True
        while changed:  # sets only grow: this ends
            changed = False
            for key, targets in edges.items():
                for target in targets:
                    if target != key and target in draws:
                        changed |= add_draws(draws[key], draws[target])
        self._node_draws = draws

    def _nodes_of(self, importer: Path, name: str) -> List[Tuple[Path, str]]:
        """The code that runs when ``importer`` calls ``name``: the function, or a
        class's implicit methods, plus the defining module's import-time code."""
        symbol = self.resolve(importer, name)
        if symbol is None or symbol.module == importer or not symbol.attribute:
            return []
        summary = self.modules.get(symbol.module)
        if summary is None:
            return []
        nodes = [(symbol.module, AT_IMPORT)]
        function = ".".join(symbol.attribute)
        if function in summary.functions:
            nodes.append((symbol.module, function))
        elif len(symbol.attribute) == 1 and function in summary.classes:
            nodes += [
                (symbol.module, f"{function}.{method}")
                for method in IMPLICIT_METHODS
                if f"{function}.{method}" in summary.functions
            ]
        return nodes

    def _solve_seeds(self) -> None:
        """What every function seeds at any depth: a fixpoint over the project's call
        graph, from each module's summarized calls."""
        seeds: Dict[Tuple[Path, str], Set[str]] = {}
        edges: Dict[Tuple[Path, str], List[Tuple[Path, str]]] = {}
        for path, summary in list(self.modules.items()):
            # The names this module's calls ask about that are project functions.
            targets: Dict[str, Tuple[Path, str]] = {}
            for calls in summary.seed_calls.values():
                for call in calls:
                    if call.asks is not None and call.asks not in targets:
                        target = self._function_of(path, call.asks)
                        if target is not None:
                            targets[call.asks] = target
            for name, calls in summary.seed_calls.items():
                key = (path, name)
                seeds[key], edges[key] = set(), []
                for call in calls:
                    # A project function seeds what the fixpoint finds, not what its name suggests.
                    if call.asks not in targets:
                        seeds[key] |= call.seeds
                    if call.local is not None:
                        edges[key].append((path, call.local))
                    edges[key] += [targets[called] for called in call.names if called in targets]
        changed = True
        while changed:  # sets only grow: this ends
            changed = False
            for key, callees in edges.items():
                for callee in callees:
                    more = seeds.get(callee, set()) - seeds[key]
                    if more:
                        seeds[key] |= more
                        changed = True
        self._function_seeds = {key: frozenset(rngs) for key, rngs in seeds.items()}

    def _function_of(self, importer: Path, name: str) -> Optional[Tuple[Path, str]]:
        """The project function a name used in ``importer`` stands for, if any."""
        symbol = self.resolve(importer, name)
        if symbol is None or not symbol.attribute:
            return None
        function = ".".join(symbol.attribute)
        summary = self.modules.get(symbol.module)
        return (
            (symbol.module, function)
            if summary is not None and function in summary.functions
            else None
        )

    # --- name resolution ---------------------------------------------------------

    def _bases(self, directory: Path) -> List[Path]:
        """Where an absolute import is looked up: script directory, root, ``src/``."""
        bases = [directory, self.root, self.root / "src"]
        return list(dict.fromkeys(bases))

    def _module_of(self, importer: Path, dotted: str) -> Optional[Path]:
        symbol = self._split(importer, dotted)
        return symbol.module if symbol is not None and not symbol.attribute else None

    def _split(self, importer: Path, dotted: str) -> Optional[Symbol]:
        """The longest module prefix of ``dotted`` that is a project file, and the rest."""
        # Only the importer's directory matters: its siblings ask the same questions.
        key = (str(importer.parent), dotted)
        if key not in self._splits:
            self._splits[key] = self._find_split(importer.parent, dotted)
        return self._splits[key]

    def _find_split(self, directory: Path, dotted: str) -> Optional[Symbol]:
        level = len(dotted) - len(dotted.lstrip("."))
        parts = [p for p in dotted[level:].split(".") if p]
        if level:
            base = directory
            for _ in range(level - 1):
                base = base.parent
            bases, shortest = [base], 0
        else:
            if (
                not parts
                or parts[0] in STDLIB_MODULES
                or (parts[0] in K.KNOWN_PACKAGES and not self._is_project_package(parts[0]))
            ):
                return None
            bases, shortest = self._bases(directory), 1
        for base in bases:
            for cut in range(len(parts), shortest - 1, -1):
                module = self._project_module(base, tuple(parts[:cut]))
                if module is not None:
                    return Symbol(module, tuple(parts[cut:]))
        return None

    def _is_project_package(self, name: str) -> bool:
        """Whether a known library is the project itself (linting its own repository)."""
        if name not in self._own_packages:
            self._own_packages[name] = any(
                self._module_file(base, (name,)) is not None
                for base in (self.root, self.root / "src")
            )
        return self._own_packages[name]

    def _module_file(self, base: Path, parts: Tuple[str, ...]) -> Optional[Path]:
        key = (base, parts)
        if key not in self._module_files:
            self._module_files[key] = _module_file(base, parts)
        return self._module_files[key]

    def _project_module(self, base: Path, parts: Tuple[str, ...]) -> Optional[Path]:
        """The resolved file of module ``parts`` under ``base``, if it is in the project."""
        key = (base, parts)
        if key not in self._project_modules:
            module = self._module_file(base, parts)
            resolved = module.resolve() if module is not None else None
            inside = resolved is not None and resolved.is_relative_to(self.root)
            self._project_modules[key] = resolved if inside else None
        return self._project_modules[key]

    def resolve(self, importer: Path, name: str) -> Optional[Symbol]:
        """Follow ``name`` (a qualified name, or a bare one bound by a star import)
        through re-exports to the module that defines it."""
        key = (importer, name)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(importer, name)
        return self._resolved[key]

    def _resolve(self, importer: Path, name: str) -> Optional[Symbol]:
        symbol = self._split(importer, name)
        if symbol is None:
            symbol = self._from_star_imports(importer, tuple(name.split(".")), set())
        return self._definition(symbol, 0) if symbol is not None else None

    def _definition(self, symbol: Symbol, hops: int) -> Optional[Symbol]:
        summary = self._summary(symbol.module)
        if summary is None or not symbol.attribute or hops > _MAX_ALIAS_HOPS:
            return symbol if summary is not None and not symbol.attribute else None
        head, rest = symbol.attribute[0], symbol.attribute[1:]
        if ".".join(symbol.attribute) in summary.functions or head in summary.classes:
            return symbol
        target = summary.aliases.get(head)
        if target is not None:
            moved = self._split(symbol.module, ".".join((target, *rest)))
            return self._definition(moved, hops + 1) if moved is not None else None
        starred = self._from_star_imports(symbol.module, symbol.attribute, set())
        if starred is not None:
            return self._definition(starred, hops + 1)
        return symbol

    def _from_star_imports(
        self, importer: Path, attribute: Tuple[str, ...], visited: Set[Path]
    ) -> Optional[Symbol]:
        summary = self._summary(importer)
        if summary is None or importer in visited:
            return None
        visited.add(importer)
        for imp in summary.imports:
            if imp.names != ("*",):
                continue
            module = self._module_of(importer, "." * imp.level + imp.module)
            if module is None:
                continue
            exported = self._summary(module)
            if exported is None:
                continue
            head = attribute[0]
            if head in exported.functions or head in exported.classes or head in exported.aliases:
                return Symbol(module, attribute)
            deeper = self._from_star_imports(module, attribute, visited)
            if deeper is not None:
                return deeper
        return None

    # --- answers -------------------------------------------------------------------

    def seeds_lookup(self, importer: Path) -> Callable[[str], Optional[FrozenSet[str]]]:
        """The ``imported_seeds`` callback for :class:`ModuleAnalysis` of ``importer``."""
        importer = importer.resolve()
        return _memoized(lambda name: self._symbol_seeds(importer, name))

    def _symbol_seeds(self, importer: Path, name: str) -> Optional[FrozenSet[str]]:
        target = self._function_of(importer, name)
        if target is None:
            return None  # a class or a variable: unknown, not "seeds nothing"
        self._ensure_solved(target[0])
        return self._function_seeds.get(target, frozenset())

    def draws_lookup(self, importer: Path) -> Callable[[str], Optional[ImportedDraw]]:
        """The ``imported_draws`` callback: what the project code behind a name
        draws when called, at any depth."""
        importer = importer.resolve()

        def lookup(name: str) -> Optional[ImportedDraw]:
            nodes = self._nodes_of(importer, name)
            if not nodes:
                return None
            for module, _ in nodes:
                self._ensure_solved(module)
            draws: Draws = {}
            for key in reversed(nodes):  # the function's own draws before import-time ones
                add_draws(draws, self._node_draws.get(key, {}))
            if not draws:
                return None
            module, function = nodes[-1]
            qualified = f"{self.display_name(module)}.{function.split('.')[0] or name}"
            return ImportedDraw(qualified, draws)

        return _memoized(lookup)

    def methods_lookup(self, importer: Path) -> Callable[[str, Tuple[str, ...]], Optional[Draws]]:
        """The ``imported_methods`` callback: what given methods of a project class
        draw at any depth (a dataset's ``__getitem__``, run in the loader's workers);
        None when the name is not a project class."""
        importer = importer.resolve()

        def lookup(name: str, methods: Tuple[str, ...]) -> Optional[Draws]:
            symbol = self.resolve(importer, name)
            if symbol is None or symbol.module == importer or len(symbol.attribute) != 1:
                return None
            summary = self.modules.get(symbol.module)
            if summary is None or symbol.attribute[0] not in summary.classes:
                return None
            self._ensure_solved(symbol.module)
            draws: Draws = {}
            for method in methods:
                add_draws(
                    draws,
                    self._node_draws.get((symbol.module, f"{symbol.attribute[0]}.{method}"), {}),
                )
            return draws

        return lookup

    # --- roles -------------------------------------------------------------------

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.name

    def role(
        self,
        path: Path,
        analysis: ModuleAnalysis,
        configured_entry: bool = False,
        configured_test: bool = False,
    ) -> ModuleRole:
        """The module's role in this project (see ``torchseedlint.semantic.roles``)."""
        path = path.resolve()
        relative = self.relative(path)
        script = self.scripts().get(path)
        program = analysis.entry_point_reason()
        importers: List[str] = []
        # Only a module that looks like a program needs the (costly) importer search.
        if program is not None and script is None and not configured_entry:
            importers = [self.display_name(p) for p in self.importers_of(path)]
        return decide_role(
            relative,
            analysis.facts,
            configured_entry=configured_entry,
            configured_test=configured_test,
            script=script[1] if script else None,
            program_reason=program,
            importers=importers,
        )

    def entry_functions(self, path: Path) -> Tuple[str, ...]:
        """Functions that ``[project.scripts]`` runs in ``path``."""
        script = self.scripts().get(path.resolve())
        return (script[0],) if script else ()

    def scripts(self) -> Dict[Path, Tuple[str, str]]:
        """Module file -> (function, script name) for the packaging's console scripts."""
        if self._scripts is None:
            self._scripts = {}
            for name, target in console_scripts(self.root):
                module, _, function = target.partition(":")
                found = self._split(self.root / "pyproject.toml", module.strip())
                if found is not None and not found.attribute and function:
                    self._scripts[found.module] = (function.strip().split(".")[0], name)
        return self._scripts

    def importers_of(self, path: Path) -> List[Path]:
        """The project's non-test modules that import ``path``."""
        path = path.resolve()
        if path not in self._importers:
            stem = path.parent.name if path.name == "__init__.py" else path.stem
            found = []
            for candidate in self._files_importing_word().get(stem, ()):
                if candidate == path:
                    continue
                if test_file_reason(self.relative(candidate)) is not None:
                    continue
                summary = self._summary(candidate)
                if summary is None or summary.test_code:
                    continue
                if path in self._imported_files(candidate):
                    found.append(candidate)
            self._importers[path] = sorted(found)
        return self._importers[path]

    def _all_files(self) -> List[Path]:
        if self.list_files is None:
            return list(self.modules)
        if self._project_files is None:
            # realpath, not resolve(): a symbolic-link loop must not stop the run.
            self._project_files = [
                Path(os.path.realpath(p)) for p in self.list_files() if p.endswith(".py")
            ]
        return self._project_files

    def _files_importing_word(self) -> Dict[str, List[Path]]:
        """Word -> the project files with that word on an import line: a cheap filter
        before parsing a candidate importer, built with one read of each file."""
        if self._import_words is None:
            self._import_words = {}
            for path in self._all_files():
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                words = {
                    word
                    for statement in _IMPORT_STATEMENT.findall(text)
                    for word in _WORD.findall(statement)
                }
                for word in words:
                    self._import_words.setdefault(word, []).append(path)
        return self._import_words

    def display_name(self, module: Path) -> str:
        """``pkg/data/dataset.py`` -> ``pkg.data.dataset`` (relative to the root)."""
        try:
            relative = module.relative_to(self.root)
        except ValueError:
            return module.stem
        parts = list(relative.with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts) or module.parent.name
