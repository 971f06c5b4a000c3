"""Rate control through the API, as docs/rate-control.md explains it.

Run with ``python -m pytest docs/examples/rate_control_test.py`` (in a checkout of
ssm_assoc_stub itself add ``-p ssm_assoc_stub.plugin``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest

from ssm_assoc_stub import AssociationStub

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
WEB = [{"Key": "tag:role", "Values": ["web"]}]


def web_fleet(stub: AssociationStub, count: int) -> list[str]:
    ids = [f"i-{n:017d}" for n in range(1, count + 1)]
    for instance_id in ids:
        stub.add_instance(instance_id, tags={"role": "web"})
    return ids


def roll_out(max_concurrency: str, max_errors: str) -> str:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    description = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["./patch.sh"]},
        Targets=WEB,
        MaxConcurrency=max_concurrency,
        MaxErrors=max_errors,
    )["AssociationDescription"]
    return str(description["AssociationId"])


@pytest.mark.parametrize(
    ("max_errors", "failing", "counts"),
    [
        ("10%", 10, {"Failed": 6, "Skipped": 44}),  # 5 tolerated: the 6th error stops it
        ("3", 10, {"Failed": 4, "Skipped": 46}),  # the 4th error stops it
        ("0", 10, {"Failed": 1, "Skipped": 49}),  # the first error stops it
        ("10%", 5, {"Failed": 5, "Success": 45}),  # 5 errors are tolerated: never stops
    ],
)
@pytest.mark.ssm_assoc_stub(start_time=START)
def test_max_errors_with_one_at_a_time(
    ssm_assoc_stub: AssociationStub, max_errors: str, failing: int, counts: dict[str, int]
) -> None:
    ids = web_fleet(ssm_assoc_stub, 50)
    ssm_assoc_stub.set_outcome("*", "Success", duration=30)
    for instance_id in ids[:failing]:
        ssm_assoc_stub.set_outcome(instance_id, "Failed", duration=30)
    aid = roll_out(max_concurrency="1", max_errors=max_errors)
    (execution,) = ssm_assoc_stub.executions(aid)
    assert dict(execution.status_counts) == counts


@pytest.mark.ssm_assoc_stub(start_time=START)
def test_runs_in_flight_finish_and_can_fail_too(ssm_assoc_stub: AssociationStub) -> None:
    web_fleet(ssm_assoc_stub, 50)
    ssm_assoc_stub.set_outcome("*", "Failed", duration=30)
    aid = roll_out(max_concurrency="10%", max_errors="10%")  # 5 slots, 5 errors tolerated
    (execution,) = ssm_assoc_stub.executions(aid)
    assert execution.resource_count_by_status == "{Failed=10, Skipped=40}"
    assert execution.threshold_crossed_at == START + timedelta(seconds=60)
    assert execution.peak_concurrency == 5


@pytest.mark.ssm_assoc_stub(start_time=START, progression="manual")
def test_a_node_joining_mid_run_is_dispatched_at_once(ssm_assoc_stub: AssociationStub) -> None:
    stub = ssm_assoc_stub
    web_fleet(stub, 4)
    stub.set_outcome("*", "Success", duration=30)
    aid = roll_out(max_concurrency="2", max_errors="0")
    stub.advance(10)
    stub.add_instance("i-late", tags={"role": "web"})  # joins while 2 run: starts now
    stub.settle()
    execution = stub.executions(aid)[-1]
    assert execution.targets["i-late"].started == START + timedelta(seconds=10)
    assert execution.peak_concurrency == 3  # one above MaxConcurrency
