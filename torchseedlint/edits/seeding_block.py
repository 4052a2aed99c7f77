"""The fixes for TSL101–TSL104 and TSL201: seed from the user's seed, where a maintainer would.

rules.md, "The seeding fix". The fix first looks for the seed the program
already has, and for the place where that value is available:

1. an existing seeding call (``torch.manual_seed(args.seed)``): the missing
   seeders go right after it, with the same argument;
2. a seed option (``parser.add_argument("--seed", ...)``): right after the
   ``args = parser.parse_args()`` that produces ``args.seed``; an option that
   defaults to ``None`` is seeded inside ``if args.seed is not None:``, or gets
   ``default=0`` with ``--unsafe-fixes`` only;
3. a click/typer command parameter named like a seed: at the top of the command;
4. a config attribute (``cfg.seed`` read somewhere, ``cfg = Config()`` of a class
   with a ``seed`` field): right after ``cfg`` is bound;
5. a module constant (``SEED = 42``);
6. nothing: ``SEED = 0`` at module level.

A module with a ``__main__`` block may be imported: its seeding goes into the
function the block calls (or the block itself), never at import time; only a
script whose code runs at module level gets the module-level block::

    SEED = 0
    random.seed(SEED)        # only the RNGs the module uses and does not seed
    torch.manual_seed(SEED)

A ``torch.multiprocessing.spawn`` target is seeded inside itself, and an entry
point that runs per rank seeds with ``seed + rank`` when its own code has a
rank variable there. TSL201's ``seed_worker`` and imports go at module level,
after the imports and the statements that configure them. Every diagnostic of
a module carries the same edits, so the fixer applies them once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple, TypeVar

from torchseedlint.core.diagnostics import Applicability, Edit, Fix, Location
from torchseedlint.core.text import newline_of
from torchseedlint.edits.apply import insertion, insertion_after_line
from torchseedlint.edits.source_text import SourceText
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Assign, Call, Import, ModuleFacts
from torchseedlint.semantic.imports import STDLIB_MODULES, import_section
from torchseedlint.settings.versions import version_at_least

T = TypeVar("T")
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
# Names of a seed, compared without case and underscores (``manualSeed``, ``RANDOM_SEED``).
_SEED_NAMES = frozenset({"seed", "manualseed", "randomseed", "rngseed", "globalseed"})
# Calls that build a plain namespace from keywords: ``SimpleNamespace(seed=0)`` -> ``cfg.seed``.
_NAMESPACES = frozenset(
    {
        "SimpleNamespace",
        "Namespace",
        "EasyDict",
        "edict",
        "AttrDict",
        "ConfigDict",
        "Munch",
        "DotMap",
    }
)
_SPAWNERS = frozenset({"torch.multiprocessing.spawn", "torch.multiprocessing.start_processes"})
# Calls that mean the entry point runs once per rank.
_DISTRIBUTED = frozenset(
    {
        "torch.distributed.init_process_group",
        "torch.distributed.get_rank",
        "torch.multiprocessing.spawn",
        "torch.multiprocessing.start_processes",
        "accelerate.Accelerator",
        "torch.nn.parallel.DistributedDataParallel",
    }
)
_ACCELERATOR = "accelerate.Accelerator"
_ATTRIBUTE = re.compile(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b(?!\s*\()")
_COMMENTED_SEEDING = re.compile(r"^\s*#\s*[\w.]*(?:seed|seed_all|seed_everything)\s*\(")
_NUMBER = re.compile(r"^-?\d+$")
_MAX_LINE = 99  # a keyword added to a call that would pass this goes on its own line


def is_seed_name(name: str) -> bool:
    return name.replace("_", "").lower() in _SEED_NAMES


def _indent_unit(text: str) -> str:
    match = re.search(r":[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r)+([ \t]+)\S", text)
    return match.group(1) if match else "    "


def unseeded_rngs(ctx: Context) -> Set[str]:
    """The RNGs TSL101–TSL104 report for this module: used, and never seeded."""
    if not ctx.role.is_entry_point or not ctx.is_entry_point:
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


# --- where code runs and draws -------------------------------------------------------


def _drawing_calls(ctx: Context) -> Set[int]:
    analysis = ctx.analysis
    drawing = {c.index for c in analysis.torch_consumers()}
    drawing |= {c.index for c in analysis.pyrandom_consumers()}
    drawing |= {c.index for c in analysis.numpy_consumers()}
    drawing |= {c.index for c in analysis.random_transforms()}
    drawing |= {c.index for c in analysis.dataloaders()}
    return drawing


def _drawing_names(ctx: Context, drawing: Set[int]) -> Set[str]:
    """Local functions and classes that draw when called, at any depth."""
    facts = ctx.facts
    names = {facts.calls[i].scope for i in drawing if facts.calls[i].scope}
    changed = True
    while changed:
        changed = False
        classes = {
            fn.class_name for name, fn in facts.functions.items() if name in names and fn.class_name
        }
        for name, fn in facts.functions.items():
            if name in names:
                continue
            if any(facts.calls[i].raw in names or facts.calls[i].raw in classes for i in fn.calls):
                names.add(name)
                changed = True
    return names | {
        fn.class_name for name, fn in facts.functions.items() if name in names and fn.class_name
    }


@dataclass
class _Draws:
    calls: Set[int]  # calls that draw, or call project code here that does
    names: Set[str]

    def first_row(self, facts: ModuleFacts, scope: str, main_guard: Optional[bool] = None) -> int:
        rows = [
            call.start.row
            for call in facts.calls
            if call.scope == scope
            and (main_guard is None or call.in_main_guard == main_guard)
            and (call.index in self.calls or call.raw in self.names)
        ]
        return min(rows, default=10**9)


def _draws(ctx: Context) -> _Draws:
    drawing = _drawing_calls(ctx)
    return _Draws(drawing, _drawing_names(ctx, drawing))


# --- sites ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where seeding lines go: after ``after_row``, indented by ``indent``."""

    after_row: int
    indent: str
    scope: str  # the function they run in; "" at module level and in the main block


