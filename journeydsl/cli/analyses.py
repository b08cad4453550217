"""Commands that answer design questions: ``analyze``, ``gaps``, ``opportunities``, ``profile``,
``delivery``, ``care`` and ``recovery``.

Each is one call of :mod:`journeydsl.api` that returns a versioned JSON
document, shown as a table or JSON and, with ``--plot``, drawn by
:mod:`journeydsl.report.plots`.
"""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..lang.escape import shell, terminal
from ..report import plots
from ..report.tables import (
    analysis_table,
    care_table,
    delivery_table,
    gaps_table,
    opportunities_table,
    profile_table,
    recovery_table,
)
from .options import (
    DESIGN_OPTION,
    FILE,
    ReadOptions,
    RunOptions,
    designs_option,
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
    write_or_fail,
)

__all__ = ["analyze", "gaps", "opportunities", "profile", "delivery", "care", "recovery"]

_OBJECTIVES = [
    "remembered_experience",
    "satisfaction",
    "nps",
    "return_rate",
    "conversion_rate",
    "revenue_per_customer",
    "profit",
]


@click.command(cls=Command)
@click.argument("file", type=FILE)
@DESIGN_OPTION
@format_option("table", "json", help="table for people; json (schema journeydsl.analysis/1) for tools.")
@output_option()
@plot_option()
@read_options
def analyze(file: Path, design: str, fmt: str, output: Path | None, plot_path: Path | None, read: ReadOptions) -> None:
    """Exact flow figures without simulation: conversion, visits, time, removal effects.

    Treats each segment's stages as an absorbing Markov chain, with the
    segment's routes, choice shares and visit limits, and solves it: the chance
    of reaching a goal from the start and from every stage, expected visits of
    every stage and touchpoint, expected touchpoints and time to the goal or
    drop-off, and each stage's and touchpoint's conversion removal effect, per
    segment and for all customers. Names what it approximates (transitions that
    depend on mood or satisfaction, with the conversion's range whatever they
    do; customers who give up in queues; time spent queueing).

    \b
    Examples:
      journey analyze examples/journeys/premier_banking.journey
      journey analyze shop.journey --design "next-day delivery" --format json
    """
    document = api.analyze(load_journey(file, read), design)
    if plot_path is not None:
        save_figure(plots.removal_chart(document), plot_path)
    emit(document, fmt, output, analysis_table)


