"""Which files a run lints: walk directories, honour exclude patterns and ignore files.

As in ruff, ``exclude``/``extend-exclude`` and, with ``respect-gitignore`` (the
default), ``.gitignore``, ``.ignore`` and ``.git/info/exclude`` drop what a walk
finds; a file named on the command line is linted anyway unless ``--force-exclude``.
Each directory is walked with its own settings (:class:`ConfigResolver`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple, Union

from torchseedlint.settings.config import Config, ConfigResolver, relative_below

if TYPE_CHECKING:
    import pathspec

SOURCE_SUFFIXES = (".py", ".ipynb")


@dataclass
class Discovered:
    files: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)


def as_resolver(configs: Union[Config, ConfigResolver]) -> ConfigResolver:
    """A Config built in code applies to every file."""
    return configs if isinstance(configs, ConfigResolver) else ConfigResolver(configs)


class IgnoreFiles:
    """What ``.gitignore``, ``.ignore`` and ``.git/info/exclude`` ignore, read as git
    and ruff read them: the deepest file that matches decides (so a ``!pattern`` there
    re-includes), ``.ignore`` before ``.gitignore`` in one directory, the repository's
    ``info/exclude`` last; ``.gitignore`` files count only inside a git repository."""

    def __init__(self) -> None:
        # directory -> the ignore files that apply in it, deepest first (plain strings:
        # this runs for every file and directory a walk meets)
        self._applicable: Dict[str, List[Tuple[str, pathspec.GitIgnoreSpec]]] = {}
        self._in_git: Dict[str, bool] = {}

    def ignored(self, path: str, directory: bool = False) -> bool:
        target = os.path.abspath(path)
        for base, spec in self._specs(os.path.dirname(target)):
            rel = relative_below(target, base)
            if rel is None:  # not reached: the ignore files come from the path's ancestors
                continue
            include = spec.check_file(f"{rel}/" if directory else rel).include
            if include is not None:
                return include
        return False

    def _specs(self, directory: str) -> List[Tuple[str, pathspec.GitIgnoreSpec]]:
        if directory not in self._applicable:
            names = (".ignore", ".gitignore") if self._inside_git(directory) else (".ignore",)
            found = [
                (directory, spec)
                for name in names
                for spec in [_read_spec(os.path.join(directory, name))]
                if spec is not None
            ]
            parent = os.path.dirname(directory)
            if os.path.isdir(os.path.join(directory, ".git")):
                exclude = _read_spec(os.path.join(directory, ".git", "info", "exclude"))
                found.extend([(directory, exclude)] if exclude is not None else [])
            elif parent != directory:
                found.extend(self._specs(parent))
            self._applicable[directory] = found
        return self._applicable[directory]

    def _inside_git(self, directory: str) -> bool:
        if directory not in self._in_git:
            parent = os.path.dirname(directory)
            self._in_git[directory] = os.path.exists(os.path.join(directory, ".git")) or (
                parent != directory and self._inside_git(parent)
            )
        return self._in_git[directory]


def _read_spec(path: str) -> Optional[pathspec.GitIgnoreSpec]:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
    except OSError:  # absent (the usual case) or unreadable: ignores nothing
        return None
    import pathspec  # imported with the first ignore file found

    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())


def excluded(
    path: str, config: Config, directory: bool = False, ignores: Optional[IgnoreFiles] = None
) -> bool:
    """Whether ``config``'s exclude patterns or, if it respects them, the ignore
    files drop ``path``."""
    if config.excludes(path, directory):
        return True
    return config.respect_gitignore and (ignores or IgnoreFiles()).ignored(path, directory)


def discover(
    paths: Sequence[str], configs: Union[Config, ConfigResolver], force_exclude: bool = False
) -> Discovered:
    """Files to lint, in a stable order; explicit files are kept unless force-excluded."""
    resolver = as_resolver(configs)
    ignores = IgnoreFiles()
    found = Discovered()
    seen = set()

    def add(path: str) -> None:
        key = os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in _walk(raw, resolver, ignores):
                add(file)
        elif path.exists() or path.is_symlink():
            if not (force_exclude and excluded(raw, resolver.config_for(raw), False, ignores)):
                add(raw)
        else:
            found.missing.append(raw)
    return found


def _walk(root: str, resolver: ConfigResolver, ignores: IgnoreFiles) -> List[str]:
    files = []
    for directory, dirnames, filenames in os.walk(root):
        config = resolver.config_for(directory)
        dirnames[:] = sorted(
            d for d in dirnames if not excluded(os.path.join(directory, d), config, True, ignores)
        )
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                candidate = os.path.normpath(os.path.join(directory, name))
                if not excluded(candidate, config, False, ignores):
                    files.append(candidate)
    return files
