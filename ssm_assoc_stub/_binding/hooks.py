"""How every SSM client in the process reaches the stubs, through botocore's public events.

Installed once, when the first stub starts (``install``), and dormant whenever no
stub is active:

* every SSM client carries two handlers on its own event emitter:
  ``before-parameter-build.ssm`` (unique id ``ssm_assoc_stub.capture``), which keeps
  the API parameters for ``stub.calls``, and ``before-call.ssm``
  (``ssm_assoc_stub.answer``), which answers the call as botocore's ``Stubber`` does,
  so nothing is signed or sent;
* a client gets them when it is made: a ``creating-client-class.ssm`` handler, in
  ``botocore.handlers.BUILTIN_HANDLERS`` (so every botocore and aiobotocore session
  made later has it, as moto registers its own handler) and on each session that
  already existed, adds a small base class whose ``__init__`` hooks the new client
  and hands it to the stub layer (``on_new_client``), in the thread that made it;
* clients and sessions made before the first stub started (module level, a
  session fixture) are found once, by one walk of ``gc.get_objects()``.

Which stub answers a call is decided at the call (``_answer``): the stub the client
is bound to (made in its block, or passed in its ``clients=``), innermost binding
last; else, for a client made outside every stub block, the current stub where the
call is made; a client made in a stub's block that has stopped is refused while any
other stub is active (it never sees a later stub's state).  With no stub active
every handler returns at once and the client behaves as without ssm_assoc_stub.

The bridge's own clients (``_bridge.clients``) are never hooked.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import botocore.handlers
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient

from .._bridge.clients import is_bridge_client
from .._service.calls import freeze
from .._service.misuse import StubStateError
from . import aio as _aio
from . import credentials
from .glue import PARAMS_KEY, Answer, StubState, respond

if TYPE_CHECKING:
    from botocore.model import OperationModel

__all__ = [
    "ANSWER_ID",
    "CAPTURE_ID",
    "activate",
    "bind",
    "deactivate",
    "install",
    "is_hooked",
    "unbind",
    "unbind_all",
]

PREFIX = "ssm_assoc_stub"
CAPTURE_ID = f"{PREFIX}.capture"
ANSWER_ID = f"{PREFIX}.answer"
CLASS_ID = f"{PREFIX}.client-class"
_CAPTURE_EVENT = "before-parameter-build.ssm"
_ANSWER_EVENT = "before-call.ssm"
_CLASS_EVENT = "creating-client-class.ssm"

# What the stub layer provides at install: the current stub's state where a call or a
# client creation happens (None if no stub is active; may raise StubStateError), and
# what to do with a client just made.
CurrentState = Callable[[], "StubState | None"]

_LOCK = threading.RLock()
_installed: dict[str, Any] = {}  # "current", "new_client" once installed
_active: list[StubState] = []  # the active stubs' states, in start order
_bindings: weakref.WeakKeyDictionary[Any, list[StubState]] = weakref.WeakKeyDictionary()
_made_in: weakref.WeakKeyDictionary[Any, StubState] = weakref.WeakKeyDictionary()
_hooked: weakref.WeakSet[Any] = weakref.WeakSet()


# -- installation ---------------------------------------------------------------------
def install(current: CurrentState, on_new_client: Callable[[Any], None]) -> None:
    """Hook every SSM client, present and future (once per process)."""
    with _LOCK:
        if _installed:
            return
        _installed.update(current=current, new_client=on_new_client)
        # A copy of this module loaded again (pytester's in-process runs drop modules
        # imported during a run) replaces the older copy's registrations.
        builtin = botocore.handlers.BUILTIN_HANDLERS
        builtin[:] = [spec for spec in builtin if not _ours(spec[1])]
        builtin.append((_CLASS_EVENT, _add_base_class))
        for thing in gc.get_objects():
            if isinstance(thing, botocore.session.Session):
                thing.unregister(_CLASS_EVENT, unique_id=CLASS_ID)
                thing.register(_CLASS_EVENT, _add_base_class, unique_id=CLASS_ID)
            elif isinstance(thing, BaseClient):
                hook(thing)


def _ours(handler: object) -> bool:
    return getattr(handler, "__module__", None) == __name__ and (
        getattr(handler, "__name__", None) == "_add_base_class"
    )


class _Hooked:
    """The base class every new SSM client class gets: hooks the client as it is made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if hook(self):
            new_client = _installed.get("new_client")
            if new_client is not None and _active:
                new_client(self)


