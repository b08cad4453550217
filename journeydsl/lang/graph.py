"""Model to ``networkx.DiGraph``, and the graph questions the checks ask.

Node ids are ``stage:NAME``, ``touchpoint:NAME``, ``care:NAME`` and ``exit``.
Every edge has a ``kind``:

``transition``
    stage to stage, with ``probability`` (the baseline value; a transition
    written without one takes the remainder), ``conditional``, ``repeat`` and
    ``delay``.
``exit``
    stage to ``exit``, with the remainder ``probability`` (the explicit drop-off).
``step``
    stage to each of its touchpoints, with ``order`` and, in a choice, ``share``.
``recovery``
    touchpoint to the touchpoint that recovers one of its failures.

Attributes are plain strings, numbers and booleans, so GraphML holds them all.
The builder tolerates an invalid journey (it skips edges to undefined
stages), because the checks use it to find what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .flow import EXIT, resolved_probabilities, stage_id
from .model import Choice, Journey, Stage, Touchpoint, Use
from .units import DEFAULT_TIME_UNIT, to_time_unit

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "EXIT",
    "stage_id",
    "touchpoint_id",
    "build_graph",
    "resolved_probabilities",
    "stage_flow",
    "reachable_stages",
    "stages_without_way_out",
    "loops",
    "nominal_score",
]


def touchpoint_id(touchpoint: Touchpoint | str, kind: str = "touchpoint") -> str:
    """Node id of a touchpoint or care programme."""
    if isinstance(touchpoint, Touchpoint):
        return f"{touchpoint.kind}:{touchpoint.name}"
    return f"{kind}:{touchpoint}"


def nominal_score(touchpoint: Touchpoint) -> float:
    """The effect the designer wrote: the sum of module and theme effects (-5..+5 each)."""
    effects = touchpoint.effects
    return float(sum(e.value for e in effects.modules) + sum(e.value for e in effects.themes))


def _clean(attributes: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in attributes.items() if value is not None}


def _touchpoint_attributes(touchpoint: Touchpoint, time_unit: str) -> dict[str, object]:
    duration = touchpoint.duration
    mean = None
    if duration is not None and duration.kind == "fixed" and duration.args:
        mean = to_time_unit(duration.args[0], time_unit)
    return _clean(
        {
            "kind": touchpoint.kind,
            "name": touchpoint.name,
            "label": touchpoint.name,
            "channel": touchpoint.channel,
            "stage": touchpoint.stage,
            "choice": touchpoint.choice,
            "capacity": touchpoint.capacity,
            "duration": str(duration) if duration is not None else None,
            "fixed_duration": mean,
            "cost": touchpoint.cost,
            "staff_cost": (
                f"{touchpoint.staff_cost.amount:g} per {touchpoint.staff_cost.per}"
                if touchpoint.staff_cost is not None
                else None
            ),
            "moment_of_truth": touchpoint.moment_of_truth,
            "score": nominal_score(touchpoint),
            "modules": ", ".join(f"{e.name} {e.value:+g}" for e in touchpoint.effects.modules) or None,
            "themes": ", ".join(f"{e.name} {e.value:+g}" for e in touchpoint.effects.themes) or None,
            "performance": ", ".join(f"{e.name} {e.value:g}" for e in touchpoint.effects.performance) or None,
            "failures": len(touchpoint.effects.failures) or None,
            "every": str(touchpoint.every) if touchpoint.every is not None else None,
            "audience": (
                f"{touchpoint.audience.kind} {touchpoint.audience.name or ''}".strip()
                if touchpoint.audience is not None
                else None
            ),
            "file": touchpoint.span.file,
            "line": touchpoint.span.line,
        }
    )


def build_graph(journey: Journey) -> nx.DiGraph:
    """Compile a journey into a directed graph of stages, touchpoints and transitions.

    Parameters
    ----------
    journey : Journey
        The model; it need not be valid (edges to undefined stages are left out).

    Returns
    -------
    networkx.DiGraph
        Graph attribute ``name`` is the journey's name; ``start`` the first stage's id.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> g = build_graph(loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }'))
    >>> sorted(g.nodes)
    ['exit', 'stage:a', 'touchpoint:t']
    """
    import networkx as nx

    time_unit = journey.time_unit or DEFAULT_TIME_UNIT
    graph = nx.DiGraph(name=journey.name, time_unit=time_unit)
    if journey.start is not None:
        graph.graph["start"] = stage_id(journey.start.name)
    graph.add_node(EXIT, kind="exit", name="exit", label="drop-off")
    stage_names = {stage.name for stage in journey.stages}
    library = {tp.name: tp for tp in (*journey.touchpoints, *journey.care)}
    for order, stage in enumerate(journey.stages):
        graph.add_node(
            stage_id(stage.name),
            **_clean(
                {
                    "kind": "stage",
                    "name": stage.name,
                    "label": stage.name,
                    "phase": stage.phase,
                    "goal": stage.goal,
                    "order": order,
                    "delay": to_time_unit(stage.delay, time_unit) if stage.delay else None,
                    "visit_limit": stage.visit_limit,
                    "file": stage.span.file,
                    "line": stage.span.line,
                }
            ),
        )
    for touchpoint in (*journey.touchpoints, *journey.care):
        graph.add_node(touchpoint_id(touchpoint), **_touchpoint_attributes(touchpoint, time_unit))
    for stage in journey.stages:
        _add_steps(graph, stage, library, time_unit)
        _add_transitions(graph, stage, stage_names, time_unit)
    for touchpoint in journey.all_touchpoints():
        for failure in touchpoint.effects.failures:
            if failure.recovery and failure.recovery in library:
                graph.add_edge(
                    touchpoint_id(touchpoint),
                    touchpoint_id(library[failure.recovery]),
                    kind="recovery",
                    failure=failure.name,
                    probability=failure.probability.value,
                )
    return graph


def _add_steps(graph: nx.DiGraph, stage: Stage, library: dict[str, Touchpoint], time_unit: str) -> None:
    order = 0
    for step in stage.steps:
        options: Iterable[Touchpoint | Use] = step.options if isinstance(step, Choice) else (step,)
        for option in options:
            if isinstance(option, Touchpoint):
                node = touchpoint_id(option)
                graph.add_node(node, **_touchpoint_attributes(option, time_unit))
            elif option.name in library:
                node = touchpoint_id(library[option.name])
            else:
                continue
            share = option.share.probability.value if option.share is not None else None
            graph.add_edge(stage_id(stage.name), node, **_clean({"kind": "step", "order": order, "share": share}))
        order += 1


def _add_transitions(graph: nx.DiGraph, stage: Stage, stage_names: set[str], time_unit: str) -> None:
    source = stage_id(stage.name)
    leaving = 0.0
    for transition, probability in resolved_probabilities(stage):
        if transition.target == EXIT:
            continue
        leaving += probability
        if transition.target not in stage_names:
            continue
        conditions = "; ".join(
            f"{c.probability} if " + " and ".join(str(x) for x in c.conditions) for c in transition.conditionals
        )
        graph.add_edge(
            source,
            stage_id(transition.target),
            **_clean(
                {
                    "kind": "transition",
                    "probability": probability,
                    "conditional": bool(transition.conditionals),
                    "conditions": conditions or None,
                    "max_probability": max([probability, *(c.probability.value for c in transition.conditionals)]),
                    "repeat": transition.repeat,
                    "delay": to_time_unit(transition.delay, time_unit) if transition.delay else None,
                }
            ),
        )
    remainder = max(0.0, 1.0 - leaving)
    if remainder > 1e-12 or not stage.transitions:
        graph.add_edge(source, EXIT, kind="exit", probability=remainder if stage.transitions else 1.0)


def stage_flow(graph: nx.DiGraph) -> nx.DiGraph:
    """The stages and ``exit`` with only the edges a customer can take (probability above 0).

    A conditional transition counts when any of its probabilities is above 0.
    """
    import networkx as nx

    flow = nx.DiGraph()
    flow.add_nodes_from((node, data) for node, data in graph.nodes(data=True) if data.get("kind") in ("stage", "exit"))
    flow.add_edges_from(
        (u, v, data)
        for u, v, data in graph.edges(data=True)
        if data.get("kind") in ("transition", "exit") and data.get("max_probability", data["probability"]) > 0
    )
    return flow


def reachable_stages(graph: nx.DiGraph) -> set[str]:
    """Ids of the stages a customer can reach from the start."""
    import networkx as nx

    start = graph.graph.get("start")
    if start is None:
        return set()
    flow = stage_flow(graph)
    return {start} | {n for n in nx.descendants(flow, start) if n != EXIT}


def stages_without_way_out(graph: nx.DiGraph) -> set[str]:
    """Ids of the stages from which neither the drop-off nor a goal stage can be reached (traps)."""
    import networkx as nx

    flow = stage_flow(graph)
    done = "__done__"
    flow.add_node(done)
    flow.add_edge(EXIT, done)
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "stage" and data.get("goal"):
            flow.add_edge(node, done)
    finishing = nx.ancestors(flow, done)
    return {n for n in flow.nodes if n not in finishing and n not in (EXIT, done)}


def loops(graph: nx.DiGraph) -> list[list[str]]:
    """Groups of stages customers can circle through without a repeat purchase, in journey order."""
    import networkx as nx

    flow = stage_flow(graph)
    flow.remove_edges_from([(u, v) for u, v, d in flow.edges(data=True) if d.get("repeat")])
    found = []
    for component in nx.strongly_connected_components(flow):
        if len(component) > 1 or any(flow.has_edge(n, n) for n in component):
            found.append(sorted(component, key=lambda n: graph.nodes[n].get("order", 0)))
    return sorted(found, key=lambda group: graph.nodes[group[0]].get("order", 0))
