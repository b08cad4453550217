"""Design tests: what a design must achieve, written next to it, checked and measured.

``expect nps > 30``, ``expect drop_rate of stage advice < 20%`` or
``expect "printer in office" beats baseline on remembered_experience``.
:func:`journeydsl.lang.design_test_checks.check_design_tests` reports tests that name unknown things;
:func:`run_tests` simulates the designs the tests need (with common random
numbers, see :mod:`journeydsl.analysis.compare`) and gives each test a verdict:

- ``passed`` when the whole 95% interval of the measured value satisfies it,
- ``failed`` when the whole interval violates it,
- ``inconclusive`` when the interval straddles the threshold: more customers
  or replications will tell.

Figures without an interval (counts, waits) are judged on their value alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .._version import __version__
from ..lang.designs import BASELINE, resolve
from ..lang.model import DesignTest, Journey
from ..sim.results import Document, provenance, rounded
from ..sim.runner import Design, Runner
from ..sim.settings import RunSettings
from .compare import LOWER_IS_BETTER, run_and_compare

__all__ = ["SCHEMA", "run_tests"]

SCHEMA = "journeydsl.tests/1"

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def run_tests(
    journey: Journey,
    settings: RunSettings,
    runner: Runner,
    progress: Callable[[float], None] | None = None,
) -> Document:
    """Simulate what the design tests need and judge each one.

    Parameters
    ----------
    journey : Journey
        The journey as written, with its variants and design tests.
    settings : RunSettings
        How to run every design the tests name.
    runner : Runner
        Runs the designs; a design it ran before with the same settings is not run again.
    progress : callable, optional
        Called with the finished share of the runs.

    Returns
    -------
    dict
        The ``journeydsl.tests/1`` document: one entry per test with the
        measured value, its interval and the verdict, and the counts.
    """
    settings = settings.resolved(journey.seed)
    tests = journey.design_tests
    needed = [BASELINE] + sorted({t.design for t in tests if t.kind == "value" and t.design} - {BASELINE})
    pairs = sorted({(t.rival, t.design) for t in tests if t.kind == "beats" and t.rival and t.design})
    paired = settings.replications == 1
    runs = 1 + len(pairs)
    done = 0

    def step(share: float) -> None:
        if progress is not None:
            progress((done + share) / runs)

    outcomes = runner.run(
        [Design(name, _design(journey, name)) for name in needed], settings, paired=paired, progress=step
    )
    results = {outcome.design: outcome.results for outcome in outcomes}
    done = 1
    duels = {}
    for rival, design in pairs:
        _, duels[(rival, design)] = run_and_compare(
            runner,
            [Design(rival, _design(journey, rival)), Design(design, _design(journey, design))],
            settings,
            progress=step,
        )
        done += 1
    entries = [_judge(test, results, duels) for test in tests]
    counts = {
        verdict: sum(1 for e in entries if e["verdict"] == verdict) for verdict in ("passed", "failed", "inconclusive")
    }
    baseline = results[BASELINE]
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": baseline["journey"],
        "seed": settings.master_seed,
        "customers": baseline["customers"],
        "replications": settings.replications,
        "tests": entries,
        **counts,
        **provenance(settings, journey.source_sha256),
    }


def _design(journey: Journey, name: str) -> Journey:
    resolved = resolve(journey, name)
    if resolved.journey is None:
        raise ValueError(f"design `{name}` cannot be resolved")
    return resolved.journey


def _judge(test: DesignTest, results: dict, duels: dict) -> Document:
    entry: Document = {
        "text": test.text,
        "file": test.span.file,
        "line": test.span.line,
        "kind": test.kind,
        "design": test.design,
        "metric": test.metric,
        "scope": test.scope,
        "scope_name": test.scope_name,
    }
    if test.kind == "beats":
        duel = duels[(test.rival, test.design)]
        change = duel["differences"][test.design]["metrics"][test.metric]
        lower = test.metric in LOWER_IS_BETTER
        low, high = change["ci95"]
        better = high < 0 if lower else low > 0
        worse = low >= 0 if lower else high <= 0
        verdict = "passed" if better else "failed" if worse else "inconclusive"
        entry.update(
            rival=test.rival,
            measured={"mean": change["mean"], "ci95": change["ci95"]},
            threshold=0.0,
            operator="<" if lower else ">",
            verdict=verdict,
        )
    else:
        if test.design is None or test.operator is None or test.threshold is None:
            raise ValueError(f"the design test at {test.span} is incomplete")
        measured = _measure(test, results[test.design])
        compare_ = _COMPARE[test.operator]
        mean, interval = measured["mean"], measured.get("ci95")
        if interval is None:
            verdict = "passed" if compare_(mean, test.threshold) else "failed"
        else:
            low, high = interval
            holds_low, holds_high = compare_(low, test.threshold), compare_(high, test.threshold)
            verdict = (
                "passed" if holds_low and holds_high else "failed" if not (holds_low or holds_high) else "inconclusive"
            )
            if test.operator in ("==", "!="):
                verdict = "passed" if compare_(mean, test.threshold) else "failed"
        entry.update(measured=measured, threshold=test.threshold, operator=test.operator, verdict=verdict)
    if entry["verdict"] == "inconclusive":
        entry["hint"] = "the 95% interval straddles the threshold: simulate more customers or replications"
    return entry


def _measure(test: DesignTest, result: dict) -> Document:
    if test.scope is None:
        if test.metric == "profit":
            metrics = result["metrics"]
            revenue, cost = metrics["revenue_per_customer"], metrics["cost_per_customer"]
            half = math.hypot((revenue["ci95"][1] - revenue["ci95"][0]) / 2, (cost["ci95"][1] - cost["ci95"][0]) / 2)
            mean = revenue["mean"] - cost["mean"]
            return {"mean": rounded(mean), "ci95": [rounded(mean - half), rounded(mean + half)]}
        return dict(result["metrics"][test.metric])
    if test.scope == "segment":
        return dict(result["segments"][test.scope_name]["metrics"][test.metric])
    if test.scope == "stage":
        stage = result["stages"][test.scope_name]
        if test.metric == "drop_rate":
            return {"mean": stage["drop_rate"], "ci95": _wilson(stage["dropped"], stage["entered"])}
        return {"mean": stage[test.metric], "ci95": None}
    touchpoint = result["touchpoints"][test.scope_name]
    value = touchpoint[test.metric]
    return {"mean": 0.0 if value is None else value, "ci95": None}


def _wilson(successes: int, trials: int) -> list[float] | None:
    """The Wilson 95% interval of a proportion (Wilson 1927)."""
    if trials <= 0:
        return None
    z = 1.959963984540054
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return [rounded(max(0.0, centre - half)), rounded(min(1.0, centre + half))]
