"""The ``torchseedlint`` command: options in, a rendered run out, an exit code.

Exit codes follow ruff: 0 nothing reported, 1 diagnostics, 2 usage, config or
internal error.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import click

from torchseedlint import __version__
from torchseedlint import rules as registry
from torchseedlint.engine.discovery import discover
from torchseedlint.engine.results import RunResult
from torchseedlint.engine.runner import lint_paths, lint_stdin
from torchseedlint.fix.loop import fix_filter, fixable_counts
from torchseedlint.reporters import RENDERERS
from torchseedlint.reporters.output import TEXT_FORMATS, render_output
from torchseedlint.reporters.progress import Progress
from torchseedlint.reporters.report import Report
from torchseedlint.reporters.style import use_color
from torchseedlint.rules import expand, selected_codes
from torchseedlint.settings.config import (
    Config,
    ConfigError,
    ConfigResolver,
    load_config,
    split_codes,
)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _print_version(ctx: click.Context) -> None:
    # Worked out only when asked: importlib.metadata costs every run about 25 ms.
    import platform

    # The installed distribution's version: importing libcst for it would make
    # ``--version`` as slow as a lint run.
    libcst_version = _dist_version("libcst")
    click.echo(
        f"torchseedlint {__version__} (libcst {libcst_version}, Python {platform.python_version()})"
    )
    ctx.exit()


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _fail(message: str) -> "click.exceptions.Exit":
    click.echo(f"error: {message}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


def resolve_configs(opts: Dict[str, Any]) -> ConfigResolver:
    """Each file's settings: ``--isolated`` the defaults, ``--config`` that file, else
    the closest configuration file; the command line's options on top of each."""
    overrides = _overrides(opts)
    if opts["isolated"]:
        return ConfigResolver(Config(), prepare=overrides)
    if opts["config_path"]:
        return ConfigResolver(load_config(Path(opts["config_path"])), prepare=overrides)
    return ConfigResolver(prepare=overrides)


def _overrides(opts: Dict[str, Any]) -> "_Overrides":
    overrides = _Overrides(
        select=split_codes(opts["select"]) or None,
        extend_select=split_codes(opts["extend_select"]),
        ignore=split_codes(opts["ignore"]),
        exclude=tuple(opts["exclude"]),
        extend_exclude=tuple(opts["extend_exclude"]),
        respect_gitignore=opts["respect_gitignore"],
        torch_version=opts["torch_version"],
    )
    for codes in (overrides.select or (), overrides.extend_select, overrides.ignore):
        expand(codes)
    return overrides


