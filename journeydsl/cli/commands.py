"""The ``journey`` command group: every command, by job, each imported on first use.

The commands live by job: :mod:`.language` (check, graph), :mod:`.running`
(simulate, compare, test, plot, report), :mod:`.analyses` (analyze, gaps,
opportunities, profile, delivery, care, recovery) and one module each for the
others.  :data:`COMMANDS` names where each command is and its one-line help:
``journey check`` imports the check's module and nothing of the simulator,
the analyses or the plots, and ``journey --help`` lists every command from the
table without importing any (``tests/test_startup.py`` holds the table to the
commands' own help).  Exit codes are those of :mod:`.output`; the console
script runs the group through :func:`journeydsl.cli.main.main`, which imports
this module only once it has taken charge of the stop signals.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, NamedTuple

import click
from click.shell_completion import CompletionItem
from click.utils import make_default_short_help

from .._version import __version__
from ..lang.escape import terminal

__all__ = ["COMMANDS", "CommandEntry", "LazyCommands", "LazyGroup", "cli"]


class CommandEntry(NamedTuple):
    """Where a command is and its one-line help, so that it can be listed without importing it."""

    #: The module that defines the command (``journeydsl.cli.language``).
    module: str
    #: The click command's name in that module.
    attribute: str
    #: The first sentence of the command's help, as click shows it in the command list.
    short_help: str


#: Every ``journey`` command, in the order it was added: name -> where it is and its one-line help.
COMMANDS: dict[str, CommandEntry] = {
    "check": CommandEntry("journeydsl.cli.language", "check", "Check journey files and report every problem found."),
    "graph": CommandEntry("journeydsl.cli.language", "graph", "Export a checked journey as a graph or as its model."),
    "simulate": CommandEntry(
        "journeydsl.cli.running",
        "simulate",
        "Simulate synthetic customers through a journey and report what they felt and did.",
    ),
    "compare": CommandEntry(
        "journeydsl.cli.running",
        "compare",
        "Compare designs: the same synthetic customers through each, with paired differences.",
    ),
    "test": CommandEntry(
        "journeydsl.cli.running",
        "test",
        "Run the design tests written in a journey (`expect ...`) and report each verdict.",
    ),
    "plot": CommandEntry("journeydsl.cli.running", "plot", "Simulate a journey and draw a plot for a report."),
    "report": CommandEntry(
        "journeydsl.cli.running",
        "report",
        "Write a report a designer can hand on: summary, graph, plots, comparison, tests.",
    ),
    "analyze": CommandEntry(
        "journeydsl.cli.analyses",
        "analyze",
        "Exact flow figures without simulation: conversion, visits, time, removal effects.",
    ),
    "gaps": CommandEntry(
        "journeydsl.cli.analyses",
        "gaps",
        "The seven-step gap analysis: per factor, experience against expectation, weighted by importance.",
    ),
    "opportunities": CommandEntry(
        "journeydsl.cli.analyses",
        "opportunities",
        "Where to invest: what improving, removing or fixing each touchpoint is worth.",
    ),
    "profile": CommandEntry(
        "journeydsl.cli.analyses",
        "profile",
        "Which experience themes and modules each design delivers, per design and segment.",
    ),
    "delivery": CommandEntry(
        "journeydsl.cli.analyses",
        "delivery",
        "The delivery gap: the effect intended at each touchpoint against what customers felt.",
    ),
    "care": CommandEntry(
        "journeydsl.cli.analyses",
        "care",
        "What each care programme costs and brings: the same customers with and without it.",
    ),
    "recovery": CommandEntry(
        "journeydsl.cli.analyses",
        "recovery",
        "Service recovery: satisfaction and return of customers with and without failures.",
    ),
    "fmt": CommandEntry(
        "journeydsl.cli.fmt", "fmt", "Lay out journey files in the canonical layout, comments kept where they stand."
    ),
    "lsp": CommandEntry(
        "journeydsl.cli.lsp",
        "lsp",
        "Run the language server: diagnostics, hover, completion, names and formatting in your editor.",
    ),
    "import": CommandEntry(
        "journeydsl.cli.importing",
        "import_group",
        "Import a journey from a Mermaid diagram, a spreadsheet journey map or a CJML document.",
    ),
    "fit": CommandEntry(
        "journeydsl.cli.fit",
        "fit",
        "Fit a journey to an event log: stages, transition shares, durations, arrivals, segments.",
    ),
    "watch": CommandEntry(
        "journeydsl.cli.watch", "watch", "Preview a journey's report in the browser, rebuilt each time you save."
    ),
    "validate": CommandEntry(
        "journeydsl.cli.validate",
        "validate",
        "Simulate a journey and compare it with an event log of what customers did.",
    ),
    "sweep": CommandEntry(
        "journeydsl.cli.sweep",
        "sweep",
        "Vary settings of a journey over a grid or a sample and find the best point within a budget.",
    ),
}


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each imported from its :class:`CommandEntry` when first looked up.

    Listing the names (``sorted(commands)``, ``name in commands``) imports
    nothing; ``commands[name]`` imports that command's module only.  A command
    added with :meth:`click.Group.add_command` is kept as given.

    Parameters
    ----------
    table : mapping
        Name -> :class:`CommandEntry`.

    Examples
    --------
    >>> commands = LazyCommands({"check": COMMANDS["check"]})
    >>> list(commands), commands.loaded("check") is None
    (['check'], True)
    >>> commands["check"].name, commands.loaded("check") is not None
    ('check', True)
    """

    def __init__(self, table: Mapping[str, CommandEntry]) -> None:
        self._table = dict(table)
        self._commands: dict[str, click.Command] = {}

    def loaded(self, name: str) -> click.Command | None:
        """The command called ``name`` if it has been imported (or added), else ``None``; imports nothing."""
        return self._commands.get(name)

    def entry(self, name: str) -> CommandEntry | None:
        """Where the command called ``name`` is, if it is in the table."""
        return self._table.get(name)

    def __getitem__(self, name: str) -> click.Command:
        command = self._commands.get(name)
        if command is None:
            entry = self._table[name]  # KeyError: no such command
            command = getattr(importlib.import_module(entry.module), entry.attribute)
            if not isinstance(command, click.Command):  # pragma: no cover - a wrong table entry
                raise TypeError(f"{entry.module}:{entry.attribute} is not a click command")
            self._commands[name] = command
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._table.pop(name, None)
        self._commands.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._table
        yield from (name for name in self._commands if name not in self._table)

    def __len__(self) -> int:
        return len(self._table) + sum(1 for name in self._commands if name not in self._table)

    def __contains__(self, name: object) -> bool:
        return name in self._table or name in self._commands


