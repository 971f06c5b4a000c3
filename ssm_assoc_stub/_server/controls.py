"""The test-side controls over HTTP, under ``/_ssm_assoc_stub/``.

The same controls as ``AssociationStub``'s (the fleet, outcomes, documents, the
clock, runs, executions, calls, injected errors), for a test that drives the
server from another process.  Bodies are JSON objects with snake_case keys;
times are epoch seconds.  A control error is ``{"error": <type>, "message": ...}``
with status 400 (bad argument) or 404 (unknown node or association).
``docs/server.md`` lists the routes; ``client.ServerControls`` calls them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.wrappers import Request, Response

from .._service.engine import Execution
from . import protocol

if TYPE_CHECKING:
    from .._service.service import Backend
    from .upstream import Upstream

__all__ = ["ServerApp", "answer_control", "execution_to_json"]


class ServerApp(Protocol):
    """What the controls act on (``app.ServerApp``)."""

    backend: Backend
    recorder: Any
    upstream: Upstream | None

    def reset(self) -> None: ...


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

Handler = Callable[[ServerApp, list[str], dict[str, Any]], Any]


class _ControlError(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def answer_control(app: ServerApp, request: Request) -> Response:
    parts = [p for p in request.path[len(protocol.CONTROL_PREFIX) :].split("/") if p]
    try:
        body = protocol.decode_body(request.get_data())
        handler, arguments = _route(request.method, parts)
        payload = handler(app, arguments, body)
        status = 200
    except _ControlError as error:
        status, payload = error.status, {"error": error.kind, "message": error.message}
    except protocol.BodyError as error:
        status, payload = 400, {"error": "BadRequest", "message": str(error)}
    except KeyError as error:
        message = error.args[0] if error.args else str(error)
        status, payload = 404, {"error": "NotFound", "message": str(message)}
    except (TypeError, ValueError) as error:
        status, payload = 400, {"error": type(error).__name__, "message": str(error)}
    return Response(
        json.dumps(protocol.to_wire(payload)), status=status, content_type="application/json"
    )


def _route(method: str, parts: list[str]) -> tuple[Handler, list[str]]:
    for (verb, pattern), handler in _ROUTES.items():
        if verb != method or len(pattern) != len(parts):
            continue
        arguments = []
        for want, got in zip(pattern, parts, strict=True):
            if want == "*":
                arguments.append(got)
            elif want != got:
                break
        else:
            return handler, arguments
    known = ", ".join(f"{verb} {'/'.join(p)}" for verb, p in _ROUTES)
    raise _ControlError(
        404, "NoSuchControl", f"no control {method} /{'/'.join(parts)}; the controls are: {known}"
    )


def _arg(body: Mapping[str, Any], name: str, kinds: type | tuple[type, ...]) -> Any:
    if name not in body:
        raise _ControlError(400, "BadRequest", f"this control needs {name!r} in its JSON body")
    value = body[name]
    if not isinstance(value, kinds) or (isinstance(value, bool) and kinds in (int, float)):
        raise _ControlError(400, "BadRequest", f"{name!r} has the wrong type: {value!r}")
    return value


# -- the controls ----------------------------------------------------------------
def _health(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    backend = app.backend
    return {
        "status": "ok",
        "now": backend.clock.now,
        "operations": sorted(backend.SUPPORTED_OPERATIONS),
        "upstream": app.upstream.url if app.upstream is not None else None,
    }


def _now(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    return {"now": app.backend.clock.now}


def _advance(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    seconds = _arg(body, "seconds", (int, float))
    return {"now": app.backend.advance(timedelta(seconds=seconds))}


def _settle(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    app.backend.settle()
    return {"now": app.backend.clock.now}


def _node_json(instance: Any) -> dict[str, Any]:
    return {
        "instance_id": instance.instance_id,
        "tags": dict(instance.tags),
        "platform": instance.platform,
    }


def _nodes(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    backend = app.backend
    with backend.lock:
        return {"nodes": [_node_json(i) for i in backend.fleet.__iter__()]}


def _put_node(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    tags = body.get("tags") or {}
    platform = body.get("platform", "Linux")
    app.backend.add_instance(args[0], tags=tags, platform=platform)
    return _node(app, args[0])


def _node(app: ServerApp, instance_id: str) -> dict[str, Any]:
    instance = app.backend.fleet.get(instance_id)
    if instance is None:
        raise KeyError(f"no managed node {instance_id!r}")
    return _node_json(instance)


def _delete_node(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    app.backend.remove_instance(args[0])
    return {}


def _add_tags(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    app.backend.tag_instance(args[0], _arg(body, "tags", dict))  # joins run (D-RC-12)
    return _node(app, args[0])


def _remove_tags(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    app.backend.untag_instance(args[0], _arg(body, "keys", list))
    return _node(app, args[0])


def _at(body: Mapping[str, Any]) -> datetime | None:
    at = body.get("at")
    if at is None:
        return None
    if isinstance(at, bool) or not isinstance(at, (int, float)):
        raise _ControlError(400, "BadRequest", f"'at' must be epoch seconds, got {at!r}")
    return _EPOCH + timedelta(milliseconds=round(at * 1000))


def _alarm(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    app.backend.set_alarm_state(args[0], _arg(body, "state", str), _at(body))
    return {}


def _calendar(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    app.backend.set_calendar_state(args[0], _arg(body, "state", str), _at(body))
    return {}


def _outcome(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    extra = dict(body)
    target = extra.pop("target", "*")
    status = extra.pop("status", "Success")
    duration = extra.pop("duration", None)
    if not isinstance(status, str):
        raise _ControlError(400, "BadRequest", f"'status' must be a string, got {status!r}")
    # Other keys (a scripted output, say) go to the core as keyword arguments.
    app.backend.set_outcome(target, status, duration, **extra)
    return {}


def _document(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    options = dict(body)
    name = options.pop("name", None)
    if not isinstance(name, str):
        raise _ControlError(400, "BadRequest", "add a document with {'name': ..., ...}")
    app.backend.add_document(name, **options)
    return {"name": name}


def execution_to_json(execution: Execution) -> dict[str, Any]:
    return {
        "execution_id": execution.execution_id,
        "association_id": execution.association_id,
        "association_version": execution.association_version,
        "status": execution.status,
        "detailed_status": execution.detailed_status,
        "created_time": execution.created_time,
        "ended_time": execution.ended_time,
        "resource_count_by_status": execution.resource_count_by_status,
        "status_counts": dict(execution.status_counts),
        "peak_concurrency": execution.peak_concurrency,
        "threshold_crossed_at": execution.threshold_crossed_at,
        "targets": [
            {
                "instance_id": result.instance_id,
                "status": result.status,
                "detailed_status": result.detailed_status,
                "started": result.started,
                "ended": result.ended,
            }
            for result in execution.targets.values()
        ],
    }


def _run(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    return execution_to_json(app.backend.run(args[0]))


def _executions(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    return {"executions": [execution_to_json(e) for e in app.backend.executions(args[0])]}


def _calls(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    with app.backend.lock:
        calls = list(app.recorder.calls)
    return {
        "calls": [
            {
                "operation": call.operation,
                "region": call.region,
                "params": call.params,
                "response": call.response,
                "error": None
                if call.error is None
                else {"code": call.error.code, "message": call.error.message},
            }
            for call in calls
        ]
    }


def _inject(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    operation = _arg(body, "operation", str)
    code = _arg(body, "code", str)
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _ControlError(400, "BadRequest", f"'count' must be a positive int, got {count!r}")
    if operation not in app.backend.SUPPORTED_OPERATIONS:
        raise _ControlError(400, "BadRequest", f"the server does not emulate {operation!r}")
    message = body.get("message") or f"{code} injected by ssm_assoc_stub"
    with app.backend.lock:
        app.recorder.inject(operation, code, str(message), count)
    return {}


def _reset(app: ServerApp, args: list[str], body: dict[str, Any]) -> Any:
    app.reset()
    return {"now": app.backend.clock.now}


_ROUTES: dict[tuple[str, tuple[str, ...]], Handler] = {
    ("GET", ("health",)): _health,
    ("GET", ("clock",)): _now,
    ("POST", ("clock", "advance")): _advance,
    ("POST", ("clock", "settle")): _settle,
    ("GET", ("nodes",)): _nodes,
    ("PUT", ("nodes", "*")): _put_node,
    ("DELETE", ("nodes", "*")): _delete_node,
    ("POST", ("nodes", "*", "tags")): _add_tags,
    ("DELETE", ("nodes", "*", "tags")): _remove_tags,
    ("PUT", ("alarms", "*")): _alarm,
    ("PUT", ("calendars", "*")): _calendar,
    ("POST", ("outcomes",)): _outcome,
    ("POST", ("documents",)): _document,
    ("POST", ("associations", "*", "run")): _run,
    ("GET", ("associations", "*", "executions")): _executions,
    ("GET", ("calls",)): _calls,
    ("POST", ("errors",)): _inject,
    ("POST", ("reset",)): _reset,
}
