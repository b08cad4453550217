"""journey compare: common random numbers, paired differences, parallel replications, ranking."""

from __future__ import annotations

import json
import math
import statistics

import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.analysis.compare import run_and_compare
from journeydsl.api import RunSettings, load, loads
from journeydsl.cli import cli
from journeydsl.lang.vocabulary import METRICS
from journeydsl.sim.runner import Design, Runner

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "journeys" / "premier_banking.journey"

SHOP = """journey "Shop" { arrivals cohort 1500 over 20 days seed 5
  segment a 50% { patience 5 min }  segment b 50% { patience 10 min }
  stage visit { touchpoint greet: staff duration exponential(2 min) { feel +1 }
                touchpoint shelves: environment duration uniform(5 min, 15 min) { sense +1; variability 1.5 }
                touchpoint advice: staff capacity 2 duration exponential(4 min) { think +1; variability 1.5 }
                -> pay 70% }
  stage pay goal { touchpoint till: staff duration exponential(2 min) { act +1; variability 1.5 } }
  variant "warmer advice" { change advice { feel +1 } }
}"""


def compare(**run) -> dict:
    """The shop's baseline against its warmer advice, through the API."""
    return api.compare(loads(SHOP), ["baseline", "warmer advice"], **run)


def width(document: dict, metric: str = "remembered_experience", name: str = "warmer advice") -> float:
    low, high = document["differences"][name]["metrics"][metric]["ci95"]
    return high - low


@pytest.mark.parametrize("replications", [1, 4])
def test_common_random_numbers_narrow_the_interval_of_a_difference(replications):
    shared = compare(replications=replications, seed=1, workers=1)
    independent = compare(replications=replications, seed=1, workers=1, common_random_numbers=False)
    assert shared["common_random_numbers"] and not independent["common_random_numbers"]
    assert width(shared) < 0.35 * width(independent)
    # Both estimate the same effect: the variant adds about one point of feeling at one touchpoint.
    assert shared["differences"]["warmer advice"]["metrics"]["remembered_experience"]["excludes_zero"]


def test_same_customers_in_every_design_wherever_the_designs_agree():
    document = compare(seed=2, workers=1)
    paired = document["differences"]["warmer advice"]["paired"]
    # Every arriving customer is in both designs (customers referred in only one are not paired).
    assert 1500 <= paired["customers"] <= min(document["customers"].values())
    # The advice moment is the only change; nobody remembers the warmer design worse.
    assert paired["remember_worse"] == 0.0 and paired["remember_better"] > 0.5
    conversion = document["differences"]["warmer advice"]["metrics"]["conversion_rate"]
    assert conversion["mean"] == 0.0  # transitions draw the same numbers in both designs


def test_results_do_not_depend_on_the_number_of_workers():
    one = compare(replications=3, seed=4, workers=1)
    two = compare(replications=3, seed=4, workers=2)
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_ranking_by_objective_and_costs():
    document = compare(seed=3, workers=1, objective="remembered_experience")
    assert [row["design"] for row in document["ranking"]] == ["warmer advice", "baseline"]
    # A point of feeling at one moment moves remembered experience by less than its minimal important
    # difference (0.6): clear beyond chance, yet no clear difference, so the designs share the first rank.
    change = document["differences"]["warmer advice"]["metrics"]["remembered_experience"]
    assert change["excludes_zero"] and change["mean"] < 0.6 and change["verdict"] == "no clear difference"
    assert [row["rank"] for row in document["ranking"]] == [1, 1] and len(document["leaders"]) == 2
    strict = compare(seed=3, workers=1, min_differences={"remembered_experience": 0.1})
    assert [row["rank"] for row in strict["ranking"]] == [1, 2] and strict["leaders"] == ["warmer advice"]
    assert strict["ranking"][1]["clearly_behind"] == ["warmer advice"]
    assert strict["minimal_differences"]["remembered_experience"] == {"value": 0.1, "given": True}
    # Warmer advice costs the same: the designs share the first rank on cost, and neither leads alone.
    cheaper = compare(seed=3, workers=1, objective="cost_per_customer")
    assert [row["rank"] for row in cheaper["ranking"]] == [1, 1]
    assert sorted(cheaper["leaders"]) == ["baseline", "warmer advice"]
    with pytest.raises(ValueError):
        compare(objective="happiness")


def test_touchpoint_changes_show_a_removed_peak():
    journey = load(EXAMPLE)
    document = api.compare(
        journey,
        ["baseline", "printer in office"],
        customers=800,
        seed=1,
        workers=1,
    )
    fetch = document["differences"]["printer in office"]["touchpoints"]["fetch_printouts"]
    assert fetch["in_baseline"] and not fetch["in_design"] and fetch["peak_share"]["change"] < 0


