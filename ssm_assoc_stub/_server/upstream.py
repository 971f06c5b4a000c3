"""Forwarding the calls the service does not emulate to an upstream endpoint.

The request goes on as it came (method, path, headers, body, so the upstream
sees the client's own signature and target) and the upstream's answer comes back
unchanged: one endpoint serves all of SSM, the rest by, say, a moto server.
"""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Mapping

import attrs

__all__ = ["Upstream", "UpstreamAnswer"]

# Hop-by-hop headers (RFC 9110 section 7.6.1) and the ones the connection sets itself.
_DROP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
    }
)


@attrs.frozen
class UpstreamAnswer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@attrs.frozen
class Upstream:
    """An ``http://host:port`` (or https) endpoint to forward to."""

    url: str = attrs.field()
    timeout: float = 60.0

    @url.validator
    def _check_url(self, attribute: object, value: str) -> None:
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--upstream must be an http:// or https:// URL, got {value!r}")

    def forward(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> UpstreamAnswer:
        parts = urllib.parse.urlsplit(self.url)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(parts.hostname or "", parts.port, timeout=self.timeout)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in _DROP}
            sent["Content-Length"] = str(len(body))
            target = (parts.path.rstrip("/") + path) or "/"
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            kept = tuple((k, v) for k, v in response.getheaders() if k.lower() not in _DROP)
            return UpstreamAnswer(response.status, kept, data)
        finally:
            connection.close()
