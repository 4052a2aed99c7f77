"""TSL105–TSL111: seed values and seeding calls that do not do what they seem to."""

from __future__ import annotations

import re
from typing import Dict, Iterator, List, Optional, Set, Tuple

from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.semantic.facts import Call, Expr
from torchseedlint.edits.apply import insertion
from torchseedlint.rules.base import Rule
from torchseedlint.semantic.context import Context
from torchseedlint.edits.source_text import SourceText, replacement_rows
from torchseedlint.edits.seeding_block import reseed_value

# What a seed is drawn from, besides the entropy calls of ``knowledge``.
_ENTROPY = "entropy"

_BIT_GENERATORS = frozenset(
    f"numpy.random.{name}" for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
)
# Constructors of RNG objects that take a seed (None or absent: OS entropy).
_RNG_CONSTRUCTORS = frozenset(
    {"numpy.random.default_rng", "numpy.random.RandomState", "random.Random",
     "numpy.random.SeedSequence"}
) | _BIT_GENERATORS
_RNG_OBJECT_KINDS = {
    "torch.Generator": "torch",
    "random.Random": "seed",
    "numpy.random.RandomState": "seed",
}

# Methods that give an RNG object a new state (``rng.seed(s)``, ``rng.setstate(...)``).
_RESEEDING_METHODS = frozenset({"seed", "manual_seed", "setstate", "set_state", "__setstate__"})

# 64-bit seeds that NumPy's legacy seeding rejects once they reach 2**32.
_TORCH_64BIT_SEEDS = frozenset(
    {"torch.initial_seed", "torch.random.initial_seed", "torch.seed", "torch.random.seed"}
)
_WORKER_SEED = re.compile(r"\.seed\b(?!\s*\()")
_REDUCERS = ("%", "&", ">>")

_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "critical", "exception",
                          "log"})
_RECORD_METHODS = frozenset({"log_param", "log_params", "log_hyperparams", "add_hparams",
                             "add_text", "log_text", "log_dict", "write", "echo", "set_postfix"})
_TRACKERS = ("wandb.", "mlflow.", "comet_ml.", "neptune.", "clearml.", "aim.", "logging.")

# Starting child processes: they inherit ``os.environ``, so PYTHONHASHSEED set
# in-process does reach them.
_CHILD_PROCESS_PREFIXES = ("subprocess.", "os.exec", "os.spawn", "os.posix_spawn")
_CHILD_PROCESS_CALLS = frozenset(
    {"os.system", "os.popen", "multiprocessing.set_start_method", "multiprocessing.get_context",
     "torch.multiprocessing.set_start_method", "torch.multiprocessing.get_context",
     "torch.multiprocessing.spawn", "torch.multiprocessing.start_processes"}
)
_HASHSEED = "PYTHONHASHSEED"

