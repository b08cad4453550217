"""Designs: the baseline journey and its variants, each resolved into a whole journey.

A variant is a list of patches applied to the design it builds on (the
baseline, or another variant named after ``extends``).  Resolving a design
applies the patches in order to frozen model objects and returns a complete
:class:`~journeydsl.lang.model.Journey`, which the ordinary checks, graph and
simulator take like any other.  Patched elements keep the spans of the patch
that wrote them, so a problem a patch causes is reported at the patch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import TypeVar

from .diagnostics import Diagnostic, Hints, did_you_mean
from .model import (
    Choice,
    Effects,
    Journey,
    NamedValue,
    ParamBlock,
    Patch,
    Stage,
    Step,
    Touchpoint,
    Transition,
    Use,
    Variant,
)

__all__ = [
    "BASELINE",
    "design_names",
    "resolve",
    "Resolved",
    "Designs",
    "map_touchpoints",
    "merge_named",
    "apply_removal",
]

#: The name of the design as written, before any variant.
BASELINE = "baseline"


def design_names(journey: Journey) -> list[str]:
    """The baseline and every variant, in the order written.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> design_names(loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } '
    ...                    'variant "warmer" { change t { feel +2 } } }'))
    ['baseline', 'warmer']
    """
    return [BASELINE, *(variant.name for variant in journey.variants)]


@dataclass(frozen=True)
class Resolved:
    """A design resolved into a journey, or the problems that stopped it."""

    name: str
    journey: Journey | None
    diagnostics: tuple[Diagnostic, ...] = ()


def resolve(journey: Journey, name: str = BASELINE) -> Resolved:
    """Resolve a design by name: the baseline, or a variant with everything it builds on.

    Parameters
    ----------
    journey : Journey
        The journey as written (baseline plus variants).
    name : str
        ``"baseline"`` or a variant's name.

    Returns
    -------
    Resolved
        The design's journey (without variants), or ``None`` and diagnostics.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { stage a goal { touchpoint t: staff capacity 1 { feel +1 } } '
    ...           'variant "two desks" { change t capacity 2 } }')
    >>> resolve(j, "two desks").journey.stages[0].touchpoints()[0].capacity
    2.0
    """
    return Designs(journey).resolve(name)


#: Designs a cycle's message names in full; a longer chain shows its first few and the one that closes it.
_CHAIN_SHOWN = 12


class Designs:
    """The designs of one journey, each variant resolved once however many build on it.

    A chain of ``extends`` is resolved from its root down, and every variant on it
    is remembered, so resolving all the variants of a journey applies each
    variant's patches once: linear in the number of variants, however deep the
    chains.

    Parameters
    ----------
    journey : Journey
        The journey as written (baseline plus variants).

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { stage a goal { touchpoint t: staff capacity 1 { feel +1 } } '
    ...           'variant "two" { change t capacity 2 } variant "three" extends "two" { change t capacity 3 } }')
    >>> designs = Designs(j)
    >>> [designs.resolve(n).journey.stages[0].touchpoints()[0].capacity for n in ("baseline", "two", "three")]
    [1.0, 2.0, 3.0]
    """

    def __init__(self, journey: Journey) -> None:
        self.journey = journey
        self.baseline = replace(journey, variants=())
        self.variants = {variant.name: variant for variant in journey.variants}
        # A variant resolved: its design and the problems of its patches (and of those it builds on).
        self._resolved: dict[str, tuple[Journey, tuple[Diagnostic, ...]]] = {}
        # A variant whose chain reaches a base that is not a design (JD601, the same for every variant on it).
        self._broken: dict[str, Diagnostic] = {}
        # A variant whose chain runs into a cycle: (the variant that closes it, designs named up to it).
        self._cycling: dict[str, tuple[Variant, int]] = {}
        self.hints = Hints()

    def resolve(self, name: str) -> Resolved:
        """Resolve a design by name (see :func:`resolve`)."""
        if name == BASELINE:
            return Resolved(name, self.baseline)
        if name not in self.variants:
            hint = did_you_mean(name, design_names(self.journey)) or (
                f"designs in this journey: {', '.join(design_names(self.journey))}"
            )
            return Resolved(
                name, None, (Diagnostic("JD601", f"there is no design `{name}`", self.journey.name_span, hint=hint),)
            )
        self._follow(self.variants[name])
        if name in self._broken:
            return Resolved(name, None, (self._broken[name],))
        if name in self._cycling:
            return Resolved(name, None, (self._cycle(name),))
        design, problems = self._resolved[name]
        return Resolved(name, None if problems else design, problems)

    def _follow(self, variant: Variant) -> None:
        """Resolve a variant and every variant it builds on that is not resolved yet."""
        path: list[Variant] = []
        position: dict[str, int] = {}
        current: Variant | None = variant
        design: Journey = self.baseline
        problems: tuple[Diagnostic, ...] = ()
        while current is not None:
            name = current.name
            if name in self._resolved:
                design, problems = self._resolved[name]
                break
            if name in self._broken:
                for step in path:
                    self._broken[step.name] = self._broken[name]
                return
            if name in self._cycling:
                closing, count = self._cycling[name]
                for index, step in enumerate(path):
                    self._cycling[step.name] = (closing, count + len(path) - index)
                return
            if name in position:  # the chain comes back to a variant it passed: a cycle
                entry = position[name]
                for index, step in enumerate(path):
                    if index < entry:  # leads into the cycle, which closes where it enters
                        self._cycling[step.name] = (current, len(path) - index + 1)
                    else:  # in the cycle: its own chain closes at itself
                        self._cycling[step.name] = (step, len(path) - entry + 1)
                return
            position[name] = len(path)
            path.append(current)
            base = current.base
            if base is None or base == BASELINE:
                current = None
            elif base in self.variants:
                current = self.variants[base]
            else:
                hint = did_you_mean(base, self.variants) or (
                    "a variant builds on the baseline or on another variant of this journey"
                )
                broken = Diagnostic(
                    "JD601",
                    f"variant `{name}` extends `{base}`, which is not a design of this journey",
                    current.base_span,
                    hint=hint,
                )
                for step in path:
                    self._broken[step.name] = broken
                return
        for step in reversed(path):
            found = _Problems(self.hints)
            for patch in step.patches:
                design = _PATCHES[patch.kind](design, patch, found)
            problems = (*problems, *found)
            self._resolved[step.name] = (design, problems)

    def _cycle(self, name: str) -> Diagnostic:
        """JD602 for a variant whose chain runs into a cycle, naming the chain from it (long ones shortened)."""
        closing, count = self._cycling[name]
        names: list[str] = []
        current = self.variants[name]
        while len(names) < (count - 1 if count <= _CHAIN_SHOWN else 5):
            names.append(current.name)
            current = self.variants[current.base or ""]
        if count > _CHAIN_SHOWN:
            names.append(f"... ({count - 6:,} more)")
        names.append(closing.name)
        return Diagnostic(
            "JD602",
            f"designs build on each other in a cycle: {' -> '.join(names)}",
            closing.base_span,
            hint="let one of them build on the baseline (leave out `extends`)",
        )


class _Problems(list[Diagnostic]):
    """The problems of a variant's patches, with the did-you-mean hints they share (one budget)."""

    def __init__(self, hints: Hints) -> None:
        super().__init__()
        self.hints = hints


