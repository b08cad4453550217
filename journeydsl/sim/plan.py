"""Checked model to simulation plan: everything the engine needs, resolved and in the clock's unit.

The plan resolves settings (journey-wide defaults, then journey blocks, then
segment blocks), converts every time into the journey's time unit, turns
durations into :mod:`journeydsl.sim.dists` objects, numbers stages, touchpoints,
factors, modules and themes, and compiles conditions into small predicates.
The engine (:mod:`journeydsl.sim.engine`) reads it once into the records its roles work on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..lang import operations
from ..lang.graph import EXIT, resolved_probabilities
from ..lang.model import Choice, Condition, Effects, Journey, OpeningHours, ParamBlock, Stage, Touchpoint
from ..lang.routing import routes, segment_views
from ..lang.units import DEFAULT_TIME_UNIT, to_time_unit, unit_seconds
from ..lang.vocabulary import FACTORS, MODULES, SETTINGS, THEMES
from .dists import Distribution, from_spec
from .schedule import Schedule

__all__ = [
    "FACTOR_NAMES",
    "MODULE_NAMES",
    "THEME_NAMES",
    "DEFAULT_RATING",
    "TouchpointPlan",
    "FailurePlan",
    "StepPlan",
    "TransitionPlan",
    "StagePlan",
    "SegmentPlan",
    "CarePlan",
    "ArrivalPlan",
    "CareBudgetPlan",
    "Plan",
    "settings_from",
    "compile_plan",
]

FACTOR_NAMES: tuple[str, ...] = tuple(FACTORS)
MODULE_NAMES: tuple[str, ...] = tuple(MODULES)
THEME_NAMES: tuple[str, ...] = tuple(THEMES)
#: Expectation and importance of a factor nobody declared (the middle of the 0-10 scale).
DEFAULT_RATING = 5.0

Settings = dict[str, dict[str, float]]


def settings_from(*layers: tuple[ParamBlock, ...]) -> Settings:
    """Defaults from :data:`SETTINGS`, overridden by each layer of settings blocks in turn."""
    resolved = {block: {key: s.default for key, s in keys.items()} for block, keys in SETTINGS.items()}
    for blocks in layers:
        for block in blocks:
            for param in block.params:
                if block.name in resolved and param.name in resolved[block.name]:
                    resolved[block.name][param.name] = float(param.value.value)
    return resolved


@dataclass(frozen=True)
class FailurePlan:
    """A failure mode with its chance, extra effects and optional recovery step."""

    name: str
    probability: float
    modules: tuple[float, ...]
    theme_total: float
    performance: tuple[tuple[int, float], ...]
    recovery: TouchpointPlan | None = None


@dataclass(frozen=True)
class TouchpointPlan:
    """One touchpoint as the engine sees it."""

    index: int
    name: str
    channel: str
    stage: str | None
    capacity: int | None
    duration: Distribution | None
    cost: float
    moment_of_truth: bool
    modules: tuple[float, ...]
    themes: tuple[float, ...]
    theme_total: float
    performance: tuple[tuple[int, float], ...]
    noise: float
    failures: tuple[FailurePlan, ...]
    #: Indexes of the segments that meet this touchpoint (``for segment X`` / ``for tier A``); None: everyone.
    audience: frozenset[int] | None = None
    #: What one server costs per unit of the clock while the touchpoint is staffed (``staff cost``).
    staff_cost: float = 0.0
    #: How its queue is run (see :mod:`journeydsl.sim.engine.experience`): ``"heap"`` (each visit's
    #: start worked out on arrival), ``"resource"`` (SimPy's Resource), None without a capacity.
    queue: str | None = None


@dataclass(frozen=True)
class StepPlan:
    """A step of a stage: one touchpoint, or a choice with cumulative shares per segment."""

    options: tuple[TouchpointPlan, ...]
    cumulative: tuple[tuple[float, ...], ...] = ()


@dataclass(frozen=True)
class TransitionPlan:
    """A way out of a stage; ``target`` is a stage index or -1 for the drop-off."""

    target: int
    probability: float
    conditionals: tuple[tuple[float, Callable[..., bool]], ...] = ()
    delay: float = 0.0
    repeat: bool = False
    loyalty: bool = False


@dataclass(frozen=True)
class StagePlan:
    """A stage with its steps and transitions."""

    index: int
    name: str
    phase: str | None
    goal: bool
    delay: float
    visit_limit: int
    steps: tuple[StepPlan, ...]
    transitions: tuple[TransitionPlan, ...]


@dataclass(frozen=True)
class SegmentPlan:
    """A segment's share, tier, value and resolved customer parameters."""

    index: int
    name: str
    share: float
    tier: str | None
    value: float
    patience: float | None
    expectations: tuple[float, ...]
    importances: tuple[float, ...]
    sensitivities: tuple[float, ...]
    settings: Settings


