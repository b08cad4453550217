"""The simulator against results nobody here wrote: prints the tables of docs/validation.md.

Usage::

    python3 benchmarks/validation_figures.py

Each section simulates a small journey and compares what comes out with the
theory: queueing (M/M/1, M/M/c with the Erlang C formula), an absorbing Markov
chain solved exactly, the Bass diffusion curve, the peak-end experiments, and
the ratio of positive to negative word of mouth.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journeydsl import psychology as psy  # noqa: E402
from journeydsl.api import load, loads, simulate  # noqa: E402

QUIET = "word_of_mouth { brand_arrivals 0; referral_conversion 0 } "


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    load_ = arrival_rate / service_rate
    top = load_**servers / math.factorial(servers) * servers / (servers - load_)
    waiting = top / (sum(load_**k / math.factorial(k) for k in range(servers)) + top)
    return waiting / (servers * service_rate - arrival_rate)


def queues() -> None:
    print("| queue | load | theory Wq (min) | simulated Wq, seeds 1-3 | simulated utilisation |")
    print("|---|---|---|---|---|")
    for rate, servers in ((0.5, 1), (0.6, 1), (0.7, 1), (2.0, 3), (2.5, 3)):
        journey = loads(f'journey "q" {{ time unit minutes arrivals poisson {rate} per min {QUIET}'
                        f"stage s goal {{ touchpoint desk: staff capacity {servers} duration exponential(1 min) {{ feel +1 }} }} }}")
        waits, utilisation = [], []
        for seed in (1, 2, 3):
            desk = simulate(journey, customers=30000, seed=seed, warmup=200)["touchpoints"]["desk"]
            waits.append(desk["wait_mean"])
            utilisation.append(desk["utilisation"])
        name = "M/M/1" if servers == 1 else f"M/M/{servers}"
        print(f"| {name} | {rate / servers:.2f} | {erlang_c_wait(rate, 1.0, servers):.3f} | "
              f"{', '.join(f'{w:.3f}' for w in waits)} (mean {np.mean(waits):.3f}) | {np.mean(utilisation):.3f} |")


def markov() -> None:
    text = """journey "chain" { visit limit 50 arrivals cohort 20000 word_of_mouth { referral_conversion 0 }
      stage a { touchpoint t1: media { feel +1 } -> b 70% -> c 20% }
      stage b { touchpoint t2: media { feel +1 } -> a 30% -> d 50% }
      stage c { touchpoint t3: media { feel +1 } -> d 40% }
      stage d goal { touchpoint t4: media { feel +1 } } }"""
    q = np.array([[0, 0.7, 0.2], [0.3, 0, 0], [0, 0, 0]])
    exact = float(np.linalg.solve(np.eye(3) - q, np.array([0.0, 0.5, 0.4]))[0])
    print("| seed | exact P(goal) | simulated conversion | 95% interval |")
    print("|---|---|---|---|")
    for seed in (1, 2, 3):
        metric = simulate(loads(text), seed=seed)["metrics"]["conversion_rate"]
        print(f"| {seed} | {exact:.4f} | {metric['mean']:.4f} | [{metric['ci95'][0]:.4f}, {metric['ci95'][1]:.4f}] |")


def bass() -> None:
    p, q, market = 0.03, 0.38, 4000
    journey = loads(f'journey "bass" {{ time unit days horizon 20 years arrivals market {market} innovation {p} imitation {q} per year '
                    "word_of_mouth { brand_arrivals 0 } stage s goal { touchpoint t: product { feel +1 } } }")
    times: list[float] = []
    simulate(journey, seed=2, trace=lambda row: times.append(row[7]))
    years = np.sort(np.array(times)) / 365.0
    print("| years | Bass F(t) | simulated share adopted |")
    print("|---|---|---|")
    for t in (1, 3, 6, 9, 12, 15):
        expected = (1 - math.exp(-(p + q) * t)) / (1 + (q / p) * math.exp(-(p + q) * t))
        print(f"| {t} | {expected:.3f} | {np.mean(years <= t) * len(years) / market:.3f} |")


def peak_end() -> None:
    short, long_ = [-4.0, -6.0, -6.0], [-4.0, -6.0, -6.0, -3.0]

    def remembered(moments):
        return psy.remembered_experience(psy.most_extreme(moments), moments[-1], sum(moments) / len(moments))

    print("| episode | moments | sum | remembered (default weights) |")
    print("|---|---|---|---|")
    for name, moments in (("short (60 s cold)", short), ("long (+30 s less cold)", long_)):
        print(f"| {name} | {moments} | {sum(moments):.0f} | {remembered(moments):+.2f} |")
    template = ('journey "J" {{ arrivals cohort 3000 affect {{ noise 0; carry_over 0 }} '
                "stage s goal {{ touchpoint a: staff {{ feel -4 }} touchpoint b: staff {{ feel {end} }} }} }}")
    for end in (-1, -3):
        value = simulate(loads(template.format(end=end)), seed=1)["metrics"]["remembered_experience"]["mean"]
        print(f"| simulated: peak -4, end {end} | | | {value:+.2f} |")


def word_of_mouth() -> None:
    root = Path(__file__).resolve().parent.parent / "examples" / "journeys"
    print("| example | mean satisfaction | positive | negative | ratio |")
    print("|---|---|---|---|---|")
    for name in ("premier_banking", "conference_hotel", "pizza_restaurant", "online_shop", "electronics_shops"):
        results = simulate(load(root / f"{name}.journey"), customers=4000, seed=5)
        wom = results["word_of_mouth"]
        ratio = f"{wom['positive_to_negative']:.1f} : 1" if wom["positive_to_negative"] else "-"
        print(f"| {name} | {results['metrics']['satisfaction']['mean']:.2f} | {wom['positive']} | {wom['negative']} | {ratio} |")


def main() -> None:
    for title, section in (("Queues", queues), ("Absorbing Markov chain", markov), ("Bass diffusion", bass),
                           ("Peak-end", peak_end), ("Word of mouth", word_of_mouth)):
        print(f"\n## {title}\n")
        section()


if __name__ == "__main__":
    main()
