"""Text to parse tree, and every parse failure to a diagnostic a designer understands.

One cached LALR parser is built from ``grammars/journey.lark``.  Lark's
exceptions are turned into :class:`~journeydsl.lang.diagnostics.Diagnostic` here
and nowhere else, classified into the mistakes designers actually make: a
missing brace, a missing or misspelt unit, a misspelt keyword, a stray
character, an unclosed string.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.grammar import Rule
from lark.tree import Meta

from .diagnostics import CONTROL_CHARACTER, Diagnostic, describe_character, did_you_mean
from .model import NO_SPAN, Span
from .vocabulary import CONDITION_SUBJECTS, KEYWORDS, UNIT_SECONDS

__all__ = [
    "Position",
    "grammar_path",
    "journey_parser",
    "parse_text",
    "decode_source",
    "too_large",
    "MAX_SOURCE_BYTES",
    "MAX_NUMBER_DIGITS",
]

#: Files larger than this are refused with a diagnostic instead of parsed.
MAX_SOURCE_BYTES = 50 * 1024 * 1024
#: Digits a number may have before its decimal point: every number is below 10^15, so that whole
#: numbers are exact as floats and no setting overflows to infinity in the simulation (JD217).
MAX_NUMBER_DIGITS = 15

_PACKAGE = Path(__file__).resolve().parent.parent


def grammar_path() -> Path:
    """The grammar file: inside the installed package, or at the top of a source checkout."""
    for candidate in (_PACKAGE / "grammars" / "journey.lark", _PACKAGE.parent / "grammars" / "journey.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("journeydsl's grammar (grammars/journey.lark) is missing from the installation")


def parser_cache(grammar: str) -> str | bool:
    """Where the built parser is kept between runs, or ``False`` for nowhere.

    Building the LALR tables takes about 0.1 s; loading them from Lark's cache
    about 0.03 s, once per process.  The file lives in the user's cache folder
    (``$JOURNEYDSL_CACHE_DIR``, else ``$XDG_CACHE_HOME/journeydsl``, else
    ``~/.cache/journeydsl``; ``JOURNEYDSL_CACHE_DIR=`` empty turns it off), named
    by a hash of the grammar and the parser's options, and the Python version,
    so installations of other versions do not overwrite each other.  Lark checks
    a hash of the grammar, its options and its own version inside the file and
    builds afresh when it does not match or the file is damaged (it then writes
    it again); a folder that cannot be made means no cache, never an error.

    Parameters
    ----------
    grammar : str
        The grammar's text.

    Returns
    -------
    str or bool
        The cache file's path, or ``False``.
    """
    folder = os.environ.get("JOURNEYDSL_CACHE_DIR")
    if folder == "":
        return False
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "journeydsl")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    options = repr(sorted(_PARSER_OPTIONS.items()))
    digest = hashlib.sha256((grammar + "\0" + options).encode("utf-8")).hexdigest()[:16]
    return os.path.join(folder, f"parser-{digest}-py{sys.version_info[0]}{sys.version_info[1]}.lark-cache")


#: Lark's options for the journey parser.  Positions are not propagated by Lark (its
#: ``propagate_positions`` makes the parse half as slow again): :func:`_record_positions` keeps
#: each rule's first and last token instead.
_PARSER_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "propagate_positions": False,
    "maybe_placeholders": False,
}

#: Where a rule was written, kept on its tree (``tree._meta``) while the file is parsed: its first
#: and last token, then the first and last token of what it was written in (the same unless the
#: rule is its parent's only child and stands for it, ``?rule``).  The transformer turns it into a
#: :class:`~journeydsl.lang.model.Span` (:func:`position_span`).
Position = list[Token]


def _record_positions(parser: Lark) -> bool:
    """Make every rule of ``parser`` record its :data:`Position` as it is reduced; ``False`` if Lark cannot.

    Each of the parser's callbacks (one per rule, called with the rule's
    children, the punctuation and keywords the tree drops included) is wrapped
    by :func:`_positioned`.  It does what Lark's ``propagate_positions`` does
    (a rule starts where its first child starts and ends where its last
    child ends, each child taken whole with what it was written in), keeping
    the two tokens rather than copying ten numbers into a ``Meta``.
    """
    callbacks = getattr(parser, "_callbacks", None)
    try:
        used = parser.parser.parser.parser.callbacks  # ParsingFrontend -> LALR_Parser -> _Parser
    except AttributeError:
        return False
    if not isinstance(callbacks, dict) or used is not callbacks:
        return False
    for rule, callback in list(callbacks.items()):
        if isinstance(rule, Rule):
            callbacks[rule] = _positioned(callback)
    return True


def _positioned(build: Callable[[list[Any]], Any]) -> Callable[[list[Any]], Any]:
    """``build`` (a rule's callback), recording on the tree it returns where the rule was written."""

    def positioned(children: list[Any]) -> Any:
        node = build(children)
        if type(node) is not Tree or not children:
            return node
        # Most rules start and end with a token or with a rule that has a position: look no further.
        first = children[0]
        if type(first) is Tree:
            first = first._meta[2] if first._meta is not None else _edge(children, 2)  # type: ignore[index]
            if first is None:
                return node
        last = children[-1]
        if type(last) is Tree:
            last = last._meta[3] if last._meta is not None else _edge(reversed(children), 3)  # type: ignore[index]
        position = node._meta
        if position is None:
            node._meta = [first, last, first, last]  # type: ignore[assignment]
        else:  # a child standing for its parent (``?rule``): what it was written in grows
            position[2], position[3] = first, last  # type: ignore[index]
        return node

    return positioned


def _edge(children: Iterable[Any], end: int) -> Token | None:
    """The first token of ``children`` in order (``end`` 2) or their last (``end`` 3, children reversed).

    A child rule counts by what it was written in; a child rule without any token (an empty rule) is skipped.
    """
    for child in children:
        if type(child) is not Tree:
            return child
        if child._meta is not None:
            return child._meta[end]  # type: ignore[index]
    return None


def position_span(position: Position | Meta | None, file: str) -> Span:
    """The span of a rule from its :data:`Position` (or Lark's ``Meta``); ``NO_SPAN`` without one."""
    if position is None:
        return NO_SPAN
    if isinstance(position, Meta):  # a parser built with Lark's propagate_positions
        if getattr(position, "empty", True):
            return NO_SPAN
        return Span(file, position.line, position.column, position.end_line, position.end_column)
    first, last = position[0], position[1]
    return Span(file, first.line or 0, first.column or 0, last.end_line or 0, last.end_column or 0)


def position_text(position: Position | Meta | None, source: str) -> str:
    """The text a rule was written as, from its :data:`Position` (or Lark's ``Meta``); ``""`` without one."""
    if position is None or not source:
        return ""
    if isinstance(position, Meta):
        return "" if getattr(position, "empty", True) else source[position.start_pos : position.end_pos]
    return source[position[0].start_pos or 0 : position[1].end_pos or 0]


@lru_cache(maxsize=1)
def journey_parser() -> Lark:
    """The one LALR parser for ``.journey`` files, built on first use (or loaded from :func:`parser_cache`).

    Its trees carry each rule's :data:`Position` (``tree._meta``); should this version of Lark
    build its parser in a way :func:`_record_positions` does not know, Lark's own ``Meta``
    (``propagate_positions``, slower), which :func:`position_span` reads as well.
    """
    grammar = grammar_path().read_text(encoding="utf-8")
    parser = Lark(grammar, **_PARSER_OPTIONS, cache=parser_cache(grammar))
    if not _record_positions(parser):  # pragma: no cover - a Lark whose parser is built differently
        parser = Lark(grammar, **{**_PARSER_OPTIONS, "propagate_positions": True})
    return parser


def too_large(size: int, span: Span) -> Diagnostic:
    """JD011: a file of ``size`` bytes is over :data:`MAX_SOURCE_BYTES`."""
    return Diagnostic(
        "JD011",
        f"file is {size / (1024 * 1024):.0f} MB; journeydsl reads files of at most {MAX_SOURCE_BYTES // (1024 * 1024)} MB",
        span,
        hint="split the journey into a journey file and imported libraries",
    )


def decode_source(data: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """Decode a file's bytes as UTF-8 text, or explain why it is not a journey file."""
    if len(data) > MAX_SOURCE_BYTES:
        return None, [too_large(len(data), Span(file, 1, 1, 1, 1))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [
            Diagnostic(
                "JD007",
                f"byte 0x{data[error.start]:02x} is not UTF-8 text; this does not look like a .journey file",
                Span(file, line, column, line, column + 1),
                hint="save the file as UTF-8 text",
            )
        ]
    return text, []


def parse_text(text: str, file: str) -> tuple[Tree | None, list[Diagnostic]]:
    """Parse journey text; return the tree, or ``None`` and the syntax error as a diagnostic."""
    if not _has_content(text):
        return None, [
            Diagnostic(
                "JD008",
                "the file is empty: it declares no journey",
                Span(file, 1, 1, 1, 1),
                hint='start with `journey "Name" { ... }` (see docs/tutorial.md)',
            )
        ]
    try:
        tree = journey_parser().parse(text)
    except UnexpectedInput as error:
        return None, [_classify(error, text, file)]
    return tree, _written_values(tree, text, file)


# ---- what the grammar lets through but a journey must not hold ----------------------

#: A control character other than a tab or a line end: never part of an ordinary file.
_RARE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: A tab or carriage return between two quotes on one line (a carriage return ending a line is not).
_TAB_OR_CR_IN_QUOTES = re.compile('"[^"\n]*[\t\r][^"\n]*"')
#: A run of digits as long as a number that is too large (or a long fraction: the tokens tell).
_LONG_DIGITS = re.compile(rf"\d{{{MAX_NUMBER_DIGITS + 1}}}")


def _written_values(tree: Tree, text: str, file: str) -> list[Diagnostic]:
    """Problems in what the grammar accepts: control characters in names (JD012), huge numbers (JD217).

    The tree is only walked when the text holds a control character inside quotes
    or a long run of digits, so that ordinary files cost one scan of the text.
    """
    names = bool(_RARE_CONTROL.search(text) or _TAB_OR_CR_IN_QUOTES.search(text))
    numbers = bool(_LONG_DIGITS.search(text))
    if not (names or numbers):
        return []
    problems = []
    for subtree in tree.iter_subtrees():
        for token in subtree.children:
            if not isinstance(token, Token):
                continue
            if names and token.type == "STRING" and subtree.data == "name":
                control = CONTROL_CHARACTER.search(token)
                if control is not None:
                    problems.append(
                        Diagnostic(
                            "JD012",
                            f"this name holds the control character {describe_character(control.group())}",
                            _token_span(file, token),
                            hint="names cannot hold control characters; remove it, or write a space instead",
                        )
                    )
            elif numbers and token.type in ("NUMBER", "PERCENT"):
                digits = len(str(token).strip("+-% \t").split(".")[0].lstrip("0"))
                if digits > MAX_NUMBER_DIGITS:
                    shown = f"`{token}`" if len(token) <= 24 else f"a number of {digits} digits"
                    problems.append(
                        Diagnostic(
                            "JD217",
                            f"{shown} is too large: numbers must be below 10^{MAX_NUMBER_DIGITS}",
                            _token_span(file, token),
                            hint=f"write at most {MAX_NUMBER_DIGITS} digits before the point;"
                            " a larger number is a typo, or would overflow the simulation",
                        )
                    )
    return problems


def _has_content(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return True
    return False


# ---- classification of syntax errors -----------------------------------------------

_WORD_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*|[+-]?\d+(?:\.\d*)?%?)\s*$")

_TERMINAL_NAMES = {
    "NAME": "a name",
    "STRING": "a quoted name",
    "NUMBER": "a number",
    "PERCENT": "a percentage",
    "UNIT": "a time unit",
    "COMPARATOR": "a comparison (>, <, >=, <=, ==, !=)",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COLON": "`:`",
    "COMMA": "`,`",
    "SEMICOLON": "`;`",
    "$END": "the end of the file",
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    terminal = journey_parser().get_terminal(name) if name else None
    if terminal is not None and terminal.pattern.type == "str":
        return f"`{terminal.pattern.value}`"
    return name.lower()


def _expected_keywords(expected: set[str]) -> list[str]:
    words = []
    for name in expected:
        try:
            terminal = journey_parser().get_terminal(name)
        except KeyError:
            continue
        if terminal.pattern.type == "str" and terminal.pattern.value.isalpha():
            words.append(terminal.pattern.value)
    return words


def _span_at(file: str, line: int, column: int, length: int = 1) -> Span:
    return Span(file, line, column, line, column + max(length, 1))


def _token_span(file: str, token: Token) -> Span:
    length = len(str(token)) if token.type != "$END" else 1
    return _span_at(file, token.line or 1, token.column or 1, length)


def _offset_to_span(text: str, file: str, start: int, end: int) -> Span:
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Span(file, line, column, line, column + max(end - start, 1))


def _unclosed_brace(text: str, upto: int) -> int | None:
    """Offset of the last `{` still open at ``upto``, skipping strings and comments."""
    stack: list[int] = []
    index = 0
    limit = min(upto, len(text))
    while index < limit:
        char = text[index]
        if char == "#":
            newline = text.find("\n", index)
            index = limit if newline < 0 else newline
        elif char == '"':
            close = text.find('"', index + 1)
            newline = text.find("\n", index + 1)
            if close < 0 or (0 <= newline < close):
                index = limit if newline < 0 else newline
            else:
                index = close
        elif char == "{":
            stack.append(index)
        elif char == "}" and stack:
            stack.pop()
        index += 1
    return stack[-1] if stack else None


def _end_of_file_span(text: str, file: str) -> Span:
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    column = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return _span_at(file, line, column)


def _classify(error: UnexpectedInput, text: str, file: str) -> Diagnostic:
    if isinstance(error, UnexpectedCharacters):
        return _classify_character(error, text, file)
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        return _classify_end(error, text, file)
    assert isinstance(error, UnexpectedToken)
    return _classify_token(error, text, file)


def _classify_character(error: UnexpectedCharacters, text: str, file: str) -> Diagnostic:
    position = error.pos_in_stream
    char = text[position] if position is not None and position < len(text) else ""
    span = _span_at(file, error.line, error.column)
    if char == '"':
        return Diagnostic(
            "JD010",
            "this string is never closed",
            span,
            hint='close the name with `"` on the same line',
        )
    if char.isprintable() and not char.isspace():
        shown = f"`{char}`"
    else:
        shown = f"character U+{ord(char):04X}" if char else "end of input"
    hint = None
    if char == "%":
        hint = "write a percentage right after its number, e.g. `60%`"
    elif char in "=":
        hint = "settings take no `=`: write `peak 0.5`, comparisons use `==`"
    elif not char.isprintable():
        hint = "remove the invisible or control character"
    return Diagnostic("JD006", f"unexpected {shown} here", span, hint=hint)


def _classify_end(error: UnexpectedInput, text: str, file: str) -> Diagnostic:
    expected = set(getattr(error, "expected", ()) or ())
    opened = _unclosed_brace(text, len(text))
    if opened is not None and ("RBRACE" in expected or not expected):
        return Diagnostic(
            "JD002",
            "the file ends before this `{` is closed",
            _offset_to_span(text, file, opened, opened + 1),
            hint="add the missing `}`",
            related=(("the file ends here", _end_of_file_span(text, file)),),
        )
    wanted = ", ".join(sorted(_describe_terminal(n) for n in expected)) or "more input"
    return Diagnostic(
        "JD003",
        f"the file ends too early: expected {wanted}",
        _end_of_file_span(text, file),
    )


def _classify_token(error: UnexpectedToken, text: str, file: str) -> Diagnostic:
    token = error.token
    expected = set(error.expected or ())
    span = _token_span(file, token)
    start = token.start_pos or 0
    before = _WORD_BEFORE.search(text, 0, start)
    previous = before.group(1) if before else ""
    keywords = _expected_keywords(expected)

    mistake = _transition_mistake(text, file, token, span)
    if mistake is not None:
        return mistake

    # `10 minuts`: a word after a number where a time unit may stand.
    if token.type == "NAME":
        if re.fullmatch(r"[+-]?\d+(\.\d*)?", previous):
            hint = did_you_mean(str(token), UNIT_SECONDS)
            if hint or str(token).lower().rstrip("s") in {"min", "sec", "hour", "day", "week"}:
                return Diagnostic(
                    "JD005",
                    f"`{token}` is not a time unit",
                    span,
                    hint=hint or "use s, min, h, d, weeks, months or years",
                )

    # `stge advice {`: a misspelt keyword, either this word or the one before it.
    if token.type == "NAME":
        hint = did_you_mean(str(token), keywords) if keywords else None
        if hint:
            return Diagnostic("JD004", f"`{token}` is not a keyword here", span, hint=hint)
    if before is not None and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", previous) and previous not in KEYWORDS:
        hint = did_you_mean(previous, KEYWORDS)
        if hint:
            prev_span = _offset_to_span(text, file, before.start(1), before.end(1))
            return Diagnostic("JD004", f"`{previous}` is not a keyword", prev_span, hint=hint)

    # A block that was never closed before the next construct starts.
    if "RBRACE" in expected and token.type not in ("NAME", "NUMBER", "PERCENT", "STRING"):
        opened = _unclosed_brace(text, start)
        if opened is not None and str(token) in {
            "stage",
            "segment",
            "touchpoint",
            "care",
            "factor",
            "journey",
            "library",
            "choice",
            "}",
        }:
            return Diagnostic(
                "JD002",
                f"expected `}}` to close this block before `{token}`",
                _offset_to_span(text, file, opened, opened + 1),
                hint="add the missing `}`",
                related=(("the next construct starts here", span),),
            )

    wanted = sorted({_describe_terminal(n) for n in expected})
    listing = ", ".join(wanted[:8]) + (", ..." if len(wanted) > 8 else "")
    shown = "`" + str(token) + "`" if token.type != "$END" else "the end of the file"
    hint = None
    if token.type in ("NUMBER", "PERCENT") and "UNIT" not in expected and previous in KEYWORDS:
        hint = None
    if token.type == "UNIT" and "UNIT" not in expected:
        hint = "a unit goes with a duration or a time, e.g. `after 2 days`"
    return Diagnostic("JD001", f"unexpected {shown}: expected {listing}", span, hint=hint)


# ---- transitions routed by a condition ----------------------------------------------

#: The start of a transition's line: ``-> target`` or ``repeat -> target``, and what follows up to the error.
_TRANSITION_LINE = re.compile(
    r"[ \t;]*(?:repeat[ \t]+)?->[ \t]*(?P<target>\"[^\"\n]*\"|[A-Za-z_][\w\-]*)(?P<rest>[^\n]*)$"
)
_PROBABILITY = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*%?"
#: ``if WORD``: the word after the last ``if`` (or ``and``) of a transition.
_CONDITION_WORD = re.compile(r"\b(?:if|and)[ \t]+(?P<word>[A-Za-z_][\w\-]*)[ \t]*(?P<after>\S?)[^\n]*$")
_EXAMPLE = "`-> lounge 100% if segment premier` (100% for premier customers, 0% for the others)"


def _transition_mistake(text: str, file: str, token: Token, span: Span) -> Diagnostic | None:
    """A transition routed by a condition but written in a way the grammar does not read, with the way to write it.

    Only the line of the transition is looked at, up to the token the parser
    could not use: ``-> b if segment x`` (no probability), ``-> b 100% for
    segment x`` (``for``/``when``/``in`` instead of ``if``), ``-> b 0% 100% if
    ...`` (no comma), ``if premier`` (no ``segment``), ``segment == x``,
    ``or`` and ``else``.
    """
    start = token.start_pos if token.type != "$END" and token.start_pos is not None else len(text)
    line_start = text.rfind("\n", 0, start) + 1
    line = _TRANSITION_LINE.match(text, line_start, start)
    on_this_line = line is not None
    if line is None:
        # The token may open the line after a condition left unfinished (`if premier`).
        previous_start = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
        line = _TRANSITION_LINE.match(text, previous_start, max(line_start - 1, previous_start))
        if line is None:
            return None
    rest = line.group("rest")
    condition = _CONDITION_WORD.search(rest)
    words = ("segment", "tier", *CONDITION_SUBJECTS)
    if condition is not None and condition.group("word") not in words:
        found = condition.group("word")
        offset = line.start("rest")
        where = _offset_to_span(text, file, offset + condition.start("word"), offset + condition.end("word"))
        misspelt = did_you_mean(found, words)
        if misspelt:
            return Diagnostic("JD004", f"`{found}` is not a keyword here", where, hint=misspelt)
        return Diagnostic(
            "JD001",
            f"`{found}` is not a condition",
            where,
            hint=f"a condition on the segment is written `if segment {found}` (`if tier A` for a tier), "
            f"one on the customer's state `if mood > 1`; e.g. {_EXAMPLE}",
        )
    if not on_this_line:
        return None
    word = str(token)
    shown = f"unexpected `{word}` in this transition"
    if word == "if" and re.fullmatch(r"\s*", rest):
        hint = f"write the probability before `if`: {_EXAMPLE}"
    elif word in ("for", "when", "in", "unless", "where") and re.fullmatch(rf"\s*(?:{_PROBABILITY})?\s*", rest):
        hint = f"a transition is routed by segment with `if`, after its probability: {_EXAMPLE}"
    elif token.type in ("PERCENT", "NUMBER") and re.search(rf"{_PROBABILITY}\s*$", rest):
        hint = "separate a transition's probabilities with a comma: `-> lounge 0%, 100% if segment premier`"
    elif word in ("==", ":", "=") and re.search(r"\b(?:segment|tier)\s*$", rest):
        hint = "name the segment right after the word: `if segment premier`, `if tier A`"
    elif word == "or" and re.search(r"\bif\b", rest):
        hint = (
            "conditions join with `and`; for either of two segments write one conditional each: "
            "`-> lounge 0%, 100% if segment premier, 100% if segment private`"
        )
    elif word in ("else", "otherwise") and re.search(r"\bif\b", rest):
        hint = "the probability for everyone else comes first: `-> lounge 20%, 100% if segment premier`"
    else:
        return None
    return Diagnostic("JD001", shown, span, hint=hint)
