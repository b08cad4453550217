"""Model to text and text to canonical text: the writer behind ``journey fmt``.

Two doors:

* :func:`format_text` lays out journey text in the one canonical layout and keeps
  every comment where it stands (a comment on a line of its own stays before the
  construct that follows it, a comment at the end of a line stays at the end of
  that construct's line).  It works from the parse tree with every token kept,
  so nothing a designer wrote is lost: only spacing, line breaks, the order of
  attributes within a statement and the spelling of numbers and units change.
* :func:`write_journey` writes a model (from an importer, or built in code) as
  text in the same layout, so that ``format_text(write_journey(j)) ==
  write_journey(j)``.

The canonical layout (docs/language.md, "Formatting"):

* two spaces of indentation per block; one statement per line; no ``;`` (but
  after a ``factor`` line followed by an ``expect`` test, which would otherwise
  continue the factor);
* single spaces between words; none before ``,`` ``:`` ``)`` nor after ``(``;
  ``exponential(3 min)``, ``rating 7/10``, ``60%``, ``09:00-17:00``;
* the attributes of a touchpoint in the order ``capacity``, ``duration``,
  ``cost``, ``staff cost``, ``share``, ``for``, ``every``, ``moment of truth``
  (a care programme puts ``for`` and ``every`` first); of a
  factor ``expect``, ``importance``, ``ideal``; a segment's body ``tier``,
  ``value``, ``patience``, ``expect``, ``importance``, ``sensitivity``, settings;
  effects: modules, themes, performance, variability, failures; a stage's body:
  ``after``, ``visit limit``, its steps, its transitions.  Declarations
  (stages, touchpoints, designs...) keep the order they were written in;
* numbers without needless zeros or ``+`` (``0.5``, ``2``), module and theme
  effects signed (``feel +2``, ``theme trust -1``); units spelt ``s``, ``min``,
  ``h``, ``day``/``days``, ``week``/``weeks``, ``month``/``months``,
  ``year``/``years`` after a number, singular after ``per`` and plural after
  ``time unit``;
* a block of effects, settings, a segment's body, an episode or a design's
  change to a stage or segment stays on one line (``{ feel +1; theme trust +1 }``)
  when it was written on one line, holds no comment and fits in 120 columns;
  otherwise, and always for journeys, libraries, stages, choices, designs,
  opening hours and surveys, one item per line;
* blank lines between statements are kept (several become one) except after
  ``{`` and before ``}``; consecutive ``factor`` lines align their first
  attribute, and the end-of-line comments of consecutive lines align.

Examples
--------
>>> print(format_text('journey "Shop" { stage buy { touchpoint pay: digital duration 2 minutes { feel 1 } } }'), end="")
journey "Shop" {
  stage buy {
    touchpoint pay: digital duration 2 min { feel +1 }
  }
}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from .diagnostics import JourneyError
from .model import (
    NO_SPAN,
    Arrivals,
    Audience,
    CareBudget,
    Choice,
    Condition,
    Conditional,
    DesignTest,
    DistributionSpec,
    Effects,
    Episode,
    Factor,
    Failure,
    HoursLine,
    Journey,
    Library,
    OpeningHours,
    ParamBlock,
    Patch,
    Probability,
    Quantity,
    Segment,
    Share,
    Stage,
    Survey,
    SurveyRow,
    Touchpoint,
    Transition,
    Use,
    Variant,
)
from .parser import _has_content, _written_values, grammar_path, parse_text
from .vocabulary import UNIT_SECONDS

__all__ = ["format_text", "write_journey", "write_library", "LINE_WIDTH", "INDENT"]

_T = TypeVar("_T")

#: The width a block may reach and still stay on one line.
LINE_WIDTH = 120
#: One level of indentation.
INDENT = "  "
#: The extra indentation of a statement continued on the next line (after a comment).
_CONTINUATION = "    "

# ---- canonical spelling -----------------------------------------------------------------

_SHORT_UNITS = {1.0: "s", 60.0: "min", 3600.0: "h"}
_LONG_UNITS = {
    1.0: ("second", "seconds"),
    60.0: ("minute", "minutes"),
    3600.0: ("hour", "hours"),
    86400.0: ("day", "days"),
    7 * 86400.0: ("week", "weeks"),
    30 * 86400.0: ("month", "months"),
    365 * 86400.0: ("year", "years"),
}


def _canonical_number(text: str, signed: bool = False) -> str:
    """A number as written, without needless zeros and signs: ``+02.50`` -> ``2.5``.

    Done on the text, so that the value read back is exactly the value written.
    """
    text = text.strip()
    sign = ""
    if text[:1] in "+-":
        sign, text = (text[0] if text[0] == "-" else ""), text[1:]
    whole, _, fraction = text.partition(".")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    digits = whole + ("." + fraction if fraction else "")
    if digits == "0":
        return "0"
    if not sign and signed:
        sign = "+"
    return sign + digits


def _unit_for(unit: str, context: str, count: str | None = None) -> str:
    """A unit in its canonical spelling: after a number, after ``per``, or after ``time unit``."""
    seconds = UNIT_SECONDS.get(unit)
    if seconds is None or seconds not in _LONG_UNITS:
        return unit
    singular, plural = _LONG_UNITS[seconds]
    if context == "per":
        return singular
    if context == "clock":
        return plural
    if seconds in _SHORT_UNITS:
        return _SHORT_UNITS[seconds]
    return singular if count is not None and Decimal(count) == 1 else plural


# ---- the layout parser: every token kept, comments found between tokens --------------------


@lru_cache(maxsize=1)
def _layout_parser() -> Lark:
    """The journey grammar again, this time keeping keywords and punctuation in the tree."""
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        keep_all_tokens=True,
    )


@dataclass
class _Comment:
    text: str
    line: int
    blank_before: bool = False


@dataclass
class _Notes:
    """Comments and blank lines, attached to the tokens they belong with."""

    leading: dict[int, list[_Comment]] = field(default_factory=dict)
    trailing: dict[int, _Comment] = field(default_factory=dict)
    blank_before: set[int] = field(default_factory=set)
    end: list[_Comment] = field(default_factory=list)


_COMMENT = re.compile(r"#[^\n]*")

#: Blocks that always hold one item per line.
_ALWAYS_OPEN = {"journey", "library", "stage", "choice", "variant", "hours", "survey"}

#: Rules whose children are put in a fixed order, by the name of each child's rule.
_TOUCHPOINT_ORDER = (
    "capacity",
    "duration",
    "cost",
    "staff_cost",
    "share_attr",
    "audience_all",
    "audience_tier",
    "audience_segment",
    "every",
    "truth",
)
#: A care programme says first whom it is for and how often: ``care card: media for all every 1 year cost 3``.
_CARE_ORDER = (
    "audience_all",
    "audience_tier",
    "audience_segment",
    "every",
    "capacity",
    "duration",
    "cost",
    "staff_cost",
    "share_attr",
    "truth",
)
_ORDERS: dict[str, tuple[str, ...]] = {
    "touchpoint": _TOUCHPOINT_ORDER,
    "care": _CARE_ORDER,
    "patch_change": _TOUCHPOINT_ORDER,
    "factor": ("factor_expect", "factor_importance", "factor_ideal"),
    "survey_row": ("survey_experience", "survey_expectation", "survey_importance", "survey_ideal"),
    "segment": ("seg_tier", "seg_value", "seg_patience", "seg_expect", "seg_importance", "seg_sensitivity", "params"),
    "patch_change_segment": (
        "seg_tier",
        "seg_value",
        "seg_patience",
        "seg_expect",
        "seg_importance",
        "seg_sensitivity",
        "params",
    ),
    "effects": ("module_effect", "theme_effect", "performance", "variability", "failure"),
    "stage": ("stage_delay", "visit_limit", "touchpoint", "use", "choice", "transition"),
    "patch_change_stage": ("stage_delay", "visit_limit", "transition"),
}
_STEPS = {"touchpoint", "use", "choice"}


def _tokens(tree: Tree) -> list[Token]:
    return [t for t in tree.scan_values(lambda v: isinstance(v, Token))]


def _attach_notes(tree: Tree, text: str) -> _Notes:
    """Find every comment between the tokens and attach it to the token it belongs with."""
    tokens = sorted(_tokens(tree), key=lambda t: t.start_pos or 0)
    notes = _Notes()
    things: list[tuple[int, int, int, Token | _Comment]] = []  # (start, line, end_line, thing)
    position = 0
    for token in [*tokens, None]:
        stop = len(text) if token is None else (token.start_pos or 0)
        for match in _COMMENT.finditer(text, position, stop):
            line = text.count("\n", 0, match.start()) + 1
            things.append((match.start(), line, line, _Comment(match.group().rstrip(), line)))
        if token is not None:
            things.append((token.start_pos or 0, token.line or 0, token.end_line or 0, token))
            position = token.end_pos or 0
    previous_end = 0
    previous_token: Token | None = None
    pending: list[_Comment] = []
    for _, line, end_line, thing in things:
        blank = previous_end > 0 and line - previous_end >= 2
        if isinstance(thing, _Comment):
            if previous_token is not None and previous_token_line(previous_token) == line and not pending:
                notes.trailing.setdefault(id(previous_token), thing)
            else:
                thing.blank_before = blank
                pending.append(thing)
        else:
            if thing.type == "SEMICOLON":
                if pending:
                    # a comment before a stray `;` goes with what follows
                    previous_end = end_line
                    continue
                previous_end = end_line
                continue
            if pending:
                notes.leading[id(thing)] = pending
                pending = []
            if blank:
                notes.blank_before.add(id(thing))
            previous_token = thing
        previous_end = end_line
    notes.end = pending
    return notes


def previous_token_line(token: Token) -> int:
    """The line a token ends on (its only line, except for a time range broken over lines)."""
    return token.end_line or token.line or 0


# ---- the layout: statements, blocks, lines ------------------------------------------------


@dataclass
class _Block:
    """A ``{ ... }`` block inside a statement."""

    rule: str
    open: Token
    items: list[Tree | Token]
    close: Token


@dataclass
class _Word:
    """One token as it will be written, with the rule it stands in."""

    token: Token
    text: str
    rule: str


_Atom = _Word | _Block


@dataclass
class _Line:
    indent: int
    code: str = ""
    comment: str | None = None
    blank: bool = False


def _ordered(tree: Tree) -> list[Tree | Token]:
    """The children of a rule, attributes in their canonical order (stable: repeats keep theirs)."""
    children = [c for c in tree.children if not (isinstance(c, Token) and c.type == "SEMICOLON")]
    order = _ORDERS.get(str(tree.data))
    if order is None:
        return children
    rank = {name: index for index, name in enumerate(order)}

    def key(child: Tree | Token) -> int:
        if isinstance(child, Tree):
            name = str(child.data)
            if str(tree.data) == "stage" and name in _STEPS:
                return rank["touchpoint"]
            return rank.get(name, -1)
        return -1

    # Only the runs of ranked children move; the keywords, names and braces around them stay.
    result: list[Tree | Token] = []
    run: list[Tree | Token] = []
    for child in children:
        if key(child) >= 0:
            run.append(child)
        else:
            result.extend(sorted(run, key=key))
            run = []
            result.append(child)
    result.extend(sorted(run, key=key))
    return result


class _Layout:
    def __init__(self, notes: _Notes) -> None:
        self.notes = notes
        self.lines: list[_Line] = []
        self.pad: dict[int, int] = {}

    # ---- atoms -------------------------------------------------------------------------
    def atoms(self, node: Tree | Token, rule: str = "") -> list[_Atom]:
        if isinstance(node, Token):
            if node.type == "SEMICOLON":
                return []
            return [_Word(node, self.spell(node, rule), rule)]
        name = str(node.data)
        children = _ordered(node)
        if name == "quantity":
            return self.quantity(children, rule)
        opens = [i for i, c in enumerate(children) if isinstance(c, Token) and c.type == "LBRACE"]
        closes = [i for i, c in enumerate(children) if isinstance(c, Token) and c.type == "RBRACE"]
        if opens and closes:
            start, stop = opens[0], closes[-1]
            head = [a for c in children[:start] for a in self.atoms(c, name)]
            opening, closing = children[start], children[stop]
            assert isinstance(opening, Token) and isinstance(closing, Token)
            block = _Block(name, opening, children[start + 1 : stop], closing)
            tail = [a for c in children[stop + 1 :] for a in self.atoms(c, name)]
            return [*head, block, *tail]
        if name == "module_effect" and len(children) == 2:
            name = "signed_effect"
        return [a for c in children for a in self.atoms(c, name)]

    def quantity(self, children: list[Tree | Token], rule: str) -> list[_Atom]:
        number = children[0]
        assert isinstance(number, Token)
        words: list[_Atom] = [_Word(number, _canonical_number(str(number)), "quantity")]
        if len(children) > 1:
            unit = children[1]
            assert isinstance(unit, Token)
            words.append(_Word(unit, _unit_for(str(unit), "count", _canonical_number(str(number))), "quantity"))
        return words

    def spell(self, token: Token, rule: str) -> str:
        kind = token.type
        text = str(token)
        if kind == "NUMBER":
            return _canonical_number(text, signed=rule in ("signed_effect", "theme_effect"))
        if kind == "PERCENT":
            return _canonical_number(text.replace("%", "")) + "%"
        if kind == "UNIT":
            return _unit_for(text, "clock" if rule == "time_unit" else "per")
        if kind == "TIME_RANGE":
            return re.sub(r"\s+", "", text)
        return text

    # ---- inline rendering ------------------------------------------------------------
    def commented(self, node: Tree | Token) -> bool:
        """Whether a comment or a blank line stands anywhere inside this node."""
        tokens = [node] if isinstance(node, Token) else _tokens(node)
        return any(id(t) in self.notes.leading or id(t) in self.notes.trailing for t in tokens)

    def inline(self, atoms: list[_Atom]) -> str | None:
        """The atoms on one line, or ``None`` when a block among them must stay open."""
        text = ""
        previous: _Atom | None = None
        for atom in atoms:
            if isinstance(atom, _Block):
                inner = self.inline_block(atom)
                if inner is None:
                    return None
                piece = inner
            else:
                piece = atom.text
            text += _space(previous, atom) + piece if previous is not None else piece
            previous = atom
        return text

    def inline_block(self, block: _Block) -> str | None:
        if block.rule in _ALWAYS_OPEN or self.written_open(block):
            return None
        notes = self.notes
        if id(block.close) in notes.leading or id(block.open) in notes.trailing or id(block.open) in notes.leading:
            return None
        parts = []
        for item in block.items:
            if self.commented(item):
                return None
            part = self.inline(self.atoms(item))
            if part is None:
                return None
            parts.append(part)
        return "{ " + "; ".join(parts) + " }" if parts else "{}"

    def written_open(self, block: _Block) -> bool:
        """Whether the block was written over several lines."""
        first: Token = block.close
        for item in block.items:
            tokens = [item] if isinstance(item, Token) else _tokens(item)
            tokens = [t for t in tokens if t.type != "SEMICOLON"]
            if tokens:
                first = min(tokens, key=lambda t: t.start_pos or 0)
                break
        return (first.line or 0) != (block.open.end_line or block.open.line or 0)

    # ---- line rendering --------------------------------------------------------------
    def emit_comments(self, comments: list[_Comment], indent: int, first: bool) -> None:
        for index, comment in enumerate(comments):
            if comment.blank_before and not (first and index == 0):
                self.blank()
            self.lines.append(_Line(indent, "", comment.text))

    def blank(self) -> None:
        if self.lines and not self.lines[-1].blank:
            self.lines.append(_Line(0, blank=True))

    def items(self, items: list[Tree | Token], indent: int, closing: Token | None) -> None:
        """The statements of a block (or of the file), one per line, then the comments before ``}``."""
        statements = [item for item in items if not (isinstance(item, Token) and item.type == "SEMICOLON")]
        self.align_factors(statements)
        for index, item in enumerate(statements):
            atoms = self.atoms(item)
            if not atoms:
                continue
            first_word = next((a for a in atoms if isinstance(a, _Word)), None)
            head = first_word.token if first_word else None
            leading = self.notes.leading.get(id(head), []) if head is not None else []
            self.emit_comments(leading, indent, index == 0)
            if head is not None and id(head) in self.notes.blank_before and (index > 0 or leading):
                self.blank()
            self.statement(atoms, indent, skip_leading=head)
            if _continues(item, statements[index + 1] if index + 1 < len(statements) else None):
                self.end_with_semicolon()
        tail = self.notes.leading.get(id(closing), []) if closing is not None else self.notes.end
        self.emit_comments(tail, indent, not statements)

    def end_with_semicolon(self) -> None:
        """End the statement just written with ``;``, before its comment."""
        for line in reversed(self.lines):
            if line.code:
                line.code += ";"
                return

    def align_factors(self, statements: list[Tree | Token]) -> None:
        """Pad the names of consecutive factor (and survey) lines so that their attributes align."""
        run: list[Token] = []

        def close() -> None:
            if len(run) > 1:
                width = max(len(str(t)) for t in run)
                for token in run:
                    self.pad[id(token)] = width
            run.clear()

        for item in statements:
            if isinstance(item, Tree) and str(item.data) in ("factor", "survey_row"):
                tokens = [c for c in item.children if isinstance(c, Token)]
                keyword, name = tokens[0], tokens[1]
                attributes = [c for c in item.children if isinstance(c, Tree)]
                if run and (id(keyword) in self.notes.blank_before or id(keyword) in self.notes.leading):
                    close()
                if attributes and not self.commented(name):
                    run.append(name)
                else:
                    close()
            else:
                close()
        close()

    def statement(self, atoms: list[_Atom], indent: int, skip_leading: Token | None = None) -> None:
        """One statement from ``indent``: on one line, broken only by comments and open blocks."""
        line: _Line | None = _Line(indent)
        previous: _Atom | None = None
        for atom in atoms:
            if isinstance(atom, _Word):
                leading = self.notes.leading.get(id(atom.token), []) if atom.token is not skip_leading else []
                if leading:
                    if line is not None and line.code:
                        self.lines.append(line)
                    self.emit_comments(leading, indent + len(_CONTINUATION), True)
                    line, previous = None, None
                if line is None:
                    line, previous = _Line(indent + len(_CONTINUATION)), None
                text = atom.text
                if id(atom.token) in self.pad and atom is not atoms[-1]:
                    text = text.ljust(self.pad[id(atom.token)])
                line.code += (_space(previous, atom) if previous is not None else "") + text
                previous = atom
                trailing = self.notes.trailing.get(id(atom.token))
                if trailing is not None:
                    line.comment = trailing.text
                    self.lines.append(line)
                    line = None
                continue
            # a block
            leading = self.notes.leading.get(id(atom.open), [])
            if leading:
                if line is not None and line.code:
                    self.lines.append(line)
                self.emit_comments(leading, indent + len(_CONTINUATION), True)
                line = None
            if line is None:
                line, previous = _Line(indent + len(_CONTINUATION)), None
            inner = self.inline_block(atom)
            start = line.code + (" " if previous is not None else "")
            if inner is not None and line.indent + len(start) + len(inner) + self.tail_width(atoms, atom) <= LINE_WIDTH:
                line.code = start + inner
                previous = atom
                trailing = self.notes.trailing.get(id(atom.close))
                if trailing is not None:
                    line.comment = trailing.text
                    self.lines.append(line)
                    line = None
                continue
            line.code = start + "{"
            trailing = self.notes.trailing.get(id(atom.open))
            line.comment = trailing.text if trailing else None
            self.lines.append(line)
            self.items(atom.items, indent + len(INDENT), atom.close)
            line = _Line(indent, "}")
            previous = atom
            trailing = self.notes.trailing.get(id(atom.close))
            if trailing is not None:
                line.comment = trailing.text
                self.lines.append(line)
                line = None
        if line is not None and (line.code or line.comment):
            self.lines.append(line)

    def tail_width(self, atoms: list[_Atom], block: _Block) -> int:
        """The width of what follows a block on its line (``recover by voicemail``)."""
        rest = atoms[atoms.index(block) + 1 :]
        if not rest:
            return 0
        text = self.inline(rest)
        return len(text) + 1 if text else 0

    # ---- output ----------------------------------------------------------------------
    def text(self) -> str:
        lines = self.lines
        while lines and lines[-1].blank:
            lines.pop()
        out: list[str] = []
        index = 0
        while index < len(lines):
            # a run of consecutive lines that end in a comment: their comments align
            stop = index
            while stop < len(lines) and lines[stop].code and lines[stop].comment:
                stop += 1
            if stop > index:
                column = max(line.indent + len(line.code) for line in lines[index:stop]) + 2
                for line in lines[index:stop]:
                    prefix = " " * line.indent + line.code
                    out.append(prefix.ljust(column) + (line.comment or ""))
                index = stop
                continue
            line = lines[index]
            if line.blank:
                out.append("")
            else:
                body = line.code or ""
                if line.comment is not None:
                    body = f"{body}  {line.comment}" if body else line.comment
                out.append(" " * line.indent + body)
            index += 1
        return "\n".join(out) + "\n"


def _continues(item: Tree | Token, following: Tree | Token | None) -> bool:
    """Whether ``following`` would be read as part of ``item`` without a ``;`` between them.

    A factor's attributes include ``expect``, so ``factor service expect 7`` followed
    by the design test ``expect nps > 30`` needs its ``;`` (docs/language.md).
    """
    if not (isinstance(item, Tree) and isinstance(following, Tree)) or str(item.data) != "factor":
        return False
    return str(following.data).startswith("expect_")


_TIGHT_BEFORE = {"COMMA", "COLON", "RPAR", "SEMICOLON", "SLASH"}
_TIGHT_AFTER = {"LPAR", "SLASH"}


def _space(previous: _Atom | None, atom: _Atom) -> str:
    if previous is None:
        return ""
    if isinstance(atom, _Block) or isinstance(previous, _Block):
        return " "
    if atom.token.type in _TIGHT_BEFORE or previous.token.type in _TIGHT_AFTER:
        return ""
    if atom.token.type == "LPAR" and atom.rule == "dist_call":
        return ""
    return " "


# ---- the public doors ---------------------------------------------------------------------


def format_text(text: str, name: str = "<string>") -> str:
    """Journey text in the canonical layout, every comment kept where it stands.

    Parameters
    ----------
    text : str
        The text of one ``.journey`` file (a journey or a library).  Its imports
        stay imports: each file is formatted on its own.
    name : str
        The file's name, for diagnostics.

    Returns
    -------
    str
        The formatted text, ending with one newline.  Formatting it again
        returns it unchanged, and it reads to the same model as ``text``.

    Raises
    ------
    JourneyError
        When the text does not parse (a syntax error, a control character in a
        name, a number too large); it carries the diagnostics.

    Examples
    --------
    >>> print(format_text("journey J {seed 1  # fixed\\n stage a{-> exit 100 %}}"), end="")
    journey J {
      seed 1  # fixed
      stage a {
        -> exit 100%
      }
    }
    """
    try:
        full = _layout_parser().parse(text) if _has_content(text) else None
    except UnexpectedInput:
        full = None
    if full is None:  # the parser of the loader tells what is wrong, as `journey check` does
        _, problems = parse_text(text, name)
        raise JourneyError(problems, {name: text})
    problems = _written_values(full, text, name)
    if any(problem.is_error for problem in problems):
        raise JourneyError(problems, {name: text})
    layout = _Layout(_attach_notes(full, text))
    layout.items(list(full.children), 0, None)
    return layout.text()


# ---- model to text --------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*")


@lru_cache(maxsize=1)
def _reserved() -> frozenset[str]:
    """Words a bare name cannot be: the grammar's keywords and the unit words."""
    words = set(UNIT_SECONDS) | {"rating", "pain"}
    for terminal in _layout_parser().terminals:
        pattern = terminal.pattern
        if pattern.type == "str" and str(pattern.value).isalpha():
            words.add(str(pattern.value))
    return frozenset(words)