def _add_base_class(base_classes: list[type[Any]], **kwargs: Any) -> None:
    if _Hooked not in base_classes:
        base_classes.insert(0, _Hooked)


def hook(client: Any) -> bool:
    """Give an SSM client the two handlers (once); False for clients never hooked."""
    meta = getattr(client, "meta", None)
    if meta is None or meta.service_model.service_name != "ssm" or is_bridge_client(client):
        return False
    with _LOCK:
        if client in _hooked:
            return True
        _hooked.add(client)
    events = meta.events
    events.unregister(_CAPTURE_EVENT, unique_id=CAPTURE_ID)  # an older copy's, if any
    events.unregister(_ANSWER_EVENT, unique_id=ANSWER_ID)
    events.register(_CAPTURE_EVENT, _capture, unique_id=CAPTURE_ID)
    response_class = _aio.response_class() if _aio.is_async_client(client) else AWSResponse
    ref = weakref.ref(client)  # the handler lives on the client: no cycle through it
    region, endpoint_url = meta.region_name, meta.endpoint_url

    def answer(
        model: OperationModel, params: dict[str, Any], context: dict[str, Any], **kwargs: Any
    ) -> Answer | None:
        if not _active:
            return None
        state = _answering(ref())
        if state is None:
            return None
        return respond(state, region, model, params, context, response_class, endpoint_url)

    events.register(_ANSWER_EVENT, answer, unique_id=ANSWER_ID)
    return True


def is_hooked(client: Any) -> bool:
    with _LOCK:
        return client in _hooked


# -- which stub answers ---------------------------------------------------------------------
def _answering(client: Any) -> StubState | None:
    with _LOCK:
        stack = _bindings.get(client) if client is not None else None
        if stack:
            return stack[-1]
        made_in = _made_in.get(client) if client is not None else None
    if made_in is not None:
        raise StubStateError(
            "This SSM client was created inside an ssm_assoc_stub.AssociationStub's block "
            "that has stopped, and never sees a later stub's state. Create it inside the "
            "current stub's block (or in the test that takes the ssm_assoc_stub fixture), "
            "or pass it in `with AssociationStub(clients=[...]):`, or with the fixture "
            "@pytest.mark.ssm_assoc_stub(clients=[...])."
        )
    current: CurrentState = _installed["current"]
    return current()


def _capture(params: Mapping[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
    if _active:
        context[PARAMS_KEY] = freeze(params)


# -- bindings ---------------------------------------------------------------------------------
def activate(state: StubState) -> None:
    """A stub started: its state can answer; fake credentials while any stub is active."""
    with _LOCK:
        if not _active:
            credentials.put_in_place()
        _active.append(state)


def deactivate(state: StubState) -> None:
    with _LOCK:
        if state in _active:
            _active.remove(state)
        if not _active:
            credentials.restore()


def bind(client: Any, state: StubState, *, made: bool = False) -> bool:
    """Make ``state`` answer ``client`` until ``unbind``; ``made``: created in its block.

    Returns False (and changes nothing) if ``state`` is bound to it already, or if
    ``client`` is one of the bridge's own clients (those read moto, never the stub).
    """
    if not hook(client):
        return False
    with _LOCK:
        stack = _bindings.setdefault(client, [])
        if state in stack:
            return False
        stack.append(state)
        if made:
            _made_in[client] = state
        state.clients.append(client)
        return True


def unbind(client: Any, state: StubState) -> None:
    """Undo ``bind``: the client is answered by the next binding, or by the rule above."""
    with _LOCK:
        stack = _bindings.get(client)
        if stack is not None and state in stack:
            stack.remove(state)
            if not stack:
                del _bindings[client]


def unbind_all(state: StubState) -> None:
    """Unbind every client of ``state``; the first failure is raised after the rest."""
    failure: Exception | None = None
    with _LOCK:
        for client in state.clients:
            try:
                unbind(client, state)
            except Exception as error:
                failure = failure or error
        state.clients.clear()
    if failure is not None:
        raise failure
