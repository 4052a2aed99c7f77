"""Traps seen on real code (issue 11): each pattern both ways, through the rules.

Module aliases, seeding helpers known by what they seed, and transforms whose
parameters make them deterministic.
"""

from __future__ import annotations

from typing import List

import pytest

from torchseedlint import lint_source
from torchseedlint.config import config_from_mapping


def _codes(source: str, codes: List[str]) -> List[str]:
    found = lint_source(source, "train.py", config_from_mapping({"select": codes}))
    return [d.code for d in found]


# --- module aliases -------------------------------------------------------------------

ALIASED = [
    # (aliased source, the same written without the alias, code)
    ("import time\nimport numpy as np\nnpr = np.random\nnpr.seed(int(time.time()))\n",
     "import time\nimport numpy as np\nnp.random.seed(int(time.time()))\n", "TSL105"),
    ("import numpy as np\nnpr = np.random\nx = npr.rand(3)\n",
     "import numpy as np\nx = np.random.rand(3)\n", "TSL103"),
    ("import random\nrng = random\nrng.seed()\n", "import random\nrandom.seed()\n", "TSL106"),
    ("import torch\nimport torch.backends.cudnn\ncudnn = torch.backends.cudnn\n"
     "cudnn.benchmark = True\n", "import torch\ntorch.backends.cudnn.benchmark = True\n",
     "TSL301"),
]


@pytest.mark.parametrize("aliased, plain, code", ALIASED)
def test_a_module_alias_is_the_module(aliased: str, plain: str, code: str) -> None:
    assert _codes(plain, [code]) == [code]
    assert _codes(aliased, [code]) == [code]


def test_an_aliased_draw_is_seeded_by_the_aliased_seeder() -> None:
    assert _codes("import numpy as np\nnpr = np.random\nnpr.seed(0)\nx = npr.rand(3)\n",
                  ["TSL103", "TSL105"]) == []


@pytest.mark.parametrize("source", [
    # Assigned twice: the name is a variable, not an alias.
    "import time\nimport random\nrng = random\nrng = object()\nrng.seed(int(time.time()))\n",
    # Assigned in a function only.
    "import time\nimport random\n\ndef f():\n    rng = random.Random(0)\n"
    "    rng.seed(int(time.time()) % 7 * 0)\n",
    # An attribute of a project object, not of an imported module.
    "import time\nconfig = object()\nnpr = config.random\nnpr.seed(int(time.time()))\n",
])
def test_a_variable_is_not_an_alias(source: str) -> None:
    assert _codes(source, ["TSL105"]) == []
