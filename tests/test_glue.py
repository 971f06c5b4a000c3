"""The botocore glue, against real boto3 clients: binding, answering, envelopes.

No credentials exist in these tests (conftest clears them): a bound client is
answered at ``before-call``, before botocore needs any.  To show that a call is
*not* answered by a stub, a test gives the client fake keys and a
``before-send`` handler that raises ``ReachedSend``: the call got past every
stub hook to the point where botocore would use the network.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import pickle
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timezone
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from botocore.stub import Stubber
from botocore.utils import parse_timestamp

from ssm_assoc_stub import AssociationStub, Call, StubStateError, UnsupportedOperationError
from ssm_assoc_stub._binding import glue as glue
from ssm_assoc_stub._service.calls import CallError
from ssm_assoc_stub._service.service import OPERATIONS, Backend

REGION = "eu-west-1"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


class ReachedSend(Exception):
    """Raised by a before-send handler: the call was not answered by any stub."""


def _raise_reached_send(**kwargs: Any) -> None:
    raise ReachedSend


def unanswered_probe(client: Any) -> Any:
    """Make ``client`` able to sign (fake keys) and stop it at before-send."""
    client.meta.events.register("before-send", _raise_reached_send)
    return client


def fake_keys() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def new_ssm(**kwargs: Any) -> Any:
    return boto3.client("ssm", region_name=REGION, **kwargs)


def describe_unknown(client: Any) -> ClientError:
    with pytest.raises(client.exceptions.AssociationDoesNotExist) as info:
        client.describe_association(AssociationId=UNKNOWN_ID)
    return info.value


@pytest.fixture
def canned(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Make ``Backend.handle`` answer a canned dict, and record what it was given."""
    box: dict[str, Any] = {"response": {}, "seen": []}

    def handle(
        self: Backend, region: str, operation: str, body: Mapping[str, Any], **kwargs: Any
    ) -> Any:
        box["seen"].append((region, operation, dict(body)))
        return box["response"]

    monkeypatch.setattr(Backend, "handle", handle)
    yield box


# -- binding -------------------------------------------------------------------
CREATION_PATHS: dict[str, Callable[[], Any]] = {
    "boto3.client": lambda: boto3.client("ssm", region_name=REGION),
    "boto3.Session().client": lambda: boto3.Session().client("ssm", region_name=REGION),
    "botocore create_client": lambda: botocore.session.get_session().create_client(
        "ssm", region_name=REGION
    ),
}


@pytest.mark.parametrize("make", CREATION_PATHS.values(), ids=CREATION_PATHS.keys())
def test_every_creation_path_inside_the_block_is_bound(make: Callable[[], Any]) -> None:
    with AssociationStub() as stub:
        ssm = make()
        error = describe_unknown(ssm)
    assert error.response["Error"]["Code"] == "AssociationDoesNotExist"
    assert [(c.operation, c.region) for c in stub.calls] == [("DescribeAssociation", REGION)]


def test_clients_made_earlier_are_answered_passed_in_or_not() -> None:
    early = new_ssm(**fake_keys())
    other = unanswered_probe(new_ssm(**fake_keys()))
    with AssociationStub(clients=[early]) as stub:
        describe_unknown(early)
        describe_unknown(other)  # made before the stub, not passed in: answered all the same
    assert len(stub.calls) == 2
    with pytest.raises(ReachedSend):
        other.describe_association(AssociationId=UNKNOWN_ID)


def test_a_call_after_exit_reaches_before_send_and_is_not_recorded() -> None:
    with AssociationStub() as stub:
        ssm = unanswered_probe(new_ssm(**fake_keys()))
        describe_unknown(ssm)
    with pytest.raises(ReachedSend):
        ssm.describe_association(AssociationId=UNKNOWN_ID)
    assert len(stub.calls) == 1


