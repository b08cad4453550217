"""Running a sweep: every point of a sweep x replications on the runner, as one tidy table, and the best point.

The points (:func:`journeydsl.lang.sweep.build_points`) become designs
(:func:`journeydsl.lang.sweep.point_designs`) that the one runner
(:class:`journeydsl.sim.runner.Runner`) runs with **common random numbers**:
replication ``k`` of every point uses the same seed, so two points differ
only by their settings, never by their luck, and the response between
neighbouring points is smooth.  Where replications run (this process, a
process pool, a Dask cluster) never changes a number: results are the same
bytes whatever runs them.

The table is tidy: one :class:`SweepRow` per point and metric, with the
point's settings, the mean and its 95% interval (as the results document
gives it, :mod:`journeydsl.sim.results`).  :func:`choose` ranks the points
by an objective among those that keep a budget.

Examples
--------
>>> from journeydsl.api import loads
>>> from journeydsl.lang.sweep import read_sweep_text
>>> from journeydsl.sim.runner import Runner
>>> from journeydsl.sim.settings import RunSettings
>>> j = loads('journey "J" { arrivals cohort 40 stage a goal { touchpoint t: staff cost 5 { feel +1 } } }')
>>> spec = read_sweep_text('[settings]\\n"cost of t" = [5, 10]', j)
>>> result = run_sweep(j, spec, Runner(), RunSettings(replications=2, workers=1))
>>> [round(result.value(point.index, "cost_per_customer").mean, 2) for point in result.points]
[5.0, 10.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .._version import __version__
from ..lang.checks import run_checks
from ..lang.decisions import LOWER_IS_BETTER
from ..lang.model import DistributionSpec, Journey
from ..lang.sweep import (
    SWEEP_METRICS,
    Constraint,
    Point,
    SweepSpec,
    build_points,
    parse_queue_metric,
    point_designs,
    sweep_metrics,
)
from ..lang.vocabulary import METRICS
from ..sim.dists import from_spec
from ..sim.runner import Design, Outcome, Runner
from ..sim.settings import RunSettings

__all__ = ["Choice", "Ranked", "SweepResult", "SweepRow", "choose", "run_sweep", "SCHEMA"]

#: The name of the sweep's table schema (written in its JSON form).
SCHEMA = "journeydsl.sweep/1"


@dataclass(frozen=True)
class SweepRow:
    """One point and one metric: the point's settings, the mean and its 95% interval (``None`` when there is none)."""

    point: int
    values: tuple[float, ...]
    metric: str
    mean: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep.

    Attributes
    ----------
    journey : str
        The journey's name.
    spec : SweepSpec
        The sweep as read.
    points : list of Point
        The points, in order.
    settings : RunSettings
        The run settings every point ran with (seed resolved).
    customers : list of int
        Customers counted per point (over all replications).
    rows : list of SweepRow
        One per point and metric of :attr:`metrics`, point by point.
    metrics : tuple of str
        What was measured at every point (:func:`journeydsl.lang.sweep.sweep_metrics`): the
        results' metrics, profit, the cost of a run, and each queue's mean wait and utilisation
        (``wait_mean of touchpoint advisor``; means only, without an interval).
    replicates : dict
        Per (point, metric), the metric's value in each replication (the results' metrics and
        profit; replications that counted no customer left out), for paired differences.
    time_unit : str or None
        The journey's time unit (durations are in it).
    source_sha256 : str or None
        The SHA-256 of the journey's source texts (``None`` for a journey not read from text).
    """

    journey: str
    spec: SweepSpec
    points: list[Point]
    settings: RunSettings
    customers: list[int]
    rows: list[SweepRow]
    metrics: tuple[str, ...] = SWEEP_METRICS
    replicates: dict[tuple[int, str], tuple[float, ...]] = field(default_factory=dict, repr=False)
    time_unit: str | None = None
    source_sha256: str | None = None

    @property
    def labels(self) -> list[str]:
        """The settings as written, in order (the table's setting columns)."""
        return [setting.label for setting in self.spec.settings]

    def value(self, point: int, metric: str) -> SweepRow:
        """The row of one point (its number, from 1) and one metric."""
        per_point = len(self.metrics)
        row = self.rows[(point - 1) * per_point + self.metrics.index(metric)]
        assert row.point == point and row.metric == metric
        return row

    def metric(self, metric: str) -> list[SweepRow]:
        """One metric's row of every point, in point order."""
        return [self.value(point.index, metric) for point in self.points]

    def best(self, objective: str, maximize: bool | None = None, constraints: Sequence[Constraint] = ()) -> Choice:
        """The points that keep every constraint, best first by ``objective`` (see :func:`choose`)."""
        return choose(self, objective, maximize, constraints)

    def record(self, choice: Choice | None = None) -> dict[str, Any]:
        """The sweep as plain data (schema :data:`SCHEMA`): what ran, one entry per row, and the ranking.

        Parameters
        ----------
        choice : Choice, optional
            The ranking by an objective under a budget (:meth:`best`); without it ``choice`` is ``null``.

        Returns
        -------
        dict
            The ``journeydsl.sweep/1`` document (``journeydsl/schemas/sweep.schema.json``, docs/scale.md).
        """
        return {
            "schema": SCHEMA,
            "journeydsl": __version__,
            "journey": self.journey,
            "design": self.spec.design,
            "method": self.spec.method,
            "sample_seed": self.spec.seed,
            "settings": self.labels,
            "metrics": list(self.metrics),
            "time_unit": self.time_unit or "minutes",
            "run": self.settings.record(),
            "points": len(self.points),
            "customers": list(self.customers),
            "rows": [
                {
                    "point": row.point,
                    "settings": dict(zip(self.labels, row.values, strict=True)),
                    "metric": row.metric,
                    "mean": row.mean,
                    "ci95": None if row.low is None else [row.low, row.high],
                }
                for row in self.rows
            ],
            "choice": None if choice is None else choice.record(),
            "source_sha256": self.source_sha256,
        }


def _mean_of(spec: DistributionSpec, time_unit: str | None) -> float:
    """A duration's mean in the journey's time unit (the simulator's distributions know it)."""
    return from_spec(spec, time_unit).mean


def run_sweep(
    journey: Journey,
    spec: SweepSpec,
    runner: Runner,
    settings: RunSettings,
    *,
    progress: Callable[[float], None] | None = None,
    allow_large: bool = False,
) -> SweepResult:
    """Run every point of a sweep for ``settings.replications`` replications with common random numbers.

    Parameters
    ----------
    journey : Journey
        The journey as written (baseline and variants).
    spec : SweepSpec
        The checked sweep (:func:`journeydsl.lang.sweep.read_sweep`).
    runner : Runner
        Where the replications run (its executor: serial, processes or Dask); results never depend on it.
    settings : RunSettings
        How to run each point; the seed falls back to the journey's.  A precision is settled once
        for all points.
    progress : callable, optional
        Called with the finished share (0..1).
    allow_large : bool
        Check the points as ``--allow-large`` does.

    Returns
    -------
    SweepResult

    Raises
    ------
    journeydsl.lang.sweep.SweepError
        When a point's journey has errors (reported at its setting in the sweep file).
    """
    points = build_points(spec)
    journeys = point_designs(journey, spec, points, _mean_of, partial(run_checks, allow_large=allow_large))
    designs = [Design(point.name, design) for point, design in zip(points, journeys, strict=True)]
    settings = settings.resolved(journey.seed)
    outcomes = runner.run(designs, settings, progress=progress)
    metrics = sweep_metrics(journey, spec)
    rows: list[SweepRow] = []
    customers: list[int] = []
    replicates: dict[tuple[int, str], tuple[float, ...]] = {}
    for point, outcome in zip(points, outcomes, strict=True):
        customers.append(int(outcome.results["customers"]))
        rows.extend(_rows(point, outcome, metrics))
        replicates.update(_replicates(point, outcome))
    return SweepResult(
        journey.name,
        spec,
        points,
        outcomes[0].settings,
        customers,
        rows,
        metrics,
        replicates,
        journey.time_unit,
        journey.source_sha256,
    )


def _replicates(point: Point, outcome: Outcome) -> dict[tuple[int, str], tuple[float, ...]]:
    """Each metric's (and profit's) value per replication that counted customers, in replication order."""
    from ..sim.results import estimate

    found: dict[tuple[int, str], tuple[float, ...]] = {}
    counted = [collector for collector in outcome.collectors if estimate([collector], "satisfaction").customers]
    for name in METRICS:
        found[(point.index, name)] = tuple(estimate([c], name).mean for c in counted)
    found[(point.index, "profit")] = tuple(
        estimate([c], "revenue_per_customer").mean - estimate([c], "cost_per_customer").mean for c in counted
    )
    return found


def _rows(point: Point, outcome: Outcome, metrics: Sequence[str]) -> list[SweepRow]:
    """The point's ``metrics``, each with its interval where the results have one (queues' without)."""
    from ..sim.results import estimate, interval, rounded

    results = outcome.results
    rows = []
    for name, block in results["metrics"].items():
        ci = block.get("ci95")
        rows.append(SweepRow(point.index, point.values, name, block.get("mean"), *(ci if ci else (None, None))))
    revenue = estimate(outcome.collectors, "revenue_per_customer")
    cost = estimate(outcome.collectors, "cost_per_customer")
    profit = revenue.mean - cost.mean
    if revenue.customers and math.isfinite(profit):
        block = interval(profit, math.hypot(revenue.stderr, cost.stderr), revenue.df)
        low, high = block["ci95"]
        rows.append(SweepRow(point.index, point.values, "profit", rounded(profit), low, high))
    else:
        rows.append(SweepRow(point.index, point.values, "profit", None, None, None))
    costs = results["costs"]
    total = (costs["contact"] + costs["staff"]) / max(1, int(results["replications"]))
    rows.append(SweepRow(point.index, point.values, "total_cost", rounded(total), None, None))
    touchpoints = results["touchpoints"]
    for metric in metrics[len(SWEEP_METRICS) :]:
        queue = parse_queue_metric(metric)
        assert queue is not None  # sweep_metrics names only queues after the sweep's metrics
        measure, name = queue
        value = touchpoints.get(name, {}).get(measure)
        rows.append(SweepRow(point.index, point.values, metric, value, None, None))
    return rows


@dataclass(frozen=True)
class Ranked:
    """A point in the ranking.

    Attributes
    ----------
    place : int
        From 1.
    point : Point
        The point.
    objective : SweepRow
        Its objective's row.
    behind : tuple of float or None
        The 95% interval of the best point's objective minus this one's (the other way round when
        less is better), paired by replication: common random numbers make the replications of two
        points alike but for their settings.  ``None`` for the best point, and with fewer than two
        replications (then :attr:`near_best` compares the points' own intervals).
    near_best : bool
        The data cannot tell the point from the best: the interval of :attr:`behind` includes 0.
    """

    place: int
    point: Point
    objective: SweepRow
    behind: tuple[float, float] | None
    near_best: bool


@dataclass(frozen=True)
class Choice:
    """The points that keep every constraint, best first, and how many did not.

    Attributes
    ----------
    objective : str
        The metric ranked by.
    maximize : bool
        Higher is better.
    constraints : tuple of Constraint
        The budget and bounds.
    ranked : list of Ranked
        The feasible points, best first (ties broken by point number).
    infeasible : int
        Points not ranked: they broke a constraint (or their objective has no value).
    over_budget : tuple of int
        The numbers of the points that broke a constraint, in order.
    """

    objective: str
    maximize: bool
    constraints: tuple[Constraint, ...]
    ranked: list[Ranked]
    infeasible: int
    over_budget: tuple[int, ...] = ()

    @property
    def best(self) -> Ranked | None:
        """The best point within every constraint, or ``None`` when no point keeps them all."""
        return self.ranked[0] if self.ranked else None

    def record(self) -> dict[str, Any]:
        """The ranking as plain data: the ``choice`` of the ``journeydsl.sweep/1`` document."""
        return {
            "objective": self.objective,
            "maximize": self.maximize,
            "budget": [str(constraint) for constraint in self.constraints],
            "ranked": [
                {
                    "place": ranked.place,
                    "point": ranked.point.index,
                    "mean": ranked.objective.mean,
                    "behind": None if ranked.behind is None else list(ranked.behind),
                    "near_best": ranked.near_best,
                }
                for ranked in self.ranked
            ],
            "over_budget": list(self.over_budget),
            "infeasible": self.infeasible,
        }


def choose(
    result: SweepResult, objective: str, maximize: bool | None = None, constraints: Sequence[Constraint] = ()
) -> Choice:
    """Rank the points that keep every constraint by the objective's mean, best first.

    A constraint is judged on the metric's mean (or the setting's value).  Each
    point after the best gets the 95% interval of how far it is behind the best,
    paired by replication (common random numbers); it is ``near_best`` when that
    interval includes 0, so the data cannot tell it from the best.  With one
    replication there is nothing to pair: the points' own intervals are compared.

    Parameters
    ----------
    result : SweepResult
        The finished sweep.
    objective : str
        One of the sweep's :attr:`SweepResult.metrics`.
    maximize : bool, optional
        Higher is better; by default lower is better for costs, times, waits,
        detractors and passives, higher for everything else.
    constraints : sequence of Constraint
        Bounds every chosen point keeps (``cost_per_customer <= 50``).

    Returns
    -------
    Choice
    """
    if objective not in result.metrics:
        raise ValueError(f"`{objective}` is not a metric of this sweep")
    if maximize is None:
        queue = parse_queue_metric(objective)
        lower = (
            objective in LOWER_IS_BETTER or objective == "total_cost" or (queue is not None and queue[0] == "wait_mean")
        )
        maximize = not lower
    labels = result.labels
    feasible: list[tuple[Point, SweepRow]] = []
    over_budget: list[int] = []
    for point in result.points:
        keeps = True
        for constraint in constraints:
            if constraint.subject in labels:
                value: float | None = point.values[labels.index(constraint.subject)]
            else:
                value = result.value(point.index, constraint.subject).mean
            keeps = keeps and constraint.holds(value)
        row = result.value(point.index, objective)
        if not keeps:
            over_budget.append(point.index)
        if keeps and row.mean is not None:
            feasible.append((point, row))
    sign = -1.0 if maximize else 1.0
    feasible.sort(key=lambda pair: (sign * (pair[1].mean or 0.0), pair[0].index))
    ranked: list[Ranked] = []
    for place, (point, row) in enumerate(feasible, 1):
        if place == 1:
            ranked.append(Ranked(1, point, row, None, True))
            continue
        best_point, best_row = feasible[0]
        behind = _paired(result, objective, best_point.index, point.index, -sign)
        near = behind[0] <= 0 <= behind[1] if behind is not None else _overlaps(row, best_row)
        ranked.append(Ranked(place, point, row, behind, near))
    return Choice(
        objective, maximize, tuple(constraints), ranked, len(result.points) - len(feasible), tuple(over_budget)
    )


def _paired(result: SweepResult, metric: str, best: int, other: int, sign: float) -> tuple[float, float] | None:
    """The 95% interval of ``sign * (best - other)`` over the replications both counted customers in."""
    from ..sim.results import interval

    first = result.replicates.get((best, metric), ())
    second = result.replicates.get((other, metric), ())
    if len(first) != len(second) or len(first) < 2:
        return None
    differences = [sign * (a - b) for a, b in zip(first, second, strict=True)]
    n = len(differences)
    mean = sum(differences) / n
    spread = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    low, high = interval(mean, spread / math.sqrt(n), n - 1)["ci95"]
    return (float(low), float(high))


def _overlaps(row: SweepRow, best: SweepRow) -> bool:
    """Whether two points' own 95% intervals overlap (False when either has none)."""
    if row.low is None or row.high is None or best.low is None or best.high is None:
        return False
    return row.low <= best.high and best.low <= row.high
