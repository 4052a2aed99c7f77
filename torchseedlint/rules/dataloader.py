"""TSL2xx: data loading — worker processes, samplers and their generators."""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from typing import ClassVar, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg, num_workers_positive
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix
from torchseedlint.semantic.facts import Call, Expr, Function, Loop
from torchseedlint.core.text import line_ending, line_offsets, location_at, to_offset
from torchseedlint.edits.apply import insertion
from torchseedlint.rules.base import Example, Rule
from torchseedlint.semantic.context import Context
from torchseedlint.settings.versions import version_at_least
from torchseedlint.edits.seeding_block import generator_fix, worker_fix

# --- TSL201 --------------------------------------------------------------------
#
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
    expr = _kwarg_or_arg(loader, "dataset", 0)
    if expr is None:
        return None
    spans = _value_spans(ctx, expr, loader.scope)
    if expr.kind == "attribute" and expr.text.startswith("self.") and loader.class_name:
        spans += [
            assign.value for assign in ctx.facts.assigns
            if assign.target == expr.text and assign.scope.startswith(f"{loader.class_name}.")
        ]
    for span in spans:
        if span.kind == "call":
            return _call_at(ctx, span)
    return None


def _call_at(ctx: Context, expr: Expr) -> Optional[Call]:
    for call in ctx.facts.calls:
        if call.start == expr.start and call.end == expr.end:
            return call
    return None


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
        for fn in _worker_code(ctx, [init] if init else []):
            for call in _calls_of(ctx, fn):
                _add(draws, _held_transform_rng(call), call, fn)
        _merge(draws, _code_draws(ctx, _methods(ctx, class_name, _DATASET_METHODS)))
        return draws
    if (constructor.qualname or "").startswith(_TRANSFORM_ONLY_DATASETS):
        return draws
    imported = ctx.analysis.imported_class_draws(
        constructor.qualname or constructor.raw or "", _DATASET_METHODS)
    if imported is not None:  # a dataset class of another project module
        for rng, draw in imported.items():
            draws.setdefault(rng, draw.describe())
        return draws
    return None


def _held_transform_draws(ctx: Context, expr: Expr, scope: str) -> Dict[str, str]:
    """Random transforms built into an argument of the dataset (or held by the
    classes it builds), which run in the workers."""
    draws: Dict[str, str] = {}
    for span in _value_spans(ctx, expr, scope):
        for call in ctx.facts.calls:
            if _within(call, span):
                _add(draws, _held_transform_rng(call), call, None)
    _merge(draws, _callable_draws(ctx, expr, scope))
    return draws


def _callable_draws(ctx: Context, expr: Expr, scope: str) -> Dict[str, str]:
    """Draws of the local functions named by ``expr`` and of the ``__call__`` of
    the local classes it builds (a collate_fn, a transform object)."""
    roots = [expr.text] if expr.kind == "name" and expr.text in ctx.facts.functions else []
    for class_name in sorted(_constructed(ctx, expr, scope)):
        roots += _methods(ctx, class_name, _CALLABLE_METHODS)
    return _code_draws(ctx, roots)


def _code_draws(ctx: Context, roots: List[str]) -> Dict[str, str]:
    draws: Dict[str, str] = {}
    for fn in _worker_code(ctx, roots):
        for call in _calls_of(ctx, fn):
            _add(draws, _worker_draw_rng(call), call, fn)
    return draws


def _worker_code(ctx: Context, roots: Sequence[str]) -> List[Function]:
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
            for built in sorted(_constructed(ctx, assign.value, assign.scope)):
                callees += _methods(ctx, built, _CALLABLE_METHODS)
    return callees


def _methods(ctx: Context, class_name: str, names: Sequence[str]) -> List[str]:
    """The qualnames of those of ``names`` the class defines or inherits locally."""
    found = (_method(ctx, class_name, name) for name in names)
    return [qualname for qualname in found if qualname is not None]


def _method(ctx: Context, class_name: str, name: str, depth: int = 0) -> Optional[str]:
    """The qualname of ``class_name.name``, looked up through local base classes."""
    qualname = f"{class_name}.{name}"
    if qualname in ctx.facts.functions:
        return qualname
    for base in ctx.facts.classes.get(class_name, ()):
        if base in ctx.facts.classes and depth < _MAX_DEPTH:
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
    if K.is_numpy_consumer(qualname):
        return K.NUMPY
    if K.is_pyrandom_consumer(qualname):
        return K.PYRANDOM
    if K.is_torch_consumer(qualname):
        return K.TORCH
    return _held_transform_rng(call) or K.worker_unreseeded_rng(qualname)


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
class _WorkerFinding:
    loader: Call
    message: str
    seed_worker_fixes: bool  # the ``seed_worker`` fix seeds what the workers draw from


