"""Design tests: what a design must achieve, written next to it, checked and measured.

``expect nps > 30``, ``expect drop_rate of stage advice < 20%`` or
``expect "printer in office" beats baseline on remembered_experience``.
:func:`journeydsl.lang.design_test_checks.check_design_tests` reports tests that name unknown things;
:func:`run_tests` simulates the designs the tests need (with common random
numbers, see :mod:`journeydsl.analysis.compare`) and gives each test a verdict:

- ``passed`` when the whole 95% interval of the measured value satisfies it,
- ``failed`` when the whole interval violates it,
- ``inconclusive`` when the interval straddles the threshold: more customers
  or replications will tell; and when there is too little data for an
  interval: fewer than two customers in what the test measures (the journey,
  a segment, the pairs of customers of a comparison), no customer entering
  the stage of a drop rate, no visit of the touchpoint whose affect or wait
  is measured, or a utilisation of a touchpoint without a capacity.  A test
  never passes on no data.

Figures without an interval (counts, waits) are judged on their value alone.
A design that counted no customer at all cannot be tested: the simulation
raises :class:`~journeydsl.sim.results.NoCustomersError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .._version import __version__
from ..lang.designs import BASELINE, resolve
from ..lang.model import DesignTest, Journey
from ..sim.metrics import Collector, Moments
from ..sim.results import Document, interval, provenance, rounded, wilson
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
    collectors = {outcome.design: outcome.collectors for outcome in outcomes}
    entries = [_judge(test, results, duels, collectors) for test in tests]
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


#: Touchpoint figures that are averages over its visits: undefined without one.
_PER_VISIT = frozenset({"mean_affect", "sd_affect", "wait_mean", "wait_p95", "peak_share", "end_share"})
_TOO_LITTLE = "too little data for an interval: {}; simulate more customers or replications"


def _judge(test: DesignTest, results: dict, duels: dict, collectors: dict[str, list[Collector]]) -> Document:
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
    scarce: str | None = None
    if test.kind == "beats":
        duel = duels[(test.rival, test.design)]
        change = duel["differences"][test.design]["metrics"][test.metric]
        lower = test.metric in LOWER_IS_BETTER
        low, high = change["ci95"]
        better = high < 0 if lower else low > 0
        worse = low >= 0 if lower else high <= 0
        verdict = "passed" if better else "failed" if worse else "inconclusive"
        pairs = change.get("customers")
        if pairs is not None and pairs < 2:
            scarce = f"{pairs} customer{'' if pairs == 1 else 's'} went through both designs"
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
        result = results[test.design]
        measured = _measure(test, result, collectors[test.design])
        scarce = _scarce(test, result)
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
    if scarce is not None:
        entry["verdict"] = "inconclusive"
        entry["hint"] = _TOO_LITTLE.format(scarce)
    elif entry["verdict"] == "inconclusive":
        entry["hint"] = "the 95% interval straddles the threshold: simulate more customers or replications"
    return entry


def _scarce(test: DesignTest, result: dict) -> str | None:
    """What is missing for a value test to be judged, or ``None`` when there is enough data."""
    if test.scope is None:
        customers = result["customers"]
        return f"the design counted {customers} customer" if customers < 2 else None
    if test.scope == "segment":
        customers = result["segments"][test.scope_name]["customers"]
        if customers < 2:
            return f"segment `{test.scope_name}` counted {customers} customer{'' if customers == 1 else 's'}"
        return None
    if test.scope == "episode":
        customers = result["episodes"][test.scope_name]["customers"]
        if customers < 2 and test.metric != "customers":
            return f"{customers} customer{'' if customers == 1 else 's'} went through episode `{test.scope_name}`"
        return None
    if test.scope == "stage":
        if test.metric == "drop_rate" and not result["stages"][test.scope_name]["entered"]:
            return f"no customer entered stage `{test.scope_name}`"
        return None
    touchpoint = result["touchpoints"][test.scope_name]
    if test.metric == "utilisation" and touchpoint["utilisation"] is None:
        return f"touchpoint `{test.scope_name}` has no capacity, so no utilisation"
    if test.metric in _PER_VISIT and not touchpoint["visits"]:
        return f"no customer met touchpoint `{test.scope_name}`"
    return None


def _measure(test: DesignTest, result: dict, collectors: list[Collector]) -> Document:
    if test.scope is None:
        if test.metric == "profit":
            return _profit(collectors)
        return dict(result["metrics"][test.metric])
    if test.scope == "segment":
        return dict(result["segments"][test.scope_name]["metrics"][test.metric])
    if test.scope == "episode":
        episode = result["episodes"][test.scope_name]
        if test.metric == "customers":
            return {"mean": float(episode["customers"]), "ci95": None}
        figure = episode[test.metric]
        return dict(figure) if figure else {"mean": 0.0, "ci95": None}
    if test.scope == "stage":
        stage = result["stages"][test.scope_name]
        if test.metric == "drop_rate":
            return {"mean": stage["drop_rate"], "ci95": _wilson(stage["dropped"], stage["entered"])}
        return {"mean": stage[test.metric], "ci95": None}
    touchpoint = result["touchpoints"][test.scope_name]
    value = touchpoint[test.metric]
    return {"mean": 0.0 if value is None else value, "ci95": None}


def _profit(collectors: list[Collector]) -> Document:
    """Revenue minus cost per customer, with its interval: Student's t over the replications' profits
    when several counted customers, else from the two standard errors (taken as independent)."""
    counted = [c for c in collectors if c.customers]
    if len(counted) > 1:
        profits = Moments()
        for c in counted:
            profits.add(c.metric("revenue_per_customer").mean - c.metric("cost_per_customer").mean)
        return interval(profits.mean, profits.stderr, profits.n - 1)
    revenue = counted[0].metric("revenue_per_customer") if counted else Moments()
    cost = counted[0].metric("cost_per_customer") if counted else Moments()
    return interval(revenue.mean - cost.mean, math.hypot(revenue.stderr, cost.stderr), None)


def _wilson(successes: int, trials: int) -> list[float] | None:
    """The Wilson 95% interval of a proportion (Wilson 1927)."""
    if trials <= 0:
        return None
    low, high = wilson(successes / trials, trials)
    return [rounded(low), rounded(high)]
