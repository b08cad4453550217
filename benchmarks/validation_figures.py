"""The simulator against results nobody here wrote: prints the tables of docs/validation.md.

Usage::

    python3 benchmarks/validation_figures.py            # every section (about 40 s)
    python3 benchmarks/validation_figures.py queues     # one or more sections by name

Sections: ``queues`` (M/M/1 and M/M/c against the Erlang C formula),
``markov`` (an absorbing Markov chain solved exactly), ``bass`` (the Bass
diffusion curve of a neutral market), ``market`` (the hotel Wi-Fi market, with
and without the failing Wi-Fi), ``peak_end`` (the cold-water experiment), ``psychology`` (the
model's functions at reference points), ``word_of_mouth`` (the ratio of
positive to negative stories) and ``common_random_numbers`` (how much narrower
the interval of a difference between two designs is with them).  Every run has
a fixed seed, so the output is the same on every machine with the same versions
of Python and numpy.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journeydsl import api  # noqa: E402
from journeydsl.api import load, loads  # noqa: E402
from journeydsl.sim import psychology as psy  # noqa: E402

#: Word-of-mouth feedback switched off, so that Poisson arrivals stay Poisson.
QUIET = "word_of_mouth { brand_arrivals 0; referral_conversion 0 } "
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "journeys"


def simulate(journey, **run) -> dict:
    """The results document of one simulated design."""
    return api.simulate(journey, **run).results


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in the queue of an M/M/c queue (the Erlang C formula).

    Examples
    --------
    >>> round(erlang_c_wait(0.6, 1.0, 1), 3)
    1.5
    """
    load_ = arrival_rate / service_rate
    top = load_**servers / math.factorial(servers) * servers / (servers - load_)
    waiting = top / (sum(load_**k / math.factorial(k) for k in range(servers)) + top)
    return waiting / (servers * service_rate - arrival_rate)


def bass_share(years: float, innovation: float, imitation: float) -> float:
    """Share of a market adopted by ``years`` under the Bass (1969) model."""
    decay = math.exp(-(innovation + imitation) * years)
    return (1 - decay) / (1 + imitation / innovation * decay)


