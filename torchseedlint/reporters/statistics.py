"""``--statistics``: one line per rule, most frequent first (ruff's layout); the
marker says whether ``--fix`` would fix all (``[*]``), some (``[~]``) or none
(``[ ]``) of them."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, List

from torchseedlint.reporters.report import Report


def statistics(report: Report) -> List[Dict[str, Any]]:
    counts = Counter(d.code for d in report.diagnostics)
    fixable = Counter(d.code for d in report.diagnostics if report.applicable(d))
    names = {d.code: d.name for d in report.diagnostics}
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    return [
        {
            "code": code,
            "name": names[code],
            "count": counts[code],
            "fixable": fixable[code] > 0,
            "fixable_count": fixable[code],
        }
        for code in ordered
    ]


def render_text(report: Report) -> str:
    lines = []
    for entry in statistics(report):
        fixable = entry["fixable_count"]
        marker = "[ ]" if not fixable else "[*]" if fixable == entry["count"] else "[~]"
        lines.append(f"{entry['count']}\t{entry['code']}\t{marker}\t{entry['name']}\n")
    return "".join(lines)


def render_json(report: Report) -> str:
    return json.dumps(statistics(report), indent=2) + "\n"
