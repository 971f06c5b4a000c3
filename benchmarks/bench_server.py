"""The server mode's cost per request, side by side with the in-process stub and moto's server.

In one process and in interleaved rounds, the same kind of read is answered by:

* the in-process stub: a bound boto3 client, ``DescribeAssociation`` (no socket);
* the server mode over HTTP on loopback: a boto3 client with ``endpoint_url``, the same
  ``DescribeAssociation`` (SigV4 signing, a keep-alive connection, werkzeug's threaded
  server, JSON both ways);
* the server mode over HTTP without botocore: a bare ``http.client`` keep-alive loop
  posting the same request body (what the server itself costs);
* moto's server (``ThreadedMotoServer``) over HTTP: a boto3 client, ``GetParameter``,
  an SSM read moto implements (skipped without ``moto[server]``).

Each round times ``--calls`` requests with ``time.perf_counter_ns`` (garbage collector
off) after a warm-up; the figure is the median over ``--repeats`` rounds.  Printed:
microseconds per request, requests per second, and the HTTP overhead (server mode
minus in-process, per request).

Targets: the server mode answers a read at most 1.5x as slow as moto's server answers
GetParameter (both through boto3 over loopback), and its HTTP overhead over the
in-process stub stays under 5 ms per request.

Run: ``pip install -e ".[bench,server]" "moto[server]"`` then
``python benchmarks/bench_server.py`` (``--quick`` for a smoke run, ``--strict`` to exit
1 on a missed target).
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import logging
import os
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGION = "eu-west-1"
MOTO_TARGET = 1.5  # server mode per request at most 1.5x moto server's
OVERHEAD_TARGET_US = 5000.0  # HTTP overhead over in-process, per request
SHELL = {"commands": ["echo hi"]}
TARGETS = [{"Key": "InstanceIds", "Values": ["i-0123456789abcdef0"]}]


def _client(url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "ssm",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


def _time(call: Callable[[], object], calls: int) -> float:
    """Microseconds per call over one round."""
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(calls):
            call()
        return (time.perf_counter_ns() - start) / calls / 1000
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="30 calls, 2 rounds")
    parser.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    parser.add_argument("--json", metavar="PATH", help="write the target checks to this file")
    args = parser.parse_args(argv)
    calls, repeats = (30, 2) if args.quick else (args.calls, args.repeats)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]

    from ssm_assoc_stub import AssociationStub
    from ssm_assoc_stub._server.testing import started_server

    runners: dict[str, Callable[[], float]] = {}
    cleanups: list[Callable[[], None]] = []

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs each request

    # -- in-process: a client made outside any stub, bound with clients= each round --
    local = _client(None)

    def in_process() -> float:
        with AssociationStub(clients=[local], progression="manual"):
            aid = _create(local)
            return _time(lambda: local.describe_association(AssociationId=aid), calls)

    runners["in-process stub (DescribeAssociation)"] = in_process

    # -- server mode -------------------------------------------------------------
    serving = started_server({"progression": "manual"})
    url, _controls = serving.__enter__()
    cleanups.append(lambda: serving.__exit__(None, None, None))
    remote = _client(url)
    remote_id = _create(remote)
    runners["server mode, boto3 over HTTP (DescribeAssociation)"] = lambda: _time(
        lambda: remote.describe_association(AssociationId=remote_id), calls
    )
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
    body = json.dumps({"AssociationId": remote_id}).encode()
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonSSM.DescribeAssociation",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKID/20260301/{REGION}/ssm/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }

    def raw() -> None:
        connection.request("POST", "/", body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200, answer.status

    runners["server mode, bare http.client (DescribeAssociation)"] = lambda: _time(raw, calls)
    cleanups.append(connection.close)

    # -- moto's server -----------------------------------------------------------------
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as missing:
        print(f"(moto server column skipped: {missing}; pip install 'moto[server]')")
    else:
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        cleanups.append(moto.stop)
        host, port = moto.get_host_and_port()
        moto_ssm = _client(f"http://{host}:{port}")
        moto_ssm.put_parameter(Name="/bench/colour", Value="blue", Type="String")
        runners["moto server, boto3 over HTTP (GetParameter)"] = lambda: _time(
            lambda: moto_ssm.get_parameter(Name="/bench/colour"), calls
        )

    try:
        samples: dict[str, list[float]] = {name: [] for name in runners}
        for round_ in range(repeats + 1):  # round 0 warms up
            for name, run in runners.items():
                figure = run()
                if round_:
                    samples[name].append(figure)
    finally:
        for cleanup in reversed(cleanups):
            cleanup()

    medians = {name: statistics.median(values) for name, values in samples.items()}
    return _report(medians, calls, repeats, args)


def _create(client: Any) -> str:
    return str(
        client.create_association(Name="AWS-RunShellScript", Targets=TARGETS, Parameters=SHELL)[
            "AssociationDescription"
        ]["AssociationId"]
    )


def _report(medians: dict[str, float], calls: int, repeats: int, args: Any) -> int:
    print(f"server mode benchmark: {calls} requests a round, median of {repeats} rounds")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print()
    width = max(map(len, medians))
    print(f"{'':{width}}  {'us/request':>11}  {'requests/s':>10}")
    for name, micros in medians.items():
        print(f"{name:{width}}  {micros:11.1f}  {1e6 / micros:10.0f}")
    local = next(v for k, v in medians.items() if k.startswith("in-process"))
    http_boto = next(v for k, v in medians.items() if k.startswith("server mode, boto3"))
    overhead = http_boto - local
    print()
    print(f"HTTP overhead over in-process: {overhead:.1f} us per request "
          f"({http_boto / local:.1f}x)")  # fmt: skip
    checks = [
        (
            f"HTTP overhead under {OVERHEAD_TARGET_US:.0f} us per request",
            overhead <= OVERHEAD_TARGET_US,
            f"{overhead:.0f} us; in-process {local:.0f}, over HTTP {http_boto:.0f} us/request",
        )
    ]
    goals: list[tuple[float, str]] = [(overhead, f"< {OVERHEAD_TARGET_US:.0f} us")]
    moto = next((v for k, v in medians.items() if k.startswith("moto")), None)
    if moto is not None:
        ratio = http_boto / moto
        checks.append(
            (
                f"server mode within {MOTO_TARGET}x of moto server per request",
                ratio <= MOTO_TARGET,
                f"{ratio:.2f}x (moto {moto:.0f} us)",
            )  # fmt: skip
        )
        goals.append((ratio, f"<= {MOTO_TARGET}x"))
    missed = 0
    for what, met, figure in checks:
        print(f"  {'met   ' if met else 'MISSED'} {what}: {figure}")
        missed += not met
    if args.json:  # the target checks, as run_all.py collects them
        found = [
            {"name": what, "value": value, "target": goal, "met": bool(met), "detail": figure}
            for (what, met, figure), (value, goal) in zip(checks, goals, strict=True)
        ]
        Path(args.json).write_text(json.dumps(found, indent=1))
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
