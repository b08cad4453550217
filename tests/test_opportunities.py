"""journey opportunities: what improving, removing or fixing each touchpoint is worth, and the peak-end logic."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from journeydsl.analysis.opportunities import improved, never_failing, without
from journeydsl.api import loads, opportunities
from journeydsl.cli import cli

from .conftest import ROOT

# A middling start, the worst moment in the middle, and the end; every touchpoint can be improved by the same point.
JOURNEY = """journey "Visit" { arrivals cohort 1500 over 10 days seed 4
  stage visit goal {
    touchpoint welcome: staff { feel +1 }
    touchpoint forms: staff { feel -4; failure "lost form" 10% { feel -1 } recover by apology }
    touchpoint coffee: environment { sense +1 }
    touchpoint goodbye: staff { feel +1 }
  }
  touchpoint apology: staff { feel +1 }
}"""


@pytest.fixture(scope="module")
def document():
    return opportunities(loads(JOURNEY), workers=1)


def by_name(document):
    return {row["touchpoint"]: row for row in document["touchpoints"]}


def test_the_end_and_the_worst_moment_are_worth_more_than_a_middling_touchpoint(document):
    rows = by_name(document)
    middling = rows["coffee"]["improve"]
    for key in ("goodbye", "forms"):  # the end, and the most extreme moment
        better = rows[key]["improve"]
        assert better["ci95"][0] > middling["ci95"][1], (key, better, middling)
    assert {document["touchpoints"][0]["touchpoint"], document["touchpoints"][1]["touchpoint"]} == {"goodbye", "forms"}
    assert rows["goodbye"]["end_share"] > 0.9 and rows["forms"]["peak_share"] > 0.8


def test_removing_the_worst_moment_helps_and_fixing_failures_helps(document):
    rows = by_name(document)
    assert rows["forms"]["remove"]["mean"] > 0 and rows["forms"]["remove"]["excludes_zero"]
    assert rows["goodbye"]["remove"]["mean"] < 0
    assert rows["forms"]["fix"]["mean"] > 0 and rows["welcome"]["fix"] is None


def test_what_if_designs():
    journey = loads(JOURNEY)
    forms = lambda j: next(tp for tp in j.all_touchpoints() if tp.name == "forms")  # noqa: E731
    assert [(m.name, m.value) for m in forms(improved(journey, "forms")).effects.modules] == [("feel", -3.0)]
    assert forms(never_failing(journey, "forms")).effects.failures == ()
    assert "forms" not in [tp.name for tp in without(journey, "forms").all_touchpoints()]
    # Removing a recovery touchpoint leaves its failure unrecovered rather than broken.
    assert forms(without(journey, "apology")).effects.failures[0].recovery is None


def test_cli(tmp_path):
    premier = ROOT / "examples" / "journeys" / "premier_banking.journey"
    result = CliRunner().invoke(
        cli, ["opportunities", str(premier), "--customers", "300", "-j", "1", "--plot", str(tmp_path / "m.png")]
    )
    assert result.exit_code == 0, result.output
    assert "where to invest" in result.output
    assert (tmp_path / "m.png").exists() and (tmp_path / "m-tornado.png").exists()
    data = CliRunner().invoke(
        cli,
        ["opportunities", str(premier), "--customers", "200", "-j", "1", "--objective", "profit", "--format", "json"],
    )
    document = json.loads(data.output)
    assert document["schema"] == "journeydsl.opportunities/1" and document["objective"] == "profit"
