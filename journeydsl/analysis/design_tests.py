"""Design tests: what a design must achieve, written next to it, checked and measured.

``expect nps > 30``, ``expect drop_rate of stage advice < 20%``,
``expect "printer in office" beats baseline on remembered_experience``,
``expect "printer in office" beats baseline on nps by at least 5`` or
``expect tablet matches "printing tablet" on satisfaction within 0.3``.
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

Two designs are compared on the paired difference ``design - rival`` (lower
is better for :data:`~journeydsl.lang.decisions.LOWER_IS_BETTER` metrics, so
there the improvement is ``rival - design``):

- ``beats`` passes when the 95% interval of the improvement lies above 0 and
  fails when it lies at or below 0;
- ``beats ... by at least X`` passes when the whole 95% interval of the
  improvement is at least ``X``, fails when the whole interval is below ``X``;
- ``matches ... within X`` is a test of equivalence by two one-sided tests at
  5% each (Schuirmann 1987): it passes when the 90% interval of the
  difference lies within ``(-X, +X)``, and fails when the 95% interval lies
  wholly outside it (at or beyond ``+X``, or at or below ``-X``): the designs
  then differ by at least the margin.

Figures without an interval (counts, waits) are judged on their value alone.
A design that counted no customer at all cannot be tested: the simulation
raises :class:`~journeydsl.sim.errors.NoCustomersError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import NamedTuple

from .._version import __version__
from ..lang.decisions import LOWER_IS_BETTER, margin_value
from ..lang.designs import BASELINE, resolve
from ..lang.model import DesignTest, Journey, Quantity
from ..lang.units import to_time_unit
from ..sim.metrics import Collector, Moments
from ..sim.results import Document, Estimate, interval, provenance, rounded, wilson
from ..sim.runner import Design, Outcome, Runner
from ..sim.settings import RunSettings
from .compare import difference, run_and_compare

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
    pairs = sorted({(t.rival, t.design) for t in tests if t.kind in _DUELS and t.rival and t.design})
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
    settings = outcomes[0].settings  # with a precision, as settled: the duels run as many replications
    done = 1
    duels = {}
    for rival, design in pairs:
        duel_outcomes, document = run_and_compare(
            runner,
            [Design(rival, _design(journey, rival)), Design(design, _design(journey, design))],
            settings,
            progress=step,
        )
        duels[(rival, design)] = Duel(duel_outcomes[0], duel_outcomes[1], document)
        done += 1
    collectors = {outcome.design: outcome.collectors for outcome in outcomes}
    entries = [_judge(test, results, duels, collectors, journey.time_unit) for test in tests]
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


class Duel(NamedTuple):
    """Two designs run with the same customers for the tests that compare them.

    Attributes
    ----------
    rival, design : Outcome
        The rival's and the design's outcomes.
    comparison : dict
        Their ``journeydsl.comparison/1`` document (``rival`` is its baseline).
    """

    rival: Outcome
    design: Outcome
    comparison: Document


#: The kinds of test that compare two designs.
_DUELS = ("beats", "matches")
#: Touchpoint figures that are averages over its visits: undefined without one.
_PER_VISIT = frozenset({"mean_affect", "sd_affect", "wait_mean", "wait_p95", "peak_share", "end_share"})
_TOO_LITTLE = "too little data for an interval: {}; simulate more customers or replications"


def _judge(
    test: DesignTest,
    results: dict,
    duels: dict[tuple[str, str], Duel],
    collectors: dict[str, list[Collector]],
    time_unit: str | None,
) -> Document:
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
    hint: str | None = None
    if test.kind in _DUELS:
        if test.rival is None:
            raise ValueError(f"the design test at {test.span} names no rival")
        duel = duels[(test.rival, test.design)]
        change = duel.comparison["differences"][test.design]["metrics"][test.metric]
        pairs = change.get("customers")
        if pairs is not None and pairs < 2:
            scarce = f"{pairs} customer{'' if pairs == 1 else 's'} went through both designs"
        margin = None if test.margin is None else margin_value(test.metric, test.margin, test.margin_unit, time_unit)
        if test.kind == "matches":
            judged = _equivalence(test.metric, change, difference(duel.rival, duel.design, test.metric), margin)
        else:
            judged = _superiority(test.metric, change, margin, duel.comparison["minimal_differences"])
        entry.update(rival=test.rival, margin=margin, **judged.entry)
        hint = judged.hint
    else:
        if test.design is None or test.operator is None or test.threshold is None:
            raise ValueError(f"the design test at {test.span} is incomplete")
        result = results[test.design]
        measured = _measure(test, result, collectors[test.design])
        scarce = _scarce(test, result)
        compare_ = _COMPARE[test.operator]
        threshold = test.threshold
        if test.threshold_unit is not None:  # a time such as `< 5 min`, in the unit the journey measures times in
            threshold = to_time_unit(Quantity(threshold, test.threshold_unit), time_unit)
        mean, interval = measured["mean"], measured.get("ci95")
        if interval is None:
            verdict = "passed" if compare_(mean, threshold) else "failed"
        else:
            low, high = interval
            holds_low, holds_high = compare_(low, threshold), compare_(high, threshold)
            verdict = (
                "passed" if holds_low and holds_high else "failed" if not (holds_low or holds_high) else "inconclusive"
            )
            if test.operator in ("==", "!="):
                verdict = "passed" if compare_(mean, threshold) else "failed"
        entry.update(measured=measured, threshold=threshold, operator=test.operator, verdict=verdict)
    if scarce is not None:
        entry["verdict"] = "inconclusive"
        entry["hint"] = _TOO_LITTLE.format(scarce)
    elif hint is not None:
        entry["hint"] = hint
    elif entry["verdict"] == "inconclusive":
        entry["hint"] = "the 95% interval straddles the threshold: simulate more customers or replications"
    return entry


class _Judged(NamedTuple):
    """A comparing test's fields of its entry (measured, threshold, operator, verdict) and its hint, if any."""

    entry: Document
    hint: str | None


