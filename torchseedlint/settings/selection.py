"""Rule selection: which rules ``select``/``extend-select``/``ignore`` and friends name.

This layer does not know the rules; the registry (``torchseedlint.rules``) passes
its catalogue in.
"""

from __future__ import annotations

from typing import Iterable, List, Protocol, Sequence, Tuple, TypeVar

from torchseedlint.settings.config import Config, ConfigError


class RuleInfo(Protocol):
    """What selection reads of a rule (a rule class, or its catalogue entry)."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def default_enabled(self) -> bool: ...


R = TypeVar("R", bound=RuleInfo)


def matching(selector: str, rules: Sequence[R]) -> List[R]:
    """Rules a selector names: ``ALL``, a code, a prefix (``TSL2``) or a rule name."""
    selector = selector.strip()
    if selector.upper() == "ALL":
        return list(rules)
    by_name = [rule for rule in rules if rule.name == selector]
    if by_name:
        return by_name
    upper = selector.upper()
    found = [rule for rule in rules if rule.code.startswith(upper)]
    if not found or not upper.startswith("TSL"):
        raise ConfigError(f"unknown rule selector: {selector!r}")
    return found


def expand(selectors: Iterable[str], rules: Sequence[RuleInfo]) -> Tuple[str, ...]:
    """The codes the selectors name, in selector order (an unknown one raises ConfigError)."""
    return tuple(rule.code for selector in selectors for rule in matching(selector, rules))


def selected_codes(config: Config, rules: Sequence[RuleInfo]) -> Tuple[str, ...]:
    """The codes enabled by select/extend-select/ignore, in code order."""
    if config.select is None:
        enabled = {rule.code for rule in rules if rule.default_enabled}
    else:
        enabled = set(expand(config.select, rules))
    enabled |= set(expand(config.extend_select, rules))
    enabled -= set(expand(config.ignore, rules))
    return tuple(rule.code for rule in rules if rule.code in enabled)
