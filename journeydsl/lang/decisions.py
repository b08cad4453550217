"""What counts as a difference worth deciding on: each metric's unit, direction and minimal important difference.

A comparison of designs says a design is *better* or *worse* on a metric only
when the 95% interval of the difference excludes zero **and** the difference
is at least the metric's minimal important difference (MID); otherwise it says
*no clear difference*.  :data:`MINIMAL_DIFFERENCES` is the table of defaults,
each with its reason (docs/designs.md shows it); a designer overrides any of
them (``journey compare --min-difference satisfaction=0.5``).

Design tests with a margin (``expect A beats B on nps by at least 5``,
``expect A matches B on satisfaction within 0.3``) write it in the metric's own
unit (:data:`METRIC_UNITS`): percentage points for shares (``2%``), points for
scores, money for money, time for time.  :func:`margin_problem` says what is
wrong with a margin as written; :func:`parse_min_difference` reads
``METRIC=AMOUNT`` from the command line.

This module only knows the language: it imports nothing of the simulator.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .model import Quantity
from .units import UNIT_SECONDS, to_time_unit
from .vocabulary import METRICS

__all__ = [
    "COMPARABLE",
    "LOWER_IS_BETTER",
    "METRIC_UNITS",
    "MINIMAL_DIFFERENCES",
    "MarginProblem",
    "MinimalDifference",
    "margin_problem",
    "margin_value",
    "minimal_differences",
    "parse_min_difference",
]

#: Every metric two designs can be compared on: the journey's metrics and profit (revenue - cost per customer).
COMPARABLE: tuple[str, ...] = (*METRICS, "profit")

#: Metrics where less is better.
LOWER_IS_BETTER = frozenset({"detractors", "time_in_journey", "cost_per_customer", "passives"})

#: The unit a difference of each metric is written in: ``share`` (percentage points, ``2%`` or
#: ``0.02``), ``points`` (a score's own points), ``count`` (per customer), ``time`` (the journey's
#: time unit, or a number with a unit such as ``5 min``) or ``money``.
METRIC_UNITS: dict[str, str] = {
    "conversion_rate": "share",
    "remembered_experience": "points",
    "satisfaction": "points",
    "nps": "points",
    "promoters": "share",
    "passives": "share",
    "detractors": "share",
    "return_rate": "share",
    "referrals_per_customer": "count",
    "time_in_journey": "time",
    "cost_per_customer": "money",
    "revenue_per_customer": "money",
    "profit": "money",
}

#: The largest difference two designs can show, where the metric is bounded.
_RANGE: dict[str, float] = {
    "conversion_rate": 1.0,
    "promoters": 1.0,
    "passives": 1.0,
    "detractors": 1.0,
    "return_rate": 1.0,
    "satisfaction": 10.0,
    "nps": 200.0,
}


class MinimalDifference(NamedTuple):
    """The smallest difference of a metric that matters to a designer, and why.

    Attributes
    ----------
    amount : float
        In the metric's own unit (shares as fractions), or, with ``relative_to``,
        a fraction of the baseline's figure of that metric.
    relative_to : str or None
        The metric of the baseline whose figure ``amount`` is a fraction of;
        ``None`` when ``amount`` is absolute.
    written : str
        The rule as the documentation writes it.
    reason : str
        Why this amount.
    """

    amount: float
    relative_to: str | None
    written: str
    reason: str


_SHARE_OF_CUSTOMERS = (
    "one customer in {} moving category (detractor, passive, promoter) moves the share by this much; "
    "smaller moves of a survey construct are within what a real survey could tell apart"
)

#: The default minimal important difference of every comparable metric (docs/designs.md gives the table).
MINIMAL_DIFFERENCES: dict[str, MinimalDifference] = {
    "conversion_rate": MinimalDifference(
        0.01,
        None,
        "1 percentage point",
        "one customer in a hundred more or fewer reaching the goal; every converted customer is revenue",
    ),
    "remembered_experience": MinimalDifference(
        0.6,
        None,
        "0.6 points",
        "the change that moves satisfaction by its own minimal difference (0.3) at the default mapping "
        "of half a satisfaction point per point of remembered experience",
    ),
    "satisfaction": MinimalDifference(
        0.3,
        None,
        "0.3 points on 0-10",
        "a small effect (0.2 standard deviations, Cohen 1988) of ratings whose spread is 1.2-2 points in the "
        "examples; below the half-point shift in remembered experience that raised the odds of returning "
        "1.41-fold (Redelmeier, Katz & Kahneman 2003)",
    ),
    "nps": MinimalDifference(
        5.0,
        None,
        "5 points",
        "one customer in twenty moving up or down one category; an NPS is a difference of two shares, "
        "and smaller moves are within a survey's noise",
    ),
    "promoters": MinimalDifference(0.05, None, "5 percentage points", _SHARE_OF_CUSTOMERS.format("twenty")),
    "passives": MinimalDifference(0.05, None, "5 percentage points", _SHARE_OF_CUSTOMERS.format("twenty")),
    "detractors": MinimalDifference(0.05, None, "5 percentage points", _SHARE_OF_CUSTOMERS.format("twenty")),
    "return_rate": MinimalDifference(
        0.01,
        None,
        "1 percentage point",
        "as for conversion: one customer in a hundred more or fewer coming back is repeat revenue",
    ),
    "referrals_per_customer": MinimalDifference(
        0.01, None, "0.01 per customer", "one new customer brought by word of mouth per hundred customers"
    ),
    "time_in_journey": MinimalDifference(
        0.1,
        "time_in_journey",
        "10% of the baseline's time in journey",
        "people tell two durations apart when they differ by about a tenth or more (Weber's law for "
        "time, Grondin 2010); a fixed amount would be a lot in a shop and nothing in a mortgage",
    ),
    "cost_per_customer": MinimalDifference(
        0.01,
        "cost_per_customer",
        "1% of the baseline's cost per customer",
        "money is judged against the money at stake: a change below 1% of the baseline's own figure is "
        "within the precision of a business case built on modelled customers",
    ),
    "revenue_per_customer": MinimalDifference(
        0.01, "revenue_per_customer", "1% of the baseline's revenue per customer", "as for cost"
    ),
    "profit": MinimalDifference(
        0.01,
        "revenue_per_customer",
        "1% of the baseline's revenue per customer",
        "as for cost; profit can be near zero or negative, so it is measured against the revenue it comes from",
    ),
}


def minimal_differences(
    baseline: dict[str, float], given: dict[str, float] | None = None
) -> dict[str, dict[str, float | bool]]:
    """The minimal important difference of every comparable metric for one comparison.

    Parameters
    ----------
    baseline : dict
        The baseline's figure of each metric (at least those a relative rule names).
    given : dict, optional
        Amounts the designer chose, per metric, in the metric's own unit; they replace the defaults.

    Returns
    -------
    dict
        Per metric, ``{"value": amount, "given": bool}``: ``given`` is true when the designer chose it.

    Raises
    ------
    ValueError
        For an unknown metric or a negative or non-finite amount in ``given``.

    Examples
    --------
    >>> table = minimal_differences({"time_in_journey": 40.0, "cost_per_customer": 12.0, "revenue_per_customer": 0.0})
    >>> table["satisfaction"], table["time_in_journey"]["value"], table["profit"]["value"]
    ({'value': 0.3, 'given': False}, 4.0, 0.0)
    >>> minimal_differences({"time_in_journey": 1, "cost_per_customer": 1, "revenue_per_customer": 1}, {"nps": 2})["nps"]
    {'value': 2.0, 'given': True}
    """
    chosen = dict(given or {})
    for metric, amount in chosen.items():
        if metric not in MINIMAL_DIFFERENCES:
            raise ValueError(
                f"no metric `{metric}` to set a minimal difference for; choose one of {', '.join(COMPARABLE)}"
            )
        if not amount >= 0 or amount == float("inf"):
            raise ValueError(f"the minimal difference of `{metric}` must be a number of 0 or more, not {amount}")
    table: dict[str, dict[str, float | bool]] = {}
    for metric, rule in MINIMAL_DIFFERENCES.items():
        if metric in chosen:
            table[metric] = {"value": float(chosen[metric]), "given": True}
            continue
        scale = abs(baseline[rule.relative_to]) if rule.relative_to is not None else 1.0
        table[metric] = {"value": float(f"{rule.amount * scale:.6g}"), "given": False}
    return table


class MarginProblem(NamedTuple):
    """What is wrong with a margin as written: the diagnostic's code, message and hint."""

    code: str
    message: str
    hint: str


