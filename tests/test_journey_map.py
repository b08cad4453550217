"""Honest emotion curves (per segment, small multiples) and the journey map, drawn and measured.

The curves are checked on the lines they draw (no line joins two touchpoints
that are alternatives), the moments on their labels (each once, never
overprinted), and the map on what a reader sees at A4 landscape: no two texts
overlap, nothing leaves the figure, no text is tiny.  The maps of the examples
and of a generated 30-touchpoint journey are saved as PNGs in the test's
folder (``--basetemp`` keeps them for a look).
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from journeydsl import api  # noqa: E402
from journeydsl.cli import cli  # noqa: E402
from journeydsl.report import figures, plots  # noqa: E402
from journeydsl.report.journey_map import A4_LANDSCAPE, flags, journey_map  # noqa: E402
from journeydsl.report.paths import journey_paths  # noqa: E402
from journeydsl.sim.runner import Runner  # noqa: E402

from .conftest import EXAMPLES  # noqa: E402
from .test_visual import _draw, _texts, outside_the_figure, overlapping_texts  # noqa: E402

CUSTOMERS = 300
SEED = 5

#: Premier customers go to the lounge, everyday customers to the teller: two alternatives, never one after the other.
BRANCH = """
journey "Branch" { arrivals cohort 300 seed 3
  segment premier 30% { tier A }
  segment everyday 70% { tier B }
  stage welcome { touchpoint greeter: staff { feel +2 } -> lounge 100% if segment premier -> counter }
  stage lounge { touchpoint lounge_room: environment { feel +3 } -> leave }
  stage counter { touchpoint teller: staff { feel -2 } -> leave }
  stage leave goal { touchpoint goodbye: staff { feel +1 } }
}
"""

#: The last touchpoint is the most intense and the last moment: "peak + end" on one label.
PEAK_AT_THE_END = """
journey "Peak at the end" { arrivals cohort 200 seed 4
  stage visit { touchpoint hello: staff { feel +1 } touchpoint browse: environment { feel -1 } -> pay 100% }
  stage pay goal { touchpoint farewell: staff { feel +5; sense +5 } }
}
"""


def generated_journey(touchpoints: int = 30, stages: int = 8) -> str:
    """A journey of ``touchpoints`` touchpoints in ``stages`` stages, with what makes maps hard.

    Choices of two options (one with a long name), a stage only one of three
    segments is routed to (from stage 2 to 3; the others go on to 4), a
    touchpoint for one segment, moments of truth, a long segment name, and
    felt effects from -4 to +4.
    """
    channels = itertools.cycle(["staff", "digital", "environment", "media", "product", "partner", "delegated", "event"])
    feels = itertools.cycle([2, -1, 3, -3, 1, 0, -2, 4, 1, -4])
    words = itertools.cycle(
        ["discover", "compare_offers", "visit", "decide", "pay", "receive", "use_and_learn", "support"]
    )
    names = [f"stage_{i + 1}_{word}" for i, word in zip(range(stages), words, strict=False)]
    lines = [
        'journey "Thirty touchpoints" {',
        "  arrivals cohort 300",
        "  seed 30",
        "  segment newcomers 50% { tier A }",
        "  segment regulars 30% { tier B }",
        "  segment professionals_with_long_names 20% { tier C }",
    ]
    sizes = [touchpoints // stages + (1 if i < touchpoints % stages else 0) for i in range(stages)]
    count = 0
    for i, (stage, size) in enumerate(zip(names, sizes, strict=True)):
        lines.append(f"  stage {stage} {'goal ' if i == stages // 2 else ''}{{")
        j = 0
        while j < size:
            count += 1
            if j + 2 <= size and (i + j) % 3 == 1:
                lines.append(f"    choice pick_{i}_{j} {{")
                lines.append(
                    f"      touchpoint tp{count:02d}_option_a: {next(channels)} share 50% {{ feel {next(feels):+d} }}"
                )
                count += 1
                lines.append(
                    f"      touchpoint tp{count:02d}_option_b_longer_name: {next(channels)} share 50% "
                    f"{{ feel {next(feels):+d} }}"
                )
                lines.append("    }")
                j += 2
                continue
            audience = " for segment regulars" if (i, j) == (min(3, stages - 1), size - 1) else ""
            truth = " moment of truth" if count % 11 == 0 else ""
            the = "the_" if count % 4 == 0 else ""
            lines.append(
                f"    touchpoint tp{count:02d}_{the}moment: {next(channels)}{audience}{truth} {{ feel {next(feels):+d} }}"
            )
            j += 1
        if i == 1 and stages >= 4:
            lines += [f"    -> {names[2]} 100% if segment newcomers", f"    -> {names[3]}"]
        elif i < stages - 1:
            lines.append(f"    -> {names[i + 1]} 95%")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines)


@functools.cache
def simulated(source: str):
    """The outcome, ways and opportunities of a journey (an example's path, or journey text), simulated once."""
    journey = api.load(source) if source.endswith(".journey") else api.loads(source)
    runner = Runner()
    run = {"customers": CUSTOMERS, "seed": SEED, "workers": 1}
    outcome = api.simulate(journey, runner=runner, **run)
    return outcome, journey_paths(outcome.plan, outcome.journey), runner, journey


def lines_drawn(ax) -> list[tuple[str, str]]:
    """The touchpoints each drawn step joins, read from its gid and checked against its ends' ticks.

    Each step is one line (``gid`` ``"main A→B"`` or ``"way A→B"``), straight or
    bent round the points it passes over; its ends are the touchpoints' columns.
    """
    names = [tick.get_text().split(" · ")[0] for tick in ax.get_xticklabels()]
    joined = []
    for line in ax.get_lines():
        gid = line.get_gid() or ""
        if not gid.startswith(("main ", "way ")):
            continue
        xs = line.get_xdata()
        first, second = gid.split(" ", 1)[1].split("\N{RIGHTWARDS ARROW}")
        assert named(names[round(xs[0])], first) and named(names[round(xs[-1])], second), gid
        joined.append((first, second))
    return joined


def named(label: str, name: str) -> bool:
    """Whether a tick's label names ``name``: whole, or shortened with an ellipsis (a long name on a crowded axis)."""
    return label == name or (label.endswith("…") and name.startswith(label[:-1]))


def points_on_lines(ax, clearance: float) -> list[str]:
    """Touchpoints whose point a step's line passes within ``clearance`` of without joining them."""
    names = [tick.get_text().split(" · ")[0] for tick in ax.get_xticklabels()]
    points = {
        (round(x), round(y, 6))
        for collection in ax.collections
        if collection.get_offsets().shape[0] and collection.get_label() in ("", "off the main path")
        for x, y in collection.get_offsets()
    }
    found = []
    for line in ax.get_lines():
        if not (line.get_gid() or "").startswith(("main ", "way ")):
            continue
        xs, ys = list(line.get_xdata()), list(line.get_ydata())
        for px, py in points:
            if not xs[0] < px < xs[-1]:
                continue
            for (ax0, ay0), (ax1, ay1) in itertools.pairwise(zip(xs, ys, strict=True)):
                if ax0 <= px <= ax1 and ax1 > ax0:
                    at = ay0 + (px - ax0) / (ax1 - ax0) * (ay1 - ay0)
                    if abs(at - py) < clearance:
                        found.append(f"{line.get_gid()} passes {names[px]}")
    return found


# ---- curves --------------------------------------------------------------------------


@pytest.mark.parametrize("source", [BRANCH, str(EXAMPLES[-1]), generated_journey()], ids=["branch", "premier", "30"])
def test_no_line_of_a_curve_joins_two_alternatives(source):
    outcome, paths, _, _ = simulated(source)
    for segment in [None, *outcome.results["segments"]]:
        figure = plots.figure("curve", outcome.results, [], paths=paths, segment=segment)
        try:
            joined = lines_drawn(figure.axes[0])
            assert joined, "the curve draws its ways"
            ways = paths.segments.get(segment or "", paths.everyone)
            for first, second in joined:
                assert not paths.alternative(first, second), f"{first} -> {second}"
                assert (first, second) in ways.edge_set()
            low, high = figure.axes[0].get_ylim()
            assert points_on_lines(figure.axes[0], 0.06 * (high - low) / 2) == []
        finally:
            figures.close_figure(figure)


def test_the_branch_example_never_walks_everyday_customers_into_the_lounge():
    outcome, paths, _, _ = simulated(BRANCH)
    figure = plots.figure("curve", outcome.results, [], paths=paths)
    try:
        joined = set(lines_drawn(figure.axes[0]))
        assert ("teller", "lounge_room") not in joined and ("lounge_room", "teller") not in joined
        assert {
            ("greeter", "teller"),
            ("greeter", "lounge_room"),
            ("teller", "goodbye"),
            ("lounge_room", "goodbye"),
        } == joined
    finally:
        figures.close_figure(figure)


def test_a_segments_curve_leaves_out_the_touchpoints_it_never_meets():
    outcome, paths, _, _ = simulated(BRANCH)
    assert outcome.results["segments"]["premier"]["touchpoints"]["teller"]["mean_affect"] is None
    figure = plots.figure("curve", outcome.results, [], paths=paths, segment="premier")
    try:
        ax = figure.axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["greeter", "lounge_room", "goodbye"]
        assert "premier" in ax.get_title()
        means = outcome.results["segments"]["premier"]["touchpoints"]
        steps = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("main ")]
        assert [line.get_gid() for line in steps] == ["main greeter→lounge_room", "main lounge_room→goodbye"]
        ends = [end for line in steps for end in (line.get_ydata()[0], line.get_ydata()[-1])]
        assert ends == pytest.approx(
            [
                means[name]["mean_affect"]
                for pair in [("greeter", "lounge_room"), ("lounge_room", "goodbye")]
                for name in pair
            ]
        )
    finally:
        figures.close_figure(figure)


