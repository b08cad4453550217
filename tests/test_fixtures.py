"""Every diagnostic has a failing fixture whose rendered output is reviewed and pinned.

Each fixture in ``tests/fixtures/invalid`` is named after the code it must
produce: ``JD205_missing_unit.journey``, or a folder with ``main.journey`` for
import problems.  Next to it, ``<name>.expected`` holds exactly what
``journey check`` prints for it.  After an intended change of a message, run::

    JOURNEYDSL_UPDATE_FIXTURES=1 python3 -m pytest tests/test_fixtures.py

and review the changed ``.expected`` files before committing them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl.cli import cli
from journeydsl.lang.diagnostics import CODES, WARNING
from journeydsl.lang.parser import MAX_SOURCE_BYTES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invalid"
CASES = sorted(
    [path for path in FIXTURES.glob("JD*.journey")]
    + [path / "main.journey" for path in FIXTURES.glob("JD*") if path.is_dir()]
)
#: Codes that no committed file can trigger: made by the tests below instead.
GENERATED = {"JD009": "a file that cannot be read", "JD011": "a file over the size limit (50 MB)"}
UPDATE = os.environ.get("JOURNEYDSL_UPDATE_FIXTURES") == "1"


def code_of(case: Path) -> str:
    name = case.parent.name if case.name == "main.journey" else case.name
    return name.split("_", 1)[0]


def expected_path(case: Path) -> Path:
    return case.parent.with_suffix(".expected") if case.name == "main.journey" else case.with_suffix(".expected")


def check(case: Path, monkeypatch) -> tuple[int, str]:
    monkeypatch.chdir(case.parent)
    result = CliRunner().invoke(cli, ["check", case.name])
    return result.exit_code, result.output


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.parent.name if p.name == "main.journey" else p.stem)
def test_fixture_renders_as_expected(case, monkeypatch):
    code = code_of(case)
    exit_code, output = check(case, monkeypatch)
    assert f"[{code}]" in output
    is_warning = CODES[code][0] == WARNING
    errors = "error[" in output
    assert exit_code == (1 if errors else 0)
    if is_warning:
        assert f"warning[{code}]" in output
    expected = expected_path(case)
    if UPDATE or not expected.exists():
        expected.write_text(output, encoding="utf-8")
    assert output == expected.read_text(encoding="utf-8")


def test_every_code_has_a_fixture():
    covered = {code_of(case) for case in CASES} | set(GENERATED)
    assert sorted(set(CODES) - covered) == []


def test_unreadable_file(tmp_path, monkeypatch):
    folder = tmp_path / "folder.journey"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    from journeydsl.api import check_file

    result = check_file(folder)
    assert [d.code for d in result.diagnostics] == ["JD009"]


def test_file_over_the_size_limit(tmp_path):
    from journeydsl.api import check_file

    big = tmp_path / "big.journey"
    with big.open("wb") as stream:
        stream.truncate(MAX_SOURCE_BYTES + 1)
    result = check_file(big)
    assert [d.code for d in result.diagnostics] == ["JD011"]
    assert "MB" in result.diagnostics[0].message
