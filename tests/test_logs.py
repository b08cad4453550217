"""Event logs: read from CSV and XES with clear diagnostics, and written by ``journey simulate --log``."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.cli import cli
from journeydsl.data.logs import LOG_CODES, EventLog, LogError, LogMapping, parse_start, read_csv_log, read_log
from journeydsl.data.simulated import LOG_CSV_COLUMNS
from journeydsl.data.xes import read_xes
from journeydsl.sim.engine import TRACE_COLUMNS

from .conftest import ROOT

UTC = timezone.utc

LINEAR = """journey "Linear <shop> & co" {
  time unit minutes
  arrivals cohort 40
  stage browse {
    touchpoint ad: media duration 2 min { feel +1 }
    touchpoint "site \\"A\\"": digital duration 5 min { feel +1 }
    -> buy 100%
  }
  stage buy goal {
    touchpoint "pay & <go>": staff duration 3 min { feel +2 }
  }
}
"""
ORDER = ("ad", 'site "A"', "pay & <go>")
DURATIONS = {"ad": 120.0, 'site "A"': 300.0, "pay & <go>": 180.0}


@pytest.fixture(scope="module")
def journey_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("journey") / "linear.journey"
    path.write_text(LINEAR, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def written(journey_file: Path) -> dict[str, Path]:
    """The linear journey simulated once per log format through the command line."""
    out: dict[str, Path] = {}
    for suffix in ("xes", "csv", "xes.gz"):
        target = journey_file.parent / f"out.{suffix}"
        result = CliRunner().invoke(
            cli,
            ["simulate", str(journey_file), "--seed", "3", "--log", str(target), "--log-start", "2026-01-05T09:00"],
        )
        assert result.exit_code == 0, result.output
        out[suffix] = target
    return out


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def failure(call: object, *args: object) -> LogError:
    with pytest.raises(LogError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def codes(log_or_error: EventLog | LogError) -> list[str]:
    return [d.code for d in log_or_error.diagnostics]


# ---- round trip ------------------------------------------------------------------------


def test_the_trace_rows_are_what_the_log_writer_unpacks() -> None:
    assert TRACE_COLUMNS == (
        "replication", "customer", "segment", "cycle", "stage", "touchpoint", "channel",
        "time", "wait", "duration", "affect", "failure", "reneged",
    )  # fmt: skip


@pytest.mark.parametrize("suffix", ["xes", "csv", "xes.gz"])
def test_a_simulated_log_reads_back_with_its_cases_order_and_durations(written: dict[str, Path], suffix: str) -> None:
    log = read_log(written[suffix])
    assert log.diagnostics == ()
    assert len(log.cases) >= 40  # the cohort, and any customer a referral brought
    assert log.activities == ORDER
    for case in log.cases:
        assert case.activities == ORDER
        assert case.attributes["segment"] == "everyone"
        for event in case.events:
            assert event.duration == timedelta(seconds=DURATIONS[event.activity])
            assert event.timestamp.tzinfo is not None and event.timestamp.utcoffset() == timedelta(0)
        # one visit follows the other without a gap on a journey without queues
        assert case.events[1].timestamp == case.events[0].end
    first = log.cases[0]
    assert first.id == "r0-c0-0" and first.start == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert [c.start for c in log.cases] == sorted(c.start for c in log.cases)
    assert log.summary.events == 3 * len(log.cases) and log.summary.activities == 3
    assert (
        log.start == first.start
        and log.seconds(log.cases[-1].start) == (log.cases[-1].start - first.start).total_seconds()
    )


def test_xes_and_csv_logs_of_the_same_run_agree(written: dict[str, Path]) -> None:
    xes, csv_log = read_log(written["xes"]), read_log(written["csv"])
    assert [(c.id, c.activities, [e.timestamp for e in c.events]) for c in xes.cases] == [
        (c.id, c.activities, [e.timestamp for e in c.events]) for c in csv_log.cases
    ]
    assert gzip.decompress(written["xes.gz"].read_bytes()) == written["xes"].read_bytes()


def test_names_are_escaped_in_xml_and_csv(written: dict[str, Path]) -> None:
    text = written["xes"].read_text(encoding="utf-8")
    assert 'value="pay &amp; &lt;go&gt;"' in text and 'value="site &quot;A&quot;"' in text
    assert 'value="Linear &lt;shop&gt; &amp; co"' in text
    header = written["csv"].read_text(encoding="utf-8").splitlines()[0]
    assert tuple(header.split(",")) == LOG_CSV_COLUMNS


def directly_follows(log: EventLog) -> set[tuple[str, str]]:
    return {(a.activity, b.activity) for case in log.cases for a, b in zip(case.events, case.events[1:], strict=False)}


def test_the_directly_follows_graph_is_the_journeys_touchpoint_order(written: dict[str, Path]) -> None:
    expected = set(zip(ORDER, ORDER[1:], strict=False))
    assert directly_follows(read_xes(written["xes"])) == expected


def test_pm4py_reads_the_log_and_discovers_the_same_graph(written: dict[str, Path]) -> None:
    pm4py = pytest.importorskip("pm4py")
    log = pm4py.read_xes(str(written["xes"]))
    completes = log[log["lifecycle:transition"] == "complete"]
    graph, _, _ = pm4py.discover_dfg(completes)
    assert set(graph) == set(zip(ORDER, ORDER[1:], strict=False))


def test_the_log_start_shifts_every_timestamp(journey_file: Path, tmp_path: Path) -> None:
    journey = api.load(journey_file)
    target = tmp_path / "shifted.csv"
    with api.log_writer(target, journey, start="2026-03-02T10:00+01:00") as log:
        api.simulate(journey, trace=log, seed=3)
    read = read_csv_log(target)
    assert read.cases[0].start == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a date and time"):
        api.log_writer(target, journey, start="next monday")


def test_a_bad_log_start_is_a_usage_error_and_nothing_is_written(journey_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "never.xes"
    result = CliRunner().invoke(cli, ["simulate", str(journey_file), "--log", str(target), "--log-start", "soon"])
    assert result.exit_code == 2 and "--log-start" in result.output and "not a date and time" in result.output
    assert not target.exists() and not list(tmp_path.iterdir())


def test_a_log_start_without_a_log_is_a_usage_error(journey_file: Path) -> None:
    result = CliRunner().invoke(cli, ["simulate", str(journey_file), "--log-start", "2026-01-05T09:00"])
    assert result.exit_code == 2 and "--log-start" in result.output and "--log" in result.output


def test_the_log_never_replaces_the_journey(journey_file: Path) -> None:
    before = journey_file.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["simulate", str(journey_file), "--log", str(journey_file)])
    assert result.exit_code != 0 and journey_file.read_text(encoding="utf-8") == before


def test_trace_and_log_are_written_together(journey_file: Path, tmp_path: Path) -> None:
    trace, log = tmp_path / "trace.csv", tmp_path / "log.xes"
    result = CliRunner().invoke(
        cli, ["simulate", str(journey_file), "--seed", "3", "--trace", str(trace), "--log", str(log)]
    )
    assert result.exit_code == 0, result.output
    rows = trace.read_text(encoding="utf-8").count("\n") - 1
    assert rows == read_xes(log).summary.events and rows >= 120


# ---- CSV diagnostics -------------------------------------------------------------------

GOOD_HEADER = "case,activity,timestamp\n"


def test_csv_mapping_by_options_and_aliases(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mapped.csv",
        "Case ID;Activity;Start;Complete;Who;Channel;Tier\n"
        "7;ask;05/01/2026 09:00;05/01/2026 09:10;ann;phone;gold\n"
        "7;answer;05/01/2026 09:20;05/01/2026 09:30;bob;phone;gold\n",
    )
    mapping = LogMapping(
        case="Case ID",
        timestamp="Start",
        end="Complete",
        resource="Who",
        attributes=("Tier",),
        timezone="Europe/Paris",
        time_format="%d/%m/%Y %H:%M",
    )
    log = read_csv_log(path, mapping)
    (case,) = log.cases
    assert case.activities == ("ask", "answer") and case.attributes == {"Tier": "gold"}
    assert case.events[0].timestamp == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # Paris is UTC+1 in January
    assert case.events[0].resource == "ann" and case.events[0].attributes == {"channel": "phone"}
    assert case.events[1].duration == timedelta(minutes=10)
    assert log.diagnostics == ()


def test_unknown_column_gets_a_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "case,activity,timestamp,channel\n1,a,2026-01-05T09:00Z,web\n")
    error = failure(read_csv_log, path, LogMapping(resource="chanel"))
    assert codes(error) == ["JL003"]
    shown = error.render()
    print(shown)
    assert "log.csv:1:1: error[JL003]: no column `chanel` for the resource" in shown
    assert "did you mean `channel`?" in shown


def test_no_timestamp_column_names_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "case,activity,when\n1,a,2026-01-05T09:00Z\n")
    shown = failure(read_csv_log, path).render()
    print(shown)
    assert "error[JL003]: no timestamp column found" in shown and "`when`" in shown


def test_missing_timestamp_names_the_row_and_points_at_the_cell(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + "1,a,2026-01-05T09:00Z\n1,b,\n")
    error = failure(read_csv_log, path)
    shown = error.render()
    print(shown)
    assert codes(error) == ["JL004"]
    assert "log.csv:3:5: error[JL004]: row 3 (case `1`, activity `b`) has no timestamp" in shown
    assert "    3 | 1,b," in shown


def test_a_timestamp_that_is_not_one(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + '1,a,"yesterday, 9am"\n')
    error = failure(read_csv_log, path)
    print(error.render())
    assert codes(error) == ["JL005"] and error.diagnostics[0].span.column == 5
    assert "`yesterday, 9am` is not a time" in error.diagnostics[0].message


def test_naive_timestamps_are_utc_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + "1,a,2026-01-05 09:00\n1,b,2026-01-05 09:05\n")
    log = read_csv_log(path)
    assert codes(log) == ["JL006"] and "2 timestamps have no time zone" in log.diagnostics[0].message
    assert log.cases[0].start == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert codes(read_csv_log(path, LogMapping(timezone="UTC"))) == []


def test_naive_and_zoned_timestamps_mixed_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + "1,a,2026-01-05T09:00+01:00\n1,b,2026-01-05 09:05\n")
    error = failure(read_csv_log, path)
    print(error.render())
    assert codes(error) == ["JL007"] and error.diagnostics[0].span.line == 3


def test_mixed_offsets_are_converted_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + "1,a,2026-03-28T09:00+01:00\n1,b,2026-03-29T09:00+02:00\n")
    log = read_csv_log(path)
    assert codes(log) == ["JL008"] and "+01:00, +02:00" in log.diagnostics[0].message
    assert log.cases[0].events[1].timestamp == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_unknown_time_zone(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + "1,a,2026-01-05 09:00\n")
    error = failure(read_csv_log, path, LogMapping(timezone="Mars/Olympus"))
    assert codes(error) == ["JL015"] and "Mars/Olympus" in error.diagnostics[0].message


def test_unsorted_events_are_sorted_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + "1,b,2026-01-05T09:05Z\n1,a,2026-01-05T09:00Z\n")
    log = read_csv_log(path)
    print([d.message for d in log.diagnostics])
    assert codes(log) == ["JL009"] and log.diagnostics[0].span.line == 3
    assert log.cases[0].activities == ("a", "b")


def test_duplicate_events_are_dropped_and_counted(tmp_path: Path) -> None:
    rows = "1,a,2026-01-05T09:00Z\n1,b,2026-01-05T09:05Z\n"
    path = write(tmp_path, "log.csv", GOOD_HEADER + rows + rows + "1,b,2026-01-05T09:05Z\n")
    log = read_csv_log(path)
    assert codes(log) == ["JL010"] and log.diagnostics[0].message.startswith("3 duplicate events")
    assert log.diagnostics[0].span.line == 4 and log.cases[0].activities == ("a", "b")


def test_cases_with_one_event_are_kept_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path, "log.csv", GOOD_HEADER + "1,a,2026-01-05T09:00Z\n1,b,2026-01-05T09:05Z\n2,a,2026-01-05T10:00Z\n"
    )
    log = read_csv_log(path)
    assert codes(log) == ["JL011"] and "1 of 2 cases has one event (first: case `2`)" in log.diagnostics[0].message
    assert [c.id for c in log.cases] == ["1", "2"] and log.diagnostics[0].span.line == 4


def test_rows_with_the_wrong_number_of_fields_and_missing_cases(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + "1,a,2026-01-05T09:00Z,extra\n,b,2026-01-05T09:05Z\n")
    error = failure(read_csv_log, path)
    print(error.render())
    assert codes(error) == ["JL014", "JL012"]


def test_an_end_before_its_start(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "case,activity,start,end\n1,a,2026-01-05T09:00Z,2026-01-05T08:00Z\n")
    assert codes(failure(read_csv_log, path)) == ["JL013"]


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    assert codes(failure(read_csv_log, tmp_path / "absent.csv")) == ["JL001"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes(GOOD_HEADER.encode() + "1,caf\xe9,2026-01-05T09:00Z\n".encode("latin-1"))
    error = failure(read_csv_log, latin)
    assert codes(error) == ["JL001"] and str(error.diagnostics[0].span) == f"{latin}:2:6"
    assert codes(failure(read_csv_log, write(tmp_path, "empty.csv", ""))) == ["JL002"]
    assert codes(failure(read_csv_log, write(tmp_path, "header.csv", GOOD_HEADER))) == ["JL002"]


def test_reading_stops_after_many_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", GOOD_HEADER + "1,a,\n" * 500)
    error = failure(read_csv_log, path)
    assert codes(error).count("JL004") == 50 and codes(error)[-1] == "JL017"


def test_a_mapping_file(tmp_path: Path) -> None:
    mapping = write(tmp_path, "map.toml", 'case = "Case ID"\ntimezone = "UTC"\nattributes = ["Tier"]\n')
    assert LogMapping.load(mapping) == LogMapping(case="Case ID", timezone="UTC", attributes=("Tier",))
    assert LogMapping.load(mapping).with_options(case="id", end=None).case == "id"
    bad = write(tmp_path, "bad.toml", 'case = "id"\ntimestmap = "when"\n')
    error = failure(LogMapping.load, bad)
    shown = error.render()
    print(shown)
    assert "bad.toml:2:1: error[JL016]: unknown key `timestmap`" in shown and "did you mean `timestamp`?" in shown
    broken = write(tmp_path, "broken.toml", 'case = "id\n')
    assert codes(failure(LogMapping.load, broken)) == ["JL016"]
    typed = write(tmp_path, "typed.toml", "case = 3\n")
    assert "must be text" in failure(LogMapping.load, typed).diagnostics[0].message


# ---- XES -------------------------------------------------------------------------------


def xes(*traces: str) -> str:
    return '<?xml version="1.0"?>\n<log xes.version="1849-2016">\n' + "".join(traces) + "</log>\n"


def trace(case: str | None, *events: tuple[str, str, str | None]) -> str:
    name = f'<string key="concept:name" value="{case}"/>' if case is not None else ""
    body = "".join(
        f'<event><string key="concept:name" value="{activity}"/>'
        f'<date key="time:timestamp" value="{when}"/>'
        + (f'<string key="lifecycle:transition" value="{transition}"/>' if transition else "")
        + '<string key="org:resource" value="ann"/></event>\n'
        for activity, when, transition in events
    )
    return f'<trace>{name}<string key="channel" value="web"/>\n{body}</trace>\n'


def test_xes_start_and_complete_pairs_make_one_event(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "log.xes",
        xes(
            trace(
                "c1",
                ("ask", "2026-01-05T09:00:00.000+01:00", "start"),
                ("ask", "2026-01-05T09:04:00.000+01:00", "complete"),
                ("pay", "2026-01-05T09:10:00Z", None),
            )
        ),
    )
    log = read_xes(path)
    (case,) = log.cases
    assert case.activities == ("ask", "pay") and case.attributes == {"channel": "web"}
    assert case.events[0].timestamp == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert case.events[0].duration == timedelta(minutes=4) and case.events[1].end is None
    assert case.events[0].resource == "ann"
    assert codes(log) == ["JL008"]  # +01:00 and Z


def test_xes_diagnostics(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "log.xes",
        xes(
            trace(
                None,
                ("b", "2026-01-05T09:05:00Z", None),
                ("a", "2026-01-05T09:00:00Z", None),
                ("a", "2026-01-05T09:00:00Z", None),
            ),
            trace("open", ("x", "2026-01-05T10:00:00Z", "start"), ("y", "2026-01-05T10:01:00Z", None)),
        ),
    )
    log = read_xes(path)
    print([f"{d.span}: {d.code} {d.message}" for d in log.diagnostics])
    assert sorted(codes(log)) == ["JL009", "JL010", "JL023", "JL025"]
    assert log.cases[0].id == "trace 1" and log.cases[0].activities == ("a", "b")
    assert log.cases[1].events[0].end is None


def test_xes_naive_timestamps_take_the_zone_given(tmp_path: Path) -> None:
    path = write(
        tmp_path, "naive.xes", xes(trace("c", ("a", "2026-07-01T09:00:00", None), ("b", "2026-07-01T09:30:00", None)))
    )
    assert codes(read_xes(path)) == ["JL006"]
    log = read_log(path, LogMapping(timezone="Europe/Paris"))
    assert codes(log) == [] and log.cases[0].start == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # summer time: UTC+2
    assert codes(failure(read_xes, path, "Atlantis/Capital")) == ["JL015"]


def test_xes_event_without_timestamp_or_name(tmp_path: Path) -> None:
    text = xes('<trace><string key="concept:name" value="c"/>\n<event><string key="concept:name" value="a"/></event>\n'
               '<event><date key="time:timestamp" value="2026-01-05T09:00:00Z"/></event></trace>\n')  # fmt: skip
    error = failure(read_xes, write(tmp_path, "log.xes", text))
    shown = error.render()
    print(shown)
    assert codes(error) == ["JL004", "JL024"]
    assert "log.xes:4:1: error[JL004]: event `a` of case `c` has no timestamp" in shown


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE log [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<log><trace><string key="concept:name" value="&lol2;"/></trace></log>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<log><trace><string key="concept:name" value="&secret;"/></trace></log>
"""


