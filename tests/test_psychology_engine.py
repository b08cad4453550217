"""The engine's numbers are those of the experience model, :mod:`journeydsl.sim.psychology`.

The engine calls the model's functions to judge a cycle, to talk, to adapt expectations, for care
contacts and for the moment of every touchpoint on its general path; where it writes a formula out
for speed (the disconfirmation of every visit with performance figures, the moment of a plain
touchpoint walked in line) these tests hold it to the model's function over a grid of inputs:
values at the clipping edges, gains, losses and no gap, zero and full importance, waits below, at
and above patience and giving up, carry-over from none to almost all.
"""

from __future__ import annotations

import itertools
import random
import struct

import pytest

from journeydsl.api import loads
from journeydsl.sim import psychology as psy
from journeydsl.sim.engine import Engine, TraceRow
from journeydsl.sim.engine.customers import Customer
from journeydsl.sim.engine.experience import ExperienceRole, MomentWeights
from journeydsl.sim.engine.memory import MemoryWeights
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.settings import RunSettings


def bits(value: float) -> bytes:
    """A float's bits: equal bits are the same number, to the sign of a zero."""
    return struct.pack("<d", value)


# ---- disconfirmation: the engine's written-out sum against psychology.disconfirmation -----------

SCORES = (0.0, 0.5, 3.0, 6.999, 7.0, 7.001, 9.5, 10.0)


def _customer(expect: list[float], importance: list[float], loss: float, curvature: float, weight: float) -> Customer:
    c = Customer()
    c.expect = expect
    c.importance = importance
    c.loss = loss
    c.weights = MomentWeights(
        carry_over=0.3, fading=0.0, curvature=curvature, disconfirmation=weight, penalty=0.5, renege=3.0
    )
    c.perceived = None
    return c


@pytest.mark.parametrize(("loss", "curvature", "weight"), [(1.0, 1.0, 1.0), (2.25, 0.88, 1.0), (5.0, 0.1, 2.5)])
def test_disconfirmation_is_the_models_over_a_grid(loss, curvature, weight):
    # One factor: every performance against every expectation (gains, losses, no gap, both edges
    # of the 0-10 scale) at every importance, zero included.
    for value, expected, importance in itertools.product(SCORES, SCORES, (0.0, 0.1, 5.0, 10.0)):
        c = _customer([expected], [importance], loss, curvature, weight)
        engine = ExperienceRole._disconfirmation(c, ((0, value),))
        model = psy.disconfirmation([(value, expected, importance)], loss, curvature, weight)
        assert bits(engine) == bits(model), (value, expected, importance)
        assert c.perceived is not None and (c.perceived.totals, c.perceived.counts) == ({0: value}, {0: 1})


def test_disconfirmation_sums_factors_in_order_and_counts_what_was_perceived():
    rng = random.Random(7)
    for _ in range(500):
        factors = rng.randint(1, 4)
        expect = [rng.choice(SCORES) for _ in range(factors)]
        importance = [rng.choice((0.0, 2.5, 8.0, 10.0)) for _ in range(factors)]
        # A failure's performance figures follow the touchpoint's: a factor may come twice.
        performance = tuple((rng.randrange(factors), rng.choice(SCORES)) for _ in range(rng.randint(1, 5)))
        loss, curvature, weight = rng.uniform(1.0, 5.0), rng.uniform(0.1, 1.0), rng.uniform(0.0, 5.0)
        c = _customer(expect, importance, loss, curvature, weight)
        engine = ExperienceRole._disconfirmation(c, performance)
        model = psy.disconfirmation([(v, expect[f], importance[f]) for f, v in performance], loss, curvature, weight)
        assert bits(engine) == bits(model)
        assert c.perceived is not None
        for f in {f for f, _ in performance}:
            values = [v for g, v in performance if g == f]
            assert (c.perceived.totals[f], c.perceived.counts[f]) == (sum(values), len(values))


# ---- the moment and the judgement, walked in line and on the general path ------------------------

_JOURNEY = """
journey "grid" {{
  time unit minutes
  arrivals cohort 1
  affect {{ carry_over {C}; loss_aversion {L}; curvature {A}; disconfirmation {W}; noise 0 }}
  memory {{ peak {wp}; end {we}; mean {wm} }}
  spread {{ expectation 0; importance 0; sensitivity 0; loss_aversion 0; judgement 0; memory {S} }}
  word_of_mouth {{ referral_conversion 0 }}
  factor service expect {E1} importance {I1}
  factor product expect {E2} importance {I2}
  stage s goal {{
    touchpoint a: staff {{ feel {D1:+g}; performance service {P1} }}
    touchpoint b: media {{ sense {D2:+g}; variability {N} }}
    touchpoint c: staff {{ think {D3:+g}; act {D3:+g}; performance service {P2}; performance product {P3} }}
  }}
}}
"""

