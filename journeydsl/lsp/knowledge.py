"""What the words of the journey language mean: hover texts for keywords, settings and the vocabulary.

Every text names the section of ``docs/language.md`` that explains the word
(:func:`doc_link`: a ``file:`` link when the documentation sits beside the
package, as in a source checkout, else the path).  The vocabulary (channels,
modules, themes, factors, distributions, settings and their defaults) comes from
:mod:`journeydsl.lang.vocabulary`, the single source the checks use.

Examples
--------
>>> keyword_help("goal").splitlines()[0]
'**`goal`** (keyword): the stage counts as conversion: a customer who gets through it has converted'
>>> "default 0.35" in setting_help("memory", "peak")
True
"""

from __future__ import annotations

import re
from pathlib import Path

from ..lang.diagnostics import CODES
from ..lang.escape import markdown_code
from ..lang.operations import weekdays
from ..lang.vocabulary import (
    CHANNELS,
    CONDITION_SUBJECTS,
    DISTRIBUTIONS,
    FACTORS,
    KEYWORDS,
    MODULES,
    PHASES,
    SETTINGS,
    THEMES,
    UNIT_SECONDS,
)

__all__ = [
    "KEYWORD_HELP",
    "keyword_help",
    "METRIC_HELP",
    "other_help",
    "setting_help",
    "block_help",
    "word_help",
    "doc_link",
    "diagnostic_link",
    "heading_anchor",
    "format_value",
]

_DOCS = Path(__file__).resolve().parent.parent.parent / "docs"

