"""Real code: lint and ``--fix --unsafe-fixes`` files of the pinned timm wheel.

A bounded subset for CI (``scripts/real_corpus.py`` runs both corpora in full):
no crash, every fixed file compiles, a second fix pass changes nothing. The
wheel is downloaded from the package index once per user (outside the repository).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import load_script

# The pinned wheel is downloaded from the package index into the user's cache once
# (``$TORCHSEEDLINT_CORPUS_DIR``, by default ``~/.cache/torchseedlint/corpus``).
pytestmark = [pytest.mark.slow, pytest.mark.network]

SUBSET = 40


@pytest.fixture(scope="session")
def real_corpus() -> ModuleType:
    return load_script("scripts/real_corpus.py")


def test_timm_subset_lints_and_fixes_cleanly(real_corpus: ModuleType, tmp_path: Path) -> None:
    files = real_corpus.corpus_files("timm")
    assert len(files) > 200  # the whole wheel is there
    # Every 7th file: spread over the package, not one directory's files.
    subset = files[::7][:SUBSET]
    figures = real_corpus.check_corpus("timm", subset, tmp_path)
    assert figures.problems == []
    assert figures.files == SUBSET
    assert figures.files_fixed > 0  # the run did fix something, so the checks checked
