"""Benchmark torchseedlint against the libcst parse floor and the linters users know.

Usage::

    python benchmarks/bench.py                 # timm corpus, 3 runs, scale 1/2/4
    python benchmarks/bench.py --corpus timm diffusers --runs 5

The corpus is built from pinned wheels on the package index (plus this repo's
fixtures) under ``benchmarks/.corpus``. Every command runs in a child process and
is measured with ``os.wait4`` (CPU user+sys, wall, peak RSS); the median of the
runs is reported, and every figure as a ratio to a bare ``libcst.parse_module``
of every file measured in the same run: the machine is noisy, ratios are not.
Results go to ``benchmarks/RESULTS.md``.

Competitors (TorchFix, flake8, ruff) are installed into ``benchmarks/.venv-tools``
on first use; if that fails they are reported as unavailable.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".corpus"
TOOLS_VENV = ROOT / "benchmarks" / ".venv-tools"
CORPORA = {"timm": "timm==1.0.31", "diffusers": "diffusers==0.42.1"}
TOOLS = ["torchfix==0.7.0", "flake8==7.5.0", "ruff==0.17.6"]

PARSE_SCRIPT = """
import sys, libcst
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    libcst.parse_module(open(path, encoding="utf-8").read())
"""
AST_SCRIPT = """
import ast, sys
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    ast.parse(open(path, encoding="utf-8").read())
"""


@dataclass
class Sample:
    cpu: float
    wall: float
    rss_mb: float


def measure(cmd: Sequence[str], env: Optional[Dict[str, str]] = None) -> Sample:
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    return Sample(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024)


def median(samples: List[Sample]) -> Sample:
    return Sample(
        statistics.median(s.cpu for s in samples),
        statistics.median(s.wall for s in samples),
        statistics.median(s.rss_mb for s in samples),
    )


def build_corpus(names: Sequence[str], copies: int = 1) -> Path:
    """Unpack the pinned wheels' .py files (``copies`` times) plus our fixtures."""
    target = WORK / f"{'-'.join(names)}-x{copies}"
    if target.exists():
        return target
    wheels = WORK / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for name in names:
        spec = CORPORA[name]
        if not list(wheels.glob(f"{name}-*.whl")):
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), spec],
                check=True,
            )
    staging = Path(tempfile.mkdtemp(dir=WORK))
    for copy in range(copies):
        for wheel in sorted(wheels.glob("*.whl")):
            if wheel.name.split("-")[0].lower() not in names:
                continue
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if member.endswith(".py"):
                        archive.extract(member, staging / f"copy{copy}")
        shutil.copytree(ROOT / "tests" / "fixtures", staging / f"copy{copy}" / "fixtures",
                        ignore=shutil.ignore_patterns("*.expected", "*.toml"))
    staging.rename(target)
    return target


def python_files(corpus: Path) -> List[Path]:
    return sorted(p for p in corpus.rglob("*.py") if p.is_file())


def tools_python() -> Optional[Path]:
    python = TOOLS_VENV / "bin" / "python"
    if not python.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", *TOOLS], check=True)
        except (subprocess.CalledProcessError, OSError):
            return None
    return python


def tsl(*args: str) -> List[str]:
    return [sys.executable, "-m", "torchseedlint", "--exit-zero", "-q", *args]


def tsl_supports(flag: str) -> bool:
    help_text = subprocess.run(tsl("--help"), capture_output=True, text=True).stdout
    return flag in help_text


