"""The stub's clock (pure core).

``Clock`` holds the stub's time; only ``set`` (used by the simulation when it
processes an event) moves it, never backwards.  All times are aware UTC
datetimes truncated to whole milliseconds, the precision AWS timestamps carry.

``code_now_ms`` reads the clock the code under test reads: ``time.time()``,
looked up at each call, so freezegun's and time-machine's replacements are seen
exactly as the code sees them.  ``time_is_frozen`` tells whether one of them is
in charge, from its effect (freezegun replaces ``time.time``) or its public API
(``time_machine.escape_hatch``); neither library is ever imported here.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone

from .journal import record

__all__ = ["Clock", "code_now_ms", "from_epoch_ms", "time_is_frozen", "to_millis"]

# The real datetime class, even if this module is imported while freezegun has
# replaced ``datetime.datetime`` (its class attributes are real datetimes).
_DATETIME: type[datetime] = type(datetime.max)
_EPOCH = _DATETIME(1970, 1, 1, tzinfo=timezone.utc)


def to_millis(moment: datetime) -> datetime:
    """``moment`` as aware UTC, truncated to whole milliseconds."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime (UTC)")
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def from_epoch_ms(ms: int) -> datetime:
    """A real (never freezegun's) aware UTC datetime, ``ms`` after the epoch."""
    return _EPOCH + timedelta(milliseconds=ms)


def code_now_ms() -> int:
    """The time the code under test reads (``time.time()``), in whole milliseconds."""
    return int(time.time() * 1000)


def time_is_frozen() -> bool:
    """Whether freezegun or time-machine sets the time the code under test reads."""
    freezegun = sys.modules.get("freezegun.api")
    if freezegun is not None and time.time is not getattr(freezegun, "real_time", time.time):
        return True
    hatch = getattr(sys.modules.get("time_machine"), "escape_hatch", None)
    return hatch is not None and bool(hatch.is_travelling())


class Clock:
    """The stub's clock; it starts at ``start`` or at the time the code under test reads."""

    __slots__ = ("_now",)

    def __init__(self, start: datetime | None = None) -> None:
        self._now = to_millis(start) if start is not None else from_epoch_ms(code_now_ms())

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
