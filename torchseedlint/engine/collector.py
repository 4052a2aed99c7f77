"""Garbage-collector settings for the processes torchseedlint owns: the command
line and the language server. Not applied by the library: an embedding program
keeps its own."""

from __future__ import annotations

import gc

# Collect young garbage every 50,000 allocations, not every 700: each file's
# syntax tree (tens of thousands of nodes, freed by reference counting when its
# facts are taken) then mostly dies before a collection scans it. On the timm wheel
# this took the collector from 33 % to 9 % of a cold run (benchmarks/RESULTS.md).
GC_THRESHOLD = (50_000, 50, 100)


def tune_collector() -> None:
    gc.set_threshold(*GC_THRESHOLD)


def keep_out_of_collections() -> None:
    """Everything alive now (a language server's project index, its kept facts)
    is long-lived: collect once, then leave it out of later collections, which
    otherwise rescan it during the next lints (their p90 was 2.5x their median)."""
    gc.unfreeze()  # what an older index left frozen can be collected now
    gc.collect()
    gc.freeze()
