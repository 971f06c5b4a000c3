"""The stub's clock never falls behind the clock the code under test reads (D-CLK-1..3).

By default it follows the wall clock, or freezegun's / time-machine's when one is
active: what falls due by then happens before the next call is answered.
``advance`` still moves the stub ahead on its own; ``start_time=`` or
``clock="pinned"`` pin it; ``progression="manual"`` follows only a frozen clock.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
import time_machine

from ssm_assoc_stub import AssociationStub
from ssm_assoc_stub._service.clock import time_is_frozen, to_millis

REGION = "eu-west-1"
NODE = "i-0123456789abcdef0"
FROZEN = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _client() -> Any:
    return boto3.client("ssm", region_name=REGION)


def _scheduled(ssm: Any) -> str:
    made = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["uptime"]},
        Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
        ScheduleExpression="rate(30 minutes)",
    )
    return str(made["AssociationDescription"]["AssociationId"])


def _runs(ssm: Any, aid: str) -> list[dict[str, Any]]:
    return list(ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"])


def test_by_default_the_stub_keeps_up_with_the_wall_clock_D_CLK_1() -> None:
    with AssociationStub() as stub:
        ssm = _client()
        aid = _scheduled(ssm)
        time.sleep(0.02)
        before = to_millis(datetime.now(timezone.utc))
        (run,) = _runs(ssm, aid)
        assert stub.now >= before  # never behind the code's clock
        # the patch portal's filter: runs created within the last few seconds
        recent = datetime.now(timezone.utc) - timedelta(seconds=5)
        assert run["CreatedTime"] >= recent


def test_start_time_pins_the_clock_D_CLK_2() -> None:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with AssociationStub(start_time=start) as stub:
        ssm = _client()
        _scheduled(ssm)  # its first run takes the stub's clock one second on
        time.sleep(0.01)
        ssm.list_associations()
        assert stub.now == start + timedelta(seconds=1)  # the run's one second, nothing else


def test_under_freezegun_runs_due_by_a_tick_happen_before_the_next_call_D_CLK_1() -> None:
    with freezegun.freeze_time(FROZEN) as frozen, AssociationStub() as stub:
        assert time_is_frozen()
        ssm = _client()
        aid = _scheduled(ssm)
        (first,) = _runs(ssm, aid)
        assert first["CreatedTime"] == FROZEN
        frozen.tick(timedelta(minutes=30))
        second, _ = _runs(ssm, aid)  # the scheduled run, before this call was answered
        assert second["CreatedTime"] == FROZEN + timedelta(minutes=30)
        assert second["Status"] == "Success"
        # advance still moves the stub ahead on its own; the frozen clock stays
        ahead = FROZEN + timedelta(minutes=90, seconds=1)  # the run took a second
        assert stub.advance(3600) == ahead
        assert datetime.now(timezone.utc) == FROZEN + timedelta(minutes=30)
        assert len(_runs(ssm, aid)) == 4
        frozen.tick(timedelta(minutes=10))  # still behind the stub: nothing happens
        assert len(_runs(ssm, aid)) == 4 and stub.now == ahead
    assert not time_is_frozen()


def test_under_time_machine_the_stub_follows_a_travel_D_CLK_1() -> None:
    with time_machine.travel(FROZEN, tick=False) as traveller, AssociationStub() as stub:
        assert time_is_frozen()
        ssm = _client()
        aid = _scheduled(ssm)
        assert stub.now == FROZEN + timedelta(seconds=1)
        traveller.shift(timedelta(hours=1))
        runs = _runs(ssm, aid)
        assert [r["CreatedTime"] for r in runs] == [
            FROZEN + timedelta(minutes=60),
            FROZEN + timedelta(minutes=30),
            FROZEN,
        ]
        assert stub.now >= FROZEN + timedelta(hours=1)


def test_pinned_ignores_a_frozen_clock_D_CLK_2() -> None:
    with freezegun.freeze_time(FROZEN) as frozen, AssociationStub(clock="pinned") as stub:
        ssm = _client()
        aid = _scheduled(ssm)
        frozen.tick(timedelta(hours=2))
        assert len(_runs(ssm, aid)) == 1
        assert stub.now == FROZEN + timedelta(seconds=1)


def test_follow_with_a_start_time_starts_there_and_catches_up_D_CLK_1() -> None:
    with freezegun.freeze_time(FROZEN):
        start = FROZEN - timedelta(minutes=45)
        with AssociationStub(start_time=start, clock="follow") as stub:
            ssm = _client()
            aid = _scheduled(ssm)  # created at start: the first call caught up first
            assert [r["CreatedTime"] for r in _runs(ssm, aid)] == [FROZEN]
            assert stub.now == FROZEN + timedelta(seconds=1)


def test_manual_progression_does_not_follow_the_wall_clock_D_CLK_3() -> None:
    with AssociationStub(progression="manual") as stub:
        stub.set_outcome("*", "Success", duration=0.01)
        ssm = _client()
        aid = _scheduled(ssm)
        started = stub.now
        time.sleep(0.05)  # real time passes: the stub's clock does not move by itself
        overview = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
        assert overview["Overview"]["DetailedStatus"] == "Creating"  # nothing began (D-ST-1)
        assert stub.now == started
        stub.advance(1)  # the test moves the clock: the run begins and ends
        assert stub.executions(aid)[-1].status == "Success"


def test_manual_progression_follows_a_frozen_clock_the_test_moves_D_CLK_3() -> None:
    with freezegun.freeze_time(FROZEN) as frozen, AssociationStub(progression="manual") as stub:
        stub.set_outcome("*", "Success", duration=60)
        ssm = _client()
        aid = _scheduled(ssm)
        assert stub.executions(aid) == ()  # begins once the clock moves (D-ST-1)
        frozen.tick(timedelta(seconds=30))
        ssm.list_associations()  # the next call catches up first: the run began
        assert stub.executions(aid)[-1].status == "InProgress"
        frozen.tick(timedelta(seconds=31))
        ssm.list_associations()
        assert stub.executions(aid)[-1].status == "Success"  # the test moved time
        assert stub.now == FROZEN + timedelta(seconds=61)


def test_responses_under_freezegun_look_as_botocore_parses_them() -> None:
    with freezegun.freeze_time(FROZEN), AssociationStub():
        ssm = _client()
        created = ssm.create_association(Name="AWS-HelloWorld")["AssociationDescription"]
        assert created["Date"] == FROZEN
        assert type(created["Date"]).__name__ == "datetime"
        assert created["Date"].tzinfo is not None and created["Date"].utcoffset() is not None


def test_the_clock_option_is_checked() -> None:
    with pytest.raises(ValueError, match="clock must be 'follow', 'pinned' or None"):
        AssociationStub(clock="wall")  # type: ignore[arg-type]
