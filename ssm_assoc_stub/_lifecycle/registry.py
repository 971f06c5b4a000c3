"""Which stubs are active, and which one is current where the code asks.

The current stub follows :mod:`contextvars`: each thread and each asyncio task
has its own stack of the stubs started in it (a task starts with a copy of its
creator's, so work it spawns inside a stub block sees that stub), innermost
last.  Where the stack holds no active stub (a thread the code under test
started, an executor's worker) the current stub is the one active stub whose
start saw every other active stub around it, that is, the innermost of the one
chain of nested stubs; if the active stubs are in several chains (two tests
running in two threads or two tasks), nothing can tell which one this code works
for, and ``current`` raises ``StubStateError`` rather than guess.

Stopping never needs the context that started the stub (a stub started in one
thread can be stopped in another): a stack entry whose stub is inactive is
skipped, and dropped at the next start in that context.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Protocol

from .._service.misuse import StubStateError

__all__ = ["LOCK", "active", "current", "outer_stubs", "pop", "push"]


class AssociationStub(Protocol):
    """What the registry reads of a stub (``stub.AssociationStub``)."""

    @property
    def _active(self) -> bool: ...

    @property
    def _outer(self) -> tuple[AssociationStub, ...]: ...


LOCK = threading.RLock()  # guards _ACTIVE and each stub's _active/_outer
_ACTIVE: list[AssociationStub] = []  # in start order
_STACK: contextvars.ContextVar[tuple[AssociationStub, ...]] = contextvars.ContextVar(
    "ssm_assoc_stub.stack", default=()
)


def active() -> tuple[AssociationStub, ...]:
    with LOCK:
        return tuple(_ACTIVE)


def push(stub: AssociationStub) -> tuple[AssociationStub, ...]:
    """Make ``stub`` the innermost in the calling context; returns the stubs around it."""
    with LOCK:
        outer = tuple(s for s in _STACK.get() if s._active)
        _STACK.set((*outer, stub))
        _ACTIVE.append(stub)
        return outer


def pop(stub: AssociationStub) -> None:
    """Forget ``stub`` (from any context); call with ``stub`` still listed."""
    with LOCK:
        _ACTIVE.remove(stub)
        stack = _STACK.get()
        if stub in stack:  # the starting context: drop it (and any stopped ones) now
            _STACK.set(tuple(s for s in stack if s is not stub and s._active))


def outer_stubs() -> tuple[AssociationStub, ...]:
    """The active stubs of the calling context, outermost first."""
    with LOCK:
        return tuple(s for s in _STACK.get() if s._active)


def current() -> AssociationStub | None:
    """The calling context's current stub; None if no stub is active anywhere."""
    with LOCK:
        for stub in reversed(_STACK.get()):
            if stub._active:
                return stub
        if not _ACTIVE:
            return None
        chains = [s for s in _ACTIVE if not any(s in other._outer for other in _ACTIVE)]
        if len(chains) == 1:
            return chains[0]
        raise StubStateError(
            f"No ssm_assoc_stub.AssociationStub is current here, and {len(chains)} are "
            "active elsewhere "
            "(in other threads or asyncio tasks): there is no telling which one this code "
            "works for. Create the SSM client where the stub started and hand it over; pass "
            "it in `with AssociationStub(clients=[...]):`, or with the fixture "
            "@pytest.mark.ssm_assoc_stub(clients=[...]); or run this thread's work in the "
            "test's context (contextvars.copy_context().run)."
        )
