"""Where every name of a journey is defined and referred to, from the model's source spans.

The index walks a loaded :class:`~journeydsl.lang.model.Journey` (or
:class:`~journeydsl.lang.model.Library`) once and records an
:class:`Occurrence` for each stage, touchpoint (care programmes included),
segment, design, episode and import: its definitions (``stage advice``,
``touchpoint advisor: staff``, ``segment premier``, ``variant "B"``) and its
references (``-> advice``, ``use helpdesk``, ``recover by apology``,
``if segment premier``, ``for segment premier``, ``(premier 20%)``,
``change advisor``, ``expect nps of stage advice > 3``, ``episode x { stages a }``,
``expect "B" beats baseline on nps``).  Positions come from the parser: where
the model keeps a span for the whole construct (``segment premier`` in a
condition), the name is found within that span.

Nothing here needs pygls; the language server (:mod:`.server`) and tests use it.

Examples
--------
>>> from journeydsl.lang.loader import load_text
>>> text = 'journey "J" {\\n  stage a { touchpoint t: staff { feel +1 }\\n -> b }\\n  stage b goal { use t }\\n}'
>>> index = build_index(load_text(text, "j.journey").journey, "j.journey", text)
>>> [(o.kind, o.name, o.definition) for o in index.occurrences if o.kind == "stage"]
[('stage', 'a', True), ('stage', 'b', False), ('stage', 'b', True)]
>>> found = index.at(3, 5)  # the `b` of `-> b`
>>> found.name, found.definition
('b', False)
>>> [o.span.line for o in index.references("touchpoint", "t")]
[2, 4]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..lang.model import (
    NO_SPAN,
    Audience,
    Choice,
    Condition,
    Effects,
    Episode,
    Import,
    Journey,
    Library,
    ParamBlock,
    Segment,
    Share,
    Span,
    Stage,
    Touchpoint,
    Transition,
    Use,
    Variant,
)
from ..lang.vocabulary import RESERVED_TARGETS

__all__ = [
    "Occurrence",
    "Index",
    "build_index",
    "RENAMEABLE",
    "NAME_PATTERN",
    "written_name",
]

#: The kinds of names that can be renamed.
RENAMEABLE: frozenset[str] = frozenset({"stage", "touchpoint", "segment"})

#: A name that needs no quotes (the grammar's NAME).
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*")

#: The designs every journey has without declaring them.
_IMPLICIT_DESIGNS = frozenset({"baseline"})

Defined = Stage | Touchpoint | Segment | Variant | Episode | Import | None


@dataclass(frozen=True)
class Occurrence:
    """One place a name stands in the text: a definition or a reference.

    ``kind`` is ``"stage"``, ``"touchpoint"`` (care programmes included),
    ``"segment"``, ``"design"``, ``"episode"`` or ``"import"`` (``name`` is
    then the path as written); words of the vocabulary are recorded as
    references of kind ``"channel"``, ``"module"``, ``"theme"``, ``"factor"``,
    ``"distribution"`` and ``"setting"`` (``memory`` or ``memory.peak``).  ``span`` covers the name as written, quotes
    included.  ``detail`` says in words what it is (``touchpoint in stage
    advice``); ``item`` is the model object a definition defines.
    """

    kind: str
    name: str
    span: Span
    definition: bool
    detail: str = ""
    item: Defined = field(default=None, compare=False, repr=False)

    def contains(self, line: int, column: int) -> bool:
        """True when the 1-based ``line`` and ``column`` fall on the name (its end included)."""
        span = self.span
        if not span.line <= line <= span.end_line:
            return False
        if line == span.line and column < span.column:
            return False
        return not (line == span.end_line and column > span.end_column)


@dataclass
class Index:
    """Every occurrence of a name in a journey, in the order written."""

    file: str
    body: Journey | Library | None
    occurrences: list[Occurrence] = field(default_factory=list)

    def at(self, line: int, column: int) -> Occurrence | None:
        """The occurrence in this file under a 1-based ``line`` and ``column``, if any."""
        for occurrence in self.occurrences:
            if occurrence.span.file == self.file and occurrence.contains(line, column):
                return occurrence
        return None

    def definitions(self, kind: str, name: str) -> list[Occurrence]:
        """Where a name of a kind is defined (in this file or an imported one)."""
        return [o for o in self.occurrences if o.definition and o.kind == kind and o.name == name]

    def references(self, kind: str, name: str, include_definition: bool = True) -> list[Occurrence]:
        """Every occurrence of a name of a kind, definitions first when included."""
        found = [o for o in self.occurrences if o.kind == kind and o.name == name]
        if not include_definition:
            found = [o for o in found if not o.definition]
        return sorted(found, key=lambda o: (not o.definition, o.span.file, o.span.line, o.span.column))

    def names(self, kind: str) -> list[str]:
        """The defined names of a kind, each once, in the order written."""
        return list(dict.fromkeys(o.name for o in self.occurrences if o.definition and o.kind == kind))


def written_name(name: str) -> str:
    """A name as it is written in a journey: bare when it can be, else quoted.

    Examples
    --------
    >>> written_name("advice"), written_name("printer in office")
    ('advice', '"printer in office"')
    """
    if NAME_PATTERN.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_index(body: Journey | Library | None, file: str, text: str) -> Index:
    """Index a loaded journey or library that was read from ``text`` as ``file``.

    Parameters
    ----------
    body : Journey or Library or None
        What :func:`journeydsl.lang.loader.load_text` produced (imports merged in).
    file : str
        The name the text was loaded under; spans in that file are this document's.
    text : str
        The text, to find names inside spans that cover a whole construct.

    Returns
    -------
    Index
        The occurrences, definitions and references alike.
    """
    walker = _Walker(file, text)
    if body is not None:
        walker.body(body)
    return Index(file, body, walker.found)


class _Walker:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.split("\n")
        self.found: list[Occurrence] = []

    # ---- recording -----------------------------------------------------------------
    def add(
        self, kind: str, name: str | None, span: Span, definition: bool, detail: str = "", item: Defined = None
    ) -> None:
        if name is None or span is NO_SPAN or span.line < 1:
            return
        if kind == "stage" and not definition and name in RESERVED_TARGETS:
            return
        if kind == "design" and not definition and name in _IMPLICIT_DESIGNS:
            return
        self.found.append(Occurrence(kind, name, span, definition, detail, item))

    def add_within(self, kind: str, name: str | None, span: Span, last: bool = True) -> None:
        """A reference whose span covers more than the name (``segment premier``): find the name in it."""
        if name is None or span is NO_SPAN or span.file != self.file:
            return
        inner = self.name_in(span, name, last)
        if inner is not None:
            self.add(kind, name, inner, False)

    def name_in(self, span: Span, name: str, last: bool) -> Span | None:
        if span.line < 1 or span.line > len(self.lines):
            return None
        line = self.lines[span.line - 1]
        stop = span.end_column - 1 if span.end_line == span.line else len(line)
        segment = line[span.column - 1 : stop]
        pattern = re.escape(written_name(name)) if not NAME_PATTERN.fullmatch(name) else re.escape(name)
        bounded = rf"(?<![\w\-\"]){pattern}(?![\w\-])" if NAME_PATTERN.fullmatch(name) else pattern
        matches = list(re.finditer(bounded, segment))
        if not matches:
            # The name may have been written quoted although it needs no quotes: "premier".
            matches = list(re.finditer(re.escape('"' + name + '"'), segment))
        if not matches:
            return None
        match = matches[-1] if last else matches[0]
        start = span.column + match.start()
        return Span(span.file, span.line, start, span.line, start + len(match.group()))

    # ---- the model -----------------------------------------------------------------
    def body(self, body: Journey | Library) -> None:
        if isinstance(body, Journey):
            for statement in body.imports:
                self.add("import", statement.path, statement.span, False, "import", statement)
        for factor in body.factors:
            self.add("factor", factor.name, factor.name_span, False)
        self.blocks(body.params)
        for segment in body.segments:
            self.segment(segment, "segment")
        if isinstance(body, Journey):
            for stage in body.stages:
                self.stage(stage)
        for touchpoint in body.touchpoints:
            self.touchpoint(touchpoint, "library touchpoint")
        for care in body.care:
            self.touchpoint(care, "care programme")
        if isinstance(body, Library):
            return
        for episode in body.episodes:
            self.add("episode", episode.name, episode.name_span, True, "remembered episode", episode)
            for name, span in episode.stages:
                self.add("stage", name, span, False)
        for budget in body.care_budgets:
            self.audience(budget.audience)
        for variant in body.variants:
            self.variant(variant)
        for test in body.design_tests:
            if test.scope in ("segment", "stage", "touchpoint", "episode"):
                self.add(test.scope, test.scope_name, test.scope_span, False)
            self.add("design", test.design, test.design_span, False)
            self.add("design", test.rival, test.rival_span, False)
        for survey in body.surveys:
            self.add("segment", survey.segment, survey.segment_span, False)
            for row in survey.rows:
                self.add("factor", row.factor, row.factor_span, False)

    def segment(self, segment: Segment, detail: str, define: bool = True) -> None:
        if define:
            self.add("segment", segment.name, segment.name_span, True, detail, segment)
        for value in (*segment.expectations, *segment.importances):
            self.add("factor", value.name, value.name_span, False)
        for value in segment.sensitivities:
            self.add("module", value.name, value.name_span, False)
        self.blocks(segment.params)

    def blocks(self, blocks: Iterable[ParamBlock]) -> None:
        for block in blocks:
            self.add("setting", block.name, block.name_span, False)
            for param in block.params:
                self.add("setting", f"{block.name}.{param.name}", param.name_span, False)

    def stage(self, stage: Stage, within: str | None = None) -> None:
        if within is None:
            self.add(
                "stage", stage.name, stage.name_span, True, f"stage ({stage.phase})" if stage.phase else "stage", stage
            )
        for step in stage.steps:
            self.step(step, stage.name)
        for transition in stage.transitions:
            self.transition(transition)

    def step(self, step: Touchpoint | Use | Choice, stage: str) -> None:
        if isinstance(step, Touchpoint):
            self.touchpoint(step, f"touchpoint in stage {stage}")
        elif isinstance(step, Use):
            self.add("touchpoint", step.name, step.name_span, False)
            self.share(step.share)
        else:
            for option in step.options:
                self.step(option, stage)

    def touchpoint(self, touchpoint: Touchpoint, detail: str, define: bool = True) -> None:
        if define:
            self.add("touchpoint", touchpoint.name, touchpoint.name_span, True, detail, touchpoint)
        if touchpoint.channel:
            self.add("channel", touchpoint.channel, touchpoint.channel_span, False)
        if touchpoint.duration is not None and touchpoint.duration.kind != "fixed":
            self.add("distribution", touchpoint.duration.kind, touchpoint.duration.kind_span, False)
        self.share(touchpoint.share)
        self.audience(touchpoint.audience)
        self.effects(touchpoint.effects)

    def effects(self, effects: Effects) -> None:
        for value in effects.modules:
            self.add("module", value.name, value.name_span, False)
        for value in effects.themes:
            self.add("theme", value.name, value.name_span, False)
        for value in effects.performance:
            self.add("factor", value.name, value.name_span, False)
        for failure in effects.failures:
            self.add("touchpoint", failure.recovery, failure.recovery_span, False)
            self.effects(failure.effects)

    def share(self, share: Share | None) -> None:
        if share is not None:
            for by_segment in share.by_segment:
                self.add_within("segment", by_segment.segment, by_segment.span, last=False)

    def audience(self, audience: Audience | None) -> None:
        if audience is not None and audience.kind == "segment":
            self.add_within("segment", audience.name, audience.span)

    def transition(self, transition: Transition) -> None:
        self.add("stage", transition.target, transition.target_span, False)
        for conditional in transition.conditionals:
            self.conditions(conditional.conditions)

    def conditions(self, conditions: Iterable[Condition]) -> None:
        for condition in conditions:
            if condition.kind == "segment":
                self.add_within("segment", condition.subject, condition.span)

    def variant(self, variant: Variant) -> None:
        self.add("design", variant.name, variant.name_span, True, "design (variant)", variant)
        self.add("design", variant.base, variant.base_span, False)
        for patch in variant.patches:
            kind = patch.kind
            if kind in ("add", "add_care", "replace") and patch.touchpoint is not None:
                if kind == "replace":
                    self.add("touchpoint", patch.target, patch.target_span, False)
                where = f"added by design {variant.name}"
                self.touchpoint(patch.touchpoint, where)
                if patch.placement is not None:
                    self.add("stage", patch.placement.stage, patch.placement.stage_span, False)
                    self.add("touchpoint", patch.placement.anchor, patch.placement.anchor_span, False)
            elif kind == "remove":
                target = "touchpoint" if patch.target_kind == "care" else patch.target_kind
                self.add(target, patch.target, patch.target_span, False)
            elif kind == "change":
                self.add("touchpoint", patch.target, patch.target_span, False)
                if patch.touchpoint is not None:
                    self.touchpoint(patch.touchpoint, "", define=False)
            elif kind == "change_stage":
                self.add("stage", patch.target, patch.target_span, False)
                if patch.stage is not None:
                    self.stage(patch.stage, within=variant.name)
            elif kind == "change_segment":
                self.add("segment", patch.target, patch.target_span, False)
                if patch.segment is not None:
                    self.segment(patch.segment, "", define=False)
            elif kind == "settings" and patch.params is not None:
                self.blocks((patch.params,))
            elif kind == "order":
                self.add("stage", patch.target, patch.target_span, False)
                for name, span in patch.order:
                    self.add("touchpoint", name, span, False)
