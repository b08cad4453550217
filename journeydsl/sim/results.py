"""The results document (``journeydsl.results/1``) of one design's replications.

:func:`summarise` folds the replications' :class:`~journeydsl.sim.metrics.Collector`
aggregates into plain data following ``docs/results-schema.md``
(``journeydsl/schemas/results.schema.json``); :func:`interval` and
:func:`rounded` are how every document of journeydsl writes a figure, and
:func:`estimate` gives the mean and standard error a metric's interval is
made from (for differences, which need the standard error itself).

A document only holds figures that mean something: a simulation that counted
no customer raises :class:`NoCustomersError`, a figure that is not a finite
number raises :class:`NonFiniteResultError` (both are :class:`ResultError`,
a :class:`ValueError`), and the interval of a metric stays within the
metric's range (:data:`METRIC_BOUNDS`).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .._version import __version__
from ..lang.units import unit_seconds
from ..lang.vocabulary import METRICS
from .errors import NoCustomersError, NonFiniteResultError, ResultError
from .metrics import Collector, EpisodeGroup, Moments, Reservoir
from .plan import MODULE_NAMES, THEME_NAMES, Plan, TouchpointPlan
from .series import series_document, series_period
from .settings import RunSettings

__all__ = [
    "METRIC_BOUNDS",
    "SCHEMA",
    "Bounds",
    "Document",
    "Estimate",
    "NoCustomersError",
    "NonFiniteResultError",
    "ResultError",
    "estimate",
    "interval",
    "provenance",
    "rounded",
    "summarise",
    "wilson",
]

#: A versioned JSON document of journeydsl (plain data; its JSON Schema is in ``journeydsl/schemas``).
Document = dict[str, Any]

SCHEMA = "journeydsl.results/1"

#: The 97.5% quantile of the standard normal distribution.
_Z = 1.959963984540054


class Bounds(NamedTuple):
    """The range of a metric, for its interval.

    Attributes
    ----------
    low, high : float or None
        The smallest and largest value a customer (and so the mean) can have;
        ``None`` where there is no bound.
    proportion : bool
        Each customer counts 0 or 1 (a share of customers): with one replication
        its interval is Wilson's score interval.
    """

    low: float | None
    high: float | None
    proportion: bool = False

    def clip(self, value: float) -> float:
        """``value`` moved into the range."""
        if self.low is not None and value < self.low:
            return self.low
        if self.high is not None and value > self.high:
            return self.high
        return value


#: The range of every metric (:data:`~journeydsl.lang.vocabulary.METRICS`): intervals stay in it.
METRIC_BOUNDS: dict[str, Bounds] = {
    "conversion_rate": Bounds(0.0, 1.0, proportion=True),
    "remembered_experience": Bounds(None, None),
    "satisfaction": Bounds(0.0, 10.0),
    "nps": Bounds(-100.0, 100.0),
    "promoters": Bounds(0.0, 1.0, proportion=True),
    "passives": Bounds(0.0, 1.0, proportion=True),
    "detractors": Bounds(0.0, 1.0, proportion=True),
    "return_rate": Bounds(0.0, 1.0),
    "referrals_per_customer": Bounds(0.0, None),
    "time_in_journey": Bounds(0.0, None),
    "cost_per_customer": Bounds(0.0, None),
    "revenue_per_customer": Bounds(0.0, None),
}


def _t_quantile(df: int) -> float:
    """Student's t quantile at 0.975 (:func:`journeydsl.sim.quantiles.t_quantile`: no SciPy, whose import takes 1 s)."""
    from .quantiles import t_quantile

    return t_quantile(df, 0.975)


def interval(mean: float, stderr: float, df: int | None, *, metric: str | None = None, n: int = 0) -> Document:
    """``{"mean": x, "ci95": [lo, hi]}``: Student t with ``df`` degrees of freedom, normal when ``None``.

    Parameters
    ----------
    mean, stderr : float
        The estimate and its standard error.
    df : int or None
        Degrees of freedom of Student's t (replications - 1); ``None`` for the normal interval.
    metric : str, optional
        The metric estimated: its interval stays within its :data:`METRIC_BOUNDS`,
        and a proportion of ``n`` customers with ``df`` ``None`` gets Wilson's
        score interval (:func:`wilson`).  Without it (a difference), the
        interval is symmetric and unbounded.
    n : int
        How many customers the estimate comes from (for Wilson's interval).

    Raises
    ------
    NonFiniteResultError
        When the estimate or its interval is not a finite number.

    Examples
    --------
    >>> interval(0.5, 0.1, None)
    {'mean': 0.5, 'ci95': [0.304004, 0.695996]}
    >>> interval(0.02, 0.014, None, metric="conversion_rate", n=100)["ci95"]
    [0.00550197, 0.0700118]
    >>> interval(3.0, 2.0, 4, metric="cost_per_customer")["ci95"]
    [0.0, 8.55289]
    """
    bounds = METRIC_BOUNDS[metric] if metric is not None else None
    if bounds is not None and bounds.proportion and df is None and n > 0:
        low, high = wilson(mean, n)
    else:
        half = (_Z if df is None else _t_quantile(df)) * stderr
        low, high = mean - half, mean + half
    if bounds is not None:
        low, high = bounds.clip(low), bounds.clip(high)
    return {"mean": rounded(mean), "ci95": [rounded(low), rounded(high)]}


