"""TSL204 worker-init-epoch-invariant-seed."""

from __future__ import annotations

from torchseedlint.rules.base import Example
from torchseedlint.rules.dataloader._shared import _LOADER, _WorkerInitSeed
from torchseedlint.rules.worker_draws import literal_is
from torchseedlint.semantic.facts import Call, Function


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
    import numpy as np
    from torch.utils.data import DataLoader

    SEED = 0

    def seed_worker(worker_id):
        np.random.seed(SEED + worker_id)

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
    triggers = _LOADER
    seed_kind = "worker"
    VALID = [
        """
        import numpy as np
        from torch.utils.data import DataLoader

        def seed_worker(worker_id):
            np.random.seed(worker_id)

        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker, persistent_workers=True)
        """,
        """
        import numpy as np
        import torch
        from torch.utils.data import DataLoader

        def seed_worker(worker_id):
            np.random.seed((torch.initial_seed() + worker_id) % 2**32)

        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
        """,
        """
        import numpy as np
        from torch.utils.data import DataLoader

        def seed_worker(worker_id):
            np.random.seed(worker_id)

        loader = DataLoader(ds, worker_init_fn=seed_worker)
        """,
        """
        import numpy as np
        from torch.utils.data import DataLoader

        def seed_worker(worker_id):
            np.random.seed(epoch * 100 + worker_id)

        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
        """,
    ]
    INVALID = [
        """
        import numpy as np
        from torch.utils.data import DataLoader

        def seed_worker(worker_id):
            np.random.seed(worker_id)

        loader = DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
        """,
        """
        import random
        from torch.utils.data import DataLoader as DL
        SEED = 0

        def seed_worker(wid):
            base = SEED + wid
            random.seed(int(base))

        loader = DL(ds, num_workers=4, worker_init_fn=seed_worker, persistent_workers=False)
        """,
        Example(
            """
            import torch

            def seed_worker(worker_id):
                torch.manual_seed(1000 * worker_id + 1)

            loader = torch.utils.data.DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
            """,
            fixed="""
            import torch

            def seed_worker(worker_id):
                torch.manual_seed(torch.initial_seed() % 2**32)

            loader = torch.utils.data.DataLoader(ds, num_workers=2, worker_init_fn=seed_worker)
            """,
        ),
    ]

    def applies_to(self, loader: Call) -> bool:
        return not literal_is(loader.kwargs.get("persistent_workers"), True)

    def message(self, call: Call, fn: Function) -> str:
        return (
            f"`{call.raw}(...)` in worker_init_fn `{fn.name}` seeds from the worker id "
            "only, so every epoch replays the same random stream; seed from "
            "`torch.initial_seed() % 2**32` (new in every epoch)"
        )
