"""Plots of simulation results for designers' reports: the emotion curve, the funnel, the distributions.

Every function draws on a Matplotlib axes it is given (or a new one when
``ax`` is ``None``) and returns the axes, so the plots work in notebooks and in
composite figures alike.  Colours come from the Okabe-Ito palette, which
readers with the common colour-vision deficiencies can tell apart.

The emotion curve and the funnel need only the results document
(``journeydsl.results/1``); the distributions need the per-replication
collectors of :class:`journeydsl.sim.runner.Outcome`, which keep the
histograms that the document leaves out.

Every name a journey gives (of the journey, a stage, a touchpoint, a segment,
a design, a care programme, a factor) is drawn through
:func:`journeydsl.lang.escape.plot_text`, so Matplotlib shows it as written and
never reads it as mathtext, whatever ``$``, ``\\``, ``^`` or ``{`` it holds.
Text given as a ``title``, ``label`` or ``labels`` argument is drawn as given:
``$...$`` there is mathtext, as everywhere in Matplotlib.

Chinese and Japanese names need a font with their characters, which
Matplotlib's default, DejaVu Sans, lacks: for the characters the session's
font does not have, the charts fall back to the first font of
:data:`CJK_FAMILIES` that is installed (:func:`cjk_font`; on Debian and
Ubuntu, ``apt install fonts-noto-cjk``).  Every other character keeps the
session's font, so a chart without such names is the same bytes with a CJK
font installed or without.  With none installed, those characters show as
empty boxes and :mod:`journeydsl.report.figures` says so once.

No function here selects a Matplotlib backend.  Given no axes, a plot
function makes its figure with pyplot, so it shows the way the session shows
figures (inline in a notebook, in a window on a desktop; headless, pyplot
falls back to Agg by itself).  :func:`figure`, which makes the figures
``journey plot`` and the report save, uses no pyplot at all: its figures open
no window and stay in no figure manager.  Write figures to bytes or files with
:mod:`journeydsl.report.figures`, which makes the same figure the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from ..lang.escape import plot_text
from ..sim.metrics import Histogram
from .labels import PointLabel, legend_below, name_ticks, place_labels

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter
    from matplotlib.typing import LineStyleType, RcKeyType

    from ..sim.metrics import Collector
    from .paths import JourneyPaths, SegmentPaths

__all__ = [
    "PALETTE",
    "KINDS",
    "CJK_FAMILIES",
    "cjk_font",
    "emotion_curve",
    "segment_curves",
    "curve_figures",
    "moments",
    "funnel",
    "remembered_distribution",
    "satisfaction_distribution",
    "recommendation_distribution",
    "figure",
    "emotion_curves",
    "forest",
    "segment_heatmap",
    "gap_chart",
    "opportunity_matrix",
    "tornado",
    "profile_bars",
    "delivery_chart",
    "labelled_bars",
    "removal_chart",
    "care_chart",
    "recovery_chart",
    "removal_note",
    "recovery_note",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "grey": "#999999",
    "black": "#000000",
}

#: The plots ``journey plot --kind`` draws.
KINDS = ("curve", "segments", "map", "series", "funnel", "distribution")

_STYLE: dict[RcKeyType, Any] = {
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "savefig.bbox": "tight",
}


#: Font families with Chinese and Japanese characters, the most wanted first: the first one
#: Matplotlib knows is the charts' fallback font.  Noto Sans CJK (Debian's ``fonts-noto-cjk``) and
#: Source Han Sans are one design; then WenQuanYi (``fonts-wqy-microhei``, ``fonts-wqy-zenhei``),
#: Droid Sans Fallback, and the fonts of macOS and Windows.  Older Matplotlib knows a font
#: collection by its first face only: Noto Sans CJK as its Japanese face, which has the Chinese
#: characters too.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK KR",
    "Source Han Sans SC",
    "Source Han Sans",
    "Noto Sans SC",
    "Noto Sans JP",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "PingFang SC",
    "Hiragino Sans GB",
    "Hiragino Sans",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
    "Yu Gothic",
    "Meiryo",
)

_Parameters = ParamSpec("_Parameters")
_Drawn = TypeVar("_Drawn")


@functools.cache
def cjk_font() -> str | None:
    """The font family the charts fall back to for Chinese and Japanese characters, if one is installed.

    The first of :data:`CJK_FAMILIES` that Matplotlib knows.  Matplotlib
    keeps the fonts it found in a cache: a font installed after that needs
    the cache (in ``matplotlib.get_cachedir()``) removed before it is seen.
    Asked once per process.

    Returns
    -------
    str or None
        The family name, or ``None`` when no font of the list is installed:
        Chinese and Japanese characters then show as empty boxes.
    """
    from matplotlib import font_manager

    known = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


def _text_settings() -> dict[RcKeyType, Any]:
    """Matplotlib settings for the text a chart creates: names drawn as written, in every script.

    The font families in force (Matplotlib's default, DejaVu Sans, or the
    session's own) come first, then :func:`cjk_font` for the characters they
    lack: Matplotlib takes each character from the first family that has it.
    Without a CJK font the families are left as they are (a family that is
    not installed would be a warning per text).  The text is drawn by
    Matplotlib itself, never by LaTeX: with ``text.usetex`` on, LaTeX would
    read ``%``, ``_``, ``^``, ``\\`` and braces in a name, and
    :func:`~journeydsl.lang.escape.plot_text` makes names safe for
    Matplotlib's own text only.
    """
    from matplotlib import rcParams

    families = list(rcParams["font.family"])
    fallback = cjk_font()
    if fallback is not None and fallback not in families:
        families.append(fallback)
    return {"text.usetex": False, "font.family": families}


def _drawing(draw: Callable[_Parameters, _Drawn]) -> Callable[_Parameters, _Drawn]:
    """A plot function that creates its text with :func:`_text_settings` in force (other settings untouched)."""

    @functools.wraps(draw)
    def with_text_settings(*args: _Parameters.args, **kwargs: _Parameters.kwargs) -> _Drawn:
        from matplotlib import rc_context

        with rc_context(_text_settings()):
            return draw(*args, **kwargs)

    return with_text_settings


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    with plt.rc_context(_STYLE):
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _tidy(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


#: The emotion curves' vertical axis, in the terms of the effect scale (docs/model.md, "The effect scale").
AFFECT_AXIS = "momentary affect\n(0 neutral; ±5 one module rated 0/10 or 10/10)"


def curve_figures(
    results: dict[str, Any], segment: str | None = None, paths: JourneyPaths | None = None
) -> dict[str, dict[str, Any]]:
    """What a curve draws per touchpoint: everyone's figures, or one segment's.

    Everyone's figures get ``reach`` (the share of counted customers who met
    the touchpoint) from the segments' figures when the document has them.
    Touchpoints nobody (of the segment) met, and those outside the stages
    (recoveries), are left out.  A touchpoint of a library that a stage
    uses (``use check_in``) has no stage in the results; with ``paths`` it
    is drawn in the stage that uses it.

    Raises
    ------
    KeyError
        For a segment the results do not have.
    ValueError
        When the results have no per-segment touchpoint figures.
    """
    stages = {name: tp.get("stage") for name, tp in results["touchpoints"].items()}
    if paths is not None:
        for span in paths.stages:
            for name in paths.touchpoints[span.first : span.last + 1]:
                stages[name] = stages.get(name) or span.name
    if segment is not None:
        block = results["segments"][segment]
        if "touchpoints" not in block:
            raise ValueError("these results have no touchpoint figures per segment (simulate them again)")
        chosen = {name: dict(tp, stage=stages.get(name)) for name, tp in block["touchpoints"].items()}
    else:
        chosen = {name: dict(tp, stage=stages.get(name)) for name, tp in results["touchpoints"].items()}
        counted = sum(s.get("customers", 0) for s in results.get("segments", {}).values())
        if counted and all("touchpoints" in s for s in results["segments"].values()):
            for name, tp in chosen.items():
                met = sum(
                    s["touchpoints"].get(name, {}).get("reach", 0.0) * s["customers"]
                    for s in results["segments"].values()
                )
                tp["reach"] = met / counted
    return {
        name: tp
        for name, tp in chosen.items()
        if tp.get("stage") and tp.get("visits", 0) > 0 and tp.get("mean_affect") is not None
    }


def _columns(paths: JourneyPaths | None, shown: Sequence[dict[str, dict[str, Any]]]) -> list[str]:
    """The touchpoints on the curve's axis: every one met in any of ``shown``, in journey order."""
    met = {name for figures in shown for name in figures}
    if paths is None:
        order: list[str] = []
        for figures in shown:
            order += [name for name in figures if name not in order]
        return order
    return [name for name in paths.touchpoints if name in met] + sorted(met - set(paths.touchpoints))


def _extent(shown: Sequence[dict[str, dict[str, Any]]]) -> float:
    """Half the height of the curve's axes: room for every mean, its spread and the moments' words."""
    values = [abs(tp["mean_affect"]) + (tp.get("sd_affect") or 0.0) for figures in shown for tp in figures.values()]
    return max(1.0, *values) * 1.3 + 0.5 if values else 1.0


