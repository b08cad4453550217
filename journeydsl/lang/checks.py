"""Semantic checks: small registered functions, each yielding diagnostics.

Every check runs on every journey (or library); :func:`run_checks` collects
all their diagnostics and sorts them by position, so a designer sees every
problem at once.  A check never raises on a broken model: it reports what it
can and leaves the rest to the others.

The size of a run is checked before anything runs: customers per run from
:data:`LARGE_RUN_CUSTOMERS` on are a warning (JD505), above
:data:`MAX_RUN_CUSTOMERS` an error (JD218), and a loop that every customer goes
round, with a visit limit that allows more than :data:`MAX_LOOP_VISITS` stage
visits per customer, an error (JD306).  With ``allow_large`` those errors are
warnings (JD505).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from . import flow as journey_flow
from . import operations
from .diagnostics import Diagnostic, Hints, sort_diagnostics
from .model import (
    CareBudget,
    Choice,
    DistributionSpec,
    Effects,
    HoursLine,
    Journey,
    Library,
    NamedValue,
    OpeningHours,
    ParamBlock,
    Probability,
    Quantity,
    Rating,
    SegmentShare,
    Span,
    Stage,
    TimeRange,
    Touchpoint,
    Transition,
    Use,
)
from .routing import Route, SegmentView, routes, segment_views
from .vocabulary import (
    CHANNELS,
    CONDITION_SUBJECTS,
    DEFAULT_VISIT_LIMIT,
    DISTRIBUTIONS,
    EFFECT_SCALE,
    FACTORS,
    MODULES,
    PHASES,
    RATING_SCALE,
    RESERVED_TARGETS,
    SETTINGS,
    THEMES,
    UNIT_SECONDS,
)

__all__ = [
    "CHECKS",
    "check",
    "run_checks",
    "Context",
    "LARGE_RUN_CUSTOMERS",
    "MAX_RUN_CUSTOMERS",
    "MAX_LOOP_VISITS",
]

_EPSILON = 1e-9

#: Customers per run (a cohort's or market's size, or a Poisson rate times the horizon) from which
#: ``journey check`` warns that the run will be long and large (JD505).
LARGE_RUN_CUSTOMERS = 1_000_000
#: Customers per run above which the journey is refused (JD218) unless large runs are allowed.
MAX_RUN_CUSTOMERS = 10_000_000
#: Stage visits per customer that a loop every customer goes round may take (JD306).
MAX_LOOP_VISITS = 1_000


@dataclass
class Context:
    """What the checks share: the journey (or library), whether large runs are allowed, lazily its graph."""

    body: Journey | Library
    allow_large: bool = False
    #: Did-you-mean hints within one budget for the whole check, so that many misspellings stay cheap.
    hints: Hints = field(default_factory=Hints)

    @property
    def journey(self) -> Journey | None:
        return self.body if isinstance(self.body, Journey) else None

    @cached_property
    def flow(self) -> journey_flow.StageFlow:
        assert self.journey is not None
        return journey_flow.StageFlow.of(self.journey)

    @cached_property
    def touchpoints(self) -> tuple[Touchpoint, ...]:
        """Every touchpoint and care programme, stage ones first."""
        if self.journey is not None:
            return (*self.journey.all_touchpoints(), *self.journey.care)
        return (*self.body.touchpoints, *self.body.care)

    @cached_property
    def library_names(self) -> set[str]:
        return {tp.name for tp in self.body.touchpoints}

    @cached_property
    def segment_names(self) -> set[str]:
        return {s.name for s in self.body.segments}

    @cached_property
    def tiers(self) -> set[str]:
        return {s.tier for s in self.body.segments if s.tier}


CheckFunction = Callable[[Context], Iterable[Diagnostic]]
#: The registered checks, in the order they were defined.
CHECKS: list[CheckFunction] = []


def check(function: CheckFunction) -> CheckFunction:
    """Register a check function."""
    CHECKS.append(function)
    return function


def run_checks(body: Journey | Library, allow_large: bool = False) -> list[Diagnostic]:
    """Run every registered check and return all diagnostics in reading order.

    Parameters
    ----------
    body : Journey or Library
        What to check.
    allow_large : bool
        Turn the errors about the size of a run (JD218, JD306) into warnings
        (JD505): the ``--allow-large`` of the command line.

    Returns
    -------
    list of Diagnostic
        Every problem found, sorted by position.
    """
    context = Context(body, allow_large)
    found: list[Diagnostic] = []
    for function in CHECKS:
        found.extend(function(context))
    return sort_diagnostics(found)


# ---- helpers -------------------------------------------------------------------------


def _unknown(hints: Hints, code: str, what: str, name: str, span: Span, vocabulary: Collection[str]) -> Diagnostic:
    pool = sorted(vocabulary)
    hint = hints.did_you_mean(name, vocabulary)
    if hint is None and len(pool) <= 12:
        hint = "known: " + ", ".join(pool)
    return Diagnostic(code, f"unknown {what} `{name}`", span, hint=hint)


def _undefined(
    hints: Hints, code: str, what: str, name: str, span: Span, defined: Collection[str], how: str
) -> Diagnostic:
    hint = hints.did_you_mean(name, defined) or (f"declare it with `{how}`" if not defined else None)
    if hint is None and len(defined) <= 8:
        hint = "defined: " + ", ".join(f"`{p}`" for p in sorted(defined))
    return Diagnostic(code, f"{what} `{name}` is not defined", span, hint=hint)


def _scale(
    value: float, scale: tuple[float, float], what: str, span: Span, code: str = "JD207"
) -> Iterator[Diagnostic]:
    low, high = scale
    if math.isinf(value):
        return  # JD217, where the number is written
    if not (low <= value <= high) or math.isnan(value):
        yield Diagnostic(
            code,
            f"{what} {value:g} is outside the scale {low:g} to {high:+g}".replace("+", "" if low >= 0 else "+"),
            span,
            hint=f"write a value from {low:g} to {high:g}",
        )


def _probability(p: Probability, what: str) -> Iterator[Diagnostic]:
    if math.isinf(p.value):
        return  # JD217, where the number is written
    if p.value < 0 or p.value > 1 or math.isnan(p.value):
        if p.percent:
            message = f"{what} {p} is {'more than 100%' if p.value > 1 else 'negative'}"
            hint = "write a percentage from 0% to 100%"
        else:
            message = f"{what} {p} is outside 0 to 1"
            hint = (
                f"write a fraction from 0 to 1, or a percentage such as `{p.value:g}%`"
                if p.value > 1
                else "write a fraction from 0 to 1"
            )
        yield Diagnostic("JD201", message, p.span, hint=hint)


def _time(q: Quantity | None, what: str, *, allow_zero: bool = False) -> Iterator[Diagnostic]:
    if q is None:
        return
    if q.unit is None:
        yield Diagnostic(
            "JD205",
            f"{what} `{q}` has no unit",
            q.span,
            hint=f"write a unit after the number, e.g. `{q} min` or `{q} days`",
        )
    if q.value < 0 or (q.value == 0 and not allow_zero) or math.isnan(q.value):
        yield Diagnostic(
            "JD204",
            f"{what} `{q}` must be {'zero or more' if allow_zero else 'more than zero'}",
            q.span,
        )


def _whole(value: float, what: str, span: Span, minimum: int) -> Iterator[Diagnostic]:
    if not float(value).is_integer() and not math.isinf(value):
        yield Diagnostic(
            "JD215", f"{what} {value:g} is not a whole number", span, hint=f"write a whole number of at least {minimum}"
        )


def _percent(value: float) -> str:
    return f"{value * 100:.4g}%"


def _seconds(
    items: Iterable[tuple[str, Span]], code: str, says: Callable[[str], str], hint: str, first_was: str
) -> Iterator[Diagnostic]:
    """Diagnostic ``code`` at every key of ``items`` met before, related to where it first stood."""
    first: dict[str, Span] = {}
    for key, span in items:
        if key in first:
            yield Diagnostic(code, says(key), span, hint=hint, related=((first_was, first[key]),))
        else:
            first[key] = span


def _duplicates(items: Iterable[tuple[str, Span]], what: str) -> Iterator[Diagnostic]:
    """JD102 at every name declared a second time."""
    return _seconds(
        items,
        "JD102",
        lambda name: f"{what} `{name}` is declared twice",
        "give each a name of its own",
        "first declared here",
    )


def _repeated(items: Iterable[tuple[str, Span]], owner: str) -> Iterator[Diagnostic]:
    """JD216 at every setting or effect given a second time."""
    return _seconds(
        items,
        "JD216",
        lambda key: f"`{key.replace('_', ' ')}` is given twice for {owner}",
        "keep one; the first one is used",
        "first given here",
    )


# ---- names ---------------------------------------------------------------------------


@check
def duplicate_names(ctx: Context) -> Iterator[Diagnostic]:
    """Stages, touchpoints (with care programmes), segments and factors each need unique names."""
    body = ctx.body
    if ctx.journey is not None:
        yield from _duplicates(((s.name, s.name_span) for s in ctx.journey.stages), "stage")
    yield from _duplicates(((t.name, t.name_span) for t in ctx.touchpoints), "touchpoint")
    yield from _duplicates(((s.name, s.name_span) for s in body.segments), "segment")
    yield from _duplicates(((f.name, f.name_span) for f in body.factors), "factor")


@check
def episodes(ctx: Context) -> Iterator[Diagnostic]:
    """Episodes name stages that exist, have at least one, are declared once, and one at most decides return."""
    journey = ctx.journey
    if journey is None or not journey.episodes:
        return
    stage_names = {s.name for s in journey.stages}
    for episode in journey.episodes:
        if not episode.stages:
            yield Diagnostic(
                "JD241",
                f"episode `{episode.name}` has no stages",
                episode.name_span,
                hint="list the stages it spans, e.g. `stages preparation, examination`",
            )
        for name, span in episode.stages:
            if name not in stage_names:
                found = _undefined(ctx.hints, "JD240", "stage", name, span, stage_names, "stage NAME { ... }")
                yield Diagnostic("JD240", f"episode `{episode.name}`: {found.message}", span, hint=found.hint)
    yield from _seconds(
        ((e.name, e.name_span) for e in journey.episodes),
        "JD242",
        lambda name: f"episode `{name}` is declared twice",
        "give each episode a name of its own, or list all its stages in one",
        "first declared here",
    )
    yield from _seconds(
        (("decides return", e.decides_span) for e in journey.episodes if e.decides_return),
        "JD243",
        lambda _: "more than one episode decides return",
        "a customer's return follows one memory: keep `decides return` in one episode",
        "first decides return here",
    )


@check
def reserved_names(ctx: Context) -> Iterator[Diagnostic]:
    """``exit`` is the drop-off, so no stage may be called that."""
    for stage in ctx.journey.stages if ctx.journey else ():
        if stage.name in RESERVED_TARGETS:
            yield Diagnostic(
                "JD114",
                f"`{stage.name}` is reserved: `-> {stage.name}` means {RESERVED_TARGETS[stage.name]}",
                stage.name_span,
                hint="rename the stage, e.g. `checkout`",
            )


@check
def references(ctx: Context) -> Iterator[Diagnostic]:
    """Transitions, ``use``, recoveries and conditions must name things that exist."""
    journey = ctx.journey
    recoverable = {tp.name for tp in ctx.touchpoints}
    for tp in ctx.touchpoints:
        for failure in tp.effects.failures:
            if failure.recovery and failure.recovery not in recoverable:
                yield _undefined(
                    ctx.hints,
                    "JD108",
                    "recovery touchpoint",
                    failure.recovery,
                    failure.recovery_span,
                    recoverable,
                    "touchpoint NAME: staff { ... }",
                )
        if tp.share is not None:
            yield from _segment_refs(ctx, (s.segment for s in tp.share.by_segment), tp.share.by_segment)
        if tp.audience is not None:
            if tp.audience.kind == "segment" and tp.audience.name not in ctx.segment_names:
                yield _undefined(
                    ctx.hints,
                    "JD107",
                    "segment",
                    tp.audience.name or "",
                    tp.audience.span,
                    ctx.segment_names,
                    "segment NAME 100% { ... }",
                )
            if tp.audience.kind == "tier" and tp.audience.name not in ctx.tiers:
                yield _undefined(
                    ctx.hints,
                    "JD113",
                    "tier",
                    tp.audience.name or "",
                    tp.audience.span,
                    ctx.tiers,
                    "tier A inside a segment",
                )
    if journey is None:
        return
    stages = {s.name for s in journey.stages}
    for stage in journey.stages:
        for step in stage.steps:
            for option in step.options if isinstance(step, Choice) else (step,):
                if isinstance(option, Use):
                    if option.name not in ctx.library_names:
                        yield _undefined(
                            ctx.hints,
                            "JD108",
                            "touchpoint",
                            option.name,
                            option.name_span,
                            ctx.library_names,
                            f"touchpoint {option.name}: staff {{ ... }}` at journey level or in a library imported with `import",
                        )
                    if option.share is not None:
                        yield from _segment_refs(
                            ctx, (s.segment for s in option.share.by_segment), option.share.by_segment
                        )
        for transition in stage.transitions:
            if transition.target not in stages and transition.target not in RESERVED_TARGETS:
                yield _undefined(
                    ctx.hints, "JD101", "stage", transition.target, transition.target_span, stages, "stage NAME { ... }"
                )
            for conditional in transition.conditionals:
                for condition in conditional.conditions:
                    if condition.kind == "segment" and condition.subject not in ctx.segment_names:
                        yield _undefined(
                            ctx.hints,
                            "JD107",
                            "segment",
                            condition.subject,
                            condition.span,
                            ctx.segment_names,
                            "segment NAME 100% { ... }",
                        )
                    elif condition.kind == "tier" and condition.subject not in ctx.tiers:
                        yield _undefined(
                            ctx.hints,
                            "JD113",
                            "tier",
                            condition.subject,
                            condition.span,
                            ctx.tiers,
                            "tier A inside a segment",
                        )
                    elif condition.kind == "compare" and condition.subject not in CONDITION_SUBJECTS:
                        yield _unknown(
                            ctx.hints, "JD112", "customer state", condition.subject, condition.span, CONDITION_SUBJECTS
                        )


def _segment_refs(ctx: Context, names: Iterable[str], shares: Iterable[SegmentShare]) -> Iterator[Diagnostic]:
    for name, share in zip(names, shares, strict=True):
        if name not in ctx.segment_names:
            yield _undefined(
                ctx.hints, "JD107", "segment", name, share.span, ctx.segment_names, "segment NAME 100% { ... }"
            )


# ---- vocabulary ----------------------------------------------------------------------


def _effects_vocabulary(effects: Effects, hints: Hints) -> Iterator[Diagnostic]:
    for effect in effects.modules:
        if effect.name not in MODULES:
            hint_pool = MODULES if effect.name not in THEMES else ()
            if effect.name in THEMES:
                yield Diagnostic(
                    "JD104",
                    f"`{effect.name}` is an experience theme, not a module",
                    effect.name_span,
                    hint=f"write `theme {effect.name} {effect.value:+g}`",
                )
            else:
                yield _unknown(hints, "JD104", "experience module", effect.name, effect.name_span, hint_pool)
    for effect in effects.themes:
        if effect.name not in THEMES:
            yield _unknown(hints, "JD105", "experience theme", effect.name, effect.name_span, THEMES)
    for effect in effects.performance:
        if effect.name not in FACTORS:
            yield _unknown(hints, "JD106", "experience factor", effect.name, effect.name_span, FACTORS)
    for failure in effects.failures:
        yield from _effects_vocabulary(failure.effects, hints)


@check
def vocabulary(ctx: Context) -> Iterator[Diagnostic]:
    """Channels, modules, themes, factors, phases, distributions and settings come from the primer."""
    body = ctx.body
    for tp in ctx.touchpoints:
        if tp.channel not in CHANNELS:
            yield _unknown(ctx.hints, "JD103", "channel", tp.channel, tp.channel_span, CHANNELS)
        if tp.duration is not None and tp.duration.kind not in DISTRIBUTIONS:
            yield _unknown(ctx.hints, "JD111", "distribution", tp.duration.kind, tp.duration.kind_span, DISTRIBUTIONS)
        yield from _effects_vocabulary(tp.effects, ctx.hints)
    for factor in body.factors:
        if factor.name not in FACTORS:
            yield _unknown(ctx.hints, "JD106", "experience factor", factor.name, factor.name_span, FACTORS)
    for segment in body.segments:
        for value in (*segment.expectations, *segment.importances):
            if value.name not in FACTORS:
                yield _unknown(ctx.hints, "JD106", "experience factor", value.name, value.name_span, FACTORS)
        for value in segment.sensitivities:
            if value.name not in MODULES:
                yield _unknown(ctx.hints, "JD104", "experience module", value.name, value.name_span, MODULES)
    for stage in ctx.journey.stages if ctx.journey else ():
        if stage.phase is not None and stage.phase not in PHASES:
            yield _unknown(ctx.hints, "JD110", "purchase phase", stage.phase, stage.phase_span, PHASES)
    for block in _param_blocks(ctx):
        if block.name not in SETTINGS:
            yield _unknown(ctx.hints, "JD109", "settings block", block.name, block.name_span, SETTINGS)
            continue
        known = SETTINGS[block.name]
        for param in block.params:
            if param.name not in known:
                yield Diagnostic(
                    "JD109",
                    f"`{block.name}` has no setting `{param.name}`",
                    param.name_span,
                    hint=ctx.hints.did_you_mean(param.name, known) or "settings here: " + ", ".join(sorted(known)),
                )
        yield from _repeated(((p.name, p.name_span) for p in block.params), f"`{block.name}`")


def _param_blocks(ctx: Context) -> Iterator[ParamBlock]:
    yield from ctx.body.params
    for segment in ctx.body.segments:
        yield from segment.params


# ---- values --------------------------------------------------------------------------


@check
def journey_settings(ctx: Context) -> Iterator[Diagnostic]:
    """Horizon, arrivals, seed and visit limit must make sense."""
    journey = ctx.journey
    if journey is None:
        return
    yield from _repeated(journey.setting_spans, "the journey")
    yield from _time(journey.horizon, "horizon")
    if journey.visit_limit is not None:
        span = journey.setting_span("visit_limit")
        yield from _whole(journey.visit_limit, "visit limit", span, 1)
        if journey.visit_limit < 1:
            yield Diagnostic("JD210", f"visit limit {journey.visit_limit:g} must be at least 1", span)
    if journey.seed is not None:
        span = journey.setting_span("seed")
        yield from _whole(journey.seed, "seed", span, 0)
        if journey.seed < 0:
            yield Diagnostic("JD210", f"seed {journey.seed:g} must be zero or more", span)
    arrivals = journey.arrivals
    if arrivals is None:
        return
    if arrivals.kind == "poisson" and (arrivals.rate or 0) <= 0:
        yield Diagnostic("JD210", f"arrival rate {arrivals.rate:g} must be more than zero", arrivals.span)
    if arrivals.kind in ("cohort", "market"):
        yield from _whole(arrivals.count or 0, "number of customers", arrivals.span, 1)
        if (arrivals.count or 0) < 1:
            yield Diagnostic("JD210", f"number of customers {arrivals.count:g} must be at least 1", arrivals.span)
    if arrivals.kind == "cohort":
        yield from _time(arrivals.over, "arrival period")
    if arrivals.kind == "market":
        if (arrivals.innovation or 0) <= 0:
            yield Diagnostic(
                "JD210",
                "innovation rate must be more than zero, or nobody ever starts",
                arrivals.span,
                hint="Bass (1969): p is about 0.03 per year on average",
            )
        if (arrivals.imitation or 0) < 0:
            yield Diagnostic("JD210", "imitation rate must be zero or more", arrivals.span)


@check
def factor_values(ctx: Context) -> Iterator[Diagnostic]:
    """Expectations, importances and ideal levels are on 0-10."""
    for factor in ctx.body.factors:
        yield from _repeated(factor.value_spans, f"factor `{factor.name}`")
        spans = dict(reversed(factor.value_spans))
        for key in ("expect", "importance", "ideal"):
            value = getattr(factor, key)
            if value is not None:
                label = {"expect": "expectation"}.get(key, key)
                yield from _scale(value, RATING_SCALE, label, spans.get(key, factor.span))


@check
def segment_values(ctx: Context) -> Iterator[Diagnostic]:
    """Segment shares sum to 100%; patience, values, expectations and sensitivities are in range."""
    segments = ctx.body.segments
    for segment in segments:
        if segment.share is not None:
            yield from _probability(segment.share, f"share of segment `{segment.name}`")
        yield from _time(segment.patience, "patience")
        if segment.value is not None and segment.value < 0:
            yield Diagnostic(
                "JD214",
                f"value {segment.value:g} is negative",
                segment.value_span,
                hint="value is the revenue per purchase",
            )
        for value in (*segment.expectations, *segment.importances):
            yield from _scale(value.value, RATING_SCALE, "rating", value.value_span)
        for value in segment.sensitivities:
            yield from _scale(value.value, (0.0, 5.0), "sensitivity", value.value_span, code="JD210")
        yield from _duplicates_named(segment.expectations, f"expectation in segment `{segment.name}`")
        yield from _duplicates_named(segment.importances, f"importance in segment `{segment.name}`")
        yield from _duplicates_named(segment.sensitivities, f"sensitivity in segment `{segment.name}`")
    if ctx.journey is None or not segments:
        return
    missing = [s for s in segments if s.share is None]
    if len(segments) > 1 and missing:
        for segment in missing:
            yield Diagnostic(
                "JD212",
                f"segment `{segment.name}` has no share of arrivals",
                segment.name_span,
                hint=f"write its share after the name, e.g. `segment {segment.name} 30% {{`",
            )
        return
    total = sum(s.share.value for s in segments if s.share is not None)
    if not missing and abs(total - 1.0) > 1e-6:
        parts = " + ".join(str(s.share) for s in segments)
        yield Diagnostic(
            "JD203",
            f"segment shares add up to {_percent(total)}, not 100%",
            segments[0].share.span if segments[0].share else segments[0].name_span,
            hint=f"{parts} = {_percent(total)}; every arriving customer belongs to one segment",
            related=tuple((f"segment `{s.name}`", s.share.span) for s in segments[1:] if s.share),
        )


def _duplicates_named(values: Iterable[NamedValue], what: str) -> Iterator[Diagnostic]:
    yield from _repeated(((v.name, v.span) for v in values), what)


def _distribution(spec: DistributionSpec) -> Iterator[Diagnostic]:
    if spec.kind not in DISTRIBUTIONS:
        return
    count, names = DISTRIBUTIONS[spec.kind]
    args = spec.args
    if (count is not None and len(args) != count) or (count is None and not args):
        wanted = f"{count} value{'s' if count != 1 else ''} ({', '.join(names)})" if count else "one or more values"
        yield Diagnostic(
            "JD209",
            f"`{spec.kind}` takes {wanted}, got {len(args)}",
            spec.span,
            hint=f"e.g. `{spec.kind}({', '.join(['3 min'] * (count or 3))})`"
            if count != 3
            else "e.g. `triangular(2 min, 5 min, 15 min)`",
        )
        return
    for arg in args:
        if arg.unit is None:
            yield Diagnostic("JD205", f"duration `{arg}` has no unit", arg.span, hint=f"write e.g. `{arg} min`")
    values = [a.value * UNIT_SECONDS.get(a.unit or "s", 1.0) for a in args]
    problem = None
    if spec.kind in ("fixed", "exponential"):
        if values[0] <= 0:
            problem = f"duration `{args[0]}` must be more than zero"
            yield Diagnostic("JD204", problem, args[0].span)
        return
    if spec.kind == "uniform":
        if values[0] < 0:
            problem = "the lower bound cannot be negative"
        elif values[1] <= values[0]:
            problem = f"the upper bound {args[1]} must be above the lower bound {args[0]}"
    elif spec.kind == "triangular":
        if values[0] < 0:
            problem = "the lower bound cannot be negative"
        elif not values[0] <= values[1] <= values[2] or values[2] <= values[0]:
            problem = "needs low <= mode <= high with high above low"
    elif spec.kind in ("normal", "lognormal", "gamma"):
        positive = spec.kind != "normal"
        if values[0] <= 0:
            problem = f"the mean {args[0]} must be more than zero"
        elif values[1] < 0 or (positive and values[1] <= 0):
            problem = f"the spread {args[1]} must be {'more than zero' if positive else 'zero or more'}"
    elif spec.kind == "empirical":
        if any(v < 0 for v in values) or not any(v > 0 for v in values):
            problem = "durations cannot be negative, and one must be more than zero"
    if problem:
        yield Diagnostic("JD209", f"`{spec}`: {problem}", spec.span)


def _rating(rating: Rating) -> Iterator[Diagnostic]:
    """JD230 for a rating not written out of 10; JD207 for a score outside 0 to 10."""
    if rating.out_of != 10:
        yield Diagnostic(
            "JD230",
            f"{rating.kind} {rating.score:g}/{rating.out_of:g} is not out of 10",
            rating.span,
            hint=f"write a {rating.kind} out of 10, the scale of diaries and surveys"
            + (f": {rating.kind} {rating.score * 10 / rating.out_of:.3g}/10" if rating.out_of > 0 else ""),
        )
    else:
        yield from _scale(rating.score, RATING_SCALE, rating.kind, rating.span)


def _effect_values(effects: Effects) -> Iterator[Diagnostic]:
    for effect in (*effects.modules, *effects.themes):
        if effect.rating is not None:
            yield from _rating(effect.rating)
        else:
            yield from _scale(effect.value, EFFECT_SCALE, "effect", effect.value_span)
    for effect in effects.performance:
        yield from _scale(effect.value, RATING_SCALE, "performance", effect.value_span)
    if effects.variability is not None:
        yield from _scale(effects.variability, (0.0, 5.0), "variability", effects.variability_span)
    for failure in effects.failures:
        yield from _probability(failure.probability, f"chance of failure `{failure.name}`")
        yield from _effect_values(failure.effects)
    yield from _repeated(((e.name, e.span) for e in effects.modules), "these effects")
    yield from _repeated((("theme " + e.name, e.span) for e in effects.themes), "these effects")
    yield from _repeated((("performance " + e.name, e.span) for e in effects.performance), "these effects")


_CARE_ONLY = ("every",)
_STEP_ONLY = ("capacity", "share")


@check
def touchpoint_values(ctx: Context) -> Iterator[Diagnostic]:
    """Durations, capacities, costs and effects are valid; attributes stand where they apply."""
    in_choice = {tp.name for tp in ctx.touchpoints if tp.choice is not None}
    for tp in ctx.touchpoints:
        what = "care programme" if tp.kind == "care" else "touchpoint"
        yield from _repeated(tp.attribute_spans, f"{what} `{tp.name}`")
        if tp.duration is not None:
            yield from _distribution(tp.duration)
        if tp.capacity is not None:
            span = tp.attribute_span("capacity")
            if tp.capacity < 1:
                yield Diagnostic(
                    "JD206",
                    f"capacity {tp.capacity:g} is below 1",
                    span,
                    hint="capacity is the number of servers; leave it out for unlimited",
                )
            yield from _whole(tp.capacity, "capacity", span, 1)
        if tp.cost is not None and tp.cost < 0:
            yield Diagnostic("JD214", f"cost {tp.cost:g} is negative", tp.attribute_span("cost"))
        if tp.share is not None:
            yield from _probability(tp.share.probability, "share")
            for share in tp.share.by_segment:
                yield from _probability(share.probability, f"share for segment `{share.segment}`")
        yield from _effect_values(tp.effects)
        if tp.kind == "care":
            yield from _time(tp.every, "interval")
            for key in _STEP_ONLY:
                if dict(tp.attribute_spans).get(key):
                    yield Diagnostic(
                        "JD211",
                        f"a care programme has no `{key}`",
                        tp.attribute_span(key),
                        hint="care programmes reach each customer of their audience on schedule",
                    )
            if tp.every is None:
                yield Diagnostic(
                    "JD212", f"care programme `{tp.name}` has no schedule", tp.name_span, hint="add e.g. `every 1 year`"
                )
        else:
            for key in _CARE_ONLY:
                if dict(tp.attribute_spans).get(key):
                    yield Diagnostic(
                        "JD211",
                        f"`{key}` belongs to care programmes, not touchpoints",
                        tp.attribute_span(key),
                        hint=f"declare it as `care {tp.name}: {tp.channel} ...`",
                    )
            if tp.share is not None and tp.name not in in_choice:
                yield Diagnostic(
                    "JD211",
                    "`share` only applies to an option of a `choice`",
                    tp.attribute_span("share"),
                    hint="wrap the alternatives in `choice { ... }`",
                )


@check
def choice_shares(ctx: Context) -> Iterator[Diagnostic]:
    """The options of a choice have shares summing to 100%, overall and for each segment.

    Parameters
    ----------
    ctx : Context
        The journey being checked.

    Yields
    ------
    Diagnostic
        JD211 for a share outside a choice, JD212 for a choice or option missing something,
        JD208 for shares that do not add up to 100%.
    """
    for stage in ctx.journey.stages if ctx.journey else ():
        for step in stage.steps:
            if isinstance(step, Use) and step.share is not None:
                yield Diagnostic(
                    "JD211",
                    "`share` only applies to an option of a `choice`",
                    step.share.span,
                    hint="wrap the alternatives in `choice { ... }`",
                )
            if not isinstance(step, Choice):
                continue
            if not step.options:
                yield Diagnostic(
                    "JD212",
                    f"choice `{step.name}` has no options",
                    step.span,
                    hint="list the alternative touchpoints inside it",
                )
                continue
            shares = [o.share for o in step.options]
            if all(s is None for s in shares):
                continue
            for option, share in zip(step.options, shares, strict=True):
                if share is None:
                    yield Diagnostic(
                        "JD212",
                        f"option `{option.name}` has no share",
                        option.name_span,
                        hint="give every option a share, e.g. `share 40%`",
                    )
            given = [s for s in shares if s is not None]
            if len(given) != len(shares):
                continue
            yield from _choice_total(step, [s.probability.value for s in given], "", given[0].span)
            segments = sorted({b.segment for s in given for b in s.by_segment})
            for segment in segments:
                values = []
                for share in given:
                    override = [b.probability.value for b in share.by_segment if b.segment == segment]
                    values.append(override[0] if override else share.probability.value)
                yield from _choice_total(step, values, f" for segment `{segment}`", given[0].span)


def _choice_total(step: Choice, values: list[float], suffix: str, span: Span) -> Iterator[Diagnostic]:
    total = sum(values)
    if abs(total - 1.0) > 1e-6:
        yield Diagnostic(
            "JD208",
            f"the shares of choice `{step.name}`{suffix} add up to {_percent(total)}, not 100%",
            span,
            hint="each customer takes exactly one option",
        )


@check
def transition_values(ctx: Context) -> Iterator[Diagnostic]:
    """Transition probabilities are in [0, 1] and sum to at most 100% for each segment; delays are times."""
    segments = segment_views(ctx.journey) if ctx.journey else ()
    for stage in ctx.journey.stages if ctx.journey else ():
        yield from _time(stage.delay, "delay", allow_zero=True)
        if stage.visit_limit is not None:
            yield from _whole(stage.visit_limit, "visit limit", stage.visit_limit_span, 1)
            if stage.visit_limit < 1:
                yield Diagnostic(
                    "JD210", f"visit limit {stage.visit_limit:g} must be at least 1", stage.visit_limit_span
                )
        open_ended = [t for t in stage.transitions if t.probability is None]
        for transition in open_ended[1:]:
            yield Diagnostic(
                "JD213",
                f"`-> {transition.target}` has no probability, and neither has `-> {open_ended[0].target}`",
                transition.span,
                hint="at most one transition may take the remainder; give the others a probability",
            )
        for transition in stage.transitions:
            yield from _time(transition.delay, "delay", allow_zero=True)
            if transition.probability is not None:
                yield from _probability(transition.probability, "probability")
            for conditional in transition.conditionals:
                yield from _probability(conditional.probability, "probability")
        yield from _transition_sums(stage, segments)


def _transition_sums(stage: Stage, segments: tuple[SegmentView, ...]) -> Iterator[Diagnostic]:
    """JD202: for each segment, the probabilities of a stage's transitions add up to at most 100%.

    Conditions on the segment are settled segment by segment (``lang/routing``),
    so conditionals for different segments never add up; conditions on the
    customer's state may hold together, so their highest probabilities do.  A
    transition that takes the remainder is left out: it takes what the others leave.
    """
    written = [t for t in stage.transitions if t.probability is not None or t.conditionals]
    values = [t.probability for t in written if t.probability is not None]
    values += [c.probability for t in written for c in t.conditionals]
    if not written or any(p.value > 1 + _EPSILON for p in values):  # JD201 says it
        return
    sums: dict[SegmentView, tuple[float, float, tuple[Route, ...]]] = {}
    for segment in segments:
        chosen = tuple(route for route in routes(stage, segment) if not route.remainder)
        sums[segment] = (sum(r.probability for r in chosen), sum(r.highest for r in chosen), chosen)
    over = [segment for segment, (total, worst, _) in sums.items() if worst > 1 + _EPSILON]
    if not over:
        return
    worst_segment = max(over, key=lambda segment: (sums[segment][0] > 1 + _EPSILON, sums[segment][:2]))
    total, worst, chosen = sums[worst_segment]
    # Name the segments when the sums differ between segments (conditions on the segment make them differ).
    same_for_all = len({tuple((r.probability, r.state_chances) for r in sums[s][2]) for s in segments}) == 1
    alike = [s for s in over if abs(sums[s][0] - total) + abs(sums[s][1] - worst) < _EPSILON and s.name is not None]
    who = "" if same_for_all or not alike else " for segment" + ("s " if len(alike) > 1 else " ")
    who += _names([s.name for s in alike if s.name is not None]) if who else ""
    if total > 1 + _EPSILON:
        shown = [route for route in chosen if route.probability > 0] or list(chosen)
        parts = " + ".join(_percent(route.probability) for route in shown)
        yield Diagnostic(
            "JD202",
            f"transitions out of `{stage.name}` add up to {_percent(total)}{who}",
            shown[0].transition.span,
            hint=f"{parts} = {_percent(total)}; they may add up to at most 100%"
            + (" for each segment" if who else "")
            + " (the rest drops off)"
            + (_per_segment_fix(shown[-1], alike[0]) if who else ""),
            related=tuple((f"`-> {r.transition.target}`", r.transition.span) for r in shown[1:]),
        )
        return
    yield Diagnostic(
        "JD202",
        f"transitions out of `{stage.name}` can add up to {_percent(worst)}{who} when their conditions hold together",
        next(r.transition for r in chosen if r.state_chances).span,
        hint="lower the conditional probabilities so that the highest ones add up to at most 100%"
        + (" for each segment" if who else ""),
    )


def _per_segment_fix(route: Route, segment: SegmentView) -> str:
    """How to give one segment a probability of its own on a transition, or let it take the remainder."""
    written = route.transition.probability
    baseline = str(written) if written is not None else _percent(route.probability)
    name = str(segment.name)
    return (
        f"; give `{name}` its own probability, e.g. `-> {_as_written(route.transition.target)} {baseline}, "
        f"0% if segment {_as_written(name)}`, or leave one probability out to take what the others leave"
    )


def _as_written(name: str) -> str:
    """A name as a journey writes it: bare when it is a word, else quoted."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*", name) else f'"{name}"'


