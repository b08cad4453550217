"""The ``journey`` command line (click).  The one place that maps problems to exit codes.

Exit codes: 0 success (warnings allowed), 1 the journey has errors (or an
output could not be written), 2 bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._version import __version__
from ..api import CheckResult, check_file
from ..lang.diagnostics import sort_diagnostics
from ..lang.export import FORMATS, export
from ..lang.render import render_json, render_text, summary_line
from ..report.files import write_atomically

__all__ = ["main", "cli"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUTPUT_OPTION = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
_SEED_OPTION = click.option(
    "--seed", type=click.IntRange(min=0), help="Master seed [default: the journey's seed, else 0]."
)
_DESIGN_OPTION = click.option(
    "--design",
    default="baseline",
    show_default=True,
    metavar="NAME",
    help="Which design: the baseline as written, or a variant declared in the file.",
)
_ROOT_OPTION = click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Project folder that imports must stay inside [default: the journey's folder].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="journeydsl")
def cli() -> None:
    """Design, check and simulate customer journeys written in the journey language.

    \b
    Start with:
      journey check examples/journeys/premier_banking.journey
      journey simulate examples/journeys/premier_banking.journey --customers 2000
      journey compare examples/journeys/premier_banking.journey
      journey plot examples/journeys/premier_banking.journey --kind curve
      journey report examples/journeys/premier_banking.journey -o report.html
    """


def _report(result: CheckResult, show_warnings: bool, color: bool) -> None:
    shown = [d for d in result.diagnostics if show_warnings or d.is_error]
    if shown:
        click.echo(render_text(shown, result.sources, color=color), err=True)
        click.echo("", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=_FILE)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for editors and CI (schema journeydsl.diagnostics/1).",
)
@click.option(
    "--warnings/--no-warnings",
    "show_warnings",
    default=True,
    show_default=True,
    help="Show warnings as well as errors.",
)
@_ROOT_OPTION
@click.pass_context
def check(ctx: click.Context, files: tuple[Path, ...], fmt: str, show_warnings: bool, root: Path | None) -> None:
    """Check journey files and report every problem found.

    Each problem is shown with its code, file:line:col, the source line with a
    caret under it, and a hint.  Exits 0 when there are only warnings, 1 when
    any file has an error.

    \b
    Examples:
      journey check examples/journeys/*.journey
      journey check shop.journey --format json
    """
    results: dict[str, list] = {}
    everything = []
    color = sys.stderr.isatty()
    for path in files:
        result = check_file(path, root)
        diagnostics = [d for d in result.diagnostics if show_warnings or d.is_error]
        results[str(path)] = diagnostics
        everything.extend(diagnostics)
        if fmt == "text":
            _report(result, show_warnings, color)
    failed = any(d.is_error for d in everything)
    if fmt == "json":
        click.echo(render_json(results))
    else:
        verdict = "failed" if failed else "ok"
        click.echo(f"{verdict}: {summary_line(everything, len(files))}", err=failed)
    ctx.exit(EXIT_INVALID if failed else EXIT_OK)


@cli.command()
@click.argument("file", type=_FILE)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="dot",
    show_default=True,
    help="dot (Graphviz), graphml (networkx, Gephi), mermaid (user-journey diagram), json (the model).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file (whole or not at all) instead of standard output.",
)
@_DESIGN_OPTION
@_ROOT_OPTION
@click.pass_context
def graph(ctx: click.Context, file: Path, fmt: str, output: Path | None, design: str, root: Path | None) -> None:
    """Export a checked journey as a graph or as its model.

    The journey must have no errors; warnings are shown on standard error.

    \b
    Examples:
      journey graph shop.journey --format dot | dot -Tsvg -o shop.svg
      journey graph shop.journey --format graphml -o shop.graphml
      journey graph shop.journey --design "printer in office" --format mermaid
    """
    result = check_file(file, root)
    _report(result, True, sys.stderr.isatty())
    if not result.ok or result.journey is None:
        errors = [d for d in result.diagnostics if d.is_error]
        if not errors:
            click.echo(f"Error: `{file}` is a library; export a journey that imports it.", err=True)
        else:
            click.echo(f"failed: {summary_line(sort_diagnostics(result.diagnostics))}; nothing exported", err=True)
        ctx.exit(EXIT_INVALID)
    text = export(_design_or_exit(ctx, result.journey, design), fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomically(output, text)
    except OSError as error:
        click.echo(f"Error: cannot write `{output}`: {error.strerror or error}", err=True)
        ctx.exit(EXIT_INVALID)
    click.echo(f"wrote {output} ({fmt})", err=True)


class _Progress:
    """A progress bar on standard error, shown only when it is a terminal.

    The simulator reports the finished share of the whole run (0..1); the bar
    counts it in tenths of a percent.
    """

    def __init__(self, label: str):
        self.bar = None
        self.shown = 0
        if sys.stderr.isatty():
            self.bar = click.progressbar(length=1000, label=label, file=sys.stderr, show_eta=True)
            self.bar.__enter__()

    def __call__(self, fraction: float) -> None:
        if self.bar is not None:
            target = min(1000, int(fraction * 1000))
            if target > self.shown:
                self.bar.update(target - self.shown)
                self.shown = target

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _design_or_exit(ctx: click.Context, journey, name: str):
    """The named design of a checked journey, or exit 2 naming the designs there are."""
    from ..lang.designs import design_names, resolve

    resolved = resolve(journey, name)
    if resolved.journey is None:
        raise click.BadParameter(
            f"`{name}` is not a design of this journey; its designs are: {', '.join(design_names(journey))}",
            ctx=ctx,
            param_hint="--design",
        )
    return resolved.journey


def _require_horizon(journey, customers: int | None, horizon: float | None) -> None:
    """Refuse to simulate an open-ended journey (Poisson arrivals, no horizon) without a stopping rule."""
    if (
        customers is None
        and horizon is None
        and journey.horizon is None
        and journey.arrivals is not None
        and journey.arrivals.kind == "poisson"
    ):
        raise click.UsageError("this journey has no horizon: give --customers N or --horizon TIME")


def _load_or_exit(ctx: click.Context, file: Path, root: Path | None):
    result = check_file(file, root)
    _report(result, False, sys.stderr.isatty())
    if not result.ok or result.journey is None:
        if not any(d.is_error for d in result.diagnostics):
            click.echo(f"Error: `{file}` is a library; simulate a journey that imports it.", err=True)
        else:
            click.echo(
                f"failed: {summary_line(sort_diagnostics(result.diagnostics))}; run `journey check {file}` for details",
                err=True,
            )
        ctx.exit(EXIT_INVALID)
    return result.journey


def _run_options(command):
    """The options that say how long and how often to simulate (shared by simulate and plot)."""
    options = [
        click.option(
            "--customers",
            type=click.IntRange(min=1),
            help="Simulate this many customers (each followed for the horizon).",
        ),
        click.option(
            "--horizon",
            metavar="TIME",
            help="Run the clock for this long instead of the journey's horizon, e.g. '30 days'.",
        ),
        click.option(
            "--replications",
            "-r",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Independent replications; intervals come from their spread.",
        ),
        click.option(
            "--seed",
            type=click.IntRange(min=0),
            help="Master seed [default: the journey's seed, else 0]. Same file and seed, same results.",
        ),
        click.option(
            "--warmup", metavar="TIME", help="Leave customers arriving in this first period out of the statistics."
        ),
    ]
    for option in reversed([*options, _DESIGN_OPTION]):
        command = option(command)
    return command


def _experiment(
    ctx: click.Context,
    file: Path,
    root: Path | None,
    design: str,
    customers,
    horizon,
    replications,
    seed,
    warmup,
    trace=None,
):
    """Load, check and simulate one design of a journey for a command; exit with a diagnostic on any problem."""
    from ..api import experiment
    from ..lang.units import parse_time

    if customers is not None and horizon is not None:
        raise click.UsageError("give --customers or --horizon, not both")
    journey = _design_or_exit(ctx, _load_or_exit(ctx, file, root), design)
    try:
        horizon_value = parse_time(horizon, journey.time_unit) if horizon else None
        warmup_value = parse_time(warmup, journey.time_unit) if warmup else 0.0
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    _require_horizon(journey, customers, horizon_value)
    progress = _Progress("simulating")
    try:
        return experiment(
            journey,
            customers,
            horizon_value,
            replications,
            seed,
            warmup_value,
            design=design,
            trace=trace,
            progress=progress,
        )
    finally:
        progress.close()


def _emit(ctx: click.Context, document: dict, fmt: str, output: Path | None, table, csv) -> None:
    """Print or write a document as a table, JSON or CSV (files whole or not at all)."""
    if fmt == "json":
        import json

        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = csv(document)
    else:
        color = output is None and sys.stdout.isatty()
        text = table(document, (lambda t: click.style(t, bold=True)) if color else None)
    if output is None:
        click.echo(text, nl=False)
        return
    _write_or_exit(ctx, output, text, fmt)


def _write_or_exit(ctx: click.Context, output: Path, data: str | bytes, what: str) -> None:
    try:
        write_atomically(output, data)
    except OSError as error:
        click.echo(f"Error: cannot write `{output}`: {error.strerror or error}", err=True)
        ctx.exit(EXIT_INVALID)
    click.echo(f"wrote {output} ({what})", err=True)


@cli.command()
@click.argument("file", type=_FILE)
@_run_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.results/1) or csv for tools.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the results to this file instead of standard output.",
)
@click.option(
    "--trace",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write one row per customer per touchpoint (CSV; .parquet needs the parquet extra).",
)
@_ROOT_OPTION
@click.pass_context
def simulate(ctx, file, customers, horizon, replications, seed, warmup, design, fmt, output, trace, root) -> None:
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
    from ..report.tables import results_csv, results_table
    from ..sim.trace import TraceWriter

    if trace is not None:
        try:
            writer = TraceWriter(trace)
        except (RuntimeError, OSError) as error:
            raise click.BadParameter(str(error), param_hint="--trace") from None
        with writer:
            results = _experiment(
                ctx, file, root, design, customers, horizon, replications, seed, warmup, trace=writer
            ).results
    else:
        results = _experiment(ctx, file, root, design, customers, horizon, replications, seed, warmup).results
    _emit(ctx, results, fmt, output, results_table, results_csv)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=_FILE)
@click.option(
    "--design",
    "designs",
    multiple=True,
    metavar="NAME",
    help="A design to compare (repeat it); the first is the baseline. [default: the baseline and every variant]",
)
@click.option("--customers", type=click.IntRange(min=1), help="Simulate this many customers per design.")
@click.option("--horizon", metavar="TIME", help="Run the clock for this long instead of the journey's horizon.")
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Replications per design; with more than one, differences are paired by replication.",
)
@_SEED_OPTION
@click.option("--warmup", metavar="TIME", help="Leave customers arriving in this first period out of the statistics.")
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(min=1),
    help="Processes for the replications [default: all cores]. Results do not depend on it.",
)
@click.option(
    "--objective",
    type=click.Choice(
        [
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
    ),
    default="remembered_experience",
    show_default=True,
    help="What to rank the designs by.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.comparison/1) or csv for tools.",
)
@_OUTPUT_OPTION
@_ROOT_OPTION
@click.pass_context
def compare(
    ctx, files, designs, customers, horizon, replications, seed, warmup, workers, objective, fmt, output, root
) -> None:
    """Compare designs: the same synthetic customers through each, with paired differences.

    With one FILE, compares its designs (the baseline and its variants, or those
    named with --design; the first is the baseline). With two FILES, compares
    the first file's design with the second's. Every design meets the same
    customers and the same dice wherever the designs agree (common random
    numbers), so differences come from the designs.

    \b
    Examples:
      journey compare examples/journeys/premier_banking.journey
      journey compare shop.journey --design baseline --design "next-day delivery" -r 5 --objective profit
      journey compare today.journey proposal.journey --customers 5000
    """
    from ..analysis.compare import DesignInput
    from ..analysis.compare import compare as run_comparison
    from ..lang.units import parse_time
    from ..report.tables import comparison_csv, comparison_table

    if customers is not None and horizon is not None:
        raise click.UsageError("give --customers or --horizon, not both")
    if len(files) > 2:
        raise click.UsageError("give one journey (to compare its designs) or two (to compare them)")
    journeys = [_load_or_exit(ctx, file, root) for file in files]
    chosen: list = []
    if len(files) == 2:
        names = list(designs) or ["baseline", "baseline"]
        if len(names) != 2:
            raise click.UsageError("with two files, give no --design or one --design per file")
        for file, journey, name in zip(files, journeys, names, strict=True):
            label = file.stem if name == "baseline" else f"{file.stem}: {name}"
            chosen.append(DesignInput(label, _design_or_exit(ctx, journey, name)))
    else:
        from ..lang.designs import design_names

        names = list(designs) or design_names(journeys[0])
        if len(names) < 2:
            raise click.UsageError(
                f'`{files[0]}` has no variants to compare; declare one with `variant "name" {{ ... }}` or give a second file'
            )
        chosen = [DesignInput(name, _design_or_exit(ctx, journeys[0], name)) for name in names]
    unit = journeys[0].time_unit
    try:
        horizon_value = parse_time(horizon, unit) if horizon else None
        warmup_value = parse_time(warmup, unit) if warmup else 0.0
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    _require_horizon(journeys[0], customers, horizon_value)
    progress = _Progress("comparing")
    try:
        document = run_comparison(
            chosen, customers, horizon_value, replications, seed, warmup_value, workers, objective, progress=progress
        )
    finally:
        progress.close()
    _emit(ctx, document, fmt, output, comparison_table, comparison_csv)


@cli.command(name="test")
@click.argument("file", type=_FILE)
@click.option("--customers", type=click.IntRange(min=1), help="Simulate this many customers per design.")
@click.option("--horizon", metavar="TIME", help="Run the clock for this long instead of the journey's horizon.")
@click.option(
    "--replications", "-r", type=click.IntRange(min=1), default=1, show_default=True, help="Replications per design."
)
@_SEED_OPTION
@click.option("--warmup", metavar="TIME", help="Leave customers arriving in this first period out of the statistics.")
@click.option(
    "--workers", "-j", type=click.IntRange(min=1), help="Processes for the replications [default: all cores]."
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on inconclusive tests too.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.tests/1) for CI.",
)
@_OUTPUT_OPTION
@_ROOT_OPTION
@click.pass_context
def test_command(ctx, file, customers, horizon, replications, seed, warmup, workers, strict, fmt, output, root) -> None:
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
    from ..analysis.design_tests import run_tests
    from ..lang.units import parse_time
    from ..report.tables import tests_table

    if customers is not None and horizon is not None:
        raise click.UsageError("give --customers or --horizon, not both")
    journey = _load_or_exit(ctx, file, root)
    if not journey.design_tests:
        click.echo(
            f"`{file}` has no design tests; write them as e.g. `expect nps > 30` (see docs/designs.md)", err=True
        )
        return
    try:
        horizon_value = parse_time(horizon, journey.time_unit) if horizon else None
        warmup_value = parse_time(warmup, journey.time_unit) if warmup else 0.0
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    _require_horizon(journey, customers, horizon_value)
    progress = _Progress("testing")
    try:
        document = run_tests(
            journey, customers, horizon_value, replications, seed, warmup_value, workers, progress=progress
        )
    finally:
        progress.close()
    _emit(ctx, document, fmt, output, tests_table, None)
    if document["failed"] or (strict and document["inconclusive"]):
        ctx.exit(EXIT_INVALID)


@cli.command()
@click.argument("file", type=_FILE)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="report.html (one self-contained page) or report.md (images in a folder beside it).",
)
@click.option(
    "--design",
    "designs",
    multiple=True,
    metavar="NAME",
    help="A design to include (repeat it); the first is the baseline. [default: the baseline and every variant]",
)
@click.option("--customers", type=click.IntRange(min=1), help="Simulate this many customers per design.")
@click.option("--horizon", metavar="TIME", help="Run the clock for this long instead of the journey's horizon.")
@click.option(
    "--replications", "-r", type=click.IntRange(min=1), default=1, show_default=True, help="Replications per design."
)
@_SEED_OPTION
@click.option("--warmup", metavar="TIME", help="Leave customers arriving in this first period out of the statistics.")
@click.option(
    "--workers", "-j", type=click.IntRange(min=1), help="Processes for the replications [default: all cores]."
)
@_ROOT_OPTION
@click.pass_context
def report(ctx, file, output, designs, customers, horizon, replications, seed, warmup, workers, root) -> None:
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
    """
    from ..lang.designs import design_names
    from ..lang.units import parse_time
    from ..report.document import build_report, render_html, render_markdown

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise click.BadParameter(f"`{output}` must end in .html or .md", param_hint="--output")
    if customers is not None and horizon is not None:
        raise click.UsageError("give --customers or --horizon, not both")
    journey = _load_or_exit(ctx, file, root)
    names = list(designs) or design_names(journey)
    chosen = [(name, _design_or_exit(ctx, journey, name)) for name in names]
    try:
        horizon_value = parse_time(horizon, journey.time_unit) if horizon else None
        warmup_value = parse_time(warmup, journey.time_unit) if warmup else 0.0
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    _require_horizon(journey, customers, horizon_value)
    progress = _Progress("reporting")
    try:
        built = build_report(
            journey, chosen, customers, horizon_value, replications, seed, warmup_value, workers, progress=progress
        )
    finally:
        progress.close()
    if suffix == ".md":
        folder = output.with_name(output.stem + "_files")
        text, images = render_markdown(built, folder.name)
        try:
            folder.mkdir(exist_ok=True)
            for name, data in images.items():
                write_atomically(folder / name, data)
        except OSError as error:
            click.echo(f"Error: cannot write `{folder}`: {error.strerror or error}", err=True)
            ctx.exit(EXIT_INVALID)
        _write_or_exit(ctx, output, text, f"report, images in {folder}")
    else:
        _write_or_exit(ctx, output, render_html(built), "report")


@cli.command()
@click.argument("file", type=_FILE)
@_DESIGN_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.analysis/1) for tools.",
)
@_OUTPUT_OPTION
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the chart (.png, .svg, .pdf).",
)
@_ROOT_OPTION
@click.pass_context
def analyze(ctx, file, design, fmt, output, plot_path, root) -> None:
    """Exact flow figures without simulation: conversion, visits, time, removal effects.

    Treats the stages as an absorbing Markov chain and solves it: the chance of
    reaching a goal from the start and from every stage, expected visits of
    every stage and touchpoint, expected touchpoints and time to the goal or
    drop-off, and each stage's and touchpoint's conversion removal effect. Says
    when figures are approximate (state-dependent transitions, visit limits,
    queues).

    \b
    Examples:
      journey analyze examples/journeys/premier_banking.journey
      journey analyze shop.journey --design "next-day delivery" --format json
    """
    from ..analysis.markov import analyze as run_analysis
    from ..report.tables import analysis_table

    _check_plot_path(plot_path)
    journey = _design_or_exit(ctx, _load_or_exit(ctx, file, root), design)
    document = run_analysis(journey)
    _draw_if_asked(ctx, plot_path, "removal_chart", document)
    _emit(ctx, document, fmt, output, analysis_table, None)


@cli.command()
@click.argument("file", type=_FILE)
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
@_DESIGN_OPTION
@click.option("--customers", type=click.IntRange(min=1), help="With --source simulation: customers to simulate.")
@click.option("--seed", type=click.IntRange(min=0), help="With --source simulation: the master seed.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.gaps/1) for tools.",
)
@_OUTPUT_OPTION
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the gap chart (.png, .svg, .pdf).",
)
@_ROOT_OPTION
@click.pass_context
def gaps(ctx, file, source, survey_csv, design, customers, seed, fmt, output, plot_path, root) -> None:
    """The seven-step gap analysis: per factor, experience against expectation, weighted by importance.

    Ranks the experience factors so that the key experience (the most negative
    importance-weighted satisfaction) comes first, overall and per segment,
    with the gap to the ideal level. Works on measured survey figures (a
    `survey` block in the journey, or --survey-csv) or on what simulated
    customers perceived (--source simulation).

    \b
    Examples:
      journey gaps examples/journeys/electronics_shops.journey
      journey gaps examples/journeys/premier_banking.journey --source simulation --customers 3000
      journey gaps shop.journey --survey-csv interviews.csv --plot gaps.png
    """
    from ..analysis.gaps import gaps_from_simulation, gaps_from_survey, read_survey_csv
    from ..report.tables import gaps_table

    journey = _design_or_exit(ctx, _load_or_exit(ctx, file, root), design)
    surveys = None
    if survey_csv is not None:
        try:
            surveys = read_survey_csv(survey_csv)
        except (ValueError, KeyError, OSError) as error:
            raise click.BadParameter(f"cannot read `{survey_csv}`: {error}", param_hint="--survey-csv") from None
    source = source or ("survey" if (surveys or journey.surveys) else "simulation")
    if source == "survey":
        if not (surveys or journey.surveys):
            raise click.UsageError(
                f'`{file}` has no survey: add `survey "NAME" {{ factor ... }}`, give --survey-csv, or use --source simulation'
            )
        document = gaps_from_survey(journey, surveys)
    else:
        from ..api import experiment
        from ..sim.plan import compile_plan

        if (
            customers is None
            and journey.horizon is None
            and journey.arrivals is not None
            and journey.arrivals.kind == "poisson"
        ):
            raise click.UsageError("this journey has no horizon: give --customers N")
        outcome = experiment(journey, customers, seed=seed)
        document = gaps_from_simulation(journey, outcome.collectors, compile_plan(journey))
    if plot_path is not None:
        _check_plot_path(plot_path)
        import matplotlib

        matplotlib.use("Agg")
        from ..report.plots import gap_chart

        _save_figure(ctx, plot_path, gap_chart(document)[0].figure)
    _emit(ctx, document, fmt, output, gaps_table, None)


@cli.command(name="opportunities")
@click.argument("file", type=_FILE)
@_DESIGN_OPTION
@click.option(
    "--objective",
    type=click.Choice(
        [
            "remembered_experience",
            "satisfaction",
            "nps",
            "return_rate",
            "conversion_rate",
            "revenue_per_customer",
            "profit",
        ]
    ),
    default="remembered_experience",
    show_default=True,
    help="What an opportunity is worth in.",
)
@click.option("--customers", type=click.IntRange(min=1), help="Customers per what-if design.")
@click.option("--horizon", metavar="TIME", help="Run the clock for this long instead of the journey's horizon.")
@click.option(
    "--replications", "-r", type=click.IntRange(min=1), default=1, show_default=True, help="Replications per design."
)
@_SEED_OPTION
@click.option("--workers", "-j", type=click.IntRange(min=1), help="Processes [default: all cores].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.opportunities/1) for tools.",
)
@_OUTPUT_OPTION
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the opportunity matrix (and the tornado chart beside it as NAME-tornado.EXT).",
)
@_ROOT_OPTION
@click.pass_context
def opportunities_command(
    ctx, file, design, objective, customers, horizon, replications, seed, workers, fmt, output, plot_path, root
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
    from ..analysis.opportunities import opportunities as run_opportunities
    from ..lang.units import parse_time
    from ..report.tables import opportunities_table

    journey = _design_or_exit(ctx, _load_or_exit(ctx, file, root), design)
    try:
        horizon_value = parse_time(horizon, journey.time_unit) if horizon else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    _require_horizon(journey, customers, horizon_value)
    progress = _Progress("what-ifs")
    try:
        document = run_opportunities(
            journey, objective, customers, horizon_value, replications, seed, 0.0, workers, progress=progress
        )
    finally:
        progress.close()
    if plot_path is not None:
        _check_plot_path(plot_path)
        import matplotlib

        matplotlib.use("Agg")
        from ..report.plots import opportunity_matrix, tornado

        for target, draw in (
            (plot_path, opportunity_matrix),
            (plot_path.with_name(f"{plot_path.stem}-tornado{plot_path.suffix}"), tornado),
        ):
            _save_figure(ctx, target, draw(document).figure)
    _emit(ctx, document, fmt, output, opportunities_table, None)


def _save_figure(ctx: click.Context, path: Path, figure) -> None:
    """Save a Matplotlib figure in the format its suffix names, whole or not at all."""
    import io

    import matplotlib.pyplot as plt

    suffix = path.suffix.lower().lstrip(".")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=suffix, dpi=150, bbox_inches="tight")
    plt.close(figure)
    _write_or_exit(ctx, path, buffer.getvalue(), "chart")


def _draw_if_asked(ctx: click.Context, path: Path | None, chart: str, document: dict) -> None:
    """Draw ``journeydsl.report.plots.<chart>(document)`` into ``path`` when one was given."""
    if path is None:
        return
    import matplotlib

    matplotlib.use("Agg")
    from ..report import plots

    _save_figure(ctx, path, getattr(plots, chart)(document).figure)


def _check_plot_path(path: Path | None) -> None:
    if path is not None and path.suffix.lower().lstrip(".") not in ("png", "svg", "pdf"):
        raise click.BadParameter(f"`{path}` must end in .png, .svg or .pdf", param_hint="--plot")


@cli.command()
@click.argument("file", type=_FILE)
@click.option(
    "--design",
    "designs",
    multiple=True,
    metavar="NAME",
    help="A design (repeat it). [default: the baseline and every variant]",
)
@click.option("--customers", type=click.IntRange(min=1), help="Customers per design.")
@_SEED_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.profile/1) for tools.",
)
@_OUTPUT_OPTION
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the profile as bars (.png, .svg, .pdf).",
)
@_ROOT_OPTION
@click.pass_context
def profile(ctx, file, designs, customers, seed, fmt, output, plot_path, root) -> None:
    """Which experience themes and modules each design delivers, per design and segment.

    Exposure per customer: the effect written at each touchpoint times how often
    customers meet it. Shows whether a design delivers the themes it is meant to
    (trust, recognition, ...) and to whom.

    \b
    Examples:
      journey profile examples/journeys/premier_banking.journey --customers 2000 --plot profile.png
    """
    from ..analysis.delivery import profile as run_profile
    from ..lang.designs import design_names
    from ..report.tables import profile_table

    _check_plot_path(plot_path)
    journey = _load_or_exit(ctx, file, root)
    names = list(designs) or design_names(journey)
    document = run_profile([(n, _design_or_exit(ctx, journey, n)) for n in names], customers, seed)
    if plot_path is not None:
        import matplotlib

        matplotlib.use("Agg")
        from ..report.plots import profile_bars

        _save_figure(ctx, plot_path, profile_bars(document).figure)
    _emit(ctx, document, fmt, output, profile_table, None)


@cli.command()
@click.argument("file", type=_FILE)
@_DESIGN_OPTION
@click.option("--customers", type=click.IntRange(min=1), help="Customers to simulate.")
@_SEED_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.delivery/1) for tools.",
)
@_OUTPUT_OPTION
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the delivery gap (.png, .svg, .pdf).",
)
@_ROOT_OPTION
@click.pass_context
def delivery(ctx, file, design, customers, seed, fmt, output, plot_path, root) -> None:
    """The delivery gap: the effect intended at each touchpoint against what customers felt.

    Per touchpoint, the nominal effect as written against the mean momentary
    affect simulated customers had there; overall, the share of customers who
    rate the experience as superior (9-10), per segment.

    \b
    Examples:
      journey delivery examples/journeys/premier_banking.journey --customers 2000
    """
    from ..analysis.delivery import delivery_gap
    from ..report.tables import delivery_table

    journey = _design_or_exit(ctx, _load_or_exit(ctx, file, root), design)
    _require_horizon(journey, customers, None)
    _check_plot_path(plot_path)
    document = delivery_gap(journey, customers, seed, design=design)
    if plot_path is not None:
        import matplotlib

        matplotlib.use("Agg")
        from ..report.plots import delivery_chart

        _save_figure(ctx, plot_path, delivery_chart(document).figure)
    _emit(ctx, document, fmt, output, delivery_table, None)


@cli.command()
@click.argument("file", type=_FILE)
@_DESIGN_OPTION
@click.option("--customers", type=click.IntRange(min=1), help="Customers per design.")
@click.option(
    "--replications", "-r", type=click.IntRange(min=1), default=1, show_default=True, help="Replications per design."
)
@_SEED_OPTION
@click.option("--workers", "-j", type=click.IntRange(min=1), help="Processes [default: all cores].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.care/1) for tools.",
)
@_OUTPUT_OPTION
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the chart (.png, .svg, .pdf).",
)
@_ROOT_OPTION
@click.pass_context
def care(ctx, file, design, customers, replications, seed, workers, fmt, output, plot_path, root) -> None:
    """What each care programme costs and brings: the same customers with and without it.

    Per programme: its cost per customer against the uplift in return
    probability, revenue and profit, with 95% intervals and the return on
    investment, per segment too; and the value of a customer per segment
    (revenue minus cost over the horizon) with and without care.

    \b
    Examples:
      journey care examples/journeys/premier_banking.journey --customers 3000
    """
    from ..analysis.care import care_value
    from ..report.tables import care_table

    _check_plot_path(plot_path)
    journey = _design_or_exit(ctx, _load_or_exit(ctx, file, root), design)
    if not journey.care:
        raise click.UsageError(
            f"`{file}` has no care programmes; declare one with `care NAME: CHANNEL for all every 1 year {{ ... }}`"
        )
    _require_horizon(journey, customers, None)
    progress = _Progress("care")
    try:
        document = care_value(journey, customers, None, replications, seed, workers, progress=progress)
    finally:
        progress.close()
    _draw_if_asked(ctx, plot_path, "care_chart", document)
    _emit(ctx, document, fmt, output, care_table, None)


@cli.command()
@click.argument("file", type=_FILE)
@_DESIGN_OPTION
@click.option("--customers", type=click.IntRange(min=1), help="Customers to simulate.")
@_SEED_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json (schema journeydsl.recovery/1) for tools.",
)
@_OUTPUT_OPTION
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the chart (.png, .svg, .pdf).",
)
@_ROOT_OPTION
@click.pass_context
def recovery(ctx, file, design, customers, seed, fmt, output, plot_path, root) -> None:
    """Service recovery: satisfaction and return of customers with and without failures.

    Compares customers who met no failure, whose failures were all recovered,
    and who met a failure left unrecovered, so the (weak) recovery paradox can
    be checked.

    \b
    Examples:
      journey recovery examples/journeys/conference_hotel.journey --customers 3000
    """
    from ..analysis.care import recovery as run_recovery
    from ..report.tables import recovery_table

    journey = _design_or_exit(ctx, _load_or_exit(ctx, file, root), design)
    _require_horizon(journey, customers, None)
    _check_plot_path(plot_path)
    document = run_recovery(journey, customers, seed)
    _draw_if_asked(ctx, plot_path, "recovery_chart", document)
    _emit(ctx, document, fmt, output, recovery_table, None)


_PLOT_FORMATS = ("png", "svg", "pdf")


@cli.command()
@click.argument("file", type=_FILE)
@click.option(
    "--kind",
    type=click.Choice(["curve", "funnel", "distribution"]),
    default="curve",
    show_default=True,
    help="curve: the emotion curve along the journey; funnel: drop-off by stage; "
    "distribution: remembered experience and likelihood to recommend with NPS bands.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Image file: .png, .svg or .pdf [default: <journey file>-<kind>.png in the working folder].",
)
@click.option(
    "--dpi", type=click.IntRange(min=50, max=1200), default=200, show_default=True, help="Resolution of PNG output."
)
@_run_options
@_ROOT_OPTION
@click.pass_context
def plot(ctx, file, kind, output, dpi, customers, horizon, replications, seed, warmup, design, root) -> None:
    """Simulate a journey and draw a plot for a report.

    \b
    Examples:
      journey plot examples/journeys/premier_banking.journey --kind curve -o curve.png
      journey plot examples/journeys/premier_banking.journey --kind funnel -o funnel.svg
      journey plot examples/journeys/premier_banking.journey --kind distribution --customers 5000
    """
    output = output if output is not None else Path(f"{file.stem}-{kind}.png")
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in _PLOT_FORMATS:
        raise click.BadParameter(f"`{output}` must end in .png, .svg or .pdf", param_hint="--output")
    outcome = _experiment(ctx, file, root, design, customers, horizon, replications, seed, warmup)
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..report.plots import figure

    fig = figure(kind, outcome.results, outcome.collectors)
    buffer = io.BytesIO()
    # Fixed metadata keeps the same file and seed producing the same bytes.
    metadata = (
        {"Software": f"journeydsl {__version__}"} if suffix == "png" else {"Creator": f"journeydsl {__version__}"}
    )
    if suffix == "pdf":
        metadata["CreationDate"] = None
    if suffix == "svg":
        metadata["Date"] = None
    fig.savefig(buffer, format=suffix, dpi=dpi, bbox_inches="tight", metadata=metadata)
    plt.close(fig)
    _write_or_exit(ctx, output, buffer.getvalue(), f"{kind} plot")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="journey")


if __name__ == "__main__":  # pragma: no cover
    main()
