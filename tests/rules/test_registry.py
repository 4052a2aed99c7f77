"""The registry: one rule per ``rules/<family>/tslNNN_<name>.py`` module, found by itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import torchseedlint.rules as registry
from torchseedlint.rules import ALL_RULES, RULE_MODULES, rules_defined_in
from torchseedlint.rules.docs import catalog_source

RULES_DIR = Path(registry.__file__).parent


@pytest.mark.parametrize("module", RULE_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_each_rule_module_defines_one_rule_named_like_the_file(module: ModuleType) -> None:
    (rule,) = rules_defined_in(module)
    expected = f"tsl{rule.code[3:]}_{rule.name.replace('-', '_')}"
    assert module.__name__.rsplit(".", 1)[1] == expected
    assert isinstance(rule.triggers, frozenset) and all(isinstance(w, str) for w in rule.triggers)


def test_codes_and_names_are_unique() -> None:
    assert len({rule.code for rule in ALL_RULES}) == len(ALL_RULES)
    assert len({rule.name for rule in ALL_RULES}) == len(ALL_RULES)


def test_every_module_of_a_family_is_a_rule_or_its_helpers() -> None:
    # A rule file named otherwise would be skipped by the registry without a word.
    families = [path for path in RULES_DIR.iterdir() if (path / "__init__.py").is_file()]
    assert families
    for family in families:
        for path in family.glob("*.py"):
            assert path.name.startswith("tsl") or path.name in ("__init__.py", "_shared.py"), path
    registered = {module.__file__ for module in RULE_MODULES}
    on_disk = {str(path) for family in families for path in family.glob("tsl*.py")}
    assert registered == on_disk


def test_the_generated_catalogue_is_current() -> None:
    # Selection and the screen read the catalogue, not the rules: a stale one would
    # select or screen with yesterday's rules (`python scripts/gen_rule_docs.py`).
    assert (RULES_DIR / "catalog.py").read_text(encoding="utf-8") == catalog_source()


def test_screening_a_clean_file_imports_no_rule(tmp_path: Path) -> None:
    # The catalogue is what lets a run that parses nothing skip importing every rule.
    clean = tmp_path / "clean.py"
    clean.write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from torchseedlint.engine.runner import lint_paths\n"
        f"lint_paths([{str(clean)!r}])\n"
        "print(sorted(m for m in sys.modules if m.startswith('torchseedlint.rules.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['torchseedlint.rules.catalog']"
