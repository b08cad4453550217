"""The results document (``journeydsl.results/1``) of one design's replications.

:func:`summarise` folds the replications' :class:`~journeydsl.sim.metrics.Collector`
aggregates into plain data following ``docs/results-schema.md``
(``journeydsl/schemas/results.schema.json``); :func:`interval` and
:func:`rounded` are how every document of journeydsl writes a figure.
"""

from __future__ import annotations

import math
from typing import Any

from .._version import __version__
from ..lang.vocabulary import METRICS
from .metrics import Collector, Moments, Reservoir
from .plan import MODULE_NAMES, THEME_NAMES, Plan
from .settings import RunSettings

__all__ = ["SCHEMA", "Document", "interval", "provenance", "rounded", "summarise"]

#: A versioned JSON document of journeydsl (plain data; its JSON Schema is in ``journeydsl/schemas``).
Document = dict[str, Any]

SCHEMA = "journeydsl.results/1"


def _t_quantile(df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, df))


def interval(mean: float, stderr: float, df: int | None) -> Document:
    """``{"mean": x, "ci95": [lo, hi]}``: Student t with ``df`` degrees of freedom, normal when ``None``."""
    if not math.isfinite(stderr):
        stderr = 0.0
    half = (1.959963984540054 if df is None else _t_quantile(df)) * stderr
    return {"mean": rounded(mean), "ci95": [rounded(mean - half), rounded(mean + half)]}


def rounded(value: float) -> float:
    """A figure as written in results: six significant digits; not-a-number and infinities as 0.

    Examples
    --------
    >>> rounded(2 / 3), rounded(float("nan"))
    (0.666667, 0.0)
    """
    return float(f"{value:.6g}") if math.isfinite(value) else 0.0


def _metric_block(collectors: list[Collector], segment: int | None) -> Document:
    block = {}
    for name in METRICS:
        per_run = [c.metric(name, segment) for c in collectors]
        if len(collectors) > 1:
            means = Moments()
            for moments in per_run:
                if moments.n:
                    means.add(moments.mean)
            block[name] = interval(means.mean, means.stderr, means.n - 1 if means.n > 1 else None)
        else:
            block[name] = interval(per_run[0].mean, per_run[0].stderr, None)
    return block


def summarise(plan: Plan, collectors: list[Collector], seed: int, design: str = "baseline") -> Document:
    """The results document (``journeydsl.results/1``) of one or more replications."""
    runs = len(collectors)
    customers = sum(c.customers for c in collectors)
    stages = {}
    for index, stage in enumerate(plan.stages):
        entered = sum(c.entered[index] for c in collectors)
        dropped = sum(c.dropped[index] for c in collectors)
        stages[stage.name] = {
            "phase": stage.phase,
            "goal": stage.goal,
            "entered": entered,
            "dropped": dropped,
            "drop_rate": rounded(dropped / entered) if entered else 0.0,
        }
    cycles = sum(sum(c.peaks) for c in collectors)
    touchpoints = {}
    themes = [0.0] * len(THEME_NAMES)
    modules = [0.0] * len(MODULE_NAMES)
    order = {name: i for i, name in enumerate(plan.stage_names)}
    in_journey_order = sorted(plan.touchpoints, key=lambda tp: (order.get(tp.stage or "", len(order)), tp.index))
    for tp in in_journey_order:
        i = tp.index
        affect = Moments()
        waits = Moments()
        for c in collectors:
            affect.n += c.visits[i]
            affect.total += c.affect_sum[i]
            affect.squares += c.affect_squares[i]
            waits.n += c.waits[i].n
            waits.total += c.waits[i].total
            waits.squares += c.waits[i].squares
        pooled = Reservoir(size=sum(len(c.wait_sample[i].values) for c in collectors) or 1)
        for c in collectors:
            for value in c.wait_sample[i].values:
                pooled.add(value)
        visits = affect.n
        utilisation = None
        if tp.capacity is not None:
            capacity_time = sum(tp.capacity * c.observed_time for c in collectors)
            utilisation = rounded(sum(c.busy[i] for c in collectors) / capacity_time) if capacity_time else 0.0
        for t, value in enumerate(tp.themes):
            themes[t] += value * visits
        for m, value in enumerate(tp.modules):
            modules[m] += value * visits
        touchpoints[tp.name] = {
            "stage": tp.stage,
            "channel": tp.channel,
            "visits": visits,
            "mean_affect": rounded(affect.mean),
            "sd_affect": rounded(affect.sd),
            "peak_share": rounded(sum(c.peaks[i] for c in collectors) / cycles) if cycles else 0.0,
            "end_share": rounded(sum(c.ends[i] for c in collectors) / cycles) if cycles else 0.0,
            "wait_mean": rounded(waits.mean),
            "wait_p95": rounded(pooled.quantile(0.95)),
            "utilisation": utilisation,
            "reneged": sum(c.reneged[i] for c in collectors),
            "failures": sum(c.failures[i] for c in collectors),
            "cost": rounded(sum(c.cost[i] for c in collectors)),
        }
    segments = {}
    for segment in plan.segments:
        counted = sum(c.segment_customers[segment.index] for c in collectors)
        segments[segment.name] = {
            "customers": counted,
            "share": rounded(counted / customers) if customers else 0.0,
            "metrics": _metric_block(collectors, segment.index),
        }
    positive = sum(c.positive_talk for c in collectors)
    negative = sum(c.negative_talk for c in collectors)
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": plan.name,
        "design": design,
        "seed": seed,
        "customers": customers,
        "replications": runs,
        "time_unit": plan.time_unit,
        "in_progress": sum(c.in_progress for c in collectors),
        "metrics": _metric_block(collectors, None),
        "word_of_mouth": {
            "positive": positive,
            "negative": negative,
            "positive_to_negative": rounded(positive / negative) if negative else None,
            "referrals": sum(c.referrals for c in collectors),
            "repeat_purchases": sum(c.repeat_purchases for c in collectors),
        },
        "stages": stages,
        "touchpoints": touchpoints,
        "segments": segments,
        "themes": {name: rounded(themes[i] / customers) if customers else 0.0 for i, name in enumerate(THEME_NAMES)},
        "modules": {name: rounded(modules[i] / customers) if customers else 0.0 for i, name in enumerate(MODULE_NAMES)},
    }


def provenance(settings: RunSettings | None, source_sha256: str | None) -> Document:
    """What a document needs to be reproduced: the run settings (``None`` when nothing was simulated)
    and the SHA-256 of the journey's source texts (``None`` for a journey not read from text).

    Examples
    --------
    >>> provenance(RunSettings(customers=10, seed=3), None)
    {'settings': {'customers': 10, 'horizon': None, 'warmup': 0.0, 'replications': 1, 'seed': 3}, 'source_sha256': None}
    """
    return {"settings": settings.record() if settings is not None else None, "source_sha256": source_sha256}
