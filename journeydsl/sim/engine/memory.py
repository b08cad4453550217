"""Memory weights: how much each customer's memory of an episode weighs its peak, end, mean and integral.

People differ in how they remember: in the cold-water experiment 22 of 32
subjects chose to repeat the longer trial and 10 did not (Kahneman,
Fredrickson, Schreiber & Redelmeier 1993).  Each customer therefore remembers
with weights of their own, drawn once from a Dirichlet distribution around
their segment's ``memory`` weights: with ``s`` the segment's ``spread.memory``
and ``W`` the sum of its weights, the customer's weights are ``W`` times a
Dirichlet vector of concentration ``1/s^2 - 1`` whose mean is the segment's
shares ``w / W``.  Their mean is then the segment's weights, their sum is
always ``W``, a weight of 0 stays 0, and each weight's standard deviation is
``s * sqrt(w (W - w))``.  ``s = 0`` gives every customer the segment's weights.

The Dirichlet vector is made of Gamma numbers (one per weight, divided by
their sum), drawn by the method of Marsaglia & Tsang (2000) from the
customer's keyed uniform and normal number of that weight's column (see
:func:`~journeydsl.sim.engine.customers.customer_columns`), so a customer has
the same weights in every design.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..plan import SegmentPlan
from ..psychology import remembered_experience
from ..streams import site, uniform, uniform_and_normal
from .keys import MASK, NUMBER

__all__ = [
    "MEMORY_PARTS",
    "MEMORY_SITES",
    "MemorySpread",
    "MemoryWeights",
    "GammaShape",
    "gamma_variate",
    "episode_memory",
]

#: The weights of a memory, in the order of a customer's columns.
MEMORY_PARTS = ("peak", "end", "mean", "integral")
#: The decision key of each weight's column.
MEMORY_SITES = tuple(site("memory:" + part) for part in MEMORY_PARTS)
#: The key of the extra uniform number a Gamma number of shape below 1 needs.
_BOOST = site("memory boost")


def episode_memory(
    trail: list[tuple[int, float, float]],
    stages: frozenset[int],
    memory: MemoryWeights,
    w_duration: float,
    minute: float,
) -> float | None:
    """The remembered experience of the moments of ``trail`` in ``stages`` (None when there are none).

    Peak (the largest absolute affect, the first on a tie), end (the last), mean, the integral
    (affect times time spent, in reference episodes) and the time spent at them in minutes,
    weighed by :func:`~journeydsl.sim.psychology.remembered_experience` with the customer's
    own ``memory`` weights, as the whole cycle is.
    """
    peak = end = total = area = spent = 0.0
    size = -1.0
    count = 0
    for stage, moment, time in trail:
        if stage in stages:
            count += 1
            total += moment
            area += moment * time
            spent += time
            end = moment
            if abs(moment) > size:
                peak, size = moment, abs(moment)
    if not count:
        return None
    return remembered_experience(
        peak,
        end,
        total / count,
        spent / minute,
        memory.peak,
        memory.end,
        memory.mean,
        w_duration,
        area * memory.per_reference,
        memory.integral,
    )


class MemoryWeights(NamedTuple):
    """How much one customer's memory of an episode weighs each of its parts.

    A named tuple: one is made for every customer whose weights spread, and a tuple is the quickest to make.
    """

    peak: float
    end: float
    mean: float
    #: The weight of the integral of affect over the episode (affect x minutes / reference).
    integral: float
    #: What turns an integral in the journey's time unit into one in reference episodes: minutes per
    #: time unit / the reference's minutes (the segment's ``memory.reference``).
    per_reference: float


@dataclass(frozen=True, slots=True)
class GammaShape:
    """A Gamma distribution's shape, prepared for :func:`gamma_variate`."""

    shape: float
    #: Marsaglia & Tsang's ``d = a - 1/3`` and ``c = 1 / sqrt(9 d)``, for the shape raised to 1 or more.
    d: float
    c: float
    #: ``1 / shape`` when the shape is below 1 (a Gamma(a) number is Gamma(a + 1) times U^(1/a)), else 0.
    boost: float

    @classmethod
    def of(cls, shape: float) -> GammaShape:
        """The prepared shape ``shape`` (positive)."""
        raised = shape + 1.0 if shape < 1.0 else shape
        d = raised - 1.0 / 3.0
        return cls(shape, d, 1.0 / math.sqrt(9.0 * d), 1.0 / shape if shape < 1.0 else 0.0)


