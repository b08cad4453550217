"""Sweep specs: which settings of a journey to vary, over which values, read from TOML and checked.

A sweep file names settings of a journey the way the language names them
(``capacity of it_desk``, ``duration of check_in``, ``share of delegates``,
``chance of book -> arrive``, ``feel of wifi``, ``failure "connection drops" of wifi``,
``memory.peak``) and gives each a list of values, a range with steps, or a
distribution to sample from (docs/scale.md and docs/cli.md show the format)::

    design = "baseline"      # the design every point starts from
    method = "grid"          # grid (every combination), random or lhs (Latin hypercube)

    [settings]
    "capacity of it_desk" = [1, 2, 3]
    "cost of it_desk" = { from = 10, to = 40, steps = 4 }

Every point of a sweep is a design built the way variants are
(:mod:`journeydsl.lang.designs`): a :class:`~journeydsl.lang.model.Variant`
of patches (``change``, ``change_segment``, ``change_stage``, ``settings``) on
the design the sweep starts from, resolved into a whole journey and checked
like any variant.  A patch carries the span of its setting in the sweep file,
so a value the journey's checks refuse (a capacity of 0) is reported there.

Problems of the file itself are :class:`SweepDiagnostic` records with ``JS``
codes (:data:`SWEEP_CODES`) pointing at ``file:line:col`` in the TOML text,
rendered like every diagnostic (:func:`journeydsl.lang.render.render_text`).
This module reads no simulator: a duration's mean comes from the caller
(``mean_of``), which knows the distributions.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .designs import BASELINE, Designs, design_names
from .diagnostics import Diagnostic, JourneyError, did_you_mean
from .model import (
    Effects,
    Journey,
    NamedValue,
    Param,
    ParamBlock,
    Patch,
    Probability,
    Quantity,
    Segment,
    Span,
    Stage,
    Touchpoint,
    Variant,
)
from .units import to_time_unit
from .vocabulary import FACTORS, METRICS, MODULES, SETTINGS, THEMES, UNIT_SECONDS

__all__ = [
    "SWEEP_CODES",
    "SWEEP_METRICS",
    "QUEUE_MEASURES",
    "queue_metric",
    "parse_queue_metric",
    "sweep_metrics",
    "METHODS",
    "SETTING_FORMS",
    "Address",
    "Constraint",
    "Point",
    "SamplingDistribution",
    "SweepDiagnostic",
    "SweepError",
    "SweepSetting",
    "SweepSpec",
    "build_points",
    "parse_constraint",
    "point_designs",
    "read_sweep",
    "read_sweep_text",
]

#: Every sweep diagnostic code with its severity and a one-line title.
SWEEP_CODES: dict[str, tuple[str, str]] = {
    "JS001": ("error", "sweep file cannot be read or is not TOML"),
    "JS002": ("error", "unknown key in a sweep file"),
    "JS003": ("error", "unknown setting"),
    "JS004": ("error", "setting names something the design does not have"),
    "JS005": ("error", "values not understood"),
    "JS006": ("error", "sweep too large"),
    "JS007": ("error", "no settings to sweep"),
    "JS008": ("error", "unknown design"),
}

#: How points are chosen: every combination, independent draws, or a Latin hypercube.
METHODS: dict[str, str] = {
    "grid": "every combination of the settings' values",
    "random": "`points` independent draws of every setting",
    "lhs": "a Latin hypercube of `points` points: each setting's range cut into `points` equal-probability "
    "strata, each stratum used once",
}

#: The settings a sweep can vary, as written (``T`` a touchpoint, ``S`` a segment, ``A``/``B`` stages).
SETTING_FORMS: dict[str, str] = {
    "capacity of T": "servers of a touchpoint (whole number, at least 1)",
    "cost of T": "cost per visit",
    "staff cost of T": "staff cost of a touchpoint, per its unit as written",
    "duration of T": "the mean of a touchpoint's duration (its shape kept): a number in the journey's time unit "
    "or a time such as '5 min'",
    "duration scale of T": "a factor on every time of a touchpoint's duration (1 keeps it)",
    "share of S": "a segment's share (0.3 or '30%'); the other segments keep their proportions",
    "chance of A -> B": "the chance of a transition (0.3 or '30%')",
    "MODULE of T": f"an experience module's effect of a touchpoint ({', '.join(MODULES)})",
    "theme THEME of T": "an experience theme's effect of a touchpoint",
    "performance FACTOR of T": "a touchpoint's performance on a factor (0-10)",
    'failure "NAME" of T': "the chance of a touchpoint's failure (0.3 or '30%')",
    "BLOCK.KEY": "a model setting of the journey, e.g. memory.peak or waiting.penalty",
}

#: The metrics a sweep reports per point: the results' metrics, profit and the cost of a run.
SWEEP_METRICS: tuple[str, ...] = (*METRICS, "profit", "total_cost")

#: What a sweep measures of each queue (a touchpoint with a capacity), per point: as design tests name them.
QUEUE_MEASURES: dict[str, str] = {
    "wait_mean": "the mean wait in the touchpoint's queue, in the journey's time unit",
    "utilisation": "the share of the servers' time spent serving",
}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
_QUEUE_METRIC = re.compile(r'(?P<measure>[a-z_]+) of touchpoint (?P<name>"[^"]*"|\S+)')


def queue_metric(measure: str, touchpoint: str) -> str:
    """A queue's metric as a sweep names it: ``wait_mean of touchpoint advisor`` (a name with spaces quoted).

    Examples
    --------
    >>> queue_metric("wait_mean", "advisor"), queue_metric("utilisation", "front desk")
    ('wait_mean of touchpoint advisor', 'utilisation of touchpoint "front desk"')
    """
    shown = touchpoint if _IDENTIFIER.fullmatch(touchpoint) else f'"{touchpoint}"'
    return f"{measure} of touchpoint {shown}"


def parse_queue_metric(metric: str) -> tuple[str, str] | None:
    """``(measure, touchpoint)`` of a queue metric (:func:`queue_metric`), or ``None`` for another metric."""
    match = _QUEUE_METRIC.fullmatch(metric)
    if not match or match["measure"] not in QUEUE_MEASURES:
        return None
    return match["measure"], _unquote(match["name"]) or ""


def sweep_metrics(journey: Journey, spec: SweepSpec) -> tuple[str, ...]:
    """What a sweep measures at every point: :data:`SWEEP_METRICS`, then each queue's :data:`QUEUE_MEASURES`.

    The queues are the touchpoints of the sweep's design with a capacity, and those whose capacity the
    sweep sets, in the design's order.
    """
    base = Designs(journey).resolve(spec.design).journey or journey
    swept = {s.address.target for s in spec.settings if s.address.kind == "capacity"}
    queues = [tp.name for tp in (*base.all_touchpoints(), *base.care) if tp.capacity is not None or tp.name in swept]
    return (
        *SWEEP_METRICS,
        *(queue_metric(measure, name) for name in dict.fromkeys(queues) for measure in QUEUE_MEASURES),
    )


#: The most points one sweep may have (each is a whole simulation per replication).
MAX_POINTS = 10_000

#: Distributions a setting may be sampled from (random and lhs), with their parameters.
SAMPLING: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
}


class SweepDiagnostic(Diagnostic):
    """A problem in a sweep file: a :class:`~journeydsl.lang.diagnostics.Diagnostic` with a ``JS`` code.

    Examples
    --------
    >>> d = SweepDiagnostic("JS003", "unknown setting `capcity of t`", Span("s.toml", 4, 2, 4, 16))
    >>> d.severity, d.is_error, str(d.span)
    ('error', True, 's.toml:4:2')
    """

    @property
    def severity(self) -> str:
        """``"error"`` or ``"warning"``, fixed by the code (:data:`SWEEP_CODES`)."""
        return SWEEP_CODES[self.code][0]


class SweepError(JourneyError):
    """A sweep file or one of its points has problems; carries every diagnostic and the texts they quote."""


# ---- records -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """What a setting changes: its kind, the name it acts on and a detail (module, stage, failure, key).

    ``kind`` is one of ``capacity``, ``cost``, ``staff_cost``, ``duration``,
    ``duration_scale``, ``share``, ``chance``, ``module``, ``theme``,
    ``performance``, ``failure`` and ``setting``.
    """

    kind: str
    target: str
    detail: str | None = None


@dataclass(frozen=True)
class SamplingDistribution:
    """A distribution to draw a setting from (random and lhs sweeps): its name and parameters."""

    kind: str
    params: tuple[float, ...]

    def quantile(self, u: float) -> float:
        """The value below which a share ``u`` (0..1) of draws fall.

        Examples
        --------
        >>> SamplingDistribution("uniform", (10, 20)).quantile(0.25)
        12.5
        >>> round(SamplingDistribution("loguniform", (1, 100)).quantile(0.5), 6)
        10.0
        """
        if self.kind == "uniform":
            low, high = self.params
            return low + u * (high - low)
        if self.kind == "loguniform":
            low, high = self.params
            return math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
        if self.kind == "normal":
            mean, sd = self.params
            return statistics.NormalDist(mean, sd).inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
        low, mode, high = self.params  # triangular
        cut = (mode - low) / (high - low)
        if u < cut:
            return low + math.sqrt(u * (high - low) * (mode - low))
        return high - math.sqrt((1 - u) * (high - low) * (high - mode))


@dataclass(frozen=True)
class SweepSetting:
    """One setting of a sweep: where it is written, what it changes and its values or distribution.

    Attributes
    ----------
    label : str
        The setting as written (the key), the column name of the results.
    address : Address
        What it changes.
    values : tuple of float
        The values of a list or range (in the setting's unit: the journey's
        time unit for durations, fractions for shares and chances); empty for a distribution.
    distribution : SamplingDistribution or None
        What random and lhs sweeps draw from.
    whole : bool
        Values are whole numbers (capacities): draws are rounded.
    between : bool
        ``values`` are the two ends of a range without steps, drawn uniformly between (random and
        lhs); otherwise a draw picks one of ``values`` with equal chances.
    span, value_span : Span
        The key and the value in the sweep file.
    """

    label: str
    address: Address
    values: tuple[float, ...]
    distribution: SamplingDistribution | None
    whole: bool
    span: Span
    value_span: Span
    between: bool = False


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep: the design it starts from, how points are chosen, its settings and the file's text."""

    file: str
    design: str
    method: str
    settings: tuple[SweepSetting, ...]
    points: int | None = None
    seed: int = 0
    text: str = ""


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its number (from 1) and one value per setting, in the settings' order."""

    index: int
    values: tuple[float, ...]

    @property
    def name(self) -> str:
        """The point's design name, ``point 7``."""
        return f"point {self.index}"


