"""`journey profile`: which experience themes and modules a design delivers, per segment.

Mean exposure per customer to each of the ten experience themes and five
experience modules, per design and per segment: the effects written at the
touchpoints, times how often simulated customers met them.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._version import __version__
from ..sim.metrics import Collector
from ..sim.plan import MODULE_NAMES, THEME_NAMES, Plan
from ..sim.results import Document, provenance, rounded
from ..sim.runner import Outcome

__all__ = ["PROFILE_SCHEMA", "profile"]

PROFILE_SCHEMA = "journeydsl.profile/1"


def _exposures(
    plan: Plan, collectors: Sequence[Collector], segment: int | None
) -> tuple[dict[str, float], dict[str, float], int]:
    themes = [0.0] * len(THEME_NAMES)
    modules = [0.0] * len(MODULE_NAMES)
    customers = 0
    for collector in collectors:
        customers += collector.customers if segment is None else collector.segment_customers[segment]
        visits = collector.visits if segment is None else collector.segment_visits[segment]
        for tp in plan.touchpoints:
            count = visits[tp.index]
            if not count:
                continue
            for i, value in enumerate(tp.themes):
                themes[i] += value * count
            for i, value in enumerate(tp.modules):
                modules[i] += value * count
    divide = customers or 1
    return (
        {name: rounded(themes[i] / divide) for i, name in enumerate(THEME_NAMES)},
        {name: rounded(modules[i] / divide) for i, name in enumerate(MODULE_NAMES)},
        customers,
    )


def profile(outcomes: Sequence[Outcome]) -> Document:
    """Theme and module exposure per customer, per design and per segment (``journeydsl.profile/1``).

    Parameters
    ----------
    outcomes : sequence of Outcome
        One simulated outcome per design, in the order the document lists them.
    """
    if not outcomes:
        raise ValueError("a profile needs at least one design")
    result = {}
    for outcome in outcomes:
        plan = outcome.plan
        groups = {}
        for label, segment in [("all customers", None), *((s.name, s.index) for s in plan.segments)]:
            themes, modules, counted = _exposures(plan, outcome.collectors, segment)
            groups[label] = {"customers": counted, "themes": themes, "modules": modules}
        result[outcome.design] = groups
    return {
        "schema": PROFILE_SCHEMA,
        "journeydsl": __version__,
        "journey": outcomes[0].journey.name,
        "designs": result,
        **provenance(outcomes[0].settings, outcomes[0].journey.source_sha256),
    }
