"""Where a project starts: the nearest directory holding a project marker.

Settings are read from there and the project index resolves imports from there;
kept apart from the index so that finding the root imports no analysis.
"""

from __future__ import annotations

from pathlib import Path

# Directories that mark the top of a project.
ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git", ".hg")


def find_project_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding a project marker."""
    directory = (start if start.is_dir() else start.parent).resolve()
    for candidate in (directory, *directory.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return directory
