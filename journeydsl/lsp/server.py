"""The language server for ``.journey`` files (pygls): what ``journey lsp`` runs.

Each open document is checked on every change with :func:`journeydsl.api.check_text`,
exactly as ``journey check`` checks the file (imports resolved from the file's
folder, which is also the project root), and the diagnostics are published with
the same codes, messages and spans; the hint ends the message and related spans
("first defined here") become related information.  A problem found in an
imported file is shown at the ``import`` that brings it in.

Names are looked up in an :class:`~journeydsl.lsp.index.Index` built from the
model's spans.  While a line is being typed the text rarely parses, so hover,
completion and the outline use the last text that parsed; definition, references
and rename use only an index of the current text (rename refuses otherwise).

pygls is imported here and only here: ``journey lsp`` imports this module when it
runs, so that journeydsl works without the ``lsp`` extra.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import PositionCodec

from .. import api
from .._version import __version__
from ..lang.diagnostics import WARNING, Diagnostic
from ..lang.loader import JOURNEY_SUFFIX, display_name, load_text
from ..lang.model import Journey, Span
from ..lang.vocabulary import DISTRIBUTIONS
from .complete import Candidate, code_only, complete, distribution_call, partial_word
from .figures import recent_results, source_hash
from .hover import hover_text
from .index import NAME_PATTERN, RENAMEABLE, Index, Occurrence, build_index, written_name
from .knowledge import ALL_KEYWORDS, diagnostic_link

__all__ = ["JourneyLanguageServer", "build_server", "run"]

#: How the server calls itself in messages, and where the diagnostics come from.
SOURCE = "journeydsl"

#: A check quicker than this (seconds) runs on every change; a slower one waits for typing to pause.
QUICK_CHECK = 0.05
#: How long typing must pause (seconds) before a slow document is checked again.
SETTLE = 0.2

#: The kinds of names that are defined and referred to (the rest are words of the language).
NAMED_KINDS = ("stage", "touchpoint", "segment", "design", "episode")

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*|->")

_COMPLETION_KINDS = {
    "keyword": lsp.CompletionItemKind.Keyword,
    "snippet": lsp.CompletionItemKind.Snippet,
    "stage": lsp.CompletionItemKind.Module,
    "touchpoint": lsp.CompletionItemKind.Function,
    "segment": lsp.CompletionItemKind.Class,
    "design": lsp.CompletionItemKind.Constant,
    "episode": lsp.CompletionItemKind.Event,
    "word": lsp.CompletionItemKind.EnumMember,
    "setting": lsp.CompletionItemKind.Property,
    "file": lsp.CompletionItemKind.File,
}


class _RequestFailed(JsonRpcException):
    """The LSP's RequestFailed (-32803): the request was understood but cannot be done."""

    CODE = -32803
    MESSAGE = "request failed"


