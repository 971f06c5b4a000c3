"""The input shapes the core checks a request against over HTTP.

``Backend.handle(..., input_shape=...)`` runs the boundary checks (required
members, JSON types, ranges: ``_service.typecheck``) and the constraint checks
(``_service.constraints``) on the shape it is given, so the server hands it the
same shapes the botocore binding does: those of botocore's SSM model, loaded once
on first use.  (When the core ships its own model, this module switches to it,
and the server stops importing botocore.)
"""

from __future__ import annotations

import functools
import threading
from typing import Any

__all__ = ["input_shape"]

_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _service_model() -> Any:
    import botocore.session

    with _LOCK:
        return botocore.session.get_session().get_service_model("ssm")


@functools.lru_cache(maxsize=256)
def input_shape(operation: str) -> Any:
    """The input shape of ``operation`` (None if the model has no such operation)."""
    model = _service_model()
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation).input_shape
