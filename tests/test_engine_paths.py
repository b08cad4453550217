"""The engine's two ways of walking a touchpoint give the same customers the same numbers.

Stages of plain touchpoints (no queue, no failure, met by everyone) are walked in line, in the
engine's hot loop (``journeydsl/sim/engine/walk.py``); every other touchpoint, and every touchpoint
when a trace is written, goes through the general path (``ExperienceRole._experience`` in
``journeydsl/sim/engine/experience.py``, which calls :mod:`journeydsl.sim.psychology`).  Both must
compute the same moments, memories, judgements and statistics, to the last bit: these tests run
each design twice, once each way, and compare the raw aggregates exactly
(``tests/test_psychology_engine.py`` holds both to the model's functions).
"""

from __future__ import annotations

import random

import pytest

from journeydsl.api import check_text, load, loads
from journeydsl.lang.designs import design_names, resolve
from journeydsl.sim.engine import Engine
from journeydsl.sim.metrics import METRICS, Collector
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.settings import RunSettings

from .conftest import EXAMPLES, ROOT
from .test_fuzz import mutate


def _fingerprint(collector: Collector) -> tuple:
    """Everything a replication observed, as exact numbers."""
    metrics = tuple(
        (m.n, m.total, m.squares)
        for segment in (None, *range(len(collector.segment_customers)))
        for m in (collector.metric(name, segment) for name in METRICS)
    )
    return (
        collector.customers,
        collector.segment_customers,
        collector.visits,
        collector.segment_visits,
        collector.affect_sum,
        collector.affect_squares,
        collector.segment_affect,
        collector.segment_carried,
        collector.peaks,
        collector.ends,
        collector.reneged,
        collector.failures,
        collector.cost,
        collector.busy,
        collector.entered,
        collector.dropped,
        metrics,
        collector.remembered.counts,
        collector.satisfaction.counts,
        collector.recommendation,
        collector.positive_talk,
        collector.negative_talk,
        collector.referrals,
        collector.repeat_purchases,
        collector.cycles,
        sorted(collector.factors.items()),
        [(s.n, s.total, s.squares, r.n, r.total, r.squares) for s, r in collector.recovery],
        [(w.n, w.total, w.squares) for w in collector.waits],
    )


def _both_ways(plan, run: RunSettings, seed: int) -> tuple[tuple, tuple]:
    assert not Engine(plan, run, seed, trace=lambda row: None).walked_in_line()
    inline = Engine(plan, run, seed).execute()
    general = Engine(plan, run, seed, trace=lambda row: None).execute()
    return _fingerprint(inline), _fingerprint(general)


DESIGNS = [(example, name) for example in EXAMPLES for name in design_names(load(example))]


@pytest.mark.parametrize(("example", "design"), DESIGNS, ids=lambda v: getattr(v, "stem", v))
def test_every_design_walks_the_same_both_ways(example, design):
    plan = compile_plan(resolve(load(example), design).journey)
    assert Engine(plan, RunSettings(customers=1), 1).walked_in_line()  # every example has plain touchpoints
    inline, general = _both_ways(plan, RunSettings(customers=600, warmup=30.0), seed=5)
    assert inline == general


def test_plain_journey_with_loops_revisits_performance_and_spread():
    # Every stage is plain, so the in-line walk does all of it: loops with revisits (keyed
    # numbers for second visits), visit limits, performance against expectations, sensitivity
    # and expectation spread, a touchpoint without a duration, delays on transitions, a goal.
    journey = loads(
        """
        journey "loops" { time unit minutes visit limit 3 arrivals poisson 2 per min
          factor service expect 7 importance 8
          segment a 60% { expect service 8 }
          segment b 40% { patience 5 min }
          stage browse { touchpoint ad: media duration exponential(2 min) { feel +1; think +1; performance service 6 }
                         touchpoint page: media { sense +2 }
                         -> browse 30% -> compare 50% }
          stage compare { touchpoint review: media duration uniform(1 min, 3 min) { think +2; performance service 9 }
                          -> browse 20% after 5 min -> buy 60% }
          stage buy goal { touchpoint checkout: media duration normal(3 min, 1 min) { act +1 } }
        }"""
    )
    plan = compile_plan(journey)
    assert Engine(plan, RunSettings(customers=1), 1).walked_in_line() == {"ad", "page", "review", "checkout"}
    inline, general = _both_ways(plan, RunSettings(customers=3000), seed=11)
    assert inline == general
    assert sum(inline[2]) > 3000 * 2  # the loops were walked: more than two visits a customer


def test_the_speed_reference_journey_walks_the_same_both_ways():
    plan = compile_plan(load(ROOT / "benchmarks" / "reference.journey"))
    # The benchmark's journey is walked in line throughout: no stage falls off the hot loop.
    assert Engine(plan, RunSettings(customers=1), 1).walked_in_line() == {tp.name for tp in plan.touchpoints}
    inline, general = _both_ways(plan, RunSettings(customers=5000), seed=3)
    assert inline == general


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_mutated_journeys_walk_the_same_both_ways(example):
    # Whatever structure a mutant of an example has that the checker accepts (stages moved,
    # touchpoints repeated or cut, transitions lost), both paths agree on it.
    rng = random.Random(f"paths:{example.stem}")
    source = example.read_text(encoding="utf-8")
    compared = 0
    for _ in range(400):
        result = check_text(mutate(source, rng), "<mutant>", base=example.parent)
        if not result.ok or result.journey is None:
            continue
        inline, general = _both_ways(compile_plan(result.journey), RunSettings(customers=120), seed=compared)
        assert inline == general
        compared += 1
        if compared == 8:
            break
    assert compared >= 3
