"""Duration distributions as value objects: validated on construction, sampled from a seeded RNG.

Each distribution prints itself in the language's syntax, knows its mean, and
samples from a :class:`random.Random` passed in (never a global).  Durations
are in the journey's time unit; negative draws cannot happen (the normal is
truncated at zero by resampling).

Examples
--------
>>> import random
>>> d = Uniform(5.0, 15.0)
>>> d.mean
10.0
>>> 5.0 <= d.sample(random.Random(1)) <= 15.0
True
>>> str(Exponential(3.0))
'exponential(3)'
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist

from ..lang.model import DistributionSpec
from ..lang.units import to_time_unit

__all__ = [
    "Distribution",
    "Fixed",
    "Uniform",
    "Triangular",
    "Normal",
    "LogNormal",
    "Gamma",
    "Exponential",
    "Empirical",
    "from_spec",
    "regularized_gamma",
    "gamma_quantile",
]


_STANDARD_NORMAL = NormalDist()


def _fmt(value: float) -> str:
    return f"{value:g}"


class Distribution:
    """Base class: ``draw(u)`` turns one uniform number into a duration, ``mean`` is the expected value.

    Every distribution is sampled by inversion from a single uniform number, so
    that the simulator can give each duration its own keyed random number
    (common random numbers across designs, see :mod:`journeydsl.sim.streams`).
    """

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        """The expected duration."""
        raise NotImplementedError

    def draw(self, u: float) -> float:  # pragma: no cover - abstract
        """The duration at quantile ``u`` (0 <= u < 1)."""
        raise NotImplementedError

    def sample(self, rng: random.Random) -> float:
        """One duration drawn with ``rng``."""
        return self.draw(rng.random())


@dataclass(frozen=True)
class Fixed(Distribution):
    """Always the same duration."""

    value: float

    def __post_init__(self) -> None:
        if not self.value >= 0:
            raise ValueError(f"a duration cannot be negative: {self.value}")

    @property
    def mean(self) -> float:
        return self.value

    def draw(self, u: float) -> float:
        return self.value

    def __str__(self) -> str:
        return f"fixed({_fmt(self.value)})"


@dataclass(frozen=True)
class Uniform(Distribution):
    """Any duration between ``low`` and ``high`` equally likely."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (0 <= self.low < self.high):
            raise ValueError(f"uniform needs 0 <= low < high, got {self.low}, {self.high}")

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def draw(self, u: float) -> float:
        return self.low + (self.high - self.low) * u

    def __str__(self) -> str:
        return f"uniform({_fmt(self.low)}, {_fmt(self.high)})"


