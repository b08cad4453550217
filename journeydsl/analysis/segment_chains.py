"""Each segment's first purchase cycle as an absorbing Markov chain, following the simulator's rules.

A segment's customers leave a stage by the routes of :mod:`journeydsl.lang.routing`:
conditions on the segment are settled, ``cycle`` is 0 (the chain is the first
purchase cycle), and each transition's probabilities are laid end to end in
the order written, as the engine lays them (:func:`laid_end_to_end`).

The states of the chain are the stages, except on the loops where the visits
matter: there a state is a stage *and* the visits so far of every stage of
the loop, so that a visit limit stops the customer exactly where the engine
does (a customer who enters a stage once more than its limit drops off there)
and a condition on ``visits`` (earlier entries into this stage) is settled.
A loop is followed visit by visit when a ``visits`` condition or a condition
on the customer's state (mood, satisfaction) leads out of one of its stages,
or when its visit limits can stop anyone: the chance that a customer enters a
stage ``k`` of the loop more than its limit ``L`` times is at most
``r_k ** L``, with ``r_k = 1 - 1 / N_kk`` the chance of coming back to ``k``
(``N_kk`` its expected visits by a customer who starts there), and a loop
whose stages add up to less than :data:`NEGLIGIBLE` is left as it is.  A loop
of more than :data:`MAX_LOOP_STAGES` stages, or one that would take more than
:data:`MAX_LOOP_STATES` states, is not followed: its visit limits are not
applied and its ``visits`` conditions depend on the customer, which the
chain reports (:attr:`SegmentChain.unfollowed`).

Conditions on ``mood`` and ``satisfaction`` depend on what the customer met;
the chain takes them as not holding (:attr:`SegmentChain.moves`) and also
keeps, for every state, each way the transitions can go when they hold or not
(:attr:`SegmentChain.options`), from which :func:`conversion_range` bounds the
conversion whatever they do.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import networkx as nx
import numpy as np
from scipy import sparse

from ..lang.graph import EXIT
from ..lang.model import Condition, Journey
from ..lang.routing import Route, SegmentView, StateChance, routes
from ..sim.plan import Plan, SegmentPlan, TouchpointPlan

__all__ = [
    "FreeConditional",
    "MAX_LOOP_STAGES",
    "MAX_LOOP_STATES",
    "NEGLIGIBLE",
    "SegmentChain",
    "StageState",
    "UnfollowedLoop",
    "conversion_range",
    "laid_end_to_end",
    "meeting_chances",
    "segment_chain",
    "stage_minutes",
    "touchpoints_met",
]

#: A chance below this is taken as none: a visit limit that stops fewer customers cannot change a figure written.
NEGLIGIBLE = 1e-9
#: The most stages a loop may have to be followed visit by visit.
MAX_LOOP_STAGES = 64
#: The most states a loop may take when followed visit by visit (per segment).
MAX_LOOP_STATES = 20_000
#: The most ways out of one stage kept for the conversion's range (combinations of conditions that may hold).
MAX_OPTIONS = 4096
#: Rounds of value iteration for the conversion's range (each round's bounds are valid; the last is the tightest).
MAX_ROUNDS = 10_000

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class StageState(NamedTuple):
    """A state of a segment's chain: a stage, and on a loop followed visit by visit, the loop's visits so far."""

    stage: int
    #: Entries so far into each stage of the loop (in the loop's order), this one included; None off such loops.
    visits: tuple[int, ...] | None


class FreeConditional(NamedTuple):
    """A conditional the chain cannot settle: it depends on the customer's mood, satisfaction or, on a loop not
    followed visit by visit, visits."""

    stage: str
    target: str
    #: As written: ``70% if satisfaction >= 7``.
    conditional: str
    #: The probability the chain takes (the conditional not holding).
    taken: float


class UnfollowedLoop(NamedTuple):
    """A loop too large to follow visit by visit: its visit limits are not applied."""

    stages: tuple[str, ...]
    #: At most this share of the segment's customers is stopped by one of its visit limits.
    stopped_at_most: float


@dataclass
class SegmentChain:
    """One segment's first purchase cycle as a chain of :class:`StageState`.

    ``moves[i, j]`` is the chance of going from state ``i`` to ``j`` with every
    condition on mood and satisfaction taken as not holding; what a row lacks
    of 1 drops off, leaves by a repeat purchase, or is stopped by a visit limit.
    """

    segment: SegmentPlan
    states: list[StageState]
    moves: sparse.csr_matrix
    #: Each state's stage.
    stage_of: np.ndarray
    #: Whether a state is the first entry into its stage (every state off the loops followed visit by visit).
    first_entry: np.ndarray
    goal: np.ndarray
    start: int
    #: Expected delay of the transition taken out of each state (transitions to stages only).
    delay_after: np.ndarray
    #: The chance of being stopped by a visit limit on leaving each state.
    stopped: np.ndarray
    #: Per state, every way out when conditions on the customer's state may hold (None: only ``moves``).
    options: dict[int, list[dict[int, float]]] = field(default_factory=dict)
    free: list[FreeConditional] = field(default_factory=list)
    unfollowed: list[UnfollowedLoop] = field(default_factory=list)
    #: More than :data:`MAX_OPTIONS` ways out of some stage: the conversion's range is not worked out.
    too_many_options: bool = False

    def states_of(self, stage: int, first_only: bool = False) -> np.ndarray:
        """The states of one stage (its first entries only, with ``first_only``)."""
        mask = self.stage_of == stage
        if first_only:
            mask &= self.first_entry
        return np.flatnonzero(mask)


def laid_end_to_end(probabilities: Sequence[float]) -> list[float]:
    """The chance of each transition when their probabilities are laid end to end from 0 to 1, as the engine does.

    One uniform number ``u`` picks the first transition whose running sum lies
    above it; what lies past 1 is never picked.

    Examples
    --------
    >>> [round(chance, 12) for chance in laid_end_to_end([0.7, 0.25, 0.2])]
    [0.7, 0.25, 0.05]
    """
    chances = []
    running = 0.0
    for probability in probabilities:
        before = min(running, 1.0)
        running += probability
        chances.append(max(0.0, min(running, 1.0) - before))
    return chances


def _holds(condition: Condition, visits: int | None) -> bool | None:
    """Whether a condition on the state holds in the first cycle: settled for ``cycle`` (0) and known ``visits``."""
    if condition.subject in ("mood", "satisfaction"):
        return None
    if condition.subject == "visits":
        if visits is None:
            return None
        value = float(visits)
    else:  # cycle (the plan reads any other subject as the cycle too)
        value = 0.0
    return _COMPARE[condition.operator or ">"](value, float(condition.value or 0.0))


class _Possible(NamedTuple):
    """A transition's probabilities for one state: the one taken (free conditions not holding), and every one it may have."""

    taken: float
    values: tuple[float, ...]
    free: tuple[StateChance, ...]


