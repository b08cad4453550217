"""Mermaid ``journey`` diagrams to a journey: sections are stages, tasks touchpoints, actors segments.

A Mermaid user-journey diagram reads::

    journey
        title My working day
        section Go to work
            Make tea: 5: Me
            Go upstairs: 3: Me, Cat

What each line becomes (docs/import.md, "Mermaid"):

- ``title TEXT``: the journey's name (else the file's name without its suffix);
- ``section TEXT``: a stage; stages follow one another in the diagram's order,
  the last is the goal; tasks before any section go to a stage named after
  the journey;
- ``TASK: SCORE: ACTOR, ACTOR``: a touchpoint of the current stage.  Its score
  (1 to 5) becomes ``feel rating R/10`` with R = 2.5 x (score - 1): 1 is 0/10
  (the worst, effect -5), 3 is 5/10 (neutral), 5 is 10/10 (the best, effect
  +5), the inverse of the score :func:`journeydsl.lang.export.to_mermaid`
  writes;
- an actor that is a channel of the language (``staff``, ``digital``...) is
  the touchpoint's channel (as ``journey graph --format mermaid`` writes it);
  the others are segments, with equal shares unless given; a task without a
  channel actor takes the default channel (``staff``).

Comments (``%%`` and ``#``), directives (``%%{init: ...}%%``), front matter
(``---``) and accessibility lines (``accTitle``, ``accDescr``) are skipped;
Mermaid's entity codes (``#60;``, ``#quot;``) are decoded.  Any other line is
an error naming its line and column, never a guess.
"""

from __future__ import annotations

import html.entities
import re
from pathlib import PurePath

from ..vocabulary import CHANNELS
from .base import Draft, DraftEffect, DraftStage, DraftTouchpoint, Source, clean_name, score_effect

__all__ = ["read_mermaid", "DEFAULT_CHANNEL"]

#: The channel of a task none of whose actors is a channel.
DEFAULT_CHANNEL = "staff"

