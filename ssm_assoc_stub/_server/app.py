"""The WSGI application: SSM's JSON 1.1 protocol over the core, plus the controls.

``POST /`` with ``X-Amz-Target: AmazonSSM.<Operation>`` is one SSM call.  An
operation the core emulates is answered under the backend's lock, in the same
order of checks as the botocore binding: an injected error, then
``Backend.handle`` with the operation's input shape (it checks required members,
JSON types and constraints before it acts), all in one transaction; the answer
is JSON with epoch-second timestamps, an error is ``{"__type", "message"}``
with the code's HTTP status (D-ERR-1), and every response carries
``x-amzn-RequestId``.  Any other operation goes on to the
upstream, if there is one, else gets ``UnknownOperationException`` with the
message an unsupported operation gets in-process (D-SRV-2).

Paths under ``/_ssm_assoc_stub/`` are the test-side controls (``controls``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .._service.calls import Call, CallError, CallLog, freeze
from .._service.errors import ServiceError, error_for_code
from .._service.journal import transaction
from .._service.misuse import NotEmulated, StubInternalError, UnsupportedOperationError
from . import protocol
from .controls import answer_control
from .upstream import Upstream

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .._service.service import Backend

__all__ = ["CONTROL_PREFIX", "Recorder", "ServerApp"]

CONTROL_PREFIX = protocol.CONTROL_PREFIX
_LOG = logging.getLogger("ssm_assoc_stub.server")


class InternalFailure(ServiceError):
    """What AWS JSON services answer when they fail (the stub's bug, here)."""

    code = "InternalFailure"
    status = 500


class Recorder:
    """The calls one server answered and the errors queued for the next ones."""

    def __init__(self, calls_limit: int | None = None) -> None:
        self.calls = CallLog(calls_limit)  # the newest calls_limit calls (all if None)
        self._injected: dict[str, deque[tuple[str, str]]] = {}

    def inject(self, operation: str, code: str, message: str, count: int) -> None:
        self._injected.setdefault(operation, deque()).extend([(code, message)] * count)

    def take_injected(self, operation: str) -> ServiceError | None:
        queue = self._injected.get(operation)
        if not queue:
            return None
        code, message = queue.popleft()
        return error_for_code(code)(message)

    def clear(self) -> None:
        self.calls.clear()
        self._injected.clear()


class ServerApp:
    """One emulated SSM service behind a WSGI callable.

    ``new_backend`` builds a fresh ``Backend`` (at start and on reset);
    ``recorder`` holds the calls and injected errors (a ``Recorder``, or any
    object with ``calls``, ``inject`` and ``take_injected``).
    """

    def __init__(
        self,
        new_backend: Callable[[], Backend],
        *,
        upstream: Upstream | None = None,
        region: str = "us-east-1",
        recorder: Any = None,
    ) -> None:
        self._new_backend = new_backend
        self._reset_lock = threading.Lock()
        self.backend = new_backend()
        if recorder is None:
            recorder = Recorder(self.backend.options.calls_limit)
        self.recorder = recorder
        self.upstream = upstream
        self.region = region

    def reset(self) -> None:
        """Start over: a fresh backend, no calls, no injected errors."""
        with self._reset_lock:
            self.backend = self._new_backend()
            self.recorder.calls.clear()
            clear = getattr(self.recorder, "clear", None)
            if clear is not None:
                clear()

    # -- WSGI ----------------------------------------------------------------
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return answer_control(self, request)
        operation = protocol.operation_of(request.headers.get("X-Amz-Target"))
        backend = self.backend
        if (
            request.method == "POST"
            and request.path == "/"
            and operation in backend.SUPPORTED_OPERATIONS
        ):
            return self._answer(backend, request, operation)
        if self.upstream is not None:
            return self._forward(request)
        if operation is None:
            target = request.headers.get("X-Amz-Target")
            what = f"the target {target!r}" if target else "no X-Amz-Target header"
            return self._error(
                backend,
                "UnknownOperationException",
                f"ssm_assoc_stub serves SSM's JSON protocol (POST / with an "
                f"X-Amz-Target: AmazonSSM.<Operation> header); this request has {what}.",
                400,
            )
        return self._unsupported(backend, operation)

    def _unsupported(self, backend: Backend, operation: str, reason: str | None = None) -> Response:
        """D-SRV-2: what the in-process stub says, with the server's way out."""
        message = str(
            UnsupportedOperationError(operation, backend.SUPPORTED_OPERATIONS, reason=reason)
        )
        message = message.split(" Nothing else would answer it", 1)[0] + (
            " To send other SSM calls on to another endpoint (a moto server, say), "
            "start the server with --upstream URL."
        )
        return self._error(backend, "UnknownOperationException", message, 400)

    # -- one SSM call ----------------------------------------------------------
    def _answer(self, backend: Backend, request: Request, operation: str) -> Response:
        region = protocol.region_of(request.headers.get("Authorization"), self.region)
        try:
            body = protocol.decode_body(request.get_data())
        except protocol.BodyError as bad:
            return self._error(backend, "SerializationException", str(bad), 400)
        params = freeze(body)
        with backend.lock:  # one lock for state, injected errors and call order
            try:
                # One transaction around the answer and its encoding, as in-process:
                # if either fails unexpectedly, the call changes nothing.
                with transaction():
                    error = self.recorder.take_injected(operation)
                    result: dict[str, Any] = {}
                    if error is None:
                        backend.use_source(self._source(region))
                        try:  # the backend checks against the shipped model first (D-VAL-1)
                            result = backend.handle(region, operation, body)
                        except ServiceError as raised:
                            error = raised
                        except NotEmulated as not_ours:  # no upstream: the stub's answer
                            if not_ours.otherwise is None or self.upstream is not None:
                                raise
                            error = not_ours.otherwise
                    encoded = protocol.encode(result) if error is None else b""
            except NotEmulated as not_ours:  # rolled back; not recorded (D-SRV-2)
                if self.upstream is not None:
                    return self._forward(request)
                return self._unsupported(backend, operation, not_ours.reason)
            except Exception as failure:  # a bug, or a test's outcome function (D-SRV-5)
                _LOG.error("ssm_assoc_stub failed answering %s", operation, exc_info=failure)
                bug = failure if isinstance(failure, StubInternalError) else None
                code = "StubInternalError" if bug is not None else "CallbackError"
                text = str(bug if bug is not None else StubInternalError(operation, failure))
                self.recorder.calls.append(
                    Call(operation=operation, params=params, region=region,
                         error=CallError(code, text))
                )  # fmt: skip
                return self._error(
                    backend,
                    InternalFailure.code,
                    f"ssm_assoc_stub hit an internal error answering {operation}: {text}",
                    InternalFailure.status,
                )
            for notice in backend.take_notices():  # D-WARN-1: no client sees a warning
                _LOG.warning("%s: %s", type(notice).__name__, notice)
            if error is None:
                self.recorder.calls.append(
                    Call(operation=operation, params=params, region=region,
                         response=freeze(result))
                )  # fmt: skip
                return self._response(backend, 200, encoded)
            self.recorder.calls.append(
                Call(operation=operation, params=params, region=region,
                     error=CallError(error.code, error.message))
            )  # fmt: skip
            return self._error(backend, error.code, error.message, error.status)

    def _source(self, region: str) -> Any:
        """The moto bridge reads documents and EC2 instances from the upstream, if any."""
        if self.upstream is None:
            return None
        from .._bridge.moto import MotoSource

        return MotoSource(region, self.upstream.url)

    def _forward(self, request: Request) -> Response:
        assert self.upstream is not None
        path = request.full_path if request.query_string else request.path
        try:
            answer = self.upstream.forward(
                request.method, path, dict(request.headers.items()), request.get_data()
            )
        except OSError as failure:
            return self._error(
                self.backend,
                "ServiceUnavailable",
                f"ssm_assoc_stub could not reach the upstream {self.upstream.url}: {failure}",
                503,
            )
        response = Response(answer.body, status=answer.status)
        response.headers.clear()
        for key, value in answer.headers:
            response.headers.add(key, value)
        return response

    # -- responses -----------------------------------------------------------
    def _response(self, backend: Backend, status: int, body: bytes) -> Response:
        response = Response(body, status=status, content_type=protocol.CONTENT_TYPE)
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        # The Date header is the HTTP server's (wall clock), as clients' clock-skew
        # correction expects; the simulated time is in the body's timestamps (D-SRV-3).
        return response

    def _error(self, backend: Backend, code: str, message: str, status: int) -> Response:
        return self._response(backend, status, protocol.error_body(code, message))
