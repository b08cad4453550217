"""A journey in a notebook: a one-line ``repr``, an HTML summary with its graph, and the shared helpers.

Jupyter shows an object by calling its ``_repr_html_`` (and ``repr`` in a
plain console).  :class:`~journeydsl.lang.model.Journey` calls
:func:`journey_repr` and :func:`journey_html` here; the results of the
simulator and the analyses use :func:`html_table`, :func:`number` and
:func:`require_pandas` from :mod:`journeydsl.sim.notebook` and
:mod:`journeydsl.analysis.notebook`.

Every name a designer wrote goes through :func:`~journeydsl.lang.escape.html_text`
(HTML) or Python's ``repr`` (which writes control characters and invisible
marks as escapes).  The journey's graph is Graphviz's drawing of
:func:`~journeydsl.lang.export.to_dot` as inline SVG when the ``dot`` program is
installed, else a small table of stages and touchpoints.  pandas is imported
only when a frame is asked for; without it :func:`require_pandas` raises an
:class:`ImportError` that says how to install it.

Examples
--------
>>> from journeydsl.api import loads
>>> journey = loads('journey "Coffee" { stage order goal { touchpoint barista: staff { feel +2 } } }')
>>> journey_repr(journey)
"<Journey 'Coffee': 1 stage, 1 touchpoint, 0 segments, 1 design>"
>>> "<svg" in journey_html(journey, graph=False)
False
"""

from __future__ import annotations

import importlib
import math
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from typing import Any

from .decisions import METRIC_UNITS
from .designs import design_names
from .escape import html_text
from .export import to_dot
from .model import Journey, Touchpoint

__all__ = [
    "FRAMES_EXTRA",
    "GRAPH_LIMIT",
    "count",
    "graph_svg",
    "html_table",
    "journey_html",
    "journey_repr",
    "number",
    "require_pandas",
    "value_text",
]

#: How to install what :meth:`to_frame` needs (the ``frames`` extra of ``pyproject.toml``).
FRAMES_EXTRA = "pip install 'journeydsl[frames]'"

#: Journeys with more touchpoints than this are shown as a table, not drawn (Graphviz would take long
#: and the drawing would be too small to read).
GRAPH_LIMIT = 150

#: How long Graphviz may take to draw a journey, in seconds, before the table is shown instead.
_DOT_TIMEOUT = 20.0

#: The style of every table: small, left-aligned, numbers right-aligned (class ``num``).
_STYLE = (
    "<style>"
    ".journeydsl table{border-collapse:collapse;margin:0.3em 0 0.8em 0;font-size:0.9em}"
    ".journeydsl th,.journeydsl td{padding:0.15em 0.6em;text-align:left;vertical-align:top;"
    "border-bottom:1px solid #ddd}"
    ".journeydsl td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".journeydsl caption{text-align:left;font-weight:bold;padding-bottom:0.2em}"
    ".journeydsl .graph{overflow-x:auto;max-width:100%}"
    ".journeydsl .note{color:#666;font-size:0.85em}"
    "</style>"
)


def require_pandas() -> Any:
    """pandas, imported now; an :class:`ImportError` naming the extra to install when it is missing.

    Returns
    -------
    module
        The ``pandas`` module.

    Raises
    ------
    ImportError
        When pandas is not installed: ``to_frame() needs pandas: pip install 'journeydsl[frames]'``.
    """
    try:
        return importlib.import_module("pandas")
    except ImportError as error:
        raise ImportError(f"to_frame() needs pandas, which is not installed: {FRAMES_EXTRA}") from error


def count(amount: int, word: str, plural: str | None = None) -> str:
    """``1 stage``, ``5 stages``, ``2,030 customers``.

    Examples
    --------
    >>> count(1, "replication"), count(2030, "customer"), count(2, "opportunity", "opportunities")
    ('1 replication', '2,030 customers', '2 opportunities')
    """
    return f"{amount:,} {word if amount == 1 else (plural or word + 's')}"


def number(value: float | None) -> str:
    """A figure to about three significant digits, without an exponent: ``68.9``, ``3.53``, ``31,970``.

    ``None`` and figures that are not finite are a dash.

    Examples
    --------
    >>> [number(v) for v in (68.9453, 3.5309, 0.0208333, 31970.3, 999.7, 0.0, -2.61964, None)]
    ['68.9', '3.53', '0.0208', '31,970', '1,000', '0', '-2.62', '-']
    """
    if value is None or not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    size = abs(value)
    decimals = 0 if size >= 1000 else min(6, max(0, 2 - math.floor(math.log10(size))))
    if round(size, decimals) >= 1000:  # 999.7 rounds up to 1,000
        return f"{value:,.0f}"
    return f"{value:.{decimals}f}"


def value_text(metric: str, value: float | None, time_unit: str | None = None) -> str:
    """A metric's figure as a designer reads it: shares in percent, times with their unit.

    Examples
    --------
    >>> value_text("conversion_rate", 0.873), value_text("time_in_journey", 42.5, "minutes"), value_text("nps", 68.9)
    ('87.3%', '42.5 minutes', '68.9')
    """
    if value is None or not math.isfinite(value):
        return "-"
    unit = METRIC_UNITS.get(metric)
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "time" and time_unit:
        return f"{number(value)} {time_unit}"
    return number(value)


