"""The journey command line and the exports, checked against their real consumers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import networkx as nx
import pytest
from click.testing import CliRunner

from journeydsl.api import load
from journeydsl.cli import cli
from journeydsl.lang.export import export, to_mermaid

from .conftest import EXAMPLES

BAD = 'journey "J" { stage s goal { touchpoint t: staf { feel +1 } } }'


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_check_examples_exit_zero(runner):
    result = runner.invoke(cli, ["check", *map(str, EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_check_bad_file_exits_one_with_diagnostic(runner, tmp_path):
    path = tmp_path / "bad.journey"
    path.write_text(BAD)
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "error[JD103]: unknown channel `staf`" in result.output
    assert "did you mean `staff`?" in result.output
    assert "Traceback" not in result.output


def test_check_json_format(runner, tmp_path):
    path = tmp_path / "bad.journey"
    path.write_text(BAD)
    result = runner.invoke(cli, ["check", str(path), "--format", "json"])
    document = json.loads(result.stdout)
    assert document["schema"] == "journeydsl.diagnostics/1" and document["ok"] is False
    (diagnostic,) = document["files"][0]["diagnostics"]
    assert (diagnostic["code"], diagnostic["line"], diagnostic["column"]) == ("JD103", 1, 44)


@pytest.mark.parametrize("arguments", [["check"], ["check", "missing.journey"], ["check", "--bogus", "x"], ["graph"]])
def test_bad_usage_exits_two(runner, arguments):
    assert runner.invoke(cli, arguments).exit_code == 2


def test_graph_of_invalid_journey_writes_nothing(runner, tmp_path):
    path = tmp_path / "bad.journey"
    path.write_text(BAD)
    output = tmp_path / "out.dot"
    result = runner.invoke(cli, ["graph", str(path), "-o", str(output)])
    assert result.exit_code == 1 and not output.exists()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_graphml_round_trips_through_networkx(tmp_path, example):
    journey = load(example)
    path = tmp_path / "g.graphml"
    path.write_text(export(journey, "graphml"))
    graph = nx.read_graphml(path)
    from journeydsl.lang.graph import build_graph

    original = build_graph(journey)
    assert set(graph.nodes) == set(original.nodes)
    assert set(graph.edges) == set(original.edges)
    for u, v, data in original.edges(data=True):
        if "probability" in data:
            assert graph.edges[u, v]["probability"] == pytest.approx(data["probability"])


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_graphviz_renders_the_dot_export(example):
    text = export(load(example), "dot")
    rendered = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=False)
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stderr.strip() == ""
    assert "<svg" in rendered.stdout


def test_mermaid_sanitises_names():
    from journeydsl.api import loads

    journey = loads('journey "A: b" { stage "s; x" goal { touchpoint "pay: #1": staff { feel +5 } } }')
    text = to_mermaid(journey)
    assert "        pay 1: 5: staff" in text
    assert "    title A b" in text


def test_json_export_contains_the_model(runner):
    result = runner.invoke(cli, ["graph", str(EXAMPLES[0]), "--format", "json"])
    document = json.loads(result.stdout)
    assert document["schema"] == "journeydsl.model/1"
    assert document["journey"]["stages"]


def test_simulate_table_json_and_trace(runner, tmp_path):
    example = str(EXAMPLES[0])
    table = runner.invoke(cli, ["simulate", example, "--customers", "300"])
    assert table.exit_code == 0, table.output
    assert "remembered experience" in table.output
    output = tmp_path / "r.json"
    trace = tmp_path / "t.csv"
    result = runner.invoke(
        cli, ["simulate", example, "--customers", "300", "--format", "json", "-o", str(output), "--trace", str(trace)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(output.read_text())
    assert document["schema"] == "journeydsl.results/1"
    rows = trace.read_text().splitlines()
    assert rows[0].startswith("replication,customer,segment")
    assert len(rows) - 1 == sum(t["visits"] for t in document["touchpoints"].values())
    both = runner.invoke(cli, ["simulate", example, "--customers", "3", "--horizon", "1 day"])
    assert both.exit_code == 2
    bad = runner.invoke(cli, ["simulate", example, "--horizon", "soon"])
    assert bad.exit_code == 2 and "not a time" in bad.output


def test_python_dash_m_runs_the_command():
    from journeydsl._version import __version__

    result = subprocess.run(
        [sys.executable, "-m", "journeydsl", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"journeydsl, version {__version__}\n"


@pytest.mark.parametrize("command", ["simulate", "analyze", "delivery", "test"])
def test_a_journey_with_errors_is_not_run(runner, tmp_path, command):
    path = tmp_path / "bad.journey"
    path.write_text(BAD)
    result = runner.invoke(cli, [command, str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error[JD103]: unknown channel `staf`" in result.stderr
    assert result.stderr.endswith(f"failed: 1 error, 0 warnings in 1 file; run `journey check {path}` for details\n")


def test_a_library_is_neither_run_nor_exported(runner):
    library = next((EXAMPLES[0].parent / "lib").glob("*.journey"))
    simulated = runner.invoke(cli, ["simulate", str(library)])
    assert simulated.exit_code == 1
    assert simulated.stderr == f"Error: `{library}` is a library; simulate a journey that imports it.\n"
    exported = runner.invoke(cli, ["graph", str(library)])
    assert exported.exit_code == 1
    assert exported.stderr.endswith(f"Error: `{library}` is a library; export a journey that imports it.\n")


def test_an_output_that_cannot_be_written_exits_one(runner, tmp_path):
    target = tmp_path / "missing" / "results.json"
    for command in (["simulate", "--customers", "20", "--format", "json"], ["graph"], ["analyze"]):
        result = runner.invoke(cli, [command[0], str(EXAMPLES[0]), *command[1:], "-o", str(target)])
        assert result.exit_code == 1, result.output
        assert result.stderr == f"Error: cannot write `{target}`: No such file or directory\n"
    written = runner.invoke(cli, ["analyze", str(EXAMPLES[0]), "--format", "json", "-o", str(tmp_path / "a.json")])
    assert written.exit_code == 0 and written.stderr == f"wrote {tmp_path / 'a.json'} (json)\n"
    assert json.loads((tmp_path / "a.json").read_text())["schema"] == "journeydsl.analysis/1"


def test_written_files_get_ordinary_permissions(tmp_path):
    import os
    import stat

    from journeydsl.report.files import write_atomically

    old = os.umask(0o022)
    try:
        target = tmp_path / "new.txt"
        write_atomically(target, "x")
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        target.chmod(0o600)
        write_atomically(target, "y")
        assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_text() == "y"
    finally:
        os.umask(old)
