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
    result = CliRunner().invoke(cli, ["simulate", str(example), "--customers", "200", "-r", str(replications), "--format", "json"])
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
    wrong = copy.deepcopy(document)
    wrong["schema"] = "journeydsl.results/2"
    for broken in (missing, too_high, extra, wrong):
        assert not VALIDATOR.is_valid(broken)
