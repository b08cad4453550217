"""What the ``journey`` command shows and writes, and the one place problems become exit codes.

Exit codes: :data:`EXIT_OK` (0) success, warnings allowed; :data:`EXIT_INVALID`
(1) the journey has errors, a design test failed, or an output could not be
written; :data:`EXIT_USAGE` (2) bad usage: an unknown option or design, an
impossible combination (click's own usage errors).  A command stopped by a
signal exits with 128 + its number (130 for Ctrl-C, 143 for SIGTERM; see
:mod:`.main`).

Results go to standard output or to ``--output``, written whole or not at all
(:func:`journeydsl.report.files.write_atomically`); diagnostics, ``wrote ...``
lines, errors and progress bars go to standard error.  ``-o -`` is standard
output; a device or FIFO is written through, a link's target is written, and
no output may be written over a file the command read (:func:`note_inputs`):
that is refused with exit code 1, before anything runs when it can be told.

Every message names paths and designs as the user wrote them, with control
characters shown escaped (:func:`journeydsl.lang.escape.terminal`): ``fail``,
the ``wrote ...`` lines and every usage error, click's own included
(:class:`Group`), so no name can move the cursor, clear the screen or ring.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .. import api
from ..lang.diagnostics import Diagnostic, JourneyError
from ..lang.escape import json_text, shell, terminal
from ..lang.model import Span
from ..lang.render import render_text, summary_line
from ..report.files import STDOUT, InputFileError, StagedFile, refuse_input, write_atomically

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..lang.model import Journey
    from .options import ReadOptions

__all__ = [
    "EXIT_OK",
    "EXIT_INVALID",
    "EXIT_USAGE",
    "Group",
    "Command",
    "fail",
    "show_diagnostics",
    "load_journey",
    "note_inputs",
    "inputs_read",
    "emit",
    "write_text",
    "write_or_fail",
    "save_figure",
    "say_wrote",
    "stage_output",
    "deliver_or_fail",
    "progress_bar",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

#: A table renderer of :mod:`journeydsl.report.tables`: a document and an optional style (bold headers).
Table = Callable[..., str]

#: Where a command's context keeps the files it read.
_INPUTS = "journeydsl.inputs"
#: The parameters that name files a command reads, and those that name files it writes.
_INPUT_PARAMS = ("file", "files", "survey_csv")
_OUTPUT_PARAMS = ("output", "plot_path", "trace")


@contextmanager
def _escaped_usage_errors() -> Iterator[None]:
    """Usage errors raised in the block leave it with control characters in their message shown escaped."""
    try:
        yield
    except click.ClickException as error:
        error.message = terminal(error.message)
        raise


class Group(click.Group):
    """The ``journey`` group: a usage error of the group or of a command shows no control character raw.

    Click's messages and the commands' own name what the user typed (an
    option, a command, a time, a path, a design); whatever raised them, the
    message reaches the terminal through :func:`journeydsl.lang.escape.terminal`.
    """

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        """Parse the group's own options (``--version``, ``--help``), messages escaped."""
        with _escaped_usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Find and run the command, messages of its usage errors escaped."""
        with _escaped_usage_errors():
            return super().invoke(ctx)


class Command(click.Command):
    """A ``journey`` command: a design the journey does not have is a usage error naming ``--design``.

    The API raises :class:`JourneyError` for a journey with errors (the commands
    load files with :func:`load_journey`, which reports those itself) and for an
    unknown design; the latter leaves the command as ``Error: Invalid value for
    --design: there is no design ... did you mean ...?`` and exit code 2.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, turning an unknown design into a usage error.

        The files named by its arguments (``FILE``, ``--survey-csv``) are
        inputs (:func:`note_inputs`): an output naming one of them is refused
        before anything runs.
        """
        named = [ctx.params.get(name) for name in _INPUT_PARAMS]
        note_inputs(*(path for value in named for path in (value if isinstance(value, tuple) else (value,)) if path))
        try:
            return super().invoke(ctx)
        except JourneyError as error:
            raise click.BadParameter(terminal(str(error)), ctx=ctx, param_hint="--design") from None
        except api.ResultError as error:
            # A run that counted nobody, or a figure that is not a number: an error, never a result.
            fail(str(error))


def fail(message: str) -> NoReturn:
    """Leave the command with ``Error: <message>`` on standard error and exit code 1.

    Parameters
    ----------
    message : str
        What went wrong, for people, on one line; control characters (of a path
        or a name in it) are shown escaped.
    """
    click.echo(f"Error: {terminal(message)}", err=True)
    raise click.exceptions.Exit(EXIT_INVALID)


@contextmanager
def log_problems_shown() -> Iterator[None]:
    """Show an event log's problems (diagnostics coded ``JL``) and exit 1; other errors pass on.

    A :class:`JourneyError` without a log diagnostic is an unknown design, which
    :class:`Command` turns into a usage error naming ``--design``.
    """
    try:
        yield
    except JourneyError as error:
        if not any(d.code.startswith("JL") for d in error.diagnostics):
            raise
        show_diagnostics(error.diagnostics, error.sources)
        raise click.exceptions.Exit(EXIT_INVALID) from None


def show_diagnostics(diagnostics: Sequence[Diagnostic], sources: dict[str, str]) -> None:
    """Print diagnostics with their source lines on standard error (coloured on a terminal).

    Parameters
    ----------
    diagnostics : sequence of Diagnostic
        What to show, in order; nothing is printed when it is empty.
    sources : dict
        The source texts by file name, for the lines shown under each diagnostic.
    """
    if diagnostics:
        click.echo(render_text(diagnostics, sources, color=sys.stderr.isatty()), err=True)
        click.echo("", err=True)


def note_inputs(*paths: str | os.PathLike[str]) -> None:
    """Remember files the running command reads: none of its outputs may be written over them.

    An output option already given that names one of them (``-o``, ``--plot``,
    ``--trace``; compared as files, so links count) ends the command at once with
    ``Error: cannot write ...: it is an input of this command`` and exit code 1;
    outputs are checked again when they are written (:func:`write_or_fail`,
    :func:`save_figure`, :func:`stage_output`).  Outside a command it does nothing.

    Parameters
    ----------
    *paths : path-like
        The files read.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None or not paths:
        return
    ctx.meta.setdefault(_INPUTS, []).extend(Path(path) for path in paths)
    for name in _OUTPUT_PARAMS:
        target = ctx.params.get(name)
        if target is not None:
            try:
                refuse_input(target, paths)
            except InputFileError as error:
                fail(f"cannot write `{target}`: {error.strerror}")


