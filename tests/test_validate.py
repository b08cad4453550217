"""`journey validate`: a journey compared with an event log (reach, durations, arrivals, paths)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.analysis.validate import MIN_SAMPLE, compare_log, holm
from journeydsl.cli.validate import validate as validate_command
from journeydsl.data.logs import Case, Event, EventLog
from journeydsl.schemas import validator

SHOP = """journey "Val shop" {
  time unit minutes
  arrivals cohort 1200
  stage browse {
    touchpoint site: digital duration exponential(4 min) { think +1 }
    -> buy 60%
  }
  stage buy goal {
    touchpoint checkout: digital duration lognormal(3 min, 1 min) { feel +1 }
    touchpoint confirm: digital duration 1 min { feel +1 }
  }
}
"""

#: The same shop with the transition 20 points lower and checkout twice as long.
WRONG = SHOP.replace("-> buy 60%", "-> buy 40%").replace("lognormal(3 min, 1 min)", "lognormal(6 min, 2 min)")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shop, the wrong shop, and the shop's customers (seed 7) as CSV and XES logs."""
    folder = tmp_path_factory.mktemp("validate")
    shop, wrong = folder / "shop.journey", folder / "wrong.journey"
    shop.write_text(SHOP, encoding="utf-8")
    wrong.write_text(WRONG, encoding="utf-8")
    journey = api.load(shop)
    csv, xes = folder / "observed.csv", folder / "observed.xes"
    with api.log_writer(csv, journey) as log_csv, api.log_writer(xes, journey, also=log_csv) as log_xes:
        api.simulate(journey, seed=7, trace=log_xes)
    return {"shop": shop, "wrong": wrong, "csv": csv, "xes": xes, "folder": folder}


def _verdicts(document: dict, test: str) -> dict[str, str]:
    return {item["name"]: item["verdict"] for item in document["tests"][test]["items"]}


def test_a_journey_matches_its_own_log_from_another_seed(files: dict[str, Path]) -> None:
    document = api.validate(api.load(files["shop"]), files["csv"], seed=3)
    assert document["verdict"] == "matches"
    assert {name: test["verdict"] for name, test in document["tests"].items()} == dict.fromkeys(
        ("reach", "durations", "arrivals", "paths"), "matches"
    )
    assert document["log"]["cases"] >= 1200 and document["simulated"]["cases"] >= 1200
    assert document["unmatched"] == {"activities": [], "touchpoints": []}
    assert [w["code"] for w in document["log"]["warnings"]] == ["JL011"]  # customers who only browsed
    checkout = next(i for i in document["tests"]["durations"]["items"] if i["name"] == "checkout")
    assert checkout["n_observed"] > 500 and checkout["anderson_darling"] is not None
    assert abs(checkout["median_observed"] - checkout["median_simulated"]) < 0.3
    buy = next(i for i in document["tests"]["reach"]["items"] if i["name"] == "buy")
    assert 0.5 < buy["observed"] < 0.7 and abs(buy["effect"]) < 0.05
    paths = document["tests"]["paths"]["items"][0]
    assert [v["path"] for v in paths["variants"]] == [["site", "checkout", "confirm"], ["site"]]


def test_the_xes_log_gives_the_same_figures_as_the_csv(files: dict[str, Path]) -> None:
    journey = api.load(files["shop"])
    runner = api.new_runner()
    from_csv = api.validate(journey, files["csv"], seed=3, runner=runner)
    from_xes = api.validate(journey, files["xes"], seed=3, runner=runner)
    assert from_xes["tests"]["reach"] == from_csv["tests"]["reach"]
    assert from_xes["tests"]["paths"] == from_csv["tests"]["paths"]


def test_a_wrong_journey_fails_the_right_tests(files: dict[str, Path]) -> None:
    document = api.validate(api.load(files["wrong"]), files["csv"], seed=3)
    assert document["verdict"] == "differs"
    reach = _verdicts(document, "reach")
    assert reach == {
        "browse": "matches",
        "buy": "differs",
        "site": "matches",
        "checkout": "differs",
        "confirm": "differs",
    }
    buy = next(i for i in document["tests"]["reach"]["items"] if i["name"] == "buy")
    assert buy["effect"] == pytest.approx(-0.2, abs=0.05) and buy["p_adjusted"] < 1e-6
    durations = _verdicts(document, "durations")
    assert durations["checkout"] == "differs" and durations["site"] == "matches" and durations["confirm"] == "matches"
    checkout = next(i for i in document["tests"]["durations"]["items"] if i["name"] == "checkout")
    assert checkout["effect"] > 0.5 and checkout["median_simulated"] > 1.7 * checkout["median_observed"]
    assert document["tests"]["arrivals"]["verdict"] == "matches"
    assert document["tests"]["paths"]["verdict"] == "differs"


