"""Diagnostics: one type for every problem journeydsl reports, with stable codes.

A diagnostic has a code (``JD101``), a severity, a message a designer
understands, the span it points at, an optional hint and optional related
spans ("first defined here").  Codes never change meaning once released; the
table :data:`CODES` is the single list of them and is rendered into
``docs/diagnostics.md``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from .model import NO_SPAN, Span

__all__ = [
    "ERROR",
    "WARNING",
    "CODES",
    "Diagnostic",
    "JourneyError",
    "did_you_mean",
    "Hints",
    "HINT_BUDGET",
    "has_errors",
    "CONTROL_CHARACTER",
    "describe_character",
    "printable",
    "sort_diagnostics",
]

ERROR = "error"
WARNING = "warning"

#: Every diagnostic code with its severity and a one-line title.
CODES: dict[str, tuple[str, str]] = {
    # input and syntax
    "JD001": (ERROR, "syntax error"),
    "JD002": (ERROR, "missing closing brace"),
    "JD003": (ERROR, "unexpected end of file"),
    "JD004": (ERROR, "misspelt keyword"),
    "JD005": (ERROR, "unknown time unit"),
    "JD006": (ERROR, "unexpected character"),
    "JD007": (ERROR, "file is not UTF-8 text"),
    "JD008": (ERROR, "empty file"),
    "JD009": (ERROR, "file cannot be read"),
    "JD010": (ERROR, "unclosed string"),
    "JD011": (ERROR, "file too large"),
    "JD012": (ERROR, "control character in a name or path"),
    # names
    "JD101": (ERROR, "undefined stage"),
    "JD102": (ERROR, "duplicate name"),
    "JD103": (ERROR, "unknown channel"),
    "JD104": (ERROR, "unknown experience module"),
    "JD105": (ERROR, "unknown experience theme"),
    "JD106": (ERROR, "unknown experience factor"),
    "JD107": (ERROR, "undefined segment"),
    "JD108": (ERROR, "undefined touchpoint"),
    "JD109": (ERROR, "unknown setting"),
    "JD110": (ERROR, "unknown purchase phase"),
    "JD111": (ERROR, "unknown distribution"),
    "JD112": (ERROR, "unknown state in a condition"),
    "JD113": (ERROR, "undefined tier"),
    "JD114": (ERROR, "reserved name"),
    # values
    "JD201": (ERROR, "probability out of range"),
    "JD202": (ERROR, "probabilities sum over 100%"),
    "JD203": (ERROR, "segment shares do not sum to 100%"),
    "JD204": (ERROR, "duration or time not positive"),
    "JD205": (ERROR, "missing unit"),
    "JD206": (ERROR, "capacity below 1"),
    "JD207": (ERROR, "effect outside the scale"),
    "JD208": (ERROR, "choice shares do not sum to 100%"),
    "JD209": (ERROR, "invalid distribution parameters"),
    "JD210": (ERROR, "setting out of range"),
    "JD211": (ERROR, "attribute not allowed here"),
    "JD212": (ERROR, "missing attribute"),
    "JD213": (ERROR, "more than one transition takes the remainder"),
    "JD214": (ERROR, "negative amount"),
    "JD215": (ERROR, "whole number expected"),
    "JD216": (ERROR, "setting given twice"),
    "JD217": (ERROR, "number too large"),
    "JD218": (ERROR, "run too large"),
    "JD230": (ERROR, "rating not out of 10"),
    # JD24x: remembered episodes
    "JD240": (ERROR, "episode names an undefined stage"),
    "JD241": (ERROR, "episode without stages"),
    "JD242": (ERROR, "episode declared twice"),
    "JD243": (ERROR, "more than one episode decides return"),
    "JD244": (ERROR, "design test of an undefined episode"),
    # structure
    "JD301": (ERROR, "unreachable stage"),
    "JD302": (ERROR, "trap: no way out"),
    "JD303": (ERROR, "no goal stage"),
    "JD304": (ERROR, "no stages"),
    "JD305": (ERROR, "no journey in file"),
    "JD306": (ERROR, "loop that every customer goes round"),
    # imports
    "JD401": (ERROR, "imported file not found"),
    "JD402": (ERROR, "import leaves the project"),
    "JD403": (ERROR, "import cycle"),
    "JD404": (ERROR, "imported file is not a library"),
    "JD405": (ERROR, "imported file is not a .journey file"),
    # warnings
    "JD501": (WARNING, "touchpoint has no effect"),
    "JD502": (WARNING, "loop without a visit limit"),
    "JD503": (WARNING, "stage has no touchpoints"),
    "JD504": (WARNING, "library touchpoint never used"),
    "JD505": (WARNING, "large run"),
    # JD6xx: designs (variants)
    "JD601": (ERROR, "undefined design"),
    "JD602": (ERROR, "designs build on each other in a cycle"),
    "JD603": (ERROR, "order does not list the stage's steps"),
    # JD61x: design tests
    "JD611": (ERROR, "a design test measures something unknown"),
    "JD612": (ERROR, "a design test's margin is not positive"),
    "JD613": (ERROR, "a design test's margin is not in the metric's unit"),
    "JD614": (ERROR, "a design test's margin is beyond the metric's range"),
    # JD7xx: opening hours, staffing and care budgets
    "JD701": (ERROR, "unknown weekday"),
    "JD702": (ERROR, "not a time of day"),
    "JD703": (ERROR, "opening hours end before they start"),
    "JD704": (ERROR, "opening hours overlap"),
    "JD705": (ERROR, "no opening hours"),
    "JD706": (WARNING, "arrival weight outside opening hours"),
    "JD707": (ERROR, "staff cost not per hour"),
    "JD708": (WARNING, "care budget allows no care contact"),
}


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a journey, pointing at the text that caused it."""

    code: str
    message: str
    span: Span = NO_SPAN
    hint: str | None = None
    related: tuple[tuple[str, Span], ...] = field(default=())

    @property
    def severity(self) -> str:
        """``"error"`` or ``"warning"``, fixed by the code."""
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        """True for errors, which make ``journey check`` fail."""
        return self.severity == ERROR

    def to_dict(self) -> dict[str, object]:
        """The diagnostic as plain data, for ``--format json``."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "hint": self.hint,
            "related": [{"message": m, "file": s.file, "line": s.line, "column": s.column} for m, s in self.related],
        }


class JourneyError(Exception):
    """Raised by the API when a journey has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: dict[str, str] | None = None) -> None:
        self.diagnostics = tuple(diagnostics)
        self.sources = dict(sources or {})
        errors = [d for d in self.diagnostics if d.is_error]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        summary = f"{first.span}: {first.message}" if first else "invalid journey"
        more = len(errors) - 1
        super().__init__(summary + (f" (and {more} more errors)" if more > 0 else ""))


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate to a misspelt word, if one is close.

    Examples
    --------
    >>> did_you_mean("consideraton", ["consideration", "purchase"])
    'did you mean `consideration`?'
    >>> did_you_mean("xyz", ["consideration"]) is None
    True
    """
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            matches = [lowered[word.lower()]]
    return f"did you mean `{matches[0]}`?" if matches else None


#: One control character: C0 (U+0000 to U+001F), DEL (U+007F) or C1 (U+0080 to U+009F).
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f]")

_CHARACTER_NAMES = {
    0x00: "null",
    0x07: "bell",
    0x08: "backspace",
    0x09: "tab",
    0x0A: "line feed",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x0D: "carriage return",
    0x1B: "escape",
    0x7F: "delete",
}


def describe_character(char: str) -> str:
    """A character as a diagnostic names it: its code point, and its name when it has a common one.

    Examples
    --------
    >>> describe_character("\x1b")
    'U+001B (escape)'
    >>> describe_character("\x85")
    'U+0085'
    """
    name = _CHARACTER_NAMES.get(ord(char))
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def printable(text: str) -> str:
    r"""``text`` with each control character written as an escape, so that it is safe to show.

    Examples
    --------
    >>> printable("a\x1b[2Jb.journey")
    'a\\x1b[2Jb.journey'
    """
    return CONTROL_CHARACTER.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


#: Candidates that one :class:`Hints` compares misspelt words with, in all (about a second's work).
HINT_BUDGET = 20_000


class Hints:
    """Did-you-mean hints with a budget, so that many misspellings cost near-linear time.

    Each hint compares a word with every candidate (:func:`did_you_mean`), so a file
    with thousands of undefined names among thousands of defined ones would cost
    millions of comparisons.  A :class:`Hints` remembers the hints it gave (a word
    misspelt a hundred times is compared once) and stops offering new ones once it
    has compared :data:`HINT_BUDGET` candidates; the diagnostics themselves are
    all still reported.

    Parameters
    ----------
    budget : int
        Candidates to compare in all.

    Examples
    --------
    >>> hints = Hints(budget=3)
    >>> hints.did_you_mean("advise", {"advice", "sign"})
    'did you mean `advice`?'
    >>> hints.did_you_mean("sing", {"advice", "sign"}) is None  # 2 more than the 1 left
    True
    """

    def __init__(self, budget: int = HINT_BUDGET) -> None:
        self.remaining = budget
        self._given: dict[tuple[str, int], tuple[Collection[str], str | None]] = {}

    def did_you_mean(self, word: str, candidates: Collection[str]) -> str | None:
        """:func:`did_you_mean`, remembered per word and collection of candidates, within the budget."""
        key = (word, id(candidates))
        given = self._given.get(key)
        if given is not None and given[0] is candidates:
            return given[1]
        if len(candidates) > self.remaining:
            self.remaining = 0
            return None
        self.remaining -= len(candidates)
        hint = did_you_mean(word, candidates)
        self._given[key] = (candidates, hint)  # holding the collection keeps its id from being reused
        return hint


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.is_error for d in diagnostics)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in reading order (file, line, column, code), duplicates removed."""
    unique = {(d.code, d.span, d.message): d for d in diagnostics}
    return sorted(
        unique.values(),
        key=lambda d: (d.span.file, d.span.line, d.span.column, d.code, d.message),
    )
