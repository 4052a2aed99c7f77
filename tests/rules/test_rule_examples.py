"""Every rule's VALID and INVALID examples, run through the public API."""

from __future__ import annotations

import re
import textwrap
from typing import List, Tuple, Type

import pytest

from torchseedlint import lint_source
from torchseedlint.fix.loop import fix_text
from torchseedlint.rules import ALL_RULES, Example, Rule
from torchseedlint.settings.config import config_from_mapping


def _examples(kind: str) -> List[Tuple[str, Type[Rule], Example]]:
    cases = []
    for rule in ALL_RULES:
        for index, example in enumerate(getattr(rule, kind)):
            if isinstance(example, str):
                example = Example(example)
            cases.append((f"{rule.code}-{kind.lower()}-{index}", rule, example))
    return cases


def _codes(rule: Type[Rule], example: Example) -> List[str]:
    config = config_from_mapping({**example.settings, "select": [rule.code]})
    return [d.code for d in lint_source(example.code, example.path, config)]


@pytest.mark.parametrize(
    "case_id,rule,example", _examples("VALID"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_valid_example_is_clean(case_id: str, rule: Type[Rule], example: Example) -> None:
    assert example.fixed is None, "a VALID example has nothing to fix"
    assert rule.code not in _codes(rule, example), example.code


@pytest.mark.parametrize(
    "case_id,rule,example", _examples("INVALID"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_invalid_example_is_reported(case_id: str, rule: Type[Rule], example: Example) -> None:
    assert rule.code in _codes(rule, example), example.code


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_has_examples_and_docs(rule: Type[Rule]) -> None:
    assert rule.VALID and rule.INVALID
    doc = rule.__doc__ or ""
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert section in doc, f"{rule.code} docstring lacks {section!r}"


@pytest.mark.parametrize(
    "case_id,rule,example", _examples("INVALID"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_fixes_of_invalid_examples_are_sound(
    case_id: str, rule: Type[Rule], example: Example
) -> None:
    """Every fix a rule offers on its own examples: the result compiles, the rule is
    gone, nothing is dropped, and a second round changes nothing."""
    config = config_from_mapping({**example.settings, "select": [rule.code]})
    found = lint_source(example.code, example.path, config)
    if not any(d.fix for d in found if d.code == rule.code):
        assert example.fixed is None, (
            f"{rule.code} does not fix an example that states its fixed code"
        )
        return
    assert rule.fix_safety is not None, f"{rule.code} offers a fix but declares none"
    outcome = fix_text(example.code, example.path, config, unsafe=True)
    assert not outcome.dropped
    if example.fixed is not None:
        assert outcome.text == example.fixed
    compile(outcome.text, example.path, "exec")
    assert rule.code not in _codes(rule, Example(outcome.text, example.settings, example.path))
    assert fix_text(outcome.text, example.path, config, unsafe=True).text == outcome.text


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.fix_safety], ids=lambda r: r.code)
def test_a_fixable_rule_fixes_one_of_its_examples(rule: Type[Rule]) -> None:
    # So that the soundness test above really runs every rule's fix.
    offered = []
    for case_id, _, example in _examples("INVALID"):
        if case_id.startswith(rule.code):
            config = config_from_mapping({**example.settings, "select": [rule.code]})
            found = lint_source(example.code, example.path, config)
            offered += [d for d in found if d.code == rule.code and d.fix is not None]
    assert offered, f"{rule.code} declares a {rule.fix_safety} fix but fixes none of its examples"
    assert any(isinstance(e, Example) and e.fixed is not None for e in rule.INVALID), (
        f"{rule.code}: give one INVALID example its expected `fixed` code"
    )
    assert {d.fix.applicability for d in offered} == {rule.fix_safety}


_CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _doc_examples(rule: Type[Rule]) -> Tuple[List[str], List[str]]:
    """The Python blocks of the docs' ``## Example`` section: before ``Use instead:``
    (the problem) and after it (the remedy; none when it is not Python, as TSL111's shell line)."""
    example, _, instead = rule.section("Example").partition("Use instead:")
    return _CODE_BLOCK.findall(example), _CODE_BLOCK.findall(instead)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_doc_examples_trigger_their_rule_and_the_remedy_does_not(rule: Type[Rule]) -> None:
    problems, remedies = _doc_examples(rule)
    assert problems, f"{rule.code}: ## Example needs a python block before 'Use instead:'"
    for code in problems:
        assert rule.code in _codes(rule, Example(textwrap.dedent(code))), code
    for code in remedies:
        assert rule.code not in _codes(rule, Example(textwrap.dedent(code))), code
