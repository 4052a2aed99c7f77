"""The performance machinery keeps results exact: the text screen, the cache, --jobs.

No test here is timed: speed is measured by benchmarks/bench.py. These tests
check that the shortcuts never change what is reported.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from tests.conftest import run_cli, run_cli_process
from torchseedlint.engine import runner as engine
from torchseedlint.engine.runner import lint_paths, lint_source
from torchseedlint.engine.screen import may_report
from torchseedlint.rules import ALL_RULES, Example, triggers
from torchseedlint.settings.config import Config, config_from_mapping, load_config

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _sources() -> Iterator[Tuple[str, str, Config]]:
    """(id, text, config) for every rule example and every fixture file."""
    for rule in ALL_RULES:
        for kind in ("VALID", "INVALID"):
            for index, example in enumerate(getattr(rule, kind)):
                if isinstance(example, str):
                    example = Example(example)
                config = config_from_mapping({**example.settings, "select": ["ALL"]})
                yield f"{rule.code}-{kind}-{index}", example.code, config
    for path in sorted(FIXTURES.rglob("*.py")):
        toml = path.with_suffix(".toml")
        config = load_config(toml) if toml.exists() else Config()
        yield (
            str(path.relative_to(FIXTURES)),
            path.read_text(encoding="utf-8"),
            (config.with_overrides(select=("ALL",))),
        )


SOURCES = list(_sources())


def test_every_rule_declares_its_trigger_words() -> None:
    for rule in ALL_RULES:
        assert isinstance(triggers((rule.code,)), frozenset)
    assert all(word == word.lower() for word in triggers(tuple(r.code for r in ALL_RULES)))


@pytest.mark.parametrize("case", SOURCES, ids=lambda case: case[0])
def test_screen_is_exact(case: Tuple[str, str, Config], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every code found with the screen off is one whose trigger words are in the text."""
    _, text, config = case
    with monkeypatch.context() as patch:
        patch.setattr(engine, "may_report", lambda text, words: True)
        unscreened = lint_source(text, "train.py", config)
    for code in {d.code for d in unscreened} - {"TSL000"}:
        assert may_report(text, triggers((code,))), f"{code} reported in a screened-out text"
    assert lint_source(text, "train.py", config) == unscreened


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The files analysed (parsed and their facts collected, by ast or libcst)."""
    parsed: List[str] = []
    real = engine.analyse

    def counting(text: str, path: str, fast: bool):  # type: ignore[no-untyped-def]
        parsed.append(Path(path).name)
        return real(text, path, fast)

    monkeypatch.setattr(engine, "analyse", counting)
    return parsed


def _record_analyses(monkeypatch: pytest.MonkeyPatch) -> List[Tuple[str, str]]:
    """(file name, "ast" or "libcst") of each analysis, in order."""
    analysed: List[Tuple[str, str]] = []
    real = engine.analyse

    def recording(text: str, path: str, fast: bool):  # type: ignore[no-untyped-def]
        analysed.append((Path(path).name, "ast" if fast else "libcst"))
        return real(text, path, fast)

    monkeypatch.setattr(engine, "analyse", recording)
    return analysed


def test_only_files_with_something_to_report_are_analysed_again_by_libcst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "clean.py").write_text("import torch\ntorch.manual_seed(0)\nx = torch.randn(3)\n")
    (tmp_path / "train.py").write_text("import torch\nx = torch.randn(3)\n")
    (tmp_path / "quiet.py").write_text("import torch\nx = torch.randn(3)  # noqa: TSL101\n")
    analysed = _record_analyses(monkeypatch)
    found = lint_paths([str(tmp_path)], Config(), jobs=1)
    assert [d.code for d in found.diagnostics] == ["TSL101"]
    assert sorted(analysed) == [
        ("clean.py", "ast"),
        ("quiet.py", "ast"),
        ("quiet.py", "libcst"),
        ("train.py", "ast"),
        ("train.py", "libcst"),
    ]
    analysed.clear()
    monkeypatch.setenv("TORCHSEEDLINT_PARSER", "libcst")
    assert lint_paths([str(tmp_path)], Config(), jobs=1).diagnostics == found.diagnostics
    assert sorted(analysed) == [
        ("clean.py", "libcst"),
        ("quiet.py", "libcst"),
        ("train.py", "libcst"),
    ]


def test_text_ast_cannot_parse_gets_the_libcst_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = "import torch\ndef f(:\n    torch.randn(3)\n"
    analysed = _record_analyses(monkeypatch)
    fast = lint_source(broken, "train.py")
    assert [d.code for d in fast] == ["TSL000"]
    assert analysed == [("train.py", "ast")]  # its fallback inside is libcst's parse
    monkeypatch.setenv("TORCHSEEDLINT_PARSER", "libcst")
    assert lint_source(broken, "train.py") == fast


@pytest.mark.parametrize("output_format", ["concise", "json", "full"])
def test_fast_path_prints_what_the_libcst_path_prints(
    output_format: str, fixture_tree: Path
) -> None:
    """The whole fixture tree through the CLI, with and without ``ast`` facts."""
    outputs = []
    for parser in ("ast", "libcst"):
        done = run_cli(
            "--no-cache",
            "--select",
            "ALL",
            "--output-format",
            output_format,
            fixture_tree.name,
            cwd=fixture_tree.parent,
            env={"TORCHSEEDLINT_PARSER": parser},
        )
        outputs.append((done.exit_code, done.stdout, done.stderr))
    assert outputs[0][1].count("TSL") > 50  # the run did report what the fixtures hold
    assert outputs[0] == outputs[1]


def test_screened_out_file_is_not_parsed_but_syntax_errors_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "plain.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "broken.py").write_text("def add(a, b:\n    return a + b\n")
    (tmp_path / "train.py").write_text("import torch\nx = torch.randn(3)\n")
    parsed = _count_parses(monkeypatch)
    found = lint_paths([str(tmp_path)], Config()).diagnostics
    assert [(Path(d.path).name, d.code) for d in found] == [
        ("broken.py", "TSL000"),
        ("train.py", "TSL101"),
    ]
    assert "plain.py" not in parsed and "train.py" in parsed
    monkeypatch.setattr(engine, "may_report", lambda text, words: True)
    assert lint_paths([str(tmp_path)], Config()).diagnostics == found


def test_screened_out_module_is_still_read_when_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # helpers.py has no trigger word of its own: it is not linted, but train.py
    # needs to know that setup() seeds everything.
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text(
        "import lightning\n\ndef setup(seed):\n    lightning.seed_everything(seed)\n"
    )
    (tmp_path / "train.py").write_text(
        "import torch\nfrom helpers import setup\nsetup(0)\nx = torch.randn(3)\n"
    )
    assert not may_report((tmp_path / "helpers.py").read_text(), triggers(("TSL101",)))
    parsed = _count_parses(monkeypatch)
    assert lint_paths([str(tmp_path)], Config()).diagnostics == []
    assert sorted(parsed) == ["helpers.py", "train.py"]


def test_module_reached_by_attribute_only_is_solved(tmp_path: Path) -> None:
    # ``import pkg`` then ``pkg.seeding.setup(0)``: pkg/seeding.py is loaded when the
    # name is resolved, after the import walk; what it seeds must still count.
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "seeding.py").write_text(
        "import torch\n\ndef setup(seed):\n    torch.manual_seed(seed)\n"
    )
    (tmp_path / "train.py").write_text(
        "import torch\nimport pkg\npkg.seeding.setup(0)\nx = torch.randn(3)\n"
    )
    assert lint_paths([str(tmp_path / "train.py")], Config()).diagnostics == []


# --- --jobs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["--version"], ["--help"], ["--no-cache", "clean.py"]],
    ids=["version", "help", "clean-file"],
)
def test_startup_imports_no_parser_it_does_not_use(args: List[str], tmp_path: Path) -> None:
    """libcst (a third of a small run's start-up) is imported only to parse a file
    with findings or to fix one."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "clean.py").write_text("import torch\ntorch.manual_seed(0)\nx = torch.randn(3)\n")
    done = run_cli_process(
        *args, cwd=tmp_path, command=(sys.executable, "-X", "importtime", "-m", "torchseedlint")
    )
    assert done.exit_code == 0, done.stderr[-2000:]
    imported = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "torchseedlint.cli.main" in imported
    assert not {name for name in imported if name.split(".")[0] == "libcst"}


@pytest.fixture
def fixture_tree(tmp_path: Path) -> Path:
    """The fixtures copied out of this repository, whose settings make tests/ test code."""
    import shutil

    return Path(shutil.copytree(FIXTURES, tmp_path / "fixtures"))


def test_parallel_run_prints_the_same_bytes_in_the_same_order(fixture_tree: Path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        result = run_cli("--no-cache", "--jobs", jobs, "--output-format", "full", str(fixture_tree))
        assert result.exit_code == 1, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1] and outputs[0].count("TSL") > 20


def test_parallel_results_equal_one_process(fixture_tree: Path) -> None:
    one = lint_paths([str(fixture_tree)], Config(), jobs=1)
    two = lint_paths([str(fixture_tree)], Config(), jobs=2)
    assert len(one.diagnostics) > 20
    assert [r.path for r in one.files] == [r.path for r in two.files]
    assert [r.diagnostics for r in one.files] == [r.diagnostics for r in two.files]


@pytest.mark.parametrize("budget", ["0", "3000"])
def test_facts_beyond_the_budget_are_analysed_again_with_the_same_results(
    fixture_tree: Path, monkeypatch: pytest.MonkeyPatch, budget: str
) -> None:
    """A process keeps the facts of at most ``TORCHSEEDLINT_KEEP_FACTS`` bytes of
    source between the phases (memory flat as the tree grows); phase 2 analyses
    the other files again, and the results do not change."""
    expected = lint_paths([str(fixture_tree)], Config(), jobs=1)
    real = engine.lint_path
    given: List[Tuple[str, bool]] = []  # (file, whether phase 1's facts came with it)

    def recording(path, config, project=None, known=None):  # type: ignore[no-untyped-def]
        given.append((path, known is not None))
        return real(path, config, project, known)

    monkeypatch.setattr(engine, "lint_path", recording)
    monkeypatch.setenv("TORCHSEEDLINT_KEEP_FACTS", budget)
    found = lint_paths([str(fixture_tree)], Config(), jobs=1)
    assert [r.diagnostics for r in found.files] == [r.diagnostics for r in expected.files]
    kept = [path for path, with_facts in given if with_facts]
    assert sum(Path(path).stat().st_size for path in kept) <= int(budget)
    assert bool(kept) == (budget != "0") and len(given) - len(kept) > 100
    monkeypatch.setattr(engine, "lint_path", real)  # workers cannot take a local function
    two = lint_paths([str(fixture_tree)], Config(), jobs=2)
    assert [r.diagnostics for r in two.files] == [r.diagnostics for r in expected.files]


def test_a_keep_facts_budget_that_is_not_a_number_is_a_clear_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "train.py").write_text("import torch\nx = torch.randn(3)\n")
    result = run_cli("--no-cache", str(tmp_path), env={"TORCHSEEDLINT_KEEP_FACTS": "lots"})
    assert result.exit_code == 2
    assert "TORCHSEEDLINT_KEEP_FACTS='lots' is not a number of bytes" in result.output


