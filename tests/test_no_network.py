"""Nothing the stub answers opens a socket.

A guard replaces ``socket.socket.connect``/``connect_ex``, ``socket.create_connection``
and ``socket.getaddrinfo`` with functions that record the attempt and raise.
Every operation the backend supports (whatever ``SUPPORTED_OPERATIONS`` holds
when the tests are collected) and the demo run under it; a control test shows
the guard does catch a real client call made without the stub.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from ssm_assoc_stub import AssociationStub
from ssm_assoc_stub._service.service import Backend

REGION = "eu-west-1"
NODE = "i-0123456789abcdef0"
SHELL = {"commands": ["echo hi"]}


class NetworkAttempt(AssertionError):
    """Something tried to reach the network while the guard was on."""


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Forbid sockets; yields the attempts (asserted empty at the end)."""
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
            raise NetworkAttempt(f"{name} called with {args!r}")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield attempts
    assert attempts == [], f"network attempted: {attempts}"


def _setup(stub: AssociationStub, ssm: Any) -> dict[str, str]:
    """An association that ran (so executions exist) and a legacy one; names for requests."""
    stub.add_instance(NODE, tags={"role": "web"})
    stub.add_instance("i-0fedcba987654321f")  # D-CRT-3: a legacy association needs a known node
    created = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters=SHELL,
        Targets=[{"Key": "tag:role", "Values": ["web"]}],
    )
    association_id = created["AssociationDescription"]["AssociationId"]
    ssm.create_association(
        Name="AWS-RunShellScript", InstanceId="i-0fedcba987654321f", Parameters=SHELL
    )
    stub.settle()
    execution_id = stub.executions(association_id)[-1].execution_id
    (target,) = ssm.describe_association_execution_targets(
        AssociationId=association_id, ExecutionId=execution_id
    )["AssociationExecutionTargets"]
    command_id = target["OutputSource"]["OutputSourceId"]  # the run's command (D-CMD-1)
    return {"aid": association_id, "execution": execution_id, "command": command_id}


# Minimal valid requests for the operations known when this was written.
KNOWN: dict[str, Any] = {
    "CreateAssociation": lambda n: {"Name": "AWS-HelloWorld"},
    "CreateAssociationBatch": lambda n: {"Entries": [{"Name": "AWS-HelloWorld"}]},
    "DescribeAssociation": lambda n: {"AssociationId": n["aid"]},
    "ListAssociationVersions": lambda n: {"AssociationId": n["aid"]},
    "UpdateAssociation": lambda n: {"AssociationId": n["aid"], "Parameters": SHELL},
    "UpdateAssociationStatus": lambda n: {
        "Name": "AWS-RunShellScript",
        "InstanceId": "i-0fedcba987654321f",
        "AssociationStatus": {"Date": 1767225600, "Name": "Success", "Message": "done"},
    },
    "DeleteAssociation": lambda n: {"AssociationId": n["aid"]},
    "ListAssociations": lambda n: {},
    "StartAssociationsOnce": lambda n: {"AssociationIds": [n["aid"]]},
    "DescribeAssociationExecutions": lambda n: {"AssociationId": n["aid"]},
    "DescribeAssociationExecutionTargets": lambda n: {
        "AssociationId": n["aid"],
        "ExecutionId": n["execution"],
    },
    "DescribeEffectiveInstanceAssociations": lambda n: {"InstanceId": NODE},
    "DescribeInstanceAssociationsStatus": lambda n: {"InstanceId": NODE},
    "GetCommandInvocation": lambda n: {"CommandId": n["command"], "InstanceId": NODE},
    "PutComplianceItems": lambda n: {
        "ResourceId": NODE,
        "ResourceType": "ManagedInstance",
        "ComplianceType": "Association",
        "ExecutionSummary": {"ExecutionTime": 1767225600},
        "Items": [],
    },
}

# For an operation added later: fill its required members by name, else by type.
_BY_NAME = {
    "AssociationId": "aid",
    "ExecutionId": "execution",
}
_FIXED = {"InstanceId": NODE, "Name": "AWS-RunShellScript"}


def _generated(operation: str, names: dict[str, str]) -> dict[str, Any]:
    model = _client_model().operation_model(operation).input_shape
    request: dict[str, Any] = {}
    for member in model.required_members if model is not None else ():
        kind = model.members[member].type_name
        if member in _BY_NAME:
            request[member] = names[_BY_NAME[member]]
        elif member in _FIXED:
            request[member] = _FIXED[member]
        else:
            request[member] = {"list": [], "map": {}, "structure": {}, "integer": 1}.get(kind, "x")
    return request


def _client_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("ssm")


@pytest.mark.parametrize("operation", sorted(Backend.SUPPORTED_OPERATIONS))
def test_every_supported_operation_stays_off_the_network(operation: str, guard: list[str]) -> None:
    with AssociationStub() as stub:
        ssm = boto3.client("ssm", region_name=REGION)
        names = _setup(stub, ssm)
        build = KNOWN.get(operation)
        request = build(names) if build is not None else _generated(operation, names)
        before = len(stub.calls)
        try:
            getattr(ssm, xform_name(operation))(**request)
        except ParamValidationError as error:
            pytest.skip(
                f"no minimal request known for {operation} (added after this test was "
                f"written) and the generated one {request} fails botocore's checks: {error}"
            )
        except ClientError:
            if build is not None:
                raise  # a known minimal request must succeed
        assert len(stub.calls) == before + 1  # the stub answered it
        assert stub.calls[-1].operation == operation
    assert guard == []


def test_the_demo_stays_off_the_network(guard: list[str]) -> None:
    from ssm_assoc_stub._tools.demo import run_demo

    out = io.StringIO()
    assert run_demo(out) == 0
    assert "no network" in out.getvalue()
    assert guard == []


def test_the_guard_catches_a_call_the_stub_does_not_answer(
    guard: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: without a stub the same client call reaches for the network and is stopped."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    ssm = boto3.client("ssm", region_name=REGION, config=Config(retries={"max_attempts": 0}))
    with pytest.raises(Exception) as caught:  # botocore wraps it (HTTPClientError)
        ssm.list_associations()
    assert guard, f"no socket use recorded; the call ended with {caught.value!r}"
    assert any("ssm.eu-west-1.amazonaws.com" in attempt for attempt in guard), guard
    guard.clear()  # seen: the guard works
