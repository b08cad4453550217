"""Streaming aggregates: what the engine observes, folded into sums as it happens.

Nothing per customer is kept beyond a small buffer: each metric is a running
count, sum and sum of squared deviations from the mean (enough for a mean and
its standard error), folded in blocks of customers; waits keep a fixed-size
reservoir sample for their 95th percentile.  :meth:`Collector.summary` turns
the sums into plain numbers.

The spread is never taken from a sum of squares minus the square of a sum,
which cancels catastrophically when the values lie far from zero compared with
their spread (1e8 plus unit noise gave a standard deviation of 0): one value
is added by Welford's update (Welford 1962) and a block of values, or another
aggregate, by Chan, Golub & LeVeque's formula for combining two groups (1979).
Means are sums divided by counts, as before.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from operator import add
from typing import NamedTuple

from ..lang.vocabulary import METRICS
from .series import SeriesCollector

__all__ = [
    "METRICS",
    "Moments",
    "Reservoir",
    "Histogram",
    "CustomerOutcomes",
    "PairedOutcome",
    "FactorSums",
    "RecoveryGroup",
    "EpisodeGroup",
    "Collector",
]

_COUNT = len(METRICS)
# Columns of a block of outcomes (see CustomerOutcomes).
_REMEMBERED = METRICS.index("remembered_experience")
_SATISFACTION = METRICS.index("satisfaction")
_RETURN_RATE = METRICS.index("return_rate")
_COST = METRICS.index("cost_per_customer")
#: Customers buffered per segment before their outcomes are folded into the aggregates.
_BLOCK = 512
#: Visits buffered (their moments) before they are folded into the aggregates whatever the customers
#: do: a long journey's customers make many visits before any of them finishes (4 MB of moments).
FOLD_VISITS = 1 << 17


@dataclass
class Moments:
    """Running count, sum and sum of squared deviations from the mean of a quantity.

    Values are added by Welford's update (:meth:`add`), groups by Chan's formula
    (:meth:`merge`), so the spread stays exact to rounding however far the values
    lie from zero.

    Examples
    --------
    >>> m = Moments()
    >>> for value in (1e8 + 1, 1e8 + 2, 1e8 + 3):
    ...     m.add(value)
    >>> m.mean, m.sd
    (100000002.0, 1.0)
    >>> other = Moments()
    >>> other.add(1e8 + 4)
    >>> m.merge(other)
    >>> m.n, round(m.sd, 12)
    (4, 1.290994448736)
    """

    n: int = 0
    total: float = 0.0
    #: The sum of squared deviations from the mean (``(n - 1)`` times the variance).
    m2: float = 0.0

    def add(self, value: float) -> None:
        """Fold one observation in (Welford's update)."""
        if not self.n:
            self.n, self.total, self.m2 = 1, value, 0.0
            return
        before = self.total / self.n
        self.n += 1
        self.total += value
        self.m2 += (value - before) * (value - self.total / self.n)

    def merge(self, other: Moments) -> None:
        """Fold another group's moments in (Chan, Golub & LeVeque's pairwise formula)."""
        if not other.n:
            return
        if not self.n:
            self.n, self.total, self.m2 = other.n, other.total, other.m2
            return
        delta = other.total / other.n - self.total / self.n
        n = self.n + other.n
        self.m2 += other.m2 + delta * delta * (self.n * other.n / n)
        self.n = n
        self.total += other.total

    @property
    def squares(self) -> float:
        """The sum of squares (derived; prefer :attr:`m2`, which keeps its precision)."""
        return self.m2 + self.total * self.total / self.n if self.n else 0.0

    @property
    def mean(self) -> float:
        """The mean (0 with no observations)."""
        return self.total / self.n if self.n else 0.0

    @property
    def sd(self) -> float:
        """The sample standard deviation (0 with fewer than two observations)."""
        if self.n < 2:
            return 0.0
        return math.sqrt(max(0.0, self.m2 / (self.n - 1)))

    @property
    def stderr(self) -> float:
        """Standard error of the mean."""
        return self.sd / math.sqrt(self.n) if self.n else 0.0


class Reservoir:
    """A uniform sample of at most ``size`` observations (Vitter's algorithm R), for quantiles."""

    def __init__(self, size: int = 4096, seed: int = 0):
        self.size = size
        self.seen = 0
        self.values: list[float] = []
        self._rng = random.Random(seed)

    def add(self, value: float) -> None:
        """Offer one observation."""
        self.seen += 1
        if len(self.values) < self.size:
            self.values.append(value)
            return
        slot = int(self._rng.random() * self.seen)
        if slot < self.size:
            self.values[slot] = value

    def quantile(self, q: float) -> float:
        """The q-quantile of the sample (linear interpolation; 0 when empty)."""
        if not self.values:
            return 0.0
        ordered = sorted(self.values)
        position = q * (len(ordered) - 1)
        low = int(math.floor(position))
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Histogram:
    """Counts in equal-width bins over ``[low, high]``; values outside land in the end bins.

    Examples
    --------
    >>> h = Histogram(0.0, 10.0, 5)
    >>> for value in (0.5, 1.0, 9.9, 10.0, 42.0):
    ...     h.add(value)
    >>> h.counts, h.edges()[:3]
    ([2, 0, 0, 0, 3], [0.0, 2.0, 4.0])
    """

    def __init__(self, low: float, high: float, bins: int):
        self.low = low
        self.high = high
        self.counts = [0] * bins
        self._scale = bins / (high - low)

    def add(self, value: float) -> None:
        """Count one value in its bin."""
        index = int((value - self.low) * self._scale)
        self.counts[min(len(self.counts) - 1, max(0, index))] += 1

    def edges(self) -> list[float]:
        """The ``bins + 1`` bin edges."""
        width = (self.high - self.low) / len(self.counts)
        return [self.low + i * width for i in range(len(self.counts) + 1)]

    def merged(self, other: Histogram) -> Histogram:
        """A histogram with both histograms' counts (same bins)."""
        result = Histogram(self.low, self.high, len(self.counts))
        result.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        return result


class CustomerOutcomes(NamedTuple):
    """One counted customer's outcomes, one field per metric, in the order of :data:`METRICS`.

    A tuple, so that a block of customers folds into the sums as one numpy array.
    """

    conversion_rate: float
    remembered_experience: float
    satisfaction: float
    nps: float
    promoters: float
    passives: float
    detractors: float
    return_rate: float
    referrals_per_customer: float
    time_in_journey: float
    cost_per_customer: float
    revenue_per_customer: float


class PairedOutcome(NamedTuple):
    """What a paired comparison keeps of one counted customer (see ``Collector.records``)."""

    #: The customer's segment index.
    segment: int
    #: Whether the customer would come back (the same keyed number in every design).
    comes_back: bool
    outcomes: CustomerOutcomes


@dataclass(slots=True)
class FactorSums:
    """Per segment and factor: how many customers perceived it, and the sums of what they perceived,
    expected and how much it mattered to them (the gap analysis divides by ``customers``)."""

    customers: float = 0.0
    performance: float = 0.0
    expectation: float = 0.0
    importance: float = 0.0

    def __iter__(self) -> Iterator[float]:
        """The four figures in the order above (the gap analysis adds collectors' up figure by figure)."""
        return iter((self.customers, self.performance, self.expectation, self.importance))


class RecoveryGroup(NamedTuple):
    """Satisfaction and return probability of the customers of one failure experience."""

    satisfaction: Moments
    returning: Moments


class EpisodeGroup(NamedTuple):
    """The remembered experience and satisfaction of one episode, over the customers who went through it."""

    remembered: Moments
    satisfaction: Moments


class Collector:
    """Receives observations from the engine and keeps only running aggregates.

    Per touchpoint and per metric the aggregates are flat lists indexed by the
    plan's numbering, so that the engine's hot loop updates them with plain
    list operations.

    Parameters
    ----------
    touchpoints, stages, segments : int
        How many of each the plan has.
    episodes : int
        How many remembered episodes the plan has (0 by default).
    """

    def __init__(self, touchpoints: int, stages: int, segments: int, episodes: int = 0):
        #: Momentary affects of the visits not yet folded in, per segment and touchpoint: the engine
        #: appends to ``moments[segment][touchpoint]``; :meth:`flush` folds them into the sums below.
        self.moments: list[list[list[float]]] = [[[] for _ in range(touchpoints)] for _ in range(segments)]
        #: About how many moments wait in :attr:`moments` (as the engine reports them, see :meth:`visited`).
        self.unfolded = 0
        self.visits = [0] * touchpoints
        self.segment_visits = [[0] * touchpoints for _ in range(segments)]
        self.segment_affect = [[0.0] * touchpoints for _ in range(segments)]
        #: Per segment and touchpoint: customers who visited it at least once (their first visit).
        self.segment_reached = [[0] * touchpoints for _ in range(segments)]
        #: Per segment and touchpoint: the cycles whose peak, and whose end, was a visit of it.
        self.segment_peaks = [[0] * touchpoints for _ in range(segments)]
        self.segment_ends = [[0] * touchpoints for _ in range(segments)]
        #: Per segment and touchpoint: the sum of the mood carried into its visits from the moment before
        #: (faded; see ``psychology.carried_mood``); the rest of a visit's affect is the touchpoint's own.
        self.segment_carried = [[0.0] * touchpoints for _ in range(segments)]
        self.affect_sum = [0.0] * touchpoints
        #: Per touchpoint: the sum of squared deviations of the affects from their mean.
        self.affect_m2 = [0.0] * touchpoints
        self.waits = [Moments() for _ in range(touchpoints)]
        self.wait_sample = [Reservoir(seed=index) for index in range(touchpoints)]
        self.peaks = [0] * touchpoints
        self.ends = [0] * touchpoints
        self.reneged = [0] * touchpoints
        #: Per touchpoint: customers sent away unserved because the counter closed (``at closing turn away``).
        self.turned_away = [0] * touchpoints
        #: Per care touchpoint: contacts not made because they did not fit in the customer's care budget.
        self.over_budget = [0] * touchpoints
        self.failures = [0] * touchpoints
        self.cost = [0.0] * touchpoints
        #: Per touchpoint: what its servers cost over the staffed time (``staff cost``).
        self.staff_cost = [0.0] * touchpoints
        self.busy = [0.0] * touchpoints
        self.entered = [0] * stages
        self.dropped = [0] * stages
        self.segment_customers = [0] * segments
        self._sum = [[0.0] * _COUNT for _ in range(segments + 1)]
        self._m2 = [[0.0] * _COUNT for _ in range(segments + 1)]
        self.customers = 0
        self._pending: list[list[CustomerOutcomes]] = [[] for _ in range(segments)]
        self._pending_scores: list[list[int]] = [[] for _ in range(segments)]
        self._pending_groups: list[list[int]] = [[] for _ in range(segments)]
        self.in_progress = 0
        self.cycles = 0
        self.positive_talk = 0
        self.negative_talk = 0
        self.referrals = 0
        self.repeat_purchases = 0
        self.observed_time = 0.0
        #: The open time within the observed time (all of it without opening hours): what utilisation divides by.
        self.staffed_time = 0.0
        #: The time the staff cost is paid for: open time from the warm-up to the end of the arrivals.
        self.paid_time = 0.0
        # Distributions for plots: remembered experience, satisfaction, and the 0..10 recommendation score.
        self.remembered = Histogram(-10.0, 10.0, 80)
        self.satisfaction = Histogram(0.0, 10.0, 40)
        self.recommendation = [0] * 11
        #: Satisfaction and return probability by failure experience: none, recovered, unrecovered.
        self.recovery = [RecoveryGroup(Moments(), Moments()) for _ in range(3)]
        #: Per (segment, factor): customers, and sums of perceived performance, expectation, importance.
        self.factors: dict[tuple[int, int], FactorSums] = {}
        #: Per-customer outcomes by customer key, kept only for paired comparisons.
        self.records: dict[int, PairedOutcome] | None = None
        #: Per episode and segment: the first cycle's remembered experience and satisfaction of the episode.
        self.episodes = [[EpisodeGroup(Moments(), Moments()) for _ in range(segments)] for _ in range(episodes)]
        #: What happened per period (the engine sets it; one period of a day until then).
        self.series = SeriesCollector(1440.0)

    def customer(self, segment: int, values: CustomerOutcomes, recommendation: int, recovery: int = 0) -> None:
        """One customer's outcomes, in the order of :data:`METRICS`, their 0..10 recommendation score
        and their failure experience in the first cycle (0 none, 1 every failure recovered, 2 a
        failure left unrecovered).

        Outcomes wait in a small buffer per segment and are folded into the sums
        and histograms a block at a time (:meth:`flush`): memory stays bounded
        and the per-customer cost stays low.
        """
        buffer = self._pending[segment]
        buffer.append(values)
        self._pending_scores[segment].append(recommendation)
        self._pending_groups[segment].append(recovery)
        if len(buffer) >= _BLOCK:
            self._fold(segment)
            self._fold_moments()

    def visited(self, visits: int) -> None:
        """Note that ``visits`` more moments wait in :attr:`moments`; fold them all once there are many.

        The engine calls it after each walk, so that the buffers stay small
        however many touchpoints a customer visits before any customer's
        outcomes fold them (see :data:`FOLD_VISITS`).
        """
        self.unfolded += visits
        if self.unfolded >= FOLD_VISITS:
            self._fold_moments()

    def flush(self) -> None:
        """Fold every buffered customer and visit into the aggregates (the engine calls it at the end of a run)."""
        for segment, buffer in enumerate(self._pending):
            if buffer:
                self._fold(segment)
        self._fold_moments()

    def _fold_moments(self) -> None:
        import numpy as np

        self.unfolded = 0
        for segment, lists in enumerate(self.moments):
            visits = self.segment_visits[segment]
            affect = self.segment_affect[segment]
            for index, values in enumerate(lists):
                if not values:
                    continue
                array = np.array(values, dtype=float)
                values.clear()
                count = len(array)
                total = float(array.sum())
                deviations = float(np.square(array - total / count).sum())
                self.affect_m2[index] = _combined(
                    self.visits[index], self.affect_sum[index], self.affect_m2[index], count, total, deviations
                )
                self.visits[index] += count
                visits[index] += count
                affect[index] += total
                self.affect_sum[index] += total

    def _fold(self, segment: int) -> None:
        import numpy as np

        pending = self._pending[segment]
        # Rows are tuples (CustomerOutcomes); numpy reads a flat stream of them fastest.
        values = np.fromiter(chain.from_iterable(pending), float, len(pending) * _COUNT).reshape(len(pending), _COUNT)
        scores = np.asarray(self._pending_scores[segment], dtype=np.int64)
        groups = np.asarray(self._pending_groups[segment], dtype=np.int64)
        self._pending[segment] = []
        self._pending_scores[segment] = []
        self._pending_groups[segment] = []
        count = len(values)
        block_sums = values.sum(axis=0)
        sums = block_sums.tolist()
        deviations = np.square(values - block_sums / count).sum(axis=0).tolist()
        for group, before in ((-1, self.customers), (segment, self.segment_customers[segment])):
            self._m2[group] = [
                _combined(before, total, m2, count, block, spread)
                for total, m2, block, spread in zip(self._sum[group], self._m2[group], sums, deviations, strict=True)
            ]
            self._sum[group] = list(map(add, self._sum[group], sums))
        self.customers += count
        self.segment_customers[segment] += count
        for histogram, column in (
            (self.remembered, values[:, _REMEMBERED]),
            (self.satisfaction, values[:, _SATISFACTION]),
        ):
            bins = len(histogram.counts)
            index = np.clip(((column - histogram.low) * histogram._scale).astype(np.int64), 0, bins - 1)
            histogram.counts = list(map(add, histogram.counts, np.bincount(index, minlength=bins).tolist()))
        self.recommendation = list(map(add, self.recommendation, np.bincount(scores, minlength=11).tolist()))
        # Satisfaction and return probability by failure experience (service recovery).
        satisfaction, returning = values[:, _SATISFACTION], values[:, _RETURN_RATE]
        for group, moments in enumerate(self.recovery):
            chosen = groups == group
            n = int(chosen.sum())
            if n:
                for aggregate, column in (
                    (moments.satisfaction, satisfaction[chosen]),
                    (moments.returning, returning[chosen]),
                ):
                    total = float(column.sum())
                    aggregate.merge(Moments(n, total, float(np.square(column - total / n).sum())))

    def share_cost(self, per_customer: float) -> None:
        """Add the same cost to every counted customer's ``cost_per_customer``: their share of staff cost.

        Call it after :meth:`flush`.  Adding a constant moves each mean and
        leaves each spread (and so each interval's width within a replication) as it was.
        """
        if not per_customer:
            return
        self._sum[-1][_COST] += per_customer * self.customers
        for segment, counted in enumerate(self.segment_customers):
            self._sum[segment][_COST] += per_customer * counted
        if self.records is not None:
            for key, record in self.records.items():
                outcomes = record.outcomes._replace(cost_per_customer=record.outcomes.cost_per_customer + per_customer)
                self.records[key] = record._replace(outcomes=outcomes)

    def episode(self, episode: int, segment: int, remembered: float, satisfaction: float) -> None:
        """One customer's memory of an episode they went through in their first cycle."""
        group = self.episodes[episode][segment]
        group.remembered.add(remembered)
        group.satisfaction.add(satisfaction)

    def factor(self, segment: int, factor: int, performance: float, expectation: float, importance: float) -> None:
        """One customer's mean perceived performance on a factor, with their expectation and importance."""
        sums = self.factors.get((segment, factor))
        if sums is None:
            sums = self.factors[(segment, factor)] = FactorSums()
        sums.customers += 1
        sums.performance += performance
        sums.expectation += expectation
        sums.importance += importance

    def metric(self, name: str, segment: int | None = None) -> Moments:
        """The running aggregate of one metric, overall or for one segment."""
        index = METRICS.index(name)
        group = -1 if segment is None else segment
        n = self.customers if segment is None else self.segment_customers[segment]
        return Moments(n, self._sum[group][index], self._m2[group][index])

    def affect(self, touchpoint: int) -> Moments:
        """Momentary affect at one touchpoint over all its visits."""
        return Moments(self.visits[touchpoint], self.affect_sum[touchpoint], self.affect_m2[touchpoint])

    @property
    def affect_squares(self) -> list[float]:
        """Per touchpoint, the sum of squared affects (derived from :attr:`affect_m2`)."""
        return [self.affect(index).squares for index in range(len(self.visits))]


def _combined(n_a: int, total_a: float, m2_a: float, n_b: int, total_b: float, m2_b: float) -> float:
    """The sum of squared deviations of two groups together (Chan, Golub & LeVeque 1979)."""
    if not n_a:
        return m2_b
    if not n_b:
        return m2_a
    delta = total_b / n_b - total_a / n_a
    return m2_a + m2_b + delta * delta * (n_a * n_b / (n_a + n_b))
