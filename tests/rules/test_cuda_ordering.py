"""TSL3xx/TSL4xx beyond their examples: fixes, version gating, and runnable proofs on CPU."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any, Dict, List, Optional

import libcst as cst
import pytest

from torchseedlint import lint_source
from torchseedlint.core.diagnostics import Diagnostic
from torchseedlint.edits.apply import apply_fixes
from torchseedlint.rules import RULES_BY_CODE
from torchseedlint.settings.config import config_from_mapping

CUDA_CODES = ("TSL301", "TSL302", "TSL303", "TSL304", "TSL305", "TSL306")
ORDERING_CODES = ("TSL401", "TSL402", "TSL403")
# Default on/off, as the catalog (docs/rules.md) fixes them.
# TSL301 is off by default after the real-code evaluation (its docs say why).
CATALOG_DEFAULTS = {
    "TSL301": False,
    "TSL302": True,
    "TSL303": False,
    "TSL304": False,
    "TSL305": True,
    "TSL306": True,
    "TSL401": False,
    "TSL402": False,
    "TSL403": False,
}


def lint(code: str, select: str, settings: Optional[Dict[str, Any]] = None) -> List[Diagnostic]:
    config = config_from_mapping({**(settings or {}), "select": [select]})
    return lint_source(code, "train.py", config)


def fix_once(code: str, select: str, settings: Optional[Dict[str, Any]] = None) -> str:
    fixes = [d.fix for d in lint(code, select, settings) if d.fix is not None]
    assert fixes, f"no fix offered for {select}"
    fixed, applied, deferred = apply_fixes(code, fixes)
    assert applied and not deferred
    return fixed


def check_fix(
    code: str, select: str, expected: str, settings: Optional[Dict[str, Any]] = None
) -> None:
    """The fix gives ``expected``, which parses, is clean, and a second pass leaves alone."""
    fixed = fix_once(code, select, settings)
    assert fixed == expected
    cst.parse_module(fixed)
    compile(fixed, "train.py", "exec")
    assert [d for d in lint(fixed, select, settings) if d.code == select] == []
    again = [d.fix for d in lint(fixed, select, settings) if d.fix is not None]
    assert apply_fixes(fixed, again)[0] == fixed


@pytest.mark.parametrize("code", CUDA_CODES + ORDERING_CODES)
def test_rule_docs_and_defaults(code: str) -> None:
    rule = RULES_BY_CODE[code]
    doc = rule.__doc__ or ""
    assert rule.default_enabled is CATALOG_DEFAULTS[code]
    assert ("## Why off by default" in doc) is (code == "TSL301")
    assert "## Known limitations" in doc
    assert ("## Fix safety" in doc) is (rule.fix_safety is not None)
    if code in CUDA_CODES:
        assert "could not be shown on CPU" in doc


# --- TSL301 / TSL306 ---------------------------------------------------------------


def test_tsl301_fix_sets_benchmark_false_through_alias() -> None:
    code = "import torch.backends.cudnn as cudnn\ncudnn.benchmark = True  # fast\n"
    [diagnostic] = lint(code, "TSL301")
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "unsafe"
    check_fix(
        code, "TSL301", "import torch.backends.cudnn as cudnn\ncudnn.benchmark = False  # fast\n"
    )


def test_tsl301_fix_lightning_trainer_keyword() -> None:
    code = (
        "import lightning as L\ntrainer = L.Trainer(\n    max_epochs=1,\n    benchmark=True,\n)\n"
    )
    check_fix(
        code,
        "TSL301",
        "import lightning as L\ntrainer = L.Trainer(\n    max_epochs=1,\n    benchmark=False,\n)\n",
    )


def test_tsl306_replaces_tsl301_on_the_same_statement() -> None:
    # One finding per statement: the more specific TSL306, with its fix.
    code = "from torch.backends import cudnn\ncudnn.deterministic = True\ncudnn.benchmark = True\n"
    expected = (
        "from torch.backends import cudnn\ncudnn.deterministic = True\ncudnn.benchmark = False\n"
    )
    check_fix(code, "TSL306", expected)
    assert [d.code for d in lint(code, "TSL3")] == ["TSL306"]
    assert [
        d.code for d in lint("import torch\ntorch.backends.cudnn.benchmark = True\n", "TSL3")
    ] == ["TSL301"]


# --- TSL302 ------------------------------------------------------------------------

TRAIN = "loss = model(torch.ones(2)).sum()\nloss.backward()\n"


def test_tsl302_is_anchored_on_the_seeding_call_and_fixed_after_it() -> None:
    code = (
        '"""Train."""\nimport torch\n\n\ndef helper():\n    pass\n\n\n'
        "torch.manual_seed(0)\nmodel = torch.nn.Linear(2, 2).cuda()\n" + TRAIN
    )
    [diagnostic] = lint(code, "TSL302")
    assert (diagnostic.location.row, diagnostic.location.column) == (9, 1)
    assert diagnostic.message == (
        "torch is seeded here, but CUDA kernels (line 10) stay "
        "nondeterministic: call `torch.use_deterministic_algorithms(True)`"
    )
    check_fix(
        code,
        "TSL302",
        '"""Train."""\nimport os\nimport torch\n\n\ndef helper():\n    pass\n\n\n'
        'torch.manual_seed(0)\nos.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")\n'
        "torch.use_deterministic_algorithms(True)\n"
        "model = torch.nn.Linear(2, 2).cuda()\n" + TRAIN,
    )


def test_tsl302_fix_inside_main_with_the_module_aliases() -> None:
    code = (
        "import os as _os\nimport torch as T\n\n\ndef main():\n    T.manual_seed(1)  # seed\n"
        "    device = T.device('cuda:0')\n    net = T.nn.Linear(1, 1).to(device)\n"
        "    net(T.ones(1)).backward()\n\n\nif __name__ == '__main__':\n    main()\n"
    )
    check_fix(
        code,
        "TSL302",
        "import os as _os\nimport torch as T\n\n\ndef main():\n    T.manual_seed(1)  # seed\n"
        '    _os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")\n'
        "    T.use_deterministic_algorithms(True)\n"
        "    device = T.device('cuda:0')\n    net = T.nn.Linear(1, 1).to(device)\n"
        "    net(T.ones(1)).backward()\n\n\nif __name__ == '__main__':\n    main()\n",
    )


def test_tsl302_has_no_fix_when_cuda_comes_before_the_seed() -> None:
    code = "import torch\nmodel = torch.nn.Linear(2, 2).cuda()\ntorch.manual_seed(0)\n" + TRAIN
    [diagnostic] = lint(code, "TSL302")
    assert diagnostic.fix is None and diagnostic.location.row == 3


@pytest.mark.parametrize(
    "source",
    [
        # Names of devices, not CUDA use.
        "DEVICES = ('cpu', 'gpu', 'cuda')\nmodel = torch.nn.Linear(2, 2)\n",
        "import argparse\np = argparse.ArgumentParser()\np.add_argument('--device', default='cuda')\n"
        "model = torch.nn.Linear(2, 2).to(p.parse_args().device)\n",
        "class Wrapper:\n    def __init__(self, device='cuda'):\n        self.device = device\n\n"
        "model = torch.nn.Linear(2, 2).to(Wrapper().device)\n",
        # A helper that moves to CUDA but is never called.
        "def to_gpu(m):\n    return m.cuda()\n\nmodel = torch.nn.Linear(2, 2)\n",
    ],
)
def test_tsl302_device_strings_are_not_cuda_use(source: str) -> None:
    assert lint("import torch\ntorch.manual_seed(0)\n" + source + TRAIN, "TSL302") == []


def test_tsl302_needs_a_training_step() -> None:
    convert = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = torch.load('a.pt').cuda()\n    torch.save(model.state_dict(), 'b.pt')\n"
    )
    assert lint(convert, "TSL302") == []
    for step in (
        "    optimizer.step()\n",
        "    accelerator.backward(loss)\n",
        "    trainer.fit(model)\n",
    ):
        assert [d.code for d in lint(convert + step, "TSL302")] == ["TSL302"]


def test_tsl302_lightning_suggests_trainer_deterministic() -> None:
    code = (
        "import lightning as L\n\nif __name__ == '__main__':\n    L.seed_everything(0)\n"
        "    trainer = L.Trainer(accelerator='gpu', devices=1)\n    trainer.fit(model)\n"
    )
    [diagnostic] = lint(code, "TSL302")
    assert diagnostic.message.endswith("pass `deterministic=True` to `Trainer`")
    assert diagnostic.fix is None
    assert lint(code.replace("'gpu'", "'cpu'"), "TSL302") == []


@pytest.mark.parametrize(
    "enabler",
    [
        "torch.use_deterministic_algorithms(True)",
        "torch.set_deterministic_debug_mode('error')",
        "torch.backends.cudnn.deterministic = True",
        "pl.Trainer(deterministic='warn')",
        "enable_full_determinism(0)",
    ],
)
def test_tsl302_each_way_of_enabling_determinism_counts(enabler: str) -> None:
    code = (
        "import torch\nimport pytorch_lightning as pl\nfrom transformers import "
        f"enable_full_determinism\ntorch.manual_seed(0)\n{enabler}\n"
        "model = torch.nn.Linear(2, 2).cuda()\n" + TRAIN
    )
    assert lint(code, "TSL302") == []
    assert [d.code for d in lint(code.replace(enabler, "pass"), "TSL302")] == ["TSL302"]


# --- TSL305 ------------------------------------------------------------------------

DETERMINISTIC = '"""Train."""\nimport torch\ntorch.use_deterministic_algorithms(True)\n'


@pytest.mark.parametrize(
    "version,reported",
    [
        ("1.8", True),
        ("2.3", True),
        ("2.9", True),
        ("2.9.1", True),
        ("2.10", False),
        ("2.13", False),
        (None, True),
    ],
)
def test_tsl305_reports_for_torch_up_to_2_9_or_unknown(
    version: Optional[str], reported: bool
) -> None:
    settings = {"torch-version": version} if version else {}
    assert bool(lint(DETERMINISTIC, "TSL305", settings)) is reported
    # The rule is on by default: no --select needed.
    found = lint_source(DETERMINISTIC, "train.py", config_from_mapping(settings))
    assert ("TSL305" in [d.code for d in found]) is reported


def test_tsl305_fix_sets_the_variable_before_import_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = (
        '"""Train."""\nimport os\nos.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", '
        '":4096:8")\nimport torch\ntorch.use_deterministic_algorithms(True)\n'
    )
    settings = {"torch-version": "2.3"}
    [diagnostic] = lint(DETERMINISTIC, "TSL305", settings)
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "safe"
    check_fix(DETERMINISTIC, "TSL305", expected, settings)
    # Running the fixed module sets the variable (and deterministic mode) for real.
    import torch

    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    try:
        exec(compile(expected, "train.py", "exec"), {})
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(False)


def test_tsl305_fix_reuses_an_os_alias_imported_before_torch() -> None:
    code = "import os as _os\nimport torch as T\nT.use_deterministic_algorithms(True)\n"
    check_fix(
        code,
        "TSL305",
        'import os as _os\n_os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")\n'
        "import torch as T\nT.use_deterministic_algorithms(True)\n",
        {"torch-version": "2.0"},
    )


def test_tsl305_wrong_value_is_reported_without_fix() -> None:
    code = (
        "import os\nos.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:2'\nimport torch\n"
        "torch.use_deterministic_algorithms(True)\n"
    )
    [diagnostic] = lint(code, "TSL305", {"torch-version": "2.3"})
    assert "':4096:2'" in diagnostic.message and diagnostic.fix is None


# --- TSL401 ------------------------------------------------------------------------


def test_tsl401_fix_sorts_the_listing(tmp_path: Any) -> None:
    code = "import os\nfiles = [f.upper() for f in os.listdir(root)]\n"
    expected = "import os\nfiles = [f.upper() for f in sorted(os.listdir(root))]\n"
    [diagnostic] = lint(code, "TSL401")
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "safe"
    check_fix(code, "TSL401", expected)
    for name in ("b", "c", "a", "e", "d"):
        (tmp_path / name).write_text("")
    namespace: Dict[str, Any] = {"root": str(tmp_path)}
    exec(expected, namespace)
    assert namespace["files"] == ["A", "B", "C", "D", "E"]


def test_tsl401_stored_iterator_fix_is_unsafe_and_scandir_has_none() -> None:
    [stored] = lint("from pathlib import Path\nfiles = Path('d').rglob('*.png')\n", "TSL401")
    assert stored.fix is not None and stored.fix.applicability == "unsafe"
    [scandir] = lint("import os\nentries = list(os.scandir('d'))\n", "TSL401")
    assert scandir.fix is None and "key=lambda e: e.name" in scandir.message


# --- TSL402 ------------------------------------------------------------------------

VOCAB = textwrap.dedent("""\
    words = ["tok%d" % i for i in range(30)]
    vocab = list(set(words))
    print(" ".join(vocab))
