"""The documentation cannot rot: its journeys check, its outputs are real, and it names everything.

Fenced blocks tagged ``journey`` must check without errors; ``journey-invalid`` blocks must produce
the diagnostic their section names (at least one error elsewhere); ``journey-fragment`` blocks (a
piece of a journey) must at least parse.  ``docs/diagnostics.md`` must show every code with its
pinned fixture and output, ``docs/language.md`` every setting with its default and every word of the
vocabulary, ``docs/cli.md`` every command, option and choice.  The tutorial's check and graph
outputs are re-run.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from journeydsl.api import check_text
from journeydsl.cli import cli
from journeydsl.lang.diagnostics import CODES, ERROR
from journeydsl.lang.vocabulary import (
    CHANNELS,
    CONDITION_SUBJECTS,
    DISTRIBUTIONS,
    FACTORS,
    MODULES,
    PHASES,
    SETTINGS,
    THEMES,
)

from .conftest import ROOT

DOCS_DIR = ROOT / "docs"
DOCS = sorted(DOCS_DIR.glob("*.md")) + [ROOT / "README.md"]
FIXTURES = ROOT / "tests" / "fixtures" / "invalid"
BLOCK = re.compile(r"```(journey(?:-invalid|-fragment)?)\n(.*?)```", re.S)
SECTION_CODE = re.compile(r"^### (JD\d{3})\b", re.M)
#: Where a fragment may stand: on its own, in a journey, in a stage, in a touchpoint's effects.
FRAGMENT_PLACES = (
    "{}",
    'journey "J" {{\n{}\n}}',
    'journey "J" {{ stage s {{\n{}\n}} }}',
    'journey "J" {{ stage s {{ touchpoint t: staff {{\n{}\n}} }} }}',
)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def blocks(kind: str) -> list[tuple[str, str, str | None]]:
    """(where, text, the code of the `### JDxxx` section it stands in) for every block of a kind."""
    found = []
    for path in DOCS:
        text = read(path)
        for number, match in enumerate(BLOCK.finditer(text)):
            if match.group(1) == kind:
                codes = SECTION_CODE.findall(text[: match.start()])
                found.append((f"{path.name}:{number}", match.group(2), codes[-1] if codes else None))
    return found


def ids(cases: list[tuple[str, str, str | None]]) -> list[str]:
    return [where for where, _, _ in cases]


def fixture_folder(code: str | None) -> Path | None:
    folders = sorted(p for p in FIXTURES.glob(f"{code}_*") if p.is_dir()) if code else []
    return folders[0] if folders else None


# ---- journeys in the docs -------------------------------------------------------------------


@pytest.mark.parametrize(("where", "text", "code"), blocks("journey"), ids=ids(blocks("journey")))
def test_journey_blocks_check_without_errors(where, text, code):
    result = check_text(text, where, base=ROOT / "examples" / "journeys")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]


@pytest.mark.parametrize(("where", "text", "code"), blocks("journey-invalid"), ids=ids(blocks("journey-invalid")))
def test_invalid_blocks_produce_the_diagnostic_they_show(where, text, code):
    folder = fixture_folder(code)
    result = check_text(text, "main.journey" if folder else where, base=folder)
    codes = [d.code for d in result.diagnostics]
    if code is None or CODES[code][0] == ERROR:
        assert not result.ok, f"{where} should not check"
    if code is not None:
        assert code in codes, f"{where} stands under {code} but gives {codes}"


@pytest.mark.parametrize(("where", "text", "code"), blocks("journey-fragment"), ids=ids(blocks("journey-fragment")))
def test_fragments_parse(where, text, code):
    fragment = text.replace("{ ... }", "{ }")
    problems = []
    for place in FRAGMENT_PLACES:
        result = check_text(place.format(fragment), where)
        problems = [(d.code, d.message) for d in result.diagnostics if d.code.startswith("JD0")]
        if not problems:
            return
    pytest.fail(f"{where} does not parse in any place: {problems}")


# ---- diagnostics.md -------------------------------------------------------------------------


def diagnostic_sections() -> dict[str, str]:
    parts = re.split(r"^### (JD\d{3})\b", read(DOCS_DIR / "diagnostics.md"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_diagnostic_code_is_documented_with_its_title_and_severity():
    text = read(DOCS_DIR / "diagnostics.md")
    missing = [code for code, (severity, title) in CODES.items() if f"### {code}: {title} ({severity})" not in text]
    assert missing == []


def fixture_cases() -> list[Path]:
    files = sorted(FIXTURES.glob("JD*.journey"))
    folders = sorted(p / "main.journey" for p in FIXTURES.glob("JD*") if p.is_dir())
    return files + folders


@pytest.mark.parametrize("case", fixture_cases(), ids=lambda p: p.parent.name if p.name == "main.journey" else p.stem)
def test_diagnostics_page_shows_the_fixture_and_its_pinned_output(case):
    folder = case.parent if case.name == "main.journey" else None
    code = (folder.name if folder else case.name).split("_", 1)[0]
    section = diagnostic_sections()[code]
    expected = (folder.with_suffix(".expected") if folder else case.with_suffix(".expected")).read_text(
        encoding="utf-8"
    )
    assert f"$ journey check {case.name}\n{expected.rstrip()}\n```" in section
    source = case.read_bytes().decode("utf-8", "replace")
    if code != "JD007":  # not UTF-8: shown through its output only
        assert f"\n{source.rstrip()}\n```" in section


# ---- language.md ----------------------------------------------------------------------------


def test_every_setting_is_documented_with_its_default_and_range():
    text = read(DOCS_DIR / "language.md")
    missing = []
    for block, keys in SETTINGS.items():
        heading = text.find(f"### `{block}`")
        table = text[heading : text.find("\n#", heading + 1)] if heading >= 0 else ""
        for key, setting in keys.items():
            row = f"| `{key}` | {setting.default:g} | {setting.low:g} to {setting.high:g} |"
            if row not in table:
                missing.append(f"{block}.{key}: {row}")
    assert missing == []


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("channel", CHANNELS),
        ("module", MODULES),
        ("theme", THEMES),
        ("factor", FACTORS),
        ("phase", PHASES),
        ("distribution", DISTRIBUTIONS),
        ("condition", CONDITION_SUBJECTS),
    ],
)
def test_every_word_of_the_vocabulary_is_documented(kind, names):
    text = read(DOCS_DIR / "language.md")
    assert [name for name in names if f"`{name}`" not in text] == []


# ---- cli.md ---------------------------------------------------------------------------------


def test_every_command_option_and_choice_is_documented():
    text = read(DOCS_DIR / "cli.md")
    missing = []
    for name, command in cli.commands.items():
        if f"## `journey {name}`" not in text:
            missing.append(f"journey {name}")
        for parameter in command.params:
            if not isinstance(parameter, click.Option):
                continue
            if not any(option in text for option in parameter.opts):
                missing.append(f"journey {name} {parameter.opts[0]}")
            if isinstance(parameter.type, click.Choice):
                missing += [f"journey {name} {parameter.opts[0]} {c}" for c in parameter.type.choices if c not in text]
    assert missing == []


# ---- the tutorial's outputs -----------------------------------------------------------------


def tutorial_runs() -> list[tuple[str, str]]:
    """The tutorial's `journey check` and `journey graph` runs: (command line, output as printed)."""
    text = read(DOCS_DIR / "tutorial.md")
    runs = re.findall(r"```text\n\$ (journey (?:check|graph) [^\n]*)\n(.*?)```", text, re.S)
    assert len(runs) >= 4
    return runs


