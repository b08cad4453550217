"""How long ``journey check`` takes as a whole process, against Python's own start-up.

Runs, interleaved ``--runs`` times: ``python -c pass`` (the floor), ``python -c "import click"``
(the floor of any click program), ``python -m journeydsl check FILE`` and ``python -m journeydsl
--help``, each in a fresh process of this interpreter (``sys.executable``; a version manager's shim,
such as pyenv's ``python3`` or ``journey``, adds its own start-up: 0.06 s of processor time on the
build machine).  It prints one JSON line with the best and median wall-clock seconds and the best
processor seconds (user + system, the steadier figure on a shared machine) of each, the check's
time above the floor, and the heavy libraries the check imported (none is the aim).

Target: ``journey check examples/journeys/premier_banking.journey`` under 0.35 s whole-process.

Usage::

    python3 benchmarks/startup_speed.py [--runs 7] [FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "journeys" / "premier_banking.journey"

#: Libraries ``journey check`` should not need.
HEAVY = ("numpy", "scipy", "matplotlib", "simpy", "networkx", "pandas")

#: Runs the check, then lists which of HEAVY it imported (after the command has exited).
LIST_HEAVY = """
import sys
sys.argv = ["journey", "check", sys.argv[1]]
try:
    from journeydsl.cli import main
    main()
except SystemExit:
    pass
finally:
    print(" ".join(m for m in HEAVY if m in sys.modules), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


def timed(command: list[str]) -> tuple[float, float]:
    """Wall-clock and processor seconds (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(EXAMPLE), help="the journey to check (default: premier banking)")
    parser.add_argument("--runs", type=int, default=7, help="interleaved runs of each command (default 7)")
    arguments = parser.parse_args()
    python = sys.executable
    commands = {
        "pass": [python, "-c", "pass"],
        "import_click": [python, "-c", "import click"],
        "check": [python, "-m", "journeydsl", "check", arguments.file],
        "help": [python, "-m", "journeydsl", "--help"],
    }
    subprocess.run(commands["check"], capture_output=True, check=False, cwd=ROOT)  # the parser's cache, .pyc files
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(arguments.runs):
        for name, command in commands.items():
            wall, cpu = timed(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    output: dict[str, object] = {}
    for name in commands:
        output[f"{name}_best_s"] = round(min(walls[name]), 3)
        output[f"{name}_median_s"] = round(statistics.median(walls[name]), 3)
        output[f"{name}_cpu_s"] = round(min(cpus[name]), 3)
    output["check_above_python_s"] = round(min(walls["check"]) - min(walls["pass"]), 3)
    output["check_above_python_cpu_s"] = round(min(cpus["check"]) - min(cpus["pass"]), 3)
    listed = subprocess.run(
        [python, "-c", LIST_HEAVY, arguments.file], capture_output=True, text=True, check=False, cwd=ROOT
    )
    output["check_imports"] = listed.stderr.split()
    output["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(output))


if __name__ == "__main__":
    main()
