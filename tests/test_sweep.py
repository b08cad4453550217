"""journey sweep: the sweep file's diagnostics, grid and Latin-hypercube points, common random numbers,
the same bytes on one process, a process pool and a Dask cluster, the best point under a budget, and the files."""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.analysis.sweep import choose, run_sweep
from journeydsl.cli.sweep import sweep as sweep_command
from journeydsl.lang.render import render_text
from journeydsl.lang.sweep import SweepError, build_points, parse_constraint, point_designs, read_sweep_text
from journeydsl.report.sweep_table import parquet_available, sweep_csv, sweep_parquet
from journeydsl.sim.runner import Runner
from journeydsl.sim.settings import RunSettings

from .conftest import ROOT

JOURNEY = """journey "Desk" {
  time unit minutes
  arrivals cohort 30
  seed 3
  segment walk_in 70% { patience 5 min }
  segment booked 30% { patience 10 min }
  stage visit goal {
    touchpoint "front desk": staff capacity 1 duration exponential(2 min) cost 5 {
      feel +1
      performance service 7
      failure "no pen" 10% { feel -1 }
    }
    touchpoint advice: staff duration exponential(4 min) cost 2 { think +1 }
    -> visit 10%
  }
}
"""

#: Few customers and replications: every figure here is about mechanics, not estimates.
QUICK = RunSettings(customers=30, replications=2, workers=1)


def _journey() -> Any:
    return api.loads(JOURNEY, "desk.journey")


def _spec(text: str, journey: Any = None) -> Any:
    return read_sweep_text(text, journey or _journey(), "sweep.toml")


def _problems(text: str) -> str:
    with pytest.raises(SweepError) as caught:
        _spec(text)
    return render_text(caught.value.diagnostics, caught.value.sources)


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


# ---- the sweep file's diagnostics ---------------------------------------------------------------


def test_an_unknown_setting_is_shown_at_its_key_with_a_hint() -> None:
    shown = _problems('method = "grid"\n\n[settings]\n"capcity of advice" = [1, 2]\n')
    assert shown.startswith("sweep.toml:4:1: error[JS003]: unknown setting `capcity of advice`")
    assert '    4 | "capcity of advice" = [1, 2]\n      | ^^^^^^^^^^^^^^^^^^^' in shown
    assert "did you mean `capacity`?" in shown


def test_an_unknown_touchpoint_gets_did_you_mean_and_every_problem_is_reported() -> None:
    shown = _problems('[settings]\n"cost of front_desk" = [1]\n"feel of advise" = [1]\n')
    assert "sweep.toml:2:1: error[JS004]: `cost of front_desk`: the design has no touchpoint `front_desk`" in shown
    assert "did you mean `front desk`?" in shown
    assert "sweep.toml:3:1: error[JS004]" in shown and "did you mean `advice`?" in shown


def test_values_keys_and_toml_syntax_are_checked() -> None:
    assert "sweep.toml:1:10: error[JS001]: the sweep file is not TOML: Invalid value" in _problems(
        'method = \n[settings]\n"cost of advice" = [1]'
    )
    shown = _problems('[settings]\n"cost of advice" = { distribution = "uniform", low = 1, high = 2 }\n')
    assert "error[JS005]: a grid needs values" in shown and 'method = "lhs"' in shown
    assert "a lhs sweep needs `points`" in _problems('method = "lhs"\n[settings]\n"cost of advice" = [1, 2]')
    shown = _problems('methd = "grid"\n[settings]\n"cost of advice" = [1]')
    assert (
        "sweep.toml:1:1: error[JS002]: a sweep file has no key `methd`" in shown and "did you mean `method`?" in shown
    )
    shown = _problems('[settings]\n"capacity of advice" = [1, 2.5]')
    assert "sweep.toml:2:24: error[JS005]: a capacity is a whole number of at least 1, not 2.5" in shown
    shown = _problems('[settings]\n"cost of advice" = { from = 1, to = 5, stesp = 3 }')
    assert "a range has no `stesp`" in shown and "did you mean `step" in shown
    assert "sweep.toml:2:40: error[JS002]" in shown  # at the misspelt key inside the inline table
    assert "the journey has no design `fast`" in _problems('design = "fast"\n[settings]\n"cost of advice" = [1]')


