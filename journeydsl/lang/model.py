"""The journey model: frozen dataclasses, each carrying the source span it came from.

The transformer builds these objects from the parse tree; every later stage
(checks, graph, exports, the simulator) reads them and never sees Lark.  Values
are kept as the designer wrote them (a quantity keeps its unit, a probability
its percent sign) so that diagnostics can quote them; conversion to the
journey's time unit happens in :mod:`journeydsl.lang.units`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = [
    "Survey",
    "SurveyRow",
    "DesignTest",
    "Episode",
    "Placement",
    "Patch",
    "Variant",
    "Span",
    "Quantity",
    "Probability",
    "NamedValue",
    "Rating",
    "Param",
    "ParamBlock",
    "Factor",
    "Segment",
    "DistributionSpec",
    "Failure",
    "Effects",
    "SegmentShare",
    "Share",
    "Audience",
    "Touchpoint",
    "Use",
    "Choice",
    "Condition",
    "Conditional",
    "Transition",
    "Stage",
    "Arrivals",
    "TimeRange",
    "HoursLine",
    "OpeningHours",
    "StaffCost",
    "CareBudget",
    "Import",
    "Library",
    "Journey",
    "Document",
    "Step",
]


@dataclass(frozen=True)
class Span:
    """Where a construct stands in its file (1-based lines and columns, end exclusive)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_SPAN = Span("<unknown>", 0, 0, 0, 0)


@dataclass(frozen=True)
class Quantity:
    """A number with an optional unit, as written (``3 min``, ``90 days``, ``2``)."""

    value: float
    unit: str | None
    span: Span = NO_SPAN

    def __str__(self) -> str:
        number = _format_number(self.value)
        return f"{number} {self.unit}" if self.unit else number


@dataclass(frozen=True)
class Probability:
    """A probability or share, stored as a fraction; ``percent`` records how it was written."""

    value: float
    percent: bool
    span: Span = NO_SPAN

    def __str__(self) -> str:
        if self.percent:
            return f"{_format_number(self.value * 100)}%"
        return _format_number(self.value)


@dataclass(frozen=True)
class NamedValue:
    """A name with a number: ``feel +2``, ``expect service 8``, ``sensitivity think 1.2``.

    A module effect written as a rating (``feel rating 7/10``) keeps the rating
    as written in ``rating``; ``value`` is then the rating on the effect scale.
    """

    name: str
    value: float
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    value_span: Span = NO_SPAN
    rating: Rating | None = None


@dataclass(frozen=True)
class Rating:
    """An effect written as a 0-10 rating: ``rating 7/10`` (5 neutral) or ``pain 8/10`` (0 none, 10 worst).

    :attr:`effect` is the same effect on the module scale -5..+5: a rating of
    ``r`` out of 10 is ``r - 5``, a pain of ``p`` out of 10 is ``-p / 2``
    (docs/model.md, "The effect scale").  A scale other than out of 10 is
    read in proportion (``4/5`` as ``8/10``) and reported by the checks.

    Examples
    --------
    >>> Rating("rating", 7, 10).effect, Rating("pain", 8, 10).effect
    (2.0, -4.0)
    """

    kind: str
    score: float
    out_of: float
    span: Span = NO_SPAN

    @property
    def effect(self) -> float:
        """The rating on the module effect scale."""
        tenths = self.score * 10.0 / self.out_of if self.out_of else math.nan
        return tenths - 5.0 if self.kind == "rating" else -tenths / 2.0


@dataclass(frozen=True)
class Param:
    """One model setting inside a settings block: ``peak 0.35``."""

    name: str
    value: Quantity | Probability
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN


@dataclass(frozen=True)
class ParamBlock:
    """A settings block such as ``memory { peak 0.35; end 0.35; mean 0.3 }``."""

    name: str
    params: tuple[Param, ...]
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN


