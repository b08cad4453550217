"""``journey import``: Mermaid diagrams, spreadsheet journey maps and CJML documents as ``.journey`` text.

Each subcommand reads one file, builds the journey (:mod:`journeydsl.lang.importers`),
checks it and writes it as formatted text headed by comments naming the
source file and the command, to standard output or to ``-o FILE`` (whole or not
at all).  Bad input is reported with ``file:line:col``, the line, a caret and a
hint (exit 1); nothing is written then.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import api
from ..lang.escape import shell
from ..lang.importers import (
    Draft,
    ImportFailed,
    build_journey,
    decode,
    journey_text,
    parse_shares,
    read_cjml,
    read_csv_map,
    read_mermaid,
    with_segments,
)
from ..lang.importers.cjml import ACTION_CHANNEL
from ..lang.importers.mermaid import DEFAULT_CHANNEL
from ..lang.render import summary_line
from ..lang.vocabulary import CHANNELS
from .options import FILE, output_option
from .output import EXIT_INVALID, Command, Group, fail, show_diagnostics, write_text

__all__ = ["import_group"]

F = TypeVar("F", bound=Callable[..., Any])

#: The largest file an import reads (a journey map of a hundred thousand rows is far smaller).
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _common(command: F) -> F:
    """The FILE argument and the options every import takes: ``-o``, ``--name``, ``--share``."""
    for decorate in reversed(
        [
            click.argument("file", type=FILE),
            output_option(
                "Write the .journey text to this file (whole or not at all) instead of standard output.",
                type=click.Path(dir_okay=False, writable=True, path_type=Path),
            ),
            click.option("--name", default=None, help="The journey's name (default: the title the source gives)."),
            click.option(
                "--share",
                "shares",
                multiple=True,
                metavar="SEGMENT=SHARE",
                help="A segment's share (premier=20% or premier=0.2); repeatable. Segments not given share the rest equally.",
            ),
        ]
    ):
        command = decorate(command)
    return command


def _read(file: Path) -> str:
    """The file's text; exit 1 with a diagnostic when it cannot be read or is not UTF-8."""
    try:
        size = file.stat().st_size
        if size > MAX_IMPORT_BYTES:
            fail(f"`{file}` is {size:,} bytes; an import reads at most {MAX_IMPORT_BYTES:,}")
        data = file.read_bytes()
    except OSError as error:
        fail(f"cannot read `{file}`: {error.strerror or error}")
    return decode(data, os.fspath(file))


def _import(
    file: Path,
    output: Path | None,
    name: str | None,
    shares: tuple[str, ...],
    words: list[str],
    read: Callable[[str, str], Draft],
) -> None:
    """Read, build, check and write one import; exit 1 with diagnostics when the source is bad."""
    try:
        given = parse_shares(shares)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--share") from None
    source = os.fspath(file)
    try:
        draft = with_segments(read(_read(file), source), given)
        if name is not None:
            draft = Draft(name, draft.stages, draft.segments, draft.notes)
        journey = build_journey(draft, source)
    except ImportFailed as error:
        show_diagnostics(error.diagnostics, error.sources)
        click.echo(f"failed: {summary_line(error.diagnostics)}; nothing imported", err=True)
        raise click.exceptions.Exit(EXIT_INVALID) from None
    extra = ["--name", name] if name is not None else []
    for share in shares:
        extra += ["--share", share]
    if output is not None:
        extra += ["-o", os.fspath(output)]
    command = " ".join(shell(word) for word in ["journey", "import", *words, source, *extra])
    text = journey_text(journey, source=source, command=command, notes=draft.notes)
    target = os.fspath(output) if output is not None else "<imported>.journey"
    result = api.check_text(text, target)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors:  # an importer's mistake, never the user's: say so rather than write a broken journey
        show_diagnostics(errors, result.sources)
        fail(f"the journey imported from `{source}` does not check; nothing written (please report this)")
    write_text(text, output, "journey")


