"""The bridge's own botocore clients: never bound by a stub, never reaching the network.

Each client is made from a fresh botocore session with fake credentials, one attempt
(no retries) and, for in-process moto, a last ``before-send`` handler that answers
``418`` with the ``x-ssm-assoc-stub-unanswered`` header.  botocore takes the first
answer any ``before-send`` handler gives, so that one is used only when moto's own
handler (one of botocore's built-in handlers once moto is imported) gave none, i.e.
when no ``mock_aws`` is active: the request is then never sent.  A client aimed at a
moto server has no such handler: its endpoint is a loopback address.

Clients are shared by every stub in the process (they hold no state of ours) and
made once per (service, Region, endpoint).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.config import Config

__all__ = ["UNANSWERED_HEADER", "bridge_client", "is_bridge_client", "never_bound", "unanswered"]

UNANSWERED_HEADER = "x-ssm-assoc-stub-unanswered"
_FAKE_KEY, _FAKE_SECRET = "ssm-assoc-stub-bridge", "ssm-assoc-stub-bridge"  # noqa: S105
_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=2,
    read_timeout=30,
)

_CLIENTS: dict[tuple[str, str, str | None], Any] = {}
_OURS: weakref.WeakSet[Any] = weakref.WeakSet()
_MAKING = threading.local()
_LOCK = threading.Lock()


class _Body:
    """The raw body botocore reads from an ``AWSResponse``: an empty JSON object."""

    def stream(self, **kwargs: Any) -> Any:
        return iter((b"{}",))


def _unanswered(request: Any, **kwargs: Any) -> AWSResponse:
    """The answer of last resort: used only if nothing before it (moto) answered."""
    return AWSResponse(request.url, 418, {UNANSWERED_HEADER: "1"}, _Body())


def is_bridge_client(client: Any) -> bool:
    """Whether ``client`` is one of ours (or being made): stubs never bind those."""
    return bool(getattr(_MAKING, "on", False)) or client in _OURS


def never_bound(make: Callable[[], Any]) -> Any:
    """``make()`` a client that no in-process stub ever binds or answers.

    For clients aimed at an explicit endpoint on purpose (``SSMEndpoint.client()``
    in server mode): an in-process stub active at the same time (an autouse
    fixture, say) must not take their calls from the server.
    """
    previous = bool(getattr(_MAKING, "on", False))
    _MAKING.on = True
    try:
        client = make()
    finally:
        _MAKING.on = previous
    _OURS.add(client)
    return client


def unanswered(error: Exception) -> bool:
    """Whether a ``ClientError`` from a bridge client is our own last-resort answer."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return UNANSWERED_HEADER in headers


def bridge_client(service: str, region: str, endpoint_url: str | None) -> Any:
    """Our client of ``service`` in ``region``: in-process moto (None) or a server's URL."""
    key = (service, region, endpoint_url)
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is not None:
            return client
        client = never_bound(
            lambda: botocore.session.Session().create_client(
                service,
                region_name=region,
                endpoint_url=endpoint_url,
                aws_access_key_id=_FAKE_KEY,
                aws_secret_access_key=_FAKE_SECRET,
                config=_CONFIG,
            )
        )
        if endpoint_url is None:
            client.meta.events.register_last(
                "before-send", _unanswered, unique_id="ssm_assoc_stub.bridge.unanswered"
            )
        _CLIENTS[key] = client
        return client
