"""A sweep as people and tools read it: the terminal table of the best points, CSV and Parquet.

The CSV and Parquet tables are tidy: one row per point and metric, with the
point's number, one column per setting (named as the sweep file writes it),
the metric, its mean and the bounds of its 95% interval (empty where there is
none).  Every text cell of the CSV goes through
:func:`~journeydsl.lang.escape.csv_cell` (no setting name starts a
spreadsheet formula); numbers are written with up to 12 significant digits,
so the same sweep gives the same bytes.  Parquet needs pyarrow (the
``parquet`` extra, :func:`parquet_available`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable

from ..analysis.sweep import Choice, SweepResult
from ..lang.escape import csv_cell, terminal
from ..lang.sweep import parse_queue_metric
from .tables import METRIC_LABELS, _value, format_table

__all__ = ["COLUMNS", "metric_label", "parquet_available", "sweep_csv", "sweep_parquet", "sweep_table"]

#: The columns after the settings' columns.
COLUMNS: tuple[str, ...] = ("metric", "mean", "ci_low", "ci_high")

#: How the sweep's own metrics are shown (besides the results' metrics).
_LABELS: dict[str, tuple[str, str]] = {
    **METRIC_LABELS,
    "profit": ("profit per customer", "number"),
    "total_cost": ("cost of a run", "number"),
}


def metric_label(metric: str) -> tuple[str, str]:
    """How a sweep's metric is named for people, and how its values are shown (``number``, ``percent``, ``signed``).

    Examples
    --------
    >>> metric_label("nps"), metric_label('utilisation of touchpoint "front desk"')
    (('NPS', 'signed'), ('utilisation of front desk', 'percent'))
    """
    if metric in _LABELS:
        return _LABELS[metric]
    queue = parse_queue_metric(metric)
    if queue is None:
        return metric, "number"
    measure, name = queue
    return (f"mean wait at {name}", "number") if measure == "wait_mean" else (f"utilisation of {name}", "percent")


#: The metrics the terminal table shows besides the objective and the budget's.
_HEADLINE: tuple[str, ...] = ("satisfaction", "nps", "conversion_rate", "cost_per_customer", "profit")


def parquet_available() -> bool:
    """True when pyarrow is installed (``pip install 'journeydsl[parquet]'``)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format(value, ".12g")


def sweep_csv(result: SweepResult) -> str:
    """The tidy table as CSV text: ``point``, the settings, ``metric``, ``mean``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> from journeydsl.api import loads
    >>> from journeydsl.analysis.sweep import run_sweep
    >>> from journeydsl.lang.sweep import read_sweep_text
    >>> from journeydsl.sim.runner import Runner
    >>> from journeydsl.sim.settings import RunSettings
    >>> j = loads('journey "J" { arrivals cohort 20 stage a goal { touchpoint t: staff cost 5 { feel +1 } } }')
    >>> result = run_sweep(j, read_sweep_text('[settings]\\n"cost of t" = [5, 7]', j), Runner(), RunSettings(workers=1))
    >>> print(sweep_csv(result).splitlines()[0])
    point,cost of t,metric,mean,ci_low,ci_high
    >>> [line for line in sweep_csv(result).splitlines() if ",cost_per_customer," in line]
    ['1,5,cost_per_customer,5,5,5', '2,7,cost_per_customer,7,7,7']
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(cell) for cell in ("point", *result.labels, *COLUMNS)])
    for row in result.rows:
        cells = [
            str(row.point),
            *(_number(v) for v in row.values),
            row.metric,
            _number(row.mean),
            _number(row.low),
            _number(row.high),
        ]
        writer.writerow([csv_cell(cell) if index == 1 + len(row.values) else cell for index, cell in enumerate(cells)])
    return buffer.getvalue()


def sweep_parquet(result: SweepResult) -> bytes:
    """The tidy table as Parquet bytes (columns as :func:`sweep_csv`; missing intervals are nulls).

    Raises
    ------
    RuntimeError
        When pyarrow is not installed.
    """
    if not parquet_available():
        raise RuntimeError("writing Parquet needs pyarrow: pip install 'journeydsl[parquet]', or write a .csv table")
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, object] = {"point": pa.array([row.point for row in result.rows], pa.int64())}
    for index, label in enumerate(result.labels):
        columns[label] = pa.array([row.values[index] for row in result.rows], pa.float64())
    columns["metric"] = pa.array([row.metric for row in result.rows], pa.string())
    for name, attribute in (("mean", "mean"), ("ci_low", "low"), ("ci_high", "high")):
        columns[name] = pa.array([getattr(row, attribute) for row in result.rows], pa.float64())
    table = pa.table(columns)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _setting_text(kind: str, value: float) -> str:
    """A setting's value for people: shares and chances in percent, other numbers to 4 significant digits."""
    if kind in ("share", "chance", "failure"):
        return f"{100 * value:.3g}%"
    return f"{value:.4g}"


