"""`journey opportunities`: where to invest, touchpoint by touchpoint.

For every touchpoint of a design, three what-if designs run through the same
customers as the design itself (common random numbers, :mod:`journeydsl.analysis.compare`):

- **improve**: the moment is one point better (``feel +1`` on top of its effects);
- **remove**: the touchpoint is left out (the experience removal effect, the
  experience counterpart of the conversion removal effect of ``journey analyze``);
- **fix**: it never fails (only for touchpoints with failure modes).

Each change in the chosen objective comes with its 95% interval, next to the
touchpoint's current peak and end shares and its cost per customer, and the
touchpoints are ranked by what improving them is worth.  Because customers
remember the most extreme moment and the last one, improving the end or the
worst moment moves remembered experience more than improving a middling
touchpoint (the peak-end logic of the CEM method).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .._version import __version__
from ..lang.designs import map_touchpoints, merge_named
from ..lang.model import Journey, NamedValue
from ..sim.results import Document, provenance
from ..sim.runner import Design, Runner
from ..sim.settings import RunSettings
from .compare import LOWER_IS_BETTER, OBJECTIVES, run_and_compare

__all__ = ["SCHEMA", "opportunities", "improved", "without", "never_failing"]

SCHEMA = "journeydsl.opportunities/1"


def improved(journey: Journey, name: str, points: float = 1.0) -> Journey:
    """The journey with touchpoint ``name`` one moment better: ``feel`` raised by ``points``."""

    def better(tp):
        current = {m.name: m.value for m in tp.effects.modules}.get("feel", 0.0)
        modules = merge_named(tp.effects.modules, (NamedValue("feel", current + points),))
        return replace(tp, effects=replace(tp.effects, modules=modules))

    return map_touchpoints(journey, name, better)


def without(journey: Journey, name: str) -> Journey:
    """The journey with touchpoint ``name`` left out (and its uses; failures it recovered go unrecovered)."""
    from ..lang.designs import apply_removal
    from ..lang.model import Patch

    problems: list = []
    result = apply_removal(journey, Patch("remove", name), problems)
    touchpoints = []
    for tp in result.all_touchpoints():
        if any(f.recovery == name for f in tp.effects.failures):
            touchpoints.append(tp.name)
    for other in touchpoints:
        result = map_touchpoints(
            result,
            other,
            lambda tp: replace(
                tp,
                effects=replace(
                    tp.effects,
                    failures=tuple(replace(f, recovery=None) if f.recovery == name else f for f in tp.effects.failures),
                ),
            ),
        )
    return result


def never_failing(journey: Journey, name: str) -> Journey:
    """The journey with touchpoint ``name`` free of failures."""
    return map_touchpoints(journey, name, lambda tp: replace(tp, effects=replace(tp.effects, failures=())))


def opportunities(
    journey: Journey,
    settings: RunSettings,
    runner: Runner,
    objective: str = "remembered_experience",
    progress: Callable[[float], None] | None = None,
) -> Document:
    """Simulate the what-if designs of every touchpoint and rank the opportunities.

    Parameters
    ----------
    journey : Journey
        The design to improve (resolved; see :func:`journeydsl.api.design`).
    settings : RunSettings
        How to run each what-if design.
    runner : Runner
        Runs the designs; the design itself is not run again if the runner ran it before.
    objective : str
        What an opportunity is worth in: a metric of :data:`~journeydsl.analysis.compare.OBJECTIVES`.
    progress : callable, optional
        Called with the finished share of the what-if runs.

    Returns
    -------
    dict
        The ``journeydsl.opportunities/1`` document.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    names = [tp.name for tp in journey.all_touchpoints()]
    designs = [Design("as designed", journey)]
    for name in names:
        designs.append(Design(f"improve {name}", improved(journey, name)))
        designs.append(Design(f"remove {name}", without(journey, name)))
        if any(tp.name == name and tp.effects.failures for tp in journey.all_touchpoints()):
            designs.append(Design(f"fix {name}", never_failing(journey, name)))
    outcomes, document = run_and_compare(runner, designs, settings, objective, progress=progress)
    settings = outcomes[0].settings  # with a precision, as settled
    base = document["results"]["as designed"]
    sign = -1.0 if objective in LOWER_IS_BETTER else 1.0
    rows = []
    for name in names:
        touchpoint = base["touchpoints"].get(name, {})
        customers_counted = base["customers"] or 1
        row = {
            "touchpoint": name,
            "stage": touchpoint.get("stage"),
            "peak_share": touchpoint.get("peak_share", 0.0),
            "end_share": touchpoint.get("end_share", 0.0),
            "cost_per_customer": round(touchpoint.get("cost", 0.0) / customers_counted, 6),
            "improve": document["differences"][f"improve {name}"]["metrics"][objective],
            "remove": document["differences"][f"remove {name}"]["metrics"][objective],
            "fix": document["differences"][f"fix {name}"]["metrics"][objective]
            if f"fix {name}" in document["differences"]
            else None,
        }
        rows.append(row)
    rows.sort(key=lambda row: -sign * row["improve"]["mean"])
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "objective": objective,
        "seed": document["seed"],
        "customers": base["customers"],
        "replications": settings.replications,
        "baseline": base["metrics"][objective] if objective != "profit" else None,
        "touchpoints": rows,
        **provenance(settings, journey.source_sha256),
    }
