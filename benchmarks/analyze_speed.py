"""How long `journey analyze` takes as a journey grows: near-linear in its stages.

Generates chains of 250, 500, 1,000 and 2,000 stages (two touchpoints each; from
every stage 80% go on, 10% go back one stage, the rest drop off; the last
stage is the goal, so the whole chain is one loop), checks each once, then
times the analysis of its design (:func:`journeydsl.api.analyze`: the
absorbing Markov chain, every stage's and touchpoint's removal effect) and
prints one JSON line:

    {"seconds_250": ..., "seconds_500": ..., "seconds_1000": ..., "seconds_2000": ...,
     "ratio_500": ..., "ratio_1000": ..., "ratio_2000": ...}

``ratio_N`` is ``seconds_N / seconds_(N/2)``: about 2 when the analysis grows
linearly with the journey, 8 when it grows with the cube (the dense solves of
journeydsl 0.x took 87 s for 1,000 stages).  ``--no-loops`` drops the steps
back, so no stage is on a loop.

Usage::

    python3 benchmarks/analyze_speed.py [--repeats 3] [--no-loops] [--sizes 250 500 1000 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journeydsl import api  # noqa: E402

SIZES = (250, 500, 1000, 2000)


def generate(stages: int, loops: bool = True) -> str:
    """A valid journey of ``stages`` stages in a chain, with a step back from each one when ``loops``."""
    lines = [
        "# Generated for the analyze-speed benchmark.",
        'journey "Long chain" {',
        "  time unit minutes; horizon 30 days; arrivals poisson 10 per day; seed 1; visit limit 3",
    ]
    for s in range(stages):
        last = s == stages - 1
        lines.append(f"  stage s{s}{' goal' if last else ''} {{")
        lines.append(f"    touchpoint a{s}: staff duration {1 + s % 7} min {{ feel +1 }}")
        lines.append(f"    touchpoint b{s}: digital duration exponential({1 + s % 3} min) {{ think +1 }}")
        if not last:
            lines.append(f"    -> s{s + 1} 80%")
            if loops and s > 0:
                lines.append(f"    -> s{s - 1} 10%")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def measure(stages: int, repeats: int, loops: bool) -> float:
    """Best-of-``repeats`` seconds to analyse the generated journey (checked once, beforehand)."""
    result = api.check_text(generate(stages, loops), "chain.journey")
    if not result.ok or result.journey is None:
        raise SystemExit(f"the generated journey has errors: {[d.message for d in result.diagnostics][:3]}")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        document = api.analyze(result.journey)
        best = min(best, time.perf_counter() - start)
    if len(document["stages"]) != stages:
        raise SystemExit("the analysis lost stages")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument("--no-loops", action="store_true", help="no step back: no stage is on a loop")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="stages of each chain")
    arguments = parser.parse_args()
    measure(10, 1, True)  # warm-up: imports, caches
    output: dict[str, float] = {}
    previous: int | None = None
    for size in arguments.sizes:
        output[f"seconds_{size}"] = round(measure(size, arguments.repeats, not arguments.no_loops), 3)
        if previous is not None:
            output[f"ratio_{size}"] = round(output[f"seconds_{size}"] / output[f"seconds_{previous}"], 2)
        previous = size
    print(json.dumps(output))


if __name__ == "__main__":
    main()
