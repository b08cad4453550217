"""Results documents as text: aligned terminal tables and flat CSV rows.

Tables are for a terminal: every name goes through
:func:`~journeydsl.lang.escape.terminal` (control characters shown escaped,
never printed raw) and columns are aligned by display width
(:func:`~journeydsl.lang.escape.display_width`), so tables with Chinese or
Japanese names line up.  Every CSV cell goes through
:func:`~journeydsl.lang.escape.csv_cell`: no name starts a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..lang.escape import csv_cell, display_width, terminal

__all__ = [
    "METRIC_LABELS",
    "format_table",
    "results_table",
    "results_csv",
    "comparison_table",
    "comparison_csv",
    "tests_table",
    "analysis_table",
    "gaps_table",
    "opportunities_table",
    "profile_table",
    "delivery_table",
    "care_table",
    "recovery_table",
    "Table",
    "Sheet",
    "results_sheet",
    "comparison_sheet",
    "tests_sheet",
    "gaps_sheet",
    "opportunities_sheet",
    "profile_sheet",
    "delivery_sheet",
    "care_sheet",
    "recovery_sheet",
    "analysis_sheet",
    "plural",
]

#: How each metric is named and shown to people.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "conversion_rate": ("conversion", "percent"),
    "remembered_experience": ("remembered experience", "signed"),
    "satisfaction": ("satisfaction (0-10)", "number"),
    "nps": ("NPS", "signed"),
    "promoters": ("promoters", "percent"),
    "passives": ("passives", "percent"),
    "detractors": ("detractors", "percent"),
    "return_rate": ("return probability", "percent"),
    "referrals_per_customer": ("referrals per customer", "number"),
    "time_in_journey": ("time in journey", "number"),
    "cost_per_customer": ("cost per customer", "number"),
    "revenue_per_customer": ("revenue per customer", "number"),
}


def _value(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "signed":
        return f"{value:+.2f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _readable_unit(value: float, unit: str) -> tuple[str, float]:
    """The unit to show a time in (minutes, hours or days) and the factor from the journey's unit."""
    from ..lang.units import unit_seconds

    seconds = unit_seconds(unit)
    for name in ("days", "hours", "minutes"):
        factor = seconds / unit_seconds(name)
        if abs(value) * factor >= 2 or name == "minutes":
            return name, factor
    return unit, 1.0


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], style: Callable[[str], str] | None = None
) -> str:
    """Columns aligned: the first left, the rest right; ``style(text)`` decorates the header.

    Every cell is shown through :func:`~journeydsl.lang.escape.terminal` and
    measured by its display width: a Chinese character takes two columns.

    Examples
    --------
    >>> print(format_table(["stage", "entered"], [["网点顾问", "1,000"], ["sign", "12"]]))
    stage     entered
    --------  -------
    网点顾问    1,000
    sign           12
    """
    table = [[terminal(str(cell)) for cell in row] for row in [headers, *rows]]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [cells[0] + " " * (widths[0] - display_width(cells[0]))] + [
            " " * (width - display_width(cell)) + cell for cell, width in zip(cells[1:], widths[1:], strict=True)
        ]
        return "  ".join(parts).rstrip()

    head = line(table[0])
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([style(head) if style else head, rule, *(line(r) for r in table[1:])])


def _title(text: str, style: Callable[[str], str] | None) -> str:
    """A table's title for the terminal: escaped, then styled."""
    shown = terminal(text)
    return style(shown) if style else shown


def _csv_row(writer: Any, cells: Iterable[object]) -> None:
    """One CSV row, every cell through :func:`~journeydsl.lang.escape.csv_cell`."""
    writer.writerow([csv_cell(cell) for cell in cells])


def results_table(results: dict, style=None) -> str:
    """The results document as the tables ``journey simulate`` prints."""
    unit = results.get("time_unit", "")
    title = f"{results['journey']} - design {results['design']}"
    referred = results["word_of_mouth"]["referrals"]
    lines = [
        _title(title, style),
        f"{results['customers']:,} customers"
        + (f" ({referred:,} referred by word of mouth)" if referred else "")
        + f", {plural(results['replications'], 'replication')}, seed {results['seed']}"
        + (
            f", {results['in_progress']:,} still in their first journey at the horizon"
            if results.get("in_progress")
            else ""
        ),
        "",
    ]
    rows = []
    for name, (label, kind) in METRIC_LABELS.items():
        metric = results["metrics"][name]
        mean, (lo, hi) = metric["mean"], metric["ci95"]
        if name == "time_in_journey":
            shown, factor = _readable_unit(mean, unit)
            label = f"{label} ({shown})"
            mean, lo, hi = mean * factor, lo * factor, hi * factor
        rows.append([label, _value(mean, kind), f"[{_value(lo, kind)}, {_value(hi, kind)}]"])
    lines += [format_table(["metric", "mean", "95% interval"], rows, style), ""]
    stage_rows = [
        [name, f"{s['entered']:,}", f"{s['dropped']:,}", _value(s["drop_rate"], "percent")]
        for name, s in results["stages"].items()
    ]
    lines += [format_table(["stage", "entered", "dropped", "drop rate"], stage_rows, style), ""]
    tp_rows = [
        [
            name,
            f"{t['visits']:,}",
            _value(t["mean_affect"], "signed"),
            _value(t["peak_share"], "percent"),
            _value(t["end_share"], "percent"),
            _value(t["wait_mean"], "number") if t["utilisation"] is not None else "-",
            _value(t["utilisation"], "percent"),
            f"{t['reneged']:,}",
            f"{t['failures']:,}",
        ]
        for name, t in results["touchpoints"].items()
    ]
    lines += [
        format_table(
            ["touchpoint", "visits", "affect", "peak", "end", f"wait ({unit})", "utilisation", "gave up", "failures"],
            tp_rows,
            style,
        ),
        "",
    ]
    seg_rows = []
    for name, s in results["segments"].items():
        m = s["metrics"]
        seg_rows.append(
            [
                name,
                f"{s['customers']:,}",
                _value(m["conversion_rate"]["mean"], "percent"),
                _value(m["satisfaction"]["mean"], "number"),
                _value(m["nps"]["mean"], "signed"),
                _value(m["return_rate"]["mean"], "percent"),
            ]
        )
    lines.append(format_table(["segment", "customers", "conversion", "satisfaction", "NPS", "return"], seg_rows, style))
    lines += _episode_lines(results, style)
    wom = results["word_of_mouth"]
    ratio = wom["positive_to_negative"]
    lines += [
        "",
        f"word of mouth: {wom['positive']:,} positive and {wom['negative']:,} negative stories"
        + (f" ({ratio:.1f} : 1)" if ratio else "")
        + f", {wom['referrals']:,} referred customers, {wom['repeat_purchases']:,} repeat purchases",
        *_operations_lines(results),
    ]
    return "\n".join(lines) + "\n"


