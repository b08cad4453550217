"""Queue speed against Ciw on the same M/M/3 queue, in one invocation, checked against Erlang C.

Runs journeydsl's engine on ``benchmarks/mmc.journey`` (Poisson arrivals at 2.4 an hour, one
staffed touchpoint with three servers, exponential service of mean 1 hour: load 0.8) and Ciw
(https://ciw.readthedocs.io) on the same M/M/3 queue, each in a fresh interpreter with the same
number of customers, the two interleaved, and prints one JSON line::

    {"customers": ..., "journeydsl_customers_per_s": ..., "ciw_customers_per_s": ..., "ratio": ...,
     "erlang_c_wait": ..., "journeydsl_wait": ..., "journeydsl_wait_interval": [...],
     "journeydsl_wait_ok": ..., "ciw_wait": ..., ...}

The fastest run of each counts for speed (``ratio`` is journeydsl's customers per second over
Ciw's: above 1, journeydsl is faster).  ``*_per_cpu_s`` and ``cpu_ratio`` count the processor
time of the run instead of the wall clock's: steadier on a machine that other work keeps busy.  Each repeat runs with its own seed, so the repeats are
independent replications: a mean wait's 95% interval is Student's t over them, and
``*_wait_ok`` says whether Erlang C's exact mean wait lies inside it.  The script exits with
status 1 when it does not, after printing the figures.

Ciw is an optional benchmark dependency (``pip install ciw``); without it the script says so on
stderr and measures journeydsl alone.

With ``--baseline DIR`` it also runs the engine of another source tree of journeydsl (a
checkout or ``git archive`` of an earlier commit), interleaved with the other two, and adds
``baseline_customers_per_s`` and ``baseline_ratio`` (over Ciw's).

With ``--profile`` it runs journeydsl's engine once on the journey, under cProfile, and prints the
30 functions that take the most time of their own (``tottime``), then stops.

usage: python benchmarks/queue_speed.py [--customers N] [--repeats K] [--baseline DIR] [--profile]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
JOURNEY = HERE / "mmc.journey"
#: The queue of mmc.journey, in its time unit (hours).
ARRIVAL_RATE, SERVICE_RATE, SERVERS = 2.4, 1.0, 3

_JOURNEYDSL = """
import json, sys, time
import journeydsl
from journeydsl.api import load
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.engine import Engine
from journeydsl.sim.settings import RunSettings
customers, seed = int(sys.argv[2]), int(sys.argv[3])
plan = compile_plan(load(sys.argv[1]))
desk = plan.touchpoints[0].index
start, cpu = time.perf_counter(), time.process_time()
collector = Engine(plan, RunSettings(customers=customers), seed=seed).execute()
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"customers": collector.customers, "seconds": seconds, "cpu": cpu,
                  "wait": collector.waits[desk].mean, "package": journeydsl.__file__}))
"""

_CIW = """
import json, sys, time
import ciw
customers, seed = int(sys.argv[1]), int(sys.argv[2])
rates = [float(value) for value in sys.argv[3:6]]
network = ciw.create_network(
    arrival_distributions=[ciw.dists.Exponential(rate=rates[0])],
    service_distributions=[ciw.dists.Exponential(rate=rates[1])],
    number_of_servers=[int(rates[2])],
)
ciw.seed(seed)
start, cpu = time.perf_counter(), time.process_time()
simulation = ciw.Simulation(network)
simulation.simulate_until_max_customers(customers, method="Finish")
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
records = simulation.get_all_records()
print(json.dumps({"customers": len(records), "seconds": seconds, "cpu": cpu,
                  "wait": sum(r.waiting_time for r in records) / len(records)}))
"""

#: Student's t 0.975 quantiles for 1 to 30 degrees of freedom (beyond, the normal 1.96).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in the queue of an M/M/c queue (the Erlang C formula).

    Examples
    --------
    >>> round(erlang_c_wait(2.4, 1.0, 3), 4)
    1.0787
    """
    load = arrival_rate / service_rate
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    waiting = top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)
    return waiting / (servers * service_rate - arrival_rate)


def interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and 95% Student's t interval of independent replications' values."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, -math.inf, math.inf
    df = len(values) - 1
    half = (_T975[df - 1] if df <= len(_T975) else 1.96) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def run(arguments: list[str], source: Path = HERE.parent) -> dict:
    """One run in a fresh interpreter, importing journeydsl from ``source`` (this checkout, or another source tree).

    The run starts in ``source``: ``python -c`` puts the working directory first on its path,
    before ``PYTHONPATH``, so a run started in this checkout would import this checkout's journeydsl.
    """
    path = os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")]))
    output = subprocess.run(
        [sys.executable, "-c", *arguments],
        check=True,
        capture_output=True,
        text=True,
        cwd=source,
        env={**os.environ, "PYTHONPATH": path},
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    if "package" in figures and not Path(figures["package"]).resolve().is_relative_to(source.resolve()):
        raise SystemExit(f"queue_speed: the run imported {figures['package']}, not journeydsl from {source}")
    return figures


def profile(customers: int) -> None:
    """Run journeydsl's engine once on the journey under cProfile; print the top 30 functions by own time."""
    import cProfile
    import pstats

    from journeydsl.api import load
    from journeydsl.sim.engine import Engine
    from journeydsl.sim.plan import compile_plan
    from journeydsl.sim.settings import RunSettings

    plan = compile_plan(load(JOURNEY))
    profiler = cProfile.Profile()
    profiler.enable()
    Engine(plan, RunSettings(customers=customers), seed=1).execute()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=50_000, help="customers per run (default 50,000)")
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="runs of each simulator, interleaved, seeds 1..K; the fastest counts for speed, all for the wait (default 5)",
    )
    parser.add_argument(
        "--baseline", type=Path, help="also run the engine of this source tree of journeydsl (an earlier commit)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile journeydsl's engine once (cProfile, by own time) and stop"
    )
    args = parser.parse_args()
    if args.profile:
        profile(args.customers)
        return 0
    if args.baseline is not None and not (args.baseline / "journeydsl" / "sim").is_dir():
        parser.error(f"no journeydsl source tree at {args.baseline}")
    if args.repeats < 2:
        parser.error("--repeats must be at least 2 (the interval of the mean wait comes from the repeats)")
    have_ciw = importlib.util.find_spec("ciw") is not None
    if not have_ciw:
        print("queue_speed: Ciw is not installed (pip install ciw); measuring journeydsl alone", file=sys.stderr)

    rates = [str(ARRIVAL_RATE), str(SERVICE_RATE), str(SERVERS)]
    # Interleaved, so that a machine that slows down or speeds up during the run affects both alike.
    ours, theirs, baseline = [], [], []
    for seed in range(1, args.repeats + 1):
        ours.append(run([_JOURNEYDSL, str(JOURNEY), str(args.customers), str(seed)]))
        if have_ciw:
            theirs.append(run([_CIW, str(args.customers), str(seed), *rates]))
        if args.baseline is not None:
            baseline.append(run([_JOURNEYDSL, str(JOURNEY), str(args.customers), str(seed)], args.baseline.resolve()))

    exact = erlang_c_wait(ARRIVAL_RATE, SERVICE_RATE, SERVERS)
    figures: dict = {"customers": args.customers, "repeats": args.repeats}
    checks = []
    for name, runs in (("journeydsl", ours), ("ciw", theirs)):
        if not runs:
            continue
        best = min(runs, key=lambda r: r["seconds"])
        least = min(runs, key=lambda r: r["cpu"])
        mean, low, high = interval([r["wait"] for r in runs])
        inside = low <= exact <= high
        checks.append(inside)
        figures.update(
            {
                f"{name}_customers_per_s": round(best["customers"] / best["seconds"]),
                f"{name}_customers_per_cpu_s": round(least["customers"] / least["cpu"]),
                f"{name}_wait": round(mean, 4),
                f"{name}_wait_interval": [round(low, 4), round(high, 4)],
                f"{name}_wait_ok": inside,
            }
        )
    if theirs:
        figures["ratio"] = round(figures["journeydsl_customers_per_s"] / figures["ciw_customers_per_s"], 3)
        figures["cpu_ratio"] = round(figures["journeydsl_customers_per_cpu_s"] / figures["ciw_customers_per_cpu_s"], 3)
    if baseline:
        best = min(baseline, key=lambda r: r["seconds"])
        least = min(baseline, key=lambda r: r["cpu"])
        figures["baseline_customers_per_s"] = round(best["customers"] / best["seconds"])
        figures["baseline_customers_per_cpu_s"] = round(least["customers"] / least["cpu"])
        if theirs:
            figures["baseline_ratio"] = round(figures["baseline_customers_per_s"] / figures["ciw_customers_per_s"], 3)
            figures["baseline_cpu_ratio"] = round(
                figures["baseline_customers_per_cpu_s"] / figures["ciw_customers_per_cpu_s"], 3
            )
    figures["erlang_c_wait"] = round(exact, 4)
    print(json.dumps(figures))
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
