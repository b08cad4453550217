"""A journey checked against what customers did: simulated visits compared with an event log.

:func:`compare_log` takes the simulator's trace rows (one per touchpoint visit,
:class:`journeydsl.sim.engine.TraceRow`) and an :class:`~journeydsl.data.logs.EventLog`,
matches the log's activities to the journey's touchpoints by name (``rename``
maps other names), and returns the ``journeydsl.validation/1`` document
(``journeydsl/schemas/validation.schema.json``) with four tests:

``reach``
    The share of cases visiting each stage and each touchpoint.  A case visits
    several touchpoints, so the visits are not one multinomial draw and one
    chi-square over all the counts would not be valid; each stage and
    touchpoint gets its own 2x2 chi-square test of homogeneity (visited or not,
    observed or simulated; without continuity correction, the same as the
    two-proportion z test), with the Holm correction over all of them.  Effect:
    the difference of the shares.
``durations``
    Time in journey (first event to last end of a case) and each touchpoint's
    duration (an event's start to its end): two-sample Kolmogorov-Smirnov tests
    (Holm-corrected) and, for reference, the k-sample Anderson-Darling test
    (more sensitive in the tails; its p-value is capped by SciPy to
    0.001..0.25).  Effect: the KS distance D.  Needs :data:`MIN_SAMPLE` values on
    each side.
``arrivals``
    When cases begin, by hour of day and by weekday: a chi-square test of the
    counts per bin.  Effect: the total variation distance of the shares
    (half the sum of the absolute differences).
``paths``
    The ten most frequent observed touchpoint sequences (variants), and all
    others as one category: a chi-square test of the counts.  Effect: the total
    variation distance.

Each test item matches when its (corrected) p-value is at least the level
(default :data:`DEFAULT_LEVEL`, 0.01: there are many tests, so a stricter level
than 0.05 keeps false alarms down) **or** its effect is below a practical
tolerance (:data:`DEFAULT_TOLERANCES`): with thousands of cases a difference
of half a percentage point is significant, and no designer would change a
journey for it.  A test fails ("differs") when any of its items does.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from .._version import __version__
from ..data.logs import EventLog
from ..lang.diagnostics import did_you_mean
from ..lang.model import Journey
from ..lang.units import DEFAULT_TIME_UNIT, unit_seconds

__all__ = [
    "DEFAULT_LEVEL",
    "DEFAULT_TOLERANCES",
    "MIN_SAMPLE",
    "SCHEMA",
    "TESTS",
    "compare_log",
    "holm",
]

SCHEMA = "journeydsl.validation/1"

#: The tests, in the order they are shown.
TESTS: tuple[str, ...] = ("reach", "durations", "arrivals", "paths")

#: The significance level of every test.
DEFAULT_LEVEL = 0.01

#: Effects below these match whatever the p-value: reach 5 percentage points, a KS distance of 0.1,
#: a total variation distance of 0.1 between arrival profiles or path shares.
DEFAULT_TOLERANCES: Mapping[str, float] = {"reach": 0.05, "durations": 0.1, "arrivals": 0.1, "paths": 0.1}

#: Values needed on each side before durations are tested.
MIN_SAMPLE = 10

#: How many observed path variants are compared.
TOP_PATHS = 10

#: The probabilities at which the quantiles of durations are kept (for QQ plots).
QUANTILES: tuple[float, ...] = tuple(round(0.02 * i, 2) for i in range(1, 50))

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (step-down, monotone, at most 1).

    Examples
    --------
    >>> [round(p, 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _verdict(p_value: float | None, effect: float | None, level: float, tolerance: float) -> str:
    if p_value is None or effect is None:
        return "too few"
    return "matches" if p_value >= level or effect < tolerance else "differs"


def _contingency(observed: Sequence[int], simulated: Sequence[int]) -> tuple[float, float]:
    """Chi-square statistic and p-value of a 2 x k table (columns empty on both sides dropped)."""
    from scipy.stats import chi2_contingency

    columns = [(a, b) for a, b in zip(observed, simulated, strict=True) if a + b > 0]
    if len(columns) < 2 or sum(a for a, _ in columns) == 0 or sum(b for _, b in columns) == 0:
        return 0.0, 1.0
    table = [[a for a, _ in columns], [b for _, b in columns]]
    result = chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue)


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


# ---- the two samples -------------------------------------------------------------------


class _Cases:
    """Cases as what the tests need: visited names, durations, start times and paths."""

    def __init__(self) -> None:
        self.count = 0
        self.visited: Counter[str] = Counter()
        self.stages: Counter[str] = Counter()
        self.durations: dict[str, list[float]] = defaultdict(list)
        self.journey_times: list[float] = []
        self.starts: list[datetime] = []
        self.paths: Counter[tuple[str, ...]] = Counter()
        self.visits = 0

    def add(
        self,
        path: Sequence[str],
        stages: Iterable[str],
        durations: Iterable[tuple[str, float]],
        start: datetime,
        journey_time: float,
    ) -> None:
        self.count += 1
        self.visits += len(path)
        self.visited.update(set(path))
        self.stages.update(set(stages))
        for name, duration in durations:
            self.durations[name].append(duration)
        self.journey_times.append(journey_time)
        self.starts.append(start)
        self.paths[tuple(path)] += 1


def _simulated_cases(rows: Iterable[Sequence[Any]], start: datetime, unit: float) -> _Cases:
    grouped: dict[tuple[int, int, int], list[Sequence[Any]]] = defaultdict(list)
    for row in rows:
        grouped[(row[0], row[1], row[3])].append(row)
    cases = _Cases()
    for key in sorted(grouped, key=lambda k: (min(r[7] + r[8] for r in grouped[k]), k)):
        visits = sorted(grouped[key], key=lambda r: r[7] + r[8])
        begin = visits[0][7] + visits[0][8]
        end = max(r[7] + r[8] + (0.0 if r[12] else r[9]) for r in visits)
        cases.add(
            [str(r[5]) for r in visits],
            [str(r[4]) for r in visits if r[4]],
            [(str(r[5]), float(r[9])) for r in visits if not r[12]],
            start + timedelta(seconds=begin * unit),
            end - begin,
        )
    return cases


def _observed_cases(log: EventLog, rename: Mapping[str, str], stage_of: Mapping[str, set[str]], unit: float) -> _Cases:
    cases = _Cases()
    for case in log.cases:
        path = [rename.get(event.activity, event.activity) for event in case.events]
        durations = [
            (name, event.duration.total_seconds() / unit)
            for name, event in zip(path, case.events, strict=True)
            if event.duration is not None
        ]
        stages = [stage for name in path for stage in stage_of.get(name, ())]
        cases.add(path, stages, durations, case.start, (case.end - case.start).total_seconds() / unit)
    return cases


# ---- the tests ---------------------------------------------------------------------------


def _reach(
    journey: Journey, observed: _Cases, simulated: _Cases, level: float, tolerance: float
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    names: list[tuple[str, str, Counter[str], Counter[str]]] = [
        ("stage", stage.name, observed.stages, simulated.stages) for stage in journey.stages
    ]
    seen: set[str] = set()
    for touchpoint in [*(t for stage in journey.stages for t in stage.touchpoints()), *journey.care]:
        if touchpoint.name not in seen:
            seen.add(touchpoint.name)
            names.append(("touchpoint", touchpoint.name, observed.visited, simulated.visited))
    p_values = []
    for kind, name, seen_observed, seen_simulated in names:
        a, b = seen_observed[name], seen_simulated[name]
        statistic, p_value = _contingency([a, observed.count - a], [b, simulated.count - b])
        share_observed = a / observed.count if observed.count else 0.0
        share_simulated = b / simulated.count if simulated.count else 0.0
        p_values.append(p_value)
        items.append(
            {
                "kind": kind,
                "name": name,
                "n_observed": observed.count,
                "n_simulated": simulated.count,
                "observed": share_observed,
                "simulated": share_simulated,
                "statistic": statistic,
                "p_value": p_value,
                "effect": share_simulated - share_observed,
            }
        )
    for item, adjusted in zip(items, holm(p_values), strict=True):
        item["p_adjusted"] = adjusted
        item["verdict"] = _verdict(adjusted, abs(item["effect"]), level, tolerance)
    return items


def _quantiles(values: Sequence[float]) -> list[float]:
    ordered = sorted(values)
    if not ordered:
        return []
    last = len(ordered) - 1
    out = []
    for probability in QUANTILES:
        position = probability * last
        low = int(math.floor(position))
        high = min(low + 1, last)
        out.append(ordered[low] + (ordered[high] - ordered[low]) * (position - low))
    return out


def _anderson(observed: Sequence[float], simulated: Sequence[float]) -> dict[str, float] | None:
    from scipy.stats import anderson_ksamp

    if len(set(observed) | set(simulated)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = anderson_ksamp([list(observed), list(simulated)], variant="midrank")
        except TypeError:  # SciPy before 1.17 has no variant
            result = anderson_ksamp([list(observed), list(simulated)])
        except ValueError:
            return None
    return {"statistic": _finite(float(result.statistic)), "p_value": float(result.pvalue)}


def _durations(
    journey: Journey, observed: _Cases, simulated: _Cases, level: float, tolerance: float
) -> list[dict[str, Any]]:
    from scipy.stats import ks_2samp

    samples: list[tuple[str, str, list[float], list[float]]] = [
        ("journey", "time in journey", observed.journey_times, simulated.journey_times)
    ]
    seen: set[str] = set()
    for touchpoint in [*(t for stage in journey.stages for t in stage.touchpoints()), *journey.care]:
        if touchpoint.name not in seen:
            seen.add(touchpoint.name)
            samples.append(
                (
                    "touchpoint",
                    touchpoint.name,
                    observed.durations[touchpoint.name],
                    simulated.durations[touchpoint.name],
                )
            )
    items: list[dict[str, Any]] = []
    tested: list[int] = []
    for kind, name, left, right in samples:
        item: dict[str, Any] = {
            "kind": kind,
            "name": name,
            "n_observed": len(left),
            "n_simulated": len(right),
            "statistic": None,
            "p_value": None,
            "p_adjusted": None,
            "effect": None,
            "anderson_darling": None,
            "median_observed": _quantiles(left)[24] if left else None,
            "median_simulated": _quantiles(right)[24] if right else None,
            "quantiles": {
                "probabilities": list(QUANTILES),
                "observed": _quantiles(left),
                "simulated": _quantiles(right),
            },
        }
        if len(left) >= MIN_SAMPLE and len(right) >= MIN_SAMPLE:
            result = ks_2samp(left, right)
            item["statistic"] = float(result.statistic)
            item["p_value"] = float(result.pvalue)
            item["effect"] = float(result.statistic)
            item["anderson_darling"] = _anderson(left, right)
            tested.append(len(items))
        items.append(item)
    adjusted = holm([items[i]["p_value"] for i in tested])
    for index, p_value in zip(tested, adjusted, strict=True):
        items[index]["p_adjusted"] = p_value
    for item in items:
        item["verdict"] = _verdict(item["p_adjusted"], item["effect"], level, tolerance)
    return items


def _profile(
    name: str, labels: Sequence[str], observed: Sequence[int], simulated: Sequence[int], level: float, tolerance: float
) -> dict[str, Any]:
    n_observed, n_simulated = sum(observed), sum(simulated)
    shares_observed = [count / n_observed if n_observed else 0.0 for count in observed]
    shares_simulated = [count / n_simulated if n_simulated else 0.0 for count in simulated]
    effect = 0.5 * sum(abs(a - b) for a, b in zip(shares_observed, shares_simulated, strict=True))
    if n_observed == 0 or n_simulated == 0:
        statistic: float | None = None
        p_value: float | None = None
        effect_or_none: float | None = None
    else:
        statistic, p_value = _contingency(observed, simulated)
        effect_or_none = effect
    return {
        "kind": "profile",
        "name": name,
        "n_observed": n_observed,
        "n_simulated": n_simulated,
        "statistic": statistic,
        "p_value": p_value,
        "p_adjusted": p_value,
        "effect": effect_or_none,
        "verdict": _verdict(p_value, effect_or_none, level, tolerance),
        "bins": [
            {"label": label, "observed": a, "simulated": b}
            for label, a, b in zip(labels, shares_observed, shares_simulated, strict=True)
        ],
    }


def _arrivals(
    observed: _Cases, simulated: _Cases, zone: tzinfo, level: float, tolerance: float
) -> list[dict[str, Any]]:
    hours_observed, hours_simulated = [0] * 24, [0] * 24
    days_observed, days_simulated = [0] * 7, [0] * 7
    for starts, hours, days in (
        (observed.starts, hours_observed, days_observed),
        (simulated.starts, hours_simulated, days_simulated),
    ):
        for when in starts:
            local = when.astimezone(zone)
            hours[local.hour] += 1
            days[local.weekday()] += 1
    return [
        _profile("hour of day", [f"{h:02d}" for h in range(24)], hours_observed, hours_simulated, level, tolerance),
        _profile("weekday", _WEEKDAYS, days_observed, days_simulated, level, tolerance),
    ]


def _paths(observed: _Cases, simulated: _Cases, level: float, tolerance: float) -> dict[str, Any]:
    top = [path for path, _ in sorted(observed.paths.items(), key=lambda item: (-item[1], item[0]))[:TOP_PATHS]]
    counts_observed = [observed.paths[path] for path in top]
    counts_simulated = [simulated.paths[path] for path in top]
    other_observed = observed.count - sum(counts_observed)
    other_simulated = simulated.count - sum(counts_simulated)
    if other_observed or other_simulated:
        counts_observed.append(other_observed)
        counts_simulated.append(other_simulated)
    labels = [" > ".join(path) for path in top] + ["other"]
    summary = _profile("top paths", labels[: len(counts_observed)], counts_observed, counts_simulated, level, tolerance)
    summary["kind"] = "paths"
    del summary["bins"]
    summary["variants"] = [
        {
            "path": list(path),
            "observed": observed.paths[path],
            "simulated": simulated.paths[path],
            "observed_share": observed.paths[path] / observed.count if observed.count else 0.0,
            "simulated_share": simulated.paths[path] / simulated.count if simulated.count else 0.0,
        }
        for path in top
    ]
    summary["other"] = {
        "observed": other_observed,
        "simulated": other_simulated,
        "observed_share": other_observed / observed.count if observed.count else 0.0,
        "simulated_share": other_simulated / simulated.count if simulated.count else 0.0,
    }
    return summary


def _family(items: Sequence[dict[str, Any]]) -> str:
    verdicts = {item["verdict"] for item in items}
    if "differs" in verdicts:
        return "differs"
    return "matches" if "matches" in verdicts else "too few"


def compare_log(
    journey: Journey,
    log: EventLog,
    rows: Iterable[Sequence[Any]],
    *,
    design: str = "baseline",
    rename: Mapping[str, str] | None = None,
    level: float = DEFAULT_LEVEL,
    tolerances: Mapping[str, float] | None = None,
    start: datetime | None = None,
    zone: tzinfo | None = None,
) -> dict[str, Any]:
    """The ``journeydsl.validation/1`` document: a log compared with simulated visits of ``journey``.

    Parameters
    ----------
    journey : Journey
        The design simulated (its stages, touchpoints and time unit).
    log : EventLog
        What was observed.
    rows : iterable of TraceRow
        The simulated visits (``api.simulate(..., trace=rows.append)``).
    design : str
        The design's name, for the document.
    rename : mapping, optional
        Log activity -> touchpoint name, for activities named otherwise in the log.
    level : float
        The significance level (0 < level < 1).
    tolerances : mapping, optional
        Practical thresholds of the effects per test (:data:`DEFAULT_TOLERANCES` for those not given).
    start : datetime, optional
        The timestamp of simulation time 0 [default: Monday 5 January 2026, 00:00 UTC].
    zone : tzinfo, optional
        The time zone of the arrival profile's hours and weekdays [default: UTC].

    Returns
    -------
    dict
        The document (``journeydsl/schemas/validation.schema.json``).

    Raises
    ------
    ValueError
        For a level outside (0, 1), an unknown test in ``tolerances``, a ``rename`` to no touchpoint,
        or a log or simulation without cases.
    """
    from ..data.simulated import DEFAULT_START

    if not 0.0 < level < 1.0:
        raise ValueError(f"the level must be between 0 and 1, not {level}")
    unknown = set(tolerances or {}) - set(TESTS)
    if unknown:
        raise ValueError(f"no test {', '.join(sorted(unknown))}: the tests are {', '.join(TESTS)}")
    chosen = {**DEFAULT_TOLERANCES, **(tolerances or {})}
    rename = dict(rename or {})
    time_unit = journey.time_unit or DEFAULT_TIME_UNIT
    unit = unit_seconds(time_unit)
    clock = start or DEFAULT_START
    clock = clock if clock.tzinfo else clock.replace(tzinfo=timezone.utc)
    stage_of: dict[str, set[str]] = defaultdict(set)
    for stage in journey.stages:
        for touchpoint in stage.touchpoints():
            stage_of[touchpoint.name].add(stage.name)
    known = {t.name for t in journey.all_touchpoints()} | {t.name for t in journey.care}
    for activity, target in rename.items():
        if target not in known:
            hint = did_you_mean(target, known)
            raise ValueError(
                f"rename maps `{activity}` to `{target}`, which is no touchpoint of the journey"
                + (f": {hint}" if hint else "")
            )
    observed = _observed_cases(log, rename, stage_of, unit)
    simulated = _simulated_cases(rows, clock, unit)
    if observed.count == 0:
        raise ValueError("the log has no cases")
    if simulated.count == 0:
        raise ValueError("the simulation brought no customers: give more customers or a longer horizon")
    activities = sorted(set(observed.visited))
    tests = {
        "reach": _reach(journey, observed, simulated, level, chosen["reach"]),
        "durations": _durations(journey, observed, simulated, level, chosen["durations"]),
        "arrivals": _arrivals(observed, simulated, zone or timezone.utc, level, chosen["arrivals"]),
        "paths": [_paths(observed, simulated, level, chosen["paths"])],
    }
    families = {
        name: {"verdict": _family(items), "tolerance": chosen[name], "items": items} for name, items in tests.items()
    }
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "design": design,
        "seed": None,
        "time_unit": time_unit,
        "log": {
            "source": log.source,
            "cases": observed.count,
            "events": sum(len(c.events) for c in log.cases),
            "warnings": [{"code": d.code, "message": d.message} for d in log.diagnostics],
        },
        "simulated": {"cases": simulated.count, "visits": simulated.visits},
        "level": level,
        "rename": rename,
        "unmatched": {
            "activities": [name for name in activities if name not in known],
            "touchpoints": sorted(name for name in known if name not in observed.visited),
        },
        "tests": families,
        "verdict": "differs" if any(f["verdict"] == "differs" for f in families.values()) else "matches",
    }
