"""The server-side checks follow the shipped SSM model, never the client's (D-VAL-1)."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
from botocore.exceptions import ClientError
from botocore.loaders import Loader

from ssm_assoc_stub import AssociationStub
from ssm_assoc_stub._service import constraints
from ssm_assoc_stub._service.errors import ValidationException
from ssm_assoc_stub._service.servicemodel import input_shape, model_info, validate

from .helpers import client_with_model, skip_unless_member

if sys.version_info >= (3, 11):
    import tomllib
else:  # tomllib is new in 3.11; pytest itself depends on its backport there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
REFRESH = (
    "refresh it: in a scratch venv run `pip install -U botocore`, then "
    "`python scripts/refresh_service_model.py` from the repository root, and commit "
    "ssm_assoc_stub/_service/data/ssm-service-model.json"
)
WEB = [{"Key": "tag:role", "Values": ["web"]}]
LOCATION = {"Accounts": ["123456789012"], "Regions": ["eu-west-1"], "Targets": WEB * 2}
ZERO = (
    "1 validation error detected: Value '0' at 'maxConcurrency' failed to satisfy "
    "constraint: Member must satisfy regular expression pattern: "
    "^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$"
)


# These associations target tags and connectors no node has, on purpose (issue 9's warning).
pytestmark = pytest.mark.filterwarnings("ignore::ssm_assoc_stub.NoTargetsWarning")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3])


def _digest(model: dict[str, Any]) -> str:  # as scripts/refresh_service_model.py computes it
    text = json.dumps(model, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub() as active:
        yield active


def fails(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


# -- the snapshot ---------------------------------------------------------------------------
def test_the_shipped_model_is_not_older_than_the_installed_botocore_D_VAL_1() -> None:
    shipped = model_info()
    installed = Loader().load_service_model("ssm", "service-2")
    if _version(botocore.__version__) > _version(shipped.botocore_version):
        assert _digest(installed) == shipped.model_sha256, (
            f"botocore {botocore.__version__} has a newer SSM model than the snapshot the "
            f"stub ships (taken from botocore {shipped.botocore_version}): {REFRESH}"
        )
    elif _version(botocore.__version__) == _version(shipped.botocore_version):
        assert _digest(installed) == shipped.model_sha256, f"the snapshot is stale: {REFRESH}"


def test_the_snapshot_names_every_emulated_operation_D_VAL_1() -> None:
    from ssm_assoc_stub._service.service import OPERATIONS

    assert set(OPERATIONS) <= set(model_info().operations)
    assert input_shape("CreateAssociation") is input_shape("CreateAssociation")  # one per process
    assert input_shape("NoSuchOperation") is None


def test_the_snapshot_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "_service/data/*.json" in config["tool"]["setuptools"]["package-data"]["ssm_assoc_stub"]
    assert (ROOT / "ssm_assoc_stub/_service/data/ssm-service-model.json").is_file()
    assert (ROOT / "scripts/refresh_service_model.py").is_file()


# -- one service, whatever the client ---------------------------------------------------
def test_validate_is_the_pure_entry_point_D_VAL_1() -> None:
    validate("CreateAssociation", {"Name": "AWS-UpdateSSMAgent", "Targets": WEB})
    with pytest.raises(ValidationException) as info:
        validate("CreateAssociation", {"Name": "AWS-UpdateSSMAgent", "MaxConcurrency": "0"})
    assert info.value.message == ZERO
    with pytest.raises(ValidationException, match="Member must not be null"):
        validate("DescribeAssociationExecutions", {})
    validate("NoSuchOperation", {"Anything": 1})  # not in the model: nothing to check


def test_one_answer_whatever_the_client_model_D_VAL_1(
    stub: AssociationStub, tmp_path: Path
) -> None:
    # A client whose model has no MaxConcurrency pattern (an older or a newer botocore
    # could differ the same way): the service still answers from its own model.
    def loosen(model: dict[str, Any]) -> None:
        model["shapes"]["MaxConcurrency"].pop("pattern", None)

    loose = client_with_model(tmp_path, loosen)
    usual = boto3.client("ssm", region_name="eu-west-1")
    request = {"Name": "AWS-UpdateSSMAgent", "Targets": WEB, "MaxConcurrency": "0"}
    answers = {fails(ssm.create_association, **request) for ssm in (usual, loose)}
    assert answers == {("ValidationException", ZERO)}


def test_a_check_the_client_model_lacks_still_applies_D_VAL_1(
    stub: AssociationStub, tmp_path: Path
) -> None:
    def no_maximum(model: dict[str, Any]) -> None:
        model["shapes"]["AssociationName"].pop("pattern", None)
        model["shapes"]["AssociationName"]["max"] = 100_000

    loose = client_with_model(tmp_path, no_maximum)
    code, message = fails(
        loose.create_association, Name="AWS-UpdateSSMAgent", Targets=WEB, AssociationName="x" * 129
    )
    assert code == "ValidationException" and "associationName" in message


@skip_unless_member("CreateAssociation", "TargetLocations", "Targets")
def test_target_locations_take_one_target_D_VAL_1(stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    code, message = fails(
        ssm.create_association, Name="AWS-UpdateSSMAgent", Targets=WEB, TargetLocations=[LOCATION]
    )
    assert code == "ValidationException"
    assert "'targetLocations.1.member.targets'" in message
    assert "Member must have length less than or equal to 1" in message


def test_the_cloud_connector_id_filter_key_D_VAL_1(stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = ssm.create_association(
        Name="AWS-StartEC2Instance",
        AutomationTargetParameterName="InstanceId",
        Targets=[{"Key": "CloudConnector", "Values": ['{"CloudConnectorId": "cc-0123"}']}],
    )["AssociationDescription"]["AssociationId"]
    ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB)
    found = ssm.list_associations(
        AssociationFilterList=[{"key": "CloudConnectorId", "value": "cc-0123"}]
    )["Associations"]
    assert [a["AssociationId"] for a in found] == [aid]
    none = ssm.list_associations(
        AssociationFilterList=[{"key": "CloudConnectorId", "value": "cc-9999"}]
    )["Associations"]
    assert none == []


def test_the_plan_is_built_once_per_process_not_per_client(stub: AssociationStub) -> None:
    # issue 11: a new client's first call builds no constraint plan of its own.
    boto3.client("ssm", region_name="eu-west-1").create_association(
        Name="AWS-UpdateSSMAgent", Targets=WEB
    )
    plans = len(constraints._PLANS)
    for _ in range(3):
        boto3.client("ssm", region_name="eu-west-1").create_association(
            Name="AWS-UpdateSSMAgent", Targets=WEB
        )
    assert len(constraints._PLANS) == plans
    assert input_shape("CreateAssociation") in constraints._PLANS
