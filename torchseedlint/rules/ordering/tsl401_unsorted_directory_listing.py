"""TSL401 unsorted-directory-listing."""

from __future__ import annotations

import re
from typing import Iterator, Optional, Set

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.ordering._shared import _ORDER_KEEPING, _builds_sequence, _wrap_sorted
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Loop, ModuleFacts


def _loop_over(facts: ModuleFacts, call: Call) -> Optional[Loop]:
    """The ``for`` loop whose iterable is exactly ``call``."""
    for loop in facts.loops:
        if loop.iter is not None and loop.iter.start == call.start and loop.iter.end == call.end:
            return loop
    return None


def _names_in(text: str) -> Set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text))


# Listing functions, and whether they return a list (True) or an iterator (False);
# None: entries that ``sorted`` cannot order as they are (``DirEntry``, walk tuples).
_LISTING_FUNCTIONS = {
    "os.listdir": True,
    "glob.glob": True,
    "glob.iglob": False,
    "os.scandir": None,
    "os.walk": None,
}

_PATH_METHODS = frozenset({"glob", "rglob", "iterdir"})


def _listing_kind(call: Call) -> Optional[str]:
    """The listing function a call is, as the message names it, or None."""
    if call.qualname in _LISTING_FUNCTIONS:
        return call.qualname
    if call.method in _PATH_METHODS and (
        call.qualname is None or call.qualname.startswith("pathlib.")
    ):
        return f"Path.{call.method}"
    return None


