"""The project model: which modules are entry points, libraries or tests, and which
calls draw (issue 10's ten patterns, each both ways, on fixture projects under
``tests/fixtures/roles/``)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from tests.conftest import run_cli
from torchseedlint import lint_paths
from torchseedlint.engine.runner import module_roles
from torchseedlint.semantic.roles import Role
from torchseedlint.settings.config import Config, load_config

ROLES = Path(__file__).parents[1] / "fixtures" / "roles"


def _project(tmp_path: Path, name: str) -> Path:
    # A copy outside this repository, so that its tests/ folder is not the project's.
    return Path(shutil.copytree(ROLES / name, tmp_path / name))


def _findings(target: Path, config: Optional[Config] = None) -> List[Tuple[str, int, str, str]]:
    result = lint_paths([str(target)], config or Config())
    assert not result.internal_errors
    root = target if target.is_dir() else target.parent
    return [
        (
            Path(d.path).resolve().relative_to(root.resolve()).as_posix(),
            d.location.row,
            d.code,
            d.message,
        )
        for d in result.diagnostics
    ]


def _roles(target: Path) -> Dict[str, Tuple[Role, str]]:
    return {
        Path(path).resolve().relative_to(target.resolve()).as_posix(): (r.role, r.reason)
        for path, r in module_roles([str(target)], Config())
    }


def test_tests_are_not_training_runs(tmp_path: Path) -> None:
    project = _project(tmp_path, "tests_tree")
    roles = _roles(project)
    assert roles["tests/test_model.py"] == (Role.TEST, "test file name")
    assert roles["tests/conftest.py"] == (Role.TEST, "pytest `conftest.py`")
    assert roles["checks/model_checks.py"] == (Role.TEST, "`NetCase` is a `TestCase`")
    assert roles["checks/pytest_style.py"] == (Role.TEST, "pytest tests (`test_random_tensor`)")
    # The same unseeded model building is reported in the training script, and only there.
    assert [(path, code) for path, _, code, _ in _findings(project)] == [("train.py", "TSL101")]


def test_test_paths_setting_and_entry_points_setting_override(tmp_path: Path) -> None:
    project = _project(tmp_path, "tests_tree")
    (project / "pyproject.toml").write_text(
        '[tool.torchseedlint]\ntest-paths = ["train.py"]\nentry-points = ["tests/conftest.py"]\n'
    )
    found = _findings(project, load_config(project / "pyproject.toml"))
    assert [(path, code) for path, _, code, _ in found] == [("tests/conftest.py", "TSL101")]


def test_library_with_demo_main_block_is_not_an_entry_point(tmp_path: Path) -> None:
    project = _project(tmp_path, "demo_main")
    roles = _roles(project)
    assert roles["models/resnet.py"] == (
        Role.LIBRARY,
        "imported by `train`; its `__main__` block is a demo",
    )
    # A module with the same shape that nothing imports is a program.
    assert roles["models/standalone.py"][0] is Role.ENTRY
    assert [(p, c) for p, _, c, _ in _findings(project)] == [("models/standalone.py", "TSL101")]
    # Linted alone (pre-commit passes only changed files), it is still a library.
    assert _findings(project / "models" / "resnet.py") == []


def test_backward_and_optimizer_step_are_not_draws(tmp_path: Path) -> None:
    project = _project(tmp_path, "backward_only")
    found = _findings(project)
    assert [(p, c) for p, _, c, _ in found] == [("train_from_scratch.py", "TSL101")]
    assert found[0][3].startswith("`torch.nn.Linear(...)` draws from the torch RNG")


def test_only_the_called_function_of_a_module_counts(tmp_path: Path) -> None:
    project = _project(tmp_path, "utils_functions")
    found = _findings(project)
    assert found == [
        (
            "proj/augment.py",
            5,
            "TSL102",
            "`utils.random_crop_box(...)` draws from the random RNG via `random.randint` in "
            "`proj.utils` (line 13), but this entry point never seeds it",
        )
    ]


def test_torch_draws_are_followed_through_project_modules(tmp_path: Path) -> None:
    project = _project(tmp_path, "deep_sampler")
    found = _findings(project)
    assert [(p, row, c) for p, row, c, _ in found] == [("sample.py", 6, "TSL101")]
    assert "via `torch.randn_like` in `diffusion.schedulers.noise` (line 5)" in found[0][3]


def test_bare_main_call_makes_an_entry_point(tmp_path: Path) -> None:
    project = _project(tmp_path, "bare_main")
    roles = _roles(project)
    assert roles["train.py"] == (Role.ENTRY, "module-level code draws: `nn.Linear` (line 6)")
    # A bare main() that draws nothing makes no training run.
    assert roles["report.py"][0] is Role.LIBRARY
    assert [(p, c) for p, _, c, _ in _findings(project)] == [("train.py", "TSL101")]


def test_one_finding_per_root_cause(tmp_path: Path) -> None:
    project = _project(tmp_path, "one_cause")
    found = _findings(project, Config(extend_select=("TSL202", "TSL207", "TSL209")))
    assert [c for _, _, c, _ in found] == ["TSL101"]
    message = found[0][3]
    for draw in (
        "`transforms.RandomCrop` (line 7)",
        "`DataLoader` (line 9)",
        "`torch.nn.Conv2d` (line 10)",
    ):
        assert draw in message


def test_console_script_target_is_an_entry_point(tmp_path: Path) -> None:
    project = _project(tmp_path, "console_script")
    roles = _roles(project)
    assert roles["src/trainer/cli.py"] == (Role.ENTRY, "console script `trainer-fit`")
    assert roles["src/trainer/export.py"][0] is Role.LIBRARY
    assert [(p, c) for p, _, c, _ in _findings(project)] == [("src/trainer/cli.py", "TSL101")]


def test_findings_do_not_depend_on_the_paths_passed(tmp_path: Path) -> None:
    project = _project(tmp_path, "siblings")
    whole = _findings(project)
    assert [(p, c) for p, _, c, _ in whole] == [("gan_a/train.py", "TSL102")]
    assert "via `random.choice` in `gan_a.utils` (line 11)" in whole[0][3]
    one_by_one = []
    for path in sorted(project.rglob("*.py")):
        result = lint_paths([str(path)], Config())
        one_by_one += [
            (
                Path(d.path).resolve().relative_to(project.resolve()).as_posix(),
                d.location.row,
                d.code,
                d.message,
            )
            for d in result.diagnostics
        ]
    assert one_by_one == whole
    # Passing both script folders, or the files of one, gives the same again.
    both = lint_paths([str(project / "gan_b"), str(project / "gan_a")], Config())
    assert [d.message for d in both.diagnostics] == [whole[0][3]]


@pytest.mark.parametrize("name", sorted(p.name for p in ROLES.iterdir()))
def test_fixture_projects_lint_without_internal_errors(tmp_path: Path, name: str) -> None:
    result = lint_paths([str(_project(tmp_path, name))], Config(select=("ALL",)))
    assert result.internal_errors == []


def test_show_roles_prints_each_file_role_and_reason(tmp_path: Path) -> None:
    project = _project(tmp_path, "demo_main")
    completed = run_cli("--show-roles", ".", cwd=project)
    assert completed.exit_code == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        'train.py: entry point (`if __name__ == "__main__":` block)',
        "models/__init__.py: library (nothing runs at import)",
        "models/resnet.py: library (imported by `train`; its `__main__` block is a demo)",
        'models/standalone.py: entry point (`if __name__ == "__main__":` block)',
    ]


def test_a_known_library_linted_in_its_own_repository_is_read_as_project_code(
    tmp_path: Path,
) -> None:
    # The helper table says detectron2's seed_all_rng seeds torch too; this
    # repository's own copy does not, and its source is what runs.
    project = _project(tmp_path, "known_library")
    found = _findings(project)
    assert [(p, c) for p, _, c, _ in found] == [("tools/train_net.py", "TSL101")]
