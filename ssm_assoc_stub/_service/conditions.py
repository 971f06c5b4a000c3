"""Alarm and Change Calendar states over simulated time: the test-side controls' state.

Pure core.  ``Timeline`` holds, per name, the states set by ``set_alarm_state``
and ``set_calendar_state``, each from a simulated instant on (``at=``, now by
default), so a test can script a change before it happens.  The engine asks
for the state at the instant it needs one: an alarm before each dispatch
(D-ALM-1), the calendars when a run would start (D-CAL-1).  Decisions of our
own (docs/behaviour.md):

* An alarm never set reads ``OK``; a calendar never set reads ``OPEN``, so an
  AlarmConfiguration or CalendarNames alone never stops anything.
* ``"UNKNOWN"`` is the control for an alarm whose state cannot be read (the
  CloudWatch poll fails): it stops a run unless ``IgnorePollAlarmFailure`` is
  true, and is reported in ``TriggeredAlarms`` with the model's state ``UNKNOWN``.
* Setting a state at an instant that already has one replaces it; states set
  for later instants are kept, so ``set_..._state(name, s, at=t)`` calls build
  a script in any order.  An instant before the stub's clock is a ``ValueError``
  (the past cannot change).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

__all__ = [
    "ALARM_STATES",
    "CALENDAR_STATES",
    "AlarmConfig",
    "Timeline",
    "parse_alarm_configuration",
]

ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA", "UNKNOWN")
CALENDAR_STATES = ("OPEN", "CLOSED")


class Timeline:
    """Named states over time; ``state(name, t)`` is the latest set at or before ``t``."""

    def __init__(self, kind: str, states: Sequence[str], default: str) -> None:
        self._kind = kind
        self._states = tuple(states)
        self._default = default
        self._times: dict[str, list[datetime]] = {}
        self._values: dict[str, list[str]] = {}

    def set(self, name: object, state: object, at: datetime, now: datetime) -> None:
        """Record ``state`` for ``name`` from ``at`` on; arguments are checked first."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self._kind} name must be a non-empty string, got {name!r}")
        if not isinstance(state, str) or state not in self._states:
            raise ValueError(
                f"{self._kind} state must be one of {', '.join(self._states)}, got {state!r}"
            )
        if at < now:
            raise ValueError(
                f"cannot set the {self._kind} state of {name!r} at {at.isoformat()}: "
                f"the stub's clock is already at {now.isoformat()}"
            )
        times = self._times.setdefault(name, [])
        values = self._values.setdefault(name, [])
        index = bisect.bisect_left(times, at)
        if index < len(times) and times[index] == at:
            values[index] = state
        else:
            times.insert(index, at)
            values.insert(index, state)

    def state(self, name: str, at: datetime) -> str:
        times = self._times.get(name)
        if not times:
            return self._default
        index = bisect.bisect_right(times, at)
        return self._values[name][index - 1] if index else self._default

    def all_in(self, names: Iterable[str], state: str, at: datetime) -> bool:
        return all(self.state(name, at) == state for name in names)

    def __bool__(self) -> bool:
        return bool(self._times)


@attrs.frozen
class AlarmConfig:
    """``AlarmConfiguration`` as the engine reads it."""

    names: tuple[str, ...]
    ignore_poll_failure: bool

    def triggered(self, alarms: Timeline, at: datetime) -> tuple[tuple[str, str], ...]:
        """D-ALM-1: the alarms that stop dispatch at ``at``, as ``(name, model state)``."""
        found = []
        for name in self.names:
            state = alarms.state(name, at)
            if state == "ALARM":
                found.append((name, "ALARM"))
            elif state == "UNKNOWN" and not self.ignore_poll_failure:
                found.append((name, "UNKNOWN"))
        return tuple(found)


def parse_alarm_configuration(text: str | None) -> AlarmConfig | None:
    """The stored canonical JSON of ``AlarmConfiguration``, or None when unset."""
    if text is None:
        return None
    raw = json.loads(text)
    names = tuple(
        str(alarm.get("Name"))
        for alarm in raw.get("Alarms") or ()
        if isinstance(alarm, dict) and alarm.get("Name")
    )
    return AlarmConfig(names, bool(raw.get("IgnorePollAlarmFailure", False)))
