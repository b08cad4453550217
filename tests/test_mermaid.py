"""Mermaid's own parser accepts the Mermaid export of every example (and rejects a broken diagram)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from journeydsl.api import design, load
from journeydsl.lang.designs import design_names
from journeydsl.lang.export import export

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
