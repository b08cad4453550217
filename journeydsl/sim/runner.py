"""The one runner: designs x replications -> outcomes, serially or on any executor, each run once.

Randomness enters as one integer seed.  :class:`numpy.random.SeedSequence`
splits it into one independent seed per replication
(:func:`replication_seeds`), so a replication's results depend only on the
design, the settings, the seed and its index, never on the order in which
replications run or where: serially, in a process pool, or on a Dask cluster
(``client.get_executor()``) give the same bytes.

A process pool the runner starts is its own to stop: if the call ends in any
exception (``KeyboardInterrupt``, an exception a signal handler raises, an
error), the pending replications are cancelled and the worker processes
terminated before the exception goes on.  Each worker also dies with the
process that started it, even one killed outright (``kill -9``): on Linux it
asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``).
Workers ignore SIGINT (Ctrl-C reaches the whole process group; the parent
stops them) and die at once on SIGTERM and SIGHUP.  While the pool starts its
workers and helper threads, the calling (main) thread holds SIGINT, SIGTERM
and SIGHUP back, so that they reach it, and only it, once the pool runs (a
signal taken by a helper thread, or in the middle of a fork, could be lost);
waiting for results, it wakes every second, so a handler never waits long.

A run may ask for a precision instead of a number of replications
(:class:`~journeydsl.sim.settings.Precision`, ``--precision`` on the command
line): the runner then adds replications, in batches of as many as it has
workers, until the 95% interval of the precision's metric is narrower than
asked for every design, or the cap is reached.  It decides in replication
order (after 5 replications, after 6, ...) whatever the batch, and replication
``k`` is the same whatever the stopping point, so where it stops depends on
the seed alone, never on the workers; replications a batch ran beyond the
stopping point are kept (a later call may use them) but not counted.  It logs
where it stopped on the ``journeydsl.sim.runner`` logger: INFO when the
precision was reached, WARNING when the cap stopped it.

A :class:`Runner` remembers every replication it has run, keyed by what
decides its numbers (the design's simulated content, customers, horizon,
warm-up, the replication's seed and index).  Analyses and reports that share
a runner therefore never simulate the same thing twice:
:attr:`Runner.engine_runs` lists every replication the engine actually ran.

Examples
--------
>>> from journeydsl.api import loads
>>> from journeydsl.sim.settings import RunSettings
>>> j = loads('journey "J" { arrivals cohort 50 stage a goal { touchpoint t: staff { feel +1 } } }')
>>> runner = Runner()
>>> first = runner.run([Design("baseline", j)], RunSettings(customers=50, replications=2))[0]
>>> again = runner.run([Design("again", j)], RunSettings(customers=50, replications=2))[0]
>>> len(runner.engine_runs), again.results["design"], again.results["customers"] == first.results["customers"]
(2, 'again', True)
"""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import cached_property
from numbers import Integral
from typing import Any, NamedTuple, overload

import numpy as np

from ..lang.model import Journey
from .engine import TraceRow, run_replication
from .metrics import Collector
from .plan import Plan, compile_plan
from .results import Document, NoCustomersError, ResultError, provenance, summarise
from .settings import MAX_REPLICATIONS, Precision, RunSettings, Settled

__all__ = ["Design", "NoCustomersError", "Outcome", "RunKey", "Runner", "replication_seeds", "simulation_key"]

#: Offset between the master seeds of designs run with independent (not common) random numbers.
_INDEPENDENT_SEED_STEP = 7919

#: Where the runner says where a run with a precision stopped (INFO reached, WARNING stopped by the cap).
logger = logging.getLogger(__name__)


