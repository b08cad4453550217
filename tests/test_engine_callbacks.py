"""Customers without a process: a journey without queues walks each cycle through at once and closes it
with one scheduled callback, and Poisson arrivals come by callbacks.  The results are those of the
SimPy processes that do the same (to the last bit), whatever the journey does in time: repeat purchases,
care, word of mouth and referrals, a horizon, a warm-up, cycles without time, cohorts.

A customer's numbers that are worked out for their whole block (segment, memory weights) are those
worked out for the customer alone.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from pathlib import Path
from typing import Any

import pytest

from journeydsl.api import load, loads
from journeydsl.sim.engine import Engine
from journeydsl.sim.metrics import Collector, Histogram, Moments, Reservoir
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.settings import RunSettings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "journeys"
REFERENCE = Path(__file__).resolve().parent.parent / "benchmarks" / "reference.journey"

LOYAL = """journey "Loyal" {
  time unit days
  arrivals poisson 40 per day
  word_of_mouth { referral_conversion 0.5 }
  segment regulars 60% { tier gold }
  segment others 40% { }
  stage shop goal {
    touchpoint browse: digital duration exponential(20 min) cost 1 { feel +1 }
    touchpoint pay: staff duration uniform(2 min, 6 min) cost 3 { act +1 }
    -> shop 10%
    repeat -> shop after 30 days
  }
  care card: media for tier gold every 90 days cost 2 { feel +1 }
}
"""

INSTANT = """journey "Instant" {
  arrivals cohort 900
  stage look { touchpoint poster: digital { feel +2 } -> buy 70% }
  stage buy goal { touchpoint till: staff { act -1 } }
}
"""


def canonical(value: Any) -> Any:
    """Everything a collector holds, as plain values that compare with ``==`` (NaN as a string)."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, Moments):
        return ("moments", value.n, value.total, value.m2)
    if isinstance(value, Histogram):
        return ("histogram", value.counts)
    if isinstance(value, Reservoir):
        return ("reservoir", value.seen, value.values)
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    if hasattr(value, "__dict__"):
        return {key: canonical(item) for key, item in vars(value).items()}
    if hasattr(value, "__slots__"):
        return {key: canonical(getattr(value, key)) for key in value.__slots__}
    return value


def run(plan, run_settings: RunSettings, processes: bool) -> Collector:
    engine = Engine(plan, run_settings, seed=11)
    if processes:
        # Every customer a SimPy process, and Poisson arrivals a process too: how the engine ran before.
        engine._queues = True
        engine._start_arrivals = lambda: engine.env.process(engine._arrivals())  # type: ignore[method-assign]
    return engine.execute()


@pytest.mark.parametrize(
    ("text", "settings"),
    [
        (REFERENCE, RunSettings(customers=3000)),
        (EXAMPLES / "colonoscopy.journey", RunSettings(customers=1500)),
        (LOYAL, RunSettings(horizon=200.0, warmup=20.0)),
        (INSTANT, RunSettings()),
    ],
    ids=["reference", "colonoscopy", "repeat-care-referrals-horizon-warmup", "cohort-without-time"],
)
def test_callbacks_give_the_results_of_processes(text, settings):
    plan = compile_plan(load(text) if isinstance(text, Path) else loads(text))
    assert not any(tp.capacity is not None for tp in plan.touchpoints)
    by_callbacks = run(plan, settings, processes=False)
    by_processes = run(plan, settings, processes=True)
    assert by_callbacks.customers > 0
    assert canonical(by_callbacks) == canonical(by_processes)


def test_a_journey_with_queues_keeps_its_processes():
    plan = compile_plan(load(EXAMPLES / "premier_banking.journey"))
    engine = Engine(plan, RunSettings(customers=200), seed=1)
    assert engine._queues
    assert engine.execute().customers > 0


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.journey")) + ["reference"])
def test_segments_and_memory_weights_worked_out_per_block_are_each_customers_own(name):
    path = REFERENCE if name == "reference" else EXAMPLES / f"{name}.journey"
    engine = Engine(compile_plan(load(path)), RunSettings(customers=1200), seed=4)
    columns = engine._columns.memory
    for number in range(1, 1201):
        key, u_row, z_row, offset, _ = engine.blocks.customer(number)
        block = engine.blocks.derived(number)
        segment = bisect_right(engine._segment_cumulative, u_row[offset])
        memory = engine._memory[segment]
        own = memory.draw(key, u_row, z_row, offset, columns) if memory.shapes else memory.weights
        assert block.segment == segment
        assert tuple(block.memory) == tuple(own)