def _moment_labels(ax) -> list:
    return [t for t in ax.texts if any(word in t.get_text() for word in ("peak", "trough", "end"))]


def test_peak_and_end_on_one_touchpoint_share_one_label():
    outcome, paths, _, _ = simulated(PEAK_AT_THE_END)
    figure = plots.figure("curve", outcome.results, [], paths=paths)
    try:
        labels = [t.get_text() for t in _moment_labels(figure.axes[0])]
        assert len(labels) == 2
        assert any(label.startswith("peak + end") for label in labels)
        assert "trough" in labels
    finally:
        figures.close_figure(figure)


@pytest.mark.parametrize("source", [str(path) for path in EXAMPLES] + [generated_journey()], ids=lambda s: _map_id(s))
def test_peak_trough_and_end_are_marked_once_each_and_no_texts_overlap(source):
    outcome, paths, _, _ = simulated(source)
    for kind, segment in [("curve", None), ("curve", next(iter(outcome.results["segments"]))), ("segments", None)]:
        figure = plots.figure(kind, outcome.results, [], paths=paths, segment=segment)
        try:
            _draw(figure)
            for ax in figure.axes:
                words = " + ".join(t.get_text().split(" (")[0] for t in _moment_labels(ax)).split(" + ")
                if words != [""]:
                    assert sorted(words) == sorted(set(words)), words
                    assert {"peak", "end"} <= set(words)
            assert overlapping_texts(figure) == []
            assert outside_the_figure(figure) == []
        finally:
            figures.close_figure(figure)


