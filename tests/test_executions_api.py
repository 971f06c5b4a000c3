"""Executions seen through the API: when runs happen, what the Overview shows (issue 3)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub, NoTargetsWarning

# Every test runs twice: in-process and over HTTP through the server mode (tests/transport.py).
pytestmark = pytest.mark.usefixtures("ssm_transport")

START = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)  # a Wednesday
SHELL = {"commands": ["echo hi"]}
WEB = [{"Key": "tag:role", "Values": ["web"]}]


def fleet(stub: AssociationStub, count: int, role: str = "web") -> list[str]:
    ids = [f"i-{n:017x}" for n in range(1, count + 1)]
    for instance_id in ids:
        stub.add_instance(instance_id, tags={"role": role})
    return ids


@pytest.fixture
def manual() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression="manual") as stub:
        yield stub


@pytest.fixture
def immediate() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START) as stub:
        yield stub


def client() -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def create(ssm: Any, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"Name": "AWS-RunShellScript", "Targets": WEB, "Parameters": SHELL}
    request.update(extra)
    return ssm.create_association(**request)["AssociationDescription"]  # type: ignore[no-any-return]


def overview(ssm: Any, aid: str) -> dict[str, Any]:
    return ssm.describe_association(AssociationId=aid)["AssociationDescription"]["Overview"]  # type: ignore[no-any-return]


def test_overview_lifecycle_in_manual_progression(manual: AssociationStub) -> None:
    fleet(manual, 4)
    ssm = client()
    desc = create(ssm, MaxConcurrency="2")
    aid = desc["AssociationId"]
    assert desc["Overview"] == {"Status": "Pending", "DetailedStatus": "Creating"}  # D-ST-1
    # D-ST-1 (sharpened): the run begins only once the clock moves; until then, Creating.
    assert overview(ssm, aid) == {"Status": "Pending", "DetailedStatus": "Creating"}
    assert manual.executions(aid) == ()
    manual.advance(0)  # the run begins at the create's instant
    assert manual.executions(aid)[-1].created_time == START
    assert overview(ssm, aid) == {  # D-ST-1: counts so far while it runs
        "Status": "Pending",
        "DetailedStatus": "InProgress",
        "AssociationStatusAggregatedCount": {"InProgress": 2, "Pending": 2},
    }
    manual.advance(1)
    assert overview(ssm, aid)["AssociationStatusAggregatedCount"] == {"InProgress": 2, "Success": 2}
    manual.advance(1)
    assert overview(ssm, aid) == {
        "Status": "Success",
        "DetailedStatus": "Success",
        "AssociationStatusAggregatedCount": {"Success": 4},
    }
    updated = ssm.update_association(AssociationId=aid, Parameters=SHELL, Targets=WEB)
    assert updated["AssociationDescription"]["Overview"] == {
        "Status": "Pending",
        "DetailedStatus": "Creating",
    }


def test_immediate_progression_settles_before_the_next_call(immediate: AssociationStub) -> None:
    fleet(immediate, 3)
    ssm = client()
    desc = create(ssm)
    assert desc["Overview"] == {"Status": "Pending", "DetailedStatus": "Creating"}
    assert overview(ssm, desc["AssociationId"]) == {
        "Status": "Success",
        "DetailedStatus": "Success",
        "AssociationStatusAggregatedCount": {"Success": 3},
    }
    after = ssm.describe_association(AssociationId=desc["AssociationId"])["AssociationDescription"]
    assert after["LastExecutionDate"] == START
    assert after["LastSuccessfulExecutionDate"] == START
    assert immediate.now == START + timedelta(seconds=1)  # one wave of 1 s runs


def test_readme_example_fifty_servers_bad_patch(immediate: AssociationStub) -> None:
    fleet(immediate, 50)
    immediate.set_outcome("*", "Failed")
    ssm = client()
    aid = create(ssm, MaxConcurrency="5", MaxErrors="10%")["AssociationId"]
    result = overview(ssm, aid)
    # D-RC-2/D-RC-10: 5 errors tolerated; the 6th stops dispatch with 4 more in flight
    assert result == {
        "Status": "Failed",
        "DetailedStatus": "Failed",
        "AssociationStatusAggregatedCount": {"Failed": 10, "Skipped": 40},
    }
    execution = immediate.executions(aid)[-1]
    assert execution.resource_count_by_status == "{Failed=10, Skipped=40}"  # D-EXE-1
    assert execution.peak_concurrency == 5
    skipped = [i for i, r in execution.targets.items() if r.status == "Skipped"]
    assert skipped == [f"i-{n:017x}" for n in range(11, 51)]  # D-RC-4, D-RC-10


def test_max_errors_zero_stops_after_first_error(immediate: AssociationStub) -> None:
    ids = fleet(immediate, 6)
    immediate.set_outcome(ids[0], "TimedOut")  # D-RC-5: TimedOut is an error
    aid = create(client(), MaxConcurrency="1", MaxErrors="0")["AssociationId"]
    counts = immediate.executions(aid)[-1].status_counts
    assert dict(counts) == {"Skipped": 5, "TimedOut": 1}  # D-RC-3


def test_per_node_outcome_wins_over_star_whatever_the_order(immediate: AssociationStub) -> None:
    ids = fleet(immediate, 3)
    immediate.set_outcome(ids[1], "Failed")
    immediate.set_outcome("*", "Success")  # set after, still loses (D-RC-11)
    aid = create(client())["AssociationId"]
    statuses = {i: r.status for i, r in immediate.executions(aid)[-1].targets.items()}
    assert statuses == {ids[0]: "Success", ids[1]: "Failed", ids[2]: "Success"}


def test_outcome_function_sees_the_association(immediate: AssociationStub) -> None:
    fleet(immediate, 2)
    seen: list[tuple[str, str]] = []

    def outcome(description: Mapping[str, Any], instance_id: str) -> tuple[str, float]:
        seen.append((description["Parameters"]["commands"][0], instance_id))
        return ("Failed" if "bad" in description["Parameters"]["commands"][0] else "Success", 5.0)

    immediate.set_outcome("*", outcome)
    ssm = client()
    aid = create(ssm, Parameters={"commands": ["bad"]})["AssociationId"]
    assert overview(ssm, aid)["Status"] == "Failed"
    ssm.update_association(AssociationId=aid, Parameters={"commands": ["good"]}, Targets=WEB)
    assert overview(ssm, aid)["Status"] == "Success"
    assert [s[0] for s in seen] == ["bad", "bad", "good", "good"]
    assert immediate.executions(aid)[-1].ended_time == immediate.now


def test_apply_only_at_cron_interval_waits_for_the_schedule(manual: AssociationStub) -> None:
    fleet(manual, 2)
    ssm = client()
    aid = create(ssm, ScheduleExpression="cron(0 2 ? * SUN *)", ApplyOnlyAtCronInterval=True)[
        "AssociationId"
    ]
    assert manual.executions(aid) == ()
    manual.advance(timedelta(days=3, hours=15, minutes=59))  # Sunday 01:59
    assert manual.executions(aid) == ()
    manual.advance(timedelta(minutes=1, seconds=5))  # Sunday 02:00:05
    (execution,) = manual.executions(aid)
    assert execution.created_time == datetime(2026, 3, 8, 2, 0, tzinfo=timezone.utc)  # D-SCH-3
    assert execution.status == "Success"


def test_rate_schedule_runs_from_the_previous_start(immediate: AssociationStub) -> None:
    fleet(immediate, 1)
    aid = create(client(), ScheduleExpression="rate(1 day)")["AssociationId"]
    immediate.advance(timedelta(days=3))  # a run due exactly at the new time runs (D-SCH-3)
    starts = [e.created_time for e in immediate.executions(aid)]
    assert starts == [START + timedelta(days=n) for n in range(4)]


def test_scheduled_runs_are_not_doubled(manual: AssociationStub) -> None:
    fleet(manual, 1)
    manual.set_outcome("*", "Success", duration=45 * 60)  # longer than the interval
    aid = create(client(), ScheduleExpression="rate(30 minutes)")["AssociationId"]
    manual.advance(timedelta(hours=2))
    starts = [e.created_time - START for e in manual.executions(aid)]
    # runs at 0; the 30-min timer finds it running (skipped); 60 runs; 90 skipped ...
    assert starts == [timedelta(0), timedelta(minutes=60), timedelta(minutes=120)]


def test_update_while_running_stops_pending_targets_then_reruns(manual: AssociationStub) -> None:
    fleet(manual, 4)
    manual.set_outcome("*", "Success", duration=10)
    ssm = client()
    aid = create(ssm, MaxConcurrency="1")["AssociationId"]
    manual.advance(15)  # target 1 done, target 2 in flight
    ssm.update_association(AssociationId=aid, Parameters=SHELL, Targets=WEB, MaxConcurrency="4")
    manual.settle()
    first, second = manual.executions(aid)
    assert [r.status for r in first.targets.values()] == [
        "Success",
        "Success",
        "Skipped",
        "Skipped",
    ]
    assert first.association_version == "1" and second.association_version == "2"
    assert second.created_time == START + timedelta(seconds=20)  # after the in-flight one ended
    assert dict(second.status_counts) == {"Success": 4}
    assert second.peak_concurrency == 4


def test_node_joining_mid_run_is_dispatched_at_once(manual: AssociationStub) -> None:
    fleet(manual, 4)
    manual.set_outcome("*", "Success", duration=10)
    aid = create(client(), MaxConcurrency="2")["AssociationId"]
    manual.advance(1)
    manual.add_instance("i-00000000000000099", tags={"role": "web"})  # D-RC-8
    manual.settle()
    execution = manual.executions(aid)[-1]
    assert execution.peak_concurrency == 3  # above the limit of 2
    assert execution.targets["i-00000000000000099"].started == START + timedelta(seconds=1)


def test_update_with_apply_only_at_cron_interval_does_not_run(immediate: AssociationStub) -> None:
    fleet(immediate, 1)
    ssm = client()
    aid = create(ssm)["AssociationId"]
    ssm.update_association(
        AssociationId=aid,
        Parameters=SHELL,
        Targets=WEB,
        ScheduleExpression="cron(0 2 ? * SUN *)",
        ApplyOnlyAtCronInterval=True,
    )
    assert len(immediate.executions(aid)) == 1
    assert overview(ssm, aid) == {"Status": "Pending", "DetailedStatus": "Creating"}


def test_run_returns_the_execution(manual: AssociationStub) -> None:
    fleet(manual, 3)
    aid = create(client(), ApplyOnlyAtCronInterval=True, ScheduleExpression="cron(0 2 ? * SUN *)")[
        "AssociationId"
    ]
    execution = manual.run(aid)
    assert execution.status == "Success" and len(execution.targets) == 3
    assert manual.executions(aid) == (execution,)


def test_strict_fleet() -> None:
    with AssociationStub(strict_fleet=True, progression="manual") as stub:
        ssm = client()
        with pytest.raises(ssm.exceptions.InvalidInstanceId):
            ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-1234567890abcdef0")
        stub.add_instance("i-00000000000000001")
        targets = [{"Key": "InstanceIds", "Values": ["i-00000000000000002", "i-00000000000000001"]}]
        aid = create(ssm, Targets=targets)["AssociationId"]
        stub.settle()
        assert list(stub.executions(aid)[-1].targets) == ["i-00000000000000001"]


def test_unknown_ids_join_on_the_fly_in_given_order(manual: AssociationStub) -> None:
    targets = [{"Key": "InstanceIds", "Values": ["i-00000000000000002", "i-00000000000000001"]}]
    aid = create(client(), Targets=targets)["AssociationId"]
    manual.settle()
    assert list(manual.executions(aid)[-1].targets) == [  # D-RC-10
        "i-00000000000000002",
        "i-00000000000000001",
    ]


def test_removed_node_is_not_targeted_again(manual: AssociationStub) -> None:
    ids = fleet(manual, 3)
    aid = create(client())["AssociationId"]
    manual.settle()
    manual.remove_instance(ids[0])
    assert list(manual.run(aid).targets) == ids[1:]


def test_history_is_bounded() -> None:
    with AssociationStub(history_limit=3, progression="manual") as stub:
        fleet(stub, 1)
        aid = create(client())["AssociationId"]
        stub.settle()
        runs = [stub.run(aid) for _ in range(5)]
        assert stub.executions(aid) == tuple(runs[-3:])


def test_same_calls_same_executions() -> None:
    def scenario() -> list[tuple[Any, ...]]:
        with AssociationStub(start_time=START) as stub:
            ids = fleet(stub, 12)
            stub.set_outcome(ids[2], "Failed", duration=3)
            stub.set_outcome(ids[5], "TimedOut", duration=7)
            aid = create(client(), MaxConcurrency="25%", MaxErrors="1")["AssociationId"]
            stub.advance(3600)
            return [
                (
                    e.status,
                    e.created_time,
                    e.ended_time,
                    e.resource_count_by_status,
                    tuple((i, r.status, r.started, r.ended) for i, r in e.targets.items()),
                )
                for e in stub.executions(aid)
            ]

    assert scenario() == scenario()


def test_zero_targets_ends_success_with_empty_count(
    immediate: AssociationStub, ssm_transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    ssm = client()
    targets = [{"Key": "tag:role", "Values": ["nobody"]}]
    if ssm_transport == "in-process":
        with pytest.warns(NoTargetsWarning, match=r"ran on no node: tag:role=nobody matches none"):
            aid = create(ssm, Targets=targets)["AssociationId"]
    else:  # D-WARN-1 over HTTP: the server logs the warning, it cannot reach the client
        with caplog.at_level("WARNING", logger="ssm_assoc_stub.server"):
            aid = create(ssm, Targets=targets)["AssociationId"]
        assert "ran on no node: tag:role=nobody matches none" in caplog.text
    assert overview(ssm, aid) == {  # D-ST-1
        "Status": "Success",
        "DetailedStatus": "Success",
        "AssociationStatusAggregatedCount": {},
    }


def test_immediate_finishes_scheduled_runs_before_the_next_call(immediate: AssociationStub) -> None:
    fleet(immediate, 1)
    immediate.set_outcome("*", "Success", duration=600)
    ssm = client()
    aid = create(ssm, ScheduleExpression="rate(1 day)")["AssociationId"]
    # create ran the first run to START+600 s; the next starts at START+1 day
    immediate.advance(timedelta(days=1) - timedelta(seconds=300))
    assert immediate.executions(aid)[-1].status == "InProgress"
    desc = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert desc["Overview"]["Status"] == "Success"  # run to completion before answering
    assert desc["LastSuccessfulExecutionDate"] == START + timedelta(days=1)  # its start


def test_manual_leaves_scheduled_runs_in_progress(manual: AssociationStub) -> None:
    fleet(manual, 1)
    manual.set_outcome("*", "Success", duration=600)
    ssm = client()
    aid = create(ssm, ScheduleExpression="rate(1 day)")["AssociationId"]
    manual.advance(timedelta(days=1, seconds=300))
    assert overview(ssm, aid)["DetailedStatus"] == "InProgress"
