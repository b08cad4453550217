"""journeydsl in a notebook: short reprs, HTML that escapes every name, pandas frames, and docs/notebook.md runs.

The frames' tests skip without pandas; the reprs, the HTML and the error naming the ``frames``
extra are tested either way.  docs/notebook.md is run as written: its ``python`` blocks, in order,
in one namespace, every output compared with the one the page shows.
"""

from __future__ import annotations

import copy
import doctest
import json
import pickle
import re
import shutil
import sys

import pytest

import journeydsl as jd
from journeydsl.analysis.notebook import Comparison, DesignTests, change_text
from journeydsl.lang import notebook as lang_notebook
from journeydsl.lang.notebook import html_table, journey_html, number, require_pandas, value_text
from journeydsl.sim.notebook import FRAME_KINDS, results_frame, results_html, results_repr

from .conftest import ROOT

DOC = ROOT / "docs" / "notebook.md"
PREMIER = ROOT / "examples" / "journeys" / "premier_banking.journey"

#: A name no output may show as markup: tags, an attribute breaking out of quotes, a comment's end, an entity.
HOSTILE = "<script>alert(1)</script>\" onload='x' --> &amp;"

SMALL = """
journey "Coffee" {
  arrivals cohort 60
  segment regulars 40% { }
  segment visitors 60% { }
  stage order (purchase) {
    touchpoint barista: staff duration 2 min { feel +2; performance service 8 }
    -> collect
  }
  stage collect goal {
    touchpoint counter: staff capacity 1 duration 1 min { feel +1 }
  }
  variant "warmer barista" { change barista { feel +4 } }
  expect conversion_rate > 50%
  expect "warmer barista" beats baseline on satisfaction
}
"""


@pytest.fixture(scope="module")
def coffee():
    return jd.loads(SMALL)


@pytest.fixture(scope="module")
def outcome(coffee):
    return jd.simulate(coffee, customers=60, seed=3)


@pytest.fixture(scope="module")
def comparison(coffee):
    return jd.compare(coffee, customers=60, seed=3)


@pytest.fixture(scope="module")
def hostile():
    text = (
        f'journey "{HOSTILE.replace(chr(34), chr(92) + chr(34))}" {{ arrivals cohort 20 '
        f'segment "<b>seg</b>" 100% {{ }} '
        f'stage "<i>stage</i>" goal {{ touchpoint "<img src=x onerror=alert(1)>": staff {{ feel +1 }} }} '
        f'variant "<u>design</u>" {{ change "<img src=x onerror=alert(1)>" {{ feel +2 }} }} }}'
    )
    return jd.loads(text)


# ---- repr ----------------------------------------------------------------------------------


def test_a_journey_is_one_short_line():
    journey = jd.load(PREMIER)
    assert repr(journey) == "<Journey 'Premier wealth advice': 5 stages, 9 touchpoints, 2 segments, 3 designs>"
    assert str(journey) == repr(journey)


def test_the_journey_line_counts_in_the_singular_and_escapes_control_characters():
    journey = jd.loads('journey "A\u202eB" { stage s goal { touchpoint t: staff { feel +1 } } }')  # a real U+202E
    assert repr(journey) == "<Journey 'A\\u202eB': 1 stage, 1 touchpoint, 0 segments, 1 design>"
    assert "\u202e" not in repr(journey)


def test_journeys_keep_dataclass_equality_and_hashing(coffee):
    again = jd.loads(SMALL)
    assert again == coffee and hash(again) == hash(coffee)
    assert jd.design(coffee, "warmer barista") != coffee


def test_an_outcome_is_one_line_with_its_run_and_headline_metrics(outcome):
    line = repr(outcome)
    results = outcome.results
    assert line.startswith(
        f"<Outcome 'baseline' of 'Coffee': {results['customers']} customers, 1 replication, seed 3; "
    )
    assert "conversion_rate 100.0%" in line and "nps " in line and line.endswith(">")
    assert len(line) < 250
    assert f"satisfaction {number(results['metrics']['satisfaction']['mean'])}" in line


def test_outcomes_keep_dataclass_equality(coffee, outcome):
    again = jd.simulate(coffee, customers=60, seed=3)
    assert again.results == outcome.results
    assert again.design == outcome.design and again.settings == outcome.settings


