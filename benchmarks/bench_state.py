"""The cost of a call does not grow with the state the stub holds.

DescribeAssociation and UpdateAssociation through a boto3 client, timed side by
side (interleaved rounds, median) on two stubs that differ only in how much
they store:

* 10 associations vs 10,000 associations (one Region);
* associations with 1 version vs associations with 999 versions.

Both stubs run with the default ``progression="immediate"``, so every create
and update also runs its execution (one node); ``association_limit`` and
``version_limit`` are raised on both sides alike so the state can be built and
updated further.  The state is built through ``stub.backend.handle`` (the
backend's entry point, without botocore), the calls are timed through the client.
Updates rotate over several associations, so the version count an update sees
stays near where it started (1 or 999).

Target (issue 5): the large side within 1.2x of the small side.

Run: ``python benchmarks/bench_state.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_calls import REGION, check, prepare_environment, time_calls, write_checks

TARGET = 1.2
NODE = "i-0c0ffee00000000aa"
ENTRY: dict[str, Any] = {
    "Name": "AWS-RunPatchBaseline",
    "Parameters": {"Operation": ["Scan"]},
    "Targets": [{"Key": "InstanceIds", "Values": [NODE]}],
    "MaxConcurrency": "1",
    "MaxErrors": "1",
}
UPDATE: dict[str, Any] = {"Parameters": {"Operation": ["Install"]}, "MaxErrors": "1"}


class Side:
    """One stub with ``associations`` associations of ``versions`` versions each (the
    first ``rotate`` get the versions), and a client bound to it."""

    def __init__(self, associations: int, versions: int, rotate: int) -> None:
        import boto3

        from ssm_assoc_stub import AssociationStub

        self.client = boto3.client("ssm", region_name=REGION)
        self.stub = AssociationStub(
            clients=[self.client], association_limit=associations + 100, version_limit=100_000
        )
        self.stub.start()
        self.stub.add_instance(NODE)
        backend = self.stub.backend
        started = time.perf_counter()
        ids = [
            backend.handle(REGION, "CreateAssociation", ENTRY)["AssociationDescription"][
                "AssociationId"
            ]
            for _ in range(associations)
        ]
        # The associations the calls use sit in the middle of the creation order.
        middle = associations // 2
        self.ids = ids[middle : middle + rotate] if associations > rotate else ids[:rotate]
        for association_id in self.ids:
            for _ in range(versions - 1):
                backend.handle(
                    REGION, "UpdateAssociation", {"AssociationId": association_id, **UPDATE}
                )
        self.build_seconds = time.perf_counter() - started

    def describe(self, n: int) -> Callable[[int], object]:
        describe, aid = self.client.describe_association, self.ids[0]
        return lambda i: describe(AssociationId=aid)

    def update(self, n: int) -> Callable[[int], object]:
        update, ids = self.client.update_association, self.ids
        return lambda i: update(AssociationId=ids[i % len(ids)], **UPDATE)

    def stop(self) -> None:
        self.stub.stop()


def compare(
    label: str,
    small: Callable[[int], Callable[[int], object]],
    large: Callable[[int], Callable[[int], object]],
    calls: int,
    repeats: int,
) -> tuple[float, float]:
    """Median microseconds per call of each side, over interleaved rounds."""
    times: dict[str, list[float]] = {"small": [], "large": []}
    time_calls(small(20), 20)
    time_calls(large(20), 20)
    for _ in range(repeats):
        times["small"].append(time_calls(small(calls), calls))
        times["large"].append(time_calls(large(calls), calls))
    return statistics.median(times["small"]), statistics.median(times["large"])


def run(calls: int, repeats: int, large_count: int) -> list[dict[str, Any]]:
    prepare_environment()
    checks: list[dict[str, Any]] = []
    print(f"{'comparison':<46} {'small us':>9} {'large us':>9} {'ratio':>7}", flush=True)

    def report(name: str, small_us: float, large_us: float) -> None:
        ratio = large_us / small_us
        print(f"{name:<46} {small_us:9.1f} {large_us:9.1f} {ratio:6.2f}x", flush=True)
        checks.append(
            check(
                name,
                ratio,
                f"<= {TARGET}x",
                ratio <= TARGET,
                f"{small_us:.0f} vs {large_us:.0f} us/call",
            )
        )

    # Each update adds a version: rotate so no association goes past ~150 updates.
    rotate = max(10, (calls * (repeats + 1)) // 150)
    few, many = Side(10, 1, rotate), Side(large_count, 1, rotate)
    print(
        f"(built 10 associations in {few.build_seconds:.2f} s, "
        f"{large_count:,} in {many.build_seconds:.2f} s)",
        flush=True,
    )
    report(
        f"DescribeAssociation, 10 vs {large_count:,} associations",
        *compare("describe", few.describe, many.describe, calls, repeats),
    )
    report(
        f"UpdateAssociation, 10 vs {large_count:,} associations",
        *compare("update", few.update, many.update, calls, repeats),
    )
    few.stop()
    many.stop()

    one, deep = Side(rotate, 1, rotate), Side(rotate, 999, rotate)
    print(
        f"(built {rotate} associations of 999 versions in {deep.build_seconds:.2f} s)", flush=True
    )
    report(
        "DescribeAssociation, 1 vs 999 versions",
        *compare("describe", one.describe, deep.describe, calls, repeats),
    )
    report(
        "UpdateAssociation, 1 vs 999 versions",
        *compare("update", one.update, deep.update, calls, repeats),
    )
    one.stop()
    deep.stop()
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per timed round")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds (median reported)")
    parser.add_argument("--associations", type=int, default=10_000, help="the large side")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and short")
    parser.add_argument("--json", help="write the target checks to this file")
    args = parser.parse_args(argv)
    calls, repeats, large = (
        (20, 2, 1_000) if args.quick else (args.calls, args.repeats, args.associations)
    )
    print(f"State size vs per-call cost, median of {repeats} rounds of {calls} calls")
    checks = run(calls, repeats, large)
    write_checks(args.json, checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
