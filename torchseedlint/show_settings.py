"""``--show-settings``: the settings a run would use, and where each came from."""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

from torchseedlint.config import Config
from torchseedlint.engine import project_root
from torchseedlint.rules import selected_codes
from torchseedlint.versions import with_inferred_versions


def settings_text(config: Config, paths: Sequence[str]) -> str:
    root = project_root(config, [p for p in paths if Path(p).exists()])
    config = with_inferred_versions(config, root)
    provenance = dict(config.provenance)
    lines: List[str] = [
        f"config file: {config.source or '(none: defaults)'}",
        f"project root: {root}",
    ]
    for key in ("torch-version", "torchvision-version"):
        value = getattr(config, key.replace("-", "_")) or "unknown"
        lines.append(f"{key}: {value} ({provenance.get(key, 'not set')})")
    for key in ("select", "extend-select", "ignore", "exclude", "extend-exclude",
                "seed-functions", "entry-points", "fixable", "unfixable"):
        value = getattr(config, key.replace("-", "_"))
        shown = "(default)" if value is None else ", ".join(value) or "(none)"
        lines.append(f"{key}: {shown}")
    for pattern, codes in config.per_file_ignores:
        lines.append(f"per-file-ignores: {pattern} = {', '.join(codes)}")
    lines.append(f"enabled rules: {', '.join(selected_codes(config))}")
    return "\n".join(lines) + "\n"
