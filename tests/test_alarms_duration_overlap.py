"""Alarms (D-ALM-1), the Duration window (D-DUR-1) and one association at a time per node
(D-RC-13), seen through every API that shows runs and per-node status.

Sources: companion-behaviour.md sections 5 (alarms), 7 (Duration), 9.1-9.2 (the
agent runs one association at a time; an earlier run times out); DECISIONS.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub
from tests.helpers import output_problems, skip_unless_member

START = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)  # a Wednesday
SHELL = {"commands": ["echo hi"]}
WEB = [{"Key": "tag:role", "Values": ["web"]}]


def nodes(count: int) -> list[str]:
    return [f"i-{n:017x}" for n in range(1, count + 1)]


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression="manual") as running:
        for node in nodes(4):
            running.add_instance(node, tags={"role": "web"})
        yield running


def client() -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def create(ssm: Any, **extra: Any) -> str:
    request: dict[str, Any] = {"Name": "AWS-RunShellScript", "Targets": WEB, "Parameters": SHELL}
    request.update(extra)
    return str(ssm.create_association(**request)["AssociationDescription"]["AssociationId"])


def alarmed(name: str = "cpu-high", *, ignore: bool = False) -> dict[str, Any]:
    return {"AlarmConfiguration": {"Alarms": [{"Name": name}], "IgnorePollAlarmFailure": ignore}}


def latest_execution(ssm: Any, aid: str) -> dict[str, Any]:
    response = ssm.describe_association_executions(AssociationId=aid)
    assert output_problems("DescribeAssociationExecutions", response) == ""
    return dict(response["AssociationExecutions"][0])


def target_rows(ssm: Any, aid: str, execution_id: str) -> dict[str, tuple[str, str]]:
    response = ssm.describe_association_execution_targets(
        AssociationId=aid, ExecutionId=execution_id
    )
    assert output_problems("DescribeAssociationExecutionTargets", response) == ""
    return {
        r["ResourceId"]: (r["Status"], r["DetailedStatus"])
        for r in response["AssociationExecutionTargets"]
    }


def node_statuses(ssm: Any, node: str) -> dict[str, str]:
    response = ssm.describe_instance_associations_status(InstanceId=node)
    assert output_problems("DescribeInstanceAssociationsStatus", response) == ""
    return {i["AssociationId"]: i["Status"] for i in response["InstanceAssociationStatusInfos"]}


# -- D-ALM-1 ------------------------------------------------------------------------------
def test_an_alarm_stops_further_dispatch_and_cancels_the_rest_D_ALM_1(
    stub: AssociationStub,
) -> None:
    ssm = client()
    first, second, third, fourth = nodes(4)
    stub.set_outcome("*", "Success", duration=10)
    stub.set_alarm_state("cpu-high", "ALARM", at=START + timedelta(seconds=5))
    aid = create(ssm, MaxConcurrency="2", **alarmed())
    stub.advance(60)
    execution = latest_execution(ssm, aid)
    assert execution["Status"] == "Failed"  # D-ST-1: not every target succeeded
    assert execution["TriggeredAlarms"] == [{"Name": "cpu-high", "State": "ALARM"}]
    assert execution["ResourceCountByStatus"] == "{Cancelled=2, Success=2}"
    assert target_rows(ssm, aid, execution["ExecutionId"]) == {
        first: ("Success", "Success"),  # running when the alarm fired: finished
        second: ("Success", "Success"),
        third: ("Cancelled", "Cancelled"),  # never dispatched
        fourth: ("Cancelled", "Cancelled"),
    }
    assert node_statuses(ssm, third) == {aid: "Cancelled"}
    description = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert output_problems("DescribeAssociation", {"AssociationDescription": description}) == ""
    assert description["TriggeredAlarms"] == [{"Name": "cpu-high", "State": "ALARM"}]
    assert description["Overview"]["AssociationStatusAggregatedCount"] == {
        "Cancelled": 2,
        "Success": 2,
    }


def test_cancelled_targets_are_not_errors_D_ALM_1(stub: AssociationStub) -> None:
    ssm = client()
    stub.set_alarm_state("cpu-high", "ALARM")
    aid = create(ssm, MaxErrors="0", **alarmed())  # a run that starts in ALARM
    stub.advance(5)
    (execution,) = stub.executions(aid)
    assert execution.status_counts == {"Cancelled": 4}
    assert execution.threshold_crossed_at is None  # cancelled targets are no errors
    assert execution.peak_concurrency == 0  # nothing was dispatched


def test_the_description_keeps_triggered_alarms_until_a_clean_run_D_ALM_1(
    stub: AssociationStub,
) -> None:
    ssm = client()
    stub.set_alarm_state("cpu-high", "ALARM")
    aid = create(ssm, **alarmed())
    stub.advance(5)

    def triggered() -> Any:
        return ssm.describe_association(AssociationId=aid)["AssociationDescription"].get(
            "TriggeredAlarms"
        )

    assert triggered() == [{"Name": "cpu-high", "State": "ALARM"}]
    stub.set_alarm_state("cpu-high", "OK")
    ssm.start_associations_once(AssociationIds=[aid])
    stub.advance(5)
    assert triggered() is None
    assert "TriggeredAlarms" not in latest_execution(ssm, aid)


def test_ok_and_insufficient_data_never_stop_a_run_D_ALM_1(stub: AssociationStub) -> None:
    ssm = client()
    stub.set_alarm_state("cpu-high", "INSUFFICIENT_DATA")
    aid = create(ssm, **alarmed())
    stub.advance(5)
    assert latest_execution(ssm, aid)["Status"] == "Success"


def test_an_unreadable_alarm_stops_unless_ignore_poll_alarm_failure_D_ALM_1(
    stub: AssociationStub,
) -> None:
    ssm = client()
    stub.set_alarm_state("cpu-high", "UNKNOWN")  # the CloudWatch poll fails
    strict = create(ssm, **alarmed())
    lenient = create(ssm, **alarmed(ignore=True))
    stub.advance(5)
    assert latest_execution(ssm, strict)["TriggeredAlarms"] == [
        {"Name": "cpu-high", "State": "UNKNOWN"}
    ]
    assert latest_execution(ssm, lenient)["Status"] == "Success"


def test_alarm_controls_check_their_arguments(stub: AssociationStub) -> None:
    with pytest.raises(ValueError, match="OK, ALARM, INSUFFICIENT_DATA, UNKNOWN"):
        stub.set_alarm_state("cpu-high", "RED")
    with pytest.raises(ValueError, match="already at"):
        stub.set_alarm_state("cpu-high", "ALARM", at=START - timedelta(minutes=1))


# -- D-DUR-1 ------------------------------------------------------------------------------
# Duration is newer than the oldest botocore we support (tox -e botocore-min): its client
# rejects the member before the stub sees the call.
NEEDS_DURATION = skip_unless_member("CreateAssociation", "Duration")


@NEEDS_DURATION
def test_the_run_stops_at_start_plus_duration_hours_D_DUR_1(stub: AssociationStub) -> None:
    ssm = client()
    first, second, third, fourth = nodes(4)
    stub.set_outcome("*", "Success", duration=1800)  # half an hour each
    stub.set_outcome(first, "Success", duration=600)
    aid = create(
        ssm,
        ScheduleExpression="cron(0 11 ? * * *)",
        ApplyOnlyAtCronInterval=True,
        Duration=1,
        MaxConcurrency="1",
    )
    stub.advance(timedelta(hours=3))
    (execution,) = stub.executions(aid)
    assert execution.created_time == START + timedelta(hours=1)
    cutoff = START + timedelta(hours=2)
    assert execution.ended_time == cutoff
    api = latest_execution(ssm, aid)
    assert api["Status"] == "Failed"
    assert api["ResourceCountByStatus"] == "{Cancelled=1, Skipped=1, Success=2}"
    # One at a time: first 11:00-11:10, second 11:10-11:40, third from 11:40 (running at
    # the 12:00 cutoff: Cancelled), fourth never started (Skipped).
    assert target_rows(ssm, aid, api["ExecutionId"]) == {
        first: ("Success", "Success"),
        second: ("Success", "Success"),
        third: ("Cancelled", "Cancelled"),
        fourth: ("Skipped", "Skipped"),
    }
    assert execution.targets[third].ended == cutoff
    assert node_statuses(ssm, third) == {aid: "Cancelled"}
    assert execution.threshold_crossed_at is None  # neither counts as an error


@NEEDS_DURATION
def test_duration_applies_only_with_apply_only_at_cron_interval_D_DUR_1(
    stub: AssociationStub,
) -> None:
    ssm = client()
    stub.set_outcome("*", "Success", duration=2 * 3600)
    aid = create(ssm, ScheduleExpression="cron(0 11 ? * * *)", Duration=1)
    stub.advance(timedelta(hours=3))
    assert stub.executions(aid)[0].status == "Success"  # ran at create, not cut


# -- D-RC-13 ------------------------------------------------------------------------------
def test_a_second_association_times_out_the_first_on_its_node_D_RC_13(
    stub: AssociationStub,
) -> None:
    ssm = client()
    node = nodes(1)[0]
    stub.set_outcome("*", "Success", duration=600)
    first = create(ssm, Targets=[{"Key": "InstanceIds", "Values": [node]}])
    stub.advance(60)
    second = create(
        ssm,
        Name="AWS-UpdateSSMAgent",
        Parameters={},
        Targets=[{"Key": "InstanceIds", "Values": [node]}],
    )
    stub.advance(1)  # the second run starts on the node
    execution = latest_execution(ssm, first)
    assert execution["Status"] == "Failed"
    assert execution["ResourceCountByStatus"] == "{TimedOut=1}"
    rows = ssm.describe_association_execution_targets(
        AssociationId=first, ExecutionId=execution["ExecutionId"]
    )["AssociationExecutionTargets"]
    assert (rows[0]["Status"], rows[0]["LastExecutionDate"]) == (
        "TimedOut",
        START + timedelta(seconds=60),
    )
    assert node_statuses(ssm, node) == {first: "TimedOut", second: "InProgress"}
    stub.advance(700)
    assert node_statuses(ssm, node) == {first: "TimedOut", second: "Success"}
    first_overview = ssm.describe_association(AssociationId=first)["AssociationDescription"][
        "Overview"
    ]
    assert first_overview["Status"] == "Failed"


def test_the_timeout_counts_as_an_error_of_the_first_run_D_RC_13(stub: AssociationStub) -> None:
    ssm = client()
    one, two, three, four = nodes(4)
    stub.set_outcome("*", "Success", duration=600)
    first = create(ssm, MaxConcurrency="1", MaxErrors="0")
    stub.advance(1)  # the first run is on node one
    create(ssm, Targets=[{"Key": "InstanceIds", "Values": [one]}])
    stub.advance(2000)
    execution = stub.executions(first)[0]
    assert execution.status_counts == {"Skipped": 3, "TimedOut": 1}  # D-RC-3: 0 tolerated
    assert execution.threshold_crossed_at is not None


def test_runs_on_other_nodes_are_not_touched_D_RC_13(stub: AssociationStub) -> None:
    ssm = client()
    one, two = nodes(2)
    stub.set_outcome("*", "Success", duration=100)
    first = create(ssm, Targets=[{"Key": "InstanceIds", "Values": [one]}])
    create(ssm, Targets=[{"Key": "InstanceIds", "Values": [two]}])
    stub.advance(200)
    assert stub.executions(first)[0].status == "Success"
