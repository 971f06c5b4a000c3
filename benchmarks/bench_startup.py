"""What ``import ssm_assoc_stub`` and the pytest plugin add to a run that never uses the stub.

Every figure comes from fresh subprocesses, in interleaved pairs, median of ``--repeats``:

* ``python -X importtime -c "import ssm_assoc_stub"``: the cumulative import
  time of the package, as CPython reports it;
* ``python -X importtime -c "import pytest; import ssm_assoc_stub.plugin"``: the
  plugin module on top of pytest (what loading the plugin costs);
* wall time of ``python -m pytest`` on a file with one empty test, with the
  plugin (``-p ssm_assoc_stub.plugin``) and without (``-p no:ssm_assoc_stub``),
  third-party plugin autoloading off so nothing else differs; and, when the
  ``pytest11`` entry point is installed, the same with autoloading on (what a
  user's run pays by default) against ``-p no:ssm_assoc_stub``;
* which of boto3, botocore, attrs, croniter and dateutil are in ``sys.modules``
  after importing the package and the plugin, and inside a pytest run with the
  plugin loaded (the plugin must not import boto3 or botocore until used).

Target (issue 5): the plugin and the import add under 10 ms; no boto3/botocore.

Run: ``python benchmarks/bench_startup.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_calls import ROOT, check, write_checks

TARGET_MS = 10.0
HEAVY = ("boto3", "botocore", "attr", "attrs", "croniter", "dateutil")
FORBIDDEN = ("boto3", "botocore")

_PROBE = f"""
import sys
HEAVY = {HEAVY!r}
def loaded():
    return sorted({{m.split(".")[0] for m in sys.modules}} & set(HEAVY))
"""
_TEST_FILE = "def test_nothing():\n    pass\n"
_PROBE_TEST = (
    _PROBE
    + """
def test_report_modules():
    print("HEAVY-MODULES", ",".join(loaded()))
"""
)


_PYCACHE = tempfile.mkdtemp(prefix="ssm-assoc-pycache-")  # removed by main()


def _env(autoload: bool = True) -> dict[str, str]:
    """The subprocesses' environment.

    Compiled modules are cached as on a normal install, in a temporary
    ``PYTHONPYCACHEPREFIX`` so nothing is written into the checkout (and
    ``PYTHONDONTWRITEBYTECODE`` does not turn every run into a cold one).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    # The package importable from a checkout, whether it is installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_PLUGINS", None)
    if autoload:
        env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    else:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str, str]:
    """Wall seconds, stdout, stderr of ``python *args``."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0,):
        raise RuntimeError(
            f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return elapsed, done.stdout, done.stderr


def _importtime(stderr: str, module: str) -> float:
    """The cumulative microseconds CPython's -X importtime reports for ``module``."""
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) == 3 and parts[2].strip() == module:
            return float(parts[1])
    return 0.0  # already imported by then (counted elsewhere)


def _top_self(stderr: str, module: str, count: int = 5) -> list[tuple[str, float]]:
    """The modules importing ``module`` loaded (its subtree), by self time, slowest first."""
    block: list[tuple[str, float]] = []
    for line in stderr.splitlines():
        parts = line[len("import time:") :].split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        name = parts[2].rstrip()
        block.append((name.strip(), float(parts[0])))
        if name == f" {module}":  # top level: the lines since the last top-level one
            return sorted(block, key=lambda row: -row[1])[:count]
        if not name.startswith("  "):
            block = []
    return []


def entry_point_visible(cwd: Path) -> bool:
    code = (
        "import importlib.metadata as m, sys; "
        "sys.exit(0 if any(e.name == 'ssm_assoc_stub' "
        "for e in m.entry_points(group='pytest11')) else 1)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=_env(), capture_output=True, check=False
    )
    return done.returncode == 0