def t_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of independent replications."""
    sample = np.asarray(values, dtype=float)
    mean = float(sample.mean())
    half = float(stats.t.ppf(0.975, len(sample) - 1) * sample.std(ddof=1) / math.sqrt(len(sample)))
    return mean, mean - half, mean + half


def _inside(value: float, low: float, high: float) -> str:
    return "yes" if low <= value <= high else "**no**"


def queues() -> None:
    """Mean wait and utilisation of one staffed touchpoint against queueing theory, five seeds each."""
    print("30,000 customers per run after a warm-up of 200 minutes; seeds 1-5.\n")
    print(
        "| queue | load | theory Wq (min) | simulated Wq, seeds 1-5 | mean [95% t-interval] | theory inside | utilisation |"
    )
    print("|---|---|---|---|---|---|---|")
    for rate, servers in ((0.5, 1), (0.6, 1), (0.7, 1), (2.0, 3), (2.5, 3)):
        journey = loads(
            f'journey "q" {{ time unit minutes arrivals poisson {rate} per min {QUIET}'
            f"stage s goal {{ touchpoint desk: staff capacity {servers} duration exponential(1 min) {{ feel +1 }} }} }}"
        )
        waits, utilisation = [], []
        for seed in range(1, 6):
            desk = simulate(journey, customers=30000, seed=seed, warmup=200)["touchpoints"]["desk"]
            waits.append(desk["wait_mean"])
            utilisation.append(desk["utilisation"])
        theory = erlang_c_wait(rate, 1.0, servers)
        mean, low, high = t_interval(waits)
        print(
            f"| M/M/{servers} | {rate / servers:.2f} | {theory:.3f} | {', '.join(f'{w:.3f}' for w in waits)} | "
            f"{mean:.3f} [{low:.3f}, {high:.3f}] | {_inside(theory, low, high)} | {np.mean(utilisation):.3f} |"
        )


def markov() -> None:
    """Conversion through branches and a loop against the exact absorption probability."""
    text = """journey "chain" { visit limit 50 arrivals cohort 20000 word_of_mouth { referral_conversion 0 }
      stage a { touchpoint t1: media { feel +1 } -> b 70% -> c 20% }
      stage b { touchpoint t2: media { feel +1 } -> a 30% -> d 50% }
      stage c { touchpoint t3: media { feel +1 } -> d 40% }
      stage d goal { touchpoint t4: media { feel +1 } } }"""
    journey = loads(text)
    q = np.array([[0, 0.7, 0.2], [0.3, 0, 0], [0, 0, 0]])
    exact = float(np.linalg.solve(np.eye(3) - q, np.array([0.0, 0.5, 0.4]))[0])
    print("20,000 customers per run.\n")
    print("| seed | exact P(goal) | simulated conversion | 95% interval | exact inside |")
    print("|---|---|---|---|---|")
    means = []
    for seed in range(1, 21):
        metric = simulate(journey, seed=seed)["metrics"]["conversion_rate"]
        means.append(metric["mean"])
        if seed <= 3:
            low, high = metric["ci95"]
            print(
                f"| {seed} | {exact:.4f} | {metric['mean']:.4f} | [{low:.4f}, {high:.4f}] | {_inside(exact, low, high)} |"
            )
    mean, low, high = t_interval(means)
    print(f"| 1-20 pooled | {exact:.4f} | {mean:.4f} | [{low:.4f}, {high:.4f}] | {_inside(exact, low, high)} |")


BASS_P, BASS_Q, BASS_MARKET = 0.03, 0.38, 4000
#: A neutral market: one moment rated 5 of 10 (an effect of 0), brand feedback off.
NEUTRAL_MARKET = (
    f'journey "bass" {{ time unit days horizon 20 years arrivals market {BASS_MARKET} innovation {BASS_P} '
    f"imitation {BASS_Q} per year word_of_mouth {{ brand_arrivals 0 }} "
    "stage s goal { touchpoint t: product { feel rating 5/10 } } }"
)
CHECKPOINTS = (1, 3, 6, 9, 12, 15)


def adoption_by_year(journey, seeds: range, design: str = "baseline") -> list[list[float]]:
    """Per seed, the share of the market adopted by the end of each year in :data:`CHECKPOINTS`.

    Read from the results' time series, counted per year (``period`` 365 days).
    """
    shares = []
    for seed in seeds:
        results = api.simulate(journey, design=design, seed=seed, period=365.0 * api_day(journey)).results
        adoption = results["series"]["adoption"]
        shares.append([adoption[t - 1] if t - 1 < len(adoption) else adoption[-1] for t in CHECKPOINTS])
    return shares


def api_day(journey) -> float:
    """One day in the journey's time unit."""
    from journeydsl.lang.units import unit_seconds

    return unit_seconds("days") / unit_seconds(journey.time_unit or "minutes")


def bass() -> None:
    """Share of a neutral market adopted by year t against the Bass curve, twenty seeds."""
    p, q, market = BASS_P, BASS_Q, BASS_MARKET
    shares = adoption_by_year(loads(NEUTRAL_MARKET), range(1, 21))
    print(f"A market of {market:,}, p = {p}, q = {q} per year, a neutral stay (rated 5 of 10); seeds 1-20.\n")
    print("| years | Bass F(t) | seed 1 | mean of seeds 1-20 [95% t-interval] | sd between runs | theory inside |")
    print("|---|---|---|---|---|---|")
    for column, t in enumerate(CHECKPOINTS):
        values = [run[column] for run in shares]
        theory = bass_share(t, p, q)
        mean, low, high = t_interval(values)
        print(
            f"| {t} | {theory:.3f} | {values[0]:.3f} | {mean:.3f} [{low:.3f}, {high:.3f}] | {np.std(values, ddof=1):.3f} | "
            f"{_inside(theory, low, high)} |"
        )


def market() -> None:
    """The hotel Wi-Fi market against the Bass curve, with and without the failing Wi-Fi, ten seeds."""
    journey = load(Path(__file__).resolve().parent.parent / "examples" / "validation" / "hotel_wifi.journey")
    seeds = range(1, 11)
    runs = {design: adoption_by_year(journey, seeds, design) for design in ("baseline", "reliable wifi")}
    print("examples/validation/hotel_wifi.journey, a market of 4,000, p = 0.03, q = 0.38 per year; seeds 1-10.\n")
    print("| years | Bass F(t) | Wi-Fi drops in 40% of stays [95% t-interval] | in 3% of stays | difference |")
    print("|---|---|---|---|---|")
    for column, t in enumerate(CHECKPOINTS):
        failing = [run[column] for run in runs["baseline"]]
        reliable = [run[column] for run in runs["reliable wifi"]]
        mean_f, low_f, high_f = t_interval(failing)
        mean_r, low_r, high_r = t_interval(reliable)
        gap, low_g, high_g = t_interval([r - f for r, f in zip(reliable, failing, strict=True)])
        print(
            f"| {t} | {bass_share(t, BASS_P, BASS_Q):.3f} | {mean_f:.3f} [{low_f:.3f}, {high_f:.3f}] | "
            f"{mean_r:.3f} [{low_r:.3f}, {high_r:.3f}] | {gap:+.3f} [{low_g:+.3f}, {high_g:+.3f}] |"
        )