def _operations_lines(results: dict) -> list[str]:
    """Staff cost, customers sent away at closing and care contacts over budget, where a run had any."""
    lines = []
    touchpoints = results["touchpoints"]
    costs = results.get("costs") or {}
    staffed = [
        f"{name}: {tp['staff']['servers']} x {_value(tp['staff']['cost_per_hour'], 'number')} per hour"
        f" x {tp['staff']['hours']:,.0f} hours"
        for name, tp in touchpoints.items()
        if tp.get("staff")
    ]
    if staffed:
        lines.append(
            f"cost per customer: contacts {_value(costs['contact_per_customer'], 'number')}"
            f" + staff {_value(costs['staff_per_customer'], 'number')} ({'; '.join(staffed)})"
        )
    for field, what in (
        ("turned_away", "sent away at closing"),
        ("over_budget", "care contacts not made for the budget"),
    ):
        counted = [f"{name} {tp[field]:,}" for name, tp in touchpoints.items() if tp.get(field)]
        if counted:
            lines.append(f"{what}: {', '.join(counted)}")
    return lines


def _episode_lines(results: dict, style=None) -> list[str]:
    """The remembered episodes' table (nothing when the journey declares none)."""
    episodes = results.get("episodes")
    if not episodes:
        return []
    rows = [
        [
            name + (" (decides return)" if e["decides_return"] else ""),
            ", ".join(e["stages"]),
            f"{e['customers']:,}",
            _metric_cell(e["remembered_experience"], "signed") if e["remembered_experience"] else "-",
            _metric_cell(e["satisfaction"], "number") if e["satisfaction"] else "-",
        ]
        for name, e in episodes.items()
    ]
    header = ["episode", "stages", "customers", "remembered [95%]", "satisfaction [95%]"]
    return ["", format_table(header, rows, style)]


def results_csv(results: dict) -> str:
    """The results as flat CSV: one row per (section, name, field) with mean and interval."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    _csv_row(writer, ["section", "name", "field", "value", "ci95_low", "ci95_high"])
    for name, metric in results["metrics"].items():
        _csv_row(writer, ["metrics", "", name, metric["mean"], *metric["ci95"]])
    for section in ("stages", "touchpoints"):
        for name, fields in results[section].items():
            for key, value in fields.items():
                if isinstance(value, dict):  # a touchpoint's staffing: one row per figure
                    for part, figure in value.items():
                        _csv_row(writer, [section, name, f"{key}.{part}", figure, "", ""])
                else:
                    _csv_row(writer, [section, name, key, "" if value is None else value, "", ""])
    for name, segment in results["segments"].items():
        _csv_row(writer, ["segments", name, "customers", segment["customers"], "", ""])
        for key, metric in segment["metrics"].items():
            _csv_row(writer, ["segments", name, key, metric["mean"], *metric["ci95"]])
    for section in ("themes", "modules"):
        for name, value in results[section].items():
            _csv_row(writer, [section, name, "exposure", value, "", ""])
    for name, episode in results.get("episodes", {}).items():
        _csv_row(writer, ["episodes", name, "customers", episode["customers"], "", ""])
        for key in ("remembered_experience", "satisfaction"):
            if episode[key]:
                _csv_row(writer, ["episodes", name, key, episode[key]["mean"], *episode[key]["ci95"]])
    for key, value in results["word_of_mouth"].items():
        _csv_row(writer, ["word_of_mouth", "", key, "" if value is None else value, "", ""])
    for key, value in results.get("costs", {}).items():
        _csv_row(writer, ["costs", "", key, value, "", ""])
    return buffer.getvalue()


def _metric_cell(metric: dict, kind: str, factor: float = 1.0) -> str:
    mean, (lo, hi) = metric["mean"] * factor, metric["ci95"]
    return f"{_value(mean, kind)} [{_value(lo * factor, kind)}, {_value(hi * factor, kind)}]"


def _change_cell(change: dict, kind: str, factor: float = 1.0) -> str:
    shown = "signed" if kind in ("signed", "number") else kind
    mean, (lo, hi) = change["mean"] * factor, change["ci95"]
    text = f"{_signed(mean, shown)} [{_signed(lo * factor, shown)}, {_signed(hi * factor, shown)}]"
    return text + (" *" if change["excludes_zero"] else "")


def _signed(value: float, kind: str) -> str:
    """A change with its sign; one that rounds to nothing is ``+0.00``, never ``-0.00``."""
    if kind == "percent":
        return _no_negative_zero(f"{value * 100:+.1f}") + " pt"
    return _no_negative_zero(f"{value:+.2f}") if abs(value) < 1000 else f"{value:+,.0f}"


def _no_negative_zero(text: str) -> str:
    """``-0.00`` as ``+0.00``: a figure that rounds to nothing has no direction to show."""
    return "+" + text[1:] if text.startswith("-") and not text.strip("-0.") else text


def _episode_rows(document: dict, design: str, difference: dict) -> list[list[str]]:
    """The comparison's rows for remembered episodes: each episode's memory and satisfaction, and their change."""
    rows = []
    results = document["results"]
    for episode, changes in (difference.get("episodes") or {}).items():
        if changes is None:
            continue
        for metric, change in changes.items():
            label, kind = METRIC_LABELS[metric]
            before = results[document["baseline"]].get("episodes", {}).get(episode, {}).get(metric)
            after = results[design].get("episodes", {}).get(episode, {}).get(metric)
            minimal = document["minimal_differences"][metric]["value"]
            rows.append(
                [
                    f"episode {episode}: {label}",
                    "-" if before is None else _metric_cell(before, kind, 1.0),
                    "-" if after is None else _metric_cell(after, kind, 1.0),
                    _change_cell(change, kind),
                    _verdict_cell(change, minimal, kind, 1.0),
                ]
            )
    return rows


def comparison_table(document: dict, style=None) -> str:
    """The comparison document as the tables ``journey compare`` prints."""
    baseline = document["baseline"]
    results = document["results"]
    unit = document.get("time_unit", "")
    title = f"{document['journey']}: {len(document['designs'])} designs compared with `{baseline}`"
    crn = "common random numbers" if document["common_random_numbers"] else "independent random numbers"
    lines = [
        _title(title, style),
        f"{plural(document['replications'], 'replication')} per design, seed {document['seed']}, {crn}; "
        f"differences paired by {document['paired_by']}; * = the 95% interval excludes 0",
        "better or worse: the interval excludes 0 and the change reaches the minimal important difference "
        "(docs/designs.md; --min-difference)",
        "",
    ]
    labels = {**{name: label for name, (label, _) in METRIC_LABELS.items()}, "profit": "profit per customer"}
    kinds = {**{name: kind for name, (_, kind) in METRIC_LABELS.items()}, "profit": "number"}
    for design, difference in document["differences"].items():
        rows = []
        for name in [*METRIC_LABELS, "profit"]:
            label, kind, factor = labels[name], kinds[name], 1.0
            if name == "time_in_journey":
                shown, factor = _readable_unit(results[baseline]["metrics"][name]["mean"], unit)
                label = f"{label} ({shown})"
            if name == "profit":
                cells = [_value(_profit(results[baseline]), "number"), _value(_profit(results[design]), "number")]
            else:
                cells = [
                    _metric_cell(results[baseline]["metrics"][name], kind, factor),
                    _metric_cell(results[design]["metrics"][name], kind, factor),
                ]
            change = difference["metrics"][name]
            minimal = document["minimal_differences"][name]["value"]
            rows.append(
                [label, *cells, _change_cell(change, kind, factor), _verdict_cell(change, minimal, kind, factor)]
            )
        rows += _episode_rows(document, design, difference)
        lines += [format_table(["metric", baseline, design, "change", "verdict"], rows, style), ""]
        paired = difference.get("paired")
        if paired:
            lines += [
                f"the same {paired['customers']:,} customers: {paired['remember_better']:.0%} remember `{terminal(design)}` better, "
                f"{paired['remember_worse']:.0%} worse; {paired['return_only_with_design']:.1%} would come back only with it, "
                f"{paired['return_only_with_baseline']:.1%} only with `{terminal(baseline)}`",
                "",
            ]
        moved = sorted(
            (
                (name, t)
                for name, t in difference["touchpoints"].items()
                if t["peak_share"]["change"] or t["end_share"]["change"]
            ),
            key=lambda item: -(abs(item[1]["peak_share"]["change"] or 0) + abs(item[1]["end_share"]["change"] or 0)),
        )[:6]
        if moved:
            tp_rows = [
                [
                    name,
                    _share(t["peak_share"]["baseline"]),
                    _share(t["peak_share"]["design"]),
                    _share(t["end_share"]["baseline"]),
                    _share(t["end_share"]["design"]),
                ]
                for name, t in moved
            ]
            lines += [
                format_table(["touchpoint", "peak before", "peak after", "end before", "end after"], tp_rows, style),
                "",
            ]
    objective = document["objective"]
    ranks = [row["rank"] for row in document["ranking"]]
    rank_rows = [
        [
            f"{row['rank']}{'=' if ranks.count(row['rank']) > 1 else '.'} {row['design']}",
            _value(row["objective"], kinds.get(objective, "number")),
            _value(row["cost_per_customer"], "number"),
            _value(row["profit_per_customer"], "number"),
        ]
        for row in document["ranking"]
    ]
    lines.append(
        format_table(
            [f"ranking by {labels.get(objective, objective)}", "value", "cost per customer", "profit per customer"],
            rank_rows,
            style,
        )
    )
    if len(set(ranks)) < len(ranks):
        minimal = document["minimal_differences"][objective]["value"]
        lines.append(
            f"= shares the rank: no clear difference in {labels.get(objective, objective)} "
            f"(a rank is one more than the designs clearly better; minimal difference "
            f"{_signed(minimal, kinds.get(objective, 'number')).lstrip('+')})"
        )
    return "\n".join(lines) + "\n"


def _verdict_cell(change: dict, minimal: float, kind: str, factor: float = 1.0) -> str:
    """A change's verdict; a change beyond chance yet below the minimal important difference says so."""
    if change["excludes_zero"] and change["verdict"] == "no clear difference":
        shown = "signed" if kind in ("signed", "number") else kind
        return f"no clear difference (below {_signed(minimal * factor, shown).lstrip('+')})"
    return change["verdict"]


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _profit(results: dict) -> float:
    metrics = results["metrics"]
    return metrics["revenue_per_customer"]["mean"] - metrics["cost_per_customer"]["mean"]


