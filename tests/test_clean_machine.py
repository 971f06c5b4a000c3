"""On a clean machine nothing the stub does reaches the network, and every SSM client answers.

Each test runs Python in a subprocess whose environment has no ``AWS_*`` variable
at all and whose ``HOME`` is an empty directory (no ``~/.aws``).  A
``sitecustomize`` module on its ``PYTHONPATH`` installs a socket guard before
anything else runs: ``socket.getaddrinfo``, ``socket.create_connection`` and
``socket.socket.connect``/``connect_ex`` record every non-loopback attempt in a
file and refuse it.  The control test shows the guard sees botocore's lookup of the
instance metadata address (169.254.169.254) when a client is made outside a stub.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

GUARD = """
import json, os, socket

_LOG = os.environ["NETWORK_GUARD_LOG"]
_LOOPBACK = ("127.", "::1", "localhost")


def _refuse(what, target):
    host = target[0] if isinstance(target, tuple) and target else target
    if host is None or isinstance(host, (bytes, str)) and str(host).startswith(_LOOPBACK):
        return
    if isinstance(host, str) and host.startswith("/"):
        return  # a Unix socket
    with open(_LOG, "a") as log:
        log.write(json.dumps([what, repr(target)]) + "\\n")
    raise ConnectionRefusedError(f"network guard: {what} {target!r}")


_getaddrinfo, _create, _connect, _connect_ex = (
    socket.getaddrinfo, socket.create_connection, socket.socket.connect, socket.socket.connect_ex
)


def getaddrinfo(host, *args, **kwargs):
    _refuse("getaddrinfo", (host,))
    return _getaddrinfo(host, *args, **kwargs)


def create_connection(address, *args, **kwargs):
    _refuse("create_connection", address)
    return _create(address, *args, **kwargs)


def connect(self, address):
    if self.family != socket.AF_UNIX:
        _refuse("connect", address)
    return _connect(self, address)


def connect_ex(self, address):
    if self.family != socket.AF_UNIX:
        _refuse("connect_ex", address)
    return _connect_ex(self, address)


socket.getaddrinfo, socket.create_connection = getaddrinfo, create_connection
socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
"""

FIXTURE_TEST = """
import boto3

def test_with_the_fixture(ssm_assoc_stub):
    ssm_assoc_stub.add_instance("i-0123456789abcdef0", tags={"role": "web"})
    ssm = boto3.client("ssm", region_name="eu-west-1")  # no credentials anywhere
    made = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["uptime"]},
        Targets=[{"Key": "tag:role", "Values": ["web"]}],
    )
    aid = made["AssociationDescription"]["AssociationId"]
    overview = ssm.describe_association(AssociationId=aid)["AssociationDescription"]["Overview"]
    assert overview["Status"] == "Success"
    assert boto3.client("sts", region_name="eu-west-1")  # other services: made, never called
"""


def _clean_env(tmp_path: Path) -> dict[str, str]:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    home = tmp_path / "home"
    home.mkdir()
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        HOME=str(home),
        PYTHONPATH=str(guard_dir),
        NETWORK_GUARD_LOG=str(tmp_path / "attempts.jsonl"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


def _run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def _attempts(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "attempts.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_demo_simulate_and_a_fixture_test_reach_no_network(tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    assert not [name for name in env if name.startswith("AWS_")]
    demo = _run(tmp_path, env, "-m", "ssm_assoc_stub", "demo")
    assert demo.returncode == 0, demo.stderr
    assert "no network" in demo.stdout
    simulate = _run(tmp_path, env, "-m", "ssm_assoc_stub", "simulate", "--targets", "20")
    assert simulate.returncode == 0, simulate.stderr
    (tmp_path / "test_user.py").write_text(FIXTURE_TEST)
    run = _run(tmp_path, env, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert _attempts(tmp_path) == []
    assert (tmp_path / "guard" / "sitecustomize.py").exists()


def test_the_guard_sees_botocore_reach_for_instance_metadata(tmp_path: Path) -> None:
    """Control: outside a stub, on the same clean machine, creating a client does reach out."""
    env = _clean_env(tmp_path)
    probe = "import boto3; boto3.client('ssm', region_name='eu-west-1')"
    result = _run(tmp_path, env, "-c", probe)
    assert result.returncode == 0, result.stderr
    attempts = _attempts(tmp_path)
    assert attempts and all("169.254.169.254" in target for _, target in attempts), attempts


MODULE_LEVEL = """
import threading

import boto3
import botocore.session

from ssm_assoc_stub import AssociationStub, StubStateError

# made before any stub, as a Lambda module does at import (with test keys, so that
# making it needs no network: that lookup is botocore's, before the stub exists)
KEYS = dict(aws_access_key_id="k", aws_secret_access_key="s")
SSM = boto3.client("ssm", region_name="eu-west-1", **KEYS)
SESSION = botocore.session.get_session()  # a session made before the first stub


def reached(**kwargs):
    raise RuntimeError("reached before-send")


SSM.meta.events.register("before-send", reached)

with AssociationStub() as stub:
    aid = SSM.create_association(Name="AWS-HelloWorld")["AssociationDescription"]["AssociationId"]
    later = SESSION.create_client("ssm", region_name="eu-west-1")  # bound: made inside
    later.describe_association(AssociationId=aid)
    found = []
    worker = threading.Thread(
        target=lambda: found.append(SSM.describe_association(AssociationId=aid))
    )
    worker.start()
    worker.join()
    assert found, "the thread's call was answered"
assert [c.operation for c in stub.calls] == [
    "CreateAssociation", "DescribeAssociation", "DescribeAssociation"
], stub.calls
try:
    SSM.list_associations()
except RuntimeError as error:
    assert "before-send" in str(error)  # dormant again once the stub stopped
else:
    raise AssertionError("a call after the stub stopped was answered")
print("ok")
"""


def test_clients_made_before_the_first_stub_are_answered(tmp_path: Path) -> None:
    # D-BND-1
    env = _clean_env(tmp_path)
    (tmp_path / "lambda_like.py").write_text(textwrap.dedent(MODULE_LEVEL))
    result = _run(tmp_path, env, "lambda_like.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ok"
    assert _attempts(tmp_path) == []


@pytest.mark.parametrize("body_fails", [False, True])
def test_fake_credentials_are_there_only_while_a_stub_is_active(
    body_fails: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # D-BND-2
    import boto3

    from ssm_assoc_stub import AssociationStub
    from ssm_assoc_stub._binding import credentials

    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    seen: dict[str, str | None] = {}
    with pytest.raises(KeyError) if body_fails else _nothing(), AssociationStub():
        seen = {name: os.environ.get(name) for name in credentials.FAKE}
        session = boto3.Session()
        frozen = session.get_credentials().get_frozen_credentials()
        seen["method"] = session.get_credentials().method
        assert frozen.access_key == credentials.FAKE["AWS_ACCESS_KEY_ID"]
        assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
        if body_fails:
            raise KeyError("the test failed")
    assert seen == {**credentials.FAKE, "method": "env"}
    for name in (*credentials.FAKE, "AWS_EC2_METADATA_DISABLED"):
        assert name not in os.environ


def test_credentials_already_in_the_environment_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # D-BND-2
    from ssm_assoc_stub import AssociationStub

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mine")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "my-secret")
    with AssociationStub():
        assert os.environ["AWS_ACCESS_KEY_ID"] == "mine"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "my-secret"


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