def run(repeats: int) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ssm-assoc-startup-") as tmp:
        work = Path(tmp)
        (work / "test_empty.py").write_text(_TEST_FILE)
        (work / "test_probe.py").write_text(_PROBE_TEST)
        (work / "pytest.ini").write_text("[pytest]\n")  # rootdir here, no outer config
        env = _env()

        # 1. import time of the package and of the plugin, as CPython reports it
        package_us, plugin_us, bare_s, import_s = [], [], [], []
        last_stderr = ""
        for warm_up in (["-m", "pytest", "--version"], ["-c", "import ssm_assoc_stub.plugin"]):
            _run(warm_up, work, env)  # fills the bytecode cache
        for _ in range(repeats):
            _, _, err = _run(["-X", "importtime", "-c", "import ssm_assoc_stub"], work, env)
            package_us.append(_importtime(err, "ssm_assoc_stub"))
            last_stderr = err
            code = "import pytest; import ssm_assoc_stub.plugin"
            _, _, err = _run(["-X", "importtime", "-c", code], work, env)
            plugin_us.append(_importtime(err, "ssm_assoc_stub.plugin"))
            bare_s.append(_run(["-c", "pass"], work, env)[0])
            import_s.append(_run(["-c", "import ssm_assoc_stub"], work, env)[0])
        package_ms = statistics.median(package_us) / 1000
        plugin_ms = statistics.median(plugin_us) / 1000
        wall_ms = (statistics.median(import_s) - statistics.median(bare_s)) * 1000
        print(f"import ssm_assoc_stub (-X importtime, cumulative): {package_ms:6.2f} ms")
        print(f"import ssm_assoc_stub.plugin after pytest:         {plugin_ms:6.2f} ms")
        print(f"python -c 'import ssm_assoc_stub' minus 'pass':     {wall_ms:6.2f} ms (wall)")
        top = ", ".join(
            f"{name} {us / 1000:.2f} ms" for name, us in _top_self(last_stderr, "ssm_assoc_stub")
        )
        print(f"  what it loads, slowest first (self time, one run): {top}", flush=True)
        checks.append(
            check(
                "import ssm_assoc_stub (ms)",
                package_ms,
                f"< {TARGET_MS} ms",
                package_ms < TARGET_MS,
                f"wall difference {wall_ms:.1f} ms",
            )
        )
        checks.append(
            check(
                "import ssm_assoc_stub.plugin after pytest (ms)",
                plugin_ms,
                f"< {TARGET_MS} ms",
                plugin_ms < TARGET_MS,
            )
        )

        # 2. pytest on an empty test file, with and without the plugin
        base = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "test_empty.py"]
        variants = {
            "explicit": (
                ["-p", "ssm_assoc_stub.plugin"],
                ["-p", "no:ssm_assoc_stub"],
                _env(autoload=False),
            )
        }
        if entry_point_visible(work):
            variants["autoload"] = ([], ["-p", "no:ssm_assoc_stub"], env)
        else:
            print("(the pytest11 entry point is not installed: `pip install -e .` to time it)")
        for name, (with_args, without_args, variant_env) in variants.items():
            for args in (with_args, without_args):  # warm-up: fills the bytecode cache
                _run([*base, *args], work, variant_env)
            with_s, without_s = [], []
            for _ in range(repeats):
                with_s.append(_run([*base, *with_args], work, variant_env)[0])
                without_s.append(_run([*base, *without_args], work, variant_env)[0])
            # The median of the paired differences: steadier than a difference of medians.
            added = statistics.median(a - b for a, b in zip(with_s, without_s, strict=True)) * 1000
            label = (
                "-p ssm_assoc_stub.plugin vs -p no:ssm_assoc_stub (autoload off)"
                if name == "explicit"
                else "entry point autoloaded vs -p no:ssm_assoc_stub"
            )
            print(
                f"pytest, {label}: {statistics.median(with_s) * 1000:.0f} ms vs "
                f"{statistics.median(without_s) * 1000:.0f} ms, added {added:+.1f} ms",
                flush=True,
            )
            checks.append(
                check(
                    f"pytest run, plugin added ({name}) (ms)",
                    added,
                    f"< {TARGET_MS} ms",
                    added < TARGET_MS,
                    "median of paired wall-time differences; run-to-run noise is a few ms",
                )
            )

        # 3. no boto3/botocore until the stub is used
        code = _PROBE + "import ssm_assoc_stub, ssm_assoc_stub.plugin\nprint(','.join(loaded()))"
        after_import = _run(["-c", code], work, env)[1].strip()
        args = ["-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p"]
        out = _run([*args, "ssm_assoc_stub.plugin", "test_probe.py"], work, _env(autoload=False))[1]
        in_pytest = next(
            (line.split(" ", 1)[1] if " " in line else "")
            for line in out.splitlines()
            if line.startswith("HEAVY-MODULES")
        ).strip()
        print(f"sys.modules after importing package and plugin: [{after_import}]")
        print(f"sys.modules inside a pytest run with the plugin: [{in_pytest}]", flush=True)
        for where, found in (("after import", after_import), ("in pytest", in_pytest)):
            bad = sorted(set(found.split(",")) & set(FORBIDDEN))
            checks.append(
                check(
                    f"boto3/botocore not imported {where}",
                    len(bad),
                    "0 modules",
                    not bad,
                    f"heavy modules loaded: [{found}]",
                )
            )
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="subprocess pairs (median)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 repeats")
    parser.add_argument("--json", help="write the target checks to this file")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    print(f"Startup cost, median of {repeats} fresh subprocesses each")
    try:
        checks = run(repeats)
    finally:
        shutil.rmtree(_PYCACHE, ignore_errors=True)
    write_checks(args.json, checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
