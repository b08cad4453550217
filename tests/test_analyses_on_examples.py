"""Every analysis command runs on every example where it applies, and prints its versioned JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from journeydsl.api import load
from journeydsl.cli import cli

from .conftest import EXAMPLES

COMMANDS = {
    "gaps": ["--source", "simulation", "--customers", "150"],
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
    if command == "care" and not load(example).care:
        pytest.skip("no care programmes in this example")
    result = CliRunner().invoke(cli, [command, str(example), *COMMANDS[command], "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["schema"].startswith("journeydsl.") and document["schema"].endswith("/1")