def wilson(share: float, n: int) -> tuple[float, float]:
    """Wilson's 95% score interval of a proportion ``share`` of ``n`` (Wilson 1927); always within 0-1.

    Examples
    --------
    >>> [round(x, 4) for x in wilson(0.0, 10)], [round(x, 4) for x in wilson(1.0, 1)]
    ([0.0, 0.2775], [0.2065, 1.0])
    """
    z2 = _Z * _Z
    scale = 1.0 + z2 / n
    centre = (share + z2 / (2 * n)) / scale
    half = _Z * math.sqrt(max(0.0, share * (1.0 - share)) / n + z2 / (4 * n * n)) / scale
    # At a share of 0 (or 1) the bound is exactly 0 (or 1), not the rounding error of centre - half.
    low = 0.0 if share <= 0.0 else max(0.0, centre - half)
    high = 1.0 if share >= 1.0 else min(1.0, centre + half)
    return low, high


def rounded(value: float) -> float:
    """A figure as written in results: six significant digits.

    Raises
    ------
    NonFiniteResultError
        For not-a-number and infinities, which no document holds (they were written as 0 once).

    Examples
    --------
    >>> rounded(2 / 3)
    0.666667
    >>> rounded(float("inf"))
    Traceback (most recent call last):
    ...
    journeydsl.sim.errors.NonFiniteResultError: a figure of the results is inf, not a finite number
    """
    if not math.isfinite(value):
        raise NonFiniteResultError(f"a figure of the results is {value}, not a finite number")
    return float(f"{value:.6g}")


class Estimate(NamedTuple):
    """A metric's estimate as its interval is made from the collectors (see :func:`estimate`).

    Attributes
    ----------
    mean : float
        The estimate, unrounded.
    stderr : float
        Its standard error, from the collectors' moments (not from the displayed
        interval, which may be Wilson's or clipped to the metric's bounds).
    df : int or None
        Degrees of freedom of Student's t (replications - 1), ``None`` for a normal interval over customers.
    customers : int
        How many customers it comes from.
    """

    mean: float
    stderr: float
    df: int | None
    customers: int


def estimate(collectors: list[Collector], name: str, segment: int | None = None) -> Estimate:
    """A metric's mean and standard error: over the replication means when several replications
    counted customers, else over the customers of the one that did.

    Parameters
    ----------
    collectors : list of Collector
        One per replication.
    name : str
        The metric (:data:`~journeydsl.lang.vocabulary.METRICS`).
    segment : int, optional
        The segment's index; all customers when ``None``.

    Returns
    -------
    Estimate
        What the metric's displayed interval (:func:`interval`) is made from.

    Examples
    --------
    >>> from journeydsl.sim.metrics import Collector, CustomerOutcomes
    >>> collector = Collector(touchpoints=0, stages=0, segments=1)
    >>> for converted in (1.0, 1.0, 0.0, 1.0):
    ...     collector.customer(0, CustomerOutcomes(converted, *[0.0] * 11), recommendation=5)
    >>> collector.flush()
    >>> estimate([collector], "conversion_rate")
    Estimate(mean=0.75, stderr=0.25, df=None, customers=4)
    """
    return _estimate([c.metric(name, segment) for c in collectors])


def _estimate(per_replication: list[Moments]) -> Estimate:
    """The mean and standard error of one figure from each replication's moments (see :func:`estimate`)."""
    counted = [moments for moments in per_replication if moments.n]
    if len(counted) > 1:
        means = Moments()
        for moments in counted:
            means.add(moments.mean)
        return Estimate(means.mean, means.stderr, means.n - 1, sum(moments.n for moments in counted))
    only = counted[0] if counted else Moments()
    return Estimate(only.mean, only.stderr, None, only.n)


def _metric_block(collectors: list[Collector], segment: int | None) -> Document:
    """Each metric's mean and interval (see :func:`estimate`), within the metric's bounds."""
    block = {}
    for name in METRICS:
        measured = estimate(collectors, name, segment)
        block[name] = interval(measured.mean, measured.stderr, measured.df, metric=name, n=measured.customers)
    return block


