"""The Run Command commands behind association runs, as records (pure core).

Every execution the engine starts gets one command (D-CMD-1): its id, drawn from the stub's
``IdSource`` (so a ``seed`` makes it the same on every run), is the ``OutputSourceId`` of
every target of that execution.  ``CommandStore`` keeps, per command, what the Run Command
views need that the execution record does not hold (the document, the output location, what
each node printed); the per-node status and times are read from the execution itself.  A
command goes when its execution leaves the association's history (``history_limit``) or
the association is deleted.

The pieces the operations (``ops_commands``) build on are here too: how a target's status
reads as an invocation (D-CMD-4), the default exit codes and texts (D-CMD-5), the plugin
name of a document (D-CMD-3), AWS's truncation (D-CMD-6), and the time formats.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs

from .journal import TxDict, TxIndex
from .outcomes import NodeOutput

if TYPE_CHECKING:
    from .executions import Execution
    from .model import AssociationSpec, AssociationState

__all__ = [
    "CLOUDWATCH",
    "NOTIFICATION",
    "command_item",
    "command_status",
    "comment_of",
    "s3_location",
    "ERROR_LIMIT",
    "OUTPUT_LIMIT",
    "PLUGIN_OUTPUT_LIMIT",
    "CommandRecord",
    "CommandStore",
    "InvocationView",
    "elapsed",
    "invocation_view",
    "iso_time",
    "plugin_output",
    "step_names",
]

OUTPUT_LIMIT = 24_000  # StandardOutputContent: the first 24,000 characters
ERROR_LIMIT = 8_000  # StandardErrorContent: the first 8,000 characters
PLUGIN_OUTPUT_LIMIT = 2_500  # CommandPlugin.Output
_ERROR_TITLE = "\n----------ERROR-------\n"
_OUTPUT_CUT = "\n---Output truncated---"
_ERROR_CUT = "\n---Error truncated----"
_DEFAULT_PLUGIN = "aws:runShellScript"
_STOPPED_EXIT = {"Windows": -1}  # the agent's exit code for a run it stopped; 137 elsewhere


@attrs.frozen(eq=False)
class CommandRecord:
    """One association execution seen as a Run Command command."""

    command_id: str
    execution_id: str
    association_id: str
    region: str
    state: AssociationState  # whose executions hold the per-node results
    spec: AssociationSpec  # the version that ran: document, output location, rate controls
    requested: datetime
    sequence: int  # creation order, for listings


class CommandStore:
    """The commands of one stub, by id, in creation order; and what each node printed."""

    def __init__(self) -> None:
        # Read by key (listings sort by ``sequence``): forgetting a command is O(1).
        self.by_id: dict[str, CommandRecord] = TxIndex()
        self._by_execution: dict[str, str] = TxIndex()
        self._outputs: dict[str, dict[str, NodeOutput]] = TxIndex()
        self._sequence = 0

    def open(
        self,
        command_id: str,
        *,
        execution_id: str,
        state: AssociationState,
        spec: AssociationSpec,
        requested: datetime,
    ) -> CommandRecord:
        self._sequence += 1
        record = CommandRecord(
            command_id,
            execution_id,
            state.association_id,
            state.region,
            state,
            spec,
            requested,
            self._sequence,
        )
        self.by_id[command_id] = record
        self._by_execution[execution_id] = command_id
        return record

    def command_id(self, execution_id: str) -> str | None:
        """The command id (``OutputSourceId``) of an execution; None once it is forgotten."""
        return self._by_execution.get(execution_id)

    def printed(self, command_id: str, instance_id: str, output: NodeOutput) -> None:
        found = self._outputs.get(command_id)
        if found is None:
            found = self._outputs[command_id] = TxDict()
        found[instance_id] = output

    def output(self, command_id: str, instance_id: str) -> NodeOutput | None:
        found = self._outputs.get(command_id)
        return None if found is None else found.get(instance_id)

    def forget(self, execution_id: str) -> None:
        command_id = self._by_execution.pop(execution_id, None)
        if command_id is not None:
            self.by_id.pop(command_id, None)
            self._outputs.pop(command_id, None)

    def forget_association(self, association_id: str) -> None:
        gone = [r.execution_id for r in self.by_id.values() if r.association_id == association_id]
        for execution_id in gone:
            self.forget(execution_id)

    def newest_first(self, region: str) -> Iterator[CommandRecord]:
        mine = [r for r in self.by_id.values() if r.region == region]
        return iter(sorted(mine, key=_by_sequence, reverse=True))


def _by_sequence(record: CommandRecord) -> int:
    return record.sequence


# -- formats -----------------------------------------------------------------------
def iso_time(moment: datetime | None) -> str:
    """``2020-02-19T18:18:03.419Z`` (StringDateTime, as the samples print it); "" for None."""
    if moment is None:
        return ""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def elapsed(started: datetime | None, ended: datetime | None) -> str:
    """ISO-8601 duration as Java prints it: ``PT0.091S``, ``PT1S``, ``PT1M30S``, ``PT2H``."""
    if started is None or ended is None:
        return ""
    ms = (ended - started) // timedelta(milliseconds=1)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or millis or text == "PT":
        fraction = f".{millis:03d}".rstrip("0") if millis else ""
        text += f"{seconds}{fraction}S"
    return text


def plugin_output(stdout: str, stderr: str, capacity: int = PLUGIN_OUTPUT_LIMIT) -> str:
    """CommandPlugin.Output: stdout, then the agent's error title and stderr (D-CMD-6).

    Past ``capacity`` characters each part that does not fit is cut and marked
    (``---Output truncated---``, ``---Error truncated----``), as the agent does.
    """
    title = _ERROR_TITLE if stderr else ""
    room = capacity - len(title)
    if len(stdout) + len(stderr) < room:
        return stdout + title + stderr
    half = room // 2
    if len(stdout) > half and len(stderr) > half:
        keep = (room - len(_OUTPUT_CUT) - len(_ERROR_CUT)) // 2
        return stdout[:keep] + _OUTPUT_CUT + title + stderr[:keep] + _ERROR_CUT
    if len(stdout) <= half:
        return stdout + title + stderr[: room - len(_ERROR_CUT) - len(stdout)] + _ERROR_CUT
    return stdout[: room - len(_OUTPUT_CUT) - len(stderr)] + _OUTPUT_CUT + title + stderr


@functools.lru_cache(maxsize=256)
def step_names(content: str) -> tuple[str, ...]:
    """A document's step names in order (D-CMD-3): ``mainSteps[].name`` (schema 2.x) or the
    plugins of ``runtimeConfig`` (schema 1.2); ``aws:runShellScript`` if none can be read."""
    parsed: object
    try:
        parsed = json.loads(content)
    except ValueError:
        try:
            import yaml

            parsed = yaml.safe_load(content)
        except Exception:  # not YAML either, or no yaml: the default below
            parsed = None
    names: list[str] = []
    if isinstance(parsed, dict):
        steps = parsed.get("mainSteps")
        if isinstance(steps, list):
            names += [str(s["name"]) for s in steps if isinstance(s, dict) and s.get("name")]
        runtime = parsed.get("runtimeConfig")
        if isinstance(runtime, dict):
            names += [str(plugin) for plugin in runtime]
    return tuple(n for n in names if len(n) >= 4) or (_DEFAULT_PLUGIN,)


# -- a target's result as an invocation (D-CMD-4, D-CMD-5) ---------------------------
@attrs.frozen
class InvocationView:
    """What GetCommandInvocation and ListCommandInvocations show for one node."""

    status: str
    status_details: str
    response_code: int
    started: datetime | None  # the plugin's start; None before it starts
    ended: datetime | None  # None until it finishes
    stdout: str
    stderr: str


#: target status -> (Status, StatusDetails)
_STATUSES = {
    "Pending": ("Pending", "Pending"),
    "InProgress": ("InProgress", "In Progress"),
    "Success": ("Success", "Success"),
    "Failed": ("Failed", "Failed"),
    "TimedOut": ("TimedOut", "Execution Timed Out"),
    "Cancelled": ("Cancelled", "Cancelled"),
    "Skipped": ("Cancelled", "Terminated"),
}


def invocation_view(
    status: str,
    started: datetime | None,
    ended: datetime | None,
    output: NodeOutput | None,
    platform: str,
) -> InvocationView:
    """One target's result as its invocation reads (D-CMD-4, D-CMD-5)."""
    shown, details = _STATUSES.get(status, (status, status))
    scripted = output if output is not None else NodeOutput()
    finished = ended is not None and status not in ("Pending", "InProgress")
    if not finished:
        return InvocationView(shown, details, -1, started, None, "", "")
    if status == "Success":
        code = 0
    elif status == "Failed":
        code = 1
    elif started is None:  # never started (Skipped, or Cancelled before dispatch)
        code = -1
    else:  # timed out, or stopped by the end of its Duration window
        code = _STOPPED_EXIT.get(platform, 137)
    if scripted.exit_code is not None and started is not None:
        code = scripted.exit_code
    stdout = scripted.output or ""
    stderr = scripted.error
    if stderr is None:
        stderr = f"failed to run commands: exit status {code}" if status == "Failed" else ""
    if started is None:
        stdout = stderr = ""
    return InvocationView(shown, details, code, started, ended, stdout, stderr)