_BASE = {
    "C": 0.3,
    "L": 2.25,
    "A": 0.88,
    "W": 1.0,
    "wp": 0.35,
    "we": 0.35,
    "wm": 0.3,
    "S": 0,
    "E1": 7,
    "I1": 8,
    "E2": 5,
    "I2": 5,
    "D1": 1,
    "D2": 2,
    "D3": -1,
    "P1": 8,
    "P2": 6,
    "P3": 5,
    "N": 0.5,
}

_CASES = [
    {},
    {"E1": 0, "E2": 0},  # nothing but gains
    {"E1": 10, "E2": 10, "P1": 10},  # losses, and no gap at the top of the scale
    {"P1": 0, "P2": 10, "P3": 0},  # performance at both edges
    {"I1": 0, "I2": 10},  # an unimportant factor and a full one
    {"I1": 10, "I2": 0},
    {"L": 1.0, "A": 1.0},  # no loss aversion, linear value
    {"L": 5.0, "A": 0.1},
    {"W": 0},  # no disconfirmation
    {"W": 5},
    {"C": 0},  # no carry-over
    {"C": 0.99},
    {"N": 0},  # no noise
    {"N": 5},
    {"D1": -5, "D2": -5, "D3": -5, "P1": 0, "P2": 0, "P3": 0, "E1": 10, "E2": 10},  # satisfaction clipped at 0
    {"D1": 5, "D2": 5, "D3": 5, "P1": 10, "P2": 10, "P3": 10, "E1": 0, "E2": 0},  # clipped at 10
    {"wp": 0.5, "we": 0.5, "wm": 0},  # the classic peak-end rule
    {"wp": 0, "we": 1, "wm": 0, "D1": 4, "D3": 0.5},
    {"S": 0.4},  # the customer's own memory weights, around the segment's
    {"S": 0.9, "wp": 0.5, "we": 0.5, "wm": 0},
]


def _random_cases(count: int) -> list[dict[str, float]]:
    rng = random.Random(2024)
    choices = {
        "C": (0.0, 0.3, 0.99),
        "L": (1.0, 2.25, 5.0),
        "A": (0.1, 0.88, 1.0),
        "W": (0.0, 1.0, 5.0),
        "E1": (0, 7, 10),
        "I1": (0, 5, 10),
        "E2": (0, 3, 10),
        "I2": (0, 10),
        "D1": (-5, -1, 0.5, 5),
        "D2": (-5, 0, 2, 5),
        "D3": (-5, -1, 1, 5),
        "P1": (0, 6.5, 10),
        "P2": (0, 7, 10),
        "P3": (0, 3, 10),
        "N": (0, 0.5, 5),
    }
    return [{key: rng.choice(values) for key, values in choices.items()} for _ in range(count)]


GRID = [{**_BASE, **case} for case in _CASES + _random_cases(14)]


def _expected(case: dict[str, float], normals: list[float], memory: MemoryWeights) -> tuple[list[float], float]:
    """The three moments and the remembered experience, from psychology alone (with the customer's weights)."""
    expect = {"service": float(case["E1"]), "product": float(case["E2"])}
    importance = {"service": float(case["I1"]), "product": float(case["I2"])}
    touchpoints = [
        ([case["D1"]], [("service", case["P1"])], 0.0),
        ([case["D2"]], [], float(case["N"])),
        ([case["D3"], case["D3"]], [("service", case["P2"]), ("product", case["P3"])], 0.0),
    ]
    moments: list[float] = []
    previous = 0.0
    for (effects, performance, noise), z in zip(touchpoints, normals, strict=True):
        direct = psy.direct_effect(0.0, [(m, float(v)) for m, v in enumerate(effects)], [1.0] * len(effects))
        disconfirmed = (
            psy.disconfirmation(
                [(float(v), expect[f], importance[f]) for f, v in performance], case["L"], case["A"], case["W"]
            )
            if performance
            else 0.0
        )
        previous = psy.momentary_affect(direct, disconfirmed, 0.0, noise * z, psy.carried_mood(previous, case["C"]))
        moments.append(previous)
    remembered = psy.remembered_experience(
        psy.most_extreme(moments), moments[-1], sum(moments) / len(moments), 0.0, memory.peak, memory.end, memory.mean
    )
    return moments, remembered


