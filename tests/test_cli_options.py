"""The options the commands share: one set of run options, one time parser, one figure saver."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from journeydsl.api import loads
from journeydsl.cli import cli
from journeydsl.cli.options import TIME, RunOptions

from .conftest import EXAMPLES, ROOT

PREMIER = next(e for e in EXAMPLES if e.stem == "premier_banking")
PIZZA = next(e for e in EXAMPLES if e.stem == "pizza_restaurant")
RUN_OPTIONS = {
    "customers": ("--customers",),
    "horizon": ("--horizon",),
    "replications": ("--replications", "-r"),
    "seed": ("--seed",),
    "warmup": ("--warmup",),
    "workers": ("--workers", "-j"),
}


#: A small event log of premier banking's customers (`journey simulate --customers 40 --log`), for validate.
LOG = Path(__file__).resolve().parent / "fixtures" / "logs" / "premier_banking.csv"
#: A sweep of premier banking's advisors, for sweep.
SWEEP = Path(__file__).resolve().parent.parent / "examples" / "sweeps" / "premier_banking.toml"


def arguments(command: str, file: Path, tmp_path: Path) -> list[str]:
    """The least a simulating command needs to run (the file, and the output the command requires)."""
    extra = {
        "plot": ["-o", str(tmp_path / "c.png")],
        "report": ["-o", str(tmp_path / "r.html")],
        "gaps": ["--source", "simulation"],
        "validate": [str(LOG)],
        "sweep": ["-s", str(SWEEP)],
    }
    return [command, str(file), *extra.get(command, [])]


#: Every command that simulates.
SIMULATING = [
    "simulate",
    "compare",
    "test",
    "plot",
    "report",
    "gaps",
    "opportunities",
    "profile",
    "delivery",
    "care",
    "recovery",
    "validate",
    "sweep",
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_every_command_that_simulates_has_the_run_options():
    simulating = {
        name
        for name, command in cli.commands.items()
        if any(isinstance(p, click.Option) and p.name == "customers" for p in command.params)
    }
    # `journey watch` takes the run options too but never ends: tests/test_watch.py checks its options.
    assert simulating - {"watch"} == set(SIMULATING) and "watch" in simulating
    for name in SIMULATING:
        options = {p.name: p for p in cli.commands[name].params if isinstance(p, click.Option)}
        for option, names in RUN_OPTIONS.items():
            assert set(options[option].opts + options[option].secondary_opts) == set(names), (name, option)
        assert options["replications"].default == 1
        assert options["horizon"].metavar == options["warmup"].metavar == "TIME"


@pytest.mark.parametrize("command", SIMULATING)
def test_customers_with_horizon_is_a_usage_error(runner, command, tmp_path):
    result = runner.invoke(cli, [*arguments(command, PREMIER, tmp_path), "--customers", "3", "--horizon", "1 day"])
    assert result.exit_code == 2, result.output
    assert "give --customers or --horizon, not both" in result.output


@pytest.mark.parametrize("command", SIMULATING)
@pytest.mark.parametrize(
    ("option", "text", "message"),
    [
        ("--horizon", "soon", "`soon` is not a time"),
        ("--warmup", "3 lightyears", "`lightyears` is not a time unit"),
        ("--horizon", "30", "`30` is not a time"),
    ],
)
def test_bad_time_is_a_usage_error_naming_the_option(runner, command, option, text, message, tmp_path):
    result = runner.invoke(cli, [*arguments(command, PREMIER, tmp_path), option, text])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for {option}: {message}" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", SIMULATING)
def test_a_journey_without_end_needs_customers_or_a_horizon(runner, command, tmp_path):
    text = PIZZA.read_text(encoding="utf-8").replace("  horizon 1 year\n", "")
    open_ended = tmp_path / "open.journey"
    open_ended.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, arguments(command, open_ended, tmp_path))
    assert result.exit_code == 2, result.output
    assert "this journey has no horizon: give --customers N or --horizon TIME" in result.output


def test_a_zero_horizon_is_a_usage_error(runner):
    result = runner.invoke(cli, ["simulate", str(PREMIER), "--horizon", "0 days"])
    assert result.exit_code == 2
    assert "the horizon must be positive" in result.output


def test_times_are_counted_in_the_journeys_unit():
    in_hours = loads('journey "J" { time unit hours  stage a goal { touchpoint t: staff { feel +1 } } }')
    in_minutes = loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }')
    run = RunOptions(horizon=TIME.convert("2 days", None, None), warmup=TIME.convert("90 min", None, None))
    assert (run.settings(in_hours).horizon, run.settings(in_hours).warmup) == (48.0, 1.5)
    assert (run.settings(in_minutes).horizon, run.settings(in_minutes).warmup) == (2880.0, 90.0)
    assert RunOptions(seed=4, replications=3, workers=2).settings(in_hours).record() == {
        "customers": None,
        "horizon": None,
        "warmup": 0.0,
        "replications": 3,
        "seed": 4,
    }


def test_simulate_results_do_not_depend_on_workers(runner):
    common = ["simulate", str(PREMIER), "--customers", "150", "-r", "2", "--format", "json"]
    one = runner.invoke(cli, [*common, "--workers", "1"])
    two = runner.invoke(cli, [*common, "--workers", "2"])
    assert one.exit_code == two.exit_code == 0, one.output + two.output
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)["replications"] == 2


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "--customers", "10"],
        ["graph"],
        ["analyze"],
        ["delivery", "--customers", "10"],
        ["compare", "--design", "baseline", "--customers", "10"],
        ["profile", "--design", "baseline", "--customers", "10"],
    ],
    ids=lambda c: c[0],
)
def test_unknown_design_says_which_was_meant(runner, command):
    result = runner.invoke(cli, [command[0], str(PREMIER), *command[1:], "--design", "printer in ofice"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for --design: there is no design `printer in ofice`" in result.output
    assert "did you mean `printer in office`?" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_plot_writes_the_same_bytes_twice(runner, tmp_path, fmt):
    target = tmp_path / f"curve.{fmt}"
    written = []
    for _ in range(2):
        result = runner.invoke(cli, ["plot", str(PREMIER), "--customers", "100", "--seed", "2", "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert result.stderr == f"wrote {target} (curve plot)\n"
        written.append(target.read_bytes())
    assert written[0] == written[1]
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_chart_that_cannot_be_written_exits_one(runner, tmp_path):
    missing = tmp_path / "missing" / "chart.png"
    for command in (["plot", str(PREMIER), "--customers", "50", "-o"], ["analyze", str(PREMIER), "--plot"]):
        result = runner.invoke(cli, [*command, str(missing)])
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"Error: cannot write `{missing}`: ")


@pytest.mark.parametrize("command", ["plot", "analyze", "gaps", "delivery"])
def test_an_unknown_image_format_is_refused_before_anything_runs(runner, command, tmp_path):
    option = "-o" if command == "plot" else "--plot"
    result = runner.invoke(cli, [command, str(PREMIER), option, str(tmp_path / "chart.gif")])
    assert result.exit_code == 2
    assert "`" + str(tmp_path / "chart.gif") + "` must end in .png, .svg or .pdf" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_selects_no_matplotlib_backend():
    for module in (ROOT / "journeydsl" / "cli").glob("*.py"):
        assert "matplotlib.use" not in module.read_text(encoding="utf-8"), module.name


@pytest.mark.parametrize("command", ["simulate", "test", "compare"])
def test_a_run_that_counts_nobody_is_an_error_not_a_result(command):
    """S4: a warm-up past the horizon counts no customer: `Error: ...`, exit 1, never a table of zeros."""
    pizza = ROOT / "examples" / "journeys" / "pizza_restaurant.journey"
    result = CliRunner().invoke(cli, [command, str(pizza), "--horizon", "2 days", "--warmup", "3 days", "-j", "1"])
    assert result.exit_code == 1, result.output
    assert "counted no customers" in result.output and "Traceback" not in result.output