@contextmanager
def _escaped_usage_errors() -> Iterator[None]:
    """Usage errors raised in the block leave it with control characters in their message shown escaped."""
    try:
        yield
    except click.ClickException as error:
        error.message = terminal(error.message)
        raise


class LazyGroup(click.Group):
    """The ``journey`` group: commands imported on first use, listed from :data:`COMMANDS` without importing.

    As :class:`journeydsl.cli.output.Group` (which it does not import, so that
    ``journey --help`` and ``journey --version`` import no command), a usage error
    of the group or of a command shows no control character raw.  The command
    list of ``--help`` and the shell completion of command names show each
    command's :attr:`CommandEntry.short_help`, cut to the width as click cuts a
    command's own help, until the command has been imported; then its own.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: LazyCommands = LazyCommands(COMMANDS)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        """Parse the group's own options (``--version``, ``--help``), messages escaped."""
        with _escaped_usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Find and run the command, messages of its usage errors escaped."""
        with _escaped_usage_errors():
            return super().invoke(ctx)

    def command_help(self, name: str, limit: int = 45) -> str | None:
        """The command's one-line help cut to ``limit`` characters, or ``None`` when it is hidden or unknown.

        From the command itself when it has been imported, else from :data:`COMMANDS`, imported nothing.
        """
        command = self.commands.loaded(name)
        if command is not None:
            return None if command.hidden else command.get_short_help_str(limit)
        entry = self.commands.entry(name)
        if entry is None:
            return None
        return make_default_short_help(entry.short_help, limit).strip()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The ``Commands:`` section of ``--help``, as click writes it, from the table where it can."""
        names = [name for name in self.list_commands(ctx) if self.command_help(name) is not None]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self.command_help(name, limit) or "") for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Complete command names (with their one-line help) and the group's options, importing no command."""
        results = [
            CompletionItem(name, help=help)
            for name in self.list_commands(ctx)
            if name.startswith(incomplete) and (help := self.command_help(name)) is not None
        ]
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="journeydsl")
def cli() -> None:
    """Design, check and simulate customer journeys written in the journey language.

    \b
    Start with:
      journey check examples/journeys/premier_banking.journey
      journey simulate examples/journeys/premier_banking.journey --customers 2000
      journey compare examples/journeys/premier_banking.journey
      journey plot examples/journeys/premier_banking.journey --kind curve
      journey report examples/journeys/premier_banking.journey -o report.html
    """
