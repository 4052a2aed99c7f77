"""A planted cache entry cannot run code: it is ignored and the files are linted again.

Each attack writes a well-formed entry (magic line, matching checksum, the right
key) whose pickle calls a function that would create a marker file; the run must
not create it, must print what a run without a cache prints, and must replace
the entry with a real one.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import os
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from tests.conftest import run_cli
from torchseedlint import rules
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.engine.cache import _MAGIC, Cache, _Unpickler, stored_classes
from torchseedlint.engine.results import FileResult
from torchseedlint.semantic.facts import Call, ModuleFacts

TRAIN = (
    "import random\nimport torch\nfrom helpers import jitter\n\n"
    "model = torch.nn.Linear(2, 2)\nx = jitter(random.random())\n"
)
HELPERS = "import numpy as np\n\n\ndef jitter(x):\n    return x + np.random.rand()\n"


def _text(value: str) -> bytes:
    data = value.encode("utf-8")
    return b"\x8c" + bytes([len(data)]) + data  # SHORT_BINUNICODE


def _calling(module: str, name: str, argument: str) -> Callable[[str], bytes]:
    """A protocol-4 pickle of ``(key, module.name(argument))``, the name written as
    given: STACK_GLOBAL resolves a dotted name attribute by attribute."""

    def payload(key: str) -> bytes:
        call = _text(module) + _text(name) + b"\x93" + _text(argument) + b"\x85R"
        return b"\x80\x04" + _text(key) + call + b"\x86."

    return payload


def _attacks(marker: Path) -> Dict[str, Callable[[str], bytes]]:
    shell = f"touch '{marker}'"
    return {
        # A torchseedlint module with a dotted name: torchseedlint.engine.cache.os.system.
        "dotted-name-under-torchseedlint": _calling(
            "torchseedlint.engine.cache", "os.system", shell
        ),
        "builtins-eval": _calling("builtins", "eval", f"open({str(marker)!r}, 'w').close()"),
        "posix-system": _calling("posix", "system", shell),
        "garbage": lambda key: b"\x80\x04not a pickle at all",
    }


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "train.py").write_text(TRAIN)
    (root / "helpers.py").write_text(HELPERS)
    return root


def _lint(root: Path, *args: str) -> str:
    result = run_cli("--isolated", "--jobs", "1", *args, str(root))
    assert result.exit_code == 1, result.output
    return result.output


def _entries(cache: Path) -> List[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.parent != cache)


def _plant(entry: Path, payload: bytes) -> None:
    entry.write_bytes(_MAGIC + hashlib.sha256(payload).hexdigest().encode("ascii") + payload)


@pytest.mark.parametrize(
    "attack", ["dotted-name-under-torchseedlint", "builtins-eval", "posix-system", "garbage"]
)
def test_planted_entry_is_ignored_and_the_files_are_linted_again(
    tmp_path: Path, attack: str
) -> None:
    root = _project(tmp_path / "project")
    cache = tmp_path / "cache"
    marker = tmp_path / "pwned"
    clean = _lint(root, "--no-cache")
    assert _lint(root, "--cache-dir", str(cache)) == clean
    entries = _entries(cache)
    assert entries  # the run entry and each module's facts
    for entry in entries:
        _plant(entry, _attacks(marker)[attack](entry.name))

    assert _lint(root, "--cache-dir", str(cache)) == clean
    assert not marker.exists()
    for entry in entries:  # each was replaced by a real entry
        stored_key, _ = _Unpickler(_payload(entry)).load()
        assert stored_key == entry.name


def test_truncated_entry_is_ignored(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    cache = tmp_path / "cache"
    clean = _lint(root, "--no-cache")
    _lint(root, "--cache-dir", str(cache))
    for entry in _entries(cache):
        entry.write_bytes(entry.read_bytes()[:-20])
    assert _lint(root, "--cache-dir", str(cache)) == clean


def _payload(entry: Path) -> io.BytesIO:
    return io.BytesIO(entry.read_bytes()[len(_MAGIC) + 64 :])  # after the magic and checksum


def test_allowed_classes_are_the_stored_data_classes() -> None:
    allowed = stored_classes((FileResult, ModuleFacts))
    assert FileResult in allowed and ModuleFacts in allowed and Call in allowed
    assert all(cls.__module__.startswith("torchseedlint.") for cls in allowed)
    assert all("." not in cls.__qualname__ for cls in allowed)


def test_a_diagnostic_and_its_fix_round_trip(tmp_path: Path) -> None:
    location = Location(1, 1)
    fix = Fix(Applicability.UNSAFE, "m", (Edit("x", location, location),))
    stored = Diagnostic("TSL202", "n", "m", "p.py", location, location, fix=fix)
    cache = Cache(tmp_path)
    cache.put("run", "key", [stored])
    (loaded,) = cache.get("run", "key")
    assert loaded == stored and loaded.fix.applicability is Applicability.UNSAFE


def test_a_changed_rule_module_invalidates_the_cache() -> None:
    """A development checkout edits rules without a new version: every module of
    the package (not only the engine's) is part of the cache's key."""
    from torchseedlint.engine.cache import _code_fingerprint

    rule = Path(inspect.getfile(rules.RULES_BY_CODE["TSL101"]))
    before, stat = _code_fingerprint(), rule.stat()
    try:
        os.utime(rule, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert _code_fingerprint() != before
    finally:
        os.utime(rule, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _code_fingerprint() == before