@click.group(cls=Group, name="import")
def import_group() -> None:
    """Import a journey from a Mermaid diagram, a spreadsheet journey map or a CJML document.

    Each subcommand writes formatted .journey text (to standard output, or to
    -o FILE) that starts with comments naming the source file and the command.
    The mappings are documented in docs/import.md.

    \b
    Examples:
      journey import mermaid day.mmd -o day.journey
      journey import csv examples/import/journey-map-template.csv
      journey import cjml journey.xml --journey PJ1
    """


@import_group.command(cls=Command)
@_common
@click.option(
    "--channel",
    type=click.Choice(list(CHANNELS)),
    default=DEFAULT_CHANNEL,
    show_default=True,
    help="The channel of a task none of whose actors is a channel.",
)
def mermaid(file: Path, output: Path | None, name: str | None, shares: tuple[str, ...], channel: str) -> None:
    """Import a Mermaid `journey` diagram: sections become stages, tasks touchpoints, actors segments.

    A task's score (1-5) becomes `feel rating R/10` with R = 2.5 x (score - 1);
    an actor that is a channel (staff, digital...) is the task's channel.

    \b
    Examples:
      journey import mermaid day.mmd -o day.journey
      journey import mermaid day.mmd --share Me=70% --channel digital
    """
    words = ["mermaid"] + (["--channel", channel] if channel != DEFAULT_CHANNEL else [])
    _import(file, output, name, shares, words, lambda text, source: read_mermaid(text, source, default_channel=channel))


@import_group.command(name="csv", cls=Command)
@_common
def csv_map(file: Path, output: Path | None, name: str | None, shares: tuple[str, ...]) -> None:
    """Import a spreadsheet journey map (CSV): one row per touchpoint.

    Columns: stage, touchpoint, channel (needed); duration, cost, capacity,
    moment of truth, segment, a column per module (sense, feel, think, act,
    relate) or theme (trust, convenience...), performance FACTOR, notes.
    The template is examples/import/journey-map-template.csv.

    \b
    Examples:
      journey import csv map.csv -o map.journey
    """
    _import(file, output, name, shares, ["csv"], read_csv_map)


@import_group.command(cls=Command)
@_common
@click.option(
    "--journey",
    "journey_id",
    default=None,
    metavar="ID",
    help="The journeyID to import (default: the first planned journey).",
)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    metavar="NAME=CHANNEL",
    help='Map a CJML channel name to a channel ("Carrier pigeon=media"); repeatable.',
)
@click.option(
    "--action-channel",
    type=click.Choice(list(CHANNELS)),
    default=ACTION_CHANNEL,
    show_default=True,
    help="The channel of a CJML action (a touchpoint without communication).",
)
def cjml(
    file: Path,
    output: Path | None,
    name: str | None,
    shares: tuple[str, ...],
    journey_id: str | None,
    channels: tuple[str, ...],
    action_channel: str,
) -> None:
    """Import a CJML 2.0 document (SINTEF's Customer Journey Modeling Language).

    Phases become stages, touchpoints (communication points and actions)
    touchpoints named by their initiator's label, channels the language's
    channels, experience ratings (1-5) felt effects, end users segments.
    DTDs and entity declarations are refused.

    \b
    Examples:
      journey import cjml journey.xml -o journey.journey
      journey import cjml journey.xml --journey AJ1 --channel "Carrier pigeon=media"
    """
    mapping: dict[str, str] = {}
    for pair in channels:
        cjml_name, sep, channel = pair.rpartition("=")
        if not sep or not cjml_name.strip() or channel.strip().lower() not in CHANNELS:
            raise click.BadParameter(
                f"`{pair}` is not NAME=CHANNEL with CHANNEL one of {', '.join(CHANNELS)}", param_hint="--channel"
            )
        mapping[cjml_name.strip()] = channel.strip().lower()
    words = ["cjml"]
    if journey_id is not None:
        words += ["--journey", journey_id]
    for pair in channels:
        words += ["--channel", pair]
    if action_channel != ACTION_CHANNEL:
        words += ["--action-channel", action_channel]
    _import(
        file,
        output,
        name,
        shares,
        words,
        lambda text, source: read_cjml(
            text, source, journey_id=journey_id, channels=mapping, action_channel=action_channel
        ),
    )