def _hint(problems: list[Diagnostic], word: str, candidates: Collection[str]) -> str | None:
    """A did-you-mean hint, within the budget of the designs being resolved when there is one."""
    if isinstance(problems, _Problems):
        return problems.hints.did_you_mean(word, candidates)
    return did_you_mean(word, candidates)


# ---- finding things --------------------------------------------------------------------

_T = TypeVar("_T")


def _written(value: _T | None, what: str, patch: Patch) -> _T:
    """A part of a patch that the transformer always writes for its kind (e.g. the touchpoint of ``add``)."""
    if value is None:
        raise ValueError(f"a `{patch.kind}` patch at {patch.span} has no {what}")
    return value


def _target(patch: Patch) -> str:
    """The name a patch acts on; every patch but ``add`` and ``add_care`` names one."""
    return _written(patch.target, "target", patch)


def _step_name(step: Step) -> str:
    return step.name


def _has_touchpoint(journey: Journey, name: str) -> bool:
    return any(tp.name == name for tp in journey.all_touchpoints()) or any(
        isinstance(step, Use) and step.name == name for stage in journey.stages for step in stage.steps
    )


def _missing(kind: str, patch: Patch, known: list[str], problems: list[Diagnostic]) -> None:
    code = {"touchpoint": "JD108", "care": "JD108", "stage": "JD101", "segment": "JD107"}[kind]
    hint = _hint(problems, patch.target or "", known)
    problems.append(
        Diagnostic(
            code,
            f"this variant changes {kind} `{patch.target}`, which the design it builds on does not have",
            patch.target_span,
            hint=hint,
        )
    )


