"""The keys of the engine's random decisions (see :mod:`journeydsl.sim.streams`).

A decision's number comes from a key built from what it decides: the
customer's key, combined by exclusive or with the site of the decision (its
purpose, and the touchpoint, stage or care programme it is about, by name) and
with counters (the visit, the cycle, the place in a stage) spread over the 64
bits by odd multipliers.  Two designs that share a decision therefore draw the
same number for it.
"""

from __future__ import annotations

from ..streams import site

__all__ = [
    "MASK",
    "VISIT",
    "CYCLE",
    "NUMBER",
    "SEGMENT",
    "PATIENCE",
    "LOSS_AVERSION",
    "JUDGEMENT",
    "RETURN",
    "TALK",
    "REFER",
    "DELAY",
    "FAILURE",
    "TRANSITION",
]

#: Keys are 64-bit: products of counters and multipliers are cut to this mask.
MASK = (1 << 64) - 1
#: Odd multiplier of a visit counter (the n-th visit of a touchpoint or stage).
VISIT = 0xC2B2AE3D27D4EB4F
#: Odd multiplier of a customer's purchase cycle.
CYCLE = 0x165667B19E3779F9
#: Odd multiplier of a place: a step in a stage, a failure mode of a touchpoint.
NUMBER = 0xD6E8FEB86659FD93

# The purposes of decisions.
SEGMENT = site("segment")
PATIENCE = site("patience")
LOSS_AVERSION = site("loss aversion")
JUDGEMENT = site("judgement")
RETURN = site("return")
TALK = site("talk")
REFER = site("refer")
DELAY = site("delay")
FAILURE = site("failure")
TRANSITION = site("transition")
