"""Queues worked out on a heap of server free times, against queueing theory and SimPy's Resource.

A first-come, first-served queue whose service times are drawn on arrival needs no Resource:
each customer's start is ``max(arrival, earliest server free time)``, and one who would wait
longer than ``renege`` patiences gives up then and takes no server
(``journeydsl/sim/engine/experience.py``).  These tests hold that queue to Erlang C (mean wait,
M/M/c), Erlang A (share who give up, M/M/c+M), the exact M/M/c+D solution (patience without
spread, as the language writes it), and to the Resource path, customer by customer.

The queue of the theory tests: Poisson arrivals at 2.4 an hour (2 for Erlang C), three servers,
exponential service of mean 1 hour (load 0.8), word of mouth off so that arrivals stay Poisson.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import subprocess
import sys

import pytest
import simpy

from journeydsl.api import load, loads
from journeydsl.lang.designs import design_names, resolve
from journeydsl.sim.engine import Engine
from journeydsl.sim.engine.experience import Counter
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.settings import RunSettings

from .conftest import EXAMPLES, ROOT
from .test_engine_paths import _fingerprint

EXAMPLES_DIR = ROOT / "examples" / "journeys"

LAMBDA, MU, SERVERS = 2.4, 1.0, 3


def desk(patience: str = "", settings: str = "", rate: float = LAMBDA) -> str:
    """The theory tests' M/M/3 queue; ``patience`` and ``settings`` go into its segment and settings."""
    segment = f"segment all 100% {{ patience {patience} }} " if patience else ""
    return (
        f'journey "desk" {{ time unit hours arrivals poisson {rate} per hour '
        f"word_of_mouth {{ brand_arrivals 0; referral_conversion 0 }} {settings} {segment}"
        f"stage s goal {{ touchpoint desk: staff capacity {SERVERS} duration exponential(1 hour) {{ feel +1 }} }} }}"
    )


def on_resources(engine: Engine) -> Engine:
    """The same engine with every queue on SimPy's Resource (the path kept for closing that turns queues away)."""
    engine._counters = [None] * len(engine.plan.touchpoints)
    engine.resources = {
        tp.index: simpy.Resource(engine.env, capacity=tp.capacity)
        for tp in engine.plan.touchpoints
        if tp.capacity is not None
    }
    engine._driven = False  # a Resource queue needs its customers to be SimPy processes
    return engine


