"""CPU seconds per stage of a cold one-process run, without a profiler's overhead.

Usage: ``python benchmarks/stages.py benchmarks/.corpus/timm-x1`` (default settings).
The project index and the report are not included: see ``bench.py`` for whole runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Dict

from torchseedlint.config import Config
from torchseedlint.engine import FileResult, parse, reported_codes, run_rules
from torchseedlint.facts import collect_facts
from torchseedlint.rules import triggers
from torchseedlint.screen import compiles, may_report
from torchseedlint.sources import decode_source


def main(corpus: Path) -> None:
    files = sorted(corpus.rglob("*.py"))
    config = Config()
    spent: Dict[str, float] = dict.fromkeys(
        ("read + decode", "text screen", "compile (screened out)", "libcst parse", "facts",
         "rules"), 0.0)
    parsed = 0
    for path in files:
        start = time.process_time()
        text = decode_source(path.read_bytes()).text
        decoded = time.process_time()
        spent["read + decode"] += decoded - start
        wanted = may_report(text, triggers(reported_codes(config, str(path))))
        screened = time.process_time()
        spent["text screen"] += screened - decoded
        if not wanted:
            compiles(text, str(path))
            spent["compile (screened out)"] += time.process_time() - screened
            continue
        parsed += 1
        module = parse(text, str(path))
        parsed_at = time.process_time()
        spent["libcst parse"] += parsed_at - screened
        if not hasattr(module, "body"):
            continue  # a TSL000
        facts = collect_facts(module, str(path), text)
        collected = time.process_time()
        spent["facts"] += collected - parsed_at
        run_rules(text, facts, config, FileResult(str(path)))
        spent["rules"] += time.process_time() - collected
    print(f"{len(files)} files, {parsed} parsed")
    for stage, seconds in spent.items():
        print(f"{stage}: {seconds:.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
