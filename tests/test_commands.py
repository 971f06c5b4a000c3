"""The Run Command commands behind association runs (issue 9 item 6, companion spec §3).

GetCommandInvocation, ListCommandInvocations and ListCommands through real boto3 clients.
Decisions pinned here: D-CMD-1 .. D-CMD-6 and D-CMD-9 .. D-CMD-12.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub

from .helpers import declared_errors, error_code, output_problems

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
NODES = [f"i-0123456789abcdef{n}" for n in range(4)]
SHELL = {"commands": ["./deploy.sh"]}
FAST = {"Delay": 0.01, "MaxAttempts": 2}  # the waiter's polls, with a small delay


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START) as active:
        for node in NODES:
            active.add_instance(node)
        yield active


@pytest.fixture
def ssm(stub: AssociationStub) -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def problems(operation: str, answer: dict[str, Any]) -> list[str]:
    """The output shape's complaints, but for the empty strings AWS's samples print below
    the model's minimum length (CloudWatchLogGroupName, OutputS3BucketName)."""
    report = output_problems(operation, answer).splitlines()
    empty = ("CloudWatchLogGroupName, value: 0", "OutputS3BucketName, value: 0")
    return [line for line in report if not any(e in line for e in empty)]


def create(ssm: Any, nodes: list[str] = NODES, **extra: Any) -> str:
    answer = ssm.create_association(
        Name=extra.pop("Name", "AWS-RunShellScript"),
        Parameters=extra.pop("Parameters", SHELL),
        Targets=[{"Key": "InstanceIds", "Values": nodes}],
        **extra,
    )
    return str(answer["AssociationDescription"]["AssociationId"])


def targets(ssm: Any, stub: AssociationStub, aid: str, index: int = -1) -> list[dict[str, Any]]:
    execution = stub.executions(aid)[index]
    answer = ssm.describe_association_execution_targets(
        AssociationId=aid, ExecutionId=execution.execution_id
    )
    return list(answer["AssociationExecutionTargets"])


def command_of(ssm: Any, stub: AssociationStub, aid: str) -> str:
    return str(targets(ssm, stub, aid)[0]["OutputSource"]["OutputSourceId"])


def test_one_command_per_execution_is_every_target_s_output_source_D_CMD_1(
    ssm: Any, stub: AssociationStub
) -> None:
    aid = create(ssm)
    first = {row["OutputSource"]["OutputSourceId"] for row in targets(ssm, stub, aid)}
    assert len(first) == 1
    ssm.start_associations_once(AssociationIds=[aid])
    second = {row["OutputSource"]["OutputSourceId"] for row in targets(ssm, stub, aid)}
    assert len(second) == 1 and second != first  # each execution its own command
    (command_id,) = second
    invocation = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[2])
    assert invocation["CommandId"] == command_id and invocation["InstanceId"] == NODES[2]


def test_a_seed_makes_the_same_command_ids_on_every_run_D_CMD_1() -> None:
    def ids() -> list[str]:
        with AssociationStub(seed=7, start_time=START) as stub:
            stub.add_instance(NODES[0])
            ssm = boto3.client("ssm", region_name="eu-west-1")
            aid = create(ssm, NODES[:1])
            ssm.start_associations_once(AssociationIds=[aid])
            return [
                str(row["OutputSource"]["OutputSourceId"])
                for index in (0, 1)
                for row in targets(ssm, stub, aid, index)
            ]

    made = ids()
    assert made == ids() and len(set(made)) == 2


def test_a_success_reads_as_run_command_shows_it_D_CMD_3_D_CMD_5(
    ssm: Any, stub: AssociationStub
) -> None:
    stub.set_outcome(NODES[0], "Success", duration=0.091, output="deployed\n")
    aid = create(ssm, NODES[:1])
    command_id = command_of(ssm, stub, aid)
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[0])
    assert problems("GetCommandInvocation", answer) == []
    execution = stub.executions(aid)[0]
    del answer["ResponseMetadata"]
    assert answer == {
        "CommandId": command_id,
        "InstanceId": NODES[0],
        "Comment": f"{aid}:{execution.execution_id}",
        "DocumentName": "AWS-RunShellScript",
        "DocumentVersion": "",
        "PluginName": "aws:runShellScript",
        "ResponseCode": 0,
        "ExecutionStartDateTime": "2026-03-01T12:00:00.000Z",
        "ExecutionElapsedTime": "PT0.091S",
        "ExecutionEndDateTime": "2026-03-01T12:00:00.091Z",
        "Status": "Success",
        "StatusDetails": "Success",
        "StandardOutputContent": "deployed\n",
        "StandardOutputUrl": "",
        "StandardErrorContent": "",
        "StandardErrorUrl": "",
        "CloudWatchOutputConfig": {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False},
    }


