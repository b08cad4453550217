"""The command line against hostile use: large runs, hostile names and paths, Ctrl-C at any moment.

* ``--allow-large`` reaches every command that reads a journey: without it a run above the size
  limits is refused (JD218, JD306, exit 1) before anything runs; with it the journey is read (the
  check warns, JD505).
* ``journey report`` writes a Reproduce line that is the exact command: the file and the output as
  they were given (shell-quoted), and every option that changed a number.
"""

from __future__ import annotations

import html
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl.cli import cli
from journeydsl.lang.escape import shell

from .conftest import ROOT

PREMIER = ROOT / "examples" / "journeys" / "premier_banking.journey"
LOOP = ROOT / "tests" / "fixtures" / "invalid" / "JD306_certain_loop.journey"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# ---- --allow-large ---------------------------------------------------------------------------

#: What each command needs besides its file to get as far as choosing its design (``--design``).
COMMANDS = {
    "graph": [],
    "simulate": [],
    "compare": ["--design", "baseline"],
    "plot": ["-o", "{tmp}/c.png"],
    "report": ["-o", "{tmp}/r.html"],
    "analyze": [],
    "gaps": ["--source", "simulation"],
    "opportunities": [],
    "profile": [],
    "delivery": [],
    "care": [],
    "recovery": [],
}


@pytest.fixture
def huge(tmp_path: Path) -> Path:
    """Premier banking with arrivals that bring 27,000,000 customers over its 90 days (JD218)."""
    text = PREMIER.read_text(encoding="utf-8")
    assert "arrivals poisson 30 per day" in text
    path = tmp_path / "huge.journey"
    path.write_text(text.replace("arrivals poisson 30 per day", "arrivals poisson 300000 per day"), encoding="utf-8")
    return path


def test_every_command_reads_journeys_with_allow_large():
    assert set(COMMANDS) | {"check", "test"} == set(cli.commands)
    for name, command in cli.commands.items():
        options = {option for parameter in command.params for option in getattr(parameter, "opts", ())}
        assert {"--root", "--allow-large"} <= options, name


def test_check_refuses_a_huge_run_and_allows_it_when_asked(runner, huge):
    refused = runner.invoke(cli, ["check", str(huge)])
    assert refused.exit_code == 1, refused.output
    assert "error[JD218]" in refused.output and "`--allow-large`" in refused.output
    allowed = runner.invoke(cli, ["check", str(huge), "--allow-large"])
    assert allowed.exit_code == 0, allowed.output
    assert "warning[JD505]" in allowed.output and "(allowed as a large run)" in allowed.output
    assert "error[" not in allowed.output and "ok: 0 errors, 1 warning in 1 file" in allowed.output
    as_json = runner.invoke(cli, ["check", str(huge), "--allow-large", "--format", "json"])
    assert as_json.exit_code == 0 and '"JD505"' in as_json.stdout and '"JD218"' not in as_json.stdout


def test_check_allows_a_loop_of_a_million_visits_only_when_asked(runner):
    refused = runner.invoke(cli, ["check", str(LOOP)])
    assert refused.exit_code == 1 and "error[JD306]" in refused.output
    allowed = runner.invoke(cli, ["check", str(LOOP), "--allow-large"])
    assert allowed.exit_code == 0, allowed.output
    assert "warning[JD505]" in allowed.output and "error[" not in allowed.output


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_a_huge_run_unless_allowed(runner, huge, tmp_path, command):
    extra = [word.format(tmp=tmp_path) for word in COMMANDS[command]]
    refused = runner.invoke(cli, [command, str(huge), *extra])
    assert refused.exit_code == 1, refused.output
    assert "error[JD218]" in refused.stderr and "Traceback" not in refused.output
    # Allowed, the journey is read and the command goes on to choose its design: an unknown one
    # is a usage error, before anything is simulated.
    allowed = runner.invoke(cli, [command, str(huge), *extra, "--allow-large", "--design", "no such design"])
    assert allowed.exit_code == 2, allowed.output
    assert "there is no design `no such design`" in allowed.stderr
    assert "JD218" not in allowed.output
    assert not (tmp_path / "c.png").exists() and not (tmp_path / "r.html").exists()


def test_a_small_run_of_a_huge_journey_needs_allow_large(runner, huge):
    small = ["simulate", str(huge), "--customers", "40", "-j", "1"]
    refused = runner.invoke(cli, small)
    assert refused.exit_code == 1 and "error[JD218]" in refused.stderr, refused.output
    assert f"run `journey check {shell(str(huge))}` for details" in refused.stderr
    allowed = runner.invoke(cli, [*small, "--allow-large"])
    assert allowed.exit_code == 0, allowed.output
    assert "40 customers, 1 replication(s)" in allowed.stdout


# ---- journey report: the Reproduce line -----------------------------------------------------


def reproduce_line(report: Path) -> list[str]:
    """The words of a report's Reproduce line (Markdown or HTML), as a shell reads them."""
    text = report.read_text(encoding="utf-8")
    if report.suffix == ".md":
        match = re.search(r"## Reproduce\n\n```bash\n(.*?)\n```", text, re.S)
    else:
        match = re.search(r"<h2>Reproduce</h2>\n<p>[^<]*</p>\n<pre>(.*?)</pre>", text, re.S)
    assert match, f"{report.name} has a Reproduce section"
    line = html.unescape(match.group(1)) if report.suffix != ".md" else match.group(1)
    return shlex.split(line)


def test_the_reproduce_line_names_the_real_file_and_output_and_reproduces(runner, tmp_path):
    output = tmp_path / "my report.md"
    made = runner.invoke(cli, ["report", str(PREMIER), "--customers", "200", "-j", "1", "-o", str(output)])
    assert made.exit_code == 0, made.output
    words = reproduce_line(output)
    designs = ["baseline", "printer in office", "printer and personal follow-up"]
    seed = words[words.index("--seed") + 1]
    assert words == [
        "journey",
        "report",
        str(PREMIER),
        *[word for design in designs for word in ("--design", design)],
        "-o",
        str(output),
        "--customers",
        "200",
        "--seed",
        seed,
    ]
    # Same file, same command, same numbers: running the line again writes the same report (the
    # number of workers, left out of the line, changes no number).
    first = output.read_bytes()
    again = runner.invoke(cli, [*words[1:], "-j", "1"])
    assert again.exit_code == 0, again.output
    assert output.read_bytes() == first


def test_the_reproduce_line_keeps_relative_paths_and_every_setting(runner, tmp_path, monkeypatch):
    folder = tmp_path / "my journeys"
    folder.mkdir()
    (folder / "-premier.journey").write_text(PREMIER.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = ["--horizon", "4 days", "--warmup", "1 day", "-r", "2", "--seed", "3", "-j", "1"]
    designs = ["--design", "printer in office", "--design", "baseline"]
    made = runner.invoke(cli, ["report", "my journeys/-premier.journey", *designs, *settings, "-o", "out $x.html"])
    assert made.exit_code == 0, made.output
    words = reproduce_line(tmp_path / "out $x.html")
    # Times in the journey's unit (minutes); the designs in the order given, the first the baseline.
    assert words == [
        "journey",
        "report",
        "my journeys/-premier.journey",
        *designs,
        "-o",
        "out $x.html",
        "--horizon",
        "5760 minutes",
        "--warmup",
        "1440 minutes",
        "--replications",
        "2",
        "--seed",
        "3",
    ]
