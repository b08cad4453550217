"""Response-level surveys: one row per respondent, read into records and measured per factor and segment.

A response file is a CSV with one row per respondent.  Its header names the
columns by a fixed convention (case, spaces and hyphens do not matter;
``performance_price`` and ``Performance Price`` are the same column):

==========================================  ===============================================
column                                      meaning
==========================================  ===============================================
``price``, ``brand``, ... (a factor), or    how the respondent rates the factor's
``performance_<factor>``                    performance, 0 to 10
``expect_<factor>`` or                      what the respondent expects of it, 0 to 10
``expectation_<factor>``
``importance_<factor>``                     how important the respondent says it is
                                            (stated importance), 0 to 10
``overall`` (or ``satisfaction``,           overall satisfaction, 0 to 10
``overall_satisfaction``)
``nps`` (or ``recommend``,                  the NPS question: how likely to recommend,
``likelihood_to_recommend``)                a whole number 0 to 10
``touchpoint_<name>``                       a rating of a touchpoint of the journey, 0 to 10
``segment``                                 the respondent's segment (a segment of the journey)
``respondent`` (or ``id``,                  an identifier, read and otherwise ignored
``response_id``)
==========================================  ===============================================

Lines starting with ``#`` are comments (a file may say where it comes from);
empty cells are answers not given.  The delimiter is sniffed among ``,``, ``;``
and tab; with ``;`` or tab a decimal comma is read as a decimal point.

What is measured (:func:`summarize`), for all respondents and per segment:

- per factor, the mean **performance** and **expectation** with their 95%
  t-intervals and the number of answers (each mean uses every answer given to
  that question: missing answers are dropped *pairwise*);
- the factors' **importance estimated from the data**: the ordinary least
  squares regression of overall satisfaction on the factor ratings, over the
  respondents who answered overall satisfaction and every factor (*listwise*),
  with R^2, n and each coefficient's 95% interval.  Importance on the
  language's 0-10 scale is the standardised coefficient (beta: coefficient x
  sd of the factor / sd of overall satisfaction) relative to the largest:
  ``importance = 10 x beta / max beta`` (the factor that moves satisfaction
  most gets 10; a negative beta gets 0), its interval the coefficient's scaled
  the same way and clipped to 0-10.  A warning is given when factors are
  collinear (variance inflation factor above 10) or there are fewer than 10
  complete responses per factor; with too few for a regression at all the
  importance is left out (and the stated one, or the journey's, is used);
- the **stated importance** (``importance_<factor>`` columns), beside it;
- the **NPS distribution**: the share of each answer 0-10, promoters (9-10),
  passives (7-8) and detractors (0-6) with Wilson intervals, and the NPS with a
  95% percentile bootstrap interval (multinomial resampling, fixed seed);
- each touchpoint's mean rating with its interval.

Bad input raises :class:`~journeydsl.lang.diagnostics.JourneyError` with
diagnostics at the file's line and column (JD009 not a regular file, JD011 too
large, JD007 not UTF-8, JD008 empty, JD001 not CSV or not a number, JD211 an
unknown column, JD216 a column twice, JD212 no factor or no overall
satisfaction column, JD106 an unknown factor, JD207 a rating off 0-10, JD215
an NPS answer that is not whole, JD107 an undefined segment and JD108 an
undefined touchpoint, the last two when the journey is given).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..lang.diagnostics import Diagnostic, JourneyError, did_you_mean, printable, sort_diagnostics
from ..lang.loader import display_name
from ..lang.model import Journey, Span, Survey, SurveyRow
from ..lang.vocabulary import FACTORS
from .delimited import decimal_number, field_spans

__all__ = [
    "MAX_RESPONSE_BYTES",
    "Response",
    "SurveyResponses",
    "Estimate",
    "FactorFigures",
    "Regression",
    "NpsFigures",
    "GroupFigures",
    "ResponseSummary",
    "read_responses",
    "summarize",
    "factor_library",
    "nps_figures",
    "regress",
]

#: The largest response file read, in bytes: about 250,000 respondents of 20 questions.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
#: A coefficient's variance inflation factor above which the factors are called collinear.
VIF_LIMIT = 10.0
#: Complete responses per factor below which the regression is called unstable.
PER_FACTOR = 10
#: Bootstrap resamples of the NPS interval, and their seed (the interval is reproducible).
BOOTSTRAP = 4000
BOOTSTRAP_SEED = 20_260_414
_LEVEL = 0.95

_OVERALL = ("overall", "satisfaction", "overall_satisfaction")
_NPS = ("nps", "recommend", "likelihood_to_recommend")
_IDS = ("respondent", "id", "response_id")
_PREFIXES = {
    "performance_": "performance",
    "expect_": "expectation",
    "expectation_": "expectation",
    "importance_": "importance",
}
_TOUCHPOINT = "touchpoint_"
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_HINT = (
    "a response file has one row per respondent and a header such as "
    "`respondent,segment,price,convenience,expect_convenience,overall,nps`"
)


@dataclass(frozen=True)
class Response:
    """One respondent's answers (``None``: not answered), and the line of the file they are on."""

    line: int
    segment: str | None = None
    overall: float | None = None
    nps: int | None = None
    performance: Mapping[str, float | None] = field(default_factory=dict)
    expectation: Mapping[str, float | None] = field(default_factory=dict)
    importance: Mapping[str, float | None] = field(default_factory=dict)
    touchpoints: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyResponses:
    """A response file read: its respondents, the questions it has, where its segments first appear."""

    file: str
    title: str
    responses: tuple[Response, ...]
    factors: tuple[str, ...]
    expectations: tuple[str, ...] = ()
    importances: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    has_overall: bool = False
    has_nps: bool = False
    segment_spans: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True)
