"""What every importer shares: a draft of the journey, its diagnostics, the model it becomes, the text.

An importer reads a foreign file (a Mermaid ``journey`` diagram, a spreadsheet
journey map, a CJML document) into a :class:`Draft`: stages in order, each with
its touchpoints in order, the segments it names and notes on what the source
held that the language does not.  :func:`build_journey` turns the draft into a
:class:`~journeydsl.lang.model.Journey` that checks: names cleaned (no control
character or line break; a run of blanks is one space) and made unique, each
stage leading to the next (``-> next``), the last one the goal, segments with
shares that sum to 100%.  :func:`journey_text` writes the journey as
formatted ``.journey`` text, headed by comments naming the source and the
command that imported it.

Bad input is never a traceback: it is an :class:`ImportFailed` carrying
:class:`ImportDiagnostic` objects (``file:line:col``, the line, a caret and a
hint), rendered like every other diagnostic by :mod:`journeydsl.lang.render`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NoReturn

from ..diagnostics import ERROR, Diagnostic
from ..model import (
    DistributionSpec,
    Effects,
    Journey,
    NamedValue,
    Probability,
    Quantity,
    Rating,
    Segment,
    Span,
    Stage,
    Touchpoint,
    Transition,
)
from ..vocabulary import DISTRIBUTIONS, RESERVED_TARGETS, UNIT_SECONDS
from ..writer import write_journey

__all__ = [
    "IMPORT_CODES",
    "ImportDiagnostic",
    "ImportFailed",
    "DraftEffect",
    "DraftTouchpoint",
    "DraftStage",
    "Draft",
    "Source",
    "clean_name",
    "score_effect",
    "parse_duration",
    "parse_shares",
    "build_journey",
    "journey_text",
    "decode",
    "with_segments",
]

#: The codes of import diagnostics: code -> title.  ``JI1xx`` Mermaid, ``JI2xx`` CSV, ``JI3xx`` CJML,
#: ``JI0xx`` any source.  Documented in docs/import.md.
IMPORT_CODES: dict[str, str] = {
    "JI001": "file is not UTF-8 text",
    "JI002": "nothing to import",
    "JI003": "bad segment share",
    "JI101": "not a Mermaid journey diagram",
    "JI102": "malformed Mermaid line",
    "JI103": "score not between 1 and 5",
    "JI201": "missing CSV column",
    "JI202": "unknown CSV column",
    "JI203": "bad CSV value",
    "JI204": "malformed CSV",
    "JI301": "malformed XML",
    "JI302": "DTD or entity declaration refused",
    "JI303": "not a CJML document",
    "JI304": "unknown CJML channel",
    "JI305": "no such CJML journey",
    "JI306": "bad CJML value",
}


@dataclass(frozen=True)
class ImportDiagnostic(Diagnostic):
    """A problem in a file being imported: always an error, with a code of :data:`IMPORT_CODES`."""

    @property
    def severity(self) -> str:
        """Always ``"error"``: an import either reads its file or refuses it."""
        return ERROR


class ImportFailed(Exception):
    """The file cannot be imported; carries every diagnostic found and the source text they quote.

    Parameters
    ----------
    diagnostics : iterable of ImportDiagnostic
        What is wrong, in file order.
    sources : dict of str to str
        The source text by file name, for the lines shown under each diagnostic.
    """

    def __init__(self, diagnostics: Iterable[ImportDiagnostic], sources: dict[str, str]) -> None:
        self.diagnostics = tuple(diagnostics)
        self.sources = dict(sources)
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(f"{first.span}: {first.message}" if first else "cannot import")


class Source:
    """A source text being read: makes spans and collects diagnostics that quote it.

    Parameters
    ----------
    text : str
        The whole file.
    file : str
        Its name as the user gave it.
    """

    def __init__(self, text: str, file: str) -> None:
        text = text.removeprefix("\ufeff")
        self.text = text
        self.file = file
        self.lines = text.split("\n")
        self.problems: list[ImportDiagnostic] = []

    def span(self, line: int, column: int = 1, length: int = 1) -> Span:
        """The span of ``length`` characters at a 1-based line and column."""
        return Span(self.file, line, column, line, column + max(1, length))

    def problem(
        self, code: str, message: str, line: int, column: int = 1, length: int = 1, hint: str | None = None
    ) -> None:
        """Record a diagnostic at a line and column."""
        self.problems.append(ImportDiagnostic(code, message, self.span(line, column, length), hint))

    def fail_if_problems(self) -> None:
        """Raise :class:`ImportFailed` with every recorded diagnostic, if any."""
        if self.problems:
            raise ImportFailed(self.problems, {self.file: self.text})

    def fail(
        self, code: str, message: str, line: int, column: int = 1, length: int = 1, hint: str | None = None
    ) -> NoReturn:
        """Record a diagnostic and raise :class:`ImportFailed` at once."""
        self.problem(code, message, line, column, length, hint)
        raise ImportFailed(self.problems, {self.file: self.text})


def decode(data: bytes, file: str) -> str:
    """The text of a file's bytes (UTF-8, a byte-order mark dropped); :class:`ImportFailed` if it is not UTF-8.

    Parameters
    ----------
    data : bytes
        The file's content.
    file : str
        Its name, for the diagnostic.

    Returns
    -------
    str
        The text, with Windows line ends turned into ``\\n``.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        shown = data.decode("utf-8", "replace")
        raise ImportFailed(
            [
                ImportDiagnostic(
                    "JI001",
                    f"byte 0x{data[error.start]:02x} is not UTF-8",
                    Span(file, line, column, line, column + 1),
                    "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)",
                )
            ],
            {file: shown},
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---- the draft ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftEffect:
    """One effect read from the source: ``kind`` is ``module``, ``theme`` or ``performance``.

    ``rating`` keeps a 0-10 rating as written (``feel rating 7.5/10``) when the
    source gave one; ``value`` is always on the language's scale.
    """

    kind: str
    name: str
    value: float
    rating: Rating | None = None


@dataclass(frozen=True)
class DraftTouchpoint:
    """A touchpoint read from the source, with the line it came from."""

    name: str
    channel: str
    line: int = 0
    effects: tuple[DraftEffect, ...] = ()
    duration: DistributionSpec | None = None
    cost: float | None = None
    capacity: float | None = None
    moment_of_truth: bool = False
    segments: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftStage:
    """A stage read from the source, its touchpoints in order."""

    name: str
    touchpoints: tuple[DraftTouchpoint, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Draft:
    """A whole journey read from the source, before it becomes a model.

    ``segments`` are (name, share) pairs with ``share`` a fraction or ``None``
    (the rest shared equally); ``notes`` are sentences on what the source held
    that the journey language does not, written as comments above the journey.
    """

    name: str
    stages: tuple[DraftStage, ...]
    segments: tuple[tuple[str, float | None], ...] = ()
    notes: tuple[str, ...] = ()


_BLANKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def clean_name(text: str, default: str = "unnamed") -> str:
    r"""A name as the language can hold it: control characters, line breaks and runs of blanks one space.

    Examples
    --------
    >>> clean_name('  "Quoted" {name}\n  on two lines\x1b ')
    '"Quoted" {name} on two lines'
    >>> clean_name("\t", "stage")
    'stage'
    """
    cleaned = _BLANKS.sub(" ", text).strip()
    return cleaned or default


def score_effect(score: float) -> Rating:
    """A 1-5 score (Mermaid's, a CJML experience rating) as a ``feel rating R/10``: R = 2.5 x (score - 1).

    1 is ``0/10`` (effect -5), 3 is ``5/10`` (neutral), 5 is ``10/10`` (effect +5):
    the inverse of :func:`journeydsl.lang.export.mermaid_score`, so a diagram
    exported and imported again keeps each score.

    Examples
    --------
    >>> [score_effect(s).effect for s in (1, 2, 3, 4, 5)]
    [-5.0, -2.5, 0.0, 2.5, 5.0]
    """
    return Rating("rating", 2.5 * (score - 1.0), 10.0)


_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([A-Za-z]+)?\s*$")
_CALL = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*$")


def parse_duration(text: str) -> DistributionSpec:
    """A duration as written in the language (``5 min``, ``exponential(3 min)``); ValueError if it is not one.

    Examples
    --------
    >>> str(parse_duration("exponential( 3 min )")), str(parse_duration("90 s"))
    ('exponential(3 min)', '90 s')
    """

    def quantity(part: str) -> Quantity:
        match = _QUANTITY.match(part)
        if match is None:
            raise ValueError(f"`{part.strip()}` is not a time such as `5 min`")
        unit = match.group(2)
        if unit is not None and unit not in UNIT_SECONDS:
            raise ValueError(f"`{unit}` is not a time unit")
        value = float(match.group(1))
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"`{part.strip()}` is not a positive time")
        return Quantity(value, unit)

    call = _CALL.match(text)
    if call is None:
        return DistributionSpec("fixed", (quantity(text),))
    kind = call.group(1)
    if kind not in DISTRIBUTIONS:
        raise ValueError(f"`{kind}` is not a distribution (one of {', '.join(DISTRIBUTIONS)})")
    args = tuple(quantity(part) for part in call.group(2).split(",")) if call.group(2).strip() else ()
    count = DISTRIBUTIONS[kind][0]
    if (count is not None and len(args) != count) or not args:
        raise ValueError(f"`{kind}` takes {count or 'one or more'} argument(s), not {len(args)}")
    return DistributionSpec(kind, args)


def parse_shares(pairs: Sequence[str]) -> dict[str, float]:
    """``NAME=SHARE`` options (``premier=20%``, ``premier=0.2``) as fractions by name; ValueError if malformed.

    Examples
    --------
    >>> parse_shares(["premier=20%", "walk in=0.8"])
    {'premier': 0.2, 'walk in': 0.8}
    """
    shares: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.rpartition("=")
        if not sep or not name.strip():
            raise ValueError(f"`{pair}` is not NAME=SHARE (such as `premier=20%`)")
        text = value.strip()
        try:
            share = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"`{value}` in `{pair}` is not a share such as 20% or 0.2") from None
        if not (0.0 <= share <= 1.0):
            raise ValueError(f"the share in `{pair}` is not between 0% and 100%")
        shares[clean_name(name)] = share
    return shares