class UnsortedDirectoryListing(Rule):
    """
    ## What it does
    Flags the result of `os.listdir`, `os.scandir`, `os.walk`, `glob.glob`,
    `glob.iglob` or `pathlib.Path.glob`/`rglob`/`iterdir` that is stored
    (`files = os.listdir(d)`), iterated by a comprehension or by a `for` loop
    that appends or writes, or put into an ordered container (`list(...)`,
    `enumerate(...)`, `.extend(...)`) without `sorted(...)`.

    ## Why is this bad?
    Python documents `os.listdir` as returning entries "in arbitrary order";
    the others inherit the filesystem's order. It is stable on one filesystem
    but differs across machines and filesystems (ext4 hash order, XFS, NFS,
    APFS), so the dataset order, the train/val split and per-index
    augmentation change when the code moves (huggingface/datasets#3857,
    prob-ml/bliss#1075).

    ## Example
    ```python
    import os
    files = [os.path.join(root, f) for f in os.listdir(root)]
    ```

    Use instead:
    ```python
    import os
    files = [os.path.join(root, f) for f in sorted(os.listdir(root))]
    ```

    ## Fix safety
    The fix wraps the call in `sorted(...)`. It is safe for `os.listdir` and
    `glob.glob` (a list stays a list) and for iterators that are only iterated;
    it is unsafe when an iterator (`glob.iglob`, `Path.glob`, ...) is stored,
    since a list replaces it. `os.scandir` (unorderable `DirEntry`s) and
    `os.walk` get no fix: sort by `entry.name`, and `dirs.sort()` plus
    `sorted(files)` inside the walk.

    ## Known limitations
    Off by default. A listing that is sorted later is recognised when the
    name it is stored in (or the list a loop appends to) is passed to
    `sorted(...)` or `.sort()` in the same function. A `for` loop whose body
    neither appends nor writes (deleting every file) is not reported; a stored
    listing that is only counted (`len(files)`) still is. Returned
    listings (`return os.listdir(d)`) are not reported. The effect cannot be
    shown on one filesystem, so no runnable proof is included.
    """

    code = "TSL401"
    name = "unsorted-directory-listing"
    default_enabled = False
    severity = "warning"
    fix_safety = Applicability.SAFE
    triggers = K.leaves(_LISTING_FUNCTIONS) | _PATH_METHODS
    VALID = [
        """
        import os
        files = sorted(os.listdir('data'))
        """,
        """
        import os
        files = os.listdir('data')
        files.sort()
        """,
        """
        import glob
        files = glob.glob('*.png')
        files = sorted(files)
        """,
        """
        import os
        n = len(os.listdir('data'))
        """,
        """
        import os
        ok = 'a.png' in set(os.listdir('data'))
        """,
        """
        from pathlib import Path
        files = sorted(Path('data').rglob('*.jpg'))
        """,
        """
        import os
        files = sorted(f for f in os.listdir('d') if f.endswith('.png'))
        """,
        """
        import os
        out = []
        for f in os.listdir('d'):
            out.append(f)
        out.sort()
        """,
        """
        import os
        for f in os.listdir('tmp'):
            os.unlink(f)
        """,
    ]
    INVALID = [
        Example(
            """
            import os
            files = os.listdir('data')
            """,
            fixed="""
            import os
            files = sorted(os.listdir('data'))
            """,
        ),
        """
        import os
        files = [os.path.join('d', f) for f in os.listdir('d')]
        """,
        """
        from glob import glob
        out = []
        for path in glob('*.png'):
            out.append(path)
        """,
        """
        import glob as g
        files = list(g.iglob('**/*.png', recursive=True))
        """,
        """
        from pathlib import Path

        def load(root):
            return [p for p in Path(root).glob('*.jpg')]
        """,
        """
        import os
        for root, dirs, files in os.walk('data'):
            for f in files:
                paths.append(os.path.join(root, f))
        """,
        """
        import os
        for i, entry in enumerate(os.scandir('d')):
            print(i, entry.name)
        """,
        """
        import os
        files = []
        files.extend(os.listdir('d'))
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.facts.calls:
            kind = _listing_kind(call)
            if kind is None or not self._order_leaks(ctx.facts, call):
                continue
            yield self.at_call(
                ctx,
                call,
                f"`{kind}(...)` returns entries in filesystem order, which differs across "
                f"machines and filesystems; {self._advice(kind)}",
                self._fix(kind, call),
            )

    @staticmethod
    def _advice(kind: str) -> str:
        if kind == "os.scandir":
            return "iterate `sorted(os.scandir(d), key=lambda e: e.name)`"
        if kind == "os.walk":
            return "call `dirs.sort()` inside the walk and iterate `sorted(files)`"
        return "wrap it in `sorted(...)`"

    @staticmethod
    def _fix(kind: str, call: Call) -> Optional[Fix]:
        returns_list = _LISTING_FUNCTIONS.get(kind, False)
        if returns_list is None:
            return None
        only_iterated = call.iterated or call.parent in _ORDER_KEEPING
        return _wrap_sorted(
            Applicability.SAFE if returns_list or only_iterated else Applicability.UNSAFE,
            call.start,
            call.end,
        )

    def _order_leaks(self, facts: ModuleFacts, call: Call) -> bool:
        """Stored, iterated or kept in order, and not sorted afterwards."""
        if call.parent is None:
            loop = _loop_over(facts, call)
            if loop is not None and not _builds_sequence(facts, loop):
                return False
            if not (call.iterated or call.assigned_to):
                return False
        elif call.parent not in _ORDER_KEEPING and not call.parent.endswith(".extend"):
            return False
        return not self._sorted_later(facts, call)

    @staticmethod
    def _assigned_within(facts: ModuleFacts, call: Call) -> Optional[str]:
        """The target of an assignment whose value contains ``call`` (a comprehension)."""
        for assign in facts.assigns:
            value = assign.value
            if (
                assign.scope == call.scope
                and value.start is not None
                and value.end is not None
                and value.start <= call.start
                and call.end <= value.end
            ):
                return assign.target
        return None

    def _sorted_later(self, facts: ModuleFacts, call: Call) -> bool:
        names = {call.assigned_to or self._assigned_within(facts, call)} - {None}
        if call.parent and call.parent.endswith(".extend"):
            names.add(call.parent[: -len(".extend")])
        loop = _loop_over(facts, call)
        if loop is not None:
            names |= _names_in(loop.target)
            names |= {
                other.receiver
                for other in facts.calls
                if loop.id in other.loops and other.method in ("append", "extend", "insert")
            }
        return any(
            other.scope == call.scope
            and (
                (other.method == "sort" and other.receiver in names)
                or (other.qualname == "sorted" and other.args and set(other.args[0].names) & names)
            )
            for other in facts.calls
        )