def _statement_end(src: SourceText, row: int) -> int:
    start = src.statement_start(row)
    return src.logical_lines().get(start, row) if start is not None else row


def _body_top(src: SourceText, header_row: int, scope: str, skip_docstring: bool) -> Optional[Site]:
    """The top of the indented body of the compound statement starting at ``header_row``."""
    header_end = _statement_end(src, header_row)
    starts = sorted(s for s in src.logical_lines() if s > header_end)
    if not starts:
        return None
    first = starts[0]
    indent = src.indentation(first)
    if len(indent) <= len(src.indentation(header_row)):
        return None  # ``def f(): pass`` on one line
    after = header_end
    if skip_docstring and src.line(first).lstrip().startswith(('"', "'", 'r"', "r'")):
        after = src.logical_lines()[first]
    return Site(after, indent, scope)


def _after_statement(src: SourceText, row: int, scope: str) -> Site:
    return Site(_statement_end(src, row), src.indentation(row), scope)


def _function_top(ctx: Context, src: SourceText, name: str) -> Optional[Site]:
    fn = ctx.facts.functions.get(name)
    if fn is None:
        return None
    return _body_top(src, fn.start.row, name, skip_docstring=True)


def _entry_site(ctx: Context, src: SourceText) -> Optional[Site]:
    """The top of the function the main block calls, or of the main block itself."""
    facts = ctx.facts
    for call in facts.calls:
        if (
            call.in_main_guard
            and call.scope == ""
            and call.raw in facts.functions
            and (facts.functions[call.raw].class_name is None)
        ):
            return _function_top(ctx, src, call.raw)
    guard = next((s for s in facts.top_statements if s.kind == "main_guard"), None)
    return _body_top(src, guard.start_row, "", skip_docstring=False) if guard else None


# --- the user's seed ------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    seed: str  # the expression, valid at the site
    site: Optional[Site]  # None: the module-level block
    # Edits that make the seed concrete (``default=None`` -> ``default=0``): unsafe.
    unsafe: Tuple[Edit, ...] = ()
    new_constant: bool = False  # ``SEED = 0`` is added at module level


def _from_seeding_calls(ctx: Context, src: SourceText) -> List[_Candidate]:
    found = []
    events = sorted(
        ctx.analysis.seed_events(),
        key=lambda e: (e.call.qualname not in K.SEEDERS, e.call.start.row),
    )
    for event in events:
        call, seed = event.call, event.seed
        if event.randomizing or event.entropic or seed is None or seed.kind == "none":
            continue
        if call.loops or not src.standalone_call(call):
            continue
        found.append(_Candidate(seed.text, _after_statement(src, call.start.row, call.scope)))
    return found


def _option_dest(call: Call) -> Optional[str]:
    dest = call.kwargs.get("dest")
    if dest is not None and dest.kind == "literal" and isinstance(dest.value, str):
        return dest.value
    names = [a.value for a in call.args if a.kind == "literal" and isinstance(a.value, str)]
    longs = [n for n in names if n.startswith("--")]
    chosen = longs[0] if longs else (names[0] if names else None)
    return chosen.lstrip("-").replace("-", "_") if chosen else None


def _parsed_namespaces(ctx: Context) -> List[Call]:
    """``args = parser.parse_args()``, or ``args = get_args()`` of a function returning it."""
    facts = ctx.facts
    found = []
    for call in facts.calls:
        if call.method != "parse_args":
            continue
        if call.assigned_to and call.assigned_to.isidentifier():
            found.append(call)
        elif call.scope in facts.functions:
            found += [
                c
                for c in facts.calls
                if c.raw == call.scope and c.assigned_to and c.assigned_to.isidentifier()
            ]
    return found


def _if_not_none_site(src: SourceText, seed: str) -> Optional[Site]:
    pattern = re.compile(rf"^[ \t]*if\s+{re.escape(seed)}\s+is\s+not\s+None\s*:\s*(#.*)?$")
    for row, line in enumerate(src.lines, start=1):
        if pattern.match(line.rstrip("\r\n")):
            return _body_top(src, row, "", skip_docstring=False)
    return None


