"""TSL001 unused-suppression."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.rules.base import Example, Rule
from torchseedlint.semantic.context import Context
from torchseedlint.suppression.noqa import MARKERS


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
    fix_safety = Applicability.SAFE
    triggers = frozenset(marker.rstrip(":") for marker in MARKERS)  # the suppression markers
    VALID = [
        """
        import torch
        torch.manual_seed(0)
        x = torch.rand(2)
        """,
        "x = 1  # noqa\n",
        "x = 1  # noqa: E501\n",
        "x = '# noqa: TSL101'\n",
        Example(
            """
        import torch
        x = torch.rand(2)  # noqa: TSL101
        """,
            {"extend-select": ["TSL101"]},
        ),
        Example(
            """
            # torchseedlint: file-ignore[TSL101]
            import torch
            x = torch.rand(2)
            """,
            {"extend-select": ["TSL101"]},
        ),
    ]
    INVALID = [
        Example(
            "x = 1  # noqa: TSL101\n",
            fixed="""\
x = 1
""",
        ),
        Example(
            """
            import torch
            torch.manual_seed(0)
            x = torch.rand(2)  # noqa: TSL101
            """,
            {"extend-select": ["TSL101"]},
        ),
        "x = 1  # torchseedlint: ignore[TSL201]\n",
        """
        # torchseedlint: file-ignore[TSL999]
        x = 1
        """,
        "x = 1  # noqa: E501, tsl302\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        # Whether a suppression was used is known only after every other rule ran:
        # the engine reports them then (``torchseedlint.suppression.unused``).
        return iter(())
