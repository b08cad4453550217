"""`journey analyze`: exact figures of a journey's flow, without simulation.

The stages and their transitions form an absorbing Markov chain (Kemeny &
Snell 1960): from every stage a customer moves on with the written
probabilities or drops off.  Linear algebra on the chain (sparse, on the
matrix read from the journey's NetworkX graph) gives

- the probability of reaching a goal stage, from the start and from every stage;
- the expected visits of every stage and touchpoint in one purchase cycle;
- the expected number of touchpoints met, and the expected time until a
  customer reaches a goal or drops off;
- the conversion removal effect of every stage and touchpoint:
  ``(P(goal) - P(goal without it)) / P(goal)`` (Anderl et al. 2016), where
  removing a touchpoint means that the customers who would meet it drop off
  there.

The figures are exact for the chain; they are approximate where the journey
has state-dependent transitions (taken at their baseline probability), where
visit limits cut loops short, or where customers give up in queues, and the
result says so.

The work grows with the journey's size, not its cube.  With ``Q`` the moves
among the stages that are not goals (goals absorb), ``N = (I - Q)^-1`` and
``h`` the probabilities of reaching a goal, ``I - Q`` is factorised once
(sparse LU) and every figure comes from a few solves with that factorisation:
``h``, the times to the end, and the start's row ``m`` of ``N``.  A removal
needs no solve of its own: by the strong Markov property at the first
arrival at stage ``k``, removing a share ``w`` of the customers arriving there
loses ``m_k h_k w / (1 + w (N_kk - 1))`` of the conversion (``N_kk`` is 1 for
a stage on no loop; it is solved for only for the stages on loops), and a
share ``w`` of the customers arriving at a goal ``k`` loses ``w`` times the
probability of reaching ``k`` first (``m`` times the moves into ``k``).  Only
a touchpoint met in several stages is removed by a solve of its own.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, connected_components, reverse_cuthill_mckee
from scipy.sparse.linalg import splu

from .._version import __version__
from ..lang.graph import build_graph
from ..lang.model import Journey
from ..sim.plan import compile_plan
from ..sim.results import Document, provenance, rounded

__all__ = ["SCHEMA", "analyze"]

SCHEMA = "journeydsl.analysis/1"


def analyze(journey: Journey) -> Document:
    """Exact flow figures of one design of a journey (the ``journeydsl.analysis/1`` document).

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { stage a { touchpoint t: staff { feel +1 } -> b 60% } '
    ...           'stage b goal { touchpoint u: staff { feel +1 } } }')
    >>> analyze(j)["conversion"]
    0.6
    """
    graph = build_graph(journey)
    plan = compile_plan(journey)
    stages = sorted(
        (n for n, d in graph.nodes(data=True) if d.get("kind") == "stage"), key=lambda n: graph.nodes[n]["order"]
    )
    index = {node: i for i, node in enumerate(stages)}
    size = len(stages)
    sources: list[int] = []
    targets: list[int] = []
    probabilities: list[float] = []
    delay_after = np.zeros(size)
    for source, target, data in graph.edges(data=True):
        if data.get("kind") != "transition" or data.get("repeat") or source not in index or target not in index:
            continue
        sources.append(index[source])
        targets.append(index[target])
        probabilities.append(data["probability"])
        delay_after[index[source]] += data["probability"] * (data.get("delay") or 0.0)
    # Repeated (source, target) pairs are summed.
    moves = sparse.csr_matrix((probabilities, (sources, targets)), shape=(size, size))
    goal = np.array([bool(graph.nodes[n].get("goal")) for n in stages])
    start = index[graph.graph["start"]]

    chain = _Chain(moves, goal, start)
    reach = chain.reach
    # Expected visits of each stage in one cycle: the start's row of the fundamental matrix (I - P)^-1.
    identity = sparse.identity(size, format="csc")
    visits = _Solver((identity - moves).T.tocsc()).solve(_unit(size, start))
    touchpoint_visits, stage_weights = _touchpoint_visits(graph, plan, stages, visits)
    minutes = _stage_time(graph, plan, stages) + delay_after
    time_to_end = np.zeros(size)
    if chain.transient.any():
        time_to_end[chain.transient] = chain.solver.solve(minutes[chain.transient])
    conversion = float(reach[start])

    stage_removal = {graph.nodes[node]["name"]: chain.removal_effect({index[node]: 1.0}) for node in stages}
    touchpoint_removal = {
        name: chain.removal_effect({index[node]: weight for node, weight in weights.items()})
        for name, weights in stage_weights.items()
    }

    reasons = _approximations(graph, plan)
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "time_unit": plan.time_unit,
        "exact": not reasons,
        "approximations": reasons,
        "conversion": rounded(conversion),
        "expected_touchpoints": rounded(sum(touchpoint_visits.values())),
        "expected_time_to_goal_or_drop_off": rounded(float(time_to_end[start])),
        "stages": {
            graph.nodes[node]["name"]: {
                "goal": bool(goal[i]),
                "reach_goal": rounded(float(reach[i])),
                "expected_visits": rounded(float(visits[i])),
                "removal_effect": stage_removal[graph.nodes[node]["name"]],
            }
            for i, node in enumerate(stages)
        },
        "touchpoints": {
            name: {"expected_visits": rounded(value), "removal_effect": touchpoint_removal.get(name, 0.0)}
            for name, value in touchpoint_visits.items()
        },
        **provenance(None, journey.source_sha256),
    }


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

    def removal_effect(self, shares: dict[int, float]) -> float:
        """Removal effect when a share ``shares[k]`` of the customers arriving at stage ``k`` drop off there."""
        conversion = self.conversion
        if conversion <= 0:
            return 0.0
        shares = {stage: share for stage, share in shares.items() if share}
        if not shares:
            return 0.0
        if len(shares) > 1:
            return self._removal_by_solving(shares)
        ((stage, share),) = shares.items()
        if self.goal[self.start]:
            # Everyone starts at a goal: only removing the start loses anything.
            return rounded(share) if stage == self.start else 0.0
        if self.goal[stage]:
            # The customers who reach this goal first: the start's visits times the moves into it.
            column = int(np.flatnonzero(self.goal).searchsorted(stage))
            first_here = float(self.into_goals[:, column].T.dot(self.row)[0])
            return rounded(share * first_here / conversion)
        k = int(self.position[stage])
        lost = self.row[k] * self.reach[stage] * share / (1.0 + share * (self.visits_from_itself(stage) - 1.0))
        return rounded(float(lost) / conversion)

    def _removal_by_solving(self, shares: dict[int, float]) -> float:
        entering = np.ones(len(self.goal))
        for stage, share in shares.items():
            entering[stage] = 1.0 - share
        reduced = _Chain(self.moves @ sparse.diags(entering, format="csr"), self.goal, self.start)
        without = float(entering[self.start] * reduced.conversion)
        return rounded((self.conversion - without) / self.conversion)


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


def _touchpoint_visits(graph: nx.DiGraph, plan, stages: list[str], visits: np.ndarray):
    """Expected visits per touchpoint, and, per touchpoint, the share of each stage's customers who meet it."""
    shares = {segment.index: segment.share for segment in plan.segments}
    by_name = {tp.name: tp for tp in plan.touchpoints}
    chosen = _choice_shares(plan)
    expected: dict[str, float] = {}
    weights: dict[str, dict[str, float]] = {}
    for i, node in enumerate(stages):
        for _, tp_node, data in graph.out_edges(node, data=True):
            if data.get("kind") != "step":
                continue
            name = graph.nodes[tp_node]["name"]
            weight = chosen.get((graph.nodes[node]["name"], name), 1.0)
            compiled = by_name.get(name)
            if compiled is not None and compiled.audience is not None:
                weight *= sum(shares[s] for s in compiled.audience)
            expected[name] = expected.get(name, 0.0) + visits[i] * weight
            weights.setdefault(name, {})[node] = min(1.0, weights.get(name, {}).get(node, 0.0) + weight)
            for _, recovery, edge in graph.out_edges(tp_node, data=True):
                if edge.get("kind") == "recovery":
                    rec = graph.nodes[recovery]["name"]
                    expected[rec] = expected.get(rec, 0.0) + visits[i] * weight * edge["probability"]
    return expected, weights


