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

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
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
    "Exponential",
    "Empirical",
    "from_spec",
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
    if kind == "exponential":
        return Exponential(values[0])
    if kind == "empirical":
        return Empirical(tuple(values))
    raise ValueError(f"unknown distribution {kind!r}")
