"""Operations: opening hours, staff cost and care budgets, from the text to the results.

The validations hold the simulator to figures nobody here wrote: Poisson counts per band of the
week (a chi-square test and a z test per band), Erlang C's mean wait and utilisation for an M/M/c
counter within its opening hours, and plain arithmetic for staff cost (servers x rate x hours) and
care budgets (no period's contacts ever cost more than the budget).
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict

import pytest
from scipy import stats

from journeydsl.api import care, check_text, compare, loads, simulate
from journeydsl.lang.designs import resolve
from journeydsl.lang.operations import Band, budget_for, open_days, weekdays, weighted_bands
from journeydsl.sim.engine import Engine
from journeydsl.sim.plan import compile_plan
from journeydsl.sim.schedule import Schedule
from journeydsl.sim.settings import RunSettings

#: A day and a week in minutes (the journeys below keep time in minutes).
DAY = 1440.0
WEEK = 7 * DAY
#: Arrivals as they are and nothing else: no referral brings a customer, no story moves the brand image.
PURE_ARRIVALS = "word_of_mouth { referral_conversion 0; brand_impact 0 }"


def branch(
    hours: str, *, rate: str = "80 per day", horizon: str = "14 days", counter: str = "", extra: str = ""
) -> str:
    """A one-stage journey with opening hours and one counter (time in minutes)."""
    counter = counter or "touchpoint teller: staff capacity 3 duration exponential(5 min) { feel +1 }"
    return f"""journey "Branch" {{
  time unit minutes
  horizon {horizon}
  arrivals poisson {rate}
  hours {{ {hours} }}
  {PURE_ARRIVALS}
  {extra}
  stage visit goal {{ {counter} }}
}}"""


def arrival_times(text: str, seed: int = 1) -> list[float]:
    """When each customer arrived: the time of their first touchpoint, which has no duration and no queue."""
    rows = []
    Engine(compile_plan(loads(text)), RunSettings(), seed, trace=rows.append).execute()
    return sorted(row.time for row in rows if row.touchpoint == "door")


# ---- the language ---------------------------------------------------------------------------


def test_hours_staff_cost_and_budgets_read_as_written():
    journey = loads(
        branch(
            "mon-fri 09:00-12:30, 13:30-17:00; sat 10:00-14:00; sun closed; "
            "mon, wed 12:00-12:30 weight 2; start wed 09:00; at closing turn away",
            counter="touchpoint teller: staff capacity 3 staff cost 25 per hour { feel +1 }",
            extra="segment a 40% { tier A } segment b 60% { tier B } care budget 500 per year for tier A "
            "care budget 100 per year care gift: media for all every 1 year cost 40 { feel +1 }",
        )
    )
    hours = journey.hours
    assert [
        (line.kind, [d for d, _ in line.days], [r.text for r in line.ranges], line.weight) for line in hours.lines
    ] == [
        ("open", ["mon-fri"], ["09:00-12:30", "13:30-17:00"], None),
        ("open", ["sat"], ["10:00-14:00"], None),
        ("closed", ["sun"], [], None),
        ("weight", ["mon", "wed"], ["12:00-12:30"], 2.0),
    ]
    assert (hours.start_day, hours.start_time.start, hours.closing) == ("wed", 540.0, "turn away")
    cost = journey.stages[0].touchpoints()[0].staff_cost
    assert (cost.amount, cost.per) == (25.0, "hour")
    assert [(b.amount, b.per, b.label) for b in journey.care_budgets] == [
        (500.0, "year", "tier A"),
        (100.0, "year", "all"),
    ]


def test_a_variant_replaces_the_hours_and_changes_the_staff_cost():
    journey = loads(
        branch(
            "mon-fri 09:00-17:00",
            counter="touchpoint teller: staff capacity 2 staff cost 25 per hour { feel +1 }",
            extra='variant "longer" { hours { mon-sat 08:00-20:00 } change teller capacity 3 staff cost 30 per hour }',
        )
    )
    longer = resolve(journey, "longer").journey
    assert [r.text for r in longer.hours.lines[0].ranges] == ["08:00-20:00"]
    teller = longer.stages[0].touchpoints()[0]
    assert (teller.capacity, teller.staff_cost.amount) == (3, 30.0)


def test_a_variant_s_hours_are_checked_in_its_design():
    text = branch("mon-fri 09:00-17:00", extra='variant "late" { hours { mon-fri 09:00-25:00 } }')
    (problem,) = _diagnostics(text)
    assert problem.code == "JD702" and "in design `late`" in problem.message


def test_day_words_and_the_week_they_make():
    assert weekdays("weekdays") == weekdays("mon-fri") == (0, 1, 2, 3, 4)
    assert weekdays("Sunday") == (6,) and weekdays("sat-mon") == (5, 6, 0) and weekdays("someday") is None
    journey = loads(branch("mon-fri 09:00-17:00; sat 10:00-14:00; mon-fri 12:00-14:00 weight 2"))
    bands = weighted_bands(journey.hours)
    monday = [band for band in bands if band.start < DAY]
    assert monday == [Band(540.0, 720.0, 1.0), Band(720.0, 840.0, 2.0), Band(840.0, 1020.0, 1.0)]
    assert open_days(journey.hours) == 6


@pytest.mark.parametrize(
    ("rate", "weekly"),
    [
        # per day: per open day (six of them); per hour: per open hour (44 of them); per week: calendar.
        ("80 per day", 480.0),
        ("10 per hour", 440.0),
        ("400 per week", 400.0),
        ("1200 per month", 1200.0 * 7 / 30),
    ],
)
def test_what_a_rate_means_with_opening_hours(rate, weekly):
    plan = compile_plan(loads(branch("mon-fri 09:00-17:00; sat 10:00-14:00", rate=rate)))
    # The rate is per minute of weighted open time; a week holds 44 open hours of weight 1.
    assert plan.arrivals.rate * plan.schedule.weighted_week == pytest.approx(weekly)
    assert plan.schedule.open_week == 44 * 60


def test_budgets_go_to_the_most_specific_audience():
    journey = loads(
        branch(
            "daily 09:00-17:00",
            extra="segment premier 30% { tier A } segment mass 70% { tier B } "
            "care budget 100 per year care budget 500 per year for tier A care budget 700 per year for segment premier "
            "care c: media every 1 month cost 1 { feel +1 }",
        )
    )
    assert budget_for("premier", "A", journey.care_budgets).amount == 700
    assert budget_for("other", "A", journey.care_budgets).amount == 500
    assert budget_for("mass", "B", journey.care_budgets).amount == 100
    plan = compile_plan(journey)
    assert [(b.amount, b.period, b.label) for b in plan.care_budgets] == [
        (700.0, 365 * DAY, "segment premier"),
        (100.0, 365 * DAY, "all"),
    ]


def test_valid_operations_check_clean():
    text = branch(
        "weekdays 09:00-17:00; sat 10:00-14:00; weekend closed; sat 10:00-11:00 weight 0.5; start fri 17:00",
        counter="touchpoint teller: staff capacity 3 staff cost 0.5 per min { feel +1 }",
    )
    # `weekend closed` next to Saturday hours is a contradiction (JD704); without it the block is clean.
    assert "JD704" in [d.code for d in _diagnostics(text)]
    assert _diagnostics(text.replace("weekend closed; ", "")) == []


def _diagnostics(text: str) -> list:
    return list(check_text(text, "t.journey").diagnostics)


# ---- the schedule on the clock --------------------------------------------------------------


def _random_week(rng: random.Random) -> list[Band]:
    bands = []
    for day in range(7):
        minute = rng.choice([0, 0, 300, 480])
        while minute < DAY and rng.random() < 0.8:
            end = min(DAY, minute + rng.choice([30, 60, 240, 480]))
            bands.append(Band(day * DAY + minute, day * DAY + end, rng.choice([0.0, 0.5, 1.0, 2.0])))
            minute = end + rng.choice([0, 0, 60])
    return bands


def test_schedule_inverts_its_cumulative_rate_exactly():
    """advance(), weighted_time(), open_time() and next_closing() against sums over the bands by hand."""
    rng = random.Random(2026)
    tried = 0
    while tried < 60:
        bands = _random_week(rng)
        if not any(band.weight > 0 for band in bands):
            continue
        tried += 1
        offset = rng.uniform(0, WEEK)
        schedule = Schedule.of(bands, WEEK, offset)

        def exact(start, end, weighted, bands=bands, offset=offset):
            return sum(
                max(0.0, min(end, band.end + k * WEEK - offset) - max(start, band.start + k * WEEK - offset))
                * (band.weight if weighted else 1.0)
                for k in range(-2, 6)
                for band in bands
            )

        def weight_at(time, bands=bands, offset=offset):
            position = (time + offset) % WEEK
            return next((band.weight for band in bands if band.start <= position < band.end), None)

        for _ in range(20):
            start = rng.uniform(0, 3 * WEEK)
            amount = rng.expovariate(1 / 300)
            arrival = schedule.advance(start, amount)
            assert exact(start, arrival, True) == pytest.approx(amount, rel=1e-9, abs=1e-9)
            assert weight_at(arrival - 1e-6) not in (None, 0.0)  # never lands in closed time or weight 0
            low, high = sorted(rng.uniform(0, 2 * WEEK) for _ in range(2))
            assert schedule.open_time(low, high) == pytest.approx(exact(low, high, False), abs=1e-9)
            closes = schedule.next_closing(start)
            if weight_at(start) is None:
                assert closes == start
            elif math.isfinite(closes):
                assert weight_at(closes - 1e-6) is not None and weight_at(closes + 1e-6) is None
                assert all(weight_at(start + (closes - start) * k / 100) is not None for k in range(100))


def test_a_night_opening_across_sunday_midnight_is_one_opening():
    schedule = Schedule.of([Band(0.0, 120.0), Band(WEEK - 120.0, WEEK)], WEEK)
    assert schedule.next_closing(WEEK - 60.0) == WEEK + 120.0
    assert Schedule.of([Band(0.0, WEEK)], WEEK).next_closing(1.0) == math.inf


# ---- validation: arrivals per band are Poisson ------------------------------------------------


def test_arrivals_per_hour_of_the_week_are_poisson_counts():
    """Counts per hour of the week over 30 weeks against the expected Poisson counts.

    Expected: 80 customers per open day, six open days, spread over 44 open hours with lunchtime
    (12:00-14:00 on weekdays) at weight 2, so an ordinary open hour gets 480 / 54 customers a week
    and a lunchtime hour twice that (54 = 44 open hours + 10 extra weighted lunch hours). Counts
    in disjoint hours of a Poisson process are independent Poisson variables, so the sum of
    (observed - expected)^2 / expected over the open hours is chi-square with as many degrees of
    freedom as hours (nothing is fitted); the test fails below p = 0.001, which a correct engine
    does at one seed in a thousand and an engine that spreads the day over 24 hours, ignores the
    weights or counts a Saturday as a full day fails by hundreds of standard deviations. The same
    fixed seed always gives the same verdict.
    """
    weeks = 30
    text = branch(
        "mon-fri 09:00-17:00; sat 10:00-14:00; mon-fri 12:00-14:00 weight 2",
        horizon=f"{weeks} weeks",
        counter="touchpoint door: digital { feel +1 }",
    )
    times = arrival_times(text)
    counts = [0] * 168
    for time in times:
        counts[int(time // 60) % 168] += 1
    ordinary = 480 / 54 * weeks
    expected = [0.0] * 168
    for day in range(5):
        for hour in range(9, 17):
            expected[day * 24 + hour] = ordinary * (2 if hour in (12, 13) else 1)
    for hour in range(10, 14):
        expected[5 * 24 + hour] = ordinary
    assert all(count == 0 for count, mean in zip(counts, expected, strict=True) if mean == 0)  # nobody while closed
    open_hours = [(count, mean) for count, mean in zip(counts, expected, strict=True) if mean > 0]
    assert len(open_hours) == 44
    chi2 = sum((count - mean) ** 2 / mean for count, mean in open_hours)
    assert stats.chi2.sf(chi2, df=len(open_hours)) > 0.001, chi2
    # Per band of the week, the total is Poisson too: within 3.5 standard deviations (about 1 in 2,000).
    bands = {"weekday mornings and afternoons": 0, "weekday lunchtimes": 0, "saturdays": 0}
    means = dict.fromkeys(bands, 0.0)
    for index, (count, mean) in enumerate(zip(counts, expected, strict=True)):
        if mean:
            band = (
                "saturdays"
                if index >= 5 * 24
                else "weekday lunchtimes"
                if index % 24 in (12, 13)
                else "weekday mornings and afternoons"
            )
            bands[band] += count
            means[band] += mean
    for band, count in bands.items():
        assert abs(count - means[band]) / math.sqrt(means[band]) < 3.5, (band, count, means[band])


def test_rates_per_hour_count_open_hours_and_referrals_wait_for_the_opening():
    # 10 per open hour, 8 hours a day on weekdays over 10 weeks: 4,000 expected, sd 63.
    text = branch(
        "mon-fri 09:00-17:00", rate="10 per hour", horizon="10 weeks", counter="touchpoint door: digital { feel +1 }"
    )
    assert abs(len(arrival_times(text)) - 4000) < 4 * math.sqrt(4000)
    # With referrals (delays of days, ending at any time), every arrival still falls in opening hours.
    referring = text.replace(PURE_ARRIVALS, "word_of_mouth { referral_conversion 1; base 1 }")
    schedule = compile_plan(loads(referring)).schedule
    times = arrival_times(referring)
    assert len(times) > 4000 * 1.3  # referred customers came
    assert all(schedule.is_open(time) for time in times)


def test_the_clock_starts_where_start_says():
    # Open Wednesdays 09:00-10:00 only, clock starting on a Wednesday at 09:00: the first arrivals come at once.
    text = branch(
        "wed 09:00-10:00; start wed 09:00",
        rate="600 per day",
        horizon="1 days",
        counter="touchpoint door: digital { feel +1 }",
    )
    times = arrival_times(text)
    assert times and max(times) < 60.0 and len(times) == pytest.approx(600, abs=4 * math.sqrt(600))


def test_a_cohort_comes_in_opening_hours_only():
    # Starting on a Monday at noon, open 09:00-10:00 every day: 100 customers over two days come in the
    # two open hours within them (Tuesday's and Wednesday's), one every 1.2 minutes.
    text = f"""journey "Cohort" {{
  time unit minutes
  arrivals cohort 100 over 2 days
  hours {{ daily 09:00-10:00; start mon 12:00 }}
  {PURE_ARRIVALS}
  stage visit goal {{ touchpoint door: digital {{ feel +1 }} }}
}}"""
    times = arrival_times(text)
    tuesday, wednesday = 21 * 60.0, 45 * 60.0  # 09:00 on each, from Monday 12:00
    assert times[:2] == pytest.approx([tuesday, tuesday + 1.2])
    assert times[50:52] == pytest.approx([wednesday, wednesday + 1.2]) and len(times) == 100


# ---- validation: a counter in opening hours is an M/M/c queue ---------------------------------


def erlang_c_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Erlang C's mean wait in queue of an M/M/c queue (written out here, not from the package)."""
    load = arrival_rate / service_rate
    below = sum(load**k / math.factorial(k) for k in range(servers))
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    return top / (below + top) / (servers * service_rate - arrival_rate)


