"""journeydsl: a language and simulator for customer-experience journeys."""

from ._version import __version__
from .api import CheckResult, check_file, check_text, compile_graph, load, loads
from .lang.diagnostics import Diagnostic, JourneyError

__all__ = [
    "CheckResult",
    "Diagnostic",
    "JourneyError",
    "check_file",
    "check_text",
    "compile_graph",
    "load",
    "loads",
    "__version__",
]
