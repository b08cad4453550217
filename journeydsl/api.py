"""The one door: every verb of journeydsl, each one call (the ``journey`` command is a thin shell over these).

Reading: :func:`loads`, :func:`load`, :func:`check_text`, :func:`check_file`,
:func:`design`, :func:`design_names`, :func:`compile_graph`.  Running:
:func:`simulate` (one design, an :class:`~journeydsl.sim.runner.Outcome`),
:func:`compare`, :func:`run_tests`.  Analyses: :func:`analyze`, :func:`gaps`,
:func:`opportunities`, :func:`profile`, :func:`delivery`, :func:`care`,
:func:`recovery`.  Documents: :func:`report`, :func:`plot`.

How to run is one :class:`~journeydsl.sim.settings.RunSettings`; every verb
that simulates takes ``settings=`` or its fields as keywords
(``simulate(journey, customers=2000, seed=1)``).  Verbs that simulate also take
a :class:`~journeydsl.sim.runner.Runner`: share one between calls and nothing
is simulated twice.  Analyses return their versioned JSON documents (plain
dicts, described by the JSON Schemas in ``journeydsl/schemas``).

Examples
--------
>>> from journeydsl import api
>>> journey = api.loads('''
... journey "Coffee" {
...   stage order (purchase) goal {
...     touchpoint barista: staff duration 2 min { feel +2; performance service 8 }
...   }
... }''')
>>> journey.stages[0].touchpoints()[0].channel
'staff'
>>> result = api.check_text('journey "J" { stage a { } }')
>>> [d.code for d in result.diagnostics]
['JD303', 'JD503']
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .lang.checks import run_checks
from .lang.design_test_checks import check_design_tests
from .lang.designs import check_designs, resolve
from .lang.designs import design_names as _design_names
from .lang.diagnostics import Diagnostic, JourneyError, did_you_mean, has_errors, sort_diagnostics
from .lang.loader import Loaded, load_file, load_text
from .lang.model import Factor, Import, Journey, Library, Segment, Stage, Touchpoint
from .lang.survey_checks import check_surveys
from .sim.errors import NoCustomersError, NonFiniteResultError, ResultError
from .sim.settings import RunSettings, source_hash

if TYPE_CHECKING:
    from datetime import datetime

    import networkx as nx
    from matplotlib.figure import Figure

    from .analysis.fit import FittedJourney
    from .analysis.sweep import SweepResult
    from .analysis.validate import DEFAULT_LEVEL as VALIDATION_LEVEL
    from .analysis.validate import DEFAULT_TOLERANCES as VALIDATION_TOLERANCES
    from .analysis.validate import TESTS as VALIDATION_TESTS
    from .data.logs import EventLog, LogMapping
    from .data.simulated import SimulatedLog
    from .data.surveys import ResponseSummary
    from .lang.model import Survey
    from .lang.sweep import SweepSpec
    from .report.document import Report
    from .sim.engine import TraceRow
    from .sim.results import Document
    from .sim.runner import Outcome, Runner
    from .sim.trace import TraceWriter

__all__ = [
    "CheckResult",
    "NoCustomersError",
    "NonFiniteResultError",
    "ResultError",
    "RunSettings",
    "check_text",
    "check_file",
    "loads",
    "load",
    "design",
    "design_names",
    "compile_graph",
    "simulate",
    "new_runner",
    "compare",
    "run_tests",
    "analyze",
    "gaps",
    "opportunities",
    "profile",
    "delivery",
    "care",
    "recovery",
    "report",
    "plot",
    "trace_writer",
    "log_writer",
    "validate",
    "VALIDATION_LEVEL",
    "VALIDATION_TESTS",
    "VALIDATION_TOLERANCES",
    "fit",
    "read_survey_csv",
    "read_survey_responses",
    "sweep",
]


@dataclass
class CheckResult:
    """A checked file: its journey (or library), every diagnostic, and the source texts."""

    journey: Journey | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    library: Library | None = None

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not has_errors(self.diagnostics)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a journey is read and checked.

    Parsing allocates hundreds of thousands of acyclic objects; the collector
    would otherwise rescan them over and over (pausing it halves the time to check a large file).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _checked(loaded: Loaded, allow_large: bool = False) -> CheckResult:
    diagnostics = list(loaded.diagnostics)
    body = loaded.journey or loaded.library
    if body is not None:
        found = run_checks(body, allow_large=allow_large)
        diagnostics.extend(found)
        if loaded.journey is not None and loaded.journey.variants:
            checks = functools.partial(run_checks, allow_large=allow_large)
            diagnostics.extend(check_designs(loaded.journey, checks, found))
        if loaded.journey is not None and loaded.journey.surveys:
            diagnostics.extend(check_surveys(loaded.journey))
        if loaded.journey is not None and loaded.journey.design_tests:
            diagnostics.extend(check_design_tests(loaded.journey))
    return CheckResult(loaded.journey, sort_diagnostics(diagnostics), loaded.sources, loaded.library)


def check_text(
    text: str, file: str = "<string>", base: str | os.PathLike[str] | None = None, *, allow_large: bool = False
) -> CheckResult:
    """Parse and check journey text; imports resolve against ``base`` (default: working directory).

    ``allow_large`` turns the run-size errors (JD218, JD306) into warnings, for runs meant to be large.
    """
    with _collector_paused():
        return _checked(load_text(text, file, Path(base) if base else None), allow_large)


def check_file(
    path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None, *, allow_large: bool = False
) -> CheckResult:
    """Parse and check a ``.journey`` file and its imports.

    Parameters
    ----------
    path : path-like
        The file to check.
    root : path-like, optional
        The project folder imports must stay in (default: the file's own folder).
    allow_large : bool
        Run-size errors (JD218 a run too large, JD306 a loop every customer goes round) become
        warnings: the run is meant to be that large.
    """
    with _collector_paused():
        return _checked(load_file(path, root), allow_large)


def _valid(result: CheckResult) -> Journey:
    if not result.ok or result.journey is None:
        if result.ok:
            raise JourneyError([], result.sources)
        raise JourneyError(result.diagnostics, result.sources)
    return result.journey


def loads(text: str, file: str = "<string>", *, allow_large: bool = False) -> Journey:
    """Parse and check journey text; raise :class:`JourneyError` if it has errors (``allow_large`` as for
    :func:`check_file`)."""
    result = check_text(text, file, allow_large=allow_large)
    return replace(_valid(result), source_sha256=source_hash(result.sources))


def load(
    path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None, *, allow_large: bool = False
) -> Journey:
    """Parse and check a ``.journey`` file and its imports; raise :class:`JourneyError` if it has errors.

    Parameters
    ----------
    path : path-like
        The file to read.
    root : path-like, optional
        The project folder imports must stay in (default: the file's own folder).
    allow_large : bool
        As for :func:`check_file`.
    """
    result = check_file(path, root, allow_large=allow_large)
    return replace(_valid(result), source_sha256=source_hash(result.sources))


def design_names(journey: Journey) -> list[str]:
    """The designs of a journey: ``"baseline"``, then its variants in the order written."""
    return _design_names(journey)


def design(journey: Journey, name: str) -> Journey:
    """One design of a journey as a whole journey: ``"baseline"`` or a variant's name.

    Raises
    ------
    JourneyError
        When there is no such design (the message says which designs there
        are, or which one was probably meant) or its patches do not apply.

    Examples
    --------
    >>> j = loads('journey "J" { stage a goal { touchpoint t: staff capacity 1 { feel +1 } } '
    ...           'variant "two desks" { change t capacity 2 } }')
    >>> design(j, "two desks").stages[0].touchpoints()[0].capacity
    2.0
    >>> design(j, "two desk")
    Traceback (most recent call last):
    ...
    journeydsl.lang.diagnostics.JourneyError: there is no design `two desk` in `J`: did you mean `two desks`?
    """
    known = _design_names(journey)
    if name not in known:
        hint = did_you_mean(name, known) or f"its designs are {', '.join(f'`{n}`' for n in known)}"
        error = JourneyError(())
        error.args = (f"there is no design `{name}` in `{journey.name}`: {hint}",)
        raise error
    resolved = resolve(journey, name)
    if resolved.journey is None:
        raise JourneyError(resolved.diagnostics)
    return resolved.journey


#: :func:`design` under a name that the ``design=`` parameters of the verbs below do not hide.
_resolve = design


def compile_graph(journey: Journey) -> nx.DiGraph:
    """The journey as a ``networkx.DiGraph`` (see :mod:`journeydsl.lang.graph`)."""
    from .lang.graph import build_graph

    with _collector_paused():  # as check_text: the graph is many small acyclic objects
        return build_graph(journey)


# ---- running ---------------------------------------------------------------------------


def _settings(settings: RunSettings | None, journey: Journey, run: dict[str, Any]) -> RunSettings:
    """The one place run settings are made: given settings, overridden by keywords, the seed resolved."""
    base = settings if settings is not None else RunSettings()
    return replace(base, **run).resolved(journey.seed) if run else base.resolved(journey.seed)


def _runner(runner: Runner | None, executor: Any = None) -> Runner:
    from .sim.runner import Runner

    return runner if runner is not None else Runner(executor)


def new_runner(executor: Any = None) -> Runner:
    """A runner to share between calls (``runner=``), so that no design is simulated twice.

    Parameters
    ----------
    executor : concurrent.futures.Executor, optional
        Where replications run (a Dask client's ``get_executor()``, say); by
        default a process pool of the run's workers.

    Returns
    -------
    Runner
    """
    return _runner(None, executor)


def simulate(
    journey: Journey,
    settings: RunSettings | None = None,
    *,
    design: str = "baseline",
    trace: Callable[[TraceRow], None] | None = None,
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Outcome:
    """Simulate synthetic customers through one design of a journey.

    Parameters
    ----------
    journey : Journey
        A journey without errors (from :func:`load` or :func:`loads`), as written.
    settings : RunSettings, optional
        How to run; keywords (``customers=``, ``horizon=``, ``warmup=``,
        ``replications=``, ``seed=``, ``workers=``, ``period=``) override its fields.
    design : str
        ``"baseline"`` or the name of a variant; unknown names raise :class:`JourneyError`.
    trace : callable, optional
        Receives one row per touchpoint visit (see :data:`journeydsl.sim.engine.TRACE_COLUMNS`),
        such as a :func:`trace_writer`.
    progress : callable, optional
        Called with the finished share of the run (0..1).
    runner : Runner, optional
        Share one between calls so that nothing is simulated twice.

    Returns
    -------
    Outcome
        ``.results`` is the ``journeydsl.results/1`` document (``docs/results-schema.md``);
        ``.collectors`` hold the raw aggregates the plots of :mod:`journeydsl.report.plots` draw.

    Raises
    ------
    journeydsl.report.files.InputFileError
        When ``trace`` is a :func:`trace_writer` whose file is one the journey was read from
        (before anything is simulated; the file stays as it was).

    Examples
    --------
    >>> j = loads('journey "J" { arrivals cohort 200 '
    ...           'stage a goal { touchpoint t: staff duration 2 min { feel +2 } } }')
    >>> outcome = simulate(j, seed=1)
    >>> # ``customers`` counts the cohort plus the customers their referrals brought in.
    >>> outcome.results["customers"] >= 200, outcome.results["metrics"]["conversion_rate"]["mean"]
    (True, 1.0)
    """
    from .report.files import refuse_input
    from .sim.runner import Design
    from .sim.trace import TraceWriter

    chosen = _settings(settings, journey, run)
    resolved = _resolve(journey, design)
    if isinstance(trace, TraceWriter):
        refuse_input(trace.target, _journey_files(journey))
    return _runner(runner).run([Design(design, resolved)], chosen, trace=trace, progress=progress)[0]


def _designs(journey: Journey, designs: Sequence[str | tuple[str, Journey]] | None) -> list[Any]:
    from .sim.runner import Design

    names: Sequence[str | tuple[str, Journey]] = designs if designs else _design_names(journey)
    chosen = []
    for item in names:
        if isinstance(item, tuple):
            chosen.append(Design(item[0], item[1]))
        else:
            chosen.append(Design(item, _resolve(journey, item)))
    return chosen


def compare(
    journey: Journey,
    designs: Sequence[str | tuple[str, Journey]] | None = None,
    settings: RunSettings | None = None,
    *,
    objective: str = "remembered_experience",
    common_random_numbers: bool = True,
    min_differences: Mapping[str, float] | None = None,
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Document:
    """Compare designs: the same synthetic customers through each, with paired differences.

    Parameters
    ----------
    journey : Journey
        The journey as written (its seed is the default seed).
    designs : sequence, optional
        Design names of ``journey``, or ``(name, journey)`` pairs (for designs
        from other files); the first is the baseline.  Default: the baseline and every variant.
    settings, run
        As for :func:`simulate`.
    objective : str
        What to rank designs by: a metric, or ``"profit"``.
    common_random_numbers : bool
        ``False`` gives every design its own seeds (to show what common random numbers buy).
    min_differences : mapping, optional
        Minimal important differences per metric, in the metric's own unit
        (shares as fractions, times in the journey's time unit), replacing the
        defaults of :data:`journeydsl.lang.decisions.MINIMAL_DIFFERENCES`: a
        difference smaller than its metric's is "no clear difference".

    Returns
    -------
    dict
        The ``journeydsl.comparison/1`` document.
    """
    from .analysis.compare import run_and_compare

    chosen = _designs(journey, designs)
    if len(chosen) < 2:
        raise ValueError(
            f"`{journey.name}` has one design; a comparison needs two (declare a variant or give another journey)"
        )
    _, document = run_and_compare(
        _runner(runner),
        chosen,
        _settings(settings, journey, run),
        objective,
        common_random_numbers,
        progress,
        min_differences,
    )
    return document


def run_tests(
    journey: Journey,
    settings: RunSettings | None = None,
    *,
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Document:
    """Run the design tests written in a journey (``expect ...``); the ``journeydsl.tests/1`` document.

    The document is a :class:`~journeydsl.analysis.notebook.DesignTests`: a
    ``dict`` that prints as one line and shows as a table in a notebook
    (``to_frame()`` gives one row per test).
    """
    from .analysis.design_tests import run_tests as judge
    from .analysis.notebook import DesignTests

    return DesignTests(judge(journey, _settings(settings, journey, run), _runner(runner), progress))


# ---- analyses --------------------------------------------------------------------------


def analyze(journey: Journey, design: str = "baseline") -> Document:
    """Exact flow figures of a design without simulation (``journeydsl.analysis/1``).

    Conversion, expected visits, touchpoints and time, and removal effects,
    from the stages as an absorbing Markov chain.
    """
    from .analysis.markov import analyze as solve

    return solve(_resolve(journey, design))


def gaps(
    journey: Journey,
    settings: RunSettings | None = None,
    *,
    design: str = "baseline",
    source: str | None = None,
    surveys: Sequence[Survey] | None = None,
    responses: ResponseSummary | None = None,
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Document:
    """The seven-step gap analysis (``journeydsl.gaps/1``).

    Parameters
    ----------
    source : {"survey", "simulation"}, optional
        Measured figures (the journey's surveys, or ``surveys``) or what
        simulated customers perceived.  Default: the survey when there is one.
    surveys : sequence of Survey, optional
        Survey figures from elsewhere (see :func:`journeydsl.analysis.gaps.read_survey_csv`).
    responses : ResponseSummary, optional
        Survey responses measured by :func:`read_survey_responses`: their figures are
        analysed, and the document carries their intervals and sample sizes (``measured``).
    """
    from .analysis.gaps import gaps_from_simulation, gaps_from_survey, with_measured

    if responses is not None:
        if source == "simulation":
            raise ValueError("responses give measured figures: leave out source='simulation'")
        surveys = responses.surveys()
        return with_measured(gaps(journey, design=design, source="survey", surveys=surveys), responses)
    resolved = _resolve(journey, design)
    if source is None:
        source = "survey" if (surveys or journey.surveys) else "simulation"
    if source == "survey":
        if not (surveys or journey.surveys):
            raise ValueError(f"`{journey.name}` has no survey; give surveys or use source='simulation'")
        return gaps_from_survey(resolved, list(surveys) if surveys else None)
    if source != "simulation":
        raise ValueError(f"unknown source {source!r}; choose 'survey' or 'simulation'")
    outcome = simulate(journey, settings, design=design, progress=progress, runner=runner, **run)
    return gaps_from_simulation(outcome)


def opportunities(
    journey: Journey,
    settings: RunSettings | None = None,
    *,
    design: str = "baseline",
    objective: str = "remembered_experience",
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Document:
    """Where to invest: improving, removing or fixing each touchpoint (``journeydsl.opportunities/1``)."""
    from .analysis.opportunities import opportunities as rank

    resolved = _resolve(journey, design)
    return rank(resolved, _settings(settings, journey, run), _runner(runner), objective, progress)


def profile(
    journey: Journey,
    designs: Sequence[str | tuple[str, Journey]] | None = None,
    settings: RunSettings | None = None,
    *,
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Document:
    """Experience themes and modules each design delivers, per segment (``journeydsl.profile/1``)."""
    from .analysis.profile import profile as exposures

    outcomes = _runner(runner).run(_designs(journey, designs), _settings(settings, journey, run), progress=progress)
    return exposures(outcomes)


def delivery(
    journey: Journey,
    settings: RunSettings | None = None,
    *,
    design: str = "baseline",
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Document:
    """The delivery gap: each touchpoint's own effect against the intended one (``journeydsl.delivery/2``)."""
    from .analysis.delivery import delivery_gap

    return delivery_gap(simulate(journey, settings, design=design, progress=progress, runner=runner, **run))


def care(
    journey: Journey,
    settings: RunSettings | None = None,
    *,
    design: str = "baseline",
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Document:
    """What each care programme costs and brings (``journeydsl.care/1``); ValueError without programmes."""
    from .analysis.care import care_value

    resolved = _resolve(journey, design)
    return care_value(resolved, _settings(settings, journey, run), _runner(runner), progress)


def recovery(
    journey: Journey,
    settings: RunSettings | None = None,
    *,
    design: str = "baseline",
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    **run: Any,
) -> Document:
    """Satisfaction and return after failures, recovered or not (``journeydsl.recovery/1``)."""
    from .analysis.recovery import recovery as by_failure

    return by_failure(simulate(journey, settings, design=design, progress=progress, runner=runner, **run))


# ---- documents -------------------------------------------------------------------------


def report(
    journey: Journey,
    designs: Sequence[str | tuple[str, Journey]] | None = None,
    settings: RunSettings | None = None,
    *,
    min_differences: Mapping[str, float] | None = None,
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    validate_log: str | os.PathLike[str] | None = None,
    **run: Any,
) -> Report:
    """Everything a report shows, each simulation run once; render it with ``render_html``/``render_markdown``.

    ``min_differences`` is as for :func:`compare`.  With ``validate_log`` (an event log, CSV
    or XES with the default column names) the report also validates the baseline against it
    (:func:`validate`, the same settings and runner) and shows the tests and their chart.
    See :mod:`journeydsl.report.document`.
    """
    from .report.document import build_report

    chosen = _settings(settings, journey, run)
    shared = _runner(runner)
    validation = validate(journey, validate_log, chosen, runner=shared) if validate_log is not None else None
    return build_report(
        journey,
        _designs(journey, designs),
        chosen,
        shared,
        progress,
        min_differences=min_differences,
        validation=validation,
    )


def plot(outcome: Outcome, kind: str, *, segment: str | None = None, opportunities: Document | None = None) -> Figure:
    """One chart of a simulated design, as a Matplotlib figure (what ``journey plot`` saves).

    The curves join only touchpoints that customers meet one after the other:
    the ways through the journey come from the outcome's plan
    (:func:`journeydsl.report.paths.journey_paths`).

    Parameters
    ----------
    outcome : Outcome
        The simulated design (:func:`simulate`).
    kind : {"curve", "segments", "map", "series", "funnel", "distribution"}
        The emotion curve, one curve per segment (small multiples), the journey
        map, the time series (adoption or customers so far, new customers, NPS
        and queue length per period), the drop-off funnel, or the distributions
        of what customers remember.
    segment : str, optional
        With ``"curve"``: the curve of this segment's customers.
    opportunities : dict, optional
        With ``"map"``: the design's :func:`opportunities` document, whose
        biggest pains and opportunities the map flags.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For an unknown kind, a segment with a kind other than ``"curve"``, or
        a segment the journey does not have (the message lists its segments).

    Examples
    --------
    >>> j = loads('journey "J" { arrivals cohort 30 segment a 50% {} segment b 50% {} '
    ...           'stage s goal { touchpoint t: staff { feel +1 } } }')
    >>> plot(simulate(j), "curve", segment="a").axes[0].get_title()
    'Emotion curve of a: J'
    >>> plot(simulate(j), "curve", segment="c")
    Traceback (most recent call last):
    ...
    ValueError: no segment 'c'; the segments are a, b
    """
    from .report.paths import journey_paths
    from .report.plots import figure

    segments = list(outcome.results["segments"])
    if segment is not None and segment not in segments:
        raise ValueError(f"no segment {segment!r}; the segments are {', '.join(segments)}")
    return figure(
        kind,
        outcome.results,
        outcome.collectors,
        paths=journey_paths(outcome.plan, outcome.journey),
        segment=segment,
        opportunities=opportunities,
    )


def trace_writer(path: str | os.PathLike[str], *, protected: Iterable[str | os.PathLike[str]] = ()) -> TraceWriter:
    """A trace file to pass as ``trace=`` (one row per customer per touchpoint visit); use it in a ``with``.

    The file is delivered as the command line delivers ``--trace`` (see
    :mod:`journeydsl.report.files`): when the ``with`` block ends normally, a
    regular file is replaced whole by a rename, a symbolic link keeps pointing
    where it did and the file it points to is written, a device, FIFO or
    descriptor (``/dev/null``, ``/dev/stdout``) is written through and never
    replaced, and ``-`` is standard output.  When the block ends with an
    exception nothing is delivered and no temporary file is left.

    Parameters
    ----------
    path : path-like
        The trace; ``.parquet`` (the name of the file a link points to) writes Parquet
        (the ``parquet`` extra), anything else CSV.
    protected : iterable of path-like
        Files the trace must not replace, besides the journey's own files (which
        :func:`simulate` refuses to write a trace over).

    Returns
    -------
    TraceWriter
        A callable taking trace rows, and a context manager.

    Raises
    ------
    journeydsl.report.files.InputFileError
        When ``path`` is one of ``protected`` (an :class:`OSError`; nothing is written).
    OSError
        When ``path`` is a folder or no temporary file can be made next to it.
    RuntimeError
        When Parquet is asked for and pyarrow is not installed.

    Examples
    --------
    >>> import os
    >>> j = loads('journey "J" { arrivals cohort 20 stage a goal { touchpoint t: staff { feel +1 } } }')
    >>> with trace_writer(os.devnull) as writer:
    ...     _ = simulate(j, trace=writer)
    >>> writer.rows
    20
    """
    from .report.files import StagedFile
    from .sim.trace import TraceWriter

    staged = StagedFile(path, protected=protected)
    try:
        return TraceWriter(staged)
    except BaseException:
        staged.discard()
        raise


def log_writer(
    path: str | os.PathLike[str],
    journey: Journey,
    *,
    start: str | datetime | None = None,
    also: Callable[[TraceRow], None] | None = None,
    protected: Iterable[str | os.PathLike[str]] = (),
) -> SimulatedLog:
    """An event-log file of the simulated customers to pass as ``trace=``; use it in a ``with``.

    One case per customer and cycle, one ``start`` and one ``complete`` event per touchpoint visit
    (``docs/data.md``): ``.xes`` writes IEEE XES, ``.xes.gz`` gzipped XES, ``.csv`` CSV.  The file is
    delivered whole when the ``with`` block ends normally, as :func:`trace_writer`'s is.

    Parameters
    ----------
    path : path-like
        The log; its suffix chooses the format (XES unless ``.csv``).
    journey : Journey
        The journey simulated: its time unit turns simulation time into timestamps, its name
        names the log, and its files are never overwritten.
    start : str or datetime, optional
        The timestamp of simulation time 0 (ISO 8601; without an offset it is UTC)
        [default: 2026-01-05T00:00Z, a Monday].
    also : callable, optional
        Another row consumer (a :func:`trace_writer`) that receives every row too.
    protected : iterable of path-like
        Other files the log must not replace.

    Returns
    -------
    journeydsl.data.simulated.SimulatedLog
        A callable taking trace rows, and a context manager.

    Raises
    ------
    ValueError
        When ``start`` is not a date and time.
    journeydsl.report.files.InputFileError
        When ``path`` is one of the journey's files or ``protected`` (nothing is written).

    Examples
    --------
    >>> import os
    >>> j = loads('journey "J" { arrivals cohort 20 stage a goal { touchpoint t: staff { feel +1 } } }')
    >>> with log_writer(os.devnull, j, start="2026-03-02T09:00") as log:
    ...     _ = simulate(j, trace=log)
    >>> log.rows, log.start.isoformat()
    (20, '2026-03-02T09:00:00+00:00')
    """
    from .data.logs import LogError, parse_start
    from .data.simulated import DEFAULT_START, SimulatedLog
    from .lang.units import DEFAULT_TIME_UNIT
    from .report.files import StagedFile

    try:
        when = parse_start(start) if isinstance(start, str) else (start or DEFAULT_START)
    except LogError as error:
        raise ValueError(f"{error.diagnostics[0].message}; {error.diagnostics[0].hint}") from None
    staged = StagedFile(path, protected=[*protected, *_journey_files(journey)])
    try:
        return SimulatedLog(
            staged, start=when, time_unit=journey.time_unit or DEFAULT_TIME_UNIT, name=journey.name, also=also
        )
    except BaseException:
        staged.discard()
        raise


def _journey_files(journey: Journey) -> set[str | Path]:
    """The files a journey was read from: those its parts were written in, and those it imports."""
    groups: tuple[Sequence[Import | Factor | Segment | Stage | Touchpoint], ...] = (
        journey.imports,
        journey.factors,
        journey.segments,
        journey.stages,
        journey.all_touchpoints(),
        journey.care,
    )
    written: set[str | Path] = {journey.span.file, *(part.span.file for group in groups for part in group)}
    return written | {Path(journey.span.file).parent / statement.path for statement in journey.imports}


def read_survey_csv(path: str | os.PathLike[str], journey: Journey | None = None) -> list[Survey]:
    """Survey figures from a CSV file (``factor, experience, expectation, importance, ideal[, segment]``),
    to pass as ``gaps(..., surveys=...)``.

    The file is checked like a ``survey`` block (against ``journey``'s segments when given); problems
    raise :class:`JourneyError` with a diagnostic at the CSV's line and column.
    """
    from .analysis.gaps import read_survey_csv as read

    return read(path, journey)


def read_survey_responses(path: str | os.PathLike[str], journey: Journey | None = None) -> ResponseSummary:
    """A response-level survey (one row per respondent) read and measured per factor and segment.

    Mean performance and expectation with their intervals, importance estimated from the data
    (regression of overall satisfaction on the factor ratings) beside the stated one, the NPS
    distribution and touchpoint ratings; see :mod:`journeydsl.data.surveys` for the columns and
    methods.  Pass ``summary.surveys()`` as ``gaps(..., surveys=...)`` for a gap analysis of the
    measured figures, and write ``summary.library_text()`` for a library of the measured factors.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    journey : Journey, optional
        The journey surveyed: segments and touchpoints the file names are checked against it.

    Raises
    ------
    JourneyError
        With a diagnostic at the file's line and column for every problem.
    """
    from .data.surveys import read_responses, summarize

    return summarize(read_responses(path, journey))


def validate(
    journey: Journey,
    log: str | os.PathLike[str] | EventLog,
    settings: RunSettings | None = None,
    *,
    design: str = "baseline",
    mapping: LogMapping | str | os.PathLike[str] | None = None,
    timezone: str | None = None,
    rename: Mapping[str, str] | None = None,
    level: float | None = None,
    tolerances: Mapping[str, float] | None = None,
    start: str | datetime | None = None,
    runner: Runner | None = None,
    progress: Callable[[float], None] | None = None,
    **run: Any,
) -> Document:
    """Simulate a journey and compare it with an event log: reach, durations, arrivals and paths.

    The simulated visits are collected from the trace rows (nothing is written) and compared
    with the log by :func:`journeydsl.analysis.validate.compare_log`, activities matched to
    touchpoints by name (``docs/data.md``, "Validating a journey").

    Parameters
    ----------
    journey : Journey
        A journey without errors.
    log : path-like or EventLog
        The observed log (a path is read with :func:`journeydsl.data.logs.read_log` and ``mapping``).
    settings : RunSettings, optional
        How to run; keywords (``customers=``, ``seed=``, ...) override its fields.
    design : str
        ``"baseline"`` or a variant.
    mapping : LogMapping or path-like, optional
        The log's columns (a TOML mapping file is read with ``LogMapping.load``), and the time zone
        of the arrival profile (``mapping.timezone``, else UTC).
    timezone : str, optional
        An IANA time zone over the mapping's: of log times written without an offset, and of the
        arrival profile's hours and weekdays.
    rename : mapping, optional
        Log activity -> touchpoint, for activities named otherwise in the log.
    level : float
        The significance level of every test [default: 0.01].
    tolerances : mapping, optional
        Practical thresholds of the effects, by test (``reach``, ``durations``, ``arrivals``, ``paths``).
    start : str or datetime, optional
        The timestamp of simulation time 0 (as ``log_writer``'s) [default: 2026-01-05T00:00Z].
    runner : Runner, optional
        Share one between calls.
    progress : callable, optional
        Called with the finished share of the run.

    Returns
    -------
    Document
        The ``journeydsl.validation/1`` document.

    Raises
    ------
    journeydsl.data.logs.LogError
        When the log or the mapping file cannot be read (a :class:`JourneyError`), or the time zone
        is unknown.
    ValueError
        For a bad level, tolerance or start, or no cases on either side.

    Examples
    --------
    >>> j = loads('journey "J" { arrivals cohort 300 stage a goal { touchpoint t: staff duration 2 min { feel +1 } } }')
    >>> rows = []
    >>> _ = simulate(j, seed=1, trace=rows.append)
    >>> from journeydsl.data.logs import Case, Event, EventLog
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> cases = tuple(Case(str(i), (Event(str(i), "t", t0, t0 + timedelta(minutes=2)),)) for i in range(200))
    >>> document = validate(j, EventLog(cases, "log.csv"), seed=2)
    >>> document["tests"]["reach"]["verdict"], document["tests"]["durations"]["verdict"]
    ('matches', 'matches')
    """
    if level is None:
        from .analysis.validate import DEFAULT_LEVEL

        level = DEFAULT_LEVEL
    from zoneinfo import ZoneInfo

    from .analysis.validate import compare_log
    from .data.logs import EventLog as _EventLog
    from .data.logs import LogError, LogMapping, parse_start, read_log
    from .data.simulated import DEFAULT_START

    try:
        when = parse_start(start) if isinstance(start, str) else (start or DEFAULT_START)
    except LogError as error:
        raise ValueError(f"{error.diagnostics[0].message}; {error.diagnostics[0].hint}") from None
    if mapping is not None and not isinstance(mapping, LogMapping):
        mapping = LogMapping.load(mapping)
    if timezone is not None:
        mapping = (mapping or LogMapping()).with_options(timezone=timezone)
    observed = log if isinstance(log, _EventLog) else read_log(log, mapping)
    rows: list[TraceRow] = []
    outcome = simulate(journey, settings, design=design, trace=rows.append, progress=progress, runner=runner, **run)
    zone = ZoneInfo(mapping.timezone) if mapping is not None and mapping.timezone else None
    return compare_log(
        _resolve(journey, design) if design != "baseline" else journey,
        observed,
        rows,
        design=design,
        rename=rename,
        level=level,
        tolerances=tolerances,
        start=when,
        zone=zone,
    ) | {"seed": outcome.results.get("seed")}


def fit(
    path: str | os.PathLike[str],
    mapping: LogMapping | str | os.PathLike[str] | None = None,
    *,
    columns: Mapping[str, Any] | None = None,
    stages: str | os.PathLike[str] | None = None,
    goal: str | None = None,
    segment_attribute: str | None = None,
    name: str | None = None,
) -> FittedJourney:
    """A journey fitted from an event log (CSV or XES): stages, transition shares, durations, arrivals.

    See :mod:`journeydsl.analysis.fit` for what is fitted and how; write the result with
    ``fitted.text(command)`` (formatted ``.journey`` text, every figure with its sample size).

    Parameters
    ----------
    path : path-like
        The event log (``.xes``, ``.xes.gz`` or CSV).
    mapping : LogMapping or path-like, optional
        Which CSV columns hold what, and the time zone of times without an offset: a
        :class:`~journeydsl.data.logs.LogMapping`, or a TOML mapping file to load.
    columns : mapping, optional
        Fields of the mapping given one by one (``case``, ``activity``, ``timestamp``, ``end``,
        ``resource``, ``segment``, ``channel``, ``attributes``, ``timezone``, ``time_format``,
        ``delimiter``); ``None`` values leave the mapping's.
    stages : path-like, optional
        A TOML stage mapping (``stage = ["activity", ...]``); without it each activity is its own stage.
    goal : str, optional
        The goal stage (default: the stage most cases end in).
    segment_attribute : str, optional
        A case attribute whose values become segments.
    name : str, optional
        The journey's name (default: the log file's name).

    Returns
    -------
    journeydsl.analysis.fit.FittedJourney

    Raises
    ------
    journeydsl.data.logs.LogError
        When the log or the log mapping cannot be read (a :class:`JourneyError`).
    journeydsl.analysis.fit.FitError
        When the stage mapping, the goal or the segment attribute does not fit the log (a
        :class:`JourneyError`).
    """
    from .analysis.fit import fit_log, read_stage_mapping
    from .data.logs import LogMapping, read_log

    if mapping is None or isinstance(mapping, LogMapping):
        base = mapping or LogMapping()
    else:
        base = LogMapping.load(mapping)
    mapping = base.with_options(**(columns or {}))
    grouping, text = read_stage_mapping(stages) if stages is not None else (None, "")
    log = read_log(path, mapping)
    return fit_log(
        log,
        stages=grouping,
        stage_file=os.fspath(stages) if stages is not None else None,
        stage_text=text,
        goal=goal,
        segment_attribute=segment_attribute,
        name=name,
        timezone=mapping.timezone,
    )


def sweep(
    journey: Journey,
    spec: SweepSpec | str | os.PathLike[str],
    settings: RunSettings | None = None,
    *,
    executor: Any = None,
    progress: Callable[[float], None] | None = None,
    runner: Runner | None = None,
    allow_large: bool = False,
    **run: Any,
) -> SweepResult:
    """Vary settings of a journey over a grid or a sample: every point x replications, common random numbers.

    Parameters
    ----------
    journey : Journey
        The journey as written (baseline and variants).
    spec : SweepSpec or path-like
        A sweep file (TOML, docs/scale.md), read and checked against ``journey``, or a
        :class:`~journeydsl.lang.sweep.SweepSpec` already read.
    settings, run
        As for :func:`simulate`; every point runs with them.
    executor : concurrent.futures.Executor, optional
        Where replications run (a Dask client's ``get_executor(pure=False)``); results never depend on it.
    progress : callable, optional
        Called with the finished share (0..1).
    runner : Runner, optional
        Share one between calls so that nothing is simulated twice.
    allow_large : bool
        Check the points as ``--allow-large`` does.

    Returns
    -------
    SweepResult
        ``.rows`` the tidy table (``.metric(name)`` one metric's rows), ``.best(objective, maximize,
        constraints)`` the points ranked under a budget, ``.record(choice)`` the ``journeydsl.sweep/1``
        document (``choice`` from ``.best``, or none).

    Raises
    ------
    journeydsl.lang.sweep.SweepError
        For problems of the sweep file or of a point (a :class:`JourneyError` with every diagnostic).

    Examples
    --------
    >>> from journeydsl.lang.sweep import read_sweep_text
    >>> j = loads('journey "J" { arrivals cohort 40 stage a goal { touchpoint t: staff cost 5 { feel +1 } } }')
    >>> result = sweep(j, read_sweep_text('[settings]\\n"cost of t" = [5, 10]', j), replications=2, workers=1)
    >>> [row.mean for row in result.metric("cost_per_customer")]
    [5.0, 10.0]
    """
    from .analysis.sweep import run_sweep
    from .lang.sweep import SweepSpec, read_sweep

    chosen = spec if isinstance(spec, SweepSpec) else read_sweep(spec, journey)
    return run_sweep(
        journey,
        chosen,
        _runner(runner, executor),
        _settings(settings, journey, run),
        progress=progress,
        allow_large=allow_large,
    )


#: The validation defaults, read from journeydsl.analysis.validate on first use (PEP 562): checking a
#: journey does not import the analyses.
_FROM_VALIDATE = {
    "VALIDATION_LEVEL": "DEFAULT_LEVEL",
    "VALIDATION_TESTS": "TESTS",
    "VALIDATION_TOLERANCES": "DEFAULT_TOLERANCES",
}


def __getattr__(name: str) -> Any:
    """``VALIDATION_LEVEL``, ``VALIDATION_TESTS`` and ``VALIDATION_TOLERANCES``, imported on first use."""
    if name in _FROM_VALIDATE:
        from .analysis import validate as _validate

        value = getattr(_validate, _FROM_VALIDATE[name])
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
