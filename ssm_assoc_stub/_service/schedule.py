"""Association schedules: parse, validate and evaluate ``ScheduleExpression`` (pure core).

Forms, all UTC (spec section 13): ``cron(...)``, ``rate(<n> <unit>)``, one-time
``at(yyyy-MM-ddTHH:mm:ss)``.  :func:`parse_schedule` validates (D-SCH-1, D-SCH-2) and
returns a :class:`Schedule`, whose ``next_run`` gives run times (D-SCH-3).
:func:`check_schedule_options` checks ApplyOnlyAtCronInterval and ScheduleOffset.

The stub's choices where AWS is silent:

* ``InvalidSchedule`` messages are AWS's documented text, then the expression and what
  is wrong: ``The schedule is invalid. Verify your cron or rate expression and try
  again. 'rate(29 minutes)': rate below 30 minutes, the minimum for associations``.
* ``cron``/``rate``/``at`` and rate units are lower case; weekday names and ``L``/``W``
  are case-insensitive.  Fields are split on runs of spaces; spaces just inside the
  parentheses are ignored.  A Seconds field must be ``0`` (or ``00``).
* ``L`` and ``<day>W`` must be the whole Day-of-month field; ``<weekday>#<n>``,
  ``<weekday>L`` and ``L`` (Saturday, the last day of the week) the whole Day-of-week
  field.  Ranges may wrap (``FRI-MON``) except in Year.  Year ``*`` is any year.
* Cron frequency: a gap under 30 minutes between two fire times is rejected (measured
  with croniter, see ``cronparse._short_gap``); the "every 1/2, 1, 2, 4, 8 or 12 hours" prose is
  not enforced.
* cron ``next_run`` with ``previous_start=None`` treats ``after`` as the moment the
  schedule took effect, so a period whose cron time has passed is skipped even when
  its offset run is still ahead (section 13).
* rate runs fall on ``previous_start + k * interval`` (k >= 1): the first after
  ``after`` is returned; missed runs are not made up.
"""

from __future__ import annotations

import bisect
import functools
import re
from datetime import datetime, timedelta, timezone
from typing import Literal

import attrs
from croniter import CroniterBadDateError, CroniterError, croniter

from .clock import to_millis
from .cronfire import fast_cron as _fast_cron
from .cronparse import MIN_INTERVAL, Problem, parse_cron
from .errors import InvalidSchedule, ValidationException

__all__ = [
    "INVALID_SCHEDULE_MESSAGE",
    "MIN_INTERVAL",
    "Schedule",
    "ScheduleKind",
    "check_schedule_options",
    "parse_schedule",
    "schedule_kind",
]

ScheduleKind = Literal["cron", "rate", "at"]

INVALID_SCHEDULE_MESSAGE = (
    "The schedule is invalid. Verify your cron or rate expression and try again."
)
_MAX_RATE_MINUTES = 31 * 24 * 60  # exclusive
_RATE_MINUTES = {"minute": 1, "hour": 60, "day": 24 * 60}
_KINDS: tuple[ScheduleKind, ...] = ("cron", "rate", "at")
_UTC = timezone.utc
# croniter works on float timestamps: start a search one whole second early.
_TICK = timedelta(seconds=1)
_LAST_SEARCH_YEAR = 9990  # datetime arithmetic overflows near year 9999

_FORM_RE = re.compile(r"(cron|rate|at)\((.*)\)", re.DOTALL)
_NUMBER_RE = re.compile(r"[0-9]+")
_AT_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})")


