"""Customers driven by callbacks on journeys whose queues are all on the heap: the results are those of
the SimPy processes that do the same, to the last bit, on every bundled example with queues and on the
queue benchmark's M/M/3 journey, with a warm-up, a horizon and several replications.

A customer there only ever sleeps in timeouts (their walk to a heap queue, their service or their
giving up, the rest of their walk, a repeat purchase's delay), so a timeout's callback resumes them
where a process would; see :meth:`journeydsl.sim.engine.cycles.CycleRole._drive`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journeydsl.api import load, loads
from journeydsl.sim.engine import Engine
from journeydsl.sim.metrics import Collector
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.settings import RunSettings

from .test_engine_callbacks import canonical

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "journeys"
QUEUED = sorted(path.stem for path in EXAMPLES.glob("*.journey") if "capacity" in path.read_text(encoding="utf-8"))

#: Patience and giving up, a cohort (arrivals by a process, customers started by urgent events), and
#: a queue after a plain touchpoint (the walk sleeps before it reaches the queue).
PATIENT = """journey "Patient" {
  arrivals cohort 400 over 8 hours
  segment hurried 50% { patience 10 min }
  segment calm 50% { }
  stage enter {
    touchpoint sign: digital duration exponential(5 min) { feel +1 }
    touchpoint desk: staff capacity 2 duration exponential(6 min) cost 2 { act +1 }
    -> leave 80%
  }
  stage leave goal {
    touchpoint till: staff capacity 1 duration uniform(1 min, 3 min) { feel -1 }
  }
}
"""

#: Everyone at once, served in no time at a counter they all reach in the same instant: the order of
#: same-instant events decides who is served first and which judgements the brand has heard.
AT_ONCE = """journey "At once" {
  arrivals cohort 300
  stage pay goal {
    touchpoint till: staff capacity 1 { feel -2 }
    touchpoint desk: staff capacity 2 duration exponential(4 min) { act +1 }
  }
}
"""


def run(plan, run_settings: RunSettings, replication: int, driven: bool, trace=None) -> Collector:
    engine = Engine(plan, run_settings, seed=7 + replication, trace=trace, replication=replication)
    assert engine._queues
    assert engine._driven  # every queue of these journeys is on the heap
    if not driven:
        engine._driven = False  # every customer a SimPy process: how the engine ran before
    return engine.execute()


def cases() -> list:
    found = []
    for name in QUEUED:
        path = EXAMPLES / f"{name}.journey"
        found.append(pytest.param(path, "customers", id=f"{name}-customers"))
        found.append(pytest.param(path, "horizon", id=f"{name}-horizon-warmup"))
    mmc = ROOT / "benchmarks" / "mmc.journey"
    found.append(pytest.param(mmc, "customers", id="mmc-customers"))
    found.append(pytest.param(mmc, "horizon", id="mmc-horizon-warmup"))
    found.append(pytest.param(PATIENT, "customers", id="patience-cohort-walk-before-queue"))
    found.append(pytest.param(AT_ONCE, "customers", id="cohort-at-once-queue-without-time"))
    return found


def settings_of(plan, kind: str) -> RunSettings:
    """1,500 customers, or 20 days with a warm-up of 3 (in the journey's time unit)."""
    if kind == "customers":
        return RunSettings(customers=1500)
    return RunSettings(horizon=20 * plan.day, warmup=3 * plan.day)


@pytest.mark.parametrize(("source", "kind"), cases())
def test_callbacks_give_the_results_of_processes_on_heap_queues(source, kind):
    plan = compile_plan(load(source) if isinstance(source, Path) else loads(source))
    settings = settings_of(plan, kind)
    for replication in range(3):
        by_callbacks = run(plan, settings, replication, driven=True)
        by_processes = run(plan, settings, replication, driven=False)
        assert by_callbacks.customers > 0
        assert canonical(by_callbacks) == canonical(by_processes)


@pytest.mark.parametrize("name", ["electronics_shops", "pizza_restaurant"])
def test_callbacks_write_the_trace_of_processes(name):
    plan = compile_plan(load(EXAMPLES / f"{name}.journey"))
    rows: dict[bool, list] = {True: [], False: []}
    for driven in (True, False):
        run(plan, RunSettings(customers=400), 0, driven, trace=rows[driven].append)
    assert len(rows[True]) > 400
    assert rows[True] == rows[False]