# --- cache -------------------------------------------------------------------------

TRAIN = "import torch\nfrom helpers import loader\nx = torch.randn(3)\nloader()\n"
HELPERS = "import random\n\ndef loader():\n    return random.random()\n"
DATA = "import numpy as np\n\ndef batch():\n    return np.random.rand(2)\n"


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "train.py").write_text(TRAIN)
    (root / "helpers.py").write_text(HELPERS)
    (root / "data.py").write_text(DATA)
    (root / "plain.py").write_text("def add(a, b):\n    return a + b\n")
    return root


def _cached_run(root: Path, cache: Path) -> List[Tuple[str, str, int]]:
    run = lint_paths([str(root)], Config(), use_cache=True, cache_dir=str(cache))
    return [(Path(d.path).name, d.code, d.location.row) for d in run.diagnostics]


def test_cache_gives_the_same_results_and_reparses_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache = _project(tmp_path / "p"), tmp_path / "cache"
    uncached = lint_paths([str(root)], Config()).diagnostics
    parsed = _record_analyses(monkeypatch)
    cold = _cached_run(root, cache)
    assert cold == [(Path(d.path).name, d.code, d.location.row) for d in uncached]
    assert cold and {"train.py", "helpers.py", "data.py"} <= {name for name, _ in parsed}
    parsed.clear()
    assert _cached_run(root, cache) == cold
    assert parsed == []
    # A change in the imported helper changes train.py's findings: only the
    # helper is analysed again, and train.py's diagnostics follow it (train.py
    # is parsed by libcst again for its report, as every file with findings is).
    (root / "helpers.py").write_text(HELPERS.replace("random.random()", "1"))
    changed = _cached_run(root, cache)
    assert [name for name, parser in parsed if parser == "ast"] == ["helpers.py"]
    assert {name for name, parser in parsed if parser == "libcst"} == {
        name for name, _, _ in changed
    }
    assert changed != cold
    assert changed == [
        (Path(d.path).name, d.code, d.location.row)
        for d in lint_paths([str(root)], Config()).diagnostics
    ]
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172")
    assert (cache / ".gitignore").read_text() == "*\n"


