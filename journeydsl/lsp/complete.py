"""Completion in context: what may be written at the cursor, from the text before it and the names defined.

The block the cursor stands in (a journey, stage, segment, touchpoint's effects,
settings block, design ...) is found by counting the braces before it (strings
and comments skipped); the words just before the cursor on its line narrow it
down: after ``->`` come stage names and ``exit``, after ``touchpoint NAME:`` a
channel, after ``use`` or ``recover by`` a touchpoint, after ``if segment`` a
segment, after ``theme`` a theme, after ``performance`` a factor, after
``extends`` or ``beats`` a design, inside ``memory { }`` its settings.  Names
come from the last text that parsed (:class:`~journeydsl.lsp.index.Index`),
since a line being typed rarely parses.

Examples
--------
>>> [c.label for c in complete("stage a {\\n  touchpoint t: ", None)][:3]
['advertising', 'pr', 'staff']
>>> "peak" in [c.label for c in complete("journey J {\\n  memory { pe", None)]
True
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from ..lang.loader import JOURNEY_SUFFIX
from ..lang.vocabulary import (
    CHANNELS,
    CONDITION_SUBJECTS,
    DISTRIBUTIONS,
    FACTORS,
    MODULES,
    PHASES,
    SETTINGS,
    THEMES,
)
from .index import Index, written_name
from .knowledge import ALL_KEYWORDS, KEYWORD_HELP, METRIC_HELP, format_value

__all__ = [
    "Candidate",
    "complete",
    "journey_files",
    "distribution_call",
    "partial_word",
    "enclosing_block",
    "code_only",
    "in_comment",
]


class Candidate(NamedTuple):
    """One completion: its label, what kind of thing it is, a short detail and the text to insert."""

    label: str
    kind: str  # "keyword" | "stage" | "touchpoint" | "segment" | "design" | "episode" | "word" | "setting" | "snippet" | "file"
    detail: str
    insert: str


#: The word being typed: a name or a keyword (a quoted name not yet closed is found by counting quotes).
_PARTIAL = re.compile(r"[A-Za-z_][\w\-]*$")

_BLOCK_ITEMS: dict[str, tuple[str, ...]] = {
    "journey": (
        "time unit",
        "horizon",
        "arrivals",
        "seed",
        "visit limit",
        "factor",
        "segment",
        "stage",
        "touchpoint",
        "care",
        "variant",
        "expect",
        "survey",
        "episode",
        "hours",
    ),
    "library": ("factor", "segment", "touchpoint", "care"),
    "stage": ("touchpoint", "use", "choice", "after", "visit limit", "->", "repeat ->"),
    "choice": ("touchpoint", "use"),
    "segment": ("patience", "expect", "importance", "sensitivity", "value", "tier"),
    "effects": ("theme", "performance", "variability", "failure"),
    "variant": ("add", "remove", "replace", "change", "order", "hours"),
    "change stage": ("->", "repeat ->", "after", "visit limit"),
    "episode": ("stages", "decides return"),
    "hours": ("mon-fri", "sat", "sun", "closed", "start", "at closing serve", "at closing turn away"),
    "survey": ("factor",),
    "top": ("import", "journey", "library"),
}


def _comment_start(line: str) -> int | None:
    """Where a ``#`` comment starts on a line (outside quotes), if it has one."""
    quoted = escaped = False
    for index, char in enumerate(line):
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "#":
            return index
    return None


def code_only(line: str) -> str:
    """A line with its quoted names and its comment blanked out (same length), so words in them are not keywords.

    Examples
    --------
    >>> code_only('stage "goal setting" goal { # the goal').rstrip()
    'stage "            " goal {'
    """
    start = _comment_start(line)
    code = line if start is None else line[:start] + " " * (len(line) - start)
    return _QUOTED.sub(_blank_inside, code)


#: A quoted name, closed or not yet closed at the end of the line.
_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"?')


def _blank_inside(match: re.Match[str]) -> str:
    text = match.group()
    closed = len(text) > 1 and text.endswith('"')
    return '"' + " " * (len(text) - (2 if closed else 1)) + ('"' if closed else "")