class Estimate:
    """A measured figure with its 95% interval and the number of answers it rests on."""

    value: float
    low: float
    high: float
    n: int

    def text(self, digits: int = 2) -> str:
        """``6.80 [6.62, 6.98] n 400``."""
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}] n {self.n}"


@dataclass(frozen=True)
class FactorFigures:
    """One factor as a group of respondents rated it."""

    factor: str
    performance: Estimate | None = None
    expectation: Estimate | None = None
    stated_importance: Estimate | None = None
    coefficient: Estimate | None = None
    standardised: Estimate | None = None
    importance: Estimate | None = None

    @property
    def used_importance(self) -> float | None:
        """The importance the gap analysis uses: estimated from the data, else stated."""
        if self.importance is not None:
            return self.importance.value
        return None if self.stated_importance is None else self.stated_importance.value


@dataclass(frozen=True)
class Regression:
    """Overall satisfaction regressed on the factor ratings (ordinary least squares, listwise)."""

    n: int
    factors: tuple[str, ...]
    r_squared: float
    adjusted_r_squared: float
    intercept: Estimate
    vif: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class NpsFigures:
    """The answers to the NPS question: their distribution and the NPS."""

    n: int
    counts: tuple[int, ...]
    promoters: Estimate
    passives: Estimate
    detractors: Estimate
    nps: Estimate

    @property
    def shares(self) -> tuple[float, ...]:
        """The share of each answer 0 to 10."""
        return tuple(c / self.n for c in self.counts)