def map_touchpoints(journey: Journey, name: str, change: Callable[[Touchpoint], Touchpoint | None]) -> Journey:
    """Apply ``change`` to every definition of touchpoint ``name`` (``None`` removes it).

    Parameters
    ----------
    journey : Journey
        The design to change.
    name : str
        The touchpoint: its steps in stages, its options in choices and its library definition.
    change : callable
        Takes the touchpoint and returns its replacement, or ``None`` to leave it out (a choice
        left without options goes too).

    Returns
    -------
    Journey
        The changed design; everything else is left as it was.
    """

    def in_steps(steps: tuple[Step, ...]) -> tuple[Step, ...]:
        result: list[Step] = []
        for step in steps:
            if isinstance(step, Touchpoint) and step.name == name:
                changed = change(step)
                if changed is not None:
                    result.append(changed)
            elif isinstance(step, Choice):
                options = tuple(
                    o
                    for o in (change(o) if isinstance(o, Touchpoint) and o.name == name else o for o in step.options)
                    if o is not None
                )
                if options:
                    result.append(replace(step, options=options))
            else:
                result.append(step)
        return tuple(result)

    stages = tuple(replace(stage, steps=in_steps(stage.steps)) for stage in journey.stages)
    library = tuple(t for t in (change(tp) if tp.name == name else tp for tp in journey.touchpoints) if t is not None)
    return replace(journey, stages=stages, touchpoints=library)


# ---- the patches ---------------------------------------------------------------------


