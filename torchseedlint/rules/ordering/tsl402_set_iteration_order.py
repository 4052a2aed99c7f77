"""TSL402 set-iteration-order."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.ordering._shared import (
    _APPENDING_METHODS,
    _ORDER_KEEPING,
    _builds_sequence,
    _wrap_sorted,
)
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr

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
    triggers = _ORDER_KEEPING | _APPENDING_METHODS | {"join", "zip", "len"}
    VALID = [
        """
        words = {'cat', 'dog'}
        vocab = sorted(words)
        """,
        "ids = list({1, 2, 3})\n",
        "idx = list(set(range(10)))\n",
        """
        seen = set(tokens)
        if 'a' in seen:
            print(len(seen))
        """,
        """
        labels = set(names)
        for name in labels:
            print(name)
        """,
        "tokens = list(words)\n",
        """
        kinds = {p.device.type for p in params}
        kind = next(iter(kinds))
        """,
        """
        names = set(a)
        for n in names:
            if len(n) > 3:
                print(n)
        """,
    ]
    INVALID = [
        Example(
            "vocab = list(set(words))\n",
            fixed="""\
vocab = sorted(set(words))
""",
        ),
        """
        words = {'cat', 'dog', 'emu'}
        w2i = {w: i for i, w in enumerate(words)}
        """,
        """
        classes = frozenset(labels)
        mapping = dict(zip(classes, range(len(classes))))
        """,
        """
        def build(tokens):
            vocab = {}
            for t in set(tokens):
                vocab[t] = len(vocab)
            return vocab
        """,
        """
        names = {n.lower() for n in raw}
        out = []
        for n in names:
            out.append(n)
        """,
        "key = ''.join(set('abcdef'))\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        facts = ctx.facts
        for call in facts.calls:
            arg = self._ordered_set_arg(ctx, call)
            if arg is not None:
                yield self.at_call(
                    ctx,
                    call,
                    self._message(f"`{call.raw or call.method}(...)`"),
                    self._call_fix(call, arg),
                )
        for loop in facts.loops:
            if (
                loop.iter is not None
                and self._set_valued(ctx, loop.iter, loop.scope)
                and _builds_sequence(facts, loop)
            ):
                assert loop.iter.start is not None and loop.iter.end is not None
                yield self.diagnostic(
                    ctx,
                    self._message("a `for` loop building a sequence"),
                    loop.iter.start,
                    loop.iter.end,
                    fix=_wrap_sorted(Applicability.UNSAFE, loop.iter.start, loop.iter.end),
                )

    @staticmethod
    def _message(sink: str) -> str:
        return (
            f"{sink} iterates a set: the order of a set of strings changes with every "
            "process (hash randomization); iterate `sorted(...)` instead"
        )

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
            return Fix(
                Applicability.UNSAFE,
                "Replace `list` with `sorted`",
                (Edit("sorted", call.start, end),),
            )
        if arg.start is None or arg.end is None:
            return None
        return _wrap_sorted(Applicability.UNSAFE, arg.start, arg.end)
