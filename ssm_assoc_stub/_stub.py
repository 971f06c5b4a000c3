"""``AssociationStub``: one object that is a context manager, a decorator and a fixture.

Binding rule
------------
A stub answers exactly the SSM clients created while it is the innermost active
stub, plus the clients passed in ``clients=``.  Clients are created through any
botocore session (``boto3.client``, ``boto3.Session().client``,
``botocore.session.get_session().create_client``).  When the stub stops, its
clients are unbound: a client created inside one stub's block and used inside a
later one does not see the earlier stub's state, and is not bound to the later
stub unless passed in its ``clients=``.  A client used after every stub stopped
behaves exactly as it would without ssm_assoc_stub.  Clients of other services
are never touched.

Active stubs form one process-wide stack (not one per thread): ``current_stub()``
is the innermost, and a client created in any thread while a stub is innermost
binds to that stub.  A client bound to several stubs (an outer stub's client
passed in an inner stub's ``clients=``) is answered by the one that bound it
last, until that one stops.

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

    from ._backend import Backend
    from ._calls import Call
    from ._engine import Execution
    from ._fleet import OutcomeFunction
    from ._glue import StubState
    from ._options import Options

__all__ = ["AssociationStub", "StubStateError", "UnsupportedOperationError", "current_stub"]

_T = TypeVar("_T")

# The active stubs, innermost last; guarded by _LOCK together with the
# create_client patch (installed on the first start, removed on the last stop).
_STACK: list[AssociationStub] = []
_LOCK = threading.RLock()


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


def current_stub() -> AssociationStub:
    """The innermost active stub."""
    with _LOCK:
        if not _STACK:
            raise StubStateError(
                "current_stub(): no AssociationStub is active. Call it inside "
                "`with AssociationStub():`, a function decorated with @AssociationStub(), "
                "or a test that uses the ssm_assoc_stub fixture."
            )
        return _STACK[-1]


def _bind_new_client(client: Any) -> None:
    """Bind an SSM client just created by a botocore session to the innermost stub."""
    from . import _glue

    with _LOCK:
        state = _STACK[-1]._state if _STACK else None
        if state is not None and _glue.bind(client, state):
            state.clients.append(client)


def _check_clients(clients: Iterable[Any] | None) -> tuple[Any, ...]:
    if clients is None:
        return ()
    if isinstance(clients, (str, bytes, Mapping)) or not isinstance(clients, Iterable):
        raise TypeError(f"clients= takes a list of SSM clients, got {clients!r}")
    checked = tuple(clients)
    for client in checked:
        meta = getattr(client, "meta", None)
        service_model = getattr(meta, "service_model", None)
        name = getattr(service_model, "service_name", None)
        if name != "ssm":
            what = f"a {name!r} client" if name is not None else repr(client)
            raise TypeError(
                f"clients= takes SSM clients only, got {what}. Pass clients made with "
                "boto3.client('ssm', ...); clients of other services are never bound."
            )
    return checked


def _build_options(options: dict[str, Any]) -> Options:
    import attrs

    from ._options import Options

    known = attrs.fields_dict(Options)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(
            f"AssociationStub() got unknown option(s) {', '.join(unknown)}; "
            f"the options are clients, passthrough, {', '.join(known)}"
        )
    return Options(**options)


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
        self._clients = _check_clients(clients)
        self._passthrough = passthrough
        self._options = _build_options(options)
        self._active = False
        self._state: StubState | None = None  # the latest run's; kept after stop for .calls

    def __repr__(self) -> str:
        status = "active" if self._active else "inactive"
        return f"<AssociationStub {status}, {len(self.calls)} call(s)>"

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> AssociationStub:
        """Bind the clients and begin with fresh state; returns the stub."""
        from . import _glue
        from ._backend import Backend

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
                if not _STACK:
                    _glue.patch_create_client(_bind_new_client)
            except BaseException:
                _unbind_all(state)
                raise
            _STACK.append(self)
            self._state = state
            self._active = True
        return self

    def stop(self) -> None:
        """Unbind every client this stub bound; its calls stay readable."""
        from . import _glue

        with _LOCK:
            state = self._state
            if not self._active or state is None:
                raise StubStateError("This AssociationStub is not active: nothing to stop.")
            self._active = False
            _STACK.remove(self)
            try:
                _unbind_all(state)
            finally:
                if not _STACK:
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
            for name in dir(target):
                method = getattr(target, name)
                if name.startswith("test") and inspect.isfunction(method):
                    setattr(target, name, self(method))
            return target
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


def _unbind_all(state: StubState) -> None:
    """Unbind every client of ``state``; the first failure is raised after the rest."""
    from . import _glue

    failure: Exception | None = None
    for client in state.clients:
        try:
            _glue.unbind(client, state)
        except Exception as error:
            failure = failure or error
    state.clients.clear()
    if failure is not None:
        raise failure


def _check_operation(what: str, operation: str) -> None:
    from ._backend import Backend

    supported = Backend.SUPPORTED_OPERATIONS
    if operation not in supported:
        raise ValueError(
            f"{what}(): unknown operation {operation!r}; the stub emulates "
            f"{', '.join(sorted(supported))}"
        )
