"""Comparisons and design tests in a notebook: the documents, with a short ``repr``, HTML and frames.

:class:`Comparison` and :class:`DesignTests` are the ``journeydsl.comparison/1``
and ``journeydsl.tests/1`` documents themselves: ``dict`` subclasses holding
exactly the document's keys and values, so ``comparison["ranking"]``,
``json.dumps(comparison)``, JSON Schema validation and ``==`` with a plain dict
work as before.  They add what a notebook needs:

- ``repr``: one line (design names, customers, replications, seed, the ranking
  or the verdicts); ``dict(document)`` shows every field;
- ``_repr_html_``: the ranking and the designs x metrics table with each
  difference from the baseline, its 95% interval and its verdict (or the
  tests with their verdicts), every name escaped;
- ``to_frame(kind)``: ``pandas.DataFrame`` tables (the ``frames`` extra).

:func:`journeydsl.analysis.compare.compare` (and so ``api.compare``) returns a
:class:`Comparison`; wrap a tests document with ``DesignTests(document)``.

Examples
--------
>>> from journeydsl.api import compare, loads
>>> journey = loads('journey "J" { arrivals cohort 100 stage a goal { touchpoint t: staff { feel +1 } } '
...                 'variant "warmer" { change t { feel +3 } } }')
>>> comparison = compare(journey)
>>> comparison
<Comparison of 'J': 2 designs, 101 to 102 customers, 1 replication, seed 0; by remembered_experience: 1 'warmer' 2.91, 2 'baseline' 0.936>
>>> comparison["leaders"], isinstance(comparison, dict)
(['warmer'], True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..lang.decisions import METRIC_UNITS
from ..lang.escape import html_text
from ..lang.notebook import count, html_table, number, require_pandas, value_text, wrap_html
from ..lang.vocabulary import METRICS
from ..sim.notebook import frame_kind, results_frame, results_repr

__all__ = ["COMPARISON_FRAMES", "TEST_FRAMES", "Comparison", "DesignTests", "change_text"]

#: The tables :meth:`Comparison.to_frame` makes.
COMPARISON_FRAMES: tuple[str, ...] = ("metrics", "design_metrics", "differences", "ranking")
#: The tables :meth:`DesignTests.to_frame` makes.
TEST_FRAMES: tuple[str, ...] = ("tests",)


def change_text(metric: str, value: float | None) -> str:
    """A difference in the metric's unit, signed: shares in percentage points (``+7.9 pp``).

    Examples
    --------
    >>> change_text("conversion_rate", 0.0789), change_text("nps", 60.2), change_text("cost_per_customer", -2.4)
    ('+7.9 pp', '+60.2', '-2.40')
    """
    if value is None:
        return "-"
    if METRIC_UNITS.get(metric) == "share":
        return f"{value * 100:+.1f} pp"
    text = number(value)
    return text if text.startswith("-") or text == "0" else "+" + text


def _bounds(block: Mapping[str, Any] | None) -> tuple[float | None, float | None]:
    interval = (block or {}).get("ci95") or (None, None)
    return interval[0], interval[1]


def _frame(rows: list[dict[str, Any]], index: str | list[str], columns: Sequence[str], document: Mapping) -> Any:
    pandas = require_pandas()
    names = [index] if isinstance(index, str) else index
    frame = pandas.DataFrame(rows, columns=[*names, *columns]).set_index(index)
    frame.attrs.update(journey=document.get("journey"), time_unit=document.get("time_unit"))
    return frame


class Comparison(dict[str, Any]):
    """A ``journeydsl.comparison/1`` document (a ``dict``) with a short ``repr``, HTML and pandas frames.

    Parameters
    ----------
    document : mapping
        The comparison document (see ``journeydsl/schemas/comparison.schema.json``).
    """

    def __repr__(self) -> str:
        customers = sorted(set(self["customers"].values()))
        each = (
            f"{count(customers[0], 'customer')} each"
            if len(customers) == 1
            else f"{customers[0]:,} to {customers[-1]:,} customers"
        )
        ranking = ", ".join(f"{row['rank']} {row['design']!r} {number(row['objective'])}" for row in self["ranking"])
        return (
            f"<Comparison of {self['journey']!r}: {count(len(self['designs']), 'design')}, {each}, "
            f"{count(int(self['replications']), 'replication')}, seed {self['seed']}; "
            f"by {self['objective']}: {ranking}>"
        )

    def __str__(self) -> str:
        return repr(self)

    def _repr_html_(self) -> str:
        """The ranking and the designs x metrics table with the differences from the baseline."""
        baseline = self["baseline"]
        customers = ", ".join(f"{html_text(name)} {n:,}" for name, n in self["customers"].items())
        title = (
            f"<p><strong>Comparison of {html_text(str(self['journey']))}</strong>: "
            f"{html_text(count(len(self['designs']), 'design'))} against <strong>{html_text(baseline)}</strong>, "
            f"{html_text(count(int(self['replications']), 'replication'))}, seed {html_text(str(self['seed']))}, "
            f"paired by {html_text(str(self['paired_by']))}; customers: {customers}</p>"
        )
        ranking = html_table(
            ["rank", "design", str(self["objective"]), "profit per customer"],
            [[row["rank"], row["design"], row["objective"], row["profit_per_customer"]] for row in self["ranking"]],
            caption=f"Ranking by {self['objective']} (designs with no clear difference share a rank)",
        )
        time_unit = self.get("time_unit")
        rows = []
        for metric in METRICS:
            label = f"{metric} ({time_unit})" if metric == "time_in_journey" and time_unit else metric
            cells: list[str | float | int | None] = [label]
            for name in self["designs"]:
                mean = self["results"][name]["metrics"][metric]["mean"]
                text = value_text(metric, mean)
                change = self["differences"].get(name, {}).get("metrics", {}).get(metric)
                if change is not None:
                    low, high = _bounds(change)
                    text += (
                        f" ({change_text(metric, change['mean'])}, {change_text(metric, low)} to "
                        f"{change_text(metric, high)}: {change['verdict']})"
                    )
                cells.append(text)
            rows.append(cells)
        table = html_table(
            ["metric", *self["designs"]],
            rows,
            caption=f"Means; for each design, its difference from {baseline} with the 95% interval and the verdict",
            numeric=range(1, 1 + len(self["designs"])),
        )
        note = (
            '<p class="note">More with <code>to_frame(kind)</code>, kind one of '
            + ", ".join(f"<code>{kind}</code>" for kind in COMPARISON_FRAMES)
            + ", and <code>design_frame(design, kind)</code>.</p>"
        )
        return wrap_html(title + ranking + table + note)

    def to_frame(self, kind: str = "metrics") -> Any:
        """One table of the comparison as a ``pandas.DataFrame``.

        Parameters
        ----------
        kind : str
            ``"metrics"``: one row per design (index ``design``, in the order compared), one column per
            metric, the means; ``"design_metrics"``: one row per design and metric with ``mean``,
            ``ci_low``, ``ci_high``; ``"differences"``: one row per design other than the baseline and
            metric (index ``design``, ``metric``) with the difference's ``mean``, ``ci_low``,
            ``ci_high``, ``excludes_zero`` and ``verdict``; ``"ranking"``: one row per design in rank
            order with ``rank``, ``objective``, ``cost_per_customer``, ``revenue_per_customer``,
            ``profit_per_customer`` and ``clearly_behind``.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ValueError
            For an unknown kind.
        ImportError
            When pandas is not installed (``pip install 'journeydsl[frames]'``).
        """
        kind = frame_kind(kind, COMPARISON_FRAMES)
        require_pandas()
        designs = list(self["designs"])
        if kind == "metrics":
            rows = [
                {"design": name, **{m: b["mean"] for m, b in self["results"][name]["metrics"].items()}}
                for name in designs
            ]
            return _frame(rows, "design", METRICS, self)
        if kind == "design_metrics":
            rows = [
                {
                    "design": name,
                    "metric": metric,
                    "mean": block["mean"],
                    **dict(zip(("ci_low", "ci_high"), _bounds(block), strict=True)),
                }
                for name in designs
                for metric, block in self["results"][name]["metrics"].items()
            ]
            return _frame(rows, ["design", "metric"], ("mean", "ci_low", "ci_high"), self)
        if kind == "differences":
            columns = ("mean", "ci_low", "ci_high", "excludes_zero", "verdict")
            rows = []
            for name, difference in self["differences"].items():
                for metric, change in difference["metrics"].items():
                    low, high = _bounds(change)
                    rows.append(
                        {
                            "design": name,
                            "metric": metric,
                            "mean": change["mean"],
                            "ci_low": low,
                            "ci_high": high,
                            "excludes_zero": change.get("excludes_zero"),
                            "verdict": change.get("verdict"),
                        }
                    )
            return _frame(rows, ["design", "metric"], columns, self)
        ranked = (
            "rank",
            "objective",
            "cost_per_customer",
            "revenue_per_customer",
            "profit_per_customer",
            "clearly_behind",
        )
        rows = [
            {
                "design": row["design"],
                **{c: row.get(c) for c in ranked},
                "clearly_behind": ", ".join(row["clearly_behind"]),
            }
            for row in self["ranking"]
        ]
        frame = _frame(rows, "design", ranked, self)
        frame.attrs["objective"] = self["objective"]
        return frame

    def design_frame(self, design: str, kind: str = "metrics") -> Any:
        """One table of one design's results document (as ``Outcome.to_frame``; see :mod:`journeydsl.sim.notebook`).

        Raises
        ------
        KeyError
            When the comparison has no such design (the message lists its designs).
        """
        if design not in self["results"]:
            raise KeyError(f"no design {design!r} in this comparison; its designs are {', '.join(self['designs'])}")
        return results_frame(self["results"][design], kind)

    def outcome_repr(self, design: str) -> str:
        """One design's one-line summary, as an ``Outcome`` writes it."""
        return results_repr(self["results"][design], "Outcome")


