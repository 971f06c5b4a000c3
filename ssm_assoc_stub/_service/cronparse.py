"""AWS cron bodies for associations, validated and turned into croniter's form (pure core).

``parse_cron`` takes the text inside ``cron(...)`` (six fields, or seven with a
Seconds field of ``0``) and returns the five croniter fields (weekdays 0=SUN, Month
always ``*``) with the allowed years, or raises :class:`Problem` naming what is
wrong.  The rules (``schedule``'s docstring lists the stub's choices): one of the two
day fields is ``?``; ``L``/``W``/``#`` stand alone in their field; ranges may wrap
except in Year; no two fire times less than 30 minutes apart (``short_gap``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from croniter import CroniterError, croniter

__all__ = ["MIN_INTERVAL", "Problem", "parse_cron"]

MIN_INTERVAL = timedelta(minutes=30)  # the rate minimum and the smallest cron gap
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_TOKEN_RE = re.compile(r"(\*|[0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?(?:/([0-9]+))?")
_NUMBER_RE = re.compile(r"[0-9]+")
# Gap sampling starts at 2000-01-01 00:00 (naive UTC), one second early (croniter works
# on float timestamps); 2000 is a leap year, and four years of day-to-day transitions
# see 29 February and every month length.
_REFERENCE = datetime(2000, 1, 1) - timedelta(seconds=1)
_STRADDLE_SCAN = timedelta(days=4 * 366)


class Problem(Exception):
    """What is wrong with a schedule expression (the caller words the error)."""


def parse_cron(body: str) -> tuple[str, tuple[int, ...] | None]:
    """The croniter form (no seconds, no year) and the allowed years of a cron body."""
    fields = [field for field in body.split(" ") if field]
    if len(fields) == 7:
        if fields[0] not in ("0", "00"):
            raise Problem(f"the Seconds field can only be 0, not {fields[0]!r}")
        fields = fields[1:]
    if len(fields) != 6:
        raise Problem(
            "a cron takes 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), "
            f"or 7 with a leading Seconds field of 0; got {len(fields)}"
        )
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if month != "*":
        raise Problem(
            f"months cannot be specified for associations: Month must be *, not {month!r}"
        )
    if day_of_month == "?" and day_of_week == "?":
        raise Problem("Day-of-month and Day-of-week cannot both be ?")
    if "?" not in (day_of_month, day_of_week):
        raise Problem("one of Day-of-month and Day-of-week must be ?")
    minute_list = _join(_expand(minutes, "Minutes", 0, 59), 60)
    hour_list = _join(_expand(hours, "Hours", 0, 23), 24)
    cron = f"{minute_list} {hour_list} {_day_of_month(day_of_month)} * {_day_of_week(day_of_week)}"
    years = None if year == "*" else tuple(_expand(year, "Year", 1970, 2199, wrap=False))
    try:
        gap = _short_gap(cron)
    except CroniterError as exc:
        raise Problem(f"this combination of values is not supported ({exc})") from None
    if gap is not None:
        apart = gap // timedelta(minutes=1)
        raise Problem(f"fires more often than every 30 minutes (runs {apart} min apart)")
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
        raise Problem("L and W must stand alone in Day-of-month, as in L or 15W")
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
            raise Problem(f"the n in {field} must be 1-5 (the nth such weekday of the month)")
        return f"{_value(day, 'Day-of-week', 1, 7, _WEEKDAYS) - 1}#{int(nth)}"
    raise Problem("# and L must stand alone in Day-of-week, as in TUE#3, 3L or L")


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
            raise Problem(f"{token!r} is not a valid {name} value")
        start, end, step_text = match.groups()
        step = 1 if step_text is None else int(step_text)
        if step == 0:
            raise Problem(f"the step in {name} {token!r} must be at least 1")
        first = low if start == "*" else _value(start, name, low, high, names)
        last = high if start == "*" or step_text is not None else first
        if end is not None:
            last = _value(end, name, low, high, names)
        if first > last and not wrap:
            raise Problem(f"the {name} range {token!r} starts after it ends")
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
        raise Problem(f"{text!r} is not a valid {name} value")
    if not low <= number <= high:
        raise Problem(f"{name} value {number} is out of range {low}-{high}")
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
