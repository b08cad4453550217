"""The per-visit trace: one row per customer per touchpoint, streamed to CSV (or Parquet).

Rows are written as the simulation produces them, into a temporary file that
replaces the target only when the run finishes, so a trace is whole or absent.
Parquet needs the optional ``parquet`` extra (pyarrow).
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from ..lang.escape import csv_cell
from .engine import TRACE_COLUMNS, TraceRow

if TYPE_CHECKING:
    from _csv import Writer as CsvWriter

__all__ = ["TraceWriter", "parquet_available"]

_BATCH = 50_000


def parquet_available() -> bool:
    """True when pyarrow is installed (``pip install 'journeydsl[parquet]'``)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


class TraceWriter:
    """A callable that takes trace rows; use as a context manager.

    Parameters
    ----------
    path : path-like
        Target file; ``.parquet`` writes Parquet, anything else CSV.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.parquet = self.path.suffix.lower() == ".parquet"
        if self.parquet and not parquet_available():
            raise RuntimeError(
                "writing Parquet needs pyarrow: pip install 'journeydsl[parquet]', or write a .csv trace"
            )
        handle, self._temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent or "."
        )
        os.close(handle)
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

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if self.parquet:
                if self._batch or self._parquet is None:
                    self._flush_parquet()
                self._parquet.close()
            elif self._stream is not None:
                self._stream.close()
            if kind is None:
                os.replace(self._temporary, self.path)
        finally:
            if os.path.exists(self._temporary):
                os.unlink(self._temporary)


def _csv_row(row: TraceRow) -> tuple[object, ...]:
    """A row as written to CSV: numbers with six significant digits, names safe from formula injection."""
    return tuple(f"{v:.6g}" if isinstance(v, float) else csv_cell(v) for v in row)
