"""The language server, started as a subprocess and driven over stdio by pytest-lsp's
real LSP client. Every wait is on a notification or a response, never a sleep.

One server serves the module's tests (it starts in seconds); each test opens the
files of a project directory of its own, so no test sees another's buffers."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.conftest import run_cli
from torchseedlint.rules.docs import find_rule, rule_page

pytestmark = pytest.mark.asyncio(loop_scope="module")

UTILS = """\
import random

import numpy as np
import torch


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
"""

# Seeded through the helper in another module: clean only with the project index.
TRAIN = """\
import torch

from utils import set_seed

set_seed(0)
x = torch.rand(3)
"""

SAMPLE = """\
import random

import torch

x = torch.rand(3)
y = random.random()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.torchseedlint]\n')
    (root / "utils.py").write_text(UTILS)
    (root / "train.py").write_text(TRAIN)
    (root / "sample.py").write_text(SAMPLE)
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "torchseedlint.integrations.server"]
    ),
    scope="module",
)
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    workspace = tmp_path_factory.mktemp("workspace")
    # The file watchers the server registers once initialized (it may not be yet
    # when a test starts: a test awaits this).
    registered: "asyncio.Future[lsp.RegistrationParams]" = (
        asyncio.get_running_loop().create_future()
    )

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: lsp.RegistrationParams) -> None:
        if not registered.done():
            registered.set_result(params)

    lsp_client.registered = registered  # type: ignore[attr-defined]
    result = await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=workspace.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=workspace.as_uri(), name="workspace")],
        )
    )
    lsp_client.initialize_result = result  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def cli_findings(root: Path, *args: str) -> Dict[str, List[Tuple[str, int, int, str]]]:
    """What the command reports for the tree, by file name: (code, row, column, message)."""
    proc = run_cli("--no-cache", "--output-format", "json", *args, str(root))
    assert proc.exit_code in (0, 1), proc.stderr
    found: Dict[str, List[Tuple[str, int, int, str]]] = {}
    for d in json.loads(proc.stdout):
        found.setdefault(Path(d["filename"]).name, []).append(
            (d["code"], d["location"]["row"], d["location"]["column"], d["message"])
        )
    return found


def as_cli(diagnostics: Sequence[lsp.Diagnostic]) -> List[Tuple[str, int, int, str]]:
    return [
        (str(d.code), d.range.start.line + 1, d.range.start.character + 1, d.message)
        for d in diagnostics
    ]


def open_file(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=path.read_text()
            )
        )
    )
    return uri


def change_file(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def published(client: LanguageClient, uri: str) -> Sequence[lsp.Diagnostic]:
    """The next diagnostics published for ``uri`` (call ``client.diagnostics.pop(uri)``
    before the action that makes the server publish them)."""
    while uri not in client.diagnostics:
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


def apply_edits(text: str, edits: Sequence[lsp.TextEdit]) -> str:
    """Apply LSP text edits (ASCII text: UTF-16 units are characters)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: lsp.Position) -> int:
        return starts[min(position.line, len(lines))] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def cli_fixed(project: Path, name: str, tmp_path: Path) -> str:
    """The file as ``torchseedlint --fix`` on a copy of the project leaves it."""
    copy = tmp_path / "fixed"
    shutil.copytree(project, copy)
    run_cli("--no-cache", "--fix", str(copy))
    return (copy / name).read_text()


async def code_actions(
    client: LanguageClient,
    uri: str,
    diagnostic: lsp.Diagnostic,
    only: Any = None,
    at: Optional[lsp.Range] = None,
    sent: Optional[List[lsp.Diagnostic]] = None,
) -> List[lsp.CodeAction]:
    """The actions for a request on ``at`` (default: the diagnostic's range) that sends
    back ``sent`` (default: the diagnostic), as an editor's cursor there asks."""
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=at or diagnostic.range,
            context=lsp.CodeActionContext(
                diagnostics=[diagnostic] if sent is None else sent, only=only
            ),
        )
    )
    return [action for action in actions or [] if isinstance(action, lsp.CodeAction)]


async def test_initialize_announces_the_features(client: LanguageClient) -> None:
    result: lsp.InitializeResult = client.initialize_result  # type: ignore[attr-defined]
    assert result.server_info is not None and result.server_info.name == "torchseedlint"
    capabilities = result.capabilities
    assert capabilities.hover_provider
    assert isinstance(capabilities.code_action_provider, lsp.CodeActionOptions)
    assert capabilities.code_action_provider.resolve_provider
    assert set(capabilities.code_action_provider.code_action_kinds or ()) == {
        lsp.CodeActionKind.QuickFix,
        "source.fixAll.torchseedlint",
    }


