"""A server in the test process, for the ``ssm_assoc_server`` fixture."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from .client import ServerControls

__all__ = ["started_server"]


@contextlib.contextmanager
def started_server(
    options: Mapping[str, Any], *, upstream: str | None = None
) -> Iterator[tuple[str, ServerControls]]:
    """Serve a fresh backend with ``options`` on a free loopback port until the block ends."""
    import attrs

    from .._service.options import Options
    from .._service.service import Backend
    from .app import ServerApp
    from .run import SSMServer
    from .upstream import Upstream

    known = attrs.fields_dict(Options)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(
            f"ssm_assoc_server got unknown option(s) {', '.join(unknown)}; "
            f"the options are {', '.join(known)}"
        )
    checked = Options(**options)
    app = ServerApp(lambda: Backend(checked), upstream=Upstream(upstream) if upstream else None)
    server = SSMServer(app).start()
    try:
        yield server.url, ServerControls(server.url)
    finally:
        server.stop()
