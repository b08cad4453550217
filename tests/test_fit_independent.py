"""``journey fit`` and ``journey validate`` on a log from an independent simulator (not journeydsl's engine).

The parameter-recovery tests of ``tests/test_fit.py`` fit logs that journeydsl's own engine wrote, so
an error shared by the engine and the fit (a unit slip, a lognormal parametrised the same wrong way
in both) would go unseen.  Here a small SimPy model written by hand in this file makes the log:

* Poisson arrivals, 4 an hour (96 a day), 3,000 cases, seed 14;
* ``enquire``: exponential, mean 4 min;
* a branch: 70% ``apply_online`` (lognormal, mean 12 min, sd 5 min, parametrised here from the
  mean and sd of the duration itself), 30% ``branch_visit``;
* ``branch_visit`` at a FIFO counter with 2 servers, service exponential with mean 75 min
  (offered load 1.5 erlangs, utilisation 75%: most visitors queue, for about an hour and a half on
  average);
* ``decision``: lognormal, mean 5 min, sd 2 min;

written with :mod:`csv` (case, activity, start, end; shuffled rows; times in UTC with ``Z``).  The
counter's system records when service starts, as a ticketing system records when a ticket is
called, so an event's duration is the service time and the queueing is the gap before it.

Tolerances, with about 900 to 3,000 durations per activity: the fitted exponential means' 95%
intervals and the Wilson intervals of the shares must cover the true values (the seed is fixed, so
this is deterministic; at another seed each would fail one time in twenty).  The lognormal means
must be within 4% (their standard error is about 1%: coefficient of variation 0.4 over sqrt(2,000)
or more) and their sds within 12% (the sd of a lognormal is estimated with about three times the
mean's relative error).  The fitted arrival rate's exact 95% interval must cover 96 a day.

Validation: the fitted journey (simulated by journeydsl) matches the log on reach and on paths, and
on every touchpoint's duration, the counter's included, because the log's durations are service
times.  Time in journey must *differ*: the fit models no counter capacity (it has no resource
information to fit), so the simulated customers never wait, while the log's counter visitors
waited.  Asserting that it differs checks that validation sees what the fit leaves out.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Generator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from journeydsl import api
from journeydsl.analysis.fit import FittedJourney

simpy = pytest.importorskip("simpy")

SEED = 14
CASES = 3000
PER_HOUR = 4.0
COUNTER_SERVERS = 2
T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)

#: True parameters, in seconds.
ENQUIRE_MEAN = 240.0
APPLY_MEAN, APPLY_SD = 720.0, 300.0
COUNTER_MEAN = 4500.0
DECISION_MEAN, DECISION_SD = 300.0, 120.0
ONLINE_SHARE = 0.7


def _lognormal(rng: random.Random, mean: float, sd: float) -> float:
    """A lognormal draw with the given mean and sd of the value itself."""
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def generate_log(path: Path, cases: int = CASES, seed: int = SEED) -> list[float]:
    """Simulate the hand-written model into a CSV event log at ``path``; return the counter waits (s)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=COUNTER_SERVERS)
    rows: list[tuple[str, str, str, str]] = []
    waits: list[float] = []

    def stamp(seconds: float) -> str:
        return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")

    def record(case: str, activity: str, start: float) -> None:
        rows.append((case, activity, stamp(start), stamp(env.now)))

    def customer(case: str) -> Generator[Any, Any, None]:
        start = env.now
        yield env.timeout(rng.expovariate(1 / ENQUIRE_MEAN))
        record(case, "enquire", start)
        if rng.random() < ONLINE_SHARE:
            start = env.now
            yield env.timeout(_lognormal(rng, APPLY_MEAN, APPLY_SD))
            record(case, "apply_online", start)
        else:
            queued = env.now
            with counter.request() as turn:
                yield turn
                waits.append(env.now - queued)
                start = env.now
                yield env.timeout(rng.expovariate(1 / COUNTER_MEAN))
                record(case, "branch_visit", start)
        start = env.now
        yield env.timeout(_lognormal(rng, DECISION_MEAN, DECISION_SD))
        record(case, "decision", start)

    def arrivals() -> Generator[Any, Any, None]:
        for number in range(cases):
            yield env.timeout(rng.expovariate(PER_HOUR / 3600))
            env.process(customer(f"c{number:05d}"))

    env.process(arrivals())
    env.run()
    rng.shuffle(rows)  # the reader sorts events by time
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("case", "activity", "start", "end"))
        writer.writerows(rows)
    return waits


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    path = tmp_path_factory.mktemp("independent") / "counter.csv"
    return path, generate_log(path)


