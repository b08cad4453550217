"""The per-visit trace: one row per customer per touchpoint, streamed to CSV (or Parquet).

Rows are written as the simulation produces them into a file built in a
staging place (:class:`Staging`), which puts it at its target only when the
run finishes, so a trace is whole or absent.  The staging place decides how
it gets there: :func:`journeydsl.api.trace_writer` stages with
:class:`journeydsl.report.files.StagedFile`, which replaces a regular file by
a rename, writes the file a link points to, and writes through a device, a
FIFO or a descriptor.  Parquet needs the optional ``parquet`` extra (pyarrow).
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from ..lang.escape import csv_cell
from .engine import TRACE_COLUMNS, TraceRow

if TYPE_CHECKING:
    from _csv import Writer as CsvWriter

__all__ = ["Staging", "TraceWriter", "parquet_available"]

_BATCH = 50_000


def parquet_available() -> bool:
    """True when pyarrow is installed (``pip install 'journeydsl[parquet]'``)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


class Staging(Protocol):
    """Where a trace is built, and how it reaches its target (:class:`journeydsl.report.files.StagedFile` is one).

    ``path`` is a file that does not exist yet, named like the file it stands
    for (its suffix chooses the format); ``target`` is the output as the user
    named it; ``deliver`` puts the finished file there and ``discard`` removes
    what was built (both are called once the trace is closed).
    """

    path: Path
    target: str | os.PathLike[str]

    def deliver(self) -> None:
        """Put the finished file at the target."""

    def discard(self) -> None:
        """Remove what was built, if it is still there."""


class TraceWriter:
    """A callable that takes trace rows; use as a context manager.

    Rows go into a hidden file next to ``staging.path`` (``.NAME.*.tmp``),
    renamed to ``staging.path`` once complete; leaving the ``with`` block then
    delivers it to ``staging.target`` when the block ended normally, and
    discards what was built in any case (on an exception the target is left
    as it was).

    Parameters
    ----------
    staging : Staging
        Where to build the file and how to deliver it; a ``.parquet`` name
        (of ``staging.path``) writes Parquet, anything else CSV.

    Raises
    ------
    RuntimeError
        When Parquet is asked for and pyarrow is not installed.
    """

    def __init__(self, staging: Staging):
        self._staging = staging
        #: The finished file, before it is delivered.
        self.path = Path(staging.path)
        #: The output the trace is delivered to.
        self.target = staging.target
        self.parquet = self.path.suffix.lower() == ".parquet"
        if self.parquet and not parquet_available():
            raise RuntimeError(
                "writing Parquet needs pyarrow: pip install 'journeydsl[parquet]', or write a .csv trace"
            )
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(handle)
        #: Where the rows are written while the run lasts.
        self._temporary = Path(temporary)
        self.rows = 0
        self._batch: list[TraceRow] = []
        #: The CSV file and its writer (CSV), or pyarrow's ParquetWriter once a batch is written (Parquet).
        self._stream: TextIO | None = None
        self._csv: CsvWriter | None = None
        self._parquet: Any = None

    def __enter__(self) -> TraceWriter:
        if not self.parquet:
            self._stream = open(self._temporary, "w", newline="", encoding="utf-8")  # noqa: SIM115
            self._csv = csv.writer(self._stream, lineterminator="\n")
            self._csv.writerow(TRACE_COLUMNS)
        return self

    def __call__(self, row: TraceRow) -> None:
        """Write one row (CSV at once, Parquet in batches)."""
        self.rows += 1
        if not self.parquet:
            if self._csv is None:
                raise RuntimeError("a TraceWriter writes inside a with block")
            self._csv.writerow(_csv_row(row))
            return
        self._batch.append(row)
        if len(self._batch) >= _BATCH:
            self._flush_parquet()

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns: list[tuple[object, ...]] = (
            list(zip(*self._batch, strict=True)) if self._batch else [() for _ in TRACE_COLUMNS]
        )
        table = pa.table({name: list(values) for name, values in zip(TRACE_COLUMNS, columns, strict=True)})
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._temporary, table.schema)
        self._parquet.write_table(table)
        self._batch = []

    def _close(self) -> None:
        """Finish the file: the last Parquet batch (or an empty table), the CSV stream closed."""
        if self.parquet:
            if self._batch or self._parquet is None:
                self._flush_parquet()
            self._parquet.close()
        elif self._stream is not None:
            self._stream.close()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self._close()
                os.replace(self._temporary, self.path)
                self._staging.deliver()
            else:  # the run failed: the file goes, and the error raised is the run's own
                with contextlib.suppress(Exception):
                    if self._parquet is not None:
                        self._parquet.close()
                    if self._stream is not None:
                        self._stream.close()
        finally:
            self._temporary.unlink(missing_ok=True)
            self._staging.discard()


def _csv_row(row: TraceRow) -> tuple[object, ...]:
    """A row as written to CSV: numbers with six significant digits, names safe from formula injection."""
    return tuple(f"{v:.6g}" if isinstance(v, float) else csv_cell(v) for v in row)
