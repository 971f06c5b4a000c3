"""The emulated service's entry point: one call in, one response out.

``Backend.handle`` is what the botocore binding and the HTTP server call.  It
takes the lock, dispatches the API dict to the operation, and, once the
response is built, starts the executions the call triggered (so the response
itself still shows Pending/Creating, D-ST-1) and, with
``progression="immediate"``, runs them to completion on the simulated timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import ops_associations, ops_compliance, ops_history, ops_status, ops_tags
from .state import State

__all__ = ["OPERATIONS", "Backend"]

Operation = Callable[[State, str, Mapping[str, Any]], dict[str, Any]]

OPERATIONS: dict[str, Operation] = {
    **ops_associations.OPERATIONS,
    **ops_history.OPERATIONS,
    **ops_status.OPERATIONS,
    **ops_tags.OPERATIONS,
    **ops_compliance.OPERATIONS,
}


class Backend(State):
    """The service state plus the dispatch of calls to the operations."""

    SUPPORTED_OPERATIONS: frozenset[str] = frozenset(OPERATIONS)

    # -- the entry point -----------------------------------------------------
    def handle(self, region: str, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one call.

        ``body`` is the JSON-decoded request body as botocore sent it (timestamps
        as epoch numbers).  Returns the response in API form (PascalCase keys,
        timestamps as aware UTC datetimes); raises ``ServiceError`` subclasses,
        in which case the state is as it was before the call.
        """
        with self.lock:
            # Inside an outcome function (a call made while the engine dispatches a
            # target) nothing is settled here: the run in progress goes on when the
            # outcome returns, and the executions this call triggers start then.
            immediate = self.options.progression == "immediate" and not self.engine.busy
            if not self.engine.busy:
                self.joins.start_pending()  # nodes that joined since the last call (D-RC-12)
            if immediate:
                # Runs a schedule started during advance() finish before the
                # next call is answered, like those a call triggers.
                self.simulator.settle()
            outer = self._triggered
            self._triggered = []
            try:
                response = OPERATIONS[operation](self, region, body)
                triggered = self._triggered
            finally:
                self._triggered = outer
            for state in triggered:
                self.start_execution(state)
            if triggered and immediate:
                self.simulator.settle()
            return response
