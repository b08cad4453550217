"""The journey map: stages as columns, a lane per segment, the emotion curves beneath, pains and opportunities flagged.

The picture designers know from journey-mapping tools (Smaply, UXPressia,
TheyDo), drawn from a simulation instead of workshop guesses:

- **stages** are the columns, each as wide as its touchpoints, named above;
- **touchpoints** are named along the top with their channel, a star marking
  a moment of truth;
- **one lane per segment**: a cell for every touchpoint the segment's
  customers met, coloured by its mean felt effect (the momentary affect of
  their visits) on a diverging scale centred on 0, red for pain and blue for
  delight, with the number and the share of the segment that reached it;
  the segment's peak (highest mean), trough (lowest) and end (most often the
  last moment) are marked with a small symbol in the cell, and a touchpoint
  the segment never met is left empty;
- **the emotion curves** of the segments beneath, on the same columns,
  joined only along the ways their customers walk
  (:mod:`journeydsl.report.paths`);
- **the biggest pains and opportunities** flagged on their columns and
  listed underneath, from a ``journeydsl.opportunities/1`` document when one
  is given (pains: touchpoints whose removal or fixing would improve the
  objective; opportunities: those where one point better improves it most),
  else the pains are the touchpoints that felt worst.

The map is sized for an A4 landscape page (11.7 x 8.3 inches; about 1,400 pixels
wide at 120 dpi) and stays legible from 5 to 33 touchpoints: text shrinks
with the columns' width down to a floor.  A journey of more touchpoints gets
a wider map, each column :data:`NARROWEST_COLUMN` points wide (60
touchpoints: 19 inches), so no cell's text runs into the next; the figure
grows taller with more segments.  Every name a journey gives is drawn through
:func:`journeydsl.lang.escape.plot_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..analysis.compare import LOWER_IS_BETTER
from ..lang.escape import plot_text
from .plots import (
    _STYLE,
    DESIGN_COLOURS,
    PALETTE,
    _columns,
    _draw_ways,
    _drawing,
    _stage_spans,
    curve_figures,
    moments,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .paths import JourneyPaths

__all__ = ["A4_LANDSCAPE", "NARROWEST_COLUMN", "Flag", "flags", "journey_map", "map_width"]

#: The map's size in inches: an A4 page, landscape.
A4_LANDSCAPE = (11.69, 8.27)

#: How many pains and how many opportunities the map flags.
FLAGGED = 3

#: Colours of the segments' curves (the designs' colours without black, which marks the end).
_SEGMENT_COLOURS = DESIGN_COLOURS[1:]

#: The marks of a lane's moments: word, marker, colour, where in the cell (x offset from its centre).
_MOMENT_MARKS = (
    ("peak", "^", PALETTE["green"], -0.3),
    ("trough", "v", PALETTE["vermillion"], -0.3),
    ("end", "s", PALETTE["black"], 0.3),
)


class Flag(NamedTuple):
    """A pain or an opportunity the map flags: where, how it ranks and what it is worth."""

    kind: str
    rank: int
    touchpoint: str
    text: str


@_drawing
def journey_map(
    results: dict[str, Any],
    paths: JourneyPaths | None = None,
    opportunities: dict[str, Any] | None = None,
    fig: Figure | None = None,
) -> Figure:
    """Draw the journey map of a simulated design.

    Parameters
    ----------
    results : dict
        A ``journeydsl.results/1`` document with touchpoint figures per segment.
    paths : JourneyPaths, optional
        The journey's ways (:func:`journeydsl.report.paths.journey_paths`); the
        curves join only touchpoints met one after the other, and without
        them join none.
    opportunities : dict, optional
        A ``journeydsl.opportunities/1`` document of the same design: its
        biggest pains and opportunities are flagged.  Without it the pains
        are the touchpoints that felt worst and no opportunity is flagged.
    fig : matplotlib.figure.Figure, optional
        Where to draw (A4 landscape is what the map is laid out for); a new
        figure, without pyplot, when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    segments = list(results["segments"])
    lanes = [curve_figures(results, name, paths) for name in segments]
    columns = _columns(paths, lanes) or _columns(paths, [curve_figures(results, None, paths)])
    with rc_context(_STYLE):
        if fig is None:
            height = max(A4_LANDSCAPE[1], 6.6 + 0.55 * len(segments))
            fig = Figure(figsize=(map_width(len(columns)), height), layout="constrained")
        sizes = _sizes(fig, len(columns))
        grid = fig.add_gridspec(
            4,
            2,
            height_ratios=[0.32, 0.62 * len(segments) + 0.5, 2.3, 0.95 + 0.2 * ((len(segments) - 1) // 3)],
            width_ratios=[1, 0.018],
        )
        header = fig.add_subplot(grid[0, 0])
        lane_ax = fig.add_subplot(grid[1, 0], sharex=header)
        curve_ax = fig.add_subplot(grid[2, 0], sharex=header)
        notes = fig.add_subplot(grid[3, :])
        bar_ax = fig.add_subplot(grid[1, 1])
        spans = _stage_spans(columns, paths, curve_figures(results, None, paths))
        _stages(header, spans, len(columns), sizes)
        found = flags(results, opportunities, paths)
        scale = _lanes(lane_ax, results, segments, lanes, columns, spans, sizes, found, paths)
        _curves(curve_ax, segments, lanes, columns, paths, spans, sizes)
        colourbar = fig.colorbar(scale, cax=bar_ax)
        colourbar.set_label("mean felt effect\n(momentary affect)", fontsize=sizes.small)
        colourbar.ax.tick_params(labelsize=sizes.small)
        _notes(notes, found, opportunities, sizes, curve_ax)
        fig.suptitle(f"Journey map: {plot_text(results.get('journey', ''))}", fontweight="bold", fontsize=13)
    return fig


class _Sizes(NamedTuple):
    """Font sizes (points) for a map of so many columns: they shrink with the column's width, to a floor."""

    cell: float
    small: float
    names: float
    rotation: float


#: Inches of the map's width that are not columns: the lanes' names on the left, the colourbar on the right.
_MARGINS = 2.4

#: The narrowest a column is drawn (points): its cell's number and share still fit in it at the smallest size.
NARROWEST_COLUMN = 20.0


def map_width(columns: int) -> float:
    """The map's width in inches: an A4 page, wider when its columns would be narrower than :data:`NARROWEST_COLUMN`.

    Examples
    --------
    >>> map_width(27) == A4_LANDSCAPE[0]
    True
    >>> round(map_width(60), 1)
    19.1
    """
    return max(A4_LANDSCAPE[0], _MARGINS + columns * NARROWEST_COLUMN / 72.0)


def _felt(value: float) -> str:
    """A mean felt effect as a cell shows it: signed, one decimal, and 0.0 (not -0.0) for what rounds to nothing.

    Examples
    --------
    >>> _felt(1.26), _felt(-0.04), _felt(-2.0)
    ('+1.3', '0.0', '-2.0')
    """
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def _column_width(width: float, count: int) -> float:
    """Points per column of a map ``width`` inches wide, a little less than there is."""
    return (width - _MARGINS) * 72.0 / max(count, 1)


def _sizes(fig: Figure, count: int) -> _Sizes:
    width = _column_width(fig.get_figwidth(), count)
    return _Sizes(
        cell=max(6.5, min(10.0, width / 3.6)),
        small=max(6.5, min(8.5, width / 4.0)),
        names=max(7.0, min(9.5, width / 3.0)),
        rotation=30.0 if width > 60 else 55.0,
    )


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """How wide ``text`` is drawn at ``size`` points, in points (Matplotlib's own text layout)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    font = FontProperties(size=size, weight="bold" if bold else "normal")
    return float(TextPath((0, 0), plot_text(text), prop=font).get_extents().width)


def _fitted(text: str, room: float, size: float, smallest: float, bold: bool = False) -> tuple[float, str]:
    """The largest size from ``size`` down to ``smallest`` at which ``text`` fits ``room`` points; else shortened."""
    while size > smallest and _text_width(text, size, bold) > room:
        size -= 0.5
    if _text_width(text, size, bold) <= room:
        return size, text
    while len(text) > 1 and _text_width(text + "…", size, bold) > room:
        text = text[:-1]
    return size, text + "…"


#: How bad a touchpoint must feel on average to be flagged as a pain when no opportunities were analysed.
_PAIN = -0.5


def flags(
    results: dict[str, Any], opportunities: dict[str, Any] | None = None, paths: JourneyPaths | None = None
) -> list[Flag]:
    """The biggest pains and opportunities, at most :data:`FLAGGED` of each, best first.

    With an opportunities document, a pain is a touchpoint whose removal or
    fixing would improve the objective (the larger of the two gains), an
    opportunity one whose improvement by one point improves it most; each
    with its gain and 95% interval, and only where that interval lies wholly
    on the better side (a gain within chance is not flagged).  Without one,
    the pains are the touchpoints of the stages (``paths`` places those a
    stage uses from a library) that felt worst on average, at :data:`_PAIN`
    (-0.5) or below.

    Examples
    --------
    >>> results = {"touchpoints": {"a": {"stage": "s", "visits": 5, "mean_affect": -2.0},
    ...                            "b": {"stage": "s", "visits": 5, "mean_affect": 1.0}}}
    >>> flags(results)
    [Flag(kind='pain', rank=1, touchpoint='a', text='felt -2.0 on average')]
    """
    found: list[Flag] = []
    if opportunities is None:
        felt = sorted(
            (tp["mean_affect"], name)
            for name, tp in results["touchpoints"].items()
            if (tp.get("stage") or (paths is not None and name in paths.touchpoints))
            and tp.get("visits")
            and tp.get("mean_affect") is not None
            and tp["mean_affect"] <= _PAIN
        )
        for rank, (mean, name) in enumerate(felt[:FLAGGED], 1):
            found.append(Flag("pain", rank, name, f"felt {mean:+.1f} on average"))
        return found
    sign = -1.0 if opportunities.get("objective") in LOWER_IS_BETTER else 1.0
    pains = []
    for row in opportunities["touchpoints"]:
        ways = [("removing it", row.get("remove")), ("fixing its failures", row.get("fix"))]
        gains = [(sign * change["mean"], how, change) for how, change in ways if change and _sure(change, sign)]
        if gains:
            gain, how, change = max(gains, key=lambda item: item[0])
            if gain > 0:
                pains.append((gain, row["touchpoint"], how, change))
    pains.sort(key=lambda item: -item[0])
    for rank, (_, name, how, change) in enumerate(pains[:FLAGGED], 1):
        found.append(Flag("pain", rank, name, f"{how}: {_change(change)}"))
    better = sorted(
        (row for row in opportunities["touchpoints"] if _sure(row["improve"], sign)),
        key=lambda row: -sign * row["improve"]["mean"],
    )
    for rank, row in enumerate(better[:FLAGGED], 1):
        found.append(Flag("opportunity", rank, row["touchpoint"], f"one point better: {_change(row['improve'])}"))
    return found


def _sure(change: dict[str, Any], sign: float) -> bool:
    """Whether a change improves the objective beyond chance: its whole 95% interval on the better side."""
    low, high = change.get("ci95") or (change["mean"], change["mean"])
    return bool(low > 0) if sign > 0 else bool(high < 0)


def _change(change: dict[str, Any]) -> str:
    low, high = change.get("ci95", (change["mean"], change["mean"]))
    return f"{change['mean']:+.2f} (95% CI {low:+.2f} to {high:+.2f})"


def _stages(ax: Axes, spans: Sequence[tuple[str, int, int]], count: int, sizes: _Sizes) -> None:
    """The stage columns' headers: a box per stage with its name, shrunk or shortened to fit."""
    from matplotlib.patches import FancyBboxPatch

    ax.set_xlim(-0.5, count - 0.5)
    ax.set_ylim(0, 1)
    ax.axis("off")
    figure = ax.get_figure(root=True)
    per_column = _column_width(figure.get_figwidth() if figure is not None else A4_LANDSCAPE[0], count)
    for number, (stage, first, last) in enumerate(spans):
        colour = "#DDE6EE" if number % 2 == 0 else "#EEF2F6"
        ax.add_patch(
            FancyBboxPatch(
                (first - 0.46, 0.05),
                last - first + 0.92,
                0.9,
                boxstyle="round,pad=0,rounding_size=0.08",
                facecolor=colour,
                edgecolor="none",
            )
        )
        room = (last - first + 0.8) * per_column  # points
        size, text = _fitted(stage, room, sizes.names + 1, 7.0, bold=True)
        ax.text(
            (first + last) / 2,
            0.5,
            plot_text(text),
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold",
            color="#223344",
        )


def _lanes(
    ax: Axes,
    results: dict[str, Any],
    segments: Sequence[str],
    lanes: Sequence[dict[str, dict[str, Any]]],
    columns: Sequence[str],
    spans: Sequence[tuple[str, int, int]],
    sizes: _Sizes,
    found: Sequence[Flag],
    paths: JourneyPaths | None,
) -> Any:
    """The segments' lanes of cells; returns the colour scale (for the colourbar)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    x = {name: i for i, name in enumerate(columns)}
    biggest = max([1.0, *(abs(tp["mean_affect"]) for lane in lanes for tp in lane.values())])
    scale = ScalarMappable(Normalize(-biggest, biggest), "RdBu")
    ax.set_ylim(len(segments) - 0.5 + 0.55, -0.5 - 0.55)
    for _, first, _ in spans[1:]:
        ax.axvline(first - 0.5, color="#8899AA", linewidth=0.8)
    for row, lane in enumerate(lanes):
        marked = moments(lane)
        for name in columns:
            if name not in lane:
                ax.add_patch(
                    Rectangle(
                        (x[name] - 0.45, row - 0.42),
                        0.9,
                        0.84,
                        facecolor="none",
                        edgecolor="#CCCCCC",
                        linewidth=0.8,
                        linestyle=":",
                    )
                )
        for name, tp in lane.items():
            if name not in x:
                continue
            colour = scale.to_rgba(tp["mean_affect"])
            ax.add_patch(
                Rectangle((x[name] - 0.45, row - 0.42), 0.9, 0.84, facecolor=colour, edgecolor="white", linewidth=1)
            )
            dark = sum(colour[:3]) < 1.5
            ink = "white" if dark else "#111111"
            ax.text(
                x[name],
                row - 0.06,
                _felt(tp["mean_affect"]),
                ha="center",
                va="center",
                fontsize=sizes.cell,
                fontweight="bold",
                color=ink,
            )
            ax.text(
                x[name],
                row + 0.26,
                f"{tp.get('reach', 0.0):.0%}",
                ha="center",
                va="center",
                fontsize=max(6.5, sizes.small - 0.5),
                color=ink,
            )
            for word, marker, mark_colour, offset in _MOMENT_MARKS:
                if word in marked.get(name, ()):
                    ax.scatter(
                        [x[name] + offset],
                        [row - 0.3],
                        s=48,
                        marker=marker,
                        color=mark_colour,
                        edgecolor="white",
                        linewidth=0.9,
                        zorder=4,
                    )
    for flag in found:
        if flag.touchpoint not in x:
            continue
        pain = flag.kind == "pain"
        ax.text(
            x[flag.touchpoint],
            -0.5 - 0.3 if pain else len(segments) - 0.5 + 0.3,
            f"{'P' if pain else 'O'}{flag.rank}",
            ha="center",
            va="center",
            fontsize=sizes.small,
            fontweight="bold",
            color="white",
            bbox={
                "boxstyle": "round,pad=0.2",
                "facecolor": PALETTE["vermillion"] if pain else PALETTE["green"],
                "edgecolor": "none",
            },
        )
    ax.set_yticks(
        range(len(segments)),
        [f"{_lane_name(name)}\n{results['segments'][name].get('share', 0.0):.0%}" for name in segments],
        fontsize=sizes.names,
    )
    channels = {name: tp.get("channel") for name, tp in results["touchpoints"].items()}
    truths = paths.moments_of_truth if paths is not None else frozenset()
    ax.xaxis.tick_top()
    ax.set_xticks(
        range(len(columns)),
        [_column_label(name, channels.get(name), name in truths) for name in columns],
        rotation=sizes.rotation,
        ha="left",
        rotation_mode="anchor",
        fontsize=sizes.names,
    )
    ax.tick_params(axis="x", length=0, pad=2)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    return scale


#: Characters of a lane's name per line (two lines at most; a longer name is shortened).
_LANE_NAME = 16


def _lane_name(name: str) -> str:
    """A segment's name for its lane: wrapped at :data:`_LANE_NAME` characters, two lines at most."""
    import textwrap

    lines = textwrap.wrap(name, _LANE_NAME, max_lines=2, placeholder="…") or [name]
    return "\n".join(plot_text(line) for line in lines)


def _short(name: str, most: int = 2 * _LANE_NAME) -> str:
    """A name on one line of at most ``most`` characters (shortened with "…")."""
    return plot_text(name if len(name) <= most else name[: most - 1] + "…")


def _column_label(name: str, channel: str | None, truth: bool) -> str:
    label = plot_text(name)
    if channel:
        label += f" · {plot_text(channel)}"
    return label + (" ★" if truth else "")


def _curves(
    ax: Axes,
    segments: Sequence[str],
    lanes: Sequence[dict[str, dict[str, Any]]],
    columns: Sequence[str],
    paths: JourneyPaths | None,
    spans: Sequence[tuple[str, int, int]],
    sizes: _Sizes,
) -> None:
    """The segments' emotion curves under the lanes: main paths solid, other ways dashed, never across alternatives."""
    x = {name: i for i, name in enumerate(columns)}
    biggest = max([1.0, *(abs(tp["mean_affect"]) for lane in lanes for tp in lane.values())])
    ax.set_ylim(-biggest * 1.15, biggest * 1.15)
    ax.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    for _, first, _ in spans[1:]:
        ax.axvline(first - 0.5, color="#8899AA", linewidth=0.8)
    for number, (segment, lane) in enumerate(zip(segments, lanes, strict=True)):
        colour = _SEGMENT_COLOURS[number % len(_SEGMENT_COLOURS)]
        shift = (number - (len(segments) - 1) / 2) * 0.06
        mean = {name: tp["mean_affect"] for name, tp in lane.items() if name in x}
        ways = None if paths is None else paths.segments.get(segment, paths.everyone)
        if ways is not None:
            _draw_ways(ax, ways, mean, x, biggest, colour, label=None, other=None, main_width=2.0, shift=shift)
        names = [name for name in columns if name in mean]
        ax.plot(
            [x[name] + shift for name in names],
            [mean[name] for name in names],
            "o",
            color=colour,
            markersize=4,
            label=_short(segment, 22),
        )
    ax.set_ylabel("momentary affect", fontsize=sizes.small)
    ax.tick_params(axis="x", bottom=False, labelbottom=False)
    ax.tick_params(axis="y", labelsize=sizes.small)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(
        "Emotion curves (solid: the likeliest way; dashed: other ways)", loc="left", fontsize=sizes.names, pad=4
    )


def _notes(ax: Axes, found: Sequence[Flag], opportunities: dict[str, Any] | None, sizes: _Sizes, curves: Axes) -> None:
    """The key under the map: the marks, the curves' segments, and the flagged pains and opportunities."""
    from matplotlib.lines import Line2D
    from matplotlib.transforms import offset_copy

    ax.axis("off")
    marks, names = curves.get_legend_handles_labels()
    if marks:
        segments = ax.legend(
            marks,
            names,
            loc="upper left",
            bbox_to_anchor=(0.52, 1.0),
            fontsize=sizes.small,
            title="curves by segment",
            title_fontsize=sizes.small,
            ncols=min(3, len(marks)),
            alignment="left",
        )
        ax.add_artist(segments)
    handles = [
        Line2D([], [], marker=marker, linestyle="none", color=colour, markersize=6, label=_MARK_WORDS[word])
        for word, marker, colour, _ in _MOMENT_MARKS
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.0, 1.0),
        fontsize=sizes.small,
        title="cell: mean felt effect, share of the segment reaching it; ★ moment of truth",
        title_fontsize=sizes.small,
        ncols=3,
        alignment="left",
    )
    pains = [f"P{f.rank} {plot_text(f.touchpoint)}: {f.text}" for f in found if f.kind == "pain"]
    better = [f"O{f.rank} {plot_text(f.touchpoint)}: {f.text}" for f in found if f.kind == "opportunity"]
    objective = (
        str(opportunities.get("objective", "")).replace("_", " ") if opportunities is not None else "the experience"
    )
    if opportunities is not None:
        left = f"Biggest pains: what removing or fixing them does to {objective}"
    else:
        left = "Biggest pains: the touchpoints that felt worst"
    lines = [left, *(pains or ["none found"])]
    # Under the keys: their title and rows (the segments' in rows of three), in points.
    below = offset_copy(
        ax.transAxes, ax.get_figure(root=True), y=-(26 + 15 * max(1, -(-len(marks) // 3))), units="points"
    )
    ax.text(0.0, 1.0, "\n".join(lines), va="top", ha="left", fontsize=sizes.small, transform=below)
    if opportunities is None:
        right = [
            "Opportunities: not analysed here",
            "(journey opportunities; journey plot --kind map without --no-opportunities)",
        ]
    else:
        right = [f"Biggest opportunities: what one point better does to {objective}", *(better or ["none found"])]
    ax.text(0.52, 1.0, "\n".join(right), va="top", ha="left", fontsize=sizes.small, transform=below)


_MARK_WORDS = {
    "peak": "peak (highest)",
    "trough": "trough (lowest)",
    "end": "end (most often last)",
}
