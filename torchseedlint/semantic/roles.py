"""What a module is to the project: an entry point, a library module, or a test.

Rules read the role from ``Context.role``; the project model (``torchseedlint.semantic.project``)
decides it from the project index, file names, pytest/unittest shapes, ``__main__``
blocks, top-level calls and packaging metadata, and says why in ``ModuleRole.reason``
(printed by ``--show-roles``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import PurePosixPath
from typing import Optional, Sequence, Tuple

from torchseedlint.semantic.facts import ModuleFacts


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


# Folders whose files are tests, as pytest and most projects lay them out.
_TEST_FOLDERS = frozenset({"tests", "test"})


def test_file_reason(relative_path: str) -> Optional[str]:
    """Why a path names a test file (``relative_path`` from the project root), or None."""
    path = PurePosixPath(relative_path)
    if path.name == "conftest.py":
        return "pytest `conftest.py`"
    if path.name.startswith("test_") or path.stem.endswith("_test"):
        return "test file name"
    for folder in path.parts[:-1]:
        if folder in _TEST_FOLDERS:
            return f"under `{folder}/`"
    return None


def test_code_reason(facts: ModuleFacts) -> Optional[str]:
    """Why a module's code is a test suite (a ``TestCase`` class, or pytest tests), or None."""
    for name, bases in facts.classes.items():
        if any(base.rsplit(".", 1)[-1] == "TestCase" for base in bases):
            return f"`{name}` is a `TestCase`"
    uses_pytest = any(target.split(".")[0] == "pytest" for target in facts.aliases.values())
    tests = [
        f.name
        for f in facts.functions.values()
        if f.name.startswith("test") and f.class_name is None and not f.is_nested
    ]
    if uses_pytest and tests:
        return f"pytest tests (`{tests[0]}`)"
    return None


def decide_role(
    relative_path: str,
    facts: ModuleFacts,
    *,
    configured_entry: bool = False,
    configured_test: bool = False,
    script: Optional[str] = None,
    program_reason: Optional[str] = None,
    importers: Sequence[str] = (),
) -> ModuleRole:
    """One module's role, most explicit evidence first.

    ``script``: the ``[project.scripts]`` entry that runs it; ``program_reason``:
    why its own code looks like a program (a ``__main__`` block, draws at module
    level), see ``ModuleAnalysis.entry_point_reason``; ``importers``: the non-test
    project modules that import it (a module others import is a library, and its
    ``__main__`` block a demo).
    """
    if configured_entry:
        return ModuleRole(Role.ENTRY, "`entry-points` setting")
    if configured_test:
        return ModuleRole(Role.TEST, "`test-paths` setting")
    reason = test_file_reason(relative_path) or test_code_reason(facts)
    if reason is not None:
        return ModuleRole(Role.TEST, reason)
    if script is not None:
        return ModuleRole(Role.ENTRY, f"console script `{script}`")
    if relative_path.endswith(".ipynb"):
        return ModuleRole(Role.ENTRY, "notebook")
    if importers:
        shown = ", ".join(f"`{name}`" for name in importers[:3])
        more = f" and {len(importers) - 3} more" if len(importers) > 3 else ""
        demo = "; its `__main__` block is a demo" if facts.has_main_guard else ""
        return ModuleRole(Role.LIBRARY, f"imported by {shown}{more}{demo}", tuple(importers))
    if program_reason is not None:
        return ModuleRole(Role.ENTRY, program_reason)
    return ModuleRole(Role.LIBRARY, "nothing runs at import")
