"""journey report: self-contained HTML (checked in a real headless browser) and Markdown with images beside it."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from journeydsl.cli import cli

from .conftest import EXAMPLES, ROOT

PREMIER = ROOT / "examples" / "journeys" / "premier_banking.journey"
BROWSER = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None
)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    target = tmp_path_factory.mktemp("report") / "premier.html"
    result = CliRunner().invoke(cli, ["report", str(PREMIER), "--customers", "400", "-j", "1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    return target


def test_html_is_self_contained_and_complete(report_html):
    text = report_html.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(?!data:|#)', text), "no external files or links"
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text
    for section in (
        "Conclusions",
        "The journey",
        "The baseline",
        "Comparison of the designs",
        "Design tests",
        "Gap analysis",
        "Where to invest",
        "Themes and modules delivered",
        "The delivery gap",
        "Care programmes",
        "Service recovery",
        "Flow analysis",
        "Reproduce",
    ):
        assert f"<h2>{section}" in text
    assert text.count('<img src="data:image/png;base64,') == 13
    assert "raises remembered experience" in text and "--seed 20261122" in text


def test_same_inputs_same_bytes(report_html):
    first = report_html.read_bytes()
    result = CliRunner().invoke(cli, ["report", str(PREMIER), "--customers", "400", "-j", "1", "-o", str(report_html)])
    assert result.exit_code == 0
    assert report_html.read_bytes() == first


def test_markdown_writes_its_images_beside_it(tmp_path):
    target = tmp_path / "premier.md"
    result = CliRunner().invoke(cli, ["report", str(PREMIER), "--customers", "200", "-j", "1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    images = re.findall(r"\]\((premier_files/[a-z]+\.png)\)", text)
    assert len(images) == 13
    for image in images:
        assert (tmp_path / image).read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_reports(example, tmp_path):
    result = CliRunner().invoke(
        cli, ["report", str(example), "--customers", "100", "-j", "1", "-o", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 0, result.output


def test_a_journey_where_nothing_fails_has_one_line_for_service_recovery(tmp_path):
    """No failure, no one-bar chart: the section says in one line why there is nothing to compare."""
    target = tmp_path / "shops.md"
    shops = ROOT / "examples" / "journeys" / "electronics_shops.journey"
    result = CliRunner().invoke(cli, ["report", str(shops), "--customers", "100", "-j", "1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    section = target.read_text(encoding="utf-8").split("## Service recovery\n", 1)[1].split("\n## ", 1)[0]
    assert "No customer met a failure" in section and "failure recovered" not in section
    assert "recovery.png" not in section and not (tmp_path / "shops_files" / "recovery.png").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz here (.ci/run installs it)")
def test_the_journey_graph_is_drawn_to_be_read_at_the_page_width(report_html):
    """Premier banking left to right was 2,048 pixels shrunk into the 1,104 of the page: names too small to read."""
    text = report_html.read_text(encoding="utf-8")
    width, height = map(
        float, re.search(r'<div class="graph"><svg width="([0-9.]+)pt" height="([0-9.]+)pt"', text).groups()
    )
    assert width * 4 / 3 <= 69 * 16 < height * 4 / 3  # top to bottom, at full size


@pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz here (.ci/run installs it)")
def test_a_short_journey_graph_reads_left_to_right():
    from journeydsl.api import loads
    from journeydsl.report.document import _graph_svg

    short = loads(
        'journey "J" { stage a { touchpoint t: staff { feel +1 } -> b 100% } stage b goal { touchpoint u: staff { feel +1 } } }'
    )
    width, height = map(float, re.match(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"', _graph_svg(short)).groups())
    assert width > height


def test_refuses_unknown_formats(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(PREMIER), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and ".html or .md" in result.output


def browser(*arguments: str, profile) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run([BROWSER, *flags, *arguments], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(BROWSER is None, reason="no Chromium here (.ci/run installs Debian's chromium)")
def test_the_report_loads_in_a_real_browser_and_its_images_render(report_html, tmp_path):
    loaded = browser("--virtual-time-budget=5000", "--dump-dom", report_html.as_uri(), profile=tmp_path / "a")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    marker = re.search(r'<body data-images="(\d+)/(\d+)"', loaded.stdout)
    assert marker, "the page's load handler did not run"
    shown, total = map(int, marker.groups())
    assert total == 13 and shown == total
    errors = [line for line in loaded.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert errors == []
    screenshot = tmp_path / "report.png"
    shot = browser(
        "--window-size=1280,3000", f"--screenshot={screenshot}", report_html.as_uri(), profile=tmp_path / "b"
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 100_000
