"""Hostile inputs against the gates: honest verdicts, bounded work, validated surveys, exact numerics.

Each test holds a reproducer of the "Hardening" issue so that it cannot come back: seeds made
lazily and run sizes bounded (``-r 100000000000000000000`` is a clean error, not an OverflowError),
``analyze`` near-linear in the stages of a sparse journey (1,000 stages took 87 s).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy import sparse

from journeydsl import api
from journeydsl.analysis.gaps import gaps_from_survey, read_survey_csv
from journeydsl.analysis.markov import _inverse_diagonal, analyze
from journeydsl.lang.graph import build_graph
from journeydsl.lang.render import render_text
from journeydsl.lang.vocabulary import METRICS
from journeydsl.sim.metrics import Collector, CustomerOutcomes, Moments
from journeydsl.sim.results import METRIC_BOUNDS, NonFiniteResultError, interval, rounded, summarise
from journeydsl.sim.runner import NoCustomersError, replication_seeds
from journeydsl.sim.settings import MAX_CUSTOMERS, MAX_REPLICATIONS, RunSettings

from .conftest import EXAMPLES, ROOT

# --- seeds and run sizes ---------------------------------------------------------------------


def test_replication_seeds_are_made_lazily_and_match_spawned_ones():
    spawned = np.random.SeedSequence(2026).spawn(40)
    weights = np.array([1 << 32, 1], dtype=np.uint64)
    expected = [int(c.generate_state(2, dtype=np.uint32).astype(np.uint64) @ weights) for c in spawned]
    seeds = replication_seeds(2026, 40)
    assert list(seeds) == expected and seeds[7] == expected[7] and seeds[-1] == expected[-1]
    assert seeds == expected and seeds[3:9] == expected[3:9]
    start = time.perf_counter()
    many = replication_seeds(1, MAX_REPLICATIONS)  # nothing made up front
    assert len(many) == MAX_REPLICATIONS and many[MAX_REPLICATIONS - 1] == many[-1]
    assert time.perf_counter() - start < 1.0
    with pytest.raises(ValueError, match="at most 100,000"):
        replication_seeds(1, 10**20)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"replications": 100000000000000000000}, "replications must be at most 100,000"),
        ({"replications": MAX_REPLICATIONS + 1}, "replications must be at most"),
        ({"customers": MAX_CUSTOMERS + 1}, "customers must be at most 100,000,000"),
        ({"customers": 10**30}, "customers must be at most"),
        ({"customers": 2.5}, "customers must be a whole number"),
        ({"replications": True}, "replications must be a whole number"),
        ({"horizon": float("inf")}, "horizon must be a finite time"),
        ({"warmup": float("inf")}, "warm-up must be a finite time"),
        ({"warmup": float("nan")}, "warm-up cannot be negative"),
    ],
)
def test_absurd_run_sizes_are_refused_naming_the_setting(settings, message):
    with pytest.raises(ValueError, match=message):
        RunSettings(**settings)


def test_the_largest_allowed_run_sizes_are_accepted():
    assert RunSettings(customers=MAX_CUSTOMERS, replications=MAX_REPLICATIONS).replications == MAX_REPLICATIONS
    assert RunSettings(customers=np.int64(500)).customers == 500


# --- analyze: sparse, near-linear, the same figures ------------------------------------------


def _chain(stages: int, back: bool = True) -> str:
    lines = ['journey "Long chain" {', "  time unit minutes; visit limit 3"]
    for s in range(stages):
        last = s == stages - 1
        lines.append(f"  stage s{s}{' goal' if last else ''} {{")
        lines.append(f"    touchpoint a{s}: staff duration {1 + s % 7} min {{ feel +1 }}")
        if not last:
            lines.append(f"    -> s{s + 1} 80%")
            if back and s:
                lines.append(f"    -> s{s - 1} 10%")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines)


def test_analyze_of_a_thousand_stages_takes_seconds_not_minutes():
    journey = api.loads(_chain(1000))
    start = time.perf_counter()
    document = analyze(journey)
    assert time.perf_counter() - start < 15  # 87 s with dense solves; about 0.5 s here
    assert len(document["stages"]) == 1000
    assert 0 < document["conversion"] < 1
    assert document["stages"]["s0"]["removal_effect"] == 1.0


def _dense_reference(journey) -> dict:
    """The removal effects and reach, solved densely, one system per removal (the definition)."""
    graph = build_graph(journey)
    stages = sorted(
        (n for n, d in graph.nodes(data=True) if d.get("kind") == "stage"), key=lambda n: graph.nodes[n]["order"]
    )
    index = {node: i for i, node in enumerate(stages)}
    size = len(stages)
    moves = np.zeros((size, size))
    for source, target, data in graph.edges(data=True):
        if data.get("kind") == "transition" and not data.get("repeat") and source in index and target in index:
            moves[index[source], index[target]] += data["probability"]
    goal = np.array([bool(graph.nodes[n].get("goal")) for n in stages])
    start = index[graph.graph["start"]]

    def reach(matrix):
        result = goal.astype(float)
        transient = ~goal
        q = matrix[np.ix_(transient, transient)]
        result[transient] = np.linalg.solve(np.eye(int(transient.sum())) - q, matrix[np.ix_(transient, goal)].sum(1))
        return result

    conversion = reach(moves)[start]
    effects = {}
    for node in stages:
        entering = np.ones(size)
        entering[index[node]] = 0.0
        without = entering[start] * reach(moves * entering[None, :])[start]
        effects[graph.nodes[node]["name"]] = (conversion - without) / conversion
    return {"conversion": conversion, "removal": effects, "reach": reach(moves)}


def _random_journey(rng: random.Random, stages: int) -> str:
    goals = set(rng.sample(range(stages), rng.randint(1, max(1, stages // 3))))
    lines = ['journey "Random" {', "  time unit minutes; visit limit 3", "  touchpoint shared: staff { feel +1 }"]
    for i in range(stages):
        lines.append(f"  stage s{i}{' goal' if i in goals else ''} {{")
        lines.append(f"    touchpoint t{i}: staff duration {rng.randint(1, 9)} min {{ feel +1 }}")
        if rng.random() < 0.3:
            lines.append("    use shared")
        budget = 95
        for target in {i + 1, *(rng.randrange(stages) for _ in range(rng.randint(0, 3)))}:
            if target < stages and budget > 1:
                share = rng.randint(1, min(budget - 1, 80))
                budget -= share
                lines.append(f"    -> s{target} {share}%")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines)


def test_removal_effects_without_a_solve_each_equal_solving_each_removal():
    rng = random.Random(7)
    checked = 0
    while checked < 40:
        result = api.check_text(_random_journey(rng, rng.randint(2, 16)))
        if not result.ok or result.journey is None:
            continue
        checked += 1
        document = analyze(result.journey)
        reference = _dense_reference(result.journey)
        assert document["conversion"] == pytest.approx(reference["conversion"], rel=1e-5, abs=1e-12)
        for name, effect in reference["removal"].items():
            assert document["stages"][name]["removal_effect"] == pytest.approx(effect, rel=1e-5, abs=1e-12)


def test_the_diagonal_of_an_inverse_in_a_band_is_exact():
    rng = np.random.default_rng(3)
    for size in (1, 2, 5, 30):
        q = np.zeros((size, size))
        for i in range(size):
            for j in rng.choice(size, min(size, 3), replace=False):
                q[i, j] = rng.uniform(0, 0.3)
        matrix = np.eye(size) - q
        diagonal = _inverse_diagonal(sparse.coo_matrix(matrix))
        assert diagonal is not None
        assert np.allclose(diagonal, np.diag(np.linalg.inv(matrix)), rtol=1e-13)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_analyze_of_the_examples_is_finite(path):
    journey = api.load(path)
    for name in api.design_names(journey):
        document = api.analyze(journey, design=name)
        assert 0 <= document["conversion"] <= 1
        assert all(0 <= s["removal_effect"] <= 1 for s in document["stages"].values())


def test_the_analyze_benchmark_runs_on_a_valid_journey():
    output = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "analyze_speed.py"), "--repeats", "1", "--sizes", "20", "40"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    assert set(figures) == {"seconds_20", "seconds_40", "ratio_40"}


# --- survey CSV: validated like a survey block ------------------------------------------------

HEADER = "factor,experience,expectation,importance,ideal\n"


def _survey_problems(tmp_path, text: str | bytes, name: str = "survey.csv", journey=None):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(api.JourneyError) as caught:
        read_survey_csv(path, journey)
    return [(d.code, d.span.line, d.span.column, d.message) for d in caught.value.diagnostics], caught.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [("JD008", 1, 1, "the survey file is empty")]),
        ("\n  \n", [("JD008", 1, 1, "the survey file is empty")]),
        (HEADER, [("JD008", 1, 1, "the survey file has a header but no rows")]),
        ("name,experience\nconvenience,5\n", [("JD212", 1, 1, "`survey.csv` has no `factor` column")]),
        (HEADER + "convenence,5,7,9,10\n", [("JD106", 2, 1, "unknown experience factor `convenence`")]),
        (HEADER + "price,5,7,9,10\nprice,6,7,9,10\n", [("JD102", 3, 1, "rates `price` twice")]),
        (HEADER + "price,11,7,9,10\n", [("JD207", 2, 7, "experience 11 is outside the scale 0 to 10")]),
        (HEADER + "price,5,-1,9,10\n", [("JD207", 2, 9, "expectation -1 is outside the scale")]),
        (HEADER + "price,nan,7,9,10\n", [("JD207", 2, 7, "experience nan is outside the scale")]),
        (HEADER + "price,5,inf,9,10\n", [("JD207", 2, 9, "expectation inf is outside the scale")]),
        (HEADER + "price,5,7,1" + "0" * 400 + ",10\n", [("JD207", 2, 11, "importance inf is outside the scale")]),
        (HEADER + "price,five,7,9,10\n", [("JD001", 2, 7, "experience `five` is not a number")]),
        (HEADER + ",5,7,9,10\n", [("JD212", 2, 1, "line 2 has figures but no factor")]),
        ("factor,experiance\nprice,5\n", [("JD211", 1, 8, "column `experiance` is not a survey column")]),
        ("factor,experience,experience\nprice,5,5\n", [("JD216", 1, 19, "column `experience` is given twice")]),
        ("factor,experience\nprice," + "9" * 200_000 + "\n", [("JD001", 2, 1, "line 2 is not CSV: field larger")]),
    ],
)
def test_a_survey_csv_is_checked_like_a_survey_block(tmp_path, text, expected):
    found, _ = _survey_problems(tmp_path, text)
    assert [(code, line, column) for code, line, column, _ in found] == [e[:3] for e in expected]
    assert all(e[3] in message for (*_, message), e in zip(found, expected, strict=True))


def test_survey_csv_problems_are_all_reported_with_their_lines_and_shown_like_journey_diagnostics(tmp_path):
    found, error = _survey_problems(tmp_path, HEADER + "convenence,5,7,9,10\nprice,5,7,9,10\nprice,12,7,9,10\n")
    assert [code for code, *_ in found] == ["JD106", "JD102", "JD207"]
    shown = render_text(error.diagnostics, error.sources)
    assert "survey.csv:2:1: error[JD106]" in shown and "    2 | convenence,5,7,9,10" in shown


def test_a_file_that_is_not_a_survey_is_never_quoted(tmp_path):
    found, error = _survey_problems(tmp_path, "SECRET_KEY=hunter2\n", name=".env")
    assert [code for code, *_ in found] == ["JD212"]
    assert error.sources == {} and "hunter2" not in str(error) and "hunter2" not in found[0][3]


def test_a_survey_csv_that_is_not_utf8_or_too_large_or_not_a_file_is_refused(tmp_path):
    assert _survey_problems(tmp_path, "\ufefffactor\n".encode("utf-16"))[0][0][0] == "JD007"
    big = tmp_path / "big.csv"
    with big.open("w") as f:
        f.write(HEADER)
        f.truncate(63 * 1024 * 1024)  # 63 MB: refused before it is read
    with pytest.raises(api.JourneyError, match="at most 4 MB") as caught:
        read_survey_csv(big)
    assert caught.value.diagnostics[0].code == "JD011"
    fifo = tmp_path / "answers.csv"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(api.JourneyError, match="named pipe") as caught:
        read_survey_csv(fifo)  # never blocks
    assert caught.value.diagnostics[0].code == "JD009" and time.perf_counter() - start < 5
    with pytest.raises(api.JourneyError, match="a folder"):
        read_survey_csv(tmp_path)
    with pytest.raises(api.JourneyError, match="JD009|No such file|cannot read"):
        read_survey_csv(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    "text",
    [
        "factor;experience;expectation;importance;ideal\nconvenience;5,5;7;9;10\nprice;6;7;;\n",
        "factor\texperience\texpectation\timportance\tideal\nconvenience\t5.5\t7\t9\t10\nprice\t6\t7\t\t\n",
        '\ufeff"factor","experience","expectation","importance","ideal"\r\n"convenience","5.5","7","9","10"\r\n'
        '"price","6","7","",""\r\n',
        "factor;experience;expectation;importance;ideal\r\nconvenience;5.5;7;9;10\r\n\r\nprice;6;7;;\r\n",
    ],
    ids=["semicolons-decimal-comma", "tabs", "quoted-bom-crlf", "semicolons-blank-line"],
)
def test_survey_csv_delimiters_are_sniffed(tmp_path, text):
    path = tmp_path / "excel.csv"
    path.write_text(text, encoding="utf-8", newline="")
    (survey,) = read_survey_csv(path)
    assert [(r.factor, r.experience, r.expectation, r.importance) for r in survey.rows] == [
        ("convenience", 5.5, 7.0, 9.0),
        ("price", 6.0, 7.0, None),
    ]


def test_survey_csv_segments_must_be_the_journeys(tmp_path):
    journey = api.loads(
        'journey "J" { segment commuters 50% { } segment tourists 50% { } stage a goal { touchpoint t: staff { feel +1 } } }'
    )
    text = "factor,experience,segment\nconvenience,5,commuters\nconvenience,6,locals\n"
    found, _ = _survey_problems(tmp_path, text, journey=journey)
    assert [(code, line, column) for code, line, column, _ in found] == [("JD107", 3, 15)]
    path = tmp_path / "survey.csv"
    surveys = read_survey_csv(path)  # without the journey, the gap analysis checks the segments
    with pytest.raises(api.JourneyError, match="segment `locals` is not defined"):
        gaps_from_survey(journey, surveys)
    path.write_text("factor,experience,segment\nconvenience,5,commuters\nconvenience,6,commuters\n")
    found, _ = _survey_problems(tmp_path, path.read_text(), journey=journey)
    assert [code for code, *_ in found] == ["JD102"]  # the same factor twice for one segment


# --- honest gates: no customers is an error, too little data is never a pass -----------------

TINY = """journey "Tiny" {
  time unit days
  horizon 30 days
  arrivals poisson 5 per day
  seed 1
  segment regulars 99% { }
  segment rare 1% { }
  stage visit goal {
    touchpoint desk: staff capacity 1 duration 5 min cost 2 { feel +1 }
    -> complaint 0.01%
  }
  stage complaint {
    touchpoint manager: staff duration 5 min { feel -1 }
  }
  variant "kind desk" { change desk { feel +2 } }
  expect satisfaction > 3
  expect conversion_rate > 50%
  expect drop_rate of stage complaint < 20%
  expect wait_mean of touchpoint manager < 5
  expect satisfaction of segment rare > 3
  expect "kind desk" beats baseline on satisfaction
}"""


@pytest.fixture(scope="module")
def tiny():
    return api.loads(TINY)


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"warmup": 100.0}, "the warm-up (100 days) is not shorter than the horizon (30 days)"),
        ({"warmup": 30.0, "horizon": 30.0}, "the warm-up (30 days) is not shorter than the horizon (30 days)"),
        ({"horizon": 0.0001}, "no customer arrived within the horizon (0.0001 days)"),
        ({"warmup": 1000.0, "customers": 50}, "every customer arrived during the warm-up (1000 days)"),
    ],
)
def test_a_run_that_counted_no_customers_is_an_error_naming_the_design_and_the_setting(tiny, settings, reason):
    outcome = api.simulate(tiny, **settings)
    with pytest.raises(NoCustomersError, match="design `baseline` of `Tiny` counted no customers") as caught:
        _ = outcome.results
    assert reason in str(caught.value) and isinstance(caught.value, ValueError)
    with pytest.raises(NoCustomersError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        api.run_tests(tiny, **settings)  # journey test: never PASSED 0 [0, 0]
    with pytest.raises(NoCustomersError):
        api.compare(tiny, ["baseline", "kind desk"], **settings)


def test_design_tests_with_too_little_data_are_inconclusive_never_passed(tiny):
    document = api.run_tests(tiny, customers=1)
    verdicts = {entry["text"]: (entry["verdict"], entry.get("hint", "")) for entry in document["tests"]}
    assert all(verdict == "inconclusive" for verdict, _ in verdicts.values()), verdicts
    assert "the design counted 1 customer" in verdicts["expect satisfaction > 3"][1]
    assert "no customer entered stage `complaint`" in verdicts["expect drop_rate of stage complaint < 20%"][1]
    assert "no customer met touchpoint `manager`" in verdicts["expect wait_mean of touchpoint manager < 5"][1]
    assert "segment `rare` counted 0 customers" in verdicts["expect satisfaction of segment rare > 3"][1]
    assert "went through both designs" in verdicts['expect "kind desk" beats baseline on satisfaction'][1]
    assert document["passed"] == 0 and document["inconclusive"] == len(document["tests"])


def test_design_tests_with_enough_data_are_judged(tiny):
    document = api.run_tests(tiny, customers=400)
    verdicts = {entry["text"]: entry["verdict"] for entry in document["tests"]}
    assert verdicts["expect satisfaction > 3"] == "passed"
    assert verdicts["expect conversion_rate > 50%"] == "passed"
    assert verdicts['expect "kind desk" beats baseline on satisfaction'] == "passed"
    assert verdicts["expect drop_rate of stage complaint < 20%"] == "inconclusive"  # nobody goes there


def test_metric_bounds_cover_every_metric():
    assert set(METRIC_BOUNDS) == set(METRICS)
    assert {name for name, bounds in METRIC_BOUNDS.items() if bounds.proportion} == {
        "conversion_rate",
        "promoters",
        "passives",
        "detractors",
    }


def _within(document: dict, where: str) -> None:
    for name, block in document["metrics"].items():
        low, high = block["ci95"]
        bounds = METRIC_BOUNDS[name]
        assert low <= block["mean"] <= high, (where, name, block)
        assert bounds.low is None or low >= bounds.low, (where, name, block)
        assert bounds.high is None or high <= bounds.high, (where, name, block)


@pytest.mark.parametrize("replications", [1, 3])
@pytest.mark.parametrize("customers", [1, 2, 5, 30])
def test_intervals_of_bounded_metrics_stay_in_their_bounds(tiny, customers, replications):
    results = api.simulate(tiny, customers=customers, replications=replications, workers=1).results
    _within(results, "journey")
    for name, segment in results["segments"].items():
        _within(segment, name)


def test_a_share_of_one_customer_gets_wilsons_interval_not_a_point(tiny):
    metrics = api.simulate(tiny, customers=1).results["metrics"]
    assert metrics["conversion_rate"] == {"mean": 1.0, "ci95": [0.206549, 1.0]}
    assert metrics["detractors"]["ci95"][0] == 0.0 and metrics["detractors"]["ci95"][1] > 0.5
    assert interval(0.0, 0.0, None, metric="conversion_rate", n=500)["ci95"] == [0.0, 0.00762434]
    assert interval(0.01, 0.01, None, metric="cost_per_customer")["ci95"][0] == 0.0
    assert interval(99.0, 5.0, None, metric="nps")["ci95"][1] == 100.0
    assert interval(0.99, 0.01, 2, metric="return_rate")["ci95"][1] == 1.0
    assert interval(0.5, 1.0, None)["ci95"] == [-1.45996, 2.45996]  # a difference: unbounded


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_examples_intervals_stay_in_their_bounds(path):
    journey = api.load(path)
    results = api.simulate(journey, customers=300).results
    _within(results, path.stem)
    for name, segment in results["segments"].items():
        _within(segment, name)


def test_non_finite_figures_are_errors_not_zeros(tiny):
    with pytest.raises(NonFiniteResultError, match="nan, not a finite number"):
        rounded(float("nan"))
    with pytest.raises(NonFiniteResultError):
        rounded(float("-inf"))
    with pytest.raises(NonFiniteResultError):
        interval(1.0, float("inf"), None)
    outcome = api.simulate(tiny, customers=20)
    desk = next(tp.index for tp in outcome.plan.touchpoints if tp.name == "desk")
    outcome.collectors[0].cost[desk] = float("inf")  # costs too large to add up
    with pytest.raises(NonFiniteResultError, match="design `baseline` of `Tiny`: a figure of the results is inf"):
        summarise(outcome.plan, outcome.collectors, 1, "baseline")


# --- moments: Welford and Chan, not a sum of squares -----------------------------------------


@pytest.mark.parametrize(
    ("offset", "scale", "tolerance"),
    [
        (0.0, 1.0, 1e-12),
        (1e6, 1.0, 1e-9),
        (1e8, 1.0, 1e-7),
        (1e12, 1.0, 1e-4),
        (0.0, 1e-12, 1e-12),
        (5e-9, 1e-12, 1e-6),
    ],
    ids=["plain", "offset-1e6", "offset-1e8", "offset-1e12", "tiny", "tiny-offset"],
)
def test_moments_match_statistics_on_hard_cases(offset, scale, tolerance):
    rng = random.Random(int(offset) % 1000 + 7)
    values = [offset + scale * rng.gauss(0.0, 1.0) for _ in range(3000)]
    expected = statistics.stdev(values)
    added = Moments()
    for value in values:
        added.add(value)
    merged = Moments()
    first, size = 0, 1
    while first < len(values):  # blocks of uneven sizes, folded by Chan's formula
        block = Moments()
        for value in values[first : first + size]:
            block.add(value)
        merged.merge(block)
        first, size = first + size, size % 97 + 13
    assert added.n == merged.n == len(values)
    assert added.sd == pytest.approx(expected, rel=tolerance)
    assert merged.sd == pytest.approx(expected, rel=tolerance)
    assert added.mean == pytest.approx(statistics.fmean(values), rel=1e-12, abs=1e-300)


def test_the_naive_sum_of_squares_would_have_failed_here():
    values = [1e8 + x for x in (-1.0, 0.0, 1.0)]
    naive = (sum(v * v for v in values) - sum(values) ** 2 / 3) / 2
    assert naive != 1.0  # the old formula: 0.0 or garbage at this offset
    moments = Moments()
    for value in values:
        moments.add(value)
    assert moments.sd == 1.0 and moments.stderr == pytest.approx(1 / 3**0.5)
    empty, one = Moments(), Moments()
    one.add(5.0)
    empty.merge(one)
    one.merge(Moments())
    assert (empty.n, empty.mean, empty.sd) == (1, 5.0, 0.0) and (one.n, one.sd) == (1, 0.0)


def test_the_collector_folds_blocks_of_customers_exactly():
    rng = random.Random(3)
    collector = Collector(touchpoints=1, stages=1, segments=2)
    times = {0: [], 1: []}
    for index in range(1300):  # more than two blocks of 512 per segment
        segment = index % 2
        time_in_journey = 1e8 + rng.gauss(0.0, 1.0)  # minutes since a distant epoch, unit noise
        times[segment].append(time_in_journey)
        collector.customer(segment, CustomerOutcomes(1, 0, 7, 0, 0, 1, 0, 0.5, 0, time_in_journey, 0, 0), 7)
        collector.moments[segment][0].append(1e8 + rng.gauss(0.0, 1.0))
        collector.waits[0].add(1e8 + rng.gauss(0.0, 1.0))
    collector.flush()
    everyone = times[0] + times[1]
    assert collector.metric("time_in_journey").sd == pytest.approx(statistics.stdev(everyone), rel=1e-7)
    for segment in (0, 1):
        assert collector.metric("time_in_journey", segment).sd == pytest.approx(
            statistics.stdev(times[segment]), rel=1e-7
        )
    assert collector.metric("conversion_rate").sd == 0.0 and collector.metric("return_rate").mean == 0.5
    assert 0.9 < collector.affect(0).sd < 1.1 and 0.9 < collector.waits[0].sd < 1.1


# --- the same bytes on every CPU kernel numpy dispatches to ------------------------------------


#: Prints, as JSON, the dispatchable CPU features numpy uses in this process.
_PROBE = """
import json
try:
    from numpy._core import _multiarray_umath as umath