@dataclass(frozen=True)
class GroupFigures:
    """What a group of respondents (all, or one segment) measured."""

    group: str | None
    n: int
    factors: tuple[FactorFigures, ...]
    regression: Regression | None
    nps: NpsFigures | None
    overall: Estimate | None
    touchpoints: tuple[tuple[str, Estimate], ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``all respondents`` or the segment's name."""
        return "all respondents" if self.group is None else self.group


@dataclass(frozen=True)
class ResponseSummary:
    """The measured figures of a response file, for all respondents and per segment."""

    source: SurveyResponses
    groups: tuple[GroupFigures, ...]

    @property
    def name(self) -> str:
        """The survey's name in a gap analysis: the file's name and the number of responses."""
        return f"{self.source.title}, {len(self.source.responses)} responses"

    def surveys(self) -> list[Survey]:
        """The measured figures as surveys for the gap analysis: one for all, one per segment.

        Experience is the mean performance, expectation the mean expectation,
        importance the one estimated from the data (else the stated one);
        what the file does not measure is left out, for the journey's factor
        declarations to fill in.
        """
        found = []
        for group in self.groups:
            rows = tuple(
                SurveyRow(
                    f.factor,
                    experience=None if f.performance is None else f.performance.value,
                    expectation=None if f.expectation is None else f.expectation.value,
                    importance=f.used_importance,
                )
                for f in group.factors
            )
            span = Span(self.source.file, 1, 1, 1, 2)
            segment_span = self.source.segment_spans.get(group.group, span) if group.group else span
            found.append(Survey(self.name, group.group, rows, span=span, name_span=span, segment_span=segment_span))
        return found

    def document(self) -> dict[str, Any]:
        """The figures as plain JSON-ready data (every interval with its n)."""

        def estimate(e: Estimate | None) -> dict[str, Any] | None:
            return None if e is None else {"value": e.value, "low": e.low, "high": e.high, "n": e.n}

        groups = {}
        for g in self.groups:
            groups[g.label] = {
                "n": g.n,
                "overall": estimate(g.overall),
                "factors": {
                    f.factor: {
                        "performance": estimate(f.performance),
                        "expectation": estimate(f.expectation),
                        "stated_importance": estimate(f.stated_importance),
                        "coefficient": estimate(f.coefficient),
                        "standardised_coefficient": estimate(f.standardised),
                        "importance": estimate(f.importance),
                    }
                    for f in g.factors
                },
                "regression": None
                if g.regression is None
                else {
                    "n": g.regression.n,
                    "r_squared": g.regression.r_squared,
                    "adjusted_r_squared": g.regression.adjusted_r_squared,
                    "intercept": estimate(g.regression.intercept),
                    "vif": dict(g.regression.vif),
                },
                "nps": None
                if g.nps is None
                else {
                    "n": g.nps.n,
                    "counts": list(g.nps.counts),
                    "promoters": estimate(g.nps.promoters),
                    "passives": estimate(g.nps.passives),
                    "detractors": estimate(g.nps.detractors),
                    "nps": estimate(g.nps.nps),
                },
                "touchpoints": {name: estimate(e) for name, e in g.touchpoints},
                "warnings": list(g.warnings),
            }
        return {"file": self.source.file, "responses": len(self.source.responses), "groups": groups}

    def library_text(self, command: str | None = None) -> str:
        """The measured factors as a ``.journey`` library (see :func:`factor_library`)."""
        return factor_library(self, command)

    def describe(self) -> str:
        """The measured figures as text for a terminal: per group, a line per factor, the regression, the NPS."""
        lines = [f"measured from {printable(self.source.file)}: {len(self.source.responses)} responses", ""]
        for g in self.groups:
            lines.append(f"{printable(g.label)} (n {g.n}):")
            header = ["factor", "performance", "expectation", "importance (data)", "beta", "stated importance"]
            table = [
                [
                    f.factor,
                    "-" if f.performance is None else _interval(f.performance, 2),
                    "-" if f.expectation is None else _interval(f.expectation, 2),
                    "-" if f.importance is None else _interval(f.importance, 1),
                    "-" if f.standardised is None else f"{f.standardised.value:+.2f}",
                    "-" if f.stated_importance is None else _interval(f.stated_importance, 1),
                ]
                for f in g.factors
            ]
            widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
            for row in [header, *table]:
                lines.append(
                    "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                )
            counts = [e.n for f in g.factors for e in (f.performance, f.expectation, f.stated_importance) if e]
            if counts:
                low, high = min(counts), max(counts)
                lines.append(f"  answers per question: {low if low == high else f'{low} to {high}'} (95% intervals)")
            if g.regression is not None:
                r = g.regression
                lines.append(
                    f"  regression of overall satisfaction on the factor ratings: R^2 {r.r_squared:.2f}, "
                    f"n {r.n} complete responses; importance = 10 x beta / largest beta"
                )
            if g.nps is not None:
                p = g.nps
                lines.append(
                    f"  NPS {p.nps.value:+.1f} [{p.nps.low:+.1f}, {p.nps.high:+.1f}] n {p.n}: "
                    f"promoters {100 * p.promoters.value:.0f}%, passives {100 * p.passives.value:.0f}%, "
                    f"detractors {100 * p.detractors.value:.0f}%"
                )
            for name, e in g.touchpoints:
                lines.append(f"  touchpoint {printable(name)}: {e.text()}")
            lines += [f"  warning: {w}" for w in g.warnings]
            lines.append("")
        return "\n".join(lines)


# ---- reading ---------------------------------------------------------------------------------------


def read_responses(path: str | os.PathLike[str], journey: Journey | None = None) -> SurveyResponses:
    """Read a response-level survey file (one row per respondent) into records.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file (columns named as in the module's description).
    journey : Journey, optional
        The journey the survey is about: a ``segment`` must name one of its
        segments (JD107) and a ``touchpoint_<name>`` column one of its
        touchpoints (JD108).

    Returns
    -------
    SurveyResponses
        The respondents in file order, each with the line it is on.

    Raises
    ------
    JourneyError
        Carrying every problem found, each at its ``file:line:col``.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("price;overall;nps\\n7,5;8;9\\n6;;10\\n")
    >>> read = read_responses(f.name)
    >>> [(r.performance["price"], r.overall, r.nps) for r in read.responses]
    [(7.5, 8.0, 9), (6.0, None, 10)]
    >>> os.unlink(f.name)
    """
    location = Path(path)
    name = display_name(location)
    data = _read_capped(location, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"byte 0x{data[error.start]:02x} is not UTF-8 text"
        span = Span(name, line, column, line, column + 1)
        raise JourneyError([Diagnostic("JD007", message, span, hint="save the file as UTF-8 CSV")]) from None
    return _ResponseFile(name, location.name, text).read(journey)


def _read_capped(path: Path, name: str) -> bytes:
    """A regular file's bytes, refusing anything else before reading it, and files over the cap."""
    where = Span(name, 1, 1, 1, 1)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as error:
        reason = printable(getattr(error, "strerror", None) or str(error))
        raise JourneyError([Diagnostic("JD009", f"cannot read `{name}`: {reason}", where)]) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            message = f"cannot read `{name}`: it is not a regular file"
            raise JourneyError([Diagnostic("JD009", message, where, hint="give the responses as a CSV file")])
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_RESPONSE_BYTES:
            chunk = os.read(descriptor, MAX_RESPONSE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        reason = printable(error.strerror or str(error))
        raise JourneyError([Diagnostic("JD009", f"cannot read `{name}`: {reason}", where)]) from None
    finally:
        os.close(descriptor)
    if size > MAX_RESPONSE_BYTES:
        message = f"a response file may have at most {MAX_RESPONSE_BYTES // (1024 * 1024)} MB"
        raise JourneyError([Diagnostic("JD011", message, where)])
    return b"".join(chunks)


def _key(header: str) -> str:
    """A header as the convention reads it: lower case, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _known_columns() -> list[str]:
    names = [*FACTORS, *_OVERALL, *_NPS, *_IDS, "segment"]
    for factor in FACTORS:
        names += [prefix + factor for prefix in _PREFIXES]
    return names


@dataclass(frozen=True)
class _Column:
    kind: str  # performance, expectation, importance, overall, nps, touchpoint, segment, id
    name: str = ""  # the factor or touchpoint


class _ResponseFile:
    def __init__(self, file: str, title: str, text: str) -> None:
        self.file = file
        self.title = title
        self.text = text
        self.lines = text.splitlines()
        self.problems: list[Diagnostic] = []
        self.quoted = False

    def span(self, line: int, column: int = 1, width: int = 1) -> Span:
        return Span(self.file, line, column, line, column + max(1, width))

    def problem(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(code, message, span, hint=hint))

    def fail(self) -> JourneyError:
        return JourneyError(sort_diagnostics(self.problems), {self.file: self.text} if self.quoted else {})

    def cell_span(self, line: int, index: int, delimiter: str) -> Span:
        positions = field_spans(self.lines[line - 1] if line <= len(self.lines) else "", delimiter)
        if index < len(positions):
            start, end = positions[index]
            return self.span(line, start, end - start)
        return self.span(line)

    def read(self, journey: Journey | None) -> SurveyResponses:
        # Comment lines (`# ...`) are blanked, so that line numbers stay those of the file.
        body = "\n".join("" if line.lstrip().startswith("#") else line for line in self.lines)
        header_line = next((i + 1 for i, line in enumerate(body.split("\n")) if line.strip()), None)
        if header_line is None:
            self.problem("JD008", "the response file is empty", self.span(1), _HINT)
            raise self.fail()
        delimiter = self._delimiter(self.lines[header_line - 1])
        reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
        records: list[tuple[int, list[str]]] = []
        try:
            while True:
                first = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                if any(cell.strip() for cell in record):
                    records.append((first, record))
        except csv.Error as error:
            self.problem(
                "JD001", f"line {reader.line_num} is not CSV: {printable(str(error))}", self.span(reader.line_num)
            )
            raise self.fail() from None
        header_at, header = records[0]
        columns = self._columns(header, header_at, delimiter, journey)
        self.quoted = True
        if columns is None:
            raise self.fail()
        if len(records) == 1:
            self.problem("JD008", "the response file has a header but no responses", self.span(header_at), _HINT)
            raise self.fail()
        segments = None if journey is None else [s.name for s in journey.segments]
        segment_spans: dict[str, Span] = {}
        responses = []
        id_index = next((i for i, c in columns.items() if c.kind == "id"), None)
        respondents: dict[str, int] = {}
        for line, record in records[1:]:
            if id_index is not None and id_index < len(record) and record[id_index].strip():
                respondent = record[id_index].strip()
                if respondent in respondents:
                    earlier = self.cell_span(respondents[respondent], id_index, delimiter)
                    self.problems.append(
                        Diagnostic(
                            "JD102",
                            f"respondent `{printable(respondent[:40])}` answers twice",
                            self.cell_span(line, id_index, delimiter),
                            hint="keep one row per respondent",
                            related=(("the first row is here", earlier),),
                        )
                    )
                respondents.setdefault(respondent, line)
            response = self._response(line, record, columns, delimiter)
            if response.segment is not None and response.segment not in segment_spans:
                index = next(i for i, c in columns.items() if c.kind == "segment")
                segment_spans[response.segment] = self.cell_span(line, index, delimiter)
                if segments is not None and response.segment not in segments:
                    self.problem(
                        "JD107",
                        f"segment `{printable(response.segment)}` is not defined in `{printable(journey.name if journey else '')}`",
                        segment_spans[response.segment],
                        did_you_mean(response.segment, segments) or f"its segments: {', '.join(segments) or 'none'}",
                    )
            responses.append(response)
        if any(d.is_error for d in self.problems):
            raise self.fail()
        kinds = {(c.kind, c.name) for c in columns.values()}
        ordered = [c for _, c in sorted(columns.items())]

        def named(kind: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(c.name for c in ordered if c.kind == kind))

        return SurveyResponses(
            self.file,
            self.title,
            tuple(responses),
            factors=tuple(f for f in FACTORS if ("performance", f) in kinds),
            expectations=named("expectation"),
            importances=named("importance"),
            touchpoints=named("touchpoint"),
            has_overall=("overall", "") in kinds,
            has_nps=("nps", "") in kinds,
            segment_spans=segment_spans,
        )

    def _delimiter(self, header: str) -> str:
        known = set(_known_columns())

        def score(delimiter: str) -> int:
            return sum(
                1
                for name in header.split(delimiter)
                if _key(name.strip('"')) in known or _key(name.strip('"')).startswith(_TOUCHPOINT)
            )

        return max(",;\t", key=score)

    def _columns(
        self, header: list[str], line: int, delimiter: str, journey: Journey | None
    ) -> dict[int, _Column] | None:
        known = _known_columns()
        touchpoints = None if journey is None else [tp.name for tp in journey.all_touchpoints()]
        columns: dict[int, _Column] = {}
        seen: dict[_Column, int] = {}
        for index, raw in enumerate(header):
            key = _key(raw)
            if not key:
                continue
            span = self.cell_span(line, index, delimiter)
            column = self._column(key, raw.strip(), span, known, touchpoints)
            if column is None:
                continue
            if column in seen:
                self.problem(
                    "JD216",
                    f"column `{printable(raw.strip()[:40])}` asks what column {seen[column] + 1} asks",
                    span,
                    "keep one column per question",
                )
                continue
            seen[column] = index
            columns[index] = column
        kinds = {c.kind for c in columns.values()}
        if "performance" not in kinds and not any(d.code == "JD211" for d in self.problems):
            self.problem(
                "JD212",
                f"`{printable(self.title)}` has no factor rating column; its first line must name the columns",
                self.span(line),
                _HINT,
            )
        if any(d.is_error for d in self.problems):
            return None
        return columns

    def _column(
        self, key: str, raw: str, span: Span, known: list[str], touchpoints: list[str] | None
    ) -> _Column | None:
        if key in FACTORS:
            return _Column("performance", key)
        if key in _OVERALL:
            return _Column("overall")
        if key in _NPS:
            return _Column("nps")
        if key in _IDS:
            return _Column("id")
        if key == "segment":
            return _Column("segment")
        if key.startswith(_TOUCHPOINT):
            # The touchpoint's name as written (names are case-sensitive).
            name = re.sub(r"^\s*touchpoint[\s_\-]+", "", raw, flags=re.IGNORECASE).strip()
            if touchpoints is not None and name not in touchpoints:
                self.problem(
                    "JD108",
                    f"touchpoint `{printable(name[:40])}` is not defined in the journey",
                    span,
                    did_you_mean(name, touchpoints),
                )
                return None
            return _Column("touchpoint", name)
        for prefix, kind in _PREFIXES.items():
            if key.startswith(prefix):
                factor = key[len(prefix) :]
                if factor in FACTORS:
                    return _Column(kind, factor)
                self.problem(
                    "JD106",
                    f"unknown experience factor `{printable(factor[:40])}` in column `{printable(raw[:40])}`",
                    span,
                    did_you_mean(factor, FACTORS) or f"known: {', '.join(FACTORS)}",
                )
                return None
        shown = printable(raw[:40]) + ("..." if len(raw) > 40 else "")
        self.problem(
            "JD211",
            f"column `{shown}` is not a survey response column",
            span,
            did_you_mean(key, known) or _HINT,
        )
        return None

    def _response(self, line: int, record: list[str], columns: dict[int, _Column], delimiter: str) -> Response:
        answers: dict[str, dict[str, float | None]] = {
            "performance": {},
            "expectation": {},
            "importance": {},
            "touchpoint": {},
        }
        overall: float | None = None
        nps: int | None = None
        segment: str | None = None
        for index, column in columns.items():
            written = record[index].strip() if index < len(record) else ""
            if column.kind == "id":
                continue
            if column.kind == "segment":
                segment = written or None
                continue
            if not written:
                if column.kind in answers:
                    answers[column.kind][column.name] = None
                continue
            number = decimal_number(written, delimiter)
            if number is not None and math.isfinite(number) and 0 <= number <= 10:
                if column.kind == "overall":
                    overall = number
                    continue
                if column.kind != "nps":
                    answers[column.kind][column.name] = number
                    continue
                if number == int(number):
                    nps = int(number)
                    continue
            # Only an answer to report needs its place on the line.
            span = self.cell_span(line, index, delimiter)
            what = {"overall": "overall satisfaction", "nps": "the NPS answer"}.get(
                column.kind, f"{column.kind} of {column.name}"
            )
            if number is None or not math.isfinite(number) or not 0 <= number <= 10:
                shown = printable(written[:20]) + ("..." if len(written) > 20 else "")
                if number is None:
                    self.problem("JD001", f"{what} `{shown}` is not a number", span, "answers are ratings from 0 to 10")
                else:
                    self.problem(
                        "JD207",
                        f"{what} {shown} is outside the scale 0 to 10",
                        span,
                        "answers are ratings from 0 to 10",
                    )
                continue
            self.problem(
                "JD215",
                f"the NPS answer {written} is not a whole number",
                span,
                "the NPS question is answered 0, 1, ... or 10",
            )
        return Response(
            line,
            segment,
            overall,
            nps,
            answers["performance"],
            answers["expectation"],
            answers["importance"],
            answers["touchpoint"],
        )


# ---- measuring ------------------------------------------------------------------------------------


def _interval(e: Estimate, digits: int) -> str:
    return f"{e.value:.{digits}f} [{e.low:.{digits}f}, {e.high:.{digits}f}]"


def _t(df: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + _LEVEL / 2, df))


def _mean(values: np.ndarray) -> Estimate | None:
    """The mean of the answers given (NaN: not given), with its 95% t-interval (one answer: no width)."""
    given = values[~np.isnan(values)]
    n = len(given)
    if n == 0:
        return None
    mean = float(given.mean())
    if n == 1:
        return Estimate(mean, mean, mean, 1)
    half = _t(n - 1) * float(given.std(ddof=1)) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n)


def _wilson(successes: int, n: int) -> Estimate:
    """A share with its Wilson score interval."""
    z = 1.959963984540054
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def nps_figures(answers: Sequence[int]) -> NpsFigures | None:
    """The NPS distribution of answers 0-10, the NPS and its 95% percentile bootstrap interval.

    Parameters
    ----------
    answers : sequence of int
        Answers to the NPS question.

    Returns
    -------
    NpsFigures or None
        ``None`` when there is no answer.

    Examples
    --------
    >>> figures = nps_figures([10] * 50 + [8] * 30 + [3] * 20)
    >>> figures.nps.value, figures.nps.low < 30 < figures.nps.high
    (30.0, True)
    """
    n = len(answers)
    if n == 0:
        return None
    counts = np.bincount(np.asarray(answers, dtype=int), minlength=11)
    promoters, detractors = int(counts[9:].sum()), int(counts[:7].sum())
    passives = n - promoters - detractors
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    drawn = rng.multinomial(n, [promoters / n, passives / n, detractors / n], size=BOOTSTRAP)
    scores = 100.0 * (drawn[:, 0] - drawn[:, 2]) / n
    low, high = np.quantile(scores, [(1 - _LEVEL) / 2, (1 + _LEVEL) / 2])
    nps = 100.0 * (promoters - detractors) / n
    return NpsFigures(
        n,
        tuple(int(c) for c in counts),
        _wilson(promoters, n),
        _wilson(passives, n),
        _wilson(detractors, n),
        Estimate(nps, float(low), float(high), n),
    )


def regress(
    ratings: np.ndarray, overall: np.ndarray, factors: Sequence[str]
) -> tuple[Regression, dict[str, tuple[Estimate, Estimate, Estimate]], list[str]] | tuple[None, dict, list[str]]:
    """Ordinary least squares of overall satisfaction on factor ratings, with intervals and warnings.

    Parameters
    ----------
    ratings : ndarray, shape (n, k)
        Complete factor ratings, one row per respondent.
    overall : ndarray, shape (n,)
        Their overall satisfaction.
    factors : sequence of str
        The factors of the columns.

    Returns
    -------
    tuple
        The regression (``None`` when it cannot be estimated), per factor its
        coefficient, standardised coefficient and 0-10 importance (each with
        its 95% interval), and warnings in words.
    """
    n, k = ratings.shape
    warnings: list[str] = []
    if k == 0:
        return None, {}, warnings
    if n <= k + 1:
        warnings.append(
            f"{n} complete responses are too few to estimate the importance of {k} factors from the data "
            f"(at least {k + 2} needed); stated or declared importances are used"
        )
        return None, {}, warnings
    spread = ratings.std(axis=0, ddof=1)
    flat = [f for f, s in zip(factors, spread, strict=True) if s == 0]
    if flat or overall.std(ddof=1) == 0:
        what = f"every respondent rates {', '.join(flat)} the same" if flat else "overall satisfaction does not vary"
        warnings.append(f"{what}: importance cannot be estimated from the data")
        return None, {}, warnings
    design = np.column_stack([np.ones(n), ratings])
    if np.linalg.matrix_rank(design) < k + 1:
        warnings.append("the factor ratings are linearly dependent: importance cannot be estimated from the data")
        return None, {}, warnings
    coefficients, *_ = np.linalg.lstsq(design, overall, rcond=None)
    residuals = overall - design @ coefficients
    df = n - k - 1
    variance = float(residuals @ residuals) / df
    covariance = variance * np.linalg.inv(design.T @ design)
    errors = np.sqrt(np.diag(covariance))
    t = _t(df)
    total = float(((overall - overall.mean()) ** 2).sum())
    r2 = 1 - float(residuals @ residuals) / total
    adjusted = 1 - (1 - r2) * (n - 1) / df
    correlation = np.corrcoef(ratings, rowvar=False) if k > 1 else np.ones((1, 1))
    try:
        vif_values = np.diag(np.linalg.inv(np.atleast_2d(correlation)))
    except np.linalg.LinAlgError:
        vif_values = np.full(k, np.inf)
    vif = {f: float(v) for f, v in zip(factors, vif_values, strict=True)}
    collinear = [f for f, v in vif.items() if v > VIF_LIMIT]
    if collinear:
        warnings.append(
            f"{', '.join(collinear)} are collinear (variance inflation factor above {VIF_LIMIT:g}): "
            "their separate importances are uncertain"
        )
    if n < PER_FACTOR * k:
        warnings.append(
            f"{n} complete responses for {k} factors: fewer than {PER_FACTOR} per factor, "
            "so the importances from the data are unstable"
        )
    sd_y = float(overall.std(ddof=1))
    betas = coefficients[1:] * spread / sd_y
    beta_errors = errors[1:] * spread / sd_y
    largest = float(betas.max())
    figures: dict[str, tuple[Estimate, Estimate, Estimate]] = {}
    for i, factor in enumerate(factors):
        b, e = float(coefficients[i + 1]), float(errors[i + 1])
        beta, beta_error = float(betas[i]), float(beta_errors[i])
        raw = Estimate(b, b - t * e, b + t * e, n)
        standard = Estimate(beta, beta - t * beta_error, beta + t * beta_error, n)
        if largest > 0:
            scale = 10 / largest
            importance = Estimate(
                max(0.0, min(10.0, beta * scale)),
                max(0.0, min(10.0, (beta - t * beta_error) * scale)),
                max(0.0, min(10.0, (beta + t * beta_error) * scale)),
                n,
            )
        else:
            importance = Estimate(0.0, 0.0, 0.0, n)
        figures[factor] = (raw, standard, importance)
    negative = [f for f in factors if figures[f][1].value < 0]
    if negative:
        warnings.append(f"higher ratings of {', '.join(negative)} go with lower overall satisfaction: importance 0")
    if largest <= 0:
        warnings.append("no factor rating goes with higher overall satisfaction: every importance is 0")
    intercept = Estimate(
        float(coefficients[0]), float(coefficients[0] - t * errors[0]), float(coefficients[0] + t * errors[0]), n
    )
    return Regression(n, tuple(factors), r2, adjusted, intercept, vif), figures, warnings


def _column(values: Iterable[float | None]) -> np.ndarray:
    """One question's answers as floats, NaN where not answered."""
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _columns(read: SurveyResponses) -> dict[tuple[str, str], np.ndarray]:
    """Every question of the file as an array over the respondents (NaN: not answered)."""
    responses = read.responses
    found = {
        ("overall", ""): _column(r.overall for r in responses),
        ("nps", ""): _column(r.nps for r in responses),
    }
    for kind, names, answers in (
        ("performance", read.factors, [r.performance for r in responses]),
        ("expectation", read.expectations, [r.expectation for r in responses]),
        ("importance", read.importances, [r.importance for r in responses]),
        ("touchpoint", read.touchpoints, [r.touchpoints for r in responses]),
    ):
        for name in names:
            found[kind, name] = _column(answer.get(name) for answer in answers)
    return found


def _group(
    group: str | None, rows: np.ndarray, columns: dict[tuple[str, str], np.ndarray], read: SurveyResponses
) -> GroupFigures:
    factors = read.factors

    def mean(key: tuple[str, str]) -> Estimate | None:
        return _mean(columns[key][rows]) if key in columns else None

    regression: Regression | None = None
    estimated: dict[str, tuple[Estimate, Estimate, Estimate]] = {}
    warnings: list[str] = []
    if read.has_overall:
        overall = columns["overall", ""][rows]
        ratings = np.column_stack([columns["performance", f][rows] for f in factors]).reshape(len(overall), -1)
        complete = ~np.isnan(overall) & ~np.isnan(ratings).any(axis=1)  # listwise
        regression, estimated, warnings = regress(ratings[complete], overall[complete], factors)
    figures = []
    for factor in factors:
        coefficient = estimated.get(factor)
        figures.append(
            FactorFigures(
                factor,
                performance=mean(("performance", factor)),
                expectation=mean(("expectation", factor)),
                stated_importance=mean(("importance", factor)),
                coefficient=None if coefficient is None else coefficient[0],
                standardised=None if coefficient is None else coefficient[1],
                importance=None if coefficient is None else coefficient[2],
            )
        )
    nps = columns["nps", ""][rows]
    answers = [int(a) for a in nps[~np.isnan(nps)]]
    touchpoints = []
    for name in read.touchpoints:
        estimate = mean(("touchpoint", name))
        if estimate is not None:
            touchpoints.append((name, estimate))
    return GroupFigures(
        group,
        int(rows.sum()),
        tuple(figures),
        regression,
        nps_figures(answers) if read.has_nps else None,
        mean(("overall", "")) if read.has_overall else None,
        tuple(touchpoints),
        tuple(warnings),
    )


def summarize(read: SurveyResponses) -> ResponseSummary:
    """Measure a response file: per factor and per segment (see the module's description).

    Parameters
    ----------
    read : SurveyResponses
        What :func:`read_responses` read.

    Returns
    -------
    ResponseSummary
        The figures of all respondents first, then of each segment in the order the file names them.
    """
    columns = _columns(read)
    segment_of = np.array([r.segment for r in read.responses], dtype=object)
    groups = [_group(None, np.ones(len(read.responses), dtype=bool), columns, read)]
    for segment in dict.fromkeys(r.segment for r in read.responses if r.segment is not None):
        groups.append(_group(segment, segment_of == segment, columns, read))
    return ResponseSummary(read, tuple(groups))


def _quoted(text: str) -> str:
    return '"' + printable(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _figure(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def factor_library(summary: ResponseSummary, command: str | None = None) -> str:
    """The measured factors as a ``.journey`` library to import: a ``factor`` line per factor.

    ``expect`` is the mean expectation and ``importance`` the importance
    estimated from the data (else the mean stated importance), each rounded to
    one decimal; a figure the file does not measure is left out.  Comments give
    every figure's interval and n, the mean performance (what touchpoints
    should perform at), the regression's R^2 and each segment's figures.

    Parameters
    ----------
    summary : ResponseSummary
        The measured figures.
    command : str, optional
        The command that wrote the file, for its header.

    Returns
    -------
    str
        The library's text.
    """
    every = summary.groups[0]
    lines = [
        f"# Experience factors measured from {printable(summary.source.file)} ({len(summary.source.responses)} responses).",
        *([f"# Written by: {printable(command)}"] if command else []),
        "# expect: mean expectation; importance: standardised OLS coefficient of overall satisfaction",
        "# on the factor ratings, relative to the largest (= 10), else the mean stated importance.",
        "# Intervals are 95%; n is the number of answers. Import this file and drop your own `factor` lines.",
    ]
    if every.regression is not None:
        r = every.regression
        lines.append(
            f"# Regression: R^2 {r.r_squared:.2f} (adjusted {r.adjusted_r_squared:.2f}), n {r.n} complete responses."
        )
    lines += [f"# warning: {w}" for w in every.warnings]
    lines += ["", f"library {_quoted('measured factors: ' + summary.source.title)} {{"]
    for f in every.factors:
        parts = [f"factor {f.factor}"]
        notes = []
        if f.expectation is not None:
            parts.append(f"expect {_figure(f.expectation.value)}")
            notes.append(f"expect {f.expectation.text(1)}")
        importance = f.used_importance
        if importance is not None:
            parts.append(f"importance {_figure(importance)}")
            source = f.importance if f.importance is not None else f.stated_importance
            assert source is not None
            notes.append(f"importance {source.text(1)}" + ("" if f.importance is not None else " (stated)"))
        if f.stated_importance is not None and f.importance is not None:
            notes.append(f"stated {f.stated_importance.text(1)}")
        if f.performance is not None:
            notes.append(f"performance {f.performance.text(1)}")
        if len(parts) == 1:
            lines.append(f"  # {f.factor}: nothing measured to declare; " + "; ".join(notes))
            continue
        lines.append(f"  {' '.join(parts)}  # " + "; ".join(notes))
    for g in summary.groups[1:]:
        lines.append(f"  # segment {printable(g.label)} (n {g.n}):")
        for f in g.factors:
            notes = []
            if f.expectation is not None:
                notes.append(f"expect {f.expectation.text(1)}")
            if f.used_importance is not None:
                source = f.importance if f.importance is not None else f.stated_importance
                assert source is not None
                notes.append(f"importance {source.text(1)}")
            if f.performance is not None:
                notes.append(f"performance {f.performance.text(1)}")
            lines.append(f"  #   {f.factor}: " + "; ".join(notes))
    lines.append("}")
    return "\n".join(lines) + "\n"
