"""TSL1xx: an entry point draws random numbers from an RNG it never seeds."""

from __future__ import annotations

from typing import ClassVar, FrozenSet, Iterator, List, Optional

from torchseedlint.semantic import rng_api as K
from torchseedlint.core.diagnostics import Applicability, Diagnostic, Fix
from torchseedlint.semantic.facts import Call
from torchseedlint.rules.dataloader import WORKER_SEEDING, seed_worker_loaders, worker_rngs
from torchseedlint.rules.base import Example, Rule
from torchseedlint.semantic.context import Context
from torchseedlint.settings.versions import version_at_least
from torchseedlint.edits.seeding_block import loader_fixable, seeding_fix

_MAX_LISTED = 3


def _others(calls: List[Call]) -> str:
    if not calls:
        return ""
    shown = ", ".join(f"`{c.raw or c.method}` (line {c.start.row})" for c in calls[:_MAX_LISTED])
    more = len(calls) - _MAX_LISTED
    return f"; also {shown}" + (f" and {more} more" if more > 0 else "")


def _label(call: Call) -> str:
    if call.raw:
        return f"`{call.raw}(...)`"
    return f"`.{call.method}(...)`"


def _block_fix(ctx: Context) -> Optional[Fix]:
    """The seeding block; with ``seed_worker`` when TSL201 reports a loader of this module,
    so that TSL101-TSL104 and TSL201 carry one identical edit."""
    return seeding_fix(ctx, worker_rngs=_reported_worker_rngs(ctx))


def _reported_worker_rngs(ctx: Context) -> Optional[FrozenSet[str]]:
    """What the workers of the loaders TSL201 reports draw from; None when it reports
    none whose call its fix can rewrite."""
    if WORKER_SEEDING not in ctx.codes:
        return None
    loaders = seed_worker_loaders(ctx)
    if not any(loader_fixable(ctx.source, call) for call in loaders):
        return None
    return worker_rngs(ctx, loaders)


class _MissingSeed(Rule):
    """Shared logic: one diagnostic per entry point, at the first consumer."""

    rng: ClassVar[str]
    seeder: ClassVar[str]
    fix_safety = Applicability.SAFE

    def consumers(self, ctx: Context) -> List[Call]:
        raise NotImplementedError

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if not ctx.is_entry_point or ctx.analysis.seeded(self.rng):
            return
        consumers = sorted(self.consumers(ctx), key=lambda c: (c.start.row, c.start.column))
        if not consumers:
            return
        first, rest = consumers[0], consumers[1:]
        rng = K.RNG_LABELS[self.rng]
        imported = ctx.analysis.imported_draw(first)
        via = ""
        if imported is not None:  # project code this entry point calls draws, not the call itself
            via = f" via {imported.draws[self.rng].describe()}"
        yield self.at_call(
            ctx,
            first,
            f"{_label(first)} draws from the {rng} RNG{via}, but this entry point never "
            f"seeds it{_others(rest)}",
            _block_fix(ctx),
        )


