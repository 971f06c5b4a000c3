"""List, delete, run once, execution history and per-node status, in API form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = ["OPERATIONS"]

Operation = Callable[["Backend", str, Mapping[str, Any]], dict[str, Any]]

OPERATIONS: dict[str, Operation] = {}
