"""TSL203 worker-init-constant-seed."""

from __future__ import annotations

from torchseedlint.rules.base import Example
from torchseedlint.rules.dataloader._shared import _LOADER, _WorkerInitSeed
from torchseedlint.semantic.facts import Call, Function


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
    import numpy as np
    from torch.utils.data import DataLoader

    def seed_worker(worker_id):
        np.random.seed(42)

    loader = DataLoader(dataset, num_workers=4, worker_init_fn=seed_worker)
    ```

    Use instead:
    ```python
    import numpy as np
    import torch
    from torch.utils.data import DataLoader

    def seed_worker(worker_id):
        np.random.seed(torch.initial_seed() % 2**32)

    loader = DataLoader(dataset, num_workers=4, worker_init_fn=seed_worker)
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
    triggers = _LOADER
    seed_kind = "constant"
    VALID = [
        """
        import numpy as np
        import torch
        from torch.utils.data import DataLoader

        def seed_worker(worker_id):
            np.random.seed(torch.initial_seed() % 2**32)

        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
        """,
        """
        import numpy as np
        from torch.utils.data import DataLoader

        def seed_worker(worker_id):
            np.random.seed(42)

        loader = DataLoader(ds, num_workers=0, worker_init_fn=seed_worker)
        """,
        """
        import random
        from torch.utils.data import DataLoader, get_worker_info

        def seed_worker(worker_id):
            random.seed(get_worker_info().seed)

        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
        """,
        """
        import numpy as np
        from torch.utils.data import DataLoader

        def seed_worker(worker_id):
            np.random.seed(args.seed)

        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
        """,
    ]
    INVALID = [
        Example(
            """
            import numpy as np
            import torch
            from torch.utils.data import DataLoader

            def seed_worker(worker_id):
                np.random.seed(42)

            loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
            """,
            fixed="""
            import numpy as np
            import torch
            from torch.utils.data import DataLoader

            def seed_worker(worker_id):
                np.random.seed(torch.initial_seed() % 2**32)

            loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
            """,
        ),
        """
        import random
        import torch.utils.data as tud
        SEED = 7

        def init(i):
            random.seed(SEED)

        loader = tud.DataLoader(ds, num_workers=4, worker_init_fn=init, persistent_workers=True)
        """,
        """
        import torch

        def main():
            def init(i):
                seed = 3
                torch.manual_seed(seed)
            return torch.utils.data.DataLoader(ds, num_workers=n, worker_init_fn=init)
        """,
    ]

    def message(self, call: Call, fn: Function) -> str:
        return (
            f"`{call.raw}(...)` in worker_init_fn `{fn.name}` seeds every worker with the "
            "same constant, so all workers produce the same random stream in every epoch; "
            "seed from `torch.initial_seed() % 2**32`"
        )
