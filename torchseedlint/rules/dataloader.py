"""TSL2xx: data loading — worker processes, samplers and their generators."""

from __future__ import annotations

from typing import Iterator, Optional

from torchseedlint import knowledge as K
from torchseedlint.analysis import num_workers_positive
from torchseedlint.diagnostics import Diagnostic
from torchseedlint.facts import Call
from torchseedlint.rules.base import Context, Example, Rule, version_at_least

_WORKER_FIX = (
    "add `worker_init_fn=seed_worker` (a module-level function seeding `random` and NumPy "
    "from `torch.initial_seed() % 2**32`) and `generator=torch.Generator().manual_seed(SEED)`"
)


class DataLoaderWorkerSeeding(Rule):
    """
    ## What it does
    Flags `DataLoader(...)` with `num_workers > 0` (a positive literal or any
    expression) and no `worker_init_fn`, when its workers' random streams are
    not reproducible:

    - torch < 1.9, or a project whose torch version is unknown: workers do not
      seed Python `random` or NumPy, so every worker repeats the parent's state;
    - torch >= 1.9 (`torch-version`, or the declared requirement): each worker
      seeds `random`, NumPy and torch from the loader's base seed, so the loader
      is reported only when that base seed is not reproducible — torch is never
      seeded and the loader has no `generator=`.

    Not reported when Lightning's `seed_everything(..., workers=True)` is in
    force.

    ## Why is this bad?
    Each worker is a child process. Before torch 1.9 augmentations drawn from
    `random`/NumPy in workers repeat across workers and epochs, or change from
    run to run. In every version, the base seed comes from the global torch RNG
    (or `generator=`): unseeded, every worker stream changes every run.
    See https://pytorch.org/docs/stable/notes/randomness.html#dataloader.

    ## Example
    ```python
    loader = DataLoader(dataset, batch_size=64, num_workers=4)
    ```

    Use instead:
    ```python
    def seed_worker(worker_id):
        worker_seed = torch.initial_seed() % 2**32
        numpy.random.seed(worker_seed)
        random.seed(worker_seed)

    loader = DataLoader(dataset, batch_size=64, num_workers=4,
                        worker_init_fn=seed_worker,
                        generator=torch.Generator().manual_seed(SEED))
    ```

    ## Fix safety
    Safe: the fix adds `seed_worker` once per module, `worker_init_fn=seed_worker`
    and a seeded `generator=` (an existing `generator=` is kept).

    ## Known limitations
    `num_workers` passed through `**kwargs` is not seen.
    """

    code = "TSL201"
    name = "dataloader-worker-seeding"
    fix_safety = "safe"
    VALID = [
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds, num_workers=0)\n",
        "import torch\nfrom torch.utils.data import DataLoader\n\ndef seed_worker(i):\n    pass\n\n"
        "loader = DataLoader(ds, num_workers=4, worker_init_fn=seed_worker)\n",
        "import torch\nfrom lightning import seed_everything\nseed_everything(0, workers=True)\n"
        "loader = torch.utils.data.DataLoader(ds, num_workers=4)\n",
        Example("import torch\nfrom torch.utils.data import DataLoader\ntorch.manual_seed(0)\n"
                "loader = DataLoader(ds, num_workers=2)\n", {"torch-version": "2.3"}),
        Example("from torch.utils.data import DataLoader\nimport torch\n"
                "loader = DataLoader(ds, num_workers=2, generator=torch.Generator().manual_seed(1))\n",
                {"torch-version": "2.3"}),
    ]
    INVALID = [
        "from torch.utils.data import DataLoader as DL\nloader = DL(ds, num_workers=args.workers)\n",
        "import torch\ntorch.manual_seed(0)\n"
        "loader = torch.utils.data.DataLoader(ds, num_workers=4, worker_init_fn=None)\n",
        Example("from torch.utils import data\nimport torch\ntorch.manual_seed(0)\n"
                "loader = data.DataLoader(ds, num_workers=2)\n", {"torch-version": "1.8"}),
        Example("import torch\nfrom torch.utils.data import DataLoader\n"
                "model = torch.nn.Linear(2, 2)\nloader = DataLoader(ds, num_workers=2)\n",
                {"torch-version": "2.3"}),
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if ctx.analysis.lightning_worker_seeding():
            return
        modern = version_at_least(ctx.torch_version, "1.9")
        torch_seeded = ctx.analysis.seeded(K.TORCH)
        for call in ctx.analysis.dataloaders():
            if not num_workers_positive(call) or self._has_worker_init(call):
                continue
            reason = self._reason(ctx, call, modern, torch_seeded)
            if reason is not None:
                yield self.at_call(
                    ctx,
                    call,
                    f"`{call.call_text()}` has no worker_init_fn; {reason}; {_WORKER_FIX}. "
                    f"See {K.REPRODUCIBILITY_URL}#dataloader",
                )

    @staticmethod
    def _has_worker_init(call: Call) -> bool:
        value = call.kwargs.get("worker_init_fn")
        return value is not None and value.kind != "none"

    def _reason(
        self, ctx: Context, call: Call, modern: Optional[bool], torch_seeded: bool
    ) -> Optional[str]:
        lightning_seeded = any(
            event.call.qualname in K.LIGHTNING_SEED_EVERYTHING
            for event in ctx.analysis.seed_events()
        )
        if modern is None:
            if lightning_seeded:
                return ("`seed_everything` is called without `workers=True`, so Lightning does "
                        "not seed the workers, and the project's torch version is unknown "
                        "(before torch 1.9 workers do not seed `random`/NumPy)")
            return ("the project's torch version is unknown (set `torch-version`): before "
                    "torch 1.9 workers do not seed `random` or NumPy, so they repeat the same "
                    "random stream")
        if modern is False:
            return ("with torch < 1.9 workers do not seed `random` or NumPy, so every worker "
                    "repeats the same random stream across workers and epochs")
        if torch_seeded or "generator" in call.kwargs or not ctx.is_entry_point:
            return None
        return ("torch >= 1.9 seeds each worker from the loader's base seed, but torch is "
                "never seeded and the loader has no `generator=`, so the base seed changes "
                "every run")
