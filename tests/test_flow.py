"""journeydsl.lang.flow answers the checks' three flow questions as journeydsl.lang.graph does, without networkx.

Compared on every example, every invalid fixture that reads, and 300 seeded random stage graphs (0%
moves, moves only under a condition, repeat purchases, explicit drop-offs, undefined targets, stages
named twice, goals here and there), so that the checks can use either.
"""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from journeydsl.lang import graph as journey_graph
from journeydsl.lang.flow import StageFlow
from journeydsl.lang.loader import load_file, load_text

from .conftest import EXAMPLES, ROOT

FIXTURES = sorted((ROOT / "tests" / "fixtures" / "invalid").glob("*.journey"))


def answers_agree(journey) -> None:
    graph = journey_graph.build_graph(journey)
    flow = StageFlow.of(journey)
    assert flow.reachable() == journey_graph.reachable_stages(graph)
    assert flow.without_way_out() == journey_graph.stages_without_way_out(graph)
    assert flow.loops() == journey_graph.loops(graph)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples(path):
    answers_agree(load_file(path).journey)


def test_invalid_fixtures():
    compared = 0
    for path in FIXTURES:
        loaded = load_file(path)
        if loaded.journey is not None:
            answers_agree(loaded.journey)
            compared += 1
    assert compared >= 50


def random_journey(rng: random.Random) -> str:
    count = rng.randint(1, 7)
    names = [f"s{i}" for i in range(count)]
    if rng.random() < 0.2:
        names.append(rng.choice(names))  # a stage named twice
    lines = ['journey "R" {', "  segment a 50% { }", "  segment b 50% { }"]
    for name in names:
        goal = " goal" if rng.random() < 0.3 else ""
        lines.append(f"  stage {name}{goal} {{ touchpoint t{len(lines)}: staff {{ feel +1 }}")
        for _ in range(rng.randint(0, 3)):
            target = rng.choice([*names, "exit", "nowhere"])
            repeat = "repeat " if rng.random() < 0.2 else ""
            shape = rng.random()
            if shape < 0.2:
                move = f"{repeat}-> {target}"
            elif shape < 0.35:
                move = f"{repeat}-> {target} 0%, 100% if segment a"
            elif shape < 0.45:
                move = f"{repeat}-> {target} 0%"
            else:
                move = f"{repeat}-> {target} {rng.choice([10, 25, 40, 50, 60, 100])}%"
            lines.append(f"    {move}")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def test_random_stage_graphs():
    rng = random.Random(20261202)
    compared = 0
    for _ in range(300):
        loaded = load_text(random_journey(rng), "random.journey")
        if loaded.journey is not None:
            answers_agree(loaded.journey)
            compared += 1
    assert compared >= 250


def test_importing_it_imports_no_networkx():
    code = "import sys, journeydsl.lang.flow; print('networkx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "False"