@_drawing
def emotion_curve(
    results: dict[str, Any],
    ax: Axes | None = None,
    *,
    title: str | None = None,
    label: str | None = None,
    paths: JourneyPaths | None = None,
    segment: str | None = None,
) -> Axes:
    """The emotion curve: mean momentary affect per touchpoint, drawn only along the ways customers walk.

    A line joins two touchpoints only when customers meet the second right
    after the first (:mod:`journeydsl.report.paths`): the two options of a
    choice, or the stage one segment is routed to and the one the others take,
    are never joined.  Every touchpoint keeps its own place on the axis (the
    journey order, the places of the journey map), and the curve is drawn as
    one main path with branches rather than as one curve per path: the main
    path (from the likeliest start, the likeliest next touchpoint each time)
    is a solid line through filled points; every other way is a dashed line
    whose width grows with the share of customers expected to take it, and
    touchpoints off the main path are hollow points.  A curve per path would
    draw the shared touchpoints once per path, one over the other, and the
    number of paths grows with every choice; the branches show where paths
    part and meet without repeating anything.  A touchpoint not every
    customer meets carries its reach (the share of customers who met it) in
    its label.  A way back to an earlier stage (think it over, buy again) is
    not drawn: the curve is one pass.

    Three moments are marked, each once: the **peak** (the highest mean),
    the **trough** (the lowest) and the **end** (the touchpoint most often
    the customers' last moment, with that share).  Two on one touchpoint
    share one label ("peak + end").  Stage names stand above the axes, over
    their shaded sections.

    Parameters
    ----------
    results : dict
        A ``journeydsl.results/1`` document.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title; default: "Emotion curve: <journey>" (with the segment's name for one segment).
    label : str, optional
        Legend label of the main path.
    paths : JourneyPaths, optional
        The journey's ways (:func:`journeydsl.report.paths.journey_paths` of the
        outcome's plan and journey).  Without them nothing says which
        touchpoints follow each other, so the points are drawn unjoined.
    segment : str, optional
        Draw this segment's curve from its own figures (touchpoints it never
        meets are left out); default: everyone's.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        For a segment the results do not have.
    """
    figures = curve_figures(results, segment, paths)
    ax = _axes(ax, (10, 5))
    columns = _columns(paths, [figures])
    name = plot_text(results.get("journey", ""))
    default = f"Emotion curve: {name}" if segment is None else f"Emotion curve of {plot_text(segment)}: {name}"
    _curve_panel(ax, figures, columns, paths, segment, _extent([figures]), label=label)
    rows = _stage_names(ax, columns, paths, figures)
    ax.set_title(title or default, pad=6 + 13 * rows)
    if figures:
        _curve_legend(ax)
    return ax


def _curve_legend(ax: Axes) -> None:
    """The curve's legend under it: the figure's, below everything, when the curve has the figure to itself.

    Else the axes' legend, under its tick labels however tall they stand
    (:func:`journeydsl.report.labels.legend_below`).
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    figure = ax.get_figure(root=True)
    if figure is not None and figure.axes == [ax] and isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine):
        figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=8, ncols=3)
    else:
        legend_below(ax)


def _curve_panel(
    ax: Axes,
    figures: dict[str, dict[str, Any]],
    columns: Sequence[str],
    paths: JourneyPaths | None,
    segment: str | None,
    extent: float,
    *,
    label: str | None = None,
    colour: str = PALETTE["blue"],
    tick_labels: bool = True,
    reach_in_ticks: bool = True,
) -> None:
    """One curve on ``ax``: its ways, points, spread and moments, over the shaded stages of ``columns``."""
    x = {name: i for i, name in enumerate(columns)}
    ax.set_xlim(-0.6, max(len(columns), 1) - 0.4)
    ax.set_ylim(-extent, extent)
    ax.axhline(0.0, color=PALETTE["grey"], linewidth=0.8, zorder=1)
    _stage_shading(ax, columns, paths, figures)
    ax.set_ylabel(AFFECT_AXIS, fontsize=8)
    _tidy(ax)
    if not figures:
        ax.set_xticks([])
        ax.text(0.5, 0.5, "no touchpoint was visited", ha="center", va="center", transform=ax.transAxes)
        return
    ways = None if paths is None else paths.segments.get(segment or "", paths.everyone)
    if ways is None and tick_labels:
        ax.set_xlabel("points not joined: which touchpoint follows which needs the journey's paths", fontsize=8)
    mean = {name: tp["mean_affect"] for name, tp in figures.items()}
    spread = [(x[name], tp.get("sd_affect") or 0.0, tp["mean_affect"]) for name, tp in figures.items()]
    if any(sd for _, sd, _ in spread):
        ax.errorbar(
            [at for at, _, _ in spread],
            [m for _, _, m in spread],
            yerr=[sd for _, sd, _ in spread],
            fmt="none",
            ecolor=PALETTE["sky"],
            elinewidth=6,
            alpha=0.45,
            zorder=2,
            label="±1 SD across customers",
        )
    main: list[str] = []
    if ways is not None:
        main = [name for name in ways.main if name in figures]
        _draw_ways(ax, ways, mean, x, extent, colour, label=label or "main path (the likeliest way)")
    filled = [name for name in columns if name in figures and (name in main or ways is None)]
    hollow = [name for name in columns if name in figures and name not in filled]
    ax.scatter([x[n] for n in filled], [mean[n] for n in filled], s=36, color=colour, zorder=5)
    if hollow:
        ax.scatter(
            [x[n] for n in hollow],
            [mean[n] for n in hollow],
            s=36,
            facecolor="white",
            edgecolor=colour,
            linewidth=1.5,
            zorder=5,
            label="off the main path",
        )
    _mark_moments(ax, figures, x, extent)
    if ways is not None:
        _mark_returns(ax, ways, figures, x)
    if tick_labels:
        name_ticks(ax, [_tick(name, figures.get(name) if reach_in_ticks else None) for name in columns])
    else:
        ax.set_xticks(range(len(columns)), [""] * len(columns))


def _mark_returns(ax: Axes, ways: SegmentPaths, figures: dict[str, dict[str, Any]], x: dict[str, int]) -> None:
    """Say where a branch that ends in a way back (to think it over, to come again) leads: "↩ advisor"."""
    going_on = {edge.source for edge in ways.edges if edge.target in figures}
    back: dict[str, list[str]] = {}
    for source, target in ways.loops:
        if source in figures and source not in going_on and x[source] < len(x) - 1:
            back.setdefault(source, []).append(target)
    for source, targets in back.items():
        ax.annotate(
            "\N{LEFTWARDS ARROW WITH HOOK} back to " + ", ".join(plot_text(t) for t in targets),
            (x[source], figures[source]["mean_affect"]),
            xytext=(7, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=7.5,
            color="#555555",
            zorder=7,
        )


def _draw_ways(
    ax: Axes,
    ways: SegmentPaths,
    mean: Mapping[str, float],
    x: Mapping[str, float],
    extent: float,
    colour: str,
    *,
    label: str | None = None,
    other: str | None = "another way (width: share of customers)",
    main_width: float = 2.4,
    shift: float = 0.0,
) -> None:
    """Draw each step of ``ways`` between touchpoints in ``mean``: one line per step, never between alternatives.

    A step on the main path is solid, any other dashed and as wide as its
    share.  A step that passes over other touchpoints' columns bends round
    their points (:func:`_bend`), so no line seems to go through a touchpoint
    it does not.  Each line's gid names its step: ``"main A→B"`` or ``"way A→B"``.
    """
    on_main = set(zip(ways.main, ways.main[1:], strict=False))
    points = [(x[name], value) for name, value in mean.items()]
    labelled = {True: False, False: False}
    for edge in sorted(ways.edges, key=lambda e: (e.source, e.target) in on_main):
        if edge.source not in mean or edge.target not in mean:
            continue
        principal = (edge.source, edge.target) in on_main
        start, end = (x[edge.source], mean[edge.source]), (x[edge.target], mean[edge.target])
        xs, ys = _bend(start, end, [p for p in points if start[0] < p[0] < end[0]], 0.07 * extent)
        (line,) = ax.plot(
            [value + shift for value in xs],
            ys,
            "-" if principal else "--",
            color=colour,
            linewidth=main_width if principal else 0.8 + 2.2 * min(1.0, edge.share),
            alpha=1.0 if principal else 0.75,
            zorder=4 if principal else 3,
            label=(label if principal else other) if not labelled[principal] else None,
        )
        labelled[principal] = True
        line.set_gid(f"{'main' if principal else 'way'} {edge.source}\N{RIGHTWARDS ARROW}{edge.target}")


def _bend(
    start: tuple[float, float], end: tuple[float, float], between: Sequence[tuple[float, float]], clearance: float
) -> tuple[list[float], list[float]]:
    """The line of a step from ``start`` to ``end``: straight, or bent round the points ``between`` them.

    A step over other columns is drawn as a quadratic curve whose control
    point lies above or below the middle of the straight line, on the side
    that needs the smaller bend, far enough that the curve passes every point
    in between at ``clearance`` at least.  The curve starts and ends at the
    two touchpoints.
    """
    (x0, y0), (x1, y1) = start, end
    if not between or x1 == x0:
        return [x0, x1], [y0, y1]
    needs: dict[int, float] = {}
    for side in (1, -1):
        height = 0.0
        for px, py in between:
            t = (px - x0) / (x1 - x0)
            off = py - (y0 + t * (y1 - y0))  # the point's height over the straight line
            if abs(off) >= clearance:
                continue  # clear of the line
            height = max(height, (clearance + side * off) / (2 * t * (1 - t)))
        needs[side] = height
    if not any(needs.values()):
        return [x0, x1], [y0, y1]
    side = min(needs, key=lambda s: (needs[s], -s))
    lift = side * needs[side]
    steps = [i / 24 for i in range(25)]
    return (
        [x0 + t * (x1 - x0) for t in steps],
        [y0 + t * (y1 - y0) + 2 * t * (1 - t) * lift for t in steps],
    )


def _tick(name: str, tp: dict[str, Any] | None) -> str:
    """A touchpoint's tick label: its name, with its reach when not every customer met it."""
    reach = None if tp is None else tp.get("reach")
    if reach is None or reach >= 0.995:
        return plot_text(name)
    return f"{plot_text(name)} · {reach:.0%}"


