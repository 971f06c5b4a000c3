"""The ``ssm_assoc_stub`` fixture under pytest-xdist: each worker, and each test, starts empty.

The inner runs happen in a subprocess (``runpytest_subprocess``) so that the
xdist workers are real processes; they find the package through ``PYTHONPATH``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ssm_assoc_stub

TESTS = """
import os
import time
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

SHARED = Path(os.environ["SSM_ASSOC_STUB_XDIST_DIR"])
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "none")


def new_association():
    ssm = boto3.client("ssm", region_name="eu-west-1")
    created = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters={"commands": ["echo hi"]},
        Targets=[{"Key": "InstanceIds", "Values": ["i-0123456789abcdef0"]}],
    )
    return ssm, created["AssociationDescription"]["AssociationId"]


def wait_for_two(pattern):
    # Both workers run every test (--dist each); meet the other one here. The
    # bound only guards against a hang: a loaded machine may start a worker late.
    for _ in range(2400):
        found = sorted(SHARED.glob(pattern))
        if len(found) >= 2:
            return found
        time.sleep(0.05)
    raise AssertionError(f"the other worker never wrote {pattern}")


@pytest.mark.parametrize("round", ["first", "second"])
def test_each_worker_sees_only_its_own(ssm_assoc_stub, round):
    assert WORKER.startswith("gw")
    ssm, mine = new_association()
    assert set(ssm_assoc_stub.backend.state_snapshot()) == {mine}  # fresh for each test
    # Write, then rename: the other worker must never read a half-written id.
    partial = SHARED / f"{round}-{WORKER}.partial"
    partial.write_text(mine)
    partial.rename(SHARED / f"{round}-{WORKER}.id")
    theirs = [p.read_text() for p in wait_for_two(f"{round}-*.id") if WORKER not in p.name]
    assert len(theirs) == 1 and theirs[0] != mine
    for call in (ssm.describe_association, ssm.list_association_versions):
        with pytest.raises(ClientError) as caught:
            call(AssociationId=theirs[0])
        assert caught.value.response["Error"]["Code"] == "AssociationDoesNotExist"
    versions = ssm.list_association_versions(AssociationId=mine)["AssociationVersions"]
    assert [v["AssociationVersion"] for v in versions] == ["1"]
    (SHARED / f"{round}-{WORKER}.ok").write_text(str(os.getpid()))
"""


MANY = """
import boto3
import pytest

@pytest.mark.parametrize("n", range(6))
def test_starts_empty(ssm_assoc_stub, n):
    assert ssm_assoc_stub.backend.state_snapshot() == {}
    assert ssm_assoc_stub.calls == ()
    ssm = boto3.client("ssm", region_name="eu-west-1")
    for _ in range(n + 1):
        ssm.create_association(Name="AWS-HelloWorld")
    assert len(ssm_assoc_stub.backend.state_snapshot()) == n + 1
    assert len(ssm_assoc_stub.calls) == n + 1
"""


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Let the subprocess and its workers import this checkout; a directory they share.

    Plugin autoloading is off in the subprocess (it halves the start-up of each
    worker), so xdist and the plugin module are loaded by name.
    """
    root = str(Path(ssm_assoc_stub.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", root if not path else os.pathsep.join([root, path]))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    directory = tmp_path / "shared"
    directory.mkdir()
    monkeypatch.setenv("SSM_ASSOC_STUB_XDIST_DIR", str(directory))
    return directory


def test_the_fixture_under_two_xdist_workers_shares_no_state(
    pytester: pytest.Pytester, shared: Path
) -> None:
    pytester.makepyfile(test_isolation=TESTS, test_many=MANY)
    result = pytester.runpytest_subprocess(
        "-p",
        "xdist",
        "-p",
        "ssm_assoc_stub.plugin",
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--dist",
        "each",
    )
    result.assert_outcomes(passed=2 * (2 + 6))  # every test on each of the two workers
    written = sorted(p.name for p in shared.glob("*.ok"))
    assert written == [f"{r}-gw{w}.ok" for r in ("first", "second") for w in (0, 1)]
    # Two worker processes, each of which ran both rounds.
    pids = {p.name: p.read_text() for p in shared.glob("*.ok")}
    assert pids["first-gw0.ok"] == pids["second-gw0.ok"] != pids["first-gw1.ok"]
