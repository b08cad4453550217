"""A recent simulation of a journey, for the figures the language server shows on hover.

``journey simulate FILE --format json -o results.json`` writes a results document
(schema ``journeydsl.results/1``) that names the journey and carries the SHA-256
of the texts it was simulated from.  :func:`recent_results` looks for such
documents beside the journey file (that folder only, a bounded number of files,
none larger than :data:`MAX_RESULTS_BYTES`) and picks, for the journey's name, one
simulated from exactly the current text if there is one, else the most recently
written (then marked as made from an earlier text).  Nothing is simulated here:
the server only reads what the designer ran.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Figures", "recent_results", "source_hash", "MAX_RESULTS_BYTES", "MAX_CANDIDATES", "RESULTS_SCHEMA"]

#: The schema of the results documents read.
RESULTS_SCHEMA = "journeydsl.results/1"
#: Results files larger than this are not read.
MAX_RESULTS_BYTES = 20 * 1024 * 1024
#: At most this many ``.json`` files of a folder are looked at (the most recent first).
MAX_CANDIDATES = 50

_cache: dict[tuple[str, int, int], dict[str, Any] | None] = {}


@dataclass(frozen=True)
class Figures:
    """A results document found for a journey: where, and whether it was made from the current text."""

    path: Path
    document: dict[str, Any]
    current: bool

    def touchpoint(self, name: str) -> dict[str, Any] | None:
        """The figures of one touchpoint, if the simulation met it."""
        found = self.document.get("touchpoints", {}).get(name)
        return found if isinstance(found, dict) else None

    def stage(self, name: str) -> dict[str, Any] | None:
        """The figures of one stage."""
        found = self.document.get("stages", {}).get(name)
        return found if isinstance(found, dict) else None

    def segment(self, name: str) -> dict[str, Any] | None:
        """The figures of one segment."""
        found = self.document.get("segments", {}).get(name)
        return found if isinstance(found, dict) else None


def source_hash(sources: dict[str, str]) -> str:
    """SHA-256 over a journey's source texts, as results documents record it (``sha256:<hex>``).

    The same hash as :func:`journeydsl.sim.settings.source_hash` (a test holds them equal): only
    the texts count, in a stable order.
    """
    parts = sorted(hashlib.sha256(text.encode("utf-8")).hexdigest() for text in sources.values())
    return "sha256:" + hashlib.sha256("".join(parts).encode("ascii")).hexdigest()


def _read(path: Path, info: os.stat_result) -> dict[str, Any] | None:
    key = (str(path), info.st_mtime_ns, info.st_size)
    if key in _cache:
        return _cache[key]
    document: dict[str, Any] | None = None
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_RESULTS_BYTES + 1)
        if len(data) <= MAX_RESULTS_BYTES:
            loaded = json.loads(data.decode("utf-8"))
            if isinstance(loaded, dict) and loaded.get("schema") == RESULTS_SCHEMA:
                document = loaded
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        document = None
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = document
    return document


def recent_results(folder: Path, journey: str, source_sha256: str | None) -> Figures | None:
    """The results document of ``journey`` in ``folder``: the one of the current text, else the newest.

    Parameters
    ----------
    folder : Path
        The journey file's folder.
    journey : str
        The journey's name, as the results document records it.
    source_sha256 : str or None
        The hash of the current text (:attr:`journeydsl.lang.model.Journey.source_sha256`).

    Returns
    -------
    Figures or None
        ``None`` when no results of this journey are found.
    """
    candidates: list[tuple[int, Path, os.stat_result]] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.lower().endswith(".json") and entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    if info.st_size <= MAX_RESULTS_BYTES:
                        candidates.append((info.st_mtime_ns, Path(entry.path), info))
    except OSError:
        return None
    candidates.sort(key=lambda item: item[0], reverse=True)
    newest: Figures | None = None
    for _, path, info in candidates[:MAX_CANDIDATES]:
        document = _read(path, info)
        if document is None or document.get("journey") != journey:
            continue
        current = source_sha256 is not None and document.get("source_sha256") == source_sha256
        if current:
            return Figures(path, document, True)
        if newest is None:
            newest = Figures(path, document, False)
    return newest
