"""XES (IEEE 1849) event logs: read with a hardened streaming XML parser, and written for simulated customers.

Reading uses the standard library's expat parser directly, fed the file in
blocks, so a large log is read once and never held whole (``.xes.gz`` is
decompressed on the fly).  It is hardened: a ``<!DOCTYPE`` or an
``<!ENTITY`` declaration is refused before anything in it is expanded (so no
"billion laughs" and no external entity reaches a file or the network), and
an undefined entity is a well-formedness error.  Why not pm4py: it is a heavy
dependency (pandas, numpy, scipy, networkx, lxml, graphviz, ...) for what is a
small, well-specified format; the standard library reads it with line and
column for each diagnostic, and a process-mining user who has pm4py reads
the logs written here with it (the tests do, when it is installed).

What is read: each ``<trace>`` is a case (``concept:name`` its id, its other
attributes the case's attributes); each ``<event>`` has ``concept:name`` (the
activity), ``time:timestamp``, ``lifecycle:transition`` (``complete`` when
absent) and ``org:resource``.  A ``start`` and the next ``complete`` of the
same activity (and ``concept:instance``, when given) in a case make one
:class:`~journeydsl.data.logs.Event` with an end; a ``complete`` without a
start is an event at that time; another transition (``schedule``,
``withdraw``, ``ate_abort``, ...) is an event with a ``lifecycle`` attribute.
Attributes nested in lists or containers, and ``<global>`` defaults, are not
read.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from xml.parsers import expat

from ..lang.diagnostics import Diagnostic
from ..lang.model import Span
from .logs import (
    Event,
    EventLog,
    LogDiagnostic,
    LogError,
    _Assembly,
    _count,
    _Problems,
    _sources,
    _Times,
    _TooMany,
    _zone,
)

__all__ = ["read_xes", "XES_NAMESPACE"]

#: The namespace of the XES standard.
XES_NAMESPACE = "http://www.xes-standard.org/"

_ATTRIBUTES = frozenset({"string", "date", "int", "float", "boolean", "id", "list", "container"})
_BLOCK = 1 << 20


class _Refused(Exception):
    """A DOCTYPE or entity declaration: the document is refused."""

    def __init__(self, what: str, line: int, column: int) -> None:
        super().__init__(what)
        self.what, self.line, self.column = what, line, column


class _RawEvent:
    """An ``<event>`` as written: its attributes, and where it and its timestamp stand (0-based columns)."""

    __slots__ = ("attributes", "line", "column", "stamp_line", "stamp_column")

    def __init__(self, line: int, column: int) -> None:
        self.attributes: dict[str, str] = {}
        self.line, self.column = line, column
        self.stamp_line, self.stamp_column = line, column


@dataclass
class _RawTrace:
    line: int = 0
    column: int = 0
    attributes: dict[str, str] = field(default_factory=dict)
    events: list[_RawEvent] = field(default_factory=list)


class _Reader:
    """The expat handlers: build one trace at a time and hand it to the assembly."""

    def __init__(self, file: str, parser: expat.XMLParserType, zone: Any = None) -> None:
        self.file = file
        self.parser = parser
        self.stack: list[str] = []
        self.trace: _RawTrace | None = None
        self.event: _RawEvent | None = None
        self.saw_log = False
        self.problems = _Problems(file)
        self.times = _Times(file, zone, None)
        self.assembly = _Assembly(file, check_order=False)
        self.traces = 0
        self.nameless = 0
        self.first_nameless: Span | None = None
        self.open_starts = 0
        self.first_open_start: Span | None = None

    def span(self, line: int, column: int, width: int = 1) -> Span:
        return Span(self.file, line, column + 1, line, column + 1 + width)

    @staticmethod
    def where(line: int, column: int, width: int = 1) -> tuple[int, int, int]:
        """A place made into a span only if a diagnostic needs it (expat's columns are 0-based)."""
        return (line, column + 1, width)

    def here(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber

    # -- hardening
    def doctype(self, *_: object) -> None:
        raise _Refused("a DOCTYPE", *self.here())

    def entity(self, *_: object) -> None:
        raise _Refused("an ENTITY declaration", *self.here())

    def external(self, *_: object) -> int:
        raise _Refused("an external entity", *self.here())

    # -- elements
    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if ":" in tag:
            tag = tag.rsplit(":", 1)[1]
        stack = self.stack
        depth = len(stack)
        stack.append(tag)
        event = self.event
        if depth == 3 and event is not None:  # an event's attribute: the most common element, kept fast
            key = attributes.get("key")
            if key is not None and tag in _ATTRIBUTES and stack[2] == "event":
                if key not in event.attributes:
                    event.attributes[key] = attributes.get("value", "")
                if key == "time:timestamp":
                    event.stamp_line, event.stamp_column = self.here()
            return
        if depth == 0:
            if tag != "log":
                raise _Refused(f"a <{tag}> document", *self.here())
            self.saw_log = True
        elif depth == 1 and tag == "trace":
            self.trace = _RawTrace(*self.here())
        elif depth == 2 and tag == "event" and self.trace is not None:
            self.event = _RawEvent(*self.here())
        elif depth == 2 and self.trace is not None and tag in _ATTRIBUTES and "key" in attributes:
            self.trace.attributes.setdefault(attributes["key"], attributes.get("value", ""))

    def end(self, tag: str) -> None:
        local = self.stack.pop()
        depth = len(self.stack)
        if depth == 2 and local == "event" and self.trace is not None and self.event is not None:
            self.trace.events.append(self.event)
            self.event = None
        elif depth == 1 and local == "trace" and self.trace is not None:
            self.finish_trace(self.trace)
            self.trace = None

    def finish_trace(self, trace: _RawTrace) -> None:
        """Pair a trace's lifecycle transitions into events and hand them over."""
        self.traces += 1
        case = trace.attributes.pop("concept:name", "").strip()
        if not case:
            case = f"trace {self.traces}"
            self.nameless += 1
            self.first_nameless = self.first_nameless or self.span(trace.line, trace.column, 7)
        for key, value in trace.attributes.items():
            self.assembly.case_attribute(case, key, value)
        timed: list[tuple[datetime, int, _RawEvent, str]] = []
        last: datetime | None = None
        for order, raw in enumerate(trace.events):
            attributes = raw.attributes
            activity = attributes.get("concept:name", "").strip()
            if not activity:
                self.problems.error(
                    LogDiagnostic(
                        "JL024",
                        f"an event of case `{case}` has no activity name (`concept:name`)",
                        self.span(raw.line, raw.column, 6),
                    )
                )
                continue
            stamp = attributes.get("time:timestamp", "").strip()
            if not stamp:
                self.problems.error(
                    LogDiagnostic(
                        "JL004",
                        f"event `{activity}` of case `{case}` has no timestamp (`time:timestamp`)",
                        self.span(raw.line, raw.column, 6),
                    )
                )
                continue
            try:
                when = self.times.read(stamp, self.where(raw.stamp_line, raw.stamp_column, 5))
            except (ValueError, OverflowError):
                self.problems.error(
                    LogDiagnostic(
                        "JL005",
                        f"`{stamp}` is not an xs:dateTime (event `{activity}` of case `{case}`)",
                        self.span(raw.stamp_line, raw.stamp_column, 5),
                        "XES times are written like 2026-01-05T09:30:00.000+01:00",
                    )
                )
                continue
            if last is not None and when < last:
                self.assembly.out_of_order(self.where(raw.stamp_line, raw.stamp_column, 5))
            last = when if last is None or when > last else last
            timed.append((when, order, raw, activity))
        timed.sort(key=lambda item: (item[0], item[1]))
        opened: dict[tuple[str, str], list[tuple[datetime, _RawEvent]]] = {}
        events: list[tuple[datetime, int, Event, tuple[int, int, int]]] = []
        for when, order, raw, activity in timed:
            attributes = raw.attributes
            transition = attributes.get("lifecycle:transition", "complete").strip().lower() or "complete"
            instance = (activity, attributes.get("concept:instance", ""))
            if transition == "start":
                opened.setdefault(instance, []).append((when, raw))
                continue
            extra = _extra(attributes)
            if transition == "complete" and opened.get(instance):
                began, start = opened[instance].pop(0)
                extra = MappingProxyType(_extra(start.attributes) | extra)
                event = Event(case, activity, began, when, _resource(attributes, start.attributes), extra, start.line)
                events.append((began, order, event, self.where(start.line, start.column, 6)))
                continue
            if transition != "complete":
                extra = MappingProxyType(extra | {"lifecycle": transition})
            event = Event(case, activity, when, None, _resource(attributes), extra, raw.line)
            events.append((when, order, event, self.where(raw.line, raw.column, 6)))
        for waiting in opened.values():
            for began, raw in waiting:
                self.open_starts += 1
                self.first_open_start = self.first_open_start or self.span(raw.line, raw.column, 6)
                event = Event(
                    case,
                    raw.attributes["concept:name"].strip(),
                    began,
                    None,
                    _resource(raw.attributes),
                    _extra(raw.attributes),
                    raw.line,
                )
                events.append((began, len(timed), event, self.where(raw.line, raw.column, 6)))
        events.sort(key=lambda item: (item[0], item[1]))
        for _, _, event, span in events:
            self.assembly.add(event, span)

    def diagnostics(self) -> list[Diagnostic]:
        found: list[Diagnostic] = list(self.problems)
        if self.nameless and self.first_nameless:
            found.append(
                LogDiagnostic(
                    "JL025",
                    f"{_count(self.nameless, 'trace', 'has', 'have')} no `concept:name`; named `trace N` by place in the file",
                    self.first_nameless,
                )
            )
        if self.open_starts and self.first_open_start:
            found.append(
                LogDiagnostic(
                    "JL023",
                    f"{_count(self.open_starts, 'event')} started and never completed; kept without an end",
                    self.first_open_start,
                    "a log cut off at its end leaves activities open",
                )
            )
        found.extend(self.times.diagnostics())
        return found


_STANDARD = frozenset({"concept:name", "time:timestamp", "lifecycle:transition", "org:resource"})


def _extra(attributes: dict[str, str]) -> MappingProxyType[str, str]:
    return MappingProxyType({key: value for key, value in attributes.items() if key not in _STANDARD and value})


def _resource(*groups: dict[str, str]) -> str | None:
    for attributes in groups:
        value = attributes.get("org:resource", "").strip()
        if value:
            return value
    return None


def read_xes(path: str | os.PathLike[str], timezone: str | None = None) -> EventLog:
    """An event log from an XES file (``.xes``, or gzipped ``.xes.gz``), streamed.

    Parameters
    ----------
    path : path-like
        The XES file.
    timezone : str, optional
        The IANA zone of timestamps written without an offset (XES says to write one); without it
        they are taken as UTC with a warning (JL006).

    Returns
    -------
    EventLog
        One case per trace, in order of their first event; warnings on ``.diagnostics``.

    Raises
    ------
    LogError
        When the file cannot be read, is not well-formed, declares a DOCTYPE or an entity
        (refused: JL021), is not a ``<log>``, or has events without an activity or a timestamp;
        or ``timezone`` is not a known zone (JL015).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "log.xes")
    >>> _ = open(path, "w").write('<log><trace><string key="concept:name" value="c1"/>'
    ...     '<event><string key="concept:name" value="ask"/>'
    ...     '<date key="time:timestamp" value="2026-01-05T09:00:00Z"/></event>'
    ...     '<event><string key="concept:name" value="buy"/>'
    ...     '<date key="time:timestamp" value="2026-01-05T09:04:00Z"/></event></trace></log>')
    >>> read_xes(path).cases[0].activities
    ('ask', 'buy')
    """
    name = os.fspath(path)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        zone = _zone(timezone)
    except LookupError:
        hint = "use an IANA name such as Europe/Paris, America/New_York or UTC"
        raise LogError([LogDiagnostic("JL015", f"unknown time zone `{timezone}`", hint=hint)]) from None
    reader = _Reader(name, parser, zone)
    parser.StartDoctypeDeclHandler = reader.doctype
    parser.EntityDeclHandler = reader.entity
    parser.UnparsedEntityDeclHandler = reader.entity
    parser.ExternalEntityRefHandler = reader.external
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.buffer_text = True
    try:
        opener = gzip.open if name.lower().endswith(".gz") else open
        with opener(Path(path), "rb") as stream:
            while block := stream.read(_BLOCK):
                parser.Parse(block, False)
            parser.Parse(b"", True)
    except _Refused as refused:
        if refused.what.startswith("a <"):
            diagnostic = LogDiagnostic(
                "JL022",
                f"not an XES log: the document is {refused.what}, not a <log>",
                reader.span(refused.line, refused.column),
            )
        else:
            diagnostic = LogDiagnostic(
                "JL021",
                f"the XES file declares {refused.what}, which is refused",
                reader.span(refused.line, refused.column, 9),
                "XES needs no DTD or entities; declarations can expand into huge text (billion laughs) "
                "or read other files (XXE), so they are never processed",
            )
        raise LogError([diagnostic], _sources(name)) from None
    except _TooMany:
        raise LogError(reader.diagnostics(), _sources(name)) from None
    except expat.ExpatError as error:
        message = expat.ErrorString(error.code)
        diagnostic = LogDiagnostic(
            "JL020", f"the XES file is not well-formed XML: {message}", reader.span(error.lineno, error.offset)
        )
        raise LogError([*reader.diagnostics(), diagnostic], _sources(name)) from None
    except (OSError, EOFError, zlib.error) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise LogError([LogDiagnostic("JL001", f"cannot read the log: {reason}", Span(name, 1, 1, 1, 1))]) from None
    if not reader.saw_log:
        raise LogError([LogDiagnostic("JL022", "not an XES log: no <log> element", Span(name, 1, 1, 1, 1))])
    return reader.assembly.finish(reader.diagnostics())
