"""How precise a simulation must be: a metric's 95% interval narrower than a width, with a cap.

``--precision WIDTH`` and ``--quick`` ask for a :class:`Precision`; the
runner (:meth:`journeydsl.sim.runner.Runner.settle`) adds replications until
every design's interval of the metric is narrower than the width, or the cap
(:attr:`Precision.most`).  The width is the interval's full width, high end
minus low end, as the results show it.  :func:`parse_precision` reads a width
as written on the command line, in the metric's own unit; :data:`QUICK_PRECISION`
is the coarse width of ``--quick`` per metric.

Examples
--------
>>> parse_precision("5 min", "time_in_journey", "hours")
(0.0833333, False)
>>> Precision.quick().width
0.2
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

from .decisions import METRIC_UNITS
from .model import Quantity
from .units import to_time_unit
from .vocabulary import METRICS, UNIT_SECONDS

__all__ = [
    "DEFAULT_MAX_REPLICATIONS",
    "MIN_PRECISION_REPLICATIONS",
    "PRECISION_OBJECTIVES",
    "QUICK_CUSTOMERS",
    "QUICK_MAX_REPLICATIONS",
    "QUICK_PRECISION",
    "Precision",
    "parse_precision",
]

#: The most replications a run with a :class:`Precision` runs unless it says otherwise (``--max-replications``).
DEFAULT_MAX_REPLICATIONS = 100
#: Replications a run with a :class:`Precision` always runs before it first looks at the interval: fewer
#: give a standard deviation too unsteady to stop on (Student's t with 4 degrees of freedom is 2.78).
MIN_PRECISION_REPLICATIONS = 5
#: What a :class:`Precision` can be about: every metric of the results, and ``profit`` (revenue minus cost).
PRECISION_OBJECTIVES: tuple[str, ...] = (*METRICS, "profit")


@dataclass(frozen=True)
class Precision:
    """How precise a run must be: replications are added until one metric's 95% interval is narrow enough.

    Parameters
    ----------
    width : float
        The interval must be narrower than this: its full width (high end
        minus low end, as the results show it), in the metric's own unit
        (shares as fractions, times in the journey's time unit); with
        ``relative``, a fraction of the estimate's size.
    objective : str
        The metric (one of :data:`PRECISION_OBJECTIVES`).  Every design of a
        run must reach the width on its own interval.
    relative : bool
        ``width`` is a fraction of the absolute mean (``0.05``: narrower than 5% of the estimate).
    most : int
        The cap: no more replications than this, reached or not.

    Raises
    ------
    ValueError
        For a width that is not a positive finite number, an unknown metric or a cap below 2.

    Examples
    --------
    >>> Precision(0.2).record()
    {'objective': 'satisfaction', 'width': 0.2, 'relative': False, 'max_replications': 100}
    >>> Precision(0.0)
    Traceback (most recent call last):
    ...
    ValueError: the precision must be a positive width, not 0.0
    """

    width: float
    objective: str = "satisfaction"
    relative: bool = False
    most: int = DEFAULT_MAX_REPLICATIONS

    def __post_init__(self) -> None:
        if isinstance(self.width, bool) or not isinstance(self.width, numbers.Real):
            raise ValueError(f"the precision must be a number, not {self.width!r}")
        if not (self.width > 0 and math.isfinite(self.width)):
            raise ValueError(f"the precision must be a positive width, not {self.width}")
        if self.objective not in PRECISION_OBJECTIVES:
            raise ValueError(f"no metric `{self.objective}`; choose one of {', '.join(PRECISION_OBJECTIVES)}")
        if isinstance(self.most, bool) or not isinstance(self.most, numbers.Integral):
            raise ValueError(f"max_replications must be a whole number, not {self.most!r}")
        if self.most < 2:
            raise ValueError(f"max_replications must be at least 2 for an interval, not {self.most}")

    @classmethod
    def quick(cls, objective: str = "satisfaction", most: int | None = None) -> Precision:
        """The coarse precision of ``--quick`` for ``objective`` (:data:`QUICK_PRECISION`).

        Examples
        --------
        >>> Precision.quick()
        Precision(width=0.2, objective='satisfaction', relative=False, most=30)
        >>> Precision.quick("cost_per_customer").relative
        True
        """
        if objective not in QUICK_PRECISION:
            raise ValueError(f"no metric `{objective}`; choose one of {', '.join(PRECISION_OBJECTIVES)}")
        width, relative = QUICK_PRECISION[objective]
        return cls(width, objective, relative, QUICK_MAX_REPLICATIONS if most is None else most)

    def record(self) -> dict[str, object]:
        """The precision asked for, as JSON documents write it (``settings.precision``)."""
        return {
            "objective": self.objective,
            "width": self.width,
            "relative": self.relative,
            "max_replications": self.most,
        }


#: The coarse precision of ``--quick`` (and ``journey watch``) per metric: the full width of the 95%
#: interval and whether it is a fraction of the estimate (times and money).  Satisfaction's 0.2 points is
#: two thirds of its minimal important difference (0.3, ``docs/designs.md``).
QUICK_PRECISION: dict[str, tuple[float, bool]] = {
    "conversion_rate": (0.05, False),
    "remembered_experience": (0.4, False),
    "satisfaction": (0.2, False),
    "nps": (10.0, False),
    "promoters": (0.05, False),
    "passives": (0.05, False),
    "detractors": (0.05, False),
    "return_rate": (0.05, False),
    "referrals_per_customer": (0.02, False),
    "time_in_journey": (0.05, True),
    "cost_per_customer": (0.05, True),
    "revenue_per_customer": (0.05, True),
    "profit": (0.05, True),
}
#: ``--quick``: at most this many customers per replication (fewer when the journey brings fewer) ...
QUICK_CUSTOMERS = 500
#: ... and at most this many replications.
QUICK_MAX_REPLICATIONS = 30


#: A ``--precision`` amount: a number, then ``%`` or a time unit.
_PRECISION = re.compile(r"\s*(?P<number>(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)\s*(?P<suffix>%|[A-Za-z]+)?\s*")


def parse_precision(text: str, objective: str, time_unit: str | None) -> tuple[float, bool]:
    """A ``--precision`` amount of ``objective``: the width in the metric's unit and whether it is relative.

    Shares take percentage points (``2%`` or ``0.02``); times a time (``5 min``,
    or a number in the journey's time unit); times and money (and ``profit``)
    also take a share of the estimate (``5%``: narrower than 5% of the mean);
    points and counts a plain number.

    Parameters
    ----------
    text : str
        As given on the command line.
    objective : str
        The metric the width is of (:data:`~journeydsl.sim.settings.PRECISION_OBJECTIVES`).
    time_unit : str or None
        The journey's time unit.

    Returns
    -------
    tuple of (float, bool)
        The width (a fraction when relative) and whether it is relative to the estimate.

    Raises
    ------
    ValueError
        With a message for people: not a positive amount, or a unit the metric is not measured in.

    Examples
    --------
    >>> parse_precision("0.2", "satisfaction", None), parse_precision("2%", "conversion_rate", None)
    ((0.2, False), (0.02, False))
    >>> parse_precision("5%", "cost_per_customer", None)
    (0.05, True)
    """
    kind = METRIC_UNITS.get(objective, "money")
    example = {"share": "2%", "time": "5min", "money": "5%", "points": "0.2", "count": "0.02"}[kind]
    match = _PRECISION.fullmatch(text)
    if match is None:
        raise ValueError(f"`{text}` is not a positive amount of {objective}, e.g. {example}")
    number, suffix = float(match["number"]), match["suffix"]
    if not (number > 0 and math.isfinite(number)):
        raise ValueError(f"the precision must be a positive width, not `{text}`")
    if suffix == "%":
        if kind in ("points", "count"):
            raise ValueError(f"{objective} is measured in {kind}: give a plain number, e.g. {example}")
        return round(number / 100, 12), kind != "share"
    if suffix:
        if kind != "time" or suffix not in UNIT_SECONDS:
            unit = "a time unit" if suffix in UNIT_SECONDS else f"`{suffix}`"
            raise ValueError(f"{objective} is not measured in {unit}: give e.g. {example}")
        return float(f"{to_time_unit(Quantity(number, suffix), time_unit):.6g}"), False
    return number, False