def test_a_counter_open_twelve_hours_a_day_matches_erlang_c():
    """Two servers, arrivals 0.7 a minute in opening hours, exponential service of mean 2 minutes.

    Erlang C gives a mean wait of 1.9216 minutes at utilisation 0.7 in the steady state. The counter
    opens empty every morning, so its day-average wait is a little below the steady state: an
    independent plain-Python M/M/2 restarted empty every 12 hours (20,000 days) gives 1.884, 2% low.
    The tolerance is therefore 5% of Erlang C's wait plus three standard errors of the mean over
    eight replications of four weeks (waits are strongly autocorrelated, so the replications, not
    the customers, give the standard error); an engine that let arrivals run at night (half the
    load at the same daily count: a wait of 0.2) or staffed the counter with three servers (0.24)
    misses it by far. Utilisation (busy time over two servers' open time) is within 2% of 0.7: the
    busy time of some 113,000 services has a relative standard error of about 0.45% (their number
    and their lengths), and service after closing adds a little.
    """
    text = branch(
        "daily 08:00-20:00",
        rate=f"{0.7 * 60 * 12:g} per day",
        horizon="28 days",
        counter="touchpoint counter: staff capacity 2 duration exponential(2 min) { feel +1 }",
    )
    outcome = simulate(loads(text), replications=8, seed=3, workers=1)
    waits = [collector.waits[0].mean for collector in outcome.collectors]
    theory = erlang_c_wait(2, 0.7, 0.5)
    assert theory == pytest.approx(1.9216, abs=1e-4)
    mean = statistics.fmean(waits)
    standard_error = statistics.stdev(waits) / math.sqrt(len(waits))
    assert abs(mean - theory) <= 0.05 * theory + 3 * standard_error, (waits, theory)
    assert outcome.results["touchpoints"]["counter"]["utilisation"] == pytest.approx(0.7, rel=0.02)


