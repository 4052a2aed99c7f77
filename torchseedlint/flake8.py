"""torchseedlint as a flake8 plugin (entry point ``flake8.extension``: ``TSL``).

The plugin runs the same engine as the CLI. Rule selection is left to flake8
(``--select``/``--extend-select``/``--ignore``/``# noqa``): every rule runs here,
and the rules that are off by default are added to flake8's default ignore list.
Analysis settings (``seed-functions``, ``entry-points``, ``torch-version``) are
read from the nearest ``[tool.torchseedlint]`` table, as the CLI does.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Iterator, List, Tuple

from torchseedlint import __version__
from torchseedlint.config import Config, ConfigError, find_config_file, load_config
from torchseedlint.engine import lint_source
from torchseedlint.rules import ALL_RULES

Finding = Tuple[int, int, str, type]


def _config_for(filename: str) -> Config:
    """The project's analysis settings, with every rule selected for flake8 to filter."""
    config = Config()
    if filename not in ("stdin", "-", ""):
        try:
            pyproject = find_config_file(Path(filename).absolute())
            if pyproject is not None:
                config = load_config(pyproject)
        except ConfigError:
            # A broken [tool.torchseedlint] table is the CLI's to report; flake8
            # still lints with the defaults.
            config = Config()
    return config.with_overrides(select=("ALL",), extend_select=(), ignore=(),
                                 per_file_ignores=())


class Plugin:
    name = "torchseedlint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: List[str], filename: str = "stdin") -> None:
        # flake8 hands over the physical lines; the engine parses them with libcst.
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.extend_default_ignore(
            [rule.code for rule in ALL_RULES if not rule.default_enabled]
        )

    def run(self) -> Iterator[Finding]:
        source = "".join(self.lines)
        config = _config_for(self.filename)
        for d in lint_source(source, self.filename, config):
            # flake8 adds 1 to the column a plugin yields, so yield it 0-based.
            yield (
                d.location.row,
                d.location.column - 1,
                f"{d.code} {d.name}: {d.message}",
                type(self),
            )
