"""Real clients nobody here wrote, against the server mode: the AWS CLI, the JavaScript
SDK v3 in Node, and Terraform's AWS provider.  Each is skipped, with the reason, where
the client is not installed; none of them downloads anything during the suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
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


# -- the JavaScript SDK v3 -----------------------------------------------------------
NODE = shutil.which("node")
CLIENTS = Path(
    os.environ.get("SSM_ASSOC_STUB_CLIENTS", Path.home() / ".cache" / "ssm_assoc_stub" / "clients")
)
JS_SDK = CLIENTS / "node_modules" / "@aws-sdk" / "client-ssm"


@pytest.mark.skipif(NODE is None, reason="Node.js (`node`) is not installed")
@pytest.mark.skipif(
    not JS_SDK.is_dir(),
    reason=f"@aws-sdk/client-ssm is not installed in {CLIENTS}: run scripts/install-clients.sh "
    "(or tox -e clients) once; the suite never downloads it",
)
def test_the_javascript_sdk_v3_round_trip_and_modelled_exceptions(
    server: tuple[str, ServerControls],
) -> None:
    url, controls = server
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(ROOT / "tests" / "clients" / "ssm_round_trip.cjs")],
        capture_output=True, text=True, timeout=120,
        env=client_env(SSM_ENDPOINT=url, SSM_ASSOC_STUB_CLIENTS=str(CLIENTS)),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["created"]["version"] == "1"
    assert seen["created"]["overview"] == {"Status": "Pending", "DetailedStatus": "Creating"}
    assert seen["created"]["dateIsDate"] is True  # epoch seconds parsed into a Date
    sent = controls.calls[0].response["AssociationDescription"]["Date"]  # epoch seconds
    stamp = datetime.fromtimestamp(sent, timezone.utc).isoformat(timespec="milliseconds")
    assert seen["created"]["date"] == stamp.replace("+00:00", "Z")
    assert seen["stale"]["name"] == "InvalidAssociationVersion"
    assert seen["stale"]["modelled"] is True and seen["stale"]["service"] is True
    assert seen["stale"]["status"] == 400
    assert seen["stale"]["message"].startswith("Association version 9 is not the latest version")
    assert seen["stale"]["requestId"]
    assert seen["updatedVersion"] == "2"
    assert seen["described"] == {"maxErrors": "2", "status": "Success"}
    assert seen["versions"] == ["1", "2"]
    assert [e["status"] for e in seen["executions"]] == ["Success"] * 3
    assert seen["executions"][0]["counts"] == "{Success=6}"
    assert seen["missing"] == {"name": "AssociationDoesNotExist", "modelled": True, "status": 404}


# -- Terraform with the AWS provider ---------------------------------------------------
TERRAFORM = shutil.which("terraform")
_MIRRORS = [
    Path(os.environ.get("SSM_ASSOC_STUB_TF_MIRROR", "/opt/tf-plugins")),
    Path.home() / ".terraform.d" / "plugins",
    Path("/usr/share/terraform/plugins"),
]
MIRROR = next(
    (m for m in _MIRRORS if (m / "registry.terraform.io" / "hashicorp" / "aws").is_dir()), None
)
_CLI_CONFIG = """
provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }}
}}
disable_checkpoint = true
"""


def terraform(workdir: Path, *args: str, url: str, check: bool = True) -> Any:
    assert TERRAFORM is not None
    env = client_env(
        TF_CLI_CONFIG_FILE=str(workdir / "terraformrc"),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
        TF_VAR_endpoint=url,
        TF_DATA_DIR=str(workdir / ".terraform"),
    )
    result = subprocess.run(
        [TERRAFORM, *args, "-input=false", "-no-color"],
        cwd=workdir, capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


SLOW_CLIENTS = os.environ.get("SSM_ASSOC_STUB_SLOW_CLIENTS", "") == "1"


@pytest.mark.skipif(TERRAFORM is None, reason="Terraform (`terraform`) is not installed")
@pytest.mark.skipif(
    not SLOW_CLIENTS,
    reason="the Terraform test starts the AWS provider five times (about a minute of CPU): "
    "opt in with SSM_ASSOC_STUB_SLOW_CLIENTS=1, or run tox -e clients",
)
@pytest.mark.skipif(
    MIRROR is None,
    reason="no local mirror of the hashicorp/aws provider (looked in "
    f"{', '.join(map(str, _MIRRORS))}; set SSM_ASSOC_STUB_TF_MIRROR); the suite never "
    "downloads providers",
)
def test_terraform_applies_plans_updates_and_destroys_an_association(
    server: tuple[str, ServerControls], tmp_path: Path
) -> None:
    url, controls = server
    shutil.copy(ROOT / "tests" / "clients" / "terraform" / "main.tf", tmp_path / "main.tf")
    (tmp_path / "terraformrc").write_text(_CLI_CONFIG.format(mirror=MIRROR))
    terraform(tmp_path, "init", url=url)

    terraform(tmp_path, "apply", "-auto-approve", url=url)
    ssm = boto3_client(url)
    (association,) = ssm.list_associations()["Associations"]
    aid = association["AssociationId"]
    description = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert description["Targets"] == [{"Key": "tag:role", "Values": ["web"]}]
    assert description["Parameters"] == {"commands": ["echo hi"]}
    assert description["ScheduleExpression"] == "rate(1 day)"
    assert (description["MaxConcurrency"], description["MaxErrors"]) == ("2", "1")
    (execution,) = controls.executions(aid)  # rate control ran: two at a time
    assert execution.peak_concurrency == 2 and execution.status == "Success"
    # The provider reads the association's tags after every read, from the stub itself.
    operations = [c.operation for c in controls.calls]
    assert "ListTagsForResource" in operations

    # Every attribute read back matches what was sent: a second plan changes nothing.
    plan = terraform(tmp_path, "plan", "-detailed-exitcode", url=url, check=False)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout

    # A new max_errors updates in place, to a new version of the same association.
    changed = terraform(tmp_path, "apply", "-auto-approve", "-var", "max_errors=2", url=url)
    assert "1 changed, 0 destroyed" in changed.stdout
    versions = ssm.list_association_versions(AssociationId=aid)["AssociationVersions"]
    assert [v["AssociationVersion"] for v in versions] == ["1", "2"]
    assert versions[-1]["MaxErrors"] == "2"

    terraform(tmp_path, "destroy", "-auto-approve", "-var", "max_errors=2", url=url)
    assert ssm.list_associations()["Associations"] == []
    assert "DeleteAssociation" in [c.operation for c in controls.calls]


def boto3_client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "ssm", region_name="eu-west-1", endpoint_url=url,
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )  # fmt: skip
