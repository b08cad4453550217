"""The writer and ``journey fmt``: canonical layout, comments kept, same model, same results.

Properties (hypothesis, derandomized) over every example and fixture and over
mutated copies of them (re-indented and re-spaced, tokens spread over lines,
blank lines added, comments moved, numbers and units spelt differently):
formatting is idempotent, the formatted text reads to the same model (ignoring
where constructs stand and how a unit is spelt) and every comment survives.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Token

from journeydsl import api
from journeydsl.cli.commands import cli
from journeydsl.lang.diagnostics import JourneyError
from journeydsl.lang.loader import Loaded, load_text
from journeydsl.lang.model import (
    Choice,
    Effects,
    Journey,
    NamedValue,
    Probability,
    Quantity,
    Stage,
    Touchpoint,
    Transition,
)
from journeydsl.lang.vocabulary import UNIT_SECONDS
from journeydsl.lang.writer import _layout_parser, format_text, write_journey, write_library

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(
    [
        *ROOT.glob("examples/journeys/*.journey"),
        *ROOT.glob("examples/journeys/lib/*.journey"),
        *ROOT.glob("examples/validation/*.journey"),
    ]
)
FIXTURES = sorted(ROOT.glob("tests/fixtures/**/*.journey"))


def _parses(path: Path) -> bool:
    try:
        format_text(path.read_text(encoding="utf-8"), path.name)
    except (JourneyError, UnicodeDecodeError):
        return False
    return True


#: Every construct of the language, some written oddly (the examples do not use them all).
EVERYTHING = ROOT / "tests" / "everything.journey"  # read from EVERYTHING_TEXT, not from disk
EVERYTHING_TEXT = """\
# Every construct of the language, some of them written oddly.
journey "Everything" {
  time unit hours
  horizon 2 weeks
  arrivals market 20000 innovation 0.03 imitation 0.38 per year
  hours {
    mon-fri 09:00-12:30, 13:30-17:00
    sat 10:00-14:00
    sun closed
    start wed 09:00
    at closing turn away
  }
  care budget 500 per year for tier A
  care budget 50 per year
  factor service expect 7 importance 8 ideal 10
  factor price expect 6
  segment premier 30% { tier A; value 2500; patience 10 min; expect service 8; importance price 3; sensitivity feel 1.2 }
  segment mass 70% {
    tier B
  }
  memory { peak 0.35; end 0.35; mean 0.3 }
  stage arrive (pre-purchase) {
    visit limit 2
    touchpoint desk: staff capacity 2 duration 5 min cost 4 for segment premier moment of truth {
      feel rating 7/10
      sense pain 2/10
      variability 0.5
    }
    choice how {
      touchpoint web: digital duration 2 min share 40% (premier 20%, mass 50%) { think +1 }
      use helpdesk share 60%
    }
    -> buy 50%, 80% if mood > 1 and tier A, 90% if segment premier after 2 days
    -> buy 100% if tier B
    repeat -> arrive 10%
  }
  stage buy (purchase) goal {
    after 1 day
    touchpoint pay: digital duration lognormal(2 min, 1 min) staff cost 20 per hour {
      act +1
      failure "card declined" 5% { feel -2 } recover by helpdesk
    }
  }
  touchpoint helpdesk: staff duration 3 min { feel +1 }
  care card: media for tier A every 1 year cost 3 { feel +1 }
  episode visit { stages arrive, buy; decides return }
  survey "street 2026" for segment premier {
    factor service experience 5 expectation 7 importance 9 ideal 10
    factor price experience 6
  }
  variant "new desk" {
    add touchpoint greeter: staff duration 1 min { feel +1 } in arrive before desk
    add touchpoint sign: environment in arrive first
    add touchpoint leaflet: media in buy after pay
    add care newsletter: media for all every 3 months cost 0.2
    remove care card
    remove helpdesk
    change desk capacity 3 { feel +2 }
    change stage arrive { -> buy 60% }
    change segment premier 40% { patience 15 min }
    change segment mass 60%
    order arrive: how, desk
    memory { peak 0.4 }
    hours { mon-sun 08:00-20:00 }
  }
  variant "smaller" extends "new desk" {
    remove stage buy
    remove segment mass
  }
  expect nps > 30
  expect satisfaction of segment premier >= 7.5
  expect drop_rate of stage arrive < 20%
  expect utilisation of touchpoint desk < 80%
  expect remembered_experience of episode visit > 5
  expect time_in_journey in "new desk" < 30 min
  expect "new desk" beats baseline on nps by at least 5
  expect "smaller" matches "new desk" on satisfaction within 0.3
}
"""

#: Every text that parses: the examples, the fixtures whose mistakes are not syntax errors, and EVERYTHING.
SOURCES = [*EXAMPLES, *(path for path in FIXTURES if _parses(path)), EVERYTHING]
TEXTS = {path: EVERYTHING_TEXT if path == EVERYTHING else path.read_text(encoding="utf-8") for path in SOURCES}

# ---- comparing models ----------------------------------------------------------------

_UNIT_FIELDS = {"unit", "per", "time_unit", "threshold_unit", "margin_unit"}


def normal(value: Any) -> Any:
    """A model as plain data, without where things stand, unit spellings read as seconds."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"@": type(value).__name__}
        for item in dataclasses.fields(value):
            name, field_value = item.name, getattr(value, item.name)
            if name in ("span", "source_sha256", "text") or name.endswith("_span"):
                continue  # positions, the source hash and a design test's text as written
            if name == "attribute_spans":
                out[name] = sorted({key for key, _ in field_value})
            elif name.endswith("_spans"):
                continue
            elif name in _UNIT_FIELDS and isinstance(field_value, str):
                out[name] = UNIT_SECONDS.get(field_value, field_value)
            else:
                out[name] = normal(field_value)
        return out
    if isinstance(value, (tuple, list)):
        if len(value) == 2 and isinstance(value[0], str) and type(value[1]).__name__ == "Span":
            return value[0]
        return [normal(item) for item in value]
    return value