async def test_the_server_asks_to_watch_the_configuration_and_ignore_files(
    client: LanguageClient,
) -> None:
    params: lsp.RegistrationParams = await client.registered  # type: ignore[attr-defined]
    [registration] = params.registrations
    assert registration.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES
    options = registration.register_options
    assert isinstance(options, dict)  # the client does not know the options' type
    assert {watcher["globPattern"] for watcher in options["watchers"]} == {
        "**/pyproject.toml",
        "**/torchseedlint.toml",
        "**/.torchseedlint.toml",
        "**/.gitignore",
        "**/.ignore",
        "**/.git/info/exclude",
    }


async def test_open_files_get_the_clis_findings(client: LanguageClient, project: Path) -> None:
    expected = cli_findings(project)
    assert [code for code, *_ in expected["sample.py"]] == ["TSL101", "TSL102"]
    assert "train.py" not in expected  # seeded by utils.set_seed
    for name in ("sample.py", "train.py", "utils.py"):
        uri = open_file(client, project / name)
        assert as_cli(await published(client, uri)) == expected.get(name, [])


async def test_quick_fix_and_fix_all_equal_the_clis_fix(
    client: LanguageClient, project: Path, tmp_path: Path
) -> None:
    uri = open_file(client, project / "sample.py")
    diagnostics = await published(client, uri)
    torch_seed = next(d for d in diagnostics if d.code == "TSL101")
    fixes = [
        a
        for a in await code_actions(client, uri, torch_seed)
        if a.kind == lsp.CodeActionKind.QuickFix and a.title.startswith("torchseedlint")
    ]
    assert len(fixes) == 1 and fixes[0].is_preferred and "(unsafe)" not in fixes[0].title
    assert fixes[0].edit is not None and fixes[0].edit.changes is not None
    fixed = apply_edits(SAMPLE, fixes[0].edit.changes[uri])
    # One seeding block seeds every RNG the file draws from, as `--fix` writes it.
    assert fixed == cli_fixed(project, "sample.py", tmp_path)
    assert "torch.manual_seed(SEED)" in fixed and "random.seed(SEED)" in fixed

    # Asked for every kind, "Fix all" comes without its edit; resolving adds it.
    lazy = next(
        a
        for a in await code_actions(client, uri, torch_seed)
        if a.kind == "source.fixAll.torchseedlint"
    )
    assert lazy.edit is None
    resolved = await client.code_action_resolve_async(lazy)
    assert resolved.edit is not None and resolved.edit.changes is not None
    assert apply_edits(SAMPLE, resolved.edit.changes[uri]) == fixed

    fix_all = await code_actions(client, uri, torch_seed, only=[lsp.CodeActionKind.SourceFixAll])
    assert [a.title for a in fix_all] == ["Fix all torchseedlint issues"]
    assert fix_all[0].edit is not None and fix_all[0].edit.changes is not None
    assert apply_edits(SAMPLE, fix_all[0].edit.changes[uri]) == fixed

    client.diagnostics.pop(uri, None)
    change_file(client, uri, 2, fixed)
    assert list(await published(client, uri)) == []


async def test_disable_for_this_line_writes_a_noqa_comment(
    client: LanguageClient, project: Path
) -> None:
    uri = open_file(client, project / "sample.py")
    diagnostics = await published(client, uri)
    torch_seed = next(d for d in diagnostics if d.code == "TSL101")
    action = next(
        a
        for a in await code_actions(client, uri, torch_seed)
        if a.title == "Disable TSL101 for this line"
    )
    assert action.edit is not None and action.edit.changes is not None
    text = apply_edits(SAMPLE, action.edit.changes[uri])
    assert text == SAMPLE.replace("x = torch.rand(3)\n", "x = torch.rand(3)  # noqa: TSL101\n")
    client.diagnostics.pop(uri, None)
    change_file(client, uri, 2, text)
    assert [d.code for d in await published(client, uri)] == ["TSL102"]


