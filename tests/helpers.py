"""Helpers shared by the tests (not a test module)."""

from __future__ import annotations

from typing import Any

import botocore
import botocore.session
import pytest
from botocore.validate import ParamValidator

_MODEL = botocore.session.get_session().get_service_model("ssm")


def output_problems(operation: str, response: dict[str, Any]) -> str:
    """'' when ``response`` validates against the operation's output shape."""
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    shape = _MODEL.operation_model(operation).output_shape
    report = ParamValidator().validate(body, shape)
    return report.generate_report() if report.has_errors() else ""


def declared_errors(operation: str) -> set[str]:
    return {shape.name for shape in _MODEL.operation_model(operation).error_shapes}


def error_code(exc_info: Any) -> str:
    return str(exc_info.value.response["Error"]["Code"])


def error_message(exc_info: Any) -> str:
    return str(exc_info.value.response["Error"]["Message"])


# --------------------------------------------------------------------------- model awareness
# The suite runs on every botocore from the oldest supported one (see tox.ini's botocore-min)
# to the newest.  Older SSM models lack some members (AssociationDispatchAssumeRole, Duration,
# TargetLocation.Targets, ...), and botocore's client-side validation rejects a request that
# sends one.  These helpers let a test drop or skip only what the installed model lacks.


def _member_shape(shape: Any, name: str) -> Any:
    """The shape ``name`` leads to from ``shape`` (through lists), or None."""
    while shape.type_name == "list":
        shape = shape.member
    if shape.type_name != "structure":
        return None
    return shape.members.get(name)


def has_member(operation: str, *path: str, output: bool = False) -> bool:
    """Whether the installed model's input (or output) shape of ``operation`` has ``path``.

    ``path`` names members from the top, stepping through lists:
    ``has_member("CreateAssociation", "TargetLocations", "Targets")``.
    """
    model = _MODEL.operation_model(operation)
    shape = model.output_shape if output else model.input_shape
    for name in path:
        shape = None if shape is None else _member_shape(shape, name)
        if shape is None:
            return False
    return True


def skip_unless_member(operation: str, *path: str, output: bool = False) -> pytest.MarkDecorator:
    """A skip mark for a test that needs a member the installed SSM model may lack."""
    return pytest.mark.skipif(
        not has_member(operation, *path, output=output),
        reason=f"botocore {botocore.__version__}'s SSM model has no {operation}.{'.'.join(path)}",
    )


def _known(shape: Any, value: Any) -> Any:
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _known(shape.members[k], v) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_known(shape.member, item) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _known(shape.value, v) for k, v in value.items()}
    return value


def known_members(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``request`` without the members, at any depth, the installed model lacks."""
    known: dict[str, Any] = _known(_MODEL.operation_model(operation).input_shape, request)
    return known


def client_with_model(directory: Any, change: Any, region: str = "eu-west-1") -> Any:
    """An SSM client whose service model is the installed one changed by ``change``.

    ``change(model)`` edits the ``service-2`` dict in place, the way an older or a newer
    botocore's model could differ; the client loads it from ``directory``.  For tests
    that the stub's server-side checks follow its shipped model, not the client's
    (D-VAL-1).
    """
    import copy
    import json
    from pathlib import Path

    from botocore.loaders import Loader

    model = copy.deepcopy(Loader().load_service_model("ssm", "service-2"))
    change(model)
    target = Path(directory) / "ssm" / model["metadata"]["apiVersion"]
    target.mkdir(parents=True, exist_ok=True)
    (target / "service-2.json").write_text(json.dumps(model))
    session = botocore.session.Session()
    session.get_component("data_loader").search_paths.insert(0, str(directory))
    return session.create_client(
        "ssm",
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