#: Each keyword: what it does, and the section of docs/language.md that explains it.
KEYWORD_HELP: dict[str, tuple[str, str]] = {
    "import": ("reads the segments, touchpoints, care and settings of a library file", "imports-and-libraries"),
    "journey": ("declares the journey: its settings, segments, stages and designs", "file-structure"),
    "library": (
        "shared definitions that journeys import: factors, segments, touchpoints, care",
        "imports-and-libraries",
    ),
    "time": ("`time unit minutes`: the unit times are reported in (default minutes)", "journey-settings"),
    "unit": ("`time unit minutes`: the unit times are reported in (default minutes)", "journey-settings"),
    "horizon": (
        "how long the clock runs; customers are followed for one horizon after they arrive",
        "journey-settings",
    ),
    "arrivals": (
        "how customers arrive: `poisson` rate, a `cohort` or a finite `market` (default a cohort of 1,000)",
        "journey-settings",
    ),
    "poisson": ("`arrivals poisson 30 per day`: customers arrive at random at this average rate", "journey-settings"),
    "cohort": (
        "`arrivals cohort 500 over 20 days`: a fixed group, at once or spread over a period",
        "journey-settings",
    ),
    "market": (
        "`arrivals market N innovation p imitation q`: a finite market adopting by the Bass model",
        "journey-settings",
    ),
    "innovation": ("the Bass model's p: the rate of adoption without word of mouth", "journey-settings"),
    "imitation": ("the Bass model's q: the rate of adoption driven by the adopters' stories", "journey-settings"),
    "per": ("a rate's or a budget's period: `per day`, `per hour`, `per year`", "journey-settings"),
    "over": ("`arrivals cohort 500 over 20 days`: spread the cohort evenly over a period", "journey-settings"),
    "seed": ("the master seed (default 0): the same file and seed give the same results", "journey-settings"),
    "visit": ("`visit limit 3`: how often a customer may enter the same stage (default 5)", "journey-settings"),
    "limit": ("`visit limit 3`: how often a customer may enter the same stage (default 5)", "journey-settings"),
    "factor": ("one of the six experience factors with its expectation, importance and ideal (0-10)", "factors"),
    "expect": ("an expectation (0-10) of a factor, or a design test: `expect nps > 30`", "design-tests"),
    "importance": ("how much a factor weighs (0-10)", "factors"),
    "ideal": ("the ideal level of a factor (0-10)", "factors"),
    "segment": (
        "a customer segment (persona) with its share of arrivals and its departures from the defaults",
        "segments-personas",
    ),
    "patience": (
        "how long the segment's customers queue before waiting annoys them (default: no limit)",
        "segments-personas",
    ),
    "sensitivity": (
        "`sensitivity feel 1.2`: multiplier of an experience module's effects for a segment (default 1)",
        "segments-personas",
    ),
    "value": ("revenue per purchase of a segment's customer (default 0)", "segments-personas"),
    "tier": (
        "the customer value tier, a name of your choice; care programmes and conditions can target it",
        "segments-personas",
    ),
    "stage": ("a stage of the journey: its touchpoints in order and its transitions; the first is the start", "stages"),
    "goal": ("the stage counts as conversion: a customer who gets through it has converted", "stages"),
    "after": ("a delay: `after 2 days` before a stage or a transition", "stages"),
    "choice": ("alternatives of which each customer meets one, chosen by their `share`", "choices"),
    "use": ("a step that reuses a library touchpoint", "stages"),
    "repeat": ("`repeat -> stage`: a transition that starts a new purchase cycle", "transitions"),
    "if": ("a conditional probability: `-> sign 55%, 70% if satisfaction >= 7`", "transitions"),
    "and": ("joins the conditions of a conditional probability", "transitions"),
    "touchpoint": ("a moment where the customer meets the firm: a channel, attributes and effects", "touchpoints"),
    "care": ("a care programme: scheduled touchpoints for converted customers, or a settings block", "care-programmes"),
    "capacity": ("how many customers the touchpoint serves at once (default: no queue)", "touchpoints"),
    "duration": ("how long the touchpoint takes: a time or a distribution such as `exponential(3 min)`", "touchpoints"),
    "cost": ("what one contact costs the firm (default 0)", "touchpoints"),
    "moment": ("`moment of truth`: a touchpoint whose experience counts more", "touchpoints"),
    "of": ("`moment of truth`, or a design test's scope: `of stage advice`", "design-tests"),
    "truth": ("`moment of truth`: a touchpoint whose experience counts more", "touchpoints"),
    "share": ("the share of customers taking a choice option, with per-segment overrides in parentheses", "choices"),
    "for": (
        "whom a care programme or budget is for: `for all`, `for tier A`, `for segment premier`",
        "care-programmes",
    ),
    "all": ("`for all`: every converted customer", "care-programmes"),
    "every": ("how often a care programme contacts a customer: `every 1 year`", "care-programmes"),
    "theme": ("an experience theme effect on -5..+5: `theme trust +1`", "touchpoints"),
    "performance": (
        "how well the touchpoint performs on a factor (0-10), compared with the expectation",
        "touchpoints",
    ),
    "variability": ("how much the touchpoint's effect varies from customer to customer (points)", "touchpoints"),
    "failure": ("a failure mode: its probability, its own effects and an optional recovery", "touchpoints"),
    "recover": ("`recover by apology`: the library touchpoint that recovers a failure", "touchpoints"),
    "by": ("`recover by apology`, or a design test's margin: `by at least 5`", "touchpoints"),
    "variant": ("a named alternative design: patches to the baseline or to another variant", "designs-variants"),
    "extends": ('`variant "B" extends "A"`: the design a variant builds on (default the baseline)', "designs-variants"),
    "add": (
        "a patch: add a touchpoint (`in STAGE before/after NAME`, `first`, `last`) or a care programme",
        "designs-variants",
    ),
    "in": ('where an added touchpoint goes, or which design a test measures: `in "B"`', "designs-variants"),
    "before": ("`add touchpoint ... in advice before advisor`", "designs-variants"),
    "first": ("`add touchpoint ... in advice first`", "designs-variants"),
    "last": ("`add touchpoint ... in advice last` (the default)", "designs-variants"),
    "remove": ("a patch: remove a touchpoint, `stage`, `segment` or `care` programme", "designs-variants"),
    "replace": ("a patch: `replace NAME with touchpoint ...`", "designs-variants"),
    "with": ("`replace NAME with touchpoint ...`", "designs-variants"),
    "change": ("a patch: change a touchpoint's attributes and effects, a `stage` or a `segment`", "designs-variants"),
    "order": ("a patch: `order STAGE: a, b, c` puts a stage's steps in a new order", "designs-variants"),
    "beats": ('`expect "B" beats baseline on nps`: a design must be better than another', "design-tests"),
    "matches": ('`expect "B" matches "A" on nps within 2`: two designs must be equivalent', "design-tests"),
    "within": ("the margin of an equivalence test", "design-tests"),
    "least": ("`by at least 5`: the margin a design must win by", "design-tests"),
    "survey": ("measured figures (0-10) for the seven-step gap analysis", "surveys"),
    "experience": ("a survey's experience rating of a factor (0-10)", "surveys"),
    "expectation": ("a survey's expectation of a factor (0-10)", "surveys"),
    "episode": ("a part of the journey remembered and judged on its own", "remembered-episodes"),
    "stages": ("the stages of a remembered episode", "remembered-episodes"),
    "decides": (
        "`decides return`: the memory of this episode decides whether the customer returns",
        "remembered-episodes",
    ),
    "return": (
        "`decides return`: the memory of this episode decides whether the customer returns",
        "remembered-episodes",
    ),
    "hours": ("opening hours: when customers arrive and counters are staffed (default always open)", "opening-hours"),
    "closed": ("`sun closed`: the days are closed", "opening-hours"),
    "weight": ("`weight 2`: arrivals in that part of the opening hours are twice as frequent", "opening-hours"),
    "start": ("`start wed 09:00`: the day and time of the clock's zero (default mon 00:00)", "opening-hours"),
    "closing": (
        "`at closing serve` (default) or `at closing turn away`: customers queueing at closing",
        "opening-hours",
    ),
    "serve": ("`at closing serve`: customers queueing at closing are still served (the default)", "opening-hours"),
    "turn": ("`at closing turn away`: customers queueing at closing are sent away", "opening-hours"),
    "away": ("`at closing turn away`: customers queueing at closing are sent away", "opening-hours"),
    "staff": ("a channel (personal contact with staff), or `staff cost 25 per hour` per server", "touchpoints"),
    "budget": (
        "`care budget 500 per year for tier A`: the most a customer's care contacts may cost",
        "care-programmes",
    ),
    "->": (
        "a transition: `-> sign 55%` sends that share of customers on to a stage; without a probability, the remainder",
        "transitions",
    ),
    "exit": ("the explicit drop-off: `-> exit 10%` leaves the journey", "transitions"),
    "on": ('`expect "B" beats baseline on nps`: the metric two designs are compared on', "design-tests"),
    "at": ("`at closing serve` or `at closing turn away`; `by at least 5` in a design test", "opening-hours"),
    "rating": ("`feel rating 7/10`: an effect as a 0-10 rating (5 neutral)", "touchpoints"),
    "pain": ("`sense pain 8/10`: an effect as pain from 0 (none) to 10 (worst)", "touchpoints"),
}

