"""The server-side checks of a request before the core sees it.

A botocore client checks required members and types before it sends a call; the
AWS CLI does too, but other SDKs (JavaScript v3, Go v2) send what they are given.
So over HTTP the service itself answers a missing required member with AWS's
``ValidationException`` clause, and then runs the same constraint checks as the
botocore binding does (``_service.constraints``), on the same input shapes.

The input shapes come from botocore's SSM model for now, loaded once on first
use: the binding uses the same ones.  (When the core ships its own model, this
module switches to it, and the server stops importing botocore.)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from typing import Any

from .._service.constraints import check_constraints
from .._service.errors import (
    ServiceError,
    ValidationException,
    error_for_code,
    validation_message,
)

__all__ = ["check_request"]

_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _service_model() -> Any:
    import botocore.session

    with _LOCK:
        return botocore.session.get_session().get_service_model("ssm")


def _input_shape(operation: str) -> Any:
    return _service_model().operation_model(operation).input_shape


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _missing(shape: Any, value: Mapping[str, Any], path: str, out: list[str]) -> None:
    """Required members that are absent or null, depth-first, in AWS's clause form."""
    required = shape.metadata.get("required", ())
    for name, member in shape.members.items():
        where = f"{path}.{_lower_first(name)}" if path else _lower_first(name)
        item = value.get(name)
        if item is None:
            if name in required:
                out.append(
                    f"Value null at '{where}' failed to satisfy constraint: Member must not be null"
                )
            continue
        _walk(member, item, where, out)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "timestamp": (int, float, str),
    "double": (int, float),
    "float": (int, float),
    "structure": (dict,),
    "list": (list,),
    "map": (dict,),
}


class _WrongType(Exception):
    def __init__(self, where: str, expected: str, value: Any) -> None:
        super().__init__(f"Expected a {expected} at '{where}' but got a JSON {_json_kind(value)}")


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _walk(shape: Any, value: Any, where: str, out: list[str]) -> None:
    kind = shape.type_name
    expected = _JSON_TYPES.get(kind)
    wrong_bool = isinstance(value, bool) and kind not in ("boolean",)
    if expected is not None and (not isinstance(value, expected) or wrong_bool):
        raise _WrongType(where, kind, value)
    if kind == "structure" and isinstance(value, Mapping):
        _missing(shape, value, where, out)
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _walk(shape.member, item, f"{where}.{index}.member", out)
    elif kind == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            _walk(shape.value, item, f"{where}.{key}", out)


def check_request(operation: str, body: Mapping[str, Any]) -> ServiceError | None:
    """The error the service answers ``body`` with, or None.

    A value of the wrong JSON type is a ``SerializationException`` (the service
    cannot read the request); missing required members and broken constraints are
    one ``ValidationException`` listing every clause.
    """
    shape = _input_shape(operation)
    if shape is None:
        return None
    problems: list[str] = []
    try:
        _missing(shape, body, "", problems)
    except _WrongType as wrong:
        return error_for_code("SerializationException")(str(wrong))
    problems.extend(check_constraints(shape, body))
    if problems:
        return ValidationException(validation_message(problems))
    return None