def _stage_spans(
    columns: Sequence[str], paths: JourneyPaths | None, figures: dict[str, dict[str, Any]]
) -> list[tuple[str, int, int]]:
    """Each stage with its first and last column (a stage's columns are consecutive in journey order)."""
    stage_of: dict[str, str] = {}
    if paths is not None:
        for span in paths.stages:
            for name in paths.touchpoints[span.first : span.last + 1]:
                stage_of.setdefault(name, span.name)
    spans: list[tuple[str, int, int]] = []
    for i, name in enumerate(columns):
        stage = stage_of.get(name) or (figures.get(name) or {}).get("stage") or ""
        if spans and spans[-1][0] == stage:
            spans[-1] = (stage, spans[-1][1], i)
        else:
            spans.append((stage, i, i))
    return spans


def _stage_shading(
    ax: Axes, columns: Sequence[str], paths: JourneyPaths | None, figures: dict[str, dict[str, Any]]
) -> None:
    for number, (_, first, last) in enumerate(_stage_spans(columns, paths, figures)):
        if number % 2 == 0:
            ax.axvspan(first - 0.5, last + 0.5, color="#000000", alpha=0.05, linewidth=0, zorder=0)


#: Points a stage name keeps free on each side (so that names of neighbouring stages stand apart).
_STAGE_GAP = 4.0


def _stage_names(
    ax: Axes, columns: Sequence[str], paths: JourneyPaths | None, figures: dict[str, dict[str, Any]]
) -> int:
    """Write each stage's name above its section; in two rows when one row would crowd. Returns the rows used.

    A name wider than its section at the axes' size goes to the second row,
    alternating, so neighbouring names never overprint.
    """
    from matplotlib.transforms import blended_transform_factory, offset_copy

    figure = ax.get_figure(root=True)
    spans = _stage_spans(columns, paths, figures)
    if figure is None or not spans or not columns:
        return 0
    width = ax.get_position().width * figure.get_figwidth() * 72.0  # points
    per_column = width / max(len(columns), 1)
    size = 9 if per_column >= 30 else 8
    crowded = any(
        len(stage) * size * 0.62 + _STAGE_GAP > (last - first + 1) * per_column for stage, first, last in spans
    )
    base = blended_transform_factory(ax.transData, ax.transAxes)
    for number, (stage, first, last) in enumerate(spans):
        row = number % 2 if crowded else 0
        ax.text(
            (first + last) / 2,
            1.0,
            plot_text(stage),
            ha="center",
            va="bottom",
            fontsize=size,
            color="#444444",
            style="italic",
            transform=offset_copy(base, figure, y=2 + row * (size + 3), units="points"),
            clip_on=False,
        )
    return 2 if crowded else 1


#: The moments the curve marks, in the order a shared label names them: word, colour, where the word goes.
_MOMENTS = (
    ("peak", PALETTE["green"], 1),
    ("trough", PALETTE["vermillion"], -1),
    ("end", PALETTE["black"], 0),
)


def moments(figures: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """The touchpoints a curve marks: ``{touchpoint: ["peak", "end"], ...}``, each moment once.

    The peak is the highest mean affect, the trough the lowest (not marked
    when every mean is the same), the end the touchpoint most often the
    customers' last moment (none when no cycle ended).
    """
    if not figures:
        return {}
    names = list(figures)
    found: dict[str, list[str]] = {}
    means = [figures[n]["mean_affect"] for n in names]
    highest = max(range(len(names)), key=lambda i: means[i])
    found.setdefault(names[highest], []).append("peak")
    lowest = min(range(len(names)), key=lambda i: means[i])
    if means[lowest] < means[highest]:
        found.setdefault(names[lowest], []).append("trough")
    ends = [figures[n].get("end_share") or 0.0 for n in names]
    if any(ends):
        found.setdefault(names[max(range(len(names)), key=lambda i: ends[i])], []).append("end")
    return found


def _mark_moments(ax: Axes, figures: dict[str, dict[str, Any]], x: dict[str, int], extent: float) -> None:
    """Mark the peak, the trough and the end, each once: a ring round the point and one label per touchpoint.

    A label goes above its point for a peak, below for a trough, and for the
    end alone away from zero; one that would leave the axes goes the other
    way.  Labels of touchpoints side by side at about the same height would
    touch, so the second of such a pair goes to the other side.
    """
    colours = {word: colour for word, colour, _ in _MOMENTS}
    sides = {word: side for word, _, side in _MOMENTS}
    placed: list[tuple[int, float, int]] = []
    for name, words in sorted(moments(figures).items(), key=lambda item: x[item[0]]):
        words = [word for word, _, _ in _MOMENTS if word in words]
        y = figures[name]["mean_affect"]
        side = next((sides[w] for w in words if sides[w]), 0) or (1 if y >= 0 else -1)
        if side > 0 and y > 0.8 * extent:
            side = -1
        elif side < 0 and y < -0.8 * extent:
            side = 1
        if any(abs(at - x[name]) <= 1 and s == side and abs(yy - y) < 0.35 * extent for at, yy, s in placed):
            side = -side
        placed.append((x[name], y, side))
        text = " + ".join(words)
        if "end" in words:
            text += f" ({figures[name].get('end_share', 0.0):.0%} end here)"
        colour = colours[words[0]] if len(words) == 1 else PALETTE["black"]
        ax.scatter([x[name]], [y], s=150, facecolor="none", edgecolor=colour, linewidth=1.6, zorder=6)
        ax.annotate(
            text,
            (x[name], y),
            xytext=(0, 11 * side),
            textcoords="offset points",
            ha="center",
            va="bottom" if side > 0 else "top",
            fontsize=8.5,
            fontweight="bold",
            color=colour,
            zorder=7,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )


@_drawing
def segment_curves(results: dict[str, Any], paths: JourneyPaths | None = None, fig: Figure | None = None) -> Figure:
    """Small multiples: one emotion curve per segment, one under the other, on the same axes scale.

    Every panel has the same touchpoints at the same places (those any segment
    met) and the same vertical scale, so the segments compare at a glance; a
    segment's curve leaves out the touchpoints it never met.  Each panel is
    drawn as :func:`emotion_curve` draws one segment.

    Parameters
    ----------
    results : dict
        A ``journeydsl.results/1`` document with touchpoint figures per segment.
    paths : JourneyPaths, optional
        The journey's ways (see :func:`emotion_curve`).
    fig : matplotlib.figure.Figure, optional
        Where to draw; a new figure (with pyplot) when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    segments = list(results["segments"])
    shown = [curve_figures(results, segment, paths) for segment in segments]
    columns = _columns(paths, shown)
    if fig is None:
        import matplotlib.pyplot as plt

        with plt.rc_context(_STYLE):
            fig = plt.figure(figsize=_curve_size(len(columns), len(segments)), layout="constrained")
    axes = fig.subplots(len(segments), 1, sharex=True, squeeze=False)[:, 0]
    extent = _extent(shown)
    for number, (segment, figures, ax) in enumerate(zip(segments, shown, axes, strict=True)):
        last = number == len(segments) - 1
        # The panels share their ticks: names only (each segment's reach differs).
        _curve_panel(ax, figures, columns, paths, segment, extent, tick_labels=last, reach_in_ticks=False)
        block = results["segments"][segment]
        rows = _stage_names(ax, columns, paths, figures) if number == 0 else 0
        ax.set_title(
            f"{plot_text(segment)}: {block.get('share', 0.0):.0%} of customers",
            loc="left",
            fontsize=10,
            pad=6 + 13 * rows,
        )
        ax.set_ylabel("momentary affect", fontsize=8)
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, text in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(text, handle)
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=3, fontsize=8)
    fig.suptitle(f"Emotion curves by segment: {plot_text(results.get('journey', ''))}", fontweight="bold")
    return fig


def _curve_size(columns: int, panels: int = 1) -> tuple[float, float]:
    """A curve figure's size in inches: wider for more touchpoints, taller for more panels."""
    return (min(16.0, max(10.0, 0.45 * columns + 3.0)), 2.2 + 2.6 * panels if panels > 1 else 5.5)


@_drawing
def funnel(results: dict[str, Any], ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """The drop-off funnel: customers entering each stage, and how many dropped out there.

    Parameters
    ----------
    results : dict
        A ``journeydsl.results/1`` document.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title; default: "Drop-off by stage: <journey>".

    Returns
    -------
    matplotlib.axes.Axes
    """
    stages = list(results["stages"].items())
    ax = _axes(ax, (9, 0.6 * len(stages) + 1.8))
    names = [plot_text(name) + (" ★" if stage.get("goal") else "") for name, stage in stages]
    entered = [stage["entered"] for _, stage in stages]
    dropped = [stage["dropped"] for _, stage in stages]
    went_on = [e - d for e, d in zip(entered, dropped, strict=True)]
    y = list(range(len(stages)))
    ax.barh(y, went_on, color=PALETTE["blue"], label="went on")
    ax.barh(y, dropped, left=went_on, color=PALETTE["orange"], label="dropped out here")
    widest = max(entered) if entered and max(entered) else 1
    for i, (e, d) in enumerate(zip(entered, dropped, strict=True)):
        share = f" · {d / e:.0%} dropped" if e else ""
        ax.text(e + widest * 0.01, i, f"{e:,} entered{share}", va="center", fontsize=9)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, widest * 1.35)
    ax.set_xlabel("customers (visits: a customer who loops or returns is counted each time)")
    ax.set_title(title or f"Drop-off by stage: {plot_text(results.get('journey', ''))}")
    ax.legend(loc="lower right", fontsize=8)
    _tidy(ax)
    return ax


@_drawing
def remembered_distribution(
    collectors: Sequence[Collector], ax: Axes | None = None, *, title: str | None = None
) -> Axes:
    """Histogram of remembered experience across customers, with its mean.

    Bars of customers who remember the journey as negative are vermillion.

    Parameters
    ----------
    collectors : sequence of Collector
        The replications' collectors (:attr:`journeydsl.sim.runner.Outcome.collectors`);
        their histograms of remembered experience are pooled.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title; default: "Remembered experience".

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6, 4))
    merged = _shares_with_mean(
        ax,
        collectors,
        [c.remembered for c in collectors],
        "remembered_experience",
        bar_colour=lambda right_edge: PALETTE["vermillion"] if right_edge <= 0 else PALETTE["blue"],
        mean_label=" mean {:+.2f}",
        mean_side="right",
    )
    edges = merged.edges()
    lefts, width = edges[:-1], edges[1] - edges[0]
    used = [left for left, count in zip(lefts, merged.counts, strict=True) if count]
    if used:
        ax.set_xlim(min(used) - 2 * width, max(used) + 3 * width)
    ax.set_xlabel("remembered experience (negative … positive)")
    ax.set_title(title or "Remembered experience")
    return ax


@_drawing
def satisfaction_distribution(
    collectors: Sequence[Collector], ax: Axes | None = None, *, title: str | None = None
) -> Axes:
    """Histogram of satisfaction (0-10) across customers, with its mean.

    Parameters
    ----------
    collectors : sequence of Collector
        The replications' collectors (:attr:`journeydsl.sim.runner.Outcome.collectors`);
        their histograms of satisfaction are pooled.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title; default: "Satisfaction".

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6, 4))
    _shares_with_mean(
        ax,
        collectors,
        [c.satisfaction for c in collectors],
        "satisfaction",
        bar_colour=lambda right_edge: PALETTE["blue"],
        mean_label="mean {:.2f} ",
        mean_side="left",
    )
    ax.set_xlim(0, 10.2)
    ax.set_xlabel("satisfaction (0-10)")
    ax.set_title(title or "Satisfaction")
    return ax