@dataclass(frozen=True)
class CarePlan:
    """A care programme: who gets it, how often, at what cost, with what effect."""

    touchpoint: TouchpointPlan
    audience: str
    name: str | None
    every: float


@dataclass(frozen=True)
class CareBudgetPlan:
    """The most a customer's care contacts may cost in each period from their first conversion."""

    amount: float
    #: The period, in the clock's unit.
    period: float
    #: Whom it is for, as written (``tier A``).
    label: str


@dataclass(frozen=True)
class ArrivalPlan:
    """The arrival process in the clock's unit.

    With opening hours, ``rate`` (Poisson), ``innovation`` and ``imitation``
    (market) are per unit of *weighted open time* (:class:`~journeydsl.sim.schedule.Schedule`).
    """

    kind: str
    rate: float = 0.0
    count: int = 0
    over: float = 0.0
    innovation: float = 0.0
    imitation: float = 0.0


@dataclass(frozen=True)
class EpisodePlan:
    """A remembered episode: the stages whose moments it remembers, and whether it decides return."""

    name: str
    #: The indices of its stages (declared stages the design still has).
    stages: frozenset[int]
    stage_names: tuple[str, ...]
    decides_return: bool


@dataclass(frozen=True)
class Plan:
    """Everything the engine needs to run a journey."""

    name: str
    time_unit: str
    horizon: float | None
    seed: int | None
    arrivals: ArrivalPlan
    stages: tuple[StagePlan, ...]
    touchpoints: tuple[TouchpointPlan, ...]
    segments: tuple[SegmentPlan, ...]
    care: tuple[CarePlan, ...]
    settings: Settings
    used_factors: tuple[int, ...]
    used_modules: tuple[int, ...]
    day: float = 1440.0
    stage_names: tuple[str, ...] = field(default=())
    #: Remembered episodes (none: only the whole cycle is remembered).
    episodes: tuple[EpisodePlan, ...] = ()
    #: Opening hours on the clock (None: always open).
    schedule: Schedule | None = None
    #: What happens at closing to customers queueing at a counter: ``"serve"`` or ``"turn away"``.
    closing: str = "serve"
    #: Each segment's care budget (by segment index), None where it has none.
    care_budgets: tuple[CareBudgetPlan | None, ...] = ()


DEFAULT_VISIT_LIMIT = 5


def _effects(effects: Effects) -> tuple[tuple[float, ...], tuple[float, ...], tuple[tuple[int, float], ...]]:
    modules = [0.0] * len(MODULE_NAMES)
    for effect in effects.modules:
        modules[MODULE_NAMES.index(effect.name)] += effect.value
    themes = [0.0] * len(THEME_NAMES)
    for effect in effects.themes:
        themes[THEME_NAMES.index(effect.name)] += effect.value
    performance = tuple((FACTOR_NAMES.index(p.name), float(p.value)) for p in effects.performance)
    return tuple(modules), tuple(themes), performance


def _condition(condition: Condition, segments: dict[str, int]) -> Callable[..., bool]:
    if condition.kind == "segment":
        wanted = segments[condition.subject]
        return lambda c, visits: c.segment.index == wanted
    if condition.kind == "tier":
        tier = condition.subject
        return lambda c, visits: c.segment.tier == tier
    value = float(condition.value or 0.0)
    operator = condition.operator
    read: Callable[..., float]
    if condition.subject == "mood":
        read = lambda c, visits: c.mood  # noqa: E731
    elif condition.subject == "satisfaction":
        read = lambda c, visits: c.satisfaction_so_far()  # noqa: E731
    elif condition.subject == "visits":
        read = lambda c, visits: visits  # noqa: E731
    else:
        read = lambda c, visits: c.cycle  # noqa: E731
    compare = {
        ">": float.__gt__,
        "<": float.__lt__,
        ">=": float.__ge__,
        "<=": float.__le__,
        "==": float.__eq__,
        "!=": float.__ne__,
    }[operator or ">"]
    return lambda c, visits: compare(float(read(c, visits)), value)


def _audience(tp: Touchpoint, segments: list[SegmentPlan]) -> frozenset[int] | None:
    """The segments a touchpoint written ``for segment X`` or ``for tier A`` reaches (None: all)."""
    audience = tp.audience
    if audience is None or audience.kind == "all":
        return None
    if audience.kind == "segment":
        return frozenset(s.index for s in segments if s.name == audience.name)
    return frozenset(s.index for s in segments if s.tier == audience.name)


