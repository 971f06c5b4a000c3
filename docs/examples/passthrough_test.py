"""moto's ``mock_aws`` answering what the stub does not emulate (docs/usage.md).

Needs moto (``pip install moto``); skipped without it.  Run with
``python -m pytest docs/examples/passthrough_test.py``.
"""

from __future__ import annotations

import boto3
import pytest

from ssm_assoc_stub import AssociationStub, UnsupportedOperationError

moto = pytest.importorskip("moto")


def test_moto_answers_what_the_stub_does_not() -> None:
    with moto.mock_aws(), AssociationStub() as stub:  # no passthrough=True needed
        ssm = boto3.client("ssm", region_name="eu-west-1")
        ssm.put_parameter(Name="/app/version", Value="1.2.3", Type="String")  # moto
        ssm.create_association(  # the stub
            Name="AWS-RunShellScript",
            Parameters={"commands": ["deploy {{ssm:/app/version}}"]},
            Targets=[{"Key": "tag:role", "Values": ["web"]}],
        )
        assert ssm.get_parameter(Name="/app/version")["Parameter"]["Value"] == "1.2.3"
        ec2 = boto3.client("ec2", region_name="eu-west-1")  # other services: never touched
        assert ec2.describe_instances()["Reservations"] == []
    assert [call.operation for call in stub.calls] == ["CreateAssociation"]


def test_without_passthrough_other_operations_fail_loudly() -> None:
    with AssociationStub():
        ssm = boto3.client("ssm", region_name="eu-west-1")
        with pytest.raises(UnsupportedOperationError, match="GetParameter"):
            ssm.get_parameter(Name="/app/version")