# ---- the model ---------------------------------------------------------------------------------


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... the first not yet taken (which it then takes)."""
    candidate, number = name, 1
    while candidate in taken or candidate in RESERVED_TARGETS:
        number += 1
        candidate = f"{name} ({number})"
    taken.add(candidate)
    return candidate


def _percent_shares(segments: Sequence[tuple[str, float | None]]) -> list[tuple[str, Probability]]:
    """Shares as percentages in ten-thousandths of a percent that sum to exactly 100%.

    Segments without a share split what the others leave equally; the last
    takes what rounding leaves.  ValueError when the given shares exceed 100%,
    or leave some over with every share given.
    """
    units = 1_000_000  # 100% in ten-thousandths of a percent
    given = {name: round(share * units) for name, share in segments if share is not None}
    left = units - sum(given.values())
    open_names = [name for name, share in segments if share is None]
    if left < 0:
        raise ValueError(f"the segment shares sum to {100 * sum(given.values()) / units:g}%, over 100%")
    if not open_names and left != 0:
        raise ValueError(f"the segment shares sum to {100 * (units - left) / units:g}%, not 100%")
    each = left // len(open_names) if open_names else 0
    amounts = {name: each for name in open_names}
    if open_names:
        amounts[open_names[-1]] += left - each * len(open_names)
    amounts.update(given)
    return [(name, Probability(amounts[name] / units, True)) for name, _ in segments]


def build_journey(draft: Draft, file: str = "<import>") -> Journey:
    """The journey of a draft: clean unique names, each stage leading to the next, the last the goal.

    Parameters
    ----------
    draft : Draft
        What the importer read.
    file : str
        The source file, for a diagnostic about the segment shares.

    Returns
    -------
    Journey
        A journey that checks, ready for :func:`journey_text`.

    Raises
    ------
    ImportFailed
        When the draft has no touchpoint, or its segment shares cannot sum to 100%.
    """
    if not any(stage.touchpoints for stage in draft.stages):
        raise ImportFailed(
            [
                ImportDiagnostic(
                    "JI002",
                    "the file holds no touchpoint to import",
                    Span(file, 1, 1, 1, 2),
                    "a journey needs at least one stage with a touchpoint",
                )
            ],
            {},
        )
    stage_names: set[str] = set()
    touchpoint_names: set[str] = set()
    stages: list[Stage] = []
    drafts = [stage for stage in draft.stages if stage.touchpoints]
    names = [_unique(clean_name(stage.name, "stage"), stage_names) for stage in drafts]
    for index, (stage, name) in enumerate(zip(drafts, names, strict=True)):
        touchpoints = tuple(
            _touchpoint(tp, _unique(clean_name(tp.name, "touchpoint"), touchpoint_names), name)
            for tp in stage.touchpoints
        )
        last = index == len(drafts) - 1
        transitions = () if last else (Transition(name, names[index + 1]),)
        stages.append(Stage(name, goal=last, steps=touchpoints, transitions=transitions))
    segments: list[Segment] = []
    seen: set[str] = set()
    unique_segments = []
    for segment_name, share in draft.segments:
        cleaned = clean_name(segment_name, "segment")
        if cleaned not in seen:
            seen.add(cleaned)
            unique_segments.append((cleaned, share))
    if unique_segments:
        try:
            shares = _percent_shares(unique_segments)
        except ValueError as error:
            raise ImportFailed(
                [
                    ImportDiagnostic(
                        "JI003", str(error), Span(file, 1, 1, 1, 2), "give each share with --share NAME=PERCENT"
                    )
                ],
                {},
            ) from None
        segments = [Segment(name, share=share) for name, share in shares]
    return Journey(clean_name(draft.name, "imported journey"), segments=tuple(segments), stages=tuple(stages))


def _touchpoint(draft: DraftTouchpoint, name: str, stage: str) -> Touchpoint:
    modules = tuple(NamedValue(e.name, e.value, rating=e.rating) for e in draft.effects if e.kind == "module")
    themes = tuple(NamedValue(e.name, e.value) for e in draft.effects if e.kind == "theme")
    performance = tuple(NamedValue(e.name, e.value) for e in draft.effects if e.kind == "performance")
    return Touchpoint(
        name,
        draft.channel,
        capacity=draft.capacity,
        duration=draft.duration,
        cost=draft.cost,
        moment_of_truth=draft.moment_of_truth,
        effects=Effects(modules=modules, themes=themes, performance=performance),
        stage=stage,
    )


# ---- the text ----------------------------------------------------------------------------------


def _comment(text: str) -> str:
    """One comment line: the text with no line break or control character (``#`` runs to the line's end)."""
    return "# " + clean_name(text, "").replace("\\", "\\\\") if text else "#"


def journey_text(journey: Journey, *, source: str, command: str, notes: Sequence[str] = ()) -> str:
    """The journey as formatted ``.journey`` text, headed by comments naming its source and the command.

    The text comes from the language's writer (:func:`journeydsl.lang.writer.write_journey`),
    in the layout of ``journey fmt``.

    Parameters
    ----------
    journey : Journey
        The journey built by :func:`build_journey`.
    source : str
        The file it was imported from, as named on the command line.
    command : str
        The command that imported it (shell-quoted).
    notes : sequence of str
        What the source held that the language does not; one comment each.

    Returns
    -------
    str
        The text, ending in a newline.
    """
    header = [
        _comment(f"Imported from {source} by journeydsl."),
        _comment(f"Command: {command}"),
        *(_comment(note) for note in notes),
    ]
    body = write_journey(journey)
    return "\n".join(header) + "\n\n" + body.lstrip("\n") + ("" if body.endswith("\n") else "\n")


def with_segments(draft: Draft, shares: dict[str, float]) -> Draft:
    """The draft with shares given on the command line for its segments (others share what is left).

    A share naming a segment the draft does not have adds it.
    """
    if not shares:
        return draft
    segments = [(name, shares.get(clean_name(name), share)) for name, share in draft.segments]
    named = {clean_name(name) for name, _ in draft.segments}
    segments += [(name, share) for name, share in shares.items() if name not in named]
    return replace(draft, segments=tuple(segments))
