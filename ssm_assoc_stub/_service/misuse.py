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
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import ServiceError

__all__ = [
    "AssociationStubWarning",
    "CallbackFailed",
    "NotEmulated",
    "StubInternalError",
    "StubStateError",
    "UnsupportedOperationError",
    "user_errors",
]


class StubStateError(AssertionError):
    """An AssociationStub was used in a way its lifecycle does not allow.

    Starting an active stub, stopping an inactive one, a test-side control on an
    inactive stub, ``current_stub()`` with no stub, or an SSM client made in a thread
    that cannot tell which stub it belongs to.
    """


class NotEmulated(Exception):
    """This request is not the stub's to answer; ``reason`` says which part is not.

    ``otherwise`` is the answer when nothing else would answer it (no moto, no
    ``passthrough``, no upstream): e.g. ``InvalidCommandId`` for a command id the stub
    does not own, as the one SSM there is would say (D-CMD-7).
    """

    def __init__(
        self, operation: str, reason: str, *, otherwise: ServiceError | None = None
    ) -> None:
        super().__init__(f"{operation}: {reason}")
        self.operation = operation
        self.reason = reason
        self.otherwise = otherwise


class UnsupportedOperationError(AssertionError, NotImplementedError):
    """A bound SSM client called an operation the stub does not emulate.

    Raised without ``passthrough=True``; ``operation`` names it and the message lists
    the emulated operations.
    """

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
            "or a server of your own, use `with AssociationStub(passthrough=True):` or, "
            "with the ssm_assoc_stub fixture, @pytest.mark.ssm_assoc_stub(passthrough=True). "
            "(ssm_assoc_stub.UnsupportedOperationError)"
        )


class AssociationStubWarning(UserWarning):
    """Something in a test is probably not what its author meant, but is not an error.

    Filter it like any warning category, e.g. in pytest's ``filterwarnings``:
    ``"ignore::ssm_assoc_stub.AssociationStubWarning"`` or ``"error::..."``.
    """


class StubInternalError(AssertionError):
    """A bug in ssm_assoc_stub: an operation raised an unexpected Python exception.

    The state was rolled back to what it was before the call, and the call is in
    ``stub.calls`` with the error code ``StubInternalError``.  The original
    exception is attached as ``__cause__`` (and ``original``); please report it.
    """

    def __init__(self, operation: str, original: BaseException) -> None:
        self.operation = operation
        self.original = original
        super().__init__(
            f"Bug in ssm_assoc_stub: {operation} raised {type(original).__name__} (the "
            "original exception is chained: see __cause__). The stub's state was rolled back "
            "to what it was before the call. Please report this, with the request, to the "
            "ssm_assoc_stub issue tracker."
        )


class CallbackFailed(Exception):  # noqa: N818 - internal carrier, never reaches the user
    """Carries an exception raised by the test's own code (an outcome function).

    The core raises it so that a user's error is not mistaken for a bug in the
    stub; the entry points unwrap it and re-raise ``error`` itself.
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


class _UserErrors:
    """``with user_errors():`` (a class, not a generator: it runs on every call)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: object, trace: object) -> None:
        if kind is not None and isinstance(error, CallbackFailed):
            raise error.error from None


_USER_ERRORS = _UserErrors()


def user_errors() -> AbstractContextManager[None]:
    """Re-raise an exception of the test's own callback as itself."""
    return _USER_ERRORS


for _public in (
    StubStateError,
    UnsupportedOperationError,
    AssociationStubWarning,
    StubInternalError,
):
    _public.__module__ = "ssm_assoc_stub"
del _public