def test_a_comparison_is_a_plain_document_with_a_short_line(comparison):
    assert isinstance(comparison, Comparison) and isinstance(comparison, dict)
    line = repr(comparison)
    assert line.startswith("<Comparison of 'Coffee': 2 designs, ") and "by remembered_experience: 1 " in line
    assert str(comparison) == line
    # The JSON document is unchanged: the same bytes as the plain dict, equal to it, valid against its schema.
    plain = dict(comparison)
    assert json.dumps(comparison, sort_keys=True) == json.dumps(plain, sort_keys=True)
    assert comparison == plain and set(comparison) == set(plain)
    pytest.importorskip("jsonschema")
    from journeydsl.schemas import validator

    validator("comparison.schema.json").validate(comparison)


def test_a_comparison_copies_and_pickles_as_itself(comparison):
    for copied in (copy.deepcopy(comparison), pickle.loads(pickle.dumps(comparison))):
        assert type(copied) is Comparison and copied == comparison and repr(copied) == repr(comparison)
    assert type(dict(comparison)) is dict


def test_design_tests_wrap_their_document(coffee):
    document = jd.run_tests(coffee, customers=60, seed=3)
    tests = DesignTests(document)
    assert tests == document
    assert repr(tests) == (
        f"<DesignTests of 'Coffee': {document['passed']} passed, {document['failed']} failed, "
        f"{document['inconclusive']} inconclusive; {document['customers']} customers, 1 replication, seed 3>"
    )
    assert document["passed"] + document["failed"] + document["inconclusive"] == 2


def test_an_outcome_without_customers_says_so_in_its_repr():
    journey = jd.loads(
        'journey "J" { horizon 1 min arrivals poisson 1 per day stage s goal { touchpoint t: staff { feel +1 } } }'
    )
    empty = jd.simulate(journey, seed=1)
    assert repr(empty).startswith("<Outcome 'baseline' of 'J': no results (")
    assert "no results" in empty._repr_html_()


# ---- HTML ----------------------------------------------------------------------------------


def test_the_journey_html_has_a_summary_and_a_stage_table_without_graphviz(coffee):
    html = journey_html(coffee, graph=False)
    assert "<svg" not in html
    assert '<th scope="row">designs</th><td>baseline, warmer barista</td>' in html
    assert '<th scope="row">segments</th><td>regulars 40%, visitors 60%</td>' in html
    assert "<td>order</td><td>purchase</td><td></td><td>barista (staff)</td>" in html
    assert "<td>collect</td><td></td><td>yes</td><td>counter (staff)</td>" in html


def test_the_journey_html_draws_the_graph_with_graphviz(coffee):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz (dot) is not installed")
    html = coffee._repr_html_()
    assert html.count("<svg") == 1 and "<?xml" not in html and "<!DOCTYPE" not in html and "<!--" not in html
    assert ">barista</text>" in html and ">[staff]</text>" in html


def test_the_journey_html_falls_back_to_the_table_when_graphviz_is_missing(coffee, monkeypatch):
    monkeypatch.setattr(lang_notebook.shutil, "which", lambda name: None)
    html = coffee._repr_html_()
    assert "<svg" not in html and "<caption>Stages</caption>" in html


def test_a_huge_journey_is_not_drawn(monkeypatch, coffee):
    monkeypatch.setattr(lang_notebook, "GRAPH_LIMIT", 1)
    assert lang_notebook.graph_svg(coffee) is None


def _no_markup_from(html: str) -> None:
    """No tag a designer's name could have made, and no broken-out attribute."""
    for tag in ("<script", "<img", "<b>", "<i>", "<u>"):
        assert tag not in html, tag
    assert "onload='x'" not in html and 'onload="x"' not in html