def _possible(route: Route, visits: int | None) -> _Possible:
    """The probabilities a transition may have for one state, trying its conditionals in order as the engine does."""
    values: list[float] = []
    free: list[StateChance] = []
    for chance in route.state_chances:
        held = [_holds(condition, visits) for condition in chance.conditions]
        if False in held:
            continue
        if None not in held:
            return _Possible(chance.probability, tuple(dict.fromkeys([*values, chance.probability])), tuple(free))
        values.append(chance.probability)
        free.append(chance)
    return _Possible(route.probability, tuple(dict.fromkeys([*values, route.probability])), tuple(free))


class _Way(NamedTuple):
    """Where a transition leads: a stage's index, or -1 for leaving the cycle (the drop-off or a repeat purchase)."""

    target: int
    delay: float


def _chain_ways(journey: Journey, plan: Plan) -> list[list[_Way]]:
    index = {name: i for i, name in enumerate(plan.stage_names)}
    found = []
    for stage, stage_plan in zip(journey.stages, plan.stages, strict=True):
        ways = []
        for transition, compiled in zip(stage.transitions, stage_plan.transitions, strict=True):
            leaves = transition.repeat or transition.target == EXIT or transition.target not in index
            ways.append(_Way(-1 if leaves else index[transition.target], compiled.delay))
        found.append(ways)
    return found


class _Loops(NamedTuple):
    """The loops of a segment's stages: each stage's loop (-1 off loops) and each loop's stages."""

    loop_of: np.ndarray
    members: list[list[int]]