@dataclass
class Analysis:
    """One version of a document, checked and indexed."""

    text: str
    file: str
    folder: Path
    diagnostics: list[Diagnostic]
    sources: dict[str, str]
    index: Index | None
    last_good: Index | None

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines as the parser counts them (split at line feeds only)."""
        return self.text.split("\n")


class JourneyLanguageServer(LanguageServer):
    """A pygls server that keeps each open ``.journey`` document checked and indexed."""

    def __init__(self, root: Path | None = None, allow_large: bool = False) -> None:
        super().__init__("journeydsl", __version__)
        #: The project folder imports must stay inside (``None``: each document's own folder).
        self.root = root.resolve() if root is not None else None
        #: Run-size errors (JD218, JD306) become warnings, as with ``journey check --allow-large``.
        self.allow_large = allow_large
        self.analyses: dict[str, Analysis] = {}
        #: Checks waiting to run after a burst of changes, by document.
        self.pending: dict[str, asyncio.TimerHandle] = {}
        #: How long the last check of each document took, in seconds.
        self.check_seconds: dict[str, float] = {}

    # ---- documents -----------------------------------------------------------------
    def where(self, uri: str) -> tuple[str, Path]:
        """The name a document is checked under (as ``journey check`` names it) and its folder."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path is None:
            return "<untitled>", Path.cwd()
        location = Path(path)
        return display_name(location), location.resolve().parent

    def analysis(self, uri: str) -> Analysis:
        """The analysis of a document's current text, made now if the text changed."""
        text = self.workspace.get_text_document(uri).source
        known = self.analyses.get(uri)
        if known is not None and known.text == text:
            return known
        file, folder = self.where(uri)
        started = time.perf_counter()
        result = self.check(text, file, folder)
        body = result.journey or result.library
        index = build_index(body, file, text) if body is not None else None
        last_good = index if index is not None else (known.last_good if known is not None else None)
        analysis = Analysis(text, file, folder, list(result.diagnostics), dict(result.sources), index, last_good)
        self.analyses[uri] = analysis
        self.check_seconds[uri] = time.perf_counter() - started
        return analysis

    def check(self, text: str, file: str, folder: Path) -> api.CheckResult:
        """Check a document's text exactly as ``journey check`` checks the file (with its ``--root``, ``--allow-large``)."""
        if self.root is None:
            return api.check_text(text, file, base=folder, allow_large=self.allow_large)
        # `api.check_text` takes no project root; these are the steps it takes, with one.
        with api._collector_paused():
            return api._checked(load_text(text, file, folder, self.root), self.allow_large)

    def schedule(self, uri: str) -> None:
        """Check a changed document: at once when checking it is quick, else once typing pauses.

        A document whose last check took more than :data:`QUICK_CHECK` seconds is checked
        :data:`SETTLE` seconds after the last change of a burst, so that a large file is not
        checked once per keystroke while the changes queue up behind the checks.
        """
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        if self.check_seconds.get(uri, 0.0) <= QUICK_CHECK:
            self.publish(uri)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.publish(uri)
            return
        self.pending[uri] = loop.call_later(SETTLE, self._settled, uri)

    def _settled(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri in self.analyses:  # still open
            self.publish(uri)

    def recheck_all(self) -> None:
        """Check every open document again (the files they import may have changed on disk)."""
        for uri in list(self.analyses):
            self.analyses.pop(uri, None)
            self.publish(uri)

    def publish(self, uri: str) -> None:
        """Check a document and publish its diagnostics.

        A failure of the checker itself (a bug, never a problem of the journey) is logged to the
        client and leaves the last diagnostics standing, so the server keeps serving.
        """
        try:
            analysis = self.analysis(uri)
        except Exception as error:  # keep the editor's session alive whatever the checker does
            logging.getLogger(__name__).exception("checking %s failed", uri)
            self.window_log_message(
                lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"journeydsl: checking failed: {error!r}")
            )
            return
        document = self.workspace.get_text_document(uri)
        diagnostics = [self.to_lsp(analysis, d) for d in analysis.diagnostics]
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
        )

    # ---- positions -----------------------------------------------------------------
    def to_range(self, lines: list[str], span: Span) -> lsp.Range:
        """A model span (1-based code points) as an LSP range in the client's units."""
        codec = self.workspace.position_codec
        start_line, end_line = max(span.line - 1, 0), max(span.end_line - 1, 0)

        def units(line: int, column: int) -> int:
            text = lines[line] if line < len(lines) else ""
            return int(codec.client_num_units(text[: max(column - 1, 0)]))

        return lsp.Range(
            start=lsp.Position(line=start_line, character=units(start_line, span.column)),
            end=lsp.Position(line=end_line, character=units(end_line, span.end_column)),
        )

    def span_range(self, analysis: Analysis, span: Span) -> lsp.Range:
        """A span's range, measured in the text of the file it points into."""
        if span.file == analysis.file:
            return self.to_range(analysis.lines, span)
        text = analysis.sources.get(span.file)
        return self.to_range(text.split("\n") if text is not None else [], span)

    def from_position(self, analysis: Analysis, position: lsp.Position) -> tuple[int, int]:
        """An LSP position as the model's 1-based line and column."""
        codec = self.workspace.position_codec
        lines = analysis.lines
        server = codec.position_from_client_units(lines, lsp.Position(position.line, position.character))
        return server.line + 1, server.character + 1

    def span_uri(self, analysis: Analysis, span: Span, uri: str) -> str:
        """The URI of the file a span points into."""
        if span.file == analysis.file:
            return uri
        return str(from_fs_path(str((Path.cwd() / span.file).resolve())))

    # ---- diagnostics ---------------------------------------------------------------
    def to_lsp(self, analysis: Analysis, diagnostic: Diagnostic) -> lsp.Diagnostic:
        """A journeydsl diagnostic as an LSP one (a problem in an imported file: at its import)."""
        uri = self.uri_of(analysis)
        message = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
        related = [
            lsp.DiagnosticRelatedInformation(
                location=lsp.Location(uri=self.span_uri(analysis, span, uri), range=self.span_range(analysis, span)),
                message=text,
            )
            for text, span in diagnostic.related
            if span.line >= 1
        ]
        span = diagnostic.span
        if span.file != analysis.file and span.line >= 1:
            related.insert(
                0,
                lsp.DiagnosticRelatedInformation(
                    location=lsp.Location(
                        uri=self.span_uri(analysis, span, uri), range=self.span_range(analysis, span)
                    ),
                    message=diagnostic.message,
                ),
            )
            message = f"in {span.file}: {message}"
            span = self.import_leading_to(analysis, span.file)
        link = diagnostic_link(diagnostic.code)
        described = lsp.CodeDescription(href=link) if link is not None else None
        return lsp.Diagnostic(
            range=self.to_range(analysis.lines, span)
            if span.line >= 1
            else lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
            message=message,
            severity=lsp.DiagnosticSeverity.Warning if diagnostic.severity == WARNING else lsp.DiagnosticSeverity.Error,
            code=diagnostic.code,
            code_description=described,
            source=SOURCE,
            related_information=related or None,
        )

    def import_leading_to(self, analysis: Analysis, file: str) -> Span:
        """The span of the ``import`` of this document that leads to ``file`` (else the first import)."""
        imports = [o for o in (analysis.index.occurrences if analysis.index else ()) if o.kind == "import"]
        for occurrence in imports:
            target = (analysis.folder / occurrence.name).resolve()
            if display_name(target) == file:
                return occurrence.span
        return imports[0].span if imports else Span(analysis.file, 1, 1, 1, 1)

    def uri_of(self, analysis: Analysis) -> str:
        """The URI of an analysed document."""
        for uri, known in self.analyses.items():
            if known is analysis:
                return uri
        return str(from_fs_path(str(analysis.folder / analysis.file)))

    # ---- names at a position -------------------------------------------------------
    def at(
        self, uri: str, position: lsp.Position, current: bool = True
    ) -> tuple[Analysis, Index | None, Occurrence | None]:
        """The document, the index used, and the name under a position.

        ``current`` asks for an index of the current text only (definition,
        references, rename); otherwise the last text that parsed will do.
        """
        analysis = self.analysis(uri)
        index = analysis.index if current else (analysis.index or analysis.last_good)
        line, column = self.from_position(analysis, position)
        found = index.at(line, column) if index is not None else None
        if found is not None and index is not analysis.index and not _still_there(analysis, found):
            found = None  # an earlier text had a name here; the text has moved since
        return analysis, index, found

    def word_at(self, analysis: Analysis, position: lsp.Position) -> tuple[str | None, lsp.Range | None]:
        """The keyword-like word under a position, with its range."""
        line, column = self.from_position(analysis, position)
        lines = analysis.lines
        if not 1 <= line <= len(lines):
            return None, None
        for match in _WORD.finditer(code_only(lines[line - 1])):  # not in a quoted name or a comment
            if match.start() + 1 <= column <= match.end() + 1:
                span = Span(analysis.file, line, match.start() + 1, line, match.end() + 1)
                return match.group(), self.to_range(lines, span)
        return None, None

    def location(self, analysis: Analysis, uri: str, occurrence: Occurrence) -> lsp.Location:
        """Where an occurrence stands, as an LSP location."""
        return lsp.Location(
            uri=self.span_uri(analysis, occurrence.span, uri), range=self.span_range(analysis, occurrence.span)
        )


