"""A journey fitted from an event log: stages, transition shares, durations and arrivals, as ``.journey`` text.

:func:`fit_log` turns an :class:`~journeydsl.data.logs.EventLog` into a
:class:`FittedJourney`; :meth:`FittedJourney.text` writes it with the
language's writer, every fitted figure followed by a comment giving its sample
size (and interval or goodness of fit):

* **Touchpoints.** Each activity becomes a touchpoint, its name made an
  identifier (lower case, runs of other characters ``_``, a keyword or a name
  starting with a digit prefixed ``a_``, made unique); the activity's name as
  the log writes it is kept in the comment after it.
* **Stages.** A stage mapping (TOML, ``stage = ["activity", ...]``, see
  :func:`read_stage_mapping`) groups activities; without one each activity is
  its own stage, in a proposed order: an activity goes after the activities
  that precede it in more cases than they follow it (ties by the median
  relative position in its cases, then by first occurrence).  The grouping is
  shown for review in a comment block and by :meth:`FittedJourney.grouping_table`.
* **Transitions.** A case is read as its sequence of stages (consecutive events
  of one stage are one visit).  From each stage, the share of visits followed
  by each other stage, with a Wilson 95% interval and the counts as a comment;
  visits that end the case are the remainder, the drop-outs.  A stage the log
  revisits gets a ``visit limit``: the most visits one case made to it.
* **Goal.** The stage most cases end in, or the one given.
* **Durations.** Per touchpoint, the time from an event's start to its end, or
  to the case's next event when the log has no end times; fitted by maximum
  likelihood among the language's families (exponential, lognormal, gamma, normal,
  uniform), chosen by the smallest AIC, with the Kolmogorov-Smirnov statistic
  (the gamma's shape by Minka's Newton iteration, with a 95% interval; the
  exponential is kept when the gamma's shape has 1 in its 99% interval);
  ``empirical`` (twenty quantiles) when the best family is rejected by the KS
  test at 1% with 30 or more durations; a fixed time when all are equal.
  Triangular is not fitted (its likelihood has no closed-form maximum).
* **Arrivals.** A Poisson rate per day: cases over the span of case starts,
  with an exact 95% interval; the cases per weekday and hour are shown in a
  comment block.  Opening hours (``hours { ... }``) when the log shows closed
  periods clearly (:func:`_opening_hours`), the rate then per open day.
* **Patience.** Where customers gave up waiting (an event whose XES
  ``lifecycle:transition`` is ``withdraw``, or whose ``reneged`` attribute is
  ``true``, as journeydsl's own logs write them), the time each customer
  waited at those activities: from the event's ``arrived`` attribute (when
  they joined the queue) or else the end of the case's previous event, to the
  event (when they gave up, or when service began).  Customers who were served
  are right-censored at their wait; the Kaplan-Meier estimate of the time to
  giving up (:func:`kaplan_meier`) gives its median, and the segment's
  ``patience`` is that median over ``waiting.renege`` (3 by default: the
  simulator's customers give up after three patiences), times
  ``sqrt(1 + 0.3^2)`` (the simulator spreads patience log-normally around the
  segment's value, its mean, with ``spread.patience`` 0.3), per segment when
  segments are fitted (else one segment ``customers`` carries it).  No
  patience is written when fewer than half would have given up by the longest
  wait (the median is not reached).  Abandoned events get no duration.
* **Segments.** From a case attribute: one segment per value with its share,
  and the transition shares per segment as comments; where the segments differ
  (:func:`_segment_routes`), each gets its own shares as conditionals
  (``-> pay 53.5%, 68.9% if segment web, 30.6% if segment phone``).
"""

from __future__ import annotations

import math
import os
import re
import statistics
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from pathlib import Path

from ..data.logs import EventLog
from ..lang.diagnostics import ERROR, WARNING, Diagnostic, JourneyError, did_you_mean
from ..lang.model import (
    NO_SPAN,
    Arrivals,
    Condition,
    Conditional,
    DistributionSpec,
    HoursLine,
    Journey,
    OpeningHours,
    Probability,
    Quantity,
    Segment,
    Span,
    Stage,
    TimeRange,
    Touchpoint,
    Transition,
)
from ..lang.vocabulary import CHANNELS, RESERVED_TARGETS
from ..lang.writer import _reserved, format_text, write_journey

__all__ = [
    "FIT_CODES",
    "FitDiagnostic",
    "FitError",
    "DurationFit",
    "Share",
    "FittedJourney",
    "wilson",
    "fit_duration",
    "gamma_shape",
    "identifier",
    "read_stage_mapping",
    "fit_log",
    "kaplan_meier",
    "km_median",
    "PatienceFit",
    "RENEGE",
    "PATIENCE_CV",
]

#: ``waiting.renege``'s default: the simulator's customers give up after this many patiences.
RENEGE = 3.0
#: ``spread.patience``'s default: each simulated customer's patience is log-normal around the
#: segment's value (its mean) with this coefficient of variation, so the median is below the mean.
PATIENCE_CV = 0.3

#: The codes of ``journey fit`` diagnostics: code -> (severity, title).  Listed in ``docs/data.md``.
FIT_CODES: dict[str, tuple[str, str]] = {
    "JF001": (ERROR, "stage mapping cannot be read"),
    "JF002": (ERROR, "invalid stage mapping"),
    "JF003": (ERROR, "activity in two stages"),
    "JF004": (ERROR, "activity in no stage"),
    "JF005": (WARNING, "stage mapping names an activity the log does not have"),
    "JF006": (ERROR, "unknown goal stage"),
    "JF007": (ERROR, "unknown segment attribute"),
    "JF008": (ERROR, "log has no cases"),
}

#: z for a two-sided 95% interval.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class FitDiagnostic(Diagnostic):
    """A problem met while fitting: a diagnostic with a ``JF`` code of :data:`FIT_CODES`."""

    @property
    def severity(self) -> str:
        """``"error"`` or ``"warning"``, fixed by the code."""
        return FIT_CODES[self.code][0]


