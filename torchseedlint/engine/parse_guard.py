"""Guarding libcst's native parser against nesting that would overflow the C stack.

A stack overflow in native code kills the process: it cannot be caught. CPython
itself refuses brackets nested more than 200 deep ("too many nested
parentheses"), so a file nested deeper is not valid Python and is reported as
such without being parsed. Everything else is parsed on a thread with a large
stack, so the deepest valid code (and libcst's own recursion) has room.
"""

from __future__ import annotations

import io
import re
import threading
import tokenize
from typing import Callable, List, Optional, TypeVar

PYTHON_MAX_NESTING = 200  # CPython's tokenizer limit (MAXLEVEL)
_STACK_BYTES = 512 * 1024 * 1024  # virtual: pages are only touched when used
_BRACKETS = re.compile(r"[()\[\]{}]")
_OPEN = "([{"

T = TypeVar("T")


def too_deep(text: str) -> Optional[int]:
    """The bracket depth if it exceeds what Python allows, else None."""
    brackets = _BRACKETS.findall(text)
    if len(brackets) <= PYTHON_MAX_NESTING:
        return None
    depth = deepest = 0
    for char in brackets:
        depth += 1 if char in _OPEN else -1
        deepest = max(deepest, depth)
    if deepest <= PYTHON_MAX_NESTING:
        return None
    # Brackets inside strings and comments may have inflated the count: ask the
    # tokenizer, which sees only real operators.
    return _token_depth(text)


def _token_depth(text: str) -> Optional[int]:
    depth = deepest = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in "()[]{}":
                depth += 1 if token.string in _OPEN else -1
                deepest = max(deepest, depth)
                if deepest > PYTHON_MAX_NESTING:
                    return deepest
    except (tokenize.TokenError, SyntaxError):
        pass
    return None


def on_big_stack(function: Callable[[], T]) -> T:
    """Run ``function`` on a thread whose stack fits deeply recursive parsing."""
    result: List[T] = []
    errors: List[BaseException] = []

    def target() -> None:
        try:
            result.append(function())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)

    previous = threading.stack_size(_STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name="torchseedlint-parse")
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if errors:
        raise errors[0]
    return result[0]
