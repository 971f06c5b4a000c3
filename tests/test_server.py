"""The server mode's HTTP layer: AWS JSON 1.1 on the wire, controls, upstream, CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config

from ssm_assoc_stub import ServerControls
from ssm_assoc_stub._server.testing import started_server

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SHELL = {"commands": ["echo hi"]}
NODE = "i-0123456789abcdef0"
SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/eu-west-2/ssm/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0000"
)
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def server() -> Iterator[tuple[str, ServerControls]]:
    with started_server({"start_time": START}) as running:
        running[1].add_instance(NODE)  # InstanceId associations name a known node
        yield running


def client(url: str, region: str = "eu-west-1") -> Any:
    return boto3.client(
        "ssm",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


def post(url: str, target: str | None, body: bytes, auth: str | None = SIGNED) -> Any:
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target is not None:
        headers["X-Amz-Target"] = target
    if auth is not None:
        headers["Authorization"] = auth
    request = urllib.request.Request(url + "/", data=body, method="POST", headers=headers)
    try:
        response = _DIRECT.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())
    with response:
        return response.status, dict(response.headers), json.loads(response.read())


# -- the wire protocol ---------------------------------------------------------------
def test_success_is_json_1_1_with_epoch_seconds_and_a_request_id_D_SRV_3(server: Any) -> None:
    url, _ = server
    body = json.dumps({"Name": "AWS-RunShellScript", "InstanceId": NODE, "Parameters": SHELL})
    status, headers, answer = post(url, "AmazonSSM.CreateAssociation", body.encode())
    assert status == 200
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["x-amzn-RequestId"])
    description = answer["AssociationDescription"]
    assert description["Date"] == START.timestamp()  # a JSON number, not a string
    assert isinstance(description["Date"], float)
    # D-SRV-3: the Date header is the wall clock (clients correct their clock skew by it).
    assert not headers["Date"].endswith("01 Mar 2026 12:00:00 GMT")


def test_an_error_is_type_and_message_with_the_code_s_status_D_ERR_1_D_SRV_4(server: Any) -> None:
    url, _ = server
    body = json.dumps({"AssociationId": "11111111-2222-3333-4444-555555555555"}).encode()
    status, headers, answer = post(url, "AmazonSSM.DescribeAssociation", body)
    assert status == 404  # D-ERR-1: the *DoesNotExist family is 404
    assert answer == {
        "__type": "AssociationDoesNotExist",
        "message": "Association 11111111-2222-3333-4444-555555555555 does not exist.",
    }
    assert headers["x-amzn-RequestId"]


def test_the_region_is_the_signature_s_credential_scope_D_SRV_1(server: Any) -> None:
    url, controls = server
    body = json.dumps({"Name": "AWS-RunShellScript", "InstanceId": NODE, "Parameters": SHELL})
    post(url, "AmazonSSM.CreateAssociation", body.encode())
    assert [call.region for call in controls.calls] == ["eu-west-2"]
    assert client(url, "eu-west-2").list_associations()["Associations"]
    assert client(url, "us-east-1").list_associations()["Associations"] == []


def test_without_a_signature_the_default_region_answers_D_SRV_1(server: Any) -> None:
    url, controls = server
    post(url, "AmazonSSM.ListAssociations", b"{}", auth=None)
    assert controls.calls[-1].region == "us-east-1"


def test_a_body_that_is_not_a_json_object_is_a_serialization_exception_D_SRV_4(server: Any) -> None:
    url, controls = server
    for body in (b"{not json", b"[1, 2]"):
        status, _, answer = post(url, "AmazonSSM.ListAssociations", body)
        assert status == 400
        assert answer["__type"] == "SerializationException"
    assert controls.calls == ()


def test_a_member_of_the_wrong_json_type_is_the_core_s_validation_clause_D_SRV_4(
    server: Any,
) -> None:
    url, controls = server
    body = json.dumps({"Name": 5, "InstanceId": NODE}).encode()
    status, _, answer = post(url, "AmazonSSM.CreateAssociation", body)
    assert (status, answer["__type"]) == (400, "ValidationException")
    assert "at 'name' failed to satisfy constraint: Member must be a string" in answer["message"]
    assert controls.calls[-1].error is not None  # recorded, as in-process


def test_a_missing_required_member_is_aws_s_validation_clause_D_SRV_4(server: Any) -> None:
    # Clients other than botocore (JavaScript v3, Go v2) send what they are given.
    url, controls = server
    status, _, answer = post(url, "AmazonSSM.UpdateAssociation", b"{}")
    assert status == 400
    assert answer == {
        "__type": "ValidationException",
        "message": "1 validation error detected: Value null at 'associationId' failed to "
        "satisfy constraint: Member must not be null",
    }
    assert controls.calls[-1].error is not None


def test_constraints_are_checked_as_in_process(server: Any) -> None:
    url, _ = server
    with pytest.raises(Exception) as raised:
        client(url).describe_association(AssociationId="nope")
    assert raised.value.response["Error"]["Code"] == "ValidationException"  # type: ignore[attr-defined]
    assert "at 'associationId' failed to satisfy constraint" in str(raised.value)


def test_modelled_exception_classes_are_raised_by_boto3(server: Any) -> None:
    url, _ = server
    ssm = client(url)
    association = ssm.create_association(
        Name="AWS-RunShellScript", InstanceId=NODE, Parameters=SHELL
    )["AssociationDescription"]
    with pytest.raises(ssm.exceptions.InvalidAssociationVersion) as raised:
        ssm.update_association(AssociationId=association["AssociationId"],
                               AssociationVersion="7", MaxErrors="1")  # fmt: skip
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (
        ssm.describe_association(AssociationId=association["AssociationId"])[
            "AssociationDescription"
        ]["Date"]
        == START
    )


def test_an_unsupported_operation_without_upstream_names_the_fix_D_SRV_2(server: Any) -> None:
    url, _ = server
    status, _, answer = post(url, "AmazonSSM.GetParameter", b'{"Name": "x"}')
    assert status == 400
    assert answer["__type"] == "UnknownOperationException"
    assert answer["message"].startswith(
        "ssm_assoc_stub does not emulate the SSM operation GetParameter. It emulates: "
    )
    assert answer["message"].endswith("start the server with --upstream URL.")


def test_a_request_without_an_ssm_target_is_an_unknown_operation(server: Any) -> None:
    url, _ = server
    status, _, answer = post(url, None, b"{}")
    assert (status, answer["__type"]) == (400, "UnknownOperationException")
    assert "this request has no X-Amz-Target header" in answer["message"]


def test_the_bug_path_answers_internal_failure_500_D_SRV_5(server: Any, monkeypatch: Any) -> None:
    from ssm_assoc_stub._service import service

    def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(service.OPERATIONS, "ListAssociations", broken)
    url, controls = server
    status, _, answer = post(url, "AmazonSSM.ListAssociations", b"{}")
    assert (status, answer["__type"]) == (500, "InternalFailure")
    assert "internal error answering ListAssociations: Bug in ssm_assoc_stub" in answer["message"]
    (call,) = controls.calls  # recorded, as in-process
    assert call.error is not None and call.error.code == "StubInternalError"


# -- the upstream --------------------------------------------------------------------
@pytest.fixture
def moto_url() -> Iterator[str]:
    pytest.importorskip("flask", reason="moto's server needs moto[server] (flask)")
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        moto.stop()


def test_operations_it_does_not_emulate_go_on_to_the_upstream_D_SRV_2(moto_url: str) -> None:
    with started_server({"start_time": START}, upstream=moto_url) as (url, controls):
        controls.add_instance(NODE)
        ssm = client(url)
        ssm.put_parameter(Name="/app/colour", Value="blue", Type="String")
        assert ssm.get_parameter(Name="/app/colour")["Parameter"]["Value"] == "blue"
        with pytest.raises(ssm.exceptions.ParameterNotFound):
            ssm.get_parameter(Name="/app/missing")
        # Association calls stay with the stub: moto has none of them.
        ssm.create_association(Name="AWS-RunShellScript", InstanceId=NODE, Parameters=SHELL)
        assert [c.operation for c in controls.calls] == ["CreateAssociation"]
        assert controls.health()["upstream"] == moto_url


def test_the_moto_bridge_reads_ec2_instances_through_the_upstream(moto_url: str) -> None:
    ec2 = boto3.client(
        "ec2", region_name="eu-west-1", endpoint_url=moto_url,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    image = ec2.describe_images()["Images"][0]["ImageId"]
    launched = ec2.run_instances(
        ImageId=image, MinCount=2, MaxCount=2,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "role", "Value": "web"}]}],
    )["Instances"]  # fmt: skip
    with started_server({"start_time": START}, upstream=moto_url) as (url, controls):
        controls.add_instance("i-00000000000000042", tags={"role": "web"})  # ours join them
        association = client(url).create_association(
            Name="AWS-RunShellScript", Parameters=SHELL,
            Targets=[{"Key": "tag:role", "Values": ["web"]}],
        )["AssociationDescription"]  # fmt: skip
        (execution,) = controls.executions(association["AssociationId"])
    ids = {i["InstanceId"] for i in launched} | {"i-00000000000000042"}
    assert set(execution.targets) == ids


def test_an_unreachable_upstream_is_service_unavailable_D_SRV_2() -> None:
    with started_server({}, upstream="http://127.0.0.1:9") as (url, _):
        status, _, answer = post(url, "AmazonSSM.GetParameter", b'{"Name": "x"}')
    assert (status, answer["__type"]) == (503, "ServiceUnavailable")
    assert "could not reach the upstream http://127.0.0.1:9" in answer["message"]


# -- the controls --------------------------------------------------------------------
def test_controls_script_the_fleet_and_read_the_rate_controlled_run(server: Any) -> None:
    url, controls = server
    for n in range(1, 5):
        controls.add_instance(f"i-0000000{n}", tags={"role": "web"})
    controls.add_instance("i-00000009", tags={"role": "db"})
    controls.tag_instance("i-00000009", {"role": "web", "zone": "a"})
    controls.untag_instance("i-00000009", ["zone"])
    assert controls.nodes()["i-00000009"] == {"role": "web"}
    controls.remove_instance("i-00000004")
    controls.set_outcome("*", "Success", duration=30)
    controls.set_outcome("i-00000002", "Failed", duration=10)
    ssm = client(url)
    association = ssm.create_association(
        Name="AWS-RunShellScript", Targets=[{"Key": "tag:role", "Values": ["web"]}],
        Parameters=SHELL, MaxConcurrency="2", MaxErrors="1",
    )["AssociationDescription"]  # fmt: skip
    (execution,) = controls.executions(association["AssociationId"])
    assert list(execution.targets) == ["i-00000001", "i-00000002", "i-00000003", "i-00000009"]
    assert execution.peak_concurrency == 2
    assert execution.targets["i-00000002"].status == "Failed"
    assert execution.targets["i-00000003"].started == START + timedelta(seconds=10)
    assert execution.created_time == START
    again = controls.run(association["AssociationId"])
    assert again.execution_id != execution.execution_id
    assert controls.now == again.ended_time


def test_clock_controls_advance_and_fire_schedules() -> None:
    with started_server({"start_time": START, "progression": "manual"}) as (url, controls):
        ssm = client(url)
        aid = ssm.create_association(
            Name="AWS-RunShellScript",
            Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
            Parameters=SHELL,
            ScheduleExpression="rate(30 minutes)",
        )["AssociationDescription"]["AssociationId"]
        controls.settle()
        assert len(controls.executions(aid)) == 1
        assert controls.now == START + timedelta(seconds=1)  # one node, 1 s by default
        assert controls.advance(timedelta(minutes=31)) == START + timedelta(minutes=31, seconds=1)
        controls.settle()
        assert len(controls.executions(aid)) == 2


def test_controls_raise_what_the_in_process_controls_raise(server: Any) -> None:
    _, controls = server
    with pytest.raises(KeyError, match="no managed node 'i-404'"):
        controls.remove_instance("i-404")
    with pytest.raises(ValueError, match="platform must be one of"):
        controls.add_instance(NODE, platform="Amiga")
    with pytest.raises(ValueError, match="outcome status must be one of"):
        controls.set_outcome("*", "Exploded")
    with pytest.raises(KeyError, match="no association 'nope'"):
        controls.run("nope")
    with pytest.raises(ValueError, match="cannot go back in time"):
        controls.advance(-1)
    with pytest.raises(ValueError, match="the server does not emulate 'GetParameter'"):
        controls.inject_error("GetParameter", "ThrottlingException")


def test_an_unknown_control_lists_the_controls(server: Any) -> None:
    url, _ = server
    request = urllib.request.Request(url + "/_ssm_assoc_stub/teleport", method="POST", data=b"")
    with pytest.raises(urllib.error.HTTPError) as raised:
        _DIRECT.open(request, timeout=10)
    answer = json.loads(raised.value.read())
    assert raised.value.code == 404
    assert answer["error"] == "NoSuchControl"
    assert "POST clock/advance" in answer["message"]


def test_injected_errors_calls_documents_and_reset(server: Any) -> None:
    url, controls = server
    ssm = client(url)
    controls.inject_error("ListAssociations", "ThrottlingException", "slow down", count=1)
    with pytest.raises(ssm.exceptions.ClientError, match="slow down"):
        ssm.list_associations()
    assert ssm.list_associations()["Associations"] == []
    controls.add_document("Team-Patch", parameters={"level": {"type": "String"}})
    ssm.create_association(
        Name="Team-Patch",
        Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
        Parameters={"level": ["x"]},
    )
    calls = controls.calls
    assert [c.operation for c in calls] == ["ListAssociations"] * 2 + ["CreateAssociation"]
    assert calls[0].error is not None and calls[0].error.code == "ThrottlingException"
    assert calls[2].params["Name"] == "Team-Patch"
    assert controls.calls_to("CreateAssociation") == calls[2:]
    controls.reset()
    assert controls.calls == ()
    assert ssm.list_associations()["Associations"] == []


# -- the transport used to rerun behaviour tests -----------------------------------
@pytest.mark.parametrize("ssm_transport", ["http"], indirect=True)
def test_the_http_transport_really_goes_over_http_D_SRV_6(ssm_transport: str) -> None:
    from ssm_assoc_stub import AssociationStub

    with AssociationStub(start_time=START) as stub:
        ssm = boto3.client("ssm", region_name="eu-west-1")
        assert ssm.meta.endpoint_url.startswith("http://127.0.0.1:")
        assert not ssm.meta.events._emitter._unique_id_handlers.get("ssm_assoc_stub.answer")
        ssm.list_associations()
        (call,) = stub.calls
        assert call.params == {}  # the server records the JSON body it received
        assert "ResponseMetadata" not in call.response


# -- python -m ssm_assoc_stub serve ----------------------------------------------------
def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ssm_assoc_stub", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"serving SSM at (http://127\.0\.0\.1:\d+)", line)
    assert match, (line, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(1)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_its_url_serves_and_stops_cleanly_on_a_signal(signum: int) -> None:
    process, url = _serve("--fleet", "3:role=web", "--outcome", "*=Success/30",
                          "--start-time", "2026-03-01T12:00:00Z")  # fmt: skip
    try:
        ssm = client(url)
        aid = ssm.create_association(
            Name="AWS-RunShellScript", Targets=[{"Key": "tag:role", "Values": ["web"]}],
            Parameters=SHELL, MaxConcurrency="1",
        )["AssociationDescription"]["AssociationId"]  # fmt: skip
        (execution,) = ServerControls(url).executions(aid)
        assert execution.ended_time == START + timedelta(seconds=90)  # one at a time, 30 s each
    finally:
        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert out.rstrip().endswith("ssm_assoc_stub: server stopped")


def test_serve_rejects_bad_arguments_with_usage_status_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ssm_assoc_stub", "serve", "--fleet", "many"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "serve: error: --fleet takes a count from 1 to 100000, got 'many'" in result.stderr


def test_alarm_and_calendar_controls_reach_the_core(server: Any) -> None:
    url, controls = server
    ssm = client(url)
    controls.set_calendar_state("maintenance", "CLOSED")
    gated = ssm.create_association(
        Name="AWS-RunShellScript", Parameters=SHELL, CalendarNames=["maintenance"],
        Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
    )["AssociationDescription"]["AssociationId"]  # fmt: skip
    assert controls.executions(gated) == ()  # D-CAL-1: a closed calendar, no run
    controls.set_alarm_state("cpu-high", "ALARM", at=START + timedelta(hours=1))
    with pytest.raises(ValueError, match="PURPLE"):
        controls.set_alarm_state("cpu-high", "PURPLE")  # the core's own check, over HTTP
    with pytest.raises(TypeError, match="at= takes an aware datetime"):
        controls.set_alarm_state("cpu-high", "OK", at=datetime(2026, 3, 1))  # noqa: DTZ001


def test_serve_without_werkzeug_names_the_extra_to_install() -> None:
    probe = (
        "import sys\n"
        "sys.modules['werkzeug'] = None  # as if the [server] extra were not installed\n"
        "from ssm_assoc_stub.__main__ import main\n"
        "sys.exit(main(['serve']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert 'install it with: pip install "ssm_assoc_stub[server]"' in result.stderr
