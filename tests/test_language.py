"""Parser, transformer and graph: what a file says is what the model and the graph hold."""

from __future__ import annotations

import networkx as nx
import pytest

from journeydsl.api import check_text, compile_graph, loads
from journeydsl.lang.graph import loops, reachable_stages, stage_id, stages_without_way_out, touchpoint_id

SOURCE = """
# Everything the language has, once.
journey "Shop on the corner" {
  time unit minutes; horizon 30 days; arrivals poisson 12 per hour; seed 7; visit limit 4
  factor convenience expect 6 importance 9 ideal 9
  factor service expect 7 importance 8
  memory { end 0.4 }
  segment "regular customers" 60% { patience 5 min; expect service 8; importance convenience 10
                                    sensitivity feel 1.5; value 40; tier A; waiting { penalty 0.8 } }
  segment tourists 40% { value 15; tier B }
  stage browse (pre-purchase) {
    touchpoint window: environment duration triangular(1 min, 2 min, 5 min) { sense +2; theme identity +1 }
    choice help {
      touchpoint clerk: staff capacity 2 duration exponential(3 min) cost 1.5 share 70% ("regular customers" 80%, tourists 50%) {
        feel +2; performance service 8; variability 0.5
        failure rude 5% { feel -3 } recover by apology
      }
      touchpoint kiosk: digital duration lognormal(2 min, 1 min) share 30% ("regular customers" 20%, tourists 50%) moment of truth { think +1 }
    }
    -> pay 60%, 80% if mood > 1 and segment "regular customers"
    -> browse 10%
  }
  stage pay (purchase) goal {
    after 2 min
    touchpoint till: staff capacity 1 duration empirical(1 min, 2 min, 4 min) { act +1; performance convenience 5 }
    repeat -> browse after 7 days
  }
  touchpoint apology: staff duration 1 min { feel +1; theme respect +2 }
  care card: media every 1 year for tier A cost 2 { relate +1 }
}
"""


@pytest.fixture(scope="module")
def journey():
    return loads(SOURCE, "shop.journey")


def test_journey_settings(journey):
    assert journey.name == "Shop on the corner"
    assert journey.time_unit == "minutes"
    assert (journey.horizon.value, journey.horizon.unit) == (30, "days")
    assert (journey.arrivals.kind, journey.arrivals.rate, journey.arrivals.per) == ("poisson", 12, "hour")
    assert journey.seed == 7 and journey.visit_limit == 4
    assert [(f.name, f.expect, f.importance, f.ideal) for f in journey.factors] == [
        ("convenience", 6, 9, 9),
        ("service", 7, 8, None),
    ]
    assert [(b.name, [(p.name, p.value.value) for p in b.params]) for b in journey.params] == [
        ("memory", [("end", 0.4)])
    ]


def test_segments(journey):
    regular, tourists = journey.segments
    assert regular.name == "regular customers" and regular.share.value == pytest.approx(0.6) and regular.share.percent
    assert (regular.patience.value, regular.patience.unit) == (5, "min")
    assert [(e.name, e.value) for e in regular.expectations] == [("service", 8)]
    assert [(e.name, e.value) for e in regular.importances] == [("convenience", 10)]
    assert [(e.name, e.value) for e in regular.sensitivities] == [("feel", 1.5)]
    assert (regular.value, regular.tier, tourists.tier) == (40, "A", "B")
    assert regular.params[0].name == "waiting"


def test_stages_touchpoints_and_effects(journey):
    browse, pay = journey.stages
    assert (browse.phase, browse.goal, pay.phase, pay.goal) == ("pre-purchase", False, "purchase", True)
    assert (pay.delay.value, pay.delay.unit) == (2, "min")
    window, clerk, kiosk = browse.touchpoints()
    assert window.duration.kind == "triangular" and [a.value for a in window.duration.args] == [1, 2, 5]
    assert [(m.name, m.value) for m in window.effects.modules] == [("sense", 2)]
    assert [(t.name, t.value) for t in window.effects.themes] == [("identity", 1)]
    assert (clerk.channel, clerk.capacity, clerk.cost, clerk.choice) == ("staff", 2, 1.5, "help")
    assert clerk.share.probability.value == pytest.approx(0.7)
    assert [(s.segment, s.probability.value) for s in clerk.share.by_segment] == [
        ("regular customers", pytest.approx(0.8)),
        ("tourists", pytest.approx(0.5)),
    ]
    assert clerk.effects.variability == 0.5
    (rude,) = clerk.effects.failures
    assert (rude.name, rude.probability.value, rude.recovery) == ("rude", pytest.approx(0.05), "apology")
    assert [(m.name, m.value) for m in rude.effects.modules] == [("feel", -3)]
    assert kiosk.moment_of_truth and kiosk.duration.kind == "lognormal"
    (till,) = pay.touchpoints()
    assert till.duration.kind == "empirical" and len(till.duration.args) == 3
    assert [(p.name, p.value) for p in till.effects.performance] == [("convenience", 5)]