def _from_options(ctx: Context, src: SourceText) -> List[_Candidate]:
    found = []
    for call in ctx.facts.calls:
        dest = _option_dest(call) if call.method == "add_argument" else None
        if not dest or not is_seed_name(dest):
            continue
        for parsed in _parsed_namespaces(ctx):
            seed = f"{parsed.assigned_to}.{dest}"
            site = _after_statement(src, parsed.start.row, parsed.scope)
            default = call.kwargs.get("default")
            if default is not None and default.kind != "none":
                found.append(_Candidate(seed, site))
                continue
            # ``None`` means "do not seed" here: seed only where the program does.
            guarded = _if_not_none_site(src, seed)
            if guarded is not None:
                found.append(
                    _Candidate(seed, Site(guarded.after_row, guarded.indent, parsed.scope))
                )
            else:
                found.append(_Candidate(seed, site, _default_zero(call)))
    return found


def _default_zero(call: Call) -> Tuple[Edit, ...]:
    default = call.kwargs.get("default")
    if default is not None and default.start is not None and default.end is not None:
        return (Edit("0", default.start, default.end),)
    ends = [e.end for e in [*call.args, *call.kwargs.values()] if e.end is not None]
    return (insertion(max(ends).row, max(ends).column, ", default=0"),) if ends else ()


def _decorated_command(src: SourceText, def_row: int) -> bool:
    """A click/typer command: a decorator like ``@click.command()`` or ``@app.command()``."""
    row = def_row - 1
    while row > 0:
        start = src.statement_start(row)
        if start is None or not src.line(start).lstrip().startswith("@"):
            return False
        if re.match(r"\s*@\s*[\w.]*(command|option|main)\b", src.line(start)):
            return True
        row = start - 1
    return False


def _from_command_params(ctx: Context, src: SourceText) -> List[_Candidate]:
    found = []
    for name, fn in ctx.facts.functions.items():
        params = [p for p in fn.params if is_seed_name(p)]
        if params and not fn.is_nested and _decorated_command(src, fn.start.row):
            site = _function_top(ctx, src, name)
            if site is not None:
                found.append(_Candidate(params[0], site))
    return found


def _class_rows(ctx: Context, src: SourceText) -> Dict[str, range]:
    rows = {}
    for stmt in ctx.facts.top_statements:
        if stmt.kind == "class":
            for row in range(stmt.start_row, stmt.end_row + 1):
                match = re.match(r"\s*class\s+(\w+)", src.line(row))
                if match:
                    rows[match.group(1)] = range(stmt.start_row, stmt.end_row + 1)
                    break
    return rows


def _in_class(assign: Assign, classes: Dict[str, range]) -> Optional[str]:
    return next((name for name, rows in classes.items() if assign.start.row in rows), None)


def _from_config(ctx: Context, src: SourceText) -> List[_Candidate]:
    facts = ctx.facts
    classes = _class_rows(ctx, src)
    fields: Dict[str, str] = {}  # local class -> its seed field
    for assign in facts.assigns:
        owner = _in_class(assign, classes)
        if owner and assign.scope == "" and is_seed_name(assign.target):
            fields.setdefault(owner, assign.target)
    found = []
    for assign in facts.assigns:
        if not assign.target.isidentifier() or assign.value.kind != "call":
            continue
        callee = assign.value.text.split("(", 1)[0].strip()
        field = fields.get(callee)
        if field is None and callee.rsplit(".", 1)[-1] in _NAMESPACES:
            field = next(
                (k for k in re.findall(r"(\w+)\s*=", assign.value.text) if is_seed_name(k)), None
            )
        if field is not None:
            found.append(
                _Candidate(
                    f"{assign.target}.{field}",
                    _after_statement(src, assign.start.row, assign.scope),
                )
            )
    found += _from_attribute_reads(ctx, src)
    return found


def _from_attribute_reads(ctx: Context, src: SourceText) -> List[_Candidate]:
    """``cfg.seed`` read anywhere, where ``cfg`` is bound in a function or at module level."""
    facts = ctx.facts
    texts = [e.text for c in facts.calls for e in [*c.args, *c.kwargs.values()]]
    texts += [a.value.text for a in facts.assigns]
    found = []
    for text in texts:
        for base, attribute in _ATTRIBUTE.findall(text):
            if not is_seed_name(attribute) or base in facts.aliases or base == "self":
                continue
            seed = f"{base}.{attribute}"
            for assign in facts.assigns:
                if assign.target == base:
                    found.append(
                        _Candidate(seed, _after_statement(src, assign.start.row, assign.scope))
                    )
            for name, fn in facts.functions.items():
                site = _function_top(ctx, src, name) if base in fn.params else None
                if site is not None:
                    found.append(_Candidate(seed, site))
    return found


def _module_constants(ctx: Context, src: SourceText) -> List[Assign]:
    classes = _class_rows(ctx, src)
    return [
        a
        for a in ctx.facts.assigns
        if a.scope == ""
        and not a.in_main_guard
        and is_seed_name(a.target)
        and a.value.kind == "literal"
        and isinstance(a.value.value, int)
        and _in_class(a, classes) is None
    ]


# --- the plan -------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedPlan:
    """The seed the fix uses and where the seeding lines go."""

    base: str  # the user's seed (``args.seed``), or ``SEED``
    seed: str  # what the seeders get: ``base``, or ``base + rank``
    site: Optional[Site]  # None: the module-level block after the imports
    unsafe: Tuple[Edit, ...]
    new_constant: bool