def load(text: str, path: Path) -> Loaded:
    return load_text(text, path.name, base=path.parent, root=ROOT)


def body(loaded: Loaded) -> Any:
    return loaded.journey if loaded.journey is not None else loaded.library


_STRING = re.compile(r'"[^"\n\\]*(\\.[^"\n\\]*)*"')


def comments(text: str) -> list[str]:
    """Every comment's text, in order, found without the formatter's help."""
    found = []
    for line in text.splitlines():
        match = re.search(r"#.*", _STRING.sub('""', line))
        if match:
            found.append(match.group().rstrip())
    return found


def assert_same(original: str, formatted: str, path: Path) -> None:
    assert format_text(formatted, path.name) == formatted, "formatting is not idempotent"
    before, after = load(original, path), load(formatted, path)
    assert (body(before) is None) == (body(after) is None)
    assert normal(body(after)) == normal(body(before))
    assert sorted(comments(formatted)) == sorted(comments(original))
    assert [d.code for d in after.diagnostics] == [d.code for d in before.diagnostics]


# ---- the examples and fixtures as they are -------------------------------------------------


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_formatting_is_idempotent_and_keeps_model_and_comments(path: Path) -> None:
    text = TEXTS[path]
    formatted = format_text(text, path.name)
    assert_same(text, formatted, path)
    assert formatted.endswith("\n") and not formatted.endswith("\n\n")
    assert "\t" not in formatted and not any(line != line.rstrip() for line in formatted.splitlines())
    code = [_STRING.sub('""', re.sub(r"#.*", "", line)).rstrip() for line in formatted.splitlines()]
    assert not any(line.endswith(";") for line in code)  # `;` only between the items of a one-line block


@pytest.mark.parametrize("path", [*EXAMPLES, EVERYTHING], ids=lambda p: str(p.relative_to(ROOT)))
def test_written_model_reads_back_to_the_same_model(path: Path) -> None:
    loaded = load(TEXTS[path], path)
    if loaded.library is not None:
        written = write_library(loaded.library)
    else:
        assert loaded.journey is not None
        written = write_journey(loaded.journey)
    assert format_text(written) == written
    again = load(written, path)
    assert normal(body(again)) == normal(body(loaded))
    if loaded.journey is not None and loaded.journey.imports:
        # the library's definitions stay in the library: the file imports them again
        assert written.startswith("import ") and "check_in:" not in written


