"""moto as the rest of AWS (issue 9 item 1): operations, documents and instances.

Everything the stub reads from moto goes through public AWS calls, so the same
works against a moto server on a loopback port (the last tests).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub, NoTargetsWarning

moto = pytest.importorskip("moto")

REGION = "eu-west-1"
WEB = [{"Key": "tag:role", "Values": ["web"]}]
CHECKED = {
    "schemaVersion": "2.2",
    "description": "A document of the test's own, made in moto",
    "parameters": {
        "Level": {"type": "String", "allowedValues": ["low", "high"]},
        "Note": {"type": "String", "default": ""},
    },
    "mainSteps": [
        {
            "action": "aws:runShellScript",
            "name": "run",
            "inputs": {"runCommand": ["harden --level {{ Level }}"]},
        }
    ],
}
YAML_DOCUMENT = """\
schemaVersion: '2.2'
description: YAML content
parameters:
  Target:
    type: String
    description: required, no default
mainSteps:
  - action: aws:runShellScript
    name: run
    inputs:
      runCommand:
        - echo {{ Target }}
"""


def launch(ec2: Any, count: int = 1, **tags: str) -> list[str]:
    pairs = [{"Key": k, "Value": v} for k, v in tags.items()]
    extra = {"TagSpecifications": [{"ResourceType": "instance", "Tags": pairs}]} if pairs else {}
    answer = ec2.run_instances(ImageId="ami-12345678", MinCount=count, MaxCount=count, **extra)
    return [instance["InstanceId"] for instance in answer["Instances"]]


@pytest.fixture
def aws() -> Iterator[tuple[AssociationStub, Any, Any]]:
    """moto outside, the stub inside: the usual nesting."""
    with moto.mock_aws(), AssociationStub() as stub:
        yield stub, boto3.client("ssm", region_name=REGION), boto3.client("ec2", region_name=REGION)


def targets_of(stub: AssociationStub, association_id: str) -> list[str]:
    return list(stub.executions(association_id)[-1].targets)


# -- operations the stub does not emulate ------------------------------------------------
def _moto_then_stub(body: Callable[[AssociationStub], None]) -> None:
    with moto.mock_aws(), AssociationStub() as stub:
        body(stub)


def _stub_then_moto(body: Callable[[AssociationStub], None]) -> None:
    with AssociationStub() as stub, moto.mock_aws():
        body(stub)


def _decorators_moto_outside(body: Callable[[AssociationStub], None]) -> None:
    @moto.mock_aws
    @AssociationStub()
    def test() -> None:
        body(current())

    test()


def _decorators_stub_outside(body: Callable[[AssociationStub], None]) -> None:
    @AssociationStub()
    @moto.mock_aws
    def test() -> None:
        body(current())

    test()


def current() -> AssociationStub:
    from ssm_assoc_stub import current_stub

    return current_stub()


@pytest.mark.parametrize(
    "nesting",
    [_moto_then_stub, _stub_then_moto, _decorators_moto_outside, _decorators_stub_outside],
)
def test_other_operations_go_on_to_moto_without_passthrough(
    nesting: Callable[[Callable[[AssociationStub], None]], None],
) -> None:
    def body(stub: AssociationStub) -> None:
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(Name="/app/colour", Value="blue", Type="String")  # moto
        assert ssm.get_parameter(Name="/app/colour")["Parameter"]["Value"] == "blue"
        ssm.create_association(  # the stub
            Name="AWS-RunShellScript",
            Parameters={"commands": ["true"]},
            Targets=[{"Key": "InstanceIds", "Values": ["i-0123456789abcdef0"]}],
        )
        assert [c.operation for c in stub.calls] == ["CreateAssociation"]

    nesting(body)


def test_after_moto_stops_other_operations_fail_loudly_again() -> None:
    from ssm_assoc_stub import UnsupportedOperationError

    with AssociationStub():
        with moto.mock_aws():
            ssm = boto3.client("ssm", region_name=REGION)  # moto's fake credentials
            ssm.put_parameter(Name="/p", Value="v", Type="String")
        with pytest.raises(UnsupportedOperationError, match="no moto mock_aws is active"):
            ssm.get_parameter(Name="/p")


def test_the_bridges_own_clients_are_never_bound(aws: tuple[AssociationStub, Any, Any]) -> None:
    from ssm_assoc_stub._binding import hooks
    from ssm_assoc_stub._bridge.clients import bridge_client

    stub, ssm, _ = aws
    ours = bridge_client("ssm", REGION, None)
    assert hooks.hook(ours) is False  # never given the stub's handlers
    ours.put_parameter(Name="/seen-by-moto", Value="1", Type="String")
    assert ssm.get_parameter(Name="/seen-by-moto")["Parameter"]["Value"] == "1"
    assert stub.calls == ()


# -- documents -----------------------------------------------------------------------------
def test_a_document_made_in_moto_is_checked_like_a_catalogue_one(
    aws: tuple[AssociationStub, Any, Any],
) -> None:
    stub, ssm, _ = aws
    ssm.create_document(Name="Acme-Harden", Content=json.dumps(CHECKED), DocumentType="Command")
    stub.add_instance("i-0123456789abcdef0", tags={"role": "web"})
    created = ssm.create_association(
        Name="Acme-Harden", Targets=WEB, Parameters={"Level": ["high"]}
    )
    assert created["AssociationDescription"]["Name"] == "Acme-Harden"
    with pytest.raises(ssm.exceptions.InvalidParameters) as info:
        ssm.create_association(Name="Acme-Harden", Targets=WEB, Parameters={"Level": ["max"]})
    assert info.value.response["Error"]["Message"] == (
        'Parameter "Level" has a value not found in [low, high].'
    )
    with pytest.raises(ssm.exceptions.InvalidParameters, match='"Level" requires a value'):
        ssm.create_association(Name="Acme-Harden", Targets=WEB)
    with pytest.raises(ssm.exceptions.InvalidParameters, match='"Colour" is not defined'):
        ssm.create_association(
            Name="Acme-Harden", Targets=WEB, Parameters={"Level": ["low"], "Colour": ["red"]}
        )
    content = ssm.describe_effective_instance_associations(InstanceId="i-0123456789abcdef0")
    assert json.loads(content["Associations"][0]["Content"])["parameters"]["Level"] == {
        "type": "String",
        "allowedValues": ["low", "high"],
    }


def test_a_yaml_document_and_its_versions(aws: tuple[AssociationStub, Any, Any]) -> None:
    stub, ssm, _ = aws
    ssm.create_document(
        Name="Acme-Yaml", Content=YAML_DOCUMENT, DocumentType="Command", DocumentFormat="YAML"
    )
    version_2 = YAML_DOCUMENT.replace("description: required, no default", "default: all")
    ssm.update_document(
        Name="Acme-Yaml", Content=version_2, DocumentFormat="YAML", DocumentVersion="$LATEST"
    )
    stub.add_instance("i-0123456789abcdef0", tags={"role": "web"})
    # the default version (1) requires Target; version 2 and $LATEST give it a default
    with pytest.raises(ssm.exceptions.InvalidParameters, match='"Target" requires a value'):
        ssm.create_association(Name="Acme-Yaml", Targets=WEB)
    for selector in ("2", "$LATEST"):
        ssm.create_association(Name="Acme-Yaml", Targets=WEB, DocumentVersion=selector)
    with pytest.raises(ssm.exceptions.InvalidDocumentVersion):
        ssm.create_association(Name="Acme-Yaml", Targets=WEB, DocumentVersion="3")
    # moving the default version in moto is seen at the next call
    ssm.update_document_default_version(Name="Acme-Yaml", DocumentVersion="2")
    ssm.create_association(Name="Acme-Yaml", Targets=WEB)


def test_schema_and_platform_of_a_moto_document_are_checked(
    aws: tuple[AssociationStub, Any, Any],
) -> None:
    stub, ssm, ec2 = aws
    windows_only = {
        **CHECKED,
        "mainSteps": [
            {"action": "aws:runPowerShellScript", "name": "run", "inputs": {"runCommand": ["x"]}}
        ],
    }
    ssm.create_document(
        Name="Acme-Windows", Content=json.dumps(windows_only), DocumentType="Command"
    )
    # moto reports no platform types; the stub reads them off the plugins, as AWS does
    (linux,) = launch(ec2)
    # schema 2.2 cannot be associated by InstanceId, whatever the platform
    with pytest.raises(ssm.exceptions.InvalidDocument, match="schema version, 2.2"):
        ssm.create_association(Name="Acme-Windows", InstanceId=linux)
    legacy = {
        "schemaVersion": "1.2",
        "description": "legacy",
        "parameters": {},
        "runtimeConfig": {
            "aws:runPowerShellScript": {"properties": [{"id": "0", "runCommand": ["x"]}]}
        },
    }
    ssm.create_document(Name="Acme-Legacy", Content=json.dumps(legacy), DocumentType="Command")
    with pytest.raises(ssm.exceptions.UnsupportedPlatformType, match=linux):
        ssm.create_association(Name="Acme-Legacy", InstanceId=linux)
    assert stub.calls[-1].error is not None


def test_an_unknown_custom_document_says_where_it_could_come_from(
    aws: tuple[AssociationStub, Any, Any],
) -> None:
    _, ssm, _ = aws
    with pytest.raises(ssm.exceptions.InvalidDocument) as info:
        ssm.create_association(Name="Acme-Missing", Targets=WEB)
    message = info.value.response["Error"]["Message"]
    assert message.startswith("Document Acme-Missing does not exist.")
    assert 'stub.add_document("Acme-Missing"' in message and "mock_aws" in message


# -- instances -------------------------------------------------------------------------------
def test_running_moto_instances_are_the_fleet_with_their_tags(
    aws: tuple[AssociationStub, Any, Any],
) -> None:
    stub, ssm, ec2 = aws
    web = launch(ec2, 2, role="web")
    launch(ec2, 1, role="db")
    stub.add_instance("i-0000000000000000a", tags={"role": "web"})
    aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)["AssociationDescription"]
    # registration order: the node added first, then moto's in the order the stub saw
    # them, i.e. launch order (D-RC-10, D-MOTO-2)
    association_id = aid["AssociationId"]
    assert targets_of(stub, association_id) == ["i-0000000000000000a", *web]
    statuses = ssm.describe_instance_associations_status(InstanceId=web[0])
    assert statuses["InstanceAssociationStatusInfos"][0]["Status"] == "Success"


def test_stopped_and_terminated_instances_are_not_targets(
    aws: tuple[AssociationStub, Any, Any],
) -> None:
    stub, ssm, ec2 = aws
    first, second, third = launch(ec2, 3, role="web")
    ec2.stop_instances(InstanceIds=[first])
    ec2.terminate_instances(InstanceIds=[second])
    by_tag = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)[
        "AssociationDescription"
    ]
    assert targets_of(stub, by_tag["AssociationId"]) == [third]
    # named by id: still not a target (it is a known, stopped instance, not a new node)
    with pytest.warns(NoTargetsWarning, match="ran on no node"):
        by_id = ssm.create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "InstanceIds", "Values": [first]}]
        )["AssociationDescription"]
    assert targets_of(stub, by_id["AssociationId"]) == []
    ec2.start_instances(InstanceIds=[first])
    assert list(stub.run(by_id["AssociationId"]).targets) == [first]


def test_tag_changes_are_seen_at_the_next_call(aws: tuple[AssociationStub, Any, Any]) -> None:
    stub, ssm, ec2 = aws
    (node,) = launch(ec2, 1, role="db")
    with pytest.warns(NoTargetsWarning, match="no node"):
        aid = ssm.create_association(
            Name="AWS-UpdateSSMAgent", Targets=WEB, ScheduleExpression="rate(1 day)"
        )["AssociationDescription"]["AssociationId"]
    ec2.create_tags(Resources=[node], Tags=[{"Key": "role", "Value": "web"}])
    status = ssm.describe_instance_associations_status(InstanceId=node)
    assert [s["AssociationId"] for s in status["InstanceAssociationStatusInfos"]] == [aid]
    ssm.start_associations_once(AssociationIds=[aid])
    assert targets_of(stub, aid) == [node]
    ec2.delete_tags(Resources=[node], Tags=[{"Key": "role"}])
    before = len(stub.executions(aid))
    with pytest.warns(NoTargetsWarning, match="ran on no node"):
        stub.advance(86_400)  # the scheduled run asks moto again
    assert len(stub.executions(aid)) == before + 1
    assert targets_of(stub, aid) == []


def test_a_legacy_association_on_a_moto_instance(aws: tuple[AssociationStub, Any, Any]) -> None:
    stub, ssm, ec2 = aws
    (node,) = launch(ec2)
    ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=node)
    listed = ssm.list_associations(AssociationFilterList=[{"key": "InstanceId", "value": node}])
    assert len(listed["Associations"]) == 1


def test_without_moto_its_instances_are_gone() -> None:
    with AssociationStub() as stub:
        with moto.mock_aws():
            ssm = boto3.client("ssm", region_name=REGION)
            ec2 = boto3.client("ec2", region_name=REGION)
            launch(ec2, 1, role="web")
            aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)[
                "AssociationDescription"
            ]["AssociationId"]
            assert len(targets_of(stub, aid)) == 1
        with pytest.warns(NoTargetsWarning):
            ssm.start_associations_once(AssociationIds=[aid])
        assert targets_of(stub, aid) == []


# -- a moto server on a loopback port ------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    server_module = pytest.importorskip("moto.server", reason="needs moto[server]")
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_a_moto_server_is_the_rest_of_aws_too(moto_server: str) -> None:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=moto_server,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    with AssociationStub() as stub:
        ssm, ec2 = client("ssm"), client("ec2")
        web = launch(ec2, 2, role="web")
        ssm.create_document(Name="Acme-Harden", Content=json.dumps(CHECKED), DocumentType="Command")
        ssm.put_parameter(Name="/server/colour", Value="green", Type="String")  # the server's
        assert ssm.get_parameter(Name="/server/colour")["Parameter"]["Value"] == "green"
        aid = ssm.create_association(
            Name="Acme-Harden", Targets=WEB, Parameters={"Level": ["low"]}
        )["AssociationDescription"]["AssociationId"]
        assert targets_of(stub, aid) == web
        with pytest.raises(ssm.exceptions.InvalidParameters):
            ssm.create_association(Name="Acme-Harden", Targets=WEB)
        ec2.terminate_instances(InstanceIds=web)
    assert [c.operation for c in stub.calls] == ["CreateAssociation", "CreateAssociation"]


def test_moto_imported_but_not_active_costs_no_question_per_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # moto imported, no mock_aws: its botocore stubber is off, so the bridge asks nothing
    # (no STS call per SSM call); with mock_aws active it asks, and moto's instances join.
    from ssm_assoc_stub._bridge import moto as bridge

    asked: list[str] = []
    real = bridge.bridge_client

    def counting(service: str, *args: Any) -> Any:
        asked.append(service)
        return real(service, *args)

    monkeypatch.setattr(bridge, "bridge_client", counting)
    with AssociationStub() as stub:
        ssm = boto3.client("ssm", region_name=REGION)
        stub.add_instance("i-0123456789abcdef0", tags={"role": "web"})
        aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)[
            "AssociationDescription"
        ]["AssociationId"]
        ssm.describe_association(AssociationId=aid)
    assert asked == []
    with moto.mock_aws(), AssociationStub() as stub:
        ssm = boto3.client("ssm", region_name=REGION)
        (node,) = launch(boto3.client("ec2", region_name=REGION), role="web")
        aid = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)[
            "AssociationDescription"
        ]["AssociationId"]
        assert node in stub.executions(aid)[-1].targets
    assert "sts" in asked
