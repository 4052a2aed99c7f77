"""Which files a run lints: walk directories, honour exclude patterns."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Sequence

from torchseedlint.config import Config, is_excluded

SOURCE_SUFFIXES = (".py", ".ipynb")


@dataclass
class Discovered:
    files: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)


def excluded(path: str, config: Config) -> bool:
    """Whether the exclude patterns drop ``path`` (relative to the config root)."""
    patterns = (*config.exclude, *config.extend_exclude)
    return is_excluded(config.relative(path), patterns)


def discover(paths: Sequence[str], config: Config, force_exclude: bool = False) -> Discovered:
    """Files to lint, in a stable order; explicit files are kept unless force-excluded."""
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
            for file in _walk(raw, config):
                add(file)
        elif path.exists() or path.is_symlink():
            if not (force_exclude and excluded(raw, config)):
                add(raw)
        else:
            found.missing.append(raw)
    return found


def _walk(root: str, config: Config) -> List[str]:
    files = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not excluded(os.path.join(directory, d), config)
        )
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                candidate = os.path.normpath(os.path.join(directory, name))
                if not excluded(candidate, config):
                    files.append(candidate)
    return files
