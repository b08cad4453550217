"""Operations: opening hours as a week, staff cost units, and whose care budget is whose.

An ``hours`` block (see :class:`~journeydsl.lang.model.OpeningHours`) names
days (``mon``, ``monday``, ``mon-fri``, ``weekdays``, ``weekend``, ``daily``)
and times of day (``09:00-17:00``).  This module reads the days, and turns a
block into the bands of one week, in minutes after Monday 00:00: when it is
open (:func:`open_bands`) and with what arrival weight (:func:`weighted_bands`).
The checks (:mod:`journeydsl.lang.checks`) report what it cannot read; the
simulator's schedule (:mod:`journeydsl.sim.schedule`) is built from its bands.
It judges nothing itself: a day it does not know is left out.

Staff cost is written per hour, minute or second of staffing
(:data:`STAFF_COST_UNITS`); a customer's care budget is the most specific one
written for them (:func:`budget_for`: their segment's, else their tier's, else
the one ``for all``).
"""

from __future__ import annotations

from typing import NamedTuple

from .model import NO_SPAN, CareBudget, HoursLine, OpeningHours, TimeRange
from .vocabulary import UNIT_SECONDS

__all__ = [
    "WEEKDAYS",
    "LONG_WEEKDAYS",
    "DAY_WORDS",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "CLOSING_POLICIES",
    "Band",
    "weekdays",
    "is_time_of_day",
    "clock_minutes",
    "line_bands",
    "open_bands",
    "weighted_bands",
    "open_days",
    "STAFF_COST_UNITS",
    "budget_for",
]

#: The days of the week, Monday first (the clock's zero is Monday 00:00 unless ``start`` says otherwise).
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LONG_WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Words for several days at once.
_GROUPS: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)),
    "weekdays": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
}
#: Every word a day may be written with, for hints.
DAY_WORDS: tuple[str, ...] = (*WEEKDAYS, *LONG_WEEKDAYS, *_GROUPS)
MINUTES_PER_DAY = 1440.0
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
#: What happens at closing to customers queueing at a counter, and what the words mean.
CLOSING_POLICIES: dict[str, str] = {
    "serve": "everyone in a queue or in service when a counter closes is served to the end",
    "turn away": "customers still queueing when a counter closes are sent away; those in service finish",
}


class Band(NamedTuple):
    """A stretch of the week in minutes after Monday 00:00, with its arrival weight."""

    start: float
    end: float
    weight: float = 1.0


def _day(word: str) -> int | None:
    lowered = word.lower()
    if lowered in WEEKDAYS:
        return WEEKDAYS.index(lowered)
    if lowered in LONG_WEEKDAYS:
        return LONG_WEEKDAYS.index(lowered)
    return None


def weekdays(word: str) -> tuple[int, ...] | None:
    """The days (0 is Monday) a day word names, or None when it is not one.

    A range runs forward through the week, so ``fri-mon`` is Friday to Monday.

    Examples
    --------
    >>> weekdays("mon-fri"), weekdays("sat"), weekdays("weekend"), weekdays("fri-mon"), weekdays("funday")
    ((0, 1, 2, 3, 4), (5,), (5, 6), (4, 5, 6, 0), None)
    """
    lowered = word.lower()
    if lowered in _GROUPS:
        return _GROUPS[lowered]
    parts = lowered.split("-")
    if len(parts) == 1:
        day = _day(lowered)
        return None if day is None else (day,)
    if len(parts) != 2:
        return None
    first, last = _day(parts[0]), _day(parts[1])
    if first is None or last is None:
        return None
    count = (last - first) % 7 + 1
    return tuple((first + step) % 7 for step in range(count))


def is_time_of_day(minutes: float, *, end: bool = False) -> bool:
    """Whether a time read as minutes after midnight is a time of day (``24:00`` only as an end).

    Examples
    --------
    >>> is_time_of_day(540), is_time_of_day(1440), is_time_of_day(1440, end=True), is_time_of_day(1500, end=True)
    (True, False, True, False)
    """
    return 0 <= minutes < MINUTES_PER_DAY or (end and minutes == MINUTES_PER_DAY)


def clock_minutes(text: str, *, end: bool = False) -> float | None:
    """A time of day as written (``09:30``) in minutes after midnight, or None when it is not one.

    Examples
    --------
    >>> clock_minutes("09:30"), clock_minutes("24:00", end=True), clock_minutes("17:60"), clock_minutes("24:00")
    (570.0, 1440.0, None, None)
    """
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit()) or int(minutes) >= 60:
        return None
    value = float(int(hours) * 60 + int(minutes))
    return value if is_time_of_day(value, end=end) else None


def _valid(time_range: TimeRange) -> bool:
    start, _, end = time_range.text.partition("-")
    first, last = clock_minutes(start), clock_minutes(end, end=True)
    return first is not None and last is not None and last > first


