"""The ways through a journey: which touchpoint can follow which, for whom, and how often.

An emotion curve drawn as one line through every touchpoint in journey order
joins touchpoints no customer meets one after the other: the two options of a
choice, the stage only one segment is routed to and the stage the others go
to, the touchpoint written ``for segment X`` and the one before it for
everybody else.  This module works out, from the simulation plan alone (its
stages, their steps, the choices' shares per segment, the transitions with
their probabilities and segment conditions, and the touchpoints' audiences),
which touchpoint can *directly* follow which on a customer's first pass
through the stages, and what share of a segment's customers is expected to
walk each of those steps.  The plots draw a line only along such a step, so
a curve forks where paths part and meets again where they join.

Only forward moves count: a transition back to the same or an earlier stage
(``-> consider after 2 days``, a ``repeat`` purchase) starts the journey's
stages again, which the curve of one pass does not draw; it is kept in
:attr:`SegmentPaths.loops`.  The shares are the plan's written probabilities
(the baseline of a transition whose probability depends on the customer's
mood or satisfaction; its highest when the baseline is 0), so they describe
the design, not one run of it: a chart uses them for the weight of a line and
takes what customers actually did (reach, felt effect) from the results.

The module is pure: no Matplotlib, no simulation.

Examples
--------
>>> from journeydsl.api import loads
>>> from journeydsl.sim.plan import compile_plan
>>> journey = loads('''journey "J" {
...   segment a 50% {} segment b 50% {}
...   stage s { touchpoint hello: staff { feel +1 }
...     choice pay { touchpoint cash: staff share 50% (a 100%, b 0%) { feel +1 }
...                  touchpoint card: digital share 50% (a 0%, b 100%) { feel +1 } }
...     -> t }
...   stage t goal { touchpoint bye: staff { feel +1 } } }''')
>>> ways = journey_paths(compile_plan(journey), journey)
>>> ways.touchpoints
('hello', 'cash', 'card', 'bye')
>>> ways.alternative("cash", "card"), ways.alternative("hello", "bye")
(True, False)
>>> [(e.source, e.target, e.share) for e in ways.everyone.edges]
[('hello', 'cash', 0.5), ('hello', 'card', 0.5), ('cash', 'bye', 0.5), ('card', 'bye', 0.5)]
>>> ways.segment("a").main
('hello', 'cash', 'bye')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..lang.model import Journey
from ..lang.routing import EVERYONE, SegmentView, routes
from ..sim.plan import Plan, SegmentPlan, StagePlan, StepPlan

__all__ = ["Edge", "SegmentPaths", "StageSpan", "JourneyPaths", "journey_paths"]

#: Shares below this are no way at all (rounding of cumulative shares).
_NOTHING = 1e-9


@dataclass(frozen=True)
class Edge:
    """One step a customer can take: from one touchpoint directly to the next.

    Attributes
    ----------
    source, target : str
        The touchpoints, ``target`` met right after ``source`` (touchpoints a
        customer passes by, such as one for another segment, are skipped).
    share : float
        The expected share of the segment's customers who take this step on
        their first pass (from the plan's probabilities).
    between_stages : bool
        Whether the step leaves a stage for another.
    """

    source: str
    target: str
    share: float
    between_stages: bool = False


@dataclass(frozen=True)
class SegmentPaths:
    """The ways one segment (or everyone, weighted by the segments' shares) walks through the journey.

    Attributes
    ----------
    segment : str or None
        The segment's name; None for everyone.
    edges : tuple of Edge
        Every step its customers can take, in journey order of the source, then the target.
    reach : dict of str to float
        The expected share of its customers meeting each touchpoint on their first pass
        (touchpoints they never meet are left out).
    starts : dict of str to float
        The touchpoints a first pass starts with, and the share that starts there.
    main : tuple of str
        The main path: from the likeliest first touchpoint, the likeliest next one each time.
    loops : tuple of (str, str)
        Transitions back to an earlier stage (or a repeat purchase): from the
        last touchpoint of a stage to the first of the stage it leads back to.
    """

    segment: str | None
    edges: tuple[Edge, ...]
    reach: dict[str, float]
    starts: dict[str, float]
    main: tuple[str, ...]
    loops: tuple[tuple[str, str], ...] = ()

    def edge_set(self) -> frozenset[tuple[str, str]]:
        """The steps as ``(source, target)`` pairs."""
        return frozenset((edge.source, edge.target) for edge in self.edges)


@dataclass(frozen=True)
class StageSpan:
    """A stage's place on the journey axis: its touchpoints' positions from ``first`` to ``last``."""

    name: str
    phase: str | None
    first: int
    last: int


@dataclass(frozen=True)
class JourneyPaths:
    """The journey's touchpoints on one axis, and the ways each segment walks along it.

    Attributes
    ----------
    touchpoints : tuple of str
        Every touchpoint of a stage, in journey order: stage by stage, step by
        step, a choice's options side by side in the order written.  A
        touchpoint used in two stages is placed at its first.
    stages : tuple of StageSpan
        Each stage with its first and last position (stages without touchpoints left out).
    everyone : SegmentPaths
        The ways of all customers: each segment's weighted by its share.
    segments : dict of str to SegmentPaths
        Each declared segment's ways (empty for a journey without segments).
    moments_of_truth : frozenset of str
        The touchpoints written ``moment of truth``.
    """

    touchpoints: tuple[str, ...]
    stages: tuple[StageSpan, ...]
    everyone: SegmentPaths
    segments: dict[str, SegmentPaths]
    moments_of_truth: frozenset[str] = frozenset()
    _ahead: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def position(self, touchpoint: str) -> int:
        """The touchpoint's place on the journey axis, from 0."""
        return self.touchpoints.index(touchpoint)

    def segment(self, name: str | None) -> SegmentPaths:
        """The ways of segment ``name`` (None: everyone).

        Raises
        ------
        KeyError
            For a segment the journey does not declare.
        """
        if name is None:
            return self.everyone
        return self.segments[name]

    def alternative(self, first: str, second: str) -> bool:
        """Whether no customer can meet both touchpoints on one pass (neither lies ahead of the other).

        The options of a choice are alternatives, and so are the touchpoints of
        stages that different segments (or different transitions) lead to and
        that never lead to each other.
        """
        if first == second:
            return False
        return second not in self._ahead.get(first, frozenset()) and first not in self._ahead.get(second, frozenset())


def journey_paths(plan: Plan, journey: Journey) -> JourneyPaths:
    """Work out which touchpoint can follow which, for every segment, from the plan's structure.

    Parameters
    ----------
    plan : Plan
        The compiled design (:attr:`journeydsl.sim.runner.Outcome.plan`).
    journey : Journey
        The design's journey (:attr:`journeydsl.sim.runner.Outcome.journey`): its
        transitions' segment conditions are read with :func:`journeydsl.lang.routing.routes`.

    Returns
    -------
    JourneyPaths
    """
    order: list[str] = []
    spans: list[StageSpan] = []
    for stage in plan.stages:
        first = len(order)
        for step in stage.steps:
            for option in step.options:
                if option.name not in order:
                    order.append(option.name)
        if len(order) > first:
            spans.append(StageSpan(stage.name, stage.phase, first, len(order) - 1))
    place = {name: i for i, name in enumerate(order)}
    declared = bool(journey.segments)
    per_segment = {segment.name: _segment_paths(plan, journey, segment, place, declared) for segment in plan.segments}
    everyone = _weighted(plan.segments, per_segment, place)
    ahead = _ahead(per_segment.values(), order)
    return JourneyPaths(
        touchpoints=tuple(order),
        stages=tuple(spans),
        everyone=everyone,
        segments=per_segment if declared else {},
        moments_of_truth=frozenset(tp.name for tp in plan.touchpoints if tp.moment_of_truth and tp.name in place),
        _ahead=ahead,
    )


def _shares(step: StepPlan, segment: SegmentPlan) -> list[tuple[str | None, float]]:
    """Each option of a step with the share of the segment's customers meeting it; None: passing by."""
    if len(step.options) == 1 or not step.cumulative:
        cumulative: tuple[float, ...] = (1.0,) * len(step.options) if len(step.options) == 1 else ()
        if not cumulative:
            count = len(step.options)
            cumulative = tuple((i + 1) / count for i in range(count))
    else:
        cumulative = step.cumulative[segment.index]
    found: list[tuple[str | None, float]] = []
    before = 0.0
    for option, bound in zip(step.options, cumulative, strict=True):
        share = bound - before
        before = bound
        if share <= _NOTHING:
            continue
        reaches = option.audience is None or segment.index in option.audience
        found.append((option.name if reaches else None, share))
    return found


def _transition_shares(stage: StagePlan, journey: Journey, view: SegmentView) -> list[tuple[int, bool, float]]:
    """The stage's ways out for a segment: target index (-1: drop-off), whether a repeat, share.

    Probabilities are laid end to end and cut at 100%, as the simulator does.
    """
    written = journey.stages[stage.index] if stage.index < len(journey.stages) else None
    found: list[tuple[int, bool, float]] = []
    used = 0.0
    if written is not None and len(written.transitions) == len(stage.transitions):
        chances = [route.probability or route.highest for route in routes(written, view)]
    else:  # a plan without its journey's transitions: the baselines
        chances = [t.probability or max([0.0, *(p for p, _ in t.conditionals)]) for t in stage.transitions]
    for transition, chance in zip(stage.transitions, chances, strict=True):
        share = min(chance, max(0.0, 1.0 - used))
        used += share
        if share > _NOTHING:
            found.append((transition.target, transition.repeat, share))
    return found


def _segment_paths(
    plan: Plan, journey: Journey, segment: SegmentPlan, place: dict[str, int], declared: bool
) -> SegmentPaths:
    """One segment's steps and shares: a first pass through the stages in order, forward moves only."""
    view = SegmentView(segment.name, segment.tier) if declared else EVERYONE
    # What enters each stage: the touchpoint met last before it (None: nothing yet) with its share.
    entering: list[dict[str | None, float]] = [{} for _ in plan.stages]
    if plan.stages:
        entering[0][None] = 1.0
    edges: dict[tuple[str, str], list[float | bool]] = {}
    starts: dict[str, float] = {}
    reach: dict[str, float] = {}
    loops: list[tuple[str, str]] = []
    firsts = [_first_touchpoints(stage) for stage in plan.stages]
    for stage in plan.stages:
        current = entering[stage.index]
        if not current:
            continue
        crossing = True  # the first step met in a stage comes from another stage
        for step in stage.steps:
            options = _shares(step, segment)
            if not any(name is not None for name, _ in options):
                continue
            following: dict[str | None, float] = {}
            for before, flow in current.items():
                for name, share in options:
                    if name is None:  # passing by: still coming from the touchpoint before
                        following[before] = following.get(before, 0.0) + flow * share
                        continue
                    following[name] = following.get(name, 0.0) + flow * share
                    reach[name] = reach.get(name, 0.0) + flow * share
                    if before is None:
                        starts[name] = starts.get(name, 0.0) + flow * share
                        continue
                    known = edges.setdefault((before, name), [0.0, crossing])
                    known[0] = float(known[0]) + flow * share
            current = following
            crossing = False
        for target, repeat, share in _transition_shares(stage, journey, view):
            if target < 0:
                continue
            if repeat or target <= stage.index:
                for before in current:
                    for first in firsts[target]:
                        if before is not None and (before, first) not in loops:
                            loops.append((before, first))
                continue
            for before, flow in current.items():
                entering[target][before] = entering[target].get(before, 0.0) + flow * share
    ordered = sorted(edges.items(), key=lambda item: (place[item[0][0]], place[item[0][1]]))
    found = tuple(Edge(a, b, _round(float(share)), bool(crossing)) for (a, b), (share, crossing) in ordered)
    return SegmentPaths(
        segment=segment.name if declared else None,
        edges=found,
        reach={name: _round(share) for name, share in sorted(reach.items(), key=lambda item: place[item[0]])},
        starts={name: _round(share) for name, share in starts.items()},
        main=_main(found, starts),
        loops=tuple(loops),
    )


def _first_touchpoints(stage: StagePlan) -> tuple[str, ...]:
    return tuple(option.name for option in stage.steps[0].options) if stage.steps else ()


def _main(edges: tuple[Edge, ...], starts: dict[str, float]) -> tuple[str, ...]:
    """From the likeliest start, the likeliest next touchpoint each time (ties: the first in journey order)."""
    if not starts:
        return ()
    here = max(starts, key=lambda name: starts[name])
    path = [here]
    while True:
        ahead = [edge for edge in edges if edge.source == here and edge.target not in path]
        if not ahead:
            return tuple(path)
        here = max(ahead, key=lambda edge: edge.share).target
        path.append(here)


def _weighted(
    segments: tuple[SegmentPlan, ...], per_segment: dict[str, SegmentPaths], place: dict[str, int]
) -> SegmentPaths:
    """Everyone's ways: each segment's shares weighted by the segment's share of customers."""
    total = sum(segment.share for segment in segments) or 1.0
    shares: dict[tuple[str, str], float] = {}
    crossing: dict[tuple[str, str], bool] = {}
    reach: dict[str, float] = {}
    starts: dict[str, float] = {}
    loops: list[tuple[str, str]] = []
    for segment in segments:
        weight = segment.share / total
        ways = per_segment[segment.name]
        for edge in ways.edges:
            key = (edge.source, edge.target)
            shares[key] = shares.get(key, 0.0) + weight * edge.share
            crossing[key] = edge.between_stages
        for name, share in ways.reach.items():
            reach[name] = reach.get(name, 0.0) + weight * share
        for name, share in ways.starts.items():
            starts[name] = starts.get(name, 0.0) + weight * share
        loops += [loop for loop in ways.loops if loop not in loops]
    keys = sorted(shares, key=lambda key: (place[key[0]], place[key[1]]))
    edges = tuple(Edge(a, b, _round(shares[(a, b)]), crossing[(a, b)]) for a, b in keys)
    return SegmentPaths(
        segment=None,
        edges=edges,
        reach={name: _round(reach[name]) for name in sorted(reach, key=lambda name: place[name])},
        starts={name: _round(share) for name, share in starts.items()},
        main=_main(edges, starts),
        loops=tuple(loops),
    )


def _ahead(all_ways: Iterable[SegmentPaths], order: list[str]) -> dict[str, frozenset[str]]:
    """For each touchpoint, every touchpoint some customer can meet after it on the same pass."""
    following: dict[str, set[str]] = {name: set() for name in order}
    for ways in all_ways:
        for edge in ways.edges:
            following[edge.source].add(edge.target)
    ahead: dict[str, frozenset[str]] = {}
    for name in reversed(order):  # edges go forward in stage order, mostly; a search is exact either way
        seen: set[str] = set()
        todo = list(following[name])
        while todo:
            here = todo.pop()
            if here in seen:
                continue
            seen.add(here)
            todo.extend(following[here])
        ahead[name] = frozenset(seen)
    return ahead


def _round(value: float) -> float:
    return round(value, 6)