def comparison_csv(document: dict) -> str:
    """The comparison as flat CSV: one row per design and metric, with the change from the baseline."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    _csv_row(
        writer,
        [
            "design",
            "metric",
            "mean",
            "ci95_low",
            "ci95_high",
            "change",
            "change_low",
            "change_high",
            "excludes_zero",
            "verdict",
            "minimal_difference",
        ],
    )
    baseline = document["baseline"]
    for design in document["designs"]:
        metrics = document["results"][design]["metrics"]
        changes = document["differences"].get(design, {}).get("metrics", {})
        for name in [*METRIC_LABELS, "profit"]:
            if name == "profit":
                mean, low, high = _profit(document["results"][design]), "", ""
            else:
                mean, (low, high) = metrics[name]["mean"], metrics[name]["ci95"]
            change = changes.get(name)
            _csv_row(
                writer,
                [
                    design,
                    name,
                    mean,
                    low,
                    high,
                    *(
                        (change["mean"], *change["ci95"], change["excludes_zero"], change["verdict"])
                        if design != baseline and change
                        else ("", "", "", "", "")
                    ),
                    document["minimal_differences"][name]["value"],
                ],
            )
    return buffer.getvalue()


def tests_table(document: dict, style=None) -> str:
    """The design-test document as ``journey test`` prints it."""
    title = f"{document['journey']}: {len(document['tests'])} design tests"
    lines = [
        _title(title, style),
        f"{document['customers']:,} customers, {plural(document['replications'], 'replication')}, seed {document['seed']}",
        "",
    ]
    rows = []
    for test in document["tests"]:
        measured = test["measured"]
        interval = measured.get("ci95")
        value = f"{measured['mean']:.4g}" + (f" [{interval[0]:.4g}, {interval[1]:.4g}]" if interval else "")
        if test["kind"] in ("beats", "matches"):
            value = _duel_cell(test)
        rows.append([test["text"] or test["metric"], f"line {test['line']}", test["verdict"].upper(), value])
    lines.append(format_table(["test", "where", "verdict", "measured (95% interval)"], rows, style))
    hints = {test["hint"] for test in document["tests"] if test.get("hint")}
    lines += ["", f"{document['passed']} passed, {document['failed']} failed, {document['inconclusive']} inconclusive"]
    lines += [f"hint: {terminal(hint)}" for hint in sorted(hints)]
    return "\n".join(lines) + "\n"


def _duel_cell(test: dict) -> str:
    """What a test comparing two designs measured: the difference, its interval, the rival and the margin.

    A ``matches`` test shows the 90% interval its two one-sided tests judge; the others the 95% interval.
    """
    measured, margin = test["measured"], test.get("margin")
    low, high = measured["ci90"] if test["kind"] == "matches" else measured["ci95"]
    level = "90% " if test["kind"] == "matches" else ""
    cell = f"{measured['mean']:+.4g} {level}[{low:+.4g}, {high:+.4g}] vs {test['rival']}"
    if margin is None:
        return cell
    if test["kind"] == "matches":
        return f"{cell}, within ±{margin:.4g}"
    # Where less is better the difference must be at most minus the margin.
    return f"{cell}, {'at most' if test['operator'] == '<=' else 'at least'} {test['threshold']:+.4g}"


def analysis_table(document: dict, style=None) -> str:
    """The exact flow analysis as ``journey analyze`` prints it: all customers, then each segment."""
    title = f"{document['journey']}: exact flow analysis (absorbing Markov chain per segment, no simulation)"
    lines = [_title(title, style)]
    if document["approximations"]:
        lines.append("approximate:")
        lines += [terminal(f"  - {reason}") for reason in document["approximations"]]
    unit = document.get("time_unit", "")
    shown, factor = _readable_unit(document["expected_time_to_goal_or_drop_off"], unit)
    low, high = document.get("conversion_range", (document["conversion"], document["conversion"]))
    lines += ["", f"conversion (reaching a goal stage)      {document['conversion']:.1%}"]
    if high - low > 5e-7:
        lines.append(f"  whatever mood and satisfaction do     {low:.1%} to {high:.1%}")
    lines += [
        f"expected touchpoints per journey        {document['expected_touchpoints']:.2f}",
        f"expected time to the goal or drop-off   {document['expected_time_to_goal_or_drop_off'] * factor:.2f} {shown}",
    ]
    if document.get("stopped_by_visit_limits", 0) > 0:
        lines.append(f"stopped by a visit limit                {document['stopped_by_visit_limits']:.2%}")
    lines.append("")
    segments = document.get("segments", {})
    if len(segments) > 1:
        segment_rows = [
            [
                name,
                _value(figures["share"], "percent"),
                _value(figures["conversion"], "percent"),
                _range(figures["conversion_range"]),
                f"{figures['expected_touchpoints']:.2f}",
                f"{figures['expected_time_to_goal_or_drop_off'] * factor:.2f}",
            ]
            for name, figures in segments.items()
        ]
        headers = ["segment", "share", "conversion", "range", "expected touchpoints", f"expected time ({shown})"]
        lines += [format_table(headers, segment_rows, style), ""]
    stage_rows = [
        [
            name,
            "goal" if s["goal"] else "",
            _value(s["reach_goal"], "percent"),
            f"{s['expected_visits']:.3f}",
            _value(s["removal_effect"], "percent"),
        ]
        for name, s in document["stages"].items()
    ]
    lines += [
        format_table(["stage", "", "P(goal) from here", "expected visits", "removal effect"], stage_rows, style),
        "",
    ]
    by_segment = list(segments) if len(segments) > 1 else []
    tp_rows = [
        [
            name,
            f"{t['expected_visits']:.3f}",
            *(f"{segments[segment]['touchpoints'][name]['expected_visits']:.3f}" for segment in by_segment),
            _value(t["removal_effect"], "percent"),
        ]
        for name, t in sorted(document["touchpoints"].items(), key=lambda item: -item[1]["removal_effect"])
    ]
    headers = ["touchpoint", "expected visits", *(f"visits by {segment}" for segment in by_segment), "removal effect"]
    lines.append(format_table(headers, tp_rows, style))
    lines += [
        "",
        "removal effect: the share of conversions lost if customers who meet it dropped off there (Anderl et al. 2016)",
    ]
    if by_segment:
        lines.append("visits by a segment: expected visits per customer of that segment")
    return "\n".join(lines) + "\n"


def _range(bounds: Sequence[float]) -> str:
    """A conversion range, or a dash when it is a single figure."""
    low, high = bounds
    return "-" if high - low <= 5e-7 else f"{low:.1%} to {high:.1%}"


def gaps_table(document: dict, style=None) -> str:
    """The seven-step gap analysis as ``journey gaps`` prints it: one table per segment."""
    source = document["source"]
    title = f"{document['journey']}: gap analysis from the {source}" + (
        f" ({', '.join(document['surveys'])})" if document.get("surveys") else ""
    )
    lines = [_title(title, style), ""]

    def cell(value):
        return "-" if value is None else f"{value:+.2f}" if isinstance(value, float) and value < 0 else f"{value:.2f}"

    for group, rows in document["groups"].items():
        table = [
            [
                str(row["rank"]),
                row["factor"],
                cell(row["experience"]),
                cell(row["expectation"]),
                cell(row["satisfaction"]),
                cell(row["importance"]),
                cell(row["weighted_satisfaction"]),
                cell(row["ideal"]),
                cell(row["experience_gap"]),
            ]
            for row in rows
        ]
        lines.append(f"{terminal(group)}:")
        lines.append(
            format_table(
                [
                    "rank",
                    "factor",
                    "experience",
                    "expectation",
                    "satisfaction",
                    "importance",
                    "weighted",
                    "ideal",
                    "gap to ideal",
                ],
                table,
                style,
            )
        )
        key = document["key_experience"].get(group)
        lines += [f"key experience: {terminal(key)}" if key else "no factor falls short of its expectation", ""]
    lines.append(
        "satisfaction = experience - expectation; weighted = importance x satisfaction; gap to ideal = experience - ideal"
    )
    if source == "survey":
        fallback = sorted(
            {
                k
                for rows in document["groups"].values()
                for r in rows
                for k, v in r["sources"].items()
                if v == "factor declaration"
            }
        )
        if fallback:
            lines.append(
                terminal(
                    f"figures the survey leaves out ({', '.join(fallback)}) come from the journey's factor declarations"
                )
            )
    return "\n".join(lines) + "\n"


def opportunities_table(document: dict, style=None) -> str:
    """Where to invest, as ``journey opportunities`` prints it."""
    objective = document["objective"]
    label = METRIC_LABELS.get(objective, (objective.replace("_", " "), "number"))[0]
    kind = METRIC_LABELS.get(objective, ("", "number"))[1]
    title = f"{document['journey']}: where to invest, by {label}"
    lines = [
        _title(title, style),
        f"{document['customers']:,} customers, {plural(document['replications'], 'replication')}, seed {document['seed']}; "
        "each what-if meets the same customers; * = the 95% interval excludes 0",
        "",
    ]

    def change(block):
        if block is None:
            return "-"
        shown = "signed" if kind in ("signed", "number") else kind
        mean, (low, high) = block["mean"], block["ci95"]
        return f"{_signed(mean, shown)} [{_signed(low, shown)}, {_signed(high, shown)}]" + (
            " *" if block["excludes_zero"] else ""
        )

    rows = [
        [
            f"{row['rank']}. {row['touchpoint']}",
            _value(row["peak_share"], "percent"),
            _value(row["end_share"], "percent"),
            _value(row["cost_per_customer"], "number"),
            change(row["improve"]),
            change(row["remove"]),
            change(row["fix"]),
        ]
        for row in document["touchpoints"]
    ]
    lines.append(
        format_table(
            ["touchpoint", "peak", "end", "cost/customer", "improve by 1 point", "remove", "never fails"], rows, style
        )
    )
    lines += [
        "",
        "improve: the moment one point better (feel +1); remove: without the touchpoint; never fails: its failures gone",
    ]
    return "\n".join(lines) + "\n"


def profile_table(document: dict, style=None) -> str:
    """Theme and module exposure per customer, per design and segment."""
    title = f"{document['journey']}: experience themes and modules delivered (exposure per customer)"
    lines = [_title(title, style), ""]
    designs = document["designs"]
    first = next(iter(designs.values()))
    for group in first:
        names = list(first[group]["themes"]) + list(first[group]["modules"])
        rows = []
        for name in names:
            section = "themes" if name in first[group]["themes"] else "modules"
            rows.append(
                [
                    f"{'theme ' if section == 'themes' else ''}{name}",
                    *(f"{designs[d][group][section][name]:.2f}" if group in designs[d] else "-" for d in designs),
                ]
            )
        lines += [f"{terminal(group)}:", format_table(["", *designs], rows, style), ""]
    lines.append("exposure: the effect written at each touchpoint, times how often customers meet it, per customer")
    return "\n".join(lines) + "\n"


def delivery_table(document: dict, style=None) -> str:
    """The delivery gap: intended against each touchpoint's own effect, the mood carried in beside it,
    and who finds the experience superior."""
    title = f"{document['journey']}: the delivery gap ({document['design']})"
    segments = list(document["touchpoints"][0].get("own_by_segment", {})) if document["touchpoints"] else []
    shown = segments if len(segments) > 1 else []

    def own(value):
        return "-" if value is None else f"{value:+.2f}"

    rows = [
        [
            row["touchpoint"],
            f"{row['intended']:+.2f}",
            f"{row['own']:+.2f}",
            f"{row['gap']:+.2f}",
            f"{row['carried_in']:+.2f}",
            f"{row['felt']:+.2f}",
            *(own(row["own_by_segment"][s]) for s in shown),
        ]
        for row in document["touchpoints"]
    ]
    headers = ["touchpoint", "intended", "own", "gap", "carried in", "felt", *(f"own for {s}" for s in shown)]
    lines = [
        _title(title, style),
        "",
        format_table(headers, rows, style),
        "",
        f"mean effect per contact: intended {document['intended_mean_effect']:+.2f}, "
        f"own {document['own_mean_effect']:+.2f}, felt {document['felt_mean_effect']:+.2f}",
        "",
    ]
    sup = [
        [group, f"{v['superior_share']:.0%}", f"{v['satisfaction']:.2f}"] for group, v in document["superior"].items()
    ]
    lines.append(format_table(["customers", "rate it superior (9-10)", "satisfaction"], sup, style))
    lines += [
        "",
        "intended: module and theme effects plus performance against the journey's expectations, as written;",
        "own: what customers felt at the touchpoint itself (sensitivities, expectations, loss aversion, waits, failures);",
        "gap: own minus intended;",
        "carried in: the mood customers brought from their previous moment (affect.carry_over, fading with the time",
        "between the two moments, affect.half_life); felt = own + carried in, the mean momentary affect there",
    ]
    return "\n".join(lines) + "\n"


def care_table(document: dict, style=None) -> str:
    """What each care programme costs and brings, as ``journey care`` prints it."""
    title = f"{document['journey']}: care programmes, each against the same customers without it"
    lines = [
        _title(title, style),
        f"{document['customers']:,} customers, {plural(document['replications'], 'replication')}, seed {document['seed']}; * = the 95% interval excludes 0",
        "",
    ]

    def change(block, kind):
        shown = "signed" if kind in ("signed", "number") else kind
        return (
            f"{_signed(block['mean'], shown)} [{_signed(block['ci95'][0], shown)}, {_signed(block['ci95'][1], shown)}]"
            + (" *" if block["excludes_zero"] else "")
        )

    rows = []
    for name, programme in document["programmes"].items():
        effect = programme["effect"]
        roi = (
            "-"
            if programme["roi"] is None
            else f"{programme['roi']:+.2f} [{programme['roi_ci95'][0]:+.2f}, {programme['roi_ci95'][1]:+.2f}]"
        )
        rows.append(
            [
                name,
                change(effect["cost_per_customer"], "number"),
                change(effect["revenue_per_customer"], "number"),
                change(effect["referrals_per_customer"], "number"),
                change(effect["profit"], "number"),
                roi,
            ]
        )
    lines.append(
        format_table(
            [
                "programme",
                "cost per customer",
                "revenue per customer",
                "referrals per customer",
                "profit per customer",
                "ROI",
            ],
            rows,
            style,
        )
    )
    budgets = document.get("budgets") or {}
    if budgets:
        written = ", ".join(f"{who} {_value(b['amount'], 'number')} per {b['per']}" for who, b in budgets.items())
        skipped = ", ".join(
            f"{name} {p['over_budget']:,} of {p['contacts'] + p['over_budget']:,}"
            for name, p in document["programmes"].items()
            if p.get("over_budget")
        )
        lines += ["", f"care budgets: {written}; contacts not made for the budget: {skipped or 'none'}"]
    value_rows = [
        [segment, _value(v["with_care"], "number"), _value(v["without"], "number")]
        for segment, v in document["value_per_customer"].items()
    ]
    lines += [
        "",
        format_table(["segment", "value per customer", "without any care"], value_rows, style),
        "",
        "care works through repeat purchases and referrals after the first journey: revenue includes them;",
        "ROI = (revenue uplift - programme cost) / programme cost; value = revenue - cost per customer over the horizon",
    ]
    return "\n".join(lines) + "\n"


def _ranged(figure: dict | None, form: str) -> str:
    """``mean [low, high]`` in ``form``, or a dash for a group without customers."""
    if figure is None:
        return "-"
    low, high = figure["ci95"]
    return f"{form.format(figure['mean'])} [{form.format(low)}, {form.format(high)}]"


def recovery_table(document: dict, style=None) -> str:
    """Satisfaction and return by failure experience, as ``journey recovery`` prints it."""
    title = f"{document['journey']}: service recovery"
    rows = [
        [
            group,
            f"{g['customers']:,}",
            _ranged(g["satisfaction"], "{:.2f}"),
            _ranged(g["return_rate"], "{:.1%}"),
        ]
        for group, g in document["groups"].items()
    ]
    lines = [
        _title(title, style),
        "",
        format_table(["customers who met", "customers", "satisfaction", "return probability"], rows, style),
        "",
    ]
    paradox = document["paradox"]
    if paradox:
        lines.append(
            terminal(
                f"after a recovered failure, compared with no failure: satisfaction {paradox['satisfaction']}, "
                f"return probability {paradox['return_rate']}"
            )
        )
    else:
        lines.append("no customer met a recovered failure: nothing to compare")
    return "\n".join(lines) + "\n"


# ---- tables as data: for HTML and Markdown --------------------------------------------


@dataclass(frozen=True)
class Table:
    """A table as data, for a page rather than a terminal: one header row, rows of cells, a caption.

    Every cell is text as it is shown; numbers carry no unit (the unit is in the
    header, or in the row's name when rows differ in unit) and no brackets, so
    a table pasted into a spreadsheet gives numbers.  ``numeric`` says, per
    column, whether it holds numbers (shown right-aligned).  The cells are not
    escaped: each renderer escapes them for its format.
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    caption: str = ""


#: A section's content for a page: tables and plain-text paragraphs, in order.
Sheet = list["Table | str"]


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    caption: str = "",
    text: int = 1,
    words: Sequence[int] = (),
) -> Table:
    """A :class:`Table` whose first ``text`` columns, and those at ``words`` (negative from the end), are words."""
    count = len(headers)
    wordy = {i % count for i in words}
    return Table(
        tuple(headers),
        tuple(tuple(str(cell) for cell in row) for row in rows),
        tuple(i >= text and i not in wordy for i in range(count)),
        caption,
    )