def _superiority(metric: str, change: Document, margin: float | None, minimal: Document) -> _Judged:
    """``beats``: the improvement's 95% interval above 0, or at least ``margin`` when one is written."""
    lower = metric in LOWER_IS_BETTER
    low, high = change["ci95"]
    # The improvement: the difference itself, or its negative where less is better.
    worst, best = (-high, -low) if lower else (low, high)
    if margin is None:
        verdict = "passed" if worst > 0 else "failed" if best <= 0 else "inconclusive"
        threshold, operator = 0.0, "<" if lower else ">"
    else:
        verdict = "passed" if worst >= margin else "failed" if best < margin else "inconclusive"
        threshold, operator = (-margin, "<=") if lower else (margin, ">=")
    hint = None
    mid = float(minimal[metric]["value"])
    if verdict == "passed" and margin is None and abs(change["mean"]) < mid:
        hint = (
            f"`{metric}` differs by {change['mean']:+.4g}, less than its minimal important difference ({mid:g}): "
            f"write `by at least {mid:g}` to ask for a difference that matters"
        )
    elif verdict == "inconclusive" and margin is not None:
        hint = "the 95% interval of the difference straddles the margin: simulate more customers or replications"
    measured = {"mean": change["mean"], "ci95": change["ci95"]}
    return _Judged({"measured": measured, "threshold": threshold, "operator": operator, "verdict": verdict}, hint)


def _equivalence(metric: str, change: Document, measured: Estimate, margin: float | None) -> _Judged:
    """``matches ... within X``: two one-sided tests at 5% (Schuirmann 1987) on the difference.

    Passes when the 90% interval lies within ``(-X, +X)``; fails when the 95%
    interval lies wholly at or beyond ``+X`` or at or below ``-X``.
    """
    if margin is None:
        raise ValueError(f"a `matches` test of `{metric}` needs a margin")
    low90, high90 = _interval(measured, 0.90)
    low, high = change["ci95"]
    if -margin < low90 and high90 < margin:
        verdict = "passed"
    elif low >= margin or high <= -margin:
        verdict = "failed"
    else:
        verdict = "inconclusive"
    hint = None
    if verdict == "inconclusive":
        hint = (
            "the 90% interval of the difference reaches beyond the margin and the 95% interval is not wholly "
            "outside it: simulate more customers or replications"
        )
    entry = {
        "measured": {"mean": change["mean"], "ci95": change["ci95"], "ci90": [low90, high90]},
        "threshold": margin,
        "operator": "within",
        "verdict": verdict,
    }
    return _Judged(entry, hint)


def _interval(measured: Estimate, confidence: float) -> list[float]:
    """The two-sided interval at ``confidence``: Student's t with the estimate's degrees of freedom, else normal."""
    upper = 0.5 + confidence / 2
    if measured.df is None:
        quantile = NormalDist().inv_cdf(upper)
    else:
        from ..sim.quantiles import t_quantile  # no SciPy: its import takes a second

        quantile = t_quantile(measured.df, upper)
    half = quantile * measured.stderr
    return [rounded(measured.mean - half), rounded(measured.mean + half)]


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
