"""Jupyter notebooks: joined cells, masked magics, cell locations, write-back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import CliResult, run_cli
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.engine.notebook import parse_notebook, write_back
from torchseedlint.engine.runner import lint_paths
from torchseedlint.fix.command import fix_run
from torchseedlint.settings.config import Config

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"
TRAIN = FIXTURES / "train.ipynb"


def torchseedlint(cwd: Path, *args: str) -> CliResult:
    # The defaults but the blanket TSL201 mode: the notebook's loader iterates an unknown
    # `ds`, which the default mode leaves alone.
    config = cwd / "pyproject.toml"
    config.write_text('[tool.torchseedlint]\ndataloader-worker-seeding = "always"\n')
    return run_cli("--config", str(config), *args, cwd=cwd)


def test_magics_are_masked_and_rows_are_kept() -> None:
    notebook = parse_notebook(TRAIN.read_text())
    assert [cell.number for cell in notebook.cells] == [2, 3, 4, 5, 6]
    lines = notebook.source.splitlines()
    for magic in ("%matplotlib", "!pip", "!ls", "%time", "%%bash", "echo hello"):
        assert magic not in notebook.source
    # Masked lines keep their row: row 4 of the joined text is cell 2's `import torch`.
    assert lines[notebook.cells[0].first_row - 1 + 2] == "import torch"
    # An indented magic becomes a statement, so the `if` body still parses.
    assert "    pass  # torchseedlint magic 3" in lines
    assert notebook.magics[3] == "    %time y = x * 2"


def test_diagnostics_are_located_by_cell(tmp_path: Path) -> None:
    shutil.copy(TRAIN, tmp_path / "train.ipynb")
    proc = torchseedlint(tmp_path, "train.ipynb")
    assert proc.exit_code == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("train.ipynb:cell 3:2:5: TSL101 ")
    assert lines[1].startswith("train.ipynb:cell 6:1:10: TSL201 ")
    assert "TSL000" not in proc.stdout  # `!pip`, `%%bash` and `x = !ls` were not parsed

    proc = torchseedlint(tmp_path, "--output-format", "json", "train.ipynb")
    found = json.loads(proc.stdout)
    assert [(d["code"], d["cell"], d["location"]) for d in found] == [
        ("TSL101", 3, {"row": 2, "column": 5}),
        ("TSL201", 6, {"row": 1, "column": 10}),
    ]


def test_noqa_in_a_cell_is_honoured(tmp_path: Path) -> None:
    data = json.loads(TRAIN.read_text())
    data["cells"][5]["source"] = ["loader = DataLoader(ds, num_workers=4)  # noqa: TSL201"]
    (tmp_path / "nb.ipynb").write_text(json.dumps(data, indent=1))
    run = lint_paths([str(tmp_path / "nb.ipynb")])
    assert [d.code for d in run.diagnostics] == ["TSL101"]


def test_discovery_includes_notebooks_unless_excluded(tmp_path: Path) -> None:
    shutil.copy(TRAIN, tmp_path / "train.ipynb")
    (tmp_path / "ok.py").write_text("x = 1\n")
    proc = torchseedlint(tmp_path, "--show-files", ".")
    assert proc.stdout.splitlines() == ["ok.py", "train.ipynb"]
    proc = torchseedlint(tmp_path, ".")
    assert "train.ipynb:cell 3:2:5: TSL101" in proc.stdout
    proc = torchseedlint(tmp_path, "--extend-exclude", "*.ipynb", ".")
    assert proc.exit_code == 0, proc.stdout
    assert "ipynb" not in proc.stdout


def test_malformed_notebook_is_tsl000(tmp_path: Path) -> None:
    for name, text in [
        ("truncated.ipynb", (FIXTURES / "malformed.ipynb").read_text()),
        ("no_cells.ipynb", '{"metadata": {}}'),
        ("bad_source.ipynb", '{"cells": [{"cell_type": "code", "source": 3}]}'),
    ]:
        (tmp_path / name).write_text(text)
        run = lint_paths([str(tmp_path / name)])
        assert [d.code for d in run.diagnostics] == ["TSL000"], name
        assert run.diagnostics[0].message.startswith("cannot read notebook: ")


def test_write_back_of_an_unchanged_source_is_byte_identical() -> None:
    text = TRAIN.read_text()
    assert write_back(text, parse_notebook(text).source) == text


def _sources(text: str) -> List[Any]:
    return [cell["source"] for cell in json.loads(text)["cells"]]


def test_write_back_changes_only_the_edited_cells_in_nbformat_layout() -> None:
    text = TRAIN.read_text()
    joined = parse_notebook(text).source
    fixed = joined.replace("import torch\n", "import torch\n\ntorch.manual_seed(0)\n").replace(
        "x = torch.rand(3)\n", "x = torch.rand(3)  # noqa: TSL101\n"
    )
    new = write_back(text, fixed)

    expected: Dict[str, Any] = json.loads(text)
    expected["cells"][1]["source"] = [
        "%matplotlib inline\n",
        "!pip install numpy\n",
        "import torch\n",
        "\n",
        "torch.manual_seed(0)\n",
        "from torch.utils.data import DataLoader",
    ]
    # The masked `files = !ls` and `%time` lines come back as written.
    expected["cells"][2]["source"][1] = "x = torch.rand(3)  # noqa: TSL101\n"
    # The fixture is nbformat's layout (indent 1), so the whole file must be exactly it.
    assert new == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"
    # Relinting the written notebook sees the fix.
    assert "torch.manual_seed(0)" in parse_notebook(new).source


def test_write_back_keeps_a_compact_layout_and_string_sources() -> None:
    text = (
        '{"cells":[{"cell_type":"markdown","metadata":{},"source":"# hi"},'
        '{"cell_type":"code","execution_count":1,"metadata":{"tags":["x"]},'
        '"outputs":[{"output_type":"stream","name":"stdout","text":"é\\n"}],'
        '"source":"%time 1\\nimport torch"}],'
        '"metadata":{},"nbformat":4,"nbformat_minor":5}'
    )
    joined = parse_notebook(text).source
    new = write_back(text, "import os\n" + joined)
    source_start = text.index('"source":"%time')
    assert new[:source_start] == text[:source_start]
    assert new.endswith('}],"metadata":{},"nbformat":4,"nbformat_minor":5}')
    assert _sources(new) == ["# hi", "import os\n%time 1\nimport torch"]


def _without_code_sources(text: str) -> str:
    """The notebook's text with each code cell's ``"source"`` value blanked out."""
    for cell in sorted(parse_notebook(text).cells, key=lambda c: c.span[0], reverse=True):
        start, end = cell.span
        text = text[:start] + "SOURCE" + text[end:]
    return text


def test_fix_writes_the_changed_cells_back_and_nothing_else(tmp_path: Path) -> None:
    notebook = tmp_path / "train.ipynb"
    shutil.copy(TRAIN, notebook)
    before = notebook.read_text(encoding="utf-8")
    proc = torchseedlint(tmp_path, "train.ipynb")
    assert "[*] 2 fixable with the `--fix` option." in proc.stdout

    proc = torchseedlint(tmp_path, "--fix", "train.ipynb")
    assert proc.exit_code == 0, proc.stdout + proc.stderr
    assert "Found 2 errors (2 fixed, 0 remaining)." in proc.stdout
    after = notebook.read_text(encoding="utf-8")
    # Valid JSON; outputs, metadata and layout byte for byte; only two cells changed.
    cells = json.loads(after)["cells"]
    assert _without_code_sources(after) == _without_code_sources(before)
    changed = [
        i for i, (old, new) in enumerate(zip(_sources(before), _sources(after))) if old != new
    ]
    assert changed == [1, 5]
    # ``import random`` goes in a standard-library section above the torch imports.
    assert cells[1]["source"][:6] == [
        "%matplotlib inline\n",
        "!pip install numpy\n",
        "import random\n",
        "\n",
        "import torch\n",
        "from torch.utils.data import DataLoader\n",
    ]
    assert cells[1]["source"][-1] == "    random.seed(worker_seed)"  # still no final newline
    # The fixed call is wrapped, its new arguments aligned under the first one.
    assert cells[5]["source"] == [
        "loader = DataLoader(ds, num_workers=4,\n",
        "                    worker_init_fn=seed_worker,\n",
        "                    generator=torch.Generator().manual_seed(SEED))",
    ]
    assert "%time" in parse_notebook(after).magics[3]

    relint = torchseedlint(tmp_path, "train.ipynb")
    assert relint.exit_code == 0, relint.stdout
    assert torchseedlint(tmp_path, "--fix", "train.ipynb").exit_code == 0
    assert notebook.read_text(encoding="utf-8") == after


def test_diff_shows_one_diff_per_changed_cell_and_writes_nothing(tmp_path: Path) -> None:
    notebook = tmp_path / "train.ipynb"
    shutil.copy(TRAIN, notebook)
    proc = torchseedlint(tmp_path, "--diff", "train.ipynb")
    assert proc.exit_code == 1
    assert notebook.read_bytes() == TRAIN.read_bytes()
    headers = [line for line in proc.stdout.splitlines() if line.startswith(("---", "+++"))]
    assert headers == [
        "--- train.ipynb:cell 2",
        "+++ train.ipynb:cell 2",
        "--- train.ipynb:cell 6",
        "+++ train.ipynb:cell 6",
    ]
    # Rows are counted in the cell, masked magics show as written, and the
    # cell's missing final newline is not shown as a change.
    assert (
        "@@ -1,4 +1,14 @@\n %matplotlib inline\n !pip install numpy\n+import random\n+\n"
        " import torch\n"
    ) in proc.stdout
    assert "-from torch" not in proc.stdout
    assert (
        "-loader = DataLoader(ds, num_workers=4)\n"
        "+loader = DataLoader(ds, num_workers=4,\n"
        "+                    worker_init_fn=seed_worker,\n"
    ) in proc.stdout
    assert "Would fix 2 errors." in proc.stderr


def test_a_fix_that_would_unmask_a_cell_magic_is_not_applied(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "source": source,
            "execution_count": None,
            "outputs": [],
        }
        for source in ("%%bash\necho hi", "x = 1")
    ]
    path.write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    )
    run = lint_paths([str(path)])
    # Text fixed in above the first cell's marker lands in that cell, above `%%bash`,
    # which would then no longer make the whole cell a shell script.
    top = Location(1, 1)
    insert = Diagnostic(
        "TSL101",
        "missing-torch-seed",
        "m",
        str(path),
        top,
        top,
        fix=Fix(Applicability.SAFE, "insert", (Edit("import os\n", top, top),)),
    )
    run.files[0].diagnostics = [insert]
    fixes = fix_run(run, Config(), False, [])
    assert not fixes[0].changed
    assert fixes[0].outcome.dropped == [insert]
    assert run.files[0].diagnostics == [insert]


def _notebook_json(*sources: str) -> str:
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "source": source,
            "execution_count": None,
            "outputs": [],
        }
        for source in sources
    ]
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )


VALID_IPYTHON_CELLS = [
    "!pip install torch \\\n  numpy\nimport torch\n",  # a continued shell line
    "if True:\n    !pip install a \\\n        b\n    y = 2\n",
    "%%bash\necho hi\nif true; then\n  echo x\nfi\n",  # indented shell in a cell magic
    "%time x = sum([1, 2])\nprint(x)\n",
    "for i in range(3):\n    !echo $i\n",  # a shell line as the only statement of a block
    "import numpy as np\nnp.random?\n??np.random.seed\n",
]


@pytest.mark.parametrize("source", VALID_IPYTHON_CELLS)
def test_ipython_syntax_is_masked_not_parsed(tmp_path: Path, source: str) -> None:
    text = _notebook_json(source)
    assert write_back(text, parse_notebook(text).source) == text
    (tmp_path / "nb.ipynb").write_text(text)
    assert [d.code for d in lint_paths([str(tmp_path / "nb.ipynb")]).diagnostics] == []


@pytest.mark.parametrize(
    "source",
    [
        "y = 10 % \\\n    3\nprint (y)\n",  # a Python continuation, not a magic's
        "ok = y != 3 and x.why\n",
    ],
)
def test_python_lines_are_not_masked(source: str) -> None:
    notebook = parse_notebook(_notebook_json(source))
    assert notebook.magics == ()
    assert source in notebook.source


def test_a_broken_python_line_in_a_notebook_is_still_tsl000(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(_notebook_json("!pip install a \\\n  b\nx = (\n"))
    assert [d.code for d in lint_paths([str(tmp_path / "nb.ipynb")]).diagnostics] == ["TSL000"]
