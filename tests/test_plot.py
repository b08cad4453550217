"""Plots: the emotion curve, the funnel and the distributions, from the API and from `journey plot`."""

from __future__ import annotations

import io
import itertools
import warnings

import matplotlib
import matplotlib.colors
import matplotlib.image

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from journeydsl.api import loads, simulate  # noqa: E402
from journeydsl.api import plot as api_plot  # noqa: E402
from journeydsl.cli import cli  # noqa: E402
from journeydsl.report import figures  # noqa: E402
from journeydsl.report import plots as plot  # noqa: E402
from journeydsl.report.paths import journey_paths  # noqa: E402

from .conftest import EXAMPLES  # noqa: E402

JOURNEY = """
journey "Plot me" { arrivals cohort 400 seed 4
  stage arrive { touchpoint welcome: staff { feel +2 }  touchpoint wait: environment { feel -4 } -> pay 80% }
  stage pay goal { touchpoint till: staff capacity 1 duration 1 min { act +1 } touchpoint goodbye: staff { feel +3 } }
}
"""


@pytest.fixture(scope="module")
def outcome():
    return simulate(loads(JOURNEY), seed=4)


def test_functions_draw_on_the_given_axes_and_return_it(outcome):
    fig, axes = plt.subplots(1, 5)
    try:
        drawn = [
            plot.emotion_curve(outcome.results, axes[0]),
            plot.funnel(outcome.results, axes[1]),
            plot.remembered_distribution(outcome.collectors, axes[2]),
            plot.satisfaction_distribution(outcome.collectors, axes[3]),
            plot.recommendation_distribution(outcome.collectors, axes[4]),
        ]
        assert drawn == list(axes)
    finally:
        plt.close(fig)


def test_functions_make_their_own_figure_without_axes(outcome):
    ax = plot.emotion_curve(outcome.results)
    try:
        assert ax.figure is not None
    finally:
        plt.close(ax.figure)


def test_emotion_curve_follows_the_journey_and_marks_peak_trough_and_end(outcome):
    figure = api_plot(outcome, "curve")
    ax = figure.axes[0]
    touchpoints = outcome.results["touchpoints"]
    # Touchpoints in journey order; those not every customer meets carry their reach.
    labels = [tick.get_text().split(" · ")[0] for tick in ax.get_xticklabels()]
    assert labels == ["welcome", "wait", "till", "goodbye"]
    assert ax.get_xticklabels()[2].get_text() == "till · 84%"
    # The main path joins each touchpoint to the next one the customers meet, at its mean.
    steps = {line.get_gid(): line for line in ax.get_lines() if (line.get_gid() or "").startswith("main ")}
    assert list(steps) == ["main welcome→wait", "main wait→till", "main till→goodbye"]
    for gid, line in steps.items():
        first, second = gid.removeprefix("main ").split("→")
        ys = list(line.get_ydata())
        assert ys[0] == pytest.approx(touchpoints[first]["mean_affect"])
        assert ys[-1] == pytest.approx(touchpoints[second]["mean_affect"])
    # Peak (highest mean), trough (lowest) and end (most often last), once each.
    texts = [text.get_text() for text in ax.texts]
    assert "trough" in texts
    assert f"peak + end ({touchpoints['goodbye']['end_share']:.0%} end here)" in texts
    assert {"arrive", "pay"} <= set(texts)


PEAK_AT_THE_END = """
journey "Peak at the end" { arrivals cohort 300 seed 4
  stage visit { touchpoint hello: staff { feel +1 } touchpoint browse: environment { feel +1 } -> pay 100% }
  stage pay goal { touchpoint farewell: staff { feel +5; sense +5 } }
}
"""


