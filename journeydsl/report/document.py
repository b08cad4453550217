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
from typing import TYPE_CHECKING, Any
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
    Sheet,
    Table,
    analysis_sheet,
    care_sheet,
    comparison_sheet,
    delivery_sheet,
    gaps_sheet,
    opportunities_sheet,
    plural,
    profile_sheet,
    recovery_sheet,
    results_sheet,
    tests_sheet,
)

__all__ = [
    "FIGURE_SECTIONS",
    "Drawing",
    "FigureSection",
    "Report",
    "build_report",
    "render_html",
    "render_markdown",
    "reproduce_command",
]

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
    #: The ``journeydsl.validation/1`` document when the report was asked to validate against a log.
    validation: dict | None = None
    #: The event log validated against, as the command was given it (for the Reproduce line).
    validate_log: str | None = None
    settings: Document = field(default_factory=dict)
    file: str | None = None
    output: str | None = None
    reading: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drawing:
    """What a figure section may draw from.

    The baseline's name and journey, every design's results, the comparison
    (``None`` for one design), the baseline's collectors (per-customer
    records), the ways through the baseline's journey
    (:class:`~journeydsl.report.paths.JourneyPaths`, so curves fork where
    paths part), the baseline's opportunities document, and each design's
    ways (``design_paths``).
    """

    baseline: str
    journey: Journey
    results: dict[str, dict]
    comparison: dict | None
    collectors: Any
    paths: Any = None
    opportunities: dict | None = None
    design_paths: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> dict:
        """The baseline's results."""
        return self.results[self.baseline]


@dataclass(frozen=True)
class FigureSection:
    """A figure the report leads with: its key, heading and caption, and how it is drawn.

    ``draw`` returns the figure, or ``None`` when there is nothing to show (the
    section is then left out).  ``caption`` may name the baseline as
    ``{baseline}``.  ``key`` names the figure in :attr:`Report.figures` and
    its image file beside a Markdown report (``key.png``).
    """

    key: str
    title: str
    caption: str
    draw: Callable[[Drawing], Figure | SubFigure | None]


def _plots() -> Any:
    from . import plots  # matplotlib is imported only when a report is drawn

    return plots


def _comparing(draw: Callable[[Any, dict], Any]) -> Callable[[Drawing], Figure | SubFigure | None]:
    """A drawing that needs the comparison: ``draw(plots, comparison)``; nothing for a single design."""
    return lambda d: None if d.comparison is None else draw(_plots(), d.comparison)


#: The figures a report leads with, in the order shown, after the summary and before the details.
#: To add a figure to the report, add one FigureSection here: the report draws it, shows it under
#: its heading in HTML and writes its image beside a Markdown report.
FIGURE_SECTIONS: tuple[FigureSection, ...] = (
    FigureSection(
        "map",
        "Journey map",
        "The journey map of {baseline}: stages as columns, a lane per segment coloured by the mean felt effect "
        "with the share reaching each touchpoint, the segments' curves beneath, and the biggest pains (P) and "
        "opportunities (O) from the what-if runs.",
        lambda d: _plots().figure("map", d.first, d.collectors, paths=d.paths, opportunities=d.opportunities),
    ),
    FigureSection(
        "curve",
        "Emotion curve",
        "Emotion curve of {baseline}: mean momentary affect along the journey, forking where paths part.",
        lambda d: _plots().figure("curve", d.first, d.collectors, paths=d.paths),
    ),
    FigureSection(
        "funnel",
        "Funnel",
        "Drop-off by stage in {baseline}.",
        lambda d: _plots().figure("funnel", d.first, d.collectors),
    ),
    FigureSection(
        "curves",
        "Emotion curves of the designs",
        "Emotion curves of every design, aligned by touchpoint; each joins only touchpoints its customers meet "
        "one after the other.",
        lambda d: None if d.comparison is None else _plots().emotion_curves(d.results, paths=d.design_paths).figure,
    ),
    FigureSection(
        "forest",
        "What each design changes",
        "What each design changes against the baseline, with 95% intervals.",
        _comparing(lambda plots, comparison: plots.forest(comparison)[0].figure),
    ),
    FigureSection(
        "segments",
        "Satisfaction by segment",
        "Satisfaction by segment and design.",
        lambda d: (
            None
            if d.comparison is None or len(d.first["segments"]) < 2
            else _plots().segment_heatmap(d.comparison, "satisfaction").figure
        ),
    ),
    FigureSection(
        "distribution",
        "How customers remember it",
        "How customers remember the journey, and how likely they are to recommend it.",
        lambda d: _plots().figure("distribution", d.first, d.collectors),
    ),
    FigureSection(
        "series",
        "Over time",
        "Adoption (or customers so far), new customers, NPS and customers waiting per period, every design "
        "overlaid; the warm-up, when there is one, is shaded.",
        lambda d: _series_figure(d.results),
    ),
)


