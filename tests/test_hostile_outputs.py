"""Outputs never clobber devices, links or inputs, and a stopped command leaves nothing behind.

The reproducers of the "Hardening" issue (S1, S3 and the minor items on Ctrl-C, SIGTERM and
temporary files), kept as tests so none comes back:

- ``-o`` and ``--trace`` write through a device (``/dev/null`` discards, ``/dev/full`` is a clean
  error), a FIFO and a descriptor (``-``, ``/dev/fd/1``, a link to ``/proc/self/fd/1``), write
  the file a link points to and keep the link, and refuse to write over a file the command read
  (the journey, an import, a survey CSV, through links and hard links too);
- ``kill -TERM`` or Ctrl-C of ``journey compare ... -j 2`` stops the workers with their parent
  (exit 143 or 130, one line on standard error), so does ``kill -9`` of the parent, and no
  hidden ``.*.tmp`` file is left next to a ``--trace`` or ``-o`` target.

No test here can harm the machine if the code regresses: devices are nodes made in the test's
own folder (as root), or the real ones when a regression could not replace them (not root), and
``/dev/stdout`` is stood in for by a link of the test's own to ``/proc/self/fd/1``.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeydsl.api import loads
from journeydsl.cli import cli
from journeydsl.report.files import InputFileError, StagedFile, write_atomically
from journeydsl.sim.runner import Design, Runner
from journeydsl.sim.settings import RunSettings

from .conftest import ROOT

JOURNEYS = ROOT / "examples" / "journeys"
PIZZA = JOURNEYS / "pizza_restaurant.journey"
PREMIER = JOURNEYS / "premier_banking.journey"
HOTEL = JOURNEYS / "conference_hotel.journey"

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux (/proc, prctl)")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def journey(tmp_path) -> Path:
    path = tmp_path / "x.journey"
    shutil.copyfile(PIZZA, path)
    return path


def device(tmp_path: Path, name: str) -> Path:
    """A character device like ``/dev/<name>`` that the test may lose.

    As root, a node of the test's own (the same device numbers) in its folder; otherwise the real
    one, which a process that is not root cannot replace (a regression then fails the test
    instead of breaking the machine).
    """
    real = Path("/dev") / name
    if not real.exists():
        pytest.skip(f"no {real} here")
    if os.geteuid() != 0:
        return real
    node = tmp_path / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.stat(real).st_rdev)
    except OSError as error:
        pytest.skip(f"cannot make a device node here: {error}")
    return node


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary files or folders of an interrupted or failed write."""
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp"))


