"""What a run produces: one :class:`FileResult` per file, gathered in a :class:`RunResult`.

Plain data, stored as is by the result cache (``engine.cache``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.engine.notebook import Notebook
from torchseedlint.engine.sources import DecodedSource
from torchseedlint.semantic.facts import ModuleFacts
from torchseedlint.settings.config import Config, ConfigResolver
from torchseedlint.suppression.noqa import Suppressions

if TYPE_CHECKING:  # the index is built where files are parsed
    from torchseedlint.semantic.project import ProjectIndex


@dataclass
class FileResult:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    # Diagnostics silenced by a suppression comment (kept for TSL001 and --add-noqa).
    suppressed: List[Diagnostic] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    suppressions: Optional[Suppressions] = None
    source: Optional[DecodedSource] = None
    facts: Optional[ModuleFacts] = None
    # For a .ipynb file: the joined code cells that were linted (``source`` is None;
    # diagnostics are in joined rows; fixed text goes back with ``notebook.write_back``).
    notebook: Optional[Notebook] = None

    def located(self) -> List[Diagnostic]:
        """The diagnostics as shown to users: in a notebook, by cell and row in the cell."""
        if self.notebook is None:
            return self.diagnostics
        return [self.notebook.locate(d) for d in self.diagnostics]


@dataclass
class RunResult:
    files: List[FileResult]
    missing_paths: List[str] = field(default_factory=list)
    # What the files were linted with (the run's config with inferred versions, each
    # file's settings, the project index), so --fix relints its edits the same way.
    config: Optional[Config] = None
    project: Optional[ProjectIndex] = None
    configs: Optional[ConfigResolver] = None

    def config_for(self, path: str) -> Optional[Config]:
        return self.configs.config_for(path) if self.configs is not None else self.config

    @property
    def diagnostics(self) -> List[Diagnostic]:
        found = [d for result in self.files for d in result.located()]
        return sorted(found, key=Diagnostic.sort_key)

    @property
    def internal_errors(self) -> List[str]:
        return [error for result in self.files for error in result.internal_errors]
