"""aiobotocore glue: async SSM clients are bound exactly like botocore ones.

An aiobotocore client (``async with AioSession().create_client("ssm") as ssm``,
and so every ``aioboto3`` client) is a botocore client underneath: its
``_make_api_call`` awaits ``emit_until_response("before-call...")`` on an
``AioHierarchicalEmitter``, which calls plain functions as well as coroutines.
So ``_glue`` registers the very same sync handlers on it, under the same unique
ids, and the client reads the same state as the stub's botocore clients.  Two
things differ, and live here:

* where clients are made: ``AioSession.create_client`` does not go through
  ``botocore.session.Session.create_client``, so while a stub is active
  ``aiobotocore.client.AioClientCreator.create_client`` (a coroutine function)
  is wrapped too, and each new SSM client is handed to the stub layer as soon
  as it exists (when ``async with`` enters, in the thread that awaits it);
* the response object: aiobotocore's responses are ``AioAWSResponse`` (its
  ``content`` is awaitable), as in aiobotocore's own ``AioStubber``.

aiobotocore is optional (``pip install ssm_assoc_stub[async]``).  When it is
installed, the first stub to start in a process imports it (about 0.1 s, aiohttp
included), so that a client made inside a stub block is bound even when the code
under test imports aiobotocore only then; importing ``ssm_assoc_stub`` never
does.  If it is not installed, or cannot be imported, no async client can exist
and there is nothing to bind.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

__all__ = ["is_async_client", "patch_create_client", "response_class", "unpatch_create_client"]

_ORIGINAL: Callable[..., Any] | None = None
_PATCHED: Callable[..., Any] | None = None
_LOCK = threading.Lock()


def _load() -> ModuleType | None:
    """``aiobotocore.client``, or None when aiobotocore is not installed or not importable."""
    if importlib.util.find_spec("aiobotocore") is None:
        return None
    try:
        return importlib.import_module("aiobotocore.client")
    except ImportError:  # installed but unusable (e.g. against another botocore)
        return None


def patch_create_client(on_ssm_client: Callable[[Any], None]) -> None:
    """Wrap ``AioClientCreator.create_client`` so each new SSM client goes to ``on_ssm_client``."""
    global _ORIGINAL, _PATCHED
    with _LOCK:
        if _PATCHED is not None:
            return
        module = _load()
        if module is None:
            return
        creator = module.AioClientCreator
        original = creator.create_client

        @functools.wraps(original)
        async def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = await original(self, *args, **kwargs)
            if client.meta.service_model.service_name == "ssm":
                on_ssm_client(client)
            return client

        creator.create_client = create_client
        _ORIGINAL, _PATCHED = original, create_client


def unpatch_create_client() -> None:
    """Put the original ``AioClientCreator.create_client`` back."""
    global _ORIGINAL, _PATCHED
    with _LOCK:
        if _PATCHED is None or _ORIGINAL is None:
            return
        creator = importlib.import_module("aiobotocore.client").AioClientCreator
        if creator.create_client is _PATCHED:
            creator.create_client = _ORIGINAL
        # else someone wrapped it on top of us: theirs stays, ours binds nothing now.
        _ORIGINAL = _PATCHED = None


def is_async_client(client: Any) -> bool:
    """Whether ``client`` is an aiobotocore client (never imports aiobotocore)."""
    module = sys.modules.get("aiobotocore.client")  # no async client exists before it loads
    return module is not None and isinstance(client, module.AioBaseClient)


def response_class() -> type[Any]:
    """The HTTP response class of aiobotocore's own responses."""
    return cast("type[Any]", importlib.import_module("aiobotocore.awsrequest").AioAWSResponse)
