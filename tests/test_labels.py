"""Names at points, names along an axis and legends under the axes never overprint (journeydsl.report.labels)."""

from __future__ import annotations

import itertools
import random
import warnings

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from journeydsl.report import figures, labels  # noqa: E402
from journeydsl.report.labels import PointLabel, legend_below, name_ticks, place_labels, tick_names  # noqa: E402

#: Pixels two boxes may share: anti-aliasing, not a collision (as tests/test_visual.py).
TOLERANCE = 1.0


def _overlap(a, b) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE


def _scatter(points: list[tuple[float, float]], size=(6.0, 4.0)):
    figure = Figure(figsize=size, layout="constrained")
    ax = figure.subplots()
    ax.plot([x for x, _ in points], [y for _, y in points], "o")
    ax.set_title("points")
    return figure, ax


def _drawn(figure: Figure):
    """Lay the figure out and draw it as saving does; the renderer."""
    figures.lay_out(figure)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


def _named(placement) -> list[str]:
    """Every name a reader finds: written at its point or listed in the key."""
    written = [t.get_text() for t in placement.texts if t.get_text() and not t.get_text().isdigit()]
    names = [name.strip() for text in written for name in text.replace("\n", " ").split(",")]
    return names + [name for group in placement.key.values() for name in group] + placement.unplaced


def test_names_of_a_crowd_overprint_no_name_point_or_edge():
    rng = random.Random(3)
    points = [(rng.gauss(0, 1), rng.gauss(0, 1)) for _ in range(40)]
    figure, ax = _scatter(points)
    wanted = [PointLabel(f"touchpoint_{i:02d}", x, y) for i, (x, y) in enumerate(points)]
    placement = place_labels(ax, wanted)
    renderer = _drawn(figure)
    boxes = [t.get_window_extent(renderer) for t in placement.texts if t.get_text()]
    assert boxes, "some names are written"
    assert [(a, b) for a, b in itertools.combinations(boxes, 2) if _overlap(a, b)] == []
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    to_pixels = ax.transData
    for x, y in points:  # no name covers the centre of a point
        px, py = to_pixels.transform((x, y))
        assert not any(b.x0 < px < b.x1 and b.y0 < py < b.y1 for b in boxes)
    assert sorted(_named(placement)) == sorted(p.text for p in wanted)


def test_a_name_keeps_off_its_points_interval_and_the_nearest_place_is_beside_the_point():
    figure, ax = _scatter([(0.0, 0.0), (1.0, 1.0)])
    placement = place_labels(ax, [PointLabel("wide interval", 0.0, 0.0, -0.8, 0.8), PointLabel("other", 1.0, 1.0)])
    renderer = _drawn(figure)
    first = placement.texts[0].get_window_extent(renderer)
    px, py = ax.transData.transform((0.0, 0.0))
    assert first.x0 > px  # on the right, the first place tried
    assert first.y0 < py < first.y1  # at the point's height, beside its interval
    assert placement.key == {}


def test_points_at_one_place_share_one_label():
    figure, ax = _scatter([(1.0, 1.0), (2.0, 2.0)])
    placement = place_labels(ax, [PointLabel("a", 1.0, 1.0), PointLabel("b", 1.0, 1.0), PointLabel("c", 2.0, 2.0)])
    assert [t.get_text() for t in placement.texts] == ["a, b", "c"]