@pytest.mark.parametrize("body_raises", [False, True])
def test_the_handlers_are_dormant_after_exit(body_raises: bool) -> None:
    expect: AbstractContextManager[object] = (
        pytest.raises(RuntimeError) if body_raises else nullcontext()
    )
    with expect, AssociationStub():
        ssm = unanswered_probe(new_ssm())
        if body_raises:
            raise RuntimeError("body failed")
    seen: list[str] = []
    for event in ["before-parameter-build.ssm", "before-call.ssm"]:
        ssm.meta.events.register(event, lambda event_name, **kwargs: seen.append(event_name))
    with pytest.raises(ReachedSend):  # the stub's handlers stay, dormant: the call goes on
        ssm.describe_association(AssociationId=UNKNOWN_ID)
    assert seen == [
        "before-parameter-build.ssm.DescribeAssociation",
        "before-call.ssm.DescribeAssociation",
    ]


def test_a_stubber_added_after_exit_answers_the_client() -> None:
    with AssociationStub() as stub:
        ssm = new_ssm()
        describe_unknown(ssm)
    with Stubber(ssm) as stubber:
        stubber.add_response("describe_association", {"AssociationDescription": {"Name": "My-Doc"}})
        answer = ssm.describe_association(AssociationId=UNKNOWN_ID)
    assert answer["AssociationDescription"] == {"Name": "My-Doc"}
    assert len(stub.calls) == 1


def test_a_users_stubber_wins_inside_an_active_stub() -> None:
    # A Stubber the test attaches to one client is the more specific double: its
    # canned replies answer, the stub does not record them, and the stub answers
    # again once the Stubber is gone.
    with AssociationStub() as stub:
        ssm = new_ssm()
        with Stubber(ssm) as stubber:
            stubber.add_response("list_associations", {"Associations": [{"Name": "canned"}]})
            assert ssm.list_associations()["Associations"] == [{"Name": "canned"}]
            stubber.assert_no_pending_responses()
        assert stub.calls == ()
        assert ssm.list_associations()["Associations"] == []
        assert [c.operation for c in stub.calls] == ["ListAssociations"]


def test_the_stub_is_gone_when_the_body_raises() -> None:
    original = botocore.session.Session.create_client
    with pytest.raises(RuntimeError, match="body failed"), AssociationStub() as stub:
        ssm = unanswered_probe(new_ssm(**fake_keys()))
        raise RuntimeError("body failed")
    assert botocore.session.Session.create_client is original  # never patched
    with pytest.raises(ReachedSend):
        ssm.describe_association(AssociationId=UNKNOWN_ID)
    assert stub.calls == ()


def test_a_client_from_an_earlier_block_is_not_bound_to_a_later_stub() -> None:
    with AssociationStub() as first:
        ssm = unanswered_probe(new_ssm(**fake_keys()))
        describe_unknown(ssm)
    with AssociationStub() as second, pytest.raises(StubStateError, match="has stopped"):
        ssm.describe_association(AssociationId=UNKNOWN_ID)
    with AssociationStub(clients=[ssm]) as third:
        describe_unknown(ssm)
    assert (len(first.calls), len(second.calls), len(third.calls)) == (1, 0, 1)


def test_nested_stubs_answer_their_own_clients() -> None:
    with AssociationStub() as outer:
        outer_client = new_ssm()
        with AssociationStub() as inner:
            inner_client = new_ssm()
            describe_unknown(outer_client)  # still the outer stub's
            describe_unknown(inner_client)
            with AssociationStub(clients=[outer_client]) as lender:
                describe_unknown(outer_client)  # bound last to `lender`
            describe_unknown(outer_client)  # back to the outer stub
    assert (len(outer.calls), len(inner.calls), len(lender.calls)) == (2, 1, 1)