except ImportError:  # numpy 1.x
    from numpy.core import _multiarray_umath as umath
print(json.dumps([name for name in umath.__cpu_dispatch__ if umath.__cpu_features__.get(name)]))
"""


def _features(env: dict[str, str] | None = None) -> list[str]:
    probe = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(probe.stdout)


def _avx512_features() -> list[str]:
    """The AVX-512 kernels numpy could dispatch to on this machine (names differ between numpy releases)."""
    return [name for name in _features() if name.startswith("AVX512") or name == "X86_V4"]


AVX512 = _avx512_features()


@pytest.mark.skipif(not AVX512, reason="numpy has no AVX-512 kernels to turn off on this machine")
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_results_are_the_same_bytes_without_the_avx512_kernels(path, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("NPY_")}
    without = {**env, "NPY_DISABLE_CPU_FEATURES": " ".join(AVX512)}
    assert not set(AVX512) & set(_features(without))  # numpy really turned them off
    command = [sys.executable, "-m", "journeydsl", "simulate", str(path), "--customers", "2000", "--format", "json"]
    default = subprocess.run(command, env=env, capture_output=True, check=True, timeout=300).stdout
    plain = subprocess.run(command, env=without, capture_output=True, check=True, timeout=300).stdout
    assert json.loads(default)["customers"] > 0
    assert plain == default
