"""The shared writer of ``--fix`` and ``--add-noqa``: one rename, mode kept, links kept,
a file edited meanwhile left alone. (Interrupted writes: ``test_write_safety.py``.)"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, List, Sequence, Tuple

import pytest

from tests.conftest import CliResult, run_cli
from torchseedlint.fix import add_noqa as add_noqa_module
from torchseedlint.fix.atomic_write import NotWritten, signals_held, write_atomic

FLAGGED = "import torch\nmodel = torch.nn.Linear(2, 2)\n"
NOQA_LINE = "model = torch.nn.Linear(2, 2)  # noqa: TSL101\n"


def add_noqa(*paths: Path) -> CliResult:
    return run_cli("--isolated", "--add-noqa", *map(str, paths))


def test_write_replaces_by_rename_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_bytes(b"old\n")
    path.chmod(0o640)
    inode = path.stat().st_ino
    write_atomic(str(path), b"new\n", b"old\n")
    assert path.read_bytes() == b"new\n"
    assert path.stat().st_ino != inode
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]


def test_write_through_a_link_changes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "train.py"
    target.parent.mkdir()
    target.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomic(str(link), b"new\n", b"old\n")
    assert link.is_symlink() and link.resolve() == target
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "real"]


def test_write_refuses_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_bytes(b"edited by the user\n")
    with pytest.raises(NotWritten, match="changed on disk"):
        write_atomic(str(path), b"new\n", b"old\n")
    assert path.read_bytes() == b"edited by the user\n"
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]


def test_add_noqa_writes_by_rename_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(FLAGGED)
    path.chmod(0o600)
    inode = path.stat().st_ino
    result = add_noqa(path)
    assert result.exit_code == 0, result.output
    assert path.read_text().endswith(NOQA_LINE)
    assert path.stat().st_ino != inode
    assert path.stat().st_mode & 0o777 == 0o600


def test_add_noqa_through_a_link_writes_the_target_once(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    target.write_text(FLAGGED)
    (tmp_path / "alias.py").symlink_to(target)
    result = add_noqa(tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "alias.py").is_symlink()
    assert target.read_text().endswith(NOQA_LINE)  # one comment, not one per path
    assert "Added 1 noqa directive." in result.stderr


def test_add_noqa_leaves_a_file_edited_meanwhile_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited, other = tmp_path / "edited.py", tmp_path / "other.py"
    for path in (edited, other):
        path.write_text(FLAGGED)
    real_add_noqa = add_noqa_module.add_noqa

    def user_saves_meanwhile(
        text: str, diagnostics: Sequence[Any], reason: str = ""
    ) -> Tuple[str, int]:
        edited.write_text("# the user's edit\n" + FLAGGED)
        return real_add_noqa(text, diagnostics, reason)

    monkeypatch.setattr(add_noqa_module, "add_noqa", user_saves_meanwhile)
    result = add_noqa(tmp_path)
    assert edited.read_text() == "# the user's edit\n" + FLAGGED
    assert other.read_text().endswith(NOQA_LINE)
    assert f"error: {edited}: not written: it changed on disk" in result.stderr
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edited.py", "other.py"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_the_block_is_delivered_once_after_it(signum: int) -> None:
    calls: List[int] = []

    def handler(number: int, frame: object) -> None:
        calls.append(number)

    previous = signal.signal(signum, handler)
    try:
        with signals_held():
            os.kill(os.getpid(), signum)
            inside = list(calls)
        after = list(calls)
        restored = signal.getsignal(signum)
    finally:
        signal.signal(signum, previous)
    assert inside == []
    assert after == [signum]
    assert restored is handler
