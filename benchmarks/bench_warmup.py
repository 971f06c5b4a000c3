"""Per-client warm-up: what a new client's first call costs over its second (issue 11).

A test usually makes its own client, so whatever a client's first call of an
operation costs over its second is paid by every test.  botocore itself pays
something on a first call (operation model, serialiser, endpoint); the stub must
add little on top: its server-side checks follow the shipped service model
(D-VAL-1), whose constraint plans are built once per process, not once per client.

Measured side by side in one run, interleaved round by round, on thread CPU time
with the garbage collector off:

* **bare**: a client with a bare ``before-call`` handler answering a canned
  response (no stub active): botocore's own first-call cost;
* **stub**: a client bound to a fresh ``AssociationStub`` (manual progression).

For each operation, the warm-up is the median over rounds of (first call - second
call); the target: the stub's warm-up at most 1.5x the bare one.

Run from the repository root::

    python benchmarks/bench_warmup.py            # --quick for a smoke run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_calls import (  # noqa: E402
    REGION,
    check,
    gc_paused,
    prepare_environment,
    write_checks,
)

TARGET = 1.5
WEB = [{"Key": "tag:role", "Values": ["web"]}]


def _requests(association_id: str) -> dict[str, dict[str, Any]]:
    return {
        "CreateAssociation": {
            "Name": "AWS-RunShellScript",
            "Parameters": {"commands": ["echo hi"]},
            "Targets": WEB,
            "MaxConcurrency": "10%",
            "MaxErrors": "1",
            "ScheduleExpression": "rate(1 day)",
        },
        "UpdateAssociation": {
            "AssociationId": association_id,
            "Parameters": {"commands": ["echo again"]},
            "MaxConcurrency": "2",
        },
        "DescribeAssociation": {"AssociationId": association_id},
    }


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _timed(call: Callable[[], object]) -> int:
    with gc_paused():
        start = time.thread_time_ns()
        call()
        return time.thread_time_ns() - start


def _bare_client(response: dict[str, Any]) -> Any:
    import boto3
    from botocore.awsrequest import AWSResponse

    client = boto3.client("ssm", region_name=REGION)
    headers = {"x-amzn-requestid": "0" * 36, "content-type": "application/x-amz-json-1.1"}
    parsed = {
        **response,
        "ResponseMetadata": {
            "RequestId": "0" * 36,
            "HTTPStatusCode": 200,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        },
    }
    answer = (AWSResponse(f"https://ssm.{REGION}.amazonaws.com/", 200, headers, None), parsed)

    def before_call(**kwargs: Any) -> tuple[Any, dict[str, Any]]:
        return answer

    client.meta.events.register("before-call.ssm", before_call)
    return client


def one_round(operation: str, samples: dict[str, list[int]]) -> None:
    import boto3

    from ssm_assoc_stub import AssociationStub

    # bare: botocore alone (no stub is active, so the client is not bound)
    with AssociationStub(progression="manual") as stub:  # a real answer to replay
        seed = boto3.client("ssm", region_name=REGION)
        aid = seed.create_association(**_requests("")["CreateAssociation"])[
            "AssociationDescription"
        ]["AssociationId"]
        request = _requests(aid)[operation]
        canned = getattr(seed, _snake(operation))(**request)
        canned.pop("ResponseMetadata", None)
    bare = _bare_client(canned)
    method = getattr(bare, _snake(operation))
    first, second = _timed(lambda: method(**request)), _timed(lambda: method(**request))
    samples["bare"].append(first - second)

    # stub: a fresh stub and a new client, as a test makes them
    with AssociationStub(progression="manual") as stub:
        setup = boto3.client("ssm", region_name=REGION)  # an association to update/describe
        aid = setup.create_association(**_requests("")["CreateAssociation"])[
            "AssociationDescription"
        ]["AssociationId"]
        request = _requests(aid)[operation]
        client = boto3.client("ssm", region_name=REGION)
        method = getattr(client, _snake(operation))
        first, second = _timed(lambda: method(**request)), _timed(lambda: method(**request))
        samples["stub"].append(first - second)
        del stub


def run(rounds: int) -> list[dict[str, Any]]:
    checks = []
    print(f"{'operation':<22} {'bare adds':>10} {'stub adds':>10} {'ratio':>6}  target  verdict")
    for operation in ("CreateAssociation", "UpdateAssociation", "DescribeAssociation"):
        samples: dict[str, list[int]] = {"bare": [], "stub": []}
        one_round(operation, {"bare": [], "stub": []})  # warm the process (imports, model)
        for _ in range(rounds):
            one_round(operation, samples)
        bare = statistics.median(samples["bare"]) / 1000
        stub = statistics.median(samples["stub"]) / 1000
        ratio = stub / bare if bare > 0 else float("inf")
        met = ratio <= TARGET
        print(
            f"{operation:<22} {bare:>8.0f}us {stub:>8.0f}us {ratio:>6.2f}  <= {TARGET}  "
            f"{'met' if met else 'MISSED'}"
        )
        checks.append(
            check(
                f"warm-up {operation} (stub / bare first-call extra)",
                round(ratio, 2),
                f"<= {TARGET}x",
                met,
                f"first - second call, median of {rounds}: stub {stub:.0f} us, bare {bare:.0f} us",
            )
        )
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="rounds per operation (median)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 rounds")
    parser.add_argument("--json", help="write the target checks to this file")
    args = parser.parse_args(argv)
    prepare_environment()
    checks = run(3 if args.quick else args.rounds)
    write_checks(args.json, checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
