"""Student's t quantile written in the package (journeydsl.sim.quantiles) agrees with SciPy's and with theory.

Tolerance: 1e-9 relative against ``scipy.special.stdtrit`` for 1 to 1,000 degrees of freedom and levels
0.8 to 0.999 (intervals print six significant digits, so 1e-6 would do; the method reaches about 1e-12
there, and 1e-9 leaves room for SciPy's own error, which is near 1e-9 for levels close to 0.5).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from journeydsl.sim.quantiles import t_quantile, t_upper_tail

LEVELS = (0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999)
RELATIVE = 1e-9


def test_agrees_with_scipy_for_1_to_1000_degrees_of_freedom():
    special = pytest.importorskip("scipy.special")
    worst = 0.0
    for df in range(1, 1001):
        for level in LEVELS:
            ours, theirs = t_quantile(df, level), float(special.stdtrit(df, level))
            worst = max(worst, abs(ours - theirs) / theirs)
    assert worst < RELATIVE


@pytest.mark.parametrize("df", [1.5, 2.5, 7.25, 1500, 20_000, 10**6])
def test_agrees_with_scipy_for_fractional_and_large_degrees_of_freedom(df):
    special = pytest.importorskip("scipy.special")
    for level in (0.55, *LEVELS, 0.9999):
        theirs = float(special.stdtrit(df, level))
        assert t_quantile(df, level) == pytest.approx(theirs, rel=RELATIVE)


def test_exact_forms_for_one_and_two_degrees_of_freedom():
    # Cauchy: tan(pi (p - 1/2)); two degrees of freedom: (2p - 1) / sqrt(2 p (1 - p)).
    assert t_quantile(1, 0.75) == pytest.approx(1.0, rel=1e-15)
    assert t_quantile(2, 0.975) == pytest.approx(4.302652729749464, rel=1e-14)


def test_textbook_values():
    # Two-sided 95% critical values from any table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
    table = {1: 12.706, 2: 4.303, 4: 2.776, 9: 2.262, 29: 2.045, 100: 1.984}
    for df, value in table.items():
        assert round(t_quantile(df, 0.975), 3) == value


def test_symmetric_and_monotone():
    assert t_quantile(5, 0.5) == 0.0
    assert t_quantile(5, 0.1) == -t_quantile(5, 0.9)
    values = [t_quantile(5, level) for level in LEVELS]
    assert values == sorted(values)
    assert [t_quantile(df, 0.975) for df in (1, 2, 5, 30, 1000)] == sorted(
        (t_quantile(df, 0.975) for df in (1, 2, 5, 30, 1000)), reverse=True
    )


def test_approaches_the_normal_quantile():
    normal = NormalDist().inv_cdf(0.975)
    assert t_quantile(math.inf, 0.975) == normal
    assert t_quantile(10**7, 0.975) == pytest.approx(normal, rel=1e-6)


def test_inverts_the_tail():
    for df in (1, 3, 10, 250):
        for level in LEVELS:
            assert t_upper_tail(df, t_quantile(df, level)) == pytest.approx(1 - level, rel=1e-10)


@pytest.mark.parametrize(("df", "level"), [(0, 0.9), (-1, 0.9), (math.nan, 0.9), (5, 0.0), (5, 1.0), (5, math.nan)])
def test_refuses_what_has_no_quantile(df, level):
    with pytest.raises(ValueError):
        t_quantile(df, level)


def test_results_intervals_use_it():
    from journeydsl.sim.results import interval

    # mean 3, standard error 2, 4 degrees of freedom: 3 +- 2.776445 * 2.
    assert interval(3.0, 2.0, 4)["ci95"] == [pytest.approx(3 - 5.55289), pytest.approx(3 + 5.55289)]