def peak_end() -> None:
    """The cold-water trials remembered by the model, and two simulated episodes with the same peak."""
    short, long_ = [-4.0, -6.0, -6.0], [-4.0, -6.0, -6.0, -3.0]

    def remembered(moments: list[float]) -> float:
        return psy.remembered_experience(psy.most_extreme(moments), moments[-1], sum(moments) / len(moments))

    print("| episode | moments | sum | remembered (default weights) |")
    print("|---|---|---|---|")
    for name, moments in (("short (60 s cold)", short), ("long (+30 s less cold)", long_)):
        print(f"| {name} | {moments} | {sum(moments):.0f} | {remembered(moments):+.2f} |")
    template = (
        'journey "J" {{ arrivals cohort 3000 affect {{ noise 0; carry_over 0 }} '
        "stage s goal {{ touchpoint a: staff {{ feel -4 }} touchpoint b: staff {{ feel {end} }} }} }}"
    )
    for end in (-1.0, -3.0):
        value = simulate(loads(template.format(end=f"{end:+g}")), seed=1)["metrics"]["remembered_experience"]["mean"]
        print(
            f"| simulated, 3,000 customers, no noise | {[-4.0, end]} | {end - 4:.0f} | "
            f"{value:+.2f} (formula {remembered([-4.0, end]):+.2f}) |"
        )


