"""The fix invariants: fixed code compiles, is clean for the fixed codes, is stable under
a second --fix, defines every name it uses, and keeps every byte outside the edit."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import List

import pytest
from pyflakes.api import check as pyflakes_check
from pyflakes.reporter import Reporter

from tests.conftest import run_cli
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.edits.apply import apply_fixes, insertion
from torchseedlint.engine.runner import lint_file_text
from torchseedlint.fix import loop as fixing
from torchseedlint.fix.loop import MAX_PASSES, fix_text, parses_and_compiles
from torchseedlint.settings.config import Config, config_from_mapping

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fix"
ALL_FIXTURES = sorted(FIXTURES.glob("*.py")) + sorted((FIXTURES / "runnable").glob("*.py"))


def _undefined_names(text: str) -> List[str]:
    class Collect(Reporter):
        def __init__(self) -> None:
            self.found: List[str] = []

        def flake(self, message: object) -> None:
            if "undefined name" in str(message):
                self.found.append(str(message).split(":", 3)[-1])

        def syntaxError(self, *args: object) -> None:  # noqa: N802 - pyflakes' API
            self.found.append("syntax error")

        def unexpectedError(self, *args: object) -> None:  # noqa: N802 - pyflakes' API
            self.found.append("unexpected error")

    reporter = Collect()
    pyflakes_check(text, "fixture.py", reporter)
    return reporter.found


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_fix_invariants(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    outcome = fix_text(text, path.name, Config())
    fixed_codes = {d.code for d in outcome.fixed}
    if path.name != "suppressed.py":
        assert fixed_codes, "every fixture has something to fix"
    assert parses_and_compiles(outcome.text, path.name)
    assert not fixed_codes & {d.code for d in outcome.remaining}
    relint = lint_file_text(outcome.text, path.name, Config()).diagnostics
    assert not fixed_codes & {d.code for d in relint}
    assert _undefined_names(outcome.text) == _undefined_names(text)
    again = fix_text(outcome.text, path.name, Config())
    assert again.text == outcome.text and not again.fixed
    assert outcome.passes <= MAX_PASSES


def test_suppressed_diagnostics_are_never_fixed() -> None:
    text = (FIXTURES / "suppressed.py").read_text()
    outcome = fix_text(text, "suppressed.py", Config())
    assert outcome.text == text and not outcome.fixed


def test_block_reuses_seed_and_aliases() -> None:
    fixed = fix_text((FIXTURES / "aliases.py").read_text(), "aliases.py", Config()).text
    assert "onp.random.seed(SEED)\nT.manual_seed(SEED)\n" in fixed
    assert "import random\n" in fixed and "import torch\n" not in fixed
    existing = fix_text((FIXTURES / "existing_seed.py").read_text(), "e.py", Config()).text
    assert "SEED = 0" not in existing
    assert existing.index("SEED = 42") < existing.index("random.seed(SEED)")


def test_block_goes_after_docstring_future_and_imports() -> None:
    text = (FIXTURES / "docstring_future.py").read_text()
    fixed = fix_text(text, "d.py", Config()).text
    assert fixed.startswith('#!/usr/bin/env python\n"""Train a model.')
    assert fixed.index("import torch") < fixed.index("SEED = 0") < fixed.index("DATA =")
    assert fixed.count("SEED = 0") == 1


def test_loader_keywords_follow_the_call_layout() -> None:
    fixed = fix_text((FIXTURES / "loaders.py").read_text(), "loaders.py", Config()).text
    assert (
        "        num_workers=4,\n        worker_init_fn=seed_worker,\n"
        "        generator=torch.Generator().manual_seed(0),\n    )" in fixed
    )
    assert (
        "                       num_workers=2,\n"
        "                       worker_init_fn=seed_worker,\n"
        "                       generator=torch.Generator().manual_seed(0))" in fixed
    )
    # The generator gets the module's own seed (`torch.manual_seed(0)`); seed_worker
    # seeds only NumPy, the one RNG the workers draw from.
    assert "torch.manual_seed(0)\nnp.random.seed(0)\n\n\ndef seed_worker(worker_id):" in fixed
    assert "    np.random.seed(worker_seed)\n\n\nclass Noisy" in fixed
    # worker_init_fn=None is replaced, an existing generator= is kept.
    assert "DataLoader(valid_set, num_workers=2, worker_init_fn=seed_worker, generator=g)" in fixed
    assert fixed.count("def seed_worker(worker_id):") == 1


def test_every_seeding_diagnostic_carries_one_identical_block() -> None:
    text = (FIXTURES / "runnable" / "stage1_no_seed.py").read_text()
    diagnostics = lint_file_text(text, "s.py", Config()).diagnostics
    blocks = {d.fix.edits[0] for d in diagnostics if d.fix is not None}
    assert len(diagnostics) == 2 and len(blocks) == 1


