"""The torch/torchvision versions a project declares, for version-gated rules.

``torch-version``/``torchvision-version`` in the config win. Otherwise the lower
bound of the project's declared requirement is used (``torch>=1.8,<2`` -> 1.8,
``torch==2.3.*`` -> 2.3), read from pyproject.toml, setup.cfg, setup.py (parsed,
never executed), requirements*.txt and environment.yml. An unpinned ``torch``
stays unknown, and the rules then take their conservative branch.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from torchseedlint.analysis import parse_version
from torchseedlint.config import Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

# Config key -> the distribution names that provide it (conda calls torch "pytorch").
PACKAGES: Dict[str, Tuple[str, ...]] = {
    "torch-version": ("torch", "pytorch"),
    "torchvision-version": ("torchvision",),
}

# ``name[extras] <specifiers> ; markers`` (PEP 508), or conda's ``name=1.2=build``.
_REQUIREMENT = re.compile(
    r"^\s*(?:[\w.-]+::)?(?P<name>[A-Za-z0-9][\w.-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#@]*)"
)
_LOWER_BOUND_OPERATORS = ("===", "==", "~=", ">=", ">", "=", "^", "~")


def requirement_lower_bound(
    requirement: str, names: Iterable[str]
) -> Optional[Tuple[bool, Optional[str]]]:
    """For a requirement of one of ``names``: (True, lower bound or None); else None.

    ``torch>=1.8,<2`` -> (True, "1.8"); ``torch`` -> (True, None); ``numpy`` -> None.
    """
    match = _REQUIREMENT.match(requirement)
    if match is None or match.group("name").lower().replace("_", "-") not in names:
        return None
    bounds = []
    for clause in match.group("spec").split(","):
        clause = clause.strip()
        for operator in _LOWER_BOUND_OPERATORS:
            if clause.startswith(operator):
                # ``2.3.*`` -> 2.3; conda's ``2.0.1=py39_0`` -> 2.0.1
                version = clause[len(operator):].strip().split("=")[0].rstrip(".*")
                if parse_version(version) is not None:
                    bounds.append(version)
                break
        else:
            if clause and clause[0].isdigit() and parse_version(clause):
                bounds.append(clause.split("=")[0].rstrip(".*"))  # poetry/conda "2.0"
    if not bounds:
        return True, None
    return True, max(bounds, key=lambda v: parse_version(v) or ())


def _pyproject_requirements(path: Path) -> Iterator[str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    project = data.get("project", {})
    yield from _strings(project.get("dependencies"))
    for group in (project.get("optional-dependencies") or {}).values():
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
        yield from (line.strip() for line in value.replace(";", "\n;").splitlines()
                    if line.strip() and not line.strip().startswith(";"))


def _setup_py(path: Path) -> Iterator[str]:
    """Literal ``install_requires``/``extras_require`` of ``setup(...)``, or names bound
    to literals at module level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literals: Dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                literals[target.id] = node.value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg not in ("install_requires", "extras_require"):
                continue
            value = keyword.value
            if isinstance(value, ast.Name):
                value = literals.get(value.id, value)
            try:
                evaluated = ast.literal_eval(value)
            except ValueError:
                continue
            groups = evaluated.values() if isinstance(evaluated, dict) else [evaluated]
            for group in groups:
                yield from _strings(group)


def _environment_yml(path: Path) -> Iterator[str]:
    """``- pytorch=2.0.1`` and ``- torch==2.3`` list items, top level or under ``pip:``."""
    for line in path.read_text(encoding="utf-8").splitlines():
        item = line.split("#")[0].strip()
        if item.startswith("- "):
            yield item[2:].strip().strip("'\"")


def _declaring_files(root: Path) -> List[Tuple[Path, Any]]:
    found: List[Tuple[Path, Any]] = []
    for name, reader in (("pyproject.toml", _pyproject_requirements), ("setup.cfg", _setup_cfg),
                         ("setup.py", _setup_py)):
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
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError,
                tomllib.TOMLDecodeError, configparser.Error):
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
    """``config`` with torch/torchvision versions filled from the project's declarations
    when the config leaves them unset; ``config.provenance`` says where each came from."""
    provenance = dict(config.provenance)
    changes: Dict[str, Any] = {}
    declared: Optional[Dict[str, Declared]] = None
    for key in PACKAGES:
        field_name = key.replace("-", "_")
        if getattr(config, field_name) is not None:
            provenance.setdefault(key, f"set in {config.source or 'the settings'}")
            continue
        if declared is None:
            declared = declared_versions(root)
        found = declared.get(key)
        if found is None:
            provenance[key] = "no declared requirement found"
        elif found.version is None:
            provenance[key] = f"{found.path} declares `{found.requirement}` without a lower bound"
        else:
            changes[field_name] = found.version
            provenance[key] = f"inferred from {found.path} (`{found.requirement}`)"
    return replace(config, provenance=tuple(sorted(provenance.items())), **changes)
