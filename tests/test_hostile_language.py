"""Hostile input to the language: every reproducer of the hardening issue's language side, kept.

Paths that are not regular files (named pipes, devices), files over the size limit, import paths
with control characters, imports of files that are not journeys (their text must never be shown),
control characters in names, numbers that overflow, runs too large to simulate, and inputs that made
``check`` slow.  Each gives a clean diagnostic, promptly; none a traceback, a hang or an echo.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from journeydsl.api import check_file, check_text
from journeydsl.lang.diagnostics import CODES
from journeydsl.lang.parser import MAX_SOURCE_BYTES
from journeydsl.lang.render import render_text

from .conftest import ROOT

GOOD = 'journey "J" {\n  stage a goal { touchpoint t: staff { feel +1 } }\n}\n'
SECRET = "SECRET_KEY=sk-live-0123456789abcdef"
#: A subprocess that does not answer within this many seconds is a hang.
PROMPTLY = 20

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")


def journey_command(*arguments: str, cwd=None) -> subprocess.CompletedProcess[str]:
    """Run ``journey`` in a fresh process that must finish within :data:`PROMPTLY` seconds."""
    return subprocess.run(
        [sys.executable, "-m", "journeydsl", *arguments],
        capture_output=True,
        text=True,
        timeout=PROMPTLY,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def rendered(result) -> str:
    return render_text(result.diagnostics, result.sources)


# ---- files that are not regular files, or too large -----------------------------------------


@needs_fifo
@pytest.mark.parametrize("command", ["check", "simulate"])
def test_a_named_pipe_as_the_journey_is_refused_not_waited_on(tmp_path, command):
    os.mkfifo(tmp_path / "fifo.journey")
    result = journey_command(command, "fifo.journey", cwd=tmp_path)
    assert result.returncode == 1
    assert "error[JD009]: cannot read `fifo.journey`: it is a named pipe (FIFO), not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


@needs_fifo
def test_a_named_pipe_as_an_import_is_refused_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "lib.journey")
    (tmp_path / "main.journey").write_text('import "lib.journey"\n' + GOOD)
    result = journey_command("check", "main.journey", cwd=tmp_path)
    assert result.returncode == 1
    assert "main.journey:1:8: error[JD009]: cannot read `lib.journey`: it is a named pipe (FIFO)" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_without_reading_it():
    result = journey_command("check", "/dev/zero")
    assert result.returncode == 1
    assert "cannot read `/dev/zero`: it is a character device, not a regular file" in result.stderr


def test_a_device_given_to_the_api_is_refused():
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    result = check_file("/dev/null")
    assert codes(result) == ["JD009"]
    assert "character device" in result.diagnostics[0].message


@pytest.mark.parametrize("size", [60 * 1024 * 1024, 1024 * 1024 * 1024], ids=["60MB", "1GB"])
def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, size):
    big = tmp_path / "big.journey"
    with big.open("wb") as stream:
        stream.truncate(size)  # sparse: costs no disk, and reading it would cost the whole size
    result = check_file(big)
    assert codes(result) == ["JD011"]
    assert f"file is {size // (1024 * 1024)} MB" in result.diagnostics[0].message
    assert result.sources == {}


def test_a_file_that_grows_past_the_limit_is_read_no_further(tmp_path, monkeypatch):
    from journeydsl.lang import loader

    path = tmp_path / "grows.journey"
    path.write_text("# a comment\n" * 100)
    real_stat = os.stat

    def stale_stat(target, *args, **kwargs):  # the size as it was when the file was looked at
        info = real_stat(target, *args, **kwargs)
        return os.stat_result((*info[:6], 10, *info[7:]))

    monkeypatch.setattr(loader, "MAX_SOURCE_BYTES", 500)
    monkeypatch.setattr(loader.os, "stat", stale_stat)
    reads = []
    real_read = os.read
    monkeypatch.setattr(loader.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    data, problems = loader.read_source(path, "grows.journey", loader.Span("grows.journey", 1, 1, 1, 1))
    assert data is None and [p.code for p in problems] == ["JD011"]
    assert sum(reads) <= 501


def test_the_limit_is_fifty_megabytes():
    assert MAX_SOURCE_BYTES == 50 * 1024 * 1024


# ---- import paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x07", "\r"], ids=["NUL", "ESC", "BEL", "CR"])
def test_an_import_path_with_a_control_character_is_a_diagnostic(tmp_path, character):
    (tmp_path / "main.journey").write_text(f'import "lib{character}.journey"\n' + GOOD)
    result = check_file(tmp_path / "main.journey")
    assert codes(result) == ["JD012"]
    (diagnostic,) = result.diagnostics
    assert diagnostic.message == (
        f"the import path holds the control character U+{ord(character):04X} ({_NAMES[character]})"
    )
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 8)
    assert diagnostic.hint.startswith("paths cannot hold control characters;")


_NAMES = {"\x00": "null", "\x1b": "escape", "\x07": "bell", "\r": "carriage return", "\x08": "backspace"}


# ---- files that are not journeys are never quoted -------------------------------------------


def test_importing_a_dotenv_file_names_it_but_shows_none_of_it(tmp_path):
    (tmp_path / ".env").write_text(SECRET + "\n")
    (tmp_path / "main.journey").write_text('import ".env"\n' + GOOD)
    result = check_file(tmp_path / "main.journey")
    assert codes(result) == ["JD405"]
    assert "`.env` is not a .journey file" in result.diagnostics[0].message
    assert list(result.sources) == ["main.journey"] or all(SECRET not in t for t in result.sources.values())
    assert "SECRET" not in rendered(result) and "sk-live" not in rendered(result)


def test_a_journey_named_link_to_a_secret_is_not_followed(tmp_path):
    (tmp_path / ".env").write_text(SECRET + "\n")
    try:
        (tmp_path / "lib.journey").symlink_to(tmp_path / ".env")
    except OSError:
        pytest.skip("no symbolic links here")
    (tmp_path / "main.journey").write_text('import "lib.journey"\n' + GOOD)
    result = check_file(tmp_path / "main.journey")
    assert codes(result) == ["JD405"]
    assert "it leads to" in result.diagnostics[0].message
    assert "sk-live" not in rendered(result)


def test_a_secret_given_as_the_journey_is_not_quoted(tmp_path):
    (tmp_path / ".env").write_text("sk-live-0123456789abcdef\n" + SECRET + "\n")
    result = journey_command("check", ".env", cwd=tmp_path)
    assert result.returncode == 1
    assert ".env:1:1: error[JD001]: not a journey: syntax error" in result.stderr
    assert "sk-live" not in result.stderr + result.stdout and "SECRET" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "data",
    [
        b'journey "Caf\xe9" { stage a goal { touchpoint t: staff { feel +1 } } }\n# ' + SECRET.encode(),
        b"\x89PNG\r\n\x1a\n" + SECRET.encode() + b"\xff\xfe",
        SECRET.encode() + b"\n\xc3\x28 binary",
    ],
    ids=["latin-1", "png", "secret-then-binary"],
)
def test_a_file_that_is_not_text_is_named_but_never_shown(tmp_path, data):
    path = tmp_path / "blob.journey"
    path.write_bytes(data)
    result = check_file(path)
    assert codes(result) == ["JD007"]
    assert result.sources == {}
    assert "sk-live" not in rendered(result) and "SECRET" not in rendered(result)


def test_an_import_that_is_not_text_is_named_but_never_shown(tmp_path):
    (tmp_path / "lib.journey").write_bytes(SECRET.encode() + b"\n\xff")
    (tmp_path / "main.journey").write_text('import "lib.journey"\n' + GOOD)
    result = check_file(tmp_path / "main.journey")
    assert "JD007" in codes(result)
    assert "sk-live" not in rendered(result)


def test_a_journey_not_named_journey_still_checks(tmp_path):
    (tmp_path / "journey.txt").write_text(GOOD)
    result = check_file(tmp_path / "journey.txt")
    assert result.ok and result.journey is not None
    assert list(result.sources.values()) == [GOOD]  # parsed as a journey: kept for its source hash


# ---- control characters in names ------------------------------------------------------------


@pytest.mark.parametrize("character", ["\x1b", "\x07", "\r", "\x08", "\x00"], ids=["ESC", "BEL", "CR", "BS", "NUL"])
def test_a_name_with_a_control_character_is_a_diagnostic_at_the_name(character):
    text = f'journey "J" {{\n  stage "a{character}b" goal {{ touchpoint t: staff {{ feel +1 }} }}\n}}\n'
    result = check_text(text, "c.journey")
    assert "JD012" in codes(result) and not result.ok
    (diagnostic,) = [d for d in result.diagnostics if d.code == "JD012"]
    assert (diagnostic.span.file, diagnostic.span.line, diagnostic.span.column) == ("c.journey", 2, 9)
    assert diagnostic.message == f"this name holds the control character U+{ord(character):04X} ({_NAMES[character]})"
    assert diagnostic.hint.startswith("names cannot hold control characters; ")
    assert "c.journey:2:9: error[JD012]" in rendered(result)
    assert "  |         ^^" in rendered(result)  # the caret under the name


@pytest.mark.parametrize(
    "text",
    [
        'journey "J\x1b]0;pwned\x07" { stage a goal { touchpoint t: staff { feel +1 } } }',
        'journey "J" { segment "s\x9b2J" 100% { } stage a goal { touchpoint t: staff { feel +1 } } }',
        'journey "J" { stage a goal { touchpoint "t\x7f": staff { feel +1 } } }',
        'journey "J" { stage a goal { touchpoint t: staff { feel +1 } } variant "v\x1b" { } }',
        'journey "J" { stage a goal { touchpoint t: staff { feel +1 } } survey "s\x00" { } }',
    ],
    ids=["journey-osc", "segment-csi", "touchpoint-del", "variant", "survey"],
)
def test_every_kind_of_name_rejects_control_characters(text):
    assert "JD012" in codes(check_text(text))


def test_a_control_character_in_an_imported_name_is_reported_in_that_file(tmp_path):
    (tmp_path / "lib.journey").write_text('library {\n  touchpoint "wel\x1bcome": staff { feel +1 }\n}\n')
    (tmp_path / "main.journey").write_text(
        'import "lib.journey"\njourney "J" { stage a goal { touchpoint t: staff { feel +1 } } }\n'
    )
    result = check_file(tmp_path / "main.journey")
    (diagnostic,) = [d for d in result.diagnostics if d.code == "JD012"]
    assert Path(diagnostic.span.file).name == "lib.journey"
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 14)


def test_control_characters_elsewhere_are_still_unexpected_characters():
    result = check_text('journey "J" { stage a goal {\x1b touchpoint t: staff { feel +1 } } }')
    assert codes(result) == ["JD006"]


def test_every_new_code_is_registered():
    for code in ("JD012", "JD405"):
        assert code in CODES


# ---- numbers that would overflow ------------------------------------------------------------

HUGE = "9" * 309  # float(HUGE) is infinity


@pytest.mark.parametrize(
    "where",
    [
        "stage a goal {{ touchpoint t: staff duration {n} min {{ feel +1 }} }}",
        "stage a goal {{ touchpoint t: staff duration exponential({n} min) {{ feel +1 }} }}",
        "stage a goal {{ touchpoint t: staff cost {n} {{ feel +1 }} }}",
        "segment s {{ value {n} }} stage a goal {{ touchpoint t: staff {{ feel +1 }} }}",
        "horizon {n} days stage a goal {{ touchpoint t: staff {{ feel +1 }} }}",
        "segment s {{ patience {n} min }} stage a goal {{ touchpoint t: staff {{ feel +1 }} }}",
        "arrivals poisson {n} per day stage a goal {{ touchpoint t: staff {{ feel +1 }} }}",
        "arrivals cohort {n} stage a goal {{ touchpoint t: staff {{ feel +1 }} }}",
        "visit limit {n} stage a goal {{ touchpoint t: staff {{ feel +1 }} }}",
        "stage a goal {{ touchpoint t: staff {{ feel {n} }} }}",
        "stage a goal {{ touchpoint t: staff {{ feel +1 }} -> exit {n}% }}",
        "memory {{ peak {n} }} stage a goal {{ touchpoint t: staff {{ feel +1 }} }}",
        "stage a goal {{ touchpoint t: staff {{ feel +1 }} }} expect nps > {n}",
    ],
    ids=[
        "duration",
        "distribution",
        "cost",
        "value",
        "horizon",
        "patience",
        "rate",
        "cohort",
        "visit-limit",
        "effect",
        "percent",
        "setting",
        "design-test",
    ],
)
@pytest.mark.parametrize("digits", [309, 400, 16])
def test_a_number_too_large_is_refused_where_it_is_written(where, digits):
    number = "9" * digits
    text = 'journey "J" {\n  ' + where.format(n=number) + "\n}\n"
    result = check_text(text, "n.journey")
    assert not result.ok
    problems = [d for d in result.diagnostics if d.code == "JD217"]
    assert len(problems) == 1, [(d.code, d.message) for d in result.diagnostics]
    (problem,) = problems
    assert problem.span.line == 2 and text.splitlines()[1][problem.span.column - 1 :].lstrip("+-").startswith("9")
    assert "numbers must be below 10^15" in problem.message
    assert number not in problem.message if digits > 24 else f"`{number}" in problem.message
    assert not any("inf" in d.message for d in result.diagnostics)  # no other check sees an infinity


def test_numbers_of_fifteen_digits_and_long_fractions_are_numbers():
    text = (
        'journey "J" { seed 999999999999999; horizon 1.00000000000000000000001 days\n'
        "  stage a goal { touchpoint t: staff cost 000000000000000000001 { feel +1 } } }"
    )
    assert codes(check_text(text)) == []


# ---- the size of a run ----------------------------------------------------------------------


def run_checks_of(text: str, allow_large: bool) -> list[str]:
    from journeydsl.lang.checks import run_checks

    journey = check_text(text).journey
    assert journey is not None
    return [d.code for d in run_checks(journey, allow_large=allow_large)]


def journey_with(settings: str, stages: str = "stage a goal { touchpoint t: staff { feel +1 } }") -> str:
    return f'journey "J" {{\n  {settings}\n  {stages}\n}}\n'


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("arrivals cohort 1000000000000", "JD218"),
        ("arrivals cohort 10000001", "JD218"),
        ("arrivals cohort 10000000", "JD505"),
        ("arrivals cohort 1000000", "JD505"),
        ("arrivals cohort 999999", None),
        ("horizon 30 days; arrivals poisson 1000000000 per day", "JD218"),
        ("horizon 1 year; arrivals poisson 50 per second", "JD218"),
        ("horizon 90 days; arrivals poisson 20000 per day", "JD505"),
        ("horizon 90 days; arrivals poisson 120 per day", None),
        ("arrivals poisson 1000000000 per day", None),  # no horizon: its size is --customers
        ("arrivals market 50000000 innovation 0.03 imitation 0.38", "JD218"),
        ("horizon 1 year; arrivals poisson " + "9" * 15 + " per day", "JD218"),
    ],
)
def test_the_size_of_a_run_is_judged_before_it_runs(settings, expected):
    text = journey_with(settings)
    found = codes(check_text(text))
    assert [c for c in found if c in ("JD218", "JD505")] == ([expected] if expected else [])
    allowed = run_checks_of(text, allow_large=True)
    assert "JD218" not in allowed
    assert ("JD505" in allowed) == (expected is not None)


def test_a_run_too_large_names_the_setting():
    result = check_text(journey_with("horizon 30 days\n  arrivals poisson 1000000000 per day"), "r.journey")
    (problem,) = result.diagnostics
    assert problem.code == "JD218" and problem.span.line == 3
    assert problem.message.startswith("`arrivals poisson 1000000000 per day` brings about 30,000,000,000 customers")
    assert "--allow-large" in problem.hint
    assert problem.related[0][0] == "the horizon"


LOOP = """
  stage start { touchpoint t: staff { feel +1 } -> a 100% }
  stage a goal { touchpoint u: staff { feel +1 } -> b 100% }
  stage b { touchpoint v: staff { feel +1 } -> a 100% }
