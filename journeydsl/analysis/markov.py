"""`journey analyze`: exact figures of a journey's flow, without simulation.

The stages and their transitions form an absorbing Markov chain (Kemeny &
Snell 1960): from every stage a customer moves on with the written
probabilities or drops off.  Linear algebra on the chain (numpy, on the
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
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from .._version import __version__
from ..lang.graph import build_graph
from ..lang.model import Journey
from ..sim.plan import compile_plan
from ..sim.results import Document, provenance

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
    moves = np.zeros((size, size))
    delay_after = np.zeros(size)
    for source, target, data in graph.edges(data=True):
        if data.get("kind") != "transition" or data.get("repeat") or source not in index or target not in index:
            continue
        moves[index[source], index[target]] += data["probability"]
        delay_after[index[source]] += data["probability"] * (data.get("delay") or 0.0)
    goal = np.array([bool(graph.nodes[n].get("goal")) for n in stages])
    start = index[graph.graph["start"]]

    reach = _reach_goal(moves, goal)
    # Expected visits of each stage in one cycle: the start's row of the fundamental matrix (I - P)^-1.
    visits = _solve((np.eye(size) - moves).T, np.eye(size)[start])
    touchpoint_visits, stage_weights = _touchpoint_visits(graph, plan, stages, visits)
    minutes = _stage_time(graph, plan, stages) + delay_after
    transient = ~goal
    time_to_end = np.zeros(size)
    if transient.any():
        q = moves[np.ix_(transient, transient)]
        time_to_end[transient] = _solve(np.eye(int(transient.sum())) - q, minutes[transient])
    conversion = float(reach[start])

    stage_removal = {}
    for node in stages:
        entering = np.ones(size)
        entering[index[node]] = 0.0
        stage_removal[graph.nodes[node]["name"]] = _removal_effect(moves, goal, start, entering, conversion)
    touchpoint_removal = {}
    for name, weights in stage_weights.items():
        entering = np.ones(size)
        for node, weight in weights.items():
            entering[index[node]] *= 1.0 - weight
        touchpoint_removal[name] = _removal_effect(moves, goal, start, entering, conversion)

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


def _solve(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(matrix, vector)
    except np.linalg.LinAlgError:  # a trap with no way out: the checks report it (JD302)
        return np.linalg.lstsq(matrix, vector, rcond=None)[0]


def _reach_goal(moves: np.ndarray, goal: np.ndarray) -> np.ndarray:
    """P(reach a goal stage) from every stage: goal stages absorb."""
    reach = goal.astype(float)
    transient = ~goal
    if transient.any():
        q = moves[np.ix_(transient, transient)]
        into_goal = moves[np.ix_(transient, goal)].sum(axis=1)
        reach[transient] = _solve(np.eye(int(transient.sum())) - q, into_goal)
    return reach


def _removal_effect(moves: np.ndarray, goal: np.ndarray, start: int, entering: np.ndarray, conversion: float) -> float:
    """Removal effect when only a share ``entering`` of the customers arriving at each stage go on."""
    if conversion <= 0:
        return 0.0
    reduced = moves * entering[None, :]
    reach = _reach_goal(reduced, goal)
    without = float(entering[start] * reach[start])
    return rounded((conversion - without) / conversion)


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


def rounded(value: float) -> float:
    """Six significant digits."""
    return float(f"{value:.6g}")
