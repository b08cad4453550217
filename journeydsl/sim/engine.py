"""The SimPy engine: synthetic customers walking a compiled journey.

One replication is one :class:`Engine` run.  Customers arrive by the plan's
arrival process (Poisson, a cohort, or a finite market with Bass innovation and
imitation), each drawn from a segment with their own expectations,
importances, sensitivities, patience and loss aversion.  A customer is a plain
generator process: stage delays, touchpoint durations, FIFO queues at staffed
touchpoints with a capacity (waiting beyond patience hurts; waiting beyond
``renege`` times patience makes them give up), failures and recoveries, choices,
transitions by probability (state-dependent where written), loops bounded by
visit limits, repeat purchases after a delay, care programmes, word of mouth.

The engine never reads files, prints or plots: observations go to a
:class:`~journeydsl.sim.metrics.Collector`, and optionally one trace row per
touchpoint visit to a callback.

Consecutive touchpoints without a queue are walked with one SimPy timeout for
their total duration: nothing else can interact with the customer in between,
so the results are the same and the engine does a fraction of the events.

Speed: stages and touchpoints are compiled once into plain tuples (see
``Engine._stage_record``); a *plain* touchpoint (no queue, no failure modes, met
by every segment) is walked in line in ``Engine._walk``, the engine's hot loop,
and every other touchpoint goes through ``Engine._experience``, which computes
the same moment (``tests/test_engine_paths.py`` holds the two to the same bits).  A customer's
attribute, first-visit and first-transition numbers come from numpy for blocks of
arrivals (:class:`~journeydsl.sim.streams.KeyedBlocks`), and visit statistics are
folded into the sums with numpy a block at a time.
"""

from __future__ import annotations

import gc
import math
import random
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import simpy

from .metrics import Collector, CustomerOutcomes, PairedOutcome
from .plan import (
    FACTOR_NAMES,
    MODULE_NAMES,
    CarePlan,
    Plan,
    SegmentPlan,
    StagePlan,
    StepPlan,
    TouchpointPlan,
    TransitionPlan,
)
from .psychology import (
    likelihood_to_recommend,
    remembered_experience,
    return_probability,
    satisfaction,
    talk_probability,
    update_expectation,
)
from .settings import RunSettings
from .streams import KeyedBlocks, mix, site, uniform, uniform_and_normal

__all__ = ["Engine", "TraceRow", "TRACE_COLUMNS", "run_replication"]


class TraceRow(NamedTuple):
    """One row of the trace: one customer's visit to one touchpoint (or one care contact)."""

    replication: int
    customer: int
    segment: str
    cycle: int
    #: The stage's name; empty for a care contact.
    stage: str
    touchpoint: str
    channel: str
    time: float
    wait: float
    duration: float
    affect: float
    #: The failure mode that happened; empty for none.
    failure: str
    reneged: bool


#: Trace columns, one row per customer per touchpoint visit.
TRACE_COLUMNS: tuple[str, ...] = TraceRow._fields

_MAX_CYCLES = 100
_BRAND = FACTOR_NAMES.index("brand")
_GAVE_UP = object()

# Keys of the decisions (see journeydsl.sim.streams), combined with the customer's key.
_MASK = (1 << 64) - 1
_JUDGEMENT = site("judgement")
_SEGMENT, _PATIENCE, _LOSS, _RETURN, _TALK, _REFER, _DELAY = (
    site("segment"),
    site("patience"),
    site("loss aversion"),
    site("return"),
    site("talk"),
    site("refer"),
    site("delay"),
)
_FAILURE, _TRANSITION = site("failure"), site("transition")
# Odd multipliers that spread counters (arrival, visit, cycle, slot) over the 64 bits of a key.
_G1, _G2, _G3, _G4 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93


# ---- named records -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PlainTouchpoint:
    """A *plain* touchpoint as the walk reads it: no queue, no failure modes, met by every segment.

    Its moment is worked out in line in :meth:`Engine._walk` (see :meth:`Engine._touchpoint_record`).
    """

    #: The touchpoint's index in the plan.
    index: int
    #: Its first-visit column in a customer's numbers.
    column: int
    #: The key of its decisions (see :mod:`journeydsl.sim.streams`).
    site: int
    #: Its duration from one uniform number.
    draw: Callable[[float], float]
    #: The standard deviation of a moment around its effects.
    noise: float
    #: Its ``(module, value)`` effects.
    modules: tuple[tuple[int, float], ...]
    #: The sum of its theme effects.
    theme_total: float
    cost: float
    #: Its ``(factor, value)`` performance figures.
    performance: tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class Step:
    """A step of a stage as the walk reads it."""

    #: Its place in the stage, from 1 (keys a choice's number).
    number: int
    #: The step's touchpoint when the step is one plain touchpoint (walked in line), else None.
    plain: PlainTouchpoint | None
    plan: StepPlan


@dataclass(frozen=True, slots=True)
class StageRecord:
    """A stage as the walk reads it (see :meth:`Engine._stage_record`)."""

    steps: tuple[Step, ...]
    plan: StagePlan
    index: int
    visit_limit: int
    delay: float
    goal: bool
    #: The cumulative chances of the transitions, when none has a condition or is a repeat
    #: purchase (the ways out are then chosen by bisection); else None.
    bounds: tuple[float, ...] | None
    #: With ``bounds``: the stage index each way out leads to, -1 for the drop-off, with one more
    #: -1 for a number beyond every bound; else None.
    targets: tuple[int, ...] | None
    #: With ``bounds``: the delay of each way out, with one more 0.0; else None.
    delays: tuple[float, ...] | None
    #: The key of its decisions (see :mod:`journeydsl.sim.streams`).
    site: int
    #: Its first-transition column in a customer's numbers.
    first_transition: int


