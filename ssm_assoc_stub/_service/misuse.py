"""Misuse errors and the stub's own warning category.

They subclass ``AssertionError`` so pytest reports them plainly.  They live in the
core because the service itself decides which operations it answers.

``NotEmulated`` is not a misuse: an operation raises it for a request it leaves to
whatever answers SSM calls next (moto's ``mock_aws``, or the network with
``passthrough=True``), e.g. ListTagsForResource of a Parameter.  The binding sends
such a request on, or raises ``UnsupportedOperationError`` when nothing would answer it.

Their ``__module__`` is the public package, so a traceback names them as users
import them (``ssm_assoc_stub.UnsupportedOperationError``).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["AssociationStubWarning", "NotEmulated", "StubStateError", "UnsupportedOperationError"]


class StubStateError(AssertionError):
    """An AssociationStub was used in a way its lifecycle does not allow."""


class NotEmulated(Exception):
    """This request is not the stub's to answer; ``reason`` says which part is not."""

    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"{operation}: {reason}")
        self.operation = operation
        self.reason = reason


class UnsupportedOperationError(AssertionError, NotImplementedError):
    """A bound SSM client called an operation the stub does not emulate."""

    def __init__(
        self, operation: str, supported: Iterable[str], *, reason: str | None = None
    ) -> None:
        self.operation = operation
        what = (
            f"ssm_assoc_stub does not emulate the SSM operation {operation}. "
            f"It emulates: {', '.join(sorted(supported))}."
            if reason is None
            else f"ssm_assoc_stub emulates {operation} {reason}."
        )
        super().__init__(
            f"{what} Nothing else would answer it: no moto mock_aws is active (inside one, "
            "such calls go on to moto by themselves). To send it on anyway, to the network "
            "or a server of your own, use AssociationStub(passthrough=True) or "
            "@pytest.mark.ssm_assoc_stub(passthrough=True). "
            "(ssm_assoc_stub.UnsupportedOperationError)"
        )


class AssociationStubWarning(UserWarning):
    """Something in a test is probably not what its author meant, but is not an error.

    Filter it like any warning category, e.g. in pytest's ``filterwarnings``:
    ``"ignore::ssm_assoc_stub.AssociationStubWarning"`` or ``"error::..."``.
    """


for _public in (StubStateError, UnsupportedOperationError, AssociationStubWarning):
    _public.__module__ = "ssm_assoc_stub"
del _public
