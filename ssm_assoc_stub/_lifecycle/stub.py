"""``AssociationStub``: one object that is a context manager, a decorator and a fixture.

Binding rule
------------
A stub answers exactly the SSM clients created while it is the current stub
and those passed in its ``clients=``.  "Created" covers every botocore session
(``boto3.client``, ``boto3.Session().client``, ``botocore.session``) and
aiobotocore (``async with AioSession().create_client("ssm") as ssm``, so aioboto3
too).  A client created in an earlier stub's block does not see that stub's
state.  Once a stub stops its clients are unbound.  A client bound to several
stubs is answered by the one that bound it last, until that one stops.  Clients
of other services are never touched.

The current stub (``current_stub()``) follows contextvars: see ``registry``.
The decorator's forms are in ``decorate``.

Nothing here imports botocore: ``start()`` loads the glue lazily, so importing
the package stays cheap.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

if TYPE_CHECKING:
    from datetime import datetime, timedelta
    from types import TracebackType

    from .._binding.glue import StubState
    from .._service.calls import Call
    from .._service.documents import Document
    from .._service.engine import Execution
    from .._service.options import (
        AlarmState,
        CalendarState,
        ClockMode,
        DocumentType,
        OutcomeStatus,
        PingStatus,
        PlatformType,
        Progression,
        SchemaVersion,
        UpdateSemantics,
    )
    from .._service.outcomes import OutcomeFunction
    from .._service.service import Backend

from .._service.misuse import AssociationStubWarning, StubStateError, UnsupportedOperationError
from . import registry
from .checks import build_options, check_clients, check_unknown

__all__ = [
    "AssociationStub",
    "AssociationStubWarning",
    "StubStateError",
    "UnsupportedOperationError",
    "current_stub",
]

_T = TypeVar("_T")
_Decorated = TypeVar("_Decorated", bound="Callable[..., Any] | type[Any]")

# How a stub was started, for the warning about two stubs on one test.
_ORIGINS = {"decorator": "@AssociationStub decorator", "fixture": "ssm_assoc_stub fixture"}


def current_stub() -> AssociationStub:
    """The current stub where it is called (see the binding rule).

    It follows ``contextvars`` (each thread and asyncio task has its own): the
    innermost stub started in this context, else the innermost of the one chain of
    nested active stubs.  ``StubStateError`` when no stub is active, or when stubs
    are active in several other contexts and none in this one.
    """
    stub = cast("AssociationStub | None", registry.current())
    if stub is None:
        raise StubStateError(
            "current_stub(): no ssm_assoc_stub.AssociationStub is active. Call it inside "
            "`with AssociationStub():`, a function decorated with @AssociationStub, or "
            "a test that takes the ssm_assoc_stub fixture (options in "
            "@pytest.mark.ssm_assoc_stub(...))."
        )
    return stub


def _current_state() -> StubState | None:
    """The current stub's state where a call is made (``hooks`` asks at each call)."""
    stub = cast("AssociationStub | None", registry.current())
    return stub._state if stub is not None else None


def _bind_new_client(client: Any) -> None:
    """An SSM client was just made (by botocore or aiobotocore): the current stub's."""
    from .._binding import hooks

    state = _current_state()
    if state is not None:
        hooks.bind(client, state, made=True)


class _Configured:
    """``AssociationStub``'s options (its ``__new__`` adds the bare decorator form).

    Every option is keyword-only and checked here, at construction; ``start()``
    builds the state.  A new option goes in three places that a test keeps
    together: this signature, ``AssociationStub.__new__``'s second overload and
    ``Options``.
    """

    def __init__(
        self,
        *,
        clients: Iterable[Any] | None = None,
        passthrough: bool = False,
        account_id: str = "123456789012",
        update_semantics: UpdateSemantics = "replace",
        default_max_concurrency: str = "100%",
        association_limit: int = 2000,
        version_limit: int = 1000,
        strict_fleet: bool = False,
        progression: Progression = "immediate",
        history_limit: int = 100,
        history_target_limit: int = 100_000,
        calls_limit: int | None = None,
        start_time: datetime | None = None,
        seed: int | str | None = None,
        clock: ClockMode | None = None,
    ) -> None:
        if not isinstance(passthrough, bool):
            raise TypeError(f"passthrough= takes True or False, got {passthrough!r}")
        self._clients = check_clients(clients)
        self._passthrough = passthrough
        self._options = build_options(
            account_id=account_id,
            update_semantics=update_semantics,
            default_max_concurrency=default_max_concurrency,
            association_limit=association_limit,
            version_limit=version_limit,
            strict_fleet=strict_fleet,
            progression=progression,
            history_limit=history_limit,
            history_target_limit=history_target_limit,
            calls_limit=calls_limit,
            start_time=start_time,
            seed=seed,
            clock=clock,
        )
        self._active = False
        self._origin: str | None = None  # "decorator" or "fixture", for the warning
        self._outer: tuple[AssociationStub, ...] = ()  # active around it when it started
        self._state: StubState | None = None  # the latest run's; kept after stop


