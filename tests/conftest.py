"""Shared test set-up: no test may reach a real AWS account, or any non-loopback address."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

# Import the whole package now, before any pytester run: an in-process run drops the
# modules first imported during it, and the binding's process-wide hooks must live
# in modules that stay (as they do in any real test run).
import ssm_assoc_stub._binding.hooks  # noqa: F401
import ssm_assoc_stub._service.service  # noqa: F401

from .transport import ssm_transport  # noqa: F401  (a fixture modules opt into)

_LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def _no_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    # Point the config and credential files at nothing so a developer's
    # ~/.aws cannot leak into a test.
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    yield


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse (and fail the test on) any connection to a non-loopback address.

    Nothing sets ``AWS_EC2_METADATA_DISABLED``: a client made with no credentials
    outside a stub would reach for the instance metadata address, and fail here.
    """
    attempts: list[str] = []

    def refuse(what: str, original: Any, method: bool) -> Any:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            target = args[1] if method else args[0]
            host = target[0] if isinstance(target, tuple) and target else target
            family = getattr(args[0], "family", None) if method else None
            local = (
                host is None
                or family == getattr(socket, "AF_UNIX", None)
                or str(host).startswith(_LOOPBACK)
            )
            if not local:
                attempts.append(f"{what}({target!r})")
                raise ConnectionRefusedError(f"test network guard: {what}({target!r})")
            return original(*args, **kwargs)

        return guarded

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo", socket.getaddrinfo, False))
    monkeypatch.setattr(
        socket, "create_connection", refuse("create_connection", socket.create_connection, False)
    )
    monkeypatch.setattr(socket.socket, "connect", refuse("connect", socket.socket.connect, True))
    monkeypatch.setattr(
        socket.socket, "connect_ex", refuse("connect_ex", socket.socket.connect_ex, True)
    )
    yield attempts
    assert attempts == [], f"a test reached for the network: {attempts}"
