"""Shared test helpers, and a guard over the whole run: it replaces no device and leaves no temporary file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "journeys").glob("*.journey"))

#: The machine's devices an output could replace if writing went wrong (tests write to nodes of their own).
DEVICES = tuple(path for path in (Path("/dev/null"), Path("/dev/full"), Path("/dev/zero")) if path.exists())


@pytest.fixture
def root() -> Path:
    return ROOT


def leftover_temporaries(folder: Path) -> list[Path]:
    """Hidden temporary files or folders of an unfinished write (``.NAME.*.tmp``) below ``folder``."""
    found = []
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = [d for d in subdirectories if d not in (".git", "node_modules", ".hypothesis")]
        found += [
            Path(directory, name)
            for name in (*subdirectories, *files)
            if name.startswith(".") and name.endswith(".tmp")
        ]
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a test replaced one of the machine's devices or left a temporary file behind.

    Tests that stop a command on purpose check their own folders; this catches the rest: the
    repository and every test's temporary folder.
    """
    problems = [
        f"{device} is no longer a character device" for device in DEVICES if not stat.S_ISCHR(os.stat(device).st_mode)
    ]
    folders = [ROOT]
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        try:
            folders.append(factory.getbasetemp())
        except (OSError, ValueError):
            pass
    problems += [f"temporary file left behind: {path}" for folder in folders for path in leftover_temporaries(folder)]
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for problem in problems:
            if reporter is not None:
                reporter.write_line(f"ERROR: {problem}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