def _shares_with_mean(
    ax: Axes,
    collectors: Sequence[Collector],
    histograms: Sequence[Histogram],
    metric: str,
    *,
    bar_colour: Callable[[float], str],
    mean_label: str,
    mean_side: Literal["left", "right"],
) -> Histogram:
    """A histogram of the replications as shares of customers, with the metric's mean as a dashed line.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    collectors : sequence of Collector
        The replications' collectors, which give the mean.
    histograms : sequence of Histogram
        The histogram of each replication, merged into one.
    metric : str
        The metric whose mean is drawn.
    bar_colour : callable
        The colour of a bar, from the value at its right edge.
    mean_label : str
        Format of the label written beside the mean line, with ``{}`` for the mean.
    mean_side : {"left", "right"}
        Which side of the line the label is on.

    Returns
    -------
    Histogram
        The merged histogram.
    """
    merged = _merge(histograms)
    edges = merged.edges()
    total = sum(merged.counts) or 1
    shares = [count / total for count in merged.counts]
    width = edges[1] - edges[0]
    colours = [bar_colour(left + width) for left in edges[:-1]]
    ax.bar(edges[:-1], shares, width=width, align="edge", color=colours, edgecolor="white", linewidth=0.3)
    mean = sum(c.metric(metric).total for c in collectors) / (sum(c.customers for c in collectors) or 1)
    ax.axvline(mean, color=PALETTE["black"], linestyle="--", linewidth=1)
    ax.text(
        mean,
        max(shares) * 1.02 if shares else 0,
        mean_label.format(mean),
        fontsize=9,
        va="bottom",
        ha="right" if mean_side == "left" else "left",
    )
    ax.set_ylabel("share of customers")
    _percent_axis(ax.yaxis)
    _tidy(ax)
    return merged


@_drawing
def recommendation_distribution(
    collectors: Sequence[Collector], ax: Axes | None = None, *, title: str | None = None
) -> Axes:
    """Likelihood to recommend (0-10) coloured by NPS band: detractors 0-6, passives 7-8, promoters 9-10.

    The title gives the resulting Net Promoter Score.

    Parameters
    ----------
    collectors : sequence of Collector
        The replications' collectors (:attr:`journeydsl.sim.runner.Outcome.collectors`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title; default names the NPS.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6, 4))
    counts = [sum(c.recommendation[score] for c in collectors) for score in range(11)]
    total = sum(counts) or 1
    shares = [count / total for count in counts]
    bands = {
        "detractors (0-6)": (range(0, 7), PALETTE["vermillion"]),
        "passives (7-8)": (range(7, 9), PALETTE["grey"]),
        "promoters (9-10)": (range(9, 11), PALETTE["green"]),
    }
    for label, (scores, colour) in bands.items():
        part = sum(shares[s] for s in scores)
        ax.bar(list(scores), [shares[s] for s in scores], width=0.8, color=colour, label=f"{label}: {part:.0%}")
    nps = 100.0 * (sum(shares[9:]) - sum(shares[:7]))
    ax.set_xticks(range(11))
    ax.set_xlim(-0.7, 10.7)
    ax.set_xlabel("likelihood to recommend (0-10)")
    ax.set_ylabel("share of customers")
    _percent_axis(ax.yaxis)
    ax.set_title(title or f"Likelihood to recommend: NPS {nps:+.0f}")
    ax.legend(loc="upper left", fontsize=8)
    _tidy(ax)
    return ax


def _merge(histograms: Sequence[Histogram]) -> Histogram:
    merged = histograms[0]
    for other in histograms[1:]:
        merged = merged.merged(other)
    return merged


def _percent_axis(axis: Axis) -> None:
    """Show an axis of shares (0..1) as percentages, each label the tick's value exactly.

    Ticks fall on multiples of 1, 2 or 5 times a power of ten percent, never of
    2.5 (whose labels rounded to whole percents read "2%, 5%, 8%, 12%"), and
    every label of the axis has the decimals its ticks need: "0%, 5%, 10%",
    or "0.0%, 0.5%, 1.0%" on a narrow axis.
    """
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10]))
    axis.set_major_formatter(_exact_percent()())


@functools.cache
def _exact_percent() -> type[Formatter]:
    """The Matplotlib formatter of :func:`_percent_axis` (a class made once Matplotlib is imported)."""
    from matplotlib.ticker import Formatter

    class ExactPercent(Formatter):
        """Shares as percentages; the labels of an axis's ticks all with the decimals they need."""

        def format_ticks(self, values: Any) -> list[str]:
            return [_percent_text(value, values) for value in values]

        def __call__(self, x: float, pos: int | None = None) -> str:
            return _percent_text(x, [x])

    return ExactPercent