def _usable(ctx: Context, site: Optional[Site], draws: _Draws) -> bool:
    """The site runs before every draw: none above it in its scope, none at import time."""
    facts = ctx.facts
    at_import = draws.first_row(facts, "", main_guard=False)
    if site is None:
        return True
    if site.scope == "" and _in_main_block(ctx, site.after_row):
        return at_import == 10**9 and draws.first_row(facts, "", main_guard=True) > site.after_row
    if site.scope == "":
        return at_import > site.after_row
    return at_import == 10**9 and draws.first_row(facts, site.scope) > site.after_row


def _in_main_block(ctx: Context, row: int) -> bool:
    return any(
        s.kind == "main_guard" and s.start_row <= row <= s.end_row for s in ctx.facts.top_statements
    )


def _candidates(ctx: Context, src: SourceText) -> List[_Candidate]:
    found = (
        _from_seeding_calls(ctx, src)
        + _from_options(ctx, src)
        + _from_command_params(ctx, src)
        + _from_config(ctx, src)
    )
    constant = next(iter(_module_constants(ctx, src)), None)
    entry = _entry_site(ctx, src) if ctx.facts.has_main_guard else None
    if constant is not None:
        site = entry if ctx.facts.has_main_guard else _after_statement(src, constant.start.row, "")
        if site is not None:
            found.append(_Candidate(constant.target, site))
    if entry is not None:
        found.append(_Candidate(SEED_NAME, entry, new_constant=True))
    found.append(_Candidate(SEED_NAME, None, new_constant=True))
    return found


def _spawn_target(ctx: Context, draws: _Draws) -> Optional[str]:
    """A local function started by ``torch.multiprocessing.spawn`` that draws."""
    for call in ctx.facts.calls:
        if call.qualname in _SPAWNERS:
            target = call.args[0] if call.args else call.kwargs.get("fn")
            if (
                target is not None
                and target.text in draws.names
                and (target.text in ctx.facts.functions)
            ):
                return target.text
    return None


def _in_spawn_target(
    ctx: Context, src: SourceText, candidate: _Candidate, target: str
) -> Optional[_Candidate]:
    """The seeding moved into the spawned function: the parent's seeds do not reach it."""
    site = _function_top(ctx, src, target)
    if site is None:
        return None
    params = ctx.facts.functions[target].params
    root = candidate.seed.split(".")[0]
    if candidate.site is not None and candidate.site.scope == target:
        return candidate
    if (
        root in params
        or _NUMBER.match(candidate.seed)
        or (candidate.new_constant or any(a.target == root for a in _module_constants(ctx, src)))
    ):
        return _Candidate(candidate.seed, site, candidate.unsafe, candidate.new_constant)
    return _Candidate(SEED_NAME, site, new_constant=True)


def _rank(ctx: Context, site: Site, draws: _Draws, spawned: bool) -> Tuple[Optional[str], Site]:
    """The rank variable the site can use, and the site moved after its binding if needed."""
    facts = ctx.facts
    fn = facts.functions.get(site.scope)
    if fn is not None:
        if spawned and fn.params:
            return fn.params[0], site
        for param in fn.params:
            if "rank" in param.lower():
                return param, site
    limit = draws.first_row(facts, site.scope)
    src = SourceText(ctx.source)
    bindings = []
    for assign in facts.assigns:
        if assign.scope != site.scope or assign.start.row >= limit:
            continue
        if src.indentation(assign.start.row) != site.indent:
            continue
        if assign.target.isidentifier() and "rank" in assign.target.lower():
            bindings.append((assign.target.lower() == "local_rank", assign, assign.target))
        elif _ACCELERATOR in assign.value.calls and assign.target.isidentifier():
            bindings.append((False, assign, f"{assign.target}.process_index"))
    if not bindings:
        return None, site
    _, assign, rank = sorted(bindings, key=lambda b: (b[0], b[1].start.row))[0]
    end = _statement_end(src, assign.start.row)
    return rank, (site if end <= site.after_row else Site(end, site.indent, site.scope))


def _distributed(ctx: Context) -> bool:
    return any(c.qualname in _DISTRIBUTED for c in ctx.facts.calls) or bool(
        re.search(r"""["'](LOCAL_RANK|RANK)["']""", ctx.source)
    )


def _next_to_commented_seeding(src: SourceText, site: Site, limit: int) -> Site:
    """After the last commented-out seeding line (``# random.seed(seed)``) between the
    site and the first draw, in the same block: where the user meant the seeding to be."""
    after = site.after_row
    for row in range(site.after_row + 1, min(limit, len(src.lines) + 1)):
        if _COMMENTED_SEEDING.match(src.line(row)) and src.indentation(row) == site.indent:
            after = row
    return Site(after, site.indent, site.scope)


# Every TSL101-TSL104/TSL201 diagnostic of a module asks for the same plan and
# block: computed once per module check (its facts and settings objects identify it).
def _memo(ctx: Context, key: str, compute: Callable[[], T]) -> T:
    return ctx.memoized(("seeding_block", key), compute)


def seed_plan(ctx: Context) -> Optional[SeedPlan]:
    """The module's plan, or None when no site is safe."""
    return _memo(ctx, "plan", lambda: _plan(ctx))


