"""The experience of a touchpoint: its queue, its failure modes, and the moment it creates.

Every touchpoint that is not walked in line (see :mod:`.walk`) goes through
:meth:`ExperienceRole._experience`: a queue first where it has a capacity
(:meth:`ExperienceRole._queue`: waiting beyond patience hurts, waiting beyond
``renege`` patiences makes the customer give up), then failure modes, then the
moment, from the formulas of :mod:`journeydsl.sim.psychology`, and a trace row
when a trace is written.

Queues
------
A queue serves its customers first come, first served, with a fixed number of
servers, and a visit's service time is drawn when the customer arrives.  Then
nothing that happens later changes when a customer is served, and the queue
needs no SimPy Resource: a heap of the times its servers free up
(:class:`Counter`) gives, on arrival, the start of the visit,
``max(arrival, the earliest time a server frees up)``, and the customer sleeps
once, until the end of the service.  A customer who would wait longer than
``renege`` patiences gives up at that time and takes no server, so the heap
changes only for those served.  This is the Kiefer-Wolfowitz recursion of the
FIFO multi-server queue, with reneging; ``tests/test_queue_heap.py`` holds it to
Erlang C (mean wait), to Erlang A (the share who give up) and to the Resource.

The rule, decided per touchpoint when the plan is compiled
(:attr:`~journeydsl.sim.plan.TouchpointPlan.queue`): a touchpoint with a
capacity queues on the heap (``"heap"``), unless something other than its own
customers' patience can end a wait; then it queues on SimPy's Resource
(``"resource"``), a request raced against patience and closing.  Capacities are
fixed and the language has no priorities, so today that is one case: counters
that send their queues away at closing (``hours { ... at closing turn away }``).

The time series counts customers in the queue from arrival to the start of
their service; a heap customer's leaving is known on arrival and kept in
:class:`WaitingLine` until the clock reaches it, so that the series sees every
change in time order, as with the Resource.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from enum import Enum
from heapq import heappop, heappush, heapreplace
from typing import TYPE_CHECKING, Any

import simpy

from ..plan import Plan, SegmentPlan, StagePlan, TouchpointPlan
from ..psychology import carried_mood, direct_effect, fading_rate, momentary_affect, waiting_affect
from ..series import SeriesCollector
from ..streams import uniform
from .customers import Perceived
from .keys import FAILURE, MASK, NUMBER, VISIT
from .state import EngineState
from .trace_row import TraceRow

if TYPE_CHECKING:
    from .customers import Customer

__all__ = ["Counter", "ExperienceRole", "GaveUp", "MomentWeights", "WaitingLine"]


class GaveUp(Enum):
    """What a queue returns when the customer gave up waiting."""

    GAVE_UP = "gave up"


@dataclass(frozen=True, slots=True)
class MomentWeights:
    """What a moment needs of a segment's settings, looked up once."""

    carry_over: float
    #: How fast carried-over mood fades: ln 2 / half-life, per unit of the journey's time.
    fading: float
    curvature: float
    #: The weight of disconfirmation.
    disconfirmation: float
    #: Affect lost per patience-length waited beyond patience.
    penalty: float
    #: Give up after this many patiences.
    renege: float

    @classmethod
    def of(cls, segment: SegmentPlan, minute: float) -> MomentWeights:
        """A segment's weights; ``minute`` is a minute in the journey's time unit (the half-life is in minutes)."""
        affect, waiting = segment.settings["affect"], segment.settings["waiting"]
        return cls(
            affect["carry_over"],
            fading_rate(affect["half_life"], minute),
            affect["curvature"],
            affect["disconfirmation"],
            waiting["penalty"],
            waiting["renege"],
        )


class Counter:
    """A first-come, first-served queue with ``servers`` servers, worked out on arrival.

    ``free`` is a heap of the times the servers free up (a server that is free
    now freed up in the past).  :meth:`serve` gives a customer's start and takes
    the earliest server until the end of their service.

    Examples
    --------
    >>> counter = Counter(2)
    >>> counter.serve(0.0, 5.0), counter.serve(1.0, 5.0), counter.serve(2.0, 1.0)
    (0.0, 1.0, 5.0)
    >>> counter.start(3.0)  # the next customer would start when the first server frees up
    6.0
    """

    __slots__ = ("free",)

    def __init__(self, servers: int) -> None:
        self.free = [0.0] * servers

    def start(self, arrived: float) -> float:
        """When a customer who arrives at ``arrived`` would be served (nothing changes)."""
        earliest = self.free[0]
        return earliest if earliest > arrived else arrived

    def serve(self, arrived: float, duration: float) -> float:
        """Serve a customer who arrived at ``arrived`` for ``duration``; returns the start of the service."""
        start = self.start(arrived)
        heapreplace(self.free, start + duration)
        return start


