"""Rule documentation rendered from the rule classes: ``--explain``, ``--list-rules``
and ``docs/rules.md`` (written by ``scripts/gen_rule_docs.py``).

The docstrings are the single source: the page a user reads in the terminal and
the one linked from each diagnostic's ``url`` are the same text.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Type

from torchseedlint.core.diagnostics import Applicability
from torchseedlint.rules import ALL_RULES, RULES_BY_CODE, RULES_BY_NAME, Rule

_FIX_TEXT: Dict[Optional[Applicability], str] = {
    Applicability.SAFE: "Fix is always available (safe).",
    Applicability.UNSAFE: "Fix is available (unsafe).",
    None: "No fix available.",
}


# "32 rules in five families" at the start of a README line.
_RULE_COUNT = re.compile(r"^\d+ rules in \w+ famil(?:y|ies)", re.MULTILINE)
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def rule_count_sentence() -> str:
    """The README's count: the rules, and their families by code range (TSL0xx, TSL1xx, ...)."""
    families = len({rule.code[:4] for rule in ALL_RULES})
    word = _NUMBER_WORDS[families] if families < len(_NUMBER_WORDS) else str(families)
    return f"{len(ALL_RULES)} rules in {word} famil{'y' if families == 1 else 'ies'}"


def with_rule_count(readme: str) -> str:
    """``readme`` with its rule count sentence brought up to date (written by
    ``scripts/gen_rule_docs.py``); a README without one raises ValueError."""
    updated, found = _RULE_COUNT.subn(rule_count_sentence(), readme, count=1)
    if not found:
        raise ValueError("no 'N rules in N families' sentence at the start of a README line")
    return updated


def find_rule(selector: str) -> Optional[Type[Rule]]:
    """A rule by code (any case) or by name."""
    selector = selector.strip()
    return RULES_BY_CODE.get(selector.upper()) or RULES_BY_NAME.get(selector)


def fix_text(rule: Type[Rule]) -> str:
    return _FIX_TEXT.get(rule.fix_safety, _FIX_TEXT[None])


def default_text(rule: Type[Rule]) -> str:
    if rule.default_enabled:
        return "Enabled by default."
    return f"Disabled by default: enable it with `--extend-select {rule.code}`."


def anchor(rule: Type[Rule]) -> str:
    """The ``docs/rules.md`` anchor, as in the JSON output's ``url``."""
    return f"{rule.code.lower()}-{rule.name}"


def _body(rule: Type[Rule], heading: str) -> str:
    """The docstring with its ``## `` sections moved to ``heading`` level."""
    lines = rule.doc().splitlines()
    return "\n".join(
        heading + line[3:] if line.startswith("## ") else line for line in lines
    ).strip()


def rule_page(rule: Type[Rule]) -> str:
    """The ``--explain`` page."""
    return (
        f"# {rule.name} ({rule.code})\n\n{fix_text(rule)}\n{default_text(rule)}\n\n"
        f"{_body(rule, '## ')}\n"
    )


def rule_line(rule: Type[Rule]) -> str:
    """One ``--list-rules`` line: code, name, default on/off, fix availability."""
    fix = rule.fix_safety or "none"
    state = "on" if rule.default_enabled else "off"
    return f"{rule.code:<7} {rule.name:<40} {state:<4} fix: {fix}"


def rules_markdown() -> str:
    """The whole of ``docs/rules.md``."""
    out: List[str] = [
        "# Rules",
        "",
        "<!-- Generated from the rule docstrings by scripts/gen_rule_docs.py: edit those, "
        "then run `python scripts/gen_rule_docs.py`. -->",
        "",
        "| Code | Name | Default | Fix |",
        "|---|---|---|---|",
    ]
    for rule in ALL_RULES:
        state = "on" if rule.default_enabled else "off"
        out.append(
            f"| [{rule.code}](#{anchor(rule)}) | {rule.name} | {state} | {rule.fix_safety or '-'} |"
        )
    for rule in ALL_RULES:
        out += [
            "",
            f'<a id="{anchor(rule)}"></a>',
            "",
            f"## {rule.code} {rule.name}",
            "",
            fix_text(rule),
            default_text(rule),
            "",
            _body(rule, "### "),
        ]
    return "\n".join(out) + "\n"


_CATALOG_HEADER = '''"""The rule catalogue: what selection and the text screen read of every rule.

Generated from the rules by ``python scripts/gen_rule_docs.py``; do not edit
(``tests/rules/test_registry.py`` fails when it is stale). It lets a run select
rules and screen files without importing the rule modules.
"""

from __future__ import annotations

from typing import FrozenSet, NamedTuple, Tuple


class RuleEntry(NamedTuple):
    code: str
    name: str
    default_enabled: bool
    module: str
    triggers: FrozenSet[str]


CATALOG: Tuple[RuleEntry, ...] = (
'''


def catalog_source() -> str:
    """The source of ``torchseedlint/rules/catalog.py``, from the registry (ruff-formatted)."""
    lines = [_CATALOG_HEADER]
    for rule in ALL_RULES:
        words = "".join(
            f"                {word!r},\n".replace("'", '"') for word in sorted(rule.triggers)
        )
        triggers = (
            f"frozenset(\n            {{\n{words}            }}\n        )"
            if words
            else "frozenset()"
        )
        lines.append(
            "    RuleEntry(\n"
            f'        code="{rule.code}",\n'
            f'        name="{rule.name}",\n'
            f"        default_enabled={rule.default_enabled},\n"
            f'        module="{rule.__module__}",\n'
            f"        triggers={triggers},\n"
            "    ),\n"
        )
    lines.append(")\n")
    return "".join(lines)