@dataclass(frozen=True)
class Factor:
    """One of the six experience factors with the designer's expectation, importance and ideal."""

    name: str
    expect: float | None = None
    importance: float | None = None
    ideal: float | None = None
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    value_spans: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True)
class Segment:
    """A customer segment (persona) and its departures from the journey's defaults."""

    name: str
    share: Probability | None = None
    tier: str | None = None
    value: float | None = None
    patience: Quantity | None = None
    expectations: tuple[NamedValue, ...] = ()
    importances: tuple[NamedValue, ...] = ()
    sensitivities: tuple[NamedValue, ...] = ()
    params: tuple[ParamBlock, ...] = ()
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    tier_span: Span = NO_SPAN
    value_span: Span = NO_SPAN


@dataclass(frozen=True)
class DistributionSpec:
    """A duration distribution as written: ``exponential(3 min)`` or a plain ``5 min``."""

    kind: str
    args: tuple[Quantity, ...]
    span: Span = NO_SPAN
    kind_span: Span = NO_SPAN

    def __str__(self) -> str:
        if self.kind == "fixed":
            return str(self.args[0]) if self.args else "fixed()"
        return f"{self.kind}({', '.join(str(a) for a in self.args)})"


@dataclass(frozen=True)
class Failure:
    """A failure mode: it happens with a probability, has its own effects, may be recovered."""

    name: str
    probability: Probability
    effects: Effects
    recovery: str | None = None
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    recovery_span: Span = NO_SPAN


@dataclass(frozen=True)
class Effects:
    """What a touchpoint does to a customer: modules, themes, performance, variability, failures."""

    modules: tuple[NamedValue, ...] = ()
    themes: tuple[NamedValue, ...] = ()
    performance: tuple[NamedValue, ...] = ()
    variability: float | None = None
    failures: tuple[Failure, ...] = ()
    span: Span | None = None
    variability_span: Span = NO_SPAN

    @property
    def is_empty(self) -> bool:
        """True when the touchpoint does nothing to the customer."""
        return not (self.modules or self.themes or self.performance or self.failures)


@dataclass(frozen=True)
class SegmentShare:
    """A per-segment override of a choice share: ``(premier 20%)``."""

    segment: str
    probability: Probability
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Share:
    """The share of customers taking a choice option, with per-segment overrides."""

    probability: Probability
    by_segment: tuple[SegmentShare, ...] = ()
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Audience:
    """Who a care programme is for: ``all``, a ``tier`` or a ``segment``."""

    kind: str
    name: str | None = None
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Touchpoint:
    """A touchpoint (``kind="touchpoint"``) or a care programme (``kind="care"``).

    ``stage`` names the stage that holds it, ``choice`` the choice group within
    that stage; library touchpoints (recovery steps, shared ones reached with
    ``use``) and care programmes have neither.
    """

    name: str
    channel: str
    kind: str = "touchpoint"
    capacity: float | None = None
    duration: DistributionSpec | None = None
    cost: float | None = None
    moment_of_truth: bool = False
    share: Share | None = None
    audience: Audience | None = None
    every: Quantity | None = None
    #: What each server costs per hour (or minute, second) while the touchpoint is staffed.
    staff_cost: StaffCost | None = None
    effects: Effects = field(default_factory=Effects)
    stage: str | None = None
    choice: str | None = None
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    channel_span: Span = NO_SPAN
    attribute_spans: tuple[tuple[str, Span], ...] = ()

    def attribute_span(self, attribute: str) -> Span:
        """The span of an attribute as written, or the touchpoint's name if absent."""
        for key, span in self.attribute_spans:
            if key == attribute:
                return span
        return self.name_span


@dataclass(frozen=True)
class Use:
    """A step that reuses a library touchpoint: ``use helpdesk``."""

    name: str
    share: Share | None = None
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN


@dataclass(frozen=True)
class Choice:
    """Alternative touchpoints or channels of which each customer takes one."""

    name: str
    options: tuple[Touchpoint | Use, ...]
    span: Span = NO_SPAN


Step = Touchpoint | Use | Choice


@dataclass(frozen=True)
class Condition:
    """One test on a customer's state: ``mood > 1``, ``segment premier``, ``tier A``."""

    kind: str  # "compare" | "segment" | "tier"
    subject: str
    operator: str | None = None
    value: float | None = None
    span: Span = NO_SPAN

    def __str__(self) -> str:
        if self.kind == "compare":
            return f"{self.subject} {self.operator} {_format_number(self.value or 0.0)}"
        return f"{self.kind} {self.subject}"


