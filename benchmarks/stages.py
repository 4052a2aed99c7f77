"""CPU seconds per stage of a cold one-process run, without a profiler's overhead.

Usage: ``python benchmarks/stages.py ~/.cache/torchseedlint/corpus/timm-x1`` (default settings).
The stages are those of ``engine.lint_file_text`` on the fast path: facts from
``ast``, then, for a file with something to report, libcst's parse and facts and
the rules again. The project index and the report are not included (see ``bench.py``
for whole runs); the time the garbage collector takes inside the stages is
counted apart.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Dict, List

from torchseedlint.engine.results import FileResult
from torchseedlint.engine.runner import parse, reported_codes, run_rules
from torchseedlint.engine.screen import compiles, may_report
from torchseedlint.engine.sources import decode_source
from torchseedlint.rules import triggers
from torchseedlint.semantic.ast_facts import collect_facts_ast
from torchseedlint.semantic.cst_facts import collect_facts
from torchseedlint.settings.config import Config

STAGES = (
    "read + decode",
    "text screen",
    "compile (screened out)",
    "ast facts",
    "rules (ast facts)",
    "libcst parse (files with findings)",
    "libcst facts (files with findings)",
    "rules again (files with findings)",
)


def main(corpus: Path) -> None:
    files = sorted(corpus.rglob("*.py"))
    config = Config()
    spent: Dict[str, float] = dict.fromkeys(STAGES, 0.0)
    collecting: List[float] = [0.0, 0.0]  # time spent collecting garbage; start of this one

    def on_gc(phase: str, info: Dict[str, int]) -> None:
        if phase == "start":
            collecting[1] = time.process_time()
        else:
            collecting[0] += time.process_time() - collecting[1]

    gc.callbacks.append(on_gc)
    analysed = relinted = 0
    clock = time.process_time()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.process_time()
        spent[stage] += now - clock
        clock = now

    for path in files:
        clock = time.process_time()
        text = decode_source(path.read_bytes()).text
        lap("read + decode")
        wanted = may_report(text, triggers(reported_codes(config, str(path))))
        lap("text screen")
        if not wanted:
            compiles(text, str(path))
            lap("compile (screened out)")
            continue
        try:
            facts = collect_facts_ast(text, str(path))
        except SyntaxError:
            continue
        analysed += 1
        lap("ast facts")
        result = FileResult(str(path))
        run_rules(text, facts, config, result)
        lap("rules (ast facts)")
        if not (result.diagnostics or result.suppressed or result.internal_errors):
            continue
        relinted += 1
        module = parse(text, str(path))
        lap("libcst parse (files with findings)")
        if not hasattr(module, "body"):
            continue  # a TSL000
        facts = collect_facts(module, str(path), text)
        lap("libcst facts (files with findings)")
        run_rules(text, facts, config, FileResult(str(path)))
        lap("rules again (files with findings)")
    total = sum(spent.values())
    print(
        f"{len(files)} files, {analysed} analysed from ast, {relinted} with findings "
        f"parsed again by libcst"
    )
    for stage, seconds in spent.items():
        print(f"{stage}: {seconds:.2f} s ({100 * seconds / total:.0f} %)")
    print(f"of which garbage collection: {collecting[0]:.2f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
