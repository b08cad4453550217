"""Checks of the design tests written in a journey (``expect ...``): do they name things that exist,
and are their margins (``by at least``, ``within``) written in the metric's unit?

Running the tests is the job of :mod:`journeydsl.analysis.design_tests`; this
module only reads the model, so checking a file never loads the simulator.
"""

from __future__ import annotations

from .decisions import margin_problem
from .designs import design_names
from .diagnostics import Diagnostic, did_you_mean
from .model import Journey
from .vocabulary import METRICS

__all__ = ["SCOPE_METRICS", "TIME_METRICS", "check_design_tests"]

#: Figures measured in time, whose thresholds may carry a unit (``expect wait_mean of touchpoint t < 5 min``).
TIME_METRICS = frozenset({"time_in_journey", "wait_mean", "wait_p95"})

#: What a test may measure, per scope.
SCOPE_METRICS: dict[str | None, tuple[str, ...]] = {
    None: (*METRICS, "profit"),
    "segment": METRICS,
    "stage": ("entered", "dropped", "drop_rate"),
    "touchpoint": (
        "visits",
        "mean_affect",
        "peak_share",
        "end_share",
        "wait_mean",
        "wait_p95",
        "utilisation",
        "reneged",
        "failures",
        "cost",
    ),
    "episode": ("remembered_experience", "satisfaction", "customers"),
}


def check_design_tests(journey: Journey) -> list[Diagnostic]:
    """Problems in the design tests of a journey: unknown metrics, designs, segments, stages, touchpoints;
    margins of zero or less (JD612), in a unit the metric is not measured in (JD613) or beyond its range (JD614)."""
    found: list[Diagnostic] = []
    designs = design_names(journey)
    names = {
        "segment": [s.name for s in journey.segments],
        "stage": [s.name for s in journey.stages],
        "touchpoint": [tp.name for tp in journey.all_touchpoints()],
        "episode": [e.name for e in journey.episodes],
    }
    codes = {"segment": "JD107", "stage": "JD101", "touchpoint": "JD108", "episode": "JD244"}
    for test in journey.design_tests:
        allowed = SCOPE_METRICS[test.scope if test.kind == "value" else None]
        if test.metric not in allowed:
            where = f" of a {test.scope}" if test.scope else ""
            found.append(
                Diagnostic(
                    "JD611",
                    f"a design test cannot measure `{test.metric}`{where}",
                    test.metric_span,
                    hint=did_you_mean(test.metric, allowed) or f"it can measure {', '.join(allowed)}",
                )
            )
        for design, span in ((test.design, test.design_span), (test.rival, test.rival_span)):
            if design is not None and design not in designs:
                found.append(
                    Diagnostic(
                        "JD601",
                        f"there is no design `{design}`",
                        span,
                        hint=did_you_mean(design, designs) or f"designs: {', '.join(designs)}",
                    )
                )
        if test.threshold_unit is not None and test.metric not in TIME_METRICS:
            found.append(
                Diagnostic(
                    "JD613",
                    f"`{test.metric}` is not measured in time: the threshold cannot be in `{test.threshold_unit}`",
                    test.span,
                    hint="write the threshold as a plain number in the metric's own unit",
                )
            )
        if test.margin is not None:
            problem = margin_problem(test.metric, test.kind, test.margin, test.margin_percent, test.margin_unit)
            if problem is not None:
                found.append(Diagnostic(problem.code, problem.message, test.margin_span, hint=problem.hint))
        if test.scope is not None and test.scope_name not in names[test.scope]:
            found.append(
                Diagnostic(
                    codes[test.scope],
                    f"there is no {test.scope} `{test.scope_name}` to test",
                    test.scope_span,
                    hint=did_you_mean(test.scope_name or "", names[test.scope]),
                )
            )
    return found