def test_a_value_the_journey_refuses_is_reported_at_the_setting_naming_the_point() -> None:
    journey = _journey()
    spec = _spec('[settings]\n"feel of advice" = [1, 9]', journey)
    with pytest.raises(SweepError) as caught:
        point_designs(journey, spec, build_points(spec), lambda spec, unit: 1.0, _checks())
    shown = render_text(caught.value.diagnostics, caught.value.sources)
    assert "sweep.toml:2:1: error[JD207]: at point 2 (feel of advice = 9):" in shown
    assert "point 1" not in shown
    # many points alike: the first three are shown, the rest counted
    spec = _spec('[settings]\n"feel of advice" = [6, 7, 8, 9, 1]', journey)
    with pytest.raises(SweepError) as caught:
        point_designs(journey, spec, build_points(spec), lambda spec, unit: 1.0, _checks())
    assert [d.message.split(":")[0] for d in caught.value.diagnostics] == [
        "at point 1 (feel of advice = 6)",
        "at point 2 (feel of advice = 7)",
        "at point 3 (feel of advice = 8)",
        "1 more point of 5 has problems like these",
    ]


def _checks() -> Any:
    from journeydsl.lang.checks import run_checks

    return run_checks


# ---- points ------------------------------------------------------------------------------------


def test_a_grid_has_every_combination_in_order() -> None:
    spec = _spec(
        '[settings]\n"capacity of \\"front desk\\"" = [1, 2]\n"cost of advice" = { from = 0, to = 10, steps = 3 }'
    )
    points = build_points(spec)
    assert [p.values for p in points] == [(1, 0), (1, 5), (1, 10), (2, 0), (2, 5), (2, 10)]
    assert [p.index for p in points] == [1, 2, 3, 4, 5, 6]


def test_a_latin_hypercube_uses_each_stratum_once_and_repeats_with_its_seed() -> None:
    text = (
        'method = "lhs"\npoints = 8\nseed = {seed}\n[settings]\n"cost of advice" = {{ from = 0, to = 8 }}\n'
        '"feel of advice" = {{ distribution = "triangular", low = -2, mode = 0, high = 2 }}\n'
        '"capacity of \\"front desk\\"" = {{ from = 1, to = 4 }}'
    )
    points = build_points(_spec(text.format(seed=1)))
    assert len(points) == 8
    assert sorted(int(p.values[0]) for p in points) == list(range(8))  # one draw in each eighth of 0..8
    assert all(-2 <= p.values[1] <= 2 for p in points)
    assert sorted(p.values[2] for p in points) == [1, 1, 2, 2, 3, 3, 4, 4]  # whole, each value twice
    assert build_points(_spec(text.format(seed=1))) == points
    assert build_points(_spec(text.format(seed=2))) != points


def test_random_draws_pick_listed_values_and_fill_ranges() -> None:
    text = (
        'method = "random"\npoints = 40\n[settings]\n"cost of advice" = [1, 9]\n'
        '"capacity of \\"front desk\\"" = [1, 5]\n"feel of advice" = { from = 0, to = 2 }'
    )
    points = build_points(_spec(text))
    assert len(points) == 40
    assert {p.values[0] for p in points} == {1, 9}  # a list: only its values
    assert {p.values[1] for p in points} == {1, 5}
    assert len({p.values[2] for p in points}) == 40 and all(0 <= p.values[2] <= 2 for p in points)


