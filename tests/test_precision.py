"""Just precise enough: ``--precision``, ``--quick`` and the runner's stopping rule; ``--design`` completion."""

from __future__ import annotations

import json
import logging

import click
import pytest
from click.testing import CliRunner

from journeydsl.api import load, loads, simulate
from journeydsl.cli import cli
from journeydsl.cli.options import RunOptions, complete_designs, quick_customers
from journeydsl.lang.precision import parse_precision
from journeydsl.schemas import validator
from journeydsl.sim.runner import Design, Runner
from journeydsl.sim.settings import (
    MIN_PRECISION_REPLICATIONS,
    QUICK_CUSTOMERS,
    QUICK_MAX_REPLICATIONS,
    Precision,
    RunSettings,
)

from .conftest import ROOT

PREMIER = ROOT / "examples" / "journeys" / "premier_banking.journey"
#: Small runs of the premier banking journey: its satisfaction varies from replication to replication.
SMALL = RunSettings(customers=60, seed=3, workers=1)


@pytest.fixture(scope="module")
def premier():
    return load(PREMIER)


def satisfaction_width(outcome) -> float:
    low, high = outcome.results["metrics"]["satisfaction"]["ci95"]
    return high - low


# ---- the stopping rule ---------------------------------------------------------------------


def test_the_rule_stops_at_the_first_count_whose_interval_is_narrow_enough(premier):
    runner = Runner()
    # The widths the results show after 5, 6, ... 14 replications (replication k is the same in each run).
    widths = {
        n: satisfaction_width(simulate(premier, SMALL, replications=n, runner=runner))
        for n in range(MIN_PRECISION_REPLICATIONS, 15)
    }
    target = 0.27
    expected = next(n for n, width in widths.items() if width < target)
    assert expected > MIN_PRECISION_REPLICATIONS  # a real case: the first counts are too wide
    assert any(width >= target for n, width in widths.items() if n > expected)  # a later count is wider again

    settled = simulate(premier, SMALL, precision=Precision(target))  # a fresh runner
    assert settled.settings.replications == expected == len(settled.collectors)
    assert settled.settings.settled is not None and settled.settings.settled.reached
    assert satisfaction_width(settled) == pytest.approx(widths[expected])
    assert widths[expected] < target
    # The same numbers as asking for that many replications: the precision only chose the count.
    fixed = simulate(premier, SMALL, replications=expected, runner=runner)
    assert settled.results["metrics"] == fixed.results["metrics"]


def test_the_cap_stops_the_run_with_a_warning(premier, caplog):
    with caplog.at_level(logging.INFO, logger="journeydsl.sim.runner"):
        outcome = simulate(premier, SMALL, precision=Precision(0.001, most=6))
    assert outcome.settings.replications == 6 == len(outcome.collectors)
    settled = outcome.settings.settled
    assert settled is not None and not settled.reached and settled.achieved is not None and settled.achieved > 0.001
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "precision not reached" in warnings[0].getMessage()
    assert "after 6 replications" in warnings[0].getMessage()


def test_a_wide_target_stops_at_the_fewest(premier):
    outcome = simulate(premier, SMALL, precision=Precision(5.0))
    assert outcome.settings.replications == MIN_PRECISION_REPLICATIONS


def test_batches_never_change_the_stopping_point(premier):
    one = Runner()
    settings = RunSettings(customers=60, seed=3, precision=Precision(0.27))
    first = one.run([Design("baseline", premier)], RunSettings(**{**vars(settings), "workers": 1}))[0]

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:  # batches of 3, results gathered out of order
        third = Runner(pool).run([Design("baseline", premier)], RunSettings(**{**vars(settings), "workers": 3}))[0]
    assert first.settings.replications == third.settings.replications
    assert first.results["metrics"] == third.results["metrics"]


