"""The simulator: determinism, seeds, and agreement with results nobody here wrote."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from journeydsl import api
from journeydsl.api import load, loads
from journeydsl.sim import psychology as psy
from journeydsl.sim.runner import replication_seeds

from .conftest import EXAMPLES


def simulate(journey, **run) -> dict:
    """The results document of one simulated design."""
    return api.simulate(journey, **run).results


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_simulates(example):
    results = simulate(load(example), customers=200, seed=3)
    assert results["customers"] >= 200
    assert 0.0 <= results["metrics"]["conversion_rate"]["mean"] <= 1.0


def test_same_seed_same_bytes_and_other_seed_differs():
    journey = load(EXAMPLES[0])
    a = json.dumps(simulate(journey, customers=300, seed=7))
    b = json.dumps(simulate(journey, customers=300, seed=7))
    c = json.dumps(simulate(journey, customers=300, seed=8))
    assert a == b and a != c


def test_replication_seeds_do_not_depend_on_count():
    assert replication_seeds(5, 3) == replication_seeds(5, 6)[:3]


def test_mm1_wait_matches_queueing_theory():
    # Brand feedback and referrals are switched off so that arrivals stay Poisson.
    # M/M/1 with lambda = 0.6/min, mean service 1 min: Wq = rho / (mu - lambda) = 1.5 min.
    journey = loads(
        'journey "queue" { time unit minutes arrivals poisson 0.6 per min '
        "word_of_mouth { brand_arrivals 0; referral_conversion 0 } "
        "stage s goal { touchpoint desk: staff capacity 1 duration exponential(1 min) { feel +1 } } }"
    )
    results = simulate(journey, customers=20000, seed=11, warmup=500)
    desk = results["touchpoints"]["desk"]
    assert desk["wait_mean"] == pytest.approx(1.5, rel=0.1)
    assert desk["utilisation"] == pytest.approx(0.6, abs=0.03)


def test_conversion_matches_absorbing_markov_chain():
    text = """
    journey "chain" { visit limit 50 arrivals cohort 20000
      word_of_mouth { referral_conversion 0 }
      stage a { touchpoint t1: media { feel +1 } -> b 70% -> c 20% }
      stage b { touchpoint t2: media { feel +1 } -> a 30% -> d 50% }
      stage c { touchpoint t3: media { feel +1 } -> d 40% }
      stage d goal { touchpoint t4: media { feel +1 } }
    }"""
    # Transient states a, b, c; absorption in d (goal) or drop-off.
    q = np.array([[0, 0.7, 0.2], [0.3, 0, 0], [0, 0, 0]])
    r = np.array([0.0, 0.5, 0.4])
    exact = np.linalg.solve(np.eye(3) - q, r)[0]
    metric = simulate(loads(text), seed=5)["metrics"]["conversion_rate"]
    low, high = metric["ci95"]
    # Within two interval half-widths (about four standard errors) of the exact value.
    assert abs(metric["mean"] - exact) <= high - low


def test_bass_diffusion_curve():
    # A neutral population (moments rated 5 of 10, satisfied at the neutral point): each adopter's
    # voice is about 1, the Bass adopter's (tests/test_word_of_mouth.py has more seeds and the others).
    p, q, market = 0.03, 0.38, 4000
    journey = loads(
        f'journey "bass" {{ time unit days horizon 20 years arrivals market {market} innovation {p} imitation {q} per year '
        "word_of_mouth { brand_arrivals 0 } stage s goal { touchpoint t: product { feel rating 5/10 } } }"
    )
    times = []
    simulate(journey, seed=2, trace=lambda row: times.append(row.time))
    times = np.sort(np.array(times)) / 365.0
    for years in (3, 6, 9, 12):
        expected = (1 - math.exp(-(p + q) * years)) / (1 + (q / p) * math.exp(-(p + q) * years))
        assert np.mean(times <= years) * len(times) / market == pytest.approx(expected, abs=0.03)


def test_peak_end_rule_cold_water():
    # Kahneman et al. (1993): the long trial adds a less painful end to the same short trial.
    short = [-4.0, -6.0, -6.0]
    long = [*short, -3.0]
    weights = dict(w_peak=0.35, w_end=0.35, w_mean=0.30)

    def remembered(moments, **w):
        return psy.remembered_experience(psy.most_extreme(moments), moments[-1], sum(moments) / len(moments), **w)

    assert remembered(long, **weights) > remembered(short, **weights)
    # A pure sum of discomfort ranks them the other way round.
    assert sum(long) < sum(short)


def test_peak_end_through_the_simulator():
    template = (
        'journey "J" {{ arrivals cohort 3000 affect {{ noise 0; carry_over 0 }} '
        "stage s goal {{ touchpoint a: staff {{ feel -4 }} touchpoint b: staff {{ feel {end} }} }} }}"
    )
    gentle = simulate(loads(template.format(end=-1)), seed=1)["metrics"]["remembered_experience"]["mean"]
    harsh = simulate(loads(template.format(end=-3)), seed=1)["metrics"]["remembered_experience"]["mean"]
    assert gentle > harsh


def test_psychology_values():
    assert psy.value_function(-1.0) == pytest.approx(-2.25)
    assert psy.return_probability(8.0) == pytest.approx(0.5)
    odds = lambda s: psy.return_probability(s) / (1 - psy.return_probability(s))  # noqa: E731
    assert odds(7.5) / odds(7.0) == pytest.approx(math.exp(0.35))
    assert [psy.nps_category(s) for s in (6, 7, 8, 9)] == ["detractor", "passive", "passive", "promoter"]
    assert psy.talk_probability(9.0) > psy.talk_probability(6.0) < psy.talk_probability(3.0)


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C formula)."""
    load = arrival_rate / service_rate
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    waiting = top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)
    return waiting / (servers * service_rate - arrival_rate)


