"""Hostile names never reach an output raw (issue 10: S2, S5, S6, S7 and the text width of tables).

A journey's names are whatever its author typed between quotes.  Each reproducer of the issue gets
safe output here: the report's "Reproduce" line gives back exactly the intended command (parsed,
never run); the Markdown report rendered by a standard renderer (marked, which Mermaid ships)
holds no element or link a name made; the HTML report loads in Chromium with no element a name
made; no CSV cell starts a formula; GraphML parses; Graphviz draws the DOT; Mermaid's parser takes
the diagram (tests/test_mermaid.py); terminal text holds no control character; tables with Chinese
names line up.  Control characters are rejected by the language (JD012), so they reach the
exports here through a journey that was not checked, and the escape functions are tested on them
directly.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shlex
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.cli import cli
from journeydsl.cli.options import RunOptions
from journeydsl.lang.escape import (
    csv_cell,
    display_width,
    dot_string,
    html_text,
    markdown_code,
    markdown_fence,
    markdown_text,
    mermaid_text,
    shell,
    terminal,
    xml_attr,
    xml_text,
)
from journeydsl.lang.export import to_dot, to_graphml, to_json, to_mermaid
from journeydsl.lang.graph import build_graph
from journeydsl.lang.loader import load_text
from journeydsl.lang.render import render_json, render_text
from journeydsl.report.document import Report, render_html, render_markdown, reproduce_command
from journeydsl.report.tables import (
    analysis_table,
    comparison_csv,
    comparison_table,
    format_table,
    results_csv,
    results_table,
)
from journeydsl.sim.settings import RunSettings

from .conftest import ROOT

MERMAID = ROOT / "tests" / "mermaid"
MARKED = MERMAID / "node_modules" / "marked"
BROWSER = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None
)

#: The names of the issue's reproducers, as the journey below holds them.
JOURNEY_NAME = "<img src=x onerror=alert(1)> $(touch pwned) ```"
DESIGNS = ["baseline", "$(touch pwned)", "a'b", "```"]
STAGES = ["-->", "x\\"]
TOUCHPOINTS = ["@SUM(A1)", 'a"b', "`id`", "网点顾问", "[x](javascript:alert(1))"]
SEGMENTS = ['=HYPERLINK("http://x")', "网点顾问"]
HOSTILE = r"""
journey "<img src=x onerror=alert(1)> $(touch pwned) ```" {
  time unit minutes
  horizon 30 days
  arrivals poisson 20 per day
  seed 5
  factor service expect 6 importance 8
  segment "=HYPERLINK(\"http://x\")" 60% { patience 30 min }
  segment "网点顾问" 40% { patience 20 min }
  stage "-->" {
    touchpoint "@SUM(A1)": staff capacity 2 duration 5 min cost 3 {
      feel +1; performance service 7
      failure "]]> & <b>" 20% { feel -2 } recover by "+1"
    }
    touchpoint "a\"b": digital duration 2 min { think +1 }
    -> "x\\" 80%
  }
  stage "x\\" goal {
    touchpoint "`id`": staff duration 3 min { feel +2 }
    touchpoint "网点顾问": staff duration 3 min { feel +1 }
    touchpoint "[x](javascript:alert(1))": digital duration 1 min { act +1 }
  }
  touchpoint "+1": staff duration 1 min { feel +1 }
  care "-2": media for all every 1 year cost 3 { feel +1 }
  variant "$(touch pwned)" { change "@SUM(A1)" capacity 3 }
  variant "a'b" { change "a\"b" cost 1 }
  variant "```" { change "`id`" cost 2 }
  expect satisfaction in "$(touch pwned)" > 1
  expect "$(touch pwned)" beats baseline on satisfaction
}
"""
#: Control characters the language rejects (JD012); exports meet them only in an unchecked journey.
CONTROLS = "\x1b]0;pwned\x07\x1b[2J\r\b\x00\x7f\x9b"
CONTROLLED = (
    'journey "J\x1b]0;pwned\x07" { stage "s\x1b[2J\r" { touchpoint "t\x00\x08": staff { feel +1 } -> "g\x7f" }'
    ' stage "g\x7f" goal { touchpoint "u\x9b\x0b": web { feel +1 } } variant "v\x1b" { } }'
)


def controlled_journey():
    loaded = load_text(CONTROLLED)
    assert loaded.journey is not None
    return loaded.journey


def shows_nothing_raw(text: str) -> bool:
    """No control character but newlines (and no other invisible format character) in ``text``."""
    return all(char.isprintable() or char == " " for line in text.split("\n") for char in line)


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "it's $(touch pwned)"
    folder.mkdir()
    path = folder / "hostile.journey"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(hostile_file):
    return api.load(hostile_file)


@pytest.fixture(scope="module")
def reports(hostile_file, hostile):
    """The hostile journey's report as HTML and as Markdown (one simulation), as the command writes them."""
    folder = hostile_file.parent
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)  # charts lack a CJK font
        built = api.report(hostile, None, RunSettings(customers=60, workers=1))
    assert built.file is None and built.journey.span.file == str(hostile_file)
    page = render_html(replace(built, output=str(folder / "report $(id).html")))
    (folder / "report.html").write_text(page, encoding="utf-8")
    markdown, images = render_markdown(replace(built, output=str(folder / "report.md")), "report_files")
    return built, page, markdown, images