COLD_WATER = Path(__file__).resolve().parent.parent / "examples" / "validation" / "cold_pressor.journey"
#: The memory block of the cold-water journey, replaced to vary its weights.
COLD_WATER_MEMORY = "memory { integral 0.25; reference 1 }"
#: 22 of 32 subjects chose to repeat the longer trial (Kahneman et al. 1993).
CHOSE_LONGER, SUBJECTS = 22, 32


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson's (1927) score interval for a proportion.

    Examples
    --------
    >>> [round(x, 3) for x in wilson_interval(22, 32)]
    [0.514, 0.82]
    """
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return centre - half, centre + half


def longer_trial_share(memory: str = COLD_WATER_MEMORY, spread: float | None = None, seed: int = 1993) -> float:
    """The share of the cold-water journey's subjects who remember the long trial better than the short one.

    ``memory`` replaces the journey's memory block; ``spread`` sets ``spread.memory``. Both trials run
    with the same subjects (common random numbers) through :func:`journeydsl.api.compare`.
    """
    text = COLD_WATER.read_text(encoding="utf-8").replace(COLD_WATER_MEMORY, memory)
    if spread is not None:
        text = text.replace(memory, f"{memory} spread {{ memory {spread:g} }}")
    document = api.compare(loads(text), ["baseline", "long trial"], seed=seed, workers=1)
    return document["differences"]["long trial"]["paired"]["remember_better"]


def memory_models() -> None:
    """The cold-water choice: who remembers the longer trial better, by memory model and spread of weights."""
    low, high = wilson_interval(CHOSE_LONGER, SUBJECTS)
    print(
        f"Experiment: {CHOSE_LONGER} of {SUBJECTS} chose the long trial ({CHOSE_LONGER / SUBJECTS:.2f}; "
        f"Wilson 95% interval {low:.3f} to {high:.3f}). Simulated: 3,200 subjects of "
        "examples/validation/cold_pressor.journey, seed 1993; share remembering the long trial better, by the "
        "integral's weight (reference 1 minute; peak, end and mean at their defaults 0.35, 0.35, 0.30) and the "
        "spread of memory weights between people (spread.memory).\n"
    )
    spreads = (0.0, 0.2, 0.4, 0.6, 0.8)
    print("| integral weight | " + " | ".join(f"spread {s:g}" for s in spreads) + " |")
    print("|---|" + "---|" * len(spreads))
    for weight in (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5):
        memory = f"memory {{ integral {weight:g}; reference 1 }}"
        cells = []
        for spread in spreads:
            share = longer_trial_share(memory, spread)
            cells.append(f"**{share:.2f}**" if low <= share <= high else f"{share:.2f}")
        print(f"| {weight:g} | " + " | ".join(cells) + " |")
    print("\nThe calibrated journey (integral 0.25, default spread 0.4), seeds 1-5, and the other memory models:\n")
    print("| memory | seed 1 | seed 2 | seed 3 | seed 4 | seed 5 |")
    print("|---|---|---|---|---|---|")
    for label, memory in (
        ("calibrated: peak 0.35, end 0.35, mean 0.30, integral 0.25", COLD_WATER_MEMORY),
        ("defaults: peak 0.35, end 0.35, mean 0.30, no integral", "memory { reference 1 }"),
        ("classic peak-end: peak 0.5, end 0.5", "memory { peak 0.5; end 0.5; mean 0; reference 1 }"),
        ("integral alone", "memory { peak 0; end 0; mean 0; integral 1; reference 1 }"),
    ):
        shares = [longer_trial_share(memory, seed=seed) for seed in range(1, 6)]
        print(f"| {label} | " + " | ".join(f"{share:.3f}" for share in shares) + " |")


def psychology() -> None:
    """The model's functions at the reference points of their sources, with default weights."""

    def odds(s: float) -> float:
        p = psy.return_probability(s)
        return p / (1 - p)

    rows: list[tuple[str, str, Callable[[], float], str]] = [
        ("value of a gain of 1 point", "1", lambda: psy.value_function(1.0), "Tversky & Kahneman 1992"),
        ("value of a loss of 1 point", "-2.25", lambda: psy.value_function(-1.0), "Tversky & Kahneman 1992"),
        ("value of a gain of 2 points", "2^0.88 = 1.840", lambda: psy.value_function(2.0), "Tversky & Kahneman 1992"),
        (
            "return probability at satisfaction 8",
            "0.5 (midpoint)",
            lambda: psy.return_probability(8.0),
            "modelling choice",
        ),
        (
            "return probability at 10 / at 6",
            "convex at the top",
            lambda: psy.return_probability(10.0) / psy.return_probability(6.0),
            "Jones & Sasser 1995",
        ),
        (
            "odds ratio of return for +0.5 satisfaction",
            "1.41",
            lambda: odds(7.5) / odds(7.0),
            "Redelmeier, Katz & Kahneman 2003",
        ),
        (
            "share of a mood carried into the next moment, straight after",
            "0.3 (carry-over)",
            lambda: psy.carried_mood(1.0, 0.3, 0.0, psy.fading_rate(60.0)),
            "primer (modelling choice)",
        ),
        (
            "... an hour later (one half-life)",
            "half: 0.15",
            lambda: psy.carried_mood(1.0, 0.3, 60.0, psy.fading_rate(60.0)),
            "Verduyn & Lavrijsen 2015",
        ),
        (
            "... twelve hours later (the evening before)",
            "next to nothing",
            lambda: psy.carried_mood(1.0, 0.3, 720.0, psy.fading_rate(60.0)),
            "Verduyn & Lavrijsen 2015",
        ),
        ("chance to talk at 7 (neutral)", "lowest", lambda: psy.talk_probability(7.0), "Anderson 1998"),
        ("chance to talk at 10", "higher", lambda: psy.talk_probability(10.0), "Anderson 1998"),
        ("chance to talk at 2", "highest, not 9-15x", lambda: psy.talk_probability(2.0), "Anderson 1998"),
        (
            "NPS of 50 promoters, 20 detractors in 100",
            "30",
            lambda: psy.net_promoter_score(50, 20, 100),
            "Reichheld 2003",
        ),
    ]
    print("| quantity | expected | model | source |")
    print("|---|---|---|---|")
    for name, expected, value, source in rows:
        print(f"| {name} | {expected} | {value():.3f} | {source} |")


def _mostly_satisfied(seed: int) -> tuple[float, float, int, int]:
    """The population of ``test_positive_word_of_mouth_outnumbers_negative_about_three_to_one``, default settings."""
    text = (
        f'journey "Mostly satisfied" {{ arrivals cohort 4000 over 30 days seed {seed} stage visit goal {{ '
        "touchpoint welcome: staff { feel +1 } touchpoint service: staff { think +1; variability 2 } "
        "touchpoint goodbye: staff { feel +1 } } }"
    )
    outcome = api.simulate(loads(text))
    histogram = outcome.collectors[0].satisfaction
    above = sum(count for count, low in zip(histogram.counts, histogram.edges(), strict=False) if low >= 7.0)
    wom = outcome.results["word_of_mouth"]
    return (
        above / sum(histogram.counts),
        outcome.results["metrics"]["satisfaction"]["mean"],
        wom["positive"],
        wom["negative"],
    )