def compile_plan(journey: Journey) -> Plan:
    """Compile a checked journey into a :class:`Plan`.

    Parameters
    ----------
    journey : Journey
        A journey without errors (see :func:`journeydsl.api.check_file`).
    """
    unit = journey.time_unit or DEFAULT_TIME_UNIT
    journey_settings = settings_from(journey.params)
    default_noise = journey_settings["affect"]["noise"]
    touchpoints: list[TouchpointPlan] = []
    library: dict[str, TouchpointPlan] = {}
    segments = _segments(journey, unit)
    # Queues are worked out on a heap of the times servers free up, but where counters send their
    # queues away at closing (see journeydsl.sim.engine.experience).
    turn_away = journey.hours is not None and journey.hours.closing == "turn away"
    queue = "resource" if turn_away else "heap"

    def compile_touchpoint(tp: Touchpoint, recoveries: dict[str, TouchpointPlan]) -> TouchpointPlan:
        modules, themes, performance = _effects(tp.effects)
        failures = []
        for failure in tp.effects.failures:
            f_modules, f_themes, f_performance = _effects(failure.effects)
            failures.append(
                FailurePlan(
                    failure.name,
                    failure.probability.value,
                    f_modules,
                    sum(f_themes),
                    f_performance,
                    recoveries.get(failure.recovery) if failure.recovery else None,
                )
            )
        plan = TouchpointPlan(
            index=len(touchpoints),
            name=tp.name,
            channel=tp.channel,
            stage=tp.stage,
            capacity=int(tp.capacity) if tp.capacity is not None else None,
            duration=from_spec(tp.duration, unit) if tp.duration is not None else None,
            cost=float(tp.cost or 0.0),
            moment_of_truth=tp.moment_of_truth,
            modules=modules,
            themes=themes,
            theme_total=sum(themes),
            performance=performance,
            noise=float(tp.effects.variability) if tp.effects.variability is not None else default_noise,
            failures=tuple(failures),
            audience=_audience(tp, segments) if tp.kind != "care" else None,
            staff_cost=(
                tp.staff_cost.amount * unit_seconds(unit) / unit_seconds(tp.staff_cost.per)
                if tp.staff_cost is not None and tp.capacity is not None
                else 0.0
            ),
            queue=None if tp.capacity is None else queue,
        )
        touchpoints.append(plan)
        return plan

    # Library touchpoints first without recoveries, so that recoveries can point at them.
    plain_library = [tp for tp in journey.touchpoints if not any(f.recovery for f in tp.effects.failures)]
    for tp in plain_library:
        library[tp.name] = compile_touchpoint(tp, library)
    for tp in journey.touchpoints:
        if tp.name not in library:
            library[tp.name] = compile_touchpoint(tp, library)

    segment_index = {s.name: i for i, s in enumerate(journey.segments)}
    stage_index = {s.name: i for i, s in enumerate(journey.stages)}
    journey_limit = int(journey.visit_limit) if journey.visit_limit is not None else DEFAULT_VISIT_LIMIT
    stages = []
    for index, stage in enumerate(journey.stages):
        steps = []
        for step in stage.steps:
            options = step.options if isinstance(step, Choice) else (step,)
            compiled = tuple(
                compile_touchpoint(o, library) if isinstance(o, Touchpoint) else library[o.name] for o in options
            )
            cumulative: tuple[tuple[float, ...], ...] = ()
            if isinstance(step, Choice):
                cumulative = tuple(_cumulative_shares(step, segment.name) for segment in segments)
            steps.append(StepPlan(compiled, cumulative))
        transitions = []
        remainders = _segment_remainders(stage, journey)
        for position, (transition, probability) in enumerate(resolved_probabilities(stage)):
            target = -1 if transition.target == EXIT else stage_index[transition.target]
            conditionals = tuple(
                (c.probability.value, _all([_condition(x, segment_index) for x in c.conditions]))
                for c in transition.conditionals
            ) + tuple(
                (remainder, _condition(Condition("segment", name), segment_index))
                for name, remainder in remainders.get(position, ())
                if abs(remainder - probability) > 1e-12
            )
            transitions.append(
                TransitionPlan(
                    target=target,
                    probability=probability,
                    conditionals=conditionals,
                    delay=to_time_unit(transition.delay, unit) if transition.delay else 0.0,
                    repeat=transition.repeat,
                    loyalty=transition.repeat and transition.probability is None,
                )
            )
        stages.append(
            StagePlan(
                index=index,
                name=stage.name,
                phase=stage.phase,
                goal=stage.goal,
                delay=to_time_unit(stage.delay, unit) if stage.delay else 0.0,
                visit_limit=int(stage.visit_limit) if stage.visit_limit is not None else journey_limit,
                steps=tuple(steps),
                transitions=tuple(transitions),
            )
        )
    care = []
    for programme in journey.care:
        plan = compile_touchpoint(programme, library)
        audience = programme.audience
        care.append(
            CarePlan(
                plan,
                audience.kind if audience else "all",
                audience.name if audience else None,
                to_time_unit(programme.every, unit) if programme.every else 0.0,
            )
        )
    used_factors = sorted(
        {f for tp in touchpoints for f, _ in tp.performance}
        | {f for tp in touchpoints for fl in tp.failures for f, _ in fl.performance}
    )
    used_modules = sorted(
        {m for tp in touchpoints for m, v in enumerate(tp.modules) if v}
        | {m for tp in touchpoints for fl in tp.failures for m, v in enumerate(fl.modules) if v}
    )
    schedule = _schedule(journey.hours, unit) if journey.hours is not None else None
    return Plan(
        name=journey.name,
        time_unit=unit,
        horizon=to_time_unit(journey.horizon, unit) if journey.horizon else None,
        seed=int(journey.seed) if journey.seed is not None else None,
        arrivals=_arrivals(journey, unit, schedule),
        stages=tuple(stages),
        touchpoints=tuple(touchpoints),
        segments=tuple(segments),
        care=tuple(care),
        settings=journey_settings,
        used_factors=tuple(used_factors),
        used_modules=tuple(used_modules),
        day=unit_seconds("day") / unit_seconds(unit),
        stage_names=tuple(s.name for s in journey.stages),
        episodes=_episodes(journey),
        schedule=schedule,
        closing=(journey.hours.closing or "serve") if journey.hours is not None else "serve",
        care_budgets=_care_budgets(journey, segments, unit),
    )


