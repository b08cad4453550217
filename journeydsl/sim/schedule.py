"""Opening hours on the simulation clock: a week of open bands with arrival weights, repeated.

:class:`Schedule` is built by the plan (:mod:`journeydsl.sim.plan`) from the
bands of :mod:`journeydsl.lang.operations`, in the journey's time unit and
aligned so that the clock's zero falls on the written ``start`` (Monday 00:00
unless written).  The engine asks it three things:

- how much *weighted open time* lies between two times
  (:meth:`Schedule.weighted_time`) and the inverse, the time at which a given
  amount of it has passed (:meth:`Schedule.advance`).  Arrivals are a Poisson
  process in weighted open time, so on the clock they form a non-homogeneous
  Poisson process whose rate is piecewise constant: the rate times the weight
  of the band, and zero while closed (the inversion method of Cinlar 1975:
  ``t_k = Lambda^-1(Lambda(t_(k-1)) + E_k)`` with ``E_k`` exponential; see
  Law, *Simulation Modeling and Analysis*, 5th ed., 2015, section 8.6.2);
- how much plain open time lies between two times (:meth:`Schedule.open_time`:
  staffed hours, for staff cost and utilisation);
- when a counter next closes (:meth:`Schedule.next_closing`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from ..lang.operations import Band

__all__ = ["Schedule"]


@dataclass(frozen=True)
class Schedule:
    """A week of opening hours on the simulation clock, repeated for ever.

    Parameters
    ----------
    week : float
        The length of a week in the journey's time unit.
    offset : float
        Where in the week the clock's zero falls (0: Monday 00:00).
    starts, ends, weights : tuple of float
        The open bands of the week, sorted, in the journey's time unit from
        Monday 00:00, each with its arrival weight (open time between bands
        that touch is one opening: the counter does not close in between).

    Examples
    --------
    >>> from journeydsl.lang.operations import Band
    >>> day = 1440.0
    >>> schedule = Schedule.of([Band(540.0, 1020.0, 1.0)], week=7 * day)  # Mondays 09:00-17:00, in minutes
    >>> schedule.open_time(0.0, 7 * day), schedule.advance(0.0, 60.0), schedule.advance(1020.0, 1.0)
    (480.0, 600.0, 10621.0)
    >>> schedule.is_open(600.0), schedule.is_open(1020.0), schedule.next_closing(600.0)
    (True, False, 1020.0)
    """

    week: float
    offset: float
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    weights: tuple[float, ...]
    #: Weighted open time from Monday 00:00 to the start of each band.
    weighted_before: tuple[float, ...]
    #: Weighted open time from Monday 00:00 to the end of each band.
    weighted_through: tuple[float, ...]
    #: Plain open time from Monday 00:00 to the start and to the end of each band.
    open_before: tuple[float, ...]
    open_through: tuple[float, ...]
    #: Weighted and plain open time in a whole week.
    weighted_week: float
    open_week: float
    #: The closing time of each band within its week (the end of the opening it belongs to; may pass the
    #: week's end when it runs on into Monday), and infinity when the place never closes.
    closes: tuple[float, ...]

    @classmethod
    def of(cls, bands: Sequence[Band], week: float, offset: float = 0.0, scale: float = 1.0) -> Schedule:
        """A schedule from a week's bands written in minutes, with ``scale`` clock units per minute.

        Parameters
        ----------
        bands : sequence of Band
            The week's open bands with their weights (:func:`journeydsl.lang.operations.weighted_bands`).
        week : float
            A week in the clock's unit.
        offset : float
            Where in the week the clock's zero falls, in the clock's unit.
        scale : float
            Clock units per minute (the bands are in minutes).
        """
        ordered = sorted(bands)
        starts = tuple(band.start * scale for band in ordered)
        ends = tuple(band.end * scale for band in ordered)
        weights = tuple(float(band.weight) for band in ordered)
        weighted_before, weighted_through, open_before, open_through = [], [], [], []
        weighted = plain = 0.0
        for start, end, weight in zip(starts, ends, weights, strict=True):
            weighted_before.append(weighted)
            open_before.append(plain)
            weighted += weight * (end - start)
            plain += end - start
            weighted_through.append(weighted)
            open_through.append(plain)
        return cls(
            week=week,
            offset=offset % week,
            starts=starts,
            ends=ends,
            weights=weights,
            weighted_before=tuple(weighted_before),
            weighted_through=tuple(weighted_through),
            open_before=tuple(open_before),
            open_through=tuple(open_through),
            weighted_week=weighted,
            open_week=plain,
            closes=_closing_times(starts, ends, week),
        )

    # ---- where a time falls
    def _locate(self, time: float) -> tuple[int, float, int]:
        """``(weeks, position in the week, band)``: the band is the last one starting at or before the position."""
        shifted = time + self.offset
        weeks = math.floor(shifted / self.week)
        position = shifted - weeks * self.week
        return weeks, position, bisect_right(self.starts, position) - 1

    def is_open(self, time: float) -> bool:
        """Whether the place is open at ``time`` (a band includes its start, not its end)."""
        _, position, band = self._locate(time)
        return band >= 0 and position < self.ends[band]

    def _cumulative(self, time: float, through: tuple[float, ...], before: tuple[float, ...], weighted: bool) -> float:
        weeks, position, band = self._locate(time)
        total = weeks * (self.weighted_week if weighted else self.open_week)
        if band < 0:
            return total
        if position >= self.ends[band]:
            return total + through[band]
        inside = (position - self.starts[band]) * (self.weights[band] if weighted else 1.0)
        return total + before[band] + inside

    def weighted_time(self, start: float, end: float) -> float:
        """The weighted open time between two times: each open stretch times its arrival weight."""
        return self._cumulative(end, self.weighted_through, self.weighted_before, True) - self._cumulative(
            start, self.weighted_through, self.weighted_before, True
        )

    def open_time(self, start: float, end: float) -> float:
        """The open time between two times (the staffed time of a counter)."""
        return max(
            0.0,
            self._cumulative(end, self.open_through, self.open_before, False)
            - self._cumulative(start, self.open_through, self.open_before, False),
        )

    def advance(self, time: float, amount: float) -> float:
        """The earliest time at which ``amount`` of weighted open time has passed since ``time``.

        With ``amount`` 0 it is ``time`` itself when open (at a weight above 0),
        else the next moment arrivals can happen.
        """
        target = self._cumulative(time, self.weighted_through, self.weighted_before, True) + amount
        weeks = math.floor(target / self.weighted_week)
        remainder = target - weeks * self.weighted_week
        # The band in which the remainder is reached: the first whose weighted time runs past it (never one of
        # weight 0, whose weighted time does not run past its predecessor's).
        band = bisect_right(self.weighted_through, remainder)
        if band >= len(self.starts):  # the week's total exactly, by rounding: the next week's first arrival time
            weeks, remainder = weeks + 1, 0.0
            band = bisect_right(self.weighted_through, 0.0)
        position = self.starts[band] + (remainder - self.weighted_before[band]) / self.weights[band]
        return max(time, weeks * self.week + position - self.offset)

    def next_closing(self, time: float) -> float:
        """When the place closes next: ``time`` itself when it is closed then, infinity when it never closes."""
        weeks, position, band = self._locate(time)
        if band < 0 or position >= self.ends[band]:
            return time
        return weeks * self.week + self.closes[band] - self.offset


def _closing_times(starts: tuple[float, ...], ends: tuple[float, ...], week: float) -> tuple[float, ...]:
    """Each band's closing time within its week: the end of the run of touching bands it belongs to."""
    count = len(starts)
    if count and math.isclose(sum(e - s for s, e in zip(starts, ends, strict=True)), week):
        return (math.inf,) * count
    closes = [0.0] * count
    # Walk backwards twice round the week, so that a run that wraps past Sunday 24:00 closes on Monday.
    following_close = math.inf
    following_start = math.inf
    for step in range(2 * count - 1, -1, -1):
        index = step % count
        shift = week if step >= count else 0.0
        start, end = starts[index] + shift, ends[index] + shift
        close = following_close if math.isclose(end, following_start) else end
        if step < count:
            closes[index] = close
        following_close, following_start = close, start
    return tuple(closes)
