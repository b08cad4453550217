"""Effects written as 0-10 ratings (``feel rating 7/10``, ``sense pain 8/10``): the effect scale of docs/model.md."""

from __future__ import annotations

import pytest

from journeydsl.api import check_text, loads, simulate
from journeydsl.lang.model import Rating

RATED = """journey "Clinic" {{
  arrivals cohort 300
  seed 4
  stage visit goal {{
    touchpoint waiting_room: environment {{ sense {sense}; feel {feel} }}
    touchpoint doctor: staff {{ think +2 }}
  }}
  variant "kinder" {{ change doctor {{ feel {kinder} }} }}
}}
"""


@pytest.mark.parametrize(
    ("written", "effect"),
    [
        ("rating 0/10", -5.0),
        ("rating 5/10", 0.0),
        ("rating 8/10", 3.0),
        ("rating 10/10", 5.0),
        ("rating 7.5/10", 2.5),
        ("pain 0/10", 0.0),
        ("pain 4/10", -2.0),
        ("pain 10/10", -5.0),
    ],
)
def test_a_rating_reads_as_its_documented_effect(written, effect):
    journey = loads(RATED.format(sense="pain 0/10", feel=written, kinder="+1"))
    feel = next(m for m in journey.all_touchpoints()[0].effects.modules if m.name == "feel")
    assert feel.value == effect
    assert feel.rating is not None and feel.rating.kind == written.split()[0]


def test_a_pain_is_the_rating_five_minus_half_of_it():
    for pain in range(11):
        assert Rating("pain", pain, 10).effect == Rating("rating", 5 - pain / 2, 10).effect


def test_rated_effects_simulate_exactly_as_the_same_effects_on_the_module_scale():
    rated = loads(RATED.format(sense="pain 6/10", feel="rating 8/10", kinder="rating 9/10"))
    plain = loads(RATED.format(sense="-3", feel="+3", kinder="+4"))
    for design in ("baseline", "kinder"):
        figures, same = simulate(rated, design=design).results, simulate(plain, design=design).results
        assert figures["source_sha256"] != same["source_sha256"]  # the texts differ; nothing else does
        assert {**figures, "source_sha256": ""} == {**same, "source_sha256": ""}


@pytest.mark.parametrize(
    ("written", "code", "message"),
    [
        ("rating 11/10", "JD207", "rating 11 is outside the scale 0 to 10"),
        ("pain -1/10", "JD207", "pain -1 is outside the scale 0 to 10"),
        ("rating 4/5", "JD230", "rating 4/5 is not out of 10"),
        ("pain 3/0", "JD230", "pain 3/0 is not out of 10"),
    ],
)
def test_a_rating_off_the_scale_is_an_error_at_the_rating(written, code, message):
    text = RATED.format(sense="+1", feel=written, kinder="+1")
    result = check_text(text, "clinic.journey")
    errors = [d for d in result.diagnostics if d.is_error]
    assert [(d.code, d.message) for d in errors] == [(code, message)]
    line = text.splitlines()[errors[0].span.line - 1]
    assert line[errors[0].span.column - 1 : errors[0].span.end_column - 1] == written.split()[1]


def test_the_hint_gives_the_rating_out_of_10():
    result = check_text(RATED.format(sense="+1", feel="rating 4/5", kinder="+1"))
    assert result.diagnostics[0].hint.endswith(": rating 8/10")


def test_a_variant_and_a_failure_take_ratings_too():
    text = RATED.format(sense="+1", feel="+1", kinder="rating 9/10").replace(
        "think +2 }", "think +2 failure lost 20% { feel pain 6/10 } }"
    )
    journey = loads(text)
    failure = journey.all_touchpoints()[1].effects.failures[0]
    assert failure.effects.modules[0].value == -3.0
