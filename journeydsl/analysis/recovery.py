"""`journey recovery`: satisfaction and return after failures, recovered or not.

Satisfaction and return probability of customers who met no failure, whose
failures were all recovered, and who met a failure left unrecovered, so the
(weak) service recovery paradox can be checked: satisfaction after a
well-recovered failure can exceed no failure, repurchase does not (de Matos,
Henrique & Rossi 2007).  Each interval is normal over the group's customers
and stays within its metric's range (0-10 satisfaction, 0-1 return probability);
a group no customer fell into has no figures (``null``).
"""

from __future__ import annotations

from typing import Any

from .._version import __version__
from ..sim.metrics import Moments
from ..sim.results import Document, interval, provenance
from ..sim.runner import Outcome

__all__ = ["RECOVERY_SCHEMA", "recovery"]

RECOVERY_SCHEMA = "journeydsl.recovery/1"


def recovery(outcome: Outcome) -> Document:
    """Satisfaction and return probability by failure experience (``journeydsl.recovery/1``).

    Parameters
    ----------
    outcome : Outcome
        A design's simulated outcome (every replication is pooled).
    """
    groups: dict[str, dict[str, Any]] = {}
    for number, label in enumerate(("no failure", "failure recovered", "failure not recovered")):
        sat, ret = Moments(), Moments()
        for collector in outcome.collectors:
            s, r = collector.recovery[number]
            sat.merge(s)
            ret.merge(r)
        met = sat.n > 0  # an empty group has no figures, not figures of 0
        groups[label] = {
            "customers": sat.n,
            "satisfaction": interval(sat.mean, sat.stderr, None, metric="satisfaction") if met else None,
            "return_rate": interval(ret.mean, ret.stderr, None, metric="return_rate") if met else None,
        }
    none, recovered = groups["no failure"], groups["failure recovered"]
    paradox = None
    if none["customers"] and recovered["customers"]:
        paradox = {
            "satisfaction": _verdict(recovered["satisfaction"], none["satisfaction"]),
            "return_rate": _verdict(recovered["return_rate"], none["return_rate"]),
        }
    return {
        "schema": RECOVERY_SCHEMA,
        "journeydsl": __version__,
        "journey": outcome.journey.name,
        "customers": outcome.results["customers"],
        "groups": groups,
        "paradox": paradox,
        **provenance(outcome.settings, outcome.journey.source_sha256),
    }


def _verdict(recovered: dict, untouched: dict) -> str:
    if recovered["ci95"][0] > untouched["ci95"][1]:
        return "higher after a recovered failure"
    if recovered["ci95"][1] < untouched["ci95"][0]:
        return "lower after a recovered failure"
    return "no clear difference"