def _plan(ctx: Context) -> Optional[SeedPlan]:
    src = SourceText(ctx.source)
    draws = _draws(ctx)
    target = _spawn_target(ctx, draws)
    for candidate in _candidates(ctx, src):
        if target is not None:
            moved = _in_spawn_target(ctx, src, candidate, target)
            if moved is None:
                continue
            candidate = moved
        site = candidate.site
        if not _usable(ctx, site, draws):
            continue
        if site is None:
            if ctx.facts.has_main_guard and draws.first_row(ctx.facts, "", False) == 10**9:
                continue  # an importable module that draws nothing at import: not seeded there
            return SeedPlan(
                candidate.seed, candidate.seed, None, candidate.unsafe, candidate.new_constant
            )
        rank = None
        if _distributed(ctx) and not _lightning_seeder(ctx):
            rank, site = _rank(ctx, site, draws, spawned=target is not None)
        site = _next_to_commented_seeding(src, site, draws.first_row(ctx.facts, site.scope))
        seed = f"{candidate.seed} + {rank}" if rank else candidate.seed
        return SeedPlan(candidate.seed, seed, site, candidate.unsafe, candidate.new_constant)
    return None


# --- rendering ------------------------------------------------------------------------


def _bound_before(text: str, row: int, path: str) -> Optional[Dict[str, str]]:
    """Names bound by imports in the first ``row`` lines (None if that text does not parse)."""
    import libcst as cst  # fixes only: linting a clean file never imports libcst

    from torchseedlint.semantic.cst_facts import collect_facts

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
    """Resolves how the fix refers to torch/random/numpy, adding imports as needed."""

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
        own = self.facts.names_bound_to(module)
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


def _lightning_seeder(ctx: Context) -> Optional[str]:
    """How this module names Lightning's ``seed_everything``, if it imports Lightning."""
    aliases = ctx.facts.aliases
    for name, target in sorted(aliases.items()):
        if target in K.LIGHTNING_SEED_EVERYTHING:
            return name
    for name, target in sorted(aliases.items()):
        if target in ("lightning", "pytorch_lightning", "lightning.pytorch"):
            return f"{name}.seed_everything"
    return None


def _header_end(ctx: Context, draws: _Draws) -> Optional[Tuple[int, int]]:
    """(last row of the imports and the statements that configure them, last import row).

    Rows are 0 when the module starts with code. None when the module is empty.
    """
    facts = ctx.facts
    if not facts.top_statements:
        return None
    first_draw = min(
        (
            s.start_row
            for s in facts.top_statements
            if s.kind == "main_guard"
            or (s.kind not in _HEADER_KINDS and _draws_in(ctx, draws, s.start_row, s.end_row))
        ),
        default=10**9,
    )
    import_rows = {imp.row for imp in facts.imports}
    row = last_import = 0
    statements = [s for s in facts.top_statements if s.start_row < first_draw]
    for stmt in statements:
        inside = range(stmt.start_row, stmt.end_row + 1)
        if stmt.kind in _HEADER_KINDS or (
            stmt.kind == "other" and any(r in inside for r in import_rows)
        ):
            row = stmt.end_row
            if stmt.kind != "docstring":
                last_import = stmt.end_row
    for stmt in statements:
        if stmt.start_row <= row:
            continue
        if stmt.kind != "other" or not _configures(ctx, draws, stmt.start_row, stmt.end_row):
            break
        row = stmt.end_row
    return row, last_import


def _draws_in(ctx: Context, draws: _Draws, first: int, last: int) -> bool:
    local = set(ctx.facts.functions) | set(ctx.facts.classes)
    return any(
        first <= call.start.row <= last and (call.index in draws.calls or call.raw in local)
        for call in ctx.facts.calls
        if call.scope == ""
    )


def _configures(ctx: Context, draws: _Draws, first: int, last: int) -> bool:
    """A statement that configures an imported module (``warnings.filterwarnings(...)``,
    ``matplotlib.use("Agg")``, ``os.environ[...] = ...``): it stays with the imports.
    Seeding and drawing are not configuring."""
    aliases = ctx.facts.aliases
    calls = [c for c in ctx.facts.calls if first <= c.start.row <= last and c.scope == ""]
    seeding = {e.call.index for e in ctx.analysis.seed_events()}
    if any(c.index in seeding or c.index in draws.calls for c in calls):
        return False
    assigns = [a for a in ctx.facts.assigns if first <= a.start.row <= last and a.scope == ""]
    if not calls and not assigns:
        return False
    return all((c.raw or "").split(".")[0] in aliases for c in calls if c.parent is None) and all(
        a.target.split(".")[0] in aliases for a in assigns
    )


@dataclass(frozen=True)
class Block:
    edits: Tuple[Edit, ...]
    torch_name: str
    unsafe: bool


def _blank_lines_after(lines: List[str], row: int) -> int:
    count = 0
    for line in lines[row:]:
        if line.strip():
            break
        count += 1
    return count


def _next_is_def(ctx: Context, row: int) -> bool:
    following = [s for s in ctx.facts.top_statements if s.start_row > row]
    return bool(following) and following[0].kind in ("def", "class")


