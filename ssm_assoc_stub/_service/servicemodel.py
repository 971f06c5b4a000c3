"""The SSM service model the server-side checks follow: the shipped snapshot (D-VAL-1).

AWS is one service whatever botocore a client runs, so the stub never checks a
request against the client's installed model.  It reads
``data/ssm-service-model.json``, a compact snapshot of the newest SSM model the
project ships (written by ``scripts/refresh_service_model.py``; a test fails when the
installed botocore's model is newer), and answers every client from it.  The client's
own model is used only for what botocore itself does in the client: client-side
validation, serialisation, parsing.

The snapshot loads once per process, on first use; its shapes are plain objects of the
form ``constraints`` and ``typecheck`` walk (``type_name``, ``name``, ``members``,
``member``, ``key``, ``value``, ``metadata``, ``serialization``,
``required_members``), and live as long as the process, so the plans those modules
cache per shape are built once per process, not once per client (issue 11).

:func:`validate` is the one validation entry point of the service, for the botocore
binding and the HTTP server alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from .constraints import check_constraints
from .errors import ValidationException, validation_message
from .typecheck import check_types

__all__ = ["Shape", "ModelInfo", "input_shape", "model_info", "validate"]

_DATA = "ssm-service-model.json"
_TRAITS = ("min", "max", "pattern", "enum", "sensitive")


class Shape:
    """One shape of the snapshot, in the duck-typed form the checks read."""

    __slots__ = (
        "key",
        "member",
        "members",
        "metadata",
        "name",
        "required_members",
        "serialization",
        "type_name",
        "value",
        "__weakref__",  # the plans of ``constraints`` and ``typecheck`` are cached per shape
    )

    def __init__(self, name: str, type_name: str, metadata: Mapping[str, Any]) -> None:
        self.name = name
        self.type_name = type_name
        self.metadata = dict(metadata)
        self.members: dict[str, Shape] = {}
        self.required_members: list[str] = []
        self.member: Shape | None = None
        self.key: Shape | None = None
        self.value: Shape | None = None
        self.serialization: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<Shape {self.name} ({self.type_name})>"


class ModelInfo:
    """The snapshot's header: where it came from."""

    __slots__ = ("api_version", "botocore_version", "model_sha256", "operations")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.botocore_version = str(data["botocore_version"])
        self.api_version = str(data["api_version"])
        self.model_sha256 = str(data["model_sha256"])
        self.operations = tuple(data["operations"])


@cache
def _load() -> tuple[ModelInfo, dict[str, Shape]]:
    text = resources.files(__package__).joinpath("data", _DATA).read_text(encoding="utf-8")
    data = json.loads(text)
    raw: dict[str, Any] = data["shapes"]
    shapes = {
        name: Shape(name, spec["type"], {k: spec[k] for k in _TRAITS if k in spec})
        for name, spec in raw.items()
    }

    renamed: list[tuple[Shape, Shape]] = []

    def member(ref: Mapping[str, Any]) -> Shape:
        target = shapes[ref["shape"]]
        if "locationName" not in ref:
            return target
        wired = Shape(target.name, target.type_name, target.metadata)  # a member trait
        wired.serialization = {"name": ref["locationName"]}
        renamed.append((wired, target))
        return wired

    for name, spec in raw.items():
        shape = shapes[name]
        if "members" in spec:
            shape.members = {m: member(ref) for m, ref in spec["members"].items()}
            shape.required_members = list(spec.get("required", ()))
        if "member" in spec:
            shape.member = member(spec["member"])
        if "key" in spec:
            shape.key, shape.value = member(spec["key"]), member(spec["value"])
    for wired, target in renamed:  # once every shape is linked
        for slot in ("members", "required_members", "member", "key", "value"):
            setattr(wired, slot, getattr(target, slot))
    inputs = {op: shapes[shape] for op, shape in data["operations"].items()}
    return ModelInfo(data), inputs


def model_info() -> ModelInfo:
    """The botocore version, API version and model digest the snapshot was taken from."""
    return _load()[0]


def input_shape(operation: str) -> Shape | None:
    """The input shape of ``operation`` in the shipped model; None for an unknown one."""
    return _load()[1].get(operation)


def validate(operation: str, body: Mapping[str, Any]) -> None:
    """Check one request as the service does before any operation runs (D-VAL-1).

    ``operation`` is the API name (``"CreateAssociation"``), ``body`` the
    JSON-decoded request body (PascalCase members, timestamps as epoch numbers), as
    an SSM client sends it over the wire.  The body is checked against the
    operation's input shape in the shipped model: JSON types, required members and
    integer and date ranges (``typecheck``), then patterns, lengths, enums and list
    sizes (``constraints``).  Raises ``ValidationException`` with AWS's message
    (``1 validation error detected: Value '0' at 'maxConcurrency' failed to satisfy
    constraint: ...``), the same text for every client version; returns None when
    the body passes or the operation is not in the model.  Pure: reads no state.
    The botocore binding and the HTTP server both call it.
    """
    shape = input_shape(operation)
    if shape is None:
        return
    problems = check_types(shape, body)
    if not problems:
        problems = check_constraints(shape, body)
    if problems:
        raise ValidationException(validation_message(problems))