def inputs_read() -> tuple[Path, ...]:
    """The files the running command has read so far (see :func:`note_inputs`).

    Returns
    -------
    tuple of Path
        Empty outside a command.
    """
    ctx = click.get_current_context(silent=True)
    return tuple(ctx.meta.get(_INPUTS, ())) if ctx is not None else ()


def _source_files(journey: Journey, file: Path) -> set[str | Path]:
    """The files a loaded journey came from: every file named by a span in it, and its imports."""
    found: set[str | Path] = {file, *(file.parent / statement.path for statement in journey.imports)}
    seen: set[int] = set()
    pending: list[object] = [journey]
    while pending:
        value = pending.pop()
        if isinstance(value, Span):
            found.add(value.file)
        elif isinstance(value, tuple | list):
            pending.extend(value)
        elif is_dataclass(value) and not isinstance(value, type) and id(value) not in seen:
            seen.add(id(value))
            pending.extend(getattr(value, f.name) for f in fields(value))
    return found


def load_journey(file: Path, read: ReadOptions) -> Journey:
    """The checked journey of a file (:func:`journeydsl.api.load`); its errors printed and exit 1 if any.

    Warnings are not shown (``journey check`` shows them); a library is refused.
    The file and every file it imports become inputs of the command
    (:func:`note_inputs`).

    Parameters
    ----------
    file : Path
        The ``.journey`` file.
    read : ReadOptions
        How to read it: the project folder imports must stay in (default: the
        file's folder), and whether runs above the size limits are allowed
        (``--allow-large``).

    Returns
    -------
    Journey
        The journey as written, with the hash of its sources.
    """
    try:
        journey = api.load(file, read.root, allow_large=read.allow_large)
    except JourneyError as error:
        errors = [d for d in error.diagnostics if d.is_error]
        show_diagnostics(errors, error.sources)
        if not errors:
            fail(f"`{file}` is a library; simulate a journey that imports it.")
        check = ["journey", "check", os.fspath(file), *read.arguments()]
        details = " ".join(shell(word) for word in check)
        click.echo(f"failed: {summary_line(error.diagnostics)}; run `{terminal(details)}` for details", err=True)
        raise click.exceptions.Exit(EXIT_INVALID) from None
    note_inputs(*_source_files(journey, file))
    return journey


def say_wrote(path: str | os.PathLike[str], what: str) -> None:
    """Say ``wrote PATH (WHAT)`` on standard error, control characters of the path shown escaped.

    Parameters
    ----------
    path : path-like
        The file written, as the user named it.
    what : str
        What it holds.
    """
    click.echo(terminal(f"wrote {os.fspath(path)} ({what})"), err=True)


