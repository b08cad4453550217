"""Staffing: what the servers of staffed touchpoints cost, and how busy their open hours were.

A touchpoint written ``capacity 3 staff cost 25 per hour`` pays each of its
servers for every hour it is staffed: its opening hours (every hour, without
``hours``) from the warm-up until arrivals stop.  The total is shared equally by
the customers counted, so it shows in their cost per customer and in every
profit; see ``docs/model.md`` (Staff cost).
"""

from __future__ import annotations

import math

from .state import EngineState

__all__ = ["StaffingRole"]


class StaffingRole(EngineState):
    """Staff cost and staffed time (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _pay_staff(self, observed_until: float) -> None:
        """Staffed time, staff cost per touchpoint, and each counted customer's share of it.

        Counters are staffed in opening hours (always, without them) from the
        warm-up until arrivals stop: at the horizon when they stop there, else at
        the last arrival; a cohort's until its counters have served everyone.  Each server costs the touchpoint's ``staff cost`` for
        that time; the total is shared equally by the customers counted.

        Parameters
        ----------
        observed_until : float
            The end of the time utilisation is measured over (the end of the arrivals or of the run).
        """
        collector = self.collector
        schedule = self.plan.schedule
        warmup = self.run.warmup
        stops_at_horizon = self.horizon is not None and self.run.customers is None
        paid_until = self.horizon if stops_at_horizon and self.horizon is not None else self.arrivals_end
        if self.cohort and not stops_at_horizon:
            paid_until = observed_until  # a cohort's counters are staffed until they have served everyone
        if not math.isfinite(paid_until):
            paid_until = observed_until
        if schedule is None:
            collector.staffed_time = collector.observed_time
            collector.paid_time = max(0.0, paid_until - warmup)
        else:
            collector.staffed_time = schedule.open_time(warmup, max(warmup, observed_until))
            collector.paid_time = schedule.open_time(warmup, max(warmup, paid_until))
        collector.staff_cost = [
            (tp.capacity or 0) * tp.staff_cost * collector.paid_time for tp in self.plan.touchpoints
        ]
        if collector.customers:
            collector.share_cost(sum(collector.staff_cost) / collector.customers)
