"""A customer's stay: purchase cycles, repeat purchases, and the outcomes they leave.

A customer walks the journey (:mod:`.walk`); when the walk ends the cycle is
judged (:mod:`.judgement`).  A repeat-purchase transition then waits its delay,
lets care programmes work (:mod:`.care`), decides by the return probability
(or the written chance), adapts the customer's expectations to what they met,
and starts another cycle, within the customer's horizon and at most
``MAX_CYCLES`` of them.  The first cycle's judgement, with what the whole stay
brought (referrals, cost, revenue), is the customer's outcome.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from ..metrics import CustomerOutcomes, PairedOutcome
from ..plan import StagePlan, TransitionPlan
from ..psychology import nps_shares, return_probability, update_expectation
from ..streams import uniform
from .keys import CYCLE, MASK, RETURN
from .state import EngineState

if TYPE_CHECKING:
    from .customers import Customer
    from .walk import WalkEnd

__all__ = ["CycleRole", "MAX_CYCLES", "NpsShares"]

#: Purchase cycles a customer makes at most.
MAX_CYCLES = 100


@dataclass(frozen=True, slots=True)
class NpsShares:
    """A respondent's promoter, passive and detractor shares and NPS, for one 0..10 score."""

    promoter: float
    passive: float
    detractor: float
    nps: float


#: :func:`~journeydsl.sim.psychology.nps_shares` of every score, looked up once (a customer reads theirs).
_NPS_SHARES = tuple(NpsShares(*nps_shares(score)) for score in range(11))


