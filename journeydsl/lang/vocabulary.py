"""The domain's vocabulary: channels, modules, themes, factors, phases, units and settings.

Every name a designer may write after a keyword is listed here once, with the
paragraph of the CEM primer it comes from, so that the checks, the docs and
the did-you-mean hints all agree.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CHANNELS",
    "MODULES",
    "THEMES",
    "FACTORS",
    "PHASES",
    "DISTRIBUTIONS",
    "CONDITION_SUBJECTS",
    "UNIT_SECONDS",
    "RATE_UNITS",
    "Setting",
    "SETTINGS",
    "KEYWORDS",
    "EFFECT_SCALE",
    "RATING_SCALE",
    "RESERVED_TARGETS",
    "DEFAULT_VISIT_LIMIT",
]

#: Touchpoint channels: the eight kinds of contact of the primer, plus three that
#: the simulator needs for contacts that are not with people (the place, the
#: product in use, self-service software).
CHANNELS: dict[str, str] = {
    "advertising": "advertising in any medium",
    "pr": "public relations",
    "staff": "personal contact with staff",
    "event": "events and meetings",
    "delegated": "an agent or reseller acting for the firm",
    "media": "media and materials: manuals, packaging, website, SMS",
    "partner": "alliance or partner contact",
    "random": "random, unplanned encounters",
    "environment": "the physical place: lounge, shop floor, hotel room",
    "product": "the product in use",
    "digital": "self-service software: app, web shop, kiosk",
}

#: Schmitt's five strategic experience modules.
MODULES: dict[str, str] = {
    "sense": "sight, sound, touch, taste, smell",
    "feel": "moods and emotions",
    "think": "surprise, intrigue, problem solving",
    "act": "physical experience, behaviour, interaction",
    "relate": "belonging to a group or culture",
}

#: The ten experience themes.
THEMES: dict[str, str] = {
    "trust": "fair dealing, dependability",
    "convenience": "simple process, time and place",
    "promise": "keeping commitments",
    "respect": "fair and individual treatment",
    "autonomy": "control, participation",
    "choice": "options that simplify, not overwhelm",
    "knowledge": "useful information and advice",
    "recognition": "being known and addressed personally",
    "benefit": "a better way of living",
    "identity": "status, belonging, pride",
}

#: The six experience factors of the triangle law.
FACTORS: dict[str, str] = {
    "product": "the product itself",
    "service": "the service around it",
    "relationship": "the relationship with the firm",
    "convenience": "ease of time and place",
    "brand": "brand image",
    "price": "price",
}

#: The outcome metrics of the results contract (``journeydsl.results/1``), in order; design tests measure them.
METRICS: tuple[str, ...] = (
    "conversion_rate",
    "remembered_experience",
    "satisfaction",
    "nps",
    "promoters",
    "passives",
    "detractors",
    "return_rate",
    "referrals_per_customer",
    "time_in_journey",
    "cost_per_customer",
    "revenue_per_customer",
)

PHASES: tuple[str, ...] = ("pre-purchase", "purchase", "post-purchase")

#: Duration distributions: name -> (number of arguments, or None for one or more; argument names).
DISTRIBUTIONS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "fixed": (1, ("value",)),
    "uniform": (2, ("low", "high")),
    "triangular": (3, ("low", "mode", "high")),
    "normal": (2, ("mean", "sd")),
    "lognormal": (2, ("mean", "sd")),
    "gamma": (2, ("mean", "sd")),
    "exponential": (1, ("mean",)),
    "empirical": (None, ("values",)),
}

#: What a state-dependent transition may test.
CONDITION_SUBJECTS: dict[str, str] = {
    "mood": "the customer's current momentary affect (about -10 to +10)",
    "satisfaction": "satisfaction with the journey so far (0-10)",
    "visits": "how often the customer has entered this stage before",
    "cycle": "how many purchase cycles the customer has completed",
}

#: Time units and their length in seconds (a month is 30 days, a year 365 days).
UNIT_SECONDS: dict[str, float] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1.0),
    (("min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86400.0),
    (("wk", "week", "weeks"), 7 * 86400.0),
    (("month", "months"), 30 * 86400.0),
    (("yr", "year", "years"), 365 * 86400.0),
):
    for _name in _names:
        UNIT_SECONDS[_name] = _seconds
RATE_UNITS = UNIT_SECONDS

#: Module and theme effects are written on -5..+5.
EFFECT_SCALE = (-5.0, 5.0)
#: Expectations, performance, importance and ideal levels are written on 0..10.
RATING_SCALE = (0.0, 10.0)

#: Transition targets that are not stages.
RESERVED_TARGETS: dict[str, str] = {"exit": "leave the journey (the explicit drop-off)"}

#: How often a customer may enter a stage when neither the stage nor the journey sets a ``visit limit``.
DEFAULT_VISIT_LIMIT = 5


@dataclass(frozen=True)
class Setting:
    """One model weight that a settings block may set, with its default and range."""

    default: float
    low: float
    high: float
    doc: str


#: Settings blocks and their keys.  Defaults follow the primer's suggested forms
#: (Part 2); where a number is a modelling choice the doc says so.
SETTINGS: dict[str, dict[str, Setting]] = {
    "memory": {
        "peak": Setting(0.35, 0.0, 1.0, "weight of the most extreme moment (Kahneman et al. 1993)"),
        "end": Setting(0.35, 0.0, 1.0, "weight of the last moment (Redelmeier & Kahneman 1996)"),
        "mean": Setting(0.30, 0.0, 1.0, "weight of the average moment (Alaybek et al. 2022: about a third)"),
        "integral": Setting(
            0.0,
            0.0,
            1.0,
            "weight of the integral of affect over the episode, affect x minutes / reference (duration neglect: 0)",
        ),
        "reference": Setting(
            60.0, 0.1, 525600.0, "minutes of an episode whose integral counts as much as its average affect"
        ),
        "duration": Setting(
            0.0, -1.0, 1.0, "weight of log(1 + the episode's minutes), whatever its affect (duration neglect: 0)"
        ),
    },
    "affect": {
        "carry_over": Setting(
            0.3, 0.0, 0.99, "share of the previous mood carried into the next moment (modelling choice)"
        ),
        "half_life": Setting(
            60.0,
            1.0,
            525600.0,
            "minutes after which half of a carried-over mood is left (Verduyn & Lavrijsen 2015; modelling choice)",
        ),
        "loss_aversion": Setting(2.25, 1.0, 5.0, "lambda of the value function (Tversky & Kahneman 1992)"),
        "curvature": Setting(0.88, 0.1, 1.0, "alpha of the value function (Tversky & Kahneman 1992)"),
        "disconfirmation": Setting(1.0, 0.0, 5.0, "weight of performance minus expectation (Oliver 1980)"),
        "noise": Setting(0.5, 0.0, 5.0, "spread of momentary affect around the touchpoint's effect"),
    },
    "waiting": {
        "penalty": Setting(
            0.5, 0.0, 10.0, "affect lost per patience-length of waiting beyond patience (modelling choice)"
        ),
        "renege": Setting(
            3.0, 1.0, 100.0, "customers give up after waiting this many times their patience (modelling choice)"
        ),
    },
    "satisfaction": {
        "baseline": Setting(7.0, 0.0, 10.0, "satisfaction (0-10) of a remembered experience of 0 (modelling choice)"),
        "scale": Setting(
            0.5, 0.0, 5.0, "satisfaction points per point of remembered experience (keeps -10..+10 on the scale)"
        ),
    },
    "recommendation": {
        "baseline": Setting(7.0, 0.0, 10.0, "likelihood to recommend (0-10) at a remembered experience of 0"),
        "scale": Setting(0.6, 0.0, 5.0, "recommendation points per point of remembered experience"),
    },
    "loyalty": {
        "intercept": Setting(
            -5.6,
            -20.0,
            20.0,
            "b0 of logistic return probability (midpoint at satisfaction 8: convex, Jones & Sasser 1995)",
        ),
        "slope": Setting(0.7, 0.0, 5.0, "b1 per satisfaction point (0.7 reproduces Redelmeier et al. 2003)"),
    },
    "expectations": {
        "adaptation": Setting(
            0.3, 0.0, 1.0, "kappa: share of the gap closed after each cycle (Bolton 1998; modelling choice)"
        ),
    },
    "word_of_mouth": {
        "propensity": Setting(1.0, 0.0, 10.0, "multiplier on the chance to talk (per segment)"),
        "base": Setting(0.15, 0.0, 1.0, "chance to talk at the most neutral satisfaction"),
        "curvature": Setting(
            0.02, 0.0, 1.0, "rise of the U-shaped chance to talk per squared point from neutral (Anderson 1998)"
        ),
        "neutral": Setting(
            7.0, 0.0, 10.0, "satisfaction at which customers talk least; above it stories are positive, below negative"
        ),
        "referral_conversion": Setting(0.1, 0.0, 1.0, "chance a promoter's story brings a new customer"),
        "brand_impact": Setting(
            0.01,
            0.0,
            1.0,
            "weight of each story in the shared brand image, a moving average of story valence from -1 to +1",
        ),
        "brand_arrivals": Setting(
            0.2, 0.0, 5.0, "relative change in arrivals per unit of brand image (modelling choice)"
        ),
        "brand_expectation": Setting(
            1.0, 0.0, 5.0, "newcomers' brand expectation shift in points per unit of brand image (modelling choice)"
        ),
        "referral_delay": Setting(
            7.0, 0.0, 365.0, "mean days from a promoter's story to the referred customer's arrival"
        ),
        "recruit": Setting(
            1 / 3,
            0.0,
            5.0,
            "market journeys: an adopter's voice gains this per satisfaction point above neutral "
            "(1/3: a 10 pulls twice as hard as a merely satisfied 7; modelling choice)",
        ),
        "deter": Setting(
            1 / 3,
            0.0,
            5.0,
            "market journeys: an adopter's voice loses this per satisfaction point below neutral "
            "(1/3: a 4 pulls nobody, a 1 pushes as hard as a 7 pulls; modelling choice)",
        ),
    },
    "care": {
        "weight": Setting(
            0.3, 0.0, 5.0, "satisfaction points per point of affect from a care contact (modelling choice)"
        ),
    },
    "spread": {
        "expectation": Setting(1.0, 0.0, 5.0, "per-customer standard deviation of expectations (points)"),
        "importance": Setting(1.0, 0.0, 5.0, "per-customer standard deviation of importances (points)"),
        "patience": Setting(0.3, 0.0, 2.0, "per-customer coefficient of variation of patience"),
        "sensitivity": Setting(0.2, 0.0, 2.0, "per-customer coefficient of variation of module sensitivities"),
        "loss_aversion": Setting(0.3, 0.0, 2.0, "per-customer standard deviation of lambda"),
        "memory": Setting(
            0.4,
            0.0,
            0.95,
            "spread of each customer's memory weights around the segment's: 0 none; Dirichlet of concentration "
            "1/s^2 - 1 (calibrated with Kahneman et al. 1993: 22 of 32 chose the longer trial)",
        ),
        "judgement": Setting(
            1.0,
            0.0,
            3.0,
            "per-customer standard deviation of the offset with which a customer answers 0-10 scales (response style; modelling choice)",
        ),
    },
}

#: The language's keywords, for did-you-mean hints on syntax errors.
KEYWORDS: tuple[str, ...] = (
    "survey",
    "experience",
    "expectation",
    "variant",
    "extends",
    "add",
    "in",
    "before",
    "first",
    "last",
    "remove",
    "replace",
    "with",
    "change",
    "order",
    "import",
    "journey",
    "library",
    "time",
    "unit",
    "horizon",
    "arrivals",
    "poisson",
    "cohort",
    "market",
    "innovation",
    "imitation",
    "per",
    "over",
    "seed",
    "visit",
    "limit",
    "factor",
    "expect",
    "importance",
    "ideal",
    "segment",
    "patience",
    "sensitivity",
    "value",
    "tier",
    "stage",
    "goal",
    "after",
    "choice",
    "use",
    "repeat",
    "if",
    "and",
    "touchpoint",
    "care",
    "capacity",
    "duration",
    "cost",
    "moment",
    "of",
    "truth",
    "share",
    "for",
    "all",
    "every",
    "theme",
    "performance",
    "variability",
    "failure",
    "recover",
    "by",
    "beats",
    "matches",
    "within",
    "least",
    "hours",
    "closed",
    "weight",
    "start",
    "closing",
    "serve",
    "turn",
    "away",
    "staff",
    "budget",
)
