"""Editor latency: how soon the language server publishes diagnostics for a
1,000-line training script after an edit, warm. A script, not a test (timings
depend on the machine); the figures go to ``benchmarks/RESULTS.md`` ("Editor").

The server is started as editors start it (``python -m torchseedlint.integrations.server``,
LSP over stdio) and driven by pygls' client. The server lints an edited document
at once (no debounce): the figure that matters is edit to diagnostics. It is
measured for the script as it is (clean: seeded by the helper of another module)
and without its seeding call (with findings); then for bursts of keystrokes
typed faster than a lint (the last keystroke to the diagnostics of the text it
made: edits that arrive during a lint are linted together after it); then, with
findings, the code actions asked for from the start of a finding's line after
each edit, all kinds (as a menu asks; the client resolves edits, so "Fix all"
comes without its edit): the first request after an edit runs the libcst lint
the fixes come from, a second one reuses it.

The same edits are also linted in this process, through the server's own
``Workspace``, timing wall and CPU time: CPU time is what the work costs when
other processes share the cores.

    python benchmarks/lsp_latency.py [--edits 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from torchseedlint.engine.collector import tune_collector
from torchseedlint.integrations.server import Workspace

LINES = 1000
# A burst of typing: keystrokes closer together than one lint takes.
BURST = 5
KEYSTROKE_SECONDS = 0.03

HELPER = """\
import random

import numpy as np
import torch


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
"""

HEADER = """\
import random

import torch
from torch.utils.data import DataLoader, Dataset

from utils import set_seed

LEARNING_RATE = 0.1
"""

BLOCK = """\


class Images{i}(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        x = torch.randn(3, 32, 32)
        if random.random() < 0.5:
            x = x.flip(-1)
        return x, index % 10


def build_loader_{i}(batch_size):
    dataset = Images{i}(128)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=2)


