"""Execution records: ``Execution``, ``TargetResult``, ``TraceEvent`` and the compact target table.

An execution's per-target results are kept as columns, not as one object per
target: the node ids in dispatch order (a list of the fleet's own strings), one
status byte each, and the start and end times as integer milliseconds
(``array('q')``), about 25 bytes a target.  ``TargetTable`` is the read-only
``Mapping[str, TargetResult]`` over them that ``Execution.targets`` is; it
builds a ``TargetResult`` only when one is read.  The engine fills the columns
while a run progresses and hands them over to the final record, so finishing a
run copies nothing.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import attrs

from .simulator import from_ms

__all__ = [
    "CANCELLED",
    "CODES",
    "FAILED",
    "IN_PROGRESS",
    "PENDING",
    "SKIPPED",
    "STATUSES",
    "SUCCESS",
    "TIMED_OUT",
    "Execution",
    "NodeResult",
    "TargetResult",
    "TargetTable",
    "TraceEvent",
    "node_result",
]

#: Per-target statuses, by code (the status byte of the table).
#: ``Cancelled``: stopped by an alarm (D-ALM-1) or by the end of a Duration window (D-DUR-1).
STATUSES = ("Pending", "InProgress", "Success", "Failed", "TimedOut", "Skipped", "Cancelled")
PENDING, IN_PROGRESS, SUCCESS, FAILED, TIMED_OUT, SKIPPED, CANCELLED = range(7)
CODES = {name: code for code, name in enumerate(STATUSES)}
_NONE = -1  # "not yet" in the time columns

#: One node's latest result: ``(execution_id, association_version, code, started_ms, ended_ms)``.
NodeResult = tuple[str, str, int, int, int]


def node_result(instance_id: str, row: NodeResult) -> TargetResult:
    """The ``TargetResult`` a ``NodeResult`` row stands for."""
    _, _, code, started, ended = row
    status = STATUSES[code]
    return TargetResult(
        instance_id,
        status,
        status,
        None if started == _NONE else from_ms(started),
        None if ended == _NONE else from_ms(ended),
    )


@attrs.frozen
class TargetResult:
    """One target's part in an execution."""

    instance_id: str
    """The managed node."""
    status: str
    """``Pending``, ``InProgress``, ``Success``, ``Failed``, ``TimedOut`` or ``Skipped``."""
    detailed_status: str
    """The same as ``status``."""
    started: datetime | None
    """When it was dispatched; ``None`` until then, and for ``Skipped``."""
    ended: datetime | None
    """When it finished; ``None`` until then, and for ``Skipped``."""


class TargetTable(Mapping[str, TargetResult]):
    """Read-only per-target results: the dispatched in dispatch order, then the rest.

    Positions ``0 .. dispatched-1`` are the dispatched targets; after them come
    ``rest[rest_start:]`` (never dispatched: ``rest_code``, Pending or Skipped).
    A table the engine hands out for a run in progress (``Engine.view``) reads
    the run's live columns: it is valid until the engine next changes, which is
    what an operation under the state lock needs; ``Engine.snapshot`` copies.
    """

    __slots__ = (
        "_ended",
        "_ids",
        "_index",
        "_rest",
        "_rest_code",
        "_rest_start",
        "_started",
        "_status",
    )

    def __init__(
        self,
        ids: list[str],
        status: bytearray,
        started: array[int],
        ended: array[int],
        rest: Sequence[str] = (),
        rest_code: int = SKIPPED,
        *,
        rest_start: int = 0,
        index: Mapping[str, int] | None = None,
    ) -> None:
        self._ids = ids
        self._status = status
        self._started = started
        self._ended = ended
        self._rest = rest
        self._rest_start = rest_start
        self._rest_code = rest_code
        # id -> dispatch position, or < 0 for a target not dispatched; built on demand
        self._index = index

    # -- positions -------------------------------------------------------------
    @property
    def dispatched(self) -> int:
        return len(self._ids)

    def __len__(self) -> int:
        return len(self._ids) + len(self._rest) - self._rest_start

    def __iter__(self) -> Iterator[str]:
        return itertools.chain(self._ids, itertools.islice(self._rest, self._rest_start, None))

    def __contains__(self, key: object) -> bool:
        return self.position(key) is not None

    def __getitem__(self, key: str) -> TargetResult:
        position = self.position(key)
        if position is None:
            raise KeyError(key)
        return self.result_at(position)

    def position(self, key: object) -> int | None:
        """Where ``key`` is in the table (dispatch order, then the rest); None if absent."""
        index = self._index
        if index is None:
            index = self._index = self._build_index()
        found = index.get(key) if isinstance(key, str) else None
        if found is None:
            return None
        if found >= 0:
            return found if found < len(self._ids) else None
        # not dispatched: find it in the rest (rare: a lookup of a Pending/Skipped target)
        try:
            return len(self._ids) + self._rest.index(key, self._rest_start) - self._rest_start
        except ValueError:
            return None

    def _build_index(self) -> dict[str, int]:
        index = dict.fromkeys(itertools.islice(self._rest, self._rest_start, None), -1)
        index.update(zip(self._ids, range(len(self._ids)), strict=True))
        return index

    # -- reading one position ------------------------------------------------------
    def instance_at(self, position: int) -> str:
        ids = self._ids
        if position < len(ids):
            return ids[position]
        return self._rest[position - len(ids) + self._rest_start]

    def code_at(self, position: int) -> int:
        if position < len(self._ids):
            return self._status[position]
        return self._rest_code

    def status_at(self, position: int) -> str:
        return STATUSES[self.code_at(position)]

    def times_at(self, position: int) -> tuple[datetime | None, datetime | None]:
        """``(started, ended)`` of the target at ``position``."""
        if position >= len(self._ids):
            return None, None
        started, ended = self._started[position], self._ended[position]
        return (
            None if started == _NONE else from_ms(started),
            None if ended == _NONE else from_ms(ended),
        )

    def result_at(self, position: int) -> TargetResult:
        status = self.status_at(position)
        started, ended = self.times_at(position)
        return TargetResult(self.instance_at(position), status, status, started, ended)

    def node_rows(self, execution_id: str, version: str) -> Iterator[tuple[str, NodeResult]]:
        """``(node, (execution_id, version, code, started_ms, ended_ms))`` for every target.

        What ``AssociationState.node_results`` keeps: plain tuples that pin no
        execution (-1 for a time not set).  Built by ``zip``, so it is cheap.
        """
        eid, ver = itertools.repeat(execution_id), itertools.repeat(version)
        dispatched = zip(eid, ver, self._status, self._started, self._ended, strict=False)
        yield from zip(self._ids, dispatched, strict=True)
        rest = itertools.islice(self._rest, self._rest_start, None)
        yield from zip(
            rest, itertools.repeat((execution_id, version, self._rest_code, -1, -1)), strict=False
        )

    def copy(self) -> TargetTable:
        """A table that no longer follows the run (what a snapshot holds)."""
        rest = list(itertools.islice(self._rest, self._rest_start, None))
        return TargetTable(
            list(self._ids),
            bytearray(self._status),
            array("q", self._started),
            array("q", self._ended),
            rest,
            self._rest_code,
        )

    def __repr__(self) -> str:
        return f"TargetTable({dict(self.items())!r})"


