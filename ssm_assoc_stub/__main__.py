"""``python -m ssm_assoc_stub``: the demo, the rate-control simulator and the server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ssm_assoc_stub",
        description="In-process emulation of SSM State Manager associations.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo", help="drive real boto3 calls through the stub and print what happened"
    )
    from ._server import cli as _serve
    from ._tools.simulate import build_parser, main_simulate

    build_parser(commands)
    _serve.build_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._tools.demo import run_demo

        return run_demo(sys.stdout)
    if args.command == "serve":
        return _serve.main_serve(args, sys.stdout)
    return main_simulate(args, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
