"""List, delete, run once, execution history and per-node status through real clients (issue 4).

Every response is checked against the operation's output shape, and every error
code against the codes the operation declares (or ValidationException).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ssm_assoc_stub import AssociationStub
from ssm_assoc_stub._service.ops_history import parse_time

from .helpers import declared_errors, has_member, output_problems

# Many of these associations target tags no node has, on purpose (issue 9's warning).
# Every test runs twice: in-process and over HTTP through the server mode (tests/transport.py).
pytestmark = [
    pytest.mark.filterwarnings("ignore::ssm_assoc_stub.NoTargetsWarning"),
    pytest.mark.usefixtures("ssm_transport"),
]

START = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)  # a Wednesday
SHELL = {"commands": ["echo hi"]}
WEB = [{"Key": "tag:role", "Values": ["web"]}]
WEEKLY = "cron(0 3 ? * SUN *)"


def node(n: int) -> str:
    return f"i-{n:017x}"


def fleet(stub: AssociationStub, count: int, role: str = "web") -> list[str]:
    ids = [node(n) for n in range(1, count + 1)]
    for instance_id in ids:
        stub.add_instance(instance_id, tags={"role": role})
    return ids


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START) as active:
        yield active


@pytest.fixture
def manual() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression="manual") as active:
        yield active


class Client:
    """An SSM client whose every answer is checked against the model."""

    def __init__(self, region: str = "eu-west-1") -> None:
        self.raw = boto3.client("ssm", region_name=region)

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        operation = self.raw.meta.method_to_api_mapping[method]

        def call(**kwargs: Any) -> dict[str, Any]:
            response: dict[str, Any] = getattr(self.raw, method)(**kwargs)
            assert output_problems(operation, response) == ""
            response.pop("ResponseMetadata", None)
            return response

        return call

    def fails(self, method: str, **kwargs: Any) -> tuple[str, str]:
        """Call ``method``, expecting an error that the operation may raise."""
        operation = self.raw.meta.method_to_api_mapping[method]
        with pytest.raises(ClientError) as caught:
            getattr(self.raw, method)(**kwargs)
        error = caught.value.response["Error"]
        assert error["Code"] in declared_errors(operation) | {"ValidationException"}
        return str(error["Code"]), str(error["Message"])


@pytest.fixture
def ssm(stub: AssociationStub) -> Client:
    return Client()


def create(ssm: Client, **extra: Any) -> str:
    request: dict[str, Any] = {"Name": "AWS-RunShellScript", "Targets": WEB, "Parameters": SHELL}
    request.update(extra)
    return str(ssm.create_association(**request)["AssociationDescription"]["AssociationId"])


def listed(ssm: Client, *filters: tuple[str, str]) -> list[str]:
    request = {"AssociationFilterList": [{"key": k, "value": v} for k, v in filters]}
    found = ssm.list_associations(**(request if filters else {}))
    return [a["AssociationId"] for a in found["Associations"]]


# -- ListAssociations ------------------------------------------------------------------------------
def test_list_items_carry_only_the_members_that_are_set(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    legacy = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node(1))
    duration = {"Duration": 3} if has_member("CreateAssociation", "Duration") else {}
    full = create(
        ssm,
        DocumentVersion="1",
        ScheduleExpression=WEEKLY,
        AssociationName="weekly",
        ApplyOnlyAtCronInterval=True,
        ScheduleOffset=2,
        MaxConcurrency="1",
        **duration,
    )
    items = {a["AssociationId"]: a for a in ssm.list_associations()["Associations"]}
    assert items[legacy["AssociationDescription"]["AssociationId"]] == {
        "Name": "AWS-UpdateSSMAgent",
        "InstanceId": node(1),
        "AssociationId": legacy["AssociationDescription"]["AssociationId"],
        "AssociationVersion": "1",
        "Targets": [{"Key": "InstanceIds", "Values": [node(1)]}],
        "LastExecutionDate": START,
        "Overview": {
            "Status": "Success",
            "DetailedStatus": "Success",
            "AssociationStatusAggregatedCount": {"Success": 1},
        },
    }
    assert items[full] == {
        "Name": "AWS-RunShellScript",
        "AssociationId": full,
        "AssociationVersion": "1",
        "DocumentVersion": "1",
        "Targets": WEB,
        "Overview": {"Status": "Pending", "DetailedStatus": "Creating"},
        "ScheduleExpression": WEEKLY,
        "AssociationName": "weekly",
        "ScheduleOffset": 2,
        **duration,
    }
    assert list(items) == [
        legacy["AssociationDescription"]["AssociationId"],
        full,
    ]  # creation order


def test_list_defaults_document_version_for_targets_associations(ssm: Client) -> None:
    aid = create(ssm)
    (item,) = ssm.list_associations()["Associations"]
    assert item["AssociationId"] == aid and item["DocumentVersion"] == "$DEFAULT"


def test_list_echoes_target_maps(ssm: Client) -> None:
    maps = [{"InstanceIds": [node(1)]}]
    ssm.create_association(Name="AWS-RunShellScript", TargetMaps=maps, Parameters=SHELL)
    (item,) = ssm.list_associations()["Associations"]
    assert item["TargetMaps"] == maps and "Targets" not in item


def test_list_is_per_region(ssm: Client) -> None:
    create(ssm)
    assert Client("us-east-1").list_associations()["Associations"] == []


def test_every_filter_key(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 2)
    legacy = str(
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node(1))[
            "AssociationDescription"
        ]["AssociationId"]
    )
    by_ids = create(
        ssm, Targets=[{"Key": "InstanceIds", "Values": [node(1)]}], AssociationName="app1"
    )
    never_run = create(ssm, ScheduleExpression=WEEKLY, ApplyOnlyAtCronInterval=True)
    stub.set_outcome(node(2), "Failed")
    failed = create(ssm, Targets=[{"Key": "InstanceIds", "Values": [node(2)]}])
    group = create(ssm, Targets=[{"Key": "resource-groups:Name", "Values": ["Blue", "Green"]}])

    assert listed(ssm, ("InstanceId", node(1))) == [legacy]  # legacy associations only
    assert listed(ssm, ("Name", "AWS-UpdateSSMAgent")) == [legacy]
    assert listed(ssm, ("AssociationId", failed)) == [failed]
    assert listed(ssm, ("AssociationName", "app1")) == [by_ids]
    assert listed(ssm, ("AssociationStatusName", "Failed")) == [failed]
    assert listed(ssm, ("AssociationStatusName", "Pending")) == [never_run]
    assert listed(ssm, ("AssociationStatusName", "Success")) == [legacy, by_ids, group]
    assert listed(ssm, ("ResourceGroupName", "Green")) == [group]
    assert listed(ssm, ("ResourceGroupName", "Red")) == []


def test_last_executed_filters_take_iso_8601_and_skip_never_run(
    stub: AssociationStub, ssm: Client
) -> None:
    fleet(stub, 1)
    first = create(ssm)
    stub.advance(3600)
    second = create(ssm)
    never_run = create(ssm, ScheduleExpression=WEEKLY, ApplyOnlyAtCronInterval=True)
    assert never_run not in listed(ssm, ("LastExecutedBefore", "2100-01-01T00:00:00Z"))
    assert listed(ssm, ("LastExecutedBefore", "2026-03-04T10:30:00Z")) == [first]
    assert listed(ssm, ("LastExecutedAfter", "2026-03-04T10:30:00Z")) == [second]
    # strict comparisons, offsets and fractions understood
    assert listed(ssm, ("LastExecutedAfter", "2026-03-04T11:00:01.000+00:00")) == []
    assert listed(ssm, ("LastExecutedAfter", "2026-03-04T11:59:59.999+01:00")) == [second]


@pytest.mark.parametrize("value", ["yesterday", "2026-03-04", "2026-13-01T00:00:00Z", "1772618400"])
def test_malformed_date_filter_is_a_validation_exception_naming_the_key(
    ssm: Client, value: str
) -> None:
    code, message = ssm.fails(
        "list_associations", AssociationFilterList=[{"key": "LastExecutedAfter", "value": value}]
    )
    assert code == "ValidationException"
    assert "LastExecutedAfter" in message and value in message


def test_filters_and_together(stub: AssociationStub, ssm: Client) -> None:  # Q-LST-1
    fleet(stub, 1)
    wanted = create(ssm, AssociationName="keep")
    create(ssm, AssociationName="other")
    create(ssm, Name="AWS-RunPowerShellScript", AssociationName="keep")
    assert listed(ssm, ("Name", "AWS-RunShellScript"), ("AssociationName", "keep")) == [wanted]
    # a repeated key ANDs too: no association has two names
    assert listed(ssm, ("AssociationName", "keep"), ("AssociationName", "other")) == []


def test_unknown_filter_key_is_rejected(ssm: Client) -> None:
    code, message = ssm.fails(
        "list_associations", AssociationFilterList=[{"key": "Owner", "value": "me"}]
    )
    assert code == "ValidationException" and "Owner" in message


def test_list_pagination_and_paginator(ssm: Client) -> None:
    ids = [create(ssm, AssociationName=f"app{n}") for n in range(5)]
    first = ssm.list_associations(MaxResults=2)
    assert [a["AssociationId"] for a in first["Associations"]] == ids[:2]
    second = ssm.list_associations(MaxResults=2, NextToken=first["NextToken"])
    assert [a["AssociationId"] for a in second["Associations"]] == ids[2:4]
    pages = ssm.raw.get_paginator("list_associations").paginate(PaginationConfig={"PageSize": 2})
    assert [a["AssociationId"] for p in pages for a in p["Associations"]] == ids
    full = ssm.list_associations()
    assert "NextToken" not in full and len(full["Associations"]) == 5  # D-PAG-1: 50 by default
    # a token belongs to its listing, filters included (D-PAG-1)
    code, _ = ssm.fails(
        "list_associations",
        AssociationFilterList=[{"key": "Name", "value": "AWS-RunShellScript"}],
        NextToken=first["NextToken"],
    )
    assert code == "InvalidNextToken"
    code, _ = ssm.fails("list_associations", MaxResults=51)
    assert code == "ValidationException"


# -- DeleteAssociation -----------------------------------------------------------------------------
def test_delete_by_id_removes_association_and_versions(ssm: Client) -> None:
    aid = create(ssm)
    ssm.update_association(AssociationId=aid, Parameters=SHELL, Targets=WEB)
    assert ssm.delete_association(AssociationId=aid) == {}
    assert listed(ssm) == []
    for method in ("describe_association", "list_association_versions", "update_association"):
        assert ssm.fails(method, AssociationId=aid)[0] == "AssociationDoesNotExist"
    code, message = ssm.fails("delete_association", AssociationId=aid)  # twice
    assert code == "AssociationDoesNotExist" and aid in message


def test_delete_legacy_by_name_and_instance(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node(1))
    assert ssm.delete_association(Name="AWS-UpdateSSMAgent", InstanceId=node(1)) == {}
    assert listed(ssm) == []
    code, _ = ssm.fails("delete_association", Name="AWS-UpdateSSMAgent", InstanceId=node(1))
    assert code == "AssociationDoesNotExist"
    # the node is free again: no AssociationAlreadyExists (D-CRT-2)
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node(1))


def test_targets_association_must_be_deleted_by_id(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    aid = create(ssm, Targets=[{"Key": "InstanceIds", "Values": [node(1)]}])
    code, _ = ssm.fails("delete_association", Name="AWS-RunShellScript", InstanceId=node(1))
    assert code == "AssociationDoesNotExist"
    assert listed(ssm) == [aid]
    assert ssm.fails("delete_association")[0] == "ValidationException"  # D-DES-1


def test_delete_stops_schedule_and_runs_in_progress(manual: AssociationStub) -> None:
    ssm = Client()
    fleet(manual, 3)
    dispatched: list[str] = []

    def outcome(_: Mapping[str, Any], instance_id: str) -> tuple[str, float]:
        dispatched.append(instance_id)
        return "Success", 60.0

    manual.set_outcome("*", outcome)
    aid = create(ssm, MaxConcurrency="1", ScheduleExpression="rate(30 minutes)")
    assert dispatched == []  # D-ST-1: the run begins once the clock moves
    manual.advance(0)
    assert dispatched == [node(1)]  # first run started, one slot
    ssm.delete_association(AssociationId=aid)
    manual.advance(timedelta(hours=3))  # no more dispatch, no scheduled run
    assert dispatched == [node(1)]


# -- StartAssociationsOnce -------------------------------------------------------------------------
def test_start_once_runs_now(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 2)
    aid = create(ssm, ScheduleExpression=WEEKLY, ApplyOnlyAtCronInterval=True)
    assert stub.executions(aid) == ()
    assert ssm.start_associations_once(AssociationIds=[aid, aid]) == {}  # listed twice: runs once
    (execution,) = stub.executions(aid)
    assert execution.status == "Success" and execution.association_version == "1"


def test_start_once_unknown_id_runs_nothing(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    aid = create(ssm, ScheduleExpression=WEEKLY, ApplyOnlyAtCronInterval=True)
    missing = "00000000-0000-4000-8000-000000000000"
    code, message = ssm.fails("start_associations_once", AssociationIds=[aid, missing])
    assert code == "AssociationDoesNotExist" and missing in message  # D-SAO-1
    assert stub.executions(aid) == ()  # checked all before starting any


# -- DescribeAssociationExecutions -----------------------------------------------------------------
def _three_runs(stub: AssociationStub, ssm: Client) -> tuple[str, list[str]]:
    ids = fleet(stub, 3)
    aid = create(ssm, AlarmConfiguration={"Alarms": [{"Name": "cpu-high"}]})
    stub.advance(599)  # 10:10:00
    ssm.update_association(AssociationId=aid, Parameters=SHELL, Targets=WEB)
    stub.advance(599)  # 10:20:00
    stub.set_outcome(ids[2], "Failed")
    ssm.start_associations_once(AssociationIds=[aid])
    return aid, [e.execution_id for e in reversed(stub.executions(aid))]


def test_executions_newest_first_with_their_fields(stub: AssociationStub, ssm: Client) -> None:
    aid, newest_first = _three_runs(stub, ssm)
    items = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
    assert [e["ExecutionId"] for e in items] == newest_first
    assert [e["AssociationVersion"] for e in items] == ["2", "2", "1"]
    assert [e["CreatedTime"] for e in items] == [
        START + timedelta(minutes=20),
        START + timedelta(minutes=10),
        START,
    ]
    assert items[0] == {
        "AssociationId": aid,
        "AssociationVersion": "2",
        "ExecutionId": newest_first[0],
        "Status": "Failed",
        "DetailedStatus": "Failed",
        "CreatedTime": START + timedelta(minutes=20),
        "ResourceCountByStatus": "{Failed=1, Success=2}",  # D-EXE-1; no LastExecutionDate
    }
    assert items[2]["AlarmConfiguration"] == {"Alarms": [{"Name": "cpu-high"}]}


def test_execution_filters(stub: AssociationStub, ssm: Client) -> None:
    aid, newest_first = _three_runs(stub, ssm)

    def ids(*filters: tuple[str, str, str]) -> list[str]:
        found = ssm.describe_association_executions(
            AssociationId=aid, Filters=[{"Key": k, "Value": v, "Type": t} for k, v, t in filters]
        )
        return [e["ExecutionId"] for e in found["AssociationExecutions"]]

    assert ids(("ExecutionId", newest_first[1], "EQUAL")) == [newest_first[1]]
    assert ids(("Status", "Failed", "EQUAL")) == [newest_first[0]]
    assert ids(("CreatedTime", "2026-03-04T10:10:00Z", "EQUAL")) == [newest_first[1]]
    assert ids(("CreatedTime", "2026-03-04T10:10:00Z", "GREATER_THAN")) == [newest_first[0]]
    assert ids(("CreatedTime", "2026-03-04T10:10:00Z", "LESS_THAN")) == [newest_first[2]]
    assert ids(  # several filters AND together
        ("CreatedTime", "2026-03-04T10:00:00Z", "GREATER_THAN"), ("Status", "Success", "EQUAL")
    ) == [newest_first[1]]


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        ("ExecutionId", "00000000-0000-4000-8000-000000000000", "LESS_THAN"),
        ("Status", "Success", "GREATER_THAN"),
        ("CreatedTime", "last week", "GREATER_THAN"),
    ],
)
def test_wrong_execution_filter_is_a_validation_exception(
    ssm: Client, key: str, value: str, kind: str
) -> None:
    aid = create(ssm)
    code, message = ssm.fails(
        "describe_association_executions",
        AssociationId=aid,
        Filters=[{"Key": key, "Value": value, "Type": kind}],
    )
    assert code == "ValidationException" and key in message


def test_execution_in_progress_is_listed_first(manual: AssociationStub) -> None:
    ssm = Client()
    fleet(manual, 4)
    aid = create(ssm, MaxConcurrency="2")
    assert ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"] == []
    manual.advance(0)  # D-ST-1: the run begins once the clock moves
    (running,) = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
    assert (running["Status"], running["ResourceCountByStatus"]) == (
        "InProgress",
        "{InProgress=2, Pending=2}",
    )


def test_executions_pagination_and_unknown_association(stub: AssociationStub, ssm: Client) -> None:
    aid, newest_first = _three_runs(stub, ssm)
    pages = ssm.raw.get_paginator("describe_association_executions").paginate(
        AssociationId=aid, PaginationConfig={"PageSize": 1}
    )
    assert [e["ExecutionId"] for p in pages for e in p["AssociationExecutions"]] == newest_first
    missing = "00000000-0000-4000-8000-000000000000"
    assert ssm.fails("describe_association_executions", AssociationId=missing)[0] == (
        "AssociationDoesNotExist"
    )


# -- DescribeAssociationExecutionTargets -----------------------------------------------------------
def test_execution_targets_with_skipped_rows(stub: AssociationStub, ssm: Client) -> None:
    ids = fleet(stub, 5)
    stub.set_outcome(ids[1], "Failed")
    aid = create(ssm, MaxConcurrency="1", MaxErrors="0")
    (execution,) = stub.executions(aid)
    rows = ssm.describe_association_execution_targets(
        AssociationId=aid, ExecutionId=execution.execution_id
    )["AssociationExecutionTargets"]
    assert [(r["ResourceId"], r["Status"], r["DetailedStatus"]) for r in rows] == [
        (ids[0], "Success", "Success"),
        (ids[1], "Failed", "Failed"),
        *[(i, "Skipped", "Skipped") for i in ids[2:]],  # D-RC-4
    ]
    first = rows[0]
    assert first["ResourceType"] == "ManagedInstance"
    assert (first["AssociationId"], first["AssociationVersion"]) == (aid, "1")
    assert first["LastExecutionDate"] == START + timedelta(seconds=1)  # its run ended
    assert first["OutputSource"]["OutputSourceType"] == "RunCommand"
    sources = {r["OutputSource"]["OutputSourceId"] for r in rows[:2]}
    # D-CMD-1: one Run Command command per execution, shared by its targets
    assert len(sources) == 1 and all(len(s) == 36 for s in sources)
    assert "OutputSource" not in rows[2] and "LastExecutionDate" not in rows[2]
    again = ssm.describe_association_execution_targets(
        AssociationId=aid, ExecutionId=execution.execution_id
    )["AssociationExecutionTargets"]
    assert again == rows  # stable ids


def test_execution_target_filters_and_pagination(stub: AssociationStub, ssm: Client) -> None:
    ids = fleet(stub, 5)
    stub.set_outcome(ids[1], "Failed")
    aid = create(ssm, MaxConcurrency="1", MaxErrors="0")
    eid = stub.executions(aid)[0].execution_id

    def resources(**kwargs: Any) -> list[str]:
        found = ssm.describe_association_execution_targets(
            AssociationId=aid, ExecutionId=eid, **kwargs
        )
        return [r["ResourceId"] for r in found["AssociationExecutionTargets"]]

    def where(*filters: tuple[str, str]) -> list[str]:
        return resources(Filters=[{"Key": k, "Value": v} for k, v in filters])

    assert where(("Status", "Skipped")) == ids[2:]
    assert where(("ResourceId", ids[3])) == [ids[3]]
    assert where(("ResourceType", "ManagedInstance"), ("Status", "Failed")) == [ids[1]]
    assert where(("ResourceType", "Document")) == []
    pages = ssm.raw.get_paginator("describe_association_execution_targets").paginate(
        AssociationId=aid, ExecutionId=eid, PaginationConfig={"PageSize": 2}
    )
    assert [len(p["AssociationExecutionTargets"]) for p in pages] == [2, 2, 1]


def test_unknown_execution_id(ssm: Client) -> None:
    aid = create(ssm)
    missing = "00000000-0000-4000-8000-000000000000"
    code, message = ssm.fails(
        "describe_association_execution_targets", AssociationId=aid, ExecutionId=missing
    )
    assert code == "AssociationExecutionDoesNotExist" and missing in message
    code, _ = ssm.fails(
        "describe_association_execution_targets", AssociationId=missing, ExecutionId=missing
    )
    assert code == "AssociationDoesNotExist"


# -- DescribeInstanceAssociationsStatus ------------------------------------------------------------
def statuses(ssm: Client, instance_id: str, **kwargs: Any) -> list[dict[str, Any]]:
    found = ssm.describe_instance_associations_status(InstanceId=instance_id, **kwargs)
    return list(found["InstanceAssociationStatusInfos"])


def test_node_status_before_and_after_runs(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    aid = create(
        ssm, ScheduleExpression=WEEKLY, ApplyOnlyAtCronInterval=True, AssociationName="nightly"
    )
    assert statuses(ssm, node(1)) == [
        {
            "AssociationId": aid,
            "Name": "AWS-RunShellScript",
            "DocumentVersion": "1",  # concrete, not $DEFAULT
            "AssociationVersion": "1",
            "InstanceId": node(1),
            "Status": "Pending",
            "DetailedStatus": "Associated",
            "AssociationName": "nightly",
        }
    ]
    ssm.start_associations_once(AssociationIds=[aid])
    (info,) = statuses(ssm, node(1))
    assert info["Status"] == info["DetailedStatus"] == "Success"
    assert info["ExecutionDate"] == START + timedelta(seconds=1)
    assert info["ExecutionSummary"] == (
        "1 out of 1 plugin processed, 1 success, 0 failed, 0 timedout, 0 skipped. "
    )
    assert "ErrorCode" not in info and "OutputUrl" not in info


@pytest.mark.parametrize(
    ("outcome", "summary", "code"),
    [
        ("Failed", "0 success, 1 failed, 0 timedout", "ExecutionE"),
        ("TimedOut", "0 success, 0 failed, 1 timedout", None),
    ],
)
def test_node_status_of_failures(
    stub: AssociationStub, ssm: Client, outcome: str, summary: str, code: str | None
) -> None:
    fleet(stub, 1)
    stub.set_outcome(node(1), outcome)
    create(ssm)
    (info,) = statuses(ssm, node(1))
    assert info["Status"] == outcome and summary in info["ExecutionSummary"]
    assert info.get("ErrorCode") == code  # Q-ST-3: the agent's ExecutionError, cut to 10


def test_node_status_in_progress_and_skipped(manual: AssociationStub) -> None:
    ssm = Client()
    ids = fleet(manual, 3)
    manual.set_outcome(ids[0], "Failed")
    create(ssm, MaxConcurrency="1", MaxErrors="0")
    assert statuses(ssm, ids[0])[0]["DetailedStatus"] == "Associated"  # D-ST-1: not begun
    manual.advance(0)
    (running,) = statuses(ssm, ids[0])
    assert (running["Status"], running["ExecutionDate"]) == ("InProgress", START)
    assert "ExecutionSummary" not in running
    assert statuses(ssm, ids[1])[0]["Status"] == "Pending"  # not dispatched yet
    manual.settle()
    (skipped,) = statuses(ssm, ids[1])
    assert (skipped["Status"], skipped["DetailedStatus"]) == ("Skipped", "Skipped")  # D-RC-4
    assert "ExecutionDate" not in skipped


def test_node_status_covers_legacy_and_targets_and_follows_tags(
    stub: AssociationStub, ssm: Client
) -> None:
    fleet(stub, 1)
    legacy = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node(1))
    tagged = create(ssm)
    create(ssm, Targets=[{"Key": "tag:role", "Values": ["db"]}])
    expected = [legacy["AssociationDescription"]["AssociationId"], tagged]
    assert [i["AssociationId"] for i in statuses(ssm, node(1))] == expected
    stub.add_instance(node(1), tags={"role": "db"})  # retagged: the web association lets go
    assert len(statuses(ssm, node(1))) == 2
    assert tagged not in [i["AssociationId"] for i in statuses(ssm, node(1))]


def test_node_status_output_url(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    output = {"S3Location": {"OutputS3BucketName": "logs", "OutputS3KeyPrefix": "assoc/"}}
    aid = create(ssm, OutputLocation=output)
    (info,) = statuses(ssm, node(1))
    (row,) = ssm.describe_association_execution_targets(
        AssociationId=aid, ExecutionId=stub.executions(aid)[0].execution_id
    )["AssociationExecutionTargets"]
    source = row["OutputSource"]["OutputSourceId"]
    url = f"https://s3.eu-west-1.amazonaws.com/logs/assoc/{source}/{node(1)}"
    assert info["OutputUrl"] == {"S3OutputUrl": {"OutputUrl": url}}


def test_node_status_document_version_is_concrete(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    stub.add_document("Team-Check", versions=3, default_version="2")
    create(ssm, Name="Team-Check", Parameters={})
    create(ssm, Name="Team-Check", Parameters={}, DocumentVersion="$LATEST")
    assert [i["DocumentVersion"] for i in statuses(ssm, node(1))] == ["2", "3"]


def test_document_replaced_under_an_association(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    stub.add_document("Team-Check", versions=3)
    create(ssm, Name="Team-Check", Parameters={}, DocumentVersion="3")
    stub.add_document("Team-Check", versions=1)  # version 3 is gone
    # Neither operation declares InvalidDocument(Version): the members are left out.
    (info,) = statuses(ssm, node(1))
    assert "DocumentVersion" not in info and info["Status"] == "Success"
    (item,) = ssm.describe_effective_instance_associations(InstanceId=node(1))["Associations"]
    assert "Content" not in item


def test_unknown_node(ssm: Client, stub: AssociationStub) -> None:
    assert statuses(ssm, node(9)) == []
    assert not stub.backend.fleet.known(node(9))  # asking registers nothing
    with AssociationStub(strict_fleet=True):
        strict = Client()
        code, message = strict.fails("describe_instance_associations_status", InstanceId=node(9))
        assert code == "InvalidInstanceId" and node(9) in message
        code, _ = strict.fails("describe_effective_instance_associations", InstanceId=node(9))
        assert code == "InvalidInstanceId"


def test_node_status_pagination(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    ids = [create(ssm) for _ in range(3)]
    first = ssm.describe_instance_associations_status(InstanceId=node(1), MaxResults=2)
    rest = statuses(ssm, node(1), NextToken=first["NextToken"])
    got = [i["AssociationId"] for i in first["InstanceAssociationStatusInfos"] + rest]
    assert got == ids


# -- DescribeEffectiveInstanceAssociations ---------------------------------------------------------
def test_effective_associations_carry_document_content(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    aid = create(ssm)
    ssm.update_association(AssociationId=aid, Parameters=SHELL, Targets=WEB)
    create(ssm, Targets=[{"Key": "tag:role", "Values": ["db"]}])  # not this node
    (item,) = ssm.describe_effective_instance_associations(InstanceId=node(1))["Associations"]
    assert (item["AssociationId"], item["InstanceId"], item["AssociationVersion"]) == (
        aid,
        node(1),
        "2",
    )
    content = stub.backend.documents.get("AWS-RunShellScript").version(None).content
    assert item["Content"] == content and "runtimeConfig" in json.loads(content)


def test_effective_pages_five_by_default(stub: AssociationStub, ssm: Client) -> None:
    fleet(stub, 1)
    ids = [create(ssm) for _ in range(7)]
    first = ssm.describe_effective_instance_associations(InstanceId=node(1))
    assert [a["AssociationId"] for a in first["Associations"]] == ids[:5]  # default 5: D-PAG-1
    pages = ssm.raw.get_paginator("describe_effective_instance_associations").paginate(
        InstanceId=node(1)
    )
    assert [len(p["Associations"]) for p in pages] == [5, 2]
    code, message = ssm.fails(
        "describe_effective_instance_associations", InstanceId=node(1), MaxResults=6
    )
    assert code == "ValidationException" and "maxResults" in message


# -- the date parser -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-02-18T16:00:00Z", datetime(2019, 2, 18, 16, tzinfo=timezone.utc)),
        ("2018-04-10T19:15:38.372Z", datetime(2018, 4, 10, 19, 15, 38, 372000, timezone.utc)),
        ("2018-04-10T19:15:38.3729Z", datetime(2018, 4, 10, 19, 15, 38, 372000, timezone.utc)),
        ("2019-02-18T16:00:00", datetime(2019, 2, 18, 16, tzinfo=timezone.utc)),
        ("2019-02-18T18:30:00+02:30", datetime(2019, 2, 18, 16, tzinfo=timezone.utc)),
        ("2019-02-18T16:00:00Z ", None),
        ("2019-02-30T16:00:00Z", None),
        ("2019-02-18 16:00:00Z", None),
        (1550505600, None),
    ],
)
def test_parse_time(text: object, expected: datetime | None) -> None:
    assert parse_time(text) == expected
