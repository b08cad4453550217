"""`journey analyze`: exact figures of a journey's flow, without simulation.

Each segment's first purchase cycle is an absorbing Markov chain (Kemeny &
Snell 1960) built by :mod:`journeydsl.analysis.segment_chains` with the
simulator's rules: the segment's routes (conditions on the segment settled,
a remainder taken per segment), its choice shares and the touchpoints written
for it, and, on the loops where they matter, visit limits and ``visits``
conditions followed visit by visit.  Linear algebra on each chain (sparse)
gives

- the probability of reaching a goal stage, from the start and from every stage;
- the expected visits of every stage and touchpoint in one purchase cycle;
- the expected number of touchpoints met, and the expected time until a
  customer reaches a goal or drops off;
- the conversion removal effect of every stage and touchpoint:
  ``(P(goal) - P(goal without it)) / P(goal)`` (Anderl et al. 2016), where
  removing a touchpoint means that the customers who would meet it drop off
  there;

and the figures for all customers mix the segments' by their shares.  Where a
transition depends on the customer's mood or satisfaction, the chain takes the
condition as not holding, names the transition, and bounds the conversion
whatever the condition does (:func:`~journeydsl.analysis.segment_chains.conversion_range`);
customers who give up in a queue, the time spent queueing, and the visit
limits of loops too large to follow are the other approximations, each named.

The work grows with the journey's size, not its cube.  With ``Q`` the moves
among the states that are not goals (goals absorb), ``N = (I - Q)^-1`` and
``h`` the probabilities of reaching a goal, ``I - Q`` is factorised once
(sparse LU) and every figure comes from a few solves with that factorisation:
``h``, the times to the end, and the start's row ``m`` of ``N``.  A removal
needs no solve of its own: by the strong Markov property at the first
arrival at state ``k``, removing a share ``w`` of the customers arriving there
loses ``m_k h_k w / (1 + w (N_kk - 1))`` of the conversion (``N_kk`` is 1 for
a state on no loop; it is solved for only for the states on loops), and a
share ``w`` of the customers arriving at a goal ``k`` loses ``w`` times the
probability of reaching ``k`` first (``m`` times the moves into ``k``).  On a
loop followed visit by visit, a stage has a state per visit and each state is
entered at most once, so removing the stage loses the sum over its first
entries.  Only a touchpoint met in several states is removed by a solve of its own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, connected_components, reverse_cuthill_mckee
from scipy.sparse.linalg import splu

from .._version import __version__
from ..lang.model import Journey
from ..lang.routing import EVERYONE, Route, SegmentView, routes
from ..sim.plan import Plan, SegmentPlan, TouchpointPlan, compile_plan
from ..sim.results import Document, provenance, rounded
from .segment_chains import (
    SegmentChain,
    conversion_range,
    meeting_chances,
    segment_chain,
    stage_minutes,
    touchpoints_met,
)

__all__ = ["SCHEMA", "analyze"]

SCHEMA = "journeydsl.analysis/1"


class _SegmentFigures(NamedTuple):
    """One segment's figures before they are mixed by the segments' shares (probabilities, not ratios)."""

    segment: SegmentPlan
    chain: SegmentChain
    conversion: float
    conversion_range: tuple[float, float]
    #: Expected visits of each stage and touchpoint in the first purchase cycle.
    stage_visits: np.ndarray
    touchpoint_visits: dict[str, float]
    #: Per stage, the chance of reaching a goal after arriving there for the first time.
    reach_goal: np.ndarray
    #: Conversions lost (a share of all the segment's customers) without each stage and touchpoint.
    stage_lost: np.ndarray
    touchpoint_lost: dict[str, float]
    time_to_end: float
    stopped_by_visit_limits: float


def analyze(journey: Journey) -> Document:
    """Exact flow figures of one design of a journey (the ``journeydsl.analysis/1`` document).

    Each segment's customers follow their own routes (conditions on the segment
    settled, choice shares and touchpoints for that segment, visit limits and
    ``visits`` conditions followed where they matter, see
    :mod:`journeydsl.analysis.segment_chains`); the figures for all customers
    mix the segments' by their shares.  ``exact`` is true when nothing was
    approximated; ``approximations`` names what was, and ``conversion_range``
    bounds the conversion whatever the conditions on mood and satisfaction do.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { stage a { touchpoint t: staff { feel +1 } -> b 60% } '
    ...           'stage b goal { touchpoint u: staff { feel +1 } } }')
    >>> analyze(j)["conversion"]
    0.6
    """
    plan = compile_plan(journey)
    names = plan.stage_names
    order = _touchpoint_order(plan)
    solved: dict[tuple[tuple[Route, ...], ...], _Solved] = {}
    figures = []
    for segment in plan.segments:
        view = SegmentView(segment.name, segment.tier) if journey.segments else EVERYONE
        key = tuple(routes(stage, view) for stage in journey.stages)
        if key not in solved:
            solved[key] = _solve(segment_chain(journey, plan, segment, _return_chances))
        figures.append(_segment_figures(plan, solved[key], segment, order))
    shares = np.array([f.segment.share for f in figures])
    shares = shares / shares.sum()
    conversion = float(shares @ [f.conversion for f in figures])
    stage_visits = sum((w * f.stage_visits for w, f in zip(shares, figures, strict=True)), np.zeros(len(names)))
    touchpoint_visits = {
        name: float(sum(w * f.touchpoint_visits[name] for w, f in zip(shares, figures, strict=True))) for name in order
    }
    weights = np.array([w * f.stage_visits for w, f in zip(shares, figures, strict=True)])
    reach = np.array([f.reach_goal for f in figures])
    visited = weights.sum(axis=0)
    reach_goal = np.where(
        visited > 0, (weights * reach).sum(axis=0) / np.where(visited > 0, visited, 1.0), shares @ reach
    )
    stage_lost = shares @ np.array([f.stage_lost for f in figures])
    approximations = _approximations(plan, figures)
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "time_unit": plan.time_unit,
        "exact": not (approximations.flow or approximations.timing),
        "flow_exact": not approximations.flow,
        "approximations": approximations.flow + approximations.timing,
        "approximated_transitions": approximations.transitions,
        "conversion": rounded(conversion),
        "conversion_range": [
            rounded(float(shares @ [f.conversion_range[0] for f in figures])),
            rounded(float(shares @ [f.conversion_range[1] for f in figures])),
        ],
        "stopped_by_visit_limits": rounded(float(shares @ [f.stopped_by_visit_limits for f in figures])),
        "expected_touchpoints": rounded(sum(touchpoint_visits.values())),
        "expected_time_to_goal_or_drop_off": rounded(float(shares @ [f.time_to_end for f in figures])),
        "stages": {
            name: {
                "goal": bool(plan.stages[i].goal),
                "reach_goal": rounded(float(reach_goal[i])),
                "expected_visits": rounded(float(stage_visits[i])),
                "removal_effect": _ratio(float(stage_lost[i]), conversion),
            }
            for i, name in enumerate(names)
        },
        "touchpoints": {
            name: {
                "expected_visits": rounded(touchpoint_visits[name]),
                "removal_effect": _ratio(
                    float(sum(w * f.touchpoint_lost[name] for w, f in zip(shares, figures, strict=True))), conversion
                ),
            }
            for name in order
        },
        "segments": {f.segment.name: _segment_document(f, names, order) for f in figures},
        **provenance(None, journey.source_sha256),
    }


def _ratio(lost: float, conversion: float) -> float:
    """A removal effect: the share of conversions lost (0 when nobody converts)."""
    return rounded(lost / conversion) if conversion > 0 else 0.0


def _segment_document(figures: _SegmentFigures, names: tuple[str, ...], order: list[str]) -> Document:
    return {
        "share": rounded(figures.segment.share),
        "conversion": rounded(figures.conversion),
        "conversion_range": [rounded(figures.conversion_range[0]), rounded(figures.conversion_range[1])],
        "stopped_by_visit_limits": rounded(figures.stopped_by_visit_limits),
        "expected_touchpoints": rounded(sum(figures.touchpoint_visits.values())),
        "expected_time_to_goal_or_drop_off": rounded(figures.time_to_end),
        "stages": {
            name: {
                "reach_goal": rounded(float(figures.reach_goal[i])),
                "expected_visits": rounded(float(figures.stage_visits[i])),
                "removal_effect": _ratio(float(figures.stage_lost[i]), figures.conversion),
            }
            for i, name in enumerate(names)
        },
        "touchpoints": {
            name: {
                "expected_visits": rounded(figures.touchpoint_visits[name]),
                "removal_effect": _ratio(figures.touchpoint_lost[name], figures.conversion),
            }
            for name in order
        },
    }


class _Solved(NamedTuple):
    """The algebra of one segment's chain, shared by the segments whose routes are the same."""

    chain: SegmentChain
    absorbing: _Chain
    #: Expected visits of every state in the first cycle (goals do not absorb here).
    visits: np.ndarray
    conversion_range: tuple[float, float]