def _percent_text(value: float, ticks: Sequence[float]) -> str:
    """A share as a percentage with the fewest decimals that write every tick of its axis exactly.

    >>> [_percent_text(share, [0.0, 0.05, 0.1]) for share in (0.0, 0.05, 0.1)]
    ['0%', '5%', '10%']
    >>> [_percent_text(share, [0.0, 0.025, 0.05]) for share in (0.0, 0.025, 0.05)]
    ['0.0%', '2.5%', '5.0%']
    """
    from matplotlib import rcParams

    percents = [100.0 * tick for tick in ticks] or [100.0 * value]
    decimals = next(
        (places for places in range(4) if all(abs(round(p, places) - p) < 1e-6 for p in percents)),
        4,
    )
    text = f"{100.0 * value:.{decimals}f}%"
    return text.replace("-", "\N{MINUS SIGN}") if rcParams["axes.unicode_minus"] else text


@_drawing
def figure(
    kind: str,
    results: dict[str, Any],
    collectors: Sequence[Collector],
    *,
    paths: JourneyPaths | None = None,
    segment: str | None = None,
    opportunities: dict[str, Any] | None = None,
) -> Figure:
    """The figure ``journey plot --kind KIND`` saves.

    The figure is made without pyplot: it opens no window, needs no backend
    and is not kept by pyplot's figure manager (nothing to close).  Save it
    with :func:`journeydsl.report.figures.save_figure` or
    :func:`~journeydsl.report.figures.figure_bytes`; in a notebook, make it the
    value of a cell to see it.

    Parameters
    ----------
    kind : {"curve", "segments", "map", "funnel", "distribution"}
        Which plot: the emotion curve (:func:`emotion_curve`), one curve per
        segment (:func:`segment_curves`), the journey map
        (:func:`journeydsl.report.journey_map.journey_map`), the funnel, or the
        distributions of what customers remember.
    results : dict
        The ``journeydsl.results/1`` document.
    collectors : sequence of Collector
        The collectors behind it (needed for ``distribution``).
    paths : JourneyPaths, optional
        The journey's ways (:func:`journeydsl.report.paths.journey_paths`): the
        curves join only touchpoints customers meet one after the other, and
        without them join none.
    segment : str, optional
        For ``curve``: draw this segment's curve.
    opportunities : dict, optional
        For ``map``: a ``journeydsl.opportunities/1`` document whose biggest
        pains and opportunities the map flags.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For a kind not in :data:`KINDS`, or a segment given with a kind other than ``curve``.
    KeyError
        For a segment the results do not have.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    if kind not in KINDS:
        raise ValueError(f"unknown plot kind {kind!r}; choose one of {', '.join(KINDS)}")
    if segment is not None and kind != "curve":
        raise ValueError(f"a segment is drawn by the curve alone, not by {kind!r}")
    with rc_context(_STYLE):
        if kind == "curve":
            columns = _columns(paths, [curve_figures(results, segment, paths)])
            fig = Figure(figsize=_curve_size(len(columns)), layout="constrained")
            emotion_curve(results, fig.subplots(), paths=paths, segment=segment)
        elif kind == "segments":
            shown = [curve_figures(results, name, paths) for name in results["segments"]]
            size = _curve_size(len(_columns(paths, shown)), len(shown))
            fig = segment_curves(results, paths, Figure(figsize=size, layout="constrained"))
        elif kind == "map":
            from .journey_map import journey_map

            fig = journey_map(results, paths, opportunities)
        elif kind == "series":
            from .series_plot import time_series_figure

            fig = time_series_figure({results.get("design", "baseline"): results})
        elif kind == "funnel":
            fig = Figure(figsize=(9, 0.6 * len(results["stages"]) + 1.8), layout="constrained")
            funnel(results, fig.subplots())
        else:
            fig = Figure(figsize=(15, 4.5), layout="constrained")
            left, middle, right = fig.subplots(1, 3)
            remembered_distribution(collectors, left)
            satisfaction_distribution(collectors, middle)
            recommendation_distribution(collectors, right)
            fig.suptitle(f"How customers remember {plot_text(results.get('journey', ''))}", fontweight="bold")
    return fig


# ---- comparisons ---------------------------------------------------------------------

#: Colours for designs, in order: baseline first.
DESIGN_COLOURS = (
    PALETTE["black"],
    PALETTE["blue"],
    PALETTE["orange"],
    PALETTE["green"],
    PALETTE["vermillion"],
    PALETTE["purple"],
    PALETTE["sky"],
    PALETTE["yellow"],
)

#: How ``forest`` groups the metrics: one panel per unit.
FOREST_GROUPS = (
    ("shares (percentage points)", ("conversion_rate", "promoters", "detractors", "return_rate"), 100.0),
    ("scores (points)", ("remembered_experience", "satisfaction"), 1.0),
    ("NPS (points)", ("nps",), 1.0),
    ("money per customer", ("cost_per_customer", "revenue_per_customer", "profit"), 1.0),
)


def _aligned(orders: Sequence[Sequence[str]]) -> list[str]:
    """Several designs' touchpoints in one order: the first design's, with the others' slotted in where they occur."""
    order: list[str] = []
    for names in orders:
        for position, name in enumerate(names):
            if name in order:
                continue
            before = next((order.index(n) + 1 for n in reversed(names[:position]) if n in order), 0)
            order.insert(before, name)
    return order


#: Markers of the designs' curves, in order (the baseline's first).
_CURVE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

#: Dashes of the designs' curves after the baseline's (which is dashed).
_CURVE_DASHES: tuple[LineStyleType, ...] = ("-", "-.", ":")

#: How far apart (in points) the designs' curves stand side by side.
_CURVE_SPACING = 3.0