@dataclass(frozen=True)
class Constraint:
    """A bound a point must keep to be chosen, such as ``cost_per_customer <= 50``."""

    subject: str
    operator: str
    bound: float

    def holds(self, value: float | None) -> bool:
        """Whether ``value`` keeps the bound (no value keeps none).

        Examples
        --------
        >>> Constraint("cost_per_customer", "<=", 50).holds(49.5), Constraint("nps", ">", 10).holds(None)
        (True, False)
        """
        if value is None or math.isnan(value):
            return False
        return {
            "<=": value <= self.bound,
            "<": value < self.bound,
            ">=": value >= self.bound,
            ">": value > self.bound,
        }[self.operator]

    def __str__(self) -> str:
        return f"{self.subject} {self.operator} {self.bound:g}"


# ---- where keys and values stand in the TOML text ------------------------------------------------

_KEY = re.compile(r"""\s*(?P<key>"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\-]+)\s*=\s*(?P<value>.*)$""")
_HEADER = re.compile(r"\s*\[\s*(?P<name>[A-Za-z0-9_\-]+)\s*\]\s*(#.*)?$")


@dataclass(frozen=True)
class _Place:
    line: int
    key: tuple[int, int]
    value: tuple[int, int]
    text: str


def _places(text: str) -> dict[tuple[str, str], _Place]:
    """Where each ``key = value`` of the top level and of each ``[table]`` stands: (table, key) -> place.

    Keys are unquoted as TOML does for the simple escapes (``\\"``, ``\\\\``); a
    value's end is its line's end without a trailing comment.
    """
    found: dict[tuple[str, str], _Place] = {}
    table = ""
    for number, line in enumerate(text.split("\n"), 1):
        header = _HEADER.match(line)
        if header:
            table = header["name"]
            continue
        match = _KEY.match(line)
        if not match:
            continue
        raw = match["key"]
        if raw.startswith('"'):
            key = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif raw.startswith("'"):
            key = raw[1:-1]
        else:
            key = raw
        value = match["value"]
        end = len(_without_comment(value).rstrip())
        start = match.start("value")
        found.setdefault(
            (table, key), _Place(number, (match.start("key"), match.end("key")), (start, start + end), line)
        )
    return found


