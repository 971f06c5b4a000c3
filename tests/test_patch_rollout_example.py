"""Tests of the worked example ``docs/examples/patch_rollout.py``, as a user would write them.

The rollout code gets a plain boto3 client; the stub answers it.  Outcomes are
chosen per node and per association version with ``stub.set_outcome``, and the
polling loop sleeps on the stub's simulated clock, so nothing here waits.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "patch_rollout.py"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("patch_rollout", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


patch_rollout = _load_example()

FEBRUARY = {"Operation": ["Install"], "InstallOverrideList": ["s3://patches/2026-02.yaml"]}
MARCH = {"Operation": ["Install"], "InstallOverrideList": ["s3://patches/2026-03.yaml"]}


@pytest.fixture
def ssm_assoc_stub() -> Iterator[AssociationStub]:
    # Users get this fixture from the package's pytest plugin; this suite runs with
    # the plugin switched off (-p no:ssm_assoc_stub), so it is spelled out here.
    with AssociationStub() as stub:
        yield stub


def web_fleet(stub: AssociationStub, count: int = 20) -> list[str]:
    nodes = [f"i-{n:017x}" for n in range(1, count + 1)]
    for node in nodes:
        stub.add_instance(node, tags={"PatchGroup": "web"})
    stub.add_instance("i-00000000000000db1", tags={"PatchGroup": "db"})  # never targeted
    return nodes


def march_breaks(nodes: set[str]) -> Any:
    """An outcome: the March patch list fails on ``nodes``; everything else succeeds."""

    def outcome(association: Mapping[str, Any], node: str) -> str:
        march = association["Parameters"].get("InstallOverrideList") == MARCH["InstallOverrideList"]
        return "Failed" if march and node in nodes else "Success"

    return outcome


def test_creating_patches_nothing_until_started(ssm_assoc_stub: AssociationStub) -> None:
    web_fleet(ssm_assoc_stub)
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = patch_rollout.create_patch_association(ssm, "web", FEBRUARY)
    assert ssm_assoc_stub.executions(aid) == ()  # waits for its window
    overview = ssm.describe_association(AssociationId=aid)["AssociationDescription"]["Overview"]
    assert overview == {"Status": "Pending", "DetailedStatus": "Creating"}


def test_rollout_that_succeeds(ssm_assoc_stub: AssociationStub) -> None:
    nodes = web_fleet(ssm_assoc_stub)
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = patch_rollout.create_patch_association(
        ssm, "web", FEBRUARY, max_concurrency="2", max_errors="10%"
    )

    result = patch_rollout.roll_out(ssm, aid, MARCH)

    assert result.succeeded and result.version == "2"
    assert (result.failed, result.skipped, result.rolled_back_to) == ((), (), None)
    assert result.counts == "{Success=20}"
    (execution,) = ssm_assoc_stub.executions(aid)
    assert list(execution.targets) == nodes  # the db node is not in the group
    assert execution.peak_concurrency == 2  # MaxConcurrency held
    now = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert (now["AssociationVersion"], now["Parameters"]) == ("2", MARCH)
    assert (now["MaxConcurrency"], now["MaxErrors"]) == ("2", "10%")  # resent, kept


def test_rollout_that_crosses_max_errors_is_rolled_back(ssm_assoc_stub: AssociationStub) -> None:
    nodes = web_fleet(ssm_assoc_stub)
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = patch_rollout.create_patch_association(
        ssm, "web", FEBRUARY, max_concurrency="2", max_errors="10%"
    )
    version_1 = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    # Nodes 3, 5, 6 and 15 cannot take the March patches.
    ssm_assoc_stub.set_outcome("*", march_breaks({nodes[2], nodes[4], nodes[5], nodes[14]}))

    result = patch_rollout.roll_out(ssm, aid, MARCH)

    # 10% of 20 nodes tolerates 2 errors; the 3rd stops dispatch (D-RC-1, D-RC-2). Two at a
    # time, 1 s each: nodes 1-2 pass; 3 fails (1), 4 passes; 5 fails (2) and 7 takes its
    # slot; 6 fails (3 > 2): stop. Node 7 was already running and finishes; 8-20 are never
    # patched (D-RC-4, D-RC-10), so node 15's failure never happens.
    assert not result.succeeded and result.version == "2"
    assert result.failed == (nodes[2], nodes[4], nodes[5])
    assert result.skipped == tuple(nodes[7:])
    assert result.counts == "{Failed=3, Skipped=13, Success=4}"  # D-EXE-1
    assert result.rolled_back_to == "1"

    # The rollback is version 3 with version 1's members; it waits for the window.
    now = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert now["AssociationVersion"] == "3"
    for member in (
        "Parameters",
        "Targets",
        "MaxConcurrency",
        "MaxErrors",
        "ScheduleExpression",
        "ApplyOnlyAtCronInterval",
        "AssociationName",
        "ComplianceSeverity",
    ):
        assert now[member] == version_1[member], member
    assert len(ssm_assoc_stub.executions(aid)) == 1
    versions = ssm.list_association_versions(AssociationId=aid)["AssociationVersions"]
    assert [v["Parameters"] for v in versions] == [FEBRUARY, MARCH, FEBRUARY]


def test_failed_targets_come_from_the_execution_history(ssm_assoc_stub: AssociationStub) -> None:
    nodes = web_fleet(ssm_assoc_stub, 4)
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = patch_rollout.create_patch_association(ssm, "web", FEBRUARY, max_errors="25%")
    ssm_assoc_stub.set_outcome(nodes[1], "TimedOut")  # a time-out counts as an error too
    result = patch_rollout.roll_out(ssm, aid, MARCH)
    execution = patch_rollout.latest_execution(ssm, aid)
    assert execution["ExecutionId"] == result.execution_id
    statuses = patch_rollout.target_statuses(ssm, aid, result.execution_id)
    assert statuses == {node: "TimedOut" if node == nodes[1] else "Success" for node in nodes}
    assert result.failed == (nodes[1],) and result.rolled_back_to == "1"


def test_waiting_polls_on_simulated_time() -> None:
    # progression="manual": runs advance only with simulated time, which the injected
    # sleep moves. (With the plugin: @pytest.mark.ssm_assoc_stub(progression="manual").)
    with AssociationStub(progression="manual") as stub:
        web_fleet(stub, 4)
        stub.set_outcome("*", "Success", duration=600)
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = patch_rollout.create_patch_association(ssm, "web", FEBRUARY, max_concurrency="2")
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            stub.advance(seconds)

        result = patch_rollout.roll_out(ssm, aid, MARCH, sleep=sleep, poll_seconds=300)
    assert result.succeeded
    assert slept == [300, 300, 300, 300]  # two waves of 600 s


def test_waiting_gives_up_after_the_timeout() -> None:
    with AssociationStub(progression="manual") as stub:
        web_fleet(stub, 2)
        stub.set_outcome("*", "Success", duration=86_400)
        ssm = boto3.client("ssm", region_name="eu-west-1")
        aid = patch_rollout.create_patch_association(ssm, "web", FEBRUARY)
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            stub.advance(seconds)

        with pytest.raises(TimeoutError, match="still Pending after 300 seconds"):
            patch_rollout.roll_out(
                ssm, aid, MARCH, sleep=sleep, poll_seconds=60, timeout_seconds=300
            )
    assert slept == [60] * 5


def test_nothing_to_roll_back_to_at_version_1(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = patch_rollout.create_patch_association(ssm, "web", FEBRUARY)
    assert patch_rollout.roll_back(ssm, aid) is None
    assert (
        ssm.describe_association(AssociationId=aid)["AssociationDescription"]["AssociationVersion"]
        == "1"
    )


def test_a_concurrent_edit_is_not_overwritten(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    aid = patch_rollout.create_patch_association(ssm, "web", FEBRUARY)
    patch_rollout.update_association(ssm, aid, Parameters=MARCH)

    class Racing:
        """A client on which a colleague's update lands between our read and our write."""

        def __getattr__(self, name: str) -> Any:
            return getattr(ssm, name)

        def update_association(self, **request: Any) -> Any:
            patch_rollout.update_association(ssm, aid, MaxErrors="0")
            return ssm.update_association(**request)

    with pytest.raises(ssm.exceptions.InvalidAssociationVersion):
        patch_rollout.roll_back(Racing(), aid)
    now = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert (now["AssociationVersion"], now["MaxErrors"]) == ("3", "0")  # the colleague's edit
