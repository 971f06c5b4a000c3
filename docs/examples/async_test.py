"""aiobotocore clients, bound like botocore ones (docs/usage.md).

Needs aiobotocore (``pip install "ssm_assoc_stub[async]"``); skipped without it.
Run with ``python -m pytest docs/examples/async_test.py``.
"""

from __future__ import annotations

import asyncio

import pytest

from ssm_assoc_stub import AssociationStub

aiobotocore_session = pytest.importorskip(
    "aiobotocore.session", reason='needs aiobotocore: pip install "ssm_assoc_stub[async]"'
)


async def create_and_describe() -> dict[str, str]:
    session = aiobotocore_session.get_session()
    async with session.create_client("ssm", region_name="eu-west-1") as ssm:  # bound here
        created = await ssm.create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "InstanceIds", "Values": ["i-1"]}]
        )
        aid = created["AssociationDescription"]["AssociationId"]
        described = await ssm.describe_association(AssociationId=aid)
        return described["AssociationDescription"]["Overview"]


def test_an_async_client_created_inside_the_block() -> None:
    with AssociationStub() as stub:
        overview = asyncio.run(create_and_describe())
    assert overview["Status"] == "Success"
    assert [call.operation for call in stub.calls] == ["CreateAssociation", "DescribeAssociation"]
