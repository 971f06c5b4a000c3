"""Outcome functions that call the SSM client while a run progresses (issue 8 item 4).

An outcome function runs while the engine dispatches a target.  Calls it makes
are answered at once (reads see the run as it is); what they would change in a
run (a create's or update's execution, a node joining) starts once the outcome
returns; a delete cancels the run at once.  Moving the simulated clock from
inside one is refused with a clear error.  No call corrupts a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub, StubStateError

START = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
ALL = [{"Key": "InstanceIds", "Values": ["*"]}]
SHELL = {"commands": ["echo hi"]}


def nodes(stub: AssociationStub, count: int) -> list[str]:
    ids = [f"i-{n:017x}" for n in range(1, count + 1)]
    for instance_id in ids:
        stub.add_instance(instance_id)
    return ids


def create(ssm: Any, **extra: Any) -> str:
    request: dict[str, Any] = {"Name": "AWS-RunShellScript", "Targets": ALL, "Parameters": SHELL}
    request.update(extra)
    return str(ssm.create_association(**request)["AssociationDescription"]["AssociationId"])


def target_statuses(ssm: Any, aid: str) -> dict[str, str]:
    execution = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"][0]
    rows = ssm.describe_association_execution_targets(
        AssociationId=aid, ExecutionId=execution["ExecutionId"]
    )["AssociationExecutionTargets"]
    return {row["ResourceId"]: row["Status"] for row in rows}


@pytest.mark.parametrize("progression", ["immediate", "manual"])
def test_an_outcome_that_reads_through_the_client_never_corrupts_the_run(
    progression: str,
) -> None:
    # Before: KeyError in the engine's _finish and counts short (issue 8).
    with AssociationStub(start_time=START, progression=progression) as stub:
        ids = nodes(stub, 6)
        ssm = boto3.client("ssm", region_name="us-east-1")
        seen: list[str] = []

        def outcome(description: Mapping[str, Any], instance_id: str) -> tuple[str, float]:
            aid = description["AssociationId"]
            seen.append(
                ssm.describe_association(AssociationId=aid)["AssociationDescription"]["Overview"][
                    "Status"
                ]
            )
            ssm.list_associations()
            ssm.describe_association_executions(AssociationId=aid)
            ssm.describe_instance_associations_status(InstanceId=instance_id)
            return ("Failed" if instance_id == ids[0] else "Success"), 0.0

        stub.set_outcome("*", outcome)
        aid = create(ssm, MaxConcurrency="2")
        stub.settle()
        (execution,) = stub.executions(aid)
        assert execution.status_counts == {"Failed": 1, "Success": 5}
        assert len(execution.targets) == 6 and not stub.backend.engine.running(aid)
        assert target_statuses(ssm, aid)[ids[0]] == "Failed"
        assert seen and set(seen) == {"Pending"}  # the run's own Overview while it runs


def test_an_outcome_that_creates_and_updates_starts_those_runs_after_it_returns() -> None:
    with AssociationStub(start_time=START) as stub:
        ids = nodes(stub, 3)
        other = "i-0000000000000000f"
        stub.add_instance(other)
        ssm = boto3.client("ssm", region_name="us-east-1")
        made: list[str] = []
        # The two associations run on different nodes, so neither times the other out (D-RC-13).
        outer_targets = [{"Key": "InstanceIds", "Values": ids}]
        inner_targets = [{"Key": "InstanceIds", "Values": [other]}]

        def outcome(description: Mapping[str, Any], instance_id: str) -> str:
            if description.get("AssociationName") == "outer" and not made:
                made.append(create(ssm, AssociationName="inner", Targets=inner_targets))
                # an update of the very association being dispatched: a second run follows
                ssm.update_association(
                    AssociationId=description["AssociationId"],
                    Parameters=SHELL,
                    MaxConcurrency="1",
                )
            return "Success"

        stub.set_outcome("*", outcome)
        outer = create(ssm, AssociationName="outer", Targets=outer_targets)
        assert not stub.backend.engine.running(outer)  # immediate: everything settled
        (inner,) = made
        assert [e.status for e in stub.executions(inner)] == ["Success"]
        outer_runs = stub.executions(outer)
        assert [e.status_counts for e in outer_runs] == [{"Success": 3}] * len(outer_runs)
        assert len(outer_runs) == 2  # the update's run, after the first ended (spec section 7)
        assert outer_runs[1].association_version == "2"


def test_an_outcome_that_deletes_its_association_cancels_the_run_cleanly() -> None:
    with AssociationStub(start_time=START) as stub:
        nodes(stub, 4)
        ssm = boto3.client("ssm", region_name="us-east-1")

        def outcome(description: Mapping[str, Any], instance_id: str) -> str:
            ssm.delete_association(AssociationId=description["AssociationId"])
            return "Success"

        stub.set_outcome("*", outcome)
        aid = create(ssm)
        assert not stub.backend.engine.running(aid)
        assert ssm.list_associations()["Associations"] == []
        assert stub.backend.simulator.next_event_time() is None
        # the stub still works
        stub.set_outcome("*", "Success")
        other = create(ssm)
        assert stub.executions(other)[0].status_counts == {"Success": 4}


def test_a_node_added_by_an_outcome_joins_once_the_outcome_returns_D_RC_8() -> None:
    with AssociationStub(start_time=START, progression="manual") as stub:
        nodes(stub, 2)
        ssm = boto3.client("ssm", region_name="us-east-1")

        def outcome(description: Mapping[str, Any], instance_id: str) -> tuple[str, float]:
            if instance_id == "i-00000000000000001":
                stub.add_instance("i-joined")
            return "Success", 10.0

        stub.set_outcome("*", outcome)
        aid = create(ssm, MaxConcurrency="1")
        stub.settle()
        (execution,) = stub.executions(aid)
        assert list(execution.targets) == ["i-00000000000000001", "i-joined", "i-00000000000000002"]
        assert execution.status_counts == {"Success": 3}


@pytest.mark.parametrize("control", ["advance", "settle", "run"])
def test_moving_the_clock_from_inside_an_outcome_is_a_clear_error(control: str) -> None:
    with AssociationStub(start_time=START, progression="manual") as stub:
        nodes(stub, 2)
        ssm = boto3.client("ssm", region_name="us-east-1")

        def outcome(description: Mapping[str, Any], instance_id: str) -> str:
            if control == "advance":
                stub.advance(5)
            elif control == "settle":
                stub.settle()
            else:
                stub.run(description["AssociationId"])
            return "Success"

        stub.set_outcome("*", outcome)
        with pytest.raises(StubStateError, match=rf"stub\.{control}\(\) was called from inside"):
            create(ssm)
            stub.settle()
        # the run was abandoned as a failing outcome abandons it; the stub goes on working
        stub.set_outcome("*", "Success")
        aid = create(ssm)
        stub.settle()
        assert stub.executions(aid)[-1].status_counts == {"Success": 2}
