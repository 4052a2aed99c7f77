"""The rule registry; selection (``--select``, ``--ignore``, ...) over it is ``settings.selection``."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Tuple, Type

from torchseedlint.settings import selection
from torchseedlint.settings.config import Config
from torchseedlint.rules import (
    cuda, dataloader, ordering, processes, seed_values, seeding, suppressions, tool,
)
from torchseedlint.rules.base import Example, Rule

# Each family module defines its rules as classes with a ``code``; registering a
# rule is writing it in one of these modules.
_FAMILIES = (tool, suppressions, seeding, seed_values, processes, dataloader, cuda, ordering)


def _rules_in(module: object) -> List[Type[Rule]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Rule) and "code" in vars(value)
    ]


ALL_RULES: Tuple[Type[Rule], ...] = tuple(
    sorted({rule for family in _FAMILIES for rule in _rules_in(family)}, key=lambda r: r.code)
)

RULES_BY_CODE: Dict[str, Type[Rule]] = {rule.code: rule for rule in ALL_RULES}
RULES_BY_NAME: Dict[str, Type[Rule]] = {rule.name: rule for rule in ALL_RULES}


def matching(selector: str) -> List[Type[Rule]]:
    """Rules a selector names: ``ALL``, a code, a prefix (``TSL2``) or a rule name."""
    return selection.matching(selector, ALL_RULES)


def expand(selectors: Iterable[str]) -> Tuple[str, ...]:
    """The codes the selectors name (an unknown selector raises ConfigError)."""
    return selection.expand(selectors, ALL_RULES)


def selected_codes(config: Config) -> Tuple[str, ...]:
    """The codes enabled by select/extend-select/ignore, in code order."""
    return selection.selected_codes(config, ALL_RULES)


@lru_cache(maxsize=None)
def triggers(codes: Tuple[str, ...]) -> FrozenSet[str]:
    """The lower-cased words one of which a file must contain for one of ``codes`` to
    report anything in it (see ``torchseedlint.engine.screen``); each family declares
    ``TRIGGERS``, a code -> words table, beside its rules."""
    found = set()
    for code in codes:
        family = sys.modules[RULES_BY_CODE[code].__module__]
        found.update(word.lower() for word in getattr(family, "TRIGGERS")[code])
    return frozenset(found)


__all__ = [
    "ALL_RULES",
    "RULES_BY_CODE",
    "RULES_BY_NAME",
    "Example",
    "Rule",
    "expand",
    "matching",
    "selected_codes",
    "triggers",
]
