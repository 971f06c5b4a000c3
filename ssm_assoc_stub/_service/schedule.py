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
  with croniter, see ``_short_gap``); the "every 1/2, 1, 2, 4, 8 or 12 hours" prose is
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
from collections.abc import Iterable
from datetime import datetime, time, timedelta, timezone
from typing import Literal

import attrs
from croniter import CroniterBadDateError, CroniterError, croniter

from .clock import to_millis
from .cronfire import fast_cron as _fast_cron
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
MIN_INTERVAL = timedelta(minutes=30)  # the rate minimum and the smallest cron gap
_MAX_RATE_MINUTES = 31 * 24 * 60  # exclusive
_RATE_MINUTES = {"minute": 1, "hour": 60, "day": 24 * 60}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_KINDS: tuple[ScheduleKind, ...] = ("cron", "rate", "at")
_UTC = timezone.utc
# croniter works on float timestamps: start a search one whole second early.
_TICK = timedelta(seconds=1)
# Gap sampling starts at 2000-01-01 00:00 (naive UTC); 2000 is a leap year, and four
# years of day-to-day transitions see 29 February and every month length.
_REFERENCE = datetime(2000, 1, 1) - _TICK
_STRADDLE_SCAN = timedelta(days=4 * 366)
_LAST_SEARCH_YEAR = 9990  # datetime arithmetic overflows near year 9999

_FORM_RE = re.compile(r"(cron|rate|at)\((.*)\)", re.DOTALL)
_TOKEN_RE = re.compile(r"(\*|[0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?(?:/([0-9]+))?")
_NUMBER_RE = re.compile(r"[0-9]+")
_AT_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})")


class _Problem(Exception):
    """What is wrong with an expression; ``parse_schedule`` makes it an InvalidSchedule."""


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
        cron, years = _parse_cron(body)
        return Schedule(expression, "cron", croniter_expression=cron, years=years)
    except _Problem as problem:
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
        raise _Problem("a rate takes a value and a unit, e.g. rate(30 minutes)")
    digits, unit = parts
    if not _NUMBER_RE.fullmatch(digits) or digits.startswith("0"):
        raise _Problem(f"the rate value {digits!r} must be a whole number from 1, no leading 0")
    singular = unit.removesuffix("s")
    if singular not in _RATE_MINUTES:
        raise _Problem(f"unknown rate unit {unit!r}; use minute(s), hour(s) or day(s)")
    value = int(digits)
    if value == 1 and unit != singular:
        raise _Problem(f"a rate of 1 takes the singular unit: rate(1 {singular})")
    if value > 1 and unit == singular:
        raise _Problem(f"a rate above 1 takes the plural unit: rate({value} {unit}s)")
    minutes = value * _RATE_MINUTES[singular]
    if minutes < MIN_INTERVAL // timedelta(minutes=1):
        raise _Problem("rate below 30 minutes, the minimum for associations")
    if minutes >= _MAX_RATE_MINUTES:
        raise _Problem("rate of 31 days or more; associations need less than 31 days")
    return timedelta(minutes=minutes)


def _parse_at(body: str) -> datetime:
    match = _AT_RE.fullmatch(body)
    if match is None:
        raise _Problem("at() takes a UTC time yyyy-MM-ddTHH:mm:ss, e.g. at(2020-07-07T15:55:00)")
    year, month, day, hour, minute, second = (int(group) for group in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=_UTC)
    except ValueError:
        raise _Problem(f"{body} is not a valid calendar date-time") from None


def _parse_cron(body: str) -> tuple[str, tuple[int, ...] | None]:
    """The croniter form (no seconds, no year) and the allowed years of a cron body."""
    fields = [field for field in body.split(" ") if field]
    if len(fields) == 7:
        if fields[0] not in ("0", "00"):
            raise _Problem(f"the Seconds field can only be 0, not {fields[0]!r}")
        fields = fields[1:]
    if len(fields) != 6:
        raise _Problem(
            "a cron takes 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), "
            f"or 7 with a leading Seconds field of 0; got {len(fields)}"
        )
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if month != "*":
        raise _Problem(
            f"months cannot be specified for associations: Month must be *, not {month!r}"
        )
    if day_of_month == "?" and day_of_week == "?":
        raise _Problem("Day-of-month and Day-of-week cannot both be ?")
    if "?" not in (day_of_month, day_of_week):
        raise _Problem("one of Day-of-month and Day-of-week must be ?")
    minute_list = _join(_expand(minutes, "Minutes", 0, 59), 60)
    hour_list = _join(_expand(hours, "Hours", 0, 23), 24)
    cron = f"{minute_list} {hour_list} {_day_of_month(day_of_month)} * {_day_of_week(day_of_week)}"
    years = None if year == "*" else tuple(_expand(year, "Year", 1970, 2199, wrap=False))
    try:
        gap = _short_gap(cron)
    except CroniterError as exc:
        raise _Problem(f"this combination of values is not supported ({exc})") from None
    if gap is not None:
        apart = gap // timedelta(minutes=1)
        raise _Problem(f"fires more often than every 30 minutes (runs {apart} min apart)")
    return cron, years


