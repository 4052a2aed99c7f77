"""CPU time of node positions on one file: libcst_compat's pass against libcst's
public position providers, and the whole libcst fact collection.

Usage: ``python benchmarks/libcst_positions.py path/to/big_file.py``. Run it when
raising the libcst cap in ``pyproject.toml``: the private pass is worth keeping
only while it is several times faster than the public providers.
"""

from __future__ import annotations

import sys
import time
from importlib.metadata import version
from typing import Callable, Sequence, Type

import libcst as cst
from libcst.metadata import (
    BaseMetadataProvider,
    PositionProvider,
    WhitespaceInclusivePositionProvider,
)

from torchseedlint.semantic.cst_facts import collect_facts
from torchseedlint.semantic.libcst_compat import node_positions


def best_ms(run: Callable[[], object], repeat: int = 7) -> float:
    """The fastest of ``repeat`` runs, in CPU milliseconds (other processes' load aside)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times) * 1000


def main(path: str) -> None:
    text = open(path, encoding="utf-8").read()
    module = cst.parse_module(text)

    def public(providers: Sequence[Type[BaseMetadataProvider[object]]]) -> None:
        cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve_many(providers)

    rows = [
        ("libcst_compat.node_positions", lambda: node_positions(module)),
        ("PositionProvider", lambda: public([PositionProvider])),
        (
            "PositionProvider + WhitespaceInclusivePositionProvider",
            lambda: public([PositionProvider, WhitespaceInclusivePositionProvider]),
        ),
        ("collect_facts (positions included)", lambda: collect_facts(module, path, text)),
    ]
    print(f"{path}: {len(text.splitlines())} lines, libcst {version('libcst')}, CPU ms, best of 7")
    for name, run in rows:
        print(f"{name:56s} {best_ms(run):8.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