def _without_comment(value: str) -> str:
    """A TOML value without a comment after it (a ``#`` outside quotes)."""
    quote = None
    for index, char in enumerate(value):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return value[:index]
    return value


class _Spans:
    """Spans of a sweep file's keys and values, by table and key (the first line when a key is not found)."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.places = _places(text)

    def key(self, table: str, key: str) -> Span:
        place = self.places.get((table, key))
        if place is None:
            return Span(self.file, 1, 1, 1, 2)
        return Span(self.file, place.line, place.key[0] + 1, place.line, place.key[1] + 1)

    def part(self, table: str, key: str, part: str) -> Span:
        """The key ``part`` of the inline table that is the value of ``key`` (the value when not found)."""
        place = self.places.get((table, key))
        if place is None:
            return Span(self.file, 1, 1, 1, 2)
        start, end = place.value
        found = re.search(rf"(?<![A-Za-z0-9_]){re.escape(part)}(?=\s*=)", place.text[start:end])
        if not found:
            return self.value(table, key)
        return Span(self.file, place.line, start + found.start() + 1, place.line, start + found.end() + 1)

    def value(self, table: str, key: str, part: str | None = None) -> Span:
        """The value of ``key``, or of its inline table's ``part`` when that is found on the line."""
        place = self.places.get((table, key))
        if place is None:
            return Span(self.file, 1, 1, 1, 2)
        start, end = place.value
        if part is not None:
            found = re.search(rf"(?<![A-Za-z0-9_]){re.escape(part)}\s*=\s*", place.text[start:end])
            if found:
                first = start + found.end()
                rest = re.match(r'"[^"]*"|\'[^\']*\'|[^,}\]]+', place.text[first:end])
                last = first + (len(rest.group().rstrip()) if rest else 1)
                return Span(self.file, place.line, first + 1, place.line, max(last, first + 1) + 1)
        return Span(self.file, place.line, start + 1, place.line, max(end, start + 1) + 1)


# ---- reading ---------------------------------------------------------------------------------------


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
    return tomllib


def read_sweep(path: str | os.PathLike[str], journey: Journey) -> SweepSpec:
    """Read and check a sweep file against a journey.

    Parameters
    ----------
    path : path-like
        The TOML file.
    journey : Journey
        The journey as written (baseline and variants); names are checked against the sweep's design.

    Returns
    -------
    SweepSpec

    Raises
    ------
    SweepError
        With every problem found (``JS001`` when the file cannot be read or is not TOML).
    """
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise SweepError(
            [SweepDiagnostic("JS001", f"cannot read the sweep file: {reason}", Span(name, 1, 1, 1, 2))]
        ) from None
    return read_sweep_text(text, journey, name)