def journey_command(*arguments: str | Path, cwd: Path, **popen) -> subprocess.Popen:
    """``python -m journeydsl ARGUMENTS`` from this checkout, in a session of its own."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    if os.name == "posix" and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # A test run started in the background ignores SIGINT, and so would the command (it keeps
        # a signal ignored when it starts, as nohup wants): give it the default back.
        popen["preexec_fn"] = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    return subprocess.Popen(
        [sys.executable, "-m", "journeydsl", *map(str, arguments)], cwd=cwd, env=env, start_new_session=True, **popen
    )


def run_journey(*arguments: str | Path, cwd: Path, **popen) -> subprocess.CompletedProcess:
    with journey_command(*arguments, cwd=cwd, **popen) as process:
        out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


# ---- devices, FIFOs, descriptors, links ------------------------------------------------------


def test_a_full_device_is_a_clean_error_and_stays_a_device(runner, journey, tmp_path):
    full = device(tmp_path, "full")
    for arguments in (["simulate", "--customers", "50", "--format", "json", "-o"], ["graph", "-o"], ["--trace"]):
        if arguments == ["--trace"]:
            arguments = ["simulate", "--customers", "50", "-o", str(tmp_path / "r.txt"), "--trace"]
        result = runner.invoke(cli, [arguments[0], str(journey), *arguments[1:], str(full)])
        assert result.exit_code == 1, result.output
        assert result.stderr == f"Error: cannot write `{full}`: No space left on device\n"
        assert stat.S_ISCHR(os.stat(full).st_mode)
    assert leftovers(tmp_path) == []


def test_the_null_device_discards_and_stays_a_device(runner, journey, tmp_path):
    null = device(tmp_path, "null")
    for arguments in (["simulate", "--customers", "50", "--format", "json", "-o"], ["graph", "-o"]):
        result = runner.invoke(cli, [arguments[0], str(journey), *arguments[1:], str(null)])
        assert result.exit_code == 0, result.output
        assert result.stderr == f"wrote {null} ({arguments[-2] if arguments[0] == 'simulate' else 'dot'})\n"
        assert stat.S_ISCHR(os.stat(null).st_mode)
    traced = runner.invoke(cli, ["simulate", str(journey), "--customers", "50", "--trace", str(null)])
    assert traced.exit_code == 0, traced.output
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert leftovers(tmp_path) == [] and not any(tmp_path.glob("*.tmp"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("option", ["-o", "--trace"])
def test_a_fifo_is_written_through_and_stays_a_fifo(runner, journey, tmp_path, option):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    if option == "-o":
        result = runner.invoke(cli, ["graph", str(journey), "-o", str(fifo)])
    else:
        result = runner.invoke(cli, ["simulate", str(journey), "--customers", "20", "--trace", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert not reader.is_alive() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    expected = b"digraph" if option == "-o" else b"replication,customer,segment"
    assert received[0].startswith(expected)


def test_dash_is_standard_output(runner, journey):
    result = runner.invoke(cli, ["graph", str(journey), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("digraph") and result.stderr == ""
    traced = runner.invoke(cli, ["simulate", str(journey), "--customers", "20", "--format", "json", "--trace", "-"])
    assert traced.exit_code == 0, traced.output
    trace, _, results = traced.stdout.partition("{")
    assert trace.startswith("replication,customer,segment") and '"schema": "journeydsl.results/1"' in results


@linux_only
def test_descriptors_are_written_through_never_replaced(journey, tmp_path):
    stdout = tmp_path / "stdout"  # what /dev/stdout is, made by the test
    stdout.symlink_to("/proc/self/fd/1")
    for target in ("-", "/dev/fd/1", str(stdout)):
        result = run_journey("graph", journey, "-o", target, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(b"digraph"), target
        assert os.readlink(stdout) == "/proc/self/fd/1"
    # Standard output redirected to a file: the output lands in it, after what was printed before.
    redirected = tmp_path / "redirected.txt"
    redirected.write_bytes(b"before\n")
    with open(redirected, "ab") as sink:
        result = run_journey("graph", journey, "-o", stdout, cwd=tmp_path, stdout=sink)
    assert result.returncode == 0, result.stderr
    text = redirected.read_bytes()
    assert text.startswith(b"before\ndigraph") and text.count(b"digraph") == 1
    assert leftovers(tmp_path) == []


def test_a_link_is_followed_and_kept(runner, journey, tmp_path):
    real = tmp_path / "real.dot"
    real.write_text("old")
    link = tmp_path / "link.dot"
    link.symlink_to(real.name)
    chain = tmp_path / "chain.dot"
    chain.symlink_to(link.name)
    dangling = tmp_path / "dangling.dot"
    dangling.symlink_to("missing.dot")
    for target in (link, chain, dangling):
        result = runner.invoke(cli, ["graph", str(journey), "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert target.is_symlink()
    assert real.read_text().startswith("digraph") and (tmp_path / "missing.dot").read_text().startswith("digraph")
    traced = runner.invoke(cli, ["simulate", str(journey), "--customers", "20", "--trace", str(link)])
    assert traced.exit_code == 0, traced.output
    assert link.is_symlink() and real.read_text().startswith("replication,customer")
    assert leftovers(tmp_path) == []


def test_a_folder_or_a_link_loop_is_a_clean_error(runner, journey, tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    result = runner.invoke(cli, ["graph", str(journey), "-o", str(loop)])
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: cannot write `{loop}`: Too many levels of symbolic links\n"
    with pytest.raises(IsADirectoryError):
        write_atomically(tmp_path, "x")
    with pytest.raises(IsADirectoryError):
        StagedFile(tmp_path)
    assert loop.is_symlink() and leftovers(tmp_path) == []


# ---- inputs ----------------------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    """A copy of the hotel journey and the library it imports."""
    shutil.copyfile(HOTEL, tmp_path / "hotel.journey")
    shutil.copytree(JOURNEYS / "lib", tmp_path / "lib")
    (tmp_path / "survey.csv").write_text("factor,experience,expectation,importance,ideal\nservice,5,7,9,10\n")
    (tmp_path / "hard.journey").hardlink_to(tmp_path / "hotel.journey")
    (tmp_path / "link.png").symlink_to("lib/hospitality.journey")
    (tmp_path / "link.csv").symlink_to("survey.csv")
    return tmp_path


REFUSED = {
    "graph over its journey": ["graph", "hotel.journey", "-o", "hotel.journey"],
    "graph over an import": ["graph", "hotel.journey", "-o", "lib/hospitality.journey"],
    "graph over a hard link": ["graph", "hotel.journey", "-o", "hard.journey"],
    "simulate over its journey": ["simulate", "hotel.journey", "--customers", "20", "-o", "hotel.journey"],
    "simulate over an import": ["simulate", "hotel.journey", "--customers", "20", "-o", "lib/hospitality.journey"],
    "trace over its journey": ["simulate", "hotel.journey", "--customers", "20", "--trace", "hotel.journey"],
    "trace over an import": ["simulate", "hotel.journey", "--customers", "20", "--trace", "lib/hospitality.journey"],
    "compare over its second journey": ["compare", "hotel.journey", "hard.journey", "-o", "hotel.journey"],
    "plot through a link to an import": ["plot", "hotel.journey", "--customers", "20", "-o", "link.png"],
    "a chart through a link to an import": ["analyze", "hotel.journey", "--plot", "link.png"],
    "gaps over its survey": ["gaps", "hotel.journey", "--survey-csv", "survey.csv", "-o", "survey.csv"],
    "gaps through a link to its survey": ["gaps", "hotel.journey", "--survey-csv", "survey.csv", "-o", "link.csv"],
}


@pytest.mark.parametrize("arguments", REFUSED.values(), ids=REFUSED.keys())
def test_an_input_is_never_overwritten(runner, tmp_path, monkeypatch, arguments):
    folder = _project(tmp_path)
    monkeypatch.chdir(folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = runner.invoke(cli, arguments)
    assert result.exit_code == 1, result.output
    target = arguments[arguments.index(next(a for a in ("-o", "--trace", "--plot") if a in arguments)) + 1]
    assert result.stderr.endswith(f"Error: cannot write `{target}`: it is an input of this command\n")
    assert result.stdout == ""  # refused before any result was shown
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert (folder / "link.png").is_symlink() and leftovers(folder) == []


def test_writing_refuses_protected_files_however_named(tmp_path):
    source = tmp_path / "a.journey"
    source.write_text("kept")
    (tmp_path / "link").symlink_to(source.name)
    for name in ("a.journey", "link", "./a.journey"):
        with pytest.raises(InputFileError, match="it is an input of this command"):
            write_atomically(tmp_path / name, "lost", protected=[source])
        with pytest.raises(InputFileError):
            StagedFile(tmp_path / name, protected=[tmp_path / "link"])
    assert source.read_text() == "kept" and leftovers(tmp_path) == []
    write_atomically(tmp_path / "other", "new", protected=[source, tmp_path / "gone"])
    assert (tmp_path / "other").read_text() == "new"


def test_a_staged_file_not_delivered_leaves_nothing(tmp_path):
    target = tmp_path / "trace.csv"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), StagedFile(target) as staged:
        staged.path.write_text("half")
        raise KeyboardInterrupt
    assert target.read_text() == "old" and leftovers(tmp_path) == []


# ---- signals ---------------------------------------------------------------------------------


def _processes() -> dict[int, tuple[str, int, int]]:
    """Every process: pid -> (state, parent pid, process group)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (fields[0], int(fields[1]), int(fields[2]))
    return found


