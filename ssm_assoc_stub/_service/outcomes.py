"""What a node reports when an association runs on it: the test's scripted outcomes (pure core).

``AssociationStub.set_outcome(target, status, *, duration=, output=, error=, exit_code=)``
stores one ``Scripted`` per target (a node id, or ``"*"``); a per-node setting wins over
``"*"`` (D-RC-11).  ``status`` may be a function of ``(association description, node id)``
returning a status string, ``(status, seconds)``, or an ``OutcomeResult``, which can carry
the run's output too.  What the run printed (``NodeOutput``) is what the Run Command
invocation behind it shows (``ops_commands``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Union

import attrs

from .journal import TxDict
from .misuse import CallbackFailed

__all__ = [
    "DEFAULT_DURATION",
    "MAX_DURATION",
    "OUTCOME_STATUSES",
    "NodeOutput",
    "OutcomeFunction",
    "OutcomeResult",
    "Outcomes",
    "check_outcome",
]

OUTCOME_STATUSES = ("Success", "Failed", "TimedOut")
DEFAULT_DURATION = 1.0
MAX_DURATION = 366 * 24 * 3600.0  # a year: longer than any run AWS lets a document take
_EXIT_CODES = (-(2**31), 2**31 - 1)  # ResponseCode is a 32-bit integer


def check_outcome(status: object, duration: object) -> None:
    """``ValueError``/``TypeError`` unless ``status`` and ``duration`` are a valid outcome."""
    if not isinstance(status, str) or status not in OUTCOME_STATUSES:
        raise ValueError(
            f"outcome status must be one of {', '.join(OUTCOME_STATUSES)}, got {status!r}"
        )
    if duration is None:
        return
    if isinstance(duration, bool) or not isinstance(duration, (int, float)):
        raise TypeError(f"duration must be a number of seconds, got {duration!r}")
    if not (math.isfinite(duration) and 0 <= duration <= MAX_DURATION):
        raise ValueError(
            f"duration must be a finite number of seconds from 0 to {MAX_DURATION:.0f} "
            f"(a year), got {duration!r}"
        )


@attrs.frozen
class NodeOutput:
    """What one node's run printed and exited with; ``None``: the default for its status."""

    output: str | None = None
    error: str | None = None
    exit_code: int | None = None


def check_output(
    status: str | None, output: object, error: object, exit_code: object
) -> NodeOutput | None:
    """The checked ``NodeOutput`` (None when nothing is scripted)."""
    for name, value in (("output", output), ("error", error)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a string or None, got {value!r}")
    if exit_code is not None:
        if isinstance(exit_code, bool) or not isinstance(exit_code, int):
            raise TypeError(f"exit_code must be an int or None, got {exit_code!r}")
        low, high = _EXIT_CODES
        if not low <= exit_code <= high:
            raise ValueError(f"exit_code must fit in 32 bits, got {exit_code!r}")
        if status == "Success" and exit_code != 0:
            raise ValueError(
                f"exit_code {exit_code} with status 'Success': the agent reports a non-zero "
                "exit code as Failed; use status='Failed' (or exit_code=0)"
            )
    if output is None and error is None and exit_code is None:
        return None
    return NodeOutput(output, error, exit_code)  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class OutcomeResult:
    """How one node's run ends, as an outcome function may return it.

    ``ssm_assoc_stub.OutcomeResult(status="Failed", output="...", error="...", exit_code=2)``;
    ``duration`` (seconds), ``output`` (stdout), ``error`` (stderr) and ``exit_code`` left
    out take the defaults of ``set_outcome``.  Checked when made (``TypeError``/``ValueError``).
    """

    status: str
    duration: float | None = None
    output: str | None = None
    error: str | None = None
    exit_code: int | None = None

    def __attrs_post_init__(self) -> None:  # noqa: D105
        check_outcome(self.status, self.duration)
        check_output(self.status, self.output, self.error, self.exit_code)


# fn(association description dict, instance id) -> status | (status, seconds) | OutcomeResult
OutcomeFunction = Callable[[Mapping[str, Any], str], Union[str, "tuple[str, float]", OutcomeResult]]


@attrs.frozen
class Scripted:
    """One ``set_outcome`` setting."""

    status: str | None
    duration: float | None
    function: OutcomeFunction | None = None
    output: NodeOutput | None = None


#: ``(status, seconds, what it printed or None)``: how one dispatch ends.
Reported = tuple[str, float, "NodeOutput | None"]


class Outcomes:
    """The scripted outcomes of one stub, by target (a node id, or ``"*"``)."""

    def __init__(self) -> None:
        self._by_target: dict[str, Scripted] = TxDict()

    def set(
        self,
        target: str,
        status: str | OutcomeFunction,
        duration: float | None,
        *,
        output: str | None = None,
        error: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        if callable(status):
            check_outcome("Success", duration)
            scripted = check_output(None, output, error, exit_code)
            self._by_target[target] = Scripted(None, duration, status, scripted)
            return
        check_outcome(status, duration)
        scripted = check_output(status, output, error, exit_code)
        self._by_target[target] = Scripted(status, duration, None, scripted)

    def report(self, instance_id: str, describe: Callable[[], Mapping[str, Any]]) -> Reported:
        """What ``instance_id`` reports; a per-node setting wins over ``*`` (D-RC-11)."""
        chosen = self._by_target.get(instance_id) or self._by_target.get("*")
        if chosen is None:
            return "Success", DEFAULT_DURATION, None
        duration = chosen.duration if chosen.duration is not None else DEFAULT_DURATION
        if chosen.function is None:
            assert chosen.status is not None
            return chosen.status, duration, chosen.output
        output = chosen.output
        try:
            result = chosen.function(describe(), instance_id)
            if isinstance(result, OutcomeResult):
                status = result.status
                if result.duration is not None:
                    duration = result.duration
                mine = NodeOutput(result.output, result.error, result.exit_code)
                if mine != NodeOutput():
                    output = mine
            elif isinstance(result, tuple) and len(result) == 2:
                status, duration = result
            else:
                status = result
            check_outcome(status, duration)
            if output is not None:  # set_outcome's exit code must fit the function's status
                check_output(status, output.output, output.error, output.exit_code)
        except Exception as error:  # the test's own code: not a bug in the stub
            raise CallbackFailed(error) from error
        return status, float(duration), output


OutcomeResult.__module__ = "ssm_assoc_stub"
