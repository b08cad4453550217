"""One replication: the :class:`Engine` made of the roles, and :func:`run_replication`."""

from __future__ import annotations

import gc
import math
import random
from collections import deque
from collections.abc import Callable

import simpy

from ..metrics import Collector
from ..plan import Plan
from ..psychology import direct_effect
from ..series import SeriesCollector, series_period
from ..settings import RunSettings
from ..streams import KeyedBlocks, site
from .arrivals import ArrivalRole
from .care import CareRole
from .customers import CustomerRole, Spread, customer_columns
from .cycles import CycleRole
from .experience import ExperienceRole, MomentWeights, WaitingLine, queues_of
from .judgement import JudgementRole, JudgementWeights
from .memory import MemorySpread
from .staffing import StaffingRole
from .trace_row import TraceRow
from .walk import WalkRole
from .word_of_mouth import WordOfMouthRole, WordOfMouthWeights

__all__ = ["Engine", "run_replication"]


class Engine(
    ArrivalRole,
    CustomerRole,
    CycleRole,
    WalkRole,
    ExperienceRole,
    JudgementRole,
    WordOfMouthRole,
    CareRole,
    StaffingRole,
):
    """One replication of a plan.

    Parameters
    ----------
    plan : Plan
        The compiled journey.
    run : RunSettings
        Stopping rule and warm-up.
    seed : int
        The replication's seed (an integer from :class:`numpy.random.SeedSequence`).
    trace : callable, optional
        Called with one :class:`~journeydsl.sim.engine.trace_row.TraceRow` per touchpoint visit.
    replication : int
        Index written into trace rows.
    progress : callable, optional
        Called with the finished share of the arrivals (0..1) as it grows.
    paired : bool
        Keep every counted customer's outcomes, keyed by the customer, so that
        two designs can be compared customer by customer.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> from journeydsl.sim.plan import compile_plan
    >>> plan = compile_plan(loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }'))
    >>> collector = Engine(plan, RunSettings(customers=100), seed=1).execute()
    >>> collector.customers, collector.metric("conversion_rate").mean
    (100, 1.0)
    """

    def __init__(
        self,
        plan: Plan,
        run: RunSettings,
        seed: int,
        trace: Callable[[TraceRow], None] | None = None,
        replication: int = 0,
        progress: Callable[[float], None] | None = None,
        paired: bool = False,
    ) -> None:
        self.plan = plan
        self.progress = progress
        self._progress_step = 0
        self.run = run
        self.seed = seed
        self.trace = trace
        self.replication = replication
        self.env = simpy.Environment()
        self.collector = Collector(len(plan.touchpoints), len(plan.stages), len(plan.segments), len(plan.episodes))
        if paired:
            self.collector.records = {}
        period = series_period(expected_span(plan, run), plan.day, plan.time_unit, run.period)
        self.series = self.collector.series = SeriesCollector(period.length)
        # Queues: a heap of server free times where the discipline allows, else SimPy's Resource (see experience.py).
        self._counters, self.resources = queues_of(plan, self.env)
        self._waiting = WaitingLine(self.series)
        self._queues = any(tp.capacity is not None for tp in plan.touchpoints)
        # Every queue on the heap: a customer only ever sleeps in timeouts, and callbacks drive them.
        self._driven = self._queues and not self.resources
        self.arrival_rng = random.Random(seed)
        # Keyed random numbers (see journeydsl.sim.streams): a decision's number depends on what
        # it decides, so designs that share a decision share its number.
        self._tp_site = [site("touchpoint:" + tp.name) for tp in plan.touchpoints]
        self._stage_site = [site("stage:" + stage.name) for stage in plan.stages]
        self._care_site = [site("care:" + (care.touchpoint.name)) for care in plan.care]
        # A customer's first-visit and attribute numbers, drawn for blocks of arrivals at once:
        # one column per decision (see customer_columns()).
        # How each segment's customers remember (looked up before the columns: a spread of memory
        # weights takes a column per weight).
        self._memory = [MemorySpread.of(s, plan.day / 1440.0) for s in plan.segments]
        self._columns = columns = customer_columns(
            plan, self._tp_site, self._stage_site, memory=any(m.shapes for m in self._memory)
        )
        self.arrivals_end = math.inf
        self.cohort = plan.arrivals.kind == "cohort"
        self.last_service_end = 0.0
        self.next_index = 0
        self.arrivals_made = 0
        self.adopters = 0
        self.brand = 0.0
        self.voices = 0.0
        self.horizon = run.horizon if run.horizon is not None else plan.horizon
        self.window = self.horizon if self.horizon is not None else math.inf
        # Opening hours whose counters send their queues away at closing (None: queues are served to the end).
        self._turn_away = plan.schedule if plan.closing == "turn away" else None
        self._modules = [tuple((m, v) for m, v in enumerate(tp.modules) if v) for tp in plan.touchpoints]
        # What a moment, a judgement and word of mouth need of each segment's settings, and how its
        # customers spread around it, looked up once.
        self._moment_weights = [MomentWeights.of(s, plan.day / 1440.0) for s in plan.segments]
        self._wom = [WordOfMouthWeights.of(s) for s in plan.segments]
        self._referrals = plan.arrivals.kind != "market"
        self._brand_arrivals = plan.settings["word_of_mouth"]["brand_arrivals"]
        self._brand_expectation = plan.settings["word_of_mouth"]["brand_expectation"]
        self._spreads = [Spread.of(s) for s in plan.segments]
        self._judge = [JudgementWeights.of(s, plan.day / 1440.0) for s in plan.segments]
        # A segment's direct effect at every touchpoint, when its customers share the segment's
        # sensitivities (no spread); otherwise each visit works it out from the customer's own.
        self._directs = [
            None
            if s.settings["spread"]["sensitivity"]
            else [direct_effect(tp.theme_total, self._modules[tp.index], s.sensitivities) for tp in plan.touchpoints]
            for s in plan.segments
        ]
        # The walk's view of touchpoints and stages (see walk.py).
        self._tp_records = [self._touchpoint_record(tp) for tp in plan.touchpoints]
        self._stage_records = records = [self._stage_record(stage) for stage in plan.stages]
        # The first transition out of each stage is chosen with the customer's block of numbers,
        # where no condition or repeat purchase is involved (see WalkRole._stage_record()).
        self._choices = [
            (record.first_transition, record.ways.bounds if record.ways is not None else ()) for record in records
        ]
        self.blocks = KeyedBlocks(
            seed,
            columns.keys,
            block=256 if run.customers is not None and run.customers < 256 else 512,
            choices=self._choices,
            derive=self._block_attributes,
        )
        self._discard = [deque(maxlen=0) for _ in plan.touchpoints]
        self._mood_scratch = [0.0] * len(plan.touchpoints)
        self._reach_scratch = [0] * len(plan.touchpoints)
        self._segment_cumulative = []
        running = 0.0
        for segment in plan.segments:
            running += segment.share
            self._segment_cumulative.append(running)
        self._segment_cumulative[-1] = float("inf")

    def execute(self) -> Collector:
        """Run the replication and return its collector.

        Arrivals stop at the horizon (or after ``customers``); every customer is
        then followed to the end of their first journey, and repeat purchases and
        care contacts are followed for one horizon from their arrival.

        Returns
        -------
        Collector
            The replication's aggregates.
        """
        env = self.env
        if self.run.customers is None and self.horizon is None and self.plan.arrivals.kind != "cohort":
            raise ValueError("this journey has no horizon: give a number of customers or a horizon")
        self._start_arrivals()
        # The run allocates events and generators by the hundred thousand; the cyclic collector need
        # not look at them every 700 allocations (the default), every 50,000 is plenty and keeps
        # memory bounded.
        thresholds = gc.get_threshold()
        gc.set_threshold(max(thresholds[0], 50_000), thresholds[1], thresholds[2])
        try:
            env.run()
        finally:
            gc.set_threshold(*thresholds)
        # Utilisation is measured while customers arrive (the steady state), after the warm-up; a cohort
        # has no steady state, so its counters are observed until they have served everyone.
        self._waiting.catch_up(env.now)
        self.series.finish(env.now)
        observed_until = min(env.now, self.arrivals_end)
        if self.cohort:
            observed_until = max(observed_until, min(env.now, self.last_service_end))
        self.collector.observed_time = max(0.0, observed_until - self.run.warmup)
        collector = self.collector
        collector.flush()
        # Every visit but a customer giving up in the queue (or sent away at closing) costs the touchpoint's cost.
        collector.cost = [
            (collector.visits[tp.index] - collector.reneged[tp.index] - collector.turned_away[tp.index]) * tp.cost
            for tp in self.plan.touchpoints
        ]
        self._pay_staff(observed_until)
        return collector