def test_settings_change_the_design_as_a_variant_would() -> None:
    journey = _journey()
    spec = _spec(
        '[settings]\n"duration of advice" = ["8 min"]\n"share of booked" = ["50%"]\n'
        '"chance of visit -> visit" = [0.2]\n\'failure "no pen" of "front desk"\' = [0.5]\n"memory.peak" = [0.5]',
        journey,
    )
    (design,) = point_designs(journey, spec, build_points(spec), lambda d, unit: 4.0, _checks())
    touchpoints = {tp.name: tp for tp in design.all_touchpoints()}
    assert str(touchpoints["advice"].duration.args[0]) == "8 min"  # exponential(4 min) scaled to a mean of 8
    assert [s.share.value for s in design.segments] == [0.5, 0.5]
    assert design.stages[0].transitions[0].probability.value == 0.2
    assert touchpoints["front desk"].effects.failures[0].probability.value == 0.5
    assert touchpoints["front desk"].effects.modules[0].value == 1  # the rest of the touchpoint as written
    assert design.params[0].params[0].value.value == 0.5


# ---- running ---------------------------------------------------------------------------------------


def test_common_random_numbers_a_cost_changes_cost_and_nothing_else() -> None:
    journey = _journey()
    result = run_sweep(journey, _spec('[settings]\n"cost of advice" = [2, 20]', journey), Runner(), QUICK)
    first, second = (result.value(p.index, "satisfaction") for p in result.points)
    assert (first.mean, first.low, first.high) == (second.mean, second.low, second.high)  # same customers, same dice
    assert result.value(1, "cost_per_customer").mean < result.value(2, "cost_per_customer").mean
    assert result.replicates[(1, "satisfaction")] == result.replicates[(2, "satisfaction")]
    assert len(result.replicates[(1, "satisfaction")]) == 2


def _csv_on(executor: Any) -> str:
    journey = _journey()
    spec = _spec('[settings]\n"capacity of \\"front desk\\"" = [1, 2]\n"feel of advice" = [0, 2]', journey)
    return sweep_csv(run_sweep(journey, spec, Runner(executor), RunSettings(customers=30, replications=2, workers=2)))


def test_the_same_bytes_serially_on_a_process_pool_and_on_dask() -> None:
    serial = sweep_csv(
        run_sweep(
            _journey(),
            _spec('[settings]\n"capacity of \\"front desk\\"" = [1, 2]\n"feel of advice" = [0, 2]'),
            Runner(),
            RunSettings(customers=30, replications=2, workers=1),
        )
    )
    with ProcessPoolExecutor(2) as pool:
        assert _csv_on(pool) == serial
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            assert _csv_on(client.get_executor()) == serial


def test_the_best_point_under_a_budget() -> None:
    journey = _journey()
    spec = _spec('[settings]\n"cost of advice" = [1, 5, 9]\n"feel of advice" = [0, 3]', journey)
    result = run_sweep(journey, spec, Runner(), QUICK)
    budget = parse_constraint("cost_per_customer <= 5")
    choice = choose(result, "satisfaction", constraints=[budget])
    kept = [r.point.values for r in choice.ranked]
    assert all(result.value(r.point.index, "cost_per_customer").mean <= 5 for r in choice.ranked)
    assert choice.infeasible == 6 - len(kept) and choice.infeasible > 0
    assert kept[0][1] == 3  # the warmer advice wins where the budget allows it
    means = [r.objective.mean for r in choice.ranked]
    assert means == sorted(means, reverse=True)
    assert choice.ranked[0].behind is None and all(r.behind is not None for r in choice.ranked[1:])
    # a bound on a setting, and a metric where less is better (minimised by default)
    cheapest = choose(
        result, "cost_per_customer", constraints=[parse_constraint("feel of advice >= 3", ["feel of advice"])]
    )
    assert not cheapest.maximize and cheapest.ranked[0].point.values == (1.0, 3.0)
    with pytest.raises(ValueError, match="did you mean `cost_per_customer`"):
        parse_constraint("cots_per_customer <= 3")


