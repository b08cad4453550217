"""The event-log (``JL``) and fit (``JF``) codes are documented in docs/diagnostics.md, with real output.

Every code defined in the package (``LOG_CODES``, ``FIT_CODES`` and any ``"JL0.."``/``"JF0.."``
literal in its source) has a ``### CODE: title (severity)`` section; every such section names a
defined code.  Each section's ``$ journey ...`` example is run on the files of
``tests/fixtures/data_codes/`` and must print exactly what the page shows (a line ``...`` stands
for lines left out), with the exit code its severity implies; the files the page shows are the
fixtures.  JF008, met only from Python, is shown as a doctest and run as one.
"""

from __future__ import annotations

import doctest
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl.analysis.fit import FIT_CODES
from journeydsl.cli import cli
from journeydsl.data.logs import LOG_CODES

from .conftest import ROOT

PAGE = ROOT / "docs" / "diagnostics.md"
FIXTURES = ROOT / "tests" / "fixtures" / "data_codes"
PACKAGE = ROOT / "journeydsl"
CODES = {**LOG_CODES, **FIT_CODES}
#: A code as the package writes it in its source: a quoted string literal.
LITERAL = re.compile(r"""["'](J[LF]\d{3})["']""")
SECTION = re.compile(r"^### (J[LF]\d{3})\b", re.M)
COMMAND = re.compile(r"```text\n\$ (journey [^\n]*)\n(.*?)\n```", re.S)
SHOWN_FILE = re.compile(r"^`([^`\n]+)`:\n\n```\w+\n(.*?)\n```", re.S | re.M)


def sections() -> dict[str, str]:
    """The text of each ``### JLxxx`` / ``### JFxxx`` section, up to the next heading."""
    text = PAGE.read_text(encoding="utf-8")
    found = {}
    for match in SECTION.finditer(text):
        rest = text[match.end() :]
        end = re.search(r"^##", rest, re.M)
        found[match.group(1)] = text[match.start() : match.end() + (end.start() if end else len(rest))]
    return found


def codes_in_source() -> set[str]:
    return {code for path in PACKAGE.rglob("*.py") for code in LITERAL.findall(path.read_text(encoding="utf-8"))}


def test_every_code_written_in_the_package_is_defined() -> None:
    assert sorted(codes_in_source() - set(CODES)) == []


def test_every_code_is_documented_with_its_title_and_severity() -> None:
    text = PAGE.read_text(encoding="utf-8")
    missing = [code for code, (severity, title) in CODES.items() if f"### {code}: {title} ({severity})\n" not in text]
    assert missing == []


def test_every_documented_code_exists_and_has_a_fix() -> None:
    found = sections()
    assert sorted(set(found) - set(CODES)) == []
    assert [code for code, text in found.items() if "**Fix.**" not in text] == []


def _matches(expected: str, output: str) -> bool:
    """``output`` is ``expected``, where a line ``...`` in ``expected`` stands for any lines."""
    pattern = "\n".join(".*?" if line == "..." else re.escape(line) for line in expected.split("\n"))
    return re.fullmatch(pattern, output, re.S) is not None


def example_cases() -> list[tuple[str, str, str]]:
    cases = []
    for code, text in sections().items():
        for command, output in COMMAND.findall(text):
            cases.append((code, command, output))
    return cases


def test_every_code_but_jf008_has_a_command_example() -> None:
    shown = {code for code, _, _ in example_cases()}
    assert sorted(set(CODES) - shown) == ["JF008"]


@pytest.mark.parametrize(("code", "command", "expected"), example_cases(), ids=[c for c, _, _ in example_cases()])
def test_the_example_prints_what_the_page_shows(
    code: str, command: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data_codes"
    shutil.copytree(FIXTURES, folder)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, shlex.split(command)[1:], prog_name="journey")
    output = result.output.rstrip("\n")
    assert _matches(expected, output), output
    assert f"[{code}]" in output or code == "JL050"  # a bad --log-start is a usage error of the command
    severity = CODES[code][0]
    assert result.exit_code == (2 if code == "JL050" else 1 if severity == "error" else 0), output


@pytest.mark.parametrize("code", sorted(sections()))
def test_the_files_the_page_shows_are_the_fixtures(code: str) -> None:
    for name, shown in SHOWN_FILE.findall(sections()[code]):
        assert (FIXTURES / name).read_text(encoding="utf-8").rstrip("\n") == shown, name


def test_jf008_s_python_example_runs_as_shown() -> None:
    text = sections()["JF008"]
    block = re.search(r"```python\n(.*?)```", text, re.S)
    assert block is not None
    test = doctest.DocTestParser().get_doctest(block.group(1), {}, "JF008", str(PAGE), 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert len(test.examples) == 4