@dataclass(frozen=True)
class Conditional:
    """A state-dependent probability: ``, 80% if mood > 1 and segment premier``."""

    probability: Probability
    conditions: tuple[Condition, ...]
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Transition:
    """A move from one stage to another (``exit`` is the explicit drop-off)."""

    source: str
    target: str
    probability: Probability | None = None
    conditionals: tuple[Conditional, ...] = ()
    delay: Quantity | None = None
    repeat: bool = False
    span: Span = NO_SPAN
    target_span: Span = NO_SPAN


@dataclass(frozen=True)
class Stage:
    """A stage of the journey with its purchase phase, steps and transitions."""

    name: str
    phase: str | None = None
    goal: bool = False
    delay: Quantity | None = None
    visit_limit: float | None = None
    steps: tuple[Step, ...] = ()
    transitions: tuple[Transition, ...] = ()
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    phase_span: Span = NO_SPAN
    visit_limit_span: Span = NO_SPAN

    def touchpoints(self) -> tuple[Touchpoint, ...]:
        """The touchpoints declared in this stage, choice options included, in order."""
        found: list[Touchpoint] = []
        for step in self.steps:
            if isinstance(step, Touchpoint):
                found.append(step)
            elif isinstance(step, Choice):
                found.extend(o for o in step.options if isinstance(o, Touchpoint))
        return tuple(found)


@dataclass(frozen=True)
class Arrivals:
    """How customers arrive: ``poisson`` rate, a fixed ``cohort``, or a finite ``market``."""

    kind: str  # "poisson" | "cohort" | "market"
    rate: float | None = None
    per: str | None = None
    count: float | None = None
    over: Quantity | None = None
    innovation: float | None = None
    imitation: float | None = None
    span: Span = NO_SPAN


@dataclass(frozen=True)
class TimeRange:
    """A span of the day as written, ``09:00-17:00``, in minutes after midnight (``24:00`` is 1440).

    A time that is not a time of day (``25:00``, ``09:75``) is kept as read, for the checks to report.
    """

    start: float
    end: float
    text: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class HoursLine:
    """One line of an ``hours`` block.

    ``kind`` is ``"open"`` (``mon-fri 09:00-17:00``: the days are open then),
    ``"closed"`` (``sun closed``) or ``"weight"`` (``mon-fri 12:00-14:00 weight 2``:
    arrivals in that part of the opening hours are ``weight`` times as frequent
    as in an ordinary open hour).  ``days`` holds each day word as written
    (``mon-fri``, ``sat``, ``weekdays``); none means every day.
    """

    kind: str
    days: tuple[tuple[str, Span], ...] = ()
    ranges: tuple[TimeRange, ...] = ()
    weight: float | None = None
    span: Span = NO_SPAN
    weight_span: Span = NO_SPAN


@dataclass(frozen=True)
class OpeningHours:
    """When customers arrive: ``hours { mon-fri 09:00-17:00; sat 10:00-14:00; at closing serve }``.

    ``start_day`` and ``start_time`` say what day and time the clock's zero is
    (Monday 00:00 when not written); ``closing`` what happens to customers
    queueing at a counter when it closes (``"serve"`` or ``"turn away"``).
    ``setting_spans`` records where ``start`` and ``at closing`` were written.
    """

    lines: tuple[HoursLine, ...] = ()
    start_day: str | None = None
    start_time: TimeRange | None = None
    closing: str | None = None
    span: Span = NO_SPAN
    start_day_span: Span = NO_SPAN
    setting_spans: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True)
class StaffCost:
    """What the servers of a touchpoint cost while it is staffed: ``staff cost 25 per hour`` (per server)."""

    amount: float
    per: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class CareBudget:
    """The most a customer's care contacts may cost in a period: ``care budget 500 per year for tier A``."""

    amount: float
    per: str
    audience: Audience | None = None
    span: Span = NO_SPAN

    @property
    def label(self) -> str:
        """Whom the budget is for, as written: ``tier A``, ``segment premier`` or ``all``."""
        if self.audience is None or self.audience.kind == "all":
            return "all"
        return f"{self.audience.kind} {self.audience.name}"