@pytest.mark.parametrize("how", ["not installed", "not importable"])
def test_without_aiobotocore_botocore_clients_are_answered_as_ever(
    monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    real_find_spec, real_import = importlib.util.find_spec, importlib.import_module
    asked: list[str] = []

    def find_spec(name: str, *args: Any) -> Any:
        asked.append(name)
        return None if how == "not installed" and name == "aiobotocore" else real_find_spec(name)

    def import_module(name: str, *args: Any) -> Any:
        if how == "not importable" and name.startswith("aiobotocore"):
            raise ImportError(f"cannot import {name}")
        return real_import(name, *args)

    aio = real_import("aiobotocore.client") if real_find_spec("aiobotocore") else None
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(importlib, "import_module", import_module)
    with AssociationStub() as stub:
        describe_unknown(new_ssm())
        if aio is not None:  # loaded, and never patched
            assert not hasattr(aio.AioClientCreator.create_client, "__wrapped__")
    assert not [name for name in asked if name.startswith("aiobotocore")]  # never looked for
    assert len(stub.calls) == 1


def test_other_services_are_never_touched() -> None:
    with AssociationStub() as stub:
        s3 = unanswered_probe(boto3.client("s3", region_name=REGION, **fake_keys()))
        with pytest.raises(ReachedSend):
            s3.list_buckets()
    assert stub.calls == ()


def test_a_non_ssm_client_in_clients_is_a_type_error() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    with pytest.raises(TypeError) as info:
        AssociationStub(clients=[s3])
    assert str(info.value) == (
        "clients= takes SSM clients only, got a 's3' client. Pass clients made with "
        "boto3.client('ssm', ...); clients of other services are never bound."
    )


# -- what is answered ----------------------------------------------------------
# Every emulated operation, as the messages list them (the registry grows).
EMULATED = ", ".join(sorted(Backend.SUPPORTED_OPERATIONS))
SIX = {
    "CreateAssociation",
    "CreateAssociationBatch",
    "DescribeAssociation",
    "ListAssociationVersions",
    "UpdateAssociation",
    "UpdateAssociationStatus",
}


def test_the_emulated_operations_include_the_six_and_not_get_parameter() -> None:
    assert SIX <= Backend.SUPPORTED_OPERATIONS
    assert "GetParameter" not in Backend.SUPPORTED_OPERATIONS


def test_an_unsupported_operation_raises_a_clear_error() -> None:
    with AssociationStub() as stub:
        ssm = new_ssm()
        with pytest.raises(UnsupportedOperationError) as info:
            ssm.get_parameter(Name="p")
    error = info.value
    assert isinstance(error, AssertionError) and isinstance(error, NotImplementedError)
    assert error.operation == "GetParameter"
    assert str(error) == (
        "ssm_assoc_stub does not emulate the SSM operation GetParameter. It emulates: "
        f"{EMULATED}. Nothing else would answer it: no moto mock_aws is active (inside "
        "one, such calls go on to moto by themselves). To send it on anyway, to the network "
        "or a server of your own, use `with AssociationStub(passthrough=True):` or, with "
        "the ssm_assoc_stub fixture, @pytest.mark.ssm_assoc_stub(passthrough=True). "
        "(ssm_assoc_stub.UnsupportedOperationError)"
    )
    assert stub.calls == ()


def test_passthrough_sends_unsupported_operations_on_to_moto() -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), AssociationStub(passthrough=True) as stub:
        ssm = new_ssm()
        ssm.put_parameter(Name="colour", Value="blue", Type="String")
        assert ssm.get_parameter(Name="colour")["Parameter"]["Value"] == "blue"
        describe_unknown(ssm)  # an association call is still the stub's
    assert [c.operation for c in stub.calls] == ["DescribeAssociation"]