@attrs.frozen
class Schedule:
    """A validated ScheduleExpression; build it with :func:`parse_schedule`.

    rate sets ``interval``; at sets ``at_time`` (aware UTC); cron sets
    ``croniter_expression`` (five croniter fields, weekdays 0=SUN) and ``years``
    (allowed years, ascending; ``None`` for any year).
    """

    expression: str
    kind: ScheduleKind
    interval: timedelta | None = None
    at_time: datetime | None = None
    croniter_expression: str | None = attrs.field(default=None, repr=False)
    years: tuple[int, ...] | None = attrs.field(default=None, repr=False)

    def runs_at_creation(self, now: datetime) -> bool:
        """True for an ``at()`` whose time is not after ``now``: it runs at once.

        Section 13 (CLI create-association example 3): a past at() runs immediately
        when processed, with or without ApplyOnlyAtCronInterval, and ``next_run`` has
        nothing left to give.  Always False for cron and rate, whose run at creation
        depends only on ApplyOnlyAtCronInterval (the caller's to apply).
        """
        return self.at_time is not None and self.at_time <= _aware(now, "now")

    def next_run(
        self, *, after: datetime, previous_start: datetime | None, offset_days: int | None = None
    ) -> datetime | None:
        """The first run strictly after ``after``: aware UTC, whole milliseconds, or None.

        * cron: the next cron time (UTC) plus ``offset_days`` (ScheduleOffset) days.
          Pass ``previous_start=None`` when the schedule has just taken effect
          (create, update): the cron time itself must then be after ``after``, so a
          period whose cron day has passed is skipped though its offset day is ahead
          (section 13).  Otherwise runs continue period by period.  None when the
          Year field allows no later run.
        * rate (D-SCH-3): ``previous_start + interval``, or the first later point of
          that grid after ``after``; ``after + interval`` without a previous start.
        * at: the at-time if it is after ``after``, else None (see runs_at_creation).
        """
        after = _aware(after, "after")
        if offset_days is not None and (offset_days < 0 or self.kind != "cron"):
            raise ValueError(f"offset_days={offset_days!r}: a day count >= 0, for cron only")
        if self.at_time is not None:
            return self.at_time if self.at_time > after else None
        if self.interval is not None:
            if previous_start is None:
                return to_millis(after + self.interval)
            start = _aware(previous_start, "previous_start")
            steps = max(1, (after - start) // self.interval + 1)
            return to_millis(start + steps * self.interval)
        shift = timedelta(days=offset_days or 0)
        fire = self._next_fire(after if previous_start is None else after - shift)
        return None if fire is None else to_millis(fire + shift)

    def _next_fire(self, base: datetime) -> datetime | None:
        """The first cron time strictly after ``base`` in an allowed year."""
        assert self.croniter_expression is not None
        start = base.astimezone(_UTC).replace(tzinfo=None)
        years = self.years
        if years is not None and start.year < years[0]:
            start = datetime(years[0], 1, 1) - _TICK
        key = (self.croniter_expression, years, start)
        if key in _NEXT_FIRES:
            return _NEXT_FIRES[key]
        fire = self._search(start)
        if len(_NEXT_FIRES) >= 4096:
            _NEXT_FIRES.clear()
        _NEXT_FIRES[key] = fire
        return fire

    def _search(self, start: datetime) -> datetime | None:
        assert self.croniter_expression is not None
        years = self.years
        fast = _fast_cron(self.croniter_expression)
        try:
            it = (
                None
                if fast is not None
                else croniter(self.croniter_expression, start, ret_type=datetime)
            )
            # Each pass returns or jumps to a later allowed year, so this is bounded.
            for _ in range(len(years or ()) + 1):
                if start.year > _LAST_SEARCH_YEAR:
                    return None
                found = fast.next_after(start) if fast is not None else None
                if found is None:  # no fast form, or nothing within its horizon
                    if it is None:
                        it = croniter(self.croniter_expression, start, ret_type=datetime)
                    found = it.get_next(datetime)
                fire = found
                if years is None or fire.year in years:
                    return fire.replace(tzinfo=_UTC)
                index = bisect.bisect_right(years, fire.year)
                if index == len(years):
                    return None
                start = datetime(years[index], 1, 1) - _TICK
                if it is not None:
                    it.set_current(start)
        except CroniterBadDateError:
            return None  # croniter gave up: no run within its search horizon
        except CroniterError as exc:
            problem = f"cannot be evaluated ({exc})"
            raise InvalidSchedule(_message(self.expression, problem)) from exc
        return None


# (croniter form, years, naive UTC start) -> the next fire: tests create many
# associations with one schedule at one simulated instant.  Bounded.
_NEXT_FIRES: dict[tuple[str, tuple[int, ...] | None, datetime], datetime | None] = {}


def parse_schedule(expression: str) -> Schedule:
    """Validate ``expression`` and return its Schedule, or raise ``InvalidSchedule``.

    Results are cached (a Schedule is immutable; parsing a cron samples its fires).
    """
    return _parse(expression)


@functools.lru_cache(maxsize=1024)
def _parse(expression: str) -> Schedule:
    match = _FORM_RE.fullmatch(expression)
    if match is None:
        problem = "expected cron(...), rate(...) or at(yyyy-MM-ddTHH:mm:ss)"
        raise InvalidSchedule(_message(expression, problem))
    kind, body = match.group(1), match.group(2).strip(" ")
    try:
        if kind == "rate":
            return Schedule(expression, "rate", interval=_parse_rate(body))
        if kind == "at":
            return Schedule(expression, "at", at_time=_parse_at(body))
        cron, years = parse_cron(body)
        return Schedule(expression, "cron", croniter_expression=cron, years=years)
    except Problem as problem:
        raise InvalidSchedule(_message(expression, str(problem))) from None


def schedule_kind(expression: str | None) -> ScheduleKind | None:
    """The form ``expression`` is written in, judged by its prefix only (no validation)."""
    for kind in _KINDS:
        if expression is not None and expression.startswith(f"{kind}("):
            return kind
    return None


def check_schedule_options(
    expression: str | None, *, apply_only_at_cron_interval: bool | None, schedule_offset: int | None
) -> None:
    """Check ApplyOnlyAtCronInterval and ScheduleOffset against the expression (D-SCH-2).

    Raises ``ValidationException``; the first failing check wins: ApplyOnlyAtCronInterval
    with a rate; ScheduleOffset without ApplyOnlyAtCronInterval=true; ScheduleOffset
    with an at/rate or no schedule.  Neither the expression (:func:`parse_schedule`)
    nor ScheduleOffset's 1-6 range (a model constraint) is checked here.
    """
    kind = schedule_kind(expression)
    if apply_only_at_cron_interval and kind == "rate":
        raise ValidationException(
            "ApplyOnlyAtCronInterval is not supported with rate expressions; "
            "use a cron or at() ScheduleExpression"
        )
    if schedule_offset is None:
        return
    if not apply_only_at_cron_interval:
        raise ValidationException("ScheduleOffset requires ApplyOnlyAtCronInterval to be true")
    if kind != "cron":
        given = "none was given" if expression is None else f"not {expression!r}"
        raise ValidationException(f"ScheduleOffset requires a cron ScheduleExpression, {given}")


def _parse_rate(body: str) -> timedelta:
    parts = [part for part in body.split(" ") if part]
    if len(parts) != 2:
        raise Problem("a rate takes a value and a unit, e.g. rate(30 minutes)")
    digits, unit = parts
    if not _NUMBER_RE.fullmatch(digits) or digits.startswith("0"):
        raise Problem(f"the rate value {digits!r} must be a whole number from 1, no leading 0")
    singular = unit.removesuffix("s")
    if singular not in _RATE_MINUTES:
        raise Problem(f"unknown rate unit {unit!r}; use minute(s), hour(s) or day(s)")
    value = int(digits)
    if value == 1 and unit != singular:
        raise Problem(f"a rate of 1 takes the singular unit: rate(1 {singular})")
    if value > 1 and unit == singular:
        raise Problem(f"a rate above 1 takes the plural unit: rate({value} {unit}s)")
    minutes = value * _RATE_MINUTES[singular]
    if minutes < MIN_INTERVAL // timedelta(minutes=1):
        raise Problem("rate below 30 minutes, the minimum for associations")
    if minutes >= _MAX_RATE_MINUTES:
        raise Problem("rate of 31 days or more; associations need less than 31 days")
    return timedelta(minutes=minutes)


def _parse_at(body: str) -> datetime:
    match = _AT_RE.fullmatch(body)
    if match is None:
        raise Problem("at() takes a UTC time yyyy-MM-ddTHH:mm:ss, e.g. at(2020-07-07T15:55:00)")
    year, month, day, hour, minute, second = (int(group) for group in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=_UTC)
    except ValueError:
        raise Problem(f"{body} is not a valid calendar date-time") from None


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name}={moment!r} is naive: pass an aware datetime (UTC)")
    return moment.astimezone(_UTC)


def _message(expression: str, problem: str) -> str:
    shown = expression if len(expression) <= 80 else expression[:77] + "..."
    return f"{INVALID_SCHEDULE_MESSAGE} {shown!r}: {problem}"