def _unit_words(metric: str) -> str:
    return {
        "share": "a share of customers, measured in percentage points",
        "points": "measured in points",
        "count": "a count per customer",
        "time": "a time, in the journey's time unit or with a unit",
        "money": "money per customer",
    }[METRIC_UNITS[metric]]


def _written(amount: float, percent: bool, unit: str | None) -> str:
    if percent:
        return f"{amount * 100:g}%"
    return f"{amount:g} {unit}" if unit else f"{amount:g}"


def margin_problem(metric: str, kind: str, amount: float, percent: bool, unit: str | None) -> MarginProblem | None:
    """What is wrong with the margin of a ``beats ... by at least`` or ``matches ... within`` test, if anything.

    Parameters
    ----------
    metric : str
        The metric the test compares (one of :data:`COMPARABLE`).
    kind : str
        ``"beats"`` (``by at least``) or ``"matches"`` (``within``).
    amount : float
        The margin as written (a percentage as a fraction: ``2%`` is 0.02).
    percent : bool
        Whether it was written with ``%``.
    unit : str or None
        The time unit written after it, if any.

    Returns
    -------
    MarginProblem or None
        JD612 for a margin of zero or less, JD613 for a unit the metric is not
        measured in (``%`` on points or money, a time unit on anything but
        time, a share written as a number of 1 or more), JD614 for a margin the
        difference cannot reach (``beats``) or always stays within
        (``matches``); ``None`` when the margin is fine.

    Examples
    --------
    >>> margin_problem("nps", "beats", 0.05, True, None).message
    '`by at least 5%` is not in the unit of `nps`, which is measured in points'
    >>> margin_problem("satisfaction", "matches", 0.3, False, None) is None
    True
    """
    if metric not in METRIC_UNITS:
        return None  # JD611 reports the metric
    phrase = f"{'by at least' if kind == 'beats' else 'within'} {_written(amount, percent, unit)}"
    example = f"`{'by at least' if kind == 'beats' else 'within'} {_example(metric)}`"
    if amount <= 0:
        purpose = (
            "how much better the design must be, e.g. " + example + "; for any difference at all, "
            "write `beats` without `by at least`"
            if kind == "beats"
            else "the largest difference that still counts as the same, e.g. " + example
        )
        return MarginProblem("JD612", f"`{phrase}`: a margin must be more than 0", f"a margin is {purpose}")
    measured = METRIC_UNITS[metric]
    if (percent and measured != "share") or (unit is not None and measured != "time"):
        return MarginProblem(
            "JD613",
            f"`{phrase}` is not in the unit of `{metric}`, which is {_unit_words(metric)}",
            f"write the margin in the metric's unit, e.g. {example}",
        )
    if measured == "share" and not percent and amount >= 1:
        return MarginProblem(
            "JD613",
            f"`{metric}` is a share: `{amount:g}` would be {amount * 100:g} percentage points",
            f"write `{amount:g}%` for {amount:g} percentage point{'' if amount == 1 else 's'}",
        )
    widest = _RANGE.get(metric)
    if widest is not None and (amount > widest if kind == "beats" else amount >= widest):
        shown = f"{widest * 100:g} percentage points" if measured == "share" else f"{widest:g} points"
        outcome = "can never pass" if kind == "beats" else "always passes, so the test says nothing"
        return MarginProblem(
            "JD614",
            f"`{phrase}` {outcome}: two designs differ by at most {shown} on `{metric}`",
            f"choose a margin that matters to customers, e.g. {example} (the minimal important difference, docs/designs.md)",
        )
    return None


