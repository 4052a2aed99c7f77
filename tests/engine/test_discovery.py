"""Which files a run lints: ignore files (.gitignore, .ignore, .git/info/exclude),
``respect-gitignore``, explicit paths, ``--force-exclude``, and glob semantics
checked against ruff's documented examples."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List

import pytest

from tests.conftest import run_cli
from torchseedlint.engine.discovery import discover
from torchseedlint.settings.config import Config, config_from_mapping, glob_match, matches_any

PROJECTS = Path(__file__).parents[1] / "fixtures" / "projects"

# What the default walk of the `gitignored` tree lints: not the copies of the code
# in wandb/, Hydra's outputs/ (.gitignore), lightning_logs/ (.ignore), nor
# pkg/generated_model.py (pkg/.gitignore, which leaves ./generated_model.py alone).
LINTED = ["generated_model.py", "pkg/model.py", "train.py"]
IGNORED = [
    "lightning_logs/version_0/train.py",
    "outputs/2024-01-01/12-00-00/train.py",
    "pkg/generated_model.py",
    "wandb/run-20240101_120000-3k2j1h/files/code/train.py",
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The fixture tree as a git checkout of its own (the repository around the
    test suite must not decide what its ignore files mean)."""
    root = tmp_path / "repo"
    shutil.copytree(PROJECTS / "gitignored", root)
    (root / ".git" / "info").mkdir(parents=True)
    return root


def shown(root: Path, *args: str) -> List[str]:
    result = run_cli("--no-cache", "--show-files", *args, cwd=root)
    assert result.exit_code == 0, result.output
    return sorted(Path(line).as_posix() for line in result.stdout.splitlines())


def test_ignored_files_are_not_walked(tree: Path) -> None:
    assert shown(tree) == LINTED
    assert shown(tree, ".") == LINTED


def test_findings_come_only_from_files_not_ignored(tree: Path) -> None:
    result = run_cli("--no-cache", "--select", "TSL101", cwd=tree)
    assert result.exit_code == 1
    reported = sorted(
        line.split(":")[0] for line in result.stdout.splitlines() if ": TSL101" in line
    )
    assert reported == ["generated_model.py", "train.py"]


def test_no_respect_gitignore_walks_everything(tree: Path) -> None:
    assert shown(tree, "--no-respect-gitignore") == sorted(LINTED + IGNORED)


def test_respect_gitignore_setting(tree: Path) -> None:
    (tree / "torchseedlint.toml").write_text("respect-gitignore = false\n")
    assert shown(tree) == sorted(LINTED + IGNORED)
    assert shown(tree, "--respect-gitignore") == LINTED  # the command line wins


def test_git_info_exclude(tree: Path) -> None:
    (tree / ".git" / "info" / "exclude").write_text("pkg/model.py\n")
    assert shown(tree) == ["generated_model.py", "train.py"]


def test_a_deeper_ignore_file_can_reinclude(tree: Path) -> None:
    (tree / "pkg" / ".ignore").write_text("!generated_model.py\n")
    assert shown(tree) == sorted(LINTED + ["pkg/generated_model.py"])


def test_gitignore_outside_a_git_checkout_does_not_apply(tree: Path) -> None:
    shutil.rmtree(tree / ".git")
    # .ignore files (ripgrep's and ruff's) apply anywhere; .gitignore only in git.
    expected = sorted(set(LINTED + IGNORED) - {"lightning_logs/version_0/train.py"})
    assert shown(tree) == expected


def test_a_walk_inside_the_tree_reads_the_ignore_files_above_it(tree: Path) -> None:
    assert shown(tree / "pkg") == ["model.py"]


EXPLICIT = "wandb/run-20240101_120000-3k2j1h/files/code/train.py"