def _series_figure(results: dict[str, dict]) -> Figure:
    from .series_plot import time_series_figure  # matplotlib is imported only when a report is drawn

    return time_series_figure(results)


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
    validation: Document | None = None,
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
    from .paths import journey_paths

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
    # With a precision, as settled: the tests and analyses run as many replications, the Reproduce line says so.
    settings = outcomes[0].settings
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
    # The figures may flag what the opportunities show (a journey map does), so those come first.
    report.opportunities = opportunities(baseline, settings, runner, progress=phases.next())
    ways = {outcome.design: journey_paths(outcome.plan, outcome.journey) for outcome in outcomes}
    drawing = Drawing(
        baseline_name,
        baseline,
        results,
        comparison,
        first_outcome.collectors,
        ways[baseline_name],
        report.opportunities,
        ways,
    )
    for section in FIGURE_SECTIONS:
        drawn = section.draw(drawing)
        if drawn is not None:
            report.figures[section.key] = _png(drawn)
            report.captions[section.key] = section.caption.format(baseline=f"`{baseline_name}`")
    report.graph_svg = _graph_svg(baseline)
    report.analysis = analyze(baseline)
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
    if validation is not None:
        from .validation import validation_figure

        report.validation = validation
        report.figures["validation"] = _png(validation_figure(validation))
        report.captions["validation"] = (
            "Reach in the log and in the simulation, and quantile-quantile plots of the durations "
            "(on the diagonal where they agree)."
        )
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
            verb = "shows" if len(still) == 1 else "show"
            text += f"; {_names([METRIC_LABELS[m][0] for m in still])} {verb} no clear difference"
        cost, profit = metrics["cost_per_customer"], metrics["profit"]
        text += (
            f". It changes cost per customer by {_amount('cost_per_customer', cost['mean'])} "
            f"{_interval('cost_per_customer', cost)} and profit per customer by {_amount('profit', profit['mean'])} "
            f"{_interval('profit', profit)}."
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


def _ranking_sentence(comparison: dict, code: Callable[[str], str], rule: bool = True) -> str:
    """Who leads on the objective, naming a best design only when it is clearly ahead of every other.

    With ``rule`` the sentence ends with when a difference counts, in brackets.
    """
    objective = comparison["objective"]
    label = METRIC_LABELS.get(objective, ("profit per customer",))[0]
    minimal = _amount(objective, comparison["minimal_differences"][objective]["value"]).lstrip("+")
    counts = f" (a difference counts when its 95% interval excludes 0 and it is at least {minimal})" if rule else ""
    leaders = comparison["leaders"]
    if len(leaders) > 1:
        names = _names([code(name) for name in leaders])
        return f"By {label}, no design is clearly the best: {names} show no clear difference{counts}."
    leader = leaders[0]
    level = [
        row["design"]
        for row in comparison["ranking"]
        if row["design"] != leader and leader not in row["clearly_behind"]
    ]
    if level:
        return (
            f"By {label}, {code(leader)} ranks first, but it is not clearly ahead of "
            f"{_names([code(name) for name in level])}{counts}."
        )
    return f"By {label}, the best design is {code(leader)}: it is clearly ahead of every other design{counts}."


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
    file, else, for a journey read from text, the file to save it as) and how it was read (:attr:`Report.reading`), every design, the
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
    source = report.file or report.journey.span.file
    if report.file is None and source.startswith("<"):  # read from text, not from a file
        source = _unsaved_name(report.journey)
    words = ["journey", "report", _path_word(source), *report.reading]
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
    if report.validate_log is not None:
        words += ["--validate", _path_word(report.validate_log)]
    return " ".join(shell(word) for word in words)