def test_utilisation_counts_open_hours_only():
    # 80 per open day over six days and 44 hours: 480 / 44 customers an open hour, 5 minutes each, 3 servers.
    results = simulate(loads(branch("mon-fri 09:00-17:00; sat 10:00-14:00", horizon="8 weeks")), seed=1).results
    expected = 480 / 44 / 60 * 5 / 3
    assert results["touchpoints"]["teller"]["utilisation"] == pytest.approx(expected, rel=0.05)
    assert expected > 0.29  # against 80 a day around the clock: 0.093


# ---- closing --------------------------------------------------------------------------------


def _closing_run(policy: str):
    # Open 09:00-10:00 with more arrivals than one slow server can take: a queue stands at closing.
    text = branch(
        f"daily 09:00-10:00; at closing {policy}",
        rate="30 per day",
        horizon="10 days",
        counter="touchpoint teller: staff capacity 1 duration exponential(4 min) { feel +1 }",
    )
    rows = []
    results = simulate(loads(text), seed=5, trace=rows.append).results
    return rows, results


def test_turned_away_at_closing_leave_unserved_and_count_as_drops():
    rows, results = _closing_run("turn away")
    served = [row for row in rows if not row.reneged]
    sent_away = [row for row in rows if row.reneged]
    assert sent_away and served
    # Service starts only in opening hours; everyone still queueing at 10:00 was sent away then.
    assert all(540 <= (row.time + row.wait) % DAY < 600 for row in served)
    assert all((row.time + row.wait) % DAY == pytest.approx(600) for row in sent_away)
    # They felt it like a give-up (the teller is their first moment, so no mood is carried in).
    assert {round(row.affect, 12) for row in sent_away} == {-1.0}
    teller, stage = results["touchpoints"]["teller"], results["stages"]["visit"]
    assert teller["turned_away"] == len(sent_away) and teller["reneged"] == 0
    assert stage["dropped"] == len(sent_away) == stage["entered"] - len(served)
    assert results["metrics"]["conversion_rate"]["mean"] == pytest.approx(len(served) / len(rows), abs=1e-6)


