"""Association executions as a deterministic discrete-event simulation (pure core).

``Engine`` runs executions on it with the rate-control rules of spec section 10
and the decisions D-RC-1..D-RC-10: all slots fill at the start (D-RC-9),
targets are dispatched in the order given (D-RC-10), each completion is an
``"execution"`` event, and after every completion the error threshold is checked
before the freed slot is refilled (D-RC-2, D-RC-3, D-RC-10).  Counts are kept
incrementally; the ``Execution`` record is built only at the end or on request.
The event loop itself is ``_simulator.Simulator``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import attrs

from .clock import Clock
from .ratecontrol import (
    MAX_CONCURRENCY_PATTERN,
    concurrency_slots,
    format_counts,
    is_error,
    threshold_crossed,
    tolerated_errors,
)
from .simulator import Handle, Simulator

__all__ = ["Engine", "Execution", "Handle", "Outcome", "Simulator", "TargetResult", "TraceEvent"]

#: ``(status, duration in seconds)``: how one target's run ends, and when.
Outcome = tuple[str, float]
_OUTCOME_STATUSES = frozenset({"Success", "Failed", "TimedOut"})


@attrs.frozen
class TargetResult:
    """One target's part in an execution."""

    instance_id: str
    status: str  # Pending | InProgress | Success | Failed | TimedOut | Skipped
    detailed_status: str
    started: datetime | None  # None until dispatched (and for Skipped)
    ended: datetime | None  # None until finished (and for Skipped)


@attrs.frozen
class Execution:
    """One association execution, in progress (a snapshot) or finished."""

    execution_id: str
    association_id: str
    association_version: str
    status: str  # InProgress, then Success or Failed (D-ST-1)
    detailed_status: str
    created_time: datetime
    ended_time: datetime | None
    targets: Mapping[str, TargetResult]  # dispatch order, then the not dispatched (D-RC-10)
    resource_count_by_status: str  # D-EXE-1
    status_counts: Mapping[str, int]  # keys sorted, no zero entries
    peak_concurrency: int
    threshold_crossed_at: datetime | None


@attrs.frozen
class TraceEvent:
    """One step of an execution, for explaining it (``Engine(trace=...)``)."""

    time: datetime
    kind: str  # dispatch | complete | threshold | skip | finish
    association_id: str
    instance_id: str | None  # None for "finish"
    status: str  # the target's status; the execution's for "finish"
    in_flight: int  # targets running after this step
    errors: int  # errors so far


@attrs.define(eq=False)
class _Run:
    """The mutable state of one execution in progress."""

    association_id: str
    association_version: str
    execution_id: str
    created_time: datetime
    order: list[str]  # the targets to dispatch, in order; order[next_index:] not dispatched
    members: set[str]
    slots: int
    tolerated: int
    outcome: Callable[[str], Outcome]
    on_finish: Callable[[Execution], None]
    next_index: int = 0
    dispatched: list[str] = attrs.Factory(list)
    results: dict[str, TargetResult] = attrs.Factory(dict)
    handles: dict[str, Handle] = attrs.Factory(dict)
    counts: dict[str, int] = attrs.Factory(dict)
    in_flight: int = 0
    errors: int = 0
    peak: int = 0
    halted: bool = False  # no more dispatch: threshold crossed or stop()
    threshold_at: datetime | None = None
    last_end: datetime | None = None


def _bump(counts: dict[str, int], key: str, delta: int) -> None:
    value = counts.get(key, 0) + delta
    if value:
        counts[key] = value
    else:
        counts.pop(key, None)


