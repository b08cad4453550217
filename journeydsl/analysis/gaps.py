"""`journey gaps`: the seven-step gap analysis of the CEM method, per factor and per segment.

Per experience factor: the actual experience, the expectation, satisfaction =
experience - expectation, importance, weighted satisfaction = importance x
satisfaction, the ideal level and the experience gap = experience - ideal
(negative: short of the ideal, as in the primer's worked example).  Factors
are ranked so that the **key experience**, the most negative weighted
satisfaction, comes first.

Two sources:

- **survey**: measured figures written in the journey (``survey "..." { factor
  convenience experience 5 expectation 7 importance 9 ideal 10 }``) or read
  from a CSV file; a figure a survey leaves out falls back to the journey's
  factor declaration;
- **simulation**: the performance simulated customers perceived at the
  touchpoints, against their own expectations and importances.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import replace
from pathlib import Path

from .._version import __version__
from ..data.delimited import decimal_number, field_spans
from ..data.surveys import Estimate, GroupFigures, ResponseSummary
from ..lang.diagnostics import Diagnostic, JourneyError, did_you_mean, printable, sort_diagnostics
from ..lang.loader import display_name
from ..lang.model import Journey, Span, Survey, SurveyRow
from ..lang.survey_checks import check_surveys
from ..sim.plan import FACTOR_NAMES
from ..sim.results import Document, provenance, rounded
from ..sim.runner import Outcome
from ..sim.settings import RunSettings

__all__ = [
    "SCHEMA",
    "MAX_SURVEY_BYTES",
    "SURVEY_COLUMNS",
    "gaps_from_survey",
    "gaps_from_simulation",
    "read_survey_csv",
    "measured_figures",
    "with_measured",
]

SCHEMA = "journeydsl.gaps/1"
_FIELDS = ("experience", "expectation", "importance", "ideal")


def read_survey_csv(path: str | os.PathLike[str], journey: Journey | None = None) -> list[Survey]:
    """Surveys from a CSV file with columns ``factor, experience, expectation, importance, ideal`` and optionally ``segment``.

    The file is checked like a ``survey`` block, with the same diagnostic codes
    and each problem at its ``file:line:col``: JD106 an unknown factor, JD102 a
    factor rated twice (for the same segment), JD207 a figure off the 0-10
    scale (``nan`` and ``inf`` included), JD107 a segment ``journey`` does not
    define (when ``journey`` is given).  Besides: JD009 a path that is not a
    regular file (a folder, a named pipe, a device: refused before a byte is
    read, so nothing blocks), JD011 a file over :data:`MAX_SURVEY_BYTES`,
    JD007 a file that is not UTF-8 text, JD008 a file with no rows, JD212 no
    ``factor`` column or a row without a factor, JD211 a column that is not a
    survey column, JD216 a column given twice, JD001 a figure that is not a
    number or a line that is not CSV.  The delimiter is sniffed among ``,``,
    ``;`` and tab (Excel writes ``;`` in many locales); with ``;`` or tab a
    decimal comma is read as a decimal point.  Empty cells are figures left
    out.  Lines of the file are quoted in diagnostics only once its header
    has been read as a survey's.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    journey : Journey, optional
        The journey the survey is for: its segments are the ones a ``segment``
        column may name (without it, :func:`gaps_from_survey` checks them).

    Returns
    -------
    list of Survey
        One survey per segment named in the file (``segment`` ``None``: all
        customers), each row pointing at its line of the file.

    Raises
    ------
    JourneyError
        Carrying every diagnostic, and the file's text when it is a survey (to show the lines).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("factor;experience;expectation;importance;ideal\\nconvenience;5,5;7;9;10\\n")
    >>> read_survey_csv(f.name)[0].rows[0].experience
    5.5
    >>> os.unlink(f.name)
    """
    location = Path(path)
    name = display_name(location)
    data, problems = _read_capped(location, name)
    if data is None:
        raise JourneyError(problems)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"byte 0x{data[error.start]:02x} is not UTF-8 text"
        hint = "save the survey as UTF-8 CSV (in Excel: CSV UTF-8)"
        raise JourneyError(
            [Diagnostic("JD007", message, Span(name, line, column, line, column + 1), hint=hint)]
        ) from None
    return _SurveyFile(name, location.name, text).surveys(journey)


#: The largest survey CSV read, in bytes: a survey has a row per factor and segment, so this is plenty.
MAX_SURVEY_BYTES = 4 * 1024 * 1024
#: What the columns of a survey CSV may be called.
SURVEY_COLUMNS = ("factor", *_FIELDS, "segment")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_capped(path: Path, name: str) -> tuple[bytes | None, list[Diagnostic]]:
    """A regular file's bytes, reading at most one byte more than :data:`MAX_SURVEY_BYTES`."""
    where = Span(name, 1, 1, 1, 1)

    def refused(reason: str, hint: str | None = None) -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic("JD009", f"cannot read `{name}`: {reason}", where, hint=hint)]

    def too_large(size: int) -> tuple[None, list[Diagnostic]]:
        message = f"file is {size / (1024 * 1024):.0f} MB; a survey CSV may have at most {MAX_SURVEY_BYTES // (1024 * 1024)} MB"
        return None, [Diagnostic("JD011", message, where, hint="a survey CSV holds one row per factor and segment")]

    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as error:
        return refused(printable(getattr(error, "strerror", None) or str(error)))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return refused(f"it is {_kind_of(info.st_mode)}, not a regular file", "give the survey as a CSV file")
        if info.st_size > MAX_SURVEY_BYTES:
            return too_large(info.st_size)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_SURVEY_BYTES:
            chunk = os.read(descriptor, MAX_SURVEY_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        return refused(printable(error.strerror or str(error)))
    finally:
        os.close(descriptor)
    if size > MAX_SURVEY_BYTES:
        return too_large(size)
    return b"".join(chunks), []


def _kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    for test, kind in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


class _SurveyFile:
    """One survey CSV's text, read into surveys or diagnostics."""

    def __init__(self, file: str, title: str, text: str) -> None:
        self.file = file
        self.title = title
        self.text = text
        self.lines = text.splitlines()
        self.problems: list[Diagnostic] = []
        self.quoted = False  # whether diagnostics may show the file's lines

    def span(self, line: int, column: int = 1, width: int = 1) -> Span:
        return Span(self.file, line, column, line, column + max(1, width))

    def problem(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(code, message, span, hint=hint))

    def fail(self) -> JourneyError:
        return JourneyError(sort_diagnostics(self.problems), {self.file: self.text} if self.quoted else {})

    def surveys(self, journey: Journey | None) -> list[Survey]:
        if not self.text.strip():
            self.problem("JD008", "the survey file is empty", self.span(1), _COLUMNS_HINT)
            raise self.fail()
        dialect = self._dialect()
        reader = csv.reader(io.StringIO(self.text, newline=""), dialect)
        try:
            header = next(reader)
        except csv.Error as error:
            self.problem("JD001", f"line 1 is not CSV: {printable(str(error))}", self.span(1))
            raise self.fail() from None
        columns = self._columns(header, dialect.delimiter)
        if columns is None:
            raise self.fail()
        self.quoted = True
        rows: dict[str | None, list[SurveyRow]] = {}
        segment_spans: dict[str | None, Span] = {}
        line = reader.line_num
        while True:
            first = line + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                self.problem(
                    "JD001", f"line {reader.line_num} is not CSV: {printable(str(error))}", self.span(reader.line_num)
                )
                break
            line = reader.line_num
            if not any(field.strip() for field in record):
                continue
            row = self._row(record, columns, first, dialect.delimiter)
            if row is not None:
                segment, survey_row, segment_span = row
                rows.setdefault(segment, []).append(survey_row)
                segment_spans.setdefault(segment, segment_span)
        if not rows and not self.problems:
            self.problem("JD008", "the survey file has a header but no rows", self.span(1), _COLUMNS_HINT)
        surveys = [
            Survey(
                self.title,
                segment,
                tuple(found),
                span=self.span(1),
                name_span=self.span(1),
                segment_span=segment_spans[segment],
            )
            for segment, found in rows.items()
        ]
        checked = (
            replace(journey, surveys=tuple(surveys))
            if journey is not None
            else Journey(self.title, surveys=tuple(surveys))
        )
        self.problems.extend(d for d in check_surveys(checked) if journey is not None or d.code != "JD107")
        if any(d.is_error for d in self.problems):
            raise self.fail()
        return surveys

    def _dialect(self) -> type[csv.Dialect]:
        """The CSV dialect: sniffed among ``,``, ``;`` and tab, else the delimiter the header splits on into columns."""
        header = self.lines[0] if self.lines else ""

        def known(delimiter: str) -> int:
            return sum(1 for name in header.split(delimiter) if name.strip().strip('"').lower() in SURVEY_COLUMNS)

        try:
            sniffed: type[csv.Dialect] = csv.Sniffer().sniff("\n".join(self.lines[:20]), delimiters=",;\t")
            if known(sniffed.delimiter) >= max(known(d) for d in ",;\t"):
                return sniffed
        except csv.Error:
            pass
        best = max(",;\t", key=known)  # the first of the best: a comma when nothing tells

        class Written(csv.excel):
            delimiter = best

        return Written

    def _columns(self, header: list[str], delimiter: str) -> dict[str, int] | None:
        """The header's columns by name, or ``None`` (with diagnostics) when it is not a survey's."""
        positions = field_spans(self.lines[0] if self.lines else "", delimiter)
        found: dict[str, int] = {}
        unknown: list[tuple[str, int]] = []
        for index, raw in enumerate(header):
            key = raw.strip().lower()
            if not key:
                continue
            if key in found:
                self.problem("JD216", f"column `{printable(key)}` is given twice", self._cell(1, positions, index))
            elif key in SURVEY_COLUMNS:
                found[key] = index
            else:
                unknown.append((key, index))
        if "factor" not in found:
            # Not a survey's header: say so without quoting the file, which may be anything.
            self.problem(
                "JD212",
                f"`{self.title}` has no `factor` column; its first line must name the columns",
                self.span(1),
                _COLUMNS_HINT,
            )
            return None
        for key, index in unknown:
            shown = printable(key[:40]) + ("..." if len(key) > 40 else "")
            self.problem(
                "JD211",
                f"column `{shown}` is not a survey column",
                self._cell(1, positions, index),
                hint=did_you_mean(key, SURVEY_COLUMNS) or _COLUMNS_HINT,
            )
        return found

    def _cell(self, line: int, positions: list[tuple[int, int]], index: int) -> Span:
        if index < len(positions):
            start, end = positions[index]
            return self.span(line, start, end - start)
        return self.span(line)

    def _row(
        self, record: list[str], columns: dict[str, int], line: int, delimiter: str
    ) -> tuple[str | None, SurveyRow, Span] | None:
        positions = field_spans(self.lines[line - 1] if line <= len(self.lines) else "", delimiter)

        def cell(key: str) -> tuple[str, Span]:
            index = columns.get(key)
            if index is None or index >= len(record):
                return "", self.span(line)
            return record[index].strip(), self._cell(line, positions, index)

        factor, factor_span = cell("factor")
        if not factor:
            self.problem("JD212", f"line {line} has figures but no factor", self.span(line), _COLUMNS_HINT)
            return None
        figures: dict[str, float | None] = {}
        spans: list[tuple[str, Span]] = []
        for key in _FIELDS:
            written, span = cell(key)
            if not written:
                figures[key] = None
                continue
            number = decimal_number(written, delimiter)
            if number is None:
                shown = printable(written[:20]) + ("..." if len(written) > 20 else "")
                self.problem(
                    "JD001", f"{key} `{shown}` is not a number", span, "survey figures are ratings from 0 to 10"
                )
                figures[key] = None
                continue
            figures[key] = number
            spans.append((key, span))
        segment, segment_span = cell("segment")
        row = SurveyRow(
            factor,
            experience=figures["experience"],
            expectation=figures["expectation"],
            importance=figures["importance"],
            ideal=figures["ideal"],
            span=self.span(line, 1, len(self.lines[line - 1]) if line <= len(self.lines) else 1),
            factor_span=factor_span,
            value_spans=tuple(spans),
        )
        return segment or None, row, segment_span


_COLUMNS_HINT = "a survey CSV starts with a header such as `factor,experience,expectation,importance,ideal,segment`"


def _ranked(rows: list[Document]) -> list[Document]:
    def key(row: dict) -> tuple:
        weighted = row["weighted_satisfaction"]
        return (weighted is None, weighted if weighted is not None else 0.0, row["factor"])

    ordered = sorted(rows, key=key)
    for rank, row in enumerate(ordered, 1):
        row["rank"] = rank
    return ordered


def _row(
    factor: str,
    experience: float | None,
    expectation: float | None,
    importance: float | None,
    ideal: float | None,
    sources: dict[str, str],
) -> Document:
    satisfaction = experience - expectation if experience is not None and expectation is not None else None
    weighted = importance * satisfaction if importance is not None and satisfaction is not None else None
    return {
        "factor": factor,
        "experience": _maybe(experience),
        "expectation": _maybe(expectation),
        "satisfaction": _maybe(satisfaction),
        "importance": _maybe(importance),
        "weighted_satisfaction": _maybe(weighted),
        "ideal": _maybe(ideal),
        "experience_gap": _maybe(experience - ideal if experience is not None and ideal is not None else None),
        "sources": sources,
    }


def _maybe(value: float | None) -> float | None:
    return None if value is None else rounded(value)


def _declared(journey: Journey) -> dict[str, dict[str, float | None]]:
    return {f.name: {"expectation": f.expect, "importance": f.importance, "ideal": f.ideal} for f in journey.factors}


def gaps_from_survey(journey: Journey, surveys: list[Survey] | None = None) -> Document:
    """The gap analysis of measured figures (the journey's surveys, or the ones given).

    Parameters
    ----------
    journey : Journey
        The design whose factor declarations fill in what a survey leaves out.
    surveys : list of Survey, optional
        Surveys from elsewhere (:func:`read_survey_csv`) instead of the journey's
        own; they are checked against the journey like a ``survey`` block.

    Raises
    ------
    JourneyError
        When a given survey names a segment the journey does not define (JD107),
        an unknown factor (JD106), a factor twice (JD102) or a figure off the
        scale (JD207).
    """
    if surveys is not None:
        errors = [d for d in check_surveys(replace(journey, surveys=tuple(surveys))) if d.is_error]
        if errors:
            raise JourneyError(sort_diagnostics(errors))
    surveys = list(journey.surveys if surveys is None else surveys)
    declared = _declared(journey)
    groups: dict[str, list[Document]] = {}
    names = []
    for survey in surveys:
        names.append(survey.name)
        rows = []
        for row in survey.rows:
            values, sources = {}, {}
            for key in _FIELDS:
                value = getattr(row, key)
                source = "survey"
                if value is None and key != "experience":
                    value = declared.get(row.factor, {}).get(key)
                    source = "factor declaration" if value is not None else "missing"
                elif value is None:
                    source = "missing"
                values[key] = value
                sources[key] = source
            rows.append(
                _row(
                    row.factor,
                    values["experience"],
                    values["expectation"],
                    values["importance"],
                    values["ideal"],
                    sources,
                )
            )
        groups[survey.segment or "all customers"] = _ranked(rows)
    # A response file gives a survey per segment, all under the file's name: name it once.
    return _document(journey, "survey", groups, {"surveys": list(dict.fromkeys(names))})


def gaps_from_simulation(outcome: Outcome) -> Document:
    """The gap analysis of what simulated customers perceived (``journeydsl.gaps/1``).

    Parameters
    ----------
    outcome : Outcome
        A design's simulated outcome (every replication is pooled).
    """
    journey, collectors, plan = outcome.journey, outcome.collectors, outcome.plan
    declared = _declared(journey)
    segment_names = {segment.index: segment.name for segment in plan.segments}
    totals: dict[tuple[int | None, int], list[float]] = {}
    for collector in collectors:
        for (segment, factor), figures in collector.factors.items():
            for group in (None, segment):
                target = totals.setdefault((group, factor), [0.0, 0.0, 0.0, 0.0])
                for i, value in enumerate(figures):
                    target[i] += value
    groups: dict[str, list[Document]] = {}
    for group in [None, *segment_names]:
        rows = []
        for factor, name in enumerate(FACTOR_NAMES):
            found = totals.get((group, factor))
            if not found or not found[0]:
                continue
            sums = found
            n = sums[0]
            sources = {
                "experience": "simulation",
                "expectation": "simulation",
                "importance": "simulation",
                "ideal": "factor declaration" if declared.get(name, {}).get("ideal") is not None else "missing",
            }
            rows.append(_row(name, sums[1] / n, sums[2] / n, sums[3] / n, declared.get(name, {}).get("ideal"), sources))
        if rows:
            groups["all customers" if group is None else segment_names[group]] = _ranked(rows)
    return _document(journey, "simulation", groups, {}, outcome.settings)


def _document(
    journey: Journey, source: str, groups: dict, extra: dict, settings: RunSettings | None = None
) -> Document:
    key = {
        name: rows[0]["factor"]
        for name, rows in groups.items()
        if rows and rows[0]["weighted_satisfaction"] is not None and rows[0]["weighted_satisfaction"] < 0
    }
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "source": source,
        **extra,
        "groups": groups,
        "key_experience": key,
        **provenance(settings, journey.source_sha256),
    }


