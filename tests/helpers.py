"""Helpers shared by the tests (not a test module)."""

from __future__ import annotations

from typing import Any

import botocore.session
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