async def test_a_findings_actions_are_offered_anywhere_on_its_line(
    client: LanguageClient, project: Path
) -> None:
    uri = open_file(client, project / "sample.py")
    diagnostics = await published(client, uri)
    torch_seed = next(d for d in diagnostics if d.code == "TSL101")
    line_start = lsp.Range(
        start=lsp.Position(line=torch_seed.range.start.line, character=0),
        end=lsp.Position(line=torch_seed.range.start.line, character=0),
    )
    assert torch_seed.range.start.character > 0  # the cursor is not on the flagged call
    quick_fixes = [lsp.CodeActionKind.QuickFix]
    # The editor sends back the line's diagnostics: the finding's actions are offered.
    titles = [
        a.title for a in await code_actions(client, uri, torch_seed, quick_fixes, at=line_start)
    ]
    assert len(titles) == 2 and titles[0].startswith("torchseedlint (TSL101): ")
    assert titles[1] == "Disable TSL101 for this line"
    # Sent without the ``data`` the server attached: found by code and range.
    bare = lsp.Diagnostic(
        range=torch_seed.range,
        message=torch_seed.message,
        code=torch_seed.code,
        source=torch_seed.source,
    )
    assert [
        a.title for a in await code_actions(client, uri, bare, quick_fixes, at=line_start)
    ] == titles
    # Neither sent back nor under the cursor: nothing about it.
    assert await code_actions(client, uri, torch_seed, quick_fixes, at=line_start, sent=[]) == []


async def test_hover_shows_the_rules_documentation(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "sample.py")
    diagnostics = await published(client, uri)
    torch_seed = next(d for d in diagnostics if d.code == "TSL101")
    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=torch_seed.range.start
        )
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    rule = find_rule("TSL101")
    assert rule is not None and hover.contents.value == rule_page(rule)
    nothing = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=1, character=0),
        )
    )
    assert nothing is None


async def test_editing_the_seeding_helper_updates_the_importer(
    client: LanguageClient, project: Path
) -> None:
    train = open_file(client, project / "train.py")
    assert list(await published(client, train)) == []
    utils = open_file(client, project / "utils.py")
    await published(client, utils)

    # Unsaved: the helper no longer seeds torch, so train.py's draw is unseeded.
    client.diagnostics.pop(train, None)
    change_file(client, utils, 2, UTILS.replace("    torch.manual_seed(seed)\n", ""))
    assert [d.code for d in await published(client, train)] == ["TSL101"]
    assert (project / "utils.py").read_text() == UTILS  # only the buffer changed

    client.diagnostics.pop(train, None)
    change_file(client, utils, 3, UTILS)
    assert list(await published(client, train)) == []


async def test_editing_a_script_follows_its_buffer_and_the_helper(
    client: LanguageClient, project: Path
) -> None:
    train = open_file(client, project / "train.py")
    assert list(await published(client, train)) == []
    utils = open_file(client, project / "utils.py")
    await published(client, utils)

    # Nothing imports train.py: its edits keep the project index.
    client.diagnostics.pop(train, None)
    change_file(client, train, 2, TRAIN.replace("set_seed(0)\n", ""))
    assert [d.code for d in await published(client, train)] == ["TSL101"]
    client.diagnostics.pop(train, None)
    change_file(client, train, 3, TRAIN + "y = torch.rand(2)\n")
    assert list(await published(client, train)) == []
    # Then an edit of the helper rebuilds it, and train.py is linted again.
    client.diagnostics.pop(train, None)
    change_file(client, utils, 2, UTILS.replace("    torch.manual_seed(seed)\n", ""))
    assert [(d.code, d.range.start.line) for d in await published(client, train)] == [("TSL101", 5)]


