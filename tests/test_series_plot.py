"""The time-series figure: four panels, one line per design, nothing drawn where there is nothing to show."""

from __future__ import annotations

from pathlib import Path

from journeydsl.api import load, loads, simulate
from journeydsl.report.figures import figure_bytes
from journeydsl.report.series_plot import time_series_figure

HOTEL = Path(__file__).resolve().parent.parent / "examples" / "validation" / "hotel_wifi.journey"
YEAR = 365 * 24.0


def lines(ax) -> list:
    return [line for line in ax.get_lines() if line.get_label() and not line.get_label().startswith("_")]


def test_designs_overlay_on_every_panel_with_one_legend():
    journey = load(HOTEL)
    results = {d: simulate(journey, design=d, seed=1, period=YEAR).results for d in ("baseline", "reliable wifi")}
    fig = time_series_figure(results)
    adoption, arrivals, nps, queue = fig.axes
    assert adoption.get_title(loc="left") == "Adoption"
    assert [len(lines(ax)) for ax in (adoption, arrivals, nps)] == [2, 2, 2]
    # Nobody queues in the hotel: the panel says so instead of drawing a flat line.
    assert not lines(queue) and any("nobody waited" in t.get_text() for t in queue.texts)
    # One legend for the figure, naming both designs.
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["baseline", "reliable wifi"]
    # Adoption is the share of the market, shown in percent.
    assert max(lines(adoption)[1].get_ydata()) == results["reliable wifi"]["series"]["adoption"][-1]
    fig.canvas.draw() if fig.canvas is not None else None
    assert [label.get_text() for label in adoption.get_yticklabels()][-1] == "100%"
    # The last, partial year is not drawn as a drop in new customers.
    assert len(lines(arrivals)[0].get_xdata()) == len(results["baseline"]["series"]["start"]) - 1
    assert figure_bytes(fig, "png") == figure_bytes(time_series_figure(results), "png")


def test_a_journey_with_queues_and_a_warmup():
    journey = loads(
        'journey "Counter" { time unit minutes arrivals poisson 1.5 per min '
        "stage s goal { touchpoint desk: staff capacity 2 duration exponential(1 min) { feel +1 } } }"
    )
    results = simulate(journey, customers=3000, warmup=120, seed=2, period=60.0).results
    fig = time_series_figure({"baseline": results})
    adoption, arrivals, nps, queue = fig.axes
    assert adoption.get_title(loc="left") == "Customers so far"
    assert lines(queue) and max(lines(queue)[0].get_ydata()) > 0
    assert "warm-up" in fig.get_suptitle()
    assert queue.get_xlabel() == "hours from the start"
    # Periods where fewer than 20 cycles were judged draw no NPS point.
    judged = results["series"]["respondents"]
    assert len(lines(nps)[0].get_xdata()) == sum(1 for n in judged if n >= 20)