@pytest.mark.parametrize(
    "text", [BILLION_LAUGHS, XXE, '<?xml version="1.0"?>\n<!DOCTYPE log SYSTEM "log.dtd">\n<log/>\n']
)
def test_doctype_and_entities_are_refused(tmp_path: Path, text: str) -> None:
    error = failure(read_xes, write(tmp_path, "evil.xes", text))
    shown = error.render()
    print(shown)
    assert codes(error) == ["JL021"] and "refused" in shown and "evil.xes:2:" in shown
    assert "root:" not in shown


def test_xes_that_is_not_xml_or_not_a_log(tmp_path: Path) -> None:
    broken = failure(read_xes, write(tmp_path, "broken.xes", "<log><trace></log>\n"))
    print(broken.render())
    assert codes(broken) == ["JL020"] and "mismatched tag" in broken.diagnostics[0].message
    assert broken.diagnostics[0].span.line == 1 and "<log><trace></log>" in broken.render()
    assert codes(failure(read_xes, write(tmp_path, "other.xes", "<html/>"))) == ["JL022"]
    assert codes(failure(read_xes, write(tmp_path, "undefined.xes", "<log>&nbsp;</log>"))) == ["JL020"]
    assert codes(failure(read_xes, write(tmp_path, "empty.xes", "<log></log>"))) == ["JL002"]
    not_gzip = write(tmp_path, "fake.xes.gz", "<log/>")
    assert codes(failure(read_xes, not_gzip)) == ["JL001"]


