"""Nodes that join an association's targets (D-RC-12) and Change Calendar gating (D-CAL-1).

Sources: companion-behaviour.md sections 6 (Change Calendar) and 9.1 (targets that
change); DECISIONS.md D-RC-12, D-CAL-1; the controls ``tag_instance``,
``untag_instance``, ``set_calendar_state``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub, StubStateError

# Associations created before their nodes join target no node at first (issue 9 warns).
pytestmark = pytest.mark.filterwarnings("ignore::ssm_assoc_stub.NoTargetsWarning")

START = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)  # a Wednesday
SHELL = {"commands": ["echo hi"]}
WEB = [{"Key": "tag:role", "Values": ["web"]}]


def nodes(count: int, first: int = 1) -> list[str]:
    return [f"i-{n:017x}" for n in range(first, first + count)]


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START) as running:
        yield running


@pytest.fixture
def manual() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression="manual") as running:
        yield running


def client() -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def create(ssm: Any, **extra: Any) -> str:
    request: dict[str, Any] = {"Name": "AWS-RunShellScript", "Targets": WEB, "Parameters": SHELL}
    request.update(extra)
    return str(ssm.create_association(**request)["AssociationDescription"]["AssociationId"])


def executions(ssm: Any, aid: str) -> list[dict[str, Any]]:
    return list(ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"])


def targets(ssm: Any, aid: str, execution_id: str) -> dict[str, str]:
    rows = ssm.describe_association_execution_targets(AssociationId=aid, ExecutionId=execution_id)
    return {r["ResourceId"]: r["Status"] for r in rows["AssociationExecutionTargets"]}


def node_status(ssm: Any, node: str) -> list[str]:
    infos = ssm.describe_instance_associations_status(InstanceId=node)
    return [i["Status"] for i in infos["InstanceAssociationStatusInfos"]]


# -- D-RC-12 ------------------------------------------------------------------------------
def test_a_node_added_between_runs_gets_the_association_at_once_D_RC_12(
    stub: AssociationStub,
) -> None:
    ssm = client()
    first = nodes(2)
    for node in first:
        stub.add_instance(node, tags={"role": "web"})
    aid = create(ssm, ScheduleExpression="rate(1 day)")
    (newcomer,) = nodes(1, first=9)
    stub.add_instance(newcomer, tags={"role": "web"})
    runs = executions(ssm, aid)  # the next call starts the join run; immediate progression ends it
    assert len(runs) == 2
    join = runs[0]
    assert (join["Status"], join["ResourceCountByStatus"]) == ("Success", "{Success=1}")
    assert targets(ssm, aid, join["ExecutionId"]) == {newcomer: "Success"}
    assert node_status(ssm, newcomer) == ["Success"]
    # The Overview covers the full run's nodes and the newcomer.
    overview = ssm.describe_association(AssociationId=aid)["AssociationDescription"]["Overview"]
    assert overview == {
        "Status": "Success",
        "DetailedStatus": "Success",
        "AssociationStatusAggregatedCount": {"Success": 3},
    }
    # Then on schedule: the next day's run covers all three nodes.
    stub.advance(timedelta(days=1))
    latest = executions(ssm, aid)[0]
    assert latest["ResourceCountByStatus"] == "{Success=3}"


def test_a_retagged_node_joins_and_untagging_leaves_D_RC_12(stub: AssociationStub) -> None:
    ssm = client()
    web, other = nodes(2)
    stub.add_instance(web, tags={"role": "web"})
    stub.add_instance(other, tags={"role": "db"})
    aid = create(ssm)
    assert node_status(ssm, other) == []
    stub.tag_instance(other, {"role": "web", "team": "a"})
    assert node_status(ssm, other) == ["Success"]
    assert len(executions(ssm, aid)) == 2
    stub.tag_instance(other, {"team": "b"})  # still matches: no new run
    assert len(executions(ssm, aid)) == 2
    stub.untag_instance(other, ["role"])
    assert node_status(ssm, other) == []
    assert stub.backend.fleet.get(other).tags == {"team": "b"}  # type: ignore[union-attr]


def test_nodes_joining_together_run_within_max_concurrency_D_RC_12(
    manual: AssociationStub,
) -> None:
    ssm = client()
    manual.set_outcome("*", "Success", duration=10)
    aid = create(ssm, MaxConcurrency="1")
    manual.advance(1)  # the first run: no node yet, Success with nothing to do
    for node in nodes(3):
        manual.add_instance(node, tags={"role": "web"})
    manual.advance(0)  # the join run starts: one execution for the three
    (join,) = [e for e in manual.executions(aid) if e.status == "InProgress"]
    assert join.peak_concurrency == 1
    assert [t.status for t in join.targets.values()] == ["InProgress", "Pending", "Pending"]
    manual.advance(30)
    assert manual.executions(aid)[-1].resource_count_by_status == "{Success=3}"
    assert len(manual.executions(aid)) == 2


def test_a_node_joining_a_running_execution_is_dispatched_in_it_D_RC_8(
    manual: AssociationStub,
) -> None:
    ssm = client()
    (first,) = nodes(1)
    manual.add_instance(first, tags={"role": "web"})
    manual.set_outcome("*", "Success", duration=10)
    aid = create(ssm, MaxConcurrency="1")
    manual.advance(1)
    (late,) = nodes(1, first=5)
    manual.add_instance(late, tags={"role": "web"})
    manual.advance(20)
    assert len(manual.executions(aid)) == 1  # no join run of its own
    assert set(manual.executions(aid)[0].targets) == {first, late}


def test_runbook_associations_are_not_applied_to_joining_nodes_D_RC_12(
    stub: AssociationStub,
) -> None:
    ssm = client()
    stub.add_document(
        "My-Runbook",
        document_type="Automation",
        schema_version="0.3",
        parameters={"InstanceId": {"type": "String"}},
    )
    aid = str(
        ssm.create_association(
            Name="My-Runbook",
            Targets=WEB,
            AutomationTargetParameterName="InstanceId",
        )["AssociationDescription"]["AssociationId"]
    )
    before = len(executions(ssm, aid))
    stub.add_instance(nodes(1)[0], tags={"role": "web"})
    assert len(executions(ssm, aid)) == before


def test_a_legacy_association_gets_no_join_run(stub: AssociationStub) -> None:
    ssm = client()
    (node,) = nodes(1)
    stub.add_instance(node)
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node)[
        "AssociationDescription"
    ]["AssociationId"]
    before = len(executions(ssm, aid))
    stub.add_instance(node, tags={"role": "web"})
    assert len(executions(ssm, aid)) == before


def test_fleet_changed_is_the_one_hook_for_other_fleet_sources_D_RC_12(
    stub: AssociationStub,
) -> None:
    """The moto bridge changes the fleet and calls ``fleet_changed`` with what each node was."""
    ssm = client()
    aid = create(ssm)
    (node,) = nodes(1)
    backend = stub.backend
    before = backend.fleet.get(node)
    backend.fleet.add(node, tags={"role": "web"})
    backend.fleet_changed({node: before})
    assert len(executions(ssm, aid)) == 2


def test_tag_controls_check_their_arguments(stub: AssociationStub) -> None:
    with pytest.raises(KeyError, match="no managed node 'i-nope'"):
        stub.tag_instance("i-nope", {"a": "b"})
    stub.add_instance("i-00000000000000001")
    with pytest.raises(TypeError):
        stub.untag_instance("i-00000000000000001", "role")
    with pytest.raises(ValueError):
        stub.tag_instance("i-00000000000000001", {"a": 1})  # type: ignore[dict-item]


# -- D-CAL-1 ------------------------------------------------------------------------------
def test_a_closed_calendar_skips_the_run_and_the_next_one_checks_again_D_CAL_1(
    stub: AssociationStub,
) -> None:
    ssm = client()
    for node in nodes(2):
        stub.add_instance(node, tags={"role": "web"})
    stub.set_calendar_state("change-freeze", "CLOSED")
    aid = create(ssm, CalendarNames=["change-freeze"], ScheduleExpression="rate(1 day)")
    ssm.start_associations_once(AssociationIds=[aid])
    assert executions(ssm, aid) == []  # no execution at all
    description = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert description["Overview"] == {"Status": "Pending", "DetailedStatus": "Creating"}
    assert "LastExecutionDate" not in description
    assert node_status(ssm, nodes(1)[0]) == ["Pending"]  # statuses stay as they were
    stub.set_calendar_state("change-freeze", "OPEN", at=START + timedelta(hours=12))
    stub.advance(timedelta(days=1))  # the next scheduled run: open by then
    assert [e["Status"] for e in executions(ssm, aid)] == ["Success"]


def test_several_calendars_are_open_only_if_all_are_D_CAL_1(stub: AssociationStub) -> None:
    ssm = client()
    stub.add_instance(nodes(1)[0], tags={"role": "web"})
    stub.set_calendar_state("b", "CLOSED")
    aid = create(ssm, CalendarNames=["a", "b"])
    assert executions(ssm, aid) == []
    stub.set_calendar_state("b", "OPEN")
    stub.run(aid)
    assert [e["Status"] for e in executions(ssm, aid)] == ["Success"]


def test_run_raises_while_the_calendar_is_closed_D_CAL_1(stub: AssociationStub) -> None:
    ssm = client()
    stub.set_calendar_state("freeze", "CLOSED")
    aid = create(ssm, CalendarNames=["freeze"])
    with pytest.raises(StubStateError, match="Change Calendar freeze is CLOSED"):
        stub.run(aid)


def test_an_at_schedule_that_passes_while_closed_never_runs_D_CAL_1(
    stub: AssociationStub,
) -> None:
    ssm = client()
    stub.add_instance(nodes(1)[0], tags={"role": "web"})
    when = START + timedelta(hours=1)
    stub.set_calendar_state("freeze", "CLOSED", at=when - timedelta(minutes=5))
    stub.set_calendar_state("freeze", "OPEN", at=when + timedelta(minutes=5))
    aid = create(
        ssm,
        CalendarNames=["freeze"],
        ScheduleExpression=f"at({when:%Y-%m-%dT%H:%M:%S})",
        ApplyOnlyAtCronInterval=True,
    )
    stub.advance(timedelta(days=2))
    assert executions(ssm, aid) == []


def test_nodes_that_join_while_closed_get_it_when_it_opens_D_CAL_1(
    stub: AssociationStub,
) -> None:
    ssm = client()
    aid = create(ssm, CalendarNames=["freeze"])
    assert len(executions(ssm, aid)) == 1
    opens = START + timedelta(hours=2)
    stub.set_calendar_state("freeze", "CLOSED")
    stub.set_calendar_state("freeze", "OPEN", at=opens)
    (node,) = nodes(1)
    stub.add_instance(node, tags={"role": "web"})
    assert len(executions(ssm, aid)) == 1  # waits
    stub.advance(timedelta(hours=3))
    runs = executions(ssm, aid)
    assert len(runs) == 2
    assert runs[0]["CreatedTime"] == opens
    assert targets(ssm, aid, runs[0]["ExecutionId"]) == {node: "Success"}


def test_calendar_controls_check_their_arguments(stub: AssociationStub) -> None:
    with pytest.raises(ValueError, match="OPEN, CLOSED"):
        stub.set_calendar_state("c", "SHUT")
    with pytest.raises(ValueError, match="already at"):
        stub.set_calendar_state("c", "OPEN", at=START - timedelta(seconds=1))
    with pytest.raises(TypeError, match="aware datetime"):
        stub.set_calendar_state("c", "OPEN", at=datetime(2030, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="non-empty"):
        stub.set_calendar_state("", "OPEN")


# -- per-node association summary (for DescribeInstanceInformation) -------------------------
def test_node_association_overview_rolls_up_the_per_node_statuses(stub: AssociationStub) -> None:
    """Companion spec 1.2: counts per status; Failed wins; no association: no fields."""
    from ssm_assoc_stub._service.ops_status import node_association_overview

    ssm = client()
    web, lonely = nodes(2)
    stub.add_instance(web, tags={"role": "web"})
    stub.add_instance(lonely, tags={"role": "db"})
    create(ssm)
    stub.set_outcome(web, "Failed")
    create(ssm, Name="AWS-UpdateSSMAgent", Parameters={})
    backend = stub.backend
    summary = node_association_overview(backend, "eu-west-1", web)
    assert summary["AssociationStatus"] == "Failed"
    assert summary["AssociationOverview"] == {
        "DetailedStatus": "Failed",
        "InstanceAssociationStatusAggregatedCount": {"Failed": 1, "Success": 1},
    }
    assert (
        summary["LastSuccessfulAssociationExecutionDate"] < summary["LastAssociationExecutionDate"]
    )
    assert node_association_overview(backend, "eu-west-1", lonely) == {}
