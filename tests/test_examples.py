"""The bundled examples: clean, covering the language, telling the stories they claim to tell."""

from __future__ import annotations

import pytest

from journeydsl.api import check_file, load, simulate
from journeydsl.lang.designs import design_names
from journeydsl.lang.model import Choice, Use

from .conftest import EXAMPLES, ROOT

BY_NAME = {path.stem: path for path in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_clean_and_declares_a_variant(example):
    result = check_file(example)
    assert result.diagnostics == [], [(d.code, d.message) for d in result.diagnostics]
    text = example.read_text(encoding="utf-8")
    assert text.startswith("# "), "every example opens with a header comment"
    assert len(design_names(result.journey)) >= 2


def test_there_are_at_least_five_cases():
    assert {"premier_banking", "electronics_shops", "conference_hotel", "pizza_restaurant", "online_shop"} <= set(
        BY_NAME
    )


def test_electronics_shops_carry_the_primer_figures():
    journey = load(BY_NAME["electronics_shops"])
    factors = {f.name: f for f in journey.factors}
    assert {name: factors[name].expect for name in ("product", "price", "convenience", "brand")} == dict.fromkeys(
        ("product", "price", "convenience", "brand"), 7
    )
    assert (factors["convenience"].importance, factors["convenience"].ideal) == (9, 10)
    performance = {p.name: p.value for tp in journey.all_touchpoints() for p in tp.effects.performance}
    assert performance == {"price": 7, "brand": 7, "service": 6, "product": 6, "convenience": 5, "relationship": 4}


def test_conference_hotel_imports_the_library_and_recovers_its_wifi():
    journey = load(BY_NAME["conference_hotel"])
    assert [i.path for i in journey.imports] == ["lib/hospitality.journey"]
    uses = {step.name for stage in journey.stages for step in stage.steps if isinstance(step, Use)}
    assert {"check_in", "housekeeping"} <= uses
    wifi = next(tp for tp in journey.all_touchpoints() if tp.name == "wifi")
    (failure,) = wifi.effects.failures
    assert failure.recovery == "it_desk" and failure.probability.value == pytest.approx(0.3)


def test_reliable_wifi_raises_satisfaction_and_word_of_mouth():
    journey = load(BY_NAME["conference_hotel"])
    baseline = simulate(journey, customers=800, seed=1).results
    reliable = simulate(journey, customers=800, seed=1, design="reliable wifi").results
    assert reliable["metrics"]["satisfaction"]["ci95"][0] > baseline["metrics"]["satisfaction"]["ci95"][1]
    assert reliable["word_of_mouth"]["negative"] < baseline["word_of_mouth"]["negative"]


def test_online_shop_uses_the_dynamic_constructs():
    journey = load(BY_NAME["online_shop"])
    assert journey.arrivals.kind == "market"
    stages = {stage.name: stage for stage in journey.stages}
    assert any(isinstance(step, Choice) for step in stages["discover"].steps)
    consider = stages["consider"]
    assert any(t.conditionals for t in consider.transitions)
    assert any(t.target == "consider" for t in consider.transitions) and journey.visit_limit == 4
    assert any(t.repeat for t in stages["delivery"].transitions)


def test_pizza_gift_reaches_only_families():
    results = simulate(load(BY_NAME["pizza_restaurant"]), customers=600, seed=3).results
    families = results["segments"]["families"]["customers"]
    gifts = results["touchpoints"]["kids_gift"]["visits"]
    first_visits = results["stages"]["eat"]["entered"]
    assert 0 < gifts < first_visits
    assert gifts >= families * 0.9  # every family visit, repeat visits included


def test_library_is_not_a_journey():
    result = check_file(ROOT / "examples" / "journeys" / "lib" / "hospitality.journey")
    assert result.ok and result.journey is None and result.library is not None


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_design_tests_hold(example):
    from journeydsl.api import run_tests

    journey = load(example)
    assert journey.design_tests, "every example states what its designs must achieve"
    document = run_tests(journey, customers=800, seed=1, workers=1)
    assert document["failed"] == 0, [t for t in document["tests"] if t["verdict"] == "failed"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_compares(example):
    from journeydsl.api import compare

    journey = load(example)
    document = compare(journey, customers=200, seed=1, workers=1)
    assert document["designs"] == design_names(journey) and len(document["ranking"]) == len(document["designs"])
