"""journey report: self-contained HTML (checked in a real headless browser) and Markdown with images beside it.

The page leads with its conclusions, key figures and figures; the details are real tables in
collapsed sections; it prints to A4 with every section open.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

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
        "Journey map",
        "Emotion curve",
        "Funnel",
        "Emotion curves of the designs",
        "What each design changes",
        "Satisfaction by segment",
        "How customers remember it",
        "Over time",
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
    assert text.count('<img src="data:image/png;base64,') == 15
    assert "clearly better than <code>baseline</code>" in text and "--seed 20261122" in text


def headings(text: str) -> list[str]:
    return [html.unescape(title) for title in re.findall(r"<h2[^>]*>(.*?)</h2>", text)]


def test_the_page_leads_with_its_conclusion_key_figures_and_figures(report_html):
    """First the decision in one sentence and the key figures as large numbers, then the figures, then details."""
    text = report_html.read_text(encoding="utf-8")
    summary = text.split('<section class="summary">', 1)[1].split("</section>", 1)[0]
    lead = re.search(r'<p class="lead">(.*?)</p>', summary).group(1)
    assert "By remembered experience" in lead and "95%" not in lead and "[" in lead  # how much, how sure
    cards = re.findall(r'<div class="label">([^<,]*)', summary)
    assert cards == ["conversion", "satisfaction", "NPS", "remembered experience", "come back", "cost per customer"]
    assert summary.count('<span class="better">') >= 8  # both printers raise most headline figures
    order = headings(text)
    assert order[:10] == [
        "Conclusions",
        "Journey map",
        "Emotion curve",
        "Funnel",
        "Emotion curves of the designs",
        "What each design changes",
        "Satisfaction by segment",
        "How customers remember it",
        "Over time",
        "Details",
    ]
    assert order[-1] == "Reproduce"
    # Every figure is shown before the details begin, the analyses' own figures inside their sections.
    before, details = text.split('<h2 class="details">Details</h2>', 1)
    assert before.count("<img ") == 8 and details.count("<img ") == 7


class Tables(HTMLParser):
    """The HTML tables of a page: each table's caption, header cells, rows, and which cells are numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.cell: list[str] | None = None
        self.where = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self.tables.append({"class": attributes.get("class"), "caption": "", "head": [], "rows": []})
        elif tag in ("thead", "tbody", "caption"):
            self.where = tag
            if tag == "caption":
                self.cell = []
        elif tag == "tr" and self.where == "tbody":
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self.cell = []
            self.number = attributes.get("class") == "num"

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if tag == "caption":
            self.tables[-1]["caption"] = "".join(self.cell or [])
            self.cell = None
        elif tag in ("th", "td") and self.cell is not None:
            cell = ("".join(self.cell), self.number)
            (self.tables[-1]["head"] if self.where == "thead" else self.tables[-1]["rows"][-1]).append(cell)
            self.cell = None


def tables_of(text: str) -> list[dict]:
    parser = Tables()
    parser.feed(text)
    return parser.tables


def test_the_details_are_real_tables_with_numbers_right_aligned(report_html):
    """No terminal table in a grey box: every table is a <table> a spreadsheet takes number by number."""
    text = report_html.read_text(encoding="utf-8")
    assert len(re.findall(r"<pre>", text)) == 1  # the Reproduce command alone
    assert "-------" not in text and "<pre>journey report " in text
    tables = {table["caption"]: table for table in tables_of(text)}
    metrics = tables["Metrics"]
    assert [cell for cell, _ in metrics["head"]] == ["metric", "mean", "95% low", "95% high"]
    rows = {row[0][0]: row for row in metrics["rows"]}
    assert set(rows) >= {"conversion (%)", "satisfaction (0-10)", "NPS", "cost per customer", "time in journey (days)"}
    for row in metrics["rows"]:
        assert [number for _, number in row] == [False, True, True, True]
        low, mean, high = (float(row[i][0].replace(",", "")) for i in (2, 1, 3))
        assert low <= mean <= high  # plain numbers: no %, no brackets
    comparison = tables["printer in office against baseline"]
    assert [cell for cell, _ in comparison["head"]][-4:] == ["change", "95% low", "95% high", "verdict"]
    verdicts = [row[-1] for row in comparison["rows"]]
    assert all(v in ("better", "worse") or v.startswith("no clear difference") for v, _ in verdicts)
    assert not any(number for _, number in verdicts)
    assert "Touchpoints" in tables and "Ranking by remembered experience" in tables
    assert all(table["class"] == "data sortable" for caption, table in tables.items() if caption)
    assert [row[1][0] for row in tables["Design tests"]["rows"]] == ["134", "135", "136", "137", "139", "140"]


