"""``journey gaps --format json`` with survey responses: the measured intervals beside the rows.

A gap analysis of measured figures (``--responses``) carries ``measured``: per group and factor the
experience, expectation and importance with their 95% intervals and sample sizes.  Both forms, with
and without ``measured``, validate against ``journeydsl.gaps/1``; the numbers are checked against the
response file read here with the csv module, independently of journeydsl's reader.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import statistics

import jsonschema
import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.analysis.gaps import gaps_from_survey, measured_figures, with_measured
from journeydsl.cli import cli
from journeydsl.schemas import validator

from .conftest import ROOT

SHOPS = ROOT / "examples" / "journeys" / "electronics_shops.journey"
RESPONSES = ROOT / "examples" / "surveys" / "electronics_shops_responses.csv"
FACTORS = ("price", "brand", "service", "product", "convenience", "relationship")


@pytest.fixture(scope="module")
def summary():
    return api.read_survey_responses(RESPONSES, api.load(SHOPS))


@pytest.fixture(scope="module")
def document(summary):
    journey = api.load(SHOPS)
    return with_measured(gaps_from_survey(journey, summary.surveys()), summary)


def _answers(column: str, segment: str | None = None) -> list[float]:
    """Every answer given in ``column`` (blank cells dropped), read with the csv module.

    ``respondent_count`` gives a 1 per respondent of the segment.
    """
    with RESPONSES.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(line for line in handle if not line.startswith("#"))]
    chosen = [r for r in rows if segment is None or r["segment"] == segment]
    if column == "respondent_count":
        return [1.0 for _ in chosen]
    return [float(r[column]) for r in chosen if r[column].strip()]


def test_both_forms_validate_against_the_schema(document) -> None:
    check = validator("gaps.schema.json")
    check.validate(document)
    plain = gaps_from_survey(api.load(SHOPS))  # the journey's own survey block: no measured figures
    assert "measured" not in plain
    check.validate(plain)
    without = {key: value for key, value in document.items() if key != "measured"}
    check.validate(without)


def test_the_schema_refuses_a_broken_measured_object(document) -> None:
    check = validator("gaps.schema.json")
    for breaking in (
        lambda d: d["measured"]["groups"]["all customers"]["factors"]["price"]["experience"].pop("n"),
        lambda d: d["measured"]["groups"]["all customers"]["factors"]["price"].update(experience=7.0),
        lambda d: d["measured"].update(level=0.9),
        lambda d: d["measured"]["groups"]["all customers"].update(extra=1),
    ):
        broken = copy.deepcopy(document)
        breaking(broken)
        with pytest.raises(jsonschema.ValidationError):
            check.validate(broken)


def test_the_measured_groups_are_the_gap_groups_and_their_values_the_rows(document) -> None:
    measured = document["measured"]
    assert measured["file"] == "electronics_shops_responses.csv" and measured["level"] == 0.95
    assert (
        set(measured["groups"])
        == set(document["groups"])
        == {
            "all customers",
            "bargain_hunters",
            "tech_fans",
            "families",
        }
    )
    for group, rows in document["groups"].items():
        factors = measured["groups"][group]["factors"]
        for row in rows:
            figures = factors[row["factor"]]
            for key in ("experience", "expectation", "importance"):
                if row["sources"][key] == "survey":
                    estimate = figures[key]
                    assert estimate["value"] == row[key], (group, row["factor"], key)
                    assert estimate["low"] <= estimate["value"] <= estimate["high"]
                    assert 1 <= estimate["n"] <= measured["groups"][group]["n"]
                else:
                    assert figures[key] is None, (group, row["factor"], key)


@pytest.mark.parametrize("segment", [None, "tech_fans"])
def test_the_intervals_are_the_t_intervals_of_the_answers(document, segment) -> None:
    """Each experience: the mean of the answers given, n of them, and mean +- t(0.975, n-1) sd/sqrt(n).

    Tolerance 1e-5 relative: the document rounds to six significant digits.
    """
    stats = pytest.importorskip("scipy.stats")
    group = document["measured"]["groups"]["all customers" if segment is None else segment]
    assert group["n"] == len(_answers("respondent_count", segment))
    for factor in FACTORS:
        answers = _answers(factor, segment)
        n, mean = len(answers), statistics.fmean(answers)
        half = float(stats.t.ppf(0.975, n - 1)) * statistics.stdev(answers) / math.sqrt(n)
        estimate = group["factors"][factor]["experience"]
        assert estimate["n"] == n
        assert estimate["value"] == pytest.approx(mean, rel=1e-5)
        assert (estimate["low"], estimate["high"]) == pytest.approx((mean - half, mean + half), rel=1e-5)
    assert group["factors"]["service"]["importance_from"] == "data"
    assert group["r_squared"] is not None and 0 < group["r_squared"] < 1
    assert group["nps"] is not None and -100 <= group["nps"]["low"] < group["nps"]["high"] <= 100


def test_the_measured_figures_are_json_numbers(summary) -> None:
    text = json.dumps(measured_figures(summary), allow_nan=False)
    assert json.loads(text)["responses"] == 400


def test_the_cli_json_with_responses_validates() -> None:
    result = CliRunner().invoke(cli, ["gaps", str(SHOPS), "--responses", str(RESPONSES), "--format", "json"])
    assert result.exit_code == 0, result.output
    validator("gaps.schema.json").validate(json.loads(result.output))


def test_the_cli_json_with_responses_carries_the_intervals() -> None:
    result = CliRunner().invoke(cli, ["gaps", str(SHOPS), "--responses", str(RESPONSES), "--format", "json"])
    measured = json.loads(result.output)["measured"]
    assert measured["groups"]["all customers"]["factors"]["price"]["experience"]["n"] > 300
