"""Judgement: closing a purchase cycle with remembered experience, satisfaction, recommendation and return.

The formulas are those of :mod:`journeydsl.sim.psychology`; this module
looks up each segment's weights once (:class:`JudgementWeights`), remembers
the cycle with the customer's own memory weights (:mod:`.memory`), counts the
cycle's peak and end and what the customer perceived per factor, and hands
the satisfaction on to word of mouth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..plan import SegmentPlan
from ..psychology import likelihood_to_recommend, remembered_experience, return_probability, satisfaction
from .memory import episode_memory
from .state import EngineState

if TYPE_CHECKING:
    from .customers import Customer

__all__ = ["Judgement", "JudgementRole", "JudgementWeights"]


@dataclass(frozen=True, slots=True)
class JudgementWeights:
    """What closing a cycle needs of a segment's settings, looked up once."""

    #: The weight of log(1 + the cycle's minutes) (the peak, end, mean and integral weights are each customer's).
    w_duration: float
    #: A minute in the journey's time unit.
    minute: float
    satisfaction_baseline: float
    satisfaction_scale: float
    recommendation_baseline: float
    recommendation_scale: float
    loyalty_intercept: float
    loyalty_slope: float

    @classmethod
    def of(cls, segment: SegmentPlan, minute: float) -> JudgementWeights:
        """A segment's weights; ``minute`` is a minute in the journey's time unit."""
        settings = segment.settings
        return cls(
            settings["memory"]["duration"],
            minute,
            settings["satisfaction"]["baseline"],
            settings["satisfaction"]["scale"],
            settings["recommendation"]["baseline"],
            settings["recommendation"]["scale"],
            settings["loyalty"]["intercept"],
            settings["loyalty"]["slope"],
        )


@dataclass(slots=True)
class Judgement:
    """How a customer judges a purchase cycle when it closes."""

    converted: bool
    remembered: float
    satisfaction: float
    #: The 0..10 answer to "how likely are you to recommend us?".
    recommendation: int
    #: The chance of coming back.
    returning: float
    duration: float


class JudgementRole(EngineState):
    """Closing a cycle (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _episodes(self, c: Customer, weights: JudgementWeights, returning: float) -> float:
        """Remember each episode of the cycle on its own; returns the chance of coming back.

        An episode the customer went through is remembered like the whole cycle, with the
        customer's own weights, over its moments only (its duration: the time spent at them);
        the first cycle's memories go to the collector.  The episode that decides return
        sets the chance of coming back and the satisfaction carried into the next return
        decision; without one, or when the customer did not go through it, ``returning`` stands.
        """
        assert c.trail is not None
        memory = c.memory
        for number, episode in enumerate(self.plan.episodes):
            remembered = episode_memory(c.trail, episode.stages, memory, weights.w_duration, weights.minute)
            if remembered is None:
                continue
            sat = satisfaction(remembered, weights.satisfaction_baseline + c.judgement, weights.satisfaction_scale)
            if c.counted and not c.cycle:
                self.collector.episode(number, c.segment.index, remembered, sat)
            if episode.decides_return:
                returning = return_probability(sat, weights.loyalty_intercept, weights.loyalty_slope)
                c.carried = sat
        return returning

    def _close_cycle(self, c: Customer, converted: bool, duration: float) -> Judgement:
        """Judge the cycle that ends: remembered experience, satisfaction, recommendation, return; then talk."""
        collector = self.collector
        weights = self._judge[c.segment.index]
        if c.count:
            # The end of the episode is its last moment: the mood the customer is left in. The customer's
            # own weights; the integral in reference episodes and the duration in minutes.
            memory = c.memory
            remembered = remembered_experience(
                c.peak,
                c.mood,
                c.total / c.count,
                duration / weights.minute,
                memory.peak,
                memory.end,
                memory.mean,
                weights.w_duration,
                c.area * memory.per_reference,
                memory.integral,
            )
            if c.counted:
                collector.peaks[c.peak_tp] += 1
                collector.ends[c.end_tp] += 1
                collector.segment_peaks[c.segment.index][c.peak_tp] += 1
                collector.segment_ends[c.segment.index][c.end_tp] += 1
                if not c.cycle and c.perceived is not None:
                    # What the customer perceived per factor, against what they expected (gap analysis).
                    counts = c.perceived.counts
                    for f, total in c.perceived.totals.items():
                        collector.factor(c.segment.index, f, total / counts[f], c.expect[f], c.importance[f])
        else:
            remembered = 0.0
        sat = satisfaction(remembered, weights.satisfaction_baseline + c.judgement, weights.satisfaction_scale)
        score = likelihood_to_recommend(
            remembered, weights.recommendation_baseline + c.judgement, weights.recommendation_scale
        )
        returning = return_probability(sat, weights.loyalty_intercept, weights.loyalty_slope)
        c.carried = sat
        if c.trail is not None:
            returning = self._episodes(c, weights, returning)
        if not c.cycle:
            # Service recovery: no failure (0), every failure recovered (1), a failure left unrecovered (2).
            c.recovery = 0 if not c.failed else 2 if c.unrecovered else 1
        self.series.judge(self.env.now, sat, score)
        self._word_of_mouth(c, sat)
        return Judgement(converted, remembered, sat, score, returning, duration)