def _path_word(path: str) -> str:
    """A path as a command-line word that cannot be read as an option."""
    return f"./{path}" if path.startswith("-") else path


def _number(value: float) -> str:
    """A number as the command line reads it back exactly: digits and a point, no exponent."""
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


# ---- the summary -------------------------------------------------------------------

#: The key figures the summary shows as large numbers: metric, how its value is written, its unit.
KEY_FIGURES = (
    ("conversion_rate", "conversion", "percent"),
    ("satisfaction", "satisfaction", "out of 10"),
    ("nps", "NPS", "points"),
    ("remembered_experience", "remembered experience", "signed"),
    ("return_rate", "come back", "percent"),
    ("cost_per_customer", "cost per customer", "number"),
)


@dataclass(frozen=True)
class KeyFigure:
    """One key figure of the summary: the baseline's value, and each other design's change and verdict."""

    label: str
    value: str
    unit: str
    moves: tuple[tuple[str, str, str], ...]  # (design, change as written, verdict)


def key_figures(report: Report) -> list[KeyFigure]:
    """The summary's key figures: the baseline's value of each, and what each design changes.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> j = loads('journey "J" { stage a goal { touchpoint t: staff { feel +1 } } }')
    >>> metrics = {name: {"mean": 0.5, "ci95": [0.4, 0.6]} for name, _, _ in KEY_FIGURES}
    >>> report = Report(j, ["baseline"], {"baseline": {"metrics": metrics}}, None, None)
    >>> [(f.label, f.value, f.unit) for f in key_figures(report)][:3]
    [('conversion', '50.0', '%'), ('satisfaction', '0.50', '/ 10'), ('NPS', '+0.5', '')]
    """
    first = report.results[report.designs[0]]["metrics"]
    differences = report.comparison["differences"] if report.comparison is not None else {}
    figures = []
    for metric, label, kind in KEY_FIGURES:
        mean = first[metric]["mean"]
        if kind == "percent":
            value, unit = f"{mean * 100:.1f}", "%"
        elif kind == "out of 10":
            value, unit = f"{mean:.2f}", "/ 10"
        elif kind == "points":
            value, unit = f"{mean:+.1f}", ""
        elif kind == "signed":
            value, unit = f"{mean:+.2f}", ""
        else:
            value, unit = (f"{mean:,.0f}" if abs(mean) >= 1000 else f"{mean:.2f}"), ""
        moves = []
        for design, difference in differences.items():
            change = difference["metrics"][metric]
            if kind == "percent":
                written = f"{change['mean'] * 100:+.1f} pt"
            elif kind == "points":
                written = f"{change['mean']:+.1f}"
            else:
                written = f"{change['mean']:+.2f}"
            moves.append((design, written, change["verdict"]))
        figures.append(KeyFigure(label, value, unit, tuple(moves)))
    return figures


def _headline(report: Report, code: Callable[[str], str]) -> str:
    """The summary's first sentence: which design leads and how sure that is, or what the one design does."""
    if report.comparison is not None:
        return _decision(report.comparison, code)
    results = report.results[report.designs[0]]
    metrics = results["metrics"]
    return (
        f"Of {results['customers']:,} simulated customers of {code(report.designs[0])}, "
        f"{metrics['conversion_rate']['mean']:.0%} reach the goal; they rate it "
        f"{metrics['satisfaction']['mean']:.1f} out of 10 (NPS {metrics['nps']['mean']:+.0f}) and "
        f"{metrics['return_rate']['mean']:.0%} would come back."
    )


