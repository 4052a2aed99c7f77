"""The torch/torchvision versions a project runs on, for version-gated rules.

``torch-version``/``torchvision-version`` in the config win. Otherwise the lower
bound of the project's declared requirement is used (``torch>=1.8,<2`` -> 1.8,
``torch==2.3.*`` -> 2.3, ``torch @ .../torch-2.1.0-...whl`` -> 2.1.0): the oldest
version the project supports. It is read from pyproject.toml (PEP 621 and PEP 735
dependency groups, Poetry), setup.cfg, setup.py (parsed, never executed),
requirements*.txt and environment.yml. When no requirement gives a lower bound,
the version of the distribution installed where the linter runs is used (its
metadata, torch is not imported), as ruff reads the environment. Only when that
is missing too the version stays unknown, and the rules take their conservative
branch.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple
from urllib.parse import unquote, urlparse

from torchseedlint.settings.config import Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

# Config key -> the distribution names that provide it (conda calls torch "pytorch").
PACKAGES: Dict[str, Tuple[str, ...]] = {
    "torch-version": ("torch", "pytorch"),
    "torchvision-version": ("torchvision",),
}

# The specifier operators that give a lower bound: ``>=1.8``, ``==2.3.*``, ``~=2.1``.
_LOWER_BOUND_OPERATORS = ("===", "==", "~=", ">=", ">")

# Conda's ``pytorch=1.7.1=build`` and Poetry's ``torch^2.0``, which are not PEP 508.
_LOOSE_REQUIREMENT = re.compile(
    r"^\s*(?:[\w.-]+::)?(?P<name>[A-Za-z0-9][\w.-]*)\s*(?P<spec>[^;#@]*)"
)
_LOOSE_OPERATORS = ("==", ">=", "=", "^", "~")


def requirement_lower_bound(
    requirement: str, names: Iterable[str]
) -> Optional[Tuple[bool, Optional[str]]]:
    """For a requirement of one of ``names``: (True, lower bound or None); else None.

    ``torch>=1.8,<2`` -> (True, "1.8"); ``torch`` -> (True, None); ``numpy`` -> None.
    PEP 508 (``packaging``) first, then the conda and Poetry spellings.
    """
    # ``packaging`` is imported when a project declares requirements: not at start-up.
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return _loose_lower_bound(requirement, names)
    if canonicalize_name(parsed.name) not in names:
        return None
    bounds = [
        spec.version[:-2] if spec.version.endswith(".*") else spec.version
        for spec in parsed.specifier
        if spec.operator in _LOWER_BOUND_OPERATORS
    ]
    if parsed.url:
        bounds.extend(filter(None, [_wheel_version(parsed.url)]))
    return True, _highest(bounds)


def _wheel_version(url: str) -> Optional[str]:
    """``.../torch-2.1.0%2Bcu118-cp310-...whl`` -> ``2.1.0+cu118``; None for a
    non-wheel URL (a source archive or a git checkout says nothing reliable)."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    filename = unquote(urlparse(url).path.rsplit("/", 1)[-1])
    try:
        return str(parse_wheel_filename(filename)[1])
    except InvalidWheelFilename:
        return None


def _loose_lower_bound(
    requirement: str, names: Iterable[str]
) -> Optional[Tuple[bool, Optional[str]]]:
    from packaging.utils import canonicalize_name

    match = _LOOSE_REQUIREMENT.match(requirement)
    if match is None or canonicalize_name(match.group("name")) not in names:
        return None
    bounds = []
    for clause in match.group("spec").split(","):
        clause = clause.strip()
        operator = next((op for op in _LOOSE_OPERATORS if clause.startswith(op)), "")
        if operator or clause[:1].isdigit():
            # ``2.3.*`` -> 2.3; conda's ``2.0.1=py39_0`` -> 2.0.1
            bounds.append(clause[len(operator) :].strip().split("=")[0].rstrip(".*"))
    return True, _highest(bounds)


def _highest(bounds: List[str]) -> Optional[str]:
    """The tightest of several lower bounds (``>=1.8,==1.9.*`` -> 1.9)."""
    valid = [bound for bound in bounds if parse_version(bound) is not None]
    return max(valid, key=lambda v: parse_version(v) or ()) if valid else None