def _episodes(journey: Journey) -> tuple[EpisodePlan, ...]:
    """The journey's episodes, their stages as indices (a stage a variant removed is left out)."""
    index = {stage.name: i for i, stage in enumerate(journey.stages)}
    return tuple(
        EpisodePlan(
            e.name,
            frozenset(index[name] for name, _ in e.stages if name in index),
            tuple(name for name, _ in e.stages),
            e.decides_return,
        )
        for e in journey.episodes
    )


def _segment_remainders(stage: Stage, journey: Journey) -> dict[int, list[tuple[str, float]]]:
    """Per transition taking the remainder, each declared segment's remainder (see :mod:`journeydsl.lang.routing`).

    A transition written without a probability takes, for each segment, what
    the others leave that segment's customers when no condition on their state
    holds.  The plan gives it as one more conditional per segment after the
    written ones (``, REMAINDER if segment NAME``), so the engine needs no
    rule of its own.
    """
    found: dict[int, list[tuple[str, float]]] = {}
    if not any(t.probability is None for t in stage.transitions):
        return found
    for view in segment_views(journey) if journey.segments else ():
        for position, route in enumerate(routes(stage, view)):
            if route.remainder and view.name is not None:
                found.setdefault(position, []).append((view.name, route.probability))
    return found


def _all(predicates: list[Callable[..., bool]]) -> Callable[..., bool]:
    return lambda c, visits: all(p(c, visits) for p in predicates)


def _cumulative_shares(choice: Choice, segment: str) -> tuple[float, ...]:
    shares = []
    for option in choice.options:
        if option.share is None:
            shares.append(1.0 / len(choice.options))
            continue
        override = [s.probability.value for s in option.share.by_segment if s.segment == segment]
        shares.append(override[0] if override else option.share.probability.value)
    total = sum(shares) or 1.0
    running, cumulative = 0.0, []
    for share in shares:
        running += share / total
        cumulative.append(running)
    cumulative[-1] = 1.0
    return tuple(cumulative)


