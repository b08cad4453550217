"""Commands that run designs: ``simulate``, ``compare``, ``test``, ``plot`` and ``report``.

Each is one call of :mod:`journeydsl.api` between reading its options and
printing or writing what the call returns.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import click

from .. import api
from ..lang.escape import terminal
from ..lang.model import Journey
from ..report.files import write_atomically
from ..report.tables import comparison_csv, comparison_table, results_csv, results_table, tests_table
from .options import (
    DESIGN_OPTION,
    FIGURE,
    FILE,
    ReadOptions,
    RunOptions,
    designs_option,
    format_option,
    min_difference_option,
    min_differences,
    output_option,
    read_options,
    run_options,
)
from .output import (
    EXIT_INVALID,
    Command,
    deliver_or_fail,
    emit,
    fail,
    inputs_read,
    load_journey,
    log_problems_shown,
    note_inputs,
    progress_bar,
    save_figure,
    stage_output,
    write_or_fail,
)

__all__ = ["simulate", "compare", "test", "plot", "report"]

#: The help of the run options of the commands that simulate one design and show all of it.
_ONE_DESIGN = {
    "customers": "Simulate this many customers (each followed for the horizon).",
    "horizon": "Run the clock for this long instead of the journey's horizon, e.g. '30 days'.",
    "replications": "Independent replications; intervals come from their spread.",
    "seed": "Master seed [default: the journey's seed, else 0]. Same file and seed, same results.",
    "workers": "Processes for the replications [default: all cores]. Results do not depend on it.",
}

_OBJECTIVES = [
    "remembered_experience",
    "satisfaction",
    "nps",
    "return_rate",
    "conversion_rate",
    "referrals_per_customer",
    "revenue_per_customer",
    "cost_per_customer",
    "profit",
]


@click.command(cls=Command)
@click.argument("file", type=FILE)
@run_options(**_ONE_DESIGN)
@DESIGN_OPTION
@format_option("table", "json", "csv", help="table for people; json (schema journeydsl.results/1) or csv for tools.")
@output_option("Write the results to this file instead of standard output.")
@click.option(
    "--trace",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write one row per customer per touchpoint (CSV; .parquet needs the parquet extra).",
)
@click.option(
    "--log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the customers as an event log for process mining: .xes (IEEE XES; .xes.gz gzipped) or .csv.",
)
@click.option(
    "--log-start",
    metavar="WHEN",
    help="With --log: the date and time simulation time 0 stands for (ISO 8601; UTC unless an offset is given). "
    "[default: 2026-01-05T00:00, a Monday]",
)
@read_options
def simulate(
    file: Path,
    run: RunOptions,
    design: str,
    fmt: str,
    output: Path | None,
    trace: Path | None,
    log: Path | None,
    log_start: str | None,
    read: ReadOptions,
) -> None:
    """Simulate synthetic customers through a journey and report what they felt and did.

    Reports conversion, remembered experience, satisfaction, NPS, return
    probability, word of mouth, cost and revenue with 95% intervals, and per
    stage, touchpoint and segment figures.

    \b
    Examples:
      journey simulate examples/journeys/premier_banking.journey
      journey simulate shop.journey --customers 5000 --replications 5 --format json -o results.json
      journey simulate shop.journey --design "printer in office"
    """
    if log_start is not None and log is None:
        raise click.BadParameter("it dates the log of --log, which is not given", param_hint="--log-start")
    journey = load_journey(file, read)
    settings = run.settings(journey)
    with ExitStack() as stack:
        staged = stack.enter_context(stage_output(trace)) if trace is not None else None
        staged_log = stack.enter_context(stage_output(log)) if log is not None else None
        with ExitStack() as running:
            writer = None
            if staged is not None:
                try:
                    writer = running.enter_context(api.trace_writer(staged.path))
                except RuntimeError as error:
                    raise click.BadParameter(str(error), param_hint="--trace") from None
            if staged_log is not None:
                try:
                    log_writer = api.log_writer(staged_log.path, journey, start=log_start, also=writer)
                except ValueError as error:
                    raise click.BadParameter(str(error), param_hint="--log-start") from None
            rows = writer if staged_log is None else running.enter_context(log_writer)
            progress = running.enter_context(progress_bar("simulating"))
            outcome = api.simulate(journey, settings, design=design, trace=rows, progress=progress)
        for finished in (staged, staged_log):
            if finished is not None:
                deliver_or_fail(finished)
    emit(outcome.results, fmt, output, results_table, results_csv)


@click.command(cls=Command)
@click.argument("files", nargs=-1, required=True, type=FILE)
@designs_option("A design to compare (repeat it); the first is the baseline. [default: the baseline and every variant]")
@run_options(
    replications="Replications per design; with more than one, differences are paired by replication.",
    workers=_ONE_DESIGN["workers"],
)
@click.option(
    "--objective",
    type=click.Choice(_OBJECTIVES),
    default="remembered_experience",
    show_default=True,
    help="What to rank the designs by.",
)
@min_difference_option
@format_option("table", "json", "csv", help="table for people; json (schema journeydsl.comparison/1) or csv for tools.")
@output_option()
@read_options
def compare(
    files: tuple[Path, ...],
    designs: tuple[str, ...],
    run: RunOptions,
    objective: str,
    min_difference: tuple[str, ...],
    fmt: str,
    output: Path | None,
    read: ReadOptions,
) -> None:
    """Compare designs: the same synthetic customers through each, with paired differences.

    With one FILE, compares its designs (the baseline and its variants, or those
    named with --design; the first is the baseline). With two FILES, compares
    the first file's design with the second's. Every design meets the same
    customers and the same dice wherever the designs agree (common random
    numbers), so differences come from the designs. A difference is better or
    worse only when its 95% interval excludes 0 and it reaches the metric's
    minimal important difference (--min-difference); designs with no clear
    difference share a rank.

    \b
    Examples:
      journey compare examples/journeys/premier_banking.journey
      journey compare shop.journey --design baseline --design "next-day delivery" -r 5 --objective profit
      journey compare today.journey proposal.journey --customers 5000
    """
    if len(files) > 2:
        raise click.UsageError("give one journey (to compare its designs) or two (to compare them)")
    journeys = [load_journey(file, read) for file in files]
    chosen: list[str | tuple[str, Journey]] = []
    if len(files) == 2:
        names = list(designs) or ["baseline", "baseline"]
        if len(names) != 2:
            raise click.UsageError("with two files, give no --design or one --design per file")
        for file, journey, name in zip(files, journeys, names, strict=True):
            label = file.stem if name == "baseline" else f"{file.stem}: {name}"
            chosen.append((label, api.design(journey, name)))
    else:
        chosen = list(designs) or list(api.design_names(journeys[0]))
        if len(chosen) < 2:
            raise click.UsageError(
                f'`{files[0]}` has no variants to compare; declare one with `variant "name" {{ ... }}` or give a second file'
            )
    settings = run.settings(journeys[0])
    smallest = min_differences(min_difference, journeys[0])
    with progress_bar("comparing") as progress:
        document = api.compare(
            journeys[0], chosen, settings, objective=objective, min_differences=smallest, progress=progress
        )
    emit(document, fmt, output, comparison_table, comparison_csv)


@click.command(name="test", cls=Command)
@click.argument("file", type=FILE)
@run_options()
@click.option("--strict", is_flag=True, help="Fail (exit 1) on inconclusive tests too.")
@format_option("table", "json", help="table for people; json (schema journeydsl.tests/1) for CI.")
@output_option()
@read_options
def test(file: Path, run: RunOptions, strict: bool, fmt: str, output: Path | None, read: ReadOptions) -> None:
    """Run the design tests written in a journey (`expect ...`) and report each verdict.

    A test passes when the whole 95% interval of what it measures satisfies it,
    fails when the whole interval violates it, and is inconclusive when the
    interval straddles the threshold (simulate more customers). Exit code 1 if
    any test failed (or, with --strict, was inconclusive), so journeys can be
    put under CI.

    \b
    Examples:
      journey test examples/journeys/premier_banking.journey
      journey test shop.journey --customers 10000 --replications 5 --strict
    """
    journey = load_journey(file, read)
    if not journey.design_tests:
        message = f"`{file}` has no design tests; write them as e.g. `expect nps > 30` (see docs/designs.md)"
        click.echo(terminal(message), err=True)
        return
    settings = run.settings(journey)
    with progress_bar("testing") as progress:
        document = api.run_tests(journey, settings, progress=progress)
    emit(document, fmt, output, tests_table)
    if document["failed"] or (strict and document["inconclusive"]):
        raise click.exceptions.Exit(EXIT_INVALID)


#: The plots of ``journey plot --kind`` (:data:`journeydsl.report.plots.KINDS`).
_PLOT_KINDS = ["curve", "segments", "map", "series", "funnel", "distribution"]


@click.command(cls=Command)
@click.argument("file", type=FILE)
@click.option(
    "--kind",
    type=click.Choice(_PLOT_KINDS),
    default="curve",
    show_default=True,
    help="curve: the emotion curve along the journey, forking where paths part; "
    "segments: one curve per segment on the same scale; "
    "map: the journey map (stages as columns, a lane per segment, the curves beneath, pains and opportunities); "
    "series: adoption (or customers so far), new customers, NPS and queue length per period (see --period); "
    "funnel: drop-off by stage; "
    "distribution: remembered experience and likelihood to recommend with NPS bands.",
)
@click.option("--segment", metavar="NAME", help="With --kind curve: draw the curve of this segment's customers.")
@click.option(
    "--opportunities/--no-opportunities",
    default=True,
    show_default=True,
    help="With --kind map: also run `journey opportunities` (same settings) to flag the biggest pains and "
    "opportunities; without, the map flags the touchpoints that felt worst.",
)
@output_option(
    "Image file: .png, .svg or .pdf [default: <journey file>-<kind>.png in the working folder].", type=FIGURE
)
@click.option(
    "--dpi", type=click.IntRange(min=50, max=1200), default=200, show_default=True, help="Resolution of PNG output."
)
@run_options(**_ONE_DESIGN)
@DESIGN_OPTION
@read_options
def plot(
    file: Path,
    kind: str,
    segment: str | None,
    opportunities: bool,
    output: Path | None,
    dpi: int,
    run: RunOptions,
    design: str,
    read: ReadOptions,
) -> None:
    """Simulate a journey and draw a plot for a report.

    A curve joins two touchpoints only where customers meet one right after
    the other: it forks at a choice or where segments are routed apart and
    joins again where their paths meet. The map is laid out for an A4
    landscape page (--dpi 120 makes it about 1,400 pixels wide).

    \b
    Examples:
      journey plot examples/journeys/premier_banking.journey --kind curve -o curve.png
      journey plot examples/journeys/premier_banking.journey --kind curve --segment premier
      journey plot examples/journeys/premier_banking.journey --kind segments -o segments.png
      journey plot examples/journeys/premier_banking.journey --kind map --dpi 120 -o map.png
      journey plot examples/journeys/online_shop.journey --kind series --period "1 month"
      journey plot examples/journeys/premier_banking.journey --kind funnel -o funnel.svg
      journey plot examples/journeys/premier_banking.journey --kind distribution --customers 5000
    """
    if segment is not None and kind != "curve":
        raise click.BadParameter(f"draws one segment with --kind curve only, not --kind {kind}", param_hint="--segment")
    journey = load_journey(file, read)
    if segment is not None:
        names = [s.name for s in journey.segments]
        if segment not in names:
            known = f"its segments are {', '.join(names)}" if names else "it declares no segments"
            raise click.BadParameter(terminal(f"`{file}` has no segment {segment!r}; {known}"), param_hint="--segment")
    target = output if output is not None else Path(f"{file.stem}-{kind}.png")
    settings = run.settings(journey)
    runner = api.new_runner()
    found = None
    with progress_bar("simulating") as progress:
        outcome = api.simulate(journey, settings, design=design, progress=progress, runner=runner)
    if kind == "map" and opportunities:
        with progress_bar("opportunities") as progress:
            found = api.opportunities(journey, settings, design=design, progress=progress, runner=runner)
    save_figure(api.plot(outcome, kind, segment=segment, opportunities=found), target, f"{kind} plot", dpi)


@click.command(cls=Command)
@click.argument("file", type=FILE)
@output_option("report.html (one self-contained page) or report.md (images in a folder beside it).", required=True)
@designs_option("A design to include (repeat it); the first is the baseline. [default: the baseline and every variant]")
@run_options()
@min_difference_option
@click.option(
    "--validate",
    "validate_log",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="LOG",
    help="Also validate the baseline against this event log (CSV or XES, default column names; "
    "see journey validate) and show the tests and their chart.",
)
@read_options
def report(
    file: Path,
    output: Path,
    designs: tuple[str, ...],
    run: RunOptions,
    min_difference: tuple[str, ...],
    validate_log: Path | None,
    read: ReadOptions,
) -> None:
    """Write a report a designer can hand on: summary, graph, plots, comparison, tests.

    The report has the journey's summary and graph, the baseline's emotion
    curve, funnel and distributions, the comparison of the designs with
    plain-language conclusions, the design tests, and the settings needed to
    reproduce it. HTML embeds its images (no external files, no network);
    Markdown writes its images into a folder named after the report.

    \b
    Examples:
      journey report examples/journeys/premier_banking.journey -o premier.html
      journey report shop.journey --design baseline --design "next-day delivery" -o shop.md
      journey report shop.journey --validate visits.csv -o shop.html
    """
    from ..report.document import render_html, render_markdown

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise click.BadParameter(f"`{output}` must end in .html or .md", param_hint="--output")
    journey = load_journey(file, read)
    settings = run.settings(journey)
    smallest = min_differences(min_difference, journey)
    if validate_log is not None:
        note_inputs(validate_log)
    with log_problems_shown(), progress_bar("reporting") as progress:
        built = api.report(
            journey,
            list(designs) or None,
            settings,
            min_differences=smallest,
            progress=progress,
            validate_log=validate_log,
        )
    # The Reproduce line names the file, how it was read, the output and the log as given here.
    built = replace(
        built,
        file=os.fspath(file),
        output=os.fspath(output),
        reading=tuple(read.arguments()),
        validate_log=os.fspath(validate_log) if validate_log is not None else None,
    )
    if suffix != ".md":
        write_or_fail(output, render_html(built), "report")
        return
    folder = output.with_name(output.stem + "_files")
    text, images = render_markdown(built, folder.name)
    try:
        folder.mkdir(exist_ok=True)
        for name, data in images.items():
            write_atomically(folder / name, data, protected=inputs_read())
    except OSError as error:
        fail(f"cannot write `{folder}`: {error.strerror or error}")
    write_or_fail(output, text, f"report, images in {folder}")