def _cell(value: float | None, kind: str) -> str:
    """A number as a page's table shows it: percentages in percent without the sign, signs where they mean something."""
    if value is None:
        return "-"
    if kind == "percent":
        return f"{value * 100:.1f}"
    if kind == "signed":
        return _unsigned_zero(f"{value:+.2f}")
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"


def _change(value: float, kind: str) -> str:
    """A change as a page's table shows it: percentage points for percentages, always signed."""
    if kind == "percent":
        return _unsigned_zero(f"{value * 100:+.1f}")
    return f"{value:+,.0f}" if abs(value) >= 1000 else _unsigned_zero(f"{value:+.2f}")


def _unsigned_zero(text: str) -> str:
    """``-0.00`` and ``+0.00`` as ``0.00``: a figure that rounds to nothing has no direction."""
    return text[1:] if text[0] in "+-" and not text.strip("+-0.") else text


def _labelled(label: str, kind: str, unit: str = "") -> str:
    """A metric's name with its unit: ``conversion (%)``, ``time in journey (days)``."""
    if unit:
        return f"{label} ({unit})"
    return f"{label} (%)" if kind == "percent" else label


def results_sheet(results: dict) -> Sheet:
    """The results document as tables for a page: metrics, stages, touchpoints, segments, episodes."""
    unit = results.get("time_unit", "")
    metric_rows = []
    for name, (label, kind) in METRIC_LABELS.items():
        metric = results["metrics"][name]
        mean, (low, high), shown, factor = metric["mean"], metric["ci95"], "", 1.0
        if name == "time_in_journey":
            shown, factor = _readable_unit(mean, unit)
        metric_rows.append([_labelled(label, kind, shown), *(_cell(v * factor, kind) for v in (mean, low, high))])
    referred = results["word_of_mouth"]["referrals"]
    sheet: Sheet = [
        f"{results['customers']:,} customers"
        + (f" ({referred:,} referred by word of mouth)" if referred else "")
        + f", {plural(results['replications'], 'replication')}, seed {results['seed']}"
        + (
            f", {results['in_progress']:,} still in their first journey at the horizon"
            if results.get("in_progress")
            else ""
        )
        + ".",
        _table(["metric", "mean", "95% low", "95% high"], metric_rows, "Metrics"),
        _table(
            ["stage", "entered", "dropped", "drop rate (%)"],
            (
                [name, _cell(s["entered"], "count"), _cell(s["dropped"], "count"), _cell(s["drop_rate"], "percent")]
                for name, s in results["stages"].items()
            ),
            "Stages",
        ),
        _table(
            [
                "touchpoint",
                "visits",
                "mean affect",
                "peak (% of customers)",
                "end (% of customers)",
                f"wait ({unit})",
                "utilisation (%)",
                "gave up",
                "failures",
            ],
            (
                [
                    name,
                    _cell(t["visits"], "count"),
                    _cell(t["mean_affect"], "signed"),
                    _cell(t["peak_share"], "percent"),
                    _cell(t["end_share"], "percent"),
                    _cell(t["wait_mean"], "number") if t["utilisation"] is not None else "-",
                    _cell(t["utilisation"], "percent"),
                    _cell(t["reneged"], "count"),
                    _cell(t["failures"], "count"),
                ]
                for name, t in results["touchpoints"].items()
            ),
            "Touchpoints",
        ),
        _table(
            ["segment", "customers", "conversion (%)", "satisfaction (0-10)", "NPS", "return probability (%)"],
            (
                [
                    name,
                    _cell(s["customers"], "count"),
                    _cell(s["metrics"]["conversion_rate"]["mean"], "percent"),
                    _cell(s["metrics"]["satisfaction"]["mean"], "number"),
                    _cell(s["metrics"]["nps"]["mean"], "signed"),
                    _cell(s["metrics"]["return_rate"]["mean"], "percent"),
                ]
                for name, s in results["segments"].items()
            ),
            "Segments",
        ),
    ]
    episodes = results.get("episodes")
    if episodes:
        rows = []
        for name, e in episodes.items():
            figures = []
            for key, kind in (("remembered_experience", "signed"), ("satisfaction", "number")):
                block = e[key]
                figures += (
                    [_cell(block["mean"], kind), *(_cell(v, kind) for v in block["ci95"])] if block else ["-"] * 3
                )
            rows.append(
                [
                    name + (" (decides return)" if e["decides_return"] else ""),
                    ", ".join(e["stages"]),
                    _cell(e["customers"], "count"),
                    *figures,
                ]
            )
        headers = ["episode", "stages", "customers", "remembered", "95% low", "95% high"]
        sheet.append(_table([*headers, "satisfaction (0-10)", "95% low", "95% high"], rows, "Remembered episodes", 2))
    wom = results["word_of_mouth"]
    ratio = wom["positive_to_negative"]
    sheet.append(
        f"Word of mouth: {wom['positive']:,} positive and {wom['negative']:,} negative stories"
        + (f" ({ratio:.1f} : 1)" if ratio else "")
        + f", {wom['referrals']:,} referred customers, {wom['repeat_purchases']:,} repeat purchases."
    )
    sheet += [line[0].upper() + line[1:] + "." for line in _operations_lines(results)]
    return sheet