def episode_moments(collectors: list[Collector], number: int, metric: str) -> list[Moments]:
    """Per replication, the moments of episode ``number``'s ``metric`` over every segment.

    ``metric`` is ``"remembered_experience"`` or ``"satisfaction"``.
    """
    part = 0 if metric == "remembered_experience" else 1
    pooled = []
    for collector in collectors:
        moments = Moments()
        for group in collector.episodes[number]:
            moments.merge(group[part])
        pooled.append(moments)
    return pooled


def episode_estimate(collectors: list[Collector], number: int, metric: str) -> Estimate:
    """The estimate of episode ``number``'s ``metric`` over the replications (see :func:`estimate`)."""
    return _estimate(episode_moments(collectors, number, metric))


def _episode_figures(per_replication: list[list[EpisodeGroup]]) -> Document:
    """Customers, remembered experience and satisfaction of one episode over the given groups per replication."""
    figures: Document = {}
    for metric, part in (("remembered_experience", 0), ("satisfaction", 1)):
        pooled = []
        for groups in per_replication:
            moments = Moments()
            for group in groups:
                moments.merge(group[part])
            pooled.append(moments)
        measured = _estimate(pooled)
        figures["customers"] = measured.customers
        figures[metric] = (
            interval(measured.mean, measured.stderr, measured.df, metric=metric, n=measured.customers)
            if measured.customers
            else None
        )
    return figures


def _episodes(plan: Plan, collectors: list[Collector]) -> Document:
    """Each remembered episode: its stages, whether it decides return, and its figures, overall and per segment."""
    block = {}
    for number, episode in enumerate(plan.episodes):
        groups = [c.episodes[number] for c in collectors]
        block[episode.name] = {
            "stages": list(episode.stage_names),
            "decides_return": episode.decides_return,
            **_episode_figures(groups),
            "segments": {
                segment.name: _episode_figures([[g[segment.index]] for g in groups]) for segment in plan.segments
            },
        }
    return block


def _no_customers(plan: Plan, collectors: list[Collector], design: str, settings: RunSettings | None) -> str:
    """Why a simulation counted no customer, in the words of its settings."""
    unit = plan.time_unit
    what = f"design `{design}` of `{plan.name}` counted no customers"
    horizon = plan.horizon if settings is None or settings.horizon is None else settings.horizon
    warmup = settings.warmup if settings is not None else 0.0
    if warmup and horizon is not None and warmup >= horizon and (settings is None or settings.customers is None):
        return (
            f"{what}: the warm-up ({warmup:g} {unit}) is not shorter than the horizon ({horizon:g} {unit}), "
            "so every customer arrived during the warm-up; shorten the warm-up or lengthen the horizon"
        )
    if warmup and all(c.observed_time <= 0 for c in collectors):
        more = f" or simulate more than {settings.customers} customers" if settings and settings.customers else ""
        return f"{what}: every customer arrived during the warm-up ({warmup:g} {unit}); shorten the warm-up{more}"
    waiting = sum(c.in_progress for c in collectors)
    if waiting:
        return (
            f"{what}: all {waiting} customers were still in their first journey when the run stopped"
            + (f" at the horizon ({horizon:g} {unit})" if horizon is not None else "")
            + "; lengthen the horizon"
        )
    within = f" within the horizon ({horizon:g} {unit})" if horizon is not None else ""
    return f"{what}: no customer arrived{within}; check the arrivals or lengthen the horizon"


def summarise(
    plan: Plan,
    collectors: list[Collector],
    seed: int,
    design: str = "baseline",
    settings: RunSettings | None = None,
) -> Document:
    """The results document (``journeydsl.results/1``) of one or more replications.

    Parameters
    ----------
    plan : Plan
        The compiled design.
    collectors : list of Collector
        One per replication.
    seed : int
        The master seed.
    design : str
        The design's name.
    settings : RunSettings, optional
        The settings it ran with, to say what went wrong when no customer was counted.

    Raises
    ------
    NoCustomersError
        When no replication counted a customer (a warm-up as long as the horizon,
        a horizon with no arrival): such a run has no figures to report.
    NonFiniteResultError
        When a figure is not a finite number.
    """
    if not sum(c.customers for c in collectors):
        raise NoCustomersError(_no_customers(plan, collectors, design, settings))
    try:
        document = _summary(plan, collectors, seed, design)
        if plan.episodes:
            document["episodes"] = _episodes(plan, collectors)
        document["series"] = series_document(
            [c.series for c in collectors],
            series_period(0.0, plan.day, plan.time_unit, collectors[0].series.period),
            time_unit=plan.time_unit,
            warmup=settings.warmup if settings is not None else 0.0,
            market=plan.arrivals.count if plan.arrivals.kind == "market" else None,
        )
        return document
    except NonFiniteResultError as error:
        raise NonFiniteResultError(
            f"design `{design}` of `{plan.name}`: {error}; are costs, values or durations too large to add up?"
        ) from None


