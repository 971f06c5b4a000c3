"""Alarms, change calendars, nodes that join, and compliance (docs/usage.md).

Run with ``python -m pytest docs/examples/safe_deployment_test.py`` (in a checkout of
ssm_assoc_stub itself add ``-p ssm_assoc_stub.plugin``).
"""

from __future__ import annotations

from datetime import timedelta

import boto3

from ssm_assoc_stub import AssociationStub

WEB = [{"Key": "tag:role", "Values": ["web"]}]
SHELL = {"commands": ["systemctl restart app"]}


def test_an_alarm_stops_a_rollout(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    for n in range(1, 5):
        ssm_assoc_stub.add_instance(f"i-{n:017x}", tags={"role": "web"})
    ssm_assoc_stub.set_outcome("*", "Success", duration=60)
    # The alarm fires 90 seconds into the rollout.
    ssm_assoc_stub.set_alarm_state(
        "app-5xx", "ALARM", at=ssm_assoc_stub.now + timedelta(seconds=90)
    )
    aid = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters=SHELL,
        Targets=WEB,
        MaxConcurrency="1",
        AlarmConfiguration={"Alarms": [{"Name": "app-5xx"}]},
    )["AssociationDescription"]["AssociationId"]

    (execution,) = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
    assert execution["Status"] == "Failed"
    assert execution["ResourceCountByStatus"] == "{Cancelled=2, Success=2}"
    assert execution["TriggeredAlarms"] == [{"Name": "app-5xx", "State": "ALARM"}]


def test_a_change_freeze_and_a_node_that_joins(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    ssm_assoc_stub.set_calendar_state("change-freeze", "CLOSED")
    aid = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters=SHELL,
        Targets=WEB,
        CalendarNames=["change-freeze"],
    )["AssociationDescription"]["AssociationId"]
    assert ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"] == []

    ssm_assoc_stub.set_calendar_state("change-freeze", "OPEN")
    ssm_assoc_stub.add_instance("i-0000000000000000a", tags={"role": "web"})
    # The node that joined gets the association applied at once, in a run of its own.
    (joined,) = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
    assert joined["ResourceCountByStatus"] == "{Success=1}"

    items = ssm.list_compliance_items(ResourceIds=["i-0000000000000000a"])["ComplianceItems"]
    assert [(i["ComplianceType"], i["Id"], i["Status"]) for i in items] == [
        ("Association", aid, "COMPLIANT")
    ]