def _add(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    touchpoint = _written(patch.touchpoint, "touchpoint", patch)
    placement = patch.placement
    if placement is None:
        return replace(journey, touchpoints=(*journey.touchpoints, touchpoint))
    stages = {stage.name: stage for stage in journey.stages}
    stage = stages.get(placement.stage)
    if stage is None:
        problems.append(
            Diagnostic(
                "JD101",
                f"there is no stage `{placement.stage}` to add `{touchpoint.name}` to",
                placement.stage_span,
                hint=_hint(problems, placement.stage, stages),
            )
        )
        return journey
    steps = list(stage.steps)
    if placement.position == "first":
        index = 0
    elif placement.position == "last":
        index = len(steps)
    else:
        names = [_step_name(step) for step in steps]
        if placement.anchor not in names:
            problems.append(
                Diagnostic(
                    "JD108",
                    f"stage `{stage.name}` has no step `{placement.anchor}` to add `{touchpoint.name}` {placement.position}",
                    placement.anchor_span,
                    hint=_hint(problems, placement.anchor or "", names),
                )
            )
            return journey
        index = names.index(placement.anchor) + (1 if placement.position == "after" else 0)
    steps.insert(index, replace(touchpoint, stage=stage.name))
    return _with_stage(journey, replace(stage, steps=tuple(steps)))


def _with_stage(journey: Journey, stage: Stage) -> Journey:
    return replace(journey, stages=tuple(stage if s.name == stage.name else s for s in journey.stages))


def _add_care(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    return replace(journey, care=(*journey.care, _written(patch.touchpoint, "care programme", patch)))


def apply_removal(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    """Apply a ``remove`` patch: leave out the stage, segment, care programme or touchpoint it names.

    Parameters
    ----------
    journey : Journey
        The design the patch applies to.
    patch : Patch
        A patch of kind ``remove``; ``target_kind`` says what it removes.
    problems : list of Diagnostic
        Where a target that does not exist is reported (the journey is then returned as it is).

    Returns
    -------
    Journey
        The design without the target; removing a library touchpoint also removes its ``use`` steps.
    """
    name = _target(patch)
    if patch.target_kind == "stage":
        if all(stage.name != name for stage in journey.stages):
            _missing("stage", patch, [s.name for s in journey.stages], problems)
            return journey
        return replace(journey, stages=tuple(s for s in journey.stages if s.name != name))
    if patch.target_kind == "segment":
        if all(segment.name != name for segment in journey.segments):
            _missing("segment", patch, [s.name for s in journey.segments], problems)
            return journey
        return replace(journey, segments=tuple(s for s in journey.segments if s.name != name))
    if patch.target_kind == "care" or (
        not _has_touchpoint(journey, name) and any(c.name == name for c in journey.care)
    ):
        if all(care.name != name for care in journey.care):
            _missing("care", patch, [c.name for c in journey.care], problems)
            return journey
        return replace(journey, care=tuple(c for c in journey.care if c.name != name))
    if not _has_touchpoint(journey, name):
        _missing("touchpoint", patch, [tp.name for tp in journey.all_touchpoints()], problems)
        return journey
    journey = map_touchpoints(journey, name, lambda tp: None)
    # The uses of a removed library touchpoint go with it.
    stages = tuple(
        replace(stage, steps=tuple(s for s in stage.steps if not (isinstance(s, Use) and s.name == name)))
        for stage in journey.stages
    )
    return replace(journey, stages=stages)


def _replace(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    target = _target(patch)
    if not any(tp.name == target for tp in journey.all_touchpoints()):
        _missing("touchpoint", patch, [tp.name for tp in journey.all_touchpoints()], problems)
        return journey
    new = _written(patch.touchpoint, "touchpoint", patch)

    def swap(old: Touchpoint) -> Touchpoint:
        share = new.share if new.share is not None else old.share
        return replace(new, stage=old.stage, choice=old.choice, share=share)

    journey = map_touchpoints(journey, target, swap)
    if new.name != target:
        journey = _rename_references(journey, target, new.name)
    return journey


def _rename_references(journey: Journey, old: str, new: str) -> Journey:
    """Point the uses of touchpoint ``old`` and the failures recovered by it at ``new``."""

    def recovered(tp: Touchpoint) -> Touchpoint:
        if not any(f.recovery == old for f in tp.effects.failures):
            return tp
        failures = tuple(replace(f, recovery=new) if f.recovery == old else f for f in tp.effects.failures)
        return replace(tp, effects=replace(tp.effects, failures=failures))

    def option(item: Touchpoint | Use) -> Touchpoint | Use:
        if isinstance(item, Use):
            return replace(item, name=new) if item.name == old else item
        return recovered(item)

    def step(item: Step) -> Step:
        if isinstance(item, Choice):
            return replace(item, options=tuple(option(o) for o in item.options))
        return option(item)

    stages = tuple(replace(stage, steps=tuple(step(s) for s in stage.steps)) for stage in journey.stages)
    return replace(
        journey,
        stages=stages,
        touchpoints=tuple(recovered(tp) for tp in journey.touchpoints),
        care=tuple(recovered(tp) for tp in journey.care),
    )


def merge_named(old: tuple[NamedValue, ...], new: tuple[NamedValue, ...]) -> tuple[NamedValue, ...]:
    """``old`` with the values of ``new`` by name: written names replace, new names are appended in order."""
    written = {value.name: value for value in new}
    merged = [written.pop(value.name, value) for value in old]
    return tuple(merged + list(written.values()))


def _merge_effects(old: Effects, new: Effects) -> Effects:
    failures = {f.name: f for f in new.failures}
    merged_failures = [failures.pop(f.name, f) for f in old.failures] + list(failures.values())
    return replace(
        old,
        modules=merge_named(old.modules, new.modules),
        themes=merge_named(old.themes, new.themes),
        performance=merge_named(old.performance, new.performance),
        variability=new.variability if new.variability is not None else old.variability,
        variability_span=new.variability_span if new.variability is not None else old.variability_span,
        failures=tuple(merged_failures),
    )


_CHANGEABLE = ("capacity", "duration", "cost", "moment_of_truth", "share", "audience", "every", "staff_cost")


def _change(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    target = _target(patch)
    if not any(tp.name == target for tp in (*journey.all_touchpoints(), *journey.care)):
        _missing("touchpoint", patch, [tp.name for tp in (*journey.all_touchpoints(), *journey.care)], problems)
        return journey
    changes = _written(patch.touchpoint, "touchpoint", patch)
    written = {key for key, _ in changes.attribute_spans}

    def apply(old: Touchpoint) -> Touchpoint:
        fields = {key: getattr(changes, key) for key in _CHANGEABLE if key in written}
        spans = dict(old.attribute_spans)
        spans.update({key: span for key, span in changes.attribute_spans if key in _CHANGEABLE})
        effects = _merge_effects(old.effects, changes.effects) if "effects" in written else old.effects
        return replace(old, **fields, effects=effects, attribute_spans=tuple(spans.items()))

    journey = map_touchpoints(journey, target, apply)
    return replace(journey, care=tuple(apply(c) if c.name == target else c for c in journey.care))


def _change_stage(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    stage = next((s for s in journey.stages if s.name == patch.target), None)
    if stage is None:
        _missing("stage", patch, [s.name for s in journey.stages], problems)
        return journey
    changes = _written(patch.stage, "stage", patch)

    def key(transition: Transition) -> tuple[str, bool]:
        return (transition.target, transition.repeat)

    written = {key(t): t for t in changes.transitions}
    transitions = [written.pop(key(t), t) for t in stage.transitions] + list(written.values())
    updated = replace(
        stage,
        transitions=tuple(replace(t, source=stage.name) for t in transitions),
        delay=changes.delay if changes.delay is not None else stage.delay,
        visit_limit=changes.visit_limit if changes.visit_limit is not None else stage.visit_limit,
        visit_limit_span=changes.visit_limit_span if changes.visit_limit is not None else stage.visit_limit_span,
    )
    return _with_stage(journey, updated)


def _change_segment(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    segment = next((s for s in journey.segments if s.name == patch.target), None)
    if segment is None:
        _missing("segment", patch, [s.name for s in journey.segments], problems)
        return journey
    changes = _written(patch.segment, "segment", patch)
    fields = {
        name: getattr(changes, name)
        for name in ("share", "tier", "value", "patience")
        if getattr(changes, name) is not None
    }
    updated = replace(
        segment,
        **fields,
        expectations=merge_named(segment.expectations, changes.expectations),
        importances=merge_named(segment.importances, changes.importances),
        sensitivities=merge_named(segment.sensitivities, changes.sensitivities),
        params=_merge_blocks(segment.params, changes.params),
        tier_span=changes.tier_span if changes.tier is not None else segment.tier_span,
        value_span=changes.value_span if changes.value is not None else segment.value_span,
    )
    return replace(journey, segments=tuple(updated if s.name == segment.name else s for s in journey.segments))


def _merge_blocks(old: tuple[ParamBlock, ...], new: tuple[ParamBlock, ...]) -> tuple[ParamBlock, ...]:
    blocks = {block.name: block for block in old}
    for block in new:
        if block.name in blocks:
            current = blocks[block.name]
            written = {param.name: param for param in block.params}
            params = [written.pop(p.name, p) for p in current.params] + list(written.values())
            blocks[block.name] = replace(current, params=tuple(params))
        else:
            blocks[block.name] = block
    return tuple(blocks.values())


def _order(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    stage = next((s for s in journey.stages if s.name == patch.target), None)
    if stage is None:
        _missing("stage", patch, [s.name for s in journey.stages], problems)
        return journey
    by_name = {_step_name(step): step for step in stage.steps}
    wanted = [name for name, _ in patch.order]
    if sorted(wanted) != sorted(by_name) or len(set(wanted)) != len(wanted):
        missing = [name for name in by_name if name not in wanted]
        unknown = [name for name in wanted if name not in by_name]
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(f'`{n}`' for n in missing)}" if missing else "",
                f"not in the stage {', '.join(f'`{n}`' for n in unknown)}" if unknown else "",
                "a step is listed twice" if len(set(wanted)) != len(wanted) else "",
            )
            if part
        )
        problems.append(
            Diagnostic(
                "JD603",
                f"`order {stage.name}` must list each of its steps once: {detail}",
                patch.span,
                hint=f"the steps of `{stage.name}` are {', '.join(by_name)}",
            )
        )
        return journey
    return _with_stage(journey, replace(stage, steps=tuple(by_name[name] for name in wanted)))


def _settings(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    return replace(journey, params=_merge_blocks(journey.params, (_written(patch.params, "settings block", patch),)))


def _hours(journey: Journey, patch: Patch, problems: list[Diagnostic]) -> Journey:
    """Opening hours written in a variant replace the design's (all of them: days, weights, start, closing)."""
    return replace(journey, hours=_written(patch.hours, "hours block", patch))


_PATCHES: dict[str, Callable[[Journey, Patch, list[Diagnostic]], Journey]] = {
    "add": _add,
    "add_care": _add_care,
    "remove": apply_removal,
    "replace": _replace,
    "change": _change,
    "change_stage": _change_stage,
    "change_segment": _change_segment,
    "order": _order,
    "settings": _settings,
    "hours": _hours,
}


def check_designs(
    journey: Journey, check: Callable[[Journey], list[Diagnostic]], baseline: list[Diagnostic]
) -> list[Diagnostic]:
    """Check every variant as a whole journey; report what the baseline does not already have.

    Parameters
    ----------
    journey : Journey
        The journey as written.
    check : callable
        The checks to run on a resolved design (:func:`journeydsl.lang.checks.run_checks`).
    baseline : list of Diagnostic
        What the checks found in the baseline; those are not repeated per variant.

    Returns
    -------
    list of Diagnostic
        Problems of the variants, each message naming the design it belongs to.
    """
    found: list[Diagnostic] = []
    seen: dict[str, Variant] = {}
    for variant in journey.variants:
        if variant.name == BASELINE:
            found.append(
                Diagnostic(
                    "JD114",
                    "`baseline` is the name of the design as written; a variant needs its own name",
                    variant.name_span,
                    hint='e.g. `variant "printer in office" { ... }`',
                )
            )
            continue
        if variant.name in seen:
            found.append(
                Diagnostic(
                    "JD102",
                    f"there are two variants called `{variant.name}`",
                    variant.name_span,
                    related=(("the first one is here", seen[variant.name].name_span),),
                )
            )
            continue
        seen[variant.name] = variant
    known = {(d.code, d.span, d.message) for d in baseline}
    designs = Designs(journey)
    for name in seen:
        resolved = designs.resolve(name)
        problems = list(resolved.diagnostics)
        if resolved.journey is not None:
            problems = check(resolved.journey)
        for problem in problems:
            if (problem.code, problem.span, problem.message) in known:
                continue
            known.add((problem.code, problem.span, problem.message))
            found.append(replace(problem, message=f"in design `{name}`: {problem.message}"))
    return found
