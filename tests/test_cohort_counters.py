"""A cohort's counters are observed and staffed until they have served everyone (no steady state).

A cohort of 30 customers arrives at once at a counter of 4 servers with a fixed 10-minute service:
the counter serves rounds of 4 (the last round 2), so it works 8 rounds, 80 minutes; its
utilisation is 30 x 10 / (4 x 80) = 0.9375 exactly, its staff are paid 4 x 80 minutes, and the
mean wait is (4 x (0 + 10 + ... + 60) + 2 x 70) / 30 minutes.  These are exact: any departure is a
bug, so the tolerance is rounding only.
"""

from __future__ import annotations

import pytest

from journeydsl.api import loads, simulate

COHORT = """
journey "Cohort" {
  time unit minutes
  arrivals cohort 30
  stage desk goal {
    touchpoint front: staff capacity 4 duration fixed(10 min) staff cost 60 per hour { feel +1 }
  }
}
"""


def test_a_cohort_counter_is_observed_and_paid_until_served_out() -> None:
    results = simulate(loads(COHORT), replications=1, workers=1).results
    front = results["touchpoints"]["front"]
    assert front["utilisation"] == pytest.approx(30 * 10 / (4 * 80))
    assert front["staff"]["hours"] == pytest.approx(80 / 60, abs=1e-5)
    assert front["staff"]["cost"] == pytest.approx(4 * 60 * 80 / 60)
    assert front["wait_mean"] == pytest.approx((4 * sum(range(0, 70, 10)) + 2 * 70) / 30, abs=1e-4)
    # Staff cost is shared by the customers: 320 / 30 each.
    assert results["metrics"]["cost_per_customer"]["mean"] == pytest.approx(320 / 30, abs=1e-4)


def test_a_cohort_with_twice_the_servers_is_busy_half_as_long_and_costs_the_same() -> None:
    doubled = COHORT.replace("capacity 4", "capacity 8")
    front = simulate(loads(doubled), replications=1, workers=1).results["touchpoints"]["front"]
    # Rounds of 8: 4 rounds (the last 6), 40 minutes.
    assert front["utilisation"] == pytest.approx(30 * 10 / (8 * 40))
    assert front["staff"]["cost"] == pytest.approx(8 * 60 * 40 / 60)
