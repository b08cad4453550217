"""``journey sweep FILE --spec SWEEP.toml``: settings of a journey varied over a grid or a sample, point by point.

The sweep file (TOML) is read and checked by :mod:`journeydsl.lang.sweep`
(its problems shown with ``file:line:col``, the line, a caret and a hint;
exit 1), every point is run with common random numbers by the API's sweep on
the runner's executor (processes here, or a Dask cluster: ``--scheduler
ADDRESS``, ``--dask local``), and the best points for ``--objective`` under
``--budget`` are printed.  ``-o`` writes the tidy table (CSV, Parquet for a
``.parquet`` name, or the ``journeydsl.sweep/1`` document with the ranking for
a ``.json`` name), ``--plot`` the response plot with the best point within the
budget and the points over it marked; both whole or not at all.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import api
from ..lang.diagnostics import did_you_mean
from ..lang.escape import json_text, terminal
from ..lang.sweep import SweepError, parse_constraint, read_sweep, sweep_metrics
from .options import FIGURE, FILE, ReadOptions, RunOptions, output_option, read_options, run_options
from .output import (
    EXIT_INVALID,
    Command,
    fail,
    load_journey,
    note_inputs,
    progress_bar,
    save_figure,
    show_diagnostics,
    write_or_fail,
)

__all__ = ["sweep"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _precision_needs_objective(command: _F) -> _F:
    """Refuse ``--precision`` or ``--quick`` without ``--objective``: a sweep ranks by it and the precision measures it."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if (kwargs.get("precision") is not None or kwargs.get("quick")) and kwargs.get("objective") is None:
            raise click.UsageError(
                "--precision and --quick narrow the interval of --objective; give it too, e.g. --objective satisfaction"
            )
        return command(*args, **kwargs)

    return checked  # type: ignore[return-value]


