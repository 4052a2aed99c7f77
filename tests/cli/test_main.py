"""The command line, run in this process by click's runner (``run_cli``); the console
script, ``python -m`` and Ctrl-C in real processes.

Every test builds a small project in a temporary directory (with a ``.git``
marker, so configuration lookup stops there) and runs ``torchseedlint`` in it:
exit codes, output formats, suppression comments, configuration keys, file
discovery and bad input.
"""

from __future__ import annotations

import json
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

import torchseedlint
from tests.conftest import CONSOLE_SCRIPT, CliResult, run_cli, run_cli_process
from torchseedlint.settings import versions

# One TSL101 at 4:13.
UNSEEDED = "import torch\n\nif __name__ == '__main__':\n    model = torch.nn.Linear(2, 2)\n"
CLEAN = "import torch\n\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(2, 2)\n"
# One TSL201 at 5:10 (torch is seeded; the loader has workers and no worker_init_fn).
LOADER = (
    "import torch\n"
    "from torch.utils.data import DataLoader\n"
    "\n"
    "torch.manual_seed(0)\n"
    "loader = DataLoader(range(8), num_workers=4)\n"
)
# One TSL201 at 11:10 in the default mode only where torch < 1.9 leaves np.random unreseeded.
NOISY_LOADER = (
    "import numpy as np\n"
    "import torch\n"
    "from torch.utils.data import DataLoader, Dataset\n"
    "\n"
    "torch.manual_seed(0)\n"
    "class Noisy(Dataset):\n"
    "    def __getitem__(self, i):\n"
    "        return np.random.rand()\n"
    "\n"
    "\n"
    "loader = DataLoader(Noisy(), num_workers=4)\n"
)
AUTO = 'dataloader-worker-seeding = "auto"\n'
# TSL101 at 5:13, TSL102 at 6:12, TSL201 at 7:14.
THREE = (
    "import random\n"
    "import torch\n"
    "\n"
    "if __name__ == '__main__':\n"
    "    model = torch.nn.Linear(2, 2)\n"
    "    crop = random.randint(0, 4)\n"
    "    loader = torch.utils.data.DataLoader(range(8), num_workers=2)\n"
)

BLANKET = 'dataloader-worker-seeding = "always"\n'
# ``path:line:col: CODE [*] name: message``; ``[*]`` marks a fixable diagnostic.
CONCISE = re.compile(
    r"^(?P<path>[^:]+):(?P<row>\d+):(?P<col>\d+): (?P<code>TSL\d{3})(?: \[\*\])? "
    r"(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*): (?P<message>\S.*)$"
)


def findings(result: CliResult) -> List[str]:
    """``path:row:col CODE`` for every concise diagnostic line on stdout."""
    found = []
    for line in result.stdout.splitlines():
        match = CONCISE.match(line)
        if match:
            path = match.group("path").replace("\\", "/")
            path = path[2:] if path.startswith("./") else path
            row, col, code = match.group("row", "col", "code")
            found.append(f"{path}:{row}:{col} {code}")
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    # The generic TSL201 findings these tests use come from loaders over ``range(8)``, which
    # only the blanket mode reports (the default needs a worker-side draw).
    pyproject(tmp_path, "")
    return tmp_path


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def pyproject(root: Path, body: str) -> None:
    # Blanket TSL201 unless the test chooses the mode itself (TOML forbids a repeated key).
    mode = "" if "dataloader-worker-seeding" in body else BLANKET
    write(
        root, {"pyproject.toml": "[project]\nname = 'demo'\n\n[tool.torchseedlint]\n" + mode + body}
    )


def test_console_script_is_installed_next_to_the_interpreter() -> None:
    assert CONSOLE_SCRIPT.is_file(), (
        f"{CONSOLE_SCRIPT} missing: install the package (pip install -e .)"
    )


# --- exit codes and the concise format ---------------------------------------------


def test_clean_project_exits_0(project: Path) -> None:
    write(project, {"train.py": CLEAN})
    result = run_cli(cwd=project)
    assert result.exit_code == 0, result
    assert result.stdout == "All checks passed!\n"
    assert result.stderr == ""


