"""TSL107 seed-after-rng-use."""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Set, Tuple

from torchseedlint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from torchseedlint.edits.apply import insertion
from torchseedlint.edits.source_text import SourceText, replacement_rows
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.seed_values._shared import _chain, _label, _within
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.analysis import first_arg
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call

# Building these draws nothing: the draw happens when they run or are iterated.
_LAZY_CONSUMERS = frozenset({"DataLoader", "RandomSampler"})

_LAZY_MODULES = frozenset(
    {
        "Dropout",
        "Dropout1d",
        "Dropout2d",
        "Dropout3d",
        "AlphaDropout",
        "FeatureAlphaDropout",
        "RReLU",
    }
)


def _lazy(call: Call) -> bool:
    """Building it draws nothing; the draw happens when it is iterated or run."""
    leaf = (call.qualname or "").rsplit(".", 1)[-1]
    if K.data_name(call.qualname) in _LAZY_CONSUMERS:
        return True
    return (
        (call.qualname or "").startswith("torch.nn.")
        and leaf in _LAZY_MODULES
        and (not (call.qualname or "").startswith("torch.nn.functional."))
    )


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
    triggers = K.CONSUMER_WORDS  # the seeder may be imported project code
    VALID = [
        # A parameter given a random value when missing, recorded, then used to seed.
        """
        import random

        def check_seed(seed):
            seed = seed or random.randint(1, 10000)
            random.seed(seed)
            print(seed)
        """,
        """
        import torch
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 2)
        """,
        """
        import torch
        import random
        x = torch.rand(2)
        random.seed(0)
        """,
        """
        import torch
        from torch.utils.data import DataLoader
        loader = DataLoader([1, 2], shuffle=True)
        torch.manual_seed(0)
        """,
        """
        import torch
        model = torch.nn.Dropout(0.1)
        torch.manual_seed(0)
        """,
        """
        import random
        seed = random.randint(0, 100)
        random.seed(seed)
        """,
        """
        import torch

        def build():
            return torch.nn.Linear(2, 2)

        torch.manual_seed(0)
        """,
        """
        import numpy as np
        import torch

        def main():
            np.random.seed(0)
            x = np.random.rand(3)
            torch.manual_seed(1)
        """,
        """
        import torch

        def train(model, loader, optimizer):
            for x in loader:
                model(x).sum().backward()
                optimizer.step()
            torch.manual_seed(0)
        """,
        """
        import random
        import torch

        def main(opt):
            if opt.manualSeed is None:
                opt.manualSeed = random.randint(1, 10000)
            print('Random Seed: ', opt.manualSeed)
            random.seed(opt.manualSeed)
            torch.manual_seed(opt.manualSeed)
        """,
        """
        import torch
        from diffusers import DiffusionPipeline
        noise = torch.randn(4)
        pipe = DiffusionPipeline.from_pretrained('x')
        image = pipe('a cat', generator=torch.manual_seed(0))
        """,
    ]
    INVALID = [
        Example(
            """
            import torch
            model = torch.nn.Linear(4, 2)
            torch.manual_seed(0)
            """,
            fixed="""
            import torch
            torch.manual_seed(0)
            model = torch.nn.Linear(4, 2)
            """,
        ),
        """
        import torch.nn as nn
        import torch as T

        def main():
            net = nn.Conv2d(1, 1, 3)
            T.manual_seed(0)
        """,
        """
        import random
        items = [1, 2, 3]
        random.shuffle(items)
        random.seed(0)
        """,
        """
        import numpy as np
        noise = np.random.randn(3)
        np.random.seed(0)
        """,
        """
        import torch
        from lightning import seed_everything
        w = torch.randn(3)
        seed_everything(1)
        """,
        """
        import torch
        from torch.utils.data import random_split
        train, val = random_split(range(10), [8, 2])
        torch.manual_seed(0)
        """,
        """
        import random
        import torch

        def main(opt):
            opt.manualSeed = random.randint(1, 10000)
            items = random.sample(range(9), 3)
            random.seed(opt.manualSeed)
        """,
        """
        import torch
        noise = torch.randn(4)
        torch.manual_seed(0)
        image = pipe('a cat', generator=torch.manual_seed(0))
        """,
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
                c
                for c in consumers[rng]
                if c.scope == scope
                and (c.start.row, c.start.column) < (seed_call.start.row, seed_call.start.column)
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
                    first[key].start.row,
                    first[key].start.column,
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
            rows.update(
                a.start.row
                for a in ctx.facts.assigns
                if a.target in names and a.scope == seed_call.scope
            )
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
        if any(
            a.target in read and target <= a.start.row < seed_call.start.row
            for a in ctx.facts.assigns
        ):
            return None
        row = seed_call.start.row
        moved = replacement_rows(src.lines, row)
        return Fix(
            Applicability.UNSAFE,
            f"Move the seeding above line {target}",
            (insertion(target, 1, moved), Edit("", Location(row, 1), Location(row + 1, 1))),
        )
