"""Customers: who a customer is, made from their segment and their keyed numbers.

A customer is drawn from a segment by the segments' shares and gets their own
expectations, importances, sensitivities, patience, loss aversion and
judgement offset, spread around the segment's (the ``spread`` settings), from
the numbers of their row (:class:`CustomerColumns`).  :class:`Customer` also
holds where the customer stands in the current purchase cycle: their mood,
the running sums of their moments, their peak and end.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import MutableSequence, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from ..plan import FACTOR_NAMES, MODULE_NAMES, Plan, SegmentPlan, Settings, TransitionPlan
from ..psychology import remembered_experience, satisfaction
from ..streams import site
from .keys import JUDGEMENT, LOSS_AVERSION, PATIENCE, SEGMENT, TRANSITION, VISIT
from .memory import MEMORY_SITES, MemoryWeights
from .state import EngineState

if TYPE_CHECKING:
    from .care import CareSchedule
    from .experience import MomentWeights
    from .judgement import Judgement
    from .walk import WalkEnd

__all__ = ["BlockAttributes", "Customer", "CustomerColumns", "CustomerRole", "Perceived", "Spread", "customer_columns"]

_BRAND = FACTOR_NAMES.index("brand")
#: The choices and visit counts of a customer who has no visit left (see :meth:`Customer.release`).
_RELEASED: list[int] = []


@dataclass(frozen=True, slots=True)
class Spread:
    """How a segment's customers spread around it, looked up once."""

    segment: SegmentPlan
    #: The standard deviation of expectations and of importances around the segment's.
    expectation: float
    importance: float
    #: The coefficient of variation of sensitivities.
    sensitivity: float
    #: The log-normal sigma of patience (0 without spread).
    patience_sigma: float
    loss_aversion: float
    loss_aversion_spread: float
    #: The standard deviation of the judgement offset.
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
class CustomerColumns:
    """Where each of a customer's keyed numbers lies in their row (see :func:`customer_columns`)."""

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
    #: The columns of the memory weights' numbers (peak, end, mean, integral); empty without their spread.
    memory: tuple[int, ...]
    #: The column of the first visit of touchpoint 0; touchpoint ``i``'s is this plus ``i``.
    first_visit: int
    #: The column of the first transition out of stage 0; stage ``i``'s is this plus ``i``.
    first_transition: int


def customer_columns(
    plan: Plan, tp_sites: Sequence[int], stage_sites: Sequence[int], memory: bool = False
) -> CustomerColumns:
    """The decision keys drawn with each customer: attributes, then first visits, then first transitions.

    In order: the segment; the expectation and importance spreads of each factor the
    journey uses and the sensitivity spread of each module it uses; patience; loss
    aversion; judgement; the memory weights (when they spread); the first visit of
    every touchpoint (its duration and noise); the first transition out of every
    stage.  A column's numbers depend on its key, not on its place, so a journey that
    uses another factor draws the same numbers for the ones both use.

    Parameters
    ----------
    plan : Plan
        The compiled journey.
    tp_sites, stage_sites : sequence of int
        The decision keys of the plan's touchpoints and stages.
    memory : bool
        Whether customers draw their own memory weights (some segment's ``spread.memory``).
    """
    factors, modules = len(plan.used_factors), len(plan.used_modules)
    patience = 1 + 2 * factors + modules
    memory_sites = MEMORY_SITES if memory else ()
    first_visit = patience + 3 + len(memory_sites)
    keys = (
        SEGMENT,
        *(site("expect:" + FACTOR_NAMES[f]) for f in plan.used_factors),
        *(site("importance:" + FACTOR_NAMES[f]) for f in plan.used_factors),
        *(site("sensitivity:" + MODULE_NAMES[m]) for m in plan.used_modules),
        PATIENCE,
        LOSS_AVERSION,
        JUDGEMENT,
        *memory_sites,
        *(s ^ VISIT for s in tp_sites),
        *(s ^ VISIT ^ TRANSITION for s in stage_sites),
    )
    return CustomerColumns(
        keys=keys,
        expectation=tuple((f, 1 + k) for k, f in enumerate(plan.used_factors)),
        importance=tuple((f, 1 + factors + k) for k, f in enumerate(plan.used_factors)),
        sensitivity=tuple((m, 1 + 2 * factors + k) for k, m in enumerate(plan.used_modules)),
        patience=patience,
        loss_aversion=patience + 1,
        judgement=patience + 2,
        memory=tuple(range(patience + 3, first_visit)),
        first_visit=first_visit,
        first_transition=first_visit + len(tp_sites),
    )


class BlockAttributes(NamedTuple):
    """What is worked out for a whole block of arriving customers at once: their segment and memory weights."""

    segment: int
    memory: MemoryWeights


