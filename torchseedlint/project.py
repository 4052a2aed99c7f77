"""The project index: what the project's own functions seed, across modules.

Built from per-file :class:`ModuleFacts` only (no tree walks here). A call such as
``set_seed(0)`` in ``train.py`` is resolved to the file that defines ``set_seed``
(through ``import a.b as c``, ``from a import f``, relative imports, star imports
and re-exports in ``__init__.py``); what that function seeds, at any call depth
and across modules, is a fixpoint over the whole project, so cycles terminate.

Modules the linted files import but that were not given on the command line
(pre-commit passes only changed files) are found on disk from the importing
file's directory and the project root, and analysed once per run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple, TypeVar

from torchseedlint import knowledge as K
from torchseedlint.analysis import ImportedDraw, ModuleAnalysis
from torchseedlint.facts import ModuleFacts

# Reads and analyses one file: its facts, or None when it cannot be parsed.
FactsLoader = Callable[[Path], Optional[ModuleFacts]]

# Directories that mark the top of a project.
ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git", ".hg")

# Re-exports can chain (``pkg/__init__`` -> ``pkg/sub/__init__`` -> ...); a chain
# longer than this is an alias cycle.
_MAX_ALIAS_HOPS = 16

T = TypeVar("T")

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def find_project_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding a project marker."""
    directory = (start if start.is_dir() else start.parent).resolve()
    for candidate in (directory, *directory.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return directory


def _module_file(base: Path, parts: List[str]) -> Optional[Path]:
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
        loader: FactsLoader,
        seed_functions: Tuple[str, ...] = (),
    ) -> None:
        self.root = root.resolve()
        self.loader = loader
        self.seed_functions = seed_functions
        self.modules: Dict[Path, ModuleFacts] = {}
        self._failed: Set[Path] = set()
        self._function_seeds: Dict[Tuple[Path, str], FrozenSet[str]] = {}
        self._draws: Dict[Path, Dict[str, str]] = {}
        # Name resolution does not depend on what functions seed: computed once.
        self._resolved: Dict[Tuple[Path, str], Optional[Symbol]] = {}
        # How many modules the seed fixpoint covered: a module loaded after it
        # (reached by a name, not an import) is solved when first asked about.
        self._solved_count = 0
        self._scanned: Set[Path] = set()  # modules whose imports unread_imports listed

    # --- building ----------------------------------------------------------------

    def add(self, path: Path, facts: ModuleFacts) -> None:
        self.modules[path.resolve()] = facts

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

    def preload(self, path: Path, facts: Optional[ModuleFacts]) -> None:
        """Record what the loader gave for ``path`` (None: it cannot be analysed)."""
        if facts is None:
            self._failed.add(path)
        else:
            self.modules[path] = facts

    def files_read(self) -> Set[Path]:
        """Every file the index has read, whether it could be analysed or not."""
        return set(self.modules) | self._failed

    def facts_for(self, path: str) -> Optional[ModuleFacts]:
        """Facts already analysed for ``path`` (so linting it does not parse it again)."""
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
                    if self._facts(imported) is not None:
                        pending.append(imported)
        self._solve_seeds()

    def _facts(self, path: Path) -> Optional[ModuleFacts]:
        if path in self.modules:
            return self.modules[path]
        if path in self._failed:
            return None
        facts = self.loader(path)
        if facts is None:
            self._failed.add(path)
        else:
            self.modules[path] = facts
        return facts

    def _imported_files(self, path: Path) -> List[Path]:
        """Project files ``path`` imports: the modules, and ``from m import sub`` submodules."""
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

    def _solve_seeds(self) -> None:
        # Every round re-reads the current table; sets only grow, so this ends.
        self._solved_count = len(self.modules)
        changed = True
        while changed:
            changed = False
            for path, facts in list(self.modules.items()):
                analysis = ModuleAnalysis(facts, self.seed_functions, self.seeds_lookup(path))
                for name, rngs in analysis.function_seeds.items():
                    key = (path, name)
                    if rngs != self._function_seeds.get(key, frozenset()):
                        self._function_seeds[key] = rngs
                        changed = True

    # --- name resolution ---------------------------------------------------------

    def _bases(self, importer: Path) -> List[Path]:
        """Where an absolute import is looked up: script directory, root, ``src/``."""
        bases = [importer.parent, self.root, self.root / "src"]
        return list(dict.fromkeys(bases))

    def _module_of(self, importer: Path, dotted: str) -> Optional[Path]:
        symbol = self._split(importer, dotted)
        return symbol.module if symbol is not None and not symbol.attribute else None

    def _split(self, importer: Path, dotted: str) -> Optional[Symbol]:
        """The longest module prefix of ``dotted`` that is a project file, and the rest."""
        level = len(dotted) - len(dotted.lstrip("."))
        parts = [p for p in dotted[level:].split(".") if p]
        if level:
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            bases, shortest = [base], 0
        else:
            if not parts or parts[0] in K.KNOWN_PACKAGES or parts[0] in _STDLIB:
                return None
            bases, shortest = self._bases(importer), 1
        for base in bases:
            for cut in range(len(parts), shortest - 1, -1):
                module = _module_file(base, parts[:cut])
                if module is not None and self._within_project(module):
                    return Symbol(module.resolve(), tuple(parts[cut:]))
        return None

    def _within_project(self, module: Path) -> bool:
        try:
            module.resolve().relative_to(self.root)
        except ValueError:
            return False
        return True

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
        facts = self._facts(symbol.module)
        if facts is None or not symbol.attribute or hops > _MAX_ALIAS_HOPS:
            return symbol if facts is not None and not symbol.attribute else None
        head, rest = symbol.attribute[0], symbol.attribute[1:]
        if ".".join(symbol.attribute) in facts.functions or head in facts.classes:
            return symbol
        target = facts.aliases.get(head)
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
        facts = self._facts(importer)
        if facts is None or importer in visited:
            return None
        visited.add(importer)
        for imp in facts.imports:
            if imp.names != ("*",):
                continue
            module = self._module_of(importer, "." * imp.level + imp.module)
            if module is None:
                continue
            exported = self._facts(module)
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
        symbol = self.resolve(importer, name)
        if symbol is None or not symbol.attribute:
            return None
        function = ".".join(symbol.attribute)
        facts = self.modules.get(symbol.module)
        if facts is None or function not in facts.functions:
            return None  # a class or a variable: unknown, not "seeds nothing"
        if self._solved_count != len(self.modules):
            self._solve_seeds()
        return self._function_seeds.get((symbol.module, function), frozenset())

    def draws_lookup(self, importer: Path) -> Callable[[str], Optional[ImportedDraw]]:
        """The ``imported_draws`` callback: what the project module behind a name draws."""
        importer = importer.resolve()

        def lookup(name: str) -> Optional[ImportedDraw]:
            symbol = self.resolve(importer, name)
            if symbol is None or symbol.module == importer:
                return None
            draws = self._module_draws(symbol.module)
            if not draws:
                return None
            return ImportedDraw(self.display_name(symbol.module), draws)

        return _memoized(lookup)

    def _module_draws(self, module: Path) -> Dict[str, str]:
        """RNG -> the first call in ``module`` that draws from it, for the message."""
        if module not in self._draws:
            facts = self.modules.get(module)
            draws: Dict[str, str] = {}
            for call in facts.calls if facts is not None else ():
                if not call.qualname:
                    continue
                for rng, consumes in ((K.PYRANDOM, K.is_pyrandom_consumer),
                                      (K.NUMPY, K.is_numpy_consumer)):
                    if rng not in draws and consumes(call.qualname):
                        draws[rng] = f"`{call.raw}` at line {call.start.row}"
            self._draws[module] = draws
        return self._draws[module]

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