def _day_of_month(field: str) -> str:
    upper = field.upper()
    if field == "?":
        return "*"
    if upper == "L":
        return "l"
    if upper.endswith("W") and _NUMBER_RE.fullmatch(upper[:-1]):
        return f"{_value(upper[:-1], 'Day-of-month', 1, 31)}w"
    if "L" in upper or "W" in upper:
        raise _Problem("L and W must stand alone in Day-of-month, as in L or 15W")
    return _join(_expand(field, "Day-of-month", 1, 31), 31)


def _day_of_week(field: str) -> str:
    """AWS weekdays run 1=SUN..7=SAT; croniter's run 0=SUN..6=SAT."""
    upper = field.upper()
    if field == "?":
        return "*"
    if "#" not in upper and "L" not in upper:  # no weekday name contains an L
        days = _expand(field, "Day-of-week", 1, 7, names=_WEEKDAYS)
        return _join((day - 1 for day in days), 7)
    if upper == "L":
        return "6"  # L alone is the last day of the week: Saturday
    if upper.endswith("L") and not any(mark in upper for mark in ",-/"):
        return f"l{_value(upper[:-1], 'Day-of-week', 1, 7, _WEEKDAYS) - 1}"
    day, _, nth = upper.partition("#")
    if nth and not any(mark in day for mark in ",-/"):
        if not _NUMBER_RE.fullmatch(nth) or not 1 <= int(nth) <= 5:
            raise _Problem(f"the n in {field} must be 1-5 (the nth such weekday of the month)")
        return f"{_value(day, 'Day-of-week', 1, 7, _WEEKDAYS) - 1}#{int(nth)}"
    raise _Problem("# and L must stand alone in Day-of-week, as in TUE#3, 3L or L")


def _expand(
    field: str,
    name: str,
    low: int,
    high: int,
    *,
    names: dict[str, int] | None = None,
    wrap: bool = True,
) -> list[int]:
    """The sorted values of a field made of ``,`` ``-`` ``*`` ``/``."""
    values: set[int] = set()
    for token in field.split(","):
        match = _TOKEN_RE.fullmatch(token)
        if match is None or (match.group(1) == "*" and match.group(2) is not None):
            raise _Problem(f"{token!r} is not a valid {name} value")
        start, end, step_text = match.groups()
        step = 1 if step_text is None else int(step_text)
        if step == 0:
            raise _Problem(f"the step in {name} {token!r} must be at least 1")
        first = low if start == "*" else _value(start, name, low, high, names)
        last = high if start == "*" or step_text is not None else first
        if end is not None:
            last = _value(end, name, low, high, names)
        if first > last and not wrap:
            raise _Problem(f"the {name} range {token!r} starts after it ends")
        run = list(range(first, last + 1))
        if first > last:  # wraps around, e.g. FRI-MON
            run = list(range(first, high + 1)) + list(range(low, last + 1))
        values.update(run[::step])
    return sorted(values)


def _value(text: str, name: str, low: int, high: int, names: dict[str, int] | None = None) -> int:
    if _NUMBER_RE.fullmatch(text):
        number = int(text)
    elif names is not None and text.upper() in names:
        number = names[text.upper()]
    else:
        raise _Problem(f"{text!r} is not a valid {name} value")
    if not low <= number <= high:
        raise _Problem(f"{name} value {number} is out of range {low}-{high}")
    return number


def _short_gap(cron: str) -> timedelta | None:
    """A gap under MIN_INTERVAL between two consecutive fire times, if croniter finds one.

    Every firing day has the same times of day, so the first firing day in full and
    the next fire show every gap within a day (over 48 fires a day always leave one
    under 30 minutes, so this takes at most 50 steps).  A short gap across midnight
    needs two firing days in a row: when the times of day allow one, firing days are
    walked for four years looking for such a pair.
    """
    it = croniter(cron, _REFERENCE, ret_type=datetime)
    first = previous = it.get_next(datetime)
    while True:
        current = it.get_next(datetime)
        if current - previous < MIN_INTERVAL:
            return current - previous
        if current.date() != first.date():
            break
        previous = current
    first_of_day = first - datetime.combine(first.date(), time())
    last_of_day = previous - datetime.combine(previous.date(), time())
    if first_of_day + timedelta(days=1) - last_of_day >= MIN_INTERVAL:
        return None
    day, end = current.date(), (first + _STRADDLE_SCAN).date()
    while day <= end:
        last = datetime.combine(day, time()) + last_of_day
        following = it.get_next(datetime, start_time=last)
        if following - last < MIN_INTERVAL:
            return following - last
        day = following.date()
    return None


def _join(values: Iterable[int], size: int) -> str:
    """A croniter list, or ``*`` when it holds all ``size`` values of the field."""
    listed = list(values)
    return "*" if len(listed) == size else ",".join(str(value) for value in listed)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name}={moment!r} is naive: pass an aware datetime (UTC)")
    return moment.astimezone(_UTC)


def _message(expression: str, problem: str) -> str:
    shown = expression if len(expression) <= 80 else expression[:77] + "..."
    return f"{INVALID_SCHEDULE_MESSAGE} {shown!r}: {problem}"