@dataclass(frozen=True, slots=True)
class MomentWeights:
    """What a moment needs of a segment's settings, looked up once."""

    carry_over: float
    curvature: float
    #: The weight of disconfirmation.
    disconfirmation: float
    #: Affect lost per patience-length waited beyond patience.
    penalty: float
    #: Give up after this many patiences.
    renege: float

    @classmethod
    def of(cls, segment: SegmentPlan) -> MomentWeights:
        """A segment's weights."""
        affect, waiting = segment.settings["affect"], segment.settings["waiting"]
        return cls(
            affect["carry_over"], affect["curvature"], affect["disconfirmation"], waiting["penalty"], waiting["renege"]
        )


@dataclass(frozen=True, slots=True)
class Spread:
    """How a segment's customers spread around it, looked up once."""

    segment: SegmentPlan
    expectation: float
    importance: float
    sensitivity: float
    #: The log-normal sigma of patience (0 without spread).
    patience_sigma: float
    loss_aversion: float
    loss_aversion_spread: float
    judgement: float

    @classmethod
    def of(cls, segment: SegmentPlan) -> Spread:
        """A segment's spreads."""
        spread = segment.settings["spread"]
        cv = spread["patience"]
        return cls(
            segment,
            spread["expectation"],
            spread["importance"],
            spread["sensitivity"],
            math.sqrt(math.log(1.0 + cv * cv)) if cv else 0.0,
            segment.settings["affect"]["loss_aversion"],
            spread["loss_aversion"],
            spread["judgement"],
        )


@dataclass(frozen=True, slots=True)
class JudgementWeights:
    """What closing a cycle needs of a segment's settings, looked up once."""

    w_peak: float
    w_end: float
    w_mean: float
    w_duration: float
    satisfaction_baseline: float
    satisfaction_scale: float
    recommendation_baseline: float
    recommendation_scale: float
    loyalty_intercept: float
    loyalty_slope: float

    @classmethod
    def of(cls, segment: SegmentPlan) -> JudgementWeights:
        """A segment's weights."""
        settings = segment.settings
        memory = settings["memory"]
        return cls(
            memory["peak"],
            memory["end"],
            memory["mean"],
            memory["duration"],
            settings["satisfaction"]["baseline"],
            settings["satisfaction"]["scale"],
            settings["recommendation"]["baseline"],
            settings["recommendation"]["scale"],
            settings["loyalty"]["intercept"],
            settings["loyalty"]["slope"],
        )


@dataclass(frozen=True, slots=True)
class WordOfMouthWeights:
    """What word of mouth needs of a segment's settings, looked up once."""

    propensity: float
    base: float
    curvature: float
    neutral: float
    brand_impact: float
    referral_conversion: float

    @classmethod
    def of(cls, segment: SegmentPlan) -> WordOfMouthWeights:
        """A segment's weights."""
        talk = segment.settings["word_of_mouth"]
        return cls(
            talk["propensity"],
            talk["base"],
            talk["curvature"],
            talk["neutral"],
            talk["brand_impact"],
            talk["referral_conversion"],
        )


@dataclass(frozen=True, slots=True)
class CustomerColumns:
    """Where each of a customer's keyed numbers lies in their row (see :func:`_columns`)."""

    #: The decision key of every column, in order.
    keys: tuple[int, ...]
    #: ``(factor, column)`` of the expectation spread of each factor the journey uses.
    expectation: tuple[tuple[int, int], ...]
    #: ``(factor, column)`` of the importance spread of each factor the journey uses.
    importance: tuple[tuple[int, int], ...]
    #: ``(module, column)`` of the sensitivity spread of each module the journey uses.
    sensitivity: tuple[tuple[int, int], ...]
    patience: int
    loss_aversion: int
    judgement: int
    #: The column of the first visit of touchpoint 0; touchpoint ``i``'s is this plus ``i``.
    first_visit: int
    #: The column of the first transition out of stage 0; stage ``i``'s is this plus ``i``.
    first_transition: int


@dataclass(slots=True)
class Judgement:
    """How a customer judges a purchase cycle when it closes."""

    converted: bool
    remembered: float
    satisfaction: float
    #: The 0..10 answer to "how likely are you to recommend us?".
    recommendation: int
    #: The chance of coming back.
    returning: float
    duration: float


@dataclass(slots=True)
class WalkEnd:
    """How a walk through the stages ended."""

    converted: bool
    #: The repeat-purchase transition taken, if any.
    leaving: TransitionPlan | None
    #: False when the customer's horizon ran out during the walk (the cycle is not judged).
    finished: bool
    #: The time the customer still spends in the touchpoints walked since their last wait.
    pending: float


@dataclass(slots=True)
class CareSchedule:
    """A care programme a customer is enrolled in, and when it next reaches them."""

    programme: CarePlan
    due: float


class Customer:
    """One synthetic customer: who they are and where they stand in the current cycle."""

    __slots__ = (
        "index",
        "key",
        "judgement",
        "failed",
        "unrecovered",
        "moments",
        "directs",
        "u_row",
        "z_row",
        "offset",
        "visit_u",
        "visit_z",
        "tp_visits",
        "segment",
        "expect",
        "importance",
        "sens",
        "patience",
        "loss",
        "settings",
        "mood",
        "total",
        "count",
        "peak",
        "peak_size",
        "peak_tp",
        "choices",
        "end_tp",
        "cycle",
        "cost",
        "revenue",
        "referrals",
        "perf_sum",
        "perf_n",
        "carried",
        "until",
        "counted",
        "converted_at",
        "care_next",
        "weights",
        "recovery",
    )

    def satisfaction_so_far(self) -> float:
        """The satisfaction the customer would give the cycle now (for conditions on ``satisfaction``)."""
        memory = self.settings["memory"]
        if not self.count:
            return self.carried
        # The last moment is the mood the customer is in (the end of the episode so far).
        remembered = remembered_experience(
            self.peak,
            self.mood,
            self.total / self.count,
            0.0,
            memory["peak"],
            memory["end"],
            memory["mean"],
            0.0,
        )
        s = self.settings["satisfaction"]
        return satisfaction(remembered, s["baseline"] + self.judgement, s["scale"])


