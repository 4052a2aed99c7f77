"""The real-code evaluation script's pure parts: parsing, joining findings to roles, counting,
rendering, sampling and the precision table. Canned linter output; nothing is downloaded."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import load_script


@pytest.fixture(scope="module")
def ev() -> ModuleType:
    return load_script("scripts/eval_real.py")


def finding_json(filename: str, row: int, code: str) -> dict:
    return {
        "code": code,
        "name": "x",
        "message": f"{code} message",
        "filename": filename,
        "location": {"row": row, "column": 1},
        "end_location": {"row": row, "column": 2},
        "fix": None,
        "noqa_row": row,
        "cell": None,
        "severity": "error",
        "url": "",
    }


ROLES_TEXT = """\
train.py: entry point (has a __main__ block)
pkg/model.py: library (imported by train.py)
tests/test_model.py: test (under tests/, named test_*.py)
tests/conftest.py: test (pytest conftest)
"""


def canned(tmp_path: Path) -> str:
    """JSON as the linter prints it: one absolute and three relative file names."""
    return json.dumps(
        [
            finding_json(str(tmp_path / "train.py"), 10, "TSL101"),
            finding_json("pkg/model.py", 5, "TSL201"),
            finding_json("./tests/test_model.py", 3, "TSL101"),
            finding_json("scripts/other.py", 7, "TSL302"),
        ]
    )


def test_findings_and_roles_join_on_relative_paths(ev: ModuleType, tmp_path: Path) -> None:
    findings = ev.parse_findings("proj", canned(tmp_path), tmp_path)
    roles = ev.parse_roles(ROLES_TEXT, tmp_path)
    assert roles == {
        "train.py": "entry point",
        "pkg/model.py": "library",
        "tests/test_model.py": "test",
        "tests/conftest.py": "test",
    }
    assert [(f.path, ev.role_of(f, roles)) for f in findings] == [
        ("pkg/model.py", "library"),
        ("scripts/other.py", "unknown"),  # not listed by --show-roles
        ("tests/test_model.py", "test"),
        ("train.py", "entry point"),
    ]


def test_summary_counts_per_code_role_and_files(ev: ModuleType, tmp_path: Path) -> None:
    findings = ev.parse_findings("proj", canned(tmp_path), tmp_path)
    summary = ev.summarize("proj", findings, ev.parse_roles(ROLES_TEXT, tmp_path))
    assert summary.total == 4
    assert dict(summary.by_code) == {"TSL101": 2, "TSL201": 1, "TSL302": 1}
    assert dict(summary.by_role) == {"entry point": 1, "library": 1, "test": 1, "unknown": 1}
    assert dict(summary.files_by_role) == {"entry point": 1, "library": 1, "test": 2}

    without_roles = ev.summarize("proj", findings, None)
    assert dict(without_roles.by_role) == {"n/a": 4}
    assert not without_roles.files_by_role
    assert "Roles: n/a" in "\n".join(ev.render_summary(without_roles))

    both = ev.combined([summary, without_roles])
    assert both.total == 8 and both.by_code["TSL101"] == 4 and both.files_by_role["test"] == 2


def test_comparison_puts_before_and_after_side_by_side(ev: ModuleType, tmp_path: Path) -> None:
    roles = ev.parse_roles(ROLES_TEXT, tmp_path)
    findings = ev.parse_findings("proj", canned(tmp_path), tmp_path)
    before = ev.summarize("proj", findings, roles)
    after = ev.summarize("proj", [f for f in findings if f.code != "TSL101"], roles)
    lines = ev.render_comparison(before, after)
    assert lines[0] == "### proj: 4 → 2 findings"
    assert "| test | 2 | 1 | 0 |" in lines  # files, before, after
    assert "| entry point | 1 | 1 | 0 |" in lines
    assert "| TSL101 | 2 | 0 |" in lines
    assert "| TSL302 | 1 | 1 |" in lines


def test_sample_is_reproducible_and_independent_of_input_order(
    ev: ModuleType, tmp_path: Path
) -> None:
    findings = [ev.Finding("p", f"f{i}.py", i, "TSL101", "m") for i in range(50)]
    first = ev.sample_findings(findings, 10, seed=3)
    assert first == ev.sample_findings(list(reversed(findings)), 10, seed=3)
    assert first != ev.sample_findings(findings, 10, seed=4)
    assert len(set(first)) == 10
    assert len(ev.sample_findings(findings[:4], 10, seed=3)) == 4


def test_context_marks_the_line_and_stops_at_the_file_edges(ev: ModuleType) -> None:
    source = [f"line {n}" for n in range(1, 6)]
    assert ev.context(source, 2) == [
        "      1 line 1",
        ">     2 line 2",
        "      3 line 3",
        "      4 line 4",
        "      5 line 5",
    ]


def test_labelling_sheet_round_trips_into_the_precision_table(ev: ModuleType) -> None:
    chosen = [
        ev.Finding("p", "a.py", 1, "TSL101", "m1"),
        ev.Finding("p", "b.py", 2, "TSL201", "m2"),
    ]
    sheet = ev.render_sample(
        chosen,
        {("p", "a.py"): "entry point"},
        {chosen[0]: ["import torch"], chosen[1]: ["x", "y"]},
        ["# h"],
    )
    assert "| 1 | TSL101 | entry point | p/a.py:1 |  |  |" in sheet
    assert "| 2 | TSL201 | unknown | p/b.py:2 |  |  |" in sheet
    assert ev.parse_labels("\n".join(sheet)) == []  # nothing labelled yet

    labelled = (
        "\n".join(sheet)
        .replace("p/a.py:1 |  |", "p/a.py:1 | TP |")
        .replace("p/b.py:2 |  |", "p/b.py:2 | FP |")
    )
    labels = ev.parse_labels(labelled + "\n| 3 | TSL101 | test | p/c.py:9 | debatable | why |\n")
    assert labels == [("TSL101", "TP"), ("TSL201", "FP"), ("TSL101", "debatable")]
    table = ev.precision_table(labels)
    assert "| TSL101 | 1 | 0 | 1 | 100 % |" in table
    assert "| TSL201 | 0 | 1 | 0 | 0 % |" in table
    assert table[-1] == "| all | 1 | 1 | 1 | 50 % |"


def test_saved_results_load_back_equal(ev: ModuleType, tmp_path: Path) -> None:
    findings = ev.parse_findings("proj", canned(tmp_path), tmp_path)
    roles = ev.parse_roles(ROLES_TEXT, tmp_path)
    ev.save_result(tmp_path / "saved" / "proj.json", findings, roles)
    assert ev.load_result(tmp_path / "saved" / "proj.json") == (findings, roles)
    ev.save_result(tmp_path / "none.json", findings, None)
    assert ev.load_result(tmp_path / "none.json") == (findings, None)


def test_notebook_findings_point_into_their_cell(ev: ModuleType, tmp_path: Path) -> None:
    item = finding_json("nb.ipynb", 2, "TSL101")
    item["cell"] = 3
    (finding,) = ev.parse_findings("p", json.dumps([item]), tmp_path)
    assert finding.cell == 3 and finding.location() == "p/nb.ipynb:cell 3:2"
    notebook = json.dumps(
        {
            "cells": [
                {"cell_type": "markdown", "source": ["# title"]},
                {"cell_type": "code", "source": "import torch"},
                {"cell_type": "code", "source": ["x = 1\n", "y = torch.rand(3)\n"]},
            ]
        }
    )
    assert ev.source_lines(notebook, 3) == ["x = 1", "y = torch.rand(3)"]
    assert ev.source_lines("a\nb\n", None) == ["a", "b"]
