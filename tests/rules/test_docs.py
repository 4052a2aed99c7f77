"""--explain, --list-rules, --show-settings, and docs/rules.md being up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_cli
from torchseedlint.core.diagnostics import Diagnostic, Location
from torchseedlint.reporters.json_format import to_dict
from torchseedlint.rules import ALL_RULES
from torchseedlint.rules.docs import rule_count_sentence, rules_markdown, with_rule_count

RULES_MD = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "projects" / "seeded"


@pytest.mark.parametrize("selector", ["TSL201", "tsl201", "dataloader-worker-seeding"])
def test_explain_by_code_or_name(selector: str) -> None:
    result = run_cli("--explain", selector)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "# dataloader-worker-seeding (TSL201)"
    assert lines[2] == "Fix is always available (safe)."
    assert lines[3] == "Enabled by default."
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert section in lines


def test_explain_states_fix_safety_and_default() -> None:
    for rule in ALL_RULES:
        output = run_cli("--explain", rule.code).stdout
        expected = {
            "safe": "Fix is always available (safe).",
            "unsafe": "Fix is available (unsafe).",
            None: "No fix available.",
        }[rule.fix_safety]
        assert expected in output.splitlines()
        assert ("Enabled by default." in output) == rule.default_enabled


def test_explain_unknown_rule_is_a_usage_error() -> None:
    result = run_cli("--explain", "TSL999")
    assert result.exit_code == 2
    assert "unknown rule 'TSL999'" in result.stderr


def test_list_rules_one_line_each() -> None:
    result = run_cli("--list-rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(ALL_RULES)
    for line, rule in zip(lines, ALL_RULES):
        code, name, state, _fix, fix = line.split()
        assert (code, name) == (rule.code, rule.name)
        assert state == ("on" if rule.default_enabled else "off")
        assert fix == (rule.fix_safety or "none")


def test_show_settings_names_the_inferred_version_and_its_file() -> None:
    result = run_cli("--show-settings", str(FIXTURE))
    assert result.exit_code == 0
    assert (
        f"torch-version: 2.0 (inferred from {FIXTURE.resolve() / 'pyproject.toml'} (`torch>=2.0`))"
    ) in result.stdout
    # Nothing declares torchvision: the installed distribution, if any, is used.
    (vision,) = [
        line for line in result.stdout.splitlines() if line.startswith("torchvision-version: ")
    ]
    assert "no declared requirement found" in vision
    assert re.search(r"^enabled rules: TSL000, TSL101, ", result.stdout, re.M)


def test_show_settings_with_cli_torch_version() -> None:
    result = run_cli("--show-settings", "--torch-version", "1.8", str(FIXTURE))
    assert "torch-version: 1.8 (set by --torch-version)" in result.stdout


def test_rules_md_is_up_to_date() -> None:
    assert RULES_MD.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run `python scripts/gen_rule_docs.py` and commit the result"
    )


def test_json_urls_point_at_rules_md_anchors() -> None:
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', rules_markdown()))
    for rule in ALL_RULES:
        location = Location(1, 1)
        diagnostic = Diagnostic(
            code=rule.code,
            name=rule.name,
            message="m",
            path="x.py",
            location=location,
            end_location=location,
            severity=rule.severity,
            noqa_rows=(),
        )
        url = to_dict(diagnostic)["url"]
        assert url.split("#")[0].endswith("docs/rules.md")
        assert url.split("#")[1] in anchors


def test_readme_states_the_rule_count() -> None:
    readme = (RULES_MD.parent.parent / "README.md").read_text(encoding="utf-8")
    assert with_rule_count(readme) == readme, (
        "the README's rule count is stale: run `python scripts/gen_rule_docs.py` and commit the result"
    )


def test_the_rule_count_sentence_is_rewritten() -> None:
    assert rule_count_sentence() == f"{len(ALL_RULES)} rules in five families"  # TSL0xx-TSL4xx
    stale = "Intro.\n\n3 rules in two families (see below).\n"
    assert with_rule_count(stale) == f"Intro.\n\n{rule_count_sentence()} (see below).\n"
    with pytest.raises(ValueError):
        with_rule_count("no count here\n")
