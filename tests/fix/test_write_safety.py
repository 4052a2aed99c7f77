"""``--fix`` can never lose a byte: atomic writes, symlinks, races, interrupts, encodings.

The write policy under test (see ``torchseedlint/fix/command.py``): every file is
fixed in memory first, each is written by one rename of a temporary file in its
directory, a file edited on disk meanwhile is left alone (error, exit 2), and a
symbolic link is never written through (warning, its diagnostics stay).
"""

from __future__ import annotations

import codecs
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import CliResult, run_cli, run_cli_process
from torchseedlint.fix import atomic_write
from torchseedlint.fix import command as fix_command

FLAGGED = "import torch\nmodel = torch.nn.Linear(2, 2)\nx = torch.rand(3)\n"
FIXED = "import torch\n\nSEED = 0\ntorch.manual_seed(SEED)\n\nmodel = torch.nn.Linear(2, 2)\n"


def run_fix(*args: str) -> CliResult:
    return run_cli("--isolated", "--fix", *args)


def test_fix_replaces_the_file_by_rename_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(FLAGGED)
    path.chmod(0o640)
    inode = path.stat().st_ino
    result = run_fix(str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text().startswith(FIXED)
    assert path.stat().st_ino != inode  # a new file renamed over the old one
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_symlink_is_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "shared.py"
    target.write_text(FLAGGED)
    project = tmp_path / "project"
    project.mkdir()
    link = project / "train.py"
    link.symlink_to(target)
    result = run_fix(str(project))
    assert target.read_text() == FLAGGED
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "train.py: not fixed: it is a symbolic link" in result.stderr
    assert result.exit_code == 1  # its diagnostics are still reported
    assert "TSL101" in result.stdout


def test_symlink_target_in_the_run_is_fixed_under_its_own_path(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    target.write_text(FLAGGED)
    (tmp_path / "alias.py").symlink_to(target)
    result = run_fix(str(tmp_path))
    assert target.read_text().startswith(FIXED), result.output
    assert (tmp_path / "alias.py").is_symlink()


def test_file_changed_on_disk_while_fixing_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = tmp_path / "edited.py"
    untouched = tmp_path / "untouched.py"
    for path in (edited, untouched):
        path.write_text(FLAGGED)
    real_fix_run = fix_command.fix_run

    def fix_run_then_user_saves(*args: object) -> List[fix_command.FileFix]:
        fixes = real_fix_run(*args)  # type: ignore[arg-type]
        edited.write_text("# the user's edit\n" + FLAGGED)
        return fixes

    monkeypatch.setattr(fix_command, "fix_run", fix_run_then_user_saves)
    result = run_fix("--show-fixes", str(tmp_path))
    assert edited.read_text() == "# the user's edit\n" + FLAGGED
    assert untouched.read_text().startswith(FIXED)
    assert f"error: {edited}: not fixed: it changed on disk" in result.stderr
    assert "edited.py" not in result.stdout.split("Fixed")[-1]  # not counted as fixed
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edited.py", "untouched.py"]


def test_write_atomic_cleans_up_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "train.py"
    path.write_text(FLAGGED)

    def interrupted(source: str, destination: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write.write_atomic(str(path), FIXED.encode(), FLAGGED.encode())
    assert path.read_text() == FLAGGED
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]


@pytest.mark.parametrize(
    "encoding, cookie, bom, newline",
    [
        ("latin-1", "# -*- coding: latin-1 -*-\n", False, "\n"),
        ("cp1252", "# coding: cp1252\n", False, "\n"),
        ("cp1252", "# vim: set fileencoding=cp1252 :\r\n", False, "\r\n"),
        ("utf-8", "", True, "\n"),
        ("utf-8", "", True, "\r\n"),
        ("utf-8", "", False, "\r\n"),
    ],
    ids=["latin1", "cp1252", "cp1252-crlf", "bom", "bom-crlf", "crlf"],
)
def test_encoding_bom_and_line_endings_survive_fix(
    tmp_path: Path, encoding: str, cookie: str, bom: bool, newline: str
) -> None:
    # \u20ac (euro) and \u2019 only exist in cp1252; latin-1 gets \u00e9 only.
    word = "\u20ac \u2019caf\u00e9\u2019" if encoding != "latin-1" else "caf\u00e9 \u00e0"
    lines = [f"name = '{word}'  # {word}", "import torch", "model = torch.nn.Linear(2, 2)", ""]
    text = cookie + newline.join(lines)
    prefix = codecs.BOM_UTF8 if bom else b""
    path = tmp_path / "train.py"
    path.write_bytes(prefix + text.encode(encoding))
    result = run_fix(str(path))
    assert result.exit_code == 0, result.output + result.stderr
    expected = cookie + newline.join(
        [lines[0], lines[1], "", "SEED = 0", "torch.manual_seed(SEED)", "", *lines[2:]]
    )
    assert path.read_bytes() == prefix + expected.encode(encoding)


def test_mixed_line_endings_are_kept_byte_for_byte(tmp_path: Path) -> None:
    data = b"import torch\r\n# a\n# b\rmodel = torch.nn.Linear(2, 2)\r\n"
    path = tmp_path / "train.py"
    path.write_bytes(data)
    assert run_fix(str(path)).exit_code == 0
    written = path.read_bytes()
    head = b"import torch\r\n"
    assert written.startswith(head) and written.endswith(data[len(head) :])
    assert b"torch.manual_seed(SEED)" in written


INERT = """\
import pathlib
pathlib.Path({marker!r}).write_text("executed")
import torch
from {module} import helper
model = torch.nn.Linear(2, 2)
if __name__ == "__main__":
    pathlib.Path({marker!r}).write_text("main ran")
"""


def test_linted_code_is_never_imported_or_executed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    project = tmp_path / "project"
    project.mkdir()
    (project / "train.py").write_text(INERT.format(marker=str(marker), module="helpers"))
    (project / "helpers.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('imported')\n"
        "def helper():\n    pass\n"
    )
    (project / "conftest.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('conftest')\n"
    )
    for args in (["--isolated"], ["--isolated", "--fix", "--unsafe-fixes"]):
        # A fresh interpreter that could import the project's modules, as a test runner would.
        result = run_cli_process(*args, str(project), cwd=project, env={"PYTHONPATH": str(project)})
        assert result.exit_code in (0, 1), result.stderr
        assert not marker.exists()
    assert "torch.manual_seed" in (project / "train.py").read_text()  # --fix did run


# --- interrupted runs ---------------------------------------------------------------
#
# The real command runs in a child process through a launcher that wraps ``os.replace``
# (the rename that puts a fixed file in place) so that the process signals itself at a
# chosen moment of the k-th file's write: before the rename (the complete temporary file
# exists) or just after it. SIGINT and SIGTERM are held by the writer and delivered once
# that file's write is over; SIGKILL cannot be held. So the outcome is exact, whatever
# the machine's load.

TREE_FILES = 8
INTERRUPTER = """
import os, signal, sys
from torchseedlint.cli.main import run

k, signum, moment = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
root = os.path.realpath(sys.argv[-1])
real_replace = os.replace
renames = 0

def replace(source, destination, **kwargs):
    global renames
    if not os.fspath(destination).startswith(root + os.sep):
        return real_replace(source, destination, **kwargs)
    renames += 1
    if renames == k and moment == "before-rename":
        os.kill(os.getpid(), signum)
    real_replace(source, destination, **kwargs)
    if renames == k and moment == "after-rename":
        os.kill(os.getpid(), signum)

os.replace = replace
sys.argv = ["torchseedlint", *sys.argv[4:]]
run()
"""
MOMENTS = ["before-rename", "after-rename"]
# How the run ends: SIGINT is Ctrl-C (exit 130), the others end the process.
EXIT_CODES: Dict[int, int] = {
    signal.SIGINT: 130,
    signal.SIGTERM: -signal.SIGTERM,
    signal.SIGKILL: -signal.SIGKILL,
}


def make_tree(root: Path) -> Dict[str, bytes]:
    """Fixable files, each different so a misplaced write would show."""
    files = {}
    for index in range(TREE_FILES):
        path = root / f"pkg{index % 3}" / f"train_{index:03d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = (f"# file {index}\n" + FLAGGED).encode()
        path.write_bytes(data)
        files[str(path.relative_to(root))] = data
    return files


@pytest.fixture(scope="module")
def fully_fixed(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, bytes]:
    root = tmp_path_factory.mktemp("reference")
    originals = make_tree(root)
    result = run_cli("--isolated", "--fix", "--unsafe-fixes", "--silent", str(root))
    assert result.exit_code in (0, 1), result.stderr
    fixed = {name: (root / name).read_bytes() for name in originals}
    assert all(fixed[name] != originals[name] for name in originals)
    return fixed


def fix_interrupted(root: Path, k: int, signum: int, moment: str) -> CliResult:
    """``--fix`` on the tree in a child process that signals itself during the k-th write."""
    return run_cli_process(
        "--isolated",
        "--fix",
        "--unsafe-fixes",
        "--silent",
        str(root),
        command=(sys.executable, "-c", INTERRUPTER, str(k), str(signum), moment),
    )


def check_interrupted_run(
    root: Path, fully_fixed: Dict[str, bytes], k: int, signum: int, moment: str
) -> None:
    """Each file is its original or its fully fixed bytes; exactly the files written
    before the signal changed; no temporary file is left unless SIGKILL cut a write."""
    originals = make_tree(root)
    result = fix_interrupted(root, k, signum, moment)
    assert result.exit_code == EXIT_CODES[signum], result.stderr
    changed = []
    for name, original in originals.items():
        data = (root / name).read_bytes()
        assert data in (original, fully_fixed[name]), name
        if data != original:
            changed.append(name)
    leftovers = [p for p in root.rglob("*") if p.is_file() and p.suffix != ".py"]
    if signum == signal.SIGKILL and moment == "before-rename":
        # Killed with the k-th file's complete temporary file not yet renamed.
        assert len(changed) == k - 1, changed
        [leftover] = leftovers
        assert leftover.read_bytes() in fully_fixed.values()
    else:
        assert len(changed) == k, changed
        assert leftovers == []


# Each signal at both moments; the first, a middle and the last file (k = all: the
# signal still ends the run after the last write).
@pytest.mark.parametrize(
    "signum,moment,k",
    [
        (signal.SIGINT, "before-rename", 1),
        (signal.SIGINT, "after-rename", TREE_FILES),
        (signal.SIGTERM, "before-rename", 3),
        (signal.SIGTERM, "after-rename", 1),
        (signal.SIGKILL, "before-rename", TREE_FILES),
        (signal.SIGKILL, "after-rename", 3),
    ],
    ids=lambda value: getattr(value, "name", str(value)),
)
def test_interrupted_fix_leaves_each_file_original_or_fully_fixed(
    tmp_path: Path, fully_fixed: Dict[str, bytes], signum: int, k: int, moment: str
) -> None:
    check_interrupted_run(tmp_path, fully_fixed, k, signum, moment)


STRESS_RUNS = 50


@pytest.mark.slow
def test_interrupted_fix_stress_loop(tmp_path: Path, fully_fixed: Dict[str, bytes]) -> None:
    """The interrupted run, 50 times in a row, cycling through every file, both moments,
    SIGINT and SIGTERM (the signals that must never leave a temporary file)."""
    cases = itertools.cycle(
        itertools.product(range(1, TREE_FILES + 1), (signal.SIGINT, signal.SIGTERM), MOMENTS)
    )
    for run, (k, signum, moment) in zip(range(STRESS_RUNS), cases):
        root = tmp_path / f"run{run}"
        root.mkdir()
        check_interrupted_run(root, fully_fixed, k, signum, moment)


# A process that does nothing but write one file back and forth through
# ``write_atomic``, so a signal nearly always lands inside a write. It loads the
# module from its file (no package import: each round starts in milliseconds) and
# runs a thread that does not block signals: the kernel may deliver SIGTERM to that
# thread, where its default action would end the process in the middle of a write.
WRITER = """
import importlib.util, sys, threading, time
spec = importlib.util.spec_from_file_location("atomic_write", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
contents = [b"old\\n" * 4096, b"new\\n" * 4096]
print("writing", flush=True)
turn = 0
while True:
    module.write_atomic(sys.argv[2], contents[1 - turn], contents[turn])
    turn = 1 - turn
"""
ROUNDS = 20


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_writes_never_leaves_a_temporary_file(tmp_path: Path, signum: int) -> None:
    path = tmp_path / "train.py"
    contents = {b"old\n" * 4096, b"new\n" * 4096}
    for round_ in range(ROUNDS):
        path.write_bytes(b"old\n" * 4096)
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, atomic_write.__file__, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert writer.stdout is not None and writer.stdout.readline() == b"writing\n"
            time.sleep(0.001 * (round_ % 5))  # land at different points of the writes
            writer.send_signal(signum)
            writer.wait(timeout=60)  # a writer that ignored the signal fails here
        finally:
            writer.kill()
            writer.communicate()
        # Killed by the signal (SIGINT: KeyboardInterrupt), never mid-write.
        assert writer.returncode in (-signum, 1), writer.returncode
        assert path.read_bytes() in contents
        assert [p.name for p in tmp_path.iterdir()] == ["train.py"], round_