# ---- S2: the "Reproduce" line ------------------------------------------------------------


def reproduce_from_html(page: str) -> str:
    match = re.search(r"<h2>Reproduce</h2>\n<p>[^<]*</p>\n<pre>(.*?)</pre>", page, re.S)
    assert match, "the HTML report has a Reproduce section"
    return html.unescape(match.group(1))


def reproduce_from_markdown(text: str) -> str:
    match = re.search(r"## Reproduce\n\n(`{3,})bash\n(.*)\n\1\n\Z", text, re.S)
    assert match, "the Markdown report ends with its Reproduce block"
    return match.group(2)


def test_the_reproduce_line_gives_back_exactly_the_intended_command(reports, hostile_file, tmp_path):
    _, page, markdown, _ = reports
    for line, output in (
        (reproduce_from_html(page), str(hostile_file.parent / "report $(id).html")),
        (reproduce_from_markdown(markdown), str(hostile_file.parent / "report.md")),
    ):
        assert "\n" not in line
        designs = [word for name in DESIGNS for word in ("--design", name)]
        expected = ["journey", "report", str(hostile_file), *designs, "-o", output, "--customers", "60", "--seed", "5"]
        assert shlex.split(line) == expected
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_the_reproduce_line_is_read_by_the_command_as_the_same_settings(hostile, hostile_file):
    """Every option that changes a number is on the line, and the command reads it back to the same settings."""
    settings = {"customers": None, "horizon": 3600.5, "warmup": 90.25, "replications": 3, "seed": 9}
    report = Report(hostile, DESIGNS, {}, None, None, settings=settings, file=str(hostile_file), output="-x.md")
    words = shlex.split(reproduce_command(report, report.output or ""))
    assert words[:3] == ["journey", "report", str(hostile_file)]
    context = cli.commands["report"].make_context("report", words[2:])
    params = context.params
    assert params["file"] == hostile_file and params["designs"] == tuple(DESIGNS)
    assert words[words.index("-o") + 1] == "./-x.md" and params["output"] == Path("-x.md")
    run = RunOptions(
        params["customers"], params["horizon"], params["replications"], params["seed"], params["warmup"], None
    )
    assert run.settings(hostile).record() == settings


def test_a_report_without_its_paths_names_the_journeys_file(reports, hostile_file):
    built = reports[0]
    words = shlex.split(reproduce_command(built, "report.html"))
    assert words[2] == str(hostile_file) and words[words.index("-o") + 1] == "report.html"


# ---- S5: Markdown -------------------------------------------------------------------------


def render_with_marked(text: str) -> dict:
    """The Markdown rendered by marked (GitHub-flavoured, raw HTML passed through) and read by jsdom."""
    script = """
import { marked } from "marked";
import { JSDOM } from "jsdom";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const document = new JSDOM(marked.parse(input)).window.document;
const elements = [...document.body.querySelectorAll("*")].map((element) => ({
  tag: element.tagName.toLowerCase(),
  attributes: Object.fromEntries([...element.attributes].map((a) => [a.name, a.value])),
}));
const text = (selector) => [...document.querySelectorAll(selector)].map((element) => element.textContent);
process.stdout.write(JSON.stringify({
  elements, h1: text("h1"), h2: text("h2"), code: text("li code"), blocks: text("pre code"), cells: text("td"),
}));
"""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=MERMAID,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