def _loops(possible_edges: list[tuple[int, int]], size: int) -> _Loops:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(size))
    graph.add_edges_from(possible_edges)
    loop_of = np.full(size, -1)
    members: list[list[int]] = []
    for component in nx.strongly_connected_components(graph):
        stages = sorted(component)
        if len(stages) > 1 or graph.has_edge(stages[0], stages[0]):
            for stage in stages:
                loop_of[stage] = len(members)
            members.append(stages)
    return _Loops(loop_of, members)


class _TooManyStates(Exception):
    """A loop followed visit by visit grew past :data:`MAX_LOOP_STATES`."""

    def __init__(self, loop: int) -> None:
        super().__init__(loop)
        self.loop = loop


def segment_chain(
    journey: Journey, plan: Plan, segment: SegmentPlan, return_chances: Callable[[sparse.csr_matrix], np.ndarray]
) -> SegmentChain:
    """The chain of one segment's first purchase cycle (see the module's docstring).

    Parameters
    ----------
    journey, plan : Journey, Plan
        One design and its compiled plan.
    segment : SegmentPlan
        The segment.
    return_chances : callable
        Given a chain's moves between stages, each stage's chance of coming
        back to itself (``1 - 1 / N_kk``), for loops too large for a dense
        inverse; :mod:`journeydsl.analysis.markov` gives it from its sparse
        factorisation.

    Returns
    -------
    SegmentChain
    """
    view = SegmentView(segment.name if journey.segments else None, segment.tier if journey.segments else None)
    stage_routes = [routes(stage, view) for stage in journey.stages]
    ways = _chain_ways(journey, plan)
    size = len(plan.stages)
    limits = np.array([stage.visit_limit for stage in plan.stages])
    possible_edges = []
    point_edges: dict[tuple[int, int], float] = {}
    unsettled_loops: set[int] = set()
    for k in range(size):
        taken = laid_end_to_end([_possible(route, None).taken for route in stage_routes[k]])
        for route, way, chance in zip(stage_routes[k], ways[k], taken, strict=True):
            if way.target >= 0 and max(_possible(route, None).values) > 0:
                possible_edges.append((k, way.target))
            if way.target >= 0 and chance > 0:
                point_edges[(k, way.target)] = point_edges.get((k, way.target), 0.0) + chance
    loops = _loops(possible_edges, size)
    for k in range(size):
        if loops.loop_of[k] >= 0 and any(_possible(route, None).free for route in stage_routes[k]):
            unsettled_loops.add(int(loops.loop_of[k]))
    stage_moves = sparse.csr_matrix(
        (list(point_edges.values()), ([a for a, _ in point_edges], [b for _, b in point_edges])), shape=(size, size)
    )
    large = any(len(stages) > MAX_LOOP_STAGES for stages in loops.members)
    returns = return_chances(stage_moves) if large else np.ones(size)
    stops = []
    for stages in loops.members:
        if len(stages) <= MAX_LOOP_STAGES:
            returns[stages] = _loop_returns(stage_moves, stages)
        chances = np.clip(np.nan_to_num(returns[stages], nan=1.0), 0.0, 1.0)
        stops.append(min(1.0, float(np.sum(chances ** limits[stages]))))
    followed: set[int] = set()
    unfollowed: list[UnfollowedLoop] = []
    for number, stages in enumerate(loops.members):
        if number not in unsettled_loops and stops[number] < NEGLIGIBLE:
            continue  # no visit limit can stop anyone, and nothing on the loop depends on the visits
        if len(stages) <= MAX_LOOP_STAGES:
            followed.add(number)
        else:
            unfollowed.append(UnfollowedLoop(tuple(plan.stage_names[k] for k in stages), stops[number]))
    while True:
        try:
            chain = _Builder(plan, stage_routes, ways, loops, followed, limits).build(segment)
        except _TooManyStates as too_many:
            followed.discard(too_many.loop)
            stages = loops.members[too_many.loop]
            unfollowed.append(UnfollowedLoop(tuple(plan.stage_names[k] for k in stages), stops[too_many.loop]))
            continue
        chain.unfollowed = [loop for loop in unfollowed if loop.stopped_at_most >= NEGLIGIBLE]
        return chain


