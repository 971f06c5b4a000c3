"""A realistic test, timed per test: the stub against Stubber and moto (issue 11).

One "test" is what a test of code that manages associations does: it gets its
own SSM client, then calls CreateAssociation, UpdateAssociation,
DescribeAssociation and ListAssociations.  Side by side, in interleaved rounds:

* **stub**: ``with AssociationStub():`` (what the fixture does), a new client,
  the four calls (default ``progression="immediate"``, so the create and the
  update run their executions);
* **stub (manual)**: the same with ``progression="manual"``;
* **Stubber**: a new client, ``Stubber(client)``, ``add_response`` + the call
  for each of the four (the canned responses are the stub's own answers);
* **moto**: ``with mock_aws():``, a new client, the parameter-store equivalent
  (PutParameter, PutParameter with Overwrite, GetParameter, DescribeParameters);
* **empty**: a new client and nothing else: what every column pays anyway.

Figures are per test, thread CPU time with the garbage collector off, minus
the empty column (the cost over an empty suite); medians of the rounds.
Targets: the stub at most 1.0x Stubber, and moto at least 25x the stub.

Run: ``python benchmarks/bench_suite.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_calls import (
    REGION,
    canned_response,
    check,
    moto_available,
    prepare_environment,
    write_checks,
)

STUBBER_TARGET = 1.0
MOTO_TARGET = 25.0
NODES = ("i-0b1e5c0de0000000a", "i-0b1e5c0de0000000b")
CREATE = {
    "Name": "AWS-RunPatchBaseline",
    "Parameters": {"Operation": ["Scan"]},
    "Targets": [{"Key": "tag:role", "Values": ["web"]}],
    "ScheduleExpression": "rate(1 day)",
    "MaxConcurrency": "50%",
    "MaxErrors": "1",
}


def _update(association_id: str) -> dict[str, Any]:
    update = {k: v for k, v in CREATE.items() if k not in ("Name", "Targets")}
    return {"AssociationId": association_id, **update, "MaxConcurrency": "1"}


def stub_test(progression: str) -> Callable[[], None]:
    import boto3

    from ssm_assoc_stub import AssociationStub

    def test() -> None:
        with AssociationStub(progression=progression) as stub:
            for node in NODES:
                stub.add_instance(node, tags={"role": "web"})
            ssm = boto3.client("ssm", region_name=REGION)
            aid = ssm.create_association(**CREATE)["AssociationDescription"]["AssociationId"]
            ssm.update_association(**_update(aid))
            ssm.describe_association(AssociationId=aid)
            ssm.list_associations()

    return test


def stubber_test() -> Callable[[], None]:
    import boto3
    from botocore.stub import Stubber

    created, _ = canned_response("CreateAssociation")
    aid = created["AssociationDescription"]["AssociationId"]
    updated = {"AssociationDescription": {**created["AssociationDescription"]}}
    described = {"AssociationDescription": {**created["AssociationDescription"]}}
    listed = {"Associations": [{"AssociationId": aid, "Name": CREATE["Name"]}]}

    def test() -> None:
        ssm = boto3.client("ssm", region_name=REGION)
        with Stubber(ssm) as stubber:
            stubber.add_response("create_association", created, CREATE)
            ssm.create_association(**CREATE)
            stubber.add_response("update_association", updated, _update(aid))
            ssm.update_association(**_update(aid))
            stubber.add_response("describe_association", described, {"AssociationId": aid})
            ssm.describe_association(AssociationId=aid)
            stubber.add_response("list_associations", listed, {})
            ssm.list_associations()

    return test


def moto_test() -> Callable[[], None]:
    import boto3
    from moto import mock_aws

    def test() -> None:
        with mock_aws():
            ssm = boto3.client("ssm", region_name=REGION)
            ssm.put_parameter(Name="/app/config", Value="v1", Type="String")
            ssm.put_parameter(Name="/app/config", Value="v2", Type="String", Overwrite=True)
            ssm.get_parameter(Name="/app/config")
            ssm.describe_parameters()

    return test


def empty_test() -> Callable[[], None]:
    import boto3

    def test() -> None:
        boto3.client("ssm", region_name=REGION)

    return test


def measure(columns: dict[str, Callable[[], None]], tests: int, rounds: int) -> dict[str, float]:
    """Median per-test thread CPU seconds of each column, interleaved round by round."""
    samples: dict[str, list[float]] = {name: [] for name in columns}
    for test in columns.values():  # warm every path once (imports, caches)
        test()
    for _ in range(rounds):
        for name, test in columns.items():
            gc.collect()
            gc.disable()
            try:
                started = time.thread_time()
                for _ in range(tests):
                    test()
                samples[name].append((time.thread_time() - started) / tests)
            finally:
                gc.enable()
    return {name: statistics.median(values) for name, values in samples.items()}


def run(tests: int, rounds: int) -> list[dict[str, Any]]:
    prepare_environment()
    columns = {
        "empty": empty_test(),
        "stub": stub_test("immediate"),
        "stub (manual)": stub_test("manual"),
        "Stubber": stubber_test(),
    }
    if moto_available():
        columns["moto"] = moto_test()
    else:
        print("moto is not installed: no moto column")
    per_test = measure(columns, tests, rounds)
    empty = per_test["empty"]
    print(
        f"Per test: new client + Create, Update, Describe, List "
        f"(thread CPU ms, gc off, median of {rounds} rounds of {tests} tests)"
    )
    print(f"{'column':<16} {'ms/test':>9} {'over empty':>11}")
    for name, seconds in per_test.items():
        print(f"{name:<16} {seconds * 1e3:9.2f} {(seconds - empty) * 1e3:11.2f}", flush=True)
    over = {name: max(seconds - empty, 1e-9) for name, seconds in per_test.items()}
    checks = []
    for name in ("stub", "stub (manual)"):
        ratio = over[name] / over["Stubber"]
        checks.append(
            check(
                f"per test over an empty suite, {name} / Stubber",
                ratio,
                f"<= {STUBBER_TARGET}x",
                ratio <= STUBBER_TARGET,
                f"{over[name] * 1e3:.2f} vs {over['Stubber'] * 1e3:.2f} ms",
            )
        )
    if "moto" in over:
        ratio = over["moto"] / over["stub"]
        checks.append(
            check(
                "per test over an empty suite, moto / stub",
                ratio,
                f">= {MOTO_TARGET}x",
                ratio >= MOTO_TARGET,
                f"{over['moto'] * 1e3:.2f} vs {over['stub'] * 1e3:.2f} ms",
            )
        )
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--tests", type=int, default=20, help="tests per round and column")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", help="write the target checks to this file")
    args = parser.parse_args(argv)
    tests, rounds = (3, 2) if args.quick else (args.tests, args.rounds)
    checks = run(tests, rounds)
    print()
    for item in checks:
        verdict = "met" if item["met"] else "MISSED"
        print(f"{item['name']}: {item['value']:.2f}x (target {item['target']}) {verdict}")
    write_checks(args.json, checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