@_drawing
def emotion_curves(
    results_by_design: dict[str, dict],
    ax: Axes | None = None,
    *,
    title: str | None = None,
    paths: Mapping[str, JourneyPaths] | None = None,
) -> Axes:
    """Emotion curves of several designs on one axes, aligned by touchpoint, joined only along the customers' ways.

    Each design's points are joined as :func:`emotion_curve` joins them: a
    line only between touchpoints customers meet one after the other (its
    main path in the design's dash, other ways dotted and thinner, a line
    over another touchpoint's column bent round its point), so a design's
    alternatives are never joined.  Without a design's ways (``paths``) its
    points stand unjoined.

    Every design stays visible where designs agree: each has its own marker
    and dash, each curve stands a little to the side of the one before, and
    the ones drawn first are wider, so a curve drawn over an identical one
    leaves it showing at both edges.

    Parameters
    ----------
    results_by_design : dict
        ``{design name: journeydsl.results/1 document}``; the first is drawn as the baseline.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title; default: "Emotion curves: <journey>".
    paths : mapping of str to JourneyPaths, optional
        Each design's ways (:func:`journeydsl.report.paths.journey_paths` of its
        outcome's plan and journey), by design name.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.lines import Line2D
    from matplotlib.transforms import offset_copy

    ax = _axes(ax, (11, 5))
    ways = {design: paths.get(design) if paths is not None else None for design in results_by_design}
    shown = {design: curve_figures(results, None, ways[design]) for design, results in results_by_design.items()}
    order = _aligned([_columns(ways[design], [figures]) for design, figures in shown.items()])
    x = {name: i for i, name in enumerate(order)}
    extent = max([1.0, *(abs(tp["mean_affect"]) for figures in shown.values() for tp in figures.values())])
    count = len(results_by_design)
    handles = []
    for number, (design, figures) in enumerate(shown.items()):
        names = [name for name in order if name in figures]
        below = count - 1 - number  # designs drawn after this one, over it
        colour = DESIGN_COLOURS[number % len(DESIGN_COLOURS)]
        dash: LineStyleType = "--" if number == 0 else _CURVE_DASHES[(number - 1) % len(_CURVE_DASHES)]
        marker = _CURVE_MARKERS[number % len(_CURVE_MARKERS)]
        width = 1.5 + 1.0 * below
        shifted = offset_copy(
            ax.transData, ax.get_figure(root=True), x=(number - (count - 1) / 2) * _CURVE_SPACING, units="points"
        )
        ax.plot(
            [x[name] for name in names],
            [figures[name]["mean_affect"] for name in names],
            linestyle="none",
            marker=marker,
            markersize=5 + 2 * below,
            color=colour,
            zorder=3 + number,
            transform=shifted,
        )
        found = ways[design]
        steps = None if found is None else found.everyone
        on_main = set(zip(steps.main, steps.main[1:], strict=False)) if steps is not None else set()
        mean = {name: figures[name]["mean_affect"] for name in names}
        points = [(x[name], mean[name]) for name in names]
        for edge in steps.edges if steps is not None else ():
            if edge.source not in mean or edge.target not in mean:
                continue
            principal = (edge.source, edge.target) in on_main
            start, end = (x[edge.source], mean[edge.source]), (x[edge.target], mean[edge.target])
            xs, ys = _bend(start, end, [p for p in points if start[0] < p[0] < end[0]], 0.07 * extent * 1.25)
            (line,) = ax.plot(
                xs,
                ys,
                dash if principal else ":",
                linewidth=width if principal else max(1.0, 0.6 * width),
                color=colour,
                zorder=3 + number,
                transform=shifted,
            )
            line.set_gid(f"{'main' if principal else 'way'} {edge.source}\N{RIGHTWARDS ARROW}{edge.target}")
        handles.append(
            Line2D([], [], linestyle=dash, marker=marker, color=colour, linewidth=width, label=plot_text(design))
        )
    ax.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    name_ticks(ax, [plot_text(name) for name in order])
    ax.set_xlim(-0.5, len(order) - 0.5)
    ax.set_ylim(-extent * 1.25, extent * 1.25)
    ax.set_ylabel(f"mean {AFFECT_AXIS}")
    first = next(iter(results_by_design.values()))
    ax.set_title(title or f"Emotion curves: {plot_text(first.get('journey', ''))}")
    _tidy(ax)
    legend_below(ax, handles, ncols=min(4, len(handles)))
    return ax


@_drawing
def forest(comparison: dict, axes: Sequence[Axes] | None = None, *, title: str | None = None) -> Sequence[Axes]:
    """Differences from the baseline with their 95% intervals, one panel per unit (a forest plot).

    Parameters
    ----------
    comparison : dict
        A ``journeydsl.comparison/1`` document.
    axes : sequence of matplotlib.axes.Axes, optional
        One axes per group of :data:`FOREST_GROUPS`; a new figure when omitted.
    title : str, optional
        Figure title.

    Returns
    -------
    sequence of matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    designs = list(comparison["differences"])
    if axes is None:
        heights = [len(metrics) * len(designs) for _, metrics, _ in FOREST_GROUPS]
        with plt.rc_context(_STYLE):
            _, axes = plt.subplots(
                len(FOREST_GROUPS),
                1,
                figsize=(9, 1.2 + 0.32 * sum(heights) + 0.6 * len(heights)),
                layout="constrained",
                gridspec_kw={"height_ratios": heights},
            )
    for ax, (label, metrics, factor) in zip(axes, FOREST_GROUPS, strict=True):
        rows = []
        for metric in metrics:
            for number, design in enumerate(designs, 1):
                change = comparison["differences"][design]["metrics"][metric]
                rows.append(
                    (
                        metric,
                        design,
                        number,
                        change["mean"] * factor,
                        change["ci95"][0] * factor,
                        change["ci95"][1] * factor,
                        change["excludes_zero"],
                    )
                )
        for y, (_, _, number, mean, low, high, clear) in enumerate(rows):
            colour = DESIGN_COLOURS[number % len(DESIGN_COLOURS)]
            ax.errorbar(
                [mean],
                [y],
                xerr=[[mean - low], [high - mean]],
                fmt="o",
                color=colour,
                mfc=colour if clear else "white",
                capsize=3,
            )
        ax.axvline(0.0, color=PALETTE["grey"], linewidth=1)
        ax.set_yticks(
            range(len(rows)),
            [m.replace("_", " ") + (f" ({plot_text(d)})" if len(designs) > 1 else "") for m, d, *_ in rows],
        )
        ax.invert_yaxis()
        ax.set_xlabel(f"change from {plot_text(comparison['baseline'])}: {label}")
        _tidy(ax)
    fig = axes[0].figure
    fig.suptitle(title or "What each design changes, with 95% intervals (filled: excludes 0)", fontweight="bold")
    return axes


#: Metrics that are shares of customers (drawn as percentages, changes in percentage points).
_SHARES = frozenset({"conversion_rate", "promoters", "passives", "detractors", "return_rate"})

#: Metrics where less is better.
_LESS_IS_BETTER = frozenset({"detractors", "passives", "time_in_journey", "cost_per_customer"})

#: The change from the baseline at which the heatmap's colours are full, at the least, in each
#: metric's own unit: a point of satisfaction or remembered experience, 10 NPS points, 5 percentage
#: points of a share.  Other metrics (money, time, counts) take 5% of the baseline's largest figure.
_HEATMAP_SPANS = {"satisfaction": 1.0, "remembered_experience": 1.0, "nps": 10.0, **dict.fromkeys(_SHARES, 0.05)}


