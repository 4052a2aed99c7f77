"""Evaluate torchseedlint on real code it was not written against: pinned sdists from PyPI.

Usage::

    python scripts/eval_real.py                              # current tree, report to stdout
    python scripts/eval_real.py --baseline 943e739 -o benchmarks/EVAL.md
    python scripts/eval_real.py --sample 60 --seed 1 --sample-output benchmarks/precision_sample.md
    python scripts/eval_real.py --reuse-last --sample 60 --seed 2    # the last run's findings again
    python scripts/eval_real.py --precision benchmarks/precision_sample.md   # table of the labels

Source distributions ship what wheels drop (tests, examples, training
scripts), so they show how the tool treats a whole repository. Each pinned
sdist is downloaded once (``pip download --no-deps --no-binary :all:``) into
``sdists/`` of the corpus cache outside the repository (``$TORCHSEEDLINT_CORPUS_DIR``,
by default ``~/.cache/torchseedlint/corpus``) and extracted once. Every project
directory is then linted as a new user would: default rules, no options but
JSON output, ``--exit-zero`` and ``--no-cache``; ``--show-roles`` gives each
file's role where the linted revision has that option.

``--baseline REV`` runs the same with the torchseedlint of an older revision
(a temporary ``git worktree`` put first on ``PYTHONPATH``) and prints both side
by side. Both sides' findings are joined to the current tree's roles, so a
per-role row compares the same files. A commit's results are kept in the cache
(``baselines/``), as are the last current-tree results (``last-run/``). A run that
crashes on a project is reported as such and that project is left out of the tables.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import corpus_dir  # noqa: E402 - the benchmark harness, not a package

CACHE = corpus_dir() / "sdists"

# Projects whose sdists ship more than the library: tests (timm, accelerate,
# ignite), training examples (ignite, opacus), test training scripts inside the
# package (accelerate), CLI and Fabric code (lightning); kornia is a library only.
PROJECTS: Dict[str, str] = {
    "timm": "timm==1.0.31",
    "accelerate": "accelerate==1.15.0",
    "lightning": "lightning==2.6.6",
    "pytorch-ignite": "pytorch-ignite==0.5.5",
    "opacus": "opacus==1.6.0",
    "kornia": "kornia==0.9.0",
}

NO_ROLES = "n/a"  # the linted revision has no --show-roles
UNKNOWN_ROLE = "unknown"  # a finding in a file --show-roles did not list
ROLE_ORDER = ["entry point", "library", "test"]
ROLE_LINE = re.compile(r"^(?P<path>.*?): (?P<role>[^:()]+?) \((?P<reason>.*)\)$")
CONTEXT_LINES = 3


@dataclass(frozen=True)
class Finding:
    project: str
    path: str  # relative to the project directory, POSIX separators
    row: int
    code: str
    message: str
    cell: Optional[int] = None  # a notebook's cell (1-based, all cells); ``row`` is in the cell

    def location(self) -> str:
        cell = "" if self.cell is None else f"cell {self.cell}:"
        return f"{self.project}/{self.path}:{cell}{self.row}"


@dataclass
class Summary:
    """One project's figures under one revision of the tool."""

    project: str
    by_code: Counter = field(default_factory=Counter)
    by_role: Counter = field(default_factory=Counter)
    files_by_role: Counter = field(default_factory=Counter)
    total: int = 0


# --- pure functions: parsing, joining, aggregation, rendering -----------------------------


def relative_path(filename: str, project_dir: Path) -> str:
    """``filename`` as printed by the linter, relative to ``project_dir``."""
    path = Path(filename)
    if not path.is_absolute():
        path = project_dir / path
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return Path(filename).as_posix()


def parse_findings(project: str, json_text: str, project_dir: Path) -> List[Finding]:
    """The findings of one ``--output-format json`` run."""
    findings = [
        Finding(
            project=project,
            path=relative_path(item["filename"], project_dir),
            row=int(item["location"]["row"]),
            code=item["code"],
            message=item["message"],
            cell=item.get("cell"),
        )
        for item in json.loads(json_text)
    ]
    return sorted(findings, key=lambda f: (f.path, f.cell or 0, f.row, f.code))


