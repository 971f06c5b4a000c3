"""Roll patches out with a State Manager association, and roll back when the run fails.

A worked example of code worth testing with ``ssm_assoc_stub``: it talks to AWS
Systems Manager through an ordinary boto3 SSM client and knows nothing about
the stub.  Its tests are ``tests/test_patch_rollout_example.py``.

The flow:

1. ``create_patch_association`` binds ``AWS-RunPatchBaseline`` to every node
   tagged ``PatchGroup=<group>``, with rate control: at most ``MaxConcurrency``
   nodes patch at once, and once more than ``MaxErrors`` have failed the rest are
   left alone.  It waits for its maintenance window (``ApplyOnlyAtCronInterval``),
   so creating it patches nothing.
2. ``roll_out`` moves the association to new parameters (a new association
   version), starts it now (StartAssociationsOnce), polls DescribeAssociation
   until the Overview is no longer ``Pending``, and reads the newest execution
   and its per-node rows.  If the run failed it rolls back: the association gets
   the previous version's members again, so the next window applies those.

Every UpdateAssociation here resends all members: UpdateAssociation resets the
members a request leaves out.  And each one sends the ``AssociationVersion`` it
read, so an update made by someone else in between fails with
``InvalidAssociationVersion`` instead of being silently overwritten.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PATCH_DOCUMENT",
    "PATCH_TAG",
    "Rollout",
    "create_patch_association",
    "latest_execution",
    "roll_back",
    "roll_out",
    "target_statuses",
    "update_association",
    "wait_until_settled",
]

PATCH_DOCUMENT = "AWS-RunPatchBaseline"
PATCH_TAG = "PatchGroup"
ERROR_STATUSES = ("Failed", "TimedOut")

# The UpdateAssociation members that DescribeAssociation returns, i.e. what an
# update must resend to keep the association as it is.
_MEMBERS = (
    "Name",
    "DocumentVersion",
    "Parameters",
    "Targets",
    "ScheduleExpression",
    "OutputLocation",
    "AssociationName",
    "AutomationTargetParameterName",
    "MaxErrors",
    "MaxConcurrency",
    "ComplianceSeverity",
    "SyncCompliance",
    "ApplyOnlyAtCronInterval",
    "CalendarNames",
    "TargetLocations",
    "ScheduleOffset",
    "Duration",
    "TargetMaps",
    "AlarmConfiguration",
    "AssociationDispatchAssumeRole",
)

Sleep = Callable[[float], object]


@dataclass(frozen=True)
class Rollout:
    """What one rollout did."""

    association_id: str
    version: str  # the association version that ran
    execution_id: str
    status: str  # the execution's Status: "Success" or "Failed"
    counts: str  # its ResourceCountByStatus, e.g. "{Failed=3, Skipped=13, Success=4}"
    failed: tuple[str, ...]  # nodes whose run Failed or TimedOut
    skipped: tuple[str, ...]  # nodes left alone once MaxErrors was crossed
    rolled_back_to: str | None  # the version whose members were restored, if any

    @property
    def succeeded(self) -> bool:
        return self.status == "Success"


def create_patch_association(
    ssm: Any,
    patch_group: str,
    parameters: Mapping[str, Sequence[str]],
    *,
    max_concurrency: str = "10%",
    max_errors: str = "10%",
    window: str = "cron(0 3 ? * SUN *)",
) -> str:
    """Create the group's patch association (version 1); returns its AssociationId."""
    response = ssm.create_association(
        Name=PATCH_DOCUMENT,
        AssociationName=f"patch-{patch_group}",
        Targets=[{"Key": f"tag:{PATCH_TAG}", "Values": [patch_group]}],
        Parameters={name: list(values) for name, values in parameters.items()},
        ScheduleExpression=window,
        ApplyOnlyAtCronInterval=True,
        MaxConcurrency=max_concurrency,
        MaxErrors=max_errors,
        ComplianceSeverity="HIGH",
    )
    return str(response["AssociationDescription"]["AssociationId"])


def _members(description: Mapping[str, Any]) -> dict[str, Any]:
    return {key: description[key] for key in _MEMBERS if key in description}


