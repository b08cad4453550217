"""Design tests: `expect ...` in the journey, checked, measured and judged by `journey test`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from journeydsl.api import check_text, loads, run_tests
from journeydsl.cli import cli

SHOP = """journey "Shop" { arrivals cohort 800 over 10 days seed 3
  segment a 50% { patience 5 min }  segment b 50% { patience 10 min }
  stage visit { touchpoint greet: staff duration exponential(2 min) { feel +1 }
                touchpoint advice: staff capacity 2 duration exponential(4 min) { think +1; variability 1 }
                -> pay 70% }
  stage pay goal { touchpoint till: staff duration exponential(2 min) { act +1 } }
  variant "warmer advice" { change advice { feel +2 } }
TESTS
}"""


def with_tests(tests: str) -> str:
    return SHOP.replace("TESTS", tests)


def verdicts(tests: str) -> list[str]:
    document = run_tests(loads(with_tests(tests)), workers=1)
    return [entry["verdict"] for entry in document["tests"]]


def test_tests_are_read_with_their_text_and_place():
    journey = loads(with_tests('expect conversion_rate > 50%\nexpect nps of segment a in "warmer advice" >= 10'))
    first, second = journey.design_tests
    assert (first.metric, first.operator, first.threshold, first.percent) == ("conversion_rate", ">", 0.5, True)
    assert (second.scope, second.scope_name, second.design) == ("segment", "a", "warmer advice")
    assert second.text == 'expect nps of segment a in "warmer advice" >= 10'
    assert first.span.line == SHOP.splitlines().index("TESTS") + 1


@pytest.mark.parametrize(
    ("test", "code"),
    [
        ("expect happiness > 3", "JD611"),
        ("expect visits of stage visit > 3", "JD611"),
        ('expect nps in "colder" > 0', "JD601"),
        ('expect "colder" beats baseline on nps', "JD601"),
        ("expect nps of segment zzz > 0", "JD107"),
        ("expect drop_rate of stage nowhere < 10%", "JD101"),
        ("expect wait_mean of touchpoint desk < 2", "JD108"),
    ],
)
def test_unknown_things_in_tests_are_diagnosed(test, code):
    result = check_text(with_tests(test))
    assert code in [d.code for d in result.diagnostics], [(d.code, d.message) for d in result.diagnostics]


def test_verdicts_follow_the_interval():
    # Conversion is about 70%: clearly above 50%, clearly not above 90%, undecided at 70%.
    assert verdicts("expect conversion_rate > 50%\nexpect conversion_rate > 90%\nexpect conversion_rate > 70%") == [
        "passed",
        "failed",
        "inconclusive",
    ]


def test_beats_uses_the_paired_difference_and_direction():
    assert verdicts(
        'expect "warmer advice" beats baseline on remembered_experience\n'
        'expect baseline beats "warmer advice" on remembered_experience'
    ) == ["passed", "failed"]
    # Less is better for cost: a design that costs the same does not beat the other.
    assert verdicts('expect "warmer advice" beats baseline on cost_per_customer') == ["failed"]


def test_scoped_figures_without_an_interval_are_judged_on_their_value():
    assert verdicts("expect utilisation of touchpoint advice < 100%\nexpect drop_rate of stage visit < 1%") == [
        "passed",
        "failed",
    ]


def test_cli_exit_codes_and_json(tmp_path):
    runner = CliRunner()
    passing = tmp_path / "ok.journey"
    passing.write_text(with_tests("expect conversion_rate > 50%"))
    result = runner.invoke(cli, ["test", str(passing), "-j", "1", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["schema"] == "journeydsl.tests/1" and document["passed"] == 1
    failing = tmp_path / "bad.journey"
    failing.write_text(with_tests("expect conversion_rate > 90%"))
    result = runner.invoke(cli, ["test", str(failing), "-j", "1"])
    assert result.exit_code == 1 and "FAILED" in result.output
    undecided = tmp_path / "maybe.journey"
    undecided.write_text(with_tests("expect conversion_rate > 70%"))
    assert runner.invoke(cli, ["test", str(undecided), "-j", "1"]).exit_code == 0
    strict = runner.invoke(cli, ["test", str(undecided), "-j", "1", "--strict"])
    assert strict.exit_code == 1 and "more customers" in strict.output
    untested = tmp_path / "none.journey"
    untested.write_text(with_tests(""))
    result = runner.invoke(cli, ["test", str(untested)])
    assert result.exit_code == 0 and "no design tests" in result.output


TIMED = """journey "Timed" {{
  time unit hours
  arrivals cohort 200
  seed 2
  stage visit goal {{ touchpoint t: staff duration 30 min {{ feel +1 }} }}
  expect {test}
}}
"""


def test_a_threshold_written_with_a_time_unit_is_read_in_that_unit():
    """Half an hour in a journey counted in hours: `> 20 min` holds (0.5 h > 0.33 h), `< 25 min` does not."""
    for written, verdict, threshold in (
        ("time_in_journey > 20 min", "passed", 20 / 60),
        ("time_in_journey < 25 min", "failed", 25 / 60),
        ("time_in_journey < 1", "passed", 1.0),
    ):
        entry = run_tests(loads(TIMED.format(test=written)), customers=200)["tests"][0]
        assert (entry["verdict"], entry["threshold"]) == (verdict, pytest.approx(threshold)), written


def test_a_time_unit_on_a_threshold_of_a_figure_not_in_time_is_an_error():
    result = check_text(TIMED.format(test="nps > 5 min"))
    assert [(d.code, d.message) for d in result.diagnostics if d.is_error] == [
        ("JD613", "`nps` is not measured in time: the threshold cannot be in `min`")
    ]
