"""Themes and modules delivered, and the delivery gap, checked by hand."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from journeydsl.api import delivery as delivery_gap
from journeydsl.api import loads, profile
from journeydsl.cli import cli
from journeydsl.report.tables import delivery_table

from .conftest import ROOT

QUIET = "affect { noise 0; carry_over 0 } spread { expectation 0; importance 0; sensitivity 0; loss_aversion 0; judgement 0 } "


def test_exposure_is_effect_times_contacts_per_customer():
    journey = loads(
        'journey "J" { arrivals cohort 1000 ' + QUIET + "segment x 30% { value 1 } segment y 70% { value 1 } "
        "stage a goal { touchpoint t: staff { theme trust +2; feel +1 } touchpoint u: staff for segment x { act +3 } } }"
    )
    document = profile(journey, ["baseline"], seed=1)
    groups = document["designs"]["baseline"]
    assert groups["x"]["themes"]["trust"] == pytest.approx(2.0) and groups["x"]["modules"]["act"] == pytest.approx(3.0)
    assert groups["y"]["modules"]["act"] == 0.0 and groups["y"]["modules"]["feel"] == pytest.approx(1.0)
    share_x = groups["x"]["customers"] / groups["all customers"]["customers"]
    assert groups["all customers"]["modules"]["act"] == pytest.approx(3.0 * share_x, rel=1e-4)


def test_delivery_gap_by_hand():
    # Intended: feel +2 plus performance 8 against an expectation of 7 = +3.
    # Felt: 2 + importance 5 / 10 x 1^0.88 = 2.5 (no noise, no carry-over, no spread).
    journey = loads(
        'journey "J" { arrivals cohort 500 ' + QUIET + "factor service expect 7 importance 5 "
        "stage a goal { touchpoint t: staff { feel +2; performance service 8 } } }"
    )
    document = delivery_gap(journey, seed=1)
    (row,) = document["touchpoints"]
    assert (row["intended"], row["felt"], row["gap"]) == (pytest.approx(3.0), pytest.approx(2.5), pytest.approx(-0.5))
    assert 0.0 <= document["superior"]["all customers"]["superior_share"] <= 1.0


def test_cli(tmp_path):
    premier = ROOT / "examples" / "journeys" / "premier_banking.journey"
    runner = CliRunner()
    result = runner.invoke(cli, ["profile", str(premier), "--customers", "200", "--plot", str(tmp_path / "p.png")])
    assert result.exit_code == 0, result.output
    assert "theme recognition" in result.output and (tmp_path / "p.png").exists()
    chart = tmp_path / "d.png"
    assert runner.invoke(cli, ["delivery", str(premier), "--customers", "200", "--plot", str(chart)]).exit_code == 0
    assert chart.read_bytes().startswith(b"\x89PNG")
    result = runner.invoke(cli, ["delivery", str(premier), "--customers", "200", "--format", "json"])
    document = json.loads(result.output)
    assert document["schema"] == "journeydsl.delivery/2"
    assert document["touchpoints"][0]["gap"] <= document["touchpoints"][-1]["gap"]


def test_felt_by_segment_by_hand():
    # Segment x expects service 9 (falls 1 short: 0.5 x -2.25 = -1.125), y the journey's 7 (0.5 x +1 = +0.5).
    journey = loads(
        'journey "J" { arrivals cohort 600 ' + QUIET + "factor service expect 7 importance 5 "
        "segment x 50% { expect service 9 } segment y 50% { value 1 } "
        "stage a goal { touchpoint t: staff { feel +2; performance service 8 } } }"
    )
    (row,) = delivery_gap(journey, seed=1)["touchpoints"]
    assert row["felt_by_segment"]["x"] == pytest.approx(2 - 1.125)
    assert row["felt_by_segment"]["y"] == pytest.approx(2.5)


def test_mood_carried_in_is_told_apart_from_the_touchpoints_own_effect():
    # A bad first contact (feel -4) and, straight after it, a good one (feel +2): customers feel the
    # second at 2 + 0.3 x -4 = +0.8, but its own effect is the +2 intended (gap 0) and -1.2 was
    # carried in. An hour later (one half-life) only half as much is carried in: -0.6.
    for delay, carried in (("", -1.2), ("after 60 min", -0.6)):
        journey = loads(
            'journey "J" { time unit minutes arrivals cohort 300 '
            + QUIET.replace("carry_over 0", "carry_over 0.3; half_life 60")
            + "stage a { touchpoint bad: staff { feel -4 } -> b "
            + delay
            + " } stage b goal { touchpoint good: staff { feel +2 } } }"
        )
        document = delivery_gap(journey, seed=1)
        rows = {row["touchpoint"]: row for row in document["touchpoints"]}
        bad, good = rows["bad"], rows["good"]
        assert (bad["own"], bad["carried_in"], bad["felt"], bad["gap"]) == (-4.0, 0.0, -4.0, 0.0)
        assert good["own"] == pytest.approx(2.0) and good["gap"] == pytest.approx(0.0, abs=1e-9)
        assert good["carried_in"] == pytest.approx(carried) and good["felt"] == pytest.approx(2.0 + carried)
        assert good["own_by_segment"] == {"everyone": pytest.approx(2.0)}
        assert good["felt_by_segment"] == {"everyone": pytest.approx(2.0 + carried)}
        assert document["own_mean_effect"] == pytest.approx(-1.0)
        assert document["felt_mean_effect"] == pytest.approx((-4.0 + 2.0 + carried) / 2)
        # The table says which is which.
        table = delivery_table(document)
        assert "carried in" in table.splitlines()[2] and "gap: own minus intended" in table