class Engine:
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
        Called with one :class:`TraceRow` per touchpoint visit.
    replication : int
        Index written into trace rows.
    progress : callable, optional
        Called with the finished share of the arrivals (0..1) as it grows.
    paired : bool
        Keep every counted customer's outcomes, keyed by the customer, so that
        two designs can be compared customer by customer.
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
    ):
        self.plan = plan
        self.progress = progress
        self._progress_step = 0
        self.run = run
        self.seed = seed
        self.trace = trace
        self.replication = replication
        self.env = simpy.Environment()
        self.collector = Collector(len(plan.touchpoints), len(plan.stages), len(plan.segments))
        if paired:
            self.collector.records = {}
        self.resources = {
            tp.index: simpy.Resource(self.env, capacity=tp.capacity)
            for tp in plan.touchpoints
            if tp.capacity is not None
        }
        self.arrival_rng = random.Random(seed)
        # Keyed random numbers (see journeydsl.sim.streams): a decision's number depends on what
        # it decides, so designs that share a decision share its number.
        self._tp_site = [site("touchpoint:" + tp.name) for tp in plan.touchpoints]
        self._stage_site = [site("stage:" + stage.name) for stage in plan.stages]
        self._care_site = [site("care:" + (care.touchpoint.name)) for care in plan.care]
        # A customer's first-visit and attribute numbers, drawn for blocks of arrivals at once:
        # one column per decision (see _columns()).
        self._columns = columns = _columns(plan, self._tp_site, self._stage_site)
        self.arrivals_end = math.inf
        self.next_index = 0
        self.arrivals_made = 0
        self.adopters = 0
        self.brand = 0.0
        self.horizon = run.horizon if run.horizon is not None else plan.horizon
        self.window = self.horizon if self.horizon is not None else math.inf
        self._modules = [tuple((m, v) for m, v in enumerate(tp.modules) if v) for tp in plan.touchpoints]
        # What a moment, a judgement and word of mouth need of each segment's settings, and how its
        # customers spread around it, looked up once.
        self._moment_weights = [MomentWeights.of(s) for s in plan.segments]
        self._wom = [WordOfMouthWeights.of(s) for s in plan.segments]
        self._referrals = plan.arrivals.kind != "market"
        self._brand_arrivals = plan.settings["word_of_mouth"]["brand_arrivals"]
        self._brand_expectation = plan.settings["word_of_mouth"]["brand_expectation"]
        self._spreads = [Spread.of(s) for s in plan.segments]
        self._judge = [JudgementWeights.of(s) for s in plan.segments]
        # A segment's direct effect at every touchpoint, when its customers share the segment's
        # sensitivities (no spread); otherwise each visit works it out from the customer's own.
        self._directs = [
            None
            if s.settings["spread"]["sensitivity"]
            else [_direct(tp.theme_total, self._modules[tp.index], s.sensitivities) for tp in plan.touchpoints]
            for s in plan.segments
        ]
        # The walk's view of touchpoints and stages (see _walk()).
        self._tp_records = [self._touchpoint_record(tp) for tp in plan.touchpoints]
        self._stage_records = records = [self._stage_record(stage) for stage in plan.stages]
        # The first transition out of each stage is chosen with the customer's block of numbers,
        # where no condition or repeat purchase is involved (see _stage_record()).
        self._choices = [
            (record.first_transition, record.bounds if record.bounds is not None else ()) for record in records
        ]
        self.blocks = KeyedBlocks(
            seed,
            list(columns.keys),
            block=256 if run.customers is not None and run.customers < 256 else 512,
            choices=self._choices,
        )
        # Where the visits of customers in the warm-up go: nowhere.
        self._discard: list[deque[float]] = [deque(maxlen=0) for _ in plan.touchpoints]
        self._segment_cumulative = []
        running = 0.0
        for segment in plan.segments:
            running += segment.share
            self._segment_cumulative.append(running)
        self._segment_cumulative[-1] = float("inf")

    # ---- running -------------------------------------------------------------------
    def execute(self) -> Collector:
        """Run the replication and return its collector.

        Arrivals stop at the horizon (or after ``customers``); every customer is
        then followed to the end of their first journey, and repeat purchases and
        care contacts are followed for one horizon from their arrival.
        """
        env = self.env
        if self.run.customers is None and self.horizon is None and self.plan.arrivals.kind != "cohort":
            raise ValueError("this journey has no horizon: give a number of customers or a horizon")
        env.process(self._arrivals())
        # The run allocates events and generators by the hundred thousand; the cyclic collector need
        # not look at them every 700 allocations (the default), every 50,000 is plenty and keeps
        # memory bounded.
        thresholds = gc.get_threshold()
        gc.set_threshold(max(thresholds[0], 50_000), thresholds[1], thresholds[2])
        try:
            env.run()
        finally:
            gc.set_threshold(*thresholds)
        # Utilisation is measured while customers arrive (the steady state), after the warm-up.
        self.collector.observed_time = max(0.0, min(env.now, self.arrivals_end) - self.run.warmup)
        collector = self.collector
        collector.flush()
        # Every visit but a customer giving up in the queue costs the touchpoint's cost.
        collector.cost = [
            (collector.visits[tp.index] - collector.reneged[tp.index]) * tp.cost for tp in self.plan.touchpoints
        ]
        return collector

    def _arrivals(self):
        yield from self._arrival_process()
        self.arrivals_end = self.env.now

    def _arrival_process(self):
        plan = self.plan
        arrivals = plan.arrivals
        env = self.env
        rng = self.arrival_rng
        limit = self.run.customers
        if arrivals.kind == "cohort":
            count = limit if limit is not None else arrivals.count
            spacing = arrivals.over / count if arrivals.over and count else 0.0
            for number in range(count):
                self._arrive(env.now)
                self._report(number + 1, count)
                if spacing:
                    yield env.timeout(spacing)
            return
        if arrivals.kind == "poisson":
            count = 0
            reporting = self.progress is not None
            while limit is None or count < limit:
                rate = arrivals.rate * self._brand_factor()
                yield env.timeout(rng.expovariate(rate))
                if self.horizon is not None and limit is None and env.now >= self.horizon:
                    return
                self._arrive(env.now)
                count += 1
                if reporting:
                    self._report(count, limit)
            return
        market = arrivals.count if limit is None else min(limit, arrivals.count)
        while self.adopters < arrivals.count and (limit is None or self.adopters < market):
            remaining = arrivals.count - self.adopters
            hazard = arrivals.innovation + arrivals.imitation * self.adopters / arrivals.count
            rate = hazard * remaining * self._brand_factor()
            if rate <= 0:
                return
            yield env.timeout(rng.expovariate(rate))
            if self.horizon is not None and limit is None and env.now >= self.horizon:
                return
            self.adopters += 1
            self._arrive(env.now)
            self._report(self.adopters, market if limit is not None else None)

    def _report(self, arrived: int, expected: int | None) -> None:
        """Tell the progress callback how far the arrivals are, in steps of half a percent."""
        if self.progress is None:
            return
        if expected:
            fraction = arrived / expected
        elif self.horizon:
            fraction = self.env.now / self.horizon
        else:
            return
        step = int(min(1.0, fraction) * 200)
        if step > self._progress_step:
            self._progress_step = step
            self.progress(step / 200)

    def _arrive(self, now: float, key: int | None = None) -> None:
        """A new customer: the n-th arrival, or a referred customer whose key comes from the referrer."""
        index = self.next_index
        self.next_index += 1
        if key is None:
            self.arrivals_made += 1
            key, u_row, z_row, offset, chosen = self.blocks.customer(self.arrivals_made)
        else:
            drawn = [uniform_and_normal(key ^ column) for column in self._columns.keys]
            u_row = [u for u, _ in drawn]
            z_row = [z for _, z in drawn]
            chosen = [bisect_right(bounds, u_row[column]) for column, bounds in self._choices]
            offset = 0
        c = self._make_customer(index, now, key, u_row, z_row, offset)
        c.choices = chosen
        self.env.process(self._customer(c))

    def _brand_factor(self) -> float:
        return max(0.0, 1.0 + self._brand_arrivals * self.brand)

    def _referral(self, key: int):
        delay = self.plan.settings["word_of_mouth"]["referral_delay"] * self.plan.day
        yield self.env.timeout(-delay * math.log(1.0 - uniform(key ^ _DELAY)) if delay > 0 else 0.0)
        if self.horizon is None or self.run.customers is not None or self.env.now < self.horizon:
            self._arrive(self.env.now, mix(key))

    # ---- customers -------------------------------------------------------------------
    def _make_customer(
        self, index: int, now: float, key: int, u_row: Sequence[float], z_row: Sequence[float], offset: int
    ) -> Customer:
        """A customer from their numbers: column ``j`` of theirs is ``u_row[offset + j]`` (and ``z_row``)."""
        c = Customer()
        c.index = index
        c.key = key
        c.u_row = u_row
        c.z_row = z_row
        c.offset = offset
        c.tp_visits = [0] * len(self._tp_records)
        u = u_row[offset]
        segment_index = 0
        for i, bound in enumerate(self._segment_cumulative):
            if u < bound:
                segment_index = i
                break
        spread = self._spreads[segment_index]
        columns = self._columns
        segment = spread.segment
        c.segment = segment
        c.counted = now >= self.run.warmup
        c.moments = self.collector.moments[segment_index] if c.counted else self._discard
        c.directs = self._directs[segment_index]
        c.settings = segment.settings
        c.weights = self._moment_weights[segment_index]
        # Each customer's own expectations, importances and sensitivities: the segment's, spread.
        expect = list(segment.expectations)
        expect_spread = spread.expectation
        if expect_spread:
            for f, column in columns.expectation:
                expect[f] = min(10.0, max(0.0, expect[f] + expect_spread * z_row[offset + column]))
        if self.brand:
            # Stories told so far move what newcomers expect of the brand.
            shifted = expect[_BRAND] + self._brand_expectation * self.brand
            expect[_BRAND] = 0.0 if shifted <= 0.0 else 10.0 if shifted >= 10.0 else shifted
        c.expect = expect
        importance: Sequence[float] = segment.importances
        importance_spread = spread.importance
        if importance_spread:
            spread_importance = list(importance)
            for f, column in columns.importance:
                spread_importance[f] = min(
                    10.0, max(0.0, spread_importance[f] + importance_spread * z_row[offset + column])
                )
            importance = spread_importance
        c.importance = importance
        sens: Sequence[float] = segment.sensitivities
        sensitivity_spread = spread.sensitivity
        if sensitivity_spread:
            spread_sens = list(sens)
            for m, column in columns.sensitivity:
                spread_sens[m] = max(0.0, spread_sens[m] * (1.0 + sensitivity_spread * z_row[offset + column]))
            sens = spread_sens
        c.sens = sens
        patience = segment.patience
        sigma = spread.patience_sigma
        if patience is not None and sigma:
            patience = patience * math.exp(-sigma * sigma / 2 + sigma * z_row[offset + columns.patience])
        c.patience = patience
        loss = spread.loss_aversion
        if spread.loss_aversion_spread:
            loss = max(1.0, loss + spread.loss_aversion_spread * z_row[offset + columns.loss_aversion])
        c.loss = loss
        # How this customer answers rating scales: some never give a 10, some always do.
        c.judgement = spread.judgement * z_row[offset + columns.judgement]
        c.mood = 0.0
        c.cycle = 0
        c.cost = 0.0
        c.revenue = 0.0
        c.referrals = 0
        c.carried = segment.settings["satisfaction"]["baseline"]
        c.until = now + self.window
        c.converted_at = None
        c.care_next = None
        c.recovery = 0
        self._reset_cycle(c)
        return c

    @staticmethod
    def _reset_cycle(c: Customer) -> None:
        c.total = 0.0
        c.count = 0
        c.peak = 0.0
        c.peak_size = -1.0  # abs(peak); below every moment's, so the first moment is the peak
        c.peak_tp = -1
        c.end_tp = -1
        c.perf_sum = None  # per factor: the performance perceived and how often (made at the first)
        c.perf_n = None
        c.failed = 0
        c.unrecovered = 0

    def _customer(self, c: Customer):
        plan = self.plan
        env = self.env
        collector = self.collector
        stage: StagePlan | None = plan.stages[0]
        first: Judgement | None = None
        while stage is not None and c.cycle < _MAX_CYCLES:
            cycle_start = env.now
            walked = yield from self._walk(c, stage)
            if not walked.finished:
                break
            if walked.pending:
                # What the walk has left to run: its touchpoints since the last wait.
                yield env.timeout(walked.pending)
            judgement = self._close_cycle(c, walked.converted, env.now - cycle_start)
            if first is None:
                first = judgement
            collector.cycles += c.counted
            stage = None
            leaving = walked.leaving
            if leaving is None:
                break
            # A repeat purchase: wait, let care programmes work, then decide (or follow the written chance).
            if env.now + leaving.delay > c.until:
                break
            if leaving.delay:
                yield env.timeout(leaving.delay)
            self._care_until(c, env.now)
            if leaving.loyalty:
                loyalty = c.settings["loyalty"]
                if uniform(c.key ^ _RETURN ^ ((c.cycle * _G3) & _MASK)) >= return_probability(
                    c.carried, loyalty["intercept"], loyalty["slope"]
                ):
                    break
            adaptation = c.settings["expectations"]["adaptation"]
            for f, total in (c.perf_sum or {}).items():
                c.expect[f] = update_expectation(c.expect[f], total / c.perf_n[f], adaptation)
            c.cycle += 1
            collector.repeat_purchases += c.counted
            self._reset_cycle(c)
            stage = plan.stages[leaving.target]
        if first is None:
            collector.in_progress += c.counted
            return
        if c.care_next:
            self._care_until(c, c.until if c.until != math.inf else env.now, effects=False)
        if c.counted:
            # The first cycle's outcomes, completed with what the whole stay brought.
            score = first.recommendation
            promoter = 1.0 if score >= 9 else 0.0
            detractor = 1.0 if score <= 6 else 0.0
            outcomes = CustomerOutcomes(
                1.0 if first.converted else 0.0,
                first.remembered,
                first.satisfaction,
                100.0 * (promoter - detractor),
                promoter,
                1.0 - promoter - detractor,
                detractor,
                first.returning,
                float(c.referrals),
                first.duration,
                c.cost,
                c.revenue,
            )
            collector.customer(c.segment.index, outcomes, score, c.recovery)
            if collector.records is not None:
                # Whether this customer would come back: the same keyed number in every design.
                comes_back = uniform(c.key ^ _RETURN) < first.returning
                collector.records[c.key] = PairedOutcome(c.segment.index, comes_back, outcomes)

    def _touchpoint_record(self, tp: TouchpointPlan) -> PlainTouchpoint | None:
        """A plain touchpoint as the walk reads it; None for the others.

        A *plain* touchpoint has no queue and no failure modes and is met by
        every segment: its moment is worked out inside :meth:`_walk`.  The
        others, and every touchpoint when a trace is written (its rows come
        from :meth:`_experience`), go through :meth:`_queue` and
        :meth:`_experience`.
        """
        if tp.capacity is not None or tp.failures or tp.audience is not None or self.trace is not None:
            return None  # (a trace row is written by _experience)
        return PlainTouchpoint(
            index=tp.index,
            column=self._columns.first_visit + tp.index,
            site=self._tp_site[tp.index],
            draw=tp.duration.draw if tp.duration is not None else _no_duration,
            noise=tp.noise,
            modules=self._modules[tp.index],
            theme_total=tp.theme_total,
            cost=tp.cost,
            performance=tp.performance,
        )

    def _stage_record(self, stage: StagePlan) -> StageRecord:
        """A stage as the walk reads it.

        Each step knows its plain touchpoint when it is one plain touchpoint
        (walked in line).  When no transition has a condition or is a repeat
        purchase, the ways out are the cumulative chances of the transitions
        (``bounds``), and for each, the stage it leads to (-1 for the drop-off)
        and its delay, with one more -1 and 0.0 for a number beyond every bound.
        """
        steps = tuple(
            Step(number, self._tp_records[step.options[0].index] if len(step.options) == 1 else None, step)
            for number, step in enumerate(stage.steps, start=1)
        )
        bounds = targets = delays = None
        if not any(t.conditionals or t.repeat for t in stage.transitions):
            running = 0.0
            cumulative = []
            for transition in stage.transitions:
                running += transition.probability
                cumulative.append(running)
            bounds = tuple(cumulative)
            targets = (*(t.target for t in stage.transitions), -1)
            delays = (*(t.delay for t in stage.transitions), 0.0)
        return StageRecord(
            steps=steps,
            plan=stage,
            index=stage.index,
            visit_limit=stage.visit_limit,
            delay=stage.delay,
            goal=stage.goal,
            bounds=bounds,
            targets=targets,
            delays=delays,
            site=self._stage_site[stage.index],
            first_transition=self._columns.first_transition + stage.index,
        )

    def walked_in_line(self) -> set[str]:
        """The touchpoints this engine walks in line, in its hot loop (for tests and profiling)."""
        return {
            step.plan.options[0].name
            for record in self._stage_records
            for step in record.steps
            if step.plain is not None
        }

    def _walk(self, c: Customer, stage: StagePlan):
        """Walk stages from ``stage`` until the customer leaves; returns how the walk ended (:class:`WalkEnd`).

        ``pending`` is the time the customer still spends in the touchpoints
        walked since their last wait: the caller waits it out, so that this
        generator is done before the customer sleeps.

        This is the engine's hot loop.  A plain touchpoint is walked in line: its
        moment is worked out here, the same as :meth:`_experience` computes it,
        without its queue, failure, audience and trace cases.  Other steps (a
        choice, a queue, failure modes, an audience, or any step when a trace is
        written) go through :meth:`_experience` or :meth:`_queue`.
        """
        env = self.env
        collector = self.collector
        counted = c.counted
        entered = collector.entered if counted else [0] * len(self._stage_records)
        dropped = collector.dropped
        stages = self._stage_records
        visits = [0] * len(stages)
        tp_visits = c.tp_visits
        u_row = c.u_row
        z_row = c.z_row
        offset = c.offset
        first_visit = offset + self._columns.first_visit
        choices = c.choices
        key = c.key
        cycle = c.cycle
        cycle_key = key ^ ((cycle * _G3) & _MASK)
        moments = c.moments
        directs = c.directs
        sens = c.sens
        carry = c.weights.carry_over
        pending = 0.0
        converted = False
        record = stages[stage.index]
        while True:
            stage = record.plan
            index = record.index
            visit = visits[index] + 1
            visits[index] = visit
            if visit == 1:
                entered[index] += 1
            if visit > record.visit_limit:
                if counted and not converted:
                    dropped[index] += 1
                return WalkEnd(converted, None, True, pending)
            delay = record.delay
            if delay:
                pending += delay
                if cycle and env.now + pending > c.until:
                    return WalkEnd(converted, None, False, 0.0)
            for step in record.steps:
                plain = step.plain
                if plain is not None:
                    i = plain.index
                    # One keyed draw per visit gives its duration and its noise (see journeydsl.sim.streams);
                    # a first visit's numbers were drawn with the customer's block.
                    n = tp_visits[i] + 1
                    tp_visits[i] = n
                    if n == 1:
                        j = offset + plain.column
                        u = u_row[j]
                        z = z_row[j]
                    else:
                        u, z = uniform_and_normal(key ^ plain.site ^ ((n * _G2) & _MASK))
                    direct = directs[i] if directs is not None else _direct(plain.theme_total, plain.modules, sens)
                    performance = plain.performance
                    if performance:
                        direct += self._disconfirmation(c, performance)
                    # As in _experience(): direct + disconfirmation + waiting (none) + noise + carried-over mood.
                    moment = direct + plain.noise * z + carry * c.mood
                    c.mood = moment
                    c.total += moment
                    c.count += 1
                    size = moment if moment >= 0.0 else -moment  # abs(moment), without a call
                    if size > c.peak_size:
                        c.peak = moment
                        c.peak_size = size
                        c.peak_tp = i
                    c.end_tp = i
                    c.cost += plain.cost
                    moments[i].append(moment)
                    draw = plain.draw
                    pending += draw(u)
                    continue
                options = step.plan.options
                tp: TouchpointPlan | None
                if len(options) == 1:
                    tp = options[0]
                else:
                    stage_key = cycle_key ^ record.site ^ ((visit * _G2) & _MASK)
                    u = uniform_and_normal(stage_key ^ ((step.number * _G4) & _MASK))[0]
                    tp = options[-1]
                    for option, bound in zip(options, step.plan.cumulative[c.segment.index], strict=True):
                        if u < bound:
                            tp = option
                            break
                while tp is not None:
                    if tp.audience is not None and c.segment.index not in tp.audience:
                        break  # written `for segment X` or `for tier A`: others pass by
                    i = tp.index
                    tp_visits[i] += 1
                    if tp_visits[i] == 1:
                        c.visit_u = u = u_row[first_visit + i]
                        c.visit_z = z_row[first_visit + i]
                    else:
                        u, c.visit_z = uniform_and_normal(key ^ self._tp_site[i] ^ ((tp_visits[i] * _G2) & _MASK))
                        c.visit_u = u
                    if tp.capacity is None:
                        duration = tp.duration.draw(u) if tp.duration is not None else 0.0
                        tp = self._experience(c, tp, stage, env.now + pending, 0.0, duration, False)
                        pending += duration
                    else:
                        if pending:
                            yield env.timeout(pending)
                            pending = 0.0
                        served = yield from self._queue(c, tp, stage)
                        if served is _GAVE_UP:
                            if counted and not converted:
                                dropped[index] += 1
                            return WalkEnd(converted, None, True, 0.0)
                        tp = served
            if record.goal and not converted:
                converted = True
                c.revenue += c.segment.value
                if c.converted_at is None:
                    c.converted_at = env.now + pending
                    self._start_care(c)
            # Choose a transition: the first whose cumulative chance lies above the visit's number
            # (for a first visit, chosen with the customer's block); the first condition that holds
            # replaces the baseline chance.
            bounds = record.bounds
            if bounds is not None:
                if visit == 1 and not cycle:
                    way = choices[index]
                else:
                    way = bisect_right(
                        bounds, uniform_and_normal(cycle_key ^ record.site ^ ((visit * _G2) & _MASK) ^ _TRANSITION)[0]
                    )
                target = record.targets[way]
                if target < 0:
                    if counted and not converted:
                        dropped[index] += 1
                    return WalkEnd(converted, None, True, pending)
                pending += record.delays[way]
                if cycle and env.now + pending > c.until:
                    return WalkEnd(converted, None, False, 0.0)
                record = stages[target]
                continue
            if visit == 1 and not cycle:
                u = u_row[offset + record.first_transition]
            else:
                u = uniform_and_normal(cycle_key ^ record.site ^ ((visit * _G2) & _MASK) ^ _TRANSITION)[0]
            chosen = None
            running = 0.0
            for transition in stage.transitions:
                probability = transition.probability
                for conditional, predicate in transition.conditionals:
                    if predicate(c, visit - 1):
                        probability = conditional
                        break
                running += probability
                if u < running:
                    chosen = transition
                    break
            if chosen is None or chosen.target < 0:
                if counted and not converted:
                    dropped[index] += 1
                return WalkEnd(converted, None, True, pending)
            if chosen.repeat:
                return WalkEnd(converted, chosen, True, pending)
            pending += chosen.delay
            if cycle and env.now + pending > c.until:
                return WalkEnd(converted, None, False, 0.0)
            record = stages[chosen.target]

    def _queue(self, c: Customer, tp: TouchpointPlan, stage: StagePlan):
        """Queue for a staffed touchpoint, be served or give up; returns the recovery step, None, or _GAVE_UP."""
        env = self.env
        duration = tp.duration.draw(c.visit_u) if tp.duration is not None else 0.0
        resource = self.resources[tp.index]
        request = resource.request()
        arrived = env.now
        if c.patience is None:
            yield request
        else:
            result = yield request | env.timeout(c.patience * c.weights.renege)
            if request not in result:
                request.cancel()
                self._experience(c, tp, stage, arrived, env.now - arrived, 0.0, True)
                return _GAVE_UP
        wait = env.now - arrived
        yield env.timeout(duration)
        resource.release(request)
        if c.counted and self.arrivals_end == math.inf:
            self.collector.busy[tp.index] += duration
        return self._experience(c, tp, stage, arrived, wait, duration, False)

    def _experience(
        self,
        c: Customer,
        tp: TouchpointPlan,
        stage: StagePlan,
        time: float,
        wait: float,
        duration: float,
        reneged: bool,
    ) -> TouchpointPlan | None:
        """The moment a touchpoint creates; returns the recovery touchpoint of a failure, if any."""
        weights = c.weights
        failed = None
        if reneged:
            direct = 0.0
            disconfirmed = 0.0
            noise = 0.0
        else:
            sens = c.sens
            direct = (
                c.directs[tp.index] if c.directs is not None else _direct(tp.theme_total, self._modules[tp.index], sens)
            )
            performance = tp.performance
            if tp.failures:
                for number, failure in enumerate(tp.failures):
                    visit_key = c.key ^ self._tp_site[tp.index] ^ ((c.tp_visits[tp.index] * _G2) & _MASK)
                    if uniform(visit_key ^ _FAILURE ^ ((number * _G4) & _MASK)) < failure.probability:
                        failed = failure
                        c.failed += 1
                        if failure.recovery is None:
                            c.unrecovered += 1
                        direct += failure.theme_total
                        for m, value in enumerate(failure.modules):
                            if value:
                                direct += sens[m] * value
                        if failure.performance:
                            performance = performance + failure.performance
                        break
            disconfirmed = self._disconfirmation(c, performance) if performance else 0.0
            noise = tp.noise * c.visit_z
        patience = c.patience
        penalty = weights.penalty
        waited = -penalty * (wait - patience) / patience if patience is not None and wait > patience else 0.0
        moment = direct + disconfirmed + waited + noise + weights.carry_over * c.mood
        c.mood = moment
        c.total += moment
        c.count += 1
        index = tp.index
        size = abs(moment)
        if size > c.peak_size:
            c.peak = moment
            c.peak_size = size
            c.peak_tp = index
        c.end_tp = index
        if not reneged:
            c.cost += tp.cost
        if c.counted:
            collector = self.collector
            c.moments[index].append(moment)
            if tp.capacity is not None:
                collector.waits[index].add(wait)
                collector.wait_sample[index].add(wait)
            if reneged:
                collector.reneged[index] += 1
            if failed is not None:
                collector.failures[index] += 1
        if self.trace is not None:
            self.trace(
                TraceRow(
                    self.replication,
                    c.index,
                    c.segment.name,
                    c.cycle,
                    stage.name,
                    tp.name,
                    tp.channel,
                    time,
                    wait,
                    duration,
                    moment,
                    failed.name if failed else "",
                    reneged,
                )
            )
        return failed.recovery if failed is not None else None

    @staticmethod
    def _disconfirmation(c: Customer, performance: tuple[tuple[int, float], ...]) -> float:
        """The loss-averse value of performance against the customer's expectations, weighted by importance.

        Also adds the performance to what the customer perceived per factor (for
        the gap analysis and the expectations of the next cycle).
        """
        weights = c.weights
        curvature = weights.curvature
        expect = c.expect
        importance = c.importance
        loss = c.loss
        perf_sum = c.perf_sum
        perf_n = c.perf_n
        if perf_sum is None:
            perf_sum = c.perf_sum = {}
            perf_n = c.perf_n = {}
        disconfirmed = 0.0
        for f, value in performance:
            gap = value - expect[f]
            if gap >= 0:
                disconfirmed += importance[f] * 0.1 * gap**curvature
            else:
                disconfirmed -= importance[f] * 0.1 * loss * (-gap) ** curvature
            perf_sum[f] = perf_sum.get(f, 0.0) + value
            perf_n[f] = perf_n.get(f, 0) + 1
        return disconfirmed * weights.disconfirmation

    def _close_cycle(self, c: Customer, converted: bool, duration: float) -> Judgement:
        """Judge the cycle that ends: remembered experience, satisfaction, recommendation, return; then talk."""
        collector = self.collector
        weights = self._judge[c.segment.index]
        if c.count:
            # The end of the episode is its last moment: the mood the customer is left in.
            remembered = remembered_experience(
                c.peak,
                c.mood,
                c.total / c.count,
                duration,
                weights.w_peak,
                weights.w_end,
                weights.w_mean,
                weights.w_duration,
            )
            if c.counted:
                collector.peaks[c.peak_tp] += 1
                collector.ends[c.end_tp] += 1
                if not c.cycle and c.perf_sum:
                    # What the customer perceived per factor, against what they expected (gap analysis).
                    for f, total in c.perf_sum.items():
                        collector.factor(c.segment.index, f, total / c.perf_n[f], c.expect[f], c.importance[f])
        else:
            remembered = 0.0
        sat = satisfaction(remembered, weights.satisfaction_baseline + c.judgement, weights.satisfaction_scale)
        score = likelihood_to_recommend(
            remembered, weights.recommendation_baseline + c.judgement, weights.recommendation_scale
        )
        returning = return_probability(sat, weights.loyalty_intercept, weights.loyalty_slope)
        c.carried = sat
        if not c.cycle:
            # Service recovery: no failure (0), every failure recovered (1), a failure left unrecovered (2).
            c.recovery = 0 if not c.failed else 2 if c.unrecovered else 1
        self._word_of_mouth(c, sat)
        return Judgement(converted, remembered, sat, score, returning, duration)

    def _word_of_mouth(self, c: Customer, sat: float) -> None:
        """Whether the customer talks, what the story does to the brand image, and whether it brings someone."""
        weights = self._wom[c.segment.index]
        neutral = weights.neutral
        chance = talk_probability(sat, weights.propensity, weights.base, weights.curvature, neutral)
        talk_key = c.key ^ ((c.cycle * _G3) & _MASK) if c.cycle else c.key
        if uniform(talk_key ^ _TALK) >= chance:
            return
        collector = self.collector
        if sat > neutral:
            self.brand += weights.brand_impact * (1.0 - self.brand)
            collector.positive_talk += c.counted
            if self._referrals and uniform(talk_key ^ _REFER) < weights.referral_conversion:
                c.referrals += 1
                collector.referrals += c.counted
                self.env.process(self._referral(mix(talk_key ^ _REFER)))
        elif sat < neutral:
            self.brand += weights.brand_impact * (-1.0 - self.brand)
            collector.negative_talk += c.counted

    def _start_care(self, c: Customer) -> None:
        """Enrol a converted customer in their tier's care programmes.

        A programme that runs every T reaches the customer first at a random point
        of its first period (birthdays and holidays fall anywhere in the year
        after a purchase), then every T.
        """
        programmes = []
        for number, care in enumerate(self.plan.care):
            if care.every <= 0:
                continue
            if care.audience == "tier" and c.segment.tier != care.name:
                continue
            if care.audience == "segment" and c.segment.name != care.name:
                continue
            programmes.append(
                CareSchedule(care, c.converted_at + uniform(c.key ^ self._care_site[number]) * care.every)
            )
        c.care_next = programmes

    def _care_until(self, c: Customer, now: float, effects: bool = True) -> None:
        """Deliver the care contacts due up to ``now`` (lazily: no events while the customer waits)."""
        if not c.care_next:
            return
        weight = c.settings["care"]["weight"]
        for schedule in c.care_next:
            care = schedule.programme
            due = schedule.due
            tp = care.touchpoint
            while due <= now:
                direct = (
                    c.directs[tp.index]
                    if c.directs is not None
                    else _direct(tp.theme_total, self._modules[tp.index], c.sens)
                )
                if effects:
                    c.carried = min(10.0, max(0.0, c.carried + weight * direct))
                c.cost += tp.cost
                if self.trace is not None:
                    self.trace(
                        TraceRow(
                            self.replication,
                            c.index,
                            c.segment.name,
                            c.cycle,
                            "",
                            tp.name,
                            tp.channel,
                            due,
                            0.0,
                            0.0,
                            direct,
                            "",
                            False,
                        )
                    )
                if c.counted:
                    c.moments[tp.index].append(direct)
                due += care.every
            schedule.due = due