@dataclass(slots=True)
class Perceived:
    """What a customer perceived in a cycle, per factor: the sum of the performance figures met and their number."""

    totals: dict[int, float]
    counts: dict[int, int]


class Customer:
    """One synthetic customer: who they are, and where they stand in the current cycle."""

    __slots__ = (
        "index",
        "key",
        "segment",
        "settings",
        "weights",
        "counted",
        "moments",
        "mood_in",
        "reached",
        "directs",
        "u_row",
        "z_row",
        "offset",
        "choices",
        "visit_u",
        "visit_z",
        "tp_visits",
        "expect",
        "importance",
        "sens",
        "patience",
        "loss",
        "judgement",
        "until",
        "cycle",
        "memory",
        "mood",
        "left_at",
        "total",
        "area",
        "count",
        "peak",
        "peak_size",
        "peak_tp",
        "end_tp",
        "perceived",
        "failed",
        "unrecovered",
        "cost",
        "revenue",
        "referrals",
        "voice",
        "carried",
        "converted_at",
        "care_next",
        "recovery",
        "trail",
        "first",
        "cycle_start",
        "walked",
        "leaving",
    )

    # ---- who they are
    #: The customer's number in the replication (referred customers included).
    index: int
    #: The key of their random decisions.
    key: int
    segment: SegmentPlan
    settings: Settings
    #: What a moment needs of the segment's settings.
    weights: MomentWeights
    #: Whether they arrived after the warm-up (their outcomes count).
    counted: bool
    #: Where their visits' moments go, per touchpoint (the collector's buffers, or nowhere).
    moments: Sequence[MutableSequence[float]]
    #: Where the mood carried into their visits adds up, per touchpoint (the collector's sums, or scratch).
    mood_in: list[float]
    #: Where their first visit of each touchpoint is counted (the collector's per-segment counts, or scratch).
    reached: list[int]
    #: The segment's direct effect at every touchpoint, or None when it is worked out from ``sens``.
    directs: list[float] | None
    #: Their keyed numbers: column ``j`` is ``u_row[offset + j]`` and ``z_row[offset + j]``.
    u_row: Sequence[float]
    z_row: Sequence[float]
    offset: int
    #: The way chosen out of each stage on its first visit, from the customer's block.
    choices: list[int]
    #: The uniform and normal numbers of the current visit (its duration and noise).
    visit_u: float
    visit_z: float
    #: Visits so far, per touchpoint.
    tp_visits: list[int]
    #: Their own expectation and importance per factor and sensitivity per module.
    expect: list[float]
    importance: Sequence[float]
    sens: Sequence[float]
    patience: float | None
    #: Their loss aversion.
    loss: float
    #: How they answer rating scales: an offset on the 0..10 scales.
    judgement: float
    #: Until when they are followed.
    until: float
    #: How much their memory weighs an episode's peak, end, mean and integral (their own, or the segment's).
    memory: MemoryWeights

    # ---- the current cycle
    cycle: int
    #: The last moment's affect.
    mood: float
    #: When they left their last touchpoint: the mood carried into the next moment fades from then.
    left_at: float
    #: Sum and number of the cycle's moments.
    total: float
    count: int
    #: The sum of the cycle's moments times the time spent in each (the integral of affect, in the time unit).
    area: float
    #: The most extreme moment so far, its size and touchpoint; the touchpoint of the last.
    peak: float
    peak_size: float
    peak_tp: int
    end_tp: int
    #: What the customer perceived this cycle (made at the first performance figure).
    perceived: Perceived | None
    #: Failures met this cycle, and those without a recovery.
    failed: int
    unrecovered: int

    # ---- the whole stay
    cost: float
    revenue: float
    referrals: int
    #: Their voice in a market (0 elsewhere): what they add to imitation (see word_of_mouth.py).
    voice: float
    #: The satisfaction carried into the next return decision (care contacts add to it).
    carried: float
    converted_at: float | None
    care_next: list[CareSchedule] | None
    #: The first cycle's failure experience: none (0), all recovered (1), one left unrecovered (2).
    recovery: int
    #: The cycle's moments as (stage index, affect, time spent) when the journey has episodes, else None.
    trail: list[tuple[int, float, float]] | None
    #: The first cycle's judgement, once it is closed.
    first: Judgement | None
    #: When the current cycle began.
    cycle_start: float
    #: How the current cycle's walk ended, while its time runs (a journey without queues).
    walked: WalkEnd | None
    #: The repeat purchase the customer waits out to come back, while they do (a journey without queues).
    leaving: TransitionPlan | None

    def new_cycle(self) -> None:
        """Start a purchase cycle: no moments, peak, end, perceived performance or failures yet."""
        self.total = 0.0
        self.count = 0
        self.area = 0.0
        self.peak = 0.0
        self.peak_size = -1.0  # abs(peak); below every moment's, so the first moment is the peak
        self.peak_tp = -1
        self.end_tp = -1
        self.perceived = None
        self.failed = 0
        self.unrecovered = 0
        if self.trail is not None:
            self.trail = []

    def release(self) -> None:
        """Let go of what only visits need (their numbers, choices and visit counts) once none is left.

        A customer who waits out the end of their walk then keeps a few
        hundred bytes, however many touchpoints the journey has.
        """
        self.u_row = self.z_row = ()
        self.choices = self.tp_visits = _RELEASED

    def satisfaction_so_far(self) -> float:
        """The satisfaction the customer would give the cycle now (for conditions on ``satisfaction``).

        Remembered with the customer's own weights, the integral so far included; the duration term
        (``memory.duration``) waits for the end of the cycle.
        """
        memory = self.memory
        if not self.count:
            return self.carried
        # The last moment is the mood the customer is in (the end of the episode so far).
        remembered = remembered_experience(
            self.peak,
            self.mood,
            self.total / self.count,
            0.0,
            memory.peak,
            memory.end,
            memory.mean,
            0.0,
            self.area * memory.per_reference,
            memory.integral,
        )
        s = self.settings["satisfaction"]
        return satisfaction(remembered, s["baseline"] + self.judgement, s["scale"])