def _decision(comparison: dict, code: Callable[[str], str]) -> str:
    """The comparison's decision in one sentence: who leads on the objective, by how much over the baseline,
    and how sure that is (a design is said to be ahead only when it clearly is)."""
    baseline, objective = comparison["baseline"], comparison["objective"]
    label = METRIC_LABELS.get(objective, ("profit per customer",))[0]
    leaders = comparison["leaders"]
    behind = next(row["clearly_behind"] for row in comparison["ranking"] if row["design"] == baseline)
    if baseline in leaders or not set(leaders) <= set(behind):
        return _ranking_sentence(comparison, code, rule=False)
    changes = [
        f"{_amount(objective, change['mean'])} {_interval(objective, change)}"
        for name in leaders
        for change in [comparison["differences"][name]["metrics"][objective]]
    ]
    if len(leaders) > 1:
        return (
            f"By {label}, {_names([code(name) for name in leaders])} are each clearly better than {code(baseline)} "
            f"(by {_names(changes)}), with no clear difference between them."
        )
    leader = leaders[0]
    level = [
        row["design"]
        for row in comparison["ranking"]
        if row["design"] != leader and leader not in row["clearly_behind"]
    ]
    if level:
        return (
            f"By {label}, {code(leader)} ranks first and is clearly better than {code(baseline)} (by {changes[0]}), "
            f"but it is not clearly ahead of {_names([code(name) for name in level])}."
        )
    return (
        f"By {label}, the best design is {code(leader)}: it is clearly ahead of every other design, and of "
        f"{code(baseline)} by {changes[0]}."
    )


def _gists(report: Report) -> dict[str, str]:
    """One line for each detail section, shown beside its heading while it is collapsed."""
    first = report.results[report.designs[0]]
    gists = {
        "journey": f"{len(report.journey.stages)} stages, {len(report.journey.all_touchpoints())} touchpoints, "
        f"{plural(max(1, len(report.journey.segments)), 'segment')}",
        "baseline": "metrics with 95% intervals, stages, touchpoints and segments",
        "comparison": "every metric of every design against the baseline, and the ranking",
        "tests": "",
        "gaps": "",
        "opportunities": "",
        "profile": "exposure per customer, per design and segment",
        "delivery": "",
        "care": "",
        "analysis": "",
    }
    gists["baseline"] = f"{first['customers']:,} customers; " + gists["baseline"]
    if report.tests is not None:
        gists["tests"] = (
            f"{report.tests['passed']} passed, {report.tests['failed']} failed, "
            f"{report.tests['inconclusive']} inconclusive"
        )
    if report.gaps is not None and report.gaps["groups"]:
        key = report.gaps["key_experience"].get(next(iter(report.gaps["groups"])))
        gists["gaps"] = f"key experience: {key}" if key else "no factor falls short of its expectation"
    if report.opportunities is not None and report.opportunities["touchpoints"]:
        gists["opportunities"] = f"first: {report.opportunities['touchpoints'][0]['touchpoint']}"
    if report.delivery is not None:
        gists["delivery"] = (
            f"mean effect per contact: intended {report.delivery['intended_mean_effect']:+.2f}, "
            f"felt {report.delivery['felt_mean_effect']:+.2f}"
        )
    if report.care is not None:
        gists["care"] = (
            f"{plural(len(report.care['programmes']), 'programme')}, each against the same customers without it"
        )
    if report.recovery is not None:
        met = sum(group["customers"] for name, group in report.recovery["groups"].items() if name != "no failure")
        gists["recovery"] = f"{met:,} of {report.recovery['customers']:,} customers met a failure"
    if report.analysis is not None:
        gists["analysis"] = f"conversion {report.analysis['conversion']:.1%}, worked out without simulation"
    return gists


# ---- HTML ----------------------------------------------------------------------------


def _figure_html(report: Report, key: str) -> str:
    """A figure, embedded, with its caption (the baseline's name, written `name`, in <code>)."""
    if key not in report.figures:
        return ""
    data = base64.b64encode(report.figures[key]).decode("ascii")
    caption = report.captions.get(key, "")
    design = report.designs[0]
    alt = html_text(caption.replace(f"`{design}`", design))
    shown = f"<code>{html_text(design)}</code>".join(html_text(part) for part in caption.split(f"`{design}`"))
    return f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"><figcaption>{shown}</figcaption></figure>\n'


def _details_html(title: str, gist: str, body: str, opened: bool = False) -> str:
    """A collapsed section: its heading and one line of gist always shown, the body on a click (and in print)."""
    gist_html = f'<span class="gist">{html_text(gist)}</span>' if gist else ""
    return (
        f"<details{' open' if opened else ''}><summary><h2>{html_text(title)}</h2>{gist_html}</summary>\n"
        f'<div class="body">\n{body}</div></details>\n'
    )