def replication_seeds(seed: int, replications: int) -> Sequence[int]:
    """One 64-bit seed per replication, split from ``seed`` by ``numpy.random.SeedSequence``.

    The seeds are made as they are read, not all up front: replication ``i``'s
    seed is that of ``SeedSequence(seed).spawn(replications)[i]`` (the child
    with spawn key ``(i,)``), so it depends on the seed and the index alone.

    Raises
    ------
    ValueError
        When ``replications`` is not a whole number from 0 to
        :data:`~journeydsl.sim.settings.MAX_REPLICATIONS`.

    Examples
    --------
    >>> replication_seeds(1, 3) == replication_seeds(1, 5)[:3]
    True
    >>> len(replication_seeds(1, 100_000)), replication_seeds(1, 100_000)[-1] == replication_seeds(1, 100_000)[99_999]
    (100000, True)
    """
    if isinstance(replications, bool) or not isinstance(replications, Integral) or replications < 0:
        raise ValueError(f"replications must be a whole number, not {replications!r}")
    if replications > MAX_REPLICATIONS:
        raise ValueError(f"replications must be at most {MAX_REPLICATIONS:,}, not {replications}")
    return _Seeds(int(seed), int(replications))


class _Seeds(Sequence[int]):
    """The replications' seeds of :func:`replication_seeds`, each made when it is read."""

    def __init__(self, seed: int, count: int) -> None:
        self._seed = seed
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self._make(i) for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("replication index out of range")
        return self._make(index)

    def __iter__(self) -> Iterator[int]:
        return (self._make(i) for i in range(self._count))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"replication_seeds({self._seed}, {self._count})"

    def _make(self, index: int) -> int:
        child = np.random.SeedSequence(self._seed, spawn_key=(index,))
        return int(child.generate_state(2, dtype=np.uint32).astype(np.uint64) @ _WEIGHTS)


#: Two 32-bit words of a child's state as one 64-bit seed (high word first).
_WEIGHTS = np.array([1 << 32, 1], dtype=np.uint64)


def simulation_key(journey: Journey) -> Journey:
    """What of a journey decides its simulation: everything but its variants, design tests and surveys.

    Two designs with the same key are the same simulation, whatever they are called.
    """
    return replace(journey, variants=(), design_tests=(), surveys=())


@dataclass(frozen=True)
class Design:
    """A design to run: its name (written into the results) and its journey (already resolved)."""

    name: str
    journey: Journey


class RunKey(NamedTuple):
    """What decides one replication's numbers."""

    design: Hashable
    customers: int | None
    horizon: float | None
    warmup: float
    seed: int
    replication: int


@dataclass
class Outcome:
    """One design's finished replications: the collectors, and the results document made from them.

    Attributes
    ----------
    design : str
        The design's name, as written into :attr:`results`.
    journey : Journey
        The design's journey.
    plan : Plan
        The compiled journey.
    settings : RunSettings
        The resolved settings it ran with (``settings.seed`` is the master seed).
    collectors : list of Collector
        One per replication, in replication order.
    """

    design: str
    journey: Journey
    plan: Plan
    settings: RunSettings
    collectors: list[Collector] = field(repr=False)

    @cached_property
    def results(self) -> Document:
        """The ``journeydsl.results/1`` document (see ``docs/results-schema.md``).

        Raises
        ------
        NoCustomersError
            When no replication counted a customer (the message names the settings that caused it).
        """
        document = summarise(self.plan, self.collectors, self.settings.master_seed, self.design, self.settings)
        return {**document, **provenance(self.settings, self.journey.source_sha256)}

    def __repr__(self) -> str:
        """One line: the design, journey, customers, replications, seed and headline metrics.

        ``<Outcome 'printer in office' of 'Premier wealth advice': 512 customers, 1 replication,
        seed 20261122; conversion_rate 86.7%, remembered_experience 3.50, satisfaction 8.18, nps 68.9>``
        (the collectors, plan and journey are left out; equality is the dataclass's).
        """
        from .notebook import results_repr

        try:
            return results_repr(self.results)
        except ResultError as error:
            return f"<Outcome {self.design!r} of {self.journey.name!r}: no results ({error})>"

    def _repr_html_(self) -> str:
        """The outcome in a notebook: what ran and the metrics with their 95% intervals."""
        from ..lang.escape import html_text
        from .notebook import results_html

        try:
            return results_html(self.results)
        except ResultError as error:
            return f"<p>{html_text(f'{self.design} of {self.journey.name}: no results ({error})')}</p>"

    def to_frame(self, kind: str = "metrics") -> Any:
        """One table of :attr:`results` as a ``pandas.DataFrame`` (the ``frames`` extra).

        Parameters
        ----------
        kind : str
            ``"metrics"`` (mean, ci_low, ci_high per metric), ``"stages"``, ``"touchpoints"``,
            ``"segments"``, ``"segment_metrics"``, ``"segment_touchpoints"``, ``"episodes"``,
            ``"themes"``, ``"modules"`` or ``"series"`` (one row per period); see
            :mod:`journeydsl.sim.notebook`.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ValueError
            For an unknown kind.
        ImportError
            When pandas is not installed (``pip install 'journeydsl[frames]'``).
        """
        from .notebook import results_frame

        return results_frame(self.results, kind)


