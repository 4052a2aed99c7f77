"""Linting leaves no parse tree behind for the garbage collector to find.

A tree kept alive by a reference cycle is freed only by a full collection, which
costs more the more facts a run holds: every tree must be freed by reference
counting alone, with the collector disabled.
"""

from __future__ import annotations

import gc
from typing import Iterator

import libcst as cst
import pytest

from torchseedlint.engine.runner import lint_file_text
from torchseedlint.settings.config import Config

SCRIPT = """\
import torch
from torch.utils.data import DataLoader

def main():
    model = torch.nn.Linear(4, 2)
    loader = DataLoader(range(8), shuffle=True, num_workers=2)
    for batch in loader:
        model(torch.randn(2, 4)).sum().backward()

if __name__ == "__main__":
    main()
"""


def _live_nodes() -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, cst.CSTNode))


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_no_tree_survives_linting(collector_off: None) -> None:
    before = _live_nodes()
    result = lint_file_text(SCRIPT, "train.py", Config())
    assert result.diagnostics  # the file was parsed and analysed, not screened out
    assert _live_nodes() == before


def test_no_tree_survives_a_libcst_parse_and_facts(collector_off: None) -> None:
    from torchseedlint.semantic.cst_facts import collect_facts

    before = _live_nodes()
    collect_facts(cst.parse_module(SCRIPT), "train.py", SCRIPT)
    assert _live_nodes() == before
