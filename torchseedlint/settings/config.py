"""Settings: ``[tool.torchseedlint]`` in pyproject.toml, or the top level of a
``torchseedlint.toml`` / ``.torchseedlint.toml``, merged with CLI options.

As in ruff, each file uses the closest configuration file above it
(:class:`ConfigResolver`), and ``extend`` inherits another file's settings.
Loading touches the filesystem; everything else here is pure so the engine can be
driven with a ``Config`` built in code.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
)

if TYPE_CHECKING:
    import pathspec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pypackages__",
    "node_modules",
    "build",
    "dist",
    ".eggs",
    "*_cache",
)

# The files that can hold settings; in one directory the first found wins (as ruff's
# .ruff.toml > ruff.toml > pyproject.toml). The first two hold them at the top level.
CONFIG_FILE_NAMES = (".torchseedlint.toml", "torchseedlint.toml", "pyproject.toml")
_STANDALONE_NAMES = CONFIG_FILE_NAMES[:2]

# Settings holding globs, matched relative to the directory of the file that set them.
GLOB_KEYS = ("exclude", "extend-exclude", "per-file-ignores", "entry-points", "test-paths")

# Config keys, as spelled in pyproject.toml.
KNOWN_KEYS = (
    "extend",
    "respect-gitignore",
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "seed-functions",
    "entry-points",
    "test-paths",
    "torch-version",
    "torchvision-version",
    "fixable",
    "unfixable",
    "dataloader-worker-seeding",
)
WORKER_SEEDING_MODES = ("auto", "always")


class ConfigError(Exception):
    """A problem with the user's settings: reported with exit code 2."""


@dataclass(frozen=True)
class Config:
    select: Optional[Tuple[str, ...]] = None  # None: the default-on rules
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    seed_functions: Tuple[str, ...] = ()
    entry_points: Tuple[str, ...] = ()
    # Globs of test files, on top of the default test names and folders.
    test_paths: Tuple[str, ...] = ()
    torch_version: Optional[str] = None
    torchvision_version: Optional[str] = None
    fixable: Optional[Tuple[str, ...]] = None
    unfixable: Tuple[str, ...] = ()
    # TSL201: "auto" reports the loaders whose workers draw from an RNG left
    # unseeded there; "always" reports every loader with workers and no worker_init_fn.
    dataloader_worker_seeding: str = "auto"
    # Skip what .gitignore, .ignore and .git/info/exclude ignore (explicit files are kept).
    respect_gitignore: bool = True
    # The directory holding the config file: relative globs are matched from here.
    root: Optional[str] = None
    source: Optional[str] = None  # the file the settings came from
    # The config named by ``extend``: the glob settings this one leaves unset are
    # taken from it and matched from its own directory, as ruff does.
    base: Optional["Config"] = None
    glob_keys: FrozenSet[str] = frozenset()  # the keys of GLOB_KEYS set in this file
    # Where each inferred setting came from, for --show-settings.
    provenance: Tuple[Tuple[str, str], ...] = field(default=(), compare=False)

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def relative(self, path: str) -> str:
        """``path`` relative to the config root, POSIX style, for glob matching; a path
        outside the root keeps its own components (only unanchored patterns match it)."""
        if self.root:
            # Where it is first (a symbolic link is matched by its own name), then
            # resolved (a root reached through a link); realpath never raises on a loop.
            for absolute in (os.path.abspath, os.path.realpath):
                rel = relative_below(absolute(path), absolute(self.root))
                if rel is not None:
                    return rel
        parts = path.replace(os.sep, "/").split("/")
        return "/".join(part for part in parts if part not in ("", ".", ".."))

    def chain(self) -> Iterator["Config"]:
        """This config, then the ones it extends."""
        config: Optional[Config] = self
        while config is not None:
            yield config
            config = config.base

    def outermost(self) -> "Config":
        """The end of the ``extend`` chain: a config that extends the project's is a
        part of that project, whose root is the outermost config's directory."""
        return list(self.chain())[-1]

    def owner(self, key: str) -> "Config":
        """The config in the ``extend`` chain whose value of glob setting ``key`` applies."""
        for config in self.chain():
            if key in config.glob_keys:
                return config
        return self

    def ignored_for(self, path: str) -> Tuple[str, ...]:
        """Codes that ``per-file-ignores`` turns off for ``path``; a pattern starting
        with ``!`` applies to the files it does not match."""
        owner = self.owner("per-file-ignores")
        rel = owner.relative(path)
        codes: List[str] = []
        for pattern, pattern_codes in owner.per_file_ignores:
            negate = pattern.startswith("!")
            if glob_match(rel, pattern[1:] if negate else pattern) != negate:
                codes.extend(pattern_codes)
        return tuple(codes)

    def is_entry_point(self, path: str) -> bool:
        owner = self.owner("entry-points")
        return matches_any(owner.relative(path), owner.entry_points)

    def is_test_path(self, path: str) -> bool:
        owner = self.owner("test-paths")
        return matches_any(owner.relative(path), owner.test_paths)

    def excludes(self, path: str, directory: bool = False) -> bool:
        """Whether ``exclude`` or any ``extend-exclude`` of the chain drops ``path``."""
        owner = self.owner("exclude")
        if matches_any(owner.relative(path), owner.exclude, directory):
            return True
        return any(
            matches_any(config.relative(path), config.extend_exclude, directory)
            for config in self.chain()
        )