def margin_value(metric: str, amount: float, unit: str | None, time_unit: str | None) -> float:
    """A margin in the unit the simulator measures the metric in: a time converted to the journey's time unit.

    Examples
    --------
    >>> margin_value("time_in_journey", 2.0, "h", "minutes")
    120.0
    >>> margin_value("nps", 5.0, None, "minutes")
    5.0
    """
    if unit is not None and METRIC_UNITS.get(metric) == "time":
        return to_time_unit(Quantity(amount, unit), time_unit)
    return float(amount)


_AMOUNT = re.compile(r"\s*(?P<number>[+-]?(\d+(\.\d*)?|\.\d+))\s*(?P<suffix>%|[A-Za-z]+)?\s*")


def parse_min_difference(text: str, time_unit: str | None) -> tuple[str, float]:
    """``METRIC=AMOUNT`` as given to ``--min-difference``: the metric and the amount in its own unit.

    Shares take ``2%`` or ``0.02``; times take the journey's time unit or a
    unit (``5min``, ``2 h``); everything else a plain number.

    Raises
    ------
    ValueError
        With a message for people, for an unknown metric, a malformed amount or a unit the metric is not measured in.

    Examples
    --------
    >>> parse_min_difference("conversion_rate=2%", None)
    ('conversion_rate', 0.02)
    >>> parse_min_difference("time_in_journey=2h", "minutes")
    ('time_in_journey', 120.0)
    """
    metric, equals, amount = text.partition("=")
    metric = metric.strip()
    if not equals:
        raise ValueError(f"`{text}` is not METRIC=AMOUNT, e.g. satisfaction=0.5")
    if metric not in MINIMAL_DIFFERENCES:
        raise ValueError(f"no metric `{metric}`; choose one of {', '.join(COMPARABLE)}")
    match = _AMOUNT.fullmatch(amount)
    if match is None:
        raise ValueError(f"`{amount}` is not an amount, e.g. {metric}={_example(metric).replace(' ', '')}")
    number, suffix = float(match["number"]), match["suffix"]
    percent = suffix == "%"
    unit = suffix if suffix and not percent else None
    if unit is not None and unit not in UNIT_SECONDS:
        raise ValueError(f"`{unit}` is not a time unit, e.g. {metric}={_example(metric).replace(' ', '')}")
    if number < 0:
        raise ValueError(f"the minimal difference of `{metric}` must be 0 or more, not {number:g}")
    value = number / 100 if percent else number
    if value > 0:
        problem = margin_problem(metric, "matches", value, percent, unit)
        if problem is not None and problem.code == "JD613":
            raise ValueError(f"{problem.message}; {problem.hint}")
    return metric, margin_value(metric, value, unit, time_unit)


def _example(metric: str) -> str:
    """A margin of ``metric`` as it is written: its default minimal difference where that is absolute."""
    rule = MINIMAL_DIFFERENCES[metric]
    if rule.relative_to is not None:
        return "5 min" if METRIC_UNITS[metric] == "time" else "2.50"
    return _written(rule.amount, METRIC_UNITS[metric] == "share", None)
