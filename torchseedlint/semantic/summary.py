"""What the project index keeps of a module: a summary, a few per cent of its facts.

The index answers questions across modules (where does a name lead, what does a
function seed or draw at any depth, who imports a module). Those need a module's
imports and definitions, its draw graph and each function's calls as seeding
sees them; never the expressions, locations or assignments a rule reads. A run
keeps the full facts only where the file is linted (in the process that
analysed it) and the index keeps this: plain data, cheap to send between processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Tuple

from torchseedlint.semantic.facts import _SLOTS, Import


class Draw(NamedTuple):
    """One call that draws from an RNG, for messages: the draw a finding names.

    A named tuple, as :class:`SeedCall`: summaries hold tens of thousands, and
    sending them to worker processes pickles each (a dataclass twice as slowly).
    """

    callee: str  # as written, e.g. ``torch.randn`` or ``.normal_``
    module: str  # dotted project module it is in; "" for the module being linted
    row: int

    def describe(self) -> str:
        where = f" in `{self.module}`" if self.module else ""
        return f"`{self.callee}`{where} (line {self.row})"


# RNG -> the first draw found from it.
Draws = Dict[str, Draw]


def add_draws(into: Draws, more: Draws) -> bool:
    """Add the RNGs of ``more`` that ``into`` lacks; True when something was added."""
    added = False
    for rng, draw in more.items():
        if rng not in into:
            into[rng] = draw
            added = True
    return added


@dataclass(**_SLOTS)
class DrawGraph:
    """Who draws in a module, node by node (functions, ``AT_IMPORT``, ``MAIN_BLOCK``).

    Plain data built once from the facts; the project index joins the graphs of
    all modules to answer "does this call draw, at any depth, across modules?".
    """

    direct: Dict[str, Draws]  # node -> draws of its own calls
    local: Dict[str, List[str]]  # node -> nodes of this module it runs
    imported: Dict[str, List[str]]  # node -> imported names it calls or passes on


class SeedCall(NamedTuple):
    """A call in a function, as the project's seeding fixpoint sees it."""

    # What the call seeds by itself when ``asks`` is not a project function.
    seeds: FrozenSet[str]
    # The name the analysis asks the project about (a project function seeds what
    # the fixpoint finds, not what its name suggests); None when it asks nothing.
    asks: Optional[str]
    names: Tuple[str, ...]  # the callee's qualified name and its name as written
    local: Optional[str]  # the function of this module the call runs, if any


@dataclass(**_SLOTS)
class ModuleSummary:
    imports: Tuple[Import, ...]
    aliases: Dict[str, str]  # names bound by imports
    functions: FrozenSet[str]  # qualified names, methods and nested functions included
    classes: FrozenSet[str]
    # The module's draw graph less the nodes that neither draw nor run anything.
    graph: DrawGraph
    # Function -> its calls that seed or may lead to seeding code (most do neither).
    seed_calls: Dict[str, Tuple[SeedCall, ...]]
    test_code: bool  # a TestCase or pytest tests (``roles.test_code_reason``)