def read_sweep_text(text: str, journey: Journey, file: str = "<sweep>") -> SweepSpec:
    """Read and check a sweep's TOML text against a journey (see :func:`read_sweep`).

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { arrivals cohort 20 stage a goal { touchpoint t: staff capacity 1 { feel +1 } } }')
    >>> spec = read_sweep_text('[settings]\\n"capacity of t" = [1, 2]\\n"feel of t" = [0, 2]', j)
    >>> [s.label for s in spec.settings], len(build_points(spec))
    (['capacity of t', 'feel of t'], 4)
    >>> read_sweep_text('[settings]\\n"capcity of t" = [1, 2]', j)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    journeydsl.lang.sweep.SweepError: <sweep>:2:1: unknown setting `capcity of t`
    """
    try:
        tomllib = _toml()
    except ImportError:  # pragma: no cover - Python 3.10 without tomli
        needs = "reading a sweep file on Python 3.10 needs tomli"
        raise SweepError([SweepDiagnostic("JS001", needs, Span(file, 1, 1, 1, 2), hint="pip install tomli")]) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+), column (\d+)", str(error))
        line, column = (int(found[1]), int(found[2])) if found else (1, 1)
        message = re.sub(r"\s*\(at line .*\)$", "", str(error))
        span = Span(file, line, column, line, column + 1)
        raise SweepError(
            [SweepDiagnostic("JS001", f"the sweep file is not TOML: {message}", span, "see docs/scale.md")],
            {file: text},
        ) from None
    spans = _Spans(file, text)
    problems: list[Diagnostic] = []
    known = {"design", "method", "points", "seed", "settings"}
    for key in document:
        if key not in known:
            problems.append(
                SweepDiagnostic(
                    "JS002",
                    f"a sweep file has no key `{key}`",
                    spans.key("", key),
                    hint=did_you_mean(key, known) or f"the keys are {', '.join(sorted(known))}",
                )
            )
    design = document.get("design", BASELINE)
    base: Journey | None = None
    if not isinstance(design, str):
        problems.append(SweepDiagnostic("JS005", "`design` must be a design's name", spans.value("", "design")))
        design = BASELINE
    else:
        resolved = Designs(journey).resolve(design)
        base = resolved.journey
        if base is None:
            hint = did_you_mean(design, design_names(journey)) or f"designs: {', '.join(design_names(journey))}"
            problems.append(
                SweepDiagnostic("JS008", f"the journey has no design `{design}`", spans.value("", "design"), hint=hint)
            )
    method = document.get("method", "grid")
    if method not in METHODS:
        problems.append(
            SweepDiagnostic(
                "JS005",
                f"`method` is {method!r}; it must be one of {', '.join(METHODS)}",
                spans.value("", "method"),
                hint=did_you_mean(str(method), METHODS) or 'write method = "grid", "random" or "lhs"',
            )
        )
        method = "grid"
    points = document.get("points")
    if method == "grid" and points is not None:
        problems.append(
            SweepDiagnostic(
                "JS002",
                "a grid has a point for every combination of values; `points` is for random and lhs sweeps",
                spans.key("", "points"),
                hint='leave `points` out, or write method = "lhs"',
            )
        )
    elif method != "grid":
        if points is None:
            problems.append(
                SweepDiagnostic(
                    "JS005",
                    f"a {method} sweep needs `points`: how many points to draw",
                    spans.value("", "method"),
                    hint="write points = 20",
                )
            )
        elif isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= MAX_POINTS:
            problems.append(
                SweepDiagnostic(
                    "JS005",
                    f"`points` must be a whole number from 1 to {MAX_POINTS:,}",
                    spans.value("", "points"),
                )
            )
    seed = document.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(SweepDiagnostic("JS005", "`seed` must be a whole number of 0 or more", spans.value("", "seed")))
        seed = 0
    table = document.get("settings")
    settings: list[SweepSetting] = []
    if not isinstance(table, dict) or not table:
        span = spans.key("", "settings") if "settings" in document else Span(file, 1, 1, 1, 2)
        problems.append(
            SweepDiagnostic(
                "JS007",
                "the sweep names no settings to vary",
                span,
                hint='write a [settings] table, e.g. "capacity of desk" = [1, 2, 3]',
            )
        )
    else:
        for label, value in table.items():
            setting = _setting(label, value, base, journey, method, spans, problems)
            if setting is not None:
                settings.append(setting)
    spec = SweepSpec(file, design, method, tuple(settings), points if method != "grid" else None, seed, text)
    if not problems and method == "grid":
        size = math.prod(len(s.values) for s in settings)
        if size > MAX_POINTS:
            problems.append(
                SweepDiagnostic(
                    "JS006",
                    f"this grid has {size:,} points, more than {MAX_POINTS:,}",
                    spans.key("", "settings"),
                    hint='fewer values, or draw some of them: method = "lhs" with points = 200',
                )
            )
    if problems:
        raise SweepError(problems, {file: text})
    return spec


_NAME = r'(?:"[^"]*"|[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)'
_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("duration_scale", re.compile(rf"duration\s+scale\s+of\s+(?P<target>{_NAME})")),
    ("staff_cost", re.compile(rf"staff\s+cost\s+of\s+(?P<target>{_NAME})")),
    ("capacity", re.compile(rf"capacity\s+of\s+(?P<target>{_NAME})")),
    ("cost", re.compile(rf"cost\s+of\s+(?P<target>{_NAME})")),
    ("duration", re.compile(rf"duration\s+of\s+(?P<target>{_NAME})")),
    ("share", re.compile(rf"share\s+of\s+(?P<target>{_NAME})")),
    ("chance", re.compile(rf"chance\s+of\s+(?P<target>{_NAME})\s*->\s*(?P<detail>{_NAME})")),
    ("theme", re.compile(rf"theme\s+(?P<detail>{_NAME})\s+of\s+(?P<target>{_NAME})")),
    ("performance", re.compile(rf"performance\s+(?P<detail>{_NAME})\s+of\s+(?P<target>{_NAME})")),
    ("failure", re.compile(rf"failure\s+(?P<detail>{_NAME})\s+of\s+(?P<target>{_NAME})")),
    ("module", re.compile(rf"(?P<detail>{_NAME})\s+of\s+(?P<target>{_NAME})")),
    ("setting", re.compile(r"(?:setting\s+)?(?P<target>[A-Za-z_]+)\.(?P<detail>[A-Za-z_]+)")),
)

_FIRST_WORDS = ("capacity", "cost", "staff", "duration", "share", "chance", "theme", "performance", "failure", *MODULES)


def _unquote(name: str | None) -> str | None:
    if name is not None and name.startswith('"'):
        return name[1:-1]
    return name


def _address(label: str) -> Address | None:
    text = " ".join(label.split())
    for kind, pattern in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            groups = match.groupdict()
            if kind == "module" and groups["detail"] not in MODULES:
                return None
            return Address(kind, _unquote(groups["target"]) or "", _unquote(groups.get("detail")))
    return None