def test_an_explicit_ignored_file_is_linted_unless_force_exclude(tree: Path) -> None:
    assert shown(tree, EXPLICIT) == [EXPLICIT]
    assert shown(tree, "--force-exclude", EXPLICIT) == []
    assert shown(tree, "--force-exclude", "--no-respect-gitignore", EXPLICIT) == [EXPLICIT]
    assert shown(tree, "--force-exclude", "train.py") == ["train.py"]


def test_an_ignored_directory_named_on_the_command_line_stays_ignored(tree: Path) -> None:
    # As git reads it: what is under an ignored directory is ignored; only files
    # named one by one are linted anyway.
    assert shown(tree, "outputs") == []
    assert shown(tree, "--no-respect-gitignore", "outputs") == [
        "outputs/2024-01-01/12-00-00/train.py"
    ]


def test_stdin_filename_with_force_exclude_respects_gitignore(tree: Path) -> None:
    result = run_cli(
        "--no-cache",
        "--force-exclude",
        "--stdin-filename",
        EXPLICIT,
        "-",
        cwd=tree,
        stdin=(tree / "train.py").read_text(),
    )
    assert result.exit_code == 0, result.output
    assert "TSL101" not in result.stdout
    assert (
        "TSL101"
        in run_cli(
            "--no-cache",
            "--stdin-filename",
            EXPLICIT,
            "-",
            cwd=tree,
            stdin=(tree / "train.py").read_text(),
        ).stdout
    )


# --- globs: ruff's documented examples ------------------------------------------------
# `exclude` (docs.astral.sh/ruff/settings/#exclude): ".mypy_cache" any directory of
# that name, "foo.py" any file of that name, "foo_*.py", "directory/foo.py" that file,
# "directory/*.py" the Python files in that directory; paths relative to the project
# root. `per-file-ignores`: "__init__.py", "path/to/file.py", "!src/**.py" (every file
# not under src/). The case: "scripts/**/*.py" matches "scripts/a.py".


@pytest.mark.parametrize(
    "pattern,path,matches",
    [
        (".mypy_cache", ".mypy_cache/x.py", True),
        (".mypy_cache", "pkg/.mypy_cache/x.py", True),
        ("foo.py", "foo.py", True),
        ("foo.py", "pkg/sub/foo.py", True),
        ("foo.py", "pkg/foo.pyc", False),
        ("foo.py", "pkg/afoo.py", False),
        ("foo_*.py", "foo_bar.py", True),
        ("foo_*.py", "pkg/foo_bar.py", True),
        ("foo_*.py", "pkg/foo.py", False),
        ("directory/foo.py", "directory/foo.py", True),
        ("directory/foo.py", "other/directory/foo.py", False),
        ("directory/*.py", "directory/a.py", True),
        ("directory/*.py", "other/a.py", False),
        ("__init__.py", "pkg/sub/__init__.py", True),
        ("path/to/file.py", "path/to/file.py", True),
        ("path/to/file.py", "path/to/other.py", False),
        ("src/**.py", "src/a.py", True),
        ("src/**.py", "src/pkg/a.py", True),
        ("src/**.py", "tests/a.py", False),
        ("scripts/**/*.py", "scripts/a.py", True),
        ("scripts/**/*.py", "scripts/x/y/a.py", True),
        ("scripts/**/*.py", "src/scripts/a.py", False),
        ("tests/**", "tests/unit/test_a.py", True),
        ("**/{tests,docs,tools}/*", "pkg/docs/conf.py", True),
        ("**/{tests,docs,tools}/*", "pkg/src/conf.py", False),
    ],
)
def test_glob_matches_like_ruff(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(path, pattern) is matches


NAME_PATTERNS = [".mypy_cache", "build", "*_cache", "*.py", "foo.py", "venv", "#venv", "!build"]
NAME_PATHS = [
    "build",
    "build/x.py",
    "pkg/build/x.py",
    "pkg/rebuild/x.py",
    "x_cache",
    "pkg/x_cache/a.py",
    "_cache/a.txt",
    "pkg/_cache_old/a.py",
    "cache/a.txt",
    "pkg/foo.py",
    "foo.pyc",
    "#venv/a.txt",
    "venv",
    "a/venv/b/c.txt",
]


@pytest.mark.parametrize("directory", [False, True])
@pytest.mark.parametrize("patterns", [(p,) for p in NAME_PATTERNS] + [tuple(NAME_PATTERNS[:4])])
def test_names_and_suffixes_match_as_pathspec_does(patterns: tuple, directory: bool) -> None:
    """Names and ``*name`` patterns are matched without pathspec (see ``_by_kind``):
    the same answers as pathspec itself on every path."""
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    for path in NAME_PATHS:
        expected = spec.match_file(path + "/" if directory else path)
        assert matches_any(path, patterns, directory) is expected, (patterns, path)


@pytest.mark.parametrize(
    "path,ignored",
    [
        ("pkg/__init__.py", ("TSL101", "TSL102")),
        ("src/__init__.py", ("TSL101",)),
        ("src/train.py", ()),
        ("scripts/train.py", ("TSL102", "TSL201")),
        ("scripts/tools/run.py", ("TSL102", "TSL201")),
    ],
)
def test_per_file_ignores_as_in_ruff(tmp_path: Path, path: str, ignored: tuple) -> None:
    config = config_from_mapping(
        {
            "per-file-ignores": {
                "__init__.py": ["TSL101"],
                "!src/**.py": ["TSL102"],
                "scripts/**/*.py": ["TSL201"],
            }
        },
        root=str(tmp_path),
    )
    assert config.ignored_for(str(tmp_path / path)) == ignored


def test_exclude_globs_from_the_config_root(tmp_path: Path) -> None:
    for name in ("scripts/a.py", "scripts/deep/b.py", "src/scripts/c.py", "src/d.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    config = Config(root=str(tmp_path), extend_exclude=("scripts/**/*.py",))
    found = discover([str(tmp_path)], config).files
    assert sorted(Path(f).relative_to(tmp_path).as_posix() for f in found) == [
        "src/d.py",
        "src/scripts/c.py",
    ]


# --- a missing path -------------------------------------------------------------------


def test_a_missing_path_is_reported_and_the_other_paths_are_linted(tree: Path) -> None:
    result = run_cli(
        "--no-cache", "--select", "TSL101", "no_such_dir", "train.py", "gone.py", cwd=tree
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no_such_dir: No such file or directory\nerror: gone.py: No such file or directory\n"
    )
    assert "train.py:4:11: TSL101" in result.stdout
    assert "Found 1 error." in result.stdout


def test_a_missing_path_exits_2_even_with_exit_zero_or_nothing_found(tree: Path) -> None:
    assert run_cli("--no-cache", "--exit-zero", "train.py", "gone.py", cwd=tree).exit_code == 2
    clean = run_cli("--no-cache", "--select", "TSL102", "pkg/model.py", "gone.py", cwd=tree)
    assert clean.exit_code == 2
    assert "All checks passed!" in clean.stdout
    assert "no Python files found" not in clean.stderr


def test_show_files_reports_a_missing_path(tree: Path) -> None:
    result = run_cli("--no-cache", "--show-files", "train.py", "gone.py", cwd=tree)
    assert result.exit_code == 2
    assert result.stdout == "train.py\n"
    assert result.stderr == "error: gone.py: No such file or directory\n"


def test_a_symlink_loop_under_a_config_root_does_not_stop_discovery(tree: Path) -> None:
    (tree / "torchseedlint.toml").write_text('extend-exclude = ["pkg/*.py"]\n')
    (tree / "loop_a.py").symlink_to(tree / "loop_b.py")
    (tree / "loop_b.py").symlink_to(tree / "loop_a.py")
    assert shown(tree) == ["generated_model.py", "loop_a.py", "loop_b.py", "train.py"]