# ---- measured figures: the intervals behind a gap analysis of survey responses ---------------------


def _estimate(e: Estimate | None) -> Document | None:
    if e is None:
        return None
    return {"value": rounded(e.value), "low": rounded(e.low), "high": rounded(e.high), "n": e.n}


def _measured_group(group: GroupFigures) -> Document:
    factors = {}
    for f in group.factors:
        from_data = f.importance is not None
        factors[f.factor] = {
            "experience": _estimate(f.performance),
            "expectation": _estimate(f.expectation),
            "importance": _estimate(f.importance if from_data else f.stated_importance),
            "importance_from": "data" if from_data else ("stated" if f.stated_importance is not None else None),
        }
    regression = group.regression
    nps = group.nps
    return {
        "n": group.n,
        "factors": factors,
        "overall": _estimate(group.overall),
        "nps": None if nps is None else _estimate(nps.nps),
        "r_squared": None if regression is None else rounded(regression.r_squared),
    }


def measured_figures(summary: ResponseSummary) -> Document:
    """The intervals and sample sizes behind a gap analysis of survey responses.

    Keyed like the gap analysis's ``groups`` (``all customers`` and each segment),
    so that every measured row has its intervals beside it: per factor the
    experience (mean performance rating), the expectation and the importance the
    row uses (``importance_from``: ``data``, estimated by regressing overall
    satisfaction on the factor ratings, or ``stated``), each as
    ``{value, low, high, n}`` with its 95% interval and the number of answers;
    per group the respondents, the overall satisfaction, the NPS and the
    regression's R^2 (``null`` when the file does not measure them).

    Parameters
    ----------
    summary : ResponseSummary
        The measured figures (:func:`journeydsl.api.read_survey_responses`).

    Returns
    -------
    dict
        ``{"file", "responses", "level", "groups"}`` (``file``: the response file's name),
        the ``measured`` object of ``journeydsl.gaps/1``.
    """
    groups = {}
    for group in summary.groups:
        groups["all customers" if group.group is None else group.group] = _measured_group(group)
    return {
        "file": summary.source.title,
        "responses": len(summary.source.responses),
        "level": 0.95,
        "groups": groups,
    }


def with_measured(document: Document, summary: ResponseSummary) -> Document:
    """A gap analysis of survey responses with the measured intervals beside it (``measured``).

    Parameters
    ----------
    document : dict
        The gap analysis of ``summary.surveys()`` (:func:`gaps_from_survey`).
    summary : ResponseSummary
        The response file's measured figures.

    Returns
    -------
    dict
        A new document: ``document`` with ``measured`` (:func:`measured_figures`) after
        ``key_experience``; the rows' figures are the intervals' values.
    """
    found = dict(document)
    tail: Document = {key: found.pop(key) for key in ("settings", "source_sha256") if key in found}
    return {**found, "measured": measured_figures(summary), **tail}
