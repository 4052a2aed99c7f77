"""The rule registry; selection (``--select``, ``--ignore``, ...) over it is ``settings.selection``.

Each package under ``rules/`` is a family, and each of its ``tslNNN_<name>.py``
modules defines one rule: adding a rule is adding its module (then regenerating
the docs, ``scripts/gen_rule_docs.py``). Nothing lists the rules by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import ModuleType
from typing import Dict, FrozenSet, Iterable, List, Set, Tuple, Type

from torchseedlint.rules.base import Example, Rule
from torchseedlint.settings import selection
from torchseedlint.settings.config import Config


def _rule_modules() -> Tuple[ModuleType, ...]:
    """The ``tsl*`` modules of every family package, imported."""
    found = []
    for family in pkgutil.iter_modules(__path__):
        if not family.ispkg:
            continue
        package = importlib.import_module(f"{__name__}.{family.name}")
        for module in pkgutil.iter_modules(package.__path__):
            if module.name.startswith("tsl"):
                found.append(importlib.import_module(f"{package.__name__}.{module.name}"))
    return tuple(found)


def rules_defined_in(module: ModuleType) -> List[Type[Rule]]:
    """The rules (classes with a ``code``) that ``module`` defines, not those it imports."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Rule)
        and "code" in vars(value)
        and value.__module__ == module.__name__
    ]


RULE_MODULES: Tuple[ModuleType, ...] = _rule_modules()

ALL_RULES: Tuple[Type[Rule], ...] = tuple(
    sorted(
        (rule for module in RULE_MODULES for rule in rules_defined_in(module)),
        key=lambda rule: rule.code,
    )
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
    report anything in it (see ``torchseedlint.engine.screen``): each rule's ``triggers``."""
    found: Set[str] = set()
    for code in codes:
        found.update(word.lower() for word in RULES_BY_CODE[code].triggers)
    return frozenset(found)


__all__ = [
    "ALL_RULES",
    "RULES_BY_CODE",
    "RULES_BY_NAME",
    "RULE_MODULES",
    "Example",
    "Rule",
    "expand",
    "matching",
    "rules_defined_in",
    "selected_codes",
    "triggers",
]