def _still_there(analysis: Analysis, occurrence: Occurrence) -> bool:
    """True when the current text still has an occurrence's name at its span (one from an earlier text)."""
    span = occurrence.span
    if span.file != analysis.file:
        return True
    if not 1 <= span.line == span.end_line <= len(analysis.lines):
        return False
    written = analysis.lines[span.line - 1][span.column - 1 : span.end_column - 1]
    return written in (occurrence.name, written_name(occurrence.name), occurrence.name.rsplit(".", 1)[-1])


#: The hint of a misspelling: ``did you mean `advice`?``.
_DID_YOU_MEAN = re.compile(r"hint: did you mean `([^`\n]+)`\?")
#: What a quick fix may replace: one word or one quoted name.
_ONE_TOKEN = re.compile(r'[A-Za-z_][\w\-]*|"(?:[^"\\\n]|\\.)*"')


def _did_you_mean(analysis: Analysis, diagnostic: lsp.Diagnostic, codec: PositionCodec) -> str | None:
    """The replacement a diagnostic's did-you-mean hint suggests, when it replaces exactly one word of the text."""
    if diagnostic.source != SOURCE or diagnostic.range.start.line != diagnostic.range.end.line:
        return None
    suggested = _DID_YOU_MEAN.search(diagnostic.message)
    if suggested is None:
        return None
    lines = analysis.lines
    first, last = diagnostic.range.start, diagnostic.range.end
    start = codec.position_from_client_units(lines, lsp.Position(first.line, first.character))
    end = codec.position_from_client_units(lines, lsp.Position(last.line, last.character))
    if start.line >= len(lines):
        return None
    written = lines[start.line][start.character : end.character]
    if not _ONE_TOKEN.fullmatch(written):
        return None
    word = suggested.group(1)
    return word if _ONE_TOKEN.fullmatch(word) and not word.startswith('"') else written_name(word)


