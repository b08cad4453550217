"""Hover texts (Markdown) for names, vocabulary words, settings and keywords.

A stage, touchpoint, segment, design or episode is described from its definition
in the model; a touchpoint, stage or segment also shows its figures from a
recent simulation of the file (:mod:`.figures`) when one exists.  Every name a
designer wrote is shown as a Markdown code span (:func:`~journeydsl.lang.escape.markdown_code`),
so that no name can become a link, an image or HTML in the editor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..lang.escape import markdown_code
from ..lang.model import Effects, Episode, Segment, Stage, Touchpoint, Variant
from ..lang.vocabulary import CHANNELS
from .figures import Figures
from .index import Index, Occurrence
from .knowledge import block_help, doc_link, format_value, keyword_help, other_help, setting_help, word_help

__all__ = ["hover_text"]


def hover_text(
    index: Index | None,
    occurrence: Occurrence | None,
    word: str | None,
    figures: Figures | None = None,
    folder: Path | None = None,
) -> str | None:
    """The Markdown shown on hover, or ``None`` when there is nothing to say.

    Parameters
    ----------
    index : Index or None
        The document's index (for a reference, the definition is looked up in it).
    occurrence : Occurrence or None
        The name under the cursor, if it is one.
    word : str or None
        The word under the cursor, for keywords.
    figures : Figures or None
        A recent simulation of the journey.
    folder : Path or None
        The document's folder, to resolve an import.
    """
    if occurrence is not None:
        described = _describe(index, occurrence, figures, folder)
        if described is not None:
            return described
    if not word:
        return None
    return keyword_help(word) or other_help(word)


def _describe(index: Index | None, occurrence: Occurrence, figures: Figures | None, folder: Path | None) -> str | None:
    kind, name = occurrence.kind, occurrence.name
    if kind in ("channel", "module", "theme", "factor", "distribution"):
        return word_help(kind, name)
    if kind == "setting":
        block, _, key = name.partition(".")
        return setting_help(block, key) if key else block_help(block)
    if kind == "import":
        return _describe_import(occurrence, folder)
    definitions = index.definitions(kind, name) if index is not None else []
    if occurrence.definition:
        definitions = [occurrence, *[d for d in definitions if d is not occurrence]]
    if not definitions:
        return f"**{kind} {markdown_code(name)}**: not defined"
    first = definitions[0]
    item = first.item
    lines: list[str] = []
    if isinstance(item, Touchpoint):
        lines = _touchpoint(item)
        if figures is not None:
            lines.extend(_figures(figures, figures.touchpoint(name), _TOUCHPOINT_FIGURES))
    elif isinstance(item, Stage):
        lines = _stage(item)
        if figures is not None:
            lines.extend(_figures(figures, figures.stage(name), _STAGE_FIGURES))
    elif isinstance(item, Segment):
        lines = _segment(item)
        if figures is not None:
            found = figures.segment(name)
            metrics = found.get("metrics") if found else None
            merged = {**(found or {}), **(metrics if isinstance(metrics, dict) else {})}
            lines.extend(_figures(figures, merged if found else None, _SEGMENT_FIGURES))
    elif isinstance(item, Variant):
        base = f" extends {markdown_code(item.base)}" if item.base else " (patches the baseline)"
        lines = [
            f"**design {markdown_code(item.name)}**{base}: {len(item.patches)} change(s)",
            f"See {doc_link('designs-variants')}",
        ]
    elif isinstance(item, Episode):
        stages = ", ".join(markdown_code(s) for s, _ in item.stages) or "none"
        decides = "; decides return" if item.decides_return else ""
        lines = [
            f"**episode {markdown_code(item.name)}**: stages {stages}{decides}",
            f"See {doc_link('remembered-episodes')}",
        ]
    else:
        lines = [f"**{kind} {markdown_code(name)}**"]
    if first.span.file != (index.file if index is not None else first.span.file):
        lines.append(f"defined in {markdown_code(first.span.file)}, line {first.span.line}")
    if len(definitions) > 1:
        lines.append(f"defined {len(definitions)} times (the designs may add or replace it)")
    return "\n\n".join(lines)


def _describe_import(occurrence: Occurrence, folder: Path | None) -> str:
    shown = markdown_code(occurrence.name)
    if folder is None:
        return f"**import** {shown}"
    target = (folder / occurrence.name).resolve()
    state = "found" if target.is_file() else "not found"
    return f"**import** {shown}: {markdown_code(str(target))} ({state})\n\nSee {doc_link('imports-and-libraries')}"


def _effects(effects: Effects) -> list[str]:
    parts = [f"{markdown_code(v.name)} {v.value:+g}" for v in effects.modules]
    parts += [f"theme {markdown_code(v.name)} {v.value:+g}" for v in effects.themes]
    parts += [f"performance {markdown_code(v.name)} {format_value(v.value)}" for v in effects.performance]
    if effects.variability is not None:
        parts.append(f"variability {format_value(effects.variability)}")
    return parts


def _touchpoint(touchpoint: Touchpoint) -> list[str]:
    what = "care programme" if touchpoint.kind == "care" else "touchpoint"
    where = (
        f" in stage {markdown_code(touchpoint.stage)}"
        if touchpoint.stage
        else (" (library)" if what == "touchpoint" else "")
    )
    meaning = CHANNELS.get(touchpoint.channel)
    channel = f"channel {markdown_code(touchpoint.channel)}" + (f" ({meaning})" if meaning else "")
    lines = [f"**{what} {markdown_code(touchpoint.name)}**{where}: {channel}"]
    attributes = []
    if touchpoint.capacity is not None:
        attributes.append(f"capacity {format_value(touchpoint.capacity)}")
    if touchpoint.duration is not None:
        attributes.append(f"duration {markdown_code(str(touchpoint.duration))}")
    if touchpoint.cost is not None:
        attributes.append(f"cost {format_value(touchpoint.cost)}")
    if touchpoint.share is not None:
        attributes.append(f"share {touchpoint.share.probability}")
    if touchpoint.every is not None:
        attributes.append(f"every {touchpoint.every}")
    if touchpoint.moment_of_truth:
        attributes.append("moment of truth")
    if attributes:
        lines.append(" · ".join(attributes))
    effects = _effects(touchpoint.effects)
    lines.append("effects: " + (", ".join(effects) if effects else "none"))
    for failure in touchpoint.effects.failures:
        recovery = f", recover by {markdown_code(failure.recovery)}" if failure.recovery else ""
        lines.append(f"failure {markdown_code(failure.name)} {failure.probability}{recovery}")
    lines.append(f"See {doc_link('care-programmes' if what == 'care programme' else 'touchpoints')}")
    return lines


def _stage(stage: Stage) -> list[str]:
    flags = [f"({stage.phase})"] if stage.phase else []
    if stage.goal:
        flags.append("goal")
    head = f"**stage {markdown_code(stage.name)}**" + (" " + " ".join(flags) if flags else "")
    touchpoints = ", ".join(markdown_code(t.name) for t in stage.touchpoints()) or "none"
    moves = []
    for transition in stage.transitions:
        probability = f" {transition.probability}" if transition.probability is not None else ""
        arrow = "repeat -> " if transition.repeat else "-> "
        moves.append(f"{arrow}{markdown_code(transition.target)}{probability}")
    lines = [head, f"touchpoints: {touchpoints}", "transitions: " + (", ".join(moves) if moves else "none")]
    lines.append(f"See {doc_link('stages')}")
    return lines


def _segment(segment: Segment) -> list[str]:
    parts = []
    if segment.share is not None:
        parts.append(f"share {segment.share}")
    if segment.tier is not None:
        parts.append(f"tier {markdown_code(segment.tier)}")
    if segment.value is not None:
        parts.append(f"value {format_value(segment.value)}")
    if segment.patience is not None:
        parts.append(f"patience {segment.patience}")
    head = f"**segment {markdown_code(segment.name)}**" + (": " + " · ".join(parts) if parts else "")
    return [head, f"See {doc_link('segments-personas')}"]


_TOUCHPOINT_FIGURES = (
    ("visits", "visits", None),
    ("mean_affect", "mean affect", None),
    ("wait_mean", "mean wait", "time"),
    ("wait_p95", "95th percentile wait", "time"),
    ("utilisation", "utilisation", "percent"),
    ("reneged", "reneged", None),
    ("failures", "failures", None),
    ("cost", "cost", None),
)
_STAGE_FIGURES = (("entered", "entered", None), ("dropped", "dropped", None), ("drop_rate", "drop rate", "percent"))
_SEGMENT_FIGURES = (
    ("customers", "customers", None),
    ("conversion_rate", "conversion", "percent"),
    ("satisfaction", "satisfaction", None),
    ("nps", "NPS", None),
)


def _figure(value: Any, how: str | None, unit: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if how == "percent":
        return f"{value * 100:.1f}%"
    shown = f"{value:,}" if isinstance(value, int) else f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{shown} {unit}" if how == "time" and unit else shown


def _figures(
    figures: Figures, found: dict[str, Any] | None, wanted: tuple[tuple[str, str, str | None], ...]
) -> list[str]:
    if not found:
        return []
    document = figures.document
    unit = str(document.get("time_unit") or "")
    shown = []
    for key, label, how in wanted:
        text = _figure(found.get(key), how, unit)
        if text is not None:
            shown.append(f"{label} {text}")
    if not shown:
        return []
    customers = document.get("customers")
    design = document.get("design")
    where = markdown_code(figures.path.name)
    age = "from this text" if figures.current else "from an earlier text of the file"
    about = f"{customers:,} customers" if isinstance(customers, int) else "a run"
    named = f", design {markdown_code(str(design))}" if design and design != "baseline" else ""
    return ["---", f"Simulated ({where}: {about}{named}, {age}): " + " · ".join(shown)]
