"""What a module is to the project: an entry point, a library module, or a test.

Rules read the role from ``Context.role``; the project model (``torchseedlint.project``)
decides it from the project index, file names, pytest/unittest shapes, ``__main__``
blocks, top-level calls and packaging metadata, and says why in ``ModuleRole.reason``
(printed by ``--show-roles``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Tuple


class Role(str, Enum):
    ENTRY = "entry point"
    LIBRARY = "library"
    TEST = "test"


@dataclass(frozen=True)
class ModuleRole:
    role: Role
    reason: str
    # For a library module: the project entry points that import it, for messages.
    imported_by: Tuple[str, ...] = ()

    @property
    def is_entry_point(self) -> bool:
        return self.role is Role.ENTRY


ENTRY_BY_DEFAULT = ModuleRole(Role.ENTRY, "linted alone")
