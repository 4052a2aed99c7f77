"""The shape of a rule (what a rule sees is :mod:`torchseedlint.semantic.context`).

A rule is one small class, in Fixit's style: its code and name, its
documentation (the docstring, in ruff's layout), ``VALID``/``INVALID`` examples
that the test suite runs, and ``check``, which reads the module's facts and
yields diagnostics. Rules never traverse the tree.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Dict, FrozenSet, Iterator, Optional, Sequence, Union

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix, Location
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call

_SECTION = re.compile(r"^## (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Example:
    """A code example for a rule; ``settings`` are ``[tool.torchseedlint]`` keys.

    ``fixed``, on an ``INVALID`` example: the code once every fix is applied
    (``--fix --unsafe-fixes``), checked by the tests. In a rule's ``VALID`` and
    ``INVALID``, code may be written as an indented triple-quoted block, as in
    Fixit: the rule stores it without its first newline and common indentation.
    """

    code: str
    settings: Dict[str, Any] = field(default_factory=dict)
    path: str = "train.py"
    fixed: Optional[str] = None


def _code_block(text: str) -> str:
    """A triple-quoted example as code: its first newline and common indentation removed."""
    return textwrap.dedent(text[1:] if text.startswith("\n") else text)


def _as_written(example: Union[str, Example]) -> Union[str, Example]:
    if isinstance(example, str):
        return _code_block(example)
    fixed = None if example.fixed is None else _code_block(example.fixed)
    return replace(example, code=_code_block(example.code), fixed=fixed)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    default_enabled: ClassVar[bool] = True
    severity: ClassVar[str] = "error"  # error | warning | note, as SARIF levels
    fix_safety: ClassVar[Optional[Applicability]] = None  # None: the rule offers no fix
    # Words for the text screen (``torchseedlint.engine.screen``): a file without any
    # of them (compared case-insensitively) cannot hold a finding of this rule, so it
    # is not parsed for it. No default: a rule that forgets them fails the registry test.
    triggers: ClassVar[FrozenSet[str]]
    VALID: ClassVar[Sequence[Union[str, Example]]] = ()
    INVALID: ClassVar[Sequence[Union[str, Example]]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Examples are written as indented triple-quoted blocks, as in Fixit: they are
        # stored as the code they stand for.
        for kind in ("VALID", "INVALID"):
            if kind in vars(cls):
                setattr(cls, kind, [_as_written(example) for example in vars(cls)[kind]])

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        """The docstring, dedented: markdown in ruff's section layout."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def section(cls, title: str) -> str:
        """The text of one ``## title`` section of the docs ("" when absent)."""
        parts = _SECTION.split(cls.doc())
        # parts = [preamble, title1, body1, title2, body2, ...]
        for index in range(1, len(parts) - 1, 2):
            if parts[index].strip() == title:
                return parts[index + 1].strip()
        return ""

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring's "What it does" section."""
        what = cls.section("What it does")
        if what:
            return what.splitlines()[0].strip()
        doc = cls.doc().splitlines()
        return doc[0].strip() if doc else cls.name

    def diagnostic(
        self,
        ctx: Context,
        message: str,
        start: Location,
        end: Location,
        stmt_end_row: Optional[int] = None,
        fix: Optional[Fix] = None,
    ) -> Diagnostic:
        rows = (start.row,) if stmt_end_row in (None, start.row) else (start.row, stmt_end_row)
        return Diagnostic(
            code=self.code,
            name=self.name,
            message=message,
            path=ctx.path,
            location=start,
            end_location=end,
            severity=self.severity,
            fix=fix if ctx.build_fixes else None,
            noqa_rows=rows,
        )

    def at_call(
        self, ctx: Context, call: Call, message: str, fix: Optional[Fix] = None
    ) -> Diagnostic:
        return self.diagnostic(ctx, message, call.start, call.end, call.stmt_end_row, fix)