def _name(name: str) -> str:
    """A name as the language reads it: bare when it can be, else quoted."""
    if _NAME.fullmatch(name) and name not in _reserved():
        return name
    cleaned = re.sub(r"[\n\r]", " ", name).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{cleaned}"'


def _number(value: float) -> str:
    """A float as the shortest decimal that reads back to it (never an exponent)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return _canonical_number(format(Decimal(repr(float(value))), "f"))


def _signed(value: float) -> str:
    text = _number(value)
    return text if text.startswith("-") or text == "0" else "+" + text


def _hundredths(value: float) -> str:
    """A fraction written as a percentage that reads back to exactly the same fraction."""
    for digits in range(0, 18):
        text = _number(round(value * 100, digits))
        if float(text) / 100.0 == value:
            return text
    return _number(value * 100)


def _probability(p: Probability) -> str:
    return f"{_hundredths(p.value)}%" if p.percent else _number(p.value)


def _quantity(q: Quantity) -> str:
    return f"{_number(q.value)} {q.unit}" if q.unit else _number(q.value)


def _distribution(d: DistributionSpec) -> str:
    if d.kind == "fixed" and len(d.args) == 1:
        return _quantity(d.args[0])
    return f"{d.kind}({', '.join(_quantity(a) for a in d.args)})"


def _share(share: Share) -> str:
    text = f"share {_probability(share.probability)}"
    if share.by_segment:
        text += " (" + ", ".join(f"{_name(s.segment)} {_probability(s.probability)}" for s in share.by_segment) + ")"
    return text


def _audience(audience: Audience) -> str:
    if audience.kind == "all" or audience.name is None:
        return "for all"
    if audience.kind == "tier":
        return f"for tier {audience.name}"
    return f"for segment {_name(audience.name)}"


def _effect_lines(effects: Effects) -> list[str]:
    lines: list[str] = []
    for value in effects.modules:
        if value.rating is not None:
            r = value.rating
            lines.append(f"{value.name} {r.kind} {_number(r.score)}/{_number(r.out_of)}")
        else:
            lines.append(f"{value.name} {_signed(value.value)}")
    lines.extend(f"theme {v.name} {_signed(v.value)}" for v in effects.themes)
    lines.extend(f"performance {v.name} {_number(v.value)}" for v in effects.performance)
    if effects.variability is not None:
        lines.append(f"variability {_number(effects.variability)}")
    for failure in effects.failures:
        lines.append(_failure(failure))
    return lines


def _failure(failure: Failure) -> str:
    text = f"failure {_name(failure.name)} {_probability(failure.probability)}"
    inner = _effect_lines(failure.effects)
    if inner:
        text += " { " + "; ".join(inner) + " }"
    if failure.recovery:
        text += f" recover by {_name(failure.recovery)}"
    return text


def _block(head: str, lines: list[str], indent: str, one_line: bool = False) -> list[str]:
    """``head { ... }``: on one line when asked and short, else one item per line."""
    if not lines:
        return [f"{indent}{head} {{}}"]
    inline = f"{indent}{head} {{ " + "; ".join(lines) + " }"
    if one_line and len(lines) <= 2 and len(inline) <= LINE_WIDTH and "{" not in "".join(lines):
        return [inline]
    return [f"{indent}{head} {{", *(f"{indent}{INDENT}{line}" for line in lines), f"{indent}}}"]


def _touchpoint(tp: Touchpoint, indent: str, keyword: str | None = None, written: set[str] | None = None) -> list[str]:
    """A touchpoint or care programme (or, with ``written``, the attributes a change writes)."""

    def wanted(key: str, present: bool) -> bool:
        return key in written if written else present

    words: list[str] = []
    if wanted("audience", tp.audience is not None) and tp.audience is not None:
        words.append(_audience(tp.audience))
    if wanted("every", tp.every is not None) and tp.every is not None:
        words.append(f"every {_quantity(tp.every)}")
    if wanted("capacity", tp.capacity is not None) and tp.capacity is not None:
        words.append(f"capacity {_number(tp.capacity)}")
    if wanted("duration", tp.duration is not None) and tp.duration is not None:
        words.append(f"duration {_distribution(tp.duration)}")
    if wanted("cost", tp.cost is not None) and tp.cost is not None:
        words.append(f"cost {_number(tp.cost)}")
    if wanted("staff_cost", tp.staff_cost is not None) and tp.staff_cost is not None:
        words.append(f"staff cost {_number(tp.staff_cost.amount)} per {tp.staff_cost.per}")
    if wanted("share", tp.share is not None) and tp.share is not None:
        words.append(_share(tp.share))
    if wanted("moment_of_truth", tp.moment_of_truth) and tp.moment_of_truth:
        words.append("moment of truth")
    if written is None:
        head = f"{keyword or tp.kind} {_name(tp.name)}: {tp.channel}"
    else:
        head = f"change {_name(tp.name)}"
    head = " ".join([head, *words])
    effects = _effect_lines(tp.effects)
    if effects or (written is not None and "effects" in written):
        return _block(head, effects, indent, one_line=True)
    return [indent + head]


def _params(block: ParamBlock, indent: str) -> list[str]:
    lines = [
        f"{p.name} {_probability(p.value) if isinstance(p.value, Probability) else _quantity(p.value)}"
        for p in block.params
    ]
    return _block(block.name, lines, indent, one_line=True)


def _factor(factor: Factor) -> str:
    words = [f"factor {factor.name}"]
    for key in ("expect", "importance", "ideal"):
        value = getattr(factor, key)
        if value is not None:
            words.append(f"{key} {_number(value)}")
    return " ".join(words)


def _segment_lines(segment: Segment) -> list[str]:
    lines = []
    if segment.tier is not None:
        lines.append(f"tier {segment.tier}")
    if segment.value is not None:
        lines.append(f"value {_number(segment.value)}")
    if segment.patience is not None:
        lines.append(f"patience {_quantity(segment.patience)}")
    lines.extend(f"expect {v.name} {_number(v.value)}" for v in segment.expectations)
    lines.extend(f"importance {v.name} {_number(v.value)}" for v in segment.importances)
    lines.extend(f"sensitivity {v.name} {_number(v.value)}" for v in segment.sensitivities)
    for block in segment.params:
        params = _params(block, "")
        lines.append(
            params[0] if len(params) == 1 else params[0] + " " + "; ".join(p.strip() for p in params[1:-1]) + " }"
        )
    return lines


def _segment(segment: Segment, indent: str, keyword: str = "segment") -> list[str]:
    head = f"{keyword} {_name(segment.name)}"
    if segment.share is not None:
        head += f" {_probability(segment.share)}"
    lines = _segment_lines(segment)
    if not lines and keyword != "segment":
        return [indent + head]
    return _block(head, lines, indent, one_line=keyword != "segment")


def _condition(condition: Condition) -> str:
    if condition.kind == "compare":
        return f"{condition.subject} {condition.operator} {_number(condition.value or 0.0)}"
    if condition.kind == "segment":
        return f"segment {_name(condition.subject)}"
    return f"tier {condition.subject}"


def _conditional(conditional: Conditional) -> str:
    return f"{_probability(conditional.probability)} if " + " and ".join(_condition(c) for c in conditional.conditions)


def _transition(transition: Transition) -> str:
    text = ("repeat -> " if transition.repeat else "-> ") + _name(transition.target)
    probability, conditionals = transition.probability, transition.conditionals
    if (
        probability is not None
        and probability.value == 0
        and len(conditionals) == 1
        and conditionals[0].probability.percent == probability.percent
    ):
        # `-> lounge 100% if segment premier`: short for `-> lounge 0%, 100% if segment premier`
        text += f" {_conditional(conditionals[0])}"
    else:
        if probability is not None:
            text += f" {_probability(probability)}"
        elif conditionals:
            text += " 0%" if conditionals[0].probability.percent else " 0"
        text += "".join(f", {_conditional(c)}" for c in conditionals)
    if transition.delay is not None:
        text += f" after {_quantity(transition.delay)}"
    return text


def _use(use: Use) -> str:
    return f"use {_name(use.name)}" + (f" {_share(use.share)}" if use.share else "")


def _stage_lines(stage: Stage, indent: str) -> list[str]:
    lines: list[str] = []
    if stage.delay is not None:
        lines.append(f"{indent}after {_quantity(stage.delay)}")
    if stage.visit_limit is not None:
        lines.append(f"{indent}visit limit {_number(stage.visit_limit)}")
    for index, step in enumerate(stage.steps, 1):
        if isinstance(step, Touchpoint):
            lines.extend(_touchpoint(step, indent))
        elif isinstance(step, Use):
            lines.append(indent + _use(step))
        elif isinstance(step, Choice):
            numbered = sum(isinstance(s, Choice) for s in stage.steps[:index])
            named = step.name and step.name != f"{stage.name} choice {numbered}"
            head = f"choice {_name(step.name)}" if named else "choice"
            options: list[str] = []
            for option in step.options:
                if isinstance(option, Touchpoint):
                    options.extend(_touchpoint(option, INDENT))
                else:
                    options.append(INDENT + _use(option))
            lines.append(f"{indent}{head} {{")
            lines.extend(indent + line for line in options)
            lines.append(f"{indent}}}")
    lines.extend(indent + _transition(t) for t in stage.transitions)
    return lines


def _stage(stage: Stage, indent: str) -> list[str]:
    head = f"stage {_name(stage.name)}"
    if stage.phase:
        head += f" ({stage.phase})"
    if stage.goal:
        head += " goal"
    body = _stage_lines(stage, indent + INDENT)
    return [f"{indent}{head} {{", *body, f"{indent}}}"] if body else [f"{indent}{head} {{}}"]


def _arrivals(arrivals: Arrivals) -> str:
    if arrivals.kind == "poisson":
        return f"arrivals poisson {_number(arrivals.rate or 0.0)} per {arrivals.per}"
    if arrivals.kind == "cohort":
        over = f" over {_quantity(arrivals.over)}" if arrivals.over else ""
        return f"arrivals cohort {_number(arrivals.count or 0.0)}{over}"
    text = (
        f"arrivals market {_number(arrivals.count or 0.0)} innovation {_number(arrivals.innovation or 0.0)}"
        f" imitation {_number(arrivals.imitation or 0.0)}"
    )
    return text + (f" per {arrivals.per}" if arrivals.per else "")


def _hours_line(line: HoursLine) -> str:
    days = ", ".join(day for day, _ in line.days)
    if line.kind == "closed":
        return f"{days} closed"
    words = ([days] if days else []) + [", ".join(r.text for r in line.ranges)]
    if line.weight is not None:
        words.append(f"weight {_number(line.weight)}")
    return " ".join(words)


def _hours(hours: OpeningHours, indent: str) -> list[str]:
    lines = [_hours_line(line) for line in hours.lines]
    if hours.start_day is not None and hours.start_time is not None:
        lines.append(f"start {hours.start_day} {hours.start_time.text}")
    if hours.closing is not None:
        lines.append(f"at closing {hours.closing}")
    return _block("hours", lines, indent)


def _care_budget(budget: CareBudget) -> str:
    text = f"care budget {_number(budget.amount)} per {budget.per}"
    return text + (f" {_audience(budget.audience)}" if budget.audience is not None else "")


def _patch(patch: Patch, indent: str) -> list[str]:
    kind = patch.kind
    if kind == "add" and patch.touchpoint is not None:
        lines = _touchpoint(patch.touchpoint, indent, "touchpoint")
        lines[0] = lines[0].replace(indent, f"{indent}add ", 1)
        if patch.placement is not None:
            placement = patch.placement
            where = f"in {_name(placement.stage)}"
            if placement.position in ("before", "after") and placement.anchor:
                where += f" {placement.position} {_name(placement.anchor)}"
            elif placement.position == "first":
                where += " first"
            lines[-1] += " " + where
        return lines
    if kind == "add_care" and patch.touchpoint is not None:
        lines = _touchpoint(patch.touchpoint, indent, "care")
        lines[0] = lines[0].replace(indent, f"{indent}add ", 1)
        return lines
    if kind == "remove":
        what = "" if patch.target_kind == "touchpoint" else f"{patch.target_kind} "
        return [f"{indent}remove {what}{_name(patch.target or '')}"]
    if kind == "replace" and patch.touchpoint is not None:
        lines = _touchpoint(patch.touchpoint, indent, "touchpoint")
        lines[0] = lines[0].replace(indent, f"{indent}replace {_name(patch.target or '')} with ", 1)
        return lines
    if kind == "change" and patch.touchpoint is not None:
        tp = patch.touchpoint
        written = {key for key, _ in tp.attribute_spans} or {
            key
            for key in ("capacity", "duration", "cost", "share", "audience", "every", "staff_cost")
            if getattr(tp, key) is not None
        } | ({"moment_of_truth"} if tp.moment_of_truth else set()) | ({"effects"} if not tp.effects.is_empty else set())
        return _touchpoint(tp, indent, written=written or {"effects"})
    if kind == "change_stage" and patch.stage is not None:
        body = [line.strip() for line in _stage_lines(patch.stage, "")]
        return _block(f"change stage {_name(patch.target or '')}", body, indent, one_line=True)
    if kind == "change_segment" and patch.segment is not None:
        return _segment(patch.segment, indent, keyword="change segment")
    if kind == "order":
        names = ", ".join(_name(name) for name, _ in patch.order)
        return [f"{indent}order {_name(patch.target or '')}: {names}"]
    if kind == "settings" and patch.params is not None:
        return _params(patch.params, indent)
    if kind == "hours" and patch.hours is not None:
        return _hours(patch.hours, indent)
    raise ValueError(f"cannot write a design change of kind {kind!r}")


def _variant(variant: Variant, indent: str) -> list[str]:
    head = f"variant {_name(variant.name)}"
    if variant.base:
        head += f" extends {_name(variant.base)}"
    body = [line for patch in variant.patches for line in _patch(patch, indent + INDENT)]
    return [f"{indent}{head} {{", *body, f"{indent}}}"] if body else [f"{indent}{head} {{}}"]


def _margin(value: float, percent: bool, unit: str | None) -> str:
    if percent:
        return f"{_hundredths(value)}%"
    return f"{_number(value)} {unit}" if unit else _number(value)


def _design_test(test: DesignTest) -> str:
    if test.kind == "value":
        text = f"expect {test.metric}"
        if test.scope and test.scope_name is not None:
            text += f" of {test.scope} {_name(test.scope_name)}"
        if test.design != "baseline":
            text += f" in {_name(test.design)}"
        threshold = _margin(test.threshold or 0.0, test.percent, test.threshold_unit)
        return f"{text} {test.operator} {threshold}"
    text = f"expect {_name(test.design)} {test.kind} {_name(test.rival or 'baseline')} on {test.metric}"
    if test.margin is None:
        return text
    margin = _margin(test.margin, test.margin_percent, test.margin_unit)
    return text + (f" by at least {margin}" if test.kind == "beats" else f" within {margin}")


def _survey(survey: Survey, indent: str) -> list[str]:
    head = f"survey {_name(survey.name)}"
    if survey.segment:
        head += f" for segment {_name(survey.segment)}"
    return _block(head, [_survey_row(row) for row in survey.rows], indent)


def _survey_row(row: SurveyRow) -> str:
    words = [f"factor {row.factor}"]
    for key in ("experience", "expectation", "importance", "ideal"):
        value = getattr(row, key)
        if value is not None:
            words.append(f"{key} {_number(value)}")
    return " ".join(words)


def _episode(episode: Episode, indent: str) -> list[str]:
    lines = []
    if episode.stages:
        lines.append("stages " + ", ".join(_name(name) for name, _ in episode.stages))
    if episode.decides_return:
        lines.append("decides return")
    return _block(f"episode {_name(episode.name)}", lines, indent, one_line=True)


def _own(items: tuple[_T, ...], file: str | None) -> tuple[_T, ...]:
    """The items written in this file (not merged in from an imported library)."""
    if file is None:
        return items
    return tuple(item for item in items if getattr(item, "span", NO_SPAN).file in (file, NO_SPAN.file))


def _sections(sections: list[list[str]]) -> list[str]:
    lines: list[str] = []
    for section in sections:
        if section:
            if lines:
                lines.append("")
            lines.extend(section)
    return lines


def write_journey(journey: Journey, header: str | None = None) -> str:
    """A journey model as ``.journey`` text in the canonical layout.

    Parameters
    ----------
    journey : Journey
        The model, e.g. from an importer.  When it was read from a file with
        ``import`` statements, the imports are written again and the definitions
        merged in from the libraries are left out (they stay in the libraries).
    header : str, optional
        A comment to put at the top (e.g. the file an importer read); each of its
        lines becomes a ``#`` line.

    Returns
    -------
    str
        The text, formatted as :func:`format_text` formats it.  Reading it gives
        the same model, apart from where each construct stands.

    Examples
    --------
    >>> from journeydsl.lang.model import Stage, Transition
    >>> print(write_journey(Journey("Shop", stages=(Stage("buy", transitions=(Transition("buy", "exit"),)),))), end="")
    journey Shop {
      stage buy {
        -> exit
      }
    }
    """
    own = journey.span.file if journey.imports else None
    inner = INDENT
    settings: list[str] = []
    if journey.time_unit:
        settings.append(f"{inner}time unit {journey.time_unit}")
    if journey.horizon is not None:
        settings.append(f"{inner}horizon {_quantity(journey.horizon)}")
    if journey.arrivals is not None:
        settings.append(inner + _arrivals(journey.arrivals))
    if journey.hours is not None:
        settings.extend(_hours(journey.hours, inner))
    if journey.seed is not None:
        settings.append(f"{inner}seed {_number(journey.seed)}")
    if journey.visit_limit is not None:
        settings.append(f"{inner}visit limit {_number(journey.visit_limit)}")
    settings.extend(inner + _care_budget(b) for b in journey.care_budgets)
    sections = [
        settings,
        [inner + _factor(f) for f in _own(journey.factors, own)],
        [line for s in _own(journey.segments, own) for line in _segment(s, inner)],
        [line for p in _own(journey.params, own) for line in _params(p, inner)],
        *([line for line in _stage(stage, inner)] for stage in journey.stages),
        [line for tp in _own(journey.touchpoints, own) for line in _touchpoint(tp, inner)],
        [line for tp in _own(journey.care, own) for line in _touchpoint(tp, inner, "care")],
        [line for e in journey.episodes for line in _episode(e, inner)],
        [line for s in journey.surveys for line in _survey(s, inner)],
        *(_variant(v, inner) for v in journey.variants),
        [inner + _design_test(t) for t in journey.design_tests],
    ]
    body = _sections(sections)
    lines = _header(header) + [f"import {_quote(i.path)}" for i in journey.imports]
    if journey.imports:
        lines.append("")
    lines += [f"journey {_name(journey.name)} {{", *body, "}"] if body else [f"journey {_name(journey.name)} {{}}"]
    return format_text("\n".join(lines) + "\n", "<written>")


def write_library(library: Library, header: str | None = None) -> str:
    """A library model as ``.journey`` text in the canonical layout (see :func:`write_journey`)."""
    inner = INDENT
    sections = [
        [inner + _factor(f) for f in library.factors],
        [line for s in library.segments for line in _segment(s, inner)],
        [line for p in library.params for line in _params(p, inner)],
        [line for tp in library.touchpoints for line in _touchpoint(tp, inner)],
        [line for tp in library.care for line in _touchpoint(tp, inner, "care")],
    ]
    body = _sections(sections)
    head = "library" + (f" {_name(library.name)}" if library.name is not None else "")
    lines = _header(header) + ([f"{head} {{", *body, "}"] if body else [f"{head} {{}}"])
    return format_text("\n".join(lines) + "\n", "<written>")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _header(header: str | None) -> list[str]:
    if not header:
        return []
    return [("# " + line).rstrip() for line in header.splitlines()] + [""]
