"""Bad input: every broken file gives one clear TSL000 and the run goes on.

Each case lints a directory holding the bad file next to a good one that has a
real finding, so the tests also prove the run was not cut short.
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import run_cli
from torchseedlint import Config, lint_paths, lint_source
from torchseedlint.engine.runner import lint_path
from torchseedlint.rules import RULES_BY_CODE

TSL = [sys.executable, "-m", "torchseedlint"]
FLAGGED = "import torch\nmodel = torch.nn.Linear(2, 2)\n"


def codes_by_file(root: Path) -> Dict[str, List[str]]:
    result = lint_paths([str(root)], Config())
    found: Dict[str, List[str]] = {}
    for diagnostic in result.diagnostics:
        found.setdefault(Path(diagnostic.path).name, []).append(diagnostic.code)
    return found


def with_good_file(tmp_path: Path) -> Path:
    (tmp_path / "good.py").write_text(FLAGGED, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("syntax.py", b"def train(:\n    pass\n", "syntax error"),
        ("py2.py", b"print 'hello'\n", "syntax error"),
        ("nul.py", b"x = 1\x00\n", "null byte"),
        ("undecodable.py", b"x = '\xff\xfe\xfa'\n", "cannot decode"),
        ("binary.py", bytes(range(256)) * 4, "null byte"),
        ("bad_cookie.py", b"# -*- coding: no-such-codec -*-\nx = 1\n", "encoding"),
    ],
)
def test_broken_file_gives_one_tsl000_and_run_goes_on(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    root = with_good_file(tmp_path)
    (root / name).write_bytes(content)
    result = lint_paths([str(root)], Config())
    broken = [d for d in result.diagnostics if d.path.endswith(name)]
    assert [d.code for d in broken] == ["TSL000"]
    assert message in broken[0].message
    assert codes_by_file(root)["good.py"] == ["TSL101"]


@pytest.mark.parametrize(
    "source,row,column",
    [("def train(:\n    pass\n", 1, 11), ("x = 1\ny = )\n", 2, 5), ("x = 1\ny = (\n", 2, 5)],
)
def test_syntax_error_is_located(source: str, row: int, column: int) -> None:
    [diagnostic] = lint_source(source, "bad.py")
    assert diagnostic.code == "TSL000"
    assert (diagnostic.location.row, diagnostic.location.column) == (row, column)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_coding_cookie_is_honoured(tmp_path: Path, encoding: str) -> None:
    text = f"# -*- coding: {encoding} -*-\nimport torch\nlabel = 'caf\u00e9'\nnet = torch.nn.Linear(1, 1)\n"
    (tmp_path / "cookie.py").write_bytes(text.encode(encoding))
    [diagnostic] = lint_paths([str(tmp_path)], Config()).diagnostics
    assert (diagnostic.code, diagnostic.location.row) == ("TSL101", 4)


def test_bom_crlf_tabs_and_form_feeds(tmp_path: Path) -> None:
    text = "import torch\r\n\x0c\r\nif True:\r\n\tnet = torch.nn.Linear(1, 1)\r\n"
    (tmp_path / "odd.py").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    [diagnostic] = lint_paths([str(tmp_path)], Config()).diagnostics
    assert diagnostic.code == "TSL101"
    assert (diagnostic.location.row, diagnostic.location.column) == (4, 8)


def test_mixed_line_endings(tmp_path: Path) -> None:
    (tmp_path / "mixed.py").write_bytes(b"import torch\r\nx = 1\nnet = torch.nn.Linear(1, 1)\r\n")
    [diagnostic] = lint_paths([str(tmp_path)], Config()).diagnostics
    assert (diagnostic.code, diagnostic.location.row) == ("TSL101", 3)


def test_empty_file_is_clean(tmp_path: Path) -> None:
    (tmp_path / "empty.py").write_bytes(b"")
    assert lint_paths([str(tmp_path)], Config()).diagnostics == []


def test_deep_nesting_is_tsl000_not_a_crash() -> None:
    source = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    [diagnostic] = lint_source(source, "deep.py")
    assert diagnostic.code == "TSL000"


def test_huge_generated_file_is_bounded(tmp_path: Path) -> None:
    # ~10 MB of simple statements; the run must finish and stay within memory.
    line = "value_{0} = compute({0}, 'padding text to make the file larger')\n"
    chunk = "".join(line.format(i) for i in range(1000))
    path = tmp_path / "huge.py"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("import torch\n")
        while handle.tell() < 10 * 1024 * 1024:
            handle.write(chunk)
    proc = subprocess.Popen(
        [*TSL, "--isolated", str(path)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert usage.ru_maxrss < 8 * 1024 * 1024  # KiB: far below the machine's 24 GiB


def test_directory_named_like_a_python_file(tmp_path: Path) -> None:
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text(FLAGGED, encoding="utf-8")
    result = run_cli("--isolated", "x.py", cwd=tmp_path)
    assert result.exit_code == 1
    assert "inner.py:2:9: TSL101" in result.stdout.replace(os.sep, "/")


def test_broken_symlink_and_symlink_loop(tmp_path: Path) -> None:
    root = with_good_file(tmp_path)
    (root / "dangling.py").symlink_to(root / "nowhere.py")
    (root / "loop_a.py").symlink_to(root / "loop_b.py")
    (root / "loop_b.py").symlink_to(root / "loop_a.py")
    found = codes_by_file(root)
    assert found["dangling.py"] == ["TSL000"]
    assert found["loop_a.py"] == ["TSL000"] and found["loop_b.py"] == ["TSL000"]
    assert found["good.py"] == ["TSL101"]


def test_file_deleted_between_discovery_and_reading(tmp_path: Path) -> None:
    path = tmp_path / "gone.py"
    path.write_text(FLAGGED, encoding="utf-8")
    path.unlink()
    result = lint_path(str(path), Config())
    [diagnostic] = result.diagnostics
    assert diagnostic.code == "TSL000" and "cannot read" in diagnostic.message


def test_unreadable_file(tmp_path: Path) -> None:
    # CI runs as root, which reads any file whatever its mode; /proc/self/mem is a
    # file that refuses to be read (EIO) even for root.
    root = with_good_file(tmp_path)
    (root / "unreadable.py").symlink_to("/proc/self/mem")
    result = lint_paths([str(root)], Config())
    found = {Path(d.path).name: d for d in result.diagnostics}
    assert found["unreadable.py"].code == "TSL000"
    assert "cannot read" in found["unreadable.py"].message
    assert found["good.py"].code == "TSL101"


def test_crash_in_one_rule_is_reported_and_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = with_good_file(tmp_path)
    (root / "second.py").write_text(FLAGGED, encoding="utf-8")

    def boom(self: object, ctx: object) -> None:
        raise RuntimeError("simulated rule bug")

    monkeypatch.setattr(RULES_BY_CODE["TSL201"], "check", boom)
    result = run_cli("--isolated", str(root), cwd=tmp_path)
    assert result.exit_code == 2
    assert "TSL201" in result.stderr and "simulated rule bug" in result.stderr
    assert "report" in result.stderr
    for name in ("good.py", "second.py"):
        assert f"{name}:2:9: TSL101" in result.stdout
