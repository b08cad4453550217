"""A simulated design in a notebook: a one-line ``repr``, the headline table in HTML, pandas frames.

:class:`~journeydsl.sim.runner.Outcome` calls these; they read only the
``journeydsl.results/1`` document (``docs/results-schema.md``), so they work as
well on a document read back from JSON or on one design of a comparison
(``comparison["results"][name]``).  The document itself is not changed.

:func:`results_frame` gives one table of the document as a
``pandas.DataFrame`` (pandas is imported only then; the ``frames`` extra):

============================  =====================================================================
kind                          one row per ...
============================  =====================================================================
``"metrics"``                 metric (index ``metric``): ``mean``, ``ci_low``, ``ci_high``
``"stages"``                  stage (index ``stage``): ``phase``, ``goal``, ``entered``, ``dropped``, ``drop_rate``
``"touchpoints"``             touchpoint (index ``touchpoint``), in journey order: every figure of
                              ``touchpoints.<name>``, the staffing as ``staff_servers``,
                              ``staff_cost_per_hour``, ``staff_hours``, ``staff_cost`` (empty without staff cost)
``"segments"``                segment (index ``segment``): ``customers``, ``share`` and each metric's mean
``"segment_metrics"``         segment and metric (index ``segment``, ``metric``): ``mean``, ``ci_low``, ``ci_high``
``"segment_touchpoints"``     segment and touchpoint: ``visits``, ``reach``, ``mean_affect``,
                              ``carried_in``, ``peak_share``, ``end_share``
``"episodes"``                remembered episode: ``stages``, ``decides_return``, ``customers`` and
                              ``remembered_experience`` and ``satisfaction`` with their intervals
``"themes"``, ``"modules"``   theme or module: ``exposure`` per customer
``"series"``                  period (index ``period``, from 0): ``start``, ``end`` and every figure of
                              ``series`` that has one value per period (``arrivals``, ``nps``, ...)
============================  =====================================================================

Each frame's ``attrs`` hold the ``journey``, the ``design`` and the ``time_unit``.

Examples
--------
>>> from journeydsl.api import loads, simulate
>>> outcome = simulate(loads('journey "J" { arrivals cohort 40 stage a goal { touchpoint t: staff { feel +1 } } }'))
>>> results_repr(outcome.results)
"<Outcome 'baseline' of 'J': 40 customers, 1 replication, seed 0; conversion_rate 100.0%, remembered_experience 0.845, satisfaction 7.03, nps -17.5>"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..lang.escape import html_text
from ..lang.notebook import count, html_table, require_pandas, value_text, wrap_html
from ..lang.vocabulary import METRICS

__all__ = ["FRAME_KINDS", "HEADLINE", "frame_kind", "metrics_table", "results_frame", "results_html", "results_repr"]

#: The tables :func:`results_frame` makes, in the order the module's docstring lists them.
FRAME_KINDS: tuple[str, ...] = (
    "metrics",
    "stages",
    "touchpoints",
    "segments",
    "segment_metrics",
    "segment_touchpoints",
    "episodes",
    "themes",
    "modules",
    "series",
)

#: The metrics a one-line ``repr`` shows.
HEADLINE: tuple[str, ...] = ("conversion_rate", "remembered_experience", "satisfaction", "nps")

_STAFF = ("servers", "cost_per_hour", "hours", "cost")
_SEGMENT_TOUCHPOINT = ("visits", "reach", "mean_affect", "carried_in", "peak_share", "end_share")

Document = Mapping[str, Any]


def frame_kind(kind: str, kinds: Sequence[str] = FRAME_KINDS) -> str:
    """``kind`` if it is one of ``kinds``; else a :class:`ValueError` that lists them (and the likely one).

    Examples
    --------
    >>> frame_kind("touchpoint")
    Traceback (most recent call last):
    ...
    ValueError: no frame 'touchpoint': did you mean 'touchpoints'? The frames are metrics, stages, touchpoints, segments, segment_metrics, segment_touchpoints, episodes, themes, modules, series
    """
    if kind in kinds:
        return kind
    import difflib

    close = difflib.get_close_matches(str(kind), kinds, n=1)
    hint = f": did you mean {close[0]!r}?" if close else "."
    raise ValueError(f"no frame {kind!r}{hint} The frames are {', '.join(kinds)}")


def _interval(block: Mapping[str, Any] | None) -> tuple[float | None, float | None, float | None]:
    """``(mean, low, high)`` of a ``{"mean": x, "ci95": [low, high]}`` block (``None`` where absent)."""
    if not block:
        return None, None, None
    bounds = block.get("ci95") or (None, None)
    return block.get("mean"), bounds[0], bounds[1]


def _frame(rows: list[dict[str, Any]], index: str | list[str], columns: Sequence[str], results: Document) -> Any:
    pandas = require_pandas()
    names = [index] if isinstance(index, str) else index
    frame = pandas.DataFrame(rows, columns=[*names, *columns])
    frame = frame.set_index(index)
    frame.attrs.update(journey=results.get("journey"), design=results.get("design"), time_unit=results.get("time_unit"))
    return frame


def results_frame(results: Document, kind: str = "metrics") -> Any:
    """One table of a ``journeydsl.results/1`` document as a ``pandas.DataFrame``.

    Parameters
    ----------
    results : mapping
        The document (``Outcome.results``, or one read back from JSON).
    kind : str
        Which table: one of :data:`FRAME_KINDS` (see the module's docstring).

    Returns
    -------
    pandas.DataFrame
        Numbers as they stand in the document (shares as fractions, times in its
        ``time_unit``); a figure the document leaves ``null`` is missing (NaN or None).

    Raises
    ------
    ValueError
        For an unknown kind (the message lists the kinds).
    ImportError
        When pandas is not installed (the message says ``pip install 'journeydsl[frames]'``).
    """
    kind = frame_kind(kind)
    require_pandas()
    return _BUILDERS[kind](results)


def _metrics(results: Document) -> Any:
    rows = [
        dict(zip(("metric", "mean", "ci_low", "ci_high"), (name, *_interval(block)), strict=True))
        for name, block in results["metrics"].items()
    ]
    return _frame(rows, "metric", ("mean", "ci_low", "ci_high"), results)


def _stages(results: Document) -> Any:
    columns = ("phase", "goal", "entered", "dropped", "drop_rate")
    rows = [{"stage": name, **{c: figures.get(c) for c in columns}} for name, figures in results["stages"].items()]
    return _frame(rows, "stage", columns, results)


def _touchpoints(results: Document) -> Any:
    columns: list[str] = []
    for figures in results["touchpoints"].values():
        columns += [key for key in figures if key != "staff" and key not in columns]
    columns += [f"staff_{key}" for key in _STAFF]
    rows = []
    for name, figures in results["touchpoints"].items():
        row = {"touchpoint": name, **{key: value for key, value in figures.items() if key != "staff"}}
        staff = figures.get("staff") or {}
        row.update({f"staff_{key}": staff.get(key) for key in _STAFF})
        rows.append(row)
    return _frame(rows, "touchpoint", columns, results)


def _segments(results: Document) -> Any:
    rows = []
    for name, segment in results["segments"].items():
        means = {metric: _interval(segment["metrics"].get(metric))[0] for metric in METRICS}
        rows.append({"segment": name, "customers": segment["customers"], "share": segment["share"], **means})
    return _frame(rows, "segment", ("customers", "share", *METRICS), results)


def _segment_metrics(results: Document) -> Any:
    rows = [
        dict(zip(("segment", "metric", "mean", "ci_low", "ci_high"), (name, metric, *_interval(block)), strict=True))
        for name, segment in results["segments"].items()
        for metric, block in segment["metrics"].items()
    ]
    return _frame(rows, ["segment", "metric"], ("mean", "ci_low", "ci_high"), results)


def _segment_touchpoints(results: Document) -> Any:
    rows = [
        {"segment": name, "touchpoint": touchpoint, **{key: figures.get(key) for key in _SEGMENT_TOUCHPOINT}}
        for name, segment in results["segments"].items()
        for touchpoint, figures in segment.get("touchpoints", {}).items()
    ]
    return _frame(rows, ["segment", "touchpoint"], _SEGMENT_TOUCHPOINT, results)


def _episodes(results: Document) -> Any:
    columns = ["stages", "decides_return", "customers"]
    for figure in ("remembered_experience", "satisfaction"):
        columns += [figure, f"{figure}_ci_low", f"{figure}_ci_high"]
    rows = []
    for name, episode in (results.get("episodes") or {}).items():
        row = {
            "episode": name,
            "stages": ", ".join(episode.get("stages", ())),
            "decides_return": episode.get("decides_return"),
            "customers": episode.get("customers"),
        }
        for figure in ("remembered_experience", "satisfaction"):
            row.update(
                zip((figure, f"{figure}_ci_low", f"{figure}_ci_high"), _interval(episode.get(figure)), strict=True)
            )
        rows.append(row)
    return _frame(rows, "episode", columns, results)


def _exposures(results: Document, field: str, index: str) -> Any:
    rows = [{index: name, "exposure": value} for name, value in results[field].items()]
    return _frame(rows, index, ("exposure",), results)


def _series(results: Document) -> Any:
    series = results["series"]
    starts = list(series["start"])
    periods = len(starts)
    ends = [*starts[1:], series["end"]] if periods else []
    figures = [
        key
        for key, value in series.items()
        if key not in ("start", "end") and isinstance(value, list) and len(value) == periods
    ]
    rows = [
        {"period": index, "start": starts[index], "end": ends[index], **{key: series[key][index] for key in figures}}
        for index in range(periods)
    ]
    frame = _frame(rows, "period", ("start", "end", *figures), results)
    frame.attrs.update(period=dict(series["period"]), warmup=series["warmup"])
    return frame


_BUILDERS = {
    "metrics": _metrics,
    "stages": _stages,
    "touchpoints": _touchpoints,
    "segments": _segments,
    "segment_metrics": _segment_metrics,
    "segment_touchpoints": _segment_touchpoints,
    "episodes": _episodes,
    "themes": lambda results: _exposures(results, "themes", "theme"),
    "modules": lambda results: _exposures(results, "modules", "module"),
    "series": _series,
}


# ---- repr and HTML ---------------------------------------------------------------------


def _run_line(results: Document) -> str:
    return (
        f"{count(int(results['customers']), 'customer')}, {count(int(results['replications']), 'replication')}, "
        f"seed {results['seed']}"
    )


def results_repr(results: Document, kind: str = "Outcome") -> str:
    """One line: design, journey, customers, replications, seed and the headline metrics' means.

    Names are written with ``repr`` (quotes, and escapes for control characters).
    """
    metrics = results["metrics"]
    figures = ", ".join(
        f"{metric} {value_text(metric, metrics[metric]['mean'], None)}" for metric in HEADLINE if metric in metrics
    )
    return f"<{kind} {results['design']!r} of {results['journey']!r}: {_run_line(results)}; {figures}>"


def _interval_text(metric: str, low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "-"
    return f"{value_text(metric, low)} to {value_text(metric, high)}"


def metrics_table(results: Document, caption: str | None = None) -> str:
    """The metrics of a results document as an HTML table: mean and 95% interval, in the metric's unit."""
    time_unit = results.get("time_unit")
    rows = []
    for metric, block in results["metrics"].items():
        mean, low, high = _interval(block)
        label = f"{metric} ({time_unit})" if metric == "time_in_journey" and time_unit else metric
        rows.append([label, value_text(metric, mean), _interval_text(metric, low, high)])
    return html_table(["metric", "mean", "95% interval"], rows, caption=caption, numeric=(1, 2))


def results_html(results: Document) -> str:
    """A results document as HTML for a notebook: what ran, then the headline metrics with their intervals."""
    title = (
        f"<p><strong>{html_text(str(results['design']))}</strong> of "
        f"<strong>{html_text(str(results['journey']))}</strong>: {html_text(_run_line(results))}</p>"
    )
    note = (
        '<p class="note">More with <code>to_frame(kind)</code>, kind one of '
        + ", ".join(f"<code>{kind}</code>" for kind in FRAME_KINDS)
        + ".</p>"
    )
    return wrap_html(title + metrics_table(results) + note)
