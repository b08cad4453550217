"""Care programmes: contacts that reach converted customers every period, delivered lazily.

A programme reaches each customer of its audience first at a random point of
its first period after their conversion, then every period.  Contacts are
delivered when the customer next decides whether to return (no SimPy events
while they wait): each is a moment of direct effects only, costs its cost, and
adds ``care.weight`` times its effect to the satisfaction carried into that
decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..plan import CarePlan
from ..psychology import cared_satisfaction, direct_effect
from ..streams import uniform
from .state import EngineState
from .trace_row import TraceRow

if TYPE_CHECKING:
    from .customers import Customer

__all__ = ["CareRole", "CareSchedule"]


@dataclass(slots=True)
class CareSchedule:
    """A care programme a customer is enrolled in, and when it next reaches them."""

    programme: CarePlan
    due: float


class CareRole(EngineState):
    """Care programmes (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _start_care(self, c: Customer, since: float) -> None:
        """Enrol a customer converted at ``since`` in their tier's care programmes.

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
            programmes.append(CareSchedule(care, since + uniform(c.key ^ self._care_site[number]) * care.every))
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
                    else direct_effect(tp.theme_total, self._modules[tp.index], c.sens)
                )
                if effects:
                    c.carried = cared_satisfaction(c.carried, direct, weight)
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