@pytest.fixture(scope="module")
def fitted(observed: tuple[Path, list[float]]) -> FittedJourney:
    return api.fit(observed[0])


def _by_activity(fitted: FittedJourney) -> dict[str, str]:
    """Log activity -> fitted touchpoint."""
    return {activity: touchpoint for _, _, members in fitted.stages for touchpoint, activity in members}


def test_the_log_is_what_the_model_made(observed: tuple[Path, list[float]], fitted: FittedJourney) -> None:
    _, waits = observed
    assert fitted.cases == CASES and fitted.events == 3 * CASES
    # the counter really queues: most visitors wait, for over half an hour on average
    assert sum(wait > 0 for wait in waits) > 0.5 * len(waits)
    assert sum(waits) / len(waits) > 1800


def test_shares_cover_the_true_branch(fitted: FittedJourney) -> None:
    touchpoints = _by_activity(fitted)
    stage_of = {touchpoint: stage for stage, _, members in fitted.stages for touchpoint, _ in members}
    enquire = stage_of[touchpoints["enquire"]]
    shares = {share.target: share for share in fitted.transitions[enquire]}
    online, counter = shares[stage_of[touchpoints["apply_online"]]], shares[stage_of[touchpoints["branch_visit"]]]
    assert online.n == counter.n == CASES
    assert online.interval[0] <= ONLINE_SHARE <= online.interval[1], online
    assert counter.interval[0] <= 1 - ONLINE_SHARE <= counter.interval[1], counter
    assert fitted.goal == stage_of[touchpoints["decision"]]
    assert fitted.exits[enquire][0] == 0  # nobody leaves after enquiring


def test_durations_come_back_in_their_families(fitted: FittedJourney) -> None:
    touchpoints = _by_activity(fitted)
    durations = {activity: fitted.durations[touchpoint] for activity, touchpoint in touchpoints.items()}
    for activity, mean in (("enquire", ENQUIRE_MEAN), ("branch_visit", COUNTER_MEAN)):
        fit = durations[activity]
        assert fit is not None and fit.family == "exponential", (activity, fit)
        assert fit.interval is not None and fit.interval[0] <= mean <= fit.interval[1], (activity, fit)
    for activity, mean, sd in (("apply_online", APPLY_MEAN, APPLY_SD), ("decision", DECISION_MEAN, DECISION_SD)):
        fit = durations[activity]
        assert fit is not None and fit.family == "lognormal", (activity, fit)
        assert fit.params[0] == pytest.approx(mean, rel=0.04), activity
        assert fit.params[1] == pytest.approx(sd, rel=0.12), activity
    # the counter's duration is its service time, not service plus queue
    assert (
        durations["branch_visit"] is not None
        and durations["branch_visit"].n == fitted.activity_reach["branch_visit"][0]
    )
    assert all(fit is not None and fit.ks is not None and fit.ks < 0.05 for fit in durations.values())


def test_arrival_rate_is_within_its_interval(fitted: FittedJourney) -> None:
    assert fitted.rate is not None
    rate, lo, hi = fitted.rate
    assert lo <= PER_HOUR * 24 <= hi and rate == pytest.approx(96, rel=0.05)
    assert fitted.open_days is None  # open around the clock: no opening hours fitted


def test_validate_matches_reach_and_paths_and_sees_the_missing_queue(
    observed: tuple[Path, list[float]], fitted: FittedJourney
) -> None:
    text = fitted.text("journey fit counter.csv")
    assert "exponential(" in text and "lognormal(" in text
    document = api.validate(fitted.journey, observed[0], rename=_by_activity(fitted), seed=3)
    tests = document["tests"]
    assert tests["reach"]["verdict"] == "matches"
    assert tests["paths"]["verdict"] == "matches"
    assert tests["arrivals"]["verdict"] == "matches"
    variants = tests["paths"]["items"][0]["variants"]
    assert len(variants) == 2 and document["unmatched"]["activities"] == []
    durations = {item["name"]: item for item in tests["durations"]["items"]}
    for touchpoint in _by_activity(fitted).values():
        assert durations[touchpoint]["verdict"] == "matches", durations[touchpoint]
    # time in journey differs: the log's counter visitors waited, the fitted journey has no queue
    journey = durations["time in journey"]
    assert journey["verdict"] == "differs"
    assert journey["quantiles"]["observed"][-1] > 1.5 * journey["quantiles"]["simulated"][-1]
    assert document["verdict"] == "differs"
