"""pytest: without the ``lsp`` extra (pygls, lsprotocol) the server module is not collected for doctests.

``journey lsp`` itself says what to install; tests/test_lsp.py skips its end-to-end tests.
"""

from __future__ import annotations

import importlib.util

_INSTALLED = all(importlib.util.find_spec(name) is not None for name in ("pygls", "lsprotocol"))

collect_ignore = [] if _INSTALLED else ["server.py"]