@dataclass(frozen=True)
class _Overrides:
    """The command line's settings, applied on top of each configuration file's (a
    plain object, not a closure: worker processes may receive it pickled)."""

    select: Optional[Tuple[str, ...]]
    extend_select: Tuple[str, ...]
    ignore: Tuple[str, ...]
    exclude: Tuple[str, ...]
    extend_exclude: Tuple[str, ...]
    respect_gitignore: Optional[bool]
    torch_version: Optional[str]

    def __call__(self, config: Config) -> Config:
        try:
            for codes in (
                config.select or (),
                config.extend_select,
                config.ignore,
                *(codes for _pattern, codes in config.per_file_ignores),
            ):
                expand(codes)
        except ConfigError as exc:
            raise ConfigError(f"{config.source}: {exc}" if config.source else str(exc)) from None
        if self.exclude:
            config = replace(config, exclude=self.exclude, glob_keys=config.glob_keys | {"exclude"})
        provenance = dict(config.provenance)
        if self.torch_version:
            provenance["torch-version"] = "set by --torch-version"
        return config.with_overrides(
            select=self.select,
            extend_select=(*config.extend_select, *self.extend_select),
            ignore=(*config.ignore, *self.ignore),
            extend_exclude=(*config.extend_exclude, *self.extend_exclude),
            respect_gitignore=self.respect_gitignore,
            torch_version=self.torch_version,
            provenance=tuple(sorted(provenance.items())),
        )


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class _Command(click.Command):
    """Takes ``--add-noqa``'s reason only from ``--add-noqa=REASON``, as ruff does:
    ``--add-noqa src/`` lints ``src/`` (click would take ``src/`` as the reason).

    Ctrl-C exits 130, not click's 1, which would read as "diagnostics found".
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        options, rest = (
            (args, []) if "--" not in args else (args[: args.index("--")], args[args.index("--") :])
        )
        options = ["--add-noqa=" if arg == "--add-noqa" else arg for arg in options]
        return super().parse_args(ctx, options + rest)


@click.command(cls=_Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Rules to enable: codes, prefixes (TSL2), ALL.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--exclude", multiple=True, help="Globs to exclude (replaces the defaults).")
@click.option("--extend-exclude", multiple=True, help="Globs to exclude on top of the defaults.")
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply excludes and ignore files to paths given explicitly.",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Skip what .gitignore, .ignore and .git/info/exclude ignore (default: on).",
)
@click.option(
    "--output-format",
    type=click.Choice(sorted(RENDERERS)),
    default="concise",
    show_default=True,
    envvar="TORCHSEEDLINT_OUTPUT_FORMAT",
    help="How to print diagnostics.",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False),
    help="Write the output to this file instead of stdout.",
)
@click.option(
    "--statistics",
    "show_statistics",
    is_flag=True,
    help="Print a count per rule instead of the diagnostics.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print diagnostics only, no summary.")
@click.option("-s", "--silent", is_flag=True, help="Print nothing; only the exit code tells.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour text output (NO_COLOR and FORCE_COLOR apply).",
)
@click.option("-e", "--exit-zero", is_flag=True, help="Exit 0 even when diagnostics are found.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Read every file's settings from this file (a pyproject.toml or a "
    "torchseedlint.toml), ignoring the others.",
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to lint with (default: one per CPU; 1: this process only).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    envvar="TORCHSEEDLINT_CACHE_DIR",
    help="Where the cache lives (default: .torchseedlint_cache at the project root).",
)
@click.option("--torch-version", help="The torch version the project runs on, e.g. 2.3.")
@click.option(
    "--stdin-filename",
    type=click.Path(),
    help="With the path `-`: lint stdin as this file (config and excludes apply).",
)
@click.option("--show-files", is_flag=True, help="Print the files that would be linted and exit.")
@click.option(
    "--add-noqa",
    default=None,
    metavar="[=REASON]",
    help="Add `# noqa: TSLxxx REASON` to every reported line, then exit.",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes and write the files back.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (or offer) unsafe fixes.")
@click.option(
    "--diff",
    is_flag=True,
    help="Print the fixes as unified diffs and write nothing (exit 1 if any).",
)
@click.option("--show-fixes", is_flag=True, help="List the fixes applied, per file and rule.")
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="Exit 1 when --fix fixed something, even if nothing remains.",
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the resolved settings (incl. inferred torch version) and exit.",
)
@click.option(
    "--show-roles",
    is_flag=True,
    help="Print each file's role (entry point, library, test) and why, and exit.",
)
@click.option("--explain", metavar="CODE|NAME", help="Print a rule's documentation and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=lambda ctx, _param, value: _print_version(ctx) if value else None,
    help="Show the version and exit.",
)
def main(paths: Tuple[str, ...], **opts: Any) -> None:
    """Find nondeterministic PyTorch training code: missing seeds, unseeded workers."""
    if opts["explain"] or opts["list_rules"]:
        _print_rule_docs(opts["explain"])
        return
    try:
        stdin_name = opts["stdin_filename"] or "-"
        first_path = stdin_name if paths == ("-",) else (paths or (".",))[0]
        configs = resolve_configs(opts)
        # The run's settings (the project root, the report): those of the first path.
        config = configs.config_for(first_path)
        if opts["show_settings"]:
            from torchseedlint.cli.show_settings import settings_text

            click.echo(settings_text(configs, first_path), nl=False)
            return
        if opts["show_roles"]:
            from torchseedlint.engine.runner import module_roles

            for path, role in module_roles(paths or (".",), configs):
                click.echo(f"{os.path.normpath(path)}: {role.role.value} ({role.reason})")
            return
        if opts["show_files"]:
            discovered = discover(paths or (".",), configs, opts["force_exclude"])
            for path in discovered.files:
                click.echo(os.path.normpath(path))
            _report_missing(discovered.missing)
            if discovered.missing:
                raise click.exceptions.Exit(EXIT_ERROR)
            return
        stdin: Optional[bytes] = None
        if paths == ("-",):
            if opts["add_noqa"] is not None:
                raise _fail("--add-noqa writes files; it cannot be used with stdin")
            stdin = sys.stdin.buffer.read()
            run = lint_stdin(stdin, stdin_name, configs, force_exclude=opts["force_exclude"])
        else:
            run = _lint_files(paths or (".",), configs, opts)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    # As ruff: a missing path is an error, the other paths are still linted, exit 2.
    _report_missing(run.missing_paths)
    if not run.files and not run.missing_paths:
        click.echo("warning: no Python files found under the given paths", err=True)

    if opts["add_noqa"] is not None:
        _write_noqa(run, opts["add_noqa"])
        return
    # ruff's behaviour: `--fix` on stdin prints the fixed source, the report goes to stderr.
    fixed_stdin = stdin is not None and opts["fix"] and not opts["diff"]
    fixed, write_errors = (
        _fix(run, config, opts, stdin if fixed_stdin else None)
        if opts["fix"] or opts["diff"]
        else (0, [])
    )
    diagnostics = run.diagnostics
    if not opts["silent"]:
        _print_output(run, config, opts, fixed, err=fixed_stdin)
    for error in run.internal_errors + write_errors:
        click.echo(f"error: {error}", err=True)
    if run.internal_errors or write_errors or run.missing_paths:
        raise click.exceptions.Exit(EXIT_ERROR)
    if opts["exit_zero"]:
        return
    if diagnostics or (fixed and opts["exit_non_zero_on_fix"]):
        raise click.exceptions.Exit(EXIT_FINDINGS)


def _report_missing(paths: List[str]) -> None:
    for path in paths:
        click.echo(f"error: {path}: No such file or directory", err=True)


def _fix(
    run: RunResult, config: Config, opts: Dict[str, Any], stdin: Optional[bytes] = None
) -> Tuple[int, List[str]]:
    """Apply fixes (``--fix``) or print them (``--diff``, which then exits).

    ``stdin``: the input of ``-``, to print fixed (or as it was) instead of writing files.
    Returns how many errors were fixed and the files that could not be written
    safely; ``run`` then holds what remains.
    """
    # Imported here, like the other modules only some runs need: startup time is
    # what a pre-commit hook on one file mostly costs.
    from torchseedlint.fix import command as fix_command

    links: List[str] = []
    fixes = fix_command.fix_run(
        run, config, opts["unsafe_fixes"], None if stdin is not None else links
    )
    for warning in fix_command.dropped_warnings(fixes) + fix_command.link_warnings(links):
        click.echo(f"warning: {warning}", err=True)
    if opts["diff"]:
        for fix in fixes:
            if fix.changed:
                click.echo(fix_command.unified_diff(fix), nl=False)
        if not opts["silent"]:
            click.echo(fix_command.would_fix(fixes), err=True)
        code = EXIT_FINDINGS if any(fix.changed for fix in fixes) else EXIT_OK
        raise click.exceptions.Exit(code)
    if stdin is not None:
        output = fixes[0].original.encode(fixes[0].outcome.text) if fixes else stdin
        stream = sys.stdout.buffer
        stream.write(output)
        stream.flush()
        write_errors: List[str] = []
    else:
        write_errors = fix_command.write_back(fixes)
    if opts["show_fixes"] and not opts["silent"]:
        click.echo(fix_command.show_fixes(fixes), nl=False, err=stdin is not None)
    return fix_command.fixed_count(fixes), write_errors


def _print_rule_docs(explain: Optional[str]) -> None:
    from torchseedlint.rules.docs import find_rule, rule_line, rule_page

    if explain is None:
        for rule in registry.ALL_RULES:
            click.echo(rule_line(rule))
        return
    found = find_rule(explain)
    if found is None:
        raise _fail(f"unknown rule {explain!r}: give a code such as TSL201 or a rule name")
    click.echo(rule_page(found), nl=False)


def _lint_files(paths: Tuple[str, ...], configs: ConfigResolver, opts: Dict[str, Any]) -> RunResult:
    progress = Progress()
    # Runs that write files relint what they change: they do not use the cache.
    writes = opts["fix"] or opts["diff"] or opts["add_noqa"] is not None
    try:
        return lint_paths(
            paths,
            configs,
            force_exclude=opts["force_exclude"],
            progress=progress,
            jobs=opts["jobs"] or os.cpu_count() or 1,
            use_cache=not (opts["no_cache"] or writes),
            cache_dir=opts["cache_dir"],
        )
    finally:
        progress.close()


def _write_noqa(run: RunResult, reason: str) -> None:
    """Write ``# noqa`` comments for every diagnostic (ruff's ``--add-noqa``)."""
    from torchseedlint.engine.notebook import write_back
    from torchseedlint.fix.add_noqa import add_noqa
    from torchseedlint.fix.atomic_write import WRITE_ERRORS, write_atomic

    added = 0
    errors = []
    written = set()  # real paths: a symbolic link and its target are one file
    for result in run.files:
        real_path = os.path.realpath(result.path)
        if result.notebook is not None:
            text, count = add_noqa(result.notebook.source, result.diagnostics, reason)
            old = result.notebook.json_text.encode("utf-8")
            new = write_back(result.notebook.json_text, text).encode("utf-8") if count else old
        elif result.source is not None:
            text, count = add_noqa(result.source.text, result.diagnostics, reason)
            old, new = result.source.encode(result.source.text), result.source.encode(text)
        else:
            continue
        if not count or real_path in written:
            continue
        try:
            write_atomic(result.path, new, old)
        except WRITE_ERRORS as exc:
            errors.append(f"{result.path}: not written: {exc}")
            continue
        written.add(real_path)
        added += count
    noun = "directive" if added == 1 else "directives"
    click.echo(f"Added {added} noqa {noun}.", err=True)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if errors:
        raise click.exceptions.Exit(EXIT_ERROR)


