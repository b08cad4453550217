"""Remembered episodes: declared in the language, checked, remembered and judged on their own."""

from __future__ import annotations

import jsonschema
import pytest

from journeydsl.api import check_text, design, load, loads, run_tests, simulate
from journeydsl.report.tables import results_csv, results_table
from journeydsl.schemas import results_schema
from journeydsl.sim.engine.memory import MemoryWeights, episode_memory

from .conftest import ROOT

VALIDATOR = jsonschema.Draft202012Validator(results_schema())
DESIGNS = ("baseline", "gentler end")

CLINIC = """
journey "Clinic" {
  stage preparation { touchpoint prep: staff duration 10 min { feel -1 } -> examination }
  stage examination { touchpoint scope: staff duration 25 min { sense pain 6/10 } -> talk }
  stage talk goal { touchpoint results: staff duration 10 min { feel +2 } }
  episode procedure { stages preparation, examination; decides return }
  episode talk_only { stages talk }
  variant "kinder talk" { change results { feel +3 } }
}
"""


def codes(text: str) -> list[str]:
    return [d.code for d in check_text(text, "t.journey").diagnostics]


def test_episodes_are_read_into_the_model():
    journey = loads(CLINIC)
    procedure, talk = journey.episodes
    assert procedure.name == "procedure"
    assert [name for name, _ in procedure.stages] == ["preparation", "examination"]
    assert procedure.stage_names == {"preparation", "examination"}
    assert procedure.decides_return and not talk.decides_return
    assert codes(CLINIC) == []


def test_a_stage_may_belong_to_several_episodes_and_episodes_need_not_be_consecutive():
    text = CLINIC.replace("episode talk_only { stages talk }", "episode ends { stages preparation, talk }")
    assert codes(text) == []


def test_episode_problems_have_their_codes():
    text = CLINIC.replace("stages preparation, examination;", "stages preparation, examinaton;")
    assert codes(text) == ["JD240"]
    assert "did you mean `examination`" in str(check_text(text, "t.journey").diagnostics[0].hint)
    assert codes(CLINIC.replace("episode talk_only { stages talk }", "episode talk_only { }")) == ["JD241"]
    assert codes(CLINIC.replace("episode talk_only", "episode procedure")) == ["JD242"]
    assert codes(CLINIC.replace("stages talk }", "stages talk decides return }")) == ["JD243"]


def test_variants_inherit_the_episodes():
    journey = loads(CLINIC)
    assert design(journey, "kinder talk").episodes == journey.episodes


# ---- remembered and judged on their own ---------------------------------------------------

GENTLER = CLINIC.replace(
    'variant "kinder talk"',
    'variant "gentler end" { add touchpoint withdraw: staff duration 3 min { sense pain 3/10 } in examination last }\n'
    '  variant "kinder talk"',
)


def run(text: str, design_name: str = "baseline", customers: int = 2000) -> dict:
    return simulate(loads(text), design=design_name, customers=customers, seed=3).results


def test_each_episode_is_reported_with_its_customers_and_intervals():
    document = run(CLINIC)
    errors = [e.message for e in VALIDATOR.iter_errors(document)]
    assert errors == []
    procedure = document["episodes"]["procedure"]
    assert procedure["stages"] == ["preparation", "examination"] and procedure["decides_return"]
    assert procedure["customers"] == document["customers"]
    low, high = procedure["remembered_experience"]["ci95"]
    assert low < procedure["remembered_experience"]["mean"] < high
    # The procedure is remembered without the pleasant talk that follows it: worse than the whole visit.
    assert procedure["remembered_experience"]["mean"] < document["metrics"]["remembered_experience"]["mean"]
    assert document["episodes"]["procedure"]["segments"]["everyone"]["customers"] == procedure["customers"]


def test_an_episode_is_remembered_over_its_own_moments_only():
    weights = MemoryWeights(0.5, 0.5, 0.0, 0.0, 1.0)
    trail = [(0, -4.0, 1.0), (1, -1.0, 1.0), (2, 3.0, 1.0)]
    # Stages 0 and 1: peak -4, end -1; the moment at stage 2 is not the episode's end.
    assert episode_memory(trail, frozenset({0, 1}), weights, 0.0, 1.0) == -2.5
    # Stages need not follow one another: 0 and 2 skip the moment between them.
    assert episode_memory(trail, frozenset({0, 2}), weights, 0.0, 1.0) == -0.5
    assert episode_memory(trail, frozenset({5}), weights, 0.0, 1.0) is None


def test_episodes_that_do_not_decide_return_change_nothing_else():
    """A journey's results with an episode that does not decide return are its results without episodes."""
    without = CLINIC.replace("episode procedure", "# episode procedure").replace("episode talk_only", "# episode")
    plain = run(without.replace("; decides return", ""))
    with_episodes = run(CLINIC.replace("; decides return", ""))
    assert "episodes" not in plain
    for document in (plain, with_episodes):
        del document["source_sha256"]
    del with_episodes["episodes"]
    assert with_episodes == plain


def test_the_episode_that_decides_return_sets_the_return_rate():
    deciding = run(CLINIC)
    reported = run(CLINIC.replace("; decides return", ""))
    assert deciding["metrics"]["satisfaction"] == reported["metrics"]["satisfaction"]
    # The procedure is remembered worse than the visit, so fewer come back when it decides.
    assert deciding["metrics"]["return_rate"]["mean"] < reported["metrics"]["return_rate"]["mean"]