def _solve(chain: SegmentChain) -> _Solved:
    size = len(chain.states)
    absorbing = _Chain(chain.moves, chain.goal, chain.start)
    identity = sparse.identity(size, format="csc")
    visits = _Solver((identity - chain.moves).T.tocsc()).solve(_unit(size, chain.start))
    visits[~_reachable(chain.moves, _unit(size, chain.start) > 0)] = 0.0
    return _Solved(chain, absorbing, visits, conversion_range(chain, absorbing.conversion))


def _segment_figures(plan: Plan, solved: _Solved, segment: SegmentPlan, order: list[str]) -> _SegmentFigures:
    chain, absorbing, visits = solved.chain, solved.absorbing, solved.visits
    size = len(plan.stages)
    stage_visits = np.bincount(chain.stage_of, weights=visits, minlength=size)
    met = touchpoints_met(plan, segment)
    touchpoint_visits = dict.fromkeys(order, 0.0)
    for k, per_stage in enumerate(met):
        for name, count in per_stage.items():
            touchpoint_visits[name] += float(stage_visits[k]) * count
    reach_goal = np.zeros(size)
    stage_lost = np.zeros(size)
    for k in range(size):
        first = chain.states_of(k, first_only=True)
        arriving = visits[first]
        reach_goal[k] = (
            float(arriving @ absorbing.reach[first] / arriving.sum())
            if arriving.sum() > 0
            else absorbing.reach[first[0]]
        )
        stage_lost[k] = absorbing.lost(dict.fromkeys(first.tolist(), 1.0), first_entries=True)
    touchpoint_lost = dict.fromkeys(order, 0.0)
    shares_by_touchpoint: dict[str, dict[int, float]] = {}
    for k, chances in enumerate(meeting_chances(plan, segment)):
        for name, chance in chances.items():
            for state in chain.states_of(k).tolist():
                shares_by_touchpoint.setdefault(name, {})[state] = chance
    for name, shares in shares_by_touchpoint.items():
        touchpoint_lost[name] = absorbing.lost(shares)
    minutes = stage_minutes(plan, segment)[chain.stage_of] + chain.delay_after
    time_to_end = 0.0
    if not chain.goal[chain.start]:
        transient = absorbing.transient
        times = absorbing.solver.solve(minutes[transient])
        time_to_end = float(times[absorbing.position[chain.start]])
    return _SegmentFigures(
        segment=segment,
        chain=chain,
        conversion=absorbing.conversion,
        conversion_range=solved.conversion_range,
        stage_visits=stage_visits,
        touchpoint_visits=touchpoint_visits,
        reach_goal=reach_goal,
        stage_lost=stage_lost,
        touchpoint_lost=touchpoint_lost,
        time_to_end=time_to_end,
        stopped_by_visit_limits=float(visits @ chain.stopped),
    )