def _module_insertion(
    ctx: Context, row: int, first_row: int, lines: List[str], has_def: bool
) -> Edit:
    """Module-level lines after ``row`` (0: before ``first_row``), blank lines as PEP 8 has."""
    nl = newline_of(ctx.source)
    source_lines = ctx.source.splitlines()
    wanted_after = 2 if has_def or _next_is_def(ctx, row or first_row - 1) else 1
    following = _blank_lines_after(source_lines, row or first_row - 1)
    trailing = max(0, wanted_after - following)
    if row:
        line = source_lines[row - 1]
        return insertion(row, len(line) + 1, nl + nl.join(lines) + nl * trailing)
    return insertion(first_row, 1, nl.join(lines) + nl + nl * trailing)


@dataclass(frozen=True)
class _ImportLine:
    start_row: int
    end_row: int
    section: int  # see ``semantic.imports``
    key: Optional[str]  # the module of ``import x`` (lower case); None for ``from x import``


def _import_places(
    ctx: Context, import_row: int, imports: List[str]
) -> Optional[Dict[Tuple[int, bool], List[str]]]:
    """Where the new ``import x`` lines go among the module-level imports up to
    ``import_row``, as isort or ruff would put them: in their section (standard
    library, third party), after the section's ``import`` lines that sort before
    them; a section the module lacks is added in section order, a blank line
    apart. (row, before) -> the lines to insert before (or after) that row.
    None when there are no such imports, or sections are unknown (Python 3.9)."""
    if not STDLIB_MODULES:
        return None
    by_row: Dict[int, Import] = {}
    for imp in ctx.facts.imports:
        by_row.setdefault(imp.row, imp)
    existing = []
    for stmt in ctx.facts.top_statements:
        first = by_row.get(stmt.start_row)  # ``import a, b``: a decides
        if stmt.kind in ("import", "future") and stmt.end_row <= import_row and first is not None:
            section = import_section(first.module, first.level)
            key = None if first.names else first.module.lower()
            existing.append(_ImportLine(stmt.start_row, stmt.end_row, section, key))
    if not existing:
        return None
    places: Dict[Tuple[int, bool], List[Tuple[int, str, List[str]]]] = {}
    for line in imports:
        module = line.split()[1]
        section, key = import_section(module), module.lower()
        group = [e for e in existing if e.section == section]
        earlier = [e for e in group if e.key is not None and e.key < key]
        if earlier:
            place, lines = (max(e.end_row for e in earlier), False), [line]
        elif group:
            place, lines = (min(e.start_row for e in group), True), [line]
        elif any(e.section > section for e in existing):
            later = min(e.start_row for e in existing if e.section > section)
            place, lines = (later, True), [line, ""]
        else:
            place, lines = (max(e.end_row for e in existing), False), ["", line]
        places.setdefault(place, []).append((section, key, lines))
    return {
        place: [text for _, _, lines in sorted(found) for text in lines]
        for place, found in places.items()
    }


def _lines_insertion(ctx: Context, row: int, before: bool, lines: List[str]) -> Edit:
    nl = newline_of(ctx.source)
    if before:
        return insertion(row, 1, "".join(f"{line}{nl}" for line in lines))
    line = ctx.source.splitlines()[row - 1]
    return insertion(row, len(line) + 1, "".join(f"{nl}{line}" for line in lines))


def _site_insertion(ctx: Context, site: Site, lines: List[str]) -> Edit:
    nl = newline_of(ctx.source)
    content = "".join(f"{site.indent}{line}{nl}" for line in lines)
    return insertion_after_line(ctx.source, site.after_row, content)


def seeding_block(ctx: Context, worker_rngs: Optional[FrozenSet[str]]) -> Optional[Block]:
    """The module's seeding edits; ``worker_rngs``: what the workers of the DataLoaders that
    need ``seed_worker`` draw from (None: no loader needs it)."""
    key = "block" if worker_rngs is None else f"block {sorted(worker_rngs)}"
    return _memo(ctx, key, lambda: _seeding_block(ctx, worker_rngs))


def _seeding_block(ctx: Context, worker_rngs: Optional[FrozenSet[str]]) -> Optional[Block]:
    facts = ctx.facts
    plan = seed_plan(ctx)
    draws = _draws(ctx)
    header = _header_end(ctx, draws)
    if plan is None or header is None:
        return None
    header_row, import_row = header
    first_row = facts.top_statements[0].start_row
    module_row = header_row
    before = _bound_before(ctx.source, module_row, ctx.path)
    if before is None:
        return None
    names = _Names(facts, before)
    seeding: List[str] = []
    lightning = _lightning_seeder(ctx)
    unseeded = unseeded_rngs(ctx)
    if lightning and unseeded:
        seeding.append(f"{lightning}({plan.seed})")
    else:
        seeding += [f"{names.seeder(rng)}({plan.seed})" for rng in _ORDER if rng in unseeded]
    constant: List[str] = []
    if plan.new_constant:
        if _defines(facts, SEED_NAME):
            return None
        constant.append(f"{SEED_NAME} = 0")
    torch_name = names.module(K.TORCH) if worker_rngs is not None else ""
    worker: List[str] = []
    if worker_rngs is not None and WORKER_FN not in facts.functions:
        if _defines(facts, WORKER_FN):
            return None
        worker = _seed_worker(ctx, names, torch_name, worker_rngs)
    if not names.ok or not (seeding or worker or names.imports):
        return None
    edits: List[Edit] = []
    head: List[str] = []  # module-level lines after the imports and their configuration
    places = _import_places(ctx, import_row, names.imports) if names.imports else None
    if places is None:
        head = list(names.imports)
    for (row, above), lines in sorted((places or {}).items()):
        if (row, above) == (header_row, False):  # where the head goes: one insertion
            head = lines
        else:
            edits.append(_lines_insertion(ctx, row, above, lines))
    code = constant + (seeding if plan.site is None else [])
    if code:
        head += ([""] if head or header_row else []) + code
    site = plan.site
    worker_row = _worker_row(ctx, draws, header_row) if worker else header_row
    # A module-level site right where seed_worker goes: one insertion, seeding first.
    merged = (
        site is not None
        and site.scope == ""
        and site.after_row == worker_row
        and worker_row != header_row
        and not _in_main_block(ctx, worker_row)
    )
    if site is not None and seeding and not merged:
        edits.append(_site_insertion(ctx, site, seeding))
    if worker and worker_row == header_row:
        head += (["", ""] if head or header_row else []) + worker
    elif worker:
        lines = (seeding if merged else []) + ["", ""] + worker
        edits.append(_module_insertion(ctx, worker_row, first_row, lines, True))
    if head:
        edits.append(
            _module_insertion(
                ctx, header_row, first_row, head, bool(worker) and worker_row == header_row
            )
        )
    edits.extend(plan.unsafe)
    return Block(tuple(sorted(edits, key=lambda e: e.location)), torch_name, bool(plan.unsafe))


