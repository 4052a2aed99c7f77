"""What PyTorch, NumPy, Python and the training libraries do with random numbers.

Every table is keyed by fully qualified names, after import aliases have been
resolved (``np.random.rand`` is looked up as ``numpy.random.rand``). The facts
behind them are in ``docs/background`` of the spec: each entry says which RNG a
call draws from or seeds.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional

if TYPE_CHECKING:
    from torchseedlint.semantic.facts import Expr

# RNG kinds. T: torch global generators, P: Python ``random``, N: NumPy's
# legacy global RandomState, D: deterministic-algorithm flags.
TORCH = "T"
PYRANDOM = "P"
NUMPY = "N"
DETERMINISM = "D"
ALL_RNGS: FrozenSet[str] = frozenset({TORCH, PYRANDOM, NUMPY})

RNG_LABELS = {TORCH: "torch", PYRANDOM: "random", NUMPY: "numpy"}

REPRODUCIBILITY_URL = "https://pytorch.org/docs/stable/notes/randomness.html"

# --- seeders -----------------------------------------------------------------

_LIGHTNING_SEED_EVERYTHING = (
    "lightning.seed_everything",
    "lightning.pytorch.seed_everything",
    "lightning.fabric.seed_everything",
    "lightning.fabric.utilities.seed.seed_everything",
    "lightning.pytorch.utilities.seed.seed_everything",
    "pytorch_lightning.seed_everything",
    "pytorch_lightning.utilities.seed.seed_everything",
    "lightning_fabric.seed_everything",
    "lightning_fabric.utilities.seed.seed_everything",
)

# Seeders whose effect does not depend on keyword flags.
SEEDERS: Dict[str, FrozenSet[str]] = {
    "torch.manual_seed": frozenset({TORCH}),
    "torch.random.manual_seed": frozenset({TORCH}),
    "random.seed": frozenset({PYRANDOM}),
    "numpy.random.seed": frozenset({NUMPY}),
    "transformers.enable_full_determinism": frozenset({TORCH, PYRANDOM, NUMPY, DETERMINISM}),
    "transformers.trainer_utils.enable_full_determinism": frozenset(
        {TORCH, PYRANDOM, NUMPY, DETERMINISM}
    ),
    "timm.utils.random_seed": frozenset(ALL_RNGS),
    "timm.utils.random.random_seed": frozenset(ALL_RNGS),
    "detectron2.utils.env.seed_all_rng": frozenset(ALL_RNGS),
    # ``default_setup(cfg, args)`` calls ``seed_all_rng`` with ``cfg.SEED`` (plus the
    # rank), or with None, a random seed that it logs, when SEED < 0 (the default).
    "detectron2.engine.default_setup": frozenset(ALL_RNGS),
    "detectron2.engine.defaults.default_setup": frozenset(ALL_RNGS),
    # torch (CPU, CUDA, XLA) only; restores the previous state when used with ``with``.
    "fairseq.utils.set_torch_seed": frozenset({TORCH}),
    "monai.utils.set_determinism": frozenset({TORCH, PYRANDOM, NUMPY, DETERMINISM}),
    "monai.utils.misc.set_determinism": frozenset({TORCH, PYRANDOM, NUMPY, DETERMINISM}),
}
SEEDERS.update({name: frozenset(ALL_RNGS) for name in _LIGHTNING_SEED_EVERYTHING})

# Seeders that also enable determinism when called with ``<keyword>=True``.
SEEDERS_WITH_DETERMINISM_FLAG: Dict[str, str] = {
    "transformers.set_seed": "deterministic",
    "transformers.trainer_utils.set_seed": "deterministic",
    "accelerate.utils.set_seed": "deterministic",
    "accelerate.utils.random.set_seed": "deterministic",
    "fastai.torch_core.set_seed": "reproducible",
    "fastai.basics.set_seed": "reproducible",
    "fastai.vision.all.set_seed": "reproducible",
    "mmengine.runner.set_random_seed": "deterministic",
    "mmengine.runner.utils.set_random_seed": "deterministic",
    "mmcv.runner.set_random_seed": "deterministic",
    "mmcv.runner.utils.set_random_seed": "deterministic",
    "mmdet.apis.set_random_seed": "deterministic",
    "mmseg.apis.set_random_seed": "deterministic",
}
for _name in SEEDERS_WITH_DETERMINISM_FLAG:
    SEEDERS[_name] = frozenset(ALL_RNGS)

LIGHTNING_SEED_EVERYTHING = frozenset(_LIGHTNING_SEED_EVERYTHING)


def is_lightning_trainer(qualname: Optional[str]) -> bool:
    """``lightning.Trainer``, ``pytorch_lightning.Trainer`` and their submodule paths."""
    return _lightning_class(qualname, ("lightning", "pytorch_lightning"), "Trainer")


CUDA_ONLY_SEEDERS = frozenset({"torch.cuda.manual_seed", "torch.cuda.manual_seed_all"})

# Calls that replace a generator's state with entropy.
RANDOMIZING_CALLS = frozenset(
    {"torch.seed", "torch.random.seed", "torch.cuda.seed", "torch.cuda.seed_all"}
)

# Seeders that pick a random seed when called without one (their default is None).
RANDOM_WITHOUT_SEED = frozenset(
    {
        "random.seed",
        "numpy.random.seed",
        "mmengine.runner.set_random_seed",
        "mmengine.runner.utils.set_random_seed",
        "detectron2.utils.env.seed_all_rng",
    }
)
# Library helpers for which a ``None`` seed means "pick a random one". MONAI's
# ``set_determinism()`` without a seed uses a fixed default (2**32 - 1).
HELPERS_RANDOM_ON_NONE = (RANDOM_WITHOUT_SEED - {"random.seed", "numpy.random.seed"}) | frozenset(
    {"monai.utils.set_determinism", "monai.utils.misc.set_determinism"}
)


def seeds_randomly(qualname: Optional[str], seed: Optional[Expr]) -> bool:
    """Whether a seeding call given ``seed`` (None: no seed argument) picks a random seed."""
    if seed is None:
        return qualname in RANDOM_WITHOUT_SEED
    return seed.kind == "none"


# Seeding helpers used as a context manager that restore the previous state on
# exit: ``with set_torch_seed(s):`` seeds only the draws in its body.
RESTORING_SEEDERS = frozenset({"fairseq.utils.set_torch_seed"})


def _lightning_class(qualname: Optional[str], heads: Iterable[str], leaf: str) -> bool:
    if not qualname:
        return False
    return qualname.split(".")[0] in heads and qualname.rsplit(".", 1)[-1] == leaf


def is_fabric(qualname: Optional[str]) -> bool:
    """``lightning.Fabric``, ``lightning.fabric.Fabric``, ``lightning_fabric.Fabric``, ..."""
    return _lightning_class(qualname, ("lightning", "lightning_fabric"), "Fabric")


def is_lightning_cli(qualname: Optional[str]) -> bool:
    """``lightning.pytorch.cli.LightningCLI`` and its older import paths."""
    return _lightning_class(qualname, ("lightning", "pytorch_lightning"), "LightningCLI")


def lightning_cli_seeds(seed_everything_default: Optional[Expr]) -> bool:
    """Whether ``LightningCLI(seed_everything_default=...)`` seeds T P N: its default,
    True, seeds (a random seed, recorded in the saved config); only an explicit
    ``False`` or ``None`` turns seeding off."""
    value = seed_everything_default
    return value is None or not (
        value.kind == "none" or (value.kind == "literal" and value.value is False)
    )


# Top-level packages whose import paths we know; names under them that are not in
# the tables above are *not* seeders, so the "contains seed" benefit of the doubt
# does not apply to them.
KNOWN_PACKAGES = frozenset(
    {
        "torch",
        "numpy",
        "random",
        "lightning",
        "pytorch_lightning",
        "lightning_fabric",
        "transformers",
        "accelerate",
        "fastai",
        "mmengine",
        "mmcv",
        "detectron2",
        "timm",
        "monai",
        "torchvision",
        "os",
        "time",
    }
)

DETERMINISM_CALLS = frozenset(
    {
        "torch.use_deterministic_algorithms",
        "torch.set_deterministic_debug_mode",
        "torch.set_deterministic",
    }
)

# --- torch RNG consumers -------------------------------------------------------

# nn modules that initialise parameters (or draw, for dropout) when built.
_TORCH_NN_RANDOM_MODULES = frozenset(
    """Linear Bilinear LazyLinear Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d
    ConvTranspose3d LazyConv1d LazyConv2d LazyConv3d Embedding EmbeddingBag RNN LSTM GRU
    RNNCell LSTMCell GRUCell Transformer TransformerEncoder TransformerDecoder
    TransformerEncoderLayer TransformerDecoderLayer MultiheadAttention PReLU
    Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout RReLU""".split()
)

_TORCH_RANDOM_FUNCTIONS = frozenset(
    """rand rand_like randn randn_like randint randint_like randperm normal bernoulli
    multinomial poisson""".split()
)

TENSOR_RANDOM_METHODS = frozenset(
    """uniform_ normal_ random_ bernoulli_ exponential_ cauchy_ log_normal_ geometric_""".split()
)

_FUNCTIONAL_RANDOM = frozenset(
    "dropout dropout1d dropout2d dropout3d alpha_dropout feature_alpha_dropout rrelu gumbel_softmax".split()
)

_DATA_ALIASES = frozenset(
    {
        "torch.utils.data",
        "torch.utils.data.dataloader",
        "torch.utils.data.sampler",
        "torch.utils.data.dataset",
        "torch.utils.data.distributed",
    }
)


def data_name(qualname: Optional[str]) -> Optional[str]:
    """``torch.utils.data.dataloader.DataLoader`` -> ``DataLoader``; other names -> None."""
    if qualname is None:
        return None
    module, _, name = qualname.rpartition(".")
    return name if module in _DATA_ALIASES else None


def is_torch_consumer(qualname: str) -> bool:
    if qualname.startswith("torch.nn.init.") and qualname.endswith("_"):
        return True
    parts = qualname.split(".")
    if len(parts) == 2 and parts[0] == "torch" and parts[1] in _TORCH_RANDOM_FUNCTIONS:
        return True
    if qualname.startswith("torch.nn.functional.") and parts[-1] in _FUNCTIONAL_RANDOM:
        return True
    if qualname.startswith("torch.nn.") and parts[-1] in _TORCH_NN_RANDOM_MODULES:
        return True
    if qualname.startswith("torch.distributions.") and parts[-1] in ("sample", "rsample"):
        return True
    return data_name(qualname) in ("RandomSampler", "random_split")


# --- Python random -------------------------------------------------------------

PYRANDOM_FUNCTIONS = frozenset(
    """random randint randrange choice choices shuffle sample uniform gauss normalvariate
    lognormvariate expovariate vonmisesvariate gammavariate betavariate paretovariate
    weibullvariate triangular getrandbits randbytes binomialvariate""".split()
)

# torchvision v1 transforms that draw from Python ``random`` in every version.
TORCHVISION_PYRANDOM_TRANSFORMS = frozenset({"RandomOrder", "RandomChoice"})


def is_pyrandom_consumer(qualname: str) -> bool:
    parts = qualname.split(".")
    if len(parts) == 2 and parts[0] == "random" and parts[1] in PYRANDOM_FUNCTIONS:
        return True
    return _torchvision_v1_transform(qualname) in TORCHVISION_PYRANDOM_TRANSFORMS


# --- NumPy legacy global RNG --------------------------------------------------

_NUMPY_RANDOM_NOT_DRAWS = frozenset(
    """seed default_rng RandomState Generator BitGenerator SeedSequence PCG64 PCG64DXSM
    MT19937 Philox SFC64 get_state set_state get_bit_generator set_bit_generator""".split()
)


def is_numpy_consumer(qualname: str) -> bool:
    parts = qualname.split(".")
    return (
        len(parts) == 3
        and parts[0] == "numpy"
        and parts[1] == "random"
        and parts[2] not in _NUMPY_RANDOM_NOT_DRAWS
        and not parts[2].startswith("_")
    )


# --- global RNGs that DataLoader workers never reseed (TSL201) ---------------------
# A worker reseeds only `random`, torch and (torch >= 1.9) NumPy's legacy global
# RNG. These libraries keep a global RNG of their own, which every worker copies
# with the same state (background §2.4 case 4): identical draws across workers
# and epochs at any torch version. Library label -> exact draw functions, and
# qualified-name prefixes whose calls draw (imgaug augmenters draw from imgaug's
# global RNG when they run).
_WORKER_UNRESEEDED_CALLS = {
    "cv2.randu": "OpenCV",
    "cv2.randn": "OpenCV",
    "cv2.randShuffle": "OpenCV",
}
_WORKER_UNRESEEDED_PREFIXES = (
    ("imgaug.augmenters.", "imgaug"),
    ("imgaug.random.", "imgaug"),
    ("tensorflow.random.", "TensorFlow"),
    ("tensorflow.image.random_", "TensorFlow"),
    ("cupy.random.", "CuPy"),
)
_WORKER_UNRESEEDED_NOT_DRAWS = frozenset({"seed", "set_seed", "get_global_rng", "RNG"})


def global_rng(qualname: str) -> Optional[str]:
    """The global RNG (Python's ``random``, NumPy's or torch's) that a call of
    ``qualname`` draws from itself, if any."""
    if is_pyrandom_consumer(qualname):
        return PYRANDOM
    if is_numpy_consumer(qualname):
        return NUMPY
    if is_torch_consumer(qualname):
        return TORCH
    return None


def worker_unreseeded_rng(qualname: str) -> Optional[str]:
    """The library whose never-reseeded global RNG this call draws from, e.g. ``"OpenCV"``."""
    if qualname in _WORKER_UNRESEEDED_CALLS:
        return _WORKER_UNRESEEDED_CALLS[qualname]
    if qualname.rsplit(".", 1)[-1] in _WORKER_UNRESEEDED_NOT_DRAWS:
        return None
    for prefix, label in _WORKER_UNRESEEDED_PREFIXES:
        if qualname.startswith(prefix):
            return label
    return None


NUMPY_RNG_OBJECTS = frozenset(
    {"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"}
)

# Constructors of RNG objects that a DataLoader worker copies with identical state
# (the workers reseed only the global RNGs). albumentations 2.0.x ``Compose`` owns
# its own ``default_rng``/``random.Random``.
ALBUMENTATIONS_COMPOSE = frozenset(
    {"albumentations.Compose", "albumentations.core.composition.Compose"}
)
RNG_OBJECT_FACTORIES = (
    NUMPY_RNG_OBJECTS
    | frozenset({"random.Random", "torch.Generator", "torch._C.Generator"})
    | ALBUMENTATIONS_COMPOSE
)

# --- random augmentations -----------------------------------------------------

_RANDOM_TRANSFORM_NAMES = frozenset(
    """ColorJitter GaussianBlur ElasticTransform AutoAugment RandAugment TrivialAugmentWide
    AugMix MixUp CutMix RandomErasing RandomIoUCrop RandomZoomOut ScaleJitter
    RandomShortestSize RandomResize GaussianNoise JPEG""".split()
)


def _torchvision_v1_transform(qualname: str) -> Optional[str]:
    for prefix in ("torchvision.transforms.", "torchvision.transforms.transforms."):
        rest = qualname[len(prefix) :] if qualname.startswith(prefix) else ""
        if rest and "." not in rest:
            return rest
    return None


def _torchvision_v2_transform(qualname: str) -> Optional[str]:
    prefix = "torchvision.transforms.v2."
    rest = qualname[len(prefix) :] if qualname.startswith(prefix) else ""
    return rest if rest and "." not in rest else None


def random_transform_kind(qualname: str) -> Optional[str]:
    """``"v1"``, ``"v2"`` or ``"kornia"`` for a random augmentation, else None."""
    for kind, name in (
        ("v1", _torchvision_v1_transform(qualname)),
        ("v2", _torchvision_v2_transform(qualname)),
    ):
        if name and (name.startswith("Random") or name in _RANDOM_TRANSFORM_NAMES):
            return kind
    if qualname.startswith("kornia.augmentation."):
        leaf = qualname.rsplit(".", 1)[1]
        if leaf.startswith("Random") or leaf in _RANDOM_TRANSFORM_NAMES:
            return "kornia"
    return None


def random_transform_rng(qualname: str, torchvision_below_0_8: bool) -> str:
    """The RNG a random augmentation draws from."""
    if _torchvision_v1_transform(qualname) in TORCHVISION_PYRANDOM_TRANSFORMS:
        return PYRANDOM
    if torchvision_below_0_8 and random_transform_kind(qualname) == "v1":
        return PYRANDOM
    return TORCH


# Arguments that make a torchvision augmentation deterministic, by the positions
# of torchvision's signatures (the same in ``transforms`` and ``transforms.v2``).
# Transforms whose only chance is the coin flip: ``p >= 1`` always applies them.
_COIN_FLIP_P = {
    "RandomHorizontalFlip": 0,
    "RandomVerticalFlip": 0,
    "RandomGrayscale": 0,
    "RandomInvert": 0,
    "RandomAutocontrast": 0,
    "RandomEqualize": 0,
    "RandomPosterize": 1,
    "RandomSolarize": 1,
    "RandomAdjustSharpness": 1,
    "RandomApply": 1,
}
# Transforms that draw more once applied: only ``p <= 0`` makes them deterministic.
_APPLY_P = {**_COIN_FLIP_P, "RandomErasing": 0, "RandomPerspective": 1}
# ColorJitter(brightness, contrast, saturation, hue): the value of each that changes nothing.
_JITTER_CENTERS = (("brightness", 1.0), ("contrast", 1.0), ("saturation", 1.0), ("hue", 0.0))

_UNKNOWN = object()  # an argument whose value cannot be read without running code


def _argument(
    args: List[Expr], kwargs: Dict[str, Expr], name: str, position: int
) -> Optional[Expr]:
    if name in kwargs:
        return kwargs[name]
    return args[position] if position < len(args) else None


def _literal_value(expr: Optional[Expr]) -> object:
    """A number, a tuple of numbers, None (also for an absent argument), or _UNKNOWN."""
    if expr is None or expr.kind == "none":
        return None
    if expr.kind == "literal":
        value = expr.value
        return (
            float(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else _UNKNOWN
        )
    try:
        value = ast.literal_eval(expr.text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _UNKNOWN
    if isinstance(value, (tuple, list)) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        return tuple(float(v) for v in value)
    return _UNKNOWN


def _fixed_range(value: object, number_is_fixed: bool) -> bool:
    """A parameter drawn from a range that holds one value: ``(18, 18)``, or a single
    number where the transform takes it as the value itself (``sigma=2.0``) or as
    the half-width of a range around it (``degrees=0``)."""
    if isinstance(value, float):
        return number_is_fixed or value == 0
    return isinstance(value, tuple) and len(value) == 2 and value[0] == value[1]


def _jitter_is_random(args: List[Expr], kwargs: Dict[str, Expr]) -> bool:
    # Each factor is drawn from its range, and the (up to four) adjustments are
    # applied in a random order: random when one range is wide or two apply.
    applied = 0
    for position, (name, center) in enumerate(_JITTER_CENTERS):
        value = _literal_value(_argument(args, kwargs, name, position))
        if value is _UNKNOWN or (value is not None and not _fixed_range(value, False)):
            return True
        if isinstance(value, tuple) and value[0] != center:
            applied += 1
    return applied > 1


def transform_is_random(qualname: str, args: List[Expr], kwargs: Dict[str, Expr]) -> bool:
    """Whether building this augmentation, with these arguments, gives a random one.

    False for a name that is not a random augmentation, and for one whose literal
    arguments leave nothing to chance: ``p=0``, ``RandomHorizontalFlip(p=1.0)``,
    ``GaussianBlur(k, sigma=2.0)`` or ``sigma=(18, 18)``, ``ColorJitter()``,
    ``RandomRotation(0)``, ``RandomAffine(0)``, ``ElasticTransform(alpha=0)``.
    An argument that is not a literal may take any value: random.
    """
    kind = random_transform_kind(qualname)
    if kind is None:
        return False
    leaf = qualname.rsplit(".", 1)[-1]
    if kind == "kornia":  # kornia's positions vary; ``p=`` is the same keyword everywhere
        p = _literal_value(kwargs.get("p"))
        return not (isinstance(p, float) and p <= 0)
    if leaf in _APPLY_P:
        p = _literal_value(_argument(args, kwargs, "p", _APPLY_P[leaf]))
        if isinstance(p, float) and (p <= 0 or (p >= 1 and leaf in _COIN_FLIP_P)):
            return False
    if leaf == "GaussianBlur":
        return not _fixed_range(_literal_value(_argument(args, kwargs, "sigma", 1)), True)
    if leaf in ("RandomRotation", "RandomAffine"):
        degrees = _literal_value(_argument(args, kwargs, "degrees", 0))
        if not _fixed_range(degrees, False):
            return True
        # RandomAffine(degrees, translate, scale, shear): any of the three draws.
        others = ("translate", "scale", "shear") if leaf == "RandomAffine" else ()
        return any(
            _literal_value(_argument(args, kwargs, name, position)) is not None
            for position, name in enumerate(others, start=1)
        )
    if leaf == "ColorJitter":
        return _jitter_is_random(args, kwargs)
    if leaf == "ElasticTransform":
        return _literal_value(_argument(args, kwargs, "alpha", 0)) != 0.0
    return True


# --- entropy ------------------------------------------------------------------

_ENTROPY_PREFIXES = ("time.", "secrets.", "uuid.")
_ENTROPY_CALLS = frozenset(
    {
        "os.urandom",
        "os.getpid",
        "hash",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.now",
        "datetime.utcnow",
        "datetime.date.today",
        "torch.seed",
        "torch.random.seed",
        "random.SystemRandom",
    }
)


def is_entropy_call(qualname: str) -> bool:
    """A call whose result differs from run to run of an unseeded process."""
    if qualname in _ENTROPY_CALLS or qualname.startswith(_ENTROPY_PREFIXES):
        return True
    return (
        is_pyrandom_consumer(qualname)
        or is_numpy_consumer(qualname)
        or (
            qualname.split(".")[0] == "torch" and qualname.split(".")[-1] in _TORCH_RANDOM_FUNCTIONS
        )
    )


# --- words for the text screen (torchseedlint.engine.screen) ---------------------------
# A resolved qualified name's last part is always written in the file: at the use
# (``np.random.rand``) or in the import that binds it (``from numpy.random import
# rand as r``). For the prefix tests above, every match contains the part listed.


def leaves(names: Iterable[str]) -> FrozenSet[str]:
    """The last part of each dotted name."""
    return frozenset(name.rsplit(".", 1)[-1] for name in names)


# Every call ModuleAnalysis counts as drawing from a global RNG, or as training.
CONSUMER_WORDS = (
    frozenset(
        {
            "init",
            "distributions",
            "random",
            "transforms",
            "augmentation",
            "backward",
            "step",
            "fit",
            "DataLoader",
            "RandomSampler",
            "random_split",
        }
    )
    | _TORCH_RANDOM_FUNCTIONS
    | _FUNCTIONAL_RANDOM
    | _TORCH_NN_RANDOM_MODULES
    | TENSOR_RANDOM_METHODS
    | TORCHVISION_PYRANDOM_TRANSFORMS
)

# Every call ``is_entropy_call`` accepts.
ENTROPY_WORDS = (
    frozenset(prefix.rstrip(".") for prefix in _ENTROPY_PREFIXES)
    | leaves(_ENTROPY_CALLS)
    | CONSUMER_WORDS
)

# Every name ``direct_seeds`` knows (imported project seeders aside).
SEEDER_WORDS = leaves(
    set(SEEDERS)
    | DETERMINISM_CALLS
    | CUDA_ONLY_SEEDERS
    | RANDOMIZING_CALLS
    | HELPERS_RANDOM_ON_NONE
) | frozenset({"seed_everything", "LightningCLI"})  # Fabric's method, a CLI that seeds
