"""The language server's project index follows edits of an imported module
incrementally: after every edit, the findings equal those of an index built from
scratch with the same buffers (in process, through the server's ``Workspace``)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

from torchseedlint.integrations.server import Workspace

TRAIN = """\
import torch
from torch.utils.data import DataLoader

from helpers import make_data, set_seed
from models import Net


def main():
    set_seed(0)
    loader = DataLoader(make_data(), shuffle=True, num_workers=2)
    model = Net()
    for batch in loader:
        model(batch)


if __name__ == "__main__":
    main()
"""

MODELS = """\
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)
"""

# Each edit of helpers.py changes what train.py is told: seeding, draws, names.
HELPERS = [
    "import random\nimport numpy as np\nimport torch\n\n\ndef set_seed(seed):\n"
    "    random.seed(seed)\n    np.random.seed(seed)\n    torch.manual_seed(seed)\n\n\n"
    "def make_data():\n    return torch.randn(8, 2)\n",
    "import torch\n\n\ndef set_seed(seed):\n    torch.manual_seed(seed)\n\n\n"
    "def make_data():\n    return torch.randn(8, 2)\n",
    "import numpy as np\nimport torch\n\n\ndef set_seed(seed):\n    pass\n\n\n"
    "def make_data():\n    return np.random.rand(8, 2)\n",
    "import torch\n\n\ndef set_seed(seed):\n    torch.manual_seed(seed)\n\n\n"
    "def make_data():\n    return [1, 2]\n",
    "from seeding import set_seed  # noqa: F401\n\n\ndef make_data():\n    return [1, 2]\n",
    "x = 1\n",  # ruled out by the text screen: read again through the loader
    "def broken(:\n",
]
SEEDING = "import random\n\n\ndef set_seed(seed):\n    random.seed(seed)\n"


def _findings(workspace: Workspace, train: Path) -> List[Tuple[str, int, str]]:
    project = workspace.project_of(train)
    return [(d.code, d.location.row, d.message) for d in project.lint(train).diagnostics]


def test_editing_an_imported_module_updates_the_index_like_a_rebuild(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    for name, text in {"train.py": TRAIN, "models.py": MODELS, "seeding.py": SEEDING}.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "helpers.py").write_text(HELPERS[0])
    train, helpers = (tmp_path / "train.py").resolve(), (tmp_path / "helpers.py").resolve()
    kept = Workspace()
    kept_project = kept.project_of(train)
    kept_project.set_buffer(train, TRAIN)
    kept_project.lint(train)  # the index is built once, then only updated
    index = kept_project.index()
    seen = set()
    for text in [*HELPERS[1:], HELPERS[0]]:
        assert kept_project.set_buffer(helpers, text)  # other files' findings may change
        assert kept_project.index() is index
        fresh = Workspace()
        fresh_project = fresh.project_of(train)
        fresh_project.set_buffer(train, TRAIN)
        fresh_project.set_buffer(helpers, text)
        expected = _findings(fresh, train)
        assert _findings(kept, train) == expected, text
        seen.add(tuple(expected))
    assert len(seen) >= 3  # the edits did change what train.py is told