def relative_below(path: str, directory: str) -> Optional[str]:
    """``path`` relative to ``directory`` in POSIX form ("" for the directory itself),
    None when it is not below it; both absolute. String work: discovery calls this
    for every file and directory it walks."""
    if path == directory:
        return ""
    prefix = directory if directory.endswith(os.sep) else directory + os.sep
    if not path.startswith(prefix):
        return None
    rel = path[len(prefix) :]
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


# ``src/**.py``: ruff's globset lets a ``**`` glued to other characters cross
# directories, where gitignore reads it as ``*``; written out as ``src/**/*.py``.
_GLUED_STARS = re.compile(r"(?:^|(?<=/))\*\*(?=[^/])")


# ``{tests,docs}``: globset's alternatives, which gitignore lacks; one pattern each.
_ALTERNATIVES = re.compile(r"\{([^{}]*)\}")


def _expanded(pattern: str) -> List[str]:
    match = _ALTERNATIVES.search(pattern)
    if match is None:
        return [_GLUED_STARS.sub("**/*", pattern)]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [p for choice in match.group(1).split(",") for p in _expanded(head + choice + tail)]


@lru_cache(maxsize=1024)
def _spec(patterns: Tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    import pathspec  # imported when a glob is matched: a clean run may match none

    return pathspec.GitIgnoreSpec.from_lines(p for pattern in patterns for p in _expanded(pattern))


def glob_match(rel_path: str, pattern: str) -> bool:
    """Match like ruff (gitignore-style globs from the config's directory): a pattern
    without ``/`` matches a file or directory of that name anywhere, one with ``/`` is
    anchored, ``**`` spans directories (``scripts/**/*.py`` matches ``scripts/a.py``),
    and a directory's pattern matches everything under it."""
    return matches_any(rel_path, (pattern,))


def is_repository_root(directory: Path) -> bool:
    return (directory / ".git").exists() or (directory / ".hg").exists()


def read_toml(path: Path) -> Dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def settings_table(path: Path) -> Optional[Dict[str, Any]]:
    """The settings in a configuration file: the top level of a ``torchseedlint.toml``
    or ``.torchseedlint.toml``, the ``[tool.torchseedlint]`` table of any other file
    (None when it has none)."""
    data = read_toml(path)
    if path.name in _STANDALONE_NAMES:
        return data
    tool = data.get("tool")
    table = tool.get("torchseedlint") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.torchseedlint] must be a table")
    return table


def config_file_in(directory: Path) -> Optional[Path]:
    """The configuration file of ``directory``: a standalone file, else a pyproject.toml
    with a ``[tool.torchseedlint]`` table. A broken pyproject.toml is an error, not
    skipped: it may hold the settings."""
    for name in CONFIG_FILE_NAMES:
        candidate = directory / name
        if candidate.is_file() and (
            name in _STANDALONE_NAMES or settings_table(candidate) is not None
        ):
            return candidate
    return None


def find_config_file(start: Path) -> Optional[Path]:
    """The closest configuration file at or above ``start``, stopping at the
    repository root (a directory holding ``.git``/``.hg``)."""
    directory = (start if start.is_dir() else start.parent).resolve()
    for candidate in (directory, *directory.parents):
        found = config_file_in(candidate)
        if found is not None or is_repository_root(candidate):
            return found
    return None


def load_config(path: Path) -> Config:
    """The settings in ``path`` with those of the files it ``extend``s.

    A pyproject.toml (or any file not named like a standalone one, e.g. a file given
    to ``--config``) must have a ``[tool.torchseedlint]`` table.
    """
    return _load(Path(path), ())