@pytest.mark.parametrize(
    "prefix, encoding",
    [(b"", "utf-8"), (codecs.BOM_UTF8, "utf-8"), (b"# -*- coding: latin-1 -*-\r\n", "latin-1")],
    ids=["crlf", "bom-crlf", "latin1-crlf"],
)
def test_bytes_outside_the_edit_are_kept(prefix: bytes, encoding: str, tmp_path: Path) -> None:
    body = (
        "import torch\r\n\r\nname = 'caf\u00e9'  # \u00e9t\u00e9\r\n"
        "model = torch.nn.Linear(2, 2)\r\n"
    )
    data = prefix + body.encode(encoding)
    path = tmp_path / "train.py"
    path.write_bytes(data)
    path.chmod(0o750)
    result = run_cli("--isolated", "--fix", str(path))
    assert result.exit_code == 0, result.output
    written = path.read_bytes()
    block = "\r\nSEED = 0\r\ntorch.manual_seed(SEED)\r\n".encode(encoding)
    head = prefix + "import torch\r\n".encode(encoding)
    assert written == head + block + data[len(head) :]
    assert path.stat().st_mode & 0o777 == 0o750
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]  # no temporary file left


def test_fixable_and_unfixable_settings() -> None:
    text = (FIXTURES / "existing_seed.py").read_text()
    only = fix_text(text, "e.py", config_from_mapping({"unfixable": ["TSL1"]}))
    assert only.text == text
    allowed = fix_text(text, "e.py", config_from_mapping({"fixable": ["TSL102"]}))
    assert [d.code for d in allowed.fixed] == ["TSL102"]


def _diagnostic(code: str, row: int, fix: Fix) -> Diagnostic:
    location = Location(row, 1)
    return Diagnostic(code, "n", f"m{row}", "t.py", location, location, fix=fix)


def test_overlapping_fixes_resolve_deterministically() -> None:
    text = "a = 1\nb = 2\n"
    first = Fix(Applicability.SAFE, "x", (Edit("x = 1", Location(1, 1), Location(1, 6)),))
    second = Fix(Applicability.SAFE, "y", (Edit("y = 1", Location(1, 1), Location(1, 6)),))
    # The first in diagnostic order wins; the other is deferred to the next pass.
    assert apply_fixes(text, [first, second]) == ("x = 1\nb = 2\n", [first], [second])
    assert apply_fixes(text, [second, first]) == ("y = 1\nb = 2\n", [second], [first])
    same = Fix(Applicability.SAFE, "z", (insertion(2, 1, "c = 3\n"),))
    twin = Fix(Applicability.SAFE, "z2", (insertion(2, 1, "c = 3\n"),))
    assert apply_fixes(text, [same, twin])[0] == "a = 1\nc = 3\nb = 2\n"


def test_a_fix_that_breaks_the_file_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "import torch\nmodel = torch.nn.Linear(2, 2)\n"
    broken = _diagnostic(
        "TSL101", 2, Fix(Applicability.SAFE, "bad", (insertion(2, 1, "def (:\n"),))
    )
    good = _diagnostic("TSL102", 1, Fix(Applicability.SAFE, "ok", (insertion(1, 1, "x = 1\n"),)))
    real = fixing.lint_file_text

    def fake(source: str, path: str, config: Config, *args: object, **kwargs: object):
        result = real(source, path, config)
        result.diagnostics = [d for d in (broken, good) if source == text]
        return result

    monkeypatch.setattr(fixing, "lint_file_text", fake)
    outcome = fix_text(text, "t.py", Config())
    assert outcome.text == "x = 1\n" + text
    assert outcome.dropped == [broken] and outcome.fixed == [good]


@pytest.mark.parametrize(
    "text, expected",
    [
        # A statement on the first line that draws: the block (with its import) goes first.
        (
            "import torch; x = torch.rand(1)\n",
            "import torch\n\nSEED = 0\ntorch.manual_seed(SEED)\n\nimport torch; x = torch.rand(1)\n",
        ),
        # An optional import in try/except counts as an import: np is bound before the block.
        (
            "import torch\ntry:\n    import numpy as np\nexcept ImportError:\n    np = None\n"
            "x = np.random.rand(2)\n",
            "except ImportError:\n    np = None\n\nSEED = 0\nnp.random.seed(SEED)\n\nx =",
        ),
        # `random` is NumPy's here: its seeder is `random.seed`, no stdlib import shadows it.
        (
            "from numpy import random\nx = random.rand(3)\n",
            "from numpy import random\n\nSEED = 0\nrandom.seed(SEED)\n\nx = random.rand(3)\n",
        ),
        # SEED is assigned after the first draw: no single right place, so no fix.
        (
            "import torch\nx = torch.rand(1)\nSEED = 3\n",
            "import torch\nx = torch.rand(1)\nSEED = 3\n",
        ),
        # A __main__ block, but the module draws at import already: seeded before that.
        (
            "import torch\n\nlayer = torch.nn.Linear(2, 2)\n\n\ndef main():\n    print(torch.rand(1))\n"
            "\n\nif __name__ == '__main__':\n    main()\n",
            "import torch\n\nSEED = 0\ntorch.manual_seed(SEED)\n\nlayer = torch.nn.Linear(2, 2)\n",
        ),
        # No newline at the end of the file.
        (
            "import torch\nx = torch.rand(1)",
            "import torch\n\nSEED = 0\ntorch.manual_seed(SEED)\n\nx = torch.rand(1)",
        ),
    ],
)
def test_block_placement_edge_cases(text: str, expected: str) -> None:
    fixed = fix_text(text, "t.py", Config()).text
    assert expected in fixed
    assert parses_and_compiles(fixed, "t.py") and fix_text(fixed, "t.py", Config()).text == fixed


