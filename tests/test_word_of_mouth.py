"""Word of mouth drives a market, and the results' time series (adoption, arrivals, NPS, queues, brand).

Validated against results nobody here wrote: the Bass (1969) curve for a neutral market, and the
Erlang C queue length (through Little's law, Lq = lambda Wq) for the time series' queue length.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl.api import load, loads, simulate
from journeydsl.cli import cli
from journeydsl.lang.units import unit_seconds
from journeydsl.schemas import validator
from journeydsl.sim.engine.word_of_mouth import WordOfMouthRole, WordOfMouthWeights
from journeydsl.sim.series import SeriesCollector, series_period

HOTEL = Path(__file__).resolve().parent.parent / "examples" / "validation" / "hotel_wifi.journey"
P, Q, MARKET = 0.03, 0.38, 4000
YEARS = (3, 6, 9, 12)


def bass_share(years: float) -> float:
    """Bass (1969): the share adopted by ``years``."""
    decay = math.exp(-(P + Q) * years)
    return (1 - decay) / (1 + Q / P * decay)


def market(rating: int, extra: str = "") -> str:
    """A market of 4,000 whose one moment is rated ``rating`` of 10; brand feedback off."""
    return (
        f'journey "market" {{ time unit days horizon 20 years arrivals market {MARKET} innovation {P} '
        f"imitation {Q} per year word_of_mouth {{ brand_arrivals 0 {extra} }} "
        f"stage s goal {{ touchpoint t: product {{ feel rating {rating}/10 }} }} }}"
    )


def year(journey) -> float:
    """A year of 365 days in the journey's time unit."""
    return 365 * unit_seconds("days") / unit_seconds(journey.time_unit or "minutes")


def adoption(journey, seed: int, design: str = "baseline") -> list[float]:
    """The share adopted by the end of each year."""
    return simulate(journey, design=design, seed=seed, period=year(journey)).results["series"]["adoption"]


def test_a_neutral_market_follows_the_bass_curve():
    # Moments rated 5 of 10 leave customers at the neutral point: each voice is about 1, Bass's adopter.
    # Five seeds; their mean must lie within 2 points of the curve at every year. Single runs scatter
    # with an sd of at most 0.018 between them (year 6, twenty seeds in docs/validation.md), so the mean
    # of five has a standard error of at most 0.008 and 2 points are 2.5 of them; the delighted market
    # below misses the curve by more than 5 points.
    journey = loads(market(5))
    runs = [adoption(journey, seed) for seed in range(1, 6)]
    for t in YEARS:
        mean = sum(run[t - 1] for run in runs) / len(runs)
        assert abs(mean - bass_share(t)) <= 0.02, (t, mean, bass_share(t))


def test_a_delighted_market_outgrows_bass_so_the_check_above_can_fail():
    # Rated 7 of 10 (+2): satisfaction about 8, voices about 1.3: faster than Bass by far more than 2 points.
    runs = [adoption(loads(market(7)), seed) for seed in range(1, 4)]
    mean = sum(run[5] for run in runs) / len(runs)
    assert mean - bass_share(6) > 0.05


def test_the_hotel_wifi_market_adopts_slower_than_with_a_reliable_wifi():
    # The primer's failing hotel Wi-Fi: the same travellers (same seeds) adopt measurably slower.
    journey = load(HOTEL)
    for seed in (1, 2, 3):
        failing = adoption(journey, seed)
        reliable = adoption(journey, seed, "reliable wifi")
        # Year 6: 0.354 against 0.422 over ten seeds (paired sd of the difference 0.006): a gap of 3
        # points is five times what chance gives.
        assert reliable[5] - failing[5] > 0.03, (seed, failing[5], reliable[5])
        assert failing[5] < bass_share(6) - 0.04
        # and the difference grows with the market: fewer voices recruit fewer adopters.
        assert reliable[8] - failing[8] > reliable[2] - failing[2]


def test_deter_is_what_slows_the_failing_market():
    journey = loads(HOTEL.read_text().replace("arrivals market", "word_of_mouth { deter 0 } arrivals market"))
    silent = simulate(journey, seed=1, period=year(journey)).results["series"]
    failing = simulate(load(HOTEL), seed=1, period=year(journey)).results["series"]
    assert silent["adoption"][5] > failing["adoption"][5] + 0.03
    # Without deterrence no voice is below 1: the voices add up to at least the adopters.
    assert all(v >= a - 1e-6 for v, a in zip(silent["voice"], silent["adopters"], strict=True))
    assert any(v < a for v, a in zip(failing["voice"], failing["adopters"], strict=True))


