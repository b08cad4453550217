"""``journey lsp``: the language server for editors (needs the ``lsp`` extra: pygls)."""

from __future__ import annotations

import click

from .options import ReadOptions, read_options
from .output import EXIT_USAGE, Command

__all__ = ["lsp"]


@click.command(cls=Command)
@click.option(
    "--stdio",
    "stdio",
    is_flag=True,
    default=False,
    help="Talk over standard input and output (the default; editors may pass it).",
)
@click.option(
    "--tcp",
    "port",
    type=click.IntRange(min=1, max=65535),
    default=None,
    metavar="PORT",
    help="Listen on 127.0.0.1:PORT instead of standard input and output (for debugging).",
)
@read_options
def lsp(stdio: bool, port: int | None, read: ReadOptions) -> None:
    """Run the language server: diagnostics, hover, completion, names and formatting in your editor.

    Editors start it and talk to it over standard input and output (the
    Language Server Protocol); see docs/editors.md for VS Code, Neovim, Emacs
    and Helix.  Each open journey is checked as `journey check` checks it,
    with --root and --allow-large as there.  Needs the lsp extra: pip install
    'journeydsl[lsp]'.

    \b
    Examples:
      journey lsp
      journey lsp --root .
      journey lsp --tcp 2087
    """
    if stdio and port is not None:
        raise click.UsageError("--stdio and --tcp exclude each other; choose one")
    try:
        from ..lsp.server import run
    except ImportError as error:
        missing = getattr(error, "name", None) or "pygls"
        if missing.split(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        click.echo(
            f"Error: `journey lsp` needs the lsp extra, pygls and lsprotocol ({missing} is not installed): "
            "install journeydsl[lsp], e.g. pip install 'journeydsl[lsp]'",
            err=True,
        )
        raise click.exceptions.Exit(EXIT_USAGE) from None
    if port is not None:
        click.echo(f"journeydsl language server listening on 127.0.0.1:{port}", err=True)
        run("tcp", "127.0.0.1", port, root=read.root, allow_large=read.allow_large)
    else:
        run("stdio", root=read.root, allow_large=read.allow_large)
