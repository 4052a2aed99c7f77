"""``--fix``, ``--diff``, ``--show-fixes``, ``--exit-non-zero-on-fix`` and the summary lines."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix, Location
from torchseedlint.reporters.output import summary

FLAGGED = "import torch\nmodel = torch.nn.Linear(2, 2)\nx = torch.rand(3)\n"
# FLAGGED after --fix: nothing left to fix.
FIXED = "import torch\n\nSEED = 0\ntorch.manual_seed(SEED)\nmodel = torch.nn.Linear(2, 2)\n"


def _run(tmp_path: Path, *args: str, text: str = FLAGGED):
    path = tmp_path / "train.py"
    path.write_text(text)
    return run_cli("--isolated", *args, str(path)), path


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    result, path = _run(tmp_path, "--diff")
    assert result.exit_code == 1
    assert path.read_text() == FLAGGED
    header = f"--- {path}\n+++ {path}\n@@ -1,3 +1,7 @@\n"
    assert header + " import torch\n+\n+SEED = 0\n" in result.stdout
    assert "Would fix 1 error." in result.stderr


def test_diff_without_fixes_exits_zero(tmp_path: Path) -> None:
    result, _ = _run(tmp_path, "--diff", text="import torch\n")
    assert result.exit_code == 0 and result.stdout == ""


def test_fix_writes_reports_and_exits_zero_when_nothing_remains(tmp_path: Path) -> None:
    result, path = _run(tmp_path, "--fix", "--show-fixes")
    assert result.exit_code == 0, result.output
    assert path.read_text().startswith("import torch\n\nSEED = 0\ntorch.manual_seed(SEED)\n")
    assert result.stdout == (
        f"Fixed 1 error:\n- {path}:\n    1 \u00d7 TSL101 (missing-torch-seed)\n"
        "Found 1 error (1 fixed, 0 remaining).\n"
    )


def test_exit_non_zero_on_fix(tmp_path: Path) -> None:
    result, _ = _run(tmp_path, "--fix", "--exit-non-zero-on-fix")
    assert result.exit_code == 1
    result, _ = _run(tmp_path, "--fix", "--exit-non-zero-on-fix", text=FIXED)
    assert result.exit_code == 0


def test_fix_exits_one_when_something_remains(tmp_path: Path) -> None:
    text = (
        "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader, Dataset\n\n"
        "class Noisy(Dataset):\n    def __getitem__(self, i):\n        return np.random.rand()\n\n"
        "torch.manual_seed(0)\nnp.random.seed(0)\n"
        "loader = DataLoader(Noisy(), num_workers=2, **options)\n"
    )
    # Under torch 1.8 the workers share NumPy's state (later the installed torch,
    # 2.x here, would be inferred and TSL201 would not apply).
    result, path = _run(tmp_path, "--fix", "--torch-version", "1.8", text=text)
    # The loader's keywords may hide in **options: TSL201 has no fix, and the block
    # then adds no seed_worker that nothing would use.
    assert result.exit_code == 1
    assert "Found 1 error.\n" in result.stdout
    assert "seed_worker" not in path.read_text()


def test_summary_counts_fixable_and_unsafe(tmp_path: Path) -> None:
    result, _ = _run(tmp_path)
    assert result.exit_code == 1
    assert result.stdout.endswith("Found 1 error.\n[*] 1 fixable with the `--fix` option.\n")
    location = Location(1, 1)

    def diagnostic(applicability: str) -> Diagnostic:
        fix = Fix(applicability, "m", ())
        return Diagnostic("TSL302", "n", "m", "p.py", location, location, fix=fix)

    both = [
        diagnostic(Applicability.SAFE),
        diagnostic(Applicability.UNSAFE),
        diagnostic(Applicability.UNSAFE),
    ]
    assert summary(both).endswith(
        "[*] 1 fixable with the `--fix` option "
        "(2 hidden fixes can be enabled with the `--unsafe-fixes` option).\n"
    )
    assert summary([diagnostic(Applicability.UNSAFE)]).endswith(
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )
    assert summary([both[1]], fixed=2, fixable=(0, 0)) == (
        "Found 3 errors (2 fixed, 1 remaining).\n"
    )


def test_fixable_setting_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.torchseedlint]\nunfixable = ["TSL101"]\n')
    path = tmp_path / "train.py"
    path.write_text(FLAGGED)
    result = run_cli("--fix", str(path), cwd=tmp_path)
    assert result.exit_code == 1
    assert path.read_text() == FLAGGED
    assert "Found 1 error.\n" in result.stdout


def test_json_diagnostics_carry_the_fix(tmp_path: Path) -> None:
    result, _ = _run(tmp_path, "--output-format", "json")
    [item] = json.loads(result.stdout)
    assert item["fix"]["applicability"] == "safe"
    [edit] = item["fix"]["edits"]
    assert edit["content"] == "\n\nSEED = 0\ntorch.manual_seed(SEED)\n"
    assert edit["location"] == edit["end_location"] == {"row": 1, "column": 13}
