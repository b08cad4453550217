"""The API's outputs are as careful as the command line's: a trace never replaces a device, a link or an input.

``journeydsl.api.trace_writer`` delivers like ``journey simulate --trace``
(:class:`journeydsl.report.files.StagedFile`): a link is written through and kept, a device or a FIFO
is written into, a file the journey was read from is refused, and a run that fails leaves neither the
file nor a temporary file.  Devices are nodes made in the test's own folder when the test runs as root
(see :func:`tests.test_hostile_outputs.device`), so a regression cannot replace the machine's own.
"""

from __future__ import annotations

import csv
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from journeydsl import api
from journeydsl.report.files import InputFileError

from .test_hostile_outputs import HOTEL, device, leftovers

SMALL = 'journey "J" { arrivals cohort 20 stage a goal { touchpoint t: staff { feel +1 } } }'


@pytest.fixture(scope="module")
def journey() -> api.Journey:
    return api.loads(SMALL)


def write_trace(path: str | os.PathLike[str], journey: api.Journey, customers: int | None = None) -> int:
    """Simulate ``journey`` with a trace written to ``path``; the number of rows written."""
    with api.trace_writer(path) as writer:
        api.simulate(journey, trace=writer, **({"customers": customers} if customers else {}))
    return writer.rows


def trace_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def test_a_link_is_written_through_and_kept(journey, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real.name)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to("missing.csv")
    for target, written in ((link, real), (dangling, tmp_path / "missing.csv")):
        rows = write_trace(target, journey)
        assert target.is_symlink()
        assert trace_rows(written)[0][:3] == ["replication", "customer", "segment"]
        assert len(trace_rows(written)) == rows + 1
    assert leftovers(tmp_path) == []


def test_the_null_device_is_written_through_and_stays_a_device(journey, tmp_path):
    null = device(tmp_path, "null")
    assert write_trace(null, journey) == 20
    assert stat.S_ISCHR(os.stat(null).st_mode) and not null.is_symlink()
    assert leftovers(tmp_path) == []


def test_a_full_device_is_an_error_and_stays_a_device(journey, tmp_path):
    full = device(tmp_path, "full")
    with pytest.raises(OSError, match="No space left on device"):
        write_trace(full, journey)
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_written_into_and_stays_a_fifo(journey, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    rows = write_trace(fifo, journey)
    reader.join(timeout=30)
    assert not reader.is_alive() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    lines = received[0].decode("utf-8").splitlines()
    assert lines[0].startswith("replication,customer,segment") and len(lines) == rows + 1
    assert leftovers(tmp_path) == []


def test_an_exception_in_the_block_leaves_no_file_and_no_temporary_file(journey, tmp_path):
    target = tmp_path / "trace.csv"
    with pytest.raises(KeyError), api.trace_writer(target) as writer:
        api.simulate(journey, trace=writer)
        raise KeyError("stopped")
    assert os.listdir(tmp_path) == []
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), api.trace_writer(target) as writer:
        writer(next(iter_rows(journey)))
        raise KeyboardInterrupt
    assert target.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["trace.csv"]


def iter_rows(journey: api.Journey):
    """The trace rows of a short run of ``journey``."""
    rows: list[object] = []
    api.simulate(journey, customers=2, trace=rows.append)
    yield from rows


def test_the_journey_file_and_its_imports_are_refused(tmp_path):
    main = tmp_path / HOTEL.name
    shutil.copyfile(HOTEL, main)
    shutil.copytree(HOTEL.parent / "lib", tmp_path / "lib")
    library = tmp_path / "lib" / "hospitality.journey"
    journey = api.load(main)
    hard_link = tmp_path / "hard.journey"
    os.link(library, hard_link)
    for target in (main, library, hard_link):
        before = target.read_bytes()
        with pytest.raises(InputFileError, match="it is an input"):
            write_trace(target, journey, customers=5)
        assert target.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_protected_files_are_refused_before_anything_is_made(journey, tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_text("factor,experience\n")
    link = tmp_path / "link.csv"
    link.symlink_to(survey.name)
    for target in (survey, link):
        with pytest.raises(InputFileError):
            api.trace_writer(target, protected=[survey])
    assert survey.read_text() == "factor,experience\n" and leftovers(tmp_path) == []


def test_a_folder_is_refused_and_nothing_is_left(tmp_path):
    with pytest.raises(IsADirectoryError):
        api.trace_writer(tmp_path)
    assert leftovers(tmp_path) == []
