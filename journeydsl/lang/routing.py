"""Which way a segment's customers leave a stage: the simulator's transition rules, segment by segment.

A stage's transitions are tried in the order written.  For a customer, each
transition's probability is the one of its first conditional (``, 70% if ...``)
whose conditions all hold, or else its baseline; the probabilities are laid end
to end, and one uniform number picks the transition it falls in, or the
drop-off past the last one (whatever goes beyond 100% is cut from the last
transitions).

Conditions on the segment (``segment premier``, ``tier A``) are settled by the
customer's segment alone, so for each segment a transition has one probability
when no condition on the customer's *state* (``mood``, ``satisfaction``,
``visits``, ``cycle``) holds, and the conditionals on the state that are tried
before it (:class:`Route`).  A conditional whose segment part fails for the
segment is never taken; one whose segment part holds and that has no condition
on the state is always taken, and the conditionals after it never are.

``-> lounge 100% if segment premier`` is short for ``-> lounge 0%, 100% if
segment premier``: customers for whom no condition holds take it with 0%.  A
transition written without a probability takes the remainder *for each
segment*: 100% minus the probabilities the others have for that segment when no
condition on the customer's state holds (shared equally if several are
open-ended).  The checks (JD202), the simulation plan and ``journey analyze``
all read the transitions through :func:`routes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .model import Condition, Journey, Stage, Transition

__all__ = ["EVERYONE", "Route", "SegmentView", "StateChance", "routes", "segment_views", "settled_by_segment"]


class SegmentView(NamedTuple):
    """What decides a segment's routes: its name and tier (both None for a journey without segments)."""

    name: str | None
    tier: str | None


class StateChance(NamedTuple):
    """A conditional that depends on the customer's state: its probability and the state conditions it needs."""

    probability: float
    #: Conditions on ``mood``, ``satisfaction``, ``visits`` or ``cycle``, all of which must hold.
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Route:
    """One transition of a stage as the customers of one segment meet it."""

    transition: Transition
    #: The probability when no condition on the customer's state holds (a remainder: what the others leave).
    probability: float
    #: The conditionals on the customer's state tried before it, in the order written.
    state_chances: tuple[StateChance, ...] = ()
    #: Written without a probability and taking the remainder for this segment (no conditional settles it).
    remainder: bool = False

    @property
    def highest(self) -> float:
        """The highest probability the transition can have for the segment, whatever the customer's state."""
        return max([self.probability, *(chance.probability for chance in self.state_chances)])


def segment_views(journey: Journey) -> tuple[SegmentView, ...]:
    """The segments whose routes may differ: every declared segment, or one view of everyone."""
    if not journey.segments:
        return (EVERYONE,)
    return tuple(SegmentView(segment.name, segment.tier) for segment in journey.segments)


def settled_by_segment(condition: Condition, segment: SegmentView) -> bool | None:
    """Whether a condition holds for every customer of the segment (True), none (False), or depends on state (None)."""
    if condition.kind == "segment":
        return segment.name is not None and condition.subject == segment.name
    if condition.kind == "tier":
        return segment.tier is not None and condition.subject == segment.tier
    return None


def _route(transition: Transition, segment: SegmentView) -> tuple[Route, bool]:
    """The transition for one segment, and whether it falls back to its baseline (no conditional settled true).

    A remainder's baseline is left at 0 here; :func:`routes` fills it in.
    """
    chances: list[StateChance] = []
    for conditional in transition.conditionals:
        if any(settled_by_segment(condition, segment) is False for condition in conditional.conditions):
            continue
        state = tuple(condition for condition in conditional.conditions if condition.kind == "compare")
        if not state:
            return Route(transition, conditional.probability.value, tuple(chances)), False
        chances.append(StateChance(conditional.probability.value, state))
    written = transition.probability
    baseline = written.value if written is not None else 0.0
    return Route(transition, baseline, tuple(chances), written is None), True


#: A customer of no declared segment.
EVERYONE = SegmentView(None, None)


def routes(stage: Stage, segment: SegmentView = EVERYONE) -> tuple[Route, ...]:
    """The stage's transitions as one segment's customers meet them, in the order written.

    Parameters
    ----------
    stage : Stage
        The stage.
    segment : SegmentView, optional
        The segment's name and tier; by default a customer of no declared segment.

    Returns
    -------
    tuple of Route
        One per transition.  A remainder takes ``1 -`` the others' probabilities
        for the segment (not below 0), shared by the transitions written without one.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> journey = loads('journey "J" { segment premier 30% { tier A } segment mass 70% { tier B } '
    ...                 'stage a { touchpoint t: staff { feel +1 } '
    ...                 '-> lounge 100% if segment premier -> b } '
    ...                 'stage lounge goal { touchpoint l: staff { feel +1 } } '
    ...                 'stage b goal { touchpoint u: staff { feel +1 } } }')
    >>> a = journey.stages[0]
    >>> [(r.transition.target, r.probability) for r in routes(a, SegmentView("premier", "A"))]
    [('lounge', 1.0), ('b', 0.0)]
    >>> [(r.transition.target, r.probability) for r in routes(a, SegmentView("mass", "B"))]
    [('lounge', 0.0), ('b', 1.0)]
    """
    found = [_route(transition, segment) for transition in stage.transitions]
    open_ended = [route for route, _ in found if route.remainder]
    if not open_ended:
        return tuple(route for route, _ in found)
    given = sum(route.probability for route, _ in found if not route.remainder)
    share = max(0.0, 1.0 - given) / len(open_ended)
    return tuple(
        Route(route.transition, share, route.state_chances, True) if route.remainder and falls_back else route
        for route, falls_back in found
    )