def test_formatted_examples_simulate_to_the_same_results() -> None:
    for path in [*EXAMPLES, EVERYTHING]:
        original = load(TEXTS[path], path).journey
        if original is None:
            continue  # a library
        formatted = load(format_text(TEXTS[path], path.name), path).journey
        written = load(write_journey(original), path).journey
        assert formatted is not None and written is not None
        expected = api.simulate(original, customers=250, seed=11).results
        for journey in (formatted, written):
            results = api.simulate(journey, customers=250, seed=11).results
            expected.pop("source_sha256", None)
            results.pop("source_sha256", None)
            assert results == expected, path.name


def test_respelt_units_and_numbers_simulate_to_the_same_results_once_formatted() -> None:
    path = ROOT / "examples/journeys/premier_banking.journey"
    respelt = re.sub(r"(\d) min\b", r"\1 minutes", TEXTS[path])
    respelt = respelt.replace("90 days", "90.0 d").replace("per hour", "per h").replace("30%", "30.00 %")
    assert respelt != TEXTS[path]
    formatted = format_text(respelt, path.name)
    assert formatted == format_text(TEXTS[path], path.name)  # the same spelling as the original's
    expected = api.simulate(api.loads(respelt), customers=250, seed=5).results
    results = api.simulate(api.loads(formatted), customers=250, seed=5).results
    assert expected.pop("source_sha256") != results.pop("source_sha256")
    assert results == expected


# ---- mutated examples --------------------------------------------------------------------

_NUMBER_SPELLINGS = [lambda t: t, lambda t: "0" + t, lambda t: t + ".0" if "." not in t else t + "0"]
_UNIT_SPELLINGS = {"min": ["minutes", "mins", "minute"], "days": ["d", "day"], "h": ["hours", "hrs"]}


def _respell_number(text: str, choice: int) -> str:
    sign = text[0] if text[0] in "+-" else ""
    digits = text[len(sign) :]
    digits = _NUMBER_SPELLINGS[choice % len(_NUMBER_SPELLINGS)](digits)
    if not sign and choice % 2:
        sign = "+"
    return sign + digits


def mutate(text: str, draw: Any) -> str:
    """The same journey written differently: every token kept, everything between them changed."""
    tree = _layout_parser().parse(text)
    tokens = sorted((t for t in tree.scan_values(lambda v: isinstance(v, Token))), key=lambda t: t.start_pos or 0)
    notes: dict[int, list[str]] = {}
    for index, token in enumerate(tokens):
        stop = (tokens[index + 1].start_pos or 0) if index + 1 < len(tokens) else len(text)
        for match in re.finditer(r"#[^\n]*", text[token.end_pos or 0 : stop]):
            moved = max(0, min(len(tokens) - 1, index + draw(st.integers(-2, 2))))
            notes.setdefault(moved, []).append(match.group().rstrip())
    # comments before the first token stay before it
    for match in re.finditer(r"#[^\n]*", text[: tokens[0].start_pos or 0]):
        notes.setdefault(-1, []).append(match.group().rstrip())
    separators = st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\n      ", " \n\n\t "])
    out = [line + "\n" for line in notes.get(-1, [])]
    previous = ""
    for position, token in enumerate(tokens):
        word = str(token)
        if token.type == "NUMBER" and draw(st.booleans()):
            word = _respell_number(word, draw(st.integers(0, 5)))
        elif token.type == "PERCENT" and draw(st.booleans()):
            word = _respell_number(word.rstrip("%").strip(), draw(st.integers(0, 5))) + draw(
                st.sampled_from(["%", " %"])
            )
        elif token.type == "UNIT" and previous != "unit" and word in _UNIT_SPELLINGS and draw(st.booleans()):
            word = draw(st.sampled_from(_UNIT_SPELLINGS[word]))
        out.append(word)
        previous = str(token)
        for note in notes.get(position, []):
            out.append(" " + note + "\n")
        out.append(draw(separators))
    return "".join(out)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(path=st.sampled_from(SOURCES), data=st.data())
