"""``journey validate JOURNEY LOG``: simulate a journey and compare it with what customers did.

One call of :func:`journeydsl.api.validate` (the document ``journeydsl.validation/1``),
shown as a table or JSON, drawn with ``--plot`` (QQ plots of durations and reach
bars), and an exit code for CI with ``--fail-on``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .. import api
from ..api import VALIDATION_LEVEL, VALIDATION_TESTS, VALIDATION_TOLERANCES
from ..lang.escape import terminal
from ..report.validation import validation_figure, validation_table
from .options import (
    DESIGN_OPTION,
    FILE,
    ReadOptions,
    RunOptions,
    format_option,
    output_option,
    plot_option,
    read_options,
    run_options,
)
from .output import (
    EXIT_INVALID,
    Command,
    emit,
    load_journey,
    log_problems_shown,
    note_inputs,
    progress_bar,
    save_figure,
)

__all__ = ["validate"]


def _pair(text: str, option: str) -> tuple[str, str]:
    name, equals, value = text.rpartition("=")
    if not equals or not name or not value:
        raise click.BadParameter(f"`{text}` is not NAME=VALUE", param_hint=option)
    return name, value


def _failed(document: dict[str, Any], fail_on: Sequence[str]) -> list[str]:
    wanted = VALIDATION_TESTS if "any" in fail_on else tuple(fail_on)
    return [name for name in wanted if document["tests"][name]["verdict"] == "differs"]


@click.command(cls=Command)
@click.argument("file", type=FILE)
@click.argument("log", type=FILE)
@click.option(
    "--mapping",
    type=FILE,
    help="A TOML file naming the log's columns (case, activity, timestamp, end, ...) and its time zone (docs/data.md).",
)
@click.option(
    "--timezone",
    metavar="ZONE",
    help="The zone of log times written without an offset, and of the hours and weekdays of the arrival "
    "profile (an IANA name, Europe/Paris) [default: UTC].",
)
@click.option(
    "--rename",
    multiple=True,
    metavar="ACTIVITY=TOUCHPOINT",
    help="A log activity that is a touchpoint named otherwise (repeat it).",
)
@click.option(
    "--level",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=VALIDATION_LEVEL,
    show_default=True,
    help="Significance level of every test.",
)
@click.option(
    "--tolerance",
    multiple=True,
    metavar="TEST=VALUE",
    help="Effects below VALUE match whatever the p-value (repeat it): "
    + ", ".join(f"{name}={value:g}" for name, value in VALIDATION_TOLERANCES.items())
    + " [defaults].",
)
@click.option(
    "--log-start",
    metavar="TIME",
    help="The date and time of simulation time 0 (ISO 8601) [default: 2026-01-05T00:00Z, a Monday].",
)
@click.option(
    "--fail-on",
    type=click.Choice([*VALIDATION_TESTS, "any"]),
    multiple=True,
    help="Exit with 1 when this test differs at the level (repeat it; any: any test).",
)
@DESIGN_OPTION
@run_options(customers="Customers to simulate.")
@format_option("table", "json", help="table for people; json (schema journeydsl.validation/1) for tools.")
@output_option()
@plot_option("Also draw reach bars and QQ plots of durations (.png, .svg, .pdf).")
@read_options
def validate(
    file: Path,
    log: Path,
    mapping: Path | None,
    timezone: str | None,
    rename: tuple[str, ...],
    level: float,
    tolerance: tuple[str, ...],
    log_start: str | None,
    fail_on: tuple[str, ...],
    design: str,
    run: RunOptions,
    fmt: str,
    output: Path | None,
    plot_path: Path | None,
    read: ReadOptions,
) -> None:
    """Simulate a journey and compare it with an event log of what customers did.

    Matches the log's activities to touchpoints by name (--rename for others)
    and tests: reach (the share of cases visiting each stage and touchpoint),
    durations (time in journey and each touchpoint's, KS and Anderson-Darling),
    arrivals (by hour of day and weekday) and paths (the top 10 observed
    sequences). A test matches when its p-value is at least --level or its
    effect is below its tolerance. With --fail-on, exits with 1 when a test
    differs, for CI.

    \b
    Examples:
      journey validate shop.journey observed.xes --customers 5000
      journey validate shop.journey tickets.csv --mapping tickets.toml --fail-on any --plot validation.png
    """
    renames = dict(_pair(text, "--rename") for text in rename)
    tolerances: dict[str, float] = {}
    for text in tolerance:
        name, value = _pair(text, "--tolerance")
        if name not in VALIDATION_TESTS:
            raise click.BadParameter(
                f"no test `{name}`: the tests are {', '.join(VALIDATION_TESTS)}", param_hint="--tolerance"
            )
        try:
            tolerances[name] = float(value)
        except ValueError:
            raise click.BadParameter(f"`{value}` is not a number", param_hint="--tolerance") from None
        if not 0 <= tolerances[name] <= 1:
            raise click.BadParameter(f"`{value}` is not between 0 and 1", param_hint="--tolerance")
    journey = load_journey(file, read)
    note_inputs(log, *([mapping] if mapping is not None else []))
    settings = run.settings(journey)
    try:
        with log_problems_shown(), progress_bar("simulating") as progress:
            document = api.validate(
                journey,
                log,
                settings,
                design=design,
                mapping=mapping,
                timezone=timezone,
                rename=renames,
                level=level,
                tolerances=tolerances,
                start=log_start,
                progress=progress,
            )
    except ValueError as error:
        message = str(error)
        if message.startswith("rename maps"):
            raise click.BadParameter(message.removeprefix("rename "), param_hint="--rename") from None
        if "start" in message or "date" in message:
            raise click.BadParameter(message, param_hint="--log-start") from None
        raise click.UsageError(message) from None
    for warning in document["log"]["warnings"]:
        click.echo(terminal(f"{log}: warning[{warning['code']}]: {warning['message']}"), err=True)
    if plot_path is not None:
        save_figure(validation_figure(document), plot_path, "validation chart")
    emit(document, fmt, output, validation_table)
    failed = _failed(document, fail_on)
    if failed:
        click.echo(
            terminal(
                f"validation failed at level {level:g}: {', '.join(failed)} {'differ' if len(failed) > 1 else 'differs'}"
            ),
            err=True,
        )
        raise click.exceptions.Exit(EXIT_INVALID)
