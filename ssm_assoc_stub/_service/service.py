"""The emulated service's entry point: one call in, one response out.

``Backend.handle`` is what the botocore binding and the HTTP server call.  It
takes the lock and answers in three steps:

1. **Parse.**  The body is checked (``servicemodel.validate``) against the
   operation's input shape in the shipped SSM model, whatever the client's
   botocore (D-VAL-1) (``typecheck``: JSON types, required members, integer and date ranges), then
   against its constraints (``constraints``: patterns, lengths, enums).  Any
   problem is a ``ValidationException`` naming the field; nothing has been
   touched.  After this step every member an operation reads has its modelled
   type (a string is a ``str``, a list a ``list``, ...).
2. **Act, in a transaction.**  The operation runs inside
   ``journal.transaction()``, then the executions the call triggered are planned
   at the call's instant (so the response, and every read until the clock moves,
   still shows Pending/Creating, D-ST-1) and, with ``progression="immediate"``,
   run to completion on the simulated timeline at once.
   If anything raises, every change is rolled back: a ``ServiceError`` reaches
   the caller as AWS's error; an exception from the test's own outcome function
   is re-raised as it is; any other exception is a bug in the stub and becomes
   ``StubInternalError`` (an ``AssertionError`` naming the operation, the
   original chained as ``__cause__``).
3. The binding records the call (accepted, rejected or crashed) in ``stub.calls``.

How to write an operation (``ops_<area>.py``, registered in ``OPERATIONS``)::

    def describe_thing(backend: State, region: str, body: Mapping[str, Any]) -> dict[str, Any]:

``body`` has passed step 1, so read members directly; values the model cannot
type (an id's syntax, a version number's size, a date string) are parsed by the
operation with a ``ValidationException`` naming the member.  Raise the AWS
error as soon as you find it: ordering checks before changes is not needed for
atomicity, the transaction undoes whatever was done.  Keep all mutable service
state in the journaled containers and holders of ``journal`` (``TxDict``,
``TxList``, ``TxDeque``, ``@attrs.define(on_setattr=journaled_setattr)``), or
log a change with ``journal.record(undo)``; ``tests/test_transactions.py``
crashes each operation after each change and checks the state is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import (
    ops_associations,
    ops_commands,
    ops_compliance,
    ops_history,
    ops_instances,
    ops_status,
    ops_tags,
)
from .controls import Controls
from .errors import ServiceError
from .journal import transaction
from .misuse import CallbackFailed, NotEmulated, StubInternalError, user_errors
from .servicemodel import validate
from .state import State

__all__ = ["OPERATIONS", "Backend"]

Operation = Callable[[State, str, Mapping[str, Any]], dict[str, Any]]

# Operations that never read the fleet: no need to ask moto for its instances first.
_FLEET_BLIND = frozenset(
    {
        "ListAssociations",
        "ListAssociationVersions",
        "DescribeAssociationExecutions",
        "DescribeAssociationExecutionTargets",
        *ops_tags.OPERATIONS,
    }
)

OPERATIONS: dict[str, Operation] = {
    **ops_associations.OPERATIONS,
    **ops_history.OPERATIONS,
    **ops_status.OPERATIONS,
    **ops_tags.OPERATIONS,
    **ops_compliance.OPERATIONS,
    **ops_instances.OPERATIONS,
    **ops_commands.OPERATIONS,
}


class Backend(Controls):
    """The service state plus the dispatch of calls to the operations."""

    SUPPORTED_OPERATIONS: frozenset[str] = frozenset(OPERATIONS)

    # -- the entry point -----------------------------------------------------
    def handle(self, region: str, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one call.

        ``body`` is the JSON-decoded request body as botocore sent it (timestamps
        as epoch numbers).  It is first checked by ``servicemodel.validate`` against
        the shipped SSM model, never the client's (D-VAL-1).  Returns the
        response in API form (PascalCase keys, timestamps as aware UTC
        datetimes); raises ``ServiceError`` subclasses or ``StubInternalError``,
        in either case with the state as it was before the call.
        """
        with self.lock:
            validate(operation, body)
            # Inside an outcome function (a call made while the engine dispatches a
            # target) nothing is settled here: the run in progress goes on when the
            # outcome returns, and the executions this call triggers start then.
            immediate = self.options.progression == "immediate" and not self.engine.busy
            with user_errors():
                if operation not in _FLEET_BLIND and not self.engine.busy:
                    self.sync_nodes()  # moto's instances as they are now
                if not self.engine.busy:
                    self.catch_up()  # D-CLK-1: what fell due by the code's now, first
                    self.joins.start_pending()  # nodes that joined since the last call
                if immediate:
                    # Runs a schedule started during advance() finish before the
                    # next call is answered, like those a call triggers.
                    self.simulator.settle()
                try:
                    with transaction():
                        return self._act(region, operation, body, immediate)
                except (ServiceError, CallbackFailed, StubInternalError, NotEmulated):
                    raise  # rolled back; NotEmulated: the request goes on to moto
                except Exception as error:
                    raise StubInternalError(operation, error) from error

    def _act(
        self, region: str, operation: str, body: Mapping[str, Any], immediate: bool
    ) -> dict[str, Any]:
        outer = self._triggered
        self._triggered = []
        try:
            response = OPERATIONS[operation](self, region, body)
            triggered = self._triggered
        finally:
            self._triggered = outer
        self.begin_triggered(triggered)
        if triggered and immediate:
            self.simulator.settle()
        return response
