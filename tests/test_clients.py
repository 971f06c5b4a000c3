"""Real clients nobody here wrote, against the server mode: the AWS CLI, the JavaScript
SDK v3 in Node, and Terraform's AWS provider.  Each is skipped, with the reason, where
the client is not installed; none of them downloads anything during the suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ssm_assoc_stub import ServerControls
from ssm_assoc_stub._server.testing import started_server

ROOT = Path(__file__).resolve().parent.parent
NODES = [f"i-{n:017d}" for n in range(1, 7)]


@pytest.fixture
def server() -> Iterator[tuple[str, ServerControls]]:
    with started_server({}) as (url, controls):
        for node in NODES:
            controls.add_instance(node, tags={"role": "web"})
        controls.set_outcome("*", "Success", duration=30)
        yield url, controls


def client_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_REGION="eu-west-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


# -- the AWS CLI ---------------------------------------------------------------------
AWS = shutil.which("aws")


def aws(url: str, *args: str, ok: bool = True) -> Any:
    assert AWS is not None
    result = subprocess.run(
        [AWS, "ssm", *args, "--endpoint-url", url, "--output", "json"],
        capture_output=True, text=True, env=client_env(), timeout=120,
    )  # fmt: skip
    if not ok:
        assert result.returncode != 0, result.stdout
        return result.stderr
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


@pytest.mark.skipif(AWS is None, reason="the AWS CLI (`aws`) is not installed")
def test_the_aws_cli_round_trip(server: tuple[str, ServerControls]) -> None:
    url, controls = server
    created = aws(
        url, "create-association", "--name", "AWS-RunShellScript",
        "--association-name", "cli-web", "--targets", "Key=tag:role,Values=web",
        "--parameters", "commands=echo hi", "--max-concurrency", "2", "--max-errors", "1",
        "--schedule-expression", "rate(1 day)",
    )["AssociationDescription"]  # fmt: skip
    aid = created["AssociationId"]
    assert created["AssociationVersion"] == "1"
    assert created["Overview"] == {"Status": "Pending", "DetailedStatus": "Creating"}

    stale = aws(url, "update-association", "--association-id", aid,
                "--association-version", "7", "--max-errors", "2", ok=False)  # fmt: skip
    assert "An error occurred (InvalidAssociationVersion) when calling the " in stale
    # UpdateAssociation replaces: everything the association keeps is sent again.
    updated = aws(
        url, "update-association", "--association-id", aid, "--association-version", "1",
        "--association-name", "cli-web", "--targets", "Key=tag:role,Values=web",
        "--parameters", "commands=echo hi", "--max-concurrency", "2", "--max-errors", "2",
        "--schedule-expression", "rate(1 day)",
    )  # fmt: skip
    assert updated["AssociationDescription"]["AssociationVersion"] == "2"

    described = aws(url, "describe-association", "--association-id", aid)
    assert described["AssociationDescription"]["MaxErrors"] == "2"
    assert described["AssociationDescription"]["Overview"]["Status"] == "Success"
    versions = aws(url, "list-association-versions", "--association-id", aid)
    assert [v["AssociationVersion"] for v in versions["AssociationVersions"]] == ["1", "2"]

    aws(url, "start-associations-once", "--association-ids", aid)
    history = aws(url, "describe-association-executions", "--association-id", aid)
    executions = history["AssociationExecutions"]
    assert len(executions) == 3  # create, update, start once
    assert {e["Status"] for e in executions} == {"Success"}
    assert executions[0]["ResourceCountByStatus"] == "{Success=6}"
    targets = aws(url, "describe-association-execution-targets", "--association-id", aid,
                  "--execution-id", executions[0]["ExecutionId"])  # fmt: skip
    ends = sorted(t["LastExecutionDate"] for t in targets["AssociationExecutionTargets"])
    assert len(set(ends)) == 3  # two at a time: three waves
    assert [c.operation for c in controls.calls].count("UpdateAssociation") == 2
