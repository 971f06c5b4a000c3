"""The three entry points and the binding rule (docs/usage.md, docs/plugin.md).

Run with ``python -m pytest docs/examples/entry_points_test.py`` (in a checkout of
ssm_assoc_stub itself add ``-p ssm_assoc_stub.plugin``).
"""

from __future__ import annotations

import unittest
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest

from ssm_assoc_stub import AssociationStub, StubStateError, current_stub

REGION = "eu-west-1"
HELLO = {"Name": "AWS-UpdateSSMAgent", "Targets": [{"Key": "InstanceIds", "Values": ["i-1"]}]}


# -- context manager ---------------------------------------------------------------
def test_every_client_created_inside_the_block_is_bound() -> None:
    with AssociationStub() as stub:
        clients = [
            boto3.client("ssm", region_name=REGION),
            boto3.Session().client("ssm", region_name=REGION),
            botocore.session.get_session().create_client("ssm", region_name=REGION),
        ]
        for ssm in clients:
            ssm.create_association(**HELLO)
    assert len(stub.calls_to("CreateAssociation")) == 3


# made at import, as a Lambda handler's module does (test keys: making a client with no
# credentials at all, outside any stub, makes botocore look for them on the network)
MODULE_SSM = boto3.client(
    "ssm", region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
)


def test_a_client_created_earlier_is_answered_too() -> None:
    with AssociationStub() as stub:
        MODULE_SSM.create_association(**HELLO)  # answered by the current stub
    assert stub.calls[0].operation == "CreateAssociation"


def test_a_client_from_an_earlier_block_is_refused() -> None:
    with AssociationStub():
        ssm = boto3.client("ssm", region_name=REGION)
    with AssociationStub(), pytest.raises(StubStateError, match="has stopped"):
        ssm.list_associations()  # it would otherwise see another stub's state
    with AssociationStub(clients=[ssm]) as lent:  # passed in: this stub's, fresh state
        assert ssm.list_associations()["Associations"] == []
    assert len(lent.calls) == 1


def test_nested_stubs_answer_their_own_clients() -> None:
    with AssociationStub() as outer:
        first = boto3.client("ssm", region_name=REGION)
        with AssociationStub() as inner:
            second = boto3.client("ssm", region_name=REGION)  # the innermost stub binds it
            assert current_stub() is inner
            second.create_association(**HELLO)
        first.create_association(**HELLO)
    assert (len(outer.calls), len(inner.calls)) == (1, 1)


def test_reentering_an_active_stub_is_an_error() -> None:
    stub = AssociationStub()
    with stub, pytest.raises(StubStateError, match="already active"), stub:
        pass


# -- decorator ---------------------------------------------------------------------
@AssociationStub(update_semantics="merge")
def test_a_decorated_function_gets_a_fresh_stub_per_call() -> None:
    stub = current_stub()
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.create_association(**HELLO)
    assert len(stub.calls) == 1


@AssociationStub
def test_the_bare_decorator() -> None:
    boto3.client("ssm", region_name=REGION).create_association(**HELLO)
    assert len(current_stub().calls) == 1


@pytest.fixture
@AssociationStub(strict_fleet=True)
def fleet() -> Iterator[Any]:
    stub = current_stub()  # active from the fixture's set-up to its teardown
    stub.add_instance("i-0123456789abcdef0", tags={"role": "web"})
    yield stub
    assert stub.calls  # teardown still sees the test's calls


def test_a_decorated_generator_fixture(fleet: AssociationStub) -> None:
    created = boto3.client("ssm", region_name=REGION).create_association(
        Name="AWS-RunShellScript",
        Targets=[{"Key": "tag:role", "Values": ["web"]}],
        Parameters={"commands": ["uptime"]},
    )
    aid = created["AssociationDescription"]["AssociationId"]
    assert fleet.executions(aid)[0].status == "Success"


def test_results_stay_readable_after_the_block() -> None:
    with AssociationStub() as stub:
        ssm = boto3.client("ssm", region_name=REGION)
        aid = ssm.create_association(**HELLO)["AssociationDescription"]["AssociationId"]
    assert [execution.status for execution in stub.executions(aid)] == ["Success"]
    assert stub.now >= stub.executions(aid)[0].ended_time


@AssociationStub()
class RolloutTests(unittest.TestCase):
    """Each test gets a fresh start of the stub, from setUp to the last cleanup."""

    def setUp(self) -> None:
        self.ssm = boto3.client("ssm", region_name=REGION)  # bound: the stub is running

    def test_create(self) -> None:
        self.ssm.create_association(**HELLO)
        self.assertEqual(len(current_stub().calls), 1)

    def test_starts_empty(self) -> None:
        self.assertEqual(self.ssm.list_associations()["Associations"], [])


# -- pytest fixture and marker ------------------------------------------------------
def test_the_fixture(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.create_association(**HELLO)
    assert ssm_assoc_stub is current_stub()


@pytest.mark.ssm_assoc_stub(strict_fleet=True, progression="manual")
def test_the_marker_passes_options(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    with pytest.raises(ssm.exceptions.InvalidInstanceId):  # strict: unknown nodes are refused
        ssm.describe_instance_associations_status(InstanceId="i-0123456789abcdef0")
