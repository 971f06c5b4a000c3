"""botocore glue: answering one call, with responses exactly as botocore parses them.

Which clients reach ``respond``, and for which stub, is ``hooks``' business: the
``before-call.ssm`` handler every SSM client carries calls ``respond`` with the
answering stub's ``StubState`` and returns ``(AWSResponse, parsed)``, as botocore's
``Stubber`` does (an ``AioAWSResponse`` for an aiobotocore client), so nothing is
signed or sent; the ``before-parameter-build.ssm`` handler has stored a read-only
deep copy of the API parameters in the request context under ``PARAMS_KEY``.

Responses come out exactly as botocore would parse a real one.  A success is
built directly from the backend's answer (a fresh copy, each datetime turned into
what botocore's JSON parser yields for an epoch timestamp: the same instant in
``tzlocal()``); a test checks the result equals the parser's output for every
operation.  An error body goes through botocore's own ``json`` parser, plus the
modelled members of the error shape, as botocore's endpoint adds them, so the
modelled exception classes are raised by botocore itself.
The ``date`` header is the stub's simulated time, like every date in the body.

Order of checks for an answered call: an injected error, then the backend (which
checks the body's types and constraints, ``ValidationException``, before it acts).
A call that crashes the backend (``StubInternalError``, a bug) is recorded too.  One backend lock is
held across all three and the recording, so ``stub.calls`` is in state order
even when several threads share a client.
"""

from __future__ import annotations

import email.utils
import json
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs
from botocore.awsrequest import AWSResponse
from botocore.compat import get_tzinfo_options
from botocore.parsers import create_parser

from .._bridge.moto import MotoSource
from .._service.calls import Call, CallError, CallLog, freeze
from .._service.errors import ServiceError, error_for_code
from .._service.ids import uuid4_text
from .._service.journal import transaction
from .._service.misuse import NotEmulated, StubInternalError, UnsupportedOperationError

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from .._service.service import Backend

__all__ = [
    "PARAMS_KEY",
    "Answer",
    "StubState",
    "error_response",
    "respond",
    "success_response",
]

PREFIX = "ssm_assoc_stub"
PARAMS_KEY = f"{PREFIX}.params"
_CONTENT_TYPE = "application/x-amz-json-1.1"

Answer = tuple[AWSResponse, dict[str, Any]]


@attrs.define(eq=False)
class StubState:
    """One run of a stub (``start`` to ``stop``), as the handlers see it."""

    backend: Backend
    passthrough: bool
    calls: CallLog = attrs.Factory(lambda self: CallLog(self.backend.options.calls_limit), True)
    clients: list[Any] = attrs.Factory(list)  # bound by this run, unbound on stop
    _injected: dict[str, deque[tuple[str, str]]] = attrs.Factory(dict)

    def inject(self, operation: str, code: str, message: str, count: int) -> None:
        with self.backend.lock:
            self._injected.setdefault(operation, deque()).extend([(code, message)] * count)

    def take_injected(self, operation: str) -> ServiceError | None:
        with self.backend.lock:
            queue = self._injected.get(operation)
            if not queue:
                return None
            code, message = queue.popleft()
            return error_for_code(code)(message)


