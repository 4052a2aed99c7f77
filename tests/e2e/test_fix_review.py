"""The review corpus: ``--fix`` on scripts shaped like real training code, reviewed as a PR.

Each fixture under ``fixtures/review/`` (a file, or a folder that is a small
project) has two golden files per changed module, reviewed by hand:
``NAME.fixed.EXT`` (``--fix``) and ``NAME.unsafe.EXT`` (``--fix --unsafe-fixes``).
A module that must stay as it is has no golden file. The fix runs through the CLI
on a copy, as a user runs it; the result must equal the goldens, compile, and a
second ``--fix`` must change nothing.

After a rule or fix change, regenerate the goldens and review the diff before
committing it::

    python -m tests.e2e.test_fix_review --update

The runnable fixtures (CPU torch, tiny synthetic data) then run, fixed, in fresh
processes, and show the four properties a maintainer checks: the same flags give
the same output; ``--seed 1`` and ``--seed 2`` differ; the epoch-1 order is not
the epoch-0 order; two spawned ranks get different augmentation streams.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from tests.conftest import run_cli
from tests.e2e.scriptruns import run_scripts

REVIEW = Path(__file__).parents[1] / "fixtures" / "review"
MODES = {"fixed": (), "unsafe": ("--unsafe-fixes",)}


@dataclass(frozen=True)
class Case:
    name: str  # a file or a project folder under fixtures/review
    options: Tuple[str, ...] = ()  # CLI options besides --fix
    # Which golden runs ("fixed"/"unsafe") and the script in it; None: not runnable here.
    runs: Optional[str] = None
    script: str = ""
    # Two command lines that set different seeds; empty: the script has no seed flag.
    seeds: Tuple[Tuple[str, ...], ...] = (("--seed", "1"), ("--seed", "2"))
    epochs: bool = True
    ranks: bool = False


CASES = [
    Case("argparse_main.py", runs="fixed"),
    Case("seed_default_none.py", runs="fixed"),
    Case("seed_option_without_default.py", runs="unsafe", epochs=False),
    Case("config_seed.py", runs="fixed", seeds=(("--seed=1",), ("--seed=2",))),
    Case("ddp_spawn.py", runs="fixed", ranks=True),
    Case("lightning_train.py"),  # lightning is not a test dependency
    Case("accelerate_train.py"),  # nor is accelerate
    Case("loader_in_epoch_loop.py", options=("--extend-select", "TSL202"), runs="unsafe"),
    Case("per_epoch_numpy_reseed.py", runs="unsafe"),
    Case("project", runs="fixed", script="train.py"),
    Case("warnings_after_imports.py", runs="fixed", seeds=()),
    Case("notebook.ipynb"),
    Case("cuda_training.py"),  # TSL302's unsafe fix; no GPU here
    Case(
        "commented_out_seeding.py",
        runs="fixed",
        seeds=(("--manualSeed", "1"), ("--manualSeed", "2")),
    ),
]


def _golden_name(module: str, mode: str) -> str:
    stem, _, ext = module.rpartition(".")
    return f"{stem}.{mode}.{ext}"


def _sources(case: Case) -> Dict[str, str]:
    """The fixture's modules (relative path -> text), goldens left out."""
    root = REVIEW / case.name
    if root.is_file():
        return {case.name: root.read_text(encoding="utf-8")}
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(root.iterdir())
        if path.suffix in (".py", ".ipynb") and not path.stem.endswith((".fixed", ".unsafe"))
    }


def _run_fix(workdir: Path, mode: str, options: Tuple[str, ...]) -> None:
    # Run from the copy: the project is the copy (its root, roles and settings).
    result = run_cli("--isolated", "--fix", *MODES[mode], *options, ".", cwd=workdir)
    assert result.exit_code in (0, 1), result.output


def _read(workdir: Path, names: List[str]) -> Dict[str, str]:
    return {name: (workdir / name).read_text(encoding="utf-8") for name in names}


