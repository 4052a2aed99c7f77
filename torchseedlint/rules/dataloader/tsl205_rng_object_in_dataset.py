"""TSL205 rng-object-in-dataset."""

from __future__ import annotations

from typing import Iterator, List, Optional, Set

from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.rules.base import Rule
from torchseedlint.rules.dataloader._shared import _LOADER, _worker_init_function
from torchseedlint.rules.worker_draws import (
    calls_within,
    class_methods,
    constructed_classes,
    kwarg_or_arg,
    value_spans,
    worker_code,
    worker_loaders,
)
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call

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
    import numpy as np
    from torch.utils.data import DataLoader, Dataset

    class Noisy(Dataset):
        def __init__(self):
            self.rng = np.random.default_rng(0)

        def __getitem__(self, i):
            return self.rng.normal()

    loader = DataLoader(Noisy(), num_workers=4)
    ```

    Use instead:
    ```python
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, Dataset

    class Noisy(Dataset):
        def __init__(self):
            self.rng = np.random.default_rng(0)

        def __getitem__(self, i):
            return self.rng.normal()

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
    triggers = _LOADER
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
        """
        import numpy as np
        from torch.utils.data import DataLoader, Dataset, get_worker_info

        class Lazy(Dataset):
            def __init__(self):
                self.rng = np.random.default_rng()

            def __getitem__(self, i):
                if get_worker_info() is not None:
                    self.rng = np.random.default_rng(get_worker_info().seed)
                return self.rng.normal()

        loader = DataLoader(Lazy(), num_workers=2)
        """,
        """
        import numpy as np
        from torch.utils.data import DataLoader, Dataset

        class Plain(Dataset):
            def __init__(self):
                self.rng = np.random.default_rng(0)
                self.noise = self.rng.normal(size=8)

            def __getitem__(self, i):
                return self.noise[i]

        loader = DataLoader(Plain(), num_workers=2)
        """,
        """
        import albumentations as A
        import torch

        def main(args):
            aug = A.Compose([A.HorizontalFlip()])
            ds = Folder(args.root, transform=aug)
            return torch.utils.data.DataLoader(ds, num_workers=0)
        """,
    ]
    INVALID = [
        _BASE + "loader = DataLoader(Noisy(), num_workers=2)\n",
        _BASE + "import torch\n\ndef seed_worker(worker_id):\n"
        "    np.random.seed(torch.initial_seed() % 2**32)\n\n"
        "ds = Noisy()\nloader = DataLoader(ds, batch_size=4, num_workers=4, worker_init_fn=seed_worker)\n",
        """
        import random
        import torch
        import albumentations as A

        class Aug:
            def __init__(self):
                self.aug = A.Compose([A.HorizontalFlip(p=0.5)])

            def __call__(self, image):
                return self.aug(image=image)['image']

        class Images(torch.utils.data.Dataset):
            def __init__(self, transform):
                self.transform = transform

            def __getitem__(self, i):
                return self.transform(load(i))

        def main():
            aug = Aug()
            ds = Images(transform=aug)
            return torch.utils.data.DataLoader(ds, num_workers=8)
        """,
        """
        import torch
        from torch.utils.data import IterableDataset, DataLoader

        class Stream(IterableDataset):
            def __init__(self):
                self.g = torch.Generator()

            def __iter__(self):
                for _ in range(4):
                    yield torch.rand(1, generator=self.g)

        loader = DataLoader(Stream(), num_workers=2)
        """,
        """
        import random
        from torch.utils.data import DataLoader, Dataset

        class Crop(Dataset):
            def __init__(self):
                self.r = random.Random(1)

            def __getitem__(self, i):
                return self._offset()

            def _offset(self):
                return self.r.randint(0, 4)

        loader = DataLoader(Crop(), num_workers=2)
        """,
        """
        import albumentations as A
        import torch

        def main(args):
            aug = A.Compose([A.HorizontalFlip()])
            ds = Folder(args.root, transform=aug)
            return torch.utils.data.DataLoader(ds, num_workers=args.workers)
        """,
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        loaders = worker_loaders(ctx)
        if not loaders:
            return
        for creation in ctx.facts.calls:
            attribute = self._rng_attribute(creation)
            if attribute is None or creation.class_name is None:
                continue
            roots = class_methods(ctx, creation.class_name, _DRAW_METHODS)
            methods = {fn.qualname for fn in worker_code(ctx, roots)}
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
            dataset = kwarg_or_arg(loader, "dataset", 0)
            if dataset is None or _worker_init_reseeds(ctx, loader, "transform"):
                continue
            inside = {
                call.index: call
                for span in value_spans(ctx, dataset, loader.scope)
                for call in calls_within(ctx, span)
            }
            for index in sorted(inside):
                call = inside[index]
                if call.qualname in K.ALBUMENTATIONS_COMPOSE and index not in reported:
                    reported.add(index)
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
            dataset = kwarg_or_arg(loader, "dataset", 0)
            if dataset is None or class_name not in constructed_classes(ctx, dataset, loader.scope):
                continue
            if not _worker_init_reseeds(ctx, loader, attribute):
                return loader
        return None