# -- the Run Command views of a command (D-CMD-2, D-CMD-9, D-CMD-11) ------------------
CLOUDWATCH = {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False}
NOTIFICATION = {"NotificationArn": "", "NotificationEvents": [], "NotificationType": ""}
_EXPIRES = timedelta(hours=1)  # ExpiresAfter: RequestedDateTime + the delivery timeout
_TIMEOUT_SECONDS = 3600


def s3_location(record: CommandRecord, instance_id: str, plugin: str) -> dict[str, str]:
    """Where Run Command would write a plugin's output (D-CMD-9)."""
    location = record.spec.output_location
    region = (location.region if location is not None else None) or record.region
    if location is None or location.bucket is None:
        return {"region": region, "bucket": "", "prefix": "", "stdout": "", "stderr": ""}
    parts = [(location.key_prefix or "").strip("/"), record.command_id, instance_id]
    key = "/".join([p for p in parts if p] + [plugin.replace(":", "")])
    base = f"https://s3.{region}.amazonaws.com/{location.bucket}/{key}"
    return {
        "region": region,
        "bucket": location.bucket,
        "prefix": key,
        "stdout": f"{base}/stdout",
        "stderr": f"{base}/stderr",
    }


def comment_of(record: CommandRecord) -> str:
    return f"{record.association_id}:{record.execution_id}"  # as the samples show (Q-CMD-2)