class ExponentialPatience(Engine):
    """Patience drawn from an exponential distribution at every queue (M/M/c+M), which the language
    cannot write (its patience spreads log-normally); from a stream of its own, apart from the arrivals'."""

    rate = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._patience = random.Random(f"patience {self.seed}")

    def _queue(self, c, tp, stage):
        c.patience = self._patience.expovariate(self.rate)
        return super()._queue(c, tp, stage)


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in the queue of an M/M/c queue (Erlang C)."""
    load_ = arrival_rate / service_rate
    top = load_**servers / math.factorial(servers) * servers / (servers - load_)
    return (
        top
        / (sum(load_**k / math.factorial(k) for k in range(servers)) + top)
        / (servers * service_rate - arrival_rate)
    )


def erlang_a(arrival_rate: float, service_rate: float, servers: int, patience_rate: float) -> float:
    """Share of customers who give up in an M/M/c+M queue (Erlang A / Palm): theta E[queue] / lambda.

    The number in the system is a birth-death chain (births lambda, deaths ``min(n, c) mu +
    max(n - c, 0) theta``), solved exactly, truncated where its terms vanish.
    """
    weights = [1.0]
    for n in range(1, 400):
        deaths = min(n, servers) * service_rate + max(n - servers, 0) * patience_rate
        weights.append(weights[-1] * arrival_rate / deaths)
    total = sum(weights)
    queue = sum(max(n - servers, 0) * w for n, w in enumerate(weights)) / total
    return patience_rate * queue / arrival_rate


def erlang_d(arrival_rate: float, service_rate: float, servers: int, patience: float) -> tuple[float, float]:
    """Share who give up and mean wait of everyone in an M/M/c+D queue (every customer's patience the same).

    The offered wait V (what a customer who never gives up would wait) is 0 while a server is
    free, with P(n busy) proportional to a^n/n!; above 0 its density is lambda P(c-1 busy)
    e^{-(c mu - lambda) v} up to the patience tau and lambda P(c-1) e^{-(c mu - lambda) tau - c mu (v - tau)}
    beyond (level crossing: only customers with V < tau join, and each adds an exponential(c mu)
    time to V).  By PASTA a customer gives up with P(V > tau) and waits min(V, tau).
    """
    a = arrival_rate / service_rate
    idle = [a**n / math.factorial(n) for n in range(servers)]
    drift = servers * service_rate - arrival_rate
    f0 = arrival_rate * idle[-1]
    served = f0 * (1.0 - math.exp(-drift * patience)) / drift
    gives_up = f0 * math.exp(-drift * patience) / (servers * service_rate)
    waited = f0 * (1.0 - math.exp(-drift * patience) * (1.0 + drift * patience)) / drift**2
    total = sum(idle) + served + gives_up
    return gives_up / total, (waited + patience * gives_up) / total


def run(text: str, seed: int, customers: int, engine: type[Engine] = Engine, resource: bool = False):
    """One replication of the desk; returns its collector."""
    made = engine(compile_plan(loads(text)), RunSettings(customers=customers, warmup=20.0), seed=seed)
    return (on_resources(made) if resource else made).execute()


def test_the_counter_is_the_fifo_recursion():
    # Two servers: the third customer starts when the first server frees up, not before.
    counter = Counter(2)
    assert [counter.serve(arrived, duration) for arrived, duration in [(0.0, 5.0), (1.0, 5.0), (2.0, 1.0)]] == [
        0.0,
        1.0,
        5.0,
    ]
    # A customer who gives up takes no server: asking when they would start changes nothing.
    assert counter.start(3.0) == counter.start(3.0) == 6.0
    assert counter.serve(7.0, 1.0) == 7.0  # a server is free again


def test_the_heap_matches_a_brute_force_fifo_queue():
    # Against a FIFO queue followed server by server (no heap): the same starts for 2,000 customers.
    rng = random.Random(4)
    arrivals = sorted(rng.uniform(0.0, 1000.0) for _ in range(2000))
    durations = [rng.expovariate(1 / 1.4) for _ in arrivals]
    counter = Counter(3)
    servers = [0.0, 0.0, 0.0]
    for arrived, duration in zip(arrivals, durations, strict=True):
        earliest = min(range(3), key=servers.__getitem__)
        expected = max(arrived, servers[earliest])
        servers[earliest] = expected + duration
        assert counter.serve(arrived, duration) == expected


def test_mean_wait_matches_erlang_c():
    # Erlang C at load 2/3 (2 an hour): Wq = 4/9 h.  Runs of 10,000 customers scatter by 8-10%
    # (sd; 40 runs of the engine, 200 of a plain heap queue: waits are strongly autocorrelated),
    # the mean of four by 4-5%: 15% is over three of its standard deviations, and a queue that
    # served in the wrong order or held servers too long would miss it (one server fewer: load
    # 1, no steady state; a fourth server: 0.087 h).  At load 0.8 runs scatter by 13%; the benchmark
    # (benchmarks/queue_speed.py) checks that load with 50,000 customers a run.
    rate = 2.0
    exact = erlang_c_wait(rate, MU, SERVERS)
    assert exact == pytest.approx(4 / 9)
    collectors = [run(desk(rate=rate), seed, 10_000) for seed in range(1, 5)]
    waits = [c.waits[0].mean for c in collectors]
    assert statistics.fmean(waits) == pytest.approx(exact, rel=0.15)
    busy = sum(c.busy[0] for c in collectors) / sum(SERVERS * c.observed_time for c in collectors)
    assert busy == pytest.approx(rate / (SERVERS * MU), abs=0.02)
    assert all(c.reneged[0] == 0 for c in collectors)  # no patience: nobody gives up


def test_share_who_give_up_matches_erlang_a():
    # M/M/3+M with patience of mean 1 hour (given up after 1 patience): Erlang A gives 15.37%.
    # Runs of 10,000 customers scatter by about 0.5 points (sd), the mean of three by 0.3: 1.5
    # points is five of those.  By Little's law the mean wait of everyone, those who gave up
    # included, is the share who give up over theta (here in hours): the same tolerance.
    exact = erlang_a(LAMBDA, MU, SERVERS, ExponentialPatience.rate)
    assert exact == pytest.approx(0.1537, abs=1e-4)
    collectors = [run(desk("1 hour", "waiting { renege 1 }"), seed, 10_000, ExponentialPatience) for seed in (1, 2, 3)]
    shares = [c.reneged[0] / c.visits[0] for c in collectors]
    assert statistics.fmean(shares) == pytest.approx(exact, abs=0.015)
    assert statistics.fmean(c.waits[0].mean for c in collectors) == pytest.approx(exact, abs=0.015)


def test_fixed_patience_matches_the_exact_m_m_c_d_queue():
    # As the language writes it: every customer's patience 30 minutes (no spread), given up after
    # one patience.  Exact: 15.56% give up, a mean wait of 0.1424 h; same tolerances as above.
    share, wait = erlang_d(LAMBDA, MU, SERVERS, 0.5)
    assert (share, wait) == pytest.approx((0.1556, 0.1424), abs=1e-4)
    text = desk("30 min", "waiting { renege 1 } spread { patience 0 }")
    collectors = [run(text, seed, 10_000) for seed in (1, 2, 3)]
    assert statistics.fmean(c.reneged[0] / c.visits[0] for c in collectors) == pytest.approx(share, abs=0.015)
    assert statistics.fmean(c.waits[0].mean for c in collectors) == pytest.approx(wait, abs=0.015)


@pytest.mark.parametrize("patience", ["", "1 hour"])
def test_heap_and_resource_serve_the_same_customers_the_same(patience):
    # Service times and patience are continuous, so no two events fall on the same instant and
    # both queues must give every customer the same wait, to the last bit.
    text = desk(patience, "waiting { renege 1 }")
    heap = run(text, 3, 3000, ExponentialPatience if patience else Engine)
    resource = run(text, 3, 3000, ExponentialPatience if patience else Engine, resource=True)
    assert _fingerprint(heap) == _fingerprint(resource)
    assert (heap.reneged[0] > 100) == bool(patience)


DESIGNS = [(example, name) for example in EXAMPLES for name in design_names(load(example))]


@pytest.mark.parametrize(("example", "design"), DESIGNS, ids=lambda v: getattr(v, "stem", v))
def test_every_example_queues_the_same_on_the_heap_and_on_the_resource(example, design):
    # Queues with patience spread, failures and recoveries, repeat visits, opening hours that
    # serve at closing: every figure is the same either way.
    plan = compile_plan(resolve(load(example), design).journey)
    run_settings = RunSettings(customers=400, warmup=30.0)
    heap = Engine(plan, run_settings, seed=7).execute()
    resource = on_resources(Engine(plan, run_settings, seed=7)).execute()
    assert _fingerprint(heap) == _fingerprint(resource)


def test_only_counters_that_turn_queues_away_keep_the_resource():
    served = compile_plan(load(EXAMPLES_DIR / "premier_banking.journey"))  # opening hours, served at closing
    assert {tp.queue for tp in served.touchpoints if tp.capacity is not None} == {"heap"}
    assert all(tp.queue is None for tp in served.touchpoints if tp.capacity is None)
    text = (
        'journey "J" { hours { mon-fri 09:00-17:00 at closing turn away } '
        "stage a goal { touchpoint t: staff capacity 2 duration exponential(5 min) { feel +1 } } }"
    )
    assert [tp.queue for tp in compile_plan(loads(text)).touchpoints] == ["resource"]


def test_the_benchmark_journey_is_the_m_m_3_queue():
    plan = compile_plan(load(ROOT / "benchmarks" / "mmc.journey"))
    (tp,) = plan.touchpoints
    assert (tp.capacity, tp.queue, tp.duration.mean) == (SERVERS, "heap", pytest.approx(1 / MU))
    assert plan.arrivals.rate == pytest.approx(LAMBDA)


def test_the_queue_benchmark_prints_its_figures():
    # A small run of benchmarks/queue_speed.py: its figures come out, and Erlang C's exact wait is
    # the one the benchmark checks against (Ciw's figures only where Ciw is installed).
    output = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "queue_speed.py"), "--customers", "1500", "--repeats", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    figures = json.loads(output.stdout.strip().splitlines()[-1])
    assert output.returncode == (0 if all(v for k, v in figures.items() if k.endswith("_ok")) else 1)
    assert figures["erlang_c_wait"] == pytest.approx(erlang_c_wait(LAMBDA, MU, SERVERS), abs=1e-4)
    assert figures["journeydsl_customers_per_s"] > 0 and figures["journeydsl_wait"] > 0
    assert len(figures["journeydsl_wait_interval"]) == 2
    if "ciw_customers_per_s" in figures:
        assert figures["ratio"] == pytest.approx(
            figures["journeydsl_customers_per_s"] / figures["ciw_customers_per_s"], rel=0.01
        )
    else:
        assert "Ciw is not installed" in output.stderr
