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
