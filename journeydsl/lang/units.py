"""Time units: convert what a designer wrote (``3 min``, ``2 days``) into the journey's clock."""

from __future__ import annotations

from .model import Quantity
from .vocabulary import UNIT_SECONDS

__all__ = ["DEFAULT_TIME_UNIT", "unit_seconds", "to_time_unit", "canonical_unit"]

#: The clock unit of a journey that does not say ``time unit ...``.
DEFAULT_TIME_UNIT = "minutes"

_CANONICAL = {
    1.0: "seconds",
    60.0: "minutes",
    3600.0: "hours",
    86400.0: "days",
    7 * 86400.0: "weeks",
    30 * 86400.0: "months",
    365 * 86400.0: "years",
}


def unit_seconds(unit: str) -> float:
    """Length of a unit in seconds.

    Examples
    --------
    >>> unit_seconds("min")
    60.0
    """
    return UNIT_SECONDS[unit]


def canonical_unit(unit: str) -> str:
    """The long plural name of a unit alias: ``min`` -> ``minutes``."""
    return _CANONICAL[UNIT_SECONDS[unit]]


def to_time_unit(quantity: Quantity, time_unit: str | None) -> float:
    """A quantity expressed in the journey's time unit (a unit-less one is taken as written).

    Examples
    --------
    >>> to_time_unit(Quantity(2, "h"), "minutes")
    120.0
    """
    if quantity.unit is None:
        return float(quantity.value)
    clock = UNIT_SECONDS[time_unit or DEFAULT_TIME_UNIT]
    return float(quantity.value) * UNIT_SECONDS[quantity.unit] / clock


def parse_time(text: str, time_unit: str | None) -> float:
    """A time written on the command line (``90 days``, ``2h``) in the journey's time unit.

    Raises ``ValueError`` with a message for people when the text is not a time.

    Examples
    --------
    >>> parse_time("2 days", "hours")
    48.0
    """
    import re

    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]+)\s*", text)
    if not match:
        raise ValueError(f"`{text}` is not a time; write a number and a unit, e.g. `90 days`")
    value, unit = float(match.group(1)), match.group(2)
    if unit not in UNIT_SECONDS:
        raise ValueError(f"`{unit}` is not a time unit; use s, min, h, days, weeks, months or years")
    return to_time_unit(Quantity(value, unit), time_unit)