def test_queues_are_measured_and_waits_can_be_bounded() -> None:
    journey = _journey()
    spec = _spec('[settings]\n"capacity of \\"front desk\\"" = [1, 3]\n"capacity of advice" = [1]', journey)
    result = run_sweep(journey, spec, Runner(), QUICK)
    wait, use = 'wait_mean of touchpoint "front desk"', 'utilisation of touchpoint "front desk"'
    assert result.metrics[-4:] == (wait, use, "wait_mean of touchpoint advice", "utilisation of touchpoint advice")
    one, three = result.value(1, wait).mean, result.value(2, wait).mean
    assert one is not None and three is not None and three < one  # three servers, shorter waits
    bound = parse_constraint(f"{wait} <= {three}", result.labels, result.metrics)
    choice = choose(result, wait, constraints=[bound])
    assert not choice.maximize and [r.point.index for r in choice.ranked] == [2]
    assert choose(result, use).maximize


# ---- the files ----------------------------------------------------------------------------------------


def test_the_csv_is_tidy_and_a_hostile_name_cannot_start_a_formula() -> None:
    text = JOURNEY.replace('"front desk"', '"=HYPERLINK(1),x"')
    journey = api.loads(text, "desk.journey")
    spec = read_sweep_text("[settings]\n'capacity of \"=HYPERLINK(1),x\"' = [1, 2]", journey, "sweep.toml")
    result = run_sweep(journey, spec, Runner(), RunSettings(customers=20, workers=1))
    rows = list(csv.reader(io.StringIO(sweep_csv(result))))
    assert rows[0] == ["point", 'capacity of "=HYPERLINK(1),x"', "metric", "mean", "ci_low", "ci_high"]
    assert len(rows) == 1 + 2 * 16  # a row per point and metric: 14, and the queue's wait and utilisation
    assert {row[2] for row in rows[1:]} >= {'wait_mean of touchpoint "=HYPERLINK(1),x"', "satisfaction"}
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    if parquet_available():
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(sweep_parquet(result)))
        assert table.column_names == rows[0] and table.num_rows == 32


def test_the_command_writes_the_table_and_plot_and_ranks_the_points(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "desk.journey").write_text(JOURNEY)
    (tmp_path / "sweep.toml").write_text('[settings]\n"feel of advice" = [0, 1, 2]\n')
    table, plot = tmp_path / "sweep.csv", tmp_path / "sweep.png"
    arguments = [str(tmp_path / "desk.journey"), "-s", str(tmp_path / "sweep.toml"), "--customers", "20"]
    more = ["-r", "2", "-j", "1", "--objective", "satisfaction", "--budget", "cost <= 1000", "-o", str(table)]
    result = cli.invoke(sweep_command, [*arguments, *more, "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "sweep of 3 points (grid) over feel of advice" in result.output
    assert "3 of 3 points qualify" in result.output
    assert table.read_text().startswith("point,feel of advice,metric,mean,ci_low,ci_high\n")
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert cli.invoke(sweep_command, [*arguments, "-j", "1", "-o", str(tmp_path / "s.json")]).exit_code == 0
    document = json.loads((tmp_path / "s.json").read_text())
    assert document["schema"] == "journeydsl.sweep/1" and document["settings"] == ["feel of advice"]
    assert len(document["rows"]) == 3 * 16 and document["rows"][0]["settings"] == {"feel of advice": 0.0}
    assert document["metrics"][-2:] == [
        'wait_mean of touchpoint "front desk"',
        'utilisation of touchpoint "front desk"',
    ]
    if parquet_available():
        assert cli.invoke(sweep_command, [*arguments, "-j", "1", "-o", str(tmp_path / "s.parquet")]).exit_code == 0
        assert (tmp_path / "s.parquet").read_bytes().startswith(b"PAR1")


def test_the_command_shows_the_sweep_files_problems_and_refuses_bad_usage(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "desk.journey").write_text(JOURNEY)
    (tmp_path / "sweep.toml").write_text('[settings]\n"feel of advise" = [0, 1]\n')
    arguments = [str(tmp_path / "desk.journey"), "-s", str(tmp_path / "sweep.toml"), "--customers", "20", "-j", "1"]
    result = cli.invoke(sweep_command, arguments)
    assert result.exit_code == 1
    assert "sweep.toml:2:1: error[JS004]" in result.output and "did you mean `advice`?" in result.output
    (tmp_path / "sweep.toml").write_text('[settings]\n"feel of advice" = [0, 1]\n')
    result = cli.invoke(sweep_command, [*arguments, "--budget", "cost <= 5"])
    assert result.exit_code == 2 and "give --objective too" in result.output
    result = cli.invoke(sweep_command, [*arguments, "--objective", "nps", "--budget", "cots <= 5"])
    assert result.exit_code == 2 and "--budget" in result.output
    result = cli.invoke(sweep_command, [*arguments, "--scheduler", "tcp://x:1", "--dask", "local"])
    assert result.exit_code == 2
    result = cli.invoke(sweep_command, [*arguments, "--precision", "0.5"])
    assert result.exit_code == 2 and "give it too" in result.output


def test_the_example_sweep_reads_against_its_journey() -> None:
    journey = api.load(ROOT / "examples" / "journeys" / "premier_banking.journey")
    text = (ROOT / "examples" / "sweeps" / "premier_banking.toml").read_text()
    spec = read_sweep_text(text, journey, "premier_banking.toml")
    assert len(build_points(spec)) == 12


def test_the_scale_benchmark_prints_its_figures_and_finds_the_same_bytes() -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    import subprocess
    import sys

    arguments = ["--customers", "20", "--replications", "1", "--tiny-tasks", "5", "--rounds", "1"]
    output = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "sweep_scale.py"), *arguments],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    assert figures["identical_bytes"] is True and figures["tasks"] == 12
    assert figures["dask_1_worker_s"] > 0 and figures["dask_2_workers_s"] > 0


