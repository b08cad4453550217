"""`journey report`: one self-contained file a designer can e-mail or commit.

The report holds the journey's summary and graph, the baseline's emotion
curve, funnel and distributions, the comparison of the designs with its
plain-language conclusions and plots, the design tests, and everything needed
to reproduce it.  HTML embeds its images (no external files, no network);
Markdown writes its images into a folder beside it.  The same file, designs
and seed give the same bytes.

Every name is escaped for its format by :mod:`journeydsl.lang.escape`: HTML
text and attributes, Markdown text, code spans and fences that no name can
close, terminal-safe tables, and a "Reproduce" command line whose every word
is shell-quoted.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import quote

from .._version import __version__
from ..analysis.compare import run_and_compare
from ..lang.designs import BASELINE
from ..lang.escape import html_text, markdown_code, markdown_fence, markdown_text, shell
from ..lang.export import to_dot, to_mermaid
from ..lang.model import Journey
from ..lang.units import DEFAULT_TIME_UNIT
from ..sim.results import Document
from ..sim.runner import Design, Runner
from ..sim.settings import RunSettings

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

from .tables import (
    METRIC_LABELS,
    analysis_table,
    care_table,
    comparison_table,
    delivery_table,
    gaps_table,
    opportunities_table,
    profile_table,
    recovery_table,
    results_table,
    tests_table,
)

__all__ = ["Report", "build_report", "render_html", "render_markdown", "reproduce_command"]

#: The metrics the conclusions speak about, in order.
HEADLINE = ("remembered_experience", "satisfaction", "nps", "conversion_rate", "return_rate")


@dataclass
class Report:
    """Everything a report shows: documents, figures (PNG bytes), and how it was made.

    ``file`` and ``output`` are the journey file and the report file as the
    command was given them, for the command that reproduces the report
    (:func:`reproduce_command`); without them it names the journey's own file
    and ``report.html`` or ``report.md``.  ``reading`` holds the command-line
    words that say how the file was read (``--root DIRECTORY``,
    ``--allow-large``), unquoted, for the same command.
    """

    journey: Journey
    designs: list[str]
    results: dict[str, dict]
    comparison: dict | None
    tests: dict | None
    figures: dict[str, bytes] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)
    graph_svg: str | None = None
    analysis: dict | None = None
    gaps: dict | None = None
    opportunities: dict | None = None
    profile: dict | None = None
    delivery: dict | None = None
    care: dict | None = None
    recovery: dict | None = None
    settings: Document = field(default_factory=dict)
    file: str | None = None
    output: str | None = None
    reading: tuple[str, ...] = ()


def build_report(
    journey: Journey,
    designs: Sequence[Design],
    settings: RunSettings,
    runner: Runner | None = None,
    progress: Callable[[float], None] | None = None,
    *,
    file: str | None = None,
    output: str | None = None,
    min_differences: Mapping[str, float] | None = None,
) -> Report:
    """Simulate the designs, run every analysis on the same outcomes, and draw the figures of a report.

    Parameters
    ----------
    journey : Journey
        The journey as written (with its variants, design tests and surveys).
    designs : sequence of Design
        The designs to report on; the first is the baseline.
    settings : RunSettings
        How to run every simulation of the report.
    runner : Runner, optional
        Runs the simulations; each (design, settings, seed) runs once for the
        whole report (see :attr:`Runner.engine_runs`).  Default: a new runner.
    progress : callable, optional
        Called with the finished share of the report's work (0..1).
    file, output : str, optional
        The journey file and the report file as the command was given them
        (see :class:`Report`).
    min_differences : mapping, optional
        The designer's minimal important differences for the comparison (see
        :func:`journeydsl.analysis.compare.compare`).
    """
    from ..analysis.care import care_value
    from ..analysis.delivery import delivery_gap
    from ..analysis.design_tests import run_tests
    from ..analysis.gaps import gaps_from_simulation, gaps_from_survey
    from ..analysis.markov import analyze
    from ..analysis.opportunities import opportunities
    from ..analysis.profile import profile
    from ..analysis.recovery import recovery
    from . import plots

    if not designs:
        raise ValueError("a report needs at least one design")
    runner = runner if runner is not None else Runner()
    settings = settings.resolved(journey.seed)
    phases = _Phases(progress, 2 + bool(journey.design_tests) + bool(designs[0].journey.care))
    names = [design.name for design in designs]
    comparison = None
    if len(designs) > 1:
        outcomes, comparison = run_and_compare(
            runner, designs, settings, progress=phases.next(), min_differences=min_differences
        )
    else:
        outcomes = runner.run(designs, settings, progress=phases.next())
    results = {outcome.design: outcome.results for outcome in outcomes}
    first_outcome = outcomes[0]
    baseline_name, baseline = first_outcome.design, first_outcome.journey
    tests = run_tests(journey, settings, runner, progress=phases.next()) if journey.design_tests else None
    report = Report(
        journey,
        names,
        results,
        comparison,
        tests,
        settings={**settings.record(), "journeydsl": __version__},
        file=file,
        output=output,
    )
    first = results[baseline_name]
    figure = plots.figure
    collectors = first_outcome.collectors
    report.figures["curve"] = _png(figure("curve", first, collectors))
    report.captions["curve"] = f"Emotion curve of `{baseline_name}`: mean momentary affect along the journey."
    report.figures["funnel"] = _png(figure("funnel", first, collectors))
    report.captions["funnel"] = f"Drop-off by stage in `{baseline_name}`."
    report.figures["distribution"] = _png(figure("distribution", first, collectors))
    report.captions["distribution"] = "How customers remember the journey, and how likely they are to recommend it."
    if comparison is not None:
        ax = plots.emotion_curves(results)
        report.figures["curves"] = _png(ax.figure)
        report.captions["curves"] = "Emotion curves of every design, aligned by touchpoint."
        axes = plots.forest(comparison)
        report.figures["forest"] = _png(axes[0].figure)
        report.captions["forest"] = "What each design changes against the baseline, with 95% intervals."
        if len(first["segments"]) > 1:
            ax = plots.segment_heatmap(comparison, "satisfaction")
            report.figures["segments"] = _png(ax.figure)
            report.captions["segments"] = "Satisfaction by segment and design."
    report.graph_svg = _graph_svg(baseline)
    report.analysis = analyze(baseline)
    report.opportunities = opportunities(baseline, settings, runner, progress=phases.next())
    report.figures["opportunities"] = _png(plots.tornado(report.opportunities).figure)
    report.captions["opportunities"] = "What each touchpoint is worth: removed, and one point better."
    report.profile = profile(outcomes)
    report.figures["profile"] = _png(plots.profile_bars(report.profile).figure)
    report.captions["profile"] = "Experience themes and modules each design delivers, per customer."
    report.delivery = delivery_gap(first_outcome)
    report.figures["delivery"] = _png(plots.delivery_chart(report.delivery).figure)
    report.captions["delivery"] = (
        "The delivery gap: the effect intended at each touchpoint against what customers felt."
    )
    report.recovery = recovery(first_outcome)
    if plots.recovery_note(report.recovery) is None:  # else the section is the note alone (see _analyses)
        report.figures["recovery"] = _png(plots.recovery_chart(report.recovery).figure)
        report.captions["recovery"] = "Satisfaction by failure experience, with 95% intervals."
    if baseline.care:
        report.care = care_value(baseline, settings, runner, progress=phases.next())
        report.figures["care"] = _png(plots.care_chart(report.care).figure)
        report.captions["care"] = "Return on investment of each care programme, with 95% intervals."
    report.figures["removal"] = _png(plots.removal_chart(report.analysis).figure)
    report.captions["removal"] = "Share of conversions lost without each touchpoint (conversion removal effect)."
    report.gaps = gaps_from_survey(baseline) if journey.surveys else gaps_from_simulation(first_outcome)
    if report.gaps["groups"]:
        report.figures["gaps"] = _png(plots.gap_chart(report.gaps)[0].figure)
        report.captions["gaps"] = (
            "The seven-step gap analysis: expectation against experience, and the importance-weighted gaps."
        )
    return report


class _Phases:
    """Progress over a report's phases: each phase's own share (0..1) moves the whole by 1/count."""

    def __init__(self, progress: Callable[[float], None] | None, count: int) -> None:
        self.progress = progress
        self.count = count
        self.started = 0

    def next(self) -> Callable[[float], None] | None:
        if self.progress is None:
            return None
        before, progress, count = self.started, self.progress, self.count
        self.started += 1
        return lambda share: progress(min(1.0, (before + share) / count))


def _png(figure: Figure | SubFigure) -> bytes:
    """A report figure as PNG bytes (the same bytes every time), the figure closed after."""
    from .figures import close_figure, figure_bytes

    whole = figure.get_figure(root=True)
    try:
        return figure_bytes(whole, "png", dpi=110)
    finally:
        close_figure(whole)


#: The width of the HTML report's text column in CSS pixels (72rem less 1.5rem of padding either side).
_COLUMN_PIXELS = 69 * 16


def _graph_svg(journey: Journey) -> str | None:
    """The journey drawn by Graphviz as inline SVG, when Graphviz is installed.

    Left to right, as the journey goes, when that fits the report's column;
    otherwise top to bottom when that is shrunk less to fit (the page shrinks a
    wider drawing: thirteen touchpoints left to right, 2,000 pixels shrunk into
    1,100, were too small to read).
    """
    if shutil.which("dot") is None:
        return None
    drawings = []
    for direction in ("LR", "TB"):
        done = subprocess.run(
            ["dot", "-Tsvg"],
            input=to_dot(journey, direction=direction),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        svg = done.stdout[done.stdout.find("<svg") :] if done.returncode == 0 and "<svg" in done.stdout else None
        if svg is None:
            return None
        width = re.match(r'<svg width="([0-9.]+)pt"', svg)
        shrunk = min(1.0, _COLUMN_PIXELS / (float(width.group(1)) * 4 / 3)) if width else 1.0
        if shrunk == 1.0:
            return svg
        drawings.append((shrunk, svg))
    return max(drawings, key=lambda drawing: drawing[0])[1]  # the first of equals: left to right


# ---- words ---------------------------------------------------------------------------


def _amount(metric: str, value: float) -> str:
    kind = METRIC_LABELS.get(metric, ("", "number"))[1]
    if kind == "percent":
        return f"{value * 100:+.1f} percentage points"
    if metric == "nps":
        return f"{value:+.1f} points"
    return f"{value:+.2f}" if abs(value) < 1000 else f"{value:+,.0f}"


def _interval(metric: str, change: dict) -> str:
    low, high = change["ci95"]
    if METRIC_LABELS.get(metric, ("", ""))[1] == "percent":
        return f"[{low * 100:+.1f}, {high * 100:+.1f}]"
    return f"[{low:+.2f}, {high:+.2f}]"


def conclusions(report: Report, code: Callable[[str], str] = lambda name: f"`{name}`") -> list[str]:
    """Plain-language conclusions of the comparison, one sentence per design and one on the ranking.

    A headline figure is said to rise or fall only when its verdict is
    ``better`` or ``worse`` (the 95% interval excludes 0 and the change reaches
    the metric's minimal important difference); the others show no clear
    difference.  The last sentence names a best design only when it is clearly
    ahead of every other on the objective.  ``code(name)`` writes a design's
    name into a sentence (default: between backticks); the rest of each
    sentence is the package's own words and numbers.
    """
    if report.comparison is None:
        return []
    sentences = []
    for design, difference in report.comparison["differences"].items():
        metrics = difference["metrics"]
        moved = [m for m in HEADLINE if metrics[m]["verdict"] != "no clear difference"]
        still = [m for m in HEADLINE if metrics[m]["verdict"] == "no clear difference"]
        parts = []
        for metric in moved:
            change = metrics[metric]
            verb = "raises" if change["mean"] > 0 else "lowers"
            parts.append(
                f"{verb} {METRIC_LABELS[metric][0]} by {_amount(metric, abs(change['mean']))} {_interval(metric, change)}"
            )
        text = f"{code(design)} " + ("; ".join(parts) if parts else "shows no clear difference in the headline figures")
        if still and parts:
            text += f"; {', '.join(METRIC_LABELS[m][0] for m in still)} show no clear difference"
        cost, profit = metrics["cost_per_customer"], metrics["profit"]
        text += (
            f". It costs {_amount('cost_per_customer', cost['mean'])} {_interval('cost_per_customer', cost)} per customer"
            f" and changes profit per customer by {_amount('profit', profit['mean'])} {_interval('profit', profit)}."
        )
        paired = difference.get("paired")
        if paired:
            text += (
                f" Of the same customers, {paired['remember_better']:.0%} remember it better and "
                f"{paired['remember_worse']:.0%} worse."
            )
        sentences.append(text)
    sentences.append(_ranking_sentence(report.comparison, code))
    return sentences


def _ranking_sentence(comparison: dict, code: Callable[[str], str]) -> str:
    """Who leads on the objective, naming a best design only when it is clearly ahead of every other."""
    objective = comparison["objective"]
    label = METRIC_LABELS.get(objective, ("profit per customer",))[0]
    minimal = _amount(objective, comparison["minimal_differences"][objective]["value"]).lstrip("+")
    rule = f"a difference counts when its 95% interval excludes 0 and it is at least {minimal}"
    leaders = comparison["leaders"]
    if len(leaders) > 1:
        names = _names([code(name) for name in leaders])
        return f"By {label}, no design is clearly the best: {names} show no clear difference ({rule})."
    leader = leaders[0]
    level = [
        row["design"]
        for row in comparison["ranking"]
        if row["design"] != leader and leader not in row["clearly_behind"]
    ]
    if level:
        return (
            f"By {label}, {code(leader)} ranks first, but it is not clearly ahead of "
            f"{_names([code(name) for name in level])} ({rule})."
        )
    return f"By {label}, the best design is {code(leader)}: it is clearly ahead of every other design ({rule})."


def _names(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _summary_rows(journey: Journey) -> list[tuple[str, str]]:
    touchpoints = journey.all_touchpoints()
    return [
        ("stages", ", ".join(s.name + (" (goal)" if s.goal else "") for s in journey.stages)),
        ("touchpoints", str(len(touchpoints))),
        (
            "segments",
            ", ".join(f"{s.name} {s.share}" if s.share else s.name for s in journey.segments)
            or "one, with the journey's settings",
        ),
        ("care programmes", ", ".join(c.name for c in journey.care) or "none"),
        ("designs", ", ".join([BASELINE, *(v.name for v in journey.variants)])),
        ("design tests", str(len(journey.design_tests))),
    ]


def reproduce_command(report: Report, output: str) -> str:
    """The command line that makes the report again, with the same numbers, every word shell-quoted.

    It names the journey file (:attr:`Report.file`, else the journey's own
    file) and how it was read (:attr:`Report.reading`), every design, the
    output, and every setting that decides a number:
    ``--customers`` or ``--horizon`` (in the journey's time unit), ``--warmup``,
    ``--replications`` and ``--seed``, and each ``--min-difference`` the
    comparison was given (it decides the verdicts).  Each word goes through
    :func:`~journeydsl.lang.escape.shell`, so ``shlex.split`` gives the words
    back and a name such as ``$(touch pwned)`` is never run.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } variant "$(id)" { } }')
    >>> report = Report(j, ["baseline", "$(id)"], {}, None, None, settings={"customers": 500, "seed": 7},
    ...                 file="my journeys/j.journey", reading=("--allow-large",))
    >>> print(reproduce_command(report, "r.html"))
    journey report 'my journeys/j.journey' --allow-large --design baseline --design '$(id)' -o r.html --customers 500 --seed 7
    """
    settings = report.settings
    unit = report.journey.time_unit or DEFAULT_TIME_UNIT
    words = ["journey", "report", _path_word(report.file or report.journey.span.file), *report.reading]
    for name in report.designs:
        words += ["--design", name]
    words += ["-o", _path_word(output)]
    if settings.get("customers") is not None:
        words += ["--customers", str(settings["customers"])]
    if settings.get("horizon") is not None:
        words += ["--horizon", f"{_number(settings['horizon'])} {unit}"]
    if settings.get("warmup"):
        words += ["--warmup", f"{_number(settings['warmup'])} {unit}"]
    if settings.get("replications", 1) != 1:
        words += ["--replications", str(settings["replications"])]
    words += ["--seed", str(settings["seed"])]
    chosen = report.comparison["minimal_differences"] if report.comparison is not None else {}
    for metric, minimal in chosen.items():
        if minimal["given"]:
            words += ["--min-difference", f"{metric}={_number(minimal['value'])}"]
    return " ".join(shell(word) for word in words)


def _path_word(path: str) -> str:
    """A path as a command-line word that cannot be read as an option."""
    return f"./{path}" if path.startswith("-") else path


def _number(value: float) -> str:
    """A number as the command line reads it back exactly: digits and a point, no exponent."""
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


# ---- HTML ----------------------------------------------------------------------------

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1.5rem; color: #1d1d1d; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem; }
.muted { color: #666; } figure { margin: 1.2rem 0; } figure img, .graph svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; } table { border-collapse: collapse; margin: 0.8rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.7rem; text-align: left; vertical-align: top; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.82rem; }
.passed { color: #00704a; font-weight: bold; } .failed { color: #b34700; font-weight: bold; }
.inconclusive { color: #8a6d00; font-weight: bold; }
"""

