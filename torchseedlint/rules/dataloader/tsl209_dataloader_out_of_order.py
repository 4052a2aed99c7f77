"""TSL209 dataloader-out-of-order."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix
from torchseedlint.core.text import line_offsets, location_at, to_offset
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.dataloader._shared import _LOADER
from torchseedlint.rules.worker_draws import literal_is
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Expr


class DataLoaderOutOfOrder(Rule):
    """
    ## What it does
    Flags `DataLoader(in_order=False)`.

    ## Why is this bad?
    With `in_order=False` batches are returned as soon as any worker finishes
    one, so the batch order depends on timing; PyTorch's docstring warns it "can
    harm reproducibility".

    ## Example
    ```python
    from torch.utils.data import DataLoader

    loader = DataLoader(ds, num_workers=4, in_order=False)
    ```

    Use instead:
    ```python
    from torch.utils.data import DataLoader

    loader = DataLoader(ds, num_workers=4)
    ```

    ## Fix safety
    Safe: the fix removes `in_order=False` (and its comma); batches then come in
    sampler order, at worst a little later. No fix when a comment sits between
    the argument and the comma before it.

    ## Known limitations
    Only a literal `False` is reported. The claim is taken from PyTorch's
    docstring for `in_order`: the batch order depends on worker timing, which the
    test suite cannot reproduce reliably on a CPU machine, so no runnable proof
    ships with this rule.
    """

    code = "TSL209"
    name = "dataloader-out-of-order"
    default_enabled = False
    severity = "warning"
    fix_safety = Applicability.SAFE
    triggers = _LOADER
    VALID = [
        """
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=4)
        """,
        """
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=4, in_order=True)
        """,
    ]
    INVALID = [
        Example(
            """
            from torch.utils.data import DataLoader
            loader = DataLoader(ds, num_workers=4, in_order=False)
            """,
            fixed="""
            from torch.utils.data import DataLoader
            loader = DataLoader(ds, num_workers=4)
            """,
        ),
        """
        import torch
        loader = torch.utils.data.DataLoader(ds, in_order=False)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for loader in ctx.analysis.dataloaders():
            value = loader.kwargs.get("in_order")
            if value is None or not literal_is(value, False):
                continue
            yield self.at_call(
                ctx,
                loader,
                "`in_order=False` returns batches in the order workers finish them, which "
                "depends on timing; drop the argument",
                self._fix(ctx, value),
            )

    @staticmethod
    def _fix(ctx: Context, value: Expr) -> Optional[Fix]:
        """Delete ``in_order=False`` with the comma after it, or else the one before it."""
        if value.start is None or value.end is None:
            return None
        offsets = line_offsets(ctx.source)
        start = to_offset(offsets, value.start, len(ctx.source))
        end = to_offset(offsets, value.end, len(ctx.source))
        keyword = re.search(r"in_order\s*=\s*$", ctx.source[:start])
        if keyword is None:
            return None
        start = keyword.start()
        after = re.match(r"\s*,[ \t]*", ctx.source[end:])
        before = re.search(r",\s*$", ctx.source[:start])
        if after is not None:
            end += after.end()
        elif before is not None:
            start = before.start()
        else:
            return None
        edit = Edit("", location_at(offsets, start), location_at(offsets, end))
        return Fix(Applicability.SAFE, "Remove `in_order=False`", (edit,))
