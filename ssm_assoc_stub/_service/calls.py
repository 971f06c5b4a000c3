"""The record of one call the stub answered (pure core).

``AssociationStub.calls`` is a tuple of ``Call`` records in call order.  A record
holds deep copies made read-only: dicts and lists in ``params`` and ``response``
are ``dict``/``list`` subclasses that refuse to change, so they still compare
equal to the plain literals a test writes and print like them in pytest's diffs.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, NoReturn

import attrs

__all__ = ["Call", "CallError", "CallLog", "freeze"]

_IMMUTABLE = (str, bytes, int, float, bool, type(None), datetime, date, Decimal)


def _read_only(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(f"{type(self).__name__} in a Call record is read-only; copy it to change it")


class FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses every change (the values are frozen too)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return (type(self), (dict(self),))


class FrozenList(list[Any]):
    """A ``list`` that refuses every change (the items are frozen too)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = clear = extend = insert = pop = remove = reverse = sort = _read_only

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> FrozenList:
        return self

    def __reduce__(self) -> tuple[type[FrozenList], tuple[list[Any]]]:
        return (type(self), (list(self),))


_SCALAR_TYPES = frozenset(_IMMUTABLE)


def freeze(value: Any) -> Any:
    """A read-only deep copy of an API value (dicts, lists, scalars)."""
    kind = type(value)
    if kind in _SCALAR_TYPES:  # exact types first: no ABC checks on the hot path
        return value
    if kind is dict:
        scalars = _SCALAR_TYPES
        return FrozenDict({k: v if type(v) in scalars else freeze(v) for k, v in value.items()})
    if kind is list:
        return FrozenList([v if type(v) in _SCALAR_TYPES else freeze(v) for v in value])
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, Mapping):
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return FrozenList(freeze(item) for item in value)
    return copy.deepcopy(value)


class CallError(NamedTuple):
    """The error a recorded call failed with (``Call.error``): ``(code, message)``."""

    code: str
    """The AWS error code, e.g. ``"ValidationException"``."""
    message: str
    """The error message, as AWS words it."""


@attrs.frozen(kw_only=True)
class Call:
    """One SSM call the stub answered.

    ``params`` are the API parameters as the caller passed them; ``response`` is
    the parsed success response (``None`` if the call failed) and ``error`` the
    ``(code, message)`` it failed with (``None`` if it succeeded).  Injected
    errors and server-side validation failures are recorded too.
    """

    operation: str
    """The operation name, e.g. ``"UpdateAssociation"``."""
    params: Mapping[str, Any]
    """The API parameters as passed: a read-only deep copy that compares equal to dicts."""
    region: str
    """The client's Region."""
    response: Mapping[str, Any] | None = None
    """The parsed response, ``ResponseMetadata`` included; ``None`` if the call failed."""
    error: CallError | None = None
    """The error the call failed with; ``None`` if it succeeded."""

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None


class CallLog:
    """The calls one stub run recorded: the newest ``limit`` of them, or all (``None``).

    A full log drops its oldest record for each new one and counts it in
    ``dropped``.  Kept records cost about as much memory as their parameters and
    response (``docs/performance.md`` has the measured bytes per call).
    """

    __slots__ = ("_records", "dropped", "limit")

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self._records: deque[Call] = deque(maxlen=limit)
        self.dropped = 0

    def append(self, call: Call) -> None:
        records = self._records
        if self.limit is not None and len(records) == self.limit:
            self.dropped += 1  # the deque drops the oldest as it takes the new one
        records.append(call)

    def clear(self) -> None:
        self._records.clear()
        self.dropped = 0

    def __iter__(self) -> Iterator[Call]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: int) -> Call:
        return self._records[index]
