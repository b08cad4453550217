"""Event logs in: named, frozen records of what cases did, read from CSV (mapped columns) or XES.

An event log is a list of cases (a customer's journey, a ticket, an order),
each a list of events: an activity that happened at a time, maybe with an end
time, a resource and attributes.  :func:`read_csv_log` reads a CSV file whose
columns are named by a :class:`LogMapping` (from options, or a small TOML
file read by :meth:`LogMapping.load`); :func:`read_xes` (in
:mod:`journeydsl.data.xes`) reads the IEEE 1849 XES standard; :func:`read_log`
picks by the file's suffix.

Times are :class:`datetime.datetime` objects **aware and in UTC**: a
timestamp written with an offset (``+02:00``, ``Z``) is converted, and one
written without (a *naive* time) is taken in the mapping's ``timezone``, or in
UTC with a warning (JL006).  ``Event.seconds`` gives a time as seconds since
the log's first event when arithmetic is easier in numbers.

Problems are :class:`LogDiagnostic` objects: the language's
:class:`~journeydsl.lang.diagnostics.Diagnostic` with codes ``JL001`` to
``JL099`` of their own (:data:`LOG_CODES`, listed in ``docs/data.md``),
pointing at file, line and column, so that
:func:`journeydsl.lang.render.render_text` shows them like any other.
Warnings (events sorted, duplicates dropped, one-event cases, naive times) are
kept on :attr:`EventLog.diagnostics`; errors raise :class:`LogError`, which
carries every diagnostic found and never a traceback's worth of internals.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..lang.diagnostics import Diagnostic, JourneyError, did_you_mean
from ..lang.model import NO_SPAN, Span
from .delimited import field_spans

__all__ = [
    "LOG_CODES",
    "LogDiagnostic",
    "LogError",
    "Event",
    "Case",
    "EventLog",
    "LogSummary",
    "LogMapping",
    "read_csv_log",
    "read_log",
    "parse_timestamp",
    "parse_start",
]

_ERROR = "error"
_WARNING = "warning"

#: Every event-log diagnostic code with its severity and a one-line title (``docs/data.md`` lists them).
LOG_CODES: dict[str, tuple[str, str]] = {
    # reading the file
    "JL001": (_ERROR, "log file cannot be read"),
    "JL002": (_ERROR, "log has no header or no events"),
    "JL003": (_ERROR, "unknown column"),
    "JL004": (_ERROR, "missing timestamp"),
    "JL005": (_ERROR, "timestamp not understood"),
    "JL006": (_WARNING, "timestamps without a time zone, taken as UTC"),
    "JL007": (_ERROR, "timestamps with and without a time zone"),
    "JL008": (_WARNING, "timestamps with different UTC offsets"),
    "JL009": (_WARNING, "events out of order, sorted"),
    "JL010": (_WARNING, "duplicate events dropped"),
    "JL011": (_WARNING, "cases with one event"),
    "JL012": (_ERROR, "missing case or activity"),
    "JL013": (_ERROR, "event ends before it starts"),
    "JL014": (_ERROR, "row with the wrong number of fields"),
    "JL015": (_ERROR, "unknown time zone"),
    "JL016": (_ERROR, "invalid log mapping"),
    "JL017": (_ERROR, "too many errors"),
    # XES
    "JL020": (_ERROR, "XES file is not well-formed XML"),
    "JL021": (_ERROR, "DOCTYPE or entity declaration refused"),
    "JL022": (_ERROR, "not an XES log"),
    "JL023": (_WARNING, "activity started and never completed"),
    "JL024": (_ERROR, "event without an activity name"),
    "JL025": (_WARNING, "traces without a case id"),
    # writing
    "JL050": (_ERROR, "log start is not a date and time"),
}

#: A place in a file: a :class:`Span`, or ``(line, column, width)`` made into one only if a diagnostic needs it.
_Where = Span | tuple[int, int, int]


def _count(number: int, noun: str, verb: str = "", plural_verb: str = "") -> str:
    """``1 event is``, ``2 events are``: a count with its noun (and verb) agreeing.

    Examples
    --------
    >>> _count(1, "trace", "has", "have"), _count(3, "case")
    ('1 trace has', '3 cases')
    """
    words = f"{number} {noun}" + ("" if number == 1 else "s")
    return f"{words} {verb if number == 1 else plural_verb}" if verb else words


def _span_of(file: str, where: _Where) -> Span:
    """The span of a place (see :data:`_Where`)."""
    if isinstance(where, Span):
        return where
    line, column, width = where
    return Span(file, line, column, line, column + width)


#: Errors collected in one file before reading stops (JL017).
MAX_ERRORS = 50


@dataclass(frozen=True)
class LogDiagnostic(Diagnostic):
    """A problem in an event log: a :class:`~journeydsl.lang.diagnostics.Diagnostic` with a ``JL`` code.

    Examples
    --------
    >>> d = LogDiagnostic("JL004", "row 3 has no timestamp", Span("log.csv", 3, 9, 3, 9))
    >>> d.severity, d.is_error, str(d.span)
    ('error', True, 'log.csv:3:9')
    """

    @property
    def severity(self) -> str:
        """``"error"`` or ``"warning"``, fixed by the code (:data:`LOG_CODES`)."""
        return LOG_CODES[self.code][0]


class LogError(JourneyError):
    """A log could not be read: carries every diagnostic found (warnings too) and the text they quote.

    Parameters
    ----------
    diagnostics : iterable of Diagnostic
        What was found, in reading order.
    sources : dict of str to str, optional
        Text by file name, for the source lines of :meth:`render`.
    """

    def render(self, color: bool = False) -> str:
        """The diagnostics as ``file:line:col``, source line, caret and hint (:func:`journeydsl.lang.render.render_text`)."""
        from ..lang.render import render_text

        return render_text(self.diagnostics, self.sources, color)


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened in a case: an activity at a time, maybe lasting until ``end``.

    Parameters
    ----------
    case : str
        The case (customer, ticket, order) it belongs to.
    activity : str
        What happened (a touchpoint, a step).
    timestamp : datetime
        When it happened or started: aware, in UTC.
    end : datetime or None
        When it completed, when the log says (a CSV end column, an XES ``start``/``complete`` pair).
    resource : str or None
        Who or what performed it (``org:resource``; the channel in a simulated log).
    attributes : Mapping of str to str
        Other event attributes as text (``channel``, ``stage``, ``lifecycle`` for an XES transition
        other than start and complete, ...).
    line : int
        Where it was written in its file (1-based; 0 when unknown); not compared.
    """

    case: str
    activity: str
    timestamp: datetime
    end: datetime | None = None
    resource: str | None = None
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    line: int = field(default=0, compare=False)

    @property
    def duration(self) -> timedelta | None:
        """``end - timestamp``, or ``None`` when the end is not known."""
        return None if self.end is None else self.end - self.timestamp


