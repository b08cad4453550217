"""The JSON Schemas of journeydsl's documents, shipped inside the package."""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["SCHEMA_FILES", "results_schema", "comparison_schema", "load_schema", "validator"]

#: The JSON Schema file of each versioned document journeydsl writes.
SCHEMA_FILES = {
    "journeydsl.results/1": "results.schema.json",
    "journeydsl.comparison/1": "comparison.schema.json",
    "journeydsl.tests/1": "tests.schema.json",
    "journeydsl.gaps/1": "gaps.schema.json",
    "journeydsl.analysis/1": "analysis.schema.json",
    "journeydsl.opportunities/1": "opportunities.schema.json",
    "journeydsl.profile/1": "profile.schema.json",
    "journeydsl.delivery/2": "delivery.schema.json",
    "journeydsl.care/1": "care.schema.json",
    "journeydsl.recovery/1": "recovery.schema.json",
    "journeydsl.validation/1": "validation.schema.json",
    "journeydsl.sweep/1": "sweep.schema.json",
}


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
    for file in SCHEMA_FILES.values():
        registry = registry.with_resource(file, Resource.from_contents(load_schema(file)))
    return jsonschema.Draft202012Validator(load_schema(name), registry=registry)
