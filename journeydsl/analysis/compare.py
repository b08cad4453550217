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

Every difference gets a verdict (:func:`verdict`): ``better`` or ``worse``
when its 95% interval excludes zero and it is at least the metric's minimal
important difference (:mod:`journeydsl.lang.decisions`), else ``no clear
difference``.  The ranking never names a winner on noise: a design's rank is
one more than the number of designs clearly better than it on the objective,
so designs with no clear difference between them share a rank.

The result is plain data following ``journeydsl.comparison/1``: a ``dict`` (a
:class:`~journeydsl.analysis.notebook.Comparison`, which adds a short ``repr``,
HTML for notebooks and pandas frames, and holds nothing but the document).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence

from .._version import __version__
from ..lang.decisions import COMPARABLE, LOWER_IS_BETTER, minimal_differences
from ..lang.vocabulary import METRICS
from ..sim.metrics import Collector, Moments
from ..sim.results import (
    Document,
    Estimate,
    episode_estimate,
    episode_moments,
    estimate,
    interval,
    provenance,
    rounded,
)
from ..sim.runner import Design, Outcome, Runner
from ..sim.settings import RunSettings
from .notebook import Comparison

__all__ = [
    "SCHEMA",
    "OBJECTIVES",
    "LOWER_IS_BETTER",
    "VERDICTS",
    "compare",
    "difference",
    "run_and_compare",
    "verdict",
]

SCHEMA = "journeydsl.comparison/1"

#: What designs can be ranked by: any metric, or profit (revenue minus cost per customer).
OBJECTIVES: tuple[str, ...] = COMPARABLE
#: What a difference can say about a design against another.
VERDICTS: tuple[str, ...] = ("better", "worse", "no clear difference")


