"""Parse tree to model: one transformer method per named grammar alternative.

This is the only module that sees Lark trees.  It records where every
construct came from and builds the frozen dataclasses of
:mod:`journeydsl.lang.model`; it judges nothing (that is :mod:`journeydsl.lang.checks`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lark import Token, Tree

from .model import (
    NO_SPAN,
    Arrivals,
    Audience,
    Choice,
    Condition,
    Conditional,
    DesignTest,
    DistributionSpec,
    Document,
    Effects,
    Factor,
    Failure,
    Import,
    Journey,
    Library,
    NamedValue,
    Param,
    ParamBlock,
    Patch,
    Placement,
    Probability,
    Quantity,
    Segment,
    SegmentShare,
    Share,
    Span,
    Stage,
    Survey,
    SurveyRow,
    Touchpoint,
    Transition,
    Use,
    Variant,
)

__all__ = ["to_document"]


def to_document(tree: Tree, file: str, source: str = "") -> Document:
    """Build the model of one parsed file.

    The tree is walked bottom-up without recursion (deeply nested input cannot
    exhaust Python's stack), and each rule's method is called with the rule's
    position (``meta``) and its already-built children.  Rules without a method
    stay trees.
    """
    builder = _ToModel(file, source)
    tokens = {"NUMBER": builder.number_token, "PERCENT": builder.percent_token}
    built: dict[int, Any] = {}
    for subtree in tree.iter_subtrees():
        children = [
            built.pop(id(child))
            if isinstance(child, Tree)
            else tokens[child.type](child)
            if child.type in tokens
            else child
            for child in subtree.children
        ]
        method = getattr(builder, str(subtree.data), None) if not str(subtree.data).startswith("_") else None
        built[id(subtree)] = method(subtree.meta, children) if method else Tree(subtree.data, children, subtree.meta)
    return built[id(tree)]


class _Tagged(tuple):
    """An attribute on its way into its owner: ``(key, value, span)``."""

    @property
    def key(self) -> str:
        return self[0]

    @property
    def value(self) -> Any:
        return self[1]

    @property
    def span(self) -> Span:
        return self[2]


def _tag(key: str, value: Any, span: Span) -> _Tagged:
    return _Tagged((key, value, span))


class _Number(float):
    """A float that remembers where it was written."""

    span: Span = NO_SPAN

    @classmethod
    def at(cls, value: float, span: Span) -> _Number:
        number = cls(value)
        number.span = span
        return number


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    return text.replace('\\"', '"').replace("\\\\", "\\")


class _ToModel:
    """One method per named grammar alternative, called as ``method(meta, children)``."""

    def __init__(self, file: str, source: str = ""):
        self.file = file
        self.source = source

    # ---- spans ---------------------------------------------------------------------
    def _meta_span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return NO_SPAN
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _token_span(self, token: Token) -> Span:
        return Span(self.file, token.line, token.column, token.end_line, token.end_column)

    def _span_of(self, item: Any) -> Span:
        if isinstance(item, Token):
            return self._token_span(item)
        if isinstance(item, _Tagged):
            return item.span
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Span):
            return item[1]
        return getattr(item, "span", NO_SPAN)

    # ---- values --------------------------------------------------------------------
    def name(self, meta, children):
        token = children[0]
        text = _unquote(str(token)) if token.type == "STRING" else str(token)
        return (text, self._token_span(token))

    def number_token(self, token: Token) -> _Number:
        return _Number.at(float(token), self._token_span(token))

    def percent_token(self, token: Token) -> Probability:
        digits = str(token).replace("%", "").strip()
        return Probability(float(digits) / 100.0, True, self._token_span(token))

    def quantity(self, meta, children):
        number = children[0]
        unit = str(children[1]) if len(children) > 1 else None
        return Quantity(float(number), unit, self._meta_span(meta))

    def probability(self, meta, children):
        value = children[0]
        if isinstance(value, Probability):
            return value
        return Probability(float(value), False, value.span)

    share = probability

    # ---- document --------------------------------------------------------------------
    def start(self, meta, children):
        imports = tuple(c for c in children if isinstance(c, Import))
        bodies = [c for c in children if isinstance(c, (Journey, Library))]
        body = bodies[0] if bodies else None
        if isinstance(body, Journey):
            body = replace(body, imports=imports)
        return Document(self.file, imports, body)

    def import_stmt(self, meta, children):
        token = children[0]
        return Import(_unquote(str(token)), self._token_span(token))

    def journey(self, meta, children):
        (name, name_span), items = children[0], children[1:]
        fields: dict[str, Any] = {}
        setting_spans: list[tuple[str, Span]] = []
        groups: dict[str, list[Any]] = {
            "factors": [],
            "segments": [],
            "stages": [],
            "touchpoints": [],
            "care": [],
            "params": [],
            "variants": [],
            "design_tests": [],
            "surveys": [],
        }
        for item in items:
            if isinstance(item, _Tagged):
                setting_spans.append((item.key, item.span))
                fields.setdefault(item.key, item.value)
            elif isinstance(item, Arrivals):
                setting_spans.append(("arrivals", item.span))
                fields.setdefault("arrivals", item)
            else:
                groups[_group_of(item)].append(item)
        return Journey(
            name=name,
            **fields,
            **{key: tuple(values) for key, values in groups.items()},
            span=self._meta_span(meta),
            name_span=name_span,
            setting_spans=tuple(setting_spans),
        )

    def library(self, meta, children):
        name = None
        if children and isinstance(children[0], tuple) and not isinstance(children[0], _Tagged):
            name = children[0][0]
            children = children[1:]
        groups: dict[str, list[Any]] = {"factors": [], "segments": [], "touchpoints": [], "care": [], "params": []}
        for item in children:
            groups[_group_of(item)].append(item)
        return Library(name, **{k: tuple(v) for k, v in groups.items()}, span=self._meta_span(meta))

    # ---- journey settings -----------------------------------------------------------
    def time_unit(self, meta, children):
        return _tag("time_unit", str(children[0]), self._meta_span(meta))

    def horizon(self, meta, children):
        return _tag("horizon", children[0], self._meta_span(meta))

    def seed(self, meta, children):
        return _tag("seed", float(children[0]), self._meta_span(meta))

    def visit_limit(self, meta, children):
        return _tag("visit_limit", float(children[0]), self._meta_span(meta))

    def arrivals_poisson(self, meta, children):
        rate, unit = children
        return Arrivals("poisson", rate=float(rate), per=str(unit), span=self._meta_span(meta))

    def arrivals_cohort(self, meta, children):
        over = children[1] if len(children) > 1 else None
        return Arrivals("cohort", count=float(children[0]), over=over, span=self._meta_span(meta))

    def arrivals_market(self, meta, children):
        size, innovation, imitation = (float(c) for c in children[:3])
        per = str(children[3]) if len(children) > 3 else None
        return Arrivals(
            "market",
            count=size,
            innovation=innovation,
            imitation=imitation,
            per=per,
            span=self._meta_span(meta),
        )

    def params(self, meta, children):
        head, params = children[0], children[1:]
        return ParamBlock(str(head), tuple(params), self._meta_span(meta), self._token_span(head))

    def setting_name(self, meta, children):
        return children[0]

    def param(self, meta, children):
        head, value = children
        return Param(str(head), value, self._meta_span(meta), self._token_span(head))

    def factor(self, meta, children):
        head, attrs = children[0], children[1:]
        values = {a.key: float(a.value) for a in reversed(attrs)}
        return Factor(
            str(head),
            expect=values.get("expect"),
            importance=values.get("importance"),
            ideal=values.get("ideal"),
            span=self._meta_span(meta),
            name_span=self._token_span(head),
            value_spans=tuple((a.key, a.span) for a in attrs),
        )

    def factor_expect(self, meta, children):
        return _tag("expect", children[0], self._meta_span(meta))

    def factor_importance(self, meta, children):
        return _tag("importance", children[0], self._meta_span(meta))

    def factor_ideal(self, meta, children):
        return _tag("ideal", children[0], self._meta_span(meta))

    # ---- segments --------------------------------------------------------------------
    def segment(self, meta, children):
        (name, name_span), rest = children[0], children[1:]
        share = None
        if rest and isinstance(rest[0], Probability):
            share, rest = rest[0], rest[1:]
        fields: dict[str, Any] = {}
        spans: dict[str, Span] = {}
        lists: dict[str, list[Any]] = {"expectations": [], "importances": [], "sensitivities": [], "params": []}
        for item in rest:
            if isinstance(item, ParamBlock):
                lists["params"].append(item)
            elif item.key in lists:
                lists[item.key].append(item.value)
            else:
                fields.setdefault(item.key, item.value)
                spans.setdefault(item.key, item.span)
        return Segment(
            name=name,
            share=share,
            **fields,
            **{k: tuple(v) for k, v in lists.items()},
            span=self._meta_span(meta),
            name_span=name_span,
            tier_span=spans.get("tier", NO_SPAN),
            value_span=spans.get("value", NO_SPAN),
        )

    def seg_patience(self, meta, children):
        return _tag("patience", children[0], self._meta_span(meta))

    def _named_value(self, meta, children) -> NamedValue:
        head, number = children
        return NamedValue(str(head), float(number), self._meta_span(meta), self._token_span(head), number.span)

    def seg_expect(self, meta, children):
        return _tag("expectations", self._named_value(meta, children), self._meta_span(meta))

    def seg_importance(self, meta, children):
        return _tag("importances", self._named_value(meta, children), self._meta_span(meta))

    def seg_sensitivity(self, meta, children):
        return _tag("sensitivities", self._named_value(meta, children), self._meta_span(meta))

    def seg_value(self, meta, children):
        return _tag("value", float(children[0]), self._meta_span(meta))

    def seg_tier(self, meta, children):
        return _tag("tier", str(children[0]), self._token_span(children[0]))

    # ---- stages ----------------------------------------------------------------------
    def stage(self, meta, children):
        (name, name_span), rest = children[0], children[1:]
        fields: dict[str, Any] = {}
        phase_span = NO_SPAN
        visit_limit_span = NO_SPAN
        steps: list[Any] = []
        transitions: list[Transition] = []
        for item in rest:
            if isinstance(item, Transition):
                transitions.append(replace(item, source=name))
            elif isinstance(item, Touchpoint):
                steps.append(replace(item, stage=name))
            elif isinstance(item, Choice):
                label = item.name or f"{name} choice {sum(isinstance(s, Choice) for s in steps) + 1}"
                options = tuple(
                    replace(o, stage=name, choice=label) if isinstance(o, Touchpoint) else o for o in item.options
                )
                steps.append(replace(item, name=label, options=options))
            elif isinstance(item, Use):
                steps.append(item)
            elif item.key == "phase":
                fields["phase"], phase_span = item.value, item.span
            elif item.key == "goal":
                fields["goal"] = True
            elif item.key == "visit_limit":
                fields.setdefault("visit_limit", item.value)
                visit_limit_span = item.span
            elif item.key == "delay":
                fields.setdefault("delay", item.value)
        return Stage(
            name=name,
            **fields,
            steps=tuple(steps),
            transitions=tuple(transitions),
            span=self._meta_span(meta),
            name_span=name_span,
            phase_span=phase_span,
            visit_limit_span=visit_limit_span,
        )

    def phase(self, meta, children):
        return _tag("phase", str(children[0]), self._token_span(children[0]))

    def goal(self, meta, children):
        return _tag("goal", True, self._meta_span(meta))

    def stage_delay(self, meta, children):
        return _tag("delay", children[0], self._meta_span(meta))

    def choice(self, meta, children):
        name = ""
        if children and isinstance(children[0], tuple) and not isinstance(children[0], _Tagged):
            name = children[0][0]
            children = children[1:]
        return Choice(name, tuple(children), self._meta_span(meta))

    def use(self, meta, children):
        (name, name_span) = children[0]
        share = children[1].value if len(children) > 1 else None
        return Use(name, share, self._meta_span(meta), name_span)

    def transition(self, meta, children):
        arrow, (target, target_span), rest = children[0], children[1], children[2:]
        probability = None
        conditionals = []
        delay = None
        for item in rest:
            if isinstance(item, Probability):
                probability = item
            elif isinstance(item, Conditional):
                conditionals.append(item)
            else:
                delay = item.value
        return Transition(
            source="",
            target=target,
            probability=probability,
            conditionals=tuple(conditionals),
            delay=delay,
            repeat=arrow == "repeat",
            span=self._meta_span(meta),
            target_span=target_span,
        )

    def next_arrow(self, meta, children):
        return "next"

    def repeat_arrow(self, meta, children):
        return "repeat"

    def transition_delay(self, meta, children):
        return _tag("delay", children[0], self._meta_span(meta))

    def conditional(self, meta, children):
        probability, conditions = children
        return Conditional(probability, conditions, self._meta_span(meta))

    def condition(self, meta, children):
        return tuple(children)

    def compare(self, meta, children):
        subject, operator, value = children
        return Condition("compare", str(subject), str(operator), float(value), self._meta_span(meta))

    def in_segment(self, meta, children):
        return Condition("segment", children[0][0], span=self._meta_span(meta))

    def in_tier(self, meta, children):
        return Condition("tier", str(children[0]), span=self._meta_span(meta))

    # ---- touchpoints -----------------------------------------------------------------
    def _touchpoint(self, kind: str, meta: Any, children: list[Any]) -> Touchpoint:
        (name, name_span), channel, rest = children[0], children[1], children[2:]
        fields, attribute_spans, effects = self._attributes(meta, rest)
        return Touchpoint(
            name=name,
            channel=str(channel),
            kind=kind,
            **fields,
            effects=effects,
            span=self._meta_span(meta),
            name_span=name_span,
            channel_span=self._token_span(channel),
            attribute_spans=tuple(attribute_spans),
        )

    def _attributes(self, meta: Any, items: list[Any]) -> tuple[dict[str, Any], list[tuple[str, Span]], Effects]:
        """A touchpoint's attributes as written: values, where each was written, and the effects."""
        fields: dict[str, Any] = {}
        attribute_spans: list[tuple[str, Span]] = []
        effects = Effects()
        for item in items:
            if isinstance(item, Effects):
                effects = item
                attribute_spans.append(("effects", item.span or self._meta_span(meta)))
            else:
                attribute_spans.append((item.key, item.span))
                fields.setdefault(item.key, item.value)
        return fields, attribute_spans, effects

    def touchpoint(self, meta, children):
        return self._touchpoint("touchpoint", meta, children)

    def care(self, meta, children):
        return self._touchpoint("care", meta, children)

    def capacity(self, meta, children):
        return _tag("capacity", float(children[0]), self._meta_span(meta))

    def duration(self, meta, children):
        return _tag("duration", children[0], self._meta_span(meta))

    def cost(self, meta, children):
        return _tag("cost", float(children[0]), self._meta_span(meta))

    def truth(self, meta, children):
        return _tag("moment_of_truth", True, self._meta_span(meta))

    def share_attr(self, meta, children):
        probability = children[0]
        by_segment = children[1] if len(children) > 1 else ()
        return _tag("share", Share(probability, by_segment, self._meta_span(meta)), self._meta_span(meta))

    def segment_shares(self, meta, children):
        return tuple(children)

    def segment_share(self, meta, children):
        (name, _), probability = children
        return SegmentShare(name, probability, self._meta_span(meta))

    def audience_all(self, meta, children):
        return _tag("audience", Audience("all", None, self._meta_span(meta)), self._meta_span(meta))

    def audience_tier(self, meta, children):
        audience = Audience("tier", str(children[0]), self._meta_span(meta))
        return _tag("audience", audience, self._meta_span(meta))

    def audience_segment(self, meta, children):
        audience = Audience("segment", children[0][0], self._meta_span(meta))
        return _tag("audience", audience, self._meta_span(meta))

    def every(self, meta, children):
        return _tag("every", children[0], self._meta_span(meta))

    def dist_fixed(self, meta, children):
        return DistributionSpec("fixed", (children[0],), self._meta_span(meta), children[0].span)

    def dist_call(self, meta, children):
        head, args = children[0], children[1:]
        return DistributionSpec(str(head), tuple(args), self._meta_span(meta), self._token_span(head))

    # ---- effects ---------------------------------------------------------------------
    def effects(self, meta, children):
        lists: dict[str, list[Any]] = {"modules": [], "themes": [], "performance": [], "failures": []}
        variability = None
        variability_span = NO_SPAN
        for item in children:
            if isinstance(item, Failure):
                lists["failures"].append(item)
            elif item.key == "variability":
                if variability is None:
                    variability, variability_span = item.value, item.span
            else:
                lists[item.key].append(item.value)
        return Effects(
            **{k: tuple(v) for k, v in lists.items()},
            variability=variability,
            span=self._meta_span(meta),
            variability_span=variability_span,
        )

    def module_effect(self, meta, children):
        return _tag("modules", self._named_value(meta, children), self._meta_span(meta))

    def theme_effect(self, meta, children):
        return _tag("themes", self._named_value(meta, children), self._meta_span(meta))

    def performance(self, meta, children):
        return _tag("performance", self._named_value(meta, children), self._meta_span(meta))

    def variability(self, meta, children):
        return _tag("variability", float(children[0]), self._meta_span(meta))

    def failure(self, meta, children):
        (name, name_span), probability, rest = children[0], children[1], children[2:]
        effects = Effects()
        recovery, recovery_span = None, NO_SPAN
        for item in rest:
            if isinstance(item, Effects):
                effects = item
            else:
                recovery, recovery_span = item
        return Failure(name, probability, effects, recovery, self._meta_span(meta), name_span, recovery_span)

    def recovery(self, meta, children):
        return children[0]

    # ---- designs ---------------------------------------------------------------------
    def variant(self, meta, children):
        (name, name_span), rest = children[0], children[1:]
        base, base_span = None, NO_SPAN
        if rest and isinstance(rest[0], _Tagged) and rest[0].key == "base":
            (base, base_span), rest = rest[0].value, rest[1:]
        patches = tuple(
            Patch("settings", item.name, "settings", params=item, span=item.span, target_span=item.name_span)
            if isinstance(item, ParamBlock)
            else item
            for item in rest
        )
        return Variant(name, base, patches, self._meta_span(meta), name_span, base_span)

    def variant_base(self, meta, children):
        return _tag("base", children[0], self._meta_span(meta))

    def patch_add(self, meta, children):
        touchpoint = children[0]
        placement = children[1] if len(children) > 1 else None
        if placement is not None:
            touchpoint = replace(touchpoint, stage=placement.stage)
        return Patch(
            "add",
            touchpoint.name,
            touchpoint=touchpoint,
            placement=placement,
            span=self._meta_span(meta),
            target_span=touchpoint.name_span,
        )

    def placement(self, meta, children):
        (stage, stage_span), rest = children[0], children[1:]
        position, anchor, anchor_span = "last", None, NO_SPAN
        if rest:
            position, target = rest[0]
            if target is not None:
                anchor, anchor_span = target
        return Placement(stage, position, anchor, self._meta_span(meta), stage_span, anchor_span)

    def place_before(self, meta, children):
        return ("before", children[0])

    def place_after(self, meta, children):
        return ("after", children[0])

    def place_first(self, meta, children):
        return ("first", None)

    def place_last(self, meta, children):
        return ("last", None)

    def patch_add_care(self, meta, children):
        care = children[0]
        return Patch(
            "add_care", care.name, "care", touchpoint=care, span=self._meta_span(meta), target_span=care.name_span
        )

    def _remove(self, kind: str, meta: Any, children: list[Any]) -> Patch:
        name, span = children[0]
        return Patch("remove", name, kind, span=self._meta_span(meta), target_span=span)

    def remove_touchpoint(self, meta, children):
        return self._remove("touchpoint", meta, children)

    def remove_stage(self, meta, children):
        return self._remove("stage", meta, children)

    def remove_segment(self, meta, children):
        return self._remove("segment", meta, children)

    def remove_care(self, meta, children):
        return self._remove("care", meta, children)

    def patch_replace(self, meta, children):
        (name, span), touchpoint = children
        return Patch("replace", name, touchpoint=touchpoint, span=self._meta_span(meta), target_span=span)

    def patch_change(self, meta, children):
        (name, span), rest = children[0], children[1:]
        # The changes, as a touchpoint that holds only what was written (channel left empty).
        fields, attribute_spans, effects = self._attributes(meta, rest)
        changes = Touchpoint(
            name=name,
            channel="",
            **fields,
            effects=effects,
            span=self._meta_span(meta),
            name_span=span,
            attribute_spans=tuple(attribute_spans),
        )
        return Patch("change", name, touchpoint=changes, span=self._meta_span(meta), target_span=span)

    def patch_change_stage(self, meta, children):
        name, span = children[0]
        changes = self.stage(meta, children)  # unwritten delay and visit limit stay None
        return Patch("change_stage", name, "stage", stage=changes, span=self._meta_span(meta), target_span=span)

    def patch_change_segment(self, meta, children):
        name, span = children[0]
        changes = self.segment(meta, children)
        return Patch("change_segment", name, "segment", segment=changes, span=self._meta_span(meta), target_span=span)

    def patch_order(self, meta, children):
        (stage, span), names = children[0], children[1:]
        return Patch("order", stage, "stage", order=tuple(names), span=self._meta_span(meta), target_span=span)

    # ---- design tests ----------------------------------------------------------------
    def expect_value(self, meta, children):
        metric, rest = children[0], children[1:]
        scope = scope_name = None
        scope_span = design_span = NO_SPAN
        design = "baseline"
        if rest and isinstance(rest[0], _Tagged) and rest[0].key == "scope":
            (scope, (scope_name, scope_span)), rest = rest[0].value, rest[1:]
        if rest and isinstance(rest[0], _Tagged) and rest[0].key == "design":
            (design, design_span), rest = rest[0].value, rest[1:]
        operator, value = rest
        percent = isinstance(value, Probability) and value.percent
        threshold = float(value.value) if isinstance(value, (Probability, Quantity)) else float(value)
        return DesignTest(
            "value",
            str(metric),
            scope,
            scope_name,
            design,
            str(operator),
            threshold,
            percent,
            text=self._text(meta),
            span=self._meta_span(meta),
            metric_span=self._token_span(metric),
            scope_span=scope_span,
            design_span=design_span,
        )

    def expect_beats(self, meta, children):
        (design, design_span), (rival, rival_span), metric = children
        return DesignTest(
            "beats",
            str(metric),
            design=design,
            rival=rival,
            text=self._text(meta),
            span=self._meta_span(meta),
            metric_span=self._token_span(metric),
            design_span=design_span,
            rival_span=rival_span,
        )

    def _text(self, meta: Any) -> str:
        return self.source[meta.start_pos : meta.end_pos] if self.source and not getattr(meta, "empty", True) else ""

    def of_segment(self, meta, children):
        return _tag("scope", ("segment", children[0]), self._meta_span(meta))

    def of_stage(self, meta, children):
        return _tag("scope", ("stage", children[0]), self._meta_span(meta))

    def of_touchpoint(self, meta, children):
        return _tag("scope", ("touchpoint", children[0]), self._meta_span(meta))

    def expect_design(self, meta, children):
        return _tag("design", children[0], self._meta_span(meta))

    # ---- surveys ---------------------------------------------------------------------
    def survey(self, meta, children):
        (name, name_span), rest = children[0], children[1:]
        segment, segment_span = None, NO_SPAN
        if rest and isinstance(rest[0], _Tagged) and rest[0].key == "segment":
            (segment, segment_span), rest = rest[0].value, rest[1:]
        return Survey(name, segment, tuple(rest), self._meta_span(meta), name_span, segment_span)

    def survey_segment(self, meta, children):
        return _tag("segment", children[0], self._meta_span(meta))

    def survey_row(self, meta, children):
        factor, values = children[0], children[1:]
        fields = {item.key: float(item.value) for item in values}
        return SurveyRow(
            str(factor),
            **fields,
            span=self._meta_span(meta),
            factor_span=self._token_span(factor),
            value_spans=tuple((item.key, item.span) for item in values),
        )

    def survey_experience(self, meta, children):
        return _tag("experience", children[0], self._meta_span(meta))

    def survey_expectation(self, meta, children):
        return _tag("expectation", children[0], self._meta_span(meta))

    def survey_importance(self, meta, children):
        return _tag("importance", children[0], self._meta_span(meta))

    def survey_ideal(self, meta, children):
        return _tag("ideal", children[0], self._meta_span(meta))


def _group_of(item: Any) -> str:
    if isinstance(item, Factor):
        return "factors"
    if isinstance(item, Segment):
        return "segments"
    if isinstance(item, Stage):
        return "stages"
    if isinstance(item, ParamBlock):
        return "params"
    if isinstance(item, Touchpoint):
        return "care" if item.kind == "care" else "touchpoints"
    if isinstance(item, Variant):
        return "variants"
    if isinstance(item, DesignTest):
        return "design_tests"
    if isinstance(item, Survey):
        return "surveys"
    raise TypeError(f"unexpected item {item!r}")