def _setting(
    label: str,
    value: object,
    base: Journey | None,
    journey: Journey,
    method: str,
    spans: _Spans,
    problems: list[Diagnostic],
) -> SweepSetting | None:
    """One setting read and checked, or ``None`` with its problems added."""
    key_span = spans.key("settings", label)
    value_span = spans.value("settings", label)
    address = _address(label)
    if address is None:
        first = label.split()[0] if label.split() else label
        hint = did_you_mean(first, _FIRST_WORDS)
        forms = "; ".join(SETTING_FORMS)
        problems.append(
            SweepDiagnostic(
                "JS003",
                f"unknown setting `{label}`",
                key_span,
                hint=(f"{hint} " if hint else "") + f"settings are written: {forms}",
            )
        )
        return None
    if base is not None and not _names_found(address, label, base, key_span, problems):
        return None
    whole = address.kind == "capacity"
    between = False
    before = len(problems)
    values: tuple[float, ...] = ()
    distribution = None
    if isinstance(value, list):
        values = tuple(_number(item, address, journey, value_span, problems) for item in value)
        if not values:
            problems.append(SweepDiagnostic("JS005", f"`{label}` lists no values", value_span))
    elif isinstance(value, dict) and "distribution" in value:
        distribution = _distribution(label, value, address, journey, method, spans, problems)
    elif isinstance(value, dict) and {"from", "to"} <= set(value):
        values = _range(label, value, address, journey, method, spans, problems)
        between = method != "grid" and "steps" not in value and "step" not in value
    else:
        problems.append(
            SweepDiagnostic(
                "JS005",
                f"`{label}` needs a list of values, a range or a distribution",
                value_span,
                hint="write [1, 2, 3], { from = 1, to = 5, steps = 5 } "
                'or { distribution = "uniform", low = 1, high = 5 }',
            )
        )
    if whole:
        for number in values:
            if not (float(number).is_integer() and number >= 1):
                problems.append(
                    SweepDiagnostic("JS005", f"a capacity is a whole number of at least 1, not {number:g}", value_span)
                )
                break
    if len(problems) > before:
        return None
    return SweepSetting(label, address, values, distribution, whole, key_span, value_span, between)


def _names_found(address: Address, label: str, base: Journey, span: Span, problems: list[Diagnostic]) -> bool:
    """Whether the names of a setting are in the design; a did-you-mean problem per name that is not."""

    def missing(what: str, name: str, known: Sequence[str]) -> bool:
        hint = did_you_mean(name, known) or (f"{what}s here: {', '.join(known[:12])}" if known else None)
        problems.append(SweepDiagnostic("JS004", f"`{label}`: the design has no {what} `{name}`", span, hint=hint))
        return False

    kind, target, detail = address.kind, address.target, address.detail or ""
    if kind == "setting":
        if target not in SETTINGS:
            return missing("settings block", target, list(SETTINGS))
        if detail not in SETTINGS[target]:
            return missing(f"setting of `{target}`", detail, list(SETTINGS[target]))
        return True
    if kind == "share":
        names = [segment.name for segment in base.segments]
        return target in names or missing("segment", target, names)
    if kind == "chance":
        stages = {stage.name: stage for stage in base.stages}
        if target not in stages:
            return missing("stage", target, list(stages))
        targets = [t.target for t in stages[target].transitions]
        return detail in targets or missing(f"transition from `{target}` to", detail, targets)
    touchpoints = {tp.name: tp for tp in (*base.all_touchpoints(), *base.care)}
    if target not in touchpoints:
        return missing("touchpoint", target, list(touchpoints))
    touchpoint = touchpoints[target]
    if kind == "theme" and detail not in THEMES:
        return missing("theme", detail, list(THEMES))
    if kind == "performance" and detail not in FACTORS and detail not in {f.name for f in base.factors}:
        return missing("factor", detail, sorted({*FACTORS, *(f.name for f in base.factors)}))
    if kind == "failure":
        failures = [f.name for f in touchpoint.effects.failures]
        return detail in failures or missing(f"failure of `{target}`", detail, failures)
    if kind in ("duration", "duration_scale") and touchpoint.duration is None:
        problems.append(
            SweepDiagnostic(
                "JS004",
                f"`{label}`: touchpoint `{target}` has no duration to change",
                span,
                hint="give it a duration in the journey first",
            )
        )
        return False
    if kind == "staff_cost" and touchpoint.staff_cost is None:
        problems.append(
            SweepDiagnostic(
                "JS004",
                f"`{label}`: touchpoint `{target}` has no staff cost to change",
                span,
                hint=f"use `cost of {target}` for its cost per visit",
            )
        )
        return False
    return True


def _number(item: object, address: Address, journey: Journey, span: Span, problems: list[Diagnostic]) -> float:
    """A value as the setting counts it: times in the journey's unit, shares as fractions."""
    if isinstance(item, bool):
        item = str(item)
    if isinstance(item, int | float):
        number = float(item)
        if not math.isfinite(number):
            problems.append(SweepDiagnostic("JS005", f"{number} is not a finite number", span))
        return number
    if isinstance(item, str):
        text = item.strip()
        if address.kind in ("share", "chance", "failure") and text.endswith("%"):
            try:
                return float(text[:-1]) / 100
            except ValueError:
                pass
        if address.kind == "duration":
            match = re.fullmatch(r"([0-9.eE+-]+)\s*([A-Za-z]+)", text)
            if match and match[2] in UNIT_SECONDS:
                try:
                    return to_time_unit(Quantity(float(match[1]), match[2]), journey.time_unit)
                except ValueError:
                    pass
        hint = {
            "share": "write a fraction (0.3) or a percentage ('30%')",
            "chance": "write a fraction (0.3) or a percentage ('30%')",
            "failure": "write a fraction (0.3) or a percentage ('30%')",
            "duration": f"write a number in the journey's time unit ({journey.time_unit or 'minutes'}) or '5 min'",
        }.get(address.kind, "write a number")
        problems.append(SweepDiagnostic("JS005", f"`{item}` is not a value of this setting", span, hint=hint))
        return math.nan
    problems.append(SweepDiagnostic("JS005", f"`{item!r}` is not a value of this setting", span, hint="write a number"))
    return math.nan