def _return_chances(moves: sparse.csr_matrix) -> np.ndarray:
    """Each stage's chance of coming back to itself, ``1 - 1 / N_kk``, in a chain where nothing absorbs.

    Not finite (``nan``) where the loop holds customers for certain: the caller takes 1 there.
    """
    size = moves.shape[0]
    chain = _Chain(moves, np.zeros(size, dtype=bool), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        visits = np.array([chain.visits_from_itself(k) for k in range(size)])
        return np.where(np.isfinite(visits) & (visits >= 1.0 - 1e-9), 1.0 - 1.0 / visits, np.nan)


def _touchpoint_order(plan: Plan) -> list[str]:
    """The touchpoints met in the stages, in the order met, each followed by the recoveries of its failures."""
    order: dict[str, None] = {}

    def visit(tp: TouchpointPlan, depth: int) -> None:
        if tp.name in order or depth > 32:
            return
        order[tp.name] = None
        for failure in tp.failures:
            if failure.recovery is not None:
                visit(failure.recovery, depth + 1)

    for stage in plan.stages:
        for step in stage.steps:
            for option in step.options:
                visit(option, 0)
    return list(order)


def _unit(size: int, position: int) -> np.ndarray:
    vector = np.zeros(size)
    vector[position] = 1.0
    return vector


class _Solver:
    """Solves ``A x = b`` (or ``A^T x = b``) for a square sparse ``A`` factorised once (sparse LU).

    A singular ``A`` (a trap with no way out, which the checks report as JD302)
    is solved in the least-squares sense instead, densely: such journeys are
    not run, but analysing one must not fail.
    """

    def __init__(self, matrix: sparse.csc_matrix) -> None:
        self._matrix = matrix
        self._lu: Any = None
        self._dense: np.ndarray | None = None
        if matrix.shape[0] == 0:
            return
        try:
            self._lu = splu(matrix)
        except RuntimeError:  # exactly singular
            self._dense = matrix.toarray()

    def solve(self, rhs: np.ndarray, transposed: bool = False) -> np.ndarray:
        """``A^-1 rhs`` (``A^-T rhs`` when ``transposed``); ``rhs`` a vector or a matrix of columns."""
        if self._matrix.shape[0] == 0:
            return np.zeros(rhs.shape)
        if self._lu is not None:
            rhs = np.asarray(rhs, dtype=float)
            trans = "T" if transposed else "N"
            solved = self._lu.solve(rhs, trans=trans)
            if np.all(np.isfinite(solved)):
                # One step of iterative refinement: the figures are written to six digits.
                matrix = self._matrix.T if transposed else self._matrix
                return solved + self._lu.solve(rhs - matrix @ solved, trans=trans)
            self._dense = self._matrix.toarray()
        assert self._dense is not None
        matrix = self._dense.T if transposed else self._dense
        return np.linalg.lstsq(matrix, rhs, rcond=None)[0]


class _Chain:
    """The absorbing chain of a journey's stages: goal stages absorb, the others (transient) move on.

    Parameters
    ----------
    moves : scipy.sparse matrix
        ``moves[i, j]``: the probability of going from stage ``i`` to stage ``j``.
    goal : numpy array of bool
        Which stages are goals.
    start : int
        The first stage.
    """

    def __init__(self, moves: sparse.csr_matrix, goal: np.ndarray, start: int) -> None:
        self.moves = moves
        self.goal = goal
        self.start = start
        self.transient = ~goal
        #: Position of each stage among the transient ones (-1 for goals).
        self.position = np.full(len(goal), -1)
        self.position[self.transient] = np.arange(int(self.transient.sum()))
        from_transient = moves[np.flatnonzero(self.transient)]
        self.q = from_transient[:, np.flatnonzero(self.transient)].tocsc()
        #: Moves from each transient stage into each goal (columns in the order of the goal stages).
        self.into_goals = from_transient[:, np.flatnonzero(goal)]
        count = self.q.shape[0]
        self.solver = _Solver((sparse.identity(count, format="csc") - self.q).tocsc())
        self.reach = goal.astype(float)
        if count:
            into_goal = np.asarray(self.into_goals.sum(axis=1)).ravel()
            reach = self.solver.solve(into_goal)
            # Exactly 0 where no goal can be reached (not the rounding noise of a solve).
            reach[~_reachable(self.q.T, into_goal > 0)] = 0.0
            self.reach[self.transient] = reach
        self.conversion = float(self.reach[start])
        self._row: np.ndarray | None = None
        self._returns: dict[int, float] | None = None

    @property
    def row(self) -> np.ndarray:
        """The start's row of ``N = (I - Q)^-1``: expected visits of each transient stage before absorption."""
        if self._row is None:
            first = _unit(self.q.shape[0], int(self.position[self.start]))
            row = self.solver.solve(first, transposed=True)
            row[~_reachable(self.q, first > 0)] = 0.0  # stages the start never leads to
            self._row = row
        return self._row

    def visits_from_itself(self, stage: int) -> float:
        """``N_kk``: expected visits of a transient stage by a customer who starts there (1 off every loop)."""
        if self._returns is None:
            self._returns = self._on_loops()
        return self._returns.get(int(self.position[stage]), 1.0)

    def _on_loops(self) -> dict[int, float]:
        """``N_kk`` of the transient stages on a loop (a strongly connected part, or a move to itself).

        A customer who leaves a stage can only come back to it within its
        strongly connected part, so ``N_kk`` is the diagonal of the inverse of
        ``I - Q`` with the moves between parts left out.
        """
        parts, labels = connected_components(self.q, directed=True, connection="strong")
        sizes = np.bincount(labels, minlength=parts)
        looped = np.flatnonzero((sizes[labels] > 1) | (self.q.diagonal() != 0))
        if not len(looped):
            return {}
        moves = sparse.coo_matrix(self.q[looped][:, looped])
        inside = labels[looped][moves.row] == labels[looped][moves.col]
        within = sparse.coo_matrix(
            (moves.data[inside], (moves.row[inside], moves.col[inside])), shape=(len(looped), len(looped))
        )
        diagonal = _inverse_diagonal(sparse.identity(len(looped), format="coo") - within)
        if diagonal is None:
            diagonal = self._solved_diagonal(looped)
        return {int(stage): float(value) for stage, value in zip(looped, diagonal, strict=True)}

    def _solved_diagonal(self, stages: np.ndarray) -> np.ndarray:
        """``N_kk`` of some transient stages by solving for their columns of ``N``, a batch at a time."""
        count = self.q.shape[0]
        found = np.empty(len(stages))
        for first in range(0, len(stages), _BATCH):
            batch = stages[first : first + _BATCH]
            units = np.zeros((count, len(batch)))
            units[batch, np.arange(len(batch))] = 1.0
            found[first : first + len(batch)] = self.solver.solve(units)[batch, np.arange(len(batch))]
        return found

    def lost(self, shares: dict[int, float], first_entries: bool = False) -> float:
        """Conversion lost (a share of all customers) when a share ``shares[k]`` of those arriving at ``k`` drop off.

        With ``first_entries``, the states are the first entries into one stage
        of a loop followed visit by visit (each entered at most once, and only one
        of them by any customer), so the losses of removing each add up.
        """
        if self.conversion <= 0:
            return 0.0
        shares = {state: share for state, share in shares.items() if share}
        if not shares:
            return 0.0
        if len(shares) > 1 and not (first_entries and all(share >= 1.0 for share in shares.values())):
            return self._lost_by_solving(shares)
        return sum(self._lost_at(state, share) for state, share in shares.items())

    def _lost_at(self, stage: int, share: float) -> float:
        """Conversion lost when a share of the customers arriving at one state drop off there."""
        if self.goal[self.start]:
            # Everyone starts at a goal: only removing the start loses anything.
            return share * self.conversion if stage == self.start else 0.0
        if self.goal[stage]:
            # The customers who reach this goal first: the start's visits times the moves into it.
            column = int(np.flatnonzero(self.goal).searchsorted(stage))
            return share * float(self.into_goals[:, column].T.dot(self.row)[0])
        k = int(self.position[stage])
        return float(self.row[k] * self.reach[stage] * share / (1.0 + share * (self.visits_from_itself(stage) - 1.0)))

    def _lost_by_solving(self, shares: dict[int, float]) -> float:
        entering = np.ones(len(self.goal))
        for stage, share in shares.items():
            entering[stage] = 1.0 - share
        reduced = _Chain(self.moves @ sparse.diags(entering, format="csr"), self.goal, self.start)
        return self.conversion - float(entering[self.start] * reduced.conversion)


#: Stages on loops solved for at once (columns of one right-hand side), when the loops are too wide for a band.
_BATCH = 256
#: The widest band :func:`_inverse_diagonal` works in (stages on loops, ordered by reverse Cuthill-McKee).
_BAND = 64


def _inverse_diagonal(matrix: sparse.spmatrix) -> np.ndarray | None:
    """The diagonal of ``matrix^-1``, in time linear in its size when its nonzeros fit a narrow band.

    The rows and columns are ordered by reverse Cuthill-McKee, which puts the
    stages of a chain of loops into a band of a few diagonals; the band is
    factorised ``L D U`` without pivoting (``I - Q`` of a chain customers can
    leave is a nonsingular M-matrix, which needs none), and the diagonal of the
    inverse comes from the factors by the equations of Takahashi, Fagan & Chin
    (1973) (``Z = D^-1 L^-1 + (I - U) Z`` and ``Z = U^-1 D^-1 + Z (I - L)``),
    which only need the inverse's entries within the band.

    Returns ``None`` when the band is wider than :data:`_BAND` or a pivot is 0.
    """
    size = matrix.shape[0]
    entries = sparse.coo_matrix(matrix)
    entries.sum_duplicates()
    pattern = sparse.csr_matrix((np.ones(entries.nnz), (entries.row, entries.col)), shape=(size, size))
    order = reverse_cuthill_mckee(pattern + pattern.T, symmetric_mode=True)
    position = np.empty(size, dtype=np.int64)
    position[order] = np.arange(size)
    rows, cols = position[entries.row], position[entries.col]
    width = int(np.max(np.abs(rows - cols))) if entries.nnz else 0
    if width > _BAND:
        return None
    band = np.zeros((size, 2 * width + 1))  # band[i, width + j - i] = A[i, j]
    band[rows, width + cols - rows] = entries.data
    steps = np.arange(1, width + 1)
    for k in range(size):  # L D U in place: L below the diagonal, D on it, D U above it
        pivot = band[k, width]
        if pivot == 0:
            return None
        r = steps[: min(width, size - 1 - k)]
        if len(r):
            lower = band[k + r, width - r] / pivot
            band[k + r, width - r] = lower
            band[(k + r)[:, None], width + r[None, :] - r[:, None]] -= np.outer(lower, band[k, width + r])
    inverse = np.zeros_like(band)  # the inverse's entries within the band, from the last row up
    for i in range(size - 1, -1, -1):
        pivot = band[i, width]
        r = steps[: min(width, size - 1 - i)]
        if not len(r):
            inverse[i, width] = 1.0 / pivot
            continue
        lower = band[i + r, width - r]
        upper = band[i, width + r] / pivot
        block = inverse[(i + r)[:, None], width + r[None, :] - r[:, None]]
        column = -block @ lower
        inverse[i + r, width - r] = column
        inverse[i, width + r] = -upper @ block
        inverse[i, width] = 1.0 / pivot - upper @ column
    diagonal = inverse[position, width]
    return diagonal if np.all(np.isfinite(diagonal)) else None


def _reachable(moves: sparse.spmatrix, sources: np.ndarray) -> np.ndarray:
    """Which nodes can be reached from any of ``sources`` (a mask) along the moves with a positive probability."""
    size = len(sources)
    graph = sparse.coo_matrix(moves)
    positive = graph.data > 0
    # One more node, leading to every source: a single breadth-first search finds them all.
    rows = np.concatenate([graph.row[positive], np.full(int(sources.sum()), size)])
    cols = np.concatenate([graph.col[positive], np.flatnonzero(sources)])
    edges = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size + 1, size + 1))
    found = np.zeros(size + 1, dtype=bool)
    found[breadth_first_order(edges, size, directed=True, return_predecessors=False)] = True
    return found[:size]