# ---- the response plot marks the answer -----------------------------------------------------------------


def _figure_problems(figure: Any) -> list[str]:
    """Texts that overprint each other or leave the figure, measured as tests/test_visual.py measures charts."""
    from .test_visual import _draw, outside_the_figure, overlapping_texts

    _draw(figure)
    return overlapping_texts(figure) + outside_the_figure(figure)


def _legend(figure: Any) -> tuple[list[str], str]:
    (legend,) = figure.legends
    return [text.get_text() for text in legend.get_texts()], legend.get_title().get_text()


def _stars(figure: Any) -> list[tuple[float, float]]:
    return [
        (float(line.get_xdata()[0]), float(line.get_ydata()[0]))
        for ax in figure.axes
        for line in ax.get_lines()
        if line.get_marker() == "*"
    ]


def test_the_heatmap_outlines_the_best_cell_within_the_budget_and_hatches_the_cells_over_it() -> None:
    from matplotlib.colors import to_hex

    from journeydsl.report.sweep_plot import sweep_figure

    journey = _journey()
    spec = _spec('[settings]\n"cost of advice" = [1, 5, 9]\n"feel of advice" = [0, 1, 3]', journey)
    result = run_sweep(journey, spec, Runner(), QUICK)
    choice = result.best("satisfaction", constraints=[parse_constraint("cost_per_customer <= 5")])
    assert choice.best is not None and 0 < len(choice.over_budget) < 9
    figure = sweep_figure(result, "satisfaction", choice)
    (ax, _colorbar) = figure.axes
    ys = sorted({p.values[0] for p in result.points})
    xs = sorted({p.values[1] for p in result.points})

    def cell(point: int) -> tuple[float, float]:
        values = result.points[point - 1].values
        return (float(xs.index(values[1])), float(ys.index(values[0])))

    def centre(patch: Any) -> tuple[float, float]:
        return (round(patch.get_x() + patch.get_width() / 2, 6), round(patch.get_y() + patch.get_height() / 2, 6))

    outlined = [p for p in ax.patches if to_hex(p.get_edgecolor()) == "#d62728"]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert [centre(p) for p in outlined] == [cell(choice.best.point.index)]
    assert sorted(centre(p) for p in hatched) == sorted(cell(point) for point in choice.over_budget)
    assert _legend(figure) == (["best within budget", "over budget"], "budget: cost_per_customer <= 5")
    assert _figure_problems(figure) == []
    # without a ranking nothing is marked and there is no legend
    plain = sweep_figure(result, "satisfaction")
    assert not plain.legends and not plain.axes[0].patches
    # a budget no point keeps: every cell hatched, nothing outlined, and the legend says so
    nothing = result.best("satisfaction", constraints=[parse_constraint("cost_per_customer <= 0.5")])
    assert nothing.best is None and len(nothing.over_budget) == 9
    figure = sweep_figure(result, "satisfaction", nothing)
    assert len([p for p in figure.axes[0].patches if p.get_hatch()]) == 9
    assert _legend(figure) == (["over budget"], "budget: cost_per_customer <= 0.5 (no point keeps it)")
    assert _figure_problems(figure) == []