def _import_target(analysis: Analysis, occurrence: Occurrence) -> lsp.Location | None:
    target = (analysis.folder / occurrence.name).resolve()
    if not target.is_file():
        return None
    start = lsp.Position(line=0, character=0)
    return lsp.Location(uri=str(from_fs_path(str(target))), range=lsp.Range(start=start, end=start))


def _symbols(server: JourneyLanguageServer, analysis: Analysis, index: Index) -> list[lsp.DocumentSymbol]:
    """The outline: stages with their touchpoints, library touchpoints, care, segments, designs, episodes."""
    lines = analysis.lines
    mine = [o for o in index.occurrences if o.definition and o.span.file == analysis.file]

    def symbol(
        occurrence: Occurrence, kind: lsp.SymbolKind, children: list[lsp.DocumentSymbol] | None = None
    ) -> lsp.DocumentSymbol:
        item = occurrence.item
        whole = getattr(item, "span", occurrence.span)
        if whole.file != analysis.file or whole.line < 1:
            whole = occurrence.span
        selection = server.to_range(lines, occurrence.span)
        full = server.to_range(lines, whole)
        return lsp.DocumentSymbol(
            name=occurrence.name or "(unnamed)",
            detail=occurrence.detail or None,
            kind=kind,
            range=full,
            selection_range=selection,
            children=children,
        )

    symbols: list[lsp.DocumentSymbol] = []
    for occurrence in mine:
        if occurrence.kind == "stage":
            inside = [
                symbol(o, lsp.SymbolKind.Method)
                for o in mine
                if o.kind == "touchpoint"
                and getattr(o.item, "stage", None) == occurrence.name
                and o.detail.startswith("touchpoint in stage")
            ]
            symbols.append(symbol(occurrence, lsp.SymbolKind.Class, inside))
        elif occurrence.kind == "touchpoint" and not occurrence.detail.startswith(("touchpoint in stage", "added by")):
            symbols.append(symbol(occurrence, lsp.SymbolKind.Function))
        elif occurrence.kind == "segment":
            symbols.append(symbol(occurrence, lsp.SymbolKind.Struct))
        elif occurrence.kind == "design":
            added = [
                symbol(o, lsp.SymbolKind.Method)
                for o in mine
                if o.kind == "touchpoint" and o.detail == f"added by design {occurrence.name}"
            ]
            symbols.append(symbol(occurrence, lsp.SymbolKind.Namespace, added))
        elif occurrence.kind == "episode":
            symbols.append(symbol(occurrence, lsp.SymbolKind.Event))
    symbols.sort(key=lambda s: (s.range.start.line, s.range.start.character))
    return symbols


