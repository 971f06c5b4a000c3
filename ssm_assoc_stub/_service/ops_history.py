"""List, delete, run once and execution history, in API form.

Like ``_api``, every function takes the backend (under its lock), the Region
and the decoded request body, checks everything before changing anything, and
returns the response dict.  The per-node operations live in ``_api_status`` and
are merged into ``OPERATIONS`` here.  Decisions where AWS is silent (the
stub's choice, see docs/behaviour):

* Filters of every operation AND together, a repeated key included (Q-LST-1).
* Date values (ListAssociations ``LastExecutedBefore``/``After``,
  DescribeAssociationExecutions ``CreatedTime``) are ISO-8601 date-times,
  ``2026-01-01T00:00:00Z``: optional fraction, ``Z`` or ``+hh:mm`` (none means
  UTC).  Anything else is a ``ValidationException`` naming the key.  Times
  compare at whole milliseconds; Before/After/LESS_THAN/GREATER_THAN are strict.
* ``AssociationStatusName`` matches the Overview ``Status`` exactly; an
  association never run matches neither date filter.
* ListAssociations items carry ``DocumentVersion`` for Targets associations
  (``$DEFAULT`` when unset, as former2#92 shows) and not for legacy ones (the
  CLI samples), and only the other members that are set.
* DescribeAssociationExecutions: newest first, the execution in progress
  included (Status ``InProgress``, counts so far).  ``LastExecutionDate`` is
  never set on these items (absent from every sample; PowerShell shows it
  unset); per-target rows carry it.
* DescribeAssociationExecutionTargets: dispatch order, then the targets never
  dispatched (``Skipped``, D-RC-4, or ``Pending`` while running).
  ``LastExecutionDate`` is when the target's run ended (started, while in
  progress); ``OutputSource`` only for targets that ran.
* StartAssociationsOnce checks every id before it starts anything (D-SAO-1);
  an id listed twice runs once.
* Page tokens are tied to the listing, its filters included (D-PAG-1).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import AssociationExecutionDoesNotExist, ValidationException
from .executions import SKIPPED, TargetTable
from .wire import legacy_targets, overview_to_api, spec_to_api, triggered_alarms_to_api

if TYPE_CHECKING:
    from .executions import Execution
    from .model import AssociationState
    from .state import State

__all__ = ["OPERATIONS", "parse_time"]

Body = Mapping[str, Any]
Operation = Callable[["State", str, Body], dict[str, Any]]
T = TypeVar("T")

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?"
)
_SUMMARY_MEMBERS = ("ScheduleExpression", "AssociationName", "ScheduleOffset", "Duration")


# -- shared helpers -------------------------------------------------------------
def parse_time(value: object) -> datetime | None:
    """An ISO-8601 date-time as aware UTC, truncated to milliseconds; None if malformed."""
    match = _ISO.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    millis = int((fraction or "0").ljust(3, "0")[:3])
    offset = timedelta(0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    try:
        moment = datetime(
            year, month, day, hour, minute, second, millis * 1000, tzinfo=timezone(offset)
        )
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # no such date, or outside years 1..9999 in UTC
        return None


def _millis(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _time_value(key: str, value: object) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise ValidationException(
            f"The value '{value}' of filter {key} is not an ISO-8601 date and time "
            "such as 2026-01-01T00:00:00Z."
        )
    return moment


def _fingerprint(filters: object) -> str:
    text = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _page(
    backend: State, listing: str, items: Sequence[T], body: Body
) -> tuple[list[T], dict[str, Any]]:
    """One page of ``items`` and the response's ``NextToken`` member, if any."""
    page, token = backend.paginator.page(
        listing, items, max_results=body.get("MaxResults"), next_token=body.get("NextToken")
    )
    return page, ({} if token is None else {"NextToken": token})


def _scan_page(
    backend: State,
    listing: str,
    scan: Callable[[int], Iterator[tuple[int, T]]],
    end: int,
    body: Body,
) -> tuple[list[T], dict[str, Any]]:
    """One page scanned from the token's position on: O(page + items the filters skip)."""
    page, token = backend.paginator.scan(
        listing, scan, end, max_results=body.get("MaxResults"), next_token=body.get("NextToken")
    )
    return page, ({} if token is None else {"NextToken": token})


# -- ListAssociations --------------------------------------------------------------
Predicate = Callable[["AssociationState"], bool]


def _association_filter(backend: State, key: str, value: str) -> Predicate:
    if key == "InstanceId":  # deprecated: legacy associations only
        return lambda s: s.spec.instance_id == value
    if key == "Name":
        return lambda s: s.spec.name == value
    if key == "AssociationId":
        return lambda s: s.association_id == value
    if key == "AssociationName":
        return lambda s: s.spec.association_name == value
    if key == "AssociationStatusName":
        return lambda s: backend.overview(s).status == value
    if key == "ResourceGroupName":
        return lambda s: any(
            t.key == "resource-groups:Name" and value in t.values for t in s.spec.targets or ()
        )
    if key == "CloudConnectorId":  # the newest model's key (D-VAL-1)
        return lambda s: any(
            t.key == "CloudConnector" and value in map(_connector_id, t.values)
            for t in s.spec.targets or ()
        )
    if key in ("LastExecutedBefore", "LastExecutedAfter"):
        moment = _time_value(key, value)
        before = key == "LastExecutedBefore"

        def executed(s: AssociationState) -> bool:
            last = s.last_execution_date
            if last is None:
                return False
            last = _millis(last)
            return last < moment if before else last > moment

        return executed
    raise ValidationException(f"The filter key {key} is not valid for ListAssociations.")