class MissingTorchSeed(_MissingSeed):
    """
    ## What it does
    Flags an entry point that uses the torch RNG (weight init, `torch.rand*`,
    dropout, `DataLoader(shuffle=True)`, training) but never calls
    `torch.manual_seed` or a helper that does.

    ## Why is this bad?
    torch's global generator is seeded from OS entropy at process start: the
    initial weights, the shuffling order and the workers' seeds differ on every
    run, so two runs of the same script print different losses.

    ## Example
    ```python
    import torch
    model = torch.nn.Linear(4, 2)
    ```

    Use instead:
    ```python
    import torch
    SEED = 0
    torch.manual_seed(SEED)
    model = torch.nn.Linear(4, 2)
    ```

    ## Fix safety
    The fix seeds from the program's own seed where it is available (right after
    `parse_args()`, next to an existing seeding call, inside the entry function),
    never at import time of an importable module; `seed + rank` where the code
    runs per rank. It is safe: it only pins values that were random. A seed option
    that defaults to `None` gets `default=0` only with `--unsafe-fixes`.

    ## Known limitations
    Only entry points are checked (`--show-roles` says which modules are): a
    library module's caller seeds, and tests are not training runs. Only real
    draws count (`backward()` or `optimizer.step()` draw nothing), followed
    function by function through the project's modules. A seed derived from
    entropy or `None` counts as seeding here; TSL105/TSL106 report those instead.
    """

    code = "TSL101"
    name = "missing-torch-seed"
    rng = K.TORCH
    seeder = "torch.manual_seed"
    VALID = [
        "import torch\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(4, 2)\n",
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n",
        "import torch\nfrom lightning import seed_everything\nseed_everything(42)\n"
        "x = torch.randn(3)\n",
        "import torch\nfrom transformers import set_seed\nset_seed(1)\nx = torch.rand(2)\n",
        "import torch as T\n\ndef set_all(s):\n    T.manual_seed(s)\n\ndef setup():\n"
        "    set_all(3)\n\nif __name__ == '__main__':\n    setup()\n    T.randn(2)\n",
        "import torch\nfrom myproject.utils import init_seeds\ninit_seeds(0)\n"
        "net = torch.nn.Conv2d(1, 1, 3)\n",
        Example("import torch\nfrom helpers import setup\nsetup()\nx = torch.rand(1)\n",
                {"seed-functions": ["helpers.setup"]}),
    ]
    INVALID = [
        "import torch\nmodel = torch.nn.Linear(4, 2)\n",
        "import torch as T\n\nif __name__ == '__main__':\n    x = T.randn(3)\n",
        "import torch\nimport random\nrandom.seed(0)\nnet = torch.nn.Conv2d(1, 1, 3)\n",
        "import torch\ntorch.cuda.manual_seed_all(0)\nx = torch.rand(2)\n",
        # Neither an attribute named like the helper nor an unused class's method runs it.
        "import torch\n\ndef seed_all():\n    torch.manual_seed(0)\n\ncfg.seed_all = 1\n"
        "x = torch.randn(2)\n",
        "import torch\n\nclass Unused:\n    def seed_all(self):\n        torch.manual_seed(0)\n\n"
        "x = torch.randn(2)\n",
        Example("import torch.nn as nn\nlayer = None\n\ndef build():\n    return nn.Linear(1, 1)\n",
                {"entry-points": ["train.py"]}),
    ]

    def consumers(self, ctx: Context) -> List[Call]:
        return ctx.analysis.torch_consumers()


class MissingRandomSeed(_MissingSeed):
    """
    ## What it does
    Flags an entry point that draws from Python's `random` module
    (`random.random`, `randint`, `choice`, `shuffle`, torchvision v1
    `RandomOrder`/`RandomChoice`, ...) but never calls `random.seed`.

    ## Why is this bad?
    `torch.manual_seed` does not seed Python's `random`. Augmentations and data
    sampling written with `random` differ on every run; with `num_workers=0`
    nothing else seeds it either.

    ## Example
    ```python
    import random
    angle = random.uniform(-10, 10)
    ```

    Use instead:
    ```python
    import random
    SEED = 0
    random.seed(SEED)
    angle = random.uniform(-10, 10)
    ```

    ## Fix safety
    Safe: the fix adds `random.seed(SEED)` to the seeding block.
    """

    code = "TSL102"
    name = "missing-random-seed"
    rng = K.PYRANDOM
    seeder = "random.seed"
    VALID = [
        "import random\nrandom.seed(0)\nx = random.random()\n",
        "import random as rnd\nimport pytorch_lightning as pl\npl.seed_everything(1)\n"
        "rnd.shuffle([1, 2])\n",
        "import random\n\ndef augment(x):\n    return x + random.random()\n",
    ]
    INVALID = [
        "import random\nx = random.random()\n",
        "import random as rnd\n\nif __name__ == '__main__':\n    rnd.shuffle([1, 2, 3])\n",
        "from random import choice\nimport torch\ntorch.manual_seed(0)\nprint(choice([1, 2]))\n",
        # A worker_init_fn seeds the workers, not the main process that draws here.
        "import random, torch\nfrom torch.utils.data import DataLoader\n\ndef seed_worker(i):\n"
        "    random.seed(torch.initial_seed() % 2**32)\n\ntorch.manual_seed(0)\n"
        "x = random.random()\nloader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)\n",
    ]

    def consumers(self, ctx: Context) -> List[Call]:
        return ctx.analysis.pyrandom_consumers()


