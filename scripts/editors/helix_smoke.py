"""Manual check of the README's Helix snippet in a real Helix, driven in a pseudo-terminal.

Not run by CI or the test suite: no editor is installed there. Run from the repository
root, with torchseedlint-server and torchseedlint on PATH:

    python scripts/editors/helix_smoke.py [FILE] [--hx PATH]

It writes the README's languages.toml snippet into a throwaway config directory, checks
``hx --health python``, opens FILE (default: examples/train_mnist.py), presses ``]d``
(next diagnostic), ``space a`` (code actions) and ``space k`` (hover), quits, and reads
what the server sent from Helix's ``-vvv`` log: the diagnostics must be the CLI's (line,
column, code). Helix has no headless mode, hence the pseudo-terminal (POSIX only).
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

SERVER = "torchseedlint"
# A log line of a message the server sent: "<time> helix_lsp::transport [INFO] torchseedlint <- {json}".
RECEIVED = re.compile(r"^(\S+) helix_lsp::transport \[INFO\] " + SERVER + r" <- (\{.*\})$")
SENT_OPEN = re.compile(
    r"^(\S+) helix_lsp::transport \[INFO\] " + SERVER + r" -> .*\"textDocument/didOpen\""
)
CLI_LINE = re.compile(r":(\d+):(\d+): (TSL\d+) ")


def readme_snippet() -> str:
    text = Path("README.md").read_text(encoding="utf-8")
    match = re.search(r"^\*\*Helix\*\*.*?^```toml\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    if match is None:
        sys.exit("no Helix snippet found in README.md")
    return match.group(1)


def received(log: str) -> List[Tuple[str, Dict[str, Any]]]:
    messages = []
    for line in log.splitlines():
        match = RECEIVED.match(line)
        if match:
            messages.append((match.group(1), json.loads(match.group(2))))
    return messages


def drive(hx: str, env: Dict[str, str], log_path: Path, file: str) -> str:
    """Run Helix on FILE in a pseudo-terminal, press the keys, return its log."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: Helix, with the pty as its terminal
        os.execvpe(hx, [hx, "-vvv", "--log", str(log_path), file], env)

    def pump(seconds: float) -> None:
        # Helix blocks once the pty's buffer is full: keep reading its screen output.
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    return

    def log_text() -> str:
        return log_path.read_text(errors="replace") if log_path.exists() else ""

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        m.get("method") == "textDocument/publishDiagnostics" for _, m in received(log_text())
    ):
        pump(0.1)
    for keys in ("]d", " a", "\x1b", " k", "\x1b", ":q!\r"):
        os.write(fd, keys.encode())
        pump(2.0)
    os.waitpid(pid, 0)
    return log_text()


def cli_findings(file: str) -> Set[Tuple[int, int, str]]:
    out = subprocess.run(
        ["torchseedlint", "--output-format", "concise", "--quiet", "--exit-zero", file],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        (int(m.group(1)), int(m.group(2)), m.group(3))
        for m in map(CLI_LINE.search, out.splitlines())
        if m
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Check the README's Helix snippet in a real Helix."
    )
    parser.add_argument("file", nargs="?", default="examples/train_mnist.py")
    parser.add_argument("--hx", default="hx", help="the Helix binary (default: hx)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config" / "helix").mkdir(parents=True)
        (Path(tmp) / "config" / "helix" / "languages.toml").write_text(readme_snippet())
        env = dict(
            os.environ,
            XDG_CONFIG_HOME=f"{tmp}/config",
            XDG_CACHE_HOME=f"{tmp}/cache",
            TERM="xterm-256color",
        )
        health = subprocess.run(
            [args.hx, "--health", "python"], env=env, capture_output=True, text=True
        ).stdout
        server_line = next((line for line in health.splitlines() if f"{SERVER}:" in line), "")
        print("health:", re.sub(r"\x1b\[[0-9;]*m", "", server_line).strip())
        if not server_line or "not found" in server_line:
            print("FAIL: hx --health python does not list the server")
            return 1
        log = drive(args.hx, env, Path(tmp) / "helix.log", args.file)

    messages = received(log)
    published = [
        (t, m["params"])
        for t, m in messages
        if m.get("method") == "textDocument/publishDiagnostics"
    ]
    if not published:
        print("FAIL: no diagnostics published")
        return 1
    opened: Optional[str] = next(
        (m.group(1) for m in map(SENT_OPEN.match, log.splitlines()) if m), None
    )
    if opened:
        wait = datetime.fromisoformat(published[0][0]) - datetime.fromisoformat(opened)
        print(f"diagnostics {wait.total_seconds() * 1000:.0f} ms after didOpen")
    editor = set()
    for d in published[-1][1]["diagnostics"]:
        start = d["range"]["start"]
        editor.add((start["line"] + 1, start["character"] + 1, d["code"]))
        print(f"diag {start['line'] + 1}:{start['character'] + 1} {d['code']} {d['message']}")
    for _, m in messages:
        result = m.get("result")
        if isinstance(result, list):
            print("actions:", " | ".join(action["title"] for action in result))
        elif isinstance(result, dict) and "contents" in result:
            print("hover:", result["contents"]["value"].splitlines()[0])
    cli = cli_findings(args.file)
    if editor != cli:
        print(f"FAIL: the editor's findings {sorted(editor)} differ from the CLI's {sorted(cli)}")
        return 1
    print(f"same findings as the CLI: {len(cli)} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
