"""One row of the trace: a customer's visit to a touchpoint, as the engine reports it."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["TraceRow", "TRACE_COLUMNS"]


class TraceRow(NamedTuple):
    """One row of the trace: one customer's visit to one touchpoint (or one care contact).

    Examples
    --------
    >>> row = TraceRow(0, 7, "commuters", 0, "browse", "ad", "media", 1.5, 0.0, 2.0, 0.8, "", False)
    >>> row.touchpoint, row.affect, TRACE_COLUMNS[5]
    ('ad', 0.8, 'touchpoint')
    """

    replication: int
    customer: int
    segment: str
    cycle: int
    #: The stage's name; empty for a care contact.
    stage: str
    touchpoint: str
    channel: str
    time: float
    wait: float
    duration: float
    affect: float
    #: The failure mode that happened; empty for none.
    failure: str
    reneged: bool


#: Trace columns, one row per customer per touchpoint visit.
TRACE_COLUMNS: tuple[str, ...] = TraceRow._fields
