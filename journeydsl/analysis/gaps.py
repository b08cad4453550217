"""`journey gaps`: the seven-step gap analysis of the CEM method, per factor and per segment.

Per experience factor: the actual experience, the expectation, satisfaction =
experience - expectation, importance, weighted satisfaction = importance x
satisfaction, the ideal level and the experience gap = experience - ideal
(negative: short of the ideal, as in the primer's worked example).  Factors
are ranked so that the **key experience**, the most negative weighted
satisfaction, comes first.

Two sources:

- **survey**: measured figures written in the journey (``survey "..." { factor
  convenience experience 5 expectation 7 importance 9 ideal 10 }``) or read
  from a CSV file; a figure a survey leaves out falls back to the journey's
  factor declaration;
- **simulation**: the performance simulated customers perceived at the
  touchpoints, against their own expectations and importances.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from .._version import __version__
from ..lang.model import Journey, Survey, SurveyRow
from ..sim.plan import FACTOR_NAMES
from ..sim.results import Document, provenance, rounded
from ..sim.runner import Outcome
from ..sim.settings import RunSettings

__all__ = ["SCHEMA", "gaps_from_survey", "gaps_from_simulation", "read_survey_csv"]

SCHEMA = "journeydsl.gaps/1"
_FIELDS = ("experience", "expectation", "importance", "ideal")


def read_survey_csv(path: str | os.PathLike[str]) -> list[Survey]:
    """Surveys from a CSV file with columns ``factor, experience, expectation, importance, ideal`` and optionally ``segment``.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("factor,experience,expectation,importance,ideal\\nconvenience,5,7,9,10\\n")
    >>> read_survey_csv(f.name)[0].rows[0].experience
    5.0
    >>> os.unlink(f.name)
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    rows: dict[str | None, list[SurveyRow]] = {}
    for record in csv.DictReader(io.StringIO(text)):
        record = {key.strip().lower(): (value or "").strip() for key, value in record.items() if key}
        if not record.get("factor"):
            continue
        figures = {key: float(record[key]) if record.get(key) else None for key in _FIELDS}
        row = SurveyRow(
            record["factor"],
            experience=figures["experience"],
            expectation=figures["expectation"],
            importance=figures["importance"],
            ideal=figures["ideal"],
        )
        rows.setdefault(record.get("segment") or None, []).append(row)
    return [Survey(Path(path).name, segment, tuple(found)) for segment, found in rows.items()]


def _ranked(rows: list[Document]) -> list[Document]:
    def key(row: dict) -> tuple:
        weighted = row["weighted_satisfaction"]
        return (weighted is None, weighted if weighted is not None else 0.0, row["factor"])

    ordered = sorted(rows, key=key)
    for rank, row in enumerate(ordered, 1):
        row["rank"] = rank
    return ordered


def _row(
    factor: str,
    experience: float | None,
    expectation: float | None,
    importance: float | None,
    ideal: float | None,
    sources: dict[str, str],
) -> Document:
    satisfaction = experience - expectation if experience is not None and expectation is not None else None
    weighted = importance * satisfaction if importance is not None and satisfaction is not None else None
    return {
        "factor": factor,
        "experience": _maybe(experience),
        "expectation": _maybe(expectation),
        "satisfaction": _maybe(satisfaction),
        "importance": _maybe(importance),
        "weighted_satisfaction": _maybe(weighted),
        "ideal": _maybe(ideal),
        "experience_gap": _maybe(experience - ideal if experience is not None and ideal is not None else None),
        "sources": sources,
    }


def _maybe(value: float | None) -> float | None:
    return None if value is None else rounded(value)


def _declared(journey: Journey) -> dict[str, dict[str, float | None]]:
    return {f.name: {"expectation": f.expect, "importance": f.importance, "ideal": f.ideal} for f in journey.factors}


def gaps_from_survey(journey: Journey, surveys: list[Survey] | None = None) -> Document:
    """The gap analysis of measured figures (the journey's surveys, or the ones given)."""
    surveys = list(journey.surveys if surveys is None else surveys)
    declared = _declared(journey)
    groups: dict[str, list[Document]] = {}
    names = []
    for survey in surveys:
        names.append(survey.name)
        rows = []
        for row in survey.rows:
            values, sources = {}, {}
            for key in _FIELDS:
                value = getattr(row, key)
                source = "survey"
                if value is None and key != "experience":
                    value = declared.get(row.factor, {}).get(key)
                    source = "factor declaration" if value is not None else "missing"
                elif value is None:
                    source = "missing"
                values[key] = value
                sources[key] = source
            rows.append(
                _row(
                    row.factor,
                    values["experience"],
                    values["expectation"],
                    values["importance"],
                    values["ideal"],
                    sources,
                )
            )
        groups[survey.segment or "all customers"] = _ranked(rows)
    return _document(journey, "survey", groups, {"surveys": names})


def gaps_from_simulation(outcome: Outcome) -> Document:
    """The gap analysis of what simulated customers perceived (``journeydsl.gaps/1``).

    Parameters
    ----------
    outcome : Outcome
        A design's simulated outcome (every replication is pooled).
    """
    journey, collectors, plan = outcome.journey, outcome.collectors, outcome.plan
    declared = _declared(journey)
    segment_names = {segment.index: segment.name for segment in plan.segments}
    totals: dict[tuple[int | None, int], list[float]] = {}
    for collector in collectors:
        for (segment, factor), sums in collector.factors.items():
            for group in (None, segment):
                target = totals.setdefault((group, factor), [0.0, 0.0, 0.0, 0.0])
                for i, value in enumerate(sums):
                    target[i] += value
    groups: dict[str, list[Document]] = {}
    for group in [None, *segment_names]:
        rows = []
        for factor, name in enumerate(FACTOR_NAMES):
            found = totals.get((group, factor))
            if not found or not found[0]:
                continue
            sums = found
            n = sums[0]
            sources = {
                "experience": "simulation",
                "expectation": "simulation",
                "importance": "simulation",
                "ideal": "factor declaration" if declared.get(name, {}).get("ideal") is not None else "missing",
            }
            rows.append(_row(name, sums[1] / n, sums[2] / n, sums[3] / n, declared.get(name, {}).get("ideal"), sources))
        if rows:
            groups["all customers" if group is None else segment_names[group]] = _ranked(rows)
    return _document(journey, "simulation", groups, {}, outcome.settings)


def _document(
    journey: Journey, source: str, groups: dict, extra: dict, settings: RunSettings | None = None
) -> Document:
    key = {
        name: rows[0]["factor"]
        for name, rows in groups.items()
        if rows and rows[0]["weighted_satisfaction"] is not None and rows[0]["weighted_satisfaction"] < 0
    }
    return {
        "schema": SCHEMA,
        "journeydsl": __version__,
        "journey": journey.name,
        "source": source,
        **extra,
        "groups": groups,
        "key_experience": key,
        **provenance(settings, journey.source_sha256),
    }
