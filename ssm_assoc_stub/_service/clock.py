"""The stub's simulated clock (pure core).

Time never moves by itself: only ``set`` (used by the simulation when it
processes an event) moves it.  All times are aware UTC datetimes truncated to
whole milliseconds, the precision AWS timestamps carry.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .journal import record

__all__ = ["Clock", "to_millis"]


def to_millis(moment: datetime) -> datetime:
    """``moment`` as aware UTC, truncated to whole milliseconds."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime (UTC)")
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Clock:
    """A manual clock on virtual time."""

    __slots__ = ("_now",)

    def __init__(self, start: datetime | None = None) -> None:
        self._now = to_millis(start if start is not None else datetime.now(timezone.utc))

    @property
    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        """Move to ``moment``; the clock never goes backwards."""
        moment = to_millis(moment)
        if moment < self._now:
            raise ValueError(f"the clock cannot go back from {self._now} to {moment}")
        previous = self._now
        if moment != previous:
            record(lambda: self._restore(previous))  # a failed call does not move time
        self._now = moment

    def _restore(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now
