"""Response plots of a sweep: how a metric answers its settings.

- one setting: the mean as a line over the setting's values, with its 95%
  interval as a band;
- two settings on a grid: a heatmap of the mean, each cell labelled with it
  (two settings drawn at random or on a Latin hypercube: the points in the
  plane, coloured by the mean);
- more: one small panel per setting, the metric against that setting (on a
  grid, its mean over the other settings' values, with the range of the
  points' means as a band; for drawn points, every point).

Given the ranking (:class:`~journeydsl.analysis.sweep.Choice`, ``--objective``
and ``--budget``), the plot shows where the answer is: the best point within
the budget is outlined (a heatmap's cell) or starred (a point on a line, in
the plane or in each panel), and the points that break a bound are hatched
(a heatmap's cells, a line's stretch) or drawn hollow (drawn points); one
legend under the plot names the marks, titled with the budget.

Matplotlib is imported inside the function; names go through
:func:`~journeydsl.lang.escape.plot_text`, and the chart's text is drawn with
the same settings as every chart of :mod:`journeydsl.report.plots`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..analysis.sweep import Choice, SweepResult
from ..lang.escape import plot_text
from .plots import _STYLE, _text_settings
from .sweep_table import metric_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["sweep_figure"]

_LINE = "#1f5a99"
_BAND = "#9cc3e6"
#: The best point's mark: a red that stands out on viridis and on the line's blue.
_BEST = "#d62728"
#: Over budget: hatched in grey over a wash of white (a heatmap's cells, a line's stretch).
_OVER_HATCH = "#6b6b6b"
_OVER_WASH = (1.0, 1.0, 1.0, 0.6)


@dataclass(frozen=True)
class _Marks:
    """What the plot marks: the best point within the budget, the points over it, and their legend's words."""

    best: int | None
    over: frozenset[int]
    best_label: str
    budget: str

    @classmethod
    def of(cls, choice: Choice | None, metric: str) -> _Marks:
        if choice is None:
            return cls(None, frozenset(), "", "")
        within = " within budget" if choice.constraints else ""
        named = "" if choice.objective == metric else f" {metric_label(choice.objective)[0]}"
        best = choice.best.point.index if choice.best is not None else None
        budget = "; ".join(str(constraint) for constraint in choice.constraints)
        return cls(best, frozenset(choice.over_budget), f"best{named}{within}", budget)


