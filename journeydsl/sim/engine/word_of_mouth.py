"""Word of mouth: whether a customer talks after a cycle, what the story does to the brand, whom it brings.

The chance to talk is :func:`journeydsl.sim.psychology.talk_probability`;
a story above the neutral point is positive, below it negative.  Every story
moves the shared brand image, and a positive one may bring a referred
customer (:meth:`~journeydsl.sim.engine.arrivals.ArrivalRole._referral`),
except in a market journey, where word of mouth is the Bass imitation term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..plan import SegmentPlan
from ..psychology import talk_probability
from ..streams import mix, uniform
from .keys import CYCLE, MASK, REFER, TALK
from .state import EngineState

if TYPE_CHECKING:
    from .customers import Customer

__all__ = ["WordOfMouthRole", "WordOfMouthWeights"]


@dataclass(frozen=True, slots=True)
class WordOfMouthWeights:
    """What word of mouth needs of a segment's settings, looked up once."""

    propensity: float
    base: float
    curvature: float
    neutral: float
    brand_impact: float
    referral_conversion: float

    @classmethod
    def of(cls, segment: SegmentPlan) -> WordOfMouthWeights:
        """A segment's weights."""
        talk = segment.settings["word_of_mouth"]
        return cls(
            talk["propensity"],
            talk["base"],
            talk["curvature"],
            talk["neutral"],
            talk["brand_impact"],
            talk["referral_conversion"],
        )


class WordOfMouthRole(EngineState):
    """Word of mouth (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _word_of_mouth(self, c: Customer, sat: float) -> None:
        """Whether the customer talks, what the story does to the brand image, and whether it brings someone."""
        weights = self._wom[c.segment.index]
        neutral = weights.neutral
        chance = talk_probability(sat, weights.propensity, weights.base, weights.curvature, neutral)
        talk_key = c.key ^ ((c.cycle * CYCLE) & MASK) if c.cycle else c.key
        if uniform(talk_key ^ TALK) >= chance:
            return
        collector = self.collector
        if sat > neutral:
            self.brand += weights.brand_impact * (1.0 - self.brand)
            collector.positive_talk += c.counted
            if self._referrals and uniform(talk_key ^ REFER) < weights.referral_conversion:
                c.referrals += 1
                collector.referrals += c.counted
                self.env.process(self._referral(mix(talk_key ^ REFER)))
        elif sat < neutral:
            self.brand += weights.brand_impact * (-1.0 - self.brand)
            collector.negative_talk += c.counted