def test_the_details_are_collapsed_each_with_one_line_and_open_in_print(report_html):
    text = report_html.read_text(encoding="utf-8")
    details = re.findall(r'<details><summary><h2>(.*?)</h2><span class="gist">(.*?)</span></summary>', text)
    titles = [html.unescape(title) for title, _ in details]
    assert titles[:4] == ["The journey", "The baseline: baseline", "Comparison of the designs", "Design tests"]
    assert len(titles) == 11 and "<details open>" not in text  # every design test passed: nothing opened
    assert dict(details)["Design tests"] == "6 passed, 0 failed, 0 inconclusive"
    style = text.split("<style>", 1)[1].split("</style>", 1)[0]
    printing = style.split("@media print", 1)[1]
    assert "size: A4" in printing and "details::details-content" in printing and "break-before: page" in printing
    assert 'addEventListener("beforeprint"' in text  # and the script opens them where the CSS cannot


def test_the_reproduce_line_names_the_real_file(report_html):
    text = report_html.read_text(encoding="utf-8")
    line = html.unescape(re.search(r"<h2>Reproduce</h2>\n<p>[^<]*</p>\n<pre>(.*?)</pre>", text, re.S).group(1))
    assert line.startswith(f"journey report {PREMIER} ") and f"-o {report_html} " in line
    assert "FILE" not in line


def test_a_journey_typed_in_says_to_save_it_before_reproducing():
    """A journey read from text has no file: the line names the file to save it as, never a placeholder."""
    from journeydsl.api import loads
    from journeydsl.report.document import Report, _reproduce_words, reproduce_command

    journey = loads('journey "Shop & co" { stage a goal { touchpoint t: staff { feel +1 } } }')
    report = Report(journey, ["baseline"], {}, None, None, settings={"customers": 10, "seed": 1})
    assert (
        reproduce_command(report, "r.html")
        == "journey report shop_co.journey --design baseline -o r.html --customers 10 --seed 1"
    )
    assert "save it as shop_co.journey" in _reproduce_words(report)


def test_same_inputs_same_bytes(report_html):
    first = report_html.read_bytes()
    result = CliRunner().invoke(cli, ["report", str(PREMIER), "--customers", "400", "-j", "1", "-o", str(report_html)])
    assert result.exit_code == 0
    assert report_html.read_bytes() == first


def test_markdown_writes_its_images_beside_it_and_its_tables_as_markdown(tmp_path):
    target = tmp_path / "premier.md"
    result = CliRunner().invoke(cli, ["report", str(PREMIER), "--customers", "200", "-j", "1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    images = re.findall(r"\]\((premier_files/[a-z]+\.png)\)", text)
    assert len(images) == 15
    for image in images:
        assert (tmp_path / image).read_bytes().startswith(b"\x89PNG")
    # The conclusions, key figures and the six leading figures come before the journey's details.
    lead, details = text.split("\n## The journey\n", 1)
    assert re.findall(r"premier_files/([a-z]+)\.png", lead) == [
        "map",
        "curve",
        "funnel",
        "curves",
        "forest",
        "segments",
        "distribution",
        "series",
    ]
    assert "| conversion (%) | " in lead and "|---|---:|---:|---:|" in lead
    # The details' tables are Markdown tables, numbers right-aligned.
    assert "*printer in office against baseline*\n\n| metric | baseline | printer in office | change |" in details
    assert re.search(r"\n\| expect conversion\\?_rate \\> 60% \| 134 \| passed \| 0\.\d+ \\\[", details)
    assert text.endswith("```\n") and "## Reproduce\n\n```bash\njourney report " in text


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_reports(example, tmp_path):
    target = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", str(example), "--customers", "100", "-j", "1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "-------" not in text and tables_of(text), "real tables, no terminal ones"
    assert f"<pre>journey report {example} " in text
    if BROWSER is None:
        return
    # It renders without console errors, every image shows, and it prints to sensible A4 pages.
    loaded = browser("--virtual-time-budget=5000", "--dump-dom", target.as_uri(), profile=tmp_path / "a")
    figures = text.count("<img ")
    assert f'data-images="{figures}/{figures}"' in loaded.stdout
    assert [line for line in loaded.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line] == []
    pdf = tmp_path / "r.pdf"
    printed = browser("--no-pdf-header-footer", f"--print-to-pdf={pdf}", target.as_uri(), profile=tmp_path / "p")
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert 4 <= len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes())) <= 30