def test_the_line_stars_the_best_point_and_hatches_the_stretch_over_budget() -> None:
    from journeydsl.report.sweep_plot import sweep_figure

    journey = _journey()
    spec = _spec('[settings]\n"cost of advice" = [1, 3, 5, 7, 9]', journey)
    result = run_sweep(journey, spec, Runner(), QUICK)
    # the cheapest is best (profit is minus the cost here) unless the budget rules it out: cost of advice >= 3
    choice = result.best("profit", constraints=[parse_constraint("cost of advice >= 3", result.labels)])
    assert choice.over_budget == (1,) and choice.best is not None and choice.best.point.values == (3.0,)
    figure = sweep_figure(result, "profit", choice)
    assert _stars(figure) == [(3.0, pytest.approx(choice.best.objective.mean))]
    (ax,) = figure.axes
    (span,) = [p for p in ax.patches if p.get_hatch()]
    low, high = sorted(span.get_x() + d for d in (0, span.get_width()))
    assert low < 1 < high <= 2  # covers the first value, and only up to halfway to the next
    names, title = _legend(figure)
    assert names == ["95% interval", "mean", "best within budget", "over budget"]
    assert title == "budget: cost of advice >= 3"
    assert _figure_problems(figure) == []
    # another metric drawn: the star names the objective it is best by
    assert "best profit per customer within budget" in _legend(sweep_figure(result, "nps", choice))[0]


def test_drawn_points_and_small_multiples_star_the_best_point() -> None:
    from journeydsl.report.sweep_plot import sweep_figure

    journey = _journey()
    settings = '"cost of advice" = { from = 1, to = 9 }\n"feel of advice" = { from = 0, to = 3 }\n'
    for text, panels in (
        (f'method = "lhs"\npoints = 6\n[settings]\n{settings}', 1),
        (f'method = "random"\npoints = 6\n[settings]\n{settings}"capacity of advice" = [1, 2]\n', 3),
        ('[settings]\n"cost of advice" = [1, 9]\n"feel of advice" = [0, 3]\n"capacity of advice" = [1, 2]\n', 3),
    ):
        result = run_sweep(journey, _spec(text, journey), Runner(), RunSettings(customers=20, workers=1))
        choice = result.best("satisfaction", constraints=[parse_constraint("cost of advice <= 6", result.labels)])
        assert choice.best is not None and choice.over_budget
        figure = sweep_figure(result, "satisfaction", choice)
        best = choice.best.point.values
        stars = _stars(figure)
        assert len(stars) == panels
        if panels == 1:  # the plane: the second setting across, the first up
            assert stars == [(pytest.approx(best[1]), pytest.approx(best[0]))]
        else:  # a panel per setting: the best point's value of it, and its own mean
            assert [x for x, _ in stars] == pytest.approx(list(best))
            assert [y for _, y in stars] == pytest.approx([choice.best.objective.mean] * panels)
        names, title = _legend(figure)
        assert "best within budget" in names and title == "budget: cost of advice <= 6"
        assert ("over budget" in names) == (result.spec.method != "grid")  # a grid's panels average the points
        assert _figure_problems(figure) == []
