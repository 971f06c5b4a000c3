"""What the undo journal (transactional calls, issue 8 item 2) costs per write.

Two rounds alternate, on one warm client each, ``progression="manual"`` and the
default ``"immediate"``: the calls as they are, and the same calls with the
service's ``transaction()`` replaced by a no-op context (the journal's hooks
then find no open transaction and return at once).  Reported: microseconds
per call (thread CPU time, gc off, median of ``--repeats`` rounds) and the
difference.  No target: the figure is for docs/performance.md.

Run: ``python benchmarks/bench_journal.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import statistics
import sys
import time
from typing import Any

from bench_calls import REGION, _entry, _update, check, prepare_environment, write_checks


def _round(client: Any, progression: str, operation: str, calls: int) -> float:
    from ssm_assoc_stub import AssociationStub

    with AssociationStub(clients=[client], progression=progression) as stub:
        stub.add_instance("i-0b1e5c0de0000000a", tags={"role": "web"})
        stub.add_instance("i-0b1e5c0de0000000b", tags={"role": "web"})
        if operation == "CreateAssociation":
            params = [_entry() for _ in range(calls)]
            method = client.create_association
        else:
            aid = client.create_association(**_entry())["AssociationDescription"]["AssociationId"]
            params = [_update(aid) for _ in range(calls)]
            method = client.update_association
        gc.collect()
        gc.disable()
        try:
            started = time.thread_time()
            for p in params:
                method(**p)
            return (time.thread_time() - started) / calls * 1e6
        finally:
            gc.enable()


def run(calls: int, repeats: int) -> list[dict[str, Any]]:
    prepare_environment()
    import boto3

    from ssm_assoc_stub._service import service

    real = service.transaction
    checks = []
    print(f"{'call':<36} {'journal':>9} {'no journal':>11} {'added':>8}  (us/call, CPU)")
    for progression in ("manual", "immediate"):
        for operation in ("CreateAssociation", "UpdateAssociation"):
            clients = {True: boto3.client("ssm", region_name=REGION)}
            clients[False] = boto3.client("ssm", region_name=REGION)
            samples: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(repeats + 1):  # the first round warms up
                for journaled in (True, False):
                    service.transaction = real if journaled else contextlib.nullcontext  # type: ignore[assignment]
                    try:
                        samples[journaled].append(
                            _round(clients[journaled], progression, operation, calls)
                        )
                    finally:
                        service.transaction = real  # type: ignore[assignment]
            on, off = (statistics.median(samples[k][1:]) for k in (True, False))
            name = f"{operation} ({progression})"
            print(f"{name:<36} {on:9.0f} {off:11.0f} {on - off:8.0f}", flush=True)
            checks.append(
                check(
                    f"journal cost, {name} (us)",
                    on - off,
                    "reported",
                    True,
                    f"{on:.0f} vs {off:.0f}",
                )
            )
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="write the checks to this file")
    args = parser.parse_args(argv)
    calls, repeats = (20, 2) if args.quick else (args.calls, args.repeats)
    write_checks(args.json, run(calls, repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