def in_comment(before: str) -> bool:
    """True when the end of ``before`` (a line up to the cursor) is inside a ``#`` comment.

    Examples
    --------
    >>> in_comment("  stage a # next "), in_comment('  stage "#1" {')
    (True, False)
    """
    return _comment_start(before) is not None


def distribution_call(before: str) -> tuple[str, int] | None:
    """The distribution whose parentheses the end of ``before`` stands in, and the argument's index.

    Examples
    --------
    >>> distribution_call("  touchpoint t: staff duration normal(5 min, "), distribution_call("feel +1")
    (('normal', 1), None)
    """
    match = re.search(r"\b([A-Za-z_]\w*)\s*\(([^()]*)$", before)
    if match is None or match.group(1) not in DISTRIBUTIONS:
        return None
    return match.group(1), match.group(2).count(",")


def partial_word(before: str) -> str:
    """The word being typed at the end of ``before`` (empty when the cursor follows a space).

    Examples
    --------
    >>> partial_word("  -> pa"), partial_word('  if segment "big sp'), partial_word('variant "x" extends ')
    ('pa', '"big sp', '')
    """
    line = before[before.rfind("\n") + 1 :]
    if line.replace('\\"', "").count('"') % 2 == 1:
        return line[line.rfind('"') :]
    match = _PARTIAL.search(line)
    return match.group() if match else ""


def enclosing_block(text: str) -> str:
    """The kind of block the end of ``text`` stands in: ``"journey"``, ``"stage"``, ``"effects"``, a settings block's name ...

    Examples
    --------
    >>> enclosing_block('journey "J" {\\n stage a {\\n touchpoint t: staff { feel +1 ')
    'effects'
    >>> enclosing_block('journey "J" {\\n stage a { }\\n ')
    'journey'
    >>> enclosing_block('journey "J" {\\n stage "not closed {\\n stage b {\\n ')
    'stage'
    """
    stack: list[tuple[int, int]] = []  # each open `{` with where its statement starts
    statement = 0
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "#":
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
            continue
        if char == '"':
            close = text.find('"', index + 1)
            newline = text.find("\n", index + 1)
            if close < 0 or 0 <= newline < close:  # a string not closed on its line ends with the line
                index = length if newline < 0 else newline
                continue
            index = close
        elif char == "{":
            stack.append((index, statement))
            statement = index + 1
        elif char == "}":
            if stack:
                stack.pop()
            statement = index + 1
        elif char in "\n;":
            statement = index + 1
        index += 1
    if not stack:
        return "top"
    opened, start = stack[-1]
    header = text[start:opened].strip()
    words = header.split()
    first = words[0] if words else ""
    if first in ("journey", "library", "stage", "choice", "segment", "variant", "episode", "hours", "survey"):
        return first
    if first == "change" and len(words) > 1 and words[1] in ("stage", "segment"):
        return f"change {words[1]}" if words[1] == "stage" else "segment"
    if len(words) == 1 and first in SETTINGS:
        return first
    if first in ("touchpoint", "care", "failure", "change", "replace", "add") or ":" in header or "%" in header:
        return "effects"
    return "unknown"


def _names(index: Index | None, kind: str, detail: str) -> list[Candidate]:
    if index is None:
        return []
    return [Candidate(name, kind, detail, written_name(name)) for name in index.names(kind)]


def _words(table: dict[str, str], kind: str) -> list[Candidate]:
    return [Candidate(word, "word", f"{kind}: {meaning}", word) for word, meaning in table.items()]


def _keywords(words: tuple[str, ...]) -> list[Candidate]:
    found = []
    for word in words:
        help_text = KEYWORD_HELP.get(word.split()[0])
        found.append(
            Candidate(word, "keyword" if word[0].isalpha() else "snippet", help_text[0] if help_text else "", word)
        )
    return found


def _settings_blocks() -> list[Candidate]:
    return [
        Candidate(block, "setting", "settings block: " + ", ".join(keys), block + " { }")
        for block, keys in SETTINGS.items()
    ]


