"""Hypothesis strategies generated from the installed botocore SSM model (not a test module).

``request(operation, hints)`` draws keyword arguments for a boto3 ``ssm`` client
method by walking the operation's input shape.  Every string, number, list and
map is drawn from what the shape declares (Java ``pattern`` through
``compile_java_pattern``, ``min``/``max``, ``enum``), so the strategies follow
the installed botocore.  Drawn requests are:

* mostly valid: one request in ``100 - INVALID_REQUEST_PERCENT`` breaks nothing;
  the others break each constrained value with ``INVALID_VALUE_PERCENT`` %
  odds: a pattern mismatch, a length or size one past a bound (above ``max``
  reaches the service, below ``min`` stops at botocore's ``ParamValidationError``),
  a number out of range, a value outside the enum, or a value of the wrong type;
* realistic where it matters: document names from the stub's catalogue with
  parameters the document defines, instance ids from a small pool, association
  ids and pagination tokens seen earlier (``Hints``), schedule expressions that
  are mostly well formed.  The realistic values are mixed with the generic ones,
  so the model-generated values still reach every member.
"""

from __future__ import annotations

import functools
import re
import string
from datetime import datetime, timezone
from typing import Any

import attrs
import botocore.session
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ssm_assoc_stub._service.constraints import compile_java_pattern
from ssm_assoc_stub._service.documents import DocumentRegistry, ParameterSpec

__all__ = [
    "CUSTOM_DOCUMENT",
    "CUSTOM_DOCUMENT_SPEC",
    "DOCUMENTS",
    "INSTANCE_POOL",
    "MODEL",
    "OPERATIONS",
    "OTHER_OPERATIONS",
    "Hints",
    "invalid_values",
    "request",
    "shapes_with_constraints",
    "valid_or_invalid",
]

MODEL = botocore.session.get_session().get_service_model("ssm")
OPERATIONS = (
    "CreateAssociation",
    "CreateAssociationBatch",
    "DescribeAssociation",
    "ListAssociationVersions",
    "UpdateAssociation",
    "UpdateAssociationStatus",
)
# The rest of the association API (issue 4): same generator, fewer realistic hints.
OTHER_OPERATIONS = (
    "ListAssociations",
    "DeleteAssociation",
    "StartAssociationsOnce",
    "DescribeAssociationExecutions",
    "DescribeAssociationExecutionTargets",
    "DescribeInstanceAssociationsStatus",
    "DescribeEffectiveInstanceAssociations",
)
INVALID_REQUEST_PERCENT = 30
INVALID_VALUE_PERCENT = 12
# Nodes the tests register: Linux ones (one with the 8-character id form) and one Windows
# node, on which AWS-RunShellScript is an UnsupportedPlatformType.
INSTANCE_POOL = ("i-0123456789abcdef0", "i-0fedcba987654321f", "i-0aaaaaaaaaaaaaaa1", "i-1234abcd")
WINDOWS_INSTANCE = "i-0aaaaaaaaaaaaaaa1"
# A document of the test's own with two versions (version 2 adds an optional parameter):
# register it in each stub with ``stub.add_document(CUSTOM_DOCUMENT, **CUSTOM_DOCUMENT_SPEC)``.
CUSTOM_DOCUMENT = "Custom-Deploy"
CUSTOM_DOCUMENT_SPEC: dict[str, Any] = {
    "versions": [
        {"release": {"type": "String"}},
        {
            "release": {"type": "String"},
            "mode": {"type": "String", "default": "safe", "allowedValues": ["fast", "safe"]},
        },
    ],
}
_REGISTRY = DocumentRegistry()
_REGISTRY.add(CUSTOM_DOCUMENT, **CUSTOM_DOCUMENT_SPEC)
DOCUMENTS: tuple[str, ...] = _REGISTRY.names()
_MAX_TEXT = 24  # generic strings stay short unless a bound says otherwise
_UTC = timezone.utc


@attrs.frozen
class Hints:
    """Values seen earlier in a run, so that requests can name existing things."""

    association_ids: tuple[str, ...] = ()
    next_tokens: tuple[str, ...] = ()


