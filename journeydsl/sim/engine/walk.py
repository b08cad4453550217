"""The walk: a customer passing stages, their touchpoints and the transitions between them.

Stages and touchpoints are compiled once into slotted records the walk reads
(:class:`StageRecord`, :class:`PlainTouchpoint`).  A *plain* touchpoint (no
queue, no failure modes, met by every segment) is walked in line in
:meth:`WalkRole._walk`, the engine's hot loop, which computes its moment as
:meth:`~journeydsl.sim.engine.experience.ExperienceRole._experience` does;
every other touchpoint goes through that method (``tests/test_engine_paths.py``
holds the two to the same bits, ``tests/test_psychology_engine.py`` both to
:mod:`journeydsl.sim.psychology`).

Consecutive touchpoints without a queue are walked with one SimPy timeout for
their total duration: nothing else can interact with the customer in between,
so the results are the same and the engine does a fraction of the events.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Generator
from dataclasses import dataclass
from math import exp, log
from typing import TYPE_CHECKING, Any

import simpy

from ..dists import Exponential
from ..plan import StagePlan, StepPlan, TouchpointPlan, TransitionPlan
from ..psychology import direct_effect
from ..streams import uniform_and_normal
from .experience import GaveUp
from .keys import CYCLE, MASK, NUMBER, TRANSITION, VISIT
from .state import EngineState

if TYPE_CHECKING:
    from .customers import Customer

__all__ = ["PlainTouchpoint", "StageRecord", "Step", "WalkEnd", "WalkRole", "Ways"]


@dataclass(frozen=True, slots=True)
class PlainTouchpoint:
    """A *plain* touchpoint as the walk reads it: no queue, no failure modes, met by every segment."""

    #: The touchpoint's index in the plan.
    index: int
    #: Its first-visit column in a customer's numbers.
    column: int
    #: The key of its decisions (see :mod:`journeydsl.sim.streams`).
    site: int
    #: Its duration from one uniform number.
    draw: Callable[[float], float]
    #: The mean of its duration when that is exponential (worked out in line), else 0.
    exponential: float
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
class Ways:
    """The ways out of a stage whose transitions have no condition and none is a repeat purchase.

    One uniform number chooses: the first way whose cumulative chance lies
    above it, or the drop-off beyond every bound.
    """

    #: The cumulative chances of the transitions.
    bounds: tuple[float, ...]
    #: The stage index each way leads to, -1 for the drop-off, with one more -1 beyond every bound.
    targets: tuple[int, ...]
    #: The delay of each way, with one more 0.0 beyond every bound.
    delays: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class StageRecord:
    """A stage as the walk reads it (see :meth:`WalkRole._stage_record`)."""

    steps: tuple[Step, ...]
    plan: StagePlan
    index: int
    visit_limit: int
    delay: float
    goal: bool
    #: Its ways out when they are chosen by one number alone, else None (conditions, repeat purchases).
    ways: Ways | None
    #: The key of its decisions (see :mod:`journeydsl.sim.streams`).
    site: int
    #: Its first-transition column in a customer's numbers.
    first_transition: int


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


def _no_duration(u: float) -> float:
    """The duration of a touchpoint written without one."""
    return 0.0


class WalkRole(EngineState):
    """Walking the stages (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _touchpoint_record(self, tp: TouchpointPlan) -> PlainTouchpoint | None:
        """A plain touchpoint as the walk reads it; None for the others.

        A *plain* touchpoint has no queue and no failure modes and is met by
        every segment: its moment is worked out inside :meth:`_walk`.  The
        others, and every touchpoint when a trace is written (its rows come
        from ``_experience``), go through ``_queue`` and ``_experience``.
        """
        if tp.capacity is not None or tp.failures or tp.audience is not None or self.trace is not None:
            return None  # (a trace row is written by _experience)
        return PlainTouchpoint(
            index=tp.index,
            column=self._columns.first_visit + tp.index,
            site=self._tp_site[tp.index],
            draw=tp.duration.draw if tp.duration is not None else _no_duration,
            exponential=tp.duration.mu if isinstance(tp.duration, Exponential) else 0.0,
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
        purchase, the ways out are chosen by one number (:class:`Ways`).
        """
        steps = tuple(
            Step(number, self._tp_records[step.options[0].index] if len(step.options) == 1 else None, step)
            for number, step in enumerate(stage.steps, start=1)
        )
        ways = None
        if not any(t.conditionals or t.repeat for t in stage.transitions):
            running = 0.0
            bounds = []
            for transition in stage.transitions:
                running += transition.probability
                bounds.append(running)
            ways = Ways(
                bounds=tuple(bounds),
                targets=(*(t.target for t in stage.transitions), -1),
                delays=(*(t.delay for t in stage.transitions), 0.0),
            )
        return StageRecord(
            steps=steps,
            plan=stage,
            index=stage.index,
            visit_limit=stage.visit_limit,
            delay=stage.delay,
            goal=stage.goal,
            ways=ways,
            site=self._stage_site[stage.index],
            first_transition=self._columns.first_transition + stage.index,
        )

    def walked_in_line(self) -> set[str]:
        """The touchpoints this engine walks in line, in its hot loop (for tests and profiling).

        Returns
        -------
        set of str
            The names of the plain touchpoints of its stages; empty when a trace is written.
        """
        return {
            step.plan.options[0].name
            for record in self._stage_records
            for step in record.steps
            if step.plain is not None
        }

    def _walk(self, c: Customer, stage: StagePlan) -> Generator[simpy.Event, Any, WalkEnd]:
        """Walk stages from ``stage`` until the customer leaves; returns how the walk ended (:class:`WalkEnd`).

        ``pending`` is the time the customer still spends in the touchpoints
        walked since their last wait: the caller waits it out, so that this
        generator is done before the customer sleeps.

        This is the engine's hot loop.  A plain touchpoint is walked in line: its
        moment is worked out here, the same as ``_experience`` computes it,
        without its queue, failure, audience and trace cases.  Other steps (a
        choice, a queue, failure modes, an audience, or any step when a trace is
        written) go through ``_experience`` or ``_queue``.
        """
        env = self.env
        # The clock, read again after every wait (it stands still in between).
        now = env.now
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
        cycle_key = key ^ ((cycle * CYCLE) & MASK)
        moments = c.moments
        directs = c.directs
        sens = c.sens
        mood_in = c.mood_in
        reached = c.reached
        carry = c.weights.carry_over
        fading = c.weights.fading
        pending = 0.0
        converted = False
        # The cycle's running figures, kept in locals while plain touchpoints are walked and written
        # back to the customer before anything else reads them (another touchpoint, a condition, the end).
        mood = c.mood
        left_at = c.left_at
        total = c.total
        count = c.count
        area = c.area
        peak = c.peak
        peak_size = c.peak_size
        peak_tp = c.peak_tp
        end_tp = c.end_tp
        spent_cost = c.cost
        # The cycle's moments by stage, kept only for remembered episodes.
        trail = c.trail
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
                c.mood, c.left_at, c.total, c.count, c.area = mood, left_at, total, count, area
                c.peak, c.peak_size, c.peak_tp, c.end_tp, c.cost = peak, peak_size, peak_tp, end_tp, spent_cost
                return WalkEnd(converted, None, True, pending)
            delay = record.delay
            if delay:
                pending += delay
                if cycle and now + pending > c.until:
                    c.mood, c.left_at, c.total, c.count, c.area = mood, left_at, total, count, area
                    c.peak, c.peak_size, c.peak_tp, c.end_tp, c.cost = peak, peak_size, peak_tp, end_tp, spent_cost
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
                        reached[i] += 1
                        j = offset + plain.column
                        u = u_row[j]
                        z = z_row[j]
                    else:
                        u, z = uniform_and_normal(key ^ plain.site ^ ((n * VISIT) & MASK))
                    direct = (
                        directs[i] if directs is not None else direct_effect(plain.theme_total, plain.modules, sens)
                    )
                    performance = plain.performance
                    if performance:
                        direct += self._disconfirmation(c, performance)
                    # psychology.carried_mood() and momentary_affect(), written out (as _experience() calls them):
                    # the mood carried over from the last moment, faded since the customer left that touchpoint
                    # (no exponential when no time passed); direct effects and disconfirmation, no waiting, noise.
                    carried = carry * mood
                    if carried:
                        elapsed = now + pending - left_at
                        if elapsed > 0.0:
                            carried *= exp(-fading * elapsed)
                        mood_in[i] += carried
                    moment = direct + plain.noise * z + carried
                    mood = moment
                    total += moment
                    count += 1
                    size = moment if moment >= 0.0 else -moment  # abs(moment), without a call
                    if size > peak_size:
                        peak = moment
                        peak_size = size
                        peak_tp = i
                    end_tp = i
                    spent_cost += plain.cost
                    moments[i].append(moment)
                    mean = plain.exponential
                    # Exponential.draw() written out (the same number), else the duration's own draw.
                    spent = -mean * log(1.0 - u) if mean else plain.draw(u)
                    area += moment * spent
                    if trail is not None:
                        trail.append((index, moment, spent))
                    pending += spent
                    left_at = now + pending
                    continue
                # Another touchpoint reads and writes the customer's figures: they are written back first.
                c.mood, c.left_at, c.total, c.count, c.area = mood, left_at, total, count, area
                c.peak, c.peak_size, c.peak_tp, c.end_tp, c.cost = peak, peak_size, peak_tp, end_tp, spent_cost
                options = step.plan.options
                tp: TouchpointPlan | None
                if len(options) == 1:
                    tp = options[0]
                else:
                    stage_key = cycle_key ^ record.site ^ ((visit * VISIT) & MASK)
                    u = uniform_and_normal(stage_key ^ ((step.number * NUMBER) & MASK))[0]
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
                        reached[i] += 1
                        c.visit_u = u = u_row[first_visit + i]
                        c.visit_z = z_row[first_visit + i]
                    else:
                        u, c.visit_z = uniform_and_normal(key ^ self._tp_site[i] ^ ((tp_visits[i] * VISIT) & MASK))
                        c.visit_u = u
                    if tp.capacity is None:
                        duration = tp.duration.draw(u) if tp.duration is not None else 0.0
                        tp = self._experience(c, tp, stage, now + pending, 0.0, duration, False)
                        pending += duration
                        c.left_at = now + pending
                    else:
                        if pending:
                            yield env.timeout(pending)
                            pending = 0.0
                            now = env.now
                        served = yield from self._queue(c, tp, stage)
                        now = env.now
                        c.left_at = now
                        if served is GaveUp.GAVE_UP:
                            if counted and not converted:
                                dropped[index] += 1
                            return WalkEnd(converted, None, True, 0.0)
                        tp = served
                mood, left_at, total, count, area = c.mood, c.left_at, c.total, c.count, c.area
                peak, peak_size, peak_tp, end_tp, spent_cost = c.peak, c.peak_size, c.peak_tp, c.end_tp, c.cost
            if record.goal and not converted:
                converted = True
                c.revenue += c.segment.value
                if c.converted_at is None:
                    c.converted_at = converted_at = now + pending
                    self._start_care(c, converted_at)
            # Choose a transition: the first whose cumulative chance lies above the visit's number
            # (for a first visit, chosen with the customer's block); the first condition that holds
            # replaces the baseline chance.
            ways = record.ways
            if ways is not None:
                if visit == 1 and not cycle:
                    way = choices[index]
                else:
                    way = bisect_right(
                        ways.bounds,
                        uniform_and_normal(cycle_key ^ record.site ^ ((visit * VISIT) & MASK) ^ TRANSITION)[0],
                    )
                target = ways.targets[way]
                if target < 0:
                    if counted and not converted:
                        dropped[index] += 1
                    c.mood, c.left_at, c.total, c.count, c.area = mood, left_at, total, count, area
                    c.peak, c.peak_size, c.peak_tp, c.end_tp, c.cost = peak, peak_size, peak_tp, end_tp, spent_cost
                    return WalkEnd(converted, None, True, pending)
                pending += ways.delays[way]
                if cycle and now + pending > c.until:
                    c.mood, c.left_at, c.total, c.count, c.area = mood, left_at, total, count, area
                    c.peak, c.peak_size, c.peak_tp, c.end_tp, c.cost = peak, peak_size, peak_tp, end_tp, spent_cost
                    return WalkEnd(converted, None, False, 0.0)
                record = stages[target]
                continue
            if visit == 1 and not cycle:
                u = u_row[offset + record.first_transition]
            else:
                u = uniform_and_normal(cycle_key ^ record.site ^ ((visit * VISIT) & MASK) ^ TRANSITION)[0]
            # Conditions read the customer's figures, and the walk ends below: they are written back.
            c.mood, c.left_at, c.total, c.count, c.area = mood, left_at, total, count, area
            c.peak, c.peak_size, c.peak_tp, c.end_tp, c.cost = peak, peak_size, peak_tp, end_tp, spent_cost
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
            if cycle and now + pending > c.until:
                return WalkEnd(converted, None, False, 0.0)
            record = stages[chosen.target]