def _living(group: int) -> list[int]:
    """Processes of a process group that are still alive (zombies waiting to be reaped are dead)."""
    return [pid for pid, (state, _, pgrp) in _processes().items() if pgrp == group and state not in "ZX"]


def _children(pid: int) -> list[int]:
    return [child for child, (state, parent, _) in _processes().items() if parent == pid and state not in "ZX"]


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def started():
    """Start ``journey`` commands in sessions of their own; whatever is left of them is killed after the test."""
    processes: list[subprocess.Popen] = []

    def start(*arguments: str | Path, cwd: Path) -> subprocess.Popen:
        process = journey_command(*arguments, cwd=cwd)
        processes.append(process)
        return process

    yield start
    for process in processes:
        for pid in _living(process.pid):
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.communicate()


def _stop_and_check(process: subprocess.Popen, number: int, whole_group: bool) -> str:
    """Send a signal once the pool's workers are at work; the command must end at once, alone."""
    workers = _wait_for(lambda: len(_children(process.pid)) >= 2 and _children(process.pid), 30, "two workers")
    time.sleep(0.3)
    if whole_group:  # what a terminal does on Ctrl-C
        os.killpg(process.pid, number)
    else:
        os.kill(process.pid, number)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 128 + number, err.decode()
    _wait_for(lambda: not _living(process.pid), 5, f"workers {workers} to die")
    return err.decode()


