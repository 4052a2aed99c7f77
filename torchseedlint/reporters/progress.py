"""A progress bar on stderr for long runs, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import Any, Optional, TextIO

import click

# Short runs finish before a bar would be readable; it would only flicker.
MIN_FILES = 50


class Progress:
    """Pass as ``lint_paths(progress=...)``; call :meth:`close` when the run ends."""

    def __init__(self, stream: Optional[TextIO] = None) -> None:
        self.stream = stream or sys.stderr
        self.bar: Optional[Any] = None

    def __call__(self, done: int, total: int) -> None:
        if total < MIN_FILES or not self.stream.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Linting", file=self.stream)
            self.bar.__enter__()
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
