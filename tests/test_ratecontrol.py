"""Rate-control arithmetic: the documented MaxErrors cases and the D-RC-1 rounding table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssm_assoc_stub._service.ratecontrol import (
    MAX_CONCURRENCY_PATTERN,
    MAX_ERRORS_PATTERN,
    concurrency_slots,
    format_counts,
    is_error,
    threshold_crossed,
    tolerated_errors,
)


def stopping_error(max_errors: str | None, targets: int) -> int | None:
    """The number of the error on which dispatch stops, or None if it never does."""
    tolerated = tolerated_errors(max_errors, targets)
    for error in range(1, targets + 1):
        if threshold_crossed(error, tolerated):
            return error
    return None


# Spec 10.2: the documented cases (D-RC-2, D-RC-3).
@pytest.mark.parametrize(
    ("max_errors", "targets", "stops_on"),
    [
        ("3", 50, 4),  # D-RC-3: absolute 3 -> the 4th error
        ("0", 50, 1),  # D-RC-3: 0 -> after the first error
        ("10%", 50, 6),  # D-RC-2: the 6th, not the 5th
        ("40%", 10, 5),  # AWS Config SSM controls example
        ("100%", 50, None),  # all 50 may fail
        (None, 50, None),  # D-RC-7: unset is 100%, never stops early
    ],
)
def test_documented_error_thresholds(max_errors: str | None, targets: int, stops_on: int) -> None:
    assert stopping_error(max_errors, targets) == stops_on


def test_threshold_is_strictly_greater_D_RC_3() -> None:
    assert not threshold_crossed(5, 5)
    assert threshold_crossed(6, 5)
    assert threshold_crossed(1, 0)


# D-RC-1: percent -> max(1, floor(p*N/100)) slots, floor(p*N/100) tolerated errors.
@pytest.mark.parametrize(
    ("max_concurrency", "targets", "slots"),
    [
        ("1%", 50, 1),  # 0.5 -> at least one slot
        ("10%", 50, 5),  # the one documented case
        ("10%", 7, 1),  # 0.7 -> 1
        ("10%", 5, 1),  # 0.5 -> 1
        ("80", 50, 50),  # absolute, capped at N
        ("1", 50, 1),
        ("100%", 120, 120),
        ("99%", 100, 99),
        ("33%", 10, 3),  # 3.3 -> 3, integer arithmetic
        ("10%", 0, 0),  # no targets, no slots
        ("5", 0, 0),
    ],
)
def test_concurrency_rounding_D_RC_1(max_concurrency: str, targets: int, slots: int) -> None:
    assert concurrency_slots(max_concurrency, targets) == slots


@pytest.mark.parametrize(
    ("max_errors", "targets", "tolerated"),
    [
        ("10%", 7, 0),  # 0.7 -> 0: the first error stops dispatch
        ("10%", 50, 5),
        ("1%", 50, 0),
        ("0%", 50, 0),
        ("3", 2, 3),  # absolute, used as given
        ("100%", 50, 50),
        (None, 50, 50),  # D-RC-7
    ],
)
def test_tolerated_rounding_D_RC_1(max_errors: str | None, targets: int, tolerated: int) -> None:
    assert tolerated_errors(max_errors, targets) == tolerated


def test_unset_concurrency_uses_the_default_D_RC_6() -> None:
    assert concurrency_slots(None, 120) == 120  # 100%, the API reference
    assert concurrency_slots(None, 120, default="50") == 50  # the user-guide reading
    assert concurrency_slots(None, 30, default="50") == 30


@pytest.mark.parametrize("value", ["0", "0%", "05%", "101%", "1.5", "", "12345678"])
def test_invalid_concurrency_is_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="MaxConcurrency"):
        concurrency_slots(value, 10)


@pytest.mark.parametrize("value", ["00", "05%", "101%", "-1"])
def test_invalid_errors_is_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="MaxErrors"):
        tolerated_errors(value, 10)


def test_patterns_match_the_api() -> None:
    assert MAX_CONCURRENCY_PATTERN.pattern == r"^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$"
    assert MAX_ERRORS_PATTERN.pattern == r"^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$"


def test_error_statuses_D_RC_5() -> None:
    assert is_error("Failed")
    assert is_error("TimedOut")
    assert not is_error("Success")
    assert not is_error("Skipped")
    assert not is_error("InProgress")


def test_format_counts_D_EXE_1() -> None:
    assert format_counts({"Success": 42, "Failed": 6, "Skipped": 2}) == (
        "{Failed=6, Skipped=2, Success=42}"
    )
    assert format_counts({"Success": 1}) == "{Success=1}"  # the golden form
    assert format_counts({}) == "{}"


@given(percent=st.integers(1, 100), targets=st.integers(1, 10_000))
def test_percent_slots_stay_within_one_and_n(percent: int, targets: int) -> None:
    slots = concurrency_slots(f"{percent}%", targets)
    assert 1 <= slots <= targets
    assert slots == max(1, percent * targets // 100)


@given(percent=st.integers(0, 100), targets=st.integers(0, 10_000))
def test_percent_tolerated_never_exceeds_n(percent: int, targets: int) -> None:
    tolerated = tolerated_errors(f"{percent}%", targets)
    assert 0 <= tolerated <= targets
    assert tolerated * 100 <= percent * targets < (tolerated + 1) * 100
