"""Positions from tokens: the parser records each rule's first and last token instead of Lark's ``Meta``.

The model built from its trees must be the one built from a parser with Lark's own
``propagate_positions`` (the reference), span for span: every example, every invalid fixture that
parses, the benchmark's generated journey and hand-written corner cases (a rule standing for its
parent, keywords and punctuation at a rule's edges, carriage returns, tabs, non-ASCII names).
"""

from __future__ import annotations

import dataclasses
import sys
from functools import lru_cache

import pytest
from lark import Lark
from lark.exceptions import UnexpectedInput

from journeydsl.lang.parser import grammar_path, journey_parser, position_span
from journeydsl.lang.transform import to_document

from .conftest import EXAMPLES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from check_speed import generate  # noqa: E402

FIXTURES = sorted((ROOT / "tests" / "fixtures" / "invalid").glob("*.journey"))

CORNERS = {
    "one line": 'journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }',
    "crlf and tabs": 'journey "J" {\r\n\tstage a goal {\r\n\t\ttouchpoint t: staff duration 5 min {\tfeel +1 }\r\n\t}\r\n}\r\n',
    "non-ascii": 'journey "Café ☕" {\n  stage "étape 1" goal {\n    touchpoint "thé": staff { feel +1 }\n  }\n}\n',
    "comments": '# c\njourney "J" { # c\n  stage a goal { # c\n    touchpoint t: staff { feel +1 } # c\n  } # c\n} # c\n',
}


@lru_cache(maxsize=1)
def reference() -> Lark:
    """The journey grammar with Lark's own position propagation."""
    grammar = grammar_path().read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False)


def both(text: str, file: str = "t.journey") -> tuple[object, object] | None:
    """The document built from the recorded positions and from Lark's, or ``None`` if the text does not parse."""
    try:
        theirs = reference().parse(text)
    except UnexpectedInput:
        return None
    ours = journey_parser().parse(text)
    return to_document(ours, file, text), to_document(theirs, file, text)


def spans(value: object, found: list[object]) -> list[object]:
    """Every span in a model, in order (so that a difference is easy to read)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ == "Span":
            found.append(value)
        else:
            for field in dataclasses.fields(value):
                spans(getattr(value, field.name), found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            spans(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            spans(item, found)
    return found


def assert_same(text: str, file: str = "t.journey") -> None:
    built = both(text, file)
    if built is None:
        return
    ours, theirs = built
    assert spans(ours, []) == spans(theirs, [])
    assert ours == theirs


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_have_the_same_spans(path):
    assert_same(path.read_text(encoding="utf-8-sig"), path.name)


def test_invalid_fixtures_have_the_same_spans():
    parsed = 0
    for path in FIXTURES:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        if both(text, path.name) is not None:
            parsed += 1
            assert_same(text, path.name)
    assert parsed >= 50  # most fixtures are semantic mistakes, which parse


@pytest.mark.parametrize("name", sorted(CORNERS))
def test_corner_cases_have_the_same_spans(name):
    assert_same(CORNERS[name])


def test_the_generated_benchmark_journey_has_the_same_spans():
    assert_same(generate(300))


def test_a_span_includes_the_keywords_and_braces_the_tree_drops():
    text = 'journey "J" {\n  stage a goal {\n    touchpoint t: staff { feel +1 }\n  }\n}\n'
    document = to_document(journey_parser().parse(text), "t.journey", text)
    stage = document.body.stages[0]
    assert (stage.span.line, stage.span.column, stage.span.end_line, stage.span.end_column) == (2, 3, 4, 4)


def test_no_position_is_no_span():
    assert position_span(None, "t.journey").line == 0


TOY = r"""
start: seq _end
seq: item ("," item)*
?item: "[" atom "]" | atom | pair
pair: "<" atom atom ">"
atom: NAME
_end: ";"
%import common.CNAME -> NAME
%import common.WS
%ignore WS
"""


def test_a_rule_standing_for_its_parent_takes_its_parent_s_extent_as_lark_does():
    from lark import Tree

    from journeydsl.lang.parser import _record_positions

    ours = Lark(TOY, parser="lalr", propagate_positions=False)
    assert _record_positions(ours)
    theirs = Lark(TOY, parser="lalr", propagate_positions=True)
    text = "[ a ],\n b , < c\n d > , [x] ;"
    mine, lark_s = ours.parse(text), theirs.parse(text)
    pairs = list(zip(mine.iter_subtrees(), lark_s.iter_subtrees(), strict=True))
    assert len(pairs) >= 6
    for one, other in pairs:
        assert isinstance(one, Tree) and one.data == other.data
        assert position_span(one._meta, "f") == position_span(other.meta, "f")
        if one._meta is not None:  # what it was written in, as Lark's container_* say
            first, last = one._meta[2], one._meta[3]
            assert (first.line, first.column) == (other.meta.container_line, other.meta.container_column)
            assert (last.end_line, last.end_column) == (other.meta.container_end_line, other.meta.container_end_column)
