"""A suite written for moto, passing unchanged once the stub's fixture is added (issue 9).

``moto_only`` is the suite as its author wrote it for moto: documents and instances are
made through moto.  The handler is imported at the top of this file, so its module-level
clients exist before moto's ``mock_aws`` or the stub starts, as in any Lambda suite.  The
same tests run twice: with ``ssm_assoc_stub`` added they pass; without it, they fail only
where the handler calls an association operation (moto does not implement them).  Needs moto.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest

moto = pytest.importorskip("moto")

# As moto's documentation asks: fake credentials before the code under test makes its
# clients, so that nothing looks for real ones.  Then the handler, at import, as Lambda does.
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
import lambda_handler  # noqa: E402  # its clients are made here, before any mock or stub

# moto's remedy (its docs) for a client made on a boto3 session created before moto was
# imported, as another test module's import-time client may have done: the stub needs none.
for _client in (lambda_handler.ssm, lambda_handler.ec2):
    moto.core.patch_client(_client)

DOCUMENT = {
    "schemaVersion": "2.2",
    "description": "Harden a web node",
    "parameters": {"Level": {"type": "String", "allowedValues": ["low", "high"]}},
    "mainSteps": [
        {"action": "aws:runShellScript", "name": "harden", "inputs": {"runCommand": ["true"]}}
    ],
}


@pytest.fixture
def moto_only() -> Iterator[ModuleType]:
    """The moto set-up of the original suite: fake AWS, a document, two web instances."""
    with moto.mock_aws():
        ssm = boto3.client("ssm", region_name="eu-west-1")
        ssm.create_document(
            Name="Acme-Harden", Content=json.dumps(DOCUMENT), DocumentType="Command"
        )
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        tags = [{"ResourceType": "instance", "Tags": [{"Key": "role", "Value": "web"}]}]
        ec2.run_instances(ImageId="ami-12345678", MinCount=2, MaxCount=2, TagSpecifications=tags)
        yield lambda_handler


def creates_on_the_web_nodes(lambda_handler: ModuleType) -> None:
    result = lambda_handler.handler(
        {"role": "web", "document": "Acme-Harden", "parameters": {"Level": ["high"]}}
    )
    assert result["status"] == "created" and len(result["targets"]) == 2
    assert lambda_handler.recent_failures(result["association"]) == []


def reports_the_failed_node(lambda_handler: ModuleType, stub: Any) -> None:
    result = lambda_handler.handler(
        {"role": "web", "document": "Acme-Harden", "parameters": {"Level": ["low"]}}
    )
    web2 = result["targets"][1]
    stub.set_outcome(web2, "Failed", output="hardening\n", error="sysctl: denied", exit_code=2)
    stub.run(result["association"])
    assert lambda_handler.recent_failures(result["association"]) == [web2]
    # why the rollout failed: the output of the command behind the failed node's run
    assert lambda_handler.why_it_failed(result["association"]) == {web2: "exit 2: sysctl: denied"}


def test_with_the_stub(moto_only: ModuleType, ssm_assoc_stub: Any) -> None:
    creates_on_the_web_nodes(moto_only)


def test_with_the_stub_a_failure_is_found_by_wall_clock(
    moto_only: ModuleType, ssm_assoc_stub: Any
) -> None:
    reports_the_failed_node(moto_only, ssm_assoc_stub)


def test_with_the_stub_a_bad_parameter_is_refused(
    moto_only: ModuleType, ssm_assoc_stub: Any
) -> None:
    with pytest.raises(moto_only.ssm.exceptions.InvalidParameters):
        moto_only.handler(
            {"role": "web", "document": "Acme-Harden", "parameters": {"Level": ["x"]}}
        )


def test_without_the_stub_only_the_association_call_fails(moto_only: ModuleType) -> None:
    # everything before the association call is moto's and works; that call is not moto's
    with pytest.raises(NotImplementedError, match="create_association"):
        creates_on_the_web_nodes(moto_only)
