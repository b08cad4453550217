"""Routing by segment: the short spelling, per-segment remainders and sums."""

from __future__ import annotations

import pytest

from journeydsl.api import check_text, loads, simulate
from journeydsl.lang.routing import SegmentView, routes
from journeydsl.sim.plan import compile_plan

BRANCH = """journey "Branch" {{
  segment premier 30% {{ tier A }}
  segment mass 70% {{ tier B }}
  stage arrive {{
    touchpoint reception: staff {{ feel +1 }}
    {routing}
  }}
  stage lounge {{
    touchpoint coffee: environment {{ sense +1 }}
    -> advice
  }}
{counter}  stage advice goal {{
    touchpoint advisor: staff {{ think +2 }}
  }}
}}"""


COUNTER = """  stage counter {
    touchpoint desk: staff { feel +1 }
    -> advice
  }
"""


def branch(routing: str) -> str:
    """The branch journey with these transitions out of its first stage (and a counter stage when they name it)."""
    return BRANCH.format(routing=routing, counter=COUNTER if "counter" in routing else "")


def codes(text: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in check_text(text, "branch.journey").diagnostics]


# ---- the language -----------------------------------------------------------------------------------------


def test_a_conditional_alone_means_zero_for_everyone_else():
    short = loads(branch("-> lounge 100% if segment premier\n -> advice"))
    written = loads(branch("-> lounge 0%, 100% if segment premier\n -> advice"))
    assert short.stages[0].transitions[0].probability.value == 0.0
    for view in (SegmentView("premier", "A"), SegmentView("mass", "B")):
        assert [r.probability for r in routes(short.stages[0], view)] == [
            r.probability for r in routes(written.stages[0], view)
        ]
    assert [r.probability for r in routes(short.stages[0], SegmentView("premier", "A"))] == [1.0, 0.0]
    assert [r.probability for r in routes(short.stages[0], SegmentView("mass", "B"))] == [0.0, 1.0]


def test_the_remainder_is_taken_per_segment_whatever_the_order():
    first = loads(branch("-> advice\n -> lounge 100% if segment premier"))
    assert [r.probability for r in routes(first.stages[0], SegmentView("premier", "A"))] == [0.0, 1.0]
    results = simulate(first, customers=1000, seed=4).results
    premier = results["segments"]["premier"]["customers"]
    # Every premier customer sits in the lounge, nobody else does (written first, the remainder took all).
    assert results["stages"]["lounge"]["entered"] == premier > 0


def test_mutually_exclusive_conditions_do_not_add_up():
    assert codes(branch("-> lounge 0%, 100% if segment premier\n -> counter 60%, 0% if segment premier")) == []
    assert codes(branch("-> lounge 100% if tier A\n -> counter 60%, 0% if tier A")) == []


def test_the_sum_is_checked_per_segment_and_names_it():
    found = codes(branch("-> lounge 100% if segment premier\n -> counter 60%"))
    assert found == [("JD202", "transitions out of `arrive` add up to 160% for segment `premier`")]
    state = codes(branch("-> lounge 50%, 90% if mood > 1 and segment premier\n -> counter 30%"))
    assert state == [
        (
            "JD202",
            "transitions out of `arrive` can add up to 120% for segment `premier` when their conditions hold together",
        )
    ]
    # Without any condition on the segment, the message names no segment (as before).
    assert codes(branch("-> lounge 70%\n -> counter 50%")) == [("JD202", "transitions out of `arrive` add up to 120%")]


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("-> lounge 100% for segment premier", "routed by segment with `if`"),
        ("-> lounge when segment premier", "routed by segment with `if`, after its probability"),
        ("-> lounge if segment premier", "write the probability before `if`"),
        ("-> lounge 0% 100% if segment premier", "separate a transition's probabilities with a comma"),
        ("-> lounge 100% if premier", "`if segment premier`"),
        ("-> lounge 100% if segment == premier", "name the segment right after the word"),
        ("-> lounge 100% if segment premier or segment mass", "conditions join with `and`"),
        ("-> lounge 100% if segment premier else 20%", "the probability for everyone else comes first"),
    ],
)
def test_a_mistyped_routing_gets_a_hint(written, hint):
    (diagnostic,) = check_text(branch(written + "\n -> advice"), "branch.journey").diagnostics
    assert diagnostic.code == "JD001" and hint in (diagnostic.hint or ""), (diagnostic.message, diagnostic.hint)


def test_a_misspelt_segment_keyword_in_a_condition_is_named():
    (diagnostic,) = check_text(branch("-> lounge 100% if segmnt premier\n -> advice"), "b.journey").diagnostics
    assert diagnostic.code == "JD004" and "`segment`" in (diagnostic.hint or "")


def test_the_plan_gives_each_segment_its_remainder():
    plan = compile_plan(loads(branch("-> lounge 100% if segment premier\n -> advice")))
    lounge, advice = plan.stages[0].transitions
    assert (lounge.probability, advice.probability) == (0.0, 1.0)
    # The remainder of premier customers (0%) comes as one more conditional after the written ones.
    assert [probability for probability, _ in advice.conditionals] == [0.0]