def html_table(
    header: Sequence[str] | None,
    rows: Iterable[Sequence[str | float | int | None]],
    *,
    caption: str | None = None,
    numeric: Iterable[int] = (),
    row_headers: bool = False,
) -> str:
    """An HTML table; every cell is escaped (numbers are written with :func:`number`).

    Parameters
    ----------
    header : sequence of str or None
        The column headings (``None``: no heading row).
    rows : iterable of sequences
        The cells, as text or numbers (``None`` is a dash).
    caption : str, optional
        The table's caption.
    numeric : iterable of int
        The columns to right-align (numbers are right-aligned wherever they stand).
    row_headers : bool
        The first cell of each row heads its row (``<th scope="row">``).

    Returns
    -------
    str
        A ``<table>`` element.

    Examples
    --------
    >>> html_table(["name", "visits", "share"], [["<b>", 3000, 0.25]])
    '<table><thead><tr><th>name</th><th>visits</th><th>share</th></tr></thead><tbody><tr><td>&lt;b&gt;</td><td class="num">3,000</td><td class="num">0.250</td></tr></tbody></table>'
    """
    right = set(numeric)
    parts = ["<table>"]
    if caption is not None:
        parts.append(f"<caption>{html_text(caption)}</caption>")
    if header is not None:
        parts.append("<thead><tr>" + "".join(f"<th>{html_text(title)}</th>" for title in header) + "</tr></thead>")
    parts.append("<tbody>")
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            is_number = isinstance(cell, (int, float)) and not isinstance(cell, bool)
            if isinstance(cell, int) and is_number:
                text = f"{cell:,}"
            elif is_number and cell is not None:
                text = number(float(cell))
            else:
                text = "-" if cell is None else str(cell)
            if row_headers and index == 0:
                cells.append(f'<th scope="row">{html_text(text)}</th>')
                continue
            css = ' class="num"' if is_number or index in right else ""
            cells.append(f"<td{css}>{html_text(text)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def wrap_html(body: str) -> str:
    """HTML in the ``journeydsl`` block with the tables' style."""
    return f'<div class="journeydsl">{_STYLE}{body}</div>'


# ---- the journey ---------------------------------------------------------------------


def journey_repr(journey: Journey) -> str:
    """The journey in one line: its name and how many stages, touchpoints, segments and designs it has.

    Touchpoints count those of the stages (choice options included) and the library's;
    designs are the baseline and every variant.
    """
    return (
        f"<Journey {journey.name!r}: {count(len(journey.stages), 'stage')}, "
        f"{count(len(journey.all_touchpoints()), 'touchpoint')}, {count(len(journey.segments), 'segment')}, "
        f"{count(1 + len(journey.variants), 'design')}>"
    )


def _listed(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _summary_rows(journey: Journey) -> list[tuple[str, str]]:
    library = len(journey.touchpoints)
    touchpoints = len(journey.all_touchpoints())
    rows = [("journey", journey.name)]
    if journey.span.file not in ("<string>", "<unknown>"):
        rows.append(("file", journey.span.file))
    rows.append(("stages", f"{len(journey.stages)}: {_listed([s.name for s in journey.stages])}"))
    rows.append(("touchpoints", f"{touchpoints}" + (f" ({library} in the library)" if library else "")))
    if journey.care:
        rows.append(("care programmes", _listed([c.name for c in journey.care])))
    segments = [s.name + (f" {s.share}" if s.share is not None else "") for s in journey.segments]
    rows.append(("segments", _listed(segments) if segments else "none (one kind of customer)"))
    rows.append(("designs", _listed(design_names(journey))))
    if journey.design_tests:
        rows.append(("design tests", str(len(journey.design_tests))))
    if journey.arrivals is not None:
        rows.append(("arrivals", journey.arrivals.kind))
    rows.append(("time unit", journey.time_unit or "minutes"))
    if journey.horizon is not None:
        rows.append(("horizon", str(journey.horizon)))
    return rows


def _step_names(touchpoints: Sequence[Touchpoint]) -> str:
    return ", ".join(f"{tp.name} ({tp.channel})" for tp in touchpoints)


def _stage_table(journey: Journey) -> str:
    rows: list[list[str | float | int | None]] = [
        [stage.name, stage.phase or "", "yes" if stage.goal else "", _step_names(stage.touchpoints())]
        for stage in journey.stages
    ]
    if journey.touchpoints:
        rows.append(["(library)", "", "", _step_names(journey.touchpoints)])
    return html_table(["stage", "phase", "goal", "touchpoints (channel)"], rows, caption="Stages")


def graph_svg(journey: Journey) -> str | None:
    """The journey drawn by Graphviz (``dot -Tsvg`` of :func:`~journeydsl.lang.export.to_dot`) as inline SVG.

    ``None`` when Graphviz is not installed, fails, takes longer than 20 seconds, or the journey
    has more than :data:`GRAPH_LIMIT` touchpoints.  The SVG has no XML prolog and no comments.
    """
    executable = shutil.which("dot")
    if executable is None or len(journey.all_touchpoints()) > GRAPH_LIMIT:
        return None
    try:
        done = subprocess.run(
            [executable, "-Tsvg"],
            input=to_dot(journey),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=_DOT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    start = done.stdout.find("<svg")
    if done.returncode != 0 or start < 0:
        return None
    svg = re.sub(r"<!--.*?-->\n?", "", done.stdout[start:], flags=re.S).strip()
    return '<svg style="max-width:100%;height:auto"' + svg[len("<svg") :]


def journey_html(journey: Journey, *, graph: bool = True) -> str:
    """The journey as HTML for a notebook: a summary table, then its graph (or a stage table).

    Parameters
    ----------
    journey : Journey
        The journey.
    graph : bool
        Draw the graph with Graphviz when it is installed (see :func:`graph_svg`);
        ``False`` (or no Graphviz) shows the stages and their touchpoints as a table.

    Returns
    -------
    str
        HTML, every name escaped.
    """
    summary = html_table(None, _summary_rows(journey), row_headers=True)
    drawing = graph_svg(journey) if graph else None
    if drawing is None:
        return wrap_html(summary + _stage_table(journey))
    return wrap_html(summary + f'<div class="graph">{drawing}</div>')
