"""DescribeInstanceInformation from the fleet (issue 9 item 4; D-INF-1..5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub

from .helpers import declared_errors, error_code, output_problems

REGION = "eu-west-1"
WEB, DB, WIN = "i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub() as active:
        active.add_instance(WEB, tags={"role": "web"})
        active.add_instance(DB, tags={"role": "db"}, ping_status="ConnectionLost")
        active.add_instance(
            WIN,
            tags={"role": "web"},
            platform="Windows",
            agent_version="3.2.0.0",
            ip_address="172.16.0.9",
            computer_name="WIN-BUILD",
        )
        yield active


@pytest.fixture
def ssm(stub: AssociationStub) -> Any:
    return boto3.client("ssm", region_name=REGION)


def describe(ssm: Any, **request: Any) -> list[dict[str, Any]]:
    answer = ssm.describe_instance_information(**request)
    assert output_problems("DescribeInstanceInformation", answer) == ""
    return list(answer["InstanceInformationList"])


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["InstanceId"] for item in items]


def test_every_node_with_what_aws_fills_D_INF_2(ssm: Any, stub: AssociationStub) -> None:
    web, db, win = describe(ssm)
    assert ids([web, db, win]) == [WEB, DB, WIN]
    # the clock follows the wall clock: "now" of the call, a moment before stub.now
    assert web["PingStatus"] == "Online"
    assert stub.now - timedelta(seconds=30) <= web["LastPingDateTime"] <= stub.now
    assert db["PingStatus"] == "ConnectionLost" and db["LastPingDateTime"] < stub.now
    assert (web["PlatformType"], web["PlatformName"], web["PlatformVersion"]) == (
        "Linux",
        "Amazon Linux",
        "2",
    )
    assert (web["AgentVersion"], web["IsLatestVersion"]) == ("3.3.987.0", True)
    assert web["ResourceType"] == "EC2Instance"
    assert web["IPAddress"].startswith("10.")
    assert (
        web["ComputerName"] == f"ip-{web['IPAddress'].replace('.', '-')}.{REGION}.compute.internal"
    )
    assert (web["SourceId"], web["SourceType"]) == (WEB, "AWS::EC2::Instance")
    assert "AssociationStatus" not in web and "AssociationOverview" not in web  # none yet
    assert (win["PlatformType"], win["AgentVersion"], win["IsLatestVersion"]) == (
        "Windows",
        "3.2.0.0",
        False,
    )
    assert (win["IPAddress"], win["ComputerName"]) == ("172.16.0.9", "WIN-BUILD")


def test_association_fields_roll_up_the_per_node_statuses_D_INF_4(
    ssm: Any, stub: AssociationStub
) -> None:
    stub.set_outcome(WIN, "Failed")
    ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["true"]},
        Targets=[{"Key": "tag:role", "Values": ["web"]}],
    )
    first = stub.now
    stub.advance(60)
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=WIN)
    items = {item["InstanceId"]: item for item in describe(ssm)}
    web, win = items[WEB], items[WIN]
    assert web["AssociationStatus"] == "Success"
    assert web["AssociationOverview"] == {
        "DetailedStatus": "Success",
        "InstanceAssociationStatusAggregatedCount": {"Success": 1},
    }
    assert web["LastAssociationExecutionDate"] == web["LastSuccessfulAssociationExecutionDate"]
    assert web["LastAssociationExecutionDate"] >= first
    assert win["AssociationStatus"] == "Failed"
    assert win["AssociationOverview"]["InstanceAssociationStatusAggregatedCount"] == {"Failed": 2}
    assert "LastSuccessfulAssociationExecutionDate" not in win
    assert "AssociationStatus" not in items[DB]
    failed = describe(ssm, Filters=[{"Key": "AssociationStatus", "Values": ["Failed"]}])
    assert ids(failed) == [WIN]


@pytest.mark.parametrize(
    "request_filters, expected",
    [
        ({"Filters": [{"Key": "PingStatus", "Values": ["Online"]}]}, [WEB, WIN]),
        ({"Filters": [{"Key": "PlatformTypes", "Values": ["Windows", "MacOS"]}]}, [WIN]),
        ({"Filters": [{"Key": "tag:role", "Values": ["web"]}]}, [WEB, WIN]),
        ({"Filters": [{"Key": "tag-key", "Values": ["role"]}]}, [WEB, DB, WIN]),
        ({"Filters": [{"Key": "InstanceIds", "Values": [DB, WEB]}]}, [WEB, DB]),
        ({"Filters": [{"Key": "ResourceType", "Values": ["ManagedInstance"]}]}, []),
        (
            {
                "Filters": [
                    {"Key": "PingStatus", "Values": ["Online"]},
                    {"Key": "PlatformTypes", "Values": ["Linux"]},
                ]
            },
            [WEB],
        ),
        (
            {"InstanceInformationFilterList": [{"key": "PingStatus", "valueSet": ["Online"]}]},
            [WEB, WIN],
        ),
        ({"InstanceInformationFilterList": [{"key": "InstanceIds", "valueSet": [WIN]}]}, [WIN]),
    ],
)
def test_both_filter_forms_D_INF_1(
    ssm: Any, request_filters: dict[str, Any], expected: list[str]
) -> None:
    assert ids(describe(ssm, **request_filters)) == expected


def test_filter_errors(ssm: Any) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {
                "Filters": [{"Key": "PingStatus", "Values": ["Online"]}],
                "InstanceInformationFilterList": [{"key": "PingStatus", "valueSet": ["Online"]}],
            },
            "ValidationException",
            "cannot be used in the same request",
        ),
        (
            {
                "Filters": [
                    {"Key": "PingStatus", "Values": ["Online"]},
                    {"Key": "tag:role", "Values": ["web"]},
                ]
            },
            "ValidationException",
            "Cannot mix tag or inventory filter with any other filter.",
        ),
        (
            {"Filters": [{"Key": "ResourceType", "Values": ["EC2Instance", "ManagedInstance"]}]},
            "InvalidInstanceInformationFilterValue",
            "ResourceType filter may contain only one value.",
        ),
        (
            {"Filters": [{"Key": "ResourceType", "Values": ["Document"]}]},
            "InvalidInstanceInformationFilterValue",
            "ResourceType filter is invalid, valid values are EC2Instance, ManagedInstance",
        ),
        ({"Filters": [{"Key": "Colour", "Values": ["x"]}]}, "InvalidFilterKey", "Colour"),
        (
            {"Filters": [{"Key": "InstanceIds", "Values": ["i-0000000000000000f"]}]},
            "InvalidInstanceId",
            "i-0000000000000000f",
        ),  # D-INF-3
    ]
    for request, code, text in cases:
        with pytest.raises(ssm.exceptions.ClientError) as info:
            ssm.describe_instance_information(**request)
        assert error_code(info) == code, request
        assert text in info.value.response["Error"]["Message"]
        assert code == "ValidationException" or code in declared_errors(
            "DescribeInstanceInformation"
        )


def test_pages_of_ten_by_default_and_the_paginator_D_INF_5(stub: AssociationStub, ssm: Any) -> None:
    for n in range(12):
        stub.add_instance(f"i-1{n:016x}")
    first = ssm.describe_instance_information()
    assert len(first["InstanceInformationList"]) == 10 and "NextToken" in first
    rest = ssm.describe_instance_information(NextToken=first["NextToken"], MaxResults=50)
    assert len(rest["InstanceInformationList"]) == 5 and "NextToken" not in rest
    pages = ssm.get_paginator("describe_instance_information").paginate(
        PaginationConfig={"PageSize": 5}
    )
    assert [len(p["InstanceInformationList"]) for p in pages] == [5, 5, 5]
    with pytest.raises(ssm.exceptions.InvalidNextToken):
        ssm.describe_instance_information(NextToken="nonsense")


def test_moto_instances_are_described_too() -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), AssociationStub() as stub:
        ec2 = boto3.client("ec2", region_name=REGION)
        ssm = boto3.client("ssm", region_name=REGION)
        launched = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
        instance = launched["Instances"][0]
        stub.add_instance(WEB)
        items = describe(ssm)
        assert ids(items) == [WEB, instance["InstanceId"]]
        moto_item = items[1]
        assert moto_item["IPAddress"] == instance["PrivateIpAddress"]
        assert moto_item["ComputerName"] == instance["PrivateDnsName"]
        ec2.stop_instances(InstanceIds=[instance["InstanceId"]])
        assert ids(describe(ssm)) == [WEB]  # stopped nodes are not returned