#: Every keyword a completion may offer (the grammar's words, ``exit`` included).
ALL_KEYWORDS: tuple[str, ...] = tuple(sorted(set(KEYWORDS) | set(KEYWORD_HELP)))


def doc_link(anchor: str, page: str = "language.md") -> str:
    """A Markdown link to a section of the documentation.

    A ``file:`` link when the documentation sits beside the package (a source
    checkout), else the path as text (``docs/language.md#stages``).
    """
    label = f"docs/{page}#{anchor}"
    path = _DOCS / page
    if path.is_file():
        return f"[{label}]({path.as_uri()}#{anchor})"
    return label


def heading_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading.

    Examples
    --------
    >>> heading_anchor("JD101: undefined stage (error)")
    'jd101-undefined-stage-error'
    """
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def diagnostic_link(code: str) -> str | None:
    """A ``file:`` URI of a diagnostic code's section in docs/diagnostics.md, when the docs are present."""
    path = _DOCS / "diagnostics.md"
    if code not in CODES or not path.is_file():
        return None
    severity, title = CODES[code]
    return f"{path.as_uri()}#{heading_anchor(f'{code}: {title} ({severity})')}"


def keyword_help(word: str) -> str | None:
    """The hover text of a keyword, or ``None`` when ``word`` is not one."""
    found = KEYWORD_HELP.get(word)
    if found is None:
        return None
    text, anchor = found
    return f"**`{word}`** (keyword): {text}\n\nSee {doc_link(anchor)}"


