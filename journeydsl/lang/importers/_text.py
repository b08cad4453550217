r"""The importers' own writer: the constructs an import produces as ``.journey`` text.

It is used only when the package has no general writer (:mod:`journeydsl.lang.writer`):
a journey with segments (name and share), stages (goal, steps, transitions) and
touchpoints (channel, capacity, duration, cost, moment of truth, module, theme
and performance effects).  A name is written bare when the grammar reads it as
a name and is no keyword, else as a string with ``"`` and ``\`` escaped.

Examples
--------
>>> from journeydsl.lang.model import Journey, Stage, Touchpoint
>>> print(write_imported(Journey('Say "hi"', stages=(Stage("a", goal=True, steps=(Touchpoint("t", "staff"),)),))))
journey "Say \"hi\"" {
  stage a goal {
    touchpoint t: staff
  }
}
<BLANKLINE>
"""

from __future__ import annotations

import re

from ..model import Journey, NamedValue, Stage, Touchpoint, _format_number
from ..vocabulary import UNIT_SECONDS

__all__ = ["write_imported", "name_text"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*")

#: Words that stand for themselves in the grammar; a name that is one of them is quoted.
_KEYWORDS = frozenset(
    """journey library import time unit horizon arrivals poisson cohort market innovation imitation per over
    seed visit limit factor expect importance ideal segment share patience sensitivity value tier stage goal
    after choice use repeat if and touchpoint care capacity staff cost duration moment of truth for all every
    theme performance variability failure recover by rating pain variant extends add remove replace with change
    order in before first last episode stages decides return hours closed start at closing serve turn away budget
    survey experience expectation beats on least matches within exit""".split()
) | frozenset(UNIT_SECONDS)


def name_text(name: str) -> str:
    r"""A name as the grammar reads it back: bare when it can be, else a string with ``"`` and ``\`` escaped.

    Examples
    --------
    >>> name_text("advice"), name_text("stage"), name_text('a "b" \\ c')
    ('advice', '"stage"', '"a \\"b\\" \\\\ c"')
    """
    if _NAME.fullmatch(name) and name not in _KEYWORDS:
        return name
    return _quoted(name)


def _quoted(name: str) -> str:
    """A name as a string of the grammar, ``"`` and ``\\`` escaped."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _effect(kind: str, effect: NamedValue) -> str:
    if effect.rating is not None:
        rating = effect.rating
        return f"{effect.name} {rating.kind} {_format_number(rating.score)}/{_format_number(rating.out_of)}"
    value = _format_number(effect.value)
    signed = value if value.startswith("-") or kind == "performance" else f"+{value}"
    prefix = {"module": "", "theme": "theme ", "performance": "performance "}[kind]
    return f"{prefix}{effect.name} {signed}"


def _touchpoint(tp: Touchpoint) -> list[str]:
    words = [f"touchpoint {name_text(tp.name)}: {tp.channel}"]
    if tp.capacity is not None:
        words.append(f"capacity {_format_number(tp.capacity)}")
    if tp.duration is not None:
        words.append(f"duration {tp.duration}")
    if tp.cost is not None:
        words.append(f"cost {_format_number(tp.cost)}")
    if tp.moment_of_truth:
        words.append("moment of truth")
    effects = [
        *(_effect("module", e) for e in tp.effects.modules),
        *(_effect("theme", e) for e in tp.effects.themes),
        *(_effect("performance", e) for e in tp.effects.performance),
    ]
    head = "    " + " ".join(words)
    if not effects:
        return [head]
    return [head + " {", *(f"      {line}" for line in effects), "    }"]


def _stage(stage: Stage) -> list[str]:
    lines = [f"  stage {name_text(stage.name)}{' goal' if stage.goal else ''} {{"]
    for step in stage.steps:
        if isinstance(step, Touchpoint):
            lines.extend(_touchpoint(step))
    for transition in stage.transitions:
        share = f" {transition.probability}" if transition.probability is not None else ""
        lines.append(f"    -> {name_text(transition.target)}{share}")
    lines.append("  }")
    return lines


def write_imported(journey: Journey) -> str:
    """The text of an imported journey (segments, stages, touchpoints), two spaces per level.

    Parameters
    ----------
    journey : Journey
        A journey made by :func:`journeydsl.lang.importers.base.build_journey`.

    Returns
    -------
    str
        The ``journey "NAME" { ... }`` block, ending in a newline.
    """
    lines = [f"journey {_quoted(journey.name)} {{"]
    for segment in journey.segments:
        share = f" {segment.share}" if segment.share is not None else ""
        lines.append(f"  segment {name_text(segment.name)}{share} {{ }}")
    if journey.segments:
        lines.append("")
    for index, stage in enumerate(journey.stages):
        if index:
            lines.append("")
        lines.extend(_stage(stage))
    lines.append("}")
    return "\n".join(lines) + "\n"
