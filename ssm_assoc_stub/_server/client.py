"""``ServerControls``: a small typed client for the server's test-side controls.

A test that drives the server from another process (the AWS CLI, Terraform, a
Node service) scripts the fleet and reads what happened through these methods,
which mirror ``AssociationStub``'s controls and raise the same exceptions
(``ValueError``/``TypeError`` for a bad argument, ``KeyError`` for an unknown node
or association).  Standard library only; proxies are never used.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._service.calls import Call
    from .._service.engine import Execution

__all__ = ["ServerControls"]

_PATH = "/_ssm_assoc_stub/"
_ERRORS: dict[str, type[Exception]] = {"TypeError": TypeError, "NotFound": KeyError}


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _time(value: float | None) -> datetime | None:
    """Epoch seconds -> aware UTC, exact to the millisecond the service keeps."""
    return None if value is None else _EPOCH + timedelta(milliseconds=round(value * 1000))


class ServerControls:
    """The controls of the server at ``url`` (e.g. ``http://127.0.0.1:5050``)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __repr__(self) -> str:
        return f"ServerControls({self.url!r})"

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        data = json.dumps(dict(body or {})).encode()
        request = urllib.request.Request(
            self.url + _PATH + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as failure:
            try:
                answer = json.loads(failure.read() or b"{}")
            except ValueError:
                answer = {}
            kind = answer.get("error", "")
            message = answer.get("message") or f"HTTP {failure.code} from {request.full_url}"
            raise _ERRORS.get(kind, ValueError)(message) from None

    # -- the clock -------------------------------------------------------------
    @property
    def now(self) -> datetime:
        """The server's simulated time."""
        return _time(self._call("GET", "clock")["now"])  # type: ignore[return-value]

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move simulated time forward, running what falls due; returns the new time."""
        step = seconds.total_seconds() if isinstance(seconds, timedelta) else seconds
        return _time(self._call("POST", "clock/advance", {"seconds": step})["now"])  # type: ignore[return-value]

    def settle(self) -> None:
        """Run every execution in progress to completion."""
        self._call("POST", "clock/settle")

    # -- the fleet ---------------------------------------------------------------
    def add_instance(
        self, instance_id: str, *, tags: Mapping[str, str] | None = None, platform: str = "Linux"
    ) -> None:
        """Register (or replace) a managed node."""
        self._call("PUT", f"nodes/{_segment(instance_id)}",
                   {"tags": dict(tags or {}), "platform": platform})  # fmt: skip

    def remove_instance(self, instance_id: str) -> None:
        """Deregister a managed node."""
        self._call("DELETE", f"nodes/{_segment(instance_id)}")

    def tag_instance(self, instance_id: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags of a managed node; associations it now matches run on it."""
        self._call("POST", f"nodes/{_segment(instance_id)}/tags", {"tags": dict(tags)})

    def untag_instance(self, instance_id: str, keys: Sequence[str]) -> None:
        """Remove tag keys from a managed node."""
        self._call("DELETE", f"nodes/{_segment(instance_id)}/tags", {"keys": list(keys)})

    def nodes(self) -> dict[str, dict[str, str]]:
        """Every managed node's tags, by id, in registration order."""
        return {n["instance_id"]: n["tags"] for n in self._call("GET", "nodes")["nodes"]}

    def set_alarm_state(self, name: str, state: str, *, at: datetime | None = None) -> None:
        """Set a CloudWatch alarm's state from now (or the simulated time ``at``) on (D-ALM-1)."""
        self._call("PUT", f"alarms/{_segment(name)}", {"state": state, "at": _epoch(at)})

    def set_calendar_state(self, name: str, state: str, *, at: datetime | None = None) -> None:
        """Set a Change Calendar OPEN or CLOSED from now (or ``at``) on (D-CAL-1)."""
        self._call("PUT", f"calendars/{_segment(name)}", {"state": state, "at": _epoch(at)})

    def set_outcome(
        self,
        target: str = "*",
        status: str = "Success",
        *,
        duration: float | None = None,
        output: str | None = None,
        error: str | None = None,
        exit_code: int | None = None,
        **extra: Any,
    ) -> None:
        """Set how runs on ``target`` (a node id, or ``"*"``) end, and how long they take.

        ``output``, ``error`` and ``exit_code``: what the run printed and exited with, as
        ``AssociationStub.set_outcome`` takes them (shown by GetCommandInvocation).
        """
        printed = {"output": output, "error": error, "exit_code": exit_code}
        body = {"target": target, "status": status, "duration": duration}
        body.update({key: value for key, value in printed.items() if value is not None})
        self._call("POST", "outcomes", {**body, **extra})

    def add_document(self, name: str, **options: Any) -> None:
        """Register an SSM document (the keyword options of ``AssociationStub.add_document``)."""
        self._call("POST", "documents", {"name": name, **options})

    # -- runs and what happened --------------------------------------------------
    def run(self, association_id: str) -> Execution:
        """Run an association now and return the finished ``Execution``."""
        return _execution(self._call("POST", f"associations/{_segment(association_id)}/run"))

    def executions(self, association_id: str) -> tuple[Execution, ...]:
        """The ``Execution`` records of an association, oldest first."""
        answer = self._call("GET", f"associations/{_segment(association_id)}/executions")
        return tuple(_execution(e) for e in answer["executions"])

    @property
    def calls(self) -> tuple[Call, ...]:
        """Every SSM call the server answered, as ``Call`` records (timestamps as epoch seconds)."""
        from .._service.calls import Call, CallError, freeze

        return tuple(
            Call(
                operation=c["operation"],
                params=freeze(c["params"]),
                region=c["region"],
                response=freeze(c["response"]),
                error=None if c["error"] is None else CallError(**c["error"]),
            )
            for c in self._call("GET", "calls")["calls"]
        )

    def calls_to(self, operation: str) -> tuple[Call, ...]:
        """The recorded calls of one operation."""
        return tuple(call for call in self.calls if call.operation == operation)

    def inject_error(
        self, operation_name: str, code: str, message: str | None = None, count: int = 1
    ) -> None:
        """Make the next ``count`` calls of ``operation_name`` fail with ``code``."""
        self._call("POST", "errors",
                   {"operation": operation_name, "code": code, "message": message,
                    "count": count})  # fmt: skip

    def reset(self) -> None:
        """Start over: no associations, the start-up fleet, no calls."""
        self._call("POST", "reset")

    def health(self) -> dict[str, Any]:
        """``{"status": "ok", "now": ..., "operations": [...], "upstream": ...}``."""
        answer: dict[str, Any] = self._call("GET", "health")
        return answer


def _epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise TypeError(f"at= takes an aware datetime, got {moment!r}")
    return moment.timestamp()


def _segment(value: str) -> str:
    import urllib.parse

    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty id string, got {value!r}")
    return urllib.parse.quote(value, safe="")


def _execution(data: Mapping[str, Any]) -> Execution:
    from .._service.engine import Execution, TargetResult

    targets = {
        t["instance_id"]: TargetResult(
            instance_id=t["instance_id"],
            status=t["status"],
            detailed_status=t["detailed_status"],
            started=_time(t["started"]),
            ended=_time(t["ended"]),
        )
        for t in data["targets"]
    }
    return Execution(
        execution_id=data["execution_id"],
        association_id=data["association_id"],
        association_version=data["association_version"],
        status=data["status"],
        detailed_status=data["detailed_status"],
        created_time=_time(data["created_time"]) or _EPOCH,
        ended_time=_time(data["ended_time"]),
        targets=targets,
        resource_count_by_status=data["resource_count_by_status"],
        status_counts=dict(data["status_counts"]),
        peak_concurrency=data["peak_concurrency"],
        threshold_crossed_at=_time(data["threshold_crossed_at"]),
    )