def _mostly(
    common: SearchStrategy[Any], rare: SearchStrategy[Any], percent: int
) -> SearchStrategy[Any]:
    """``rare`` in about ``percent`` % of draws, else ``common`` (shrinks towards common)."""
    if percent <= 0:
        return common
    return st.integers(0, 99).flatmap(lambda n: rare if n >= 100 - percent else common)


def _bounds(shape: Any) -> tuple[int | None, int | None]:
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    return (int(low) if low is not None else None, int(high) if high is not None else None)


# -- valid values ----------------------------------------------------------------------------


def _valid_string(shape: Any) -> SearchStrategy[str]:
    return _valid_string_named(shape.name)


@functools.cache
def _valid_string_named(name: str) -> SearchStrategy[str]:
    """Cached by shape name: a strategy for a long Java pattern is slow to build."""
    shape = MODEL.shape_for(name)
    meta = shape.metadata
    low, high = _bounds(shape)
    if meta.get("enum"):
        return st.sampled_from(list(meta["enum"]))
    pattern = meta.get("pattern")
    regex = compile_java_pattern(pattern) if pattern else None
    if regex is not None:
        drawn = _from_regex(regex)
        if low is not None or high is not None:
            drawn = drawn.filter(lambda s: (low or 0) <= len(s) <= (high or len(s)))
        return drawn
    floor = low or 0
    return st.text(
        min_size=floor, max_size=min(high if high is not None else 10**9, floor + _MAX_TEXT)
    )


def _from_regex(regex: re.Pattern[str]) -> SearchStrategy[str]:
    """Strings that fullmatch ``regex``, on every hypothesis version the project allows.

    Some hypothesis releases (6.155 among them) refuse a pattern compiled with
    ``re.ASCII`` whose classes name non-ASCII characters (``[^\\x85]``, Java's line
    terminators) with ``IncompatibleWithAlphabet``.  Then the same pattern without
    the flag generates, and the compiled pattern filters.
    """
    drawn = st.from_regex(regex, fullmatch=True)
    try:
        drawn.validate()
    except Exception:  # hypothesis.errors.InvalidArgument subclasses, by version
        unflagged = re.compile(regex.pattern, regex.flags & ~re.ASCII)
        drawn = st.from_regex(unflagged, fullmatch=True).filter(
            lambda text: regex.fullmatch(text) is not None
        )
    return drawn


def _valid(shape: Any, invalid: int) -> SearchStrategy[Any]:
    """Values of ``shape`` whose own constraints hold; members break with ``invalid`` % odds."""
    kind = shape.type_name
    low, high = _bounds(shape)
    if kind == "string":
        return _valid_string(shape)
    if kind in ("integer", "long"):
        return st.integers(
            low if low is not None else -(2**31), high if high is not None else 2**31
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(_UTC))
    if kind == "list":
        return st.lists(
            valid_or_invalid(shape.member, invalid),
            min_size=low or 0,
            max_size=min(high if high is not None else 3, (low or 0) + 3),
        )
    if kind == "map":
        return st.dictionaries(
            valid_or_invalid(shape.key, invalid).filter(lambda k: not isinstance(k, list | dict)),
            valid_or_invalid(shape.value, invalid),
            min_size=low or 0,
            max_size=min(high if high is not None else 3, (low or 0) + 3),
        )
    if kind == "structure":
        return _structure(shape, invalid, None)
    raise NotImplementedError(f"no strategy for {kind} shape {shape.name}")  # pragma: no cover


# -- invalid values ----------------------------------------------------------------------------

_BAD_CHARACTERS = ("\n", " ", "#", "!", "*", "é", "\u2028", "'", "%", "~")


def _repeated(count: int, item: Any) -> list[Any]:
    return [item] * count


def _insert(value: str, at: int, bad: str) -> str:
    at = at % (len(value) + 1) if at >= 0 else max(0, len(value) + 1 + at)
    return value[:at] + bad + value[at:]


def invalid_values(shape: Any) -> SearchStrategy[Any] | None:
    """Values that break one constraint of ``shape`` itself, or ``None`` if it has none.

    Wrong types are always possible; they must stop at botocore's own validation.
    """
    return _invalid_named(shape.name)