def test_findings_exit_1_with_concise_lines_and_summary(project: Path) -> None:
    write(project, {"train.py": THREE})
    result = run_cli("train.py", cwd=project)
    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    assert [CONCISE.match(line) is not None for line in lines[:3]] == [True] * 3, lines
    first = CONCISE.match(lines[0])
    assert first is not None
    assert (first.group("path"), first.group("row"), first.group("col")) == ("train.py", "5", "13")
    assert (first.group("code"), first.group("name")) == ("TSL101", "missing-torch-seed")
    assert "`torch.nn.Linear(...)` draws from the torch RNG" in first.group("message")
    assert lines[3] == "Found 3 errors."
    assert findings(result) == [
        "train.py:5:13 TSL101",
        "train.py:6:12 TSL102",
        "train.py:7:14 TSL201",
    ]


def test_one_finding_says_error_in_the_singular(project: Path) -> None:
    write(project, {"train.py": UNSEEDED})
    result = run_cli(cwd=project)
    assert result.exit_code == 1
    assert "Found 1 error." in result.stdout.splitlines()


def test_output_is_sorted_by_path_line_column_and_code(project: Path) -> None:
    write(project, {"b.py": THREE, "a.py": UNSEEDED, "sub/c.py": LOADER, "a_b.py": LOADER})
    result = run_cli("sub", "b.py", "a_b.py", "a.py", cwd=project)
    assert result.exit_code == 1
    assert findings(result) == [
        "a.py:4:13 TSL101",
        "a_b.py:5:10 TSL201",
        "b.py:5:13 TSL101",
        "b.py:6:12 TSL102",
        "b.py:7:14 TSL201",
        "sub/c.py:5:10 TSL201",
    ]


def test_exit_zero_keeps_the_report(project: Path) -> None:
    write(project, {"train.py": UNSEEDED})
    for flag in ("--exit-zero", "-e"):
        result = run_cli(flag, cwd=project)
        assert result.exit_code == 0, result
        assert findings(result) == ["train.py:4:13 TSL101"]


def test_missing_path_exits_2_naming_it(project: Path) -> None:
    write(project, {"train.py": CLEAN})
    result = run_cli("train.py", "no_such_dir", cwd=project)
    assert result.exit_code == 2
    assert "no_such_dir" in result.stderr
    # --exit-zero does not hide usage errors.
    assert run_cli("--exit-zero", "nope.py", cwd=project).exit_code == 2


@pytest.mark.parametrize(
    "args,named",
    [
        (["--select", "TSL999"], "TSL999"),
        (["--ignore", "TSL1,XYZ12"], "XYZ12"),
        (["--extend-select", "no-such-rule"], "no-such-rule"),
    ],
)
def test_unknown_selector_exits_2_naming_it(project: Path, args: List[str], named: str) -> None:
    write(project, {"train.py": UNSEEDED})
    result = run_cli(*args, cwd=project)
    assert result.exit_code == 2, result
    assert named in result.stderr
    assert result.stdout == ""


def test_unknown_config_key_exits_2_naming_it(project: Path) -> None:
    write(project, {"train.py": UNSEEDED})
    pyproject(project, 'select = ["TSL1"]\nseed-function = ["a.b"]\n')
    result = run_cli(cwd=project)
    assert result.exit_code == 2, result
    assert "seed-function" in result.stderr
    assert result.stdout == ""


def test_unknown_selector_in_config_exits_2(project: Path) -> None:
    write(project, {"train.py": UNSEEDED})
    pyproject(project, 'per-file-ignores = { "*.py" = ["TSL77X"] }\n')
    result = run_cli(cwd=project)
    assert result.exit_code == 2
    assert "TSL77X" in result.stderr


# --- json ---------------------------------------------------------------------------

REQUIRED_JSON_KEYS = {
    "code",
    "name",
    "message",
    "filename",
    "location",
    "end_location",
    "fix",
    "severity",
    "url",
}


def test_json_has_ruffs_fields_and_nothing_else_on_stdout(project: Path) -> None:
    write(project, {"train.py": THREE, "pkg/loader.py": LOADER})
    result = run_cli("--output-format", "json", "train.py", "pkg", cwd=project)
    assert result.exit_code == 1
    items = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert [(i["filename"], i["code"]) for i in items] == [
        ("pkg/loader.py", "TSL201"),
        ("train.py", "TSL101"),
        ("train.py", "TSL102"),
        ("train.py", "TSL201"),
    ]
    for item in items:
        # ruff's field names: these nine always, plus ruff's optional `noqa_row` and
        # `cell`; no key of our own.
        assert REQUIRED_JSON_KEYS <= set(item) <= REQUIRED_JSON_KEYS | {"noqa_row", "cell"}, item
        assert set(item["location"]) == {"row", "column"}
        assert set(item["end_location"]) == {"row", "column"}
        assert (item["end_location"]["row"], item["end_location"]["column"]) >= (
            item["location"]["row"],
            item["location"]["column"],
        )
        # null until a rule offers a fix; then ruff's fix object.
        assert item["fix"] is None or set(item["fix"]) == {"applicability", "message", "edits"}
        assert item["severity"] in ("error", "warning", "note")
        assert item["url"].startswith("https://")
        assert item["message"]
    torch_seed = items[1]
    assert torch_seed["name"] == "missing-torch-seed"
    assert torch_seed["location"] == {"row": 5, "column": 13}
    assert torch_seed["end_location"] == {"row": 5, "column": 34}  # `torch.nn.Linear(2, 2)`


