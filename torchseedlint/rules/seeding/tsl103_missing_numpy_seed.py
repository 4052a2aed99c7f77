"""TSL103 missing-numpy-seed."""

from __future__ import annotations

from typing import List

from torchseedlint.rules.base import Example
from torchseedlint.rules.seeding._shared import _ENTRY_POINT_WORDS, _MissingSeed
from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.context import Context
from torchseedlint.semantic.facts import Call


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
    triggers = _ENTRY_POINT_WORDS
    rng = K.NUMPY
    seeder = "np.random.seed"
    VALID = [
        """
        import numpy as np
        np.random.seed(0)
        x = np.random.rand(3)
        """,
        """
        import numpy as np
        rng = np.random.default_rng(0)
        x = rng.random(3)
        """,
        """
        from numpy import random as npr
        import accelerate.utils
        accelerate.utils.set_seed(3)
        npr.randn(2)
        """,
    ]
    INVALID = [
        Example(
            """
            import numpy as np
            x = np.random.rand(3)
            """,
            fixed="""
            import numpy as np

            SEED = 0
            np.random.seed(SEED)

            x = np.random.rand(3)
            """,
        ),
        """
        import numpy as onp

        if __name__ == '__main__':
            onp.random.shuffle([1, 2])
        """,
        """
        from numpy import random as npr
        import torch
        torch.manual_seed(0)
        npr.randint(0, 5)
        """,
    ]

    def consumers(self, ctx: Context) -> List[Call]:
        return ctx.analysis.numpy_consumers()