def _range(
    label: str,
    value: dict[str, Any],
    address: Address,
    journey: Journey,
    method: str,
    spans: _Spans,
    problems: list[Diagnostic],
) -> tuple[float, ...]:
    """The values of ``{ from = A, to = B, steps = N }`` (or ``step = D``): both ends included."""
    extra = set(value) - {"from", "to", "steps", "step"}
    for key in sorted(extra):
        problems.append(
            SweepDiagnostic(
                "JS002",
                f"a range has no `{key}`",
                spans.part("settings", label, key),
                hint=did_you_mean(key, ("from", "to", "steps", "step")) or "a range has from, to and steps (or step)",
            )
        )
    low = _number(value["from"], address, journey, spans.value("settings", label, "from"), problems)
    high = _number(value["to"], address, journey, spans.value("settings", label, "to"), problems)
    if extra or math.isnan(low) or math.isnan(high):
        return ()
    if method != "grid" and "steps" not in value and "step" not in value:
        return (low, high)  # drawn uniformly between the ends
    steps = value.get("steps")
    step = value.get("step")
    if (steps is None) == (step is None):
        problems.append(
            SweepDiagnostic(
                "JS005",
                f"the range of `{label}` needs `steps` (how many values) or `step` (the distance between them)",
                spans.value("settings", label),
                hint=f"{{ from = {value['from']!r}, to = {value['to']!r}, steps = 5 }}".replace("'", '"'),
            )
        )
        return ()
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1 or steps > MAX_POINTS:
            problems.append(
                SweepDiagnostic(
                    "JS005",
                    f"`steps` must be a whole number from 1 to {MAX_POINTS:,}",
                    spans.value("settings", label, "steps"),
                )
            )
            return ()
        if steps == 1:
            return (low,)
        import numpy as np

        return tuple(float(v) for v in np.round(np.linspace(low, high, steps), 12))
    if isinstance(step, bool) or not isinstance(step, int | float) or not step > 0:
        problems.append(
            SweepDiagnostic("JS005", "`step` must be a number above 0", spans.value("settings", label, "step"))
        )
        return ()
    count = math.floor((high - low) / float(step) + 1e-9) + 1
    if count < 1 or count > MAX_POINTS:
        problems.append(
            SweepDiagnostic(
                "JS005",
                f"the range of `{label}` gives {max(count, 0):,} values",
                spans.value("settings", label),
                hint="`from` must not be above `to`",
            )
        )
        return ()
    return tuple(round(low + i * float(step), 12) for i in range(count))


def _distribution(
    label: str,
    value: dict[str, Any],
    address: Address,
    journey: Journey,
    method: str,
    spans: _Spans,
    problems: list[Diagnostic],
) -> SamplingDistribution | None:
    """``{ distribution = "uniform", low = A, high = B }`` and the like, checked."""
    kind = value["distribution"]
    span = spans.value("settings", label, "distribution")
    if method == "grid":
        problems.append(
            SweepDiagnostic(
                "JS005",
                f"a grid needs values, but `{label}` has a distribution",
                span,
                hint='give values ([1, 2, 3] or a range), or draw points: method = "lhs" with points = 20',
            )
        )
        return None
    if kind not in SAMPLING:
        problems.append(
            SweepDiagnostic(
                "JS005",
                f"unknown distribution `{kind}`",
                span,
                hint=did_you_mean(str(kind), SAMPLING) or f"distributions: {', '.join(SAMPLING)}",
            )
        )
        return None
    names = SAMPLING[kind]
    unknown = set(value) - {"distribution", *names}
    missing = [name for name in names if name not in value]
    if unknown or missing:
        problems.append(
            SweepDiagnostic(
                "JS005",
                f"a {kind} distribution takes {', '.join(names)}"
                + (f"; `{sorted(unknown)[0]}` is not one of them" if unknown else f"; `{missing[0]}` is missing"),
                spans.value("settings", label),
            )
        )
        return None
    params = tuple(
        _number(value[name], address, journey, spans.value("settings", label, name), problems) for name in names
    )
    if any(math.isnan(p) for p in params):
        return None
    wrong = {
        "uniform": not params[0] < params[1],
        "loguniform": not 0 < params[0] < params[1],
        "normal": not params[1] > 0,
        "triangular": not params[0] <= params[1] <= params[2] or params[0] == params[2],
    }[kind]
    if wrong:
        rule = {
            "uniform": "low below high",
            "loguniform": "0 < low < high",
            "normal": "sd above 0",
            "triangular": "low <= mode <= high, low below high",
        }[kind]
        problems.append(
            SweepDiagnostic(
                "JS005", f"the {kind} distribution of `{label}` needs {rule}", spans.value("settings", label)
            )
        )
        return None
    return SamplingDistribution(kind, params)


# ---- points ---------------------------------------------------------------------------------------


