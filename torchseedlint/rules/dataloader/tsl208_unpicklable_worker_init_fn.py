"""TSL208 unpicklable-worker-init-fn."""

from __future__ import annotations

import ast
import builtins
from typing import Iterator, Optional, Set, Tuple

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix
from torchseedlint.edits.apply import insertion
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.dataloader._shared import _LOADER, _line_ending, _worker_init_function
from torchseedlint.rules.worker_draws import worker_loaders
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr


def _module_names(ctx: Context) -> Set[str]:
    """Names bound at module level: imports, top-level functions, classes, assignments."""
    names = set(ctx.facts.aliases) | set(ctx.facts.classes)
    names |= {
        fn.name for fn in ctx.facts.functions.values() if fn.class_name is None and not fn.is_nested
    }
    names |= {assign.target for assign in ctx.facts.assigns if assign.scope == ""}
    return names


def _trivial_lambda(ctx: Context, expr: Expr) -> Optional[Tuple[str, str]]:
    """(parameters, body) of a one-line lambda that reads only module-level names."""
    if expr.start is None or expr.end is None or expr.start.row != expr.end.row:
        return None
    line = ctx.lines[expr.start.row - 1]
    text = line[expr.start.column - 1 : expr.end.column - 1]
    try:
        # Parsing this one expression is the only way to tell its free names
        # from attribute names; it only happens for a reported lambda.
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Lambda):
        return None
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or args.posonlyargs:
        return None
    params = [arg.arg for arg in args.args]
    free = {
        child.id
        for child in ast.walk(node.body)
        if isinstance(child, ast.Name) and child.id not in params
    }
    if any(
        isinstance(child, (ast.Lambda, ast.comprehension, ast.NamedExpr))
        for child in ast.walk(node.body)
    ):
        return None
    if not free <= _module_names(ctx) | set(dir(builtins)):
        return None
    body = ast.get_source_segment(text, node.body)
    return (", ".join(params), body) if body else None


class UnpicklableWorkerInitFn(Rule):
    """
    ## What it does
    Flags `DataLoader(worker_init_fn=...)` given a lambda or a nested function,
    when the loader has `num_workers > 0` and no `multiprocessing_context="fork"`.

    ## Why is this bad?
    Under the `spawn` and `forkserver` start methods (the default on macOS and
    Windows, and on Linux from Python 3.14) the worker_init_fn is pickled to
    reach the workers. Lambdas and nested functions cannot be pickled, so the
    script fails with `PicklingError`/`AttributeError: Can't pickle local object`
    on those platforms while it works on Linux with fork.

    ## Example
    ```python
    import numpy as np
    import torch
    from torch.utils.data import DataLoader

    loader = DataLoader(ds, num_workers=4,
                        worker_init_fn=lambda i: np.random.seed(torch.initial_seed() % 2**32))
    ```

    Use instead:
    ```python
    import numpy as np
    import torch
    from torch.utils.data import DataLoader

    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed() % 2**32)

    loader = DataLoader(ds, num_workers=4, worker_init_fn=seed_worker)
    ```

    ## Fix safety
    Safe, for a trivial lambda only: one line, plain positional parameters, and a
    body that reads nothing but its parameters, module-level names and builtins.
    It becomes a module-level `def _worker_init_fn(...)` inserted before the
    top-level statement holding the loader. Other lambdas and nested functions
    get no fix: moving them would change the names they close over (usually the
    enclosing function's locals), so that is left to the author.

    ## Known limitations
    Only lambdas written in the call and nested functions passed by name are
    recognised; a `functools.partial` of a nested function is not.
    """

    code = "TSL208"
    name = "unpicklable-worker-init-fn"
    fix_safety = Applicability.SAFE
    triggers = _LOADER
    VALID = [
        """
        from torch.utils.data import DataLoader

        def seed_worker(i):
            pass

        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
        """,
        """
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=0, worker_init_fn=lambda i: None)
        """,
        """
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=2, worker_init_fn=lambda i: None, multiprocessing_context='fork')
        """,
        """
        from torch.utils.data import DataLoader

        def main(ds):
            loader = DataLoader(ds, num_workers=2, worker_init_fn=make_init(3))
        """,
    ]
    INVALID = [
        Example(
            """
            import numpy as np
            from torch.utils.data import DataLoader
            loader = DataLoader(ds, num_workers=2, worker_init_fn=lambda i: np.random.seed(i))
            """,
            fixed="""
            import numpy as np
            from torch.utils.data import DataLoader


            def _worker_init_fn(i):
                return np.random.seed(i)
            loader = DataLoader(ds, num_workers=2, worker_init_fn=_worker_init_fn)
            """,
        ),
        """
        import torch

        def make(ds, seed):
            def init(worker_id):
                torch.manual_seed(seed + worker_id)
            return torch.utils.data.DataLoader(ds, num_workers=4, worker_init_fn=init)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for loader in worker_loaders(ctx):
            expr = loader.kwargs.get("worker_init_fn")
            if expr is None:
                continue
            context = loader.kwargs.get("multiprocessing_context")
            if context is not None and context.kind == "literal" and context.value == "fork":
                continue
            fn = _worker_init_function(ctx, loader)
            if expr.kind == "lambda":
                what = "a lambda"
            elif fn is not None and fn.is_nested:
                what = f"the nested function `{fn.qualname}`"
            else:
                continue
            yield self.at_call(
                ctx,
                loader,
                f"worker_init_fn is {what}, which cannot be pickled: the DataLoader fails "
                "under the spawn/forkserver start methods (macOS, Windows, Python 3.14 on "
                "Linux); define it as a module-level function",
                self._fix(ctx, loader, expr) if expr.kind == "lambda" else None,
            )

    @staticmethod
    def _fix(ctx: Context, loader: Call, expr: Expr) -> Optional[Fix]:
        """Move a trivial lambda to a module-level function (see Fix safety)."""
        lambda_ = _trivial_lambda(ctx, expr)
        tops = ctx.facts.top_statements
        index = next(
            (
                i
                for i, stmt in enumerate(tops)
                if stmt.start_row <= loader.start.row <= stmt.end_row
            ),
            None,
        )
        if lambda_ is None or index is None or expr.start is None or expr.end is None:
            return None
        params, body = lambda_
        name = "_worker_init_fn"
        if name in _module_names(ctx):
            name = f"{name}_{loader.start.row}"
        nl = _line_ending(ctx, tops[index].start_row)
        definition = f"def {name}({params}):{nl}    return {body}{nl}"
        # Right after the previous top-level statement: before the blank lines,
        # comments and decorators that belong to the loader's statement.
        if index == 0:
            edit = insertion(1, 1, f"{definition}{nl}{nl}")
        else:
            edit = insertion(tops[index - 1].end_row + 1, 1, f"{nl}{nl}{definition}")
        return Fix(
            Applicability.SAFE,
            f"Move the lambda to a module-level function `{name}`",
            (edit, Edit(name, expr.start, expr.end)),
        )
