"""``journey watch``: the live report rebuilt on save, served, reloaded; diagnostics over the last good report.

The rebuild logic (:class:`journeydsl.report.live.LiveReport`) is tested without a browser or a
watcher; the server over HTTP; the watch loop with ``watchfiles``; the command end to end in a
subprocess, and the page in headless Chromium when it is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from journeydsl import api
from journeydsl.lang.model import Journey
from journeydsl.report.live import Build, LiveReport, Partial, Superseded, serve, staged_report, watch

from .conftest import ROOT

JOURNEY = """journey "Coffee" {
  stage order (purchase) goal {
    touchpoint barista: staff duration 2 min { feel +2; performance service 8 }
  }
}
"""

#: A broken edit: a word where a number belongs.
BROKEN = JOURNEY.replace("feel +2;", "feel +2 oops;")


def fake_page(journey: Journey) -> str:
    """A stand-in report page naming the journey (escaped as the real report does)."""
    from journeydsl.lang.escape import html_text

    return f"<!DOCTYPE html>\n<html><head><title>t</title></head>\n<body>\n<h1>{html_text(journey.name)}</h1>\n</body></html>\n"


def live_for(path: Path, build: Callable[[Journey], str | Iterator[str]] = fake_page) -> LiveReport:
    return LiveReport(path, partial(api.check_file, root=None), build)


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# ---- the rebuild logic ------------------------------------------------------------------


def test_an_edit_makes_a_new_version_with_new_results(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    live = live_for(file)
    assert live.version == 0 and "Building the report" in live.page()
    first = live.rebuild()
    assert (first.version, first.ok, first.stale) == (1, True, False)
    assert "<h1>Coffee</h1>" in live.page()
    assert live.status() == {"version": 1, "ok": True, "stale": False, "building": False, "errors": 0}
    write(file, JOURNEY.replace('"Coffee"', '"Tea"'))
    second = live.rebuild()
    assert second.version == 2 and second.ok
    assert "<h1>Tea</h1>" in live.page() and "Coffee" not in live.page()


def test_saving_the_same_text_again_builds_nothing(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    calls: list[str] = []

    def counting(journey: Journey) -> str:
        calls.append(journey.name)
        return fake_page(journey)

    live = live_for(file, counting)
    live.rebuild()
    write(file, JOURNEY)  # touched, not changed
    assert live.rebuild().version == 1
    assert calls == ["Coffee"]


def test_a_broken_file_shows_its_diagnostics_over_the_last_good_report(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    live = live_for(file)
    live.rebuild()
    write(file, BROKEN)
    broken = live.rebuild()
    assert (broken.version, broken.ok, broken.stale) == (2, False, True)
    page = live.page()
    # The diagnostic as `journey check` prints it: file:line:col, severity and code, source line, caret.
    assert f"{file}:3:60: error[JD001]: unexpected `;`" in page
    assert "    3 |     touchpoint barista: staff duration 2 min { feel +2 oops; performance service 8 }" in page
    assert re.search(r"\n      \| +\^</pre>", page)
    # Exactly as the terminal shows it, escaped for HTML.
    from journeydsl.lang.escape import html_text
    from journeydsl.lang.render import render_text

    assert html_text(render_text(broken.diagnostics, broken.sources)) in page
    # Above the last good report, which stays, marked stale.
    assert page.index("error[JD001]") < page.index("<h1>Coffee</h1>")
    assert '<body class="journey-live-stale">' in page and "Stale:" in page
    assert live.status()["stale"] is True and live.status()["errors"] == 1
    # Fixed: fresh again, no diagnostics, not stale.
    write(file, JOURNEY.replace('"Coffee"', '"Tea"'))
    fixed = live.rebuild()
    assert fixed.ok and not fixed.stale and fixed.version == 3
    assert "error[JD001]" not in live.page() and "journey-live-stale" not in live.page().split("<body")[1][:40]


def test_a_file_broken_from_the_start_shows_its_diagnostics_and_no_report(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, BROKEN)
    live = live_for(file)
    build = live.rebuild()
    assert not build.ok and not build.stale and build.report is None
    page = live.page()
    assert "error[JD001]" in page and "No report yet" in page and "/version" in page


def test_names_and_messages_are_escaped_in_the_page(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    hostile = '<img src=x onerror="alert(1)">'
    write(file, JOURNEY.replace("  stage order", f"  stage {hostile}", 1))
    live = live_for(file)
    live.rebuild()
    page = live.page()
    assert "<img" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_a_report_that_cannot_be_built_is_said_in_the_page(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    answers = iter([fake_page, None])

    def failing(journey: Journey) -> str:
        if next(answers) is None:
            raise ValueError("no customers were counted <b>")
        return fake_page(journey)

    live = live_for(file, failing)
    live.rebuild()
    write(file, JOURNEY.replace('"Coffee"', '"Tea"'))
    build = live.rebuild()
    assert not build.ok and build.stale and build.error == "no customers were counted <b>"
    assert "Error: no customers were counted &lt;b&gt;" in live.page()
    assert "<h1>Coffee</h1>" in live.page()


def test_imports_are_watched_and_stay_watched_while_the_file_is_broken(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    library = tmp_path / "lib" / "staff.journey"
    write(library, 'library "Staff" {\n  touchpoint barista: staff duration 2 min { feel +2 }\n}\n')
    file = tmp_path / "coffee.journey"
    text = 'import "lib/staff.journey"\njourney "Coffee" {\n  stage order (purchase) goal { use barista }\n}\n'
    write(file, text)
    live = live_for(file)
    build = live.rebuild()
    if not build.ok:  # the import syntax of this tree: say what went wrong
        pytest.fail("\n".join(d.message for d in build.diagnostics))
    assert library.resolve() in live.watched and file.resolve() in live.watched
    assert live.concerns(library) and live.concerns(tmp_path / "another.journey")
    assert not live.concerns(tmp_path / "notes.txt")
    write(file, text.replace('import "lib/staff.journey"\n', 'import "lib/staff.journey\n'))
    assert not live.rebuild().ok
    assert library.resolve() in live.watched


def test_a_report_in_steps_shows_each_step_and_stops_when_the_file_changes_again(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)

    def steps(journey: Journey) -> Iterator[str]:
        yield Partial(fake_page(journey))
        yield fake_page(journey).replace("</h1>", "</h1><p>figures</p>")

    live = live_for(file, steps)
    shown: list[Build] = []
    last = live.rebuild(shown.append)
    assert [(b.version, b.partial) for b in shown] == [(1, True), (2, False)] and last is shown[-1]
    assert "<p>figures</p>" in live.page() and "on their way" not in live.page()
    # A save while the first step is shown: the rest is left unbuilt, and the same text builds again.
    write(file, JOURNEY.replace('"Coffee"', '"Tea"'))
    shown.clear()
    assert live.rebuild(shown.append, interrupted=lambda: True).partial
    assert [b.version for b in shown] == [3] and "on their way" in live.page()
    assert live.rebuild(shown.append).version == 5 and not live.current.partial


def test_the_report_comes_results_first_then_whole_and_only_the_served_page_polls(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    settings = api.RunSettings(customers=60, replications=2, workers=1)

    def build(journey: Journey) -> Iterator[str]:
        return staged_report(journey, [("baseline", api.design(journey, "baseline"))], settings, file=str(file))

    live = live_for(file, build)
    shown: list[Build] = []
    live.rebuild(shown.append)
    first, whole = (build.report for build in shown)
    assert first is not None and whole is not None
    assert isinstance(first, Partial) and not isinstance(whole, Partial)
    assert "<h1>Coffee</h1>" in first and "<img" not in first  # the results, before any figure is drawn
    assert "<h1>Coffee</h1>" in whole and "<img" in whole
    page = live.page()
    assert "/version" not in whole and "journey-live" not in whole
    assert page.count("/version") == 1 and page.count('id="journey-live"') == 1
    assert page.index('id="journey-live"') < page.index("<h1>Coffee</h1>")
    assert page.rstrip().endswith("</html>")


def test_a_build_given_up_for_a_newer_save_leaves_the_page_as_it_was(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    settings = api.RunSettings(customers=60, replications=2, workers=1)
    asked: list[bool] = []

    def newer_save() -> bool:
        asked.append(True)
        return len(asked) > 1  # the file changes again while the first step runs

    def build(journey: Journey) -> Iterator[str]:
        return staged_report(journey, [("baseline", journey)], settings, stop=live.superseded)

    live = live_for(file, build)
    assert live.rebuild(interrupted=newer_save).version == 0  # given up mid-way: nothing new shown
    assert len(asked) == 2 and live.page().count("Building the report") == 1
    journey = api.load(file)
    with pytest.raises(Superseded):
        next(staged_report(journey, [("baseline", journey)], settings, stop=lambda: True))


# ---- serving ------------------------------------------------------------------------------


def get(url: str, host: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode("utf-8")


def test_the_server_answers_the_page_and_the_version(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    live = live_for(file)
    live.rebuild()
    with serve(live, "127.0.0.1", 0) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        status, kind, body = get(server.url)
        assert status == 200 and kind.startswith("text/html") and "<h1>Coffee</h1>" in body
        status, kind, body = get(server.url + "version")
        assert status == 200 and kind == "application/json" and json.loads(body)["version"] == 1
        assert get(server.url + "coffee.journey")[0] == 404
        # A page of another site cannot read the preview through a name that points here.
        assert get(server.url + "version", host=f"attacker.example:{server.port}")[0] == 403
        assert get(server.url + "version", host=f"localhost:{server.port}")[0] == 200


def test_a_busy_port_moves_to_the_next_free_one(tmp_path: Path) -> None:
    live = live_for(tmp_path / "coffee.journey")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        with serve(live, "127.0.0.1", busy) as server:
            assert server.port != busy and server.asked == busy
            assert get(server.url + "version")[0] == 200


# ---- watching -------------------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_watch_rebuilds_on_each_save_until_stopped(tmp_path: Path) -> None:
    pytest.importorskip("watchfiles")
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    live = live_for(file)
    builds: list[Build] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            watch(live, builds.append, stop=stop)
        except BaseException as error:  # surfaced below
            failures.append(error)

    watcher = threading.Thread(target=run, daemon=True)
    watcher.start()
    try:
        wait_for(lambda: len(builds) == 1)
        time.sleep(0.3)  # the watcher is listening
        write(file, JOURNEY.replace('"Coffee"', '"Tea"'))
        wait_for(lambda: len(builds) == 2)
        assert builds[1].ok and "<h1>Tea</h1>" in live.page()
        # Saved by renaming a new file over the old one (as many editors do).
        replacement = tmp_path / ".coffee.journey.swp-new"
        write(replacement, BROKEN)
        os.replace(replacement, file)
        wait_for(lambda: len(builds) == 3)
        assert not builds[2].ok and builds[2].stale
    finally:
        stop.set()
        watcher.join(timeout=5)
    assert not watcher.is_alive() and not failures


def test_a_save_during_a_long_build_gives_it_up_for_the_new_text(tmp_path: Path) -> None:
    pytest.importorskip("watchfiles")
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    given_up: list[str] = []

    def slow(journey: Journey) -> Iterator[str]:
        yield Partial(fake_page(journey))
        deadline = time.monotonic() + 20  # the figures take long: until a newer save supersedes them
        while time.monotonic() < deadline:
            if live.superseded():
                given_up.append(journey.name)
                raise Superseded("newer text")
            time.sleep(0.02)
        yield fake_page(journey)

    live = live_for(file, slow)
    builds: list[Build] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(live, builds.append), kwargs={"stop": stop}, daemon=True)
    watcher.start()
    try:
        wait_for(lambda: len(builds) == 1)  # the first build's first step, shown; its second step under way
        write(file, JOURNEY.replace('"Coffee"', '"Tea"'))
        wait_for(lambda: len(builds) == 2, 10)
        assert given_up == ["Coffee"] and builds[1].partial and "<h1>Tea</h1>" in live.page()
    finally:
        stop.set()
        write(file, JOURNEY.replace('"Coffee"', '"Cake"'))  # gives up the build under way, so the watch ends
        watcher.join(timeout=10)
    assert not watcher.is_alive()


def test_a_failure_of_the_file_watching_reaches_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watchfiles = pytest.importorskip("watchfiles")
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)

    def failing(*args: object, **kwargs: object) -> Iterator[set[tuple[object, str]]]:
        raise OSError("OS file watch limit reached")
        yield set()

    monkeypatch.setattr(watchfiles, "watch", failing)
    with pytest.raises(OSError, match="watch limit"):
        watch(live_for(file))


def test_serving_every_address_opens_the_browser_on_localhost() -> None:
    from journeydsl.cli.watch import _browsable

    assert _browsable("http://0.0.0.0:8000/", "0.0.0.0") == "http://localhost:8000/"
    assert _browsable("http://[::]:8001/", "::") == "http://localhost:8001/"
    assert _browsable("http://127.0.0.1:8000/", "127.0.0.1") == "http://127.0.0.1:8000/"


# ---- the command ----------------------------------------------------------------------------


def test_without_watchfiles_the_command_names_the_extra() -> None:
    blocker = (
        "import sys\n"
        "sys.modules['watchfiles'] = None\n"
        "sys.argv = ['journey', 'watch', 'examples/journeys/colonoscopy.journey', '--no-open']\n"
        "from journeydsl.cli.main import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert "pip install 'journeydsl[watch]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_run_options_are_those_of_every_simulating_command() -> None:
    import click

    from journeydsl.cli.commands import cli

    def options(name: str) -> dict[str, tuple[str, ...]]:
        return {
            str(p.name): tuple(sorted(p.opts + p.secondary_opts))
            for p in cli.commands[name].params
            if isinstance(p, click.Option)
        }

    watch_options, report_options = options("watch"), options("report")
    # All of report's but the output and --validate (a live preview does not validate against a log
    # on every save; `journey report --validate` does it once).
    shared = [name for name in report_options if name not in ("output", "validate_log")]
    assert {name: report_options[name] for name in shared} == {name: watch_options[name] for name in shared}
    assert {"host", "port", "open_browser"} <= set(watch_options)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["--customers", "3", "--horizon", "1 day"], "give --customers or --horizon, not both"),
        (["--horizon", "soon"], "Invalid value for --horizon: `soon` is not a time"),
        (["--replications", "3", "--precision", "0.2"], "give --replications or --precision/--quick, not both"),
    ],
)
def test_bad_run_options_are_usage_errors_before_anything_is_served(given: list[str], message: str) -> None:
    command = [sys.executable, "-m", "journeydsl", "watch", "examples/journeys/colonoscopy.journey", "--no-open"]
    done = subprocess.run([*command, *given], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2 and message in done.stderr and "Serving" not in done.stderr


def test_an_address_that_cannot_be_served_on_is_an_error_before_anything_runs() -> None:
    pytest.importorskip("watchfiles")  # without it, the command stops earlier (exit 2)
    command = [sys.executable, "-m", "journeydsl", "watch", "examples/journeys/colonoscopy.journey", "--no-open"]
    done = subprocess.run([*command, "--host", "203.0.113.9"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1 and "Error: cannot serve on 203.0.113.9:8000: " in done.stderr
    assert "Traceback" not in done.stderr and "Serving" not in done.stderr


def test_replications_and_quick_by_default() -> None:
    from click.testing import CliRunner

    from journeydsl.cli.commands import cli

    result = CliRunner().invoke(cli, ["watch", "--help"])
    assert result.exit_code == 0 and "--no-open" in result.output and "--port" in result.output
    # --max-replications needs --quick elsewhere; here quick is the default, so it is accepted (the file is
    # missing, which click says before anything runs).
    result = CliRunner().invoke(cli, ["watch", "missing.journey", "--max-replications", "5"])
    assert result.exit_code == 2 and "does not exist" in result.output


class Watching:
    """``journey watch`` running in a subprocess: its URL, its standard error so far, its status."""

    def __init__(self, file: Path, *options: str, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "journeydsl", "watch", str(file), "--port", "0", "-j", "1", *options]
        self.process = subprocess.Popen(
            command, stderr=subprocess.PIPE, text=True, cwd=file.parent, env={**os.environ, **(env or {})}
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        wait_for(lambda: self.url is not None or self.process.poll() is not None, 60)
        assert self.url is not None, self.err

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def err(self) -> str:
        return "".join(self.lines)

    @property
    def url(self) -> str | None:
        found = re.search(r" at (http://127\.0\.0\.1:\d+/) ", self.err)
        return found.group(1) if found else None

    def status(self) -> dict[str, object]:
        assert self.url is not None
        return json.loads(get(self.url + "version")[2])

    def settled(self, after: int = 0) -> dict[str, object]:
        """The status once a version after ``after`` is shown and no rebuild is under way."""
        status: dict[str, object] = {}

        def done() -> bool:
            status.update(self.status())
            return int(status["version"]) > after and status["building"] is False  # type: ignore[call-overload]

        wait_for(done, 60)
        return status

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=20)
        self.reader.join(timeout=5)
        return code


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Callable[..., Watching]]:
    pytest.importorskip("watchfiles")
    started: list[Watching] = []

    def start(file: Path, *options: str, env: dict[str, str] | None = None) -> Watching:
        started.append(Watching(file, *options, env=env))
        return started[-1]

    yield start
    for each in started:
        if each.process.poll() is None:
            each.process.kill()
            each.process.wait()


def test_the_command_serves_rebuilds_and_stops_on_ctrl_c(tmp_path: Path, watching: Callable[..., Watching]) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    write(browser, f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
    browser.chmod(0o755)
    run = watching(file, "--customers", "60", env={"BROWSER": str(browser)})
    good = run.settled()
    assert good["ok"] is True
    wait_for(lambda: opened.exists() and opened.read_text() == run.url, 10)  # --open is the default
    write(file, BROKEN)
    status = run.settled(int(good["version"]))  # type: ignore[call-overload]
    assert status["ok"] is False and status["stale"] is True
    assert "error[JD001]" in get(str(run.url))[2]
    assert run.stop() == 130
    assert "Interrupted." in run.err and "Traceback" not in run.err
    assert "version 1: results in" in run.err and "version 2: built in" in run.err and "version 3: 1 error" in run.err
    # The quick precision's verdict, once per build (its two steps run the same simulations).
    assert run.err.count("precision reached: the 95% interval of satisfaction spans") == 1
    assert "error[JD001]" in run.err  # the terminal shows the diagnostic too


def chromium_dom(url: str) -> str:
    chromium = shutil.which("chromium")
    assert chromium is not None
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=1500",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium is not installed")
def test_in_chromium_the_page_follows_the_file(tmp_path: Path, watching: Callable[..., Watching]) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    run = watching(file, "--customers", "60", "--replications", "2", "--no-open")
    version = int(run.settled()["version"])  # type: ignore[call-overload]
    url = str(run.url)
    first = chromium_dom(url)
    assert "<h1>Coffee</h1>" in first and "journey-live-ok" in first
    assert 'data-images="' in first  # the report's own script ran: the page is live in the browser
    write(file, JOURNEY.replace('"Coffee"', '"Tea & <Cake>"'))
    status = run.settled(version)
    assert status["ok"] is True
    version = int(status["version"])  # type: ignore[call-overload]
    second = chromium_dom(url)
    assert "<h1>Tea &amp; &lt;Cake&gt;</h1>" in second and "<h1>Coffee</h1>" not in second
    write(file, BROKEN)
    run.settled(version)
    third = chromium_dom(url)
    assert "error[JD001]" in third and "coffee.journey:3:60" in third
    assert "Stale:" in third and "<h1>Tea &amp; &lt;Cake&gt;</h1>" in third  # the last good report stays
    assert run.stop() == 130


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium is not installed")
def test_in_chromium_an_open_page_reloads_itself_when_a_new_version_is_ready(tmp_path: Path) -> None:
    file = tmp_path / "coffee.journey"
    write(file, JOURNEY)
    live = live_for(file)
    live.rebuild()
    page = live.page
    served: list[str] = []

    def serve_then_edit() -> str:
        text = page()
        if not served:  # the browser has version 1: the file changes under it
            served.append(text)
            write(file, JOURNEY.replace('"Coffee"', '"Tea"'))
            threading.Thread(target=live.rebuild).start()
        return text

    live.page = serve_then_edit  # type: ignore[method-assign]
    with serve(live, "127.0.0.1", 0) as server:
        dom = chromium_dom(server.url)
    assert "<h1>Coffee</h1>" in served[0]
    assert live.version == 2 and "<h1>Tea</h1>" in dom and "version 2," in dom
