"""The stub's configuration (pure core).

Every option is keyword-only on ``AssociationStub`` and stored here unchanged;
``AssociationStub.__init__`` only builds this record, ``start()`` builds state.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

import attrs

__all__ = [
    "AlarmState",
    "CalendarState",
    "ClockMode",
    "DocumentType",
    "Options",
    "OutcomeStatus",
    "PlatformType",
    "Progression",
    "SchemaVersion",
    "UpdateSemantics",
]

# The closed sets of values the public API takes, as Literal types so that a
# type checker catches a misspelt value (the run-time checks stay).
UpdateSemantics = Literal["replace", "merge"]
Progression = Literal["immediate", "manual"]
ClockMode = Literal["follow", "pinned"]
OutcomeStatus = Literal["Success", "Failed", "TimedOut"]
PlatformType = Literal["Linux", "Windows", "MacOS"]
PingStatus = Literal["Online", "ConnectionLost", "Inactive"]
DocumentType = Literal["Command", "Automation", "Policy"]
SchemaVersion = Literal["1.2", "2.0", "2.2", "0.3"]
AlarmState = Literal["OK", "ALARM", "INSUFFICIENT_DATA", "UNKNOWN"]
CalendarState = Literal["OPEN", "CLOSED"]


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value!r}")


def _not_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{attribute.name} must be a whole number >= 0, got {value!r}")


def _optional_not_negative(
    instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{attribute.name} must be None or a whole number >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class Options:
    account_id: str = attrs.field(default="123456789012")
    update_semantics: UpdateSemantics = "replace"  # D-UPD-1
    default_max_concurrency: str = "100%"  # D-RC-6
    association_limit: int = attrs.field(default=2000, validator=_positive)  # D-LIM-1
    version_limit: int = attrs.field(default=1000, validator=_positive)  # D-VER-1
    strict_fleet: bool = False
    progression: Progression = "immediate"
    history_limit: int = attrs.field(default=100, validator=_positive)
    # Per-target rows kept per association across its finished executions, the
    # newest one always whole; older executions past it keep their summary only.
    history_target_limit: int = attrs.field(default=100_000, validator=_not_negative)
    # The newest calls kept in ``stub.calls`` (None: every call).
    calls_limit: int | None = attrs.field(default=None, validator=_optional_not_negative)
    start_time: datetime | None = None
    seed: int | str | None = None  # reproducible ids (ids.py)
    clock: ClockMode | None = None  # None: follow, unless start_time or manual (D-CLK-*)

    @account_id.validator
    def _check_account(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not (isinstance(value, str) and len(value) == 12 and value.isdigit()):
            raise ValueError(f"account_id must be 12 digits, got {value!r}")

    def __attrs_post_init__(self) -> None:
        if self.update_semantics not in ("replace", "merge"):
            raise ValueError(
                f"update_semantics must be 'replace' or 'merge', got {self.update_semantics!r}"
            )
        if self.progression not in ("immediate", "manual"):
            raise ValueError(
                f"progression must be 'immediate' or 'manual', got {self.progression!r}"
            )
        from .ratecontrol import MAX_CONCURRENCY_PATTERN

        if not (
            isinstance(self.default_max_concurrency, str)
            and MAX_CONCURRENCY_PATTERN.fullmatch(self.default_max_concurrency)
        ):
            raise ValueError(
                "default_max_concurrency must be a MaxConcurrency value such as '50' or "
                f"'100%', got {self.default_max_concurrency!r}"
            )
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, (int, str))
        ):
            raise TypeError(f"seed must be an int, a str or None, got {self.seed!r}")
        if self.clock not in (None, "follow", "pinned"):
            raise ValueError(f"clock must be 'follow', 'pinned' or None, got {self.clock!r}")
        if self.start_time is not None and not isinstance(self.start_time, datetime):
            raise TypeError(f"start_time must be an aware datetime, got {self.start_time!r}")
        if self.start_time is not None and self.start_time.tzinfo is None:
            raise ValueError("start_time must be timezone-aware (e.g. tzinfo=timezone.utc)")
        if self.start_time is not None:
            try:
                self.start_time.astimezone(timezone.utc)
            except OverflowError:
                raise ValueError(
                    f"start_time {self.start_time.isoformat()} is outside years 1 to 9999 "
                    "once in UTC"
                ) from None