def test_cli_compare_table_json_csv_and_two_files(tmp_path):
    runner = CliRunner()
    table = runner.invoke(cli, ["compare", str(EXAMPLE), "--customers", "400", "-j", "1"])
    assert table.exit_code == 0, table.output
    assert "printer in office" in table.output and "ranking by remembered experience" in table.output
    result = runner.invoke(
        cli,
        [
            "compare",
            str(EXAMPLE),
            "--design",
            "baseline",
            "--design",
            "printer in office",
            "--customers",
            "300",
            "-j",
            "1",
            "--format",
            "json",
            "--objective",
            "profit",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["schema"] == "journeydsl.comparison/1" and document["designs"] == ["baseline", "printer in office"]
    assert document["objective"] == "profit"
    csv = runner.invoke(cli, ["compare", str(EXAMPLE), "--customers", "200", "-j", "1", "--format", "csv"])
    assert csv.exit_code == 0 and csv.output.startswith("design,metric,mean")
    other = tmp_path / "proposal.journey"
    other.write_text(
        EXAMPLE.read_text().replace(
            "feel -2\n      performance convenience 4", "feel +1\n      performance convenience 6"
        )
    )
    two = runner.invoke(cli, ["compare", str(EXAMPLE), str(other), "--customers", "300", "-j", "1", "--format", "json"])
    assert two.exit_code == 0, two.output
    assert json.loads(two.output)["designs"] == ["premier_banking", "proposal"]


def test_cli_compare_refuses_what_cannot_be_compared(tmp_path):
    runner = CliRunner()
    single = tmp_path / "single.journey"
    single.write_text('journey "J" { arrivals cohort 10 stage a goal { touchpoint t: staff { feel +1 } } }')
    result = runner.invoke(cli, ["compare", str(single)])
    assert result.exit_code == 2 and "no variants" in result.output
    unknown = runner.invoke(cli, ["compare", str(EXAMPLE), "--design", "baseline", "--design", "nope"])
    assert unknown.exit_code == 2 and "printer in office" in unknown.output


#: Student's t 97.5% quantile with 3 degrees of freedom, from the printed tables (not from the code under test).
T_975_3 = 3.182446305284263


def six_digits(value: float) -> float:
    """A figure as documents write it (six significant digits)."""
    return float(f"{value:.6g}")


def test_differences_by_customer_are_the_paired_normal_interval_of_the_customers_own_differences():
    journey = loads(SHOP)
    designs = [Design(name, api.design(journey, name)) for name in ("baseline", "warmer advice")]
    outcomes, document = run_and_compare(Runner(), designs, RunSettings(customers=400, seed=6).resolved(journey.seed))
    assert document["paired_by"] == "customer"
    before, after = (outcome.collectors[0].records for outcome in outcomes)
    assert before is not None and after is not None
    keys = [key for key in before if key in after]
    z = statistics.NormalDist().inv_cdf(0.975)
    differences = document["differences"]["warmer advice"]
    for metric in (*METRICS, "profit"):
        if metric == "profit":
            changes = [
                (after[k].outcomes.revenue_per_customer - after[k].outcomes.cost_per_customer)
                - (before[k].outcomes.revenue_per_customer - before[k].outcomes.cost_per_customer)
                for k in keys
            ]
        else:
            changes = [getattr(after[k].outcomes, metric) - getattr(before[k].outcomes, metric) for k in keys]
        mean, half = statistics.fmean(changes), z * statistics.stdev(changes) / math.sqrt(len(changes))
        written = differences["metrics"][metric]
        assert written["customers"] == len(keys)
        assert written["mean"] == pytest.approx(six_digits(mean), abs=1e-9), metric
        assert written["ci95"] == pytest.approx([six_digits(mean - half), six_digits(mean + half)], abs=1e-9), metric
        assert written["excludes_zero"] == (mean - half > 0 or mean + half < 0)
    # The same customers, in each segment.
    for index, name in enumerate(("a", "b")):
        chosen = [k for k in keys if before[k].segment == index]
        changes = [after[k].outcomes.remembered_experience - before[k].outcomes.remembered_experience for k in chosen]
        mean, half = statistics.fmean(changes), z * statistics.stdev(changes) / math.sqrt(len(changes))
        written = differences["segments"][name]["remembered_experience"]
        assert written["ci95"] == pytest.approx([six_digits(mean - half), six_digits(mean + half)], abs=1e-9)


def test_differences_by_replication_are_the_paired_t_interval_of_the_replication_means():
    journey = loads(SHOP)
    designs = [Design(name, api.design(journey, name)) for name in ("baseline", "warmer advice")]
    settings = RunSettings(customers=300, replications=4, seed=6).resolved(journey.seed)
    outcomes, document = run_and_compare(Runner(), designs, settings)
    assert document["paired_by"] == "replication"
    differences = document["differences"]["warmer advice"]["metrics"]
    for metric in (*METRICS, "profit"):

        def mean_of(collector, metric=metric) -> float:
            if metric == "profit":
                return collector.metric("revenue_per_customer").mean - collector.metric("cost_per_customer").mean
            return collector.metric(metric).mean

        changes = [
            mean_of(after) - mean_of(before)
            for before, after in zip(outcomes[0].collectors, outcomes[1].collectors, strict=True)
        ]
        mean = statistics.fmean(changes)
        half = T_975_3 * statistics.stdev(changes) / math.sqrt(len(changes))
        written = differences[metric]
        assert written["mean"] == pytest.approx(six_digits(mean), abs=1e-9), metric
        assert written["ci95"] == pytest.approx([six_digits(mean - half), six_digits(mean + half)], abs=1e-9), metric
