"""The Overview before a run begins and the legacy lifecycle (D-ST-1), unknown nodes (D-CRT-3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ssm_assoc_stub import AssociationStub

START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
NODE = "i-0123456789abcdef0"
WEB = [{"Key": "tag:role", "Values": ["web"]}]
CREATING = {"Status": "Pending", "DetailedStatus": "Creating"}
ASSOCIATED = {
    "Status": "Pending",
    "DetailedStatus": "Associated",
    "AssociationStatusAggregatedCount": {"Pending": 1},
}


@pytest.fixture
def manual() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression="manual") as stub:
        yield stub


@pytest.fixture
def ssm(manual: AssociationStub) -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def overview(ssm: Any, aid: str) -> dict[str, Any]:
    return ssm.describe_association(AssociationId=aid)["AssociationDescription"]["Overview"]  # type: ignore[no-any-return]


def listed(ssm: Any, aid: str) -> dict[str, Any]:
    (item,) = [a for a in ssm.list_associations()["Associations"] if a["AssociationId"] == aid]
    return item["Overview"]  # type: ignore[no-any-return]


# -- D-ST-1, sharpened: the run begins once the clock moves -----------------------------------
def test_reads_show_creating_until_the_clock_moves_D_ST_1(
    manual: AssociationStub, ssm: Any
) -> None:
    manual.add_instance(NODE, tags={"role": "web"})
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)["AssociationDescription"][
        "AssociationId"
    ]
    assert overview(ssm, aid) == listed(ssm, aid) == CREATING
    assert manual.executions(aid) == ()
    assert ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"] == []
    manual.advance(timedelta(milliseconds=500))  # the run began at the create's instant
    (running,) = manual.executions(aid)
    assert running.created_time == START and running.status == "InProgress"
    assert overview(ssm, aid)["DetailedStatus"] == "InProgress"
    manual.advance(1)
    assert overview(ssm, aid)["Status"] == "Success"


def test_an_update_shows_creating_until_the_clock_moves_D_ST_1(
    manual: AssociationStub, ssm: Any
) -> None:
    manual.add_instance(NODE, tags={"role": "web"})
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)["AssociationDescription"][
        "AssociationId"
    ]
    manual.settle()  # settle begins the waiting run and finishes it
    assert overview(ssm, aid)["Status"] == "Success"
    manual.advance(60)
    updated = ssm.update_association(AssociationId=aid, Targets=WEB)["AssociationDescription"]
    assert updated["Overview"] == overview(ssm, aid) == listed(ssm, aid) == CREATING
    assert len(manual.executions(aid)) == 1
    manual.settle()
    assert len(manual.executions(aid)) == 2
    assert manual.executions(aid)[-1].created_time == START + timedelta(seconds=61)


def test_two_triggers_at_one_instant_begin_one_run_of_the_latest_version_D_ST_1(
    manual: AssociationStub, ssm: Any
) -> None:
    manual.add_instance(NODE, tags={"role": "web"})
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)["AssociationDescription"][
        "AssociationId"
    ]
    ssm.update_association(AssociationId=aid, Targets=WEB)
    manual.settle()
    (execution,) = manual.executions(aid)
    assert execution.association_version == "2"


def test_a_deleted_association_never_begins_its_run_D_ST_1(
    manual: AssociationStub, ssm: Any
) -> None:
    manual.add_instance(NODE, tags={"role": "web"})
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)["AssociationDescription"][
        "AssociationId"
    ]
    ssm.delete_association(AssociationId=aid)
    manual.advance(3600)
    assert manual.backend.engine.snapshot(aid) is None


def test_the_default_progression_runs_at_once_D_ST_1() -> None:
    with AssociationStub(start_time=START) as stub:
        stub.add_instance(NODE, tags={"role": "web"})
        ssm = boto3.client("ssm", region_name="eu-west-1")
        created = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)
        desc = created["AssociationDescription"]
        assert desc["Overview"] == CREATING  # the call's own answer
        assert overview(ssm, desc["AssociationId"])["Status"] == "Success"
        assert stub.executions(desc["AssociationId"])[-1].created_time == START


# -- D-ST-1: legacy InstanceId associations ----------------------------------------------------
def test_legacy_reads_pending_associated_until_the_node_reports_D_ST_1(
    manual: AssociationStub, ssm: Any
) -> None:
    manual.add_instance(NODE)
    manual.set_outcome(NODE, "Failed", duration=30)
    desc = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)[
        "AssociationDescription"
    ]
    aid = desc["AssociationId"]
    assert desc["Overview"] == CREATING  # golden create-association-ex1
    assert overview(ssm, aid) == listed(ssm, aid) == ASSOCIATED
    (info,) = ssm.describe_instance_associations_status(InstanceId=NODE)[
        "InstanceAssociationStatusInfos"
    ]
    assert (info["Status"], info["DetailedStatus"]) == ("Pending", "Associated")
    manual.advance(10)  # the run is in progress: the node has not reported yet
    assert manual.executions(aid)[-1].status == "InProgress"
    assert overview(ssm, aid) == listed(ssm, aid) == ASSOCIATED
    (info,) = ssm.describe_instance_associations_status(InstanceId=NODE)[
        "InstanceAssociationStatusInfos"
    ]
    assert (info["Status"], info["DetailedStatus"]) == ("Pending", "Associated")
    manual.advance(30)  # the node reports
    assert overview(ssm, aid) == {
        "Status": "Failed",
        "DetailedStatus": "Failed",
        "AssociationStatusAggregatedCount": {"Failed": 1},
    }
    (info,) = ssm.describe_instance_associations_status(InstanceId=NODE)[
        "InstanceAssociationStatusInfos"
    ]
    assert info["Status"] == "Failed"


def test_legacy_status_update_keeps_the_associated_overview_D_ST_1(
    manual: AssociationStub, ssm: Any
) -> None:
    # golden historical/2017-update-association-status: the Overview is unchanged.
    manual.add_instance(NODE)
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)
    answer = ssm.update_association_status(
        Name="AWS-UpdateSSMAgent",
        InstanceId=NODE,
        AssociationStatus={"Date": START, "Name": "Pending", "Message": "temp"},
    )
    assert answer["AssociationDescription"]["Overview"] == ASSOCIATED


# -- D-CRT-3: a legacy association needs a known node ----------------------------------------
def test_legacy_association_on_an_unknown_node_is_invalid_instance_id_D_CRT_3(
    manual: AssociationStub, ssm: Any
) -> None:
    before = manual.backend.state_snapshot()
    with pytest.raises(ClientError) as info:
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)
    error = info.value.response["Error"]
    assert error["Code"] == "InvalidInstanceId" and NODE in error["Message"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert manual.backend.state_snapshot() == before
    assert not manual.backend.fleet.known(NODE)  # nothing was added


def test_batch_entry_on_an_unknown_node_fails_alone_D_CRT_3(
    manual: AssociationStub, ssm: Any
) -> None:
    manual.add_instance(NODE)
    unknown = "i-0fedcba9876543210"
    answer = ssm.create_association_batch(
        Entries=[
            {"Name": "AWS-UpdateSSMAgent", "InstanceId": NODE},
            {"Name": "AWS-UpdateSSMAgent", "InstanceId": unknown},
        ]
    )
    (failed,) = answer["Failed"]
    assert failed["Entry"]["InstanceId"] == unknown and unknown in failed["Message"]
    assert [s["InstanceId"] for s in answer["Successful"]] == [NODE]


def test_targets_associations_never_check_their_nodes_D_CRT_3(
    manual: AssociationStub, ssm: Any
) -> None:
    unknown = [{"Key": "InstanceIds", "Values": ["i-0fedcba9876543210"]}]
    ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=unknown)


def test_a_node_a_fleet_source_knows_is_known_D_CRT_3(manual: AssociationStub, ssm: Any) -> None:
    # The hook the moto bridge uses for moto's EC2 instances: one "is this node known?" query.
    elsewhere = {NODE: ({"role": "web"}, "Linux")}
    manual.backend.fleet.add_source(elsewhere.get)
    assert manual.backend.fleet.known(NODE)
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODE)[
        "AssociationDescription"
    ]["AssociationId"]
    manual.settle()
    assert list(manual.executions(aid)[-1].targets) == [NODE]
    node = manual.backend.fleet.get(NODE)
    assert node is not None and dict(node.tags) == {"role": "web"}
