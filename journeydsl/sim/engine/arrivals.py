"""Arrivals: who comes when, by a cohort, a Poisson process or a Bass market, and referred customers.

The rate of Poisson and market arrivals is scaled by the brand image
(:meth:`ArrivalRole._brand_factor`); every arrival becomes a customer process
(:meth:`ArrivalRole._arrive`).  With opening hours the gaps are drawn as
before but measured in weighted open time (:class:`~journeydsl.sim.schedule.Schedule`):
nobody arrives while closed, and a busier band brings arrivals faster.  A referred customer arrives after an
exponential delay, with a key that comes from the story that brought them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

import simpy

from ..schedule import Schedule
from ..streams import mix, uniform, uniform_and_normal
from .keys import DELAY
from .state import EngineState

if TYPE_CHECKING:
    from .customers import Customer

__all__ = ["ArrivalRole"]


class ArrivalRole(EngineState):
    """The engine's arrivals (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _start_arrivals(self) -> None:
        """Start the arrivals: Poisson arrivals without opening hours by callbacks, the others as a process."""
        if self.plan.arrivals.kind == "poisson" and self.plan.schedule is None:
            self._poisson_count = 0
            self._poisson_next()
        else:
            self.env.process(self._arrivals())

    def _poisson_next(self) -> None:
        """Schedule the next Poisson arrival, at the written rate times the brand factor read now."""
        rate = self.plan.arrivals.rate * self._brand_factor()
        self.env.timeout(self.arrival_rng.expovariate(rate)).callbacks.append(self._on_poisson)

    def _on_poisson(self, event: simpy.Event) -> None:
        """A Poisson arrival (without opening hours): the next is scheduled, then the customer comes.

        The same as :meth:`_poisson` (which the process of other arrivals runs),
        one callback per arrival: the next gap is drawn before the customer
        arrives, which reads the brand as :meth:`_poisson` does (a customer's
        arrival and walk never change it).
        """
        now = self.env.now
        limit = self.run.customers
        if self.horizon is not None and limit is None and now >= self.horizon:
            self.arrivals_end = now
            return
        count = self._poisson_count = self._poisson_count + 1
        if limit is None or count < limit:
            self._poisson_next()
        else:
            self.arrivals_end = now
        self._arrive(now, walk=True)
        if self.progress is not None:
            self._report(count, limit)

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        """The arrival process; notes when it stops."""
        kind = self.plan.arrivals.kind
        if kind == "cohort":
            yield from self._cohort()
        elif kind == "poisson":
            yield from self._poisson()
        else:
            yield from self._market()
        self.arrivals_end = self.env.now

    def _cohort(self) -> Generator[simpy.Event, Any, None]:
        """A cohort: everyone at once, or one every ``over / count`` (of open time, with opening hours)."""
        arrivals = self.plan.arrivals
        env = self.env
        limit = self.run.customers
        count = limit if limit is not None else arrivals.count
        schedule = self.plan.schedule
        if schedule is not None:
            yield from self._scheduled_cohort(count, schedule)
            return
        spacing = arrivals.over / count if arrivals.over and count else 0.0
        for number in range(count):
            self._arrive(env.now)
            self._report(number + 1, count)
            if spacing:
                yield env.timeout(spacing)

    def _scheduled_cohort(self, count: int, schedule: Schedule) -> Generator[simpy.Event, Any, None]:
        """A cohort in opening hours: all at the first open moment, or spread evenly over the period's open time."""
        env = self.env
        spacing = schedule.weighted_time(0.0, self.plan.arrivals.over) / count if count else 0.0
        for number in range(count):
            arrival = schedule.advance(0.0, number * spacing)
            if arrival > env.now:
                yield env.timeout(arrival - env.now)
            self._arrive(env.now)
            self._report(number + 1, count)

    def _next_arrival(self, rate: float) -> Generator[simpy.Event, Any, bool]:
        """Wait for the next arrival at ``rate`` (per unit of weighted open time with opening hours).

        Returns False instead when arrivals stop at the horizon first (then the
        clock stands at the horizon).
        """
        env = self.env
        gap = self.arrival_rng.expovariate(rate)
        schedule = self.plan.schedule
        if schedule is None:
            yield env.timeout(gap)
            return not (self.horizon is not None and self.run.customers is None and env.now >= self.horizon)
        arrival = schedule.advance(env.now, gap)
        if self.horizon is not None and self.run.customers is None and arrival >= self.horizon:
            # The next arrival lies beyond the horizon, maybe days later: arrivals stop at the horizon.
            yield env.timeout(max(0.0, self.horizon - env.now))
            return False
        yield env.timeout(arrival - env.now)
        return True

    def _poisson(self) -> Generator[simpy.Event, Any, None]:
        """Poisson arrivals at the written rate times the brand factor, read at each arrival."""
        arrivals = self.plan.arrivals
        env = self.env
        rng = self.arrival_rng
        limit = self.run.customers
        count = 0
        reporting = self.progress is not None
        if self.plan.schedule is not None:
            while limit is None or count < limit:
                if not (yield from self._next_arrival(arrivals.rate * self._brand_factor())):
                    return
                self._arrive(env.now)
                count += 1
                if reporting:
                    self._report(count, limit)
            return
        while limit is None or count < limit:
            rate = arrivals.rate * self._brand_factor()
            yield env.timeout(rng.expovariate(rate))
            if self.horizon is not None and limit is None and env.now >= self.horizon:
                return
            self._arrive(env.now)
            count += 1
            if reporting:
                self._report(count, limit)

    def _market(self) -> Generator[simpy.Event, Any, None]:
        """A finite market: each who has not adopted adopts at the story-driven Bass hazard times the brand factor.

        The hazard is ``p + q V / N``: innovation, and imitation driven by the
        adopters' voices added up (``V``; see
        :meth:`~journeydsl.sim.engine.word_of_mouth.WordOfMouthRole._voice`).  An
        adopter speaks with a voice of 1 from adoption, the Bass model's; once
        their cycle is judged, their story makes it louder or turns it against
        the brand.  Negative voices can silence the positive ones but not the
        innovators: the imitation term is never below 0.  The rate is read at
        every adoption (between adoptions the voices that changed wait for the
        next one; adoptions are frequent compared with the market's pace).
        """
        arrivals = self.plan.arrivals
        env = self.env
        limit = self.run.customers
        market = arrivals.count if limit is None else min(limit, arrivals.count)
        series = self.series
        while self.adopters < arrivals.count and (limit is None or self.adopters < market):
            remaining = arrivals.count - self.adopters
            voices = self.voices if self.voices > 0.0 else 0.0
            hazard = arrivals.innovation + arrivals.imitation * voices / arrivals.count
            rate = hazard * remaining * self._brand_factor()
            if rate <= 0:
                return
            if not (yield from self._next_arrival(rate)):
                return
            self.adopters += 1
            c = self._arrive(env.now)
            c.voice = self._wom[c.segment.index].propensity
            self.voices += c.voice
            series.voices(env.now, self.voices)
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

    def _arrive(self, now: float, key: int | None = None, walk: bool = False) -> Customer:
        """A new customer: the n-th arrival, or a referred customer whose key comes from the referrer.

        In a journey with queues the customer is a process, or, when every queue
        is on the heap, a generator driven by callbacks (started now when
        ``walk``, else by an urgent callback of this instant); without queues,
        their first cycle is walked now when ``walk`` (the caller has nothing left to do in
        this instant) and by an urgent callback of this instant otherwise, as a
        process would start.
        """
        index = self.next_index
        self.next_index += 1
        u_row: Sequence[float]
        z_row: Sequence[float]
        if key is None:
            self.arrivals_made += 1
            key, u_row, z_row, offset, chosen = self.blocks.customer(self.arrivals_made)
            derived = self.blocks.derived(self.arrivals_made)
        else:
            drawn = [uniform_and_normal(key ^ column) for column in self._columns.keys]
            u_row = [u for u, _ in drawn]
            z_row = [z for _, z in drawn]
            chosen = [bisect_right(bounds, u_row[column]) for column, bounds in self._choices]
            offset = 0
            derived = None
        c = self._make_customer(index, now, key, u_row, z_row, offset, derived)
        c.choices = chosen
        self.series.arrive(now)
        if self._queues:
            if not self._driven:
                self.env.process(self._customer(c))
            elif walk:
                self._drive(c)
            else:
                self._at_once(c, self._on_drive)
        elif walk:
            self._begin(c)
        else:
            self._at_once(c, self._on_begin)
        return c

    def _brand_factor(self) -> float:
        """How the brand image scales arrivals: ``max(0, 1 + brand_arrivals * brand)``."""
        return max(0.0, 1.0 + self._brand_arrivals * self.brand)

    def _referral(self, key: int) -> Generator[simpy.Event, Any, None]:
        """A referred customer, after an exponential delay (within the horizon when arrivals stop there).

        With opening hours, one whose delay ends while closed comes at the next opening.
        """
        delay = self.plan.settings["word_of_mouth"]["referral_delay"] * self.plan.day
        yield self.env.timeout(-delay * math.log(1.0 - uniform(key ^ DELAY)) if delay > 0 else 0.0)
        schedule = self.plan.schedule
        if schedule is not None and not schedule.is_open(self.env.now):
            yield self.env.timeout(schedule.advance(self.env.now, 0.0) - self.env.now)
        if self.horizon is None or self.run.customers is not None or self.env.now < self.horizon:
            self._arrive(self.env.now, mix(key))