class DataLoaderWorkerSeeding(Rule):
    """
    ## What it does
    Flags a `DataLoader(...)` with `num_workers > 0` (a positive literal or any
    expression) and no `worker_init_fn`, when its worker-side code (the
    dataset's `__getitem__`/`__iter__` and the code they call, the transforms
    the dataset holds, `collate_fn`) draws from a global RNG that the workers do
    not reseed:

    - NumPy's legacy global RNG (`np.random.rand`, ...), when the project's
      torch version is below 1.9 or unknown (`torch-version`, or the declared
      requirement);
    - at any torch version, a library RNG PyTorch never reseeds: OpenCV
      (`cv2.randu`, `cv2.randn`, `cv2.randShuffle`), imgaug augmenters,
      TensorFlow `tf.random`, CuPy `cupy.random`.

    A loader whose workers draw nothing (an evaluation loader with
    deterministic transforms) is never reported. Not reported when Lightning's
    `seed_everything(..., workers=True)` is in force.

    With `dataloader-worker-seeding = "always"`, every such loader is reported
    (the original recipe's blanket rule), except one with `shuffle=False` whose
    resolved dataset draws nothing.

    ## Why is this bad?
    Since torch 0.4.1 each worker seeds Python `random` and torch from
    `base_seed + worker_id`; NumPy's legacy global RNG was left alone until
    torch 1.9, so before 1.9 every forked worker inherits the parent's NumPy
    state: the workers return identical "random" augmentations, and the same
    ones again every epoch. Libraries with their own global RNG (OpenCV,
    imgaug, ...) behave that way in every torch version.
    See https://pytorch.org/docs/stable/notes/randomness.html#dataloader.

    Why on by default: it reports only loaders whose workers provably draw from
    an RNG left unseeded there. A base seed that changes every run (torch never
    seeded, no `generator=`) is TSL101's finding, and a `worker_init_fn` would
    not fix it.

    ## Example
    ```python
    class Noisy(Dataset):
        def __getitem__(self, i):
            return np.random.rand()

    loader = DataLoader(Noisy(), batch_size=64, num_workers=4)  # torch 1.8
    ```

    Use instead:
    ```python
    def seed_worker(worker_id):
        worker_seed = torch.initial_seed() % 2**32
        numpy.random.seed(worker_seed)
        random.seed(worker_seed)

    loader = DataLoader(Noisy(), batch_size=64, num_workers=4,
                        worker_init_fn=seed_worker,
                        generator=torch.Generator().manual_seed(SEED))
    ```

    ## Fix safety
    Safe: the fix adds `seed_worker` once per module, `worker_init_fn=seed_worker`
    and a seeded `generator=` (an existing `generator=` is kept). `seed_worker`
    seeds NumPy only when the module imports it (the fix adds no dependency). No
    fix when the call passes `**kwargs`, which may already hold the keywords,
    nor when the workers draw from a library RNG `seed_worker` does not seed
    (seed it there, e.g. `cv2.setRNGSeed(torch.initial_seed() % 2**32)`).

    ## Known limitations
    The dataset must be built in the same module from a class defined there (or
    be a torchvision dataset, which draws only through its transforms);
    datasets passed in as parameters or imported are not followed and not
    reported. `num_workers` passed through `**kwargs` is not seen.
    """

    code = "TSL201"
    name = "dataloader-worker-seeding"
    fix_safety = Applicability.SAFE
    _NOISY = (
        "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader, Dataset\n\n"
        "class Noisy(Dataset):\n    def __len__(self):\n        return 8\n\n"
        "    def __getitem__(self, i):\n        return np.random.rand()\n\n"
        "torch.manual_seed(0)\n"
    )
    VALID = [
        Example(_NOISY + "loader = DataLoader(Noisy(), num_workers=2)\n", {"torch-version": "2.3"}),
        _NOISY + "loader = DataLoader(Noisy(), num_workers=0)\n",
        _NOISY + "def seed_worker(i):\n    pass\n\n"
        "loader = DataLoader(Noisy(), num_workers=4, worker_init_fn=seed_worker)\n",
        _NOISY + "from lightning import seed_everything\nseed_everything(0, workers=True)\n"
        "loader = DataLoader(Noisy(), num_workers=4)\n",
        # The dataset cannot be resolved: imported, or a parameter.
        "import torch\nfrom mydata import Noisy\ntorch.manual_seed(0)\n"
        "loader = torch.utils.data.DataLoader(Noisy(), num_workers=4)\n",
        # An evaluation loader: nothing random in its workers.
        "import torchvision.transforms as T\nfrom torchvision.datasets import CIFAR10\n"
        "from torch.utils.data import DataLoader\n"
        "val = CIFAR10('data', train=False, transform=T.Compose([T.ToTensor()]))\n"
        "loader = DataLoader(val, shuffle=False, num_workers=4)\n",
        Example("import torchvision.transforms as T\nfrom torchvision.datasets import CIFAR10\n"
                "from torch.utils.data import DataLoader\n"
                "val = CIFAR10('data', train=False, transform=T.ToTensor())\n"
                "loader = DataLoader(val, shuffle=False, num_workers=4)\n",
                {"dataloader-worker-seeding": "always"}),
    ]
    INVALID = [
        Example(_NOISY + "loader = DataLoader(Noisy(), num_workers=2)\n", {"torch-version": "1.8"}),
        _NOISY + "ds = Noisy()\nloader = DataLoader(ds, batch_size=4, num_workers=args.workers)\n",
        Example("import cv2\nimport numpy as np\nimport torch\n\n"
                "class Speckle(torch.utils.data.Dataset):\n    def __getitem__(self, i):\n"
                "        noise = np.zeros(4)\n        cv2.randn(noise, 0, 1)\n        return noise\n\n"
                "loader = torch.utils.data.DataLoader(Speckle(), num_workers=2)\n",
                {"torch-version": "2.3"}),
        Example("import imgaug.augmenters as iaa\nfrom torch.utils.data import DataLoader\n"
                "from torchvision.datasets import ImageFolder\n"
                "aug = iaa.Sequential([iaa.Fliplr(0.5)])\n"
                "loader = DataLoader(ImageFolder('x', transform=aug.augment_image), num_workers=2)\n",
                {"torch-version": "2.3"}),
        Example("from torch.utils.data import DataLoader\nfrom mydata import Folder\n"
                "loader = DataLoader(Folder('x'), shuffle=True, num_workers=2)\n",
                {"dataloader-worker-seeding": "always"}),
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        findings = worker_findings(ctx)
        fixed = [finding.loader for finding in findings if finding.seed_worker_fixes]
        rngs = worker_rngs(ctx, fixed) if fixed else frozenset()
        for finding in findings:
            fix = worker_fix(ctx, finding.loader, rngs) if finding.seed_worker_fixes else None
            yield self.at_call(ctx, finding.loader, finding.message, fix)


# TSL201's code: the seeding block of TSL101-TSL104 defines ``seed_worker`` only
# while that rule is selected.
WORKER_SEEDING = "TSL201"


def seed_worker_loaders(ctx: Context) -> List[Call]:
    """The loaders TSL201 reports that ``seed_worker`` fixes (the seeding block of
    TSL101-TSL104 asks, to decide whether it defines ``seed_worker``)."""
    return [f.loader for f in worker_findings(ctx) if f.seed_worker_fixes]


def worker_findings(ctx: Context) -> List[_WorkerFinding]:
    """What TSL201 reports: the loaders whose workers share an RNG state."""
    if ctx.analysis.lightning_worker_seeding():
        return []
    always = ctx.config.dataloader_worker_seeding == "always"
    found = []
    for loader in _worker_loaders(ctx):
        if _has_worker_init(loader):
            continue
        draws = worker_side_draws(ctx, loader)
        finding = _finding(ctx, loader, draws or {})
        if finding is None and always and not (draws == {} and not _shuffles(loader)):
            finding = _WorkerFinding(
                loader, f"`{loader.call_text()}` has no `worker_init_fn` "
                "(`dataloader-worker-seeding = \"always\"`)", True)
        if finding is not None:
            found.append(finding)
    return found


def _has_worker_init(call: Call) -> bool:
    value = call.kwargs.get("worker_init_fn")
    return value is not None and value.kind != "none"


def _finding(ctx: Context, loader: Call, draws: Dict[str, str]) -> Optional[_WorkerFinding]:
    label = loader.call_text()
    unreseeded = [rng for rng in draws if rng not in K.ALL_RNGS]
    modern = version_at_least(ctx.torch_version, "1.9")
    if K.NUMPY in draws and modern is not True:
        when = "torch < 1.9" if modern is False else "torch < 1.9 or unknown"
        return _WorkerFinding(
            loader, f"`{label}` workers share NumPy's RNG state ({when}): {draws[K.NUMPY]}",
            not unreseeded)
    if unreseeded:
        rng = unreseeded[0]
        return _WorkerFinding(
            loader, f"`{label}` workers share {rng}'s RNG state (PyTorch never reseeds "
            f"it): {draws[rng]}", False)
    return None


def _shuffles(loader: Call) -> bool:
    shuffle = loader.kwargs.get("shuffle")
    return shuffle is not None and shuffle.kind != "none" and not _literal_is(shuffle, False)


# --- helpers shared by TSL202-TSL209 -------------------------------------------


def _kwarg_or_arg(call: Call, keyword: str, position: int) -> Optional[Expr]:
    """An argument given by keyword or at its positional index (0-based)."""
    if keyword in call.kwargs:
        return call.kwargs[keyword]
    return call.args[position] if len(call.args) > position else None


def _literal_is(expr: Optional[Expr], value: object) -> bool:
    return expr is not None and expr.kind == "literal" and expr.value is value


def _line_ending(ctx: Context, row: int) -> str:
    lines = ctx.lines
    return line_ending(lines[row - 1] if 0 < row <= len(lines) else "")


def _worker_init_function(ctx: Context, loader: Call) -> Optional[Function]:
    """The function a loader's ``worker_init_fn=<name>`` refers to, if defined here."""
    expr = loader.kwargs.get("worker_init_fn")
    if expr is None or expr.kind != "name":
        return None
    if loader.scope:
        nested = ctx.facts.functions.get(f"{loader.scope}.{expr.text}")
        if nested is not None:
            return nested
    return ctx.facts.functions.get(expr.text)


def _unseeded_draws(ctx: Context) -> Set[int]:
    """Calls TSL101 reports as drawing from torch's never-seeded global RNG (an entry
    point that never seeds torch): their missing ``generator=`` is the same root
    cause, reported once, by TSL101."""
    if not ctx.is_entry_point or ctx.analysis.seeded(K.TORCH):
        return set()
    return {call.index for call in ctx.analysis.torch_consumers()}


def _worker_loaders(ctx: Context) -> List[Call]:
    return [call for call in ctx.analysis.dataloaders() if num_workers_positive(call)]


# --- TSL202 --------------------------------------------------------------------


class DataLoaderWithoutGenerator(Rule):
    """
    ## What it does
    Flags `DataLoader(shuffle=True)` and `RandomSampler(...)` without `generator=`.

    ## Why is this bad?
    Without its own generator, the shuffling order is drawn from the global
    torch RNG, so it depends on every earlier draw: adding a layer, a dropout or
    a random augmentation in the main process changes the data order even with
    the same seed. A dedicated `generator=` isolates the order (and the workers'
    base seed) from the rest of the program.

    ## Example
    ```python
    loader = DataLoader(dataset, batch_size=32, shuffle=True)
    ```

    Use instead:
    ```python
    loader = DataLoader(dataset, batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(SEED))
    ```

    ## Fix safety
    Unsafe: the fix picks a seed (the module's `SEED` if it defines one, else
    `0`), which changes the data order. It is offered only when the module
    imports `torch`.

    ## Known limitations
    A `generator` passed through `**kwargs` or positionally to `DataLoader` is
    not seen. Off by default: a seeded global RNG is reproducible as long as the
    program does not change. Not reported in an entry point that never seeds
    torch: the order then changes every run, which is TSL101's finding (one
    finding per root cause).
    """

    code = "TSL202"
    name = "dataloader-without-generator"
    default_enabled = False
    severity = "warning"
    fix_safety = Applicability.UNSAFE
    VALID = [
        "import torch\nfrom torch.utils.data import DataLoader\n"
        "loader = DataLoader(ds, shuffle=True, generator=torch.Generator().manual_seed(0))\n",
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds, shuffle=False)\n",
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=4)\n",
        "import torch\nfrom torch.utils.data import RandomSampler\n"
        "sampler = RandomSampler(ds, False, None, torch.Generator())\n",
        # An entry point that never seeds torch: TSL101's finding.
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds, shuffle=True)\n",
    ]
    INVALID = [
        "import torch\nfrom torch.utils.data import DataLoader\ntorch.manual_seed(0)\n"
        "loader = DataLoader(ds, shuffle=True)\n",
        "import torch\nimport torch.utils.data as tud\ntorch.manual_seed(0)\n"
        "loader = tud.DataLoader(ds, batch_size=8, shuffle=args.shuffle)\n",
        "import torch\ntorch.manual_seed(0)\nsampler = torch.utils.data.RandomSampler(ds, replacement=True)\n",
        # A library function: its caller seeds, the order still depends on earlier draws.
        "from torch.utils.data import DataLoader\n\ndef make(ds):\n"
        "    return DataLoader(ds, shuffle=True)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        unseeded = _unseeded_draws(ctx)
        for call in ctx.facts.calls:
            if call.index in unseeded:
                continue
            kind = K.data_name(call.qualname)
            if kind == "DataLoader":
                shuffle = call.kwargs.get("shuffle")
                flagged = shuffle is not None and shuffle.kind != "none" and not _literal_is(
                    shuffle, False
                )
            else:
                flagged = kind == "RandomSampler" and _kwarg_or_arg(call, "generator", 3) is None
            if flagged and "generator" not in call.kwargs:
                yield self.at_call(
                    ctx,
                    call,
                    f"`{call.call_text()}` shuffles with the global torch RNG, so the order "
                    "depends on every earlier draw; pass "
                    "`generator=torch.Generator().manual_seed(SEED)`",
                    generator_fix(ctx, call),
                )


# --- TSL203 / TSL204 -----------------------------------------------------------

_SEED_BUILTINS = frozenset({"int", "abs"})
_MAX_DEPTH = 3


def _seed_kind(
    ctx: Context, expr: Expr, fn: Function, depth: int = 0
) -> Optional[str]:
    """``"constant"``, ``"worker"`` (worker_id and constants only) or None (anything else).

    None is the precise default: a call, an attribute or an unknown name may
    carry a per-run seed.
    """
    if expr.kind == "literal":
        return "constant" if isinstance(expr.value, int) and not isinstance(expr.value, bool) else None
    if expr.kind not in ("name", "call", "other") or depth > _MAX_DEPTH:
        return None
    if any(name not in _SEED_BUILTINS for name in expr.calls):
        return None
    worker_param = fn.params[0] if fn.params else None
    kind = "constant"
    for name in expr.names:
        if name in _SEED_BUILTINS and name in expr.calls:
            continue
        if name == worker_param:
            kind = "worker"
            continue
        value = ctx.analysis.assigned_value(name, fn.qualname)
        inner = _seed_kind(ctx, value, fn, depth + 1) if value is not None else None
        if inner is None:
            return None
        if inner == "worker":
            kind = "worker"
    return kind


class _WorkerInitSeed(Rule):
    """Shared logic: seeding calls in a loader's worker_init_fn, by kind of seed."""

    seed_kind: ClassVar[str]
    fix_safety = Applicability.SAFE

    def applies_to(self, loader: Call) -> bool:
        return True

    def message(self, call: Call, fn: Function) -> str:
        raise NotImplementedError

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        reported: Set[int] = set()
        for loader in _worker_loaders(ctx):
            fn = _worker_init_function(ctx, loader)
            if fn is None or not self.applies_to(loader):
                continue
            for index in fn.calls:
                call = ctx.facts.calls[index]
                seed = first_arg(call)
                if index in reported or seed is None:
                    continue
                if not ctx.analysis.call_seeds(call) - {K.DETERMINISM}:
                    continue
                if _seed_kind(ctx, seed, fn) == self.seed_kind:
                    reported.add(index)
                    yield self.at_call(ctx, call, self.message(call, fn), self._fix(ctx, seed))

    @staticmethod
    def _fix(ctx: Context, seed: Expr) -> Optional[Fix]:
        torch_name = next(iter(ctx.facts.names_bound_to("torch")), None)
        if torch_name is None or seed.start is None or seed.end is None:
            return None
        content = f"{torch_name}.initial_seed() % 2**32"
        return Fix(Applicability.SAFE, f"Seed from `{content}`", (Edit(content, seed.start, seed.end),))


class WorkerInitConstantSeed(_WorkerInitSeed):
    """
    ## What it does
    Flags a seeding call (`random.seed`, `np.random.seed`, `torch.manual_seed`,
    a seeding helper) with a constant seed inside a `DataLoader`'s
    `worker_init_fn`, when the loader has `num_workers > 0`.

    ## Why is this bad?
    `worker_init_fn` runs in every worker, after PyTorch has given each worker
    its own seed. Reseeding with a constant throws that away: every worker
    produces the same random stream, so the "random" augmentations of the
    samples in one batch of worker 0 repeat in worker 1, and again every epoch.

    ## Example
    ```python
    def seed_worker(worker_id):
        np.random.seed(42)

    loader = DataLoader(dataset, num_workers=4, worker_init_fn=seed_worker)
    ```

    Use instead:
    ```python
    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed() % 2**32)
    ```

    ## Fix safety
    Safe: the seed argument becomes `torch.initial_seed() % 2**32`, which is
    reproducible when the loader's base seed is (a seeded torch or
    `generator=`). Offered only when the module imports `torch`.

    ## Known limitations
    Only a `worker_init_fn` defined in the same module and passed by name is
    followed; seeds are recognised as constant when they are integer literals or
    names assigned integer literals (a seed from `args.seed` or a config is not
    judged).
    """

    code = "TSL203"
    name = "worker-init-constant-seed"
    seed_kind = "constant"
    VALID = [
        "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed(torch.initial_seed() % 2**32)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed(42)\n\n"
        "loader = DataLoader(ds, num_workers=0, worker_init_fn=seed_worker)\n",
        "import random\nfrom torch.utils.data import DataLoader, get_worker_info\n\n"
        "def seed_worker(worker_id):\n    random.seed(get_worker_info().seed)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed(args.seed)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
    ]
    INVALID = [
        "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed(42)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
        "import random\nimport torch.utils.data as tud\nSEED = 7\n\n"
        "def init(i):\n    random.seed(SEED)\n\n"
        "loader = tud.DataLoader(ds, num_workers=4, worker_init_fn=init, persistent_workers=True)\n",
        "import torch\n\ndef main():\n    def init(i):\n        seed = 3\n        torch.manual_seed(seed)\n"
        "    return torch.utils.data.DataLoader(ds, num_workers=n, worker_init_fn=init)\n",
    ]

    def message(self, call: Call, fn: Function) -> str:
        return (f"`{call.raw}(...)` in worker_init_fn `{fn.name}` seeds every worker with the "
                "same constant, so all workers produce the same random stream in every epoch; "
                "seed from `torch.initial_seed() % 2**32`")


class WorkerInitEpochInvariantSeed(_WorkerInitSeed):
    """
    ## What it does
    Flags a seeding call inside a `DataLoader`'s `worker_init_fn` whose seed is
    derived only from `worker_id` (and constants), when the loader has
    `num_workers > 0` and does not use `persistent_workers=True`.

    ## Why is this bad?
    Workers are created anew for every epoch (every `iter(loader)`). Seeding
    from `worker_id` makes the workers differ from each other, but worker 0
    starts from the same state in every epoch: epoch 2 replays the
    augmentations of epoch 1.

    ## Example
    ```python
    def seed_worker(worker_id):
        np.random.seed(SEED + worker_id)
    ```

    Use instead:
    ```python
    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed() % 2**32)
    ```

    ## Fix safety
    Safe: the seed argument becomes `torch.initial_seed() % 2**32`, which PyTorch
    sets to a new base seed plus `worker_id` in every epoch. Offered only when the
    module imports `torch`.

    ## Known limitations
    Only a `worker_init_fn` defined in the same module and passed by name is
    followed. With `persistent_workers=True` the workers keep their state across
    epochs and the rule does not fire; a non-literal `persistent_workers` is
    treated as false.
    """

    code = "TSL204"
    name = "worker-init-epoch-invariant-seed"
    seed_kind = "worker"
    VALID = [
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed(worker_id)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker, persistent_workers=True)\n",
        "import numpy as np\nimport torch\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed((torch.initial_seed() + worker_id) % 2**32)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed(worker_id)\n\n"
        "loader = DataLoader(ds, worker_init_fn=seed_worker)\n",
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed(epoch * 100 + worker_id)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
    ]
    INVALID = [
        "import numpy as np\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    np.random.seed(worker_id)\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
        "import random\nfrom torch.utils.data import DataLoader as DL\nSEED = 0\n\n"
        "def seed_worker(wid):\n    base = SEED + wid\n    random.seed(int(base))\n\n"
        "loader = DL(ds, num_workers=4, worker_init_fn=seed_worker, persistent_workers=False)\n",
        "import torch\n\ndef seed_worker(worker_id):\n    torch.manual_seed(1000 * worker_id + 1)\n\n"
        "loader = torch.utils.data.DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
    ]

    def applies_to(self, loader: Call) -> bool:
        return not _literal_is(loader.kwargs.get("persistent_workers"), True)

    def message(self, call: Call, fn: Function) -> str:
        return (f"`{call.raw}(...)` in worker_init_fn `{fn.name}` seeds from the worker id "
                "only, so every epoch replays the same random stream; seed from "
                "`torch.initial_seed() % 2**32` (new in every epoch)")