def test_a_touchpoint_both_peak_and_end_is_marked_once_with_one_label():
    """The last and most intense moment: one label "peak + end" (they overprinted as "peend")."""
    outcome = simulate(loads(PEAK_AT_THE_END), seed=4)
    results = outcome.results
    assert results["touchpoints"]["farewell"]["peak_share"] == results["touchpoints"]["farewell"]["end_share"] == 1.0
    figure = api_plot(outcome, "curve")
    try:
        renderer = FigureCanvasAgg(figure).get_renderer()
        figure.draw(renderer)
        ax = figure.axes[0]
        marks = [text for text in ax.texts if text.get_text().startswith(("peak", "end", "trough"))]
        assert [text.get_text() for text in marks].count("peak + end (100% end here)") == 1
        assert not any(text.get_text() in ("peak", "end") for text in marks)
        boxes = [text.get_window_extent(renderer) for text in marks]
        assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
    finally:
        figures.close_figure(figure)


def test_funnel_bars_add_up_to_the_customers_entering_each_stage(outcome):
    ax = plot.funnel(outcome.results)
    try:
        went_on, dropped = ax.containers
        stages = outcome.results["stages"]
        entered = [bar_a.get_width() + bar_b.get_width() for bar_a, bar_b in zip(went_on, dropped, strict=True)]
        assert entered == [stage["entered"] for stage in stages.values()]
        assert [bar.get_width() for bar in dropped] == [stage["dropped"] for stage in stages.values()]
    finally:
        plt.close(ax.figure)


def test_recommendation_bands_match_the_nps(outcome):
    ax = plot.recommendation_distribution(outcome.collectors)
    try:
        heights = [bar.get_height() for container in ax.containers for bar in container]
        assert len(heights) == 11 and sum(heights) == pytest.approx(1.0)
        nps = 100 * (sum(heights[9:]) - sum(heights[:7]))
        assert nps == pytest.approx(outcome.results["metrics"]["nps"]["mean"], abs=1e-4)
        assert f"NPS {nps:+.0f}" in ax.get_title()
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("top", [0.2, 0.23, 0.45, 0.03, 0.012, 1.0])
def test_percentage_axes_read_each_tick_exactly(outcome, top):
    """A share axis in 2.5% steps read "2%, 5%, 8%, 12%": every label is now its tick's value, none repeats."""
    ax = plot.recommendation_distribution(outcome.collectors)
    try:
        ax.set_ylim(0, top)
        ax.figure.canvas.draw()
        shown = [
            (tick, label.get_text())
            for tick, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
            if 0 <= tick <= top
        ]
        assert len(shown) >= 3 and len({label for _, label in shown}) == len(shown)
        for tick, label in shown:
            assert label.endswith("%") and float(label[:-1]) == pytest.approx(100 * tick, abs=1e-9), (tick, label)
    finally:
        plt.close(ax.figure)


def test_histograms_count_every_customer(outcome):
    customers = outcome.results["customers"]
    assert sum(outcome.collectors[0].remembered.counts) == customers
    assert sum(outcome.collectors[0].satisfaction.counts) == customers