def test_the_json_follows_its_schema_and_fail_on_gives_the_exit_code(files: dict[str, Path]) -> None:
    runner = CliRunner()
    good = runner.invoke(
        validate_command, [str(files["shop"]), str(files["csv"]), "--seed", "3", "--format", "json", "--fail-on", "any"]
    )
    assert good.exit_code == 0, good.output
    document = json.loads(good.stdout)
    assert document["schema"] == "journeydsl.validation/1"
    assert list(validator("validation.schema.json").iter_errors(document)) == []
    wrong = [str(files["wrong"]), str(files["csv"]), "--seed", "3"]
    failed = runner.invoke(validate_command, [*wrong, "--fail-on", "durations"])
    assert failed.exit_code == 1
    assert "validation failed at level 0.01: durations differs" in failed.stderr
    assert "reach: differs" in failed.stdout and "arrivals: matches" in failed.stdout
    assert runner.invoke(validate_command, [*wrong, "--fail-on", "arrivals"]).exit_code == 0
    # A tolerance wide enough makes the 20-point difference of reach acceptable, but not the doubled duration.
    tolerant = runner.invoke(
        validate_command, [*wrong, "--tolerance", "reach=0.3", "--tolerance", "paths=0.3", "--fail-on", "reach"]
    )
    assert tolerant.exit_code == 0, tolerant.output