def test_run_keeps_sources_of_files_with_findings_only_no_facts_and_the_cache_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache = _project(tmp_path / "p"), tmp_path / "cache"
    (root / "seeded.py").write_text("import torch\ntorch.manual_seed(0)\nx = torch.randn(3)\n")
    run = lint_paths([str(root)], Config(), use_cache=True, cache_dir=str(cache))
    kept = {Path(r.path).name: r.source is not None for r in run.files}
    assert kept["train.py"] and not kept["seeded.py"] and not kept["plain.py"]
    assert all(r.facts is None for r in run.files)
    stored = b"".join(path.read_bytes() for path in cache.rglob("*") if path.is_file())
    assert TRAIN.encode() not in stored  # no source in any cache entry
    warm = lint_paths([str(root)], Config(), use_cache=True, cache_dir=str(cache))
    assert [(r.path, r.source) for r in warm.files] == [(r.path, r.source) for r in run.files]


def test_corrupt_and_foreign_cache_entries_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache = _project(tmp_path / "p"), tmp_path / "cache"
    cold = _cached_run(root, cache)
    entries = sorted(p for p in cache.rglob("*") if p.is_file() and p.parent != cache)
    payloads = [p.read_bytes() for p in entries]
    for index, entry in enumerate(entries):
        # Every entry replaced by another one (right format, wrong key), or garbled.
        other = payloads[(index + 1) % len(payloads)]
        entry.write_bytes(other if index % 2 else other[:-7] + b"garbage")
    parsed = _count_parses(monkeypatch)
    assert _cached_run(root, cache) == cold
    assert {"train.py", "helpers.py", "data.py"} <= set(parsed)