def _names(names: list[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


@check
def settings_values(ctx: Context) -> Iterator[Diagnostic]:
    """Model settings are within their documented ranges and carry no unit."""
    for block in _param_blocks(ctx):
        known = SETTINGS.get(block.name, {})
        for param in block.params:
            setting = known.get(param.name)
            if setting is None:
                continue
            value = param.value
            if isinstance(value, Quantity) and value.unit is not None:
                yield Diagnostic("JD210", f"`{param.name}` takes a plain number, not a time", value.span)
                continue
            number = value.value
            if not (setting.low <= number <= setting.high) and not math.isinf(number):
                yield Diagnostic(
                    "JD210",
                    f"{block.name} {param.name} {number:g} is outside {setting.low:g} to {setting.high:g}",
                    value.span,
                    hint=f"{setting.doc}; default {setting.default:g}",
                )


# ---- the size of a run ---------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def _large(
    ctx: Context, code: str, message: str, span: Span, hint: str, related: tuple[tuple[str, Span], ...] = ()
) -> Diagnostic:
    """An error about the size of a run, or the warning JD505 when large runs are allowed."""
    if ctx.allow_large:
        return Diagnostic("JD505", f"{message} (allowed as a large run)", span, related=related)
    return Diagnostic(code, message, span, hint=hint, related=related)


@check
def run_size(ctx: Context) -> Iterator[Diagnostic]:
    """Customers one run brings: a cohort's or market's size, or a Poisson rate times the horizon.

    Parameters
    ----------
    ctx : Context
        The journey being checked.

    Yields
    ------
    Diagnostic
        JD505 (a warning) from :data:`LARGE_RUN_CUSTOMERS` customers per run on; JD218 above
        :data:`MAX_RUN_CUSTOMERS`, or JD505 when large runs are allowed.
    """
    journey = ctx.journey
    if journey is None or journey.arrivals is None:
        return
    arrivals = journey.arrivals
    related: tuple[tuple[str, Span], ...] = ()
    if arrivals.kind in ("cohort", "market"):
        customers = arrivals.count or 0.0
        setting = f"arrivals {arrivals.kind} {_number(customers)}"
        brings = f"{customers:,.0f} customers"
    else:
        horizon = journey.horizon
        per = UNIT_SECONDS.get(arrivals.per or "")
        if arrivals.rate is None or per is None or horizon is None or horizon.unit not in UNIT_SECONDS:
            return  # without a horizon, a run's size is its --customers
        customers = arrivals.rate / per * horizon.value * UNIT_SECONDS[horizon.unit]
        setting = f"arrivals poisson {_number(arrivals.rate)} per {arrivals.per}"
        brings = f"about {customers:,.0f} customers over the horizon of {horizon}"
        related = (("the horizon", journey.setting_span("horizon")),)
    if not math.isfinite(customers) or customers < LARGE_RUN_CUSTOMERS:
        return  # an infinite number is JD217, where it is written
    if customers > MAX_RUN_CUSTOMERS:
        yield _large(
            ctx,
            "JD218",
            f"`{setting}` brings {brings} to one run, more than {MAX_RUN_CUSTOMERS:,}",
            arrivals.span,
            "every customer is simulated: bring fewer, "
            "or allow a large run with `--allow-large` (add `--customers N` to run only N)",
            related,
        )
        return
    yield Diagnostic(
        "JD505",
        f"`{setting}` brings {brings} to one run: it will take long and need much memory",
        arrivals.span,
        hint=f"fine if meant; above {MAX_RUN_CUSTOMERS:,} customers a run is refused without `--allow-large`",
        related=related,
    )


def _visit_limit(journey: Journey, stage: Stage) -> tuple[float, Span]:
    """The visit limit that holds for a stage, and where it is written."""
    if stage.visit_limit is not None:
        return stage.visit_limit, stage.visit_limit_span
    if journey.visit_limit is not None:
        return journey.visit_limit, journey.setting_span("visit_limit")
    return DEFAULT_VISIT_LIMIT, stage.name_span


def _takes_time(stage: Stage, transition_delay: Quantity | None, library: dict[str, Touchpoint]) -> bool:
    """Whether passing through a stage (and on along one transition) can take any time."""
    if (stage.delay is not None and stage.delay.value) or (transition_delay is not None and transition_delay.value):
        return True
    for step in stage.steps:
        for option in step.options if isinstance(step, Choice) else (step,):
            touchpoint = library.get(option.name) if isinstance(option, Use) else option
            if touchpoint is not None and touchpoint.duration is not None:
                return True
    return False


@check
def certain_loops(ctx: Context) -> Iterator[Diagnostic]:
    """A loop every customer goes round (100% each way) must not allow too many visits.

    Parameters
    ----------
    ctx : Context
        The journey being checked.

    Yields
    ------
    Diagnostic
        JD306 when the visit limit lets each customer make more than :data:`MAX_LOOP_VISITS`
        stage visits round such a loop (JD505 when large runs are allowed).
    """
    journey = ctx.journey
    if journey is None:
        return
    stages: dict[str, Stage] = {}
    for stage in journey.stages:
        stages.setdefault(stage.name, stage)
    order = {name: index for index, name in enumerate(stages)}
    # Each stage's certain next stage: a transition of 100% that no condition can lower.
    certain: dict[str, Transition] = {}
    for name, stage in stages.items():
        for transition, probability in journey_flow.resolved_probabilities(stage):
            if transition.repeat or transition.target not in stages or probability < 1 - _EPSILON:
                continue
            if all(c.probability.value >= 1 - _EPSILON for c in transition.conditionals):
                certain[name] = transition
                break
    # The certain transitions make each stage lead to at most one other: follow them to find the cycles.
    state: dict[str, bool] = {}  # False while on the path being followed, True when done
    for start in certain:
        path: list[str] = []
        node = start
        while node in certain and node not in state:
            state[node] = False
            path.append(node)
            node = certain[node].target
        if state.get(node) is False:
            cycle = path[path.index(node) :]
            first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
            yield from _certain_loop(ctx, journey, [stages[n] for n in cycle[first:] + cycle[:first]], certain)
        for node in path:
            state[node] = True


def _certain_loop(
    ctx: Context, journey: Journey, cycle: list[Stage], certain: dict[str, Transition]
) -> Iterator[Diagnostic]:
    limit, span = min((_visit_limit(journey, stage) for stage in cycle), key=lambda item: item[0])
    visits = limit * len(cycle)
    if not math.isfinite(visits) or visits <= MAX_LOOP_VISITS:
        return
    library = {tp.name: tp for tp in (*journey.touchpoints, *journey.care)}
    timeless = not any(_takes_time(stage, certain[stage.name].delay, library) for stage in cycle)
    names = [f"`{stage.name}`" for stage in cycle[:6]]
    if len(cycle) > 6:
        names.append(f"... ({len(cycle) - 6} more)")
    route = " -> ".join([*names, f"`{cycle[0].name}`"])
    way = "100% each way, and no time passes on it" if timeless else "100% each way"
    yield _large(
        ctx,
        "JD306",
        f"customers go round the loop {route} for certain ({way}) until the visit limit of {_number(limit)} "
        f"stops them: {visits:,.0f} stage visits per customer, more than {MAX_LOOP_VISITS:,}",
        span,
        f"lower the visit limit to at most {max(1, MAX_LOOP_VISITS // len(cycle))}, or let customers leave the loop "
        f"(a probability below 100%, or a condition such as `-> {certain[cycle[-1].name].target} 100%, 0% if visits > 3`)",
        (("the loop starts here", cycle[0].name_span),),
    )


# ---- structure -----------------------------------------------------------------------


@check
def structure(ctx: Context) -> Iterator[Diagnostic]:
    """Stages exist, a goal exists, every stage is reachable, none is a trap, loops are bounded.

    Parameters
    ----------
    ctx : Context
        The journey being checked (a library has no structure to check).

    Yields
    ------
    Diagnostic
        JD304, JD303, JD301, JD302 and the warning JD502.
    """
    journey = ctx.journey
    if journey is None:
        return
    if not journey.stages:
        yield Diagnostic(
            "JD304",
            f"journey `{journey.name}` has no stages",
            journey.name_span,
            hint="add `stage NAME (pre-purchase) { touchpoint ... }`",
        )
        return
    if not any(s.goal for s in journey.stages):
        yield Diagnostic(
            "JD303",
            "no stage is marked as the goal",
            journey.name_span,
            hint="mark the stage that counts as conversion: `stage purchase (purchase) goal { ... }`",
        )
    names = {s.name for s in journey.stages} | set(RESERVED_TARGETS)
    if any(t.target not in names for s in journey.stages for t in s.transitions):
        return  # a transition to an undefined stage (JD101): the flow is incomplete, so judge it once fixed
    flow = ctx.flow
    by_id = {journey_flow.stage_id(s.name): s for s in journey.stages}
    reachable = flow.reachable()
    for node, stage in by_id.items():
        if node not in reachable:
            yield Diagnostic(
                "JD301",
                f"no customer can reach stage `{stage.name}`",
                stage.name_span,
                hint=f"add a transition to it, e.g. `-> {stage.name} 50%`, or remove it",
            )
    for node in sorted(flow.without_way_out(), key=flow.order.__getitem__):
        if node in reachable:
            stage = by_id[node]
            yield Diagnostic(
                "JD302",
                f"customers who reach `{stage.name}` can never leave or reach a goal",
                stage.name_span,
                hint="lower a loop's probabilities below 100% (the rest drops off), or send it to a goal stage",
            )
    if journey.visit_limit is None:
        for group in flow.loops():
            stages = [by_id[n] for n in group]
            if not any(s.visit_limit is not None for s in stages):
                looping = ", ".join(f"`{s.name}`" for s in stages)
                yield Diagnostic(
                    "JD502",
                    f"customers can loop through {looping} with no visit limit",
                    stages[0].name_span,
                    hint=f"add `visit limit 3` to stage `{stages[0].name}` or to the journey",
                )


@check
def questionable_designs(ctx: Context) -> Iterator[Diagnostic]:
    """Warnings: touchpoints that do nothing, empty stages, library touchpoints nobody meets."""
    for tp in ctx.touchpoints:
        if tp.effects.is_empty:
            what = "care programme" if tp.kind == "care" else "touchpoint"
            yield Diagnostic(
                "JD501",
                f"{what} `{tp.name}` has no effect on the customer",
                tp.name_span,
                hint="add effects, e.g. `{ feel +1; performance service 7 }`",
            )
    journey = ctx.journey
    if journey is None:
        return
    used: set[str] = set()
    for stage in journey.stages:
        if not stage.steps:
            yield Diagnostic(
                "JD503",
                f"stage `{stage.name}` has no touchpoints",
                stage.name_span,
                hint="customers pass through it without any contact",
            )
        for step in stage.steps:
            for option in step.options if isinstance(step, Choice) else (step,):
                if isinstance(option, Use):
                    used.add(option.name)
    for tp in ctx.touchpoints:
        used.update(f.recovery for f in tp.effects.failures if f.recovery)
    for tp in journey.touchpoints:
        if tp.name not in used and tp.span.file == journey.span.file:
            yield Diagnostic(
                "JD504",
                f"library touchpoint `{tp.name}` is never used",
                tp.name_span,
                hint=f"reach it with `use {tp.name}` in a stage or `recover by {tp.name}` after a failure",
            )


# ---- opening hours, staffing and care budgets ----------------------------------------


@check
def opening_hours(ctx: Context) -> Iterator[Diagnostic]:
    """Days and times of an ``hours`` block are real, do not overlap, and leave an open hour."""
    hours = ctx.journey.hours if ctx.journey is not None else None
    if hours is None:
        return
    yield from _repeated(hours.setting_spans, "the opening hours")
    unreadable = False
    for line in hours.lines:
        for word, span in line.days:
            if operations.weekdays(word) is None:
                unreadable = True
                yield _unknown_weekday(ctx.hints, word, span)
        for time_range in line.ranges:
            problems = list(_time_range(time_range))
            unreadable = unreadable or bool(problems)
            yield from problems
        if line.weight is not None and line.weight < 0:
            yield Diagnostic("JD214", f"arrival weight {line.weight:g} is negative", line.weight_span)
    if hours.start_day is not None and operations.weekdays(hours.start_day) is None:
        yield _unknown_weekday(ctx.hints, hours.start_day, hours.start_day_span)
    elif hours.start_day is not None and len(operations.weekdays(hours.start_day) or ()) != 1:
        yield Diagnostic(
            "JD701", f"`{hours.start_day}` is not one weekday", hours.start_day_span, hint="write one day, e.g. `mon`"
        )
    if hours.start_time is not None and operations.clock_minutes(hours.start_time.text) is None:
        yield _not_a_time(hours.start_time.text, hours.start_time.span)
    yield from _overlaps(hours)
    open_bands = operations.open_bands(hours)
    if unreadable:
        return  # what is open cannot be told until the days and times above read
    if not open_bands:
        yield Diagnostic(
            "JD705",
            "the opening hours open at no time of the week",
            hours.span,
            hint="write the open days and times, e.g. `mon-fri 09:00-17:00`",
        )
    elif not any(band.weight > 0 for band in operations.weighted_bands(hours)):
        yield Diagnostic(
            "JD705",
            "every open hour has arrival weight 0, so nobody ever arrives",
            hours.span,
            hint="give some open hours a weight above 0",
        )
    for line in hours.lines:
        if line.kind == "weight":
            yield from _weight_outside(line, open_bands)


def _weight_outside(line: HoursLine, open_bands: list[operations.Band]) -> Iterator[Diagnostic]:
    """JD706 for each time range of a weight line that is not open on every day the line names."""
    for time_range in line.ranges:
        outside = [
            operations.WEEKDAYS[day]
            for day, written, band in operations.line_bands(line)
            if written is time_range
            and sum(max(0.0, min(band.end, b.end) - max(band.start, b.start)) for b in open_bands)
            < band.end - band.start
        ]
        if outside:
            yield Diagnostic(
                "JD706",
                f"arrival weight {line.weight:g} at {time_range.text} lies outside the opening hours "
                f"on {', '.join(outside)}",
                time_range.span,
                hint="nobody arrives while closed: a weight counts only within opening hours",
            )


def _unknown_weekday(hints: Hints, word: str, span: Span) -> Diagnostic:
    """JD701, suggesting the whole word: ``mon-fry`` gets ``mon-fri``."""
    parts = word.split("-")
    if len(parts) == 2:
        mended = [part if operations.weekdays(part) else _closest_day(part) for part in parts]
        if all(mended):
            hint = f"did you mean `{mended[0]}-{mended[1]}`?"
            return Diagnostic("JD701", f"unknown weekday `{word}`", span, hint=hint)
    return _unknown(hints, "JD701", "weekday", word, span, operations.DAY_WORDS)


def _closest_day(word: str) -> str | None:
    """The day name closest to a misspelt one, short or long as it was written (``fry``: ``fri``)."""
    days = operations.WEEKDAYS if len(word) <= 4 else operations.LONG_WEEKDAYS
    matches = difflib.get_close_matches(word.lower(), days, n=1)
    return matches[0] if matches else None


def _not_a_time(text: str, span: Span) -> Diagnostic:
    return Diagnostic("JD702", f"`{text}` is not a time of day", span, hint="write a time from 00:00 to 24:00")


def _time_range(time_range: TimeRange) -> Iterator[Diagnostic]:
    """JD702 for a time that is not a time of day, JD703 for a range that ends before it starts."""
    start, end = time_range.text.split("-")
    first, last = operations.clock_minutes(start), operations.clock_minutes(end, end=True)
    if first is None:
        yield _not_a_time(start, time_range.span)
    if last is None:
        yield _not_a_time(end, time_range.span)
    elif first is not None and last <= first:
        yield Diagnostic(
            "JD703",
            f"opening hours {time_range.text} end before they start",
            time_range.span,
            hint="hours past midnight belong to the next day: write `fri 22:00-24:00` and `sat 00:00-02:00`",
        )


def _overlaps(hours: OpeningHours) -> Iterator[Diagnostic]:
    """JD704 where open times (or arrival weights) of a day overlap, or a closed day is also open."""
    for kind in ("open", "weight"):
        seen: list[tuple[int, TimeRange]] = []
        for line in hours.lines:
            if line.kind != kind:
                continue
            for day, time_range, _ in operations.line_bands(line):
                earlier = next(
                    (
                        other
                        for other_day, other in seen
                        if other_day == day and other.start < time_range.end and time_range.start < other.end
                    ),
                    None,
                )
                if earlier is not None:
                    what = "opening hours" if kind == "open" else "arrival weights"
                    yield Diagnostic(
                        "JD704",
                        f"{what} {time_range.text} on {operations.WEEKDAYS[day]} overlap {earlier.text}",
                        time_range.span,
                        hint="give each time of a day once",
                        related=(("overlapping this", earlier.span),),
                    )
                seen.append((day, time_range))
    open_days = {day for line in hours.lines if line.kind == "open" for day, _, _ in operations.line_bands(line)}
    for line in hours.lines:
        if line.kind != "closed":
            continue
        for word, span in line.days:
            both = sorted(set(operations.weekdays(word) or ()) & open_days)
            if both:
                yield Diagnostic(
                    "JD704",
                    f"`{word}` is closed but has opening hours on {', '.join(operations.WEEKDAYS[d] for d in both)}",
                    span,
                    hint="a day is either closed or open at some times",
                )


@check
def staffing(ctx: Context) -> Iterator[Diagnostic]:
    """Staff cost is per hour (or minute, second) of a touchpoint with servers, and not negative."""
    for tp in ctx.touchpoints:
        cost = tp.staff_cost
        if cost is None:
            continue
        if tp.kind == "care":
            yield Diagnostic(
                "JD211",
                "a care programme has no staff cost",
                cost.span,
                hint="a care contact costs its `cost`; staff cost belongs to a touchpoint with a `capacity`",
            )
        elif tp.capacity is None:
            yield Diagnostic(
                "JD212",
                f"touchpoint `{tp.name}` has a staff cost but no capacity",
                cost.span,
                hint="staff cost is per server: write how many serve, e.g. `capacity 3 staff cost 25 per hour`",
            )
        if cost.amount < 0:
            yield Diagnostic("JD214", f"staff cost {cost.amount:g} is negative", cost.span)
        if cost.per not in operations.STAFF_COST_UNITS:
            yield Diagnostic(
                "JD707",
                f"staff cost is written per {cost.per}, not per hour",
                cost.span,
                hint="staff are paid for the hours a touchpoint is staffed: write e.g. `staff cost 25 per hour`",
            )


@check
def care_budgets(ctx: Context) -> Iterator[Diagnostic]:
    """Care budgets name known tiers and segments, once each, and leave room for some care contact."""
    journey = ctx.journey
    if journey is None or not journey.care_budgets:
        return
    yield from _repeated(((f"care budget for {b.label}", b.span) for b in journey.care_budgets), "the journey")
    for budget in journey.care_budgets:
        audience = budget.audience
        if audience is not None and audience.kind == "tier" and audience.name not in ctx.tiers:
            yield _undefined(
                ctx.hints, "JD113", "tier", audience.name or "", audience.span, ctx.tiers, "tier A inside a segment"
            )
            continue
        if audience is not None and audience.kind == "segment" and audience.name not in ctx.segment_names:
            yield _undefined(
                ctx.hints,
                "JD107",
                "segment",
                audience.name or "",
                audience.span,
                ctx.segment_names,
                "segment NAME 100% { ... }",
            )
            continue
        if budget.amount < 0:
            yield Diagnostic("JD214", f"care budget {budget.amount:g} is negative", budget.span)
        else:
            yield from _useless_budget(journey, budget)


def _useless_budget(journey: Journey, budget: CareBudget) -> Iterator[Diagnostic]:
    """JD708 when no care contact fits in a budget: it covers nobody, nothing reaches them, or all cost more."""
    segments = [(s.name, s.tier) for s in journey.segments] or [("", None)]
    covered = [
        (name, tier) for name, tier in segments if operations.budget_for(name, tier, journey.care_budgets) is budget
    ]
    reaching = [
        care
        for care in journey.care
        if any(
            care.audience is None
            or care.audience.kind == "all"
            or (care.audience.kind == "tier" and care.audience.name == tier)
            or (care.audience.kind == "segment" and care.audience.name == name)
            for name, tier in covered
        )
    ]
    what = f"care budget {budget.amount:g} per {budget.per} for {budget.label}"
    if not covered:
        problem, hint = "covers no customer", "every segment has a budget of its own by segment or tier"
    elif not reaching:
        problem, hint = "reaches no care programme", "a care programme for these customers spends it"
    elif all((care.cost or 0.0) > budget.amount for care in reaching):
        problem = "is below the cost of every care contact its customers get"
        hint = "a contact that does not fit in the budget is not made: raise the budget or lower the contacts' cost"
    else:
        return
    yield Diagnostic("JD708", f"{what} {problem}", budget.span, hint=hint)