def sweep_figure(result: SweepResult, metric: str, choice: Choice | None = None) -> Figure:
    """The response of ``metric`` to the sweep's settings (line with band, heatmap or small multiples).

    Parameters
    ----------
    result : SweepResult
        The finished sweep.
    metric : str
        One of the sweep's metrics (:attr:`~journeydsl.analysis.sweep.SweepResult.metrics`).
    choice : Choice, optional
        The ranking by an objective under a budget (:meth:`~journeydsl.analysis.sweep.SweepResult.best`):
        its best point is marked ("best within budget"; the objective is named when ``metric`` is
        another) and the points that break a bound are hatched or hollow ("over budget").

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> from journeydsl.analysis.sweep import run_sweep
    >>> from journeydsl.lang.sweep import read_sweep_text
    >>> from journeydsl.sim.runner import Runner
    >>> from journeydsl.sim.settings import RunSettings
    >>> j = loads('journey "J" { arrivals cohort 20 stage a goal { touchpoint t: staff cost 5 { feel +1 } } }')
    >>> result = run_sweep(j, read_sweep_text('[settings]\\n"feel of t" = [0, 2]', j), Runner(), RunSettings(workers=1))
    >>> len(sweep_figure(result, "satisfaction").axes)
    1
    >>> marked = sweep_figure(result, "satisfaction", result.best("satisfaction"))
    >>> [text.get_text() for text in marked.legends[0].get_texts()]
    ['95% interval', 'mean', 'best']
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    label, kind = metric_label(metric)
    count = len(result.labels)
    marks = _Marks.of(choice, metric)
    legend: dict[str, Any] = {}
    with rc_context({**_STYLE, **_text_settings()}):
        if count == 1:
            fig = Figure(figsize=(7, 4.2), layout="constrained")
            _line(fig.subplots(), result, metric, 0, marks, legend)
        elif count == 2 and result.spec.method == "grid":
            fig = Figure(figsize=(7.5, 5), layout="constrained")
            _heatmap(fig, result, metric, marks, legend)
        elif count == 2:
            fig = Figure(figsize=(7.5, 5), layout="constrained")
            _scatter(fig, result, metric, marks, legend)
        else:
            columns = min(count, 3)
            rows = (count + columns - 1) // columns
            fig = Figure(figsize=(4 * columns, 3.3 * rows), layout="constrained")
            axes = fig.subplots(rows, columns, squeeze=False).ravel()
            for index in range(count):
                if result.spec.method == "grid":
                    _marginal(axes[index], result, metric, index, marks, legend)
                else:
                    _points(axes[index], result, metric, index, marks, legend)
            for ax in axes[count:]:
                ax.set_visible(False)
        fig.suptitle(plot_text(f"{result.journey}: {label} across {len(result.points)} points"), fontweight="bold")
        marked = [name for name in (marks.best_label, "over budget") if name in legend]
        if marked or len(legend) > 1:
            names = [*(name for name in legend if name not in marked), *marked]  # the marks last, the best first
            fig.legend(
                [legend[name] for name in names],
                [plot_text(name) for name in names],
                loc="outside lower center",
                ncols=min(len(legend), 4),
                fontsize=9,
                title=plot_text(f"budget: {marks.budget}" + ("" if marks.best is not None else " (no point keeps it)"))
                if marks.budget
                else None,
                title_fontsize=9,
            )
    return fig


def _best_star(ax: Axes, x: float, y: float, marks: _Marks, legend: dict[str, Any], size: float = 15) -> None:
    """The best point within the budget: a red star, white-edged so it reads on any colour."""
    (star,) = ax.plot(
        [x],
        [y],
        linestyle="none",
        marker="*",
        markersize=size,
        markerfacecolor=_BEST,
        markeredgecolor="white",
        markeredgewidth=1.0,
        zorder=5,
    )
    ax.margins(y=0.08)  # room for the star at the top or bottom of the data
    legend.setdefault(marks.best_label, star)


def _over_patch() -> Any:
    """The legend's key for points over budget: a hatched wash, as the heatmap and the line draw them."""
    from matplotlib.patches import Patch

    return Patch(facecolor=_OVER_WASH, edgecolor=_OVER_HATCH, hatch="///", linewidth=0.6)


def _scale(kind: str) -> float:
    """Shares are drawn in percent."""
    return 100.0 if kind == "percent" else 1.0


def _setting_label(result: SweepResult, index: int) -> str:
    """A setting's axis label: as written, with the time unit for a duration's mean."""
    setting = result.spec.settings[index]
    if setting.address.kind == "duration":
        return plot_text(f"{setting.label} ({result.time_unit or 'minutes'})")
    return plot_text(setting.label)