class FitError(JourneyError):
    """The log cannot be fitted as asked; carries every diagnostic and the text they quote."""


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default).

    Examples
    --------
    >>> lo, hi = wilson(310, 500)
    >>> f"{lo:.3f} {hi:.3f}"
    '0.577 0.661'
    >>> wilson(0, 0)
    (0.0, 1.0)
    """
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


_IDENT_RUN = re.compile(r"[^a-z0-9]+")


def identifier(name: str, taken: set[str]) -> str:
    """An activity's name as a bare identifier of the language, unique among ``taken`` (which it joins).

    Examples
    --------
    >>> taken: set[str] = set()
    >>> identifier("Pay (card) €", taken), identifier("pay card", taken), identifier("2nd call", taken)
    ('pay_card', 'pay_card_2', 'a_2nd_call')
    >>> identifier("stage", taken), identifier('"; drop', taken), identifier("Café crème", taken)
    ('a_stage', 'drop', 'cafe_creme')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = _IDENT_RUN.sub("_", ascii_name.lower()).strip("_") or "activity"
    if base[0].isdigit() or base in _reserved() or base in RESERVED_TARGETS:
        base = "a_" + base
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}_{number}"
    taken.add(candidate)
    return candidate


# ---- durations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DurationFit:
    """A duration distribution fitted to ``n`` durations (seconds).

    ``family`` is a language distribution (``exponential``, ``lognormal``,
    ``gamma``, ``normal``, ``uniform``, ``empirical`` or ``fixed``); ``params``
    its arguments in seconds, as the language writes them (lognormal and gamma:
    mean and sd of the duration itself); ``aic`` and ``ks`` those of the chosen
    family (``None`` when not meaningful); ``interval`` a 95% interval of the
    mean for the exponential; ``shape`` and ``shape_interval`` the gamma's
    shape ``(mean/sd)^2`` and its 95% interval; ``candidates`` every family
    tried as (family, AIC).
    """

    family: str
    params: tuple[float, ...]
    n: int
    aic: float | None = None
    ks: float | None = None
    ks_p: float | None = None
    interval: tuple[float, float] | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    shape: float | None = None
    shape_interval: tuple[float, float] | None = None

    def spec(self) -> DistributionSpec:
        """The fitted distribution as the language writes it, in a readable unit."""
        unit, scale = _unit_for(max(self.params) if self.params else 1.0)
        args = tuple(Quantity(_round(value / scale), unit) for value in self.params)
        return DistributionSpec(self.family, args)

    def comment(self) -> str:
        """``n 120, AIC 512.3, KS 0.041 (p 0.98); mean 95% [2.7 min, 3.4 min]``: how the fit was made."""
        parts = [f"n {self.n}"]
        if self.aic is not None:
            parts.append(f"AIC {self.aic:.1f}")
        if self.ks is not None:
            parts.append(f"KS {self.ks:.3f}" + (f" (p {self.ks_p:.2g})" if self.ks_p is not None else ""))
        text = ", ".join(parts)
        if self.interval is not None:
            unit, length = _unit_for(self.interval[1])
            lo, hi = (_round(value / length) for value in self.interval)
            text += f"; mean 95% [{lo:g} {unit}, {hi:g} {unit}]"
        if self.shape is not None and self.shape_interval is not None:
            lo, hi = self.shape_interval
            text += f"; shape {self.shape:.3g} 95% [{lo:.3g}, {hi:.3g}]"
        others = [f"{family} {aic:.1f}" for family, aic in self.candidates if family != self.family]
        if others:
            text += "; AIC of " + ", ".join(others)
        return text


def kaplan_meier(observations: Sequence[tuple[float, bool]]) -> list[tuple[float, float]]:
    """The Kaplan-Meier survival curve of right-censored times.

    Parameters
    ----------
    observations : sequence of (float, bool)
        ``(time, happened)``: ``happened`` is true when the event (giving up) was seen at
        ``time``, false when the subject was censored then (served after waiting ``time``).

    Returns
    -------
    list of (float, float)
        ``(time, survival just after time)`` at each time an event happened, in time order.

    Examples
    --------
    >>> kaplan_meier([(1, True), (2, False), (3, True), (4, True)])
    [(1, 0.75), (3, 0.375), (4, 0.0)]
    """
    ordered = sorted(observations, key=lambda item: (item[0], not item[1]))
    at_risk = len(ordered)
    survival = 1.0
    curve: list[tuple[float, float]] = []
    index = 0
    while index < len(ordered):
        time = ordered[index][0]
        events = censored = 0
        while index < len(ordered) and ordered[index][0] == time:
            if ordered[index][1]:
                events += 1
            else:
                censored += 1
            index += 1
        if events:
            survival *= 1 - events / at_risk
            curve.append((time, survival))
        at_risk -= events + censored
    return curve


def km_median(curve: Sequence[tuple[float, float]]) -> float | None:
    """The first time the Kaplan-Meier survival falls to 0.5 or below; ``None`` when it never does.

    Examples
    --------
    >>> km_median([(1, 0.75), (3, 0.375), (4, 0.0)])
    3
    >>> km_median([(1, 0.9)]) is None
    True
    """
    return next((time for time, survival in curve if survival <= 0.5), None)


@dataclass(frozen=True)
class PatienceFit:
    """Patience from waits at the activities customers gave up at (seconds).

    ``n`` waits, of which ``gave_up`` ended in giving up (the rest censored at their wait);
    ``median`` the Kaplan-Meier median time to giving up (``None`` when not reached);
    ``activities`` where customers gave up.
    """

    n: int
    gave_up: int
    median: float | None
    activities: tuple[str, ...]

    @property
    def patience(self) -> float | None:
        """The patience to write: the median time to giving up over :data:`RENEGE`, as a mean.

        The simulator draws each customer's patience log-normal with the segment's value as its
        mean and :data:`PATIENCE_CV`, whose median is the mean over ``sqrt(1 + cv^2)``.
        """
        return None if self.median is None else self.median / RENEGE * math.sqrt(1 + PATIENCE_CV**2)

    def comment(self) -> str:
        """``patience: 28 of 412 waits ended in giving up; median time to give up 30 min (Kaplan-Meier) / 3``."""
        text = f"{self.gave_up} of {self.n} waits ended in giving up (at {', '.join(map(_quoted, self.activities))})"
        if self.median is None:
            return text + "; median time to give up not reached (Kaplan-Meier): no patience written"
        return (
            f"{text}; median time to give up {_time_text(self.median)} (Kaplan-Meier);"
            f" patience = median / renege {RENEGE:g} x sqrt(1 + {PATIENCE_CV:g}^2) (spread.patience)"
        )


def _gave_up(attributes: Mapping[str, str]) -> bool:
    return attributes.get("lifecycle", "").lower() == "withdraw" or attributes.get("reneged", "").lower() == "true"