@click.command(cls=Command)
@click.argument("file", type=FILE)
@click.option(
    "--source",
    type=click.Choice(["survey", "simulation"]),
    help="Measured survey figures, or what simulated customers perceived. [default: survey if the file has one]",
)
@click.option(
    "--survey-csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Survey figures from a CSV file: factor, experience, expectation, importance, ideal[, segment].",
)
@click.option(
    "--responses",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A response-level survey (CSV, one row per respondent): measured performance, expectation and "
    "importance (regression of overall satisfaction on the factor ratings), NPS, per segment.",
)
@click.option(
    "--write-factors",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --responses: also write the measured factors as a .journey library to import.",
)
@DESIGN_OPTION
@run_options(
    customers="With --source simulation: customers to simulate.", seed="With --source simulation: the master seed."
)
@format_option("table", "json", help="table for people; json (schema journeydsl.gaps/1) for tools.")
@output_option()
@plot_option("Also draw the gap chart (.png, .svg, .pdf).")
@read_options
def gaps(
    file: Path,
    source: str | None,
    survey_csv: Path | None,
    responses: Path | None,
    write_factors: Path | None,
    design: str,
    run: RunOptions,
    fmt: str,
    output: Path | None,
    plot_path: Path | None,
    read: ReadOptions,
) -> None:
    """The seven-step gap analysis: per factor, experience against expectation, weighted by importance.

    Ranks the experience factors so that the key experience (the most negative
    importance-weighted satisfaction) comes first, overall and per segment,
    with the gap to the ideal level. Works on measured survey figures (a
    `survey` block in the journey, or --survey-csv) or on what simulated
    customers perceived (--source simulation). With --responses, the figures
    are measured from one row per respondent, with intervals, the importance
    estimated from the data and the NPS; --write-factors saves the measured
    factors as a library for the simulator.

    \b
    Examples:
      journey gaps examples/journeys/electronics_shops.journey
      journey gaps examples/journeys/premier_banking.journey --source simulation --customers 3000
      journey gaps shop.journey --survey-csv interviews.csv --plot gaps.png
      journey gaps examples/journeys/electronics_shops.journey \\
        --responses examples/surveys/electronics_shops_responses.csv --write-factors measured.journey
    """
    journey = load_journey(file, read)
    surveys = None
    if survey_csv is not None:
        try:
            surveys = api.read_survey_csv(survey_csv, journey)
        except api.JourneyError as error:
            show_diagnostics(error.diagnostics, error.sources)
            raise click.exceptions.Exit(EXIT_INVALID) from None
        except OSError as error:
            raise click.BadParameter(f"cannot read `{survey_csv}`: {error}", param_hint="--survey-csv") from None
    measured = None
    if write_factors is not None and responses is None:
        raise click.UsageError("--write-factors writes the factors measured by --responses: give --responses too")
    if responses is not None:
        if survey_csv is not None:
            raise click.UsageError("give --survey-csv or --responses, not both")
        if source == "simulation":
            raise click.UsageError("--responses gives measured figures: leave out --source simulation")
        note_inputs(responses)
        try:
            measured = api.read_survey_responses(responses, journey)
        except api.JourneyError as error:
            show_diagnostics(error.diagnostics, error.sources)
            raise click.exceptions.Exit(EXIT_INVALID) from None
        surveys = measured.surveys()
    source = source or ("survey" if (surveys or journey.surveys) else "simulation")
    if source == "survey" and not (surveys or journey.surveys):
        raise click.UsageError(
            f'`{file}` has no survey: add `survey "NAME" {{ factor ... }}`, give --survey-csv, or use --source simulation'
        )
    settings = run.settings(journey) if source == "simulation" else None
    with progress_bar("simulating" if settings is not None else None) as progress:
        document = api.gaps(
            journey, settings, design=design, source=source, surveys=surveys, responses=measured, progress=progress
        )
    if measured is not None and write_factors is not None:
        command = f"journey gaps {shell(str(file))} --responses {shell(str(responses))}"
        write_or_fail(write_factors, measured.library_text(command), "factors")
    if plot_path is not None:
        save_figure(plots.gap_chart(document)[0], plot_path)
    if measured is not None:
        summary = measured.describe()
        emit(
            document,
            fmt,
            output,
            lambda d, style=None: gaps_table(d, style) + "\n" + "\n".join(map(terminal, summary.split("\n"))),
        )
    else:
        emit(document, fmt, output, gaps_table)


@click.command(name="opportunities", cls=Command)
@click.argument("file", type=FILE)
@DESIGN_OPTION
@click.option(
    "--objective",
    type=click.Choice(_OBJECTIVES),
    default="remembered_experience",
    show_default=True,
    help="What an opportunity is worth in.",
)
@run_options(customers="Customers per what-if design.", workers="Processes [default: all cores].")
@format_option("table", "json", help="table for people; json (schema journeydsl.opportunities/1) for tools.")
@output_option()
@plot_option("Also draw the opportunity matrix (and the tornado chart beside it as NAME-tornado.EXT).")
@read_options
def opportunities(
    file: Path,
    design: str,
    objective: str,
    run: RunOptions,
    fmt: str,
    output: Path | None,
    plot_path: Path | None,
    read: ReadOptions,
) -> None:
    """Where to invest: what improving, removing or fixing each touchpoint is worth.

    For every touchpoint, three what-if designs meet the same customers as the
    design itself: the moment one point better, the touchpoint removed, and
    (where it can fail) never failing. Reports each change in the objective
    with its 95% interval, next to the touchpoint's peak and end shares and its
    cost, ranked by what improving it is worth.

    \b
    Examples:
      journey opportunities examples/journeys/premier_banking.journey --customers 2000
      journey opportunities shop.journey --objective profit --plot matrix.png
    """
    journey = load_journey(file, read)
    settings = run.settings(journey)
    with progress_bar("what-ifs") as progress:
        document = api.opportunities(journey, settings, design=design, objective=objective, progress=progress)
    if plot_path is not None:
        save_figure(plots.opportunity_matrix(document), plot_path)
        tornado = plot_path.with_name(f"{plot_path.stem}-tornado{plot_path.suffix}")
        save_figure(plots.tornado(document), tornado)
    emit(document, fmt, output, opportunities_table)


