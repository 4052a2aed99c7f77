"""Writing a file back in place, all or nothing: the one writer of ``--fix`` and ``--add-noqa``.

A file is replaced by renaming a complete temporary file over it (written and
fsynced in the same directory, with the file's permission bits), so a reader,
a crash or a kill sees either the old content or the new one. A symbolic link
is written through: its target gets the new content and the link stays a link.
A file whose bytes are no longer the ones the tool read is left alone
(:class:`NotWritten`): someone edited it meanwhile.

SIGINT and SIGTERM are held from before the temporary file exists until it is
renamed or removed, then delivered, so an interrupted run leaves no temporary
file behind (SIGKILL cannot be held).
"""

from __future__ import annotations

import os
import secrets
import signal
import stat
import threading
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any, Dict, Iterator, List, Optional


class NotWritten(Exception):
    """A file could not be written back safely; it was left as it was."""


_HELD = (signal.SIGINT, signal.SIGTERM)
_CAN_MASK = hasattr(signal, "pthread_sigmask")  # not on Windows, where a rename is still atomic
# What a write may raise, for callers that report a file as not written and go on.
WRITE_ERRORS = (NotWritten, OSError, UnicodeEncodeError)


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace the content of ``path`` (of its target, for a symbolic link) with ``data``.

    Raises NotWritten if the file no longer holds ``expected``, OSError if it
    cannot be written; in both cases it is unchanged and no temporary file remains.
    """
    target = Path(os.path.realpath(path))
    with signals_held():
        _replace(target, data, expected)


def _replace(target: Path, data: bytes, expected: bytes) -> None:
    mode = stat.S_IMODE(target.stat().st_mode)
    # Named before it is created, so that the cleanup below knows it whatever
    # interrupts the creation.
    temporary = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        # Checked as late as possible: the window for a lost edit is this one read.
        if target.read_bytes() != expected:
            raise NotWritten("it changed on disk while torchseedlint was working on it")
        os.replace(temporary, target)
    finally:
        # After the rename the name is gone; on every other path the file goes.
        with suppress(FileNotFoundError):
            os.unlink(temporary)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs, and deliver them after it.

    Two layers, because each alone leaves a window. ``pthread_sigmask`` blocks
    them for this thread only: a signal sent to the process can still be
    delivered to another thread (a parse thread that is still exiting, say),
    where SIGTERM's default action ends the process at once. And a Python-level
    handler runs in the main thread at any later bytecode, so a SIGINT that
    arrived just before the block would raise inside it. So the handlers are
    also replaced, for the block, by one that only records the signal.
    Off the main thread handlers cannot be replaced: only the mask applies.
    """
    received: List[int] = []

    def record(signum: int, frame: Optional[FrameType]) -> None:
        received.append(signum)

    previous: Dict[int, Any] = {}  # the handlers replaced, as signal.signal returns them
    try:
        if threading.current_thread() is threading.main_thread():
            for signum in _HELD:
                # None: a handler installed outside Python, which cannot be put back.
                if signal.getsignal(signum) is not None:
                    previous[signum] = signal.signal(signum, record)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if _CAN_MASK else None
        try:
            yield
        finally:
            if mask is not None:
                # Delivers what arrived meanwhile to ``record`` (Python runs a pending
                # handler before it replaces that handler, below). Not sigwait: another
                # thread may take the pending signal first, and sigwait would then block.
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        for number in dict.fromkeys(received):
            signal.raise_signal(number)