def parse_roles(text: str, project_dir: Path) -> Dict[str, str]:
    """``--show-roles`` output (``path: <role> (<reason>)`` per line) as path -> role."""
    roles: Dict[str, str] = {}
    for line in text.splitlines():
        match = ROLE_LINE.match(line.strip())
        if match:
            roles[relative_path(match["path"], project_dir)] = match["role"]
    return roles


def summarize(
    project: str, findings: Iterable[Finding], roles: Optional[Dict[str, str]]
) -> Summary:
    """Count ``findings`` per code and per role (``roles`` None: the roles are unknown)."""
    summary = Summary(project)
    if roles is not None:
        summary.files_by_role.update(roles.values())
    for finding in findings:
        summary.total += 1
        summary.by_code[finding.code] += 1
        summary.by_role[role_of(finding, roles)] += 1
    return summary


def role_of(finding: Finding, roles: Optional[Dict[str, str]]) -> str:
    if roles is None:
        return NO_ROLES
    return roles.get(finding.path, UNKNOWN_ROLE)


def combined(summaries: Sequence[Summary]) -> Summary:
    """The sum of several projects' figures."""
    total = Summary("all projects")
    for summary in summaries:
        total.by_code.update(summary.by_code)
        total.by_role.update(summary.by_role)
        total.files_by_role.update(summary.files_by_role)
        total.total += summary.total
    return total


def ordered_roles(*counters: Counter) -> List[str]:
    """Known roles first in their usual order, then any other key seen."""
    seen = set().union(*(c.keys() for c in counters))
    return [r for r in ROLE_ORDER if r in seen] + sorted(seen - set(ROLE_ORDER))


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def render_summary(summary: Summary) -> List[str]:
    """One project's section: files per role, findings per role and per code."""
    lines = [f"### {summary.project}: {summary.total} findings", ""]
    if summary.files_by_role:
        roles = ordered_roles(summary.files_by_role, summary.by_role)
        lines += _table(
            ["role", "files", "findings"],
            [(r, summary.files_by_role[r], summary.by_role[r]) for r in roles],
        )
    else:
        lines += [f"Roles: {NO_ROLES} (no `--show-roles`)."]
    lines += [""]
    lines += _table(["code", "findings"], sorted(summary.by_code.items()))
    return lines + [""]


def render_comparison(before: Summary, after: Summary) -> List[str]:
    """Before/after per role and per code for one project (or the total)."""
    lines = [f"### {after.project}: {before.total} → {after.total} findings", ""]
    roles = ordered_roles(before.by_role, after.by_role, after.files_by_role)
    lines += _table(
        ["role", "files", "before", "after"],
        [
            (
                r,
                after.files_by_role[r] if after.files_by_role else NO_ROLES,
                before.by_role[r],
                after.by_role[r],
            )
            for r in roles
        ],
    )
    lines += [""]
    codes = sorted(set(before.by_code) | set(after.by_code))
    lines += _table(
        ["code", "before", "after"],
        [(c, before.by_code[c], after.by_code[c]) for c in codes],
    )
    return lines + [""]


def sample_findings(findings: Sequence[Finding], n: int, seed: int) -> List[Finding]:
    """``n`` findings drawn reproducibly (the same input order and seed give the same sample)."""
    ordered = sorted(
        findings, key=lambda f: (f.project, f.path, f.cell or 0, f.row, f.code, f.message)
    )
    chosen = random.Random(seed).sample(ordered, min(n, len(ordered)))
    return chosen


def context(source_lines: Sequence[str], row: int, radius: int = CONTEXT_LINES) -> List[str]:
    """Numbered lines ``row - radius`` .. ``row + radius``, the finding's line marked ``>``."""
    start, end = max(1, row - radius), min(len(source_lines), row + radius)
    return [
        f"{'>' if number == row else ' '} {number:5d} {source_lines[number - 1].rstrip()}"
        for number in range(start, end + 1)
    ]


