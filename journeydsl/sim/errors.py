"""Why a simulation's results cannot be reported: errors that importing the simulator is not needed to catch."""

from __future__ import annotations

__all__ = ["NoCustomersError", "NonFiniteResultError", "ResultError"]


class ResultError(ValueError):
    """A simulation's results cannot be reported honestly."""


class NoCustomersError(ResultError):
    """A simulation counted no customer, so there is nothing to measure (the message says which settings caused it)."""


class NonFiniteResultError(ResultError):
    """A figure of a result is not a finite number (a cost, value or duration too large to add up)."""
