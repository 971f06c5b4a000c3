"""Recorded calls, injected errors and the test-side controls (docs/usage.md).

Run with ``python -m pytest docs/examples/controls_test.py`` (in a checkout of
ssm_assoc_stub itself add ``-p ssm_assoc_stub.plugin``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from botocore.exceptions import ClientError

from ssm_assoc_stub import AssociationStub, CallError

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
WEB = [{"Key": "tag:role", "Values": ["web"]}]


def test_calls_are_recorded(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)
    with pytest.raises(ssm.exceptions.AssociationDoesNotExist):
        ssm.describe_association(AssociationId="00000000-0000-4000-8000-000000000000")

    created, failed = ssm_assoc_stub.calls
    assert created.operation == "CreateAssociation" and created.region == "eu-west-1"
    assert created.params == {"Name": "AWS-UpdateSSMAgent", "Targets": WEB}
    assert created.ok and created.response is not None
    assert failed.error == CallError(
        "AssociationDoesNotExist",
        "Association 00000000-0000-4000-8000-000000000000 does not exist.",
    )
    assert ssm_assoc_stub.calls_to("DescribeAssociation") == (failed,)


def test_inject_error(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)["AssociationDescription"][
        "AssociationId"
    ]
    ssm_assoc_stub.inject_error("UpdateAssociation", "TooManyUpdates", "slow down", count=2)
    for _ in range(2):
        with pytest.raises(ssm.exceptions.TooManyUpdates):
            ssm.update_association(AssociationId=aid, Targets=WEB)
    ssm.update_association(AssociationId=aid, Targets=WEB)  # the third call is answered

    ssm_assoc_stub.inject_error("DescribeAssociation", "ThrottlingException", "Rate exceeded")
    with pytest.raises(ClientError) as error:  # every modelled class is a ClientError
        ssm.describe_association(AssociationId=aid)
    assert error.value.response["Error"]["Code"] == "ThrottlingException"


@pytest.mark.ssm_assoc_stub(start_time=START, progression="manual")
def test_fleet_outcomes_and_the_clock(ssm_assoc_stub: AssociationStub) -> None:
    stub = ssm_assoc_stub
    for n in range(1, 5):
        stub.add_instance(f"i-{n:017x}", tags={"role": "web"})
    stub.add_instance("i-windows", tags={"role": "web"}, platform="Windows")
    stub.set_outcome("*", "Success", duration=30)  # every node, unless set per node
    stub.set_outcome("i-00000000000000002", "Failed", duration=10)
    stub.remove_instance("i-windows")

    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["./patch.sh"]},
        Targets=WEB,
        MaxConcurrency="2",
    )["AssociationDescription"]["AssociationId"]

    # progression="manual": the run begins once the clock moves, and waits for it
    assert stub.executions(aid) == ()
    stub.advance(0)  # the run begins at the create's instant
    running = stub.executions(aid)[-1]
    assert running.status == "InProgress"
    assert dict(running.status_counts) == {"InProgress": 2, "Pending": 2}

    assert stub.advance(10) == START + timedelta(seconds=10)  # node 2 fails at t+10s
    stub.settle()  # finish what is in flight, without firing scheduled runs
    (execution,) = stub.executions(aid)
    assert execution.resource_count_by_status == "{Failed=1, Success=3}"
    assert execution.targets["i-00000000000000002"].ended == START + timedelta(seconds=10)
    assert stub.now == execution.ended_time == START + timedelta(seconds=60)

    again = stub.run(aid)  # what StartAssociationsOnce does, settled; returns the Execution
    assert again.status == "Failed" and len(stub.executions(aid)) == 2


def test_an_outcome_function(ssm_assoc_stub: AssociationStub) -> None:
    def outcome(description: Mapping[str, Any], instance_id: str) -> tuple[str, float]:
        bad = "--broken" in description["Parameters"]["commands"][0]
        return ("Failed" if bad else "Success", 5.0)

    ssm_assoc_stub.set_outcome("*", outcome)
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["./patch.sh --broken"]},
        Targets=[{"Key": "InstanceIds", "Values": ["i-1", "i-2"]}],  # unknown ids join on the fly
    )["AssociationDescription"]["AssociationId"]
    overview = ssm.describe_association(AssociationId=aid)["AssociationDescription"]["Overview"]
    assert overview["AssociationStatusAggregatedCount"] == {"Failed": 2}


def test_why_a_node_failed(ssm_assoc_stub: AssociationStub) -> None:
    ssm_assoc_stub.set_outcome("i-0123456789abcdef1", "Failed", error="disk full", exit_code=2)
    ssm = boto3.client("ssm", region_name="eu-west-1")
    nodes = ["i-0123456789abcdef0", "i-0123456789abcdef1"]
    aid = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["./patch.sh"]},
        Targets=[{"Key": "InstanceIds", "Values": nodes}],
    )["AssociationDescription"]["AssociationId"]
    execution = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"][0]
    (failed,) = ssm.describe_association_execution_targets(
        AssociationId=aid,
        ExecutionId=execution["ExecutionId"],
        Filters=[{"Key": "Status", "Value": "Failed"}],
    )["AssociationExecutionTargets"]
    invocation = ssm.get_command_invocation(
        CommandId=failed["OutputSource"]["OutputSourceId"],  # the command behind the run
        InstanceId=failed["ResourceId"],
    )
    assert invocation["Status"] == "Failed" and invocation["ResponseCode"] == 2
    assert invocation["StandardErrorContent"] == "disk full"
    assert invocation["PluginName"] == "aws:runShellScript"


def test_your_own_document(ssm_assoc_stub: AssociationStub) -> None:
    ssm_assoc_stub.add_document(
        "Acme-Harden",
        parameters={
            "level": {"type": "String", "default": "1", "allowedValues": ["1", "2"]},
            "reason": {"type": "String", "description": "no default: required"},
        },
        versions=2,
    )
    ssm = boto3.client("ssm", region_name="eu-west-1")
    with pytest.raises(ssm.exceptions.InvalidParameters) as error:
        ssm.create_association(Name="Acme-Harden", Targets=WEB, DocumentVersion="2")
    assert error.value.response["Error"]["Message"] == 'Parameter "reason" requires a value.'
    ssm.create_association(
        Name="Acme-Harden", Targets=WEB, DocumentVersion="2", Parameters={"reason": ["audit"]}
    )


def test_the_stub_keeps_up_with_a_frozen_clock() -> None:
    frozen_at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    with freezegun.freeze_time(frozen_at) as frozen, AssociationStub() as stub:
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = ssm.create_association(
            Name="AWS-RunShellScript",
            Parameters={"commands": ["uptime"]},
            Targets=WEB,
            ScheduleExpression="rate(30 minutes)",
        )["AssociationDescription"]["AssociationId"]
        frozen.tick(timedelta(minutes=30))  # the code's clock moves: the schedule is due
        runs = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
        assert [run["CreatedTime"] for run in runs] == [
            frozen_at + timedelta(minutes=30),  # ran before this call was answered
            frozen_at,
        ]
        stub.advance(3600)  # the stub moves ahead on its own; the frozen clock stays
        assert stub.now > datetime.now(timezone.utc)
