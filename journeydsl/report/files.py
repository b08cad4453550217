"""Write output files whole or not at all, and never over a device, a link or an input.

What happens depends on what is at the path (links followed):

- a regular file, or nothing: the data goes into a hidden temporary file in
  the same folder (``.NAME.*.tmp``), which then replaces the target by a
  rename, so a reader never sees half a file and a failure leaves the old one
  as it was;
- a symbolic link: the same, at the file the link points to; the link stays;
- a device, a FIFO or an open descriptor (``/dev/null``, ``/dev/stdout``,
  ``/dev/fd/N``, ``/proc/self/fd/N``, or a link to one): the data is written
  through it, nothing is renamed (``/dev/null`` discards it, ``/dev/full``
  fails with "No space left on device", a FIFO's reader receives it, and
  ``/dev/stdout`` redirected to a file adds to that file like any output);
- ``-``: standard output;
- a file the command read (given in ``protected``, compared by device and
  inode, so hard links and links to it count): nothing is written and
  :class:`InputFileError` is raised.

:func:`write_atomically` writes data it holds; :class:`StagedFile` gives a
writer that streams a large file (a trace) a temporary place to build it, and
delivers it by the same rules.  Temporary files are removed on every way out
that runs Python code (errors, ``KeyboardInterrupt``, signals the application
turns into exceptions); only ``kill -9`` while one exists leaves it behind.

Examples
--------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> journey = os.path.join(folder, "shop.journey")
>>> write_atomically(journey, 'journey "Shop" { }')
>>> os.symlink(journey, os.path.join(folder, "link"))
>>> write_atomically(os.path.join(folder, "link"), "new text")
>>> os.path.islink(os.path.join(folder, "link")), open(journey).read()
(True, 'new text')
>>> write_atomically(os.path.join(folder, "link"), "", protected=[journey])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
journeydsl.report.files.InputFileError: [Errno 1] it is an input of this command: '...link'
>>> write_atomically(os.devnull, "discarded")
>>> sorted(os.listdir(folder))
['link', 'shop.journey']
"""

from __future__ import annotations

import errno
import io
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

__all__ = ["STDOUT", "InputFileError", "StagedFile", "refuse_input", "write_atomically"]

#: The path that means standard output.
STDOUT = "-"

PathLike = str | os.PathLike[str]

#: Paths that name an open file descriptor rather than a file: written through, never replaced.
_DESCRIPTOR = re.compile(r"^/(?:dev/fd|proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd)/\d+$|^/dev/std(?:in|out|err)$")


class InputFileError(OSError):
    """The output path is a file the same command reads; nothing was written.

    An :class:`OSError` (``errno.EPERM``), so callers that report unwritable
    outputs report this one the same way.
    """


def refuse_input(path: PathLike, protected: Iterable[PathLike]) -> None:
    """Raise :class:`InputFileError` when ``path`` is one of the ``protected`` regular files.

    Files are compared by device and inode (:func:`os.path.samestat`), so a
    symbolic or hard link to an input is the input.  Devices and FIFOs are
    never refused: writing to ``/dev/stdout`` while reading ``/dev/stdin``
    clobbers nothing.

    Parameters
    ----------
    path : str or os.PathLike
        Where an output is about to be written.
    protected : iterable of str or os.PathLike
        The files the command read; those that no longer exist are ignored.

    Raises
    ------
    InputFileError
        When ``path`` is one of them.
    """
    try:
        target = os.stat(path)
    except (OSError, ValueError):
        return
    if not stat.S_ISREG(target.st_mode):
        return
    for candidate in protected:
        try:
            same = os.path.samestat(target, os.stat(candidate))
        except (OSError, ValueError):
            continue
        if same:
            raise InputFileError(errno.EPERM, "it is an input of this command", os.fspath(path))


