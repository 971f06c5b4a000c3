"""Memory that stays bounded and pages that stay correct (issue 8 item 8, issue 11).

The costs themselves (O(page), O(1) per added node, flat memory) are measured in
``benchmarks/bench_bounds.py``; these tests pin the behaviours those designs rely on.
"""

from __future__ import annotations

import gc
import weakref
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub

START = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
SHELL = {"commands": ["echo hi"]}


def client() -> Any:
    return boto3.client("ssm", region_name="us-east-1")


def create(ssm: Any, targets: list[dict[str, Any]], **extra: Any) -> str:
    request: dict[str, Any] = {
        "Name": "AWS-RunShellScript",
        "Targets": targets,
        "Parameters": SHELL,
    }
    request.update(extra)
    return str(ssm.create_association(**request)["AssociationDescription"]["AssociationId"])


def test_latest_node_results_do_not_pin_old_executions_with_history_limit_1() -> None:
    # Before: each node's latest result held its whole execution (400 runs: 400 kept).
    with AssociationStub(start_time=START, history_limit=1) as stub:
        ssm = client()
        refs = []
        for n in range(20):
            aid = create(ssm, [{"Key": "InstanceIds", "Values": [f"i-{n:017x}"]}])
            (execution,) = stub.executions(aid)
            refs.append(weakref.ref(execution))
            ssm.delete_association(AssociationId=aid)
            del execution
        gc.collect()
        assert sum(ref() is not None for ref in refs) == 0
        status = ssm.describe_instance_associations_status(InstanceId=f"i-{19:017x}")
        assert status["InstanceAssociationStatusInfos"] == []  # deleted with its association

    with AssociationStub(start_time=START, history_limit=1) as stub:
        ssm = client()
        stub.add_instance("i-0123456789abcdef0")
        aid = create(ssm, [{"Key": "InstanceIds", "Values": ["*"]}])
        first = weakref.ref(stub.executions(aid)[0])
        stub.run(aid)
        gc.collect()
        assert first() is None  # out of the history: nothing else holds it
        (info,) = ssm.describe_instance_associations_status(InstanceId="i-0123456789abcdef0")[
            "InstanceAssociationStatusInfos"
        ]
        assert info["Status"] == "Success" and "ExecutionDate" in info


def test_cancelled_schedule_timers_leave_the_heap() -> None:
    # Before: every create + delete of a scheduled association left a dead timer behind.
    with AssociationStub(start_time=START) as stub:
        ssm = client()
        for _ in range(500):
            aid = create(
                ssm, [{"Key": "InstanceIds", "Values": ["i-1"]}], ScheduleExpression="rate(1 day)"
            )
            ssm.delete_association(AssociationId=aid)
        assert stub.backend.simulator.pending_events() <= 200
        assert stub.backend.simulator.next_event_time() is None


def test_old_executions_past_the_row_budget_keep_their_summary_only() -> None:
    with AssociationStub(start_time=START, history_target_limit=5) as stub:
        for n in range(3):
            stub.add_instance(f"i-{n}")
        ssm = client()
        aid = create(ssm, [{"Key": "InstanceIds", "Values": ["*"]}])
        for _ in range(3):
            stub.run(aid)
        runs = stub.executions(aid)
        assert [len(e.targets) for e in runs] == [0, 0, 3, 3]  # 3 + 3 rows: the newest whole
        assert [e.targets_kept for e in runs] == [False, False, True, True]
        assert all(e.status_counts == {"Success": 3} for e in runs)  # summaries stay
        listed = ssm.describe_association_executions(AssociationId=aid)["AssociationExecutions"]
        assert [e["ResourceCountByStatus"] for e in listed] == ["{Success=3}"] * 4
        oldest = listed[-1]["ExecutionId"]
        rows = ssm.describe_association_execution_targets(AssociationId=aid, ExecutionId=oldest)
        assert rows["AssociationExecutionTargets"] == []
        newest = ssm.describe_association_execution_targets(
            AssociationId=aid, ExecutionId=listed[0]["ExecutionId"]
        )
        assert len(newest["AssociationExecutionTargets"]) == 3