def _load(path: Path, extending: Tuple[Path, ...]) -> Config:
    resolved = path.resolve()
    if resolved in extending:
        cycle = " -> ".join(str(p) for p in (*extending, resolved))
        raise ConfigError(f"{path}: `extend` makes a cycle: {cycle}")
    table = settings_table(path)
    if table is None:
        raise ConfigError(f"{path}: no [tool.torchseedlint] table")
    own = {key: value for key, value in table.items() if key != "extend"}
    config = config_from_mapping(own, root=str(path.parent), source=str(path))
    if "extend" not in table:
        return config
    extend = table["extend"]
    if not isinstance(extend, str):
        raise ConfigError(
            f'{path}: extend must be a path such as "../pyproject.toml", got {extend!r}'
        )
    # Relative to the file that says it, as in ruff.
    base_path = Path(os.path.normpath(path.parent / os.path.expanduser(extend)))
    if not base_path.is_file():
        raise ConfigError(f"{path}: extend = {extend!r}: no such file ({base_path})")
    return _extended(config, _load(base_path, (*extending, resolved)), own)


def _extended(config: Config, base: Config, own: Mapping[str, Any]) -> Config:
    """``config`` on top of ``base``: what it does not set comes from ``base``;
    ``extend-select`` adds up; glob settings are looked up through ``config.base``."""
    inherited: Dict[str, Any] = {"base": base}
    for key in KNOWN_KEYS:
        name = key.replace("-", "_")
        if key in GLOB_KEYS or key == "extend":
            continue
        if key == "extend-select":
            inherited[name] = (*base.extend_select, *config.extend_select)
        elif key not in own:
            inherited[name] = getattr(base, name)
    provenance = dict(base.provenance)
    provenance.update(config.provenance)
    return replace(config, provenance=tuple(sorted(provenance.items())), **inherited)


def config_from_mapping(
    table: Mapping[str, Any], root: Optional[str] = None, source: Optional[str] = None
) -> Config:
    """A Config from settings as spelled in the file (``extend`` is :func:`load_config`'s).

    Errors name ``source``, the file the settings come from.
    """
    try:
        return _from_mapping(table, root, source)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}" if source else str(exc)) from None


def _from_mapping(table: Mapping[str, Any], root: Optional[str], source: Optional[str]) -> Config:
    if "extend" in table:
        raise ConfigError(
            "`extend` names a file to inherit from: only a configuration "
            "file can use it (see load_config)"
        )
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"valid keys: {', '.join(KNOWN_KEYS)}"
        )
    values: Dict[str, Any] = {
        "root": root,
        "source": source,
        "glob_keys": frozenset(key for key in GLOB_KEYS if key in table),
    }
    provenance: List[Tuple[str, str]] = []
    for key in ("select", "fixable"):
        if key in table:
            values[key] = _strings(table, key)
    for key in (
        "extend-select",
        "ignore",
        "exclude",
        "extend-exclude",
        "seed-functions",
        "entry-points",
        "test-paths",
        "unfixable",
    ):
        if key in table:
            values[key.replace("-", "_")] = _strings(table, key)
    for key in ("torch-version", "torchvision-version"):
        if key in table:
            value = table[key]
            if not isinstance(value, str) or not _is_version(value):
                raise ConfigError(f'{key} = {value!r} is not a version; give one such as "2.3"')
            values[key.replace("-", "_")] = value
            provenance.append((key, f"set in {source or 'the settings'}"))
    if "respect-gitignore" in table:
        value = table["respect-gitignore"]
        if not isinstance(value, bool):
            raise ConfigError(f"respect-gitignore must be true or false, got {value!r}")
        values["respect_gitignore"] = value
    if "dataloader-worker-seeding" in table:
        value = table["dataloader-worker-seeding"]
        if value not in WORKER_SEEDING_MODES:
            raise ConfigError(
                f'dataloader-worker-seeding must be "auto" or "always", got {value!r}'
            )
        values["dataloader_worker_seeding"] = value
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError("per-file-ignores must be a table of glob = [codes]")
        values["per_file_ignores"] = tuple((pattern, _strings(pfi, pattern)) for pattern in pfi)
    return Config(provenance=tuple(provenance), **values)


def _is_version(text: str) -> bool:
    from packaging.version import InvalidVersion, Version  # only for a configured version

    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _strings(table: Mapping[str, Any], key: str) -> Tuple[str, ...]:
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of strings, got {value!r}")
    return tuple(value)


def _unchanged(config: Config) -> Config:
    return config


def _compose(
    first: Callable[[Config], Config], then: Callable[[Config], Config], config: Config
) -> Config:
    return then(first(config))


