"""Care programmes, customer value and service recovery.

- :func:`care_value` (``journey care``): for every care programme, the same
  customers with and without it (common random numbers): its cost against the
  uplift in return rate, referrals and revenue, the return on investment, and
  per segment (tier) the same; plus the value of a customer per segment over
  the horizon (revenue minus cost), with and without all care programmes.
- :func:`recovery` (``journey recovery``): satisfaction and return probability
  of customers who met no failure, whose failures were all recovered, and who
  met a failure left unrecovered, so the (weak) service recovery paradox can
  be checked: satisfaction after a well-recovered failure can exceed no
  failure, repurchase does not (de Matos, Henrique & Rossi 2007).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .._version import __version__
from ..lang.model import Journey
from ..sim.runner import interval, rounded
from .compare import DesignInput, compare

__all__ = ["CARE_SCHEMA", "RECOVERY_SCHEMA", "care_value", "recovery"]

CARE_SCHEMA = "journeydsl.care/1"
RECOVERY_SCHEMA = "journeydsl.recovery/1"
_HEADLINE = ("return_rate", "referrals_per_customer", "revenue_per_customer", "cost_per_customer", "profit")


def care_value(
    journey: Journey,
    customers: int | None = None,
    horizon: float | None = None,
    replications: int = 1,
    seed: int | None = None,
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> dict[str, object]:
    """What each care programme costs and brings, per segment, against no programme (``journeydsl.care/1``)."""
    designs = [DesignInput("with care", journey)]
    for programme in journey.care:
        designs.append(
            DesignInput(
                f"without {programme.name}",
                replace(journey, care=tuple(c for c in journey.care if c.name != programme.name)),
            )
        )
    if len(journey.care) > 1:
        designs.append(DesignInput("without any care", replace(journey, care=())))
    if len(designs) == 1:
        raise ValueError("this journey has no care programmes")
    document = compare(designs, customers, horizon, replications, seed, 0.0, workers, "profit", progress=progress)
    programmes = {}
    for design in designs[1:]:
        difference = document["differences"][design.name]
        # The programme's effect is the baseline (with it) minus the design without it: flip the signs.
        effect = {metric: _flip(difference["metrics"][metric]) for metric in _HEADLINE}
        cost = effect["cost_per_customer"]["mean"]
        profit = effect["profit"]
        programmes[design.name.removeprefix("without ")] = {
            "effect": effect,
            "roi": rounded(profit["mean"] / cost) if cost else None,
            "roi_ci95": [rounded(profit["ci95"][0] / cost), rounded(profit["ci95"][1] / cost)] if cost else None,
            "segments": {
                segment: {
                    metric: _flip(changes[metric])
                    for metric in ("return_rate", "revenue_per_customer", "cost_per_customer")
                }
                for segment, changes in difference["segments"].items()
            },
        }
    with_care = document["results"]["with care"]
    without_any = document["results"][designs[-1].name]
    lifetime = {}
    for segment, block in with_care["segments"].items():
        metrics = block["metrics"]
        other = without_any["segments"].get(segment, {}).get("metrics", metrics)
        lifetime[segment] = {
            "with_care": rounded(metrics["revenue_per_customer"]["mean"] - metrics["cost_per_customer"]["mean"]),
            "without": rounded(other["revenue_per_customer"]["mean"] - other["cost_per_customer"]["mean"]),
        }
    return {
        "schema": CARE_SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "seed": document["seed"],
        "customers": with_care["customers"],
        "replications": replications,
        "programmes": programmes,
        "value_per_customer": lifetime,
        "horizon_note": "value = revenue - cost per customer over the horizon",
    }


def _flip(change: dict) -> dict:
    low, high = change["ci95"]
    return {
        "mean": rounded(-change["mean"]),
        "ci95": [rounded(-high), rounded(-low)],
        "excludes_zero": change["excludes_zero"],
    }


def recovery(
    journey: Journey, customers: int | None = None, seed: int | None = None, horizon: float | None = None
) -> dict[str, object]:
    """Satisfaction and return probability by failure experience (``journeydsl.recovery/1``)."""
    from ..api import experiment
    from ..sim.metrics import Moments

    outcome = experiment(journey, customers, horizon, seed=seed)
    groups = {}
    for number, label in enumerate(("no failure", "failure recovered", "failure not recovered")):
        sat, ret = Moments(), Moments()
        for collector in outcome.collectors:
            s, r = collector.recovery[number]
            for target, source in ((sat, s), (ret, r)):
                target.n += source.n
                target.total += source.total
                target.squares += source.squares
        groups[label] = {
            "customers": sat.n,
            "satisfaction": interval(sat.mean, sat.stderr if sat.n > 1 else 0.0, None),
            "return_rate": interval(ret.mean, ret.stderr if ret.n > 1 else 0.0, None),
        }
    none, recovered = groups["no failure"], groups["failure recovered"]
    paradox = None
    if none["customers"] and recovered["customers"]:
        paradox = {
            "satisfaction": _verdict(recovered["satisfaction"], none["satisfaction"]),
            "return_rate": _verdict(recovered["return_rate"], none["return_rate"]),
        }
    return {
        "schema": RECOVERY_SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "customers": outcome.results["customers"],
        "groups": groups,
        "paradox": paradox,
    }


def _verdict(recovered: dict, untouched: dict) -> str:
    if recovered["ci95"][0] > untouched["ci95"][1]:
        return "higher after a recovered failure"
    if recovered["ci95"][1] < untouched["ci95"][0]:
        return "lower after a recovered failure"
    return "no clear difference"