def test_history_target_limit_is_checked() -> None:
    with pytest.raises(ValueError, match="history_target_limit must be a whole number >= 0"):
        AssociationStub(history_target_limit=-1)


def test_a_deletion_between_pages_never_skips_or_repeats_an_association() -> None:
    with AssociationStub(start_time=START) as stub:
        stub.add_instance("i-1")
        ssm = client()
        ids = [create(ssm, [{"Key": "InstanceIds", "Values": ["i-1"]}]) for _ in range(7)]
        first = ssm.list_associations(MaxResults=3)
        seen = [a["AssociationId"] for a in first["Associations"]]
        ssm.delete_association(AssociationId=seen[0])  # one already listed
        ssm.delete_association(AssociationId=ids[5])  # one not listed yet
        later = create(ssm, [{"Key": "InstanceIds", "Values": ["i-1"]}])
        token = first["NextToken"]
        while token:
            page = ssm.list_associations(MaxResults=3, NextToken=token)
            seen += [a["AssociationId"] for a in page["Associations"]]
            token = page.get("NextToken")
        assert seen == ids[:5] + [ids[6], later]


def test_filtered_target_pages_cover_each_row_once() -> None:
    with AssociationStub(start_time=START) as stub:
        nodes = [f"i-{n:03d}" for n in range(23)]
        for n, node in enumerate(nodes):
            stub.add_instance(node)
            stub.set_outcome(node, "Failed" if n % 3 == 0 else "Success")
        ssm = client()
        aid = create(ssm, [{"Key": "InstanceIds", "Values": ["*"]}], MaxConcurrency="5")
        eid = stub.executions(aid)[-1].execution_id
        pages = ssm.get_paginator("describe_association_execution_targets").paginate(
            AssociationId=aid,
            ExecutionId=eid,
            Filters=[{"Key": "Status", "Value": "Failed"}],
            PaginationConfig={"PageSize": 2},
        )
        failed = [
            row["ResourceId"] for page in pages for row in page["AssociationExecutionTargets"]
        ]
        assert failed == [node for n, node in enumerate(nodes) if n % 3 == 0]
        one = ssm.describe_association_execution_targets(
            AssociationId=aid, ExecutionId=eid, Filters=[{"Key": "ResourceId", "Value": "i-004"}]
        )["AssociationExecutionTargets"]
        assert [(r["ResourceId"], r["Status"]) for r in one] == [("i-004", "Success")]
        none = ssm.describe_association_execution_targets(
            AssociationId=aid,
            ExecutionId=eid,
            Filters=[
                {"Key": "ResourceId", "Value": "i-004"},
                {"Key": "Status", "Value": "Failed"},
            ],
        )["AssociationExecutionTargets"]
        assert none == []


def test_a_run_that_ends_between_pages_does_not_shift_the_execution_listing() -> None:
    with AssociationStub(start_time=START) as stub:
        stub.add_instance("i-1")
        ssm = client()
        aid = create(ssm, [{"Key": "InstanceIds", "Values": ["i-1"]}])
        for _ in range(4):
            stub.run(aid)
        first = ssm.describe_association_executions(AssociationId=aid, MaxResults=2)
        seen = [e["ExecutionId"] for e in first["AssociationExecutions"]]
        stub.run(aid)  # a newer one, not on the pages already asked for
        rest = ssm.describe_association_executions(
            AssociationId=aid, MaxResults=10, NextToken=first["NextToken"]
        )
        seen += [e["ExecutionId"] for e in rest["AssociationExecutions"]]
        ids = [e.execution_id for e in stub.executions(aid)]
        assert seen == list(reversed(ids[:5]))  # each of the first five once, newest first
