"""``-`` with ``--stdin-filename``, ``--add-noqa[=REASON]`` and ``--show-files``,
through the command (``run_cli``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import List

from tests.conftest import run_cli
from torchseedlint.engine.notebook import parse_notebook

NOTEBOOK = Path(__file__).parents[1] / "fixtures" / "notebooks" / "train.ipynb"

TRAIN = (
    "import torch\n"
    "from torch.utils.data import DataLoader\n"
    "\n"
    "x = torch.rand(3)\n"
    "loader = DataLoader(ds, num_workers=4)\n"
)
# The loaders here iterate an unknown `ds`: only the blanket TSL201 mode reports them.
BLANKET = 'dataloader-worker-seeding = "always"\n'
PYPROJECT = """\
[tool.torchseedlint]
dataloader-worker-seeding = "always"
extend-exclude = ["legacy"]
per-file-ignores = { "scripts/*" = ["TSL201"] }
"""


def blanket(root: Path) -> List[str]:
    """Options for the defaults but the blanket TSL201 mode, like ``--isolated`` otherwise."""
    config = root / "pyproject.toml"
    config.write_text("[tool.torchseedlint]\n" + BLANKET)
    return ["--config", str(config)]


def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    return tmp_path


def test_stdin_is_linted_as_the_named_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    proc = run_cli("-", "--stdin-filename", "train.py", cwd=root, stdin=TRAIN)
    assert proc.exit_code == 1
    assert [line.split(" ")[:2] for line in proc.stdout.splitlines()[:2]] == [
        ["train.py:4:5:", "TSL101"],
        ["train.py:5:10:", "TSL201"],
    ]
    # per-file-ignores of the config apply to the name given.
    proc = run_cli("-", "--stdin-filename", "scripts/train.py", cwd=root, stdin=TRAIN)
    assert "scripts/train.py:4:5: TSL101" in proc.stdout
    assert "TSL201" not in proc.stdout
    # Without a name, diagnostics say `-`.
    proc = run_cli("-", cwd=root, stdin=TRAIN)
    assert proc.stdout.startswith("-:4:5: TSL101")


def test_force_exclude_applies_to_the_stdin_filename(tmp_path: Path) -> None:
    root = project(tmp_path)
    args = ("-", "--stdin-filename", "legacy/train.py")
    assert run_cli(*args, cwd=root, stdin=TRAIN).exit_code == 1
    proc = run_cli(*args, "--force-exclude", cwd=root, stdin=TRAIN)
    assert proc.exit_code == 0, proc.stdout
    assert "TSL" not in proc.stdout


def test_stdin_notebook(tmp_path: Path) -> None:
    proc = run_cli(
        "--isolated", "-", "--stdin-filename", "nb.ipynb", cwd=tmp_path, stdin=NOTEBOOK.read_text()
    )
    assert "nb.ipynb:cell 3:2:5: TSL101" in proc.stdout


def test_add_noqa_then_relint_is_clean(tmp_path: Path) -> None:
    source = (
        "import torch\n"
        "from torch.utils.data import DataLoader\n"
        "\n"
        "x = torch.rand(3)  # noqa: E501 long line, kept\n"
        "loader = DataLoader(\n"
        "    ds, num_workers=4,\n"
        ")\n"
    )
    (tmp_path / "train.py").write_text(source)
    (tmp_path / "clean.py").write_text("x = 1\n")
    proc = run_cli(*blanket(tmp_path), "--add-noqa=legacy code", ".", cwd=tmp_path)
    assert proc.exit_code == 0, proc.stderr
    assert "Added 2 noqa directives." in proc.stderr
    assert (tmp_path / "train.py").read_text() == (
        "import torch\n"
        "from torch.utils.data import DataLoader\n"
        "\n"
        "x = torch.rand(3)  # noqa: E501, TSL101 long line, kept\n"
        "loader = DataLoader(  # noqa: TSL201 legacy code\n"
        "    ds, num_workers=4,\n"
        ")\n"
    )
    assert (tmp_path / "clean.py").read_text() == "x = 1\n"
    proc = run_cli(*blanket(tmp_path), ".", cwd=tmp_path)
    assert proc.exit_code == 0, proc.stdout
    # Nothing left to add: a second run changes nothing.
    proc = run_cli(*blanket(tmp_path), ".", "--add-noqa", cwd=tmp_path)
    assert "Added 0 noqa directives." in proc.stderr


def test_add_noqa_in_a_notebook_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    notebook = tmp_path / "train.ipynb"
    shutil.copy(NOTEBOOK, notebook)
    proc = run_cli(*blanket(tmp_path), "train.ipynb", "--add-noqa", cwd=tmp_path)
    assert proc.exit_code == 0, proc.stderr
    before, after = json.loads(NOTEBOOK.read_text()), json.loads(notebook.read_text())
    assert after["cells"][2]["source"][1] == "x = torch.rand(3)  # noqa: TSL101\n"
    assert after["cells"][5]["source"] == ["loader = DataLoader(ds, num_workers=4)  # noqa: TSL201"]
    for cell in (before, after):
        cell["cells"][2]["source"][1] = cell["cells"][5]["source"] = None
    assert before == after
    assert "%time" in parse_notebook(notebook.read_text()).magics[3]
    assert run_cli(*blanket(tmp_path), "train.ipynb", cwd=tmp_path).exit_code == 0


def test_add_noqa_refuses_stdin(tmp_path: Path) -> None:
    proc = run_cli("--isolated", "-", "--add-noqa", cwd=tmp_path, stdin=TRAIN)
    assert proc.exit_code == 2
    assert "cannot be used with stdin" in proc.stderr


def test_show_files_lists_what_would_be_linted(tmp_path: Path) -> None:
    root = project(tmp_path)
    for name in ("a.py", "pkg/b.py", "legacy/old.py", "notes.txt", "nb.ipynb"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")
    proc = run_cli("--show-files", ".", cwd=root)
    assert proc.exit_code == 0
    assert proc.stdout.splitlines() == ["a.py", "nb.ipynb", "pkg/b.py"]


def test_fix_on_stdin_prints_the_fixed_source_and_reports_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "on_disk.py").write_text(TRAIN)
    assert run_cli(*blanket(tmp_path), "--fix", "on_disk.py", cwd=tmp_path).exit_code == 0
    fixed = (tmp_path / "on_disk.py").read_text()
    assert "torch.manual_seed(SEED)" in fixed

    proc = run_cli(
        *blanket(tmp_path),
        "-",
        "--stdin-filename",
        "train.py",
        "--fix",
        "--show-fixes",
        cwd=tmp_path,
        stdin=TRAIN,
    )
    assert proc.exit_code == 0, proc.stderr
    assert proc.stdout == fixed
    assert "Found 2 errors (2 fixed, 0 remaining)." in proc.stderr
    assert "1 \u00d7 TSL201 (dataloader-worker-seeding)" in proc.stderr
    assert not (tmp_path / "train.py").exists()


def test_fix_on_stdin_echoes_what_it_cannot_fix(tmp_path: Path) -> None:
    proc = run_cli("--isolated", "-", "--fix", cwd=tmp_path, stdin="x = 1\n")
    assert (proc.exit_code, proc.stdout) == (0, "x = 1\n")
    broken = "def f(:\n    pass\n"
    proc = run_cli(
        "--isolated", "-", "--stdin-filename", "bad.py", "--fix", cwd=tmp_path, stdin=broken
    )
    assert (proc.exit_code, proc.stdout) == (1, broken)
    assert "bad.py:1:7: TSL000" in proc.stderr


def test_fix_on_stdin_notebook_prints_the_fixed_notebook(tmp_path: Path) -> None:
    proc = run_cli(
        "--isolated",
        "-",
        "--stdin-filename",
        "nb.ipynb",
        "--fix",
        cwd=tmp_path,
        stdin=NOTEBOOK.read_text(),
    )
    assert proc.exit_code == 0, proc.stderr
    fixed = parse_notebook(proc.stdout)
    assert "torch.manual_seed(SEED)" in fixed.source
    assert json.loads(proc.stdout)["metadata"] == json.loads(NOTEBOOK.read_text())["metadata"]


def test_add_noqa_takes_a_reason_only_after_an_equals_sign(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(TRAIN)
    (tmp_path / "other.py").write_text(TRAIN)
    # `src/` is a path to lint, not a reason (ruff's `--add-noqa[=REASON]`).
    proc = run_cli(*blanket(tmp_path), "--add-noqa", "src/", cwd=tmp_path)
    assert proc.exit_code == 0, proc.stderr
    assert "Added 2 noqa directives." in proc.stderr
    lines = (tmp_path / "src" / "train.py").read_text().splitlines()
    assert lines[3] == "x = torch.rand(3)  # noqa: TSL101"
    assert lines[4] == "loader = DataLoader(ds, num_workers=4)  # noqa: TSL201"
    assert (tmp_path / "other.py").read_text() == TRAIN

    proc = run_cli(*blanket(tmp_path), "--add-noqa=src/ is legacy", "other.py", cwd=tmp_path)
    assert proc.exit_code == 0, proc.stderr
    assert (
        "x = torch.rand(3)  # noqa: TSL101 src/ is legacy\n" in (tmp_path / "other.py").read_text()
    )
