"""Care programmes against no programme, and service recovery groups."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from journeydsl.api import care as care_value
from journeydsl.api import loads, recovery
from journeydsl.cli import cli

from .conftest import ROOT

SHOP = """journey "Shop" { time unit days horizon 2 years arrivals cohort 1500 over 30 days seed 3
  segment loyal 50% { tier A; value 100 }  segment casual 50% { tier B; value 40 }
  stage buy goal {
    touchpoint counter: staff { feel +1; failure "wrong item" 20% { feel -3 } recover by refund }
    repeat -> buy after 2 months
  }
  touchpoint refund: staff { feel +2 }
  care gift: delegated for tier A every 3 months cost 5 { feel +3 }
}"""


def test_a_care_programme_costs_what_it_costs_and_brings_repeat_revenue():
    document = care_value(loads(SHOP), workers=1)
    gift = document["programmes"]["gift"]
    effect = gift["effect"]
    assert effect["cost_per_customer"]["mean"] > 0 and effect["revenue_per_customer"]["mean"] > 0
    assert effect["revenue_per_customer"]["excludes_zero"]
    # Only tier A receives it: the other segment's cost does not move.
    assert gift["segments"]["casual"]["cost_per_customer"]["mean"] == pytest.approx(0.0, abs=1e-9)
    assert gift["segments"]["loyal"]["cost_per_customer"]["mean"] > 0
    assert gift["roi"] == pytest.approx(effect["profit"]["mean"] / effect["cost_per_customer"]["mean"], rel=1e-3)


def test_recovery_groups_add_up_to_the_customers():
    document = recovery(loads(SHOP), seed=1)
    groups = document["groups"]
    assert groups["failure not recovered"]["customers"] == 0
    share = groups["failure recovered"]["customers"] / (
        groups["no failure"]["customers"] + groups["failure recovered"]["customers"]
    )
    assert share == pytest.approx(0.2, abs=0.03)
    # Failure -3, recovery +2: the recovered are less satisfied than the untouched (no paradox here).
    assert document["paradox"]["satisfaction"] == "lower after a recovered failure"


def test_cli():
    runner = CliRunner()
    pizza = ROOT / "examples" / "journeys" / "pizza_restaurant.journey"
    result = runner.invoke(cli, ["care", str(pizza), "--customers", "300", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "birthday_invitation" in result.output and "ROI" in result.output
    result = runner.invoke(cli, ["recovery", str(pizza), "--customers", "300", "--format", "json"])
    assert json.loads(result.output)["schema"] == "journeydsl.recovery/1"
    assert (
        runner.invoke(
            cli, ["care", str(ROOT / "examples" / "journeys" / "online_shop.journey"), "--customers", "50", "-j", "1"]
        ).exit_code
        == 0
    )