class _Approximations(NamedTuple):
    """What the figures approximate, in words."""

    #: Approximations of the flow: conversion, P(goal), visits and removal effects.
    flow: list[str]
    #: Approximations of the expected time only.
    timing: list[str]
    #: The transitions taken at a probability that may not hold (``approximated_transitions``).
    transitions: list[Document]


def _approximations(plan: Plan, figures: list[_SegmentFigures]) -> _Approximations:
    """What the figures approximate, in words, and the transitions taken at a probability that may not hold."""
    reasons: list[str] = []
    everyone = len(figures)
    by_conditional: dict[tuple[str, str, str, float], list[str]] = {}
    for f in figures:
        for free in f.chain.free:
            by_conditional.setdefault((free.stage, free.target, free.conditional, free.taken), []).append(
                f.segment.name
            )
    approximated = []
    for (stage, target, conditional, taken), segments in by_conditional.items():
        approximated.append(
            {
                "stage": stage,
                "target": target,
                "conditional": conditional,
                "taken": rounded(taken),
                "segments": segments,
            }
        )
        who = "" if len(segments) == everyone else " for " + ", ".join(f"`{name}`" for name in segments)
        reasons.append(
            f"`{stage} -> {target}, {conditional}` depends on what the customer met: "
            f"taken as not holding ({taken * 100:.4g}%){who}"
        )
    unfollowed: dict[tuple[str, ...], float] = {}
    for f in figures:
        for loop in f.chain.unfollowed:
            unfollowed[loop.stages] = max(unfollowed.get(loop.stages, 0.0), loop.stopped_at_most)
    for stages, stopped in unfollowed.items():
        shown = " -> ".join(f"`{name}`" for name in stages[:6]) + (" ..." if len(stages) > 6 else "")
        reasons.append(
            f"the loop {shown} ({len(stages)} stages) is too large to follow visit by visit: its visit limits are "
            f"not applied, and they may stop up to {stopped * 100:.3g}% of customers"
        )
    queues = [
        tp
        for tp in plan.touchpoints
        if tp.capacity is not None and any(f.touchpoint_visits.get(tp.name, 0) > 0 for f in figures)
    ]
    impatient = [
        tp.name
        for tp in queues
        if any(f.segment.patience is not None and f.touchpoint_visits.get(tp.name, 0) > 0 for f in figures)
    ]
    if impatient:
        reasons.append(
            "customers who give up waiting at "
            + ", ".join(f"`{name}`" for name in impatient)
            + " are counted as served, not as dropping off"
        )
    timing = []
    if queues:
        timing.append(
            "time spent queueing at " + ", ".join(f"`{tp.name}`" for tp in queues) + " is not in the expected time"
        )
    return _Approximations(reasons, timing, approximated)
