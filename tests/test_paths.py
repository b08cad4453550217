"""The ways through a journey (journeydsl.report.paths): which touchpoint follows which, for whom, how often."""

from __future__ import annotations

import itertools

import pytest

from journeydsl.api import load, loads
from journeydsl.report.paths import journey_paths
from journeydsl.sim.plan import compile_plan

from .conftest import EXAMPLES
from .test_journey_map import BRANCH, generated_journey


def ways(text: str):
    journey = loads(text)
    return journey_paths(compile_plan(journey), journey)


def example(stem: str):
    journey = load(next(path for path in EXAMPLES if path.stem == stem))
    return journey_paths(compile_plan(journey), journey)


def test_the_options_of_a_choice_are_alternatives_and_never_follow_each_other():
    premier = example("premier_banking")
    assert premier.alternative("sign_in_branch", "sign_online")
    edges = premier.everyone.edge_set()
    assert ("sign_in_branch", "sign_online") not in edges and ("sign_online", "sign_in_branch") not in edges
    # Both options fork from the last touchpoint before the choice and meet again at the next one.
    assert {("fetch_printouts", "sign_in_branch"), ("fetch_printouts", "sign_online")} <= edges
    assert {("sign_in_branch", "portfolio_review"), ("sign_online", "portfolio_review")} <= edges
    pizza = example("pizza_restaurant")
    assert pizza.alternative("counter_order", "table_service")
    assert not pizza.alternative("smell_of_the_oven", "pizza")


def test_stages_segments_are_routed_to_apart_are_alternatives_with_each_segment_on_its_own_way():
    branch = ways(BRANCH)
    assert branch.alternative("teller", "lounge_room")
    assert branch.segment("premier").edge_set() == {("greeter", "lounge_room"), ("lounge_room", "goodbye")}
    assert branch.segment("everyday").edge_set() == {("greeter", "teller"), ("teller", "goodbye")}
    assert branch.segment("premier").reach == {"greeter": 1.0, "lounge_room": 1.0, "goodbye": 1.0}
    everyone = {(e.source, e.target): e.share for e in branch.everyone.edges}
    assert everyone == {
        ("greeter", "lounge_room"): pytest.approx(0.3),
        ("lounge_room", "goodbye"): pytest.approx(0.3),
        ("greeter", "teller"): pytest.approx(0.7),
        ("teller", "goodbye"): pytest.approx(0.7),
    }
    assert branch.everyone.main == ("greeter", "teller", "goodbye")


def test_a_touchpoint_for_one_segment_is_passed_by_the_others():
    pizza = example("pizza_restaurant")
    assert {("pizza", "kids_gift"), ("kids_gift", "bill")} <= pizza.segment("families").edge_set()
    assert ("pizza", "bill") not in pizza.segment("families").edge_set()
    for segment in ("couples", "takeaway"):
        assert ("pizza", "bill") in pizza.segment(segment).edge_set()
        assert "kids_gift" not in pizza.segment(segment).reach
    # Takeaway customers never get table service (their share is 0%): no way leads there.
    assert "table_service" not in pizza.segment("takeaway").reach
    assert pizza.segment("takeaway").main[:2] == ("smell_of_the_oven", "counter_order")


def test_shares_follow_the_choices_and_transitions_of_each_segment():
    premier = example("premier_banking")
    mine = {(e.source, e.target): e.share for e in premier.segment("premier").edges}
    # advice -> sign 55% (then 80% of premier customers sign in the branch), -> reconsider 25%.
    assert mine[("fetch_printouts", "sign_in_branch")] == pytest.approx(0.55 * 0.8)
    assert mine[("fetch_printouts", "sign_online")] == pytest.approx(0.55 * 0.2)
    assert mine[("fetch_printouts", "follow_up_call")] == pytest.approx(0.25)
    assert premier.segment("premier").reach["portfolio_review"] == pytest.approx(0.55)
    # A way back to an earlier stage is a loop, not a step of the pass.
    assert ("follow_up_call", "advisor") in premier.segment("premier").loops
    assert ("follow_up_call", "advisor") not in premier.segment("premier").edge_set()


def test_segment_conditions_on_a_transition_route_only_that_segment():
    shop = example("online_shop")
    assert ("price_check", "video_fitting") in shop.segment("racers").edge_set()
    for other in ("commuters", "weekenders"):
        assert "video_fitting" not in shop.segment(other).reach
    assert not shop.alternative("price_check", "video_fitting")
    assert not shop.alternative("video_fitting", "basket_and_payment")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_steps_forward_and_never_between_alternatives(path):
    found = example(path.stem)
    position = {name: i for i, name in enumerate(found.touchpoints)}
    for ways_of in (found.everyone, *found.segments.values()):
        for edge in ways_of.edges:
            assert position[edge.source] < position[edge.target]
            assert not found.alternative(edge.source, edge.target)
            assert 0 < edge.share <= 1 + 1e-9
        for first, second in itertools.pairwise(ways_of.main):
            assert (first, second) in ways_of.edge_set()


def test_a_generated_journey_of_thirty_touchpoints():
    found = ways(generated_journey(30, 8))
    assert len(found.touchpoints) == 30
    choices = [name for name in found.touchpoints if "option" in name]
    pairs = [(a, b) for a, b in itertools.pairwise(choices) if a.endswith("option_a") and b.endswith("_name")]
    assert pairs, "the generator writes choices"
    for a, b in pairs:
        assert found.alternative(a, b)
        assert (a, b) not in found.everyone.edge_set()
    # Stage 3 is for newcomers only: the others go from stage 2 straight to stage 4.
    stage_3 = next(span for span in found.stages if span.name.startswith("stage_3"))
    third = set(found.touchpoints[stage_3.first : stage_3.last + 1])
    assert third <= set(found.segment("newcomers").reach)
    assert not third & set(found.segment("regulars").reach)
