"""Decisions with a practical threshold: design tests with a margin, and comparisons that never decide on noise.

``expect A beats B on M by at least X`` and ``expect A matches B on M within X``
(two one-sided tests, Schuirmann 1987) are checked against intervals computed
here with the statistics module from the customers' own differences; the
comparison's verdicts ("better", "worse", "no clear difference"), its minimal
important differences and the ranking's shared ranks against the same
differences.
"""

from __future__ import annotations

import math
import statistics

import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.analysis.compare import run_and_compare
from journeydsl.api import RunSettings, check_text, loads
from journeydsl.cli import cli
from journeydsl.lang.decisions import MINIMAL_DIFFERENCES, minimal_differences, parse_min_difference
from journeydsl.schemas import validator
from journeydsl.sim.runner import Design, Runner

SHOP = """journey "Shop" { arrivals cohort 600 over 10 days seed 3
  segment a 50% { patience 5 min }  segment b 50% { patience 10 min }
  stage visit { touchpoint greet: staff duration exponential(2 min) { feel +1 }
                touchpoint advice: staff capacity 2 duration exponential(4 min) { think +1; variability 1.5 }
                -> pay 70% }
  stage pay goal { touchpoint till: staff duration exponential(2 min) { act +1; variability 1.5 } }
  variant "warmer advice" { change advice { feel +1 } }
  variant "dearer greeting" { change greet cost 4 }
TESTS
}"""

#: Quantiles from the printed tables, not from the code under test: Student's t with 3 degrees of freedom.
T_95_3 = 2.353363434801823
T_975_3 = 3.182446305284263


def shop(tests: str = "") -> str:
    return SHOP.replace("TESTS", tests)


def six_digits(value: float) -> float:
    return float(f"{value:.6g}")


def judged(tests: str, runner: Runner | None = None, **run) -> list[dict]:
    run = {"customers": 500, "seed": 4, "workers": 1, **run}
    document = api.run_tests(loads(shop(tests)), runner=runner or Runner(), **run)
    assert not sorted(validator("tests.schema.json").iter_errors(document), key=str)
    return document["tests"]


def verdicts(tests: str, **run) -> list[str]:
    return [entry["verdict"] for entry in judged(tests, **run)]


# ---- the language ---------------------------------------------------------------------------


def test_margins_are_read_as_written():
    journey = loads(
        shop(
            'expect "warmer advice" beats baseline on nps by at least 5\n'
            'expect "warmer advice" beats baseline on conversion_rate by at least 2%\n'
            'expect "warmer advice" matches baseline on time_in_journey within 5 min\n'
            'expect "warmer advice" beats baseline on satisfaction'
        )
    )
    nps, conversion, time, plain = journey.design_tests
    assert (nps.kind, nps.margin, nps.margin_percent, nps.margin_unit) == ("beats", 5.0, False, None)
    assert (conversion.margin, conversion.margin_percent) == (0.02, True)
    assert (time.kind, time.rival, time.margin, time.margin_unit) == ("matches", "baseline", 5.0, "min")
    assert plain.margin is None and plain.kind == "beats"
    assert nps.margin_span.line == nps.span.line and nps.margin_span.column > nps.metric_span.column


@pytest.mark.parametrize(
    ("test", "code"),
    [
        ('expect "warmer advice" beats baseline on satisfaction by at least 0', "JD612"),
        ('expect "warmer advice" beats baseline on satisfaction by at least -0.5', "JD612"),
        ('expect "warmer advice" matches baseline on nps within 0', "JD612"),
        ('expect "warmer advice" beats baseline on nps by at least 5%', "JD613"),
        ('expect "warmer advice" matches baseline on cost_per_customer within 2%', "JD613"),
        ('expect "warmer advice" beats baseline on conversion_rate by at least 2', "JD613"),
        ('expect "warmer advice" beats baseline on profit by at least 3 min', "JD613"),
        ('expect "warmer advice" beats baseline on satisfaction by at least 10.5', "JD614"),
        ('expect "warmer advice" matches baseline on conversion_rate within 100%', "JD614"),
        ('expect "warmer advice" matches baseline on nps within 200', "JD614"),
    ],
)
def test_bad_margins_are_diagnosed_at_the_margin(test, code):
    diagnostics = check_text(shop(test)).diagnostics
    assert [d.code for d in diagnostics] == [code], [(d.code, d.message) for d in diagnostics]
    assert diagnostics[0].span.column > shop(test).splitlines()[-2].index(" on ")


