"""Rate-control arithmetic: MaxConcurrency, MaxErrors and the counts string (pure core).

Every function here is integer arithmetic on the API strings, so the results
never depend on float rounding:

* concurrency slots (D-RC-1, D-RC-6): a percentage ``p`` of ``N`` targets gives
  ``max(1, p * N // 100)`` slots; an absolute value is used as given, capped at
  ``N``; unset means the configured default (``100%`` unless the stub's
  ``default_max_concurrency`` option says otherwise).
* tolerated errors (D-RC-1, D-RC-7): ``p * N // 100`` for a percentage, the
  value itself for an absolute number, everything (``N``) when unset.
* dispatch stops when ``errors > tolerated`` (D-RC-2, D-RC-3), and only
  ``Failed`` and ``TimedOut`` count as errors (D-RC-5).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

__all__ = [
    "ERROR_STATUSES",
    "MAX_CONCURRENCY_PATTERN",
    "MAX_ERRORS_PATTERN",
    "concurrency_slots",
    "format_counts",
    "is_error",
    "threshold_crossed",
    "tolerated_errors",
]

#: The API's patterns for the two members (spec section 10.1).
MAX_CONCURRENCY_PATTERN = re.compile(r"^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$")
MAX_ERRORS_PATTERN = re.compile(r"^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$")

#: Per-target statuses that count against MaxErrors (D-RC-5).
ERROR_STATUSES = frozenset({"Failed", "TimedOut"})

_MAX_LENGTH = 7  # both members: length 1..7


def _checked(value: str, pattern: re.Pattern[str], member: str) -> str:
    if len(value) > _MAX_LENGTH or pattern.fullmatch(value) is None:
        raise ValueError(f"{member} {value!r} does not match {pattern.pattern}")
    return value


def _percent_of(value: str, targets: int) -> int:
    """``p% of targets``, rounded down."""
    return int(value[:-1]) * targets // 100


@functools.lru_cache(maxsize=1024)  # pure; every run of an association asks again
def concurrency_slots(max_concurrency: str | None, targets: int, *, default: str = "100%") -> int:
    """How many targets may run at once (D-RC-1, D-RC-6); 0 when there are no targets."""
    value = _checked(
        max_concurrency if max_concurrency is not None else default,
        MAX_CONCURRENCY_PATTERN,
        "MaxConcurrency",
    )
    if targets <= 0:
        return 0
    if value.endswith("%"):
        return max(1, _percent_of(value, targets))
    return min(int(value), targets)


@functools.lru_cache(maxsize=1024)
def tolerated_errors(max_errors: str | None, targets: int) -> int:
    """How many errors an execution tolerates before it stops dispatching (D-RC-1, D-RC-7)."""
    if max_errors is None:
        return max(targets, 0)  # D-RC-7: 100%, never stops early
    value = _checked(max_errors, MAX_ERRORS_PATTERN, "MaxErrors")
    if value.endswith("%"):
        return _percent_of(value, max(targets, 0))
    return int(value)


def threshold_crossed(errors: int, tolerated: int) -> bool:
    """Whether ``errors`` is past the threshold: strictly more than tolerated (D-RC-2, D-RC-3)."""
    return errors > tolerated


def is_error(status: str) -> bool:
    """Whether a per-target status counts against MaxErrors (D-RC-5)."""
    return status in ERROR_STATUSES


def format_counts(counts: Mapping[str, int]) -> str:
    """The ``ResourceCountByStatus`` string: ``{Failed=6, Skipped=2, Success=42}`` (D-EXE-1)."""
    return "{" + ", ".join(f"{key}={counts[key]}" for key in sorted(counts)) + "}"
