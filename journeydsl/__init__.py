"""journeydsl: a language and simulator for customer-experience journeys.

Every verb of :mod:`journeydsl.api` is here too::

    import journeydsl as jd

    journey = jd.load("examples/journeys/premier_banking.journey")
    outcome = jd.simulate(journey, customers=2000, design="printer in office")
    outcome.results["metrics"]["nps"]

Importing the package is quick: the API (and with it the simulator, networkx
and the rest) is imported when one of its names is first used (PEP 562), so
the ``journey`` command can take charge of Ctrl-C before the heavy imports
begin.  ``from journeydsl import simulate``, ``jd.simulate``, ``dir(jd)`` and
``jd.api`` (any submodule by attribute) work as if everything were imported.

Examples
--------
>>> import journeydsl as jd
>>> jd.JourneyError.__name__, callable(jd.simulate), "simulate" in dir(jd)
('JourneyError', True, True)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .api import (
        CheckResult,
        RunSettings,
        analyze,
        care,
        check_file,
        check_text,
        compare,
        compile_graph,
        delivery,
        design,
        design_names,
        gaps,
        load,
        loads,
        opportunities,
        plot,
        profile,
        read_survey_csv,
        recovery,
        report,
        run_tests,
        simulate,
        trace_writer,
    )
    from .lang.diagnostics import Diagnostic, JourneyError

__all__ = [
    "CheckResult",
    "Diagnostic",
    "JourneyError",
    "RunSettings",
    "__version__",
    "analyze",
    "care",
    "check_file",
    "check_text",
    "compare",
    "compile_graph",
    "delivery",
    "design",
    "design_names",
    "gaps",
    "load",
    "loads",
    "opportunities",
    "plot",
    "profile",
    "read_survey_csv",
    "recovery",
    "report",
    "run_tests",
    "simulate",
    "trace_writer",
]

#: The names of :data:`__all__` that come from the language's diagnostics; the others but the version
#: come from :mod:`journeydsl.api`.
_DIAGNOSTICS = frozenset({"Diagnostic", "JourneyError"})


def __getattr__(name: str) -> Any:
    """A name of :data:`__all__` or a submodule, imported on first use and kept (PEP 562).

    Parameters
    ----------
    name : str
        The attribute asked for.

    Returns
    -------
    object
        The API's function or class, or the submodule.

    Raises
    ------
    AttributeError
        When the package has no such name.
    """
    if name.startswith("__"):  # what tools probe for (``__wrapped__``, ``__test__``): never a submodule
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name in _DIAGNOSTICS:
        from .lang import diagnostics as home

        value = getattr(home, name)
    elif name in __all__:
        from . import api

        value = getattr(api, name)
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, imported yet or not."""
    return sorted({*globals(), *__all__})