def _refusal(index: Index, occurrence: Occurrence | None, file: str) -> str | None:
    """Why the name under the cursor cannot be renamed, or ``None`` when it can."""
    if occurrence is None or occurrence.kind not in RENAMEABLE:
        return "only stages, touchpoints and segments can be renamed; put the cursor on one's name"
    definitions = index.definitions(occurrence.kind, occurrence.name)
    if not definitions:
        return f"{occurrence.kind} `{occurrence.name}` is not defined, so it cannot be renamed"
    if any(d.span.file != file for d in definitions):
        return f"{occurrence.kind} `{occurrence.name}` is defined in an imported file; rename it there"
    return None


def _new_name_problem(index: Index, occurrence: Occurrence, new_name: str) -> str | None:
    if not NAME_PATTERN.fullmatch(new_name):
        return f"`{new_name}` is not a name: use letters, digits, `_` and inner `-`, starting with a letter or `_`"
    if new_name in ALL_KEYWORDS or new_name in ("exit", "baseline"):
        return f"`{new_name}` is a keyword of the journey language"
    if new_name == occurrence.name:
        return None
    kinds = ("touchpoint",) if occurrence.kind == "touchpoint" else (occurrence.kind,)
    for kind in kinds:
        if new_name in index.names(kind):
            return f"a {kind} named `{new_name}` already exists"
    return None


