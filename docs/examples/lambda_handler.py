"""A Lambda-style handler of the kind issue 9 is about (docs/usage.md, "A suite written for moto").

Clients are made at import, as in any Lambda function (its tests import it before any
mock or stub starts); the document and the instances
it works on are made elsewhere (here: in moto, by the tests); and it decides what is
"recent" with ``datetime.now()``, not with anything the stub gives it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

REGION = os.environ.get("AWS_REGION", "eu-west-1")
ssm = boto3.client("ssm", region_name=REGION)  # module level: made once, at import
ec2 = boto3.client("ec2", region_name=REGION)


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Apply ``event["document"]`` to the running instances tagged ``role=<event["role"]>``."""
    role = event["role"]
    reservations = ec2.describe_instances(
        Filters=[
            {"Name": "tag:role", "Values": [role]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ]
    )["Reservations"]
    targets = [i["InstanceId"] for r in reservations for i in r["Instances"]]
    if not targets:
        return {"status": "skipped", "reason": f"no running instance has role={role}"}
    ssm.describe_document(Name=event["document"])  # fail early on a missing document
    created = ssm.create_association(
        Name=event["document"],
        Parameters=event.get("parameters", {}),
        Targets=[{"Key": "tag:role", "Values": [role]}],
        MaxConcurrency="50%",
        MaxErrors="0",
    )["AssociationDescription"]
    return {"status": "created", "association": created["AssociationId"], "targets": targets}


def recent_failures(association_id: str, minutes: int = 5) -> list[str]:
    """Nodes whose run of the association failed in the last ``minutes`` minutes."""
    return [target["ResourceId"] for target in _failed_targets(association_id, minutes)]


def why_it_failed(association_id: str, minutes: int = 5) -> dict[str, str]:
    """What each failed node's run said, read from the Run Command invocation behind it.

    Every execution target carries the id of that command (``OutputSource``); its
    invocation on the node has the exit code and the output of the failed step.
    """
    reasons: dict[str, str] = {}
    for target in _failed_targets(association_id, minutes):
        invocation = ssm.get_command_invocation(
            CommandId=target["OutputSource"]["OutputSourceId"], InstanceId=target["ResourceId"]
        )
        said = invocation["StandardErrorContent"] or invocation["StandardOutputContent"]
        reasons[target["ResourceId"]] = f"exit {invocation['ResponseCode']}: {said.strip()}"
    return reasons


def _failed_targets(association_id: str, minutes: int) -> list[dict[str, Any]]:
    since = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    failed: list[dict[str, Any]] = []
    executions = ssm.describe_association_executions(
        AssociationId=association_id,
        Filters=[{"Key": "CreatedTime", "Value": since.isoformat(), "Type": "GREATER_THAN"}],
    )["AssociationExecutions"]
    for execution in executions:
        targets = ssm.describe_association_execution_targets(
            AssociationId=association_id,
            ExecutionId=execution["ExecutionId"],
            Filters=[{"Key": "Status", "Value": "Failed"}],
        )["AssociationExecutionTargets"]
        failed += targets
    return failed