def run_benchmark(names: Sequence[str], runs: int, scales: Sequence[int]) -> str:
    corpus = build_corpus(names)
    files = python_files(corpus)
    lines = sum(len(p.read_bytes().splitlines()) for p in files)
    listing = Path(tempfile.mkstemp(suffix=".txt")[1])
    listing.write_text("\n".join(map(str, files)), encoding="utf-8")
    cache_dir = Path(tempfile.mkdtemp())
    no_cache = ["--no-cache"] if tsl_supports("--no-cache") else []
    jobs = (lambda n: ["--jobs", str(n)]) if tsl_supports("--jobs") else (lambda n: [])
    cached = ["--cache-dir", str(cache_dir)] if tsl_supports("--cache-dir") else []
    one_file = str(ROOT / "examples" / "train_mnist.py")

    commands: Dict[str, List[str]] = {
        "libcst.parse_module (floor)": [sys.executable, "-c", PARSE_SCRIPT, str(listing)],
        "ast.parse": [sys.executable, "-c", AST_SCRIPT, str(listing)],
        "torchseedlint cold, 1 process": tsl(*no_cache, *jobs(1), str(corpus)),
        "torchseedlint cold, 2 processes": tsl(*no_cache, *jobs(2), str(corpus)),
        "torchseedlint one small file": tsl(*no_cache, one_file),
    }
    if cached:
        commands["torchseedlint warm (nothing changed)"] = tsl(*cached, *jobs(1), str(corpus))
        subprocess.run(tsl(*cached, *jobs(1), str(corpus)), capture_output=True)
    tools = tools_python()
    if tools is not None:
        bindir = tools.parent
        commands["TorchFix 0.7.0"] = [str(bindir / "torchfix"), str(corpus)]
        commands["flake8 (default rules)"] = [str(bindir / "flake8"), "--exit-zero", str(corpus)]
        commands["ruff check --select ALL"] = [
            str(bindir / "ruff"), "check", "--select", "ALL", "--no-cache", "--exit-zero",
            "-q", str(corpus),
        ]

    results: Dict[str, Sample] = {}
    for label, cmd in commands.items():
        count = 1 if label.startswith(("TorchFix", "flake8")) else runs
        try:
            results[label] = median([measure(cmd) for _ in range(count)])
        except RuntimeError as exc:
            print(f"skipping {label}: {exc}", file=sys.stderr)
        print(f"{label}: {results.get(label)}", file=sys.stderr)
    if cached:
        # The cache after one edit: the edited file is parsed again, the rest is not.
        touched = corpus / "copy0" / "timm" / "layers" / "helpers.py"
        if not touched.exists():
            touched = files[0]
        original = touched.read_bytes()
        samples = []
        for run in range(runs):
            touched.write_bytes(original + f"\n# edit {run}\n".encode())
            samples.append(measure(tsl(*cached, *jobs(1), str(corpus))))
        touched.write_bytes(original)
        results["torchseedlint after editing one file"] = median(samples)
    floor = results["libcst.parse_module (floor)"]

    out = [
        f"## Corpus: {', '.join(CORPORA[n] for n in names)} + repo fixtures",
        "",
        f"{len(files)} files, {lines:,} lines. Medians of {runs} runs "
        "(TorchFix and flake8: 1 run, they are slow).",
        "",
        "| command | CPU s | wall s | peak RSS MB | CPU / parse floor | wall / parse floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, sample in results.items():
        out.append(
            f"| {label} | {sample.cpu:.2f} | {sample.wall:.2f} | {sample.rss_mb:.0f} | "
            f"{sample.cpu / floor.cpu:.3f}× | {sample.wall / floor.wall:.3f}× |"
        )
    out += ["", "### Scale", "", "| corpus | files | parse floor CPU s | torchseedlint CPU s | ratio | peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|"]
    for scale in scales:
        scaled = build_corpus(names, scale)
        scaled_files = python_files(scaled)
        listing.write_text("\n".join(map(str, scaled_files)), encoding="utf-8")
        parse = measure([sys.executable, "-c", PARSE_SCRIPT, str(listing)])
        lint = measure(tsl(*no_cache, *jobs(1), str(scaled)))
        out.append(
            f"| {scale}× | {len(scaled_files)} | {parse.cpu:.2f} | {lint.cpu:.2f} | "
            f"{lint.cpu / parse.cpu:.3f}× | {lint.rss_mb:.0f} |"
        )
    shutil.rmtree(cache_dir, ignore_errors=True)
    listing.unlink()
    return "\n".join(out) + "\n"


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def header() -> str:
    from torchseedlint import __version__

    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"Measured {datetime.date.today().isoformat()} by `python benchmarks/bench.py` on "
            f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"libcst {_version('libcst')}, torchseedlint {__version__}.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", nargs="+", default=["timm"], choices=sorted(CORPORA))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    report = header() + "\n" + run_benchmark(args.corpus, args.runs, args.scale)
    Path(args.out).write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