def test_json_of_a_clean_run_is_an_empty_list(project: Path) -> None:
    write(project, {"train.py": CLEAN})
    result = run_cli("--output-format", "json", cwd=project)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


# --- suppression comments -----------------------------------------------------------


# case -> (source, the findings left in it, as ``row:col CODE``)
MULTILINE_LOADER = (
    "import torch\nfrom torch.utils.data import DataLoader\n\ntorch.manual_seed(0)\n"
    "loader = DataLoader(\n    range(8),\n    num_workers=4,\n)\n"
)
TWO_ON_A_LINE = "import random\nimport torch\n\nx = torch.rand(random.randint(1, 3))\n"
NOQA_CASES = {
    "coded": (LOADER.replace("=4)\n", "=4)  # noqa: TSL201\n"), []),
    "other_code": (LOADER.replace("=4)\n", "=4)  # noqa: TSL101\n"), ["5:10 TSL201"]),
    "bare": (LOADER.replace("=4)\n", "=4)  # noqa\n"), []),
    "bare_upper": (LOADER.replace("=4)\n", "=4)  # NOQA\n"), []),
    "coded_mixed_case": (LOADER.replace("=4)\n", "=4)  # NoQA: TSL201\n"), []),
    "code_lower": (LOADER.replace("=4)\n", "=4)  # noqa: tsl201\n"), []),
    "two_codes_and_reason": (
        TWO_ON_A_LINE.replace(")\n", ")  # noqa:TSL101,TSL102 seeded by the launcher\n"),
        [],
    ),
    "space_separated": (TWO_ON_A_LINE.replace(")\n", ")  # noqa: TSL101 TSL102\n"), []),
    "one_of_two": (TWO_ON_A_LINE.replace(")\n", ")  # noqa: TSL102\n"), ["4:5 TSL101"]),
    "unsuppressed_pair": (TWO_ON_A_LINE, ["4:5 TSL101", "4:16 TSL102"]),
    "last_line_of_statement": (MULTILINE_LOADER.replace(")\n", ")  # noqa: TSL201\n"), []),
    "first_line_of_statement": (
        MULTILINE_LOADER.replace("DataLoader(\n", "DataLoader(  # noqa: TSL201\n"),
        [],
    ),
    "middle_line_does_not_count": (
        MULTILINE_LOADER.replace("range(8),\n", "range(8),  # noqa: TSL201\n"),
        ["5:10 TSL201"],
    ),
    "noqa_in_a_string_literal": (
        LOADER.replace("=4)\n", "=4, note='# noqa: TSL201')\n"),
        ["5:10 TSL201"],
    ),
    "noqa_on_the_next_line": (LOADER + "# noqa: TSL201\n", ["5:10 TSL201"]),
}


def test_noqa(project: Path) -> None:
    """Every form of ``# noqa`` in one run: one file per case."""
    write(project, {f"case_{name}.py": source for name, (source, _) in NOQA_CASES.items()})
    expected = sorted(
        (f"case_{name}.py", finding)
        for name, (_, findings) in NOQA_CASES.items()
        for finding in findings
    )
    result = run_cli(cwd=project)
    assert result.exit_code == 1
    found = [tuple(f.replace(":", " ", 1).split(" ", 1)) for f in findings(result)]
    assert sorted(found) == expected, result.stdout


