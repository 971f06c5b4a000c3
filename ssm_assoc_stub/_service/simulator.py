"""The event loop on virtual time (pure core).

``Simulator`` keeps two heaps, target completions (``"execution"``) and timers
(``"timer"``), keyed by integer milliseconds since the epoch and a sequence
number shared by both, so events at the same instant always run in the same
order (completions before timers, then in the order they were scheduled).
Nothing runs by itself: time moves only when the caller asks for it
(``run_until``, ``settle``).  No threads, no sleeps.

An entry is ``(ms, sequence, sink, arg)``: when it is due, ``sink._fire(arg)``
runs.  A ``Handle`` (``call_at``) is the general-purpose sink; the engine is its
own sink for target completions (``call_at_ms(ms, run, arg)``), so a target
costs one tuple on the heap and no closure.  A sink whose ``_live`` is false is
dead: its entries never fire, are dropped when they reach the top, and are
swept out of the heap once they outnumber the live ones (so cancelled timers
and the completions of a cancelled run do not pin memory; amortised O(1)).
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from .clock import Clock, to_millis
from .journal import TxDict, current, record, undo_log

__all__ = ["EPOCH", "Handle", "Simulator", "Sink", "from_ms", "to_ms"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)

# At one instant, target completions run before timers (scheduled association
# runs), so a run that ends exactly when the next one is due is over by then.
_PRIORITY = {"execution": 0, "timer": 1}
_SWEEP_MIN = 64  # never sweep a heap smaller than this


def to_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch of an aware datetime (truncated)."""
    return (to_millis(moment) - EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime of ``ms`` milliseconds since the epoch."""
    return EPOCH + timedelta(milliseconds=ms)


class Sink(Protocol):
    """What a heap entry fires: ``_fire(arg)``; ``_live`` false drops its entries."""

    _live: bool

    def _fire(self, arg: Any) -> None: ...


class Handle:
    """A scheduled callback; ``cancel()`` makes sure it never runs."""

    __slots__ = ("_callback", "_live", "_ms", "_simulator", "kind")

    def __init__(
        self, ms: int, kind: str, callback: Callable[[], None], simulator: Simulator
    ) -> None:
        self._callback: Callable[[], None] | None = callback
        self._live = True
        self._ms = ms
        self._simulator = simulator
        self.kind = kind

    @property
    def when(self) -> datetime:
        return from_ms(self._ms)

    @property
    def pending(self) -> bool:
        """Neither run nor cancelled yet."""
        return self._live

    def cancel(self) -> None:
        if self._live:
            record(functools.partial(self._revive, self._callback))  # a failed call undoes it
            self._live = False
            self._callback = None
            self._simulator._dead(self.kind)

    def _revive(self, callback: Callable[[], None] | None) -> None:
        self._live = True
        self._callback = callback

    def _fire(self, arg: Any) -> None:
        callback = self._callback
        record(functools.partial(self._revive, callback))
        self._live = False
        self._callback = None
        if callback is not None:
            callback()


_Entry = tuple[int, int, Sink, Any]


class Simulator:
    """Event loop: heaps of ``(ms, sequence, sink, arg)``; ties break the same way every run."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._queues: dict[str, list[_Entry]] = {kind: [] for kind in _PRIORITY}
        self._dead_counts: dict[str, int] = TxDict(dict.fromkeys(_PRIORITY, 0))
        self._sequence = itertools.count()
        self._now_key: tuple[datetime | None, int] = (None, 0)

    @property
    def clock(self) -> Clock:
        return self._clock

    # -- time in milliseconds --------------------------------------------------
    def now_ms(self) -> int:
        """The clock's time in whole milliseconds since the epoch (cached per value)."""
        now = self._clock.now
        cached, ms = self._now_key
        if cached is not now:
            ms = (now - EPOCH) // _MS
            self._now_key = (now, ms)
        return ms

    def _set_ms(self, ms: int) -> None:
        if ms > self.now_ms():
            self._clock.set(from_ms(ms))
            self._now_key = (self._clock.now, ms)

    # -- scheduling --------------------------------------------------------------
    def call_at(
        self, when: datetime, callback: Callable[[], None], *, kind: str = "timer"
    ) -> Handle:
        """Run ``callback`` at ``when`` (ms precision); a past time runs at the next step."""
        if kind not in _PRIORITY:
            raise ValueError(f"unknown event kind {kind!r}; expected one of {sorted(_PRIORITY)}")
        ms = to_ms(when)
        handle = Handle(ms, kind, callback, self)
        queue = self._queues[kind]
        entry = (ms, next(self._sequence), handle, None)
        heapq.heappush(queue, entry)
        journal = undo_log(queue)
        if journal is not None:  # a failed call takes it back
            journal.record(functools.partial(_unpush, queue, entry))
        return handle

    def call_at_ms(self, ms: int, sink: Sink, arg: Any, *, kind: str = "execution") -> None:
        """Fire ``sink._fire(arg)`` at ``ms``; cheaper than ``call_at``, no handle.

        The sink cancels all its entries at once by setting ``_live`` false and
        calling ``dead(kind, count)`` with how many it left on the heap.
        """
        queue = self._queues[kind]
        entry = (ms, next(self._sequence), sink, arg)
        heapq.heappush(queue, entry)
        journal = undo_log(queue)  # None once the queue was saved whole (settle)
        if journal is not None:  # a failed call takes it back
            journal.record(functools.partial(_unpush, queue, entry))

    def dead(self, kind: str, count: int) -> None:
        """``count`` entries of ``kind`` will never fire: sweep once they outnumber the live."""
        self._dead(kind, count)

    def _dead(self, kind: str, count: int = 1) -> None:
        dead = self._dead_counts[kind] + count
        queue = self._queues[kind]
        if dead > _SWEEP_MIN and dead * 2 > len(queue):
            _journal(queue)
            queue[:] = [entry for entry in queue if entry[2]._live]
            heapq.heapify(queue)
            dead = 0
        self._dead_counts[kind] = dead

    # -- running -------------------------------------------------------------------
    def run_until(self, moment: datetime) -> None:
        """Run every event due at or before ``moment`` in key order, then set the clock to it."""
        moment = to_millis(moment)
        if moment < self._clock.now:
            raise ValueError(f"cannot run until {moment}: the clock is at {self._clock.now}")
        limit = to_ms(moment)
        executions, timers = self._queues["execution"], self._queues["timer"]
        while True:
            first = self._top(executions)
            second = self._top(timers)
            if first is not None and first[0] <= limit:
                queue = timers if second is not None and second[0] < first[0] else executions
            elif second is not None and second[0] <= limit:
                queue = timers
            else:
                break
            self._fire(_pop(queue))
        self._clock.set(moment)

    def settle(self) -> None:
        """Run target completions until no execution is in progress; timers stay queued."""
        queue = self._queues["execution"]
        if queue:
            _journal(queue)
        pop, fire = heapq.heappop, self._fire
        while queue:
            entry = pop(queue)
            if entry[2]._live:
                fire(entry)
            else:
                self._dead_counts["execution"] = max(0, self._dead_counts["execution"] - 1)

    def next_event_time(self) -> datetime | None:
        tops = [entry[0] for queue in self._queues.values() if (entry := self._top(queue))]
        return from_ms(min(tops)) if tops else None

    def pending_events(self) -> int:
        """Entries on the heaps, dead ones not yet swept included (for memory checks)."""
        return sum(len(queue) for queue in self._queues.values())

    # -- internals ------------------------------------------------------------
    def _top(self, queue: list[_Entry]) -> _Entry | None:
        while queue and not queue[0][2]._live:
            kind = "execution" if queue is self._queues["execution"] else "timer"
            _pop(queue)
            self._dead_counts[kind] = max(0, self._dead_counts[kind] - 1)
        return queue[0] if queue else None

    def _fire(self, entry: _Entry) -> None:
        ms, _, sink, arg = entry
        if ms > self.now_ms():  # a late timer (after settle) runs at the current time
            self._set_ms(ms)
        sink._fire(arg)


def _journal(queue: list[_Entry]) -> None:
    """In a transaction, copy ``queue`` once before it is rebuilt (a sweep: rare)."""
    journal = current()
    if journal is not None:
        journal.copy_once(queue, functools.partial(_restore, queue), list(queue))


def _restore(queue: list[_Entry], saved: list[_Entry]) -> None:
    queue[:] = saved


def _pop(queue: list[_Entry]) -> _Entry:
    """Pop the next entry; in a transaction, a failed call pushes it back (O(1) each)."""
    entry = heapq.heappop(queue)
    journal = undo_log(queue)
    if journal is not None:
        journal.record(functools.partial(heapq.heappush, queue, entry))
    return entry


def _unpush(queue: list[_Entry], entry: _Entry) -> None:
    try:
        queue.remove(entry)
    except ValueError:  # already gone (fired or swept in the same call)
        return
    heapq.heapify(queue)
