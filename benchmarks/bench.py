"""Benchmark torchseedlint against the libcst parse floor and the linters users know.

Usage::

    python benchmarks/bench.py                        # timm and diffusers, 3 runs, scale 1/2/4
    python benchmarks/bench.py --corpus timm --runs 5

The corpora are built from pinned wheels on the package index (plus this repo's
fixtures) in a cache outside the repository: ``$TORCHSEEDLINT_CORPUS_DIR``, by default
``${XDG_CACHE_HOME:-~/.cache}/torchseedlint/corpus``. Every command runs in a child process and
is measured with ``os.wait4`` (CPU user+sys, wall, peak RSS); the median of the
runs is reported, and every figure as a ratio to a bare ``libcst.parse_module``
of every file measured in the same run: the machine is noisy, ratios are not.
The report, with the issue's targets marked met or not met, goes to
``benchmarks/RESULTS.md``; the notes under "Notes" there are written by hand.

ruff and flake8 are installed into ``benchmarks/.venv-tools`` on first use; if that
fails they are reported as unavailable.
"""

from __future__ import annotations

import argparse
import compileall
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
from typing import Dict, List, Optional, Sequence, Tuple


def corpus_dir() -> Path:
    """Where downloaded corpora are kept, outside the repository (they are large, and
    one copy serves every checkout)."""
    chosen = os.environ.get("TORCHSEEDLINT_CORPUS_DIR")
    if chosen:
        return Path(chosen)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "torchseedlint" / "corpus"


ROOT = Path(__file__).resolve().parent.parent
WORK = corpus_dir()
TOOLS_VENV = ROOT / "benchmarks" / ".venv-tools"
CORPORA = {"timm": "timm==1.0.31", "diffusers": "diffusers==0.42.1"}
TOOLS = ["flake8==7.5.0", "ruff==0.17.6"]
NOTES = "## Notes"

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
CLEAN_FILE = """\
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 2)
print(model(torch.randn(2, 4)))
"""
FINDINGS_FILE = """\
import torch

model = torch.nn.Linear(4, 2)
print(model(torch.randn(2, 4)))
"""


@dataclass
class Sample:
    cpu: float
    wall: float
    rss_mb: float


def measure(
    cmd: Sequence[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None
) -> Sample:
    # The user's own TORCHSEEDLINT_* settings would change what is measured.
    variables = {k: v for k, v in os.environ.items() if not k.startswith("TORCHSEEDLINT_")}
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env={**variables, **(env or {})},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {code}")
    return Sample(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024)


def median_of(
    cmd: Sequence[str], runs: int, cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None
) -> Sample:
    samples = [measure(cmd, cwd, env) for _ in range(runs)]
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
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "-q",
                    "-d",
                    str(wheels),
                    spec,
                ],
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
        shutil.copytree(
            ROOT / "tests" / "fixtures",
            staging / f"copy{copy}" / "fixtures",
            ignore=shutil.ignore_patterns("*.expected", "*.toml"),
        )
    staging.rename(target)
    return target


def python_files(corpus: Path) -> List[Path]:
    return sorted(p for p in corpus.rglob("*.py") if p.is_file())


def tools_bin() -> Optional[Path]:
    python = TOOLS_VENV / "bin" / "python"
    if not (TOOLS_VENV / "bin" / "ruff").exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", *TOOLS], check=True)
        except (subprocess.CalledProcessError, OSError):
            return None
    return python.parent


def tsl(*args: str) -> List[str]:
    # The corpus lives under a git-ignored folder of this repository: lint it anyway.
    return [
        sys.executable,
        "-m",
        "torchseedlint",
        "--exit-zero",
        "-q",
        "--isolated",
        "--no-respect-gitignore",
        *args,
    ]