#: A name as written: bare or quoted.
_NAME = r'(?:"[^"\n]*"|[A-Za-z_][\w\-]*)'
#: Where a time unit may follow: after a number of a duration, delay, horizon, period or patience,
#: inside a distribution's parentheses, after `per` and after `time unit`.
_TIME_FOLLOWS = re.compile(
    r"(?:\b(?:duration|after|horizon|over|every|patience)\s+[\d.]+\s+"
    r"|\b(?:" + "|".join(DISTRIBUTIONS) + r")\s*\([^()]*[\d.]\s+"
    r"|\bper\s+|\btime\s+unit\s+)$"
)
#: The time units offered, in their usual spelling.
_UNITS: dict[str, str] = {
    "s": "seconds",
    "min": "minutes",
    "h": "hours",
    "days": "days",
    "weeks": "weeks",
    "months": "months (30 days)",
    "years": "years (365 days)",
    "day": "per day, one day",
    "hour": "per hour, one hour",
    "year": "per year, one year",
}
#: What may follow a touchpoint's channel (or `change NAME` in a design).
_ATTRIBUTES = (
    "capacity",
    "duration",
    "cost",
    "moment of truth",
    "share",
    "for all",
    "for tier",
    "for segment",
    "every",
    "staff cost",
)

#: How deep below the document's folder ``import "`` looks for journey files, how many it offers,
#: and how many folders it looks into at most (a document in a home folder must not walk the disk).
IMPORT_DEPTH, IMPORT_FILES, IMPORT_FOLDERS = 3, 200, 500


def journey_files(folder: Path, exclude: Path | None = None) -> list[str]:
    """The ``.journey`` files below ``folder`` (hidden folders skipped), as an import writes them.

    At most :data:`IMPORT_FILES` files, :data:`IMPORT_DEPTH` folders deep, from at most
    :data:`IMPORT_FOLDERS` folders, with ``/`` between folders.
    """
    found: list[str] = []
    for visited, (directory, folders, files) in enumerate(os.walk(folder)):
        if visited >= IMPORT_FOLDERS:
            break
        depth = len(Path(directory).relative_to(folder).parts)
        folders[:] = sorted(
            f for f in folders if not f.startswith(".") and f != "node_modules" and depth < IMPORT_DEPTH
        )
        for name in sorted(files):
            path = Path(directory, name)
            if name.endswith(JOURNEY_SUFFIX) and (exclude is None or path.resolve() != exclude.resolve()):
                found.append(path.relative_to(folder).as_posix())
                if len(found) >= IMPORT_FILES:
                    return found
    return found


