"""Real code: lint and ``--fix --unsafe-fixes`` files of the pinned timm wheel.

A bounded subset for CI (``scripts/real_corpus.py`` runs both corpora in full):
no crash, every fixed file compiles, a second fix pass changes nothing. The
wheel is downloaded from the package index once per checkout.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "real_corpus.py"
SUBSET = 40


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_corpus", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_corpus"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def real_corpus() -> ModuleType:
    return load_script()


def test_timm_subset_lints_and_fixes_cleanly(real_corpus: ModuleType, tmp_path: Path) -> None:
    files = real_corpus.corpus_files("timm")
    assert len(files) > 200  # the whole wheel is there
    # Every 7th file: spread over the package, not one directory's files.
    subset = files[::7][:SUBSET]
    figures = real_corpus.check_corpus("timm", subset, tmp_path)
    assert figures.problems == []
    assert figures.files == SUBSET
    assert figures.files_fixed > 0  # the run did fix something, so the checks checked
