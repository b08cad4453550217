"""Routing by segment: the short spelling, per-segment remainders and sums, and the exact per-segment analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeydsl.analysis.markov import analyze
from journeydsl.api import analyze as analyze_design
from journeydsl.api import check_text, design_names, load, loads, simulate
from journeydsl.lang.routing import SegmentView, routes
from journeydsl.sim.plan import compile_plan

from .conftest import EXAMPLES

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


# ---- journey analyze, segment by segment ------------------------------------------------------------------

LOUNGE = """journey "Lounge" {
  visit limit 3
  segment premier 30% { tier A }
  segment mass 70% { tier B }
  stage arrive {
    touchpoint reception: staff { feel +1 }
    -> lounge 100% if segment premier
    -> advice
  }
  stage lounge {
    touchpoint coffee: environment { sense +1; failure spill 20% recover by sorry }
    -> advice
  }
  stage advice {
    choice {
      touchpoint desk: staff share 50% (premier 90%) { think +1 }
      touchpoint app: digital share 50% (premier 10%) { think +1 }
    }
    -> sign 40%, 60% if segment premier, 10% if visits >= 2
    -> reconsider 50%, 30% if tier A
  }
  stage reconsider {
    touchpoint call: staff { feel +1 }
    -> advice 70%, 90% if visits >= 1
  }
  stage sign goal {
    touchpoint pen: staff for segment mass { act +1 }
  }
  touchpoint sorry: staff { feel +1 }
}"""


def test_only_premier_customers_visit_the_lounge():
    document = analyze(loads(LOUNGE))
    segments = document["segments"]
    assert segments["mass"]["stages"]["lounge"]["expected_visits"] == 0.0
    assert segments["premier"]["stages"]["lounge"]["expected_visits"] == 1.0
    assert document["touchpoints"]["coffee"]["expected_visits"] == pytest.approx(0.3)
    assert document["touchpoints"]["sorry"]["expected_visits"] == pytest.approx(0.3 * 0.2)
    assert segments["premier"]["touchpoints"]["pen"]["expected_visits"] == 0.0  # written for mass customers
    # The figures for all customers mix the segments' by their shares.
    mixed = 0.3 * segments["premier"]["conversion"] + 0.7 * segments["mass"]["conversion"]
    assert document["conversion"] == pytest.approx(mixed, abs=1e-6)


def test_segment_routing_visit_limits_and_visits_conditions_are_exact_against_simulation():
    journey = loads(LOUNGE)
    document = analyze(journey)
    # The loop advice <-> reconsider is followed visit by visit: its limit of 3 stops some customers, and
    # `visits >= 2` is settled at each visit; nothing is approximated.
    assert document["exact"] and document["flow_exact"] and document["approximations"] == []
    assert document["stopped_by_visit_limits"] > 0.01
    assert document["conversion_range"] == [document["conversion"]] * 2
    results = simulate(journey, customers=40_000, seed=5).results
    low, high = results["metrics"]["conversion_rate"]["ci95"]
    assert low <= document["conversion"] <= high
    for name, segment in document["segments"].items():
        low, high = results["segments"][name]["metrics"]["conversion_rate"]["ci95"]
        assert low <= segment["conversion"] <= high, name
    customers = results["customers"]
    for name, touchpoint in document["touchpoints"].items():
        assert touchpoint["expected_visits"] == pytest.approx(
            results["touchpoints"][name]["visits"] / customers, abs=0.01
        )


def test_removal_effects_on_a_followed_loop_equal_the_journey_without():
    journey_text = LOUNGE
    document = analyze(loads(journey_text))
    conversion = document["conversion"]
    # Without `reconsider` (every customer there meets `call`), customers who would arrive there drop off.
    without = analyze(loads(journey_text.replace("-> advice 70%, 90% if visits >= 1", "")))["conversion"]
    assert document["stages"]["reconsider"]["removal_effect"] == pytest.approx(1 - without / conversion, abs=1e-5)
    assert document["touchpoints"]["call"]["removal_effect"] == pytest.approx(1 - without / conversion, abs=1e-5)
    # Without `sorry`, the 20% of lounge visitors whose coffee spills drop off there.
    spilt = analyze(
        loads(journey_text.replace("    -> advice\n  }\n  stage advice", "    -> advice 80%\n  }\n  stage advice"))
    )
    assert document["touchpoints"]["sorry"]["removal_effect"] == pytest.approx(
        1 - spilt["conversion"] / conversion, abs=1e-5
    )


LOOP = """journey "Loop" {{
  visit limit {limit}
  stage a {{ touchpoint t1: media {{ feel +1 }} -> b 70% -> c 20% }}
  stage b {{ touchpoint t2: media {{ feel +1 }} -> a 30% -> d 50% }}
  stage c {{ touchpoint t3: media {{ feel +1 }} -> d 40% }}
  stage d goal {{ touchpoint t4: media {{ feel +1 }} }}
}}"""


@pytest.mark.parametrize(
    ("limit", "conversion"),
    [
        # One way round converts 0.7 x 0.5 + 0.2 x 0.4 = 0.43; a customer comes back to `a` with 0.7 x 0.3 = 0.21.
        (1, 0.43),  # the second entry into `a` is over the limit
        (2, 0.43 * (1 + 0.21)),
        (3, 0.43 * (1 + 0.21 + 0.21**2)),
        (100, 0.43 / (1 - 0.21)),  # 0.21^100: no limit can stop anyone
    ],
)
def test_visit_limits_stop_customers_where_the_engine_does(limit, conversion):
    document = analyze(loads(LOOP.format(limit=limit)))
    assert document["conversion"] == pytest.approx(conversion, rel=1e-5)
    assert document["exact"]
    if limit == 100:
        assert document["stopped_by_visit_limits"] == 0.0
    else:  # stopped on the way back into `a`: 0.21^limit of the customers
        assert document["stopped_by_visit_limits"] == pytest.approx(0.21**limit, rel=1e-5)


def test_a_mood_condition_is_named_and_bounded():
    document = analyze(
        loads(
            'journey "J" { segment x 50% { tier A } segment y 50% { tier B } '
            "stage a { touchpoint t: staff { feel +1 } -> b 40%, 80% if mood > 1 and segment x } "
            "stage b goal { touchpoint u: staff { feel +1 } } }"
        )
    )
    assert not document["exact"] and not document["flow_exact"]
    assert document["approximated_transitions"] == [
        {"stage": "a", "target": "b", "conditional": "80% if mood > 1", "taken": 0.4, "segments": ["x"]}
    ]
    assert "`a -> b, 80% if mood > 1` depends on what the customer met" in document["approximations"][0]
    assert document["conversion"] == pytest.approx(0.4)
    # Segment y always 40%; segment x between 40% and 80%.
    assert document["segments"]["x"]["conversion_range"] == pytest.approx([0.4, 0.8])
    assert document["conversion_range"] == pytest.approx([0.4, 0.6])


def test_a_loop_too_large_to_follow_is_named_with_what_its_limits_may_stop():
    stages = "".join(
        f"stage s{i} {{ touchpoint t{i}: media {{ feel +1 }} -> s{i + 1} 80% -> s{max(i - 1, 0)} 10% }} "
        for i in range(70)
    )
    document = analyze(
        loads(f'journey "Long" {{ visit limit 3 {stages} stage s70 goal {{ touchpoint e: media {{ feel +1 }} }} }}')
    )
    assert not document["flow_exact"]
    (reason,) = document["approximations"]
    assert reason.startswith("the loop `s0` -> `s1`") and "(70 stages) is too large to follow visit by visit" in reason


# ---- journey analyze against the simulation, on every example and design ----------------------------------

#: Customers per simulated design: a 95% interval of about +-1.5 percentage points on a conversion near 60%.
CUSTOMERS = 4000


def designs_of_examples() -> list[tuple[Path, str]]:
    return [(path, name) for path in EXAMPLES for name in design_names(load(path))]


def _given_up(results: dict) -> int:
    return sum(touchpoint["reneged"] for touchpoint in results["touchpoints"].values())


@pytest.mark.parametrize(
    ("example", "design"), designs_of_examples(), ids=[f"{p.stem}-{d}" for p, d in designs_of_examples()]
)
def test_analyze_never_contradicts_the_simulation_beyond_what_it_states(example, design):
    """The simulated conversion's 95% interval meets what analyze says, overall and for each segment.

    Where analyze says the flow is exact, its conversion lies in the interval.  Where it says it is
    approximate, the tolerance is what it states: its ``conversion_range`` (whatever mood and
    satisfaction do), and, where it says customers who give up in a queue are counted as served, the
    share of customers the simulation saw give up (each of them loses at most their one conversion).
    """
    journey = load(example)
    document = analyze_design(journey, design)
    results = simulate(journey, design=design, customers=CUSTOMERS, seed=17).results
    gave_up = _given_up(results)
    counts_give_ups = any("give up waiting" in reason for reason in document["approximations"])
    assert counts_give_ups or gave_up == 0
    # Every loop of the examples is small enough to follow visit by visit (no tolerance for visit limits).
    assert not any("too large to follow" in reason for reason in document["approximations"])
    groups = [("all customers", document, results["metrics"], results["customers"])]
    groups += [
        (name, document["segments"][name], segment["metrics"], segment["customers"])
        for name, segment in results["segments"].items()
    ]
    for name, analysed, simulated, customers in groups:
        low, high = simulated["conversion_rate"]["ci95"]
        if document["flow_exact"]:
            assert low <= analysed["conversion"] <= high, name
            continue
        lowest, highest = analysed["conversion_range"]
        tolerance = gave_up / customers if counts_give_ups else 0.0
        assert lowest - tolerance <= high and low <= highest, (name, analysed["conversion_range"], (low, high))
        assert lowest <= analysed["conversion"] <= highest


def test_a_loop_every_customer_goes_round_is_cut_by_its_visit_limit():
    # a -> b -> a for certain: the chain without limits is singular; the limit of 4 stops everyone at the 5th `a`.
    document = analyze(
        loads(
            'journey "J" { visit limit 4 stage a goal { touchpoint t: staff { feel +1 } -> b } '
            "stage b { touchpoint u: staff { feel +1 } -> a } }"
        )
    )
    assert document["exact"] and document["stopped_by_visit_limits"] == 1.0
    assert [stage["expected_visits"] for stage in document["stages"].values()] == [4.0, 4.0]
