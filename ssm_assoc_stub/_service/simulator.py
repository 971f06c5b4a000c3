"""The event loop on virtual time (pure core).

``Simulator`` keeps a heap keyed ``(time, priority, sequence)``, so events at
the same instant always run in the same order (completions before timers, then
in the order they were scheduled).  Nothing runs by itself: time moves only
when the caller asks for it (``run_until``, ``settle``).  No threads, no sleeps.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime

from .clock import Clock, to_millis

__all__ = ["Handle", "Simulator"]

# At one instant, target completions run before timers (scheduled association
# runs), so a run that ends exactly when the next one is due is over by then.
_PRIORITY = {"execution": 0, "timer": 1}


class Handle:
    """A scheduled event; ``cancel()`` makes sure it never runs."""

    __slots__ = ("_callback", "kind", "when")

    def __init__(self, when: datetime, kind: str, callback: Callable[[], None]) -> None:
        self._callback: Callable[[], None] | None = callback
        self.when = when
        self.kind = kind

    @property
    def pending(self) -> bool:
        """Neither run nor cancelled yet."""
        return self._callback is not None

    def cancel(self) -> None:
        if self._callback is not None:
            self._callback = None  # the entry stays in the heap; _top drops it


_Entry = tuple[datetime, int, int, Handle]


class Simulator:
    """Event loop: heap of (time, priority, sequence, event); ties break the same way every run.

    ``"execution"`` events (target completions) and ``"timer"`` events (the
    caller's, e.g. scheduled association runs) live in two heaps that share one
    sequence, so ``settle`` can run the first kind alone and ``run_until`` can
    merge both in exact key order.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._queues: dict[str, list[_Entry]] = {kind: [] for kind in _PRIORITY}
        self._sequence = itertools.count()

    @property
    def clock(self) -> Clock:
        return self._clock

    def call_at(
        self, when: datetime, callback: Callable[[], None], *, kind: str = "timer"
    ) -> Handle:
        """Run ``callback`` at ``when`` (ms precision); a past time runs at the next step."""
        priority = _PRIORITY.get(kind)
        if priority is None:
            raise ValueError(f"unknown event kind {kind!r}; expected one of {sorted(_PRIORITY)}")
        when = to_millis(when)
        handle = Handle(when, kind, callback)
        heapq.heappush(self._queues[kind], (when, priority, next(self._sequence), handle))
        return handle

    def run_until(self, moment: datetime) -> None:
        """Run every event due at or before ``moment`` in key order, then set the clock to it."""
        moment = to_millis(moment)
        if moment < self._clock.now:
            raise ValueError(f"cannot run until {moment}: the clock is at {self._clock.now}")
        while True:
            best: list[_Entry] | None = None
            for queue in self._queues.values():
                entry = self._top(queue)
                if entry is not None and entry[0] <= moment and (best is None or entry < best[0]):
                    best = queue
            if best is None:
                break
            self._fire(heapq.heappop(best))
        self._clock.set(moment)

    def settle(self) -> None:
        """Run target completions until no execution is in progress; timers stay queued."""
        queue = self._queues["execution"]
        while self._top(queue) is not None:
            self._fire(heapq.heappop(queue))

    def next_event_time(self) -> datetime | None:
        tops = [entry[0] for queue in self._queues.values() if (entry := self._top(queue))]
        return min(tops, default=None)

    # -- internals ------------------------------------------------------------
    def _top(self, queue: list[_Entry]) -> _Entry | None:
        while queue and queue[0][3]._callback is None:
            heapq.heappop(queue)
        return queue[0] if queue else None

    def _fire(self, entry: _Entry) -> None:
        when, _, _, handle = entry
        callback = handle._callback
        assert callback is not None  # _top dropped the cancelled ones
        handle._callback = None
        if when > self._clock.now:  # a late timer (after settle) runs at the current time
            self._clock.set(when)
        callback()
