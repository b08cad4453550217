"""Simulated customers written as an event log (XES or CSV) that process-mining tools read.

:class:`SimulatedLog` takes the simulator's trace rows (one per customer per
touchpoint visit, in the order of :data:`journeydsl.sim.engine.TRACE_COLUMNS`)
and, when the run is over, writes one case per customer and cycle
(``r0-c7-0``: replication 0, customer 7, first cycle) with, per visit, a
``start`` event when service began (after any queue) and a ``complete`` event
when it ended; a visit whose customer gave up in the queue is one
``withdraw`` event at the moment they left.  Simulation time becomes
timestamps from a clock start (``--log-start``) in the journey's time unit.

The rows are held in memory until the run ends (cases are written whole, in
order of their first event): about 250 bytes per visit.  Names are escaped
for XML (:func:`journeydsl.lang.escape.xml_attr`) and, in CSV, against
formula injection (:func:`journeydsl.lang.escape.csv_cell`).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TextIO

from .._version import __version__
from ..lang.escape import csv_cell, xml_attr
from ..lang.units import unit_seconds
from .xes import XES_NAMESPACE

__all__ = ["DEFAULT_START", "LOG_CSV_COLUMNS", "SimulatedLog", "Staging", "log_format"]

#: Where the clock starts when no ``--log-start`` is given: Monday 5 January 2026, midnight UTC.
DEFAULT_START = datetime(2026, 1, 5, tzinfo=timezone.utc)

#: The columns of a CSV log, one row per visit.
LOG_CSV_COLUMNS: tuple[str, ...] = (
    "case",
    "activity",
    "start",
    "end",
    "resource",
    "stage",
    "channel",
    "segment",
    "arrived",
    "affect",
    "failure",
    "reneged",
    "replication",
    "customer",
    "cycle",
)

_Visit = tuple[str, str, str, float, float, float, float, str, bool]


class Staging(Protocol):
    """Where the log is built and how it reaches its target (:class:`journeydsl.report.files.StagedFile` is one)."""

    path: Path
    target: str | os.PathLike[str]

    def deliver(self) -> None:
        """Put the finished file at the target."""

    def discard(self) -> None:
        """Remove what was built, if it is still there."""


def log_format(name: str) -> str:
    """``"csv"`` for a ``.csv`` name, ``"xes.gz"`` for ``.gz``, else ``"xes"``.

    Examples
    --------
    >>> log_format("out.CSV"), log_format("out.xes.gz"), log_format("out.xes"), log_format("-")
    ('csv', 'xes.gz', 'xes', 'xes')
    """
    lowered = name.lower()
    return "csv" if lowered.endswith(".csv") else "xes.gz" if lowered.endswith(".gz") else "xes"


class SimulatedLog:
    """A callable taking trace rows that writes them as an event log when its ``with`` block ends.

    Parameters
    ----------
    staging : Staging
        Where to build the file (its ``path``'s name chooses the format, :func:`log_format`) and
        how to deliver it.
    start : datetime
        The timestamp of simulation time 0 (naive is taken as UTC).
    time_unit : str
        The journey's time unit (``minutes``): one unit of simulation time.
    name : str
        The journey's name, written as the log's ``concept:name``.
    also : callable, optional
        Another row consumer (a trace writer) that receives every row too.
    """

    def __init__(
        self,
        staging: Staging,
        *,
        start: datetime = DEFAULT_START,
        time_unit: str = "minutes",
        name: str = "",
        also: Callable[[Any], None] | None = None,
    ) -> None:
        self._staging = staging
        self.path = Path(staging.path)
        self.target = staging.target
        self.format = log_format(self.path.name)
        self.start = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
        self.unit = unit_seconds(time_unit)
        self.name = name
        self.also = also
        self.rows = 0
        self._cases: dict[tuple[int, int, int], list[_Visit]] = {}
        self._segments: dict[tuple[int, int, int], str] = {}

    def __enter__(self) -> SimulatedLog:
        return self

    def __call__(self, row: tuple[Any, ...]) -> None:
        """Keep one trace row (a visit); pass it on to ``also``."""
        (
            replication,
            customer,
            segment,
            cycle,
            stage,
            touchpoint,
            channel,
            time,
            wait,
            duration,
            affect,
            failure,
            reneged,
        ) = row
        key = (replication, customer, cycle)
        visits = self._cases.get(key)
        if visits is None:
            visits = self._cases[key] = []
            self._segments[key] = segment
        begin = time + wait
        visits.append((stage, touchpoint, channel, time, begin, begin + duration, affect, failure, bool(reneged)))
        self.rows += 1
        if self.also is not None:
            self.also(row)

    def timestamp(self, time: float) -> datetime:
        """Simulation time as a timestamp."""
        return self.start + timedelta(seconds=time * self.unit)

    def _stamp(self, time: float) -> str:
        return self.timestamp(time).isoformat(timespec="milliseconds")

    def _ordered(self) -> list[tuple[str, tuple[int, int, int], list[_Visit]]]:
        """Cases in order of their first visit (ties by replication, customer, cycle), visits in time order."""
        cases = []
        for key, visits in self._cases.items():
            visits.sort(key=lambda visit: visit[4])
            cases.append((f"r{key[0]}-c{key[1]}-{key[2]}", key, visits))
        cases.sort(key=lambda case: (case[2][0][4], case[1]))
        return cases

    def _write_xes(self, out: TextIO) -> None:
        write = out.write
        write('<?xml version="1.0" encoding="UTF-8"?>\n')
        write(f'<log xes.version="1849-2016" xes.features="" xmlns="{XES_NAMESPACE}">\n')
        for title, prefix in (
            ("Concept", "concept"),
            ("Time", "time"),
            ("Lifecycle", "lifecycle"),
            ("Organizational", "org"),
        ):
            write(f'  <extension name="{title}" prefix="{prefix}" uri="{XES_NAMESPACE}{prefix}.xesext"/>\n')
        write('  <global scope="trace">\n    <string key="concept:name" value="__INVALID__"/>\n  </global>\n')
        write('  <global scope="event">\n    <string key="concept:name" value="__INVALID__"/>\n')
        write('    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>\n')
        write('    <string key="lifecycle:transition" value="complete"/>\n  </global>\n')
        write('  <classifier name="Activity" keys="concept:name"/>\n')
        write('  <classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>\n')
        write(f'  <string key="concept:name" value="{xml_attr(self.name)}"/>\n')
        write(f'  <string key="source" value="journeydsl {xml_attr(__version__)} journey simulate"/>\n')
        for case, key, visits in self._ordered():
            write(f'  <trace>\n    <string key="concept:name" value="{xml_attr(case)}"/>\n')
            write(f'    <string key="segment" value="{xml_attr(self._segments[key])}"/>\n')
            write(f'    <int key="replication" value="{key[0]}"/>\n')
            write(f'    <int key="customer" value="{key[1]}"/>\n    <int key="cycle" value="{key[2]}"/>\n')
            for stage, touchpoint, channel, arrived, begin, end, affect, failure, reneged in visits:
                common = f'      <string key="concept:name" value="{xml_attr(touchpoint)}"/>\n'
                if channel:
                    common += f'      <string key="org:resource" value="{xml_attr(channel)}"/>\n'
                    common += f'      <string key="channel" value="{xml_attr(channel)}"/>\n'
                if stage:
                    common += f'      <string key="stage" value="{xml_attr(stage)}"/>\n'
                if reneged:
                    write(f'    <event>\n{common}      <string key="lifecycle:transition" value="withdraw"/>\n')
                    write(f'      <date key="time:timestamp" value="{self._stamp(begin)}"/>\n')
                    write(f'      <date key="arrived" value="{self._stamp(arrived)}"/>\n    </event>\n')
                    continue
                write(f'    <event>\n{common}      <string key="lifecycle:transition" value="start"/>\n')
                write(f'      <date key="time:timestamp" value="{self._stamp(begin)}"/>\n')
                write(f'      <date key="arrived" value="{self._stamp(arrived)}"/>\n    </event>\n')
                write(f'    <event>\n{common}      <string key="lifecycle:transition" value="complete"/>\n')
                write(f'      <date key="time:timestamp" value="{self._stamp(end)}"/>\n')
                write(f'      <float key="affect" value="{affect:.6g}"/>\n')
                if failure:
                    write(f'      <string key="failure" value="{xml_attr(failure)}"/>\n')
                write("    </event>\n")
            write("  </trace>\n")
        write("</log>\n")

    def _write_csv(self, out: TextIO) -> None:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(LOG_CSV_COLUMNS)
        for case, key, visits in self._ordered():
            segment = csv_cell(self._segments[key])
            for stage, touchpoint, channel, arrived, begin, end, affect, failure, reneged in visits:
                writer.writerow(
                    (
                        csv_cell(case),
                        csv_cell(touchpoint),
                        self._stamp(begin),
                        "" if reneged else self._stamp(end),
                        csv_cell(channel),
                        csv_cell(stage),
                        csv_cell(channel),
                        segment,
                        self._stamp(arrived),
                        "" if reneged else f"{affect:.6g}",
                        csv_cell(failure),
                        "true" if reneged else "false",
                        key[0],
                        key[1],
                        key[2],
                    )
                )

    def _write(self) -> None:
        """Write the whole log at ``staging.path``."""
        if self.format == "xes.gz":
            with open(self.path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
                with io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as text:
                    self._write_xes(text)
            return
        with open(self.path, "w", encoding="utf-8", newline="") as out:
            (self._write_csv if self.format == "csv" else self._write_xes)(out)

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self._write()
                self._staging.deliver()
        finally:
            with contextlib.suppress(OSError):
                if kind is not None:
                    self.path.unlink(missing_ok=True)
            self._staging.discard()
