"""The results contract: every example's JSON validates against the shipped JSON Schema."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from click.testing import CliRunner

from journeydsl.cli import cli
from journeydsl.schemas import results_schema

from .conftest import EXAMPLES

VALIDATOR = jsonschema.Draft202012Validator(results_schema())


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(results_schema())


@pytest.mark.parametrize("replications", [1, 3])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_simulate_json_validates(example, replications):
    result = CliRunner().invoke(
        cli, ["simulate", str(example), "--customers", "200", "-r", str(replications), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    errors = sorted(VALIDATOR.iter_errors(document), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert document["replications"] == replications


def test_the_schema_catches_broken_documents():
    result = CliRunner().invoke(cli, ["simulate", str(EXAMPLES[0]), "--customers", "100", "--format", "json"])
    document = json.loads(result.output)
    missing = copy.deepcopy(document)
    del missing["metrics"]["nps"]
    too_high = copy.deepcopy(document)
    too_high["metrics"]["conversion_rate"]["mean"] = 1.5
    extra = copy.deepcopy(document)
    extra["touchpoints"][next(iter(extra["touchpoints"]))]["mood"] = 1
    negative = copy.deepcopy(document)
    negative["segments"][next(iter(negative["segments"]))]["metrics"]["time_in_journey"]["mean"] = -1.0
    wrong = copy.deepcopy(document)
    wrong["schema"] = "journeydsl.results/2"
    assert VALIDATOR.is_valid(document)
    for broken in (missing, too_high, extra, negative, wrong):
        assert not VALIDATOR.is_valid(broken)


def test_compare_json_validates_against_the_comparison_schema():
    from journeydsl.schemas import validator

    for replications in ("1", "2"):
        result = CliRunner().invoke(
            cli, ["compare", str(EXAMPLES[-1]), "--customers", "150", "-r", replications, "-j", "1", "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        document = json.loads(result.output)
        errors = sorted(validator("comparison.schema.json").iter_errors(document), key=str)
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    broken = copy.deepcopy(document)
    broken["differences"]["printer in office"]["metrics"]["nps"]["excludes_zero"] = "yes"
    assert not validator("comparison.schema.json").is_valid(broken)
