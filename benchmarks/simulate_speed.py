"""Simulator speed and memory against the hand-written SimPy loop, in one invocation.

Runs ``shared/bench/naive_simpy.py`` (the simplest SimPy journey one could write by hand)
and journeydsl's full engine on ``benchmarks/reference.journey`` (the same journey: ten
exponential touchpoints in a chain, 5% abandonment after each, Poisson arrivals), each in a
fresh interpreter with the same number of customers, and prints one JSON line::

    {"customers": ..., "journeydsl_customers_per_s": ..., "reference_customers_per_s": ...,
     "ratio": ...}

With ``--memory`` it also runs journeydsl with 10,000 and 1,000,000 customers and adds their
peak resident memory (``peak_mb_10000``, ``peak_mb_1000000``, ``memory_growth_mb``): the
statistics are streamed, so memory should stay flat in the number of customers.  It does the
same for a bundled example with queues (``queued_example``, ``queued_peak_mb_10000``,
``queued_peak_mb_1000000``, ``queued_growth_mb``), and runs a chain of 1,000 touchpoints
(generated, every customer visits all of them) with 10,000 customers (``chain_peak_mb``):
memory should not grow with the journey's size either.  ``--memory-examples`` measures
10,000 against 1,000,000 customers on every bundled example instead of one (minutes each).

With ``--baseline DIR`` it also runs the engine of another source tree of journeydsl (a
checkout or ``git archive`` of an earlier commit), interleaved with the other two, and adds
``baseline_customers_per_s`` and ``baseline_ratio``: a change's effect on speed, measured in
the same sitting.

usage: python benchmarks/simulate_speed.py [--customers N] [--repeats K] [--memory [--memory-examples]]
                                          [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE_JOURNEY = HERE / "reference.journey"
DEFAULT_REFERENCE = HERE.parent.parent / "shared" / "bench" / "naive_simpy.py"
EXAMPLES = HERE.parent / "examples" / "journeys"
#: The bundled example with queues whose memory --memory measures (every example with --memory-examples).
QUEUED_EXAMPLE = "electronics_shops"

_ENGINE = """
import json, resource, sys, time
import journeydsl
from journeydsl.api import load
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.engine import Engine
from journeydsl.sim.settings import RunSettings
customers = int(sys.argv[2])
plan = compile_plan(load(sys.argv[1]))
start = time.perf_counter()
collector = Engine(plan, RunSettings(customers=customers), seed=1).execute()
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"customers": collector.customers, "seconds": seconds, "peak_mb": peak_mb,
                  "remembered": collector.metric("remembered_experience").mean,
                  "module": journeydsl.__file__}))
