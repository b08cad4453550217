"""journey analyze: exact figures of the absorbing Markov chain, checked by hand and against simulation."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from journeydsl.analysis.markov import analyze
from journeydsl.api import load, loads, simulate
from journeydsl.cli import cli

from .conftest import EXAMPLES


def test_a_branch_by_hand():
    # a -> b 60%; in a, a choice: 30% meet `kiosk`, 70% `desk`.  P(goal) = 0.6.
    result = analyze(
        loads(
            'journey "J" { stage a { choice { touchpoint kiosk: digital share 30% { act +1 } '
            "touchpoint desk: staff share 70% { feel +1 } } -> b 60% } "
            "stage b goal { touchpoint t: staff { feel +1 } } }"
        )
    )
    assert result["conversion"] == pytest.approx(0.6)
    assert result["stages"]["a"]["removal_effect"] == pytest.approx(1.0)
    assert result["stages"]["b"]["removal_effect"] == pytest.approx(1.0)
    # Without the kiosk, 30% of customers drop off in a: 0.6 * 0.7 = 0.42; (0.6 - 0.42) / 0.6 = 0.3.
    assert result["touchpoints"]["kiosk"]["removal_effect"] == pytest.approx(0.3)
    assert result["touchpoints"]["kiosk"]["expected_visits"] == pytest.approx(0.3)
    assert result["expected_touchpoints"] == pytest.approx(1.0 + 0.6)
    assert result["exact"]


def test_a_loop_by_hand():
    # a -> b 70%, a -> c 20%; b -> a 30%, b -> d 50%; c -> d 40%; d goal.
    # A visit limit of 100 cannot stop anyone here (a customer comes back to `a` with 21%: 0.21^100 is nothing).
    text = """journey "chain" {
      visit limit 100
      stage a { touchpoint t1: media { feel +1 } -> b 70% -> c 20% }
      stage b { touchpoint t2: media { feel +1 } -> a 30% -> d 50% }
      stage c { touchpoint t3: media { feel +1 } -> d 40% }
      stage d goal { touchpoint t4: media { feel +1 } } }"""
    result = analyze(loads(text))
    # P(a) = 0.7 (0.5 + 0.3 P(a)) + 0.2 * 0.4  =>  P(a) = 0.43 / 0.79
    assert result["conversion"] == pytest.approx(0.43 / 0.79, rel=1e-5)
    assert result["stages"]["a"]["expected_visits"] == pytest.approx(1 / (1 - 0.21), rel=1e-5)
    assert result["stages"]["b"]["expected_visits"] == pytest.approx(0.7 / 0.79, rel=1e-5)
    # Without c, only the path through b converts: P = 0.35 / 0.79.
    assert result["stages"]["c"]["removal_effect"] == pytest.approx((0.43 - 0.35) / 0.43, rel=1e-5)
    assert result["exact"] and result["approximations"] == [] and result["stopped_by_visit_limits"] == 0


def test_expected_time_and_recoveries_by_hand():
    result = analyze(
        loads(
            'journey "J" { time unit minutes stage a { touchpoint t: staff duration 5 min '
            "{ feel +1; failure oops 20% { feel -1 } recover by fix } -> c 50% } "
            "stage c { touchpoint u: staff duration 10 min { feel +1 } -> b } "
            "stage b goal { touchpoint v: staff duration 60 min { feel +1 } } "
            "touchpoint fix: staff duration 10 min { feel +1 } }"
        )
    )
    # a takes 5 + 0.2 * 10 = 7 minutes, c 10 minutes reached half the time: 7 + 0.5 * 10 = 12.
    assert result["expected_time_to_goal_or_drop_off"] == pytest.approx(12.0)
    assert result["touchpoints"]["fix"]["expected_visits"] == pytest.approx(0.2)


def test_a_touchpoint_for_one_segment_is_met_by_its_share():
    result = analyze(
        loads(
            'journey "J" { segment x 30% { value 1 } segment y 70% { value 1 } '
            "stage a goal { touchpoint t: staff for segment x { feel +1 } touchpoint u: staff { feel +1 } } }"
        )
    )
    assert result["touchpoints"]["t"]["expected_visits"] == pytest.approx(0.3)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_simulated_conversion_agrees_where_the_flow_is_exact(example):
    journey = load(example)
    exact = analyze(journey)
    if not exact["flow_exact"]:
        pytest.skip("the flow is approximate: tests/test_markov_segments.py compares it within its stated tolerance")
    metric = simulate(journey, customers=3000, seed=2).results["metrics"]["conversion_rate"]
    low, high = metric["ci95"]
    assert low - 1e-9 <= exact["conversion"] <= high + 1e-9, (exact["conversion"], metric)


def test_cli_table_and_json():
    runner = CliRunner()
    table = runner.invoke(cli, ["analyze", str(EXAMPLES[-1])])
    assert table.exit_code == 0, table.output
    assert "removal effect" in table.output and "approximate:" in table.output
    result = runner.invoke(cli, ["analyze", str(EXAMPLES[-1]), "--design", "printer in office", "--format", "json"])
    document = json.loads(result.output)
    assert document["schema"] == "journeydsl.analysis/1" and 0 < document["conversion"] <= 1
    assert "print_in_office" in document["touchpoints"]