needs_marked = pytest.mark.skipif(
    shutil.which("node") is None or not MARKED.is_dir(),
    reason="node and marked (installed with Mermaid by `npm ci --prefix tests/mermaid`) are needed",
)


@needs_marked
def test_the_renderer_does_run_raw_markdown():
    """The check below can fail: marked makes an <img onerror> and a javascript: link of raw names."""
    rendered = render_with_marked("# <img src=x onerror=alert(1)> [x](javascript:alert(1))\n")
    tags = {element["tag"]: element["attributes"] for element in rendered["elements"]}
    assert tags["img"]["onerror"] == "alert(1)" and tags["a"]["href"] == "javascript:alert(1)"


def assert_nothing_made_by_a_name(elements: list[dict], images: str) -> None:
    allowed = {"h1", "h2", "p", "ul", "li", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "em", "img"}
    assert {element["tag"] for element in elements} <= allowed
    for element in elements:
        attributes = element["attributes"]
        assert not [name for name in attributes if name.startswith("on")], element
        if element["tag"] == "img":
            assert re.fullmatch(rf"{images}/[a-z]+\.png", attributes["src"]), element
        else:
            assert set(attributes) <= {"class", "align"}, element


@needs_marked
def test_the_markdown_report_renders_every_name_as_text(reports):
    built, _, markdown, images = reports
    rendered = render_with_marked(markdown)
    assert_nothing_made_by_a_name(rendered["elements"], "report_files")
    assert rendered["h1"] == [JOURNEY_NAME]
    assert rendered["h2"][:3] == ["Conclusions", "The journey", "The baseline: baseline"]
    assert rendered["h2"][-1] == "Reproduce" and len(rendered["h2"]) == 13
    assert {f"{name}" for name in DESIGNS[1:]} <= set(rendered["code"])
    assert f"{STAGES[0]}, {STAGES[1]} (goal)" in rendered["cells"]
    # Every fenced block holds all of its text: no name closed a fence early.
    blocks = rendered["blocks"]
    assert blocks[0] == to_mermaid(built.journey) and blocks[1] == results_table(built.results["baseline"])
    assert blocks[-1] == reproduce_from_markdown(markdown) + "\n"
    assert len(images) == sum(1 for element in rendered["elements"] if element["tag"] == "img")


def test_the_markdown_report_holds_no_raw_html_outside_code(reports):
    """Without a renderer: outside fences and code spans, every `<` is escaped."""
    markdown = reports[2]
    prose = re.sub(r"^(`{3,})[a-z]*\n.*?^\1$", "", markdown, flags=re.S | re.M)
    prose = re.sub(r"(`+) .*? \1|(`+)[^`]*?\2", "", prose)
    assert "```" not in prose
    assert not re.search(r"(?<!\\)<", prose)
    assert "javascript:alert(1))" not in prose.replace("\\[x\\](javascript:alert(1))", "")


MARKDOWN_NAMES = [
    JOURNEY_NAME,
    "[x](javascript:alert(1))",
    "![i](x)",
    "<javascript:alert(1)>",
    "&lt;script&gt;",
    "*a* _b_ __c__ ~~d~~ $e$",
    "a|b",
    "x\\",
    "# h",
    "a\rb<img src=x onerror=alert(1)>",
    "http://x www.x.org a@b.co mailto:a@b.co @someone",
    "网点顾问",
    "snake_case_name",
]


@needs_marked
def test_markdown_text_and_code_render_as_themselves():
    text = "".join(
        f"# {markdown_text(name)}\n\n- {markdown_code(name)}\n\n| a |\n|---|\n| {markdown_text(name)} |\n\n"
        for name in MARKDOWN_NAMES
    )
    rendered = render_with_marked(text)
    shown = [terminal(name) for name in MARKDOWN_NAMES]
    assert rendered["h1"] == shown and rendered["code"] == shown and rendered["cells"] == shown
    tags = {"h1", "ul", "li", "code", "table", "thead", "tbody", "tr", "th", "td"}
    assert {element["tag"] for element in rendered["elements"]} == tags


@needs_marked
def test_a_fence_holds_text_that_would_close_a_shorter_one():
    body = "```\n````\n<img src=x onerror=alert(1)>\n```bash\n"
    rendered = render_with_marked(markdown_fence(body, "text") + "\n# after\n")
    assert rendered["blocks"] == [body] and rendered["h1"] == ["after"]


# ---- the HTML report ----------------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements_of(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(page)
    return parser.elements


