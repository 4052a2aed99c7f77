"""The fixes for TSL101–TSL104 and TSL201: the seeding block and seeded DataLoader workers.

One block per module (rules.md, "The seeding block"), inserted after the
docstring, ``__future__`` imports, top-level imports and an existing ``SEED``
constant, before the first top-level statement that draws random numbers::

    import random            # only the imports the module lacks
    SEED = 0                 # unless the module already defines SEED
    random.seed(SEED)        # only the RNGs the module uses and does not seed
    torch.manual_seed(SEED)

    def seed_worker(worker_id):   # when a DataLoader needs it (TSL201)
        ...

Every TSL101–TSL104 and TSL201 diagnostic of a module carries the same block
edit, so the fixer applies it once. The block is built from the facts and the
source text only; inserted text uses the file's own newline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Set

import libcst as cst
from libcst.metadata import PositionProvider

from torchseedlint import knowledge as K
from torchseedlint.diagnostics import SAFE, Edit, Fix, Location
from torchseedlint.facts import Call, ModuleFacts, TopStatement, collect_facts
from torchseedlint.fixer import insertion
from torchseedlint.rules.base import Context, version_at_least

SEED_NAME = "SEED"
WORKER_FN = "seed_worker"
_HEADER_KINDS = ("docstring", "future", "import")
# The module each RNG's seeder lives in, the name to bind when importing it, and the seeder.
_IMPORTS = {
    K.TORCH: ("torch", "torch", "manual_seed"),
    K.PYRANDOM: ("random", "random", "seed"),
    K.NUMPY: ("numpy", "np", "random.seed"),
}
_ORDER = (K.PYRANDOM, K.NUMPY, K.TORCH)  # the order of rules.md's block


def newline_of(text: str) -> str:
    match = re.search(r"\r\n|\n|\r", text)
    return match.group(0) if match else "\n"


def _indent_unit(text: str) -> str:
    match = re.search(r":[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r)+([ \t]+)\S", text)
    return match.group(1) if match else "    "


@dataclass
class _Anchor:
    row: int  # the block goes after this row (0: before the first statement)
    first_row: int  # the first statement's row, where a block at row 0 goes


def unseeded_rngs(ctx: Context) -> Set[str]:
    """The RNGs TSL101–TSL104 report for this module: used, and never seeded."""
    if not ctx.is_entry_point:
        return set()
    analysis = ctx.analysis
    used: Set[str] = set()
    if analysis.torch_consumers():
        used.add(K.TORCH)
    if analysis.pyrandom_consumers():
        used.add(K.PYRANDOM)
    if analysis.numpy_consumers():
        used.add(K.NUMPY)
    old_torchvision = version_at_least(ctx.torchvision_version, "0.8") is False
    for call in analysis.random_transforms():
        used.add(K.random_transform_rng(call.qualname or "", old_torchvision))
    return {rng for rng in used if not analysis.seeded(rng)}


def _blocking_rows(ctx: Context) -> Set[int]:
    """Rows of module-level calls that draw random numbers or may run code that does."""
    analysis = ctx.analysis
    facts = ctx.facts
    drawing = {c.index for c in analysis.torch_consumers()}
    drawing |= {c.index for c in analysis.pyrandom_consumers()}
    drawing |= {c.index for c in analysis.numpy_consumers()}
    drawing |= {c.index for c in analysis.random_transforms()}
    drawing |= {c.index for c in analysis.dataloaders()}
    local = set(facts.functions) | set(facts.classes)
    return {
        call.start.row
        for call in facts.calls
        if call.scope == "" and (call.index in drawing or call.raw in local)
    }


def _first_blocker(ctx: Context) -> Optional[TopStatement]:
    rows = _blocking_rows(ctx)
    for stmt in ctx.facts.top_statements:
        if stmt.kind == "main_guard":
            return stmt
        if stmt.kind not in _HEADER_KINDS and any(
            stmt.start_row <= row <= stmt.end_row for row in rows
        ):
            return stmt
    return None


def _seed_assign_row(facts: ModuleFacts) -> List[int]:
    return [
        a.start.row
        for a in facts.assigns
        if a.target == SEED_NAME and a.scope == "" and not a.in_main_guard
    ]


def _anchor(ctx: Context) -> Optional[_Anchor]:
    """Where the block goes, or None when no place is safe."""
    facts = ctx.facts
    if not facts.top_statements:
        return None
    blocker = _first_blocker(ctx)
    limit = blocker.start_row if blocker is not None else facts.top_statements[-1].end_row + 1
    import_rows = {imp.row for imp in facts.imports}
    seed_rows = _seed_assign_row(facts)
    if any(row >= limit for row in seed_rows):
        return None  # SEED is (re)defined after the first draw: no single right value
    row = 0
    for stmt in facts.top_statements:
        if stmt.start_row >= limit:
            break
        inside = range(stmt.start_row, stmt.end_row + 1)
        if (
            stmt.kind in _HEADER_KINDS
            or (stmt.kind == "other" and any(r in inside for r in import_rows))
            or any(r in inside for r in seed_rows)
        ):
            row = stmt.end_row
    return _Anchor(row, facts.top_statements[0].start_row)


def _bound_before(text: str, row: int, path: str) -> Optional[Dict[str, str]]:
    """Names bound by imports in the first ``row`` lines (None if that text does not parse)."""
    prefix = "".join(text.splitlines(keepends=True)[:row])
    try:
        return collect_facts(cst.parse_module(prefix), path).aliases
    except Exception:  # noqa: BLE001 - a prefix libcst rejects: no fix rather than a wrong one
        return None


def _defines(facts: ModuleFacts, name: str) -> bool:
    return (
        name in facts.aliases
        or name in facts.functions
        or name in facts.classes
        or any(a.target == name and a.scope == "" for a in facts.assigns)
    )


class _Names:
    """Resolves how the block refers to torch/random/numpy, adding imports as needed."""

    def __init__(self, facts: ModuleFacts, before: Dict[str, str]) -> None:
        self.facts = facts
        self.before = before
        self.imports: List[str] = []
        self.ok = True

    def module(self, rng: str) -> str:
        module, default, _ = _IMPORTS[rng]
        for name, target in sorted(self.before.items()):
            if target == module:
                return name
        # The module's own alias for it (imported later, or only inside functions).
        own = sorted(n for n, t in self.facts.aliases.items() if t == module)
        name = own[0] if own else default
        if not own and _defines(self.facts, name):
            name = module
            if _defines(self.facts, name):
                self.ok = False
                return name
        line = f"import {module}" if name == module else f"import {module} as {name}"
        if line not in self.imports:
            self.imports.append(line)
        return name

    def seeder(self, rng: str) -> str:
        if rng == K.NUMPY:
            for name, target in sorted(self.before.items()):
                if target == "numpy.random":
                    return f"{name}.seed"
        return f"{self.module(rng)}.{_IMPORTS[rng][2]}"


@dataclass(frozen=True)
class Block:
    edit: Edit
    torch_name: str


def seeding_block(ctx: Context, worker_loaders: bool) -> Optional[Block]:
    """The module's block edit; ``worker_loaders``: some DataLoader needs ``seed_worker``."""
    facts = ctx.facts
    anchor = _anchor(ctx)
    if anchor is None:
        return None
    before = _bound_before(ctx.source, anchor.row, ctx.path)
    if before is None:
        return None
    names = _Names(facts, before)
    nl = newline_of(ctx.source)
    code: List[str] = []
    has_seed = SEED_NAME in before or bool(_seed_assign_row(facts))
    if not has_seed:
        if _defines(facts, SEED_NAME):
            return None
        code.append(f"{SEED_NAME} = 0")
    for rng in _ORDER:
        if rng in unseeded_rngs(ctx):
            code.append(f"{names.seeder(rng)}({SEED_NAME})")
    torch_name = names.module(K.TORCH) if worker_loaders else ""
    worker: List[str] = []
    if worker_loaders and WORKER_FN not in facts.functions:
        if _defines(facts, WORKER_FN):
            return None
        unit = _indent_unit(ctx.source)
        worker = [f"def {WORKER_FN}(worker_id):",
                  f"{unit}worker_seed = {torch_name}.initial_seed() % 2**32"]
        if any(t.split(".")[0] == "numpy" for t in facts.aliases.values()):
            worker.append(f"{unit}{names.seeder(K.NUMPY)}(worker_seed)")
        worker.append(f"{unit}{names.seeder(K.PYRANDOM)}(worker_seed)")
    if not names.ok or not (code or worker or names.imports):
        return None
    lines = list(names.imports)
    if code:
        lines += ([""] if lines or anchor.row else []) + code
    if worker:
        lines += (["", ""] if lines or anchor.row else []) + worker
    following = _blank_lines_after(ctx.source, anchor.row or anchor.first_row - 1)
    trailing = max(0, (2 if worker else 1) - following)
    if anchor.row:
        line = ctx.source.splitlines()[anchor.row - 1]
        content = nl + nl.join(lines) + nl * trailing
        return Block(insertion(anchor.row, len(line) + 1, content), torch_name)
    content = nl.join(lines) + nl + nl * trailing
    return Block(insertion(anchor.first_row, 1, content), torch_name)