def command_status(execution: Execution | None) -> tuple[str, str]:
    if execution is None or execution.ended_time is None:
        return "InProgress", "In Progress"
    if execution.status == "Success":
        return "Success", "Success"
    if execution.threshold_crossed_at is not None:
        return "Failed", "Failed"
    return "Failed", "Incomplete"  # not every node succeeded, the threshold held (D-CMD-11)


def command_item(record: CommandRecord, execution: Execution | None) -> dict[str, Any]:
    spec = record.spec
    location = spec.output_location
    status, details = command_status(execution)
    counts = dict(execution.status_counts) if execution is not None else {}
    total = sum(counts.values())
    running = counts.get("Pending", 0) + counts.get("InProgress", 0)
    return {
        "CommandId": record.command_id,
        "DocumentName": spec.name,
        "DocumentVersion": "",
        "Comment": comment_of(record),
        "ExpiresAfter": record.requested + _EXPIRES,
        "Parameters": {k: list(v) for k, v in (spec.parameters or {}).items()},
        "InstanceIds": list(execution.targets) if execution is not None else [],
        "Targets": [],
        "RequestedDateTime": record.requested,
        "Status": status,
        "StatusDetails": details,
        "OutputS3Region": (location.region if location else None) or record.region,
        "OutputS3BucketName": (location.bucket if location else None) or "",
        "OutputS3KeyPrefix": (location.key_prefix if location else None) or "",
        "MaxConcurrency": spec.max_concurrency or "50",
        "MaxErrors": spec.max_errors or "100%",
        "TargetCount": total,
        "CompletedCount": total - running,
        "ErrorCount": counts.get("Failed", 0) + counts.get("TimedOut", 0),
        "DeliveryTimedOutCount": 0,
        "ServiceRole": "",
        "NotificationConfig": {**NOTIFICATION, "NotificationEvents": []},
        "CloudWatchOutputConfig": dict(CLOUDWATCH),
        "TimeoutSeconds": _TIMEOUT_SECONDS,
    }