def _key_figures_html(report: Report, names: Callable[[str], str]) -> str:
    cards = []
    for figure in key_figures(report):
        unit = f'<span class="unit">{html_text(figure.unit)}</span>' if figure.unit else ""
        moves = "".join(
            f"<div>{names(design)}: "
            f'<span class="{"better" if verdict == "better" else "worse" if verdict == "worse" else "same"}">'
            f"{html_text(written)}, {html_text(verdict)}</span></div>"
            for design, written, verdict in figure.moves
        )
        cards.append(
            f'<div class="figure-card"><div class="label">{html_text(figure.label)}'
            + (f", {names(report.designs[0])}" if figure.moves else "")
            + "</div>"
            f'<div class="value">{html_text(figure.value)}{unit}</div>'
            + (f'<div class="moves">{moves}</div>' if moves else "")
            + "</div>\n"
        )
    return '<div class="figures">\n' + "".join(cards) + "</div>\n"


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page: the summary and figures first, the details collapsed below."""
    from ..highlight import highlight_css, highlight_html
    from ..lang.writer import write_journey
    from .html import CSS, SCRIPT, sheet_html, table_html

    journey = report.journey
    e = html_text
    first = report.designs[0]
    customers = report.results[first].get("customers")
    out = [
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(journey.name)}: journey report</title>\n"
        f"<style>{CSS}{highlight_css()}</style>\n<script>{SCRIPT}</script>\n</head>\n<body>\n",
        f'<h1>{e(journey.name)}</h1>\n<p class="muted">Journey report by journeydsl {e(__version__)}: '
        f"{plural(len(report.designs), 'design')}"
        + (f", {customers:,} customers{' each' * (len(report.designs) > 1)}" if isinstance(customers, int) else "")
        + f", seed {report.settings['seed']}.</p>\n",
    ]
    # The summary: the decision in one sentence, the key figures as large numbers, a sentence per design.
    lead = _html_sentences(report, lambda code: [_headline(report, code)])[0]
    out.append(f'<section class="summary">\n<h2>Conclusions</h2>\n<p class="lead">{lead}</p>\n')
    out.append(_key_figures_html(report, e))
    if report.comparison is not None:
        lines = _html_sentences(report, lambda code: conclusions(report, code)[:-1])
        out.append('<ul class="conclusions">\n' + "".join(f"<li>{line}</li>\n" for line in lines) + "</ul>\n")
        out.append(f'<p class="muted">{e(_rule(report.comparison))}.</p>\n')
    out.append("</section>\n")
    # The figures, each under its heading (FIGURE_SECTIONS).
    shown = [section for section in FIGURE_SECTIONS if section.key in report.figures]
    for index, section in enumerate(shown):
        css = ' class="major"' if index == 0 else ""
        out.append(f"<section{css}>\n<h2>{e(section.title)}</h2>\n{_figure_html(report, section.key)}</section>\n")
    # The details, collapsed: each one line while closed, all of it in print.
    gists = _gists(report)
    out.append('<section class="major details">\n<h2 class="details">Details</h2>\n')
    facts = Table(("", ""), tuple(_summary_rows(journey)), (False, False))
    graph = (
        f'<div class="graph">{report.graph_svg}</div>\n'
        if report.graph_svg
        else f"<p>Graphviz was not available; the journey as a Mermaid diagram:</p>\n<pre>{e(to_mermaid(journey))}</pre>\n"
    )
    written = (
        "<h3>In the journey language</h3>\n<p>As <code>journey fmt</code> lays it out (comments are in the file).</p>\n"
        + highlight_html(write_journey(journey))
    )
    out.append(_details_html("The journey", gists["journey"], _facts_html(facts) + graph + written))
    out.append(
        _details_html(f"The baseline: {first}", gists["baseline"], sheet_html(results_sheet(report.results[first])))
    )
    if report.comparison is not None:
        out.append(
            _details_html(
                "Comparison of the designs", gists["comparison"], sheet_html(comparison_sheet(report.comparison))
            )
        )
    if report.tests is not None:
        failed = report.tests["failed"] > 0
        out.append(_details_html("Design tests", gists["tests"], _tests_html(report.tests, table_html), opened=failed))
    for key, title, document, sheet, figure in _detail_sections(report):
        if document is None:
            continue
        note = _nothing_to_show(key, document)
        if note is not None:
            out.append(f'<section class="note"><h2>{e(title)}</h2>\n<p>{e(note)}</p></section>\n')
            continue
        body = sheet_html(sheet(document)) + (_figure_html(report, figure) if figure else "")
        out.append(_details_html(title, gists.get(key, ""), body))
    if report.validation is not None:
        from .validation import validation_table

        body = f"<pre>{e(validation_table(report.validation))}</pre>\n" + _figure_html(report, "validation")
        out.append(_details_html("Validation against the log", _validation_gist(report.validation), body))
    out.append("</section>\n")
    out.append(
        '<section class="major reproduce">\n'
        f"<h2>Reproduce</h2>\n<p>{e(_reproduce_words(report))}</p>\n"
        f"<pre>{e(reproduce_command(report, report.output or 'report.html'))}</pre>\n</section>\n"
        f'<p class="muted">journeydsl {e(__version__)}</p>\n</body>\n</html>\n'
    )
    return "".join(out)


def _validation_gist(document: Document) -> str:
    """One line of what the validation found: each test's verdict."""
    return "; ".join(f"{name}: {test['verdict']}" for name, test in document["tests"].items())


