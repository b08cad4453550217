"""Diagnostics to text (``file:line:col``, the source line, a caret, a hint) and to JSON.

Text is for a terminal: paths, messages, source lines and hints go through
:func:`~journeydsl.lang.escape.terminal`, so a name with control characters is
shown escaped and never reaches the terminal raw, and the caret is placed by
display width (under Chinese names too).  JSON has every invisible character
escaped (:func:`~journeydsl.lang.escape.json_text`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from .diagnostics import Diagnostic
from .escape import display_width, json_text, terminal
from .model import Span

__all__ = ["render_text", "render_diagnostic", "render_json", "summary_line"]

_STYLES = {"error": "red", "warning": "yellow"}


def _style(text: str, color: bool, *, fg: str | None = None, bold: bool | None = None) -> str:
    if not color:
        return text
    import click

    return click.style(text, fg=fg, bold=bold)


def _split_lines(text: str) -> list[str]:
    r"""A source's lines as the parser counts them: split on ``\n`` only, without a CRLF file's ``\r``.

    :meth:`str.splitlines` would also split on ``\x0b``, ``\x0c``, ``\x1c``
    to ``\x1e``, ``\x85``, ``\u2028`` and ``\u2029``, which a name may hold,
    and the line quoted would not be the line of the diagnostic.  As with
    ``splitlines``, a final line end starts no line.

    Examples
    --------
    >>> _split_lines('a "x\x0cy"\r\nb\n')
    ['a "x\x0cy"', 'b']
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


class _SourceLines:
    """The lines of each source text, split once however many diagnostics quote it.

    Parameters
    ----------
    sources : dict of str to str
        Source text by file name, as in :attr:`journeydsl.api.CheckResult.sources`.
    """

    def __init__(self, sources: dict[str, str]) -> None:
        self._sources = sources
        self._lines: dict[str, list[str]] = {}

    def line(self, file: str, number: int) -> str | None:
        """Line ``number`` (1-based) of ``file``, or ``None`` when there is no such file or line."""
        lines = self._lines.get(file)
        if lines is None:
            text = self._sources.get(file)
            if text is None:
                return None
            lines = self._lines[file] = _split_lines(text)
        return lines[number - 1] if 1 <= number <= len(lines) else None


def _excerpt(span: Span, sources: _SourceLines) -> list[str]:
    """The source line of a span and a caret under it, placed by display width after escaping."""
    source = sources.line(span.file, span.line)
    if source is None:
        return []
    line = source.replace("\t", " ")
    if len(line) > 200:
        start = max(0, span.column - 80)
        line = ("..." if start else "") + line[start : start + 160]
        column = span.column - start + (3 if start else 0)
    else:
        column = span.column
    width = 1 if span.end_line != span.line else max(1, span.end_column - span.column)
    width = min(width, max(1, len(line) - column + 1))
    before, marked = terminal(line[: column - 1]), terminal(line[column - 1 : column - 1 + width])
    gutter = str(span.line).rjust(5)
    caret = " " * (display_width(before) + max(0, column - 1 - len(line))) + "^" * max(1, display_width(marked))
    return [f"{gutter} | {terminal(line)}", f"{' ' * 5} | {caret}"]


def render_diagnostic(diagnostic: Diagnostic, sources: dict[str, str], color: bool = False) -> str:
    r"""One diagnostic as a compiler would print it.

    The source line is the span's line as the parser counts lines (ends of
    line are ``\n``, with or without ``\r``), shown with its control
    characters escaped; the caret stands under the span by display width, so
    under the right character after Chinese text or an escape.

    Parameters
    ----------
    diagnostic : Diagnostic
        What to show.
    sources : dict of str to str
        Source text by file name; a span in a file not among them is shown without its line.
    color : bool
        Style the severity, message and hint for a terminal.

    Returns
    -------
    str
        The lines of the diagnostic, without a final newline.

    Examples
    --------
    >>> from journeydsl.lang.model import Span
    >>> d = Diagnostic("JD101", "stage `advise` is not defined", Span("a.journey", 1, 4, 1, 10),
    ...                hint="did you mean `advice`?")
    >>> print(render_diagnostic(d, {"a.journey": "-> advise 60%"}))
    a.journey:1:4: error[JD101]: stage `advise` is not defined
        1 | -> advise 60%
          |    ^^^^^^
      hint: did you mean `advice`?
    """
    return _render(diagnostic, _SourceLines(sources), color)


def _render(diagnostic: Diagnostic, sources: _SourceLines, color: bool) -> str:
    span = diagnostic.span
    severity = _style(f"{diagnostic.severity}[{diagnostic.code}]", color, fg=_STYLES[diagnostic.severity], bold=True)
    message = _style(_shown(diagnostic.message), color, bold=True)
    lines = [f"{_shown(span.file)}:{span.line}:{span.column}: {severity}: {message}", *_excerpt(span, sources)]
    for note, related in diagnostic.related:
        lines.append(f"  note: {_shown(related.file)}:{related.line}:{related.column}: {_shown(note)}")
        lines.extend(_excerpt(related, sources))
    if diagnostic.hint:
        lines.append(f"  {_style('hint', color, fg='cyan')}: {_shown(diagnostic.hint)}")
    return "\n".join(lines)


def _shown(text: str) -> str:
    """Text of a diagnostic for the terminal: each line escaped, lines kept."""
    return "\n".join(terminal(line) for line in text.split("\n"))


def summary_line(diagnostics: Iterable[Diagnostic], files: int = 1) -> str:
    """``2 errors, 1 warning in 3 files``."""
    found = list(diagnostics)
    errors = sum(d.is_error for d in found)
    warnings = len(found) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    return f"{', '.join(parts)} in {files} file{'s' if files != 1 else ''}"


def render_text(diagnostics: Iterable[Diagnostic], sources: dict[str, str], color: bool = False) -> str:
    """Every diagnostic as :func:`render_diagnostic` shows it, separated by blank lines.

    Each source is split into lines once, so the time grows with the number of
    diagnostics and the size of the sources, not with their product.

    Parameters
    ----------
    diagnostics : iterable of Diagnostic
        What to show, in order.
    sources : dict of str to str
        Source text by file name.
    color : bool
        Style them for a terminal.

    Returns
    -------
    str
        The diagnostics' text, without a final newline.
    """
    lines = _SourceLines(sources)
    return "\n\n".join(_render(d, lines, color) for d in diagnostics)


def render_json(results: dict[str, list[Diagnostic]]) -> str:
    """Diagnostics per checked file as a JSON document (schema ``journeydsl.diagnostics/1``)."""
    files = []
    for file, diagnostics in results.items():
        files.append(
            {
                "file": file,
                "ok": not any(d.is_error for d in diagnostics),
                "errors": sum(d.is_error for d in diagnostics),
                "warnings": sum(not d.is_error for d in diagnostics),
                "diagnostics": [d.to_dict() for d in diagnostics],
            }
        )
    document = {"schema": "journeydsl.diagnostics/1", "ok": all(f["ok"] for f in files), "files": files}
    return json_text(json.dumps(document, indent=2, ensure_ascii=False))