@click.command(cls=Command)
@click.argument("file", type=FILE)
@designs_option("A design (repeat it). [default: the baseline and every variant]")
@run_options(customers="Customers per design.")
@format_option("table", "json", help="table for people; json (schema journeydsl.profile/1) for tools.")
@output_option()
@plot_option("Also draw the profile as bars (.png, .svg, .pdf).")
@read_options
def profile(
    file: Path,
    designs: tuple[str, ...],
    run: RunOptions,
    fmt: str,
    output: Path | None,
    plot_path: Path | None,
    read: ReadOptions,
) -> None:
    """Which experience themes and modules each design delivers, per design and segment.

    Exposure per customer: the effect written at each touchpoint times how often
    customers meet it. Shows whether a design delivers the themes it is meant to
    (trust, recognition, ...) and to whom.

    \b
    Examples:
      journey profile examples/journeys/premier_banking.journey --customers 2000 --plot profile.png
    """
    journey = load_journey(file, read)
    settings = run.settings(journey)
    with progress_bar("profiling") as progress:
        document = api.profile(journey, list(designs) or None, settings, progress=progress)
    if plot_path is not None:
        save_figure(plots.profile_bars(document), plot_path)
    emit(document, fmt, output, profile_table)


@click.command(cls=Command)
@click.argument("file", type=FILE)
@DESIGN_OPTION
@run_options(customers="Customers to simulate.")
@format_option("table", "json", help="table for people; json (schema journeydsl.delivery/2) for tools.")
@output_option()
@plot_option("Also draw the delivery gap (.png, .svg, .pdf).")
@read_options
def delivery(
    file: Path, design: str, run: RunOptions, fmt: str, output: Path | None, plot_path: Path | None, read: ReadOptions
) -> None:
    """The delivery gap: the effect intended at each touchpoint against what customers felt.

    Per touchpoint, the nominal effect as written against the touchpoint's own
    effect: the mean momentary affect simulated customers had there, less the
    mood they carried in from the moment before (shown beside it); overall, the
    share of customers who rate the experience as superior (9-10), per segment.

    \b
    Examples:
      journey delivery examples/journeys/premier_banking.journey --customers 2000
    """
    journey = load_journey(file, read)
    settings = run.settings(journey)
    with progress_bar("simulating") as progress:
        document = api.delivery(journey, settings, design=design, progress=progress)
    if plot_path is not None:
        save_figure(plots.delivery_chart(document), plot_path)
    emit(document, fmt, output, delivery_table)


@click.command(cls=Command)
@click.argument("file", type=FILE)
@DESIGN_OPTION
@run_options(customers="Customers per design.", workers="Processes [default: all cores].")
@format_option("table", "json", help="table for people; json (schema journeydsl.care/1) for tools.")
@output_option()
@plot_option()
@read_options
def care(
    file: Path, design: str, run: RunOptions, fmt: str, output: Path | None, plot_path: Path | None, read: ReadOptions
) -> None:
    """What each care programme costs and brings: the same customers with and without it.

    Per programme: its cost per customer against the uplift in return
    probability, revenue and profit, with 95% intervals and the return on
    investment, per segment too; and the value of a customer per segment
    (revenue minus cost over the horizon) with and without care.

    \b
    Examples:
      journey care examples/journeys/premier_banking.journey --customers 3000
    """
    journey = load_journey(file, read)
    if not api.design(journey, design).care:
        raise click.UsageError(
            f"`{file}` has no care programmes; declare one with `care NAME: CHANNEL for all every 1 year {{ ... }}`"
        )
    settings = run.settings(journey)
    with progress_bar("care") as progress:
        document = api.care(journey, settings, design=design, progress=progress)
    if plot_path is not None:
        save_figure(plots.care_chart(document), plot_path)
    emit(document, fmt, output, care_table)


@click.command(cls=Command)
@click.argument("file", type=FILE)
@DESIGN_OPTION
@run_options(customers="Customers to simulate.")
@format_option("table", "json", help="table for people; json (schema journeydsl.recovery/1) for tools.")
@output_option()
@plot_option()
@read_options
def recovery(
    file: Path, design: str, run: RunOptions, fmt: str, output: Path | None, plot_path: Path | None, read: ReadOptions
) -> None:
    """Service recovery: satisfaction and return of customers with and without failures.

    Compares customers who met no failure, whose failures were all recovered,
    and who met a failure left unrecovered, so the (weak) recovery paradox can
    be checked.

    \b
    Examples:
      journey recovery examples/journeys/conference_hotel.journey --customers 3000
    """
    journey = load_journey(file, read)
    settings = run.settings(journey)
    with progress_bar("simulating") as progress:
        document = api.recovery(journey, settings, design=design, progress=progress)
    if plot_path is not None:
        save_figure(plots.recovery_chart(document), plot_path)
    emit(document, fmt, output, recovery_table)
