"""torchseedlint as a flake8 plugin (entry point ``flake8.extension``: ``TSL``).

The plugin runs the same engine as the CLI. Rule selection is left to flake8
(``--select``/``--extend-select``/``--ignore``/``# noqa``): every rule runs here,
and the rules that are off by default are added to flake8's default ignore list.
Analysis settings (``seed-functions``, ``entry-points``, ``torch-version``) come
from each file's closest configuration, as the CLI reads them.

flake8 hands a plugin one file at a time, but what a file is credited with
(seeding done by a helper in another module) and its role (an entry point, or a
library module others import) depend on the rest of the project. So the first
file of a project that a flake8 process checks runs torchseedlint over the whole
project (the project root, as ``torchseedlint <root>``; through the same cache),
and every file of it is then answered from that run: the findings are the
CLI's. flake8 runs plugins in several processes; each does this once per
project. A file whose text is not what is on disk (``--stdin-display-name``) or
that the run did not lint (excluded, outside the root) is linted alone against
that run's project index.

A file in no project (no configuration file or project marker above it) is
linted alone, as ``torchseedlint FILE`` lints it.

Where it differs from the CLI: torchseedlint's ``select``, ``ignore`` and
``per-file-ignores`` do not apply, flake8's options decide which codes are shown;
as every rule runs, a ``# noqa`` for a rule flake8 does not show still counts as
used.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from torchseedlint import __version__
from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.engine.results import RunResult
from torchseedlint.engine.runner import lint_file_text, lint_paths, lint_source, project_root
from torchseedlint.rules import ALL_RULES
from torchseedlint.settings.config import Config, ConfigError, ConfigResolver
from torchseedlint.settings.project_root import ROOT_MARKERS

Finding = Tuple[int, int, str, type]

# One run per project root (or lone file) in this flake8 process.
_RUNS: Dict[Path, RunResult] = {}


def _every_rule(config: Config) -> Config:
    """The file's settings, with every rule selected for flake8 to filter."""
    return config.with_overrides(select=("ALL",), extend_select=(), ignore=(), per_file_ignores=())


def _run_for(filename: str) -> RunResult:
    """The run that covers ``filename``: of its project, or of the file alone when it
    is in no project (no configuration, no project marker above it), where linting
    its directory could mean a whole home directory."""
    config = ConfigResolver().config_for(filename)
    root = project_root(config, [filename]).resolve()
    if config.root is None and not any((root / marker).exists() for marker in ROOT_MARKERS):
        root = Path(filename).resolve()
    if root not in _RUNS:
        _RUNS[root] = lint_paths([str(root)], ConfigResolver(prepare=_every_rule), use_cache=True)
    return _RUNS[root]


def _findings(source: str, filename: str) -> List[Diagnostic]:
    if filename in ("stdin", "-", ""):
        return lint_source(source, filename, _every_rule(Config()))
    try:
        run = _run_for(filename)
    except ConfigError:
        # A broken configuration is the CLI's to report; flake8 still lints the
        # file alone, with the defaults.
        return lint_source(source, filename, _every_rule(Config()))
    path = Path(filename).resolve()
    for result in run.files:
        if (
            Path(result.path).resolve() == path
            and result.source is not None
            and result.source.text == source
        ):
            return result.diagnostics
    config: Optional[Config] = run.config_for(filename)
    return lint_file_text(
        source, filename, config or _every_rule(Config()), run.project, fresh=True
    ).diagnostics


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
        for d in _findings("".join(self.lines), self.filename):
            # flake8 adds 1 to the column a plugin yields, so yield it 0-based.
            yield (
                d.location.row,
                d.location.column - 1,
                f"{d.code} {d.name}: {d.message}",
                type(self),
            )