def expected_span(plan: Plan, run: RunSettings) -> float:
    """About how long a run lasts, in the journey's time unit: what the time series' period is chosen for.

    The horizon when there is one; else the time the arrivals need for the
    customers asked for (at the written rate, or along the Bass curve for a
    market); a cohort's spread, or a day.  Only the period depends on it.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> from journeydsl.sim.plan import compile_plan
    >>> text = 'journey "J" { arrivals poisson 10 per day stage a goal { touchpoint t: digital { feel +1 } } }'
    >>> plan = compile_plan(loads(text))
    >>> expected_span(plan, RunSettings(customers=300)) / plan.day
    30.0
    """
    horizon = run.horizon if run.horizon is not None else plan.horizon
    if horizon is not None:
        return horizon
    arrivals = plan.arrivals
    customers = run.customers
    if arrivals.kind == "poisson" and customers and arrivals.rate > 0:
        return customers / arrivals.rate
    if arrivals.kind == "market" and arrivals.count and arrivals.innovation > 0:
        # Along the Bass curve: F(t) = x at t = ln((1 + (q/p) x) / (1 - x)) / (p + q).
        share = min(0.99, (customers or arrivals.count) / arrivals.count)
        p, q = arrivals.innovation, arrivals.imitation
        return math.log((1.0 + q / p * share) / (1.0 - share)) / (p + q)
    return arrivals.over or plan.day


def run_replication(
    plan: Plan,
    run: RunSettings,
    seed: int,
    replication: int = 0,
    trace: Callable[[TraceRow], None] | None = None,
    progress: Callable[[float], None] | None = None,
    paired: bool = False,
) -> Collector:
    """Run one replication and return its aggregates (``progress`` and ``paired`` as for :class:`Engine`).

    Only ``customers``, ``horizon`` and ``warmup`` of ``run`` matter here; the
    replication's own ``seed`` is given (see :func:`journeydsl.sim.runner.replication_seeds`).

    Parameters
    ----------
    plan : Plan
        The compiled journey.
    run : RunSettings
        Stopping rule and warm-up.
    seed : int
        The replication's seed.
    replication : int
        Index written into trace rows.
    trace, progress : callable, optional
        As for :class:`Engine`.
    paired : bool
        Keep every counted customer's outcomes for a paired comparison.

    Returns
    -------
    Collector
        The replication's aggregates.
    """
    return Engine(plan, run, seed, trace, replication, progress, paired).execute()