@dataclass(frozen=True)
class Import:
    """``import "other.journey"`` as written, with the file it resolved to."""

    path: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Library:
    """Shared definitions that journeys import: factors, segments, touchpoints, care, settings."""

    name: str | None
    factors: tuple[Factor, ...] = ()
    segments: tuple[Segment, ...] = ()
    touchpoints: tuple[Touchpoint, ...] = ()
    care: tuple[Touchpoint, ...] = ()
    params: tuple[ParamBlock, ...] = ()
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Placement:
    """Where an added touchpoint goes: ``in advice after advisor`` (default: last in the stage)."""

    stage: str
    position: str = "last"  # "first" | "last" | "before" | "after"
    anchor: str | None = None
    span: Span = NO_SPAN
    stage_span: Span = NO_SPAN
    anchor_span: Span = NO_SPAN


@dataclass(frozen=True)
class Patch:
    """One change a variant makes to the design it builds on.

    ``kind`` says what it does: ``add`` (a touchpoint, into a stage or the
    library), ``add_care``, ``remove`` (``target_kind`` touchpoint, care, stage
    or segment), ``replace`` (a touchpoint by a new one), ``change`` (some
    attributes and effects of a touchpoint), ``change_stage`` (transitions,
    delay, visit limit), ``change_segment`` (share and attributes), ``order``
    (the touchpoints of a stage), ``settings`` (a settings block) or ``hours``
    (opening hours that replace the design's).
    """

    kind: str
    target: str | None = None
    target_kind: str = "touchpoint"
    touchpoint: Touchpoint | None = None
    placement: Placement | None = None
    stage: Stage | None = None
    segment: Segment | None = None
    order: tuple[tuple[str, Span], ...] = ()
    params: ParamBlock | None = None
    hours: OpeningHours | None = None
    span: Span = NO_SPAN
    target_span: Span = NO_SPAN


@dataclass(frozen=True)
class Variant:
    """A named alternative design: patches applied to the baseline or to another variant."""

    name: str
    base: str | None = None
    patches: tuple[Patch, ...] = ()
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    base_span: Span = NO_SPAN


@dataclass(frozen=True)
class SurveyRow:
    """One factor as customers rated it: experience, expectation, importance and ideal (0-10)."""

    factor: str
    experience: float | None = None
    expectation: float | None = None
    importance: float | None = None
    ideal: float | None = None
    span: Span = NO_SPAN
    factor_span: Span = NO_SPAN
    value_spans: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True)
class Survey:
    """Measured figures for the seven-step gap analysis, for all customers or one segment."""

    name: str
    segment: str | None = None
    rows: tuple[SurveyRow, ...] = ()
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    segment_span: Span = NO_SPAN


@dataclass(frozen=True)
class Episode:
    """A part of the journey remembered and judged on its own: ``episode procedure { stages a, b }``.

    Its moments are the moments at the touchpoints of its stages, in the order
    the customer met them within a purchase cycle; the stages need not follow
    one another, and a stage may belong to several episodes.  ``decides_return``
    makes the customer's return follow the memory of this episode instead of
    the memory of the whole cycle.
    """

    name: str
    stages: tuple[tuple[str, Span], ...] = ()
    decides_return: bool = False
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    decides_span: Span = NO_SPAN

    @property
    def stage_names(self) -> frozenset[str]:
        """The names of its stages."""
        return frozenset(name for name, _ in self.stages)