def test_served_to_the_end_at_closing():
    rows, results = _closing_run("serve")
    assert not any(row.reneged for row in rows)
    assert any((row.time + row.wait) % DAY >= 600 for row in rows)  # the queue at 10:00 was served after it
    assert results["touchpoints"]["teller"]["turned_away"] == 0 and results["stages"]["visit"]["dropped"] == 0


# ---- staff cost -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "warmup", "staffed_hours"),
    [
        # Two weeks from Monday 00:00 of 5 days x 8 hours; a warm-up of a day leaves out Monday's 8.
        ("mon-fri 09:00-17:00", 0.0, 80.0),
        ("mon-fri 09:00-17:00", DAY, 72.0),
        # Starting on a Wednesday at 09:00, 14 days end on a Wednesday at 09:00: Wed-Fri 24, a week 40, Mon-Tue 16.
        ("mon-fri 09:00-17:00; start wed 09:00", 0.0, 80.0),
        # Without hours, the whole horizon is staffed.
        (None, 0.0, 14 * 24.0),
    ],
)
def test_staff_cost_is_servers_times_rate_times_staffed_hours(hours, warmup, staffed_hours):
    text = branch(
        hours or "daily 00:00-24:00",
        counter="touchpoint teller: staff capacity 3 duration exponential(5 min) cost 2 staff cost 25 per hour { feel +1 }",
    )
    if hours is None:
        text = text.replace("hours { daily 00:00-24:00 }", "")
    outcome = simulate(loads(text), seed=1, warmup=warmup)
    results = outcome.results
    staff = results["touchpoints"]["teller"]["staff"]
    assert staff == {"servers": 3, "cost_per_hour": 25.0, "hours": staffed_hours, "cost": 3 * 25 * staffed_hours}
    costs = results["costs"]
    assert costs["staff"] == 3 * 25 * staffed_hours
    assert costs["contact"] == results["touchpoints"]["teller"]["cost"]
    customers = results["customers"]
    # The staff cost is shared by the customers counted: cost per customer = contacts + staff, each / customers.
    assert results["metrics"]["cost_per_customer"]["mean"] == pytest.approx(
        (costs["contact"] + costs["staff"]) / customers, rel=1e-5
    )


