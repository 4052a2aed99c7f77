"""TSL201 dataloader-worker-seeding."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.edits.seeding_block import worker_fix
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.dataloader._shared import _LOADER
from torchseedlint.rules.worker_draws import worker_findings, worker_rngs
from torchseedlint.semantic.context import Context


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
    import numpy as np
    from torch.utils.data import DataLoader, Dataset

    class Noisy(Dataset):
        def __getitem__(self, i):
            return np.random.rand()

    loader = DataLoader(Noisy(), batch_size=64, num_workers=4)  # torch 1.8
    ```

    Use instead:
    ```python
    import random

    import numpy as np
    import torch
    from torch.utils.data import DataLoader, Dataset

    SEED = 0

    class Noisy(Dataset):
        def __getitem__(self, i):
            return np.random.rand()

    def seed_worker(worker_id):
        worker_seed = torch.initial_seed() % 2**32
        np.random.seed(worker_seed)
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
    triggers = _LOADER
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
        """
        import torch
        from mydata import Noisy
        torch.manual_seed(0)
        loader = torch.utils.data.DataLoader(Noisy(), num_workers=4)
        """,
        # An evaluation loader: nothing random in its workers.
        """
        import torchvision.transforms as T
        from torchvision.datasets import CIFAR10
        from torch.utils.data import DataLoader
        val = CIFAR10('data', train=False, transform=T.Compose([T.ToTensor()]))
        loader = DataLoader(val, shuffle=False, num_workers=4)
        """,
        Example(
            """
            import torchvision.transforms as T
            from torchvision.datasets import CIFAR10
            from torch.utils.data import DataLoader
            val = CIFAR10('data', train=False, transform=T.ToTensor())
            loader = DataLoader(val, shuffle=False, num_workers=4)
            """,
            {"dataloader-worker-seeding": "always"},
        ),
    ]
    INVALID = [
        Example(
            _NOISY + "loader = DataLoader(Noisy(), num_workers=2)\n",
            {"torch-version": "1.8"},
            fixed="""
            import numpy as np
            import torch
            from torch.utils.data import DataLoader, Dataset


            def seed_worker(worker_id):
                worker_seed = torch.initial_seed() % 2**32
                np.random.seed(worker_seed)


            class Noisy(Dataset):
                def __len__(self):
                    return 8

                def __getitem__(self, i):
                    return np.random.rand()

            torch.manual_seed(0)
            loader = DataLoader(Noisy(), num_workers=2,
                                worker_init_fn=seed_worker,
                                generator=torch.Generator().manual_seed(0))
            """,
        ),
        _NOISY + "ds = Noisy()\nloader = DataLoader(ds, batch_size=4, num_workers=args.workers)\n",
        Example(
            """
            import cv2
            import numpy as np
            import torch

            class Speckle(torch.utils.data.Dataset):
                def __getitem__(self, i):
                    noise = np.zeros(4)
                    cv2.randn(noise, 0, 1)
                    return noise

            loader = torch.utils.data.DataLoader(Speckle(), num_workers=2)
            """,
            {"torch-version": "2.3"},
        ),
        Example(
            """
            import imgaug.augmenters as iaa
            from torch.utils.data import DataLoader
            from torchvision.datasets import ImageFolder
            aug = iaa.Sequential([iaa.Fliplr(0.5)])
            loader = DataLoader(ImageFolder('x', transform=aug.augment_image), num_workers=2)
            """,
            {"torch-version": "2.3"},
        ),
        Example(
            """
            from torch.utils.data import DataLoader
            from mydata import Folder
            loader = DataLoader(Folder('x'), shuffle=True, num_workers=2)
            """,
            {"dataloader-worker-seeding": "always"},
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        findings = worker_findings(ctx)
        fixed = [finding.loader for finding in findings if finding.seed_worker_fixes]
        rngs = worker_rngs(ctx, fixed) if fixed else frozenset()
        for finding in findings:
            fix = worker_fix(ctx, finding.loader, rngs) if finding.seed_worker_fixes else None
            yield self.at_call(ctx, finding.loader, finding.message, fix)