# --- TSL205 --------------------------------------------------------------------

_DRAW_METHODS = ("__getitem__", "__getitems__", "__iter__", "__call__")
_RESEED_METHODS = frozenset({"seed", "manual_seed", "set_state", "__setstate__", "bit_generator"})


def _draws_from(call: Call, attribute: str) -> bool:
    own = f"self.{attribute}"
    if call.raw == own or call.receiver == own or (call.receiver or "").startswith(own + "."):
        return call.method not in _RESEED_METHODS
    return any(expr.text == own for expr in call.kwargs.values())


def _reseeds_itself(ctx: Context, methods: Set[str], attribute: str) -> bool:
    """The class recreates or reseeds the RNG where it draws (e.g. once per worker)."""
    own = f"self.{attribute}"
    if any(a.target == own and a.scope in methods for a in ctx.facts.assigns):
        return True
    for name in methods:
        for index in ctx.facts.functions[name].calls:
            call = ctx.facts.calls[index]
            if call.receiver == own and call.method in _RESEED_METHODS:
                return True
    return False


def _value_spans(ctx: Context, expr: Expr, scope: str, depth: int = 0) -> List[Expr]:
    """An expression and the values assigned to the names it reads, transitively."""
    spans = [expr]
    if depth < _MAX_DEPTH:
        for name in expr.names:
            value = ctx.analysis.assigned_value(name, scope)
            if value is not None and value is not expr:
                spans += _value_spans(ctx, value, scope, depth + 1)
    return spans


