"""When associations run on their schedules (pure core).

Each association with a ScheduleExpression has at most one pending timer on the
simulator.  A timer that fires while the association is still running does not
start a second run (runs are never doubled); the next one is planned either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .journal import TxDict
from .schedule import parse_schedule

if TYPE_CHECKING:
    from .clock import Clock
    from .engine import Engine, Handle
    from .model import AssociationState
    from .simulator import Simulator

__all__ = ["Scheduler"]


class Scheduler:
    def __init__(
        self,
        clock: Clock,
        simulator: Simulator,
        engine: Engine,
        start: Callable[[AssociationState], None],
    ) -> None:
        self._clock = clock
        self._simulator = simulator
        self._engine = engine
        self._start = start
        self._timers: dict[str, Handle] = TxDict()

    def cancel(self, state: AssociationState) -> None:
        handle = self._timers.pop(state.association_id, None)
        if handle is not None:
            handle.cancel()

    def plan(self, state: AssociationState, *, created: bool) -> bool:
        """Plan the next scheduled run; True when an ``at()`` time has already passed.

        A one-time ``at()`` schedule whose time has passed runs immediately
        (spec section 13), even with ApplyOnlyAtCronInterval.
        """
        self.cancel(state)
        spec = state.spec
        if spec.schedule_expression is None:
            return False
        schedule = parse_schedule(spec.schedule_expression)
        now = self._clock.now
        offset = spec.schedule_offset if schedule.kind == "cron" else None
        try:
            when = schedule.next_run(
                after=now, previous_start=None if created else now, offset_days=offset
            )
        except OverflowError:  # the next run would fall after year 9999: never planned
            when = None
        if created and schedule.runs_at_creation(now):
            return True
        if when is None:
            return False
        version = state.latest.version
        self._timers[state.association_id] = self._simulator.call_at(
            when, lambda: self._fire(state, version), kind="timer"
        )
        return False

    def _fire(self, state: AssociationState, version: int) -> None:
        self._timers.pop(state.association_id, None)
        if state.deleted or state.latest.version != version:
            return
        if not self._engine.running(state.association_id):
            self._start(state)
        self.plan(state, created=False)
