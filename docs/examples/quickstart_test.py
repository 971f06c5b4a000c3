"""The quickstart's tests (docs/quickstart.md): fixture, context manager, decorator.

Run them with ``python -m pytest docs/examples/quickstart_test.py``.  In a checkout
of ssm_assoc_stub itself, whose pytest settings switch the plugin off, add
``-p ssm_assoc_stub.plugin``.  ``tests/test_docs.py`` runs this file.
"""

from __future__ import annotations

import boto3
import pytest

from ssm_assoc_stub import AssociationStub, current_stub

NODE = "i-0123456789abcdef0"


def test_my_first_association(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")  # an ordinary boto3 client

    created = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["echo hello"]},
        Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
        MaxConcurrency="1",
        MaxErrors="0",
    )["AssociationDescription"]

    assert created["AssociationVersion"] == "1"
    assert created["Overview"] == {"Status": "Pending", "DetailedStatus": "Creating"}

    described = ssm.describe_association(AssociationId=created["AssociationId"])
    overview = described["AssociationDescription"]["Overview"]
    assert overview == {
        "Status": "Success",
        "DetailedStatus": "Success",
        "AssociationStatusAggregatedCount": {"Success": 1},
    }
    assert [call.operation for call in ssm_assoc_stub.calls] == [
        "CreateAssociation",
        "DescribeAssociation",
    ]


def test_errors_are_the_modelled_exceptions(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")

    with pytest.raises(ssm.exceptions.InvalidDocument) as error:
        ssm.create_association(
            Name="No-Such-Document", Targets=[{"Key": "tag:role", "Values": ["web"]}]
        )

    message = error.value.response["Error"]["Message"]
    assert message.startswith("Document No-Such-Document does not exist.")  # AWS's words
    assert 'stub.add_document("No-Such-Document"' in message  # then where it could come from
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_with_the_context_manager() -> None:
    with AssociationStub() as stub:
        ssm = boto3.client("ssm", region_name="eu-west-1")  # created inside: bound
        ssm.create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "InstanceIds", "Values": [NODE]}]
        )
        assert stub.calls_to("CreateAssociation")[0].ok
    assert len(stub.calls) == 1  # the record outlives the block


@AssociationStub()
def test_with_the_decorator() -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    ssm.create_association(
        Name="AWS-UpdateSSMAgent", Targets=[{"Key": "InstanceIds", "Values": [NODE]}]
    )
    assert len(current_stub().calls) == 1  # the stub the decorator started
