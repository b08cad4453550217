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
    #: A market voice's gain per satisfaction point above neutral, and its loss per point below.
    recruit: float
    deter: float

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
            talk["recruit"],
            talk["deter"],
        )


class WordOfMouthRole(EngineState):
    """Word of mouth (a role of :class:`~journeydsl.sim.engine.replication.Engine`)."""

    def _word_of_mouth(self, c: Customer, sat: float) -> None:
        """Whether the customer talks, what the story does to the brand image, and whether it brings someone.

        In a market journey the story also sets the customer's voice (:meth:`_voice`).
        """
        weights = self._wom[c.segment.index]
        neutral = weights.neutral
        if not self._referrals:
            voice = self._voice(weights, sat)
            self.voices += voice - c.voice
            c.voice = voice
            self.series.voices(self.env.now, self.voices)
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
        else:
            return
        self.series.story(self.env.now, sat > neutral, self.brand)

    @staticmethod
    def _voice(weights: WordOfMouthWeights, sat: float) -> float:
        """An adopter's voice in a market after a cycle judged ``sat`` (0-10).

        ``propensity x (1 + recruit x (S - neutral))`` at or above the neutral
        point, ``propensity x (1 - deter x (neutral - S))`` below it: a merely
        satisfied adopter (at the neutral point) pulls on the market as a Bass
        adopter does, a delighted one harder, and one far enough below neutral
        pushes the market away (a negative voice).  With the default weights of
        1/3 a 10 doubles the pull, a 4 cancels it and a 1 reverses it.

        Examples
        --------
        >>> w = WordOfMouthWeights(1.0, 0.15, 0.02, 7.0, 0.01, 0.1, 1 / 3, 1 / 3)
        >>> [round(WordOfMouthRole._voice(w, s), 2) for s in (10.0, 7.0, 4.0, 1.0)]
        [2.0, 1.0, 0.0, -1.0]
        """
        gap = sat - weights.neutral
        lift = weights.recruit * gap if gap >= 0.0 else weights.deter * gap
        return weights.propensity * (1.0 + lift)