@pytest.mark.parametrize(
    "test",
    [
        'expect "warmer advice" beats baseline on conversion_rate by at least 2%',
        'expect "warmer advice" beats baseline on conversion_rate by at least 0.02',
        'expect "warmer advice" matches baseline on time_in_journey within 5 min',
        'expect "warmer advice" matches baseline on time_in_journey within 0.5',
        'expect "warmer advice" beats baseline on nps by at least 5',
        'expect "warmer advice" beats baseline on satisfaction by at least 10',
        'expect baseline matches "warmer advice" on profit within 2.5',
    ],
)
def test_margins_in_the_metrics_unit_check_without_diagnostics(test):
    assert check_text(shop(test)).diagnostics == []


# ---- beats ... by at least -------------------------------------------------------------------


def test_a_fixed_cost_is_judged_exactly_at_its_margin():
    # Every customer meets the greeting, so the dearer one costs each exactly 4 more: an interval [4, 4].
    entries = judged(
        'expect baseline beats "dearer greeting" on cost_per_customer by at least 4\n'
        'expect baseline beats "dearer greeting" on cost_per_customer by at least 4.5\n'
        'expect "dearer greeting" beats baseline on cost_per_customer\n'
        'expect baseline matches "dearer greeting" on cost_per_customer within 5\n'
        'expect baseline matches "dearer greeting" on cost_per_customer within 3.5'
    )
    assert [e["verdict"] for e in entries] == ["passed", "failed", "failed", "passed", "failed"]
    at_least = entries[0]
    assert at_least["measured"]["ci95"] == [-4.0, -4.0] and at_least["measured"]["mean"] == -4.0
    # Less is better for cost: the baseline must cost at least 4 less, so the difference must be at most -4.
    assert (at_least["kind"], at_least["margin"], at_least["threshold"], at_least["operator"]) == (
        "beats",
        4.0,
        -4.0,
        "<=",
    )
    assert entries[3]["kind"] == "matches" and entries[3]["operator"] == "within" and entries[3]["threshold"] == 5.0


def paired_changes(metric: str, replications: int = 1) -> tuple[Runner, RunSettings, list[float]]:
    """The customers' own differences of `warmer advice` from the baseline (or the replications' differences)."""
    journey = loads(shop())
    runner = Runner()
    settings = RunSettings(customers=500, seed=4, workers=1, replications=replications).resolved(journey.seed)
    designs = [Design(name, api.design(journey, name)) for name in ("baseline", "warmer advice")]
    outcomes, _ = run_and_compare(runner, designs, settings)
    if replications > 1:
        return (
            runner,
            settings,
            [
                after.metric(metric).mean - before.metric(metric).mean
                for before, after in zip(outcomes[0].collectors, outcomes[1].collectors, strict=True)
            ],
        )
    before, after = (outcome.collectors[0].records for outcome in outcomes)
    assert before is not None and after is not None
    keys = [key for key in before if key in after]
    return runner, settings, [getattr(after[k].outcomes, metric) - getattr(before[k].outcomes, metric) for k in keys]


def test_beats_by_at_least_follows_the_95_interval_of_the_improvement():
    runner, settings, changes = paired_changes("satisfaction")
    z = statistics.NormalDist().inv_cdf(0.975)
    mean, half = statistics.fmean(changes), z * statistics.stdev(changes) / math.sqrt(len(changes))
    low, high = six_digits(mean - half), six_digits(mean + half)
    assert 0 < low < high
    below, inside, above = low * 0.9, (low + high) / 2, high * 1.1
    tests = "\n".join(
        f'expect "warmer advice" beats baseline on satisfaction by at least {margin:.6f}'
        for margin in (below, inside, above)
    )
    entries = judged(tests, runner, customers=settings.customers, seed=settings.master_seed)
    assert [e["verdict"] for e in entries] == ["passed", "inconclusive", "failed"]
    assert entries[0]["measured"]["ci95"] == pytest.approx([low, high], abs=1e-9)
    assert "straddles the margin" in entries[1]["hint"]


# ---- matches ... within: two one-sided tests -------------------------------------------------


