"""Memory that does not grow with the journey's size per customer (benchmarks/simulate_speed.py --memory).

A long journey's customers used to keep their numbers (a row per touchpoint), their
visit counts and their visits' moments while they waited out their walk: a chain of
1,000 touchpoints peaked at 961 MB with 10,000 customers.  These tests hold the
three mechanisms that keep it flat: a customer lets go of what only visits need once
none is left, blocks of numbers get narrower as journeys get wider, and buffered
moments are folded once there are many, whatever the customers do.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import numpy as np
import pytest

from journeydsl.api import loads
from journeydsl.sim import metrics
from journeydsl.sim.engine import Engine
from journeydsl.sim.engine.customers import Customer
from journeydsl.sim.metrics import Collector
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.settings import RunSettings
from journeydsl.sim.streams import BLOCK_CELLS, KeyedBlocks, uniform_and_normal

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def chain(touchpoints: int) -> str:
    """The benchmark's chain of touchpoints (every customer visits all of them)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import simulate_speed
    finally:
        sys.path.remove(str(BENCHMARKS))
    return simulate_speed.chain(touchpoints)


def test_the_benchmark_chain_is_a_valid_journey_every_customer_walks_to_the_end():
    plan = compile_plan(loads(chain(40)))
    assert len(plan.touchpoints) == 40 and len(plan.stages) == 40
    collector = Engine(plan, RunSettings(customers=200), seed=3).execute()
    # No drop-off anywhere: every customer visits every touchpoint once.
    assert collector.visits == [collector.customers] * 40
    assert collector.metric("conversion_rate").mean == 1.0


def test_customers_waiting_out_their_walk_keep_nothing_sized_by_the_journey():
    plan = compile_plan(loads(chain(60)))
    engine = Engine(plan, RunSettings(customers=300), seed=5)
    gc.collect()  # the customers of earlier runs
    engine._start_arrivals()
    # Arrivals at 100 a minute, walks of about 60 minutes: at minute 3 everyone has arrived
    # and walked (the walk runs through at arrival) and waits out the time it takes.
    engine.env.run(until=3.0)
    waiting = [o for o in gc.get_objects() if isinstance(o, Customer)]
    assert len(waiting) >= 250
    for c in waiting:
        assert len(c.u_row) == 0 and len(c.z_row) == 0
        assert len(c.tp_visits) == 0 and len(c.choices) == 0
    # Their moments were folded as they came, not kept until customers finish.
    assert engine.collector.unfolded < metrics.FOLD_VISITS


def test_customers_who_may_come_back_keep_their_numbers():
    text = """journey "Again" {
      time unit days
      arrivals poisson 10 per day
      stage buy goal {
        touchpoint shop: digital duration exponential(1 hour) { feel +1 }
        repeat -> buy after 30 days
      }
    }"""
    engine = Engine(compile_plan(loads(text)), RunSettings(customers=40), seed=2)
    gc.collect()  # the customers of earlier runs
    engine._start_arrivals()
    engine.env.run(until=2.0)
    waiting = [o for o in gc.get_objects() if isinstance(o, Customer)]
    assert waiting and all(len(c.tp_visits) == 1 and len(c.u_row) > 0 for c in waiting)


def test_moments_are_folded_once_many_wait(monkeypatch):
    monkeypatch.setattr(metrics, "FOLD_VISITS", 100)
    rng = np.random.default_rng(1)
    values = rng.normal(3.0, 1.0, 250)
    collector = Collector(touchpoints=2, stages=1, segments=1)
    for start in range(0, 250, 50):
        collector.moments[0][1].extend(values[start : start + 50].tolist())
        collector.visited(50)
        # Folded at the second report, and every second one after: never more than 100 wait.
        assert len(collector.moments[0][1]) == (50 if start // 50 % 2 == 0 else 0)
    collector.flush()
    affect = collector.affect(1)
    assert affect.n == 250 and collector.unfolded == 0
    # Folding in groups changes only the rounding of the sums.
    assert affect.mean == pytest.approx(values.mean(), rel=1e-12)
    assert affect.sd == pytest.approx(values.std(ddof=1), rel=1e-12)


def test_a_wide_journey_gets_narrower_blocks_with_the_same_numbers():
    columns = list(range(11, 11 + 1000))
    wide = KeyedBlocks(9, columns, block=512)
    assert wide.block * len(columns) <= BLOCK_CELLS and wide.block >= 16
    narrow = KeyedBlocks(9, columns[:10], block=512)
    assert narrow.block == 512
    whole = KeyedBlocks(9, columns, block=512)
    whole.block = 512  # one block of 512 customers, as before blocks were capped
    for number in (1, 64, 65, 300, 513):
        key, u, z, offset, _ = wide.customer(number)
        key_512, u_512, z_512, offset_512, _ = whole.customer(number)
        assert key == key_512
        assert list(u[offset : offset + 1000]) == list(u_512[offset_512 : offset_512 + 1000])
        assert list(z[offset : offset + 1000]) == list(z_512[offset_512 : offset_512 + 1000])
        assert u[offset + 999] == uniform_and_normal(key ^ columns[999])[0]