# -- answering -----------------------------------------------------------------
def respond(
    state: StubState,
    region: str,
    model: OperationModel,
    request: Mapping[str, Any],
    context: Mapping[str, Any],
    response_class: type[AWSResponse] = AWSResponse,
    endpoint_url: str | None = None,
) -> Answer | None:
    """Answer one call for ``state``; ``None`` lets it go on (to moto, or passthrough).

    What the stub does not emulate (an operation, or a request an operation raises
    ``NotEmulated`` for) goes on when moto would answer it or with ``passthrough=True``;
    otherwise it is an ``UnsupportedOperationError``.
    """
    operation = model.name
    backend = state.backend
    source = MotoSource(region, endpoint_url)
    if operation not in backend.SUPPORTED_OPERATIONS:
        if state.passthrough or source.active():
            return None
        raise UnsupportedOperationError(operation, backend.SUPPORTED_OPERATIONS)
    params = context.get(PARAMS_KEY)
    url = str(request.get("url", ""))
    escaped: BaseException | None = None  # what the backend raised, as it raised it
    with backend.lock:  # one lock for state, injected errors and call order
        try:
            # One transaction around the backend's answer and the response built from
            # it: if either fails unexpectedly, the call changes nothing.
            with transaction():
                body = _decode_body(request.get("body"))
                if params is None:
                    params = freeze(body)
                error = state.take_injected(operation)
                if error is None:
                    backend.use_source(source)
                    try:  # the backend checks types and constraints first (D-VAL-1)
                        result = backend.handle(region, operation, body)
                    except ServiceError as raised:
                        error = raised
                    except NotEmulated as not_ours:  # nothing else would answer: its error
                        if not_ours.otherwise is None or state.passthrough or source.active():
                            raise
                        error = not_ours.otherwise
                    except BaseException as raised:
                        escaped = raised
                        raise
                date = backend.clock.now
                if error is None:
                    request_id = backend.ids.request_id()
                    http, parsed = success_response(
                        model, result, url, date, response_class, request_id=request_id
                    )
                    record = Call(
                        operation=operation, params=params, region=region, response=freeze(parsed)
                    )
                else:
                    request_id = backend.ids.request_id()
                    http, parsed = error_response(
                        model, error, url, date, response_class, request_id=request_id
                    )
                    record = Call(
                        operation=operation,
                        params=params,
                        region=region,
                        error=CallError(error.code, error.message),
                    )
        except NotEmulated as not_ours:  # rolled back; not recorded, like passthrough
            if state.passthrough or source.active():
                return None
            raise UnsupportedOperationError(
                operation, backend.SUPPORTED_OPERATIONS, reason=not_ours.reason
            ) from None
        except Exception as raised:
            # Recorded, then raised: a bug (StubInternalError), or the exception of the
            # test's own outcome function, unchanged.
            failure = raised if raised is escaped else StubInternalError(operation, raised)
            bug = isinstance(failure, StubInternalError)
            code = "StubInternalError" if bug else "CallbackError"
            state.calls.append(
                Call(
                    operation=operation,
                    params=params if params is not None else freeze({}),
                    region=region,
                    error=CallError(code, str(failure)),
                )
            )
            if failure is raised:
                raise
            raise failure from raised
        state.calls.append(record)
    backend.flush_notices()  # after the state and the record: a warning-as-error is safe
    return http, parsed


def _decode_body(body: object) -> dict[str, Any]:
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8")
    if not body:
        return {}
    decoded = json.loads(str(body))
    return decoded if isinstance(decoded, dict) else {}


def success_response(
    model: OperationModel,
    result: Mapping[str, Any],
    url: str,
    date: datetime,
    response_class: type[AWSResponse] = AWSResponse,
    *,
    request_id: str | None = None,
) -> Answer:
    """The ``(http, parsed)`` pair botocore would make of a 200 carrying ``result``.

    Built directly rather than through botocore's JSON parser: the backend answers
    modelled members only, as JSON types and aware UTC datetimes, so all the parser
    would change is each datetime, into what it yields for an epoch timestamp (the
    same instant in ``tzlocal()``).  The body is still encoded, for ``content-length``.
    """
    body = json.dumps(result, default=_encode_timestamp, separators=(",", ":")).encode()
    if request_id is None:
        request_id = uuid4_text()
    headers = {
        "x-amzn-requestid": request_id,
        "content-type": _CONTENT_TYPE,
        "content-length": str(len(body)),
        "date": _http_date(date),
    }
    parsed: dict[str, Any] = _as_parsed(result)
    parsed["ResponseMetadata"] = {
        "RequestId": request_id,
        "HTTPStatusCode": 200,
        "HTTPHeaders": dict(headers),
        "RetryAttempts": 0,
    }
    return response_class(url, 200, headers, None), parsed