"""


@pytest.mark.parametrize(
    ("settings", "stages", "expected"),
    [
        ("visit limit 1000000000", LOOP, "JD306"),
        ("visit limit 501", LOOP, "JD306"),
        ("visit limit 500", LOOP, None),
        ("", LOOP, None),  # the default limit of 5
        ("visit limit 1000000000", LOOP.replace("-> a 100% }\n", "-> a 100%, 0% if visits > 3 }\n"), None),
        ("visit limit 1000000000", LOOP.replace("-> a 100% }\n", "-> a 99% }\n"), None),
        ("visit limit 1000000000", LOOP.replace("stage b {", "stage b { visit limit 3"), None),
        ("visit limit 1000000000", LOOP.replace("-> a 100% }\n", "repeat -> a 100% after 1 day }\n"), None),
        ("visit limit 1000000000", LOOP.replace("-> a 100% }\n", "-> a }\n"), "JD306"),  # the remainder, 100%
        ("visit limit 1000000000", LOOP.replace("staff {", "staff duration 5 min {"), "JD306"),
    ],
    ids=[
        "zero-time",
        "just-over",
        "at-the-limit",
        "default-limit",
        "condition",
        "leaky",
        "stage-limit",
        "repeat",
        "remainder",
        "timed",
    ],
)
def test_a_loop_every_customer_goes_round_needs_a_small_visit_limit(settings, stages, expected):
    text = journey_with(settings, stages)
    found = [c for c in codes(check_text(text)) if c in ("JD306", "JD505")]
    assert found == ([expected] if expected else [])
    if expected:
        allowed = run_checks_of(text, allow_large=True)
        assert "JD306" not in allowed and "JD505" in allowed


def test_a_zero_time_loop_says_so_and_names_the_visit_limit():
    result = check_text(journey_with("visit limit 1000000000", LOOP), "l.journey")
    (problem,) = [d for d in result.diagnostics if d.code == "JD306"]
    assert problem.span.line == 2  # the journey's visit limit
    assert "`a` -> `b` -> `a`" in problem.message and "no time passes" in problem.message
    assert "2,000,000,000 stage visits per customer" in problem.message
    timed = check_text(journey_with("visit limit 1000000000", LOOP.replace("staff {", "staff duration 5 min {")))
    (problem,) = [d for d in timed.diagnostics if d.code == "JD306"]
    assert "no time passes" not in problem.message


def test_a_variant_that_makes_a_run_too_large_is_reported_in_its_design():
    text = journey_with("arrivals cohort 100", 'stage a goal { touchpoint t: staff { feel +1 } }\n  variant "big" { }')
    assert codes(check_text(text)) == []
    # a variant cannot change arrivals, but it can change a stage's visit limit
    text = journey_with(
        "",
        LOOP + '  variant "spin" { change stage b { visit limit 1000000 } change stage a { visit limit 1000000 } }',
    )
    result = check_text(text)
    (problem,) = [d for d in result.diagnostics if d.code == "JD306"]
    assert problem.message.startswith("in design `spin`: ")


# ---- check stays near-linear on input made to be slow -----------------------------------------


def hostile_benchmark():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import check_hostile
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return check_hostile


def timed_check(text: str):
    import time

    start = time.perf_counter()
    result = check_text(text, "hostile.journey")
    return result, time.perf_counter() - start


def test_four_thousand_undefined_targets_check_in_seconds():
    check_text(GOOD)  # the parser is built once, outside the timing
    result, seconds = timed_check(hostile_benchmark().undefined_targets(4_000))
    assert codes(result) == ["JD101"] * 4_000
    assert seconds < 5, f"{seconds:.1f} s"  # 40 s before the hints had a budget
    assert result.diagnostics[0].hint == "did you mean `stage_0`?"  # the first ones still get hints


def test_a_twelve_hundred_deep_extends_chain_checks_in_seconds():
    check_text(GOOD)
    result, seconds = timed_check(hostile_benchmark().extends_chain(1_200))
    assert result.ok and len(result.journey.variants) == 1_200
    assert seconds < 5, f"{seconds:.1f} s"  # 169 s before resolved variants were remembered


def test_a_cycle_of_two_thousand_designs_is_reported_briefly():
    lines = [f'variant "v{i}" extends "v{(i + 1) % 2000}" {{ }}' for i in range(2000)]
    result, seconds = timed_check(
        journey_with("", "stage a goal { touchpoint t: staff { feel +1 } }\n" + "\n".join(lines))
    )
    assert seconds < 5
    cycles = [d for d in result.diagnostics if d.code == "JD602"]
    assert len(cycles) == 2000
    assert cycles[0].message.endswith("cycle: v0 -> v1 -> v2 -> v3 -> v4 -> ... (1,995 more) -> v0")
    assert max(len(d.message) for d in cycles) < 200


def test_a_misspelling_repeated_thousands_of_times_keeps_its_hint():
    stages = "\n".join(f"stage s{i} {{ touchpoint t{i}: staff {{ feel +1 }} -> checkuot 10% }}" for i in range(3000))
    result, seconds = timed_check(
        journey_with("", "stage checkout goal { touchpoint c: staff { feel +1 } }\n" + stages)
    )
    problems = [d for d in result.diagnostics if d.code == "JD101"]
    assert len(problems) == 3000 and seconds < 5
    assert {d.hint for d in problems} == {"did you mean `checkout`?"}


def test_hints_stop_at_their_budget_but_every_problem_is_reported():
    from journeydsl.lang.diagnostics import Hints

    hints = Hints(budget=10)
    pool = {f"name_{i}" for i in range(6)}
    assert hints.did_you_mean("name_x", pool) is not None
    assert hints.did_you_mean("name_y", pool) is None  # 6 more than the 4 left
    assert hints.did_you_mean("name_x", pool) is not None  # given before: remembered


def test_many_failing_patches_check_in_seconds():
    touchpoints = "\n".join(f"  touchpoint t{i}: staff {{ feel +1 }}" for i in range(1000))
    removals = "\n".join(f"  remove x{i}" for i in range(1000))
    text = f'journey "J" {{\n stage a goal {{\n{touchpoints}\n }}\n variant "v" {{\n{removals}\n }}\n}}\n'
    result, seconds = timed_check(text)
    assert len([d for d in result.diagnostics if d.code == "JD108"]) == 1000
    assert seconds < 5
