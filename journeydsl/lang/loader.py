"""Files to model: read, decode, parse, transform, and resolve ``import`` statements.

Imports are resolved relative to the importing file and must stay inside the
project's directory tree (by default the directory of the file being loaded).
Each library is read once however often it is imported; a cycle is reported
with the chain of files that forms it.

Only regular files are read, and at most :data:`~journeydsl.lang.parser.MAX_SOURCE_BYTES`
of them: a named pipe, a device or a socket is refused before a byte is read,
so that no path can make journeydsl wait forever or read without end.  Only
``.journey`` files can be imported.  A file's text goes into
:attr:`Loaded.sources` (from which diagnostics quote the offending line) only
when it is a journey: named ``*.journey``, or parsed as one.  A file that is
not UTF-8 text, or not a journey, is named in a diagnostic but never quoted.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

from .diagnostics import CODES, CONTROL_CHARACTER, Diagnostic, describe_character, printable
from .model import Document, Import, Journey, Library, Span
from .parser import MAX_SOURCE_BYTES, decode_source, parse_text, too_large
from .transform import to_document

__all__ = ["Loaded", "load_file", "load_text", "display_name", "read_source", "JOURNEY_SUFFIX"]

#: The suffix of journey files; only these can be imported, and only these are quoted in diagnostics.
JOURNEY_SUFFIX = ".journey"

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 20


@dataclass
class Loaded:
    """What loading produced: the journey (if the file parsed), diagnostics, and source texts."""

    journey: Journey | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    library: Library | None = None


def display_name(path: Path) -> str:
    """A path as users should see it: relative to the working directory when below it.

    Control characters (possible in file names) are written as escapes, so that a
    name cannot drive the terminal it is shown on.
    """
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return printable(str(path))
    return printable(str(path) if relative.startswith("..") else relative)


def _is_journey_file(path: Path) -> bool:
    return path.name.lower().endswith(JOURNEY_SUFFIX) and len(path.name) > len(JOURNEY_SUFFIX)


def _kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_source(path: Path, name: str, span: Span) -> tuple[bytes | None, list[Diagnostic]]:
    """Read a source file's bytes, refusing what cannot be a journey and reading no more than the limit.

    Parameters
    ----------
    path : Path
        The file to read.
    name : str
        The file as diagnostics name it.
    span : Span
        Where a problem is reported: the file itself, or the ``import`` that names it.

    Returns
    -------
    tuple
        The bytes (``None`` when refused) and the diagnostics: JD009 for a path that
        cannot be read or is not a regular file (a folder, a named pipe, a device, a
        socket: refused without reading, so nothing can block), JD011 for a file over
        :data:`~journeydsl.lang.parser.MAX_SOURCE_BYTES` (at most one byte more than
        the limit is read, whatever the file claims its size is).
    """

    def refused(reason: str, hint: str | None = None) -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic("JD009", f"cannot read `{name}`: {reason}", span, hint=hint)]

    def not_regular(mode: int) -> tuple[None, list[Diagnostic]]:
        if stat.S_ISDIR(mode):
            return refused(os.strerror(errno.EISDIR))  # "Is a directory", as reading a folder says
        return refused(
            f"it is {_kind_of(mode)}, not a regular file", "journeydsl reads journeys from regular files only"
        )

    try:
        info = os.stat(path)
    except (OSError, ValueError) as error:
        return refused(_reason(error))
    if not stat.S_ISREG(info.st_mode):
        return not_regular(info.st_mode)
    if info.st_size > MAX_SOURCE_BYTES:
        return None, [too_large(info.st_size, span)]
    chunks: list[bytes] = []
    size = 0
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as error:
        return refused(_reason(error))
    try:
        info = os.fstat(descriptor)  # what was opened, should the path have changed since
        if not stat.S_ISREG(info.st_mode):
            return not_regular(info.st_mode)
        while size <= MAX_SOURCE_BYTES:
            chunk = os.read(descriptor, min(_CHUNK, MAX_SOURCE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        return refused(_reason(error))
    finally:
        os.close(descriptor)
    if size > MAX_SOURCE_BYTES:
        return None, [too_large(max(size, info.st_size), span)]
    return b"".join(chunks), []


def _reason(error: Exception) -> str:
    reason = getattr(error, "strerror", None) or str(error)
    return printable(reason)


def load_text(text: str, file: str = "<string>", base: Path | None = None, root: Path | None = None) -> Loaded:
    """Load journey text; imports resolve against ``base`` (default: the working directory)."""
    loader = _Loader(root=(root or base or Path.cwd()).resolve())
    return loader.finish(loader.document_from_text(text, file, (base or Path.cwd()).resolve(), ()))


def load_file(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Loaded:
    """Load a ``.journey`` file and everything it imports."""
    location = Path(path)
    name = display_name(location) if not str(path).startswith("<") else printable(str(path))
    data, problems = read_source(location, name, Span(name, 1, 1, 1, 1))
    if data is None:
        return Loaded(None, problems)
    text, problems = decode_source(data, name)
    if text is None:
        return Loaded(None, problems)  # not text: named, never quoted
    resolved = location.resolve()
    project = Path(root).resolve() if root else resolved.parent
    loader = _Loader(root=project)
    document = loader.document_from_text(text, name, resolved.parent, (resolved,), quote=_is_journey_file(location))
    return loader.finish(document)


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: dict[str, str] = {}
        self.diagnostics: list[Diagnostic] = []
        self.libraries: dict[Path, Library | None] = {}

    def finish(self, document: Document | None) -> Loaded:
        body = document.body if document else None
        journey = body if isinstance(body, Journey) else None
        library = body if isinstance(body, Library) else None
        if document is not None and body is None and document.imports:
            self.diagnostics.append(
                Diagnostic(
                    "JD305",
                    "this file only imports: it declares no journey or library",
                    document.imports[0].span,
                    hint='add `journey "Name" { ... }` after the imports',
                )
            )
        return Loaded(journey, self.diagnostics, self.sources, library)

    def document_from_text(
        self, text: str, file: str, folder: Path, chain: tuple[Path, ...], quote: bool = True
    ) -> Document | None:
        """Parse one file's text and resolve its imports.

        ``quote`` is false for a file not named ``*.journey``: its text is kept
        (for the source hash, and for diagnostics to quote) only if it parses.
        """
        tree, problems = parse_text(text, file)
        if tree is None and not quote:
            self.diagnostics.extend(_unquoted(problem) for problem in problems)
            return None
        self.diagnostics.extend(problems)
        self.sources[file] = text
        if tree is None:
            return None
        document = to_document(tree, file, text)
        imported = [lib for imp in document.imports if (lib := self.resolve(imp, folder, chain)) is not None]
        if imported and document.body is not None:
            document = replace(document, body=_merge(document.body, imported))
        return document

    def resolve(self, statement: Import, folder: Path, chain: tuple[Path, ...]) -> Library | None:
        control = CONTROL_CHARACTER.search(statement.path)
        if control is not None:
            self.diagnostics.append(
                Diagnostic(
                    "JD012",
                    f"the import path holds the control character {describe_character(control.group())}",
                    statement.span,
                    hint="paths cannot hold control characters; write the file's name as it is",
                )
            )
            return None
        try:
            target = (folder / statement.path).resolve()
        except (OSError, ValueError, RuntimeError) as error:
            self.diagnostics.append(
                Diagnostic("JD009", f"cannot read `{printable(statement.path)}`: {_reason(error)}", statement.span)
            )
            return None
        if not target.is_relative_to(self.root):
            self.diagnostics.append(
                Diagnostic(
                    "JD402",
                    f"`{statement.path}` is outside the project folder `{display_name(self.root)}`",
                    statement.span,
                    hint="keep shared libraries inside the project, e.g. next to the journey",
                )
            )
            return None
        if target in chain:
            loop = " -> ".join(display_name(p) for p in (*chain[chain.index(target) :], target))
            self.diagnostics.append(
                Diagnostic(
                    "JD403",
                    f"import cycle: {loop}",
                    statement.span,
                    hint="a library must not import, directly or indirectly, the file that imports it",
                )
            )
            return None
        if target in self.libraries:
            return self.libraries[target]
        if not (_is_journey_file(Path(statement.path)) and _is_journey_file(target)):
            leads = "" if target.name == Path(statement.path).name else f" (it leads to `{display_name(target)}`)"
            self.diagnostics.append(
                Diagnostic(
                    "JD405",
                    f"`{statement.path}` is not a .journey file{leads}; only .journey files can be imported",
                    statement.span,
                    hint="put shared definitions in a `library { ... }` saved as a .journey file",
                )
            )
            return None
        if not target.exists():
            self.diagnostics.append(
                Diagnostic(
                    "JD401",
                    f"cannot find `{statement.path}` (looked for `{display_name(target)}`)",
                    statement.span,
                    hint="imports are relative to the file that imports them",
                )
            )
            return None
        name = display_name(target)
        data, problems = read_source(target, name, statement.span)
        if data is None:
            self.diagnostics.extend(problems)
            return None
        text, problems = decode_source(data, name)
        self.diagnostics.extend(problems)
        self.libraries[target] = None
        document = None if text is None else self.document_from_text(text, name, target.parent, (*chain, target))
        if document is None:
            return None
        if not isinstance(document.body, Library):
            what = "a journey" if isinstance(document.body, Journey) else "nothing"
            self.diagnostics.append(
                Diagnostic(
                    "JD404",
                    f"`{statement.path}` declares {what}; only a `library {{ ... }}` can be imported",
                    statement.span,
                    hint="move the shared segments and touchpoints into a `library` file",
                )
            )
            return None
        self.libraries[target] = document.body
        return document.body


def _unquoted(problem: Diagnostic) -> Diagnostic:
    """A syntax error in a file not named ``*.journey``, told without a word of the file's text."""
    return Diagnostic(
        problem.code,
        f"not a journey: {CODES[problem.code][1]} (the text of a file not named *.journey is not shown)",
        problem.span,
        hint="check that this is the right file; journeys are saved as .journey files",
    )


def _merge(body: Journey | Library, libraries: list[Library]) -> Journey | Library:
    """Put imported definitions before the importing file's own (each library once)."""
    unique = list({id(lib): lib for lib in libraries}.values())
    merged = {
        key: tuple(item for lib in unique for item in getattr(lib, key)) + getattr(body, key)
        for key in ("factors", "segments", "touchpoints", "care", "params")
    }
    return replace(body, **merged)
