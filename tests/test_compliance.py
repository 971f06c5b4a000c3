"""Association compliance: the items runs write, PutComplianceItems, the three listings.

Source: companion-behaviour.md section 4 (SyncCompliance, the agent's items, the
ListComplianceItems / ListResourceComplianceSummaries / ListComplianceSummaries
shapes); the stub's decisions D-CMP-* (docs/behaviour.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from ssm_assoc_stub import AssociationStub, UnsupportedOperationError
from tests.helpers import declared_errors, output_problems

START = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
WEB = [{"Key": "tag:role", "Values": ["web"]}]
SHELL = {"commands": ["echo hi"]}
NODES = ("i-00000000000000001", "i-00000000000000002")


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START) as running:
        for node in NODES:
            running.add_instance(node, tags={"role": "web"})
        yield running


def client() -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def create(ssm: Any, **extra: Any) -> str:
    request: dict[str, Any] = {"Name": "AWS-RunShellScript", "Targets": WEB, "Parameters": SHELL}
    request.update(extra)
    return str(ssm.create_association(**request)["AssociationDescription"]["AssociationId"])


def items(ssm: Any, node: str, **extra: Any) -> list[dict[str, Any]]:
    response = ssm.list_compliance_items(
        ResourceIds=[node], ResourceTypes=["ManagedInstance"], **extra
    )
    assert output_problems("ListComplianceItems", response) == ""
    return list(response["ComplianceItems"])


def test_a_run_writes_one_association_item_per_node_like_the_agent(stub: AssociationStub) -> None:
    """Companion spec 4.2: Id = association id, Title "", Details = document and version."""
    ssm = client()
    stub.set_outcome(NODES[1], "Failed")
    aid = create(ssm)
    ok, failed = items(ssm, NODES[0]), items(ssm, NODES[1])
    assert ok == [
        {
            "ComplianceType": "Association",
            "ResourceType": "ManagedInstance",
            "ResourceId": NODES[0],
            "Id": aid,
            "Title": "",
            "Status": "COMPLIANT",
            "Severity": "UNSPECIFIED",  # D-CMP-2: no ComplianceSeverity set
            "ExecutionSummary": {"ExecutionTime": ok[0]["ExecutionSummary"]["ExecutionTime"]},
            "Details": {"DocumentName": "AWS-RunShellScript", "DocumentVersion": "1"},
        }
    ]
    assert failed[0]["Status"] == "NON_COMPLIANT"
    # D-CMP-3: when the node's run ended, in whole seconds (it ran 1 s from START).
    assert ok[0]["ExecutionSummary"]["ExecutionTime"] == datetime(
        2026, 3, 4, 10, 0, 1, tzinfo=timezone.utc
    )


def test_compliance_severity_is_the_items_severity_D_CMP_2(stub: AssociationStub) -> None:
    ssm = client()
    create(ssm, ComplianceSeverity="HIGH")
    assert [i["Severity"] for i in items(ssm, NODES[0])] == ["HIGH"]


def test_timed_out_is_non_compliant_and_skipped_writes_nothing(stub: AssociationStub) -> None:
    """The agent writes only Success, Failed and TimedOut (companion spec 4.2)."""
    ssm = client()
    stub.set_outcome(NODES[0], "TimedOut")
    stub.set_outcome(NODES[1], "Failed")
    create(ssm, MaxConcurrency="1", MaxErrors="0")  # the 1st error skips the 2nd node
    assert [i["Status"] for i in items(ssm, NODES[0])] == ["NON_COMPLIANT"]
    assert items(ssm, NODES[1]) == []


def test_manual_sync_compliance_writes_nothing_D_CMP_1(stub: AssociationStub) -> None:
    ssm = client()
    create(ssm, SyncCompliance="MANUAL")
    assert items(ssm, NODES[0]) == []


def test_manual_items_are_written_with_put_compliance_items_D_CMP_1(
    stub: AssociationStub,
) -> None:
    ssm = client()
    aid = create(ssm, SyncCompliance="MANUAL")
    when = datetime(2026, 3, 4, 11, 0, tzinfo=timezone.utc)
    put = ssm.put_compliance_items(
        ResourceId=NODES[0],
        ResourceType="ManagedInstance",
        ComplianceType="Association",
        ExecutionSummary={"ExecutionTime": when},
        Items=[{"Id": aid, "Title": "mine", "Severity": "CRITICAL", "Status": "NON_COMPLIANT"}],
        UploadType="PARTIAL",
    )
    assert output_problems("PutComplianceItems", put) == ""
    assert items(ssm, NODES[0]) == [
        {
            "ComplianceType": "Association",
            "ResourceType": "ManagedInstance",
            "ResourceId": NODES[0],
            "Id": aid,
            "Title": "mine",
            "Status": "NON_COMPLIANT",
            "Severity": "CRITICAL",
            "ExecutionSummary": {"ExecutionTime": when},
        }
    ]


def test_partial_upload_needs_a_manual_association_D_CMP_1(stub: AssociationStub) -> None:
    ssm = client()
    aid = create(ssm)  # AUTO
    with pytest.raises(ssm.exceptions.InvalidItemContentException) as info:
        ssm.put_compliance_items(
            ResourceId=NODES[0],
            ResourceType="ManagedInstance",
            ComplianceType="Association",
            ExecutionSummary={"ExecutionTime": START},
            Items=[{"Id": aid, "Severity": "LOW", "Status": "COMPLIANT"}],
            UploadType="PARTIAL",
        )
    assert "SyncCompliance MANUAL" in info.value.response["Error"]["Message"]
    assert [i["Status"] for i in items(ssm, NODES[0])] == ["COMPLIANT"]  # unchanged


def test_complete_upload_replaces_written_items_and_a_newer_report_wins_D_CMP_8(
    stub: AssociationStub,
) -> None:
    ssm = client()
    aid = create(ssm)

    def put(when: datetime, *entries: dict[str, str]) -> None:
        ssm.put_compliance_items(
            ResourceId=NODES[0],
            ResourceType="ManagedInstance",
            ComplianceType="Association",
            ExecutionSummary={"ExecutionTime": when},
            Items=list(entries),
        )

    later = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)
    put(later, {"Id": "a", "Severity": "LOW", "Status": "COMPLIANT"})
    put(later, {"Id": "b", "Severity": "LOW", "Status": "COMPLIANT"})  # COMPLETE: "a" goes
    assert [i["Id"] for i in items(ssm, NODES[0])] == [aid, "b"]
    # A written item with the association's Id and a later time wins over the run's.
    put(later, {"Id": aid, "Severity": "HIGH", "Status": "NON_COMPLIANT"})
    assert [(i["Id"], i["Status"]) for i in items(ssm, NODES[0])] == [(aid, "NON_COMPLIANT")]
    # The next run on the node is newer again.
    stub.advance(3 * 3600)
    stub.run(aid)
    assert [(i["Id"], i["Status"]) for i in items(ssm, NODES[0])] == [(aid, "COMPLIANT")]


def test_same_item_content_hash_is_a_no_op(stub: AssociationStub) -> None:
    ssm = client()
    common: dict[str, Any] = {
        "ResourceId": NODES[0],
        "ResourceType": "ManagedInstance",
        "ComplianceType": "Association",
        "ExecutionSummary": {"ExecutionTime": START},
        "ItemContentHash": "abc",
    }
    ssm.put_compliance_items(
        Items=[{"Id": "x", "Severity": "LOW", "Status": "COMPLIANT"}], **common
    )
    ssm.put_compliance_items(Items=[], **common)  # same hash: nothing changes
    assert [i["Id"] for i in items(ssm, NODES[0])] == ["x"]


def test_deleted_association_and_untargeted_node_drop_their_items_D_CMP_8(
    stub: AssociationStub,
) -> None:
    ssm = client()
    aid = create(ssm)
    stub.untag_instance(NODES[1], ["role"])
    assert items(ssm, NODES[1]) == []
    ssm.delete_association(AssociationId=aid)
    assert items(ssm, NODES[0]) == []


def test_runbook_associations_write_no_compliance(stub: AssociationStub) -> None:
    ssm = client()
    ssm.create_association(Name="AWS-HelloWorld")
    assert ssm.list_compliance_items()["ComplianceItems"] == []


def test_filters_AND_and_their_types_D_CMP_4(stub: AssociationStub) -> None:
    ssm = client()
    aid = create(ssm, ComplianceSeverity="MEDIUM")
    create(ssm, Name="AWS-UpdateSSMAgent", Parameters={})

    def ids(*filters: dict[str, Any]) -> list[str]:
        return [i["Details"]["DocumentName"] for i in items(ssm, NODES[0], Filters=list(filters))]

    assert ids({"Key": "ComplianceType", "Values": ["Association"]}) == [
        "AWS-RunShellScript",
        "AWS-UpdateSSMAgent",
    ]
    assert ids({"Key": "Id", "Values": [aid], "Type": "EQUAL"}) == ["AWS-RunShellScript"]
    assert ids({"Key": "Severity", "Values": ["MEDIUM"], "Type": "NOT_EQUAL"}) == [
        "AWS-UpdateSSMAgent"
    ]
    assert ids({"Key": "DocumentName", "Values": ["AWS-Update"], "Type": "BEGIN_WITH"}) == [
        "AWS-UpdateSSMAgent"
    ]
    after = {"Key": "ExecutionTime", "Values": ["2026-03-04T09:59:00Z"], "Type": "GREATER_THAN"}
    before = {"Key": "ExecutionTime", "Values": ["2026-03-04T09:59:00Z"], "Type": "LESS_THAN"}
    assert len(ids(after)) == 2
    assert ids(before) == []
    assert ids(
        after, {"Key": "Status", "Values": ["COMPLIANT"]}, {"Key": "Id", "Values": [aid]}
    ) == ["AWS-RunShellScript"]


def test_invalid_filters_are_invalid_filter_with_status_441_D_CMP_4(stub: AssociationStub) -> None:
    ssm = client()
    for operation, call in (
        ("ListComplianceItems", ssm.list_compliance_items),
        ("ListResourceComplianceSummaries", ssm.list_resource_compliance_summaries),
        ("ListComplianceSummaries", ssm.list_compliance_summaries),
    ):
        for bad in (
            {"Key": "Colour", "Values": ["red"]},
            {"Key": "ExecutionTime", "Values": ["yesterday"], "Type": "GREATER_THAN"},
            {"Key": "Status"},
        ):
            with pytest.raises(ssm.exceptions.InvalidFilter) as info:
                call(Filters=[bad])
            assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 441
            assert "InvalidFilter" in declared_errors(operation)


def test_one_resource_id_and_managed_instance_only_D_CMP_7(stub: AssociationStub) -> None:
    ssm = client()
    create(ssm)
    with pytest.raises(ssm.exceptions.InvalidResourceId):
        ssm.list_compliance_items(ResourceIds=list(NODES))
    with pytest.raises(ssm.exceptions.InvalidResourceType):
        ssm.list_compliance_items(ResourceIds=[NODES[0]], ResourceTypes=["Document"])
    with pytest.raises(ssm.exceptions.InvalidResourceType):
        ssm.put_compliance_items(
            ResourceId=NODES[0],
            ResourceType="Document",
            ComplianceType="Association",
            ExecutionSummary={"ExecutionTime": START},
            Items=[],
        )
    everything = ssm.list_compliance_items()["ComplianceItems"]  # no ResourceIds: every node
    assert sorted(i["ResourceId"] for i in everything) == list(NODES)


def test_pagination_and_paginators(stub: AssociationStub) -> None:
    ssm = client()
    for _ in range(3):
        create(ssm)
    first = ssm.list_compliance_items(ResourceIds=[NODES[0]], MaxResults=2)
    assert len(first["ComplianceItems"]) == 2 and "NextToken" in first
    rest = ssm.list_compliance_items(
        ResourceIds=[NODES[0]], MaxResults=2, NextToken=first["NextToken"]
    )
    assert len(rest["ComplianceItems"]) == 1 and "NextToken" not in rest
    with pytest.raises(ssm.exceptions.InvalidNextToken):
        ssm.list_compliance_summaries(NextToken=first["NextToken"])
    pages = ssm.get_paginator("list_resource_compliance_summaries").paginate(
        PaginationConfig={"PageSize": 1}
    )
    assert sum(len(p["ResourceComplianceSummaryItems"]) for p in pages) == 2


def test_resource_and_type_summaries_count_items_and_resources_D_CMP_6(
    stub: AssociationStub,
) -> None:
    ssm = client()
    stub.set_outcome(NODES[1], "Failed")
    create(ssm, ComplianceSeverity="LOW")
    create(ssm, ComplianceSeverity="HIGH")
    summaries = ssm.list_resource_compliance_summaries()
    assert output_problems("ListResourceComplianceSummaries", summaries) == ""
    by_node = {s["ResourceId"]: s for s in summaries["ResourceComplianceSummaryItems"]}
    zero = dict.fromkeys(
        ("CriticalCount", "HighCount", "MediumCount", "LowCount", "InformationalCount"), 0
    )
    good = by_node[NODES[0]]
    assert (good["ComplianceType"], good["ResourceType"], good["Status"]) == (
        "Association",
        "ManagedInstance",
        "COMPLIANT",
    )
    assert good["OverallSeverity"] == "HIGH"
    assert good["CompliantSummary"] == {
        "CompliantCount": 2,
        "SeveritySummary": {**zero, "HighCount": 1, "LowCount": 1, "UnspecifiedCount": 0},
    }
    assert good["NonCompliantSummary"] == {
        "NonCompliantCount": 0,
        "SeveritySummary": {**zero, "UnspecifiedCount": 0},
    }
    assert by_node[NODES[1]]["Status"] == "NON_COMPLIANT"
    assert set(good["ExecutionSummary"]) == {"ExecutionTime"}

    totals = ssm.list_compliance_summaries()
    assert output_problems("ListComplianceSummaries", totals) == ""
    assert totals["ComplianceSummaryItems"] == [
        {
            "ComplianceType": "Association",
            "CompliantSummary": {
                "CompliantCount": 1,
                "SeveritySummary": {**zero, "HighCount": 1, "UnspecifiedCount": 0},
            },
            "NonCompliantSummary": {
                "NonCompliantCount": 1,
                "SeveritySummary": {**zero, "HighCount": 1, "UnspecifiedCount": 0},
            },
        }
    ]
    only_bad = ssm.list_resource_compliance_summaries(
        Filters=[{"Key": "Status", "Values": ["NON_COMPLIANT"], "Type": "EQUAL"}]
    )["ResourceComplianceSummaryItems"]
    assert [s["ResourceId"] for s in only_bad] == [NODES[1]]


def test_other_compliance_types_go_on_as_unsupported_operations(stub: AssociationStub) -> None:
    """Only the Association type is the stub's: Patch and Custom:* go on (here: an error)."""
    ssm = client()
    with pytest.raises(UnsupportedOperationError):
        ssm.put_compliance_items(
            ResourceId=NODES[0],
            ResourceType="ManagedInstance",
            ComplianceType="Custom:AVCheck",
            ExecutionSummary={"ExecutionTime": START},
            Items=[
                {
                    "Id": "Version2.0",
                    "Title": "ScanHost",
                    "Severity": "CRITICAL",
                    "Status": "COMPLIANT",
                }
            ],
        )
    with pytest.raises(UnsupportedOperationError):
        ssm.list_compliance_items(Filters=[{"Key": "ComplianceType", "Values": ["Patch"]}])
    assert stub.calls_to("PutComplianceItems") == ()  # neither was answered nor recorded


def test_other_compliance_types_pass_through_when_asked() -> None:
    """With passthrough=True the call goes on to whatever answers next (here: a handler)."""
    with AssociationStub(passthrough=True):
        ssm = client()
        seen: list[str] = []

        def later(model: Any, **kwargs: Any) -> Any:
            seen.append(model.name)
            return AWSResponse("", 200, {}, None), {"ComplianceItems": []}

        ssm.meta.events.register("before-call.ssm", later)  # after the stub's own handler
        out = ssm.list_compliance_items(Filters=[{"Key": "ComplianceType", "Values": ["Patch"]}])
        assert (seen, out["ComplianceItems"]) == (["ListComplianceItems"], [])
        ssm.list_compliance_items()  # Association items: the stub answers, later never sees it
        assert seen == ["ListComplianceItems"]