def test_a_third_teller_is_not_free():
    text = branch(
        "mon-fri 09:00-17:00",
        counter="touchpoint teller: staff capacity 2 duration exponential(5 min) staff cost 25 per hour { feel +1 }",
        extra='variant "third teller" { change teller capacity 3 }',
    )
    document = compare(loads(text), seed=1, workers=1)
    third = document["results"]["third teller"]
    customers = third["customers"]
    assert customers == document["results"]["baseline"]["customers"]  # the same customers (common random numbers)
    # No patience, no contact cost: the designs differ in cost by one teller's 80 hours alone.
    difference = document["differences"]["third teller"]["metrics"]
    assert difference["cost_per_customer"]["mean"] == pytest.approx(25 * 80 / customers, rel=1e-5)
    assert difference["profit"]["mean"] == pytest.approx(-25 * 80 / customers, rel=1e-5)


# ---- care budgets ---------------------------------------------------------------------------

CARE = """journey "Care" {{
  time unit days
  horizon 3 years
  arrivals cohort 400
  segment premier 40% {{ tier A; value 100 }}
  segment mass 60% {{ tier B; value 50 }}
  {budgets}
  stage visit goal {{ touchpoint door: digital {{ feel +1 }} }}
  care card: media for all every 1 month cost 3 {{ feel +1 }}
  care gift: delegated for all every 3 months cost 40 {{ feel +1 }}
  care trip: event for tier A every 1 year cost 450 {{ relate +3 }}
}}"""
BUDGETS = "care budget 500 per year for tier A\n  care budget 100 per year for tier B"


