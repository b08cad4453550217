"""The options commands share, and the one place run options become a :class:`RunSettings`.

Every command that reads a journey takes ``--root`` and ``--allow-large``
through :func:`read_options`, as one :class:`ReadOptions` (its ``read``
parameter) that :func:`~journeydsl.cli.output.load_journey` reads the file with.
Every command that simulates takes the run options through :func:`run_options`:
``--customers``, ``--horizon TIME``, ``--replications/-r``, ``--seed``,
``--warmup TIME``, ``--workers/-j``, ``--period TIME``, ``--precision WIDTH``,
``--objective METRIC`` (unless the command has its own), ``--max-replications N``
and ``--quick``.  The command receives them as one
:class:`RunOptions` (its ``run`` parameter) and turns them into one
:class:`~journeydsl.sim.settings.RunSettings` with :meth:`RunOptions.settings`
once the journey is loaded, since times are counted in the journey's own unit.
While the command runs, what the runner says about a precision (reached, or
stopped by the cap) is collected and printed on standard error at the end.

``--design`` completes the design names of the journey file given earlier on
the command line in bash, zsh and fish (:func:`complete_designs`; see
``docs/cli.md``, "Shell completion").

Examples
--------
>>> TIME.convert("90 min", None, None)
5400.0
>>> RunOptions(customers=200).replications is None
True
>>> ReadOptions().allow_large
False
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import click
from click.shell_completion import CompletionItem

from ..api import RunSettings
from ..lang.checks import MAX_LOOP_VISITS, MAX_RUN_CUSTOMERS
from ..lang.decisions import parse_min_difference
from ..lang.model import Journey, Quantity
from ..lang.precision import (
    DEFAULT_MAX_REPLICATIONS,
    PRECISION_OBJECTIVES,
    QUICK_CUSTOMERS,
    QUICK_MAX_REPLICATIONS,
    Precision,
    parse_precision,
)
from ..lang.units import parse_time, to_time_unit
from ..lang.vocabulary import METRICS, UNIT_SECONDS

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
    "complete_designs",
    "quick_customers",
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


def complete_designs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The design names of the journey file(s) given earlier on the command line that start with ``incomplete``.

    Shell completion of ``--design``: the file (``FILE``, or each of
    ``FILES``) is read with journeydsl's loader (parsed, its imports read,
    nothing executed, no checks run) under ``--root`` when given; on any
    problem (no file yet, a missing or broken file) there is nothing to offer.

    Parameters
    ----------
    ctx : click.Context
        The command's context as far as the shell's words were parsed.
    param : click.Parameter
        The ``--design`` option.
    incomplete : str
        What has been typed of the name so far.

    Returns
    -------
    list of CompletionItem
        ``baseline`` and the variants' names, in the order written, each once.
    """
    from ..lang.loader import load_file

    given = ctx.params.get("file") or ctx.params.get("files") or ()
    files: list[Any] = [given] if isinstance(given, str | os.PathLike) else list(given)
    root = ctx.params.get("root")
    if not files:  # click stops parsing at the option being completed, before the FILE argument
        files, root = _files_being_completed()
    names: list[str] = []
    for file in files:
        try:
            journey = load_file(os.fspath(file), os.fspath(root) if root else None).journey
        except Exception:  # completion must never fail: offer nothing for this file
            continue
        if journey is None:
            continue
        for name in ["baseline", *(variant.name for variant in journey.variants)]:
            if name.startswith(incomplete) and name not in names:
                names.append(name)
    return [CompletionItem(name) for name in names]


def _files_being_completed() -> tuple[list[str], str | None]:
    """The ``.journey`` files and the ``--root`` among the words the shell asks to complete (``COMP_WORDS``)."""
    from click.shell_completion import split_arg_string

    try:
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
    except ValueError:
        return [], None
    root = next((value for option, value in zip(words, words[1:], strict=False) if option == "--root"), None)
    files = [word for word in words[1:] if word.endswith(".journey") and os.path.isfile(word)]
    return files, root


