"""Running fixture scripts in fresh interpreters, as the runnable-proof tests do.

One place for how: a single-threaded environment (so runs differ only by their
RNGs, not by thread scheduling) and a bounded number of processes at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional, Sequence

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


def run_script(
    script: Path, cwd: Optional[Path] = None, args: Sequence[str] = ()
) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd or script.parent,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_scripts(
    scripts: Sequence[Path],
    cwd: Optional[Path] = None,
    at_once: int = 2,
    args: Optional[Sequence[Sequence[str]]] = None,
) -> "List[subprocess.CompletedProcess[str]]":
    """Each script in its own interpreter, ``at_once`` at a time; results in order.

    ``args``: each script's command-line arguments (none by default).
    """
    jobs = list(zip(scripts, args if args is not None else [()] * len(scripts)))
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(lambda job: run_script(job[0], cwd, job[1]), jobs))
