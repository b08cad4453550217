"""The one runner: any executor gives the same bytes, and nothing is simulated twice."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor

import pytest

from journeydsl import api
from journeydsl.api import RunSettings, load, loads
from journeydsl.sim.runner import Design, Runner

from .conftest import ROOT

PREMIER = ROOT / "examples" / "journeys" / "premier_banking.journey"

SHOP = """journey "Shop" { arrivals cohort 400 over 5 days seed 5
  stage visit { touchpoint greet: staff duration exponential(2 min) { feel +1 }
                touchpoint advice: staff capacity 2 duration exponential(4 min) { think +1; variability 1.5 }
                -> pay 70% }
  stage pay goal { touchpoint till: staff duration exponential(2 min) { act +1; variability 1.5 } }
  variant "warmer advice" { change advice { feel +1 } }
}"""


def _comparison(**run) -> str:
    return json.dumps(api.compare(loads(SHOP), **run), sort_keys=True)


def test_the_premier_report_runs_each_design_settings_and_seed_once():
    journey = load(PREMIER)
    runner = Runner()
    report = api.report(journey, settings=RunSettings(customers=300), runner=runner)
    keys = runner.engine_runs
    assert len(keys) == len(set(keys)), "a (design, settings, seed) was simulated twice"
    # What a report needs: its three designs, two what-ifs per touchpoint (improve, remove) plus a fix
    # for each touchpoint with failures, and the journey without each care programme and without any.
    touchpoints = journey.all_touchpoints()
    failing = [tp for tp in touchpoints if tp.effects.failures]
    care = len(journey.care) + (1 if len(journey.care) > 1 else 0)
    assert len(keys) == len(api.design_names(journey)) + 2 * len(touchpoints) + len(failing) + care
    assert report.tests is not None and report.opportunities is not None and report.care is not None
    # The same report again with the same runner simulates nothing.
    api.report(journey, settings=RunSettings(customers=300), runner=runner)
    assert len(runner.engine_runs) == len(keys)


def test_analyses_sharing_a_runner_reuse_the_designs_they_share():
    journey = load(PREMIER)
    runner = Runner()
    settings = RunSettings(customers=200, seed=3)
    api.simulate(journey, settings, runner=runner)
    assert len(runner.engine_runs) == 1
    api.delivery(journey, settings, runner=runner)
    api.recovery(journey, settings, runner=runner)
    api.gaps(journey, settings, source="simulation", runner=runner)
    api.profile(journey, ["baseline"], settings, runner=runner)
    assert len(runner.engine_runs) == 1
    # Another seed, horizon or warm-up is another simulation.
    api.simulate(journey, settings, runner=runner, seed=4)
    api.simulate(journey, settings, runner=runner, warmup=1.0)
    assert len(runner.engine_runs) == 3


def test_a_paired_request_reruns_an_unpaired_run_once_and_a_paired_run_serves_both():
    journey = loads(SHOP)
    runner = Runner()
    settings = RunSettings(customers=300).resolved(journey.seed)
    (alone,) = runner.run([Design("baseline", journey)], settings)
    assert alone.collectors[0].records is None
    (paired,) = runner.run([Design("baseline", journey)], settings, paired=True)
    assert paired.collectors[0].records and len(runner.engine_runs) == 2
    (again,) = runner.run([Design("baseline", journey)], settings)
    assert len(runner.engine_runs) == 2 and again.results == alone.results


def test_a_trace_is_always_written_even_for_a_run_that_was_remembered():
    journey = loads(SHOP)
    runner = Runner()
    api.simulate(journey, customers=50, runner=runner)
    rows: list[tuple] = []
    api.simulate(journey, customers=50, runner=runner, trace=rows.append)
    assert rows and len(runner.engine_runs) == 2


def test_results_are_the_same_serially_in_processes_and_on_a_given_executor():
    serial = _comparison(customers=300, replications=3, seed=2, workers=1)
    assert _comparison(customers=300, replications=3, seed=2, workers=2) == serial
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert _comparison(customers=300, replications=3, seed=2, runner=Runner(pool)) == serial
    one = json.dumps(api.simulate(loads(SHOP), customers=300, replications=2, workers=1).results, sort_keys=True)
    two = json.dumps(api.simulate(loads(SHOP), customers=300, replications=2, workers=2).results, sort_keys=True)
    assert one == two


def test_a_comparison_on_a_local_dask_cluster_equals_the_serial_one():
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    serial = _comparison(customers=300, replications=2, seed=7, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_dask = _comparison(customers=300, replications=2, seed=7, runner=Runner(client.get_executor()))
    assert on_dask == serial


def test_run_settings_are_checked_and_the_seed_resolved_once():
    with pytest.raises(ValueError, match="replications"):
        RunSettings(replications=0)
    with pytest.raises(ValueError, match="horizon"):
        RunSettings(horizon=-1)
    with pytest.raises(ValueError, match="warm-up"):
        RunSettings(warmup=-2)
    journey = loads(SHOP)
    outcome = api.simulate(journey, customers=50)
    assert outcome.settings.seed == 5 and outcome.results["seed"] == 5  # the journey's seed
    assert api.simulate(journey, customers=50, seed=9).results["seed"] == 9


def test_simulate_runs_the_design_it_names_and_refuses_unknown_ones():
    journey = load(PREMIER)
    printer = api.simulate(journey, customers=200, design="printer in office").results
    assert printer["design"] == "printer in office" and "print_in_office" in printer["touchpoints"]
    assert "fetch_printouts" not in printer["touchpoints"]
    with pytest.raises(api.JourneyError, match="did you mean `printer in office`"):
        api.simulate(journey, customers=200, design="printer in ofice")


def test_every_document_says_how_to_reproduce_it():
    journey = load(PREMIER)
    digest = journey.source_sha256
    assert digest and digest.startswith("sha256:") and len(digest) == 71
    assert load(PREMIER).source_sha256 == digest  # the same file, the same hash
    assert loads(PREMIER.read_text() + "\n# a comment\n").source_sha256 != digest
    runner = Runner()
    settings = RunSettings(customers=150, replications=2, warmup=10.0)
    documents = [
        api.simulate(journey, settings, runner=runner).results,
        api.compare(journey, settings=settings, runner=runner),
        api.run_tests(journey, settings, runner=runner),
        api.profile(journey, settings=settings, runner=runner),
        api.delivery(journey, settings, runner=runner),
        api.recovery(journey, settings, runner=runner),
        api.gaps(journey, settings, source="simulation", runner=runner),
        api.care(journey, settings, runner=runner),
    ]
    for document in documents:
        assert document["source_sha256"] == digest, document["schema"]
        assert document["settings"] == {
            "customers": 150,
            "horizon": None,
            "warmup": 10.0,
            "replications": 2,
            "seed": 20261122,
        }, document["schema"]
    assert api.analyze(journey)["settings"] is None and api.analyze(journey)["source_sha256"] == digest
    # The recorded settings run the same document again.
    again = api.simulate(journey, RunSettings(**documents[0]["settings"])).results
    assert json.dumps(again, sort_keys=True) == json.dumps(documents[0], sort_keys=True)


def test_a_run_meant_to_be_large_is_allowed_through_the_api():
    text = 'journey "J" { arrivals cohort 20000000 stage a goal { touchpoint t: staff { feel +1 } } }'
    assert [d.code for d in api.check_text(text).diagnostics] == ["JD218"]
    with pytest.raises(api.JourneyError, match="more than 10,000,000"):
        loads(text)
    allowed = api.check_text(text, allow_large=True)
    assert allowed.ok and [(d.code, d.severity) for d in allowed.diagnostics] == [("JD505", "warning")]
    assert loads(text, allow_large=True).arrivals is not None
