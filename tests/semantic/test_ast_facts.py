"""The ``ast`` fact collector gives exactly the facts of the libcst one.

Every fixture, every rule example and the pinned timm wheel: ``collect_facts_ast``
must equal ``collect_facts`` (dataclass equality), or the test names the first
field that differs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

import libcst as cst
import pytest

from tests.conftest import load_script
from torchseedlint.rules import ALL_RULES, Example
from torchseedlint.semantic.ast_facts import collect_facts_ast
from torchseedlint.semantic.cst_facts import collect_facts

FIXTURES = Path(__file__).parents[1] / "fixtures"


def first_difference(left: Any, right: Any, where: str = "facts") -> Optional[str]:
    """Where ``left`` and ``right`` first differ, e.g. ``facts.calls[3].start: ... != ...``."""
    if type(left) is not type(right):
        return f"{where}: {left!r} != {right!r}"
    if dataclasses.is_dataclass(left):
        for item in dataclasses.fields(left):
            found = first_difference(
                getattr(left, item.name), getattr(right, item.name), f"{where}.{item.name}"
            )
            if found:
                return found
        return None
    if isinstance(left, dict):
        if list(left) != list(right):
            return f"{where} keys: {list(left)} != {list(right)}"
        for key in left:
            found = first_difference(left[key], right[key], f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(left, (list, tuple)):
        for index, (a, b) in enumerate(zip(left, right)):
            found = first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        if len(left) != len(right):
            return f"{where}: {len(left)} items != {len(right)}"
        return None
    return None if left == right else f"{where}: {left!r} != {right!r}"


def facts_difference(text: str, path: str) -> Optional[str]:
    """None when both collectors agree on ``text`` (or ``ast`` cannot parse it)."""
    try:
        module = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - neither path analyses it
        return None
    expected = collect_facts(module, path, text)
    try:
        found = collect_facts_ast(text, path)
    except SyntaxError:
        return None  # the engine uses libcst for it
    difference = first_difference(expected, found)
    assert (difference is None) == (expected == found)
    return difference


def _examples() -> Iterator[Tuple[str, str]]:
    for rule in ALL_RULES:
        for kind in ("VALID", "INVALID"):
            for index, example in enumerate(getattr(rule, kind)):
                code = example.code if isinstance(example, Example) else example
                yield f"{rule.code}-{kind}-{index}", code


EXAMPLES = list(_examples())
FIXTURE_FILES = sorted(FIXTURES.rglob("*.py"))

# Conventions the two parsers disagree on, each written the ways libcst tells apart.
CONVENTIONS = {
    "parentheses": "x = ((a), b)\ny = (a), b\nz = f((a))\nw = f(x for x in y)\n"
    "v = f((x for x in y))\nu = a, b,\nt = f((a), )\ns = f(( a ),)\n"
    "for (i, j) in ((1, 2),): pass\nr = ()\nq = ( 1 , )\n",
    "strings": 'a = "cu" "da"\nb = f"cuda{x}"\nc = "cuda" f"{x}"\nd = "cuda:0"\n'
    'e = torch.device(("cuda"))\nf = """cuda"""\ng = b"cuda"\nh = d["cuda"]\n'
    'x["K"] = 1\nx["K",] = 2\nx["a", "b"] = 3\nx[1:2] = 4\nos.environ["A" "B"] = 5\n',
    "unicode": 'é = torch.randn(3)  # é\ns = "ü" + f(é, k="ß")\nfor x in ("ä", "b"): g(x)\n',
    "suites": "if x: f(); g()\nelse: h()\nfor i in r: f(i)\nwhile t:\n    a(); b()\n"
    "class A(B, metaclass=M): x = f()\ndef f(): return g()\n"
    "try: f()\nexcept E as e: g(e)\nelse: h()\nfinally: k()\n",
    "order": "f(a, *b, k=c(), **d)\nf(k=1, *a)\ny = b() if c() else d()\n{k(): v() for k in x}\n"
    "@dec(a())\nasync def f(a, /, b=c(), *d, e: t() = g(), **h) -> r():\n"
    "    async for x in y(): await z(x)\n    async with a() as b, c(): pass\n"
    "    global q\n    lambda p, *q, r=s(): p.t\n"
    "    return [i for i in range(3) if i if j(i)]\n",
    "imports": "import a.b.c as d, e.f\nfrom . import x\nfrom ..m.n import (o as p, q)\n"
    "from z import *\ndef f():\n    import np.random\n    from u.v import w\n",
    "match": "match p():\n    case None | True: f()\n    case [1, *rest]: g(rest)\n"
    '    case {"k": v, **others}: h(v)\n    case Point(x=0, y=yy) as pt: i(pt)\n'
    "    case 'cuda': pass\n    case _: j()\n",
    "guards": 'if __name__ == "__main__":\n    main()\nelif x: f()\nelse:\n    g()\n'
    'def h():\n    if __name__ == "__main__": k()\n',
}


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_facts_are_equal(path: Path) -> None:
    assert facts_difference(path.read_text(encoding="utf-8"), str(path)) is None


@pytest.mark.parametrize("case", EXAMPLES, ids=lambda case: case[0])
def test_rule_example_facts_are_equal(case: Tuple[str, str]) -> None:
    assert facts_difference(case[1], "example.py") is None


@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_convention_facts_are_equal(name: str) -> None:
    assert facts_difference(CONVENTIONS[name], f"{name}.py") is None


@pytest.mark.slow
@pytest.mark.network
def test_real_corpus_facts_are_equal() -> None:
    """Every file of the pinned timm wheel (downloaded once, into the user's cache)."""
    files: List[Path] = load_script("scripts/real_corpus.py").corpus_files("timm")
    assert len(files) > 200
    differences = []
    for path in files:
        difference = facts_difference(path.read_text(encoding="utf-8"), str(path))
        if difference:
            differences.append(f"{path.name}: {difference}")
    assert differences == []
