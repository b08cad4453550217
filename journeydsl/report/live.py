"""The live preview behind ``journey watch``: rebuild a journey's report on every save and serve it.

Three pieces, each usable alone:

- :class:`LiveReport` holds the state.  :meth:`LiveReport.rebuild` checks the
  journey file (with the ``check`` function it was given), and when the file
  has no errors builds the report page (with the ``build`` function); each
  rebuild that changes what is shown is a new *version*.  A build may come in
  steps (:func:`staged_report`: the designs' results in seconds, then the
  figures and analyses); each step is a version.  When the file is
  broken, the page shows its diagnostics (as ``journey check`` prints them:
  ``file:line:col``, the source line, a caret, a hint; HTML-escaped) above the
  last good report, which stays visible and is marked as stale.
  :meth:`LiveReport.page` is the page to serve; :meth:`LiveReport.status` the
  small JSON document the page polls.
- :class:`LiveServer` serves them on a local address with :mod:`http.server`
  in a thread: ``/`` the page, ``/version`` the status.  The page asks for
  ``/version`` every second and reloads when a new version is ready.  The
  polling script goes into the served page only, never into a report file.
- :func:`watch` rebuilds on every change of the journey file, of the files it
  imports, or of another ``.journey`` file beside them (an import being
  written), with ``watchfiles`` (the ``watch`` extra, imported here only).

Nothing a user wrote is executed: the journey is parsed and simulated, and
every name and message reaches the page through :func:`~journeydsl.lang.escape.html_text`.

Examples
--------
>>> live = LiveReport("a.journey", check=lambda path: _Broken(), build=lambda journey: "")
>>> live.version
0
>>> build = live.rebuild()
>>> build.version, build.ok, live.status()["ok"]
(1, False, False)
>>> "a.journey:1:1: error[JD009]: cannot read" in live.page()
True
"""

from __future__ import annotations

import errno
import hashlib
import http.server
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .._version import __version__
from ..lang.diagnostics import Diagnostic
from ..lang.escape import html_text
from ..lang.model import Journey, Span
from ..lang.render import render_text, summary_line
from ..sim.settings import RunSettings

__all__ = [
    "Checked",
    "Build",
    "Partial",
    "Superseded",
    "staged_report",
    "LiveReport",
    "LiveServer",
    "serve",
    "watch",
    "PORT_TRIES",
    "MOST_SHOWN",
]

#: How many ports after the one asked for :func:`serve` tries before it lets the system choose.
PORT_TRIES = 10
#: The most diagnostics the page shows (a file that is not a journey at all can have hundreds).
MOST_SHOWN = 50
#: Milliseconds between two polls of ``/version`` by the page.
POLL_MS = 1000


class Checked(Protocol):
    """What checking a journey file gives (:class:`journeydsl.api.CheckResult` is one)."""

    journey: Journey | None
    diagnostics: list[Diagnostic]
    sources: dict[str, str]

    @property
    def ok(self) -> bool:
        """True when there are no errors."""


@dataclass(frozen=True)
class Build:
    """One rebuild: what the page shows from then on.

    Attributes
    ----------
    version : int
        Counts the rebuilds that changed the page, from 1.
    ok : bool
        The file has no errors and the report was built: the page shows it, fresh.
    diagnostics : list of Diagnostic
        Every problem found (warnings too, when the file is good).
    sources : dict of str to str
        The source texts read, by file name.
    error : str or None
        Why the report could not be built although the file has no errors (a
        run that counted nobody, an unknown design, settings the journey
        cannot run with).
    report : str or None
        The report page of the last good version (this one when ``ok``), without the live panel.
    built_at : float
        When the rebuild ended (seconds since the epoch).
    good_at : float or None
        When the report shown was built.
    seconds : float
        How long the rebuild took.
    partial : bool
        The report shown is a first step (:class:`Partial`): more of it is on its way.
    """

    version: int
    ok: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    report: str | None = None
    built_at: float = 0.0
    good_at: float | None = None
    seconds: float = 0.0
    partial: bool = False

    @property
    def stale(self) -> bool:
        """A report is shown, but it is not of the file as it is now."""
        return not self.ok and self.report is not None


class Partial(str):
    """A report page with more to come: a ``build`` that yields one is not done yet (see :func:`staged_report`)."""

    __slots__ = ()


class Superseded(Exception):
    """A build given up because the file changed again (raised by :func:`staged_report` when ``stop`` says so)."""