def _setting_axis(ax: Axes, result: SweepResult, index: int, which: str = "x") -> None:
    """Label a setting's axis; whole-number settings get whole ticks, shares and chances percent."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    setting = result.spec.settings[index]
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_label_text(_setting_label(result, index))
    if setting.whole:
        axis.set_major_locator(MaxNLocator(integer=True))
    if setting.address.kind in ("share", "chance", "failure"):
        axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def _axis_label(metric: str) -> str:
    label, kind = metric_label(metric)
    return f"{label} (%)" if kind == "percent" else label


def _line(ax: Axes, result: SweepResult, metric: str, index: int, marks: _Marks, legend: dict[str, Any]) -> None:
    """One setting: the mean over its values, the 95% interval as a band; the stretch over budget hatched."""
    factor = _scale(metric_label(metric)[1])
    rows = sorted(result.metric(metric), key=lambda row: row.values[index])
    known = [row for row in rows if row.mean is not None]
    xs = [row.values[index] for row in known]
    means = [factor * (row.mean or 0.0) for row in known]
    banded = [row for row in known if row.low is not None and row.high is not None]
    if banded:
        legend["95% interval"] = ax.fill_between(
            [row.values[index] for row in banded],
            [factor * (row.low or 0.0) for row in banded],
            [factor * (row.high or 0.0) for row in banded],
            color=_BAND,
            alpha=0.6,
            linewidth=0,
        )
    (legend["mean"],) = ax.plot(xs, means, color=_LINE, marker="o", markersize=4, linewidth=1.8)
    over = [row.values[index] for row in rows if row.point in marks.over]
    if over:
        limits = ax.get_xlim()
        for low, high in _stretches(sorted({row.values[index] for row in rows}), set(over)):
            ax.axvspan(low, high, facecolor=_OVER_WASH, edgecolor=_OVER_HATCH, hatch="///", linewidth=0, zorder=0.5)
        ax.set_xlim(limits)
        legend["over budget"] = _over_patch()
    best = next((row for row in known if row.point == marks.best), None)
    if best is not None:
        _best_star(ax, best.values[index], factor * (best.mean or 0.0), marks, legend)
    _setting_axis(ax, result, index)
    ax.set_ylabel(plot_text(_axis_label(metric)))
    ax.grid(alpha=0.3)


def _stretches(values: list[float], over: set[float]) -> list[tuple[float, float]]:
    """The stretches of the axis nearer to a value over budget than to one within it (runs of values joined).

    Examples
    --------
    >>> _stretches([1, 2, 3, 4], {3, 4})
    [(2.5, 7.0)]
    >>> _stretches([1, 2, 3], {1, 3})
    [(-1.0, 1.5), (2.5, 5.0)]
    """
    span = (values[-1] - values[0]) or 1.0
    found: list[tuple[float, float]] = []
    for position, value in enumerate(values):
        if value not in over:
            continue
        low = (values[position - 1] + value) / 2 if position > 0 else value - span
        high = (value + values[position + 1]) / 2 if position + 1 < len(values) else value + span
        if found and found[-1][1] == low:
            found[-1] = (found[-1][0], float(high))
        else:
            found.append((float(low), float(high)))
    return found


def _heatmap(fig: Figure, result: SweepResult, metric: str, marks: _Marks, legend: dict[str, Any]) -> None:
    """Two settings on a grid: the mean in each cell, first setting down, second across.

    Cells over budget are washed out and hatched; the best cell within it is outlined and its number bold.
    """
    import numpy as np
    from matplotlib.patches import Patch, Rectangle

    factor = _scale(metric_label(metric)[1])
    ys = sorted({point.values[0] for point in result.points})
    xs = sorted({point.values[1] for point in result.points})
    grid = np.full((len(ys), len(xs)), np.nan)
    cell: dict[int, tuple[int, int]] = {}
    for row in result.metric(metric):
        cell[row.point] = (ys.index(row.values[0]), xs.index(row.values[1]))
        if row.mean is not None:
            grid[cell[row.point]] = factor * row.mean
    ax = fig.subplots()
    image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(xs)), [_tick(result, 1, x) for x in xs])
    ax.set_yticks(range(len(ys)), [_tick(result, 0, y) for y in ys])
    ax.set_xlabel(_setting_label(result, 1))
    ax.set_ylabel(_setting_label(result, 0))
    for spine in ax.spines.values():
        spine.set_visible(False)
    over = {cell[point] for point in marks.over if point in cell}
    for i, j in sorted(over):
        ax.add_patch(
            Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=_OVER_WASH, edgecolor=_OVER_HATCH, hatch="///", linewidth=0)
        )
    best = cell.get(marks.best) if marks.best is not None else None
    if len(xs) * len(ys) <= 150:
        finite = grid[np.isfinite(grid)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for i in range(len(ys)):
            for j in range(len(xs)):
                value = grid[i, j]
                if np.isfinite(value):
                    ax.text(
                        j,
                        i,
                        f"{value:.3g}",
                        ha="center",
                        va="center",
                        fontsize=9 if (i, j) == best else 8,
                        fontweight="bold" if (i, j) == best else "normal",
                        color="white" if value < middle and (i, j) not in over else "black",
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "linewidth": 0, "alpha": 0.85}
                        if (i, j) in over
                        else None,
                    )
    if best is not None:
        i, j = best
        inset = 0.04
        ax.add_patch(
            Rectangle(
                (j - 0.5 + inset, i - 0.5 + inset),
                1 - 2 * inset,
                1 - 2 * inset,
                facecolor="none",
                edgecolor=_BEST,
                linewidth=3,
                zorder=4,
            )
        )
        legend[marks.best_label] = Patch(facecolor="none", edgecolor=_BEST, linewidth=2.5)
    if over:
        legend["over budget"] = _over_patch()
    fig.colorbar(image, ax=ax, label=plot_text(_axis_label(metric)))


def _tick(result: SweepResult, index: int, value: float) -> str:
    """A heatmap's tick: shares and chances in percent."""
    if result.spec.settings[index].address.kind in ("share", "chance", "failure"):
        return f"{100 * value:.3g}%"
    return f"{value:g}"


