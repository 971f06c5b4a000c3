"""Serving the app: werkzeug's threaded WSGI server, in a thread or in the foreground.

``SSMServer`` runs one ``ServerApp`` on a loopback port in a background thread
(the pytest fixture uses it; ``stop()`` shuts the socket and joins the thread).
``serve_forever`` is ``python -m ssm_assoc_stub serve``: it prints the endpoint
URL, serves until SIGINT or SIGTERM, then stops the same way and returns 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, TextIO

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import ServerApp

__all__ = ["SSMServer", "serve_forever"]


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without the line per request (``--log-requests`` keeps it)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SSMServer:
    """A started-on-demand HTTP endpoint for one ``ServerApp``."""

    def __init__(
        self,
        app: ServerApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_requests: bool = False,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.log_requests = log_requests
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running: call start() first")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self._server.server_port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> SSMServer:
        if self._server is not None:
            raise RuntimeError("the server is already running")
        handler = WSGIRequestHandler if self.log_requests else _QuietHandler
        server = make_server(self.host, self.port, self.app, threaded=True, request_handler=handler)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ssm_assoc_stub-server-{server.server_port}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread (idempotent)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        try:
            server.shutdown()
        finally:
            server.server_close()
            if thread is not None:
                thread.join(timeout=10)

    def __enter__(self) -> SSMServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    app: ServerApp,
    *,
    host: str,
    port: int,
    out: TextIO,
    log_requests: bool = False,
    on_started: Callable[[SSMServer], None] | None = None,
) -> int:
    """Serve until SIGINT/SIGTERM; print the URL first.  Returns the exit status."""
    if log_requests:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, stop)
    server = SSMServer(app, host=host, port=port, log_requests=log_requests)
    try:
        server.start()
        print(f"ssm_assoc_stub: serving SSM at {server.url}", file=out)
        print(
            f"  point a client at it: aws ssm list-associations --endpoint-url {server.url}",
            file=out,
        )
        print(f"  test-side controls under {server.url}/_ssm_assoc_stub/", file=out)
        print("  stop with Ctrl+C (SIGINT) or SIGTERM", file=out, flush=True)
        if on_started is not None:
            on_started(server)
        while not stopping.wait(0.2):
            if not server.running:  # pragma: no cover - the serving thread died
                return 1
        return 0
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        print("ssm_assoc_stub: server stopped", file=out, flush=True)
