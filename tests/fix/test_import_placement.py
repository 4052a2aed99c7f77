"""Where the seeding fix puts the imports it adds: in their isort section (the
standard library above third-party packages, those above the project's own), in
alphabetical order among the section's ``import`` lines; a section the module
lacks is added in its place, a blank line apart, as isort and ruff's ``I001``
would have it."""

from __future__ import annotations

import sys

import pytest

from torchseedlint.fix.loop import fix_text
from torchseedlint.settings.config import Config

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 10), reason="needs sys.stdlib_module_names (Python 3.10+)"
)

# Programs that shuffle with ``random`` and never seed it: the fix seeds it in
# ``main`` and needs a module-level ``import random``.
SHUFFLES = (
    "\n\ndef main():\n    data = list(range(10))\n    shuffle(data)\n    print(data)\n"
    "\n\nif __name__ == '__main__':\n    main()\n"
)
IMPORTS_INSIDE = (
    "\n\ndef main():\n    import random\n\n    data = list(range(10))\n"
    "    random.shuffle(data)\n    print(np.zeros(2), data)\n"
    "\n\nif __name__ == '__main__':\n    main()\n"
)


@pytest.mark.parametrize(
    "imports,body,expected",
    [
        # The standard-library section exists: ``import random`` joins it, in order.
        (
            "import os\nimport sys\nfrom random import shuffle\n\nimport numpy as np\n",
            SHUFFLES,
            "import os\nimport random\nimport sys\nfrom random import shuffle\n\n"
            "import numpy as np\n",
        ),
        # Only ``from`` imports in the section: the ``import`` line goes first.
        (
            "from random import shuffle\n\nimport numpy as np\n",
            SHUFFLES,
            "import random\nfrom random import shuffle\n\nimport numpy as np\n",
        ),
        # No standard-library section: a new one, above the third-party one.
        ("import numpy as np\n", IMPORTS_INSIDE, "import random\n\nimport numpy as np\n"),
        # Below ``from __future__``.
        (
            "from __future__ import annotations\n\nimport numpy as np\n",
            IMPORTS_INSIDE,
            "from __future__ import annotations\n\nimport random\n\nimport numpy as np\n",
        ),
        # Above the project's own (relative) imports too.
        (
            "import numpy as np\n\nfrom . import helpers\n",
            IMPORTS_INSIDE,
            "import random\n\nimport numpy as np\n\nfrom . import helpers\n",
        ),
    ],
)
def test_added_imports_go_to_their_section(imports: str, body: str, expected: str) -> None:
    fixed = fix_text(imports + body, "train.py", Config(), unsafe=True).text
    assert fixed.startswith(expected + "\nSEED = 0\n")
    assert "random.seed(SEED)" in fixed