def write_atomically(path: PathLike, data: str | bytes, *, protected: Iterable[PathLike] = ()) -> None:
    """Write ``data`` to ``path`` whole or not at all, through a link, a device or a FIFO, never over an input.

    See the module's description for what happens to each kind of target.  A
    new or replaced file gets the permissions of the file it replaces, or those
    a new file would get under the user's umask.

    Parameters
    ----------
    path : str or os.PathLike
        The output; ``-`` is standard output.
    data : str or bytes
        The content; text is written as UTF-8.
    protected : iterable of str or os.PathLike
        Files the command read, which must not be overwritten.

    Raises
    ------
    InputFileError
        When ``path`` is one of ``protected`` (nothing is written).
    OSError
        When the file cannot be written (any previous file is left as it was).
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if os.fspath(path) == STDOUT:
        _to_standard_output(io.BytesIO(payload))
        return
    refuse_input(path, protected)
    if _written_through(path):
        with open(path, "ab") as stream:  # appending: through a descriptor, after what is already there
            stream.write(payload)
        return
    target = Path(os.path.realpath(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(temporary, _mode_for(target))
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        _remove(temporary)
        raise


class StagedFile:
    """A file built at a temporary path, then delivered whole to its target; for writers that stream a large file.

    :attr:`path` lies in a hidden temporary folder (``.NAME.*.tmp``) next to
    the file the target stands for (a link's target), and has the target's
    name, so a writer can go by the suffix.  :meth:`deliver` moves the finished
    file onto the target by a rename, or copies it through a device, FIFO or
    descriptor (the temporary folder then lies in the system's temporary
    folder) or into standard output for ``-``.  Leaving the ``with`` block, or
    :meth:`discard`, removes the temporary folder, so a failed or interrupted
    run leaves nothing behind and the target as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The output; ``-`` is standard output.
    protected : iterable of str or os.PathLike
        Files the command read, which must not be overwritten.

    Raises
    ------
    InputFileError
        When ``path`` is one of ``protected``.
    OSError
        When the temporary folder cannot be made.

    Examples
    --------
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "trace.csv")
    >>> with StagedFile(target) as staged:
    ...     _ = staged.path.write_text("a,b\\n")
    ...     staged.path.name, os.path.exists(target)
    ...     staged.deliver()
    ('trace.csv', False)
    >>> open(target).read(), os.listdir(os.path.dirname(target))
    ('a,b\\n', ['trace.csv'])
    """

    def __init__(self, path: PathLike, *, protected: Iterable[PathLike] = ()) -> None:
        self.target = path
        self._to_stdout = os.fspath(path) == STDOUT
        if not self._to_stdout:
            refuse_input(path, protected)
        self._through = self._to_stdout or _written_through(path)
        real = Path(os.path.realpath(path))
        name = "output" if self._to_stdout else real.name
        self._folder = Path(
            tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=None if self._through else real.parent)
        )
        self._real = real
        #: Where to build the file.
        self.path = self._folder / name

    def __enter__(self) -> StagedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def deliver(self) -> None:
        """Put the finished file at the target (see the class description), then remove the temporary folder.

        Raises
        ------
        OSError
            When it cannot be delivered; the target is then as it was, unless
            it is a device or FIFO that took part of the data.
        """
        try:
            if self._to_stdout:
                with open(self.path, "rb") as source:
                    _to_standard_output(source)
            elif self._through:
                with open(self.path, "rb") as source, open(self.target, "ab") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
            else:
                os.chmod(self.path, _mode_for(self._real))
                os.replace(self.path, self._real)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary folder and what is in it (done on leaving the ``with`` block)."""
        shutil.rmtree(self._folder, ignore_errors=True)


def _written_through(path: PathLike) -> bool:
    """True when ``path`` is a device, FIFO, socket or descriptor: written into, never replaced."""
    if _names_descriptor(path):
        return True
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    return not stat.S_ISREG(mode)


def _names_descriptor(path: PathLike) -> bool:
    """True when ``path``, or a link on the way from it, names an open descriptor (``/dev/stdout``)."""
    current = os.path.abspath(path)
    for _ in range(40):
        if _DESCRIPTOR.match(current):
            return True
        try:
            link = os.readlink(current)
        except (OSError, ValueError):
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return False


def _to_standard_output(source: BinaryIO) -> None:
    """Copy a binary stream into standard output, after any text already printed there."""
    sys.stdout.flush()
    sink = getattr(sys.stdout, "buffer", None)
    if sink is None:  # a text-only stand-in for standard output
        sys.stdout.write(source.read().decode("utf-8", "replace"))
        sys.stdout.flush()
        return
    shutil.copyfileobj(source, sink, 1 << 20)
    sink.flush()


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove(path: PathLike) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
