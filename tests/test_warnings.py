"""No more silent green tests (issue 9 item 7, D-WARN-1): the stub's own warnings."""

from __future__ import annotations

import warnings
from typing import Any

import boto3
import pytest

import ssm_assoc_stub
from ssm_assoc_stub import AssociationStub, AssociationStubWarning, NoTargetsWarning


def ssm() -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def test_the_categories_are_public_and_filterable() -> None:
    assert issubclass(NoTargetsWarning, AssociationStubWarning)
    assert issubclass(AssociationStubWarning, UserWarning)
    assert ssm_assoc_stub.NoTargetsWarning is NoTargetsWarning
    with AssociationStub(), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=NoTargetsWarning)
        ssm().create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "tag:a", "Values": ["b"]}]
        )
    assert seen == []


def test_a_tag_value_no_node_has_is_named() -> None:  # D-WARN-1
    with AssociationStub() as stub:
        stub.add_instance("i-0123456789abcdef0", tags={"role": "web"})
        with pytest.warns(NoTargetsWarning) as seen:
            ssm().create_association(
                Name="AWS-RunShellScript",
                Parameters={"commands": ["true"]},
                Targets=[{"Key": "tag:role", "Values": ["web", "wbe"]}],
            )
    messages = [str(w.message) for w in seen]
    assert len(messages) == 1 and messages[0].endswith("no managed node has the tag role=wbe.")


def test_no_warning_when_every_target_matches_or_none_is_wanted() -> None:
    with AssociationStub() as stub, warnings.catch_warnings():
        warnings.simplefilter("error")
        stub.add_instance("i-0123456789abcdef0", tags={"role": "web"})
        client = ssm()
        client.create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "tag:role", "Values": ["web"]}]
        )
        client.create_association(Name="AWS-HelloWorld")  # the Automation placeholder
        client.create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "tag-key", "Values": ["role"]}]
        )


def test_as_an_error_the_call_is_done_and_recorded_first() -> None:
    with AssociationStub() as stub, warnings.catch_warnings():
        warnings.simplefilter("error", NoTargetsWarning)
        client = ssm()
        with pytest.raises(NoTargetsWarning, match="ran on no node"):
            client.create_association(
                Name="AWS-UpdateSSMAgent", Targets=[{"Key": "tag:role", "Values": ["none"]}]
            )
        (created,) = client.list_associations()["Associations"]
        assert created["Overview"]["Status"] == "Success"
        assert [c.operation for c in stub.calls] == ["CreateAssociation", "ListAssociations"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ResourceGroup", "web-servers"),
        ("CloudConnector", "cc-0123456789"),
        ("AWS::RDS::DBInstance", "*"),
    ],
)
def test_targets_the_stub_cannot_resolve_say_so_D_WARN_1(key: str, value: str) -> None:
    # A resource group or connector is looked up by AWS; the stub has nothing to look
    # up, so the warning says that instead of suggesting nodes that would not help.
    with AssociationStub() as stub, pytest.warns(NoTargetsWarning) as seen:
        stub.add_instance("i-0123456789abcdef0")
        ssm().create_association(
            Name="AWS-StartEC2Instance",
            AutomationTargetParameterName="InstanceId",
            Targets=[{"Key": key, "Values": [value]}],
        )
    (message,) = [str(w.message) for w in seen]
    assert f"the stub does not resolve {key} targets" in message
    assert "stub.add_instance" not in message
    assert "ParameterValues" in message