@functools.cache
def _invalid_named(name: str) -> SearchStrategy[Any] | None:
    shape = MODEL.shape_for(name)
    kind = shape.type_name
    meta = shape.metadata
    low, high = _bounds(shape)
    options: list[SearchStrategy[Any]] = []
    if kind == "string":
        options.append(st.sampled_from([7, ["x"], {"x": "y"}]))
        if high is not None:
            options.append(st.integers(high + 1, high + 3).map(lambda n: "a" * n))
        if low:
            options.append(st.just("a" * (low - 1)))
        if meta.get("enum"):
            enum = list(meta["enum"])
            options.append(st.sampled_from(enum).map(str.lower).filter(lambda s: s not in enum))
            options.append(st.text(max_size=12).filter(lambda s: s not in enum))
        pattern = meta.get("pattern")
        regex = compile_java_pattern(pattern) if pattern else None
        if regex is not None:
            mutated = st.builds(
                _insert, _valid_string(shape), st.integers(0, 200), st.sampled_from(_BAD_CHARACTERS)
            )
            options.append(
                st.one_of(mutated, st.text(max_size=_MAX_TEXT)).filter(
                    lambda s: regex.fullmatch(s) is None
                )
            )
    elif kind in ("integer", "long"):
        options.append(st.sampled_from(["1", 1.5, None]))
        if high is not None:
            options.append(st.integers(high + 1, high + 1000))
        if low is not None:
            options.append(st.integers(low - 1000, low - 1))
    elif kind == "boolean":
        options.append(st.sampled_from(["true", 1, None]))
    elif kind == "timestamp":
        options.append(st.sampled_from(["yesterday", [1]]))
        far = st.sampled_from(
            [datetime(1, 1, 2), datetime(1969, 12, 31, 23, 59), datetime(9999, 12, 30)]
        )
        options.append(far.map(lambda d: d.replace(tzinfo=_UTC)))
    elif kind in ("list", "map"):
        options.append(st.just("not a container"))
        element: SearchStrategy[Any]
        if kind == "list":
            element = _valid(shape.member, 0)
            if high is not None:  # one element repeated: cheap however large the bound
                options.append(element.map(functools.partial(_repeated, high + 1)))
            if low:
                options.append(st.just([]))
        else:
            if high is not None:
                options.append(
                    st.builds(
                        lambda v, n: {f"k{i}": v for i in range(n)},
                        _valid(shape.value, 0),
                        st.just(high + 1),
                    )
                )
            if low:
                options.append(st.just({}))
    elif kind == "structure":
        options.append(st.just(["not", "a", "structure"]))
        options.append(st.builds(lambda d: {**d, "UnknownMember": "x"}, _structure(shape, 0, None)))
    return st.one_of(options) if options else None


@functools.cache
def _cached(shape_name: str, invalid: int) -> SearchStrategy[Any]:
    shape = MODEL.shape_for(shape_name)
    valid = _valid(shape, invalid)
    broken = invalid_values(shape) if invalid else None
    return _mostly(valid, broken, invalid) if broken is not None else valid


def valid_or_invalid(shape: Any, invalid: int) -> SearchStrategy[Any]:
    """Values of ``shape``: valid, or (``invalid`` % of draws) breaking one constraint."""
    return _cached(shape.name, invalid)


# -- realistic values for key members ----------------------------------------------------------


def _parameter_values(spec: ParameterSpec) -> SearchStrategy[list[str]]:
    if spec.allowed_values:
        return st.lists(st.sampled_from(spec.allowed_values), min_size=1, max_size=1)
    word = st.text(string.ascii_letters + string.digits + " -./", min_size=1, max_size=12)
    if spec.type in ("StringList", "MapList"):
        return st.lists(word, min_size=1, max_size=3)
    return st.lists(word, min_size=1, max_size=1)


@functools.cache
def _document_parameters(name: str) -> SearchStrategy[dict[str, list[str]]]:
    """Parameters ``name``'s default version defines: required ones always, others sometimes."""
    specs = _REGISTRY.get(name).version(None).parameters
    required = {p.name: _parameter_values(p) for p in specs.values() if p.required}
    optional = {p.name: _parameter_values(p) for p in specs.values() if not p.required}
    return st.fixed_dictionaries(required, optional=optional)


