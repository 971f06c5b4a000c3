"""``SSMEndpoint``: what the ``ssm_assoc_server`` fixture yields.

One test body serves three modes: the emulated server started in the test
process (``mode="server"``, the default), another endpoint given with
``--ssm-assoc-endpoint`` (``"endpoint"``: a server started elsewhere, say), and
real AWS behind ``--ssm-assoc-against-real-aws`` (``"aws"``).  ``client()`` makes
a boto3 client for the endpoint; ``wait_for_execution`` waits for a run to end,
on the simulated clock when emulated and by polling with a timeout otherwise;
``controls`` (stub-only) exist only in server mode.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from .._service.misuse import StubStateError

if TYPE_CHECKING:
    from .._server.client import ServerControls

__all__ = ["SSMEndpoint"]

Mode = Literal["server", "endpoint", "aws"]
_RUNNING = frozenset({"Pending", "InProgress"})  # any other status ends a wait


class SSMEndpoint:
    """An SSM endpoint for one test: its URL, a client factory, waiting, controls."""

    def __init__(
        self,
        url: str | None,
        *,
        mode: Mode,
        region: str = "us-east-1",
        controls: ServerControls | None = None,
    ) -> None:
        self.url = url
        """The endpoint URL; ``None`` against real AWS's default endpoint."""
        self.mode: Mode = mode
        """``"server"`` (emulated in the test process), ``"endpoint"`` or ``"aws"``."""
        self.region = region
        """The Region of its clients (``--ssm-assoc-region``, default ``us-east-1``)."""
        self._controls = controls

    def __repr__(self) -> str:
        return f"<SSMEndpoint {self.mode} {self.url or 'AWS default endpoint'} {self.region}>"

    @property
    def emulated(self) -> bool:
        """True when ssm_assoc_stub answers (and the stub-only controls exist)."""
        return self._controls is not None

    @property
    def controls(self) -> ServerControls:
        """The test-side controls; only where the endpoint is emulated."""
        if self._controls is None:
            raise StubStateError(
                f"SSMEndpoint.controls: this test runs against {self.url or 'real AWS'}, "
                "which has no test-side controls. Mark the test "
                "@pytest.mark.ssm_assoc_stub_only so it is skipped there, or use only "
                "SSM calls and wait_for_execution()."
            )
        return self._controls

    def client(self, service: str = "ssm", **kwargs: Any) -> Any:
        """A boto3 client for this endpoint (test credentials unless against real AWS).

        Outside ``"aws"`` mode the client is never answered by an in-process
        ``AssociationStub`` active at the same time: its calls reach the endpoint.
        """
        import boto3
        from botocore.config import Config

        from .._bridge.clients import never_bound

        kwargs.setdefault("region_name", self.region)
        if self.mode == "aws":
            return boto3.client(service, **kwargs)
        kwargs.setdefault("endpoint_url", self.url)
        kwargs.setdefault("aws_access_key_id", "testing")
        kwargs.setdefault("aws_secret_access_key", "testing")
        kwargs.setdefault("config", Config(retries={"total_max_attempts": 1}))
        if kwargs["endpoint_url"] is None:  # AWS's own endpoint: the usual binding rule
            return boto3.client(service, **kwargs)
        # Aimed at this endpoint on purpose: an in-process stub never takes its calls.
        return never_bound(lambda: boto3.client(service, **kwargs))

    def wait_for_execution(
        self,
        association_id: str,
        *,
        execution_id: str | None = None,
        timeout: float = 600.0,
        poll: float = 10.0,
        client: Any = None,
    ) -> Mapping[str, Any]:
        """Wait until the association's execution (the newest, or ``execution_id``) ends.

        Returns it as ``DescribeAssociationExecutions`` lists it.  Emulated, the
        wait costs no real time: executions in progress are settled and, while
        none has ended, the simulated clock moves on ``poll`` seconds at a time
        (so a schedule can fire), up to ``timeout`` simulated seconds.  Against
        another endpoint it polls every ``poll`` real seconds.  ``TimeoutError``
        if nothing has ended by ``timeout``.
        """
        ssm = client if client is not None else self.client()
        waited = 0.0
        while True:
            if self._controls is not None:
                self._controls.settle()
            found = _newest(ssm, association_id, execution_id)
            if found is not None and found.get("Status") not in _RUNNING:
                return found
            if waited >= timeout:
                state = "none yet" if found is None else found.get("Status")
                raise TimeoutError(
                    f"the execution of association {association_id} did not end within "
                    f"{timeout:g} s ({'simulated' if self.emulated else 'real'}); "
                    f"last seen: {state}"
                )
            if self._controls is not None:
                self._controls.advance(poll)
            else:
                time.sleep(poll)
            waited += poll


def _newest(ssm: Any, association_id: str, execution_id: str | None) -> Mapping[str, Any] | None:
    paginator = ssm.get_paginator("describe_association_executions")
    newest: Mapping[str, Any] | None = None
    for page in paginator.paginate(AssociationId=association_id):
        for execution in page.get("AssociationExecutions", []):
            if execution_id is not None:
                if execution["ExecutionId"] == execution_id:
                    return execution  # type: ignore[no-any-return]
                continue
            created: datetime = execution["CreatedTime"]
            if newest is None or created > newest["CreatedTime"]:
                newest = execution
    return newest