def _worker_row(ctx: Context, draws: _Draws, header_row: int) -> int:
    """Where ``seed_worker`` goes: before the module's first def or class, after the
    module-level statements above it unless they draw; else after the imports."""
    statements = ctx.facts.top_statements
    for index, stmt in enumerate(statements):
        if stmt.kind in ("def", "class"):
            previous = statements[index - 1] if index else None
            if previous is None or previous.end_row <= header_row:
                return header_row
            between = [s for s in statements[:index] if s.start_row > header_row]
            if any(
                s.kind == "main_guard" or _draws_in(ctx, draws, s.start_row, s.end_row)
                for s in between
            ):
                return header_row
            return previous.end_row
    return header_row


def _seeded_in_worker(ctx: Context, worker_rngs: FrozenSet[str]) -> Set[str]:
    """The RNGs ``seed_worker`` seeds: of those the workers draw from, NumPy and ``random``;
    NumPy only if the module imports it (the fix adds no dependency)."""
    rngs = set(worker_rngs)
    if not any(t.split(".")[0] == "numpy" for t in ctx.facts.aliases.values()):
        rngs.discard(K.NUMPY)
    return rngs & {K.NUMPY, K.PYRANDOM}


def _seed_worker(
    ctx: Context, names: _Names, torch_name: str, worker_rngs: FrozenSet[str]
) -> List[str]:
    unit = _indent_unit(ctx.source)
    worker = [
        f"def {WORKER_FN}(worker_id):",
        f"{unit}worker_seed = {torch_name}.initial_seed() % 2**32",
    ]
    rngs = _seeded_in_worker(ctx, worker_rngs)
    worker += [f"{unit}{names.seeder(rng)}(worker_seed)" for rng in _ORDER if rng in rngs]
    return worker


def seeding_fix(ctx: Context, worker_rngs: Optional[FrozenSet[str]]) -> Optional[Fix]:
    block = seeding_block(ctx, worker_rngs)
    if block is None:
        return None
    if block.unsafe:
        return Fix(
            Applicability.UNSAFE, "Give the seed option a default and seed from it", block.edits
        )
    return Fix(Applicability.SAFE, "Seed from the program's seed", block.edits)


# --- TSL201: the loader's keywords --------------------------------------------------


def worker_fix(ctx: Context, call: Call, worker_rngs: FrozenSet[str]) -> Optional[Fix]:
    """TSL201: the seeding (with ``seed_worker``) and the loader's keyword arguments;
    ``worker_rngs``: what the workers of the loaders that need ``seed_worker`` draw from."""
    block = seeding_block(ctx, worker_rngs)
    if block is None:
        return None
    generator, before_loop = _seeded_generator(ctx, call, block.torch_name, fallback=None)
    edits = _keyword_edits(ctx.source, call, generator, worker=True)
    if edits is None:
        return None
    applicability = Applicability.UNSAFE if block.unsafe else Applicability.SAFE
    return Fix(
        applicability,
        f"Seed the DataLoader's workers with `{WORKER_FN}`",
        (*block.edits, *before_loop, *edits),
    )


def generator_fix(ctx: Context, call: Call) -> Optional[Fix]:
    """TSL202/TSL207 (unsafe): ``generator=`` seeded from the user's seed where it is in
    scope (else ``SEED`` or 0); inside a loop, one generator created before the loop."""
    torch_name = next(iter(ctx.facts.names_bound_to("torch")), None)
    if torch_name is None:
        return None
    defined = any(a.target == SEED_NAME and a.scope == "" for a in ctx.facts.assigns)
    generator, before_loop = _seeded_generator(
        ctx, call, torch_name, fallback=SEED_NAME if defined else "0"
    )
    edits = _keyword_edits(ctx.source, call, generator, worker=False) if generator else None
    if not edits:
        return None
    where = " (one generator, created before the loop)" if before_loop else ""
    return Fix(Applicability.UNSAFE, f"Add `generator={generator}`{where}", (*before_loop, *edits))