def _loop_returns(moves: sparse.csr_matrix, stages: list[int]) -> np.ndarray:
    """Each stage's chance of coming back to itself round a loop, ``1 - 1 / N_kk`` (1 where nothing leaves the loop).

    A customer can only come back to a stage within its loop, so ``N`` is the
    inverse of ``I - Q`` over the loop's moves alone (at most
    :data:`MAX_LOOP_STAGES` stages: a dense inverse).  Where the loop holds
    customers for certain (``I - Q`` singular, or nearly), every chance is 1.
    """
    within = moves[stages][:, stages].toarray()
    system = np.eye(len(stages)) - within
    try:
        if np.linalg.cond(system) > 1e12:
            return np.ones(len(stages))
        visits = np.diag(np.linalg.inv(system))
    except np.linalg.LinAlgError:
        return np.ones(len(stages))
    if not np.all(np.isfinite(visits)) or np.any(visits < 1.0 - 1e-9):
        return np.ones(len(stages))
    return np.clip(1.0 - 1.0 / visits, 0.0, 1.0)


class _Row(NamedTuple):
    """The moves out of one state for one way the transitions go."""

    moves: dict[int, float]
    #: Expected delay of the transitions to stages.
    delay: float
    #: The chance of being stopped by a visit limit.
    stopped: float


class _Builder:
    """Enumerates the states reachable from the start (and from a first entry into every stage) and their moves."""

    def __init__(
        self,
        plan: Plan,
        stage_routes: list[tuple[Route, ...]],
        ways: list[list[_Way]],
        loops: _Loops,
        followed: set[int],
        limits: np.ndarray,
    ) -> None:
        self.plan = plan
        self.stage_routes = stage_routes
        self.ways = ways
        self.loops = loops
        self.followed = followed
        self.limits = limits
        #: A stage's place in its followed loop's visits.
        self.position = {stage: place for n in followed for place, stage in enumerate(loops.members[n])}
        self.index: dict[StageState, int] = {}
        self.states: list[StageState] = []
        self.per_loop = [0] * len(loops.members)

    def entering(self, stage: int, before: StageState | None) -> StageState | None:
        """The state of entering a stage from ``before``; None when its visit limit stops the customer."""
        loop = int(self.loops.loop_of[stage])
        if loop not in self.followed:
            return StageState(stage, None)
        if before is not None and before.visits is not None and self.loops.loop_of[before.stage] == loop:
            counts = list(before.visits)
        else:
            counts = [0] * len(self.loops.members[loop])
        counts[self.position[stage]] += 1
        if counts[self.position[stage]] > self.limits[stage]:
            return None
        return StageState(stage, tuple(counts))

    def add(self, state: StageState) -> int:
        """The number of a state, numbering it when new."""
        found = self.index.get(state)
        if found is not None:
            return found
        self.index[state] = len(self.states)
        self.states.append(state)
        loop = int(self.loops.loop_of[state.stage])
        if loop in self.followed:
            self.per_loop[loop] += 1
            if self.per_loop[loop] > MAX_LOOP_STATES:
                raise _TooManyStates(loop)
        return self.index[state]

    def earlier_visits(self, state: StageState) -> int | None:
        """Earlier entries into the state's stage in this cycle: known on followed loops and off every loop."""
        if state.visits is not None:
            return state.visits[self.position[state.stage]] - 1
        return 0 if self.loops.loop_of[state.stage] < 0 else None

    def row(self, state: StageState, chances: list[float]) -> _Row:
        """Where the transitions lead from a state when they have these chances."""
        moves: dict[int, float] = {}
        delay = 0.0
        stopped = 0.0
        for way, chance in zip(self.ways[state.stage], chances, strict=True):
            if chance <= 0 or way.target < 0:
                continue
            following = self.entering(way.target, state)
            if following is None:
                stopped += chance
                continue
            target = self.add(following)
            moves[target] = moves.get(target, 0.0) + chance
            delay += chance * way.delay
        return _Row(moves, delay, stopped)

    def build(self, segment: SegmentPlan) -> SegmentChain:
        """Number every state and work out its moves."""
        start = self.entering(0, None)
        assert start is not None  # a first entry is never over a limit of at least 1
        self.add(start)
        for stage in range(len(self.plan.stages)):
            seed = self.entering(stage, None)
            if seed is not None:
                self.add(seed)
        rows: list[_Row] = []
        options: dict[int, list[dict[int, float]]] = {}
        free: dict[tuple[str, str, str], FreeConditional] = {}
        too_many_options = False
        while len(rows) < len(self.states):
            state = self.states[len(rows)]
            possible = [_possible(route, self.earlier_visits(state)) for route in self.stage_routes[state.stage]]
            for route, found in zip(self.stage_routes[state.stage], possible, strict=True):
                for chance in found.free:
                    key = (self.plan.stage_names[state.stage], route.transition.target, _conditional_text(chance))
                    free.setdefault(key, FreeConditional(*key, found.taken))
            number = len(rows)
            rows.append(self.row(state, laid_end_to_end([p.taken for p in possible])))
            combinations = math.prod(len(p.values) for p in possible)
            if combinations > MAX_OPTIONS:
                too_many_options = True
            elif combinations > 1:
                options[number] = [
                    self.row(state, laid_end_to_end(list(values))).moves
                    for values in itertools.product(*(p.values for p in possible))
                ]
        size = len(self.states)
        return SegmentChain(
            segment=segment,
            states=self.states,
            moves=sparse.csr_matrix(
                (
                    [p for row in rows for p in row.moves.values()],
                    ([i for i, row in enumerate(rows) for _ in row.moves], [j for row in rows for j in row.moves]),
                ),
                shape=(size, size),
            ),
            stage_of=np.array([state.stage for state in self.states]),
            first_entry=np.array([self.earlier_visits(state) in (0, None) for state in self.states], dtype=bool),
            goal=np.array([self.plan.stages[state.stage].goal for state in self.states], dtype=bool),
            start=0,
            delay_after=np.array([row.delay for row in rows]),
            stopped=np.array([row.stopped for row in rows]),
            options=options,
            free=list(free.values()),
            too_many_options=too_many_options,
        )