def staged_report(
    journey: Journey,
    designs: Sequence[tuple[str, Journey]],
    settings: RunSettings,
    *,
    min_differences: Mapping[str, float] | None = None,
    file: str | None = None,
    reading: tuple[str, ...] = (),
    stop: Callable[[], bool] | None = None,
) -> Iterator[str]:
    """The report page in two steps: the designs' results first (seconds), then the whole report.

    The first page (a :class:`Partial`) has the conclusions, the key figures,
    the comparison and each design's results; the second is what
    ``journey report`` writes.  Both come from one runner, so the designs
    are simulated once (the whole report adds its analyses and figures).

    Parameters
    ----------
    journey : Journey
        The journey as written.
    designs : sequence of (str, Journey)
        The designs by name, each resolved (:func:`journeydsl.api.design`); the first is the baseline.
    settings : RunSettings
        How to simulate.
    min_differences : mapping, optional
        As for :func:`~journeydsl.report.document.build_report`.
    file : str, optional
        The journey file as given, for the report's Reproduce line.
    reading : tuple of str
        How the file was read (``--root``, ``--allow-large``), for the same line.
    stop : callable, optional
        Asked as the simulations progress (:attr:`LiveReport.superseded`):
        when it says ``True``, the build is given up (:class:`Superseded`).

    Yields
    ------
    str
        The first page (a :class:`Partial`), then the whole report.

    Raises
    ------
    Superseded
        When ``stop`` said so (the runner stops its workers on the way out).
    """
    from ..analysis.compare import run_and_compare
    from ..sim.runner import Design, Runner
    from .document import Report, build_report, render_html

    def progress(fraction: float) -> None:
        if stop is not None and stop():
            raise Superseded("the file changed again")

    chosen = [Design(name, body) for name, body in designs]
    if not chosen:
        raise ValueError("a report needs at least one design")
    runner = Runner()
    settings = settings.resolved(journey.seed)
    comparison = None
    if len(chosen) > 1:  # as build_report runs them, so that it finds them run
        outcomes, comparison = run_and_compare(
            runner, chosen, settings, progress=progress, min_differences=min_differences
        )
    else:
        outcomes = runner.run(chosen, settings, progress=progress)
    first = Report(
        journey,
        [design.name for design in chosen],
        {outcome.design: outcome.results for outcome in outcomes},
        comparison,
        None,
        settings={**outcomes[0].settings.record(), "journeydsl": __version__},
        file=file,
        reading=reading,
    )
    yield Partial(render_html(first))
    whole = build_report(journey, chosen, settings, runner, progress, min_differences=min_differences, file=file)
    whole.reading = reading
    yield render_html(whole)


class _Broken:
    """A check result for the module's example: a file that cannot be read."""

    journey = None
    sources: dict[str, str] = {}
    ok = False

    def __init__(self) -> None:
        self.diagnostics = [
            Diagnostic("JD009", "cannot read `a.journey`: No such file or directory", Span("a.journey", 1, 1, 1, 1))
        ]


