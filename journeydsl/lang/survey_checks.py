"""Checks of the surveys written in a journey: known factors and segments, figures on the 0-10 scale, no repeats."""

from __future__ import annotations

from .diagnostics import Diagnostic, did_you_mean
from .model import Journey, SurveyRow
from .vocabulary import FACTORS

__all__ = ["check_surveys"]


def check_surveys(journey: Journey) -> list[Diagnostic]:
    """Problems in a journey's surveys: unknown factors and segments, figures off the 0-10 scale, repeats."""
    found = []
    segments = [s.name for s in journey.segments]
    for survey in journey.surveys:
        if survey.segment is not None and survey.segment not in segments:
            found.append(
                Diagnostic(
                    "JD107",
                    f"segment `{survey.segment}` is not defined",
                    survey.segment_span,
                    hint=did_you_mean(survey.segment, segments),
                )
            )
        seen: dict[str, SurveyRow] = {}
        for row in survey.rows:
            if row.factor not in FACTORS:
                found.append(
                    Diagnostic(
                        "JD106",
                        f"unknown experience factor `{row.factor}`",
                        row.factor_span,
                        hint=did_you_mean(row.factor, FACTORS) or f"known: {', '.join(FACTORS)}",
                    )
                )
            elif row.factor in seen:
                found.append(
                    Diagnostic(
                        "JD102",
                        f"survey `{survey.name}` rates `{row.factor}` twice",
                        row.factor_span,
                        related=(("the first rating is here", seen[row.factor].factor_span),),
                    )
                )
            seen.setdefault(row.factor, row)
            for key, span in row.value_spans:
                value = getattr(row, key)
                if not 0 <= value <= 10:
                    found.append(
                        Diagnostic(
                            "JD207",
                            f"{key} {value:g} is outside the scale 0 to 10",
                            span,
                            hint="survey figures are ratings from 0 to 10",
                        )
                    )
    return found
