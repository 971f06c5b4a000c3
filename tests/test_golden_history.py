"""The golden AWS pairs of list, delete, run once, execution history and per-node status.

Each scenario builds the state that leads to the golden response (on a clock
set so that the simulated times are the golden ones where that matters),
replays the golden request through a real boto3 client and compares every
field, with generated ids and times replaced by placeholders.  Where ours
differs, the keys are named in ``extra`` (only ours has them) or ``missing``
(only the golden has them), or the member is compared on its own, always with
the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import boto3

from ssm_assoc_stub import AssociationStub

from .golden_support import add_golden_nodes, compare, load, normalise

PENDING_ASSOCIATED = {
    "Status": "Pending",
    "DetailedStatus": "Associated",
    "AssociationStatusAggregatedCount": {"Pending": 1},
}
NODE = "i-1234567890abcdef0"


def epoch(moment: datetime) -> float:
    return round(moment.timestamp(), 3)


@contextmanager
def stub_at(seconds: float, **options: Any) -> Iterator[tuple[AssociationStub, Any]]:
    """A stub whose clock starts at ``seconds`` (epoch), and a client bound to it."""
    start = datetime.fromtimestamp(seconds, tz=timezone.utc)
    with AssociationStub(start_time=start, **options) as stub:
        add_golden_nodes(stub)
        yield stub, boto3.client("ssm", region_name="us-east-1")


def move_to(stub: AssociationStub, seconds: float) -> None:
    stub.advance(datetime.fromtimestamp(seconds, tz=timezone.utc) - stub.now)


def replay(ssm: Any, name: str, **override: Any) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """(golden response, our response, golden request) with ids and times normalised."""
    golden = load(name)
    request = {**golden["request"], **override}
    method = "".join(f"_{c.lower()}" if c.isupper() else c for c in golden["operation"])
    ours = getattr(ssm, method.lstrip("_"))(**request)
    return normalise(golden["response"]), normalise(ours), request


# -- ListAssociations ------------------------------------------------------------------------------
def test_list_associations_ex1_filter_association_name() -> None:
    with stub_at(1550505000, progression="manual") as (_, ssm):
        expected = load("list-associations-ex1-filter-association-name.json")["response"]
        item = expected["Associations"][0]
        ssm.create_association(
            Name=item["Name"],
            Targets=item["Targets"],
            ScheduleExpression=item["ScheduleExpression"],
            AssociationName=item["AssociationName"],
            ApplyOnlyAtCronInterval=True,  # not run yet, as in the sample
        )
        golden, ours, _ = replay(ssm, "list-associations-ex1-filter-association-name.json")
    # The sample's item has InstanceId *and* a schedule and a name, which D-CRT-1 rejects at
    # create (its InstanceId also disagrees with its Targets: a sanitisation slip, see the
    # notes); an AssociationName filter can only find a Targets association here, which has
    # no InstanceId and shows DocumentVersion (former2#92). Overview: the sample's
    # Pending/Associated is the legacy state (D-ST-1); a Targets association not yet run
    # is Pending/Creating.
    assert ours["Associations"][0].pop("Overview") == {
        "Status": "Pending",
        "DetailedStatus": "Creating",
    }
    golden["Associations"][0].pop("Overview")
    compare(golden, ours, extra=frozenset({"DocumentVersion"}), missing=frozenset({"InstanceId"}))


def test_list_associations_ex2_filter_name() -> None:
    with stub_at(1550505827.548) as (stub, ssm):
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)
        move_to(stub, 1550507531.0)
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-9876543210abcdef0")
        golden, ours, _ = replay(ssm, "list-associations-ex2-filter-name.json")
        raw = ssm.list_associations()["Associations"]
    # LastExecutionDate is the start of the run: the golden times, to the millisecond.
    assert [epoch(a["LastExecutionDate"]) for a in raw] == [1550505827.548, 1550507531.0]
    # Item 1 carries ScheduleExpression and AssociationName next to InstanceId, which
    # D-CRT-1 rejects at create; item 2 omits DetailedStatus, which D-ST-1 always fills.
    compare(
        golden,
        ours,
        extra=frozenset({"DetailedStatus"}),
        missing=frozenset({"ScheduleExpression", "AssociationName"}),
    )
    assert "DetailedStatus" in golden["Associations"][0]["Overview"]


def test_historical_2015_list_associations() -> None:
    for name in ("2015-list-associations-ex1.json", "2015-list-associations-ex2.json"):
        with stub_at(1424736000, progression="manual") as (stub, ssm):
            stub.add_document("My_Config_File", schema_version="1.2")
            for node in ("i-1a2b3c4d", "i-rraa3344"):
                ssm.create_association(Name="My_Config_File", InstanceId=node)
            golden, ours, _ = replay(ssm, f"historical/{name}")
        # The 2015 output predates ids, versions, Targets and the Overview.
        compare(
            golden,
            ours,
            extra=frozenset({"AssociationId", "AssociationVersion", "Targets", "Overview"}),
        )


def test_historical_2017_list_associations_ex1_instance_id() -> None:
    with stub_at(1487876122.564, progression="manual") as (_, ssm):
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0000293ffd8c57862")
        golden, ours, _ = replay(ssm, "historical/2017-list-associations-ex1.json")
    # Overview: bound, not run: Pending/Associated (D-ST-1), compared with the rest.
    # The 2017 output predates versions.
    assert golden["Associations"][0]["Overview"] == PENDING_ASSOCIATED
    compare(golden, ours, extra=frozenset({"AssociationVersion"}))


def test_historical_2017_list_associations_ex2_name() -> None:
    with stub_at(1487876100, progression="manual") as (stub, ssm):
        stub.set_outcome("i-0000293ffd8c57862", "Success", duration=3600)
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0000293ffd8c57862")
        move_to(stub, 1487876123.0)
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0cb2b964d3e14fd9f")
        stub.advance(10)  # the second has run; the first is still running
        golden, ours, _ = replay(ssm, "historical/2017-list-associations-ex2.json")
    assert golden["Associations"][0]["Overview"] == PENDING_ASSOCIATED  # as ex1 above
    # The first node has not reported yet: Pending/Associated (D-ST-1), compared.
    # The second item's Overview has no DetailedStatus; D-ST-1 always fills it.
    compare(golden, ours, extra=frozenset({"AssociationVersion", "DetailedStatus"}))


def test_historical_2019_list_associations_filter_instance_id() -> None:
    with stub_at(1550505000, progression="manual") as (_, ssm):
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)
        golden, ours, _ = replay(ssm, "historical/2019-list-associations-filter-instance-id.json")
    (g,), (o,) = golden["Associations"], ours["Associations"]
    # The sample's Targets name another node than its InstanceId (a sanitisation slip);
    # a legacy association targets its own node.
    assert o.pop("Targets") == [{"Key": "InstanceIds", "Values": [NODE]}]
    g.pop("Targets")
    assert g["Overview"] == PENDING_ASSOCIATED  # D-ST-1: compared with the rest
    # Schedule and name next to InstanceId: rejected at create by D-CRT-1.
    compare(golden, ours, missing=frozenset({"ScheduleExpression", "AssociationName"}))


# -- DeleteAssociation, StartAssociationsOnce ------------------------------------------------------
def test_delete_association_ex1_by_id() -> None:
    with stub_at(1550505000) as (_, ssm):
        aid = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)[
            "AssociationDescription"
        ]["AssociationId"]
        golden, ours, _ = replay(ssm, "delete-association-ex1-by-id.json", AssociationId=aid)
        assert ssm.list_associations()["Associations"] == []
    compare(golden, ours)  # exact: {}


def test_delete_association_ex2_by_instance_and_name() -> None:
    with stub_at(1550505000) as (_, ssm):
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)
        golden, ours, _ = replay(ssm, "delete-association-ex2-by-instance-and-name.json")
        assert ssm.list_associations()["Associations"] == []
    compare(golden, ours)  # exact: {}


def test_start_associations_once_ex1() -> None:
    with stub_at(1550505000) as (stub, ssm):
        aid = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)[
            "AssociationDescription"
        ]["AssociationId"]
        golden, ours, _ = replay(ssm, "start-associations-once-ex1.json", AssociationIds=[aid])
        assert len(stub.executions(aid)) == 2  # the create's run and this one
    compare(golden, ours)  # exact: {}


# -- DescribeAssociationExecutions, DescribeAssociationExecutionTargets ----------------------------
@contextmanager
def inventory_history() -> Iterator[tuple[AssociationStub, Any, str]]:
    """The state behind the CLI execution samples: two one-node runs of association 1."""
    with stub_at(1550505536.843) as (stub, ssm):
        stub.set_outcome(NODE, "Success", duration=1.654)  # ends 1550505538.497
        aid = ssm.create_association(
            Name="AWS-GatherSoftwareInventory",
            Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
            ScheduleExpression="rate(24 hours)",
        )["AssociationDescription"]["AssociationId"]
        move_to(stub, 1550505827.119)
        ssm.start_associations_once(AssociationIds=[aid])
        yield stub, ssm, aid


def test_describe_association_executions_ex1() -> None:
    with inventory_history() as (_, ssm, aid):
        golden, ours, _ = replay(ssm, "describe-association-executions-ex1.json", AssociationId=aid)
        raw = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
    assert [epoch(e["CreatedTime"]) for e in raw] == [1550505827.119, 1550505536.843]
    # The source prints a literal "..." after these two items; we have exactly two runs.
    compare(golden, ours)


def test_describe_association_executions_ex2_created_time_filter() -> None:
    with inventory_history() as (_, ssm, aid):
        golden, ours, request = replay(
            ssm, "describe-association-executions-ex2-created-time-filter.json", AssociationId=aid
        )
    # The sample's second item (15:58:56) is *before* its own GREATER_THAN value (16:00:00);
    # the stub applies the filter, so only the first item (16:03:47) is returned.
    assert request["Filters"][0]["Value"] == "2019-02-18T16:00:00Z"
    compare(golden["AssociationExecutions"][:1], ours["AssociationExecutions"])


def test_userguide_describe_association_executions_history() -> None:
    with stub_at(1523982404.013) as (stub, ssm):
        aid = ssm.create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "InstanceIds", "Values": [NODE]}]
        )["AssociationDescription"]["AssociationId"]
        for moment in (1523984226.074, 1523986028.219):
            move_to(stub, moment)
            ssm.start_associations_once(AssociationIds=[aid])
        # The page's AssociationId ("...6136cEXAMPLE") fails the model's pattern: ours instead.
        golden, ours, _ = replay(
            ssm, "userguide/describe-association-executions-history.json", AssociationId=aid
        )
        raw = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
    assert [epoch(e["CreatedTime"]) for e in raw] == [
        1523986028.219,
        1523984226.074,
        1523982404.013,
    ]
    # The page's JSON omits ResourceCountByStatus; its PowerShell rendering of the same data
    # shows {Success=1} (see the notes), which is what we send.
    assert {e["ResourceCountByStatus"] for e in ours["AssociationExecutions"]} == {"{Success=1}"}
    compare(golden, ours, extra=frozenset({"ResourceCountByStatus"}))


def test_describe_association_execution_targets_ex1() -> None:
    with inventory_history() as (stub, ssm, aid):
        first = stub.executions(aid)[0].execution_id  # the older run, as in the sample
        golden, ours, _ = replay(
            ssm,
            "describe-association-execution-targets-ex1.json",
            AssociationId=aid,
            ExecutionId=first,
        )
        (row,) = ssm.describe_association_execution_targets(AssociationId=aid, ExecutionId=first)[
            "AssociationExecutionTargets"
        ]
    assert epoch(row["LastExecutionDate"]) == 1550505538.497  # when the node's run ended
    assert len(row["OutputSource"]["OutputSourceId"]) == 36
    compare(golden, ours)


# -- DescribeInstanceAssociationsStatus ------------------------------------------------------------
def test_describe_instance_associations_status_ex1() -> None:
    with stub_at(1550501885.0) as (stub, ssm):
        ssm.create_association(
            Name="AWS-GatherSoftwareInventory",
            Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
            AssociationName="Inventory-Association",
        )
        move_to(stub, 1550505827.548)
        ssm.create_association(  # a name needs Targets (D-CRT-1)
            Name="AWS-UpdateSSMAgent",
            Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
            AssociationName="UpdateSSMAgent",
        )
        golden, ours, _ = replay(ssm, "describe-instance-associations-status-ex1.json")
        raw = ssm.describe_instance_associations_status(InstanceId=NODE)
    infos = raw["InstanceAssociationStatusInfos"]
    assert [epoch(i["ExecutionDate"]) for i in infos] == [1550501886.0, 1550505828.548]
    # The sample's first item has ExecutionSummary and no DetailedStatus, its second the
    # reverse; the stub always sends both for a finished run.
    compare(golden, ours, extra=frozenset({"DetailedStatus", "ExecutionSummary"}))
    assert infos[1]["ExecutionSummary"] == infos[0]["ExecutionSummary"]


def test_historical_2017_describe_instance_associations_status() -> None:
    with stub_at(1487876122.564) as (_, ssm):
        # Bound but not yet run. A legacy association runs at create, so a Targets
        # association that waits for its cron interval stands in: no item member differs.
        ssm.create_association(
            Name="AWS-UpdateSSMAgent",
            Targets=[{"Key": "InstanceIds", "Values": ["i-0000293ffd8c57862"]}],
            ScheduleExpression="cron(0 2 ? * SUN *)",
            ApplyOnlyAtCronInterval=True,
        )
        golden, ours, _ = replay(ssm, "historical/2017-describe-instance-associations-status.json")
    compare(golden, ours, extra=frozenset({"AssociationVersion"}))  # predates versions


def test_userguide_describe_instance_associations_status_pending_associated() -> None:
    node = "i-1a2b3c4d5e6f7a8b9"  # the page's "i-1a2b3c4d5e6f7g" fails the InstanceId pattern
    with stub_at(1479340800) as (stub, ssm):
        stub.add_document(
            "reInvent2016PolicyDocumentTest", document_type="Policy", schema_version="2.0"
        )
        stub.add_instance(node)
        ssm.create_association(
            Name="reInvent2016PolicyDocumentTest",
            Targets=[{"Key": "InstanceIds", "Values": [node]}],
            ScheduleExpression="cron(0 2 ? * SUN *)",
            ApplyOnlyAtCronInterval=True,
        )
        golden, ours, _ = replay(
            ssm,
            "userguide/describe-instance-associations-status-pending-associated.json",
            InstanceId=node,
        )
    golden["InstanceAssociationStatusInfos"][0]["InstanceId"] = node
    compare(golden, ours, extra=frozenset({"AssociationVersion"}))  # an output from before versions


def test_userguide_describe_instance_associations_status_queued() -> None:
    node = "i-02573cafcfEXAMPLE"
    with stub_at(1600000000) as (_, ssm):
        for name, extra in (
            ("AWS-GatherSoftwareInventory", {}),
            (
                "AWS-RunPatchBaseline",
                {
                    "AssociationName": "SystemAssociationForScanningPatches",
                    "Parameters": {"Operation": ["Scan"]},
                },
            ),
        ):
            ssm.create_association(
                Name=name,
                Targets=[{"Key": "InstanceIds", "Values": [node]}],
                ScheduleExpression="cron(0 2 ? * SUN *)",
                ApplyOnlyAtCronInterval=True,
                **extra,
            )
        golden, ours, _ = replay(ssm, "userguide/describe-instance-associations-status-queued.json")
    # "Queued" (without DetailedStatus) is a service-side state the stub never reports: a
    # node that has not run the association yet is Pending/Associated, like the first item.
    queued, mine = (
        golden["InstanceAssociationStatusInfos"][1],
        ours["InstanceAssociationStatusInfos"][1],
    )
    assert queued.pop("Status") == "Queued" and "DetailedStatus" not in queued
    assert (mine.pop("Status"), mine.pop("DetailedStatus")) == ("Pending", "Associated")
    compare(golden, ours)


# -- DescribeEffectiveInstanceAssociations ---------------------------------------------------------
def test_describe_effective_instance_associations_ex1() -> None:
    with stub_at(1550505000) as (_, ssm):
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)
        golden, ours, _ = replay(ssm, "describe-effective-instance-associations-ex1.json")
    compare(golden, ours)  # exact, Content byte for byte


def test_historical_2017_describe_effective_instance_associations() -> None:
    with stub_at(1487876122.564) as (_, ssm):
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0000293ffd8c57862")
        golden, ours, _ = replay(
            ssm, "historical/2017-describe-effective-instance-associations.json"
        )
    compare(golden, ours, extra=frozenset({"AssociationVersion"}))  # predates versions