@pytest.mark.parametrize("replications", [1, 4])
def test_matches_is_schuirmanns_two_one_sided_tests_by_hand(replications):
    runner, settings, changes = paired_changes("satisfaction", replications)
    n, mean, sd = len(changes), statistics.fmean(changes), statistics.stdev(changes)
    # One-sided tests at 5% each: the 90% interval; the failure rule reads the 95% interval.
    q90, q95 = (
        (statistics.NormalDist().inv_cdf(0.95), statistics.NormalDist().inv_cdf(0.975))
        if replications == 1
        else (T_95_3, T_975_3)
    )
    low90, high90 = mean - q90 * sd / math.sqrt(n), mean + q90 * sd / math.sqrt(n)
    low95 = mean - q95 * sd / math.sqrt(n)
    assert 0 < low95 < low90 < high90
    widest = max(abs(low90), abs(high90))
    margins = {
        "passed": widest * 1.05,  # the 90% interval lies within (-X, +X): both one-sided tests reject
        "inconclusive": (low90 + high90) / 2,  # the 90% interval crosses +X
        "failed": low95 * 0.95,  # the whole 95% interval lies beyond +X
    }
    tests = "\n".join(
        f'expect "warmer advice" matches baseline on satisfaction within {margin:.6f}' for margin in margins.values()
    )
    entries = judged(tests, runner, customers=settings.customers, seed=settings.master_seed, replications=replications)
    assert [e["verdict"] for e in entries] == list(margins)
    for entry in entries:
        assert entry["kind"] == "matches" and entry["rival"] == "baseline"
        assert entry["measured"]["ci90"] == pytest.approx([six_digits(low90), six_digits(high90)], abs=1e-9)
        assert entry["measured"]["mean"] == pytest.approx(six_digits(mean), abs=1e-9)
    assert "90% interval" in entries[1]["hint"]


def test_matches_fails_on_either_side_and_the_order_of_the_designs_does_not_matter():
    # Warmer advice raises satisfaction: by equivalence the designs match within a wide margin in either order.
    assert verdicts(
        'expect baseline matches "warmer advice" on satisfaction within 2\n'
        'expect "warmer advice" matches baseline on satisfaction within 2\n'
        'expect baseline matches "warmer advice" on remembered_experience within 0.01\n'
        'expect "warmer advice" matches baseline on remembered_experience within 0.01'
    ) == ["passed", "passed", "failed", "failed"]


def test_a_plain_beats_on_a_difference_below_the_minimal_one_passes_with_a_hint():
    (entry,) = judged('expect "warmer advice" beats baseline on satisfaction')
    assert entry["verdict"] == "passed" and entry["margin"] is None
    assert abs(entry["measured"]["mean"]) < MINIMAL_DIFFERENCES["satisfaction"].amount
    assert "minimal important difference (0.3)" in entry["hint"] and "by at least 0.3" in entry["hint"]