def test_the_backend_gets_the_json_body_the_operation_and_the_region(
    canned: dict[str, Any],
) -> None:
    canned["response"] = {"AssociationVersions": []}
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    with AssociationStub():
        ssm = boto3.client("ssm", region_name="ap-south-1")
        ssm.list_association_versions(AssociationId=UNKNOWN_ID)
        canned["response"] = {}
        ssm.update_association_status(
            Name="My-Doc",
            InstanceId="i-0123456789abcdef0",
            AssociationStatus={"Date": when, "Name": "Success", "Message": "m"},
        )
    assert canned["seen"] == [
        ("ap-south-1", "ListAssociationVersions", {"AssociationId": UNKNOWN_ID}),
        (
            "ap-south-1",
            "UpdateAssociationStatus",
            {
                "Name": "My-Doc",
                "InstanceId": "i-0123456789abcdef0",
                "AssociationStatus": {"Date": when.timestamp(), "Name": "Success", "Message": "m"},
            },
        ),
    ]


def test_a_server_side_constraint_failure_is_a_validation_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[Any] = []
    monkeypatch.setitem(OPERATIONS, "DescribeAssociation", lambda *args: seen.append(args))
    with AssociationStub() as stub:
        ssm = new_ssm()
        with pytest.raises(ClientError) as info:
            ssm.describe_association(AssociationId="not-a-uuid")
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert info.value.response["Error"]["Message"].startswith(
        "1 validation error detected: Value 'not-a-uuid' at 'associationId' failed to satisfy"
    )
    assert seen == []  # checked at the boundary: the operation was not reached
    assert stub.calls[0].error is not None and stub.calls[0].error.code == "ValidationException"


# -- envelopes -------------------------------------------------------------------
def reference_error(client: Any, operation: str, status: int, wire: dict[str, str]) -> Any:
    """What botocore makes of a real JSON error response (parser + modelled fields)."""
    model = client.meta.service_model.operation_model(operation)
    raw = {"status_code": status, "headers": {}, "body": json.dumps(wire).encode()}
    parser = create_parser("json")
    parsed = parser.parse(raw, model.output_shape)
    shape = client.meta.service_model.shape_for_error_code(wire["__type"])
    if shape is not None:
        parsed.update(parser.parse(raw, shape))
    return parsed


def without_ids(parsed: dict[str, Any]) -> dict[str, Any]:
    trimmed = copy.deepcopy(parsed)
    metadata = trimmed.pop("ResponseMetadata")
    trimmed["HTTPStatusCode"] = metadata["HTTPStatusCode"]
    return trimmed


def test_the_error_envelope_matches_botocores_parser() -> None:
    with AssociationStub():
        ssm = new_ssm()
        error = describe_unknown(ssm)
    message = error.response["Error"]["Message"]
    expected = reference_error(
        ssm, "DescribeAssociation", 404, {"__type": "AssociationDoesNotExist", "Message": message}
    )
    expected["ResponseMetadata"]["HTTPStatusCode"] = 404
    assert "Message" in expected  # the modelled member botocore injects
    assert without_ids(error.response) == without_ids(expected)


def test_an_error_shape_without_members_gets_no_message_member() -> None:
    with AssociationStub() as stub:
        ssm = new_ssm()
        stub.inject_error("CreateAssociation", "AssociationAlreadyExists", "exists")
        with pytest.raises(ssm.exceptions.AssociationAlreadyExists) as info:
            ssm.create_association(Name="My-Doc", InstanceId="i-0123456789abcdef0")
    expected = reference_error(
        ssm, "CreateAssociation", 400, {"__type": "AssociationAlreadyExists", "Message": "exists"}
    )
    assert "Message" not in info.value.response
    assert without_ids(info.value.response) == without_ids(expected)


def test_response_metadata_looks_like_a_real_responses() -> None:
    with AssociationStub():
        error = describe_unknown(new_ssm())
    metadata = error.response["ResponseMetadata"]
    assert list(metadata) == ["RequestId", "HTTPStatusCode", "HTTPHeaders", "RetryAttempts"]
    assert uuid.UUID(metadata["RequestId"]).version == 4
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (404, 0)
    headers = metadata["HTTPHeaders"]
    assert sorted(headers) == ["content-length", "content-type", "date", "x-amzn-requestid"]
    assert headers["x-amzn-requestid"] == metadata["RequestId"]
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert headers["date"].endswith(" GMT")