""")


def _run_with_hash_seed(code: str, seed: int) -> str:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def test_tsl402_order_differs_between_processes_and_the_fix_pins_it() -> None:
    assert [d.code for d in lint(VOCAB, "TSL402")] == ["TSL402"]
    outputs = {_run_with_hash_seed(VOCAB, seed) for seed in (1, 2)}
    assert len(outputs) == 2, "list(set(strings)) gave the same order under two hash seeds"
    fixed = fix_once(VOCAB, "TSL402")
    assert "vocab = sorted(set(words))" in fixed
    check_fix(VOCAB, "TSL402", fixed)
    assert len({_run_with_hash_seed(fixed, seed) for seed in (1, 2)}) == 1


def test_tsl402_loop_fix_wraps_the_iterable() -> None:
    code = "vocab = {}\nfor t in set(tokens):\n    vocab[t] = len(vocab)\n"
    check_fix(
        code, "TSL402", "vocab = {}\nfor t in sorted(set(tokens)):\n    vocab[t] = len(vocab)\n"
    )


# --- TSL403 ------------------------------------------------------------------------


def test_tsl403_bucket_differs_between_processes() -> None:
    code = "print(hash('train/img_0001.png') % 1000)\n"
    assert [d.code for d in lint(code, "TSL403")] == ["TSL403"]
    outputs = {_run_with_hash_seed(code, seed) for seed in (1, 2, 3)}
    assert len(outputs) > 1


def test_tsl305_no_fix_when_torch_is_first_imported_inside_a_block() -> None:
    code = (
        "try:\n    import torch\nexcept ImportError:\n    torch = None\nimport torch\n"
        "torch.use_deterministic_algorithms(True)\n"
    )
    [diagnostic] = lint(code, "TSL305", {"torch-version": "2.3"})
    assert diagnostic.fix is None


def test_tsl305_adds_import_os_when_os_comes_after_torch() -> None:
    code = "import torch\nimport os\ntorch.use_deterministic_algorithms(True)\n"
    check_fix(
        code,
        "TSL305",
        'import os\nos.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")\n'
        "import torch\nimport os\ntorch.use_deterministic_algorithms(True)\n",
        {"torch-version": "2.3"},
    )