def _segments(journey: Journey, unit: str) -> list[SegmentPlan]:
    factor_expect = {f.name: f.expect for f in journey.factors if f.expect is not None}
    factor_importance = {f.name: f.importance for f in journey.factors if f.importance is not None}
    declared = journey.segments or ()
    plans = []
    for index, segment in enumerate(declared):
        expectations = {**factor_expect, **{e.name: e.value for e in segment.expectations}}
        importances = {**factor_importance, **{e.name: e.value for e in segment.importances}}
        sensitivities = {e.name: e.value for e in segment.sensitivities}
        share = segment.share.value if segment.share is not None else 1.0 / len(declared)
        plans.append(
            SegmentPlan(
                index=index,
                name=segment.name,
                share=share,
                tier=segment.tier,
                value=float(segment.value or 0.0),
                patience=to_time_unit(segment.patience, unit) if segment.patience else None,
                expectations=tuple(float(expectations.get(f, DEFAULT_RATING)) for f in FACTOR_NAMES),
                importances=tuple(float(importances.get(f, DEFAULT_RATING)) for f in FACTOR_NAMES),
                sensitivities=tuple(float(sensitivities.get(m, 1.0)) for m in MODULE_NAMES),
                settings=settings_from(journey.params, segment.params),
            )
        )
    if not plans:
        plans.append(
            SegmentPlan(
                index=0,
                name="everyone",
                share=1.0,
                tier=None,
                value=0.0,
                patience=None,
                expectations=tuple(float(factor_expect.get(f, DEFAULT_RATING)) for f in FACTOR_NAMES),
                importances=tuple(float(factor_importance.get(f, DEFAULT_RATING)) for f in FACTOR_NAMES),
                sensitivities=(1.0,) * len(MODULE_NAMES),
                settings=settings_from(journey.params),
            )
        )
    return plans


def _schedule(hours: OpeningHours, unit: str) -> Schedule:
    """The opening hours on the clock: a week of weighted bands, its zero at the written start."""
    minute = unit_seconds("min") / unit_seconds(unit)
    start_days = operations.weekdays(hours.start_day) if hours.start_day else None
    start_day = start_days[0] if start_days else 0  # checked: one known day
    start_minute = hours.start_time.start if hours.start_time is not None else 0.0
    return Schedule.of(
        operations.weighted_bands(hours),
        week=operations.MINUTES_PER_WEEK * minute,
        offset=(start_day * operations.MINUTES_PER_DAY + start_minute) * minute,
        scale=minute,
    )


def _weekly_arrivals(rate: float, per: str, hours: OpeningHours, schedule: Schedule, unit: str) -> float:
    """How many customers a written Poisson rate brings in a week of these opening hours.

    A rate per hour (minute, second) counts open hours; ``per day`` counts open
    days (the day's customers spread over its open hours); a rate per week, month
    or year counts calendar time (the period's customers come in its open hours).
    """
    per_seconds = unit_seconds(per)
    if per_seconds <= unit_seconds("hour"):
        return rate * schedule.open_week * unit_seconds(unit) / per_seconds
    if per_seconds == unit_seconds("day"):
        return rate * operations.open_days(hours)
    return rate * unit_seconds("week") / per_seconds


def _arrivals(journey: Journey, unit: str, schedule: Schedule | None = None) -> ArrivalPlan:
    """The arrival process in the clock's unit; with opening hours, rates per unit of weighted open time."""
    arrivals = journey.arrivals
    if arrivals is None:
        return ArrivalPlan("cohort", count=1000)
    if arrivals.kind == "poisson":
        if schedule is not None and journey.hours is not None:
            weekly = _weekly_arrivals(float(arrivals.rate or 0.0), arrivals.per or "day", journey.hours, schedule, unit)
            return ArrivalPlan("poisson", rate=weekly / schedule.weighted_week)
        per = unit_seconds(arrivals.per or "day") / unit_seconds(unit)
        return ArrivalPlan("poisson", rate=float(arrivals.rate or 0.0) / per)
    if arrivals.kind == "cohort":
        over = to_time_unit(arrivals.over, unit) if arrivals.over else 0.0
        return ArrivalPlan("cohort", count=int(arrivals.count or 0), over=over)
    per = unit_seconds(arrivals.per or "year") / unit_seconds(unit)
    # A market's rates are per calendar time; with opening hours a week's adoptions happen in its open hours.
    compressed = schedule.week / schedule.weighted_week if schedule is not None else 1.0
    return ArrivalPlan(
        "market",
        count=int(arrivals.count or 0),
        innovation=float(arrivals.innovation or 0.0) / per * compressed,
        imitation=float(arrivals.imitation or 0.0) / per * compressed,
    )


def _care_budgets(journey: Journey, segments: list[SegmentPlan], unit: str) -> tuple[CareBudgetPlan | None, ...]:
    """Each segment's care budget (its own, else its tier's, else the one for all), by segment index."""
    if not journey.care_budgets:
        return ()
    budgets: list[CareBudgetPlan | None] = []
    for segment in segments:
        budget = operations.budget_for(segment.name, segment.tier, journey.care_budgets)
        if budget is None:
            budgets.append(None)
        else:
            budgets.append(CareBudgetPlan(budget.amount, unit_seconds(budget.per) / unit_seconds(unit), budget.label))
    return tuple(budgets)