def _constructed(ctx: Context, expr: Expr, scope: str) -> Set[str]:
    """Local classes built by an expression, through assigned names and ``__init__``s."""
    spans = _value_spans(ctx, expr, scope)
    classes = {name for span in spans for name in span.calls if name in ctx.facts.classes}
    for class_name in list(classes):
        init = ctx.facts.functions.get(f"{class_name}.__init__")
        for index in init.calls if init is not None else ():
            callee = ctx.facts.calls[index].raw
            if callee in ctx.facts.classes:
                classes.add(callee)
    return classes


def _within(call: Call, span: Expr) -> bool:
    return span.start is not None and span.end is not None and (
        span.start <= call.start and call.end <= span.end
    )


def _worker_init_reseeds(ctx: Context, loader: Call, attribute: str) -> bool:
    """Whether the loader's worker_init_fn may reseed the dataset's RNG objects."""
    expr = loader.kwargs.get("worker_init_fn")
    if expr is None or expr.kind == "none":
        return False
    fn = _worker_init_function(ctx, loader)
    if fn is not None:
        return bool((fn.references | fn.attributes) & {attribute, "dataset"})
    if expr.kind == "lambda":
        return attribute in expr.names or "dataset" in expr.names
    # An imported or computed function: we cannot see what it does.
    return True


