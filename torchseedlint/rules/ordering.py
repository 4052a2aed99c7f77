"""TSL4xx: ordering — directory listings, set iteration and hash() that vary between runs."""

from __future__ import annotations

import re
from typing import Iterator, Optional, Set

from torchseedlint.semantic import rng_api as K
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.semantic.facts import Call, Expr, Loop, ModuleFacts
from torchseedlint.edits.apply import insertion
from torchseedlint.rules.base import Rule
from torchseedlint.semantic.context import Context

# Wrappers that keep the order of what they are given.
_ORDER_KEEPING = frozenset({"list", "tuple", "enumerate", "iter"})


def _wrap_sorted(applicability: Applicability, start: Location, end: Location) -> Fix:
    return Fix(applicability, "Wrap in `sorted(...)`",
               (insertion(start.row, start.column, "sorted("), insertion(end.row, end.column, ")")))


def _loop_over(facts: ModuleFacts, call: Call) -> Optional[Loop]:
    """The ``for`` loop whose iterable is exactly ``call``."""
    for loop in facts.loops:
        if loop.iter is not None and loop.iter.start == call.start and loop.iter.end == call.end:
            return loop
    return None


_APPENDING_METHODS = frozenset({"append", "extend", "insert", "write", "writelines"})


def _builds_sequence(facts: ModuleFacts, loop: Loop) -> bool:
    """The loop body appends or writes, or numbers items (``index[k] = len(index)``)."""
    return any(
        loop.id in call.loops and (
            call.method in _APPENDING_METHODS
            or (call.qualname == "len" and call.args and call.args[0].text == call.assigned_to)
        )
        for call in facts.calls
    )


def _names_in(text: str) -> Set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text))


# --- TSL401 -----------------------------------------------------------------------

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
    if call.method in _PATH_METHODS and (call.qualname is None or call.qualname.startswith("pathlib.")):
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
    VALID = [
        "import os\nfiles = sorted(os.listdir('data'))\n",
        "import os\nfiles = os.listdir('data')\nfiles.sort()\n",
        "import glob\nfiles = glob.glob('*.png')\nfiles = sorted(files)\n",
        "import os\nn = len(os.listdir('data'))\n",
        "import os\nok = 'a.png' in set(os.listdir('data'))\n",
        "from pathlib import Path\nfiles = sorted(Path('data').rglob('*.jpg'))\n",
        "import os\nfiles = sorted(f for f in os.listdir('d') if f.endswith('.png'))\n",
        "import os\nout = []\nfor f in os.listdir('d'):\n    out.append(f)\nout.sort()\n",
        "import os\nfor f in os.listdir('tmp'):\n    os.unlink(f)\n",
    ]
    INVALID = [
        "import os\nfiles = os.listdir('data')\n",
        "import os\nfiles = [os.path.join('d', f) for f in os.listdir('d')]\n",
        "from glob import glob\nout = []\nfor path in glob('*.png'):\n    out.append(path)\n",
        "import glob as g\nfiles = list(g.iglob('**/*.png', recursive=True))\n",
        "from pathlib import Path\n\ndef load(root):\n    return [p for p in Path(root).glob('*.jpg')]\n",
        "import os\nfor root, dirs, files in os.walk('data'):\n    for f in files:\n"
        "        paths.append(os.path.join(root, f))\n",
        "import os\nfor i, entry in enumerate(os.scandir('d')):\n    print(i, entry.name)\n",
        "import os\nfiles = []\nfiles.extend(os.listdir('d'))\n",
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
        return _wrap_sorted(Applicability.SAFE if returns_list or only_iterated else Applicability.UNSAFE, call.start, call.end)

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
            if (assign.scope == call.scope and value.start is not None and value.end is not None
                    and value.start <= call.start and call.end <= value.end):
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
                other.receiver for other in facts.calls
                if loop.id in other.loops and other.method in ("append", "extend", "insert")
            }
        return any(
            other.scope == call.scope and (
                (other.method == "sort" and other.receiver in names)
                or (other.qualname == "sorted" and other.args and set(other.args[0].names) & names)
            )
            for other in facts.calls
        )


# --- TSL402 -----------------------------------------------------------------------

_SET_BUILDERS = ("set", "frozenset")
# ``iter(s)`` is left out: ``next(iter(s))`` mostly takes the one element of a singleton.
_SET_SINKS = frozenset({"list", "tuple", "enumerate"})
_INT_SET = re.compile(r"^\{[\d\s,+-]*\}$")
def _is_set_expr(expr: Expr) -> bool:
    """A set display, a set comprehension or ``set(...)``/``frozenset(...)``, not evidently of ints."""
    if expr.kind == "set":
        return not _INT_SET.match(expr.text)
    if expr.kind == "call" and expr.calls and expr.calls[0] in _SET_BUILDERS:
        return "range" not in expr.calls
    return False


