"""A Lambda-style handler of the kind issue 9 is about (docs/usage.md, "A suite written for moto").

Clients are made at import, as in any Lambda function; the document and the instances
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
    since = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    failed: list[str] = []
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
        failed += [t["ResourceId"] for t in targets]
    return failed
