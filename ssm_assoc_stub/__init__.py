"""Emulate AWS Systems Manager State Manager associations in-process for boto3 tests.

Importing the package is cheap: botocore, boto3 and the emulated service load
when a stub first starts, and the record classes (``Call``, ``CallError``,
``Document``, ``Execution``, ``TargetResult``, ``OutcomeResult``) and the server-mode classes
(``ServerControls``, ``SSMEndpoint``) when first looked up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lifecycle.stub import (
    AssociationStub,
    AssociationStubWarning,
    StubStateError,
    UnsupportedOperationError,
    current_stub,
)
from ._service.misuse import StubInternalError
from ._service.notices import NoTargetsWarning

if TYPE_CHECKING:
    from ._server.client import ServerControls
    from ._service.calls import Call, CallError
    from ._service.documents import Document
    from ._service.engine import Execution, TargetResult
    from ._service.outcomes import OutcomeResult
    from ._tools.endpoint import SSMEndpoint

__all__ = [
    "AssociationStub",
    "AssociationStubWarning",
    "Call",
    "CallError",
    "Document",
    "Execution",
    "SSMEndpoint",
    "ServerControls",
    "StubInternalError",
    "NoTargetsWarning",
    "OutcomeResult",
    "StubStateError",
    "TargetResult",
    "UnsupportedOperationError",
    "__version__",
    "current_stub",
]

__version__ = "0.1.0"

# Names re-exported lazily (PEP 562), so that importing the package stays cheap.
_LAZY = {
    "Call": "._service.calls",
    "CallError": "._service.calls",
    "Document": "._service.documents",
    "Execution": "._service.engine",
    "TargetResult": "._service.engine",
    "OutcomeResult": "._service.outcomes",
    "ServerControls": "._server.client",
    "SSMEndpoint": "._tools.endpoint",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