def _when(text: str | None) -> datetime | None:
    """An ``arrived`` attribute as an aware time (UTC when written without an offset)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt_timezone.utc)


def _patience(log: EventLog, segment_of: Mapping[str, str]) -> dict[str | None, PatienceFit]:
    """Patience per segment (``None``: the whole log) from the waits at activities customers gave up at."""
    quitting = {event.activity for case in log.cases for event in case.events if _gave_up(event.attributes)}
    if not quitting:
        return {}
    waits: dict[str | None, list[tuple[float, bool]]] = defaultdict(list)
    for case in log.cases:
        previous: datetime | None = None
        for event in case.events:
            if event.activity in quitting:
                joined = _when(event.attributes.get("arrived")) or previous
                if joined is not None and event.timestamp >= joined:
                    wait = ((event.timestamp - joined).total_seconds(), _gave_up(event.attributes))
                    waits[None].append(wait)
                    if case.id in segment_of:
                        waits[segment_of[case.id]].append(wait)
            previous = event.end or event.timestamp
    return {
        key: PatienceFit(
            len(values),
            sum(1 for _, happened in values if happened),
            km_median(kaplan_meier(values)),
            tuple(sorted(quitting)),
        )
        for key, values in waits.items()
    }


def _round(value: float) -> float:
    """Four significant digits."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    digits = 3 - int(math.floor(math.log10(abs(value))))
    return round(value, max(0, digits))


def _time_text(seconds: float) -> str:
    """``3.5 days``, ``45.2 min``: a time in a readable unit."""
    unit, length = _unit_for(seconds)
    return f"{_round(seconds / length):g} {unit}" + ("s" if unit == "day" and seconds != length else "")


