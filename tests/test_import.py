"""``journey import``: Mermaid diagrams, spreadsheet journey maps and CJML documents become journeys.

Round trips: a journey exported as Mermaid or CJML and imported again has the same stages and
touchpoints in the same order (and channels, and Mermaid's scores); the CSV template imports, checks
and simulates.  Bad input (malformed lines, missing columns, malformed XML, DTDs) is a diagnostic
with file:line:col, the line and a caret, never a traceback; hostile names survive, escaped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl.api import check_text, load, loads, simulate
from journeydsl.cli import cli
from journeydsl.lang.export import mermaid_score, to_cjml, to_mermaid
from journeydsl.lang.importers import (
    ImportFailed,
    build_journey,
    journey_text,
    read_cjml,
    read_csv_map,
    read_mermaid,
    score_effect,
)
from journeydsl.lang.importers.cjml import CJML_NAMES, channel_of
from journeydsl.lang.model import Journey, Touchpoint
from journeydsl.lang.vocabulary import CHANNELS

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "examples" / "journeys").glob("*.journey"))
IMPORTS = ROOT / "examples" / "import"
TEMPLATE = IMPORTS / "journey-map-template.csv"


def flat(journey: Journey) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each stage with its touchpoints (name, channel) as the exports list them (choice options and uses in order)."""
    library = {tp.name: tp for tp in journey.touchpoints}
    found = []
    for stage in journey.stages:
        touchpoints = []
        for step in stage.steps:
            for option in getattr(step, "options", (step,)):
                tp = option if isinstance(option, Touchpoint) else library.get(option.name)
                if tp is not None:
                    touchpoints.append((tp.name, tp.channel))
        if touchpoints:
            found.append((stage.name, touchpoints))
    return found


