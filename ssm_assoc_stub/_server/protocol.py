"""AWS JSON 1.1 as SSM speaks it: targets, Regions, timestamps, error bodies.

No web framework and no botocore here: plain functions from request parts to
values, and from the core's answers (dicts with aware UTC datetimes) to bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = [
    "CONTENT_TYPE",
    "CONTROL_PREFIX",
    "TARGET_PREFIX",
    "decode_body",
    "encode",
    "error_body",
    "operation_of",
    "region_of",
    "to_wire",
]

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "AmazonSSM."
CONTROL_PREFIX = "/_ssm_assoc_stub/"  # the test-side controls live under it

# AWS4-HMAC-SHA256 Credential=AKID/20260301/eu-west-1/ssm/aws4_request, SignedHeaders=..., ...
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]*/\d{8}/([a-z0-9-]+)/[^/,\s]+/aws4_request")


def region_of(authorization: str | None, default: str) -> str:
    """The Region of a SigV4 ``Authorization`` header's credential scope, else ``default``.

    The signature itself is not checked: any key and any signature are accepted.
    """
    if authorization:
        match = _CREDENTIAL_SCOPE.search(authorization)
        if match:
            return match.group(1)
    return default


def operation_of(target: str | None) -> str | None:
    """``AmazonSSM.CreateAssociation`` -> ``CreateAssociation``; None if not an SSM target."""
    if not target or not target.startswith(TARGET_PREFIX):
        return None
    operation = target[len(TARGET_PREFIX) :]
    return operation if operation.isidentifier() else None


class BodyError(ValueError):
    """The request body is not a JSON object."""


def decode_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body; an empty body is ``{}``."""
    if not raw.strip():
        return {}
    try:
        decoded = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise BodyError(f"The request body is not valid JSON: {error}") from None
    if not isinstance(decoded, dict):
        raise BodyError(f"The request body must be a JSON object, got a {type(decoded).__name__}")
    return decoded


def to_wire(value: Any) -> Any:
    """A copy of a core answer as JSON types: each datetime becomes epoch seconds."""
    if isinstance(value, Mapping):
        return {key: to_wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(item) for item in value]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError(f"the backend answered a naive datetime {value!r}; use aware UTC")
        return value.timestamp()
    return value


def encode(value: Any) -> bytes:
    return json.dumps(to_wire(value), separators=(",", ":")).encode()


def error_body(code: str, message: str) -> bytes:
    """An error as AWS JSON 1.1 services send it: ``__type`` and ``message``."""
    return json.dumps({"__type": code, "message": message}, separators=(",", ":")).encode()
