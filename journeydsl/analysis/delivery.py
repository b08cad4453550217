"""`journey delivery`: the delivery gap, what a design intends against what customers get.

Per touchpoint, the effect the designer intended (the nominal effect as
written: module and theme effects, plus performance against the journey's
expectations) against the touchpoint's own felt effect: what simulated
customers felt there (after their sensitivities, expectations, loss aversion,
waiting and failures) less the mood they carried in from the moment before
(``affect.carry_over``, faded over the time between the two moments,
``affect.half_life``).  The gap is own minus intended, so a touchpoint met
in a bad mood is not blamed for it; the felt effect and the carried-in mood
are reported beside it.  Overall, the share of customers who rate the
experience as superior (9 or 10 out of 10) next to what the design intends.
Firms overrate themselves: 80% believe they deliver a superior experience, 8%
of their customers agree (Allen et al. 2005).
"""

from __future__ import annotations

from .._version import __version__
from ..lang.graph import nominal_score
from ..sim.results import Document, provenance, rounded
from ..sim.runner import Outcome

__all__ = ["DELIVERY_SCHEMA", "delivery_gap"]

DELIVERY_SCHEMA = "journeydsl.delivery/2"


def delivery_gap(outcome: Outcome) -> Document:
    """Intended against felt, per touchpoint and segment, and the share who find it superior (``journeydsl.delivery/2``).

    Parameters
    ----------
    outcome : Outcome
        A design's simulated outcome; the document names its design.
    """
    journey, plan, results = outcome.journey, outcome.plan, outcome.results
    expectations = {f.name: f.expect if f.expect is not None else 5.0 for f in journey.factors}
    intended = {}
    for tp in journey.all_touchpoints():
        score = nominal_score(tp) + sum(p.value - expectations.get(p.name, 5.0) for p in tp.effects.performance)
        intended[tp.name] = score
    by_name = {tp.name: tp.index for tp in plan.touchpoints}
    rows = []
    for name, tp in results["touchpoints"].items():
        if name not in intended or not tp["visits"]:
            continue
        index = by_name[name]
        # From the collectors' sums, not from the rounded mean of the results.
        felt_total = sum(c.affect_sum[index] for c in outcome.collectors)
        carried_total = sum(sum(per_segment[index] for per_segment in c.segment_carried) for c in outcome.collectors)
        carried_mean = carried_total / tp["visits"]
        own = (felt_total - carried_total) / tp["visits"]
        row = {
            "touchpoint": name,
            "stage": tp["stage"],
            "intended": rounded(intended[name]),
            "own": rounded(own),
            "carried_in": rounded(carried_mean),
            "felt": tp["mean_affect"],
            "gap": rounded(own - intended[name]),
            "visits": tp["visits"],
            "felt_by_segment": {},
            "own_by_segment": {},
        }
        for segment in plan.segments:
            visits = sum(c.segment_visits[segment.index][index] for c in outcome.collectors)
            felt = sum(c.segment_affect[segment.index][index] for c in outcome.collectors)
            carried = sum(c.segment_carried[segment.index][index] for c in outcome.collectors)
            row["felt_by_segment"][segment.name] = rounded(felt / visits) if visits else None
            row["own_by_segment"][segment.name] = rounded((felt - carried) / visits) if visits else None
        rows.append(row)
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
        "design": outcome.design,
        "customers": results["customers"],
        "intended_mean_effect": rounded(intended_mean),
        "own_mean_effect": rounded(sum(r["own"] * r["visits"] for r in rows) / (sum(r["visits"] for r in rows) or 1)),
        "felt_mean_effect": rounded(sum(r["felt"] * r["visits"] for r in rows) / (sum(r["visits"] for r in rows) or 1)),
        "touchpoints": rows,
        "superior": superior,
        **provenance(outcome.settings, journey.source_sha256),
    }