def _blank_lines_after(text: str, row: int) -> int:
    count = 0
    for line in text.splitlines()[row:]:
        if line.strip():
            break
        count += 1
    return count


def seeding_fix(ctx: Context, worker_loaders: bool) -> Optional[Fix]:
    block = seeding_block(ctx, worker_loaders)
    if block is None:
        return None
    return Fix(SAFE, "Insert the seeding block", (block.edit,))


def worker_fix(ctx: Context, call: Call) -> Optional[Fix]:
    """TSL201: the block (with ``seed_worker``) and the loader's keyword arguments."""
    block = seeding_block(ctx, worker_loaders=True)
    if block is None:
        return None
    generator = f"{block.torch_name}.Generator().manual_seed({SEED_NAME})"
    edits = _loader_edits(ctx.source, call, generator)
    if edits is None:
        return None
    return Fix(SAFE, f"Seed the DataLoader's workers with `{WORKER_FN}` and a seeded generator",
               (block.edit, *edits))


def loader_fixable(text: str, call: Call) -> bool:
    """Whether TSL201's fix can rewrite this loader call (no ``**kwargs`` hiding keywords)."""
    return _loader_edits(text, call, "") is not None


def _loader_edits(text: str, call: Call, generator: str) -> Optional[List[Edit]]:
    lines = text.splitlines(keepends=True)
    first, last = call.start.row - 1, call.end.row - 1
    snippet = "".join(lines[first:last + 1])
    start_offset = call.start.column - 1
    source = snippet[start_offset:len(snippet) - (len(lines[last]) - (call.end.column - 1))]
    try:
        wrapper = cst.MetadataWrapper(cst.parse_module(source))
    except Exception:  # noqa: BLE001 - cannot see the call's layout: no fix
        return None
    stmt = wrapper.module.body[0]
    if not isinstance(stmt, cst.SimpleStatementLine) or not isinstance(stmt.body[0], cst.Expr):
        return None
    node = stmt.body[0].value
    if not isinstance(node, cst.Call) or not node.args:
        return None
    if any(arg.star == "**" for arg in node.args):
        return None  # the keywords may already be in **kwargs
    positions = wrapper.resolve(PositionProvider)

    def located(position: cst.metadata.CodePosition) -> Location:
        row = call.start.row + position.line - 1
        column = position.column + 1 + (start_offset if position.line == 1 else 0)
        return Location(row, column)

    edits: List[Edit] = []
    added: List[str] = []
    keywords = {arg.keyword.value: arg for arg in node.args if arg.keyword is not None}
    init = keywords.get("worker_init_fn")
    if init is None:
        added.append(f"worker_init_fn={WORKER_FN}")
    else:
        span = positions[init.value]
        edits.append(Edit(WORKER_FN, located(span.start), located(span.end)))
    if "generator" not in keywords:
        added.append(f"generator={generator}")
    if added:
        last_value = positions[node.args[-1].value]
        end = located(last_value.end)
        if last_value.start.line > 1:
            row_text = lines[end.row - 1]
            indent = row_text[: len(row_text) - len(row_text.lstrip(" \t"))]
            nl = newline_of(text)
            content = "".join(f",{nl}{indent}{item}" for item in added)
        else:
            content = "".join(f", {item}" for item in added)
        edits.append(insertion(end.row, end.column, content))
    return sorted(edits, key=lambda e: e.location)