@_drawing
def segment_heatmap(
    comparison: dict, metric: str = "satisfaction", ax: Axes | None = None, *, title: str | None = None
) -> Axes:
    """A metric per segment (rows) and design (columns), coloured by its change from the baseline.

    Each cell holds the design's figure for the segment and its change from
    the baseline's figure for the same segment.  The colours diverge from
    white (as the baseline) to blue (better) and red (worse), and are full
    only at a change that matters in the metric's own unit
    (:data:`_HEATMAP_SPANS`), or at the largest change when that is larger:
    satisfaction of 5.21 against 5.56 is a pale cell, not one end of the scale
    against the other.

    Parameters
    ----------
    comparison : dict
        A ``journeydsl.comparison/1`` document.
    metric : str
        A metric of the results contract.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import math

    from matplotlib.colors import Normalize

    designs = comparison["designs"]
    segments = list(comparison["results"][designs[0]]["segments"])
    ax = _axes(ax, (1.9 * len(designs) + 3.5, 0.65 * len(segments) + 2))
    values = [
        [
            comparison["results"][d]["segments"].get(s, {}).get("metrics", {}).get(metric, {}).get("mean", math.nan)
            for d in designs
        ]
        for s in segments
    ]
    direction = -1.0 if metric in _LESS_IS_BETTER else 1.0
    better = [[direction * (value - line[0]) for value in line] for line in values]  # nan stays nan
    largest = max((abs(change) for line in better for change in line if not math.isnan(change)), default=0.0)
    floor = _HEATMAP_SPANS.get(metric) or 0.05 * max(
        (abs(line[0]) for line in values if not math.isnan(line[0])), default=1.0
    )
    span = max(largest, floor) or 1.0
    image = ax.imshow(better, cmap="RdBu", norm=Normalize(-span, span), aspect="auto")
    share = metric in _SHARES
    for row, line in enumerate(values):
        for column, value in enumerate(line):
            if math.isnan(value):
                continue
            shown = f"{value:.0%}" if share else f"{value:.2f}"
            if column:
                change = value - line[0]
                shown += f"\n({_signed(100 * change, 1)} pp)" if share else f"\n({_signed(change, 2)})"
            strong = abs(better[row][column]) > 0.6 * span
            ax.text(column, row, shown, ha="center", va="center", fontsize=9, color="white" if strong else "black")
    ax.set_xticks(range(len(designs)), [plot_text(design) for design in designs], rotation=20, ha="right")
    ax.set_yticks(range(len(segments)), [plot_text(segment) for segment in segments])
    words = metric.replace("_", " ")
    unit = " (percentage points)" if share else ""
    ax.figure.colorbar(
        image,
        ax=ax,
        shrink=0.8,
        label=f"{words}: better (+) or worse (−)\nthan {plot_text(designs[0])}{unit}",
        format=lambda tick, _: _signed(100 * tick if share else tick),
    )
    ax.set_title(title or f"{words.capitalize()} by segment and design")
    return ax


def _signed(value: float, decimals: int | None = None) -> str:
    """A change with its sign ("+0.85", "−0.15"), and no sign when it shows as zero ("0.00", not "-0.00").

    >>> [_signed(0.851, 2), _signed(-0.0001, 2), _signed(-0.5), _signed(0.0)]
    ['+0.85', '0.00', '−0.5', '0']
    """
    text = f"{value:+.{decimals}f}" if decimals is not None else f"{value:+g}"
    if float(text) == 0:
        return text[1:]
    return text.replace("-", "\N{MINUS SIGN}")


@_drawing
def gap_chart(
    document: dict, group: str | None = None, axes: Sequence[Axes] | None = None, *, title: str | None = None
) -> Sequence[Axes]:
    """The gap chart of the seven-step method: expectation against experience per factor, and the weighted gaps.

    One row of two panels per group: all customers, then each segment (small
    multiples on the same scales), or only the group asked for.  Factors are
    in the group's rank order (its key experience first).  The left panel
    joins each factor's expectation (open circle) to its experience (filled),
    with the ideal level (bar); the right panel shows the importance-weighted
    satisfaction, negative for factors that fall short.

    Parameters
    ----------
    document : dict
        A ``journeydsl.gaps/1`` document.
    group : str, optional
        Only this group (``"all customers"`` or a segment); default: every group.
    axes : sequence of matplotlib.axes.Axes, optional
        Two per group drawn (its left and right panel, group after group);
        a new figure when omitted.
    title : str, optional
        Figure title.

    Returns
    -------
    sequence of matplotlib.axes.Axes
        The left and right panel of each group drawn, in that order.
    """
    import matplotlib.pyplot as plt

    names = [group] if group is not None else list(document["groups"])
    factors = {name: [row for row in document["groups"][name] if row["experience"] is not None] for name in names}
    if axes is None:
        heights = [max(1, len(rows)) + 1.0 for rows in factors.values()]  # the factors, and the group's title
        with plt.rc_context(_STYLE):
            _, grid = plt.subplots(
                len(names),
                2,
                figsize=(11, 0.5 * sum(heights) + 1.2),
                sharex="col",
                layout="constrained",
                squeeze=False,
                gridspec_kw={"width_ratios": [3, 2], "height_ratios": heights},
            )
        axes = [ax for pair in grid for ax in pair]
    weighted = [row["weighted_satisfaction"] or 0.0 for rows in factors.values() for row in rows]
    reach = max(1.0, max((abs(w) for w in weighted), default=0.0) * 1.3)
    for number, name in enumerate(names):
        left, right = axes[2 * number], axes[2 * number + 1]
        _gap_panels(left, right, factors[name], reach, legend=number == 0, scales=number == len(names) - 1)
        if len(names) > 1:
            key = document["key_experience"].get(name)
            left.set_title(
                plot_text(name) + (f": key experience {plot_text(key)}" if key else ""), loc="left", fontsize=10
            )
    source = plot_text(document["source"])
    if len(names) > 1:
        heading = f"Gap analysis ({source}) per group, each group's key experience first"
    else:
        key = document["key_experience"].get(names[0])
        heading = f"Gap analysis ({source}, {plot_text(names[0])})" + (
            f": key experience {plot_text(key)}" if key else ""
        )
    axes[0].figure.suptitle(title or heading, fontweight="bold")
    return axes


def _gap_panels(
    left: Axes, right: Axes, rows: Sequence[dict[str, Any]], reach: float, *, legend: bool, scales: bool
) -> None:
    """One group's row of the gap chart: ratings against expectation and ideal, and the weighted gaps.

    ``legend`` draws the legend of the markers, ``scales`` the axis labels
    (once each, under the bottom row: the rows share their scales).
    """
    y = list(range(len(rows)))
    for i, row in enumerate(rows):
        if row["expectation"] is not None:
            left.plot([row["expectation"], row["experience"]], [i, i], color=PALETTE["grey"], linewidth=2, zorder=2)
        left.scatter(
            [row["experience"]], [i], s=80, color=PALETTE["blue"], zorder=3, label="experience" if i == 0 else None
        )
        if row["expectation"] is not None:
            left.scatter(
                [row["expectation"]],
                [i],
                s=110,
                facecolor="none",
                edgecolor=PALETTE["black"],
                linewidth=1.5,
                zorder=4,
                label="expectation" if i == 0 else None,
            )
        if row["ideal"] is not None:
            left.scatter(
                [row["ideal"]],
                [i],
                s=200,
                marker="|",
                color=PALETTE["green"],
                zorder=4,
                label="ideal" if i == 0 else None,
            )
    left.set_yticks(y, [f"{row['rank']}. {plot_text(row['factor'])}" for row in rows])
    right.set_yticks(y, [""] * len(rows))
    for ax in (left, right):
        ax.set_ylim(len(rows) - 0.5, -0.5)  # the key experience on top
    left.set_xlim(0, 10.5)
    if legend and rows:
        left.legend(loc="lower left", fontsize=8)
    weighted = [row["weighted_satisfaction"] if row["weighted_satisfaction"] is not None else 0.0 for row in rows]
    right.barh(y, weighted, color=[PALETTE["vermillion"] if w < 0 else PALETTE["green"] for w in weighted], height=0.6)
    for i, value in enumerate(weighted):
        right.text(value, i, f" {value:+.1f} ", va="center", ha="right" if value < 0 else "left", fontsize=9)
    right.set_xlim(-reach, reach)
    right.axvline(0, color=PALETTE["grey"], linewidth=1)
    if scales:
        left.set_xlabel("rating (0-10)")
        right.set_xlabel("importance x (experience - expectation)")
    for ax in (left, right):
        _tidy(ax)


@_drawing
def opportunity_matrix(document: dict, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """Impact of improving each touchpoint (with its interval) against its cost per customer.

    The touchpoints' names are placed clear of each other and of the points
    and intervals (:func:`journeydsl.report.labels.place_labels`: a thin line
    joins a name placed away to its point; touchpoints at the same place
    share one name; a name with no free place becomes a number listed in a
    key beside the chart).  The chart grows taller with more touchpoints.
    When every touchpoint costs the same, the cost axis is that one value.
    Draw on axes of their final size (the names are placed for it).

    Parameters
    ----------
    document : dict
        A ``journeydsl.opportunities/1`` document.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (9, min(12.0, max(6.0, 2.0 + 0.12 * len(document["touchpoints"])))))  # taller for more names
    names = []
    for row in document["touchpoints"]:
        cost, mean, (low, high) = row["cost_per_customer"], row["improve"]["mean"], row["improve"]["ci95"]
        colour = PALETTE["vermillion"] if row["peak_share"] + row["end_share"] >= 0.25 else PALETTE["blue"]
        ax.errorbar([cost], [mean], yerr=[[mean - low], [high - mean]], fmt="o", color=colour, capsize=3)
        names.append(PointLabel(plot_text(row["touchpoint"]), cost, mean, low, high))
    ax.axhline(0, color=PALETTE["grey"], linewidth=0.8)
    ax.margins(x=0.08, y=0.08)
    costs = {row["cost_per_customer"] for row in document["touchpoints"]}
    if len(costs) == 1:  # one column: an axis of costs round it would show costs nobody has, below zero too
        ax.set_xticks(list(costs))
        ax.set_xlabel("cost per customer today (the same for every touchpoint)")
    else:
        ax.set_xlabel("cost per customer today")
    ax.set_ylabel(f"change in {document['objective'].replace('_', ' ')} when one point better")
    ax.set_title(title or f"Opportunity matrix: {plot_text(document['journey'])} (orange: often the peak or the end)")
    _tidy(ax)
    place_labels(ax, names, fontsize=8, reach=_POINT_REACH)
    return ax


#: How far (in points) a name keeps from the centre line of a point's marker and interval.
_POINT_REACH = 5.0


