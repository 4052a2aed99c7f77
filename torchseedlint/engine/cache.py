"""The result cache: nothing is analysed twice while nothing changes.

``.torchseedlint_cache/`` at the project root (or ``--cache-dir`` /
``TORCHSEEDLINT_CACHE_DIR``) holds two kinds of entries, each keyed by a hash of
the tool version, the resolved settings and the content of what it depends on:

* ``facts``: one file's :class:`ModuleFacts` (or that the text screen left it
  out), so the project index is rebuilt without parsing what did not change;
* ``run``: the results of a whole run, keyed by every linted file's path and
  content; it also lists the other project modules the run read (imported
  helpers), with their content hashes, and is used only while those still match.

A run whose files or imported modules changed re-parses only the changed files
and runs the rules again on every file (a file's diagnostics may depend on the
facts of any module it imports). Known limit: a project module that did not
exist during the cached run and is not among the linted files is not noticed.

Entries are written atomically (a temporary file, then a rename). An entry is
trusted only if it carries this cache's magic line, a matching checksum, the same
key, and unpickles to the data classes the cache stores; anything else is ignored
and the files are linted again. The checksum only detects damage (anyone who can
write an entry can write its checksum): what keeps a planted entry from running
code is the unpickler, which builds nothing but an exact list of classes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import tempfile
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

from torchseedlint import __version__
from torchseedlint.engine.results import FileResult
from torchseedlint.semantic.facts import ModuleFacts
from torchseedlint.semantic.summary import ModuleSummary
from torchseedlint.settings.config import Config

CACHE_DIR_NAME = ".torchseedlint_cache"
ENV_VAR = "TORCHSEEDLINT_CACHE_DIR"
_MAGIC = b"torchseedlint-cache 3\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by torchseedlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def _types_in(hint: Any) -> Iterator[type]:
    """The classes a type hint names: ``Optional[List[Call]]`` -> NoneType, list, Call."""
    if isinstance(hint, type):
        yield hint
    for argument in typing.get_args(hint):
        yield from _types_in(argument)


def stored_classes(roots: Iterable[type]) -> FrozenSet[type]:
    """The roots and every torchseedlint data class their fields hold, at any depth.

    Derived from the dataclasses' type hints, so that a field added to the facts
    or to a result is allowed without a hand-kept list.
    """
    found: Set[type] = set()
    pending = list(roots)
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.add(cls)
        if dataclasses.is_dataclass(cls):
            for hint in typing.get_type_hints(cls).values():
                pending += [t for t in _types_in(hint) if t.__module__.startswith("torchseedlint.")]
    return frozenset(found)


@lru_cache(maxsize=None)
def _allowed() -> Dict[Tuple[str, str], type]:
    """(module, name) -> class, for exactly the classes an entry may build."""
    return {
        (cls.__module__, cls.__qualname__): cls
        for cls in stored_classes((FileResult, ModuleFacts, ModuleSummary))
    }


class _Unpickler(pickle.Unpickler):
    """Builds nothing but the classes of :func:`_allowed`, looked up as exact
    (module, name) pairs: no dotted names, no other module, no builtin callable;
    so an entry can hold plain containers and these data classes, and cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        found = _allowed().get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")
        return found


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_fingerprint() -> str:
    """The tool's own source files (names, sizes, times): a development checkout
    that changes a rule without a new version must not reuse old results."""
    package = Path(__file__).resolve().parent.parent  # torchseedlint/, every subpackage
    parts = []
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        parts.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return content_hash("\n".join(parts).encode("utf-8"))


class Cache:
    def __init__(self, directory: Path, *configs: Config) -> None:
        self.directory = directory
        # Everything the results depend on besides the files themselves (the run's
        # settings and those of every linted file).
        self.salt = f"{__version__}\0{_code_fingerprint()}\0{configs!r}"

    def key(self, kind: str, parts: Iterable[str]) -> str:
        digest = hashlib.sha256(f"{kind}\0{self.salt}".encode("utf-8"))
        for part in parts:
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / kind / key[:2] / key

    def get(self, kind: str, key: str) -> Optional[Any]:
        """The value stored under ``key``, or None when absent, corrupt or foreign."""
        try:
            data = self._path(kind, key).read_bytes()
        except OSError:
            return None
        header_end = len(_MAGIC) + 64
        if not data.startswith(_MAGIC) or len(data) < header_end:
            return None
        payload = data[header_end:]
        if data[len(_MAGIC) : header_end].decode("ascii", "replace") != content_hash(payload):
            return None
        try:
            stored_key, value = _Unpickler(io.BytesIO(payload)).load()
        except Exception:  # noqa: BLE001 - any unreadable entry is simply a miss
            return None
        return value if stored_key == key else None

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store ``value``; a cache that cannot be written is not an error."""
        payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        target = self._path(kind, key)
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(_MAGIC + content_hash(payload).encode("ascii") + payload)
            os.replace(temporary, target)
        except OSError:
            return

    def _prepare(self) -> None:
        if (self.directory / "CACHEDIR.TAG").exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / ".gitignore").write_text("*\n", encoding="utf-8")
        (self.directory / "CACHEDIR.TAG").write_text(_CACHEDIR_TAG, encoding="utf-8")


def cache_directory(root: Path, override: Optional[str] = None) -> Path:
    """``override``, else ``$TORCHSEEDLINT_CACHE_DIR``, else the project root's cache."""
    chosen = override or os.environ.get(ENV_VAR)
    return Path(chosen) if chosen else root / CACHE_DIR_NAME


def file_hashes(paths: Iterable[str]) -> List[Tuple[str, str]]:
    """(path, content hash) per file; an unreadable file hashes as empty-marked."""
    found = []
    for path in paths:
        try:
            found.append((path, content_hash(Path(path).read_bytes())))
        except OSError:
            found.append((path, "unreadable"))
    return found