class WaitingLine:
    """The number waiting in queues, told to the time series in time order.

    A customer's joining is told at once; their leaving, known in advance on a
    heap queue, is told once the clock has reached it (:meth:`catch_up`).
    """

    __slots__ = ("leaving", "series")

    def __init__(self, series: SeriesCollector) -> None:
        self.series = series
        self.leaving: list[float] = []

    def join(self, time: float) -> None:
        """A customer starts waiting at ``time`` (the clock's time)."""
        if self.leaving:
            self.catch_up(time)
        self.series.queue(time, 1)

    def leave(self, time: float) -> None:
        """A customer stops waiting at ``time`` (the clock's time)."""
        if self.leaving:
            self.catch_up(time)
        self.series.queue(time, -1)

    def will_leave(self, time: float) -> None:
        """A customer will stop waiting at ``time`` (now or later)."""
        heappush(self.leaving, time)

    def catch_up(self, time: float) -> None:
        """Tell the series of every leaving up to ``time``, in time order."""
        leaving = self.leaving
        series = self.series
        while leaving and leaving[0] <= time:
            series.queue(heappop(leaving), -1)


def queues_of(plan: Plan, env: simpy.Environment) -> tuple[list[Counter | None], dict[int, simpy.Resource]]:
    """Each touchpoint's :class:`Counter` (None: no capacity, or a Resource) and the Resources, by index.

    Parameters
    ----------
    plan : Plan
        The compiled journey; each touchpoint's ``queue`` says how it is run.
    env : simpy.Environment
        The replication's clock, for the Resources.
    """
    counters: list[Counter | None] = [None] * len(plan.touchpoints)
    resources: dict[int, simpy.Resource] = {}
    for tp in plan.touchpoints:
        if tp.capacity is None:
            continue
        if tp.queue == "heap":
            counters[tp.index] = Counter(tp.capacity)
        else:
            resources[tp.index] = simpy.Resource(env, capacity=tp.capacity)
    return counters, resources


