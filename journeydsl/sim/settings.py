"""One run object: how many customers, for how long, how many replications, which seed, how many workers.

Every command builds one :class:`RunSettings` and every default is resolved
here, once (:meth:`RunSettings.resolved`): the seed falls back to the
journey's ``seed`` and then to :data:`DEFAULT_SEED`.  The resolved settings
are written into every JSON document (:meth:`RunSettings.record`), together
with a hash of the journey's source, so a result says how to reproduce it.

A run can ask for a :class:`~journeydsl.lang.precision.Precision` (defined
with how it is written in :mod:`journeydsl.lang.precision`, re-exported here)
instead of a number of replications:
the runner (:meth:`journeydsl.sim.runner.Runner.run`) then runs replications
until the 95% interval of one metric is narrower than asked, at most
:attr:`Precision.most`, and gives back the settings with the number it ran
and a :class:`Settled` record saying whether the precision was reached.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
from dataclasses import dataclass, replace

from ..lang.precision import (
    DEFAULT_MAX_REPLICATIONS,
    MIN_PRECISION_REPLICATIONS,
    PRECISION_OBJECTIVES,
    QUICK_CUSTOMERS,
    QUICK_MAX_REPLICATIONS,
    QUICK_PRECISION,
    Precision,
)

__all__ = [
    "DEFAULT_MAX_REPLICATIONS",
    "DEFAULT_SEED",
    "MAX_CUSTOMERS",
    "MAX_REPLICATIONS",
    "MIN_PRECISION_REPLICATIONS",
    "PRECISION_OBJECTIVES",
    "Precision",
    "QUICK_CUSTOMERS",
    "QUICK_MAX_REPLICATIONS",
    "QUICK_PRECISION",
    "RunSettings",
    "Settled",
    "source_hash",
]

#: Seed used when neither the caller nor the journey gives one.
DEFAULT_SEED = 0
#: The most replications one run may ask for: more is a mistake, not a study (each is a whole simulation).
MAX_REPLICATIONS = 100_000
#: The most customers per design and replication one run may ask for (a run of this size takes hours).
MAX_CUSTOMERS = 100_000_000


@dataclass(frozen=True)
class Settled:
    """Where a run with a :class:`Precision` stopped.

    Attributes
    ----------
    reached : bool
        Every design's interval was narrower than asked; ``False`` when the cap stopped the run.
    achieved : float or None
        The widest interval of the objective among the designs when it stopped
        (with a relative precision, as a fraction of its estimate's size);
        ``None`` when there was none (no customer was counted).
    """

    reached: bool
    achieved: float | None


@dataclass(frozen=True)
class RunSettings:
    """How a journey is run.

    Parameters
    ----------
    customers : int, optional
        Customers from the arrival process; each is followed for the journey's
        horizon from their arrival.  Without it the clock runs to the horizon
        and customers still in their first journey then are not counted.  At
        most :data:`MAX_CUSTOMERS`.
    horizon : float, optional
        Overrides the journey's horizon (in its time unit).
    warmup : float
        Customers arriving before this time (in the journey's time unit) are
        simulated but not counted.
    replications : int
        Independent replications per design; intervals come from their spread
        when there are several.  At most :data:`MAX_REPLICATIONS`.
    seed : int, optional
        Master seed; ``None`` until :meth:`resolved` fills it in.
    workers : int, optional
        Processes to run replications in (default: all cores).  Results never
        depend on it.
    period : float, optional
        The period of the results' time series (in the journey's time unit);
        by default the natural period (hour, day, week, month, quarter, year)
        that cuts the run into at most 60.
    precision : Precision, optional
        Run replications until the objective's interval is narrow enough:
        ``replications`` is then the fewest to run (at least 2, at most the
        precision's cap; 1, the default, stands for
        :data:`MIN_PRECISION_REPLICATIONS`) and the runner settles how many (see
        :meth:`journeydsl.sim.runner.Runner.run`).
    settled : Settled, optional
        Where a run with a precision stopped (set by the runner, with
        ``replications`` the number run); ``None`` before that.

    Raises
    ------
    ValueError
        For settings no run can have, naming the setting: customers or
        replications below 1 or above their limits, a horizon that is not
        positive or not finite, a negative or infinite warm-up, fewer than one worker,
        a precision with fewer than 2 replications or more than its cap.

    Examples
    --------
    >>> settings = RunSettings(customers=500).resolved(journey_seed=None)
    >>> settings.seed, settings.replications
    (0, 1)
    >>> RunSettings(seed=7).resolved(journey_seed=3).seed
    7
    >>> RunSettings(replications=10**20)
    Traceback (most recent call last):
    ...
    ValueError: replications must be at most 100,000, not 100000000000000000000
    """

    customers: int | None = None
    horizon: float | None = None
    warmup: float = 0.0
    replications: int = 1
    seed: int | None = None
    workers: int | None = None
    period: float | None = None
    precision: Precision | None = None
    settled: Settled | None = None

    def __post_init__(self) -> None:
        if self.customers is not None:
            _count("customers", self.customers, MAX_CUSTOMERS)
        _count("replications", self.replications, MAX_REPLICATIONS)
        if self.horizon is not None and not self.horizon > 0:
            raise ValueError(f"the horizon must be positive, not {self.horizon}")
        if self.horizon is not None and not math.isfinite(self.horizon):
            raise ValueError(f"the horizon must be a finite time, not {self.horizon}")
        if not self.warmup >= 0:
            raise ValueError(f"the warm-up cannot be negative ({self.warmup})")
        if not math.isfinite(self.warmup):
            raise ValueError(f"the warm-up must be a finite time, not {self.warmup}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if self.period is not None and not (self.period > 0 and math.isfinite(self.period)):
            raise ValueError(f"the period of the time series must be a positive finite time, not {self.period}")
        if self.precision is not None and self.precision.most > MAX_REPLICATIONS:
            raise ValueError(f"max_replications must be at most {MAX_REPLICATIONS:,}, not {self.precision.most}")
        if self.precision is not None and self.replications == 1 and self.settled is None:
            object.__setattr__(self, "replications", min(MIN_PRECISION_REPLICATIONS, self.precision.most))
        if self.precision is not None and not 2 <= self.replications <= self.precision.most:
            raise ValueError(
                f"with a precision, replications (the fewest to run) must be from 2 to its cap "
                f"{self.precision.most}, not {self.replications}"
            )
        if self.settled is not None and self.precision is None:
            raise ValueError("a run can only have settled a precision it was given")

    def resolved(self, journey_seed: float | int | None) -> RunSettings:
        """These settings with the seed filled in: given, else the journey's, else :data:`DEFAULT_SEED`."""
        if self.seed is not None:
            return self
        return replace(self, seed=int(journey_seed) if journey_seed is not None else DEFAULT_SEED)

    @property
    def master_seed(self) -> int:
        """The seed, which must have been resolved."""
        if self.seed is None:
            raise ValueError("the seed is not resolved yet; call RunSettings.resolved() first")
        return self.seed

    def worker_count(self, tasks: int) -> int:
        """Processes worth starting for ``tasks`` independent runs."""
        return max(1, min(self.workers or os.cpu_count() or 1, tasks))

    def record(self) -> dict[str, object]:
        """What decides the numbers, as written into JSON documents (workers never do; the period when given).

        With a precision, ``precision`` holds it (:meth:`Precision.record`) and,
        once the run settled, ``reached`` and ``achieved``
        (:class:`Settled`); ``replications`` is then the number run, so the
        same settings without the precision give the same numbers.

        Examples
        --------
        >>> settled = RunSettings(replications=7, seed=1, precision=Precision(0.2), settled=Settled(True, 0.19))
        >>> settled.record()["precision"]
        {'objective': 'satisfaction', 'width': 0.2, 'relative': False, 'max_replications': 100, 'reached': True, 'achieved': 0.19}
        """
        record: dict[str, object] = {
            "customers": self.customers,
            "horizon": self.horizon,
            "warmup": self.warmup,
            "replications": self.replications,
            "seed": self.seed,
        }
        if self.period is not None:
            record["period"] = self.period
        if self.precision is not None:
            precision = self.precision.record()
            if self.settled is not None:
                precision["reached"] = self.settled.reached
                precision["achieved"] = self.settled.achieved
            record["precision"] = precision
        return record


def _count(name: str, value: int, most: int) -> None:
    """Refuse a count that is not a whole number from 1 to ``most``, naming the setting."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    if value > most:
        raise ValueError(f"{name} must be at most {most:,}, not {value}")


def source_hash(sources: dict[str, str]) -> str:
    """SHA-256 over a journey's source texts (the file and its imports), as ``sha256:<hex>``.

    Only the texts count, in a stable order: the same files give the same hash
    wherever they are and however the command named them.

    Examples
    --------
    >>> source_hash({"b.journey": "2", "a.journey": "1"}) == source_hash({"x": "1", "y": "2"})
    True
    >>> source_hash({"a": "1"}) == source_hash({"a": "2"})
    False
    """
    parts = sorted(hashlib.sha256(text.encode("utf-8")).hexdigest() for text in sources.values())
    return "sha256:" + hashlib.sha256("".join(parts).encode("ascii")).hexdigest()