def test_timestamps_come_back_as_botocores_parser_makes_them(canned: dict[str, Any]) -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    canned["response"] = {"AssociationDescription": {"Name": "My-Doc", "Date": moment}}
    with AssociationStub():
        answer = new_ssm().describe_association(AssociationId=UNKNOWN_ID)
    date = answer["AssociationDescription"]["Date"]
    reference = parse_timestamp(moment.timestamp())  # what botocore does with epoch numbers
    assert date == moment == reference
    assert type(date.tzinfo) is type(reference.tzinfo)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    body = {"AssociationDescription": {"Name": "My-Doc", "Date": moment.timestamp()}}
    content_length = answer["ResponseMetadata"]["HTTPHeaders"]["content-length"]
    assert int(content_length) == len(json.dumps(body, separators=(",", ":")))


# -- injected errors -------------------------------------------------------------
def test_an_injected_error_raises_the_modelled_class_and_skips_the_backend(
    canned: dict[str, Any],
) -> None:
    canned["response"] = {}
    with AssociationStub() as stub:
        ssm = new_ssm()
        stub.inject_error("UpdateAssociation", "TooManyUpdates", "slow down", count=2)
        for _ in range(2):
            with pytest.raises(ssm.exceptions.TooManyUpdates) as info:
                ssm.update_association(AssociationId=UNKNOWN_ID)
            assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            assert info.value.response["Error"]["Message"] == "slow down"
        ssm.update_association(AssociationId=UNKNOWN_ID)  # the third is answered
    assert len(canned["seen"]) == 1
    assert [c.error for c in stub.calls] == [CallError("TooManyUpdates", "slow down")] * 2 + [None]


def test_throttling_and_unmodelled_codes_are_client_errors() -> None:
    with AssociationStub() as stub:
        ssm = new_ssm()
        stub.inject_error("DescribeAssociation", "ThrottlingException", "Rate exceeded")
        stub.inject_error("DescribeAssociation", "SomethingOdd")
        with pytest.raises(ClientError) as throttled:
            ssm.describe_association(AssociationId=UNKNOWN_ID)
        with pytest.raises(ClientError) as odd:
            ssm.describe_association(AssociationId=UNKNOWN_ID)
        describe_unknown(ssm)
    # botocore 1.43 models ThrottlingException for SSM, so it has a class of its own
    assert type(throttled.value) is ssm.exceptions.from_code("ThrottlingException")
    assert throttled.value.response["Error"] == {
        "Code": "ThrottlingException",
        "Message": "Rate exceeded",
    }
    assert type(odd.value) is ClientError
    assert odd.value.response["Error"] == {
        "Code": "SomethingOdd",
        "Message": "SomethingOdd injected by ssm_assoc_stub",
    }
    assert odd.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_inject_error_names_the_valid_operations() -> None:
    with AssociationStub() as stub, pytest.raises(ValueError) as info:
        stub.inject_error("GetParameter", "ThrottlingException")
    assert str(info.value) == (
        f"inject_error(): unknown operation 'GetParameter'; the stub emulates {EMULATED}"
    )


@pytest.mark.parametrize("count", [0, -1, 1.5, True])
def test_inject_error_needs_a_positive_count(count: Any) -> None:
    with AssociationStub() as stub, pytest.raises(ValueError, match="count must be a positive"):
        stub.inject_error("DescribeAssociation", "ThrottlingException", count=count)


