"""What a DataLoader's workers draw from, and the loaders TSL201 reports.

Two families need it: TSL201 (``rules.dataloader``) reports those loaders, and the
seeding block that fixes TSL101-TSL104 (``rules.seeding``) defines ``seed_worker``
for them. A family never imports another, so what both read lives here, below them,
with the argument and dataset helpers the other DataLoader rules share.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from torchseedlint.core.diagnostics import Location
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import num_workers_positive
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call, Expr, Function
from torchseedlint.settings.versions import version_at_least

# Worker-side code is what runs in a DataLoader's worker processes: the
# dataset's __getitem__/__iter__ (and the methods and module functions they
# call), the transforms the dataset is given or builds, and collate_fn.
_DATASET_METHODS = ("__getitem__", "__getitems__", "__iter__")


_CALLABLE_METHODS = ("__call__", "forward")


# Library datasets whose item access draws nothing except through their transforms.
_TRANSFORM_ONLY_DATASETS = ("torchvision.datasets.",)


def worker_side_draws(ctx: Context, loader: Call) -> Optional[Dict[str, str]]:
    """What a loader's workers draw from: RNG -> its first worker-side draw.

    Keys are ``K.NUMPY``, ``K.PYRANDOM``, ``K.TORCH`` or the label of a library
    whose global RNG PyTorch never reseeds (``K.worker_unreseeded_rng``); values
    read e.g. "`np.random.rand` in `Noisy.__getitem__` (line 12)". None when the
    dataset cannot be resolved (a parameter, an imported class): see
    ``_dataset_draws``.
    """
    # Asked by TSL201, the seeding rules and their fixes.
    found = ctx.memoized(("worker_side_draws", loader.index), lambda: _loader_draws(ctx, loader))
    return dict(found) if found is not None else None


def _loader_draws(ctx: Context, loader: Call) -> Optional[Dict[str, str]]:
    constructor = _dataset_constructor(ctx, loader)
    if constructor is None:
        return None
    draws = _dataset_draws(ctx, constructor)
    if draws is None:
        return None
    collate = loader.kwargs.get("collate_fn")
    if collate is not None:
        _merge(draws, _callable_draws(ctx, collate, loader.scope))
    return draws


def worker_rngs(ctx: Context, loaders: Sequence[Call]) -> FrozenSet[str]:
    """What the workers of ``loaders`` draw from (NumPy and ``random`` for a loader whose
    dataset cannot be resolved): the RNGs ``seed_worker`` must seed."""
    rngs: Set[str] = set()
    for loader in loaders:
        draws = worker_side_draws(ctx, loader)
        rngs |= set(draws) if draws is not None else {K.NUMPY, K.PYRANDOM}
    return frozenset(rngs)


def _dataset_constructor(ctx: Context, loader: Call) -> Optional[Call]:
    """The call that builds the loader's dataset: ``Noisy(...)`` directly, through
    local names, or through ``self.<attr>`` assigned in another method."""
    expr = kwarg_or_arg(loader, "dataset", 0)
    if expr is None:
        return None
    spans = value_spans(ctx, expr, loader.scope)
    if expr.kind == "attribute" and expr.text.startswith("self.") and loader.class_name:
        spans += [
            assign.value
            for assign in ctx.facts.assigns
            if assign.target == expr.text and assign.scope.startswith(f"{loader.class_name}.")
        ]
    for span in spans:
        if span.kind == "call":
            return _call_at(ctx, span)
    return None


def _call_at(ctx: Context, expr: Expr) -> Optional[Call]:
    return ctx.memoized("calls_by_span", lambda: _calls_by_span(ctx)).get((expr.start, expr.end))


def _calls_by_span(ctx: Context) -> Dict[Tuple[Optional[Location], Optional[Location]], Call]:
    found: Dict[Tuple[Optional[Location], Optional[Location]], Call] = {}
    for call in ctx.facts.calls:
        found.setdefault((call.start, call.end), call)
    return found


def _dataset_draws(ctx: Context, constructor: Call) -> Optional[Dict[str, str]]:
    """The draws of the dataset ``constructor`` builds; None when its class is unknown.

    Classes defined in this module, library datasets that draw nothing
    themselves, and classes of other project modules (through the project index:
    their ``torch``/``random``/NumPy draws) are resolved.
    """
    draws: Dict[str, str] = {}
    for arg in [*constructor.args, *constructor.kwargs.values()]:
        _merge(draws, _held_transform_draws(ctx, arg, constructor.scope))
    class_name = constructor.raw if constructor.qualname is None else None
    if class_name in ctx.facts.classes:
        init = _method(ctx, class_name, "__init__")
        for fn in worker_code(ctx, [init] if init else []):
            for call in _calls_of(ctx, fn):
                _add(draws, _held_transform_rng(call), call, fn)
        _merge(draws, _code_draws(ctx, class_methods(ctx, class_name, _DATASET_METHODS)))
        return draws
    if (constructor.qualname or "").startswith(_TRANSFORM_ONLY_DATASETS):
        return draws
    imported = ctx.analysis.imported_class_draws(
        constructor.qualname or constructor.raw or "", _DATASET_METHODS
    )
    if imported is not None:  # a dataset class of another project module
        for rng, draw in imported.items():
            draws.setdefault(rng, draw.describe())
        return draws
    return None


def _held_transform_draws(ctx: Context, expr: Expr, scope: str) -> Dict[str, str]:
    """Random transforms built into an argument of the dataset (or held by the
    classes it builds), which run in the workers."""
    draws: Dict[str, str] = {}
    for span in value_spans(ctx, expr, scope):
        for call in calls_within(ctx, span):
            _add(draws, _held_transform_rng(call), call, None)
    _merge(draws, _callable_draws(ctx, expr, scope))
    return draws


def _callable_draws(ctx: Context, expr: Expr, scope: str) -> Dict[str, str]:
    """Draws of the local functions named by ``expr`` and of the ``__call__`` of
    the local classes it builds (a collate_fn, a transform object)."""
    roots = [expr.text] if expr.kind == "name" and expr.text in ctx.facts.functions else []
    for class_name in sorted(constructed_classes(ctx, expr, scope)):
        roots += class_methods(ctx, class_name, _CALLABLE_METHODS)
    return _code_draws(ctx, roots)


def _code_draws(ctx: Context, roots: List[str]) -> Dict[str, str]:
    draws: Dict[str, str] = {}
    for fn in worker_code(ctx, roots):
        for call in _calls_of(ctx, fn):
            _add(draws, _worker_draw_rng(call), call, fn)
    return draws


def worker_code(ctx: Context, roots: Sequence[str]) -> List[Function]:
    """``roots`` and the local code they call: ``self.<method>(...)`` (local base
    classes included), module functions, nested functions, and the ``__call__``
    of a local class held in ``self.<attr>``. In breadth-first order."""
    functions = ctx.facts.functions
    found: List[Function] = []
    seen: Set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop(0)
        fn = functions.get(name)
        if fn is None or name in seen:
            continue
        seen.add(name)
        found.append(fn)
        owner = name.split(".", 1)[0]  # the class of a method (or of a function nested in one)
        for call in _calls_of(ctx, fn):
            raw = call.raw or ""
            if raw.startswith("self.") and raw.count(".") == 1 and owner in ctx.facts.classes:
                pending += _self_callees(ctx, owner, raw)
            elif call.qualname is None and f"{name}.{raw}" in functions:
                pending.append(f"{name}.{raw}")
            elif call.qualname is None and raw in functions and functions[raw].class_name is None:
                pending.append(raw)
    return found


def _self_callees(ctx: Context, class_name: str, raw: str) -> List[str]:
    """``self.m(...)``: the method ``m``, or the ``__call__`` of the local class
    assigned to ``self.m``."""
    method = _method(ctx, class_name, raw[5:])
    if method is not None:
        return [method]
    callees: List[str] = []
    for assign in ctx.facts.assigns:
        if assign.target == raw and assign.scope.startswith(f"{class_name}."):
            for built in sorted(constructed_classes(ctx, assign.value, assign.scope)):
                callees += class_methods(ctx, built, _CALLABLE_METHODS)
    return callees


def class_methods(ctx: Context, class_name: str, names: Sequence[str]) -> List[str]:
    """The qualnames of those of ``names`` the class defines or inherits locally."""
    found = (_method(ctx, class_name, name) for name in names)
    return [qualname for qualname in found if qualname is not None]


def _method(ctx: Context, class_name: str, name: str, depth: int = 0) -> Optional[str]:
    """The qualname of ``class_name.name``, looked up through local base classes."""
    qualname = f"{class_name}.{name}"
    if qualname in ctx.facts.functions:
        return qualname
    for base in ctx.facts.classes.get(class_name, ()):
        if base in ctx.facts.classes and depth < MAX_DEPTH:
            found = _method(ctx, base, name, depth + 1)
            if found is not None:
                return found
    return None


def _calls_of(ctx: Context, fn: Function) -> List[Call]:
    return [ctx.facts.calls[index] for index in fn.calls]


def _worker_draw_rng(call: Call) -> Optional[str]:
    """The RNG a call running in a worker draws from, if any."""
    qualname = call.qualname
    if qualname is None:
        return None
    return K.global_rng(qualname) or _held_transform_rng(call) or K.worker_unreseeded_rng(qualname)


def _held_transform_rng(call: Call) -> Optional[str]:
    """The RNG a transform object built by this call draws from when it runs in a
    worker: torchvision/kornia random transforms, imgaug augmenters."""
    qualname = call.qualname or ""
    if K.random_transform_kind(qualname):
        return K.random_transform_rng(qualname, torchvision_below_0_8=False)
    if qualname.startswith("imgaug.augmenters."):
        return K.worker_unreseeded_rng(qualname)
    return None


def _add(draws: Dict[str, str], rng: Optional[str], call: Call, fn: Optional[Function]) -> None:
    if rng is None or rng in draws:
        return
    where = f" in `{fn.qualname}`" if fn is not None else ""
    draws[rng] = f"`{call.raw or call.method}`{where} (line {call.start.row})"


def _merge(draws: Dict[str, str], more: Dict[str, str]) -> None:
    for rng, where in more.items():
        draws.setdefault(rng, where)


@dataclass(frozen=True)
class WorkerFinding:
    loader: Call
    message: str
    seed_worker_fixes: bool  # the ``seed_worker`` fix seeds what the workers draw from


# TSL201's code: the seeding block of TSL101-TSL104 defines ``seed_worker`` only
# while that rule is selected.
WORKER_SEEDING = "TSL201"


def seed_worker_loaders(ctx: Context) -> List[Call]:
    """The loaders TSL201 reports that ``seed_worker`` fixes (the seeding block of
    TSL101-TSL104 asks, to decide whether it defines ``seed_worker``)."""
    return [f.loader for f in worker_findings(ctx) if f.seed_worker_fixes]


def worker_findings(ctx: Context) -> List[WorkerFinding]:
    """What TSL201 reports: the loaders whose workers share an RNG state."""
    if ctx.analysis.lightning_worker_seeding():
        return []
    always = ctx.config.dataloader_worker_seeding == "always"
    found = []
    for loader in worker_loaders(ctx):
        if _has_worker_init(loader):
            continue
        draws = worker_side_draws(ctx, loader)
        finding = _finding(ctx, loader, draws or {})
        if finding is None and always and not (draws == {} and not _shuffles(loader)):
            finding = WorkerFinding(
                loader,
                f"`{loader.call_text()}` has no `worker_init_fn` "
                '(`dataloader-worker-seeding = "always"`)',
                True,
            )
        if finding is not None:
            found.append(finding)
    return found


def _has_worker_init(call: Call) -> bool:
    value = call.kwargs.get("worker_init_fn")
    return value is not None and value.kind != "none"


def _finding(ctx: Context, loader: Call, draws: Dict[str, str]) -> Optional[WorkerFinding]:
    label = loader.call_text()
    unreseeded = [rng for rng in draws if rng not in K.ALL_RNGS]
    modern = version_at_least(ctx.torch_version, "1.9")
    if K.NUMPY in draws and modern is not True:
        when = "torch < 1.9" if modern is False else "torch < 1.9 or unknown"
        return WorkerFinding(
            loader,
            f"`{label}` workers share NumPy's RNG state ({when}): {draws[K.NUMPY]}",
            not unreseeded,
        )
    if unreseeded:
        rng = unreseeded[0]
        return WorkerFinding(
            loader,
            f"`{label}` workers share {rng}'s RNG state (PyTorch never reseeds it): {draws[rng]}",
            False,
        )
    return None


def _shuffles(loader: Call) -> bool:
    shuffle = loader.kwargs.get("shuffle")
    return shuffle is not None and shuffle.kind != "none" and not literal_is(shuffle, False)


def kwarg_or_arg(call: Call, keyword: str, position: int) -> Optional[Expr]:
    """An argument given by keyword or at its positional index (0-based)."""
    if keyword in call.kwargs:
        return call.kwargs[keyword]
    return call.args[position] if len(call.args) > position else None


def literal_is(expr: Optional[Expr], value: object) -> bool:
    return expr is not None and expr.kind == "literal" and expr.value is value


def worker_loaders(ctx: Context) -> List[Call]:
    return [call for call in ctx.analysis.dataloaders() if num_workers_positive(call)]


MAX_DEPTH = 3


def value_spans(ctx: Context, expr: Expr, scope: str, depth: int = 0) -> List[Expr]:
    """An expression and the values assigned to the names it reads, transitively."""
    spans = [expr]
    if depth < MAX_DEPTH:
        for name in expr.names:
            value = ctx.analysis.assigned_value(name, scope)
            if value is not None and value is not expr:
                spans += value_spans(ctx, value, scope, depth + 1)
    return spans


def constructed_classes(ctx: Context, expr: Expr, scope: str) -> Set[str]:
    """Local classes built by an expression, through assigned names and ``__init__``s."""
    spans = value_spans(ctx, expr, scope)
    classes = {name for span in spans for name in span.calls if name in ctx.facts.classes}
    for class_name in list(classes):
        init = ctx.facts.functions.get(f"{class_name}.__init__")
        for index in init.calls if init is not None else ():
            callee = ctx.facts.calls[index].raw
            if callee in ctx.facts.classes:
                classes.add(callee)
    return classes


def calls_within(ctx: Context, span: Expr) -> List[Call]:
    """The module's calls inside ``span``, in the order of ``facts.calls``."""
    if span.start is None or span.end is None:
        return []
    # Asked for every loader and every argument of its dataset: a scan of all
    # calls each time made a module with many loaders quadratic.
    starts, ordered = ctx.memoized("calls_by_start", lambda: _calls_by_start(ctx))
    found = []
    for index in range(bisect_left(starts, span.start), len(starts)):
        call = ordered[index]
        if span.end < call.start:
            break
        if call.end <= span.end:
            found.append(call)
    return sorted(found, key=lambda call: call.index)


def _calls_by_start(ctx: Context) -> Tuple[List[Location], List[Call]]:
    ordered = sorted(ctx.facts.calls, key=lambda call: call.start)
    return [call.start for call in ordered], ordered