def _parameters(document: object, invalid: int) -> SearchStrategy[Any]:
    generic = valid_or_invalid(MODEL.shape_for("Parameters"), invalid)
    name = "AWS-RunShellScript" if document is None else document
    if not isinstance(name, str) or name not in DOCUMENTS:
        return generic
    return _mostly(_document_parameters(name), generic, 15)


_SCHEDULES = st.one_of(
    st.sampled_from(
        ["rate(30 minutes)", "rate(1 day)", "cron(0 2 ? * SUN *)", "cron(0 0/30 * * ? *)"]
    ),
    st.builds(
        "rate({} {})".format,
        st.integers(-1, 50000),
        st.sampled_from(["minute", "minutes", "hour", "hours", "day", "days", "weeks"]),
    ),
    st.builds(
        lambda fields: "cron({})".format(" ".join(fields)),
        st.lists(
            st.sampled_from(
                [
                    "0",
                    "*",
                    "?",
                    "L",
                    "1W",
                    "MON#2",
                    "5L",
                    "MON-FRI",
                    "0/30",
                    "*/15",
                    "59",
                    "31",
                    "2026",
                    "1999-2001",
                    "JAN",
                    "FRI-MON",
                    "13",
                    "00",
                    "60",
                    "LW",
                ]
            ),
            min_size=5,
            max_size=7,
        ),
    ),
    st.builds(
        lambda d: f"at({d:%Y-%m-%dT%H:%M:%S})",
        st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)),
    ),
)


def _tokens(seen: tuple[str, ...]) -> SearchStrategy[str]:
    """Tokens seen earlier, as they were, or with one character changed or inserted."""
    if not seen:
        return st.nothing()
    kept = st.sampled_from(seen)
    at_end = st.integers(0, 30).map(lambda n: -n)  # the signature is at the end
    return st.one_of(
        kept,
        st.builds(_insert, kept, at_end, st.sampled_from(_BAD_CHARACTERS + ("=", ".", "/"))),
        st.builds(lambda t, at: t[:at] + t[at:][1:], kept, at_end),
    )


def _realistic(member_shape: str, hints: Hints, invalid: int) -> SearchStrategy[Any] | None:
    """Realistic values for the members that decide how deep a call goes, else ``None``."""
    ids = st.sampled_from(hints.association_ids) if hints.association_ids else st.nothing()
    pool = st.sampled_from(INSTANCE_POOL)
    options: dict[str, SearchStrategy[Any]] = {
        "DocumentARN": st.one_of(
            st.just("AWS-RunShellScript"),
            st.sampled_from(DOCUMENTS),
            st.sampled_from(DOCUMENTS).map("arn:aws:ssm:eu-west-1::document/{}".format),
        ),
        "AssociationId": ids if hints.association_ids else st.uuids().map(str),
        "InstanceId": pool,
        "AssociationVersion": st.sampled_from(["$LATEST", "1", "2", "3", "4"]),
        "DocumentVersion": st.sampled_from(["$DEFAULT", "$LATEST", "1", "2"]),
        "ScheduleExpression": _SCHEDULES,
        "NextToken": _tokens(hints.next_tokens),
        "AutomationTargetParameterName": st.just("InstanceId"),
        "Targets": st.one_of(
            st.lists(pool, min_size=1, max_size=3).map(
                lambda v: [{"Key": "InstanceIds", "Values": v}]
            ),
            st.just([{"Key": "tag:role", "Values": ["web"]}]),
            st.just([{"Key": "tag-key", "Values": ["role"]}]),
        ),
    }
    realistic = options.get(member_shape)
    if realistic is None:
        return None
    return _mostly(realistic, valid_or_invalid(MODEL.shape_for(member_shape), invalid), 25)


# How often an optional member is sent (percent), by member name; others: _DEFAULT_INCLUDE.
_INCLUDE = {
    "Targets": 70,
    "Parameters": 85,
    "Name": 40,
    "AssociationId": 80,
    "InstanceId": 12,
    "AssociationVersion": 35,
    "MaxResults": 40,
    "NextToken": 40,
    "AdditionalInfo": 40,
}
_DEFAULT_INCLUDE = 8