# -- the call record ---------------------------------------------------------------
def test_calls_hold_a_read_only_deep_copy_of_the_params() -> None:
    values = ["i-0123456789abcdef0"]
    targets = [{"Key": "InstanceIds", "Values": values}]
    with AssociationStub() as stub:
        ssm = new_ssm()
        stub.inject_error("CreateAssociation", "InvalidDocument", "no such document")
        with pytest.raises(ssm.exceptions.InvalidDocument):
            ssm.create_association(Name="My-Doc", Targets=targets)
    values.append("i-1")  # the caller's objects may change later
    (call,) = stub.calls
    assert isinstance(call, Call)
    assert call.params == {
        "Name": "My-Doc",
        "Targets": [{"Key": "InstanceIds", "Values": ["i-0123456789abcdef0"]}],
    }
    assert (call.operation, call.region, call.ok, call.response) == (
        "CreateAssociation",
        REGION,
        False,
        None,
    )
    assert call.error == ("InvalidDocument", "no such document")
    with pytest.raises(TypeError, match="read-only"):
        call.params["Name"] = "other"  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        call.params["Targets"][0]["Values"].append("i-2")
    assert copy.deepcopy(call.params) == call.params
    assert pickle.loads(pickle.dumps(call.params)) == call.params


def test_a_successful_call_records_the_parsed_response(canned: dict[str, Any]) -> None:
    canned["response"] = {"AssociationDescription": {"Name": "My-Doc"}}
    with AssociationStub() as stub:
        answer = new_ssm().describe_association(AssociationId=UNKNOWN_ID)
    (call,) = stub.calls
    assert call.ok and call.error is None
    assert call.response == answer
    assert call.params == {"AssociationId": UNKNOWN_ID}
    assert stub.calls_to("DescribeAssociation") == (call,)
    assert stub.calls_to("CreateAssociation") == ()


# -- threads -------------------------------------------------------------------------
def test_concurrent_calls_on_one_shared_client_are_all_answered() -> None:
    per_thread = 10
    start = threading.Barrier(8)

    def work(client: Any) -> list[str]:
        start.wait()
        codes = []
        for _ in range(per_thread):
            try:
                client.describe_association(AssociationId=UNKNOWN_ID)
            except ClientError as error:
                codes.append(error.response["Error"]["Code"])
        return codes

    with AssociationStub() as stub:
        ssm = new_ssm()
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(work, [ssm] * 8))
    assert results == [["AssociationDoesNotExist"] * per_thread] * 8
    assert len(stub.calls) == 8 * per_thread
    assert {call.error.code for call in stub.calls if call.error} == {"AssociationDoesNotExist"}