_ENTITY = re.compile(r"#(\d+|[A-Za-z][A-Za-z0-9]*);")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _decode_entities(text: str) -> str:
    """Mermaid's entity codes as the characters they stand for: ``#60;`` is ``<``, ``#quot;`` ``"``."""

    def character(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.isdigit():
            number = int(code)
            return chr(number) if 0 < number < 0x110000 else match.group()
        point = html.entities.name2codepoint.get(code)
        return chr(point) if point is not None else match.group()

    return _ENTITY.sub(character, text)


def _strip_comment(line: str) -> str:
    """The line without a ``%%`` comment or a ``#`` comment (a ``#`` opening an entity code is kept)."""
    index = 0
    while index < len(line):
        if line.startswith("%%", index):
            return line[:index]
        if line[index] == "#":
            entity = _ENTITY.match(line, index)
            if entity is None:
                return line[:index]
            index = entity.end()
            continue
        index += 1
    return line


def _keyword(text: str, word: str) -> str | None:
    """The rest of ``text`` after a leading keyword and a blank, or ``None``."""
    if text == word:
        return ""
    if text.startswith(word) and text[len(word)].isspace():
        return text[len(word) :].strip()
    return None


def read_mermaid(text: str, file: str, *, default_channel: str = DEFAULT_CHANNEL) -> Draft:
    """Read a Mermaid ``journey`` diagram into a draft journey.

    Parameters
    ----------
    text : str
        The diagram (a ``.mmd`` file, or the inside of a Markdown ``mermaid`` fence).
    file : str
        Its name, for diagnostics and the default title.
    default_channel : str
        The channel of a task none of whose actors is a channel.

    Returns
    -------
    Draft
        Stages and touchpoints in the diagram's order, the actors as segments.

    Raises
    ------
    ImportFailed
        With a diagnostic for every malformed line.

    Examples
    --------
    >>> draft = read_mermaid("journey\\n title Day\\n section Work\\n  Make tea: 5: Me, Cat\\n", "day.mmd")
    >>> draft.name, draft.stages[0].name, draft.stages[0].touchpoints[0].effects[0].rating.score
    ('Day', 'Work', 10.0)
    >>> draft.segments
    (('Me', None), ('Cat', None))
    """
    source = Source(text, file)
    title: str | None = None
    stages: list[tuple[str, int, list[DraftTouchpoint]]] = []
    actors: list[str] = []
    notes: list[str] = []
    started = False
    front_matter = False
    in_description = False
    for number, raw in enumerate(source.lines, start=1):
        stripped = raw.strip()
        if number == 1 and stripped == "---":
            front_matter = True
            continue
        if front_matter:
            if stripped == "---":
                front_matter = False
            elif stripped.startswith("title:") and title is None:
                title = _decode_entities(stripped[len("title:") :].strip().strip("\"'"))
            continue
        if in_description:
            in_description = "}" not in stripped
            continue
        line = _strip_comment(raw)
        content = line.strip()
        if not content:
            continue
        column = len(line) - len(line.lstrip()) + 1
        if not started:
            if content.split()[0] != "journey":
                source.fail(
                    "JI101",
                    f"a Mermaid journey diagram starts with `journey`, not `{content.split()[0]}`",
                    number,
                    column,
                    len(content.split()[0]),
                    "only `journey` diagrams can be imported (not flowcharts or sequence diagrams)",
                )
            started = True
            continue
        if content.startswith(("accTitle", "accDescr")):
            in_description = content.startswith("accDescr") and "{" in content and "}" not in content
            continue
        rest = _keyword(content, "title")
        if rest is not None:
            title = _decode_entities(rest)
            continue
        rest = _keyword(content, "section")
        if rest is not None:
            stages.append((_decode_entities(rest) or f"section {len(stages) + 1}", number, []))
            continue
        task = _task(source, line, number, column, default_channel, actors, notes)
        if task is None:
            continue
        if not stages:
            stages.append(("", number, []))
        stages[-1][2].append(task)
    if not started:
        source.fail("JI101", "the file holds no Mermaid diagram", 1, 1, 1, "a journey diagram starts with `journey`")
    source.fail_if_problems()
    name = clean_name(title or "", PurePath(file).stem or "imported journey")
    drafts = tuple(DraftStage(stage or name, tuple(tasks), line) for stage, line, tasks in stages)
    if actors:
        notes.insert(0, "Mermaid actors became segments with equal shares; every customer meets every touchpoint.")
    return Draft(name, drafts, tuple((actor, None) for actor in actors), tuple(notes))


def _task(
    source: Source, line: str, number: int, column: int, default_channel: str, actors: list[str], notes: list[str]
) -> DraftTouchpoint | None:
    """One ``TASK: SCORE: ACTORS`` line as a touchpoint; a diagnostic (and ``None``) when it is malformed."""
    first = line.find(":")
    if first < 0:
        source.problem(
            "JI102",
            f"`{line.strip()}` is not a task, a `section` or a `title`",
            number,
            column,
            len(line.strip()),
            "a task reads `Task name: score: actor, actor` with a score from 1 to 5",
        )
        return None
    name = _decode_entities(line[:first].strip())
    if not name:
        source.problem("JI102", "a task without a name", number, column, 1, "write `Task name: score: actor`")
        return None
    second = line.find(":", first + 1)
    score_text = line[first + 1 : second if second >= 0 else len(line)]
    score_column = first + 2 + (len(score_text) - len(score_text.lstrip()))
    score_text = score_text.strip()
    if not _NUMBER.fullmatch(score_text):
        source.problem(
            "JI103" if score_text else "JI102",
            f"task `{name}` has no score" if not score_text else f"`{score_text}` is not a score",
            number,
            score_column if score_text else first + 1,
            max(1, len(score_text)),
            "a task reads `Task name: score: actor, actor` with a score from 1 to 5",
        )
        return None
    score = float(score_text)
    if not 1.0 <= score <= 5.0:
        source.problem(
            "JI103",
            f"score {score_text} of task `{name}` is not between 1 and 5",
            number,
            score_column,
            len(score_text),
            "Mermaid scores run from 1 (very unhappy) to 5 (very happy)",
        )
        return None
    names = [] if second < 0 else [_decode_entities(a.strip()) for a in line[second + 1 :].split(",")]
    channels = [a.lower() for a in names if a.lower() in CHANNELS]
    people = [clean_name(a) for a in names if a and a.lower() not in CHANNELS]
    for person in people:
        if person not in actors:
            actors.append(person)
    if len(channels) > 1:
        notes.append(f"Task {clean_name(name)} names the channels {', '.join(channels)}; the first is its channel.")
    return DraftTouchpoint(
        name,
        channels[0] if channels else default_channel,
        number,
        effects=(DraftEffect("module", "feel", score_effect(score).effect, score_effect(score)),),
        segments=tuple(people),
    )
