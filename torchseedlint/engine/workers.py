"""Worker processes that keep what they computed.

``--jobs N`` runs both phases of a run in the same N processes. A file's facts
stay in the worker that analysed it, which sends back only the summary the
project index needs, and lints the file there in phase 2: the facts of a tree
never cross a pipe, and never all sit in one process.

``Workers.map(function, items)`` calls ``function(state, item)`` in the workers
(``state`` is the one each worker was started with, and changes there stay
there) and yields the results in the order of ``items``. Work is handed out in
small chunks to whichever worker is free; ``pinned=True`` hands each item to
the worker that took it in an earlier ``map``.
"""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Deque, Dict, Generic, Iterator, List, Sequence, Tuple, TypeVar

S = TypeVar("S")
T = TypeVar("T")

# Chunks sent to a worker and not answered yet: two keep it busy while the
# parent reads the answers of the first.
_IN_FLIGHT = 2


class WorkerError(Exception):
    """A worker raised: a bug in torchseedlint, with the worker's traceback."""


def _serve(connection: Connection, state: Any) -> None:
    # ^C reaches every process of the group: the parent stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        message = connection.recv()
        if message is None:
            return
        function, items = message
        for item in items:
            try:
                answer: Tuple[bool, Any] = (True, function(state, item))
            except BaseException:  # noqa: BLE001 - reported to the parent, which raises
                answer = (False, traceback.format_exc())
            connection.send(answer)


class Workers(Generic[S]):
    def __init__(self, jobs: int, state: S) -> None:
        methods = multiprocessing.get_all_start_methods()
        # Forked workers inherit ``state`` as it is; elsewhere it is pickled.
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.connections: List[Connection] = []
        self.processes = []
        for _ in range(jobs):
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child, state), daemon=True)
            process.start()
            child.close()
            self.connections.append(parent)
            self.processes.append(process)
        self.owner: Dict[Any, int] = {}  # item -> the worker that took it
        self._posted = 0  # calls ``post`` sent to every worker, not answered yet

    def __enter__(self) -> "Workers[S]":
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(stop=kind is not None)

    def close(self, stop: bool = False) -> None:
        """End the workers: when idle, or at once with ``stop`` (an error, ^C)."""
        for connection in self.connections:
            try:
                connection.send(None)
            except OSError:
                pass  # already gone
        for process in self.processes:
            if stop:
                process.terminate()
            process.join()
        for connection in self.connections:
            connection.close()

    def post(self, function: Callable[[S, T], None], value: T) -> None:
        """``function(state, value)`` in every worker, once, without waiting for it
        (the next ``broadcast`` or ``map`` does)."""
        for connection in self.connections:
            connection.send((function, [value]))
        self._posted += 1

    def broadcast(self, function: Callable[[S, T], None], value: T) -> None:
        """``function(state, value)`` in every worker, once; returns when all are done."""
        self.post(function, value)
        self._collect_posted()

    def _collect_posted(self) -> None:
        for _ in range(self._posted):
            for connection in self.connections:
                self._answer(connection)
        self._posted = 0

    def map(
        self, function: Callable[[S, Any], T], items: Sequence[Any], pinned: bool = False
    ) -> Iterator[T]:
        self._collect_posted()
        jobs = len(self.connections)
        size = max(1, len(items) // (jobs * 8))
        own: List[List[int]] = [[] for _ in range(jobs)]
        free: List[int] = []
        for index, item in enumerate(items):
            owner = self.owner.get(item) if pinned else None
            (own[owner] if owner is not None else free).append(index)
        own_chunks = [deque(_chunks(indexes, size)) for indexes in own]
        free_chunks = deque(_chunks(free, size))
        sent: List[Deque[Deque[int]]] = [deque() for _ in range(jobs)]

        def feed(worker: int) -> None:
            while len(sent[worker]) < _IN_FLIGHT and (own_chunks[worker] or free_chunks):
                chunk = (own_chunks[worker] or free_chunks).popleft()
                self.connections[worker].send((function, [items[i] for i in chunk]))
                sent[worker].append(deque(chunk))

        for worker in range(jobs):
            feed(worker)
        done: Dict[int, T] = {}
        for wanted in range(len(items)):
            while wanted not in done:
                busy = [self.connections[w] for w in range(jobs) if sent[w]]
                for connection in wait(busy):
                    assert isinstance(connection, Connection)
                    worker = self.connections.index(connection)
                    value = self._answer(connection)
                    index = sent[worker][0].popleft()
                    if not sent[worker][0]:
                        sent[worker].popleft()
                        feed(worker)
                    self.owner[items[index]] = worker
                    done[index] = value
            yield done.pop(wanted)

    @staticmethod
    def _answer(connection: Connection) -> Any:
        try:
            ok, value = connection.recv()
        except (EOFError, OSError):  # the pipe closed or was reset
            raise WorkerError("a worker process died") from None
        if not ok:
            raise WorkerError(f"a worker raised:\n{value}")
        return value


def _chunks(indexes: List[int], size: int) -> List[Deque[int]]:
    return [deque(indexes[start : start + size]) for start in range(0, len(indexes), size)]