def train_step_{i}(model, batch, optimizer):
    inputs, targets = batch
    loss = torch.nn.functional.cross_entropy(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
"""

FOOTER = """\


if __name__ == "__main__":
    set_seed(0)
    model = torch.nn.Linear(3 * 32 * 32, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    for batch in build_loader_0(32):
        train_step_0(model, batch, optimizer)
"""


def training_script() -> str:
    """A training script of exactly ``LINES`` lines: datasets, loaders, train steps."""
    lines = HEADER.splitlines()
    footer = FOOTER.splitlines()
    block = 0
    while len(lines) + len(BLOCK.splitlines()) + len(footer) <= LINES:
        lines.extend(BLOCK.format(i=block).splitlines())
        block += 1
    # Fill up with per-class loss weights, one constant a line.
    lines.extend(f"CLASS_{k}_WEIGHT = {k / 10}" for k in range(LINES - len(lines) - len(footer)))
    lines.extend(footer)
    return "\n".join(lines) + "\n"


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("lsp-latency", "1")
        self.waiting: Dict[Tuple[str, int], "asyncio.Future[int]"] = {}

    def expect(self, uri: str, version: int) -> "asyncio.Future[int]":
        future: "asyncio.Future[int]" = asyncio.get_running_loop().create_future()
        self.waiting[(uri, version)] = future
        return future


def make_project(findings: bool) -> Path:
    """A project with the script and its seeding helper; ``findings``: the script
    does not call ``set_seed(0)``, so it has findings (TSL101, TSL102)."""
    project = Path(tempfile.mkdtemp(prefix="lsp-latency-"))
    (project / "pyproject.toml").write_text('[project]\nname = "bench"\n\n[tool.torchseedlint]\n')
    (project / "utils.py").write_text(HELPER)
    text = training_script()
    assert text.count("\n") == LINES
    if findings:
        text = text.replace("    set_seed(0)\n", "    pass\n")
    (project / "train.py").write_text(text)
    return project


def edited(text: str, version: int) -> str:
    """The script with a new learning rate typed in."""
    return text.replace("LEARNING_RATE = 0.1\n", f"LEARNING_RATE = 0.{version}\n", 1)


def in_process(edits: int, findings: bool) -> Dict[str, List[float]]:
    """Linting after each edit through the server's Workspace, as its worker thread
    lints: wall and CPU seconds. With findings, also the libcst lint that the first
    code action after an edit runs (its fixes are those ``--fix`` writes)."""
    path = make_project(findings) / "train.py"
    text = path.read_text()
    label = "with findings" if findings else "clean"
    tune_collector()  # as the server's process does
    workspace = Workspace()
    project = workspace.project_of(path)
    project.set_buffer(path.resolve(), text)
    project.lint(path)
    times: Dict[str, List[float]] = {}
    for version in range(2, edits + 2):
        with timed(times, f"in process, {label}: lint after an edit"):
            project.set_buffer(path.resolve(), edited(text, version))
            result = project.lint(path)
        assert bool(result.diagnostics) == findings
        if findings:
            with timed(times, f"in process, {label}: libcst lint for code actions"):
                project.lint_with_libcst(path, edited(text, version))
    return times


class timed:
    """Adds the wall and CPU seconds of a ``with`` block to ``times``."""

    def __init__(self, times: Dict[str, List[float]], name: str) -> None:
        self.times, self.name = times, name

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.times.setdefault(f"{self.name}, wall", []).append(time.perf_counter() - self.wall)
        self.times.setdefault(f"{self.name}, CPU", []).append(time.process_time() - self.cpu)


async def over_stdio(edits: int, findings: bool) -> Dict[str, List[float]]:
    """Edit to diagnostics over stdio; with findings, code-action requests too."""
    project = make_project(findings)
    text = (project / "train.py").read_text()
    uri = (project / "train.py").as_uri()
    label = "with findings" if findings else "clean"

    client = Client()
    last: Dict[str, List[lsp.Diagnostic]] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        last[params.uri] = list(params.diagnostics)
        future = client.waiting.pop((params.uri, params.version or 0), None)
        if future is not None and not future.done():
            future.set_result(len(params.diagnostics))

    await client.start_io(sys.executable, "-m", "torchseedlint.integrations.server")
    # As VS Code and Neovim do, the client resolves an action's edit when it is picked
    # (so "Fix all" is not computed for a menu).
    capabilities = lsp.ClientCapabilities(
        text_document=lsp.TextDocumentClientCapabilities(
            code_action=lsp.CodeActionClientCapabilities(
                resolve_support=lsp.ClientCodeActionResolveOptions(properties=["edit"])
            )
        )
    )
    await client.initialize_async(
        lsp.InitializeParams(capabilities=capabilities, root_uri=project.as_uri())
    )
    client.initialized(lsp.InitializedParams())

    times: Dict[str, List[float]] = {}
    start = time.perf_counter()
    opened = client.expect(uri, 1)
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    await opened
    times[f"stdio, {label}: open (cold)"] = [time.perf_counter() - start]

    line = text.splitlines().index("LEARNING_RATE = 0.1")

    def type_key(version: int) -> None:
        # Type a new learning rate: one line changes, as a keystroke changes it.
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(
                        range=lsp.Range(
                            start=lsp.Position(line=line, character=0),
                            end=lsp.Position(line=line + 1, character=0),
                        ),
                        text=edited("LEARNING_RATE = 0.1\n", version),
                    )
                ],
            )
        )

    version = 1
    for _ in range(edits):
        version += 1
        done = client.expect(uri, version)
        start = time.perf_counter()
        type_key(version)
        count = await done
        assert bool(count) == findings
        times.setdefault(f"stdio, {label}: edit to diagnostics", []).append(
            time.perf_counter() - start
        )
    for _ in range(edits // BURST or 1):
        for key in range(BURST):
            version += 1
            if key == BURST - 1:
                done = client.expect(uri, version)
                start = time.perf_counter()
            type_key(version)
            if key < BURST - 1:
                await asyncio.sleep(KEYSTROKE_SECONDS)
        assert bool(await done) == findings
        times.setdefault(
            f"stdio, {label}: {BURST} keystrokes {KEYSTROKE_SECONDS * 1000:.0f} ms apart, "
            "last one to diagnostics",
            [],
        ).append(time.perf_counter() - start)
    for _ in range(edits if findings else 0):
        version += 1
        done = client.expect(uri, version)
        type_key(version)
        await done
        # The editor asks for the actions of the finding under the cursor: the
        # first request after an edit runs the libcst lint, a second reuses it.
        for kind in ("first", "again"):
            start = time.perf_counter()
            actions = await client.text_document_code_action_async(
                code_action_params(uri, last[uri][0])
            )
            times.setdefault(f"stdio, {label}: code actions ({kind} after an edit)", []).append(
                time.perf_counter() - start
            )
            assert actions

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def code_action_params(uri: str, diagnostic: lsp.Diagnostic) -> lsp.CodeActionParams:
    """A request from the start of the finding's line, the diagnostic sent back."""
    line_start = lsp.Position(line=diagnostic.range.start.line, character=0)
    return lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        range=lsp.Range(start=line_start, end=line_start),
        context=lsp.CodeActionContext(diagnostics=[diagnostic]),
    )


def load() -> str:
    """The machine's load averages: the timings mean little without them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=30, help="Edits to time (default 30).")
    args = parser.parse_args()
    print(f"load average (1, 5, 15 min) before: {load()}")
    times: Dict[str, List[float]] = {}
    for findings in (False, True):
        times.update(asyncio.run(over_stdio(args.edits, findings)))
    for findings in (False, True):
        times.update(in_process(args.edits, findings))
    print(f"load average (1, 5, 15 min) after: {load()}")
    print(f"{LINES}-line file, {args.edits} edits, no debounce, {os.cpu_count()} CPUs")
    print("| measure | median ms | p90 ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
        print(
            f"| {name} | {statistics.median(ordered) * 1000:.0f} | {p90 * 1000:.0f} | "
            f"{ordered[-1] * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
