"""What a sweep costs on Dask: throughput per worker process, scaling from 1 to 2 workers, per-task overhead.

Runs one sweep (the bundled premier banking sweep, ``examples/sweeps/premier_banking.toml``: 12 points)
with ``--replications`` replications of ``--customers`` customers per point, in this process and on a
Dask ``LocalCluster`` of 1 and of 2 worker processes (one thread each), and checks that every run gives
the same table bytes.  The per-task overhead is measured apart, with tasks that simulate one customer:
(time on a 1-worker cluster - time in this process) / tasks; and for the sweep's own tasks, which
also carry the journey to the worker and compile it there.  Prints one JSON line::

    python3 benchmarks/sweep_scale.py [--customers 1000] [--replications 2] [--tiny-tasks 200] [--rounds 3]

Timings are wall-clock and include nothing of the clusters' start (both are started, and their
workers have imported journeydsl, before the clock).  The configurations run in interleaved rounds
and the fastest round of each is reported (with the 1-to-2 speed-up of every round), so a machine's
changing load moves them alike; on a loaded machine the ratios are what to read.  The CPU seconds
the worker processes spent (``*_cpu_s``, summed over the workers, the fewest of the rounds) do not
depend on how busy the machine is: ``customers_per_cpu_s_per_worker`` is what one worker process
does with a core of its own.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from journeydsl import api
from journeydsl.analysis.sweep import run_sweep
from journeydsl.lang.sweep import read_sweep, read_sweep_text
from journeydsl.report.sweep_table import sweep_csv
from journeydsl.sim.runner import Runner
from journeydsl.sim.settings import RunSettings

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = ROOT / "examples" / "journeys" / "premier_banking.journey"
SWEEP = ROOT / "examples" / "sweeps" / "premier_banking.toml"
TINY = 'journey "Tiny" { arrivals cohort 1 stage a goal { touchpoint t: staff cost 1 { feel +1 } } }'


def _timed(journey: Any, spec: Any, executor: Any, settings: RunSettings) -> tuple[float, str]:
    start = time.perf_counter()
    table = sweep_csv(run_sweep(journey, spec, Runner(executor), settings))
    return time.perf_counter() - start, table


def main(argv: list[str] | None = None) -> int:
    """Measure and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000, help="customers per point and replication")
    parser.add_argument("--replications", type=int, default=2, help="replications per point")
    parser.add_argument("--tiny-tasks", type=int, default=200, help="one-customer tasks for the overhead")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the fastest of each is kept")
    options = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    from distributed import Client, LocalCluster

    journey = api.load(JOURNEY)
    spec = read_sweep(SWEEP, journey)
    settings = RunSettings(customers=options.customers, replications=options.replications, workers=1)
    tasks = 12 * options.replications
    tiny = api.loads(TINY)
    values = ", ".join(str(v) for v in range(1, options.tiny_tasks + 1))
    tiny_spec = read_sweep_text(f'[settings]\n"cost of t" = [{values}]', tiny)
    one = RunSettings(replications=1, workers=1)
    times: dict[str, list[float]] = {"serial": [], "dask_1": [], "dask_2": [], "tiny_serial": [], "tiny_dask_1": []}
    cpu: dict[str, list[float]] = {"serial": [], "dask_1": [], "dask_2": []}
    identical = True
    with ExitStack() as stack:
        executors = {}
        clients = {}
        for workers in (1, 2):
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.CRITICAL,
                )
            )
            clients[workers] = stack.enter_context(Client(cluster))
            executors[workers] = clients[workers].get_executor(pure=False)
            _timed(tiny, read_sweep_text('[settings]\n"cost of t" = [1, 2]', tiny), executors[workers], one)  # warm
        # Interleaved rounds: the machine's load moves all of them alike; the fastest of each is reported.
        for _ in range(options.rounds):
            started = time.process_time()
            elapsed, reference = _timed(journey, spec, None, settings)
            cpu["serial"].append(time.process_time() - started)
            times["serial"].append(elapsed)
            for workers in (1, 2):
                before = clients[workers].run(time.process_time)
                elapsed, table = _timed(journey, spec, executors[workers], settings)
                after = clients[workers].run(time.process_time)
                cpu[f"dask_{workers}"].append(sum(after[w] - before[w] for w in after))
                times[f"dask_{workers}"].append(elapsed)
                identical = identical and table == reference
            times["tiny_serial"].append(_timed(tiny, tiny_spec, None, one)[0])
            times["tiny_dask_1"].append(_timed(tiny, tiny_spec, executors[1], one)[0])
    best = {name: min(values) for name, values in times.items()}
    least = {name: min(values) for name, values in cpu.items()}
    customers = tasks * options.customers
    figures = {
        "benchmark": "sweep_scale",
        "sweep": "examples/sweeps/premier_banking.toml (12 points)",
        "customers_per_task": options.customers,
        "replications": options.replications,
        "tasks": tasks,
        "rounds": options.rounds,
        "serial_s": round(best["serial"], 3),
        "dask_1_worker_s": round(best["dask_1"], 3),
        "dask_2_workers_s": round(best["dask_2"], 3),
        "tasks_per_s_per_worker": round(tasks / best["dask_1"], 2),
        "customers_per_s_per_worker": round(customers / best["dask_1"]),
        "speedup_1_to_2_workers": round(best["dask_1"] / best["dask_2"], 2),
        "speedups_by_round": [round(a / b, 2) for a, b in zip(times["dask_1"], times["dask_2"], strict=True)],
        "serial_cpu_s": round(least["serial"], 3),
        "dask_1_worker_cpu_s": round(least["dask_1"], 3),
        "dask_2_workers_cpu_s": round(least["dask_2"], 3),
        "customers_per_cpu_s_per_worker": round(customers / least["dask_1"]),
        "overhead_ms_per_task": round(1000 * (best["tiny_dask_1"] - best["tiny_serial"]) / options.tiny_tasks, 2),
        "overhead_ms_per_task_this_journey": round(1000 * (best["dask_1"] - best["serial"]) / tasks, 2),
        "tiny_tasks": options.tiny_tasks,
        "identical_bytes": identical,
        "cpus": os.cpu_count(),
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
    }
    print(json.dumps(figures))
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
