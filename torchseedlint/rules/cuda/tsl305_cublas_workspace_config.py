"""TSL305 cublas-workspace-config."""

from __future__ import annotations

from typing import Iterator, List, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.edits.apply import insertion
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.cuda._shared import _CUBLAS_KEY, _DETERMINISM, _first_import_row
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import enables_deterministic_mode, is_true
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Expr, ModuleFacts
from torchseedlint.settings.versions import version_at_least

_CUBLAS_VALUES = frozenset({":4096:8", ":16:8"})


def _cublas_settings(facts: ModuleFacts) -> List[Optional[Expr]]:
    """Values given to CUBLAS_WORKSPACE_CONFIG in this module (None: not a literal we can read)."""
    values: List[Optional[Expr]] = [
        assign.value for assign in facts.assigns if assign.key == _CUBLAS_KEY
    ]
    for call in facts.calls:
        if call.method not in ("setdefault", "putenv", "update"):
            continue
        if call.args and call.args[0].value == _CUBLAS_KEY:
            values.append(call.args[1] if len(call.args) > 1 else None)
        elif _CUBLAS_KEY in call.kwargs:
            values.append(call.kwargs[_CUBLAS_KEY])
        elif any(_CUBLAS_KEY in expr.text for expr in call.args):
            values.append(None)
    return values


class CublasWorkspaceConfig(Rule):
    """
    ## What it does
    Flags `torch.use_deterministic_algorithms(True)` (or
    `torch.set_deterministic_debug_mode("warn"|"error")`) in a module that does
    not set the environment variable `CUBLAS_WORKSPACE_CONFIG` to `:4096:8` or
    `:16:8`, when the project's torch is at most 2.9 or unknown.

    The torch version is `torch-version`, or the one inferred from the project
    (declared requirement, installed distribution). PyTorch removed the check
    in PR pytorch/pytorch#161749 (torch 2.13 has no trace of it), so from 2.10
    on the rule stays silent. An unknown version is treated like an old one,
    as TSL201 treats it: the fix is harmless on newer versions.

    ## Why is this bad?
    Up to roughly torch 2.9, with CUDA >= 10.2, deterministic mode makes
    `torch.mm`, `torch.mv` and `torch.bmm` on CUDA raise `RuntimeError` unless
    `CUBLAS_WORKSPACE_CONFIG` is `:4096:8` or `:16:8` (the
    `use_deterministic_algorithms` docstring of those versions). The variable
    must be set before the first cuBLAS handle is created, so the safest place
    is before `import torch`.
    No GPU was available when this rule was written: the claim comes from
    PyTorch's documentation and source and could not be shown on CPU.

    ## Example
    ```python
    import torch
    torch.use_deterministic_algorithms(True)
    ```

    Use instead:
    ```python
    import os
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import torch
    torch.use_deterministic_algorithms(True)
    ```

    ## Fix safety
    Safe: the fix inserts `os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")`
    before the first top-level `import torch` (adding `import os` when `os` is
    not imported before it); `setdefault` keeps a value set by the launcher.

    ## Known limitations
    A variable exported by the shell or the job script is not visible: suppress
    the diagnostic there. A call in a function of a library module (a helper
    such as `set_seed(deterministic=True)`) is not reported: its callers set
    their environment. Only direct calls are checked (Lightning
    `Trainer(deterministic=True)` and `transformers.enable_full_determinism` set
    the variable themselves). Whether the variable is set before CUDA starts is
    not checked, only that the module sets it.
    """

    code = "TSL305"
    name = "cublas-workspace-config"
    fix_safety = Applicability.SAFE
    severity = "warning"
    triggers = _DETERMINISM
    VALID = [
        Example(
            """
            import os
            os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'
            import torch
            torch.use_deterministic_algorithms(True)
            """,
            {"torch-version": "2.3"},
        ),
        Example(
            """
            import os
            os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':16:8')
            import torch as T
            T.use_deterministic_algorithms(True)
            """,
            {"torch-version": "1.12"},
        ),
        Example(
            """
            import torch
            torch.use_deterministic_algorithms(True)
            """,
            {"torch-version": "2.13"},
        ),
        Example(
            """
            import torch
            torch.use_deterministic_algorithms(False)
            """,
            {"torch-version": "2.3"},
        ),
        # Deterministic mode with warn_only=True warns about cuBLAS, it does not raise.
        Example(
            """
            import torch
            torch.use_deterministic_algorithms(True, warn_only=True)
            """,
            {"torch-version": "2.3"},
        ),
        # A library helper: its callers' launchers set the environment.
        Example(
            """
            import torch

            def set_seed(seed, deterministic=False):
                torch.manual_seed(seed)
                if deterministic:
                    torch.use_deterministic_algorithms(True)
            """,
            {"torch-version": "2.3"},
        ),
    ]
    INVALID = [
        Example(
            """
            import torch
            torch.use_deterministic_algorithms(True)
            """,
            {"torch-version": "2.3"},
            fixed="""
            import os
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            import torch
            torch.use_deterministic_algorithms(True)
            """,
        ),
        # The torch version is unknown: treated like an old one.
        """
        import torch
        torch.use_deterministic_algorithms(True)
        """,
        Example(
            """
            import torch as T
            T.set_deterministic_debug_mode('error')
            """,
            {"torch-version": "2.9"},
        ),
        Example(
            """
            import os
            os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:2'
            import torch
            torch.use_deterministic_algorithms(True)
            """,
            {"torch-version": "1.10"},
        ),
        Example(
            """
            from torch import use_deterministic_algorithms

            if __name__ == '__main__':
                use_deterministic_algorithms(True)
            """,
            {"torch-version": "2.0"},
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        modern = version_at_least(ctx.torch_version, "2.10")
        if modern:
            return
        when = "torch <= 2.9" if modern is False else "torch <= 2.9 (version unknown)"
        settings = _cublas_settings(ctx.facts)
        wrong = [
            value.text
            for value in settings
            if value is not None and value.kind == "literal" and value.value not in _CUBLAS_VALUES
        ]
        if settings and not wrong:
            return
        problem = f"sets it to {wrong[0]}" if wrong else "does not set it"
        fix = None if wrong else self._fix(ctx)
        for call in ctx.facts.calls:
            # With ``warn_only=True`` the cuBLAS check warns instead of raising; a
            # library's function (``set_seed(deterministic=True)``) cannot set its
            # callers' environment: they do.
            library_function = call.scope != "" and not ctx.role.is_entry_point
            if (
                call.qualname in K.DETERMINISM_CALLS
                and enables_deterministic_mode(call)
                and (not is_true(call.kwargs.get("warn_only")) and not library_function)
            ):
                yield self.at_call(
                    ctx,
                    call,
                    f"`{call.raw}(...)` makes CUDA `mm`/`mv`/`bmm` raise with {when} unless "
                    f"`{_CUBLAS_KEY}` is `:4096:8` or `:16:8`; this module {problem}",
                    fix,
                )

    @staticmethod
    def _fix(ctx: Context) -> Optional[Fix]:
        facts = ctx.facts
        row = _first_import_row(facts, "torch")
        if row is None:
            return None
        os_alias = facts.name_of_module("os")
        os_row = _first_import_row(facts, "os", binding=True)
        content = ""
        if os_alias is None or os_row is None or os_row >= row:
            os_alias = "os"
            content = "import os\n"
        content += f'{os_alias}.environ.setdefault("{_CUBLAS_KEY}", ":4096:8")\n'
        return Fix(
            Applicability.SAFE,
            f"Set `{_CUBLAS_KEY}` before `import torch`",
            (insertion(row, 1, content),),
        )