def _conditional_text(chance: StateChance) -> str:
    percent = f"{chance.probability * 100:.4g}%"
    return f"{percent} if " + " and ".join(str(condition) for condition in chance.conditions)


def conversion_range(chain: SegmentChain, conversion: float) -> tuple[float, float]:
    """The lowest and highest conversion whatever the conditions on mood and satisfaction do, visit by visit.

    The customers' state decides, at every visit, which of those conditions
    hold: a policy of a Markov decision process whose actions are the ways
    out of each state (:attr:`SegmentChain.options`).  The least and greatest
    chance of reaching a goal over every policy come from value iteration:
    from 0 upwards for the least (each round is below it) and from 1 downwards
    for the greatest (each round is above it), so stopping early, after
    :data:`MAX_ROUNDS`, still leaves valid bounds.

    Parameters
    ----------
    chain : SegmentChain
        The segment's chain.
    conversion : float
        Its conversion with the conditions taken as not holding (returned as both bounds when nothing is free).

    Returns
    -------
    tuple of float
        ``(lowest, highest)``.
    """
    if chain.too_many_options:
        return 0.0, 1.0
    if not chain.options:
        return conversion, conversion
    size = len(chain.states)
    owners: list[int] = []
    rows: list[dict[int, float]] = []
    for state in range(size):
        if chain.goal[state]:
            continue
        choices = chain.options.get(state)
        if choices is None:
            row = chain.moves.getrow(state)
            choices = [dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))]
        for choice in choices:
            owners.append(state)
            rows.append(choice)
    matrix = sparse.csr_matrix(
        (
            [p for row in rows for p in row.values()],
            ([i for i, row in enumerate(rows) for _ in row], [j for row in rows for j in row]),
        ),
        shape=(len(rows), size),
    )
    owner = np.array(owners)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    transient = owner[starts]
    bounds = []
    for pick, first in ((np.minimum, 0.0), (np.maximum, 1.0)):
        value = np.where(chain.goal, 1.0, first)
        for _ in range(MAX_ROUNDS):
            best = pick.reduceat(matrix @ value, starts)
            change = float(np.max(np.abs(best - value[transient]))) if len(transient) else 0.0
            value[transient] = best
            if change < 1e-13:
                break
        bounds.append(float(value[chain.start]))
    low, high = bounds
    return min(low, conversion), max(high, conversion)


def touchpoints_met(plan: Plan, segment: SegmentPlan) -> list[dict[str, float]]:
    """Per stage, the expected visits of each touchpoint in one visit of the stage by a customer of the segment.

    Mirrors the walk: a choice's option by the segment's shares, a touchpoint
    written for other segments passed by, and after a failure (the first
    failure mode whose draw falls below its chance) its recovery, which may
    fail and be recovered in turn.
    """
    met = []
    for stage in plan.stages:
        visits: dict[str, float] = {}
        for step in stage.steps:
            for option, share in _option_shares(step.options, step.cumulative, segment.index):
                _meet(option, share, segment.index, visits, depth=0)
        met.append(visits)
    return met


