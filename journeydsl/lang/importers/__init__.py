"""Imports: Mermaid ``journey`` diagrams, spreadsheet journey maps (CSV) and CJML documents to journeys.

Each importer reads its format into a :class:`~.base.Draft`;
:func:`~.base.build_journey` makes the draft a checked-ready
:class:`~journeydsl.lang.model.Journey` and :func:`~.base.journey_text` writes
it as formatted ``.journey`` text headed by comments naming its source.  Bad
input raises :class:`~.base.ImportFailed` with diagnostics (``file:line:col``,
the line, a caret, a hint).  The mappings are documented in docs/import.md.
"""

from __future__ import annotations

from .base import (
    IMPORT_CODES,
    Draft,
    ImportDiagnostic,
    ImportFailed,
    build_journey,
    decode,
    journey_text,
    parse_shares,
    score_effect,
    with_segments,
)
from .cjml import CJML_CHANNELS, CJML_NAMES, read_cjml
from .csv_map import COLUMNS, read_csv_map
from .mermaid import read_mermaid

__all__ = [
    "IMPORT_CODES",
    "CJML_CHANNELS",
    "CJML_NAMES",
    "COLUMNS",
    "Draft",
    "ImportDiagnostic",
    "ImportFailed",
    "build_journey",
    "decode",
    "journey_text",
    "parse_shares",
    "read_cjml",
    "read_csv_map",
    "read_mermaid",
    "score_effect",
    "with_segments",
]