# Building these draws nothing: the draw happens when they run or are iterated.
_LAZY_CONSUMERS = frozenset({"DataLoader", "RandomSampler"})
_LAZY_MODULES = frozenset({"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                           "FeatureAlphaDropout", "RReLU"})


# --- shared helpers -------------------------------------------------------------


def _label(call: Call) -> str:
    return f"`{call.raw}(...)`" if call.raw else f"`.{call.method}(...)`"


def _chain(ctx: Context, expr: Expr, scope: str, depth: int = 3) -> List[Tuple[Optional[str], Expr]]:
    """``expr`` and, transitively, the values last assigned to the names it reads
    (or to the attribute it is: ``opt.manualSeed = random.randint(...)``).

    Each entry is (name the value was assigned to, value); the first is (None, expr).
    Function parameters stop the search: their value comes from the caller, unless
    the function assigns them again (``seed = seed or random.randint(...)``).
    """
    function = ctx.facts.functions.get(scope)
    params = set(function.params) if function is not None else set()
    params -= {a.target for a in ctx.facts.assigns if a.scope == scope}
    found: List[Tuple[Optional[str], Expr]] = [(None, expr)]
    seen: Set[str] = set()
    frontier = [expr]
    for _ in range(depth):
        following = []
        for current in frontier:
            for name in _read_names(current):
                if name in seen or name in params:
                    continue
                seen.add(name)
                value = ctx.analysis.assigned_value(name, scope)
                if value is not None:
                    found.append((name, value))
                    following.append(value)
        frontier = following
    return found


def _read_names(expr: Expr) -> Tuple[str, ...]:
    """The names an expression reads, and the expression itself when it is an attribute."""
    return (expr.text, *expr.names) if expr.kind == "attribute" else expr.names


def _seed_argument_fix(ctx: Context, src: SourceText, call: Call, message: str,
                       applicability: Applicability) -> Optional[Fix]:
    """Write the seed value into a call that has none (``f()``) or passes ``None``."""
    value = reseed_value(ctx, call)
    seed = first_arg(call)
    if seed is not None and seed.kind == "none" and seed.start is not None and seed.end is not None:
        return Fix(applicability, message, (Edit(value, seed.start, seed.end),))
    if call.args or call.kwargs:
        return None
    text = src.span(call.start, call.end)
    opening = text.rfind("(")
    if opening < 0 or not text.endswith(")") or text[opening + 1:-1].strip():
        return None
    start = src.location(src.offset(call.start) + opening + 1)
    end = Location(call.end.row, call.end.column - 1)
    return Fix(applicability, message, (Edit(value, start, end),))


def _rng_object_kind(ctx: Context, receiver: Optional[str], scope: str) -> Optional[str]:
    """"torch" or "seed" when ``receiver`` holds a ``torch.Generator``/``Random``/``RandomState``."""
    if not receiver:
        return None
    values = [a.value for a in ctx.facts.assigns if a.target == receiver and (
        a.scope in (scope, "") or receiver.startswith("self."))]
    for value in reversed(values):
        for name in value.calls:
            if name in _RNG_OBJECT_KINDS:
                return _RNG_OBJECT_KINDS[name]
        return None
    return None


def _is_logging(call: Call) -> bool:
    if call.raw == "print":
        return True
    if (call.qualname or "").startswith(_TRACKERS) or call.method in _RECORD_METHODS:
        return True
    receiver = (call.receiver or "").lower()
    if call.method in _LOG_METHODS and "log" in receiver:
        return True
    return call.method == "update" and receiver.endswith("config")


def _logged_values(ctx: Context, scope: str) -> List[Expr]:
    """Values passed to print/logging/experiment trackers, or stored in a config
    (``wandb.config.seed = seed``), in ``scope`` or at module level."""
    values: List[Expr] = []
    for call in ctx.facts.calls:
        if call.scope in (scope, "") and _is_logging(call):
            values += [*call.args, *call.kwargs.values()]
    for assign in ctx.facts.assigns:
        parts = assign.target.split(".")
        if assign.scope in (scope, "") and "config" in parts[1:]:
            values.append(assign.value)
    return values


def _logged_names(ctx: Context, scope: str) -> Set[str]:
    """Names whose value is printed, logged or recorded (see ``_logged_values``)."""
    return {name for value in _logged_values(ctx, scope) for name in _read_names(value)}


def _result_logged(ctx: Context, call: Call) -> bool:
    """The value ``call`` returns is printed, logged or recorded: directly
    (``print(torch.seed())``) or through the name it is assigned to
    (``seed = torch.seed() % 2**32`` then ``log.info(seed)``)."""
    callee = call.qualname or call.raw
    if any(callee in value.calls for value in _logged_values(ctx, call.scope)):
        return True
    holders = {
        assign.target for assign in ctx.facts.assigns
        if assign.scope == call.scope and _within(call, assign.value)
    }
    return bool(holders & _logged_names(ctx, call.scope))


def _top_statement_rows(ctx: Context, row: int) -> range:
    """The rows of the top-level statement (function, class, ...) holding ``row``."""
    for statement in ctx.facts.top_statements:
        if statement.start_row <= row <= statement.end_row:
            return range(statement.start_row, statement.end_row + 1)
    return range(1, len(ctx.lines) + 1)


def _within(call: Call, expr: Expr) -> bool:
    if expr.start is None or expr.end is None:
        return False
    return (expr.start.row, expr.start.column) <= (call.start.row, call.start.column) and (
        (call.end.row, call.end.column) <= (expr.end.row, expr.end.column))


# --- TSL105 -----------------------------------------------------------------------


def _draw_rng(qualname: str) -> Optional[str]:
    """The RNG a call draws from, ``_ENTROPY`` for OS/time entropy, None for neither."""
    if K.is_pyrandom_consumer(qualname):
        return K.PYRANDOM
    if K.is_numpy_consumer(qualname):
        return K.NUMPY
    if K.is_torch_consumer(qualname):
        return K.TORCH
    return _ENTROPY if K.is_entropy_call(qualname) else None


class EntropySeed(Rule):
    """
    ## What it does
    Flags a seed derived from the clock, the process or the OS — `time.*`,
    `datetime.now()`, `os.urandom`, `uuid*`, `secrets.*`, `os.getpid()`,
    `hash(...)`, `torch.seed()` — or, in an entry point, from a draw of an RNG
    that is not seeded, when it is passed to a seeder (`torch.manual_seed`,
    `random.seed`, `np.random.seed`, seeding helpers), `Generator.manual_seed`
    or an RNG constructor (`np.random.default_rng(...)`, `random.Random(...)`).

    ## Why is this bad?
    Every run uses a different seed, so nothing is reproducible, and since the
    value is not recorded the one run you want to repeat cannot be.

    ## Example
    ```python
    import time
    import torch
    torch.manual_seed(int(time.time()))
    ```

    Use instead:
    ```python
    import torch
    SEED = 0  # or a command-line option
    torch.manual_seed(SEED)
    ```

    ## Known limitations
    A seed drawn from entropy into a variable that is then printed, logged
    (`logger.info`, `logging.*`) or recorded (`wandb.config`, `mlflow.log_param`,
    `add_hparams`, ...) in the same function or at module level is a logged
    sweep seed: the rule skips it (it is not downgraded). The order of the
    logging call and the seeding is not checked. `torch.initial_seed()` and
    `get_worker_info().seed` are not treated as entropy: inside a
    `worker_init_fn` they are the recommended recipe, and outside one they are
    reproducible once torch is seeded. In library modules only clock/OS entropy
    counts, not draws from an RNG (the caller may have seeded it). Values are
    followed through up to three assignments, by name, without control flow.
    """

    code = "TSL105"
    name = "entropy-seed"
    fix_hint = "use a fixed or configured seed, and log it"
    severity = "warning"
    VALID = [
        "import torch\nSEED = 0\ntorch.manual_seed(SEED)\n",
        "import time\nimport torch\nseed = int(time.time())\nprint(f'seed={seed}')\n"
        "torch.manual_seed(seed)\n",
        "import logging\nimport os\nimport random\nlog = logging.getLogger(__name__)\n"
        "seed = int.from_bytes(os.urandom(4), 'little')\nlog.info('seed %d', seed)\nrandom.seed(seed)\n",
        "import time\nimport wandb\nimport numpy as np\n\ndef main():\n"
        "    seed = time.time_ns() % 2**32\n    wandb.config.seed = seed\n    np.random.seed(seed)\n",
        "import random\nimport numpy as np\nimport torch\n\ndef seed_worker(worker_id):\n"
        "    worker_seed = torch.initial_seed() % 2**32\n    np.random.seed(worker_seed)\n"
        "    random.seed(worker_seed)\n",
        "import random\nimport torch\nrandom.seed(0)\ntorch.manual_seed(random.randint(0, 2**31))\n",
        "import torch\n\ndef set_seed(seed):\n    torch.manual_seed(seed)\n",
    ]
    INVALID = [
        "import time\nimport torch\ntorch.manual_seed(int(time.time()))\n",
        "import time as t\nimport random\nseed = int(t.time())\nrandom.seed(seed)\n",
        "from datetime import datetime\nimport numpy as np\n"
        "rng = np.random.default_rng(int(datetime.now().timestamp()))\n",
        "import os\nimport torch\ng = torch.Generator()\ng.manual_seed(os.getpid())\n",
        "import random\nimport torch\nseed = random.randint(0, 2**31)\ntorch.manual_seed(seed)\n",
        "import uuid\nfrom lightning import seed_everything\nseed_everything(uuid.uuid4().int % 1000)\n",
        "import secrets\nimport numpy as np\n\ndef setup():\n"
        "    np.random.seed(secrets.randbits(32))\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.facts.calls:
            seed = first_arg(call)
            if seed is None or not self._is_seeding(ctx, call):
                continue
            found = self._entropy(ctx, call, seed)
            if found is None:
                continue
            source, via_names = found
            if via_names and via_names & _logged_names(ctx, call.scope):
                continue
            yield self.at_call(
                ctx,
                call,
                f"seed of {_label(call)} comes from `{source}`: a different, unrecorded seed each run",
            )

    @staticmethod
    def _is_seeding(ctx: Context, call: Call) -> bool:
        qualname = call.qualname or ""
        if qualname in K.CUDA_ONLY_SEEDERS or qualname in _RNG_CONSTRUCTORS:
            return True
        if call.method == "manual_seed":
            return True
        return bool(ctx.analysis.call_seeds(call) - {K.DETERMINISM})

    def _entropy(self, ctx: Context, call: Call, seed: Expr) -> Optional[Tuple[str, Set[str]]]:
        """(the entropy source, the names it flows through) or None."""
        for name, value in _chain(ctx, seed, call.scope):
            for callee in value.calls:
                rng = _draw_rng(callee)
                if rng == _ENTROPY or (rng is not None and ctx.is_entry_point
                                       and not self._seeded_elsewhere(ctx, rng, call)):
                    chain_names = {n for n, _ in _chain(ctx, seed, call.scope) if n}
                    return callee, (chain_names if name is not None else set())
        return None

    @staticmethod
    def _seeded_elsewhere(ctx: Context, rng: str, call: Call) -> bool:
        return any(
            rng in event.rngs and event.call.index != call.index
            and not event.randomizing and not event.entropic
            for event in ctx.analysis.seed_events()
        )


# --- TSL106 -----------------------------------------------------------------------


class RandomizingSeedCall(Rule):
    """
    ## What it does
    Flags calls that reseed an RNG from OS entropy: `torch.seed()`,
    `torch.random.seed()`, `torch.cuda.seed()`, `torch.cuda.seed_all()`,
    `<torch.Generator>.seed()`, `random.seed()`/`random.seed(None)`,
    `np.random.seed()`/`np.random.seed(None)`, and helpers for which `None`
    means a random seed (detectron2 `seed_all_rng`, mmengine
    `set_random_seed`, with no seed or `None`; MONAI `set_determinism` with
    `seed=None`: without a seed it uses a fixed default).

    ## Why is this bad?
    The name says "seed", but the call picks a fresh random seed: it undoes any
    earlier `manual_seed` and makes everything after it differ between runs.

    ## Example
    ```python
    import torch
    torch.manual_seed(0)
    torch.seed()
    ```

    Use instead:
    ```python
    import torch
    torch.manual_seed(0)
    ```

    ## Fix safety
    Unsafe: the fix writes an explicit seed, and so picks a value: the program's
    seed where it is in scope (`args.seed`), else the module's `SEED` constant if
    it defines one, else `0`; inside a loop, plus the loop variable
    (`np.random.seed(args.seed + epoch)`), so that a per-epoch reseed still
    differs every epoch. `torch.seed()` returns the new
    seed while `torch.manual_seed` returns a generator, so calls whose result is
    used are not fixed.

    ## Known limitations
    `<obj>.seed()` is recognised only when `obj` was assigned a
    `torch.Generator(...)`, `random.Random(...)` or `np.random.RandomState(...)`
    in the same function, at module level, or as `self.<attr>`. Lightning's
    `seed_everything(None)` is not flagged: since Lightning 2.2 it uses seed 0.
    A call whose returned seed is printed, logged or recorded (`seed =
    torch.seed()` then `print(seed)`, `logger.info(...)`, `wandb.config`, ...) in
    the same function or at module level is the "random but recorded" pattern,
    as for TSL105, and is not reported; the order of the two is not checked.
    """

    code = "TSL106"
    name = "randomizing-seed-call"
    fix_hint = "pass an explicit seed, or print or log the seed `torch.seed()` returns"
    fix_safety = Applicability.UNSAFE
    VALID = [
        "import torch\ntorch.manual_seed(0)\n",
        "import random\nrandom.seed(42)\n",
        "import numpy as np\n\ndef f(seed):\n    np.random.seed(seed)\n",
        "import torch\ng = torch.Generator()\ng.manual_seed(3)\n",
        "import gym\nenv = gym.make('CartPole-v1')\nenv.seed()\n",
        "from lightning import seed_everything\nseed_everything()\n",
        "from monai.utils import set_determinism\nset_determinism()\n",
        "import torch\nseed = torch.seed()\nprint(f'seed: {seed}')\n",
        "import logging\nimport torch\nlog = logging.getLogger(__name__)\n\ndef main():\n"
        "    seed = torch.seed() % 2**32\n    log.info('seed %d', seed)\n",
        "import torch\nimport wandb\ng = torch.Generator()\nwandb.config.seed = g.seed()\n",
    ]
    INVALID = [
        "import torch\ntorch.manual_seed(0)\ntorch.seed()\n",
        "import torch\nseed = torch.seed()\nprint('seeded')\n",
        "import torch as T\nT.random.seed()\n",
        "import torch\ntorch.cuda.seed_all()\n",
        "import random\nrandom.seed()\n",
        "import numpy as np\nnp.random.seed(None)\n",
        "from numpy import random as npr\nnpr.seed()\n",
        "import torch\ng = torch.Generator()\ng.seed()\n",
        "from detectron2.utils.env import seed_all_rng\nseed_all_rng(None)\n",
        "from monai.utils import set_determinism\nset_determinism(seed=None)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call, fix in self._randomizing_calls(ctx, SourceText(ctx.source)):
            # ``seed = torch.seed()`` then ``print(seed)``: random but recorded.
            if not _result_logged(ctx, call):
                yield self._report(ctx, call, fix)

    def _randomizing_calls(self, ctx: Context, src: SourceText) -> Iterator[Tuple[Call, Optional[Fix]]]:
        for call in ctx.facts.calls:
            qualname = call.qualname or ""
            if qualname in K.RANDOMIZING_CALLS or (
                qualname.startswith("torch.") and qualname.endswith("default_generator.seed")
            ):
                yield call, self._manual_seed_fix(ctx, src, call, call.raw)
            elif qualname in K.RANDOM_WITHOUT_SEED or qualname in K.HELPERS_RANDOM_ON_NONE:
                if K.seeds_randomly(qualname, first_arg(call)):
                    yield call, self._fill_fix(ctx, src, call)
            elif call.method == "seed" and not call.args and not call.kwargs:
                kind = _rng_object_kind(ctx, call.receiver, call.scope)
                if kind == "torch":
                    yield call, self._manual_seed_fix(ctx, src, call, call.raw)
                elif kind == "seed":
                    yield call, self._fill_fix(ctx, src, call)

    def _report(self, ctx: Context, call: Call, fix: Optional[Fix]) -> Diagnostic:
        return self.at_call(
            ctx,
            call,
            f"{_label(call)} reseeds from OS entropy: every later draw differs between runs",
            fix,
        )

    def _fill_fix(self, ctx: Context, src: SourceText, call: Call) -> Optional[Fix]:
        return _seed_argument_fix(ctx, src, call, "Pass an explicit seed", Applicability.UNSAFE)

    @staticmethod
    def _manual_seed_fix(ctx: Context, src: SourceText, call: Call, raw: Optional[str]) -> Optional[Fix]:
        # ``torch.seed()`` -> ``torch.manual_seed(SEED)``: only for a bare statement,
        # since the two return different things.
        if not raw or "." not in raw or not src.standalone_call(call):
            return None
        head, _, leaf = raw.rpartition(".")
        if leaf not in ("seed", "seed_all"):
            return None
        content = f"{head}.manual_{leaf}({reseed_value(ctx, call)})"
        return Fix(Applicability.UNSAFE, f"Replace with `{content}`", (Edit(content, call.start, call.end),))


# --- TSL107 -----------------------------------------------------------------------


class SeedAfterRngUse(Rule):
    """
    ## What it does
    Flags a seeding call that comes after, in the same function (or at module
    level), a call that already drew from the RNG it seeds: a model built, a
    `random_split`, `torch.rand`, `random.shuffle` or `np.random.*` draw before
    `torch.manual_seed`/`random.seed`/`np.random.seed` or a seeding helper.

    ## Why is this bad?
    The draws before the seed are not covered by it: the model's initial
    weights (or the split, or the shuffled list) differ on every run even though
    the script "sets the seed".

    ## Example
    ```python
    import torch
    model = torch.nn.Linear(4, 2)
    torch.manual_seed(0)
    ```

    Use instead:
    ```python
    import torch
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    ```

    ## Fix safety
    Unsafe: the fix moves the seeding line above the first consumer's
    statement, which changes every value drawn in between. It is offered only
    when the seeding call is a statement on its own line, the consumer's
    statement starts a line in the same block, and no name the seed reads is
    assigned in between.

    ## Known limitations
    Only the first seeding of each RNG in a scope counts; branches are not
    told apart (a draw in an `if` before a seed in the `else` is reported), and
    a draw inside a `lambda` counts where the lambda is written. Building a
    `DataLoader`, a `RandomSampler` or a dropout module draws nothing and is not
    a consumer here, nor is training (`loss.backward()`, `optimizer.step()`):
    a deliberate reseed after a training loop (before sampling or evaluation)
    is common, and the model was built, and seeded, elsewhere. Draws made to
    compute the seed itself (`seed = random.randint(...)`, `opt.manualSeed =
    random.randint(...)`, followed through up to three assignments) are
    TSL105's business, not this rule's. A seeding call passed as a generator
    (`pipe(prompt, generator=torch.manual_seed(0))`, the diffusers idiom) seeds
    that call's draws, not the program, and is not checked.
    """

    code = "TSL107"
    name = "seed-after-rng-use"
    fix_hint = "seed before the first draw"
    fix_safety = Applicability.UNSAFE
    VALID = [
        # A parameter given a random value when missing, recorded, then used to seed.
        "import random\n\ndef check_seed(seed):\n    seed = seed or random.randint(1, 10000)\n"
        "    random.seed(seed)\n    print(seed)\n",
        "import torch\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(4, 2)\n",
        "import torch\nimport random\nx = torch.rand(2)\nrandom.seed(0)\n",
        "import torch\nfrom torch.utils.data import DataLoader\nloader = DataLoader([1, 2], shuffle=True)\n"
        "torch.manual_seed(0)\n",
        "import torch\nmodel = torch.nn.Dropout(0.1)\ntorch.manual_seed(0)\n",
        "import random\nseed = random.randint(0, 100)\nrandom.seed(seed)\n",
        "import torch\n\ndef build():\n    return torch.nn.Linear(2, 2)\n\ntorch.manual_seed(0)\n",
        "import numpy as np\nimport torch\n\ndef main():\n    np.random.seed(0)\n"
        "    x = np.random.rand(3)\n    torch.manual_seed(1)\n",
        "import torch\n\ndef train(model, loader, optimizer):\n    for x in loader:\n"
        "        model(x).sum().backward()\n        optimizer.step()\n    torch.manual_seed(0)\n",
        "import random\nimport torch\n\ndef main(opt):\n    if opt.manualSeed is None:\n"
        "        opt.manualSeed = random.randint(1, 10000)\n    print('Random Seed: ', opt.manualSeed)\n"
        "    random.seed(opt.manualSeed)\n    torch.manual_seed(opt.manualSeed)\n",
        "import torch\nfrom diffusers import DiffusionPipeline\nnoise = torch.randn(4)\n"
        "pipe = DiffusionPipeline.from_pretrained('x')\n"
        "image = pipe('a cat', generator=torch.manual_seed(0))\n",
    ]
    INVALID = [
        "import torch\nmodel = torch.nn.Linear(4, 2)\ntorch.manual_seed(0)\n",
        "import torch.nn as nn\nimport torch as T\n\ndef main():\n    net = nn.Conv2d(1, 1, 3)\n"
        "    T.manual_seed(0)\n",
        "import random\nitems = [1, 2, 3]\nrandom.shuffle(items)\nrandom.seed(0)\n",
        "import numpy as np\nnoise = np.random.randn(3)\nnp.random.seed(0)\n",
        "import torch\nfrom lightning import seed_everything\nw = torch.randn(3)\nseed_everything(1)\n",
        "import torch\nfrom torch.utils.data import random_split\n"
        "train, val = random_split(range(10), [8, 2])\ntorch.manual_seed(0)\n",
        "import random\nimport torch\n\ndef main(opt):\n    opt.manualSeed = random.randint(1, 10000)\n"
        "    items = random.sample(range(9), 3)\n    random.seed(opt.manualSeed)\n",
        "import torch\nnoise = torch.randn(4)\ntorch.manual_seed(0)\n"
        "image = pipe('a cat', generator=torch.manual_seed(0))\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        consumers = {
            K.TORCH: [c for c in ctx.analysis.torch_consumers(imported=False) if not _lazy(c)],
            K.PYRANDOM: ctx.analysis.pyrandom_consumers(imported=False),
            K.NUMPY: ctx.analysis.numpy_consumers(imported=False),
        }
        late: Dict[int, List[Tuple[str, Call]]] = {}
        for (scope, rng), seed_call in self._first_seeds(ctx).items():
            excluded = self._seed_inputs(ctx, seed_call)
            early = [
                c for c in consumers[rng]
                if c.scope == scope and (c.start.row, c.start.column) < (
                    seed_call.start.row, seed_call.start.column)
                and c.start.row not in excluded
            ]
            if early:
                first = min(early, key=lambda c: (c.start.row, c.start.column))
                late.setdefault(seed_call.index, []).append((rng, first))
        src = SourceText(ctx.source)
        for index in sorted(late):
            seed_call = ctx.facts.calls[index]
            found = sorted(late[index], key=lambda item: (item[1].start.row, item[1].start.column))
            first = found[0][1]
            rngs = " and ".join(K.RNG_LABELS[rng] for rng, _ in found)
            yield self.at_call(
                ctx,
                seed_call,
                f"{_label(seed_call)} seeds {rngs} after {_label(first)} drew from it "
                f"(line {first.start.row})",
                self._fix(ctx, src, seed_call, first),
            )

    @staticmethod
    def _first_seeds(ctx: Context) -> Dict[Tuple[str, str], Call]:
        first: Dict[Tuple[str, str], Call] = {}
        generators = [c.kwargs["generator"] for c in ctx.facts.calls if "generator" in c.kwargs]
        for call in ctx.facts.calls:
            seed = first_arg(call)
            randomizing = seed is None or seed.kind == "none"
            if randomizing and call.qualname in ("random.seed", "numpy.random.seed"):
                continue  # TSL106
            if any(_within(call, generator) for generator in generators):
                # ``pipe(prompt, generator=torch.manual_seed(0))``: a seeded generator
                # for that call, not the program's seeding.
                continue
            for rng in ctx.analysis.call_seeds(call) - {K.DETERMINISM}:
                key = (call.scope, rng)
                if key not in first or (call.start.row, call.start.column) < (
                    first[key].start.row, first[key].start.column
                ):
                    first[key] = call
        return first

    @staticmethod
    def _seed_inputs(ctx: Context, seed_call: Call) -> Set[int]:
        """Rows that compute the seed: the call itself and assignments to what it reads."""
        rows = set(range(seed_call.start.row, seed_call.end.row + 1))
        seed = first_arg(seed_call)
        if seed is not None:
            names = {n for n, _ in _chain(ctx, seed, seed_call.scope) if n}
            rows.update(a.start.row for a in ctx.facts.assigns
                        if a.target in names and a.scope == seed_call.scope)
        return rows

    @staticmethod
    def _fix(ctx: Context, src: SourceText, seed_call: Call, consumer: Call) -> Optional[Fix]:
        if not src.standalone_call(seed_call):
            return None
        target = src.statement_start(consumer.start.row)
        if target is None or src.indentation(target) != src.indentation(seed_call.start.row):
            return None
        indent = len(src.indentation(target))
        between = [row for row in src.logical_lines() if target < row < seed_call.start.row]
        if any(len(src.indentation(row)) < indent for row in between):
            return None  # the block ends in between
        seed = first_arg(seed_call)
        read = set(seed.names) if seed is not None else set()
        if any(a.target in read and target <= a.start.row < seed_call.start.row
               for a in ctx.facts.assigns):
            return None
        row = seed_call.start.row
        moved = replacement_rows(src.lines, row)
        return Fix(
            Applicability.UNSAFE,
            f"Move the seeding above line {target}",
            (insertion(target, 1, moved), Edit("", Location(row, 1), Location(row + 1, 1))),
        )


def _lazy(call: Call) -> bool:
    """Building it draws nothing; the draw happens when it is iterated or run."""
    leaf = (call.qualname or "").rsplit(".", 1)[-1]
    if K.data_name(call.qualname) in _LAZY_CONSUMERS:
        return True
    return (call.qualname or "").startswith("torch.nn.") and leaf in _LAZY_MODULES and (
        not (call.qualname or "").startswith("torch.nn.functional.")
    )


# --- TSL108 -----------------------------------------------------------------------


class CudaOnlySeed(Rule):
    """
    ## What it does
    Flags `torch.cuda.manual_seed(...)` / `torch.cuda.manual_seed_all(...)`
    when torch's CPU generator is not seeded: no `torch.manual_seed` (or
    seeding helper) in the same function, and none anywhere the module runs.

    ## Why is this bad?
    The CUDA seeders seed only the GPU generators. Weight initialisation,
    `random_split`, samplers and the DataLoader's worker base seed draw from
    the CPU generator, which stays seeded from OS entropy: two runs differ.
    On a machine without a GPU the call does nothing at all.

    ## Example
    ```python
    import torch
    torch.cuda.manual_seed_all(0)
    model = torch.nn.Linear(4, 2)
    ```

    Use instead:
    ```python
    import torch
    torch.manual_seed(0)  # seeds the CPU and every CUDA device
    model = torch.nn.Linear(4, 2)
    ```

    ## Fix safety
    Safe: the fix inserts `torch.manual_seed(<same argument>)` on the line
    before, which pins values that were random. It is offered when the CUDA
    call is a statement on its own line and its argument calls nothing (it is
    evaluated twice).

    ## Known limitations
    A `torch.manual_seed` in another function that runs first is not seen
    unless the module reaches it from module level. The runnable proof shows
    the CPU generator left unseeded on a CPU-only machine; that the CUDA
    generators themselves do get seeded could not be shown on CPU.
    """

    code = "TSL108"
    name = "cuda-only-seed"
    fix_hint = "call `torch.manual_seed`, which seeds the CPU generator and every device"
    fix_safety = Applicability.SAFE
    VALID = [
        "import torch\ntorch.manual_seed(0)\ntorch.cuda.manual_seed_all(0)\n",
        "import torch\n\ndef set_seed(s):\n    torch.cuda.manual_seed(s)\n    torch.manual_seed(s)\n",
        "import torch\nfrom lightning import seed_everything\nseed_everything(0)\n"
        "torch.cuda.manual_seed(0)\n",
    ]
    INVALID = [
        "import torch\ntorch.cuda.manual_seed_all(0)\nx = torch.rand(2)\n",
        "import random\nimport numpy as np\nimport torch\n\ndef set_seed(s):\n"
        "    random.seed(s)\n    np.random.seed(s)\n    torch.cuda.manual_seed_all(s)\n",
        "from torch import cuda\ncuda.manual_seed(1)\n",
        "import torch as T\n\nif __name__ == '__main__':\n    T.cuda.manual_seed(7)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if ctx.analysis.seeded(K.TORCH):
            return
        seeding_scopes = {c.scope for c in ctx.facts.calls if K.TORCH in ctx.analysis.call_seeds(c)}
        src = SourceText(ctx.source)
        for call in ctx.facts.calls:
            if call.qualname in K.CUDA_ONLY_SEEDERS and call.scope not in seeding_scopes:
                yield self.at_call(
                    ctx,
                    call,
                    f"{_label(call)} seeds only the CUDA generators; the CPU generator stays "
                    f"unseeded",
                    self._fix(ctx, src, call),
                )

    @staticmethod
    def _fix(ctx: Context, src: SourceText, call: Call) -> Optional[Fix]:
        seed = first_arg(call)
        torch_name = _torch_name(ctx, call)
        if seed is None or seed.calls or torch_name is None or not src.standalone_call(call):
            return None
        if seed.start is None or seed.end is None:
            return None
        argument = src.span(seed.start, seed.end)
        if "\n" in argument:
            return None
        row = call.start.row
        content = f"{src.indentation(row)}{torch_name}.manual_seed({argument})\n"
        return Fix(Applicability.SAFE, f"Add `{torch_name}.manual_seed({argument})`", (insertion(row, 1, content),))


def _torch_name(ctx: Context, call: Call) -> Optional[str]:
    """How ``call`` names ``torch`` (``torch.cuda.x``), else how the module does, if at all."""
    raw = call.raw or ""
    head = raw.split(".cuda.")[0] if ".cuda." in raw else None
    if head and ctx.facts.resolve(head) == "torch":
        return head
    return ctx.facts.name_of_module("torch")


# --- TSL109 -----------------------------------------------------------------------


class UnseededRngObject(Rule):
    """
    ## What it does
    Flags RNG objects created without a seed (or with `None`):
    `np.random.default_rng()`, `np.random.RandomState()`, `random.Random()`,
    `np.random.SeedSequence()`, and bit generators such as
    `np.random.PCG64()` (so `np.random.Generator(PCG64())` too).

    ## Why is this bad?
    They are seeded from OS entropy, independently of `torch.manual_seed`,
    `random.seed` and `np.random.seed`: everything drawn from them differs
    between runs however well the script seeds the global RNGs.

    ## Example
    ```python
    import numpy as np
    rng = np.random.default_rng()
    ```

    Use instead:
    ```python
    import numpy as np
    SEED = 0
    rng = np.random.default_rng(SEED)
    ```

    ## Fix safety
    Unsafe: the fix passes a seed, and so picks a value: the program's seed where
    it is in scope (`args.seed`), else the module's `SEED` constant if it defines
    one, else `0`; inside a loop, plus the loop variable.

    ## Known limitations
    A `torch.Generator()` is not flagged: its default seed is fixed
    (67280421310721), so it is reproducible, if shared by every unseeded
    generator. A seed held in a variable that may be `None` at run time
    (`default_rng(args.seed)`) is not flagged, nor is an object assigned to a
    name that is given a state elsewhere in the module (`self.rng = Random()`
    with `self.rng.seed(s)` or `.setstate(...)` in another method), that is
    never read (uses are found in the text of the function, or of the module
    for `self.<attr>` and an entry point's globals), or that is assigned again
    before it is read (`self.rng = default_rng()` then `self.rng =
    default_rng(seed)`). Branches are not told apart, and methods are taken in
    the order they are written.
    """

    code = "TSL109"
    name = "unseeded-rng-object"
    fix_hint = "pass a seed derived from the run's seed"
    severity = "warning"
    fix_safety = Applicability.UNSAFE
    VALID = [
        "import numpy as np\nrng = np.random.default_rng(0)\n",
        "import random\nSEED = 3\nr = random.Random(SEED)\n",
        "import torch\ng = torch.Generator()\n",
        "import numpy as np\n\ndef make(seed=None):\n    return np.random.default_rng(seed)\n",
        "from numpy.random import Generator, PCG64\ng = Generator(PCG64(12345))\n",
        "import random\n\nclass Shuffler:\n    def __init__(self):\n        self.rng = random.Random()\n\n"
        "    def reset(self, seed):\n        self.rng.seed(seed)\n",
        "import numpy as np\n\ndef main():\n    rng = np.random.default_rng()\n    return 1\n",
        "import numpy as np\n\nclass Env:\n    def __init__(self, seed):\n"
        "        self.rng = np.random.default_rng()\n        self.rng = np.random.default_rng(seed)\n\n"
        "    def step(self):\n        return self.rng.random()\n",
    ]
    INVALID = [
        "import numpy as np\nrng = np.random.default_rng()\nx = rng.normal()\n",
        "import numpy\nstate = numpy.random.RandomState(None)\nstate.shuffle([1, 2])\n",
        "import random\n\ndef pick(items):\n    r = random.Random()\n    return r.choice(items)\n",
        "from numpy.random import Generator, PCG64\ng = Generator(PCG64())\nprint(g.random())\n",
        "from numpy.random import default_rng as mk\n\nclass DS:\n    def __init__(self):\n"
        "        self.rng = mk(seed=None)\n\n    def __getitem__(self, i):\n"
        "        return self.rng.random()\n",
        "import numpy as np\n\ndef noise():\n    rng = np.random.default_rng()\n"
        "    x = rng.random()\n    rng = np.random.default_rng(0)\n    return x\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        src = SourceText(ctx.source)
        for call in ctx.facts.calls:
            if call.qualname not in _RNG_CONSTRUCTORS:
                continue
            keyword = "entropy" if call.qualname == "numpy.random.SeedSequence" else "seed"
            seed = call.args[0] if call.args else call.kwargs.get(keyword, call.kwargs.get("x"))
            if (seed is not None and seed.kind != "none") or self._seeded_later(ctx, call):
                continue
            if not self._drawn_from(ctx, call):
                continue
            yield self.at_call(
                ctx,
                call,
                f"{_label(call)} without a seed is seeded from OS entropy, not the global seeds",
                _seed_argument_fix(ctx, src, call, "Pass a seed", Applicability.UNSAFE),
            )

    @staticmethod
    def _drawn_from(ctx: Context, call: Call) -> bool:
        """Whether the object may be drawn from: False when the name it is assigned
        to is never read, or is assigned again before any read (``self.rng =
        default_rng()`` then ``self.rng = default_rng(seed)``). Reads are found in
        the text (comments and strings count: when in doubt, it is used)."""
        holder = next((a for a in ctx.facts.assigns if a.value.kind == "call"
                       and _within(call, a.value)), None)
        if holder is None:
            return True  # passed, returned or used in place
        name = holder.target
        rows: Optional[range] = None  # where reads may be; None: the whole module
        if name.startswith("self.") and name.count(".") == 1:
            # ``<anything>.rng``: another object's ``rng`` may be this one.
            pattern, target_offset = rf"\.{re.escape(name[5:])}(?!\w)", len("self")
        elif "." not in name and (holder.scope or ctx.is_entry_point):
            pattern, target_offset = rf"(?<![\w.]){re.escape(name)}(?!\w)", 0
            if holder.scope:
                rows = _top_statement_rows(ctx, holder.start.row)
        else:
            return True  # a module attribute other modules may import, or ``obj.attr``
        this = (holder.start.row, holder.start.column)
        replacements = {(a.start.row, a.start.column) for a in ctx.facts.assigns
                        if a.target == name and not re.search(pattern, " " + a.value.text)}
        for row in rows or range(1, len(ctx.lines) + 1):
            for found in re.finditer(pattern, ctx.lines[row - 1]):
                where = (row, found.start() + 1 - target_offset)
                if where == this or (where in replacements and where < this):
                    continue
                # Replaced before any read after it: the object is never drawn from.
                return where not in replacements
        return False

    @staticmethod
    def _seeded_later(ctx: Context, call: Call) -> bool:
        """``self.rng = Random()`` as a placeholder: ``self.rng.seed(s)``/``setstate`` elsewhere."""
        target = call.assigned_to
        return target is not None and any(
            other.receiver == target and other.method in _RESEEDING_METHODS and other.args
            for other in ctx.facts.calls
        )


# --- TSL110 -----------------------------------------------------------------------


class NumpySeedOverflow(Rule):
    """
    ## What it does
    Flags `np.random.seed(x)` and `np.random.RandomState(x)` where `x` comes
    from a 64-bit seed — `torch.initial_seed()`, `get_worker_info().seed`,
    `torch.seed()` — directly or through variables, with no `% 2**32` or
    32-bit mask (`& 0xFFFFFFFF`, `>> 32`) on the way.

    ## Why is this bad?
    NumPy's legacy seeding requires `0 <= x < 2**32`. Inside a DataLoader worker
    (and in any process that did not call `torch.manual_seed` with a small
    value) the torch seed is a random 64-bit integer, so the call raises
    `ValueError: Seed must be between 0 and 2**32 - 1` in every worker. After
    `torch.manual_seed(0)` it "works" in the main process, which hides the bug.

    ## Example
    ```python
    import numpy as np
    import torch

    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed())
    ```

    Use instead:
    ```python
    import numpy as np
    import torch

    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed() % 2**32)
    ```

    ## Fix safety
    Safe: `% 2**32` keeps every seed that was accepted unchanged and maps the
    others into range.

    ## Known limitations
    Any `%`, `&` or `>>` on the way counts as a reduction, whatever its operand.
    """

    code = "TSL110"
    name = "numpy-seed-overflow"
    fix_hint = "reduce the seed with `% 2**32`"
    fix_safety = Applicability.SAFE
    VALID = [
        "import numpy as np\nimport torch\nnp.random.seed(torch.initial_seed() % 2**32)\n",
        "import numpy as np\nimport torch\n\ndef seed_worker(worker_id):\n"
        "    worker_seed = torch.initial_seed() % 2**32\n    np.random.seed(worker_seed)\n",
        "import numpy as np\nfrom torch.utils.data import get_worker_info\n\ndef init(i):\n"
        "    np.random.seed(get_worker_info().seed & 0xFFFFFFFF)\n",
        "import numpy as np\nimport torch\nrng = np.random.default_rng(torch.initial_seed())\n",
        "import numpy as np\nnp.random.seed(1234)\n",
    ]
    INVALID = [
        "import numpy as np\nimport torch\n\ndef seed_worker(worker_id):\n"
        "    np.random.seed(torch.initial_seed())\n",
        "import numpy as np\nimport torch\n\ndef seed_worker(worker_id):\n"
        "    s = torch.initial_seed()\n    np.random.seed(s)\n",
        "import numpy as onp\nimport torch.utils.data as tud\n\ndef init(i):\n"
        "    info = tud.get_worker_info()\n    onp.random.seed(info.seed)\n",
        "import numpy as np\nimport torch\nstate = np.random.RandomState(torch.seed())\n",
        "from numpy.random import seed\nfrom torch.utils.data import get_worker_info\n\n"
        "def init(i):\n    seed(get_worker_info().seed + i)\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.facts.calls:
            if call.qualname not in ("numpy.random.seed", "numpy.random.RandomState"):
                continue
            seed = first_arg(call)
            if seed is None:
                continue
            chain = [value for _, value in _chain(ctx, seed, call.scope)]
            if not self._is_64bit(chain) or any(r in v.text for v in chain for r in _REDUCERS):
                continue
            yield self.at_call(
                ctx,
                call,
                f"{_label(call)} is given a 64-bit torch seed: ValueError when it is >= 2**32",
                self._fix(seed),
            )

    @staticmethod
    def _is_64bit(chain: List[Expr]) -> bool:
        calls = {name for value in chain for name in value.calls}
        if calls & _TORCH_64BIT_SEEDS:
            return True
        worker_info = any(name.startswith("torch.") and name.endswith(".get_worker_info")
                          for name in calls)
        return worker_info and any(_WORKER_SEED.search(value.text) for value in chain)

    @staticmethod
    def _fix(seed: Expr) -> Optional[Fix]:
        if seed.start is None or seed.end is None:
            return None
        message = "Append `% 2**32`"
        if seed.kind in ("name", "attribute", "call"):
            return Fix(Applicability.SAFE, message, (insertion(seed.end.row, seed.end.column, " % 2**32"),))
        return Fix(Applicability.SAFE, message, (
            insertion(seed.start.row, seed.start.column, "("),
            insertion(seed.end.row, seed.end.column, ") % 2**32"),
        ))


# --- TSL111 -----------------------------------------------------------------------


class PythonHashSeedInProcess(Rule):
    """
    ## What it does
    Flags `os.environ["PYTHONHASHSEED"] = ...`, `os.environ.setdefault(
    "PYTHONHASHSEED", ...)`, `os.environ.update(PYTHONHASHSEED=...)` and
    `os.putenv("PYTHONHASHSEED", ...)` in a module that starts no child process.

    ## Why is this bad?
    Python reads `PYTHONHASHSEED` once, at interpreter start-up. Setting it in
    the running script changes nothing about that process's `str` hashing, so
    `set` iteration order and `hash(s) % n` still differ between runs, while the
    line suggests they are fixed.

    ## Example
    ```python
    import os
    os.environ["PYTHONHASHSEED"] = "0"
    ```

    Use instead:
    ```shell
    PYTHONHASHSEED=0 python train.py
    ```

    ## Known limitations
    Child processes inherit the variable, so a module that calls `subprocess.*`,
    `os.exec*`/`os.spawn*`/`os.system`, `multiprocessing` start methods or
    contexts, `torch.multiprocessing.spawn`, or passes `multiprocessing_context=`
    is not reported: there the assignment can be deliberate.
    """

    code = "TSL111"
    name = "pythonhashseed-in-process"
    fix_hint = "set it in the launcher: `PYTHONHASHSEED=0 python train.py`"
    severity = "warning"
    VALID = [
        "import os\nos.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\n",
        "import os\nimport subprocess\nos.environ['PYTHONHASHSEED'] = '0'\n"
        "subprocess.run(['python', 'train.py'])\n",
        "import os\nprint(os.environ.get('PYTHONHASHSEED'))\n",
        "import os\nimport torch.multiprocessing as mp\nos.environ['PYTHONHASHSEED'] = '0'\n"
        "mp.spawn(print, nprocs=2)\n",
    ]
    INVALID = [
        "import os\nos.environ['PYTHONHASHSEED'] = '0'\n",
        "import os\n\ndef set_seed(seed):\n    os.environ['PYTHONHASHSEED'] = str(seed)\n",
        "from os import environ\nenviron.setdefault('PYTHONHASHSEED', '0')\n",
        "import os\nos.putenv('PYTHONHASHSEED', '1')\n",
        "import os\nos.environ.update(PYTHONHASHSEED='0')\n",
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if any(_starts_children(call) for call in ctx.facts.calls):
            return
        message = "`PYTHONHASHSEED` set inside Python: this interpreter's string hashing ignores it"
        for assign in ctx.facts.assigns:
            if assign.qualname == "os.environ" and assign.key == _HASHSEED:
                yield self.diagnostic(ctx, message, assign.start, assign.end)
        for call in ctx.facts.calls:
            if self._sets_hashseed(call):
                yield self.at_call(ctx, call, message)

    @staticmethod
    def _sets_hashseed(call: Call) -> bool:
        if call.qualname in ("os.environ.setdefault", "os.putenv"):
            key = call.args[0] if call.args else None
            return key is not None and key.kind == "literal" and key.value == _HASHSEED
        if call.qualname == "os.environ.update":
            return _HASHSEED in call.kwargs or any(_HASHSEED in a.text for a in call.args)
        return False


def _starts_children(call: Call) -> bool:
    qualname = call.qualname or ""
    return (
        qualname.startswith(_CHILD_PROCESS_PREFIXES)
        or qualname in _CHILD_PROCESS_CALLS
        or "multiprocessing_context" in call.kwargs
    )


# Words for the text screen (``torchseedlint.engine.screen``): what each rule looks for.
TRIGGERS = {
    "TSL105": K.ENTROPY_WORDS,  # the seed's source
    "TSL106": K.SEEDER_WORDS,
    "TSL107": K.CONSUMER_WORDS,  # the seeder may be imported project code
    "TSL108": K.leaves(K.CUDA_ONLY_SEEDERS),
    "TSL109": K.leaves(_RNG_CONSTRUCTORS),
    "TSL110": K.leaves({"numpy.random.seed", "numpy.random.RandomState"}),
    "TSL111": frozenset({_HASHSEED}),
}
