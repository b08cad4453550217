"""The options commands share, and the one place run options become a :class:`RunSettings`.

Every command that reads a journey takes ``--root`` and ``--allow-large``
through :func:`read_options`, as one :class:`ReadOptions` (its ``read``
parameter) that :func:`~journeydsl.cli.output.load_journey` reads the file with.
Every command that simulates takes the run options through :func:`run_options`:
``--customers``, ``--horizon TIME``, ``--replications/-r``, ``--seed``,
``--warmup TIME``, ``--workers/-j`` and ``--period TIME``.  The command receives them as one
:class:`RunOptions` (its ``run`` parameter) and turns them into one
:class:`~journeydsl.sim.settings.RunSettings` with :meth:`RunOptions.settings`
once the journey is loaded, since times are counted in the journey's own unit.

Examples
--------
>>> TIME.convert("90 min", None, None)
5400.0
>>> RunOptions(customers=200).replications
1
>>> ReadOptions().allow_large
False
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import click

from ..api import RunSettings
from ..lang.checks import MAX_LOOP_VISITS, MAX_RUN_CUSTOMERS
from ..lang.decisions import parse_min_difference
from ..lang.model import Journey, Quantity
from ..lang.units import parse_time, to_time_unit

__all__ = [
    "FILE",
    "FIGURE",
    "TIME",
    "DESIGN_OPTION",
    "ReadOptions",
    "read_options",
    "RunOptions",
    "run_options",
    "designs_option",
    "min_difference_option",
    "min_differences",
    "format_option",
    "output_option",
    "plot_option",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The FILE argument of every command: an existing file.
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _bad(message: str, param: click.Parameter | None, ctx: click.Context | None) -> click.BadParameter:
    """A usage error naming the option by its long name (``Invalid value for --horizon: ...``)."""
    hint = max(param.opts, key=len) if param is not None and param.opts else None
    return click.BadParameter(message, ctx=ctx, param_hint=hint)


class TimeType(click.ParamType):
    """A time written like in the language (``30 days``, ``12 h``, ``90 min``), as seconds.

    The one parser of ``--horizon`` and ``--warmup``: text that is not a time is
    a usage error (exit 2) naming the option.  :meth:`RunOptions.settings`
    counts the seconds in the journey's time unit.
    """

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        """Seconds from text (a number given by a program is taken as seconds already)."""
        if isinstance(value, float):
            return value
        try:
            return parse_time(str(value), "seconds")
        except ValueError as error:
            raise _bad(str(error), param, ctx) from None


#: Parameter type of ``--horizon`` and ``--warmup``.
TIME = TimeType()


class FigureFile(click.Path):
    """A file to draw a figure into: its name must end in .png, .svg or .pdf (checked before anything runs)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The path, or a usage error naming the option when its suffix is not an image format."""
        from ..report.figures import figure_format

        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        try:
            figure_format(path)
        except ValueError:
            raise _bad(f"`{path}` must end in .png, .svg or .pdf", param, ctx) from None
        return path


#: Parameter type of ``--plot`` and of ``journey plot --output``.
FIGURE = FigureFile()

Record = TypeVar("Record")


def _options_as(record: type[Record], argument: str, options: Sequence[Callable[[Any], Any]]) -> Callable[[F], F]:
    """A decorator adding click options whose values reach the command as one ``record`` named ``argument``.

    The options' parameter names are the record's fields; the record is built
    (and may refuse its values with a usage error) before the command runs.
    """
    names = [field.name for field in fields(record)]  # type: ignore[arg-type]  # a dataclass

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def with_record(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            return command(*args, **{argument: record(**values)}, **kwargs)

        decorated: Any = with_record
        for option in reversed(options):
            decorated = option(decorated)
        return decorated

    return decorate


@dataclass(frozen=True)
class ReadOptions:
    """How a command reads its journey files, as given on the command line; see :func:`read_options`.

    Attributes
    ----------
    root : Path or None
        The project folder imports must stay inside (``None``: the journey's folder).
    allow_large : bool
        Runs above the size limits are allowed: the checks say so with the
        warning JD505 instead of the errors JD218 and JD306.
    """

    root: Path | None = None
    allow_large: bool = False

    def arguments(self) -> list[str]:
        """The options as command-line words, to suggest a command that reads the file the same way.

        Returns
        -------
        list of str
            ``--root DIRECTORY`` and ``--allow-large`` when given (not shell-quoted).

        Examples
        --------
        >>> ReadOptions(Path("my project"), allow_large=True).arguments()
        ['--root', 'my project', '--allow-large']
        """
        words = ["--root", os.fspath(self.root)] if self.root is not None else []
        return words + ["--allow-large"] if self.allow_large else words


#: Help of ``--allow-large``.
ALLOW_LARGE_HELP = (
    f"Allow runs above the size limits: arrivals (cohort, markets, rate) bringing more than "
    f"{MAX_RUN_CUSTOMERS:,} customers to one run, visit limits allowing more than {MAX_LOOP_VISITS:,} "
    "stage visits round a loop. The check still warns (JD505)."
)


def read_options(command: F) -> F:
    """``--root DIRECTORY`` and ``--allow-large``, given to the command as one :class:`ReadOptions` ``read``.

    Every command that reads a journey file takes them; it reads the file with
    :func:`journeydsl.cli.output.load_journey` (or checks it with the API's
    ``check_file``) passing the record on.

    Parameters
    ----------
    command : callable
        A click command's function with a ``read`` parameter.

    Returns
    -------
    callable
        The function with the two options.
    """
    return _options_as(
        ReadOptions,
        "read",
        [
            click.option(
                "--root",
                type=click.Path(exists=True, file_okay=False, path_type=Path),
                help="Project folder that imports must stay inside [default: the journey's folder].",
            ),
            click.option("--allow-large", is_flag=True, help=ALLOW_LARGE_HELP),
        ],
    )(command)


DESIGN_OPTION = click.option(
    "--design",
    default="baseline",
    show_default=True,
    metavar="NAME",
    help="Which design: the baseline as written, or a variant declared in the file.",
)


def designs_option(help: str) -> Callable[[F], F]:
    """``--design NAME`` repeated: the designs to run, first the baseline (given as ``designs``).

    Parameters
    ----------
    help : str
        The command's help text of the option.

    Returns
    -------
    callable
        A click option decorator.
    """
    return click.option("--design", "designs", multiple=True, metavar="NAME", help=help)


def min_difference_option(command: F) -> F:
    """``--min-difference METRIC=AMOUNT`` repeated, given as ``min_difference`` (read by :func:`min_differences`)."""
    return click.option(
        "--min-difference",
        "min_difference",
        multiple=True,
        metavar="METRIC=AMOUNT",
        help="The smallest difference of METRIC that counts as better or worse (repeat it), in the metric's unit: "
        "satisfaction=0.5, nps=3, conversion_rate=2%, time_in_journey=5min, cost_per_customer=1.50. "
        "[default: the minimal important differences of docs/designs.md]",
    )(command)


def min_differences(given: Sequence[str], journey: Journey) -> dict[str, float]:
    """The ``--min-difference`` amounts per metric, in the metric's unit (times in the journey's time unit).

    Raises
    ------
    click.BadParameter
        For an unknown metric, an amount that is not one, or a unit the metric is not measured in (exit 2).
    """
    chosen: dict[str, float] = {}
    for text in given:
        try:
            metric, amount = parse_min_difference(text, journey.time_unit)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--min-difference") from None
        chosen[metric] = amount
    return chosen


def format_option(*choices: str, help: str) -> Callable[[F], F]:
    """``--format``, given as ``fmt``.

    Parameters
    ----------
    *choices : str
        The formats; the first is the default.
    help : str
        The command's help text of the option.

    Returns
    -------
    callable
        A click option decorator.
    """
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True, help=help
    )


def output_option(help: str = "Write to this file instead of standard output.", **extra: Any) -> Callable[[F], F]:
    """``-o/--output FILE``, given as ``output``.

    Parameters
    ----------
    help : str
        The command's help text of the option.
    **extra
        Further arguments of :func:`click.option` (``type=``, ``required=``).

    Returns
    -------
    callable
        A click option decorator.
    """
    extra.setdefault("type", click.Path(dir_okay=False, path_type=Path))
    return click.option("-o", "--output", help=help, **extra)


def plot_option(help: str = "Also draw the chart (.png, .svg, .pdf).") -> Callable[[F], F]:
    """``--plot FILE``, given as ``plot_path``: draw a chart too (.png, .svg or .pdf, checked before running).

    Parameters
    ----------
    help : str
        The command's help text of the option.

    Returns
    -------
    callable
        A click option decorator.
    """
    return click.option("--plot", "plot_path", type=FIGURE, help=help)


@dataclass(frozen=True)
class RunOptions:
    """The run options as given on the command line (times in seconds); see :func:`run_options`."""

    customers: int | None = None
    horizon: float | None = None
    replications: int = 1
    seed: int | None = None
    warmup: float | None = None
    workers: int | None = None
    period: float | None = None

    def __post_init__(self) -> None:
        if self.customers is not None and self.horizon is not None:
            raise click.UsageError("give --customers or --horizon, not both")

    def settings(self, journey: Journey) -> RunSettings:
        """The one :class:`RunSettings` of a command, times counted in ``journey``'s unit.

        Parameters
        ----------
        journey : Journey
            The journey to run (its time unit, horizon and arrivals count).

        Returns
        -------
        RunSettings
            The settings, the seed left for the API to resolve.

        Raises
        ------
        click.UsageError
            When the journey runs without end (Poisson arrivals, no horizon) and
            neither ``--customers`` nor ``--horizon`` was given, or the settings
            are impossible (a zero horizon).
        """
        horizon = self._in(journey, self.horizon)
        if (
            self.customers is None
            and horizon is None
            and journey.horizon is None
            and journey.arrivals is not None
            and journey.arrivals.kind == "poisson"
        ):
            raise click.UsageError("this journey has no horizon: give --customers N or --horizon TIME")
        try:
            return RunSettings(
                customers=self.customers,
                horizon=horizon,
                warmup=self._in(journey, self.warmup) or 0.0,
                replications=self.replications,
                seed=self.seed,
                workers=self.workers,
                period=self._in(journey, self.period),
            )
        except ValueError as error:
            raise click.UsageError(str(error)) from None

    @staticmethod
    def _in(journey: Journey, seconds: float | None) -> float | None:
        return to_time_unit(Quantity(seconds, "seconds"), journey.time_unit) if seconds is not None else None


#: Help of the run options; :func:`run_options` takes a command's own wording.
RUN_HELP = {
    "customers": "Simulate this many customers per design.",
    "horizon": "Run the clock for this long instead of the journey's horizon.",
    "replications": "Replications per design.",
    "seed": "Master seed [default: the journey's seed, else 0].",
    "warmup": "Leave customers arriving in this first period out of the statistics.",
    "workers": "Processes for the replications [default: all cores].",
    "period": "Period of the results' time series, e.g. '1 week' [default: the hour, day, week, month, "
    "quarter or year that cuts the run into at most 60].",
}


def run_options(**help: str) -> Callable[[F], F]:
    """The options that say how to simulate, given to the command as one :class:`RunOptions` ``run``.

    Adds ``--customers``, ``--horizon TIME``, ``-r/--replications``, ``--seed``,
    ``--warmup TIME``, ``-j/--workers`` and ``--period TIME`` (in this order) and refuses
    ``--customers`` with ``--horizon`` (a usage error, before any file is read).

    Parameters
    ----------
    **help : str
        The command's own help text of an option (keys as in :data:`RUN_HELP`).

    Returns
    -------
    callable
        A decorator for a click command's function.
    """
    unknown = set(help) - set(RUN_HELP)
    if unknown:
        raise TypeError(f"no run option {', '.join(sorted(unknown))}")
    texts = {**RUN_HELP, **help}
    options = [
        click.option("--customers", type=click.IntRange(min=1), help=texts["customers"]),
        click.option("--horizon", type=TIME, metavar="TIME", help=texts["horizon"]),
        click.option(
            "--replications",
            "-r",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help=texts["replications"],
        ),
        click.option("--seed", type=click.IntRange(min=0), help=texts["seed"]),
        click.option("--warmup", type=TIME, metavar="TIME", help=texts["warmup"]),
        click.option("--workers", "-j", type=click.IntRange(min=1), help=texts["workers"]),
        click.option("--period", type=TIME, metavar="TIME", help=texts["period"]),
    ]

    return _options_as(RunOptions, "run", options)
