"""Figures to bytes and files: the same figure gives the same bytes in every run and process, written whole."""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import textwrap
import warnings
import xml.etree.ElementTree as ET

import pytest

from journeydsl.api import loads, simulate
from journeydsl.report import figures, plots
from journeydsl.report.figures import FORMATS, MISSING_GLYPHS, figure_bytes, figure_format, save_figure

from .conftest import ROOT

JOURNEY = """
journey "Figure me" { arrivals cohort 300 seed 2
  stage arrive { touchpoint welcome: staff { feel +2 }  touchpoint wait: environment { feel -4 } -> pay 80% }
  stage pay goal { touchpoint till: staff capacity 1 duration 1 min { act +1 } touchpoint goodbye: staff { feel +3 } }
}
"""

#: Library modules that must never choose a Matplotlib backend (the rule holds for the whole library).
LIBRARY_FILES = ("journeydsl/report/plots.py", "journeydsl/report/figures.py")

# Draws the same figures in a fresh interpreter (its own hash seed, nothing imported before) and
# writes their bytes; also says whether drawing and saving imported pyplot.
FRESH_PROCESS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from journeydsl.api import loads, simulate
    from journeydsl.report import plots
    from journeydsl.report.figures import figure_bytes

    journey, out = Path(sys.argv[1]).read_text(), Path(sys.argv[2])
    outcome = simulate(loads(journey), customers=300, seed=1)
    for kind in plots.KINDS:
        figure = plots.figure(kind, outcome.results, outcome.collectors)
        for fmt in ("png", "svg", "pdf"):
            (out / f"{kind}.{fmt}").write_bytes(figure_bytes(figure, fmt))
    print(json.dumps({"pyplot": "matplotlib.pyplot" in sys.modules}))
    """
)


@pytest.fixture(scope="module")
def outcome():
    return simulate(loads(JOURNEY), customers=300, seed=1)


def _figure(outcome, kind: str = "curve"):
    return plots.figure(kind, outcome.results, outcome.collectors)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", plots.KINDS)
def test_the_same_figure_gives_the_same_bytes_twice(outcome, kind, fmt):
    figure = _figure(outcome, kind)
    first = figure_bytes(figure, fmt)
    assert figure_bytes(figure, fmt) == first  # the same figure object, saved again
    figure.savefig(io.BytesIO(), format="png", dpi=72)  # drawn otherwise in between (shown in a notebook)
    assert figure_bytes(figure, fmt) == first
    assert figure_bytes(_figure(outcome, kind), fmt) == first  # the same figure drawn again


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_colorbar_and_a_legend_outside_the_axes_come_out_the_same_every_time(fmt):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 3), layout="constrained")
    ax = figure.subplots()
    image = ax.imshow([[1.0, 2.0], [3.0, 4.0]], aspect="auto")
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))  # its place depends on the axes' size
    figure.colorbar(image, ax=ax, label="value")
    first = figure_bytes(figure, fmt)
    for dpi in (72, 200):
        figure.savefig(io.BytesIO(), format="png", dpi=dpi)
        assert figure_bytes(figure, fmt) == first


def test_characters_without_a_glyph_are_told_once_not_per_character(monkeypatch):
    """A machine without a CJK font: boxes, the same bytes every time, and one warning that says what to do."""
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

    class Warns(Artist):
        def draw(self, renderer):
            warnings.warn("another warning", UserWarning, stacklevel=2)

    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    monkeypatch.setattr(figures, "_missing_glyphs_told", False)
    figure = Figure(figsize=(5, 2), layout="constrained")
    plots.labelled_bars(["结账", "けっさい", "checkout"], [0.2, -0.1, 0.3], ax=figure.subplots(), title="网点顾问")
    figure.add_artist(Warns())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = figure_bytes(figure, "png")
        for fmt in FORMATS:
            assert figure_bytes(figure, fmt) == figure_bytes(figure, fmt)
    assert figure_bytes(figure, "png") == first
    told = [str(warning.message) for warning in caught]
    assert told.count(MISSING_GLYPHS) == 1 and not [message for message in told if message.startswith("Glyph")]
    assert "another warning" in told  # other warnings are shown as they were


def test_a_fresh_process_writes_the_same_bytes(outcome, tmp_path):
    (tmp_path / "journey.txt").write_text(JOURNEY)
    out = tmp_path / "out"
    out.mkdir()
    env = dict(
        os.environ, PYTHONHASHSEED="1", PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    env.pop("MPLBACKEND", None)  # no backend chosen for it: saving must not need one
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(tmp_path / "journey.txt"), str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"pyplot": False}  # figure() and figure_bytes() never touch pyplot
    for kind in plots.KINDS:
        figure = _figure(outcome, kind)
        for fmt in FORMATS:
            assert (out / f"{kind}.{fmt}").read_bytes() == figure_bytes(figure, fmt), f"{kind}.{fmt}"


def test_nothing_in_the_files_changes_with_the_clock_or_the_version(outcome):
    figure = _figure(outcome)
    png, svg, pdf = (figure_bytes(figure, fmt) for fmt in ("png", "svg", "pdf"))
    assert b"Matplotlib" not in png and b"journeydsl" in png
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in svg
    assert b"clip-path" in svg  # the ids the fixed salt keeps stable are there
    assert b"/CreationDate" not in pdf and b"/ModDate" not in pdf and b"Matplotlib" not in pdf


@pytest.mark.parametrize("fmt", FORMATS)
def test_saved_files_are_whole(outcome, tmp_path, fmt):
    from matplotlib.image import imread

    target = tmp_path / f"curve.{fmt}"
    save_figure(_figure(outcome), target)
    data = target.read_bytes()
    if fmt == "png":
        height, width, channels = imread(target).shape
        assert height > 100 and width > 100 and channels in (3, 4)
    elif fmt == "svg":
        assert ET.parse(target).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    else:
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert data == figure_bytes(_figure(outcome), fmt)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_the_suffix_names_the_format_whatever_its_case(outcome, tmp_path):
    target = tmp_path / "Curve.SVG"
    save_figure(_figure(outcome), target)
    assert target.read_bytes() == figure_bytes(_figure(outcome), "svg")
    assert figure_format("a/b.Pdf") == "pdf"


@pytest.mark.parametrize("name", ["curve.gif", "curve.jpeg", "curve", "curve.png.bak"])
def test_save_figure_refuses_an_unknown_suffix(outcome, tmp_path, name):
    with pytest.raises(ValueError, match=r"must end in \.png, \.svg or \.pdf") as error:
        save_figure(_figure(outcome), tmp_path / name)
    assert name in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_figure_bytes_refuses_an_unknown_format(outcome):
    with pytest.raises(ValueError, match="choose one of png, svg, pdf"):
        figure_bytes(_figure(outcome), "gif")


def test_save_figure_closes_a_pyplot_figure(outcome, tmp_path):
    import matplotlib.pyplot as plt

    figure = plots.emotion_curve(outcome.results).figure  # no axes given: pyplot made it
    assert figure.number in plt.get_fignums()
    save_figure(figure, tmp_path / "curve.png")
    assert figure.number not in plt.get_fignums()


def test_figure_leaves_pyplot_alone(outcome):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for kind in plots.KINDS:
        _figure(outcome, kind)
    assert plt.get_fignums() == before


def _backend_choices(source: str) -> list[str]:
    """Where the source chooses a Matplotlib backend: ``matplotlib.use``, ``switch_backend``, ``rcParams["backend"]``."""
    tree = ast.parse(source)
    modules, uses = {"matplotlib"}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "matplotlib"}
        elif isinstance(node, ast.ImportFrom) and node.module == "matplotlib":
            uses |= {alias.asname or alias.name for alias in node.names if alias.name == "use"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "switch_backend":
                found.append(f"line {node.lineno}: switch_backend")
            elif (
                isinstance(func, ast.Attribute)
                and func.attr == "use"
                and isinstance(func.value, ast.Name)
                and func.value.id in modules
            ):
                found.append(f"line {node.lineno}: {func.value.id}.use")
            elif isinstance(func, ast.Name) and func.id in uses:
                found.append(f"line {node.lineno}: {func.id}")
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            if isinstance(node.slice, ast.Constant) and node.slice.value == "backend":
                found.append(f"line {node.lineno}: rcParams['backend']")
    return found


def test_the_backend_scan_finds_every_way_of_choosing_one():
    source = textwrap.dedent(
        """
        import matplotlib
        import matplotlib as mpl
        from matplotlib import use as choose
        import matplotlib.pyplot as plt
        def f():
            matplotlib.use("Agg")
            mpl.use("Agg")
            choose("Agg")
            plt.switch_backend("Agg")
            matplotlib.rcParams["backend"] = "Agg"
            other.use("x")  # not matplotlib
        """
    )
    assert len(_backend_choices(source)) == 5


@pytest.mark.parametrize("name", LIBRARY_FILES)
def test_the_library_never_chooses_a_backend(name):
    assert _backend_choices((ROOT / name).read_text(encoding="utf-8")) == []
