"""``journey fmt``: lay out journey files in the canonical layout, comments kept.

Each file is checked as ``journey check`` checks it; a file with errors gets the
same diagnostics and exit code 1 and is left untouched.  The others are
formatted by :func:`journeydsl.lang.writer.format_text` and rewritten whole or
not at all (a file already formatted is not touched), or, with ``--check``,
named when they would change, or, with ``--diff``, shown as a unified diff.
"""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path

import click

from .. import api
from ..lang.diagnostics import JourneyError
from ..lang.escape import terminal
from ..lang.loader import JOURNEY_SUFFIX, display_name
from ..lang.parser import decode_source
from ..lang.writer import format_text
from ..report.files import write_atomically
from .options import ReadOptions, read_options
from .output import EXIT_INVALID, EXIT_OK, Command, show_diagnostics

__all__ = ["fmt"]

#: The FILE arguments: files, folders (every ``*.journey`` below them) or ``-`` for standard input.
_SOURCES = click.Path(exists=True, allow_dash=True, path_type=Path)


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    """The files to format: each file named, and the ``.journey`` files below each folder named."""
    files: list[Path] = []
    for path in paths:
        if os.fspath(path) != "-" and path.is_dir():
            files.extend(
                sorted(p for p in path.rglob(f"*{JOURNEY_SUFFIX}") if p.is_file() and not p.name.startswith("."))
            )
        else:
            files.append(path)
    return files


def _with_newlines(text: str, original: str) -> str:
    """The formatted text with the original's line ends (``\\r\\n`` stays ``\\r\\n``)."""
    return text.replace("\n", "\r\n") if "\r\n" in original else text


def _show_diff(original: str, formatted: str, name: str) -> None:
    lines = difflib.unified_diff(
        original.splitlines(keepends=True),
        formatted.splitlines(keepends=True),
        fromfile=name,
        tofile=f"{name} (formatted)",
    )
    shown = sys.stdout.isatty()
    for line in lines:
        text = line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        click.echo(terminal(text.rstrip("\n")) if shown else text, nl=shown)


@click.command(cls=Command)
@click.argument("files", nargs=-1, required=True, type=_SOURCES)
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing; name each file that would change and exit 1 if any would (for CI).",
)
@click.option("--diff", is_flag=True, help="Change nothing; print what would change as a unified diff.")
@read_options
def fmt(files: tuple[Path, ...], check: bool, diff: bool, read: ReadOptions) -> None:
    """Lay out journey files in the canonical layout, comments kept where they stand.

    Rewrites each FILE in place (whole or not at all; a file already formatted
    is not touched).  A folder stands for the .journey files below it; `-` reads
    standard input and writes the formatted text to standard output.  A file
    with errors gets the diagnostics of `journey check` and is left as it is.
    Exits 0 when all went well, 1 when a file has errors or, with --check or
    --diff, when a file would change.

    \b
    Examples:
      journey fmt examples/journeys/premier_banking.journey
      journey fmt --check examples/journeys
      journey fmt --diff shop.journey
      cat shop.journey | journey fmt -
    """
    changed = unchanged = invalid = 0
    only_look = check or diff
    for path in _expand(files):
        stdin = os.fspath(path) == "-"
        if stdin:
            data = sys.stdin.buffer.read()
            name = "<stdin>"
            text, problems = decode_source(data, name)
            if text is None:
                show_diagnostics(problems, {})
                invalid += 1
                continue
            result = api.check_text(text, name, allow_large=read.allow_large)
        else:
            name = display_name(path)
            result = api.check_file(path, read.root, allow_large=read.allow_large)
            text = result.sources.get(name)
        if not result.ok or text is None:
            show_diagnostics(result.diagnostics, result.sources)
            invalid += 1
            continue
        try:
            formatted = _with_newlines(format_text(text, name), text)
        except JourneyError as error:  # the checks passed, so this is not expected; never a traceback
            show_diagnostics(error.diagnostics, error.sources)
            invalid += 1
            continue
        if formatted == text:
            unchanged += 1
            if stdin and not only_look:
                click.echo(formatted, nl=False)
            continue
        changed += 1
        if diff:
            _show_diff(text, formatted, name)
        if check:
            click.echo(terminal(f"would reformat {name}"), err=True)
        elif stdin and not diff:
            click.echo(formatted, nl=False)
        elif not only_look:
            try:
                write_atomically(path, formatted)
            except OSError as error:
                click.echo(terminal(f"Error: cannot write `{name}`: {error.strerror or error}"), err=True)
                invalid += 1
                changed -= 1
                continue
            click.echo(terminal(f"formatted {name}"), err=True)
    if any(os.fspath(path) != "-" for path in files):  # a filter of standard input says nothing more
        _summary(changed, unchanged, invalid, only_look)
    failed = invalid > 0 or (only_look and changed > 0)
    raise click.exceptions.Exit(EXIT_INVALID if failed else EXIT_OK)


def _summary(changed: int, unchanged: int, invalid: int, only_look: bool) -> None:
    def files(count: int) -> str:
        return f"{count} file{'s' if count != 1 else ''}"

    parts = [f"{files(changed)} {'would be formatted' if only_look else 'formatted'}"]
    parts.append(f"{unchanged} already formatted")
    if invalid:
        parts.append(f"{files(invalid)} with errors left as they are")
    click.echo(", ".join(parts), err=True)
