"""Care programmes: contacts that reach converted customers every period, delivered lazily.

A programme reaches each customer of its audience first at a random point of
its first period after their conversion, then every period.  Contacts are
delivered when the customer next decides whether to return (no SimPy events
while they wait): each is a moment of direct effects only, costs its cost, and
adds ``care.weight`` times its effect to the satisfaction carried into that
decision.

A customer with a care budget (``care budget 500 per year for tier A``) gets
their contacts in the order they fall due, each only if it fits in what is
left of the budget of its period (periods run from the customer's first
conversion); a contact that does not fit is not made: it costs nothing, does
nothing and is counted (:attr:`~journeydsl.sim.metrics.Collector.over_budget`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..plan import CareBudgetPlan, CarePlan
from ..psychology import cared_satisfaction, direct_effect
from ..streams import uniform
from .state import EngineState
from .trace_row import TraceRow

if TYPE_CHECKING:
    from .customers import Customer

__all__ = ["BudgetLedger", "CareRole", "CareSchedule"]


@dataclass(slots=True)
class BudgetLedger:
    """What a customer's care contacts have cost in the current period of their care budget."""

    budget: CareBudgetPlan
    #: When the customer's first period began (their first conversion).
    since: float
    #: The period being spent, counted from 0, and what it has spent so far.
    period: int = 0
    spent: float = 0.0

    def pay(self, cost: float, due: float) -> bool:
        """Spend ``cost`` on a contact due at ``due`` if it fits in its period's budget; whether it did.

        Examples
        --------
        >>> ledger = BudgetLedger(CareBudgetPlan(100.0, 365.0, "tier B"), since=0.0)
        >>> ledger.pay(40.0, 10.0), ledger.pay(40.0, 200.0), ledger.pay(40.0, 300.0), ledger.pay(40.0, 400.0)
        (True, True, False, True)
        """
        period = int((due - self.since) // self.budget.period) if self.budget.period > 0 else 0
        if period != self.period:
            self.period, self.spent = period, 0.0
        # A contact that exactly exhausts the budget fits (sums of decimal costs may round just above it).
        if self.spent + cost > self.budget.amount + 1e-9 * max(1.0, self.budget.amount):
            return False
        self.spent += cost
        return True


@dataclass(slots=True)
class CareSchedule:
    """A care programme a customer is enrolled in, and when it next reaches them."""

    programme: CarePlan
    due: float
    #: The customer's care budget, shared by all their programmes (None: no budget).
    ledger: BudgetLedger | None = None


class CareRole(EngineState):
    """Care programmes (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _start_care(self, c: Customer, since: float) -> None:
        """Enrol a customer converted at ``since`` in their tier's care programmes.

        A programme that runs every T reaches the customer first at a random point
        of its first period (birthdays and holidays fall anywhere in the year
        after a purchase), then every T.
        """
        programmes = []
        budgets = self.plan.care_budgets
        budget = budgets[c.segment.index] if budgets else None
        ledger = BudgetLedger(budget, since) if budget is not None else None
        for number, care in enumerate(self.plan.care):
            if care.every <= 0:
                continue
            if care.audience == "tier" and c.segment.tier != care.name:
                continue
            if care.audience == "segment" and c.segment.name != care.name:
                continue
            programmes.append(CareSchedule(care, since + uniform(c.key ^ self._care_site[number]) * care.every, ledger))
        c.care_next = programmes

    def _care_until(self, c: Customer, now: float, effects: bool = True) -> None:
        """Deliver the care contacts due up to ``now`` (lazily: no events while the customer waits)."""
        if not c.care_next:
            return
        if c.care_next[0].ledger is not None:
            self._care_within_budget(c, now, effects)
            return
        weight = c.settings["care"]["weight"]
        for schedule in c.care_next:
            care = schedule.programme
            due = schedule.due
            while due <= now:
                self._deliver(c, care, due, weight, effects)
                due += care.every
            schedule.due = due

    def _care_within_budget(self, c: Customer, now: float, effects: bool) -> None:
        """Deliver the contacts due up to ``now`` in the order they fall due, each if it fits in the budget."""
        weight = c.settings["care"]["weight"]
        schedules = c.care_next or []
        while schedules:
            schedule = min(schedules, key=lambda s: s.due)
            due = schedule.due
            if due > now:
                return
            care = schedule.programme
            schedule.due = due + care.every
            ledger = schedule.ledger
            if ledger is not None and not ledger.pay(care.touchpoint.cost, due):
                if c.counted:
                    self.collector.over_budget[care.touchpoint.index] += 1
                continue
            self._deliver(c, care, due, weight, effects)

    def _deliver(self, c: Customer, care: CarePlan, due: float, weight: float, effects: bool) -> None:
        """One care contact: its cost, its moment, and (with ``effects``) its lift to the satisfaction carried."""
        tp = care.touchpoint
        direct = (
            c.directs[tp.index]
            if c.directs is not None
            else direct_effect(tp.theme_total, self._modules[tp.index], c.sens)
        )
        if effects:
            c.carried = cared_satisfaction(c.carried, direct, weight)
        c.cost += tp.cost
        if self.trace is not None:
            # A care contact belongs to no stage, has no queue, takes no time and cannot fail.
            self.trace(
                TraceRow(
                    replication=self.replication,
                    customer=c.index,
                    segment=c.segment.name,
                    cycle=c.cycle,
                    stage="",
                    touchpoint=tp.name,
                    channel=tp.channel,
                    time=due,
                    wait=0.0,
                    duration=0.0,
                    affect=direct,
                    failure="",
                    reneged=False,
                )
            )
        visits = c.tp_visits
        visits[tp.index] += 1
        if visits[tp.index] == 1:
            c.reached[tp.index] += 1
        if c.counted:
            c.moments[tp.index].append(direct)