def source_lines(text: str, cell: Optional[int]) -> List[str]:
    """A file's lines, or a notebook cell's (``text`` is then the notebook's JSON)."""
    if cell is None:
        return text.splitlines()
    source = json.loads(text)["cells"][cell - 1]["source"]
    return ("".join(source) if isinstance(source, list) else source).splitlines()


def render_sample(
    chosen: Sequence[Finding],
    roles: Dict[Tuple[str, str], str],
    sources: Dict[Finding, List[str]],
    header: Sequence[str],
) -> List[str]:
    """The labelling sheet: a table with empty label/reason cells, then each finding's code."""
    lines = list(header) + [""]
    lines += _table(
        ["#", "code", "role", "location", "label", "reason"],
        [
            (i, f.code, roles.get((f.project, f.path), UNKNOWN_ROLE), f.location(), "", "")
            for i, f in enumerate(chosen, 1)
        ],
    )
    lines += [""]
    for i, f in enumerate(chosen, 1):
        lines += [f"### {i}. {f.code} {f.location()}", "", f"{f.message}", "", "```python"]
        lines += context(sources.get(f, []), f.row)
        lines += ["```", ""]
    return lines


LABELS = ("TP", "FP", "debatable")


def parse_labels(markdown: str) -> List[Tuple[str, str]]:
    """(code, label) for every labelled row of a labelling sheet's table."""
    rows = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].isdigit() and cells[4] in LABELS:
            rows.append((cells[1], cells[4]))
    return rows


def precision_table(labels: Sequence[Tuple[str, str]]) -> List[str]:
    """Per-code TP/FP/debatable counts; precision = TP / (TP + FP), debatable left out."""
    counts: Dict[str, Counter] = {}
    for code, label in labels:
        counts.setdefault(code, Counter())[label] += 1
    counts["all"] = sum(counts.values(), Counter())

    def precision(c: Counter) -> str:
        decided = c["TP"] + c["FP"]
        return f"{100 * c['TP'] / decided:.0f} %" if decided else "-"

    return _table(
        ["code", "TP", "FP", "debatable", "precision TP/(TP+FP)"],
        [
            (code, c["TP"], c["FP"], c["debatable"], precision(c))
            for code, c in sorted(counts.items(), key=lambda kv: (kv[0] == "all", kv[0]))
        ],
    )


# --- side effects: download, extract, run -------------------------------------------------


def project_dir(spec: str) -> Path:
    """Download and extract ``spec``'s sdist once; its top-level directory."""
    name, version = spec.split("==")
    stem = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
    archives = CACHE / "archives"
    archive = next(iter(sorted(archives.glob(f"{stem}.tar.gz"))), None)
    if archive is None:
        archives.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-q",
                "-d",
                str(archives),
                spec,
            ],
            check=True,
        )
        archive = archives / f"{stem}.tar.gz"
    target = CACHE / "extracted" / stem
    if not target.exists():
        staging = Path(tempfile.mkdtemp(dir=CACHE))
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        (top,) = staging.iterdir()
        target.parent.mkdir(parents=True, exist_ok=True)
        top.rename(target)
        staging.rmdir()
    return target


class LintFailed(Exception):
    """The linter did not finish a project (a crash is a result too: it is reported)."""