def _facts_html(table: Table) -> str:
    """The journey's facts: a two-column table, names in the first."""
    rows = "".join(f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>\n" for k, v in table.rows)
    return f'<table class="facts">\n<tbody>\n{rows}</tbody>\n</table>\n'


def _tests_html(document: Document, table_html: Callable[[Table], str]) -> str:
    """The design tests: the sheet's table with each verdict coloured."""
    sheet = tests_sheet(document)
    out = []
    for part in sheet:
        if isinstance(part, Table):
            html = table_html(part)
            for verdict in ("passed", "failed", "inconclusive"):
                html = html.replace(f"<td>{verdict}</td>", f'<td class="{verdict}">{verdict}</td>')
            out.append(html)
        else:
            out.append(f"<p>{html_text(part)}</p>\n")
    return "".join(out)


def _detail_sections(
    report: Report,
) -> list[tuple[str, str, Document | None, Callable[[Document], Sheet], str | None]]:
    """The analysis sections of the details: key, title, document, sheet, figure key."""
    gaps = report.gaps if report.gaps is not None and report.gaps["groups"] else None
    return [
        ("gaps", "Gap analysis", gaps, gaps_sheet, "gaps"),
        ("opportunities", "Where to invest", report.opportunities, opportunities_sheet, "opportunities"),
        ("profile", "Themes and modules delivered", report.profile, profile_sheet, "profile"),
        ("delivery", "The delivery gap", report.delivery, delivery_sheet, "delivery"),
        ("care", "Care programmes", report.care, care_sheet, "care"),
        ("recovery", "Service recovery", report.recovery, recovery_sheet, "recovery"),
        ("analysis", "Flow analysis", report.analysis, analysis_sheet, "removal"),
    ]


def _nothing_to_show(key: str, document: Document) -> str | None:
    """The one sentence a section is when it has nothing to show (no customer met a failure), else ``None``."""
    if key == "recovery":
        from .plots import recovery_note

        return recovery_note(document)
    return None


def _rule(comparison: dict) -> str:
    """When the report calls a difference better or worse, in words."""
    objective = comparison["objective"]
    minimal = _amount(objective, comparison["minimal_differences"][objective]["value"]).lstrip("+")
    label = METRIC_LABELS.get(objective, ("profit per customer",))[0]
    return (
        f"Better or worse: the 95% interval of the change excludes 0 and the change reaches the minimal "
        f"important difference (for {label}, {minimal})"
    )


def _reproduce_words(report: Report) -> str:
    """The sentence before the Reproduce command: what it needs to give the same numbers."""
    if report.file is None and report.journey.span.file.startswith("<"):
        return (
            "This journey was not read from a file: save it as "
            f"{_unsaved_name(report.journey)} and run this command for the same numbers:"
        )
    return "Same file, same command, same numbers:"


def _unsaved_name(journey: Journey) -> str:
    """The file name the Reproduce line gives a journey that was not read from a file."""
    stem = re.sub(r"[^a-z0-9]+", "_", journey.name.lower()).strip("_") or "journey"
    return f"{stem}.journey"


def _html_sentences(report: Report, sentences: Callable[[Callable[[str], str]], list[str]]) -> list[str]:
    """Sentences as HTML: every character escaped, each design's name in <code>.

    The names stand in the sentences as numbered markers (NUL, index, NUL; the
    package's words hold no NUL), so the whole sentence is escaped and then
    each marker replaced by its escaped name.
    """
    names: list[str] = []

    def marker(name: str) -> str:
        names.append(name)
        return f"\0{len(names) - 1}\0"

    lines = []
    for sentence in sentences(marker):
        parts = html_text(sentence).split("\0")
        lines.append("".join(f"<code>{html_text(names[int(p)])}</code>" if i % 2 else p for i, p in enumerate(parts)))
    return lines


# ---- Markdown ------------------------------------------------------------------------


def render_markdown(report: Report, image_folder: str) -> tuple[str, dict[str, bytes]]:
    """The report as Markdown, and the images to write into ``image_folder`` (relative to the report).

    The conclusions, key figures and figures come first; the details follow as
    Markdown tables (the baseline's results as the terminal prints them).
    """
    from .html import sheet_markdown, table_markdown

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

    output = report.output or (
        f"{image_folder[: -len('_files')]}.md" if image_folder.endswith("_files") else "report.md"
    )
    customers = report.results[first].get("customers")
    out = [
        f"# {markdown_text(journey.name)}\n\nJourney report by journeydsl {markdown_text(__version__)}: "
        f"{plural(len(report.designs), 'design')}"
        + (f", {customers:,} customers{' each' * (len(report.designs) > 1)}" if isinstance(customers, int) else "")
        + f", seed {report.settings['seed']}.\n\n"
    ]
    out.append(f"## Conclusions\n\n{_headline(report, markdown_code)}\n\n")
    figures = key_figures(report)
    headers = ["", first, *(design for design, _, _ in figures[0].moves)] if figures else [""]
    rows = tuple(
        (
            f"{f.label}" + (f" ({f.unit})" if f.unit else ""),
            f.value,
            *(f"{written} ({verdict})" for _, written, verdict in f.moves),
        )
        for f in figures
    )
    out.append(table_markdown(Table(tuple(headers), rows, (False, *(True for _ in headers[1:])))) + "\n")
    if report.comparison is not None:
        out.append("".join(f"- {line}\n" for line in conclusions(report, markdown_code)[:-1]) + "\n")
        out.append(f"{markdown_text(_rule(report.comparison))}.\n\n")
    for section in FIGURE_SECTIONS:
        out.append(figure(section.key))
    out.append(
        "## The journey\n\n| | |\n|---|---|\n"
        + "".join(f"| {k} | {markdown_text(v)} |\n" for k, v in _summary_rows(journey))
        + "\n"
    )
    out.append(markdown_fence(to_mermaid(journey), "mermaid") + "\n")
    out.append(f"## The baseline: {markdown_text(first)}\n\n{sheet_markdown(results_sheet(report.results[first]))}")
    if report.comparison is not None:
        out.append("## Comparison of the designs\n\n" + sheet_markdown(comparison_sheet(report.comparison)))
    if report.tests is not None:
        out.append("## Design tests\n\n" + sheet_markdown(tests_sheet(report.tests)))
    for key, title, document, sheet, figure_key in _detail_sections(report):
        if document is None:
            continue
        note = _nothing_to_show(key, document)
        body = markdown_text(note) + "\n\n" if note is not None else sheet_markdown(sheet(document))
        out.append(f"## {title}\n\n" + body + (figure(figure_key) if figure_key and note is None else ""))
    if report.validation is not None:
        from .validation import validation_table

        out.append(
            "## Validation against the log\n\n"
            + markdown_fence(validation_table(report.validation), "text")
            + "\n"
            + figure("validation")
        )
    out.append(f"## Reproduce\n\n{markdown_fence(reproduce_command(report, output), 'bash')}")
    return "".join(out), images


def _markdown_caption(caption: str, design: str) -> str:
    """A caption as Markdown text: the design's name (written as `name`) a code span, the rest escaped."""
    return markdown_code(design).join(markdown_text(part) for part in caption.split(f"`{design}`"))