def comparison_sheet(document: dict) -> Sheet:
    """The comparison document as tables for a page: each design against the baseline, then the ranking."""
    baseline = document["baseline"]
    results = document["results"]
    unit = document.get("time_unit", "")
    labels = {**{name: label for name, (label, _) in METRIC_LABELS.items()}, "profit": "profit per customer"}
    kinds = {**{name: kind for name, (_, kind) in METRIC_LABELS.items()}, "profit": "number"}
    crn = "common random numbers" if document["common_random_numbers"] else "independent random numbers"
    sheet: Sheet = [
        f"{plural(document['replications'], 'replication')} per design, seed {document['seed']}, {crn}; differences "
        f"paired by {document['paired_by']}. Better or worse: the 95% interval of the change excludes 0 and the "
        "change reaches the minimal important difference (docs/designs.md; --min-difference). Changes of "
        "percentages are in percentage points."
    ]
    for design, difference in document["differences"].items():
        rows = []
        for name in [*METRIC_LABELS, "profit"]:
            kind, factor, shown = kinds[name], 1.0, ""
            if name == "time_in_journey":
                shown, factor = _readable_unit(results[baseline]["metrics"][name]["mean"], unit)
            if name == "profit":
                values = [_cell(_profit(results[baseline]), kind), _cell(_profit(results[design]), kind)]
            else:
                values = [_cell(results[d]["metrics"][name]["mean"] * factor, kind) for d in (baseline, design)]
            change = difference["metrics"][name]
            low, high = change["ci95"]
            minimal = document["minimal_differences"][name]["value"]
            rows.append(
                [
                    _labelled(labels[name], kind, shown),
                    *values,
                    *(_change(v * factor, kind) for v in (change["mean"], low, high)),
                    _verdict_cell(change, minimal, kind, factor).replace(" pt)", " percentage points)"),
                ]
            )
        for episode, changes in (difference.get("episodes") or {}).items():
            for metric, change in (changes or {}).items():
                label, kind = METRIC_LABELS[metric]
                figures = [results[d].get("episodes", {}).get(episode, {}).get(metric) for d in (baseline, design)]
                low, high = change["ci95"]
                rows.append(
                    [
                        _labelled(f"episode {episode}: {label}", kind),
                        *(_cell(None if f is None else f["mean"], kind) for f in figures),
                        *(_change(v, kind) for v in (change["mean"], low, high)),
                        _verdict_cell(change, document["minimal_differences"][metric]["value"], kind, 1.0),
                    ]
                )
        headers = ["metric", baseline, design, "change", "95% low", "95% high", "verdict"]
        sheet.append(_table(headers, rows, f"{design} against {baseline}", words=[-1]))
        paired = difference.get("paired")
        if paired:
            sheet.append(
                f"The same {paired['customers']:,} customers: {paired['remember_better']:.0%} remember {design} "
                f"better, {paired['remember_worse']:.0%} worse; {paired['return_only_with_design']:.1%} would come "
                f"back only with it, {paired['return_only_with_baseline']:.1%} only with {baseline}."
            )
    objective = document["objective"]
    ranks = [row["rank"] for row in document["ranking"]]
    shared = len(set(ranks)) < len(ranks)
    sheet.append(
        _table(
            [
                "rank",
                "design",
                _labelled(labels.get(objective, objective), kinds.get(objective, "number")),
                "cost per customer",
                "profit per customer",
            ],
            (
                [
                    f"{row['rank']}{'=' if ranks.count(row['rank']) > 1 else ''}",
                    row["design"],
                    _cell(row["objective"], kinds.get(objective, "number")),
                    _cell(row["cost_per_customer"], "number"),
                    _cell(row["profit_per_customer"], "number"),
                ]
                for row in document["ranking"]
            ),
            f"Ranking by {labels.get(objective, objective)}",
            text=2,
        )
    )
    if shared:
        sheet.append(
            f"= shares the rank: no clear difference in {labels.get(objective, objective)} (a rank is one more "
            "than the number of designs clearly better)."
        )
    return sheet