def _scatter(fig: Figure, result: SweepResult, metric: str, marks: _Marks, legend: dict[str, Any]) -> None:
    """Two settings drawn at random: the points in the plane, coloured by the mean; over budget hollow."""
    from matplotlib.colors import Normalize

    factor = _scale(metric_label(metric)[1])
    rows = [row for row in result.metric(metric) if row.mean is not None]
    ax = fig.subplots()
    colours = [factor * (row.mean or 0.0) for row in rows]
    norm = Normalize(min(colours, default=0.0), max(colours, default=1.0))
    within = [row for row in rows if row.point not in marks.over]
    over = [row for row in rows if row.point in marks.over]
    drawn = ax.scatter(
        [row.values[1] for row in within],
        [row.values[0] for row in within],
        c=[factor * (row.mean or 0.0) for row in within],
        cmap="viridis",
        norm=norm,
        s=40,
        edgecolors="white",
        linewidths=0.5,
    )
    if over:
        from matplotlib import colormaps

        ring = colormaps["viridis"]
        ax.scatter(
            [row.values[1] for row in over],
            [row.values[0] for row in over],
            s=36,
            facecolors="none",
            edgecolors=[ring(norm(factor * (row.mean or 0.0))) for row in over],
            linewidths=1.6,
        )
        legend["over budget"] = _hollow()
    best = next((row for row in rows if row.point == marks.best), None)
    if best is not None:
        _best_star(ax, best.values[1], best.values[0], marks, legend, size=18)
    _setting_axis(ax, result, 1, "x")
    _setting_axis(ax, result, 0, "y")
    ax.grid(alpha=0.3)
    fig.colorbar(drawn, ax=ax, label=plot_text(_axis_label(metric)))


def _hollow() -> Any:
    """The legend's key for drawn points over budget: a hollow ring."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker="o", markersize=7, markerfacecolor="none", markeredgecolor="#555555")


def _marginal(ax: Axes, result: SweepResult, metric: str, index: int, marks: _Marks, legend: dict[str, Any]) -> None:
    """More settings on a grid: the mean over the other settings per value, the points' range as a band.

    The best point within the budget is starred at its value of this setting and its own mean.
    """
    factor = _scale(metric_label(metric)[1])
    by_value: dict[float, list[float]] = defaultdict(list)
    for row in result.metric(metric):
        if row.mean is not None:
            by_value[row.values[index]].append(factor * row.mean)
    xs = sorted(by_value)
    legend["range of the points' means"] = ax.fill_between(
        xs,
        [min(by_value[x]) for x in xs],
        [max(by_value[x]) for x in xs],
        color=_BAND,
        alpha=0.6,
        linewidth=0,
    )
    (legend["mean over the other settings"],) = ax.plot(
        xs,
        [sum(by_value[x]) / len(by_value[x]) for x in xs],
        color=_LINE,
        marker="o",
        markersize=4,
    )
    best = next((row for row in result.metric(metric) if row.point == marks.best and row.mean is not None), None)
    if best is not None:
        _best_star(ax, best.values[index], factor * (best.mean or 0.0), marks, legend)
    _setting_axis(ax, result, index)
    ax.set_ylabel(plot_text(_axis_label(metric)))
    ax.grid(alpha=0.3)


def _points(ax: Axes, result: SweepResult, metric: str, index: int, marks: _Marks, legend: dict[str, Any]) -> None:
    """More settings drawn at random: every point's mean against one setting; over budget hollow, the best starred."""
    factor = _scale(metric_label(metric)[1])
    rows = [row for row in result.metric(metric) if row.mean is not None]
    within = [row for row in rows if row.point not in marks.over]
    over = [row for row in rows if row.point in marks.over]
    ax.scatter([row.values[index] for row in within], [factor * (row.mean or 0.0) for row in within], s=14, color=_LINE)
    if over:
        ax.scatter(
            [row.values[index] for row in over],
            [factor * (row.mean or 0.0) for row in over],
            s=14,
            facecolors="none",
            edgecolors=_LINE,
            linewidths=1.0,
        )
        legend["over budget"] = _hollow()
    best = next((row for row in rows if row.point == marks.best), None)
    if best is not None:
        _best_star(ax, best.values[index], factor * (best.mean or 0.0), marks, legend, size=13)
    _setting_axis(ax, result, index)
    ax.set_ylabel(plot_text(_axis_label(metric)))
    ax.grid(alpha=0.3)