_LOCAL_ZONE = get_tzinfo_options()[0]()  # what botocore's parser tries first: tzlocal()
# Without daylight saving time (dateutil's tzlocal says so) the local offset never
# changes, so a conversion is an addition: what ``astimezone`` yields, without
# dateutil's Python-level ``fromutc`` on every new timestamp (the clock follows
# the wall clock by default, so most are new).
_STD_OFFSET = getattr(_LOCAL_ZONE, "_std_offset", None)
_FIXED_OFFSET: timedelta | None = (
    _STD_OFFSET
    if getattr(_LOCAL_ZONE, "_hasdst", True) is False and isinstance(_STD_OFFSET, timedelta)
    else None
)
# UTC datetime -> the same instant in tzlocal(), as botocore's parser makes it.  The
# clock repeats its values from call to call, so this saves a dateutil conversion
# per timestamp; bounded, and the values are immutable.
_LOCAL: dict[datetime, datetime] = {}
_LOCAL_LIMIT = 4096
_HTTP_DATE: tuple[datetime | None, str] = (None, "")


def _http_date(date: datetime) -> str:
    global _HTTP_DATE
    cached, text = _HTTP_DATE
    if cached != date:
        text = email.utils.format_datetime(date.astimezone(timezone.utc), usegmt=True)
        _HTTP_DATE = (date, text)
    return text


def _as_parsed(value: Any) -> Any:
    """A fresh copy of a backend answer with datetimes as botocore's parser yields them."""
    kind = type(value)
    if kind is dict:
        return {
            key: item if type(item) in _PLAIN else _as_parsed(item) for key, item in value.items()
        }
    if kind is list or kind is tuple:
        return [item if type(item) in _PLAIN else _as_parsed(item) for item in value]
    if kind is datetime:
        local = _LOCAL.get(value)
        if local is None:
            if value.tzinfo is None:
                raise TypeError(f"the backend answered a naive datetime {value!r}; use aware UTC")
            if len(_LOCAL) >= _LOCAL_LIMIT:
                _LOCAL.clear()
            if _FIXED_OFFSET is not None and value.utcoffset() == _ZERO:
                local = (value + _FIXED_OFFSET).replace(tzinfo=_LOCAL_ZONE)
            else:
                local = value.astimezone(_LOCAL_ZONE)
            _LOCAL[value] = local
        return local
    return value


_PLAIN = frozenset({str, int, float, bool, type(None)})
_ZERO = timedelta(0)


def error_response(
    model: OperationModel,
    error: ServiceError,
    url: str,
    date: datetime,
    response_class: type[AWSResponse] = AWSResponse,
    *,
    request_id: str | None = None,
) -> Answer:
    """The ``(http, parsed)`` pair botocore would make of AWS's response for ``error``."""
    wire = {"__type": error.code, error.message_member: error.message}
    body = json.dumps(wire, separators=(",", ":")).encode()
    return _parse(
        model, error.status, body, url, date, error.code, response_class, request_id=request_id
    )


def _parse(
    model: OperationModel,
    status: int,
    body: bytes,
    url: str,
    date: datetime,
    error_code: str | None,
    response_class: type[AWSResponse],
    *,
    request_id: str | None = None,
) -> Answer:
    headers = {
        "x-amzn-requestid": request_id if request_id is not None else uuid4_text(),
        "content-type": _CONTENT_TYPE,
        "content-length": str(len(body)),
        "date": email.utils.format_datetime(date.astimezone(timezone.utc), usegmt=True),
    }
    raw = {"status_code": status, "headers": headers, "body": body}
    parser = create_parser("json")
    parsed: dict[str, Any] = parser.parse(raw, model.output_shape)
    if error_code is not None:
        # What botocore's endpoint does for an error: add the error shape's members.
        shape = model.service_model.shape_for_error_code(error_code)
        if shape is not None:
            parsed.update(parser.parse(raw, shape))
    parsed["ResponseMetadata"]["RetryAttempts"] = 0
    return response_class(url, status, headers, None), parsed


def _encode_timestamp(value: object) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError(f"the backend answered a naive datetime {value!r}; use aware UTC")
        return value.timestamp()
    raise TypeError(f"the backend answered a {type(value).__name__}, which is not JSON: {value!r}")
