"""Delimited text as people save it from spreadsheets: where each field stands, and numbers with decimal commas.

Shared by every reader of CSV-like files (event logs, survey responses, aggregated surveys), so a
diagnostic points at the same column whichever file it is about.

Examples
--------
>>> field_spans('a,"b,c",d', ",")
[(1, 2), (3, 8), (9, 10)]
>>> decimal_number("0,5", ";"), decimal_number("0,5", ","), decimal_number("x", ",")
(0.5, None, None)
"""

from __future__ import annotations

__all__ = ["decimal_number", "field_spans"]


def field_spans(line: str, delimiter: str) -> list[tuple[int, int]]:
    """Where each field of a CSV line starts and ends (1-based columns, end exclusive), quotes respected."""
    found: list[tuple[int, int]] = []
    start = 0
    quoted = False
    for position, character in enumerate(line):
        if character == '"':
            quoted = not quoted
        elif character == delimiter and not quoted:
            found.append((start + 1, position + 1))
            start = position + 1
    found.append((start + 1, len(line) + 1))
    return found


def decimal_number(written: str, delimiter: str) -> float | None:
    """A figure as written (a decimal comma where commas do not separate fields); ``None`` if it is no number."""
    if delimiter != "," and written.count(",") == 1 and "." not in written:
        written = written.replace(",", ".")
    try:
        return float(written)
    except ValueError:
        return None
