"""The Run Command reads behind association runs: GetCommandInvocation,
ListCommandInvocations and ListCommands (companion spec §3).

Each execution is one command (D-CMD-1), whose id is every target's ``OutputSourceId``;
each target of the execution is one invocation of it, read from the execution record as it
is now (``commands.invocation_view``, D-CMD-4, D-CMD-5).  A command id the stub does not
own raises ``NotEmulated``, so the request goes on to moto (or the network with
``passthrough=True``, or a server's upstream); with nothing else there it is
``InvalidCommandId`` (D-CMD-7).  ListCommands without a CommandId lists the stub's
commands, then moto's when moto is active (D-CMD-8).  Decisions: docs/behaviour.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .commands import (
    CLOUDWATCH,
    ERROR_LIMIT,
    NOTIFICATION,
    OUTPUT_LIMIT,
    CommandRecord,
    InvocationView,
    command_item,
    comment_of,
    elapsed,
    invocation_view,
    iso_time,
    plugin_output,
    s3_location,
    step_names,
)
from .errors import (
    InvalidCommandId,
    InvalidFilterKey,
    InvalidPluginName,
    InvocationDoesNotExist,
    ServiceError,
    ValidationException,
)
from .misuse import NotEmulated
from .ops_history import parse_time

if TYPE_CHECKING:
    from .executions import Execution, TargetResult
    from .state import State

__all__ = ["INVOCATION_STATUSES", "LIST_COMMANDS_STATUSES", "OPERATIONS"]

Body = Mapping[str, Any]
Operation = Callable[["State", str, Body], dict[str, Any]]

#: Status filter values (CommandFilter docs), per operation.
LIST_COMMANDS_STATUSES = frozenset(
    ("Pending", "InProgress", "Success", "Cancelled", "Failed", "TimedOut", "AccessDenied",
     "DeliveryTimedOut", "ExecutionTimedOut", "Incomplete", "NoInstancesInTag", "LimitExceeded")
)  # fmt: skip
INVOCATION_STATUSES = frozenset(
    ("Pending", "InProgress", "Delayed", "Success", "Cancelled", "Failed", "TimedOut",
     "AccessDenied", "DeliveryTimedOut", "ExecutionTimedOut", "Undeliverable",
     "InvalidPlatform", "Terminated")
)  # fmt: skip
_NEWEST = 2**40  # positions count down from here, newest command first
_ROW_BITS = 24  # row positions within one command


# -- lookups ---------------------------------------------------------------------------
def _owned(backend: State, region: str, operation: str, command_id: str) -> CommandRecord:
    record = backend.commands.by_id.get(command_id)
    if record is None or record.region != region:
        raise NotEmulated(
            operation,
            "for the commands behind association runs only",
            otherwise=InvalidCommandId(f"Invalid command id: {command_id}"),
        )
    return record


def _execution(backend: State, record: CommandRecord) -> Execution | None:
    view = backend.engine.view(record.association_id)
    if view is not None and view.execution_id == record.execution_id:
        return view
    for execution in reversed(record.state.executions):
        if execution.execution_id == record.execution_id:
            return execution
    return None


def _rows(backend: State, record: CommandRecord) -> list[tuple[str, TargetResult]]:
    execution = _execution(backend, record)
    return [] if execution is None else list(execution.targets.items())


def _plugins(backend: State, record: CommandRecord) -> tuple[str, ...]:
    spec = record.spec
    try:
        content = backend.documents.get(spec.name).version(spec.document_version).content
    except ServiceError:
        content = ""
    return step_names(content)


def _view(backend: State, record: CommandRecord, result: TargetResult) -> InvocationView:
    node = backend.fleet.get(result.instance_id)
    printed = backend.commands.output(record.command_id, result.instance_id)
    platform = node.platform if node is not None else "Linux"
    return invocation_view(result.status, result.started, result.ended, printed, platform)


# -- GetCommandInvocation --------------------------------------------------------------
def get_command_invocation(backend: State, region: str, body: Body) -> dict[str, Any]:
    record = _owned(backend, region, "GetCommandInvocation", body["CommandId"])
    instance_id = body["InstanceId"]
    result = dict(_rows(backend, record)).get(instance_id)
    if result is None:
        backend.fleet.require(instance_id)  # InvalidInstanceId for a node nobody knows
        raise InvocationDoesNotExist(
            f"Command {record.command_id} has no invocation on {instance_id}."
        )
    plugins = _plugins(backend, record)
    plugin = body.get("PluginName")
    if plugin is None:
        plugin = plugins[0]  # D-CMD-3: the document's first step
    elif plugin not in plugins:
        raise InvalidPluginName(
            f"Plugin {plugin} is not a step of {record.spec.name}: {', '.join(plugins)}."
        )
    view = _view(backend, record, result)
    s3 = s3_location(record, instance_id, plugin)
    return {
        "CommandId": record.command_id,
        "InstanceId": instance_id,
        "Comment": comment_of(record),
        "DocumentName": record.spec.name,
        "DocumentVersion": "",
        "PluginName": plugin,
        "ResponseCode": view.response_code,
        "ExecutionStartDateTime": iso_time(view.started),
        "ExecutionElapsedTime": elapsed(view.started, view.ended),
        "ExecutionEndDateTime": iso_time(view.ended),
        "Status": view.status,
        "StatusDetails": view.status_details,
        "StandardOutputContent": view.stdout[:OUTPUT_LIMIT],
        "StandardOutputUrl": s3["stdout"],
        "StandardErrorContent": view.stderr[:ERROR_LIMIT],
        "StandardErrorUrl": s3["stderr"],
        "CloudWatchOutputConfig": dict(CLOUDWATCH),
    }


# -- filters ---------------------------------------------------------------------------
Check = Callable[[str, str, datetime, str], bool]  # (status, details, requested, document)


def _after(moment: datetime) -> Check:
    return lambda status, details, when, name: when >= moment


def _before(moment: datetime) -> Check:
    return lambda status, details, when, name: when <= moment


def _status_is(value: str) -> Check:
    return lambda status, details, when, name: value in (status, details.replace(" ", ""))


def _document_is(value: str) -> Check:
    return lambda status, details, when, name: name == value


def _stage_is(running: bool) -> Check:
    return lambda status, details, when, name: (status in ("Pending", "InProgress")) == running


def _checks(body: Body, *, commands: bool) -> list[Check]:
    """The CommandFilters as predicates (all must hold, D-CMD-10)."""
    checks: list[Check] = []
    allowed = LIST_COMMANDS_STATUSES if commands else INVOCATION_STATUSES
    for item in body.get("Filters") or ():
        key, value = str(item.get("key")), str(item.get("value"))
        if key in ("InvokedAfter", "InvokedBefore"):
            moment = parse_time(value)
            if moment is None:
                raise ValidationException(
                    f"The {key} filter value {value!r} is not a date-time such as "
                    "2024-07-07T00:00:00Z."
                )
            checks.append(_after(moment) if key == "InvokedAfter" else _before(moment))
        elif key == "Status":
            if value not in allowed:
                raise ValidationException(
                    f"The Status filter value {value} is not valid; use one of "
                    f"{', '.join(sorted(allowed))}."
                )
            checks.append(_status_is(value))
        elif key == "DocumentName":
            checks.append(_document_is(value))
        elif key == "ExecutionStage" and commands:
            if value not in ("Executing", "Complete"):
                raise ValidationException(
                    f"The ExecutionStage filter value {value} is not valid; use Executing "
                    "or Complete."
                )
            checks.append(_stage_is(value == "Executing"))
        else:
            raise InvalidFilterKey(f"The filter key {key} is not valid for this operation.")
    return checks


def _listing(kind: str, region: str, body: Body) -> str:
    keys = {k: body.get(k) for k in ("CommandId", "InstanceId", "Filters", "Details")}
    text = json.dumps(keys, sort_keys=True, separators=(",", ":"), default=str)
    return f"{kind}:{region}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _records(backend: State, region: str, operation: str, body: Body) -> list[CommandRecord]:
    command_id = body.get("CommandId")
    if command_id is not None:
        return [_owned(backend, region, operation, command_id)]
    instance_id = body.get("InstanceId")
    if instance_id is not None:
        backend.fleet.require(instance_id)  # InvalidInstanceId (strict fleet, stopped node)
    return list(backend.commands.newest_first(region))


# -- ListCommandInvocations ----------------------------------------------------------
def _invocation(
    backend: State, record: CommandRecord, result: TargetResult, details: bool
) -> dict[str, Any]:
    plugins = _plugins(backend, record)
    view = _view(backend, record, result)
    s3 = s3_location(record, result.instance_id, plugins[0])
    out: dict[str, Any] = {
        "CommandId": record.command_id,
        "InstanceId": result.instance_id,
        "InstanceName": "",
        "Comment": comment_of(record),
        "DocumentName": record.spec.name,
        "DocumentVersion": "",
        "RequestedDateTime": record.requested,
        "Status": view.status,
        "StatusDetails": view.status_details,
        "TraceOutput": "",
        "StandardOutputUrl": s3["stdout"],
        "StandardErrorUrl": s3["stderr"],
        "CommandPlugins": [],
        "ServiceRole": "",
        "NotificationConfig": {**NOTIFICATION, "NotificationEvents": []},
        "CloudWatchOutputConfig": dict(CLOUDWATCH),
    }
    if details:
        plugin: dict[str, Any] = {
            "Name": plugins[0],
            "Status": view.status,
            "StatusDetails": view.status_details,
            "ResponseCode": view.response_code,
        }
        if view.started is not None:
            plugin["ResponseStartDateTime"] = view.started
        if view.ended is not None:
            plugin["ResponseFinishDateTime"] = view.ended
        plugin.update(
            {
                "Output": plugin_output(view.stdout, view.stderr),
                "StandardOutputUrl": s3["stdout"],
                "StandardErrorUrl": s3["stderr"],
                "OutputS3Region": s3["region"],
                "OutputS3BucketName": s3["bucket"],
                "OutputS3KeyPrefix": s3["prefix"],
            }
        )
        out["CommandPlugins"] = [plugin]
    return out


def list_command_invocations(backend: State, region: str, body: Body) -> dict[str, Any]:
    records = _records(backend, region, "ListCommandInvocations", body)
    checks = _checks(body, commands=False)
    instance_id = body.get("InstanceId")
    details = bool(body.get("Details"))

    def scan(start: int) -> Iterator[tuple[int, tuple[CommandRecord, TargetResult]]]:
        for record in records:
            base = (_NEWEST - record.sequence) << _ROW_BITS
            if base + (1 << _ROW_BITS) <= start:
                continue
            for row, (node, result) in enumerate(_rows(backend, record)):
                position = base + row
                if position < start or (instance_id is not None and node != instance_id):
                    continue
                if checks:
                    view = _view(backend, record, result)
                    found = (view.status, view.status_details, record.requested, record.spec.name)
                    if not all(check(*found) for check in checks):
                        continue
                yield position, (record, result)

    page, token = backend.paginator.scan(
        _listing("invocations", region, body),
        scan,
        _NEWEST << _ROW_BITS,
        max_results=body.get("MaxResults"),
        next_token=body.get("NextToken"),
    )
    items = [_invocation(backend, record, result, details) for record, result in page]
    return {"CommandInvocations": items, **({"NextToken": token} if token else {})}


# -- ListCommands ----------------------------------------------------------------------
def _moto_commands(backend: State, body: Body) -> list[dict[str, Any]]:
    """moto's own commands (SendCommand), when moto answers (D-CMD-8)."""
    source = backend.external
    if body.get("CommandId") is not None or source is None or not source.active():
        return []
    return [dict(item) for item in source.commands(body.get("InstanceId")) or ()]


def list_commands(backend: State, region: str, body: Body) -> dict[str, Any]:
    records = _records(backend, region, "ListCommands", body)
    checks = _checks(body, commands=True)
    instance_id = body.get("InstanceId")
    items: list[dict[str, Any]] = []
    for record in records:
        execution = _execution(backend, record)
        if instance_id is not None and (execution is None or instance_id not in execution.targets):
            continue
        item = command_item(record, execution)
        items.append(item)
    items += _moto_commands(backend, body)
    kept = [
        item
        for item in items
        if all(
            check(
                str(item.get("Status", "")),
                str(item.get("StatusDetails", "")),
                item["RequestedDateTime"],
                str(item.get("DocumentName", "")),
            )
            for check in checks
        )
    ]
    page, token = backend.paginator.page(
        _listing("commands", region, body),
        kept,
        max_results=body.get("MaxResults"),
        next_token=body.get("NextToken"),
    )
    return {"Commands": page, **({"NextToken": token} if token else {})}


OPERATIONS: dict[str, Operation] = {
    "GetCommandInvocation": get_command_invocation,
    "ListCommandInvocations": list_command_invocations,
    "ListCommands": list_commands,
}