class RngObjectInDataset(Rule):
    """
    ## What it does
    Flags an RNG object created in a dataset's or transform's `__init__`
    (`np.random.default_rng`, `RandomState`, `random.Random`, `torch.Generator`,
    albumentations `Compose`) and drawn from in `__getitem__`, `__iter__` or
    `__call__`, when the class is used by a `DataLoader` with `num_workers > 0`
    whose `worker_init_fn` does not reseed it.

    ## Why is this bad?
    PyTorch reseeds only the global `random`, NumPy and torch RNGs in each worker.
    An RNG object living on the dataset is copied into every worker with the
    same state (by fork or by pickling), so every worker draws the same numbers,
    and since workers are recreated each epoch, every epoch repeats them.
    albumentations 2.0.x `Compose` owns such an RNG.

    ## Example
    ```python
    class Noisy(Dataset):
        def __init__(self):
            self.rng = np.random.default_rng(0)

        def __getitem__(self, i):
            return self.rng.normal()

    loader = DataLoader(Noisy(), num_workers=4)
    ```

    Use instead:
    ```python
    def reseed_dataset(worker_id):
        info = torch.utils.data.get_worker_info()
        info.dataset.rng = np.random.default_rng(info.seed)

    loader = DataLoader(Noisy(), num_workers=4, worker_init_fn=reseed_dataset)
    ```

    ## Known limitations
    The class and the `DataLoader` must be in the same module, and the dataset
    must be built there (directly, through names, or in a dataset's
    `__init__`); an albumentations `Compose` built into the dataset expression
    given to the loader is reported too. A class that recreates or reseeds its
    RNG where it draws (e.g. from `get_worker_info().seed`) is trusted to handle
    workers; so is any `worker_init_fn` that mentions the attribute or
    `dataset`, or that is imported. The albumentations 1.x `Compose` used the
    global RNGs and is reported anyway (the version is not known). No fix: the
    reseeding depends on the class.
    """

    code = "TSL205"
    name = "rng-object-in-dataset"
    _BASE = (
        "import numpy as np\nfrom torch.utils.data import DataLoader, Dataset\n\n"
        "class Noisy(Dataset):\n    def __init__(self):\n        self.rng = np.random.default_rng(0)\n\n"
        "    def __len__(self):\n        return 8\n\n"
        "    def __getitem__(self, i):\n        return self.rng.normal()\n\n"
    )
    VALID = [
        _BASE + "loader = DataLoader(Noisy(), num_workers=0)\n",
        _BASE + "def reseed(worker_id):\n    info = get_worker_info()\n"
        "    info.dataset.rng = np.random.default_rng(info.seed)\n\n"
        "loader = DataLoader(Noisy(), num_workers=2, worker_init_fn=reseed)\n",
        _BASE + "from helpers import reseed_worker\n"
        "loader = DataLoader(Noisy(), num_workers=2, worker_init_fn=reseed_worker)\n",
        "import numpy as np\nfrom torch.utils.data import DataLoader, Dataset, get_worker_info\n\n"
        "class Lazy(Dataset):\n    def __init__(self):\n        self.rng = np.random.default_rng()\n\n"
        "    def __getitem__(self, i):\n        if get_worker_info() is not None:\n"
        "            self.rng = np.random.default_rng(get_worker_info().seed)\n"
        "        return self.rng.normal()\n\nloader = DataLoader(Lazy(), num_workers=2)\n",
        "import numpy as np\nfrom torch.utils.data import DataLoader, Dataset\n\n"
        "class Plain(Dataset):\n    def __init__(self):\n        self.rng = np.random.default_rng(0)\n"
        "        self.noise = self.rng.normal(size=8)\n\n"
        "    def __getitem__(self, i):\n        return self.noise[i]\n\n"
        "loader = DataLoader(Plain(), num_workers=2)\n",
        "import albumentations as A\nimport torch\n\ndef main(args):\n"
        "    aug = A.Compose([A.HorizontalFlip()])\n    ds = Folder(args.root, transform=aug)\n"
        "    return torch.utils.data.DataLoader(ds, num_workers=0)\n",
    ]
    INVALID = [
        _BASE + "loader = DataLoader(Noisy(), num_workers=2)\n",
        _BASE + "import torch\n\ndef seed_worker(worker_id):\n"
        "    np.random.seed(torch.initial_seed() % 2**32)\n\n"
        "ds = Noisy()\nloader = DataLoader(ds, batch_size=4, num_workers=4, worker_init_fn=seed_worker)\n",
        "import random\nimport torch\nimport albumentations as A\n\n"
        "class Aug:\n    def __init__(self):\n        self.aug = A.Compose([A.HorizontalFlip(p=0.5)])\n\n"
        "    def __call__(self, image):\n        return self.aug(image=image)['image']\n\n"
        "class Images(torch.utils.data.Dataset):\n    def __init__(self, transform):\n"
        "        self.transform = transform\n\n    def __getitem__(self, i):\n"
        "        return self.transform(load(i))\n\n"
        "def main():\n    aug = Aug()\n    ds = Images(transform=aug)\n"
        "    return torch.utils.data.DataLoader(ds, num_workers=8)\n",
        "import torch\nfrom torch.utils.data import IterableDataset, DataLoader\n\n"
        "class Stream(IterableDataset):\n    def __init__(self):\n        self.g = torch.Generator()\n\n"
        "    def __iter__(self):\n        for _ in range(4):\n"
        "            yield torch.rand(1, generator=self.g)\n\n"
        "loader = DataLoader(Stream(), num_workers=2)\n",
        "import random\nfrom torch.utils.data import DataLoader, Dataset\n\n"
        "class Crop(Dataset):\n    def __init__(self):\n        self.r = random.Random(1)\n\n"
        "    def __getitem__(self, i):\n        return self._offset()\n\n"
        "    def _offset(self):\n        return self.r.randint(0, 4)\n\n"
        "loader = DataLoader(Crop(), num_workers=2)\n",
        "import albumentations as A\nimport torch\n\ndef main(args):\n"
        "    aug = A.Compose([A.HorizontalFlip()])\n    ds = Folder(args.root, transform=aug)\n"
        "    return torch.utils.data.DataLoader(ds, num_workers=args.workers)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        loaders = _worker_loaders(ctx)
        if not loaders:
            return
        for creation in ctx.facts.calls:
            attribute = self._rng_attribute(creation)
            if attribute is None or creation.class_name is None:
                continue
            roots = _methods(ctx, creation.class_name, _DRAW_METHODS)
            methods = {fn.qualname for fn in _worker_code(ctx, roots)}
            draws = [
                ctx.facts.calls[index]
                for name in sorted(methods)
                for index in ctx.facts.functions[name].calls
                if _draws_from(ctx.facts.calls[index], attribute)
            ]
            if not draws or _reseeds_itself(ctx, methods, attribute):
                continue
            loader = self._unreseeded_loader(ctx, loaders, creation.class_name, attribute)
            if loader is not None:
                yield self.at_call(
                    ctx,
                    creation,
                    f"`self.{attribute} = {creation.raw}(...)` in `{creation.class_name}` is "
                    f"copied with the same state into every worker of the DataLoader on line "
                    f"{loader.start.row}, so all workers (and all epochs) draw the same numbers "
                    f"(line {draws[0].start.row}); reseed `get_worker_info().dataset.{attribute}` "
                    "from `get_worker_info().seed` in a worker_init_fn",
                )
        yield from self._passed_in(ctx, loaders)

    def _passed_in(self, ctx: Context, loaders: List[Call]) -> Iterator[Diagnostic]:
        """albumentations ``Compose`` built into the dataset given to a worker loader."""
        reported: Set[int] = set()
        for loader in loaders:
            dataset = _kwarg_or_arg(loader, "dataset", 0)
            if dataset is None or _worker_init_reseeds(ctx, loader, "transform"):
                continue
            spans = _value_spans(ctx, dataset, loader.scope)
            for call in ctx.facts.calls:
                if call.qualname not in K.ALBUMENTATIONS_COMPOSE or call.index in reported:
                    continue
                if any(_within(call, span) for span in spans):
                    reported.add(call.index)
                    yield self.at_call(
                        ctx,
                        call,
                        f"`{call.raw}(...)` owns its own RNG (albumentations 2.x) and is copied "
                        "with the same state into every worker of the DataLoader on line "
                        f"{loader.start.row}, so all workers (and all epochs) apply the same "
                        "augmentations; reseed it per worker in a worker_init_fn (from "
                        "`get_worker_info().seed`)",
                    )

    @staticmethod
    def _rng_attribute(call: Call) -> Optional[str]:
        target = call.assigned_to or ""
        if (
            call.qualname in K.RNG_OBJECT_FACTORIES
            and call.scope.endswith(".__init__")
            and target.startswith("self.")
            and target.count(".") == 1
        ):
            return target[5:]
        return None

    @staticmethod
    def _unreseeded_loader(
        ctx: Context, loaders: List[Call], class_name: str, attribute: str
    ) -> Optional[Call]:
        for loader in loaders:
            dataset = _kwarg_or_arg(loader, "dataset", 0)
            if dataset is None or class_name not in _constructed(ctx, dataset, loader.scope):
                continue
            if not _worker_init_reseeds(ctx, loader, attribute):
                return loader
        return None


# --- TSL206 --------------------------------------------------------------------


def _is_range_loop(loop: Loop) -> bool:
    return (
        loop.iter is not None
        and loop.iter.kind == "call"
        and loop.iter.text.startswith("range(")
        and loop.target.isidentifier()
    )


class DistributedSamplerWithoutSetEpoch(Rule):
    """
    ## What it does
    Flags a shuffling `DistributedSampler` bound to a name and used for loading
    (passed as a `DataLoader`'s `sampler=`, or iterated in a loop) when the
    module never calls `.set_epoch(...)` on it (or on a loader or sampler that
    could be it).

    ## Why is this bad?
    `DistributedSampler` shuffles with its own generator seeded from
    `seed + epoch`, ignoring the global seed. Without `sampler.set_epoch(epoch)`
    the epoch stays 0: every epoch visits the data in exactly the same order.

    ## Example
    ```python
    sampler = DistributedSampler(dataset)
    loader = DataLoader(dataset, sampler=sampler)
    for epoch in range(10):
        for batch in loader:
            ...
    ```

    Use instead:
    ```python
    for epoch in range(10):
        sampler.set_epoch(epoch)
        for batch in loader:
            ...
    ```

    ## Fix safety
    Safe, and offered only when the epoch loop is evident: a
    `for <name> in range(...)` loop, in the sampler's scope, enclosing a loop over
    the loader that uses the sampler. `sampler.set_epoch(<name>)` becomes the
    loop's first statement. Otherwise there is no fix.

    ## Known limitations
    Any `.set_epoch(...)` call in the module whose receiver is not another
    sampler counts (`loader.sampler.set_epoch(epoch)`, accelerate's
    `loader.set_epoch`); a call in another module is not seen. Samplers stored on
    attributes or passed inline are not checked, nor modules using Lightning,
    which calls `set_epoch` itself.
    """

    code = "TSL206"
    name = "distributed-sampler-without-set-epoch"
    fix_safety = Applicability.SAFE
    VALID = [
        "from torch.utils.data.distributed import DistributedSampler\n"
        "sampler = DistributedSampler(ds)\nfor epoch in range(3):\n    sampler.set_epoch(epoch)\n"
        "    for batch in loader:\n        pass\n",
        "from torch.utils.data.distributed import DistributedSampler\n"
        "sampler = DistributedSampler(ds, shuffle=False)\n",
        "import torch\nsampler = torch.utils.data.DistributedSampler(ds)\n"
        "loader = torch.utils.data.DataLoader(ds, sampler=sampler)\n"
        "for epoch in range(3):\n    loader.sampler.set_epoch(epoch)\n",
        "from torch.utils.data.distributed import DistributedSampler\n"
        "sampler = DistributedSampler(ds, 2, 0, False)\n",
        "import lightning as L\nfrom torch.utils.data.distributed import DistributedSampler\n"
        "sampler = DistributedSampler(ds)\nloader = L.LightningDataModule(sampler=sampler)\n",
        "from torch.utils.data.distributed import DistributedSampler\n"
        "sampler = DistributedSampler(ds, drop_last=True)\nassert sampler.num_samples == 4\n",
    ]
    INVALID = [
        "import torch.utils.data as tud\nfrom torch.utils.data.distributed import DistributedSampler\n"
        "sampler = DistributedSampler(ds, num_replicas=2, rank=0)\n"
        "loader = tud.DataLoader(ds, sampler=sampler)\nfor epoch in range(3):\n"
        "    for batch in loader:\n        pass\n",
        "import torch\n\ndef train(ds):\n"
        "    s = torch.utils.data.distributed.DistributedSampler(ds, shuffle=True)\n"
        "    return torch.utils.data.DataLoader(ds, sampler=s)\n",
        "from torch.utils.data import DataLoader, DistributedSampler\n"
        "a = DistributedSampler(ds)\nb = DistributedSampler(ds)\nloader = DataLoader(ds, sampler=a)\n"
        "for e in range(2):\n    b.set_epoch(e)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if any(target.split(".")[0] in ("lightning", "pytorch_lightning")
               for target in ctx.facts.aliases.values()):
            return
        samplers = {
            call.assigned_to: call
            for call in ctx.facts.calls
            if K.data_name(call.qualname) == "DistributedSampler"
            and call.assigned_to is not None
            and "." not in call.assigned_to
            and self._shuffles(call)
        }
        others = {call.assigned_to for call in ctx.facts.calls
                  if K.data_name(call.qualname) == "DistributedSampler"}
        receivers = {call.receiver for call in ctx.facts.calls if call.method == "set_epoch"}
        used = {
            loader.kwargs["sampler"].text
            for loader in ctx.analysis.dataloaders()
            if "sampler" in loader.kwargs
        }
        used |= {name for loop in ctx.facts.loops if loop.iter is not None for name in loop.iter.names}
        for name, call in samplers.items():
            if name not in used or name in receivers or any(r not in others for r in receivers):
                continue
            yield self.at_call(
                ctx,
                call,
                f"`{name}` is a shuffling DistributedSampler, but `{name}.set_epoch(...)` is "
                "never called, so every epoch has the same order; call "
                f"`{name}.set_epoch(epoch)` at the start of each epoch",
                self._fix(ctx, name, call),
            )

    @staticmethod
    def _shuffles(call: Call) -> bool:
        shuffle = _kwarg_or_arg(call, "shuffle", 3)
        return shuffle is None or _literal_is(shuffle, True)

    @staticmethod
    def _fix(ctx: Context, name: str, sampler: Call) -> Optional[Fix]:
        loaders = {
            loader.assigned_to
            for loader in ctx.analysis.dataloaders()
            if loader.assigned_to and (loader.kwargs.get("sampler") or Expr("", "")).text == name
        }
        for loop in ctx.facts.loops:
            if loop.iter is None or not loaders & set(loop.iter.names):
                continue
            for parent_id in reversed(loop.parents):
                epoch_loop = ctx.facts.loops[parent_id]
                if not _is_range_loop(epoch_loop) or epoch_loop.body_start is None:
                    continue
                if sampler.scope not in ("", epoch_loop.scope):
                    return None
                start = epoch_loop.body_start
                indent = ctx.lines[start.row - 1][: start.column - 1]
                content = f"{indent}{name}.set_epoch({epoch_loop.target}){_line_ending(ctx, start.row)}"
                return Fix(Applicability.SAFE, f"Call `{name}.set_epoch({epoch_loop.target})` in the epoch loop",
                           (insertion(start.row, 1, content),))
        return None


# --- TSL207 --------------------------------------------------------------------

# Where each call takes ``generator`` positionally (0-based).
_GENERATOR_POSITION = {"random_split": 2, "SubsetRandomSampler": 1, "WeightedRandomSampler": 3}


class RandomSplitWithoutGenerator(Rule):
    """
    ## What it does
    Flags `random_split(...)`, `SubsetRandomSampler(...)` and
    `WeightedRandomSampler(...)` without `generator=`.

    ## Why is this bad?
    They draw from the global torch generator directly. The split (which
    samples end up in the validation set) or the sampling order then depends on
    everything that drew from the global RNG before: a new layer changes the
    validation set, and comparing two models' metrics becomes meaningless.

    ## Example
    ```python
    train, val = random_split(dataset, [0.9, 0.1])
    ```

    Use instead:
    ```python
    train, val = random_split(dataset, [0.9, 0.1],
                              generator=torch.Generator().manual_seed(SEED))
    ```

    ## Fix safety
    Unsafe: the fix picks a seed (the module's `SEED` if it defines one, else
    `0`), which changes the split. It is offered only when the module imports
    `torch`.

    ## Known limitations
    A `generator` passed through `**kwargs` is not seen. Off by default: a seeded
    global RNG is reproducible as long as the program does not change. A
    `random_split` in an entry point that never seeds torch is not reported: the
    split then changes every run, which is TSL101's finding.
    """

    code = "TSL207"
    name = "random-split-without-generator"
    default_enabled = False
    severity = "warning"
    fix_safety = Applicability.UNSAFE
    VALID = [
        "import torch\nfrom torch.utils.data import random_split\n"
        "a, b = random_split(ds, [8, 2], generator=torch.Generator().manual_seed(0))\n",
        "import torch\nfrom torch.utils.data import random_split\n"
        "a, b = random_split(ds, [8, 2], torch.Generator().manual_seed(0))\n",
        "from torch.utils.data import SequentialSampler\nsampler = SequentialSampler(ds)\n",
        "from sklearn.model_selection import train_test_split\na, b = train_test_split(x)\n",
        # An entry point that never seeds torch: TSL101's finding.
        "import torch\nfrom torch.utils.data import random_split\na, b = random_split(ds, [8, 2])\n",
    ]
    INVALID = [
        "from torch.utils.data import random_split\n\ndef split(ds):\n"
        "    return random_split(ds, [0.9, 0.1])\n",
        "import torch\nfrom torch.utils.data import random_split\ntorch.manual_seed(0)\n"
        "a, b = random_split(ds, [8, 2])\n",
        "import torch.utils.data as tud\nsampler = tud.SubsetRandomSampler(indices)\n",
        "from torch.utils.data.sampler import WeightedRandomSampler\n"
        "sampler = WeightedRandomSampler(weights, num_samples=10)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        unseeded = _unseeded_draws(ctx)
        for call in ctx.facts.calls:
            position = _GENERATOR_POSITION.get(K.data_name(call.qualname) or "")
            if position is None or _kwarg_or_arg(call, "generator", position) is not None:
                continue
            if call.index in unseeded:
                continue
            yield self.at_call(
                ctx,
                call,
                f"`{call.raw}(...)` draws from the global torch RNG, so its result depends "
                "on every earlier draw; pass `generator=torch.Generator().manual_seed(SEED)`",
                generator_fix(ctx, call),
            )


# --- TSL208 --------------------------------------------------------------------


class UnpicklableWorkerInitFn(Rule):
    """
    ## What it does
    Flags `DataLoader(worker_init_fn=...)` given a lambda or a nested function,
    when the loader has `num_workers > 0` and no `multiprocessing_context="fork"`.

    ## Why is this bad?
    Under the `spawn` and `forkserver` start methods (the default on macOS and
    Windows, and on Linux from Python 3.14) the worker_init_fn is pickled to
    reach the workers. Lambdas and nested functions cannot be pickled, so the
    script fails with `PicklingError`/`AttributeError: Can't pickle local object`
    on those platforms while it works on Linux with fork.

    ## Example
    ```python
    loader = DataLoader(ds, num_workers=4,
                        worker_init_fn=lambda i: np.random.seed(torch.initial_seed() % 2**32))
    ```

    Use instead:
    ```python
    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed() % 2**32)

    loader = DataLoader(ds, num_workers=4, worker_init_fn=seed_worker)
    ```

    ## Fix safety
    Safe, for a trivial lambda only: one line, plain positional parameters, and a
    body that reads nothing but its parameters, module-level names and builtins.
    It becomes a module-level `def _worker_init_fn(...)` inserted before the
    top-level statement holding the loader. Other lambdas and nested functions
    get no fix: moving them would change the names they close over (usually the
    enclosing function's locals), so that is left to the author.

    ## Known limitations
    Only lambdas written in the call and nested functions passed by name are
    recognised; a `functools.partial` of a nested function is not.
    """

    code = "TSL208"
    name = "unpicklable-worker-init-fn"
    fix_safety = Applicability.SAFE
    VALID = [
        "from torch.utils.data import DataLoader\n\ndef seed_worker(i):\n    pass\n\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
        "from torch.utils.data import DataLoader\n"
        "loader = DataLoader(ds, num_workers=0, worker_init_fn=lambda i: None)\n",
        "from torch.utils.data import DataLoader\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=lambda i: None, "
        "multiprocessing_context='fork')\n",
        "from torch.utils.data import DataLoader\n\ndef main(ds):\n"
        "    loader = DataLoader(ds, num_workers=2, worker_init_fn=make_init(3))\n",
    ]
    INVALID = [
        "import numpy as np\nfrom torch.utils.data import DataLoader\n"
        "loader = DataLoader(ds, num_workers=2, worker_init_fn=lambda i: np.random.seed(i))\n",
        "import torch\n\ndef make(ds, seed):\n    def init(worker_id):\n"
        "        torch.manual_seed(seed + worker_id)\n"
        "    return torch.utils.data.DataLoader(ds, num_workers=4, worker_init_fn=init)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for loader in _worker_loaders(ctx):
            expr = loader.kwargs.get("worker_init_fn")
            if expr is None:
                continue
            context = loader.kwargs.get("multiprocessing_context")
            if context is not None and context.kind == "literal" and context.value == "fork":
                continue
            fn = _worker_init_function(ctx, loader)
            if expr.kind == "lambda":
                what = "a lambda"
            elif fn is not None and fn.is_nested:
                what = f"the nested function `{fn.qualname}`"
            else:
                continue
            yield self.at_call(
                ctx,
                loader,
                f"worker_init_fn is {what}, which cannot be pickled: the DataLoader fails "
                "under the spawn/forkserver start methods (macOS, Windows, Python 3.14 on "
                "Linux); define it as a module-level function",
                self._fix(ctx, loader, expr) if expr.kind == "lambda" else None,
            )

    @staticmethod
    def _fix(ctx: Context, loader: Call, expr: Expr) -> Optional[Fix]:
        """Move a trivial lambda to a module-level function (see Fix safety)."""
        lambda_ = _trivial_lambda(ctx, expr)
        tops = ctx.facts.top_statements
        index = next((i for i, stmt in enumerate(tops)
                      if stmt.start_row <= loader.start.row <= stmt.end_row), None)
        if lambda_ is None or index is None or expr.start is None or expr.end is None:
            return None
        params, body = lambda_
        name = "_worker_init_fn"
        if name in _module_names(ctx):
            name = f"{name}_{loader.start.row}"
        nl = _line_ending(ctx, tops[index].start_row)
        definition = f"def {name}({params}):{nl}    return {body}{nl}"
        # Right after the previous top-level statement: before the blank lines,
        # comments and decorators that belong to the loader's statement.
        if index == 0:
            edit = insertion(1, 1, f"{definition}{nl}{nl}")
        else:
            edit = insertion(tops[index - 1].end_row + 1, 1, f"{nl}{nl}{definition}")
        return Fix(Applicability.SAFE, f"Move the lambda to a module-level function `{name}`",
                   (edit, Edit(name, expr.start, expr.end)))


def _module_names(ctx: Context) -> Set[str]:
    """Names bound at module level: imports, top-level functions, classes, assignments."""
    names = set(ctx.facts.aliases) | set(ctx.facts.classes)
    names |= {fn.name for fn in ctx.facts.functions.values() if fn.class_name is None
              and not fn.is_nested}
    names |= {assign.target for assign in ctx.facts.assigns if assign.scope == ""}
    return names


def _trivial_lambda(ctx: Context, expr: Expr) -> Optional[Tuple[str, str]]:
    """(parameters, body) of a one-line lambda that reads only module-level names."""
    if expr.start is None or expr.end is None or expr.start.row != expr.end.row:
        return None
    line = ctx.lines[expr.start.row - 1]
    text = line[expr.start.column - 1: expr.end.column - 1]
    try:
        # Parsing this one expression is the only way to tell its free names
        # from attribute names; it only happens for a reported lambda.
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Lambda):
        return None
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or args.posonlyargs:
        return None
    params = [arg.arg for arg in args.args]
    free = {
        child.id for child in ast.walk(node.body)
        if isinstance(child, ast.Name) and child.id not in params
    }
    if any(isinstance(child, (ast.Lambda, ast.comprehension, ast.NamedExpr))
           for child in ast.walk(node.body)):
        return None
    if not free <= _module_names(ctx) | set(dir(builtins)):
        return None
    body = ast.get_source_segment(text, node.body)
    return (", ".join(params), body) if body else None


# --- TSL209 --------------------------------------------------------------------


class DataLoaderOutOfOrder(Rule):
    """
    ## What it does
    Flags `DataLoader(in_order=False)`.

    ## Why is this bad?
    With `in_order=False` batches are returned as soon as any worker finishes
    one, so the batch order depends on timing; PyTorch's docstring warns it "can
    harm reproducibility".

    ## Example
    ```python
    loader = DataLoader(ds, num_workers=4, in_order=False)
    ```

    Use instead:
    ```python
    loader = DataLoader(ds, num_workers=4)
    ```

    ## Fix safety
    Safe: the fix removes `in_order=False` (and its comma); batches then come in
    sampler order, at worst a little later. No fix when a comment sits between
    the argument and the comma before it.

    ## Known limitations
    Only a literal `False` is reported. The claim is taken from PyTorch's
    docstring for `in_order`: the batch order depends on worker timing, which the
    test suite cannot reproduce reliably on a CPU machine, so no runnable proof
    ships with this rule.
    """

    code = "TSL209"
    name = "dataloader-out-of-order"
    default_enabled = False
    severity = "warning"
    fix_safety = Applicability.SAFE
    VALID = [
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds, num_workers=4)\n",
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds, num_workers=4, in_order=True)\n",
    ]
    INVALID = [
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds, num_workers=4, in_order=False)\n",
        "import torch\nloader = torch.utils.data.DataLoader(ds, in_order=False)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for loader in ctx.analysis.dataloaders():
            value = loader.kwargs.get("in_order")
            if value is None or not _literal_is(value, False):
                continue
            yield self.at_call(
                ctx,
                loader,
                "`in_order=False` returns batches in the order workers finish them, which "
                "depends on timing; drop the argument",
                self._fix(ctx, value),
            )

    @staticmethod
    def _fix(ctx: Context, value: Expr) -> Optional[Fix]:
        """Delete ``in_order=False`` with the comma after it, or else the one before it."""
        if value.start is None or value.end is None:
            return None
        offsets = line_offsets(ctx.source)
        start = to_offset(offsets, value.start, len(ctx.source))
        end = to_offset(offsets, value.end, len(ctx.source))
        keyword = re.search(r"in_order\s*=\s*$", ctx.source[:start])
        if keyword is None:
            return None
        start = keyword.start()
        after = re.match(r"\s*,[ \t]*", ctx.source[end:])
        before = re.search(r",\s*$", ctx.source[:start])
        if after is not None:
            end += after.end()
        elif before is not None:
            start = before.start()
        else:
            return None
        edit = Edit("", location_at(offsets, start), location_at(offsets, end))
        return Fix(Applicability.SAFE, "Remove `in_order=False`", (edit,))


# Words for the text screen (``torchseedlint.engine.screen``): the loader or sampler reported.
_LOADER = frozenset({"DataLoader"})
TRIGGERS = {
    "TSL201": _LOADER,
    "TSL202": _LOADER | {"RandomSampler"},
    "TSL203": _LOADER,
    "TSL204": _LOADER,
    "TSL205": _LOADER,
    "TSL206": frozenset({"DistributedSampler"}),
    "TSL207": frozenset(_GENERATOR_POSITION),
    "TSL208": _LOADER,
    "TSL209": _LOADER,
}