@dataclass(frozen=True)
class DesignTest:
    """A design test written in the journey: ``expect nps > 30`` or ``expect "B" beats baseline on nps``.

    ``kind`` is ``"value"`` (a measured figure against a threshold),
    ``"beats"`` (``design`` is better than ``rival`` on ``metric``, by at least
    ``margin`` when one is written) or ``"matches"`` (``design`` and ``rival``
    differ by less than ``margin`` on ``metric``: equivalence).  ``scope`` is
    ``None`` for the whole journey, or ``"segment"``, ``"stage"`` or
    ``"touchpoint"`` with ``scope_name``.  ``margin`` is in the metric's own
    unit as written (a percentage as a fraction, with ``margin_percent``; a
    time with its ``margin_unit``); so is ``threshold``, a time with its
    ``threshold_unit`` (``< 5 min``), else in the journey's time unit.
    """

    kind: str
    metric: str
    scope: str | None = None
    scope_name: str | None = None
    design: str = "baseline"
    operator: str | None = None
    threshold: float | None = None
    percent: bool = False
    rival: str | None = None
    text: str = ""
    span: Span = NO_SPAN
    metric_span: Span = NO_SPAN
    scope_span: Span = NO_SPAN
    design_span: Span = NO_SPAN
    rival_span: Span = NO_SPAN
    margin: float | None = None
    margin_percent: bool = False
    margin_unit: str | None = None
    margin_span: Span = NO_SPAN
    threshold_unit: str | None = None


@dataclass(frozen=True)
class Journey:
    """A whole journey: settings, factors, segments, stages, library touchpoints and care."""

    name: str
    time_unit: str | None = None
    horizon: Quantity | None = None
    arrivals: Arrivals | None = None
    seed: float | None = None
    visit_limit: float | None = None
    factors: tuple[Factor, ...] = ()
    segments: tuple[Segment, ...] = ()
    stages: tuple[Stage, ...] = ()
    touchpoints: tuple[Touchpoint, ...] = ()
    care: tuple[Touchpoint, ...] = ()
    params: tuple[ParamBlock, ...] = ()
    variants: tuple[Variant, ...] = ()
    design_tests: tuple[DesignTest, ...] = ()
    surveys: tuple[Survey, ...] = ()
    imports: tuple[Import, ...] = ()
    #: Remembered episodes: parts of the journey remembered and judged on their own.
    episodes: tuple[Episode, ...] = ()
    #: Opening hours: when customers arrive and counters are staffed (None: always open).
    hours: OpeningHours | None = None
    #: Care budgets per customer and period, by tier, segment or for all.
    care_budgets: tuple[CareBudget, ...] = ()
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    setting_spans: tuple[tuple[str, Span], ...] = ()
    #: SHA-256 of the source texts it was read from (``sha256:<hex>``), when it was read from text.
    source_sha256: str | None = field(default=None, compare=False)

    @property
    def start(self) -> Stage | None:
        """The stage where every customer begins: the first one declared."""
        return self.stages[0] if self.stages else None

    def setting_span(self, setting: str) -> Span:
        """The span of a journey-level setting as written, or the journey's name."""
        for key, span in self.setting_spans:
            if key == setting:
                return span
        return self.name_span

    def all_touchpoints(self) -> tuple[Touchpoint, ...]:
        """Every touchpoint: those in stages (in journey order), then the library ones."""
        found: list[Touchpoint] = []
        for stage in self.stages:
            found.extend(stage.touchpoints())
        found.extend(self.touchpoints)
        return tuple(found)

    def __repr__(self) -> str:
        """One line: ``<Journey 'Premier wealth advice': 5 stages, 9 touchpoints, 2 segments, 3 designs>``.

        The dataclass's own repr (every field, tens of thousands of characters) is not used;
        equality and hashing are the dataclass's.
        """
        from .notebook import journey_repr

        return journey_repr(self)

    def _repr_html_(self) -> str:
        """The journey in a notebook: a summary table and its graph (see :func:`journeydsl.lang.notebook.journey_html`)."""
        from .notebook import journey_html

        return journey_html(self)


@dataclass(frozen=True)
class Document:
    """One parsed file: its imports and its journey or library (``None`` for an empty file)."""

    file: str
    imports: tuple[Import, ...] = ()
    body: Journey | Library | None = None


def _format_number(value: float) -> str:
    """Format a number the way a designer writes it: ``3``, ``0.5``, ``-2``."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"