def test_mutated_sources_format_idempotently_to_the_same_model(path: Path, data: st.DataObject) -> None:
    mutated = mutate(TEXTS[path], data.draw)
    formatted = format_text(mutated, path.name)
    assert_same(mutated, formatted, path)
    assert normal(body(load(formatted, path))) == normal(body(load(TEXTS[path], path)))


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from([*EXAMPLES, EVERYTHING]), data=st.data())
def test_mutated_examples_and_every_construct_format_to_the_same_model(path: Path, data: st.DataObject) -> None:
    mutated = mutate(TEXTS[path], data.draw)
    formatted = format_text(mutated, path.name)
    assert_same(mutated, formatted, path)
    assert normal(body(load(formatted, path))) == normal(body(load(TEXTS[path], path)))


def test_reindented_example_formats_back_to_the_formatted_original() -> None:
    path = ROOT / "examples/journeys/premier_banking.journey"
    text = TEXTS[path]
    messy = "\n".join(("\t  " + line.strip() + "   ") if line.strip() else "\n" for line in text.splitlines())
    assert format_text(messy, path.name) == format_text(text, path.name)


# ---- the canonical layout ------------------------------------------------------------------


def test_canonical_layout_of_a_messy_journey() -> None:
    text = """# header
journey   "Shop"{time unit min;horizon 2.50 day
  arrivals poisson +010 per hours
  factor price importance 8 expect 6
  factor convenience expect 7
  segment fans 40 % { sensitivity feel 1.20;patience 5 mins; tier A }
stage   browse   (pre-purchase){
-> buy 60.0%, 80 % if mood>1 and segment fans   # the keen ones buy more
 touchpoint  site :  web  duration exponential( 3 minutes ,4 min) capacity 3 {theme trust 1; feel 0.50}
after 1 days
}
  stage buy goal {
    touchpoint pay: digital duration 2 min {
      feel rating 7 / 10
    }
    # nothing after paying
  }
}
"""
    assert (
        format_text(text)
        == """# header
journey "Shop" {
  time unit minutes
  horizon 2.5 days
  arrivals poisson 10 per hour
  factor price       expect 6 importance 8
  factor convenience expect 7
  segment fans 40% { tier A; patience 5 min; sensitivity feel 1.2 }
  stage browse (pre-purchase) {
    after 1 day
    touchpoint site: web capacity 3 duration exponential(3 min, 4 min) { feel +0.5; theme trust +1 }
    -> buy 60%, 80% if mood > 1 and segment fans  # the keen ones buy more
  }
  stage buy goal {
    touchpoint pay: digital duration 2 min {
      feel rating 7/10
    }
    # nothing after paying
  }
}
"""
    )


def test_comments_stay_where_they_stand() -> None:
    text = """# before the journey

journey J {  # on the opening line
  # before the stage

  # right before the stage
  stage a {
    touchpoint t: web  # after the channel
      duration 2 min {
      feel +1  # after an effect
      # before the closing brace
    }
    -> exit  # after a transition
  }
  seed 1; # after a semicolon
  # at the end of the journey
}
# at the end of the file
"""
    assert (
        format_text(text)
        == """# before the journey

journey J {  # on the opening line
  # before the stage

  # right before the stage
  stage a {
    touchpoint t: web  # after the channel
        duration 2 min {
      feel +1  # after an effect
      # before the closing brace
    }
    -> exit  # after a transition
  }
  seed 1  # after a semicolon
  # at the end of the journey
}
# at the end of the file
"""
    )


def test_end_of_line_comments_of_consecutive_lines_align() -> None:
    text = "journey J {\n  seed 1 # a\n  visit limit 3 # b\n\n  time unit hours # c\n}\n"
    assert format_text(text) == (
        "journey J {\n  seed 1         # a\n  visit limit 3  # b\n\n  time unit hours  # c\n}\n"
    )