class Table:
    """Rows of one corpus, as ratios to its parse floor."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: Dict[str, Sample] = {}

    def add(self, label: str, sample: Sample) -> Sample:
        self.rows[label] = sample
        print(f"{self.title}: {label}: {sample}", file=sys.stderr, flush=True)
        return sample

    def markdown(self, floor: str) -> List[str]:
        base = self.rows[floor]
        out = [
            "| command | CPU s | wall s | peak RSS MB | CPU / parse floor | wall / parse floor |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, sample in self.rows.items():
            out.append(
                f"| {label} | {sample.cpu:.2f} | {sample.wall:.2f} | {sample.rss_mb:.0f} | "
                f"{sample.cpu / base.cpu:.3f}× | {sample.wall / base.wall:.3f}× |"
            )
        return out


FLOOR = "libcst.parse_module (floor)"
COLD = "torchseedlint cold, --jobs 1"
COLD2 = "torchseedlint cold, --jobs 2"
WARM = "torchseedlint warm (nothing changed)"


def corpus_table(name: str, runs: int, tools: Optional[Path], with_flake8: bool) -> Table:
    corpus = build_corpus([name])
    files = python_files(corpus)
    lines = sum(len(p.read_bytes().splitlines()) for p in files)
    table = Table(f"{CORPORA[name]} + repo fixtures: {len(files)} files, {lines:,} lines")
    listing = Path(tempfile.mkstemp(suffix=".txt")[1])
    listing.write_text("\n".join(map(str, files)), encoding="utf-8")
    cache_dir = Path(tempfile.mkdtemp())
    try:
        table.add(FLOOR, median_of([sys.executable, "-c", PARSE_SCRIPT, str(listing)], runs))
        table.add("ast.parse", median_of([sys.executable, "-c", AST_SCRIPT, str(listing)], runs))
        table.add(COLD, median_of(tsl("--no-cache", "--jobs", "1", str(corpus)), runs))
        table.add(COLD2, median_of(tsl("--no-cache", "--jobs", "2", str(corpus)), runs))
        warm = tsl("--cache-dir", str(cache_dir), "--jobs", "1", str(corpus))
        subprocess.run(warm, capture_output=True, check=False)
        table.add(WARM, median_of(warm, runs))
        if tools is not None:
            table.add(
                "ruff check --select ALL",
                median_of(
                    [
                        str(tools / "ruff"),
                        "check",
                        "--isolated",
                        "--select",
                        "ALL",
                        "--no-cache",
                        "--exit-zero",
                        "-q",
                        str(corpus),
                    ],
                    runs,
                ),
            )
            if with_flake8:  # one run: it is slow
                table.add(
                    "flake8 (default rules, 1 run)",
                    median_of([str(tools / "flake8"), "--isolated", "--exit-zero", str(corpus)], 1),
                )
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        listing.unlink()
    return table


# A budget below one copy of timm (5.5 MB of source): what flat memory costs.
SMALL_BUDGET = 4_000_000


def scale_rows(scales: Sequence[int], runs: int) -> List[Tuple[int, int, Sample, Sample]]:
    """Per scale: the default run, and one keeping facts for ``SMALL_BUDGET`` only."""
    rows = []
    for scale in scales:
        corpus = build_corpus(["timm"], scale)
        command = tsl("--no-cache", "--jobs", "1", str(corpus))
        sample = median_of(command, runs)
        small = median_of(command, runs, env={"TORCHSEEDLINT_KEEP_FACTS": str(SMALL_BUDGET)})
        rows.append((scale, len(python_files(corpus)), sample, small))
        print(f"scale {scale}: {sample}; small budget: {small}", file=sys.stderr, flush=True)
    return rows


def small_file_rows(runs: int, tools: Optional[Path]) -> Dict[str, Sample]:
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "pyproject.toml").write_text("[project]\nname = 'small'\n", encoding="utf-8")
        (folder / "clean.py").write_text(CLEAN_FILE, encoding="utf-8")
        (folder / "findings.py").write_text(FINDINGS_FILE, encoding="utf-8")
        rows = {
            "python -c pass (interpreter start)": median_of([sys.executable, "-c", "pass"], runs),
            "torchseedlint, one clean file": median_of(tsl("--no-cache", "clean.py"), runs, folder),
            "torchseedlint, one file with findings": median_of(
                tsl("--no-cache", "findings.py"), runs, folder
            ),
        }
        if tools is not None:
            rows["flake8, the same clean file"] = median_of(
                [str(tools / "flake8"), "--isolated", "clean.py"], runs, folder
            )
            rows["ruff, the same clean file"] = median_of(
                [str(tools / "ruff"), "check", "--isolated", "--no-cache", "clean.py"], runs, folder
            )
        for label, sample in rows.items():
            print(f"small: {label}: {sample}", file=sys.stderr, flush=True)
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(corpora: Sequence[str], runs: int, scales: Sequence[int]) -> str:
    # pip compiles an installed package's bytecode, as it did for flake8's and
    # ruff's here; a checkout may have none (PYTHONDONTWRITEBYTECODE), and then every
    # start would compile torchseedlint from source (a small file's run: 0.46 s, not 0.37 s).
    compileall.compile_dir(str(ROOT / "torchseedlint"), quiet=1)
    tools = tools_bin()
    # The cheapest, most telling measurements first: every row is printed as it comes.
    tables = {
        name: corpus_table(name, runs, tools, with_flake8=name == "timm") for name in corpora[:1]
    }
    small = small_file_rows(runs, tools)
    scaled = scale_rows(scales, runs) if "timm" in corpora else []
    for name in corpora[1:]:
        tables[name] = corpus_table(name, runs, tools, with_flake8=False)
    out: List[str] = []
    for table in tables.values():
        out += [f"## {table.title}", "", f"Medians of {runs} runs.", "", *table.markdown(FLOOR), ""]
    if scaled:
        base, small_base = scaled[0][2], scaled[0][3]
        out += [
            "## Scale: copies of timm, cold, --jobs 1",
            "",
            "Default settings, then with `TORCHSEEDLINT_KEEP_FACTS="
            f"{SMALL_BUDGET}` (facts kept for {SMALL_BUDGET / 1e6:.0f} MB of source, "
            "the other files analysed again in phase 2).",
            "",
            "| copies | files | CPU s | peak RSS MB | RSS / 1× | CPU s, small budget | "
            "peak RSS MB, small budget | RSS / 1×, small budget |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for scale, count, sample, small_sample in scaled:
            out.append(
                f"| {scale}× | {count} | {sample.cpu:.2f} | {sample.rss_mb:.0f} | "
                f"{sample.rss_mb / base.rss_mb:.2f}× | {small_sample.cpu:.2f} | "
                f"{small_sample.rss_mb:.0f} | {small_sample.rss_mb / small_base.rss_mb:.2f}× |"
            )
        out.append("")
    out += [
        "## One small file (wall includes the interpreter's start)",
        "",
        "| command | CPU s | wall s | peak RSS MB |",
        "|---|---:|---:|---:|",
    ]
    for label, sample in small.items():
        out.append(f"| {label} | {sample.cpu:.2f} | {sample.wall:.2f} | {sample.rss_mb:.0f} |")
    out += ["", "## Targets (issue 13)", "", "| target | result |", "|---|---|"]
    for name, table in tables.items():
        rows, floor = table.rows, table.rows[FLOOR]
        cold = rows[COLD].cpu / floor.cpu
        out.append(
            f"| 1. cold --jobs 1 ≤ 0.4× the parse floor ({name}) | "
            f"{verdict(cold <= 0.4)}: {cold:.2f}× CPU "
            f"({rows[COLD].wall / floor.wall:.2f}× wall) |"
        )
    if len(scaled) > 1:
        growth = scaled[-1][2].rss_mb / scaled[0][2].rss_mb
        small_growth = scaled[-1][3].rss_mb / scaled[0][3].rss_mb
        out.append(
            f"| 2. max RSS ≤ 1.3× from 1× to {scaled[-1][0]}× timm | "
            f"{verdict(growth <= 1.3)} with the default budget: {growth:.2f}× "
            f"({scaled[0][2].rss_mb:.0f} → {scaled[-1][2].rss_mb:.0f} MB); "
            f"{verdict(small_growth <= 1.3)} with a {SMALL_BUDGET / 1e6:.0f} MB budget: "
            f"{small_growth:.2f}× ({scaled[0][3].rss_mb:.0f} → {scaled[-1][3].rss_mb:.0f} MB, "
            f"CPU {scaled[-1][3].cpu / scaled[-1][2].cpu:.2f}× the default at "
            f"{scaled[-1][0]}×) |"
        )
    if "diffusers" in tables:
        rss = tables["diffusers"].rows[COLD].rss_mb
        out.append(f"| 2. max RSS ≤ 300 MB on diffusers | {verdict(rss <= 300)}: {rss:.0f} MB |")
    clean = small["torchseedlint, one clean file"].wall
    flake8 = small.get("flake8, the same clean file")
    beside = f" (flake8 {flake8.wall:.2f} s)" if flake8 else ""
    out.append(
        f"| 3. one clean small file ≤ 0.2 s wall | {verdict(clean <= 0.2)}: {clean:.2f} s{beside} |"
    )
    found = small["torchseedlint, one file with findings"].wall
    out.append(
        f"| 3. one file with findings ≤ 0.35 s wall | {verdict(found <= 0.35)}: {found:.2f} s |"
    )
    for name, table in tables.items():
        rows = table.rows
        warm = rows[WARM].cpu / rows[COLD].cpu
        jobs = rows[COLD2].wall / rows[COLD].wall
        out.append(
            f"| 4. warm ≤ 2 % of cold ({name}) | {verdict(warm <= 0.02)}: {100 * warm:.1f} % |"
        )
        out.append(
            f"| 4. --jobs 2 wall ≤ 0.6× --jobs 1 ({name}) | {verdict(jobs <= 0.6)}: {jobs:.2f}× |"
        )
    out.append(f"| 5. ruff, flake8, ast.parse in the same table | {verdict(tools is not None)} |")
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
            f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by "
            f"`python benchmarks/bench.py` on {platform.platform()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, libcst {_version('libcst')}, "
            f"torchseedlint {__version__}.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", nargs="+", default=["timm", "diffusers"], choices=sorted(CORPORA)
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    out = Path(args.out)
    notes = ""
    if out.exists() and NOTES in out.read_text(encoding="utf-8"):
        notes = NOTES + out.read_text(encoding="utf-8").split(NOTES, 1)[1]
    text = header() + "\n" + report(args.corpus, args.runs, args.scale)
    out.write_text(text + ("\n" + notes if notes else ""), encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
