"""Response plots of a sweep: how a metric answers its settings.

- one setting: the mean as a line over the setting's values, with its 95%
  interval as a band;
- two settings on a grid: a heatmap of the mean, each cell labelled with it
  (two settings drawn at random or on a Latin hypercube: the points in the
  plane, coloured by the mean);
- more: one small panel per setting, the metric against that setting (on a
  grid, its mean over the other settings' values, with the range of the
  points' means as a band; for drawn points, every point).

Matplotlib is imported inside the function; names go through
:func:`~journeydsl.lang.escape.plot_text`, and the chart's text is drawn with
the same settings as every chart of :mod:`journeydsl.report.plots`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ..analysis.sweep import SweepResult
from ..lang.escape import plot_text
from .plots import _STYLE, _text_settings
from .sweep_table import metric_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["sweep_figure"]

_LINE = "#1f5a99"
_BAND = "#9cc3e6"


def sweep_figure(result: SweepResult, metric: str) -> Figure:
    """The response of ``metric`` to the sweep's settings (line with band, heatmap or small multiples).

    Parameters
    ----------
    result : SweepResult
        The finished sweep.
    metric : str
        One of the sweep's metrics (:attr:`~journeydsl.analysis.sweep.SweepResult.metrics`).

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
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    label, kind = metric_label(metric)
    count = len(result.labels)
    with rc_context({**_STYLE, **_text_settings()}):
        if count == 1:
            fig = Figure(figsize=(7, 4.2), layout="constrained")
            _line(fig.subplots(), result, metric, 0)
        elif count == 2 and result.spec.method == "grid":
            fig = Figure(figsize=(7.5, 5), layout="constrained")
            _heatmap(fig, result, metric)
        elif count == 2:
            fig = Figure(figsize=(7.5, 5), layout="constrained")
            _scatter(fig, result, metric)
        else:
            columns = min(count, 3)
            rows = (count + columns - 1) // columns
            fig = Figure(figsize=(4 * columns, 3.3 * rows), layout="constrained")
            axes = fig.subplots(rows, columns, squeeze=False).ravel()
            for index in range(count):
                if result.spec.method == "grid":
                    _marginal(axes[index], result, metric, index)
                else:
                    _points(axes[index], result, metric, index)
            for ax in axes[count:]:
                ax.set_visible(False)
        fig.suptitle(plot_text(f"{result.journey}: {label} across {len(result.points)} points"), fontweight="bold")
    return fig


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


def _line(ax: Axes, result: SweepResult, metric: str, index: int) -> None:
    """One setting: the mean over its values, the 95% interval as a band."""
    factor = _scale(metric_label(metric)[1])
    rows = sorted(result.metric(metric), key=lambda row: row.values[index])
    known = [row for row in rows if row.mean is not None]
    xs = [row.values[index] for row in known]
    means = [factor * (row.mean or 0.0) for row in known]
    banded = [row for row in known if row.low is not None and row.high is not None]
    if banded:
        ax.fill_between(
            [row.values[index] for row in banded],
            [factor * (row.low or 0.0) for row in banded],
            [factor * (row.high or 0.0) for row in banded],
            color=_BAND,
            alpha=0.6,
            linewidth=0,
            label="95% interval",
        )
    ax.plot(xs, means, color=_LINE, marker="o", markersize=4, linewidth=1.8, label="mean")
    _setting_axis(ax, result, index)
    ax.set_ylabel(plot_text(_axis_label(metric)))
    ax.grid(alpha=0.3)
    if banded:
        ax.legend(loc="best")


def _heatmap(fig: Figure, result: SweepResult, metric: str) -> None:
    """Two settings on a grid: the mean in each cell, first setting down, second across."""
    import numpy as np

    factor = _scale(metric_label(metric)[1])
    ys = sorted({point.values[0] for point in result.points})
    xs = sorted({point.values[1] for point in result.points})
    grid = np.full((len(ys), len(xs)), np.nan)
    for row in result.metric(metric):
        if row.mean is not None:
            grid[ys.index(row.values[0]), xs.index(row.values[1])] = factor * row.mean
    ax = fig.subplots()
    image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(xs)), [_tick(result, 1, x) for x in xs])
    ax.set_yticks(range(len(ys)), [_tick(result, 0, y) for y in ys])
    ax.set_xlabel(_setting_label(result, 1))
    ax.set_ylabel(_setting_label(result, 0))
    for spine in ax.spines.values():
        spine.set_visible(False)
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
                        fontsize=8,
                        color="white" if value < middle else "black",
                    )
    fig.colorbar(image, ax=ax, label=plot_text(_axis_label(metric)))


def _tick(result: SweepResult, index: int, value: float) -> str:
    """A heatmap's tick: shares and chances in percent."""
    if result.spec.settings[index].address.kind in ("share", "chance", "failure"):
        return f"{100 * value:.3g}%"
    return f"{value:g}"


def _scatter(fig: Figure, result: SweepResult, metric: str) -> None:
    """Two settings drawn at random: the points in the plane, coloured by the mean."""
    factor = _scale(metric_label(metric)[1])
    rows = [row for row in result.metric(metric) if row.mean is not None]
    ax = fig.subplots()
    drawn = ax.scatter(
        [row.values[1] for row in rows],
        [row.values[0] for row in rows],
        c=[factor * (row.mean or 0.0) for row in rows],
        cmap="viridis",
        s=40,
        edgecolors="white",
        linewidths=0.5,
    )
    _setting_axis(ax, result, 1, "x")
    _setting_axis(ax, result, 0, "y")
    ax.grid(alpha=0.3)
    fig.colorbar(drawn, ax=ax, label=plot_text(_axis_label(metric)))


def _marginal(ax: Axes, result: SweepResult, metric: str, index: int) -> None:
    """More settings on a grid: the mean over the other settings per value, the points' range as a band."""
    factor = _scale(metric_label(metric)[1])
    by_value: dict[float, list[float]] = defaultdict(list)
    for row in result.metric(metric):
        if row.mean is not None:
            by_value[row.values[index]].append(factor * row.mean)
    xs = sorted(by_value)
    ax.fill_between(
        xs,
        [min(by_value[x]) for x in xs],
        [max(by_value[x]) for x in xs],
        color=_BAND,
        alpha=0.6,
        linewidth=0,
        label="range of the points' means",
    )
    ax.plot(
        xs,
        [sum(by_value[x]) / len(by_value[x]) for x in xs],
        color=_LINE,
        marker="o",
        markersize=4,
        label="mean over the other settings",
    )
    if index == 0:
        ax.legend(loc="best", fontsize=8)
    _setting_axis(ax, result, index)
    ax.set_ylabel(plot_text(_axis_label(metric)))
    ax.grid(alpha=0.3)


def _points(ax: Axes, result: SweepResult, metric: str, index: int) -> None:
    """More settings drawn at random: every point's mean against one setting."""
    factor = _scale(metric_label(metric)[1])
    rows = [row for row in result.metric(metric) if row.mean is not None]
    ax.scatter([row.values[index] for row in rows], [factor * (row.mean or 0.0) for row in rows], s=14, color=_LINE)
    _setting_axis(ax, result, index)
    ax.set_ylabel(plot_text(_axis_label(metric)))
    ax.grid(alpha=0.3)