def test_transitions(journey):
    browse, pay = journey.stages
    to_pay, loop = browse.transitions
    assert (to_pay.target, to_pay.probability.value) == ("pay", pytest.approx(0.6))
    (conditional,) = to_pay.conditionals
    assert conditional.probability.value == pytest.approx(0.8)
    assert [(c.kind, c.subject, c.operator, c.value) for c in conditional.conditions] == [
        ("compare", "mood", ">", 1),
        ("segment", "regular customers", None, None),
    ]
    assert (loop.target, loop.probability.value) == ("browse", pytest.approx(0.1))
    (repeat,) = pay.transitions
    assert repeat.repeat and repeat.target == "browse" and (repeat.delay.value, repeat.delay.unit) == (7, "days")


def test_library_touchpoints_and_care(journey):
    assert [tp.name for tp in journey.touchpoints] == ["apology"]
    (card,) = journey.care
    assert (card.kind, card.channel, card.cost) == ("care", "media", 2)
    assert (card.every.value, card.every.unit) == (1, "year")
    assert (card.audience.kind, card.audience.name) == ("tier", "A")


def test_spans_point_at_the_source(journey):
    clerk = journey.stages[0].touchpoints()[1]
    line = SOURCE.splitlines()[clerk.name_span.line - 1]
    assert line[clerk.name_span.column - 1 :].startswith("clerk")
    assert clerk.name_span.file == "shop.journey"


def test_comments_semicolons_and_layout_do_not_matter():
    one_line = 'journey "J" { stage a goal { touchpoint t: staff { feel +1; act +1 } } }'
    spread = """
    journey "J" {   # a comment
      stage a goal {
        touchpoint t: staff {
          feel +1    # another
          act +1
        }
      }
    }"""

    def effects(text):
        return [(m.name, m.value) for m in loads(text).stages[0].touchpoints()[0].effects.modules]

    assert effects(one_line) == effects(spread) == [("feel", 1), ("act", 1)]


def test_graph_nodes_edges_and_probabilities(journey):
    graph = compile_graph(journey)
    assert graph.nodes[stage_id("pay")]["goal"] is True
    assert graph.nodes[touchpoint_id("clerk")]["capacity"] == 2
    edge = graph.edges[stage_id("browse"), stage_id("pay")]
    assert edge["kind"] == "transition" and edge["probability"] == pytest.approx(0.6)
    exits = [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == "exit" and u == stage_id("browse")]
    assert len(exits) == 1 and exits[0][2]["probability"] == pytest.approx(0.3)
    assert graph.has_edge(touchpoint_id("clerk"), touchpoint_id("apology")) or any(
        d["kind"] == "recovery" for _, _, d in graph.edges(data=True)
    )
    assert reachable_stages(graph) == {stage_id("browse"), stage_id("pay")}
    assert stages_without_way_out(graph) == set()
    assert any(set(cycle) == {stage_id("browse")} for cycle in loops(graph))


def test_graph_questions_on_a_trap_and_an_unreachable_stage():
    text = """journey "J" {
      stage a { touchpoint t: staff { feel +1 } -> b 50% -> d }
      stage b { touchpoint u: staff { feel +1 } -> c }
      stage c { touchpoint v: staff { feel +1 } -> b }
      stage d goal { touchpoint w: staff { feel +1 } }
      stage lost { touchpoint x: staff { feel +1 } -> d }
    }"""
    result = check_text(text)
    graph = compile_graph(result.journey)
    assert reachable_stages(graph) == {stage_id(name) for name in "abcd"}
    assert stages_without_way_out(graph) >= {stage_id("b"), stage_id("c")}
    assert nx.is_directed(graph)
    reported = sorted((d.code, d.message.split("`")[1]) for d in result.diagnostics)
    assert reported == [("JD301", "lost"), ("JD302", "b"), ("JD302", "c"), ("JD502", "b")]


def test_settings_named_like_keywords():
    journey = loads(
        'journey "J" { spread { importance 0; expectation 0 } memory { duration 0.1 } care { weight 0.5 } '
        "segment s 100% { patience 5 min; spread { patience 0.1; sensitivity 0 } } "
        "stage a goal { touchpoint t: staff { feel +1 } } care c: media for all every 1 year { feel +1 } }"
    )
    assert [(b.name, [p.name for p in b.params]) for b in journey.params] == [
        ("spread", ["importance", "expectation"]),
        ("memory", ["duration"]),
        ("care", ["weight"]),
    ]
    assert [p.name for p in journey.segments[0].params[0].params] == ["patience", "sensitivity"]
    assert [c.name for c in journey.care] == ["c"]