def build_server(root: Path | None = None, allow_large: bool = False) -> JourneyLanguageServer:
    """A language server with every feature registered, ready for :meth:`start_io`.

    Parameters
    ----------
    root : Path, optional
        The project folder imports must stay inside (default: each document's folder).
    allow_large : bool
        Report run-size errors as warnings, as ``journey check --allow-large`` does.
    """
    server = JourneyLanguageServer(root, allow_large)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: JourneyLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: JourneyLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: JourneyLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        # A saved library changes the journeys that import it: check every open document again.
        ls.recheck_all()
        if params.text_document.uri not in ls.analyses:
            ls.publish(params.text_document.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: JourneyLanguageServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        # A journey file changed on disk (a library edited elsewhere, a branch checked out).
        if any(change.uri.endswith(JOURNEY_SUFFIX) for change in params.changes):
            ls.recheck_all()

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: JourneyLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        waiting = ls.pending.pop(params.text_document.uri, None)
        if waiting is not None:
            waiting.cancel()
        ls.analyses.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: JourneyLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
        uri = params.text_document.uri
        analysis, index, occurrence = ls.at(uri, params.position, current=False)
        word, word_range = ls.word_at(analysis, params.position)
        figures = None
        if occurrence is not None and occurrence.kind in ("touchpoint", "stage", "segment") and index is not None:
            body = index.body
            if isinstance(body, Journey) and uri.startswith("file:"):
                figures = recent_results(analysis.folder, body.name, source_hash(analysis.sources))
        text = hover_text(index, occurrence, word, figures, analysis.folder)
        if text is None:
            return None
        where = (
            ls.to_range(analysis.lines, occurrence.span)
            if occurrence is not None and occurrence.span.file == analysis.file
            else word_range
        )
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text), range=where)

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=[">", ":", " ", '"']),
    )
    def completion(ls: JourneyLanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        analysis = ls.analysis(params.text_document.uri)
        lines = analysis.lines
        line, column = ls.from_position(analysis, params.position)
        line = min(line, len(lines))
        before = "\n".join([*lines[: line - 1], lines[line - 1][: column - 1]])
        uri = params.text_document.uri
        document = Path(to_fs_path(uri) or "") if uri.startswith("file:") else None
        folder = analysis.folder if document is not None else None
        candidates = complete(before, analysis.index or analysis.last_good, folder, document)
        partial = partial_word(lines[line - 1][: column - 1])
        span = Span(analysis.file, line, column - len(partial), line, column)
        replaced = ls.to_range(lines, span)
        items = [_completion_item(c, replaced, order) for order, c in enumerate(candidates)]
        return lsp.CompletionList(is_incomplete=False, items=items)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: JourneyLanguageServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        uri = params.text_document.uri
        analysis, index, occurrence = ls.at(uri, params.position)
        if index is None or occurrence is None:
            return None
        if occurrence.kind == "import":
            target = _import_target(analysis, occurrence)
            return [target] if target is not None else None
        found = [ls.location(analysis, uri, d) for d in index.definitions(occurrence.kind, occurrence.name)]
        return found or None

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: JourneyLanguageServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        uri = params.text_document.uri
        analysis, index, occurrence = ls.at(uri, params.position)
        if index is None or occurrence is None or occurrence.kind not in (*NAMED_KINDS, "import"):
            return None
        if occurrence.kind == "import":
            return [
                ls.location(analysis, uri, o)
                for o in index.occurrences
                if o.kind == "import" and o.name == occurrence.name
            ]
        found = index.references(occurrence.kind, occurrence.name, params.context.include_declaration)
        return [ls.location(analysis, uri, o) for o in found]

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    def document_highlight(
        ls: JourneyLanguageServer, params: lsp.DocumentHighlightParams
    ) -> list[lsp.DocumentHighlight] | None:
        analysis, index, occurrence = ls.at(params.text_document.uri, params.position)
        if index is None or occurrence is None or occurrence.kind not in NAMED_KINDS:
            return None
        return [
            lsp.DocumentHighlight(
                range=ls.to_range(analysis.lines, o.span),
                kind=lsp.DocumentHighlightKind.Write if o.definition else lsp.DocumentHighlightKind.Read,
            )
            for o in index.references(occurrence.kind, occurrence.name)
            if o.span.file == analysis.file
        ]

    @server.feature(lsp.TEXT_DOCUMENT_SIGNATURE_HELP, lsp.SignatureHelpOptions(trigger_characters=["(", ","]))
    def signature_help(ls: JourneyLanguageServer, params: lsp.SignatureHelpParams) -> lsp.SignatureHelp | None:
        analysis = ls.analysis(params.text_document.uri)
        line, column = ls.from_position(analysis, params.position)
        if not 1 <= line <= len(analysis.lines):
            return None
        found = distribution_call(code_only(analysis.lines[line - 1][: column - 1]))
        if found is None:
            return None
        name, argument = found
        _, parameters = DISTRIBUTIONS[name]
        label = f"{name}({', '.join(parameters)})"
        return lsp.SignatureHelp(
            signatures=[
                lsp.SignatureInformation(
                    label=label,
                    documentation=f"a duration drawn from the {name} distribution; times take a unit, e.g. 3 min",
                    parameters=[lsp.ParameterInformation(label=p) for p in parameters],
                )
            ],
            active_signature=0,
            active_parameter=min(argument, len(parameters) - 1),
        )

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: JourneyLanguageServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        analysis = ls.analysis(params.text_document.uri)
        index = analysis.index or analysis.last_good
        if index is None:
            return []
        if index is not analysis.index:
            # Spans of an earlier text: keep only the names still standing where they stood.
            index = Index(index.file, index.body, [o for o in index.occurrences if _still_there(analysis, o)])
        return _symbols(ls, analysis, index)

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(
        ls: JourneyLanguageServer, params: lsp.PrepareRenameParams
    ) -> lsp.PrepareRenamePlaceholder | None:
        analysis, index, occurrence = ls.at(params.text_document.uri, params.position)
        if index is None:
            raise _RequestFailed(message="fix the syntax errors first: rename needs a journey that parses")
        problem = _refusal(index, occurrence, analysis.file)
        if problem is not None or occurrence is None:
            raise _RequestFailed(message=problem)
        return lsp.PrepareRenamePlaceholder(
            range=ls.to_range(analysis.lines, occurrence.span), placeholder=occurrence.name
        )

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def rename(ls: JourneyLanguageServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        uri = params.text_document.uri
        analysis, index, occurrence = ls.at(uri, params.position)
        if index is None:
            raise _RequestFailed(message="fix the syntax errors first: rename needs a journey that parses")
        problem = _refusal(index, occurrence, analysis.file)
        if problem is not None or occurrence is None:
            raise _RequestFailed(message=problem)
        new_name = params.new_name.strip()
        if new_name.startswith('"') and new_name.endswith('"') and len(new_name) >= 2:
            new_name = new_name[1:-1]
        invalid = _new_name_problem(index, occurrence, new_name)
        if invalid is not None:
            raise JsonRpcInvalidParams(message=invalid)
        written = written_name(new_name)
        edits = [
            lsp.TextEdit(range=ls.to_range(analysis.lines, o.span), new_text=written)
            for o in index.references(occurrence.kind, occurrence.name)
            if o.span.file == analysis.file
        ]
        return lsp.WorkspaceEdit(changes={uri: edits})

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
    )
    def code_action(ls: JourneyLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        actions = []
        for diagnostic in params.context.diagnostics:
            fix = _did_you_mean(analysis, diagnostic, ls.workspace.position_codec)
            if fix is None:
                continue
            actions.append(
                lsp.CodeAction(
                    title=f"Change to {fix}",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=True,
                    edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=diagnostic.range, new_text=fix)]}),
                )
            )
        return actions or None

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: JourneyLanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        analysis = ls.analysis(params.text_document.uri)
        formatted = _format(ls, analysis)
        if formatted is None or formatted == analysis.text:
            return [] if formatted is not None else None
        lines = analysis.lines
        end = lsp.Position(line=len(lines) - 1, character=int(ls.workspace.position_codec.client_num_units(lines[-1])))
        whole = lsp.Range(start=lsp.Position(line=0, character=0), end=end)
        return [lsp.TextEdit(range=whole, new_text=formatted)]

    return server