def test_planted_pickle_is_not_loaded(tmp_path: Path) -> None:
    import hashlib
    import pickle

    from torchseedlint.engine.cache import _MAGIC, Cache

    cache = Cache(tmp_path, Config())
    key = cache.key("facts", ["x"])
    payload = pickle.dumps((key, print))  # a non-torchseedlint callable
    target = tmp_path / "facts" / key[:2] / key
    target.parent.mkdir(parents=True)
    target.write_bytes(_MAGIC + hashlib.sha256(payload).hexdigest().encode() + payload)
    assert cache.get("facts", key) is None
    cache.put("facts", key, ("kept",))
    assert cache.get("facts", key) == ("kept",)


def test_cli_cache_location_flags(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    assert run_cli("--no-cache", ".", cwd=root).exit_code == 1
    assert not (root / ".torchseedlint_cache").exists()
    assert run_cli(".", cwd=root).exit_code == 1
    assert (root / ".torchseedlint_cache" / "CACHEDIR.TAG").is_file()
    elsewhere = tmp_path / "elsewhere"
    result = run_cli(".", cwd=root, env={"TORCHSEEDLINT_CACHE_DIR": str(elsewhere)})
    assert result.exit_code == 1 and (elsewhere / "CACHEDIR.TAG").is_file()
    flagged = tmp_path / "flagged"
    assert run_cli("--cache-dir", str(flagged), ".", cwd=root).exit_code == 1
    assert (flagged / "run").is_dir()