def tests_sheet(document: dict) -> Sheet:
    """The design tests as a table for a page: each test, its line, verdict and what was measured."""
    rows = []
    for test in document["tests"]:
        measured = test["measured"]
        interval = measured.get("ci95")
        value = f"{measured['mean']:.4g}" + (f" [{interval[0]:.4g}, {interval[1]:.4g}]" if interval else "")
        if test["kind"] in ("beats", "matches"):
            value = _duel_cell(test)
        rows.append([test["text"] or test["metric"], str(test["line"]), test["verdict"], value])
    sheet: Sheet = [
        f"{document['customers']:,} customers, {plural(document['replications'], 'replication')}, seed {document['seed']}: "
        f"{document['passed']} passed, {document['failed']} failed, {document['inconclusive']} inconclusive.",
        _table(["test", "line", "verdict", "measured (95% interval)"], rows, "Design tests", words=[2, 3]),
    ]
    sheet += [f"Hint: {hint}" for hint in sorted({test["hint"] for test in document["tests"] if test.get("hint")})]
    return sheet


def gaps_sheet(document: dict) -> Sheet:
    """The seven-step gap analysis as tables for a page: one per segment."""
    sheet: Sheet = [
        f"From the {document['source']}"
        + (f" ({', '.join(document['surveys'])})" if document.get("surveys") else "")
        + ". Satisfaction = experience - expectation; weighted = importance x satisfaction; "
        "gap to ideal = experience - ideal."
    ]

    def cell(value: object) -> str:
        return "-" if value is None else f"{value:.2f}"

    for group, rows in document["groups"].items():
        key = document["key_experience"].get(group)
        headers = ["rank", "factor", "experience", "expectation", "satisfaction", "importance", "weighted", "ideal"]
        table = _table(
            [*headers, "gap to ideal"],
            (
                [
                    str(row["rank"]),
                    row["factor"],
                    *(
                        cell(row[k])
                        for k in (
                            "experience",
                            "expectation",
                            "satisfaction",
                            "importance",
                            "weighted_satisfaction",
                            "ideal",
                            "experience_gap",
                        )
                    ),
                ]
                for row in rows
            ),
            f"{group}: " + (f"the key experience is {key}" if key else "no factor falls short of its expectation"),
            text=0,
            words=[1],
        )
        sheet.append(table)
    return sheet