def test_names_without_room_become_numbers_listed_in_a_key():
    points = [(0.0, i * 0.01) for i in range(90)]  # a column: no room for ninety long names beside it
    figure, ax = _scatter(points, size=(9.0, 4.0))
    wanted = [PointLabel(f"a_rather_long_touchpoint_name_{i}", x, y) for i, (x, y) in enumerate(points)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the key leaves the axes room ("axes sizes collapsed" is a warning)
        placement = place_labels(ax, wanted)
        renderer = _drawn(figure)
    assert placement.key, "some names became numbers"
    numbers = [t.get_text() for t in placement.texts if t.get_text().isdigit()]
    assert sorted(numbers, key=int) == [str(n) for n in placement.key]
    legend = ax.get_legend()
    assert legend is not None and legend.get_title().get_text() == "numbered points"
    listed = [t.get_text() for t in legend.get_texts()]
    assert listed[0].startswith("1  a_rather_long_touchpoint_name_")
    # As many as the axes' height holds, the rest counted on the last line.
    assert listed[-1] == f"… and {len(placement.key) - len(listed) + 1} more"
    assert legend.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y0 - TOLERANCE
    boxes = [t.get_window_extent(renderer) for t in placement.texts if t.get_text()]
    boxes += [t.get_window_extent(renderer) for t in legend.get_texts()]
    assert [(a, b) for a, b in itertools.combinations(boxes, 2) if _overlap(a, b)] == []
    assert sorted(_named(placement)) == sorted(p.text for p in wanted)


def test_the_same_points_give_the_same_picture():
    def drawn() -> bytes:
        rng = random.Random(8)
        points = [(rng.random(), rng.random()) for _ in range(25)]
        figure, ax = _scatter(points)
        place_labels(ax, [PointLabel(f"n{i}", x, y) for i, (x, y) in enumerate(points)])
        return figures.figure_bytes(figure, "png", dpi=60)

    assert drawn() == drawn()


@pytest.mark.parametrize(
    ("count", "length", "slope", "every", "size"),
    [
        (5, 600.0, 30.0, 1, 9.0),  # 120 points a name
        (27, 680.0, 30.0, 1, 8.0),  # the permit journey: 25 points a name
        (40, 680.0, 45.0, 1, 8.0),  # 17 points: 17 x sin 45 = 12 >= 1.3 x 8
        (60, 680.0, 60.0, 1, 7.0),  # 11 points, smaller: 11 x sin 60 = 9.8 >= 1.3 x 7
        (150, 680.0, 90.0, 3, 7.0),  # 4.5 points: every third name (9 would touch)
    ],
)
def test_names_along_an_axis_stand_steeper_and_thinner_as_they_crowd(count, length, slope, every, size):
    drawn = tick_names([f"name_{i}" for i in range(count)], length)
    assert (drawn.slope, drawn.every, drawn.size) == (slope, every, size)
    shown = [label for label in drawn.labels if label]
    assert len(shown) == -(-count // every)
    spacing = length / count * every
    assert spacing * labels.math.sin(labels.math.radians(drawn.slope)) >= labels.LINE * drawn.size


def test_long_names_are_shortened_with_an_ellipsis_but_never_into_another_ones_label():
    names = ["a_very_long_touchpoint_name_about_the_first_thing", "a_very_long_touchpoint_name_about_the_second_thing"]
    drawn = tick_names([*names, "t14_determine_document_x_and_some_more_words_here"], 300.0)
    assert drawn.labels[:2] == names  # shortened, both would read "a_very_long_touchpoint_name_abou…"
    assert drawn.labels[2].endswith("…") and len(drawn.labels[2]) < 48
    assert labels.text_width(drawn.labels[2], drawn.size) <= labels.LONGEST_TICK


def test_a_shortened_name_keeps_its_note():
    drawn = tick_names(["t05_send_confirmation_to_the_applicant · 93%", "t02_check · 93%"], 200.0)
    assert drawn.labels[0].endswith("… · 93%") and drawn.labels[1] == "t02_check · 93%"


def test_name_ticks_writes_the_labels_it_chose():
    figure = Figure(figsize=(8, 4), layout="constrained")
    ax = figure.subplots()
    ax.plot(range(60), range(60))
    drawn = name_ticks(ax, [f"tp{i:02d}" for i in range(60)])
    assert [t.get_text() for t in ax.get_xticklabels()] == drawn.labels
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {drawn.slope}


def _tall_ticks(ax) -> None:
    ax.plot(range(10), range(10), label="a line")
    ax.set_xticks(range(10), [f"a long tick label number {i}" for i in range(10)], rotation=60, ha="right")


def test_a_legend_under_an_axes_stands_under_its_tick_labels():
    figure = Figure(figsize=(8, 5), layout="constrained")
    top, bottom = figure.subplots(2, 1)
    _tall_ticks(top)
    bottom.plot([0, 1], [0, 1])
    figures.lay_out(figure)
    legend = legend_below(top)
    renderer = _drawn(figure)
    ticks = top.xaxis.get_tightbbox(renderer)
    assert legend.get_window_extent(renderer).y1 <= ticks.y0 + TOLERANCE
    assert legend in top.get_children()


def test_a_legend_under_an_axes_alone_on_its_figure_is_the_axes_legend_and_inside_the_figure():
    figure = Figure(figsize=(8, 5), layout="constrained")
    ax = figure.subplots()
    _tall_ticks(ax)
    legend = legend_below(ax)
    renderer = _drawn(figure)
    assert ax.get_legend() is legend and not figure.legends
    box = legend.get_window_extent(renderer)
    assert box.y1 <= ax.xaxis.get_tightbbox(renderer).y0 + TOLERANCE
    assert box.y0 >= -TOLERANCE  # the layout made room for it