def test_a_journey_where_nothing_fails_has_one_line_for_service_recovery(tmp_path):
    """No failure, no one-bar chart, no table of zeros: the section says in one line why there is nothing to compare."""
    shops = ROOT / "examples" / "journeys" / "electronics_shops.journey"
    for target in (tmp_path / "shops.md", tmp_path / "shops.html"):
        result = CliRunner().invoke(cli, ["report", str(shops), "--customers", "100", "-j", "1", "-o", str(target)])
        assert result.exit_code == 0, result.output
    section = (tmp_path / "shops.md").read_text(encoding="utf-8").split("## Service recovery\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert "No customer met a failure" in section and "failure recovered" not in section and "|" not in section
    assert "recovery.png" not in section and not (tmp_path / "shops_files" / "recovery.png").exists()
    page = (tmp_path / "shops.html").read_text(encoding="utf-8")
    note = re.search(r'<section class="note"><h2>Service recovery</h2>\n<p>([^<]*)</p></section>', page)
    assert note and note.group(1).startswith("No customer met a failure")
    assert "By failure experience" not in page and "failure not recovered" not in page


def test_a_figure_section_is_one_entry_and_nothing_to_show_leaves_it_out(monkeypatch):
    """Adding a figure to the report is one FigureSection; a drawing that returns None is left out."""
    import matplotlib.pyplot as plt

    from journeydsl.api import loads
    from journeydsl.report import document
    from journeydsl.report.document import FigureSection, build_report, render_html, render_markdown
    from journeydsl.sim.runner import Design
    from journeydsl.sim.settings import RunSettings

    def drawn(d):
        figure, ax = plt.subplots(figsize=(2, 1))
        ax.set_title(f"{len(d.first['touchpoints'])} touchpoints")
        return figure

    added = (
        FigureSection("glance", "At a glance", "The journey of {baseline} at a glance.", drawn),
        FigureSection("timeline", "Nothing here", "Nothing to show.", lambda d: None),
    )
    monkeypatch.setattr(document, "FIGURE_SECTIONS", document.FIGURE_SECTIONS + added)
    journey = loads(
        'journey "J" { arrivals cohort 30 seed 4 stage a { touchpoint t: staff { feel +1 } -> b 100% }'
        " stage b goal { touchpoint u: staff { feel -1 } } }"
    )
    report = build_report(journey, [Design("baseline", journey)], RunSettings(customers=30, workers=1))
    assert "glance" in report.figures and "timeline" not in report.figures
    page = render_html(report)
    assert "<h2>At a glance</h2>" in page and "<h2>Nothing here</h2>" not in page
    assert "The journey of <code>baseline</code> at a glance." in page
    before_details = page.split('<h2 class="details">', 1)[0]
    # map, curve, funnel, distribution, series and the added one: no comparison plots for one design
    assert before_details.count("<img ") == 6
    markdown, images = render_markdown(report, "r_files")
    assert "glance.png" in images and "](r_files/glance.png)" in markdown.split("## The journey", 1)[0]
    # One design: the headline says what it does in plain words, the key figures show no changes.
    lead = re.search(r'<p class="lead">(.*?)</p>', page).group(1)
    assert lead.startswith("Of 30 simulated customers of <code>baseline</code>, 100% reach the goal")
    assert '<div class="moves">' not in page


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
def test_the_report_prints_to_a_pdf_of_sensible_a4_pages(report_html, tmp_path):
    """The browser's print to PDF: A4 pages, every collapsed section printed open, each major section on a new page."""
    pdf = tmp_path / "report.pdf"
    printed = browser("--no-pdf-header-footer", f"--print-to-pdf={pdf}", report_html.as_uri(), profile=tmp_path / "p")
    assert printed.returncode == 0, printed.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    # Summary, five figure pages, the details' tables and figures opened, the command: 10 to 30 pages.
    assert 10 <= pages <= 30, pages
    sizes = {
        tuple(round(float(v)) for v in box) for box in re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)", data)
    }
    assert sizes == {(595, 842)}, sizes  # A4 in points
    if shutil.which("pdftoppm"):
        first = tmp_path / "first"
        subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf), str(first)], check=True)
        assert list(tmp_path.glob("first*.png"))


#: Measures the page at 1400 pixels wide and sorts the touchpoints table by visits, as a reader's click would.
PROBE = """<script>
window.addEventListener("load", () => {
  const root = document.documentElement;
  root.dataset.height = String(root.scrollHeight);
  const table = Array.from(document.querySelectorAll("table.sortable")).find(
    (t) => t.caption && t.caption.textContent === "Touchpoints");
  table.tHead.rows[0].cells[1].click();
  root.dataset.sorted = Array.from(table.tBodies[0].rows).map((row) => row.cells[1].textContent).join("|");
});
</script>"""