DESIGN_OPTION = click.option(
    "--design",
    default="baseline",
    show_default=True,
    metavar="NAME",
    shell_complete=complete_designs,
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
    return click.option(
        "--design", "designs", multiple=True, metavar="NAME", shell_complete=complete_designs, help=help
    )


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


def quick_customers(journey: Journey) -> int | None:
    """Customers per replication for ``--quick``: :data:`~journeydsl.lang.precision.QUICK_CUSTOMERS`, or
    ``None`` (the journey's own run) when the journey brings fewer or is a market.

    A cohort brings its count; Poisson arrivals their rate over the horizon
    (without a horizon, ``QUICK_CUSTOMERS``).
    """
    arrivals = journey.arrivals
    if arrivals is None or arrivals.kind == "market":
        return None
    if arrivals.kind == "cohort":
        brings = arrivals.count or 0.0
    else:
        per = UNIT_SECONDS.get(arrivals.per or "")
        horizon = journey.horizon
        if horizon is None:
            return QUICK_CUSTOMERS
        if arrivals.rate is None or per is None or horizon.unit not in UNIT_SECONDS:
            return None
        brings = arrivals.rate / per * horizon.value * UNIT_SECONDS[horizon.unit]
    return QUICK_CUSTOMERS if brings > QUICK_CUSTOMERS else None


@dataclass(frozen=True)
class RunOptions:
    """The run options as given on the command line (times in seconds); see :func:`run_options`.

    Refuses (a usage error, before any file is read) ``--customers`` with
    ``--horizon``, ``--replications`` with ``--precision`` or ``--quick`` (the
    precision decides how many), and ``--max-replications`` or ``--objective``
    without a precision (they would change nothing).
    """

    customers: int | None = None
    horizon: float | None = None
    replications: int | None = None
    seed: int | None = None
    warmup: float | None = None
    workers: int | None = None
    period: float | None = None
    precision: str | None = None
    objective: str | None = None
    max_replications: int | None = None
    quick: bool = False

    def __post_init__(self) -> None:
        if self.customers is not None and self.horizon is not None:
            raise click.UsageError("give --customers or --horizon, not both")
        precise = self.precision is not None or self.quick
        if precise and self.replications is not None:
            raise click.UsageError(
                "give --replications or --precision/--quick, not both: with a precision, replications are added "
                "until the interval is narrow enough (cap them with --max-replications)"
            )
        if not precise and self.max_replications is not None:
            raise click.UsageError("--max-replications caps --precision or --quick; give one of them too")
        if not precise and self.objective is not None:
            raise click.UsageError("--objective says what --precision or --quick measure; give one of them too")

    def precision_asked(self, journey: Journey) -> Precision | None:
        """The :class:`~journeydsl.lang.precision.Precision` asked for, or ``None``.

        Raises
        ------
        click.BadParameter
            For a ``--precision`` that is not an amount of the objective (exit 2).
        """
        if self.precision is None and not self.quick:
            return None
        objective = self.objective or "satisfaction"
        default_most = QUICK_MAX_REPLICATIONS if self.quick else DEFAULT_MAX_REPLICATIONS
        most = self.max_replications or default_most
        if self.precision is None:
            return Precision.quick(objective, most)
        try:
            width, relative = parse_precision(self.precision, objective, journey.time_unit)
            return Precision(width, objective, relative, most)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--precision") from None

    def settings(self, journey: Journey) -> RunSettings:
        """The one :class:`RunSettings` of a command, times counted in ``journey``'s unit.

        Parameters
        ----------
        journey : Journey
            The journey to run (its time unit, horizon and arrivals count).

        Returns
        -------
        RunSettings
            The settings, the seed left for the API to resolve.  With
            ``--quick``, at most :data:`~journeydsl.lang.precision.QUICK_CUSTOMERS`
            customers per replication unless ``--customers`` or ``--horizon`` was given.

        Raises
        ------
        click.UsageError
            When the journey runs without end (Poisson arrivals, no horizon) and
            neither ``--customers`` nor ``--horizon`` (nor ``--quick``) was given, or the settings
            are impossible (a zero horizon).
        """
        horizon = self._in(journey, self.horizon)
        customers = self.customers
        if self.quick and customers is None and horizon is None:
            customers = quick_customers(journey)
        if (
            customers is None
            and horizon is None
            and journey.horizon is None
            and journey.arrivals is not None
            and journey.arrivals.kind == "poisson"
        ):
            raise click.UsageError("this journey has no horizon: give --customers N or --horizon TIME")
        precision = self.precision_asked(journey)
        try:
            return RunSettings(
                customers=customers,
                horizon=horizon,
                warmup=self._in(journey, self.warmup) or 0.0,
                replications=self.replications or 1,
                seed=self.seed,
                workers=self.workers,
                period=self._in(journey, self.period),
                precision=precision,
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
    "precision": "Add replications until the 95% interval of --objective is narrower than WIDTH (its full "
    "width, high minus low): 0.2 (points), 2% (a share, in percentage points), 5min (a time), 5% (of the "
    "estimate, for times and money). Every design must reach it. Same seed, same stopping point, whatever "
    "--workers. Not with --replications.",
    "objective": "With --precision or --quick: the metric whose interval must be narrow enough, any metric of "
    "the results (satisfaction, nps, conversion_rate, time_in_journey, cost_per_customer, ...). "
    "[default: satisfaction]",
    "max_replications": f"With --precision or --quick: stop after this many replications, reached or not "
    f"(a warning says so). [default: {DEFAULT_MAX_REPLICATIONS}; {QUICK_MAX_REPLICATIONS} with --quick]",
    "quick": f"Just precise enough for a workshop: at most {QUICK_CUSTOMERS} customers per replication, and "
    f"replications until the interval of --objective is narrower than a coarse width (satisfaction: 0.2 "
    f"points; docs/cli.md lists them), at most {QUICK_MAX_REPLICATIONS}. --precision, --customers and "
    "--max-replications override its parts.",
}


class _PrecisionNotes(logging.Handler):
    """Collects what the runner says about precisions while a command runs, each message once."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.notes: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        note = (record.levelno, record.getMessage())
        if note not in self.notes:
            self.notes.append(note)


def _with_precision_notes(command: F) -> F:
    """Run ``command`` with the runner's precision messages printed on standard error when it ends.

    The runner logs INFO when a precision was reached and WARNING when the cap
    stopped it (printed as ``Warning: ...``).  They are printed after the
    command's output, once each, even when the command ends in an exit code.
    """

    @functools.wraps(command)
    def noting(*args: Any, **kwargs: Any) -> Any:
        from ..lang.escape import terminal

        runner_log = logging.getLogger("journeydsl.sim.runner")
        handler = _PrecisionNotes()
        level, propagate = runner_log.level, runner_log.propagate
        runner_log.addHandler(handler)
        runner_log.setLevel(logging.INFO)
        runner_log.propagate = False
        try:
            return command(*args, **kwargs)
        finally:
            runner_log.removeHandler(handler)
            runner_log.setLevel(level)
            runner_log.propagate = propagate
            for severity, message in handler.notes:
                click.echo(terminal(f"Warning: {message}" if severity >= logging.WARNING else message), err=True)

    return noting  # type: ignore[return-value]


#: Where an option's value comes from when the command line did not give it.
_NOT_GIVEN = (click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP, None)


def run_options(**help: str) -> Callable[[F], F]:
    """The options that say how to simulate, given to the command as one :class:`RunOptions` ``run``.

    Adds ``--customers``, ``--horizon TIME``, ``-r/--replications``, ``--seed``,
    ``--warmup TIME``, ``-j/--workers``, ``--period TIME``, ``--precision WIDTH``,
    ``--objective METRIC``, ``--max-replications N`` and ``--quick`` (in this
    order) and refuses ``--customers`` with ``--horizon`` and ``--replications``
    with ``--precision`` (usage errors, before any file is read).  A command
    that has its own ``--objective`` (a parameter ``objective``: ``compare``
    ranks by it, ``opportunities`` values in it) keeps it: the precision then
    measures that objective.

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

    def decorate(command: F) -> F:
        # The command's own --objective (compare, opportunities) may be declared above or below this decorator.
        own_objective = "objective" in inspect.signature(command).parameters
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
            click.option("--precision", metavar="WIDTH", help=texts["precision"]),
            click.option(
                "--max-replications",
                type=click.IntRange(min=2),
                metavar="N",
                help=texts["max_replications"],
            ),
            click.option("--quick", is_flag=True, help=texts["quick"]),
        ]
        if not own_objective:
            options.insert(
                -2,
                click.option(
                    "--objective", type=click.Choice(list(METRICS)), metavar="METRIC", help=texts["objective"]
                ),
            )
        names = [
            "customers",
            "horizon",
            "replications",
            "seed",
            "warmup",
            "workers",
            "period",
            "precision",
            "max_replications",
            "quick",
        ]

        @functools.wraps(command)
        def with_record(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            context = click.get_current_context(silent=True)
            if context is not None and context.get_parameter_source("replications") in _NOT_GIVEN:
                values["replications"] = None  # the default: a precision may decide instead
            precise = values["precision"] is not None or values["quick"]
            if own_objective:
                objective = kwargs["objective"]
                if precise and objective not in PRECISION_OBJECTIVES:
                    raise click.BadParameter(
                        f"a precision can be of {', '.join(PRECISION_OBJECTIVES)}, not {objective}",
                        param_hint="--objective",
                    )
                values["objective"] = objective if precise else None
            else:
                values["objective"] = kwargs.pop("objective")
            return command(*args, run=RunOptions(**values), **kwargs)

        decorated: Any = _with_precision_notes(with_record)
        for option in reversed(options):
            decorated = option(decorated)
        return decorated

    return decorate
