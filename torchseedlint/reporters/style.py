"""Terminal colour: when to use it, and the few styles the text formats use."""

from __future__ import annotations

from typing import Mapping

import click


def use_color(choice: str, environ: Mapping[str, str], isatty: bool) -> bool:
    """Resolve ``--color`` the way ruff does.

    An explicit ``always``/``never`` wins; then a non-empty ``NO_COLOR`` turns
    colour off and a non-empty ``FORCE_COLOR`` turns it on (even ``0``, as
    ruff); then ``TERM=dumb`` turns it off; otherwise colour only on a TTY.
    """
    if choice in ("always", "never"):
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    return isatty


def paint(text: str, enabled: bool, **style: object) -> str:
    return click.style(text, **style) if enabled else text  # type: ignore[arg-type]
