"""Regenerate docs/rules.md from the rule docstrings: ``python scripts/gen_rule_docs.py``."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's rules, even when another copy is installed

from torchseedlint.rules.docs import rules_markdown  # noqa: E402

RULES_MD = REPO / "docs" / "rules.md"


def main() -> None:
    RULES_MD.parent.mkdir(exist_ok=True)
    RULES_MD.write_text(rules_markdown(), encoding="utf-8")
    print(f"wrote {RULES_MD}")


if __name__ == "__main__":
    main()
