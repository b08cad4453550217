"""journeydsl: a language and simulator for customer-experience journeys."""

from .api import CheckResult, check_file, check_text, compile_graph, load, loads
from .diagnostics import Diagnostic, JourneyError

__version__ = "0.1.0"

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
