"""The rule registry; selection (``--select``, ``--ignore``, ...) over it is ``settings.selection``.

Each package under ``rules/`` is a family, and each of its ``tslNNN_<name>.py``
modules defines one rule: adding a rule is adding its module (then regenerating
the docs and the catalogue, ``scripts/gen_rule_docs.py``). Nothing lists the rules
by hand.

Selection and the text screen read the generated catalogue
(:mod:`torchseedlint.rules.catalog`); the rule modules are imported on first use of
``ALL_RULES``, ``RULES_BY_CODE`` and friends: a run whose files all pass the screen
untouched imports no rule (importing them costs more than linting a clean file).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterable, List, Set, Tuple, Type

from torchseedlint.rules.catalog import CATALOG, RuleEntry
from torchseedlint.settings import selection
from torchseedlint.settings.config import Config

if TYPE_CHECKING:
    from torchseedlint.rules.base import Example, Rule

    RULE_MODULES: Tuple[ModuleType, ...]
    ALL_RULES: Tuple[Type[Rule], ...]
    RULES_BY_CODE: Dict[str, Type[Rule]]
    RULES_BY_NAME: Dict[str, Type[Rule]]


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
    from torchseedlint.rules.base import Rule

    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Rule)
        and "code" in vars(value)
        and value.__module__ == module.__name__
    ]


@lru_cache(maxsize=None)
def _registry() -> Dict[str, Any]:
    modules = _rule_modules()
    rules = tuple(
        sorted(
            (rule for module in modules for rule in rules_defined_in(module)),
            key=lambda rule: rule.code,
        )
    )
    return {
        "RULE_MODULES": modules,
        "ALL_RULES": rules,
        "RULES_BY_CODE": {rule.code: rule for rule in rules},
        "RULES_BY_NAME": {rule.name: rule for rule in rules},
    }


def __getattr__(name: str) -> Any:
    if name in ("Rule", "Example"):
        from torchseedlint.rules import base

        return getattr(base, name)
    if name in ("RULE_MODULES", "ALL_RULES", "RULES_BY_CODE", "RULES_BY_NAME"):
        return _registry()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def matching(selector: str) -> List[Type[Rule]]:
    """Rules a selector names: ``ALL``, a code, a prefix (``TSL2``) or a rule name."""
    by_code: Dict[str, Type[Rule]] = _registry()["RULES_BY_CODE"]
    return [by_code[entry.code] for entry in selection.matching(selector, CATALOG)]


def expand(selectors: Iterable[str]) -> Tuple[str, ...]:
    """The codes the selectors name (an unknown selector raises ConfigError)."""
    return selection.expand(selectors, CATALOG)


def selected_codes(config: Config) -> Tuple[str, ...]:
    """The codes enabled by select/extend-select/ignore, in code order."""
    return selection.selected_codes(config, CATALOG)


@lru_cache(maxsize=None)
def triggers(codes: Tuple[str, ...]) -> FrozenSet[str]:
    """The lower-cased words one of which a file must contain for one of ``codes`` to
    report anything in it (see ``torchseedlint.engine.screen``): each rule's ``triggers``."""
    by_code = {entry.code: entry for entry in CATALOG}
    found: Set[str] = set()
    for code in codes:
        found.update(word.lower() for word in by_code[code].triggers)
    return frozenset(found)


__all__ = [
    "ALL_RULES",
    "CATALOG",
    "RULES_BY_CODE",
    "RULES_BY_NAME",
    "RULE_MODULES",
    "Example",
    "Rule",
    "RuleEntry",
    "expand",
    "matching",
    "rules_defined_in",
    "selected_codes",
    "triggers",
]