async def test_notebook_cells_get_the_clis_findings(client: LanguageClient, project: Path) -> None:
    cells = [
        ("code", "import torch\n"),
        ("markdown", "# Exploration\n"),
        ("code", "x = torch.rand(3)\n"),
    ]
    notebook = {
        "cells": [
            {
                "cell_type": kind,
                "metadata": {},
                "source": text,
                **({"outputs": [], "execution_count": None} if kind == "code" else {}),
            }
            for kind, text in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (project / "explore.ipynb").write_text(json.dumps(notebook))
    expected = json.loads(
        run_cli("--no-cache", "--output-format", "json", str(project / "explore.ipynb")).stdout
    )
    assert [(d["code"], d["cell"]) for d in expected] == [("TSL101", 3)]

    uri = (project / "explore.ipynb").as_uri()
    cell_uris = [f"vscode-notebook-cell:{project / 'explore.ipynb'}#cell{n}" for n in (1, 2, 3)]
    client.diagnostics.pop(cell_uris[2], None)
    client.notebook_document_did_open(
        lsp.DidOpenNotebookDocumentParams(
            notebook_document=lsp.NotebookDocument(
                uri=uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    lsp.NotebookCell(
                        kind=lsp.NotebookCellKind.Code
                        if kind == "code"
                        else lsp.NotebookCellKind.Markup,
                        document=cell_uri,
                    )
                    for (kind, _), cell_uri in zip(cells, cell_uris)
                ],
            ),
            cell_text_documents=[
                lsp.TextDocumentItem(
                    uri=cell_uri,
                    version=1,
                    text=text,
                    language_id="python" if kind == "code" else "markdown",
                )
                for (kind, text), cell_uri in zip(cells, cell_uris)
            ],
        )
    )
    found = await published(client, cell_uris[2])
    assert as_cli(found) == [
        (d["code"], d["location"]["row"], d["location"]["column"], d["message"]) for d in expected
    ]
    assert list(client.diagnostics[cell_uris[0]]) == []

    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=cell_uris[2]),
            position=found[0].range.start,
        )
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert hover.contents.value.startswith("# missing-torch-seed (TSL101)")
    actions = await code_actions(client, cell_uris[2], found[0])
    assert [a.title for a in actions] == ["Disable TSL101 for this line"]
    assert actions[0].edit is not None and actions[0].edit.changes is not None
    assert (
        apply_edits(cells[2][1], actions[0].edit.changes[cell_uris[2]])
        == "x = torch.rand(3)  # noqa: TSL101\n"
    )

    # Seeding in the first cell clears the third cell's finding.
    client.diagnostics.pop(cell_uris[2], None)
    client.notebook_document_did_change(
        lsp.DidChangeNotebookDocumentParams(
            notebook_document=lsp.VersionedNotebookDocumentIdentifier(uri=uri, version=2),
            change=lsp.NotebookDocumentChangeEvent(
                cells=lsp.NotebookDocumentCellChanges(
                    text_content=[
                        lsp.NotebookDocumentCellContentChanges(
                            document=lsp.VersionedTextDocumentIdentifier(
                                uri=cell_uris[0], version=2
                            ),
                            changes=[
                                lsp.TextDocumentContentChangeWholeDocument(
                                    text="import torch\n\ntorch.manual_seed(0)\n"
                                )
                            ],
                        )
                    ]
                )
            ),
        )
    )
    assert list(await published(client, cell_uris[2])) == []


async def test_broken_settings_are_reported_then_reloaded_on_save(
    client: LanguageClient, project: Path
) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[project]\nname = "demo"\n\n[tool.torchseedlint]\nselect = 3\n')
    shown = client.wait_for_notification(lsp.WINDOW_SHOW_MESSAGE)
    uri = open_file(client, project / "sample.py")
    message = await shown
    assert message.type == lsp.MessageType.Error and "select" in message.message
    assert uri not in client.diagnostics

    pyproject.write_text('[project]\nname = "demo"\n\n[tool.torchseedlint]\nignore = ["TSL102"]\n')
    client.text_document_did_save(
        lsp.DidSaveTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=pyproject.as_uri())
        )
    )
    assert [d.code for d in await published(client, uri)] == ["TSL101"]

    client.diagnostics.pop(uri, None)
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert list(await published(client, uri)) == []


IGNORE_TSL102 = '[project]\nname = "demo"\n\n[tool.torchseedlint]\nignore = ["TSL102"]\n'


async def test_a_watched_configuration_change_is_read_again(
    client: LanguageClient, project: Path
) -> None:
    uri = open_file(client, project / "sample.py")
    assert [d.code for d in await published(client, uri)] == ["TSL101", "TSL102"]

    (project / "pyproject.toml").write_text(IGNORE_TSL102)
    client.diagnostics.pop(uri, None)
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[
                lsp.FileEvent(
                    uri=(project / "pyproject.toml").as_uri(), type=lsp.FileChangeType.Changed
                )
            ]
        )
    )
    assert [d.code for d in await published(client, uri)] == ["TSL101"]


async def test_saving_a_python_file_reads_changed_settings_again(
    client: LanguageClient, project: Path
) -> None:
    # Clients that watch no files (Neovim on Linux) report nothing about the
    # configuration file: saving a Python file looks at it.
    uri = open_file(client, project / "sample.py")
    assert [d.code for d in await published(client, uri)] == ["TSL101", "TSL102"]

    (project / "pyproject.toml").write_text(IGNORE_TSL102)
    client.diagnostics.pop(uri, None)
    client.text_document_did_save(
        lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert [d.code for d in await published(client, uri)] == ["TSL101"]
