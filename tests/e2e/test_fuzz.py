"""Fuzzing: generated programs (hypothesmith) and mutated fixtures never crash the
linter, and every fix applied together leaves code that parses and needs no more fixes.

Bounded for CI; ``TSL_FUZZ_EXAMPLES=5000 pytest tests/e2e/test_fuzz.py`` runs a long
campaign (the example count is per test).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, List

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torchseedlint.core.diagnostics import Diagnostic, Location
from torchseedlint.core.text import line_offsets
from torchseedlint.engine.runner import lint_source
from torchseedlint.fix.loop import fix_text, parses_and_compiles
from torchseedlint.settings.config import Config

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("TSL_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="TSL_FUZZ_EXAMPLES" not in os.environ,  # CI: the same examples every run
    suppress_health_check=list(HealthCheck),
    database=None,
)
CONFIG = Config().with_overrides(select=("ALL",))
PATH = "fuzz.py"
FIXTURES = sorted(Path(__file__).parents[1].joinpath("fixtures").rglob("*.py"))


def within(text: str, location: Location) -> bool:
    """A 1-based position inside ``text`` (the position just past the end included)."""
    offsets = line_offsets(text)
    if not 1 <= location.row <= len(offsets):
        return False
    start = offsets[location.row - 1]
    end = offsets[location.row] if location.row < len(offsets) else len(text)
    return 1 <= location.column <= end - start + 1


def check_program(text: str) -> None:
    """The properties every input must have."""
    diagnostics = lint_source(text, PATH, CONFIG)  # raises InternalError if a rule crashes
    assert diagnostics == sorted(diagnostics, key=Diagnostic.sort_key)
    for diagnostic in diagnostics:
        assert within(text, diagnostic.location), diagnostic
        assert within(text, diagnostic.end_location), diagnostic
        assert (diagnostic.end_location.row, diagnostic.end_location.column) >= (
            diagnostic.location.row,
            diagnostic.location.column,
        ), diagnostic
        for edit in diagnostic.fix.edits if diagnostic.fix else ():
            assert within(text, edit.location) and within(text, edit.end_location), diagnostic
    if not parses_and_compiles(text, PATH):
        return
    fixed = fix_text(text, PATH, CONFIG, unsafe=True, diagnostics=diagnostics)
    assert fixed.dropped == [], [d.code for d in fixed.dropped]
    assert parses_and_compiles(fixed.text, PATH)
    again = fix_text(fixed.text, PATH, CONFIG, unsafe=True)
    assert again.fixed == [], (fixed.text, [d.code for d in again.fixed])


@FUZZ
@given(hypothesmith.from_grammar())
def test_generated_programs_from_the_grammar(text: str) -> None:
    check_program(text)


@FUZZ
@given(hypothesmith.from_node())
def test_generated_programs_from_cst_nodes(text: str) -> None:
    check_program(text)


# --- mutations of the fixtures -------------------------------------------------------

SNIPPETS = [
    "torch.manual_seed(0)",
    "torch.cuda.manual_seed_all(1)",
    "random.seed(2)",
    "np.random.seed(3)",
    "numpy.random.seed(2**40)",
    "torch.seed()",
    "torch.manual_seed(time.time())",
    "torch.use_deterministic_algorithms(True)",
    "torch.backends.cudnn.benchmark = True",
    "os.environ['PYTHONHASHSEED'] = '0'",
    "os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'",
    "import torch",
    "import torch as T",
    "import numpy as np",
    "import random as rnd",
    "from torch import manual_seed as seed_all",
    "from torch.utils.data import DataLoader",
    "from torch.utils.data import DataLoader as DL",
    "g = torch.Generator()",
    "x = torch.rand(3)",
    "x = np.random.rand(3)",
    "loader = DataLoader(dataset, batch_size=2, shuffle=True, num_workers=2)",
    "for batch in DataLoader(ds, num_workers=4):\n    pass",
    "# a comment",
    "# noqa: TSL101",
    "# torchseedlint: noqa",
    "",
    "if __name__ == '__main__':\n    main()",
    "def seed_everything(seed):\n    torch.manual_seed(seed)",
]
LOADER_ARGUMENTS = [
    "num_workers=4",
    "num_workers=0",
    "shuffle=True",
    "generator=g",
    "worker_init_fn=lambda w: None",
    "worker_init_fn=seed_worker",
    "persistent_workers=True",
    "sampler=RandomSampler(ds)",
    "in_order=False",
    "multiprocessing_context='spawn'",
    "**kwargs",
    "*args",
]
KEYWORD = re.compile(r"\b\w+=[^,()\n]*(, *|(?=\)))")
ALIAS = re.compile(r"^(?:import|from) [\w.]+(?: import \w+)? as (\w+)", re.MULTILINE)

Mutation = Callable[[str], str]


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


@st.composite
def mutation(draw: st.DrawFn) -> Mutation:
    kind = draw(
        st.sampled_from(["insert", "delete", "swap", "argument", "drop-argument", "alias", "blank"])
    )
    a, b = draw(st.integers(0, 10_000)), draw(st.integers(0, 10_000))
    snippet = draw(st.sampled_from(SNIPPETS))
    argument = draw(st.sampled_from(LOADER_ARGUMENTS))

    def apply(text: str) -> str:
        lines = text.splitlines(keepends=True) or [""]
        i, j = a % len(lines), b % len(lines)
        if kind == "insert":
            indent = _indent_of(lines[i])
            block = "".join(indent + row + "\n" for row in snippet.split("\n"))
            return "".join(lines[:i]) + block + "".join(lines[i:])
        if kind == "delete":
            return "".join(lines[:i] + lines[i + 1 :])
        if kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
            return "".join(lines)
        if kind == "blank":
            return "".join(lines[:i]) + "\n" * (1 + j % 3) + "".join(lines[i:])
        if kind == "argument":
            calls = [m.end() for m in re.finditer(r"\b(?:DataLoader|DL)\(", text)]
            if not calls:
                return text
            at = calls[a % len(calls)]
            return text[:at] + argument + ", " + text[at:]
        if kind == "drop-argument":
            keywords = list(KEYWORD.finditer(text))
            if not keywords:
                return text
            found = keywords[a % len(keywords)]
            return text[: found.start()] + text[found.end() :]
        aliases = ALIAS.findall(text)  # "alias": rename an import alias everywhere
        if not aliases:
            return text
        old = aliases[a % len(aliases)]
        return re.sub(rf"\b{re.escape(old)}\b", f"{old}_{j % 7}", text)

    return apply


@FUZZ
@given(st.sampled_from(FIXTURES), st.lists(mutation(), min_size=1, max_size=6))
def test_mutated_fixtures(fixture: Path, mutations: List[Mutation]) -> None:
    text = fixture.read_text(encoding="utf-8")
    for mutate in mutations:
        text = mutate(text)
    check_program(text)


def test_every_fixture_unmutated() -> None:
    for fixture in FIXTURES:
        check_program(fixture.read_text(encoding="utf-8"))
