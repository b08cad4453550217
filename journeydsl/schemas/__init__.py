"""The JSON Schemas of journeydsl's documents, shipped inside the package."""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["results_schema", "comparison_schema", "load_schema", "validator"]


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


def comparison_schema() -> dict:
    """The JSON Schema of ``journeydsl.comparison/1`` (``journey compare --format json``); it refers to the results schema."""
    return load_schema("comparison.schema.json")


def validator(name: str):
    """A ``jsonschema`` validator for one of the shipped schemas, resolving references between them."""
    import jsonschema
    from referencing import Registry, Resource

    registry = Registry()
    for file in ("results.schema.json", "comparison.schema.json"):
        registry = registry.with_resource(file, Resource.from_contents(load_schema(file)))
    return jsonschema.Draft202012Validator(load_schema(name), registry=registry)