def line_bands(line: HoursLine) -> list[tuple[int, TimeRange, Band]]:
    """``(day, range, band)`` for each day and valid time range of a line (every day when it names none)."""
    days: list[int] = []
    for word, _ in line.days or (("daily", NO_SPAN),):
        days.extend(weekdays(word) or ())
    weight = line.weight if line.weight is not None else 1.0
    return [
        (
            day,
            time_range,
            Band(day * MINUTES_PER_DAY + time_range.start, day * MINUTES_PER_DAY + time_range.end, weight),
        )
        for day in dict.fromkeys(days)
        for time_range in line.ranges
        if _valid(time_range)
    ]


def open_bands(hours: OpeningHours) -> list[Band]:
    """The open stretches of the week, sorted and merged where they touch (weight 1).

    Examples
    --------
    >>> from journeydsl.lang.model import HoursLine, OpeningHours, TimeRange
    >>> hours = OpeningHours((HoursLine("open", (("mon-tue", None),), (TimeRange(540, 1020, "09:00-17:00"),)),))
    >>> open_bands(hours)
    [Band(start=540.0, end=1020.0, weight=1.0), Band(start=1980.0, end=2460.0, weight=1.0)]
    """
    bands = sorted(band for line in hours.lines if line.kind == "open" for _, _, band in line_bands(line))
    merged: list[Band] = []
    for band in bands:
        if merged and band.start <= merged[-1].end:
            merged[-1] = Band(merged[-1].start, max(merged[-1].end, band.end))
        else:
            merged.append(Band(band.start, band.end))
    return merged


def weighted_bands(hours: OpeningHours) -> list[Band]:
    """The open stretches of the week cut where a weight line starts or ends, each with its weight.

    Open time no weight line covers has weight 1; where weight lines overlap
    (a problem the checks report) the last one written counts.

    Examples
    --------
    >>> from journeydsl.lang.model import HoursLine, OpeningHours, TimeRange
    >>> lines = (
    ...     HoursLine("open", (("mon", None),), (TimeRange(540, 1020, "09:00-17:00"),)),
    ...     HoursLine("weight", (("mon", None),), (TimeRange(720, 840, "12:00-14:00"),), 2.0),
    ... )
    >>> weighted_bands(OpeningHours(lines))
    [Band(start=540.0, end=720.0, weight=1.0), Band(start=720.0, end=840.0, weight=2.0), Band(start=840.0, end=1020.0, weight=1.0)]
    """
    weights = [band for line in hours.lines if line.kind == "weight" for _, _, band in line_bands(line)]
    result: list[Band] = []
    for band in open_bands(hours):
        cuts = {band.start, band.end}
        for weighted in weights:
            cuts.update(edge for edge in (weighted.start, weighted.end) if band.start < edge < band.end)
        edges = sorted(cuts)
        for start, end in zip(edges, edges[1:], strict=False):
            weight = 1.0
            for weighted in weights:
                if weighted.start <= start and end <= weighted.end:
                    weight = weighted.weight
            result.append(Band(start, end, weight))
    return result


def open_days(hours: OpeningHours) -> int:
    """How many days of the week have an open hour (what ``per day`` counts with opening hours).

    Examples
    --------
    >>> from journeydsl.lang.model import HoursLine, OpeningHours, TimeRange
    >>> open_days(OpeningHours((HoursLine("open", (("weekdays", None),), (TimeRange(540, 1020, "09:00-17:00"),)),)))
    5
    """
    return len({day for line in hours.lines if line.kind == "open" for day, _, _ in line_bands(line)})


#: The units staff cost may be written per: staffing is paid by the hour (``per day`` would hide how
#: many hours a day are staffed).
STAFF_COST_UNITS: tuple[str, ...] = tuple(unit for unit, seconds in UNIT_SECONDS.items() if seconds <= 3600.0)


def budget_for(segment: str | None, tier: str | None, budgets: tuple[CareBudget, ...]) -> CareBudget | None:
    """The care budget of a segment's customers: the segment's own, else their tier's, else the one for all.

    Examples
    --------
    >>> from journeydsl.lang.model import Audience, CareBudget
    >>> budgets = (CareBudget(100, "year"), CareBudget(500, "year", Audience("tier", "A")))
    >>> budget_for("premier", "A", budgets).amount, budget_for("mass", "B", budgets).amount
    (500, 100)
    """
    found: dict[str, CareBudget] = {}
    for budget in budgets:
        audience = budget.audience
        if audience is None or audience.kind == "all":
            found.setdefault("all", budget)
        elif audience.kind == "segment" and audience.name == segment:
            found.setdefault("segment", budget)
        elif audience.kind == "tier" and tier is not None and audience.name == tier:
            found.setdefault("tier", budget)
    return found.get("segment") or found.get("tier") or found.get("all")
