"""Run behaviour tests twice: in-process, and over HTTP through the server mode.

A module opts in with ``pytestmark = pytest.mark.usefixtures("ssm_transport")``
(the fixture lives in ``conftest.py``).  In the ``http`` run every SSM client the
test creates while a stub is active gets ``endpoint_url`` pointing at a server
that serves that stub's own state (its backend, its calls, its injected errors),
and loses the binding's two handlers (removed by their unique ids, botocore's
public API), so each call goes over a real socket through the server's JSON 1.1
layer instead of the botocore binding.  The test body is unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.config import Config

from ssm_assoc_stub._binding import hooks
from ssm_assoc_stub._lifecycle import registry
from ssm_assoc_stub._server.app import ServerApp
from ssm_assoc_stub._server.run import SSMServer

_NO_RETRIES = Config(retries={"total_max_attempts": 1})  # in-process calls are never retried


class HTTPTransport:
    """One server per stub run (``StubState``), started on first use."""

    def __init__(self) -> None:
        self._servers: dict[int, tuple[Any, SSMServer]] = {}
        self._urls: set[str] = set()
        self._lock = threading.Lock()

    def url_for(self, state: Any) -> str:
        with self._lock:
            entry = self._servers.get(id(state))
            if entry is None:
                app = ServerApp(lambda: state.backend, recorder=state)
                entry = (state, SSMServer(app).start())
                self._servers[id(state)] = entry
                self._urls.add(entry[1].url)
            return entry[1].url

    def stop(self) -> None:
        with self._lock:
            servers = [server for _, server in self._servers.values()]
            self._servers.clear()
        for server in servers:
            server.stop()


def _current_state() -> Any:
    with registry.LOCK:
        stub: Any = registry.current()
    return None if stub is None else stub._state


@pytest.fixture(params=["in-process", "http"])
def ssm_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``in-process``: nothing changes; ``http``: SSM clients talk to the server mode."""
    if request.param == "in-process":
        yield "in-process"
        return
    transport = HTTPTransport()
    original_create = botocore.session.Session.create_client

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        state = _current_state() if service_name == "ssm" else None
        if state is None or kwargs.get("endpoint_url") is not None:  # boto3 passes None
            return original_create(self, service_name, *args, **kwargs)
        kwargs["endpoint_url"] = transport.url_for(state)
        if kwargs.get("aws_access_key_id") is None:
            kwargs["aws_access_key_id"] = kwargs["aws_secret_access_key"] = "testing"
        config = kwargs.get("config")
        kwargs["config"] = _NO_RETRIES if config is None else config.merge(_NO_RETRIES)
        client = original_create(self, service_name, *args, **kwargs)
        # The binding hooked it as it was made; take its handlers off: it goes over HTTP.
        client.meta.events.unregister("before-call.ssm", unique_id=hooks.ANSWER_ID)
        client.meta.events.unregister("before-parameter-build.ssm", unique_id=hooks.CAPTURE_ID)
        return client

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    try:
        yield "http"
    finally:
        transport.stop()