def test_a_gentler_end_is_remembered_better_within_the_episode():
    base, gentler = run(GENTLER), run(GENTLER, "gentler end")
    assert (
        gentler["episodes"]["procedure"]["remembered_experience"]["mean"]
        > base["episodes"]["procedure"]["remembered_experience"]["mean"]
    )
    assert gentler["metrics"]["return_rate"]["mean"] > base["metrics"]["return_rate"]["mean"]


def test_the_results_table_and_csv_show_the_episodes():
    document = run(CLINIC, customers=300)
    table = results_table(document)
    assert "procedure (decides return)" in table and "preparation, examination" in table
    assert "episodes,procedure,remembered_experience," in results_csv(document)
    del document["episodes"]
    assert "episode" not in results_table(document)


# ---- design tests of an episode -----------------------------------------------------------


def test_design_tests_measure_an_episode():
    text = CLINIC.replace(
        "  episode talk_only",
        "  expect remembered_experience of episode procedure > -9\n"
        "  expect satisfaction of episode procedure < 2\n"
        "  expect customers of episode talk_only >= 1\n"
        "  episode talk_only",
    )
    document = run_tests(loads(text), customers=400, seed=3)
    verdicts = [(t["scope"], t["scope_name"], t["metric"], t["verdict"]) for t in document["tests"]]
    assert verdicts == [
        ("episode", "procedure", "remembered_experience", "passed"),
        ("episode", "procedure", "satisfaction", "failed"),
        ("episode", "talk_only", "customers", "passed"),
    ]
    assert codes(text.replace("of episode talk_only", "of episode talk")) == ["JD244"]
    assert codes(text.replace("expect customers of episode", "expect nps of episode")) == ["JD611"]


# ---- validation: the gentler end of a colonoscopy (Redelmeier, Katz & Kahneman 2003) --------


def test_a_gentler_end_of_a_colonoscopy_is_remembered_as_in_the_trial():
    """The trial's figures against the example's, 20,000 patients per design (docs/validation.md).

    The trial: end pain 2.5 against 1.7 of 10, the procedure remembered at 4.9 against 4.4 of 10,
    odds of returning 1.41 times as high.  The example gives 2.4 against 1.7, 4.8 against 4.3 and
    1.27.  Tolerances: pain figures within 0.5 of the trial's (its own figures are means of about 340
    patients a group, with standard errors of a few tenths), the memory shift between 0.25 and 0.75
    (the trial's 0.5), and the odds ratio between 1.15 and 1.7: the model sets the return of each
    patient by a logistic in their satisfaction, and the odds ratio of the mean return probabilities
    is smaller than the per-patient one (exp(0.7 x 0.43) = 1.35 here), so the test asks for the
    direction and the rough size, not the trial's 1.41 to the second decimal.  Simulation noise
    is about 0.03 on the odds ratio and 0.01 on the memory at this size.
    """
    journey = load(ROOT / "examples" / "journeys" / "colonoscopy.journey")
    base, gentle = (simulate(journey, design=d, customers=20000, seed=1, workers=1).results for d in DESIGNS)

    def pain(value: float) -> float:  # the affect scale back to pain out of 10 (`sense pain P/10` is -P/2)
        return -2 * value

    end_base = pain(base["touchpoints"]["withdrawal"]["mean_affect"])
    end_gentle = pain(gentle["touchpoints"]["extension"]["mean_affect"])
    assert abs(end_base - 2.5) < 0.5 and abs(end_gentle - 1.7) < 0.5
    memory_base = pain(base["episodes"]["procedure"]["remembered_experience"]["mean"])
    memory_gentle = pain(gentle["episodes"]["procedure"]["remembered_experience"]["mean"])
    assert abs(memory_base - 4.9) < 0.5 and abs(memory_gentle - 4.4) < 0.5
    assert 0.25 < memory_base - memory_gentle < 0.75

    def odds(document: dict) -> float:
        p = document["metrics"]["return_rate"]["mean"]
        return p / (1 - p)

    assert 1.15 < odds(gentle) / odds(base) < 1.7
    # The whole visit ends on the results talk: its memory moves less than the procedure's.
    whole = gentle["metrics"]["remembered_experience"]["mean"] - base["metrics"]["remembered_experience"]["mean"]
    procedure_shift = (memory_base - memory_gentle) / 2  # back on the affect scale
    assert abs(whole) < procedure_shift / 2


def test_compare_shows_each_episodes_change_with_its_interval_and_verdict():
    from journeydsl.api import compare
    from journeydsl.report.tables import comparison_sheet, comparison_table
    from journeydsl.schemas import validator

    journey = load(ROOT / "examples" / "journeys" / "colonoscopy.journey")
    for replications in (1, 3):
        document = compare(journey, customers=1500, replications=replications, seed=3, workers=1)
        validator("comparison.schema.json").validate(dict(document))
        procedure = document["differences"]["gentler end"]["episodes"]["procedure"]
        remembered, satisfied = procedure["remembered_experience"], procedure["satisfaction"]
        # The gentler end: the procedure remembered less painfully, the patients more satisfied with it.
        assert remembered["mean"] > 0 and remembered["excludes_zero"]
        assert satisfied["mean"] > 0 and satisfied["excludes_zero"] and satisfied["verdict"] == "better"
        # The change is the difference of the two designs' episode figures (within rounding and, over
        # replications, the mean of the replications' differences).
        before = document["results"]["baseline"]["episodes"]["procedure"]["remembered_experience"]["mean"]
        after = document["results"]["gentler end"]["episodes"]["procedure"]["remembered_experience"]["mean"]
        assert remembered["mean"] == pytest.approx(after - before, abs=1e-4)
    table = comparison_table(document)
    assert "episode procedure: remembered experience" in table and "episode procedure: satisfaction" in table
    assert any("episode procedure: satisfaction" in str(part) for part in comparison_sheet(document))
