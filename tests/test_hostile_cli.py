"""The command line against hostile use: large runs, hostile names and paths, Ctrl-C at any moment.

* ``--allow-large`` reaches every command that reads a journey: without it a run above the size
  limits is refused (JD218, JD306, exit 1) before anything runs; with it the journey is read (the
  check warns, JD505).
* ``journey report`` writes a Reproduce line that is the exact command: the file and the output as
  they were given (shell-quoted), and every option that changed a number.
* A path or a design name typed with control characters (ESC, BEL, a C1 CSI) is shown escaped in
  every message, the command's own and click's: none reaches the terminal raw.
* Ctrl-C stops the command in order (exit 130, one line, no traceback) from the moment its entry
  point starts, the heavy imports included: importing the package and the command's entry point
  imports nothing heavy.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl.cli import cli
from journeydsl.lang.escape import shell

from .conftest import ROOT

PREMIER = ROOT / "examples" / "journeys" / "premier_banking.journey"
LIBRARY = ROOT / "examples" / "journeys" / "lib" / "hospitality.journey"
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
    reading = ["--root", "my journeys", "--allow-large"]
    made = runner.invoke(
        cli, ["report", "my journeys/-premier.journey", *reading, *designs, *settings, "-o", "out $x.html"]
    )
    assert made.exit_code == 0, made.output
    words = reproduce_line(tmp_path / "out $x.html")
    # Times in the journey's unit (minutes); the designs in the order given, the first the baseline.
    assert words == [
        "journey",
        "report",
        "my journeys/-premier.journey",
        *reading,
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


# ---- control characters in what the user typed ----------------------------------------------

#: Control characters that must never reach a terminal raw (newline aside): C0, DEL, C1.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
#: A name that would clear the screen, set the window title, ring and start a C1 sequence.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b"
#: How :func:`journeydsl.lang.escape.terminal` shows it.
SHOWN = "\\x1b[2J\\x1b]0;pwned\\x07\\x9b"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A folder whose name holds ESC, BEL and a C1 control, with journeys in files named the same way."""
    folder = tmp_path / f"evil{HOSTILE}"
    folder.mkdir()
    shutil.copy(PREMIER, folder / f"premier{HOSTILE}.journey")
    shutil.copy(LIBRARY, folder / f"library{HOSTILE}.journey")
    plain = PREMIER.read_text(encoding="utf-8")
    (folder / f"broken{HOSTILE}.journey").write_text(plain.replace("-> ", "-> nowhere_", 1), encoding="utf-8")
    # No variant, no design test, no care programme, no survey.
    (folder / f"plain{HOSTILE}.journey").write_text(
        'journey "Plain" {\n  arrivals cohort 20\n  stage a goal { touchpoint t: staff { feel +1 } }\n}\n',
        encoding="utf-8",
    )
    return folder


def hostile_cases(folder: Path) -> dict[str, list[str]]:
    journey = str(folder / f"premier{HOSTILE}.journey")
    out = str(folder / "out")
    return {
        "unknown design": ["simulate", journey, "--customers", "5", "--design", HOSTILE],
        "unknown design to compare": [
            "compare",
            journey,
            "--customers",
            "5",
            "--design",
            "baseline",
            "--design",
            HOSTILE,
        ],
        "unknown design to export": ["graph", journey, "--design", HOSTILE],
        "unknown design in a report": ["report", journey, "-o", f"{out}.md", "--design", HOSTILE],
        "missing file": ["simulate", str(folder / f"missing{HOSTILE}.journey")],
        "missing survey": ["gaps", journey, "--survey-csv", str(folder / f"survey{HOSTILE}.csv")],
        "unknown option": ["analyze", journey, f"--x{HOSTILE}"],
        "unknown command": [f"simulate{HOSTILE}", journey],
        "bad time": ["simulate", journey, "--horizon", f"3 {HOSTILE}"],
        "bad choice": ["analyze", journey, "--format", HOSTILE],
        "bad figure name": ["analyze", journey, "--plot", f"{out}{HOSTILE}.gif"],
        "bad report name": ["report", journey, "-o", f"{out}{HOSTILE}.txt"],
        "output over its input": ["analyze", journey, "-o", journey],
        "output in a missing folder": ["analyze", journey, "-o", str(folder / f"no{HOSTILE}" / "a.txt")],
        "journey with errors": ["simulate", str(folder / f"broken{HOSTILE}.journey")],
        "library": ["simulate", str(folder / f"library{HOSTILE}.journey")],
        "library to export": ["graph", str(folder / f"library{HOSTILE}.journey")],
        "wrote a table": ["analyze", journey, "-o", f"{out}{HOSTILE}.txt"],
        "wrote a chart": ["analyze", journey, "--plot", f"{out}{HOSTILE}.png", "-o", "-"],
    }