@pytest.mark.parametrize(("suffix", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_cli_writes_each_format(tmp_path, suffix, magic):
    target = tmp_path / f"curve.{suffix}"
    result = CliRunner().invoke(
        cli, ["plot", str(EXAMPLES[0]), "--kind", "curve", "--customers", "300", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(magic)


@pytest.mark.parametrize("kind", plot.KINDS)
def test_cli_draws_every_kind_of_every_example_reproducibly(tmp_path, kind):
    for example in EXAMPLES:
        first, second = tmp_path / f"{example.stem}-a.png", tmp_path / f"{example.stem}-b.png"
        for target in (first, second):
            result = CliRunner().invoke(
                cli, ["plot", str(example), "--kind", kind, "--customers", "200", "--seed", "3", "-o", str(target)]
            )
            assert result.exit_code == 0, result.output
        assert first.read_bytes() == second.read_bytes()


def test_cli_default_output_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["plot", str(EXAMPLES[0]), "--kind", "funnel", "--customers", "100"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{EXAMPLES[0].stem}-funnel.png").is_file()


def test_cli_refuses_an_unknown_image_format_before_simulating(tmp_path):
    result = CliRunner().invoke(cli, ["plot", str(EXAMPLES[0]), "-o", str(tmp_path / "curve.gif")])
    assert result.exit_code == 2
    assert ".png, .svg or .pdf" in result.output
    assert not (tmp_path / "curve.gif").exists()


@pytest.fixture(scope="module")
def comparison():
    from journeydsl.api import compare, load

    journey = load(EXAMPLES[-1])  # premier banking: three designs, two segments
    return compare(journey, customers=300, seed=1, workers=1)


def test_overlaid_curves_align_touchpoints_of_all_designs(comparison):
    ax = plot.emotion_curves(comparison["results"])
    try:
        labels = [tick.get_text() for tick in ax.get_xticklabels()]
        assert labels.index("print_in_office") == labels.index("advisor") + 1  # slotted in where it occurs
        assert "fetch_printouts" in labels and len(ax.get_lines()) == 1 + len(comparison["designs"])
    finally:
        plt.close(ax.figure)


def test_overlaid_curves_show_every_design_even_identical_ones(outcome):
    """Two designs with the same curve showed as one line (the legend had three designs, two were visible)."""
    designs = {"baseline": outcome.results, "the same": outcome.results, "the same again": outcome.results}
    paths = journey_paths(outcome.plan, outcome.journey)
    ax = plot.emotion_curves(designs, paths={name: paths for name in designs})
    try:
        handles = ax.get_legend().legend_handles
        assert [handle.get_label() for handle in handles] == list(designs)
        # Each design its own marker and dash, so identical curves still show as three.
        assert len({h.get_marker() for h in handles}) == len({h.get_linestyle() for h in handles}) == 3
        colours = {matplotlib.colors.to_hex(h.get_color()) for h in handles}
        ax.get_legend().remove()  # its samples have the designs' colours too
        pixels = matplotlib.image.imread(io.BytesIO(figures.figure_bytes(ax.figure, "png")), format="png")[..., :3]
        for colour in colours:
            seen = (abs(pixels - matplotlib.colors.to_rgb(colour)).max(axis=-1) < 0.08).sum()
            assert seen > 200, f"{colour} is hidden ({seen} pixels of its colour)"
    finally:
        plt.close(ax.figure)


def test_forest_plot_shows_every_interval(comparison):
    axes = plot.forest(comparison)
    try:
        assert len(axes) == len(plot.FOREST_GROUPS)
        rows = sum(len(ax.get_yticks()) for ax in axes)
        assert rows == sum(len(metrics) for _, metrics, _ in plot.FOREST_GROUPS) * (len(comparison["designs"]) - 1)
    finally:
        plt.close(axes[0].figure)


def test_segment_heatmap_writes_each_value(comparison):
    ax = plot.segment_heatmap(comparison, "satisfaction")
    try:
        texts = [t.get_text() for t in ax.texts]
        expected = comparison["results"]["baseline"]["segments"]["premier"]["metrics"]["satisfaction"]["mean"]
        assert f"{expected:.2f}" in texts and len(texts) == len(comparison["designs"]) * 2
    finally:
        plt.close(ax.figure)


def _opportunity(name: str, cost: float, mean: float) -> dict:
    return {
        "touchpoint": name,
        "cost_per_customer": cost,
        "improve": {"mean": mean, "ci95": [mean - 0.05, mean + 0.05]},
        "peak_share": 0.0,
        "end_share": 0.0,
    }


def test_opportunity_matrix_names_stay_clear_of_each_other_and_of_the_points():
    """Touchpoints of the same cost and impact wrote their names over each other (two or three per example)."""
    crowd = [_opportunity(f"touchpoint_{n}", 0.0, 0.2 + 0.004 * n) for n in range(5)]
    crowd += [_opportunity("sign_in_branch", 4.0, 0.02), _opportunity("sign_online", 4.1, 0.021)]
    document = {"journey": "Crowded", "objective": "remembered_experience", "touchpoints": crowd}
    ax = plot.opportunity_matrix(document)
    try:
        renderer = ax.figure.canvas.get_renderer()
        ax.figure.draw(renderer)
        names = [text for text in ax.texts if text.get_text()]
        assert sorted(text.get_text() for text in names) == sorted(row["touchpoint"] for row in crowd)
        boxes = [text.get_window_extent(renderer) for text in names]
        assert not [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]
        points = ax.transData.transform([(row["cost_per_customer"], row["improve"]["mean"]) for row in crowd])
        assert not [(box, point) for box in boxes for point in points if box.contains(*point)]
        assert all(box.x0 >= ax.bbox.x0 and box.x1 <= ax.bbox.x1 for box in boxes)
        again = figures.figure_bytes(ax.figure, "png")
        assert again == figures.figure_bytes(plot.opportunity_matrix(document).figure, "png")
    finally:
        plt.close("all")


def test_gap_chart_draws_every_group_on_shared_scales():
    """`gaps --plot` drew only the first group (all customers): now a row per group, each in its own rank order."""
    from journeydsl.api import gaps, load

    document = gaps(load(EXAMPLES[-1]), source="simulation", customers=200, seed=1, workers=1)
    groups = list(document["groups"])
    assert groups == ["all customers", "premier", "mass"]
    axes = plot.gap_chart(document)
    try:
        assert len(axes) == 2 * len(groups) and len(axes[0].figure.axes) == 2 * len(groups)
        for number, group in enumerate(groups):
            left, right = axes[2 * number], axes[2 * number + 1]
            assert left.get_title(loc="left").startswith(group)
            factors = [f"{row['rank']}. {row['factor']}" for row in document["groups"][group]]
            assert [label.get_text() for label in left.get_yticklabels()] == factors
            assert [bar.get_width() for bar in right.patches] == [
                row["weighted_satisfaction"] for row in document["groups"][group]
            ]
            assert right.get_xlim() == axes[1].get_xlim() and left.get_xlim() == (0, 10.5)
        one = plot.gap_chart(document, "premier")
        assert len(one) == 2 and "premier" in one[0].figure.get_suptitle()
    finally:
        plt.close("all")


def _recovery(failed: int) -> dict:
    measured = {"mean": 7.0, "ci95": [6.8, 7.2]}
    return {
        "journey": "Shop",
        "customers": 300 + failed,
        "groups": {
            "no failure": {"customers": 300, "satisfaction": measured, "return_rate": measured},
            "failure recovered": {"customers": failed, "satisfaction": measured if failed else None},
            "failure not recovered": {"customers": 0, "satisfaction": None, "return_rate": None},
        },
    }


def test_recovery_chart_says_why_it_has_nothing_to_compare_when_nothing_failed():
    """It drew one bar ("no failure") when no customer met a failure."""
    assert plot.recovery_note(_recovery(failed=12)) is None
    note = plot.recovery_note(_recovery(failed=0))
    assert note is not None and note.startswith("No customer met a failure (300 customers")
    ax = plot.recovery_chart(_recovery(failed=0))
    try:
        assert not ax.patches and not ax.axison
        assert [text.get_text().replace("\n", " ") for text in ax.texts] == [note]
        assert ax.get_title() == "Service recovery: Shop"
    finally:
        plt.close(ax.figure)
    ax = plot.recovery_chart(_recovery(failed=12))
    try:
        assert len(ax.patches) == 2
    finally:
        plt.close(ax.figure)


def _removal(effects: dict[str, float]) -> dict:
    touchpoints = {name: {"expected_visits": 1.0, "removal_effect": effect} for name, effect in effects.items()}
    return {"journey": "Shop", "exact": True, "touchpoints": touchpoints}


def test_removal_chart_says_so_when_every_effect_is_all_or_nothing():
    """One path to the goal: 100% on every bar told nothing apart; the chart now says why instead."""
    one_path = _removal({"door": 1.0, "shelves": 1.0, "till": 1.0, "repairs": 0.0})
    note = plot.removal_note(one_path)
    assert note is not None
    assert "meets door, shelves and till" in note and "repairs is met by none of them" in note
    assert plot.removal_note(_removal({"door": 0.0})).startswith("No customer reaches the goal")
    assert plot.removal_note(_removal({"door": 1.0, "web": 0.41, "branch": 0.59})) is None
    ax = plot.removal_chart(one_path)
    try:
        assert not ax.patches and not ax.axison and "door" in ax.texts[0].get_text()
    finally:
        plt.close(ax.figure)
    ax = plot.removal_chart(_removal({"door": 1.0, "web": 0.41, "branch": 0.59}))
    try:
        assert [label.get_text() for label in ax.get_yticklabels()] == ["door", "branch", "web"]
    finally:
        plt.close(ax.figure)


def test_cli_recovery_plot_of_a_journey_without_failures_is_the_sentence(tmp_path):
    target = tmp_path / "recovery.png"
    shops = next(example for example in EXAMPLES if example.stem == "electronics_shops")
    result = CliRunner().invoke(cli, ["recovery", str(shops), "--customers", "100", "--plot", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG")


def _by_segment(metric: str, figures_by_design: dict[str, dict[str, float]]) -> dict:
    results = {
        design: {"segments": {segment: {"metrics": {metric: {"mean": value}}} for segment, value in by.items()}}
        for design, by in figures_by_design.items()
    }
    return {"designs": list(figures_by_design), "results": results}


def test_segment_heatmap_colours_the_change_from_the_baseline_on_a_scale_that_matters():
    """Satisfaction 5.21 against 5.56 took both ends of the colour scale; now a pale cell on a ±1 point scale."""
    comparison = _by_segment("satisfaction", {"baseline": {"a": 5.56, "b": 6.0}, "new": {"a": 5.21, "b": 6.1}})
    ax = plot.segment_heatmap(comparison)
    try:
        image = ax.get_images()[0]
        assert (image.norm.vmin, image.norm.vmax) == (-1.0, 1.0)
        baseline, lower = (image.to_rgba(image.get_array()[0, column]) for column in (0, 1))
        assert min(baseline[:3]) > 0.9  # as the baseline: white
        assert min(lower[:3]) > 0.5 and lower[0] > lower[2]  # a little worse: pale red
        assert [text.get_text() for text in ax.texts] == ["5.56", "5.21\n(−0.35)", "6.00", "6.10\n(+0.10)"]
    finally:
        plt.close(ax.figure)
    shares = _by_segment("detractors", {"baseline": {"a": 0.30}, "new": {"a": 0.10}})
    ax = plot.segment_heatmap(shares, "detractors")
    try:
        image = ax.get_images()[0]
        assert image.norm.vmax == pytest.approx(0.2)  # a change larger than 5 points spans the scale itself
        assert image.get_array()[0, 1] == pytest.approx(0.2)  # fewer detractors is better
        assert ax.texts[1].get_text() == "10%\n(−20.0 pp)"
    finally:
        plt.close(ax.figure)


CHINESE = """
journey "结账之旅" { arrivals cohort 200 seed 4
  stage "到店" { touchpoint "结账": staff { feel +2 }  touchpoint "けっさい": environment { feel -3 } -> "离开" 80% }
  stage "离开" goal { touchpoint "再见": staff { feel +1 } }
}
"""


#: A name each kind of chart shows.
CHINESE_NAMES = {
    "curve": "结账",
    "segments": "结账",
    "map": "结账",
    "series": "结账之旅",
    "funnel": "到店",
    "distribution": "结账之旅",
}


@pytest.mark.parametrize("kind", plot.KINDS)
def test_chinese_and_japanese_names_draw_in_a_cjk_font_with_no_glyph_missing(kind, monkeypatch):
    font = plot.cjk_font()
    if font is None:
        pytest.skip("no CJK font installed: Chinese names draw as boxes (Debian: apt-get install fonts-noto-cjk)")
    monkeypatch.setattr(figures, "_missing_glyphs_told", False)  # a missing glyph would be told here
    outcome = simulate(loads(CHINESE), seed=4)
    figure = plot.figure(kind, outcome.results, outcome.collectors)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert figures.figure_bytes(figure, "png").startswith(b"\x89PNG")
        figure.savefig(io.BytesIO(), format="png")  # Matplotlib's own save: its warnings are not gathered
    assert not [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    named = [text for text in figure.findobj(Text) if CHINESE_NAMES[kind] in text.get_text()]
    assert named and all(font in text.get_fontfamily() for text in named)
