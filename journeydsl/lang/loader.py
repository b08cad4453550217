"""Files to model: read, decode, parse, transform, and resolve ``import`` statements.

Imports are resolved relative to the importing file and must stay inside the
project's directory tree (by default the directory of the file being loaded).
Each library is read once however often it is imported; a cycle is reported
with the chain of files that forms it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .diagnostics import Diagnostic
from .model import Document, Import, Journey, Library, Span
from .parser import decode_source, parse_text
from .transform import to_document

__all__ = ["Loaded", "load_file", "load_text", "display_name"]


@dataclass
class Loaded:
    """What loading produced: the journey (if the file parsed), diagnostics, and source texts."""

    journey: Journey | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    library: Library | None = None


def display_name(path: Path) -> str:
    """A path as users should see it: relative to the working directory when below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def load_text(text: str, file: str = "<string>", base: Path | None = None, root: Path | None = None) -> Loaded:
    """Load journey text; imports resolve against ``base`` (default: the working directory)."""
    loader = _Loader(root=(root or base or Path.cwd()).resolve())
    return loader.finish(loader.document_from_text(text, file, (base or Path.cwd()).resolve(), ()))


def load_file(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Loaded:
    """Load a ``.journey`` file and everything it imports."""
    location = Path(path)
    name = display_name(location) if not str(path).startswith("<") else str(path)
    project = Path(root).resolve() if root else location.resolve().parent
    loader = _Loader(root=project)
    try:
        data = location.read_bytes()
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        loaded = Loaded(None, [Diagnostic("JD009", f"cannot read `{name}`: {reason}", Span(name, 1, 1, 1, 1))])
        return loaded
    text, problems = decode_source(data, name)
    if text is None:
        # Show the offending line with the undecodable bytes replaced.
        return Loaded(None, problems, {name: data[: 1 << 20].decode("utf-8", "replace")})
    resolved = location.resolve()
    return loader.finish(loader.document_from_text(text, name, resolved.parent, (resolved,)))


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

    def document_from_text(self, text: str, file: str, folder: Path, chain: tuple[Path, ...]) -> Document | None:
        self.sources[file] = text
        tree, problems = parse_text(text, file)
        self.diagnostics.extend(problems)
        if tree is None:
            return None
        document = to_document(tree, file, text)
        imported = [lib for imp in document.imports if (lib := self.resolve(imp, folder, chain)) is not None]
        if imported and document.body is not None:
            document = replace(document, body=_merge(document.body, imported))
        return document

    def resolve(self, statement: Import, folder: Path, chain: tuple[Path, ...]) -> Library | None:
        target = (folder / statement.path).resolve()
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
        if not target.is_file():
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
        try:
            data = target.read_bytes()
        except OSError as error:
            self.diagnostics.append(Diagnostic("JD009", f"cannot read `{name}`: {error.strerror}", statement.span))
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


def _merge(body: Journey | Library, libraries: list[Library]) -> Journey | Library:
    """Put imported definitions before the importing file's own (each library once)."""
    unique = list({id(lib): lib for lib in libraries}.values())
    merged = {
        key: tuple(item for lib in unique for item in getattr(lib, key)) + getattr(body, key)
        for key in ("factors", "segments", "touchpoints", "care", "params")
    }
    return replace(body, **merged)
