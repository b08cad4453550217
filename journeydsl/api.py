"""The front door, named like the json module: ``loads``, ``load``, ``check_text``, ``check_file``.

Examples
--------
>>> from journeydsl import api
>>> journey = api.loads('''
... journey "Coffee" {
...   stage order (purchase) goal {
...     touchpoint barista: staff duration 2 min { feel +2; performance service 8 }
...   }
... }''')
>>> journey.stages[0].touchpoints()[0].channel
'staff'
>>> result = api.check_text('journey "J" { stage a { } }')
>>> [d.code for d in result.diagnostics]
['JD303', 'JD503']
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .lang.checks import run_checks
from .lang.design_test_checks import check_design_tests
from .lang.designs import check_designs, resolve
from .lang.diagnostics import Diagnostic, JourneyError, has_errors, sort_diagnostics
from .lang.graph import build_graph
from .lang.loader import Loaded, load_file, load_text
from .lang.model import Journey, Library
from .lang.survey_checks import check_surveys

__all__ = [
    "CheckResult",
    "check_text",
    "check_file",
    "loads",
    "load",
    "compile_graph",
    "simulate",
    "experiment",
    "design",
]


@dataclass
class CheckResult:
    """A checked file: its journey (or library), every diagnostic, and the source texts."""

    journey: Journey | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    library: Library | None = None

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not has_errors(self.diagnostics)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a journey is read and checked.

    Parsing allocates hundreds of thousands of acyclic objects; the collector
    would otherwise rescan them over and over (pausing it halves the time to check a large file).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _checked(loaded: Loaded) -> CheckResult:
    diagnostics = list(loaded.diagnostics)
    body = loaded.journey or loaded.library
    if body is not None:
        found = run_checks(body)
        diagnostics.extend(found)
        if loaded.journey is not None and loaded.journey.variants:
            diagnostics.extend(check_designs(loaded.journey, run_checks, found))
        if loaded.journey is not None and loaded.journey.surveys:
            diagnostics.extend(check_surveys(loaded.journey))
        if loaded.journey is not None and loaded.journey.design_tests:
            diagnostics.extend(check_design_tests(loaded.journey))
    return CheckResult(loaded.journey, sort_diagnostics(diagnostics), loaded.sources, loaded.library)


def check_text(text: str, file: str = "<string>", base: str | os.PathLike[str] | None = None) -> CheckResult:
    """Parse and check journey text; imports resolve against ``base`` (default: working directory)."""
    with _collector_paused():
        return _checked(load_text(text, file, Path(base) if base else None))


def check_file(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> CheckResult:
    """Parse and check a ``.journey`` file and its imports.

    Parameters
    ----------
    path : path-like
        The file to check.
    root : path-like, optional
        The project folder imports must stay in (default: the file's own folder).
    """
    with _collector_paused():
        return _checked(load_file(path, root))


def _valid(result: CheckResult) -> Journey:
    if not result.ok or result.journey is None:
        if result.ok:
            raise JourneyError([], result.sources)
        raise JourneyError(result.diagnostics, result.sources)
    return result.journey


def loads(text: str, file: str = "<string>") -> Journey:
    """Parse and check journey text; raise :class:`JourneyError` if it has errors."""
    return _valid(check_text(text, file))


def load(path: str | os.PathLike[str]) -> Journey:
    """Parse and check a ``.journey`` file; raise :class:`JourneyError` if it has errors."""
    return _valid(check_file(path))


def design(journey: Journey, name: str) -> Journey:
    """One design of a journey as a whole journey: ``"baseline"`` or a variant's name.

    Raises
    ------
    JourneyError
        When there is no such design or its patches do not apply.
    """
    resolved = resolve(journey, name)
    if resolved.journey is None:
        raise JourneyError(resolved.diagnostics)
    return resolved.journey


def compile_graph(journey: Journey) -> nx.DiGraph:
    """The journey as a ``networkx.DiGraph`` (see :mod:`journeydsl.lang.graph`)."""
    return build_graph(journey)


def experiment(
    journey: Journey,
    customers: int | None = None,
    horizon: float | None = None,
    replications: int = 1,
    seed: int | None = None,
    warmup: float = 0.0,
    design: str = "baseline",
    trace=None,
    progress=None,
):
    """Like :func:`simulate`, but return the :class:`~journeydsl.sim.runner.Outcome`.

    The outcome holds the results document and the replications' collectors,
    whose histograms the distribution plots of :mod:`journeydsl.report.plots` need.
    """
    from .sim.plan import compile_plan
    from .sim.runner import run
    from .sim.settings import RunSettings

    settings = RunSettings(customers=customers, horizon=horizon, warmup=warmup)
    return run(compile_plan(journey), settings, replications, seed, design, trace, progress)


def simulate(
    journey: Journey,
    customers: int | None = None,
    horizon: float | None = None,
    replications: int = 1,
    seed: int | None = None,
    warmup: float = 0.0,
    design: str = "baseline",
    trace=None,
    progress=None,
) -> dict[str, object]:
    """Simulate synthetic customers through a checked journey; return the results document.

    Parameters
    ----------
    journey : Journey
        A journey without errors (from :func:`load` or :func:`loads`).
    customers : int, optional
        Customers from the arrival process, each followed for the horizon; default: run to the horizon.
    horizon : float, optional
        Overrides the journey's horizon, in its time unit.
    replications : int
        Independent replications; confidence intervals come from their spread when there are several.
    seed : int, optional
        Master seed (default: the journey's ``seed``, else 0).  Same file and seed, same results.
    warmup : float
        Customers arriving before this time (in the journey's time unit) are not counted.
    design : str
        Name of the design, written into the results.

    Returns
    -------
    dict
        The ``journeydsl.results/1`` document (see ``docs/results-schema.md``).

    Examples
    --------
    >>> j = loads('journey "J" { arrivals cohort 200 '
    ...           'stage a goal { touchpoint t: staff duration 2 min { feel +2 } } }')
    >>> results = simulate(j, seed=1)
    >>> # ``customers`` counts the cohort plus the customers their referrals brought in.
    >>> results["customers"] >= 200, results["metrics"]["conversion_rate"]["mean"]
    (True, 1.0)
    """
    return experiment(journey, customers, horizon, replications, seed, warmup, design, trace, progress).results