def test_small_multiples_share_one_scale_and_one_panel_per_segment():
    outcome, paths, _, _ = simulated(str(EXAMPLES[-1]))
    figure = plots.figure("segments", outcome.results, [], paths=paths)
    try:
        panels = [ax for ax in figure.axes if ax.get_lines()]
        assert len(panels) == len(outcome.results["segments"]) == 2
        assert len({ax.get_ylim() for ax in panels}) == 1
        assert [ax.get_title(loc="left").split(":")[0] for ax in panels] == ["premier", "mass"]
    finally:
        figures.close_figure(figure)


def test_without_its_ways_a_curve_joins_nothing():
    outcome, _, _, _ = simulated(BRANCH)
    figure = plots.figure("curve", outcome.results, [])
    try:
        assert lines_drawn(figure.axes[0]) == []
    finally:
        figures.close_figure(figure)


# ---- the command line ----------------------------------------------------------------


def test_plot_an_unknown_segment_is_a_usage_error_listing_the_segments(tmp_path):
    premier = str(next(path for path in EXAMPLES if path.stem == "premier_banking"))
    result = CliRunner().invoke(
        cli, ["plot", premier, "--kind", "curve", "--segment", "gold\x1b[2J", "-o", str(tmp_path / "c.png")]
    )
    assert result.exit_code == 2
    assert "--segment" in result.output and "premier, mass" in result.output
    assert "\x1b" not in result.output and "\\x1b[2J" in result.output
    assert not (tmp_path / "c.png").exists()
    result = CliRunner().invoke(cli, ["plot", premier, "--kind", "funnel", "--segment", "premier"])
    assert result.exit_code == 2 and "--kind curve" in result.output


