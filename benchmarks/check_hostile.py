"""How ``check`` scales on input made to be slow: many undefined names, deep ``extends`` chains.

Two families of journeys, each at three sizes that double:

- ``undefined_N``: N stages, each with a transition to a stage that does not exist (N JD101
  errors, each looking for a did-you-mean hint among N stage names; quadratic before the hints
  got a budget);
- ``extends_N``: a chain of N variants, each extending the one before (every variant resolved and
  checked; superlinear before resolved variants were remembered).

It checks each journey (``api.check_text``, best of ``--repeats``) and prints one JSON line of
seconds and of the ratio of each size to the one before: about 2 (or below) when ``check`` grows
linearly with the input::

    {"undefined_1000": ..., "undefined_2000": ..., "undefined_4000": ..., "undefined_ratios": [...],
     "extends_300": ..., "extends_600": ..., "extends_1200": ..., "extends_ratios": [...]}

Usage::

    python3 benchmarks/check_hostile.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journeydsl import api  # noqa: E402

UNDEFINED = (1_000, 2_000, 4_000)
EXTENDS = (300, 600, 1_200)


def undefined_targets(stages: int) -> str:
    """A journey of ``stages`` stages, each with a transition to a stage that does not exist."""
    lines = ['journey "Undefined targets" {']
    for s in range(stages):
        goal = " goal" if s == 0 else ""
        lines.append(f"  stage stage_{s}{goal} {{ touchpoint t{s}: staff {{ feel +1 }} -> target_{s} 50% }}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def extends_chain(depth: int) -> str:
    """A valid journey whose ``depth`` variants each extend the one before."""
    lines = [
        'journey "Extends chain" {',
        "  stage a goal { touchpoint t: staff capacity 1 { feel +1 } }",
        '  variant "v0" { change t capacity 2 }',
    ]
    lines += [f'  variant "v{i}" extends "v{i - 1}" {{ change t capacity {1 + i % 5} }}' for i in range(1, depth)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def seconds(text: str, repeats: int, errors: int) -> float:
    """Best-of-``repeats`` seconds to check ``text``, which must give ``errors`` errors."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = api.check_text(text, "hostile.journey")
        best = min(best, time.perf_counter() - start)
        found = sum(d.is_error for d in result.diagnostics)
        if found != errors:
            raise SystemExit(f"expected {errors} errors, got {found}: {result.diagnostics[:3]}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    arguments = parser.parse_args()
    api.check_text('journey "warm-up" { stage a goal { touchpoint t: staff { feel +1 } } }')
    output: dict[str, object] = {}
    for family, sizes, make, errors in (
        ("undefined", UNDEFINED, undefined_targets, lambda n: n),
        ("extends", EXTENDS, extends_chain, lambda n: 0),
    ):
        figures = [seconds(make(size), arguments.repeats, errors(size)) for size in sizes]
        output.update({f"{family}_{size}": round(value, 3) for size, value in zip(sizes, figures, strict=True)})
        output[f"{family}_ratios"] = [round(b / a, 2) for a, b in zip(figures, figures[1:], strict=False)]
    print(json.dumps(output))


if __name__ == "__main__":
    main()
