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
from ..plan import StagePlan
from ..psychology import nps_shares, return_probability, update_expectation
from ..streams import uniform
from .keys import CYCLE, MASK, RETURN
from .state import EngineState

if TYPE_CHECKING:
    from .customers import Customer
    from .judgement import Judgement

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
    """A customer's stay, cycle after cycle (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _customer(self, c: Customer) -> Generator[simpy.Event, Any, None]:
        """The customer's process: their cycles, then their outcomes to the collector."""
        plan = self.plan
        env = self.env
        collector = self.collector
        stage: StagePlan | None = plan.stages[0]
        first: Judgement | None = None
        while stage is not None and c.cycle < MAX_CYCLES:
            cycle_start = env.now
            walked = yield from self._walk(c, stage)
            collector.visited(c.count)
            if walked.leaving is None and not c.care_next:
                # No visit is left to this customer: their numbers and visit counts, sized by the
                # journey, go before they wait out the walk.
                c.release()
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
                if uniform(c.key ^ RETURN ^ ((c.cycle * CYCLE) & MASK)) >= return_probability(
                    c.carried, loyalty["intercept"], loyalty["slope"]
                ):
                    break
            adaptation = c.settings["expectations"]["adaptation"]
            if c.perceived is not None:
                counts = c.perceived.counts
                for f, total in c.perceived.totals.items():
                    c.expect[f] = update_expectation(c.expect[f], total / counts[f], adaptation)
            c.cycle += 1
            collector.repeat_purchases += c.counted
            self.series.come_back(env.now)
            c.new_cycle()
            stage = plan.stages[leaving.target]
        if first is None:
            collector.in_progress += c.counted
            return
        if c.care_next:
            self._care_until(c, c.until if c.until != math.inf else env.now, effects=False)
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