def test_start_parsing() -> None:
    assert parse_start("2026-01-05T09:00") == datetime(2026, 1, 5, 9, tzinfo=UTC)
    with pytest.raises(LogError):
        parse_start("tomorrow")


def test_every_code_is_documented() -> None:
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    missing = [
        code for code, (severity, title) in LOG_CODES.items() if f"| `{code}` | {severity} | {title} |" not in text
    ]
    assert not missing


QUEUE = """journey "Queue" {
  time unit hours
  arrivals cohort 30
  segment hurried 100% { patience 1 min }
  stage desk goal {
    touchpoint clerk: staff capacity 1 duration 2 hours { feel +1 }
  }
}
"""


def test_customers_who_give_up_withdraw_and_hours_are_hours(tmp_path: Path) -> None:
    journey_file = write(tmp_path, "queue.journey", QUEUE)
    xes_path, csv_path = tmp_path / "q.xes", tmp_path / "q.csv"
    for target in (xes_path, csv_path):
        result = CliRunner().invoke(cli, ["simulate", str(journey_file), "-r", "2", "--log", str(target)])
        assert result.exit_code == 0, result.output
    log = read_xes(xes_path)
    assert len(log.cases) == 60 and len({case.id for case in log.cases}) == 60  # ids differ across replications
    assert {case.id.split("-")[0] for case in log.cases} == {"r0", "r1"}
    served = [event for event in log.events() if "lifecycle" not in event.attributes]
    gave_up = [event for event in log.events() if event.attributes.get("lifecycle") == "withdraw"]
    assert len(served) == 2 and len(gave_up) == 58  # one clerk, everyone arriving at once, a minute's patience
    assert all(event.duration == timedelta(hours=2) for event in served)  # the journey's unit is the hour
    start = log.summary.start
    assert start is not None
    # they leave the queue minutes after arriving (a few times their patience), unserved
    assert all(event.end is None and timedelta(0) < event.timestamp - start < timedelta(hours=1) for event in gave_up)
    assert all(datetime.fromisoformat(event.attributes["arrived"]) == start for event in gave_up)
    assert codes(log) == ["JL011"]  # every case has one visit: warned, kept
    rows = csv_path.read_text(encoding="utf-8").splitlines()[1:]
    assert sum(",true," in row for row in rows) == 58 and sum(",false," in row for row in rows) == 2


def test_a_run_that_fails_writes_no_log(journey_file: Path, tmp_path: Path) -> None:
    journey = api.load(journey_file)
    target = tmp_path / "failed.xes"
    with pytest.raises(KeyboardInterrupt), api.log_writer(target, journey) as log:
        log((0, 0, "everyone", 0, "browse", "ad", "media", 0.0, 0.0, 2.0, 0.5, "", False))
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