def test_a_failure_defaults_to_exit_code_1_and_the_agent_s_error_D_CMD_5(
    ssm: Any, stub: AssociationStub
) -> None:
    stub.set_outcome(NODES[1], "Failed", duration=90)
    aid = create(ssm, NODES[:2])
    answer = ssm.get_command_invocation(CommandId=command_of(ssm, stub, aid), InstanceId=NODES[1])
    assert (answer["Status"], answer["StatusDetails"], answer["ResponseCode"]) == (
        "Failed",
        "Failed",
        1,
    )
    assert answer["StandardErrorContent"] == "failed to run commands: exit status 1"
    assert answer["ExecutionElapsedTime"] == "PT1M30S"


def test_timed_out_and_windows_exit_codes_D_CMD_4_D_CMD_5(ssm: Any, stub: AssociationStub) -> None:
    stub.add_instance(NODES[3], platform="Windows")
    stub.set_outcome("*", "TimedOut", duration=3600)
    aid = create(ssm, NODES[2:])
    command_id = command_of(ssm, stub, aid)
    linux = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[2])
    windows = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[3])
    assert (linux["Status"], linux["StatusDetails"]) == ("TimedOut", "Execution Timed Out")
    assert (linux["ResponseCode"], windows["ResponseCode"]) == (137, -1)
    assert linux["ExecutionElapsedTime"] == "PT1H"


def test_statuses_while_running_and_for_skipped_targets_D_CMD_4(ssm: Any) -> None:
    with AssociationStub(start_time=START, progression="manual") as stub:
        for node in NODES:
            stub.add_instance(node)
        ssm = boto3.client("ssm", region_name="eu-west-1")
        stub.set_outcome("*", "Failed", duration=10)
        aid = create(ssm, MaxConcurrency="1", MaxErrors="0")
        stub.advance(0)  # the run begins: one node at a time
        command_id = command_of(ssm, stub, aid)
        listed = ssm.list_command_invocations(CommandId=command_id)["CommandInvocations"]
        shown = [(i["InstanceId"], i["Status"], i["StatusDetails"]) for i in listed]
        assert shown == [
            (NODES[0], "InProgress", "In Progress"),
            *[(node, "Pending", "Pending") for node in NODES[1:]],
        ]
        running = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[0])
        assert running["ResponseCode"] == -1 and running["ExecutionEndDateTime"] == ""
        assert running["ExecutionStartDateTime"] == "2026-03-01T12:00:00.000Z"
        assert running["ExecutionElapsedTime"] == "" and running["StandardErrorContent"] == ""
        stub.advance(10)  # the first failure crosses MaxErrors 0: the rest are Skipped
        skipped = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[1])
        assert (skipped["Status"], skipped["StatusDetails"]) == ("Cancelled", "Terminated")
        assert skipped["ResponseCode"] == -1 and skipped["ExecutionStartDateTime"] == ""
        (command,) = ssm.list_commands(CommandId=command_id)["Commands"]
        assert (command["Status"], command["StatusDetails"]) == ("Failed", "Failed")  # D-CMD-11
        assert (command["TargetCount"], command["CompletedCount"], command["ErrorCount"]) == (
            4,
            4,
            1,
        )