def fix_copy(case: Case, mode: str, workdir: Path) -> Dict[str, str]:
    """Run ``--fix`` on a copy of the fixture in ``workdir``; the modules it changed."""
    originals = _sources(case)
    for name, text in originals.items():
        (workdir / name).write_text(text, encoding="utf-8")
    _run_fix(workdir, mode, case.options)
    fixed = _read(workdir, list(originals))
    return {name: text for name, text in fixed.items() if text != originals[name]}


def _goldens(case: Case, mode: str) -> Dict[str, str]:
    folder = REVIEW if (REVIEW / case.name).is_file() else REVIEW / case.name
    found = {}
    for name in _sources(case):
        golden = folder / _golden_name(name, mode)
        if golden.exists():
            found[name] = golden.read_text(encoding="utf-8")
    return found


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fix_matches_the_reviewed_golden(case: Case, mode: str, tmp_path: Path) -> None:
    changed = fix_copy(case, mode, tmp_path)
    assert changed == _goldens(case, mode)
    for name, text in changed.items():
        if name.endswith(".py"):
            compile(text, name, "exec")
    names = list(_sources(case))
    once = _read(tmp_path, names)
    _run_fix(tmp_path, mode, case.options)
    assert _read(tmp_path, names) == once, "a second --fix changed the file"


# --- the fixed scripts, run -----------------------------------------------------------


def _runnable_copy(case: Case, tmp_path: Path) -> Path:
    """The fixed fixture (its goldens, the other modules as they are) as runnable files."""
    assert case.runs is not None
    goldens = _goldens(case, case.runs)
    for name, text in _sources(case).items():
        (tmp_path / name).write_text(goldens.get(name, text), encoding="utf-8")
    return tmp_path / (case.script or case.name)


def _lines(output: str, prefix: str) -> List[str]:
    return sorted(line.split(":", 1)[1] for line in output.splitlines() if line.startswith(prefix))


def _records(stdout: str) -> List[str]:
    """The printed lines, sorted: ranks print in any order, and two ranks' lines may
    even interleave (unbuffered output writes a line and its newline separately)."""
    separated = re.sub(r"(?<=\S)(rank \d+ epoch)", r"\n\1", stdout)
    return sorted(line for line in separated.splitlines() if line.strip())


def _first(case: Case) -> str:
    return "rank 0 epoch" if case.ranks else "epoch"


@pytest.mark.slow
@pytest.mark.parametrize("case", [c for c in CASES if c.runs], ids=lambda c: c.name)
def test_fixed_script_keeps_what_should_vary(case: Case, tmp_path: Path) -> None:
    script = _runnable_copy(case, tmp_path)
    flags = list(case.seeds[:1]) * 2 + list(case.seeds[1:]) if case.seeds else [(), ()]
    outputs = []
    for process in run_scripts([script] * len(flags), cwd=tmp_path, args=flags):
        assert process.returncode == 0, process.stderr
        outputs.append(_records(process.stdout))
    first, same, *other = outputs
    assert first and first == same, "deterministic: the same flags give the same output"
    if other:
        assert other[0] != first, "the user's seed still matters"
    text = "\n".join(first)
    if case.epochs:
        epoch = _first(case)
        assert _lines(text, f"{epoch} 0:") != _lines(text, f"{epoch} 1:"), "epochs differ"
    if case.ranks:
        assert _lines(text, "rank 0 epoch 0:") != _lines(text, "rank 1 epoch 0:"), "ranks differ"


def update_goldens() -> None:
    """Rewrite every golden file from the current fixes (then review ``git diff``)."""
    import tempfile

    for case in CASES:
        folder = REVIEW if (REVIEW / case.name).is_file() else REVIEW / case.name
        for mode in MODES:
            for name in _sources(case):
                golden = folder / _golden_name(name, mode)
                if golden.exists():
                    golden.unlink()
            with tempfile.TemporaryDirectory() as workdir:
                for name, text in fix_copy(case, mode, Path(workdir)).items():
                    (folder / _golden_name(name, mode)).write_text(text, encoding="utf-8")


if __name__ == "__main__" and "--update" in sys.argv:
    update_goldens()