def _measured(entry: Mapping[str, Any]) -> tuple[float | None, float | None, float | None]:
    measured = entry.get("measured") or {}
    low, high = _bounds(measured)
    return measured.get("mean"), low, high


class DesignTests(dict[str, Any]):
    """A ``journeydsl.tests/1`` document (a ``dict``) with a short ``repr``, HTML and a pandas frame.

    Parameters
    ----------
    document : mapping
        The design tests' document (``api.run_tests``).
    """

    def __repr__(self) -> str:
        return (
            f"<DesignTests of {self['journey']!r}: {self['passed']} passed, {self['failed']} failed, "
            f"{self['inconclusive']} inconclusive; {count(int(self['customers']), 'customer')}, "
            f"{count(int(self['replications']), 'replication')}, seed {self['seed']}>"
        )

    def __str__(self) -> str:
        return repr(self)

    def _repr_html_(self) -> str:
        """Every test with its verdict, what was measured, its interval and the threshold."""
        title = (
            f"<p><strong>Design tests of {html_text(str(self['journey']))}</strong>: "
            f"{self['passed']} passed, {self['failed']} failed, {self['inconclusive']} inconclusive "
            f"({html_text(count(int(self['customers']), 'customer'))}, "
            f"{html_text(count(int(self['replications']), 'replication'))}, seed {html_text(str(self['seed']))})</p>"
        )
        rows: list[list[str | float | int | None]] = []
        for entry in self["tests"]:
            mean, low, high = _measured(entry)
            interval = "-" if low is None or high is None else f"{number(low)} to {number(high)}"
            rows.append([entry["verdict"], entry["text"], number(mean), interval, entry.get("hint") or ""])
        table = html_table(["verdict", "test", "measured", "95% interval", "hint"], rows, numeric=(2, 3))
        return wrap_html(title + table)

    def to_frame(self, kind: str = "tests") -> Any:
        """The tests as a ``pandas.DataFrame``: one row per test, in the order written.

        Columns: ``text``, ``verdict``, ``kind``, ``design``, ``rival``, ``metric``, ``scope``,
        ``scope_name``, ``mean``, ``ci_low``, ``ci_high`` (what was measured: a difference for
        ``beats`` and ``matches``), ``operator``, ``threshold``, ``hint``, ``file``, ``line``.

        Raises
        ------
        ValueError
            For a kind other than ``"tests"``.
        ImportError
            When pandas is not installed (``pip install 'journeydsl[frames]'``).
        """
        frame_kind(kind, TEST_FRAMES)
        pandas = require_pandas()
        columns = (
            "text", "verdict", "kind", "design", "rival", "metric", "scope", "scope_name",
            "mean", "ci_low", "ci_high", "operator", "threshold", "hint", "file", "line",
        )  # fmt: skip
        rows = []
        for entry in self["tests"]:
            mean, low, high = _measured(entry)
            rows.append({**{c: entry.get(c) for c in columns}, "mean": mean, "ci_low": low, "ci_high": high})
        frame = pandas.DataFrame(rows, columns=columns)
        frame.attrs.update(journey=self.get("journey"))
        return frame