class Engine:
    """Runs association executions on a ``Simulator``; at most one per association."""

    def __init__(
        self,
        clock: Clock,
        simulator: Simulator,
        *,
        default_max_concurrency: str = "100%",
        trace: Callable[[TraceEvent], None] | None = None,
    ) -> None:
        if simulator.clock is not clock:
            raise ValueError("the engine and its simulator must share one clock")
        if MAX_CONCURRENCY_PATTERN.fullmatch(default_max_concurrency) is None:
            raise ValueError(
                f"default_max_concurrency {default_max_concurrency!r} is not a valid MaxConcurrency"
            )
        self._clock = clock
        self._simulator = simulator
        self._default = default_max_concurrency
        self._trace = trace
        self._runs: dict[str, _Run] = {}

    # -- queries --------------------------------------------------------------
    def running(self, association_id: str) -> bool:
        return association_id in self._runs

    def snapshot(self, association_id: str) -> Execution | None:
        run = self._runs.get(association_id)
        return None if run is None else self._view(run, final=False)

    def progress_counts(self, association_id: str) -> Mapping[str, int] | None:
        """Per-target status counts of the run in progress (D-ST-1), keys sorted; O(1)."""
        run = self._runs.get(association_id)
        return None if run is None else dict(sorted(run.counts.items()))

    # -- commands -------------------------------------------------------------
    def start(
        self,
        *,
        association_id: str,
        association_version: str,
        execution_id: str,
        targets: Sequence[str],
        max_concurrency: str | None,
        max_errors: str | None,
        outcome: Callable[[str], Outcome],
        on_finish: Callable[[Execution], None],
    ) -> None:
        """Start an execution now; ``on_finish`` gets the final record exactly once.

        Duplicate ids in ``targets`` count once.  An exception from ``outcome`` (or
        an outcome that is not ``(Success|Failed|TimedOut, seconds >= 0)``)
        abandons the execution as ``cancel`` would, and propagates.
        """
        current = self._runs.get(association_id)
        if current is not None:
            raise RuntimeError(
                f"association {association_id} already has execution {current.execution_id} "
                "in progress; stop() or cancel() it first"
            )
        order = list(dict.fromkeys(targets))
        total = len(order)
        run = _Run(
            association_id=association_id,
            association_version=association_version,
            execution_id=execution_id,
            created_time=self._clock.now,
            order=order,
            members=set(order),
            slots=concurrency_slots(max_concurrency, total, default=self._default),
            tolerated=tolerated_errors(max_errors, total),
            outcome=outcome,
            on_finish=on_finish,
            counts={"Pending": total} if total else {},
        )
        self._runs[association_id] = run
        self._guarded(run, self._advance, run)

    def add_target(self, association_id: str, instance_id: str) -> bool:
        """D-RC-8: a node joining mid-run is dispatched at once, even above the limit.

        Once dispatch has stopped (threshold crossed or ``stop``) the node is
        recorded as ``Skipped`` instead: the stub's choice.  False when nothing is
        running or the node is already part of the execution.
        """
        run = self._runs.get(association_id)
        if run is None or instance_id in run.members:
            return False
        run.members.add(instance_id)
        if run.halted:
            run.order.append(instance_id)  # after next_index: shown as Skipped
            self._skip(run, [instance_id])
        else:
            self._guarded(run, self._dispatch, run, instance_id)
        return True

    def stop(self, association_id: str) -> Execution | None:
        """Stop dispatching: targets not started end Skipped; running ones finish normally.

        Returns the current snapshot (the final record if nothing was running), or
        None when the association has no execution in progress.
        """
        run = self._runs.get(association_id)
        if run is None:
            return None
        self._halt(run)
        if run.in_flight == 0:
            return self._finish(run)
        return self._view(run, final=False)

    def cancel(self, association_id: str) -> None:
        """Drop the execution in progress (if any): no more events, no ``on_finish``."""
        run = self._runs.pop(association_id, None)
        if run is None:
            return
        for handle in run.handles.values():
            handle.cancel()
        run.handles.clear()

    # -- the state machine ----------------------------------------------------
    def _guarded(self, run: _Run, step: Callable[..., None], *args: Any) -> None:
        try:
            step(*args)
        except BaseException:
            if self._runs.get(run.association_id) is run:
                self.cancel(run.association_id)
            raise

    def _advance(self, run: _Run) -> None:
        """Fill the free slots, then end the run if nothing is left to do."""
        order = run.order
        while not run.halted and run.in_flight < run.slots and run.next_index < len(order):
            instance_id = order[run.next_index]
            run.next_index += 1
            _bump(run.counts, "Pending", -1)
            self._dispatch(run, instance_id)
        if run.in_flight == 0 and (run.halted or run.next_index >= len(order)):
            self._finish(run)

    def _dispatch(self, run: _Run, instance_id: str) -> None:
        status, duration = run.outcome(instance_id)
        if status not in _OUTCOME_STATUSES:
            expected = ", ".join(sorted(_OUTCOME_STATUSES))
            raise ValueError(f"outcome for {instance_id} has status {status!r}; use {expected}")
        number = isinstance(duration, (int, float)) and not isinstance(duration, bool)
        if not (number and 0 <= duration < math.inf):
            raise ValueError(f"outcome for {instance_id} has duration {duration!r}; need >= 0 s")
        now = self._clock.now
        run.dispatched.append(instance_id)
        run.results[instance_id] = TargetResult(instance_id, "InProgress", "InProgress", now, None)
        _bump(run.counts, "InProgress", 1)
        run.in_flight += 1
        run.peak = max(run.peak, run.in_flight)
        run.handles[instance_id] = self._simulator.call_at(
            now + timedelta(seconds=duration),
            functools.partial(self._complete, run, instance_id, status),
            kind="execution",
        )
        self._emit(run, "dispatch", instance_id, "InProgress")

    def _complete(self, run: _Run, instance_id: str, status: str) -> None:
        now = self._clock.now
        del run.handles[instance_id]
        started = run.results[instance_id].started
        run.results[instance_id] = TargetResult(instance_id, status, status, started, now)
        _bump(run.counts, "InProgress", -1)
        _bump(run.counts, status, 1)
        run.in_flight -= 1
        run.last_end = now
        if is_error(status):
            run.errors += 1
        self._emit(run, "complete", instance_id, status)
        if is_error(status) and not run.halted and threshold_crossed(run.errors, run.tolerated):
            run.threshold_at = now
            self._emit(run, "threshold", instance_id, status)
            self._halt(run)
        self._guarded(run, self._advance, run)

    def _halt(self, run: _Run) -> None:
        if not run.halted:
            run.halted = True
            self._skip(run, run.order[run.next_index :], pending=True)

    def _skip(self, run: _Run, instance_ids: list[str], *, pending: bool = False) -> None:
        if pending:
            _bump(run.counts, "Pending", -len(instance_ids))
        _bump(run.counts, "Skipped", len(instance_ids))
        if self._trace is not None:
            for instance_id in instance_ids:
                self._emit(run, "skip", instance_id, "Skipped")

    def _finish(self, run: _Run) -> Execution:
        del self._runs[run.association_id]
        execution = self._view(run, final=True)
        self._emit(run, "finish", None, execution.status)
        run.on_finish(execution)
        return execution

    def _view(self, run: _Run, *, final: bool) -> Execution:
        targets = {instance_id: run.results[instance_id] for instance_id in run.dispatched}
        rest = "Skipped" if run.halted else "Pending"
        for instance_id in run.order[run.next_index :]:
            targets[instance_id] = TargetResult(instance_id, rest, rest, None, None)
        counts = dict(sorted(run.counts.items()))
        if final:
            status = "Success" if counts.get("Success", 0) == len(targets) else "Failed"
            ended: datetime | None = run.last_end or run.created_time
        else:
            status, ended = "InProgress", None
        return Execution(
            execution_id=run.execution_id,
            association_id=run.association_id,
            association_version=run.association_version,
            status=status,
            detailed_status=status,
            created_time=run.created_time,
            ended_time=ended,
            targets=MappingProxyType(targets),
            resource_count_by_status=format_counts(counts),
            status_counts=MappingProxyType(counts),
            peak_concurrency=run.peak,
            threshold_crossed_at=run.threshold_at,
        )

    def _emit(self, run: _Run, kind: str, instance_id: str | None, status: str) -> None:
        if self._trace is not None:
            now, aid, flight = self._clock.now, run.association_id, run.in_flight
            self._trace(TraceEvent(now, kind, aid, instance_id, status, flight, run.errors))
