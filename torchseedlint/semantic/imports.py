"""Which section of a module's imports an import belongs to, as isort and ruff's
``I`` rules group them: ``__future__``, the standard library, third-party
packages, then the project's own (relative) imports."""

from __future__ import annotations

import sys

# Python 3.10+; on 3.9 nothing is known to be the standard library.
STDLIB_MODULES = frozenset(getattr(sys, "stdlib_module_names", ()))

FUTURE, STDLIB, THIRD_PARTY, LOCAL = range(4)


def import_section(module: str, level: int = 0) -> int:
    if level:
        return LOCAL
    top = module.split(".")[0]
    if top == "__future__":
        return FUTURE
    return STDLIB if top in STDLIB_MODULES else THIRD_PARTY
