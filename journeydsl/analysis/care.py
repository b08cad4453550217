"""`journey care`: what each care programme costs and brings.

For every care programme, the same customers with and without it (common
random numbers): its cost against the uplift in return rate, referrals and
revenue, the return on investment, and per segment (tier) the same; plus the
value of a customer per segment over the horizon (revenue minus cost), with
and without all care programmes.

With care budgets (``care budget 500 per year for tier A``), each programme
also shows the contacts made and those not made because they did not fit in
the customer's budget; removing a programme frees budget for the others, so
its effect is measured with the budgets in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .._version import __version__
from ..lang.model import Journey
from ..sim.results import Document, provenance, rounded
from ..sim.runner import Design, Runner
from ..sim.settings import RunSettings
from .compare import run_and_compare

__all__ = ["CARE_SCHEMA", "care_value"]

CARE_SCHEMA = "journeydsl.care/1"
_HEADLINE = ("return_rate", "referrals_per_customer", "revenue_per_customer", "cost_per_customer", "profit")


def care_value(
    journey: Journey,
    settings: RunSettings,
    runner: Runner,
    progress: Callable[[float], None] | None = None,
) -> Document:
    """What each care programme costs and brings, per segment, against no programme (``journeydsl.care/1``).

    Parameters
    ----------
    journey : Journey
        A design with care programmes.
    settings : RunSettings
        How to run it with and without each programme.
    runner : Runner
        Runs the designs; the journey itself is not run again if the runner ran it before.
    progress : callable, optional
        Called with the finished share of the runs.

    Raises
    ------
    ValueError
        When the journey has no care programmes.
    """
    designs = [Design("with care", journey)]
    for programme in journey.care:
        designs.append(
            Design(
                f"without {programme.name}",
                replace(journey, care=tuple(c for c in journey.care if c.name != programme.name)),
            )
        )
    if len(journey.care) > 1:
        designs.append(Design("without any care", replace(journey, care=())))
    if len(designs) == 1:
        raise ValueError("this journey has no care programmes")
    outcomes, document = run_and_compare(runner, designs, settings, "profit", progress=progress)
    settings = outcomes[0].settings  # with a precision, as settled
    programmes = {}
    for design in designs[1:]:
        difference = document["differences"][design.name]
        # The programme's effect is the baseline (with it) minus the design without it: flip the signs.
        effect = {metric: _flip(difference["metrics"][metric]) for metric in _HEADLINE}
        cost = effect["cost_per_customer"]["mean"]
        profit = effect["profit"]
        programmes[design.name.removeprefix("without ")] = {
            "effect": effect,
            # Only a programme that costs something has a return on it (with care budgets, removing one
            # programme can let the others spend more, so its own cost effect can be negative).
            "roi": rounded(profit["mean"] / cost) if cost > 0 else None,
            "roi_ci95": [rounded(profit["ci95"][0] / cost), rounded(profit["ci95"][1] / cost)] if cost > 0 else None,
            "segments": {
                segment: {
                    metric: _flip(changes[metric])
                    for metric in ("return_rate", "revenue_per_customer", "cost_per_customer")
                }
                for segment, changes in difference["segments"].items()
            },
        }
    with_care = document["results"]["with care"]
    for name, entry in programmes.items():
        # "any care" (every programme at once) adds up the programmes' contacts.
        names = [name] if name in with_care["touchpoints"] else [care.name for care in journey.care]
        entry["contacts"] = sum(with_care["touchpoints"][n]["visits"] for n in names)
        entry["over_budget"] = sum(with_care["touchpoints"][n]["over_budget"] for n in names)
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
        "replications": settings.replications,
        "programmes": programmes,
        "budgets": {
            budget.label: {"amount": rounded(budget.amount), "per": budget.per} for budget in journey.care_budgets
        },
        "value_per_customer": lifetime,
        "horizon_note": "value = revenue - cost per customer over the horizon",
        **provenance(settings, journey.source_sha256),
    }


def _flip(change: dict) -> dict:
    low, high = change["ci95"]
    return {
        "mean": rounded(-change["mean"]),
        "ci95": [rounded(-high), rounded(-low)],
        "excludes_zero": change["excludes_zero"],
    }