class ExperienceRole(EngineState):
    """Queues and the experience of a touchpoint (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    #: The heap queue of every touchpoint that has one (None elsewhere), by touchpoint index.
    _counters: list[Counter | None]
    #: The number waiting in queues, for the time series.
    _waiting: WaitingLine

    def _queue(
        self, c: Customer, tp: TouchpointPlan, stage: StagePlan
    ) -> Generator[simpy.Event, Any, TouchpointPlan | GaveUp | None]:
        """Queue for a staffed touchpoint, be served or give up; returns the recovery step, None, or GAVE_UP.

        On a heap queue (see the module's docstring) the customer sleeps once:
        until the end of their service, or until they give up.
        """
        env = self.env
        duration = tp.duration.draw(c.visit_u) if tp.duration is not None else 0.0
        counter = self._counters[tp.index]
        if counter is None:
            return (yield from self._resource_queue(c, tp, stage, duration))
        arrived = env.now
        free = counter.free
        start = free[0]
        if start <= arrived:
            # A server is free: no wait.
            heapreplace(free, arrived + duration)
            wait = 0.0
            yield env.timeout(duration)
        else:
            wait = start - arrived
            waiting = self._waiting
            waiting.join(arrived)
            patience = c.patience
            if patience is not None:
                limit = patience * c.weights.renege
                if wait > limit:
                    # Gives up after `renege` patiences, before a server is free: takes none.
                    waiting.will_leave(arrived + limit)
                    yield env.timeout(limit)
                    self._experience(c, tp, stage, arrived, env.now - arrived, 0.0, True)
                    return GaveUp.GAVE_UP
            waiting.will_leave(start)
            end = start + duration
            heapreplace(free, end)
            yield env.timeout(end - arrived)
        self._served(c, tp.index, duration)
        return self._experience(c, tp, stage, arrived, wait, duration, False)

    def _resource_queue(
        self, c: Customer, tp: TouchpointPlan, stage: StagePlan, duration: float
    ) -> Generator[simpy.Event, Any, TouchpointPlan | GaveUp | None]:
        """:meth:`_queue` on SimPy's Resource: a request raced against patience and closing.

        Where counters turn customers away at closing (``at closing turn away``),
        a customer who finds the counter closed, or is still queueing when it
        closes, is sent away like one who gives up (GAVE_UP).
        """
        env = self.env
        resource = self.resources[tp.index]
        closing = None
        if self._turn_away is not None:
            closes = self._turn_away.next_closing(env.now)
            if closes <= env.now:
                self._experience(c, tp, stage, env.now, 0.0, 0.0, True, turned_away=True)
                return GaveUp.GAVE_UP
            closing = env.timeout(closes - env.now) if closes != math.inf else None
        request = resource.request()
        arrived = env.now
        # Whether the customer waits (no server free): the time series counts them in the queue.
        queued = not request.triggered
        if queued:
            self._waiting.join(arrived)
        if c.patience is None and closing is None:
            yield request
        else:
            waiting = request if c.patience is None else request | env.timeout(c.patience * c.weights.renege)
            result = yield waiting if closing is None else waiting | closing
            if request not in result:
                request.cancel()
                if queued:
                    self._waiting.leave(env.now)
                turned_away = closing is not None and closing in result
                self._experience(c, tp, stage, arrived, env.now - arrived, 0.0, True, turned_away=turned_away)
                return GaveUp.GAVE_UP
        wait = env.now - arrived
        if queued:
            self._waiting.leave(env.now)
        yield env.timeout(duration)
        resource.release(request)
        self._served(c, tp.index, duration)
        return self._experience(c, tp, stage, arrived, wait, duration, False)

    def _served(self, c: Customer, index: int, duration: float) -> None:
        """A service of ``duration`` at counter ``index`` has just ended: its busy time, and the last service's end.

        Busy time counts while customers arrive (the steady state), or all along
        for a cohort, which has no steady state and is observed until served out.
        """
        if c.counted and (self.arrivals_end == math.inf or self.cohort):
            self.collector.busy[index] += duration
        now = self.env.now
        if now > self.last_service_end:
            self.last_service_end = now

    def _experience(
        self,
        c: Customer,
        tp: TouchpointPlan,
        stage: StagePlan,
        time: float,
        wait: float,
        duration: float,
        reneged: bool,
        turned_away: bool = False,
    ) -> TouchpointPlan | None:
        """The moment a touchpoint creates; returns the recovery touchpoint of a failure, if any.

        ``reneged``: the customer left the queue unserved, by giving up or, with
        ``turned_away``, sent away at closing.  Being sent away is felt like giving
        up: the waiting term of ``renege`` patiences waited (whatever the wait).

        ``time`` is when the customer reached the touchpoint (before any queue):
        the mood they carry in has faded since they left their last one
        (``c.left_at``, which the walk sets once the touchpoint is done).
        """
        weights = c.weights
        failed = None
        if reneged:
            direct = 0.0
            disconfirmed = 0.0
            noise = 0.0
        else:
            sens = c.sens
            direct = (
                c.directs[tp.index]
                if c.directs is not None
                else direct_effect(tp.theme_total, self._modules[tp.index], sens)
            )
            performance = tp.performance
            if tp.failures:
                for number, failure in enumerate(tp.failures):
                    visit_key = c.key ^ self._tp_site[tp.index] ^ ((c.tp_visits[tp.index] * VISIT) & MASK)
                    if uniform(visit_key ^ FAILURE ^ ((number * NUMBER) & MASK)) < failure.probability:
                        failed = failure
                        c.failed += 1
                        if failure.recovery is None:
                            c.unrecovered += 1
                        # The failure's effects add to the touchpoint's.
                        direct = direct_effect(
                            direct + failure.theme_total, [(m, v) for m, v in enumerate(failure.modules) if v], sens
                        )
                        if failure.performance:
                            performance = performance + failure.performance
                        break
            disconfirmed = self._disconfirmation(c, performance) if performance else 0.0
            noise = tp.noise * c.visit_z
        patience = c.patience
        # No wait, no waiting affect (most visits do not queue; waiting_affect() would give 0 too).
        waited = waiting_affect(wait, patience, weights.penalty) if patience is not None and wait else 0.0
        if turned_away:
            waited = waiting_affect(weights.renege, 1.0, weights.penalty)
        # The mood carried in from the last moment, faded since the customer left that touchpoint.
        carried = carried_mood(c.mood, weights.carry_over, time - c.left_at, weights.fading)
        moment = momentary_affect(direct, disconfirmed, waited, noise, carried)
        c.mood = moment
        c.mood_in[tp.index] += carried
        # The integral of affect over the episode: this moment for the time spent here, queue included.
        c.area += moment * (wait + duration)
        if c.trail is not None:
            c.trail.append((stage.index, moment, wait + duration))
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
            if turned_away:
                collector.turned_away[index] += 1
            elif reneged:
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

        :func:`~journeydsl.sim.psychology.disconfirmation` of the customer's
        ``(performance, expectation, importance)`` per factor, written out (it runs
        in the hot loop; ``tests/test_psychology_engine.py`` holds the two equal).
        Also adds the performance to what the customer perceived per factor (for
        the gap analysis and the expectations of the next cycle).
        """
        weights = c.weights
        curvature = weights.curvature
        expect = c.expect
        importance = c.importance
        loss = c.loss
        perceived = c.perceived
        if perceived is None:
            perceived = c.perceived = Perceived({}, {})
        totals = perceived.totals
        counts = perceived.counts
        disconfirmed = 0.0
        for f, value in performance:
            # psychology.factor_disconfirmation(), written out: this runs at every visit with performance.
            gap = value - expect[f]
            if gap >= 0:
                disconfirmed += importance[f] * 0.1 * gap**curvature
            else:
                disconfirmed -= importance[f] * 0.1 * loss * (-gap) ** curvature
            totals[f] = totals.get(f, 0.0) + value
            counts[f] = counts.get(f, 0) + 1
        return disconfirmed * weights.disconfirmation
