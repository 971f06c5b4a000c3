"""The croniter-free next-fire routine gives croniter's answers (issue 11: cron planning)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from croniter import croniter

from ssm_assoc_stub._service.cronfire import fast_cron
from ssm_assoc_stub._service.schedule import parse_schedule

EXPRESSIONS = [
    "cron(0 10 ? * * *)",
    "cron(15 2 ? * SUN *)",
    "cron(0,30 8-17 ? * MON-FRI *)",
    "cron(45 23 ? * FRI-MON *)",
    "cron(0 0 1 * ? *)",
    "cron(0 12 L * ? *)",
    "cron(30 6 29,30,31 * ? *)",
    "cron(0 9 ? * 3#2 *)",
    "cron(0 9 ? * TUE#5 *)",
    "cron(0 4 ? * 6L *)",
    "cron(0 4 ? * L *)",
    "cron(0 */2 ? * * *)",
    "cron(0/30 * ? * * *)",
    "cron(5 0 29 * ? *)",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_next_fire_equals_croniter(expression: str) -> None:
    schedule = parse_schedule(expression)
    cron = schedule.croniter_expression
    assert cron is not None
    fast = fast_cron(cron)
    assert fast is not None, cron
    rng = random.Random(expression)
    base = datetime(2023, 12, 25)
    for _ in range(150):
        start = base + timedelta(minutes=rng.randrange(0, 3 * 366 * 24 * 60))
        if rng.random() < 0.3:
            start = start.replace(second=0) - timedelta(seconds=rng.choice((0, 1)))
        expected = croniter(cron, start, ret_type=datetime).get_next(datetime)
        assert fast.next_after(start) == expected, (cron, start)


def test_nearest_weekday_is_left_to_croniter() -> None:
    cron = parse_schedule("cron(0 10 15W * ? *)").croniter_expression
    assert cron is not None and fast_cron(cron) is None
    start = datetime(2026, 3, 1)
    fire = parse_schedule("cron(0 10 15W * ? *)").next_run(
        after=start.replace(tzinfo=timezone.utc), previous_start=None
    )
    assert fire is not None and fire.day == 16  # 15 March 2026 is a Sunday