def _seed_in_scope(ctx: Context, call: Call) -> Optional[str]:
    """The plan's seed if it can be read where ``call`` is."""
    plan = seed_plan(ctx)
    if plan is None:
        return None
    if plan.site is None or (
        call.scope == plan.site.scope and call.start.row > plan.site.after_row
    ):
        return plan.seed
    # Elsewhere only a seed every function sees, and no rank (a local variable).
    constants = {a.target for a in _module_constants(ctx, SourceText(ctx.source))}
    everywhere = plan.new_constant or _NUMBER.match(plan.base) or plan.base in constants
    return plan.base if everywhere and plan.seed == plan.base else None


def _seeded_generator(
    ctx: Context, call: Call, torch_name: str, fallback: Optional[str]
) -> Tuple[str, Tuple[Edit, ...]]:
    """The ``generator=`` value for ``call`` ("" for none) and the edits it needs.

    A call inside a loop shares one generator created before the loop: a
    constant-seeded one per iteration would repeat the same order every epoch.
    ``fallback``: the seed when the user's is not in scope (None: no generator).
    """
    seed = _seed_in_scope(ctx, call) or fallback
    if seed is None:
        return "", ()
    created = f"{torch_name}.Generator().manual_seed({seed})"
    loops = [ctx.facts.loops[i] for i in call.loops if ctx.facts.loops[i].scope == call.scope]
    if not loops:
        return created, ()
    outer = loops[0]
    plan = seed_plan(ctx)
    if (
        seed != fallback
        and plan is not None
        and plan.site is not None
        and (call.scope == plan.site.scope and outer.start.row <= plan.site.after_row)
    ):
        return "", ()  # the seed is bound inside the loop
    name = "loader_generator"
    if _defines(ctx.facts, name) or any(a.target == name for a in ctx.facts.assigns):
        return "", ()
    src = SourceText(ctx.source)
    nl = newline_of(ctx.source)
    line = f"{src.indentation(outer.start.row)}{name} = {created}{nl}"
    return name, (insertion(outer.start.row, 1, line),)


def loader_fixable(text: str, call: Call) -> bool:
    """Whether TSL201's fix can rewrite this loader call (no ``**kwargs`` hiding keywords)."""
    return _keyword_edits(text, call, "", worker=True) is not None


def _keyword_edits(text: str, call: Call, generator: str, worker: bool) -> Optional[List[Edit]]:
    """Edits adding ``worker_init_fn=seed_worker`` (with ``worker``) and ``generator=``
    (when given and absent) to the call, following its layout."""
    import libcst as cst  # fixes only: linting a clean file never imports libcst
    from libcst.metadata import PositionProvider

    lines = text.splitlines(keepends=True)
    first, last = call.start.row - 1, call.end.row - 1
    snippet = "".join(lines[first : last + 1])
    start_offset = call.start.column - 1
    source = snippet[start_offset : len(snippet) - (len(lines[last]) - (call.end.column - 1))]
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
    if worker and init is None:
        added.append(f"worker_init_fn={WORKER_FN}")
    elif worker and init is not None:
        span = positions[init.value]
        edits.append(Edit(WORKER_FN, located(span.start), located(span.end)))
    if generator and "generator" not in keywords:
        added.append(f"generator={generator}")
    if added:
        last_value = positions[node.args[-1].value]
        end = located(last_value.end)
        nl = newline_of(text)
        one_line = "".join(f", {item}" for item in added)
        if last_value.start.line > 1:
            row_text = lines[end.row - 1]
            indent = row_text[: len(row_text) - len(row_text.lstrip(" \t"))]
            content = "".join(f",{nl}{indent}{item}" for item in added)
        elif len(lines[end.row - 1].rstrip("\r\n")) + len(one_line) > _MAX_LINE:
            # Too long for one line: continuation lines aligned with the first argument.
            first_arg = located(positions[node.args[0]].start)
            indent = " " * (first_arg.column - 1)
            content = "".join(f",{nl}{indent}{item}" for item in added)
        else:
            content = one_line
        edits.append(insertion(end.row, end.column, content))
    return sorted(edits, key=lambda e: e.location)


# --- for other rules' fixes -----------------------------------------------------------


def reseed_value(ctx: Context, call: Call) -> str:
    """The seed a fix writes into ``call`` (TSL106): the user's seed where it is in scope
    (else ``SEED`` or 0), plus the loop variable inside a loop, so that a per-epoch
    reseed stays different every epoch (``np.random.seed(args.seed + epoch)``)."""
    plan = seed_plan(ctx)
    defined = any(a.target == SEED_NAME and a.scope == "" for a in ctx.facts.assigns)
    base = SEED_NAME if defined else "0"
    if (
        plan is not None
        and plan.site is not None
        and not plan.new_constant
        and (call.scope == plan.site.scope and call.start.row > plan.site.after_row)
    ):
        base = plan.seed
    for loop_id in reversed(call.loops):
        target = ctx.facts.loops[loop_id].target
        if target.isidentifier() and ctx.facts.loops[loop_id].scope == call.scope:
            return f"{base} + {target}"
    return base
