"""TSL111 pythonhashseed-in-process."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.rules.base import Rule
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call

# Starting child processes: they inherit ``os.environ``, so PYTHONHASHSEED set
# in-process does reach them.
_CHILD_PROCESS_PREFIXES = ("subprocess.", "os.exec", "os.spawn", "os.posix_spawn")

_CHILD_PROCESS_CALLS = frozenset(
    {
        "os.system",
        "os.popen",
        "multiprocessing.set_start_method",
        "multiprocessing.get_context",
        "torch.multiprocessing.set_start_method",
        "torch.multiprocessing.get_context",
        "torch.multiprocessing.spawn",
        "torch.multiprocessing.start_processes",
    }
)

_HASHSEED = "PYTHONHASHSEED"


def _starts_children(call: Call) -> bool:
    qualname = call.qualname or ""
    return (
        qualname.startswith(_CHILD_PROCESS_PREFIXES)
        or qualname in _CHILD_PROCESS_CALLS
        or "multiprocessing_context" in call.kwargs
    )


class PythonHashSeedInProcess(Rule):
    """
    ## What it does
    Flags `os.environ["PYTHONHASHSEED"] = ...`, `os.environ.setdefault(
    "PYTHONHASHSEED", ...)`, `os.environ.update(PYTHONHASHSEED=...)` and
    `os.putenv("PYTHONHASHSEED", ...)` in a module that starts no child process.

    ## Why is this bad?
    Python reads `PYTHONHASHSEED` once, at interpreter start-up. Setting it in
    the running script changes nothing about that process's `str` hashing, so
    `set` iteration order and `hash(s) % n` still differ between runs, while the
    line suggests they are fixed.

    ## Example
    ```python
    import os
    os.environ["PYTHONHASHSEED"] = "0"
    ```

    Use instead:
    ```shell
    PYTHONHASHSEED=0 python train.py
    ```

    ## Known limitations
    Child processes inherit the variable, so a module that calls `subprocess.*`,
    `os.exec*`/`os.spawn*`/`os.system`, `multiprocessing` start methods or
    contexts, `torch.multiprocessing.spawn`, or passes `multiprocessing_context=`
    is not reported: there the assignment can be deliberate.
    """

    code = "TSL111"
    name = "pythonhashseed-in-process"
    fix_hint = "set it in the launcher: `PYTHONHASHSEED=0 python train.py`"
    severity = "warning"
    triggers = frozenset({_HASHSEED})
    VALID = [
        """
        import os
        os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'
        """,
        """
        import os
        import subprocess
        os.environ['PYTHONHASHSEED'] = '0'
        subprocess.run(['python', 'train.py'])
        """,
        """
        import os
        print(os.environ.get('PYTHONHASHSEED'))
        """,
        """
        import os
        import torch.multiprocessing as mp
        os.environ['PYTHONHASHSEED'] = '0'
        mp.spawn(print, nprocs=2)
        """,
    ]
    INVALID = [
        """
        import os
        os.environ['PYTHONHASHSEED'] = '0'
        """,
        """
        import os

        def set_seed(seed):
            os.environ['PYTHONHASHSEED'] = str(seed)
        """,
        """
        from os import environ
        environ.setdefault('PYTHONHASHSEED', '0')
        """,
        """
        import os
        os.putenv('PYTHONHASHSEED', '1')
        """,
        """
        import os
        os.environ.update(PYTHONHASHSEED='0')
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if any(_starts_children(call) for call in ctx.facts.calls):
            return
        message = "`PYTHONHASHSEED` set inside Python: this interpreter's string hashing ignores it"
        for assign in ctx.facts.assigns:
            if assign.qualname == "os.environ" and assign.key == _HASHSEED:
                yield self.diagnostic(ctx, message, assign.start, assign.end)
        for call in ctx.facts.calls:
            if self._sets_hashseed(call):
                yield self.at_call(ctx, call, message)

    @staticmethod
    def _sets_hashseed(call: Call) -> bool:
        if call.qualname in ("os.environ.setdefault", "os.putenv"):
            key = call.args[0] if call.args else None
            return key is not None and key.kind == "literal" and key.value == _HASHSEED
        if call.qualname == "os.environ.update":
            return _HASHSEED in call.kwargs or any(_HASHSEED in a.text for a in call.args)
        return False
