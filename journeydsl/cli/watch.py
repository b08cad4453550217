"""``journey watch``: a live preview of a journey's report, rebuilt on every save (needs the ``watch`` extra).

The command reads its options, then hands over to
:mod:`journeydsl.report.live`: one :class:`~journeydsl.report.live.LiveReport`
whose ``build`` is ``journey report`` (:func:`journeydsl.api.report` and
:func:`~journeydsl.report.document.render_html`), served on a local address,
rebuilt by :func:`~journeydsl.report.live.watch` until Ctrl-C (exit 130, see
:mod:`.main`).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import api
from ..lang.escape import terminal
from ..lang.model import Journey
from ..lang.render import summary_line
from .options import FILE, ReadOptions, RunOptions, designs_option, min_difference_option, min_differences, read_options
from .options import run_options as _run_options
from .output import EXIT_USAGE, Command, fail, show_diagnostics

__all__ = ["watch"]

F = TypeVar("F")

#: Where the value of an option comes from when the command line did not give it.
_NOT_GIVEN = (click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP, None)

_QUICK_HELP = (
    "On by default here: just precise enough for a workshop (see journey simulate --quick). "
    "Give --replications N to run exactly N replications instead; --precision, --customers and "
    "--max-replications override its parts."
)


def _quick_unless_replications(command: Any) -> Any:
    """``--quick`` is on unless ``--replications`` was given (placed outside the run options' decorator)."""

    @functools.wraps(command)
    def quick_by_default(*args: Any, **kwargs: Any) -> Any:
        context = click.get_current_context()
        if context.get_parameter_source("replications") in _NOT_GIVEN:
            kwargs["quick"] = True
        return command(*args, **kwargs)

    return quick_by_default


@click.command(cls=Command)
@click.argument("file", type=FILE)
@designs_option("A design to include (repeat it); the first is the baseline. [default: the baseline and every variant]")
@_quick_unless_replications
@_run_options(
    quick=_QUICK_HELP,
    replications="Run exactly this many replications per design, instead of the default --quick precision.",
)
@min_difference_option
@click.option(
    "--host",
    default="127.0.0.1",
    metavar="ADDRESS",
    show_default=True,
    help="Address to serve on: 127.0.0.1 is this computer only; 0.0.0.0 shares the preview with your network.",
)
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8000,
    show_default=True,
    metavar="PORT",
    help="Port to serve on; when it is busy, the next free one (0: any free port).",
)
@click.option(
    "--open/--no-open",
    "open_browser",
    default=True,
    show_default=True,
    help="Open the preview in the web browser.",
)
@read_options
def watch(
    file: Path,
    designs: tuple[str, ...],
    run: RunOptions,
    min_difference: tuple[str, ...],
    host: str,
    port: int,
    open_browser: bool,
    read: ReadOptions,
) -> None:
    """Preview a journey's report in the browser, rebuilt each time you save.

    Checks and simulates the journey at a quick precision (--quick, unless
    --replications is given), serves the report on a local address and
    reloads the page when a new build is ready: the results first, the
    figures and analyses a moment later.  Saving the file or a file it
    imports starts a rebuild.  When the file has errors, the page shows them
    (file:line:col, the source line, a caret, a hint) above the last good
    report, marked as stale.  Ctrl-C stops it.  Needs the watch extra: pip
    install 'journeydsl[watch]'.

    \b
    Examples:
      journey watch examples/journeys/premier_banking.journey
      journey watch shop.journey --design baseline --design "next-day delivery" --no-open
      journey watch shop.journey --port 8080 --customers 300
    """
    try:
        import watchfiles  # noqa: F401 (only to say it is missing before anything starts)
    except ImportError:
        click.echo(
            "Error: `journey watch` needs watchfiles, which is not installed: pip install 'journeydsl[watch]'",
            err=True,
        )
        raise click.exceptions.Exit(EXIT_USAGE) from None
    from ..report.live import Build, LiveReport, serve, staged_report
    from ..report.live import watch as watch_files

    def check(path: Path) -> api.CheckResult:
        return api.check_file(path, read.root, allow_large=read.allow_large)

    def build(journey: Journey) -> Iterator[str]:
        settings = run.settings(journey)
        smallest = min_differences(min_difference, journey)
        chosen = [(name, api.design(journey, name)) for name in designs or api.design_names(journey)]
        reading = tuple(read.arguments())
        return staged_report(
            journey,
            chosen,
            settings,
            min_differences=smallest,
            file=os.fspath(file),
            reading=reading,
            stop=live.superseded,
        )

    notes = _RunnerNotes()
    said: list[str] = []  # the notes shown for the build under way (its steps say each once)

    def say(build: Build) -> None:
        clock = datetime.fromtimestamp(build.built_at).strftime("%H:%M:%S")
        if build.ok:
            warnings = f" ({summary_line(build.diagnostics)})" if build.diagnostics else ""
            what = "results in" if build.partial else "built in"
            click.echo(f"{clock} version {build.version}: {what} {build.seconds:.1f} s{warnings}", err=True)
            if build.partial:  # a build's first step: what was said before belongs to another build
                said.clear()
            for line in notes.take():  # what the runner said about the precision of this build, once
                if line not in said:
                    click.echo(f"  {terminal(line)}", err=True)
                    said.append(line)
            if not build.partial:
                said.clear()
            return
        notes.take()
        said.clear()
        show_diagnostics(build.diagnostics, build.sources)
        if build.error is not None:
            click.echo(f"Error: {terminal(build.error)}", err=True)
        problems = summary_line(build.diagnostics) if build.diagnostics else "the report could not be built"
        kept = "; the page keeps the last good report, marked stale" if build.report is not None else ""
        click.echo(f"{clock} version {build.version}: {problems}{kept}", err=True)

    live = LiveReport(file, check, build)
    try:
        server = serve(live, host, port)
    except OSError as error:
        fail(f"cannot serve on {host}:{port}: {error.strerror or error}")
    with server:
        if server.port != port and port != 0:
            click.echo(f"Port {port} is busy; serving on {server.port} instead.", err=True)
        url = _browsable(server.url, host)
        click.echo(f"Serving the live report of {terminal(os.fspath(file))} at {url} (Ctrl-C to stop)", err=True)
        if open_browser:
            threading.Thread(target=_open, args=(url,), name="journey-watch-browser", daemon=True).start()
        runner_log = logging.getLogger("journeydsl.sim.runner")
        runner_log.addHandler(notes)
        try:
            watch_files(live, say)
        except (OSError, RuntimeError) as error:  # the system's file watching failed (a watch limit, a lost folder)
            fail(f"cannot watch `{file}` any more: {error}")
        finally:
            runner_log.removeHandler(notes)


class _RunnerNotes(logging.Handler):
    """What the runner says about precisions (reached, or stopped by the cap), kept until a build is shown."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = ("Warning: " if record.levelno >= logging.WARNING else "") + record.getMessage()
        if line not in self.lines:
            self.lines.append(line)

    def take(self) -> list[str]:
        """The notes since the last call."""
        taken, self.lines = self.lines, []
        return taken


def _browsable(url: str, host: str) -> str:
    """The URL a browser on this computer opens: ``0.0.0.0`` and ``::`` (every address) as ``localhost``."""
    if host.strip("[]") in ("0.0.0.0", "::", ""):
        return url.replace(f"//{host}:", "//localhost:", 1).replace(f"//[{host.strip('[]')}]:", "//localhost:", 1)
    return url


def _open(url: str) -> None:
    """Open ``url`` in the browser, if there is one (nothing is said when there is none)."""
    import webbrowser

    try:
        webbrowser.open(url)
    except Exception:  # no browser, or a broken one: the URL is printed already
        pass