def opportunities_sheet(document: dict) -> Sheet:
    """Where to invest as a table for a page: each touchpoint's worth improved, removed and never failing."""
    objective = document["objective"]
    label, kind = METRIC_LABELS.get(objective, (objective.replace("_", " "), "number"))
    points = " (percentage points)" if kind == "percent" else ""
    rows = []
    for row in document["touchpoints"]:
        cells = [str(row["rank"]), row["touchpoint"]]
        cells += [_cell(row["peak_share"], "percent"), _cell(row["end_share"], "percent")]
        cells.append(_cell(row["cost_per_customer"], "number"))
        for block in (row["improve"], row["remove"], row["fix"]):
            cells += ["-"] * 3 if block is None else [_change(v, kind) for v in (block["mean"], *block["ci95"])]
        rows.append(cells)
    headers = ["rank", "touchpoint", "peak (%)", "end (%)", "cost per customer"]
    for what in ("improve by 1 point", "remove", "never fails"):
        headers += [f"{what}{points}", "95% low", "95% high"]
    table = _table(headers, rows, f"Change in {label} for each what-if", text=0, words=[1])
    return [
        f"{document['customers']:,} customers, {plural(document['replications'], 'replication')}, seed {document['seed']}; "
        "each what-if meets the same customers. Improve: the moment one point better (feel +1); remove: without "
        "the touchpoint; never fails: its failures gone.",
        table,
    ]


def profile_sheet(document: dict) -> Sheet:
    """Theme and module exposure per customer as tables for a page: one per segment, a column per design."""
    designs = document["designs"]
    first = next(iter(designs.values()))
    sheet: Sheet = ["Exposure: the effect written at each touchpoint, times how often customers meet it, per customer."]
    for group in first:
        rows = []
        for section in ("themes", "modules"):
            for name in first[group][section]:
                rows.append(
                    [
                        f"{'theme ' if section == 'themes' else ''}{name}",
                        *(
                            _cell(designs[d][group][section][name], "number") if group in designs[d] else "-"
                            for d in designs
                        ),
                    ]
                )
        sheet.append(_table(["theme or module", *designs], rows, str(group)))
    return sheet


def delivery_sheet(document: dict) -> Sheet:
    """The delivery gap as tables for a page: intended, own, carried in and felt at each touchpoint."""
    segments = list(document["touchpoints"][0].get("own_by_segment", {})) if document["touchpoints"] else []
    shown = segments if len(segments) > 1 else []
    rows = [
        [
            row["touchpoint"],
            *(_cell(row[key], "signed") for key in ("intended", "own", "gap", "carried_in", "felt")),
            *(_cell(row["own_by_segment"][s], "signed") for s in shown),
        ]
        for row in document["touchpoints"]
    ]
    headers = ["touchpoint", "intended", "own", "gap", "carried in", "felt", *(f"own for {s}" for s in shown)]
    return [
        f"Mean effect per contact: intended {document['intended_mean_effect']:+.2f}, own "
        f"{document['own_mean_effect']:+.2f}, felt {document['felt_mean_effect']:+.2f}.",
        _table(headers, rows, f"Effect per contact at each touchpoint ({document['design']})"),
        _table(
            ["customers", "rate it superior, 9-10 (%)", "satisfaction (0-10)"],
            (
                [group, _cell(v["superior_share"], "percent"), _cell(v["satisfaction"], "number")]
                for group, v in document["superior"].items()
            ),
            "Who finds the experience superior",
        ),
        "Intended: module and theme effects plus performance against the journey's expectations, as written. "
        "Own: what customers felt at the touchpoint itself (sensitivities, expectations, loss aversion, waits, "
        "failures). Gap: own minus intended. Carried in: the mood customers brought from their previous moment "
        "(affect.carry_over, fading with the time between the two moments, affect.half_life). "
        "Felt = own + carried in, the mean momentary affect there.",
    ]