@pytest.mark.parametrize(("command", "output"), tutorial_runs(), ids=[c for c, _ in tutorial_runs()])
def test_tutorial_check_and_graph_outputs_are_real(command, output, tmp_path, monkeypatch):
    journey = [body for _, body, _ in blocks("journey") if 'journey "Bike repair"' in body][0]
    (tmp_path / "bike_repair.journey").write_text(journey, encoding="utf-8")
    # The tutorial's two mistakes: a duration without its unit and a misspelt stage.
    broken = journey.replace("exponential(4 min)", "exponential(4)", 1).replace("-> repair 95%", "-> repiar 95%", 1)
    (tmp_path / "broken.journey").write_text(broken, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, command.split()[1:])
    assert result.output.rstrip("\n") == output.rstrip("\n")


# ---- links ----------------------------------------------------------------------------------


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", read(path), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_relative_links_point_at_files_and_headings():
    broken = []
    for path in DOCS:
        for target, anchor in re.findall(r"\]\(([^)#:]*)(?:#([^)]*))?\)", read(path)):
            linked = path.parent / target if target else path
            if not linked.exists():
                broken.append(f"{path.name} -> {target}")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{path.name} -> {target}#{anchor}")
    assert broken == []


def test_the_api_guide_runs_as_written(monkeypatch):
    """Every ``>>>`` example of docs/api.md runs from the top of the repository and prints what it shows."""
    import doctest

    monkeypatch.chdir(ROOT)
    failed, attempted = doctest.testfile(
        str(DOCS_DIR / "api.md"), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert attempted > 15 and failed == 0