def test_blocks_written_on_one_line_stay_there_when_they_fit() -> None:
    one = "journey J {\n  stage a {\n    touchpoint t: web { feel +1; think +2 }\n  }\n}\n"
    assert format_text(one) == one
    long = one.replace(
        "web", "web duration 10 min cost 10 capacity 10 staff cost 45 per hour share 50% for all every 1 year"
    )
    assert len(long.splitlines()[2]) > 120
    assert "{\n      feel +1\n      think +2\n    }" in format_text(long)
    several = "journey J {\n  stage a {\n    touchpoint t: web {\n      feel +1\n    }\n  }\n}\n"
    assert format_text(several) == several
    stage = "journey J { stage a { -> exit } }"
    assert format_text(stage) == "journey J {\n  stage a {\n    -> exit\n  }\n}\n"


def test_a_factor_before_a_design_test_keeps_its_semicolon() -> None:
    text = "journey J {\n  factor service expect 7;  # the factor\n  expect nps > 30\n  stage a goal {\n    -> exit\n  }\n}\n"
    assert format_text(text) == text
    assert format_text(text.replace(";", "; ; ")) == text
    before, after = load_text(text).journey, load_text(format_text(text)).journey
    assert before is not None and after is not None and len(after.design_tests) == 1
    assert normal(after) == normal(before)


def test_strings_and_quoted_names_are_kept_as_written() -> None:
    text = 'journey "a # not a comment" {\n  stage "x \\"y\\"" {\n    -> exit\n  }\n}\n'
    assert format_text(text) == text
    assert comments(text) == []


def test_text_with_errors_raises_with_the_diagnostics() -> None:
    with pytest.raises(JourneyError) as raised:
        format_text("journey J {\n  stge a {}\n}\n", "bad.journey")
    assert raised.value.diagnostics and raised.value.diagnostics[0].code.startswith("JD0")
    assert str(raised.value.diagnostics[0].span).startswith("bad.journey:2:")
    for text, code in [
        ("# only a comment\n", "JD008"),
        ('journey "a\x07b" {}', "JD012"),
        ("journey J { seed 12345678901234567890 }", "JD217"),
        ('journey J { stage a { -> exit } "', "JD010"),
    ]:
        with pytest.raises(JourneyError) as raised:
            format_text(text)
        assert [d.code for d in raised.value.diagnostics] == [code], text


def test_write_journey_quotes_what_must_be_quoted_and_reads_back() -> None:
    stage = Stage(
        "stage",
        steps=(
            Touchpoint("pay at till", "staff", effects=Effects(modules=(NamedValue("feel", 0.1 + 0.2),))),
            Choice("stage choice 1", (Touchpoint("a", "web"), Touchpoint("b", "app"))),
        ),
        transitions=(Transition("stage", "exit", Probability(0.15, True)),),
        delay=Quantity(1.5, "h"),
    )
    journey = Journey('Say "hi"', stages=(stage,), seed=12345678901234.0)
    text = write_journey(journey, header="imported from a test\nsecond line")
    assert text.startswith("# imported from a test\n# second line\n\n")
    assert 'journey "Say \\"hi\\"" {' in text and 'stage "stage" {' in text and "-> exit 15%" in text
    read = load_text(text).journey
    assert read is not None
    assert read.name == 'Say "hi"' and read.stages[0].name == "stage" and str(read.stages[0].delay) == "1.5 h"
    step, choice = read.stages[0].steps
    assert isinstance(step, Touchpoint) and step.name == "pay at till" and step.channel == "staff"
    assert isinstance(choice, Choice) and [o.name for o in choice.options] == ["a", "b"]
    assert choice.name == "stage choice 1" and "choice {" in text  # the unnamed choice stays unnamed
    probability = read.stages[0].transitions[0].probability
    assert probability is not None and (probability.value, probability.percent) == (0.15, True)
    assert step.effects.modules[0].value == 0.1 + 0.2  # written as 0.30000000000000004, read back exactly
    assert read.seed == 12345678901234.0


@settings(max_examples=60, deadline=None, derandomize=True)
@given(name=st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12))
def test_any_name_is_written_so_that_it_reads_back(name: str) -> None:
    journey = Journey(name, stages=(Stage(name, transitions=(Transition(name, "exit"),)),))
    loaded = load_text(write_journey(journey))
    assert loaded.journey is not None, loaded.diagnostics
    assert loaded.journey.name == name and loaded.journey.stages[0].name == name