def _normals(engine: Engine) -> list[float]:
    """The normal number of the first visit of each touchpoint of the first customer."""
    _, _, z_row, offset, _ = engine.blocks.customer(1)
    return [z_row[offset + engine._columns.first_visit + tp.index] for tp in engine.plan.touchpoints]


def _memory(engine: Engine, case: dict[str, float]) -> MemoryWeights:
    """The first customer's memory weights: the journey's, or their own drawn around them."""
    key, u_row, z_row, offset, _ = engine.blocks.customer(1)
    weights = engine._memory[0].draw(key, u_row, z_row, offset, engine._columns.memory)
    if not case["S"]:
        assert (weights.peak, weights.end, weights.mean) == (case["wp"], case["we"], case["wm"])
    else:
        assert weights.peak != case["wp"] and sum((weights.peak, weights.end, weights.mean)) == pytest.approx(
            case["wp"] + case["we"] + case["wm"]
        )
    return weights


@pytest.mark.parametrize("case", GRID, ids=[f"case{i}" for i in range(len(GRID))])
def test_moments_and_judgements_are_the_models_both_ways(case):
    plan = compile_plan(loads(_JOURNEY.format(**case)))
    run = RunSettings(customers=1)
    inline = Engine(plan, run, seed=3)
    assert inline.walked_in_line() == {"a", "b", "c"}
    moments, remembered = _expected(case, _normals(inline), _memory(inline, case))
    rows: list[TraceRow] = []
    collectors = {"in line": inline.execute(), "general": Engine(plan, run, seed=3, trace=rows.append).execute()}
    # The general path: each moment, to the bit.
    assert [bits(row.affect) for row in rows] == [bits(m) for m in moments]
    sat = psy.satisfaction(remembered, 7.0, 0.5)
    score = psy.likelihood_to_recommend(remembered, 7.0, 0.6)
    promoter, passive, detractor, nps = psy.nps_shares(score)
    for way, collector in collectors.items():
        # One customer, one visit per touchpoint: the sums are the moments and the judgement.
        assert collector.affect_sum == moments, way
        assert collector.metric("remembered_experience").total == remembered, way
        assert collector.metric("satisfaction").total == sat, way
        assert collector.recommendation[score] == 1, way
        assert collector.metric("return_rate").total == psy.return_probability(sat, -5.6, 0.7), way
        assert [collector.metric(name).total for name in ("promoters", "passives", "detractors", "nps")] == [
            promoter,
            passive,
            detractor,
            nps,
        ], way


def test_the_grid_reaches_the_edges_of_the_scales():
    # The grid is only worth what it covers: satisfaction clipped at both ends and between, every
    # NPS category, gains, losses and no gap.
    satisfactions, categories, gaps = set(), set(), set()
    for case in GRID:
        engine = Engine(compile_plan(loads(_JOURNEY.format(**case))), RunSettings(customers=1), seed=3)
        _, remembered = _expected(case, _normals(engine), _memory(engine, case))
        sat = psy.satisfaction(remembered, 7.0, 0.5)
        satisfactions.add(sat if sat in (0.0, 10.0) else "between")
        categories.add(psy.nps_category(psy.likelihood_to_recommend(remembered, 7.0, 0.6)))
        gaps.update((p > e) - (p < e) for p, e in ((case["P1"], case["E1"]), (case["P3"], case["E2"])))
    assert satisfactions == {0.0, 10.0, "between"}
    assert categories == {"promoter", "passive", "detractor"}
    assert gaps == {-1, 0, 1}


# ---- waiting in a queue -------------------------------------------------------------------------

_QUEUE = """
journey "queue" {{
  time unit minutes
  arrivals cohort 2
  affect {{ carry_over {C}; noise 0 }}
  waiting {{ penalty {penalty}; renege 3 }}
  spread {{ patience 0; judgement 0; sensitivity 0 }}
  word_of_mouth {{ referral_conversion 0 }}
  segment everyone {{ patience 5 min }}
  stage s goal {{ touchpoint desk: staff capacity 1 duration {service} min {{ feel +1 }} }}
}}
"""