@st.composite
def _structure(draw: Any, shape: Any, invalid: int, hints: Hints | None) -> dict[str, Any]:
    """A structure: required members always, optional ones at their ``_INCLUDE`` odds."""
    out: dict[str, Any] = {}
    required = set(shape.required_members)
    members = shape.members
    for name, member in members.items():
        if name == "Parameters" and member.name == "Parameters":
            continue  # drawn last, for the document named (if any)
        chance = 100 if name in required else _INCLUDE.get(name, _DEFAULT_INCLUDE)
        if "Name" in members and name == "InstanceId" and "Parameters" not in members:
            chance = 45  # DescribeAssociation by Name + InstanceId
        if draw(st.integers(0, 99)) >= chance:
            continue
        realistic = _realistic(member.name, hints, invalid) if hints is not None else None
        out[name] = draw(realistic if realistic is not None else valid_or_invalid(member, invalid))
    if "Parameters" in members and draw(st.integers(0, 99)) < _INCLUDE["Parameters"]:
        out["Parameters"] = draw(_parameters(out.get("Name"), invalid))
    return out


def _legacy_entry() -> SearchStrategy[dict[str, Any]]:
    """A create by InstanceId (schema 1.2 documents only), rarely drawn by chance."""
    return st.builds(
        lambda name, node, params: {"Name": name, "InstanceId": node, "Parameters": params},
        st.sampled_from(["AWS-RunShellScript", "AWS-RunPowerShellScript"]),
        st.sampled_from(INSTANCE_POOL),
        _document_parameters("AWS-RunShellScript"),
    )


def _request_with(operation: str, invalid: int, hints: Hints) -> SearchStrategy[dict[str, Any]]:
    shape = MODEL.operation_model(operation).input_shape
    drawn = _structure(shape, invalid, hints)
    if operation == "CreateAssociation":
        return _mostly(drawn, _legacy_entry(), 20)
    if operation == "CreateAssociationBatch":
        entry = _mostly(
            _structure(shape.members["Entries"].member, invalid, hints), _legacy_entry(), 20
        )
        entries = st.lists(entry, min_size=1, max_size=4)
        return _mostly(drawn, st.builds(lambda r, e: {**r, "Entries": e}, drawn, entries), 70)
    if operation == "UpdateAssociationStatus":
        return _mostly(drawn, drawn.map(_status_for_legacy), 50)
    return drawn


def _status_for_legacy(request: dict[str, Any]) -> dict[str, Any]:
    """Aim UpdateAssociationStatus at what the legacy entries create."""
    return {**request, "Name": "AWS-RunShellScript", "InstanceId": INSTANCE_POOL[0]}


def request(operation: str, hints: Hints | None = None) -> SearchStrategy[dict[str, Any]]:
    """Keyword arguments for ``operation`` (mostly valid, some breaking a constraint)."""
    if operation not in OPERATIONS + OTHER_OPERATIONS:
        raise ValueError(f"no request strategy for {operation}")
    hints = hints if hints is not None else Hints()
    valid = _request_with(operation, 0, hints)
    broken = _request_with(operation, INVALID_VALUE_PERCENT, hints)
    return _mostly(valid, broken, INVALID_REQUEST_PERCENT)


def shapes_with_constraints(operation: str) -> dict[str, dict[str, Any]]:
    """Every shape reachable from ``operation``'s input with a pattern, bound or enum."""
    found: dict[str, dict[str, Any]] = {}

    def walk(shape: Any) -> None:
        if shape.name in found:
            return
        keys = ("pattern", "min", "max", "enum")
        found[shape.name] = {k: shape.metadata[k] for k in keys if k in shape.metadata}
        children: list[Any] = []
        if shape.type_name == "structure":
            children = list(shape.members.values())
        elif shape.type_name == "list":
            children = [shape.member]
        elif shape.type_name == "map":
            children = [shape.key, shape.value]
        for child in children:
            walk(child)

    walk(MODEL.operation_model(operation).input_shape)
    return {name: c for name, c in found.items() if c}