# ---- diagnostics quote the line the parser counted, with the caret under the span ----------------

BAD_FACTOR = 'journey "J" {{{end}  factor service expect 6{end}  stage a goal {{{end}{before}    touchpoint t: staff {{ performance nofactor 7 }}{end}  }}{end}}}{end}'


def quoted_and_caret(rendered: str, code: str) -> tuple[str, str]:
    """The quoted source line of the first diagnostic with ``code`` and the caret line under it."""
    block = next(block for block in rendered.split("\n\n") if f"[{code}]" in block)
    _, quoted, caret = block.split("\n")[:3]
    return quoted.split(" | ", 1)[1], caret.split(" | ", 1)[1]


def caret_under(rendered: str, code: str, word: str) -> bool:
    """True when the caret of the ``code`` diagnostic starts under ``word`` in the quoted line, by display width."""
    from journeydsl.lang.escape import display_width

    quoted, caret = quoted_and_caret(rendered, code)
    return display_width(quoted[: quoted.index(word)]) == caret.index("^")


@pytest.mark.parametrize("separator", ["\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029", "\r"])
def test_a_line_separator_inside_a_name_does_not_shift_the_quoted_line(separator):
    from journeydsl.lang.render import render_text

    before = f'    touchpoint "x{separator}y": staff {{ feel +1 }}\n'
    result = check_text(BAD_FACTOR.format(end="\n", before=before), "a.journey")
    rendered = render_text(result.diagnostics, result.sources)
    quoted, _ = quoted_and_caret(rendered, "JD106")
    assert "a.journey:5:39: error[JD106]" in rendered
    assert quoted == "    touchpoint t: staff { performance nofactor 7 }"
    assert caret_under(rendered, "JD106", "nofactor")


def test_a_crlf_file_quotes_its_lines_without_the_carriage_return():
    from journeydsl.lang.render import render_text

    result = check_text(BAD_FACTOR.format(end="\r\n", before=""), "a.journey")
    rendered = render_text(result.diagnostics, result.sources)
    assert quoted_and_caret(rendered, "JD106")[0] == "    touchpoint t: staff { performance nofactor 7 }"
    assert "\\x0d" not in rendered and caret_under(rendered, "JD106", "nofactor")


@pytest.mark.parametrize(
    "line",
    [
        '    touchpoint "网点顾问": staff { performance nofactor 7 }',
        '    touchpoint "ＡＢ": staff { performance nofactor 7 }',
        '    touchpoint "a\x0cb": staff { performance nofactor 7 }',  # shown as \x0c: four columns
        '    touchpoint "e\u0301": staff { performance nofactor 7 }',  # a combining mark: no column
    ],
)
def test_the_caret_stands_under_the_span_after_wide_or_escaped_characters(line):
    from journeydsl.lang.render import render_text

    text = BAD_FACTOR.format(end="\n", before="").replace("    touchpoint t: staff { performance nofactor 7 }", line)
    result = check_text(text, "a.journey")
    rendered = render_text(result.diagnostics, result.sources)
    assert caret_under(rendered, "JD106", "nofactor"), rendered
    _, caret = quoted_and_caret(rendered, "JD106")
    assert caret.strip() == "^" * len("nofactor")


def test_each_source_is_split_once_however_many_diagnostics_quote_it(monkeypatch):
    from journeydsl.lang import render
    from journeydsl.lang.diagnostics import Diagnostic
    from journeydsl.lang.model import Span

    calls: list[str] = []
    split = render._split_lines
    monkeypatch.setattr(render, "_split_lines", lambda text: calls.append(text) or split(text))
    sources = {name: "".join(f"line {i}\n" for i in range(1, 501)) for name in ("a.journey", "b.journey")}
    diagnostics = [
        Diagnostic("JD106", "unknown", Span(name, i, 1, i, 5), related=(("here", Span("b.journey", i, 6, i, 7)),))
        for name in ("a.journey", "b.journey")
        for i in range(1, 501)
    ]
    rendered = render.render_text(diagnostics, sources)
    assert len(calls) == 2 and rendered.count("  499 | line 499\n") == 4
    assert render.render_text([Diagnostic("JD106", "past the end", Span("a.journey", 501, 1, 501, 2))], sources) == (
        "a.journey:501:1: error[JD106]: past the end"
    )
