"""Every rule's VALID and INVALID examples, run through the public API."""

from __future__ import annotations

from typing import List, Tuple, Type

import pytest

from torchseedlint import lint_source
from torchseedlint.config import config_from_mapping
from torchseedlint.rules import ALL_RULES, Example, Rule


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


@pytest.mark.parametrize("case_id,rule,example", _examples("VALID"), ids=lambda v: v if isinstance(v, str) else "")
def test_valid_example_is_clean(case_id: str, rule: Type[Rule], example: Example) -> None:
    assert rule.code not in _codes(rule, example), example.code


@pytest.mark.parametrize("case_id,rule,example", _examples("INVALID"), ids=lambda v: v if isinstance(v, str) else "")
def test_invalid_example_is_reported(case_id: str, rule: Type[Rule], example: Example) -> None:
    assert rule.code in _codes(rule, example), example.code


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_has_examples_and_docs(rule: Type[Rule]) -> None:
    assert rule.VALID and rule.INVALID
    doc = rule.__doc__ or ""
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert section in doc, f"{rule.code} docstring lacks {section!r}"