def test_file_ignore_comment(project: Path) -> None:
    body = (
        "import random\n"
        "import torch\n"
        "from torchvision import transforms\n"
        "\n"
        "aug = transforms.RandomCrop(8)\n"
        "model = torch.nn.Linear(2, 2)\n"
        "print(random.random())\n"
    )
    write(
        project,
        {
            "ignored.py": "# torchseedlint: file-ignore[TSL101, TSL104]\n" + body,
            "plain.py": body,
            # A trailing file-ignore is not on its own line: it does not apply to the file.
            "trailing.py": body.replace(
                "import random\n", "import random  # torchseedlint: file-ignore[TSL101]\n"
            ),
        },
    )
    result = run_cli(cwd=project)
    assert result.exit_code == 1
    assert findings(result) == [
        "ignored.py:8:7 TSL102",
        "plain.py:5:7 TSL101",
        "plain.py:7:7 TSL102",
        "trailing.py:5:7 TSL101",
        "trailing.py:7:7 TSL102",
    ]


# --- configuration --------------------------------------------------------------------

LIBRARY = "import torch.nn as nn\n\n\ndef build():\n    return nn.Linear(4, 4)\n"


@pytest.mark.parametrize(
    "settings,files,expected",
    [
        pytest.param(
            'select = ["TSL2"]\n', {"t.py": THREE}, ["t.py:7:14 TSL201"], id="select-prefix"
        ),
        pytest.param(
            'select = ["TSL101"]\nextend-select = ["TSL201"]\n',
            {"t.py": THREE},
            ["t.py:5:13 TSL101", "t.py:7:14 TSL201"],
            id="extend-select",
        ),
        pytest.param(
            'ignore = ["TSL101", "dataloader-worker-seeding"]\n',
            {"t.py": THREE},
            ["t.py:6:12 TSL102"],
            id="ignore-code-and-name",
        ),
        pytest.param(
            'per-file-ignores = { "scripts/*.py" = ["TSL201"], "legacy.py" = ["TSL1"] }\n',
            {"scripts/t.py": THREE, "legacy.py": THREE, "t.py": LOADER},
            [
                "legacy.py:7:14 TSL201",
                "scripts/t.py:5:13 TSL101",
                "scripts/t.py:6:12 TSL102",
                "t.py:5:10 TSL201",
            ],
            id="per-file-ignores",
        ),
        pytest.param(
            'per-file-ignores = { "!keep/*.py" = ["TSL201"] }\n',
            {"keep/t.py": LOADER, "t.py": LOADER},
            ["keep/t.py:5:10 TSL201"],
            id="per-file-ignores-negated",
        ),
        pytest.param(
            'exclude = ["generated"]\n',
            {"generated/t.py": UNSEEDED, "build/t.py": UNSEEDED, "t.py": UNSEEDED},
            ["build/t.py:4:13 TSL101", "t.py:4:13 TSL101"],
            id="exclude-replaces-defaults",
        ),
        pytest.param(
            'extend-exclude = ["legacy/*", "old_*.py"]\n',
            {
                "legacy/t.py": UNSEEDED,
                "old_train.py": UNSEEDED,
                "build/t.py": UNSEEDED,
                "t.py": UNSEEDED,
            },
            ["t.py:4:13 TSL101"],
            id="extend-exclude-keeps-defaults",
        ),
        pytest.param(
            'seed-functions = ["myproj.env.prepare"]\n',
            {
                "t.py": "import torch\nfrom myproj.env import prepare\n\nprepare()\n"
                "x = torch.rand(3)\n",
                "u.py": "import torch\nfrom myproj.env import setup\n\nsetup()\n"
                "x = torch.rand(3)\n",
            },
            ["u.py:5:5 TSL101"],
            id="seed-functions",
        ),
        pytest.param(
            'entry-points = ["jobs/*.py"]\n',
            {"jobs/run.py": LIBRARY, "lib.py": LIBRARY},
            ["jobs/run.py:5:12 TSL101"],
            id="entry-points",
        ),
        pytest.param(
            AUTO + 'torch-version = "2.3"\n', {"t.py": NOISY_LOADER}, [], id="torch-version-modern"
        ),
        pytest.param(
            AUTO + 'torch-version = "1.8"\n',
            {"t.py": NOISY_LOADER},
            ["t.py:11:10 TSL201"],
            id="torch-version-old",
        ),
        pytest.param(
            'torch-version = "2.3"\n',
            {
                "t.py": "import torch\nfrom torch.utils.data import DataLoader\n\n"
                "if __name__ == '__main__':\n"
                "    loader = DataLoader(range(8), num_workers=4)\n"
            },
            ["t.py:5:14 TSL201"],
            id="torch-version-modern-unseeded",
        ),
    ],
)
def test_config_keys(
    project: Path, settings: str, files: Dict[str, str], expected: List[str]
) -> None:
    write(project, files)
    pyproject(project, settings)
    result = run_cli(cwd=project)
    assert findings(result) == expected, result.stdout + result.stderr
    assert result.exit_code == (1 if expected else 0)