def word_of_mouth() -> None:
    """Positive against negative stories: a mostly satisfied population, then every example."""
    print(
        "A mostly satisfied population (three touchpoints `feel +1`, `think +1; variability 2`, `feel +1`; "
        "4,000 customers; default settings):\n"
    )
    print("| seed | share above neutral (7) | mean satisfaction | positive | negative | ratio |")
    print("|---|---|---|---|---|---|")
    positives, negatives = 0, 0
    for seed in (9, 10, 11, 12, 13):
        share, mean, positive, negative = _mostly_satisfied(seed)
        positives += positive
        negatives += negative
        print(f"| {seed} | {share:.2f} | {mean:.2f} | {positive} | {negative} | {positive / negative:.1f} : 1 |")
    print(f"| 9-13 pooled | | | {positives} | {negatives} | {positives / negatives:.1f} : 1 |")
    print("\nEvery example, 4,000 customers, seed 5:\n")
    print("| example | mean satisfaction | positive | negative | ratio |")
    print("|---|---|---|---|---|")
    for name in ("premier_banking", "conference_hotel", "pizza_restaurant", "online_shop", "electronics_shops"):
        results = simulate(load(EXAMPLES / f"{name}.journey"), customers=4000, seed=5)
        wom = results["word_of_mouth"]
        ratio = f"{wom['positive_to_negative']:.1f} : 1" if wom["positive_to_negative"] else "-"
        print(
            f"| {name} | {results['metrics']['satisfaction']['mean']:.2f} | {wom['positive']} | {wom['negative']} | {ratio} |"
        )


SHOP = """journey "Shop" { arrivals cohort 1500 over 20 days seed 5
  segment a 50% { patience 5 min }  segment b 50% { patience 10 min }
  stage visit { touchpoint greet: staff duration exponential(2 min) { feel +1 }
                touchpoint shelves: environment duration uniform(5 min, 15 min) { sense +1; variability 1.5 }
                touchpoint advice: staff capacity 2 duration exponential(4 min) { think +1; variability 1.5 }
                -> pay 70% }
  stage pay goal { touchpoint till: staff duration exponential(2 min) { act +1; variability 1.5 } }
  variant "warmer advice" { change advice { feel +1 } }
}"""


def common_random_numbers() -> None:
    """Width of the interval of a difference between two designs, with and without common random numbers."""
    journey = loads(SHOP)
    names = ["baseline", "warmer advice"]

    def difference(document: dict) -> tuple[float, float, float]:
        metric = document["differences"]["warmer advice"]["metrics"]["remembered_experience"]
        return metric["mean"], metric["ci95"][0], metric["ci95"][1]

    print(
        "The journey of `tests/test_compare.py` (1,500 customers), the variant adding `feel +1` at one touchpoint; "
        "difference in remembered experience, seed 1.\n"
    )
    print("| replications | common random numbers: difference [95% interval] | independent numbers | width ratio |")
    print("|---|---|---|---|")
    for replications in (1, 4):
        shared = difference(api.compare(journey, names, replications=replications, seed=1, workers=1))
        independent = difference(
            api.compare(journey, names, replications=replications, seed=1, workers=1, common_random_numbers=False)
        )
        ratio = (shared[2] - shared[1]) / (independent[2] - independent[1])
        print(
            f"| {replications} | {shared[0]:+.3f} [{shared[1]:+.3f}, {shared[2]:+.3f}] | "
            f"{independent[0]:+.3f} [{independent[1]:+.3f}, {independent[2]:+.3f}] | {ratio:.2f} |"
        )


SECTIONS: dict[str, tuple[str, Callable[[], None]]] = {
    "queues": ("Queues", queues),
    "markov": ("Absorbing Markov chain", markov),
    "bass": ("Bass diffusion", bass),
    "market": ("Word of mouth drives a market", market),
    "peak_end": ("Peak-end", peak_end),
    "memory_models": ("Memory models and individual differences", memory_models),
    "psychology": ("Psychology values", psychology),
    "word_of_mouth": ("Word of mouth", word_of_mouth),
    "common_random_numbers": ("Common random numbers", common_random_numbers),
}


def main(names: Sequence[str] = ()) -> None:
    """Print the named sections (all when none is named)."""
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    for name in names or SECTIONS:
        title, section = SECTIONS[name]
        print(f"\n## {title}\n")
        section()


if __name__ == "__main__":
    main(sys.argv[1:])