def update_association(ssm: Any, association_id: str, **changes: Any) -> str:
    """Change some members, resending the others; returns the new version."""
    current = ssm.describe_association(AssociationId=association_id)["AssociationDescription"]
    response = ssm.update_association(
        AssociationId=association_id,
        AssociationVersion=current["AssociationVersion"],  # optimistic concurrency
        **{**_members(current), **changes},
    )
    return str(response["AssociationDescription"]["AssociationVersion"])


def wait_until_settled(
    ssm: Any,
    association_id: str,
    *,
    sleep: Sleep = time.sleep,
    poll_seconds: float = 30.0,
    timeout_seconds: float = 3600.0,
) -> dict[str, Any]:
    """Poll DescribeAssociation until ``Overview.Status`` is no longer Pending; the Overview."""
    waited = 0.0
    while True:
        description = ssm.describe_association(AssociationId=association_id)
        overview: dict[str, Any] = description["AssociationDescription"]["Overview"]
        if overview["Status"] != "Pending":
            return overview
        if waited >= timeout_seconds:
            raise TimeoutError(
                f"association {association_id} is still Pending after {waited:g} seconds"
            )
        sleep(poll_seconds)
        waited += poll_seconds


def latest_execution(ssm: Any, association_id: str) -> dict[str, Any]:
    """The newest execution (DescribeAssociationExecutions lists newest first)."""
    response = ssm.describe_association_executions(AssociationId=association_id, MaxResults=1)
    executions: list[dict[str, Any]] = response["AssociationExecutions"]
    if not executions:
        raise LookupError(f"association {association_id} has not run yet")
    return executions[0]


def target_statuses(ssm: Any, association_id: str, execution_id: str) -> dict[str, str]:
    """Node id -> status for every target of one execution, in the service's order."""
    pages = ssm.get_paginator("describe_association_execution_targets").paginate(
        AssociationId=association_id, ExecutionId=execution_id
    )
    return {
        row["ResourceId"]: row["Status"]
        for page in pages
        for row in page["AssociationExecutionTargets"]
    }


def roll_back(ssm: Any, association_id: str) -> str | None:
    """Give the association the members of the version before the latest again.

    Returns that version's number, or None when there is no earlier version.
    The rollback is a new version (versions are never removed).
    """
    current = ssm.describe_association(AssociationId=association_id)["AssociationDescription"]
    latest = int(current["AssociationVersion"])
    pages = ssm.get_paginator("list_association_versions").paginate(AssociationId=association_id)
    older = [
        int(item["AssociationVersion"])
        for page in pages
        for item in page["AssociationVersions"]
        if int(item["AssociationVersion"]) < latest
    ]
    if not older:
        return None
    previous = str(max(older))
    before = ssm.describe_association(AssociationId=association_id, AssociationVersion=previous)
    ssm.update_association(
        AssociationId=association_id,
        AssociationVersion=current["AssociationVersion"],
        **_members(before["AssociationDescription"]),
    )
    return previous


def roll_out(
    ssm: Any,
    association_id: str,
    parameters: Mapping[str, Sequence[str]],
    *,
    sleep: Sleep = time.sleep,
    poll_seconds: float = 30.0,
    timeout_seconds: float = 3600.0,
) -> Rollout:
    """Apply new patch parameters now; roll back if the run fails."""
    update_association(
        ssm,
        association_id,
        Parameters={name: list(values) for name, values in parameters.items()},
    )
    # The update has put the Overview back to Pending, so the wait cannot mistake
    # the previous run's result for this one's.
    ssm.start_associations_once(AssociationIds=[association_id])
    wait_until_settled(
        ssm,
        association_id,
        sleep=sleep,
        poll_seconds=poll_seconds,
        timeout_seconds=timeout_seconds,
    )
    execution = latest_execution(ssm, association_id)
    statuses = target_statuses(ssm, association_id, execution["ExecutionId"])
    succeeded = execution["Status"] == "Success"
    return Rollout(
        association_id=association_id,
        version=execution["AssociationVersion"],
        execution_id=execution["ExecutionId"],
        status=execution["Status"],
        counts=execution["ResourceCountByStatus"],
        failed=tuple(node for node, status in statuses.items() if status in ERROR_STATUSES),
        skipped=tuple(node for node, status in statuses.items() if status == "Skipped"),
        rolled_back_to=None if succeeded else roll_back(ssm, association_id),
    )