@dataclass(frozen=True, slots=True)
class Case:
    """One case: its id, its events in time order (ties in file order) and its attributes (``segment``, ...)."""

    id: str
    events: tuple[Event, ...]
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def activities(self) -> tuple[str, ...]:
        """The activities in order: the case's *variant*."""
        return tuple(event.activity for event in self.events)

    @property
    def start(self) -> datetime:
        """When the first event happened."""
        return self.events[0].timestamp

    @property
    def end(self) -> datetime:
        """When the last event ended (or happened)."""
        return max(event.end or event.timestamp for event in self.events)


@dataclass(frozen=True, slots=True)
class LogSummary:
    """What a log holds: counts and the time it spans."""

    cases: int
    events: int
    activities: int
    start: datetime | None
    end: datetime | None

    @property
    def span(self) -> timedelta:
        """From the first event to the last."""
        return (self.end - self.start) if self.start and self.end else timedelta(0)

    def __str__(self) -> str:
        when = f", {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC" if self.start and self.end else ""
        return f"{self.cases} cases, {self.events} events, {self.activities} activities{when}"


@dataclass(frozen=True, slots=True)
class EventLog:
    """A read event log: its cases in order of their first event (ties in file order).

    Parameters
    ----------
    cases : tuple of Case
        The cases.
    source : str
        The file it was read from.
    diagnostics : tuple of Diagnostic
        The warnings reading it gave (errors raise :class:`LogError` instead).
    """

    cases: tuple[Case, ...]
    source: str
    diagnostics: tuple[Diagnostic, ...] = ()

    def events(self) -> Iterator[Event]:
        """Every event, case by case."""
        for case in self.cases:
            yield from case.events

    @property
    def activities(self) -> tuple[str, ...]:
        """The distinct activities, in order of first appearance."""
        return tuple(dict.fromkeys(event.activity for event in self.events()))

    @property
    def summary(self) -> LogSummary:
        """Cases, events, activities and the time spanned (computed on each call: keep it if used often)."""
        ends = [case.end for case in self.cases]
        return LogSummary(
            cases=len(self.cases),
            events=sum(len(case.events) for case in self.cases),
            activities=len(self.activities),
            start=self.start,
            end=max(ends) if ends else None,
        )

    @property
    def start(self) -> datetime | None:
        """When the first event happened (the first case's start: cases are in order of their first event)."""
        return self.cases[0].start if self.cases else None

    def seconds(self, when: datetime) -> float:
        """``when`` as seconds since the log's first event."""
        first = self.start
        return 0.0 if first is None else (when - first).total_seconds()


