"""The boundary's type check: a request body against its input shape (pure core).

botocore checks types client-side, but a client made with
``Config(parameter_validation=False)`` (or any HTTP client, in server mode)
sends whatever it is given.  Before an operation sees a body, ``check_types``
walks it against the operation's input shape (duck typed, like
``constraints``: ``type_name``, ``members``, ``required_members``, ``member``,
``key``, ``value``, ``metadata``) and returns one clause per problem, worded
like the constraint clauses (paths as ``constraints`` writes them):

* a required member missing or null: ``Value null at 'associationId' failed to
  satisfy constraint: Member must not be null`` (Coral's wording);
* a value of the wrong JSON type: ``... Member must be a string`` (``an
  integer``, ``a boolean``, ``a list``, ``a map``, ``a structure``, ``a
  timestamp``, ``a number``);
* an integer outside its Java range (32-bit ``integer``, 64-bit ``long``), a
  non-finite number, a timestamp outside years 1..9999: ``... Member must be
  within the range of a 32-bit integer`` (and alike).

Values print as the constraint clauses print them, never a ``sensitive``
member's (nor anything inside one), and huge values shortened.  Members the
shape does not declare are ignored, as AWS ignores them.  Once a body passes,
every value an operation reads has its modelled JSON type.
"""

from __future__ import annotations

import contextlib
import math
import weakref
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["check_types", "shown"]

Checker = Callable[[Any, str, bool, list[str]], None]

_INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_RANGE_WORDS = {"integer": "a 32-bit integer", "long": "a 64-bit integer"}
# Epoch seconds of 0001-01-01 and 9999-12-31T23:59:59 (what a datetime can hold).
_EPOCH_RANGE = (-62135596800, 253402300799)
_MAX_SHOWN = 200