class CycleRole(EngineState):
    """A customer's stay, cycle after cycle (a role of :class:`~journeydsl.sim.engine.replication.Engine`).

    A journey with queues walks each customer with :meth:`_customer`, which
    sleeps in the queues and waits out the time the walk has left: driven by
    callbacks when every queue is on the heap (:meth:`_drive`), else as a SimPy
    process (a Resource queue waits on requests and conditions).  Without
    queues a walk never waits: it runs through when the customer arrives (or
    comes back), and one scheduled callback closes the cycle when its time is
    up (:meth:`_begin`, :meth:`_on_close`, :meth:`_on_return`).  They all do the
    same things in the same order of the clock, so their results are the same
    (``tests/test_engine_callbacks.py``, ``tests/test_queue_callbacks.py``).
    """

    def _customer(self, c: Customer) -> Generator[simpy.Event, Any, None]:
        """The customer's process (a journey with queues): their cycles, then their outcomes to the collector."""
        env = self.env
        stage: StagePlan | None = self.plan.stages[0]
        while stage is not None and c.cycle < MAX_CYCLES:
            cycle_start = env.now
            walked = yield from self._walk(c, stage)
            self._walked(c, walked)
            if not walked.finished:
                break
            if walked.pending:
                # What the walk has left to run: its touchpoints since the last wait.
                yield env.timeout(walked.pending)
            leaving = self._closed(c, walked.converted, env.now - cycle_start, walked.leaving)
            if leaving is None:
                break
            if leaving.delay:
                yield env.timeout(leaving.delay)
            stage = self._comes_back(c, leaving)
        self._leave(c)

    def _drive(self, c: Customer) -> None:
        """Run the customer's process (:meth:`_customer`) by callbacks, without a SimPy process.

        For a journey whose every queue is on the heap: the customer then only
        ever sleeps in timeouts, and each timeout's callback resumes their
        generator, where a process would.  The generator starts now (the caller
        has nothing left to do in this instant, as when a process starts); a
        process's start and end are events that nothing waits for, so the
        clock orders every other event as it would with processes.
        """
        steps = self._customer(c)
        send = steps.send

        def wake(event: simpy.Event | None) -> None:
            try:
                send(None).callbacks.append(wake)
            except StopIteration:
                pass

        wake(None)

    def _on_drive(self, event: simpy.Event) -> None:
        """The callback of a driven customer's deferred start (see :meth:`ArrivalRole._arrive`)."""
        self._drive(event._value)

    def _begin(self, c: Customer) -> None:
        """Walk a customer's first cycle now (a journey without queues) and close it when its time is up."""
        self._walk_through(c, self.plan.stages[0], later=True)

    def _on_begin(self, event: simpy.Event) -> None:
        """The callback of a customer's deferred first walk (see :meth:`ArrivalRole._arrive`)."""
        self._walk_through(event._value, self.plan.stages[0], later=False)

    def _walk_through(self, c: Customer, stage: StagePlan, later: bool) -> None:
        """Walk a cycle that never waits, and close it now or when its time is up.

        ``later``: the cycle is walked at the customer's arrival, ahead of the
        moment a process would have walked it; a cycle without time is then
        closed by an urgent event of the same instant, where the process would
        have closed it.
        """
        env = self.env
        c.cycle_start = env.now
        walk = self._walk(c, stage)
        try:
            walk.send(None)
        except StopIteration as stop:
            walked: WalkEnd = stop.value
        else:  # pragma: no cover - only a queue makes a walk wait
            raise AssertionError("a walk without queues waited")
        self._walked(c, walked)
        if not walked.finished:
            self._leave(c)
            return
        c.walked = walked
        if walked.pending:
            env.timeout(walked.pending, c).callbacks.append(self._on_close)
        elif later:
            self._at_once(c, self._on_close)
        else:
            self._close_now(c, walked)

    def _on_close(self, event: simpy.Event) -> None:
        """The callback that closes a walked cycle when its time is up."""
        c: Customer = event._value
        walked = c.walked
        assert walked is not None
        self._close_now(c, walked)

    def _close_now(self, c: Customer, walked: WalkEnd) -> None:
        """Close a walked cycle now; then the customer leaves, waits to come back, or comes back."""
        leaving = self._closed(c, walked.converted, self.env.now - c.cycle_start, walked.leaving)
        c.walked = None
        if leaving is None:
            self._leave(c)
        elif leaving.delay:
            c.leaving = leaving
            self.env.timeout(leaving.delay, c).callbacks.append(self._on_return)
        else:
            self._return_now(c, leaving)

    def _on_return(self, event: simpy.Event) -> None:
        """The callback of a repeat purchase's delay: the customer decides whether to come back."""
        c: Customer = event._value
        leaving = c.leaving
        assert leaving is not None
        c.leaving = None
        self._return_now(c, leaving)

    def _return_now(self, c: Customer, leaving: TransitionPlan) -> None:
        stage = self._comes_back(c, leaving)
        if stage is None or c.cycle >= MAX_CYCLES:
            self._leave(c)
        else:
            self._walk_through(c, stage, later=False)

    def _walked(self, c: Customer, walked: WalkEnd) -> None:
        """What follows every walk: its moments are reported, and a customer with no visit left lets go of their numbers."""
        self.collector.visited(c.count)
        if walked.leaving is None and not c.care_next:
            # No visit is left to this customer: their numbers and visit counts, sized by the
            # journey, go before they wait out the walk.
            c.release()

    def _closed(
        self, c: Customer, converted: bool, duration: float, leaving: TransitionPlan | None
    ) -> TransitionPlan | None:
        """Judge the cycle that ends; returns the repeat-purchase transition when the stay may go on, else None."""
        judgement = self._close_cycle(c, converted, duration)
        if c.first is None:
            c.first = judgement
        self.collector.cycles += c.counted
        if leaving is None or self.env.now + leaving.delay > c.until:
            return None
        return leaving

    def _comes_back(self, c: Customer, leaving: TransitionPlan) -> StagePlan | None:
        """After a repeat purchase's delay: care programmes work, then the customer comes back (the stage) or not."""
        now = self.env.now
        self._care_until(c, now)
        if leaving.loyalty:
            loyalty = c.settings["loyalty"]
            if uniform(c.key ^ RETURN ^ ((c.cycle * CYCLE) & MASK)) >= return_probability(
                c.carried, loyalty["intercept"], loyalty["slope"]
            ):
                return None
        adaptation = c.settings["expectations"]["adaptation"]
        if c.perceived is not None:
            counts = c.perceived.counts
            for f, total in c.perceived.totals.items():
                c.expect[f] = update_expectation(c.expect[f], total / counts[f], adaptation)
        c.cycle += 1
        self.collector.repeat_purchases += c.counted
        self.series.come_back(now)
        c.new_cycle()
        return self.plan.stages[leaving.target]

    def _leave(self, c: Customer) -> None:
        """The end of a stay: the first cycle's outcomes, with what the whole stay brought, to the collector."""
        collector = self.collector
        first = c.first
        if first is None:
            collector.in_progress += c.counted
            return
        if c.care_next:
            self._care_until(c, c.until if c.until != math.inf else self.env.now, effects=False)
        if c.counted:
            # The first cycle's outcomes, completed with what the whole stay brought.
            score = first.recommendation
            shares = _NPS_SHARES[score]
            outcomes = CustomerOutcomes(
                1.0 if first.converted else 0.0,
                first.remembered,
                first.satisfaction,
                shares.nps,
                shares.promoter,
                shares.passive,
                shares.detractor,
                first.returning,
                float(c.referrals),
                first.duration,
                c.cost,
                c.revenue,
            )
            collector.customer(c.segment.index, outcomes, score, c.recovery)
            if collector.records is not None:
                # Whether this customer would come back: the same keyed number in every design.
                comes_back = uniform(c.key ^ RETURN) < first.returning
                collector.records[c.key] = PairedOutcome(c.segment.index, comes_back, outcomes)
