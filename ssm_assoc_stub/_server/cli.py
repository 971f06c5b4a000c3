"""``python -m ssm_assoc_stub serve``: the arguments and the start-up fleet."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, TextIO

__all__ = ["build_parser", "main_serve", "make_app"]

DEFAULT_PORT = 5050


def build_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the emulated SSM associations over HTTP (AWS CLI, Terraform, other SDKs)",
        description="Serve SSM's JSON 1.1 protocol on an HTTP endpoint, answered by the same "
        "service as the in-process stub. Any SigV4 signature is accepted; the Region comes "
        "from the request's credential scope. Stop with Ctrl+C or SIGTERM.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one (default {DEFAULT_PORT})")  # fmt: skip
    add("--upstream", metavar="URL",
        help="send the SSM operations the stub does not emulate on to this endpoint "
        "(e.g. a moto server)")  # fmt: skip
    add("--region", default="us-east-1",
        help="Region of requests without a SigV4 credential scope (default us-east-1)")  # fmt: skip
    add("--account-id", default="123456789012", help="the emulated account (12 digits)")
    add("--start-time", metavar="ISO8601",
        help="simulated start time, e.g. 2026-03-01T12:00:00Z (default: now)")  # fmt: skip
    add("--progression", choices=("immediate", "manual"), default="immediate",
        help="immediate: runs finish before the next answer; manual: only the clock "
        "controls move them (default immediate)")  # fmt: skip
    add("--default-max-concurrency", default="100%", help="what unset MaxConcurrency means")
    add("--strict-fleet", action="store_true", help="unknown instance ids are InvalidInstanceId")
    add("--node", action="append", default=[], metavar="ID[:Key=Value,...]",
        help="a managed node with optional tags; repeat for more")  # fmt: skip
    add("--fleet", metavar="N[:Key=Value,...]",
        help="N managed nodes i-00000000000000001.. with the same tags")  # fmt: skip
    add("--outcome", action="append", default=[], metavar="TARGET=STATUS[/SECONDS]",
        help="how runs on a node (or *) end and how long they take, e.g. '*=Success/30' "
        "or i-00000000000000003=Failed")  # fmt: skip
    add("--log-requests", action="store_true", help="log every HTTP request")


class UsageError(ValueError):
    pass


def _tags(text: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for pair in filter(None, text.split(",")):
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"a tag is Key=Value, got {pair!r}")
        tags[key] = value
    return tags


def _nodes(args: argparse.Namespace) -> list[tuple[str, dict[str, str]]]:
    nodes: list[tuple[str, dict[str, str]]] = []
    if args.fleet:
        count_text, _, tag_text = args.fleet.partition(":")
        if not count_text.isdigit() or not 0 < int(count_text) <= 100_000:
            raise UsageError(f"--fleet takes a count from 1 to 100000, got {count_text!r}")
        tags = _tags(tag_text)
        nodes += [(f"i-{n:017d}", tags) for n in range(1, int(count_text) + 1)]
    for spec in args.node:
        instance_id, _, tag_text = spec.partition(":")
        nodes.append((instance_id, _tags(tag_text)))
    return nodes


def _outcomes(args: argparse.Namespace) -> list[tuple[str, str, float | None]]:
    outcomes: list[tuple[str, str, float | None]] = []
    for spec in args.outcome:
        target, sep, rest = spec.partition("=")
        status, _, seconds = rest.partition("/")
        if not sep or not target or not status:
            raise UsageError(f"--outcome is TARGET=STATUS[/SECONDS], got {spec!r}")
        try:
            duration = float(seconds) if seconds else None
        except ValueError:
            raise UsageError(f"--outcome seconds must be a number, got {seconds!r}") from None
        outcomes.append((target, status, duration))
    return outcomes


def _start_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--start-time must be ISO 8601, got {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def make_app(args: argparse.Namespace) -> Any:
    """The ``ServerApp`` the arguments describe (its fleet rebuilt on every reset)."""
    from .._service.options import Options
    from .._service.service import Backend
    from .app import ServerApp
    from .upstream import Upstream

    options: Mapping[str, Any] = {
        "account_id": args.account_id,
        "start_time": _start_time(args.start_time),
        "progression": args.progression,
        "default_max_concurrency": args.default_max_concurrency,
        "strict_fleet": args.strict_fleet,
    }
    try:
        checked = Options(**options)
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    nodes, outcomes = _nodes(args), _outcomes(args)

    def new_backend() -> Backend:
        backend = Backend(checked)
        for instance_id, tags in nodes:
            backend.add_instance(instance_id, tags=tags)
        for target, status, duration in outcomes:
            backend.set_outcome(target, status, duration)
        return backend

    try:
        upstream = Upstream(args.upstream) if args.upstream else None
        return ServerApp(new_backend, upstream=upstream, region=args.region)
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None


def main_serve(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    try:
        from .run import serve_forever
    except ImportError as missing:  # werkzeug is the [server] extra
        print(
            f"serve: error: the server mode needs werkzeug ({missing}); "
            'install it with: pip install "ssm_assoc_stub[server]"',
            file=err if err is not None else sys.stderr,
        )
        return 2

    try:
        app = make_app(args)
    except UsageError as error:
        print(f"serve: error: {error}", file=err if err is not None else sys.stderr)
        return 2
    return serve_forever(
        app, host=args.host, port=args.port, out=out, log_requests=args.log_requests
    )
