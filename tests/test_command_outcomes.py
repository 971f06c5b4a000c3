"""Scripting what a node's run prints, and command ids the stub does not own (issue 9 item 6).

``set_outcome(..., output=, error=, exit_code=)``, outcome functions returning an
``OutcomeResult``, the server's ``outcomes`` control, and moto for other command ids.
Decisions pinned here: D-CMD-5, D-CMD-7, D-CMD-8, D-CMD-13.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config

from ssm_assoc_stub import AssociationStub, OutcomeResult
from ssm_assoc_stub._server.testing import started_server

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
NODE, OTHER = "i-0123456789abcdef0", "i-0123456789abcdef1"


def run_on(ssm: Any, nodes: list[str]) -> tuple[str, str]:
    aid = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["./check.sh"]},
        Targets=[{"Key": "InstanceIds", "Values": nodes}],
    )["AssociationDescription"]["AssociationId"]
    (execution,) = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
    rows = ssm.describe_association_execution_targets(
        AssociationId=aid, ExecutionId=execution["ExecutionId"]
    )["AssociationExecutionTargets"]
    return aid, str(rows[0]["OutputSource"]["OutputSourceId"])


def test_set_outcome_checks_its_arguments_at_once() -> None:
    with AssociationStub() as stub:
        for kwargs, kind in (
            ({"output": 3}, TypeError),
            ({"error": b"bytes"}, TypeError),
            ({"exit_code": "2"}, TypeError),
            ({"exit_code": True}, TypeError),
            ({"exit_code": 2**40}, ValueError),
        ):
            with pytest.raises(kind):
                stub.set_outcome(NODE, "Failed", **kwargs)
        with pytest.raises(ValueError, match="use status='Failed'"):
            stub.set_outcome(NODE, "Success", exit_code=1)
        with pytest.raises(TypeError):
            stub.set_outcome(NODE, "Failed", "oops")  # type: ignore[misc]  # keyword-only
        with pytest.raises(TypeError):
            OutcomeResult(status="Failed", output=1)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            OutcomeResult(status="Broken")
        stub.set_outcome(NODE, "Failed", exit_code=0)  # an agent-reported failure may exit 0


def test_an_outcome_function_can_give_the_output_D_CMD_13() -> None:
    seen: list[str] = []

    def outcome(association: Mapping[str, Any], node: str) -> str | OutcomeResult:
        seen.append(str(association["Name"]))
        if node == NODE:
            return OutcomeResult(
                status="Failed", output="3 checks\n", error="disk full", exit_code=4
            )
        return "Success"  # a plain status still works

    with AssociationStub(start_time=START) as stub:
        stub.add_instance(NODE)
        stub.add_instance(OTHER)
        stub.set_outcome("*", outcome, duration=2)
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid, command_id = run_on(ssm, [NODE, OTHER])
        failed = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODE)
        assert (failed["Status"], failed["ResponseCode"]) == ("Failed", 4)
        assert failed["StandardOutputContent"] == "3 checks\n"
        assert failed["StandardErrorContent"] == "disk full"
        assert failed["ExecutionElapsedTime"] == "PT2S"
        fine = ssm.get_command_invocation(CommandId=command_id, InstanceId=OTHER)
        assert (fine["Status"], fine["ResponseCode"], fine["StandardOutputContent"]) == (
            "Success",
            0,
            "",
        )
        assert [t.status for t in stub.executions(aid)[0].targets.values()] == [
            "Failed",
            "Success",
        ]
    assert seen == ["AWS-RunShellScript"] * 2


def test_set_outcome_output_reaches_the_invocation_over_http_D_CMD_5() -> None:
    with started_server({"start_time": START}) as (url, controls):
        controls.add_instance(NODE)
        controls.set_outcome(NODE, "Failed", output="partial\n", error="exit 7", exit_code=7)
        ssm = boto3.client(
            "ssm",
            region_name="eu-west-1",
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )
        _, command_id = run_on(ssm, [NODE])
        answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=NODE)
        assert (answer["Status"], answer["ResponseCode"]) == ("Failed", 7)
        assert (answer["StandardOutputContent"], answer["StandardErrorContent"]) == (
            "partial\n",
            "exit 7",
        )
        with pytest.raises(ssm.exceptions.InvalidCommandId):  # D-CMD-7: no upstream
            ssm.get_command_invocation(
                CommandId="00000000-0000-4000-8000-000000000000", InstanceId=NODE
            )
        with pytest.raises(Exception, match="exit_code"):  # checked by the core, as in-process
            controls.set_outcome(NODE, "Success", exit_code=3)


def test_other_command_ids_go_on_to_moto_D_CMD_7_D_CMD_8() -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), AssociationStub(start_time=START) as stub:
        stub.add_instance(NODE)
        ssm = boto3.client("ssm", region_name="eu-west-1")
        sent = ssm.send_command(  # moto's command, not the stub's
            DocumentName="AWS-RunShellScript",
            InstanceIds=[NODE],
            Parameters={"commands": ["uptime"]},
            Comment="by hand",
        )["Command"]["CommandId"]
        theirs = ssm.get_command_invocation(CommandId=sent, InstanceId=NODE)
        assert theirs["CommandId"] == sent and theirs["Comment"] == "by hand"
        aid, ours = run_on(ssm, [NODE])
        mine = ssm.get_command_invocation(CommandId=ours, InstanceId=NODE)
        assert mine["Comment"].startswith(f"{aid}:")
        listed = [c["CommandId"] for c in ssm.list_commands()["Commands"]]
        assert listed == [ours, sent]  # the stub's, then moto's (D-CMD-8)
        assert [c["CommandId"] for c in ssm.list_commands(CommandId=sent)["Commands"]] == [sent]
        with pytest.raises(ssm.exceptions.InvalidCommandId):  # moto's answer for an unknown id
            ssm.get_command_invocation(
                CommandId="00000000-0000-4000-8000-000000000000", InstanceId=NODE
            )
    answered = [c.operation for c in stub.calls]
    assert answered.count("GetCommandInvocation") == 1  # the others were moto's