def test_every_design_must_reach_it_and_later_calls_never_count_fewer(premier):
    runner = Runner()
    designs = [Design(name, premier_design) for name, premier_design in _designs(premier)]
    settings = RunSettings(customers=60, seed=3, workers=1, precision=Precision(0.27))
    together = runner.run(designs, settings)
    alone = [Runner().run([design], settings)[0].settings.replications for design in designs]
    assert together[0].settings.replications == max(alone)
    again = runner.run(designs[:1], settings)[0]  # same settings, one design: at least as many as before
    assert again.settings.replications == together[0].settings.replications


def _designs(journey):
    from journeydsl.api import design, design_names

    return [(name, design(journey, name)) for name in design_names(journey)]


def test_profit_and_relative_precisions(premier):
    outcome = simulate(premier, SMALL, precision=Precision(0.5, "profit", relative=True, most=8))
    assert outcome.settings.settled is not None and outcome.settings.settled.reached
    record = outcome.results["settings"]["precision"]
    assert record["objective"] == "profit" and record["relative"] is True and record["achieved"] < 0.5


def test_precision_settings_are_checked():
    with pytest.raises(ValueError, match="positive width"):
        Precision(-1.0)
    with pytest.raises(ValueError, match="no metric"):
        Precision(0.2, "happiness")
    with pytest.raises(ValueError, match="from 2 to its cap"):
        RunSettings(replications=50, precision=Precision(0.2, most=10))
    assert RunSettings(precision=Precision(0.2)).replications == MIN_PRECISION_REPLICATIONS


# ---- the options -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "objective", "expected"),
    [
        ("0.2", "satisfaction", (0.2, False)),
        ("2%", "conversion_rate", (0.02, False)),
        ("0.02", "conversion_rate", (0.02, False)),
        ("5%", "cost_per_customer", (0.05, True)),
        ("5%", "profit", (0.05, True)),
        ("30 min", "time_in_journey", (0.5, False)),
        ("3", "nps", (3.0, False)),
    ],
)
def test_precision_amounts(text, objective, expected):
    assert parse_precision(text, objective, "hours") == expected


@pytest.mark.parametrize(
    ("text", "objective", "message"),
    [
        ("0", "satisfaction", "positive width"),
        ("-1", "satisfaction", "not a positive amount"),
        ("5%", "satisfaction", "plain number"),
        ("5min", "nps", "not measured in a time unit"),
        ("5 apples", "time_in_journey", "`apples`"),
        ("wide", "satisfaction", "not a positive amount"),
    ],
)
def test_bad_precision_amounts(text, objective, message):
    with pytest.raises(ValueError, match=message):
        parse_precision(text, objective, "hours")


def test_quick_takes_fewer_customers_only_where_the_journey_brings_more():
    body = "stage a goal { touchpoint t: staff { feel +1 } }"
    assert quick_customers(loads(f'journey "J" {{ arrivals cohort 50 {body} }}')) is None
    assert quick_customers(loads(f'journey "J" {{ arrivals cohort 5000 {body} }}')) == QUICK_CUSTOMERS
    endless = loads(f'journey "J" {{ arrivals poisson 10 per hour {body} }}')
    assert quick_customers(endless) == QUICK_CUSTOMERS
    settings = RunOptions(quick=True).settings(endless)  # runs without --customers: quick bounds it
    assert settings.customers == QUICK_CUSTOMERS and settings.precision == Precision.quick()
    assert settings.precision.most == QUICK_MAX_REPLICATIONS
    assert RunOptions(quick=True, customers=80, precision="0.5").settings(endless).precision == Precision(
        0.5, most=QUICK_MAX_REPLICATIONS
    )