@click.command(cls=Command)
@click.argument("file", type=FILE)
@click.option(
    "--spec",
    "-s",
    "spec_path",
    type=FILE,
    required=True,
    metavar="SWEEP.toml",
    help="The sweep: the settings to vary and their values, ranges or distributions (TOML; docs/scale.md).",
)
@_precision_needs_objective
@run_options(
    customers="Simulate this many customers per point and replication.",
    replications="Replications per point, with the same seeds at every point (common random numbers).",
    workers="Processes for the replications on this machine [default: all cores]. Results do not depend on it.",
)
@click.option(
    "--objective",
    default=None,
    metavar="METRIC",
    help="Rank the points by this metric's mean: a metric of the results (satisfaction, nps, conversion_rate, "
    "cost_per_customer, ...), profit (per customer), total_cost (of a run), or a queue's wait_mean or "
    "utilisation ('wait_mean of touchpoint advisor'). With --precision, also the metric whose interval must be "
    "narrow enough.",
)
@click.option(
    "--maximize/--minimize",
    default=None,
    help="Whether more of --objective is better [default: less for costs, times, waits, detractors and passives].",
)
@click.option(
    "--budget",
    multiple=True,
    metavar="BOUND",
    help="Rank only the points within this bound on a metric's mean or a setting, e.g. "
    "'cost_per_customer <= 60' or 'capacity of advisor <= 3' ('cost' is total_cost). Repeat it.",
)
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Points shown in the table.")
@output_option(
    "Write the tidy table (one row per point and metric, with 95% intervals): CSV, Parquet for a .parquet "
    "name (the parquet extra), JSON for a .json name; '-' for CSV on standard output.",
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option(
    "--plot",
    "plot_path",
    type=FIGURE,
    help="Draw the response of --metric, marking the best point within --budget (.png, .svg, .pdf).",
)
@click.option(
    "--metric",
    default=None,
    metavar="METRIC",
    help="The metric --plot draws, any metric --objective takes [default: --objective, else satisfaction].",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run the replications on this Dask cluster, e.g. tcp://10.0.0.5:8786 (the dask extra on every "
    "machine; docs/scale.md). Results are the same bytes as on one machine.",
)
@click.option(
    "--dask",
    type=click.Choice(["local"]),
    help="'local': start a Dask cluster on this machine (--workers processes) and run on it.",
)
@read_options
def sweep(
    file: Path,
    spec_path: Path,
    run: RunOptions,
    objective: str | None,
    maximize: bool | None,
    budget: tuple[str, ...],
    top: int,
    output: Path | None,
    plot_path: Path | None,
    metric: str | None,
    scheduler: str | None,
    dask: str | None,
    read: ReadOptions,
) -> None:
    """Vary settings of a journey over a grid or a sample and find the best point within a budget.

    The sweep file names settings as the language does (capacity of T, cost of
    T, duration of T, share of SEGMENT, chance of A -> B, feel of T, theme
    THEME of T, failure "NAME" of T, memory.peak, ...) with a list of values, a
    range, or a distribution for random and Latin-hypercube samples. Every
    point is a design built like a variant and checked like one; all points
    meet the same customers (common random numbers), so they differ by their
    settings only.

    \b
    Examples:
      journey sweep examples/journeys/premier_banking.journey -s examples/sweeps/premier_banking.toml -r 3
      journey sweep shop.journey -s sweep.toml --objective profit --budget "cost_per_customer <= 60" -o sweep.csv
      journey sweep shop.journey -s sweep.toml --plot response.png --metric nps --scheduler tcp://10.0.0.5:8786
    """
    if budget and objective is None:
        raise click.UsageError("--budget bounds the points ranked by --objective; give --objective too")
    if scheduler is not None and dask is not None:
        raise click.UsageError("give --scheduler ADDRESS (a running cluster) or --dask local, not both")
    from ..report.sweep_table import parquet_available, sweep_csv, sweep_parquet, sweep_table

    if output is not None and output.suffix.lower() == ".parquet" and not parquet_available():
        raise click.BadParameter(
            "writing Parquet needs pyarrow: pip install 'journeydsl[parquet]', or write a .csv table",
            param_hint="--output",
        )
    journey = load_journey(file, read)
    settings = run.settings(journey)
    note_inputs(spec_path)
    try:
        spec = read_sweep(spec_path, journey)
    except SweepError as error:
        _show(error)
    labels = [setting.label for setting in spec.settings]
    metrics = sweep_metrics(journey, spec)
    for hint, given in (("--objective", objective), ("--metric", metric)):
        if given is not None and given not in metrics:
            near = did_you_mean(given, metrics) or f"metrics: {', '.join(metrics)}"
            raise click.BadParameter(f"`{given}` is not a metric of this sweep: {near}", param_hint=hint)
    constraints = []
    for text in budget:
        try:
            constraints.append(parse_constraint(text, labels, metrics))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--budget") from None
    with _executor(scheduler, dask, run.workers) as executor, progress_bar("sweeping") as progress:
        try:
            result = api.sweep(
                journey, spec, settings, executor=executor, progress=progress, allow_large=read.allow_large
            )
        except SweepError as error:
            _show(error, file)
    choice = result.best(objective, maximize, constraints) if objective is not None else None
    if output is not None and os.fspath(output) != "-":
        suffix = output.suffix.lower()
        data: str | bytes = sweep_csv(result)
        if suffix == ".parquet":
            data = sweep_parquet(result)
        elif suffix == ".json":
            data = json_text(json.dumps(result.record(choice), indent=2, ensure_ascii=False)) + "\n"
        write_or_fail(output, data, "sweep table")
    if plot_path is not None:
        from ..report.sweep_plot import sweep_figure

        drawn = sweep_figure(result, metric or objective or "satisfaction", choice)
        save_figure(drawn, plot_path, "response plot")
    if output is not None and os.fspath(output) == "-":
        click.echo(sweep_csv(result), nl=False)
        return
    bold = sys.stdout.isatty()
    click.echo(sweep_table(result, choice, top, (lambda t: click.style(t, bold=True)) if bold else None), nl=False)


def _show(error: SweepError, journey_file: Path | None = None) -> Any:
    """Print a sweep's problems with their lines (the sweep file's and the journey's) and exit 1."""
    sources = dict(error.sources)
    if journey_file is not None:
        try:
            sources.setdefault(os.fspath(journey_file), journey_file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            pass
    show_diagnostics(list(error.diagnostics), sources)
    errors = sum(d.is_error for d in error.diagnostics)
    click.echo(f"failed: {errors} error{'s' if errors != 1 else ''} in the sweep", err=True)
    raise click.exceptions.Exit(EXIT_INVALID)


@contextmanager
def _executor(scheduler: str | None, dask: str | None, workers: int | None) -> Iterator[Any]:
    """The executor replications run on: ``None`` (this machine's processes) or a Dask client's."""
    if scheduler is None and dask is None:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise click.UsageError("running on Dask needs dask.distributed: pip install 'journeydsl[dask]'") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            fail(f"cannot reach the Dask scheduler at {scheduler}: {error}")
        with client:
            yield client.get_executor(pure=False)
        return
    count = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        click.echo(terminal(f"started a local Dask cluster of {count} worker processes"), err=True)
        yield client.get_executor(pure=False)