@linux_only
def test_sigterm_stops_compare_and_its_workers(started, tmp_path):
    old = tmp_path / "out.json"
    old.write_text("old")
    process = started("compare", PREMIER, "--customers", "200000", "-j", "2", "-o", old, cwd=tmp_path)
    assert _stop_and_check(process, signal.SIGTERM, whole_group=False) == "Interrupted by SIGTERM.\n"
    assert old.read_text() == "old" and leftovers(tmp_path) == []


@linux_only
def test_ctrl_c_stops_compare_and_its_workers_with_one_line(started, tmp_path):
    process = started("compare", PREMIER, "--customers", "200000", "-j", "2", cwd=tmp_path)
    assert _stop_and_check(process, signal.SIGINT, whole_group=True) == "Interrupted.\n"


@linux_only
def test_workers_die_with_a_parent_killed_outright(started, tmp_path):
    process = started("compare", PREMIER, "--customers", "200000", "-j", "2", cwd=tmp_path)
    workers = _wait_for(lambda: len(_children(process.pid)) >= 2 and _children(process.pid), 30, "two workers")
    process.kill()
    process.communicate(timeout=10)
    _wait_for(lambda: not [pid for pid in workers if pid in _living(process.pid)], 5, f"workers {workers} to die")


@linux_only
def test_sigterm_leaves_no_temporary_trace(started, tmp_path):
    old = tmp_path / "out.json"
    old.write_text("old")
    process = started(
        "simulate", PREMIER, "--customers", "200000", "--trace", "t.csv", "--format", "json", "-o", old, cwd=tmp_path
    )

    def trace_growing() -> bool:
        return any(p.stat().st_size > 0 for p in tmp_path.rglob(".t.csv.*") if p.is_file())

    _wait_for(trace_growing, 30, "the trace to be written")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 143 and err.decode() == "Interrupted by SIGTERM.\n", err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"] and old.read_text() == "old"


SHORT_AND_LONG = (
    'journey "J" {{ horizon 10 days arrivals poisson {} per day stage a goal {{ '
    "touchpoint t: staff duration 1 min {{ feel +1 }} touchpoint u: staff duration 1 min {{ feel +1 }} }} }}"
)


def test_an_interrupted_pool_is_stopped_at_once():
    """On any exception while gathering (here one from the progress callback) the runner stops its pool.

    The long design takes about a minute; the exception comes as soon as the short one is done.
    """
    designs = [Design("short", loads(SHORT_AND_LONG.format(5))), Design("long", loads(SHORT_AND_LONG.format(100_000)))]

    def progress(fraction: float) -> None:
        raise KeyboardInterrupt

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        Runner().run(designs, RunSettings(replications=1, workers=2), progress=progress)
    assert time.monotonic() - start < 15
    _wait_for(lambda: not multiprocessing.active_children(), 5, "the pool's workers to end")


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")
def test_stop_signals_keep_an_ignored_signal_ignored_and_restore_the_handlers():
    """``nohup journey ...`` stays immune to SIGHUP; the handlers before the command come back after it."""
    from journeydsl.cli.main import StopSignals

    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with StopSignals():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN, before[signal.SIGTERM])
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) == before[signal.SIGTERM]
        assert signal.getsignal(signal.SIGINT) == before[signal.SIGINT]
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
