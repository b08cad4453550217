"""journeydsl: a language and simulator for customer-experience journeys.

Every verb of :mod:`journeydsl.api` is here too::

    import journeydsl as jd

    journey = jd.load("examples/journeys/premier_banking.journey")
    outcome = jd.simulate(journey, customers=2000, design="printer in office")
    outcome.results["metrics"]["nps"]
"""

from ._version import __version__
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
