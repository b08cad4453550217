"""Time series: what happened in each period of a run (arrivals, adoption, NPS, queues, brand image).

A replication counts into a :class:`SeriesCollector` as it runs: every new
customer and every return, every judged cycle with its satisfaction and
recommendation score, every story told, the number of customers waiting in
the queues (integrated over time, so a period's queue length is its time
average) and the brand image whenever it moves.  Periods are fixed before the
run (:func:`series_period`): the one asked for, else the shortest natural
period (an hour, a day, a week, a month, a quarter, a year) that cuts the
expected span of the run into at most :data:`MOST_PERIODS` periods.  The lists
grow with the run, so a run that lasts longer than expected simply has more
periods.  :func:`series_document` pools the replications into the results'
``series`` section.

Every customer counts here, the warm-up's too: a time series is about time,
and the warm-up is where it shows the start of the run (the section states
where the warm-up ends).

Examples
--------
>>> s = SeriesCollector(7.0)
>>> s.arrive(1.0); s.arrive(8.5); s.judge(9.0, 8.0, 9)
>>> s.arrivals, s.promoters, s.respondents
([1, 1], [0, 1], [0, 1])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MOST_PERIODS",
    "PERIODS",
    "SeriesCollector",
    "SeriesPeriod",
    "series_document",
    "series_period",
]

#: The longest series :func:`series_period` aims for when it chooses the period itself.
MOST_PERIODS = 60

#: The natural periods, shortest first: name and length in days.
PERIODS: tuple[tuple[str, float], ...] = (
    ("hour", 1.0 / 24.0),
    ("day", 1.0),
    ("week", 7.0),
    ("month", 30.0),
    ("quarter", 91.0),
    ("year", 365.0),
)


@dataclass(frozen=True, slots=True)
class SeriesPeriod:
    """The period of a run's time series: its length in the journey's time unit, and how to say it."""

    length: float
    label: str


def series_period(span: float, day: float, time_unit: str, asked: float | None = None) -> SeriesPeriod:
    """The period to count in: ``asked`` (in the journey's time unit), else the natural one for ``span``.

    Parameters
    ----------
    span : float
        The expected length of the run, in the journey's time unit (0 when unknown).
    day : float
        One day in the journey's time unit.
    time_unit : str
        The journey's time unit, to name a period that is not a natural one.
    asked : float, optional
        The period the run asks for (``--period``).

    Returns
    -------
    SeriesPeriod

    Examples
    --------
    >>> series_period(20 * 365.0, 1.0, "days").label
    'year'
    >>> series_period(90.0, 1.0, "days").label
    'week'
    >>> series_period(3.0, 1440.0, "minutes", asked=60.0)
    SeriesPeriod(length=60.0, label='hour')
    >>> series_period(3.0, 1440.0, "minutes", asked=45.0).label
    '45 minutes'
    """
    if asked is not None:
        for name, days in PERIODS:
            if math.isclose(asked, days * day, rel_tol=1e-9):
                return SeriesPeriod(asked, name)
        return SeriesPeriod(asked, f"{asked:g} {time_unit}")
    for name, days in PERIODS:
        if span <= MOST_PERIODS * days * day:
            return SeriesPeriod(days * day, name)
    name, days = PERIODS[-1]
    return SeriesPeriod(days * day, name)


@dataclass
class SeriesCollector:
    """Per-period counts of one replication; every list has one entry per period reached so far.

    Parameters
    ----------
    period : float
        The length of a period in the journey's time unit.
    """

    period: float
    #: New customers (first arrivals, referred ones included) per period.
    arrivals: list[int] = field(default_factory=list)
    #: Cycles begun by returning customers per period.
    returns: list[int] = field(default_factory=list)
    #: Judged cycles (answers to the satisfaction and recommendation questions) per period.
    respondents: list[int] = field(default_factory=list)
    promoters: list[int] = field(default_factory=list)
    detractors: list[int] = field(default_factory=list)
    #: The sum of the judged cycles' satisfaction per period.
    satisfaction: list[float] = field(default_factory=list)
    #: Stories told per period, positive and negative.
    positive: list[int] = field(default_factory=list)
    negative: list[int] = field(default_factory=list)
    #: The integral over the period of the number of customers waiting in all queues.
    queue_area: list[float] = field(default_factory=list)
    #: The brand image at the end of each period (None where it did not move in the period).
    brand: list[float | None] = field(default_factory=list)
    #: A market's summed voice of its adopters at the end of each period (None where it did not move).
    voice: list[float | None] = field(default_factory=list)
    #: Customers waiting in all queues now, and since when.
    waiting: int = 0
    waiting_since: float = 0.0
    #: When the run ended (set by the engine).
    end: float = 0.0

    def _index(self, time: float) -> int:
        """The period of ``time``, growing every list to hold it."""
        index = int(time / self.period) if time > 0.0 else 0
        missing = index + 1 - len(self.arrivals)
        if missing > 0:
            for counts in (
                self.arrivals,
                self.returns,
                self.respondents,
                self.promoters,
                self.detractors,
                self.positive,
                self.negative,
            ):
                counts.extend([0] * missing)
            self.satisfaction.extend([0.0] * missing)
            self.queue_area.extend([0.0] * missing)
            self.brand.extend([None] * missing)
            self.voice.extend([None] * missing)
        return index

    def arrive(self, time: float) -> None:
        """A new customer at ``time``."""
        self.arrivals[self._index(time)] += 1

    def come_back(self, time: float) -> None:
        """A returning customer's new cycle at ``time``."""
        self.returns[self._index(time)] += 1

    def judge(self, time: float, satisfaction: float, recommendation: int) -> None:
        """A judged cycle at ``time``: its satisfaction (0-10) and recommendation score (0-10)."""
        index = self._index(time)
        self.respondents[index] += 1
        self.satisfaction[index] += satisfaction
        if recommendation >= 9:
            self.promoters[index] += 1
        elif recommendation <= 6:
            self.detractors[index] += 1

    def story(self, time: float, positive: bool, brand: float) -> None:
        """A story told at ``time``, and the brand image after it."""
        index = self._index(time)
        if positive:
            self.positive[index] += 1
        else:
            self.negative[index] += 1
        self.brand[index] = brand

    def voices(self, time: float, total: float) -> None:
        """A market's summed voice changed at ``time``."""
        self.voice[self._index(time)] = total

    def queue(self, time: float, change: int) -> None:
        """``change`` more (or fewer) customers wait from ``time`` on."""
        self._queue_until(time)
        self.waiting += change

    def _queue_until(self, time: float) -> None:
        """Add the waiting since the last change up to ``time``, split over the periods it spans."""
        start = self.waiting_since
        self.waiting_since = time
        waiting = self.waiting
        if not waiting or time <= start:
            return
        period = self.period
        # The period the waiting ends in (one that ends exactly at a period's start ends in the one before).
        last = max(0, math.ceil(time / period) - 1)
        self._index(last * period)
        first = int(start / period)
        area = self.queue_area
        for index in range(first, last + 1):
            low = max(start, index * period)
            high = min(time, (index + 1) * period)
            if high > low:
                area[index] += waiting * (high - low)

    def finish(self, time: float) -> None:
        """The run ended at ``time``: close the queue integral and make the series reach the period it ends in."""
        self._queue_until(time)
        self._index(max(0, math.ceil(time / self.period) - 1) * self.period)
        self.end = time


def _forward(values: Sequence[float | None], start: float, length: int) -> list[float]:
    """``values`` with each None replaced by the value before it (``start`` before the first), to ``length``."""
    filled: list[float] = []
    last = start
    for index in range(length):
        value = values[index] if index < len(values) else None
        if value is not None:
            last = value
        filled.append(last)
    return filled


def _round(value: float) -> float:
    """Six significant figures, as the rest of the results."""
    return float(f"{value:.6g}")


def series_document(
    collectors: Sequence[SeriesCollector],
    period: SeriesPeriod,
    *,
    time_unit: str,
    warmup: float,
    market: int | None,
) -> dict[str, Any]:
    """The results' ``series`` section: each replication's periods pooled, one list per figure.

    Counts (arrivals, returns, stories) are means over the replications;
    NPS and satisfaction pool the judged cycles of every replication in the
    period; queue length is the time-average number waiting, averaged over the
    replications that ran in the period; brand image is its value at the end
    of the period, averaged over the replications.  ``adoption`` is the share
    of the market adopted by the end of each period (market journeys; null
    otherwise).

    Parameters
    ----------
    collectors : sequence of SeriesCollector
        One per replication.
    period : SeriesPeriod
        The period they counted in.
    time_unit : str
        The journey's time unit.
    warmup : float
        Where the warm-up ends, in the journey's time unit.
    market : int, optional
        The size of a market journey's market.

    Returns
    -------
    dict
    """
    runs = len(collectors)
    length = max((len(c.arrivals) for c in collectors), default=0)
    step = period.length

    def total(name: str, index: int) -> float:
        return float(sum(getattr(c, name)[index] for c in collectors if index < len(c.arrivals)))

    arrivals = [total("arrivals", i) / runs for i in range(length)]
    adopters: list[float] = []
    running = 0.0
    for value in arrivals:
        running += value
        adopters.append(running)
    nps: list[float | None] = []
    satisfaction: list[float | None] = []
    queue: list[float | None] = []
    for index in range(length):
        respondents = total("respondents", index)
        if respondents:
            promoters = total("promoters", index)
            detractors = total("detractors", index)
            nps.append(_round(100.0 * (promoters - detractors) / respondents))
            satisfaction.append(_round(total("satisfaction", index) / respondents))
        else:
            nps.append(None)
            satisfaction.append(None)
        covered = 0.0
        area = 0.0
        for c in collectors:
            low = index * step
            high = min((index + 1) * step, c.end)
            if high > low and index < len(c.queue_area):
                covered += high - low
                area += c.queue_area[index]
        queue.append(_round(area / covered) if covered else None)
    brands = [_forward(c.brand, 0.0, length) for c in collectors]
    voices = [_forward(c.voice, 0.0, length) for c in collectors]
    return {
        "period": {"length": _round(step), "unit": time_unit, "label": period.label},
        "warmup": _round(warmup),
        "end": _round(max(c.end for c in collectors)),
        "start": [_round(index * step) for index in range(length)],
        "arrivals": [_round(value) for value in arrivals],
        "returns": [_round(total("returns", i) / runs) for i in range(length)],
        "adopters": [_round(value) for value in adopters],
        "adoption": [_round(min(1.0, value / market)) for value in adopters] if market else None,
        "respondents": [_round(total("respondents", i) / runs) for i in range(length)],
        "nps": nps,
        "satisfaction": satisfaction,
        "positive_stories": [_round(total("positive", i) / runs) for i in range(length)],
        "negative_stories": [_round(total("negative", i) / runs) for i in range(length)],
        "queue_length": queue,
        "brand_image": [_round(sum(b[i] for b in brands) / runs) for i in range(length)],
        "voice": [_round(sum(v[i] for v in voices) / runs) for i in range(length)] if market else None,
    }
