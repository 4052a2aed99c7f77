"""TSL000 parse-error."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.rules.base import Rule
from torchseedlint.semantic.context import Context


class ParseError(Rule):
    """
    ## What it does
    Reports a file that cannot be read, decoded or parsed as Python: a syntax
    error, undecodable bytes, a binary file, an unreadable path.

    ## Why is this bad?
    Nothing in that file was checked. The rest of the run goes on; this
    diagnostic makes sure the gap is visible and fails CI.

    ## Example
    ```python
    def train(:
        pass
    ```

    Use instead:
    ```python
    def train():
        pass
    ```
    """

    code = "TSL000"
    name = "parse-error"
    # None: files the screen leaves out are compiled instead, and parsed when that fails.
    triggers = frozenset()
    INVALID = [
        """
    def train(:
        pass
    """,
        "x = (\n",
    ]
    VALID = ["x = 1\n", ""]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        # The engine reports parse errors before any rule runs.
        return iter(())
