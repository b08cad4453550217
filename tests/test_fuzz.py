"""Fuzzing: whatever a user feeds journeydsl, the answer is diagnostics, never a traceback.

Thousands of mutated example files and random byte strings go through the
checker; a sample of the mutants the checker accepts goes through the
simulator.  Seeds are fixed, so a failure here reproduces.
"""

from __future__ import annotations

import random

import pytest

from journeydsl.api import check_file, check_text, simulate
from journeydsl.lang.diagnostics import CODES

from .conftest import EXAMPLES

TOKENS = [
    "{",
    "}",
    "(",
    ")",
    "%",
    "->",
    ":",
    ";",
    ",",
    '"',
    "#",
    "0",
    "-1",
    "1e9",
    "999%",
    "2.5",
    "min",
    "days",
    "stage",
    "touchpoint",
    "choice",
    "use",
    "failure",
    "recover by",
    "variant",
    "expect",
    "change",
    "remove",
    "repeat ->",
    "after",
    "if",
    "and",
    "segment",
    "tier",
    "for",
    "every",
    "goal",
    "capacity",
    "duration",
    "exponential(",
    "feel",
    "theme",
    "performance",
    "import",
    "library",
    "journey",
    "é",
    "\u202e",
    "\x00",
    "\t",
    "\n",
]
MUTANTS_PER_EXAMPLE = 600
RANDOM_BYTE_CASES = 400


def mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(rng.randint(1, 4)):
        action = rng.randrange(7)
        if action == 0 and lines:
            del lines[rng.randrange(len(lines))]
        elif action == 1 and lines:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(lines))
        elif action == 2 and len(lines) > 1:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            joined = "".join(lines)
            if not joined:
                return rng.choice(TOKENS)
            at = rng.randrange(len(joined) + 1)
            if action == 3:
                joined = joined[:at] + joined[at + rng.randint(1, 12) :]
            elif action == 4:
                joined = joined[:at] + " " + rng.choice(TOKENS) + " " + joined[at:]
            elif action == 5:
                joined = joined[:at]
            else:
                joined = joined[:at] + chr(rng.randrange(32, 0x2FFF)) + joined[at:]
            lines = joined.splitlines(keepends=True)
    return "".join(lines)


def assert_diagnostics_only(result, text: str | None = None) -> None:
    for diagnostic in result.diagnostics:
        assert diagnostic.code in CODES, diagnostic
        assert diagnostic.message and "Traceback" not in diagnostic.message
        if text is not None and diagnostic.span.file == "<fuzz>" and diagnostic.span.line:
            assert 1 <= diagnostic.span.line <= text.count("\n") + 1, diagnostic


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_mutated_examples_give_diagnostics_not_tracebacks(example):
    rng = random.Random(f"fuzz:{example.stem}")
    source = example.read_text(encoding="utf-8")
    accepted = []
    for _ in range(MUTANTS_PER_EXAMPLE):
        text = mutate(source, rng)
        result = check_text(text, "<fuzz>", base=example.parent)
        assert_diagnostics_only(result, text)
        if result.ok and result.journey is not None and len(accepted) < 25:
            accepted.append(result.journey)
    # Whatever the checker accepts, the simulator runs.
    for journey in accepted:
        results = simulate(journey, customers=15, seed=1).results
        assert results["customers"] >= 0


def test_random_bytes_give_diagnostics_not_tracebacks(tmp_path):
    rng = random.Random("fuzz:bytes")
    path = tmp_path / "noise.journey"
    for case in range(RANDOM_BYTE_CASES):
        size = rng.choice([0, 1, 2, 10, 100, 1000])
        if case % 2:
            data = bytes(rng.randrange(256) for _ in range(size))
        else:  # printable noise, closer to text
            data = "".join(rng.choice('abc{}()%->:;,"#\n 0123456789.') for _ in range(size)).encode()
        path.write_bytes(data)
        assert_diagnostics_only(check_file(path))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n" * 100,
        "\ufeff",
        "journey",
        'journey "J" {' * 10_000,
        "{" * 10_000 + "}" * 10_000,
        'journey "J" { stage a { -> a } }',
        'journey "J" {\n' + "  stage s {}\n" * 5_000 + "}\n",
        'journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }' + " " * 200_000 + "x",
        'journey "' + "x" * 100_000 + '" { stage a goal { touchpoint t: staff { feel +1 } } }',
        'journey "J" { stage a goal { touchpoint t: staff duration empirical('
        + ", ".join(["1 min"] * 5000)
        + ") { feel +1 } } }",
    ],
    ids=[
        "empty",
        "comments",
        "bom",
        "one-word",
        "nested-journeys",
        "10k-braces",
        "self-loop",
        "5k-stages",
        "long-line",
        "long-name",
        "5000-values",
    ],
)
def test_monsters(text):
    result = check_text(text, "<fuzz>")
    assert_diagnostics_only(result, text)


def test_fifty_thousand_lines():
    lines = ['journey "Long" {', "  stage a goal {"]
    for i in range(9_999):  # five lines per touchpoint, as designers write them
        lines += [
            f"    # contact {i}",
            f"    touchpoint t{i}: staff duration {1 + i % 5} min {{",
            "      feel +1",
            f"      performance service {5 + i % 5}",
            "    }",
        ]
    lines += ["    touchpoint last: staff { feel +1 }", "  }", "}"]
    text = "\n".join(lines) + "\n"
    assert text.count("\n") == 50_000
    result = check_text(text, "<fuzz>")
    assert result.ok, result.diagnostics[:3]


def test_a_file_that_imports_itself(tmp_path):
    path = tmp_path / "self.journey"
    path.write_text('import "self.journey"\njourney "J" { stage a goal { touchpoint t: staff { feel +1 } } }\n')
    result = check_file(path)
    assert [d.code for d in result.diagnostics if d.is_error] in (["JD403"], ["JD404"])
