"""Costs that stay linear and memory that stays bounded (issue 8 item 8, issue 11).

Every figure is a cost per unit of work (per page, per row, per added node, per
listed item, or bytes held), measured at sizes that grow tenfold in one run,
and every target is the ratio of the largest size to the smallest: within
1.5x means flat, i.e. linear in the work.  Timings are thread CPU time with the
garbage collector off (medians of ``--repeats``), so a busy machine moves them
less than wall-clock time; calls go through ``stub.backend.handle``, the
service itself (botocore adds the same constant to every call).

* DescribeAssociationExecutionTargets: one 50-row page (the first, then the
  second from its token) of a finished execution over 1k / 10k / 100k targets;
  all pages at 1k / 10k, per row.
* ``add_instance`` while an execution runs on 100 / 1,000 / 10,000 nodes (every
  one in flight); each added node joins the run (D-RC-8).  Per add.
* Memory after 50 / 200 / 400 runs with ``history_limit=1``, a fresh node
  replacing the last before each run (``tracemalloc``, after ``gc.collect()``).
* ``stub.calls``: bytes per recorded call (DescribeAssociation, CreateAssociation
  through a client; the same calls with ``calls_limit=0`` subtracted), and the
  memory of 200 vs 2,000 calls with ``calls_limit=100`` (flat).
* Full pagination, per item: ListAssociations (200 / 2,000 associations),
  DescribeInstanceAssociationsStatus of one node (200 / 2,000),
  DescribeAssociationExecutions (100 / 1,000 kept executions),
  ListAssociationVersions (100 / 1,000 versions).

Run: ``python benchmarks/bench_bounds.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench_calls import REGION, check, prepare_environment, write_checks

FLAT = 1.5
ALL = [{"Key": "InstanceIds", "Values": ["*"]}]
WEB = [{"Key": "tag:role", "Values": ["web"]}]
SHELL = {"commands": ["echo hi"]}


def _node(i: int) -> str:
    return f"i-{i:017x}"


@contextmanager
def _stub(**options: Any) -> Iterator[Any]:
    from ssm_assoc_stub import AssociationStub

    with AssociationStub(clients=[], **options) as stub:
        yield stub


def _create(stub: Any, targets: list[dict[str, Any]], **extra: Any) -> str:
    body = {"Name": "AWS-RunShellScript", "Parameters": SHELL, "Targets": targets, **extra}
    response = stub.backend.handle(REGION, "CreateAssociation", body)
    return str(response["AssociationDescription"]["AssociationId"])


def _cpu(action: Callable[[], object], repeats: int) -> float:
    """Median thread CPU seconds of ``action``, gc off."""
    samples = []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            started = time.thread_time()
            action()
            samples.append(time.thread_time() - started)
        finally:
            gc.enable()
    return statistics.median(samples)


def _row(label: str, sizes: tuple[int, ...], values: list[float], unit: str) -> None:
    cells = " ".join(f"{size:>9,}: {value:9.2f}" for size, value in zip(sizes, values, strict=True))
    print(f"{label:<58} {cells}  {unit}", flush=True)


def _flat(name: str, sizes: tuple[int, ...], values: list[float], unit: str) -> dict[str, Any]:
    ratio = values[-1] / values[0] if values[0] else float("inf")
    detail = f"{values[0]:.2f} -> {values[-1]:.2f} {unit} ({sizes[0]:,} -> {sizes[-1]:,})"
    return check(name, ratio, f"<= {FLAT}x (flat)", ratio <= FLAT, detail)


# -- DescribeAssociationExecutionTargets ---------------------------------------------------
def _execution(stub: Any, targets: int) -> tuple[str, str]:
    for i in range(targets):
        stub.add_instance(_node(i))
    aid = _create(stub, ALL)
    stub.settle()
    return aid, stub.executions(aid)[-1].execution_id


def target_pages(size: int, repeats: int) -> tuple[float, float]:
    """(µs for the first two pages, µs per row for all pages) over ``size`` targets."""
    with _stub(progression="manual") as stub:
        aid, eid = _execution(stub, size)
        handle = stub.backend.handle
        body = {"AssociationId": aid, "ExecutionId": eid}

        def two_pages() -> None:
            first = handle(REGION, "DescribeAssociationExecutionTargets", body)
            handle(
                REGION,
                "DescribeAssociationExecutionTargets",
                {**body, "NextToken": first["NextToken"]},
            )

        def all_pages() -> int:
            rows, token = 0, None
            while True:
                request = body if token is None else {**body, "NextToken": token}
                page = handle(REGION, "DescribeAssociationExecutionTargets", request)
                rows += len(page["AssociationExecutionTargets"])
                token = page.get("NextToken")
                if token is None:
                    return rows

        page_us = _cpu(two_pages, repeats) / 2 * 1e6
        full = None
        if size <= 10_000:
            assert all_pages() == size
            full = _cpu(all_pages, max(1, repeats // 2)) / size * 1e6
    return page_us, full if full is not None else float("nan")


# -- add_instance during a run ----------------------------------------------------------------
def adds_during_run(running: int, adds: int, repeats: int) -> float:
    """µs per ``add_instance`` of a node that joins an execution running on ``running`` nodes."""
    samples = []
    for _ in range(repeats):
        with _stub(progression="manual") as stub:
            for i in range(running):
                stub.add_instance(_node(i), tags={"role": "web"})
            stub.set_outcome("*", "Success", duration=3600.0)
            aid = _create(stub, WEB)
            stub.advance(1)  # the run begins once the clock moves (D-ST-1)
            assert stub.backend.engine.running(aid)
            fresh = [_node(1_000_000 + i) for i in range(adds)]

            def add_all(fresh: list[str] = fresh) -> None:
                for node in fresh:
                    stub.add_instance(node, tags={"role": "web"})

            samples.append(_cpu(add_all, 1) / adds * 1e6)
            snapshot = stub.backend.engine.progress_counts(aid)
            assert snapshot == {"InProgress": running + adds}, snapshot
    return statistics.median(samples)


# -- memory with history_limit=1 ----------------------------------------------------------------
def memory_after(checkpoints: tuple[int, ...]) -> list[float]:
    """KiB the stub holds after each checkpoint of runs over fresh nodes (history_limit=1)."""
    results = []
    tracemalloc.start()
    try:
        with _stub(progression="manual", history_limit=1) as stub:
            stub.add_instance(_node(0), tags={"role": "web"})
            aid = _create(stub, WEB)
            stub.settle()
            done, previous = 0, _node(0)
            gc.collect()
            base = tracemalloc.get_traced_memory()[0]
            for target in checkpoints:
                while done < target:
                    done += 1
                    stub.remove_instance(previous)
                    previous = _node(done)
                    stub.add_instance(previous, tags={"role": "web"})
                    stub.run(aid)
                gc.collect()
                results.append((tracemalloc.get_traced_memory()[0] - base) / 1024)
            assert len(stub.executions(aid)) == 1
    finally:
        tracemalloc.stop()
    return results


# -- stub.calls: bytes per recorded call, and calls_limit -----------------------------------------
def _calls_memory(operation: str, calls: int, limit: int | None) -> float:
    """Bytes held after ``calls`` calls of ``operation`` through a client (tracemalloc)."""
    import boto3

    from ssm_assoc_stub import AssociationStub

    client = boto3.client("ssm", region_name=REGION)
    entry = {"Name": "AWS-RunShellScript", "Parameters": SHELL, "Targets": WEB}
    with AssociationStub(
        clients=[client], progression="manual", calls_limit=limit, association_limit=10_000
    ) as stub:
        stub.add_instance(_node(0), tags={"role": "web"})
        aid = client.create_association(**entry)["AssociationDescription"]["AssociationId"]
        call: Callable[[], object] = (
            (lambda: client.describe_association(AssociationId=aid))
            if operation == "DescribeAssociation"
            else (lambda: client.create_association(**entry))
        )
        for _ in range(20):  # warm-up: caches, plans, the first records
            call()
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(calls):
                call()
            gc.collect()
            return float(tracemalloc.get_traced_memory()[0] - base)
        finally:
            tracemalloc.stop()


def calls_memory(quick: bool) -> list[dict[str, Any]]:
    """What one record of ``stub.calls`` holds, and that ``calls_limit`` bounds it."""
    checks = []
    n = 200 if quick else 2_000
    for operation in ("DescribeAssociation", "CreateAssociation"):
        kept = _calls_memory(operation, n, None)
        none = _calls_memory(operation, n, 0)  # the same calls, no record kept
        per_call = (kept - none) / n
        print(f"stub.calls, {operation}: {per_call:,.0f} bytes per recorded call", flush=True)
        checks.append(
            check(
                f"bytes per recorded call ({operation})",
                per_call,
                "reported",
                True,
                f"{n:,} calls: {kept / 1024:,.0f} KiB kept vs {none / 1024:,.0f} KiB "
                "with calls_limit=0",
            )
        )
    small, large = n // 10, n
    bounded = [_calls_memory("DescribeAssociation", size, 100) for size in (small, large)]
    print(
        f"stub.calls with calls_limit=100: {bounded[0] / 1024:,.1f} KiB after {small:,} calls, "
        f"{bounded[1] / 1024:,.1f} KiB after {large:,}",
        flush=True,
    )
    ratio = bounded[1] / bounded[0] if bounded[0] > 0 else float("inf")
    checks.append(
        check(
            "memory of stub.calls with calls_limit=100",
            ratio,
            f"<= {FLAT}x (flat)",
            ratio <= FLAT,
            f"{bounded[0] / 1024:.1f} -> {bounded[1] / 1024:.1f} KiB "
            f"({small:,} -> {large:,} calls)",
        )
    )
    return checks


# -- full pagination of the listings ------------------------------------------------------------
def listing_per_item(operation: str, size: int, repeats: int) -> float:
    """µs per item to page through all of ``operation``'s listing of ``size`` items."""
    options: dict[str, Any] = {"progression": "manual", "association_limit": 10_000}
    if operation == "DescribeAssociationExecutions":
        options["history_limit"] = size
    with _stub(**options) as stub:
        handle = stub.backend.handle
        stub.add_instance(_node(0))
        key = {
            "ListAssociations": "Associations",
            "DescribeInstanceAssociationsStatus": "InstanceAssociationStatusInfos",
            "DescribeAssociationExecutions": "AssociationExecutions",
            "ListAssociationVersions": "AssociationVersions",
        }[operation]
        body: dict[str, Any] = {}
        if operation in ("ListAssociations", "DescribeInstanceAssociationsStatus"):
            for _ in range(size):
                _create(stub, [{"Key": "InstanceIds", "Values": [_node(0)]}])
            if operation == "DescribeInstanceAssociationsStatus":
                body = {"InstanceId": _node(0)}
        else:
            aid = _create(stub, ALL)
            body = {"AssociationId": aid}
            if operation == "DescribeAssociationExecutions":
                for _ in range(size):
                    stub.run(aid)
            else:
                for _ in range(size - 1):
                    handle(REGION, "UpdateAssociation", {**body, "Parameters": SHELL})
        stub.settle()

        def page_all() -> int:
            items, token = 0, None
            while True:
                request = body if token is None else {**body, "NextToken": token}
                page = handle(REGION, operation, request)
                items += len(page[key])
                token = page.get("NextToken")
                if token is None:
                    return items

        count = page_all()
        assert count >= size, (operation, count, size)
        return _cpu(page_all, repeats) / count * 1e6