class CustomerRole(EngineState):
    """Making customers (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _block_attributes(self, keys: Any, u: Any, z: Any) -> list[BlockAttributes]:
        """The segment and memory weights of a block of customers, from its numbers (numpy arrays, a row each).

        The same as :meth:`_make_customer` works out for one customer, to the
        last bit, at a fraction of the cost (see
        :class:`~journeydsl.sim.streams.KeyedBlocks`' ``derive``).
        """
        import numpy as np

        segments = np.searchsorted(np.array(self._segment_cumulative), u[:, 0], side="right")
        weights: list[MemoryWeights | None] = [None] * len(segments)
        columns = self._columns.memory
        for number, memory in enumerate(self._memory):
            rows = np.flatnonzero(segments == number)
            if not len(rows):
                continue
            drawn = memory.draw_block(keys, u, z, columns, rows) if memory.shapes else [memory.weights] * len(rows)
            for row, drawn_weights in zip(rows.tolist(), drawn, strict=True):
                weights[row] = drawn_weights
        return [BlockAttributes(s, w) for s, w in zip(segments.tolist(), weights, strict=True)]  # type: ignore[arg-type]

    def _make_customer(
        self,
        index: int,
        now: float,
        key: int,
        u_row: Sequence[float],
        z_row: Sequence[float],
        offset: int,
        block: BlockAttributes | None = None,
    ) -> Customer:
        """A customer from their numbers: column ``j`` of theirs is ``u_row[offset + j]`` (and ``z_row``).

        ``block``: their segment and memory weights, worked out with their block (else here).
        """
        c = Customer()
        c.index = index
        c.key = key
        c.u_row = u_row
        c.z_row = z_row
        c.offset = offset
        c.tp_visits = [0] * len(self._tp_records)
        # The segment: the first whose cumulative share lies above the customer's number.
        segment_index = block.segment if block is not None else bisect_right(self._segment_cumulative, u_row[offset])
        spread = self._spreads[segment_index]
        columns = self._columns
        segment = spread.segment
        c.segment = segment
        c.counted = now >= self.run.warmup
        c.moments = self.collector.moments[segment_index] if c.counted else self._discard
        c.mood_in = self.collector.segment_carried[segment_index] if c.counted else self._mood_scratch
        c.reached = self.collector.segment_reached[segment_index] if c.counted else self._reach_scratch
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
        # How they remember: their own weights, spread around the segment's (the segment's without spread).
        if block is not None:
            c.memory = block.memory
        else:
            memory = self._memory[segment_index]
            c.memory = memory.draw(key, u_row, z_row, offset, columns.memory) if memory.shapes else memory.weights
        c.mood = 0.0
        c.left_at = now
        c.cycle = 0
        c.cost = 0.0
        c.revenue = 0.0
        c.referrals = 0
        c.voice = 0.0
        c.carried = segment.settings["satisfaction"]["baseline"]
        c.until = now + self.window
        c.converted_at = None
        c.care_next = None
        c.recovery = 0
        c.trail = [] if self.plan.episodes else None
        c.first = None
        c.cycle_start = now
        c.walked = None
        c.leaving = None
        c.new_cycle()
        return c
