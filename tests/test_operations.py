"""The six core operations through real boto3 clients (issue 2)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.session
import pytest

from ssm_assoc_stub import AssociationStub

from .helpers import (
    declared_errors,
    error_code,
    error_message,
    known_members,
    output_problems,
    skip_unless_member,
)

# Every test runs twice: in-process and over HTTP through the server mode (tests/transport.py).
pytestmark = pytest.mark.usefixtures("ssm_transport")

START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
SHELL = {"commands": ["echo hi"]}
TARGETS = [{"Key": "InstanceIds", "Values": ["i-1234567890abcdef0"]}]


# The nodes the legacy InstanceId associations below name: D-CRT-3 needs them known.
LEGACY_NODES = ("i-0cb2b964d3e14fd9f", "i-cdcd2233cdcd2233c", "i-1234567890abcdef0")


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression="manual") as active:
        for node in LEGACY_NODES:
            active.add_instance(node)
        yield active


@pytest.fixture
def ssm(stub: AssociationStub) -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def create(ssm: Any, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "Name": "AWS-RunShellScript",
        "Targets": TARGETS,
        "Parameters": SHELL,
    }
    request.update(extra)
    return ssm.create_association(**request)["AssociationDescription"]  # type: ignore[no-any-return]


# -- CreateAssociation ---------------------------------------------------------


def test_create_returns_version_1_pending_creating_and_no_unset_members(ssm: Any) -> None:
    desc = create(ssm)
    assert desc["AssociationVersion"] == "1"
    assert desc["Overview"] == {"Status": "Pending", "DetailedStatus": "Creating"}  # D-ST-1
    assert desc["DocumentVersion"] == "$DEFAULT"
    assert desc["Date"] == desc["LastUpdateAssociationDate"] == START
    assert desc["Date"].tzinfo is not None
    assert desc["Targets"] == TARGETS
    assert desc["Parameters"] == SHELL
    assert desc["ApplyOnlyAtCronInterval"] is False
    for absent in (
        "InstanceId",
        "Status",
        "ScheduleExpression",
        "MaxErrors",
        "MaxConcurrency",
        "AssociationName",
        "LastExecutionDate",
        "OutputLocation",
        "ComplianceSeverity",
    ):
        assert absent not in desc
    assert None not in desc.values()


def test_create_echoes_every_member_the_output_shape_has(ssm: Any) -> None:
    every: dict[str, Any] = {
        "AssociationName": "patch-web",
        "DocumentVersion": "1",
        "ScheduleExpression": "cron(0 2 ? * SUN *)",
        "ApplyOnlyAtCronInterval": True,
        "ScheduleOffset": 2,
        "Duration": 3,
        "MaxConcurrency": "10%",
        "MaxErrors": "1",
        "ComplianceSeverity": "HIGH",
        "SyncCompliance": "MANUAL",
        "CalendarNames": ["change-freeze"],
        "OutputLocation": {
            "S3Location": {
                "OutputS3BucketName": "logs-bucket",
                "OutputS3KeyPrefix": "ssm/",
                "OutputS3Region": "eu-west-1",
            }
        },
        "AlarmConfiguration": {"IgnorePollAlarmFailure": True, "Alarms": [{"Name": "cpu-high"}]},
        "TargetLocations": [
            {
                "Accounts": ["111122223333"],
                "Regions": ["eu-west-1"],
                "TargetLocationMaxConcurrency": "2",
            }
        ],
        "AssociationDispatchAssumeRole": "arn:aws:iam::123456789012:role/dispatch",
    }
    members = known_members("CreateAssociation", every)  # what the installed model can send
    desc = create(ssm, **members)
    for member, value in members.items():
        assert desc[member] == value, member
    assert output_problems("CreateAssociation", {"AssociationDescription": desc}) == ""


@pytest.mark.filterwarnings("ignore::ssm_assoc_stub.NoTargetsWarning")  # no node has Env=Dev
def test_runbook_association_echoes_its_target_parameter(ssm: Any) -> None:
    desc = ssm.create_association(
        Name="AWS-StartEC2Instance",
        AutomationTargetParameterName="InstanceId",
        Targets=[{"Key": "tag:Env", "Values": ["Dev"]}],
        MaxConcurrency="2",
        MaxErrors="1",
    )["AssociationDescription"]
    assert desc["AutomationTargetParameterName"] == "InstanceId"
    assert output_problems("CreateAssociation", {"AssociationDescription": desc}) == ""


def test_runbook_without_targets_gets_the_no_op_placeholder(ssm: Any) -> None:
    desc = ssm.create_association(Name="AWS-HelloWorld")["AssociationDescription"]
    assert desc["Targets"] == [
        {"Key": "aws:NoOpAutomationTag", "Values": ["AWS-NoOpAutomationTarget-Value"]}
    ]


def test_create_with_target_maps_echoes_them(ssm: Any) -> None:
    maps = [{"InstanceIds": ["i-1234567890abcdef0"]}]
    desc = ssm.create_association(Name="AWS-RunShellScript", TargetMaps=maps, Parameters=SHELL)
    assert desc["AssociationDescription"]["TargetMaps"] == maps


def test_targets_and_target_maps_together_are_invalid_target_maps(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.InvalidTargetMaps):
        create(ssm, TargetMaps=[{"InstanceIds": ["i-1234567890abcdef0"]}])


def test_legacy_instance_id_association(ssm: Any) -> None:
    desc = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0cb2b964d3e14fd9f")[
        "AssociationDescription"
    ]
    # D-ST-2: the legacy Status block says Associated
    assert desc["Status"] == {
        "Date": START,
        "Name": "Associated",
        "Message": "Associated with AWS-UpdateSSMAgent",
    }
    assert desc["InstanceId"] == "i-0cb2b964d3e14fd9f"
    assert desc["Targets"] == [{"Key": "InstanceIds", "Values": ["i-0cb2b964d3e14fd9f"]}]


def test_legacy_association_twice_already_exists(ssm: Any) -> None:
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0cb2b964d3e14fd9f")
    with pytest.raises(ssm.exceptions.AssociationAlreadyExists):  # D-CRT-2
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0cb2b964d3e14fd9f")


def test_targets_associations_may_repeat(ssm: Any) -> None:
    first, second = create(ssm), create(ssm)  # D-CRT-2
    assert first["AssociationId"] != second["AssociationId"]


def test_instance_id_with_targets_names_the_conflict(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.ClientError) as info:  # D-CRT-1
        ssm.create_association(
            Name="AWS-UpdateSSMAgent",
            InstanceId="i-0cb2b964d3e14fd9f",
            Targets=TARGETS,
            MaxConcurrency="1",
        )
    assert error_code(info) == "ValidationException"
    assert "Targets" in error_message(info) and "MaxConcurrency" in error_message(info)


def test_instance_id_with_schema_2_document_is_invalid_document(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.InvalidDocument) as info:
        ssm.create_association(Name="AWS-GatherSoftwareInventory", InstanceId="i-0cb2b964d3e14fd9f")
    assert "is not supported by association that is created with instance id" in error_message(info)


def test_no_targets_and_no_instance_is_invalid_target(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.InvalidTarget) as info:
        ssm.create_association(Name="AWS-RunShellScript", Parameters=SHELL)
    assert error_message(info) == "Instance ID or targets must be specified"


def test_unsupported_target_key(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.InvalidTarget) as info:
        create(ssm, Targets=[{"Key": "ResourceGroup", "Values": ["web"]}])
    assert error_message(info) == "Unsupported Target Type"


def test_lower_case_instanceids_key_is_accepted_and_echoed_as_sent(ssm: Any) -> None:
    desc = create(ssm, Targets=[{"Key": "instanceids", "Values": ["i-1234567890abcdef0"]}])
    assert desc["Targets"] == [{"Key": "instanceids", "Values": ["i-1234567890abcdef0"]}]  # D-TGT-1


def test_unknown_document_version_and_parameters(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.InvalidDocument):
        create(ssm, Name="No-Such-Document")
    with pytest.raises(ssm.exceptions.InvalidDocumentVersion):
        create(ssm, DocumentVersion="99")
    with pytest.raises(ssm.exceptions.InvalidParameters) as info:
        create(ssm, Parameters={})
    assert error_message(info) == 'Parameter "commands" requires a value.'
    with pytest.raises(ssm.exceptions.InvalidParameters):
        create(ssm, Parameters={"commands": ["ls"], "bogus": ["x"]})


def test_server_side_pattern_check_gives_aws_validation_message(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.ClientError) as info:
        create(ssm, MaxConcurrency="0")
    assert error_code(info) == "ValidationException"
    assert error_message(info) == (
        "1 validation error detected: Value '0' at 'maxConcurrency' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$"
    )


def test_schedules_are_validated(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.InvalidSchedule):  # D-SCH-2
        create(ssm, ScheduleExpression="rate(5 minutes)")
    with pytest.raises(ssm.exceptions.InvalidSchedule):  # D-SCH-1: months are rejected
        create(ssm, ScheduleExpression="cron(0 2 ? 3 SUN *)")
    with pytest.raises(ssm.exceptions.ClientError) as info:  # D-SCH-2
        create(ssm, ScheduleExpression="rate(1 day)", ApplyOnlyAtCronInterval=True)
    assert error_code(info) == "ValidationException"


def test_output_location_without_bucket_is_invalid(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.InvalidOutputLocation):
        create(ssm, OutputLocation={"S3Location": {"OutputS3KeyPrefix": "x"}})


def test_reserved_tag_key_is_invalid_tag(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.InvalidTag):
        create(ssm, Tags=[{"Key": "aws:owner", "Value": "me"}])


def test_association_limit(stub: AssociationStub) -> None:
    with AssociationStub(association_limit=2, progression="manual"):  # D-LIM-1
        ssm = boto3.client("ssm", region_name="eu-west-1")
        create(ssm)
        create(ssm)
        with pytest.raises(ssm.exceptions.AssociationLimitExceeded):
            create(ssm)
        # the limit is per Region
        create(boto3.client("ssm", region_name="us-east-1"))


def test_regions_are_separate(ssm: Any) -> None:
    aid = create(ssm)["AssociationId"]
    other = boto3.client("ssm", region_name="us-east-1")
    with pytest.raises(other.exceptions.AssociationDoesNotExist):
        other.describe_association(AssociationId=aid)


def test_rejected_create_changes_nothing(ssm: Any, stub: AssociationStub) -> None:
    create(ssm)
    before = stub.backend.state_snapshot()
    with pytest.raises(ssm.exceptions.InvalidParameters):
        create(ssm, Parameters={})
    assert stub.backend.state_snapshot() == before


# -- CreateAssociationBatch ----------------------------------------------------


def test_batch_keeps_request_order_and_reports_entry_faults(ssm: Any) -> None:
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-cdcd2233cdcd2233c")
    entries = [
        {"Name": "AWS-UpdateSSMAgent", "InstanceId": "i-1234567890abcdef0"},
        {"Name": "AWS-UpdateSSMAgent", "InstanceId": "i-cdcd2233cdcd2233c"},
        {"Name": "Missing-Document", "Targets": TARGETS},
        {"Name": "AWS-RunShellScript", "Targets": TARGETS, "Parameters": SHELL},
    ]
    result = ssm.create_association_batch(Entries=entries)
    assert [d["Name"] for d in result["Successful"]] == ["AWS-UpdateSSMAgent", "AWS-RunShellScript"]
    assert [f["Entry"] for f in result["Failed"]] == [entries[1], entries[2]]  # D-BAT-1
    assert {f["Fault"] for f in result["Failed"]} == {"Client"}
    assert result["Failed"][0]["Message"] == "Association Already Exists"
    assert output_problems("CreateAssociationBatch", result) == ""


def test_batch_with_the_same_node_twice_fails_whole(ssm: Any, stub: AssociationStub) -> None:
    entry = {"Name": "AWS-UpdateSSMAgent", "InstanceId": "i-1234567890abcdef0"}
    with pytest.raises(ssm.exceptions.DuplicateInstanceId):
        ssm.create_association_batch(Entries=[entry, entry])
    assert stub.backend.state_snapshot() == {}


@skip_unless_member("CreateAssociationBatch", "AssociationDispatchAssumeRole")
def test_batch_dispatch_role_applies_to_each_entry(ssm: Any) -> None:
    role = "arn:aws:iam::123456789012:role/dispatch"
    result = ssm.create_association_batch(
        Entries=[{"Name": "AWS-RunShellScript", "Targets": TARGETS, "Parameters": SHELL}],
        AssociationDispatchAssumeRole=role,
    )
    assert result["Successful"][0]["AssociationDispatchAssumeRole"] == role


# -- DescribeAssociation -------------------------------------------------------


def test_describe_by_id_and_by_name_and_instance(ssm: Any) -> None:
    legacy = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0cb2b964d3e14fd9f")
    aid = legacy["AssociationDescription"]["AssociationId"]
    by_id = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    by_pair = ssm.describe_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0cb2b964d3e14fd9f")
    assert by_pair["AssociationDescription"] == by_id
    assert output_problems("DescribeAssociation", by_pair) == ""


def test_describe_without_identifier_is_validation_error(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.ClientError) as info:  # D-DES-1
        ssm.describe_association()
    assert error_code(info) == "ValidationException"


def test_describe_id_wins_over_name_and_instance(ssm: Any) -> None:
    aid = create(ssm)["AssociationId"]
    desc = ssm.describe_association(
        AssociationId=aid, Name="AWS-UpdateSSMAgent", InstanceId="i-0cb2b964d3e14fd9f"
    )  # D-DES-1
    assert desc["AssociationDescription"]["AssociationId"] == aid


def test_describe_unknown_association(ssm: Any) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(ssm.exceptions.AssociationDoesNotExist) as info:
        ssm.describe_association(AssociationId=missing)
    assert error_message(info) == f"Association {missing} does not exist."
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404  # D-ERR-1


def test_describe_an_older_version(ssm: Any, stub: AssociationStub) -> None:
    aid = create(ssm, AssociationName="first")["AssociationId"]
    stub.advance(60)
    ssm.update_association(AssociationId=aid, AssociationName="second", Parameters=SHELL)
    old = ssm.describe_association(AssociationId=aid, AssociationVersion="1")
    assert old["AssociationDescription"]["AssociationName"] == "first"
    assert old["AssociationDescription"]["AssociationVersion"] == "1"
    latest = ssm.describe_association(AssociationId=aid, AssociationVersion="$LATEST")
    assert latest["AssociationDescription"]["AssociationName"] == "second"
    with pytest.raises(ssm.exceptions.InvalidAssociationVersion):
        ssm.describe_association(AssociationId=aid, AssociationVersion="3")


# -- ListAssociationVersions ---------------------------------------------------


def test_versions_ascending_and_paginated(ssm: Any) -> None:
    aid = create(ssm)["AssociationId"]
    for n in range(4):
        ssm.update_association(AssociationId=aid, Parameters=SHELL, AssociationName=f"ver{n + 2}")
    first = ssm.list_association_versions(AssociationId=aid, MaxResults=2)
    assert [v["AssociationVersion"] for v in first["AssociationVersions"]] == ["1", "2"]  # D-VER-2
    second = ssm.list_association_versions(
        AssociationId=aid, MaxResults=2, NextToken=first["NextToken"]
    )
    assert [v["AssociationVersion"] for v in second["AssociationVersions"]] == ["3", "4"]
    pages = ssm.get_paginator("list_association_versions").paginate(
        AssociationId=aid, PaginationConfig={"PageSize": 2}
    )
    versions = [v["AssociationVersion"] for p in pages for v in p["AssociationVersions"]]
    assert versions == ["1", "2", "3", "4", "5"]
    assert output_problems("ListAssociationVersions", first) == ""


def test_version_info_is_a_snapshot(ssm: Any) -> None:
    aid = create(ssm, ScheduleExpression="rate(1 day)")["AssociationId"]
    ssm.update_association(AssociationId=aid, Parameters={"commands": ["uptime"]})
    v1, v2 = ssm.list_association_versions(AssociationId=aid)["AssociationVersions"]
    assert v1["Parameters"] == SHELL and v1["ScheduleExpression"] == "rate(1 day)"
    assert v2["Parameters"] == {"commands": ["uptime"]} and "ScheduleExpression" not in v2
    assert "DocumentVersion" not in v1  # echoed only when sent (golden list-association-versions)


def test_bad_tokens_are_invalid_next_token(ssm: Any) -> None:
    aid = create(ssm)["AssociationId"]
    other = create(ssm)["AssociationId"]
    for _ in range(2):
        ssm.update_association(AssociationId=aid, Parameters=SHELL)
        ssm.update_association(AssociationId=other, Parameters=SHELL)
    token = ssm.list_association_versions(AssociationId=aid, MaxResults=1)["NextToken"]
    with pytest.raises(ssm.exceptions.InvalidNextToken):  # D-PAG-1: another listing
        ssm.list_association_versions(AssociationId=other, NextToken=token)
    tampered = token[:-1] + ("1" if token.endswith("0") else "0")  # the HMAC is random hex
    with pytest.raises(ssm.exceptions.InvalidNextToken):  # D-PAG-1: tampered
        ssm.list_association_versions(AssociationId=aid, NextToken=tampered)


def test_list_versions_unknown_association(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.AssociationDoesNotExist):
        ssm.list_association_versions(AssociationId="11111111-2222-3333-4444-555555555555")


# -- UpdateAssociation -----------------------------------------------------------


def test_update_adds_a_version_and_keeps_date(ssm: Any, stub: AssociationStub) -> None:
    aid = create(ssm)["AssociationId"]
    stub.advance(90)
    desc = ssm.update_association(AssociationId=aid, Parameters=SHELL, DocumentVersion="$LATEST")[
        "AssociationDescription"
    ]
    assert desc["AssociationVersion"] == "2"
    assert desc["Date"] == START
    assert desc["LastUpdateAssociationDate"] == START + timedelta(seconds=90)
    assert desc["Overview"] == {"Status": "Pending", "DetailedStatus": "Creating"}
    assert desc["Name"] == "AWS-RunShellScript" and desc["Targets"] == TARGETS
    assert output_problems("UpdateAssociation", {"AssociationDescription": desc}) == ""


def test_update_null_overwrites_omitted_members(ssm: Any) -> None:
    aid = create(ssm, ScheduleExpression="rate(1 day)", MaxErrors="2", DocumentVersion="1")[
        "AssociationId"
    ]
    desc = ssm.update_association(AssociationId=aid, Parameters=SHELL)["AssociationDescription"]
    # D-UPD-1: every optional member not sent is reset; Name and Targets are kept
    assert "ScheduleExpression" not in desc and "MaxErrors" not in desc
    assert desc["DocumentVersion"] == "$DEFAULT"
    assert desc["Targets"] == TARGETS


def test_update_without_required_parameters_is_the_trap(ssm: Any, stub: AssociationStub) -> None:
    aid = create(ssm)["AssociationId"]
    before = stub.backend.state_snapshot()
    with pytest.raises(ssm.exceptions.InvalidParameters) as info:  # D-UPD-1
        ssm.update_association(AssociationId=aid, MaxConcurrency="2")
    assert error_message(info) == 'Parameter "commands" requires a value.'
    assert stub.backend.state_snapshot() == before


def test_update_merge_semantics_keeps_omitted_members() -> None:
    with AssociationStub(update_semantics="merge", progression="manual"):
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = create(ssm, ScheduleExpression="rate(1 day)")["AssociationId"]
        desc = ssm.update_association(AssociationId=aid, MaxConcurrency="2")
        assert desc["AssociationDescription"]["ScheduleExpression"] == "rate(1 day)"
        assert desc["AssociationDescription"]["Parameters"] == SHELL


def test_update_with_stale_version_fails(ssm: Any) -> None:
    aid = create(ssm)["AssociationId"]
    ssm.update_association(AssociationId=aid, Parameters=SHELL, AssociationVersion="1")
    with pytest.raises(ssm.exceptions.InvalidAssociationVersion):
        ssm.update_association(AssociationId=aid, Parameters=SHELL, AssociationVersion="1")
    desc = ssm.update_association(AssociationId=aid, Parameters=SHELL, AssociationVersion="$LATEST")
    assert desc["AssociationDescription"]["AssociationVersion"] == "3"


def test_update_check_order(ssm: Any) -> None:
    # D-UPD-1: AssociationDoesNotExist, then InvalidAssociationVersion, then the content
    with pytest.raises(ssm.exceptions.AssociationDoesNotExist):
        ssm.update_association(
            AssociationId="11111111-2222-3333-4444-555555555555",
            AssociationVersion="7",
            Name="No-Such-Doc",
        )
    aid = create(ssm)["AssociationId"]
    with pytest.raises(ssm.exceptions.InvalidAssociationVersion):
        ssm.update_association(AssociationId=aid, AssociationVersion="7", Name="No-Such-Doc")


def test_update_that_changes_nothing_still_adds_a_version(ssm: Any) -> None:
    aid = create(ssm)["AssociationId"]
    desc = ssm.update_association(AssociationId=aid, Parameters=SHELL)  # D-VER-3
    assert desc["AssociationDescription"]["AssociationVersion"] == "2"


def test_update_of_legacy_association_is_limited(ssm: Any) -> None:
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-0cb2b964d3e14fd9f")[
        "AssociationDescription"
    ]["AssociationId"]
    with pytest.raises(ssm.exceptions.InvalidUpdate):  # D-UPD-2
        ssm.update_association(AssociationId=aid, Name="AWS-RunShellScript")
    with pytest.raises(ssm.exceptions.InvalidUpdate):  # D-UPD-2
        ssm.update_association(AssociationId=aid, Targets=TARGETS)


def test_version_limit() -> None:
    with AssociationStub(version_limit=3, progression="manual"):  # D-VER-1
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = create(ssm)["AssociationId"]
        ssm.update_association(AssociationId=aid, Parameters=SHELL)
        ssm.update_association(AssociationId=aid, Parameters=SHELL)
        with pytest.raises(ssm.exceptions.AssociationVersionLimitExceeded):
            ssm.update_association(AssociationId=aid, Parameters=SHELL)
        versions = ssm.list_association_versions(AssociationId=aid)["AssociationVersions"]
        assert [v["AssociationVersion"] for v in versions] == ["1", "2", "3"]  # nothing pruned


def test_default_version_limit_is_1000(ssm: Any) -> None:
    aid = create(ssm)["AssociationId"]
    for _ in range(999):  # D-VER-1
        ssm.update_association(AssociationId=aid, Parameters=SHELL)
    with pytest.raises(ssm.exceptions.AssociationVersionLimitExceeded):
        ssm.update_association(AssociationId=aid, Parameters=SHELL)


def test_concurrent_updates_lose_nothing(ssm: Any) -> None:
    aid = create(ssm)["AssociationId"]
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(25):
                ssm.update_association(AssociationId=aid, Parameters=SHELL)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    desc = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert desc["AssociationVersion"] == "201"
    pages = ssm.get_paginator("list_association_versions").paginate(AssociationId=aid)
    numbers = [int(v["AssociationVersion"]) for p in pages for v in p["AssociationVersions"]]
    assert numbers == list(range(1, 202))


# -- UpdateAssociationStatus -------------------------------------------------------


def test_update_status_changes_only_the_legacy_block(ssm: Any, stub: AssociationStub) -> None:
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-1234567890abcdef0")
    stub.advance(30)
    before = ssm.describe_association(Name="AWS-UpdateSSMAgent", InstanceId="i-1234567890abcdef0")
    assert before["AssociationDescription"]["Overview"]["Status"] == "Success"
    result = ssm.update_association_status(
        Name="AWS-UpdateSSMAgent",
        InstanceId="i-1234567890abcdef0",
        AssociationStatus={
            "Date": datetime(2015, 2, 20, 8, 31, 11, 939000, tzinfo=timezone.utc),
            "Name": "Pending",
            "Message": "temp_status_change",
            "AdditionalInfo": "Additional-Config-Needed",
        },
    )["AssociationDescription"]
    # D-ST-2: Date truncated to whole seconds, version and Overview unchanged
    assert result["Status"] == {
        "Date": datetime(2015, 2, 20, 8, 31, 11, tzinfo=timezone.utc),
        "Name": "Pending",
        "Message": "temp_status_change",
        "AdditionalInfo": "Additional-Config-Needed",
    }
    assert result["AssociationVersion"] == "1"
    assert result["Overview"] == before["AssociationDescription"]["Overview"]
    assert result["LastUpdateAssociationDate"] == START + timedelta(seconds=30)
    assert output_problems("UpdateAssociationStatus", {"AssociationDescription": result}) == ""


def test_update_status_unchanged(ssm: Any) -> None:
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-1234567890abcdef0")
    status = {"Date": START, "Name": "Failed", "Message": "boom"}
    ssm.update_association_status(
        Name="AWS-UpdateSSMAgent", InstanceId="i-1234567890abcdef0", AssociationStatus=status
    )
    with pytest.raises(ssm.exceptions.StatusUnchanged):  # D-ST-3
        ssm.update_association_status(
            Name="AWS-UpdateSSMAgent",
            InstanceId="i-1234567890abcdef0",
            AssociationStatus={**status, "Date": START + timedelta(1)},
        )


def test_update_status_name_outside_the_enum(ssm: Any) -> None:
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-1234567890abcdef0")
    with pytest.raises(ssm.exceptions.ClientError) as info:  # D-ST-4
        ssm.update_association_status(
            Name="AWS-UpdateSSMAgent",
            InstanceId="i-1234567890abcdef0",
            AssociationStatus={"Date": START, "Name": "Associated", "Message": "x"},
        )
    assert error_code(info) == "ValidationException"
    assert "associationStatus.name" in error_message(info)


def test_update_status_of_unknown_association(ssm: Any) -> None:
    with pytest.raises(ssm.exceptions.AssociationDoesNotExist):
        ssm.update_association_status(
            Name="AWS-UpdateSSMAgent",
            InstanceId="i-1234567890abcdef0",
            AssociationStatus={"Date": START, "Name": "Failed", "Message": "x"},
        )
    with pytest.raises(ssm.exceptions.InvalidDocument):
        ssm.update_association_status(
            Name="No-Such-Doc",
            InstanceId="i-1234567890abcdef0",
            AssociationStatus={"Date": START, "Name": "Failed", "Message": "x"},
        )


# -- contract ------------------------------------------------------------------------


def test_every_error_code_raised_is_declared_or_validation(ssm: Any, stub: AssociationStub) -> None:
    test_unknown_document_version_and_parameters(ssm)
    test_schedules_are_validated(ssm)
    test_update_check_order(ssm)
    test_update_of_legacy_association_is_limited(ssm)
    test_update_status_unchanged(ssm)
    test_describe_unknown_association(ssm)
    errors = [(c.operation, c.error.code) for c in stub.calls if c.error is not None]
    assert len(errors) >= 10
    for operation, code in errors:
        assert code == "ValidationException" or code in declared_errors(operation), (
            operation,
            code,
        )


def test_descriptions_keep_every_member_in_the_shapes_order() -> None:
    from ssm_assoc_stub._service.wire import _DESCRIPTION_ORDER, SPEC_MEMBERS

    assert set(SPEC_MEMBERS) <= set(_DESCRIPTION_ORDER)  # nothing set can be dropped
    model = botocore.session.get_session().get_service_model("ssm")
    members = list(model.shape_for("AssociationDescription").members)
    assert [m for m in _DESCRIPTION_ORDER if m in members] == members