@attrs.frozen
class Execution:
    """One association execution, in progress (a snapshot) or finished.

    ``targets`` is a read-only mapping from node id to its ``TargetResult``, in
    dispatch order, then the nodes never dispatched.  For executions older than
    the ``history_target_limit`` budget the stub keeps the summary only: their
    ``targets`` is empty and ``targets_kept`` is False.
    """

    execution_id: str
    """The execution's id, as ``DescribeAssociationExecutions`` shows it."""
    association_id: str
    """The association it belongs to."""
    association_version: str
    """The association version that ran."""
    status: str
    """``InProgress``, then ``Success`` (every target succeeded) or ``Failed`` (D-ST-1)."""
    detailed_status: str
    """The same as ``status``."""
    created_time: datetime
    """When it started (the association's ``LastExecutionDate``)."""
    ended_time: datetime | None
    """When the last target finished; ``None`` while in progress."""
    targets: Mapping[str, TargetResult]
    """Node id to its ``TargetResult``: dispatch order, then the nodes not dispatched (D-RC-10)."""
    resource_count_by_status: str
    """The counts as AWS writes them, e.g. ``"{Failed=6, Skipped=2, Success=42}"`` (D-EXE-1)."""
    status_counts: Mapping[str, int]
    """The same counts as a mapping, keys sorted, no zero entries (the Overview's counts)."""
    peak_concurrency: int
    """The most targets running at one instant."""
    threshold_crossed_at: datetime | None
    """When the MaxErrors threshold was crossed; ``None`` if it was not."""
    targets_kept: bool = True
    """False when the ``history_target_limit`` budget dropped the per-target rows."""
    triggered_alarms: tuple[tuple[str, str], ...] = ()
    """The alarms that stopped dispatch, as ``(name, state)``; empty if none did (D-ALM-1)."""
    slots: int | None = None
    """MaxConcurrency as a number of targets at once (D-RC-1)."""
    tolerated: int | None = None
    """MaxErrors as a number of errors (D-RC-1)."""

    def timeline(self) -> str:
        """This execution as text: its counts, then what each target did and when (dispatch,
        completion with the running error count against MaxErrors, the threshold, the targets
        never dispatched). The same on every call; ``print(execution.timeline())``."""
        from .timeline import timeline_text

        return timeline_text(self)

    def to_svg(self, *, title: str = "Association execution timeline") -> str:
        """This execution as an SVG picture (a string): one row per target, time across, the
        error threshold, the targets in flight. Write it to a ``.svg`` file and open it in a
        browser: ``Path("run.svg").write_text(execution.to_svg())``."""
        from .picture import timeline_svg

        return timeline_svg(self, title=title, slots=self.slots, tolerated=self.tolerated)


@attrs.frozen
class TraceEvent:
    """One step of an execution, for explaining it (``Engine(trace=...)``)."""

    time: datetime
    kind: str  # dispatch | complete | threshold | skip | finish
    association_id: str
    instance_id: str | None  # None for "finish"
    status: str  # the target's status; the execution's for "finish"
    in_flight: int  # targets running after this step
    errors: int  # errors so far