def write_or_fail(output: Path, data: str | bytes, what: str) -> None:
    """Write a file whole or not at all and say so on standard error; exit 1 if it cannot be written.

    Links, devices, FIFOs and ``-`` (standard output, then nothing is said) are
    handled as :func:`journeydsl.report.files.write_atomically` says; a file
    the command read is not written over (exit 1).

    Parameters
    ----------
    output : Path
        The file.
    data : str or bytes
        Its content (text is written as UTF-8).
    what : str
        What was written, for the ``wrote PATH (WHAT)`` line.
    """
    try:
        write_atomically(output, data, protected=inputs_read())
    except OSError as error:
        fail(f"cannot write `{output}`: {error.strerror or error}")
    if os.fspath(output) != STDOUT:
        say_wrote(output, what)


def write_text(text: str, output: Path | None, what: str) -> None:
    """Print text on standard output, or write it to ``output`` (see :func:`write_or_fail`).

    Parameters
    ----------
    text : str
        The text, with its final newline.
    output : Path, optional
        A file to write instead of standard output (``-`` is standard output).
    what : str
        What was written, for the ``wrote PATH (WHAT)`` line.
    """
    if output is None or os.fspath(output) == STDOUT:
        click.echo(text, nl=False)
    else:
        write_or_fail(output, text, what)


def emit(document: dict[str, Any], fmt: str, output: Path | None, table: Table, csv: Table | None = None) -> None:
    """Print or write a document as a table (bold headers on a terminal), JSON or CSV.

    Parameters
    ----------
    document : dict
        A versioned JSON document of :mod:`journeydsl.api`.
    fmt : {"table", "json", "csv"}
        How to show it.
    output : Path, optional
        A file to write instead of standard output.
    table, csv : callable
        The renderers of :mod:`journeydsl.report.tables` for this kind of document.
    """
    if fmt == "json":
        text = json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
    elif fmt == "csv" and csv is not None:
        text = csv(document)
    else:
        bold = output is None and sys.stdout.isatty()
        text = table(document, (lambda t: click.style(t, bold=True)) if bold else None)
    write_text(text, output, fmt)


def save_figure(drawing: Figure | Axes, path: Path, what: str = "chart", dpi: int = 150) -> None:
    """Write a figure whole or not at all (:func:`journeydsl.report.figures.save_figure`); exit 1 if it cannot.

    Parameters
    ----------
    drawing : Figure or Axes
        A figure, or a chart's axes (their whole figure is written).
    path : Path
        Where to write; the suffix (.png, .svg or .pdf) is the format.  The same
        figure always gives the same bytes.
    what : str
        What was written, for the ``wrote PATH (WHAT)`` line.
    dpi : int
        Resolution of the PNG, and of raster images inside an SVG or PDF.
    """
    from matplotlib.axes import Axes

    from ..report.figures import save_figure as save

    figure = drawing.get_figure(root=True) if isinstance(drawing, Axes) else drawing
    if figure is None:
        raise ValueError("the axes belong to no figure")
    try:
        refuse_input(path, inputs_read())
        save(figure, path, dpi)
    except OSError as error:
        fail(f"cannot write `{path}`: {error.strerror or error}")
    say_wrote(path, what)


def stage_output(path: Path) -> StagedFile:
    """A place to build a large output in (the trace), delivered by :func:`deliver_or_fail`; exit 1 if there is none.

    Use it in a ``with`` block: however the block ends, the temporary folder
    goes (:class:`journeydsl.report.files.StagedFile`).

    Parameters
    ----------
    path : Path
        The output; not a file the command read.

    Returns
    -------
    StagedFile
        Its ``path`` is where to write.
    """
    try:
        return StagedFile(path, protected=inputs_read())
    except OSError as error:
        fail(f"cannot write `{path}`: {error.strerror or error}")


def deliver_or_fail(staged: StagedFile) -> None:
    """Deliver a finished output of :func:`stage_output` to its path; exit 1 if it cannot be.

    Parameters
    ----------
    staged : StagedFile
        The finished output.
    """
    try:
        staged.deliver()
    except OSError as error:
        fail(f"cannot write `{staged.target}`: {error.strerror or error}")


@contextmanager
def progress_bar(label: str | None) -> Iterator[Callable[[float], None]]:
    """A progress callback for the API: a bar on standard error when it is a terminal.

    The API reports the finished share of the whole run (0..1); the bar counts it
    in tenths of a percent and is closed however the run ends.

    Parameters
    ----------
    label : str or None
        The bar's label; ``None`` when nothing will be simulated (no bar).

    Yields
    ------
    callable
        The ``progress=`` argument of an API call.
    """
    if label is None or not sys.stderr.isatty():
        yield lambda fraction: None
        return
    with click.progressbar(length=1000, label=label, file=sys.stderr, show_eta=True) as bar:
        shown = 0

        def advance(fraction: float) -> None:
            nonlocal shown
            target = min(1000, int(fraction * 1000))
            if target > shown:
                bar.update(target - shown)
                shown = target

        yield advance
