"""journey gaps: the seven-step method, reproducing the primer's electronics shops exactly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from journeydsl.analysis.gaps import gaps_from_simulation, gaps_from_survey, read_survey_csv
from journeydsl.api import check_text, load, loads, simulate
from journeydsl.cli import cli

from .conftest import ROOT

SHOPS = ROOT / "examples" / "journeys" / "electronics_shops.journey"


def test_the_primer_electronics_shops_exactly():
    document = gaps_from_survey(load(SHOPS))
    rows = {row["factor"]: row for row in document["groups"]["all customers"]}
    # Primer: actual price 7, brand 7, service 6, product 6, convenience 5, relationship 4;
    # expectations 7 for product, price, convenience and brand; convenience -2, product -1;
    # convenience importance 9 -> weighted -18, the key experience; ideal 10 -> experience gap -5.
    assert {f: r["experience"] for f, r in rows.items()} == {
        "price": 7,
        "brand": 7,
        "service": 6,
        "product": 6,
        "convenience": 5,
        "relationship": 4,
    }
    assert rows["convenience"]["satisfaction"] == -2 and rows["product"]["satisfaction"] == -1
    assert rows["convenience"]["weighted_satisfaction"] == -18
    assert rows["convenience"]["experience_gap"] == -5
    assert rows["convenience"]["rank"] == 1 and document["key_experience"] == {"all customers": "convenience"}
    assert rows["convenience"]["sources"]["importance"] == "survey"
    assert rows["product"]["sources"]["importance"] == "factor declaration"


def test_survey_from_csv_with_segments(tmp_path):
    path = tmp_path / "interviews.csv"
    path.write_text(
        "factor,experience,expectation,importance,ideal,segment\n"
        "convenience,5,7,9,10,commuters\nprice,8,6,5,,commuters\nconvenience,8,7,4,,tourists\n"
    )
    surveys = read_survey_csv(path)
    journey = loads(
        'journey "J" { segment commuters 50% { } segment tourists 50% { } stage a goal { touchpoint t: staff { feel +1 } } }'
    )
    document = gaps_from_survey(journey, surveys)
    commuters = document["groups"]["commuters"]
    assert [row["factor"] for row in commuters] == ["convenience", "price"]
    assert commuters[1]["weighted_satisfaction"] == 10
    assert document["key_experience"] == {"commuters": "convenience"}  # tourists: nothing falls short


@pytest.mark.parametrize(
    ("survey", "code"),
    [
        ('survey "s" { factor convenince experience 5 }', "JD106"),
        ('survey "s" { factor convenience experience 12 }', "JD207"),
        ('survey "s" for segment nobody { factor price experience 5 }', "JD107"),
        ('survey "s" { factor price experience 5; factor price experience 6 }', "JD102"),
    ],
)
def test_survey_problems_are_diagnosed(survey, code):
    result = check_text('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } ' + survey + " }")
    assert code in [d.code for d in result.diagnostics]


def test_from_simulation_the_perceived_performance():
    journey = loads(
        'journey "J" { arrivals cohort 800 factor convenience expect 6 importance 8 ideal 9 '
        "stage a goal { touchpoint t: staff { feel +1; performance convenience 4 } } }"
    )
    document = gaps_from_simulation(simulate(journey, seed=1))
    (row,) = document["groups"]["all customers"]
    assert row["experience"] == 4.0 and row["experience_gap"] == -5.0
    assert row["expectation"] == pytest.approx(6.0, abs=0.1)  # customers' own expectations spread around 6
    assert row["satisfaction"] == pytest.approx(-2.0, abs=0.1) and row["weighted_satisfaction"] < -14


def test_cli(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["gaps", str(SHOPS), "--plot", str(tmp_path / "gaps.png")])
    assert result.exit_code == 0, result.output
    assert "key experience: convenience" in result.output
    assert (tmp_path / "gaps.png").read_bytes().startswith(b"\x89PNG")
    simulated = runner.invoke(
        cli, ["gaps", str(SHOPS), "--source", "simulation", "--customers", "300", "--format", "json"]
    )
    assert simulated.exit_code == 0 and json.loads(simulated.output)["source"] == "simulation"
    premier = ROOT / "examples" / "journeys" / "premier_banking.journey"
    missing = runner.invoke(cli, ["gaps", str(premier), "--source", "survey"])
    assert missing.exit_code == 2 and "no survey" in missing.output


def test_cli_shows_the_problems_of_a_survey_csv_at_their_line(tmp_path):
    survey = tmp_path / "interviews.csv"
    survey.write_text("factor,experience,expectation\nconvenience,5,7\nconvenience,12,7\nwarp,3,3\n")
    journey = ROOT / "examples" / "journeys" / "electronics_shops.journey"
    result = CliRunner().invoke(cli, ["gaps", str(journey), "--survey-csv", str(survey)])
    assert result.exit_code == 1
    for code, place in (("JD102", ":3:1:"), ("JD207", ":3:13:"), ("JD106", ":4:1:")):
        assert code in result.output and place in result.output
    assert "Traceback" not in result.output