def care_sheet(document: dict) -> Sheet:
    """The care programmes as tables for a page: what each costs and brings, and value per customer."""
    rows = []
    for name, programme in document["programmes"].items():
        effect = programme["effect"]
        cells = [name]
        for key in ("cost_per_customer", "revenue_per_customer", "referrals_per_customer", "profit"):
            cells += [_change(v, "number") for v in (effect[key]["mean"], *effect[key]["ci95"])]
        roi = programme["roi"]
        cells += ["-"] * 3 if roi is None else [f"{v:+.2f}" for v in (roi, *programme["roi_ci95"])]
        rows.append(cells)
    headers = ["programme"]
    for what in ("cost per customer", "revenue per customer", "referrals per customer", "profit per customer", "ROI"):
        headers += [what, "95% low", "95% high"]
    sheet: Sheet = [
        f"{document['customers']:,} customers, {plural(document['replications'], 'replication')}, seed {document['seed']}; "
        "each programme against the same customers without it. Care works through repeat purchases and referrals "
        "after the first journey: revenue includes them. ROI = (revenue uplift - programme cost) / programme cost.",
        _table(headers, rows, "Each programme's effect per customer"),
    ]
    budgets = document.get("budgets") or {}
    if budgets:
        written = ", ".join(f"{who} {_value(b['amount'], 'number')} per {b['per']}" for who, b in budgets.items())
        skipped = ", ".join(
            f"{name} {p['over_budget']:,} of {p['contacts'] + p['over_budget']:,}"
            for name, p in document["programmes"].items()
            if p.get("over_budget")
        )
        sheet.append(f"Care budgets: {written}; contacts not made for the budget: {skipped or 'none'}.")
    sheet.append(
        _table(
            ["segment", "value per customer", "without any care"],
            (
                [segment, _cell(v["with_care"], "number"), _cell(v["without"], "number")]
                for segment, v in document["value_per_customer"].items()
            ),
            "Value per customer (revenue - cost over the horizon)",
        )
    )
    return sheet


def recovery_sheet(document: dict) -> Sheet:
    """Satisfaction and return by failure experience as a table for a page."""
    rows = []
    for group, g in document["groups"].items():
        cells = [group, _cell(g["customers"], "count")]
        for key, kind in (("satisfaction", "number"), ("return_rate", "percent")):
            figure = g[key]
            cells += ["-"] * 3 if figure is None else [_cell(v, kind) for v in (figure["mean"], *figure["ci95"])]
        rows.append(cells)
    headers = ["customers who met", "customers", "satisfaction (0-10)", "95% low", "95% high"]
    sheet: Sheet = [_table([*headers, "return probability (%)", "95% low", "95% high"], rows, "By failure experience")]
    paradox = document["paradox"]
    if paradox:
        sheet.append(
            "Customers whose failure was recovered, against those who met none: "
            f"satisfaction {_paradox(paradox['satisfaction'])}, return probability {_paradox(paradox['return_rate'])}."
        )
    else:
        sheet.append("No customer met a recovered failure: nothing to compare.")
    return sheet


def analysis_sheet(document: dict) -> Sheet:
    """The exact flow analysis as tables for a page: headline figures, segments, stages and touchpoints."""
    unit = document.get("time_unit", "")
    shown, factor = _readable_unit(document["expected_time_to_goal_or_drop_off"], unit)
    low, high = document.get("conversion_range", (document["conversion"], document["conversion"]))
    rows = [["conversion, reaching a goal stage (%)", _cell(document["conversion"], "percent")]]
    if high - low > 5e-7:
        rows.append(["conversion whatever mood and satisfaction do (%)", f"{low * 100:.1f} to {high * 100:.1f}"])
    rows += [
        ["expected touchpoints per journey", f"{document['expected_touchpoints']:.2f}"],
        [
            f"expected time to the goal or drop-off ({shown})",
            f"{document['expected_time_to_goal_or_drop_off'] * factor:.2f}",
        ],
    ]
    if document.get("stopped_by_visit_limits", 0) > 0:
        rows.append(["stopped by a visit limit (%)", f"{document['stopped_by_visit_limits'] * 100:.2f}"])
    sheet: Sheet = ["Absorbing Markov chain per segment, no simulation."]
    if document["approximations"]:
        sheet.append("Approximate: " + "; ".join(document["approximations"]) + ".")
    sheet.append(_table(["figure", "value"], rows, "All customers"))
    segments = document.get("segments", {})
    if len(segments) > 1:
        sheet.append(
            _table(
                [
                    "segment",
                    "share (%)",
                    "conversion (%)",
                    "conversion range (%)",
                    "expected touchpoints",
                    f"expected time ({shown})",
                ],
                (
                    [
                        name,
                        _cell(figures["share"], "percent"),
                        _cell(figures["conversion"], "percent"),
                        _range(figures["conversion_range"]).replace("%", ""),
                        f"{figures['expected_touchpoints']:.2f}",
                        f"{figures['expected_time_to_goal_or_drop_off'] * factor:.2f}",
                    ]
                    for name, figures in segments.items()
                ),
                "Segments",
            )
        )
    sheet.append(
        _table(
            ["stage", "goal", "P(goal) from here (%)", "expected visits", "removal effect (%)"],
            (
                [
                    name,
                    "goal" if s["goal"] else "",
                    _cell(s["reach_goal"], "percent"),
                    f"{s['expected_visits']:.3f}",
                    _cell(s["removal_effect"], "percent"),
                ]
                for name, s in document["stages"].items()
            ),
            "Stages",
            text=2,
        )
    )
    by_segment = list(segments) if len(segments) > 1 else []
    sheet.append(
        _table(
            [
                "touchpoint",
                "expected visits",
                *(f"visits by {segment}" for segment in by_segment),
                "removal effect (%)",
            ],
            (
                [
                    name,
                    f"{t['expected_visits']:.3f}",
                    *(f"{segments[segment]['touchpoints'][name]['expected_visits']:.3f}" for segment in by_segment),
                    _cell(t["removal_effect"], "percent"),
                ]
                for name, t in sorted(document["touchpoints"].items(), key=lambda item: -item[1]["removal_effect"])
            ),
            "Touchpoints",
        )
    )
    sheet.append(
        "Removal effect: the share of conversions lost if customers who meet it dropped off there "
        "(Anderl et al. 2016)."
        + (" Visits by a segment: expected visits per customer of that segment." if by_segment else "")
    )
    return sheet


def plural(count: int, noun: str) -> str:
    """``1 replication``, ``3 replications``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _paradox(verdict: str) -> str:
    """A recovery verdict inside a sentence about recovered failures: ``higher``, ``lower``, ``not clearly different``."""
    return {
        "higher after a recovered failure": "higher",
        "lower after a recovered failure": "lower",
    }.get(verdict, "not clearly different")