@dataclass(frozen=True)
class Triangular(Distribution):
    """Between ``low`` and ``high``, most often near ``mode``."""

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        if not (0 <= self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("triangular needs 0 <= low <= mode <= high and low < high")

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def draw(self, u: float) -> float:
        low, mode, high = self.low, self.mode, self.high
        split = (mode - low) / (high - low)
        if u < split:
            return low + math.sqrt(u * (high - low) * (mode - low))
        return high - math.sqrt((1.0 - u) * (high - low) * (high - mode))

    def __str__(self) -> str:
        return f"triangular({_fmt(self.low)}, {_fmt(self.mode)}, {_fmt(self.high)})"


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with ``mean`` and standard deviation ``sd``, truncated at zero (redrawn when negative).

    ``mean`` reports the mean of the truncated distribution.
    """

    mu: float
    sd: float

    def __post_init__(self) -> None:
        if not (self.mu > 0 and self.sd >= 0):
            raise ValueError("normal needs a mean above 0 and a spread of 0 or more")

    @property
    def mean(self) -> float:
        if self.sd == 0:
            return self.mu
        alpha = -self.mu / self.sd
        pdf = math.exp(-alpha * alpha / 2) / math.sqrt(2 * math.pi)
        survival = 0.5 * math.erfc(alpha / math.sqrt(2))
        return self.mu + self.sd * pdf / survival

    def draw(self, u: float) -> float:
        if self.sd == 0:
            return self.mu
        # Inversion within the part of the normal above zero: exact truncation, one number.
        below = _STANDARD_NORMAL.cdf(-self.mu / self.sd)
        quantile = below + u * (1.0 - below)
        return max(0.0, self.mu + self.sd * _STANDARD_NORMAL.inv_cdf(min(max(quantile, 1e-300), 1.0 - 1e-16)))

    def __str__(self) -> str:
        return f"normal({_fmt(self.mu)}, {_fmt(self.sd)})"


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Log-normal with the given ``mean`` and standard deviation ``sd`` of the duration itself."""

    mu: float
    sd: float

    def __post_init__(self) -> None:
        if not (self.mu > 0 and self.sd > 0):
            raise ValueError("lognormal needs a mean and a spread above 0")

    @property
    def sigma(self) -> float:
        """Standard deviation of the logarithm."""
        return math.sqrt(math.log(1 + (self.sd / self.mu) ** 2))

    @property
    def log_mean(self) -> float:
        """Mean of the logarithm."""
        return math.log(self.mu) - self.sigma**2 / 2

    @property
    def mean(self) -> float:
        return self.mu

    def draw(self, u: float) -> float:
        return math.exp(self.log_mean + self.sigma * _STANDARD_NORMAL.inv_cdf(min(max(u, 1e-300), 1.0 - 1e-16)))

    def __str__(self) -> str:
        return f"lognormal({_fmt(self.mu)}, {_fmt(self.sd)})"


# ---- the gamma distribution: regularized incomplete gamma and its inverse -------------------------

#: Relative precision of the series and the continued fraction (a little above the double's epsilon).
_GAMMA_EPS = 1e-15
#: A number near the smallest double, for the modified Lentz continued fraction.
_TINY = 1e-300


def _gamma_series(a: float, x: float, log_front: float) -> float:
    """P(a, x) by its series: exp(-x) x^a / Gamma(a + 1) * sum x^n / ((a + 1) ... (a + n))."""
    term = total = 1.0 / a
    ap = a
    for _ in range(100_000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _GAMMA_EPS:
            break
    return total * math.exp(log_front)


def _gamma_fraction(a: float, x: float, log_front: float) -> float:
    """Q(a, x) by its continued fraction (modified Lentz), for x > a + 1."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _GAMMA_EPS:
            break
    return math.exp(log_front) * h


#: From this shape on, P and Q are integrated by quadrature: the series and the continued
#: fraction need a number of terms growing as sqrt(shape).
_QUADRATURE_SHAPE = 100.0
#: Points of the Gauss-Legendre rule of that quadrature (24: within 1e-12 of the exact value
#: for shapes 100 to 1e6, checked against scipy and, at 1e6, mpmath).
_QUADRATURE_POINTS = 24


@functools.cache
def _gauss_legendre(n: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Nodes and weights of the ``n``-point Gauss-Legendre rule on [0, 1] (Newton on P_n, NR 4.6)."""
    nodes, weights = [], []
    for i in range(1, n + 1):
        z = math.cos(math.pi * (i - 0.25) / (n + 0.5))
        derivative = 1.0
        for _ in range(100):
            p1, p2 = 1.0, 0.0
            for j in range(1, n + 1):
                p1, p2 = ((2 * j - 1) * z * p1 - (j - 1) * p2) / j, p1
            derivative = n * (z * p1 - p2) / (z * z - 1.0)
            previous, z = z, z - p1 / derivative
            if abs(z - previous) < 1e-15:
                break
        nodes.append(0.5 * (1.0 - z))
        weights.append(1.0 / ((1.0 - z * z) * derivative * derivative))
    return tuple(nodes), tuple(weights)


def _log1pmx(d: float) -> float:
    """``log(1 + d) - d`` without cancellation for small ``d`` (its series below 0.1)."""
    if abs(d) >= 0.1:
        return math.log1p(d) - d
    total, power = 0.0, d
    for k in range(2, 60):
        power *= -d
        total += power / k
        if abs(power) < 1e-17 * k * abs(total):
            break
    return total


def _log_density_large(a: float, t: float) -> float:
    """log of t^(a-1) exp(-t) / Gamma(a) for a large shape, free of the cancellation of its terms.

    With a1 = a - 1: a1 log1pmx((t - a1)/a1) plus log(a1^a1 exp(-a1) / Gamma(a)), the latter by
    Stirling's series (its next term is below 1e-17 for a >= 100).
    """
    a1 = a - 1.0
    r = 1.0 / a1
    stirling = -0.5 * math.log(2.0 * math.pi * a1) - r / 12.0 + r**3 / 360.0 - r**5 / 1260.0
    return a1 * _log1pmx((t - a1) / a1) + stirling


def _gamma_quadrature(a: float, x: float) -> tuple[float, float]:
    """``(P, Q)`` for a large shape: Gauss-Legendre quadrature of the density over the tail beyond x.

    The smaller tail is integrated, from x to a point far out in it (Numerical Recipes,
    ``gammpapprox``, section 6.2), so that both keep their relative precision.
    """
    a1 = a - 1.0
    spread = math.sqrt(a1)
    if x > a1:
        end = max(a1 + 11.5 * spread, x + 6.0 * spread)
    else:
        end = max(0.0, min(a1 - 7.5 * spread, x - 5.0 * spread))
    nodes, weights = _gauss_legendre(_QUADRATURE_POINTS)
    total = 0.0
    for node, weight in zip(nodes, weights, strict=True):
        total += weight * math.exp(_log_density_large(a, x + (end - x) * node))
    tail = abs(total * (end - x))
    return (1.0 - tail, tail) if x > a1 else (tail, 1.0 - tail)


def _regularized(a: float, x: float, log_gamma: float) -> tuple[float, float, float]:
    """``(P(a, x), Q(a, x), exp(-x) x^a / Gamma(a))`` for x > 0, ``log_gamma`` being ``lgamma(a)``."""
    if a >= _QUADRATURE_SHAPE:
        p, q = _gamma_quadrature(a, x)
        return p, q, x * math.exp(_log_density_large(a, x))
    log_front = -x + a * math.log(x) - log_gamma
    if x < a + 1.0:
        p = _gamma_series(a, x, log_front)
        return p, 1.0 - p, math.exp(log_front)
    q = _gamma_fraction(a, x, log_front)
    return 1.0 - q, q, math.exp(log_front)


def regularized_gamma(a: float, x: float) -> tuple[float, float]:
    """The regularized incomplete gamma functions ``(P(a, x), Q(a, x))``, with ``P + Q = 1``.

    ``P(a, x)`` is the probability that a gamma variable of shape ``a`` and scale 1 is at most
    ``x``.  The smaller of the two is computed directly (the series below ``a + 1``, the
    continued fraction above, and for shapes of 100 or more a Gauss-Legendre quadrature of
    the smaller tail, as in Numerical Recipes, section 6.2), so that both keep their
    relative precision in the tails.

    Parameters
    ----------
    a : float
        The shape, above 0.
    x : float
        The point, 0 or more.

    Returns
    -------
    tuple of float
        ``(P(a, x), Q(a, x))``.

    Examples
    --------
    >>> p, q = regularized_gamma(1.0, 2.0)  # the exponential: P = 1 - exp(-x)
    >>> abs(q - math.exp(-2.0)) < 1e-15
    True
    """
    if not a > 0 or x < 0:
        raise ValueError(f"the incomplete gamma needs a > 0 and x >= 0, got a={a}, x={x}")
    if x == 0:
        return 0.0, 1.0
    p, q, _ = _regularized(a, x, math.lgamma(a))
    return p, q


def gamma_quantile(a: float, u: float, start: float | None = None) -> float:
    """The ``u``-quantile of the gamma distribution of shape ``a`` and scale 1.

    Halley's method on ``P(a, x) = u`` (on ``Q(a, x) = 1 - u`` above the median, so that the
    upper tail keeps its precision), started from ``start`` when given, else from the
    Wilson-Hilferty approximation for ``a > 1`` and from the small-``x`` form
    ``P ~ x^a / Gamma(a + 1)`` below (Numerical Recipes, section 6.2.1).  Halley's method
    converges cubically: it stops after a step below 1e-6 of ``x``, which leaves an error of
    the order of 1e-18.  Agrees with ``scipy.stats.gamma.ppf`` to 1e-9 relative
    (``tests/test_gamma.py``).

    Parameters
    ----------
    a : float
        The shape, above 0.
    u : float
        The probability, 0 <= u < 1 (0 gives 0).
    start : float, optional
        A first guess above 0 (:class:`Gamma` interpolates one from a table of quantiles).

    Returns
    -------
    float

    Examples
    --------
    >>> round(gamma_quantile(1.0, 0.5), 12) == round(math.log(2.0), 12)  # the exponential's median
    True
    """
    if not a > 0:
        raise ValueError(f"the gamma quantile needs a shape above 0, got {a}")
    if u <= 0.0:
        return 0.0
    if u >= 1.0:
        return math.inf
    lower = u <= 0.5
    log_gamma = math.lgamma(a)
    if start is not None and 0.0 < start < math.inf:
        x = start
    elif a > 1.0:
        z = _STANDARD_NORMAL.inv_cdf(u)
        x = max(1e-3, a * (1.0 - 1.0 / (9.0 * a) + z / (3.0 * math.sqrt(a))) ** 3)
    else:
        t = 1.0 - a * (0.253 + a * 0.12)
        x = (u / t) ** (1.0 / a) if u < t else 1.0 - math.log1p(-(u - t) / (1.0 - t))
    # Halley's iterations: f(x) = P(a, x) - u, f' = density, f''/f' = (a - 1)/x - 1
    for _ in range(100):
        if x <= 0.0:  # below the smallest double: a shape far under 1 puts much of its mass there
            return 0.0
        p, q, front = _regularized(a, x, log_gamma)
        error = p - u if lower else (1.0 - u) - q
        density = front / x
        if density <= 0.0:
            break
        newton = error / density
        step = newton / (1.0 - 0.5 * min(1.0, newton * ((a - 1.0) / x - 1.0)))
        following = x - step
        if following <= 0.0:
            following = x / 2.0
        elif abs(step) <= 1e-6 * following:
            return following
        x = following
    return x


#: Cells of the table of quantiles a :class:`Gamma` interpolates between.
_CELLS = 1024
#: A cell is interpolated alone when the interpolation is this close to the quantile at its middle.
_CELL_TOLERANCE = 1e-11


@dataclass(frozen=True)
class _QuantileTable:
    """The quantiles of one gamma shape at u = i / _CELLS, their slopes, and the cells that need no iteration.

    Between two nodes the quantile function is interpolated by a cubic Hermite polynomial
    (values and slopes ``dx/du = 1 / density`` at both ends).  Its error is largest near the
    middle of the cell, where it is measured against the exact quantile: a cell whose error
    there is within :data:`_CELL_TOLERANCE` (relative) is ``smooth`` and drawn from the
    interpolation alone; the others (the tails' cells, where the quantile function bends
    sharply) take the interpolation as the first guess of :func:`gamma_quantile`.
    """

    x: tuple[float, ...]
    slope: tuple[float, ...]
    smooth: bytes

    def interpolate(self, cell: int, t: float) -> float:
        """The Hermite interpolation at ``t`` (0..1) of the way through ``cell``."""
        h = 1.0 / _CELLS
        t2 = t * t
        t3 = t2 * t
        return (
            (2.0 * t3 - 3.0 * t2 + 1.0) * self.x[cell]
            + (t3 - 2.0 * t2 + t) * h * self.slope[cell]
            + (3.0 * t2 - 2.0 * t3) * self.x[cell + 1]
            + (t3 - t2) * h * self.slope[cell + 1]
        )


def _inverse_density(a: float, x: float, log_gamma: float) -> float:
    """1 / the density of shape ``a`` at ``x``, or infinity where it cannot be written."""
    if x <= 0.0:
        return math.inf
    exponent = x - (a - 1.0) * math.log(x) + log_gamma
    return math.exp(exponent) if exponent < 700.0 else math.inf


@functools.lru_cache(maxsize=256)
def _quantile_table(a: float) -> _QuantileTable:
    """The table of shape ``a`` (about 2,000 quantiles: computed once per shape and process)."""
    a = float(a)
    log_gamma = math.lgamma(a)
    x = [gamma_quantile(a, i / _CELLS) for i in range(_CELLS)] + [math.inf]
    # dx/du = 1 / density; infinite where the quantile underflows or the density does (tiny shapes)
    slope = [0.0] + [_inverse_density(a, v, log_gamma) for v in x[1:-1]] + [0.0]
    table = _QuantileTable(tuple(x), tuple(slope), b"")
    smooth = bytearray(_CELLS)
    for cell in range(1, _CELLS - 1):
        exact = gamma_quantile(a, (cell + 0.5) / _CELLS)
        error = abs(table.interpolate(cell, 0.5) - exact)  # nan where a slope is infinite: not smooth
        smooth[cell] = 1 if error <= _CELL_TOLERANCE * exact else 0
    return replace(table, smooth=bytes(smooth))


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma with the given ``mean`` and standard deviation ``sd`` of the duration itself.

    Shape ``k = (mean / sd)^2`` and scale ``sd^2 / mean``: a sum of ``k`` exponential phases
    when ``k`` is whole (Erlang), skewed to the right with a lighter tail than the lognormal.
    Drawn by inversion: a cubic interpolation between quantiles tabulated once per shape
    where that is exact to 1e-11, else :func:`gamma_quantile` (within 1e-9 of scipy's
    ``gamma.ppf`` everywhere, ``tests/test_gamma.py``; about as fast as the lognormal).

    Examples
    --------
    >>> d = Gamma(6.0, 3.0)
    >>> d.shape, d.scale, d.mean
    (4.0, 1.5, 6.0)
    >>> str(d)
    'gamma(6, 3)'
    """

    mu: float
    sd: float

    def __post_init__(self) -> None:
        if not (self.mu > 0 and self.sd > 0):
            raise ValueError("gamma needs a mean and a spread above 0")

    @property
    def shape(self) -> float:
        """The shape k = (mean / sd)^2."""
        return (self.mu / self.sd) ** 2

    @property
    def scale(self) -> float:
        """The scale theta = sd^2 / mean."""
        return self.sd * self.sd / self.mu

    @property
    def mean(self) -> float:
        return self.mu

    def draw(self, u: float) -> float:
        # Interpolated between tabulated quantiles (exact to 1e-11 where the cell allows),
        # else Halley's method from the interpolation or, in the outer cells, from its own start.
        shape = self.shape
        position = u * _CELLS
        cell = int(position)
        if 1 <= cell < _CELLS - 1:
            table = _quantile_table(shape)
            guess = table.interpolate(cell, position - cell)
            if table.smooth[cell]:
                return self.scale * guess
            return self.scale * gamma_quantile(shape, u, guess)
        return self.scale * gamma_quantile(shape, min(u, 1.0 - 1e-16))

    def __str__(self) -> str:
        return f"gamma({_fmt(self.mu)}, {_fmt(self.sd)})"


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential with the given ``mean`` (memoryless service or inter-arrival times)."""

    mu: float

    def __post_init__(self) -> None:
        if not self.mu > 0:
            raise ValueError("exponential needs a mean above 0")

    @property
    def mean(self) -> float:
        return self.mu

    def draw(self, u: float) -> float:
        return -self.mu * math.log(1.0 - u)

    def __str__(self) -> str:
        return f"exponential({_fmt(self.mu)})"


@dataclass(frozen=True)
class Empirical(Distribution):
    """One of the observed durations, each equally likely."""

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.values or any(v < 0 for v in self.values) or not any(v > 0 for v in self.values):
            raise ValueError("empirical needs durations of 0 or more, at least one above 0")

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    def draw(self, u: float) -> float:
        return self.values[min(len(self.values) - 1, int(u * len(self.values)))]

    def __str__(self) -> str:
        return f"empirical({', '.join(_fmt(v) for v in self.values)})"


def from_spec(spec: DistributionSpec, time_unit: str | None) -> Distribution:
    """The distribution a checked ``duration`` stands for, in the journey's time unit."""
    values: Sequence[float] = [to_time_unit(arg, time_unit) for arg in spec.args]
    kind = spec.kind
    if kind == "fixed":
        return Fixed(values[0])
    if kind == "uniform":
        return Uniform(values[0], values[1])
    if kind == "triangular":
        return Triangular(values[0], values[1], values[2])
    if kind == "normal":
        return Normal(values[0], values[1])
    if kind == "lognormal":
        return LogNormal(values[0], values[1])
    if kind == "gamma":
        return Gamma(values[0], values[1])
    if kind == "exponential":
        return Exponential(values[0])
    if kind == "empirical":
        return Empirical(tuple(values))
    raise ValueError(f"unknown distribution {kind!r}")
