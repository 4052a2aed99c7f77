"""Worker processes that keep what they computed (``engine.workers``): real
processes, as ``--jobs`` starts them."""

from __future__ import annotations

import os
from typing import Dict, List, Tuple

import pytest

from torchseedlint.engine.workers import WorkerError, Workers


def _remember(state: Dict[str, int], item: str) -> Tuple[int, str]:
    state[item] = len(item)
    return os.getpid(), item.upper()


def _recall(state: Dict[str, int], item: str) -> Tuple[int, int]:
    return os.getpid(), state[item]  # KeyError where this process did not see ``item``


def _fail(_state: object, item: str) -> str:
    if item == "bad":
        raise ValueError("broken item")
    return item


def _die(_state: object, item: str) -> str:
    os._exit(3)


def _count(state: Dict[str, int], value: int) -> None:
    state["posted"] = state.get("posted", 0) + value


def _posted(state: Dict[str, int], _item: str) -> int:
    return state.get("posted", 0)


ITEMS = [f"file{i}.py" for i in range(40)]


def test_results_come_in_the_order_of_the_items() -> None:
    with Workers(2, {}) as workers:
        answers = list(workers.map(_remember, ITEMS))
    assert [text for _, text in answers] == [item.upper() for item in ITEMS]
    assert len({pid for pid, _ in answers} - {os.getpid()}) == 2  # both workers took some


def test_pinned_items_go_back_to_the_process_that_took_them() -> None:
    with Workers(2, {}) as workers:
        first = dict(zip(ITEMS, workers.map(_remember, ITEMS)))
        again = list(workers.map(_recall, ITEMS, pinned=True))
    # Each item reaches the state of the worker that saw it first (elsewhere: KeyError).
    assert again == [(first[item][0], len(item)) for item in ITEMS]


def test_a_worker_exception_is_raised_with_its_traceback() -> None:
    with Workers(2, {}) as workers:
        with pytest.raises(WorkerError, match="ValueError: broken item"):
            list(workers.map(_fail, ["a", "b", "bad", "c"]))


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with Workers(2, {}) as workers:
        with pytest.raises(WorkerError, match="died"):
            list(workers.map(_die, ["a", "b"]))


def test_posted_calls_run_in_every_worker_before_the_next_map() -> None:
    with Workers(2, {}) as workers:
        workers.post(_count, 2)
        workers.broadcast(_count, 3)
        seen: List[int] = list(workers.map(_posted, ITEMS))
    assert seen == [5] * len(ITEMS)
