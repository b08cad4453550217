"""Which stages customers can reach, get stuck in or circle through, without networkx.

The checks ask three questions of a journey's flow between stages (JD301,
JD302, JD502); :mod:`journeydsl.lang.graph` answers them on the full
``networkx`` graph.  Importing networkx takes a tenth of a second or more,
longer than checking a journey of a few hundred touchpoints, so this module
answers them from the model with plain dictionaries, with the same answers
(``tests/test_flow.py`` holds them to :mod:`journeydsl.lang.graph`'s on every
example and fixture).  Stages are named by their graph ids (``stage:NAME``)
and the drop-off by :data:`EXIT`, as in the graph.

A customer can take a transition when any of its probabilities (the baseline,
or one under a condition) is above 0, and drops off when the probabilities
written leave a remainder (or the stage has no transitions).  As in the graph,
two transitions between the same stages count as one, the last written.

Examples
--------
>>> from journeydsl.api import loads
>>> journey = loads('''journey "J" { visit limit 3
...   stage a { touchpoint t: staff { feel +1 } -> b 100% }
...   stage b goal { touchpoint u: staff { feel +1 } -> a 50% } }''')
>>> flow = StageFlow.of(journey)
>>> sorted(flow.reachable()), flow.without_way_out(), flow.loops()
(['stage:a', 'stage:b'], set(), [['stage:a', 'stage:b']])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Journey, Stage, Transition

__all__ = ["EXIT", "StageFlow", "resolved_probabilities", "stage_id"]

EXIT = "exit"


def stage_id(name: str) -> str:
    """Node id of a stage (as :func:`journeydsl.lang.graph.stage_id`)."""
    return f"stage:{name}"


def resolved_probabilities(stage: Stage) -> list[tuple[Transition, float]]:
    """Each transition's baseline probability; one written without a number takes the remainder.

    Examples
    --------
    >>> from journeydsl.lang.model import Probability, Stage, Transition
    >>> stage = Stage("a", transitions=(
    ...     Transition("a", "b", Probability(0.6, True)), Transition("a", "exit")))
    >>> [(t.target, round(p, 2)) for t, p in resolved_probabilities(stage)]
    [('b', 0.6), ('exit', 0.4)]
    """
    given = sum(t.probability.value for t in stage.transitions if t.probability is not None)
    open_ended = [t for t in stage.transitions if t.probability is None]
    remainder = max(0.0, 1.0 - given) / len(open_ended) if open_ended else 0.0
    return [(t, t.probability.value if t.probability is not None else remainder) for t in stage.transitions]


@dataclass
class StageFlow:
    """The moves a customer can take between stages and to the drop-off.

    Attributes
    ----------
    start : str or None
        The first stage's id.
    order : dict
        Stage id -> its place in the journey (the last, for a name written twice).
    goals : set
        Ids of the goal stages.
    moves : dict
        Stage id -> the ids it leads to (``exit`` included), each with whether the move is a repeat purchase.
    """

    start: str | None
    order: dict[str, int] = field(default_factory=dict)
    goals: set[str] = field(default_factory=set)
    moves: dict[str, dict[str, bool]] = field(default_factory=dict)

    @classmethod
    def of(cls, journey: Journey) -> StageFlow:
        """The flow of a journey (which need not be valid: transitions to undefined stages are left out)."""
        flow = cls(stage_id(journey.start.name) if journey.start is not None else None)
        names = {stage.name for stage in journey.stages}
        for order, stage in enumerate(journey.stages):
            node = stage_id(stage.name)
            flow.order[node] = order
            flow.moves.setdefault(node, {})
            if stage.goal:
                flow.goals.add(node)
            else:
                flow.goals.discard(node)
        edges: dict[tuple[str, str], tuple[float, bool]] = {}
        for stage in journey.stages:
            source = stage_id(stage.name)
            leaving = 0.0
            for transition, probability in resolved_probabilities(stage):
                if transition.target == EXIT:
                    continue
                leaving += probability
                if transition.target not in names:
                    continue
                most = max([probability, *(c.probability.value for c in transition.conditionals)])
                edges[(source, stage_id(transition.target))] = (most, transition.repeat)
            remainder = max(0.0, 1.0 - leaving)
            if remainder > 1e-12 or not stage.transitions:
                edges[(source, EXIT)] = (remainder if stage.transitions else 1.0, False)
        for (source, target), (most, repeat) in edges.items():
            if most > 0:
                flow.moves[source][target] = repeat
        return flow

    def reachable(self) -> set[str]:
        """Ids of the stages a customer can reach from the start."""
        if self.start is None:
            return set()
        seen = {self.start}
        todo = [self.start]
        while todo:
            for target in self.moves.get(todo.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        seen.discard(EXIT)
        return seen

    def without_way_out(self) -> set[str]:
        """Ids of the stages from which neither the drop-off nor a goal stage can be reached (traps)."""
        into: dict[str, list[str]] = {}
        for source, targets in self.moves.items():
            for target in targets:
                into.setdefault(target, []).append(source)
        # Stages that finish: a goal, or one that leads to the drop-off; then whatever leads to one of them.
        finishing = {node for node in self.moves if node in self.goals or EXIT in self.moves[node]}
        todo = list(finishing)
        while todo:
            for source in into.get(todo.pop(), ()):
                if source not in finishing:
                    finishing.add(source)
                    todo.append(source)
        return {node for node in self.moves if node not in finishing}

    def loops(self) -> list[list[str]]:
        """Groups of stages customers can circle through without a repeat purchase, in journey order."""
        follows = {
            node: [t for t, repeat in targets.items() if not repeat and t != EXIT]
            for node, targets in self.moves.items()
        }
        found = [
            sorted(group, key=self.order.__getitem__)
            for group in _strongly_connected(follows)
            if len(group) > 1 or group[0] in follows[group[0]]
        ]
        return sorted(found, key=lambda group: self.order[group[0]])


def _strongly_connected(follows: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of a directed graph (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in follows:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, next_child = work.pop()
            if next_child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = follows[node]
            for position in range(next_child, len(children)):
                child = children[position]
                if child not in index:
                    work.append((node, position + 1))
                    work.append((child, 0))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return components
