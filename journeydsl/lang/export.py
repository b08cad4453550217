"""Exports of a compiled journey: Graphviz DOT, GraphML, a Mermaid ``journey`` diagram, CJML, JSON.

Each function takes the journey (and its graph where it needs one) and returns
text; writing files is the CLI's job.  Every name goes through the escaping of
its format in :mod:`journeydsl.lang.escape`: DOT strings that Graphviz draws as
written, well-formed GraphML for any name, Mermaid text that cannot break its
line, JSON with every invisible character escaped.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any

from .escape import dot_string, json_text, mermaid_text, xml_chars
from .graph import EXIT, build_graph, nominal_score, resolved_probabilities, stage_id, touchpoint_id
from .model import Choice, Journey, Span, Stage, Touchpoint, Use

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "FORMATS",
    "to_dot",
    "to_graphml",
    "to_mermaid",
    "to_cjml",
    "to_json",
    "model_to_dict",
    "mermaid_score",
    "export",
]

#: Export formats: name -> short description.
FORMATS: dict[str, str] = {
    "dot": "Graphviz DOT (render with `dot -Tsvg`)",
    "graphml": "GraphML (networkx, Gephi, yEd)",
    "mermaid": "Mermaid user-journey diagram",
    "cjml": "CJML 2.0 XML (SINTEF's Customer Journey Modeling Language): a planned journey",
    "json": "the whole model as JSON (schema journeydsl.model/1)",
}


def export(journey: Journey, fmt: str) -> str:
    """The journey in one of :data:`FORMATS`."""
    if fmt == "dot":
        return to_dot(journey)
    if fmt == "graphml":
        return to_graphml(build_graph(journey))
    if fmt == "mermaid":
        return to_mermaid(journey)
    if fmt == "cjml":
        return to_cjml(journey)
    if fmt == "json":
        return to_json(journey)
    raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")


# ---- DOT -----------------------------------------------------------------------------


def _percent(value: float) -> str:
    return f"{value * 100:.4g}%"


def _score_color(score: float) -> str:
    if score >= 1:
        return "#d9f2d9"
    if score <= -1:
        return "#f8d7d7"
    return "#f2f2f2"


def to_dot(journey: Journey, *, direction: str = "LR") -> str:
    """Graphviz DOT: a cluster per stage with its touchpoints in order, transitions between stages.

    Stages read left to right as the journey goes (``direction="TB"``: top to
    bottom, for a long journey on a narrow page); a transition leaves its
    stage's cluster after the last touchpoint and enters the target's cluster
    at its stage node.  Transitions back to an earlier stage, repeat purchases
    (dashed) and drop-offs (dotted, one small node per stage) do not pull the
    layout out of journey order.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> text = to_dot(loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }'))
    >>> text.splitlines()[0]
    'digraph "J" {'
    >>> to_dot(loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }'), direction="TB").splitlines()[1]
    '  graph [rankdir=TB, compound=true, fontname=Helvetica, label="J", labelloc=t];'
    """
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' (left to right) or 'TB' (top to bottom), not {direction!r}")
    library = {tp.name: tp for tp in journey.touchpoints}
    lines = [
        f"digraph {dot_string(journey.name)} {{",
        f"  graph [rankdir={direction}, compound=true, fontname=Helvetica, label="
        + dot_string(journey.name)
        + ", labelloc=t];",
        "  node [fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Helvetica, fontsize=9];",
    ]
    tails: dict[str, str] = {}
    clusters: dict[str, str] = {}
    for index, stage in enumerate(journey.stages):
        title = stage.name + (f" ({stage.phase})" if stage.phase else "") + (" - goal" if stage.goal else "")
        lines.append(f"  subgraph {dot_string(f'cluster_{index}')} {{")
        color = "#2e7d32" if stage.goal else "#888888"
        lines.append(f"    label={dot_string(title)}; style=rounded; color={dot_string(color)};")
        anchor = stage_id(stage.name)
        shape = "doubleoctagon" if stage.goal else "box"
        lines.append(
            f'    {dot_string(anchor)} [label={dot_string(stage.name)}, shape={shape}, style="rounded,filled", fillcolor="#e3ecfa"];'
        )
        previous = [anchor]
        for step in stage.steps:
            options = step.options if isinstance(step, Choice) else (step,)
            current = []
            for option in options:
                tp = option if isinstance(option, Touchpoint) else library.get(option.name)
                if tp is None:
                    continue
                node = touchpoint_id(tp) + (f"@{stage.name}" if isinstance(option, Use) else "")
                label = f"{tp.name}\n[{tp.channel}]" + (" *" if tp.moment_of_truth else "")
                lines.append(
                    f"    {dot_string(node)} [label={dot_string(label)}, shape=ellipse, style=filled, "
                    f'fillcolor="{_score_color(nominal_score(tp))}"];'
                )
                share = option.share.probability.value if option.share is not None else None
                attrs = f" [label={dot_string(_percent(share))}]" if share is not None else ""
                for source in previous:
                    lines.append(f"    {dot_string(source)} -> {dot_string(node)}{attrs};")
                current.append(node)
            previous = current or previous
        lines.append("  }")
        tails[stage.name] = previous[0]
        clusters[stage.name] = f"cluster_{index}"
    order = {stage.name: index for index, stage in enumerate(journey.stages)}
    for stage in journey.stages:
        lines.extend(_dot_transitions(stage, tails, clusters, order))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_transitions(stage: Stage, tails: dict[str, str], clusters: dict[str, str], order: dict[str, int]) -> list[str]:
    """The DOT edges leaving one stage: transitions, repeats and the drop-off."""
    lines = []
    tail = dot_string(tails[stage.name])
    leaving = 0.0
    dropping = 0.0
    for transition, probability in resolved_probabilities(stage):
        if transition.target == EXIT:
            dropping += probability
            continue
        if transition.target not in order:
            continue
        leaving += probability
        label = _percent(probability) + (" (varies)" if transition.conditionals else "")
        if transition.delay is not None:
            label += f"\nafter {transition.delay}"
        attributes = [f"label={dot_string(label)}"]
        if transition.target != stage.name:
            attributes += [
                f"ltail={dot_string(clusters[stage.name])}",
                f"lhead={dot_string(clusters[transition.target])}",
            ]
        if order[transition.target] <= order[stage.name]:
            attributes.append("constraint=false")
        if transition.repeat:
            attributes += ["style=dashed", 'color="#6a1b9a"', 'fontcolor="#6a1b9a"']
        lines.append(f"  {tail} -> {dot_string(stage_id(transition.target))} [{', '.join(attributes)}];")
    if not (stage.goal and not stage.transitions):
        dropping += max(0.0, 1.0 - leaving - dropping) if stage.transitions else 1.0
    if dropping > 1e-9:
        exit_node = dot_string(f"{EXIT}@{stage.name}")
        lines.append(f'  {exit_node} [label="drop-off", shape=plaintext, fontcolor="#777777", fontsize=9];')
        lines.append(
            f"  {tail} -> {exit_node} [label={dot_string(_percent(dropping))}, ltail={dot_string(clusters[stage.name])}, "
            'style=dotted, color="#999999", fontcolor="#777777"];'
        )
    return lines


# ---- GraphML -------------------------------------------------------------------------


def to_graphml(graph: nx.DiGraph) -> str:
    r"""GraphML that ``networkx.read_graphml`` reads back with the same nodes, edges and attributes.

    Node names and text attributes go through :func:`~journeydsl.lang.escape.xml_chars` (the
    writer escapes markup itself), so the file is well-formed XML whatever the names hold.

    Examples
    --------
    >>> import xml.etree.ElementTree as ET
    >>> import networkx as nx
    >>> graph = nx.DiGraph()
    >>> graph.add_edge("stage:a\x1b", "stage:</key>]]>", label="&")
    >>> root = ET.fromstring(to_graphml(graph))
    >>> sorted(node.get("id") for node in root.iter("{http://graphml.graphdrawing.org/xmlns}node"))
    ['stage:</key>]]>', 'stage:a\\x1b']
    """
    import networkx as nx

    safe = type(graph)()
    safe.graph.update({key: _xml_value(value) for key, value in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        safe.add_node(_xml_value(node), **{key: _xml_value(value) for key, value in data.items()})
    for source, target, data in graph.edges(data=True):
        safe.add_edge(_xml_value(source), _xml_value(target), **{key: _xml_value(value) for key, value in data.items()})
    return "\n".join(nx.generate_graphml(safe, prettyprint=True)) + "\n"


def _xml_value(value: Any) -> Any:
    return xml_chars(value) if isinstance(value, str) else value


# ---- Mermaid -------------------------------------------------------------------------


def mermaid_score(journey: Journey, touchpoint: Touchpoint) -> int:
    """A touchpoint's nominal effect on Mermaid's 1-5 scale.

    The nominal effect is the sum of module and theme effects plus, for each
    factor it performs on, performance minus the journey's expectation (5 when
    none is given).  It is clipped to -5..+5 and mapped linearly: -5 -> 1,
    0 -> 3, +5 -> 5.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { factor service expect 7 stage a goal {'
    ...           ' touchpoint t: staff { feel +1; performance service 9 } } }')
    >>> mermaid_score(j, j.stages[0].touchpoints()[0])  # 1 + (9 - 7) = 3 -> 3 + 2 * 3 / 5
    4
    """
    expectations = {f.name: f.expect if f.expect is not None else 5.0 for f in journey.factors}
    score = nominal_score(touchpoint) + sum(
        p.value - expectations.get(p.name, 5.0) for p in touchpoint.effects.performance
    )
    clipped = max(-5.0, min(5.0, score))
    return int(math.floor(3 + 2 * clipped / 5 + 0.5))


def to_mermaid(journey: Journey) -> str:
    """A Mermaid ``journey`` diagram: sections are stages, tasks are touchpoints, actors channels.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> print(to_mermaid(loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }')))
    journey
        title J
        section a
            t: 3: staff
    <BLANKLINE>
    """
    library = {tp.name: tp for tp in journey.touchpoints}
    lines = ["journey", f"    title {mermaid_text(journey.name)}"]
    for stage in journey.stages:
        tasks = []
        for step in stage.steps:
            for option in step.options if isinstance(step, Choice) else (step,):
                tp = option if isinstance(option, Touchpoint) else library.get(option.name)
                if tp is not None:
                    tasks.append(
                        f"        {mermaid_text(tp.name)}: {mermaid_score(journey, tp)}: {mermaid_text(tp.channel)}"
                    )
        if tasks:
            lines.append(f"    section {mermaid_text(stage.name)}")
            lines.extend(tasks)
    return "\n".join(lines) + "\n"


# ---- CJML ----------------------------------------------------------------------------


def to_cjml(journey: Journey) -> str:
    """A CJML 2.0 document (SINTEF's Customer Journey Modeling Language) holding the journey as planned.

    One ``<plannedJourney>``: the journey's name is its title, each stage a
    ``<journeyPhase>`` (``P1``, ``P2``...), each segment an ``<endUser>`` (one
    ``customer`` when there are none) and the firm the ``<serviceProvider>``;
    each touchpoint (choice options and library touchpoints a stage uses
    included, in order) a ``<plannedCommunicationPoint>`` that belongs to its
    stage's phase, started by the first end user (by the provider for
    advertising, PR, media, partner and agent channels), its channel named as
    :data:`journeydsl.lang.importers.cjml.CJML_NAMES` says and its nominal
    effect as an experience rating of 1 to 5 (:func:`mermaid_score`).  The
    element names follow the CJML data format published at https://cjml.no
    (docs/import.md); ``journey import cjml`` reads the document back.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> text = to_cjml(loads('journey "J & co" { stage a goal { touchpoint "<t>": digital { feel +1 } } }'))
    >>> print(text.splitlines()[1])
    <CJML version="2.0">
    >>> "<initiatorLabel>&lt;t&gt;</initiatorLabel>" in text, "<channelName>Web</channelName>" in text
    (True, True)
    """
    import xml.etree.ElementTree as ET

    from .importers.cjml import CJML_NAMES, PROVIDER_CHANNELS

    def child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, tag, {key: xml_chars(value) for key, value in attributes.items()})
        if text is not None:
            element.text = xml_chars(text)
        return element

    library = {tp.name: tp for tp in journey.touchpoints}
    root = ET.Element("CJML", version="2.0")
    planned = child(root, "plannedJourney")
    child(planned, "journeyID", "PJ1")
    child(planned, "journeyTitle", journey.name)
    phases = child(planned, "journeyPhases")
    for index, stage in enumerate(journey.stages, start=1):
        phase = child(phases, "journeyPhase", phaseID=f"P{index}")
        child(phase, "phaseName", stage.name)
        details = [f"purchase phase: {stage.phase}"] if stage.phase else []
        child(phase, "phaseDescription", "; ".join(details + (["goal"] if stage.goal else [])))
    actors = child(planned, "actors")
    users = [segment.name for segment in journey.segments] or ["customer"]
    for index, user in enumerate(users, start=1):
        child(child(actors, "endUser", actorID=f"U{index}"), "actorName", user)
    child(child(actors, "serviceProvider", actorID="SP1"), "companyName", journey.name)
    touchpoints = child(planned, "touchpoints")
    number = 0
    for index, stage in enumerate(journey.stages, start=1):
        for step in stage.steps:
            for option in step.options if isinstance(step, Choice) else (step,):
                tp = option if isinstance(option, Touchpoint) else library.get(option.name)
                if tp is None:
                    continue
                number += 1
                point = child(touchpoints, "plannedCommunicationPoint")
                child(point, "touchpointID", f"T{number}")
                child(point, "belongsTo", phaseIDref=f"P{index}")
                by_provider = tp.channel in PROVIDER_CHANNELS
                initiator = child(point, "initiator")
                child(initiator, "refersTo", actorIDref="SP1" if by_provider else "U1")
                child(initiator, "initiatorLabel", tp.name)
                receiver = child(point, "receiver")
                child(receiver, "refersTo", actorIDref="U1" if by_provider else "SP1")
                child(receiver, "receiverLabel", tp.name)
                child(child(point, "channel"), "channelName", CJML_NAMES.get(tp.channel, tp.channel))
                experience = child(point, "touchpointExperience")
                child(experience, "experienceDescription", f"nominal effect {nominal_score(tp):+g} on -5..+5")
                child(experience, "experienceRating", str(mermaid_score(journey, tp)))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ---- JSON ----------------------------------------------------------------------------

_SKIPPED = {
    "name_span",
    "channel_span",
    "phase_span",
    "kind_span",
    "tier_span",
    "value_span",
    "recovery_span",
    "target_span",
    "variability_span",
    "visit_limit_span",
    "attribute_spans",
    "setting_spans",
    "value_spans",
}


def model_to_dict(value: Any) -> Any:
    """Plain data for a model object: dataclasses as dicts, spans as ``file:line:col``."""
    if isinstance(value, Span):
        return f"{value.file}:{value.line}:{value.column}"
    if is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {"type": type(value).__name__.lower()}
        for item in fields(value):
            if item.name in _SKIPPED:
                continue
            data["at" if item.name == "span" else item.name] = model_to_dict(getattr(value, item.name))
        return data
    if isinstance(value, (tuple, list)):
        return [model_to_dict(v) for v in value]
    return value


def to_json(journey: Journey) -> str:
    """The whole model as JSON (``{"schema": "journeydsl.model/1", "journey": {...}}``)."""
    document = {"schema": "journeydsl.model/1", "journey": model_to_dict(journey)}
    return json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
