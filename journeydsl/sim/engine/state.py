"""The state of one replication, shared by the engine's roles and declared once.

:class:`~journeydsl.sim.engine.replication.Engine` is made of roles (arrivals,
customers, the walk, the experience of a touchpoint, judgement, cycles, word of
mouth, care), each a class in a module of its own.  They share the state of
the replication they run: this class declares it, with its types, and the
methods that one role calls of another; :class:`Engine` sets it up.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import simpy

    from ..metrics import Collector
    from ..plan import Plan, StagePlan, TouchpointPlan
    from ..schedule import Schedule
    from ..series import SeriesCollector
    from ..settings import RunSettings
    from ..streams import KeyedBlocks
    from .customers import BlockAttributes, Customer, CustomerColumns, Spread
    from .experience import GaveUp, MomentWeights
    from .judgement import Judgement, JudgementWeights
    from .memory import MemorySpread
    from .trace_row import TraceRow
    from .walk import PlainTouchpoint, StageRecord, WalkEnd
    from .word_of_mouth import WordOfMouthWeights

__all__ = ["EngineState"]


class EngineState:
    """What the roles of one replication share (set up by :class:`Engine`)."""

    # ---- the run
    plan: Plan
    run: RunSettings
    seed: int
    trace: Callable[[TraceRow], None] | None
    replication: int
    progress: Callable[[float], None] | None
    _progress_step: int
    env: simpy.Environment
    collector: Collector
    #: The queue of every touchpoint with a capacity, by touchpoint index.
    resources: dict[int, simpy.Resource]
    #: The generator of arrival gaps (every other decision draws a keyed number).
    arrival_rng: random.Random
    #: Customers' numbers, for blocks of arrivals at once.
    blocks: KeyedBlocks
    horizon: float | None
    #: How long a customer is followed after their arrival (the horizon, else without limit).
    window: float
    #: When arrivals stopped (infinite while they go on).
    arrivals_end: float
    #: Whether arrivals are a cohort: no steady state, so counters are observed and staffed until served out.
    cohort: bool
    #: When the last service at a counter ended so far (a cohort's counters are staffed until then).
    last_service_end: float
    #: Customers made so far, referred ones included (the next customer's index).
    next_index: int
    #: Customers from the arrival process so far.
    arrivals_made: int
    #: Adopters of a market so far.
    adopters: int
    #: The shared brand image, from -1 to +1.
    brand: float
    #: A market's adopters' voices added up: what drives imitation (see word_of_mouth.py).
    voices: float
    #: What happens per period (the collector's time series).
    series: SeriesCollector
    #: Whether a touchpoint has a queue (customers are then processes; else their walks never wait).
    _queues: bool
    #: Whether customers with queues are driven by callbacks (every queue on the heap), not SimPy processes.
    _driven: bool
    #: Poisson arrivals made so far (by callbacks, without opening hours).
    _poisson_count: int
    #: The opening hours when counters send their queues away at closing (``at closing turn away``), else None.
    _turn_away: Schedule | None

    # ---- looked up once from the plan
    #: The decision keys of touchpoints, stages and care programmes.
    _tp_site: list[int]
    _stage_site: list[int]
    _care_site: list[int]
    _columns: CustomerColumns
    #: Each touchpoint's ``(module, value)`` effects.
    _modules: list[tuple[tuple[int, float], ...]]
    #: Per segment: what a moment, a customer, a judgement and word of mouth need of its settings.
    _moment_weights: list[MomentWeights]
    _spreads: list[Spread]
    _judge: list[JudgementWeights]
    #: Per segment: its memory weights and how its customers' weights spread around them.
    _memory: list[MemorySpread]
    _wom: list[WordOfMouthWeights]
    #: Whether positive stories bring referred customers (not in a market journey).
    _referrals: bool
    _brand_arrivals: float
    _brand_expectation: float
    #: Per segment: its direct effect at every touchpoint, or None when each customer has their own.
    _directs: list[list[float] | None]
    #: The walk's view of every touchpoint (None: not plain) and stage.
    _tp_records: list[PlainTouchpoint | None]
    _stage_records: list[StageRecord]
    #: ``(column, bounds)`` of the first transition out of each stage.
    _choices: list[tuple[int, tuple[float, ...]]]
    #: Where the visits of customers in the warm-up go: nowhere.
    _discard: list[deque[float]]
    #: Where the mood carried into their visits adds up: nowhere that is read.
    _mood_scratch: list[float]
    #: Where the first visits of customers in the warm-up are counted: nowhere that is read.
    _reach_scratch: list[int]
    #: The segments' shares, summed (the last is infinite).
    _segment_cumulative: list[float]

    def _at_once(self, c: Customer, callback: Callable[[simpy.Event], None]) -> None:
        """Call ``callback`` with an event whose value is ``c`` at this instant, before the instant's other events.

        Where a SimPy process would start or resume at once (an urgent event), so
        that a customer driven by callbacks keeps the process's place in the clock's order.
        """
        from simpy.core import URGENT, Event

        event = Event(self.env)
        event._ok = True
        event._value = c
        event.callbacks.append(callback)
        self.env.schedule(event, URGENT)

    if TYPE_CHECKING:
        # What one role calls of another (each is defined in its role's module).
        def _arrive(self, now: float, key: int | None = None) -> Customer: ...

        def _referral(self, key: int) -> Generator[simpy.Event, Any, None]: ...

        def _make_customer(
            self,
            index: int,
            now: float,
            key: int,
            u_row: Sequence[float],
            z_row: Sequence[float],
            offset: int,
            block: BlockAttributes | None = None,
        ) -> Customer: ...

        def _block_attributes(self, keys: Any, u: Any, z: Any) -> list[BlockAttributes]: ...

        def _customer(self, c: Customer) -> Generator[simpy.Event, Any, None]: ...

        def _begin(self, c: Customer) -> None: ...

        def _on_begin(self, event: simpy.Event) -> None: ...

        def _drive(self, c: Customer) -> None: ...

        def _on_drive(self, event: simpy.Event) -> None: ...

        def _walk(self, c: Customer, stage: StagePlan) -> Generator[simpy.Event, Any, WalkEnd]: ...

        def _queue(
            self, c: Customer, tp: TouchpointPlan, stage: StagePlan
        ) -> Generator[simpy.Event, Any, TouchpointPlan | GaveUp | None]: ...

        def _experience(
            self,
            c: Customer,
            tp: TouchpointPlan,
            stage: StagePlan,
            time: float,
            wait: float,
            duration: float,
            reneged: bool,
            turned_away: bool = False,
        ) -> TouchpointPlan | None: ...

        @staticmethod
        def _disconfirmation(c: Customer, performance: tuple[tuple[int, float], ...]) -> float: ...

        def _close_cycle(self, c: Customer, converted: bool, duration: float) -> Judgement: ...

        def _word_of_mouth(self, c: Customer, sat: float) -> None: ...

        def _start_care(self, c: Customer, since: float) -> None: ...

        def _care_until(self, c: Customer, now: float, effects: bool = True) -> None: ...