def unique(stages: list[tuple[str, list[tuple[str, str]]]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Names as an import makes them unique: a repeat of `x` is `x (2)`."""
    seen: set[str] = set()
    result = []
    for stage, touchpoints in stages:
        renamed = []
        for name, channel in touchpoints:
            candidate, number = name, 1
            while candidate in seen:
                number += 1
                candidate = f"{name} ({number})"
            seen.add(candidate)
            renamed.append((candidate, channel))
        result.append((stage, renamed))
    return result


def imported(draft, source: str = "in.txt") -> Journey:
    """The journey an import writes, read back from its text (the text must check without errors)."""
    text = journey_text(build_journey(draft, source), source=source, command="journey import test", notes=draft.notes)
    result = check_text(text, "out.journey")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]
    return loads(text, "out.journey")


# ---- Mermaid ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_mermaid_export_then_import_keeps_stages_touchpoints_order_and_scores(path):
    original = load(path)
    diagram = to_mermaid(original)
    again = imported(read_mermaid(diagram, "x.mmd"))
    assert flat(again) == unique(flat(original))
    assert again.name == original.name
    # Each score survives: the imported feel rating exports to the score the original had.
    scores = [line.split(":")[1].strip() for line in diagram.splitlines() if line.startswith("        ")]
    assert [str(mermaid_score(again, tp)) for tp in again.all_touchpoints()] == scores
    assert again.stages[-1].goal and all(len(stage.transitions) == 1 for stage in again.stages[:-1])


def test_mermaid_score_mapping_is_the_documented_rating_scale():
    assert [score_effect(s).score for s in (1, 2, 3, 4, 5)] == [0.0, 2.5, 5.0, 7.5, 10.0]
    draft = read_mermaid("journey\n section s\n  t: 4: Me\n", "a.mmd")
    (effect,) = draft.stages[0].touchpoints[0].effects
    assert (effect.name, effect.value, str(effect.rating.score)) == ("feel", 2.5, "7.5")


def test_mermaid_actors_become_segments_and_channel_actors_channels():
    text = "journey\n title T\n section a\n  x: 3: Me, digital\n  y: 2: Cat\n section b\n  z: 5: Me\n"
    journey = imported(read_mermaid(text, "t.mmd"))
    assert [(s.name, s.share.value) for s in journey.segments] == [("Me", 0.5), ("Cat", 0.5)]
    assert [(tp.name, tp.channel) for tp in journey.all_touchpoints()] == [
        ("x", "digital"),
        ("y", "staff"),
        ("z", "staff"),
    ]
    digital = imported(read_mermaid(text, "t.mmd", default_channel="digital"))
    assert [tp.channel for tp in digital.all_touchpoints()] == ["digital", "digital", "digital"]


def test_mermaid_skips_comments_directives_front_matter_and_decodes_entities():
    text = (
        "---\ntitle: From front matter\n---\n%%{init: {'theme': 'forest'}}%%\njourney\n"
        "  accTitle: a11y\n  accDescr {\n  several lines\n  }\n  %% a comment\n"
        "  section #60;b#62; \n    caf\u00e9 #quot;x#quot;: 3 # trailing comment\n"
    )
    draft = read_mermaid(text, "f.mmd")
    assert draft.name == "From front matter"
    assert draft.stages[0].name == "<b>"
    assert draft.stages[0].touchpoints[0].name == 'caf\u00e9 "x"'


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        ("flowchart LR\n  a --> b\n", "JI101", "1:1"),
        ("journey\n  section a\n    no colon here\n", "JI102", "3:5"),
        ("journey\n  section a\n    t: 7: Me\n", "JI103", "3:8"),
        ("journey\n  section a\n    t: good: Me\n", "JI103", "3:8"),
        ("", "JI101", "1:1"),
    ],
)
def test_malformed_mermaid_is_a_located_diagnostic(text, code, where):
    with pytest.raises(ImportFailed) as caught:
        read_mermaid(text, "bad.mmd")
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.code == code
    assert f"{diagnostic.span.line}:{diagnostic.span.column}" == where
    assert diagnostic.hint


# ---- CSV ----------------------------------------------------------------------------------------


def test_csv_template_imports_checks_and_simulates():
    journey = imported(read_csv_map(TEMPLATE.read_text(encoding="utf-8"), str(TEMPLATE)))
    assert [stage.name for stage in journey.stages] == ["discover", "visit", "order", "after"]
    counter = next(tp for tp in journey.all_touchpoints() if tp.name == "order at the counter")
    assert counter.moment_of_truth and counter.capacity == 1 and counter.cost == 3
    assert str(counter.duration) == "exponential(2 min)"
    assert counter.effects.modules[0].rating is not None and counter.effects.modules[0].value == -3.0
    assert [(p.name, p.value) for p in counter.effects.performance] == [("service", 6.0)]
    assert [s.name for s in journey.segments] == ["newcomers", "regulars"]
    results = simulate(journey, customers=200, seed=3).results
    assert results["customers"] >= 200 and results["metrics"]["conversion_rate"]["mean"] > 0.9
    assert list(results["touchpoints"]) == [tp.name for tp in journey.all_touchpoints()]
    assert (
        results["touchpoints"]["order at the counter"]["mean_affect"]
        < results["touchpoints"]["pay by app"]["mean_affect"]
    )


def test_csv_headers_are_matched_loosely_and_semicolons_work():
    text = "\ufeffStage;Touch_Point;CHANNEL;Moment-of-truth;Theme Trust\nA;t1;staff;x;+1\nB;t2;digital;;\n"
    journey = imported(read_csv_map(text, "loose.csv"))
    assert [(tp.name, tp.channel, tp.moment_of_truth) for tp in journey.all_touchpoints()] == [
        ("t1", "staff", True),
        ("t2", "digital", False),
    ]
    assert journey.all_touchpoints()[0].effects.themes[0].name == "trust"


def test_csv_missing_and_unknown_columns_and_bad_values_are_located():
    with pytest.raises(ImportFailed) as caught:
        read_csv_map("stage,touchpoint,chanel\na,b,staff\n", "m.csv")
    codes = [(d.code, d.span.line, d.span.column) for d in caught.value.diagnostics]
    assert ("JI202", 1, 18) in codes and ("JI201", 1, 1) in codes
    assert "did you mean `channel`?" in [d.hint for d in caught.value.diagnostics]
    with pytest.raises(ImportFailed) as caught:
        read_csv_map('stage,touchpoint,channel,duration,feel\na,"b, c",staf,5 parsecs,9\n', "v.csv")
    found = {(d.span.line, d.span.column): d.message for d in caught.value.diagnostics}
    assert set(found) == {(2, 10), (2, 15), (2, 25)}
    assert "`staf` is not a channel" in found[(2, 10)]


# ---- CJML ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_cjml_export_then_import_keeps_stages_touchpoints_and_channels(path):
    original = load(path)
    again = imported(read_cjml(to_cjml(original), "x.xml"))
    assert flat(again) == unique(flat(original))
    assert again.name == original.name
    assert [s.name for s in again.segments] == (
        [s.name for s in original.segments] if len(original.segments) > 1 else []
    )


def test_cjml_names_map_every_channel_back_to_itself():
    assert {channel_of(name) for name in CJML_NAMES.values()} == set(CHANNELS)
    assert all(channel_of(name) == channel for channel, name in CJML_NAMES.items())


def test_cjml_example_reads_phases_actions_and_experience():
    path = IMPORTS / "book-swap.xml"
    journey = imported(read_cjml(path.read_text(encoding="utf-8"), str(path)))
    assert journey.name == "Book swap"
    assert flat(journey) == [
        ("sign up", [("Creates an account", "digital"), ("Sends a welcome e-mail", "media")]),
        ("swap", [("Packs the book", "product"), ("Hands the parcel in at the post office", "staff")]),
    ]
    assert journey.all_touchpoints()[1].effects.modules[0].value == 2.5


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<CJML>&a;</CJML>\n', "JI302", "2:1"),
        ("<CJML><plannedJourney>\n  <touchpoints></plannedJourney></CJML>\n", "JI301", "2:18"),
        ("<svg/>\n", "JI303", "1:1"),
        ("<CJML>\n</CJML>\n", "JI303", "1:1"),
        (
            "<CJML><plannedJourney><touchpoints>\n<plannedCommunicationPoint><initiator><initiatorLabel>t"
            "</initiatorLabel></initiator>\n  <channel><channelName>Pigeon</channelName></channel>"
            "</plannedCommunicationPoint></touchpoints></plannedJourney></CJML>",
            "JI304",
            "3:12",
        ),
    ],
)
def test_bad_cjml_is_a_located_diagnostic(text, code, where):
    with pytest.raises(ImportFailed) as caught:
        read_cjml(text, "bad.xml")
    diagnostic = caught.value.diagnostics[0]
    assert (diagnostic.code, f"{diagnostic.span.line}:{diagnostic.span.column}") == (code, where)


def test_cjml_billion_laughs_is_refused_before_expansion():
    laughs = (
        '<!DOCTYPE l [<!ENTITY a "ha">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]><CJML>&j;</CJML>"
    )
    with pytest.raises(ImportFailed) as caught:
        read_cjml(laughs, "laughs.xml")
    assert caught.value.diagnostics[0].code == "JI302"


def test_cjml_channel_option_and_journey_choice():
    text = (
        "<CJML><actualJourney><journeyID>AJ1</journeyID><touchpoints><actualCommunicationPoint>"
        "<initiator><initiatorLabel>a</initiatorLabel></initiator><channel><channelName>Pigeon</channelName></channel>"
        "</actualCommunicationPoint></touchpoints></actualJourney><actualJourney><journeyID>AJ2</journeyID>"
        "<touchpoints><actualAction><initiator><initiatorLabel>b</initiatorLabel></initiator></actualAction>"
        "</touchpoints></actualJourney></CJML>"
    )
    first = read_cjml(text, "c.xml", channels={"pigeon": "media"})
    assert first.stages[0].touchpoints[0].channel == "media" and "AJ1, AJ2" in first.notes[0]
    second = read_cjml(text, "c.xml", journey_id="AJ2", action_channel="environment")
    assert [(tp.name, tp.channel) for tp in second.stages[0].touchpoints] == [("b", "environment")]
    with pytest.raises(ImportFailed) as caught:
        read_cjml(text, "c.xml", journey_id="AJ3")
    assert caught.value.diagnostics[0].code == "JI305"


def test_cjml_export_is_well_formed_for_hostile_names():
    import xml.etree.ElementTree as ET

    journey = loads(
        'journey "a & <b> \\"c\\"" { segment "x]]>" 100% { } stage "</x>" goal { touchpoint "\u263a \\\\ {}": media } }'
    )
    root = ET.fromstring(to_cjml(journey))
    assert root.find("plannedJourney/journeyTitle").text == 'a & <b> "c"'
    assert root.find(".//initiatorLabel").text == "\u263a \\ {}"
    assert root.find(".//initiator/refersTo").get("actorIDref") == "SP1"  # media: the provider starts it


# ---- names and the command ----------------------------------------------------------------------

HOSTILE = [
    'quote " and \\ backslash',
    "braces { } and ; # %",
    "line\nbreak\ttab\x1b",
    "\u65e5\u672c \u263a",
    "stage",
    "exit",
]


def test_hostile_names_survive_escaped_in_the_text():
    rows = "stage,touchpoint,channel\n" + "".join(
        f'"{name.replace(chr(34), chr(34) * 2)}","{name.replace(chr(34), chr(34) * 2)} tp",staff\n' for name in HOSTILE
    )
    draft = read_csv_map(rows, "hostile.csv")
    text = journey_text(build_journey(draft), source="hostile.csv", command="journey import csv hostile.csv")
    assert "\x1b" not in text and "\t" not in text
    journey = loads(text, "out.journey")
    cleaned = [" ".join(name.split()).replace("\x1b", "").strip() for name in HOSTILE]
    cleaned = [re.sub(r"\s+", " ", name) for name in cleaned]
    assert [stage.name for stage in journey.stages] == [*cleaned[:-1], "exit (2)"]
    assert [tp.name for tp in journey.all_touchpoints()] == [f"{name} tp" for name in cleaned]


def test_cli_imports_to_stdout_and_to_a_file_with_a_source_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "day.mmd").write_text("journey\n title Day\n section s\n  t: 2: Me\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "mermaid", "day.mmd"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "# Imported from day.mmd by journeydsl.\n# Command: journey import mermaid day.mmd\n"
    )
    assert check_text(result.stdout).ok
    result = CliRunner().invoke(cli, ["import", "mermaid", "day.mmd", "-o", "day.journey", "--share", "Me=100%"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "day.journey").read_text(encoding="utf-8")
    assert "# Command: journey import mermaid day.mmd --share Me=100% -o day.journey" in written
    assert loads(written).segments[0].share.value == 1.0
    result = CliRunner().invoke(cli, ["import", "csv", str(TEMPLATE), "--name", "Caf\u00e9"])
    assert result.exit_code == 0 and loads(result.stdout).name == "Caf\u00e9"


def test_cli_bad_input_is_a_diagnostic_not_a_traceback_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.xml").write_text("<CJML><plannedJourney>\n</CJML>\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "cjml", "bad.xml", "-o", "out.journey"])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "bad.xml:2:3: error[JI301]" in result.stderr and "^" in result.stderr
    assert not (tmp_path / "out.journey").exists()
    (tmp_path / "latin1.csv").write_bytes(b"stage,touchpoint,channel\ncaf\xe9,t,staff\n")
    result = CliRunner().invoke(cli, ["import", "csv", "latin1.csv"])
    assert result.exit_code == 1 and "latin1.csv:2:4: error[JI001]" in result.stderr
    result = CliRunner().invoke(cli, ["import", "mermaid", "bad.xml", "--share", "nonsense"])
    assert result.exit_code == 2 and "--share" in result.stderr
    result = CliRunner().invoke(cli, ["import", "cjml", "bad.xml", "--channel", "Pigeon=telepathy"])
    assert result.exit_code == 2 and "--channel" in result.stderr
    result = CliRunner().invoke(cli, ["import", "mermaid", "bad.xml", "-o", "bad.xml"])
    assert result.exit_code == 1 and "input" in result.stderr


def test_graph_exports_cjml_that_imports_again(tmp_path):
    path = ROOT / "examples" / "journeys" / "premier_banking.journey"
    result = CliRunner().invoke(cli, ["graph", str(path), "--format", "cjml", "-o", str(tmp_path / "p.xml")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["import", "cjml", str(tmp_path / "p.xml")])
    assert result.exit_code == 0, result.output
    assert [stage.name for stage in loads(result.stdout).stages] == [s.name for s in load(path).stages]


def test_every_import_diagnostic_code_is_documented():
    from journeydsl.lang.importers import IMPORT_CODES

    text = Path(ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    assert [code for code, title in IMPORT_CODES.items() if f"`{code}` {title}" not in text] == []


def test_csv_from_a_decimal_comma_locale_with_excels_sep_line():
    text = "sep=;\nStage;Touchpoint;Channel;Cost;Feel;Duration\nA;t1;staff;0,5;+1,5;1,5 min\n"
    (touchpoint,) = imported(read_csv_map(text, "eu.csv")).all_touchpoints()
    assert (touchpoint.cost, touchpoint.effects.modules[0].value, str(touchpoint.duration)) == (0.5, 1.5, "1.5 min")


def test_cjml_round_trip_keeps_hostile_names_exactly():
    names = ['say "hi" \\ there', "{braces} & <tags> ]]> #1; 50%", "\u65e5\u672c\u8a9e \u263a", "stage"]
    stages = " ".join(
        f'stage "s{i} {name}"{" goal" if i == len(names) - 1 else ""} {{ touchpoint "{name}": digital {{ feel +1 }}'
        + (f' -> "s{i + 1} {names[i + 1]}"' if i < len(names) - 1 else "")
        + " }"
        for i, name in enumerate(n.replace("\\", "\\\\").replace('"', '\\"') for n in names)
    )
    original = loads(f'journey "J {{x}}" {{ {stages} }}')
    again = imported(read_cjml(to_cjml(original), "h.xml"))
    assert [tp.name for tp in again.all_touchpoints()] == names
    assert [stage.name for stage in again.stages] == [stage.name for stage in original.stages]
    assert again.name == "J {x}"


@pytest.mark.parametrize("kind", ["mermaid", "csv", "cjml"])
def test_any_prefix_of_a_good_file_imports_or_is_a_diagnostic(kind):
    """Cut a good source anywhere: the importer gives a draft or an ImportFailed, never another exception."""
    text = {
        "mermaid": (IMPORTS / "working-day.mmd").read_text(encoding="utf-8"),
        "csv": TEMPLATE.read_text(encoding="utf-8"),
        "cjml": (IMPORTS / "book-swap.xml").read_text(encoding="utf-8"),
    }[kind]
    read = {"mermaid": read_mermaid, "csv": read_csv_map, "cjml": read_cjml}[kind]
    outcomes = set()
    for cut in range(0, len(text), 7):
        try:
            build_journey(read(text[:cut], f"cut.{kind}"), f"cut.{kind}")
            outcomes.add("ok")
        except ImportFailed as error:
            assert all(d.span.line >= 1 and d.span.column >= 1 for d in error.diagnostics)
            outcomes.add("refused")
    assert outcomes == {"ok", "refused"} if kind != "cjml" else "refused" in outcomes