def build_points(spec: SweepSpec) -> list[Point]:
    """The points of a sweep: every combination (grid) or ``spec.points`` draws (random, lhs).

    Draws come from ``numpy.random.default_rng(spec.seed)``: the same file gives
    the same points.  A Latin hypercube cuts each setting's probability range
    into ``points`` equal strata and uses each once, in an independent random
    order per setting (McKay, Beckman & Conover 1979).  A list of values is
    drawn from with equal chances; a range without steps uniformly between its
    ends; whole-number settings are rounded.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { arrivals cohort 20 stage a goal { touchpoint t: staff cost 1 { feel +1 } } }')
    >>> spec = read_sweep_text('method = "lhs"\\npoints = 4\\n[settings]\\n"cost of t" = { from = 0, to = 4 }', j)
    >>> sorted(int(p.values[0]) for p in build_points(spec))  # one draw in each quarter
    [0, 1, 2, 3]
    """
    if spec.method == "grid":
        grid = itertools.product(*(setting.values for setting in spec.settings))
        return [Point(index, tuple(values)) for index, values in enumerate(grid, 1)]
    import numpy as np

    count = spec.points or 1
    rng = np.random.default_rng(spec.seed)
    columns = []
    for setting in spec.settings:
        if spec.method == "lhs":
            u = (rng.permutation(count) + rng.random(count)) / count
        else:
            u = rng.random(count)
        columns.append([_draw(setting, float(x)) for x in u])
    return [Point(index + 1, tuple(column[index] for column in columns)) for index in range(count)]


def _draw(setting: SweepSetting, u: float) -> float:
    """The value of a setting at probability ``u``."""
    if setting.distribution is not None:
        value = setting.distribution.quantile(u)
    elif setting.between and setting.whole:  # each whole number from one end to the other equally likely
        low, high = setting.values
        return float(min(max(math.floor(low + u * (high - low + 1)), low), high))
    elif setting.between:
        low, high = setting.values
        value = low + u * (high - low)
    else:
        value = setting.values[min(int(u * len(setting.values)), len(setting.values) - 1)]
    if setting.whole:
        return float(max(1, round(value)))
    return float(round(value, 12))


def point_designs(
    journey: Journey,
    spec: SweepSpec,
    points: Sequence[Point],
    mean_of: Callable[[Any, str | None], float],
    check: Callable[[Journey], list[Diagnostic]] | None = None,
) -> list[Journey]:
    """Every point as a whole journey: a variant of the sweep's design, resolved and checked like any variant.

    Parameters
    ----------
    journey : Journey
        The journey as written (baseline and variants).
    spec : SweepSpec
        The checked sweep (:func:`read_sweep`).
    points : sequence of Point
        The points (:func:`build_points`).
    mean_of : callable
        ``mean_of(DistributionSpec, time_unit)``: a duration's mean in the journey's time unit
        (the simulator's distributions know it), for ``duration of T``.
    check : callable, optional
        The journey's checks (:func:`journeydsl.lang.checks.run_checks`); their errors on a point are
        raised, each at its setting in the sweep file and naming the point's values.

    Returns
    -------
    list of Journey
        One per point, in order.

    Raises
    ------
    SweepError
        When a point's journey has errors (the first few points that have them are reported).
    """
    base = Designs(journey).resolve(spec.design).journey
    if base is None:
        raise SweepError(
            [SweepDiagnostic("JS008", f"the journey has no design `{spec.design}`", Span(spec.file, 1, 1, 1, 2))]
        )
    variants = [
        Variant(point.name, spec.design if spec.design != BASELINE else None, _patches(base, spec, point, mean_of))
        for point in points
    ]
    designs = Designs(replace(journey, variants=(*journey.variants, *variants)))
    resolved: list[Journey] = []
    problems: list[Diagnostic] = []
    troubled = 0
    for point in points:
        result = designs.resolve(point.name)
        found = list(result.diagnostics)
        if result.journey is not None and check is not None:
            found = [d for d in check(result.journey) if d.is_error]
        if found:
            troubled += 1
        if found and troubled <= _POINTS_REPORTED:
            where = describe_point(spec, point)
            problems.extend(replace(d, message=f"at {point.name} ({where}): {d.message}") for d in found)
        if result.journey is not None:
            resolved.append(result.journey)
    if troubled > _POINTS_REPORTED:
        more = troubled - _POINTS_REPORTED
        problems.append(
            SweepDiagnostic(
                "JS005",
                f"{more:,} more point{'s' if more != 1 else ''} of {len(points):,} "
                f"{'has' if more == 1 else 'have'} problems like these",
                problems[-1].span,
                hint="narrow the settings' values to what the journey allows",
            )
        )
    if problems:
        raise SweepError(problems, {spec.file: spec.text})
    return resolved


#: Points whose problems are reported when several have them (the rest are alike).
_POINTS_REPORTED = 3


def describe_point(spec: SweepSpec, point: Point) -> str:
    """``capacity of it_desk = 2, cost of it_desk = 15``."""
    return ", ".join(f"{s.label} = {v:g}" for s, v in zip(spec.settings, point.values, strict=True))


def _patches(
    base: Journey, spec: SweepSpec, point: Point, mean_of: Callable[[Any, str | None], float]
) -> tuple[Patch, ...]:
    """The patches that set a point's values on the sweep's design, one or more per setting."""
    patches: list[Patch] = []
    for setting, value in zip(spec.settings, point.values, strict=True):
        patches.extend(_patches_of(base, setting, value, mean_of))
    return tuple(patches)


def _probability(value: float, span: Span) -> Probability:
    return Probability(value, True, span)