class AssociationStub(_Configured):
    """Emulates SSM State Manager associations for the SSM clients it answers.

    Use it as ``with AssociationStub() as stub:``, as ``@AssociationStub`` or
    ``@AssociationStub(...)`` on a test function, generator or
    ``unittest.TestCase`` class, or through the ``ssm_assoc_stub`` pytest
    fixture.  ``__init__`` only stores configuration; every ``start()`` builds
    fresh state.  Its keyword-only options are those of the Usage page's options
    table.  If a ``with`` body raises, its exception propagates unchanged, with a
    failure to stop attached as a note.
    """

    @overload
    def __new__(cls, target: _Decorated, /) -> _Decorated: ...  # type: ignore[misc]

    @overload
    def __new__(
        cls,
        *,
        clients: Iterable[Any] | None = None,
        passthrough: bool = False,
        account_id: str = "123456789012",
        update_semantics: UpdateSemantics = "replace",
        default_max_concurrency: str = "100%",
        association_limit: int = 2000,
        version_limit: int = 1000,
        strict_fleet: bool = False,
        progression: Progression = "immediate",
        history_limit: int = 100,
        history_target_limit: int = 100_000,
        calls_limit: int | None = None,
        start_time: datetime | None = None,
        seed: int | str | None = None,
        clock: ClockMode | None = None,
    ) -> AssociationStub: ...

    def __new__(cls, *args: Any, **options: Any) -> Any:
        if options:
            code = _Configured.__init__.__code__
            names = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
            check_unknown(options, names)
        if not args:
            return super().__new__(cls)
        if options or len(args) > 1:
            raise TypeError(
                "ssm_assoc_stub.AssociationStub takes keyword options only: "
                "@AssociationStub, @AssociationStub(option=value, ...) or "
                "`with AssociationStub(option=value, ...):`; with the fixture, "
                "@pytest.mark.ssm_assoc_stub(option=value, ...)"
            )
        return cls()(args[0])  # bare @AssociationStub

    def __repr__(self) -> str:
        status = "active" if self._active else "inactive"
        return f"<AssociationStub {status}, {len(self.calls)} call(s)>"

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> AssociationStub:
        """Begin with fresh state and answer SSM clients (see the binding rule).

        ``StubStateError`` if this stub is already active.
        """
        from .._binding import glue as _glue
        from .._binding import hooks
        from .._service.service import Backend

        with registry.LOCK:
            if self._active:
                raise StubStateError(
                    "This ssm_assoc_stub.AssociationStub is already active. Nested blocks "
                    "need their own instance: `with AssociationStub() as inner:`; in a test "
                    "that takes the ssm_assoc_stub fixture, whose stub is active already, "
                    "the same `with AssociationStub() as inner:` inside the test."
                )
            self._warn_if_doubled(cast("tuple[AssociationStub, ...]", registry.outer_stubs()))
            state = _glue.StubState(Backend(self._options), self._passthrough)
            hooks.install(_current_state, _bind_new_client)
            for client in self._clients:
                hooks.bind(client, state)
            hooks.activate(state)
            self._outer = cast("tuple[AssociationStub, ...]", registry.push(self))
            self._state = state
            self._active = True
        return self

    def stop(self) -> None:
        """Stop answering; the clients made in its block stay its own. Results stay readable.

        ``StubStateError`` if this stub is not active.
        """
        from .._binding import hooks

        with registry.LOCK:
            state = self._state
            if not self._active or state is None:
                raise StubStateError(
                    "This ssm_assoc_stub.AssociationStub is not active: nothing to stop. "
                    "`with AssociationStub():`, @AssociationStub and the ssm_assoc_stub "
                    "fixture stop their stub themselves; call stop() only after start()."
                )
            self._active = False
            registry.pop(self)
            self._outer = ()
            try:
                hooks.deactivate(state)
            finally:
                hooks.unbind_all(state)

    def _warn_if_doubled(self, around: tuple[AssociationStub, ...]) -> None:
        if self._origin is None:
            return
        for outer in around:
            if outer._origin is not None:
                warnings.warn(
                    f"Two ssm_assoc_stub.AssociationStub instances are active on one test: the "
                    f"{_ORIGINS[outer._origin]}'s and the {_ORIGINS[self._origin]}'s. SSM "
                    f"clients made in the test bind to the innermost (the "
                    f"{_ORIGINS[self._origin]}'s), so the other sees none of their calls. "
                    "Use one of them: the ssm_assoc_stub fixture with its options in "
                    "@pytest.mark.ssm_assoc_stub(...), or the decorator.",
                    AssociationStubWarning,
                    stacklevel=5,
                )
                return

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
            else:  # Python 3.10: the PEP 678 attribute by hand (tracebacks do not print it)
                import logging

                exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                logging.getLogger("ssm_assoc_stub").error(note)

    # -- decorator -------------------------------------------------------------
    def __call__(self, target: _T) -> _T:
        """Decorate a function (plain, async, generator) or a ``unittest.TestCase`` class."""
        from .decorate import decorate

        self._origin = "decorator"
        return decorate(self, target)

    # -- recorded calls and injected errors ------------------------------------
    @property
    def calls(self) -> tuple[Call, ...]:
        """Every call the stub answered, in order; readable after the stub stops.

        Calls sent on with ``passthrough=True`` and calls that raised
        ``UnsupportedOperationError`` are not recorded.  With ``calls_limit=N``
        only the newest N are kept (``calls_dropped`` counts the others).
        """
        return tuple(self._state.calls) if self._state is not None else ()

    @property
    def calls_dropped(self) -> int:
        """How many of the oldest calls ``calls_limit`` dropped from ``calls`` (0 if none)."""
        return self._state.calls.dropped if self._state is not None else 0

    def calls_to(self, operation: str) -> tuple[Call, ...]:
        """The recorded calls of one operation, e.g. ``"CreateAssociation"``.

        An operation the stub does not emulate is a ``ValueError``.
        """
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
        """The emulated service behind this stub (the latest run's, also after it stopped)."""
        return self._latest("backend").backend

    @property
    def now(self) -> datetime:
        """The stub's clock (see ``clock=``); after the stub stopped, where it ended."""
        state = self._latest("now")
        if self._active:
            return state.backend.current_time()
        return state.backend.clock.now

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move the stub's clock forward, running what falls due; returns the new time.

        ``seconds`` is a number or a ``timedelta``; a negative one is a ``ValueError``.
        """
        return self._require("advance").backend.advance(seconds)

    def settle(self) -> None:
        """Run every execution in progress to completion, without firing scheduled runs."""
        self._require("settle").backend.settle()

    def run(self, association_id: str) -> Execution:
        """Run an association now (as StartAssociationsOnce) and return the execution.

        What is in progress finishes first; the run goes to completion.  An unknown
        id is a ``KeyError``.
        """
        return self._require("run").backend.run(association_id)

    def executions(self, association_id: str) -> tuple[Execution, ...]:
        """The executions of an association, oldest first; readable after the stub stopped.

        The one in progress, if any, comes last.  An unknown id is a ``KeyError``.
        """
        return self._latest("executions").backend.executions(association_id)

    def add_instance(
        self,
        instance_id: str,
        *,
        tags: Mapping[str, str] | None = None,
        platform: PlatformType = "Linux",
        ping_status: PingStatus = "Online",
        platform_name: str | None = None,
        platform_version: str | None = None,
        agent_version: str | None = None,
        ip_address: str | None = None,
        computer_name: str | None = None,
    ) -> None:
        """Register a managed node the associations can target.

        The other keywords are what DescribeInstanceInformation reports for it; left
        out, they are derived from the id and the platform.
        Adding an id again replaces the node (it keeps its place in the dispatch order).
        """
        self._require("add_instance").backend.add_instance(
            instance_id,
            tags=tags,
            platform=platform,
            ping_status=ping_status,
            platform_name=platform_name,
            platform_version=platform_version,
            agent_version=agent_version,
            ip_address=ip_address,
            computer_name=computer_name,
        )

    def remove_instance(self, instance_id: str) -> None:
        """Deregister a managed node (``KeyError`` if unknown); later runs no longer reach it."""
        self._require("remove_instance").backend.remove_instance(instance_id)

    def tag_instance(self, instance_id: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags of a managed node; associations it now matches run on it.

        A node that starts to match a Command or Policy association gets it applied
        right away (D-RC-12), or joins the execution in progress (D-RC-8).
        """
        self._require("tag_instance").backend.tag_instance(instance_id, tags)

    def untag_instance(self, instance_id: str, keys: Iterable[str]) -> None:
        """Remove tag keys from a managed node; associations it no longer matches leave it."""
        self._require("untag_instance").backend.untag_instance(instance_id, keys)

    def set_alarm_state(self, name: str, state: AlarmState, *, at: datetime | None = None) -> None:
        """Set a CloudWatch alarm's state from now (or from the simulated time ``at``) on.

        ``state`` is ``"OK"``, ``"ALARM"``, ``"INSUFFICIENT_DATA"``, or ``"UNKNOWN"`` for
        an alarm whose state cannot be read.  An association whose AlarmConfiguration
        names an alarm in ALARM dispatches no further target (D-ALM-1).
        """
        self._require("set_alarm_state").backend.set_alarm_state(name, state, at)

    def set_calendar_state(
        self, name: str, state: CalendarState, *, at: datetime | None = None
    ) -> None:
        """Set a Change Calendar ``"OPEN"`` or ``"CLOSED"`` from now (or from ``at``) on.

        An association with a closed calendar in CalendarNames does not run (D-CAL-1).
        """
        self._require("set_calendar_state").backend.set_calendar_state(name, state, at)

    def set_outcome(
        self,
        target: str = "*",
        status: OutcomeStatus | OutcomeFunction = "Success",
        *,
        duration: float | None = None,
        output: str | None = None,
        error: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        """Set how runs on ``target`` (a node id, or ``"*"``) end, and how long they take.

        ``status`` is ``"Success"``, ``"Failed"`` or ``"TimedOut"``, or a function
        ``fn(description, instance_id)`` returning a status, ``(status, duration)`` or an
        ``ssm_assoc_stub.OutcomeResult`` (which can carry the output too).  ``duration``
        is in seconds (default 1.0).  A node's own setting wins over ``"*"`` (D-RC-11).

        ``output`` and ``error`` are what the run printed on stdout and stderr, and
        ``exit_code`` its exit code: what GetCommandInvocation and ListCommandInvocations
        show for the command behind the run (its ``OutputSourceId``).  Left out: empty
        output, and for a failed run the agent's ``failed to run commands: exit status 1``
        with exit code 1 (0 for a success).  Arguments are checked at once
        (``TypeError``/``ValueError``).
        """
        self._require("set_outcome").backend.set_outcome(
            target, status, duration, output=output, error=error, exit_code=exit_code
        )

    def add_document(
        self,
        name: str,
        *,
        parameters: Mapping[str, Mapping[str, object]] | None = None,
        versions: int | Sequence[Mapping[str, Mapping[str, object]]] | None = None,
        document_type: DocumentType = "Command",
        schema_version: SchemaVersion = "2.2",
        platforms: Sequence[PlatformType] = ("Linux", "Windows", "MacOS"),
        default_version: str | None = None,
        description: str = "",
        owner: str | None = None,
    ) -> Document:
        """Register an SSM document the associations can use; returns its record.

        ``parameters`` is a document's ``parameters`` section (an entry without
        ``"default"`` is required); ``versions`` a number of versions or one such
        section per version.  A built-in document's name is a ``ValueError``.
        """
        extra: dict[str, Any] = {} if owner is None else {"owner": owner}
        return self._require("add_document").backend.add_document(
            name,
            parameters=parameters,
            versions=versions,
            document_type=document_type,
            schema_version=schema_version,
            platforms=platforms,
            default_version=default_version,
            description=description,
            **extra,
        )

    def _require(self, what: str) -> StubState:
        state = self._state
        if not self._active or state is None:
            raise StubStateError(
                f"ssm_assoc_stub.AssociationStub.{what} needs an active stub: use it inside "
                "`with stub:`, a function decorated with @AssociationStub, or a test that "
                "takes the ssm_assoc_stub fixture (options in "
                "@pytest.mark.ssm_assoc_stub(...))."
            )
        return state

    def _latest(self, what: str) -> StubState:
        """The latest run's state, active or stopped: for reading results."""
        state = self._state
        if state is None:
            raise StubStateError(
                f"ssm_assoc_stub.AssociationStub.{what} needs a stub that has started: use "
                "it inside `with stub:`, a function decorated with @AssociationStub, or a "
                "test that takes the ssm_assoc_stub fixture (options in "
                "@pytest.mark.ssm_assoc_stub(...)); results stay readable after it stops."
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