def test_success_responses_equal_what_botocores_parser_makes_of_them() -> None:
    """The glue builds parsed responses directly (fast path); they must be exactly what
    botocore's JSON parser makes of the same body, for every emulated operation."""
    from ssm_assoc_stub._binding import glue as _glue

    model = botocore.session.get_session().get_service_model("ssm")
    date = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    with AssociationStub(start_time=date, progression="manual") as stub:
        ssm = boto3.client("ssm", region_name="eu-west-1")
        stub.add_instance("i-00000000000000001", tags={"role": "web"})
        aid = ssm.create_association(
            Name="AWS-RunShellScript",
            Parameters={"commands": ["uptime"]},
            Targets=[{"Key": "tag:role", "Values": ["web"]}],
            ScheduleExpression="rate(1 day)",
            OutputLocation={"S3Location": {"OutputS3BucketName": "logs"}},
        )["AssociationDescription"]["AssociationId"]
        ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId="i-00000000000000001")
        stub.advance(5)
        execution = stub.executions(aid)[-1]
        command_id = stub.backend.commands.command_id(execution.execution_id)
        requests = {
            "GetCommandInvocation": {"CommandId": command_id, "InstanceId": "i-00000000000000001"},
            "ListCommandInvocations": {"CommandId": command_id, "Details": True},
            "ListCommands": {},
            "PutComplianceItems": {
                "ResourceId": "i-00000000000000001",
                "ResourceType": "ManagedInstance",
                "ComplianceType": "Association",
                "ExecutionSummary": {"ExecutionTime": 1.7e9, "ExecutionType": "Command"},
                "Items": [{"Id": "manual", "Severity": "HIGH", "Status": "NON_COMPLIANT"}],
            },
            "ListComplianceItems": {"ResourceIds": ["i-00000000000000001"]},
            "ListResourceComplianceSummaries": {},
            "ListComplianceSummaries": {},
            "DescribeAssociation": {"AssociationId": aid},
            "ListAssociationVersions": {"AssociationId": aid},
            "ListAssociations": {},
            "DescribeAssociationExecutions": {"AssociationId": aid},
            "DescribeAssociationExecutionTargets": {
                "AssociationId": aid,
                "ExecutionId": execution.execution_id,
            },
            "DescribeInstanceAssociationsStatus": {"InstanceId": "i-00000000000000001"},
            "DescribeEffectiveInstanceAssociations": {"InstanceId": "i-00000000000000001"},
            "UpdateAssociationStatus": {
                "Name": "AWS-UpdateSSMAgent",
                "InstanceId": "i-00000000000000001",
                "AssociationStatus": {"Date": 1.5e9, "Name": "Failed", "Message": "x"},
            },
            "UpdateAssociation": {
                "AssociationId": aid,
                "Parameters": {"commands": ["uptime"]},
                "MaxConcurrency": "1",
            },
            "CreateAssociation": {"Name": "AWS-HelloWorld", "AssociationName": "hello"},
            "CreateAssociationBatch": {
                "Entries": [{"Name": "AWS-HelloWorld"}, {"Name": "No-Such-Document"}]
            },
            "StartAssociationsOnce": {"AssociationIds": [aid]},
            "AddTagsToResource": {
                "ResourceType": "Association",
                "ResourceId": aid,
                "Tags": [{"Key": "team", "Value": "ops"}],
            },
            "ListTagsForResource": {"ResourceType": "Association", "ResourceId": aid},
            "RemoveTagsFromResource": {
                "ResourceType": "Association",
                "ResourceId": aid,
                "TagKeys": ["team"],
            },
            "DescribeInstanceInformation": {},
            "DeleteAssociation": {"AssociationId": aid},
        }
        assert set(requests) == stub.backend.SUPPORTED_OPERATIONS
        for operation, body in requests.items():
            operation_model = model.operation_model(operation)
            result = stub.backend.handle("eu-west-1", operation, body)
            _, fast = _glue.success_response(operation_model, result, "", date)
            wire = json.dumps(result, default=_glue._encode_timestamp).encode()
            _, slow = _glue._parse(operation_model, 200, wire, "", date, None, _glue.AWSResponse)
            for parsed in (fast, slow):
                parsed.pop("ResponseMetadata")
            assert fast == slow, operation
            assert repr(fast) == repr(slow), operation  # same tzinfo type on every datetime


_TZ_CHECK = """
import random
from datetime import datetime, timedelta, timezone
from ssm_assoc_stub._binding import glue
random.seed(7)
for _ in range(500):
    moment = datetime(1990, 1, 1, tzinfo=timezone.utc) + timedelta(
        milliseconds=random.randrange(2 * 10**12)
    )
    ours, astimezone = glue._as_parsed(moment), moment.astimezone(glue._LOCAL_ZONE)
    assert ours == astimezone and ours.tzinfo is astimezone.tzinfo, (ours, astimezone)
    assert ours.fold == astimezone.fold and repr(ours) == repr(astimezone), (ours, astimezone)
print("fixed" if glue._FIXED_OFFSET is not None else "dst")
"""


@pytest.mark.parametrize(
    ("zone", "kind"), [("UTC", "fixed"), ("Asia/Kolkata", "fixed"), ("Europe/Berlin", "dst")]
)
def test_timestamps_become_tzlocal_as_astimezone_makes_them(zone: str, kind: str) -> None:
    # The fixed-offset shortcut (no DST) and astimezone (DST) give botocore's parser's value.
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _TZ_CHECK],
        env={**os.environ, "TZ": zone},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == kind