def test_torch_version_message_says_which_case_applies(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"t.py": NOISY_LOADER})
    pyproject(project, AUTO)

    def lint(*args: str) -> str:
        return run_cli("t.py", *args, cwd=project).output

    # Nothing declares torch, so the installed distribution decides; without one the
    # version is unknown, which the rule treats like an old torch.
    monkeypatch.setattr(versions, "installed_version", lambda distribution: None)
    assert "workers share NumPy's RNG state (torch < 1.9 or unknown)" in lint()
    assert "workers share NumPy's RNG state (torch < 1.9):" in lint("--torch-version", "1.8")
    assert "TSL201" not in lint("--torch-version", "2.3")
    monkeypatch.setattr(versions, "installed_version", lambda distribution: "1.8.1")
    assert "workers share NumPy's RNG state (torch < 1.9):" in lint()
    monkeypatch.setattr(versions, "installed_version", lambda distribution: "2.3.0")
    assert "TSL201" not in lint()


def test_config_is_found_from_a_subdirectory(project: Path) -> None:
    write(project, {"src/pkg/t.py": THREE})
    pyproject(project, 'select = ["TSL102"]\n')
    result = run_cli("pkg", cwd=project / "src")
    assert findings(result) == ["pkg/t.py:6:12 TSL102"]


def test_pyproject_without_our_table_is_skipped(project: Path) -> None:
    write(project, {"t.py": THREE})
    pyproject(project, 'select = ["TSL102"]\n')
    # The nearer pyproject.toml has no [tool.torchseedlint]: the outer one applies.
    write(project, {"sub/pyproject.toml": "[project]\nname = 'inner'\n", "sub/t.py": THREE})
    result = run_cli("sub", cwd=project)
    assert findings(result) == ["sub/t.py:6:12 TSL102"]


def test_config_option_and_isolated(project: Path) -> None:
    write(
        project,
        {
            "t.py": THREE,
            "configs/pyproject.toml": '[tool.torchseedlint]\nselect = ["TSL201"]\n' + BLANKET,
        },
    )
    pyproject(project, 'select = ["TSL102"]\n')
    assert findings(run_cli(cwd=project)) == ["t.py:6:12 TSL102"]
    assert findings(run_cli("--config", "configs/pyproject.toml", cwd=project)) == [
        "t.py:7:14 TSL201"
    ]
    # The defaults: every rule on, and TSL201 in its default mode (a loader over ``range(8)``
    # draws nothing worker-side), so neither config's select nor the blanket mode applies.
    isolated = run_cli("--isolated", cwd=project)
    assert findings(isolated) == ["t.py:5:13 TSL101", "t.py:6:12 TSL102"]
    # --isolated also ignores a broken config.
    write(project, {"pyproject.toml": "[tool.torchseedlint]\nnot-a-key = 1\n"})
    assert run_cli(cwd=project).exit_code == 2
    assert run_cli("--isolated", cwd=project).exit_code == 1


def test_cli_options_override_the_config(project: Path) -> None:
    write(project, {"t.py": THREE})
    pyproject(project, 'select = ["TSL102"]\n')
    assert findings(run_cli("--select", "TSL101", cwd=project)) == ["t.py:5:13 TSL101"]
    assert findings(run_cli("--ignore", "TSL102", cwd=project)) == []


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--select", "TSL2"], ["t.py:7:14 TSL201"]),
        (["--select", "TSL101,TSL102"], ["t.py:5:13 TSL101", "t.py:6:12 TSL102"]),
        (["--select", "TSL101", "--select", "TSL201"], ["t.py:5:13 TSL101", "t.py:7:14 TSL201"]),
        (["--select", "ALL", "--ignore", "TSL1"], ["t.py:7:14 TSL201"]),
        (["--select", "missing-random-seed"], ["t.py:6:12 TSL102"]),
        (["--ignore", "TSL10"], ["t.py:7:14 TSL201"]),
    ],
)
def test_selectors_on_the_command_line(project: Path, args: List[str], expected: List[str]) -> None:
    write(project, {"t.py": THREE})
    assert findings(run_cli(*args, cwd=project)) == expected


