"""Diagnostics to text (``file:line:col``, the source line, a caret, a hint) and to JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from .diagnostics import Diagnostic
from .model import Span

__all__ = ["render_text", "render_diagnostic", "render_json", "summary_line"]

_STYLES = {"error": "red", "warning": "yellow"}


def _style(text: str, color: bool, *, fg: str | None = None, bold: bool | None = None) -> str:
    if not color:
        return text
    import click

    return click.style(text, fg=fg, bold=bold)


def _excerpt(span: Span, sources: dict[str, str]) -> list[str]:
    text = sources.get(span.file)
    if text is None or span.line < 1:
        return []
    lines = text.splitlines()
    if span.line > len(lines):
        return []
    line = lines[span.line - 1].replace("\t", " ")
    if len(line) > 200:
        start = max(0, span.column - 80)
        line = ("..." if start else "") + line[start : start + 160]
        column = span.column - start + (3 if start else 0)
    else:
        column = span.column
    width = 1 if span.end_line != span.line else max(1, span.end_column - span.column)
    width = min(width, max(1, len(line) - column + 1))
    gutter = str(span.line).rjust(5)
    return [f"{gutter} | {line}", f"{' ' * 5} | {' ' * (column - 1)}{'^' * width}"]


def render_diagnostic(diagnostic: Diagnostic, sources: dict[str, str], color: bool = False) -> str:
    """One diagnostic as a compiler would print it.

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
    span = diagnostic.span
    severity = _style(f"{diagnostic.severity}[{diagnostic.code}]", color, fg=_STYLES[diagnostic.severity], bold=True)
    head = f"{span.file}:{span.line}:{span.column}: {severity}: {_style(diagnostic.message, color, bold=True)}"
    lines = [head, *_excerpt(span, sources)]
    for message, related in diagnostic.related:
        lines.append(f"  note: {related.file}:{related.line}:{related.column}: {message}")
        lines.extend(_excerpt(related, sources))
    if diagnostic.hint:
        lines.append(f"  {_style('hint', color, fg='cyan')}: {diagnostic.hint}")
    return "\n".join(lines)


def summary_line(diagnostics: Iterable[Diagnostic], files: int = 1) -> str:
    """``2 errors, 1 warning in 3 files``."""
    found = list(diagnostics)
    errors = sum(d.is_error for d in found)
    warnings = len(found) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    return f"{', '.join(parts)} in {files} file{'s' if files != 1 else ''}"


def render_text(diagnostics: Iterable[Diagnostic], sources: dict[str, str], color: bool = False) -> str:
    """Every diagnostic, separated by blank lines."""
    return "\n\n".join(render_diagnostic(d, sources, color) for d in diagnostics)


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
    return json.dumps(document, indent=2, ensure_ascii=False)
