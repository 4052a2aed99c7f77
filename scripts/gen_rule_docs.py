"""Regenerate docs/rules.md from the rule docstrings, the README's rule count and the rule
catalogue (``torchseedlint/rules/catalog.py``) from the registry:
``python scripts/gen_rule_docs.py``."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's rules, even when another copy is installed

from torchseedlint.rules.docs import catalog_source, rules_markdown, with_rule_count  # noqa: E402

RULES_MD = REPO / "docs" / "rules.md"
README = REPO / "README.md"
CATALOG = REPO / "torchseedlint" / "rules" / "catalog.py"


def main() -> None:
    RULES_MD.parent.mkdir(exist_ok=True)
    RULES_MD.write_text(rules_markdown(), encoding="utf-8")
    print(f"wrote {RULES_MD}")
    catalog = catalog_source()
    if CATALOG.read_text(encoding="utf-8") != catalog:
        CATALOG.write_text(catalog, encoding="utf-8")
        print(f"wrote {CATALOG}")
    readme = README.read_text(encoding="utf-8")
    updated = with_rule_count(readme)
    if updated != readme:
        README.write_text(updated, encoding="utf-8")
        print(f"updated the rule count in {README}")


if __name__ == "__main__":
    main()
