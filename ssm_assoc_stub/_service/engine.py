"""Association executions as a deterministic discrete-event simulation (pure core).

``Engine`` runs executions with the rate-control rules of spec section 10 and
the decisions D-RC-1..D-RC-10: all slots fill at the start (D-RC-9), targets
are dispatched in the order given (D-RC-10), each completion is an
``"execution"`` event on the ``Simulator``, and after every completion the
error threshold is checked before the freed slot is refilled (D-RC-2, D-RC-3).

Cost: a target costs one outcome call, one heap entry ``(ms, seq, run, arg)``
(the run is its own event sink, ``arg`` packs the dispatch position and the
final status) and a few column writes; times are integer milliseconds.  Counts
are kept incrementally (a list indexed by status code), so the Overview of a
running execution is O(1).  The per-target results live in the columns of
``executions.TargetTable``; the final ``Execution`` is built once, at the end,
from the run's columns without copying them.

Re-entrancy: the engine calls user code in one place, the outcome function of
``_dispatch``.  While it runs, ``busy`` is true; the caller (``State``) then
hands what would change a run (starting, stopping, adding targets) to
``defer``, and the engine runs it as soon as its outermost step returns, at the
same simulated time.  ``cancel`` is safe at any time: a cancelled run stops
dispatching at once and its queued completions are dead entries.

Built on them: a per-node index makes a dispatch time out the target of another
association still running on that node (D-RC-13); a gate asked before each
dispatch stops it while an alarm is in ALARM, the undispatched ending Cancelled
(D-ALM-1); a cutoff event ends the running targets Cancelled at the end of a
Duration window (D-DUR-1).  A target ended early leaves its completion entry on
the heap; ``_Run._fire`` ignores it (its status is no longer InProgress).

Extension points (for behaviours built on top):

* ``_dispatch(run, instance_id)`` is the only place a target starts and
  ``_complete`` the only place one ends: a per-node gate (one association at a
  time per node) or a stop condition (alarms, Duration windows) hooks there.
* ``_Run`` holds a run's mutable state (``__slots__``: add a slot); a timer for a
  run is ``simulator.call_at_ms(ms, sink, arg, kind="timer")`` with any sink.
* ``_halt(run)`` stops dispatching (the undispatched end Skipped); ``_finish``
  builds the record once nothing is in flight.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from .clock import Clock
from .executions import (
    CANCELLED,
    FAILED,
    IN_PROGRESS,
    PENDING,
    SKIPPED,
    STATUSES,
    SUCCESS,
    TIMED_OUT,
    Execution,
    TargetResult,
    TargetTable,
    TraceEvent,
)
from .journal import TxDict, TxList, fresh, snapshot
from .ratecontrol import (
    MAX_CONCURRENCY_PATTERN,
    concurrency_slots,
    format_counts,
    tolerated_errors,
)
from .simulator import Handle, Simulator, from_ms

__all__ = ["Engine", "Execution", "Handle", "Outcome", "Simulator", "TargetResult", "TraceEvent"]

#: ``(status, duration in seconds)``: how one target's run ends, and when.
Outcome = tuple[str, float]
_OUTCOME_CODES = {"Success": SUCCESS, "Failed": FAILED, "TimedOut": TIMED_OUT}
_SORTED_CODES = sorted(range(len(STATUSES)), key=lambda code: STATUSES[code])
_MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
_MS = timedelta(milliseconds=1)
_CUTOFF = -1  # the event argument of a Duration cutoff (D-DUR-1)
#: Asked before each dispatch: the alarms that stop it, as ``(name, state)`` (D-ALM-1).
Gate = Callable[[], tuple[tuple[str, str], ...]]
_DURATIONS: dict[float, int] = {}  # seconds -> whole ms, as datetime arithmetic truncates


def _duration_ms(seconds: float) -> int:
    ms = _DURATIONS.get(seconds)
    if ms is None:
        ms = timedelta(seconds=seconds) // _MS
        if len(_DURATIONS) >= 4096:
            _DURATIONS.clear()
        _DURATIONS[seconds] = ms
    return ms


class _Run:
    """The mutable state of one execution in progress; its own event sink."""

    __slots__ = (
        "_live", "alarms", "association_id", "association_version", "counts", "created_ms",
        "cutoff", "ended", "engine", "errors", "execution_id", "gate", "halted", "ids",
        "in_flight", "index", "last_end", "next_index", "on_finish", "order", "outcome", "peak",
        "rest_code", "slots", "started", "status", "threshold_ms", "tolerated", "__weakref__",
    )  # fmt: skip
    association_id: str
    association_version: str
    execution_id: str
    created_ms: int
    slots: int
    tolerated: int
    outcome: Callable[[str], Outcome]
    on_finish: Callable[[Execution], None]

    def __init__(self, engine: Engine, order: list[str], index: dict[str, int]) -> None:
        self.engine = engine
        self._live = True  # False once cancelled: its queued completions are dead
        self.order = order  # to dispatch, in order; order[next_index:] not dispatched
        self.index = index  # id -> dispatch position, -1 while not dispatched
        self.next_index = 0
        self.ids: list[str] = []  # dispatched, in dispatch order
        self.status = bytearray()
        self.started: array[int] = array("q")
        self.ended: array[int] = array("q")
        self.counts = [0] * len(STATUSES)
        self.counts[PENDING] = len(order)
        self.in_flight = self.errors = self.peak = 0
        self.halted = False  # no more dispatch: threshold crossed, stop(), alarm, cutoff
        self.rest_code = SKIPPED  # what the undispatched end as once halted
        self.threshold_ms: int | None = None
        self.last_end: int | None = None
        self.gate: Gate | None = None  # D-ALM-1
        self.alarms: tuple[tuple[str, str], ...] = ()
        self.cutoff = False  # a Duration cutoff is queued (D-DUR-1)

    def _fire(self, arg: int) -> None:
        if arg == _CUTOFF:
            self.engine._cut_off(self)
            return
        position = arg >> 3
        if self.status[position] == IN_PROGRESS:  # else ended early (D-RC-13, D-DUR-1)
            self.engine._complete(self, position, arg & 7)


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
        self._runs: dict[str, _Run] = TxDict()  # journaled: a failed call starts nothing
        # D-RC-13: node -> (run, position) of the association running there
        self._on_node: dict[str, tuple[_Run, int]] = TxDict()
        self._calling = 0  # outcome functions running (user code)
        self._depth = 0  # engine entries running
        self._deferred: list[Callable[[], None]] = TxList()  # run when the engine is idle
        self._draining = False

    # -- queries --------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while an outcome function runs: changes to runs must wait (``defer``)."""
        return self._calling > 0

    def defer(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the outermost engine step returns (at the same simulated time).

        For what an outcome function asks for that would change a run.
        """
        self._deferred.append(action)

    def running(self, association_id: str) -> bool:
        return association_id in self._runs

    def running_ids(self) -> list[str]:
        return list(self._runs)

    def snapshot(self, association_id: str) -> Execution | None:
        """The run in progress as a record that stays as it is (its columns copied)."""
        run = self._runs.get(association_id)
        return None if run is None else self._record(run, final=False, copy=True)

    def view(self, association_id: str) -> Execution | None:
        """The run in progress, reading its live columns: valid until the engine next changes."""
        run = self._runs.get(association_id)
        return None if run is None else self._record(run, final=False, copy=False)

    def progress_counts(self, association_id: str) -> Mapping[str, int] | None:
        """Per-target status counts of the run in progress (D-ST-1), keys sorted; O(1)."""
        run = self._runs.get(association_id)
        return None if run is None else _counts(run.counts)

    def current_result(self, association_id: str, instance_id: str) -> TargetResult | None:
        """``instance_id``'s result in the run in progress if it was dispatched; O(1)."""
        run = self._runs.get(association_id)
        position = -1 if run is None else run.index.get(instance_id, -1)
        if run is None or position < 0:
            return None
        status = STATUSES[run.status[position]]
        ended = run.ended[position]
        return TargetResult(
            instance_id,
            status,
            status,
            from_ms(run.started[position]),
            None if ended < 0 else from_ms(ended),
        )

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
        gate: Gate | None = None,
        cutoff_after: float | None = None,
    ) -> None:
        """Start an execution now; ``on_finish`` gets the final record exactly once.

        ``gate`` is asked before each dispatch; the alarms it names stop dispatch
        and the undispatched end Cancelled (D-ALM-1).  ``cutoff_after`` seconds
        after the start, running targets end Cancelled and the rest Skipped
        (D-DUR-1).  Duplicate ids in ``targets`` count once.  An exception from ``outcome`` (or
        an outcome that is not ``(Success|Failed|TimedOut, seconds >= 0)``)
        abandons the execution as ``cancel`` would, and propagates.
        """
        current = self._runs.get(association_id)
        if current is not None:
            raise RuntimeError(
                f"association {association_id} already has execution {current.execution_id} "
                "in progress; stop() or cancel() it first"
            )
        index = dict.fromkeys(targets, -1)
        order = list(index)
        total = len(order)
        run = _Run(self, order, index)
        fresh(run)  # a failed call drops it whole: no per-change undo
        run.association_id = association_id
        run.association_version = association_version
        run.execution_id = execution_id
        run.created_ms = self._simulator.now_ms()
        run.slots = concurrency_slots(max_concurrency, total, default=self._default)
        run.tolerated = tolerated_errors(max_errors, total)
        run.outcome = outcome
        run.on_finish = on_finish
        run.gate = gate
        self._runs[association_id] = run
        if cutoff_after is not None:
            run.cutoff = True
            cutoff_ms = run.created_ms + _duration_ms(cutoff_after)
            self._simulator.call_at_ms(cutoff_ms, run, _CUTOFF)
        self._enter(self._advance, run)

    def add_target(self, association_id: str, instance_id: str) -> bool:
        """D-RC-8: a node joining mid-run is dispatched at once, even above the limit.

        Once dispatch has stopped (threshold crossed or ``stop``) the node is
        recorded as ``Skipped`` instead: the stub's choice.  False when nothing is
        running or the node is already part of the execution.  O(1).
        """
        run = self._runs.get(association_id)
        if run is None or instance_id in run.index:
            return False
        snapshot(run)  # once per transaction: a failed call leaves the run as it was
        run.index[instance_id] = -1
        if not run.halted:
            self._stopped_by_alarm(run)  # checked before each dispatch (D-ALM-1)
        if run.halted:
            run.order.append(instance_id)  # after next_index: shown as Skipped/Cancelled
            self._skip(run, [instance_id])
        else:
            self._enter(self._dispatch, run, instance_id)
        return True

    def stop(self, association_id: str) -> Execution | None:
        """Stop dispatching: targets not started end Skipped; running ones finish normally.

        Returns the current snapshot (the final record if nothing was running), or
        None when the association has no execution in progress.
        """
        run = self._runs.get(association_id)
        if run is None:
            return None
        snapshot(run)  # once per transaction: a failed call leaves the run as it was
        self._halt(run)
        if run.in_flight == 0:
            return self._finish(run)
        return self.snapshot(association_id)

    def cancel(self, association_id: str) -> None:
        """Drop the execution in progress (if any): no more events, no ``on_finish``."""
        run = self._runs.pop(association_id, None)
        if run is None:
            return
        snapshot(run)  # once per transaction: a failed call leaves the run as it was
        run._live = False
        dead = run.in_flight + (1 if run.cutoff else 0)
        if dead:
            self._simulator.dead("execution", dead)

    # -- the state machine ----------------------------------------------------
    def _enter(self, step: Callable[..., Any], run: _Run, *args: Any) -> None:
        """Run one step; a failure cancels the run; the outermost exit calls ``on_idle``."""
        self._depth += 1
        try:
            step(run, *args)
        except BaseException:
            if self._runs.get(run.association_id) is run:
                self.cancel(run.association_id)
            raise
        finally:
            self._depth -= 1
        if self._deferred and self._depth == 0:
            self._drain()

    def _drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            while self._deferred and not self.busy:
                self._deferred.pop(0)()
        finally:
            self._draining = False

    def _advance(self, run: _Run) -> None:
        """Fill the free slots, then end the run if nothing is left to do."""
        order = run.order
        while (
            run._live
            and not run.halted
            and run.in_flight < run.slots
            and run.next_index < len(order)
        ):
            if run.gate is not None and self._stopped_by_alarm(run):
                break
            instance_id = order[run.next_index]
            run.next_index += 1
            run.counts[PENDING] -= 1
            self._dispatch(run, instance_id)
        if run._live and run.in_flight == 0 and (run.halted or run.next_index >= len(order)):
            self._finish(run)

    def _dispatch(self, run: _Run, instance_id: str) -> None:
        self._calling += 1
        try:
            status, duration = run.outcome(instance_id)
        finally:
            self._calling -= 1
        code = _OUTCOME_CODES.get(status) if isinstance(status, str) else None
        if code is None:
            expected = ", ".join(sorted(_OUTCOME_CODES))
            raise ValueError(f"outcome for {instance_id} has status {status!r}; use {expected}")
        number = isinstance(duration, (int, float)) and not isinstance(duration, bool)
        if not (number and 0 <= duration < math.inf):
            raise ValueError(f"outcome for {instance_id} has duration {duration!r}; need >= 0 s")
        now = self._simulator.now_ms()
        end = now + _duration_ms(duration)
        if end > _MAX_MS:  # D-SAFE-3: past year 9999, the run never ends on this clock
            end = _MAX_MS
        if not run._live:  # the outcome function cancelled the run (deleted it)
            return
        position = len(run.ids)
        run.ids.append(instance_id)
        run.status.append(IN_PROGRESS)
        run.started.append(now)
        run.ended.append(-1)
        run.index[instance_id] = position
        run.counts[IN_PROGRESS] += 1
        run.in_flight += 1
        if run.in_flight > run.peak:
            run.peak = run.in_flight
        self._simulator.call_at_ms(end, run, position << 3 | code)
        if self._trace is not None:
            self._emit(run, "dispatch", instance_id, "InProgress")
        previous = self._on_node.get(instance_id)
        self._on_node[instance_id] = (run, position)
        if previous is not None:
            other, at = previous
            if other is not run and other._live and other.status[at] == IN_PROGRESS:
                # D-RC-13: one association at a time; the earlier one times out now.
                self._complete(other, at, TIMED_OUT)

    def _complete(self, run: _Run, position: int, code: int) -> None:
        snapshot(run)  # once per transaction: a failed call leaves the run as it was
        self._depth += 1
        try:
            now = self._simulator.now_ms()
            node = self._on_node.get(run.ids[position])
            if node is not None and node[0] is run:
                del self._on_node[run.ids[position]]
            run.status[position] = code
            run.ended[position] = now
            counts = run.counts
            counts[IN_PROGRESS] -= 1
            counts[code] += 1
            run.in_flight -= 1
            run.last_end = now
            error = code != SUCCESS
            if error:
                run.errors += 1
            if self._trace is not None:
                self._emit(run, "complete", run.ids[position], STATUSES[code])
            if error and not run.halted and run.errors > run.tolerated:  # D-RC-2, D-RC-3
                run.threshold_ms = now
                self._emit(run, "threshold", run.ids[position], STATUSES[code])
                self._halt(run)
            self._advance(run)  # refill the freed slot
        except BaseException:
            if self._runs.get(run.association_id) is run:
                self.cancel(run.association_id)
            raise
        finally:
            self._depth -= 1
        if self._deferred and self._depth == 0:
            self._drain()

    def _stopped_by_alarm(self, run: _Run) -> bool:
        """D-ALM-1: ask the gate; an alarm halts dispatch, the rest end Cancelled."""
        alarms = run.gate() if run.gate is not None else ()
        if not alarms:
            return False
        run.alarms = alarms
        self._halt(run, CANCELLED)
        return True

    def _cut_off(self, run: _Run) -> None:
        """D-DUR-1: the end of the Duration window: running targets end Cancelled."""
        snapshot(run)  # once per transaction: a failed call leaves the run as it was
        run.cutoff = False
        self._depth += 1
        try:
            now = self._simulator.now_ms()
            status, counts, on_node = run.status, run.counts, self._on_node
            cancelled = 0
            for position, code in enumerate(status):
                if code == IN_PROGRESS:
                    status[position] = CANCELLED
                    run.ended[position] = now
                    node = on_node.get(run.ids[position])
                    if node is not None and node[0] is run:
                        del on_node[run.ids[position]]
                    cancelled += 1
            counts[IN_PROGRESS] -= cancelled
            counts[CANCELLED] += cancelled
            run.in_flight = 0
            if cancelled:
                run.last_end = now
                self._simulator.dead("execution", cancelled)
            self._halt(run)
        finally:
            self._depth -= 1
        self._enter(self._advance, run)

    def _halt(self, run: _Run, code: int = SKIPPED) -> None:
        if not run.halted:
            run.halted = True
            run.rest_code = code
            self._skip(run, run.order[run.next_index :], pending=True)

    def _skip(self, run: _Run, instance_ids: list[str], *, pending: bool = False) -> None:
        if pending:
            run.counts[PENDING] -= len(instance_ids)
        run.counts[run.rest_code] += len(instance_ids)
        if self._trace is not None:
            for instance_id in instance_ids:
                self._emit(run, "skip", instance_id, STATUSES[run.rest_code])

    def _finish(self, run: _Run) -> Execution:
        if self._runs.get(run.association_id) is run:
            del self._runs[run.association_id]
        run._live = False
        if run.cutoff:  # its Duration cutoff will never fire
            self._simulator.dead("execution", 1)
        execution = self._record(run, final=True, copy=False)
        run.index = {}  # the record does not need it; drop it now
        if self._trace is not None:
            self._emit(run, "finish", None, execution.status)
        run.on_finish(execution)
        return execution

    def _record(self, run: _Run, *, final: bool, copy: bool) -> Execution:
        rest_code = run.rest_code if run.halted else PENDING
        if final:
            rest = run.order[run.next_index :]
            table = TargetTable(run.ids, run.status, run.started, run.ended, rest, rest_code)
        else:
            table = TargetTable(
                run.ids, run.status, run.started, run.ended, run.order, rest_code,
                rest_start=run.next_index, index=run.index,
            )  # fmt: skip
            if copy:
                table = table.copy()
        counts = _counts(run.counts)
        created = from_ms(run.created_ms)
        if final:
            status = "Success" if counts.get("Success", 0) == len(table) else "Failed"
            ended = from_ms(run.last_end) if run.last_end is not None else created
        else:
            status, ended = "InProgress", None
        return Execution(
            execution_id=run.execution_id,
            association_id=run.association_id,
            association_version=run.association_version,
            status=status,
            detailed_status=status,
            created_time=created,
            ended_time=ended,
            targets=table,
            resource_count_by_status=format_counts(counts),
            status_counts=MappingProxyType(counts),
            peak_concurrency=run.peak,
            threshold_crossed_at=None if run.threshold_ms is None else from_ms(run.threshold_ms),
            triggered_alarms=run.alarms,
            slots=run.slots,
            tolerated=run.tolerated,
        )

    def _emit(self, run: _Run, kind: str, instance_id: str | None, status: str) -> None:
        if self._trace is not None:
            now, aid, flight = self._clock.now, run.association_id, run.in_flight
            self._trace(TraceEvent(now, kind, aid, instance_id, status, flight, run.errors))


def _counts(counts: list[int]) -> dict[str, int]:
    """The counts by status name, keys sorted, no zero entries."""
    return {STATUSES[code]: counts[code] for code in _SORTED_CODES if counts[code]}
