"""Commands about the text: ``journey check`` and ``journey graph``."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..lang.diagnostics import Diagnostic
from ..lang.export import FORMATS, export
from ..lang.render import render_json, summary_line
from .options import DESIGN_OPTION, FILE, ReadOptions, output_option, read_options
from .output import EXIT_INVALID, EXIT_OK, Command, fail, note_inputs, show_diagnostics, write_text

__all__ = ["check", "graph"]


@click.command(cls=Command)
@click.argument("files", nargs=-1, required=True, type=FILE)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for editors and CI (schema journeydsl.diagnostics/1).",
)
@click.option(
    "--warnings/--no-warnings",
    "show_warnings",
    default=True,
    show_default=True,
    help="Show warnings as well as errors.",
)
@read_options
def check(files: tuple[Path, ...], fmt: str, show_warnings: bool, read: ReadOptions) -> None:
    """Check journey files and report every problem found.

    Each problem is shown with its code, file:line:col, the source line with a
    caret under it, and a hint.  Exits 0 when there are only warnings, 1 when
    any file has an error.

    \b
    Examples:
      journey check examples/journeys/*.journey
      journey check shop.journey --format json
    """
    results: dict[str, list[Diagnostic]] = {}
    everything: list[Diagnostic] = []
    for path in files:
        result = api.check_file(path, read.root, allow_large=read.allow_large)
        diagnostics = [d for d in result.diagnostics if show_warnings or d.is_error]
        results[str(path)] = diagnostics
        everything.extend(diagnostics)
        if fmt == "text":
            show_diagnostics(diagnostics, result.sources)
    failed = any(d.is_error for d in everything)
    if fmt == "json":
        click.echo(render_json(results))
    else:
        verdict = "failed" if failed else "ok"
        click.echo(f"{verdict}: {summary_line(everything, len(files))}", err=failed)
    raise click.exceptions.Exit(EXIT_INVALID if failed else EXIT_OK)


@click.command(cls=Command)
@click.argument("file", type=FILE)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="dot",
    show_default=True,
    help="dot (Graphviz), graphml (networkx, Gephi), mermaid (user-journey diagram), "
    "cjml (CJML 2.0 XML, SINTEF's Customer Journey Modeling Language), json (the model).",
)
@output_option(
    "Write to this file (whole or not at all) instead of standard output.",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
)
@DESIGN_OPTION
@read_options
def graph(file: Path, fmt: str, output: Path | None, design: str, read: ReadOptions) -> None:
    """Export a checked journey as a graph or as its model.

    The journey must have no errors; warnings are shown on standard error.

    \b
    Examples:
      journey graph shop.journey --format dot | dot -Tsvg -o shop.svg
      journey graph shop.journey --format graphml -o shop.graphml
      journey graph shop.journey --design "printer in office" --format mermaid
      journey graph shop.journey --format cjml -o shop.xml
    """
    result = api.check_file(file, read.root, allow_large=read.allow_large)
    note_inputs(*result.sources)
    show_diagnostics(result.diagnostics, result.sources)
    if not result.ok or result.journey is None:
        if result.ok:
            fail(f"`{file}` is a library; export a journey that imports it.")
        click.echo(f"failed: {summary_line(result.diagnostics)}; nothing exported", err=True)
        raise click.exceptions.Exit(EXIT_INVALID)
    write_text(export(api.design(result.journey, design), fmt), output, fmt)
