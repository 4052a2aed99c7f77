"""The rule registry and rule selection (``--select``, ``--ignore``, ...)."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Sequence, Tuple, Type

from torchseedlint.config import Config, ConfigError
from torchseedlint.rules import (
    cuda, dataloader, ordering, processes, seed_values, seeding, suppressions, tool,
)
from torchseedlint.rules.base import Context, Example, Rule

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
    selector = selector.strip()
    if selector.upper() == "ALL":
        return list(ALL_RULES)
    if selector in RULES_BY_NAME:
        return [RULES_BY_NAME[selector]]
    upper = selector.upper()
    found = [rule for rule in ALL_RULES if rule.code.startswith(upper)]
    if not found or not upper.startswith("TSL"):
        raise ConfigError(f"unknown rule selector: {selector!r}")
    return found


def _codes(selectors: Iterable[str]) -> List[str]:
    return [rule.code for selector in selectors for rule in matching(selector)]


def selected_codes(config: Config) -> Tuple[str, ...]:
    """The codes enabled by select/extend-select/ignore, in code order."""
    if config.select is None:
        enabled = {rule.code for rule in ALL_RULES if rule.default_enabled}
    else:
        enabled = set(_codes(config.select))
    enabled |= set(_codes(config.extend_select))
    enabled -= set(_codes(config.ignore))
    return tuple(code for code in RULES_BY_CODE if code in enabled)


def validate_codes(codes: Sequence[str]) -> None:
    _codes(codes)


@lru_cache(maxsize=None)
def triggers(codes: Tuple[str, ...]) -> FrozenSet[str]:
    """The lower-cased words one of which a file must contain for one of ``codes`` to
    report anything in it (see ``torchseedlint.screen``); each family declares
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
    "Context",
    "Example",
    "Rule",
    "matching",
    "selected_codes",
    "triggers",
    "validate_codes",
]
