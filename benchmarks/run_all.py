"""Run every benchmark of ssm_assoc_stub and print the ratios against their targets.

Each benchmark runs in its own fresh interpreter (``bench_calls``, ``bench_suite``,
``bench_state``, ``bench_engine``, ``bench_bounds``, ``bench_startup``, ``bench_warmup``,
``bench_server``), prints its own table, and reports its target
checks; this script prints the machine, then a summary of every target, met or
missed.  The speed targets live here only: the unit tests assert no timings.

Run from the repository root (about a minute)::

    pip install -e ".[bench]"      # moto for the moto column; without it that column is skipped
    python benchmarks/run_all.py   # --quick for a smoke run, --strict to exit 1 on a missed target
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCHMARKS = ("calls", "suite", "state", "engine", "bounds", "startup", "warmup", "server")


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    stub_version = _version("ssm_assoc_stub")
    if stub_version == "not installed":
        init = (ROOT / "ssm_assoc_stub" / "__init__.py").read_text()
        line = next((ln for ln in init.splitlines() if ln.startswith("__version__")), "")
        stub_version = line.split("=", 1)[-1].strip().strip("\"'") + " (from the checkout)"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "ssm_assoc_stub": stub_version,
        "botocore": _version("botocore"),
        "boto3": _version("boto3"),
        "moto": _version("moto"),
        "load average (1 min)": f"{load[0]:.2f}",
    }


def run_benchmark(name: str, quick: bool) -> list[dict[str, Any]]:
    """Run ``bench_<name>.py`` in a fresh interpreter; its output streams through."""
    with tempfile.TemporaryDirectory(prefix="ssm-assoc-bench-") as tmp:
        out = Path(tmp) / "checks.json"
        command = [sys.executable, str(HERE / f"bench_{name}.py"), "--json", str(out)]
        if quick:
            command.append("--quick")
        print(f"\n=== bench_{name}.py", flush=True)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, check=False)
        print(f"(bench_{name}.py took {time.perf_counter() - started:.1f} s)", flush=True)
        if done.returncode != 0 or not out.exists():
            return [
                {
                    "name": f"bench_{name}.py ran",
                    "value": done.returncode,
                    "target": "exit 0",
                    "met": False,
                    "detail": "see its output above",
                }
            ]
        checks: list[dict[str, Any]] = json.loads(out.read_text())
        return checks


def _format_value(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{value:g}"
    return f"{value:.2f}"


def summary(checks: list[dict[str, Any]], markdown: bool) -> str:
    if markdown:
        lines = ["| target | measured | goal | met | detail |", "|---|---|---|---|---|"]
        for c in checks:
            met = "yes" if c["met"] else "**no**"
            lines.append(
                f"| {c['name']} | {_format_value(c['value'])} | {c['target']} | {met} | "
                f"{c['detail']} |"
            )
        return "\n".join(lines)
    width = max(len(c["name"]) for c in checks)
    lines = [f"{'target':<{width}}  {'measured':>9}  {'goal':<18} verdict  detail"]
    for c in checks:
        verdict = "met   " if c["met"] else "MISSED"
        lines.append(
            f"{c['name']:<{width}}  {_format_value(c['value']):>9}  {c['target']:<18} "
            f"{verdict}   {c['detail']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of every benchmark")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run these benchmarks only")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--markdown", action="store_true", help="print the summary as a table")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    info = machine()
    print("ssm_assoc_stub benchmarks")
    for key, value in info.items():
        print(f"  {key:<22} {value}")
    cpus = os.cpu_count() or 1
    if float(info["load average (1 min)"]) > cpus / 2:
        print("  warning: the machine is busy; timings will be noisier than usual")
    if importlib.util.find_spec("moto") is None:
        print(
            '  moto is not installed: the moto column is skipped (pip install -e ".[bench]", '
            'or pip install "moto[ssm]")'
        )

    checks: list[dict[str, Any]] = []
    for name in args.only or BENCHMARKS:
        checks.extend(run_benchmark(name, args.quick))

    print("\n=== summary (the targets each script names)")
    print(summary(checks, args.markdown))
    missed = [c for c in checks if not c["met"]]
    print(
        f"\n{len(checks) - len(missed)} of {len(checks)} targets met; "
        f"total {time.perf_counter() - started:.0f} s"
        + (" (quick run: the figures are indicative only)" if args.quick else "")
    )
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