@pytest.mark.parametrize("penalty", [0.5, 1.2])
@pytest.mark.parametrize(
    ("service", "carry"),
    [(3.0, 0.3), (5.0, 0.3), (8.0, 0.0), (8.0, 0.9), (14.0, 0.3), (20.0, 0.3)],
)
def test_waiting_is_the_models_below_at_and_beyond_patience(service, carry, penalty):
    # Two customers arrive together at a desk with one server: the second waits for the first's
    # service, below, at or beyond their patience of 5 minutes, or gives up after 3 x 5 minutes.
    plan = compile_plan(loads(_QUEUE.format(C=carry, penalty=penalty, service=service)))
    rows: list[TraceRow] = []
    Engine(plan, RunSettings(customers=2), seed=1, trace=rows.append).execute()
    first, second = sorted(rows, key=lambda row: row.customer)
    assert (first.wait, first.affect) == (0.0, psy.momentary_affect(1.0, 0.0, 0.0, 0.0, psy.carried_mood(0.0, carry)))
    gives_up = service > 15.0
    wait = 15.0 if gives_up else service
    assert (second.wait, second.reneged) == (wait, gives_up)
    waited = psy.waiting_affect(wait, 5.0, penalty)
    # Giving up: no direct effect, no disconfirmation, no noise; only the wait (and no mood yet).
    expected = psy.momentary_affect(0.0 if gives_up else 1.0, 0.0, waited, 0.0, psy.carried_mood(0.0, carry))
    assert second.affect == expected
    assert (waited < 0.0) == (wait > 5.0)


# ---- a failure's effects ------------------------------------------------------------------------

_FAILING = """
journey "failing" {{
  time unit minutes
  arrivals cohort 1
  affect {{ carry_over {C}; loss_aversion {L}; noise 0 }}
  spread {{ expectation 0; importance 0; sensitivity 0; loss_aversion 0; judgement 0 }}
  word_of_mouth {{ referral_conversion 0 }}
  factor service expect 7 importance 8
  touchpoint apology: staff {{ relate +2; performance service 9 }}
  stage s goal {{
    touchpoint wifi: environment {{ sense +1; performance service 8
      failure down 100% {{ feel {F:+g}; think -1; performance service {P} }} recover by apology }}
  }}
}}
"""


@pytest.mark.parametrize(("F", "P", "C", "L"), [(-3, 2, 0.3, 2.25), (2, 10, 0.0, 1.0), (-5, 0, 0.99, 5.0)])
def test_a_failure_and_its_recovery_are_the_models(F, P, C, L):
    # The failure's effects add to the touchpoint's, its performance figure is one more term of the
    # disconfirmation (the factor counts twice), and the recovery is the next moment.
    plan = compile_plan(loads(_FAILING.format(F=F, P=P, C=C, L=L)))
    rows: list[TraceRow] = []
    Engine(plan, RunSettings(customers=1), seed=5, trace=rows.append).execute()
    assert [(row.touchpoint, row.failure) for row in rows] == [("wifi", "down"), ("apology", "")]
    # Sensitivities are 1: the touchpoint's sense +1, then the failure's feel and think, in module order.
    direct = psy.direct_effect(psy.direct_effect(0.0, [(0, 1.0)], [1.0]), [(0, float(F)), (1, -1.0)], [1.0, 1.0])
    disconfirmed = psy.disconfirmation([(8.0, 7.0, 8.0), (float(P), 7.0, 8.0)], L, 0.88, 1.0)
    failed = psy.momentary_affect(direct, disconfirmed, 0.0, 0.0, psy.carried_mood(0.0, C))
    apology = psy.disconfirmation([(9.0, 7.0, 8.0)], L, 0.88, 1.0)
    recovered = psy.momentary_affect(2.0, apology, 0.0, 0.0, psy.carried_mood(failed, C))
    assert [row.affect for row in rows] == [failed, recovered]


# ---- carried-over mood fades with the time between two moments ---------------------------------

_FADING = """
journey "fading" {{
  time unit {unit}
  arrivals cohort 1
  affect {{ carry_over {C}; half_life {H}; noise 0 }}
  spread {{ sensitivity 0; judgement 0 }}
  word_of_mouth {{ referral_conversion 0 }}
  stage prepare {{
    touchpoint laxative: product duration {prep} {{ feel -5 }}
    -> visit after {gap}
  }}
  stage visit goal {{
    touchpoint reception: staff duration 5 min {{ feel +2 }}
    touchpoint desk: staff capacity 1 duration 10 min {{ think +1 }}
    touchpoint goodbye: staff {{ feel +1 }}
  }}
}}
"""