# Marks the page once every image has been decoded (used by the browser test; harmless elsewhere).
_SCRIPT = """
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const shown = images.filter((image) => image.complete && image.naturalWidth > 0).length;
  document.body.dataset.images = `${shown}/${images.length}`;
});
"""


def _figure_html(report: Report, key: str) -> str:
    if key not in report.figures:
        return ""
    data = base64.b64encode(report.figures[key]).decode("ascii")
    caption = html_text(report.captions.get(key, ""))
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{caption}"><figcaption>{caption}</figcaption></figure>\n'
    )


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    journey = report.journey
    e = html_text
    out = [
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{e(journey.name)}: journey report</title>\n'
        f"<style>{_CSS}</style>\n<script>{_SCRIPT}</script>\n</head>\n<body>\n",
        f'<h1>{e(journey.name)}</h1>\n<p class="muted">Journey report by journeydsl {e(__version__)}; '
        f"{len(report.designs)} design(s), seed {report.settings['seed']}.</p>\n",
    ]
    lines = _html_conclusions(report)
    if lines:
        out.append("<h2>Conclusions</h2>\n<ul>\n" + "".join(f"<li>{line}</li>\n" for line in lines) + "</ul>\n")
    out.append(
        "<h2>The journey</h2>\n<table>\n"
        + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>\n" for k, v in _summary_rows(journey))
        + "</table>\n"
    )
    if report.graph_svg:
        out.append(f'<div class="graph">{report.graph_svg}</div>\n')
    else:
        out.append(
            f"<p>Graphviz was not available; the journey as a Mermaid diagram:</p>\n<pre>{e(to_mermaid(journey))}</pre>\n"
        )
    first = report.designs[0]
    out.append(f"<h2>The baseline: {e(first)}</h2>\n")
    out.append(f"<pre>{e(results_table(report.results[first]))}</pre>\n")
    for key in ("curve", "funnel", "distribution"):
        out.append(_figure_html(report, key))
    if report.comparison is not None:
        out.append("<h2>Comparison of the designs</h2>\n")
        out.append(f"<pre>{e(comparison_table(report.comparison))}</pre>\n")
        for key in ("curves", "forest", "segments"):
            out.append(_figure_html(report, key))
    if report.tests is not None:
        out.append(
            "<h2>Design tests</h2>\n<table>\n<tr><th>test</th><th>line</th><th>verdict</th><th>measured (95% interval)</th></tr>\n"
        )
        for test in report.tests["tests"]:
            measured = test["measured"]
            interval = measured.get("ci95")
            value = f"{measured['mean']:.4g}" + (f" [{interval[0]:.4g}, {interval[1]:.4g}]" if interval else "")
            out.append(
                f"<tr><td><code>{e(test['text'])}</code></td><td>{e(str(test['line']))}</td>"
                f'<td class="{e(test["verdict"])}">{e(test["verdict"])}</td><td>{e(value)}</td></tr>\n'
            )
        out.append("</table>\n")
    if report.gaps is not None and report.gaps["groups"]:
        out.append(
            "<h2>Gap analysis</h2>\n" + f"<pre>{e(gaps_table(report.gaps))}</pre>\n" + _figure_html(report, "gaps")
        )
    for title, document, table, figure in _analyses(report):
        out.append(
            f"<h2>{e(title)}</h2>\n<pre>{e(table(document))}</pre>\n" + (_figure_html(report, figure) if figure else "")
        )
    out.append(
        "<h2>Reproduce</h2>\n<p>Same file, same command, same numbers:</p>\n"
        f"<pre>{e(reproduce_command(report, report.output or 'report.html'))}</pre>\n"
        f'<p class="muted">journeydsl {e(__version__)}</p>\n</body>\n</html>\n'
    )
    return "".join(out)