def _patches_of(
    base: Journey, setting: SweepSetting, value: float, mean_of: Callable[[Any, str | None], float]
) -> Iterator[Patch]:
    address, span = setting.address, setting.span
    kind, target, detail = address.kind, address.target, address.detail or ""
    if kind == "setting":
        block = ParamBlock(target, (Param(detail, Quantity(value, None, span), span, span),), span, span)
        yield Patch("settings", params=block, span=span, target_span=span)
        return
    if kind == "share":
        yield from _share_patches(base, target, value, span)
        return
    if kind == "chance":
        stage = next(s for s in base.stages if s.name == target)
        old = next(t for t in stage.transitions if t.target == detail)
        transition = replace(old, probability=_probability(value, span), span=span)
        stage_changes = Stage(target, transitions=(transition,), span=span, name_span=span)
        yield Patch(
            "change_stage", target=target, target_kind="stage", stage=stage_changes, span=span, target_span=span
        )
        return
    touchpoint = next(tp for tp in (*base.all_touchpoints(), *base.care) if tp.name == target)
    fields: dict[str, Any] = {}
    written: list[str] = []
    if kind == "capacity":
        fields["capacity"] = value
        written.append("capacity")
    elif kind == "cost":
        fields["cost"] = value
        written.append("cost")
    elif kind == "staff_cost":
        assert touchpoint.staff_cost is not None  # checked when read
        fields["staff_cost"] = replace(touchpoint.staff_cost, amount=value, span=span)
        written.append("staff_cost")
    elif kind in ("duration", "duration_scale"):
        spec = touchpoint.duration
        assert spec is not None  # checked when read
        factor = value if kind == "duration_scale" else value / mean_of(spec, base.time_unit)
        args = tuple(replace(arg, value=arg.value * factor, span=span) for arg in spec.args)
        fields["duration"] = replace(spec, args=args, span=span)
        written.append("duration")
    else:
        effects = _effects(touchpoint, kind, detail, value, span)
        fields["effects"] = effects
        written.append("effects")
    changes = Touchpoint(target, touchpoint.channel, **fields, attribute_spans=tuple((w, span) for w in written))
    yield Patch("change", target=target, touchpoint=changes, span=span, target_span=span)


def _effects(touchpoint: Touchpoint, kind: str, detail: str, value: float, span: Span) -> Effects:
    """The effects a patch merges into a touchpoint's: one module, theme, performance or failure."""
    named = NamedValue(detail, value, span, span, span)
    if kind == "module":
        return Effects(modules=(named,), span=span)
    if kind == "theme":
        return Effects(themes=(named,), span=span)
    if kind == "performance":
        return Effects(performance=(named,), span=span)
    failure = next(f for f in touchpoint.effects.failures if f.name == detail)
    return Effects(failures=(replace(failure, probability=_probability(value, span)),), span=span)


def _share_patches(base: Journey, target: str, value: float, span: Span) -> Iterator[Patch]:
    """Set one segment's share; the others share the rest in their written proportions."""
    others = [s for s in base.segments if s.name != target]
    rest = sum(s.share.value for s in others if s.share is not None)
    for segment in base.segments:
        if segment.name == target:
            share = value
        elif rest > 0 and segment.share is not None:
            share = segment.share.value / rest * (1 - value)
        else:
            share = (1 - value) / len(others)
        segment_changes = Segment(segment.name, share=_probability(share, span), span=span, name_span=span)
        yield Patch(
            "change_segment",
            target=segment.name,
            target_kind="segment",
            segment=segment_changes,
            span=span,
            target_span=span,
        )


# ---- objectives and budgets -------------------------------------------------------------------------

_CONSTRAINT = re.compile(r"\s*(?P<subject>.+?)\s*(?P<operator><=|>=|<|>)\s*(?P<bound>\S+?)\s*(?P<percent>%?)\s*")


def parse_constraint(text: str, settings: Sequence[str] = (), metrics: Sequence[str] = SWEEP_METRICS) -> Constraint:
    """A budget or bound as written on the command line: ``cost_per_customer <= 50``, ``conversion_rate >= 80%``.

    The subject is one of ``metrics`` (by default :data:`SWEEP_METRICS`; a sweep's own, with its queues',
    are :func:`sweep_metrics`) or a setting of the sweep (its label).

    Raises
    ------
    ValueError
        With a message for people, naming the closest metric when the subject is misspelt.

    Examples
    --------
    >>> parse_constraint("cost_per_customer <= 50")
    Constraint(subject='cost_per_customer', operator='<=', bound=50.0)
    >>> parse_constraint("conversion_rate>=80%").bound
    0.8
    >>> parse_constraint("chance of book -> arrive <= 50%", ["chance of book -> arrive"])
    Constraint(subject='chance of book -> arrive', operator='<=', bound=0.5)
    >>> parse_constraint("cots_per_customer <= 50")
    Traceback (most recent call last):
    ...
    ValueError: `cots_per_customer` is not a metric of a sweep: did you mean `cost_per_customer`?
    """
    # A setting or a queue's metric may hold `->`, `<` or spaces: the longest that starts the text wins.
    for label in sorted((*settings, *metrics), key=len, reverse=True):
        rest = text.strip()
        if rest.startswith(label):
            bound = _CONSTRAINT.fullmatch("x" + rest[len(label) :])
            if bound:
                return _constraint(label, bound, text)
    match = _CONSTRAINT.fullmatch(text)
    if not match:
        raise ValueError(f"`{text}` is not a bound: write METRIC <= AMOUNT, e.g. 'cost_per_customer <= 50'")
    subject = match["subject"]
    if subject == "cost":
        subject = "total_cost"
    if subject not in metrics and subject not in settings:
        hint = did_you_mean(subject, (*metrics, *settings)) or f"metrics: {', '.join(metrics)}"
        raise ValueError(f"`{subject}` is not a metric of a sweep: {hint}")
    return _constraint(subject, match, text)


def _constraint(subject: str, match: re.Match[str], text: str) -> Constraint:
    try:
        bound = float(match["bound"])
    except ValueError:
        raise ValueError(f"`{match['bound']}` is not a number") from None
    if not math.isfinite(bound):
        raise ValueError(f"the bound of `{text}` must be a finite number")
    return Constraint(subject, match["operator"], bound / 100 if match["percent"] else bound)