def _fading_moments(case: dict[str, object]) -> list[float]:
    """The four moments from psychology alone: the gap fades the first mood, the rest follow straight on."""
    rate = psy.fading_rate(float(case["H"]))  # times below in minutes
    gap = float(case["gap_minutes"])  # type: ignore[arg-type]
    first = psy.momentary_affect(-5.0, 0.0, 0.0, 0.0, psy.carried_mood(0.0, case["C"]))  # type: ignore[arg-type]
    reception = psy.momentary_affect(2.0, 0.0, 0.0, 0.0, psy.carried_mood(first, case["C"], gap, rate))  # type: ignore[arg-type]
    desk = psy.momentary_affect(1.0, 0.0, 0.0, 0.0, psy.carried_mood(reception, case["C"]))  # type: ignore[arg-type]
    goodbye = psy.momentary_affect(1.0, 0.0, 0.0, 0.0, psy.carried_mood(desk, case["C"]))  # type: ignore[arg-type]
    return [first, reception, desk, goodbye]


FADING = [
    {"unit": "minutes", "C": 0.3, "H": 60, "prep": "10 min", "gap": "60 min", "gap_minutes": 60},
    {"unit": "hours", "C": 0.3, "H": 60, "prep": "10 min", "gap": "60 min", "gap_minutes": 60},
    {"unit": "seconds", "C": 0.3, "H": 60, "prep": "10 min", "gap": "60 min", "gap_minutes": 60},
    {"unit": "days", "C": 0.99, "H": 30, "prep": "2 h", "gap": "12 h", "gap_minutes": 720},
    {"unit": "minutes", "C": 0.3, "H": 525600, "prep": "1 min", "gap": "1 day", "gap_minutes": 1440},
    {"unit": "minutes", "C": 0.0, "H": 60, "prep": "1 min", "gap": "1 min", "gap_minutes": 1},
    {"unit": "hours", "C": 0.5, "H": 1, "prep": "1 min", "gap": "1 min", "gap_minutes": 1},
]


@pytest.mark.parametrize("case", FADING, ids=[f"{c['unit']}-{c['gap']}-h{c['H']}" for c in FADING])
def test_carried_mood_fades_with_the_time_between_moments_in_any_time_unit(case):
    # The mood of the first moment fades over the delay before the second (an hour, half a day, a
    # day, a minute), whatever the journey's time unit; the moments after follow straight on, in a
    # queue or not, and carry the full carry_over. Both paths give the same bits; the model's
    # functions, worked in minutes, the same numbers to within rounding of the time unit's conversion.
    plan = compile_plan(loads(_FADING.format(**case)))
    rows: list[TraceRow] = []
    inline = Engine(plan, RunSettings(customers=1), seed=1).execute()
    general = Engine(plan, RunSettings(customers=1), seed=1, trace=rows.append).execute()
    assert [bits(v) for v in inline.affect_sum] == [bits(v) for v in general.affect_sum]
    assert [bits(v) for v in inline.segment_carried[0]] == [bits(v) for v in general.segment_carried[0]]
    expected = _fading_moments(case)
    assert [row.affect for row in rows] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    # What the collector calls carried in is the moment less the touchpoint's own effect.
    own = [-5.0, 2.0, 1.0, 1.0]
    assert general.segment_carried[0] == pytest.approx([m - o for m, o in zip(expected, own, strict=True)], abs=1e-12)


def test_a_mood_half_a_day_old_carries_next_to_nothing_and_one_half_life_old_half():
    # A colonoscopy: the bowel preparation the evening before (felt -10.1) no longer colours the
    # reception (written feel +2); with the old constant carry-over it was felt as 2 - 3.03 = -1.03.
    text = _FADING.replace("feel -5", "feel -5; act -5; sense -0.1")
    case = {"unit": "hours", "C": 0.3, "H": 60, "prep": "1 h", "gap": "12 h"}
    rows: list[TraceRow] = []
    Engine(compile_plan(loads(text.format(**case))), RunSettings(customers=1), seed=1, trace=rows.append).execute()
    reception = rows[1].affect
    assert reception == pytest.approx(2.0 - 3.03 * 2.0**-12, abs=1e-12)
    assert 1.999 < reception < 2.0
    rows.clear()
    case = {**case, "gap": "60 min"}
    Engine(compile_plan(loads(text.format(**case))), RunSettings(customers=1), seed=1, trace=rows.append).execute()
    assert rows[1].affect == pytest.approx(2.0 - 3.03 / 2, abs=1e-12)