def assert_no_element_from_a_name(page: str, figures: int) -> None:
    elements = elements_of(page)
    for tag, attributes in elements:
        assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
        assert not any("javascript:" in (value or "") for value in attributes.values()), (tag, attributes)
    images = [attributes for tag, attributes in elements if tag == "img"]
    assert len(images) == figures and all((image["src"] or "").startswith("data:image/png;base64,") for image in images)
    assert [tag for tag, _ in elements].count("script") == 1


def test_the_html_report_escapes_every_name(reports):
    built, page, _, _ = reports
    assert_no_element_from_a_name(page, len(built.figures))
    assert f"<h1>{html_text(JOURNEY_NAME)}</h1>" in page
    for name in DESIGNS[1:]:
        assert f"<code>{html_text(name)}</code>" in page


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_the_html_report_keeps_its_graph_and_the_graph_is_only_svg(reports):
    built, page, _, _ = reports
    assert built.graph_svg is not None and '<div class="graph"><svg' in page
    svg = ET.fromstring(built.graph_svg)
    for element in svg.iter():
        assert element.tag.startswith("{http://www.w3.org/2000/svg}"), element.tag
        assert not [name for name in element.attrib if name.lower().startswith("on")]
    texts = {element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert set(STAGES) <= texts and {"@SUM(A1)", 'a"b', "`id`", "[x](javascript:alert(1))"} <= texts


@pytest.mark.skipif(BROWSER is None, reason="no Chromium here (.ci/run installs Debian's chromium)")
def test_the_html_report_of_hostile_names_runs_nothing_in_a_browser(reports, hostile_file, tmp_path):
    built = reports[0]
    page = hostile_file.parent / "report.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp_path}"]
    flags += ["--disable-background-networking", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"]
    loaded = subprocess.run(
        [BROWSER, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=False
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    figures = len(built.figures)
    assert f'<body data-images="{figures}/{figures}"' in loaded.stdout
    assert_no_element_from_a_name(loaded.stdout, figures)
    assert [line for line in loaded.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line] == []


# ---- S6: CSV ------------------------------------------------------------------------------


def assert_no_formula(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only a number may start so
    return rows


def test_csv_outputs_start_no_formula(hostile_file):
    runner = CliRunner()
    cells = {}
    for command in ("simulate", "compare"):
        result = runner.invoke(cli, [command, str(hostile_file), "--customers", "40", "-j", "1", "--format", "csv"])
        assert result.exit_code == 0, result.output
        cells[command] = {cell for row in assert_no_formula(result.stdout) for cell in row}
    assert {'\'=HYPERLINK("http://x")', "'@SUM(A1)", "'-->", "'+1", "'-2", "x\\"} <= cells["simulate"]
    assert set(DESIGNS) <= cells["compare"]


def test_csv_cell_follows_owasp():
    for name in ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "=1+1"):
        assert str(csv_cell(name)).startswith("'")
    for value in (-2, -2.5, 0, 1e-9, None, True, "", "advice", "a-b", "网点顾问"):
        assert csv_cell(value) == value
    assert shows_nothing_raw(str(csv_cell(CONTROLS)))


def test_a_comparison_csv_of_hostile_designs_starts_no_formula(hostile):
    document = api.compare(hostile, ["baseline", "a'b"], RunSettings(customers=40, workers=1))
    renamed = json.loads(json.dumps(document).replace('"a\'b"', "\"=cmd|' /C calc'!A0\""))
    rows = assert_no_formula(comparison_csv(renamed))
    assert any(row[0] == "'=cmd|' /C calc'!A0" for row in rows)


# ---- S7: terminal, XML, DOT, Mermaid -------------------------------------------------------


def test_terminal_shows_every_control_character_escaped():
    controls = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)])) + "\u2028\u2029\u202e\u2066\ud800"
    shown = terminal(controls)
    assert shown.isascii() and shown.isprintable()
    assert terminal("\x1b[2J\a\r\b\x00\x7f") == "\\x1b[2J\\x07\\x0d\\x08\\x00\\x7f"
    assert terminal("网点顾问 café ok") == "网点顾问 café ok"