@pytest.fixture
def runner():
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--precision", "0.2", "-r", "3"], "give --replications or --precision/--quick, not both"),
        (["--quick", "--replications", "3"], "give --replications or --precision/--quick, not both"),
        (["--max-replications", "9"], "--max-replications caps --precision or --quick"),
        (["--objective", "nps"], "--objective says what --precision or --quick measure"),
        (["--precision", "5min"], "satisfaction is not measured in a time unit"),
        (["--precision", "0.2", "--max-replications", "1"], "--max-replications"),
    ],
)
def test_usage_errors(runner, args, message):
    result = invoke(runner, "simulate", PREMIER, "--customers", "30", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_results_do_not_depend_on_workers(runner):
    common = ["simulate", PREMIER, "--customers", "60", "--seed", "3", "--precision", "0.27", "--format", "json"]
    one = invoke(runner, *common, "-j", "1")
    two = invoke(runner, *common, "-j", "2")
    assert one.exit_code == two.exit_code == 0, one.output + two.output
    assert one.stdout == two.stdout
    document = json.loads(one.stdout)
    assert document["replications"] > MIN_PRECISION_REPLICATIONS  # more than one batch of two
    assert "precision reached" in one.stderr and one.stderr == two.stderr


def test_the_cap_warns_on_the_command_line_and_the_json_says_so(runner):
    result = invoke(
        runner, "simulate", PREMIER, "--customers", "40", "--precision", "0.001", "--max-replications", "3",
        "--format", "json", "-j", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["replications"] == 3
    assert document["settings"]["precision"] == {
        "objective": "satisfaction",
        "width": 0.001,
        "relative": False,
        "max_replications": 3,
        "reached": False,
        "achieved": document["settings"]["precision"]["achieved"],
    }
    assert document["settings"]["replications"] == 3
    assert result.stderr.count("Warning: precision not reached") == 1
    validator("results.schema.json").validate(document)


def test_the_table_says_how_many_replications_ran(runner):
    result = invoke(runner, "simulate", PREMIER, "--customers", "60", "--seed", "3", "--precision", "0.27", "-j", "1")
    assert result.exit_code == 0, result.output
    settled = simulate(load(PREMIER), SMALL, precision=Precision(0.27)).settings.replications
    assert f"{settled} replication" in result.stdout
    assert f"after {settled} replications" in result.stderr


def test_compare_measures_its_own_objective(runner):
    result = invoke(
        runner, "compare", PREMIER, "--customers", "40", "--quick", "--objective", "nps", "--max-replications", "5",
        "--format", "json", "-j", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    precision = document["settings"]["precision"]
    assert precision["objective"] == "nps" and precision["width"] == 10.0 and precision["max_replications"] == 5
    validator("comparison.schema.json").validate(document)


def test_test_and_report_take_a_precision(runner, tmp_path):
    source = tmp_path / "tested.journey"
    source.write_text(
        'journey "Tested" { arrivals cohort 40  stage a goal { touchpoint t: staff { feel +1 } } '
        "expect satisfaction > 1 }",
        encoding="utf-8",
    )
    result = invoke(runner, "test", source, "--precision", "0.5", "--format", "json", "-j", "1")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    precision = document["settings"]["precision"]
    assert (precision["objective"], precision["width"], precision["max_replications"]) == ("satisfaction", 0.5, 100)
    validator("tests.schema.json").validate(document)
    page = tmp_path / "report.html"
    result = invoke(runner, "report", source, "-o", page, "--quick", "-j", "1")
    assert result.exit_code == 0, result.output
    assert page.exists()


# ---- completion of --design ------------------------------------------------------------------


def completion_context(command: str, args: list[str]) -> click.Context:
    return cli.commands[command].make_context(command, args, resilient_parsing=True)


def names(items) -> list[str]:
    return [item.value for item in items]


def test_design_names_complete_from_the_file(premier):
    context = completion_context("simulate", [str(PREMIER)])
    option = next(p for p in cli.commands["simulate"].params if p.name == "design")
    every = ["baseline", *(variant.name for variant in premier.variants)]
    assert len(every) > 1
    assert names(complete_designs(context, option, "")) == every
    first = premier.variants[0].name
    assert names(complete_designs(context, option, first[:3])) == [n for n in every if n.startswith(first[:3])]
    # compare's FILES: every file's designs, each once.
    context = completion_context("compare", [str(PREMIER), str(PREMIER)])
    option = next(p for p in cli.commands["compare"].params if p.name == "designs")
    assert names(complete_designs(context, option, "")) == every


def test_completion_offers_nothing_without_a_readable_file(tmp_path):
    broken = tmp_path / "broken.journey"
    broken.write_text('journey "J" { stage a goal { touchpoint t: staff { feel +1 ', encoding="utf-8")
    option = next(p for p in cli.commands["simulate"].params if p.name == "design")
    assert complete_designs(completion_context("simulate", [str(broken)]), option, "") == []
    assert complete_designs(completion_context("simulate", []), option, "") == []
    # A variant declared in a file with other errors still completes: nothing is checked or run.
    odd = tmp_path / "odd.journey"
    odd.write_text(
        'journey "J" { stage a goal { touchpoint t: staff { feel +1 } } variant "x y" { } expect satisfaction > 99 }',
        encoding="utf-8",
    )
    assert names(complete_designs(completion_context("simulate", [str(odd)]), option, "x")) == ["x y"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_through_clicks_environment_variable(runner, shell, premier):
    words = f"journey simulate {PREMIER} --design "
    env = {"_JOURNEY_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": "4"}
    if shell == "fish":
        env["COMP_CWORD"] = ""
    result = runner.invoke(cli, [], env=env, prog_name="journey")
    assert result.exit_code == 0, result.output
    for variant in premier.variants:
        assert variant.name in result.stdout
    assert "baseline" in result.stdout


def test_the_completion_script_names_the_variable(runner):
    result = runner.invoke(cli, [], env={"_JOURNEY_COMPLETE": "bash_source"}, prog_name="journey")
    assert result.exit_code == 0 and "_JOURNEY_COMPLETE=bash_complete" in result.stdout


def test_docs_show_the_completion_lines():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for line in (
        'eval "$(_JOURNEY_COMPLETE=bash_source journey)"',
        'eval "$(_JOURNEY_COMPLETE=zsh_source journey)"',
        "_JOURNEY_COMPLETE=fish_source journey | source",
    ):
        assert line in text


def test_settling_once_gives_every_later_run_the_same_settings(premier):
    runner = Runner()
    designs = [Design(name, journey) for name, journey in _designs(premier)]
    settled = runner.settle(designs, RunSettings(customers=60, seed=3, workers=1, precision=Precision(0.27)))
    assert settled.settled is not None and settled.replications >= MIN_PRECISION_REPLICATIONS
    ran = len(runner.engine_runs)
    outcomes = runner.run(designs, settled)  # already settled: nothing new is simulated
    assert len(runner.engine_runs) == ran
    assert all(outcome.settings == settled for outcome in outcomes)
    assert outcomes[0].results["settings"]["precision"]["reached"] is True
    assert runner.settle(designs, RunSettings(customers=60, seed=3)) == RunSettings(customers=60, seed=3)


def test_a_run_that_counts_no_customer_stops_at_the_fewest(runner, tmp_path):
    source = tmp_path / "empty.journey"
    source.write_text(
        'journey "J" { horizon 10 days arrivals poisson 5 per day stage a goal { touchpoint t: staff { feel +1 } } }',
        encoding="utf-8",
    )
    result = invoke(runner, "simulate", source, "--warmup", "20 days", "--precision", "0.2", "-j", "1")
    assert result.exit_code == 1  # the results' own error: nothing was counted
    assert "Warning: precision not reached: no customer was counted in 5 replications" in result.stderr
    assert "counted no customers" in result.stderr and "Traceback" not in result.output


def test_the_docs_example_is_what_the_command_says(runner):
    quick = invoke(runner, "simulate", PREMIER, "--quick", "--format", "json")
    assert quick.exit_code == 0, quick.output
    said = quick.stderr.strip()
    docs = " ".join((ROOT / "docs" / "cli.md").read_text(encoding="utf-8").split())
    assert said.startswith("precision reached") and said in docs
    # The same run with the settled number of replications instead of the precision: the same numbers.
    document = json.loads(quick.stdout)
    settings = document["settings"]
    fixed = invoke(
        runner, "simulate", PREMIER, "--customers", settings["customers"], "-r", settings["replications"],
        "--format", "json",
    )  # fmt: skip
    assert json.loads(fixed.stdout)["metrics"] == document["metrics"]