def _interval_width(collectors: Sequence[Collector], precision: Precision) -> float:
    """The full width of the 95% interval of the precision's metric, as the results show it (relative: / |mean|).

    ``profit`` is each replication's revenue minus its cost per customer, its
    interval Student's t over the replications that counted customers.  Not a
    number when no replication counted a customer (there is nothing to
    measure), infinite while there is no interval yet.
    """
    from .metrics import Moments
    from .results import estimate, interval

    if precision.objective == "profit":
        moments = Moments()
        for collector in collectors:
            revenue, cost = collector.metric("revenue_per_customer"), collector.metric("cost_per_customer")
            if revenue.n:
                moments.add(revenue.mean - cost.mean)
        if moments.n < 2:
            return math.inf if moments.n else math.nan
        low, high = interval(moments.mean, moments.stderr, moments.n - 1)["ci95"]
        mean = moments.mean
    else:
        measured = estimate(list(collectors), precision.objective)
        if measured.customers == 0:
            return math.nan
        block = interval(measured.mean, measured.stderr, measured.df, metric=precision.objective, n=measured.customers)
        low, high = block["ci95"]
        mean = measured.mean
    width = float(high - low)
    if not precision.relative:
        return width
    return width / abs(mean) if mean else (0.0 if width == 0 else math.inf)


def _log_settled(precision: Precision, reached: bool, achieved: float | None, count: int, counted: bool) -> None:
    """Say where a run with a precision stopped: INFO when reached, WARNING when the cap stopped it."""
    asked = _amount(precision, precision.width)
    replications = f"{count} replication{'s' if count != 1 else ''}"
    if reached:
        logger.info(
            "precision reached: the 95%% interval of %s spans %s after %s (asked: narrower than %s)",
            precision.objective,
            _amount(precision, achieved),
            replications,
            asked,
        )
    elif not counted:
        logger.warning(
            "precision not reached: no customer was counted in %s, so %s has no interval to narrow",
            replications,
            precision.objective,
        )
    else:
        logger.warning(
            "precision not reached: the 95%% interval of %s still spans %s after %s, the cap "
            "(max replications %d; asked: narrower than %s). The figures stand at this precision: "
            "raise the cap, ask for less or simulate more customers per replication",
            precision.objective,
            _amount(precision, achieved),
            replications,
            precision.most,
            asked,
        )


def _amount(precision: Precision, value: float | None) -> str:
    """A width as people read it: ``5% of the mean``, ``2 percentage points``, ``0.2``."""
    from ..lang.decisions import METRIC_UNITS

    if value is None or not math.isfinite(value):
        return "unbounded"
    if precision.relative:
        return f"{100 * value:.3g}% of the mean"
    if METRIC_UNITS.get(precision.objective) == "share":
        return f"{100 * value:.3g} percentage points"
    return f"{value:.3g}"


class _Task(NamedTuple):
    journey: Journey
    settings: RunSettings
    seed: int
    replication: int
    paired: bool


#: The signals that stop a run: held back while a pool starts, reset in its workers.
_STOP_SIGNALS = tuple(
    number for name in ("SIGINT", "SIGTERM", "SIGHUP") if (number := getattr(signal, name, None)) is not None
)


@contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Hold the stop signals back in this thread while the block runs (POSIX, main thread only).

    Threads and processes started in the block inherit the mask, so helper
    threads never take a stop signal meant for the main thread, and a fork is
    never interrupted half-way; a signal that came meanwhile is handled when
    the block ends.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker(parent: int) -> None:
    """Run first in each worker of a pool the runner starts: the worker dies with ``parent`` and on stop signals.

    A forked worker inherits its parent's signal handlers, which in the
    ``journey`` command raise an exception: the pool would catch it as the
    task's result and keep working.  So SIGTERM and SIGHUP are reset to their
    default (die), and SIGINT is ignored (the parent, which gets it too, stops
    the pool).  The worker was started with them held back
    (:func:`_stop_signals_held`); they are let through once their handling is
    set.  On Linux the kernel sends SIGKILL when the parent dies; a parent
    already gone ends the worker at once.
    """
    for number in _STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN if number == signal.SIGINT else signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    if sys.platform.startswith("linux"):
        _die_with_parent()
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        os._exit(1)
    except OSError:
        pass


def _die_with_parent() -> None:
    """Ask Linux to send this process SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``)."""
    import ctypes

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl in this C library: the runner's shutdown still stops workers
        pass


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and terminate the pool's workers, without waiting for running tasks."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14 and later
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            if process.is_alive():
                process.terminate()
        except (ValueError, ProcessLookupError):  # closed, or already gone
            continue


def _run_task(task: _Task) -> Collector:
    """Run one replication (module level, so process pools and Dask can pickle it)."""
    return run_replication(compile_plan(task.journey), task.settings, task.seed, task.replication, paired=task.paired)


