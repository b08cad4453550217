"""Every analysis command runs on every example where it applies, and prints its versioned JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from journeydsl.api import load
from journeydsl.cli import cli
from journeydsl.schemas import SCHEMA_FILES, validator

from .conftest import EXAMPLES

COMMANDS = {
    "gaps": ["--source", "simulation", "--customers", "150"],
    "gaps-survey": [],
    "analyze": [],
    "opportunities": ["--customers", "100", "-j", "1"],
    "profile": ["--customers", "100"],
    "delivery": ["--customers", "100"],
    "care": ["--customers", "100", "-j", "1"],
    "recovery": ["--customers", "100"],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_analysis_runs_on_example(command, example):
    journey = load(example)
    if command == "care" and not journey.care:
        pytest.skip("no care programmes in this example")
    if command == "gaps-survey" and not journey.surveys:
        pytest.skip("no survey in this example")
    result = CliRunner().invoke(cli, [command.split("-")[0], str(example), *COMMANDS[command], "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    # Every analysis writes a versioned document whose schema ships with the package, and is valid under it.
    assert document["schema"] in SCHEMA_FILES
    errors = sorted(validator(SCHEMA_FILES[document["schema"]]).iter_errors(document), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_design_tests_json_validates(example):
    result = CliRunner().invoke(cli, ["test", str(example), "--customers", "150", "-j", "1", "--format", "json"])
    document = json.loads(result.output)
    errors = sorted(validator("tests.schema.json").iter_errors(document), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("analyze", []),
        ("care", ["--customers", "100", "-j", "1"]),
        ("recovery", ["--customers", "100"]),
        ("delivery", ["--customers", "100"]),
        ("profile", ["--customers", "100"]),
        ("gaps", []),
        ("opportunities", ["--customers", "100", "-j", "1"]),
    ],
)
def test_analysis_charts(command, arguments, tmp_path):
    example = next(e for e in EXAMPLES if e.stem == ("electronics_shops" if command == "gaps" else "pizza_restaurant"))
    chart = tmp_path / "chart.png"
    result = CliRunner().invoke(cli, [command, str(example), *arguments, "--plot", str(chart)])
    assert result.exit_code == 0, result.output
    assert chart.read_bytes().startswith(b"\x89PNG")
    refused = CliRunner().invoke(cli, [command, str(example), *arguments, "--plot", str(tmp_path / "chart.gif")])
    assert refused.exit_code == 2