def _connector_id(value: str) -> str:
    """A CloudConnector target value: the connector id, or JSON with ``CloudConnectorId``."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    found = parsed.get("CloudConnectorId") if isinstance(parsed, dict) else None
    return found if isinstance(found, str) else value


def association_summary(backend: State, state: AssociationState) -> dict[str, Any]:
    """An ``Association`` list item: the members that are set."""
    spec = state.spec
    members = spec_to_api(spec)
    out: dict[str, Any] = {"Name": spec.name}
    if spec.instance_id is not None:
        out["InstanceId"] = spec.instance_id
    out["AssociationId"] = state.association_id
    out["AssociationVersion"] = str(state.latest.version)
    if spec.instance_id is None:
        out["DocumentVersion"] = spec.document_version or "$DEFAULT"
    if "Targets" in members:
        out["Targets"] = members["Targets"]
    elif spec.instance_id is not None:
        out["Targets"] = legacy_targets(spec.instance_id)
    if state.last_execution_date is not None:
        out["LastExecutionDate"] = state.last_execution_date
    out["Overview"] = overview_to_api(backend.overview(state))
    for member in _SUMMARY_MEMBERS:
        if member in members:
            out[member] = members[member]
    if "TargetMaps" in members:
        out["TargetMaps"] = members["TargetMaps"]
    return out


def list_associations(backend: State, region: str, body: Body) -> dict[str, Any]:
    raw = [
        (str(f.get("key")), str(f.get("value"))) for f in body.get("AssociationFilterList") or ()
    ]
    predicates = [_association_filter(backend, key, value) for key, value in raw]  # Q-LST-1

    def scan(start: int) -> Iterator[tuple[int, AssociationState]]:
        for position, state in backend.scan_associations(region, start):
            if all(p(state) for p in predicates):
                yield position, state

    listing = f"associations:{region}:{_fingerprint(raw)}"
    end = backend.ordered(region).end
    page, more = _scan_page(backend, listing, scan, end, body)
    return {"Associations": [association_summary(backend, s) for s in page], **more}


# -- DeleteAssociation, StartAssociationsOnce -----------------------------------------
def delete_association(backend: State, region: str, body: Body) -> dict[str, Any]:
    """By AssociationId, or Name+InstanceId for a legacy association (D-DES-1)."""

    backend.delete(backend.lookup(region, body))
    return {}


def start_associations_once(backend: State, region: str, body: Body) -> dict[str, Any]:
    ids = list(dict.fromkeys(body.get("AssociationIds") or ()))
    states = [backend.get(region, aid) for aid in ids]  # D-SAO-1: all known, or none runs
    for state in states:
        backend.trigger(state)
    return {}


# -- DescribeAssociationExecutions ------------------------------------------------------
ExecutionCheck = Callable[["Execution"], bool]
_OPERATORS: dict[str, Callable[[datetime, datetime], bool]] = {
    "EQUAL": lambda a, b: a == b,
    "LESS_THAN": lambda a, b: a < b,
    "GREATER_THAN": lambda a, b: a > b,
}


def _execution_filter(item: Mapping[str, Any]) -> ExecutionCheck:
    key, value, kind = str(item.get("Key")), str(item.get("Value")), str(item.get("Type"))
    if key in ("ExecutionId", "Status") and kind == "EQUAL":
        if key == "ExecutionId":
            return lambda e: e.execution_id == value
        return lambda e: e.status == value
    if key == "CreatedTime" and kind in _OPERATORS:
        moment, compare = _time_value(key, value), _OPERATORS[kind]
        return lambda e: compare(_millis(e.created_time), moment)
    allowed = "EQUAL, GREATER_THAN or LESS_THAN" if key == "CreatedTime" else "EQUAL"
    raise ValidationException(
        f"The filter type {kind} is not valid for the filter key {key}; use {allowed}."
    )


def executions_newest_first(backend: State, state: AssociationState) -> list[Execution]:
    """Finished executions and the one in progress, newest first."""
    found = list(state.executions)
    current = backend.engine.view(state.association_id)  # read under the lock: no copy
    if current is not None:
        found.append(current)
    found.reverse()
    return found


def _execution_to_api(state: AssociationState, execution: Execution) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AssociationId": execution.association_id,
        "AssociationVersion": execution.association_version,
        "ExecutionId": execution.execution_id,
        "Status": execution.status,
        "DetailedStatus": execution.detailed_status,
        "CreatedTime": execution.created_time,
        "ResourceCountByStatus": execution.resource_count_by_status,  # D-EXE-1
    }
    number = int(execution.association_version)
    if 1 <= number <= len(state.versions):
        alarms = state.versions[number - 1].spec.alarm_configuration
        if alarms is not None:
            out["AlarmConfiguration"] = json.loads(alarms)
    if execution.triggered_alarms:  # D-ALM-1
        out["TriggeredAlarms"] = triggered_alarms_to_api(execution.triggered_alarms)
    return out


def describe_association_executions(backend: State, region: str, body: Body) -> dict[str, Any]:
    state = backend.get(region, body["AssociationId"])
    filters = list(body.get("Filters") or ())
    checks = [_execution_filter(item) for item in filters]
    kept = state.executions
    current = backend.engine.view(state.association_id)  # read under the lock: no copy
    # Positions count down from the newest execution ever kept, so an execution that
    # finishes between two pages does not shift the next page (O(page) per page).
    newest = state.kept_total + (current is not None)
    end = _EXECUTION_POSITIONS

    def scan(start: int) -> Iterator[tuple[int, Execution]]:
        skip = max(0, start - (end - newest))  # how many of the newest to pass over
        position = end - newest + skip
        found: Iterator[Execution] = reversed(kept)
        if current is not None:
            found = itertools.chain((current,), found)
        for execution in itertools.islice(found, skip, None):
            if all(c(execution) for c in checks):
                yield position, execution
            position += 1

    listing = f"executions:{state.association_id}:{_fingerprint(filters)}"
    page, more = _scan_page(backend, listing, scan, end, body)
    return {"AssociationExecutions": [_execution_to_api(state, e) for e in page], **more}


_EXECUTION_POSITIONS = 2**62


# -- DescribeAssociationExecutionTargets ------------------------------------------------
_TARGET_FILTER_KEYS = ("Status", "ResourceId", "ResourceType")


def _target_row(
    execution: Execution, table: TargetTable, position: int, command_id: str | None
) -> dict[str, Any]:
    instance_id = table.instance_at(position)
    status = table.status_at(position)
    started, ended = table.times_at(position)
    row: dict[str, Any] = {
        "AssociationId": execution.association_id,
        "AssociationVersion": execution.association_version,
        "ExecutionId": execution.execution_id,
        "ResourceId": instance_id,
        "ResourceType": "ManagedInstance",
        "Status": status,
        "DetailedStatus": status,
    }
    when = ended or started
    if when is not None:
        row["LastExecutionDate"] = when
    if started is not None and command_id is not None:
        row["OutputSource"] = {  # the Run Command command of the execution (D-CMD-1)
            "OutputSourceId": command_id,
            "OutputSourceType": "RunCommand",
        }
    return row


def _as_table(targets: Mapping[str, Any]) -> TargetTable:
    if isinstance(targets, TargetTable):
        return targets
    return TargetTable([], bytearray(), array("q"), array("q"), list(targets), SKIPPED)


def describe_association_execution_targets(
    backend: State, region: str, body: Body
) -> dict[str, Any]:
    state = backend.get(region, body["AssociationId"])
    execution_id = body["ExecutionId"]
    execution = next(
        (e for e in executions_newest_first(backend, state) if e.execution_id == execution_id),
        None,
    )
    if execution is None:
        raise AssociationExecutionDoesNotExist(
            f"Execution {execution_id} of association {state.association_id} does not exist."
        )
    filters = [(str(f.get("Key")), str(f.get("Value"))) for f in body.get("Filters") or ()]
    for key, _ in filters:
        if key not in _TARGET_FILTER_KEYS:
            raise ValidationException(
                f"The filter key {key} is not valid; use {', '.join(_TARGET_FILTER_KEYS)}."
            )
    table = _as_table(execution.targets)
    wanted = {key: {value for k, value in filters if k == key} for key, _ in filters}

    def scan(start: int) -> Iterator[tuple[int, int]]:
        positions: Iterator[int] = iter(range(start, len(table)))
        ids = wanted.get("ResourceId")
        if ids is not None:  # at most one row: look it up
            if len(ids) != 1:
                return
            found = table.position(next(iter(ids)))
            positions = iter(() if found is None or found < start else (found,))
        types = wanted.get("ResourceType")
        if types is not None and types != {"ManagedInstance"}:
            return
        statuses = wanted.get("Status")
        if statuses is not None and len(statuses) != 1:
            return
        status = None if statuses is None else next(iter(statuses))
        for position in positions:
            if status is None or table.status_at(position) == status:
                yield position, position

    listing = f"execution-targets:{execution_id}:{_fingerprint(filters)}"
    page, more = _scan_page(backend, listing, scan, len(table), body)
    command_id = backend.commands.command_id(execution.execution_id)
    rows = [_target_row(execution, table, position, command_id) for position in page]
    return {"AssociationExecutionTargets": rows, **more}


OPERATIONS: dict[str, Operation] = {
    "ListAssociations": list_associations,
    "DeleteAssociation": delete_association,
    "StartAssociationsOnce": start_associations_once,
    "DescribeAssociationExecutions": describe_association_executions,
    "DescribeAssociationExecutionTargets": describe_association_execution_targets,
}
