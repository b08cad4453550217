"""CJML (SINTEF's Customer Journey Modeling Language) XML to a journey, and the names both directions share.

CJML 2.0 documents (the data format published at https://cjml.no; no XML
Schema is published, so element names follow the published example and the
documents SINTEF's CJML tools write) read::

    <CJML version="2.0">
      <plannedJourney>                          (or <actualJourney>)
        <journeyID>PJ1</journeyID>
        <journeyTitle>...</journeyTitle>
        <journeyPhases>
          <journeyPhase phaseID="P1"><phaseName>...</phaseName></journeyPhase>
        </journeyPhases>
        <actors>
          <endUser actorID="U1"><actorName>...</actorName></endUser>
          <serviceProvider actorID="SP1"><companyName>...</companyName></serviceProvider>
        </actors>
        <touchpoints>
          <plannedCommunicationPoint>           (planned/actual CommunicationPoint or Action)
            <touchpointID>T1</touchpointID>
            <belongsTo phaseIDref="P1"/>
            <initiator><refersTo actorIDref="U1"/><initiatorLabel>...</initiatorLabel></initiator>
            <receiver><refersTo actorIDref="SP1"/><receiverLabel>...</receiverLabel></receiver>
            <channel><channelName>Web</channelName></channel>
            <touchpointExperience><experienceRating>4</experienceRating></touchpointExperience>
          </plannedCommunicationPoint>
        </touchpoints>
      </plannedJourney>
    </CJML>

What becomes what (docs/import.md, "CJML"): the journey (by ``--journey ID``,
else the first planned journey, else the first actual one) is the journey,
named by its title (else its ID); its phases are stages, in their order, and
each touchpoint goes to the stage of its ``belongsTo`` phase (one without
goes with the touchpoint before it); a touchpoint is named by its
initiator's label (else its receiver's label, else its ID); its channel name
is one of :data:`CJML_CHANNELS` (or mapped with ``--channel NAME=CHANNEL``); an
action (a touchpoint without a channel) takes the action channel
(``product``); an experience rating of 1 to 5 becomes ``feel rating R/10``
with R = 2.5 x (rating - 1), as Mermaid's scores do; several end users become
segments with equal shares.

The XML is read with the standard library's expat parser, with a document
type declaration (and with it every entity declaration) refused before
anything is expanded: no entity can expand to a billion laughs or read a
file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from xml.parsers import expat

from ..diagnostics import did_you_mean
from ..vocabulary import CHANNELS
from .base import Draft, DraftEffect, DraftStage, DraftTouchpoint, Source, clean_name, score_effect

__all__ = ["read_cjml", "CJML_CHANNELS", "CJML_NAMES", "ACTION_CHANNEL", "PROVIDER_CHANNELS", "channel_of"]

#: The CJML channel name written for each channel of the language (``journey graph --format cjml``).
CJML_NAMES: dict[str, str] = {
    "advertising": "Advertising",
    "pr": "Public relations",
    "staff": "Face-to-face",
    "event": "Event",
    "delegated": "Agent",
    "media": "Letter",
    "partner": "Partner",
    "random": "Unplanned encounter",
    "environment": "Physical environment",
    "product": "Product",
    "digital": "Web",
}

#: CJML channel names (as CJML's tools and icons name them, compared without case, blanks or
#: punctuation) and the channel of the language each becomes.
CJML_CHANNELS: dict[str, str] = {
    **{name: channel for channel, name in CJML_NAMES.items()},
    **dict.fromkeys(
        (
            "Web",
            "Internet",
            "Internet globe",
            "Internet via PC",
            "Internet via smartphone",
            "Internet via tablet",
            "Web/app",
            "Web/smartphone",
            "Web/tablet",
            "App",
            "App on PC",
            "App on smartphone",
            "App on tablet",
            "App/PC",
            "App/smartphone",
            "App/tablet",
            "Chat",
            "Self-service machine",
            "Payment channel",
            "Payment",
            "Hospital computer system",
            "Digital",
        ),
        "digital",
    ),
    **dict.fromkeys(
        (
            "Face-to-face",
            "Face to face",
            "Face2face",
            "Face-to-face conversation",
            "Service desk",
            "Shop counter",
            "Telephone",
            "Phone",
            "Phone call",
            "Staff",
        ),
        "staff",
    ),
    **dict.fromkeys(
        (
            "Email",
            "E-mail",
            "SMS",
            "Letter",
            "Letter (paper)",
            "Message",
            "Message service",
            "Social media message",
            "Social media interaction",
            "Fax",
            "Invoice",
            "Medical record",
            "Patient medical record",
            "Media",
        ),
        "media",
    ),
    **dict.fromkeys(("Parcel", "Package delivery"), "product"),
}

#: The channel of a CJML action (a touchpoint without communication, hence without a channel).
ACTION_CHANNEL = "product"

#: Channels whose touchpoints the service provider starts (``journey graph --format cjml`` makes the
#: provider their initiator and the end user their receiver; the end user starts all others).
PROVIDER_CHANNELS = frozenset({"advertising", "pr", "media", "partner", "delegated"})

_TOUCHPOINTS = ("plannedCommunicationPoint", "actualCommunicationPoint", "plannedAction", "actualAction")
_WORDS = {
    "very negative": 1.0,
    "negative": 2.0,
    "neutral": 3.0,
    "positive": 4.0,
    "very positive": 5.0,
}


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


_LOOKUP = {_key(name): channel for name, channel in CJML_CHANNELS.items()}


def channel_of(name: str, extra: dict[str, str] | None = None) -> str | None:
    """The channel of the language for a CJML channel name, or ``None`` when it is not known.

    Examples
    --------
    >>> channel_of("Internet via smartphone"), channel_of("face2face"), channel_of("Carrier pigeon")
    ('digital', 'staff', None)
    >>> channel_of("Carrier pigeon", {"carrier pigeon": "media"})
    'media'
    """
    extra_lookup = {_key(key): value for key, value in (extra or {}).items()}
    found = extra_lookup.get(_key(name)) or _LOOKUP.get(_key(name))
    if found is not None:
        return found
    if name.strip().lower() in CHANNELS:
        return name.strip().lower()
    return None


# ---- a small element tree with positions ---------------------------------------------------------


@dataclass
class Element:
    """An XML element with the line and column of its start tag; tags without a namespace prefix."""

    tag: str
    attributes: dict[str, str]
    line: int
    column: int
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Element | None:
        """The first child with this tag."""
        return next((child for child in self.children if child.tag == tag), None)

    def findtext(self, *path: str) -> str:
        """The text of the element at this path of child tags, stripped, or ``""``."""
        element: Element | None = self
        for tag in path:
            element = element.find(tag) if element is not None else None
        return element.text.strip() if element is not None else ""


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def parse_xml(source: Source) -> Element:
    """The document's root element; :class:`ImportFailed` for malformed XML or any DTD.

    Parameters
    ----------
    source : Source
        The XML text.

    Returns
    -------
    Element
        The root, with positions (1-based lines and columns).
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    root: list[Element] = []

    class Refused(Exception):
        pass

    def doctype(*_: object) -> None:
        raise Refused

    def start(tag: str, attributes: dict[str, str]) -> None:
        element = Element(_local(tag), attributes, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(_: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(source.text.encode("utf-8"), True)
    except Refused:
        line, column = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        found = re.search(r"<!DOCTYPE", source.text, re.IGNORECASE)
        if found is not None:
            line = source.text.count("\n", 0, found.start()) + 1
            column = found.start() - (source.text.rfind("\n", 0, found.start()) + 1) + 1
        source.fail(
            "JI302",
            "the document declares a document type (DTD); it is refused",
            line,
            column,
            9,
            "CJML needs no DTD: remove the <!DOCTYPE ...> declaration",
        )
    except expat.ExpatError as error:
        source.fail(
            "JI301",
            f"the XML is malformed: {expat.ErrorString(error.code)}",
            error.lineno,
            error.offset + 1,
            1,
            "check that every tag is closed and every & is written &amp;",
        )
    return root[0]


# ---- the journey -------------------------------------------------------------------------------


def read_cjml(
    text: str,
    file: str,
    *,
    journey_id: str | None = None,
    channels: dict[str, str] | None = None,
    action_channel: str = ACTION_CHANNEL,
) -> Draft:
    """Read a CJML document into a draft journey.

    Parameters
    ----------
    text : str
        The XML.
    file : str
        Its name, for diagnostics.
    journey_id : str, optional
        The ``journeyID`` of the journey to import (default: the first planned journey,
        else the first actual one).
    channels : dict of str to str, optional
        CJML channel names (any case) mapped to channels of the language, before :data:`CJML_CHANNELS`.
    action_channel : str
        The channel of an action.

    Returns
    -------
    Draft
        The journey's phases as stages and its touchpoints in document order.

    Raises
    ------
    ImportFailed
        For malformed XML, a DTD, a document that is not CJML, an unknown channel.

    Examples
    --------
    >>> doc = '''<CJML version="2.0"><actualJourney><journeyID>AJ1</journeyID><touchpoints>
    ... <actualCommunicationPoint><touchpointID>TP1</touchpointID>
    ... <initiator><refersTo actorIDref="Carl"/><initiatorLabel>Creates account</initiatorLabel></initiator>
    ... <channel><channelName>Web</channelName></channel></actualCommunicationPoint>
    ... </touchpoints></actualJourney></CJML>'''
    >>> tp = read_cjml(doc, "a.xml").stages[0].touchpoints[0]
    >>> tp.name, tp.channel
    ('Creates account', 'digital')
    """
    source = Source(text, file)
    root = parse_xml(source)
    if root.tag.lower() != "cjml":
        source.fail(
            "JI303",
            f"the document's root is <{root.tag}>, not <CJML>",
            root.line,
            root.column,
            len(root.tag) + 1,
            'a CJML document reads <CJML version="2.0"> <plannedJourney> ... </CJML>',
        )
    journeys = [child for child in root.children if child.tag in ("plannedJourney", "actualJourney")]
    if not journeys:
        source.fail(
            "JI303",
            "the CJML document holds no <plannedJourney> or <actualJourney>",
            root.line,
            root.column,
            len(root.tag) + 1,
            "a CJML document holds its journeys directly inside <CJML>",
        )
    ids = [j.findtext("journeyID") for j in journeys]
    if journey_id is not None:
        chosen = next((j for j, i in zip(journeys, ids, strict=True) if i == journey_id), None)
        if chosen is None:
            source.fail(
                "JI305",
                f"the document has no journey `{journey_id}`",
                root.line,
                root.column,
                len(root.tag) + 1,
                did_you_mean(journey_id, ids) or f"its journeys are {', '.join(i or '(no ID)' for i in ids)}",
            )
    else:
        planned = [j for j in journeys if j.tag == "plannedJourney"]
        chosen = (planned or journeys)[0]
    assert chosen is not None
    notes = []
    if len(journeys) > 1:
        notes.append(
            f"The document holds {len(journeys)} journeys ({', '.join(i or '(no ID)' for i in ids)}); "
            f"this is {chosen.findtext('journeyID') or 'the first'} (choose with --journey ID)."
        )
    name = chosen.findtext("journeyTitle") or chosen.findtext("journeyID") or PurePath(file).stem
    phases: dict[str, str] = {}
    order: list[str] = []
    for phase in (chosen.find("journeyPhases") or Element("", {}, 0, 0)).children:
        if phase.tag != "journeyPhase":
            continue
        ident = phase.attributes.get("phaseID", "").strip()
        phases[ident] = phase.findtext("phaseName") or ident or f"phase {len(order) + 1}"
        order.append(ident)
    actors = chosen.find("actors")
    end_users = []
    for actor in actors.children if actors is not None else []:
        if actor.tag == "endUser":
            end_users.append(actor.findtext("actorName") or actor.attributes.get("actorID", "") or "end user")
    touchpoints: dict[str, list[DraftTouchpoint]] = {ident: [] for ident in order}
    loose: list[DraftTouchpoint] = []
    current: str | None = None
    holder = chosen.find("touchpoints")
    for element in holder.children if holder is not None else []:
        if element.tag not in _TOUCHPOINTS:
            continue
        touchpoint = _touchpoint(source, element, channels or {}, action_channel)
        if touchpoint is None:
            continue
        belongs = element.find("belongsTo")
        phase_ref = belongs.attributes.get("phaseIDref", "").strip() if belongs is not None else None
        if phase_ref is not None and phase_ref not in touchpoints:
            touchpoints[phase_ref] = []
            order.append(phase_ref)
            phases[phase_ref] = phase_ref or f"phase {len(order)}"
        current = phase_ref if phase_ref is not None else current
        (touchpoints[current] if current is not None else loose).append(touchpoint)
    source.fail_if_problems()
    stages = [DraftStage(clean_name(name, "journey"), tuple(loose))] if loose else []
    stages += [DraftStage(phases[ident], tuple(touchpoints[ident])) for ident in order]
    if len(end_users) > 1:
        notes.append("CJML end users became segments with equal shares.")
    return Draft(
        clean_name(name, "imported journey"),
        tuple(stages),
        tuple((user, None) for user in end_users) if len(end_users) > 1 else (),
        tuple(notes),
    )


def _touchpoint(
    source: Source, element: Element, channels: dict[str, str], action_channel: str
) -> DraftTouchpoint | None:
    """One CJML touchpoint as a draft touchpoint; a diagnostic (and ``None``) for an unknown channel."""
    name = (
        element.findtext("initiator", "initiatorLabel")
        or element.findtext("receiver", "receiverLabel")
        or element.findtext("touchpointID")
        or "touchpoint"
    )
    channel_element = element.find("channel")
    channel_name = element.findtext("channel", "channelName") or (
        channel_element.text.strip() if channel_element else ""
    )
    if element.tag.endswith("Action") or not channel_name:
        channel = action_channel
    else:
        found = channel_of(channel_name, channels)
        if found is None:
            at = channel_element.find("channelName") if channel_element is not None else None
            spot = at or channel_element or element
            source.problem(
                "JI304",
                f"CJML channel `{channel_name}` has no channel in the journey language",
                spot.line,
                spot.column,
                len(spot.tag) + 1,
                f'map it with --channel "{channel_name}=media" (channels: {", ".join(CHANNELS)})',
            )
            return None
        channel = found
    effects: tuple[DraftEffect, ...] = ()
    rating_text = element.findtext("touchpointExperience", "experienceRating")
    if rating_text:
        score = _WORDS.get(" ".join(rating_text.lower().split()))
        if score is None:
            try:
                score = float(rating_text)
            except ValueError:
                score = None
        experience = element.find("touchpointExperience")
        if score is None or not 1.0 <= score <= 5.0:
            spot = experience or element
            source.problem(
                "JI306",
                f"experience rating `{rating_text}` is not 1 to 5",
                spot.line,
                spot.column,
                len(spot.tag) + 1,
                "rate from 1 (very negative) to 5 (very positive), or write the words",
            )
            return None
        rating = score_effect(score)
        effects = (DraftEffect("module", "feel", rating.effect, rating),)
    return DraftTouchpoint(name, channel, element.line, effects=effects)
