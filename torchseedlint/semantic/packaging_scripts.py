"""Console scripts declared in a project's packaging: their targets are entry points.

Read from ``[project.scripts]``/``[project.gui-scripts]`` in pyproject.toml,
``console_scripts`` in setup.cfg's ``[options.entry_points]``, and the
``entry_points`` literal of setup.py (read with ``ast``, never run).
"""

from __future__ import annotations

import ast
import configparser
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

# (script name, "package.module:function")
Script = Tuple[str, str]


def console_scripts(root: Path) -> List[Script]:
    """Every console script the project at ``root`` declares; unreadable files add none."""
    return (
        _pyproject(root / "pyproject.toml")
        + _setup_cfg(root / "setup.cfg")
        + _setup_py(root / "setup.py")
    )


def _pyproject(path: Path) -> List[Script]:
    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    found = []
    for table in ("scripts", "gui-scripts"):
        scripts = project.get(table, {}) if isinstance(project, dict) else {}
        if isinstance(scripts, dict):
            found += [(str(name), str(target)) for name, target in scripts.items()]
    return found


def _setup_cfg(path: Path) -> List[Script]:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
        text = parser.get("options.entry_points", "console_scripts", fallback="")
    except (OSError, UnicodeDecodeError, configparser.Error):
        return []
    return _parse_lines(text.splitlines())


def _setup_py(path: Path) -> List[Script]:
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return []
    found: List[Script] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "entry_points":
            found += _parse_lines(_strings(_literal(node.value), "console_scripts"))
    return found


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None


def _strings(value: Any, group: str) -> List[str]:
    if isinstance(value, dict):
        value = value.get(group)
    elif isinstance(value, str):  # the setup.cfg-like INI text form
        return _strings(_ini_groups(value), group)
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _ini_groups(text: str) -> Dict[str, List[str]]:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    return {
        section: [f"{k} = {v}" for k, v in parser.items(section)] for section in parser.sections()
    }


def _parse_lines(lines: List[str]) -> List[Script]:
    found = []
    for line in lines:
        name, equals, target = line.partition("=")
        if equals and name.strip() and ":" in target:
            found.append((name.strip(), target.split("[")[0].strip()))
    return found
