"""Text on charts that never overprints: names at points, names along an axis, legends clear of the ticks.

Three things every chart with many touchpoints needs, written once:

- :func:`place_labels` writes a name next to each point of a scatter,
  clear of the other names, of every point (with its interval) and of the
  axes' edges.  It tries places round the point, nearest first (right, left,
  above, below, then the corners, then farther out, with a thin line back
  to the point), and keeps the first that is free.  Points drawn at the same
  place share one label.  A name with no free place anywhere becomes a
  number next to its point, and the numbers are listed in a key beside the
  axes, so every point stays named and no text covers another.
- :func:`name_ticks` writes names along an axis (touchpoints, stages): the
  more names, the smaller and steeper they stand (upright up to a slope of
  90 degrees), a long name is shortened with an ellipsis (never into a name
  another tick has), and when even upright names would touch only every
  second, third ... name is written.
- :func:`legend_below` puts the axes' legend under the axes, below the tick
  labels however tall they stand (anchored under them as they are drawn).

Everything is measured in points on the figure as it is laid out when the
function is called, so draw on axes of their final size (the size the
figure is saved at).  Names are drawn as given: escape names a journey gives
with :func:`journeydsl.lang.escape.plot_text` first.

Examples
--------
>>> shortened("t14_determine_document_x", 60.0, 8.0)
't14_determi…'
>>> steps(20, per_name=30.0, size=8.0)
(30.0, 1)
>>> steps(60, per_name=11.0, size=8.0)
(90.0, 1)
>>> steps(120, per_name=5.5, size=7.0)
(90.0, 2)
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text

__all__ = [
    "PointLabel",
    "Placement",
    "place_labels",
    "TickNames",
    "name_ticks",
    "tick_names",
    "steps",
    "shortened",
    "text_width",
    "legend_below",
]

#: Grey of the lines from a name placed away from its point back to the point.
LEADER_COLOUR = "#999999"

#: Points kept free between a name and anything else (anti-aliasing and a different resolution at saving).
GAP = 2.0

#: The slopes (degrees) names along an axis may stand at, the flattest that fits first.
SLOPES = (30.0, 45.0, 60.0, 90.0)

#: Points this close (in points, across and along) are drawn at one place: they share one label.
TOGETHER = 1.5

#: Characters per line of an entry of the key of numbered points (a longer entry is wrapped).
KEY_WIDTH = 40

#: Line height of a name as a multiple of its font size: names on neighbouring ticks keep this apart.
LINE = 1.3

#: The longest a name along an axis is drawn, in points (1.8 inches; a note after it not counted), before it is
#: shortened: about 26 characters at 9 points.
LONGEST_TICK = 130.0


# ---- names at points -----------------------------------------------------------------


class PointLabel(NamedTuple):
    """A point to name: its name (escaped), where it is (data), and the interval it stands in, if any.

    ``low`` and ``high`` are the ends of a vertical interval (an error bar)
    drawn through the point: no name is written over it.
    """

    text: str
    x: float
    y: float
    low: float | None = None
    high: float | None = None


class Placement(NamedTuple):
    """Where :func:`place_labels` wrote each name.

    ``texts`` are the texts written at points (names, or numbers); ``key``
    maps each number written instead of a name to the names it stands for;
    ``unplaced`` are names for which not even a number found a free place
    (listed in the key as well, with a dash).
    """

    texts: list[Text]
    key: dict[int, list[str]]
    unplaced: list[str]


#: The directions tried round a point, the likeliest to be free first (right, left, above, below, corners).
_DIRECTIONS = (0, 180, 90, 270, 30, 330, 150, 210, 60, 300, 120, 240)


def place_labels(
    ax: Axes,
    points: Sequence[PointLabel],
    *,
    fontsize: float = 8.0,
    reach: float = 5.0,
    key_title: str = "numbered points",
    **text: Any,
) -> Placement:
    """Write each point's name next to it, overprinting no other name, point or interval; else a number and a key.

    The points are named in the order given (give the most important first:
    it gets the nearest place).  Points within ``reach`` of each other share
    one label, their names joined with commas.  A name is tried at places
    round its point, nearest first; the first place inside the axes that
    keeps :data:`GAP` points from every point, interval and name already
    written is kept, joined to its point by a thin line when it is not right
    next to it.  A name that finds no place is written as a number, and the
    numbers are listed in a key (the axes' legend, to the right of the axes).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes, with its points drawn, at its final size: the names are
        placed for it (the figure is laid out once to measure it).
    points : sequence of PointLabel
        The points to name.
    fontsize : float
        Size of the names, in points.
    reach : float
        How far (points) a point's marker and interval reach from their centre line.
    key_title : str
        Title of the key of numbered points.
    **text
        Further properties of the names (colour, weight ...).

    Returns
    -------
    Placement
        The texts written, the key, and the names that found no place.

    Notes
    -----
    Deterministic: the same points on the same axes give the same picture.
    Adding the key narrows the axes, so the names are placed again once the
    key is there, until a placement needs the key it was made with.
    """
    figure = ax.get_figure(root=True)
    if figure is None or not points:
        return Placement([], {}, [])
    placement = Placement([], {}, [])
    keyed: tuple[list[list[str]], list[str]] = ([], [])
    for _ in range(_PASSES):
        for written in placement.texts:
            written.remove()
        placement = _place_once(ax, figure, points, fontsize, reach, text)
        now = (list(placement.key.values()), placement.unplaced)
        if now == keyed:
            break  # placed with the key it needs
        keyed = now
        _key(ax, placement, fontsize, key_title)  # the key narrows the axes: place the names again
    return placement


#: Most placements :func:`place_labels` makes (each after the key the last one needed is there; the key
#: is as wide whatever it lists, so the second placement is nearly always the last).
_PASSES = 5


class _Group(NamedTuple):
    names: list[str]
    at: tuple[float, float]  # the first point's place, data
    x: float  # pixels
    y: float
    box: tuple[float, float, float, float]  # the marker and interval, pixels: x0, y0, x1, y1


def _groups(ax: Axes, points: Sequence[PointLabel], reach: float, together: float) -> list[_Group]:
    """The points in pixels, each with its box ``reach`` pixels round it; points ``together`` apart are one group."""
    to_pixels = ax.transData
    groups: list[_Group] = []
    for point in points:
        px, py = (float(v) for v in to_pixels.transform((point.x, point.y)))
        ends = [py]
        for end in (point.low, point.high):
            if end is not None and math.isfinite(end):
                ends.append(float(to_pixels.transform((point.x, end))[1]))
        box = (px - reach, min(ends) - reach, px + reach, max(ends) + reach)
        same = next((g for g in groups if abs(g.x - px) <= together and abs(g.y - py) <= together), None)
        if same is None:
            groups.append(_Group([point.text], (point.x, point.y), px, py, box))
        else:
            same.names.append(point.text)
            index = groups.index(same)
            x0, y0, x1, y1 = same.box
            groups[index] = same._replace(box=(min(x0, box[0]), min(y0, box[1]), max(x1, box[2]), max(y1, box[3])))
    return groups


def _place_once(
    ax: Axes,
    figure: Figure,
    points: Sequence[PointLabel],
    fontsize: float,
    reach: float,
    properties: dict[str, Any],
) -> Placement:
    import textwrap

    import numpy as np

    from .figures import lay_out

    lay_out(figure)  # the axes where saving puts them: data and pixels correspond
    scale = figure.dpi / 72.0
    room = _Room(ax.get_window_extent(_renderer(figure)), GAP * scale, fontsize * scale)
    groups = _groups(ax, points, reach * scale, TOGETHER * scale)
    room.taken = np.array([g.box for g in groups], dtype=float).reshape(-1, 4)
    texts: list[Text] = []
    key: dict[int, list[str]] = {}
    unplaced: list[str] = []
    for group in groups:
        numbered = False
        label = "\n".join(textwrap.wrap(", ".join(group.names), KEY_WIDTH))
        spot = room.free(group, _measure(figure, label, fontsize, properties))
        if spot is None and not numbered:
            numbered, label = True, str(len(key) + 1)
            spot = room.free(group, _measure(figure, label, fontsize, properties))
        if spot is None:  # a number's line may cross other names' lines and names (never a name itself)
            spot = room.free(group, _measure(figure, label, fontsize, properties), strict=False)
        if spot is None:
            unplaced += group.names
            continue
        if numbered:
            key[len(key) + 1] = group.names
        texts += _write(ax, figure, group, label, spot, fontsize, properties)
        room.take(spot)
    return Placement(texts, key, unplaced)


class _Spot(NamedTuple):
    """A free place for a label: its offset from the point and alignment, its box, and its leader line if any."""

    dx: float  # pixels
    dy: float
    ha: str
    va: str
    box: tuple[float, float, float, float]
    leader: tuple[float, float, float, float] | None  # from the point's box to the label, pixels


class _Room:
    """What is taken on the axes (boxes of points and labels, leader lines) and where a label still fits."""

    def __init__(self, frame: Any, gap: float, step: float) -> None:
        import numpy as np

        self.frame, self.gap, self.step = frame, gap, step
        self.taken = np.zeros((0, 4))
        self.labels: list[tuple[float, float, float, float]] = []
        self.leaders: list[tuple[float, float, float, float]] = []

    def take(self, spot: _Spot) -> None:
        import numpy as np

        self.taken = np.vstack([self.taken, spot.box])
        self.labels.append(spot.box)
        if spot.leader is not None:
            self.leaders.append(spot.leader)

    def free(self, group: _Group, size: tuple[float, float], *, strict: bool = True) -> _Spot | None:
        """The first free place for a label ``size`` pixels big round ``group``, nearest first.

        Strict, a label's leader line crosses no other label and no label
        lies across another's leader line; else only the boxes count.
        """
        width, height = size
        x0, y0, x1, y1 = group.box
        farthest = max(self.frame.width, self.frame.height)
        for ring in itertools.count():
            out = self.gap + ring * self.step
            if out > farthest:
                break
            for angle in _DIRECTIONS if ring < 2 else _DIRECTIONS + tuple(a + 15 for a in _DIRECTIONS):
                cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
                ha = "left" if cos > 0.3 else "right" if cos < -0.3 else "center"
                va = "bottom" if sin > 0.3 else "top" if sin < -0.3 else "center"
                # The anchor: on the edge of the point's box in this direction, then ``out`` farther.
                edge = (
                    x1 if cos > 0.3 else x0 if cos < -0.3 else group.x,
                    y1 if sin > 0.3 else y0 if sin < -0.3 else group.y,
                )
                at = (edge[0] + cos * out, edge[1] + sin * out)
                left = at[0] if ha == "left" else at[0] - width if ha == "right" else at[0] - width / 2
                bottom = at[1] if va == "bottom" else at[1] - height if va == "top" else at[1] - height / 2
                box = (left, bottom, left + width, bottom + height)
                leader = (*edge, *at) if ring > 0 else None
                if self._fits(box, leader if strict else None, strict):
                    return _Spot(at[0] - group.x, at[1] - group.y, ha, va, box, leader)
        return None

    def _fits(
        self, box: tuple[float, float, float, float], leader: tuple[float, float, float, float] | None, strict: bool
    ) -> bool:
        import numpy as np

        gap, frame, taken = self.gap, self.frame, self.taken
        if box[0] < frame.x0 + gap or box[2] > frame.x1 - gap or box[1] < frame.y0 + gap or box[3] > frame.y1 - gap:
            return False
        clear = (
            (taken[:, 0] >= box[2] + gap)
            | (taken[:, 2] <= box[0] - gap)
            | (taken[:, 1] >= box[3] + gap)
            | (taken[:, 3] <= box[1] - gap)
        )
        if not bool(np.all(clear)):
            return False
        if strict and any(_crosses(line, box, gap) for line in self.leaders):
            return False
        return leader is None or not any(_crosses(leader, other, gap) for other in self.labels)


def _crosses(line: tuple[float, float, float, float], box: tuple[float, float, float, float], gap: float) -> bool:
    """Whether the segment ``line`` (x0, y0, x1, y1) passes through ``box`` grown by ``gap`` (Liang-Barsky)."""
    x0, y0, x1, y1 = line
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in (
        (-dx, x0 - (box[0] - gap)),
        (dx, (box[2] + gap) - x0),
        (-dy, y0 - (box[1] - gap)),
        (dy, (box[3] + gap) - y0),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def _write(
    ax: Axes, figure: Figure, group: _Group, label: str, spot: _Spot, fontsize: float, properties: dict[str, Any]
) -> list[Text]:
    """Write ``label`` at ``spot`` (points from its point, so it keeps its place if the axes move), with its leader."""
    from matplotlib.transforms import offset_copy

    points = 72.0 / figure.dpi
    written = ax.text(
        *group.at,
        label,
        transform=offset_copy(ax.transData, figure, x=spot.dx * points, y=spot.dy * points, units="points"),
        ha=spot.ha,
        va=spot.va,
        fontsize=fontsize,
        zorder=6,
        **properties,
    )
    written.set_in_layout(False)  # inside the axes: the layout need not make room for it
    if spot.leader is None:
        return [written]
    x0, y0, x1, y1 = spot.leader
    edge = offset_copy(ax.transData, figure, x=(x0 - group.x) * points, y=(y0 - group.y) * points, units="points")
    leader = ax.annotate(
        "",
        group.at,
        xycoords=edge,
        xytext=((x1 - x0) * points, (y1 - y0) * points),
        textcoords="offset points",
        arrowprops={"arrowstyle": "-", "color": LEADER_COLOUR, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 0},
        zorder=5,
    )
    leader.set_in_layout(False)
    return [written, leader]


def _measure(figure: Figure, label: str, fontsize: float, properties: dict[str, Any]) -> tuple[float, float]:
    """A label's width and height in pixels as Matplotlib draws it on ``figure``."""
    probe = figure.text(0, 0, label, fontsize=fontsize, **{k: v for k, v in properties.items() if k in _TEXT_KEYS})
    box = probe.get_window_extent(_renderer(figure))
    probe.remove()
    return float(box.width), float(box.height)


#: Properties of a name that change its size (others, colour for one, do not).
_TEXT_KEYS = frozenset({"fontweight", "weight", "fontfamily", "family", "fontstyle", "style", "fontstretch"})


def _renderer(figure: Figure) -> RendererBase:
    return figure._get_renderer()  # type: ignore[attr-defined]


def _key(ax: Axes, placement: Placement, fontsize: float, title: str) -> None:
    """List the numbered points (and those left unmarked) in the axes' legend, to the right of the axes.

    The key is as tall as the axes at most, in one column (two on a figure
    wide enough that they leave the axes most of it); what does not fit is
    counted on its last line, so the key never squeezes the chart away.
    """
    import textwrap

    from matplotlib.lines import Line2D

    entries = [f"{number}  {', '.join(names)}" for number, names in placement.key.items()]
    entries += [f"–  {name} (no room to mark it)" for name in placement.unplaced]
    entries = ["\n".join(textwrap.wrap(entry, KEY_WIDTH, subsequent_indent="    ")) for entry in entries]
    if not entries:
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        return
    figure = ax.get_figure(root=True)
    inches = (figure.get_figwidth(), figure.get_figheight()) if figure is not None else (6.4, 4.8)
    rows = max(2, int(ax.get_position().height * inches[1] * 72.0 // (fontsize * 1.6)) - 1)  # lines, less the title
    columns = max(1, min(2, int(inches[0] * 72.0 * 0.3 // (KEY_WIDTH * fontsize * 0.55))))
    shown: list[str] = []
    lines = 0
    for number, entry in enumerate(entries):
        if lines + entry.count("\n") + 1 > rows * columns - 1 and number < len(entries) - 1:
            shown.append(f"… and {len(entries) - number} more")
            break
        shown.append(entry)
        lines += entry.count("\n") + 1
    empty = [Line2D([], [], linestyle="none") for _ in shown]
    ax.legend(
        empty,
        shown,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        title=title,
        fontsize=fontsize - 0.5,
        title_fontsize=fontsize,
        handlelength=0,
        handletextpad=0,
        ncols=columns if lines > rows else 1,
        alignment="left",
    )


# ---- names along an axis -------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """How wide ``text`` is drawn at ``size`` points, in points (Matplotlib's own text layout)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    font = FontProperties(size=size, weight="bold" if bold else "normal")
    return float(TextPath((0, 0), text, prop=font).get_extents().width)


def shortened(text: str, room: float, size: float, bold: bool = False) -> str:
    """``text`` as it fits ``room`` points at ``size``: whole, or cut and ended with an ellipsis.

    The text may be escaped for Matplotlib (:func:`journeydsl.lang.escape.plot_text`):
    the cut never leaves half an escape (a backslash whose character was cut).

    Examples
    --------
    >>> shortened("confirm_receipt", 200.0, 8.0)
    'confirm_receipt'
    >>> shortened("price \\\\$ 5 and more", 30.0, 8.0)
    'price…'
    """
    if text_width(text, size, bold) <= room:
        return text
    while len(text) > 1 and text_width(text + "…", size, bold) > room:
        text = text[:-1]
    while (len(text) - len(text.rstrip("\\"))) % 2:  # half an escape (plot_text's "\\$") left at the cut
        text = text[:-1]
    return text.rstrip() + "…"


def steps(count: int, per_name: float, size: float) -> tuple[float, int]:
    """The slope (degrees) names stand at along an axis, and every how many ticks one is written.

    Neighbouring names stand ``per_name`` points apart along the axis; names
    at slope ``a`` are ``per_name * sin(a)`` apart across their lines, which
    must be :data:`LINE` times the font size.  The flattest slope of
    :data:`SLOPES` that gives that is chosen; when even upright names would
    touch, only every n-th is written.
    """
    need = LINE * size
    for slope in SLOPES:
        if per_name * math.sin(math.radians(slope)) >= need:
            return slope, 1
    return 90.0, max(1, math.ceil(need / max(per_name, 1e-9)))


class TickNames(NamedTuple):
    """How names along an axis are drawn: their labels (empty where one is skipped), size and slope."""

    labels: list[str]
    size: float
    slope: float
    every: int


#: What joins a name and its note on a tick ("t03_adjust · 6%", "advisor · staff"): the note is kept whole.
NOTE = " · "


def _shortened_tick(name: str, size: float) -> str:
    """A tick's name shortened to :data:`LONGEST_TICK`, and a note after :data:`NOTE` kept whole after it."""
    head, joint, note = name.rpartition(NOTE)
    if not joint:
        return shortened(name, LONGEST_TICK, size)
    return shortened(head, LONGEST_TICK, size) + joint + note


def tick_names(names: Sequence[str], length: float, *, size: float | None = None) -> TickNames:
    """The labels, size and slope of ``names`` along an axis ``length`` points long.

    The size is 9 points with 30 points or more per name, 8 with 12 or more,
    else 7 (or ``size``); the slope comes from :func:`steps`.  A name longer
    than :data:`LONGEST_TICK` is shortened with an ellipsis (a note after
    :data:`NOTE`, such as a share, is kept whole), unless that would make it
    read as another tick's label (then it stays whole).

    Examples
    --------
    >>> tick_names(["a", "b"], 400.0)
    TickNames(labels=['a', 'b'], size=9.0, slope=30.0, every=1)
    """
    per_name = length / max(len(names), 1)
    if size is None:
        size = 9.0 if per_name >= 30 else 8.0 if per_name >= 12 else 7.0
    slope, every = steps(len(names), per_name, size)
    short = [_shortened_tick(name, size) for name in names]
    seen: dict[str, int] = {}
    for label in short:
        seen[label] = seen.get(label, 0) + 1
    labels = [whole if seen[label] > 1 else label for whole, label in zip(names, short, strict=True)]
    if every > 1:
        labels = [label if i % every == 0 else "" for i, label in enumerate(labels)]
    return TickNames(labels, size, slope, every)


def name_ticks(ax: Axes, names: Sequence[str], *, axis: str = "x", size: float | None = None) -> TickNames:
    """Put ``names`` on ticks 0, 1, 2 ... of the x (or y) axis, sized, sloped, shortened and thinned to stay apart.

    The axis' length is measured on the figure as it stands (lay the figure
    out first for the exact length; before, the axes' place on its grid is
    used, a little longer than it will be, so the names err on the crowded
    side by the width of the axis' label).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes.
    names : sequence of str
        The names, escaped for Matplotlib.
    axis : {"x", "y"}
        Which axis; names on the y axis are written flat.
    size : float, optional
        Font size; default: by the room per name (see :func:`tick_names`).

    Returns
    -------
    TickNames
        What was written.
    """
    figure = ax.get_figure(root=True)
    position = ax.get_position()
    inches = (figure.get_figwidth(), figure.get_figheight()) if figure is not None else (6.4, 4.8)
    if axis == "y":
        length = position.height * inches[1] * 72.0
        drawn = tick_names(names, length, size=size)
        ax.set_yticks(range(len(names)), drawn.labels, fontsize=drawn.size)
        return drawn
    length = position.width * inches[0] * 72.0 * 0.92  # the y axis' labels will take a little of it
    drawn = tick_names(names, length, size=size)
    upright = drawn.slope >= 90.0
    ax.set_xticks(
        range(len(names)),
        drawn.labels,
        rotation=drawn.slope,
        ha="center" if upright else "right",
        va="top",
        rotation_mode="default" if upright else "anchor",
        fontsize=drawn.size,
    )
    return drawn


# ---- legends -------------------------------------------------------------------------


def legend_below(
    ax: Axes,
    handles: Sequence[Artist] | None = None,
    labels: Sequence[str] | None = None,
    *,
    ncols: int = 3,
    fontsize: float = 8.0,
) -> Legend:
    """The axes' legend under the axes, below its x tick labels however tall they stand.

    The legend is anchored :data:`GAP` points under the lowest x tick label
    as the labels are now (set them first): their depth in points does not
    change when a layout moves or resizes the axes, so the legend stays
    clear of them, and a constrained layout makes room for it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes.
    handles, labels : sequence, optional
        What the legend shows; default: the axes' own handles and labels.
    ncols : int
        Columns of the legend.
    fontsize : float
        Size of its text.

    Returns
    -------
    matplotlib.legend.Legend
    """
    from matplotlib.transforms import offset_copy

    if handles is None:
        handles, found = ax.get_legend_handles_labels()
        labels = found if labels is None else labels
    elif labels is None:
        labels = [str(handle.get_label()) for handle in handles]
    figure = ax.get_figure(root=True)
    anchor = ax.transAxes
    if figure is not None:
        renderer = _renderer(figure)
        ticks = ax.xaxis.get_tightbbox(renderer)
        frame = ax.get_window_extent(renderer)
        depth = (max(0.0, frame.y0 - ticks.y0) * 72.0 / figure.dpi if ticks is not None else 0.0) + 2 * GAP
        anchor = offset_copy(ax.transAxes, figure, y=-depth, units="points")
    return ax.legend(
        list(handles),
        list(labels),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=anchor,
        fontsize=fontsize,
        ncols=ncols,
    )