CLICK_COMMAND = '''import click
import torch


@click.command()
@click.option("--seed", default=0)
def train(seed):
    """Train."""
    model = torch.nn.Linear(2, 2)


if __name__ == "__main__":
    train()
'''
MAIN_WITHOUT_SEED = """import torch


def main():
    model = torch.nn.Linear(2, 2)


if __name__ == "__main__":
    main()
"""
LOADER_IN_LOOP = """import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

SEED = 5


class Noisy(Dataset):
    def __getitem__(self, index):
        return np.random.rand()


if __name__ == "__main__":
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    for epoch in range(2):
        loader = DataLoader(Noisy(), num_workers=2)
"""
RANK_FROM_ENV = """import argparse
import os

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    local_rank = int(os.environ["LOCAL_RANK"])
    rank = int(os.environ["RANK"])
    model = torch.nn.Linear(2, 2)


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize(
    "text, settings, expected",
    [
        # A click command: seeded at its top, from its parameter.
        (CLICK_COMMAND, {}, '    """Train."""\n    torch.manual_seed(seed)\n    model ='),
        # No seed anywhere, an importable module: the constant at module level, the
        # seeding inside the function the main block runs (never at import time).
        (
            MAIN_WITHOUT_SEED,
            {},
            "import torch\n\nSEED = 0\n\n\ndef main():\n    torch.manual_seed(SEED)\n    model",
        ),
        # A loader built per epoch shares one generator created before the loop.
        (
            LOADER_IN_LOOP,
            {"torch-version": "1.8"},
            "    loader_generator = torch.Generator().manual_seed(SEED)\n    for epoch in range(2):\n"
            "        loader = DataLoader(Noisy(), num_workers=2,\n"
            "                            worker_init_fn=seed_worker,\n"
            "                            generator=loader_generator)\n",
        ),
        # Per rank: the global rank (not the local one), after the line that binds it.
        (
            RANK_FROM_ENV,
            {},
            '    rank = int(os.environ["RANK"])\n    torch.manual_seed(args.seed + rank)\n',
        ),
    ],
    ids=["click", "main-without-seed", "loader-in-loop", "rank-from-env"],
)
def test_seeding_uses_the_programs_seed_and_place(text: str, settings: dict, expected: str) -> None:
    config = config_from_mapping(settings)
    fixed = fix_text(text, "train.py", config).text
    assert expected in fixed
    assert (
        parses_and_compiles(fixed, "train.py") and fix_text(fixed, "train.py", config).text == fixed
    )


def test_seed_option_defaulting_to_none_is_only_reported_by_the_safe_fix() -> None:
    text = (
        "import argparse\nimport torch\n\n\ndef main():\n    parser = argparse.ArgumentParser()\n"
        '    parser.add_argument("--seed", type=int)\n    args = parser.parse_args()\n'
        '    model = torch.nn.Linear(2, 2)\n\n\nif __name__ == "__main__":\n    main()\n'
    )
    safe = fix_text(text, "train.py", Config())
    assert safe.text == text and [d.code for d in safe.remaining] == ["TSL101"]
    unsafe = fix_text(text, "train.py", Config(), unsafe=True).text
    assert 'add_argument("--seed", type=int, default=0)' in unsafe
    assert "args = parser.parse_args()\n    torch.manual_seed(args.seed)\n" in unsafe


def test_unsafe_reseed_in_an_epoch_loop_stays_per_epoch() -> None:
    text = (
        "import numpy as np\nimport torch\n\n\ndef main(seed):\n    torch.manual_seed(seed)\n"
        "    for epoch in range(3):\n        np.random.seed()\n"
        "        print(np.random.rand())\n    np.random.seed(None)\n\n\n"
        "if __name__ == '__main__':\n    main(0)\n"
    )
    fixed = fix_text(text, "train.py", Config(), unsafe=True).text
    assert "        np.random.seed(seed + epoch)\n" in fixed
    assert "    np.random.seed(seed)\n" in fixed