def test_output_is_truncated_as_aws_truncates_D_CMD_6(ssm: Any, stub: AssociationStub) -> None:
    stub.set_outcome(NODES[0], "Failed", output="o" * 30_000, error="e" * 9_000, exit_code=3)
    stub.set_outcome(NODES[1], "Failed", output="short", error="bad")
    aid = create(ssm, NODES[:2])
    command_id = command_of(ssm, stub, aid)
    long = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[0])
    assert long["StandardOutputContent"] == "o" * 24_000
    assert long["StandardErrorContent"] == "e" * 8_000
    assert long["ResponseCode"] == 3
    listed = ssm.list_command_invocations(CommandId=command_id, Details=True)
    assert problems("ListCommandInvocations", listed) == []
    plugins = {i["InstanceId"]: i["CommandPlugins"][0] for i in listed["CommandInvocations"]}
    cut = plugins[NODES[0]]["Output"]
    assert len(cut) <= 2_500 and cut.startswith("o" * 1_000)
    assert "\n---Output truncated---\n----------ERROR-------\ne" in cut
    assert cut.endswith("\n---Error truncated----")
    assert plugins[NODES[1]]["Output"] == "short\n----------ERROR-------\nbad"
    assert (plugins[NODES[1]]["Name"], plugins[NODES[1]]["ResponseCode"]) == (
        "aws:runShellScript",
        1,
    )


def test_output_urls_follow_the_output_location_D_CMD_9(ssm: Any, stub: AssociationStub) -> None:
    output = {"S3Location": {"OutputS3BucketName": "logs", "OutputS3KeyPrefix": "rollout/"}}
    aid = create(ssm, NODES[:1], Name="AWS-UpdateSSMAgent", Parameters={}, OutputLocation=output)
    command_id = command_of(ssm, stub, aid)
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[0])
    key = f"rollout/{command_id}/{NODES[0]}/awsupdateSsmAgent"
    assert answer["PluginName"] == "aws:updateSsmAgent"  # D-CMD-3
    assert answer["StandardOutputUrl"] == f"https://s3.eu-west-1.amazonaws.com/logs/{key}/stdout"
    assert answer["StandardErrorUrl"] == f"https://s3.eu-west-1.amazonaws.com/logs/{key}/stderr"
    (invocation,) = ssm.list_command_invocations(CommandId=command_id, Details=True)[
        "CommandInvocations"
    ]
    plugin = invocation["CommandPlugins"][0]
    assert (plugin["OutputS3BucketName"], plugin["OutputS3KeyPrefix"]) == ("logs", key)
    assert plugin["OutputS3Region"] == "eu-west-1"
    (status,) = ssm.describe_instance_associations_status(InstanceId=NODES[0])[
        "InstanceAssociationStatusInfos"
    ]
    url = status["OutputUrl"]["S3OutputUrl"]["OutputUrl"]
    assert url == f"https://s3.eu-west-1.amazonaws.com/logs/rollout/{command_id}/{NODES[0]}"
    plain = command_of(ssm, stub, create(ssm, NODES[:1]))
    (bare,) = ssm.list_command_invocations(CommandId=plain, Details=True)["CommandInvocations"]
    assert bare["StandardOutputUrl"] == "" and bare["CommandPlugins"][0]["OutputS3Region"] == (
        "eu-west-1"
    )


def test_a_custom_document_s_step_is_the_plugin_D_CMD_3(ssm: Any, stub: AssociationStub) -> None:
    stub.add_document("Acme-Two-Steps", parameters={})
    aid = create(ssm, NODES[:1], Name="Acme-Two-Steps", Parameters={})
    command_id = command_of(ssm, stub, aid)
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[0])
    step = answer["PluginName"]
    again = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[0], PluginName=step)
    assert again["Status"] == "Success"
    with pytest.raises(ssm.exceptions.InvalidPluginName):
        ssm.get_command_invocation(
            CommandId=command_id, InstanceId=NODES[0], PluginName="aws:nothing"
        )


def test_list_commands_shows_the_association_s_command_D_CMD_2(
    ssm: Any, stub: AssociationStub
) -> None:
    aid = create(ssm, NODES[:2], MaxConcurrency="1")
    execution = stub.executions(aid)[0]
    command_id = command_of(ssm, stub, aid)
    answer = ssm.list_commands()
    assert problems("ListCommands", answer) == []
    (command,) = answer["Commands"]
    assert command["CommandId"] == command_id
    assert command["Comment"] == f"{aid}:{execution.execution_id}"
    assert (command["DocumentName"], command["DocumentVersion"]) == ("AWS-RunShellScript", "")
    assert command["Parameters"] == SHELL and command["InstanceIds"] == NODES[:2]
    assert (command["MaxConcurrency"], command["MaxErrors"]) == ("1", "100%")
    assert command["RequestedDateTime"] == START
    assert command["ExpiresAfter"] == START + timedelta(hours=1)
    assert (command["Status"], command["StatusDetails"]) == ("Success", "Success")
    assert (command["TargetCount"], command["CompletedCount"], command["ErrorCount"]) == (2, 2, 0)