@_drawing
def tornado(document: dict, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """Per touchpoint, what removing it and improving it do to the objective, largest swings first.

    Parameters
    ----------
    document : dict
        A ``journeydsl.opportunities/1`` document.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = sorted(document["touchpoints"], key=lambda r: -(abs(r["remove"]["mean"]) + abs(r["improve"]["mean"])))
    ax = _axes(ax, (9, 0.45 * len(rows) + 1.8))
    y = list(range(len(rows)))
    ax.barh(
        [v - 0.2 for v in y],
        [r["remove"]["mean"] for r in rows],
        height=0.4,
        color=PALETTE["orange"],
        label="remove it",
    )
    ax.barh(
        [v + 0.2 for v in y],
        [r["improve"]["mean"] for r in rows],
        height=0.4,
        color=PALETTE["blue"],
        label="improve it by one point",
    )
    ax.set_yticks(y, [plot_text(r["touchpoint"]) for r in rows])
    ax.invert_yaxis()
    ax.axvline(0, color=PALETTE["black"], linewidth=0.8)
    ax.set_xlabel(f"change in {document['objective'].replace('_', ' ')}")
    ax.set_title(title or f"What each touchpoint is worth: {plot_text(document['journey'])}")
    ax.legend(loc="lower right", fontsize=8)
    _tidy(ax)
    return ax


@_drawing
def profile_bars(
    document: dict, group: str = "all customers", ax: Axes | None = None, *, title: str | None = None
) -> Axes:
    """Theme and module exposure per customer, one bar per design, side by side.

    Parameters
    ----------
    document : dict
        A ``journeydsl.profile/1`` document.
    group : str
        ``"all customers"`` or a segment's name.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    designs = document["designs"]
    first = next(iter(designs.values()))[group]
    names = [f"theme {n}" for n in first["themes"]] + list(first["modules"])
    ax = _axes(ax, (9, 0.35 * len(names) * max(1, len(designs)) ** 0.5 + 2))
    width = 0.8 / len(designs)
    for number, (design, groups) in enumerate(designs.items()):
        values = list(groups[group]["themes"].values()) + list(groups[group]["modules"].values())
        ax.barh(
            [i + number * width for i in range(len(names))],
            values,
            height=width,
            color=DESIGN_COLOURS[(number + 1) % len(DESIGN_COLOURS)] if number else PALETTE["grey"],
            label=plot_text(design),
        )
    ax.set_yticks([i + width * (len(designs) - 1) / 2 for i in range(len(names))], names)
    ax.invert_yaxis()
    ax.axvline(0, color=PALETTE["black"], linewidth=0.8)
    ax.set_xlabel("exposure per customer (effect x contacts)")
    ax.set_title(
        title or f"Experience themes and modules delivered\n{plot_text(document['journey'])} ({plot_text(group)})"
    )
    ax.legend(loc="lower right", fontsize=8)
    _tidy(ax)
    return ax


@_drawing
def delivery_chart(document: dict, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """The delivery gap per touchpoint: the effect intended (open) against the touchpoint's own effect (filled).

    The line from intended to own is the gap (vermillion when the touchpoint
    falls short, green when it does better); a grey cross marks what customers
    felt there, the own effect plus the mood they carried in from the moment
    before, joined to it by a dotted line.

    Parameters
    ----------
    document : dict
        A ``journeydsl.delivery/2`` document.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = document["touchpoints"]
    ax = _axes(ax, (9, 0.45 * len(rows) + 2))
    for i, row in enumerate(rows):
        colour = PALETTE["vermillion"] if row["gap"] < 0 else PALETTE["green"]
        ax.plot([row["own"], row["felt"]], [i, i], color=PALETTE["grey"], linewidth=1, linestyle=":", zorder=1)
        felt_label = "felt (own + mood carried in)" if i == 0 else None
        ax.scatter([row["felt"]], [i], s=40, marker="x", color=PALETTE["grey"], zorder=2, label=felt_label)
        ax.plot([row["intended"], row["own"]], [i, i], color=colour, linewidth=2, zorder=2)
        ax.scatter([row["own"]], [i], s=70, color=colour, zorder=3, label="own effect" if i == 0 else None)
        ax.scatter(
            [row["intended"]],
            [i],
            s=90,
            facecolor="white",
            edgecolor=PALETTE["black"],
            zorder=4,
            label="intended" if i == 0 else None,
        )
    ax.axvline(0, color=PALETTE["grey"], linewidth=0.8)
    ax.set_yticks(range(len(rows)), [plot_text(row["touchpoint"]) for row in rows])
    ax.invert_yaxis()
    ax.set_xlabel("effect of a contact (momentary affect; own = felt less the mood carried in)")
    shares = document["superior"]["all customers"]["superior_share"]
    ax.set_title(
        title or f"The delivery gap: {plot_text(document['journey'])} ({shares:.0%} of customers rate it superior)"
    )
    ax.legend(loc="best", fontsize=8)
    _tidy(ax)
    return ax


@_drawing
def labelled_bars(
    labels: Sequence[str],
    values: Sequence[float],
    intervals: Sequence[tuple[float, float] | None] | None = None,
    ax: Axes | None = None,
    *,
    xlabel: str = "",
    title: str = "",
    percent: bool = False,
    signed: bool = True,
) -> Axes:
    """Horizontal bars with optional 95% intervals, the value written beside each: the plain chart of the analyses.

    Parameters
    ----------
    labels, values : sequences
        One bar per label; labels are drawn as given (pass names through
        :func:`journeydsl.lang.escape.plot_text`).
    intervals : sequence of (low, high) or None, optional
        Interval bars.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    xlabel, title : str
        Axis label and title.
    percent : bool
        Show values as percentages.
    signed : bool
        Write a sign on positive values (for changes, not for levels).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (9, 0.45 * len(labels) + 1.8))
    y = list(range(len(labels)))
    colours = [PALETTE["vermillion"] if v < 0 else PALETTE["blue"] for v in values]
    ax.barh(y, values, color=colours, height=0.6)
    if intervals:
        for i, bounds in enumerate(intervals):
            if bounds is not None:
                ax.plot(bounds, [i, i], color=PALETTE["black"], linewidth=1.2)
    reach = max([abs(v) for v in values] + [abs(b) for bounds in (intervals or []) if bounds for b in bounds] + [1e-9])
    for i, value in enumerate(values):
        text = f"{value:.0%}" if percent else f"{value:+.2f}" if signed else f"{value:.2f}"
        interval = intervals[i] if intervals else None
        low, high = interval if interval is not None else (value, value)
        anchor = max(value, low, high) if value >= 0 else min(value, low, high)
        ax.text(
            anchor + (0.02 if value >= 0 else -0.02) * reach,
            i,
            text,
            va="center",
            ha="left" if value >= 0 else "right",
            fontsize=9,
        )
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.axvline(0, color=PALETTE["grey"], linewidth=0.8)
    ax.set_xlim(-reach * 1.35 if min(values, default=0) < 0 else 0, reach * (1.15 if percent else 1.35))
    if percent:
        _percent_axis(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    _tidy(ax)
    return ax


@_drawing
def removal_chart(document: dict, ax: Axes | None = None) -> Axes:
    """Conversion removal effects of the touchpoints, from a ``journeydsl.analysis/1`` document.

    When every effect is 100% or 0% (every customer who converts meets the
    same touchpoints) the bars would tell nothing apart: the chart says so
    instead (:func:`removal_note`).
    """
    title = f"Conversion removal effects: {plot_text(document['journey'])}" + (
        "" if document["exact"] else " (approximate)"
    )
    note = removal_note(document)
    if note is not None:
        return _note_instead(ax, title, note)
    rows = sorted(document["touchpoints"].items(), key=lambda item: -item[1]["removal_effect"])
    return labelled_bars(
        [plot_text(name) for name, _ in rows],
        [row["removal_effect"] for _, row in rows],
        ax=ax,
        percent=True,
        xlabel="share of conversions lost without it",
        title=title,
    )


def removal_note(document: dict) -> str | None:
    """Why the removal effects have nothing to tell apart, as a sentence; ``None`` when they have.

    That is when every touchpoint's effect is 100% or 0%: every customer who
    reaches the goal meets the same touchpoints (one path to the goal), or no
    one reaches it.

    Parameters
    ----------
    document : dict
        A ``journeydsl.analysis/1`` document.

    Returns
    -------
    str or None
        The sentence, with the touchpoints' names drawn as written.
    """
    effects = {name: row["removal_effect"] for name, row in document["touchpoints"].items()}
    if any(_EVEN < effect < 1 - _EVEN or effect < -_EVEN or effect > 1 + _EVEN for effect in effects.values()):
        return None
    every = [plot_text(name) for name, effect in effects.items() if effect > 0.5]
    none = [plot_text(name) for name, effect in effects.items() if effect <= 0.5]
    if not every:
        return "No customer reaches the goal, so removing a touchpoint has no conversion to lose."
    sentence = (
        f"Every customer who reaches the goal meets {_listed(every)}: without any one of them no one would "
        "(removal effect 100% each)"
    )
    if none:
        sentence += f"; {_listed(none)} {'is' if len(none) == 1 else 'are'} met by none of them on the way (0%)"
    return sentence + ". Removal effects tell touchpoints apart only where customers take different paths."


#: How close to 0% or 100% a removal effect counts as all or nothing.
_EVEN = 1e-9


def _listed(names: Sequence[str]) -> str:
    """Names as a list in words: "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _note_instead(ax: Axes | None, title: str, note: str) -> Axes:
    """A chart with nothing to show: its title, and the sentence that says why, where the bars would be."""
    import textwrap

    lines = textwrap.wrap(note, 100, break_long_words=False, break_on_hyphens=False)
    ax = _axes(ax, (9, 0.25 * len(lines) + 1.2))
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, "\n".join(lines), ha="center", va="center", transform=ax.transAxes, color="#444444")
    return ax


@_drawing
def care_chart(document: dict, ax: Axes | None = None) -> Axes:
    """Return on investment of each care programme with its interval, from a ``journeydsl.care/1`` document."""
    rows = [(name, p) for name, p in document["programmes"].items() if p["roi"] is not None]
    return labelled_bars(
        [plot_text(name) for name, _ in rows],
        [p["roi"] for _, p in rows],
        [tuple(p["roi_ci95"]) for _, p in rows],
        ax=ax,
        xlabel="return on investment: (revenue uplift - cost) / cost",
        title=f"Care programmes: {plot_text(document['journey'])}",
    )


@_drawing
def recovery_chart(document: dict, ax: Axes | None = None) -> Axes:
    """Satisfaction by failure experience with intervals, from a ``journeydsl.recovery/1`` document.

    When no customer met a failure there is no one to compare: the chart says
    so instead of drawing one bar (:func:`recovery_note`).
    """
    title = f"Service recovery: {plot_text(document['journey'])}"
    note = recovery_note(document)
    if note is not None:
        return _note_instead(ax, title, note)
    rows = [(name, g) for name, g in document["groups"].items() if g["customers"]]
    return labelled_bars(
        [f"{plot_text(name)} ({g['customers']:,})" for name, g in rows],
        [g["satisfaction"]["mean"] for _, g in rows],
        [tuple(g["satisfaction"]["ci95"]) for _, g in rows],
        ax=ax,
        xlabel="satisfaction (0-10)",
        title=title,
        signed=False,
    )


def recovery_note(document: dict) -> str | None:
    """Why service recovery has nothing to compare, as a sentence; ``None`` when customers met failures.

    Parameters
    ----------
    document : dict
        A ``journeydsl.recovery/1`` document.

    Returns
    -------
    str or None
    """
    if any(group["customers"] for name, group in document["groups"].items() if name != "no failure"):
        return None
    return (
        f"No customer met a failure ({document['customers']:,} customers simulated), so there is no one "
        "whose failure was recovered or not to compare with those who met none."
    )