def test_mmc_wait_matches_erlang_c():
    # Three servers, lambda = 2/min, mean service 1 min: P(wait) = 4/9 and Wq = 0.444 min.
    journey = loads(
        'journey "desk" { time unit minutes arrivals poisson 2 per min '
        "word_of_mouth { brand_arrivals 0; referral_conversion 0 } "
        "stage s goal { touchpoint desk: staff capacity 3 duration exponential(1 min) { feel +1 } } }"
    )
    expected = erlang_c_wait(2.0, 1.0, 3)
    assert expected == pytest.approx(4 / 9)
    desk = simulate(journey, customers=30000, seed=12, warmup=200)["touchpoints"]["desk"]
    assert desk["wait_mean"] == pytest.approx(expected, rel=0.12)
    assert desk["utilisation"] == pytest.approx(2 / 3, abs=0.02)


def test_positive_word_of_mouth_outnumbers_negative_about_three_to_one():
    # East, Hammond & Wright (2007): about 3:1 across 15 studies.  Nothing in the engine says 3;
    # it emerges from the U-shaped chance to talk in a mostly satisfied population (3 in 4 above neutral).
    text = (
        'journey "Mostly satisfied" { arrivals cohort 4000 over 30 days seed 9 stage visit goal { '
        "touchpoint welcome: staff { feel +1 } touchpoint service: staff { think +1; variability 2 } "
        "touchpoint goodbye: staff { feel +1 } } }"
    )
    outcome = api.simulate(loads(text))
    histogram = outcome.collectors[0].satisfaction
    above = sum(count for count, low in zip(histogram.counts, histogram.edges(), strict=False) if low >= 7.0)
    assert 0.7 <= above / sum(histogram.counts) <= 0.8
    assert 2.5 <= outcome.results["word_of_mouth"]["positive_to_negative"] <= 5.0


def test_customer_outcomes_are_named_after_the_metrics():
    # The engine hands the collector one named record per customer; numpy folds blocks of them by
    # position, so its fields must be the metrics, in their order.
    from journeydsl.sim.metrics import METRICS, CustomerOutcomes

    assert CustomerOutcomes._fields == METRICS