def run(quick: bool, repeats: int) -> list[dict[str, Any]]:
    prepare_environment()
    checks: list[dict[str, Any]] = []
    print("Per unit of work at growing sizes (thread CPU time, gc off, medians)")

    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    pages = [target_pages(size, repeats) for size in sizes]
    page_cost = [p for p, _ in pages]
    _row("DescribeAssociationExecutionTargets: one page", sizes, page_cost, "us/page")
    checks.append(_flat("one page of execution targets", sizes, page_cost, "us/page"))
    full_sizes = sizes[:2]
    per_row = [full for _, full in pages[:2]]
    _row("DescribeAssociationExecutionTargets: all pages", full_sizes, per_row, "us/row")
    checks.append(_flat("all pages of execution targets", full_sizes, per_row, "us/row"))

    running = (100, 1_000) if quick else (100, 1_000, 10_000)
    adds = [adds_during_run(n, 200 if quick else 2_000, max(1, repeats // 2)) for n in running]
    _row("add_instance during a run (nodes running)", running, adds, "us/add")
    checks.append(_flat("add_instance during a run", running, adds, "us/add"))

    points = (50, 200) if quick else (50, 200, 400)
    memory = memory_after(points)
    _row("memory after N runs, history_limit=1, fresh nodes", points, memory, "KiB")
    checks.append(_flat("memory after runs with history_limit=1", points, memory, "KiB"))

    checks.extend(calls_memory(quick))

    for operation, small, large in (
        ("ListAssociations", 200, 2_000),
        ("DescribeInstanceAssociationsStatus", 200, 2_000),
        ("DescribeAssociationExecutions", 100, 1_000),
        ("ListAssociationVersions", 100, 1_000),
    ):
        if quick:
            small, large = small // 10, large // 10
        listed = (small, large)
        costs = [listing_per_item(operation, n, repeats) for n in listed]
        _row(f"{operation}: all pages", listed, costs, "us/item")
        checks.append(_flat(f"full pagination of {operation}", listed, costs, "us/item"))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="write the target checks to this file")
    args = parser.parse_args(argv)
    checks = run(args.quick, 2 if args.quick else args.repeats)
    print()
    for item in checks:
        verdict = "met" if item["met"] else "MISSED"
        print(f"{item['name']}: {item['value']:.2f}x (target {item['target']}) {verdict}")
    write_checks(args.json, checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
