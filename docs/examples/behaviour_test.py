"""What the emulated operations do, as docs/behaviour.md describes it.

Run with ``python -m pytest docs/examples/behaviour_test.py`` (in a checkout of
ssm_assoc_stub itself add ``-p ssm_assoc_stub.plugin``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
WEB = [{"Key": "tag:role", "Values": ["web"]}]
SHELL = {"commands": ["./harden.sh"]}


def ssm_client() -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def error_of(info: pytest.ExceptionInfo[Any]) -> tuple[str, str, int]:
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_server_side_validation(ssm_assoc_stub: AssociationStub) -> None:
    ssm = ssm_client()
    with pytest.raises(ssm.exceptions.ClientError) as info:
        ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB, MaxConcurrency="0")
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'maxConcurrency' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$",
        400,
    )


def test_the_null_overwrite_trap(ssm_assoc_stub: AssociationStub) -> None:
    ssm = ssm_client()
    aid = ssm.create_association(
        Name="AWS-RunShellScript", Parameters=SHELL, Targets=WEB, MaxErrors="1"
    )["AssociationDescription"]["AssociationId"]

    # Sending only what changes resets every other member, so the required
    # "commands" parameter is missing: InvalidParameters, and nothing changed.
    with pytest.raises(ssm.exceptions.InvalidParameters):
        ssm.update_association(AssociationId=aid, MaxConcurrency="50%")

    # Sending Parameters too succeeds, and MaxErrors (not sent) is gone.
    updated = ssm.update_association(AssociationId=aid, Parameters=SHELL, MaxConcurrency="50%")
    description = updated["AssociationDescription"]
    assert description["AssociationVersion"] == "2"
    assert description["Targets"] == WEB  # Name and Targets are kept
    assert "MaxErrors" not in description


@pytest.mark.ssm_assoc_stub(update_semantics="merge")
def test_merge_semantics_keep_what_is_not_sent(ssm_assoc_stub: AssociationStub) -> None:
    ssm = ssm_client()
    aid = ssm.create_association(
        Name="AWS-RunShellScript", Parameters=SHELL, Targets=WEB, MaxErrors="1"
    )["AssociationDescription"]["AssociationId"]
    updated = ssm.update_association(AssociationId=aid, MaxConcurrency="50%")
    assert updated["AssociationDescription"]["MaxErrors"] == "1"


def test_versions_and_optimistic_concurrency(ssm_assoc_stub: AssociationStub) -> None:
    ssm = ssm_client()
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)["AssociationDescription"][
        "AssociationId"
    ]
    for _ in range(3):
        ssm.update_association(AssociationId=aid, Targets=WEB, AssociationVersion="$LATEST")
    with pytest.raises(ssm.exceptions.InvalidAssociationVersion):
        ssm.update_association(AssociationId=aid, Targets=WEB, AssociationVersion="2")

    paginator = ssm.get_paginator("list_association_versions")
    pages = list(paginator.paginate(AssociationId=aid, PaginationConfig={"PageSize": 3}))
    versions = [v["AssociationVersion"] for page in pages for v in page["AssociationVersions"]]
    assert (len(pages), versions) == (2, ["1", "2", "3", "4"])

    first = ssm.describe_association(AssociationId=aid, AssociationVersion="1")
    assert first["AssociationDescription"]["AssociationVersion"] == "1"


@pytest.mark.ssm_assoc_stub(progression="manual")
def test_legacy_instance_id_associations(ssm_assoc_stub: AssociationStub) -> None:
    ssm = ssm_client()
    node = "i-0123456789abcdef0"
    with pytest.raises(ssm.exceptions.InvalidInstanceId):  # not a managed node yet
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node)
    ssm_assoc_stub.add_instance(node)
    created = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node)
    status = created["AssociationDescription"]["Status"]
    assert (status["Name"], status["Message"]) == (
        "Associated",
        "Associated with AWS-UpdateSSMAgent",
    )
    # Until the node reports its first result: Pending/Associated, one node pending.
    overview = ssm.describe_association(Name="AWS-UpdateSSMAgent", InstanceId=node)[
        "AssociationDescription"
    ]["Overview"]
    assert overview == {
        "Status": "Pending",
        "DetailedStatus": "Associated",
        "AssociationStatusAggregatedCount": {"Pending": 1},
    }
    with pytest.raises(ssm.exceptions.AssociationAlreadyExists):
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node)

    new_status = {"Date": START, "Name": "Failed", "Message": "agent says no"}
    ssm.update_association_status(
        Name="AWS-UpdateSSMAgent", InstanceId=node, AssociationStatus=new_status
    )
    with pytest.raises(ssm.exceptions.StatusUnchanged):
        ssm.update_association_status(
            Name="AWS-UpdateSSMAgent", InstanceId=node, AssociationStatus=new_status
        )
    described = ssm.describe_association(Name="AWS-UpdateSSMAgent", InstanceId=node)
    assert described["AssociationDescription"]["AssociationVersion"] == "1"


def test_runbook_associations(ssm_assoc_stub: AssociationStub) -> None:
    ssm = ssm_client()
    with pytest.raises(ssm.exceptions.ClientError) as info:  # targets, no target parameter
        ssm.create_association(Name="AWS-StartEC2Instance", Targets=WEB, MaxConcurrency="2")
    assert error_of(info) == (
        "ValidationException",
        "Must specify both Automation Target Parameter Name and Targets",
        400,
    )
    aid = ssm.create_association(
        Name="AWS-StartEC2Instance",
        AutomationTargetParameterName="InstanceId",
        Targets=[{"Key": "ParameterValues", "Values": ["i-0123456789abcdef0"]}],
        MaxConcurrency="2",
    )["AssociationDescription"]["AssociationId"]
    # The null-overwrite drops AutomationTargetParameterName if you do not send it again.
    with pytest.raises(ssm.exceptions.ClientError):
        ssm.update_association(AssociationId=aid, MaxConcurrency="1")
    ssm.update_association(
        AssociationId=aid, AutomationTargetParameterName="InstanceId", MaxConcurrency="1"
    )


def test_batch_entries_fail_one_by_one(ssm_assoc_stub: AssociationStub) -> None:
    ssm = ssm_client()
    answer = ssm.create_association_batch(
        Entries=[
            {"Name": "AWS-UpdateSSMAgent", "Targets": WEB},
            {"Name": "No-Such-Document", "Targets": WEB},
            {"Name": "AWS-RunShellScript", "Parameters": SHELL, "Targets": WEB},
        ]
    )
    assert [s["Name"] for s in answer["Successful"]] == ["AWS-UpdateSSMAgent", "AWS-RunShellScript"]
    (failed,) = answer["Failed"]
    assert failed["Fault"] == "Client"
    assert failed["Message"].startswith("Document No-Such-Document does not exist.")


def test_schedules(ssm_assoc_stub: AssociationStub) -> None:
    ssm = ssm_client()
    with pytest.raises(ssm.exceptions.InvalidSchedule) as info:
        ssm.create_association(
            Name="AWS-UpdateSSMAgent", Targets=WEB, ScheduleExpression="rate(10 minutes)"
        )
    assert error_of(info)[1].startswith(
        "The schedule is invalid. Verify your cron or rate expression and try again."
    )
    ssm.create_association(
        Name="AWS-UpdateSSMAgent", Targets=WEB, ScheduleExpression="cron(0 2 ? * SUN *)"
    )


@pytest.mark.ssm_assoc_stub(start_time=START)
def test_list_run_history_and_delete(ssm_assoc_stub: AssociationStub) -> None:
    stub = ssm_assoc_stub
    for n in range(1, 4):
        stub.add_instance(f"i-{n:017x}", tags={"role": "web"})
    stub.set_outcome("i-00000000000000002", "Failed")
    ssm = ssm_client()
    aid = ssm.create_association(
        Name="AWS-RunShellScript", AssociationName="harden", Parameters=SHELL, Targets=WEB
    )["AssociationDescription"]["AssociationId"]
    ssm.start_associations_once(AssociationIds=[aid])

    listed = ssm.list_associations(
        AssociationFilterList=[{"key": "AssociationName", "value": "harden"}]
    )
    assert [a["AssociationId"] for a in listed["Associations"]] == [aid]

    executions = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
    assert len(executions) == 2  # newest first: the StartAssociationsOnce run, then the first
    latest = executions[0]
    assert latest["ResourceCountByStatus"] == "{Failed=1, Success=2}"
    failed = ssm.describe_association_execution_targets(
        AssociationId=aid,
        ExecutionId=latest["ExecutionId"],
        Filters=[{"Key": "Status", "Value": "Failed"}],
    )["AssociationExecutionTargets"]
    assert [t["ResourceId"] for t in failed] == ["i-00000000000000002"]

    per_node = ssm.describe_instance_associations_status(InstanceId="i-00000000000000002")
    (info,) = per_node["InstanceAssociationStatusInfos"]
    assert (info["AssociationId"], info["Status"]) == (aid, "Failed")
    effective = ssm.describe_effective_instance_associations(InstanceId="i-00000000000000002")
    assert effective["Associations"][0]["AssociationId"] == aid

    ssm.delete_association(AssociationId=aid)
    with pytest.raises(ssm.exceptions.AssociationDoesNotExist):
        ssm.delete_association(AssociationId=aid)
