"""``journey fit LOG``: a calibrated ``.journey`` fitted from an event log (CSV or XES).

The log is read as :mod:`journeydsl.data.logs` reads it (columns by options or
``--mapping FILE``), fitted by :mod:`journeydsl.analysis.fit`, checked with the
language's checks, and written as formatted text to standard output or
``-o FILE`` (whole or not at all).  The grouping of activities into stages is
shown on standard error for review.  Bad input is reported with
``file:line:col``, the line, a caret and a hint (exit 1); nothing is written then.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from .. import api
from ..lang.escape import shell
from ..lang.render import summary_line
from .options import FILE, output_option
from .output import EXIT_INVALID, Command, fail, note_inputs, show_diagnostics, write_text

__all__ = ["fit"]

#: The column options of the log mapping: option name -> LogMapping field.
_COLUMNS = ("case", "activity", "timestamp", "end", "resource", "segment", "channel")


@click.command(cls=Command)
@click.argument("log", type=FILE)
@output_option(
    "Write the fitted .journey to this file (whole or not at all) instead of standard output.",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
)
@click.option(
    "--stages",
    "stages",
    type=FILE,
    default=None,
    help='A TOML stage mapping: stage = ["activity", ...], stages in order. Default: each activity its own stage, proposed.',
)
@click.option("--goal", default=None, metavar="STAGE", help="The goal stage (default: the stage most cases end in).")
@click.option(
    "--segment-attribute",
    default=None,
    metavar="NAME",
    help="A case attribute whose values become segments (e.g. channel).",
)
@click.option("--name", default=None, help="The journey's name (default: the log file's name).")
@click.option(
    "--mapping",
    type=FILE,
    default=None,
    help="A TOML log mapping naming the CSV columns (docs/data.md); options below override it.",
)
@click.option("--case", "case_column", default=None, metavar="COLUMN", help="The case id column.")
@click.option("--activity", "activity_column", default=None, metavar="COLUMN", help="The activity column.")
@click.option("--timestamp", "timestamp_column", default=None, metavar="COLUMN", help="The (start) timestamp column.")
@click.option(
    "--end",
    "end_column",
    default=None,
    metavar="COLUMN",
    help="The end timestamp column (durations are start to end; without it, to the next event).",
)
@click.option("--resource", "resource_column", default=None, metavar="COLUMN", help="The resource column.")
@click.option(
    "--segment",
    "segment_column",
    default=None,
    metavar="COLUMN",
    help="The column of a case's segment (a case attribute named segment).",
)
@click.option(
    "--channel",
    "channel_column",
    default=None,
    metavar="COLUMN",
    help="The column of an event's channel (a known channel becomes the touchpoint's).",
)
@click.option(
    "--attribute", "attributes", multiple=True, metavar="COLUMN", help="A further case attribute column; repeatable."
)
@click.option(
    "--timezone",
    default=None,
    metavar="ZONE",
    help="The IANA time zone (Europe/Paris) of times written without an offset (default: UTC, with a warning).",
)
@click.option(
    "--time-format",
    default=None,
    metavar="FORMAT",
    help="unix, or a strptime format such as %d/%m/%Y %H:%M (default: ISO 8601).",
)
@click.option(
    "--delimiter", default=None, metavar="CHAR", help="The CSV field separator (default: guessed from the header)."
)
def fit(
    log: Path,
    output: Path | None,
    stages: Path | None,
    goal: str | None,
    segment_attribute: str | None,
    name: str | None,
    mapping: Path | None,
    case_column: str | None,
    activity_column: str | None,
    timestamp_column: str | None,
    end_column: str | None,
    resource_column: str | None,
    segment_column: str | None,
    channel_column: str | None,
    attributes: tuple[str, ...],
    timezone: str | None,
    time_format: str | None,
    delimiter: str | None,
) -> None:
    """Fit a journey to an event log: stages, transition shares, durations, arrivals, segments.

    Each activity becomes a touchpoint; activities are grouped into stages by
    --stages FILE or, without it, each is its own stage (the grouping is shown
    on standard error and in the file for review). Every fitted figure is
    followed by a comment with its sample size, interval or goodness of fit.
    The method is described in docs/data.md.

    \b
    Examples:
      journey fit events.csv -o fitted.journey
      journey fit events.xes --stages stages.toml --goal purchase
      journey fit events.csv --case ticket --activity step --timestamp at --segment-attribute channel
    """
    note_inputs(log, *(path for path in (stages, mapping) if path is not None))  # never written over
    columns = (
        case_column,
        activity_column,
        timestamp_column,
        end_column,
        resource_column,
        segment_column,
        channel_column,
    )
    options: dict[str, object] = dict(zip(_COLUMNS, columns, strict=True))
    options.update(attributes=attributes, timezone=timezone, time_format=time_format, delimiter=delimiter)
    try:
        fitted = api.fit(
            log, mapping, columns=options, stages=stages, goal=goal, segment_attribute=segment_attribute, name=name
        )
    except api.JourneyError as error:
        show_diagnostics(error.diagnostics, error.sources)
        click.echo(f"failed: {summary_line(error.diagnostics)}; nothing fitted", err=True)
        raise click.exceptions.Exit(EXIT_INVALID) from None
    ctx = click.get_current_context()
    words = ["journey", "fit", os.fspath(log)]
    for param in ctx.command.params:
        if param.name in (None, "log"):
            continue
        value = ctx.params.get(param.name)
        if value is None or value == ():
            continue
        flag = max(param.opts, key=len)
        for item in value if isinstance(value, tuple) else (value,):
            words += [flag, os.fspath(item)]
    command = " ".join(shell(word) for word in words)
    warnings = [d for d in fitted.log_diagnostics if not d.is_error]
    if warnings:
        show_diagnostics(warnings, fitted.sources)
    click.echo(fitted.grouping_table(), err=True)
    text = fitted.text(command)
    target = os.fspath(output) if output is not None else "<fitted>.journey"
    result = api.check_text(text, target)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors:  # a fit's mistake, never the user's: say so rather than write a broken journey
        show_diagnostics(errors, result.sources)
        fail(f"the journey fitted from `{log}` does not check; nothing written (please report this)")
    write_text(text, output, "journey")
