"""The ``torchseedlint`` command: options in, a rendered run out, an exit code.

Exit codes follow ruff: 0 nothing reported, 1 diagnostics, 2 usage, config or
internal error.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any, Optional, Tuple

import click

from torchseedlint import __version__
from torchseedlint.config import Config, ConfigError, find_pyproject, load_config, split_codes
from torchseedlint.engine import lint_paths
from torchseedlint.reporters import RENDERERS
from torchseedlint.rules import validate_codes

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _version_text() -> str:
    import libcst

    libcst_version = getattr(libcst, "__version__", None) or _dist_version("libcst")
    return (
        f"torchseedlint {__version__} (libcst {libcst_version}, "
        f"Python {platform.python_version()})"
    )


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _fail(message: str) -> "click.exceptions.Exit":
    click.echo(f"error: {message}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


def resolve_config(
    paths: Tuple[str, ...], config_path: Optional[str], isolated: bool
) -> Config:
    if isolated:
        return Config()
    if config_path:
        return load_config(Path(config_path))
    start = Path(paths[0]) if paths else Path.cwd()
    pyproject = find_pyproject(start if start.exists() else Path.cwd())
    return load_config(pyproject) if pyproject else Config()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Rules to enable: codes, prefixes (TSL2), ALL.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--exclude", multiple=True, help="Globs to exclude (replaces the defaults).")
@click.option("--extend-exclude", multiple=True, help="Globs to exclude on top of the defaults.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given explicitly.")
@click.option(
    "--output-format",
    type=click.Choice(sorted(RENDERERS)),
    default="concise",
    show_default=True,
    help="How to print diagnostics.",
)
@click.option("-e", "--exit-zero", is_flag=True, help="Exit 0 even when diagnostics are found.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Read settings from this pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--torch-version", help="The torch version the project runs on, e.g. 2.3.")
@click.version_option(__version__, "--version", message=_version_text())
def main(paths: Tuple[str, ...], **opts: Any) -> None:
    """Find nondeterministic PyTorch training code: missing seeds, unseeded workers."""
    try:
        config = resolve_config(paths, opts["config_path"], opts["isolated"])
        config = config.with_overrides(
            select=split_codes(opts["select"]) or None,
            extend_select=(*config.extend_select, *split_codes(opts["extend_select"])),
            ignore=(*config.ignore, *split_codes(opts["ignore"])),
            exclude=tuple(opts["exclude"]) or None,
            extend_exclude=(*config.extend_exclude, *opts["extend_exclude"]),
            torch_version=opts["torch_version"],
        )
        for codes in (config.select or (), config.extend_select, config.ignore):
            validate_codes(codes)
        for _pattern, codes in config.per_file_ignores:
            validate_codes(codes)
    except ConfigError as exc:
        raise _fail(str(exc)) from None

    run = lint_paths(paths or (".",), config, force_exclude=opts["force_exclude"])
    if run.missing_paths:
        for missing in run.missing_paths:
            click.echo(f"error: {missing}: no such file or directory", err=True)
        raise click.exceptions.Exit(EXIT_ERROR)
    if not run.files:
        click.echo("warning: no Python files found under the given paths", err=True)

    diagnostics = run.diagnostics
    output_format = opts["output_format"]
    click.echo(RENDERERS[output_format](diagnostics), nl=False)
    if output_format == "concise":
        if diagnostics:
            noun = "error" if len(diagnostics) == 1 else "errors"
            click.echo(f"Found {len(diagnostics)} {noun}.")
        else:
            click.echo("All checks passed!")
    for error in run.internal_errors:
        click.echo(f"error: {error}", err=True)
    if run.internal_errors:
        raise click.exceptions.Exit(EXIT_ERROR)
    if diagnostics and not opts["exit_zero"]:
        raise click.exceptions.Exit(EXIT_FINDINGS)


def run() -> None:
    try:
        main(prog_name="torchseedlint")
    except Exception as exc:  # noqa: BLE001 - the last line of defence: exit 2, say why
        click.echo(f"error: torchseedlint crashed: {exc!r}; please report it", err=True)
        sys.exit(EXIT_ERROR)
