"""``AssociationStub``: one object that is a context manager, a decorator and a fixture.

Binding rule
------------
A stub answers exactly the SSM clients created while it is the current stub
(below) and those passed in its ``clients=``.  "Created" covers every botocore
session (``boto3.client``, ``boto3.Session().client``, ``botocore.session``)
and aiobotocore (``async with AioSession().create_client("ssm") as ssm``, so
aioboto3 too): an async client is made, and bound, when ``async with`` enters,
and is answered by the same handlers with the same state.  No other client: not
one made before the stub started (by boto3's default session, say) unless passed
in ``clients=``, and not one made in an earlier stub's block, which does not see
that stub's state either.  Once a stub stops its clients are unbound and behave
exactly as without ssm_assoc_stub.  A client bound to several stubs (an outer
stub's client in an inner stub's ``clients=``) is answered by the one that bound
it last, until that one stops.  Clients of other services are never touched.

The current stub, which ``current_stub()`` returns and which binds new clients,
depends on the thread that asks (asyncio tasks share their loop's thread):

1. the innermost active stub started in this thread: each thread has its own
   stack, so two tests running in two threads never share a stub;
2. else, if every active stub was started in one thread, that thread's innermost
   one: a worker thread (or an event loop in a thread) that code under test
   starts inside a stub block binds its clients to that stub;
3. else (stubs active in several threads, none in this one) nothing can tell
   which test this thread works for: ``current_stub()`` and creating an SSM
   client raise ``StubStateError`` rather than guess.

A decorated ``unittest.TestCase`` class gets a fresh run of the stub for each
test, from the start of ``setUp`` to the last cleanup, so clients made in
``setUp`` (or ``asyncSetUp``) are bound and ``tearDown`` still sees the stub.

Nothing here imports botocore: ``start()`` loads the glue lazily, so importing
the package stays cheap.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from datetime import datetime, timedelta
    from types import TracebackType

    from .._binding.glue import StubState
    from .._service.calls import Call
    from .._service.engine import Execution
    from .._service.fleet import OutcomeFunction
    from .._service.service import Backend

from .._service.misuse import StubStateError, UnsupportedOperationError
from .checks import (
    build_options,
    check_clients,
)

__all__ = ["AssociationStub", "StubStateError", "UnsupportedOperationError", "current_stub"]

_T = TypeVar("_T")

# The active stubs: every one in start order (_ACTIVE), and each thread's own
# stack, innermost last (_LOCAL.stack, also held by each stub so that any thread
# can stop it).  Guarded by _LOCK together with the create_client patches
# (installed on the first start in any thread, removed on the last stop).
_ACTIVE: list[AssociationStub] = []
_LOCAL = threading.local()
_LOCK = threading.RLock()


def current_stub() -> AssociationStub:
    """The current stub of the calling thread (see the binding rule)."""
    with _LOCK:
        stub = _current()
    if stub is None:
        raise StubStateError(
            "current_stub(): no AssociationStub is active. Call it inside "
            "`with AssociationStub():`, a function decorated with @AssociationStub(), "
            "or a test that uses the ssm_assoc_stub fixture."
        )
    return stub


def _current() -> AssociationStub | None:
    """The calling thread's current stub, None if no stub is active; call with _LOCK."""
    stack: list[AssociationStub] | None = getattr(_LOCAL, "stack", None)
    if stack:
        return stack[-1]
    threads = len({id(stub._stack) for stub in _ACTIVE})
    if threads > 1:
        raise StubStateError(
            f"No AssociationStub is active in this thread, and stubs are active in "
            f"{threads} other threads: there is no telling which one this thread works "
            "for. Create the SSM client in the thread that started the stub and hand it "
            "over, or pass it in AssociationStub(clients=[...])."
        )
    return _ACTIVE[-1] if _ACTIVE else None


def _bind_new_client(client: Any) -> None:
    """Bind an SSM client just made (by botocore or aiobotocore) to the current stub."""
    from .._binding import glue as _glue

    with _LOCK:
        stub = _current()
        state = stub._state if stub is not None else None
        if state is not None and _glue.bind(client, state):
            state.clients.append(client)


