"""The time-series figure: adoption, arrivals, NPS and queue length per period, one line per design.

It draws the results' ``series`` section (:mod:`journeydsl.sim.series`): four
panels sharing the time axis, counted in the series' period (weeks, months,
years...).  Each design is one line in the same colour on every panel; a
market journey's top-left panel is the share of the market adopted, any other
journey's the customers so far.  The warm-up, when there is one, is shaded.
A panel with nothing to show (nobody ever waited; no cycle was judged) says
so in one line instead of drawing an empty axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..lang.escape import plot_text
from .plots import _STYLE, DESIGN_COLOURS, PALETTE, _drawing

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["time_series", "time_series_figure"]

#: The panels: the series' field, the panel's title, the y axis label.
_PANELS = (
    ("adoption", "Adoption", "share of the market adopted"),
    ("arrivals", "New customers", "per {period}"),
    ("nps", "NPS of the cycles judged in each period", "NPS (-100 to +100)"),
    ("queue_length", "Customers waiting", "mean number in the queues"),
)


def _x(series: Mapping[str, Any]) -> list[float]:
    """The middle of each period, counted in periods from the start."""
    length = series["period"]["length"]
    return [start / length + 0.5 for start in series["start"]]


#: A period's NPS is drawn when at least this many cycles were judged in it (fewer say little).
FEWEST_RESPONDENTS = 20


def _values(results: Mapping[str, Any], field: str) -> list[float | None]:
    """A panel's values, None where there is nothing to draw.

    Adoption for a market, the customers so far otherwise; new customers but
    for a last period the run did not fill (its count would look like a drop);
    NPS only where at least :data:`FEWEST_RESPONDENTS` cycles were judged.
    """
    series = results["series"]
    if field == "adoption":
        if series["adoption"] is not None:
            return list(series["adoption"])
        return list(series["adopters"])
    values: list[float | None] = list(series[field])
    if field == "arrivals" and values and series["start"][-1] + series["period"]["length"] > series["end"]:
        values[-1] = None
    if field == "nps":
        replications = results.get("replications", 1)
        values = [
            value if respondents * replications >= FEWEST_RESPONDENTS else None
            for value, respondents in zip(values, series["respondents"], strict=True)
        ]
    return values


@_drawing
def time_series(results_by_design: Mapping[str, Mapping[str, Any]], axes: Sequence[Axes]) -> Sequence[Axes]:
    """Draw the four panels of the designs' time series onto ``axes`` (four axes, row by row).

    Parameters
    ----------
    results_by_design : mapping of str to dict
        ``journeydsl.results/1`` documents by design name, each with its ``series``.
    axes : sequence of four matplotlib Axes

    Returns
    -------
    sequence of matplotlib.axes.Axes
    """
    documents = list(results_by_design.items())
    first = documents[0][1]["series"]
    period = first["period"]["label"]
    market = first["adoption"] is not None
    several = len(documents) > 1
    for (field, title, label), ax in zip(_PANELS, axes, strict=True):
        drawn = False
        for number, (design, results) in enumerate(documents):
            series = results["series"]
            values = _values(results, field)
            points = [(x, y) for x, y in zip(_x(series), values, strict=True) if y is not None]
            if not points or (field == "queue_length" and not any(y for _, y in points)):
                continue
            xs, ys = zip(*points, strict=True)
            colour = DESIGN_COLOURS[number % len(DESIGN_COLOURS)] if several else PALETTE["blue"]
            ax.plot(
                xs,
                ys,
                color=colour,
                linewidth=1.8,
                marker="o" if len(xs) <= 24 else None,
                markersize=3.5,
                linestyle=("-", "--", "-.", ":")[number % 4],
                label=plot_text(design),
            )
            drawn = True
        ax.set_title(title if field != "adoption" or market else "Customers so far", loc="left")
        if not drawn:
            reason = "nobody waited in a queue" if field == "queue_length" else "no cycle was judged"
            ax.text(0.5, 0.5, reason, transform=ax.transAxes, ha="center", va="center", color=PALETTE["grey"])
            ax.set_yticks([])
        ax.set_ylabel((label if market else "customers") if field == "adoption" else label.format(period=period))
        if field == "adoption" and market:
            from matplotlib.ticker import PercentFormatter

            ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        if field == "nps":
            ax.axhline(0, color=PALETTE["grey"], linewidth=0.8)
        warmup = first["warmup"] / first["period"]["length"]
        if warmup > 0:
            ax.axvspan(0, warmup, color=PALETTE["grey"], alpha=0.15, linewidth=0, label=None)
        ax.set_xlabel(f"{period}s from the start")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes[0].set_xlim(0, max(len(results["series"]["start"]) for _, results in documents))
    if several:
        handles, labels = axes[0].get_legend_handles_labels()
        if handles:
            axes[0].figure.legend(
                handles, labels, loc="outside lower center", ncols=min(4, len(labels)), title="design"
            )
    return axes


def time_series_figure(results_by_design: Mapping[str, Mapping[str, Any]]) -> Figure:
    """The time-series figure ``journey plot --kind series`` saves (and the report shows).

    Parameters
    ----------
    results_by_design : mapping of str to dict
        One or more ``journeydsl.results/1`` documents by design name; several are overlaid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_STYLE):
        fig = Figure(figsize=(12, 7), layout="constrained")
        axes = fig.subplots(2, 2, sharex=True).flatten()
        for ax in axes:
            ax.tick_params(labelbottom=True)
        time_series(results_by_design, axes)
        journey = next(iter(results_by_design.values())).get("journey", "")
        warmup = next(iter(results_by_design.values()))["series"]["warmup"]
        note = " (shaded: the warm-up, not counted in the results)" if warmup else ""
        fig.suptitle(f"{plot_text(journey)} over time{note}", fontweight="bold")
    return fig
