"""TSL001: suppression comments that suppress nothing."""

from __future__ import annotations

import re
from typing import Dict, Iterator, List, Optional, Sequence

from torchseedlint.diagnostics import SAFE, Diagnostic, Edit, Fix, Location
from torchseedlint.rules.base import Context, Example, Rule
from torchseedlint.suppression import MARKERS, NOQA, TOOL_IGNORE, Suppression, Suppressions

_PREFIX = "TSL"


class UnusedSuppression(Rule):
    """
    ## What it does
    Flags `# noqa: TSLxxx`, `# torchseedlint: ignore[TSLxxx]` and
    `# torchseedlint: file-ignore[TSLxxx]` comments naming torchseedlint codes
    that silenced nothing: the rule is enabled but reported nothing there
    (`unused`), the rule is not enabled (`non-enabled`), or no such rule
    exists (`unknown`), like ruff's RUF100.

    ## Why is this bad?
    A stale suppression hides the next real problem on that line, and tells
    readers a problem exists where there is none.

    ## Example
    ```python
    import torch
    torch.manual_seed(0)
    x = torch.rand(2)  # noqa: TSL101
    ```

    Use instead:
    ```python
    import torch
    torch.manual_seed(0)
    x = torch.rand(2)
    ```

    ## Fix safety
    Safe: the fix removes only the unused torchseedlint codes, and the whole
    comment when nothing else remains in it; codes of other tools stay.

    ## Known limitations
    A bare `# noqa` is never reported: other linters share it. Codes of other
    tools (`E501`, `BLE001`) are ignored. A `non-enabled` report depends on the
    selection in force, so a comment for a rule you enable only in CI is
    reported when linting with the defaults. Nothing is reported for a file in
    which a rule crashed.
    """

    code = "TSL001"
    name = "unused-suppression"
    default_enabled = False
    severity = "warning"
    fix_safety = SAFE
    VALID = [
        "import torch\ntorch.manual_seed(0)\nx = torch.rand(2)\n",
        "x = 1  # noqa\n",
        "x = 1  # noqa: E501\n",
        "x = '# noqa: TSL101'\n",
        Example("import torch\nx = torch.rand(2)  # noqa: TSL101\n", {"extend-select": ["TSL101"]}),
        Example("# torchseedlint: file-ignore[TSL101]\nimport torch\nx = torch.rand(2)\n",
                {"extend-select": ["TSL101"]}),
    ]
    INVALID = [
        "x = 1  # noqa: TSL101\n",
        Example("import torch\ntorch.manual_seed(0)\nx = torch.rand(2)  # noqa: TSL101\n",
                {"extend-select": ["TSL101"]}),
        "x = 1  # torchseedlint: ignore[TSL201]\n",
        "# torchseedlint: file-ignore[TSL999]\nx = 1\n",
        "x = 1  # noqa: E501, tsl302\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        # Whether a suppression was used is known only after every other rule ran:
        # the engine calls ``unused_suppressions`` then.
        return iter(())


def unused_suppressions(
    text: str,
    path: str,
    suppressions: Suppressions,
    enabled: Sequence[str],
    known: Sequence[str],
) -> List[Diagnostic]:
    """TSL001 diagnostics for the suppressions that silenced nothing."""
    if UnusedSuppression.code not in enabled:
        return []
    lines = text.splitlines(keepends=True)
    found = []
    for suppression in suppressions.all():
        stale = _stale_codes(suppression, enabled, known)
        if not stale:
            continue
        row, column = suppression.row, suppression.column
        details = "; ".join(f"{kind}: {', '.join(codes)}" for kind, codes in stale.items())
        location = Location(row, column)
        found.append(
            Diagnostic(
                code=UnusedSuppression.code,
                name=UnusedSuppression.name,
                message=f"unused suppression comment ({details})",
                path=path,
                location=location,
                end_location=Location(row, column + len(suppression.text)),
                severity=UnusedSuppression.severity,
                fix=_removal_fix(suppression, lines, [c for cs in stale.values() for c in cs]),
                noqa_rows=(row,),
            )
        )
    return [d for d in found if suppressions.match(d) is None]


def _stale_codes(
    suppression: Suppression, enabled: Sequence[str], known: Sequence[str]
) -> Dict[str, List[str]]:
    stale: Dict[str, List[str]] = {}
    for code in suppression.codes or ():
        if not code.startswith(_PREFIX) or code in suppression.used:
            continue
        if code == UnusedSuppression.code:
            continue  # it silences this rule's own reports
        kind = "unused" if code in enabled else "non-enabled" if code in known else "unknown"
        stale.setdefault(kind, []).append(code)
    return stale


def _removal_fix(suppression: Suppression, lines: List[str], stale: List[str]) -> Optional[Fix]:
    text = suppression.text
    match = TOOL_IGNORE.search(text) or NOQA.search(text)
    if match is None or match.group("codes") is None or suppression.row > len(lines):
        return None
    row, column = suppression.row, suppression.column
    start, end = Location(row, column), Location(row, column + len(text))
    written = [c for c in re.split(r"[\s,]+", match.group("codes").strip()) if c]
    remaining = [c for c in written if c.upper() not in stale]
    label = ", ".join(stale)
    if remaining:
        codes_start, codes_end = match.span("codes")
        new = text[:codes_start] + ", ".join(remaining) + text[codes_end:]
        return Fix(SAFE, f"Remove unused {label}", (Edit(new, start, end),))
    before = text[: match.start()].rstrip()
    after = text[match.end():].strip()
    line = lines[row - 1]
    code_part = line[: column - 1]
    if before.strip("# \t") or after.strip("# \t"):
        if before:
            new = f"{before}  {after}" if after else before
        else:
            new = after if after.startswith("#") else f"# {after}"
        return Fix(SAFE, f"Remove unused {label}", (Edit(new, start, end),))
    if not code_part.strip():  # the comment is alone on its line: drop the line
        return Fix(SAFE, "Remove the unused suppression comment",
                   (Edit("", Location(row, 1), Location(row + 1, 1)),))
    code_end = Location(row, len(code_part.rstrip()) + 1)
    return Fix(SAFE, "Remove the unused suppression comment", (Edit("", code_end, end),))


# Words for the text screen (``torchseedlint.screen``): the suppression markers.
TRIGGERS = {"TSL001": frozenset(marker.rstrip(":") for marker in MARKERS)}