def _completion_item(candidate: Candidate, replaced: lsp.Range, order: int) -> lsp.CompletionItem:
    return lsp.CompletionItem(
        label=candidate.label,
        kind=_COMPLETION_KINDS.get(candidate.kind, lsp.CompletionItemKind.Text),
        detail=candidate.detail or None,
        sort_text=f"{order:04d}",
        filter_text=candidate.insert,
        text_edit=lsp.TextEdit(range=replaced, new_text=candidate.insert),
    )


def _format(ls: JourneyLanguageServer, analysis: Analysis) -> str | None:
    """The document through the writer (``journey fmt``), or ``None`` with a message saying why not."""
    try:
        from ..lang.writer import format_text
    except ImportError:
        ls.window_show_message(
            lsp.ShowMessageParams(type=lsp.MessageType.Info, message="journeydsl: this installation has no formatter")
        )
        return None
    if any(d.is_error and d.code < "JD100" for d in analysis.diagnostics):
        ls.window_show_message(
            lsp.ShowMessageParams(type=lsp.MessageType.Warning, message="journeydsl: fix the syntax errors to format")
        )
        return None
    try:
        return str(format_text(analysis.text, analysis.file))
    except Exception as error:  # the writer refuses what it cannot format: say so, never crash the server
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        ls.window_show_message(
            lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=f"journeydsl: cannot format: {message}")
        )
        return None


def run(
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = 2087,
    root: Path | None = None,
    allow_large: bool = False,
) -> None:
    """Run the language server until the client says ``exit`` (or its input closes).

    Parameters
    ----------
    transport : str
        ``"stdio"`` (what editors use) or ``"tcp"``.
    host, port : str, int
        Where to listen with ``tcp``.
    root : Path, optional
        The project folder imports must stay inside (default: each document's folder).
    allow_large : bool
        Report run-size errors as warnings, as ``journey check --allow-large`` does.
    """
    server = build_server(root, allow_large)
    if transport == "tcp":
        server.start_tcp(host, port)
    else:
        server.start_io()
