"""The ``journey`` command starts quickly: each command imports what it needs and no more.

Each test runs the command in a fresh interpreter (imports are per process) and looks at
``sys.modules`` when it ends.  The command list of ``journey --help`` comes from a table
(:data:`journeydsl.cli.commands.COMMANDS`) so that listing imports no command: the table's one-line
helps are held here to the commands' own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from click.utils import make_default_short_help

from journeydsl.cli.commands import COMMANDS, LazyCommands, cli

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "journeys" / "premier_banking.journey"

#: The libraries a command that only reads and checks a journey must not import.
HEAVY = ("numpy", "scipy", "matplotlib", "simpy", "pandas", "pyarrow", "networkx")

#: Runs the ``journey`` command with the given words, then writes the modules it imported to a file.
RUN_AND_LIST = """
import json, os, sys
words, listing = sys.argv[1:], os.environ["MODULES_TO"]
sys.argv = ["journey", *words]
try:
    from journeydsl.cli import main
    main()
except SystemExit:
    pass
finally:
    with open(listing, "w", encoding="utf-8") as out:
        json.dump(sorted(sys.modules), out)
"""


def modules_after(tmp_path: Path, *words: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules a fresh ``journey WORDS...`` imported, and what it printed (standard output)."""
    listing = tmp_path / "modules.json"
    environment = {**os.environ, "MODULES_TO": str(listing), "COLUMNS": "100", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *words],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=False,
    )
    assert listing.exists(), done.stderr
    return set(json.loads(listing.read_text(encoding="utf-8"))), done.stdout


def command_modules(loaded: set[str]) -> set[str]:
    """The modules of :data:`COMMANDS` among ``loaded``."""
    return {entry.module for entry in COMMANDS.values()} & loaded


# ---- the table of commands ---------------------------------------------------------------


def test_the_table_lists_every_command_with_its_own_one_line_help():
    for name, entry in COMMANDS.items():
        command = cli.commands[name]
        assert command.name == name
        own = command.short_help or make_default_short_help(command.help or "", 10**6)
        assert entry.short_help == own, f"COMMANDS[{name!r}].short_help differs from the command's help"
        assert not command.hidden


def test_the_table_cuts_help_as_click_cuts_the_command_s_own():
    group = type(cli)(name="journey")  # a fresh group: no command imported yet
    assert all(group.commands.loaded(name) is None for name in COMMANDS)
    for limit in range(20, 120, 7):
        for name in COMMANDS:
            assert group.command_help(name, limit) == cli.commands[name].get_short_help_str(limit)


def test_help_lists_every_command_and_imports_none(tmp_path):
    loaded, shown = modules_after(tmp_path, "--help")
    assert command_modules(loaded) == set()
    assert not {"journeydsl.api", *HEAVY, "networkx", "lark"} & loaded
    for name in COMMANDS:
        assert f"\n  {name} " in shown
    # What the table shows is what the commands themselves would show (click writes a 100-column
    # terminal's help 98 wide).
    for name in COMMANDS:
        cli.commands[name]
    assert CliRunner().invoke(cli, ["--help"], prog_name="journey", terminal_width=98).output == shown


def test_completing_a_command_name_imports_no_command(tmp_path):
    completion = {"_JOURNEY_COMPLETE": "bash_complete", "COMP_WORDS": "journey s", "COMP_CWORD": "1"}
    loaded, shown = modules_after(tmp_path, env=completion)
    assert shown.split() == [f"plain,{name}" for name in sorted(COMMANDS) if name.startswith("s")]
    assert command_modules(loaded) == set()


def test_completing_a_command_s_options_imports_that_command_only(tmp_path):
    completion = {"_JOURNEY_COMPLETE": "bash_complete", "COMP_WORDS": "journey check --f", "COMP_CWORD": "2"}
    loaded, shown = modules_after(tmp_path, env=completion)
    assert shown.split() == ["plain,--format"]
    assert command_modules(loaded) == {"journeydsl.cli.language"}


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["chek", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "No such command 'chek'" in result.output


def test_lazy_commands_behave_as_a_mapping():
    commands = LazyCommands({"check": COMMANDS["check"]})
    assert list(commands) == ["check"] and len(commands) == 1 and "check" in commands
    extra = click.Command("extra")
    commands["extra"] = extra
    assert list(commands) == ["check", "extra"] and commands["extra"] is extra
    del commands["extra"]
    assert "extra" not in commands
    with pytest.raises(KeyError):
        commands["nothing"]


# ---- what each command imports -----------------------------------------------------------


def test_check_imports_no_simulator_plotting_or_other_command(tmp_path):
    loaded, shown = modules_after(tmp_path, "check", str(EXAMPLE))
    assert shown.startswith("ok:")
    assert [name for name in HEAVY if name in loaded] == []
    assert command_modules(loaded) == {"journeydsl.cli.language"}
    assert not {m for m in loaded if m.startswith(("journeydsl.sim.engine", "journeydsl.report.plots"))}


def test_simulate_with_replications_imports_no_scipy(tmp_path):
    words = ("simulate", str(EXAMPLE), "--replications", "3", "--customers", "200", "--format", "json")
    loaded, shown = modules_after(tmp_path, *words)
    assert '"ci95"' in shown
    assert "simpy" in loaded  # it did simulate
    assert "scipy" not in loaded
    assert command_modules(loaded) == {"journeydsl.cli.running"}


def test_the_start_up_benchmark_runs():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "startup_speed.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(done.stdout)
    assert figures["check_best_s"] > figures["pass_best_s"] > 0
    assert figures["check_cpu_s"] > 0
    assert not {"numpy", "scipy", "matplotlib", "simpy"} & set(figures["check_imports"])
