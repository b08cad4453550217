"""Themes, modules and the delivery gap: what a design delivers, and what customers actually get.

- **Profile** (``journey profile``): mean exposure per customer to each of the
  ten experience themes and five experience modules, per design and per
  segment: the effects written at the touchpoints, times how often customers
  meet them.
- **Delivery gap** (``journey delivery``): per touchpoint, the effect the
  designer intended (the nominal effect as written: module and theme effects,
  plus performance against the journey's expectations) against what simulated
  customers felt there (after their sensitivities, expectations, loss
  aversion, waiting and failures); and, overall, the share of customers who
  rate the experience as superior (9 or 10 out of 10) next to what the design
  intends.  Firms overrate themselves: 80% believe they deliver a superior
  experience, 8% of their customers agree (Allen et al. 2005).
"""

from __future__ import annotations

from .._version import __version__
from ..lang.graph import nominal_score
from ..lang.model import Journey
from ..sim.runner import rounded

__all__ = ["PROFILE_SCHEMA", "DELIVERY_SCHEMA", "profile", "delivery_gap"]

PROFILE_SCHEMA = "journeydsl.profile/1"
DELIVERY_SCHEMA = "journeydsl.delivery/1"


def _exposures(plan, collectors, segment: int | None) -> tuple[dict[str, float], dict[str, float], int]:
    from ..sim.plan import MODULE_NAMES, THEME_NAMES

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


def profile(
    designs: list[tuple[str, Journey]],
    customers: int | None = None,
    seed: int | None = None,
    horizon: float | None = None,
) -> dict[str, object]:
    """Theme and module exposure per customer, per design and per segment (``journeydsl.profile/1``)."""
    from ..api import experiment
    from ..sim.plan import compile_plan

    result = {}
    for name, journey in designs:
        plan = compile_plan(journey)
        outcome = experiment(journey, customers, horizon, seed=seed, design=name)
        groups = {}
        for label, segment in [("all customers", None), *((s.name, s.index) for s in plan.segments)]:
            themes, modules, counted = _exposures(plan, outcome.collectors, segment)
            groups[label] = {"customers": counted, "themes": themes, "modules": modules}
        result[name] = groups
    first = designs[0][1]
    return {"schema": PROFILE_SCHEMA, "journeydsl": __version__, "journey": first.name, "designs": result}


def delivery_gap(
    journey: Journey,
    customers: int | None = None,
    seed: int | None = None,
    horizon: float | None = None,
    design: str = "baseline",
) -> dict[str, object]:
    """Intended against felt, per touchpoint and segment, and the share who find it superior (``journeydsl.delivery/1``)."""
    from ..api import experiment
    from ..sim.plan import compile_plan

    plan = compile_plan(journey)
    outcome = experiment(journey, customers, horizon, seed=seed, design=design)
    results = outcome.results
    expectations = {f.name: f.expect if f.expect is not None else 5.0 for f in journey.factors}
    intended = {}
    for tp in journey.all_touchpoints():
        score = nominal_score(tp) + sum(p.value - expectations.get(p.name, 5.0) for p in tp.effects.performance)
        intended[tp.name] = score
    rows = []
    for name, tp in results["touchpoints"].items():
        if name not in intended or not tp["visits"]:
            continue
        rows.append(
            {
                "touchpoint": name,
                "stage": tp["stage"],
                "intended": rounded(intended[name]),
                "felt": tp["mean_affect"],
                "gap": rounded(tp["mean_affect"] - intended[name]),
                "visits": tp["visits"],
            }
        )
    by_name = {tp.name: tp.index for tp in plan.touchpoints}
    for row in rows:
        index = by_name[row["touchpoint"]]
        row["felt_by_segment"] = {}
        for segment in plan.segments:
            visits = sum(c.segment_visits[segment.index][index] for c in outcome.collectors)
            total = sum(c.segment_affect[segment.index][index] for c in outcome.collectors)
            row["felt_by_segment"][segment.name] = rounded(total / visits) if visits else None
    rows.sort(key=lambda row: row["gap"])
    weights = [(row["intended"], row["visits"]) for row in rows]
    intended_mean = sum(v * n for v, n in weights) / (sum(n for _, n in weights) or 1)
    superior = {
        "all customers": {
            "superior_share": results["metrics"]["promoters"]["mean"],
            "satisfaction": results["metrics"]["satisfaction"]["mean"],
        }
    }
    for segment in plan.segments:
        metrics = results["segments"][segment.name]["metrics"]
        superior[segment.name] = {
            "superior_share": metrics["promoters"]["mean"],
            "satisfaction": metrics["satisfaction"]["mean"],
        }
    return {
        "schema": DELIVERY_SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "design": design,
        "customers": results["customers"],
        "intended_mean_effect": rounded(intended_mean),
        "felt_mean_effect": rounded(sum(r["felt"] * r["visits"] for r in rows) / (sum(r["visits"] for r in rows) or 1)),
        "touchpoints": rows,
        "superior": superior,
    }
