"""Misuse errors: the test used the stub in a way it does not allow.

They subclass ``AssertionError`` so pytest reports them plainly.  They live in the
core because the service itself decides which operations it answers.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["StubStateError", "UnsupportedOperationError"]


class StubStateError(AssertionError):
    """An AssociationStub was used in a way its lifecycle does not allow."""


class UnsupportedOperationError(AssertionError, NotImplementedError):
    """A bound SSM client called an operation the stub does not emulate."""

    def __init__(self, operation: str, supported: Iterable[str]) -> None:
        self.operation = operation
        super().__init__(
            f"ssm_assoc_stub does not emulate the SSM operation {operation}. "
            f"It emulates: {', '.join(sorted(supported))}. To send other SSM calls on "
            "to whatever comes next (moto's mock_aws, or the network), use "
            "AssociationStub(passthrough=True)."
        )