def shown(value: Any) -> str:
    """A value as the clauses print it (Java ``toString``-like), shortened if huge."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        if value.bit_length() > 200:
            digits = value.bit_length() * 3 // 10
            return f"{'-' if value < 0 else ''}<an integer of about {digits} digits>"
        return str(value)
    if isinstance(value, str):
        text = value
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(shown(v) for v in value[:20]) + "]"
    elif isinstance(value, Mapping):
        items = list(value.items())[:20]
        text = "{" + ", ".join(f"{shown(k)}={shown(v)}" for k, v in items) + "}"
    else:
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "..."


def _clause(value: Any, path: str, masked: bool, phrase: str) -> str:
    where = "Value" if masked else f"Value '{shown(value)}'"
    return f"{where} at '{path}' failed to satisfy constraint: {phrase}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _scalar(kind: str) -> Checker:
    if kind in _INT_RANGES:
        low, high = _INT_RANGES[kind]
        words = _RANGE_WORDS[kind]

        def check_int(value: Any, path: str, masked: bool, out: list[str]) -> None:
            if isinstance(value, bool) or not isinstance(value, int):
                out.append(_clause(value, path, masked, "Member must be an integer"))
            elif not low <= value <= high:
                out.append(_clause(value, path, masked, f"Member must be within {words}"))

        return check_int
    if kind in ("float", "double", "timestamp"):
        timestamp = kind == "timestamp"
        noun = "a timestamp" if timestamp else "a number"

        def check_number(value: Any, path: str, masked: bool, out: list[str]) -> None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                out.append(_clause(value, path, masked, f"Member must be {noun}"))
            elif isinstance(value, float) and not math.isfinite(value):
                out.append(_clause(value, path, masked, "Member must be a finite number"))
            elif timestamp and not _EPOCH_RANGE[0] <= value <= _EPOCH_RANGE[1]:
                out.append(
                    _clause(
                        value,
                        path,
                        masked,
                        "Member must be a timestamp between years 1 and 9999",
                    )
                )

        return check_number
    if kind == "boolean":

        def check_bool(value: Any, path: str, masked: bool, out: list[str]) -> None:
            if not isinstance(value, bool):
                out.append(_clause(value, path, masked, "Member must be a boolean"))

        return check_bool

    def check_string(value: Any, path: str, masked: bool, out: list[str]) -> None:
        if not isinstance(value, str):
            out.append(_clause(value, path, masked, "Member must be a string"))

    return check_string


class _Builder:
    """Compiles a shape into a checker once (shapes may recurse: late binding by name)."""

    def __init__(self) -> None:
        self.memo: dict[int, Checker] = {}

    def build(self, shape: Any) -> Checker:
        key = id(shape)
        if key in self.memo:
            return self.memo[key]
        slot: list[Checker] = []

        def deferred(value: Any, path: str, masked: bool, out: list[str]) -> None:
            slot[0](value, path, masked, out)

        self.memo[key] = deferred
        checker = self._compile(shape)
        slot.append(checker)
        self.memo[key] = checker
        return checker

    def _compile(self, shape: Any) -> Checker:
        kind = getattr(shape, "type_name", None)
        meta = getattr(shape, "metadata", None)
        sensitive = isinstance(meta, Mapping) and bool(meta.get("sensitive"))
        if kind == "structure":
            checker = self._structure(shape)
        elif kind == "list":
            checker = self._list(self.build(shape.member))
        elif kind == "map":
            checker = self._map(self.build(shape.value))
        elif isinstance(kind, str):
            checker = _scalar(kind)
        else:
            return lambda value, path, masked, out: None
        if not sensitive:
            return checker
        return lambda value, path, masked, out: checker(value, path, True, out)

    def _structure(self, shape: Any) -> Checker:
        raw = getattr(shape, "members", None)
        members: list[tuple[str, str, Checker]] = []
        for name, sub in raw.items() if isinstance(raw, Mapping) else ():
            serialization = getattr(sub, "serialization", None)
            wire = serialization.get("name", name) if isinstance(serialization, Mapping) else name
            members.append((str(wire), str(name)[:1].lower() + str(name)[1:], self.build(sub)))
        required = set(getattr(shape, "required_members", None) or ())
        needed = [(wire, path) for wire, path, _ in members if wire in required]
        by_wire = {wire: (name, checker) for wire, name, checker in members}

        def check_struct(value: Any, path: str, masked: bool, out: list[str]) -> None:
            if not isinstance(value, Mapping):
                out.append(_clause(value, path, masked, "Member must be a structure"))
                return
            for wire, name in needed:
                if value.get(wire) is None:
                    out.append(
                        f"Value null at '{_join(path, name)}' failed to satisfy constraint: "
                        "Member must not be null"
                    )
            if type(value) is dict and len(value) < len(members):
                # A body names a few of the members: walk its keys.  Problems are
                # rare; when there is one, walk again in member order, AWS's order.
                mark = len(out)
                for wire, item in value.items():
                    entry = by_wire.get(wire)
                    if entry is not None and item is not None:
                        entry[1](item, _join(path, entry[0]), masked, out)
                if len(out) == mark:
                    return
                del out[mark:]
            for wire, name, checker in members:
                item = value.get(wire)
                if item is not None:
                    checker(item, _join(path, name), masked, out)

        return check_struct

    @staticmethod
    def _list(element: Checker) -> Checker:
        def check_list(value: Any, path: str, masked: bool, out: list[str]) -> None:
            if not isinstance(value, list):
                out.append(_clause(value, path, masked, "Member must be a list"))
                return
            for index, item in enumerate(value, 1):
                where = f"{path}.{index}.member"
                if item is None:
                    out.append(
                        f"Value null at '{where}' failed to satisfy constraint: "
                        "Member must not be null"
                    )
                else:
                    element(item, where, masked, out)

        return check_list

    @staticmethod
    def _map(element: Checker) -> Checker:
        def check_map(value: Any, path: str, masked: bool, out: list[str]) -> None:
            if not isinstance(value, Mapping):
                out.append(_clause(value, path, masked, "Member must be a map"))
                return
            for key, item in value.items():
                where = f"{path}.{key}" if not masked else f"{path}.***"
                if not isinstance(key, str):
                    out.append(_clause(key, path, masked, "Map keys must be strings"))
                elif item is None:
                    out.append(
                        f"Value null at '{where}' failed to satisfy constraint: "
                        "Member must not be null"
                    )
                else:
                    element(item, where, masked, out)

        return check_map


_PLANS: weakref.WeakKeyDictionary[Any, Checker] = weakref.WeakKeyDictionary()


def check_types(shape: Any, body: Any) -> list[str]:
    """The type problems of ``body`` against input ``shape``; empty when it conforms."""
    if shape is None:
        return [] if isinstance(body, Mapping) else ["The request body must be a JSON object"]
    try:
        checker = _PLANS[shape]
    except (KeyError, TypeError):
        checker = _Builder().build(shape)
        with contextlib.suppress(TypeError):
            _PLANS[shape] = checker
    out: list[str] = []
    checker(body, "", False, out)
    return out
