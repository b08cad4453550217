"""Keyed random numbers: every random decision draws from its own key.

A decision's key is built from what the decision is about (which customer,
which touchpoint or stage, which visit, which purpose), not from how many
random numbers were drawn before it.  Two designs that share a decision
therefore draw the same number for it, even when one design has an extra
touchpoint earlier in the journey: these are common random numbers, which
make the difference between two designs come from the designs and not from
the dice (Law 2015, *Simulation Modeling and Analysis*, ch. 11).

The numbers come from SplitMix64 (Steele, Lea & Flood 2014), a counter-based
generator: mixing a 64-bit key gives a well-spread 64-bit value, so a key
needs no state to be set up.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["mix", "site", "uniform", "normal", "uniform_and_normal", "KeyedBlocks", "BLOCK_CELLS", "customer_key"]

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_TO_UNIT = 2.0**-53
_TO_UNIT_32 = 2.0**-32
_TWO_PI = 2.0 * math.pi


def mix(value: int) -> int:
    """SplitMix64's output function: a 64-bit key to a well-spread 64-bit value.

    Examples
    --------
    >>> mix(1) != mix(2) and 0 <= mix(1) < 2**64
    True
    """
    x = (value + _GAMMA) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def site(name: str) -> int:
    """A stable 64-bit key for a named decision site (the same in every run and design).

    Examples
    --------
    >>> site("touchpoint:advisor") == site("touchpoint:advisor") != site("touchpoint:lounge")
    True
    """
    data = name.encode("utf-8")
    return mix(zlib.crc32(data) | (zlib.adler32(data) << 32))


def uniform(key: int) -> float:
    """One uniform number in [0, 1) for a key.

    Examples
    --------
    >>> 0.0 <= uniform(42) < 1.0 and uniform(42) == uniform(42)
    True
    """
    x = (key + _GAMMA) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((x ^ (x >> 31)) >> 11) * _TO_UNIT


def normal(key: int) -> float:
    """One standard normal number for a key (Box-Muller on the two halves of one mixed key).

    Examples
    --------
    >>> normal(7) == normal(7) != normal(8)
    True
    """
    x = (key + _GAMMA) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    x ^= x >> 31
    u1 = ((x >> 32) + 1) * _TO_UNIT_32  # in (0, 1]
    u2 = (x & 0xFFFFFFFF) * _TO_UNIT_32
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2)


_TO_UNIT_21 = 2.0**-21
_LOW_21 = (1 << 21) - 1


def uniform_and_normal(key: int) -> tuple[float, float]:
    """A uniform number in [0, 1) and a standard normal one, from a single mixed key.

    The 64 mixed bits are cut into three 21-bit numbers: one uniform, and two for
    Box-Muller.  A resolution of 2**-21 leaves out of an exponential duration
    only what lies beyond 14.5 means, and of the normal only what lies beyond
    5.4 standard deviations (each less than one in a million).

    Examples
    --------
    >>> u, z = uniform_and_normal(3)
    >>> 0.0 <= u < 1.0 and -5.5 < z < 5.5
    True
    """
    x = (key + _GAMMA) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    x ^= x >> 31
    u1 = (((x >> 21) & _LOW_21) + 1) * _TO_UNIT_21  # in (0, 1]
    u2 = (x & _LOW_21) * _TO_UNIT_21
    return (x >> 43) * _TO_UNIT_21, math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2)


#: The most numbers of each kind (uniform, normal) a block of customers holds: 512 customers of 128 columns.
BLOCK_CELLS = 1 << 16


class KeyedBlocks:
    """Keyed numbers for many customers at once: a uniform and a normal per decision column.

    The engine asks for the numbers of the n-th arriving customer; they are
    computed with numpy for blocks of consecutive arrivals, which is much faster
    than one decision at a time in Python.  Column ``j`` of customer ``key``
    holds exactly ``uniform_and_normal(key ^ columns[j])`` (up to the last bit
    of the normal's logarithm and cosine, which numpy computes).

    Parameters
    ----------
    seed : int
        The replication's seed; customer ``n``'s key is ``customer_key(seed, n)``.
    columns : sequence of int
        The decision keys, combined with each customer's key by exclusive or.
    block : int
        Customers per block, at most: a wide journey (many columns) gets
        smaller blocks, so that a block holds at most :data:`BLOCK_CELLS`
        numbers of each kind (a customer's numbers are the same whatever the
        block size).
    choices : sequence of (int, sequence of float), optional
        Decisions taken by a column's uniform number alone: ``(column, bounds)``
        with nondecreasing ``bounds``.  Each customer's row of choices holds, for
        each, ``bisect_right(bounds, u)``: the index of the first bound above the
        uniform ``u`` of that column (``len(bounds)`` when there is none).
    derive : callable, optional
        What the user of the numbers works out for a whole block at once:
        called with the block's keys, uniforms and normals (numpy arrays, a row
        per customer), it returns one object per customer, handed out by
        :meth:`derived`.
    """

    def __init__(
        self,
        seed: int,
        columns: Sequence[int],
        block: int = 1024,
        choices: Sequence[tuple[int, Sequence[float]]] = (),
        derive: Callable[[Any, Any, Any], list[Any]] | None = None,
    ) -> None:
        import numpy as np

        self._np = np
        self.seed = seed
        self.columns = np.array([c & _MASK for c in columns], dtype=np.uint64)
        self.block = max(1, min(block, BLOCK_CELLS // max(1, len(self.columns))))
        self.choices = [(column, np.array(bounds, dtype=np.float64)) for column, bounds in choices]
        self.derive = derive
        self._derived: list[Any] | None = None
        self._start = -1
        self._choices: list[list[int]] = []
        self._keys: list[int] = []
        self._u_flat: Sequence[float] = ()
        self._z_flat: Sequence[float] = ()

    def customer(self, number: int) -> tuple[int, Sequence[float], Sequence[float], int, list[int]]:
        """The key, uniforms, normals, offset and choices of the ``number``-th arrival (counting from 1).

        The uniforms and normals are flat read-only views of the whole block:
        the customer's number for column ``j`` is at ``offset + j`` (no Python
        object is made per customer, nor a float for a number never used).
        """
        start = (number - 1) // self.block * self.block + 1
        if start != self._start:
            self._fill(start)
        row = number - start
        return self._keys[row], self._u_flat, self._z_flat, row * len(self.columns), self._choices[row]

    def derived(self, number: int) -> Any:
        """What ``derive`` worked out for the ``number``-th arrival (None without it), once :meth:`customer` gave its numbers."""
        if self._derived is None:
            return None
        return self._derived[number - self._start]

    def _fill(self, start: int) -> None:
        # In place where possible: the arrays are a block of customers by every decision column,
        # and fewer temporaries keep them in the processor's cache.
        np = self._np
        numbers = np.arange(start, start + self.block, dtype=np.uint64)
        with np.errstate(over="ignore"):
            numbers *= np.uint64(_GAMMA)
            numbers ^= np.uint64(mix(self.seed))
            keys = _mix_array(np, numbers)
            bits = _mix_array(np, keys[:, None] ^ self.columns[None, :])
        self._keys = keys.tolist()
        u = (bits >> np.uint64(43)).astype(np.float64)
        u *= _TO_UNIT_21
        # Box-Muller: the normal from the other two 21-bit numbers of the same key,
        # sqrt(-2 log u1) * cos(2 pi u2), worked out in place.
        z = ((bits >> np.uint64(21)) & np.uint64(_LOW_21)).astype(np.float64)
        z += 1.0
        z *= _TO_UNIT_21
        np.log(z, out=z)
        z *= -2.0
        np.sqrt(z, out=z)
        bits &= np.uint64(_LOW_21)
        angle = bits.astype(np.float64)
        angle *= _TO_UNIT_21
        angle *= _TWO_PI
        np.cos(angle, out=angle)
        z *= angle
        if self.derive is not None:
            self._derived = self.derive(keys, u, z)
        self._u_flat = memoryview(u.reshape(-1))
        self._z_flat = memoryview(z.reshape(-1))
        if self.choices:
            chosen = [np.searchsorted(bounds, u[:, column], side="right") for column, bounds in self.choices]
            self._choices = np.stack(chosen, axis=1).tolist()
        else:
            self._choices = [[] for _ in range(self.block)]
        self._start = start


def customer_key(seed: int, number: int) -> int:
    """The key of the ``number``-th arriving customer of a replication.

    Examples
    --------
    >>> blocks = KeyedBlocks(5, [11, 12], block=4, choices=[(1, (0.25, 0.5))])
    >>> key, u, z, offset, choices = blocks.customer(6)
    >>> key == customer_key(5, 6) and u[offset + 1] == uniform_and_normal(key ^ 12)[0]
    True
    >>> from bisect import bisect_right
    >>> choices == [bisect_right((0.25, 0.5), u[offset + 1])]
    True
    """
    return mix(mix(seed) ^ ((number * _GAMMA) & _MASK))


def _mix_array(np, x):
    """SplitMix64's output function on an array of keys, in place (the array is changed and returned)."""
    shifted = np.empty_like(x)
    x += np.uint64(_GAMMA)
    np.right_shift(x, np.uint64(30), out=shifted)
    x ^= shifted
    x *= np.uint64(0xBF58476D1CE4E5B9)
    np.right_shift(x, np.uint64(27), out=shifted)
    x ^= shifted
    x *= np.uint64(0x94D049BB133111EB)
    np.right_shift(x, np.uint64(31), out=shifted)
    x ^= shifted
    return x
