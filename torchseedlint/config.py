"""Settings: ``[tool.torchseedlint]`` in pyproject.toml, merged with CLI options.

Loading touches the filesystem; everything else here is pure so the engine can be
driven with a ``Config`` built in code.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

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

# Config keys, as spelled in pyproject.toml.
KNOWN_KEYS = (
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
)


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
    # The directory holding the config file: relative globs are matched from here.
    root: Optional[str] = None
    source: Optional[str] = None  # the file the settings came from
    # Where each inferred setting came from, for --show-settings.
    provenance: Tuple[Tuple[str, str], ...] = field(default=(), compare=False)

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def relative(self, path: str) -> str:
        """``path`` relative to the config root, POSIX style, for glob matching."""
        if self.root:
            try:
                return Path(path).resolve().relative_to(Path(self.root).resolve()).as_posix()
            except ValueError:
                pass
        return PurePosixPath(Path(path).as_posix()).as_posix()

    def ignored_for(self, path: str) -> Tuple[str, ...]:
        """Codes that ``per-file-ignores`` turns off for ``path``."""
        rel = self.relative(path)
        codes: List[str] = []
        for pattern, pattern_codes in self.per_file_ignores:
            negate = pattern.startswith("!")
            matched = glob_match(rel, pattern.lstrip("!"))
            if matched != negate:
                codes.extend(pattern_codes)
        return tuple(codes)

    def is_entry_point(self, path: str) -> bool:
        rel = self.relative(path)
        return any(glob_match(rel, pattern) for pattern in self.entry_points)

    def is_test_path(self, path: str) -> bool:
        rel = self.relative(path)
        return any(glob_match(rel, pattern) for pattern in self.test_paths)


def glob_match(rel_path: str, pattern: str) -> bool:
    """Match like ruff: a pattern without ``/`` matches any path component or the name."""
    if "/" not in pattern:
        parts = PurePosixPath(rel_path).parts
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    pattern = pattern[2:] if pattern.startswith("./") else pattern
    if fnmatch.fnmatchcase(rel_path, pattern):
        return True
    # ``src/**`` also matches ``src/a/b.py``; fnmatch's ``*`` already crosses ``/``.
    return pattern.endswith("/**") and rel_path.startswith(pattern[:-3] + "/")


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.torchseedlint] table, walking up.

    The walk stops at the repository root (a directory holding ``.git``/``.hg``).
    """
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_our_table(pyproject):
            return pyproject
        if (candidate / ".git").exists() or (candidate / ".hg").exists():
            return None
    return None


def _has_our_table(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return "torchseedlint" in data.get("tool", {})


def load_config(pyproject: Path) -> Config:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {pyproject}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject} is not valid TOML: {exc}") from exc
    table = data.get("tool", {}).get("torchseedlint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.torchseedlint] must be a table")
    return config_from_mapping(table, root=str(pyproject.parent), source=str(pyproject))


def config_from_mapping(
    table: Mapping[str, Any], root: Optional[str] = None, source: Optional[str] = None
) -> Config:
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        where = f" in {source}" if source else ""
        raise ConfigError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f" in [tool.torchseedlint]{where}; valid keys: {', '.join(KNOWN_KEYS)}"
        )
    values: Dict[str, Any] = {"root": root, "source": source}
    for key in ("select", "fixable"):
        if key in table:
            values[key] = _strings(table, key)
    for key in ("extend-select", "ignore", "exclude", "extend-exclude", "seed-functions",
                "entry-points", "test-paths", "unfixable"):
        if key in table:
            values[key.replace("-", "_")] = _strings(table, key)
    for key in ("torch-version", "torchvision-version"):
        if key in table:
            value = table[key]
            if not isinstance(value, str):
                raise ConfigError(f"{key} must be a string such as \"2.3\", got {value!r}")
            values[key.replace("-", "_")] = value
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError("per-file-ignores must be a table of glob = [codes]")
        values["per_file_ignores"] = tuple(
            (pattern, _strings(pfi, pattern)) for pattern in pfi
        )
    return Config(**values)


def _strings(table: Mapping[str, Any], key: str) -> Tuple[str, ...]:
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of strings, got {value!r}")
    return tuple(value)


def split_codes(values: Iterable[str]) -> Tuple[str, ...]:
    """CLI values may be comma separated: ``--select TSL1,TSL201``."""
    out: List[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


def is_excluded(rel_path: str, patterns: Sequence[str]) -> bool:
    return any(glob_match(rel_path, pattern) for pattern in patterns)
