"""aiobotocore glue: async SSM clients are answered exactly like botocore ones.

An aiobotocore client (``async with AioSession().create_client("ssm") as ssm``,
and so every ``aioboto3`` client) is a botocore client underneath: its
``_make_api_call`` awaits ``emit_until_response("before-call...")`` on an
``AioHierarchicalEmitter``, which calls plain functions as well as coroutines, and
``AioSession`` registers botocore's ``BUILTIN_HANDLERS``.  So ``hooks`` reaches its
clients the same way and registers the very same sync handlers on them; they read
the same state as the stub's botocore clients.  What differs is the response
object: aiobotocore's responses are ``AioAWSResponse`` (its ``content`` is
awaitable), as in aiobotocore's own ``AioStubber``.

aiobotocore is optional (``pip install ssm_assoc_stub[async]``) and never imported
here unless one of its clients exists.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any, cast

__all__ = ["is_async_client", "response_class"]


def is_async_client(client: Any) -> bool:
    """Whether ``client`` is an aiobotocore client (never imports aiobotocore)."""
    module = sys.modules.get("aiobotocore.client")  # no async client exists before it loads
    return module is not None and isinstance(client, module.AioBaseClient)


def response_class() -> type[Any]:
    """The HTTP response class of aiobotocore's own responses."""
    return cast("type[Any]", importlib.import_module("aiobotocore.awsrequest").AioAWSResponse)
