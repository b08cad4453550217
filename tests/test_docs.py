"""The documentation cannot rot: its journeys check, and it names every code, command, option and setting."""

from __future__ import annotations

import re

import click
import pytest

from journeydsl.api import check_text
from journeydsl.cli import cli
from journeydsl.diagnostics import CODES
from journeydsl.vocabulary import SETTINGS

from .conftest import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
BLOCK = re.compile(r"```(journey|journey-invalid)\n(.*?)```", re.S)


def blocks(kind: str) -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for tag, body in BLOCK.findall(path.read_text(encoding="utf-8")):
            if tag == kind:
                found.append((f"{path.name}:{len(found)}", body))
    return found


@pytest.mark.parametrize(("where", "text"), blocks("journey"), ids=[where for where, _ in blocks("journey")])
def test_journey_blocks_check_without_errors(where, text):
    result = check_text(text, where, base=ROOT / "examples" / "journeys")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]


@pytest.mark.parametrize(("where", "text"), blocks("journey-invalid"), ids=[where for where, _ in blocks("journey-invalid")])
def test_invalid_blocks_do_produce_a_diagnostic(where, text):
    if text.lstrip().startswith("import") and "journey" not in text.split("\n", 1)[1] and "library" not in text:
        pytest.skip("an import-only fragment; its fixture folder is tested in test_fixtures")
    result = check_text(text, where)
    assert result.diagnostics


def test_every_diagnostic_code_is_documented():
    text = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert [code for code in CODES if f"### {code}" not in text] == []


def test_every_setting_is_documented():
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    missing = [f"{block}.{key}" for block, keys in SETTINGS.items() for key in keys if f"`{key}`" not in text or f"`{block}`" not in text]
    assert missing == []


def test_every_command_and_option_is_documented():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = []
    for name, command in cli.commands.items():
        if f"journey {name}" not in text:
            missing.append(name)
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                if not any(option in text for option in parameter.opts):
                    missing.append(f"{name} {parameter.opts[0]}")
    assert missing == []


def test_relative_links_point_at_files():
    broken = []
    for path in DOCS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if not (path.parent / target).exists():
                broken.append(f"{path.name} -> {target}")
    assert broken == []