def test_care_budgets_are_never_exceeded():
    journey = loads(CARE.format(budgets=BUDGETS))
    rows = []
    Engine(compile_plan(journey), RunSettings(), 11, trace=rows.append).execute()
    converted = {row.customer: row.time for row in rows if row.touchpoint == "door"}
    budget = {"premier": 500.0, "mass": 100.0}
    cost = {"card": 3.0, "gift": 40.0, "trip": 450.0}
    spent: dict[tuple[int, int], float] = defaultdict(float)
    segment = {}
    for row in rows:
        if row.touchpoint in cost:
            period = int((row.time - converted[row.customer]) // 365)
            spent[(row.customer, period)] += cost[row.touchpoint]
            segment[row.customer] = row.segment
    assert spent and all(total <= budget[segment[customer]] + 1e-9 for (customer, _), total in spent.items())
    # The budgets bind: some premier years are spent to the last card (a trip of 450 and cards fill 500).
    assert max(spent[key] for key in spent if segment[key[0]] == "premier") > 450


def test_contacts_over_budget_are_not_made_and_counted():
    with_budgets = simulate(loads(CARE.format(budgets=BUDGETS)), seed=11).results["touchpoints"]
    without = simulate(loads(CARE.format(budgets="")), seed=11).results["touchpoints"]
    for name in ("card", "gift", "trip"):
        # The same contacts fall due (the same keyed dates); those over budget are only not made.
        assert with_budgets[name]["visits"] + with_budgets[name]["over_budget"] == without[name]["visits"]
        assert with_budgets[name]["cost"] == with_budgets[name]["visits"] * {"card": 3, "gift": 40, "trip": 450}[name]
        assert without[name]["over_budget"] == 0
    assert with_budgets["trip"]["over_budget"] > 0 and with_budgets["gift"]["over_budget"] > 0


def test_the_care_analysis_counts_contacts_over_budget():
    document = care(loads(CARE.format(budgets=BUDGETS)), customers=200, seed=11, workers=1)
    assert document["budgets"] == {
        "tier A": {"amount": 500.0, "per": "year"},
        "tier B": {"amount": 100.0, "per": "year"},
    }
    programmes = document["programmes"]
    assert programmes["trip"]["over_budget"] > 0
    assert programmes["any care"]["contacts"] == sum(programmes[n]["contacts"] for n in ("card", "gift", "trip"))


def test_a_time_past_the_hour_is_not_read_as_the_next_hour():
    # 17:60 is not 18:00: the transformer keeps the text, and the checks refuse it.
    assert [d.code for d in _diagnostics(branch("mon 09:00-17:60"))] == ["JD702"]
