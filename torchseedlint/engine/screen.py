"""The text screen: files that cannot produce a finding are not parsed with libcst.

Parsing is the dominant cost of a run, and most files of a large project never
mention anything the selected rules look for. Each rule declares ``triggers``:
words one of which a file must contain for that rule to report anything in it
(derived from the tables the rule reads; see ``rng_api.CONSUMER_WORDS``), and the
generated catalogue (``rules.catalog``) carries them so that screening imports no
rule. A resolved name always spells its last part in the file, at the use or in
the import that binds it, so the screen is exact: a file without any trigger
word of a selected rule has no finding.

Words are compared case-insensitively (suppression comments are), which only
lets more files through.
"""

from __future__ import annotations

import re
from typing import FrozenSet, Set

from torchseedlint.engine.sources import cpython_syntax_error

_WORD = re.compile(r"\w+")


def words(text: str) -> Set[str]:
    """The identifiers (and other word characters runs) of ``text``, lower-cased."""
    return {word.lower() for word in set(_WORD.findall(text))}


def may_report(text: str, triggers: FrozenSet[str]) -> bool:
    """Whether ``text`` holds one of the (lower-case) trigger words."""
    return not triggers.isdisjoint(words(text))


def compiles(text: str, path: str) -> bool:
    """Whether CPython compiles ``text``: a cheap syntax check for screened-out files.

    False does not mean invalid for libcst (CPython also rejects ``return`` outside
    a function, or syntax newer than this interpreter): the caller then parses with
    libcst, which decides.
    """
    return cpython_syntax_error(text, path) is None