class SetIterationOrder(Rule):
    """
    ## What it does
    Flags a `set` or `frozenset` turned into an ordered sequence: `list(s)`,
    `tuple(s)`, `enumerate(s)`, `zip(s, ...)` (as in
    `dict(zip(s, range(n)))`), `"".join(s)`, or a `for` loop over it that
    appends, writes or numbers elements (`vocab[w] = len(vocab)`). `s` is a set
    display, a set comprehension, a `set(...)`/`frozenset(...)` call, or a name
    last assigned one of those.

    ## Why is this bad?
    `str` and `bytes` hashes are salted per process, so the iteration order of
    a set of strings changes from run to run (unless `PYTHONHASHSEED` is fixed
    in the environment). A vocabulary or class-index mapping built that way
    assigns different ids in every run (allenai/allennlp#243,
    piskvorky/gensim#662, explosion/spaCy#7603). Verified: `list` of one set of
    strings differs between two processes with different `PYTHONHASHSEED`.

    ## Example
    ```python
    words = {"cat", "dog", "emu"}
    vocab = {w: i for i, w in enumerate(words)}
    ```

    Use instead:
    ```python
    words = {"cat", "dog", "emu"}
    vocab = {w: i for i, w in enumerate(sorted(words))}
    ```

    ## Fix safety
    Unsafe: the fix turns `list(s)` into `sorted(s)` and wraps other uses in
    `sorted(...)`. Sorting raises `TypeError` when elements are not
    comparable, and it changes the order (and so the ids) the code produced.

    ## Known limitations
    Off by default. Element types are not known: sets of small integers,
    whose order is deterministic, are reported unless they are evidently
    integers (`{1, 2}`, `set(range(n))`). `next(iter(s))` is not reported: it
    mostly takes the only element of a singleton.
    """

    code = "TSL402"
    name = "set-iteration-order"
    default_enabled = False
    severity = "warning"
    fix_safety = Applicability.UNSAFE
    VALID = [
        "words = {'cat', 'dog'}\nvocab = sorted(words)\n",
        "ids = list({1, 2, 3})\n",
        "idx = list(set(range(10)))\n",
        "seen = set(tokens)\nif 'a' in seen:\n    print(len(seen))\n",
        "labels = set(names)\nfor name in labels:\n    print(name)\n",
        "tokens = list(words)\n",
        "kinds = {p.device.type for p in params}\nkind = next(iter(kinds))\n",
        "names = set(a)\nfor n in names:\n    if len(n) > 3:\n        print(n)\n",
    ]
    INVALID = [
        "vocab = list(set(words))\n",
        "words = {'cat', 'dog', 'emu'}\nw2i = {w: i for i, w in enumerate(words)}\n",
        "classes = frozenset(labels)\nmapping = dict(zip(classes, range(len(classes))))\n",
        "def build(tokens):\n    vocab = {}\n    for t in set(tokens):\n        vocab[t] = len(vocab)\n"
        "    return vocab\n",
        "names = {n.lower() for n in raw}\nout = []\nfor n in names:\n    out.append(n)\n",
        "key = ''.join(set('abcdef'))\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        facts = ctx.facts
        for call in facts.calls:
            arg = self._ordered_set_arg(ctx, call)
            if arg is not None:
                yield self.at_call(ctx, call, self._message(f"`{call.raw or call.method}(...)`"),
                                   self._call_fix(call, arg))
        for loop in facts.loops:
            if (loop.iter is not None and self._set_valued(ctx, loop.iter, loop.scope)
                    and _builds_sequence(facts, loop)):
                assert loop.iter.start is not None and loop.iter.end is not None
                yield self.diagnostic(ctx, self._message("a `for` loop building a sequence"),
                                      loop.iter.start, loop.iter.end,
                                      fix=_wrap_sorted(Applicability.UNSAFE, loop.iter.start, loop.iter.end))

    @staticmethod
    def _message(sink: str) -> str:
        return (f"{sink} iterates a set: the order of a set of strings changes with every "
                "process (hash randomization); iterate `sorted(...)` instead")

    def _ordered_set_arg(self, ctx: Context, call: Call) -> Optional[Expr]:
        if call.qualname in _SET_SINKS or call.method == "join":
            candidates = call.args[:1]
        elif call.qualname == "zip":
            candidates = call.args
        else:
            return None
        for arg in candidates:
            if self._set_valued(ctx, arg, call.scope):
                return arg
        return None

    @staticmethod
    def _set_valued(ctx: Context, expr: Expr, scope: str) -> bool:
        if expr.kind == "name":
            value = ctx.analysis.assigned_value(expr.text, scope)
            return value is not None and _is_set_expr(value)
        return _is_set_expr(expr)

    @staticmethod
    def _call_fix(call: Call, arg: Expr) -> Optional[Fix]:
        if call.raw == "list" and call.qualname == "list":
            end = Location(call.start.row, call.start.column + len("list"))
            return Fix(Applicability.UNSAFE, "Replace `list` with `sorted`", (Edit("sorted", call.start, end),))
        if arg.start is None or arg.end is None:
            return None
        return _wrap_sorted(Applicability.UNSAFE, arg.start, arg.end)


# --- TSL403 -----------------------------------------------------------------------

_RNG_CONSTRUCTORS = K.NUMPY_RNG_OBJECTS | {"random.Random"}


class BuiltinHashSeed(Rule):
    """
    ## What it does
    Flags `hash(...)` used as a seed (passed to a seeder, `Generator.manual_seed`,
    `default_rng`, `random.Random`, or stored in a name containing `seed`) or
    for bucketing (`hash(x) % n`, `abs(hash(x)) % n`), unless its argument is
    a number literal.

    ## Why is this bad?
    `str` and `bytes` hashes are salted per process: `hash("abc") % 10`
    changes from run to run unless `PYTHONHASHSEED` is fixed in the
    environment (setting it inside the script has no effect). A split or seed
    derived from it is different in every run. Verified: `hash("abc") % 1000`
    differs between two processes with different `PYTHONHASHSEED`.

    ## Example
    ```python
    is_val = hash(filename) % 10 == 0
    ```

    Use instead:
    ```python
    import zlib
    is_val = zlib.crc32(filename.encode()) % 10 == 0
    ```

    ## Known limitations
    Off by default, and no fix: the argument's type is not known (hashes of
    ints and tuples of ints are deterministic), and `zlib.crc32` needs bytes.
    """

    code = "TSL403"
    name = "builtin-hash-seed"
    default_enabled = False
    severity = "warning"
    VALID = [
        "import zlib\nbucket = zlib.crc32(name.encode()) % 10\n",
        "key = hash(name)\ncache[key] = value\n",
        "bucket = hash(12345) % 7\n",
        "import torch\ntorch.manual_seed(42)\n",
    ]
    INVALID = [
        "is_val = hash(filename) % 10 == 0\n",
        "import torch\ntorch.manual_seed(hash(args.name))\n",
        "shard = abs(hash(path)) % num_shards\n",
        "import numpy as np\nrng = np.random.default_rng(hash(f'{run}-{epoch}'))\n",
        "seed = hash(experiment_name)\n",
        "import torch\ng = torch.Generator()\ng.manual_seed(hash(name))\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.facts.calls:
            if call.qualname != "hash" or not call.args or self._numeric(call.args[0]):
                continue
            use = self._use(ctx, call)
            if use is not None:
                yield self.at_call(
                    ctx,
                    call,
                    f"`{call.raw}(...)` {use}, but string hashes change with every process "
                    "(hash randomization); use `zlib.crc32(s.encode())` or `hashlib`",
                )

    @staticmethod
    def _numeric(expr: Expr) -> bool:
        return expr.kind in ("literal", "none") and not isinstance(expr.value, str)

    def _use(self, ctx: Context, call: Call) -> Optional[str]:
        parent = self._enclosing(ctx.facts, call)
        if parent is not None and self._is_seeder(ctx, parent):
            return f"seeds `{parent.raw or parent.method}`"
        if call.assigned_to and "seed" in call.assigned_to.lower():
            return f"is stored as the seed `{call.assigned_to}`"
        outer = parent if parent is not None and parent.qualname in ("abs", "int") else call
        rest = ctx.lines[outer.end.row - 1][outer.end.column - 1:] if outer.end.row <= len(
            ctx.lines) else ""
        if rest.lstrip().startswith("%"):
            return "is used for bucketing"
        return None

    @staticmethod
    def _enclosing(facts: ModuleFacts, call: Call) -> Optional[Call]:
        """The call that ``call`` is a direct argument of."""
        found = None
        for other in facts.calls:
            if (call.parent is not None and other.raw == call.parent and other.index != call.index
                    and other.start <= call.start and call.end <= other.end):
                if found is None or other.start > found.start:
                    found = other
        return found

    @staticmethod
    def _is_seeder(ctx: Context, call: Call) -> bool:
        if ctx.analysis.direct_seeds(call) or call.qualname in K.CUDA_ONLY_SEEDERS:
            return True
        if call.qualname in _RNG_CONSTRUCTORS:
            return True
        return call.qualname is None and call.method in ("manual_seed", "seed")


# Words for the text screen (``torchseedlint.engine.screen``): the sinks of each rule (a
# set display has no word of its own).
TRIGGERS = {
    "TSL401": K.leaves(_LISTING_FUNCTIONS) | _PATH_METHODS,
    "TSL402": _ORDER_KEEPING | _APPENDING_METHODS | {"join", "zip", "len"},
    "TSL403": frozenset({"hash"}),
}