class ConfigResolver:
    """The settings each file is linted with.

    With ``fixed`` (``--config``, ``--isolated``, a Config built in code) every file
    uses it. Otherwise, as in ruff, a file uses the closest configuration file in its
    directory or above, up to the repository root, else ``default``. ``prepare``
    (the CLI's overrides, the inferred versions) runs once per configuration.
    """

    def __init__(
        self,
        fixed: Optional[Config] = None,
        default: Config = Config(),
        prepare: Callable[[Config], Config] = _unchanged,
    ) -> None:
        self.fixed = fixed
        self.default = default
        self.prepare = prepare
        self._files: Dict[Path, Config] = {}  # configuration file -> its settings, loaded
        self._directories: Dict[Path, Optional[Path]] = {}  # -> its configuration file
        self._prepared: Dict[Optional[Path], Config] = {}

    def then(self, step: Callable[[Config], Config]) -> "ConfigResolver":
        """This resolver with ``step`` applied after ``prepare`` (files are read once)."""
        resolver = ConfigResolver(self.fixed, self.default, partial(_compose, self.prepare, step))
        resolver._files, resolver._directories = self._files, self._directories
        return resolver

    def config_for(self, path: str) -> Config:
        """The settings for ``path`` (a file, or a directory: its own settings)."""
        source = None if self.fixed is not None else self.config_file(path)
        config = self._prepared.get(source)
        if config is None:
            if source is None:
                config = self.fixed if self.fixed is not None else self.default
            else:
                if source not in self._files:
                    self._files[source] = load_config(source)
                config = self._files[source]
            config = self._prepared[source] = self.prepare(config)
        return config

    def config_file(self, path: str) -> Optional[Path]:
        """The configuration file that applies to ``path``; None for the defaults."""
        start = Path(os.path.abspath(path))
        return self._search(start if start.is_dir() else start.parent)

    def watched_files(self) -> List[Path]:
        """The files whose change may change the settings given so far: every
        configuration file name in each directory searched (present or not), and
        the files the loaded configurations ``extend``. An editor compares their
        stamps to notice a change it was not told about."""
        candidates = [
            directory / name for directory in list(self._directories) for name in CONFIG_FILE_NAMES
        ]
        extended = [
            Path(base.source)
            for config in list(self._files.values())
            for base in config.chain()
            if base.source
        ]
        return list(dict.fromkeys([*candidates, *extended]))

    def _search(self, directory: Path) -> Optional[Path]:
        if directory not in self._directories:
            found = config_file_in(directory)
            if (
                found is None
                and not is_repository_root(directory)
                and directory.parent != directory
            ):
                found = self._search(directory.parent)
            self._directories[directory] = found
        return self._directories[directory]


def split_codes(values: Iterable[str]) -> Tuple[str, ...]:
    """CLI values may be comma separated: ``--select TSL1,TSL201``."""
    out: List[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


def matches_any(rel_path: str, patterns: Sequence[str], directory: bool = False) -> bool:
    """Whether gitignore-style ``patterns`` match ``rel_path`` (a directory's path
    gets a trailing ``/``, for the patterns that name directories only)."""
    if not patterns:
        return False
    names, suffixes, globs = _by_kind(tuple(patterns))
    parts = rel_path.split("/")
    if names.intersection(parts) or any(part.endswith(suffixes) for part in parts):
        return True
    return bool(globs) and _spec(globs).match_file(rel_path + "/" if directory else rel_path)


# What makes a pattern more than a name (or ``*`` and a name): pathspec matches those.
_GLOB_SYNTAX = re.compile(r"[*?\[\]\\/{}!#\s]|^$")


@lru_cache(maxsize=1024)
def _by_kind(
    patterns: Tuple[str, ...],
) -> Tuple[FrozenSet[str], Tuple[str, ...], Tuple[str, ...]]:
    """``patterns`` as names, ``*name`` suffixes and the other globs.

    A pattern without a slash matches a path component by itself, at any depth: a
    name (``build``) equals one, ``*_cache`` ends one. Matching those directly spares
    the default excludes pathspec's import and regexes. The split is exact only
    without negations (``!name`` re-includes what an earlier pattern matched).
    """
    if any(pattern.startswith("!") for pattern in patterns):
        return frozenset(), (), patterns
    names, suffixes, globs = set(), [], []
    for pattern in patterns:
        if not _GLOB_SYNTAX.search(pattern):  # comments and blank lines are pathspec's
            names.add(pattern)
        elif pattern.startswith("*") and not _GLOB_SYNTAX.search(pattern[1:]):
            suffixes.append(pattern[1:])
        else:
            globs.append(pattern)
    return frozenset(names), tuple(suffixes), tuple(globs)