# ---- the mapping ---------------------------------------------------------------------

#: Column names tried, in order, for a role the mapping leaves unnamed (compared without case).
_ALIASES: dict[str, tuple[str, ...]] = {
    "case": ("case", "case_id", "case id", "caseid", "case:concept:name", "case_concept_name"),
    "activity": ("activity", "concept:name", "activity_name", "activity name", "event", "touchpoint"),
    "timestamp": ("timestamp", "time:timestamp", "start", "start_timestamp", "start time", "time"),
    "end": ("end", "end_timestamp", "complete_timestamp", "end time", "complete"),
    "resource": ("resource", "org:resource"),
    "segment": ("segment", "case:segment"),
    "channel": ("channel",),
}

_MAPPING_KEYS = (
    "case",
    "activity",
    "timestamp",
    "end",
    "resource",
    "segment",
    "channel",
    "attributes",
    "event_attributes",
    "timezone",
    "time_format",
    "delimiter",
)


@dataclass(frozen=True)
class LogMapping:
    """Which CSV column holds what, and how its times are written.

    A column left ``None`` is looked for under its usual names (``case``,
    ``case_id``, ``case:concept:name``; ``activity``, ``concept:name``;
    ``timestamp``, ``time:timestamp``, ``start``; ``end``,
    ``complete_timestamp``; ``resource``, ``org:resource``; ``segment``;
    ``channel``), compared without case; case, activity and timestamp must be
    found, the others are optional.

    Parameters
    ----------
    case, activity, timestamp : str, optional
        The case id, the activity and the (start) time columns.
    end, resource, segment, channel : str, optional
        An end time, a resource, a case's segment (a case attribute) and an event's channel.
    attributes : tuple of str
        Further case attributes (their first non-empty value in the case is kept).
    event_attributes : tuple of str
        Further event attributes.
    timezone : str, optional
        The IANA zone (``Europe/Paris``) of times written without an offset; without it they are
        taken as UTC, with a warning (JL006).
    time_format : str, optional
        ``None`` for ISO 8601 (``2026-01-05T09:30:00+01:00``, ``2026-01-05 09:30``), ``"unix"`` for
        seconds since 1970, or a :func:`~datetime.datetime.strptime` format (``%d/%m/%Y %H:%M``).
    delimiter : str, optional
        The field separator; by default the most frequent of ``,``, ``;``, tab and ``|`` in the header.
    """

    case: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    end: str | None = None
    resource: str | None = None
    segment: str | None = None
    channel: str | None = None
    attributes: tuple[str, ...] = ()
    event_attributes: tuple[str, ...] = ()
    timezone: str | None = None
    time_format: str | None = None
    delimiter: str | None = None
    #: The mapping file it was read from, if any (diagnostics about its names point there).
    source: str | None = field(default=None, compare=False)

    def with_options(self, **options: Any) -> LogMapping:
        """This mapping with the options given (``None`` leaves a field as it is): command-line options over a file."""
        given = {name: value for name, value in options.items() if value is not None and value != ()}
        for name in ("attributes", "event_attributes"):
            if name in given:
                given[name] = tuple(given[name])
        return replace(self, **given)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LogMapping:
        """A mapping from a TOML file of top-level keys (``case = "Case ID"``; see ``docs/data.md``).

        Parameters
        ----------
        path : path-like
            The mapping file.

        Returns
        -------
        LogMapping

        Raises
        ------
        LogError
            When the file cannot be read, is not TOML, has an unknown key (with a did-you-mean hint)
            or a value of the wrong type (JL016, at the key's line).
        """
        name = os.fspath(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            span = Span(name, 1, 1, 1, 1)
            raise LogError([LogDiagnostic("JL016", f"cannot read the log mapping: {reason}", span)]) from None
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            try:
                import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
            except ImportError:
                needs = "reading a TOML mapping on Python 3.10 needs tomli"
                raise LogError([LogDiagnostic("JL016", needs, Span(name, 1, 1, 1, 1), "pip install tomli")]) from None
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            found = re.search(r"line (\d+), column (\d+)", str(error))
            line, column = (int(found[1]), int(found[2])) if found else (1, 1)
            message = re.sub(r"\s*\(at line .*\)$", "", str(error))
            span = Span(name, line, column, line, column + 1)
            raise LogError(
                [LogDiagnostic("JL016", f"the log mapping is not TOML: {message}", span)], {name: text}
            ) from None
        problems: list[Diagnostic] = []
        values: dict[str, Any] = {}
        for key, value in document.items():
            span = _key_span(name, text, key)
            if key not in _MAPPING_KEYS:
                hint = did_you_mean(key, _MAPPING_KEYS) or "the keys are " + ", ".join(_MAPPING_KEYS)
                problems.append(LogDiagnostic("JL016", f"unknown key `{key}` in the log mapping", span, hint))
            elif key in ("attributes", "event_attributes"):
                if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
                    problems.append(LogDiagnostic("JL016", f"`{key}` must be a list of column names", span))
                else:
                    values[key] = tuple(value)
            elif not isinstance(value, str):
                problems.append(LogDiagnostic("JL016", f"`{key}` must be text (a column name in quotes)", span))
            else:
                values[key] = value
        if problems:
            raise LogError(problems, {name: text})
        return cls(**values, source=name)


def _key_span(file: str, text: str, key: str) -> Span:
    """Where ``key =`` stands in a TOML text (its first line, else the file's start)."""
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip()
        if stripped.startswith((key, f'"{key}"')) and "=" in stripped:
            column = len(line) - len(stripped) + 1
            return Span(file, number, column, number, column + len(key))
    return Span(file, 1, 1, 1, 1)


# ---- times ---------------------------------------------------------------------------


def parse_timestamp(text: str, time_format: str | None = None) -> datetime:
    """A timestamp as written: ISO 8601 (``None``), ``"unix"`` seconds, or a strptime format.

    The result keeps what was written: aware when an offset was given, naive otherwise.

    Raises
    ------
    ValueError
        When the text is not a time in that format.

    Examples
    --------
    >>> parse_timestamp("2026-01-05T09:30:00Z")
    datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.timezone.utc)
    >>> parse_timestamp("05/01/2026 09:30", "%d/%m/%Y %H:%M")
    datetime.datetime(2026, 1, 5, 9, 30)
    """
    text = text.strip()
    if time_format is None:
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        return datetime.fromisoformat(text)
    if time_format == "unix":
        return datetime.fromtimestamp(float(text), timezone.utc)
    return datetime.strptime(text, time_format)


def parse_start(text: str) -> datetime:
    """The clock start of a simulated log (``--log-start``): ISO 8601, naive taken as UTC; returned in UTC.

    Raises
    ------
    LogError
        JL050 when the text is not a date and time.

    Examples
    --------
    >>> parse_start("2026-01-05T09:00")
    datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.timezone.utc)
    >>> parse_start("2026-01-05T09:00+01:00").hour
    8
    """
    try:
        when = parse_timestamp(text)
    except ValueError:
        hint = "write it as ISO 8601, e.g. 2026-01-05T09:00 or 2026-01-05T09:00+01:00"
        raise LogError([LogDiagnostic("JL050", f"`{text}` is not a date and time", hint=hint)]) from None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _zone(name: str | None) -> Any:
    """A tzinfo for an IANA name (``None`` for none); raises LookupError for an unknown one."""
    if name is None:
        return None
    if name.upper() == "UTC":
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LookupError(name) from None


class _Times:
    """Turns written times into aware UTC ones and remembers what the zone checks need."""

    def __init__(self, file: str, zone: Any, time_format: str | None) -> None:
        self.file = file
        self.zone = zone
        self.format = time_format
        self.naive = 0
        self.first_naive: _Where | None = None
        self.aware = 0
        self.first_aware: _Where | None = None
        self.offsets: dict[timedelta | None, _Where] = {}

    def read(self, text: str, span: _Where) -> datetime:
        """``text`` in UTC; raises ValueError when it is not a time."""
        when = parse_timestamp(text, self.format)
        if when.tzinfo is None or when.utcoffset() is None:
            self.naive += 1
            self.first_naive = self.first_naive or span
            when = when.replace(tzinfo=self.zone or timezone.utc)
        else:
            self.aware += 1
            self.first_aware = self.first_aware or span
            offset = when.utcoffset()
            if offset not in self.offsets and len(self.offsets) < 10:
                self.offsets[offset] = span
        return when.astimezone(timezone.utc)

    def diagnostics(self) -> list[Diagnostic]:
        """JL006 (naive, no zone), JL007 (naive and aware mixed), JL008 (offsets differ)."""
        found: list[Diagnostic] = []
        file = self.file
        if self.naive and self.aware and self.zone is None and self.first_naive and self.first_aware:
            found.append(
                LogDiagnostic(
                    "JL007",
                    f"{_count(self.naive, 'timestamp', 'has', 'have')} no time zone while {self.aware} carry a UTC offset",
                    _span_of(file, self.first_naive),
                    "give every timestamp an offset, or name the zone of the others (--timezone / `timezone`)",
                    (("this one carries an offset", _span_of(file, self.first_aware)),),
                )
            )
        elif self.naive and self.zone is None and self.first_naive:
            found.append(
                LogDiagnostic(
                    "JL006",
                    f"{_count(self.naive, 'timestamp', 'has', 'have')} no time zone; taken as UTC",
                    _span_of(file, self.first_naive),
                    'name their zone with --timezone (or `timezone = "Europe/Paris"` in the mapping)',
                )
            )
        if len(self.offsets) > 1:
            shown = ", ".join(_offset_text(offset) for offset in self.offsets)
            first, second = (_span_of(file, where) for where in list(self.offsets.values())[:2])
            found.append(
                LogDiagnostic(
                    "JL008",
                    f"timestamps carry {len(self.offsets)} different UTC offsets ({shown}); all are converted to UTC",
                    second,
                    "normal across a daylight-saving change; otherwise check that the sources agree on their clocks",
                    (("first offset here", first),),
                )
            )
        return found


def _offset_text(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# ---- assembling cases ------------------------------------------------------------------


class _Assembly:
    """Events gathered into cases: duplicates dropped, order checked, one-event cases found."""

    def __init__(self, file: str, check_order: bool = True) -> None:
        self.file = file
        self.check_order = check_order
        self.events: dict[str, list[Event]] = {}
        self.attributes: dict[str, dict[str, str]] = {}
        self.seen: dict[str, set[tuple[object, ...]]] = {}
        self.last: dict[str, datetime] = {}
        self.unsorted = 0
        self.first_unsorted: _Where | None = None
        self.duplicates = 0
        self.first_duplicate: _Where | None = None

    def add(self, event: Event, span: _Where) -> None:
        """One event, in file order."""
        key = (event.activity, event.timestamp, event.end, event.resource, tuple(sorted(event.attributes.items())))
        seen = self.seen.setdefault(event.case, set())
        if key in seen:
            self.duplicates += 1
            self.first_duplicate = self.first_duplicate or span
            return
        seen.add(key)
        if self.check_order:
            last = self.last.get(event.case)
            if last is not None and event.timestamp < last:
                self.out_of_order(span)
            else:
                self.last[event.case] = event.timestamp
        self.events.setdefault(event.case, []).append(event)

    def out_of_order(self, span: _Where) -> None:
        """Note an event written before one that happened earlier in its case."""
        self.unsorted += 1
        self.first_unsorted = self.first_unsorted or span

    def case_attribute(self, case: str, name: str, value: str) -> None:
        """A case attribute; the first non-empty value is kept."""
        if value:
            self.attributes.setdefault(case, {}).setdefault(name, value)

    def finish(self, problems: list[Diagnostic]) -> EventLog:
        """The log, with its warnings; raises LogError when ``problems`` hold an error or there are no events."""
        found = list(problems)
        if self.unsorted and self.first_unsorted:
            found.append(
                LogDiagnostic(
                    "JL009",
                    f"{_count(self.unsorted, 'event', 'is', 'are')} written before an earlier event of its case; "
                    "each case is sorted by time",
                    _span_of(self.file, self.first_unsorted),
                )
            )
        if self.duplicates and self.first_duplicate:
            found.append(
                LogDiagnostic(
                    "JL010",
                    f"{_count(self.duplicates, 'duplicate event')} (same case, activity, times, resource and attributes) dropped",
                    _span_of(self.file, self.first_duplicate),
                    "the first is this one; a log exported twice or joined with itself repeats its events",
                )
            )
        cases = []
        for order, (case, events) in enumerate(self.events.items()):
            events.sort(key=lambda event: event.timestamp)  # stable: ties stay in file order
            attributes = MappingProxyType(self.attributes.get(case, {}))
            cases.append((events[0].timestamp, order, Case(case, tuple(events), attributes)))
        cases.sort(key=lambda item: (item[0], item[1]))
        single = [case for _, _, case in cases if len(case.events) == 1]
        if single:
            first = single[0]
            found.append(
                LogDiagnostic(
                    "JL011",
                    f"{len(single)} of {len(cases)} cases {'has' if len(single) == 1 else 'have'} one event "
                    f"(first: case `{first.id}`); kept",
                    Span(self.file, first.events[0].line, 1, first.events[0].line, 1)
                    if first.events[0].line
                    else NO_SPAN,
                    "a case with one event shows no transition and no time between activities",
                )
            )
        if not cases and not any(d.is_error for d in found):
            found.append(LogDiagnostic("JL002", "the log has no events", Span(self.file, 1, 1, 1, 1)))
        found.sort(key=lambda d: (d.span.line, d.span.column, d.code))
        if any(d.is_error for d in found):
            raise LogError(found, _sources(self.file))
        return EventLog(tuple(case for _, _, case in cases), self.file, tuple(found))


#: Largest log file whose text a diagnostic quotes.
_QUOTED_BYTES = 20_000_000


def _sources(file: str) -> dict[str, str]:
    """The text of a (not too large, uncompressed) log for the source lines of its diagnostics."""
    try:
        if file.endswith(".gz") or os.path.getsize(file) > _QUOTED_BYTES:
            return {}
        return {file: Path(file).read_text(encoding="utf-8-sig", errors="replace")}
    except OSError:
        return {}


class _TooMany(Exception):
    """Reading stops: MAX_ERRORS errors found."""


class _Problems(list[Diagnostic]):
    """Diagnostics of one file; adding the MAX_ERRORS-th error stops reading (JL017)."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.errors = 0

    def error(self, diagnostic: Diagnostic) -> None:
        self.append(diagnostic)
        self.errors += 1
        if self.errors >= MAX_ERRORS:
            self.append(
                LogDiagnostic(
                    "JL017",
                    f"reading stopped after {MAX_ERRORS} errors",
                    diagnostic.span,
                    "fix these and read it again",
                )
            )
            raise _TooMany


# ---- CSV -----------------------------------------------------------------------------


def _field_columns(line: str, delimiter: str) -> list[int]:
    """The 1-based column where each field of a CSV line starts (quotes respected)."""
    return [start for start, _ in field_spans(line, delimiter)]


def _sniff(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_csv_log(path: str | os.PathLike[str], mapping: LogMapping | None = None) -> EventLog:
    """An event log from a CSV file: one row per event, columns named by ``mapping``.

    Parameters
    ----------
    path : path-like
        The CSV file (UTF-8, with a header row).
    mapping : LogMapping, optional
        Which column is what; by default the usual names (see :class:`LogMapping`).

    Returns
    -------
    EventLog
        Cases in order of their first event, each sorted by time; warnings on ``.diagnostics``.

    Raises
    ------
    LogError
        With every error found (unknown column with a did-you-mean, missing or unreadable
        timestamps naming the row, unknown zone, ...), at ``file:line:col``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> _ = open(path, "w").write("case,activity,timestamp\\n"
    ...     "1,browse,2026-01-05T09:00Z\\n1,buy,2026-01-05T09:05Z\\n")
    >>> log = read_csv_log(path)
    >>> log.cases[0].activities, str(log.summary)
    (('browse', 'buy'), '1 cases, 2 events, 2 activities, 2026-01-05 09:00 to 2026-01-05 09:05 UTC')
    """
    mapping = mapping or LogMapping()
    name = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise LogError(
            [LogDiagnostic("JL001", f"cannot read the log: {error.strerror or error}", Span(name, 1, 1, 1, 1))]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise LogError(
            [
                LogDiagnostic(
                    "JL001",
                    "the log is not UTF-8 text",
                    Span(name, line, column, line, column + 1),
                    "save it as UTF-8 (most spreadsheets offer 'CSV UTF-8')",
                )
            ]
        ) from None
    lines = text.split("\n")
    if not text.strip():
        raise LogError([LogDiagnostic("JL002", "the log is empty: no header row", Span(name, 1, 1, 1, 1))])
    delimiter = mapping.delimiter or _sniff(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [column.strip() for column in next(reader)]
    header_columns = _field_columns(lines[0], delimiter)
    mapping_file = mapping.source
    problems = _Problems(name)

    def header_span(index: int = 0) -> Span:
        column = header_columns[index] if index < len(header_columns) else 1
        return Span(name, 1, column, 1, column + max(1, len(header[index]) if index < len(header) else 1))

    # Which column is what.
    lowered = {column.lower(): index for index, column in enumerate(header)}
    roles: dict[str, int] = {}
    wanted: list[tuple[str, str | None]] = [
        (role, getattr(mapping, role))
        for role in ("case", "activity", "timestamp", "end", "resource", "segment", "channel")
    ]
    wanted += [(f"attribute:{column}", column) for column in mapping.attributes]
    wanted += [(f"event:{column}", column) for column in mapping.event_attributes]
    for role, named in wanted:
        if named is not None:
            found = header.index(named) if named in header else lowered.get(named.lower())
            if found is None:
                hint = did_you_mean(named, header) or "the columns are " + ", ".join(f"`{c}`" for c in header)
                where = f" (named in {mapping_file})" if mapping_file else ""
                problems.append(
                    LogDiagnostic(
                        "JL003", f"no column `{named}` for the {role.split(':')[0]}{where}", header_span(), hint
                    )
                )
            else:
                roles[role] = found
        else:
            for alias in _ALIASES.get(role, ()):
                if alias in lowered and lowered[alias] not in roles.values():
                    roles[role] = lowered[alias]
                    break
            else:
                if role in ("case", "activity", "timestamp"):
                    hint = f'name it with --{role} COLUMN (or `{role} = "COLUMN"` in the mapping); the columns are ' + (
                        ", ".join(f"`{c}`" for c in header)
                    )
                    problems.append(LogDiagnostic("JL003", f"no {role} column found", header_span(), hint))
    try:
        zone = _zone(mapping.timezone)
    except LookupError:
        problems.append(
            LogDiagnostic(
                "JL015",
                f"unknown time zone `{mapping.timezone}`",
                Span(mapping_file or name, 1, 1, 1, 1),
                "use an IANA name such as Europe/Paris, America/New_York or UTC",
            )
        )
        zone = None
    if problems:
        raise LogError(problems, {name: text})

    times = _Times(name, zone, mapping.time_format)
    assembly = _Assembly(name)
    case_at, activity_at, time_at = roles["case"], roles["activity"], roles["timestamp"]
    end_at, resource_at = roles.get("end"), roles.get("resource")
    case_attributes = [
        (role.split(":", 1)[-1], index)
        for role, index in roles.items()
        if role == "segment" or role.startswith("attribute:")
    ]
    event_attributes = [
        (role.split(":", 1)[-1], index)
        for role, index in roles.items()
        if role == "channel" or role.startswith("event:")
    ]
    expected = "ISO 8601, e.g. 2026-01-05T09:30:00+01:00" if mapping.time_format is None else f"`{mapping.time_format}`"
    previous = reader.line_num
    try:
        for row in reader:
            number, previous = previous + 1, reader.line_num
            source = lines[number - 1] if number <= len(lines) else ""
            starts = _field_columns(source, delimiter)

            def span(
                index: int, width: int = 1, number: int = number, starts: list[int] = starts, end: int = len(source) + 1
            ) -> Span:
                column = starts[index] if index < len(starts) else end
                return Span(name, number, column, number, column + max(1, width))

            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.error(
                    LogDiagnostic(
                        "JL014",
                        f"row {number} has {len(row)} fields; the header has {len(header)}",
                        Span(name, number, 1, number, len(source) + 1),
                        f"check for a stray `{delimiter}` or an unclosed quote",
                    )
                )
                continue
            case, activity, stamp = row[case_at].strip(), row[activity_at].strip(), row[time_at].strip()
            if not case or not activity:
                what, at = ("case id", case_at) if not case else ("activity", activity_at)
                problems.error(LogDiagnostic("JL012", f"row {number} has no {what} (column `{header[at]}`)", span(at)))
                continue
            if not stamp:
                problems.error(
                    LogDiagnostic(
                        "JL004",
                        f"row {number} (case `{case}`, activity `{activity}`) has no timestamp (column `{header[time_at]}`)",
                        span(time_at),
                    )
                )
                continue
            try:
                start = times.read(stamp, span(time_at, len(stamp)))
                end_text = row[end_at].strip() if end_at is not None else ""
                end = times.read(end_text, span(end_at, len(end_text))) if end_at is not None and end_text else None
            except (ValueError, OverflowError, OSError):
                bad_at = time_at if not _parses(stamp, mapping.time_format) else end_at
                assert bad_at is not None
                written = row[bad_at].strip()
                problems.error(
                    LogDiagnostic(
                        "JL005",
                        f"row {number}: `{written}` is not a time (column `{header[bad_at]}`)",
                        span(bad_at, len(written)),
                        f"times are read as {expected}; name another format with --time-format",
                    )
                )
                continue
            if end is not None and end < start:
                assert end_at is not None
                problems.error(
                    LogDiagnostic(
                        "JL013", f"row {number}: the event ends before it starts", span(end_at, len(row[end_at]))
                    )
                )
                continue
            resource = row[resource_at].strip() or None if resource_at is not None else None
            attributes = MappingProxyType(
                {key: row[index].strip() for key, index in event_attributes if row[index].strip()}
            )
            for key, index in case_attributes:
                assembly.case_attribute(case, key, row[index].strip())
            assembly.add(Event(case, activity, start, end, resource, attributes, number), span(0))
    except _TooMany:
        pass
    except csv.Error as error:
        problems.error(
            LogDiagnostic("JL014", f"the CSV cannot be read: {error}", Span(name, previous + 1, 1, previous + 1, 1))
        )
    problems.extend(times.diagnostics())
    if problems.errors or any(d.is_error for d in problems):
        raise LogError(sorted(problems, key=lambda d: (d.span.line, d.span.column, d.code)), {name: text})
    return assembly.finish(problems)


def _parses(text: str, time_format: str | None) -> bool:
    try:
        parse_timestamp(text, time_format)
    except (ValueError, OverflowError, OSError):
        return False
    return True


def read_log(path: str | os.PathLike[str], mapping: LogMapping | None = None) -> EventLog:
    """An event log from XES (``.xes``, ``.xes.gz``) or CSV (anything else, columns by ``mapping``).

    An XES log takes only the mapping's ``timezone`` (for timestamps written without an offset).

    Raises
    ------
    LogError
        As :func:`read_csv_log` and :func:`journeydsl.data.xes.read_xes`.
    """
    lowered = os.fspath(path).lower()
    if lowered.endswith((".xes", ".xes.gz")):
        from .xes import read_xes

        return read_xes(path, (mapping or LogMapping()).timezone)
    return read_csv_log(path, mapping)
