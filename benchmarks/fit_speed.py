"""How long ``journey fit`` takes on an event log of 10,000 cases.

Simulates a shop journey (four stages, a branch, a loop back to help, drop-outs, two segments,
exponential, lognormal and uniform durations, Poisson arrivals) into a CSV event log with
journeydsl's own log writer (what ``journey simulate --log`` writes), then times reading the log
(:func:`journeydsl.data.logs.read_log`), fitting it (:func:`journeydsl.analysis.fit.fit_log`,
with the segment attribute) and writing the fitted journey's text, each the best of ``--repeats``
runs, and prints one JSON line::

    {"cases": 10000, "events": ..., "mb": ..., "read_seconds": ..., "fit_seconds": ...,
     "text_seconds": ..., "total_seconds": ..., "first_total_seconds": ...}

``total_seconds`` is read + fit + text (best runs): what ``journey fit LOG -o OUT`` spends beyond
starting Python; ``first_total_seconds`` the same for the first runs, which also import SciPy.  Target (issue 14): under 30 s for 10,000 cases.  ``--xes`` times an XES log instead.

Usage::

    python3 benchmarks/fit_speed.py [--cases 10000] [--repeats 3] [--xes]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journeydsl import api  # noqa: E402
from journeydsl.analysis.fit import fit_log  # noqa: E402
from journeydsl.data.logs import read_log  # noqa: E402

T = TypeVar("T")

SHOP = """
journey "Fit benchmark shop" {
  time unit min
  arrivals poisson 400 per day
  segment web 70% { patience 30 min }
  segment phone 30% { patience 30 min }
  stage browse {
    touchpoint look: media duration exponential(3 min) { feel +1 }
    touchpoint compare: digital duration lognormal(4 min, 2 min) { think +1 }
    -> pay 55%
    -> help 30%
  }
  stage help {
    touchpoint advice: staff duration uniform(2 min, 6 min) { feel +1 }
    -> pay 50%
    -> browse 20%
  }
  stage pay {
    touchpoint checkout: digital duration lognormal(5 min, 2 min) { feel +1 }
    -> done 95%
  }
  stage done goal {
    touchpoint receipt: media duration exponential(1 min) { feel +1 }
  }
}
"""


def write_log(path: Path, cases: int) -> None:
    """Simulate ``cases`` customers of the shop into an event log at ``path`` (CSV, or XES by suffix)."""
    journey = api.loads(SHOP)
    with api.log_writer(path, journey) as log:
        api.simulate(journey, customers=cases, seed=1, trace=log)


def best(repeats: int, step: Callable[[], T]) -> tuple[float, float, T]:
    """The shortest and the first time of ``repeats`` calls of ``step``, and its last result."""
    times: list[float] = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return min(times), times[0], result


def measure(path: Path, repeats: int) -> dict[str, int | float]:
    """Read, fit and write the fitted text of the log at ``path``; the best seconds of each."""
    read_seconds, read_first, log = best(repeats, lambda: read_log(path))
    fit_seconds, fit_first, fitted = best(repeats, lambda: fit_log(log, segment_attribute="segment", name="shop"))
    text_seconds, text_first, _ = best(repeats, lambda: fitted.text("journey fit log.csv"))
    return {
        "cases": fitted.cases,
        "events": fitted.events,
        "mb": round(path.stat().st_size / 1e6, 2),
        "read_seconds": round(read_seconds, 3),
        "fit_seconds": round(fit_seconds, 3),
        "text_seconds": round(text_seconds, 3),
        "total_seconds": round(read_seconds + fit_seconds + text_seconds, 3),
        "first_total_seconds": round(read_first + fit_first + text_first, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases in the log (default 10,000)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument("--xes", action="store_true", help="write and time an XES log instead of CSV")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("shop.xes" if arguments.xes else "shop.csv")
        write_log(path, arguments.cases)
        print(json.dumps(measure(path, arguments.repeats)))


if __name__ == "__main__":
    main()