def gamma_variate(shape: GammaShape, u: float, z: float, key: int) -> float:
    """A Gamma(shape, 1) number from a uniform ``u`` and a normal ``z`` (Marsaglia & Tsang 2000).

    ``d (1 + c z)^3`` is accepted when ``u`` falls below the method's bound
    (more than 95% of the time for every shape); otherwise the next attempt
    draws its pair from ``key``, attempt by attempt.  A shape below 1 takes
    one more uniform number, from ``key`` too.

    Examples
    --------
    >>> from statistics import fmean
    >>> values = [gamma_variate(GammaShape.of(2.5), *uniform_and_normal(k), k) for k in range(20000)]
    >>> round(fmean(values), 1), min(values) > 0
    (2.5, True)
    >>> small = [gamma_variate(GammaShape.of(0.3), *uniform_and_normal(k), k) for k in range(20000)]
    >>> round(fmean(small), 2)
    0.3
    """
    d, c = shape.d, shape.c
    attempt = 0
    while True:
        v = 1.0 + c * z
        if v > 0.0:
            v = v * v * v
            squared = z * z
            if u < 1.0 - 0.0331 * squared * squared or (
                u > 0.0 and math.log(u) < 0.5 * squared + d * (1.0 - v + math.log(v))
            ):
                value = d * v
                if shape.boost:
                    value *= uniform(key ^ _BOOST) ** shape.boost
                return value
        attempt += 1
        u, z = uniform_and_normal(key ^ ((attempt * NUMBER) & MASK))


@dataclass(frozen=True, slots=True)
class MemorySpread:
    """A segment's memory weights and how its customers' weights spread around them, looked up once."""

    #: The segment's weights (every customer's, without spread).
    weights: MemoryWeights
    #: Their sum.
    total: float
    #: Per part, the Gamma shape of its share (None for a weight of 0); empty without spread.
    shapes: tuple[GammaShape | None, ...]

    @classmethod
    def of(cls, segment: SegmentPlan, minute: float) -> MemorySpread:
        """A segment's memory weights and their spread (``spread.memory``); ``minute``: a minute in the time unit."""
        memory = segment.settings["memory"]
        weights = MemoryWeights(
            memory["peak"], memory["end"], memory["mean"], memory["integral"], 1.0 / (minute * memory["reference"])
        )
        total = math.fsum(memory[part] for part in MEMORY_PARTS)
        spread = segment.settings["spread"]["memory"]
        if not spread or total <= 0.0:
            return cls(weights, total, ())
        concentration = 1.0 / (spread * spread) - 1.0
        shapes = tuple(
            GammaShape.of(concentration * memory[part] / total) if memory[part] > 0.0 else None for part in MEMORY_PARTS
        )
        return cls(weights, total, shapes)

    def draw_block(self, keys: Any, u: Any, z: Any, columns: Sequence[int], rows: Any) -> list[MemoryWeights]:
        """The weights of the customers ``rows`` of a block, from its numbers (numpy arrays, a row per customer).

        The same weights as :meth:`draw`, to the last bit: the first attempt of
        every Gamma number is worked out for the block with numpy (the same
        operations in the same order), the others one by one.
        """
        import numpy as np

        if not self.shapes:
            return [self.weights] * len(rows)
        total: Any = 0.0
        gammas: list[Any] = []
        for part, shape in enumerate(self.shapes):
            if shape is None:
                gammas.append(None)
                continue
            column = columns[part]
            us = u[rows, column]
            zs = z[rows, column]
            v = 1.0 + shape.c * zs
            accepted = v > 0.0
            v = v * v * v
            squared = zs * zs
            accepted &= us < 1.0 - 0.0331 * squared * squared
            values = shape.d * v
            if shape.boost:
                accepted[:] = False
            for row in (~accepted).nonzero()[0].tolist():
                values[row] = gamma_variate(
                    shape, float(us[row]), float(zs[row]), int(keys[rows[row]]) ^ MEMORY_SITES[part]
                )
            gammas.append(values)
            total = total + values
        with np.errstate(divide="ignore"):
            scale = self.total / total
        per_reference = self.weights.per_reference
        weights = [(values * scale).tolist() if values is not None else None for values in gammas]
        zero = [0.0] * len(rows)
        peak, end, mean, integral = (w if w is not None else zero for w in weights)
        return [
            MemoryWeights(a, b, c, d, per_reference) if t > 0.0 else self.weights
            for a, b, c, d, t in zip(peak, end, mean, integral, total.tolist(), strict=True)
        ]

    def draw(
        self, key: int, u_row: Sequence[float], z_row: Sequence[float], offset: int, columns: Sequence[int]
    ) -> MemoryWeights:
        """One customer's weights from their numbers: each part's at ``offset`` plus its column.

        Without spread, the segment's weights.
        """
        if not self.shapes:
            return self.weights
        gammas = [0.0, 0.0, 0.0, 0.0]
        total = 0.0
        for part, shape in enumerate(self.shapes):
            if shape is None:
                continue
            column = offset + columns[part]
            u, z = u_row[column], z_row[column]
            # gamma_variate()'s first attempt written out (this runs once per customer; it is taken more
            # than 95% of the time): the function itself for a retry or a shape below 1.
            v = 1.0 + shape.c * z
            value = 0.0
            if v > 0.0 and not shape.boost:
                v = v * v * v
                squared = z * z
                if u < 1.0 - 0.0331 * squared * squared:
                    value = shape.d * v
            if not value:
                value = gamma_variate(shape, u, z, key ^ MEMORY_SITES[part])
            gammas[part] = value
            total += value
        if total <= 0.0:
            return self.weights
        scale = self.total / total
        return MemoryWeights(
            gammas[0] * scale, gammas[1] * scale, gammas[2] * scale, gammas[3] * scale, self.weights.per_reference
        )