def installed_version(distribution: str) -> Optional[str]:
    """The version of ``distribution`` installed in this environment, from its
    metadata (nothing is imported); None when it is not installed.

    Every run asks, and importing ``importlib.metadata`` costs more than the rest
    of a cached run's settings: a wheel's install is found as it would find it,
    the first ``<name>-<version>.dist-info`` folder on ``sys.path``. Anything else
    there (an egg, a zip) is left to ``importlib.metadata``.
    """
    prefix = re.sub(r"[-_.]+", "_", distribution).lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            if os.path.isfile(entry):  # a zip archive on the path
                return _metadata_version(distribution)
            continue
        for name in names:
            lowered = name.lower()
            if lowered.startswith(prefix) and lowered.endswith(".dist-info"):
                return name[len(prefix) : -len(".dist-info")]
            if lowered.startswith(prefix[:-1]) and lowered.endswith((".egg-info", ".egg")):
                return _metadata_version(distribution)
    return None


def _metadata_version(distribution: str) -> Optional[str]:
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _pyproject_requirements(path: Path) -> Iterator[str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    project = data.get("project", {})
    yield from _strings(project.get("dependencies"))
    for group in (project.get("optional-dependencies") or {}).values():
        yield from _strings(group)
    # PEP 735; ``{include-group = ...}`` entries are read as their own group.
    for group in (data.get("dependency-groups") or {}).values():
        yield from _strings(group)
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    for name, spec in poetry.items() if isinstance(poetry, dict) else ():
        if isinstance(spec, dict):
            spec = spec.get("version", "")
        if isinstance(spec, str):
            yield f"{name}{spec}" if spec and spec[0] in "<>=!~^" else f"{name}=={spec}"


def _strings(value: Any) -> List[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _requirements_txt(path: Path) -> Iterator[str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #")[0].strip()
        if line and not line.startswith(("#", "-")):
            yield line


def _setup_cfg(path: Path) -> Iterator[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(path.read_text(encoding="utf-8"))
    values = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values.extend(value for _key, value in parser.items("options.extras_require"))
    for value in values:
        yield from (
            line.strip()
            for line in value.replace(";", "\n;").splitlines()
            if line.strip() and not line.strip().startswith(";")
        )


# The setup() keywords that list what the package needs to run.
_SETUP_KEYWORDS = ("install_requires", "extras_require")


def _setup_py(path: Path) -> Iterator[str]:
    """The strings of the list, tuple and set literals that ``setup(install_requires=...,
    extras_require=...)`` reaches: written there, or through the names it uses
    (``_deps = ["torch>=2.6", ...]`` turned into ``install_requires`` by a
    comprehension or a helper function), followed by name, never executed."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    definitions: Dict[str, List[ast.AST]] = defaultdict(list)
    pending: List[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                definitions[_base_name(target)].append(node.value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            definitions[node.name].append(node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # install_requires.append("torch>=2") / extras.update({...})
            definitions[_base_name(node.func.value)].append(node)
        if isinstance(node, ast.Call) and _is_setup(node.func):
            pending.extend(kw.value for kw in node.keywords if kw.arg in _SETUP_KEYWORDS)
    reached: Set[str] = set()
    while pending:
        for node in ast.walk(pending.pop()):
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                yield from _string_constants(node.elts)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("append", "add", "insert")
            ):
                yield from _string_constants(node.args)
            elif isinstance(node, ast.Name) and node.id not in reached:
                reached.add(node.id)
                pending.extend(definitions.get(node.id, ()))


def _string_constants(nodes: Iterable[ast.expr]) -> Iterator[str]:
    return (
        node.value
        for node in nodes
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _base_name(node: ast.AST) -> str:
    """``extras["x"]`` and ``extras.update`` -> ``extras``."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _is_setup(function: ast.expr) -> bool:
    """``setup`` or ``setuptools.setup``."""
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return name == "setup"


def _environment_yml(path: Path) -> Iterator[str]:
    """``- pytorch=2.0.1`` and ``- torch==2.3`` list items, top level or under ``pip:``."""
    for line in path.read_text(encoding="utf-8").splitlines():
        item = line.split("#")[0].strip()
        if item.startswith("- "):
            yield item[2:].strip().strip("'\"")


def _declaring_files(root: Path) -> List[Tuple[Path, Any]]:
    found: List[Tuple[Path, Any]] = []
    for name, reader in (
        ("pyproject.toml", _pyproject_requirements),
        ("setup.cfg", _setup_cfg),
        ("setup.py", _setup_py),
    ):
        if (root / name).is_file():
            found.append((root / name, reader))
    requirements = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    found.extend((path, _requirements_txt) for path in requirements)
    for name in ("environment.yml", "environment.yaml"):
        if (root / name).is_file():
            found.append((root / name, _environment_yml))
    return found


@dataclass(frozen=True)
class Declared:
    version: Optional[str]  # the lower bound; None for an unbounded requirement
    path: Path
    requirement: str


def declared_versions(root: Path) -> Dict[str, Declared]:
    """Config key -> the requirement with the lowest lower bound, across all files.

    The lowest bound is the oldest version the project claims to support, which
    is what a version-gated rule must assume; a bounded requirement wins over an
    unbounded one.
    """
    found: Dict[str, Declared] = {}
    for path, reader in _declaring_files(root):
        try:
            requirements = list(reader(path))
        except (
            OSError,
            UnicodeDecodeError,
            SyntaxError,
            ValueError,
            tomllib.TOMLDecodeError,
            configparser.Error,
        ):
            continue  # an unreadable file declares nothing we can use
        for requirement in requirements:
            for key, names in PACKAGES.items():
                declared = requirement_lower_bound(requirement, names)
                if declared is None:
                    continue
                candidate = Declared(declared[1], path, requirement.strip())
                if _lower(candidate, found.get(key)):
                    found[key] = candidate
    return found


def _lower(candidate: Declared, current: Optional[Declared]) -> bool:
    if current is None:
        return True
    if candidate.version is None:
        return False
    if current.version is None:
        return True
    return (parse_version(candidate.version) or ()) < (parse_version(current.version) or ())


def with_inferred_versions(config: Config, root: Path) -> Config:
    """``config`` with torch/torchvision versions filled, when the config leaves them
    unset, from the project's declarations or else the installed distribution;
    ``config.provenance`` says where each came from."""
    provenance = dict(config.provenance)
    changes: Dict[str, Any] = {}
    declared: Optional[Dict[str, Declared]] = None
    for key, names in PACKAGES.items():
        field_name = key.replace("-", "_")
        if getattr(config, field_name) is not None:
            provenance.setdefault(key, f"set in {config.source or 'the settings'}")
            continue
        if declared is None:
            declared = declared_versions(root)
        found = declared.get(key)
        if found is not None and found.version is not None:
            changes[field_name] = found.version
            provenance[key] = f"inferred from {found.path} (`{found.requirement}`)"
            continue
        unbounded = (
            f"; {found.path} declares `{found.requirement}` without a lower bound"
            if found is not None
            else "; no declared requirement found"
        )
        installed = installed_version(names[0])
        if installed is not None:
            changes[field_name] = installed
            provenance[key] = f"installed {names[0]} distribution{unbounded}"
        elif found is None:
            provenance[key] = f"no declared requirement found, {names[0]} not installed"
        else:
            provenance[key] = f"{unbounded[2:]}, {names[0]} not installed"
    return replace(config, provenance=tuple(sorted(provenance.items())), **changes)


def parse_version(text: Optional[str]) -> Optional[Tuple[int, ...]]:
    """``"1.8"`` -> ``(1, 8)``; ``"2.3.0+cu121"`` -> ``(2, 3, 0)``; junk -> None."""
    if not text:
        return None
    parts = []
    for piece in str(text).strip().lstrip("=v").split("."):
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    return tuple(parts) or None


def version_at_least(version: Optional[Tuple[int, ...]], minimum: str) -> Optional[bool]:
    """True/False when the version is known, None when it is not."""
    if version is None:
        return None
    wanted = parse_version(minimum) or ()
    return tuple(version) >= wanted