def format_value(value: float) -> str:
    """A number as a designer writes it: ``0.35``, ``2.25``, ``60``."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def setting_help(block: str, key: str) -> str | None:
    """The hover text of a setting in a settings block: what it weighs, its default and range."""
    setting = SETTINGS.get(block, {}).get(key)
    if setting is None:
        return None
    return (
        f"**`{block}.{key}`** (setting): {setting.doc}\n\n"
        f"default {format_value(setting.default)}, range {format_value(setting.low)} to {format_value(setting.high)}\n\n"
        f"See {doc_link(block)}"
    )


def block_help(block: str) -> str | None:
    """The hover text of a settings block: its keys with their defaults."""
    keys = SETTINGS.get(block)
    if keys is None:
        return None
    rows = "\n".join(f"- `{key}` {format_value(s.default)}: {s.doc}" for key, s in keys.items())
    return f"**`{block}`** (settings block)\n\n{rows}\n\nSee {doc_link(block)}"


_WORDS: dict[str, tuple[dict[str, str], str, str]] = {
    "channel": (CHANNELS, "channel", "touchpoints"),
    "module": (MODULES, "experience module (effect on -5..+5)", "touchpoints"),
    "theme": (THEMES, "experience theme (effect on -5..+5)", "touchpoints"),
    "factor": (FACTORS, "experience factor (0-10)", "factors"),
    "condition": (CONDITION_SUBJECTS, "customer state in a condition", "transitions"),
}


def word_help(kind: str, word: str) -> str | None:
    """The hover text of a vocabulary word: a channel, module, theme, factor, condition or distribution."""
    if kind == "distribution":
        if word not in DISTRIBUTIONS:
            return None
        _, parameters = DISTRIBUTIONS[word]
        return f"**`{word}`** (distribution): {word}({', '.join(parameters)})\n\nSee {doc_link('touchpoints')}"
    table = _WORDS.get(kind)
    if table is None:
        return None
    meanings, what, anchor = table
    meaning = meanings.get(word)
    shown = markdown_code(word)
    if meaning is None:
        return f"**{shown}**: not a known {what.split(' (')[0]}\n\nSee {doc_link(anchor)}"
    return f"**{shown}** ({what}): {meaning}\n\nSee {doc_link(anchor)}"


#: What a design test (``expect METRIC ...``) can measure, by metric (docs/language.md, "Design tests").
METRIC_HELP: dict[str, str] = {
    "conversion_rate": "share of customers who got through a goal stage",
    "remembered_experience": "how the journey is remembered: peak, end and mean of its moments, on the effect scale",
    "satisfaction": "satisfaction with the journey, 0-10",
    "nps": "Net Promoter Score: % promoters (9-10) minus % detractors (0-6), -100 to 100",
    "promoters": "share of customers who would recommend at 9-10",
    "passives": "share of customers at 7-8",
    "detractors": "share of customers at 0-6",
    "return_rate": "share of customers who came back for another purchase",
    "referrals_per_customer": "customers brought in by word of mouth, per customer",
    "time_in_journey": "time a customer spends in the journey, in the journey's time unit",
    "cost_per_customer": "cost of the contacts per customer",
    "revenue_per_customer": "revenue per customer (the segments' `value` per purchase)",
    "profit": "revenue minus cost, per customer",
    "entered": "customers who entered the stage (of stage NAME)",
    "dropped": "customers who left the journey at the stage before reaching a goal (of stage NAME)",
    "drop_rate": "dropped / entered (of stage NAME)",
    "visits": "contacts with the touchpoint (of touchpoint NAME)",
    "mean_affect": "mean momentary affect of the touchpoint's contacts (of touchpoint NAME)",
    "peak_share": "share of purchase cycles whose most extreme moment was at the touchpoint",
    "end_share": "share of purchase cycles whose last moment was at the touchpoint",
    "wait_mean": "mean wait in the touchpoint's queue (of touchpoint NAME)",
    "wait_p95": "95th percentile of the wait in the touchpoint's queue (of touchpoint NAME)",
    "utilisation": "busy share of the touchpoint's servers (of touchpoint NAME)",
    "reneged": "contacts in which the customer gave up waiting (of touchpoint NAME)",
    "failures": "contacts in which one of the touchpoint's failures happened (of touchpoint NAME)",
    "cost": "total cost of the touchpoint's contacts (of touchpoint NAME)",
    "customers": "customers who went through the episode (of episode NAME)",
}


def other_help(word: str) -> str | None:
    """The hover text of a word that is neither a keyword nor a name: a unit, phase, metric, state or day."""
    if word in UNIT_SECONDS:
        seconds = UNIT_SECONDS[word]
        return f"**`{word}`** (time unit): {format_value(seconds)} seconds\n\nSee {doc_link('journey-settings')}"
    if word in PHASES:
        return f"**`{word}`** (purchase phase of a stage)\n\nSee {doc_link('stages')}"
    if word == "baseline":
        return f"**`baseline`** (design): the journey as written, without any variant\n\nSee {doc_link('designs-variants')}"
    if word in METRIC_HELP:
        return f"**`{word}`** (metric): {METRIC_HELP[word]}\n\nSee {doc_link('design-tests')}"
    if word in CONDITION_SUBJECTS:
        return (
            f"**`{word}`** (customer state in a condition): {CONDITION_SUBJECTS[word]}\n\nSee {doc_link('transitions')}"
        )
    days = weekdays(word)
    if days is not None:
        names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        return f"**`{word}`** (days): {', '.join(names[d] for d in days)}\n\nSee {doc_link('opening-hours')}"
    return None