class Runner:
    """Runs designs x replications, remembering every replication so none is run twice.

    Parameters
    ----------
    executor : concurrent.futures.Executor, optional
        Where to run replications: a process pool, a Dask ``distributed``
        client's ``get_executor()``, or any other executor.  By default a
        process pool of ``settings.workers`` processes (all cores) is started
        for a batch of more than one replication, and one replication runs in
        this process.  Results never depend on it.

    Attributes
    ----------
    engine_runs : list of RunKey
        Every replication the engine ran, in order.
    """

    def __init__(self, executor: Executor | None = None) -> None:
        self.executor = executor
        self.engine_runs: list[RunKey] = []
        self._collectors: dict[RunKey, Collector] = {}
        self._plans: dict[Hashable, Plan] = {}
        # Per unsettled settings with a precision, the most replications a call settled on.
        self._floors: dict[RunSettings, int] = {}

    def run(
        self,
        designs: Sequence[Design],
        settings: RunSettings,
        *,
        paired: bool = False,
        common_random_numbers: bool = True,
        trace: Callable[[TraceRow], None] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> list[Outcome]:
        """Run every design for ``settings.replications`` replications with the same seeds.

        With a :attr:`~RunSettings.precision` not yet settled, the number of
        replications is settled first (:meth:`settle`; see the module's notes): from
        ``settings.replications`` (the fewest), or from the most an earlier
        call of this runner with the same settings settled on, so analyses
        sharing a runner never count fewer replications than one before them;
        the outcomes' settings then carry the number run and a
        :class:`~journeydsl.sim.settings.Settled` record.

        Parameters
        ----------
        designs : sequence of Design
            The designs, in the order their outcomes are returned.
        settings : RunSettings
            How to run; an unresolved seed falls back to the first design's journey seed.
        paired : bool
            Keep each customer's outcomes, so designs can be compared customer by customer.
        common_random_numbers : bool
            ``False`` gives every design its own seeds (for showing what common
            random numbers buy; not for real comparisons).
        trace : callable, optional
            Receives one row per touchpoint visit; the replications then run
            in this process, in order, even if they were run before.
        progress : callable, optional
            Called with the finished share of this call's replications (0..1).

        Returns
        -------
        list of Outcome
            One per design.
        """
        if not designs:
            raise ValueError("nothing to run: no designs given")
        settings = settings.resolved(designs[0].journey.seed)
        settings = self.settle(
            designs,
            settings,
            paired=paired,
            common_random_numbers=common_random_numbers,
            progress=None if trace else progress,
        )
        keys: list[list[RunKey]] = []
        tasks: dict[RunKey, _Task] = {}
        for number, design in enumerate(designs):
            content = simulation_key(design.journey)
            master = settings.master_seed
            if not common_random_numbers:
                master += _INDEPENDENT_SEED_STEP * number
            design_keys = []
            for index, seed in enumerate(replication_seeds(master, settings.replications)):
                key = RunKey(content, settings.customers, settings.horizon, settings.warmup, seed, index)
                design_keys.append(key)
                known = self._collectors.get(key)
                if trace is not None or known is None or (paired and known.records is None):
                    tasks[key] = _Task(design.journey, settings, seed, index, paired)
            keys.append(design_keys)
        self._execute(tasks, settings, trace, progress)
        return [
            Outcome(
                design.name, design.journey, self._plan(design.journey), settings, [self._collectors[k] for k in ks]
            )
            for design, ks in zip(designs, keys, strict=True)
        ]

    def settle(
        self,
        designs: Sequence[Design],
        settings: RunSettings,
        *,
        paired: bool = False,
        common_random_numbers: bool = True,
        progress: Callable[[float], None] | None = None,
    ) -> RunSettings:
        """``settings`` with the number of replications its precision needs for ``designs``.

        :meth:`run` calls it; call it first to settle once for a whole
        analysis, so that every document records the settled settings.
        Replications run in batches of the worker count; after each batch the
        counts are tried in order, from the fewest (``settings.replications``,
        or the most an earlier call of this runner settled on with the same
        settings), and the first at which every design's interval is narrow
        enough is the one.  At the cap the run stops where it is, not reached.
        The replications run are kept for :meth:`run`.

        Parameters
        ----------
        designs : sequence of Design
            The designs that must each reach the precision.
        settings : RunSettings
            The settings; an unresolved seed falls back to the first design's journey seed.
        paired, common_random_numbers, progress
            As for :meth:`run`.

        Returns
        -------
        RunSettings
            ``settings`` (seed resolved) with ``replications`` the number to run and
            :attr:`~RunSettings.settled` set; unchanged (seed resolved) without a
            precision or when already settled.

        Examples
        --------
        >>> from journeydsl.api import loads
        >>> from journeydsl.sim.settings import Precision
        >>> j = loads('journey "J" { arrivals cohort 40 stage a goal { touchpoint t: staff { feel +1 } } }')
        >>> settled = Runner().settle([Design("baseline", j)], RunSettings(precision=Precision(5.0), workers=1))
        >>> settled.replications, settled.settled.reached
        (5, True)
        """
        from .results import rounded

        if not designs:
            raise ValueError("nothing to run: no designs given")
        settings = settings.resolved(designs[0].journey.seed)
        precision = settings.precision
        if precision is None or settings.settled is not None:
            return settings
        most = precision.most
        start = min(max(settings.replications, self._floors.get(settings, 0)), most)
        batch = settings.worker_count(most)
        runs: list[tuple[Journey, Hashable, Sequence[int]]] = []
        for number, design in enumerate(designs):
            master = settings.master_seed + (0 if common_random_numbers else _INDEPENDENT_SEED_STEP * number)
            runs.append((design.journey, simulation_key(design.journey), replication_seeds(master, most)))
        own = None
        if self.executor is None and settings.worker_count(most * len(designs)) > 1:
            own = ProcessPoolExecutor(
                max_workers=settings.worker_count(most * len(designs)),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        try:
            count, widest, reached = self._add_until_precise(runs, settings, start, batch, paired, progress, own)
        except BaseException:
            if own is not None:
                _stop_pool(own)
            raise
        if own is not None:
            own.shutdown(wait=True)
        self._floors[settings] = max(self._floors.get(settings, 0), count)
        achieved = rounded(widest) if math.isfinite(widest) else None
        _log_settled(precision, reached, achieved, count, counted=not math.isnan(widest))
        return replace(settings, replications=count, settled=Settled(reached, achieved))

    def _add_until_precise(
        self,
        runs: list[tuple[Journey, Hashable, Sequence[int]]],
        settings: RunSettings,
        start: int,
        batch: int,
        paired: bool,
        progress: Callable[[float], None] | None,
        pool: ProcessPoolExecutor | None,
    ) -> tuple[int, float, bool]:
        """Run batches of replications until the precision is reached or the cap: (count, widest, reached)."""
        precision = settings.precision
        assert precision is not None  # settle() checked it
        most = precision.most

        def key(content: Hashable, seeds: Sequence[int], index: int) -> RunKey:
            return RunKey(content, settings.customers, settings.horizon, settings.warmup, seeds[index], index)

        ran = 0
        count = start
        widest = math.inf
        reached = False
        while not reached and ran < most:
            target = min(max(start, ran + batch), most)
            tasks = {}
            for journey, content, seeds in runs:
                for index in range(ran, target):
                    known = self._collectors.get(key(content, seeds, index))
                    if known is None or (paired and known.records is None):
                        tasks[key(content, seeds, index)] = _Task(journey, settings, seeds[index], index, paired)
            within = None
            if progress is not None:

                def within(fraction: float, before: int = ran, size: int = target - ran) -> None:
                    progress((before + fraction * size) / most)

            self._execute(tasks, settings, None, within, pool)
            for count in range(max(start, ran + 1), target + 1):
                widths = [
                    _interval_width([self._collectors[key(content, seeds, i)] for i in range(count)], precision)
                    for _, content, seeds in runs
                ]
                widest = math.nan if any(math.isnan(width) for width in widths) else max(widths)
                reached = widest < precision.width
                if reached:
                    break
            ran = target
            if math.isnan(widest):
                break  # a design counted no customer at all: more replications of it will not either
        return count, widest, reached

    def _plan(self, journey: Journey) -> Plan:
        content = simulation_key(journey)
        if content not in self._plans:
            self._plans[content] = compile_plan(journey)
        return self._plans[content]

    def _execute(
        self,
        tasks: dict[RunKey, _Task],
        settings: RunSettings,
        trace: Callable[[TraceRow], None] | None,
        progress: Callable[[float], None] | None,
        pool: ProcessPoolExecutor | None = None,
    ) -> None:
        """Run ``tasks``: in this process, on the runner's executor, or on a process pool.

        ``pool``: a pool of the runner's own that the caller started and stops
        (:meth:`settle` keeps one for all its batches); otherwise one is
        started for these tasks when they are worth more than one process.
        """
        total = len(tasks)
        finished = 0

        def done(key: RunKey, collector: Collector) -> None:
            nonlocal finished
            self._collectors[key] = collector
            self.engine_runs.append(key)
            finished += 1
            if progress is not None:
                progress(finished / total)

        if not tasks:
            if progress is not None:
                progress(1.0)
            return
        executor = self.executor
        if trace is not None or (executor is None and settings.worker_count(total) == 1):
            for key, task in tasks.items():
                within = None
                if progress is not None:

                    def within(fraction: float, before: int = finished) -> None:
                        progress((before + fraction) / total)

                plan = self._plan(task.journey)
                done(key, run_replication(plan, task.settings, task.seed, task.replication, trace, within, task.paired))
            return
        if executor is not None:
            self._gather(executor, tasks, done)
            return
        if pool is not None:
            self._gather(pool, tasks, done, own=True)
            return
        pool = ProcessPoolExecutor(
            max_workers=settings.worker_count(total), initializer=_start_worker, initargs=(os.getpid(),)
        )
        try:
            self._gather(pool, tasks, done, own=True)
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)

    @staticmethod
    def _gather(
        executor: Executor,
        tasks: dict[RunKey, _Task],
        done: Callable[[RunKey, Collector], None],
        own: bool = False,
    ) -> None:
        """Submit every task, then hand each result to ``done`` in order; on any exception cancel what is left.

        ``own``: the runner's own pool, which starts its workers and threads on
        the first submits (with the stop signals held back).
        """
        with _stop_signals_held() if own else nullcontext():
            futures: list[tuple[RunKey, Future[Collector]]] = [
                (key, executor.submit(_run_task, task)) for key, task in tasks.items()
            ]
        try:
            for key, future in futures:
                while not wait([future], timeout=1.0).done:
                    pass  # wake now and then: a signal handler runs in this thread only between waits
                done(key, future.result())
        except BaseException:
            for _, future in futures:
                future.cancel()
            raise