def meeting_chances(plan: Plan, segment: SegmentPlan) -> list[dict[str, float]]:
    """Per stage, the chance that one visit of the stage by a customer of the segment meets each touchpoint.

    Steps draw independently, so a touchpoint met in several steps is missed
    only if every step misses it.
    """
    found = []
    for stage in plan.stages:
        missed: dict[str, float] = {}
        for step in stage.steps:
            in_step: dict[str, float] = {}
            for option, share in _option_shares(step.options, step.cumulative, segment.index):
                _reach(option, share, segment.index, in_step, frozenset())
            for name, chance in in_step.items():
                missed[name] = missed.get(name, 1.0) * (1.0 - min(1.0, chance))
        found.append({name: 1.0 - chance for name, chance in missed.items()})
    return found


def stage_minutes(plan: Plan, segment: SegmentPlan) -> np.ndarray:
    """Expected time of one visit to each stage by a customer of the segment: its delay and the touchpoints met."""
    times = np.zeros(len(plan.stages))
    for i, stage in enumerate(plan.stages):
        total = stage.delay
        for step in stage.steps:
            for option, share in _option_shares(step.options, step.cumulative, segment.index):
                total += _time(option, share, segment.index, depth=0)
        times[i] = total
    return times


#: Recoveries of recoveries followed this deep (each level multiplies by a failure's chance).
_RECOVERY_DEPTH = 32


def _option_shares(
    options: tuple[TouchpointPlan, ...], cumulative: tuple[tuple[float, ...], ...], segment: int
) -> list[tuple[TouchpointPlan, float]]:
    if len(options) == 1:
        return [(options[0], 1.0)]
    bounds = cumulative[segment]
    shares = []
    lower = 0.0
    for option, upper in zip(options, bounds, strict=True):
        upper = min(upper, 1.0)
        shares.append((option, max(0.0, upper - lower)))
        lower = max(lower, upper)
    return shares


def _failures(tp: TouchpointPlan) -> list[tuple[float, TouchpointPlan | None]]:
    """Each failure mode's chance of being the one that happens (the first whose draw falls below its chance)."""
    found = []
    none_before = 1.0
    for failure in tp.failures:
        found.append((none_before * failure.probability, failure.recovery))
        none_before *= 1.0 - failure.probability
    return found


def _audience(tp: TouchpointPlan, segment: int) -> bool:
    return tp.audience is None or segment in tp.audience


def _meet(tp: TouchpointPlan, weight: float, segment: int, visits: dict[str, float], depth: int) -> None:
    if weight <= 0 or not _audience(tp, segment) or depth > _RECOVERY_DEPTH:
        return
    visits[tp.name] = visits.get(tp.name, 0.0) + weight
    for chance, recovery in _failures(tp):
        if recovery is not None:
            _meet(recovery, weight * chance, segment, visits, depth + 1)


def _reach(tp: TouchpointPlan, weight: float, segment: int, chances: dict[str, float], met: frozenset[str]) -> None:
    """Add the chance that a step meets each touchpoint, counting a touchpoint once on each chain of recoveries.

    Failure modes exclude one another, so the chains of recoveries from one
    touchpoint are exclusive events and their chances add up.
    """
    if weight <= 0 or not _audience(tp, segment) or len(met) > _RECOVERY_DEPTH:
        return
    if tp.name not in met:
        chances[tp.name] = chances.get(tp.name, 0.0) + weight
    for chance, recovery in _failures(tp):
        if recovery is not None:
            _reach(recovery, weight * chance, segment, chances, met | {tp.name})


def _time(tp: TouchpointPlan, weight: float, segment: int, depth: int) -> float:
    if weight <= 0 or not _audience(tp, segment) or depth > _RECOVERY_DEPTH:
        return 0.0
    total = weight * (tp.duration.mean if tp.duration is not None else 0.0)
    for chance, recovery in _failures(tp):
        if recovery is not None:
            total += _time(recovery, weight * chance, segment, depth + 1)
    return total
