"""The validation document as people read it: the table `journey validate` prints and its chart.

Used by the command (:mod:`journeydsl.cli.validate`) and by the report's validation section.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..lang.escape import plot_text, terminal
from .tables import format_table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["MAX_QQ", "validation_figure", "validation_table"]


#: How many QQ plots a figure draws at most (time in journey first, then the touchpoints with most data).
MAX_QQ = 8


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _share(value: float) -> str:
    return f"{100 * value:.1f}%"


def _title(text: str, style: Callable[[str], str] | None) -> str:
    shown = terminal(text)
    return style(shown) if style else shown


def validation_table(document: dict[str, Any], style: Callable[[str], str] | None = None) -> str:
    """The ``journeydsl.validation/1`` document as tables for the terminal (every name escaped).

    Parameters
    ----------
    document : dict
        From :func:`journeydsl.api.validate`.
    style : callable, optional
        Decorates titles and headers (bold on a terminal).

    Returns
    -------
    str
    """
    tests = document["tests"]
    unit = document["time_unit"]
    lines = [
        _title(
            f"{document['journey']} ({document['design']}) against {document['log']['source']}: "
            f"{document['log']['cases']} observed cases, {document['simulated']['cases']} simulated; "
            f"level {document['level']:g}: {document['verdict']}",
            style,
        ),
        "",
    ]
    reach = tests["reach"]
    lines.append(
        _title(f"reach: {reach['verdict']} (share of cases; tolerance {100 * reach['tolerance']:g} points)", style)
    )
    rows = [
        [
            f"{item['kind']} {item['name']}",
            _share(item["observed"]),
            _share(item["simulated"]),
            f"{100 * item['effect']:+.1f}",
            _p(item["p_adjusted"]),
            item["verdict"],
        ]
        for item in reach["items"]
    ]
    lines += [format_table(["", "observed", "simulated", "points", "p (Holm)", "verdict"], rows, style), ""]
    durations = tests["durations"]
    lines.append(
        _title(f"durations: {durations['verdict']} ({unit}; KS, tolerance D {durations['tolerance']:g})", style)
    )
    rows = []
    for item in durations["items"]:
        ad = item["anderson_darling"]
        rows.append(
            [
                item["name"],
                str(item["n_observed"]),
                str(item["n_simulated"]),
                _number(item["median_observed"]),
                _number(item["median_simulated"]),
                _number(item["effect"]),
                _p(item["p_adjusted"]),
                _p(ad["p_value"]) if ad else "-",
                item["verdict"],
            ]
        )
    lines += [
        format_table(
            ["", "n obs", "n sim", "median obs", "median sim", "D", "p (Holm)", "p A-D", "verdict"], rows, style
        ),
        "",
    ]
    arrivals = tests["arrivals"]
    lines.append(
        _title(f"arrivals: {arrivals['verdict']} (chi-square; tolerance TV distance {arrivals['tolerance']:g})", style)
    )
    rows = [
        [
            item["name"],
            str(item["n_observed"]),
            str(item["n_simulated"]),
            _number(item["effect"], 3),
            _p(item["p_value"]),
            item["verdict"],
        ]
        for item in arrivals["items"]
    ]
    lines += [format_table(["", "n obs", "n sim", "TV distance", "p", "verdict"], rows, style), ""]
    paths = tests["paths"]
    summary = paths["items"][0]
    lines.append(
        _title(
            f"paths: {paths['verdict']} (top {len(summary['variants'])} observed; TV distance "
            f"{_number(summary['effect'], 3)}, p {_p(summary['p_value'])}; tolerance {paths['tolerance']:g})",
            style,
        )
    )
    rows = [
        [" > ".join(variant["path"]), _share(variant["observed_share"]), _share(variant["simulated_share"])]
        for variant in summary["variants"]
    ]
    other = summary["other"]
    if other["observed"] or other["simulated"]:
        rows.append(["(other paths)", _share(other["observed_share"]), _share(other["simulated_share"])])
    lines.append(format_table(["path", "observed", "simulated"], rows, style))
    unmatched = document["unmatched"]
    if unmatched["activities"]:
        lines.append(
            "log activities that are no touchpoint (map them with --rename ACTIVITY=TOUCHPOINT): "
            + ", ".join(f"`{terminal(name)}`" for name in unmatched["activities"])
        )
    if unmatched["touchpoints"]:
        lines.append(
            "touchpoints no case of the log visits: " + ", ".join(f"`{terminal(n)}`" for n in unmatched["touchpoints"])
        )
    return "\n".join(lines) + "\n"


def validation_figure(document: dict[str, Any]) -> Figure:
    """Reach bars (observed and simulated share of cases) and QQ plots of durations.

    Each QQ plot puts the observed quantiles (2% to 98%) against the simulated ones: on the
    diagonal when the distributions agree.  At most :data:`MAX_QQ` are drawn: time in journey,
    then the touchpoints with the most observed durations.
    """
    from matplotlib.figure import Figure

    reach = document["tests"]["reach"]["items"]
    durations = [item for item in document["tests"]["durations"]["items"] if item["statistic"] is not None]
    durations = durations[:1] + sorted(durations[1:], key=lambda item: -item["n_observed"])[: MAX_QQ - 1]
    columns = 3
    qq_rows = math.ceil(len(durations) / columns) if durations else 0
    height_reach = max(2.5, 0.3 * len(reach) + 1)
    figure = Figure(figsize=(12, height_reach + 3.2 * qq_rows), layout="constrained")
    grid = figure.add_gridspec(1 + qq_rows, columns, height_ratios=[height_reach] + [3.2] * qq_rows)
    bars = figure.add_subplot(grid[0, :])
    positions = list(range(len(reach)))
    bars.barh([p - 0.2 for p in positions], [100 * i["observed"] for i in reach], 0.4, label="observed")
    bars.barh([p + 0.2 for p in positions], [100 * i["simulated"] for i in reach], 0.4, label="simulated")
    bars.set_yticks(positions, [plot_text(f"{i['kind']} {i['name']}") for i in reach])
    bars.invert_yaxis()
    bars.set_xlabel("cases reaching it (%)")
    bars.set_xlim(0, 105)
    bars.legend(loc="lower right")
    bars.set_title(plot_text(f"Reach: {document['journey']} against {document['log']['source']}"))
    unit = document["time_unit"]
    for index, item in enumerate(durations):
        axes = figure.add_subplot(grid[1 + index // columns, index % columns])
        observed, simulated = item["quantiles"]["observed"], item["quantiles"]["simulated"]
        axes.plot(simulated, observed, "o", markersize=3)
        low = min(*observed, *simulated)
        high = max(*observed, *simulated)
        axes.plot([low, high], [low, high], "-", color="grey", linewidth=0.8)
        axes.set_xlabel(plot_text(f"simulated ({unit})"))
        axes.set_ylabel(plot_text(f"observed ({unit})"))
        axes.set_title(plot_text(f"{item['name']}: D {item['effect']:.2f}, {item['verdict']}"), fontsize=9)
    return figure