def test_plot_draws_a_segments_curve_and_the_map(tmp_path):
    premier = str(next(path for path in EXAMPLES if path.stem == "premier_banking"))
    for args, name in [
        (["--kind", "curve", "--segment", "premier"], "curve.png"),
        (["--kind", "segments"], "segments.png"),
        (["--kind", "map", "--no-opportunities", "--dpi", "60"], "map.png"),
    ]:
        result = CliRunner().invoke(cli, ["plot", premier, *args, "--customers", "100", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


# ---- the journey map -----------------------------------------------------------------

MAPS = [str(path) for path in EXAMPLES] + [generated_journey(30, 8), generated_journey(5, 3)]


def _map_id(source: str) -> str:
    return Path(source).stem if source.endswith(".journey") else f"generated-{source.count('touchpoint ')}"


#: The maps drawn with the opportunities of their design flagged (the others flag the worst felt; quicker).
WITH_OPPORTUNITIES = frozenset({"premier_banking", "generated-30"})


@functools.cache
def drawn_map(source: str) -> Figure:
    """The map, drawn as `journey plot --kind map` saves it."""
    outcome, paths, runner, journey = simulated(source)
    found = None
    if _map_id(source) in WITH_OPPORTUNITIES:
        found = api.opportunities(journey, customers=150, seed=SEED, workers=1, runner=runner)
    figure = api.plot(outcome, "map", opportunities=found)
    _draw(figure)
    return figure


@pytest.mark.parametrize("source", MAPS, ids=_map_id)
def test_the_map_reads_at_a4_landscape(source, tmp_path_factory):
    figure = drawn_map(source)
    assert (
        tuple(figure.get_size_inches()) == pytest.approx(A4_LANDSCAPE, abs=0.01)
        or figure.get_figheight() > A4_LANDSCAPE[1]
    )
    assert overlapping_texts(figure) == []
    assert outside_the_figure(figure) == []
    tiny = [text.get_text() for _, text in _texts(figure) if text.get_fontsize() < 6.5]
    assert tiny == []
    folder = tmp_path_factory.mktemp("maps")
    figures.save_figure(figure, folder / f"map-{_map_id(source)}.png", dpi=120)
    width = int(figure.get_figwidth() * 120)
    assert 1300 <= width <= 1450  # about a 1400 pixel screen


def test_the_map_has_a_lane_per_segment_a_cell_per_touchpoint_met_and_a_scale_centred_on_zero():
    outcome, paths, _, _ = simulated(BRANCH)
    figure = journey_map(outcome.results, paths)
    try:
        lanes = next(
            ax for ax in figure.axes if ax.get_yticklabels() and "premier" in ax.get_yticklabels()[0].get_text()
        )
        assert [t.get_text().split("\n")[0] for t in lanes.get_yticklabels()] == ["premier", "everyday"]
        cells = [p for p in lanes.patches if p.get_facecolor()[3] > 0]
        met = sum(
            1
            for s in outcome.results["segments"].values()
            for tp in s["touchpoints"].values()
            if tp["mean_affect"] is not None
        )
        assert len(cells) == met == 6  # premier: greeter, lounge, goodbye; everyday: greeter, teller, goodbye
        scale = next(
            image
            for ax in figure.axes
            for image in ax.collections + ax.images
            if hasattr(image, "norm") and image.norm is not None and image.norm.vmin is not None
        )
        assert scale.norm.vmin == -scale.norm.vmax
        columns = [t.get_text().split(" · ")[0] for t in lanes.get_xticklabels()]
        assert columns == ["greeter", "lounge_room", "teller", "goodbye"]
    finally:
        figures.close_figure(figure)


def test_pains_and_opportunities_are_flagged_from_the_opportunities_document():
    results = {
        "touchpoints": {
            "a": {"stage": "s", "visits": 5, "mean_affect": -3.0},
            "b": {"stage": "s", "visits": 5, "mean_affect": 1.0},
        }
    }

    def change(mean):
        return {"mean": mean, "ci95": [mean - 0.1, mean + 0.1]}

    document = {
        "objective": "remembered_experience",
        "touchpoints": [
            {"touchpoint": "b", "improve": change(0.5), "remove": change(-0.4), "fix": None},
            {"touchpoint": "a", "improve": change(0.2), "remove": change(0.9), "fix": change(0.3)},
            {"touchpoint": "c", "improve": change(0.05), "remove": change(0.08), "fix": None},  # within chance
        ],
    }
    found = flags(results, document)
    assert [(f.kind, f.rank, f.touchpoint) for f in found] == [
        ("pain", 1, "a"),
        ("opportunity", 1, "b"),
        ("opportunity", 2, "a"),
    ]
    assert "removing it" in found[0].text and "+0.90" in found[0].text
    assert [(f.kind, f.touchpoint) for f in flags(results)] == [("pain", "a")]


def test_the_map_flags_the_pains_on_their_columns():
    outcome, paths, _, _ = simulated(str(EXAMPLES[-1]))
    figure = journey_map(outcome.results, paths)
    try:
        badges = [t for ax in figure.axes for t in ax.texts if t.get_text() in ("P1", "P2", "P3")]
        assert badges and [t.get_text() for t in badges][0] == "P1"
        lanes = badges[0].axes
        columns = [t.get_text().split(" · ")[0] for t in lanes.get_xticklabels()]
        worst = min(
            (tp["mean_affect"], name)
            for name, tp in outcome.results["touchpoints"].items()
            if tp.get("stage") and tp["visits"]
        )[1]
        assert columns[round(badges[0].get_position()[0])] == worst == "fetch_printouts"
    finally:
        figures.close_figure(figure)


def test_overlaid_design_curves_join_only_each_designs_ways():
    journey = api.load(str(EXAMPLES[-1]))
    outcomes = {
        name: api.simulate(journey, design=name, customers=150, seed=SEED, workers=1)
        for name in api.design_names(journey)
    }
    ways = {name: journey_paths(o.plan, o.journey) for name, o in outcomes.items()}
    ax = plots.emotion_curves({name: o.results for name, o in outcomes.items()}, paths=ways)
    try:
        joined = lines_drawn(ax)
        assert ("fetch_printouts", "sign_in_branch") in joined and ("print_in_office", "sign_in_branch") in joined
        for first, second in joined:
            owners = [w for w in ways.values() if (first, second) in w.everyone.edge_set()]
            assert owners and not any(w.alternative(first, second) for w in owners), (first, second)
        assert ("sign_in_branch", "sign_online") not in joined
        assert [text.get_text() for text in ax.get_legend().get_texts()] == list(outcomes)
    finally:
        figures.close_figure(ax.get_figure(root=True))
    unjoined = plots.emotion_curves({name: o.results for name, o in outcomes.items()})
    try:
        assert lines_drawn(unjoined) == []  # without the designs' ways nothing says what follows what
    finally:
        figures.close_figure(unjoined.get_figure(root=True))


@pytest.mark.parametrize("kind", ["map", "segments", "curve of a segment"])
def test_every_name_is_drawn_as_written_never_as_mathtext(kind):
    from matplotlib import cbook
    from matplotlib.text import Text

    from .test_hostile import PLOT_HOSTILE, PLOT_SEGMENTS, PLOT_TOUCHPOINTS

    outcome = api.simulate(api.loads(PLOT_HOSTILE), customers=80, seed=SEED, workers=1)
    segment = PLOT_SEGMENTS[0] if kind == "curve of a segment" else None
    figure = api.plot(outcome, "curve" if segment else kind, segment=segment)
    try:
        _draw(figure)
        texts = [text.get_text() for text in figure.findobj(Text) if text.get_text()]
        assert [text for text in texts if cbook.is_math_text(text)] == []
        drawn = " ".join(text.replace("\\$", "$").replace("\n", " ") for text in texts)  # a lane wraps at spaces
        assert [name for name in PLOT_TOUCHPOINTS if name not in drawn] == []
        segments = PLOT_SEGMENTS if kind != "curve of a segment" else (segment,)
        assert [name for name in segments if name not in drawn] == []
    finally:
        figures.close_figure(figure)


def test_library_touchpoints_a_stage_uses_are_on_the_curve_and_the_map():
    """`use check_in` in a stage: the results give it no stage, the curve and map place it where it is used."""
    hotel = str(next(path for path in EXAMPLES if path.stem == "conference_hotel"))
    outcome, paths, _, _ = simulated(hotel)
    assert outcome.results["touchpoints"]["check_in"]["stage"] is None
    figure = plots.figure("curve", outcome.results, [], paths=paths)
    try:
        ticks = [t.get_text().split(" · ")[0] for t in figure.axes[0].get_xticklabels()]
        assert ticks[:4] == ["event_website", "check_in", "room", "housekeeping"]
        assert ("event_website", "check_in") in lines_drawn(figure.axes[0])
    finally:
        figures.close_figure(figure)
    drawn = journey_map(outcome.results, paths)
    try:
        labels = [t.get_text().split(" · ")[0] for ax in drawn.axes for t in ax.get_xticklabels() if t.get_text()]
        assert {"check_in", "housekeeping"} <= set(labels)
    finally:
        figures.close_figure(drawn)
