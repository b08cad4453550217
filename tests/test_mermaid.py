"""Mermaid's own parser accepts the Mermaid export of every example and of hostile names (and rejects a broken diagram)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from journeydsl.api import design, load, loads
from journeydsl.lang.designs import design_names
from journeydsl.lang.export import export, to_mermaid
from journeydsl.lang.loader import load_text

from .conftest import EXAMPLES, ROOT

PARSER = ROOT / "tests" / "mermaid"

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed"),
    pytest.mark.skipif(
        not (PARSER / "node_modules" / "mermaid").is_dir(),
        reason="Mermaid is not installed: run `npm ci --prefix tests/mermaid` (.ci/run does)",
    ),
]


def parse(diagrams: list[str]) -> list[dict]:
    done = subprocess.run(
        ["node", str(PARSER / "parse.mjs")],
        input=json.dumps(diagrams),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_mermaid_accepts_every_design_of_every_example():
    diagrams, names = [], []
    for example in EXAMPLES:
        journey = load(example)
        for name in design_names(journey):
            diagrams.append(export(design(journey, name), "mermaid"))
            names.append(f"{example.stem}/{name}")
    verdicts = parse(diagrams)
    assert [n for n, v in zip(names, verdicts, strict=True) if not v["ok"]] == []


def test_the_parser_does_reject_a_broken_diagram():
    good = export(load(EXAMPLES[0]), "mermaid")
    verdicts = parse([good, good.replace(": staff", ": : staff {{", 1) + "\n  nonsense {{{"])
    assert verdicts[0]["ok"] and not verdicts[1]["ok"]


#: Names that mean something to Mermaid (fields, comments, directives, entities, keywords), to HTML or elsewhere.
HOSTILE_NAMES = [
    "$(touch pwned)",
    'a"b',
    "a'b",
    "`id`",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://x")',
    "+1",
    "-2",
    "@SUM(A1)",
    "x\\",
    "```",
    "]]>",
    "&",
    "-->",
    "网点顾问",
    "a: b; #c {d}",
    "#60;script#62;",
    "%%{init: {'securityLevel': 'loose'}}%%",
    "a%%b",
    "section x",
    "title y",
    "journey",
    "accTitle: z",
    "click t call alert()",
]


def test_mermaid_accepts_hostile_names():
    diagrams = []
    for name in HOSTILE_NAMES:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        text = f'journey "{quoted}" {{ stage "{quoted}" goal {{ touchpoint "{quoted}": staff {{ feel +1 }} }} }}'
        diagrams.append(to_mermaid(loads(text)))
    # Control characters are rejected by the checks; the export still escapes them.
    unchecked = load_text('journey "J\x1b[2J" { stage "s\r\x07" goal { touchpoint "t\x00\x9b": staff { feel +1 } } }')
    assert unchecked.journey is not None
    diagrams.append(to_mermaid(unchecked.journey))
    for diagram in diagrams:  # one title, one section, one task: no name made a statement of its own
        lines = diagram.splitlines()
        assert len(lines) == 4 and lines[1].startswith("    title ") and lines[2].startswith("    section ")
        assert "%%" not in diagram and "<" not in diagram and "\\x1b" in diagrams[-1]
    verdicts = parse(diagrams)
    assert [(name, v) for name, v in zip([*HOSTILE_NAMES, "controls"], verdicts, strict=True) if not v["ok"]] == []