def complete(
    text: str, index: Index | None, folder: Path | None = None, document: Path | None = None
) -> list[Candidate]:
    """What may be written at the end of ``text`` (the document up to the cursor).

    Parameters
    ----------
    text : str
        The document's text up to the cursor.
    index : Index or None
        The names of the last text that parsed.
    folder : Path, optional
        The document's folder: after ``import "`` its journey files are offered.
    document : Path, optional
        The document's own file, never offered for import.

    Returns
    -------
    list of Candidate
        In a sensible order; the editor filters them by the word being typed.
    """
    line = text[text.rfind("\n") + 1 :]
    if in_comment(line):
        return []
    if re.fullmatch(r'\s*import\s+"[^"]*', line):
        if folder is None:
            return []
        return [Candidate(path, "file", "journey file", f'"{path}"') for path in journey_files(folder, document)]
    partial = partial_word(line)
    head = line[: len(line) - len(partial)]
    block = enclosing_block(text)
    statement = re.split(r"[;{}]", head)[-1]

    if re.search(r"->\s*$", head):
        return [*_names(index, "stage", "stage"), Candidate("exit", "keyword", "leave the journey", "exit")]
    if re.search(r'\b(?:touchpoint|care)\s+(?:"[^"\n]*"|[\w\-]+)\s*:\s*$', head):
        return _words(CHANNELS, "channel")
    if re.search(r"\b(?:use|recover\s+by|of\s+touchpoint)\s+$", head) or (
        block == "variant" and re.search(r"\b(?:before|after)\s+$", head)
    ):
        return _names(index, "touchpoint", "touchpoint")
    if re.search(r"\b(?:if|and|for|of|remove|change)\s+segment\s+$", head):
        return _names(index, "segment", "segment")
    if re.search(r"\b(?:of|remove|change)\s+stage\s+$|^\s*order\s+$|\bstages\s+(?:[\w\-\"]+\s*,\s*)*$", statement) or (
        block == "variant" and re.search(r"\bin\s+$", head) and "add" in statement
    ):
        return _names(index, "stage", "stage")
    if re.search(r"\bof\s+episode\s+$", head):
        return _names(index, "episode", "episode")
    if re.search(r"\b(?:beats|matches)\s+$", head):
        return [
            *_names(index, "design", "design"),
            Candidate("baseline", "design", "the journey as written", "baseline"),
        ]
    if re.search(r"\bextends\s+$", head) or re.search(r"^\s*expect\b.*\bin\s+$", statement):
        return _names(index, "design", "design")
    if re.search(r"^\s*expect\s+\S+\s+of\s+$", statement):
        return _keywords(("segment", "stage", "touchpoint", "episode"))
    if block in ("journey", "unknown") and re.search(r"^\s*expect\s+$", statement):
        metrics = [Candidate(m, "word", f"metric: {meaning}", m) for m, meaning in METRIC_HELP.items()]
        return [*metrics, *_names(index, "design", "design")]
    if re.search(r"\btheme\s+$", head):
        return _words(THEMES, "theme")
    if re.search(r"\b(?:performance|importance|expect)\s+$", head) or re.search(r"^\s*factor\s+$", statement):
        return _words(FACTORS, "factor")
    if re.search(r"\bsensitivity\s+$", head):
        return _words(MODULES, "module")
    if re.search(r"\bduration\s+$", head):
        return [Candidate(d, "word", "distribution: " + ", ".join(p), f"{d}()") for d, (_, p) in DISTRIBUTIONS.items()]
    if re.search(r"\b(?:if|and)\s+$", head):
        subjects = _words(CONDITION_SUBJECTS, "customer state")
        return [*subjects, *_keywords(("segment", "tier"))]
    if block == "variant" and re.search(r"^\s*(?:remove|change|replace)\s+$", statement):
        return [*_names(index, "touchpoint", "touchpoint"), *_keywords(("stage", "segment", "care"))]
    if block in SETTINGS:
        return [
            Candidate(key, "setting", f"default {format_value(s.default)}: {s.doc}", key)
            for key, s in SETTINGS[block].items()
        ]
    if _TIME_FOLLOWS.search(statement):
        return [Candidate(unit, "word", f"time unit: {meaning}", unit) for unit, meaning in _UNITS.items()]
    if re.search(r"^\s*arrivals\s+$", statement):
        return _keywords(("poisson", "cohort", "market"))
    if re.search(rf"^\s*stage\s+{_NAME}\s+(?:\([\w\-]*\)\s*)?$", statement) or re.search(
        rf"^\s*stage\s+{_NAME}\s*\($", statement
    ):
        opened = statement.rstrip().endswith("(")
        phases = [Candidate(p, "word", "purchase phase", p if opened else f"({p})") for p in PHASES]
        return [*phases, *_keywords(("goal",))] if not opened else phases
    if re.search(rf"^\s*(?:add\s+)?(?:touchpoint|care)\s+{_NAME}\s*:\s*[\w\-]+\b.*\s$", statement) or (
        block == "variant" and re.search(rf"^\s*change\s+{_NAME}\s+(?:.*\s)?$", statement)
    ):
        return _keywords(_ATTRIBUTES)
    if statement.strip():
        return []  # inside a statement that none of the above knows: nothing sensible to offer
    if block == "effects":
        return [*_words(MODULES, "module"), *_keywords(_BLOCK_ITEMS["effects"])]
    items = _BLOCK_ITEMS.get(block)
    if items is None:
        return _keywords(ALL_KEYWORDS)
    found = _keywords(items)
    if block in ("journey", "library", "segment", "variant"):
        found.extend(_settings_blocks())
    return found