class AssociationStub:
    """Emulates SSM State Manager associations for the SSM clients it binds.

    Use it as ``with AssociationStub() as stub:``, as ``@AssociationStub()`` on a
    test function or ``unittest.TestCase`` class, or through the
    ``ssm_assoc_stub`` pytest fixture.  ``__init__`` only stores configuration;
    every ``start()`` builds fresh state.
    """

    def __init__(
        self,
        *,
        clients: Iterable[Any] | None = None,
        passthrough: bool = False,
        **options: Any,
    ) -> None:
        if not isinstance(passthrough, bool):
            raise TypeError(f"passthrough= takes True or False, got {passthrough!r}")
        self._clients = check_clients(clients)
        self._passthrough = passthrough
        self._options = build_options(options)
        self._active = False
        self._state: StubState | None = None  # the latest run's; kept after stop for .calls
        self._stack: list[AssociationStub] | None = None  # its thread's stack while active

    def __repr__(self) -> str:
        status = "active" if self._active else "inactive"
        return f"<AssociationStub {status}, {len(self.calls)} call(s)>"

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> AssociationStub:
        """Bind the clients and begin with fresh state; returns the stub."""
        from .._binding import glue as _glue
        from .._service.service import Backend

        with _LOCK:
            if self._active:
                raise StubStateError(
                    "This AssociationStub is already active. Nested blocks need their "
                    "own instance: `with AssociationStub() as inner:`."
                )
            state = _glue.StubState(Backend(self._options), self._passthrough)
            try:
                for client in self._clients:
                    if _glue.bind(client, state):
                        state.clients.append(client)
                if not _ACTIVE:
                    _glue.patch_create_client(_bind_new_client)
            except BaseException:
                _glue.unbind_all(state)
                raise
            stack: list[AssociationStub] | None = getattr(_LOCAL, "stack", None)
            if stack is None:
                stack = _LOCAL.stack = []
            stack.append(self)
            _ACTIVE.append(self)
            self._stack = stack
            self._state = state
            self._active = True
        return self

    def stop(self) -> None:
        """Unbind every client this stub bound; its calls stay readable."""
        from .._binding import glue as _glue

        with _LOCK:
            state = self._state
            if not self._active or state is None:
                raise StubStateError("This AssociationStub is not active: nothing to stop.")
            self._active = False
            _ACTIVE.remove(self)
            if self._stack is not None:
                self._stack.remove(self)
                self._stack = None
            try:
                _glue.unbind_all(state)
            finally:
                if not _ACTIVE:
                    _glue.unpatch_create_client()

    def __enter__(self) -> AssociationStub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self.stop()
            return
        try:
            self.stop()
        except Exception as teardown:  # keep the body's exception: it is the one to see
            note = f"ssm_assoc_stub: stopping the stub also failed: {teardown!r}"
            if hasattr(exc, "add_note"):  # Python 3.11+
                exc.add_note(note)
            else:  # pragma: no cover - Python 3.10
                import logging

                logging.getLogger("ssm_assoc_stub").error(note)

    # -- decorator -------------------------------------------------------------
    def __call__(self, target: _T) -> _T:
        """Decorate a function (sync or async) or a ``unittest.TestCase`` class."""
        import inspect

        if isinstance(target, type):
            import unittest

            if not issubclass(target, unittest.TestCase):
                raise TypeError(
                    f"AssociationStub() can decorate a function or a unittest.TestCase "
                    f"class, not the class {target.__qualname__}"
                )
            return cast("_T", self._decorate_testcase(target))
        if not (inspect.isfunction(target) or inspect.ismethod(target)):
            raise TypeError(
                f"AssociationStub() can decorate a function or a unittest.TestCase class, "
                f"not {target!r}"
            )
        func = cast("Callable[..., Any]", target)
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return cast("_T", run_async)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return cast("_T", run)

    def _decorate_testcase(self, case_class: type[Any]) -> type[Any]:
        """Run the stub from the start of each test's ``setUp`` to its cleanups."""
        original = case_class.setUp

        @functools.wraps(original)
        def setUp(case: Any) -> None:
            self.start()
            case.addCleanup(self.stop)  # after tearDown and the test's own cleanups
            original(case)

        case_class.setUp = setUp
        return case_class

    # -- recorded calls and injected errors ------------------------------------
    @property
    def calls(self) -> tuple[Call, ...]:
        """Every call the stub answered, in order; readable after the stub stops.

        Calls sent on with ``passthrough=True`` and calls that raised
        ``UnsupportedOperationError`` are not recorded.
        """
        return tuple(self._state.calls) if self._state is not None else ()

    def calls_to(self, operation: str) -> tuple[Call, ...]:
        """The recorded calls of one operation, e.g. ``"CreateAssociation"``."""
        _check_operation("calls_to", operation)
        return tuple(call for call in self.calls if call.operation == operation)

    def inject_error(
        self, operation_name: str, code: str, message: str | None = None, count: int = 1
    ) -> None:
        """Make the next ``count`` calls of ``operation_name`` fail with ``code``.

        The error reaches the caller as botocore raises it for a real response:
        ``client.exceptions.<code>`` for a modelled code, else ``ClientError``.
        Injected errors change no state and are recorded in ``calls``.
        """
        state = self._require("inject_error")
        _check_operation("inject_error", operation_name)
        if not isinstance(code, str) or not code:
            raise ValueError(f"inject_error(): code must be an error code string, got {code!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"inject_error(): count must be a positive int, got {count!r}")
        text = message if message is not None else f"{code} injected by ssm_assoc_stub"
        state.inject(operation_name, code, text, count)

    # -- test-side controls (delegated to the backend) -------------------------
    @property
    def backend(self) -> Backend:
        """The emulated service behind this stub (while active)."""
        return self._require("backend").backend

    @property
    def now(self) -> datetime:
        """The stub's simulated time."""
        return self._require("now").backend.clock.now

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move simulated time forward, running what falls due; returns the new time."""
        return self._require("advance").backend.advance(seconds)

    def settle(self) -> None:
        """Run every execution in progress to completion."""
        self._require("settle").backend.settle()

    def run(self, association_id: str) -> Execution:
        """Run an association now (as StartAssociationsOnce) and return the execution."""
        return self._require("run").backend.run(association_id)

    def executions(self, association_id: str) -> tuple[Execution, ...]:
        """The executions of an association, oldest first."""
        return self._require("executions").backend.executions(association_id)

    def add_instance(
        self, instance_id: str, *, tags: Mapping[str, str] | None = None, platform: str = "Linux"
    ) -> None:
        """Register a managed node the associations can target."""
        self._require("add_instance").backend.add_instance(
            instance_id, tags=tags, platform=platform
        )

    def remove_instance(self, instance_id: str) -> None:
        """Deregister a managed node."""
        self._require("remove_instance").backend.remove_instance(instance_id)

    def set_outcome(
        self,
        target: str = "*",
        status: str | OutcomeFunction = "Success",
        *,
        duration: float | None = None,
    ) -> None:
        """Set how runs on ``target`` (a node id, or ``"*"``) end, and how long they take."""
        self._require("set_outcome").backend.set_outcome(target, status, duration)

    def add_document(
        self,
        name: str,
        *,
        parameters: Mapping[str, Mapping[str, object]] | None = None,
        versions: int | Sequence[Mapping[str, Mapping[str, object]]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Register an SSM document the associations can use."""
        return self._require("add_document").backend.add_document(
            name, parameters=parameters, versions=versions, **kwargs
        )

    def _require(self, what: str) -> StubState:
        state = self._state
        if not self._active or state is None:
            raise StubStateError(
                f"AssociationStub.{what} needs an active stub: use it inside "
                "`with stub:`, a decorated function, or the ssm_assoc_stub fixture."
            )
        return state


def _check_operation(what: str, operation: str) -> None:
    from .._service.service import Backend

    supported = Backend.SUPPORTED_OPERATIONS
    if operation not in supported:
        raise ValueError(
            f"{what}(): unknown operation {operation!r}; the stub emulates "
            f"{', '.join(sorted(supported))}"
        )
