"""The SimPy engine: synthetic customers walking a compiled journey.

One replication is one :class:`Engine` run.  Customers arrive by the plan's
arrival process (Poisson, a cohort, or a finite market with Bass innovation and
imitation), each drawn from a segment with their own expectations,
importances, sensitivities, patience and loss aversion.  In a journey with
queues a customer is a plain generator process; without, a customer's walk never
waits, so it runs through at once and one scheduled callback closes the cycle
when its time is up (the same results, see :mod:`.cycles`).  Customers meet stage delays, touchpoint durations, FIFO queues at staffed
touchpoints with a capacity (waiting beyond patience hurts; waiting beyond
``renege`` times patience makes them give up), failures and recoveries, choices,
transitions by probability (state-dependent where written), loops bounded by
visit limits, repeat purchases after a delay, care programmes, word of mouth.

The engine never reads files, prints or plots: observations go to a
:class:`~journeydsl.sim.metrics.Collector`, and optionally one
:class:`TraceRow` per touchpoint visit to a callback.  What a customer feels
and does is computed with the formulas of :mod:`journeydsl.sim.psychology`.

The engine is split by role, one module each; :class:`Engine` combines the
roles, which share the replication's state (:mod:`.state`):

==================  ============================================================
module              role
==================  ============================================================
``replication``     :class:`Engine`: sets up a replication and runs it; :func:`run_replication`
``arrivals``        arrival processes (cohort, Poisson, Bass market; in opening hours), referred customers
``customers``       making a customer from a segment and their keyed numbers; the customer record
``walk``            walking stages and their transitions; plain touchpoints in line (the hot loop)
``experience``      queues (closing at the end of opening hours), failure modes and the moment of a touchpoint
``judgement``       closing a cycle: remembered experience, satisfaction, recommendation, return
``cycles``          a customer's stay: cycles, repeat purchases, their outcomes
``word_of_mouth``   talk, the brand image, referrals
``care``            care programmes' contacts, within care budgets
``staffing``        staff cost and staffed time
``keys``            the keys of random decisions
``trace_row``       the trace's rows
``state``           the state the roles share
==================  ============================================================

Speed: stages and touchpoints are compiled once into slotted records; a
*plain* touchpoint (no queue, no failure modes, met by every segment) is
walked in line in the walk's hot loop, and every other touchpoint goes through
the experience role, which computes the same moment
(``tests/test_engine_paths.py`` holds the two to the same bits).  A customer's
attribute, first-visit and first-transition numbers come from numpy for
blocks of arrivals (:class:`~journeydsl.sim.streams.KeyedBlocks`), with their
segment and memory weights, and visit statistics are folded into the sums with
numpy a block at a time.  A customer whose walk is over keeps nothing sized by
the journey (:meth:`~journeydsl.sim.engine.customers.Customer.release`).
"""

from __future__ import annotations

from .replication import Engine, run_replication
from .trace_row import TRACE_COLUMNS, TraceRow

__all__ = ["Engine", "TraceRow", "TRACE_COLUMNS", "run_replication"]
