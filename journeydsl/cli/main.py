"""The entry point of the ``journey`` command: it takes charge of the stop signals, then runs the commands.

The group and its commands are in :mod:`.commands`.  Exit codes are those of
:mod:`.output`: 0 success (warnings allowed), 1 the journey has errors, a design
test failed or an output could not be written, 2 bad usage; and, from
:func:`main`, 128 + the signal's number when the command is stopped: 130 for
Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP.

Stopping is orderly: :func:`main` turns those signals into an exception
(:class:`Interrupted`), so every ``with`` block unwinds on the way out: worker
processes are stopped (:class:`journeydsl.sim.runner.Runner`), temporary files
removed, outputs not yet written are not written and earlier files at their
paths stay as they were.  One line (``Interrupted.``) goes to standard error,
no traceback.

That holds from the moment :func:`main` starts: this module imports only the
standard library, and the package's own ``__init__`` modules import nothing
heavy (:mod:`journeydsl` imports its API on first use), so the commands,
click, the simulator and the rest are imported under :class:`StopSignals`.
A Ctrl-C while they load is an orderly stop like any other.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any, TextIO

__all__ = ["Interrupted", "StopSignals", "main"]

#: The signals that stop a command in order (those the system has).
STOP_SIGNALS = tuple(
    number for name in ("SIGINT", "SIGTERM", "SIGHUP") if (number := getattr(signal, name, None)) is not None
)


class Interrupted(SystemExit):
    """The command got a stop signal: raised where it was, so ``with`` blocks unwind; exits 128 + the signal.

    A :class:`SystemExit`, so ``except Exception`` lets it through and, should it
    reach the interpreter, the exit code is still right.  Its only argument is
    the exit code, so code that re-raises it as ``type(error)(*error.args)``
    (SimPy does) keeps it whole.

    Parameters
    ----------
    code : int
        The exit code: 128 + the signal's number.

    Examples
    --------
    >>> stop = Interrupted(128 + signal.SIGTERM)
    >>> stop.code, str(type(stop)(*stop.args))
    (143, 'Interrupted by SIGTERM.')
    """

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.signum = code - 128

    def __str__(self) -> str:
        if self.signum == signal.SIGINT:
            return "Interrupted."
        try:
            name = signal.Signals(self.signum).name
        except ValueError:
            name = f"signal {self.signum}"
        return f"Interrupted by {name}."


def _stopping() -> bool:
    """True while an :class:`Interrupted` is being handled here (an ``except``, ``finally`` or ``__exit__`` on its way)."""
    error = sys.exc_info()[1]
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, Interrupted):
            return True
        seen.add(id(error))
        error = error.__context__
    return False


class StopSignals:
    """While the ``with`` block runs, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread.

    A signal ignored when the command started (``nohup``, a background job of
    a script) stays ignored.  Outside the main thread nothing changes.  The
    previous handlers come back when the block ends.

    Python runs a signal handler wherever the main thread happens to be, and
    some places drop an exception raised there (an import inside a C
    extension, an at-fork hook while a process pool starts its workers, a
    ``__del__`` method).  So from the first stop signal on, a watchdog thread
    sends the signal again to the main thread every half second until the
    block ends: while the :class:`Interrupted` is being handled (the ``with``
    blocks unwinding), the handler lets the cleanup go on; if it was dropped,
    the handler raises it again.  A stop is never lost.

    From the first stop signal on, ``sys.stderr`` is silent: while the command
    unwinds and the process ends, nothing else speaks (a process pool's threads
    can print tracebacks about workers that were stopped on purpose).  The
    caller says the one line itself, on :attr:`stderr`.

    Attributes
    ----------
    stderr : file
        Standard error as it was when the block began.
    signum : int or None
        The first stop signal received, if any.
    """

    #: Seconds between the watchdog's deliveries.
    AGAIN = 0.5

    def __init__(self) -> None:
        self.stderr: TextIO = sys.stderr
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._over = False

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for number in STOP_SIGNALS:
                if signal.getsignal(number) is not signal.SIG_IGN:
                    self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self._over = True  # the watchdog sends nothing more, the handler does nothing more
        with self._lock:  # a delivery under way is done
            pass
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, ())  # a system call: a signal it left pending arrives now
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._over:
            return
        if self.signum is None:
            self.signum = signum
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (open until the process ends)
            threading.Thread(target=self._watch, name="journey-stop", daemon=True).start()
        elif _stopping():
            return
        raise Interrupted(128 + self.signum)

    def _watch(self) -> None:
        main = threading.main_thread().ident
        while True:
            time.sleep(self.AGAIN)
            with self._lock:
                if self._over or self.signum is None:
                    return
                if hasattr(signal, "pthread_kill") and main is not None:
                    signal.pthread_kill(main, self.signum)
                else:
                    signal.raise_signal(self.signum)


def main() -> None:
    """Run the ``journey`` command (the console script and ``python -m journeydsl``).

    Ctrl-C, SIGTERM and SIGHUP stop it in order (see the module's description
    and :class:`StopSignals`): exit code 130, 143 or 129 with one line on
    standard error, from the moment it starts (the imports of the commands included).
    """
    stops = StopSignals()
    try:
        with stops:
            from .commands import cli  # the heavy imports, under the stop signals' handling

            cli(prog_name="journey")
    except Interrupted as stop:
        # On a terminal the line starts after the ``^C`` the terminal echoed.
        fresh_line = "\n" if stop.signum == signal.SIGINT and stops.stderr.isatty() else ""
        print(fresh_line + str(stop), file=stops.stderr, flush=True)
        raise SystemExit(stop.code) from None