def _analyses(report: Report) -> list[tuple[str, Document, Callable[[Document], str], str | None]]:
    """The analysis sections a report has: title, document, table renderer, figure key."""
    sections = [
        ("Where to invest", report.opportunities, opportunities_table, "opportunities"),
        ("Themes and modules delivered", report.profile, profile_table, "profile"),
        ("The delivery gap", report.delivery, delivery_table, "delivery"),
        ("Care programmes", report.care, care_table, "care"),
        ("Service recovery", report.recovery, _recovery_section, "recovery"),
        ("Flow analysis", report.analysis, analysis_table, "removal"),
    ]
    return [(title, document, table, key) for title, document, table, key in sections if document is not None]


def _recovery_section(document: Document) -> str:
    """The recovery table, or the one line saying why there is nothing to compare when no customer met a failure."""
    from . import plots

    return plots.recovery_note(document) or recovery_table(document)


def _html_conclusions(report: Report) -> list[str]:
    """The conclusions as HTML: every character escaped, each design's name in <code>.

    The names stand in the sentences as numbered markers (NUL, index, NUL; the
    package's words hold no NUL), so the whole sentence is escaped and then
    each marker replaced by its escaped name.
    """
    names: list[str] = []

    def marker(name: str) -> str:
        names.append(name)
        return f"\0{len(names) - 1}\0"

    lines = []
    for sentence in conclusions(report, marker):
        parts = html_text(sentence).split("\0")
        lines.append("".join(f"<code>{html_text(names[int(p)])}</code>" if i % 2 else p for i, p in enumerate(parts)))
    return lines