def test_filters_and_pages_D_CMD_10(ssm: Any, stub: AssociationStub) -> None:
    stub.set_outcome(NODES[1], "Failed")
    first = create(ssm, NODES[:2])
    stub.advance(3600)
    second = create(ssm, NODES[2:], Name="AWS-UpdateSSMAgent", Parameters={})
    later = (START + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def commands(*filters: tuple[str, str]) -> list[str]:
        sent = [{"key": k, "value": v} for k, v in filters]
        found = ssm.list_commands(**({"Filters": sent} if sent else {}))
        return [c["Comment"].split(":")[0] for c in found["Commands"]]

    assert commands() == [second, first]  # newest first
    assert commands(("InvokedAfter", later)) == [second]
    assert commands(("InvokedBefore", later)) == [first]
    assert commands(("DocumentName", "AWS-UpdateSSMAgent")) == [second]
    assert commands(("Status", "Failed")) == [first]
    assert commands(("Status", "Incomplete"), ("ExecutionStage", "Complete")) == [first]
    assert commands(("ExecutionStage", "Executing")) == []
    invocations = ssm.list_command_invocations(Filters=[{"key": "Status", "value": "Failed"}])
    assert [i["InstanceId"] for i in invocations["CommandInvocations"]] == [NODES[1]]
    by_node = ssm.list_command_invocations(InstanceId=NODES[0])["CommandInvocations"]
    assert [i["InstanceId"] for i in by_node] == [NODES[0]]
    pages = ssm.get_paginator("list_command_invocations").paginate(PaginationConfig={"PageSize": 1})
    assert [len(p["CommandInvocations"]) for p in pages] == [1, 1, 1, 1]
    with pytest.raises(ssm.exceptions.InvalidNextToken):
        ssm.list_commands(NextToken="forged.000")
    for filters, code in (
        ([{"key": "ExecutionStage", "value": "Complete"}], "InvalidFilterKey"),
        ([{"key": "Status", "value": "Sideways"}], "ValidationException"),
        ([{"key": "InvokedAfter", "value": "yesterday"}], "ValidationException"),
    ):
        with pytest.raises(ssm.exceptions.ClientError) as raised:
            ssm.list_command_invocations(Filters=filters)
        assert error_code(raised) == code
    with pytest.raises(ssm.exceptions.ClientError) as raised:
        ssm.list_commands(MaxResults=51)
    assert error_code(raised) == "ValidationException"


def test_errors_are_the_declared_ones_D_CMD_12(ssm: Any, stub: AssociationStub) -> None:
    command_id = command_of(ssm, stub, create(ssm, NODES[:1]))
    with pytest.raises(ssm.exceptions.InvocationDoesNotExist):
        ssm.get_command_invocation(CommandId=command_id, InstanceId=NODES[3])
    assert "InvocationDoesNotExist" in declared_errors("GetCommandInvocation")
    with pytest.raises(ssm.exceptions.InvalidCommandId):  # D-CMD-7: nothing else answers
        ssm.get_command_invocation(
            CommandId="00000000-0000-4000-8000-000000000000", InstanceId=NODES[0]
        )
    with pytest.raises(ssm.exceptions.InvalidCommandId):
        ssm.list_commands(CommandId="00000000-0000-4000-8000-000000000000")
    other_region = boto3.client("ssm", region_name="us-east-1")
    with pytest.raises(other_region.exceptions.InvalidCommandId):
        other_region.list_command_invocations(CommandId=command_id)
    with pytest.raises(ssm.exceptions.ClientError) as raised:
        ssm.get_command_invocation(CommandId=command_id, InstanceId="i-nope")
    assert error_code(raised) == "ValidationException"  # the InstanceId pattern
    with AssociationStub(strict_fleet=True):
        strict = boto3.client("ssm", region_name="eu-west-1")
        with pytest.raises(strict.exceptions.InvalidInstanceId):
            strict.list_commands(InstanceId="i-0fedcba9876543210")
    recorded = [c.operation for c in stub.calls if c.error is not None]
    assert recorded.count("GetCommandInvocation") == 3  # every call is in stub.calls


def test_the_command_executed_waiter_works(ssm: Any) -> None:
    with AssociationStub(start_time=START, progression="manual") as stub:
        stub.add_instance(NODES[0])
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = create(ssm, NODES[:1])
        stub.advance(0)
        command_id = command_of(ssm, stub, aid)
        waiter = ssm.get_waiter("command_executed")
        with pytest.raises(Exception, match="Max attempts exceeded"):  # still InProgress
            waiter.wait(
                CommandId=command_id,
                InstanceId=NODES[0],
                WaiterConfig=FAST,
            )
        stub.advance(1)
        waiter.wait(CommandId=command_id, InstanceId=NODES[0], WaiterConfig=FAST)
        stub.set_outcome(NODES[0], "Failed")
        ssm.start_associations_once(AssociationIds=[aid])
        stub.advance(5)
        failed = command_of(ssm, stub, aid)
        with pytest.raises(Exception, match="Waiter encountered a terminal failure state"):
            waiter.wait(CommandId=failed, InstanceId=NODES[0], WaiterConfig=FAST)


def test_a_command_goes_with_its_history_and_its_association_D_CMD_1(ssm: Any) -> None:
    with AssociationStub(start_time=START, history_limit=1) as stub:
        stub.add_instance(NODES[0])
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = create(ssm, NODES[:1])
        old = command_of(ssm, stub, aid)
        ssm.start_associations_once(AssociationIds=[aid])
        new = command_of(ssm, stub, aid)
        with pytest.raises(ssm.exceptions.InvalidCommandId):
            ssm.get_command_invocation(CommandId=old, InstanceId=NODES[0])
        assert ssm.get_command_invocation(CommandId=new, InstanceId=NODES[0])["Status"] == "Success"
        ssm.delete_association(AssociationId=aid)
        with pytest.raises(ssm.exceptions.InvalidCommandId):
            ssm.get_command_invocation(CommandId=new, InstanceId=NODES[0])
        assert ssm.list_commands()["Commands"] == []


def test_bad_input_is_a_validation_exception_naming_the_member(stub: AssociationStub) -> None:
    from ssm_assoc_stub._service.errors import ValidationException

    before = stub.backend.state_snapshot()
    for operation, body, member in (
        ("ListCommandInvocations", {"Details": "yes"}, "details"),
        ("ListCommands", {"MaxResults": "5"}, "maxResults"),
        ("GetCommandInvocation", {"CommandId": "x" * 36}, "instanceId"),
    ):
        with pytest.raises(ValidationException, match=member):
            stub.backend.handle("eu-west-1", operation, body)
    assert stub.backend.state_snapshot() == before


def test_the_powershell_document_s_plugin_D_CMD_3(ssm: Any, stub: AssociationStub) -> None:
    stub.add_instance(NODES[0], platform="Windows")
    aid = create(ssm, NODES[:1], Name="AWS-RunPowerShellScript")
    answer = ssm.get_command_invocation(CommandId=command_of(ssm, stub, aid), InstanceId=NODES[0])
    assert answer["PluginName"] == "aws:runPowerShellScript"


def test_a_command_whose_rows_were_dropped_keeps_its_counts_only_D_CMD_1() -> None:
    with AssociationStub(start_time=START, history_target_limit=1) as stub:
        for node in NODES[:2]:
            stub.add_instance(node)
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = create(ssm, NODES[:2])
        old = command_of(ssm, stub, aid)
        ssm.start_associations_once(AssociationIds=[aid])  # the first run's rows go
        with pytest.raises(ssm.exceptions.InvocationDoesNotExist):
            ssm.get_command_invocation(CommandId=old, InstanceId=NODES[0])
        (command,) = ssm.list_commands(CommandId=old)["Commands"]
        assert command["InstanceIds"] == [] and command["TargetCount"] == 2
