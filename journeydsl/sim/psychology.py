"""The experience model: pure functions from what happens to a customer to what they feel and do.

Each function implements one of the forms suggested in the CEM primer (Part 2)
and cites its source.  The weights are arguments; their defaults live in
:data:`journeydsl.lang.vocabulary.SETTINGS` and every one can be set in the
language (journey-wide or per segment).

This module is the single source of the model's formulas: the engine
(:mod:`journeydsl.sim.engine`) calls these functions, except in its hot loop
(the walk of a plain touchpoint, :mod:`journeydsl.sim.engine.walk`), which
writes the momentary affect out in line; ``tests/test_psychology_engine.py``
holds the engine's numbers equal to these functions over a grid of inputs.
The arithmetic is written in the order the engine evaluates it, so the two
agree to the last bit.

Scales: module and theme effects are written on -5..+5 and momentary affect
lives on about the same scale; expectations and performance are on 0..10;
satisfaction and likelihood to recommend are on 0..10.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

__all__ = [
    "direct_effect",
    "value_function",
    "factor_disconfirmation",
    "disconfirmation",
    "waiting_affect",
    "fading_rate",
    "carried_mood",
    "momentary_affect",
    "most_extreme",
    "remembered_experience",
    "satisfaction",
    "likelihood_to_recommend",
    "nps_category",
    "nps_shares",
    "net_promoter_score",
    "logistic",
    "return_probability",
    "update_expectation",
    "talk_probability",
    "cared_satisfaction",
]


def direct_effect(theme_total: float, modules: Sequence[tuple[int, float]], sensitivities: Sequence[float]) -> float:
    """A touchpoint's direct effect on a customer: its themes plus each module's effect times their sensitivity.

    ``sum_t effect_t + sum_m s_m * effect_m``, after Schmitt's strategic
    experiential modules and the ten themes (primer, Part 1).

    Parameters
    ----------
    theme_total : float
        The sum of the touchpoint's theme effects.
    modules : sequence of (int, float)
        Its ``(module, effect)`` pairs, in module order.
    sensitivities : sequence of float
        The customer's sensitivity to each module.

    Examples
    --------
    >>> direct_effect(0.5, ((0, 1.0), (2, -2.0)), [1.0, 1.0, 0.5])
    0.5
    """
    direct = theme_total
    for m, value in modules:
        direct += sensitivities[m] * value
    return direct


def value_function(x: float, loss_aversion: float = 2.25, curvature: float = 0.88) -> float:
    """Prospect-theory value of a gain or loss: ``x**a`` for gains, ``-lambda * (-x)**a`` for losses.

    Tversky & Kahneman (1992) estimated ``a = 0.88`` and ``lambda = 2.25``;
    the meta-analysis of Brown et al. (2024) puts lambda at 1.96 (1.82-2.10).

    Examples
    --------
    >>> round(value_function(1.0), 3), round(value_function(-1.0), 3)
    (1.0, -2.25)
    """
    if x >= 0:
        return x**curvature
    return -loss_aversion * (-x) ** curvature


def factor_disconfirmation(
    performance: float,
    expectation: float,
    importance: float,
    loss_aversion: float = 2.25,
    curvature: float = 0.88,
) -> float:
    """One factor's term of :func:`disconfirmation`: ``importance / 10 * v(performance - expectation)``.

    Written as ``importance * 0.1 * gap**a`` for a gain and
    ``-(importance * 0.1 * lambda * (-gap)**a)`` for a loss, the order in which
    the engine evaluates it (the same value as :func:`value_function` scaled,
    to the last bit).

    Examples
    --------
    >>> factor_disconfirmation(8.0, 7.0, 10.0), factor_disconfirmation(6.0, 7.0, 10.0)
    (1.0, -2.25)
    >>> factor_disconfirmation(7.0, 7.0, 10.0), factor_disconfirmation(3.0, 7.0, 0.0) == 0.0
    (0.0, True)
    """
    gap = performance - expectation
    if gap >= 0:
        return importance * 0.1 * gap**curvature
    return -(importance * 0.1 * loss_aversion * (-gap) ** curvature)


def disconfirmation(
    performance: Iterable[tuple[float, float, float]],
    loss_aversion: float = 2.25,
    curvature: float = 0.88,
    weight: float = 1.0,
) -> float:
    """Importance-weighted, loss-averse value of performance minus expectation over factors.

    Satisfaction comes from the disconfirmation of expectations (Oliver 1980);
    falling short hurts more than exceeding helps (Anderson & Sullivan 1993).

    Parameters
    ----------
    performance : iterable of (performance, expectation, importance)
        One triple per factor the touchpoint performs on, all on 0..10.
    loss_aversion, curvature : float
        Parameters of :func:`value_function`.
    weight : float
        Overall weight of disconfirmation in momentary affect.

    Returns
    -------
    float
        ``weight * sum(importance / 10 * v(performance - expectation))``, the
        terms being :func:`factor_disconfirmation`, summed in order.

    Examples
    --------
    >>> round(disconfirmation([(8, 7, 10)]), 3)
    1.0
    >>> round(disconfirmation([(6, 7, 10)]), 3)
    -2.25
    """
    total = 0.0
    for value, expected, importance in performance:
        total += factor_disconfirmation(value, expected, importance, loss_aversion, curvature)
    return total * weight


def waiting_affect(wait: float, patience: float, penalty: float = 0.5) -> float:
    """Negative affect from waiting beyond one's patience: ``-penalty * (wait - patience) / patience``.

    Waiting up to one's patience is tolerated; every further patience-length of
    waiting costs ``penalty`` points (a modelling choice; Maister's principles of
    waiting give the direction, not a number).

    Examples
    --------
    >>> waiting_affect(15.0, 5.0, 0.5)
    -1.0
    >>> waiting_affect(3.0, 5.0)
    0.0
    """
    if patience <= 0:
        return -penalty if wait > 0 else 0.0
    if wait <= patience:
        return 0.0
    return -penalty * (wait - patience) / patience


def fading_rate(half_life: float, minute: float = 1.0) -> float:
    """How fast carried-over mood fades: ``ln 2 / half-life``, per unit of the journey's time.

    Parameters
    ----------
    half_life : float
        Minutes after which half of a mood is left (``affect.half_life``).
    minute : float
        A minute in the journey's time unit (1 for minutes, 1/60 for hours, 60 for seconds).

    Examples
    --------
    >>> round(fading_rate(60.0, minute=1 / 60), 6)  # an hour's half-life, times in hours
    0.693147
    """
    return math.log(2.0) / (half_life * minute)


def carried_mood(previous: float, carry_over: float = 0.3, elapsed: float = 0.0, fading: float = 0.0) -> float:
    """The mood carried into a moment: ``carry_over * previous * exp(-fading * elapsed)``.

    The previous moment's affect carries over (``carry_over``, about 0.3: a
    modelling choice, primer Part 2) and fades with the time since the customer
    left that touchpoint: ``fading`` is :func:`fading_rate` of the half-life.
    Emotions elicited by events of little importance last from half an hour to
    a few hours (Verduyn & Lavrijsen 2015; Verduyn, Van Mechelen & Tuerlinckx
    2011), so a mood hours old carries next to nothing.  Without time between
    the two moments (or without mood) nothing fades and no exponential is
    computed.

    Examples
    --------
    >>> carried_mood(-10.0, 0.3)  # the next touchpoint straight after
    -3.0
    >>> carried_mood(-10.0, 0.3, elapsed=60.0, fading=fading_rate(60.0))  # an hour later: half of it
    -1.5
    """
    carried = carry_over * previous
    if carried and elapsed > 0.0:
        carried *= math.exp(-fading * elapsed)
    return carried


def momentary_affect(direct: float, disconfirmed: float, waited: float, noise: float, carried: float) -> float:
    """Affect at one touchpoint: its direct effects, disconfirmation, waiting and noise, plus carried-over mood.

    ``a_k = direct + disconfirmation + waiting + noise + carried``, where
    ``carried`` is :func:`carried_mood` of the previous moment ``a_(k-1)``.  The
    touchpoint's own effect is everything but ``carried``.

    Examples
    --------
    >>> momentary_affect(2.0, -1.0, 0.0, 0.0, carried=carried_mood(1.0, 0.3))
    1.3
    """
    return direct + disconfirmed + waited + noise + carried


def most_extreme(moments: Sequence[float]) -> float:
    """The peak of an episode: its most extreme moment, positive or negative.

    Examples
    --------
    >>> most_extreme([1.0, -3.0, 2.0])
    -3.0
    """
    return max(moments, key=abs)


def remembered_experience(
    peak: float,
    end: float,
    mean: float,
    duration: float = 0.0,
    w_peak: float = 0.35,
    w_end: float = 0.35,
    w_mean: float = 0.30,
    w_duration: float = 0.0,
    integral: float = 0.0,
    w_integral: float = 0.0,
) -> float:
    """Retrospective evaluation of an episode: peak, end, mean, the integral of affect and duration, weighted.

    ``w_peak*peak + w_end*end + w_mean*mean + w_integral*integral + w_duration*log(1 + duration)``.

    The peak-end rule (Kahneman et al. 1993; Redelmeier & Kahneman 1996) gives
    ``w_peak = w_end = 0.5`` and neglects duration; the meta-analysis of Alaybek
    et al. (2022) finds the plain average about as predictive, so the defaults
    give the mean about a third.  ``integral`` is the duration-weighted model of
    the same memory (Kahneman's total utility): the sum over the episode's
    moments of affect times the minutes spent in it, in units of a reference
    episode's minutes, so a moment as long as the reference weighs as its
    affect and twice as long twice as much.  ``duration`` is the episode's
    length in minutes; its logarithm adds whatever the affect was (kept for
    journeys that set it; the integral weighs time by what was felt in it).
    Neither depends on the journey's time unit.

    Examples
    --------
    >>> remembered_experience(peak=-4.0, end=1.0, mean=0.0, w_peak=0.5, w_end=0.5, w_mean=0.0)
    -1.5

    The cold-water trials, as moments of affect times minutes (60 s at -5; then 30 s at -3.5): the
    peak-end-mean memory ranks the longer trial better, the integral ranks it worse.

    >>> short = remembered_experience(-5.0, -5.0, -5.0, integral=-5.0)
    >>> long = remembered_experience(-5.0, -3.5, -4.25, integral=-5.0 - 3.5 * 0.5)
    >>> long > short
    True
    >>> remembered_experience(-5.0, -3.5, -4.25, 1.5, 0, 0, 0, 0, -6.75, 1.0) < -5.0
    True
    """
    value = w_peak * peak + w_end * end + w_mean * mean
    if w_integral:
        value += w_integral * integral
    if w_duration:
        value += w_duration * math.log1p(max(0.0, duration))
    return value


def satisfaction(remembered: float, baseline: float = 7.0, scale: float = 0.5) -> float:
    """Satisfaction on 0..10 from remembered experience: ``clip(baseline + scale * R, 0, 10)``.

    Remembered experience spans roughly -10..+10 (it is built from momentary
    affects on that scale), so half a point of satisfaction per point keeps the
    whole range of experiences on the 0-10 scale instead of piling the good ones
    at 10 (a modelling choice; the primer gives the direction, not the numbers).

    Examples
    --------
    >>> satisfaction(1.5), satisfaction(9.0)
    (7.75, 10.0)
    """
    value = baseline + scale * remembered
    # Clipped with comparisons rather than min() and max(): this runs once per customer and cycle.
    return 0.0 if value <= 0.0 else 10.0 if value >= 10.0 else value


def likelihood_to_recommend(remembered: float, baseline: float = 7.0, scale: float = 0.6) -> int:
    """The 0..10 answer to "how likely are you to recommend us?", rounded to a whole number.

    Slightly steeper than satisfaction: recommending puts one's own name on
    the judgement, so answers spread further towards the ends (modelling choice).

    Examples
    --------
    >>> likelihood_to_recommend(2.0), likelihood_to_recommend(4.0)
    (8, 9)
    """
    value = baseline + scale * remembered
    # Rounded half up; the clipped value is never negative, so int() is floor().
    return 0 if value <= 0.0 else 10 if value >= 10.0 else int(value + 0.5)


def nps_category(score: int) -> str:
    """``promoter`` (9-10), ``passive`` (7-8) or ``detractor`` (0-6), after Reichheld (2003).

    Examples
    --------
    >>> [nps_category(s) for s in (10, 8, 6)]
    ['promoter', 'passive', 'detractor']
    """
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


def nps_shares(score: int) -> tuple[float, float, float, float]:
    """One respondent's share of promoters, passives and detractors (1 or 0), and their NPS (+100, 0 or -100).

    Averaged over respondents, the shares are the shares of each category and
    the NPS is :func:`net_promoter_score`.

    Examples
    --------
    >>> nps_shares(9), nps_shares(7), nps_shares(3)
    ((1.0, 0.0, 0.0, 100.0), (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 1.0, -100.0))
    """
    category = nps_category(score)
    promoter = 1.0 if category == "promoter" else 0.0
    detractor = 1.0 if category == "detractor" else 0.0
    return promoter, 1.0 - promoter - detractor, detractor, 100.0 * (promoter - detractor)


def net_promoter_score(promoters: int, detractors: int, respondents: int) -> float:
    """NPS = % promoters - % detractors, from -100 to +100 (Reichheld 2003).

    Examples
    --------
    >>> net_promoter_score(50, 20, 100)
    30.0
    """
    if respondents == 0:
        return 0.0
    return 100.0 * (promoters - detractors) / respondents


def logistic(x: float) -> float:
    """The logistic function, safe for large arguments."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def return_probability(satisfaction_score: float, intercept: float = -5.6, slope: float = 0.7) -> float:
    """Chance of coming back for another purchase: ``logistic(intercept + slope * satisfaction)``.

    With the midpoint at 8 the curve is convex over most of the scale, so the
    "merely satisfied" return far less often than the "totally satisfied"
    (Jones & Sasser 1995).  A slope of 0.7 per point gives an odds ratio of
    exp(0.35) = 1.42 for half a point, the 1.41 of the gentler-end trial
    (Redelmeier, Katz & Kahneman 2003).

    Examples
    --------
    >>> round(return_probability(8.0), 2), round(return_probability(10.0), 2)
    (0.5, 0.8)
    """
    x = intercept + slope * satisfaction_score
    # logistic(x), written out: this runs once per customer and cycle.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def update_expectation(expectation: float, experienced: float, adaptation: float = 0.3) -> float:
    """Expectations adapt to experience: ``E + kappa * (P - E)`` (Bolton 1998; kappa a modelling choice).

    Examples
    --------
    >>> update_expectation(7.0, 9.0, 0.25)
    7.5
    """
    return expectation + adaptation * (experienced - expectation)


def talk_probability(
    satisfaction_score: float,
    propensity: float = 1.0,
    base: float = 0.15,
    curvature: float = 0.02,
    neutral: float = 7.0,
) -> float:
    """Chance that a customer tells others, U-shaped in satisfaction (Anderson 1998).

    ``min(1, propensity * (base + curvature * (S - neutral)**2))``: the least
    moved talk least; both the delighted and the dissatisfied talk more.  With the
    neutral point at 7, where customers are "merely satisfied", the very
    dissatisfied talk more than the delighted (they are further from neutral),
    but not by the folklore ratios; in a mostly satisfied population positive
    stories then outnumber negative ones about 3:1 (East et al. 2007) without
    that ratio being written anywhere.

    Examples
    --------
    >>> round(talk_probability(7.0), 2), round(talk_probability(10.0), 2), round(talk_probability(2.0), 2)
    (0.15, 0.33, 0.65)
    """
    chance = propensity * (base + curvature * (satisfaction_score - neutral) ** 2)
    return 0.0 if chance <= 0.0 else 1.0 if chance >= 1.0 else chance


def cared_satisfaction(satisfaction_score: float, effect: float, weight: float = 0.3) -> float:
    """Satisfaction after a care contact: ``clip(S + weight * effect, 0, 10)``.

    A care contact (a birthday card, a loyalty gift) is a moment of direct
    effects only; a part of it carries into the satisfaction that decides the
    next return (primer, Part 1, for tiers and care; the weight is a modelling
    choice).

    Examples
    --------
    >>> cared_satisfaction(7.0, 2.0), cared_satisfaction(9.8, 2.0)
    (7.6, 10.0)
    """
    return min(10.0, max(0.0, satisfaction_score + weight * effect))
