"""Schedules: parsing, validation and next run times (pure core, no boto3)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssm_assoc_stub._service.errors import InvalidSchedule, ValidationException
from ssm_assoc_stub._service.schedule import (
    INVALID_SCHEDULE_MESSAGE,
    check_schedule_options,
    parse_schedule,
    schedule_kind,
)

UTC = timezone.utc


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# §13 "Strings seen in real outputs", the brief's examples and the golden files.
SEEN_IN_OUTPUTS = [
    "rate(24 hours)",
    "rate(1 day)",
    "rate(240 minutes)",
    "cron(0 00 12 ? * SUN *)",
    "cron(0 0 0/4 1/1 * ? *)",
    "cron(0 */30 * * * ? *)",
    "cron(0 2 ? * SUN *)",
    "cron(0 7 ? * MON *)",
    "cron(0 */1 * * ? *)",
]
OTHER_VALID = [
    "cron(30 23 ? * TUE#3 *)",
    "cron(0 0 ? * 3L *)",
    "cron(0 9 L * ? *)",
    "cron(0 9 15W * ? *)",
    "cron(0 9 ? * MON-FRI 2024-2030)",
    "cron(0 9 ? * sat-sun */2)",
    "cron(0,30 8-17 ? * 2-6 *)",
    "cron(0 0 1,15 * ? *)",
    "cron(0 0 ? * L *)",
    "cron( 0 2 ? * SUN * )",
    "rate(30 minutes)",
    "rate(2 hours)",
    "rate(1 hour)",
    "rate(30 days)",
    "rate(743 hours)",
    "at(2020-05-14T15:55:00)",
    "at(2020-07-07T15:55:00)",
    "at(2024-02-29T00:00:00)",
]


@pytest.mark.parametrize("expression", SEEN_IN_OUTPUTS + OTHER_VALID)
def test_valid_expressions_parse(expression: str) -> None:
    schedule = parse_schedule(expression)
    assert schedule.expression == expression
    assert schedule.kind == expression.split("(")[0]


@pytest.mark.parametrize(
    ("expression", "croniter_expression"),
    [
        ("cron(0 2 ? * SUN *)", "0 2 * * 0"),
        ("cron(0 7 ? * MON *)", "0 7 * * 1"),
        ("cron(0 7 ? * 2 *)", "0 7 * * 1"),  # AWS 2 = MON = croniter 1
        ("cron(0 7 ? * 7 *)", "0 7 * * 6"),  # AWS 7 = SAT
        ("cron(0 7 ? * FRI-MON *)", "0 7 * * 0,1,5,6"),  # a range that wraps
        ("cron(0 7 ? * */2 *)", "0 7 * * 0,2,4,6"),  # 1,3,5,7 = SUN,TUE,THU,SAT
        ("cron(30 23 ? * TUE#3 *)", "30 23 * * 2#3"),
        ("cron(0 0 ? * 3L *)", "0 0 * * l2"),  # last Tuesday
        ("cron(0 0 ? * L *)", "0 0 * * 6"),  # L alone: Saturday
        ("cron(0 9 L * ? *)", "0 9 l * *"),
        ("cron(0 9 15W * ? *)", "0 9 15w * *"),
        ("cron(0 00 12 ? * SUN *)", "0 12 * * 0"),  # seven fields, seconds dropped
        ("cron(0 0 0/4 1/1 * ? *)", "0 0,4,8,12,16,20 * * *"),
        ("cron(0 */30 * * * ? *)", "0,30 * * * *"),
    ],
)
def test_cron_converts_to_croniter_fields(expression: str, croniter_expression: str) -> None:
    assert parse_schedule(expression).croniter_expression == croniter_expression


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        # D-SCH-2: firing more often than every 30 minutes
        ("cron(0/15 * * * ? *)", "fires more often than every 30 minutes (runs 15 min apart)"),
        ("cron(* * * * ? *)", "(runs 1 min apart)"),
        ("cron(0 */20 * * * ? *)", "(runs 20 min apart)"),
        ("cron(0,10 3 ? * MON *)", "(runs 10 min apart)"),
        ("cron(0,50 0,23 * * ? *)", "(runs 10 min apart)"),  # 23:50 -> 00:00 next day
        ("cron(0,50 0,23 1,31 * ? *)", "(runs 10 min apart)"),  # 31st 23:50 -> 1st 00:00
        # D-SCH-1: fields
        ("cron(0 2 ? * SUN)", "got 5"),
        ("cron(0 0 2 ? * SUN * 1)", "got 8"),
        ("cron()", "got 0"),
        ("cron(30 0 2 ? * SUN *)", "the Seconds field can only be 0, not '30'"),
        ("cron(0 2 ? 1 SUN *)", "months cannot be specified"),
        ("cron(0 2 ? JAN SUN *)", "Month must be *, not 'JAN'"),
        ("cron(0 2 * * SUN *)", "one of Day-of-month and Day-of-week must be ?"),
        ("cron(0 2 1 * SUN *)", "one of Day-of-month and Day-of-week must be ?"),
        ("cron(0 2 ? * ? *)", "cannot both be ?"),
        ("cron(60 2 ? * SUN *)", "Minutes value 60 is out of range 0-59"),
        ("cron(0 24 ? * SUN *)", "Hours value 24 is out of range 0-23"),
        ("cron(0 2 32 * ? *)", "Day-of-month value 32 is out of range 1-31"),
        ("cron(0 2 0 * ? *)", "Day-of-month value 0 is out of range 1-31"),
        ("cron(0 2 ? * 0 *)", "Day-of-week value 0 is out of range 1-7"),
        ("cron(0 2 ? * 8 *)", "Day-of-week value 8 is out of range 1-7"),
        ("cron(0 2 ? * FUN *)", "'FUN' is not a valid Day-of-week value"),
        ("cron(0 2 ? * TUE#6 *)", "must be 1-5"),
        ("cron(0 2 ? * TUE#0 *)", "must be 1-5"),
        ("cron(0 2 ? * MON,TUE#3 *)", "# and L must stand alone"),
        ("cron(0 2 ? * MON-3L *)", "# and L must stand alone"),
        ("cron(0 2 L,15 * ? *)", "L and W must stand alone"),
        ("cron(0 2 LW * ? *)", "L and W must stand alone"),
        ("cron(0 2 15W,16 * ? *)", "L and W must stand alone"),
        ("cron(0 2 ? * SUN 1969)", "Year value 1969 is out of range 1970-2199"),
        ("cron(0 2 ? * SUN 2200)", "Year value 2200 is out of range 1970-2199"),
        ("cron(0 2 ? * SUN 2030-2020)", "the Year range '2030-2020' starts after it ends"),
        ("cron(0 */0 ? * SUN *)", "the step in Hours '*/0' must be at least 1"),
        ("cron(0 *-3 ? * SUN *)", "'*-3' is not a valid Hours value"),
        ("cron(0 2,,3 ? * SUN *)", "'' is not a valid Hours value"),
        ("cron(0 1.5 ? * SUN *)", "'1.5' is not a valid Hours value"),
        # rate
        ("rate(1 hours)", "a rate of 1 takes the singular unit: rate(1 hour)"),
        ("rate(5 hour)", "a rate above 1 takes the plural unit: rate(5 hours)"),
        ("rate(29 minutes)", "rate below 30 minutes"),
        ("rate(1 minute)", "rate below 30 minutes"),
        ("rate(31 days)", "rate of 31 days or more"),
        ("rate(744 hours)", "rate of 31 days or more"),
        ("rate(99999999999999999999 days)", "rate of 31 days or more"),
        ("rate(0 minutes)", "'0' must be a whole number from 1"),
        ("rate(05 hours)", "no leading 0"),
        ("rate(-5 hours)", "'-5' must be a whole number"),
        ("rate(1.5 hours)", "'1.5' must be a whole number"),
        ("rate(5 weeks)", "unknown rate unit 'weeks'"),
        ("rate(5 Hours)", "unknown rate unit 'Hours'"),
        ("rate(5)", "a rate takes a value and a unit"),
        ("rate(5 hours 2)", "a rate takes a value and a unit"),
        # at
        ("at(2020-02-30T00:00:00)", "2020-02-30T00:00:00 is not a valid calendar date-time"),
        ("at(2020-05-14T24:00:00)", "not a valid calendar date-time"),
        ("at(2020-05-14 15:55:00)", "yyyy-MM-ddTHH:mm:ss"),
        ("at(2020-05-14T15:55)", "yyyy-MM-ddTHH:mm:ss"),
        ("at(2020-05-14T15:55:00Z)", "yyyy-MM-ddTHH:mm:ss"),
        ("at(2020-05-14T15:55:00.000)", "yyyy-MM-ddTHH:mm:ss"),
        # anything else
        ("", "expected cron(...), rate(...) or at(yyyy-MM-ddTHH:mm:ss)"),
        ("daily", "expected cron(...)"),
        ("CRON(0 2 ? * SUN *)", "expected cron(...)"),
        ("cron (0 2 ? * SUN *)", "expected cron(...)"),
        (" cron(0 2 ? * SUN *)", "expected cron(...)"),
        ("cron(0 2 ? * SUN *", "expected cron(...)"),
        ("0 2 ? * SUN *", "expected cron(...)"),
    ],
)
def test_invalid_expressions_name_the_problem(expression: str, problem: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse_schedule(expression)
    assert caught.value.code == "InvalidSchedule"
    assert caught.value.message.startswith(f"{INVALID_SCHEDULE_MESSAGE} {expression!r}: ")
    assert problem in caught.value.message


def test_invalid_schedule_message_exact_text() -> None:
    # D-SCH-2: rate below 30 minutes is InvalidSchedule, with AWS's text first.
    with pytest.raises(InvalidSchedule) as caught:
        parse_schedule("rate(29 minutes)")
    assert caught.value.message == (
        "The schedule is invalid. Verify your cron or rate expression and try again. "
        "'rate(29 minutes)': rate below 30 minutes, the minimum for associations"
    )


def test_long_expression_is_shortened_in_the_message() -> None:
    expression = "cron(0 2 ? * " + ",".join(["MON"] * 40) + " x)"
    with pytest.raises(InvalidSchedule) as caught:
        parse_schedule(expression)
    assert f"{expression[:77]}...'" in caught.value.message
    assert expression not in caught.value.message


def test_thirty_minutes_is_the_boundary() -> None:
    # D-SCH-2: every 30 minutes is allowed, anything closer is not.
    assert parse_schedule("cron(0 */30 * * * ? *)").kind == "cron"
    assert parse_schedule("cron(0,30 * * * ? *)").kind == "cron"
    assert parse_schedule("rate(30 minutes)").interval == timedelta(minutes=30)
    assert parse_schedule("rate(30 days)").interval == timedelta(days=30)
    # Times near midnight are fine when no two firing days are consecutive.
    assert parse_schedule("cron(0,50 0,23 1,15 * ? *)").kind == "cron"
    assert parse_schedule("cron(0,50 0,23 ? * MON,WED,FRI *)").kind == "cron"
    with pytest.raises(InvalidSchedule, match="10 min apart"):
        parse_schedule("cron(0,50 0,23 ? * MON,TUE *)")


def test_rate_units_and_intervals() -> None:
    assert parse_schedule("rate(1 day)").interval == timedelta(days=1)
    assert parse_schedule("rate(24 hours)").interval == timedelta(days=1)
    assert parse_schedule("rate(240 minutes)").interval == timedelta(hours=4)


def test_at_time_is_aware_utc() -> None:
    schedule = parse_schedule("at(2020-05-14T15:55:00)")
    assert schedule.at_time == utc(2020, 5, 14, 15, 55)
    assert schedule.at_time is not None and schedule.at_time.tzinfo == UTC


def test_schedule_is_frozen_and_parse_is_cached() -> None:
    schedule = parse_schedule("cron(0 2 ? * SUN *)")
    assert parse_schedule("cron(0 2 ? * SUN *)") is schedule
    with pytest.raises(AttributeError):
        schedule.kind = "rate"  # type: ignore[misc]


# -- next_run: cron ------------------------------------------------------------------


def test_weekly_cron_from_a_wednesday_gives_next_sunday() -> None:
    # D-SCH-3: croniter, UTC.  2024-01-03 is a Wednesday.
    run = parse_schedule("cron(0 2 ? * SUN *)").next_run(
        after=utc(2024, 1, 3, 10, 0), previous_start=None
    )
    assert run == utc(2024, 1, 7, 2, 0)
    assert run is not None and run.tzinfo == UTC and run.weekday() == 6


@pytest.mark.parametrize("aws_day", range(1, 8))
def test_day_of_week_numbers_are_aws_numbers(aws_day: int) -> None:
    # AWS 1=SUN..7=SAT; Python's weekday() is 0=MON..6=SUN.
    run = parse_schedule(f"cron(0 2 ? * {aws_day} *)").next_run(
        after=utc(2024, 1, 3), previous_start=None
    )
    assert run is not None and run.weekday() == (aws_day + 5) % 7


def test_mon_is_two() -> None:
    after = utc(2024, 1, 3)
    by_name = parse_schedule("cron(0 7 ? * MON *)").next_run(after=after, previous_start=None)
    by_number = parse_schedule("cron(0 7 ? * 2 *)").next_run(after=after, previous_start=None)
    assert by_name == by_number == utc(2024, 1, 8, 7, 0)


def test_cron_next_run_is_strictly_after() -> None:
    schedule = parse_schedule("cron(0 2 ? * SUN *)")
    assert schedule.next_run(after=utc(2024, 1, 7, 2, 0), previous_start=None) == utc(
        2024, 1, 14, 2, 0
    )
    just_before = utc(2024, 1, 7, 1, 59, 59, 999000)
    assert schedule.next_run(after=just_before, previous_start=None) == utc(2024, 1, 7, 2, 0)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(30 23 ? * TUE#3 *)", utc(2024, 1, 1), utc(2024, 1, 16, 23, 30)),
        ("cron(0 0 ? * 3L *)", utc(2024, 1, 1), utc(2024, 1, 30)),
        ("cron(0 9 L * ? *)", utc(2024, 2, 1), utc(2024, 2, 29, 9, 0)),
        ("cron(0 9 15W * ? *)", utc(2024, 6, 1), utc(2024, 6, 14, 9, 0)),  # 15th is a Sat
        ("cron(0 0 0/4 1/1 * ? *)", utc(2024, 1, 1, 1, 0), utc(2024, 1, 1, 4, 0)),
        ("cron(0 */30 * * * ? *)", utc(2024, 1, 1, 10, 10), utc(2024, 1, 1, 10, 30)),
        ("cron(0 00 12 ? * SUN *)", utc(2024, 1, 7, 12, 0), utc(2024, 1, 14, 12, 0)),
        ("cron(0 */1 * * ? *)", utc(2024, 1, 1, 10, 0, 0, 1), utc(2024, 1, 1, 11, 0)),
        ("cron(0 0 ? * L *)", utc(2024, 1, 1), utc(2024, 1, 6)),  # a Saturday
        ("cron(0 9 ? * MON 2030)", utc(2024, 1, 1), utc(2030, 1, 7, 9, 0)),
        ("cron(0 9 ? * MON 2024,2199)", utc(2024, 12, 31), utc(2199, 1, 7, 9, 0)),
        ("cron(0 9 1 * ? 2025/2)", utc(2025, 12, 15), utc(2027, 1, 1, 9, 0)),
    ],
)
def test_cron_next_run(expression: str, after: datetime, expected: datetime) -> None:
    assert parse_schedule(expression).next_run(after=after, previous_start=None) == expected


def test_cron_next_run_accepts_other_offsets_and_returns_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    after = datetime(2024, 1, 7, 3, 30, tzinfo=plus_two)  # 01:30 UTC
    run = parse_schedule("cron(0 2 ? * SUN *)").next_run(after=after, previous_start=None)
    assert run == utc(2024, 1, 7, 2, 0)
    assert run is not None and run.tzinfo == UTC


@pytest.mark.parametrize(
    "expression", ["cron(0 9 ? * MON 1999)", "cron(0 9 ? * MON 1970-2023)", "cron(0 9 1 * ? 2020)"]
)
def test_cron_whose_years_have_passed_never_runs(expression: str) -> None:
    schedule = parse_schedule(expression)
    assert schedule.next_run(after=utc(2024, 1, 1), previous_start=None) is None
    assert schedule.next_run(after=utc(2024, 1, 1), previous_start=utc(2023, 1, 1)) is None


def test_cron_far_future_gives_none_not_an_error() -> None:
    schedule = parse_schedule("cron(0 2 ? * SUN *)")
    assert schedule.next_run(after=datetime(9998, 1, 1, tzinfo=UTC), previous_start=None) is None


def test_naive_datetimes_are_rejected() -> None:
    schedule = parse_schedule("cron(0 2 ? * SUN *)")
    with pytest.raises(ValueError, match="naive"):
        schedule.next_run(after=datetime(2024, 1, 1), previous_start=None)
    with pytest.raises(ValueError, match="naive"):
        parse_schedule("rate(1 hour)").next_run(
            after=utc(2024, 1, 1), previous_start=datetime(2024, 1, 1)
        )
    with pytest.raises(ValueError, match="naive"):
        parse_schedule("at(2020-05-14T15:55:00)").runs_at_creation(datetime(2024, 1, 1))


# -- ScheduleOffset --------------------------------------------------------------------


THU2 = "cron(0 0 ? * THU#2 *)"  # 2nd Thursday: 2024-01-11, 2024-02-08, 2024-03-14


def test_offset_runs_on_the_sunday_after_the_second_thursday() -> None:
    run = parse_schedule(THU2).next_run(after=utc(2024, 1, 1), previous_start=None, offset_days=3)
    assert run == utc(2024, 1, 14)
    assert run is not None and run.weekday() == 6


def test_offset_period_whose_cron_day_passed_is_skipped() -> None:
    # §13: created on Friday 2024-01-12, after the cron day, before the offset day.
    run = parse_schedule(THU2).next_run(after=utc(2024, 1, 12), previous_start=None, offset_days=3)
    assert run == utc(2024, 2, 11)


def test_offset_runs_continue_period_by_period() -> None:
    schedule = parse_schedule(THU2)
    # A schedule already running keeps the run still due in this period ...
    pending = schedule.next_run(
        after=utc(2024, 1, 12), previous_start=utc(2023, 12, 17), offset_days=3
    )
    assert pending == utc(2024, 1, 14)
    # ... and after that run the next period's follows.
    after_run = schedule.next_run(
        after=utc(2024, 1, 14), previous_start=utc(2024, 1, 14), offset_days=3
    )
    assert after_run == utc(2024, 2, 11)


def test_offset_zero_or_none_is_no_shift() -> None:
    schedule = parse_schedule("cron(0 2 ? * SUN *)")
    after = utc(2024, 1, 3)
    plain = schedule.next_run(after=after, previous_start=None)
    assert schedule.next_run(after=after, previous_start=None, offset_days=0) == plain


def test_offset_days_only_for_cron() -> None:
    with pytest.raises(ValueError, match="cron only"):
        parse_schedule("rate(1 hour)").next_run(
            after=utc(2024, 1, 1), previous_start=None, offset_days=2
        )
    with pytest.raises(ValueError, match=">= 0"):
        parse_schedule(THU2).next_run(after=utc(2024, 1, 1), previous_start=None, offset_days=-1)


# -- next_run: rate and at --------------------------------------------------------------


def test_rate_counts_from_the_previous_start() -> None:
    # D-SCH-3: from the previous run's START, not from when it finished.
    schedule = parse_schedule("rate(4 hours)")
    started, finished = utc(2024, 1, 1, 10, 0), utc(2024, 1, 1, 10, 20)
    assert schedule.next_run(after=finished, previous_start=started) == utc(2024, 1, 1, 14, 0)


def test_rate_without_previous_start_counts_from_after() -> None:
    schedule = parse_schedule("rate(240 minutes)")
    assert schedule.next_run(after=utc(2024, 1, 1, 10, 5), previous_start=None) == utc(
        2024, 1, 1, 14, 5
    )


def test_rate_skips_missed_runs_on_the_grid() -> None:
    schedule = parse_schedule("rate(4 hours)")
    started = utc(2024, 1, 1, 10, 0)
    assert schedule.next_run(after=utc(2024, 1, 1, 19, 0), previous_start=started) == utc(
        2024, 1, 1, 22, 0
    )
    # Exactly on a grid point: strictly after.
    assert schedule.next_run(after=utc(2024, 1, 1, 18, 0), previous_start=started) == utc(
        2024, 1, 1, 22, 0
    )


def test_results_are_whole_milliseconds() -> None:
    schedule = parse_schedule("rate(1 hour)")
    started = utc(2024, 1, 1, 10, 0, 0, 123456)
    run = schedule.next_run(after=started, previous_start=started)
    assert run == utc(2024, 1, 1, 11, 0, 0, 123000)
    run = schedule.next_run(after=started, previous_start=None)
    assert run == utc(2024, 1, 1, 11, 0, 0, 123000)


def test_at_in_the_future_runs_once() -> None:
    schedule = parse_schedule("at(2020-05-14T15:55:00)")
    at = utc(2020, 5, 14, 15, 55)
    assert schedule.next_run(after=utc(2020, 5, 1), previous_start=None) == at
    assert schedule.next_run(after=at, previous_start=at) is None
    assert not schedule.runs_at_creation(utc(2020, 5, 1))


def test_at_in_the_past_runs_at_creation_only() -> None:
    # §13: an at() time already past (or present) when processed runs immediately.
    schedule = parse_schedule("at(2020-05-14T15:55:00)")
    assert schedule.next_run(after=utc(2024, 1, 1), previous_start=None) is None
    assert schedule.runs_at_creation(utc(2024, 1, 1))
    assert schedule.runs_at_creation(utc(2020, 5, 14, 15, 55))


@pytest.mark.parametrize("expression", ["cron(0 2 ? * SUN *)", "rate(1 day)"])
def test_cron_and_rate_never_force_a_creation_run(expression: str) -> None:
    assert not parse_schedule(expression).runs_at_creation(utc(2024, 1, 1))


# -- check_schedule_options (D-SCH-2, second sentence) -------------------------------------


@pytest.mark.parametrize(
    ("expression", "apply_only", "offset"),
    [
        ("cron(0 0 ? * THU#2 *)", True, 3),
        ("cron(0 0 ? * THU#2 *)", True, None),
        ("cron(0 0 ? * THU#2 *)", None, None),
        ("rate(1 day)", None, None),
        ("rate(1 day)", False, None),
        ("at(2020-05-14T15:55:00)", True, None),  # golden create-association-ex3
        (None, None, None),
        (None, True, None),
    ],
)
def test_allowed_option_combinations(
    expression: str | None, apply_only: bool | None, offset: int | None
) -> None:
    check_schedule_options(
        expression, apply_only_at_cron_interval=apply_only, schedule_offset=offset
    )


@pytest.mark.parametrize(
    ("expression", "apply_only", "offset", "message"),
    [
        (
            "rate(1 day)",
            True,
            None,
            "ApplyOnlyAtCronInterval is not supported with rate expressions; "
            "use a cron or at() ScheduleExpression",
        ),
        ("rate(1 day)", True, 2, "ApplyOnlyAtCronInterval is not supported with rate"),
        (THU2, None, 3, "ScheduleOffset requires ApplyOnlyAtCronInterval to be true"),
        (THU2, False, 3, "ScheduleOffset requires ApplyOnlyAtCronInterval to be true"),
        ("rate(1 day)", None, 3, "ScheduleOffset requires ApplyOnlyAtCronInterval to be true"),
        (
            "at(2020-05-14T15:55:00)",
            True,
            3,
            "ScheduleOffset requires a cron ScheduleExpression, not 'at(2020-05-14T15:55:00)'",
        ),
        (None, True, 3, "ScheduleOffset requires a cron ScheduleExpression, none was given"),
        (None, None, 3, "ScheduleOffset requires ApplyOnlyAtCronInterval to be true"),
    ],
)
def test_rejected_option_combinations(
    expression: str | None, apply_only: bool | None, offset: int | None, message: str
) -> None:
    # D-SCH-2
    with pytest.raises(ValidationException) as caught:
        check_schedule_options(
            expression, apply_only_at_cron_interval=apply_only, schedule_offset=offset
        )
    assert caught.value.code == "ValidationException"
    assert caught.value.message.startswith(message)


def test_schedule_kind_reads_the_prefix_only() -> None:
    assert schedule_kind("cron(nonsense)") == "cron"
    assert schedule_kind("rate(1 day)") == "rate"
    assert schedule_kind("at(x)") == "at"
    assert schedule_kind("daily") is None
    assert schedule_kind(None) is None


# -- robustness ----------------------------------------------------------------------


def test_many_parses_and_next_runs_take_no_pathological_time() -> None:
    # 1,000 distinct typical crons, so the parse cache does not hide the work.
    after = utc(2024, 1, 3, 10, 0)
    for index in range(1000):
        minute, hour = index % 60, index // 60
        schedule = parse_schedule(f"cron({minute} {hour} ? * SUN *)")
        run = schedule.next_run(after=after, previous_start=None)
        assert run == utc(2024, 1, 7, hour, minute)


_JUNK = st.lists(
    st.sampled_from(["0", "7", "31", "*", "?", "L", "W", "#", ",", "-", "/", "SUN", "2199"]),
    min_size=1,
    max_size=3,
).map("".join)


def _field(values: list[str]) -> st.SearchStrategy[str]:
    """Mostly plausible values (valid and invalid ones), sometimes junk."""
    return st.integers(0, 9).flatmap(lambda n: _JUNK if n == 0 else st.sampled_from(values))


_DAYS = st.one_of(
    st.tuples(_field(["L", "15W", "1,15", "*", "1/1", "31", "29,1", "LW", "1-31/3"]), st.just("?")),
    st.tuples(st.just("?"), _field(["SUN", "MON-FRI", "TUE#3", "3L", "L", "*", "FRI-MON", "7#5"])),
    st.tuples(_field(["?", "*", "1"]), _field(["?", "*", "SUN"])),
)
_CRON_BODY = st.tuples(
    st.sampled_from(["", "0 "]),
    _field(["0", "30", "0,30", "*/30", "59", "0-59/45", "*/10"]),
    _field(["0", "*", "*/4", "0/4", "23", "22-2", "0,23"]),
    _DAYS,
    _field(["*"]),
    _field(["*", "2024", "2024-2026", "1970", "2199", "2030/5", "1970,2199", "2020"]),
).map(lambda p: f"{p[0]}{p[1]} {p[2]} {p[3][0]} {p[4]} {p[3][1]} {p[5]}")


@settings(max_examples=500, deadline=None)
@given(_CRON_BODY, st.datetimes(timezones=st.just(UTC)), st.sampled_from([None, 0, 3]))
def test_croniter_never_leaks_out(body: str, after: datetime, offset: int | None) -> None:
    # Any cron either parses or raises InvalidSchedule, and a parsed one evaluates
    # from any moment (up to year 9999) to a later run or None.
    try:
        schedule = parse_schedule(f"cron({body})")
    except InvalidSchedule:
        return
    run = schedule.next_run(after=after, previous_start=after, offset_days=offset)
    assert run is None or run > after


CRONS = [expression for expression in SEEN_IN_OUTPUTS + OTHER_VALID if expression[0] == "c"]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(CRONS),
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2150, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from([None, 0, 3]),
)
def test_cron_next_run_is_the_first_run_after(
    expression: str, after: datetime, offset: int | None
) -> None:
    schedule = parse_schedule(expression)
    run = schedule.next_run(after=after, previous_start=after, offset_days=offset)
    if run is None:  # only when the Year field has run out
        assert schedule.years is not None and after.year >= schedule.years[-1]
        return
    assert run > after and run.microsecond == 0
    # Nothing runs in between: asking from just before ``run`` gives ``run`` again.
    before = run - timedelta(milliseconds=1)
    assert schedule.next_run(after=before, previous_start=before, offset_days=offset) == run
