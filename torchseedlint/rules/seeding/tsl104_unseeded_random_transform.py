"""TSL104 unseeded-random-transform."""

from __future__ import annotations

from typing import Iterator

from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.rules.base import Example, Rule
from torchseedlint.rules.seeding._shared import _ENTRY_POINT_WORDS, _block_fix, _label, _others
from torchseedlint.rules.seeding.tsl101_missing_torch_seed import MissingTorchSeed
from torchseedlint.rules.seeding.tsl102_missing_random_seed import MissingRandomSeed
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.settings.versions import version_at_least


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
    triggers = _ENTRY_POINT_WORDS
    VALID = [
        """
        import torch
        from torchvision import transforms as T
        torch.manual_seed(0)
        aug = T.RandomCrop(28)
        """,
        """
        from torchvision import transforms

        def build():
            return transforms.RandomHorizontalFlip()
        """,
        """
        import torch
        import torchvision.transforms.v2 as v2
        torch.manual_seed(0)
        aug = v2.RandomErasing()
        """,
    ]
    INVALID = [
        Example(
            """
            from torchvision import transforms
            aug = transforms.RandomHorizontalFlip()
            """,
            fixed="""
            import torch
            from torchvision import transforms

            SEED = 0
            torch.manual_seed(SEED)

            aug = transforms.RandomHorizontalFlip()
            """,
        ),
        """
        import kornia.augmentation as KA

        if __name__ == '__main__':
            aug = KA.RandomAffine(10)
        """,
        """
        import torch
        from torchvision import transforms
        torch.manual_seed(0)
        aug = transforms.RandomChoice([transforms.RandomCrop(2)])
        """,
        Example(
            """
            import torch
            from torchvision import transforms
            torch.manual_seed(0)
            aug = transforms.RandomCrop(2)
            """,
            {"torchvision-version": "0.2"},
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        if not ctx.is_entry_point:
            return
        old_torchvision = version_at_least(ctx.torchvision_version, "0.8") is False
        # A transform that TSL101/TSL102 lists among the draws of an unseeded RNG
        # has that finding already: one finding per root cause.
        listed = {
            rule.rng: {call.index for call in rule().consumers(ctx)}
            for rule in (MissingTorchSeed, MissingRandomSeed)
            if rule.code in ctx.codes and not ctx.analysis.seeded(rule.rng)
        }
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