@pytest.mark.parametrize("graph", [True, False])
def test_every_name_is_escaped_in_the_journey_html(hostile, graph):
    html = journey_html(hostile, graph=graph)
    _no_markup_from(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;seg&lt;/b&gt;" in html and "&lt;u&gt;design&lt;/u&gt;" in html


def test_every_name_is_escaped_in_the_results_and_comparison_html(hostile):
    outcome = jd.simulate(hostile, customers=20, design="<u>design</u>")
    _no_markup_from(outcome._repr_html_())
    comparison = jd.compare(hostile, customers=20)
    html = comparison._repr_html_()
    _no_markup_from(html)
    assert "&lt;u&gt;design&lt;/u&gt;" in html and "&lt;script&gt;" in html
    assert "\u202e" not in repr(comparison)


def test_the_results_html_shows_every_metric_with_its_interval(outcome):
    html = outcome._repr_html_()
    assert html == results_html(outcome.results)
    assert html.count("<tr>") == 1 + 12
    nps = outcome.results["metrics"]["nps"]
    assert f'<td>nps</td><td class="num">{number(nps["mean"])}</td>' in html
    low, high = nps["ci95"]
    assert f"{number(low)} to {number(high)}" in html
    conversion = outcome.results["metrics"]["conversion_rate"]["ci95"]
    assert f"{conversion[0] * 100:.1f}% to {conversion[1] * 100:.1f}%" in html
    assert "time_in_journey (minutes)" in html


def test_the_comparison_html_shows_ranking_and_differences_with_verdicts(comparison):
    html = comparison._repr_html_()
    assert "<caption>Ranking by remembered_experience" in html
    change = comparison["differences"]["warmer barista"]["metrics"]["satisfaction"]
    low, high = change["ci95"]
    expected = f"({change_text('satisfaction', change['mean'])}, {change_text('satisfaction', low)} to "
    assert expected + f"{change_text('satisfaction', high)}: {change['verdict']})" in html
    assert html.count("<tr>") == 1 + 2 + 1 + 12


def test_ipython_shows_the_short_repr_and_the_html(coffee, outcome, comparison):
    formatters = pytest.importorskip("IPython.core.formatters")
    plain, rich = formatters.PlainTextFormatter(), formatters.HTMLFormatter()
    for value in (coffee, outcome, comparison):
        assert plain(value) == repr(value)
        assert rich(value) == value._repr_html_()


def test_numbers_are_written_for_reading():
    assert [number(v) for v in (0.000123456, 1.5, 12.345, 999.94, 1234.5, -0.5)] == [
        "0.000123",
        "1.50",
        "12.3",
        "1,000",
        "1,234",
        "-0.500",
    ]
    assert value_text("return_rate", 0.4567) == "45.7%" and value_text("time_in_journey", 3, "hours") == "3.00 hours"
    assert change_text("nps", 0.0) == "0" and change_text("promoters", -0.031) == "-3.1 pp"
    assert html_table(None, [[1, None, True]]) == (
        '<table><tbody><tr><td class="num">1</td><td>-</td><td>True</td></tr></tbody></table>'
    )


# ---- frames --------------------------------------------------------------------------------


def test_without_pandas_to_frame_names_the_extra(outcome, comparison, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    for make in (outcome.to_frame, comparison.to_frame, lambda: require_pandas()):
        with pytest.raises(ImportError, match=re.escape("pip install 'journeydsl[frames]'")):
            make()


def test_metrics_frame(outcome):
    pytest.importorskip("pandas")
    frame = outcome.to_frame()
    assert list(frame.columns) == ["mean", "ci_low", "ci_high"] and frame.index.name == "metric"
    assert list(frame.index) == list(outcome.results["metrics"])
    nps = outcome.results["metrics"]["nps"]
    assert frame.loc["nps"].tolist() == [nps["mean"], *nps["ci95"]]
    assert frame.attrs == {"journey": "Coffee", "design": "baseline", "time_unit": "minutes"}


def test_stage_touchpoint_and_segment_frames(outcome):
    pytest.importorskip("pandas")
    results = outcome.results
    stages = outcome.to_frame("stages")
    assert list(stages.index) == ["order", "collect"]
    assert stages.loc["collect", "entered"] == results["stages"]["collect"]["entered"]
    assert bool(stages.loc["collect", "goal"]) is True
    touchpoints = outcome.to_frame("touchpoints")
    assert list(touchpoints.index) == list(results["touchpoints"])
    assert touchpoints.loc["counter", "wait_mean"] == results["touchpoints"]["counter"]["wait_mean"]
    assert "staff" not in touchpoints.columns and "staff_cost" in touchpoints.columns
    segments = outcome.to_frame("segments")
    assert list(segments.index) == ["regulars", "visitors"]
    assert segments["customers"].sum() == results["customers"]
    assert segments.loc["regulars", "nps"] == results["segments"]["regulars"]["metrics"]["nps"]["mean"]
    by_segment = outcome.to_frame("segment_metrics")
    assert (
        by_segment.loc[("visitors", "satisfaction"), "ci_high"]
        == (results["segments"]["visitors"]["metrics"]["satisfaction"]["ci95"][1])
    )
    reach = outcome.to_frame("segment_touchpoints")
    assert (
        reach.loc[("regulars", "barista"), "reach"]
        == results["segments"]["regulars"]["touchpoints"]["barista"]["reach"]
    )


def test_the_series_frame_has_one_row_per_period(outcome):
    pytest.importorskip("pandas")
    series = outcome.results["series"]
    frame = outcome.to_frame("series")
    assert len(frame) == len(series["start"]) and frame.index.name == "period"
    assert frame["start"].tolist() == series["start"]
    assert frame["end"].tolist() == [*series["start"][1:], series["end"]]
    assert frame["arrivals"].tolist() == series["arrivals"]
    assert frame.attrs["period"] == series["period"]
    assert "adoption" not in frame.columns  # null outside a market: not a per-period figure


def test_every_frame_of_every_example_matches_its_document():
    pandas = pytest.importorskip("pandas")
    journey = jd.load(ROOT / "examples" / "journeys" / "colonoscopy.journey")
    results = jd.simulate(journey, customers=40).results
    for kind in FRAME_KINDS:
        frame = results_frame(results, kind)
        assert isinstance(frame, pandas.DataFrame), kind
    episodes = results_frame(results, "episodes")
    name, episode = next(iter(results["episodes"].items()))
    assert episodes.loc[name, "remembered_experience_ci_low"] == episode["remembered_experience"]["ci95"][0]
    assert results_frame(results, "themes").loc["trust", "exposure"] == results["themes"]["trust"]
    # A document read back from JSON makes the same frames.
    again = json.loads(json.dumps(results))
    assert results_frame(again, "touchpoints").equals(results_frame(results, "touchpoints"))
    assert results_repr(again) == results_repr(results)


def test_unknown_frames_name_the_known_ones(outcome, comparison):
    with pytest.raises(ValueError, match="did you mean 'series'"):
        outcome.to_frame("serie")
    with pytest.raises(ValueError, match="The frames are metrics, design_metrics, differences, ranking"):
        comparison.to_frame("touchpoints")


def test_comparison_frames(comparison):
    pytest.importorskip("pandas")
    metrics = comparison.to_frame()
    assert list(metrics.index) == ["baseline", "warmer barista"] and len(metrics.columns) == 12
    warmer = comparison["results"]["warmer barista"]["metrics"]
    assert metrics.loc["warmer barista", "satisfaction"] == warmer["satisfaction"]["mean"]
    differences = comparison.to_frame("differences")
    change = comparison["differences"]["warmer barista"]["metrics"]["nps"]
    row = differences.loc[("warmer barista", "nps")]
    assert [row["mean"], row["ci_low"], row["ci_high"], row["verdict"]] == [
        change["mean"],
        *change["ci95"],
        change["verdict"],
    ]
    ranking = comparison.to_frame("ranking")
    assert list(ranking.index) == [row["design"] for row in comparison["ranking"]]
    assert ranking.attrs["objective"] == "remembered_experience"
    intervals = comparison.to_frame("design_metrics")
    assert (
        intervals.loc[("baseline", "nps"), "ci_low"] == comparison["results"]["baseline"]["metrics"]["nps"]["ci95"][0]
    )
    assert comparison.design_frame("warmer barista", "stages").equals(
        results_frame(comparison["results"]["warmer barista"], "stages")
    )
    with pytest.raises(KeyError, match="its designs are baseline, warmer barista"):
        comparison.design_frame("colder")


def test_design_tests_frame(coffee):
    pytest.importorskip("pandas")
    document = jd.run_tests(coffee, customers=60, seed=3)
    frame = DesignTests(document).to_frame()
    assert frame["text"].tolist() == [entry["text"] for entry in document["tests"]]
    assert frame["verdict"].tolist() == [entry["verdict"] for entry in document["tests"]]
    assert frame.loc[1, "rival"] == "baseline" and frame.loc[1, "design"] == "warmer barista"
    assert frame.loc[0, "mean"] == document["tests"][0]["measured"]["mean"]


# ---- docs/notebook.md runs as written ------------------------------------------------------

PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_every_python_block_of_the_notebook_page_is_an_example():
    blocks = PYTHON_BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    for block in blocks:
        assert block.lstrip().startswith(">>> "), block[:80]


def test_the_notebook_page_runs_as_written(monkeypatch):
    """The ``python`` blocks of docs/notebook.md, in order, in one namespace: every output is the one shown."""
    pytest.importorskip("pandas")
    plt = pytest.importorskip("matplotlib.pyplot")
    monkeypatch.chdir(ROOT)
    text = "\n".join(PYTHON_BLOCK.findall(DOC.read_text(encoding="utf-8")))
    test = doctest.DocTestParser().get_doctest(text, {}, "docs/notebook.md", str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    try:
        runner.run(test, out=report.append)
    finally:
        plt.close("all")
    assert runner.failures == 0, "".join(report)
    assert runner.tries >= 30