def compare(
    outcomes: Sequence[Outcome],
    objective: str = "remembered_experience",
    common_random_numbers: bool = True,
    min_differences: Mapping[str, float] | None = None,
) -> Comparison:
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
    min_differences : mapping, optional
        The designer's minimal important differences, per metric, in the metric's
        own unit (shares as fractions, times in the journey's unit); the others
        follow :data:`~journeydsl.lang.decisions.MINIMAL_DIFFERENCES`.

    Returns
    -------
    Comparison
        The ``journeydsl.comparison/1`` document: a ``dict`` that also shows itself in a
        notebook and makes pandas frames (:class:`~journeydsl.analysis.notebook.Comparison`).

    Raises
    ------
    ValueError
        For fewer than two designs, two with one name, an unknown objective, or
        an unknown metric or negative amount in ``min_differences``.
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
    figures = {name: block["mean"] for name, block in results[baseline.design]["metrics"].items()}
    mids = minimal_differences(figures, dict(min_differences or {}))
    thresholds = {metric: float(mid["value"]) for metric, mid in mids.items()}
    comparisons = {
        outcome.design: _differences(baseline, outcome, common_random_numbers, thresholds) for outcome in outcomes[1:]
    }
    ranking = _ranking(outcomes, comparisons, objective, common_random_numbers, thresholds[objective])
    document = {
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
        "minimal_differences": mids,
        "differences": comparisons,
        "ranking": ranking,
        "leaders": [row["design"] for row in ranking if row["rank"] == 1],
        **provenance(settings, baseline.journey.source_sha256),
    }
    return Comparison(document)


def run_and_compare(
    runner: Runner,
    designs: Sequence[Design],
    settings: RunSettings,
    objective: str = "remembered_experience",
    common_random_numbers: bool = True,
    progress: Callable[[float], None] | None = None,
    min_differences: Mapping[str, float] | None = None,
) -> tuple[list[Outcome], Document]:
    """Run the designs with the same customers (paired when there is one replication) and compare them.

    ``min_differences`` is as for :func:`compare`.

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
    return outcomes, compare(outcomes, objective, common_random_numbers, min_differences)


def verdict(metric: str, change: Document, minimal: float) -> str:
    """What a difference of ``metric`` says: ``better``, ``worse`` or ``no clear difference``.

    A difference is clear when its 95% interval excludes zero and its size is
    at least ``minimal``, the metric's minimal important difference; its sign
    then says better or worse (for :data:`LOWER_IS_BETTER` metrics, less is better).

    Examples
    --------
    >>> verdict("satisfaction", {"mean": 0.5, "ci95": [0.2, 0.8]}, 0.3)
    'better'
    >>> verdict("satisfaction", {"mean": 0.2, "ci95": [0.1, 0.3]}, 0.3)
    'no clear difference'
    >>> verdict("cost_per_customer", {"mean": 2.0, "ci95": [1.0, 3.0]}, 0.5)
    'worse'
    """
    low, high = change["ci95"]
    mean = change["mean"]
    if not (low > 0 or high < 0) or abs(mean) < minimal:
        return "no clear difference"
    return "better" if (mean < 0) == (metric in LOWER_IS_BETTER) else "worse"


def difference(base: Outcome, other: Outcome, metric: str, common_random_numbers: bool = True) -> Estimate:
    """The difference ``other - base`` of one metric (or ``"profit"``), as :func:`compare` estimates it.

    Its mean, standard error and degrees of freedom (``None`` for a normal
    interval) give an interval at any level: a design test of equivalence takes
    the 90% interval (two one-sided tests at 5%, Schuirmann 1987).
    """
    return _estimates(base, other, (metric,), common_random_numbers)[metric]


def _estimates(baseline: Outcome, design: Outcome, names: Sequence[str], paired_customers: bool) -> dict[str, Estimate]:
    """Each named metric's difference ``design - baseline``: unpaired, by replication or by customer."""
    base, other = baseline.collectors, design.collectors
    if len(base) == 1 and not paired_customers:
        # Different customers in each design: an unpaired difference of two means.
        return {name: _unpaired(_mean_estimate(base, name), _mean_estimate(other, name)) for name in names}
    if len(base) > 1:
        return {
            name: _replication_difference(_replication_means(base, name), _replication_means(other, name))
            for name in names
        }
    a, b = _records(base[0]), _records(other[0])
    keys = [key for key in a if key in b]
    return {name: _customer_difference(a, b, keys, _customer_value(name)) for name in names}


def _records(collector: Collector) -> dict:
    if collector.records is None:
        raise ValueError("a comparison by customer needs paired runs (Runner.run(..., paired=True))")
    return collector.records


def _mean_estimate(collectors: list[Collector], name: str) -> Estimate:
    return _profit_estimate(collectors) if name == "profit" else estimate(collectors, name)


def _replication_means(collectors: Sequence[Collector], name: str) -> list[float]:
    if name == "profit":
        return [c.metric("revenue_per_customer").mean - c.metric("cost_per_customer").mean for c in collectors]
    return [c.metric(name).mean for c in collectors]


def _customer_value(name: str) -> Callable[[tuple], float]:
    """A customer's figure of a metric from its record (segment, returned, metric values)."""
    if name == "profit":
        return lambda record: _profit(record[2])
    index = METRICS.index(name)
    return lambda record: record[2][index]


def _profit(values: Sequence[float]) -> float:
    return values[METRICS.index("revenue_per_customer")] - values[METRICS.index("cost_per_customer")]


def _differences(baseline: Outcome, design: Outcome, paired_customers: bool, minimal: Mapping[str, float]) -> Document:
    """Differences of ``design`` from ``baseline``: per metric, paired shares, per segment, per touchpoint."""
    by_customer = len(baseline.collectors) == 1 and paired_customers
    metrics = {
        name: _change(name, measured, minimal, by_customer)
        for name, measured in _estimates(baseline, design, COMPARABLE, paired_customers).items()
    }
    if not by_customer:
        paired = None
        segments = _unpaired_segments(baseline, design, minimal)
    else:
        a, b = _records(baseline.collectors[0]), _records(design.collectors[0])
        keys = [key for key in a if key in b]
        paired = _paired_shares(a, b, keys)
        segments = {}
        for index, name in enumerate(baseline.results["segments"]):
            chosen = [key for key in keys if a[key][0] == index]
            segments[name] = {
                metric: _change(metric, _customer_difference(a, b, chosen, _customer_value(metric)), minimal, True)
                for metric in METRICS
            }
    document = {
        "metrics": metrics,
        "paired": paired,
        "segments": segments,
        "touchpoints": _touchpoint_changes(baseline.results["touchpoints"], design.results["touchpoints"]),
    }
    if baseline.plan.episodes:
        document["episodes"] = _episode_changes(baseline, design, minimal)
    return document


EPISODE_METRICS = ("remembered_experience", "satisfaction")


def _episode_changes(baseline: Outcome, design: Outcome, minimal: Mapping[str, float]) -> Document:
    """Per remembered episode of the baseline, the change of its memory and satisfaction in ``design``.

    Episodes are matched by name; one the design does not have, or that no
    customer of either design went through, is ``None``.  Over replications the
    difference is paired by replication (common random numbers); from one
    replication it is unpaired (Welch), which is conservative: the episodes'
    memories are not kept per customer.
    """
    in_design = {episode.name: number for number, episode in enumerate(design.plan.episodes)}
    changes: Document = {}
    for number, episode in enumerate(baseline.plan.episodes):
        other = in_design.get(episode.name)
        block: Document | None = None
        if other is not None:
            block = {}
            for metric in EPISODE_METRICS:
                base = episode_moments(baseline.collectors, number, metric)
                then = episode_moments(design.collectors, other, metric)
                if not any(m.n for m in base) or not any(m.n for m in then):
                    block = None
                    break
                if len(base) > 1 and all(m.n for m in base) and all(m.n for m in then):
                    measured = _replication_difference([m.mean for m in base], [m.mean for m in then])
                else:
                    measured = _unpaired(
                        episode_estimate(baseline.collectors, number, metric),
                        episode_estimate(design.collectors, other, metric),
                    )
                block[metric] = _change(metric, measured, minimal, False)
        changes[episode.name] = block
    return changes


def _change(metric: str, measured: Estimate, minimal: Mapping[str, float], by_customer: bool) -> Document:
    """A difference as the document writes it: mean, 95% interval, whether it excludes 0, its verdict."""
    block = interval(measured.mean, measured.stderr, measured.df)
    low, high = block["ci95"]
    block["excludes_zero"] = bool(low > 0 or high < 0)
    block["verdict"] = verdict(metric, block, minimal[metric])
    if by_customer:
        block["customers"] = measured.customers
    return block


def _replication_difference(base: list[float], other: list[float]) -> Estimate:
    moments = Moments()
    for a, b in zip(base, other, strict=True):
        moments.add(b - a)
    return Estimate(moments.mean, moments.stderr, moments.n - 1, moments.n)


def _customer_difference(a: dict, b: dict, keys: list[int], value: Callable) -> Estimate:
    moments = Moments()
    for key in keys:
        moments.add(value(b[key]) - value(a[key]))
    return Estimate(moments.mean if moments.n else 0.0, moments.stderr if moments.n > 1 else 0.0, None, moments.n)


def _unpaired(base: Estimate, other: Estimate | None) -> Estimate:
    """The difference of two independent means, from their standard errors (0 when the design lacks it).

    The interval is normal when both means are over customers, else Student's t
    with Welch-Satterthwaite's degrees of freedom (:func:`_welch_df`).
    """
    if other is None:
        return Estimate(0.0, 0.0, None, 0)
    return Estimate(
        other.mean - base.mean,
        math.hypot(base.stderr, other.stderr),
        _welch_df(base, other),
        min(base.customers, other.customers),
    )


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


def _unpaired_segments(baseline: Outcome, design: Outcome, minimal: Mapping[str, float]) -> Document:
    """Per segment of the baseline, each metric's unpaired difference (matched by segment name)."""
    in_design = {segment.name: segment.index for segment in design.plan.segments}
    return {
        segment.name: {
            metric: _change(
                metric,
                _unpaired(
                    estimate(baseline.collectors, metric, segment.index),
                    estimate(design.collectors, metric, in_design[segment.name]) if segment.name in in_design else None,
                ),
                minimal,
                False,
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


def _ranking(
    outcomes: Sequence[Outcome],
    differences: Mapping[str, Document],
    objective: str,
    paired_customers: bool,
    minimal: float,
) -> list[Document]:
    """The designs by the objective, each ranked one more than the number of designs clearly better than it.

    Every pair of designs is compared on the objective as the baseline is
    (:func:`verdict`), so designs with no clear difference share a rank and a
    design is never ranked above another on noise.
    """
    results = {outcome.design: outcome.results for outcome in outcomes}
    baseline = outcomes[0].design
    ahead: dict[str, list[str]] = {outcome.design: [] for outcome in outcomes}
    for first, second in itertools.combinations(outcomes, 2):
        if first.design == baseline:
            change = differences[second.design]["metrics"][objective]
        else:
            measured = difference(first, second, objective, paired_customers)
            change = interval(measured.mean, measured.stderr, measured.df)
        said = verdict(objective, change, minimal)
        if said == "better":
            ahead[first.design].append(second.design)
        elif said == "worse":
            ahead[second.design].append(first.design)
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
                "rank": 1 + len(ahead[name]),
                "clearly_behind": [other for other in results if other in ahead[name]],
            }
        )
    sign = 1.0 if objective in LOWER_IS_BETTER else -1.0
    rows.sort(key=lambda row: (row["rank"], sign * row["objective"]))
    return rows