# ---- the command ------------------------------------------------------------------------


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    path = tmp_path / "shop.journey"
    path.write_text(MESSY, encoding="utf-8")
    return path


MESSY = (
    'journey "Shop" {\nstage buy goal {touchpoint pay: digital duration 2 minutes {feel +1}\n-> exit   # done\n}\n}\n'
)
TIDY = 'journey "Shop" {\n  stage buy goal {\n    touchpoint pay: digital duration 2 min { feel +1 }\n    -> exit  # done\n  }\n}\n'


def test_fmt_rewrites_in_place_and_leaves_formatted_files_alone(messy: Path) -> None:
    result = CliRunner().invoke(cli, ["fmt", str(messy)])
    assert result.exit_code == 0, result.output
    assert messy.read_text(encoding="utf-8") == TIDY
    assert "formatted" in result.stderr and "1 file formatted" in result.stderr
    stamp = messy.stat().st_mtime_ns
    again = CliRunner().invoke(cli, ["fmt", str(messy)])
    assert again.exit_code == 0 and "0 files formatted, 1 already formatted" in again.stderr
    assert messy.stat().st_mtime_ns == stamp


def test_fmt_check_names_files_that_would_change(messy: Path, tmp_path: Path) -> None:
    tidy = tmp_path / "tidy.journey"
    tidy.write_text(TIDY, encoding="utf-8")
    result = CliRunner().invoke(cli, ["fmt", "--check", str(messy), str(tidy)])
    assert result.exit_code == 1
    assert "would reformat" in result.stderr and "shop.journey" in result.stderr
    assert result.stderr.count("would reformat") == 1 and "tidy.journey" not in result.stderr
    assert "1 file would be formatted, 1 already formatted" in result.stderr
    assert messy.read_text(encoding="utf-8") != TIDY  # untouched
    ok = CliRunner().invoke(cli, ["fmt", "--check", str(tidy)])
    assert ok.exit_code == 0 and ok.stdout == ""


def test_fmt_diff_prints_a_unified_diff(messy: Path) -> None:
    before = messy.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["fmt", "--diff", str(messy)])
    assert result.exit_code == 1
    assert "+++ " in result.stdout and "--> exit   # done" in result.stdout
    assert "+    -> exit  # done" in result.stdout
    assert messy.read_text(encoding="utf-8") == before


def test_fmt_reads_standard_input_and_writes_standard_output() -> None:
    result = CliRunner().invoke(cli, ["fmt", "-"], input=MESSY)
    assert result.exit_code == 0
    assert result.stdout == TIDY


def test_fmt_leaves_a_file_with_errors_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bad.journey"
    text = "journey J {\n  stage a {\n    -> nowhere\n  }\n}\n"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["fmt", str(path)])
    checked = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == checked.exit_code == 1
    assert "bad.journey:3:" in result.stderr and "with errors" in result.stderr
    assert path.read_text(encoding="utf-8") == text


def test_fmt_of_standard_input_with_errors_prints_the_diagnostics() -> None:
    result = CliRunner().invoke(cli, ["fmt", "-"], input="journey J {\n  stge a {}\n}\n")
    assert result.exit_code == 1 and result.stdout == ""
    assert "<stdin>:2:3" in result.stderr and "JD004" in result.stderr


def test_fmt_refuses_a_file_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "binary.journey"
    path.write_bytes(b"journey J {\xff}")
    result = CliRunner().invoke(cli, ["fmt", "--check", str(path)])
    assert result.exit_code == 1 and "JD007" in result.stderr
    assert path.read_bytes() == b"journey J {\xff}"


def test_fmt_keeps_windows_line_ends_and_formats_folders(tmp_path: Path) -> None:
    folder = tmp_path / "journeys"
    folder.mkdir()
    path = folder / "a.journey"
    path.write_bytes(MESSY.replace("\n", "\r\n").encode())
    result = CliRunner().invoke(cli, ["fmt", str(folder)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == TIDY.replace("\n", "\r\n").encode()