def test_select_all_enables_off_by_default_rules(project: Path) -> None:
    # The shuffling loader without generator= is TSL202, off by default.
    source = (
        "import torch\nfrom torch.utils.data import DataLoader\n\ntorch.manual_seed(0)\n"
        "loader = DataLoader(range(8), shuffle=True)\n"
    )
    write(project, {"t.py": source})
    assert findings(run_cli(cwd=project)) == []
    assert "t.py:5:10 TSL202" in findings(run_cli("--select", "ALL", cwd=project))


# --- discovery --------------------------------------------------------------------


def test_default_excludes(project: Path) -> None:
    hidden = [
        ".venv",
        "venv",
        "build",
        "dist",
        ".tox",
        ".nox",
        "node_modules",
        "__pypackages__",
        ".eggs",
        ".mypy_cache",
        ".pytest_cache",
        "x_cache",
        "src/build",
        ".hg",
    ]
    write(project, {f"{d}/t.py": UNSEEDED for d in hidden})
    write(project, {"t.py": UNSEEDED, "src/t.py": UNSEEDED, "builder/t.py": UNSEEDED})
    result = run_cli(cwd=project)
    assert findings(result) == [
        "builder/t.py:4:13 TSL101",
        "src/t.py:4:13 TSL101",
        "t.py:4:13 TSL101",
    ]
    # Naming the directory does not walk into excluded subdirectories either.
    assert findings(run_cli("src", cwd=project)) == ["src/t.py:4:13 TSL101"]


def test_explicit_file_is_linted_unless_force_exclude(project: Path) -> None:
    write(project, {"build/gen.py": UNSEEDED, "t.py": CLEAN})
    assert findings(run_cli("build/gen.py", cwd=project)) == ["build/gen.py:4:13 TSL101"]
    forced = run_cli("--force-exclude", "build/gen.py", "t.py", cwd=project)
    assert forced.exit_code == 0
    assert findings(forced) == []
    pyproject(project, 'extend-exclude = ["t.py"]\n')
    only_excluded = run_cli("--force-exclude", "t.py", cwd=project)
    assert only_excluded.exit_code == 0
    assert "no Python files" in only_excluded.stderr


def test_no_files_found_warns_and_exits_0(project: Path) -> None:
    write(project, {"README.md": "nothing to lint\n", "data/x.txt": "1\n"})
    result = run_cli(cwd=project)
    assert result.exit_code == 0, result
    assert "warning" in result.stderr.lower()
    assert "no Python files" in result.stderr


def test_syntax_error_next_to_a_good_file(project: Path) -> None:
    write(project, {"broken.py": "def train(:\n    pass\n", "good.py": THREE})
    result = run_cli(cwd=project)
    assert result.exit_code == 1
    found = findings(result)
    assert found[0].startswith("broken.py:") and found[0].endswith(" TSL000"), found
    assert found[1:] == ["good.py:5:13 TSL101", "good.py:6:12 TSL102", "good.py:7:14 TSL201"]
    assert "syntax error" in result.stdout
    assert "Found 4 errors." in result.stdout.splitlines()


def test_syntax_error_alone_exits_1(project: Path) -> None:
    write(project, {"broken.py": "x = (\n"})
    result = run_cli("--output-format", "json", cwd=project)
    assert result.exit_code == 1
    assert [item["code"] for item in json.loads(result.stdout)] == ["TSL000"]


# --- version ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [[str(CONSOLE_SCRIPT)], [sys.executable, "-m", "torchseedlint"]],
    ids=["console-script", "python-m"],
)
def test_version(project: Path, command: List[str]) -> None:
    from importlib.metadata import version

    result = run_cli_process("--version", cwd=project, command=command)
    assert result.exit_code == 0
    text = result.stdout
    assert f"torchseedlint {torchseedlint.__version__}" in text
    assert f"libcst {version('libcst')}" in text
    assert f"Python {platform.python_version()}" in text


def _blocked_reading_stdin(pid: int) -> bool:
    # /proc/PID/syscall: the syscall number and its arguments; read(2) is 0 on
    # x86_64 and 63 on aarch64, and its first argument is the file descriptor.
    try:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return len(fields) > 1 and fields[0] in ("0", "63") and int(fields[1], 16) == 0


def test_ctrl_c_exits_130_not_the_findings_code() -> None:
    # 1 would read as "diagnostics found"; shells report an interrupt as 128 + SIGINT.
    # The run waits on stdin, so the interrupt lands mid-run whatever the machine's load.
    process = subprocess.Popen(
        [sys.executable, "-m", "torchseedlint", "--isolated", "--no-cache", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not _blocked_reading_stdin(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert b"interrupted" in stderr