def _no_duration(u: float) -> float:
    """The duration of a touchpoint written without one."""
    return 0.0


def _direct(theme_total: float, modules: tuple[tuple[int, float], ...], sensitivities) -> float:
    """A touchpoint's direct effect on a customer: its themes plus each of its ``(module, value)`` times
    the customer's sensitivity to that module."""
    direct = theme_total
    for m, value in modules:
        direct += sensitivities[m] * value
    return direct


def _columns(plan: Plan, tp_sites: list[int], stage_sites: list[int]) -> CustomerColumns:
    """The decision keys drawn with each customer: attributes, then first visits, then first transitions.

    In order: the segment; the expectation and importance spreads of each factor the
    journey uses and the sensitivity spread of each module it uses; patience; loss
    aversion; judgement; the first visit of every touchpoint (its duration and noise);
    the first transition out of every stage.  A column's numbers depend on its key,
    not on its place, so a journey that uses another factor draws the same numbers
    for the ones both use.
    """
    factors, modules = len(plan.used_factors), len(plan.used_modules)
    patience = 1 + 2 * factors + modules
    keys = (
        _SEGMENT,
        *(site("expect:" + FACTOR_NAMES[f]) for f in plan.used_factors),
        *(site("importance:" + FACTOR_NAMES[f]) for f in plan.used_factors),
        *(site("sensitivity:" + MODULE_NAMES[m]) for m in plan.used_modules),
        _PATIENCE,
        _LOSS,
        _JUDGEMENT,
        *(s ^ _G2 for s in tp_sites),
        *(s ^ _G2 ^ _TRANSITION for s in stage_sites),
    )
    return CustomerColumns(
        keys=keys,
        expectation=tuple((f, 1 + k) for k, f in enumerate(plan.used_factors)),
        importance=tuple((f, 1 + factors + k) for k, f in enumerate(plan.used_factors)),
        sensitivity=tuple((m, 1 + 2 * factors + k) for k, m in enumerate(plan.used_modules)),
        patience=patience,
        loss_aversion=patience + 1,
        judgement=patience + 2,
        first_visit=patience + 3,
        first_transition=patience + 3 + len(tp_sites),
    )


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
    """
    return Engine(plan, run, seed, trace, replication, progress, paired).execute()
