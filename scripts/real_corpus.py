"""Lint and ``--fix --unsafe-fixes`` real code: every file of pinned timm and diffusers wheels.

Usage::

    python scripts/real_corpus.py                  # timm and diffusers, every file
    python scripts/real_corpus.py timm --limit 40  # the first 40 files of timm

The wheels are downloaded once (``pip download --no-deps``) by the benchmark
harness into the corpus cache outside the repository (``$TORCHSEEDLINT_CORPUS_DIR``,
by default ``~/.cache/torchseedlint/corpus``). Each corpus is copied to a
temporary directory and the command is run on the copy as a user would run it,
with every rule selected. Checked: no run exits 2 or reports an internal error,
every fixed file still compiles, and a second ``--fix`` pass finds nothing to
change. Prints the figures; exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import CORPORA, build_corpus  # noqa: E402 - the benchmark harness, not a package

from torchseedlint.fix.loop import parses_and_compiles  # noqa: E402

COMMAND = [sys.executable, "-m", "torchseedlint", "--isolated", "--select", "ALL"]


@dataclass
class Figures:
    corpus: str
    files: int = 0
    diagnostics: int = 0
    fixable: int = 0
    files_fixed: int = 0
    seconds: float = 0.0
    problems: List[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.corpus}: {self.files} files, {self.diagnostics} diagnostics "
            f"({self.fixable} with a fix), {self.files_fixed} files fixed, "
            f"{len(self.problems)} problems, {self.seconds:.1f} s"
        )


def corpus_files(name: str) -> List[Path]:
    """The wheel's own .py files (the benchmark corpus also holds our fixtures)."""
    root = build_corpus([name]) / "copy0"
    return sorted(p for p in root.rglob("*.py") if p.is_file() and "fixtures" not in p.parts)


def _run(args: Sequence[str]) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=3600)


def _crashed(step: str, result: "subprocess.CompletedProcess[str]") -> List[str]:
    if result.returncode == 2 or "error:" in result.stderr:
        return [f"{step}: exit {result.returncode}: {result.stderr.strip()[-2000:]}"]
    return []


def check_corpus(name: str, files: Sequence[Path], workdir: Path) -> Figures:
    """Copy ``files`` under ``workdir``, lint, fix, re-fix; the figures and problems found."""
    figures = Figures(name, files=len(files))
    base = min(files, key=lambda p: len(p.parts)).parent
    while not all(base in f.parents for f in files):
        base = base.parent
    copy = workdir / name
    originals = {}
    for file in files:
        target = copy / file.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        originals[target] = file.read_bytes()
    start = time.perf_counter()
    lint = _run(["--output-format", "json", str(copy)])
    figures.problems += _crashed("lint", lint)
    if lint.returncode in (0, 1):
        found = json.loads(lint.stdout or "[]")
        figures.diagnostics = len(found)
        figures.fixable = sum(1 for d in found if d.get("fix"))
    fix = _run(["--fix", "--unsafe-fixes", "--silent", str(copy)])
    figures.problems += _crashed("fix", fix)
    figures.problems += [
        f"fix: {line}" for line in fix.stderr.splitlines() if line.startswith("warning:")
    ]
    for target, data in originals.items():
        written = target.read_bytes()
        if written == data:
            continue
        figures.files_fixed += 1
        if parses_and_compiles(data.decode("utf-8"), str(target)) and not parses_and_compiles(
            written.decode("utf-8"), str(target)
        ):
            figures.problems.append(f"{target}: the fixed file does not compile")
    again = _run(["--fix", "--unsafe-fixes", "--diff", str(copy)])
    figures.problems += _crashed("second fix", again)
    if again.returncode != 0:
        figures.problems.append(f"second fix pass is not empty:\n{again.stdout[-4000:]}")
    figures.seconds = time.perf_counter() - start
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpora",
        nargs="*",
        metavar="CORPUS",
        help=f"Some of {', '.join(sorted(CORPORA))} (default: all).",
    )
    parser.add_argument("--limit", type=int, help="Only the first N files of each corpus.")
    args = parser.parse_args()
    unknown = set(args.corpora) - set(CORPORA)
    if unknown:
        parser.error(f"unknown corpus: {', '.join(sorted(unknown))}")
    failed = False
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.corpora or sorted(CORPORA):
            files = corpus_files(name)[: args.limit]
            figures = check_corpus(name, files, Path(workdir))
            print(figures.line())
            for problem in figures.problems:
                print(f"  {problem}")
            failed = failed or bool(figures.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