@pytest.mark.skipif(BROWSER is None, reason="no Chromium here (.ci/run installs Debian's chromium)")
def test_the_page_is_short_and_its_tables_sort_in_a_real_browser(report_html, tmp_path):
    """The premier banking page was 18,641 pixels tall at 1400 wide; with the details collapsed it is under 8,000."""
    probe = tmp_path / "probe.html"
    probe.write_text(report_html.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    loaded = browser(
        "--window-size=1400,900", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri(), profile=tmp_path / "a"
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    height = int(re.search(r'data-height="(\d+)"', loaded.stdout).group(1))
    assert 3000 < height < 8000, height
    visits = [
        int(cell.replace(",", "")) for cell in re.search(r'data-sorted="([^"]*)"', loaded.stdout).group(1).split("|")
    ]
    assert len(visits) == 12 and visits == sorted(visits, reverse=True) and visits != sorted(visits)


@pytest.mark.skipif(BROWSER is None, reason="no Chromium here (.ci/run installs Debian's chromium)")
def test_the_report_loads_in_a_real_browser_and_its_images_render(report_html, tmp_path):
    loaded = browser("--virtual-time-budget=5000", "--dump-dom", report_html.as_uri(), profile=tmp_path / "a")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    marker = re.search(r'<body data-images="(\d+)/(\d+)"', loaded.stdout)
    assert marker, "the page's load handler did not run"
    shown, total = map(int, marker.groups())
    assert total == 15 and shown == total
    errors = [line for line in loaded.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert errors == []
    screenshot = tmp_path / "report.png"
    shot = browser(
        "--window-size=1280,3000", f"--screenshot={screenshot}", report_html.as_uri(), profile=tmp_path / "b"
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 100_000


def comparison_of(changes: dict[str, dict[str, tuple[float, float, float, str]]]) -> dict:
    """A comparison document with the given changes (mean, low, high, verdict) per design and headline metric."""
    from journeydsl.report.document import HEADLINE

    def change(mean, low, high, verdict):
        return {"mean": mean, "ci95": [low, high], "excludes_zero": low > 0 or high < 0, "verdict": verdict}

    quiet = (0.0, -1.0, 1.0, "no clear difference")
    differences = {
        design: {
            "metrics": {
                metric: change(*moved.get(metric, quiet)) for metric in (*HEADLINE, "cost_per_customer", "profit")
            }
        }
        for design, moved in changes.items()
    }
    designs = ["baseline", *changes]
    return {
        "baseline": "baseline",
        "designs": designs,
        "differences": differences,
        "objective": "remembered_experience",
        "minimal_differences": {"remembered_experience": {"value": 0.6, "given": False}},
        "leaders": designs[1:],
        "ranking": [{"design": name, "clearly_behind": designs[1:] if name == "baseline" else []} for name in designs],
    }


def test_the_conclusions_read_as_sentences():
    """The decision names how much and how sure; a metric that does not move 'shows', several 'show'."""
    from journeydsl.api import loads
    from journeydsl.report.document import Report, _headline, conclusions

    journey = loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }')
    better = (1.2, 0.8, 1.6, "better")
    moved = {m: better for m in ("remembered_experience", "satisfaction", "nps", "return_rate")}
    document = comparison_of({"wifi": moved, "desk": {"remembered_experience": better}})
    report = Report(journey, document["designs"], {}, document, None)
    first, second = conclusions(report)[:2]
    assert "; conversion shows no clear difference. It changes cost per customer by" in first
    assert "; satisfaction (0-10), NPS, conversion and return probability show no clear difference." in second
    assert _headline(report, lambda name: f"<{name}>") == (
        "By remembered experience, <wifi> and <desk> are each clearly better than <baseline> "
        "(by +1.20 [+0.80, +1.60] and +1.20 [+0.80, +1.60]), with no clear difference between them."
    )
    one = comparison_of({"wifi": moved})
    report = Report(journey, one["designs"], {}, one, None)
    assert _headline(report, lambda name: name) == (
        "By remembered experience, the best design is wifi: it is clearly ahead of every other design, "
        "and of baseline by +1.20 [+0.80, +1.60]."
    )


def test_a_report_can_validate_the_baseline_against_an_event_log(tmp_path):
    """`--validate LOG`: the tests' verdicts in a collapsed section, their chart, and the log in the Reproduce line."""
    log = Path(__file__).resolve().parent / "fixtures" / "logs" / "premier_banking.csv"
    html, markdown = tmp_path / "v.html", tmp_path / "v.md"
    for target in (html, markdown):
        result = CliRunner().invoke(
            cli,
            [
                "report",
                str(PREMIER),
                "--design",
                "baseline",
                "--customers",
                "150",
                "-j",
                "1",
                "--validate",
                str(log),
                "-o",
                str(target),
            ],
        )
        assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    section = page.split("<h2>Validation against the log</h2>", 1)[1].split("</details>", 1)[0]
    assert "reach: matches" in section and "paths:" in section
    assert '<img src="data:image/png;base64,' in section
    assert f"--validate {log}" in page
    text = markdown.read_text(encoding="utf-8")
    assert "## Validation against the log" in text and "v_files/validation.png" in text
    bad = CliRunner().invoke(cli, ["report", str(PREMIER), "--validate", str(tmp_path / "none.csv"), "-o", str(html)])
    assert bad.exit_code == 2 and "--validate" in bad.output
