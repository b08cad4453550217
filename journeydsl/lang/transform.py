"""Parse tree to model: one transformer method per named grammar alternative.

This is the only module that sees Lark trees.  It records where every
construct came from and builds the frozen dataclasses of
:mod:`journeydsl.lang.model`; it judges nothing (that is :mod:`journeydsl.lang.checks`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, NamedTuple

from lark import Token, Tree
from lark.tree import Meta as LarkMeta

from .model import (
    NO_SPAN,
    Arrivals,
    Audience,
    CareBudget,
    Choice,
    Condition,
    Conditional,
    DesignTest,
    DistributionSpec,
    Document,
    Effects,
    Episode,
    Factor,
    Failure,
    HoursLine,
    Import,
    Journey,
    Library,
    NamedValue,
    OpeningHours,
    Param,
    ParamBlock,
    Patch,
    Placement,
    Probability,
    Quantity,
    Rating,
    Segment,
    SegmentShare,
    Share,
    Span,
    StaffCost,
    Stage,
    Survey,
    SurveyRow,
    TimeRange,
    Touchpoint,
    Transition,
    Use,
    Variant,
)
from .parser import Position, position_span, position_text

__all__ = ["to_document"]

#: Where a rule was written, as the parser records it (Lark's own ``Meta`` from a parser that propagates positions).
Meta = Position | LarkMeta | None


def to_document(tree: Tree, file: str, source: str = "") -> Document:
    """Build the model of one parsed file.

    The tree is walked bottom-up without recursion (deeply nested input cannot
    exhaust Python's stack), and each rule's method is called with the rule's
    position (``meta``: the :data:`~journeydsl.lang.parser.Position` the parser
    recorded) and its already-built children.  Rules without a method stay trees.
    """
    builder = _ToModel(file, source)
    tokens = {"NUMBER": builder.number_token, "PERCENT": builder.percent_token}
    methods: dict[str, Callable[[Meta, list[Any]], Any] | None] = {}
    # Children after parents (each node's children pushed left to right, so popped right to left):
    # read backwards, every node comes after its children, left to right.
    order: list[tuple[Tree, int]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        below = [child for child in node.children if type(child) is Tree]
        order.append((node, len(below)))
        stack.extend(below)
    values: list[Any] = []  # the built values of the nodes read so far whose parent has not been
    for node, count in reversed(order):
        made = values[len(values) - count :]
        del values[len(values) - count :]
        if count == len(node.children):
            children = made
        else:
            made.reverse()
            children = [
                made.pop() if type(child) is Tree else tokens[child.type](child) if child.type in tokens else child
                for child in node.children
            ]
        data = node.data
        if data in methods:
            method = methods[data]
        else:
            method = methods[data] = None if data.startswith("_") else getattr(builder, data, None)
        position = node._meta
        values.append(method(position, children) if method else Tree(data, children, position))
    return values[0]


class _Tagged(NamedTuple):
    """An attribute on its way into its owner: ``(key, value, span)``."""

    key: str
    value: Any
    span: Span


def _tag(key: str, value: Any, span: Span) -> _Tagged:
    return _Tagged(key, value, span)


class _OnlyIf(NamedTuple):
    """A transition's only probability, under a condition (``-> lounge 100% if segment premier``)."""

    conditional: Conditional
    #: Where the implied baseline of 0% stands: at the written probability.
    span: Span


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

    def __init__(self, file: str, source: str = "") -> None:
        self.file = file
        self.source = source

    # ---- spans ---------------------------------------------------------------------
    def _meta_span(self, meta: Meta) -> Span:
        if type(meta) is list:  # the parser's Position (inlined: this runs for nearly every rule)
            first, last = meta[0], meta[1]
            return Span(self.file, first.line or 0, first.column or 0, last.end_line or 0, last.end_column or 0)
        return position_span(meta, self.file)

    def _token_span(self, token: Token) -> Span:
        # Lark types a token's position as optional (a Token can be made by hand); its lexer always sets it.
        line, column, end_line, end_column = token.line, token.column, token.end_line, token.end_column
        if line is None or column is None or end_line is None or end_column is None:
            return NO_SPAN
        return Span(self.file, line, column, end_line, end_column)

    # ---- values --------------------------------------------------------------------
    def name(self, meta: Meta, children: list[Any]) -> tuple[str, Span]:
        token = children[0]
        text = _unquote(str(token)) if token.type == "STRING" else str(token)
        return (text, self._token_span(token))

    def number_token(self, token: Token) -> _Number:
        return _Number.at(float(token), self._token_span(token))

    def percent_token(self, token: Token) -> Probability:
        digits = str(token).replace("%", "").strip()
        return Probability(float(digits) / 100.0, True, self._token_span(token))

    def quantity(self, meta: Meta, children: list[Any]) -> Quantity:
        number = children[0]
        unit = str(children[1]) if len(children) > 1 else None
        return Quantity(float(number), unit, self._meta_span(meta))

    def probability(self, meta: Meta, children: list[Any]) -> Probability:
        value = children[0]
        if isinstance(value, Probability):
            return value
        return Probability(float(value), False, value.span)

    share = probability

    # ---- document --------------------------------------------------------------------
    def start(self, meta: Meta, children: list[Any]) -> Document:
        imports = tuple(c for c in children if isinstance(c, Import))
        bodies = [c for c in children if isinstance(c, (Journey, Library))]
        body = bodies[0] if bodies else None
        if isinstance(body, Journey):
            body = replace(body, imports=imports)
        return Document(self.file, imports, body)

    def import_stmt(self, meta: Meta, children: list[Any]) -> Import:
        token = children[0]
        return Import(_unquote(str(token)), self._token_span(token))

    def journey(self, meta: Meta, children: list[Any]) -> Journey:
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
            "episodes": [],
            "care_budgets": [],
        }
        for item in items:
            if isinstance(item, _Tagged):
                setting_spans.append((item.key, item.span))
                fields.setdefault(item.key, item.value)
            elif isinstance(item, Arrivals):
                setting_spans.append(("arrivals", item.span))
                fields.setdefault("arrivals", item)
            elif isinstance(item, OpeningHours):
                setting_spans.append(("hours", item.span))
                fields.setdefault("hours", item)
            else:
                groups[_group_of(item)].append(item)
        fields.update((key, tuple(values)) for key, values in groups.items())
        return Journey(
            name=name,
            **fields,
            span=self._meta_span(meta),
            name_span=name_span,
            setting_spans=tuple(setting_spans),
        )

    def library(self, meta: Meta, children: list[Any]) -> Library:
        name = None
        if children and isinstance(children[0], tuple) and not isinstance(children[0], _Tagged):
            name = children[0][0]
            children = children[1:]
        groups: dict[str, list[Any]] = {"factors": [], "segments": [], "touchpoints": [], "care": [], "params": []}
        for item in children:
            groups[_group_of(item)].append(item)
        return Library(name, **{k: tuple(v) for k, v in groups.items()}, span=self._meta_span(meta))

    # ---- journey settings -----------------------------------------------------------
    def time_unit(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("time_unit", str(children[0]), self._meta_span(meta))

    def horizon(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("horizon", children[0], self._meta_span(meta))

    def seed(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("seed", float(children[0]), self._meta_span(meta))

    def visit_limit(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("visit_limit", float(children[0]), self._meta_span(meta))

    def arrivals_poisson(self, meta: Meta, children: list[Any]) -> Arrivals:
        rate, unit = children
        return Arrivals("poisson", rate=float(rate), per=str(unit), span=self._meta_span(meta))

    def arrivals_cohort(self, meta: Meta, children: list[Any]) -> Arrivals:
        over = children[1] if len(children) > 1 else None
        return Arrivals("cohort", count=float(children[0]), over=over, span=self._meta_span(meta))

    def arrivals_market(self, meta: Meta, children: list[Any]) -> Arrivals:
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

    # ---- opening hours and care budgets ---------------------------------------------
    def hours(self, meta: Meta, children: list[Any]) -> OpeningHours:
        lines = [item for item in children if isinstance(item, HoursLine)]
        settings = [item for item in children if isinstance(item, _Tagged)]
        first: dict[str, _Tagged] = {}
        for item in settings:
            first.setdefault(item.key, item)
        start = first.get("start")
        closing = first.get("closing")
        return OpeningHours(
            lines=tuple(lines),
            start_day=start.value[0][0] if start else None,
            start_time=start.value[1] if start else None,
            closing=closing.value if closing else None,
            span=self._meta_span(meta),
            start_day_span=start.value[0][1] if start else NO_SPAN,
            setting_spans=tuple((item.key, item.span) for item in settings),
        )

    def hours_open(self, meta: Meta, children: list[Any]) -> HoursLine:
        days: tuple[tuple[str, Span], ...] = ()
        ranges: list[TimeRange] = []
        weight, weight_span = None, NO_SPAN
        for item in children:
            if isinstance(item, _Tagged):
                weight, weight_span = float(item.value), item.span
            elif isinstance(item, Token):
                ranges.append(self._time_range(item))
            else:
                days = item
        return HoursLine(
            "weight" if weight is not None else "open",
            days,
            tuple(ranges),
            weight,
            self._meta_span(meta),
            weight_span,
        )

    def hours_weight(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("weight", children[0], self._meta_span(meta))

    def hours_closed(self, meta: Meta, children: list[Any]) -> HoursLine:
        return HoursLine("closed", children[0], span=self._meta_span(meta))

    def hours_days(self, meta: Meta, children: list[Any]) -> tuple[tuple[str, Span], ...]:
        return tuple((str(token), self._token_span(token)) for token in children)

    def hours_start(self, meta: Meta, children: list[Any]) -> _Tagged:
        day, clock = children
        start = _minutes(str(clock))
        time = TimeRange(start, start, str(clock), self._token_span(clock))
        return _tag("start", ((str(day), self._token_span(day)), time), self._meta_span(meta))

    def closing_serve(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("closing", "serve", self._meta_span(meta))

    def closing_turn_away(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("closing", "turn away", self._meta_span(meta))

    def _time_range(self, token: Token) -> TimeRange:
        """``09:00-17:00`` as minutes after midnight (kept as read when they are not times of day)."""
        start, end = (part.strip() for part in str(token).split("-"))
        return TimeRange(_minutes(start), _minutes(end), f"{start}-{end}", self._token_span(token))

    def care_budget(self, meta: Meta, children: list[Any]) -> CareBudget:
        amount, per = children[0], children[1]
        audience = children[2].value if len(children) > 2 else None
        return CareBudget(float(amount), str(per), audience, self._meta_span(meta))

    def staff_cost(self, meta: Meta, children: list[Any]) -> _Tagged:
        amount, per = children
        span = self._meta_span(meta)
        return _tag("staff_cost", StaffCost(float(amount), str(per), span), span)

    def params(self, meta: Meta, children: list[Any]) -> ParamBlock:
        head, params = children[0], children[1:]
        return ParamBlock(str(head), tuple(params), self._meta_span(meta), self._token_span(head))

    def setting_name(self, meta: Meta, children: list[Any]) -> Token:
        return children[0]

    def param(self, meta: Meta, children: list[Any]) -> Param:
        head, value = children
        return Param(str(head), value, self._meta_span(meta), self._token_span(head))

    def factor(self, meta: Meta, children: list[Any]) -> Factor:
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

    def factor_expect(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("expect", children[0], self._meta_span(meta))

    def factor_importance(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("importance", children[0], self._meta_span(meta))

    def factor_ideal(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("ideal", children[0], self._meta_span(meta))

    # ---- segments --------------------------------------------------------------------
    def segment(self, meta: Meta, children: list[Any]) -> Segment:
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
        fields.update((key, tuple(values)) for key, values in lists.items())
        return Segment(
            name=name,
            share=share,
            **fields,
            span=self._meta_span(meta),
            name_span=name_span,
            tier_span=spans.get("tier", NO_SPAN),
            value_span=spans.get("value", NO_SPAN),
        )

    def seg_patience(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("patience", children[0], self._meta_span(meta))

    def _named_value(self, meta: Meta, children: list[Any]) -> NamedValue:
        head, number = children
        return NamedValue(str(head), float(number), self._meta_span(meta), self._token_span(head), number.span)

    def seg_expect(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("expectations", self._named_value(meta, children), self._meta_span(meta))

    def seg_importance(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("importances", self._named_value(meta, children), self._meta_span(meta))

    def seg_sensitivity(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("sensitivities", self._named_value(meta, children), self._meta_span(meta))

    def seg_value(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("value", float(children[0]), self._meta_span(meta))

    def seg_tier(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("tier", str(children[0]), self._token_span(children[0]))

    # ---- stages ----------------------------------------------------------------------
    def stage(self, meta: Meta, children: list[Any]) -> Stage:
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

    def phase(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("phase", str(children[0]), self._token_span(children[0]))

    def goal(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("goal", True, self._meta_span(meta))

    def stage_delay(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("delay", children[0], self._meta_span(meta))

    def choice(self, meta: Meta, children: list[Any]) -> Choice:
        name = ""
        if children and isinstance(children[0], tuple) and not isinstance(children[0], _Tagged):
            name = children[0][0]
            children = children[1:]
        return Choice(name, tuple(children), self._meta_span(meta))

    def use(self, meta: Meta, children: list[Any]) -> Use:
        (name, name_span) = children[0]
        share = children[1].value if len(children) > 1 else None
        return Use(name, share, self._meta_span(meta), name_span)

    def transition(self, meta: Meta, children: list[Any]) -> Transition:
        arrow, (target, target_span), rest = children[0], children[1], children[2:]
        probability = None
        conditionals = []
        delay = None
        for item in rest:
            if isinstance(item, Probability):
                probability = item
            elif isinstance(item, _OnlyIf):
                # `-> lounge 100% if segment premier` is `-> lounge 0%, 100% if segment premier`.
                probability = Probability(0.0, item.conditional.probability.percent, item.span)
                conditionals.append(item.conditional)
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

    def next_arrow(self, meta: Meta, children: list[Any]) -> str:
        return "next"

    def repeat_arrow(self, meta: Meta, children: list[Any]) -> str:
        return "repeat"

    def transition_delay(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("delay", children[0], self._meta_span(meta))

    def conditional(self, meta: Meta, children: list[Any]) -> Conditional:
        probability, conditions = children
        return Conditional(probability, conditions, self._meta_span(meta))

    def only_if(self, meta: Meta, children: list[Any]) -> _OnlyIf:
        probability, conditions = children
        return _OnlyIf(Conditional(probability, conditions, self._meta_span(meta)), probability.span)

    def condition(self, meta: Meta, children: list[Any]) -> tuple[Condition, ...]:
        return tuple(children)

    def compare(self, meta: Meta, children: list[Any]) -> Condition:
        subject, operator, value = children
        return Condition("compare", str(subject), str(operator), float(value), self._meta_span(meta))

    def in_segment(self, meta: Meta, children: list[Any]) -> Condition:
        return Condition("segment", children[0][0], span=self._meta_span(meta))

    def in_tier(self, meta: Meta, children: list[Any]) -> Condition:
        return Condition("tier", str(children[0]), span=self._meta_span(meta))

    # ---- touchpoints -----------------------------------------------------------------
    def _touchpoint(self, kind: str, meta: Meta, children: list[Any]) -> Touchpoint:
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

    def _attributes(self, meta: Meta, items: list[Any]) -> tuple[dict[str, Any], list[tuple[str, Span]], Effects]:
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

    def touchpoint(self, meta: Meta, children: list[Any]) -> Touchpoint:
        return self._touchpoint("touchpoint", meta, children)

    def care(self, meta: Meta, children: list[Any]) -> Touchpoint:
        return self._touchpoint("care", meta, children)

    def capacity(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("capacity", float(children[0]), self._meta_span(meta))

    def duration(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("duration", children[0], self._meta_span(meta))

    def cost(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("cost", float(children[0]), self._meta_span(meta))

    def truth(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("moment_of_truth", True, self._meta_span(meta))

    def share_attr(self, meta: Meta, children: list[Any]) -> _Tagged:
        probability = children[0]
        by_segment = children[1] if len(children) > 1 else ()
        return _tag("share", Share(probability, by_segment, self._meta_span(meta)), self._meta_span(meta))

    def segment_shares(self, meta: Meta, children: list[Any]) -> tuple[SegmentShare, ...]:
        return tuple(children)

    def segment_share(self, meta: Meta, children: list[Any]) -> SegmentShare:
        (name, _), probability = children
        return SegmentShare(name, probability, self._meta_span(meta))

    def audience_all(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("audience", Audience("all", None, self._meta_span(meta)), self._meta_span(meta))

    def audience_tier(self, meta: Meta, children: list[Any]) -> _Tagged:
        audience = Audience("tier", str(children[0]), self._meta_span(meta))
        return _tag("audience", audience, self._meta_span(meta))

    def audience_segment(self, meta: Meta, children: list[Any]) -> _Tagged:
        audience = Audience("segment", children[0][0], self._meta_span(meta))
        return _tag("audience", audience, self._meta_span(meta))

    def every(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("every", children[0], self._meta_span(meta))

    def dist_fixed(self, meta: Meta, children: list[Any]) -> DistributionSpec:
        return DistributionSpec("fixed", (children[0],), self._meta_span(meta), children[0].span)

    def dist_call(self, meta: Meta, children: list[Any]) -> DistributionSpec:
        head, args = children[0], children[1:]
        return DistributionSpec(str(head), tuple(args), self._meta_span(meta), self._token_span(head))

    # ---- effects ---------------------------------------------------------------------
    def effects(self, meta: Meta, children: list[Any]) -> Effects:
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

    def module_effect(self, meta: Meta, children: list[Any]) -> _Tagged:
        if len(children) == 2:
            return _tag("modules", self._named_value(meta, children), self._meta_span(meta))
        head, kind, score, out_of = children
        span = self._meta_span(meta)
        written = Span(
            score.span.file, score.span.line, score.span.column, out_of.span.end_line, out_of.span.end_column
        )
        rating = Rating(str(kind), float(score), float(out_of), written)
        value = NamedValue(str(head), rating.effect, span, self._token_span(head), rating.span, rating)
        return _tag("modules", value, span)

    def theme_effect(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("themes", self._named_value(meta, children), self._meta_span(meta))

    def performance(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("performance", self._named_value(meta, children), self._meta_span(meta))

    def variability(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("variability", float(children[0]), self._meta_span(meta))

    def failure(self, meta: Meta, children: list[Any]) -> Failure:
        (name, name_span), probability, rest = children[0], children[1], children[2:]
        effects = Effects()
        recovery, recovery_span = None, NO_SPAN
        for item in rest:
            if isinstance(item, Effects):
                effects = item
            else:
                recovery, recovery_span = item
        return Failure(name, probability, effects, recovery, self._meta_span(meta), name_span, recovery_span)

    def recovery(self, meta: Meta, children: list[Any]) -> tuple[str, Span]:
        return children[0]

    # ---- designs ---------------------------------------------------------------------
    def variant(self, meta: Meta, children: list[Any]) -> Variant:
        (name, name_span), rest = children[0], children[1:]
        base, base_span = None, NO_SPAN
        if rest and isinstance(rest[0], _Tagged) and rest[0].key == "base":
            (base, base_span), rest = rest[0].value, rest[1:]
        patches = tuple(
            Patch("settings", item.name, "settings", params=item, span=item.span, target_span=item.name_span)
            if isinstance(item, ParamBlock)
            else Patch("hours", "hours", "hours", hours=item, span=item.span, target_span=item.span)
            if isinstance(item, OpeningHours)
            else item
            for item in rest
        )
        return Variant(name, base, patches, self._meta_span(meta), name_span, base_span)

    def variant_base(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("base", children[0], self._meta_span(meta))

    def patch_add(self, meta: Meta, children: list[Any]) -> Patch:
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

    def placement(self, meta: Meta, children: list[Any]) -> Placement:
        (stage, stage_span), rest = children[0], children[1:]
        position, anchor, anchor_span = "last", None, NO_SPAN
        if rest:
            position, target = rest[0]
            if target is not None:
                anchor, anchor_span = target
        return Placement(stage, position, anchor, self._meta_span(meta), stage_span, anchor_span)

    def place_before(self, meta: Meta, children: list[Any]) -> tuple[str, tuple[str, Span] | None]:
        return ("before", children[0])

    def place_after(self, meta: Meta, children: list[Any]) -> tuple[str, tuple[str, Span] | None]:
        return ("after", children[0])

    def place_first(self, meta: Meta, children: list[Any]) -> tuple[str, tuple[str, Span] | None]:
        return ("first", None)

    def place_last(self, meta: Meta, children: list[Any]) -> tuple[str, tuple[str, Span] | None]:
        return ("last", None)

    def patch_add_care(self, meta: Meta, children: list[Any]) -> Patch:
        care = children[0]
        return Patch(
            "add_care", care.name, "care", touchpoint=care, span=self._meta_span(meta), target_span=care.name_span
        )

    def _remove(self, kind: str, meta: Meta, children: list[Any]) -> Patch:
        name, span = children[0]
        return Patch("remove", name, kind, span=self._meta_span(meta), target_span=span)

    def remove_touchpoint(self, meta: Meta, children: list[Any]) -> Patch:
        return self._remove("touchpoint", meta, children)

    def remove_stage(self, meta: Meta, children: list[Any]) -> Patch:
        return self._remove("stage", meta, children)

    def remove_segment(self, meta: Meta, children: list[Any]) -> Patch:
        return self._remove("segment", meta, children)

    def remove_care(self, meta: Meta, children: list[Any]) -> Patch:
        return self._remove("care", meta, children)

    def patch_replace(self, meta: Meta, children: list[Any]) -> Patch:
        (name, span), touchpoint = children
        return Patch("replace", name, touchpoint=touchpoint, span=self._meta_span(meta), target_span=span)

    def patch_change(self, meta: Meta, children: list[Any]) -> Patch:
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

    def patch_change_stage(self, meta: Meta, children: list[Any]) -> Patch:
        name, span = children[0]
        changes = self.stage(meta, children)  # unwritten delay and visit limit stay None
        return Patch("change_stage", name, "stage", stage=changes, span=self._meta_span(meta), target_span=span)

    def patch_change_segment(self, meta: Meta, children: list[Any]) -> Patch:
        name, span = children[0]
        changes = self.segment(meta, children)
        return Patch("change_segment", name, "segment", segment=changes, span=self._meta_span(meta), target_span=span)

    def patch_order(self, meta: Meta, children: list[Any]) -> Patch:
        (stage, span), names = children[0], children[1:]
        return Patch("order", stage, "stage", order=tuple(names), span=self._meta_span(meta), target_span=span)

    # ---- remembered episodes --------------------------------------------------------
    def episode(self, meta: Meta, children: list[Any]) -> Episode:
        (name, name_span), items = children[0], children[1:]
        stages: list[tuple[str, Span]] = []
        decides_span = NO_SPAN
        for item in items:
            if item.key == "stages":
                stages.extend(item.value)
            else:
                decides_span = item.span
        return Episode(
            name,
            tuple(stages),
            decides_span is not NO_SPAN,
            span=self._meta_span(meta),
            name_span=name_span,
            decides_span=decides_span,
        )

    def episode_stages(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("stages", tuple(children), self._meta_span(meta))

    def decides_return(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("decides_return", True, self._meta_span(meta))

    # ---- design tests ----------------------------------------------------------------
    def expect_value(self, meta: Meta, children: list[Any]) -> DesignTest:
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
            threshold_unit=value.unit if isinstance(value, Quantity) else None,
        )

    def expect_beats(self, meta: Meta, children: list[Any]) -> DesignTest:
        return self._duel("beats", meta, children)

    def expect_matches(self, meta: Meta, children: list[Any]) -> DesignTest:
        return self._duel("matches", meta, children)

    def expect_margin(self, meta: Meta, children: list[Any]) -> Quantity | Probability:
        return children[0]

    def _duel(self, kind: str, meta: Meta, children: list[Any]) -> DesignTest:
        """``A beats B on M [by at least X]`` or ``A matches B on M within X``: two designs on one metric."""
        (design, design_span), (rival, rival_span), metric, *margin = children
        written = margin[0] if margin else None
        return DesignTest(
            kind,
            str(metric),
            design=design,
            rival=rival,
            text=self._text(meta),
            span=self._meta_span(meta),
            metric_span=self._token_span(metric),
            design_span=design_span,
            rival_span=rival_span,
            margin=None if written is None else float(written.value),
            margin_percent=isinstance(written, Probability) and written.percent,
            margin_unit=written.unit if isinstance(written, Quantity) else None,
            margin_span=NO_SPAN if written is None else written.span,
        )

    def _text(self, meta: Meta) -> str:
        return position_text(meta, self.source)

    def of_segment(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("scope", ("segment", children[0]), self._meta_span(meta))

    def of_stage(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("scope", ("stage", children[0]), self._meta_span(meta))

    def of_episode(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("scope", ("episode", children[0]), self._meta_span(meta))

    def of_touchpoint(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("scope", ("touchpoint", children[0]), self._meta_span(meta))

    def expect_design(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("design", children[0], self._meta_span(meta))

    # ---- surveys ---------------------------------------------------------------------
    def survey(self, meta: Meta, children: list[Any]) -> Survey:
        (name, name_span), rest = children[0], children[1:]
        segment, segment_span = None, NO_SPAN
        if rest and isinstance(rest[0], _Tagged) and rest[0].key == "segment":
            (segment, segment_span), rest = rest[0].value, rest[1:]
        return Survey(name, segment, tuple(rest), self._meta_span(meta), name_span, segment_span)

    def survey_segment(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("segment", children[0], self._meta_span(meta))

    def survey_row(self, meta: Meta, children: list[Any]) -> SurveyRow:
        factor, values = children[0], children[1:]
        fields = {item.key: float(item.value) for item in values}
        return SurveyRow(
            str(factor),
            **fields,
            span=self._meta_span(meta),
            factor_span=self._token_span(factor),
            value_spans=tuple((item.key, item.span) for item in values),
        )

    def survey_experience(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("experience", children[0], self._meta_span(meta))

    def survey_expectation(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("expectation", children[0], self._meta_span(meta))

    def survey_importance(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("importance", children[0], self._meta_span(meta))

    def survey_ideal(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _tag("ideal", children[0], self._meta_span(meta))


def _minutes(clock: str) -> float:
    """``09:30`` as minutes after midnight (570); ``25:00`` gives 1500, for the checks to report."""
    hours, minutes = clock.split(":")
    return float(int(hours) * 60 + int(minutes))


def _group_of(item: Any) -> str:
    if isinstance(item, CareBudget):
        return "care_budgets"
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
    if isinstance(item, Episode):
        return "episodes"
    raise TypeError(f"unexpected item {item!r}")