def test_tables_show_no_control_character(hostile):
    results = api.simulate(hostile, RunSettings(customers=40, workers=1)).results
    text = json.dumps(results)
    for name in [*STAGES, *TOUCHPOINTS, *SEGMENTS, JOURNEY_NAME]:
        text = text.replace(json.dumps(name), json.dumps(name + CONTROLS))
    hostile_results = json.loads(text)
    table = results_table(hostile_results, style=lambda head: f"\x1b[1m{head}\x1b[0m")
    assert shows_nothing_raw(table.replace("\x1b[1m", "").replace("\x1b[0m", ""))
    assert "\\x1b]0;pwned\\x07" in table
    assert shows_nothing_raw(results_csv(hostile_results))


def test_diagnostics_show_no_control_character(tmp_path):
    path = tmp_path / "controls.journey"
    path.write_text(CONTROLLED, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1 and "JD012" in result.output
    assert shows_nothing_raw(result.output) and "\\x1b]0;pwned\\x07" in result.output
    checked = api.check_file(path)
    assert shows_nothing_raw(render_text(checked.diagnostics, checked.sources))
    document = render_json({str(path): checked.diagnostics})
    assert shows_nothing_raw(document)
    assert json.loads(document)["files"][0]["diagnostics"][0]["message"] == checked.diagnostics[0].message


def test_the_caret_stands_under_a_chinese_name(tmp_path):
    path = tmp_path / "wide.journey"
    path.write_text('journey "J" { stage "网点" goal { touchpoint "顾问": staff { feel +1 } -> "网" } }\n')
    result = CliRunner().invoke(cli, ["check", str(path)])
    source, caret = [line for line in result.output.splitlines() if line.startswith("    ")][:2]
    start = source.index('"网"')
    assert caret.index("^") == display_width(source[:start]) and caret.count("^") == display_width('"网"')


def test_json_exports_show_no_invisible_character():
    bidi = api.loads('journey "J" { stage "abc\u202edcba" goal { touchpoint "t\u2066x\u2069": staff { feel +1 } } }')
    for journey in (bidi, controlled_journey()):
        text = to_json(journey)
        assert shows_nothing_raw(text)
        assert json.loads(text)["journey"]["stages"][0]["name"] == journey.stages[0].name
    assert "abc\\u202edcba" in to_json(bidi)


def test_graphml_is_well_formed_for_any_name(hostile):
    for journey in (hostile, controlled_journey()):
        graph = build_graph(journey)
        text = to_graphml(graph)
        ET.fromstring(text)
        assert shows_nothing_raw(text.replace("\t", " "))
    back = nx.parse_graphml(to_graphml(build_graph(hostile)))
    assert set(back.nodes) == set(build_graph(hostile).nodes)
    assert {"stage:-->", "stage:x\\", 'touchpoint:a"b'} <= set(back.nodes)


def test_xml_escaping_is_well_formed_for_every_character():
    characters = "".join(map(chr, [*range(0x3000), 0xD800, 0xDFFF, 0xFFFE, 0xFFFF, 0x1F600]))
    for chunk in (characters[i : i + 512] for i in range(0, len(characters), 512)):
        root = ET.fromstring(f"<a b=\"{xml_attr(chunk)}\" c='{xml_attr(chunk)}'>{xml_text(chunk)}</a>")
        assert root.get("b") == root.get("c") == root.text
    for name in ["]]>", "&amp;", "-->", "<!--", 'a"b', "a'b", "\t\nx"]:
        root = ET.fromstring(f'<a b="{xml_attr(name)}">{xml_text(name)}</a>')
        assert root.get("b") == name and root.text == name


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_draws_every_name_as_written(hostile):
    for journey, stages in ((hostile, STAGES), (controlled_journey(), ["s\\x1b[2J\\x0d", "g\\x7f"])):
        drawn = subprocess.run(["dot", "-Tsvg"], input=to_dot(journey), capture_output=True, text=True, check=False)
        assert drawn.returncode == 0 and drawn.stderr == "", drawn.stderr
        svg = ET.fromstring(drawn.stdout)
        texts = {element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")}
        assert set(stages) <= texts
        assert journey.name.replace("\x1b", "\\x1b").replace("\x07", "\\x07") in texts


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_strings_draw_as_written():
    names = ["x\\", "\\", 'a"b', "\\N \\G \\l", "&lt;", "Q&A", "<b>", "-->", "]]>", "网点顾问", "a\\x1b", CONTROLS]
    graph = "digraph {\n" + "".join(f"  n{i} [label={dot_string(n)}];\n" for i, n in enumerate(names)) + "}\n"
    drawn = subprocess.run(["dot", "-Tsvg"], input=graph, capture_output=True, text=True, check=False)
    assert drawn.returncode == 0 and drawn.stderr == "", drawn.stderr
    texts = [element.text for element in ET.fromstring(drawn.stdout).iter("{http://www.w3.org/2000/svg}text")]
    assert texts == [terminal(name) for name in names]


def test_mermaid_text_keeps_to_its_line():
    for name in [JOURNEY_NAME, "%%{init: {'securityLevel': 'loose'}}%%", "a%%b", "section x", CONTROLS, "a\nb"]:
        text = mermaid_text(name)
        assert not re.search(r"[:;{}<>\"%#\n]", re.sub(r"#\d+;", "", text)) and shows_nothing_raw(text)
    assert shows_nothing_raw(to_mermaid(controlled_journey()))


# ---- shell -------------------------------------------------------------------------------


def test_shell_words_give_back_the_argument():
    names = ["$(touch pwned)", 'a"b', "a'b", "`id`", "x\\", "```", "-2", "!", "网点顾问", "", " ", "*", "~"]
    assert shlex.split(" ".join(shell(name) for name in names)) == names


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_shell_words_with_control_characters_give_back_the_argument():
    names = [CONTROLS.replace("\x00", ""), "a\nb", "a'\x1bb\\"]
    words = " ".join(shell(name) for name in names)
    assert shows_nothing_raw(words)
    done = subprocess.run(["bash", "-c", f"printf '%s\\0' {words}"], capture_output=True, check=False)
    assert done.stdout.decode("utf-8").split("\0")[:-1] == names


# ---- display width ------------------------------------------------------------------------

WIDE = """
journey "网点" {
  arrivals cohort 120
  seed 3
  segment "网点顾问" 50% { patience 30 min }
  segment "普通客户" 50% { }
  stage "咨询" {
    touchpoint "网点顾问": staff duration 5 min { feel +1 }
    touchpoint "手机银行": digital duration 2 min { think +1 }
    -> "签约" 80%
  }
  stage "签约" goal {
    touchpoint "ｻｲﾝ": staff duration 3 min { feel +1 }
    touchpoint "cafe\u0301": staff duration 1 min { feel +1 }
  }
  variant "两台打印机" { change "网点顾问" duration 2 min }
}
"""


def tables_in(text: str) -> list[list[str]]:
    """Each table of a text: its header, rule and rows (a table is found by its rule of dashes)."""
    lines = text.split("\n")
    tables = []
    for index, line in enumerate(lines):
        if line and set(line) <= {"-", " "} and index > 0:
            rows = [lines[index - 1], line]
            for row in lines[index + 1 :]:
                if not row:
                    break
                rows.append(row)
            tables.append(rows)
    return tables


def test_tables_with_chinese_names_line_up():
    journey = api.loads(WIDE)
    results = api.simulate(journey, RunSettings(customers=120, workers=1)).results
    comparison = api.compare(journey, None, RunSettings(customers=120, workers=1))
    texts = [results_table(results), comparison_table(comparison), analysis_table(api.analyze(journey))]
    found = [table for text in texts for table in tables_in(text)]
    assert len(found) >= 8
    assert any("网点顾问" in row for table in found for row in table)
    for table in found:
        assert len({display_width(row) for row in table}) == 1, "\n".join(table)


def test_format_table_pads_by_display_width():
    table = format_table(["name", "n"], [["网点顾问", "1"], ["e\u0301", "22"], ["ＡＢ", "333"]])
    assert {display_width(row) for row in table.split("\n")} == {13}


def test_trace_csv_cells_cannot_start_a_formula(tmp_path):
    """S6 for the trace: names that start a formula are written as text."""
    import csv

    from journeydsl import api

    journey = api.loads(
        'journey "J" { arrivals cohort 20 '
        'stage "=HYPERLINK(1)" goal { touchpoint "@SUM(A1)": staff { feel +1 } touchpoint "-2": staff { feel +1 } } }'
    )
    target = tmp_path / "trace.csv"
    with api.trace_writer(target) as writer:
        api.simulate(journey, customers=20, trace=writer)
    cells = [cell for row in csv.reader(target.open(encoding="utf-8")) for cell in row]
    names = {"=HYPERLINK(1)", "@SUM(A1)", "-2"}
    assert not names & set(cells)
    assert {"'=HYPERLINK(1)", "'@SUM(A1)", "'-2"} <= set(cells)
