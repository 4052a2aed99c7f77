"""What a rule sees when it runs: one module's facts and analysis, and the settings in force.

The rules and the fix builders both read a :class:`Context`; it lives below both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Hashable, List, Optional, Tuple, TypeVar, cast

from torchseedlint.semantic.analysis import ModuleAnalysis
from torchseedlint.semantic.facts import ModuleFacts
from torchseedlint.semantic.roles import ModuleRole, Role
from torchseedlint.settings.config import Config

T = TypeVar("T")


@dataclass
class Context:
    """Everything a rule may read about the module it checks."""

    path: str
    source: str
    facts: ModuleFacts
    analysis: ModuleAnalysis
    config: Config
    is_entry_point: bool
    # Entry point, library module or test, and why (see torchseedlint.semantic.roles).
    role: ModuleRole = ModuleRole(Role.ENTRY, "linted alone")
    # The codes that run on this module (selection less per-file ignores): a rule
    # leaves a root cause to the rule that reports it.
    codes: FrozenSet[str] = frozenset()
    torch_version: Optional[Tuple[int, ...]] = None
    torchvision_version: Optional[Tuple[int, ...]] = None
    # False where no fix can be applied (the editor publishing diagnostics builds
    # them later, from libcst, when a code action is asked for).
    build_fixes: bool = True
    # What several rules and fix builders work out about the same module, worked
    # out once (see ``memoized``). Not an init field: a copy of a context starts empty.
    memo: Dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memoized(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per module and ``key``."""
        if key not in self.memo:
            self.memo[key] = compute()
        return cast(T, self.memo[key])

    @property
    def lines(self) -> List[str]:
        return self.source.splitlines(keepends=True)
