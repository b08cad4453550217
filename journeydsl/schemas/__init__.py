"""The JSON Schemas of journeydsl's documents, shipped inside the package."""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["results_schema", "load_schema"]


def load_schema(name: str) -> dict:
    """A schema by file name, e.g. ``"results.schema.json"``."""
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def results_schema() -> dict:
    """The JSON Schema of ``journeydsl.results/1`` (``journey simulate --format json``).

    Examples
    --------
    >>> results_schema()["properties"]["schema"]["const"]
    'journeydsl.results/1'
    """
    return load_schema("results.schema.json")