def _interval(row_mean: float | None, low: float | None, high: float | None, kind: str) -> str:
    if row_mean is None:
        return "-"
    if low is None or high is None:
        return _value(row_mean, kind)
    return f"{_value(row_mean, kind)} [{_value(low, kind)}, {_value(high, kind)}]"


def sweep_table(
    result: SweepResult,
    choice: Choice | None = None,
    top: int = 10,
    style: Callable[[str], str] | None = None,
) -> str:
    """The sweep for a terminal: what ran, then the best points (with ``choice``) or every point.

    Parameters
    ----------
    result : SweepResult
        The finished sweep.
    choice : Choice, optional
        The ranking by an objective under a budget (:func:`journeydsl.analysis.sweep.choose`).
    top : int
        Rows shown at most.
    style : callable, optional
        Decorates titles and headers (bold on a terminal).

    Returns
    -------
    str
        The text, ending with a newline.
    """
    settings = result.settings
    count = len(result.points)
    replications = settings.replications
    title = (
        f"{result.journey}: sweep of {count} point{'s' if count != 1 else ''} ({result.spec.method}) "
        f"over {', '.join(result.labels)}"
    )
    lines = [
        style(terminal(title)) if style else terminal(title),
        f"design {terminal(result.spec.design)}, {replications} replication{'s' if replications != 1 else ''} "
        f"per point, seed {settings.seed}, common random numbers (the same replication seeds at every point)",
    ]
    metrics = list(_HEADLINE)
    if choice is not None:
        extra = [choice.objective, *(c.subject for c in choice.constraints if c.subject not in result.labels)]
        metrics = list(dict.fromkeys([*extra, *metrics]))
        direction = "highest" if choice.maximize else "lowest"
        budget = "; ".join(str(c) for c in choice.constraints)
        lines.append(
            f"best by {metric_label(choice.objective)[0]} ({direction} mean)"
            + (f" among the points with {terminal(budget)}" if budget else "")
            + f": {len(choice.ranked)} of {count} points qualify"
        )
        if choice.ranked:
            pairing = (
                "paired by replication"
                if replications > 1
                else "from the points' own intervals (one replication: nothing to pair)"
            )
            lines.append(
                f"* = the data cannot tell it from the best: the 95% interval of how far it is behind "
                f"includes 0 ({pairing})"
            )
    lines.append("")
    headers = ["#", *result.labels, *(metric_label(m)[0] for m in metrics)]
    if choice is not None:
        shown = [(ranked.point, "*" if ranked.near_best else "") for ranked in choice.ranked[:top]]
        headers = ["rank", "point", *result.labels, *(metric_label(m)[0] for m in metrics), "behind the best"]
    else:
        shown = [(point, "") for point in result.points[:top]]
    rows = []
    behind = {ranked.point.index: ranked.behind for ranked in choice.ranked} if choice is not None else {}
    for place, (point, mark) in enumerate(shown, 1):
        cells = [
            _setting_text(setting.address.kind, v)
            for setting, v in zip(result.spec.settings, point.values, strict=True)
        ]
        values = []
        for metric in metrics:
            row = result.value(point.index, metric)
            values.append(_interval(row.mean, row.low, row.high, metric_label(metric)[1]))
        if choice is not None:
            gap = behind.get(point.index)
            kind = metric_label(choice.objective)[1]
            shown_gap = "-" if gap is None else f"[{_value(gap[0], kind)}, {_value(gap[1], kind)}]"
            rows.append([f"{place}{mark}", str(point.index), *cells, *values, shown_gap])
        else:
            rows.append([str(point.index), *cells, *values])
    if rows:
        lines.append(format_table(headers, rows, style))
    else:
        lines.append("no point keeps every bound: loosen the budget or widen the settings")
    hidden = (len(choice.ranked) if choice is not None else count) - len(rows)
    if hidden > 0:
        lines.append(f"... and {hidden} more (every point and metric is in the table of -o FILE.csv)")
    if choice is not None and choice.infeasible:
        lines.append(f"{choice.infeasible} point{'s' if choice.infeasible != 1 else ''} broke a bound")
    return "\n".join(lines) + "\n"
