"""``journey validate JOURNEY LOG``: simulate a journey and compare it with what customers did.

One call of :func:`journeydsl.api.validate` (the document ``journeydsl.validation/1``),
shown as a table or JSON, drawn with ``--plot`` (QQ plots of durations and reach
bars), and an exit code for CI with ``--fail-on``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import api
from ..api import VALIDATION_LEVEL, VALIDATION_TESTS, VALIDATION_TOLERANCES
from ..lang.escape import plot_text, terminal
from ..report.tables import format_table
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
    note_inputs,
    progress_bar,
    save_figure,
    show_diagnostics,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["validate", "validation_table", "validation_figure"]

#: How many QQ plots a figure draws at most (time in journey first, then the touchpoints with most data).
MAX_QQ = 8


def _pair(text: str, option: str) -> tuple[str, str]:
    name, equals, value = text.rpartition("=")
    if not equals or not name or not value:
        raise click.BadParameter(f"`{text}` is not NAME=VALUE", param_hint=option)
    return name, value


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _share(value: float) -> str:
    return f"{100 * value:.1f}%"


def _title(text: str, style: Callable[[str], str] | None) -> str:
    shown = terminal(text)
    return style(shown) if style else shown


def validation_table(document: dict[str, Any], style: Callable[[str], str] | None = None) -> str:
    """The ``journeydsl.validation/1`` document as tables for the terminal (every name escaped).

    Parameters
    ----------
    document : dict
        From :func:`journeydsl.api.validate`.
    style : callable, optional
        Decorates titles and headers (bold on a terminal).

    Returns
    -------
    str
    """
    tests = document["tests"]
    unit = document["time_unit"]
    lines = [
        _title(
            f"{document['journey']} ({document['design']}) against {document['log']['source']}: "
            f"{document['log']['cases']} observed cases, {document['simulated']['cases']} simulated; "
            f"level {document['level']:g}: {document['verdict']}",
            style,
        ),
        "",
    ]
    reach = tests["reach"]
    lines.append(
        _title(f"reach: {reach['verdict']} (share of cases; tolerance {100 * reach['tolerance']:g} points)", style)
    )
    rows = [
        [
            f"{item['kind']} {item['name']}",
            _share(item["observed"]),
            _share(item["simulated"]),
            f"{100 * item['effect']:+.1f}",
            _p(item["p_adjusted"]),
            item["verdict"],
        ]
        for item in reach["items"]
    ]
    lines += [format_table(["", "observed", "simulated", "points", "p (Holm)", "verdict"], rows, style), ""]
    durations = tests["durations"]
    lines.append(
        _title(f"durations: {durations['verdict']} ({unit}; KS, tolerance D {durations['tolerance']:g})", style)
    )
    rows = []
    for item in durations["items"]:
        ad = item["anderson_darling"]
        rows.append(
            [
                item["name"],
                str(item["n_observed"]),
                str(item["n_simulated"]),
                _number(item["median_observed"]),
                _number(item["median_simulated"]),
                _number(item["effect"]),
                _p(item["p_adjusted"]),
                _p(ad["p_value"]) if ad else "-",
                item["verdict"],
            ]
        )
    lines += [
        format_table(
            ["", "n obs", "n sim", "median obs", "median sim", "D", "p (Holm)", "p A-D", "verdict"], rows, style
        ),
        "",
    ]
    arrivals = tests["arrivals"]
    lines.append(
        _title(f"arrivals: {arrivals['verdict']} (chi-square; tolerance TV distance {arrivals['tolerance']:g})", style)
    )
    rows = [
        [
            item["name"],
            str(item["n_observed"]),
            str(item["n_simulated"]),
            _number(item["effect"], 3),
            _p(item["p_value"]),
            item["verdict"],
        ]
        for item in arrivals["items"]
    ]
    lines += [format_table(["", "n obs", "n sim", "TV distance", "p", "verdict"], rows, style), ""]
    paths = tests["paths"]
    summary = paths["items"][0]
    lines.append(
        _title(
            f"paths: {paths['verdict']} (top {len(summary['variants'])} observed; TV distance "
            f"{_number(summary['effect'], 3)}, p {_p(summary['p_value'])}; tolerance {paths['tolerance']:g})",
            style,
        )
    )
    rows = [
        [" > ".join(variant["path"]), _share(variant["observed_share"]), _share(variant["simulated_share"])]
        for variant in summary["variants"]
    ]
    other = summary["other"]
    if other["observed"] or other["simulated"]:
        rows.append(["(other paths)", _share(other["observed_share"]), _share(other["simulated_share"])])
    lines.append(format_table(["path", "observed", "simulated"], rows, style))
    unmatched = document["unmatched"]
    if unmatched["activities"]:
        lines.append(
            "log activities that are no touchpoint (map them with --rename ACTIVITY=TOUCHPOINT): "
            + ", ".join(f"`{terminal(name)}`" for name in unmatched["activities"])
        )
    if unmatched["touchpoints"]:
        lines.append(
            "touchpoints no case of the log visits: " + ", ".join(f"`{terminal(n)}`" for n in unmatched["touchpoints"])
        )
    return "\n".join(lines) + "\n"


def validation_figure(document: dict[str, Any]) -> Figure:
    """Reach bars (observed and simulated share of cases) and QQ plots of durations.

    Each QQ plot puts the observed quantiles (2% to 98%) against the simulated ones: on the
    diagonal when the distributions agree.  At most :data:`MAX_QQ` are drawn: time in journey,
    then the touchpoints with the most observed durations.
    """
    from matplotlib.figure import Figure

    reach = document["tests"]["reach"]["items"]
    durations = [item for item in document["tests"]["durations"]["items"] if item["statistic"] is not None]
    durations = durations[:1] + sorted(durations[1:], key=lambda item: -item["n_observed"])[: MAX_QQ - 1]
    columns = 3
    qq_rows = math.ceil(len(durations) / columns) if durations else 0
    height_reach = max(2.5, 0.3 * len(reach) + 1)
    figure = Figure(figsize=(12, height_reach + 3.2 * qq_rows), layout="constrained")
    grid = figure.add_gridspec(1 + qq_rows, columns, height_ratios=[height_reach] + [3.2] * qq_rows)
    bars = figure.add_subplot(grid[0, :])
    positions = list(range(len(reach)))
    bars.barh([p - 0.2 for p in positions], [100 * i["observed"] for i in reach], 0.4, label="observed")
    bars.barh([p + 0.2 for p in positions], [100 * i["simulated"] for i in reach], 0.4, label="simulated")
    bars.set_yticks(positions, [plot_text(f"{i['kind']} {i['name']}") for i in reach])
    bars.invert_yaxis()
    bars.set_xlabel("cases reaching it (%)")
    bars.set_xlim(0, 105)
    bars.legend(loc="lower right")
    bars.set_title(plot_text(f"Reach: {document['journey']} against {document['log']['source']}"))
    unit = document["time_unit"]
    for index, item in enumerate(durations):
        axes = figure.add_subplot(grid[1 + index // columns, index % columns])
        observed, simulated = item["quantiles"]["observed"], item["quantiles"]["simulated"]
        axes.plot(simulated, observed, "o", markersize=3)
        low = min(*observed, *simulated)
        high = max(*observed, *simulated)
        axes.plot([low, high], [low, high], "-", color="grey", linewidth=0.8)
        axes.set_xlabel(plot_text(f"simulated ({unit})"))
        axes.set_ylabel(plot_text(f"observed ({unit})"))
        axes.set_title(plot_text(f"{item['name']}: D {item['effect']:.2f}, {item['verdict']}"), fontsize=9)
    return figure


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
        with progress_bar("simulating") as progress:
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
    except api.JourneyError as error:
        if not any(d.code.startswith("JL") for d in error.diagnostics):
            raise  # an unknown design: Command makes it a usage error naming --design
        show_diagnostics(error.diagnostics, error.sources)
        raise click.exceptions.Exit(EXIT_INVALID) from None
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
