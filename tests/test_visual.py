"""Every chart of every example, drawn at a fixed seed and checked as a picture a designer pastes into a deck.

For each example journey the charts ``journey plot --kind`` draws, the
comparison charts and every analysis chart are drawn the way the command line
and the report draw them, then laid out and measured after a draw:

- no two texts overlap (tick labels, axis labels, titles, annotations, texts
  written on the axes, legend entries, colorbar labels);
- the tick labels of an axis are unique, and a number on an axis is the tick's
  value correctly rounded (an axis in 2.5% steps never reads 2%, 5%, 8%, 12%);
- nothing is drawn outside the figure.

Beside the bundled examples, two larger journeys are checked the same way
(:data:`LARGE`): the permit journey fitted from a real event log (27
touchpoints, examples/logs) and a generated journey of 60 touchpoints, where
names along the axes crowd, legends meet tall tick labels and the
opportunity matrix names a column of points.

The simulations are small (a few hundred customers; :data:`LARGE_CUSTOMERS`
for the large journeys) and run once per journey (:func:`documents` keeps
them), and each chart is drawn and measured once for its three checks, so the
whole module takes about a minute.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.backend_bases import RendererBase  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from journeydsl import api  # noqa: E402
from journeydsl.report import figures, plots  # noqa: E402

from .conftest import EXAMPLES, ROOT  # noqa: E402

#: Customers per simulated design: enough for every chart to have something to show, few enough to be quick.
CUSTOMERS = 300
SEED = 5

#: The generated journey of 60 touchpoints (no file: :func:`_journey` writes it), with a variant to compare.
SIXTY = Path("generated_60_touchpoints.journey")

#: Journeys with many touchpoints, checked like the examples: fitted from an event log (27), generated (60).
LARGE = [ROOT / "examples" / "logs" / "permit_receipt.journey", SIXTY]

#: Customers per design of the large journeys: their opportunities simulate three what-ifs per touchpoint.
LARGE_CUSTOMERS = 60

#: Overlap (in pixels at the figure's resolution) that two texts may share: anti-aliasing, not a collision.
TOLERANCE = 1.0


@dataclass
class Documents:
    """What the charts of one example are drawn from, each simulated once."""

    journey: Any
    outcome: Any
    comparison: dict | None
    gaps: dict | None
    opportunities: dict
    profile: dict
    delivery: dict
    care: dict | None
    recovery: dict
    analysis: dict


@functools.cache
def documents(example: Path) -> Documents:
    """The outcome and analysis documents of one example (cached for the module)."""
    from journeydsl.sim.runner import Runner

    journey = _journey(example)
    runner = Runner()
    run = {"customers": LARGE_CUSTOMERS if example in LARGE else CUSTOMERS, "seed": SEED, "workers": 1}
    names = api.design_names(journey)
    outcome = api.simulate(journey, runner=runner, **run)
    comparison = api.compare(journey, runner=runner, **run) if len(names) > 1 else None
    gaps = api.gaps(journey, runner=runner, **run)
    return Documents(
        journey=journey,
        outcome=outcome,
        comparison=comparison,
        gaps=gaps if gaps["groups"] else None,
        opportunities=api.opportunities(journey, runner=runner, **run),
        profile=api.profile(journey, runner=runner, **run),
        delivery=api.delivery(journey, runner=runner, **run),
        care=api.care(journey, runner=runner, **run) if journey.care else None,
        recovery=api.recovery(journey, runner=runner, **run),
        analysis=api.analyze(journey),
    )


def test_the_large_journeys_have_many_touchpoints():
    """The large journeys are as large as they are said to be (a fit or a generator that changed would shrink them)."""
    assert [len(api.analyze(_journey(journey))["touchpoints"]) for journey in LARGE] == [27, 60]


def _journey(example: Path) -> Any:
    if example != SIXTY:
        return api.load(example)
    from .test_journey_map import generated_journey  # here: that module imports this one's measures

    text = generated_journey(60, 12).rstrip().removesuffix("}")
    return api.loads(text + '  variant "calmer ending" {\n    change tp60_the_moment { feel +2 }\n  }\n}\n')


def _whole(drawn: Figure | Axes | Any) -> Figure | None:
    """The figure a chart function returned: a figure, an axes or a sequence of axes; None when it drew nothing."""
    if drawn is None or isinstance(drawn, bool):  # `docs.comparison and ...` without a comparison
        return None
    if isinstance(drawn, Figure):
        return drawn
    if isinstance(drawn, Axes):
        return drawn.get_figure(root=True)
    return _whole(drawn[0])


#: Every chart, by name: how it is drawn from an example's documents (a false value: the example has none).
CHARTS: dict[str, Callable[[Documents], Any]] = {
    **{
        f"plot {kind}": functools.partial(
            lambda docs, kind: plots.figure(kind, docs.outcome.results, docs.outcome.collectors), kind=kind
        )
        for kind in plots.KINDS
    },
    "compare curves": lambda docs: docs.comparison and plots.emotion_curves(docs.comparison["results"]),
    "compare forest": lambda docs: docs.comparison and plots.forest(docs.comparison),
    "compare segments": lambda docs: (
        docs.comparison
        and len(docs.outcome.results["segments"]) > 1
        and plots.segment_heatmap(docs.comparison, "satisfaction")
    ),
    "gaps": lambda docs: docs.gaps and plots.gap_chart(docs.gaps),
    "opportunities matrix": lambda docs: plots.opportunity_matrix(docs.opportunities),
    "opportunities tornado": lambda docs: plots.tornado(docs.opportunities),
    "profile": lambda docs: plots.profile_bars(docs.profile),
    "delivery": lambda docs: plots.delivery_chart(docs.delivery),
    "care": lambda docs: docs.care and plots.care_chart(docs.care),
    "recovery": lambda docs: plots.recovery_chart(docs.recovery),
    "removal": lambda docs: plots.removal_chart(docs.analysis),
}


def test_every_chart_function_is_drawn_here(monkeypatch):
    """A chart added to plots.py without a place in CHARTS fails here, so it is checked like the others."""
    charts = [
        name
        for name in plots.__all__
        if callable(getattr(plots, name)) and name != "cjk_font" and not name.endswith("_note")  # notes are text
    ]
    drawn: set[str] = set()
    for name in charts:
        original = getattr(plots, name)
        monkeypatch.setattr(plots, name, functools.wraps(original)(_recording(original, name, drawn)))
    premier = next(example for example in EXAMPLES if example.stem == "premier_banking")  # has every chart
    for chart, draw in CHARTS.items():
        figure = _whole(draw(documents(premier)))
        assert figure is not None, f"premier banking has no {chart} chart"
        figures.close_figure(figure)
    assert sorted(set(charts) - drawn) == []


def _recording(draw: Callable[..., Any], name: str, drawn: set[str]) -> Callable[..., Any]:
    def recorded(*args: Any, **kwargs: Any) -> Any:
        drawn.add(name)
        return draw(*args, **kwargs)

    return recorded


CASES = [
    pytest.param(example, chart, id=f"{example.stem}-{chart.replace(' ', '-')}")
    for example, chart in itertools.product([*EXAMPLES, *LARGE], CHARTS)
]


@functools.cache
def measured(example: Path, chart: str) -> dict[str, list[str]] | None:
    """The problems each check finds in one chart of one example (None: the example has no such chart).

    The chart is drawn once, laid out and drawn as the command and the report save it.
    """
    figure = _whole(CHARTS[chart](documents(example)))
    if not figure:
        return None
    try:
        _draw(figure)
        return {
            "overlaps": overlapping_texts(figure),
            "ticks": badly_labelled_axes(figure),
            "outside": outside_the_figure(figure),
        }
    finally:
        figures.close_figure(figure)


def problems(example: Path, chart: str, check: str) -> list[str]:
    found = measured(example, chart)
    if found is None:
        pytest.skip(f"{example.stem} has nothing for the {chart} chart")
    return found[check]


# ---- what is measured ----------------------------------------------------------------


def _draw(figure: Figure) -> None:
    """Lay the figure out and draw it as :func:`journeydsl.report.figures.figure_bytes` does before it saves."""
    figures._lay_out_afresh(figure)
    FigureCanvasAgg(figure).draw()


def _renderer(figure: Figure) -> RendererBase:
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg), "measured after _draw"
    return canvas.get_renderer()


def _shown(text: Text) -> bool:
    return text.get_visible() and bool(text.get_text().strip()) and text.get_alpha() != 0


def _drawn_ticks(axis: Axis) -> list[tuple[float, Text]]:
    """The major ticks an axis draws (inside its view limits), with their labels."""
    low, high = sorted(axis.get_view_interval())
    margin = (high - low) * 1e-9
    return [
        (tick.get_loc(), tick.label1)
        for tick in axis.get_major_ticks()
        if tick.get_visible() and low - margin <= tick.get_loc() <= high + margin and _shown(tick.label1)
    ]


def _texts(figure: Figure) -> list[tuple[str, Text]]:
    """Every text a reader sees, named by where it is."""
    found: list[tuple[str, Text]] = []
    for sub in [figure, *figure.subfigs]:
        if getattr(sub, "_suptitle", None) is not None:
            found.append(("suptitle", sub._suptitle))
        found += [("figure text", text) for text in sub.texts]
        for legend in sub.legends:
            found += [("legend", text) for text in legend.get_texts()]
    for number, ax in enumerate(figure.axes):
        where = f"axes {number}"
        found += [(f"{where} title", title) for title in (ax.title, ax._left_title, ax._right_title)]
        found += [(f"{where} text", text) for text in ax.texts]
        for axis in (ax.xaxis, ax.yaxis) if ax.axison else ():  # an axes turned off draws neither ticks nor labels
            found += [(f"{where} {axis.axis_name} tick", label) for _, label in _drawn_ticks(axis)]
            found += [(f"{where} {axis.axis_name} label", axis.label), (f"{where} offset", axis.offsetText)]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            found += [(f"{where} legend", text) for text in legend.get_texts()]
            if legend.get_title().get_text():
                found.append((f"{where} legend title", legend.get_title()))
    once = {id(text): (where, text) for where, text in reversed(found)}  # the suptitle is a figure text too
    return [(where, text) for where, text in reversed(once.values()) if _shown(text)]


def _outline(text: Text, renderer: RendererBase) -> list[tuple[float, float]]:
    """The corners of a text's box as drawn, turned with the text (a rotated label is no upright box)."""
    box = text.get_window_extent(renderer)
    angle = math.radians(text.get_rotation())
    if abs(math.sin(angle)) < 1e-9 or abs(math.cos(angle)) < 1e-9:
        return [(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
    turned = text.get_rotation()
    text.set_rotation(0)
    upright = text.get_window_extent(renderer)
    text.set_rotation(turned)
    centre_x, centre_y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    cos, sin = math.cos(angle), math.sin(angle)
    half_width, half_height = upright.width / 2, upright.height / 2
    return [
        (centre_x + dx * cos - dy * sin, centre_y + dx * sin + dy * cos)
        for dx, dy in (
            (-half_width, -half_height),
            (half_width, -half_height),
            (half_width, half_height),
            (-half_width, half_height),
        )
    ]


def _overlap(first: list[tuple[float, float]], second: list[tuple[float, float]]) -> float:
    """How far two convex outlines overlap, in pixels, along the direction where they overlap least (0: apart)."""
    depth = math.inf
    for outline in (first, second):
        for (x0, y0), (x1, y1) in zip(outline, outline[1:] + outline[:1], strict=True):
            length = math.hypot(x1 - x0, y1 - y0)
            if length == 0:
                continue
            normal = ((y0 - y1) / length, (x1 - x0) / length)
            a = [x * normal[0] + y * normal[1] for x, y in first]
            b = [x * normal[0] + y * normal[1] for x, y in second]
            depth = min(depth, min(max(a), max(b)) - max(min(a), min(b)))
            if depth <= 0:
                return 0.0
    return depth


def overlapping_texts(figure: Figure) -> list[str]:
    """Pairs of texts that overprint each other, as readable lines."""
    renderer = _renderer(figure)
    outlines = [(where, text, _outline(text, renderer)) for where, text in _texts(figure)]
    return [
        f"{where_a} {text_a.get_text()!r} overprints {where_b} {text_b.get_text()!r}"
        for (where_a, text_a, outline_a), (where_b, text_b, outline_b) in itertools.combinations(outlines, 2)
        if _overlap(outline_a, outline_b) > TOLERANCE
    ]


_NUMBER = re.compile(r"^[+\-−]?\d[\d,]*(\.\d+)?%?$")


def _value(label: str) -> float:
    return float(label.replace("−", "-").replace(",", "").rstrip("%"))


def badly_labelled_axes(figure: Figure) -> list[str]:
    """Axes whose tick labels repeat, or whose numbers are not the ticks' values correctly rounded."""
    problems = []
    for number, ax in enumerate(figure.axes):
        for axis in (ax.xaxis, ax.yaxis) if ax.axison else ():
            ticks = _drawn_ticks(axis)
            labels = [label.get_text() for _, label in ticks]
            where = f"axes {number} {axis.axis_name} axis {labels}"
            if len(set(labels)) != len(labels):
                problems.append(f"{where}: a label repeats")
            if not labels or not all(_NUMBER.match(label) for label in labels):
                continue  # names, not numbers
            shown = [_value(label) for label in labels]
            offset = (
                axis.get_major_formatter().get_offset() if hasattr(axis.get_major_formatter(), "get_offset") else ""
            )
            if offset:
                values = [loc for loc, _ in ticks]  # scaled and shifted: the steps must stay even
                steps = {
                    round((b - a) / (y - x), 9)
                    for (a, x), (b, y) in itertools.pairwise(zip(shown, values, strict=True))
                }
                if len(steps) > 1:
                    problems.append(f"{where}: uneven steps")
                continue
            scale = 100.0 if labels[0].endswith("%") else 1.0
            for (loc, label), value in zip(ticks, shown, strict=True):
                if abs(value - loc * scale) > 1e-9 * max(1.0, abs(loc * scale)):
                    problems.append(f"{where}: {label.get_text()!r} stands for {loc * scale:g}")
    return problems


def outside_the_figure(figure: Figure) -> list[str]:
    """What is drawn beyond the figure's edges (a saved picture would grow to hold it, or lose it)."""
    renderer = _renderer(figure)
    edges = figure.bbox
    problems = []
    for where, text in _texts(figure):
        box = text.get_window_extent(renderer)
        if (
            box.x0 < edges.x0 - TOLERANCE
            or box.y0 < edges.y0 - TOLERANCE
            or box.x1 > edges.x1 + TOLERANCE
            or box.y1 > edges.y1 + TOLERANCE
        ):
            problems.append(f"{where} {text.get_text()!r} at {box.bounds}")
    whole = figure.get_tightbbox(renderer)
    if whole is not None:
        inches = Bbox.from_bounds(0, 0, *figure.get_size_inches())
        reach = TOLERANCE / figure.dpi
        if whole.x0 < -reach or whole.y0 < -reach or whole.x1 > inches.x1 + reach or whole.y1 > inches.y1 + reach:
            problems.append(f"the drawing spans {whole.bounds} of a {inches.bounds} figure")
    return problems


# ---- the checks ----------------------------------------------------------------------


@pytest.mark.parametrize(("example", "chart"), CASES)
def test_no_two_texts_overlap(example, chart):
    assert problems(example, chart, "overlaps") == []


@pytest.mark.parametrize(("example", "chart"), CASES)
def test_tick_labels_are_unique_and_correctly_rounded(example, chart):
    assert problems(example, chart, "ticks") == []


@pytest.mark.parametrize(("example", "chart"), CASES)
def test_nothing_is_drawn_outside_the_figure(example, chart):
    assert problems(example, chart, "outside") == []


def teardown_module() -> None:
    plt.close("all")