def test_voice_is_linear_in_satisfaction_around_the_neutral_point():
    weights = WordOfMouthWeights(1.0, 0.15, 0.02, 7.0, 0.01, 0.1, 1 / 3, 1 / 3)
    assert WordOfMouthRole._voice(weights, 7.0) == 1.0
    assert WordOfMouthRole._voice(weights, 10.0) == pytest.approx(2.0)
    assert WordOfMouthRole._voice(weights, 4.0) == pytest.approx(0.0)
    assert WordOfMouthRole._voice(weights, 1.0) == pytest.approx(-1.0)
    # A symmetric spread around neutral averages a voice of 1: Bass is kept whatever the spread.
    assert (WordOfMouthRole._voice(weights, 5.5) + WordOfMouthRole._voice(weights, 8.5)) / 2 == pytest.approx(1.0)
    louder = WordOfMouthWeights(2.0, 0.15, 0.02, 7.0, 0.01, 0.1, 1 / 3, 1 / 3)
    assert WordOfMouthRole._voice(louder, 7.0) == 2.0


# ---- the time series -------------------------------------------------------------------------


def test_series_counts_every_arrival_and_pools_nps_like_the_run():
    journey = loads(
        'journey "J" { arrivals cohort 600 over 10 days word_of_mouth { referral_conversion 0 } '
        "stage s goal { touchpoint t: staff duration 1 h { feel +1; performance service 7 } } }"
    )
    results = simulate(journey, seed=3, period=1440.0).results
    series = results["series"]
    assert series["period"] == {"length": 1440.0, "unit": "minutes", "label": "day"}
    lengths = {len(series[key]) for key in ("start", "arrivals", "nps", "queue_length", "brand_image")}
    assert len(lengths) == 1 and lengths.pop() >= 10
    assert sum(series["arrivals"]) == 600
    assert series["adopters"][-1] == 600 and series["adoption"] is None and series["voice"] is None
    # Every cycle is judged once: the series' NPS pooled over its periods is the run's NPS.
    respondents = sum(series["respondents"])
    assert respondents == 600
    pooled = sum(n * r for n, r in zip(series["nps"], series["respondents"], strict=True) if n is not None)
    assert pooled / respondents == pytest.approx(results["metrics"]["nps"]["mean"], abs=1e-3)
    validator("results.schema.json").validate(results)


def test_series_queue_length_matches_erlang_c_through_littles_law():
    # M/M/2 at load 0.8: Erlang C gives the mean wait Wq; Little's law the mean number waiting
    # Lq = lambda Wq. The series' time-average queue length over the run must agree with both the
    # simulated waits (Little's law holds exactly up to the run's ends, within 3%) and the theory
    # (within 12%, as the wait tests: busy queues are autocorrelated).
    rate, servers = 1.6, 2
    journey = loads(
        f'journey "q" {{ time unit minutes arrivals poisson {rate} per min '
        "word_of_mouth { brand_arrivals 0; referral_conversion 0 } "
        f"stage s goal {{ touchpoint desk: staff capacity {servers} duration exponential(1 min) {{ feel +1 }} }} }}"
    )
    results = simulate(journey, customers=30000, seed=4, period=60.0).results
    series = results["series"]
    # The full hours of the run (the last, partial one left out).
    hours = [q for q in series["queue_length"][:-1] if q is not None]
    lq = sum(hours) / len(hours)
    rho = rate / servers
    a = rate
    erlang_c = (a**servers / math.factorial(servers) / (1 - rho)) / (
        sum(a**k / math.factorial(k) for k in range(servers)) + a**servers / math.factorial(servers) / (1 - rho)
    )
    wq = erlang_c / (servers - a)
    assert lq == pytest.approx(rate * results["touchpoints"]["desk"]["wait_mean"], rel=0.03)
    assert lq == pytest.approx(rate * wq, rel=0.12)


def test_series_collector_splits_a_wait_across_periods():
    s = SeriesCollector(10.0)
    s.queue(5.0, 2)  # two customers wait from 5 ...
    s.queue(25.0, -2)  # ... to 25: 10 in the first period, 20 in the second, 10 in the third
    s.finish(30.0)
    assert s.queue_area == [10.0, 20.0, 10.0]


def test_natural_periods():
    day = 1440.0
    assert series_period(2 * day, day, "minutes").label == "hour"
    assert series_period(30 * day, day, "minutes").label == "day"
    assert series_period(365 * day, day, "minutes").label == "week"
    assert series_period(3 * 365 * day, day, "minutes").label == "month"
    assert series_period(500 * 365 * day, day, "minutes").label == "year"


def test_period_option_on_the_command_line(tmp_path):
    path = tmp_path / "j.journey"
    path.write_text('journey "J" { arrivals cohort 50 stage s goal { touchpoint t: staff { feel +1 } } }')
    result = CliRunner().invoke(cli, ["simulate", str(path), "--period", "2 h", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["series"]["period"]["length"] == 120.0
    assert document["settings"]["period"] == 120.0
    bad = CliRunner().invoke(cli, ["simulate", str(path), "--period", "soon"])
    assert bad.exit_code == 2 and "--period" in bad.output