def _choice_shares(plan) -> dict[tuple[str, str], float]:
    """The share of a stage's customers who take each option of a choice, over all segments.

    A choice's shares may differ by segment (``share 60% (premier 80%, mass 50%)``);
    the overall share weights each segment's by the segment's share of customers.
    """
    result: dict[tuple[str, str], float] = {}
    for stage in plan.stages:
        for step in stage.steps:
            if len(step.options) < 2:
                continue
            for position, option in enumerate(step.options):
                total = 0.0
                for segment in plan.segments:
                    bounds = step.cumulative[segment.index]
                    upper = bounds[position] if position < len(step.options) - 1 else 1.0
                    lower = bounds[position - 1] if position else 0.0
                    total += segment.share * (min(upper, 1.0) - lower)
                result[(stage.name, option.name)] = total
    return result


def _stage_time(graph: nx.DiGraph, plan, stages: list[str]) -> np.ndarray:
    """Expected time of one visit to each stage: its delay and its touchpoints' mean durations."""
    by_name = {tp.name: tp for tp in plan.touchpoints}
    stage_plans = {s.name: s for s in plan.stages}
    chosen = _choice_shares(plan)
    times = np.zeros(len(stages))
    for i, node in enumerate(stages):
        name = graph.nodes[node]["name"]
        total = stage_plans[name].delay
        for _, tp_node, data in graph.out_edges(node, data=True):
            if data.get("kind") != "step":
                continue
            compiled = by_name.get(graph.nodes[tp_node]["name"])
            if compiled is None:
                continue
            weight = chosen.get((name, compiled.name), 1.0)
            mean = compiled.duration.mean if compiled.duration is not None else 0.0
            for failure in compiled.failures:
                if failure.recovery is not None and failure.recovery.duration is not None:
                    mean += failure.probability * failure.recovery.duration.mean
            total += weight * mean
        times[i] = total
    return times


def _approximations(graph: nx.DiGraph, plan) -> list[str]:
    reasons = []
    if any(d.get("conditional") for _, _, d in graph.edges(data=True)):
        reasons.append("state-dependent transitions are taken at their baseline probability")
    flow = nx.DiGraph(
        [(u, v) for u, v, d in graph.edges(data=True) if d.get("kind") == "transition" and not d.get("repeat")]
    )
    if flow.number_of_nodes() and not nx.is_directed_acyclic_graph(flow):
        reasons.append("loops are not cut short by visit limits")
    if any(tp.capacity is not None for tp in plan.touchpoints) and any(s.patience is not None for s in plan.segments):
        reasons.append("customers who give up in a queue are not counted as dropping off")
    return reasons
