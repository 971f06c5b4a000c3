"""Runbook (Automation) associations as AWS has them (D-RB-1, D-RC-8 as amended)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ssm_assoc_stub import AssociationStub

START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
RUNBOOK = "AWS-StartEC2Instance"
WEB = [{"Key": "tag:role", "Values": ["web"]}]
ATPN = "Must specify both Automation Target Parameter Name and Targets"
NO_OP = [{"Key": "aws:NoOpAutomationTag", "Values": ["AWS-NoOpAutomationTarget-Value"]}]


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression="manual") as active:
        yield active


@pytest.fixture
def ssm(stub: AssociationStub) -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def fails(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


@pytest.mark.parametrize(
    "members",
    [
        {"Targets": WEB},
        {"Targets": NO_OP},  # the placeholder, sent (terraform-provider-aws#32471)
        {"MaxConcurrency": "2"},
        {"MaxErrors": "1"},
        {"Targets": WEB, "MaxConcurrency": "2", "MaxErrors": "0"},
    ],
)
def test_targets_or_rate_controls_need_the_target_parameter_D_RB_1(
    stub: AssociationStub, ssm: Any, members: dict[str, Any]
) -> None:
    before = stub.backend.state_snapshot()
    assert fails(ssm.create_association, Name=RUNBOOK, **members) == ("ValidationException", ATPN)
    assert stub.backend.state_snapshot() == before


def test_with_the_target_parameter_a_runbook_takes_targets_D_RB_1(ssm: Any) -> None:
    desc = ssm.create_association(
        Name=RUNBOOK, Targets=WEB, AutomationTargetParameterName="InstanceId", MaxConcurrency="2"
    )["AssociationDescription"]
    assert desc["AutomationTargetParameterName"] == "InstanceId"
    assert desc["Targets"] == WEB


def test_a_runbook_without_targets_needs_no_target_parameter_D_RB_1(ssm: Any) -> None:
    desc = ssm.create_association(Name="AWS-HelloWorld")["AssociationDescription"]
    assert desc["Targets"] == NO_OP
    # An update keeps the placeholder the stub filled in: still no target parameter needed.
    updated = ssm.update_association(
        AssociationId=desc["AssociationId"], ScheduleExpression="rate(1 day)"
    )
    assert updated["AssociationDescription"]["AssociationVersion"] == "2"


def test_command_documents_need_no_target_parameter(ssm: Any) -> None:
    ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB, MaxConcurrency="2")


def test_batch_entries_need_the_target_parameter_D_RB_1(ssm: Any) -> None:
    answer = ssm.create_association_batch(
        Entries=[
            {"Name": RUNBOOK, "Targets": WEB},
            {"Name": RUNBOOK, "Targets": WEB, "AutomationTargetParameterName": "InstanceId"},
        ]
    )
    (failed,) = answer["Failed"]
    assert (failed["Message"], failed["Fault"]) == (ATPN, "Client")
    assert failed["Entry"] == {"Name": RUNBOOK, "Targets": WEB}
    assert len(answer["Successful"]) == 1


def test_the_null_overwrite_dropping_the_target_parameter_fails_D_RB_1(
    stub: AssociationStub, ssm: Any
) -> None:
    aid = ssm.create_association(
        Name=RUNBOOK, Targets=WEB, AutomationTargetParameterName="InstanceId"
    )["AssociationDescription"]["AssociationId"]
    before = stub.backend.state_snapshot()
    # terraform#22935: an update that does not send the member again
    assert fails(ssm.update_association, AssociationId=aid, MaxConcurrency="1") == (
        "ValidationException",
        ATPN,
    )
    assert stub.backend.state_snapshot() == before
    ok = ssm.update_association(
        AssociationId=aid, AutomationTargetParameterName="InstanceId", MaxConcurrency="1"
    )
    assert ok["AssociationDescription"]["AssociationVersion"] == "2"


@pytest.mark.filterwarnings("ignore::ssm_assoc_stub.NoTargetsWarning")  # no node has the tag
def test_merge_semantics_keep_the_target_parameter_D_RB_1() -> None:
    with AssociationStub(update_semantics="merge"):
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = ssm.create_association(
            Name=RUNBOOK, Targets=WEB, AutomationTargetParameterName="InstanceId"
        )["AssociationDescription"]["AssociationId"]
        ssm.update_association(AssociationId=aid, MaxConcurrency="1")


@pytest.mark.parametrize(
    "target",
    [
        {"Key": "ParameterValues", "Values": ["i-0123456789abcdef0", "i-0123456789abcdef1"]},
        {"Key": "ResourceGroup", "Values": ["web-servers"]},
        {"Key": "CloudConnector", "Values": ["cc-0123456789"]},
        {"Key": "AWS::EC2::Instance", "Values": ["*"]},
    ],
)
def test_runbook_target_keys_are_for_runbooks_only_D_RB_1(ssm: Any, target: dict[str, Any]) -> None:
    desc = ssm.create_association(
        Name=RUNBOOK, Targets=[target], AutomationTargetParameterName="InstanceId"
    )["AssociationDescription"]
    assert desc["Targets"] == [target]
    assert fails(ssm.create_association, Name="AWS-UpdateSSMAgent", Targets=[target]) == (
        "InvalidTarget",
        "Unsupported Target Type",
    )


def test_a_resource_group_is_one_group_D_RB_1(ssm: Any) -> None:
    code, message = fails(
        ssm.create_association,
        Name=RUNBOOK,
        AutomationTargetParameterName="InstanceId",
        Targets=[{"Key": "ResourceGroup", "Values": ["a", "b"]}],
    )
    assert code == "InvalidTarget" and "ResourceGroup" in message


def test_parameter_values_run_through_the_rate_control_engine_D_RB_1(
    stub: AssociationStub, ssm: Any
) -> None:
    values = [f"i-{n:017x}" for n in range(1, 6)]
    stub.set_outcome("*", "Success", duration=10)
    aid = ssm.create_association(
        Name=RUNBOOK,
        AutomationTargetParameterName="InstanceId",
        Targets=[{"Key": "ParameterValues", "Values": values}],
        MaxConcurrency="2",
    )["AssociationDescription"]["AssociationId"]
    stub.settle()
    (execution,) = stub.executions(aid)
    assert list(execution.targets) == values  # one child per value, in order
    assert execution.peak_concurrency == 2
    assert execution.resource_count_by_status == "{Success=5}"


def test_ec2_resource_type_reaches_every_ec2_node_D_RB_1(stub: AssociationStub, ssm: Any) -> None:
    stub.add_instance("i-0000000000000000a")
    stub.add_instance("mi-0123456789abcdef0")  # a hybrid node, not EC2
    aid = ssm.create_association(
        Name=RUNBOOK,
        AutomationTargetParameterName="InstanceId",
        Targets=[{"Key": "AWS::EC2::Instance", "Values": ["*"]}],
    )["AssociationDescription"]["AssociationId"]
    stub.settle()
    assert list(stub.executions(aid)[-1].targets) == ["i-0000000000000000a"]


def test_no_mid_run_joins_for_runbooks_D_RC_8(stub: AssociationStub, ssm: Any) -> None:
    for n in range(2):
        stub.add_instance(f"i-{n:017x}", tags={"role": "web"})
    stub.set_outcome("*", "Success", duration=60)
    runbook = ssm.create_association(
        Name=RUNBOOK, Targets=WEB, AutomationTargetParameterName="InstanceId"
    )["AssociationDescription"]["AssociationId"]
    command = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)[
        "AssociationDescription"
    ]["AssociationId"]
    stub.advance(10)
    stub.add_instance("i-late", tags={"role": "web"})  # joins while both run
    stub.settle()
    assert "i-late" not in stub.executions(runbook)[-1].targets  # target set fixed at start
    assert "i-late" in stub.executions(command)[-1].targets  # D-RC-8: Command documents