@pytest.mark.parametrize("case", sorted(hostile_cases(Path("x"))))
def test_no_control_character_typed_by_the_user_reaches_the_terminal_raw(runner, hostile, case):
    result = runner.invoke(cli, hostile_cases(hostile)[case])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert not RAW_CONTROL.search(result.stdout), result.stdout
    assert not RAW_CONTROL.search(result.stderr), result.stderr
    assert SHOWN in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("test", "has no design tests"),
        ("compare", "has no variants to compare"),
        ("care", "has no care programmes"),
        ("gaps --source survey", "has no survey"),
    ],
)
def test_what_a_journey_lacks_is_said_with_its_path_escaped(runner, hostile, command, message):
    plain = hostile / f"plain{HOSTILE}.journey"
    name, *options = command.split()
    result = runner.invoke(cli, [name, str(plain), *options, "--customers", "5", "-j", "1"])
    assert message in result.stderr and SHOWN in result.stderr, result.output
    assert not RAW_CONTROL.search(result.output), result.output


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_a_file_name_labelling_a_design_is_shown_escaped(runner, hostile, fmt):
    journey = hostile / f"premier{HOSTILE}.journey"
    result = runner.invoke(cli, ["compare", str(journey), str(PREMIER), "--customers", "5", "-j", "1", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert not RAW_CONTROL.search(result.stdout), result.stdout
    if fmt == "json":  # escaped as JSON, read back as the name
        assert json.loads(result.stdout)["baseline"] == f"premier{HOSTILE}"
    else:
        assert f"premier{SHOWN}" in result.stdout


def test_a_journey_with_errors_suggests_a_check_that_reads_it_the_same_way(runner, hostile):
    broken = hostile / f"broken{HOSTILE}.journey"
    result = runner.invoke(cli, ["simulate", str(broken), "--root", str(hostile), "--allow-large"])
    assert result.exit_code == 1
    suggested = re.search(r"; run `(.*)` for details", result.stderr)
    assert suggested, result.stderr
    # The suggestion is a shell command: $'...' gives the control characters back.
    assert suggested.group(1) == f"journey check {shell(str(broken))} --root {shell(str(hostile))} --allow-large"


# ---- Ctrl-C while the command starts ----------------------------------------------------------

#: Modules the command needs but its entry point must not import before it handles Ctrl-C.
HEAVY = ("click", "lark", "networkx", "numpy", "scipy", "simpy", "matplotlib", "journeydsl.api")


def entry_point() -> tuple[str, str]:
    """The module and function of the ``journey`` console script, as pyproject.toml declares it."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^journey\s*=\s*"([\w.]+):(\w+)"', text, re.M)
    assert match, "pyproject.toml declares the journey script"
    return match.group(1), match.group(2)


def python(code: str, *arguments: str, **popen) -> subprocess.Popen:
    """This checkout's Python running ``code``, in a session of its own, SIGINT at its default."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    if os.name == "posix" and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # A test run started in the background ignores SIGINT, and the command would keep it ignored.
        popen["preexec_fn"] = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    return subprocess.Popen(
        [sys.executable, "-c", code, *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **popen,
    )


def test_the_entry_point_imports_nothing_heavy_before_it_handles_signals():
    module, function = entry_point()
    code = (
        f"import sys\nfrom {module} import {function}\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "import journeydsl\nprint(sorted(set(journeydsl.__all__) - set(dir(journeydsl))))\n"
    )
    with python(code) as process:
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()
    heavy, missing = out.decode().splitlines()
    assert heavy == "", f"importing the entry point imports {heavy}"
    assert missing == "[]"


#: The entry point as the console script runs it, saying on the file descriptor argv[1] when it starts.
CONSOLE_SCRIPT = """\
import os, sys
ready = int(sys.argv[1])
os.write(ready, b"started")
os.close(ready)
sys.argv = ["journey", *sys.argv[2:]]
from {module} import {function}
sys.exit({function}())
"""


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals and process groups")
@pytest.mark.parametrize("delay", [0.02, 0.05, 0.1, 0.2, 0.3, 0.6])
def test_ctrl_c_while_the_command_starts_is_an_orderly_stop(delay):
    """Ctrl-C (SIGINT to the process group) ``delay`` seconds after the console script starts.

    The interpreter's own start-up (``site``) comes before any code of the package and is not timed.
    """
    module, function = entry_point()
    read_end, write_end = os.pipe()
    try:
        process = python(
            CONSOLE_SCRIPT.format(module=module, function=function),
            str(write_end),
            "simulate",
            str(PREMIER),
            "--customers",
            "100000",
            pass_fds=(write_end,),
        )
        os.close(write_end)
        with process:
            assert os.read(read_end, 16) == b"started"
            time.sleep(delay)
            os.killpg(process.pid, signal.SIGINT)
            out, err = process.communicate(timeout=60)
    finally:
        os.close(read_end)
    assert process.returncode == 130, err.decode()
    assert err.decode() == "Interrupted.\n"
    assert out == b""