def _build_report(
    run: RunResult, config: Config, root: str = ".", color: bool = False, unsafe: bool = False
) -> Report:
    """The run as reporters see it, with the source text the engine already decoded;
    ``unsafe``: --unsafe-fixes was given (``[*]`` then marks unsafe fixes too)."""
    sources = {result.path: result.source.text for result in run.files if result.source is not None}
    cell_sources = {
        (result.path, cell.number): cell.text
        for result in run.files
        if result.notebook is not None
        for cell in result.notebook.cells
    }
    return Report(
        run.diagnostics,
        sources=sources,
        cell_sources=cell_sources,
        codes=selected_codes(config),
        root=root,
        color=color,
        applicable=fix_filter(config, unsafe),
    )


def _print_output(
    run: RunResult, config: Config, opts: Dict[str, Any], fixed: int = 0, err: bool = False
) -> None:
    """Print the report (on stderr with ``err``: stdout carries fixed stdin)."""
    output_format, output_file = opts["output_format"], opts["output_file"]
    color = (
        output_format in TEXT_FORMATS
        and not output_file
        and use_color(opts["color"], os.environ, (sys.stderr if err else sys.stdout).isatty())
    )
    report = _build_report(
        run, run.config or config, root=os.getcwd(), color=color, unsafe=opts["unsafe_fixes"]
    )
    fixable = fixable_counts(run.diagnostics, run.config or config, opts["unsafe_fixes"])
    text = render_output(
        report, output_format, opts["show_statistics"], opts["quiet"], fixed, fixable
    )
    if output_file:
        Path(output_file).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False, color=color, err=err)


def run() -> None:
    from torchseedlint.engine.collector import tune_collector

    tune_collector()
    try:
        main(prog_name="torchseedlint")
    except Exception as exc:  # noqa: BLE001 - the last line of defence: exit 2, say why
        click.echo(f"error: torchseedlint crashed: {exc!r}; please report it", err=True)
        sys.exit(EXIT_ERROR)