def _unit_for(seconds: float) -> tuple[str, float]:
    """The unit to write a time of about ``seconds`` in, and its length in seconds."""
    for unit, length in (("day", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= 2 * length:
            return unit, length
    return "s", 1.0


def gamma_shape(mean: float, mean_log: float) -> float:
    """The maximum-likelihood shape of a gamma distribution, from the data's mean and mean logarithm.

    Solves ``log(k) - digamma(k) = log(mean) - mean_log`` by Minka's Newton iteration on
    ``1/k`` (T. Minka, *Estimating a Gamma distribution*, 2002), started from his closed-form
    approximation; the scale is then ``mean / k``.

    Parameters
    ----------
    mean : float
        The mean of the data, above 0.
    mean_log : float
        The mean of their logarithms (below ``log(mean)`` unless all are equal).

    Returns
    -------
    float
        The shape ``k``.

    Examples
    --------
    >>> round(gamma_shape(1.0, -0.5772156649015329), 9)  # the exponential: digamma(1) = -Euler's gamma
    1.0
    """
    from scipy import special

    target = math.log(mean) - mean_log
    if not target > 0:
        raise ValueError("the gamma shape needs data that are not all equal")
    shape = (3 - target + math.sqrt((target - 3) ** 2 + 24 * target)) / (12 * target)
    for _ in range(100):
        gap = math.log(shape) - float(special.digamma(shape)) - target
        slope = 1 / shape - float(special.polygamma(1, shape))
        following = 1 / (1 / shape + gap / (shape * shape * slope))
        if following <= 0:  # pragma: no cover - Minka's start is within the iteration's basin
            following = shape / 2
        if abs(following - shape) <= 1e-12 * following:
            return following
        shape = following
    return shape


#: z for a two-sided 99% interval: a gamma is preferred to the exponential only when its shape's
#: 99% interval leaves out 1 (a test at 1%, as the KS test that turns a fit empirical).
Z99 = 2.5758293035489004


def _gamma_shape_interval(shape: float, n: int, z: float = Z95) -> tuple[float, float]:
    """A Wald interval of a gamma's fitted shape (95% by default), on the log scale (it stays above 0).

    From the Fisher information of (shape, scale): var(shape) = k / (n (k trigamma(k) - 1)).
    """
    from scipy import special

    if shape < 1e4:
        information = shape * float(special.polygamma(1, shape)) - 1
    else:  # k trigamma(k) - 1 cancels: its asymptotic series instead
        information = 1 / (2 * shape) + 1 / (6 * shape * shape)
    half = z * math.sqrt(shape / (n * information)) / shape
    return shape * math.exp(-half), shape * math.exp(half)


def fit_duration(values: Sequence[float]) -> DurationFit | None:
    """The maximum-likelihood fit of durations (seconds) among the language's families, chosen by AIC.

    Parameters
    ----------
    values : sequence of float
        The durations, 0 or more; ``None`` is returned for no duration at all.

    Returns
    -------
    DurationFit or None

    Examples
    --------
    >>> import random
    >>> rng = random.Random(1)
    >>> fit = fit_duration([rng.expovariate(1 / 180) for _ in range(400)])
    >>> fit.family, fit.interval[0] < 180 < fit.interval[1]
    ('exponential', True)
    """
    from scipy import stats

    data = sorted(float(v) for v in values if math.isfinite(v) and v >= 0)
    n = len(data)
    if n == 0:
        return None
    lo, hi = data[0], data[-1]
    if hi - lo <= 1e-9 * max(1.0, hi) or n == 1:
        return DurationFit("fixed", (max(hi, 1e-3),), n)
    mean = statistics.fmean(data)
    candidates: list[tuple[str, tuple[float, ...], float, object]] = []
    shape_interval: tuple[float, float] | None = None
    exponential_too = (1.0, 1.0)
    # exponential: the MLE of the mean is the sample mean
    if mean > 0:
        loglik = -n * math.log(mean) - n
        candidates.append(("exponential", (mean,), 2 * 1 - 2 * loglik, stats.expon(scale=mean)))
    # lognormal: MLE of mu and sigma of log duration; written as the duration's mean and sd
    if lo > 0:
        logs = [math.log(v) for v in data]
        mu = statistics.fmean(logs)
        sigma = math.sqrt(statistics.fmean([(x - mu) ** 2 for x in logs]))
        if sigma > 0:
            loglik = sum(-x - math.log(sigma * math.sqrt(2 * math.pi)) - (x - mu) ** 2 / (2 * sigma**2) for x in logs)
            m = math.exp(mu + sigma**2 / 2)
            sd = m * math.sqrt(math.expm1(sigma**2))
            candidates.append(("lognormal", (m, sd), 4 - 2 * loglik, stats.lognorm(s=sigma, scale=math.exp(mu))))
        # gamma: Minka's shape, scale mean/k; written as the duration's mean and sd (mean/sqrt(k))
        if mu < math.log(mean):
            shape = gamma_shape(mean, mu)
            scale = mean / shape
            loglik = (shape - 1) * n * mu - n * shape - n * shape * math.log(scale) - n * math.lgamma(shape)
            candidates.append(
                ("gamma", (mean, mean / math.sqrt(shape)), 4 - 2 * loglik, stats.gamma(a=shape, scale=scale))
            )
            shape_interval = _gamma_shape_interval(shape, n)
            exponential_too = _gamma_shape_interval(shape, n, Z99)
    # normal: MLE mean and (biased) sd
    sd = math.sqrt(statistics.fmean([(v - mean) ** 2 for v in data]))
    if sd > 0:
        loglik = -n / 2 * math.log(2 * math.pi * sd * sd) - n / 2
        candidates.append(("normal", (mean, sd), 4 - 2 * loglik, stats.norm(loc=mean, scale=sd)))
    # uniform: MLE is the range of the data
    if hi > lo and lo > 0:
        loglik = -n * math.log(hi - lo)
        candidates.append(("uniform", (lo, hi), 4 - 2 * loglik, stats.uniform(loc=lo, scale=hi - lo)))
    family, params, aic, frozen = min(candidates, key=lambda c: c[2])
    if family == "gamma" and exponential_too[0] <= 1 <= exponential_too[1]:
        # a gamma whose shape may be 1 (at 1%) is the exponential with one parameter more: keep the simpler
        family, params, aic, frozen = next(c for c in candidates if c[0] == "exponential")
    test = stats.kstest(data, frozen.cdf)  # type: ignore[attr-defined]
    ks, ks_p = float(test.statistic), float(test.pvalue)
    interval = None
    if family == "exponential":
        # exact interval of an exponential mean: 2 n xbar / mean ~ chi-square with 2n degrees of freedom
        interval = (
            float(2 * n * mean / stats.chi2.ppf(0.975, 2 * n)),
            float(2 * n * mean / stats.chi2.ppf(0.025, 2 * n)),
        )
    shape_fit = (params[0] / params[1]) ** 2 if family == "gamma" else None
    if family != "gamma":
        shape_interval = None
    tried = tuple((c[0], c[2]) for c in candidates)
    if ks_p < 0.01 and n >= 30 and hi > 0:
        quantiles = tuple(data[min(n - 1, int((i + 0.5) * n / 20))] for i in range(20))
        if any(q > 0 for q in quantiles):
            return DurationFit("empirical", quantiles, n, None, ks, ks_p, None, tried)
    return DurationFit(family, params, n, aic, ks, ks_p, interval, tried, shape_fit, shape_interval)


# ---- stage mapping -------------------------------------------------------------------------------


def _toml() -> object:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
    return tomllib


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip()
        if stripped.startswith((key, f'"{key}"', f"'{key}'")) and "=" in stripped:
            return number
    return 1


def read_stage_mapping(path: str | os.PathLike[str]) -> tuple[list[tuple[str, list[str]]], str]:
    """A stage mapping: TOML with one key per stage, in order, whose value lists its activities.

    ``checkout = ["Add to cart", "Pay"]``; stages keep the file's order.

    Returns
    -------
    list of (stage, activities), and the file's text

    Raises
    ------
    FitError
        JF001 when the file cannot be read or is not TOML, JF002 when a value is not a list of
        activity names, JF003 when an activity is in two stages.
    """
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise FitError(
            [FitDiagnostic("JF001", f"cannot read the stage mapping: {reason}", Span(name, 1, 1, 1, 2))]
        ) from None
    tomllib = _toml()
    try:
        document = tomllib.loads(text)  # type: ignore[attr-defined]
    except Exception as error:  # tomllib.TOMLDecodeError
        found = re.search(r"line (\d+), column (\d+)", str(error))
        line, column = (int(found[1]), int(found[2])) if found else (1, 1)
        message = re.sub(r"\s*\(at line .*\)$", "", str(error))
        span = Span(name, line, column, line, column + 1)
        raise FitError(
            [FitDiagnostic("JF001", f"the stage mapping is not TOML: {message}", span, 'write stage = ["activity"]')],
            {name: text},
        ) from None
    problems: list[Diagnostic] = []
    stages: list[tuple[str, list[str]]] = []
    owner: dict[str, str] = {}
    for key, value in document.items():
        line = _line_of(text, key)
        span = Span(name, line, 1, line, 1 + len(key))
        if not (isinstance(value, list) and value and all(isinstance(item, str) for item in value)):
            problems.append(
                FitDiagnostic(
                    "JF002", f"stage `{key}` must list its activities", span, f'write {key} = ["activity", ...]'
                )
            )
            continue
        for activity in value:
            if activity in owner:
                problems.append(
                    FitDiagnostic("JF003", f"activity `{activity}` is in stages `{owner[activity]}` and `{key}`", span)
                )
            owner[activity] = key
        stages.append((key, list(value)))
    if not stages and not problems:
        problems.append(FitDiagnostic("JF002", "the stage mapping names no stage", Span(name, 1, 1, 1, 2)))
    if problems:
        raise FitError(problems, {name: text})
    return stages, text


# ---- the fit -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A transition share: ``count`` of ``n`` with its Wilson 95% interval."""

    target: str
    count: int
    n: int

    @property
    def value(self) -> float:
        """The observed share."""
        return self.count / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The Wilson 95% interval."""
        return wilson(self.count, self.n)

    def comment(self) -> str:
        """``310 of 500 visits [57.7%, 66.1%]``."""
        lo, hi = self.interval
        return f"{self.count} of {self.n} visits [{100 * lo:.1f}%, {100 * hi:.1f}%]"


@dataclass
class FittedJourney:
    """What :func:`fit_log` found: the journey model and the figures behind each of its numbers."""

    journey: Journey
    source: str
    stages: list[tuple[str, str, list[tuple[str, str]]]]  # (stage name, proposed|mapped, [(touchpoint, activity)])
    transitions: dict[str, list[Share]]
    exits: dict[str, tuple[int, int]]
    durations: dict[str, DurationFit | None]
    activity_reach: dict[str, tuple[int, int]]
    cases: int
    events: int
    goal: str
    goal_reason: str
    rate: tuple[float, float, float] | None  # per day, 95% interval
    span_days: float
    weekday_hours: list[list[int]]
    zone: str = "UTC"
    open_days: int | None = None  # open days a week, when opening hours were fitted
    segments: list[tuple[str, str, int]] = field(default_factory=list)  # (name, value, cases)
    segment_transitions: dict[str, dict[str, list[Share]]] = field(default_factory=dict)
    segment_attribute: str | None = None
    start_stages: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    #: The warnings met reading the log (events sorted, duplicates dropped...) and the stage mapping.
    log_diagnostics: tuple[Diagnostic, ...] = ()
    #: The stage names as the stage mapping writes them, by stage identifier.
    stage_titles: dict[str, str] = field(default_factory=dict)
    #: The stage mapping's text by file name, for the source lines of its warnings.
    sources: dict[str, str] = field(default_factory=dict)
    #: Patience by segment name (``""``: the whole log, when no segment carries it).
    patience: dict[str, PatienceFit] = field(default_factory=dict)

    def grouping_table(self) -> str:
        """The grouping of activities into stages, as a plain table for review."""
        rows = [("stage", "touchpoint", "activity in the log", "cases", "grouping")]
        for stage, how, members in self.stages:
            for touchpoint, activity in members:
                reached, _ = self.activity_reach[activity]
                rows.append((stage, touchpoint, _plain(activity), str(reached), how))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)

    def text(self, command: str) -> str:
        """The fitted journey as formatted ``.journey`` text, every figure followed by its sample size."""
        header = [
            f"Fitted from the event log {_plain(self.source)} by journeydsl.",
            f"Command: {_plain(command)}",
            f"{self.cases} cases, {self.events} events; case starts over {_time_text(self.span_days * 86400)}.",
            "Shares: the observed share of visits, [Wilson 95% interval]; drop-outs are the remainder.",
            "Durations: maximum likelihood, family by AIC; KS is the Kolmogorov-Smirnov statistic.",
        ]
        grouping = ["Stages (review this grouping; give --stages FILE to change it):"]
        for stage, how, members in self.stages:
            names = ", ".join(f"{tp} = {_quoted(activity)}" for tp, activity in members)
            title = self.stage_titles.get(stage, stage)
            called = f" = {_quoted(title)}" if how == "mapped" and title != stage else ""
            grouping.append(f"  {stage}{called} ({how}): {names}")
        if self.start_stages:
            starts = ", ".join(f"{stage} {count}" for stage, count in self.start_stages.most_common())
            grouping.append(f"Cases start in: {starts} (the journey starts in the first stage).")
        grouping.append(f"Goal: {self.goal} ({self.goal_reason}).")
        if self.rate is not None:
            rate, lo, hi = self.rate
            grouping.append(
                f"Arrivals: {self.cases} cases over {_time_text(self.span_days * 86400)}: {rate:.4g} per day [{lo:.4g}, {hi:.4g}]."
            )
        grouping.extend(self._hours_comment())
        grouping.extend(self._segment_comment())
        for segment, fitted in self.patience.items():
            grouping.append(f"Patience{f' of segment {segment}' if segment else ''}: {fitted.comment()}.")
        grouping.extend(self.notes)
        body = write_journey(self.journey)
        lines = body.split("\n")
        out: list[str] = []
        stage_index = -1
        transition_index = 0
        segment_name = ""
        for line in lines:
            stripped = line.strip()
            if line.startswith("  segment "):
                segment_name = stripped.split()[1]
            if stripped.startswith("patience ") and line.startswith("    ") and stage_index < 0:
                waits = self.patience.get(segment_name)
                if waits is not None:
                    out.append(
                        f"{line}  # patience: n {waits.n}, {waits.gave_up} gave up, median wait to give up "
                        f"{_time_text(waits.median or 0)}"
                    )
                    continue
            if line.startswith("  stage "):
                stage_index += 1
                transition_index = 0
                out.append(line)
                continue
            if 0 <= stage_index < len(self.stages) and line.startswith("    "):
                stage = self.stages[stage_index][0]
                if stripped.startswith("-> "):
                    share = self.transitions[stage][transition_index]
                    transition_index += 1
                    out.append(f"{line}  # {share.comment()}")
                    continue
                if stripped.startswith("touchpoint "):
                    name = stripped.split()[1].rstrip(":")
                    activity = dict(self.stages[stage_index][2]).get(name)
                    if activity is not None:
                        out.append(f"{line}  # {self._touchpoint_comment(name, activity)}")
                        continue
            if line == "  }" and 0 <= stage_index < len(self.stages):
                stage = self.stages[stage_index][0]
                left, visits = self.exits.get(stage, (0, 0))
                if visits:
                    lo, hi = wilson(left, visits)
                    out.append(
                        f"    # ends here (drop-out or done): {left} of {visits} visits"
                        f" {100 * left / visits:.1f}% [{100 * lo:.1f}%, {100 * hi:.1f}%]"
                    )
                out.extend(self._segment_stage_comment(stage))
            out.append(line)
        text = "\n".join(_comment(line) for line in header) + "\n#\n"
        text += "\n".join(_comment(line) for line in grouping) + "\n\n" + "\n".join(out)
        return format_text(text, "<fitted>.journey")

    def _touchpoint_comment(self, name: str, activity: str) -> str:
        reached, visits = self.activity_reach[activity]
        text = f"{_quoted(activity)}: {reached} cases"
        fit = self.durations.get(name)
        if fit is None:
            return text + "; no duration measured"
        return f"{text}; duration {fit.comment()}"

    def _hours_comment(self) -> list[str]:
        if not self.cases:
            return []
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        if self.open_days is not None:
            lines = [f"Opening hours: the hours with case starts ({self.zone}); the rate counts open days."]
        else:
            lines = ["No opening hours: cases start at all hours, or the log is too short to tell."]
        lines.append(f"Case starts per weekday and hour ({_plain(self.zone)}):")
        lines.append("       " + "".join(f"{h:>4}" for h in range(0, 24)))
        for index, row in enumerate(self.weekday_hours):
            lines.append(f"  {days[index]}  " + "".join(f"{c:>4}" for c in row) + f"  total {sum(row)}")
        return lines

    def _segment_comment(self) -> list[str]:
        if not self.segments:
            return []
        lines = [f"Segments from the case attribute {_quoted(self.segment_attribute or '')}:"]
        for name, value, count in self.segments:
            lo, hi = wilson(count, self.cases)
            lines.append(
                f"  {name} = {_quoted(value)}: {count} of {self.cases} cases"
                f" {100 * count / self.cases:.1f}% [{100 * lo:.1f}%, {100 * hi:.1f}%]"
            )
        return lines

    def _segment_stage_comment(self, stage: str) -> list[str]:
        lines: list[str] = []
        for segment, by_stage in self.segment_transitions.items():
            shares = by_stage.get(stage, [])
            if shares:
                parts = ", ".join(f"-> {s.target} {100 * s.value:.1f}% ({s.comment()})" for s in shares)
                lines.append(f"    # segment {segment}: {parts}")
        return lines


def _plain(text: str) -> str:
    """Text safe in a comment: no line break or control character."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]", " ", text)


def _quoted(text: str) -> str:
    return '"' + _plain(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(text: str) -> str:
    return ("# " + _plain(text)).rstrip()


def _percent(values: list[float]) -> list[float]:
    """Shares as percentages with one decimal that sum to at most 100."""
    tenths = [math.floor(v * 1000 + 1e-9) for v in values]
    # give back what flooring took, largest remainder first, while the sum stays <= 1000
    remainders = sorted(range(len(values)), key=lambda i: -(values[i] * 1000 - tenths[i]))
    total = sum(values)
    target = min(1000, round(total * 1000))
    for i in remainders:
        if sum(tenths) >= target:
            break
        tenths[i] += 1
    return [t / 10 for t in tenths]


def fit_log(
    log: EventLog,
    *,
    stages: Sequence[tuple[str, Sequence[str]]] | None = None,
    stage_file: str | None = None,
    stage_text: str = "",
    goal: str | None = None,
    segment_attribute: str | None = None,
    name: str | None = None,
    timezone: str | None = None,
) -> FittedJourney:
    """Fit a journey to an event log.

    Parameters
    ----------
    log : EventLog
        The log, as :func:`journeydsl.data.logs.read_log` reads it.
    stages : sequence of (stage, activities), optional
        A grouping of activities into stages (:func:`read_stage_mapping`); without it each
        activity is its own stage.
    stage_file, stage_text : str
        The mapping file and its text, for diagnostics.
    goal : str, optional
        The goal stage (by the name in the mapping, or an activity's when proposed).
    segment_attribute : str, optional
        A case attribute whose values become segments.
    name : str, optional
        The journey's name (default: the log file's stem).
    timezone : str, optional
        The IANA zone of the opening hours and the weekday-hour table (default: UTC).

    Returns
    -------
    FittedJourney

    Raises
    ------
    FitError
        JF004 when an activity is in no stage of the mapping, JF006 for an unknown goal, JF007
        for an unknown segment attribute, JF008 for a log without cases.
    """
    source = log.source
    here = Span(source, 1, 1, 1, 2)
    if not log.cases:
        raise FitError([FitDiagnostic("JF008", "the log has no cases to fit", here)])
    mapping_span = Span(stage_file or source, 1, 1, 1, 2)
    sources = {stage_file: stage_text} if stage_file else {}
    # order of activities: median position within the cases, then first occurrence
    first_seen: dict[str, int] = {}
    positions: dict[str, list[float]] = defaultdict(list)
    for case in log.cases:
        count = len(case.events)
        for index, event in enumerate(case.events):
            first_seen.setdefault(event.activity, len(first_seen))
            positions[event.activity].append(index / max(1, count - 1))
    # which activity usually comes first, pair by pair (first occurrences in a case)
    before: Counter[tuple[str, str]] = Counter()
    for case in log.cases:
        firsts: dict[str, int] = {}
        for index, event in enumerate(case.events):
            firsts.setdefault(event.activity, index)
        ordered = sorted(firsts, key=firsts.__getitem__)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                before[(a, b)] += 1
    names = list(first_seen)

    def rank(activity: str) -> tuple[int, float, int]:
        preceded = sum(before[(b, activity)] > before[(activity, b)] for b in names if b != activity)
        return (preceded, statistics.median(positions[activity]), first_seen[activity])

    activities = sorted(names, key=rank)
    problems: list[Diagnostic] = []
    taken: set[str] = set()
    grouping: list[tuple[str, str, list[str]]] = []
    if stages is not None:
        known = set(first_seen)
        mapped: set[str] = set()
        for stage_name, members in stages:
            present = [a for a in members if a in known]
            for a in members:
                if a not in known:
                    problems.append(
                        FitDiagnostic(
                            "JF005",
                            f"stage `{stage_name}` names `{a}`, which no event of the log has",
                            Span(stage_file or source, _line_of(stage_text, stage_name), 1, 1, 2),
                            did_you_mean(a, known),
                        )
                    )
            mapped.update(present)
            if present:
                grouping.append((stage_name, "mapped", present))
        missing = [a for a in activities if a not in mapped]
        for a in missing:
            problems.append(
                FitDiagnostic(
                    "JF004",
                    f"activity `{a}` of the log is in no stage of the mapping",
                    mapping_span,
                    f'add it to a stage: stage = ["{_plain(a)}"]',
                )
            )
        if any(p.is_error for p in problems):
            raise FitError(problems, sources)
    else:
        grouping = [(a, "proposed", [a]) for a in activities]
    notes = [f"warning: {p.message}" for p in problems]
    # identifiers: stages and touchpoints share one namespace of names
    stage_ids: dict[str, str] = {}
    touchpoint_ids: dict[str, str] = {}
    stage_of: dict[str, str] = {}
    named: list[tuple[str, str, list[tuple[str, str]]]] = []
    for stage_name, how, members in grouping:
        sid = identifier(stage_name, taken)
        stage_ids[stage_name] = sid
        pairs = []
        for a in members:
            tid = identifier(a + (" step" if len(members) == 1 and how == "proposed" else ""), taken)
            touchpoint_ids[a] = tid
            stage_of[a] = sid
            pairs.append((tid, a))
        named.append((sid, how, pairs))
    order = [sid for sid, _, _ in named]
    # goal
    if goal is not None:
        chosen = stage_ids.get(goal) or (goal if goal in order else None)
        if chosen is None:
            raise FitError(
                [
                    FitDiagnostic(
                        "JF006",
                        f"`{goal}` is not a stage of the fitted journey",
                        Span("--goal", 1, 1, 1, 2),
                        did_you_mean(goal, [*stage_ids, *order]) or "the stages are " + ", ".join(order),
                    )
                ]
            )
    # segments
    segment_of: dict[str, str] = {}
    segments: list[tuple[str, str, int]] = []
    if segment_attribute is not None:
        values = {case.id: case.attributes.get(segment_attribute) for case in log.cases}
        if not any(values.values()):
            seen = sorted({key for case in log.cases for key in case.attributes})
            raise FitError(
                [
                    FitDiagnostic(
                        "JF007",
                        f"no case of the log has the attribute `{segment_attribute}`",
                        Span("--segment-attribute", 1, 1, 1, 2),
                        did_you_mean(segment_attribute, seen)
                        or ("the case attributes are " + ", ".join(seen) if seen else "the log has no case attributes"),
                    )
                ]
            )
        counts = Counter(v or "(none)" for v in values.values())
        segment_names: dict[str, str] = {}
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            segment_names[value] = identifier(value, taken)
            segments.append((segment_names[value], value, count))
        segment_of = {cid: segment_names[v or "(none)"] for cid, v in values.items()}
    # visits, transitions, durations
    moves: dict[str, Counter[str]] = defaultdict(Counter)
    visits: Counter[str] = Counter()
    ends: Counter[str] = Counter()
    seg_moves: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    seg_visits: dict[str, Counter[str]] = defaultdict(Counter)
    starts: Counter[str] = Counter()
    most_visits: Counter[str] = Counter()
    durations: dict[str, list[float]] = defaultdict(list)
    reach: dict[str, set[str]] = defaultdict(set)
    occurrences: Counter[str] = Counter()
    for case in log.cases:
        sequence: list[str] = []
        events = case.events
        for index, event in enumerate(events):
            reach[event.activity].add(case.id)
            occurrences[event.activity] += 1
            sid = stage_of[event.activity]
            if not sequence or sequence[-1] != sid:
                sequence.append(sid)
            if _gave_up(event.attributes):
                continue
            if event.end is not None:
                durations[touchpoint_ids[event.activity]].append((event.end - event.timestamp).total_seconds())
            elif index + 1 < len(events):
                durations[touchpoint_ids[event.activity]].append(
                    (events[index + 1].timestamp - event.timestamp).total_seconds()
                )
        starts[sequence[0]] += 1
        ends[sequence[-1]] += 1
        for sid, count in Counter(sequence).items():
            most_visits[sid] = max(most_visits[sid], count)
        segment = segment_of.get(case.id)
        for here_stage, following in zip(sequence, [*sequence[1:], None], strict=True):
            visits[here_stage] += 1
            if segment is not None:
                seg_visits[segment][here_stage] += 1
            if following is not None:
                moves[here_stage][following] += 1
                if segment is not None:
                    seg_moves[segment][here_stage][following] += 1
    if goal is not None:
        goal_id = stage_ids.get(goal) or goal
        goal_reason = "given by --goal"
    else:
        goal_id = max(order, key=lambda s: (ends[s], -order.index(s)))
        goal_reason = f"the stage most cases end in: {ends[goal_id]} of {len(log.cases)}"

    def shares_of(counter: Counter[str], n: int) -> list[Share]:
        return [Share(target, counter[target], n) for target in order if counter.get(target)]

    transitions = {sid: shares_of(moves[sid], visits[sid]) for sid in order}
    exits = {sid: (visits[sid] - sum(moves[sid].values()), visits[sid]) for sid in order}
    fits = {tid: fit_duration(durations.get(tid, [])) for _, _, pairs in named for tid, _ in pairs}
    # arrivals
    zone = _zone(timezone)
    case_starts = sorted(case.start.astimezone(zone) for case in log.cases)
    span_seconds = (case_starts[-1] - case_starts[0]).total_seconds()
    span_days = span_seconds / 86400.0
    rate: tuple[float, float, float] | None = None
    if span_seconds > 0 and len(case_starts) >= 2:
        from scipy import stats

        n = len(case_starts)
        # n arrivals in [first, last]: the first is the origin, so n - 1 arrivals over the span
        k = n - 1
        lo = stats.chi2.ppf(0.025, 2 * k) / 2 / span_days if k > 0 else 0.0
        hi = stats.chi2.ppf(0.975, 2 * k + 2) / 2 / span_days
        rate = (k / span_days, float(lo), float(hi))
    grid = [[0] * 24 for _ in range(7)]
    for when in case_starts:
        grid[when.weekday()][when.hour] += 1
    hours, open_days = _opening_hours(grid, span_days, len(case_starts))
    if rate is not None and hours is not None:
        # `per day` counts open days: the rate is the cases of an average open day, so the exposure
        # is the open time between the first and the last start, in average open days
        weekly = [[bool(count) for count in row] for row in _open_grid(hours)]
        open_hours = _open_hours_between(case_starts[0], case_starts[-1], weekly)
        per_open_day = sum(map(sum, weekly)) / open_days
        scale = span_days / (open_hours / per_open_day) if open_hours > 0 else 7 / open_days
        rate = (rate[0] * scale, rate[1] * scale, rate[2] * scale)
    # the model
    channels = _channels(log)
    built_stages: list[Stage] = []
    routed_stages: list[str] = []
    for sid, _how, pairs in named:
        channel_counts: Counter[str] = Counter()
        touchpoints = []
        for tid, activity in pairs:
            channel = channels.get(activity, "staff")
            channel_counts[channel] += 1
            fit = fits[tid]
            touchpoints.append(Touchpoint(tid, channel, duration=fit.spec() if fit else None, stage=sid))
        shares = transitions[sid]
        percents = _percent([s.value for s in shares])
        routed = _segment_routes(sid, shares, segments, seg_moves, seg_visits)
        built = tuple(
            Transition(
                sid,
                s.target,
                Probability(p / 100, True),
                conditionals=tuple(
                    Conditional(Probability(route[index] / 100, True), (Condition("segment", segment),))
                    for segment, route in routed
                ),
            )
            for index, (s, p) in enumerate(zip(shares, percents, strict=True))
        )
        if routed:
            routed_stages.append(sid)
        # a stage the log revisits gets the most visits one case made as its limit
        limit = float(most_visits[sid]) if most_visits[sid] > 1 else None
        built_stages.append(
            Stage(sid, goal=sid == goal_id, visit_limit=limit, steps=tuple(touchpoints), transitions=built)
        )
    patience = _patience(log, segment_of)
    journey_segments: tuple[Segment, ...] = ()
    if len(segments) >= 2:
        seg_percents = _percent([count / len(log.cases) for _, _, count in segments])
        # segment shares must sum to exactly 100%: the largest takes the rest
        seg_percents[0] = round(100 - sum(seg_percents[1:]), 1)
        journey_segments = tuple(
            Segment(sname, share=Probability(p / 100, True))
            for (sname, _, _), p in zip(segments, seg_percents, strict=True)
        )
    elif len(segments) == 1:
        journey_segments = (Segment(segments[0][0]),)
    elif patience.get(None) is not None and patience[None].patience is not None:
        journey_segments = (Segment("customers"),)
    patience_by_segment = {
        segment.name: patience.get(segment.name if segments else None) for segment in journey_segments
    }
    journey_segments = tuple(
        replace(segment, patience=_patience_quantity(fitted.patience))
        if (fitted := patience_by_segment[segment.name]) is not None and fitted.patience is not None
        else segment
        for segment in journey_segments
    )
    horizon_days = max(1.0, math.ceil(span_days)) if span_days > 0 else 1.0
    arrivals = (
        Arrivals("poisson", rate=_round(rate[0]), per="day")
        if rate is not None and rate[0] > 0
        else Arrivals("cohort", count=float(len(log.cases)))
    )
    journey = Journey(
        name or Path(source).name.split(".")[0] or "fitted journey",
        time_unit="min",
        horizon=Quantity(horizon_days, "days") if arrivals.kind == "poisson" else None,
        arrivals=arrivals,
        hours=hours if arrivals.kind == "poisson" else None,
        segments=journey_segments,
        stages=tuple(built_stages),
    )
    segment_transitions = {
        segment: {sid: shares_of(seg_moves[segment][sid], seg_visits[segment][sid]) for sid in order}
        for segment, _, _ in segments
    }
    if routed_stages:
        notes.append(
            f"Segments routed on their own shares (they differ from the whole at 95%) from: {', '.join(routed_stages)}."
        )
    if starts and (len(starts) > 1 or next(iter(starts)) != order[0]):
        notes.append(f"note: {sum(c for s, c in starts.items() if s != order[0])} cases do not start in {order[0]}.")
    return FittedJourney(
        journey=journey,
        source=source,
        stages=named,
        transitions=transitions,
        exits=exits,
        durations=fits,
        activity_reach={a: (len(reach[a]), occurrences[a]) for a in first_seen},
        cases=len(log.cases),
        events=sum(len(case.events) for case in log.cases),
        goal=goal_id,
        goal_reason=goal_reason,
        rate=rate,
        span_days=span_days,
        weekday_hours=grid,
        zone=timezone or "UTC",
        open_days=open_days if hours is not None else None,
        segments=segments,
        segment_transitions=segment_transitions,
        segment_attribute=segment_attribute,
        start_stages=starts,
        notes=notes,
        stage_titles={sid: title for title, sid in stage_ids.items()},
        sources=sources,
        log_diagnostics=(*(d for d in log.diagnostics if not d.is_error), *problems),
        patience={name: fit for name, fit in patience_by_segment.items() if fit is not None}
        or ({"": patience[None]} if None in patience else {}),
    )


def _patience_quantity(seconds: float) -> Quantity:
    unit, length = _unit_for(seconds)
    return Quantity(_round(seconds / length), unit)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _zone(name: str | None) -> tzinfo:
    """The time zone of the opening hours (UTC when none or unknown; the log reader checks the name)."""
    if not name:
        return dt_timezone.utc
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return dt_timezone.utc


def _clock(hour: int) -> str:
    return f"{hour:02d}:00"


def _opening_hours(grid: list[list[int]], span_days: float, starts: int) -> tuple[OpeningHours | None, int]:
    """Opening hours when the log shows closed periods clearly, and the open days a week.

    Only with 14 days or more and 200 case starts or more.  A weekday with no start is closed; an
    open one is open from its first hour with a start to the end of its last (one range a day).
    The hours are written only when they leave a quarter of the week or more closed.
    """
    if span_days < 14 or starts < 200:
        return None, 7
    ranges: list[tuple[int, int] | None] = []
    for row in grid:
        active = [hour for hour, count in enumerate(row) if count]
        ranges.append((active[0], active[-1] + 1) if active else None)
    open_hours = sum(end - start for r in ranges if r is not None for start, end in [r])
    open_days = sum(r is not None for r in ranges)
    if open_days == 0 or open_hours > 0.75 * 7 * 24:
        return None, 7
    lines: list[HoursLine] = []
    day = 0
    while day < 7:
        current = ranges[day]
        last = day
        while last + 1 < 7 and ranges[last + 1] == current:
            last += 1
        if current is not None:
            days = _DAYS[day] if last == day else f"{_DAYS[day]}-{_DAYS[last]}"
            start, end = current
            text = f"{_clock(start)}-{_clock(end)}"
            lines.append(
                HoursLine("open", days=((days, NO_SPAN),), ranges=(TimeRange(start * 60.0, end * 60.0, text),))
            )
        day = last + 1
    return OpeningHours(lines=tuple(lines)), open_days


#: The fewest visits of a segment to a stage for its own transition shares there.
MIN_SEGMENT_VISITS = 30


def _segment_routes(
    stage: str,
    shares: list[Share],
    segments: list[tuple[str, str, int]],
    moves: dict[str, dict[str, Counter[str]]],
    visits: dict[str, Counter[str]],
) -> list[tuple[str, list[float]]]:
    """Each segment's own transition shares from a stage (percentages, in the order of ``shares``).

    Only when the segments differ: some segment with :data:`MIN_SEGMENT_VISITS` visits or more has
    a Wilson 95% interval that leaves out the share of all cases.  Then every segment with enough
    visits gets its own shares (``-> pay 60%, 71.2% if segment web``); the others keep the whole's.
    """
    if len(segments) < 2 or not shares:
        return []
    eligible = [name for name, _, _ in segments if visits[name][stage] >= MIN_SEGMENT_VISITS]
    differs = False
    for name in eligible:
        n = visits[name][stage]
        for share in shares:
            lo, hi = wilson(moves[name][stage][share.target], n)
            if not lo <= share.value <= hi:
                differs = True
    if not differs:
        return []
    return [
        (name, _percent([moves[name][stage][share.target] / visits[name][stage] for share in shares]))
        for name in eligible
    ]


def _open_grid(hours: OpeningHours) -> list[list[int]]:
    """Which hours of each weekday the fitted opening hours keep open (1) or closed (0)."""
    grid = [[0] * 24 for _ in range(7)]
    for line in hours.lines:
        days = line.days[0][0]
        first, _, last = days.partition("-")
        for day in range(_DAYS.index(first), _DAYS.index(last or first) + 1):
            for span in line.ranges:
                for hour in range(int(span.start // 60), int(span.end // 60)):
                    grid[day][hour] = 1
    return grid


def _open_hours_between(first: datetime, last: datetime, weekly: list[list[bool]]) -> float:
    """The open hours (fractions at the ends counted) between two times, by a weekly grid of hours."""
    total = 0.0
    hour = first.replace(minute=0, second=0, microsecond=0)
    while hour < last:
        following = hour + timedelta(hours=1)
        if weekly[hour.weekday()][hour.hour]:
            start, end = max(hour, first), min(following, last)
            total += (end - start).total_seconds() / 3600.0
        hour = following
    return total


def _channels(log: EventLog) -> dict[str, str]:
    """The touchpoint channel of each activity: its events' most common known ``channel`` (else ``staff``)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for case in log.cases:
        for event in case.events:
            value = event.attributes.get("channel", "")
            if value in CHANNELS:
                counts[event.activity][value] += 1
    return {activity: counter.most_common(1)[0][0] for activity, counter in counts.items()}
