"""The real-log example: the municipality's permit receipt log, fitted, validated and designed on.

examples/logs/README.md says where the log comes from and what the validation finds; these tests
hold the example to it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from journeydsl import api
from journeydsl.data.logs import read_log
from journeydsl.lang.designs import design_names
from journeydsl.lang.model import Touchpoint

from .conftest import ROOT

LOGS = ROOT / "examples" / "logs"
LOG = LOGS / "receipt.csv"
STAGES = LOGS / "receipt-stages.toml"
JOURNEY = LOGS / "permit_receipt.journey"


@pytest.fixture(scope="module")
def shipped():
    return api.load(JOURNEY)


@pytest.fixture(scope="module")
def fitted():
    return api.fit(LOG, stages=STAGES, name="permit_receipt").journey


@pytest.fixture(scope="module")
def validation(shipped):
    return api.validate(shipped, LOG, customers=1434, seed=1)


def _touchpoints(journey):
    return {stage.name: [step.name for step in stage.steps if isinstance(step, Touchpoint)] for stage in journey.stages}


def _duration(spec):
    if spec is None:
        return None
    # units as written ("days") or as fitted ("day"): the same unit
    return spec.kind, tuple((getattr(a, "value", a), (getattr(a, "unit", None) or "").rstrip("s")) for a in spec.args)


def _shares(journey):
    return {(stage.name, t.target): t.probability.value for stage in journey.stages for t in stage.transitions}


def test_the_shipped_log_reads_without_errors_and_is_what_the_readme_says():
    log = read_log(LOG)
    summary = log.summary
    assert (summary.cases, summary.events, summary.activities) == (1434, 8577, 27)
    assert [d.code for d in log.diagnostics] == ["JL011"]  # 116 cases with one event, a warning
    assert LOG.stat().st_size < 2_000_000
    readme = (LOGS / "README.md").read_text(encoding="utf-8")
    for needed in ("10.4121/uuid:a07386a5-7be3-4367-9535-70bc9e77dbe6", "Buijs", "CC BY 4.0", "1434 cases"):
        assert needed in readme


def test_the_shipped_journey_is_clean_with_a_header_variants_and_design_tests(shipped):
    result = api.check_file(JOURNEY)
    assert result.diagnostics == [], [(d.code, d.message) for d in result.diagnostics]
    text = JOURNEY.read_text(encoding="utf-8")
    assert text.startswith("# ") and "not fitted" in text
    assert design_names(shipped) == ["baseline", "right first time"]
    assert len(shipped.design_tests) == 2


def test_fit_reproduces_the_fitted_part_of_the_shipped_journey(shipped, fitted):
    assert _touchpoints(fitted) == _touchpoints(shipped)
    assert [s.name for s in fitted.stages if s.goal] == [s.name for s in shipped.stages if s.goal] == ["handling"]
    assert _shares(fitted) == pytest.approx(_shares(shipped), abs=0.001)
    assert _shares(shipped)[("handling", "adjust")] == pytest.approx(0.037)
    durations = {tp.name: _duration(tp.duration) for tp in fitted.all_touchpoints()}
    assert durations == {tp.name: _duration(tp.duration) for tp in shipped.all_touchpoints()}
    assert durations["t03_adjust"] == ("lognormal", ((13.05, "day"), (23257.0, "day")))
    # What the designer added is not in the fit: effects and the variant.
    assert all(not tp.effects.modules for tp in fitted.all_touchpoints())
    feel = {tp.name: m.value for tp in shipped.all_touchpoints() for m in tp.effects.modules if m.name == "feel"}
    assert feel["t03_adjust"] == -3 and feel["confirm_receipt"] == 1
    assert design_names(fitted) == ["baseline"]


def test_validation_is_as_the_readme_says(validation):
    tests = validation["tests"]
    reach = {(item["kind"], item["name"]): item["verdict"] for item in tests["reach"]["items"]}
    # Every stage's reach matches, and every touchpoint outside the advice branch.
    assert {name for (kind, name), verdict in reach.items() if kind == "stage" and verdict != "matches"} == set()
    differing = {name for (kind, name), verdict in reach.items() if kind == "touchpoint" and verdict == "differs"}
    assert differing and all(name.startswith(("t07_", "t08_", "t09_")) for name in differing)
    # Paths: the commonest observed path is the journey's only order through handling.
    (top, *_) = tests["paths"]["items"][0]["variants"]
    assert top["path"][:3] == ["confirm_receipt", "t02_check", "t04_determine"]
    assert top["observed_share"] == pytest.approx(0.497, abs=0.001)
    assert top["simulated_share"] > 0.7
    assert tests["paths"]["verdict"] == "differs"
    # Time in journey and arrivals differ, as the README explains.
    assert tests["durations"]["items"][0]["verdict"] == "differs"
    assert tests["arrivals"]["verdict"] == "differs"


def test_the_variant_beats_the_baseline_as_its_design_tests_say(shipped):
    results = api.run_tests(shipped, customers=1500)
    verdicts = [test["verdict"] for test in results["tests"]]
    assert verdicts == ["passed", "passed"]


def test_the_one_command_runs(tmp_path):
    script = ROOT / "examples" / "permit_receipt.sh"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "sh examples/permit_receipt.sh" in readme
    env = {"PATH": f"{sys.prefix}/bin:/usr/bin:/bin", "TMPDIR": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(["sh", str(script)], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr and (tmp_path / "permit_receipt.fitted.journey").exists()
    assert "against examples/logs/receipt.csv" in done.stdout
    assert "right first time" in done.stdout
