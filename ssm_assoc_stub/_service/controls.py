"""The test-side controls over one stub's state (pure core).

What ``AssociationStub`` (and the server's controls) call on the state besides
the SSM operations: move the clock (``advance``, ``settle``), run an association
now (``run``), read its executions, change the fleet (``add_instance``,
``tag_instance``, ``untag_instance``, ``remove_instance``), alarms and calendars,
outcomes and documents.  Each takes the state's lock; the ones that run the
simulator turn a user's mistake into a plain Python error (``user_errors``) and
refuse to run from inside an outcome function.  ``service.Backend`` builds on it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .documents import Document
from .engine import Execution
from .fleet import Instance, OutcomeFunction, targets_node
from .misuse import StubStateError, user_errors
from .state import State

__all__ = ["Controls"]


class Controls(State):
    """One stub's state with the controls a test uses on it."""

    def advance(self, delta: float | timedelta) -> datetime:
        if isinstance(delta, bool) or not isinstance(delta, (int, float, timedelta)):
            raise TypeError(f"advance() takes seconds or a timedelta, got {delta!r}")
        if isinstance(delta, float) and not math.isfinite(delta):
            raise ValueError(f"advance() takes a finite number of seconds, got {delta!r}")
        try:
            step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        except OverflowError:
            step = timedelta.max
        if step < timedelta(0):
            raise ValueError(f"advance() cannot go back in time ({delta!r})")
        with self.lock, user_errors():
            self._refuse_inside_outcome("advance")
            self.catch_up()  # then ahead of the code's clock, on its own
            self.sync_nodes(renew=True)
            self.joins.start_pending()
            try:
                target = self.clock.now + step
            except OverflowError:
                raise ValueError(
                    f"advance({delta!r}) would move the clock past the end of year 9999 "
                    f"(it is {self.clock.now.isoformat()})"
                ) from None
            self.simulator.run_until(target)
            now = self.clock.now
        self.flush_notices()
        return now

    def settle(self) -> None:
        with self.lock, user_errors():
            self._refuse_inside_outcome("settle")
            self.catch_up()
            self.joins.start_pending()
            self.simulator.settle()
        self.flush_notices()

    def run(self, association_id: str) -> Execution:
        with self.lock, user_errors():
            self._refuse_inside_outcome("run")
            state = self.find(association_id)
            self.catch_up()
            self.sync_nodes(renew=True)
            self.joins.start_pending()
            self.simulator.settle()
            if not self.calendars_open(state.spec):
                closed = [
                    name
                    for name in state.spec.calendar_names or ()
                    if self.calendars.state(name, self.clock.now) != "OPEN"
                ]
                raise StubStateError(
                    f"run({association_id!r}): the association did not run: its Change "
                    f"Calendar {', '.join(closed)} is CLOSED at {self.clock.now.isoformat()} "
                    "(D-CAL-1). Open it with set_calendar_state(name, 'OPEN')."
                )
            self.start_execution(state)
            self.simulator.settle()
            execution = state.executions[-1]
        self.flush_notices()
        return execution

    def executions(self, association_id: str) -> tuple[Execution, ...]:
        with self.lock:
            state = self.find(association_id)
            done = tuple(state.executions)
            current = self.engine.snapshot(association_id)
            found = done + ((current,) if current is not None else ())
        self.flush_notices()  # a run the pending start began just now may have found no node
        return found

    # -- the fleet: every change goes through State.fleet_changed's rule ---------
    def add_instance(self, instance_id: str, **options: Any) -> None:
        with self.lock, user_errors():
            before = self.fleet.get(instance_id)
            self.fleet.add(instance_id, **options)
            self._joins_changed({instance_id: before})

    def tag_instance(self, instance_id: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags of a known node."""
        with self.lock:
            before = self._known(instance_id, "tag_instance")
            if not isinstance(tags, Mapping):
                raise TypeError(f"tag_instance() takes a mapping of tags, got {tags!r}")
            merged = {**before.tags, **tags}
            self.fleet.add(instance_id, **self.fleet.details(before, tags=merged))
            self._joins_changed({instance_id: before})

    def untag_instance(self, instance_id: str, keys: Iterable[str]) -> None:
        """Remove tag keys from a known node (keys it does not have are ignored)."""
        with self.lock:
            before = self._known(instance_id, "untag_instance")
            if isinstance(keys, str) or not isinstance(keys, Iterable):
                raise TypeError(f"untag_instance() takes an iterable of tag keys, got {keys!r}")
            gone = set(keys)
            kept = {k: v for k, v in before.tags.items() if k not in gone}
            self.fleet.add(instance_id, **self.fleet.details(before, tags=kept))
            self._joins_changed({instance_id: before})

    def _known(self, instance_id: str, what: str) -> Instance:
        instance = self.fleet.get(instance_id)
        if instance is None:
            raise KeyError(f"{what}(): no managed node {instance_id!r}; add it with add_instance()")
        return instance

    def remove_instance(self, instance_id: str) -> None:
        with self.lock:
            self.fleet.remove(instance_id)
            # Its latest results of associations that no longer reach it are never
            # read again (the per-node views ask targets_node): forget them, so
            # replacing nodes does not grow memory.
            for state in self.by_id.values():
                results = state.node_results
                if instance_id in results and not targets_node(state.spec, instance_id, None):
                    del results[instance_id]

    # -- alarms and calendars (D-ALM-1, D-CAL-1) ---------------------------------
    def set_alarm_state(self, name: str, state: str, at: datetime | None) -> None:
        with self.lock:
            self.alarms.set(name, state, self._instant(at, "set_alarm_state"), self.clock.now)

    def set_calendar_state(self, name: str, state: str, at: datetime | None) -> None:
        with self.lock:
            moment = self._instant(at, "set_calendar_state")
            self.calendars.set(name, state, moment, self.clock.now)
            if state == "OPEN" and moment > self.clock.now:
                # Nodes that joined while it was closed run when it opens (D-CAL-1).
                self.simulator.call_at(moment, self.joins.start_pending, kind="timer")

    def _instant(self, at: datetime | None, what: str) -> datetime:
        if at is None:
            return self.clock.now
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise TypeError(f"{what}(): at= takes an aware datetime, got {at!r}")
        return at.astimezone(self.clock.now.tzinfo).replace(
            microsecond=at.microsecond // 1000 * 1000
        )

    def set_outcome(
        self,
        target: str,
        status: str | OutcomeFunction,
        duration: float | None,
        *,
        output: str | None = None,
        error: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        with self.lock:
            self.fleet.set_outcome(
                target, status, duration, output=output, error=error, exit_code=exit_code
            )

    def add_document(self, name: str, **kwargs: Any) -> Document:
        kwargs.setdefault("owner", None if name.startswith("AWS-") else self.options.account_id)
        with self.lock:
            return self.documents.add(name, **kwargs)
