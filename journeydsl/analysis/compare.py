"""Comparing designs: the same synthetic customers through each design, paired differences, a ranking.

Every design runs the same replications with the same seeds.  Because every
random decision is keyed by what it decides (:mod:`journeydsl.sim.streams`), a
customer meets the same dice in every design wherever the designs agree:
common random numbers.  Differences are then paired:

- with several replications, by replication (the difference of the
  replication means, with a Student t interval over replications);
- with one replication, by customer (the same customer in both designs, with a
  normal interval from the per-customer differences).

The result is plain data following ``journeydsl.comparison/1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .._version import __version__
from ..lang.vocabulary import METRICS
from ..sim.metrics import Collector, Moments
from ..sim.results import Document, interval, provenance, rounded
from ..sim.runner import Design, Outcome, Runner
from ..sim.settings import RunSettings

__all__ = ["SCHEMA", "OBJECTIVES", "LOWER_IS_BETTER", "compare", "run_and_compare"]

SCHEMA = "journeydsl.comparison/1"

#: What designs can be ranked by: any metric, or profit (revenue minus cost per customer).
OBJECTIVES: tuple[str, ...] = (*METRICS, "profit")
#: Objectives where less is better.
LOWER_IS_BETTER = frozenset({"detractors", "time_in_journey", "cost_per_customer", "passives"})


def compare(
    outcomes: Sequence[Outcome],
    objective: str = "remembered_experience",
    common_random_numbers: bool = True,
) -> Document:
    """Compare every outcome with the first: paired differences, shares, per segment and touchpoint, a ranking.

    Parameters
    ----------
    outcomes : sequence of Outcome
        The designs' outcomes, run with the same settings (see :func:`run_and_compare`);
        the first is the baseline the others are compared with.  With one
        replication they must have been run ``paired`` (customer by customer).
    objective : str
        What to rank designs by: a metric of :data:`OBJECTIVES`.
    common_random_numbers : bool
        Whether the outcomes met the same random numbers (as written into the document).

    Returns
    -------
    dict
        The ``journeydsl.comparison/1`` document.
    """
    if len(outcomes) < 2:
        raise ValueError("a comparison needs at least two designs")
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    names = [outcome.design for outcome in outcomes]
    if len(set(names)) != len(names):
        raise ValueError(f"designs to compare need different names: {', '.join(names)}")
    settings = outcomes[0].settings
    replications = settings.replications
    results = {outcome.design: outcome.results for outcome in outcomes}
    baseline = outcomes[0]
    comparisons = {
        outcome.design: _differences(
            baseline.collectors,
            outcome.collectors,
            results[baseline.design],
            results[outcome.design],
            common_random_numbers,
        )
        for outcome in outcomes[1:]
    }
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": results[baseline.design]["journey"],
        "baseline": baseline.design,
        "designs": names,
        "seed": settings.master_seed,
        "customers": {name: result["customers"] for name, result in results.items()},
        "replications": replications,
        "common_random_numbers": common_random_numbers,
        "paired_by": "replication" if replications > 1 else "customer",
        "time_unit": results[baseline.design]["time_unit"],
        "objective": objective,
        "results": results,
        "differences": comparisons,
        "ranking": _ranking(results, objective),
        **provenance(settings, baseline.journey.source_sha256),
    }


def run_and_compare(
    runner: Runner,
    designs: Sequence[Design],
    settings: RunSettings,
    objective: str = "remembered_experience",
    common_random_numbers: bool = True,
    progress: Callable[[float], None] | None = None,
) -> tuple[list[Outcome], Document]:
    """Run the designs with the same customers (paired when there is one replication) and compare them.

    Returns
    -------
    tuple
        The outcomes, one per design, and the ``journeydsl.comparison/1`` document.
    """
    if len(designs) < 2:
        raise ValueError("a comparison needs at least two designs")
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    outcomes = runner.run(
        designs,
        settings,
        paired=settings.replications == 1,
        common_random_numbers=common_random_numbers,
        progress=progress,
    )
    return outcomes, compare(outcomes, objective, common_random_numbers)


def _metric_means(collectors: Sequence[Collector], name: str) -> list[float]:
    return [c.metric(name).mean for c in collectors]


def _profit(values: Sequence[float]) -> float:
    return values[METRICS.index("revenue_per_customer")] - values[METRICS.index("cost_per_customer")]


def _differences(
    base: list[Collector], other: list[Collector], base_results: dict, other_results: dict, paired_customers: bool
) -> Document:
    """Differences of ``other`` from ``base``: per metric, paired shares, per segment, per touchpoint."""
    if len(base) == 1 and not paired_customers:
        # Different customers in each design: an unpaired difference of two means.
        metrics = {name: _unpaired(base_results["metrics"][name], other_results["metrics"][name]) for name in METRICS}
        metrics["profit"] = _unpaired_profit(base_results, other_results)
        segments = {
            name: {
                metric: _unpaired(
                    base_results["segments"][name]["metrics"][metric],
                    other_results["segments"].get(name, {}).get("metrics", {}).get(metric),
                )
                for metric in METRICS
            }
            for name in base_results["segments"]
        }
        paired = None
    elif len(base) > 1:
        metrics = {
            name: _replication_difference(_metric_means(base, name), _metric_means(other, name)) for name in METRICS
        }
        metrics["profit"] = _replication_difference(
            [c.metric("revenue_per_customer").mean - c.metric("cost_per_customer").mean for c in base],
            [c.metric("revenue_per_customer").mean - c.metric("cost_per_customer").mean for c in other],
        )
        paired = None
        segments = {
            name: {
                metric: _unpaired(
                    base_results["segments"][name]["metrics"][metric],
                    other_results["segments"].get(name, {}).get("metrics", {}).get(metric),
                )
                for metric in METRICS
            }
            for name in base_results["segments"]
        }
    else:
        a, b = base[0].records, other[0].records
        if a is None or b is None:
            raise ValueError("a comparison by customer needs paired runs (Runner.run(..., paired=True))")
        keys = [key for key in a if key in b]
        metrics = {name: _customer_difference(a, b, keys, lambda v, i=i: v[2][i]) for i, name in enumerate(METRICS)}
        metrics["profit"] = _customer_difference(a, b, keys, lambda v: _profit(v[2]))
        paired = _paired_shares(a, b, keys)
        segment_names = list(base_results["segments"])
        segments = {}
        for index, name in enumerate(segment_names):
            chosen = [key for key in keys if a[key][0] == index]
            segments[name] = {
                metric: _customer_difference(a, b, chosen, lambda v, i=i: v[2][i]) for i, metric in enumerate(METRICS)
            }
    return {
        "metrics": metrics,
        "paired": paired,
        "segments": segments,
        "touchpoints": _touchpoint_changes(base_results["touchpoints"], other_results["touchpoints"]),
    }


def _with_verdict(mean: float, stderr: float, df: int | None) -> Document:
    block = interval(mean, stderr, df)
    low, high = block["ci95"]
    block["excludes_zero"] = bool(low > 0 or high < 0)
    return block


def _replication_difference(base: list[float], other: list[float]) -> Document:
    moments = Moments()
    for a, b in zip(base, other, strict=True):
        moments.add(b - a)
    return _with_verdict(moments.mean, moments.stderr, moments.n - 1)


def _customer_difference(a: dict, b: dict, keys: list[int], value: Callable) -> Document:
    moments = Moments()
    for key in keys:
        moments.add(value(b[key]) - value(a[key]))
    block = _with_verdict(moments.mean if moments.n else 0.0, moments.stderr if moments.n > 1 else 0.0, None)
    block["customers"] = moments.n
    return block


def _unpaired(base: dict, other: dict | None) -> Document:
    """Difference of two independent means from their intervals (used per segment across replications)."""
    if other is None:
        return _with_verdict(0.0, 0.0, None)
    half_a = (base["ci95"][1] - base["ci95"][0]) / 2 / 1.959963984540054
    half_b = (other["ci95"][1] - other["ci95"][0]) / 2 / 1.959963984540054
    return _with_verdict(other["mean"] - base["mean"], math.hypot(half_a, half_b), None)


def _unpaired_profit(base: dict, other: dict) -> Document:
    def spread(result: dict) -> float:
        metrics = result["metrics"]
        return math.hypot(
            *(
                (metrics[m]["ci95"][1] - metrics[m]["ci95"][0]) / 2 / 1.959963984540054
                for m in ("revenue_per_customer", "cost_per_customer")
            )
        )

    def profit(result: dict) -> float:
        return result["metrics"]["revenue_per_customer"]["mean"] - result["metrics"]["cost_per_customer"]["mean"]

    return _with_verdict(profit(other) - profit(base), math.hypot(spread(base), spread(other)), None)


def _paired_shares(a: dict, b: dict, keys: list[int]) -> Document:
    remembered = METRICS.index("remembered_experience")
    n = len(keys) or 1
    better = sum(1 for k in keys if b[k][2][remembered] > a[k][2][remembered] + 1e-12)
    worse = sum(1 for k in keys if b[k][2][remembered] < a[k][2][remembered] - 1e-12)
    gained = sum(1 for k in keys if b[k][1] and not a[k][1])
    lost = sum(1 for k in keys if a[k][1] and not b[k][1])
    return {
        "customers": len(keys),
        "remember_better": rounded(better / n),
        "remember_worse": rounded(worse / n),
        "return_only_with_design": rounded(gained / n),
        "return_only_with_baseline": rounded(lost / n),
    }


def _touchpoint_changes(base: dict, other: dict) -> Document:
    changes = {}
    for name in [*base, *(n for n in other if n not in base)]:
        before, after = base.get(name), other.get(name)
        changes[name] = {
            "in_baseline": before is not None,
            "in_design": after is not None,
            "peak_share": _pair(before, after, "peak_share"),
            "end_share": _pair(before, after, "end_share"),
            "mean_affect": _pair(before, after, "mean_affect"),
        }
    return changes


def _pair(before: dict | None, after: dict | None, key: str) -> dict[str, float | None]:
    a = before[key] if before is not None else None
    b = after[key] if after is not None else None
    change = rounded((b or 0.0) - (a or 0.0)) if (a is not None or b is not None) else None
    return {"baseline": a, "design": b, "change": change}


def _ranking(results: dict[str, dict], objective: str) -> list[Document]:
    rows = []
    for name, result in results.items():
        metrics = result["metrics"]
        cost = metrics["cost_per_customer"]["mean"]
        revenue = metrics["revenue_per_customer"]["mean"]
        value = revenue - cost if objective == "profit" else metrics[objective]["mean"]
        rows.append(
            {
                "design": name,
                "objective": rounded(value),
                "cost_per_customer": cost,
                "revenue_per_customer": revenue,
                "profit_per_customer": rounded(revenue - cost),
            }
        )
    rows.sort(key=lambda row: row["objective"], reverse=objective not in LOWER_IS_BETTER)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows
