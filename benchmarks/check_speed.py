"""How long journeydsl takes to read, check and compile a large journey.

Generates journeys of 10,000 and 20,000 touchpoints (about 1.3 and 2.6 MB of
realistic text: stages of ten touchpoints with channels, capacities, durations,
costs, effects, performance and transitions; segments and factors), then
parses, checks and compiles each to its graph, and prints one JSON line:

    {"seconds_10000": ..., "cpu_seconds_10000": ..., "seconds_20000": ..., "ratio": ..., "cpu_ratio": ..., ...}

``seconds`` are wall-clock, ``cpu_seconds`` the process's processor time (the
better figure on a machine shared with other work: it leaves out the time the
process waited for a core).  ``ratio`` is ``seconds_20000 / seconds_10000``:
about 2 when every step grows linearly with the size of the journey.  Targets:
under 3 s for 10,000 touchpoints, ratio under 2.1.  ``--phases`` adds the
processor seconds of each phase (one run).  ``--lark-positions`` adds, interleaved with
the parser's own parse and model building, the same with Lark's ``propagate_positions`` (how
positions were kept before they were read from the tokens), best of ``--repeats``:
``parse_lark_positions_10000`` against ``parse_tokens_10000`` and so on.

Usage::

    python3 benchmarks/check_speed.py [--repeats 3] [--phases] [--lark-positions]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journeydsl import api  # noqa: E402

CHANNELS = ("staff", "digital", "environment", "media", "partner", "event", "advertising", "product")
MODULES = ("sense", "feel", "think", "act", "relate")
THEMES = (
    "trust",
    "convenience",
    "promise",
    "respect",
    "autonomy",
    "choice",
    "knowledge",
    "recognition",
    "benefit",
    "identity",
)
FACTORS = ("product", "service", "convenience", "price", "brand", "relationship")


def generate(touchpoints: int, per_stage: int = 10) -> str:
    """A valid journey of ``touchpoints`` touchpoints in stages of ``per_stage``."""
    stages = touchpoints // per_stage
    lines = [
        "# Generated for the check-speed benchmark.",
        'journey "Large generated journey" {',
        "  time unit minutes; horizon 90 days; arrivals poisson 50 per day; seed 1; visit limit 3",
    ]
    lines += [f"  factor {f} expect 7 importance {5 + i % 5} ideal 9" for i, f in enumerate(FACTORS)]
    lines += [
        "  segment regulars 60% { patience 10 min; expect service 8; sensitivity feel 1.2; value 120; tier A }",
        "  segment newcomers 40% { patience 5 min; importance price 9; value 60; tier B }",
    ]
    for s in range(stages):
        last = s == stages - 1
        lines.append(
            f"  stage s{s} ({('pre-purchase', 'purchase', 'post-purchase')[s % 3]}){' goal' if last else ''} {{"
        )
        for t in range(per_stage):
            n = s * per_stage + t
            channel = CHANNELS[n % len(CHANNELS)]
            capacity = f" capacity {1 + n % 4}" if channel == "staff" else ""
            lines.append(
                f"    touchpoint t{n}: {channel}{capacity} duration exponential({1 + n % 7} min) cost {n % 5} {{\n"
                f"      {MODULES[n % 5]} +{1 + n % 3}; theme {THEMES[n % 10]} +1\n"
                f"      performance {FACTORS[n % 6]} {5 + n % 5}\n"
                f"    }}"
            )
        if not last:
            lines.append(f"    -> s{s + 1} 80%")
            if s > 0:
                lines.append(f"    -> s{s - 1} 10%")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def measure(text: str, repeats: int, phases: bool) -> dict[str, float]:
    """Best-of-``repeats`` seconds (wall-clock and processor) to check and compile ``text`` (and per phase if asked)."""
    import gc

    best = best_cpu = float("inf")
    for _ in range(repeats):
        gc.collect()  # each run starts from the same heap, as a fresh `journey check` does
        start, start_cpu = time.perf_counter(), time.process_time()
        result = api.check_text(text, "large.journey")
        if not result.ok:
            raise SystemExit(f"the generated journey has errors: {result.diagnostics[:3]}")
        api.compile_graph(result.journey)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
        del result  # not alive during the next run (it would double the heap the next run works in)
    figures = {"seconds": best, "cpu_seconds": best_cpu}
    if phases:
        from journeydsl.lang.checks import run_checks
        from journeydsl.lang.parser import parse_text
        from journeydsl.lang.transform import to_document

        gc.disable()  # as check_text does
        t0 = time.process_time()
        tree, _ = parse_text(text, "large.journey")
        t1 = time.process_time()
        document = to_document(tree, "large.journey", text)
        t2 = time.process_time()
        run_checks(document.body)
        t3 = time.process_time()
        api.compile_graph(document.body)
        t4 = time.process_time()
        gc.enable()
        figures.update(parse=t1 - t0, transform=t2 - t1, checks=t3 - t2, graph=t4 - t3)
    return figures


def positions(text: str, repeats: int) -> dict[str, float]:
    """Best-of-``repeats`` processor seconds to parse ``text`` and build its model, positions from tokens or Lark's."""
    import gc

    from lark import Lark

    from journeydsl.lang.parser import grammar_path, journey_parser
    from journeydsl.lang.transform import to_document

    grammar = grammar_path().read_text(encoding="utf-8")
    parsers = {
        "tokens": journey_parser(),
        "lark_positions": Lark(
            grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False
        ),
    }
    best: dict[str, float] = {}
    for _ in range(repeats):
        for name, parser in parsers.items():
            gc.collect()
            gc.disable()
            t0 = time.process_time()
            tree = parser.parse(text)
            t1 = time.process_time()
            to_document(tree, "large.journey", text)
            t2 = time.process_time()
            del tree
            gc.enable()
            best[f"parse_{name}"] = min(best.get(f"parse_{name}", float("inf")), t1 - t0)
            best[f"transform_{name}"] = min(best.get(f"transform_{name}", float("inf")), t2 - t1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument("--phases", action="store_true", help="also time parse, transform, checks and graph separately")
    parser.add_argument(
        "--lark-positions", action="store_true", help="also parse with Lark's propagate_positions, interleaved"
    )
    arguments = parser.parse_args()
    api.check_text('journey "warm-up" { stage a goal { touchpoint t: staff { feel +1 } } }')
    output: dict[str, float] = {}
    for size in (10_000, 20_000):
        text = generate(size)
        figures = measure(text, arguments.repeats, arguments.phases)
        output[f"seconds_{size}"] = round(figures.pop("seconds"), 3)
        output[f"cpu_seconds_{size}"] = round(figures.pop("cpu_seconds"), 3)
        output[f"mb_{size}"] = round(len(text.encode()) / 1e6, 2)
        output.update({f"{phase}_{size}": round(value, 3) for phase, value in figures.items()})
        if arguments.lark_positions:
            compared = positions(text, arguments.repeats)
            output.update({f"{phase}_{size}": round(value, 3) for phase, value in compared.items()})
    output["ratio"] = round(output["seconds_20000"] / output["seconds_10000"], 3)
    output["cpu_ratio"] = round(output["cpu_seconds_20000"] / output["cpu_seconds_10000"], 3)
    print(json.dumps(output))


if __name__ == "__main__":
    main()
