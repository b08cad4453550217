"""Comparing designs: the same synthetic customers through each design, paired differences, a ranking.

Every design runs the same replications with the same seeds.  Because every
random decision is keyed by what it decides (:mod:`journeydsl.sim.streams`), a
customer meets the same dice in every design wherever the designs agree:
common random numbers.  Differences are then paired:

- with several replications, by replication (the difference of the
  replication means, with a Student t interval over replications);
- with one replication, by customer (the same customer in both designs, with a
  normal interval from the per-customer differences).

Without common random numbers (one replication), and per segment across
replications, the designs' means are independent: their difference takes the
standard errors of the two means from the collectors' moments
(:func:`~journeydsl.sim.results.estimate`), never from the designs' displayed
intervals, which are Wilson's for shares and clipped to each metric's bounds.

The result is plain data following ``journeydsl.comparison/1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .._version import __version__
from ..lang.vocabulary import METRICS
from ..sim.metrics import Collector, Moments
from ..sim.results import Document, Estimate, estimate, interval, provenance, rounded
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
    comparisons = {outcome.design: _differences(baseline, outcome, common_random_numbers) for outcome in outcomes[1:]}
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


def _differences(baseline: Outcome, design: Outcome, paired_customers: bool) -> Document:
    """Differences of ``design`` from ``baseline``: per metric, paired shares, per segment, per touchpoint."""
    base, other = baseline.collectors, design.collectors
    base_results, other_results = baseline.results, design.results
    if len(base) == 1 and not paired_customers:
        # Different customers in each design: an unpaired difference of two means.
        metrics = {name: _unpaired(estimate(base, name), estimate(other, name)) for name in METRICS}
        metrics["profit"] = _unpaired(_profit_estimate(base), _profit_estimate(other))
        segments = _unpaired_segments(baseline, design)
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
        segments = _unpaired_segments(baseline, design)
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


def _unpaired(base: Estimate, other: Estimate | None) -> Document:
    """The difference of two independent means, from their standard errors (0 when the design lacks it).

    The interval is normal when both means are over customers, else Student's t
    with Welch-Satterthwaite's degrees of freedom (:func:`_welch_df`).
    """
    if other is None:
        return _with_verdict(0.0, 0.0, None)
    return _with_verdict(other.mean - base.mean, math.hypot(base.stderr, other.stderr), _welch_df(base, other))


def _welch_df(*estimates: Estimate) -> int | None:
    """Welch-Satterthwaite's degrees of freedom of a sum of independent means, rounded down (Welch 1947).

    An estimate over customers (``df`` ``None``) counts as having infinitely
    many; ``None`` (a normal interval) when all do, or when only they vary.
    """
    variances = [(measured.stderr**2, measured.df) for measured in estimates]
    denominator = sum(variance * variance / df for variance, df in variances if df is not None)
    if not denominator:
        return None
    total = sum(variance for variance, _ in variances)
    return max(1, math.floor(total * total / denominator))


def _profit_estimate(collectors: list[Collector]) -> Estimate:
    """Revenue minus cost per customer, their standard errors combined as independent."""
    revenue = estimate(collectors, "revenue_per_customer")
    cost = estimate(collectors, "cost_per_customer")
    return Estimate(revenue.mean - cost.mean, math.hypot(revenue.stderr, cost.stderr), revenue.df, revenue.customers)


def _unpaired_segments(baseline: Outcome, design: Outcome) -> Document:
    """Per segment of the baseline, each metric's unpaired difference (matched by segment name)."""
    in_design = {segment.name: segment.index for segment in design.plan.segments}
    return {
        segment.name: {
            metric: _unpaired(
                estimate(baseline.collectors, metric, segment.index),
                estimate(design.collectors, metric, in_design[segment.name]) if segment.name in in_design else None,
            )
            for metric in METRICS
        }
        for segment in baseline.plan.segments
    }


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