def lint(directory: Path, env: Dict[str, str]) -> Tuple[str, Optional[str]]:
    """JSON findings and ``--show-roles`` output (None if unsupported) for ``directory``."""
    base = [sys.executable, "-m", "torchseedlint", "."]
    found = subprocess.run(
        [*base, "--output-format", "json", "--exit-zero", "--no-cache"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise LintFailed(f"exit {found.returncode}: {found.stderr.strip()[-2000:]}")
    helptext = subprocess.run(
        [sys.executable, "-m", "torchseedlint", "--help"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "--show-roles" not in helptext:
        return found.stdout, None
    roles = subprocess.run(
        [*base, "--show-roles", "--no-cache"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    if roles.returncode != 0:
        raise LintFailed(f"--show-roles exit {roles.returncode}: {roles.stderr.strip()[-2000:]}")
    return found.stdout, roles.stdout


def tool_env(tree: Path) -> Dict[str, str]:
    """An environment whose ``python -m torchseedlint`` is the package in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    where = subprocess.run(
        [sys.executable, "-c", "import torchseedlint; print(torchseedlint.__file__)"],
        cwd=tempfile.gettempdir(),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"torchseedlint imported from {where}, not from {tree}")
    return env


@dataclass
class Run:
    findings: Dict[str, List[Finding]]
    roles: Dict[str, Optional[Dict[str, str]]]
    failed: Dict[str, str] = field(default_factory=dict)  # project -> why


def save_result(path: Path, findings: List[Finding], roles: Optional[Dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"findings": [asdict(f) for f in findings], "roles": roles}), encoding="utf-8"
    )


def load_result(path: Path) -> Tuple[List[Finding], Optional[Dict[str, str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Finding(**f) for f in data["findings"]], data["roles"]


def run_all(tree: Path, dirs: Dict[str, Path]) -> Run:
    """Lint a fresh copy of each project outside this repository, whose ``.gitignore``
    ignores the cache (the linter respects it, and a user's download is not ignored)."""
    env = tool_env(tree)
    run = Run({}, {})
    with tempfile.TemporaryDirectory() as tmp:
        for project, directory in dirs.items():
            print(f"linting {project} with {tree} ...", file=sys.stderr)
            copy = Path(tmp) / directory.name
            shutil.copytree(directory, copy)
            try:
                json_text, roles_text = lint(copy, env)
            except LintFailed as error:
                run.failed[project] = str(error)
                run.findings[project], run.roles[project] = [], None
                continue
            run.findings[project] = parse_findings(project, json_text, copy)
            run.roles[project] = None if roles_text is None else parse_roles(roles_text, copy)
    return run


def baseline_run(rev: str, dirs: Dict[str, Path]) -> Run:
    """The findings of revision ``rev``; a commit's results never change, so they are kept in
    the cache (one file per commit and project) and linted again only when missing."""
    sha = subprocess.run(
        ["git", "rev-parse", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    saved = {p: CACHE / "baselines" / f"{sha}-{d.name}.json" for p, d in dirs.items()}
    missing = {p: d for p, d in dirs.items() if not saved[p].exists()}
    failed: Dict[str, str] = {}
    if missing:
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "baseline"
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(tree), sha],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            try:
                fresh = run_all(tree, missing)
            finally:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True
                )
        failed = fresh.failed
        for p in missing:
            if p not in failed:
                save_result(saved[p], fresh.findings[p], fresh.roles[p])
    run = Run({}, {}, failed)
    for p in dirs:
        if p in run.failed:
            run.findings[p], run.roles[p] = [], None
        else:
            run.findings[p], run.roles[p] = load_result(saved[p])
    return run


LAST_RUN = CACHE / "last-run"


def current_run(dirs: Dict[str, Path], reuse: bool) -> Tuple[Run, str]:
    """The working tree's findings and a description of that tree; saved after each run so
    that ``--reuse-last`` can redo the report or draw another sample without linting again."""
    if reuse:
        tree = (LAST_RUN / "tree.txt").read_text(encoding="utf-8")
        run = Run({}, {})
        for p, d in dirs.items():
            run.findings[p], run.roles[p] = load_result(LAST_RUN / f"{d.name}.json")
        return run, tree
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "torchseedlint"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tree = git_describe("HEAD") + (" + uncommitted changes in torchseedlint/" if dirty else "")
    run = run_all(ROOT, dirs)
    for p, d in dirs.items():
        if p not in run.failed:
            save_result(LAST_RUN / f"{d.name}.json", run.findings[p], run.roles[p])
    (LAST_RUN / "tree.txt").write_text(tree, encoding="utf-8")
    return run, tree


def git_describe(rev: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def report(
    args: argparse.Namespace,
    dirs: Dict[str, Path],
    current: Run,
    tree: str,
    baseline: Optional[Run],
) -> List[str]:
    lines = [
        "# torchseedlint on real code: pinned sdists",
        "",
        f"Command: `python scripts/eval_real.py {' '.join(args.argv)}`",
        "",
        f"Current tree: {tree}. Projects: "
        + ", ".join(f"`{PROJECTS[p]}`" for p in dirs)
        + ". "
        + f"Python {platform.python_version()}, libcst {importlib.metadata.version('libcst')}.",
        "",
        "Each sdist directory is linted with `python -m torchseedlint . --output-format json "
        "--exit-zero --no-cache` (default rules, no config) and `--show-roles`.",
    ]
    if baseline is not None:
        lines += [
            "",
            f"Baseline: `{args.baseline}` ({git_describe(args.baseline)}). Both sides' findings "
            "are joined to the current tree's roles (`n/a`: the current tree has no "
            f"`--show-roles`; `{UNKNOWN_ROLE}`: a file it did not list).",
        ]
    failed = [(p, "current tree", why) for p, why in current.failed.items()]
    failed += [(p, "baseline", why) for p, why in (baseline.failed if baseline else {}).items()]
    if failed:
        lines += ["", "## Runs that failed (left out of every table below)", ""]
        lines += [f"- {p} ({side}): `{why}`" for p, side, why in failed]
    dirs = {p: d for p, d in dirs.items() if p not in {f[0] for f in failed}}
    after = [summarize(p, current.findings[p], current.roles[p]) for p in dirs]
    if baseline is None:
        lines += ["", "## All projects", ""] + render_summary(combined(after))
        lines += ["## Per project", ""]
        for summary in after:
            lines += render_summary(summary)
        return lines
    before = [summarize(p, baseline.findings[p], current.roles[p]) for p in dirs]
    lines += ["", "## All projects", ""] + render_comparison(combined(before), combined(after))
    lines += ["## Per project", ""]
    for b, a in zip(before, after):
        lines += render_comparison(b, a)
    return lines


def write_sample(args: argparse.Namespace, dirs: Dict[str, Path], current: Run, tree: str) -> None:
    everything = [f for p in dirs for f in current.findings[p]]
    chosen = sample_findings(everything, args.sample, args.seed)
    roles = {(p, path): role for p in dirs for path, role in (current.roles[p] or {}).items()}
    sources = {
        f: source_lines(
            (dirs[f.project] / f.path).read_text(encoding="utf-8", errors="replace"), f.cell
        )
        for f in chosen
    }
    header = [
        f"# Findings to label: {len(chosen)} of {len(everything)}, drawn with seed {args.seed}",
        "",
        f"Tree: {tree}. Command: `python scripts/eval_real.py {' '.join(args.argv)}`. "
        "Labels: TP (a real reproducibility problem the maintainer would fix), FP (wrong or not a "
        "problem), debatable.",
    ]
    Path(args.sample_output).write_text(
        "\n".join(render_sample(chosen, roles, sources, header)) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.sample_output}", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "projects",
        nargs="*",
        metavar="PROJECT",
        help=f"projects to lint (default: all of {', '.join(PROJECTS)})",
    )
    parser.add_argument("--baseline", metavar="REV", help="compare with this git revision")
    parser.add_argument("-o", "--output", help="write the report here (default: stdout)")
    parser.add_argument("--sample", type=int, metavar="N", help="also write N random findings")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument("--sample-output", default="benchmarks/precision_sample.md")
    parser.add_argument(
        "--reuse-last",
        action="store_true",
        help="use the last run's findings for the current tree (no linting)",
    )
    parser.add_argument(
        "--precision",
        metavar="FILE",
        help="print the per-code precision table of a labelled sheet and exit",
    )
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    unknown = sorted(set(args.projects) - set(PROJECTS))
    if unknown:
        parser.error(f"unknown projects: {', '.join(unknown)}")
    if args.precision:
        print("\n".join(precision_table(parse_labels(Path(args.precision).read_text("utf-8")))))
        return 0
    dirs = {p: project_dir(PROJECTS[p]) for p in (args.projects or PROJECTS)}
    current, tree = current_run(dirs, args.reuse_last)
    baseline = baseline_run(args.baseline, dirs) if args.baseline else None
    text = "\n".join(report(args, dirs, current, tree, baseline)) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    if args.sample:
        write_sample(args, dirs, current, tree)
    return 0


if __name__ == "__main__":
    sys.exit(main())