"""


def chain(touchpoints: int) -> str:
    """A journey of ``touchpoints`` stages in a chain, one exponential touchpoint each, every customer going on."""
    lines = ['journey "Chain" {', "  time unit minutes", "  arrivals poisson 100 per min"]
    for number in range(1, touchpoints + 1):
        lines.append(f"  stage s{number}{' goal' if number == touchpoints else ''} {{")
        lines.append(f"    touchpoint t{number}: staff duration exponential(1 min) {{ feel +0.5; variability 1 }}")
        if number < touchpoints:
            lines.append(f"    -> s{number + 1} 100%")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def run_engine(customers: int, source: Path | None = None, journey: Path = REFERENCE_JOURNEY) -> dict:
    """journeydsl's engine on ``journey`` in a fresh interpreter (from ``source``, a source tree, if given)."""
    environment = None
    if source is not None:
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")])),
        }
    # `python -c` puts the working folder first on the path: run a baseline from its own tree, so that
    # the working folder's journeydsl cannot stand in for it, and check where the engine came from.
    output = subprocess.run(
        [sys.executable, "-c", _ENGINE, str(journey.resolve()), str(customers)],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
        cwd=source,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    if source is not None and not Path(figures["module"]).resolve().is_relative_to(source.resolve()):
        raise SystemExit(f"the baseline imported journeydsl from {figures['module']}, not from {source}")
    return figures


def run_reference(script: Path, customers: int) -> dict:
    """The hand-written SimPy loop in a fresh interpreter."""
    output = subprocess.run(
        [sys.executable, str(script), str(customers), "10"], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000, help="customers per run (default 100,000)")
    parser.add_argument(
        "--repeats", type=int, default=5, help="runs of each engine, interleaved; the best counts (default 5)"
    )
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="path to naive_simpy.py")
    parser.add_argument(
        "--memory", action="store_true", help="also measure peak memory at 10,000 and 1,000,000 customers"
    )
    parser.add_argument(
        "--memory-examples",
        action="store_true",
        help="with --memory, measure 10,000 against 1,000,000 customers on every bundled example (minutes each)",
    )
    parser.add_argument(
        "--baseline", type=Path, help="also run the engine of this source tree of journeydsl (an earlier commit)"
    )
    args = parser.parse_args()
    if not args.reference.is_file():
        parser.error(f"reference loop not found at {args.reference}; pass --reference PATH")
    if args.baseline is not None and not (args.baseline / "journeydsl" / "sim").is_dir():
        parser.error(f"no journeydsl source tree at {args.baseline}")

    # Interleaved, so that a machine that slows down or speeds up during the run affects all alike.
    ours_runs, theirs_runs, baseline_runs = [], [], []
    for _ in range(args.repeats):
        ours_runs.append(run_engine(args.customers))
        theirs_runs.append(run_reference(args.reference, args.customers))
        if args.baseline is not None:
            baseline_runs.append(run_engine(args.customers, args.baseline))
    ours = min(ours_runs, key=lambda r: r["seconds"])
    theirs = min(theirs_runs, key=lambda r: r["seconds"])
    ours_rate = ours["customers"] / ours["seconds"]
    theirs_rate = theirs["customers"] / theirs["seconds"]
    figures = {
        "customers": args.customers,
        "journeydsl_customers_per_s": round(ours_rate),
        "reference_customers_per_s": round(theirs_rate),
        "ratio": round(ours_rate / theirs_rate, 3),
        "journeydsl_mean_remembered": round(ours["remembered"], 4),
    }
    if baseline_runs:
        baseline = min(baseline_runs, key=lambda r: r["seconds"])
        baseline_rate = baseline["customers"] / baseline["seconds"]
        figures.update(
            baseline_customers_per_s=round(baseline_rate),
            baseline_ratio=round(baseline_rate / theirs_rate, 3),
        )
    if args.memory:
        small = run_engine(10_000)
        large = run_engine(1_000_000)
        figures.update(
            peak_mb_10000=round(small["peak_mb"], 1),
            peak_mb_1000000=round(large["peak_mb"], 1),
            memory_growth_mb=round(large["peak_mb"] - small["peak_mb"], 1),
        )
        names = sorted(p.stem for p in EXAMPLES.glob("*.journey")) if args.memory_examples else [QUEUED_EXAMPLE]
        for name in names:
            prefix = "queued" if name == QUEUED_EXAMPLE and not args.memory_examples else name
            small = run_engine(10_000, journey=EXAMPLES / f"{name}.journey")
            large = run_engine(1_000_000, journey=EXAMPLES / f"{name}.journey")
            if prefix == "queued":
                figures["queued_example"] = name
            figures.update(
                {
                    f"{prefix}_peak_mb_10000": round(small["peak_mb"], 1),
                    f"{prefix}_peak_mb_1000000": round(large["peak_mb"], 1),
                    f"{prefix}_growth_mb": round(large["peak_mb"] - small["peak_mb"], 1),
                }
            )
        with tempfile.TemporaryDirectory() as folder:
            long_journey = Path(folder) / "chain.journey"
            long_journey.write_text(chain(1000), encoding="utf-8")
            figures["chain_peak_mb"] = round(run_engine(10_000, journey=long_journey)["peak_mb"], 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
