"""``--show-settings [PATH]``: the settings PATH is linted with, and where each came from."""

from __future__ import annotations

from functools import partial
from typing import List

from torchseedlint.engine.runner import project_root
from torchseedlint.rules import selected_codes
from torchseedlint.settings.config import Config, ConfigResolver
from torchseedlint.settings.versions import with_inferred_versions


def settings_text(configs: ConfigResolver, path: str) -> str:
    root = project_root(configs.config_for(path).outermost(), [path])
    config = configs.then(partial(with_inferred_versions, root=root)).config_for(path)
    provenance = dict(config.provenance)
    lines: List[str] = [
        f"settings for: {path}",
        f"config file: {config.source or '(none: defaults)'}",
    ]
    lines.extend(f"extends: {base.source}" for base in list(config.chain())[1:])
    lines.append(f"project root: {root}")
    for key in ("torch-version", "torchvision-version"):
        value = getattr(config, key.replace("-", "_")) or "unknown"
        lines.append(f"{key}: {value} ({provenance.get(key, 'not set')})")
    lines.append(f"respect-gitignore: {str(config.respect_gitignore).lower()}")
    for key in (
        "select",
        "extend-select",
        "ignore",
        "exclude",
        "extend-exclude",
        "seed-functions",
        "entry-points",
        "test-paths",
        "fixable",
        "unfixable",
    ):
        lines.append(f"{key}: {_shown(config, key)}")
    owner = config.owner("per-file-ignores")
    for pattern, codes in owner.per_file_ignores:
        lines.append(f"per-file-ignores: {pattern} = {', '.join(codes)}{_from(config, owner)}")
    lines.append(f"enabled rules: {', '.join(selected_codes(config))}")
    return "\n".join(lines) + "\n"


def _shown(config: Config, key: str) -> str:
    """A setting's value; a glob setting says which file of the ``extend`` chain set it."""
    name = key.replace("-", "_")
    if key == "extend-exclude":
        values = [
            f"{pattern}{_from(config, c)}" for c in config.chain() for pattern in c.extend_exclude
        ]
        return ", ".join(values) or "(none)"
    owner = config.owner(key)
    value = getattr(owner, name)
    return ("(default)" if value is None else ", ".join(value) or "(none)") + _from(config, owner)


def _from(config: Config, owner: Config) -> str:
    return "" if owner is config else f" (from {owner.source}, relative to {owner.root})"