def test_journey_test_prints_margins_and_the_equivalence_interval(tmp_path):
    path = tmp_path / "shop.journey"
    path.write_text(
        shop(
            'expect baseline beats "dearer greeting" on cost_per_customer by at least 4\n'
            'expect baseline matches "dearer greeting" on cost_per_customer within 5'
        )
    )
    result = CliRunner().invoke(cli, ["test", str(path), "--customers", "200", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "-4 [-4, -4] vs dearer greeting, at most -4" in result.output
    assert "-4 90% [-4, -4] vs dearer greeting, within ±5" in result.output


# ---- comparisons: verdicts, minimal important differences, ranks ------------------------------

COMPARED = SHOP.replace(
    "TESTS",
    'variant "much warmer" { change advice { feel +4 }; change till { feel +3 } }\n  variant "as before" { }',
)


def compared(designs: list[str], **options) -> dict:
    options = {"customers": 500, "seed": 4, "workers": 1, **options}
    document = api.compare(loads(COMPARED), designs, **options)
    errors = sorted(validator("comparison.schema.json").iter_errors(document), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return document


def test_every_difference_has_the_verdict_its_interval_and_minimal_difference_give():
    document = compared(["baseline", "warmer advice", "much warmer", "dearer greeting"])
    minimal = {metric: block["value"] for metric, block in document["minimal_differences"].items()}
    said = set()
    for difference in document["differences"].values():
        blocks = [*difference["metrics"].items()]
        blocks += [item for segment in difference["segments"].values() for item in segment.items()]
        for metric, change in blocks:
            low, high = change["ci95"]
            clear = (low > 0 or high < 0) and abs(change["mean"]) >= minimal[metric]
            lower_is_better = metric in ("cost_per_customer", "time_in_journey", "detractors", "passives")
            expected = (
                "no clear difference" if not clear else "better" if (change["mean"] > 0) != lower_is_better else "worse"
            )
            assert change["verdict"] == expected, (metric, change, minimal[metric])
            said.add(change["verdict"])
    assert said == {"better", "worse", "no clear difference"}
    # The dearer greeting costs exactly 4 more per customer: worse, not better, although the number rises.
    assert document["differences"]["dearer greeting"]["metrics"]["cost_per_customer"]["verdict"] == "worse"


def test_minimal_differences_follow_the_table_and_the_baseline():
    document = compared(["baseline", "warmer advice"])
    base = document["results"]["baseline"]["metrics"]
    table = document["minimal_differences"]
    assert table["satisfaction"] == {"value": 0.3, "given": False}
    assert table["conversion_rate"]["value"] == 0.01 and table["nps"]["value"] == 5.0
    assert table["time_in_journey"]["value"] == pytest.approx(0.1 * base["time_in_journey"]["mean"], rel=1e-5)
    assert table["cost_per_customer"]["value"] == pytest.approx(0.01 * base["cost_per_customer"]["mean"], rel=1e-5)
    # The shop earns nothing: profit's and revenue's minimal differences are 0, and the interval alone decides.
    assert table["profit"]["value"] == 0.0 == table["revenue_per_customer"]["value"]
    assert set(table) == set(MINIMAL_DIFFERENCES)
    with pytest.raises(ValueError, match="no metric `happiness`"):
        minimal_differences({}, {"happiness": 1.0})
    with pytest.raises(ValueError, match="0 or more"):
        minimal_differences({}, {"nps": -1.0})


def test_a_change_below_the_minimal_difference_is_no_clear_difference_until_the_designer_lowers_it():
    default = compared(["baseline", "warmer advice"])
    change = default["differences"]["warmer advice"]["metrics"]["remembered_experience"]
    assert change["excludes_zero"] and abs(change["mean"]) < 0.6 and change["verdict"] == "no clear difference"
    lowered = compared(["baseline", "warmer advice"], min_differences={"remembered_experience": 0.05})
    assert lowered["differences"]["warmer advice"]["metrics"]["remembered_experience"]["verdict"] == "better"
    assert lowered["minimal_differences"]["remembered_experience"] == {"value": 0.05, "given": True}
    assert lowered["minimal_differences"]["satisfaction"]["given"] is False


def test_designs_without_a_clear_difference_share_a_rank():
    document = compared(["baseline", "as before", "warmer advice", "much warmer"])
    ranks = {row["design"]: row["rank"] for row in document["ranking"]}
    # Much warmer is clearly ahead of all; the other three differ by less than 0.6 points of memory.
    assert ranks == {"much warmer": 1, "warmer advice": 2, "baseline": 2, "as before": 2}
    assert document["leaders"] == ["much warmer"]
    behind = {row["design"]: row["clearly_behind"] for row in document["ranking"]}
    assert behind["as before"] == ["much warmer"] and behind["much warmer"] == []
    # An identical design never outranks the baseline, even where the means differ in the last digit.
    assert [row["design"] for row in document["ranking"]][0] == "much warmer"
    by_cost = compared(["baseline", "as before", "dearer greeting"], objective="cost_per_customer")
    assert {row["design"]: row["rank"] for row in by_cost["ranking"]} == {
        "baseline": 1,
        "as before": 1,
        "dearer greeting": 3,
    }
    assert sorted(by_cost["leaders"]) == ["as before", "baseline"]


def test_the_report_names_a_best_design_only_when_it_is_clearly_ahead():
    from journeydsl.report.document import Report, conclusions, reproduce_command

    journey = loads(COMPARED)

    def last_sentence(document: dict) -> str:
        report = Report(journey, document["designs"], document["results"], document, None)
        return conclusions(report)[-1]

    tied = compared(["baseline", "as before", "warmer advice"])
    sentence = last_sentence(tied)
    assert "no design is clearly the best" in sentence and "best design is" not in sentence
    assert "at least 0.60" in sentence
    clear = compared(["baseline", "much warmer"])
    assert last_sentence(clear).startswith("By remembered experience, the best design is `much warmer`")
    # A leader that is not clearly ahead of a design (which another design is clearly ahead of) is not the best.
    odd = compared(["baseline", "warmer advice", "much warmer"])
    odd["leaders"] = ["much warmer"]
    for row in odd["ranking"]:
        row["clearly_behind"] = {"warmer advice": ["baseline"], "baseline": ["much warmer"]}.get(row["design"], [])
    assert "`much warmer` ranks first, but it is not clearly ahead of `warmer advice`" in last_sentence(odd)
    # The sentences about each design say "no clear difference", not "raises", below the minimal difference.
    report = Report(journey, tied["designs"], tied["results"], tied, None)
    assert conclusions(report)[0].startswith("`as before` shows no clear difference in the headline figures")
    # The Reproduce line repeats the minimal differences that were given, and only those.
    given = compared(["baseline", "warmer advice"], min_differences={"satisfaction": 0.5, "conversion_rate": 0.02})
    line = reproduce_command(
        Report(journey, given["designs"], given["results"], given, None, settings={"seed": 4}), "r.html"
    )
    assert line.endswith("--seed 4 --min-difference conversion_rate=0.02 --min-difference satisfaction=0.5")


def test_parse_min_difference_reads_each_metric_in_its_unit():
    assert parse_min_difference("satisfaction=0.5", "minutes") == ("satisfaction", 0.5)
    assert parse_min_difference("conversion_rate=2%", "minutes") == ("conversion_rate", 0.02)
    assert parse_min_difference("conversion_rate=0.02", "minutes") == ("conversion_rate", 0.02)
    assert parse_min_difference("time_in_journey=2 h", "minutes") == ("time_in_journey", 120.0)
    assert parse_min_difference("time_in_journey=3", "days") == ("time_in_journey", 3.0)
    assert parse_min_difference("profit=0", None) == ("profit", 0.0)
    for text, words in [
        ("nps=5%", "not in the unit of `nps`"),
        ("conversion_rate=2", "would be 200 percentage points"),
        ("satisfaction=5 min", "not in the unit of `satisfaction`"),
        ("happiness=1", "no metric `happiness`"),
        ("satisfaction", "not METRIC=AMOUNT"),
        ("satisfaction=lots", "is not an amount"),
        ("time_in_journey=5 fortnights", "not a time unit"),
        ("nps=-2", "0 or more"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_min_difference(text, "minutes")


def test_journey_compare_takes_min_difference_and_shows_verdicts_and_shared_ranks(tmp_path):
    path = tmp_path / "shop.journey"
    path.write_text(COMPARED)
    runner = CliRunner()
    common = [
        "compare",
        str(path),
        "--design",
        "baseline",
        "--design",
        "warmer advice",
        "--customers",
        "500",
        "-j",
        "1",
    ]
    table = runner.invoke(cli, common)
    assert table.exit_code == 0, table.output
    assert "no clear difference (below 0.60)" in table.output
    assert "1= warmer advice" in table.output and "1= baseline" in table.output
    assert "= shares the rank: no clear difference in remembered experience" in table.output
    lowered = runner.invoke(cli, [*common, "--min-difference", "remembered_experience=0.05", "--format", "json"])
    assert lowered.exit_code == 0, lowered.output
    assert '"leaders": [\n    "warmer advice"\n  ]' in lowered.output
    csv = runner.invoke(cli, [*common, "--format", "csv"])
    assert csv.output.splitlines()[0].endswith("excludes_zero,verdict,minimal_difference")
    for wrong, words in [("nps=5%", "not in the unit of `nps`"), ("happiness=1", "no metric `happiness`")]:
        refused = runner.invoke(cli, [*common, "--min-difference", wrong])
        assert refused.exit_code == 2 and words in refused.output and "--min-difference" in refused.output


def test_the_documented_table_of_minimal_differences_is_the_one_in_the_code():
    from .conftest import ROOT

    text = (ROOT / "docs" / "designs.md").read_text(encoding="utf-8")
    for metric, rule in MINIMAL_DIFFERENCES.items():
        assert f"| `{metric}` | {rule.written} | {rule.reason} |" in text, metric