class MissingNumpySeed(_MissingSeed):
    """
    ## What it does
    Flags an entry point that draws from NumPy's legacy global RNG
    (`np.random.rand`, `randn`, `randint`, `choice`, `shuffle`, `permutation`,
    ...) but never calls `np.random.seed`.

    ## Why is this bad?
    `torch.manual_seed` does not seed NumPy. Synthetic data, masks or
    augmentations drawn from `np.random` change on every run.

    ## Example
    ```python
    import numpy as np
    x = np.random.rand(8, 4)
    ```

    Use instead:
    ```python
    import numpy as np
    SEED = 0
    np.random.seed(SEED)
    x = np.random.rand(8, 4)
    ```

    ## Fix safety
    Safe: the fix adds `np.random.seed(SEED)` (with the module's own alias) to
    the seeding block.
    """

    code = "TSL103"
    name = "missing-numpy-seed"
    rng = K.NUMPY
    seeder = "np.random.seed"
    VALID = [
        "import numpy as np\nnp.random.seed(0)\nx = np.random.rand(3)\n",
        "import numpy as np\nrng = np.random.default_rng(0)\nx = rng.random(3)\n",
        "from numpy import random as npr\nimport accelerate.utils\n"
        "accelerate.utils.set_seed(3)\nnpr.randn(2)\n",
    ]
    INVALID = [
        "import numpy as np\nx = np.random.rand(3)\n",
        "import numpy as onp\n\nif __name__ == '__main__':\n    onp.random.shuffle([1, 2])\n",
        "from numpy import random as npr\nimport torch\ntorch.manual_seed(0)\nnpr.randint(0, 5)\n",
    ]

    def consumers(self, ctx: Context) -> List[Call]:
        return ctx.analysis.numpy_consumers()


class UnseededRandomTransform(Rule):
    """
    ## What it does
    Flags an entry point that builds random augmentations (torchvision
    `transforms`/`transforms.v2` `Random*`, `ColorJitter`, `RandAugment`,
    `MixUp`, ...; kornia `augmentation.*`) while the RNG they draw from is not
    seeded: torch's, or Python's `random` for v1 `RandomOrder`/`RandomChoice`
    and for every v1 transform when torchvision < 0.8 is declared.

    ## Why is this bad?
    Every run crops, flips and jitters differently, so the model sees different
    data and ends at a different loss.

    ## Example
    ```python
    from torchvision import transforms
    augment = transforms.RandomHorizontalFlip()
    ```

    Use instead:
    ```python
    import torch
    from torchvision import transforms
    SEED = 0
    torch.manual_seed(SEED)
    augment = transforms.RandomHorizontalFlip()
    ```

    ## Fix safety
    Safe: the fix inserts the seeding block for the RNGs the transforms use.
    """

    code = "TSL104"
    name = "unseeded-random-transform"
    fix_safety = Applicability.SAFE
    VALID = [
        "import torch\nfrom torchvision import transforms as T\ntorch.manual_seed(0)\n"
        "aug = T.RandomCrop(28)\n",
        "from torchvision import transforms\n\ndef build():\n"
        "    return transforms.RandomHorizontalFlip()\n",
        "import torch\nimport torchvision.transforms.v2 as v2\ntorch.manual_seed(0)\n"
        "aug = v2.RandomErasing()\n",
    ]
    INVALID = [
        "from torchvision import transforms\naug = transforms.RandomHorizontalFlip()\n",
        "import kornia.augmentation as KA\n\nif __name__ == '__main__':\n    aug = KA.RandomAffine(10)\n",
        "import torch\nfrom torchvision import transforms\ntorch.manual_seed(0)\n"
        "aug = transforms.RandomChoice([transforms.RandomCrop(2)])\n",
        Example("import torch\nfrom torchvision import transforms\ntorch.manual_seed(0)\n"
                "aug = transforms.RandomCrop(2)\n", {"torchvision-version": "0.2"}),
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if not ctx.is_entry_point:
            return
        old_torchvision = version_at_least(ctx.torchvision_version, "0.8") is False
        # A transform that TSL101/TSL102 lists among the draws of an unseeded RNG
        # has that finding already: one finding per root cause.
        listed = {rule.rng: {call.index for call in rule().consumers(ctx)}
                  for rule in (MissingTorchSeed, MissingRandomSeed)
                  if rule.code in ctx.codes and not ctx.analysis.seeded(rule.rng)}
        unseeded = []
        for call in ctx.analysis.random_transforms():
            rng = K.random_transform_rng(call.qualname or "", old_torchvision)
            if not ctx.analysis.seeded(rng) and call.index not in listed.get(rng, ()):
                unseeded.append((call, rng))
        if not unseeded:
            return
        unseeded.sort(key=lambda item: (item[0].start.row, item[0].start.column))
        first, rng = unseeded[0]
        yield self.at_call(
            ctx,
            first,
            f"random augmentation {_label(first)} draws from the unseeded "
            f"{K.RNG_LABELS[rng]} RNG{_others([c for c, _ in unseeded[1:]])}",
            _block_fix(ctx),
        )


# Words for the text screen (``torchseedlint.engine.screen``). Every rule here needs an
# entry point, so a ``__main__`` guard or a consumer at module level; imported
# project code that draws can stand for the consumer, but only in an entry point.
_ENTRY_POINT_WORDS = K.CONSUMER_WORDS | {"__main__"}
TRIGGERS = {code: _ENTRY_POINT_WORDS for code in ("TSL101", "TSL102", "TSL103", "TSL104")}