def _summary(plan: Plan, collectors: list[Collector], seed: int, design: str) -> Document:
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
            affect.merge(c.affect(i))
            waits.merge(c.waits[i])
        pooled = Reservoir(size=sum(len(c.wait_sample[i].values) for c in collectors) or 1)
        for c in collectors:
            for value in c.wait_sample[i].values:
                pooled.add(value)
        visits = affect.n
        utilisation = None
        if tp.capacity is not None:
            capacity_time = sum(tp.capacity * c.staffed_time for c in collectors)
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
            "turned_away": sum(c.turned_away[i] for c in collectors),
            "over_budget": sum(c.over_budget[i] for c in collectors),
            "failures": sum(c.failures[i] for c in collectors),
            "cost": rounded(sum(c.cost[i] for c in collectors)),
            "staff": _staff(plan, tp, collectors),
        }
    segments = {}
    for segment in plan.segments:
        counted = sum(c.segment_customers[segment.index] for c in collectors)
        segments[segment.name] = {
            "customers": counted,
            "share": rounded(counted / customers) if customers else 0.0,
            "metrics": _metric_block(collectors, segment.index),
            "touchpoints": _segment_touchpoints(in_journey_order, collectors, segment.index, counted),
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
        "costs": _costs(plan, collectors, customers),
        "themes": {name: rounded(themes[i] / customers) if customers else 0.0 for i, name in enumerate(THEME_NAMES)},
        "modules": {name: rounded(modules[i] / customers) if customers else 0.0 for i, name in enumerate(MODULE_NAMES)},
    }


def _segment_touchpoints(
    touchpoints: list[TouchpointPlan], collectors: list[Collector], segment: int, customers: int
) -> Document:
    """A segment's figures per touchpoint, in journey order: who reached it and how it felt to them.

    ``reach`` is the share of the segment's counted customers who visited the
    touchpoint at least once; ``mean_affect`` the mean momentary affect of
    their visits and ``carried_in`` the part of it carried in from the moment
    before (null when nobody of the segment visited); ``peak_share`` and
    ``end_share`` the share of the segment's judged cycles whose peak, or end,
    was a visit of it.
    """
    cycles = sum(sum(c.segment_peaks[segment]) for c in collectors)
    figures: Document = {}
    for tp in touchpoints:
        i = tp.index
        visits = sum(c.segment_visits[segment][i] for c in collectors)
        felt = sum(c.segment_affect[segment][i] for c in collectors)
        carried = sum(c.segment_carried[segment][i] for c in collectors)
        reached = sum(c.segment_reached[segment][i] for c in collectors)
        figures[tp.name] = {
            "visits": visits,
            "reach": rounded(min(1.0, reached / customers)) if customers else 0.0,
            "mean_affect": _affect(felt / visits) if visits else None,
            "carried_in": _affect(carried / visits) if visits else None,
            "peak_share": rounded(sum(c.segment_peaks[segment][i] for c in collectors) / cycles) if cycles else 0.0,
            "end_share": rounded(sum(c.segment_ends[segment][i] for c in collectors) / cycles) if cycles else 0.0,
        }
    return figures


def _affect(value: float) -> float:
    """An affect for the results: rounded, and 0 when it is below a millionth (a mood faded to nothing)."""
    return rounded(value) if abs(value) >= 1e-6 else 0.0


def _staff(plan: Plan, tp: TouchpointPlan, collectors: list[Collector]) -> Document | None:
    """A touchpoint's staffing: servers, their cost per hour, the hours staffed and the cost (None: no staff cost)."""
    if tp.capacity is None or not tp.staff_cost:
        return None
    hour = unit_seconds("hour") / unit_seconds(plan.time_unit)
    return {
        "servers": tp.capacity,
        "cost_per_hour": rounded(tp.staff_cost * hour),
        "hours": rounded(sum(c.paid_time for c in collectors) / hour),
        "cost": rounded(sum(c.staff_cost[tp.index] for c in collectors)),
    }


def _costs(plan: Plan, collectors: list[Collector], customers: int) -> Document:
    """What the counted customers cost, by kind: contacts (care included) and staff, in total and per customer."""
    contact = sum(sum(c.cost) for c in collectors)
    staff = sum(sum(c.staff_cost) for c in collectors)
    return {
        "contact": rounded(contact),
        "staff": rounded(staff),
        "contact_per_customer": rounded(contact / customers) if customers else 0.0,
        "staff_per_customer": rounded(staff / customers) if customers else 0.0,
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