def _fingerprint(sources: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(sources):
        for part in (name, sources[name]):
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _real(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.realpath(os.fspath(path)))


class LiveReport:
    """A journey file's report, rebuilt on demand, as the page to serve.

    Parameters
    ----------
    file : path-like
        The journey file.
    check : callable
        Reads and checks the file: given its path, returns a :class:`Checked`
        (``functools.partial(api.check_file, root=..., allow_large=...)``).
    build : callable
        Given the checked journey, returns its report as an HTML page
        (``render_html(api.report(journey, ...))``), or the pages of a report
        built in steps, each but the last a :class:`Partial`
        (:func:`staged_report`).  What it raises (but a
        :class:`BaseException` that is not an :class:`Exception`, such as
        Ctrl-C) is shown in the page as the reason there is no new report.
    """

    def __init__(
        self,
        file: str | os.PathLike[str],
        check: Callable[[Path], Checked],
        build: Callable[[Journey], str | Iterable[str]],
    ) -> None:
        self.file = Path(file)
        self._check = check
        self._build = build
        self._lock = threading.Lock()
        self._current = Build(0, False)
        self._built_from: str | None = None  # fingerprint of the sources of the current build
        self._building = False
        self._watched: frozenset[Path] = frozenset({_real(self.file)})
        self._interrupted: Callable[[], bool] | None = None

    @property
    def version(self) -> int:
        """The version the page shows (0 before the first rebuild)."""
        return self._current.version

    @property
    def current(self) -> Build:
        """The last rebuild (version 0, nothing built, before the first)."""
        return self._current

    @property
    def building(self) -> bool:
        """A rebuild is under way."""
        return self._building

    @property
    def watched(self) -> frozenset[Path]:
        """The files whose change calls for a rebuild: the journey file and every file it read (real paths).

        While the file is broken, the files read by its last good version stay in the set.
        """
        return self._watched

    def superseded(self) -> bool:
        """Whether the rebuild under way is out of date already (the file changed again): a build may stop.

        Give it to :func:`staged_report` as ``stop``; it asks the ``interrupted``
        of the :meth:`rebuild` under way.
        """
        interrupted = self._interrupted
        return interrupted is not None and interrupted()

    def folders(self) -> frozenset[Path]:
        """The folders of :attr:`watched` that exist (watched for any ``.journey`` file that changes)."""
        return frozenset(path.parent for path in self._watched if path.parent.is_dir())

    def concerns(self, path: str | os.PathLike[str]) -> bool:
        """Whether a change of ``path`` may change the report: a watched file, or a ``.journey`` file beside one."""
        real = _real(path)
        return real in self._watched or (real.suffix == ".journey" and real.parent in self.folders())

    def rebuild(
        self, on_build: Callable[[Build], None] | None = None, interrupted: Callable[[], bool] | None = None
    ) -> Build:
        """Check the file and, when it has no errors and its sources changed, build the report again.

        Parameters
        ----------
        on_build : callable, optional
            Called with each new version as it is shown (a report built in
            steps shows one version per step).
        interrupted : callable, optional
            Whether the file changed again: asked between the steps of a report
            built in steps (when it says ``True`` the rest is left unbuilt), and
            by the build itself through :meth:`superseded`.  A build that gives
            up (raises :class:`Superseded`) leaves the page as it was.

        Returns
        -------
        Build
            The rebuild now shown.  When nothing the report depends on changed
            (the same source texts as the version shown, wholly built), the
            version shown, unchanged.
        """
        started = time.time()
        self._building = True
        self._interrupted = interrupted
        try:
            checked = self._check(self.file)
            sources = dict(checked.sources)
            fingerprint = _fingerprint(sources)
            previous = self._current
            read = {_real(name) for name in sources if not name.startswith("<")} | {_real(self.file)}
            if fingerprint == self._built_from and previous.version > 0 and sources and not previous.partial:
                return previous
            diagnostics = list(checked.diagnostics)
            if not checked.ok:
                return self._show(
                    previous, False, diagnostics, sources, None, None, started, fingerprint, read, on_build
                )
            if checked.journey is None:  # a library: nothing to simulate
                error = f"`{self.file}` is a library; watch a journey that imports it."
                return self._show(
                    previous, False, diagnostics, sources, error, None, started, fingerprint, read, on_build
                )
            try:
                result = self._build(checked.journey)
                pages = iter([result] if isinstance(result, str) else result)
                page = next(pages)
            except Superseded:
                return previous
            except Exception as problem:  # shown in the page; the preview goes on
                return self._show(
                    previous, False, diagnostics, sources, _message(problem), None, started, fingerprint, read, on_build
                )
            while True:
                shown = self._show(
                    previous, True, diagnostics, sources, None, page, started, fingerprint, read, on_build
                )
                if not isinstance(page, Partial) or (interrupted is not None and interrupted()):
                    close = getattr(pages, "close", None)
                    if close is not None:  # a generator: its runner is let go now
                        close()
                    return shown
                previous = shown
                try:
                    page = next(pages)
                except (StopIteration, Superseded):
                    return shown
                except Exception as problem:
                    return self._show(
                        shown,
                        False,
                        diagnostics,
                        sources,
                        _message(problem),
                        None,
                        started,
                        fingerprint,
                        read,
                        on_build,
                    )
        finally:
            self._building = False
            self._interrupted = None

    def _show(
        self,
        previous: Build,
        ok: bool,
        diagnostics: list[Diagnostic],
        sources: dict[str, str],
        error: str | None,
        page: str | None,
        started: float,
        fingerprint: str,
        read: set[Path],
        on_build: Callable[[Build], None] | None,
    ) -> Build:
        """Make the next version current (a good page, or the problems over the last good one)."""
        ended = time.time()
        build = Build(
            previous.version + 1,
            ok,
            diagnostics,
            sources,
            error,
            page if ok else previous.report,
            ended,
            ended if ok else previous.good_at,
            ended - started,
            isinstance(page if ok else previous.report, Partial),
        )
        with self._lock:
            self._current = build
            self._built_from = fingerprint
            self._watched = frozenset(read if ok else read | self._watched)
        if on_build is not None:
            on_build(build)
        return build

    def status(self) -> dict[str, Any]:
        """What the page polls (``/version``): the version, whether it is good, whether a rebuild is under way."""
        current = self._current
        return {
            "version": current.version,
            "ok": current.ok,
            "stale": current.stale,
            "building": self._building,
            "errors": sum(d.is_error for d in current.diagnostics) + (current.error is not None),
        }

    def page(self) -> str:
        """The page to serve: the live panel (diagnostics when broken) and the report, with the polling script.

        Returns
        -------
        str
            A whole HTML page.
        """
        current = self._current
        panel = _panel(self.file, current)
        script = f"<script>{_POLL_SCRIPT.replace('VERSION', str(current.version))}</script>\n"
        if current.report is None:
            title = html_text(f"{self.file.name}: journey watch")
            return (
                '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{title}</title>\n<style>{_page_css()}{_LIVE_CSS}</style>\n</head>\n<body>\n"
                f"{panel}{script}</body>\n</html>\n"
            )
        return _inject(current.report, panel, script, stale=current.stale)


def _message(problem: Exception) -> str:
    """The message of an exception for people (click's usage errors say theirs with ``format_message``)."""
    formatted = getattr(problem, "format_message", None)
    text = formatted() if callable(formatted) else str(problem)
    return text or type(problem).__name__


def _page_css() -> str:
    from .html import CSS

    return CSS


def _inject(report: str, panel: str, script: str, *, stale: bool) -> str:
    """The report page with the live style, the panel first in the body and the script last.

    The report escapes everything a user wrote, so its first ``</head>`` and
    ``<body>`` and its last ``</body>`` are its own tags.
    """
    head_end = report.find("</head>")
    if head_end >= 0:
        report = f"{report[:head_end]}<style>{_LIVE_CSS}</style>\n{report[head_end:]}"
    body = report.find("<body>")
    body_tag = '<body class="journey-live-stale">' if stale else "<body>"
    if body >= 0:
        report = f"{report[:body]}{body_tag}\n{panel}{report[body + len('<body>') :]}"
    else:
        report = panel + report
    end = report.rfind("</body>")
    return f"{report[:end]}{script}{report[end:]}" if end >= 0 else report + script


def _clock(moment: float | None) -> str:
    return datetime.fromtimestamp(moment).strftime("%H:%M:%S") if moment is not None else ""


def _panel(file: Path, build: Build) -> str:
    """The live panel: state, time, and (when broken) the diagnostics, escaped."""
    e = html_text
    name = f"<code>{e(os.fspath(file))}</code>"
    if build.version == 0:
        state, line = "building", f"Building the report of {name}&hellip;"
    elif build.ok:
        state = "ok"
        line = f"Live report of {name}: version {build.version}, built at {_clock(build.built_at)} in {build.seconds:.1f} s."
        if build.partial:
            line += " The results are in; the figures and analyses are on their way&hellip;"
    else:
        state = "broken"
        line = f"{name} has problems (checked at {_clock(build.built_at)})."
    out = [
        f'<div id="journey-live" class="journey-live journey-live-{state}" role="status" aria-live="polite">\n',
        f'<p class="journey-live-line">{line} <span id="journey-live-badge"></span></p>\n',
    ]
    errors = [d for d in build.diagnostics if d.is_error]
    if build.diagnostics and not build.ok:
        out.append(f'<p class="journey-live-summary">{e(summary_line(build.diagnostics))}</p>\n')
    if build.error is not None:
        out.append(f'<pre class="journey-live-diagnostic journey-live-error">Error: {e(build.error)}</pre>\n')
    shown = build.diagnostics[:MOST_SHOWN]
    blocks = [
        f'<pre class="journey-live-diagnostic journey-live-{e(d.severity)}">{e(render_text([d], build.sources))}</pre>\n'
        for d in shown
    ]
    more = len(build.diagnostics) - len(shown)
    if more > 0:
        blocks.append(f"<p>&hellip; and {more} more: run <code>journey check</code> to see them all.</p>\n")
    if blocks and (errors or not build.ok):
        out.extend(blocks)
    elif blocks:
        warnings = summary_line(build.diagnostics)
        out.append(f"<details><summary>{e(warnings)}</summary>\n{''.join(blocks)}</details>\n")
    if build.stale:
        out.append(
            '<p class="journey-live-stale-note"><strong>Stale:</strong> the report below is of the last good '
            f"version, built at {_clock(build.good_at)}; it comes back to life when the problems are fixed.</p>\n"
        )
    elif not build.ok and build.version > 0:
        out.append(
            '<p class="journey-live-stale-note">No report yet: the file has not been good since '
            "<code>journey watch</code> started.</p>\n"
        )
    out.append("</div>\n")
    return "".join(out)


_LIVE_CSS = """
.journey-live { position: sticky; top: 0; z-index: 10; margin: -2rem -1.5rem 1.5rem; padding: 0.5rem 1.5rem;
  background: #eef4fb; border-bottom: 1px solid #c9d9ec; font-size: 0.9rem; }
.journey-live p { margin: 0.25rem 0; }
.journey-live-broken { background: #fdf0ef; border-bottom-color: #e6b8b3; max-height: 60vh; overflow: auto; }
.journey-live-building { background: #f5f6f7; }
.journey-live-summary { font-weight: 600; color: #a4281d; }
.journey-live-diagnostic { white-space: pre; overflow-x: auto; background: #fff; border-left: 4px solid #c0392b;
  padding: 0.4rem 0.6rem; margin: 0.4rem 0; font-size: 0.85rem; }
.journey-live-warning { border-left-color: #d68910; }
.journey-live-stale-note { color: #7b241c; }
#journey-live-badge { color: #5f6368; font-style: italic; }
body.journey-live-stale > :not(#journey-live):not(script) { opacity: 0.5; filter: grayscale(0.6); }
"""

#: The script of the served page (never of a report file): reload when ``/version`` says a new version is ready.
_POLL_SCRIPT = """
(function () {
  var shown = VERSION;
  var badge = document.getElementById("journey-live-badge");
  function say(text) { if (badge) { badge.textContent = text; } }
  function poll() {
    fetch("/version", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.version !== shown) { window.location.reload(); return; }
        say(status.building ? "Rebuilding\\u2026" : "");
        window.setTimeout(poll, POLL);
      })
      .catch(function () {
        say("journey watch has stopped: this page no longer updates.");
        window.setTimeout(poll, 5 * POLL);
      });
  }
  window.setTimeout(poll, POLL);
})();
""".replace("POLL", str(POLL_MS))


# ---- serving ---------------------------------------------------------------------------

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class _Handler(http.server.BaseHTTPRequestHandler):
    """``GET /`` the page, ``GET /version`` the status; nothing else, nothing logged."""

    live: LiveReport
    allowed_hosts: frozenset[str] | None = None
    server_version = "journeydsl-watch"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        if not self._host_allowed():
            self._send(403, "text/plain; charset=utf-8", b"Forbidden: unknown Host\n", send_body)
            return
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._send(200, "text/html; charset=utf-8", self.live.page().encode("utf-8", "replace"), send_body)
        elif path == "/version":
            self._send(200, "application/json", json.dumps(self.live.status()).encode("ascii"), send_body)
        else:
            self._send(404, "text/plain; charset=utf-8", b"Not found: this server has / and /version only\n", send_body)

    def _host_allowed(self) -> bool:
        """On a loopback address, only requests naming a loopback host (no page of another site may read it)."""
        if self.allowed_hosts is None:
            return True
        host = self.headers.get("Host", "")
        name = urlsplit(f"//{host}").hostname or ""
        return name.lower() in self.allowed_hosts

    def _send(self, code: int, kind: str, body: bytes, send_body: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        """Say nothing per request."""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # A port left in TIME_WAIT by the last run is free again; on Windows the option would share a busy port.
    allow_reuse_address = os.name != "nt"


class LiveServer:
    """A :class:`LiveReport` served over HTTP in a background thread (see :func:`serve`).

    Attributes
    ----------
    url : str
        Where the page is: ``http://HOST:PORT/``.
    port : int
        The port it listens on.
    asked : int
        The port asked for (``port`` differs when that one was busy).
    """

    def __init__(self, server: _Server, asked: int) -> None:
        self._server = server
        self.asked = asked
        host, port = server.server_address[:2]
        self.port = int(port)
        shown = str(host)
        shown = f"[{shown}]" if ":" in shown else shown
        self.url = f"http://{shown}:{self.port}/"
        self._thread = threading.Thread(target=server.serve_forever, name="journey-watch-http", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(live: LiveReport, host: str = "127.0.0.1", port: int = 8000) -> LiveServer:
    """Serve ``live`` on ``host``: on ``port``, else the next free one of :data:`PORT_TRIES`, else one the system picks.

    Parameters
    ----------
    live : LiveReport
        What to serve.
    host : str
        The address to listen on (``127.0.0.1``: this computer only; ``0.0.0.0``: every network).
    port : int
        The port to try first (0: any free port).

    Returns
    -------
    LiveServer
        Serving until :meth:`LiveServer.close`.

    Raises
    ------
    OSError
        When the address cannot be listened on at all (not a local address, no permission).
    """
    import socket

    loopback = host.strip("[]").lower() in _LOOPBACK_NAMES or host.startswith("127.")
    allowed = _LOOPBACK_NAMES | {host.strip("[]").lower()} if loopback else None
    handler = type("LiveHandler", (_Handler,), {"live": live, "allowed_hosts": allowed})
    server_class: type[_Server] = _Server
    if ":" in host:
        server_class = type("LiveServer6", (_Server,), {"address_family": socket.AF_INET6})
    candidates = [port] if port == 0 else [*range(port, min(port + PORT_TRIES + 1, 65536)), 0]
    last: OSError | None = None
    for candidate in candidates:
        try:
            return LiveServer(server_class((host.strip("[]"), candidate), handler), port)
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            last = error
    assert last is not None
    raise last


# ---- watching ----------------------------------------------------------------------------


def _changes(
    live: LiveReport, found: queue.Queue[object], stop: threading.Event, debounce_ms: int, force_polling: bool | None
) -> None:
    """In a thread: put each batch of relevant changes (or the error that ended the watch) into ``found``."""
    import watchfiles

    def relevant(change: Any, path: str) -> bool:
        return live.concerns(path)

    try:
        while not stop.is_set():
            folders = live.folders()
            if not folders:  # the file's folder is gone: wait for it to come back
                stop.wait(0.5)
                continue
            for batch in watchfiles.watch(
                *sorted(folders),
                watch_filter=relevant,
                debounce=debounce_ms,
                step=50,
                stop_event=stop,
                rust_timeout=500,
                yield_on_timeout=True,
                raise_interrupt=False,
                recursive=False,
                force_polling=force_polling,
            ):
                if batch:
                    found.put(batch)
                if stop.is_set() or live.folders() != folders:
                    break
    except Exception as error:  # handed to the main thread, which raises it
        found.put(error)


def watch(
    live: LiveReport,
    on_build: Callable[[Build], None] = lambda build: None,
    *,
    stop: threading.Event | None = None,
    debounce_ms: int = 200,
    force_polling: bool | None = None,
) -> None:
    """Build ``live`` now, then again on every change of its files, until ``stop`` is set.

    The rebuilds run in the calling thread (so Ctrl-C stops a simulation
    under way in order); a helper thread watches the folders of
    :attr:`LiveReport.watched` with ``watchfiles`` and follows the set as
    imports come and go.  A change that arrives during a rebuild gives up
    what is left of it (see :meth:`LiveReport.rebuild` and
    :meth:`LiveReport.superseded`) and starts the next.

    Parameters
    ----------
    live : LiveReport
        What to rebuild.
    on_build : callable
        Called after each rebuild that made a new version.
    stop : threading.Event, optional
        Set it (from another thread) to end the watch.
    debounce_ms : int
        Changes within this many milliseconds make one rebuild (an editor's save writes in steps).
    force_polling : bool, optional
        Poll the files instead of system notifications (network drives); see ``watchfiles``.

    Raises
    ------
    ImportError
        Without ``watchfiles`` (``pip install 'journeydsl[watch]'``).
    """
    import watchfiles  # noqa: F401 (fail here, in the caller's thread, when it is missing)

    stop = stop if stop is not None else threading.Event()
    halt = threading.Event()
    found: queue.Queue[object] = queue.Queue()
    watcher = threading.Thread(
        target=_changes, args=(live, found, halt, debounce_ms, force_polling), name="journey-watch-files", daemon=True
    )
    watcher.start()  # before the first build: a save during it counts

    def changed_again() -> bool:
        return not found.empty()

    try:
        live.rebuild(on_build, interrupted=changed_again)
        while not stop.is_set():
            try:
                item = found.get(timeout=0.2)
            except queue.Empty:
                continue
            for each in [item, *_drain(found)]:
                if isinstance(each, Exception):
                    raise each
            live.rebuild(on_build, interrupted=changed_again)
    finally:
        halt.set()
        watcher.join(timeout=2)


def _drain(found: queue.Queue[object]) -> Iterator[object]:
    while True:
        try:
            yield found.get_nowait()
        except queue.Empty:
            return