# ---- Markdown ------------------------------------------------------------------------


def render_markdown(report: Report, image_folder: str) -> tuple[str, dict[str, bytes]]:
    """The report as Markdown, and the images to write into ``image_folder`` (relative to the report)."""
    journey = report.journey
    images: dict[str, bytes] = {}
    first = report.designs[0]

    def figure(key: str) -> str:
        if key not in report.figures:
            return ""
        name = f"{key}.png"
        images[name] = report.figures[key]
        caption = _markdown_caption(report.captions.get(key, ""), first)
        alt = caption if key in report.captions else key
        return f"![{alt}]({quote(f'{image_folder}/{name}')})\n\n*{caption}*\n\n"

    def block(title: str, text: str) -> str:
        return f"## {title}\n\n{markdown_fence(text, 'text')}\n"

    output = report.output or (
        f"{image_folder[: -len('_files')]}.md" if image_folder.endswith("_files") else "report.md"
    )
    out = [
        f"# {markdown_text(journey.name)}\n\nJourney report by journeydsl {markdown_text(__version__)}; "
        f"{len(report.designs)} design(s), seed {report.settings['seed']}.\n\n"
    ]
    lines = conclusions(report, markdown_code)
    if lines:
        out.append("## Conclusions\n\n" + "".join(f"- {line}\n" for line in lines) + "\n")
    out.append(
        "## The journey\n\n| | |\n|---|---|\n"
        + "".join(f"| {k} | {markdown_text(v)} |\n" for k, v in _summary_rows(journey))
        + "\n"
    )
    out.append(markdown_fence(to_mermaid(journey), "mermaid") + "\n")
    out.append(block(f"The baseline: {markdown_text(first)}", results_table(report.results[first])))
    for key in ("curve", "funnel", "distribution"):
        out.append(figure(key))
    if report.comparison is not None:
        out.append(block("Comparison of the designs", comparison_table(report.comparison)))
        for key in ("curves", "forest", "segments"):
            out.append(figure(key))
    if report.tests is not None:
        out.append(block("Design tests", tests_table(report.tests)))
    if report.gaps is not None and report.gaps["groups"]:
        out.append(block("Gap analysis", gaps_table(report.gaps)) + figure("gaps"))
    for title, document, table, figure_key in _analyses(report):
        out.append(block(title, table(document)) + (figure(figure_key) if figure_key else ""))
    out.append(f"## Reproduce\n\n{markdown_fence(reproduce_command(report, output), 'bash')}")
    return "".join(out), images


def _markdown_caption(caption: str, design: str) -> str:
    """A caption as Markdown text: the design's name (written as `name`) a code span, the rest escaped."""
    return markdown_code(design).join(markdown_text(part) for part in caption.split(f"`{design}`"))