def test_the_plot_draws_reach_and_qq_plots(files: dict[str, Path]) -> None:
    target = files["folder"] / "validation.png"
    result = CliRunner().invoke(
        validate_command, [str(files["wrong"]), str(files["csv"]), "--seed", "3", "--plot", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 20_000


def test_renamed_activities_are_matched_and_others_are_listed(files: dict[str, Path]) -> None:
    text = files["csv"].read_text(encoding="utf-8").replace(",site,", ",web site,")
    renamed = files["folder"] / "renamed.csv"
    renamed.write_text(text, encoding="utf-8")
    journey = api.load(files["shop"])
    runner = api.new_runner()
    plain = api.validate(journey, renamed, seed=3, runner=runner)
    assert plain["unmatched"] == {"activities": ["web site"], "touchpoints": ["site"]}
    assert _verdicts(plain, "reach")["site"] == "differs"
    mapped = api.validate(journey, renamed, seed=3, runner=runner, rename={"web site": "site"})
    assert mapped["verdict"] == "matches" and mapped["unmatched"]["activities"] == []
    result = CliRunner().invoke(
        validate_command, [str(files["shop"]), str(renamed), "--seed", "3", "--rename", "web site=site"]
    )
    assert result.exit_code == 0 and "log activities that are no touchpoint" not in result.stdout
    misspelt = CliRunner().invoke(
        validate_command, [str(files["shop"]), str(renamed), "--seed", "3", "--rename", "web site=sight"]
    )
    assert misspelt.exit_code == 2 and "did you mean `site`?" in misspelt.stderr


def test_hostile_names_are_escaped_in_the_table_json_and_plot(files: dict[str, Path]) -> None:
    hostile = files["folder"] / "hostile.journey"
    hostile.write_text(SHOP.replace('"Val shop"', '"Shop $\\\\frac{$ <b>"'), encoding="utf-8")
    evil = "\x1b[2Jevil\u202e"
    log = files["folder"] / "hostile.csv"
    log.write_text(
        "case,activity,start,end\n"
        + "".join(f"{i},site,2026-01-05T00:00Z,2026-01-05T00:04Z\n{i},{evil},2026-01-05T00:05Z,\n" for i in range(30)),
        encoding="utf-8",
    )
    runner = CliRunner()
    table = runner.invoke(validate_command, [str(hostile), str(log), "--seed", "3", "--customers", "200"])
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout and "\u202e" not in table.stdout
    assert "log activities that are no touchpoint" in table.stdout and "\\x1b[2Jevil" in table.stdout
    shown = runner.invoke(validate_command, [str(hostile), str(log), "--customers", "200", "--format", "json"])
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
    assert json.loads(shown.stdout)["unmatched"]["activities"] == [evil]
    target = files["folder"] / "hostile.png"
    drawn = runner.invoke(validate_command, [str(hostile), str(log), "--customers", "200", "--plot", str(target)])
    assert drawn.exit_code == 0, drawn.output
    assert target.exists()


def test_a_bad_log_is_a_diagnostic_not_a_traceback(files: dict[str, Path]) -> None:
    log = files["folder"] / "bad.csv"
    log.write_text("case,activity,start\n1,site,\n", encoding="utf-8")
    result = CliRunner().invoke(validate_command, [str(files["shop"]), str(log)])
    assert result.exit_code == 1
    assert "JL004" in result.stderr and "Traceback" not in result.output
    usage = CliRunner().invoke(validate_command, [str(files["shop"]), str(files["csv"]), "--tolerance", "speed=1"])
    assert usage.exit_code == 2 and "no test `speed`" in usage.stderr
    start = CliRunner().invoke(validate_command, [str(files["shop"]), str(files["csv"]), "--log-start", "soon"])
    assert start.exit_code == 2 and "--log-start" in start.stderr


def test_too_few_durations_are_not_judged_and_bad_levels_are_refused() -> None:
    journey = api.loads(
        'journey "J" { arrivals cohort 100 stage a goal { touchpoint t: staff duration 2 min { feel +1 } } }'
    )
    rows: list = []
    api.simulate(journey, seed=1, trace=rows.append)
    from datetime import datetime, timedelta, timezone

    t0 = datetime(2026, 1, 5, tzinfo=timezone.utc)
    few = MIN_SAMPLE - 1
    cases = tuple(
        Case(str(i), (Event(str(i), "t", t0, t0 + timedelta(minutes=2) if i < few else None),)) for i in range(50)
    )
    document = compare_log(journey, EventLog(cases, "few.csv"), rows)
    touchpoint = _verdicts(document, "durations")["t"]
    assert touchpoint == "too few"
    assert document["tests"]["reach"]["verdict"] == "matches"
    with pytest.raises(ValueError, match="level"):
        compare_log(journey, EventLog(cases, "few.csv"), rows, level=1.5)
    with pytest.raises(ValueError, match="no test"):
        compare_log(journey, EventLog(cases, "few.csv"), rows, tolerances={"speed": 1})


def test_holm_adjusts_step_down() -> None:
    assert holm([0.001, 0.02, 0.04]) == pytest.approx([0.003, 0.04, 0.04])
    assert holm([0.5, 0.5]) == [1.0, 1.0]
    assert holm([]) == []


def test_a_mapping_file_and_a_time_zone_read_a_log_laid_out_otherwise(files: dict[str, Path]) -> None:
    lines = files["csv"].read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    header[:4] = ["Ticket", "Step", "Opened", "Closed"]
    relabelled = files["folder"] / "tickets.csv"
    relabelled.write_text("\n".join([",".join(header), *lines[1:]]) + "\n", encoding="utf-8")
    mapping = files["folder"] / "tickets.toml"
    mapping.write_text('case = "Ticket"\nactivity = "Step"\ntimestamp = "Opened"\nend = "Closed"\n', encoding="utf-8")
    runner = CliRunner()
    base = [str(files["shop"]), str(relabelled), "--seed", "3", "--mapping", str(mapping), "--format", "json"]
    result = runner.invoke(validate_command, [*base, "--fail-on", "any"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["log"]["cases"] >= 1200
    assert "warning[JL011]" in result.stderr
    # Hours in Tokyo: the log and the simulated clock (both written in UTC) shift alike.
    tokyo = runner.invoke(validate_command, [*base, "--timezone", "Asia/Tokyo"])
    hours = json.loads(tokyo.stdout)["tests"]["arrivals"]["items"][0]["bins"]
    assert hours[9]["observed"] > 0.95 and hours[9]["simulated"] > 0.95 and hours[0]["observed"] == 0.0
    unknown = runner.invoke(validate_command, [*base, "--timezone", "Mars/Olympus"])
    assert unknown.exit_code == 1 and "JL015" in unknown.stderr
