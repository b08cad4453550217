"""A spreadsheet journey map (CSV, one row per touchpoint) to a journey.

The columns (docs/import.md, "Spreadsheet journey maps"; a template is at
``examples/import/journey-map-template.csv``); headers are matched without
regard to case, blanks, ``-`` and ``_``, in any order:

============================  ========  ======================================================
column                        needed    what it holds
============================  ========  ======================================================
``stage``                     yes       the stage; stages follow in the order they first appear
``touchpoint``                yes       the touchpoint's name
``channel``                   yes       one of the language's channels (``staff``, ``digital``...)
``duration``                  no        ``5 min``, ``exponential(3 min)`` (as in the language)
``cost``                      no        cost per contact (a number)
``capacity``                  no        servers (a whole number)
``moment of truth``           no        ``yes``/``no`` (also ``x``, ``true``, ``1``)
``segment``                   no        segments meeting it, separated by ``;``
``sense`` ... ``relate``      no        a module effect: ``+2`` (-5..+5), ``7/10`` or ``rating 7/10``, ``pain 8/10``
``trust`` ... ``identity``    no        a theme effect, -5..+5 (also headed ``theme trust``)
``performance FACTOR``        no        how well it performs on a factor, 0..10
``notes``, ``comment``        no        ignored
============================  ========  ======================================================

An empty cell means "not given".  The file may be comma-, semicolon- or
tab-separated (as spreadsheets save CSV in different locales), with or without
a byte-order mark.  Every problem (a missing or unknown column, a value that
is not one) is reported with its line and column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from pathlib import PurePath

from ..diagnostics import did_you_mean
from ..model import Rating
from ..vocabulary import CHANNELS, FACTORS, MODULES, THEMES
from .base import Draft, DraftEffect, DraftStage, DraftTouchpoint, Source, clean_name, parse_duration

__all__ = ["read_csv_map", "COLUMNS"]

#: The columns and what each holds (for the docs and the did-you-mean hints).
COLUMNS: dict[str, str] = {
    "stage": "the stage (required)",
    "touchpoint": "the touchpoint's name (required)",
    "channel": "the channel (required)",
    "duration": "how long it takes: 5 min, exponential(3 min)",
    "cost": "cost per contact",
    "capacity": "servers",
    "moment of truth": "yes or no",
    "segment": "segments meeting it, separated by ;",
    **{module: f"module effect: -5..+5 or R/10 ({text})" for module, text in MODULES.items()},
    **{f"theme {theme}": f"theme effect -5..+5 ({text})" for theme, text in THEMES.items()},
    **{f"performance {factor}": f"performance 0..10 ({text})" for factor, text in FACTORS.items()},
    "notes": "ignored",
    "comment": "ignored",
}

REQUIRED = ("stage", "touchpoint", "channel")
_YES = {"yes", "y", "x", "true", "1", "ja", "oui", "si"}
_NO = {"no", "n", "false", "0", ""}
_RATING = re.compile(r"^\s*(?:(rating|pain)\s+)?([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*/\s*(\d+(?:\.\d*)?)\s*$")
_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*$")


def _key(header: str) -> str:
    """A header as compared: lower case, ``-``/``_`` as blanks, blanks collapsed."""
    return " ".join(header.lower().replace("_", " ").replace("-", " ").split())


def _compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


_ALIASES = {
    "touchpoints": "touchpoint",
    "stages": "stage",
    "segments": "segment",
    "note": "notes",
    "mot": "moment of truth",
}
_LOOKUP = {
    **{_compact(column): column for column in COLUMNS},
    **{_compact(theme): f"theme {theme}" for theme in THEMES},
    **{_compact(alias): column for alias, column in _ALIASES.items()},
}


def _column(header: str) -> str | None:
    """The column a header names, or ``None``: ``Feel``, ``theme_trust``, ``trust``, ``Touch point`` all match.

    Examples
    --------
    >>> _column("Touch_Point"), _column("Moment-of-truth"), _column("trust"), _column("colour")
    ('touchpoint', 'moment of truth', 'theme trust', None)
    """
    return _LOOKUP.get(_compact(header))


def _cell_columns(raw: str, delimiter: str) -> Iterator[int]:
    """The 1-based column where each cell of one physical line starts (quotes honoured)."""
    yield 1
    quoted = False
    for index, char in enumerate(raw):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            yield index + 2


def _delimiter(header_line: str) -> str:
    """The separator of the file: whichever of ``,``, ``;`` and tab its header line holds most of."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def read_csv_map(text: str, file: str) -> Draft:
    """Read a spreadsheet journey map into a draft journey.

    Parameters
    ----------
    text : str
        The CSV text.
    file : str
        Its name, for diagnostics and the journey's name (the file's name without its suffix).

    Returns
    -------
    Draft
        Stages in order of first appearance, touchpoints in row order, the segments named.

    Raises
    ------
    ImportFailed
        With a diagnostic for every missing or unknown column and every bad value.

    Examples
    --------
    >>> draft = read_csv_map("stage,touchpoint,channel,feel,trust\\nvisit,greeting,staff,7/10,+1\\n", "shop.csv")
    >>> draft.name, [(e.kind, e.name, e.value) for e in draft.stages[0].touchpoints[0].effects]
    ('shop', [('module', 'feel', 2.0), ('theme', 'trust', 1.0)])
    """
    source = Source(text, file)
    first = next((i for i, line in enumerate(source.lines) if line.strip()), None)
    if first is None:
        source.fail(
            "JI002", "the file is empty", 1, 1, 1, "the first line names the columns: stage,touchpoint,channel,..."
        )
    declared = source.lines[first].strip()
    sep_line = 0
    if len(declared) == 5 and declared.lower().startswith("sep="):  # Excel's "sep=;" first line
        delimiter, sep_line = declared[4], first + 1
    else:
        delimiter = _delimiter(source.lines[first])
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=delimiter, strict=True)
    rows = []
    starts: list[int] = []
    try:
        while True:
            start = reader.line_num + 1
            row = next(reader)
            rows.append(row)
            starts.append(start)
    except StopIteration:
        pass
    except csv.Error as error:
        source.fail("JI204", f"the CSV cannot be read: {error}", reader.line_num or 1, 1, 1, "a quote may be unclosed")
    header_index = next(
        (i for i, row in enumerate(rows) if starts[i] > sep_line and any(cell.strip() for cell in row)), None
    )
    if header_index is None:
        source.fail(
            "JI002",
            "the file names no columns",
            1,
            1,
            1,
            "the first line names the columns: stage,touchpoint,channel,...",
        )
    header, header_line = rows[header_index], starts[header_index]
    header_columns = list(_cell_columns(source.lines[header_line - 1], delimiter))
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _column(cell)
        at = header_columns[index] if index < len(header_columns) else 1
        if not cell.strip():
            continue
        if name is None:
            source.problem(
                "JI202",
                f"`{cell.strip()}` is not a column of a journey map",
                header_line,
                at,
                len(cell),
                did_you_mean(_key(cell), [*COLUMNS, *THEMES]) or "see docs/import.md for the columns",
            )
        elif name in columns:
            source.problem("JI202", f"column `{name}` is given twice", header_line, at, len(cell), "keep one of them")
        else:
            columns[name] = index
    for required in REQUIRED:
        if required not in columns:
            source.problem(
                "JI201",
                f"the journey map has no `{required}` column",
                header_line,
                1,
                len(source.lines[header_line - 1]) or 1,
                f"the first line names the columns; `stage`, `touchpoint` and `channel` are needed (see {_template()})",
            )
    source.fail_if_problems()
    stages: dict[str, list[DraftTouchpoint]] = {}
    stage_lines: dict[str, int] = {}
    segments: list[str] = []
    for row, line in zip(rows[header_index + 1 :], starts[header_index + 1 :], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        cells = list(_cell_columns(source.lines[line - 1], delimiter)) if line - 1 < len(source.lines) else []
        touchpoint = _row(source, row, line, cells, columns, decimal_comma=delimiter != ",")
        if touchpoint is None:
            continue
        stage = clean_name(_cell(row, columns, "stage"), "")
        stages.setdefault(stage, []).append(touchpoint)
        stage_lines.setdefault(stage, line)
        segments.extend(s for s in touchpoint.segments if s not in segments)
    source.fail_if_problems()
    notes = []
    if any(tp.segments and set(tp.segments) != set(segments) for tps in stages.values() for tp in tps):
        notes.append(
            "Segments named in the segment column share customers equally; every customer meets every touchpoint."
        )
    return Draft(
        PurePath(file).stem or "imported journey",
        tuple(DraftStage(name, tuple(tps), stage_lines[name]) for name, tps in stages.items()),
        tuple((segment, None) for segment in segments),
        tuple(notes),
    )


def _template() -> str:
    return "examples/import/journey-map-template.csv"


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _row(
    source: Source, row: list[str], line: int, cells: list[int], columns: dict[str, int], *, decimal_comma: bool
) -> DraftTouchpoint | None:
    """One row as a touchpoint; diagnostics (and ``None``) for its bad cells.

    In a file not separated by commas, a decimal comma (``0,5``) is read as a point.
    """
    before = len(source.problems)

    def number_text(name: str) -> str:
        value = _cell(row, columns, name)
        return value.replace(",", ".") if decimal_comma else value

    def at(name: str) -> int:
        index = columns[name]
        return cells[index] if index < len(cells) else 1

    def bad(name: str, message: str, hint: str) -> None:
        source.problem("JI203", message, line, at(name), max(1, len(_cell(row, columns, name))), hint)

    for required in REQUIRED:
        if not _cell(row, columns, required):
            bad(required, f"the `{required}` cell is empty", f"every row needs a {required}")
    channel = _cell(row, columns, "channel").lower()
    if channel and channel not in CHANNELS:
        bad(
            "channel",
            f"`{channel}` is not a channel",
            did_you_mean(channel, CHANNELS) or f"one of {', '.join(CHANNELS)}",
        )
    duration = None
    if _cell(row, columns, "duration"):
        try:
            duration = parse_duration(number_text("duration"))
        except ValueError as error:
            bad("duration", str(error), "write a time such as `5 min` or `exponential(3 min)`")
    numbers: dict[str, float | None] = {}
    for name in ("cost", "capacity"):
        value = number_text(name)
        numbers[name] = None
        if value:
            if not _NUMBER.match(value) or float(value) < 0:
                bad(name, f"{name} `{value}` is not a number of 0 or more", f"write the {name} as a plain number")
            else:
                numbers[name] = float(value)
    truth_text = _cell(row, columns, "moment of truth").lower()
    if truth_text not in _YES | _NO:
        bad("moment of truth", f"`{truth_text}` is not yes or no", "write yes or no (or leave it empty)")
    effects: list[DraftEffect] = []
    for name in columns:
        kind, _, subject = name.partition(" ")
        value = number_text(name)
        if not value:
            continue
        if name in MODULES:
            effect = _module_effect(name, value)
            if effect is None:
                bad(name, f"`{value}` is not an effect", "write -5..+5 (`+2`), a rating `7/10` or a pain `pain 8/10`")
            else:
                effects.append(effect)
        elif kind in ("theme", "performance"):
            low, high = (-5.0, 5.0) if kind == "theme" else (0.0, 10.0)
            if not _NUMBER.match(value) or not low <= float(value) <= high:
                bad(
                    name,
                    f"`{value}` is not a {kind} from {low:g} to {high:g}",
                    f"write a number from {low:g} to {high:g}",
                )
            else:
                effects.append(DraftEffect(kind, subject, float(value)))
    segments = tuple(clean_name(s) for s in re.split(r"[;,]", _cell(row, columns, "segment")) if s.strip())
    if len(source.problems) > before:
        return None
    return DraftTouchpoint(
        _cell(row, columns, "touchpoint"),
        channel,
        line,
        effects=tuple(effects),
        duration=duration,
        cost=numbers["cost"],
        capacity=numbers["capacity"],
        moment_of_truth=truth_text in _YES and truth_text != "",
        segments=segments,
    )


def _module_effect(name: str, value: str) -> DraftEffect | None:
    """A module cell: ``+2`` on -5..+5, or a rating ``7/10``, ``rating 7/10``, ``pain 8/10``."""
    if _NUMBER.match(value):
        number = float(value)
        return DraftEffect("module", name, number) if -5.0 <= number <= 5.0 else None
    match = _RATING.match(value)
    if match is None:
        return None
    score, out_of = float(match.group(2)), float(match.group(3))
    if not (out_of > 0 and 0 <= score <= out_of and math.isfinite(score)):
        return None
    rating = Rating(match.group(1) or "rating", score, out_of)
    return DraftEffect("module", name, rating.effect, rating)
