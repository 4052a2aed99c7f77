"""TSL001 and TSL105-TSL111: catalog defaults, the documented exceptions, and the fixes.

A fix is checked end to end: applying it gives the expected text, which parses,
has no diagnostic of that code any more, and a second application changes nothing.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import libcst as cst
import pytest

from torchseedlint import lint_source
from torchseedlint.core.diagnostics import Applicability, Diagnostic
from torchseedlint.edits.apply import apply_fixes
from torchseedlint.rules import RULES_BY_CODE
from torchseedlint.settings.config import config_from_mapping

CATALOG_DEFAULTS = {
    "TSL001": False,
    "TSL105": True,
    "TSL106": True,
    "TSL107": True,
    "TSL108": True,
    "TSL109": True,
    "TSL110": True,
    "TSL111": True,
}
FIX_SAFETY = {
    "TSL001": Applicability.SAFE,
    "TSL105": None,
    "TSL106": Applicability.UNSAFE,
    "TSL107": Applicability.UNSAFE,
    "TSL108": Applicability.SAFE,
    "TSL109": Applicability.UNSAFE,
    "TSL110": Applicability.SAFE,
    "TSL111": None,
}


def _lint(
    source: str, codes: List[str], settings: Optional[Dict[str, Any]] = None
) -> List[Diagnostic]:
    return lint_source(
        source, "train.py", config_from_mapping({**(settings or {}), "select": codes})
    )


@pytest.mark.parametrize("code", sorted(CATALOG_DEFAULTS))
def test_defaults_docs_and_fix_safety(code: str) -> None:
    rule = RULES_BY_CODE[code]
    assert rule.default_enabled is CATALOG_DEFAULTS[code]
    assert rule.fix_safety == FIX_SAFETY[code]
    doc = rule.__doc__ or ""
    assert "## Known limitations" in doc
    assert ("## Fix safety" in doc) is (rule.fix_safety is not None)


# --- TSL105's exceptions ---------------------------------------------------------------

LOGGED_SWEEP_SEEDS = [
    "import time\nimport torch\nseed = int(time.time())\nprint(seed)\ntorch.manual_seed(seed)\n",
    "import logging\nimport time\nimport torch\nlogger = logging.getLogger(__name__)\n"
    "seed = int(time.time())\nlogger.info('seed=%d', seed)\ntorch.manual_seed(seed)\n",
    "import time\nimport wandb\nimport torch\nseed = time.time_ns() % 2**32\n"
    "wandb.init(config={'seed': seed})\ntorch.manual_seed(seed)\n",
    "import random\nimport mlflow\nimport numpy as np\n\ndef main():\n"
    "    seed = random.randint(0, 2**31)\n    mlflow.log_param('seed', seed)\n    np.random.seed(seed)\n\n"
    "if __name__ == '__main__':\n    main()\n",
]


@pytest.mark.parametrize("source", LOGGED_SWEEP_SEEDS)
def test_tsl105_skips_a_logged_sweep_seed(source: str) -> None:
    assert _lint(source, ["TSL105"]) == []
    unlogged = "\n".join(
        line
        for line in source.splitlines()
        if not any(k in line for k in ("print(", ".info(", "wandb.init", "log_param"))
    )
    assert [d.code for d in _lint(unlogged + "\n", ["TSL105"])] == ["TSL105"]


def test_tsl105_initial_seed_in_worker_init_fn_is_the_recipe() -> None:
    source = (
        "import random\nimport numpy as np\nimport torch\nfrom torch.utils.data import DataLoader\n\n"
        "def seed_worker(worker_id):\n    worker_seed = torch.initial_seed() % 2**32\n"
        "    np.random.seed(worker_seed)\n    random.seed(worker_seed)\n\n"
        "torch.manual_seed(0)\nloader = DataLoader(range(4), num_workers=2, worker_init_fn=seed_worker)\n"
    )
    assert _lint(source, ["TSL105", "TSL110"]) == []


def test_tsl105_draw_from_an_unseeded_rng_only_in_entry_points() -> None:
    library = (
        "import random\nimport torch\n\ndef setup():\n    torch.manual_seed(random.randint(0, 9))\n"
    )
    assert _lint(library, ["TSL105"]) == []
    script = library + "\nif __name__ == '__main__':\n    setup()\n"
    assert [d.code for d in _lint(script, ["TSL105"])] == ["TSL105"]


# --- fixes ------------------------------------------------------------------------------

FIXES = [
    (
        "TSL106",
        "import torch\ntorch.manual_seed(0)\ntorch.seed()  # why\n",
        "import torch\ntorch.manual_seed(0)\ntorch.manual_seed(0)  # why\n",
    ),
    (
        "TSL106",
        "import torch\nSEED = 5\ntorch.cuda.seed_all()\n",
        "import torch\nSEED = 5\ntorch.cuda.manual_seed_all(SEED)\n",
    ),
    ("TSL106", "import random\nrandom.seed()\n", "import random\nrandom.seed(0)\n"),
    (
        "TSL106",
        "import numpy as np\n\ndef f():\n    np.random.seed(None)\n",
        "import numpy as np\n\ndef f():\n    np.random.seed(0)\n",
    ),
    (
        "TSL106",
        "import torch\ng = torch.Generator()\ng.seed()\n",
        "import torch\ng = torch.Generator()\ng.manual_seed(0)\n",
    ),
    (
        "TSL107",
        "import torch\nSEED = 3\nmodel = torch.nn.Linear(2, 2)\nx = 1\ntorch.manual_seed(SEED)  # seed\n",
        "import torch\nSEED = 3\ntorch.manual_seed(SEED)  # seed\nmodel = torch.nn.Linear(2, 2)\nx = 1\n",
    ),
    (
        "TSL107",
        "import random\n\ndef main():\n    items = [1, 2]\n    random.shuffle(items)\n    random.seed(0)",
        "import random\n\ndef main():\n    items = [1, 2]\n    random.seed(0)\n    random.shuffle(items)\n",
    ),
    (
        "TSL108",
        "import torch as T\n\ndef f(s):\n    T.cuda.manual_seed_all(s)\n",
        "import torch as T\n\ndef f(s):\n    T.manual_seed(s)\n    T.cuda.manual_seed_all(s)\n",
    ),
    (
        "TSL109",
        "import numpy as np\nrng = np.random.default_rng()\n",
        "import numpy as np\nrng = np.random.default_rng(0)\n",
    ),
    (
        "TSL109",
        "import random\nSEED = 1\nr = random.Random(None)\n",
        "import random\nSEED = 1\nr = random.Random(SEED)\n",
    ),
    (
        "TSL110",
        "import numpy as np\nimport torch\n\ndef w(i):\n    np.random.seed(torch.initial_seed())\n",
        "import numpy as np\nimport torch\n\ndef w(i):\n    np.random.seed(torch.initial_seed() % 2**32)\n",
    ),
    (
        "TSL110",
        "import numpy as np\nimport torch\n\ndef w(i):\n    np.random.seed(torch.initial_seed() + i)\n",
        "import numpy as np\nimport torch\n\ndef w(i):\n    np.random.seed((torch.initial_seed() + i) % 2**32)\n",
    ),
    ("TSL001", "x = 1  # noqa: E501, TSL302\n", "x = 1  # noqa: E501\n"),
    ("TSL001", "y = 2  # type: ignore  # noqa: TSL101\n", "y = 2  # type: ignore\n"),
    ("TSL001", "# torchseedlint: file-ignore[TSL999]\nz = 3\n", "z = 3\n"),
    (
        "TSL001",
        "z = 3  # torchseedlint: ignore[TSL201, tsl101] known issue\n",
        "z = 3  # known issue\n",
    ),
]


@pytest.mark.parametrize(
    "code,source,expected", FIXES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(FIXES)]
)
def test_fix(code: str, source: str, expected: str) -> None:
    found = _lint(source, [code])
    assert [d.code for d in found] == [code]
    assert found[0].fix is not None and found[0].fix.applicability == FIX_SAFETY[code]
    fixed, applied, deferred = apply_fixes(source, [found[0].fix])
    assert fixed == expected and applied and not deferred
    cst.parse_module(fixed)
    assert _lint(fixed, [code]) == []
    again = [d.fix for d in _lint(fixed, [code]) if d.fix is not None]
    assert apply_fixes(fixed, again)[0] == fixed


NO_FIX = [
    # The result of torch.seed() is used: torch.manual_seed returns a Generator instead.
    ("TSL106", "import torch\ns = torch.seed()\n"),
    # Different blocks: the consumer is in the module body, the seed in the main block.
    (
        "TSL107",
        "import torch\nm = torch.nn.Linear(1, 1)\nif __name__ == '__main__':\n"
        "    torch.manual_seed(0)\n",
    ),
    # The seed reads a name assigned between the consumer and the seed.
    ("TSL107", "import torch\nm = torch.nn.Linear(1, 1)\ns = 3\ntorch.manual_seed(s)\n"),
    # The argument has a call: repeating it would call it twice.
    ("TSL108", "import torch\ntorch.cuda.manual_seed(next(seeds))\n"),
    ("TSL108", "from torch import cuda\ncuda.manual_seed(1)\n"),
]


@pytest.mark.parametrize("code,source", NO_FIX, ids=[f"{c}-{i}" for i, (c, _) in enumerate(NO_FIX)])
def test_no_fix_where_it_would_be_wrong(code: str, source: str) -> None:
    found = _lint(source, [code])
    assert [d.code for d in found] == [code]
    assert found[0].fix is None


# --- TSL001 --------------------------------------------------------------------------------


def test_tsl001_messages_name_the_kind_of_each_code() -> None:
    source = (
        "import torch\ntorch.manual_seed(0)\nx = torch.rand(1)  # noqa: TSL101, TSL302, TSL777\n"
    )
    [found] = _lint(source, ["TSL001", "TSL101"])
    assert found.message == (
        "unused suppression comment (unused: TSL101; non-enabled: TSL302; unknown: TSL777)"
    )


def test_tsl001_used_and_foreign_suppressions_are_kept() -> None:
    source = (
        "import torch\nx = torch.rand(1)  # noqa: TSL101\n"
        "y = 1  # noqa\nz = 1  # noqa: E501  # torchseedlint: ignore[TSL001]\n"
    )
    assert _lint(source, ["TSL001", "TSL101"]) == []


def test_tsl001_off_by_default() -> None:
    assert lint_source("x = 1  # noqa: TSL101\n", "train.py") == []


def test_tsl001_respects_per_file_ignores_as_non_enabled() -> None:
    source = "import torch\nx = torch.rand(1)  # noqa: TSL101\n"
    settings = {"extend-select": ["TSL101"], "per-file-ignores": {"train.py": ["TSL101"]}}
    [found] = _lint(source, ["TSL001"], settings)
    assert "non-enabled: TSL101" in found.message


# --- TSL111 ------------------------------------------------------------------------------


def test_tsl111_is_not_reported_when_children_inherit_the_environment() -> None:
    source = (
        "import os\nimport torch\nos.environ['PYTHONHASHSEED'] = '0'\n"
        "loader = torch.utils.data.DataLoader(range(3), num_workers=2, "
        "multiprocessing_context='spawn')\n"
    )
    assert _lint(source, ["TSL111"]) == []
    assert [
        d.code for d in _lint(source.replace(", multiprocessing_context='spawn'", ""), ["TSL111"])
    ] == ["TSL111"]
