"""The benchmark scripts keep working (their figures are measured by hand, see docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from journeydsl.api import check_text

from .conftest import ROOT

BENCHMARKS = ROOT / "benchmarks"
REFERENCE_LOOP = ROOT.parent / "shared" / "bench" / "naive_simpy.py"


def benchmark_figures(script: str, *arguments: str) -> dict:
    """Run a benchmark script and read the figures it prints as JSON on its last line."""
    output = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.skipif(not REFERENCE_LOOP.is_file(), reason="the hand-written reference loop is not beside the checkout")
def test_simulate_speed_prints_its_figures():
    figures = benchmark_figures("simulate_speed.py", "--customers", "3000", "--repeats", "1")
    assert figures["customers"] == 3000
    assert figures["journeydsl_customers_per_s"] > 0 and figures["reference_customers_per_s"] > 0
    assert figures["ratio"] == pytest.approx(
        figures["journeydsl_customers_per_s"] / figures["reference_customers_per_s"], rel=0.01
    )
    # The reference journey's expected remembered experience: peak and end of momentary affects of
    # mean 0.5 with sd 1 lie well above 0; a broken engine would not land there.
    assert 0.5 < figures["journeydsl_mean_remembered"] < 1.2


def test_check_speed_generates_a_valid_journey():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import check_speed
    finally:
        sys.path.remove(str(BENCHMARKS))
    result = check_text(check_speed.generate(200), "<generated>")
    assert result.ok, [d.message for d in result.diagnostics][:3]
    assert sum(len(stage.steps) for stage in result.journey.stages) == 200


def test_the_analyze_benchmark_runs_on_a_valid_journey():
    figures = benchmark_figures("analyze_speed.py", "--repeats", "1", "--sizes", "20", "40")
    assert set(figures) == {"seconds_20", "seconds_40", "ratio_40"}


def test_the_fit_benchmark_fits_the_log_it_writes():
    figures = benchmark_figures("fit_speed.py", "--cases", "300", "--repeats", "1")
    # about 300 customers (those still in the journey at the end are written too), at least 2 events each (browse has two touchpoints)
    assert 280 <= figures["cases"] <= 340 and 2 * figures["cases"] <= figures["events"] <= 8 * figures["cases"]
    assert 0 < figures["total_seconds"] <= figures["first_total_seconds"] < 30
    assert figures["total_seconds"] == pytest.approx(
        figures["read_seconds"] + figures["fit_seconds"] + figures["text_seconds"], abs=0.002
    )
